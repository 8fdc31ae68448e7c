#!/bin/sh
# make deb: rdrill_VERSION_ARCH.deb with dpkg-deb (no debhelper: the
# package is one binary, its templates, a man page, two systemd units and
# example drills; every file is placed here, in plain sight).
# Built with Debian's hardening flags (dpkg-buildflags, hardening=+all),
# stripped, man page and changelog gzipped -9n, md5sums, shlibs Depends
# from dpkg-shlibdeps. `lintian -I` reports no tag on it
# (tests/deploy/t1530-deb.sh fails on any).
#   sh deploy/debian/build-deb.sh [OUTDIR]     (default: the top directory)
set -eu
for t in dpkg-deb dpkg-shlibdeps dpkg-buildflags strip xz; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "make deb: $t is missing; make deps-deploy installs it (dpkg-dev, binutils, xz-utils)" >&2
		exit 1
	}
done
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=${1:-$top}
version=$(sed -n 's/^#define RDRILL_VERSION "\(.*\)"$/\1/p' src/version.h)
arch=$(dpkg --print-architecture)
deb=$out/rdrill_${version}_${arch}.deb
B=build-deb
stage=$B/stage
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
	B=$B WERROR=1 OPT= CFLAGS="$cflags" LDFLAGS="$ldflags" $B/rdrill
rm -rf "$stage"
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
	B=$B BIN=$B/rdrill PREFIX=/usr DESTDIR="$top/$stage" install >/dev/null
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
	"$stage/usr/bin/rdrill"
gzip -9n "$stage/usr/share/man/man1/rdrill.1"

install -d "$stage/lib/systemd/system"
install -m 644 deploy/systemd/rdrill@.service deploy/systemd/rdrill@.timer \
	"$stage/lib/systemd/system/"
doc=$stage/usr/share/doc/rdrill
install -d "$doc/examples"
install -m 644 deploy/debian/copyright "$doc/copyright"
install -m 644 drills/*.yaml deploy/examples/*.yaml "$doc/examples/"
install -m 644 deploy/prometheus/rdrill-alerts.yml "$doc/examples/"
# The changelog's date is the last commit's (reproducible builds).
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
printf 'rdrill (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- rdrill maintainers <dev@rdrill.invalid>  %s\n' \
	"$version" "$version" "$when" | gzip -9n >"$doc/changelog.gz"

install -d "$stage/DEBIAN"
install -m 755 deploy/debian/postinst deploy/debian/postrm "$stage/DEBIAN/"
# dpkg-shlibdeps wants a debian/control beside it: a scratch one.
shl=$B/shlibs
rm -rf "$shl"
mkdir -p "$shl/debian"
printf 'Source: rdrill\n\nPackage: rdrill\nArchitecture: any\n' >"$shl/debian/control"
(cd "$shl" && dpkg-shlibdeps -O "$top/$stage/usr/bin/rdrill") >"$B/shlibs.txt" 2>"$B/shlibs.err" ||
	{ cat "$B/shlibs.err" >&2; exit 1; }
shlibs=$(sed -n 's/^shlibs:Depends=//p' "$B/shlibs.txt")
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	-e "s/@SHLIBS@/$shlibs/" deploy/debian/control.in >"$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print |
	sed 's#^\./##' | LC_ALL=C sort | xargs md5sum) >"$stage/DEBIAN/md5sums"
chmod 644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control"
find "$stage" -type d -exec chmod 755 {} +
mkdir -p "$out"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
