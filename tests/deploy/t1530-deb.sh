#!/bin/sh
# The Debian package in a throwaway Debian 12 root: lintian-clean, it
# installs with apt-get (its dependencies from Debian), `rdrill --version`
# runs there, the rdrill user and /etc/rdrill exist, `systemd-analyze
# verify` is clean for rdrill@NAME.service and .timer; then the service's
# ExecStart is run as systemd would run it (its User=, its environment,
# WorkingDirectory=, UMask=, a credentials directory as LoadCredential=
# makes it) and the drill PASSES, reading its password_file from
# ${credentials_dir}; a destructive drill is REFUSED (exit 3, no
# terminal) until a drop-in gives Environment=RDRILL_RUN_ARGS="--confirm ..".
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/root-lib.sh"

lintian -I --fail-on error,warning,info "$RDRILL_DEB" >"$TRASH/lintian.txt" 2>&1
expect_true "lintian: no tag" sh -c "! grep -q '^[EWIXP]: ' '$TRASH/lintian.txt'"
grep '^[EWIXP]: ' "$TRASH/lintian.txt"

root_make
expect_exit 0 root_install_deb
expect_exit 0 in_root rdrill --version
expect_grep '^rdrill [0-9]' "$OUT"
expect_true "user rdrill in the root" in_root getent passwd rdrill
expect_true "/etc/rdrill/drills root:rdrill 0750" \
	test "$(stat -c '%U %a' "$ROOT/etc/rdrill/drills")" = "root 750"
expect_file "$ROOT/lib/systemd/system/rdrill@.service"
expect_file "$ROOT/usr/share/doc/rdrill/examples/nightly-dump.yaml"
expect_file "$ROOT/usr/share/man/man1/rdrill.1.gz"

# --- a PostgreSQL the root's drill reaches through a socket inside it ---
SOCK=$ROOT/pgsock
mkdir -p "$TRASH/pgdata" "$TRASH/pglog" "$SOCK"
chmod 700 "$TRASH/pgdata"
chown "$PG_OS_USER" "$TRASH/pgdata" "$TRASH/pglog" "$SOCK"
as_pg "$PG_BIN/initdb" -D "$TRASH/pgdata" -U postgres -A trust --no-sync \
	>"$TRASH/initdb.log" 2>&1 || fail initdb
PORT=$((20000 + $$ % 20000))
as_pg "$PG_BIN/pg_ctl" -D "$TRASH/pgdata" -w -l "$TRASH/pglog/pg.log" \
	-o "-c listen_addresses='' -k $SOCK -p $PORT -c fsync=off" start >/dev/null ||
	fail "postgres started"
at_exit "as_pg '$PG_BIN/pg_ctl' -D '$TRASH/pgdata' -m immediate stop"

{ drill_head timer-t test
cat <<YAML
connections:
  db:
    host: /pgsock
    port: $PORT
    dbname: postgres
    user: postgres
    password_file: \${credentials_dir}/db-password
phases:
  verify_backup:
    - id: reach
      sql: {connection: db, query: select 1, expect_rows: 1}
    - id: credential-private
      shell: 'stat -c "%U %a" "\${credentials_dir}/db-password"'
YAML
} >"$ROOT/etc/rdrill/drills/timer-t.yaml"
{ drill_head timer-destroy test
cat <<YAML
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: wipe, run: ["true"]}
YAML
} >"$ROOT/etc/rdrill/drills/timer-destroy.yaml"
chmod 640 "$ROOT"/etc/rdrill/drills/*.yaml
chgrp "$(in_root id -g rdrill)" "$ROOT"/etc/rdrill/drills/*.yaml

# --- systemd-analyze verify ------------------------------------------
expect_exit 0 systemd-analyze verify --man=no --root="$ROOT" \
	rdrill@timer-t.service rdrill@timer-t.timer
expect_true "systemd-analyze verify: nothing to say" sh -c "! test -s '$OUT' && ! test -s '$ERR'"
cat "$OUT" "$ERR"

# systemd_exec INSTANCE [DROPIN]: the unit's ExecStart= as systemd runs
# it: %i filled, Environment= (the drop-in's last), $VAR split in words,
# User=/Group=, WorkingDirectory=, UMask=, HOME/USER/LOGNAME/SHELL of the
# user, the manager's PATH, CREDENTIALS_DIRECTORY as LoadCredential=
# makes it (the files the unit's user's, 0400, in a 0500 directory).
UNIT=$ROOT/lib/systemd/system/rdrill@.service
# unit_cfg KEY [DROPIN]: the values of KEY=, the unit's then the drop-in's.
unit_cfg() { cat "$UNIT" ${2:+"$2"} | sed -n "s/^$1=//p"; }
systemd_exec() {
	inst=$1
	user=$(unit_cfg User | tail -1)
	uid=$(in_root id -u "$user")
	gid=$(in_root id -g "$user")
	home=$(in_root getent passwd "$user" | cut -d: -f6)
	creds=/run/credentials/rdrill@$inst.service
	rm -rf "$ROOT$creds"
	mkdir -p "$ROOT$creds"
	printf 'not-a-real-password\n' >"$ROOT$creds/db-password"
	chown -R "$uid:$gid" "$ROOT$creds"
	chmod 400 "$ROOT$creds/db-password"
	chmod 500 "$ROOT$creds"
	# Environment="K=V" or K=V; the last assignment of a name wins.
	unit_cfg Environment "${2:-}" | sed 's/^"\(.*\)"$/\1/' | awk -F= '
		{ if (!($1 in v)) o[++n] = $1; v[$1] = $0 }
		END { for (i = 1; i <= n; i++) print v[o[i]] }' >"$ROOT/tmp/unit.env"
	args=$(sed -n 's/^RDRILL_RUN_ARGS=//p' "$ROOT/tmp/unit.env")
	# $RDRILL_RUN_ARGS unbraced: systemd splits its value into words.
	line=$(unit_cfg ExecStart | awk -v i="$inst" -v a="$args" \
		'{ gsub(/%i/, i); gsub(/\$RDRILL_RUN_ARGS/, a); print }')
	set -f
	# shellcheck disable=SC2086
	chroot --userspec="$uid:$gid" --groups="$gid" "$ROOT" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin \
		HOME="$home" USER="$user" LOGNAME="$user" SHELL=/usr/sbin/nologin \
		CREDENTIALS_DIRECTORY="$creds" \
		/bin/sh -c 'while IFS= read -r kv; do export "$kv"; done </tmp/unit.env
			umask "$1"; cd "$2" || exit 200; shift 2; exec "$@"' \
		unit "$(unit_cfg UMask)" "$(unit_cfg WorkingDirectory)" $line </dev/null
	_rc=$?
	set +f
	return $_rc
}

expect_exit 0 systemd_exec timer-t
expect_grep '^PASSED: ' "$OUT"
b=$(ls -d "$ROOT"/var/lib/rdrill/reports/*timer-t* | head -1)
expect_true "the bundle belongs to the unit's user" \
	test "$(stat -c %u "$b/SEAL")" = "$(in_root id -u rdrill)"
expect_grep "rdrill 400" "$b/steps/02-credential-private.out"
expect_no_grep 'not-a-real-password' "$b/journal.jsonl"
expect_exit 0 in_root rdrill verify "/var/lib/rdrill/reports/$(basename "$b")"

# A destructive drill: refused without a terminal, run with the drop-in.
expect_exit 3 systemd_exec timer-destroy
expect_grep 'confirm test' "$ERR"
mkdir -p "$ROOT/etc/systemd/system/rdrill@timer-destroy.service.d"
printf '[Service]\nEnvironment="RDRILL_RUN_ARGS=--confirm test"\n' \
	>"$ROOT/etc/systemd/system/rdrill@timer-destroy.service.d/confirm.conf"
expect_exit 0 systemd-analyze verify --man=no --root="$ROOT" rdrill@timer-destroy.service
expect_true "the drop-in verifies quietly" sh -c "! test -s '$OUT' && ! test -s '$ERR'"
expect_exit 0 systemd_exec timer-destroy \
	"$ROOT/etc/systemd/system/rdrill@timer-destroy.service.d/confirm.conf"
expect_grep '^PASSED: ' "$OUT"

test_done
