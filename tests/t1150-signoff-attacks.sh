#!/bin/sh
# Sign-offs under attack (issue 21): three `rdrill sign` at once lose no
# record (one lock for the check and the append); a typed name's
# "renderer" is signed by nothing, so claiming another renderer no longer
# lets an edited report.signed.md verify, and every sign-off names the
# SHA-256 of the signed report it wrote; signoff.jsonl never grows past
# what verify reads (the sign-off that would is refused); a FIFO named
# as the key does not hang sign or verify.
. "$(dirname "$0")/lib.sh"
K=$TRASH/keys
mkdir -p "$K"
expect_exit 0 "$RDRILL" keygen "$K"
D=$TOP/tests/drills/minimal.yaml
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/b"
B=$TRASH/b

# --- three at once, five times: every record kept, the bundle verifies.
round=1
while [ $round -le 5 ]; do
	for s in 1 2 3; do
		"$RDRILL" sign "$B" --role "r$round" --name "signer $round.$s" \
			>"$TRASH/sign.$round.$s.out" 2>&1 &
	done
	wait
	round=$((round + 1))
done
expect_true "15 sign-off records, none lost" \
	test "$(wc -l <"$B/signoff.jsonl")" -eq 15
expect_true "every one of the 15 names there" sh -c \
	"for r in 1 2 3 4 5; do for s in 1 2 3; do grep -q \"signer \$r.\$s\" '$B/signoff.jsonl' || exit 1; done; done"
expect_exit 0 "$RDRILL" verify "$B"
expect_grep '^VERIFIED: ' "$OUT"
expect_grep '^OK      report.signed.md, report.signed.html: byte for byte the render of the journal and 15 sign-offs' "$OUT"

# --- every record names the signed report's bytes.
expect_true "the last record's reports.md is report.signed.md's SHA-256" test \
	"$(tail -n 1 "$B/signoff.jsonl" | jq -r .reports.md)" = \
	"$(sha256sum <"$B/report.signed.md" | cut -c1-64)"

# --- typed name last: an edited report plus a made-up renderer is FAILED.
tamper() { # NAME: a fresh copy of the bundle
	rm -rf "$TRASH/$1"; cp -a "$B" "$TRASH/$1"
}
tamper t1
sed -i 's/signer 5\.3/Someone Else/' "$TRASH/t1/report.signed.md" \
	"$TRASH/t1/report.signed.html"
sed -i '$ s/"renderer":"[^"]*"/"renderer":"rdrill 9.9, another"/' \
	"$TRASH/t1/signoff.jsonl"
expect_exit 1 "$RDRILL" verify "$TRASH/t1"
expect_grep '^FAILED  report.signed.md' "$OUT"
expect_grep '^NOT VERIFIED: ' "$OUT"
# ... and with the hashes in the record made to fit, the renderer claim
# of a typed name is still no evidence.
MD=$(sha256sum <"$TRASH/t1/report.signed.md" | cut -c1-64)
HT=$(sha256sum <"$TRASH/t1/report.signed.html" | cut -c1-64)
sed -i "\$ s/\"reports\":{[^}]*}/\"reports\":{\"html\":\"$HT\",\"md\":\"$MD\"}/" \
	"$TRASH/t1/signoff.jsonl"
expect_exit 1 "$RDRILL" verify "$TRASH/t1"
expect_grep '^FAILED  report.signed.md, report.signed.html: cannot be checked: the last sign-off says "rdrill 9.9, another" rendered them.*no signature covers that sign-off (a typed name)' "$OUT"
# The renderer field deleted: the same.
tamper t2
sed -i 's/Passed\|PASSED/FAILED/' "$TRASH/t2/report.signed.md"
sed -i '$ s/"renderer":"[^"]*",//' "$TRASH/t2/signoff.jsonl"
expect_exit 1 "$RDRILL" verify "$TRASH/t2"
expect_grep '^FAILED  report.signed.md' "$OUT"

# --- a keyed sign-off last: under another renderer its signature covers
# the report's hashes, so the untouched report is a NOTE and an edited
# one FAILED.
expect_exit 0 "$RDRILL" sign "$B" --role auditor --name "Key Holder" \
	--key "$K/rdrill-sign.key"
cp -r "$TOP/templates" "$TRASH/tpl"
echo >>"$TRASH/tpl/report.en.md.mustache"
RDRILL_TEMPLATES=$TRASH/tpl expect_exit 0 "$RDRILL" verify "$B"
expect_grep "^NOTE    report.signed.md, report.signed.html: not re-rendered: .*their bytes are the ones sign-off 16's signature covers" "$OUT"
tamper t3
sed -i 's/Key Holder/Key Thief/' "$TRASH/t3/report.signed.md"
RDRILL_TEMPLATES=$TRASH/tpl expect_exit 1 "$RDRILL" verify "$TRASH/t3"
expect_grep '^FAILED  report.signed.md: not the bytes the last sign-off names' "$OUT"
MD=$(sha256sum <"$TRASH/t3/report.signed.md" | cut -c1-64)
sed -i "\$ s/\"md\":\"[0-9a-f]*\"/\"md\":\"$MD\"/" "$TRASH/t3/signoff.jsonl"
RDRILL_TEMPLATES=$TRASH/tpl expect_exit 1 "$RDRILL" verify "$TRASH/t3"
expect_grep '^FAILED  signoff.jsonl:16: the signature does not match' "$OUT"

# --- signoff.jsonl never outgrows verify's reader (4 MiB): long CJK
# names and comments (6 bytes a character in the record) until refused.
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/big"
LONG=$(perl -CO -e 'print "\x{6f22}" x 40000')
n=0 refused=0
while [ $n -lt 12 ]; do
	n=$((n + 1))
	"$RDRILL" sign "$TRASH/big" --role "r$n" --name "$LONG" \
		--comment "$LONG" >"$OUT" 2>"$ERR"
	rc=$?
	if [ $rc -ne 0 ]; then refused=$n; break; fi
done
expect_true "a sign-off was refused before 12 (the ${refused}th)" \
	test "$refused" -gt 1
expect_grep 'signoff.jsonl: this sign-off (.* bytes) would make it larger than 4 MiB, the most verify reads: refused' "$ERR"
expect_true "signoff.jsonl at most 4 MiB" \
	test "$(wc -c <"$TRASH/big/signoff.jsonl")" -le 4194304
expect_true "$((refused - 1)) records kept" \
	test "$(wc -l <"$TRASH/big/signoff.jsonl")" -eq $((refused - 1))
expect_exit 0 "$RDRILL" verify "$TRASH/big"
expect_grep '^VERIFIED: ' "$OUT"

# --- a FIFO as the key: refused at once, never a hang. (timeout only
# turns today's hang into a failure; the refusal needs no time.)
mkfifo "$TRASH/key.fifo"
expect_exit 3 timeout 60 "$RDRILL" sign "$B" --role x --name y \
	--key "$TRASH/key.fifo"
expect_grep 'is not a regular file' "$ERR"
RDRILL_SIGN_KEY=$TRASH/key.fifo expect_exit 3 timeout 60 "$RDRILL" sign "$B" \
	--role x --name y
expect_grep 'is not a regular file' "$ERR"
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/sb" --sign-key "$K/rdrill-sign.key"
expect_exit 1 timeout 60 "$RDRILL" verify "$TRASH/sb" --key "$TRASH/key.fifo"
expect_grep 'key.fifo: cannot read the public key' "$OUT"
# A FIFO put in the bundle in place of the signed report: no hang either.
tamper t4
rm "$TRASH/t4/report.signed.md"
mkfifo "$TRASH/t4/report.signed.md"
expect_exit 1 timeout 60 "$RDRILL" verify "$TRASH/t4"
expect_exit 3 timeout 60 "$RDRILL" sign "$TRASH/t4" --role x --name y
# ... nor in place of the sealed report or plan.json.
for f in report.md plan.json; do
	rm -rf "$TRASH/t5"; cp -a "$TRASH/sb" "$TRASH/t5"
	rm "$TRASH/t5/$f"; mkfifo "$TRASH/t5/$f"
	expect_exit 1 timeout 60 "$RDRILL" verify "$TRASH/t5"
	expect_grep "^FAILED  $f" "$OUT"
done
test_done
