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
test_done
