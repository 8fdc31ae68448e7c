#!/bin/sh
# The isolated-restore drill (drills/isolated.sh = `make demo-isolated`):
# dump "production", restore into a scratch cluster, fingerprint both,
# require a full match, remove the scratch copy. It runs without
# --confirm (nothing destructive), passes, leaves no work directory, and
# the database password is nowhere in the bundle.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
RDRILL_DEMO_DB_PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export RDRILL_DEMO_DB_PASSWORD RDRILL

expect_exit 0 "$RDRILL" plan drills/isolated.yaml -o "$TRASH/plan"
expect_no_grep 'DESTRUCTIVE' "$OUT"
# Its own TMPDIR: the work directory checked below is this run's, not
# another test run's on the same machine (issue 21).
mkdir "$TRASH/tmp"
chmod 755 "$TRASH" "$TRASH/tmp"
expect_exit 0 env TMPDIR="$TRASH/tmp" sh drills/isolated.sh -o "$TRASH/iso"
B=$TRASH/iso
expect_grep '^PASSED: ' "$OUT"
R=$B/report.md
expect_grep_F '**Fingerprint**: 5 tables, 2059 rows: identical to step fp-prod' "$R"
expect_grep_F '- The scratch copy matches production, table by table: 5 tables, 2059 rows: identical to step fp-prod' "$R"
# Identical tables are counted in the report, each in the step's file.
expect_grep_F '5 of 5 tables and ' "$R"
expect_grep_F '| public.posts | 2001 | `' "$(echo "$B"/steps/*-fp-scratch.tables.md)"
expect_no_grep '`FAILED`' "$R"
expect_true "no step is destructive" test \
	"$(jq -r 'select(.type=="start") | [.plan.plan.steps[] | select(.destructive)] | length' "$B/journal.jsonl")" -eq 0
expect_true "both fingerprints read the same tables" test \
	"$(jq -r 'select(.type=="step" and .kind=="fingerprint") | [.evidence.tables[] | .table + "=" + .digest] | join(",")' "$B/journal.jsonl" | sort -u | wc -l)" -eq 1
expect_true "the password is in no file of the bundle" sh -c \
	"! grep -rqF '$RDRILL_DEMO_DB_PASSWORD' '$B'"
expect_true "nor on the terminal" sh -c \
	"! grep -qF '$RDRILL_DEMO_DB_PASSWORD' '$OUT' '$ERR'"
expect_true "the work directory is gone" test -z "$(ls -A "$TRASH/tmp")"
expect_exit 0 "$RDRILL" verify "$B"
test_done
