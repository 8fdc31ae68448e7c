#!/bin/sh
# Backups are never overwritten (issue 20, point 6): a backup step whose
# declared artifact, or the drill's backup directory, already exists is
# refused in preflight (exit 3, nothing run, the file's SHA-256
# unchanged); `overwrite: true` on the item lets it run, and the report
# lists that as a finding. A wrong password on a pg_dump step puts the
# server's FATAL line on the terminal, with the log's path (point 5).
. "$(dirname "$0")/lib.sh"
pg_start || exit 1
W=$TRASH/w
mkdir -p "$W/backups"
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE app' || exit 1
$P app -c 'CREATE TABLE t (id int)' -c 'INSERT INTO t VALUES (1), (2)' || exit 1

drill() { # OVERWRITE-LINE [USER [SECRET-ENV-LINE]]
cat <<EOF
rdrill: 1
id: ow
title: Test drill ow
system: test
environment: test
objective: test
backup_dir: {path: "$W/backups/today"}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db],
     artifact: "$W/backups/today/app.dump"$1}
phases:
  backup:
    - {id: mkdir, run: [mkdir, -p, "$W/backups/today"]}
    - id: dump
      run: ["$PG_BIN/pg_dump", -h, "$PGHOST", -p, "$PGPORT", -U, ${2:-postgres},
            -Fc, -f, "$W/backups/today/app.dump", app]
${3:-}
  verify_backup:
    - {id: dump-ok, files: {path: "$W/backups/today/app.dump", non_empty: true}}
EOF
}
drill "" >"$TRASH/ow.yaml"
drill ", overwrite: true" >"$TRASH/ow-yes.yaml"

# The first run makes the backup.
expect_exit 0 "$RDRILL" run "$TRASH/ow.yaml" -o "$TRASH/b1"
SUM=$(sha256sum "$W/backups/today/app.dump")

# The same day again: refused before step 1, the dump untouched.
touch -d '2020-01-01 00:00' "$W/backups/today/app.dump"
expect_exit 3 "$RDRILL" run "$TRASH/ow.yaml" -o "$TRASH/b2"
expect_grep_F "backup artifact $W/backups/today/app.dump already exists: a backup is never overwritten" "$ERR"
expect_grep_F "backup directory $W/backups/today already exists" "$ERR"
expect_true "SHA-256 unchanged" test "$(sha256sum "$W/backups/today/app.dump")" = "$SUM"
expect_true "not even its mtime touched" test \
	"$(stat -c %Y "$W/backups/today/app.dump")" = "$(date -d '2020-01-01 00:00' +%s)"
expect_true "no step ran" test \
	"$(jq -r 'select(.type=="step")' "$TRASH/b2/journal.jsonl" | wc -c)" -eq 0
expect_true "the preflight record says refused" test \
	"$(jq -r 'select(.type=="preflight") | .status' "$TRASH/b2/journal.jsonl")" = refused
expect_grep '`REFUSED`' "$TRASH/b2/report.md"
expect_grep_F 'already exists' "$TRASH/b2/report.md"

# Only the artifact there (a failed run made the directory): still refused.
rm -rf "$W/backups/today" && mkdir "$W/backups/today"
expect_exit 3 "$RDRILL" run "$TRASH/ow.yaml" -o "$TRASH/b3"

# overwrite: true lets it run, and says so as a finding.
cp "$TRASH/b1/journal.jsonl" "$W/backups/today/app.dump"
expect_exit 0 "$RDRILL" run "$TRASH/ow-yes.yaml" -o "$TRASH/b4"
expect_grep_F 'Backup item `db` says `overwrite: true`: the run may overwrite an earlier backup' "$TRASH/b4/report.md"
expect_grep_F 'exists; overwrite: true' "$TRASH/b4/journal.jsonl"
expect_exit 0 "$RDRILL" render "$TRASH/b4" --lang zh-CN
expect_grep_F '备份项 `db` 声明了 `overwrite: true`' "$TRASH/b4/report.zh-CN.md"
expect_exit 0 "$RDRILL" verify "$TRASH/b4"

# A wrong password on the pg_dump step: the FATAL line on the terminal.
$P postgres -c "CREATE ROLE dumper LOGIN PASSWORD 'right-one'" || exit 1
cat >"$PGDATA_DIR/pg_hba.conf" <<EOF
local all dumper scram-sha-256
local all all trust
EOF
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" reload >/dev/null
export OW_DB_PASSWORD=wrong-one
rm -rf "$W/backups/today"
drill "" dumper "      secret_env: {PGPASSWORD: OW_DB_PASSWORD}" >"$TRASH/pw.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/pw.yaml" -o "$TRASH/b5"
expect_grep 'FATAL:  password authentication failed for user "dumper"' "$ERR"
expect_grep_F "the whole log: $TRASH/b5/steps/" "$ERR"
expect_no_grep 'wrong-one' "$ERR"
expect_grep '^== rdrill: FAILED ==$' "$ERR"
expect_grep_F "  report:  $TRASH/b5/report.md" "$ERR"
expect_grep_F "  verify:  rdrill verify $TRASH/b5" "$ERR"
expect_grep '^  RTO: ' "$ERR"
expect_grep '^  next:    sign it off: rdrill sign ' "$ERR"

# The stderr lines shown are redacted and made safe for the terminal,
# and only the last ones are shown.
export OW_TOKEN=tok-3f9a-secret-value
cat >"$TRASH/esc.yaml" <<EOF
rdrill: 1
id: esc
title: Test drill esc
system: test
environment: test
objective: test
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: "$W/none"}
phases:
  backup:
    - id: noisy
      shell: 'for i in 1 2 3 4 5 6 7 8 9; do echo "line \$i" >&2; done; printf "token \$TOK \\033[31mred\\n" >&2; exit 4'
      secret_env: {TOK: OW_TOKEN}
EOF
expect_exit 1 "$RDRILL" run "$TRASH/esc.yaml" -o "$TRASH/b6"
expect_grep_F 'token [REDACTED]' "$ERR"
expect_no_grep 'tok-3f9a-secret-value' "$ERR"
expect_true "no raw ESC reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" '$ERR'"
expect_grep '^      line 9$' "$ERR"
expect_no_grep '^      line 3$' "$ERR"

test_done
