#!/bin/sh
# Evidence hygiene: a secret given by environment variable appears in no
# file of the bundle and not on the terminal; HTML a command prints is
# inert in report.html; output capture is bounded; `rdrill verify`
# catches a changed, missing or added file and an edited journal.
. "$(dirname "$0")/lib.sh"
SECRET="s3cr3t-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export RDRILL_TEST_SECRET="$SECRET"

{ drill_head evid test
cat <<'EOF'
phases:
  backup:
    - id: leak
      shell: |
        echo "password is $PGPASSWORD"; echo "again:$PGPASSWORD" >&2
        printf '%s' "$PGPASSWORD" | cut -c1-4; printf '%s\n' "$PGPASSWORD" | cut -c5-
      secret_env: {PGPASSWORD: RDRILL_TEST_SECRET}
    - id: html
      run: [printf, '<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n</code></pre><b>bold</b>\n```\n| a | b |\n']
    - id: flood
      shell: "head -c 50000000 /dev/zero | tr '\\0' 'x'; echo; echo THE-END"
EOF
} >"$TRASH/evid.yaml"

expect_exit 0 "$RDRILL" run "$TRASH/evid.yaml" -o "$TRASH/b"
B=$TRASH/b
expect_true "the secret is in no file of the bundle" sh -c "! grep -rqF '$SECRET' '$B'"
expect_true "nor on the terminal" sh -c "! grep -qF '$SECRET' '$OUT' '$ERR'"
expect_grep 'password is \[REDACTED\]' "$B/steps/01-leak.out"
expect_grep 'again:\[REDACTED\]' "$B/steps/01-leak.err"
expect_grep_F 'password is [REDACTED]' "$B/report.md"

H=$B/report.html
expect_no_grep '<script' "$H"
expect_no_grep '<img' "$H"
expect_no_grep '<b>bold' "$H"
expect_grep '&lt;script&gt;alert(1)&lt;/script&gt;' "$H"
expect_grep '&lt;img src=x onerror=alert(2)&gt;' "$H"

expect_true "50 MB of output captured whole" test \
	"$(jq -r 'select(.id=="flood") | .stdout.bytes' "$B/journal.jsonl")" -eq 50000009
expect_grep 'THE-END' "$B/report.md"
expect_grep 'bytes omitted' "$B/report.md"
expect_true "the report stays small" test "$(wc -c <"$B/report.md")" -lt 200000

# Tampering is caught.
expect_exit 0 "$RDRILL" verify "$B"
cp -r "$B" "$TRASH/t1"
echo "edited" >>"$TRASH/t1/steps/02-html.out"
expect_exit 1 "$RDRILL" verify "$TRASH/t1"
expect_grep 'steps/02-html.out: content changed' "$OUT"
cp -r "$B" "$TRASH/t2"
rm "$TRASH/t2/steps/01-leak.err"
expect_exit 1 "$RDRILL" verify "$TRASH/t2"
expect_grep 'steps/01-leak.err: missing' "$OUT"
cp -r "$B" "$TRASH/t3"
echo extra >"$TRASH/t3/steps/99-extra.out"
expect_exit 1 "$RDRILL" verify "$TRASH/t3"
expect_grep 'steps/99-extra.out: added (not in SHA256SUMS)' "$OUT"
cp -r "$B" "$TRASH/t4"
sed -i '3s/"exit_code":0/"exit_code":1/' "$TRASH/t4/journal.jsonl"
expect_exit 1 "$RDRILL" verify "$TRASH/t4"
expect_grep 'hash chain broken\|content changed' "$OUT" 
expect_exit 1 "$RDRILL" render "$TRASH/t4"

# Output that is not UTF-8 keeps its readable part in the report (each bad
# byte a U+FFFD) while the step log keeps every byte; control characters
# from the drill or from an error never reach the operator's terminal raw.
ESC=$(printf '\033')
FFFD=$(printf '\357\277\275')
{ drill_head bytes test
cat <<'EOF'
phases:
  backup:
    - id: surrogate
      shell: printf 'ok\355\240\200ok\n'
    - id: esc
      title: "title \e[2J\e]0;owned\a"
      run: [sh, -c, "exit 1", "\e[31m"]
EOF
} >"$TRASH/bytes.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/bytes.yaml" -o "$TRASH/u"
expect_grep_F "ok$FFFD$FFFD${FFFD}ok" "$TRASH/u/report.md"
expect_no_grep 'output not valid UTF-8' "$TRASH/u/report.md"
printf 'ok\355\240\200ok\n' >"$TRASH/surrogate.out"
expect_same "$TRASH/surrogate.out" "$TRASH/u/steps/01-surrogate.out"
expect_no_grep "$ESC" "$ERR"
expect_no_grep "$ESC" "$OUT"
expect_grep_F "esc  failed" "$ERR"
# A program that is not there: refused at preflight, the name made safe.
{ drill_head bytes2 test
cat <<'EOF'
phases:
  backup:
    - id: esc
      run: ["no-such-\e[31mprogram"]
EOF
} >"$TRASH/bytes2.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/bytes2.yaml" -o "$TRASH/u2"
expect_no_grep "$ESC" "$ERR"
expect_grep_F "program no-such-<U+001B>[31mprogram: not found on PATH" "$ERR"

# Secrets are known before the step that uses them runs: an earlier step
# that prints a password file is redacted, and a secret's variable is in
# no command's environment unless the step asks for it (secret_env).
PWFILE_SECRET="pwf-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
CONN_SECRET="conn-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PWFILE_SECRET" >"$TRASH/pwfile"
export RDRILL_TEST_CONN_PW="$CONN_SECRET"
{ drill_head early test
cat <<EOF
connections:
  a: {host: /nonexistent, dbname: x, user: u, password_file: "$TRASH/pwfile"}
  b: {host: /nonexistent, dbname: x, user: u, password_env: RDRILL_TEST_CONN_PW}
phases:
  preflight:
    - id: early
      shell: |
        cat "$TRASH/pwfile"
        echo "conn=[\$RDRILL_TEST_CONN_PW] src=[\$RDRILL_TEST_SECRET]"
        env | grep -c '^RDRILL_TEST_' || true
  backup:
    - id: uses
      shell: 'echo "tok=\$TOK"'
      secret_env: {TOK: RDRILL_TEST_SECRET}
EOF
} >"$TRASH/early.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/early.yaml" -o "$TRASH/e"
for s in "$PWFILE_SECRET" "$CONN_SECRET" "$SECRET"; do
	expect_true "early secret ${s%%-*} in no file of the bundle" sh -c \
		"! grep -rqF '$s' '$TRASH/e' && ! grep -qF '$s' '$OUT' '$ERR'"
done
expect_grep '^\[REDACTED\]$' "$TRASH/e/steps/01-early.out"
expect_grep_F 'conn=[] src=[]' "$TRASH/e/steps/01-early.out"
expect_grep '^0$' "$TRASH/e/steps/01-early.out"
expect_grep_F 'tok=[REDACTED]' "$TRASH/e/steps/02-uses.out"
test_done
