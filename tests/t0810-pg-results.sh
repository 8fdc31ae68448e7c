#!/bin/sh
# Bounded results: an sql step keeps the first rows (100, 64 KiB) in the
# journal with the true row count and the SHA-256 of the whole result,
# which is streamed to steps/NN-id.rows.jsonl (the canonical form, so
# sha256sum of the file is the hash, and verify re-checks it); checks and
# same_as look at the whole result; no journal line exceeds 1 MiB, and a
# journal holding a longer line (300 MB) is reported as damage naming the
# record, not "File too large".
. "$(dirname "$0")/lib.sh"
pg_start || { fail "pg_start"; test_done; }
"$PG_BIN/psql" -X -q -d postgres -c "CREATE TABLE nums (n int PRIMARY KEY);
	INSERT INTO nums SELECT generate_series(1, 5000);" >/dev/null || fail "seed"
jq_step() { # BUNDLE ID FILTER
	jq -r "select(.type == \"step\" and .id == \"$2\") | $3" "$1/journal.jsonl"
}
Y70=$(head -c 70000 /dev/zero | tr '\0' y)

{ drill_head results test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: big
      sql: {connection: db, query: "SELECT n, 'row ' || n AS t FROM nums ORDER BY n",
            expect_rows: 5000, expect_min: 1}
    - id: again
      sql: {connection: db, query: "SELECT n, 'row ' || n AS t FROM nums ORDER BY n",
            same_as: big}
    - id: huge
      sql: {connection: db, query: "SELECT repeat('ab', 1000000) AS big",
            expect_rows: 1}
    - id: wide
      sql: {connection: db, query: "SELECT repeat('y', 70000) AS w",
            expect_value: "$Y70"}
EOF
} >"$TRASH/ok.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/a"
A=$TRASH/a
expect_true "big: 5000 rows counted" test "$(jq_step "$A" big .evidence.result.row_count)" = 5000
expect_true "big: 100 rows kept" test "$(jq_step "$A" big '.evidence.result.rows | length')" = 100
expect_true "big: marked truncated" test "$(jq_step "$A" big .evidence.result.truncated)" = true
expect_true "big: row 100 is the last kept" test "$(jq_step "$A" big '.evidence.result.rows[99][1]')" = "row 100"
log=$A/$(jq_step "$A" big .rows_log.path)
expect_true "big: rows log steps/01-big.rows.jsonl" test "$log" = "$A/steps/01-big.rows.jsonl"
expect_true "big: the log holds every row" test "$(wc -l <"$log")" = 5001
expect_true "big: canonical header line" test "$(head -n 1 "$log")" = '["n","t"]'
expect_true "big: canonical last line" test "$(tail -n 1 "$log")" = '["5000","row 5000"]'
sum=$(sha256sum "$log" | cut -d' ' -f1)
expect_true "big: result sha256 is the log's" test "$(jq_step "$A" big .evidence.result.sha256)" = "$sum"
expect_true "big: rows_log sha256 is the log's" test "$(jq_step "$A" big .rows_log.sha256)" = "$sum"
expect_true "big: rows_log bytes" test "$(jq_step "$A" big .rows_log.bytes)" = "$(wc -c <"$log")"
expect_true "again: same_as passes on the whole result" test "$(jq_step "$A" again .status)" = passed
expect_true "huge: 1 row counted, none kept (over 64 KiB)" test \
	"$(jq_step "$A" huge '[.evidence.result.row_count, (.evidence.result.rows | length)] | @csv')" = "1,0"
expect_true "huge: the log holds the 2 MB value" test "$(wc -c <"$A/steps/03-huge.rows.jsonl")" -gt 2000000
expect_true "wide: expect_value compared with the whole 70 KB cell" test "$(jq_step "$A" wide .status)" = passed
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$A/journal.jsonl")
expect_true "no journal line over 1 MiB ($longest bytes)" test "$longest" -le 1048576
expect_grep_F "Result rows: 5000, SHA-256 \`$sum\`; the whole result: [steps/01-big.rows.jsonl](steps/01-big.rows.jsonl) (the journal keeps 100 of them)." "$A/report.md"
expect_grep_F '<a href="steps/01-big.rows.jsonl">steps/01-big.rows.jsonl</a>' "$A/report.html"
expect_exit 0 "$RDRILL" verify "$A"
# The rows log is evidence like any step log: a changed byte is found.
cp -r "$A" "$TRASH/t"
sed -i 's/"row 4000"/"row 4001"/' "$TRASH/t/steps/01-big.rows.jsonl"
expect_exit 1 "$RDRILL" verify "$TRASH/t"
expect_grep 'FAILED  steps/01-big.rows.jsonl: ' "$OUT"

# same_as sees a difference far past the kept rows.
{ drill_head changed test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: big
      sql: {connection: db, query: "SELECT n, 'row ' || n AS t FROM nums ORDER BY n"}
    - id: changed
      sql: {connection: db, query: "SELECT n, CASE WHEN n = 4000 THEN 'x' ELSE 'row ' || n END AS t FROM nums ORDER BY n",
            same_as: big}
EOF
} >"$TRASH/changed.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/changed.yaml" -o "$TRASH/c"
expect_true "changed: same_as fails" test "$(jq_step "$TRASH/c" changed .status)" = failed
expect_true "changed: the kept rows are equal all the same" test \
	"$(jq_step "$TRASH/c" big .evidence.result.rows | sha256sum)" = "$(jq_step "$TRASH/c" changed .evidence.result.rows | sha256sum)"

# A journal line of 300 MB: damage named, not "File too large".
cp -r "$A" "$TRASH/huge"
{ printf '{"type":"step","x":"'; head -c 314572800 /dev/zero | tr '\0' x; printf '"}\n'; } \
	>>"$TRASH/huge/journal.jsonl"
n=$(wc -l <"$TRASH/huge/journal.jsonl")
expect_exit 1 "$RDRILL" verify "$TRASH/huge"
expect_grep "journal.jsonl:$n: record $((n - 1)) is 314572822 bytes, over the 1048576 bytes (1 MiB)" "$OUT"
expect_no_grep 'too large' "$OUT"
expect_exit 1 "$RDRILL" render "$TRASH/huge"
expect_grep "journal.jsonl:$n: record $((n - 1)) is 314572822 bytes" "$ERR"
rm -rf "$TRASH/huge"

test_done
