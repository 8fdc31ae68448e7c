#!/bin/sh
# rdrill init (issue 20, point 7): the starter drill it writes validates
# and, pointed at a throwaway cluster (libpq's PGHOST/PGPORT/PGUSER),
# passes unedited: pg_dump -> checks -> dropdb -> pg_restore -> the
# restored database's fingerprint equals the dumped one's.
. "$(dirname "$0")/lib.sh"
cd "$TRASH" || exit 1
pg_start || exit 1

expect_exit 0 "$RDRILL" init drill.yaml
expect_file drill.yaml
expect_grep '^# A restore drill' drill.yaml
expect_exit 0 "$RDRILL" validate drill.yaml
expect_grep '^drill.yaml: ok (10 steps)$' "$OUT"
# Never over a file that exists, unless asked.
cp drill.yaml keep.yaml
echo "# mine" >>drill.yaml
expect_exit 3 "$RDRILL" init drill.yaml
expect_grep 'drill.yaml exists; --force replaces it' "$ERR"
expect_grep '^# mine$' drill.yaml
expect_exit 0 "$RDRILL" init drill.yaml --force
expect_same keep.yaml drill.yaml
expect_exit 2 "$RDRILL" init

# Something to restore: two tables, a sequence, rows.
createdb scratch >"$OUT" 2>&1 || fail "createdb"
psql -X -q -d scratch -v ON_ERROR_STOP=1 >/dev/null 2>&1 <<'SQL' || fail "seed"
CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO accounts (name) SELECT 'user ' || g FROM generate_series(1, 500) g;
CREATE TABLE events (id bigint, at timestamptz, what text);
INSERT INTO events SELECT g, now(), md5(g::text) FROM generate_series(1, 2000) g;
SQL

expect_exit 0 "$RDRILL" plan drill.yaml --var db=scratch -o "$TRASH/plan"
expect_exit 0 "$RDRILL" run drill.yaml --var db=scratch --confirm test -o "$TRASH/run"
expect_grep '^PASSED: ' "$OUT"
expect_true "restored: 500 accounts" test \
	"$(psql -X -At -d scratch -c 'SELECT count(*) FROM accounts')" = 500
expect_true "fingerprint step compared and matched" test \
	"$(jq -r 'select(.id == "fp-after") | .status' "$TRASH/run/journal.jsonl")" = passed
expect_exit 0 "$RDRILL" verify "$TRASH/run"
test_done
