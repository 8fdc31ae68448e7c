#!/bin/sh
# Wide cells in bounded memory (issue 21): a cell over one 64 KiB block
# goes to the rows log in blocks straight from libpq's result, never
# copied whole, written exactly as the one-piece path writes a smaller
# cell (jansson's escaping); a secret cut by a block boundary is still
# redacted (every one of 30,000 copies across ~11 blocks); the first cell
# is compared by length and SHA-256 beyond what is kept (a cell of the
# right length and a different last byte fails expect_value). Peak
# memory is measured in bench/pg-result.sh, not here.
. "$(dirname "$0")/lib.sh"
pg_start || { fail "pg_start"; test_done; }
PGPASSWORD=Sx9-secret-Q7; export PGPASSWORD
Y=$(head -c 69999 /dev/zero | tr '\0' y)
{ drill_head wide test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: secret
      sql: {connection: db, query: "SELECT repeat('Sx9-secret-Q7' || 'x', 30000) AS s"}
    - id: esc-small
      sql: {connection: db, query: "SELECT repeat(E'a\"b\\\\\\\\c\\\\nd\\\\te\\\\x01f\\\\u20ac', 4) AS e"}
    - id: esc-big
      sql: {connection: db, query: "SELECT repeat(E'a\"b\\\\\\\\c\\\\nd\\\\te\\\\x01f\\\\u20ac', 20000) AS e"}
    - id: same
      sql: {connection: db, query: "SELECT repeat('y', 69999) || 'y' AS w",
            expect_value: "${Y}y"}
    - id: differs
      sql: {connection: db, query: "SELECT repeat('y', 69999) || 'z' AS w",
            expect_value: "${Y}y"}
EOF
} >"$TRASH/w.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/w.yaml" -o "$TRASH/b"
: >"$ERR" # its last words quote a 70,000-byte value
B=$TRASH/b
st() { jq -r "select(.type==\"step\" and .id==\"$1\") | .status" "$B/journal.jsonl"; }
expect_true "the secret is in no log" test "$(grep -c 'Sx9-secret-Q7' "$B"/steps/* | awk -F: '{ s += $2 } END { print s }')" -eq 0
expect_true "each of its 30,000 copies redacted" test \
	"$(sed -n 2p "$B/steps/01-secret.rows.jsonl" | grep -o '\[REDACTED\]x' | wc -l)" -eq 30000
expect_true "the log's hash is the journal's" test \
	"$(sha256sum "$B/steps/01-secret.rows.jsonl" | cut -d' ' -f1)" = \
	"$(jq -r 'select(.id=="secret") | .rows_log.sha256' "$B/journal.jsonl")"
small=$(sed -n 2p "$B/steps/02-esc-small.rows.jsonl")
big=$(sed -n 2p "$B/steps/03-esc-big.rows.jsonl")
unit=$(printf '%s' "$small" | sed 's/^\["//; s/"\]$//')
expect_true "escaped as jansson escapes a small cell" test "${unit#*\\}" != "$unit"
expect_true "the big cell written the same way" test \
	"$(printf '%s' "$big" | head -c $((${#small} - 2)))" = "$(printf '%s' "$small" | head -c $((${#small} - 2)))"
printf '%s' "$small" | jq -j '.[0]' >"$TRASH/unit"
i=0; while [ $i -lt 5000 ]; do cat "$TRASH/unit"; i=$((i + 1)); done >"$TRASH/want"
printf '%s' "$big" | jq -j '.[0]' >"$TRASH/got"
expect_true "and decodes to the server's value (4 units x 5000)" cmp -s "$TRASH/want" "$TRASH/got"
expect_true "which holds the tab and the control byte" grep -q "$(printf 'd\te\001f')" "$TRASH/unit"
expect_true "expect_value: the same 70,000 bytes pass" test "$(st same)" = passed
expect_true "expect_value: the last byte differs: failed" test "$(st differs)" = failed
expect_exit 0 "$RDRILL" verify "$B"
test_done
