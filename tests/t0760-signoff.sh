#!/bin/sh
# Electronic sign-off (signoff.h): rdrill sign appends chained, signed
# records to signoff.jsonl and renders report.signed.*, never touching
# the run's files (its SEAL, SEAL.sig and SHA256SUMS stay byte for byte
# and keep verifying); verify checks every sign-off: the chain from
# SEAL, each signature and its key, the signed report against a render.
# Changing, removing or reordering a sign-off, or signing a bundle that
# does not verify, is caught.
. "$(dirname "$0")/lib.sh"
K=$TRASH/keys
mkdir -p "$K" "$TRASH/k2"
expect_exit 0 "$RDRILL" keygen "$K"
expect_exit 0 "$RDRILL" keygen "$TRASH/k2"
D=$TOP/tests/drills/minimal.yaml
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/b" --sign-key "$K/rdrill-sign.key"
B=$TRASH/b
( cd "$B" && sha256sum SEAL SEAL.sig SHA256SUMS journal.jsonl report.md report.html ) >"$TRASH/before.sums"

expect_exit 2 "$RDRILL" sign "$B" --role operator
expect_exit 0 "$RDRILL" sign "$B" --role operator --name "Li Lei" \
	--key "$K/rdrill-sign.key" --comment "ran it; restore verified"
expect_grep 'report.signed.md$' "$OUT"
expect_exit 0 "$RDRILL" sign "$B" --role auditor --name "Han Meimei" \
	--key "$TRASH/k2/rdrill-sign.key"
expect_exit 0 "$RDRILL" sign "$B" --role reviewer --name "Paper Only"
expect_true "the run's own files are unchanged" sh -c \
	"cd '$B' && sha256sum -c --quiet '$TRASH/before.sums'"
expect_true "three sign-off records" test "$(wc -l <"$B/signoff.jsonl")" -eq 3
expect_true "record 0 chains to SEAL" test \
	"$(sed -n 1p "$B/signoff.jsonl" | jq -r .prev)" = "$(sha256sum <"$B/SEAL" | cut -c1-64)"
expect_true "record 1 chains to record 0" test \
	"$(sed -n 2p "$B/signoff.jsonl" | jq -r .prev)" = \
	"$(sed -n 1p "$B/signoff.jsonl" | tr -d '\n' | sha256sum | cut -c1-64)"
FPR1=$(openssl pkey -pubin -in "$K/rdrill-sign.pub" -outform DER | sha256sum | cut -c1-64)
FPR2=$(openssl pkey -pubin -in "$TRASH/k2/rdrill-sign.pub" -outform DER | sha256sum | cut -c1-64)
R=$B/report.signed.md
expect_grep '^| operator | Li Lei | 20[0-9-]* [0-9:]* | Ed25519 `SHA256:'"$(echo "$FPR1" | cut -c1-16)"'` | ran it; restore verified |$' "$R"
expect_grep '^| auditor | Han Meimei | .* | Ed25519 `SHA256:'"$(echo "$FPR2" | cut -c1-16)"'` |  |$' "$R"
expect_grep '^| reviewer | Paper Only | .* | none (name typed) |  |$' "$R"
expect_grep '^| Role | Name | Signature | Date |$' "$R"
expect_no_grep 'Li Lei' "$B/report.md"
expect_exit 0 "$RDRILL" verify "$B" --key "$K/rdrill-sign.pub"
expect_grep "^OK      signoff.jsonl:1: operator, Li Lei, at .*: a good Ed25519 signature by key SHA256:$FPR1" "$OUT"
expect_grep "^OK      signoff.jsonl:2: auditor, Han Meimei, .*SHA256:$FPR2" "$OUT"
expect_grep '^OK      signoff.jsonl:3: reviewer, Paper Only, .*a typed name, no key' "$OUT"
expect_grep '^OK      report.signed.md, report.signed.html: byte for byte' "$OUT"
expect_grep '^OK      SEAL.sig: a good Ed25519 signature' "$OUT"
expect_grep '^VERIFIED: ' "$OUT"

# Under another renderer (other templates) the signed report cannot be
# re-rendered, and the last sign-off is a typed name that signs nothing,
# so its "renderer" is no evidence: FAILED (t1150 tries the rest), the
# sign-offs themselves still checked.
cp -r "$TOP/templates" "$TRASH/tpl"
echo >>"$TRASH/tpl/report.en.md.mustache"
RDRILL_TEMPLATES=$TRASH/tpl expect_exit 1 "$RDRILL" verify "$B"
expect_grep '^FAILED  report.signed.md, report.signed.html: cannot be checked: the last sign-off says "rdrill .*no signature covers that sign-off (a typed name)' "$OUT"
expect_grep "^OK      signoff.jsonl:1: operator, Li Lei, .*a good Ed25519 signature" "$OUT"

tamper() { # NAME SED-SCRIPT FILE: a copy of the bundle, changed
	rm -rf "$TRASH/$1"; cp -a "$B" "$TRASH/$1"; sed -i "$2" "$TRASH/$1/$3"
}
# A changed name: its signature no longer matches.
tamper t1 '1s/Li Lei/Li Lie/' signoff.jsonl
expect_exit 1 "$RDRILL" verify "$TRASH/t1"
expect_grep '^FAILED  signoff.jsonl:1: the signature does not match' "$OUT"
expect_grep '^FAILED  signoff.jsonl:2: the chain is broken' "$OUT"
# A removed sign-off breaks the chain of the next.
tamper t2 '1d' signoff.jsonl
expect_exit 1 "$RDRILL" verify "$TRASH/t2"
expect_grep '^FAILED  signoff.jsonl:1: not a sign-off record\|^FAILED  signoff.jsonl:1: the chain is broken' "$OUT"
# The last removed: the signed report no longer matches.
tamper t3 '3d' signoff.jsonl
expect_exit 1 "$RDRILL" verify "$TRASH/t3"
expect_grep '^FAILED  report.signed.md: not \(what the journal and the sign-offs render to\|the bytes the last sign-off names\)' "$OUT"
# A typed name changed in the signed report.
tamper t4 's/Paper Only/Someone Else/' report.signed.md
expect_exit 1 "$RDRILL" verify "$TRASH/t4"
expect_grep '^FAILED  report.signed.md: not' "$OUT"
# A sign-off carried over to another run's bundle names the wrong SEAL.
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/other"
cp "$B/signoff.jsonl" "$B/report.signed.md" "$B/report.signed.html" "$TRASH/other/"
expect_exit 1 "$RDRILL" verify "$TRASH/other"
expect_grep '^FAILED  signoff.jsonl:1: signs another SEAL than this bundle' "$OUT"
# A bundle that does not verify is not signed.
tamper t5 's/^/x/' report.md
expect_exit 3 "$RDRILL" sign "$TRASH/t5" --role auditor --name X
expect_grep 'refusing to sign' "$ERR"
expect_true "nothing was added to it" test "$(wc -l <"$TRASH/t5/signoff.jsonl")" -eq 3
test_done
