#!/bin/sh
# rdrill run without a database: a passing drill, a failing one (cleanup
# still runs, FAILED report, exit 1), and the bundle's evidence.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"

{ drill_head pass test
cat <<EOF
vars:
  w: $W
phases:
  preflight:
    - {id: hello, run: [echo, "hello from rdrill"]}
  backup:
    - id: make-backup
      shell: mkdir -p \${w}/b && printf 'data' > \${w}/b/one.bin && printf 'more' > \${w}/b/two.bin
  verify_backup:
    - id: sums
      checksum: {dir: "\${w}/b"}
    - id: recheck
      run: [sha256sum, -c, --strict, SHA256SUMS]
      cwd: \${w}/b
    - id: stderr-and-exit
      shell: echo to-stderr >&2; exit 3
      expect_exit: [3]
  cleanup:
    - {id: bye, shell: "echo cleaned > \${w}/cleanup-ran"}
EOF
} >"$TRASH/pass.yaml"

expect_exit 0 "$RDRILL" run "$TRASH/pass.yaml" -o "$TRASH/b1"
expect_grep '^PASSED: ' "$OUT"
B=$TRASH/b1
for f in plan.json journal.jsonl report.md report.html SHA256SUMS \
	steps/01-hello.out steps/01-hello.err steps/05-stderr-and-exit.err; do
	expect_file "$B/$f"
done
expect_grep 'hello from rdrill' "$B/steps/01-hello.out"
expect_grep 'to-stderr' "$B/steps/05-stderr-and-exit.err"
expect_grep '`PASSED`' "$B/report.md"
expect_grep_F 'hello from rdrill' "$B/report.md"
expect_file "$W/cleanup-ran"
expect_true "SHA256SUMS of the backup set checks" sh -c "cd '$W/b' && sha256sum -c --strict SHA256SUMS"
expect_grep "$(sha256sum "$W/b/one.bin" | cut -c1-64)" "$B/report.md"
expect_true "journal: start, preflight, 6 steps, end" test "$(wc -l <"$B/journal.jsonl")" -eq 9
expect_true "journal second record is the preflight, passed" test \
	"$(sed -n 2p "$B/journal.jsonl" | jq -r '.type + " " + .status')" = "preflight passed"
expect_true "journal first record is the start" test \
	"$(head -1 "$B/journal.jsonl" | jq -r .type)" = start
expect_true "journal last record says PASSED" test \
	"$(tail -1 "$B/journal.jsonl" | jq -r .status)" = PASSED
expect_true "exit code recorded" test \
	"$(sed -n 7p "$B/journal.jsonl" | jq -r .exit_code)" = 3
expect_true "bundle SHA256SUMS checks" sh -c "cd '$B' && sha256sum -c --strict SHA256SUMS"
expect_exit 0 "$RDRILL" verify "$B"
expect_grep '^VERIFIED' "$OUT"

# A step fails: the drill stops, cleanup runs, FAILED, exit 1.
rm -f "$W/cleanup-ran"
{ drill_head fail test
cat <<EOF
phases:
  backup:
    - {id: ok-1, run: ["true"]}
    - {id: broken, shell: "echo about to fail; exit 7"}
    - {id: never, shell: "touch $W/never-ran"}
  cleanup:
    - {id: bye, shell: "echo cleaned > $W/cleanup-ran"}
EOF
} >"$TRASH/fail.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/fail.yaml" -o "$TRASH/b2"
expect_grep '^FAILED: ' "$OUT"
expect_grep 'step 2 (broken) failed: exit code: expected 0, got 7' "$ERR"
expect_file "$W/cleanup-ran"
expect_no_file "$W/never-ran"
expect_grep '`FAILED`' "$TRASH/b2/report.md"
expect_grep '`SKIPPED`' "$TRASH/b2/report.md"
expect_grep_F 'about to fail' "$TRASH/b2/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/b2"

# A failed step without checks of its own shows none: not the summary
# table's (Mustache found "checks" up the context stack).
mkdir -p "$W/good"
printf 'x' >"$W/good/one"
{ drill_head failcheck test
cat <<EOF
phases:
  verify_backup:
    - {id: goodsum, checksum: {dir: "$W/good"}}
    - {id: badsum, checksum: {dir: "$W/no-such-dir"}}
EOF
} >"$TRASH/failcheck.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/failcheck.yaml" -o "$TRASH/b2c"
sed -n '/^#### 2\. badsum/,/^#/p' "$TRASH/b2c/report.md" >"$TRASH/badsum.md"
expect_grep '`FAILED`' "$TRASH/badsum.md"
expect_grep 'no-such-dir' "$TRASH/badsum.md"
expect_no_grep 'files hashed' "$TRASH/badsum.md"
sed -n '/^#### 1\. goodsum/,/^#/p' "$TRASH/b2c/report.md" >"$TRASH/goodsum.md"
expect_grep_F '| files hashed | at least 1 | 1 | `PASSED` |' "$TRASH/goodsum.md"

# An absolute output: path is honoured, not joined to dir.
mkdir -p "$W/sums-elsewhere"
{ drill_head abssum test
cat <<EOF
phases:
  verify_backup:
    - {id: abs, checksum: {dir: "$W/good", output: "$W/sums-elsewhere/SUMS"}}
    - {id: recheck, run: [sha256sum, -c, --strict, "$W/sums-elsewhere/SUMS"], cwd: "$W/good"}
EOF
} >"$TRASH/abssum.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/abssum.yaml" -o "$TRASH/b2d"
expect_file "$W/sums-elsewhere/SUMS"
expect_no_file "$W/good/$W"
expect_grep "$(sha256sum "$W/good/one" | cut -c1-64)  one" "$W/sums-elsewhere/SUMS"

# A program that is not there refuses the run at preflight (exit 3).
{ drill_head norun test
cat <<EOF
phases:
  backup:
    - {id: missing, run: [/nonexistent/program, x]}
EOF
} >"$TRASH/norun.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/norun.yaml" -o "$TRASH/b3"
expect_grep 'program /nonexistent/program: not an executable file' "$ERR"
expect_true "journal says why" sh -c "sed -n 2p '$TRASH/b3/journal.jsonl' | jq -r '.problems[0]' | grep -q nonexistent"

# Timeout kills the step.
{ drill_head slow test
cat <<EOF
phases:
  backup:
    - {id: slow, run: [sleep, "30"], timeout: 1s}
EOF
} >"$TRASH/slow.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/slow.yaml" -o "$TRASH/b4"
expect_grep 'timed out after 1s' "$TRASH/b4/report.md"

# Exit 0 is not enough: pg_restore's "errors ignored on restore" in the
# middle of a long output (outside every excerpt) fails the step.
{ drill_head warned test
cat <<'EOF'
phases:
  restore:
    - id: restore-ish
      shell: |
        head -c 300000 /dev/zero | tr '\0' a >&2; echo >&2
        echo 'pg_restore: warning: errors ignored on restore: 2' >&2
        head -c 300000 /dev/zero | tr '\0' b >&2; exit 0
EOF
} >"$TRASH/warned.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/warned.yaml" -o "$TRASH/b5"
expect_grep_F '| errors in output | none | errors ignored on restore: | `FAILED` |' "$TRASH/b5/report.md"
expect_grep '^FAILED: ' "$OUT"
# A step that expects such errors says so, and they stay on the record.
sed 's/^    - id: restore-ish$/    - id: restore-ish\n      allow_stderr_errors: true/' \
	"$TRASH/warned.yaml" >"$TRASH/allowed.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/allowed.yaml" -o "$TRASH/b6"
expect_grep_F '| errors in output | allowed by the drill | errors ignored on restore: | `PASSED` |' "$TRASH/b6/report.md"

# Render again, in the other language, from the journal alone.
# A sealed bundle keeps its report; the other language goes beside it,
# and verify re-renders that one too.
expect_exit 0 "$RDRILL" render "$TRASH/b2" --lang en
expect_grep '^# Test drill fail | `FAILED`' "$TRASH/b2/report.en.md"
expect_file "$TRASH/b2/report.en.html"
expect_exit 0 "$RDRILL" verify "$TRASH/b2"
expect_grep_F 'report.en.md, report.en.html: byte for byte' "$OUT"
echo '<!-- edited -->' >>"$TRASH/b2/report.en.html"
expect_exit 1 "$RDRILL" verify "$TRASH/b2"
expect_grep_F 'FAILED  report.en.html: not what the journal renders to' "$OUT"
test_done
