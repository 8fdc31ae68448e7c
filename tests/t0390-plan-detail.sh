#!/bin/sh
# A plan the approver can judge: each step's target (connection, never a
# password), the exact SQL of sql and canary steps, run_as, timeout,
# when; a prerequisites list; the last run's duration.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
export MM_DB_PASSWORD="pw-$$-do-not-print"
expect_exit 0 "$RDRILL" plan drills/mattermost-prod.yaml -o "$TRASH/p1"
P=$OUT
expect_grep_F '(connection mm: database mattermost on 127.0.0.1:5432 as user mmuser (password from $MM_DB_PASSWORD))' "$P"
expect_grep_F '(SQL, in a read-only transaction: SELECT count(*) FROM posts WHERE deleteat = 0)' "$P"
expect_grep_F "(SQL: DELETE FROM \"posts\" WHERE \"id\" = \$1  -- \$1 = 'f3xk1zq9ejfh8bq7w5tqz3r6uc' (in a transaction, rolled back unless exactly 1 row))" "$P"
expect_grep_F '(SQL: SELECT "channelid", "message", "createat" FROM "posts" WHERE "id" = $1' "$P"
expect_grep_F '(timeout 1h)' "$P"
expect_grep_F '(in container mm-db)' "$P"
expect_grep_F '(the compose project in /home/ratio/mattermost/environments/prod)' "$P"
expect_grep_F '- 容器 mm-db' "$TRASH/p1/report.md"
expect_grep_F '(only if step pg-dump ran)' "$P"
expect_grep_F 'prerequisites (checked before step 1):' "$P"
expect_grep '^  programs .*sudo, docker, ' "$P"
expect_grep '^  environment  MM_DB_PASSWORD$' "$P"
expect_grep '^last run: none found in ' "$P"
expect_no_grep "pw-$$-do-not-print" "$P"
expect_no_grep "pw-$$-do-not-print" "$TRASH/p1/report.md"
expect_no_grep "pw-$$-do-not-print" "$TRASH/p1/plan.json"
expect_grep_F "DELETE FROM \"posts\" WHERE \"id\" = \$1  -- \$1 = 'f3xk1zq9ejfh8bq7w5tqz3r6uc'" "$TRASH/p1/report.md"

# run_as, a key value with a quote, a timeout in minutes.
W=$TRASH/w
mkdir -p "$W/runs"
{ drill_head detail test
cat <<EOF
connections:
  app: {host: /tmp, dbname: app, user: auditor}
canary: {connection: app, table: public.posts, key: {id: "it's-1"}, columns: [message]}
phases:
  backup:
    - {id: who, run: ["true"], run_as: root, timeout: 5m}
    - {id: sleepy, run: [sleep, "1"]}
  verify_backup:
    - {id: rec, canary: record}
EOF
} >"$TRASH/detail.yaml"
expect_exit 0 "$RDRILL" plan "$TRASH/detail.yaml" -o "$W/runs/p1"
expect_grep_F '(as user root)' "$OUT"
expect_grep_F '(timeout 5m)' "$OUT"
expect_grep_F "FROM \"public\".\"posts\" WHERE \"id\" = \$1  -- \$1 = 'it''s-1'" "$OUT"
expect_grep_F '(connection app: database app on /tmp as user auditor)' "$OUT"
expect_grep '^  run_as users root$' "$OUT"
expect_grep "^last run: none found in $W/runs\$" "$OUT"

# After a run of the same drill, the plan says how long it took.
sed '/canary/d; /verify_backup/d; /id: rec/d' "$TRASH/detail.yaml" >"$TRASH/detail2.yaml"
sed -i 's/run_as: root, //' "$TRASH/detail2.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/detail2.yaml" -o "$W/runs/r1"
expect_exit 0 "$RDRILL" plan "$TRASH/detail2.yaml" -o "$W/runs/p2"
expect_grep "^last run: [1-9][0-9]*\.[0-9][0-9][0-9]s, PASSED ($W/runs/r1)\$" "$OUT"
test_done
