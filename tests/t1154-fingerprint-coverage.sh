#!/bin/sh
# What a fingerprint compares (issue 21), on a real server: a database
# and its pg_dump | pg_restore copy match, and each of these changes to
# the copy is found and named: a never-used sequence restarted (both
# sides "(never used)"), a partition detached, a large object changed
# with lo_put, a materialized view dropped, an enum label added, a
# table's persistence changed (UNLOGGED -> logged); public."a.b" and
# "public.a".b stay two names; and the report names what is not
# compared (views, functions, ...). README: "What a fingerprint compares".
. "$(dirname "$0")/lib.sh"
pg_start || exit 1
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE prod' -c 'CREATE DATABASE base' || exit 1
$P prod <<'EOF' || exit 1
CREATE TABLE items (id serial PRIMARY KEY, name text);
INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 20) g;
CREATE SEQUENCE never_used START 100;
CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE m_2025 PARTITION OF m FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE m_2026 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO m SELECT g, DATE '2025-06-01' + g * 3 FROM generate_series(1, 100) g;
SELECT lo_from_bytea(424242, 'attachment bytes');
CREATE MATERIALIZED VIEW item_names AS SELECT name FROM items WHERE id % 2 = 0;
CREATE MATERIALIZED VIEW never_refreshed AS SELECT 1 AS one WITH NO DATA;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE feelings (who text, m mood);
INSERT INTO feelings VALUES ('a', 'ok'), ('b', 'happy');
CREATE UNLOGGED TABLE cache (k text, v text);
INSERT INTO cache VALUES ('k', 'v');
CREATE TABLE public."a.b" (x int);
INSERT INTO public."a.b" VALUES (1);
CREATE SCHEMA "public.a";
CREATE TABLE "public.a".b (x int);
INSERT INTO "public.a".b VALUES (1);
CREATE VIEW item_view AS SELECT id FROM items;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
EOF
"$PG_BIN/pg_dump" -Fc -f "$TRASH/prod.dump" prod || exit 1
"$PG_BIN/pg_restore" -d base "$TRASH/prod.dump" || exit 1

fresh_copy() {
	$P postgres -c 'DROP DATABASE IF EXISTS copy' \
		-c 'CREATE DATABASE copy TEMPLATE base' >/dev/null 2>&1
}

{ drill_head fp test
cat <<EOF
connections:
  prod: {host: "$PGHOST", port: $PGPORT, dbname: prod, user: postgres}
  copy: {host: "$PGHOST", port: $PGPORT, dbname: copy, user: postgres}
phases:
  verify_backup:
    - id: fp-prod
      fingerprint: {connection: prod}
  verify_restore:
    - id: fp-copy
      fingerprint: {connection: copy, same_as: fp-prod}
EOF
} >"$TRASH/fp.yaml"

J=journal.jsonl
checks() { jq -r 'select(.id=="fp-copy") | .checks[] | "\(.ok) \(.what): \(.actual)"' "$1/$J"; }

# 1. A faithful copy matches, with everything above read.
fresh_copy
expect_exit 0 "$RDRILL" run "$TRASH/fp.yaml" -o "$TRASH/b-same"
B=$TRASH/b-same
R=$B/report.md
tables() { jq -r 'select(.id=="fp-copy") | .evidence.tables[].table' "$B/$J"; }
tables >"$TRASH/tables"
for t in 'public."a.b"' '"public.a".b' 'public.m_2025' 'public.m_2026' \
	'public.item_names' 'public.never_refreshed' 'public.cache' \
	'(large objects)' '(enum types)'; do
	expect_true "fingerprinted: $t" grep -qxF "$t" "$TRASH/tables"
done
expect_grep_F '| public.never_used | (never used) | identical |' "$B/steps/02-fp-copy.tables.md"
expect_grep_F '**Not compared**: 1 views: their definitions are not compared; 1 partitioned tables: read through their partitions' "$R"
expect_grep_F '1 functions and procedures: not compared' "$R"
expect_grep_F 'privileges, ownership, comments, extensions and roles: not compared' "$R"
expect_exit 0 "$RDRILL" verify "$B"

# mutate NAME SQL EXPECTED-CHECK-LINE: the copy, changed, fails and says so.
mutate() {
	fresh_copy
	$P copy -c "$2" >/dev/null || { fail "mutation $1 failed to apply"; return; }
	expect_exit 1 "$RDRILL" run "$TRASH/fp.yaml" -o "$TRASH/b-$1"
	checks "$TRASH/b-$1" >"$TRASH/c-$1"
	expect_grep_F "$3" "$TRASH/c-$1"
}
mutate restarted "ALTER SEQUENCE never_used RESTART WITH 500" \
	'false sequence public.never_used: value (never used), but state bigint start 100 increment 1 min 1 max 9223372036854775807 cache 1 cycle f; last_value 100 is_called false → bigint start 100 increment 1 min 1 max 9223372036854775807 cache 1 cycle f; last_value 500 is_called false'
mutate detached "ALTER TABLE m DETACH PARTITION m_2026" \
	'false table public.m_2026: schema changed (columns)'
mutate lo-put "SELECT lo_put(424242, 0, 'X')" \
	'false table (large objects): contents changed'
mutate lo-unlink "SELECT lo_unlink(424242)" \
	'false table (large objects): table missing (had 1 rows)'
mutate matview "DROP MATERIALIZED VIEW item_names" \
	'false table public.item_names: table missing (had 10 rows)'
mutate refreshed "REFRESH MATERIALIZED VIEW never_refreshed" \
	'false table public.never_refreshed: rows 0 → 1, contents changed, schema changed (columns)'
mutate enum "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'" \
	'false table (enum types): rows 3 → 4, contents changed'
mutate logged "ALTER TABLE cache SET LOGGED" \
	'false table public.cache: schema changed (columns)'
mutate dotted "UPDATE \"public.a\".b SET x = 2" \
	'false table "public.a".b: contents changed'
expect_no_grep 'public."a.b"' "$TRASH/c-dotted"

# A whole-database entry is named exactly in may_differ and exclude.
sed 's|same_as: fp-prod}|same_as: fp-prod, may_differ: {"(large objects)": the app rewrites them}}|' \
	"$TRASH/fp.yaml" >"$TRASH/fp-may.yaml"
fresh_copy
$P copy -c "SELECT lo_put(424242, 0, 'X')" >/dev/null
expect_exit 0 "$RDRILL" run "$TRASH/fp-may.yaml" -o "$TRASH/b-may"
expect_grep_F '(may differ: the app rewrites them)' "$TRASH/b-may/report.md"
sed 's|fingerprint: {connection: prod}|fingerprint: {connection: prod, exclude: {"(large objects)": not ours}}|; s|same_as: fp-prod}|same_as: fp-prod, exclude: {"(large objects)": not ours}}|' \
	"$TRASH/fp.yaml" >"$TRASH/fp-excl.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/fp-excl.yaml" -o "$TRASH/b-excl"
expect_grep_F 'excluded: not ours' "$TRASH/b-excl/report.md"
test_done
