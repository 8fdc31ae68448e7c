#!/bin/sh
# make check-deploy: the tests that need root and a throwaway Debian 12
# root or a Docker daemon of their own (tests/deploy/tNNNN-*.sh). Builds the .deb once (make deb), makes
# one Debian 12 root with debootstrap (minbase) that each test copies,
# runs every test, prints "N passed, N failed". As a normal user: one
# line saying it needs root, and exit 1.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
if [ "$(id -u)" -ne 0 ]; then
	echo "check-deploy: needs root (debootstrap, chroot, users); run it as root" >&2
	exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mirror=${RDRILL_DEBIAN_MIRROR:-http://deb.debian.org/debian}

echo "--- make deb"
RDRILL_DEB=$(sh deploy/debian/build-deb.sh "$work" | tail -1) || exit 1
export RDRILL_DEB
# RDRILL_DEPLOY_BASE: an existing debootstrap'd root to copy instead
# (a developer's loop); otherwise one made here.
if [ -n "${RDRILL_DEPLOY_BASE:-}" ]; then
	base=$RDRILL_DEPLOY_BASE
else
	base=$work/base
	echo "--- debootstrap bookworm (minbase + systemd)"
	debootstrap --variant=minbase --include=systemd bookworm "$base" "$mirror" \
		>"$work/debootstrap.log" 2>&1 ||
		{ tail -20 "$work/debootstrap.log"; exit 1; }
fi
export RDRILL_DEPLOY_BASE=$base RDRILL_DEBIAN_MIRROR=$mirror

passed=0
failed=0
# The fleet's tests (t15xx), then the Kubernetes ones (t16xx: manifests,
# the image under a Docker daemon the test starts and stops, trust rules)
# and t1680 (in_effect: from a real `docker inspect`, its own daemon).
for t in tests/deploy/t1[56][0-9][0-9]-*.sh; do
	echo "--- $t"
	if sh "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "check-deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
