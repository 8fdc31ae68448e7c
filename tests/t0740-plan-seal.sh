#!/bin/sh
# Plans are evidence too: a plan bundle is journaled and sealed, signed
# when RDRILL_SIGN_KEY names a key, and verify catches an edited plan.
. "$(dirname "$0")/lib.sh"
D=$TOP/tests/drills/minimal.yaml
expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/p"
P=$TRASH/p
for f in plan.json journal.jsonl report.md report.html SHA256SUMS SEAL seal.tsq; do
	expect_file "$P/$f"
done
expect_exit 0 "$RDRILL" verify "$P"
expect_grep '^VERIFIED: ' "$OUT"
expect_exit 0 "$RDRILL" render "$P"
expect_exit 0 "$RDRILL" verify "$P"
cp -a "$P" "$TRASH/e"
sed -i 's/"echo"/"rm  "/' "$TRASH/e/plan.json"
expect_exit 1 "$RDRILL" verify "$TRASH/e"
expect_grep_F 'FAILED  plan.json: differs from the plan in journal.jsonl record 1' "$OUT"
expect_exit 1 "$RDRILL" render "$TRASH/e"
expect_exit 1 "$RDRILL" verify "$TRASH/e"

mkdir "$TRASH/k"
"$RDRILL" keygen "$TRASH/k" >/dev/null
RDRILL_SIGN_KEY=$TRASH/k/rdrill-sign.key expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/s"
expect_file "$TRASH/s/SEAL.sig"
expect_exit 0 "$RDRILL" verify "$TRASH/s" --key "$TRASH/k/rdrill-sign.pub"
expect_true "openssl agrees" openssl pkeyutl -verify -pubin -inkey \
	"$TRASH/k/rdrill-sign.pub" -rawin -in "$TRASH/s/SEAL" -sigfile "$TRASH/s/SEAL.sig"

# --approved-plan takes the plan bundle itself: it must verify, be a
# plan, and (with --approved-key) be signed by that key.
expect_exit 0 "$RDRILL" run "$D" --approved-plan "$P" -o "$TRASH/run1"
expect_true "the start record names the approving bundle" test \
	"$(jq -r 'select(.type=="start") | .context.approval.plan_bundle' "$TRASH/run1/journal.jsonl")" = "$P"
expect_true "and its plan hash" test \
	"$(jq -r 'select(.type=="start") | .context.approved_plan' "$TRASH/run1/journal.jsonl")" = \
	"$(jq -r .plan_hash "$P/plan.json")"
expect_exit 0 "$RDRILL" run "$D" --approved-plan "$TRASH/s" \
	--approved-key "$TRASH/k/rdrill-sign.pub" -o "$TRASH/run2"
expect_true "signed by that key, recorded" test \
	"$(jq -r 'select(.type=="start") | .context.approval.signed_by' "$TRASH/run2/journal.jsonl")" = \
	"$(sed -n 's/^key-fingerprint: //p' "$TRASH/s/SEAL")"
mkdir "$TRASH/k2"
"$RDRILL" keygen "$TRASH/k2" >/dev/null
expect_exit 3 "$RDRILL" run "$D" --approved-plan "$TRASH/s" \
	--approved-key "$TRASH/k2/rdrill-sign.pub" -o "$TRASH/run3"
expect_grep_F "the approved plan bundle does not verify" "$ERR"
expect_grep_F "SEAL.sig: the signature does not match" "$ERR"
expect_no_file "$TRASH/run3/journal.jsonl"
expect_exit 3 "$RDRILL" run "$D" --approved-plan "$TRASH/p" \
	--approved-key "$TRASH/k/rdrill-sign.pub" -o "$TRASH/run4"
expect_exit 3 "$RDRILL" run "$D" --approved-plan "$TRASH/e" -o "$TRASH/run5"
expect_grep_F "plan.json: differs from the plan" "$ERR"
expect_exit 3 "$RDRILL" run "$D" --approved-plan "$TRASH/run1" -o "$TRASH/run6"
expect_grep_F "not a plan's" "$ERR"
# A plan of another drill: its hash is not this plan's.
sed 's/\[echo, hello\]/[echo, other]/' "$D" >"$TRASH/other.yaml"
expect_exit 0 "$RDRILL" plan "$TRASH/other.yaml" -o "$TRASH/p2"
expect_exit 3 "$RDRILL" run "$D" --approved-plan "$TRASH/p2" -o "$TRASH/run7"
expect_grep_F "is not the approved" "$ERR"
expect_exit 2 "$RDRILL" run "$D" --approved-key "$TRASH/k/rdrill-sign.pub" -o "$TRASH/run8"
test_done
