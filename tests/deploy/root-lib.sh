# Sourced by the check-deploy tests after ../lib.sh: a throwaway Debian 12
# root (minbase plus systemd, as a VM has), a copy of the debootstrap'd
# one run.sh made ($RDRILL_DEPLOY_BASE),
# under $TRASH. Nothing in it starts a service (policy-rc.d says no);
# apt-get inside it reaches Debian's archive like the host's.
#
#   root_make            -> $ROOT
#   in_root CMD...       chroot $ROOT CMD (a clean environment)
#   root_install_deb     the .deb ($RDRILL_DEB) and its dependencies

# lib.sh took tests/ for the top: these live one level deeper.
TOP=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "${RDRILL_DEPLOY_BASE:-}" ] && [ -d "$RDRILL_DEPLOY_BASE" ] ||
	{ echo "run through make check-deploy (tests/deploy/run.sh)" >&2; exit 1; }

root_make() {
	ROOT=$TRASH/root
	cp -a "$RDRILL_DEPLOY_BASE" "$ROOT"
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod 755 "$ROOT/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
	# /proc as on a booted host (rdrill finds its templates through
	# /proc/self/exe); unmounted before $TRASH is removed.
	mount -t proc proc "$ROOT/proc"
	at_exit "umount -l '$ROOT/proc'"
}

in_root() {
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

root_install_deb() {
	cp "$RDRILL_DEB" "$ROOT/tmp/"
	in_root apt-get update -qq >"$TRASH/apt.log" 2>&1 &&
	in_root apt-get install -y -qq --no-install-recommends \
		"/tmp/$(basename "$RDRILL_DEB")" >>"$TRASH/apt.log" 2>&1 ||
		{ tail -20 "$TRASH/apt.log"; return 1; }
}
