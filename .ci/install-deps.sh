#!/bin/sh
# Install what rdrill needs to build, test and run its demo on Debian 12
# (libcurl: run --push speaks HTTP to a Prometheus Pushgateway;
# chromium, poppler-utils and fonts-noto-cjk: t0750 prints the reports
# to PDF and reads them back, in Chinese too; libisal, liblz4, libzstd:
# the toc step decompresses dumps' data streams itself, on every core;
# zlib: a test helper; lz4 and zstd: tar reads base backups compressed
# that way).
# As root: apt-get installs what is missing and an unprivileged user is
# created for PostgreSQL servers (it refuses to run as root). Otherwise:
# say exactly what is missing and how to get it, and fail.
#
# Debian's postgresql package would create and start a system cluster
# "main" (port 5432, started at boot). rdrill needs only the programs:
# its tests and demo run throwaway servers. So while apt-get runs, a
# drop-in sets postgresql-common's documented switch
# create_main_cluster = false, removed again after; a cluster that
# appears all the same is stopped and dropped.
set -eu

PKGS="gcc libc6-dev make pkg-config libpq-dev libyaml-dev libssl-dev libjansson-dev
libcmocka-dev libcmark-gfm-dev libcmark-gfm-extensions-dev libcurl4-openssl-dev
zlib1g-dev libisal-dev liblz4-dev libzstd-dev postgresql pgbackrest
tar gzip lz4 zstd coreutils util-linux jq tzdata perl time strace
chromium poppler-utils fonts-noto-cjk"
# `make fuzz` only (RDRILL_FUZZ=1): clang and its libFuzzer runtime.
if [ "${RDRILL_FUZZ:-}" = 1 ]; then
	PKGS="$PKGS clang libclang-rt-14-dev"
fi
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
	cc_dir=/etc/postgresql-common/createcluster.d
	no_main=$cc_dir/rdrill-no-main-cluster.conf
	made_dir=""
	[ -d "$cc_dir" ] || made_dir=yes
	clusters_before=$(pg_lsclusters -h 2>/dev/null | awk '{print $1 "/" $2}' | tr '\n' ' ')
	# apt-get and dpkg talk a lot: their output is shown only on failure.
	log=$(mktemp "${TMPDIR:-/tmp}/rdrill-apt.XXXXXX")
	undo() {
		rm -f "$no_main" "$log"
		if [ -n "$made_dir" ]; then rmdir "$cc_dir" 2>/dev/null || true; fi
	}
	trap undo EXIT
	trap 'exit 130' INT TERM
	quiet() {
		"$@" >"$log" 2>&1 || {
			rc=$?
			cat "$log" >&2
			echo "rdrill: failed (exit $rc): $*" >&2
			exit "$rc"
		}
	}
	mkdir -p "$cc_dir"
	echo "create_main_cluster = false" >"$no_main"
	# An old or absent package list makes install fail; refresh it once.
	quiet apt-get update -qq
	# shellcheck disable=SC2086
	quiet apt-get install -y -qq --no-install-recommends $missing
	undo
	trap - EXIT INT TERM
	for c in $(pg_lsclusters -h 2>/dev/null | awk '{print $1 "/" $2}'); do
		case " $clusters_before " in *" $c "*) continue ;; esac
		echo "rdrill: dropping the system PostgreSQL cluster $c the install created" >&2
		pg_dropcluster --stop "${c%%/*}" "${c#*/}" >&2
	done
	echo "rdrill: installed; no system PostgreSQL cluster is left created or running (tests and make demo run their own servers)" >&2
fi

if [ "$(id -u)" -eq 0 ] && ! id -u "$PG_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
fi
exit 0
