#!/bin/sh
# Install what rdrill needs to build, test and run its demo on Debian 12.
# As root: apt-get installs what is missing and an unprivileged user is
# created for PostgreSQL servers (it refuses to run as root). Otherwise:
# say exactly what is missing and how to get it, and fail.
set -eu

PKGS="gcc make pkg-config libpq-dev libyaml-dev libssl-dev libjansson-dev
libcmocka-dev libcmark-gfm-dev libcmark-gfm-extensions-dev postgresql
tar gzip coreutils util-linux jq"
PG_USER=${RDRILL_PG_USER:-rdrill-pg}

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "rdrill: missing Debian packages:$missing" >&2
		echo "rdrill: install them with: sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "rdrill: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# An old or absent package list makes install fail; refresh it once.
	apt-get update -qq >&2
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
fi

if [ "$(id -u)" -eq 0 ] && ! id -u "$PG_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
fi
exit 0
