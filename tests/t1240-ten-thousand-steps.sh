#!/bin/sh
# A drill of 10,000 steps (issue 21) runs, renders and verifies. Its
# plan (about 150 bytes a step) no longer fits a journal line (1 MiB), so
# the start record names plan.json by its SHA-256 instead of repeating
# it; every reader gets the plan back from plan.json after checking that
# hash, and a changed plan.json fails verify, naming it.
. "$(dirname "$0")/lib.sh"
N=10000
{ drill_head big test
echo "phases:"
echo "  backup:"
awk -v n=$N 'BEGIN { for (i = 1; i <= n; i++) printf "    - {id: s%d, run: [\"true\"]}\n", i }'
} >"$TRASH/big.yaml"
B=$TRASH/big
expect_exit 0 "$RDRILL" run "$TRASH/big.yaml" -o "$B"
J=$B/journal.jsonl
expect_true "10,002 records: start, preflight, 10,000 steps... and the end" test \
	"$(jq -c 'select(.type=="step")' "$J" | wc -l)" -eq $N
expect_true "no journal line reaches 1 MiB" test \
	"$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$J")" -lt 1048576
expect_true "the start record names plan.json by its SHA-256" test \
	"$(head -n 1 "$J" | jq -r .plan_file.sha256)" = "$(sha256sum "$B/plan.json" | cut -d' ' -f1)"
expect_true "and does not repeat the plan" test "$(head -n 1 "$J" | jq 'has("plan")')" = false
expect_grep '^| PASSED\|`PASSED`' "$B/report.md"
expect_grep_F 's10000' "$B/report.md"
expect_exit 0 "$RDRILL" verify "$B"
expect_grep '^OK      plan.json: the journal.s plan, plan hash' "$OUT"
expect_grep '^VERIFIED: ' "$OUT"
expect_exit 0 "$RDRILL" render "$B" --lang zh-CN
expect_file "$B/report.zh-CN.md"
expect_exit 0 "$RDRILL" verify "$B"
# history reads it too (its plan: the drill's id).
expect_exit 0 "$RDRILL" history "$TRASH" -o "$TRASH"
expect_grep '^OK       big/test: last passed 20' "$OUT"
# plan.json changed: refused, named.
sed -i 's/"s9999"/"s9998"/' "$B/plan.json"
expect_exit 1 "$RDRILL" verify "$B"
expect_grep 'plan.json is not the plan the start record names' "$OUT"
test_done
