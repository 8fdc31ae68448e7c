#!/bin/sh
# No space for the journal (here a file-size limit, which as EFBIG looks
# to rdrill just like a full disk's ENOSPC): the drill stops, its cleanup
# still runs, the report says FAILED and why, and the journal holds no
# half record: its hash chain still verifies.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"

{ drill_head jfull test
cat <<EOF2
phases:
  preflight:
    - {id: hello, run: [echo, hello]}
  backup:
    # Its journal record is ~50 KB (4 KiB excerpts of 2-byte characters,
    # escaped as \u00e9), its logs 32 KiB each, the report ~25 KiB.
    - id: wide
      shell: "i=0; while [ \$i -lt 8192 ]; do printf 'éé'; printf 'éé' >&2; i=\$((i+1)); done"
    - {id: after, run: [touch, "$W/after-ran"]}
  cleanup:
    - {id: bye, run: [touch, "$W/cleanup-ran"]}
EOF2
} >"$TRASH/jfull.yaml"

# Without a limit it passes, and the record really is the big file.
expect_exit 0 "$RDRILL" run "$TRASH/jfull.yaml" -o "$TRASH/b0"
J0=$(wc -c <"$TRASH/b0/journal.jsonl")
expect_true "the journal outgrows the 40000-byte limit" test "$J0" -gt 45000
expect_true "the report does not" test "$(wc -c <"$TRASH/b0/report.html")" -lt 40000
rm -f "$W/after-ran" "$W/cleanup-ran"

expect_exit 1 prlimit --fsize=40000 "$RDRILL" run "$TRASH/jfull.yaml" -o "$TRASH/b1"
B=$TRASH/b1
expect_grep 'journal could not be written' "$ERR"
expect_file "$W/cleanup-ran"
expect_true "no step ran after the one that could not be journaled" \
	test ! -e "$W/after-ran"
expect_grep '`FAILED`' "$B/report.md"
expect_grep_F 'the journal could not be written' "$B/report.md"
expect_true "the journal is whole lines only" sh -c \
	"test \"\$(tail -c 1 '$B/journal.jsonl' | od -An -c | tr -d ' ')\" = '\\n'"
expect_true "start, hello, wide (short record), bye and end are journaled" test \
	"$(jq -r .type "$B/journal.jsonl" | tr '\n' ' ')" = "start preflight step step step end "
# The step that could not be journaled in full ran: the report must not
# call it skipped.
expect_true "wide's short record says it failed for want of evidence" test \
	"$(jq -r 'select(.id=="wide") | .status' "$B/journal.jsonl")" = failed
expect_grep_F 'but its record could not be journaled' "$B/report.md"
expect_true "only 'after' (never started) is SKIPPED" test \
	"$(grep -c 'SKIPPED' "$B/report.md")" -eq 1
expect_grep '^\*\*Status\*\*: `FAILED` · took [0-9]* ms ' "$B/report.md"
expect_exit 0 "$RDRILL" verify "$B"
test_done
