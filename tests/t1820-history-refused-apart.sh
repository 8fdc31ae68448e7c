#!/bin/sh
# Issue 20, point 8: a REFUSED run (a gate stopped it before any step:
# an operator's mistake, nothing ran) is listed apart in history, never
# as a run of the drill's record: not its last run, not a pass nor a
# failure, not in the chart; the metrics count it apart
# (rdrill_refused_runs). A REFUSED run whose bundle was edited stays a
# run, shown as TAMPERED: its word is not believed. Then
# `history --lang zh-CN`: the same history in Chinese (issue 22).
. "$(dirname "$0")/lib.sh"
small_drill apart >"$TRASH/apart.yaml"
R=$TRASH/r
expect_exit 0 "$RDRILL" run "$TRASH/apart.yaml" --confirm test -o "$R/1-passed"
expect_exit 1 "$RDRILL" run "$TRASH/apart.yaml" --confirm test --var code=3 -o "$R/2-failed"
expect_exit 3 "$RDRILL" run "$TRASH/apart.yaml" -o "$R/3-refused"
expect_exit 0 "$RDRILL" verify "$R/3-refused"
expect_true "the third run is REFUSED" test \
	"$(jq -r 'select(.type=="end") | .status' "$R/3-refused/journal.jsonl")" = REFUSED

expect_exit 0 "$RDRILL" history "$R" -o "$TRASH/h" --prom "$TRASH/h/m.prom"
J=$TRASH/h/history.json
M=$TRASH/h/history.md
q() { jq -r "$1" "$J"; }
expect_true "the drill's record: the passed and the failed run only" test \
	"$(q '.drills[0].runs | map(.bundle | split("/") | last) | join(" ")')" = "1-passed 2-failed"
expect_true "the refused run listed apart" test \
	"$(q '.drills[0].refused | map(.bundle | split("/") | last) | join(" ")')" = 3-refused
expect_true "its reason kept" sh -c "jq -r '.drills[0].refused[0].reason' '$J' | grep -q 'confirm'"
expect_true "history counts it apart" test "$(q .refused)" = 1
# The summary's last run is the failed one (its restore check failed
# after the destroy: NOT RESTORED), not the refusal.
expect_grep '^| `apart` | test | 20[0-9-]* [0-9:]* UTC | `NOT RESTORED` | ' "$M"
expect_no_grep '^| 20.* | `REFUSED` |' "$M"
expect_grep '^\*\*Refused runs\*\* (a gate stopped them before any step' "$M"
expect_grep '^| 20[0-9-]* [0-9:]* UTC | the drill has 1 destructive steps: run it with --confirm test | `.*/3-refused` |$' "$M"
expect_grep_F '(1 of them refused: listed apart)' "$M"
expect_true "the chart has a tick per run of the record: two" test \
	"$(grep -o '<line x1="[0-9.]*" y1="136" x2="[0-9.]*" y2="140"' "$TRASH/h/history.html" | wc -l)" -eq 2
P=$TRASH/h/m.prom
expect_grep '^rdrill_refused_runs{drill="apart",environment="test"} 1.000$' "$P"
expect_grep '^rdrill_last_run_verified{drill="apart",environment="test"} 1.000$' "$P"
expect_grep '^rdrill_history_findings{drill="apart",environment="test"} 0.000$' "$P"

# A refusal whose bundle was edited is not believed: a TAMPERED run.
cp -R "$R/3-refused" "$R/4-refused-edited"
sed -i 's/"status":"REFUSED"/"status":"REFUSED" /' "$R/4-refused-edited/journal.jsonl"
expect_exit 0 "$RDRILL" history "$R" -o "$TRASH/h2"
expect_true "the edited one is a run of the record, TAMPERED" test \
	"$(jq -r '.drills[0].runs | map(.state) | join(" ")' "$TRASH/h2/history.json")" = "verified verified tampered"
expect_true "the good refusal still apart" test \
	"$(jq -r '.drills[0].refused | length' "$TRASH/h2/history.json")" = 1
rm -rf "$R/4-refused-edited"

# A drill only ever refused: no run, never passed, OVERDUE.
mkdir "$TRASH/only"
cp -R "$R/3-refused" "$TRASH/only/"
expect_exit 4 "$RDRILL" history "$TRASH/only" -o "$TRASH/h3"
expect_grep '^| `apart` | test | — | none ran | — | — | — | — | \*\*`OVERDUE`\*\* |$' "$TRASH/h3/history.md"

# The same history in Chinese: rdrill's words, the drill's own kept.
expect_exit 0 "$RDRILL" history "$R" -o "$TRASH/zh" --lang zh-CN
Z=$TRASH/zh/history.md
expect_grep '^# 演练历史$' "$Z"
expect_grep '^| 演练 | 环境 | 最近运行 | 结论 | RTO | RPO | 证据 | 最近通过 | 到期 |$' "$Z"
expect_grep '^\*\*被拒绝的运行\*\*' "$Z"
expect_grep '| 演练有 1 个破坏性步骤：请用 --confirm test 运行 | `.*/3-refused` |$' "$Z"
expect_grep '| `PASSED` | [0-9.]* \(毫秒\|秒\) | — | 已验证 | 封印未签名 | `.*/1-passed` |$' "$Z"
for w in Generated Drill Environment Verdict Evidence verified Refused seal \
	unsigned Started Bundle 'not searched' 'trusted key'; do
	expect_no_grep "$w" "$Z"
done
expect_grep '<html lang="zh-CN">' "$TRASH/zh/history.html"
expect_grep_F 'RTO 蓝色，RPO 灰色' "$TRASH/zh/history.html"
expect_no_grep 'RTO blue' "$TRASH/zh/history.html"
test_done
