#!/bin/sh
# `make demo`: run drills/demo.yaml for real on a throwaway PostgreSQL
# cluster. Makes the work directory (as root, the parts the server owns
# go to the unprivileged $RDRILL_PG_USER: PostgreSQL refuses root), a
# random database password (or $RDRILL_DEMO_DB_PASSWORD) that only
# travels in the environment, runs the drill with --confirm demo, and
# removes the work directory after. `make demo` installs the packages
# (`make deps`) and builds ./rdrill first; this script installs nothing.
# Extra arguments go to `rdrill run` (e.g. --lang en, -o DIR).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if ! pg_bin=$(pg_config --bindir 2>/dev/null); then
	echo "demo.sh: no pg_config (PostgreSQL); \`make deps\` installs it" >&2
	exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
	pg_user=${RDRILL_PG_USER:-rdrill-pg}
else
	pg_user=$(id -un)
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-demo.XXXXXX")
chmod 755 "$work"
cleanup() {
	# If the drill died before its cleanup phase, stop the server anyway.
	if [ -f "$work/pg/data/postmaster.pid" ]; then
		if [ "$(id -u)" -eq 0 ]; then
			runuser -u "$pg_user" -- "$pg_bin/pg_ctl" -D "$work/pg/data" \
				-m immediate stop >/dev/null 2>&1 || true
		else
			"$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop \
				>/dev/null 2>&1 || true
		fi
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/pg/sock"
if [ "$(id -u)" -eq 0 ]; then
	chown -R "$pg_user" "$work/pg"
fi
# The tests pass their own, to look for it in the bundle afterwards.
if [ -z "${RDRILL_DEMO_DB_PASSWORD:-}" ]; then
	RDRILL_DEMO_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
fi
export RDRILL_DEMO_DB_PASSWORD

# The seal is signed with a throwaway key made here and gone with the
# work directory; its public key stays in the bundle (SEAL.pub) and, when
# RDRILL_DEMO_PUBKEY names a file, is copied there for `verify --key`.
"${RDRILL:-./rdrill}" keygen "$work" >/dev/null
if [ -n "${RDRILL_DEMO_PUBKEY:-}" ]; then
	cp "$work/rdrill-sign.pub" "$RDRILL_DEMO_PUBKEY"
fi

# Two forms of the drill. First the drill makes its own fresh backup and
# restores it: that proves the restore path, not the backup schedule
# (its report says so in the RPO row). Its backups stay in
# $work/backups/DATE/ as a nightly job's would; then
# drills/demo-scheduled.yaml, on the same cluster, restores the newest of
# them, picked by their own creation time, and its RPO is their age at
# the simulated disaster. `-o DIR` names the first bundle; the second is
# DIR-scheduled (without -o, both go under reports/).
rdrill=${RDRILL:-./rdrill}
"$rdrill" run drills/demo.yaml --confirm demo \
	--sign-key "$work/rdrill-sign.key" \
	--var "work=$work" --var "pg_bin=$pg_bin" --var "pg_user=$pg_user" \
	--var "file_owner=$(id -u):$(id -g)" "$@"
# The same arguments, with -o DIR / --output DIR / -oDIR / --output=DIR
# made DIR-scheduled.
n=$#
next_out=0
for a in "$@"; do
	if [ "$next_out" = 1 ]; then
		a=$a-scheduled
		next_out=0
	else
		case $a in
		-o|--output) next_out=1 ;;
		--output=*) a=$a-scheduled ;;
		-o*) a=$a-scheduled ;;
		esac
	fi
	set -- "$@" "$a"
done
shift "$n"
"$rdrill" run drills/demo-scheduled.yaml --confirm demo \
	--sign-key "$work/rdrill-sign.key" \
	--var "work=$work" --var "pg_bin=$pg_bin" --var "pg_user=$pg_user" \
	--var "file_owner=$(id -u):$(id -g)" "$@"
