#!/bin/sh
# `make demo-pitr`: run drills/pitr-demo.yaml for real on a throwaway
# PostgreSQL cluster with a local WAL archive. Makes the work directory
# (as root, the parts the server writes go to the unprivileged
# $RDRILL_PG_USER: PostgreSQL refuses root), runs the drill with
# --confirm demo, and removes the work directory after. The scratch
# cluster is rdrill's own: it stops and removes it at the end of the run.
# Extra arguments go to `rdrill run` (e.g. --lang zh-CN, -o DIR).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if ! pg_bin=$(pg_config --bindir 2>/dev/null); then
	echo "pitr-demo.sh: no pg_config (PostgreSQL); \`make deps\` installs it" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	pg_user=${RDRILL_PG_USER:-rdrill-pg}
else
	pg_user=$(id -un)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-pitr.XXXXXX")
chmod 755 "$work"
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi
}
cleanup() {
	# If the drill died before its cleanup phase, stop the server anyway.
	for d in "$work/prod/data" "$work/scratch"; do
		if [ -f "$d/postmaster.pid" ]; then
			as_pg "$pg_bin/pg_ctl" -D "$d" -m immediate stop \
				>/dev/null 2>&1 || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/prod/sock" "$work/prod/archive" "$work/backups"
if [ "$(id -u)" -eq 0 ]; then
	chown -R "$pg_user" "$work/prod" "$work/backups"
fi

"${RDRILL:-./rdrill}" run drills/pitr-demo.yaml --confirm demo \
	--var "work=$work" --var "pg_bin=$pg_bin" --var "pg_user=$pg_user" "$@"
