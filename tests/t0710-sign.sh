#!/bin/sh
# Signed seals: rdrill keygen, run --sign-key / RDRILL_SIGN_KEY, verify
# --key; the auditor's openssl line; a key readable by others refused; a
# full rewrite with every hash recomputed but no private key is caught.
. "$(dirname "$0")/lib.sh"
K=$TRASH/keys
mkdir -p "$K" "$TRASH/k2"
expect_exit 0 "$RDRILL" keygen "$K"
expect_true "the private key is mode 0600" test "$(stat -c %a "$K/rdrill-sign.key")" = 600
expect_exit 1 "$RDRILL" keygen "$K"
expect_grep 'rdrill-sign.key' "$ERR"
openssl genpkey -algorithm ed25519 -out "$TRASH/k2/other.key" 2>/dev/null
chmod 600 "$TRASH/k2/other.key"
openssl pkey -in "$TRASH/k2/other.key" -pubout -out "$TRASH/k2/other.pub"
D=$TOP/tests/drills/minimal.yaml

expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/s" --sign-key "$K/rdrill-sign.key"
S=$TRASH/s
expect_file "$S/SEAL.sig"
expect_file "$S/SEAL.pub"
FPR=$(openssl pkey -pubin -in "$K/rdrill-sign.pub" -outform DER | sha256sum | cut -c1-64)
expect_grep "^key-fingerprint: $FPR\$" "$S/SEAL"
expect_grep_F "signed with Ed25519 key SHA256:$FPR" "$S/report.md"
expect_true "the private key is in no file of the bundle" sh -c \
	"! grep -rqF \"\$(sed -n 2p '$K/rdrill-sign.key')\" '$S'"
expect_exit 0 "$RDRILL" verify "$S" --key "$K/rdrill-sign.pub"
expect_grep "^OK      SEAL.sig: a good Ed25519 signature by key SHA256:$FPR\$" "$OUT"
expect_exit 0 "$RDRILL" verify "$S"
expect_grep_F "give --key PUB.pem, or its SHA256: fingerprint, to check whose" "$OUT"
expect_exit 1 "$RDRILL" verify "$S" --key "$TRASH/k2/other.pub"
expect_grep '^FAILED  SEAL.sig: the signature does not match' "$OUT"
# The auditor's check, with openssl alone (README "Checking a bundle").
expect_true "openssl pkeyutl -verify" sh -c "openssl pkeyutl -verify -pubin \
	-inkey '$K/rdrill-sign.pub' -rawin -in '$S/SEAL' -sigfile '$S/SEAL.sig' | grep -q 'Verified Successfully'"
expect_true "and fails with another key" sh -c "! openssl pkeyutl -verify -pubin \
	-inkey '$TRASH/k2/other.pub' -rawin -in '$S/SEAL' -sigfile '$S/SEAL.sig' >/dev/null 2>&1"

# The environment variable, for unattended runs; openssl's key works too.
RDRILL_SIGN_KEY=$TRASH/k2/other.key expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/e"
expect_exit 0 "$RDRILL" verify "$TRASH/e" --key "$TRASH/k2/other.pub"
expect_exit 1 "$RDRILL" verify "$TRASH/e" --key "$K/rdrill-sign.pub"

# Unsigned: the report says so, and --key refuses it.
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/u"
expect_grep_F '(`SHA256SUMS`, `SEAL`); not signed;' "$TRASH/u/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/u"
expect_exit 1 "$RDRILL" verify "$TRASH/u" --key "$K/rdrill-sign.pub"
expect_grep '^FAILED  SEAL.sig: missing: the bundle is not signed' "$OUT"

# A private key others can read is refused before anything runs.
cp "$K/rdrill-sign.key" "$TRASH/loose.key"
chmod 640 "$TRASH/loose.key"
expect_exit 3 "$RDRILL" run "$D" -o "$TRASH/loose" --sign-key "$TRASH/loose.key"
expect_grep 'accessible by group or others (mode 0640): refused' "$ERR"
expect_no_file "$TRASH/loose"
expect_exit 3 "$RDRILL" run "$D" -o "$TRASH/notkey" --sign-key "$K/rdrill-sign.pub"
expect_no_file "$TRASH/notkey"

# Full rewrite, every hash recomputed, no private key: an attacker's own
# run dressed in the signer's SEAL.pub, SEAL.sig and fingerprint.
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/forged"
F=$TRASH/forged
sed -i "s/^key-fingerprint: none\$/key-fingerprint: $FPR/" "$F/SEAL"
cp "$S/SEAL.sig" "$S/SEAL.pub" "$F/"
expect_exit 1 "$RDRILL" verify "$F" --key "$K/rdrill-sign.pub"
expect_grep '^FAILED  SEAL.sig: the signature does not match' "$OUT"
expect_exit 1 "$RDRILL" render "$F"
expect_exit 1 "$RDRILL" verify "$F" --key "$K/rdrill-sign.pub"
# The signed bundle's report edited, SHA256SUMS and SEAL's line recomputed.
cp -a "$S" "$TRASH/r"
R=$TRASH/r
sed -i 's/PASSED/FAILED/' "$R/report.md"
(cd "$R" && sha256sum journal.jsonl plan.json report.html report.md steps/* >SHA256SUMS)
sed -i "s/^sha256sums: .*/sha256sums: $(sha256sum <"$R/SHA256SUMS" | cut -c1-64)/" "$R/SEAL"
expect_exit 1 "$RDRILL" verify "$R" --key "$K/rdrill-sign.pub"
expect_grep '^FAILED  SEAL.sig: the signature does not match' "$OUT"
expect_grep '^FAILED  report.md: not what the journal renders to' "$OUT"
expect_exit 1 "$RDRILL" render "$R"
expect_exit 1 "$RDRILL" verify "$R" --key "$K/rdrill-sign.pub"
# A signature removed from a bundle whose SEAL names a key.
cp -a "$S" "$TRASH/nosig"
rm "$TRASH/nosig/SEAL.sig"
expect_exit 1 "$RDRILL" verify "$TRASH/nosig"
expect_grep '^FAILED  SEAL.sig: missing, but SEAL names a signing key' "$OUT"
# A killed run sealed by render is signed by whoever renders, if keyed.
cp -a "$S" "$TRASH/killed"
rm "$TRASH/killed/SEAL" "$TRASH/killed/SEAL.sig" "$TRASH/killed/SEAL.pub" \
	"$TRASH/killed/SHA256SUMS" "$TRASH/killed/report.md" "$TRASH/killed/report.html"
sed -i '$d' "$TRASH/killed/journal.jsonl"
RDRILL_SIGN_KEY=$TRASH/k2/other.key expect_exit 0 "$RDRILL" render "$TRASH/killed"
expect_exit 0 "$RDRILL" verify "$TRASH/killed" --key "$TRASH/k2/other.pub"
expect_grep '^VERIFIED, CUT SHORT' "$OUT"
expect_grep '^state: cut-short$' "$TRASH/killed/SEAL"

# Hostile signature files never crash verify.
cp -a "$S" "$TRASH/junk"
head -c 5000 /dev/urandom >"$TRASH/junk/SEAL.sig"
head -c 5000 /dev/urandom >"$TRASH/junk/SEAL.pub"
expect_exit 1 "$RDRILL" verify "$TRASH/junk"
expect_grep '^FAILED  SEAL.sig: not a PEM public key' "$OUT"
expect_exit 1 "$RDRILL" verify "$TRASH/junk" --key "$K/rdrill-sign.pub"
expect_grep '^FAILED  SEAL.sig: the signature does not match' "$OUT"
test_done
