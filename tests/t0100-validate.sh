#!/bin/sh
# rdrill validate: good files pass; every bad file fails with exit 2 and
# exactly the golden "file:line:col: what is wrong" message and caret.
. "$(dirname "$0")/lib.sh"
cd "$TOP"

expect_exit 0 "$RDRILL" validate tests/drills/minimal.yaml \
	drills/mattermost-prod.yaml
expect_grep 'minimal.yaml: ok (1 steps)' "$OUT"
[ -f drills/demo.yaml ] && { expect_exit 0 "$RDRILL" validate drills/demo.yaml; }

for f in tests/drills/bad/*.yaml; do
	n=$(basename "$f" .yaml)
	expect_exit 2 "$RDRILL" validate "$f"
	expect_same "tests/golden/validate/$n.err" "$ERR"
done

# One bad file among good ones still fails the whole call.
expect_exit 2 "$RDRILL" validate tests/drills/minimal.yaml \
	tests/drills/bad/dup-key.yaml
expect_grep 'minimal.yaml: ok' "$OUT"

expect_exit 2 "$RDRILL" validate
expect_grep 'no drill file given' "$ERR"
expect_exit 2 "$RDRILL" validate "$TRASH/does-not-exist.yaml"
expect_grep 'cannot read .*does-not-exist.yaml: No such file' "$ERR"
expect_exit 2 "$RDRILL" validate "$TRASH"
expect_grep 'is a directory' "$ERR"
# A name (or any text) with an escape sequence does not reach the terminal raw.
ESC=$(printf '\033')
expect_exit 2 "$RDRILL" validate "$TRASH/no${ESC}[2Jfile.yaml"
expect_no_grep "$ESC" "$ERR"
# ESC is shown by name.
expect_grep_F "cannot read $TRASH/no<U+001B>[2Jfile.yaml" "$ERR"
test_done
