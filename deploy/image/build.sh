#!/bin/sh
# make image: rdrill's container image, from Debian packages only.
#   sh deploy/image/build.sh [WORKDIR]      (as root; a Docker daemon up)
# A Debian 12 root made with debootstrap (minbase plus PostgreSQL 15's
# server and client, pgBackRest, libnss-wrapper, rdrill's libraries),
# rdrill installed into it (make install), imported with `docker import`
# as rdrill:VERSION, labelled with the version and the Debian release
# (the Date of the Release file debootstrap fetched). Runs as uid 65532
# (user rdrill) by default, or any UID with group 0 (the entrypoint's
# nss_wrapper); only /tmp and the evidence volume need to be writable.
# Prints the image name as its last line.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
if [ "$(id -u)" -ne 0 ]; then
	echo "make image: needs root (debootstrap); run it as root" >&2
	exit 1
fi
docker=${DOCKER:-docker}
"$docker" version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
	echo "make image: no Docker daemon answers ($docker version): start dockerd first" >&2
	exit 1
}
mirror=${RDRILL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=${1:-}
own_work=""
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-image.XXXXXX")
	own_work=yes
fi
cleanup() { [ -z "$own_work" ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work"
root=$work/root
t0=$(date +%s)

# rdrill first: the packages of the libraries it links (ldd, dpkg -S)
# go into the root, so that a library added to the Makefile cannot be
# missing from the image.
echo "make image: build rdrill" >&2
make -s B=build build/rdrill >"$work/make.log" 2>&1 || {
	tail -20 "$work/make.log" >&2
	exit 1
}
libpkgs=""
for lib in $(ldd build/rdrill | awk '$3 ~ /^\// {print $3}'); do
	# usrmerge: dpkg knows a library under /lib or under /usr/lib.
	owner=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null ||
		dpkg -S "${lib#/usr}" 2>/dev/null) || {
		echo "make image: no Debian package owns $lib (linked by rdrill)" >&2
		exit 1
	}
	owner=$(printf '%s\n' "$owner" | head -1)
	owner=${owner%%:*}
	case ",$libpkgs," in *",$owner,"*) ;; *) libpkgs="$libpkgs,$owner" ;; esac
done
pkgs="postgresql-15,postgresql-client-15,pgbackrest,libnss-wrapper$libpkgs"
# RDRILL_IMAGE_BASE: a root this script's debootstrap made before, copied
# instead (a developer's loop); otherwise a new one.
if [ -n "${RDRILL_IMAGE_BASE:-}" ]; then
	cp -a "$RDRILL_IMAGE_BASE" "$root"
else
	echo "make image: debootstrap bookworm from $mirror" >&2
	debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" \
		>"$work/debootstrap.log" 2>&1 || {
		tail -20 "$work/debootstrap.log" >&2
		echo "make image: debootstrap failed" >&2
		exit 1
	}
fi

echo "make image: rdrill into the root (make install)" >&2
make -s B=build PREFIX=/usr DESTDIR="$root" install >"$work/make.log" 2>&1 || {
	tail -20 "$work/make.log" >&2
	exit 1
}
# Run inside the root: a library the root lacks fails here, not in a pod.
version=$(chroot "$root" /usr/bin/rdrill --version | sed -n 's/^rdrill //p')
[ -n "$version" ] || {
	echo "make image: rdrill does not run in the image's root (above)" >&2
	exit 1
}
release=$(sed -n 's/^Date: //p' "$root"/var/lib/apt/lists/*_bookworm_*Release 2>/dev/null | head -1)
[ -n "$release" ] || release=$(date -u '+%a, %d %b %Y %H:%M:%S UTC')

# The user, the entrypoint, the mount points; group 0 owns what a pod
# writes, group-writable, for an arbitrary UID in group 0.
chroot "$root" groupadd -g 65532 rdrill
chroot "$root" useradd -u 65532 -g 65532 -G 0 -d /tmp -M -s /usr/sbin/nologin rdrill
install -d -m 2775 -o 65532 -g 0 "$root/evidence"
install -m 755 deploy/image/entrypoint "$root/usr/lib/rdrill-entrypoint"
# No cluster of the package's own (postgresql-common made one), no
# apt lists, caches, docs or manuals in the image.
rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15 \
	"$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
	"$root"/var/cache/apt/archives/*.deb "$root"/usr/share/doc/* \
	"$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log
# /tmp is a volume in a pod (emptyDir) and under Docker (--tmpfs).
chmod 1777 "$root/tmp"

name=rdrill:$version
echo "make image: docker import $name" >&2
tar -C "$root" --numeric-owner -c . | "$docker" import \
	-c 'USER 65532:65532' \
	-c 'WORKDIR /evidence' \
	-c 'ENV HOME=/tmp TMPDIR=/tmp LANG=C.UTF-8 PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	-c 'ENTRYPOINT ["/usr/lib/rdrill-entrypoint"]' \
	-c "LABEL org.opencontainers.image.title=rdrill" \
	-c "LABEL org.opencontainers.image.version=$version" \
	-c "LABEL org.opencontainers.image.base.name=debian:bookworm" \
	-c "LABEL io.rdrill.debian.release-date=\"$release\"" \
	-c "LABEL io.rdrill.debian.mirror=$mirror" \
	- "$name" >/dev/null
size=$("$docker" image inspect --format '{{.Size}}' "$name")
echo "make image: $name, $((size / 1048576)) MiB, built in $(( $(date +%s) - t0 ))s" >&2
echo "$name"
