#!/bin/sh
# recover `delta: true` (issue 26): `pgbackrest restore --delta` into an
# existing scratch directory that holds an earlier restore, pgBackRest's
# own delta semantics. The run passes, the exact command with --delta is
# in the journal and the report, the directory is kept for the next
# delta (its server stopped, its socket directory removed), and a second
# run deltas over what the first left. Refused: delta without an existing
# directory (the step fails, nothing restored) and delta with in_place or
# a basebackup (exit 2 at load).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pbr-lib.sh"

if ! command -v pgbackrest >/dev/null 2>&1; then
	fail "pgbackrest is not installed (make deps installs it)"
	test_done
fi
pbr_setup || fail "production with pgBackRest"
pbr_backup || fail "pgbackrest backup"
psql_prod -d shop -c "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(1, 90) g"
expect_true "WAL archived" pbr_archived
S=$TRASH/scratch
mk() {
	{
		drill_head pbr-delta test
		cat <<YAML
connections:
  scratch: {host: "$TRASH/ssock", dbname: shop, user: postgres}
phases:
  verify_backup:
    - id: stanza
      pgbackrest: {stanza: demo, config: "$conf", run_as: "$PG_OS_USER"}
  restore:
    - id: pitr
      timeout: 2m
      recover:
        pgbackrest: stanza
        scratch: "$S"
        connection: scratch
        run_as: "$PG_OS_USER"
        pg_bin: "$PG_BIN"
        target_latest: true
        delta: true
  verify_restore:
    - id: all
      sql: {connection: scratch, query: "SELECT count(*) FROM orders", expect_value: "90"}
YAML
	} >"$1"
}
mk "$TRASH/d.yaml"

# No directory yet: refused before anything is restored.
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/none"
expect_true "the recover step fails: not an existing directory" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "failed" and (.message | contains("is not an existing directory: delta: true restores over an earlier restore"))' "$TRASH/none/journal.jsonl"
expect_no_file "$S"

# An earlier restore, made by hand, then one file of it damaged: the
# delta restore puts it right.
mkdir -p "$S" && chmod 700 "$S"
if [ "$(id -u)" -eq 0 ]; then chown "$PG_OS_USER" "$S"; fi
as_pg pgbackrest "--config=$conf" --stanza=demo "--pg1-path=$S" \
	--archive-mode=off restore >/dev/null 2>&1 || fail "the earlier restore"
expect_file "$S/PG_VERSION"
as_pg sh -c "echo garbage > '$S/base/1/PG_VERSION'"

expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/o1"
J=$TRASH/o1/journal.jsonl
expect_true "the exact restore command carries --delta" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "passed" and (.evidence.restore_command | test("pgbackrest .*--stanza=demo .*--pg1-path=[^ ]*/scratch .*--delta .*restore$"))' "$J"
expect_grep_F "--delta" "$TRASH/o1/report.md"
expect_true "the damaged file restored (pgBackRest's delta)" \
	cmp -s "$S/base/1/PG_VERSION" "$PROD/base/1/PG_VERSION"
expect_true "the directory kept, its server stopped, its socket removed" \
	jq -s -e 'last(.[] | select(.type == "end")) | .scratch_cleanup | any(.data | endswith("/scratch")) and all(.kept == true and .server_stopped and .removed)' "$J"
expect_file "$S/PG_VERSION"
expect_no_file "$S/postmaster.pid"
expect_no_file "$TRASH/ssock"

# The next run deltas over what the first left.
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/o2"
expect_true "a second delta over the kept directory passes" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "passed" and (.evidence.restore_command | contains("--delta"))' "$TRASH/o2/journal.jsonl"

# Load-time rules: delta is pgBackRest's, and not in place.
sed 's/        delta: true/        delta: true\n        in_place: true/' "$TRASH/d.yaml" >"$TRASH/ip.yaml"
expect_exit 2 "$RDRILL" run "$TRASH/ip.yaml" -o "$TRASH/ip"
expect_grep_F "delta: true is pgBackRest's delta restore" "$ERR"
rm -rf "$S"
test_done
