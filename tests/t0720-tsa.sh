#!/bin/sh
# Trusted time: every seal comes with seal.tsq (RFC 3161 query for the
# SHA-256 of SEAL); a reply from a TSA (here a local one, `openssl ts
# -reply`, files only) placed as seal.tsr is checked by verify --tsa-ca.
. "$(dirname "$0")/lib.sh"
T=$TRASH/tsa
mkdir -p "$T"
cd "$T" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -subj /CN=rdrill-test-ca -days 2 \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout tsa.key -out tsa.csr -subj /CN=rdrill-test-tsa 2>/dev/null
printf 'extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature\n' >tsa.ext
openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out tsa.pem -days 2 -extfile tsa.ext 2>/dev/null
echo 01 >tsaserial
cat >ts.cnf <<EOF2
[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = $T/tsaserial
signer_cert = $T/tsa.pem
signer_key = $T/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
EOF2
# Another CA, that vouches for nothing here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout other.key -out other.pem -subj /CN=other-ca -days 2 2>/dev/null
cd "$TOP" || exit 1

expect_exit 0 "$RDRILL" run tests/drills/minimal.yaml -o "$TRASH/b"
B=$TRASH/b
expect_file "$B/seal.tsq"
expect_true "seal.tsq asks for the SHA-256 of SEAL" sh -c \
	"openssl asn1parse -inform DER -in '$B/seal.tsq' | grep -qi \"HEX DUMP\]:\$(sha256sum <'$B/SEAL' | cut -c1-64)\""
expect_true "the local TSA answers" openssl ts -reply -config "$T/ts.cnf" \
	-queryfile "$B/seal.tsq" -out "$B/seal.tsr"
expect_true "openssl ts -verify agrees" openssl ts -verify -queryfile "$B/seal.tsq" \
	-in "$B/seal.tsr" -CAfile "$T/ca.pem"
expect_exit 0 "$RDRILL" verify "$B" --tsa-ca "$T/ca.pem"
expect_grep '^OK      seal.tsr: SEAL time-stamped at .* by a TSA' "$OUT"
expect_exit 0 "$RDRILL" verify "$B"
expect_grep_F 'seal.tsr: present, not checked' "$OUT"
expect_exit 1 "$RDRILL" verify "$B" --tsa-ca "$T/other.pem"
expect_grep '^FAILED  seal.tsr: does not verify' "$OUT"

# A reply for another bundle's seal.
expect_exit 0 "$RDRILL" run tests/drills/minimal.yaml -o "$TRASH/c"
openssl ts -reply -config "$T/ts.cnf" -queryfile "$TRASH/c/seal.tsq" \
	-out "$TRASH/c.tsr" 2>/dev/null
cp -a "$B" "$TRASH/x"
cp "$TRASH/c.tsr" "$TRASH/x/seal.tsr"
expect_exit 1 "$RDRILL" verify "$TRASH/x" --tsa-ca "$T/ca.pem"
expect_grep '^FAILED  seal.tsr: does not verify' "$OUT"
# ... with its query too: the query is not for this SEAL.
cp "$TRASH/c/seal.tsq" "$TRASH/x/seal.tsq"
expect_exit 1 "$RDRILL" verify "$TRASH/x" --tsa-ca "$T/ca.pem"
expect_grep_F "FAILED  seal.tsq: not a query for this SEAL's SHA-256" "$OUT"
# Junk never crashes it.
head -c 3000 /dev/urandom >"$TRASH/x/seal.tsr"
head -c 300 /dev/urandom >"$TRASH/x/seal.tsq"
expect_exit 1 "$RDRILL" verify "$TRASH/x" --tsa-ca "$T/ca.pem"
expect_grep '^FAILED  seal.tsq: not a time-stamp query' "$OUT"
# No reply at all, when one is asked for.
rm "$TRASH/x/seal.tsr"
expect_exit 1 "$RDRILL" verify "$TRASH/x" --tsa-ca "$T/ca.pem"
expect_grep '^FAILED  seal.tsr: missing' "$OUT"
# A FIFO named as the CA is refused, never waited on (issue 21; timeout
# only turns a hang into a failure).
mkfifo "$T/ca.fifo"
expect_exit 1 timeout 60 "$RDRILL" verify "$B" --tsa-ca "$T/ca.fifo"
expect_grep "^FAILED  $T/ca.fifo: cannot read the TSA's CA" "$OUT"
test_done
