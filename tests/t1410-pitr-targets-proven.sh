#!/bin/sh
# Targets proven before the destroy phase (issue 26): a misspelled
# restore point and a transaction id that never committed are refused by
# the basebackup step (exit 1, destroy not run, production untouched),
# naming the target; the genuine ones are found in the WAL (pg_waldump)
# and recovered to. A recovery to the latest passes with the archive's
# lag as the RPO, labelled so, on page 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

PITR_KEEP_RUNNING=1
PROD_ORDERS=201
pitr_setup || { fail "fixture"; test_done; }
psql_prod -d shop -c "SELECT pg_create_restore_point('before-rollout')" >/dev/null
xid=$(psql_prod -d shop -c "BEGIN" -c "INSERT INTO orders VALUES (201, 'x') RETURNING txid_current()" -c "COMMIT" | head -1)
seg=$(psql_prod -d shop -c 'SELECT pg_walfile_name(pg_switch_wal())')
i=0
# 300 s: against a hang, not a timing assumption (a loaded machine).
while [ $i -lt 1500 ] && [ ! -f "$ARCH/$seg" ]; do sleep 0.2; i=$((i + 1)); done
expect_file "$ARCH/$seg"

run_refused() { # name yaml-line pattern
	pitr_drill_destroy "$TRASH/$1.yaml" "$2"
	expect_exit 1 "$RDRILL" run "$TRASH/$1.yaml" -o "$TRASH/$1" --confirm test
	expect_true "$1: refused by the basebackup step, before destroy" \
		jq -s -e --arg p "$3" 'first(.[] | select(.id == "base")) | .status == "failed" and (.message | test($p))' "$TRASH/$1/journal.jsonl"
	expect_true "$1: no destroy, no recover record" \
		jq -s -e 'map(select(.id == "disaster" or .id == "pitr")) | length == 0' "$TRASH/$1/journal.jsonl"
	expect_prod_untouched
}
run_refused name "target_name: before-rolout" \
	"recover step 'pitr': restore point 'before-rolout': no such record in 000000010000000000000002\\.\\."
run_refused xid "target_xid: \"99999\"" \
	"recover step 'pitr': transaction 99999: no such record"
expect_grep_F "restore point 'before-rolout': no such record" "$TRASH/name/report.md"

# The genuine restore point: found before destroy, recovered to.
pitr_drill "$TRASH/ok.yaml" "target_name: before-rollout"
sed -i 's/expect_value: "0"/expect_value: "100"/' "$TRASH/ok.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/ok"
expect_true "the restore point's record and LSN are evidence" \
	jq -s -e 'first(.[] | select(.id == "base")) | .evidence.targets.pitr | .proven and .record == "restore point" and (.record_lsn | test("^[0-9A-F]+/[0-9A-F]+$"))' "$TRASH/ok/journal.jsonl"
# The xid's commit: found, and recovery stops there (201 comes back).
pitr_drill "$TRASH/okx.yaml" "target_xid: \"$xid\""
sed -i 's/expect_value: "0"/expect_value: "101"/' "$TRASH/okx.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/okx.yaml" -o "$TRASH/okx"
expect_true "the xid's commit found before destroy" \
	jq -s -e 'first(.[] | select(.id == "base")) | .evidence.targets.pitr.record == "commit"' "$TRASH/okx/journal.jsonl"

# Recovery to the latest: every archived order back, RPO = archive lag.
psql_prod -d shop -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'" >"$TRASH/disaster"
pitr_drill "$TRASH/latest.yaml" "target_latest: true" "disaster_time_file: $TRASH/disaster"
sed -i 's/expect_value: "0"/expect_value: "101"/' "$TRASH/latest.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/latest.yaml" -o "$TRASH/latest"
J=$TRASH/latest/journal.jsonl
expect_true "latest: PASSED, RPO from WAL labelled the archive's lag" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "passed" and .evidence.rpo_kind == "archive_lag" and (.evidence.rpo_wal_ms | type == "number")' "$J"
expect_true "latest: no recovery_target line written" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .evidence.recovery_conf | test("recovery_target") | not' "$J"
page1=$(sed -n '1,/^## Evidence in detail/p' "$TRASH/latest/report.md")
expect_true "page 1: the RPO from WAL, the archive's lag" \
	sh -c 'printf "%s" "$1" | grep -q "RPO from WAL (step pitr: the archive.s lag, recovery to the latest"' - "$page1"
expect_true "page 1: the RTO parts" \
	sh -c 'printf "%s" "$1" | grep -q "RTO part, step pitr: proving the WAL by content" && printf "%s" "$1" | grep -q "RTO of the recovery, step pitr (the parts above, summed) | informative | [0-9.]* m\\?s"' - "$page1"
test_done
