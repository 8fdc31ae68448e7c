#!/bin/sh
# A recover step's target time before the end of the pgBackRest backups
# the repository already holds (issue 26): knowable before step 1 from
# `pgbackrest info`, so refused in preflight (exit 3), nothing run, not
# after the verify_backup phase. `set:` a backup that ended after the
# target: refused the same way, naming it. A target after a backup's
# end passes preflight.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pbr-lib.sh"

if ! command -v pgbackrest >/dev/null 2>&1; then
	fail "pgbackrest is not installed (make deps installs it)"
	test_done
fi
pbr_setup || fail "production with pgBackRest"
psql_prod -d shop -c "INSERT INTO orders SELECT g, 'o' || g FROM generate_series(1, 10) g"
early=$(psql_prod -d shop -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1.1   # the backup's stop time has a one-second grain
pbr_backup || fail "pgbackrest backup"
label=$(as_pg pgbackrest "--config=$conf" --stanza=demo --output=json info | jq -r '.[0].backup[0].label')
sleep 1.1
late=$(psql_prod -d shop -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
mk() { # file target [pgbackrest-extra]
	{
		drill_head pbr-tpre test
		cat <<YAML
connections:
  scratch: {host: "$TRASH/ssock", dbname: shop, user: postgres}
phases:
  preflight:
    - id: first
      run: [sh, -c, "touch $TRASH/step1-ran; exit 1"]
  verify_backup:
    - id: stanza
      pgbackrest: {stanza: demo, config: "$conf", run_as: "$PG_OS_USER"${3:-}}
  restore:
    - id: pitr
      recover:
        pgbackrest: stanza
        scratch: "$TRASH/scratch"
        connection: scratch
        run_as: "$PG_OS_USER"
        pg_bin: "$PG_BIN"
        target_time: "$2"
YAML
	} >"$1"
}
mk "$TRASH/early.yaml" "$early"
expect_exit 3 "$RDRILL" run "$TRASH/early.yaml" -o "$TRASH/o1"
expect_grep "preflight: .*pgBackRest stanza demo: target time .* is before the end of every backup (none of 1 backups" "$ERR"
expect_true "the preflight record holds the refusal" \
	jq -s -e 'first(.[] | select(.type == "preflight")) | .status == "refused" and (.problems | any(test("before the end of every backup")))' "$TRASH/o1/journal.jsonl"
expect_no_file "$TRASH/step1-ran"

mk "$TRASH/set.yaml" "$early" ", set: \"$label\""
expect_exit 3 "$RDRILL" run "$TRASH/set.yaml" -o "$TRASH/o2"
expect_grep_F "is before the end of backup $label stopped" "$ERR"
expect_no_file "$TRASH/step1-ran"

# After the backup's end: preflight passes (step 1 runs, and fails).
mk "$TRASH/late.yaml" "$late"
expect_exit 1 "$RDRILL" run "$TRASH/late.yaml" -o "$TRASH/o3"
expect_true "preflight passed with the check, naming the backup" \
	jq -s -e --arg l "$label" 'first(.[] | select(.type == "preflight")) | .status != "refused" and (.checks | any(.ok and (.actual | startswith($l + " stopped"))))' "$TRASH/o3/journal.jsonl"
expect_file "$TRASH/step1-ran"
test_done
