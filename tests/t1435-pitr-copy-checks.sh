#!/bin/sh
# The restored copy checked as a DBA would (issue 26), as parts of the
# recover kind: pg_amcheck of every database (heap and indexes) and
# pg_checksums --check with the server stopped, each with its log as
# evidence; a cluster without data checksums fails the checksum part
# with pg_checksums' own words, never a silent pass.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"
# Every path here is absolute; from $TRASH the server's user can start its
# tools (the checkout may be under root's 0700 home).
cd "$TRASH" || exit 1

PITR_INITDB_ARGS=--data-checksums
pitr_setup || { fail "fixture"; test_done; }
pitr_drill "$TRASH/d.yaml" "target_time_file: $TRASH/target_time" \
	"amcheck: true" "checksums: true"
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/out"
J=$TRASH/out/journal.jsonl
expect_true "pg_amcheck and pg_checksums passed, logs kept" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | (.checks | any(.what | startswith("pg_amcheck")) and any(.what | startswith("pg_checksums"))) and (.checks | all(.ok)) and .amcheck_log.sha256 and .checksums_log.sha256' "$J"
expect_grep_F 'Checksum operation completed' "$TRASH/out/steps/02-pitr.checksums.log"
expect_true "the verify_restore steps ran on the restarted copy" \
	jq -s -e 'map(select(.id == "before" or .id == "after") | .status) == ["passed", "passed"]' "$J"
expect_scratch_gone

# No data checksums in the cluster: the asked-for check fails, honestly.
rm -rf "$TRASH/bk/base"
# From /: the checkout may be where the server user cannot enter.
(cd / && as_pg "$PG_BIN/pg_checksums" --disable --pgdata="$PROD") >/dev/null 2>&1 || true
pitr_drill "$TRASH/n.yaml" "target_immediate: true" "checksums: true"
as_pg "$PG_BIN/pg_ctl" -D "$PROD" -w -l "$TRASH/bk/prod2.log" \
	-o "-c listen_addresses= -k $PSOCK" start >/dev/null
as_pg "$PG_BIN/pg_basebackup" -h "$PSOCK" -U postgres -D "$BASE" -X none -c fast >/dev/null 2>&1
as_pg "$PG_BIN/pg_ctl" -D "$PROD" -m fast -w stop >/dev/null
sed -i 's/expect_value: "100"/expect_value: "0"/' "$TRASH/n.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/n.yaml" -o "$TRASH/n"
expect_true "pg_checksums' own reason is the message" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "failed" and (.message | test("pg_checksums: .*checksums are not enabled"))' "$TRASH/n/journal.jsonl"
expect_scratch_gone
test_done
