#!/bin/sh
# A fingerprint's per-table listing does not grow with the database
# (issue 20, point 9), on a real server: 60 tables, 25 of them changed
# in the copy, one declared to differ, one excluded. The report lists
# every table that is not identical (all 25 changed ones, none cut),
# the declared and the excluded one, says how many matched, and links
# steps/NN-ID.tables.md, which holds every table and sequence with its
# full digests; verify re-hashes that file (a changed byte fails it);
# the zh-CN report says the same in Chinese.
. "$(dirname "$0")/lib.sh"
pg_start || exit 1
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE prod' || exit 1
i=1
while [ $i -le 60 ]; do
	echo "CREATE TABLE t$i (id serial PRIMARY KEY, name text);"
	echo "INSERT INTO t$i (name) SELECT 'n' || g FROM generate_series(1, $i) g;"
	i=$((i + 1))
done | $P prod || exit 1
$P postgres -c 'CREATE DATABASE copy TEMPLATE prod' || exit 1
# t1 .. t25 changed; t26 declared to differ (changed too); t27 excluded.
i=1
while [ $i -le 26 ]; do
	echo "UPDATE t$i SET name = name || 'x' WHERE id = 1;"
	i=$((i + 1))
done | $P copy || exit 1

{ drill_head fplist test
cat <<EOF
connections:
  prod: {host: "$PGHOST", port: $PGPORT, dbname: prod, user: postgres}
  copy: {host: "$PGHOST", port: $PGPORT, dbname: copy, user: postgres}
phases:
  verify_backup:
    - id: fp-prod
      fingerprint: {connection: prod, exclude: {t27: rebuilt nightly}}
  verify_restore:
    - id: fp-copy
      fingerprint:
        connection: copy
        same_as: fp-prod
        exclude: {t27: rebuilt nightly}
        may_differ: {public.t26: the job writes to it}
EOF
} >"$TRASH/fp.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/fp.yaml" --lang en -o "$TRASH/b"
B=$TRASH/b
M=$B/report.md
F=$B/steps/02-fp-copy.tables.md

# Every changed table is a row of the report, none left out.
missing=0 i=1
while [ $i -le 25 ]; do
	grep -qF "| public.t$i | $i | \`" "$M" || { echo "# t$i not listed" >&2; missing=$((missing + 1)); }
	i=$((i + 1))
done
expect_true "the report lists all 25 changed tables ($missing missing)" test "$missing" -eq 0
expect_true "25 rows say contents changed" test \
	"$(grep -c '^| public\.t[0-9]* | [0-9]* | `[0-9a-f]*` | `[0-9a-f]*` | contents changed |$' "$M")" -eq 25
expect_grep_F '| public.t26 | 26 | `' "$M"
expect_grep_F '(may differ: the job writes to it)' "$M"
expect_grep_F '| public.t27 | — | `—` | `—` | excluded: rebuilt nightly |' "$M"
# Identical tables are counted, not listed.
expect_no_grep '^| public\.t\(28\|45\|60\) |' "$M"
expect_no_grep '^| public\.t[0-9]*_id_seq |' "$M"
expect_grep_F '33 of 59 tables and 59 of 59 sequences identical to step fp-prod' "$M"
expect_grep_F '[steps/02-fp-copy.tables.md](steps/02-fp-copy.tables.md)' "$M"
expect_grep_F '[steps/01-fp-prod.tables.md](steps/01-fp-prod.tables.md)' "$M"
expect_grep_F '<a href="steps/02-fp-copy.tables.md">' "$B/report.html"

# The file holds every table and sequence, full digests, and the match.
expect_file "$F"
expect_true "the file has 59 read tables with 64-hex digests" test \
	"$(grep -c '^| public\.t[0-9]* | [0-9]* | `[0-9a-f]\{64\}` | `[0-9a-f]\{64\}` | ' "$F")" -eq 59
expect_grep_F '| public.t27 | — | `—` | `—` | excluded: rebuilt nightly |' "$F"
expect_grep_F '| public.t45 | 45 | `' "$F"
expect_grep '^| public\.t45 | 45 | .* | identical |$' "$F"
expect_grep '^| public\.t3 | 3 | .* | contents changed |$' "$F"
expect_true "the file has 59 sequences (t27's is excluded with it)" test \
	"$(grep -c '^| public\.t[0-9]*_id_seq | [0-9]* | identical |$' "$F")" -eq 59
expect_true "the record names the file with its SHA-256" sh -c \
	"jq -r 'select(.id==\"fp-copy\") | .tables_file.sha256' '$B/journal.jsonl' | grep -qx \"\$(sha256sum '$F' | cut -c1-64)\""
expect_grep '^steps/02-fp-copy.tables.md\|  steps/02-fp-copy.tables.md$' "$B/SHA256SUMS"

# Sealed with the rest: verify re-hashes it; one byte changed fails.
expect_exit 0 "$RDRILL" verify "$B"
cp -a "$B" "$TRASH/t"
sed -i 's/| identical |$/| identicaL |/' "$TRASH/t/steps/02-fp-copy.tables.md"
expect_exit 1 "$RDRILL" verify "$TRASH/t"
expect_grep_F 'steps/02-fp-copy.tables.md' "$OUT"

# The same in Chinese.
expect_exit 0 "$RDRILL" render "$B" --lang zh-CN
Z=$B/report.zh-CN.md
expect_grep_F '59 张表中 33 张、59 个序列中 59 个与步骤 fp-prod 一致' "$Z"
expect_grep_F '**全部表与序列**（行数、完整摘要、比对）：[steps/02-fp-copy.tables.md](steps/02-fp-copy.tables.md)' "$Z"
expect_no_grep 'identical to step\|Every table and sequence' "$Z"
test_done
