#!/bin/sh
# A report tied to its evidence (issue 20, point 3): page 1 names the
# bundle and the journal's chain head (SEAL's journal-head), every printed
# page carries both, and the verify command written in report.md, copied
# out and run verbatim in the bundle's parent directory, succeeds for a
# signed and an unsigned bundle (and a signed plan), and fails on a copy
# re-signed with another key. verify keeps the seal key (--key) and the
# sign-off keys (--signoff-key) apart.
. "$(dirname "$0")/lib.sh"
D=$TOP/tests/drills/minimal.yaml
mkdir -p "$TRASH/reports" "$TRASH/copy"
expect_exit 0 "$RDRILL" keygen "$TRASH/seal-key"
expect_exit 0 "$RDRILL" keygen "$TRASH/other-key"
expect_exit 0 "$RDRILL" keygen "$TRASH/approver-key"
fpr() { openssl pkey -pubin -in "$1" -outform DER | sha256sum | cut -c1-64; }
SEAL_FPR=$(fpr "$TRASH/seal-key/rdrill-sign.pub")

# The command as report.md writes it: the code span after "with ".
verify_cmd() { # REPORT.md
	sed -n 's/.*the bundle, with `\(rdrill verify [^`]*\)`.*/\1/p' "$1" | head -1
}
# Run it verbatim in DIR, with this build's rdrill as `rdrill`.
run_in() { # DIR CMD
	mkdir -p "$TRASH/bin"
	ln -sf "$RDRILL" "$TRASH/bin/rdrill"
	(cd "$1" && PATH="$TRASH/bin:$PATH" sh -c "$2") >"$OUT" 2>"$ERR" </dev/null
}

# --- signed -------------------------------------------------------------
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/reports/signed-run" \
	--sign-key "$TRASH/seal-key/rdrill-sign.key"
R=$TRASH/reports/signed-run/report.md
CMD=$(verify_cmd "$R")
expect_true "signed: the command names the bundle and the key's fingerprint" \
	test "$CMD" = "rdrill verify signed-run --key SHA256:$SEAL_FPR"
run_in "$TRASH/reports" "$CMD"
expect_true "signed: the copied command verifies (exit 0)" test $? -eq 0
expect_grep '^VERIFIED: signed-run$' "$OUT"
expect_grep "the key asked for" "$OUT"

# Page 1: the bundle and the chain head, SEAL's journal-head.
HEAD=$(sed -n 's/^journal-head: //p' "$TRASH/reports/signed-run/SEAL")
expect_grep_F "- **Bundle**: \`signed-run\`, journal chain head \`$HEAD\`" "$R"
expect_true "page 1 (before the first rule) holds it" sh -c \
	"sed '/^---\$/q' '$R' | grep -qF '$HEAD'"
# Every printed page: the print CSS's bottom margin holds both.
expect_grep_F "@page{@bottom-left{content:\"signed-run · journal head $HEAD\"" \
	"$TRASH/reports/signed-run/report.html"

# A copy re-signed with another key: consistent by itself (verify without
# a key passes), refused by the command its own report prints.
C=$TRASH/copy/signed-run
cp -r "$TRASH/reports/signed-run" "$C"
OTHER_FPR=$(fpr "$TRASH/other-key/rdrill-sign.pub")
sed -i "s/^key-fingerprint: .*/key-fingerprint: $OTHER_FPR/" "$C/SEAL"
openssl pkeyutl -sign -inkey "$TRASH/other-key/rdrill-sign.key" -rawin \
	-in "$C/SEAL" -out "$C/SEAL.sig"
cp "$TRASH/other-key/rdrill-sign.pub" "$C/SEAL.pub"
expect_exit 0 "$RDRILL" verify "$C"
run_in "$TRASH/copy" "$(verify_cmd "$C/report.md")"
expect_true "re-signed copy: the report's command fails (exit 1)" test $? -eq 1
expect_grep "signed by key SHA256:$OTHER_FPR, not by SHA256:$SEAL_FPR" "$OUT"
expect_grep '^NOT VERIFIED: signed-run$' "$OUT"

# --- unsigned -----------------------------------------------------------
expect_exit 0 "$RDRILL" run "$D" -o "$TRASH/reports/plain-run" --lang zh-CN
R=$TRASH/reports/plain-run/report.md
expect_grep_F '在证据包所在目录运行核验命令 `rdrill verify plain-run`' "$R"
expect_grep_F '- **证据包**：`plain-run`，日志链头 `' "$R"
run_in "$TRASH/reports" "$(sed -n 's/.*核验命令 `\(rdrill verify [^`]*\)`.*/\1/p' "$R")"
expect_true "unsigned: the copied command verifies (exit 0)" test $? -eq 0
expect_grep '^VERIFIED: plain-run (unsigned' "$OUT"
expect_grep '^OK      SEAL: unsigned' "$OUT"
# Asked for a key, an unsigned bundle does not verify.
expect_exit 1 "$RDRILL" verify "$TRASH/reports/plain-run" --key "SHA256:$SEAL_FPR"
expect_grep 'the bundle is not signed' "$OUT"

# --- a signed run killed, sealed later by render without a key ----------
W=$TRASH/w
mkdir -p "$W"
{ drill_head killed test
cat <<EOF
phases:
  backup:
    - {id: first, run: [echo, one]}
    - {id: long, shell: "echo started > $W/started; exec sleep 297"}
EOF
} >"$TRASH/killed.yaml"
"$RDRILL" run "$TRASH/killed.yaml" -o "$TRASH/reports/killed-run" \
	--sign-key "$TRASH/seal-key/rdrill-sign.key" >/dev/null 2>&1 &
pid=$!
i=0
# Until the step runs (or rdrill ended); 300 s against a hang.
while [ ! -e "$W/started" ] && kill -0 $pid 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.1; i=$((i + 1)); done
kill -KILL $pid
wait $pid 2>/dev/null
expect_exit 0 env -u RDRILL_SIGN_KEY "$RDRILL" render "$TRASH/reports/killed-run"
CMD=$(verify_cmd "$TRASH/reports/killed-run/report.md")
expect_true "killed: the command names no key (render sealed it, unsigned)" \
	test "$CMD" = "rdrill verify killed-run"
run_in "$TRASH/reports" "$CMD"
expect_true "killed: the copied command verifies (exit 0)" test $? -eq 0
expect_grep '^VERIFIED, CUT SHORT .*killed-run (unsigned' "$OUT"

# --- a signed plan ------------------------------------------------------
RDRILL_SIGN_KEY=$TRASH/seal-key/rdrill-sign.key \
	expect_exit 0 "$RDRILL" plan "$D" -o "$TRASH/reports/the-plan"
CMD=$(verify_cmd "$TRASH/reports/the-plan/report.md")
expect_true "plan: the command names its key" test \
	"$CMD" = "rdrill verify the-plan --key SHA256:$SEAL_FPR"
run_in "$TRASH/reports" "$CMD"
expect_true "plan: the copied command verifies (exit 0)" test $? -eq 0

# --- seal key and sign-off keys apart -----------------------------------
B=$TRASH/reports/signed-run
expect_exit 0 "$RDRILL" sign "$B" --role approver --name "A. Approver" \
	--key "$TRASH/approver-key/rdrill-sign.key"
expect_exit 0 "$RDRILL" verify "$B" --key "$TRASH/seal-key/rdrill-sign.pub" \
	--signoff-key "$TRASH/approver-key/rdrill-sign.pub"
expect_grep "signed off by key SHA256:$(fpr "$TRASH/approver-key/rdrill-sign.pub")" "$OUT"
expect_exit 0 "$RDRILL" verify "$B" --signoff-key "$TRASH/approver-key/rdrill-sign.pub"
# The approver's key is not the seal's: given as --key it fails, saying so.
expect_exit 1 "$RDRILL" verify "$B" --key "$TRASH/approver-key/rdrill-sign.pub"
expect_exit 1 "$RDRILL" verify "$B" --signoff-key "$TRASH/other-key/rdrill-sign.pub"
expect_grep 'no sign-off signed by key' "$OUT"
expect_exit 1 "$RDRILL" verify "$B" --signoff-key "$TRASH/nonexistent.pub"

# --- printed: the bundle and the head on every page ----------------------
CHROMIUM=""
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
done
expect_true "chromium and pdftotext are installed (make deps)" sh -c \
	"test -n '$CHROMIUM' && command -v pdftotext && command -v pdfinfo"
if [ -n "$CHROMIUM" ] && command -v pdftotext >/dev/null 2>&1; then
	timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --no-pdf-header-footer \
		--user-data-dir="$TRASH/chromium" \
		--print-to-pdf="$TRASH/signed.pdf" \
		"file://$TRASH/reports/signed-run/report.html" \
		>"$TRASH/chromium.log" 2>&1
	pages=$(pdfinfo "$TRASH/signed.pdf" | awk '/^Pages:/ {print $2}')
	expect_true "more than one page printed" test "${pages:-0}" -ge 2
	p=1
	while [ "$p" -le "${pages:-0}" ]; do
		pdftotext -f $p -l $p -raw "$TRASH/signed.pdf" - |
			tr -d ' \t\n\f\r' >"$TRASH/page.txt"
		expect_true "page $p names the bundle and the chain head" \
			grep -qF "signed-run·journalhead$HEAD" "$TRASH/page.txt"
		p=$((p + 1))
	done
fi
test_done
