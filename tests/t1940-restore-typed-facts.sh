#!/bin/sh
# What steps tell later steps (sql results for same_as, the canary row,
# fingerprints) is typed in a run and JSON only in the destroy record
# (issue 22, point 3): the record holds them under "state" in the order
# canary, fingerprints, captures, each as the journal has always had it
# (a capture is the sql step's own "result", byte for byte); and
# `rdrill restore` of a run left NOT RESTORED reads them back, so its
# sql same_as, canary and fingerprint checks compare with what was
# recorded before destroy, and a changed row is still caught. On a real
# PostgreSQL server.
. "$(dirname "$0")/lib.sh"
pg_start || exit 1
W=$TRASH/w
mkdir -p "$W"
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE app' || exit 1
$P app <<'EOF' || exit 1
CREATE TABLE posts (id text PRIMARY KEY, msg text, note text);
INSERT INTO posts SELECT 'p' || g, 'message ' || g, NULL FROM generate_series(1, 50) g;
INSERT INTO posts VALUES ('canary1', 'le canari é "quoted"', NULL);
CREATE SEQUENCE s; SELECT nextval('s');
EOF

PSQL="\"$PG_BIN/psql\", -X, -h, \"$PGHOST\", -p, \"$PGPORT\", -U, postgres"
{ drill_head tf test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
canary:
  connection: db
  table: posts
  key: {id: canary1}
  columns: [msg, note]
phases:
  backup:
    - id: dump
      run: ["$PG_BIN/pg_dump", -h, "$PGHOST", -p, "$PGPORT", -U, postgres,
            -Fc, -f, "$W/app.dump", app]
  verify_backup:
    - {id: dump-ok, files: {path: "$W/app.dump", non_empty: true}}
    - id: q-rows
      sql: {connection: db, query: "SELECT id, msg, note FROM posts ORDER BY id LIMIT 3"}
    - id: q-count
      sql: {connection: db, query: "SELECT count(*) FROM posts", expect_rows: 1}
    - {id: canary-record, canary: record}
    - {id: fp-before, fingerprint: {connection: db}}
  destroy:
    - id: drop-db
      run: [$PSQL, -d, postgres, -c, "DROP DATABASE app"]
  restore:
    - id: gate
      shell: "test ! -e '$W/fail'"
    - id: createdb
      run: [$PSQL, -d, postgres, -c, "CREATE DATABASE app"]
    - id: pg-restore
      run: ["$PG_BIN/pg_restore", -h, "$PGHOST", -p, "$PGPORT", -U, postgres,
            -d, app, "$W/app.dump"]
    - id: tamper
      shell: "if [ -e '$W/tamper' ]; then \"$PG_BIN/psql\" -X -q -h '$PGHOST' -p $PGPORT -U postgres -d app -c \"UPDATE posts SET msg = 'changed' WHERE id = 'p1'\"; fi"
  verify_restore:
    - id: q-rows-after
      sql: {connection: db, query: "SELECT id, msg, note FROM posts ORDER BY id LIMIT 3", same_as: q-rows}
    - id: q-count-after
      sql: {connection: db, query: "SELECT count(*) FROM posts", same_as: q-count}
    - {id: canary-back, canary: present}
    - {id: fp-after, fingerprint: {connection: db, same_as: fp-before}}
EOF
} >"$TRASH/tf.yaml"

# 1. The restore phase fails after destroy: NOT RESTORED, and the destroy
# record holds what the later checks compare with.
touch "$W/fail"
mkdir "$TRASH/r"
expect_exit 1 "$RDRILL" run "$TRASH/tf.yaml" --confirm test -o "$TRASH/r/int"
B=$TRASH/r/int
J=$B/journal.jsonl
expect_true "end record: NOT RESTORED" test \
	"$(jq -r 'select(.type=="end") | .status' "$J")" = "NOT RESTORED"
expect_true "the destroy record's state: canary, fingerprints, captures" test \
	"$(jq -c 'select(.type=="destroy") | .state | keys_unsorted' "$J")" = \
	'["canary","fingerprints","captures"]'
expect_true "captures in the order the steps ran" test \
	"$(jq -c 'select(.type=="destroy") | .state.captures | keys_unsorted' "$J")" = \
	'["q-rows","q-count"]'
for q in q-rows q-count; do
	expect_true "capture $q is the step's result, byte for byte" test \
		"$(jq -c --arg q $q 'select(.type=="destroy") | .state.captures[$q]' "$J")" = \
		"$(jq -c --arg q $q 'select(.id==$q and .type=="step") | .evidence.result' "$J")"
done
expect_true "a NULL cell stays null" test \
	"$(jq -c 'select(.type=="destroy") | .state.captures["q-rows"].rows[0]' "$J")" = \
	'["canary1","le canari é \"quoted\"",null]'
expect_true "the canary as its record step recorded it" test \
	"$(jq -c 'select(.type=="destroy") | .state.canary' "$J")" = \
	"$(jq -c 'select(.id=="canary-record" and .type=="step") | .evidence | {table, key, columns, values, sha256}' "$J")"
expect_true "the canary's NULL column" test \
	"$(jq -c 'select(.type=="destroy") | .state.canary.values' "$J")" = \
	'{"msg":"le canari é \"quoted\"","note":null}'
expect_true "the fingerprint: every table with its digest" test \
	"$(jq -r 'select(.type=="destroy") | .state.fingerprints["fp-before"].tables[0] | [.table, .rows, (.digest | length)] | @tsv' "$J")" = \
	"$(printf 'public.posts\t51\t64')"
expect_true "the fingerprint's sequence" test \
	"$(jq -r 'select(.type=="destroy") | .state.fingerprints["fp-before"].sequences[0].sequence' "$J")" = public.s
expect_exit 0 "$RDRILL" verify "$B"

# 2. rdrill restore: every same_as compares with the interrupted run's.
rm -f "$W/fail"
expect_exit 0 "$RDRILL" restore "$B" --confirm test
expect_grep '^PASSED: ' "$OUT"
R=$(ls -d "$TRASH"/r/*-tf-restore | head -1)
RJ=$R/journal.jsonl
for s in q-rows-after q-count-after canary-back fp-after; do
	expect_true "$s passed" test \
		"$(jq -r --arg s $s 'select(.type=="step" and .id==$s) | .status' "$RJ")" = passed
done
expect_true "same as step q-rows: the 3 rows recorded before destroy" test \
	"$(jq -r 'select(.id=="q-rows-after" and .type=="step") | .checks[0] | [.what, .expected, (.ok | tostring)] | @tsv' "$RJ")" = \
	"$(printf 'same as step q-rows\t3 rows: (canary1, le canari é "quoted", NULL), (p1, message 1, NULL), (p10, message 10, NULL)\ttrue')"
expect_exit 0 "$RDRILL" verify "$R"

# 3. A restore that brings a changed row back: the check against the
# interrupted run's result fails, showing both.
rm -rf "$R"
touch "$W/tamper" "$W/fail"
expect_exit 1 "$RDRILL" run "$TRASH/tf.yaml" --confirm test -o "$TRASH/r/int2"
rm -f "$W/fail"
expect_exit 1 "$RDRILL" restore "$TRASH/r/int2" --confirm test
R=$(ls -d "$TRASH"/r/*-tf-restore | head -1)
RJ=$R/journal.jsonl
expect_true "q-rows-after fails: p1 changed" test \
	"$(jq -r 'select(.type=="step" and .id=="q-rows-after") | .status' "$RJ")" = failed
expect_true "against the row recorded before destroy" test \
	"$(jq -r 'select(.id=="q-rows-after" and .type=="step") | .checks[0] | [.expected, .actual, (.ok | tostring)] | @tsv' "$RJ")" = \
	"$(printf '3 rows: (canary1, le canari é "quoted", NULL), (p1, message 1, NULL), (p10, message 10, NULL)\t3 rows: (canary1, le canari é "quoted", NULL), (p1, changed, NULL), (p10, message 10, NULL)\tfalse')"
expect_exit 0 "$RDRILL" verify "$R"
test_done
