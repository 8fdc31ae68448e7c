#!/bin/sh
# `make demo-isolated`: run drills/isolated.yaml for real. Like demo.sh:
# makes the work directory (as root, the parts the servers own go to the
# unprivileged $RDRILL_PG_USER), a random database password (or
# $RDRILL_DEMO_DB_PASSWORD) that only travels in the environment, runs
# the drill (no --confirm: nothing on production is destroyed), and
# removes the work directory after. Extra arguments go to `rdrill run`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if ! pg_bin=$(pg_config --bindir 2>/dev/null); then
	echo "isolated.sh: no pg_config (PostgreSQL); \`make deps\` installs it" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	pg_user=${RDRILL_PG_USER:-rdrill-pg}
else
	pg_user=$(id -un)
fi
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"
	else "$@"; fi
}
work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-isolated.XXXXXX")
chmod 755 "$work"
cleanup() {
	# If the drill died before its cleanup phase, stop the servers anyway.
	for c in prod scratch; do
		if [ -f "$work/$c/data/postmaster.pid" ]; then
			as_pg "$pg_bin/pg_ctl" -D "$work/$c/data" -m immediate \
				stop >/dev/null 2>&1 || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/prod/sock" "$work/scratch/sock"
if [ "$(id -u)" -eq 0 ]; then
	chown -R "$pg_user" "$work/prod" "$work/scratch"
fi
if [ -z "${RDRILL_DEMO_DB_PASSWORD:-}" ]; then
	RDRILL_DEMO_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
export RDRILL_DEMO_DB_PASSWORD

"${RDRILL:-./rdrill}" run drills/isolated.yaml \
	--var "work=$work" --var "pg_bin=$pg_bin" --var "pg_user=$pg_user" "$@"
