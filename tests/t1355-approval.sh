#!/bin/sh
# Approvals that survive the calendar (issue 20, point 4). A plan bundle
# reviewed on day D and signed off by an approver runs on D+1: the
# report says when it was approved, until when, what rolled forward with
# the date, and names the approver from the signed sign-off (not the
# drill file's name). Past the window, or with anything but the date
# changed, it is refused naming the real cause. A bare hash carries no
# review date (exact only); a prefix needs 32 hex digits: a 32-digit one
# is accepted, 12- and 8-digit ones are refused as too short. The date
# is moved with SOURCE_DATE_EPOCH, rdrill's clock override for the
# plan's date and time.
. "$(dirname "$0")/lib.sh"
cd "$TRASH" || exit 1
W=$TRASH/w
mkdir -p "$W"
{ drill_head approve test
cat <<EOF
approver: Y. Aml Name
vars:
  out: $W/\${date}
phases:
  backup:
    - {id: dated, run: [mkdir, -p, "\${out}"]}
  verify_backup:
    - {id: check, run: [test, -d, "\${out}"]}
EOF
} >drill.yaml

NOW=$(date +%s)
D0=$(date -d "@$NOW" +%Y%m%d)
D1=$(date -d "@$((NOW + 86400))" +%Y%m%d)
day1() { SOURCE_DATE_EPOCH=$((NOW + 86400)) "$@"; }

expect_exit 0 "$RDRILL" keygen keys
expect_exit 0 env SOURCE_DATE_EPOCH=$NOW "$RDRILL" plan drill.yaml -o plan-d0
H=$(jq -r .plan_hash plan-d0/plan.json)
expect_grep_F "plan hash    $H" "$OUT"
expect_exit 0 "$RDRILL" sign plan-d0 --role approver --name "J. Reviewer" \
	--key keys/rdrill-sign.key
FPR=$(openssl pkey -pubin -in keys/rdrill-sign.pub -outform DER | sha256sum | cut -c1-64)

# Day D+1, the reviewed bundle: runs, and says so.
expect_exit 0 day1 "$RDRILL" run drill.yaml --approved-plan plan-d0 -o run-d1
R=run-d1/report.md
SEALED=$(sed -n 's/^sealed-at: //p' plan-d0/SEAL)
expect_grep_F "- **Approval**: plan bundle \`plan-d0\`, sealed $SEALED, approves until " "$R"
expect_grep_F "rolled forward with the date since the review: \`date\` \`$D0\` → \`$D1\`, \`out\` \`$W/$D0\` → \`$W/$D1\`" "$R"
expect_grep_F "**Approver**: J. Reviewer (signed the reviewed plan bundle off with key SHA256:$FPR)" "$R"
expect_no_grep 'Y. Aml Name' "$R"
expect_true "the journal keeps the approval and what rolled" test \
	"$(head -1 run-d1/journal.jsonl | jq -r '.context.approval.rolled_forward[0].to')" = "$D1"
expect_exit 0 "$RDRILL" verify run-d1

# Without a signed approval the drill file's name is only a name.
expect_exit 0 env SOURCE_DATE_EPOCH=$NOW "$RDRILL" run drill.yaml -o run-plain
expect_grep_F "**Approver**: Y. Aml Name (named in the drill file; no signed approval)" run-plain/report.md

# Past the window (7 days by default), or a shorter window: refused.
expect_exit 3 env SOURCE_DATE_EPOCH=$((NOW + 8 * 86400)) "$RDRILL" run drill.yaml \
	--approved-plan plan-d0 -o run-d8
expect_grep 'the approval expired: the plan bundle was sealed at' "$ERR"
expect_exit 3 day1 "$RDRILL" run drill.yaml --approved-plan plan-d0 \
	--approval-window 12h -o run-short
expect_grep 'approves for 43200s' "$ERR"
expect_exit 0 day1 "$RDRILL" run drill.yaml --approved-plan plan-d0 \
	--approval-window 2d -o run-long
expect_exit 2 "$RDRILL" run drill.yaml --approved-plan "$H" --approval-window 2d
expect_grep 'a bare hash carries no review date' "$ERR"
expect_exit 2 "$RDRILL" run drill.yaml --approved-plan plan-d0 --approval-window soon

# More than the date changed: refused, saying what.
sed 's/test, -d,/test, -e,/' drill.yaml >changed.yaml
expect_exit 3 day1 "$RDRILL" run changed.yaml --approved-plan plan-d0 -o run-changed
expect_grep "what was reviewed changed: steps (step 2 'check' first); the drill file is not the reviewed one" "$ERR"
sed 's/rto: 10m/rto: 20m/' drill.yaml >targets.yaml
expect_exit 3 day1 "$RDRILL" run targets.yaml --approved-plan plan-d0 -o run-targets
expect_grep "what was reviewed changed: targets (rto_s)" "$ERR"

# A bare hash: exact, on day D only.
expect_exit 0 env SOURCE_DATE_EPOCH=$NOW "$RDRILL" run drill.yaml --approved-plan "$H" -o run-hash
expect_exit 3 day1 "$RDRILL" run drill.yaml --approved-plan "$H" -o run-hash-d1
expect_grep 'a bare hash carries no review date: it must match exactly' "$ERR"

# Prefixes: 32 hex digits accepted, 12 and 8 refused as too short.
P32=$(printf %.32s "$H")
expect_exit 0 env SOURCE_DATE_EPOCH=$NOW "$RDRILL" run drill.yaml --approved-plan "$P32" -o run-p32
expect_true "the run records the full hash" test \
	"$(head -1 run-p32/journal.jsonl | jq -r .context.approved_plan)" = "$H"
for n in 12 8; do
	expect_exit 3 env SOURCE_DATE_EPOCH=$NOW "$RDRILL" run drill.yaml \
		--approved-plan "$(printf "%.${n}s" "$H")" -o "run-p$n"
	expect_grep "$n hex digits is too short to approve a plan; give the full 64-digit plan hash" "$ERR"
	expect_no_file "run-p$n"
done
# A 32-digit prefix that is not this plan's: refused by the gate.
expect_exit 3 env SOURCE_DATE_EPOCH=$NOW "$RDRILL" run drill.yaml \
	--approved-plan 00000000000000000000000000000000 -o run-p32-wrong
expect_grep 'is not the approved plan 00000000000000000000000000000000' "$ERR"
expect_exit 2 "$RDRILL" run drill.yaml --approved-plan not-a-hash-nor-dir
test_done
