#!/bin/sh
# The previous run (`rdrill plan`'s "last run" line, a report's
# comparison) is never a run dated in the future: history does not
# count one (its runner's clock was wrong), and as the newest by its
# start it would stay "previous" for a year. A verified copy of a
# passed run whose clock was a year ahead (times shifted, chain
# recomputed, sealed as a run would, as t1220 makes one) lies beside it.
. "$(dirname "$0")/lib.sh"
command -v perl >/dev/null || { echo "perl is needed" >&2; exit 1; }
{ drill_head last test
cat <<EOF
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
EOF
} >"$TRASH/last.yaml"
R=$TRASH/r
expect_exit 0 "$RDRILL" run "$TRASH/last.yaml" --confirm test -o "$R/1-passed"

F=$R/2-future
mkdir "$F"; cp -r "$R/1-passed/steps" "$R/1-passed/plan.json" "$F/" 2>/dev/null
perl -MDigest::SHA=sha256_hex -ne '
	chomp; s/"(time|started|ended)":"20(\d\d)/"$1":"20@{[$2 + 1]}/g;
	s/"prev":"[0-9a-f]{64}"/"prev":"$prev"/ if defined $prev;
	print "$_\n"; $prev = sha256_hex($_);' "$R/1-passed/journal.jsonl" >"$F/journal.jsonl"
expect_exit 0 "$RDRILL" render "$F"
sed -i 's/^state: cut-short$/state: complete/; /^torn-tail-bytes:/d' "$F/SEAL"
expect_exit 0 "$RDRILL" verify "$F"
expect_grep '^VERIFIED: ' "$OUT"
"$RDRILL" history "$R" -o "$TRASH/h" >"$OUT" 2>"$ERR"
expect_grep 'FINDING  .*/2-future: started 20[0-9-]*T[0-9:.]*Z, after this index was made' "$OUT"

expect_exit 0 "$RDRILL" plan "$TRASH/last.yaml" -o "$R/p1"
expect_grep "^last run: [0-9]*\.[0-9][0-9][0-9]s, PASSED ($R/1-passed)\$" "$OUT"
expect_no_grep '2-future' "$OUT"
test_done
