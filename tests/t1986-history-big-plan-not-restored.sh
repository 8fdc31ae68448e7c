#!/bin/sh
# A run of a plan named by its hash (plan.json: 1,500 steps) killed in
# its restore phase left its system destroyed: history reads it NOT
# RESTORED as it does a small plan's, not INCOMPLETE (the summary binds
# the drill read a step at a time; the start record's plan has no steps
# of its own then). t1703: a run's previous-run pick names it.
. "$(dirname "$0")/lib.sh"

big_plan_drill big >"$TRASH/big.yaml" <<'EOF'
    - {id: r1, shell: "kill -9 $PPID; sleep 5"}
EOF
mkdir "$TRASH/runs"
"$RDRILL" run "$TRASH/big.yaml" --confirm test -o "$TRASH/runs/big" \
	>"$OUT" 2>"$ERR"
rc=$?
expect_true "the run was killed (status $rc)" test $rc -eq 137
grep -q '"plan_file"' "$TRASH/runs/big/journal.jsonl"
expect_true "the plan is named by its hash" test $? -eq 0
expect_no_grep '"type":"end"' "$TRASH/runs/big/journal.jsonl"

# Unsealed, history reads it UNVERIFIED whatever its status: render
# seals it as cut short first, as an operator would.
"$RDRILL" history "$TRASH/runs" >"$OUT" 2>"$ERR"
expect_grep '"status": "NOT RESTORED"' "$TRASH/runs/history.json"
expect_exit 0 "$RDRILL" render "$TRASH/runs/big"
"$RDRILL" history "$TRASH/runs" --prom "$TRASH/m.prom" >"$OUT" 2>"$ERR"
expect_grep '^rdrill_not_restored{drill="big",environment="test"} 1[.0]*$' "$TRASH/m.prom"
expect_grep 'NOT RESTORED' "$TRASH/runs/history.md"
expect_no_grep 'INCOMPLETE' "$TRASH/runs/history.md"
expect_grep '"status": "NOT RESTORED"' "$TRASH/runs/history.json"
test_done
