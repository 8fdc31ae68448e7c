#!/bin/sh
# A bundle whose start record names its plan by hash, plan.json a FIFO
# in its place: verify, render and history end (nothing opens it to
# block on it) with the finding that plan.json is not a regular file.
. "$(dirname "$0")/lib.sh"

big_plan_drill big >"$TRASH/big.yaml" <<'EOF'
    - {id: r1, run: ["true"]}
EOF
mkdir "$TRASH/runs"
expect_exit 0 "$RDRILL" run "$TRASH/big.yaml" --confirm test -o "$TRASH/runs/big"
grep -q '"plan_file"' "$TRASH/runs/big/journal.jsonl"
expect_true "the plan is named by its hash" test $? -eq 0
rm "$TRASH/runs/big/plan.json"
mkfifo "$TRASH/runs/big/plan.json"

# timeout: a reader that blocked on the FIFO would be killed (124), not
# pass.
expect_exit 1 timeout 60 "$RDRILL" verify "$TRASH/runs/big"
cat "$OUT" "$ERR" >"$TRASH/all"
expect_grep 'plan.json is not a regular file' "$TRASH/all"
expect_grep '^NOT VERIFIED' "$OUT"
timeout 60 "$RDRILL" render "$TRASH/runs/big" >"$OUT" 2>"$ERR"
rc=$?
expect_true "render ends, refusing (status $rc)" test $rc -ne 0 -a $rc -ne 124
timeout 60 "$RDRILL" history "$TRASH/runs" >"$OUT" 2>"$ERR"
rc=$?
expect_true "history ends (status $rc)" test $rc -ne 124 -a $rc -lt 128
expect_true "history wrote its index" test -s "$TRASH/runs/history.json"
test_done
