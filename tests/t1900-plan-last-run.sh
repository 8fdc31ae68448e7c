#!/bin/sh
# Issue 22, point 3: `rdrill plan`'s "last run" line is the run a run's
# report compares with (history_previous): the newest run that verifies
# and reached a verdict, of this drill in this environment, looked up
# through the history index. Not the newest bundle by its end record:
# beside a PASSED run lie a newer REFUSED run (nothing ran), a copy of
# the PASSED run with its end time moved a year ahead (forged: its
# chain breaks), a newer run of the same drill in another environment,
# and an index in the format before this one that claims the REFUSED run
# PASSED (set aside and rebuilt, never misread).
. "$(dirname "$0")/lib.sh"
phases() {
cat <<EOF
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: gone, run: ["true"]}
  restore:
    - {id: back, run: ["true"]}
  verify_restore:
    - {id: fine, run: ["true"]}
EOF
}
{ drill_head last test; phases; } >"$TRASH/last.yaml"
{ drill_head last other; phases; } >"$TRASH/other.yaml"
R=$TRASH/r
I=$R/.rdrill-history-index.jsonl

expect_exit 0 "$RDRILL" run "$TRASH/last.yaml" --confirm test -o "$R/1-passed"
expect_exit 3 "$RDRILL" run "$TRASH/last.yaml" -o "$R/3-refused"
expect_exit 0 "$RDRILL" run "$TRASH/other.yaml" --confirm other -o "$R/4-other-env"
# The forged copy: the end record a year later (the newest end of all).
cp -r "$R/1-passed" "$R/2-forged"
year=$(jq -r 'select(.type=="end") | .time[0:4]' "$R/2-forged/journal.jsonl")
sed -i "/\"type\":\"end\"/s/\"time\":\"$year-/\"time\":\"$((year + 1))-/" \
	"$R/2-forged/journal.jsonl"
expect_true "the forged copy's end record moved a year" sh -c \
	"jq -r 'select(.type==\"end\") | .time' '$R/2-forged/journal.jsonl' | grep -q '^$((year + 1))-'"
expect_exit 1 "$RDRILL" verify "$R/2-forged"

# The last run: the PASSED one, with its own duration and verdict.
expect_exit 0 "$RDRILL" plan "$TRASH/last.yaml" -o "$R/p1"
cp "$OUT" "$TRASH/p1.out"
expect_grep "^last run: [0-9]*\.[0-9][0-9][0-9]s, PASSED ($R/1-passed)\$" \
	"$TRASH/p1.out"
expect_no_grep 'refused\|forged\|other-env' "$TRASH/p1.out"
# Its duration: the journal's start to its end record.
ms=$(jq -rs '[.[] | select(.type=="start" or .type=="end") | .time |
	sub("\\.(?<f>[0-9]{3})Z$"; "Z \(.f)") | split(" ") |
	((.[0] | fromdateiso8601) * 1000 + (.[1] // "0" | tonumber))] |
	.[1] - .[0]' "$R/1-passed/journal.jsonl")
want=$(printf '%d.%03ds' $((ms / 1000)) $((ms % 1000)))
expect_grep "^last run: $want, PASSED" "$TRASH/p1.out"

# Looked up through the index, which now holds the run's duration.
expect_file "$I"
expect_true "the index holds the PASSED run's duration" test \
	"$(jq -r 'select(.name=="1-passed") | .duration_ms' "$I")" = "$ms"
expect_exit 0 "$RDRILL" plan "$TRASH/last.yaml" -o "$R/p2"
cp "$OUT" "$TRASH/p2.out"
expect_grep "^last run: $want, PASSED ($R/1-passed)\$" "$TRASH/p2.out"

# An index of the format before (no durations) claiming the REFUSED run
# PASSED and newest: set aside, rebuilt, never believed.
jq -c 'if .format then .format = "rdrill-history-index/1"
	elif .run then del(.duration_ms) else . end |
	if .name == "3-refused" then .run.status = "PASSED" else . end' \
	"$I" >"$TRASH/old" && cat "$TRASH/old" >"$I"
expect_exit 0 "$RDRILL" plan "$TRASH/last.yaml" -o "$R/p3"
cp "$OUT" "$TRASH/p3.out"
expect_grep "^last run: $want, PASSED ($R/1-passed)\$" "$TRASH/p3.out"
expect_true "the old index rebuilt in this format" test \
	"$(head -n 1 "$I" | jq -r .format)" = rdrill-history-index/2
expect_true "the REFUSED run indexed as REFUSED" test \
	"$(jq -r 'select(.name=="3-refused") | .run.status' "$I")" = REFUSED

# The other environment's plan names its own run.
expect_exit 0 "$RDRILL" plan "$TRASH/other.yaml" -o "$R/p4"
cp "$OUT" "$TRASH/p4.out"
expect_grep "^last run: [0-9]*\.[0-9][0-9][0-9]s, PASSED ($R/4-other-env)\$" \
	"$TRASH/p4.out"
test_done
