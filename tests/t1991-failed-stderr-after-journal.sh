#!/bin/sh
# A failed step's stderr lines on the terminal are those its record was
# journaled with: the journal's redaction may rewrite the record's
# excerpt in place (a secret the excerpt spells only once its bytes that
# are not UTF-8 became U+FFFD), so what the runner shows is read after
# it, never through a pointer into the text replaced (use after free:
# the terminal got freed bytes instead of the excerpt).
. "$(dirname "$0")/lib.sh"

{ drill_head sfail test
cat <<'EOF2'
phases:
  backup:
    - id: bad
      shell: "printf 'before p\\377w-secret-xyz after\\n' >&2; exit 1"
EOF2
} >"$TRASH/d.yaml"

# The secret holds U+FFFD; the step prints \377 where it stands.
PGPASSWORD=$(printf 'p\357\277\275w-secret-xyz')
export PGPASSWORD
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/b"
expect_grep_F 'stderr, last lines (the whole log:' "$ERR"
expect_grep_F 'before [REDACTED] after' "$ERR"
expect_grep_F '"head":"before [REDACTED] after' "$TRASH/b/journal.jsonl"
expect_exit 0 "$RDRILL" verify "$TRASH/b"
test_done
