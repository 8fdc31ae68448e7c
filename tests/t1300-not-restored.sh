#!/bin/sh
# A run that ends after destroy began and before its restore verified is
# NOT RESTORED (issue 20, point 1): SIGINT in the restore phase and
# kill -9 then render -> exit 1, NOT RESTORED in the terminal's last
# block and first on page 1, the steps left as pasteable commands with
# secrets by name; `rdrill restore` of that bundle restores, checks the
# canary and fingerprint recorded before destroy, PASSES, names the
# interrupted bundle and its chain head, and history links the pair
# both ways. On a real PostgreSQL server.
. "$(dirname "$0")/lib.sh"
pg_start || exit 1
W=$TRASH/w
mkdir -p "$W"
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE app' || exit 1
$P app <<'EOF' || exit 1
CREATE TABLE posts (id text PRIMARY KEY, msg text);
INSERT INTO posts SELECT 'p' || g, 'message ' || g FROM generate_series(1, 100) g;
INSERT INTO posts VALUES ('canary1', 'the canary');
EOF
export NR_SECRET_PW=not-a-real-password

PSQL="\"$PG_BIN/psql\", -X, -h, \"$PGHOST\", -p, \"$PGPORT\", -U, postgres"
{ drill_head nr test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
canary:
  connection: db
  table: posts
  key: {id: canary1}
  columns: [msg]
phases:
  backup:
    - id: dump
      run: ["$PG_BIN/pg_dump", -h, "$PGHOST", -p, "$PGPORT", -U, postgres,
            -Fc, -f, "$W/app.dump", app]
  verify_backup:
    - {id: dump-ok, files: {path: "$W/app.dump", non_empty: true}}
    - {id: canary-record, canary: record}
    - {id: fp-before, fingerprint: {connection: db}}
  destroy:
    - id: drop-db
      run: [$PSQL, -d, postgres, -c, "DROP DATABASE app"]
  restore:
    - id: hold
      shell: "if [ -e '$W/hold' ]; then echo \$\$ >'$W/sleep.pid'; touch '$W/in-restore'; exec sleep 61; fi"
    - id: createdb
      run: [$PSQL, -d, postgres, -c, "CREATE DATABASE app"]
    - id: pg-restore
      run: ["$PG_BIN/pg_restore", -h, "$PGHOST", -p, "$PGPORT", -U, postgres,
            -d, app, "$W/app.dump"]
      secret_env: {PGPASSWORD: NR_SECRET_PW}
  verify_restore:
    - {id: canary-back, canary: present}
    - {id: fp-after, fingerprint: {connection: db, same_as: fp-before}}
EOF
} >"$TRASH/nr.yaml"

# wait_for FILE: until the step writes FILE, or rdrill ($pid) has ended
# (no time bound: a loaded machine may take long to get there).
wait_for() {
	while [ ! -e "$1" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}
# The step's sleep, by its pid (never by name: another run's is not ours).
kill_sleep() {
	[ -s "$W/sleep.pid" ] && kill "$(cat "$W/sleep.pid")" 2>/dev/null
	rm -f "$W/sleep.pid"
}
app_gone() { ! $P app -c 'SELECT 1' >/dev/null 2>&1; }

# 1. SIGINT in the restore phase: the database is gone, and the run says so.
touch "$W/hold"
mkdir "$TRASH/r"
"$RDRILL" run "$TRASH/nr.yaml" --confirm test -o "$TRASH/r/int" \
	>"$TRASH/int.out" 2>"$TRASH/int.err" &
pid=$!
wait_for "$W/in-restore"
kill -INT $pid
wait $pid
rc=$?
expect_true "SIGINT after destroy: exit 1" test $rc -eq 1
expect_true "the database really is gone" app_gone
expect_grep '^NOT RESTORED: ' "$TRASH/int.out"
# The terminal's last block is NOT RESTORED's, with the way back.
awk '/^== /{b=""} {b=b $0 "\n"} END{printf "%s", b}' "$TRASH/int.err" >"$TRASH/int.last"
expect_grep '^== NOT RESTORED: the system was left destroyed ==$' "$TRASH/int.last"
expect_grep_F "rdrill restore --confirm test $TRASH/r/int" "$TRASH/int.last"
expect_grep_F "Step 5 (drop-db) began destroying it" "$TRASH/int.last"
expect_grep_F "8. pg-restore (restore, not run)" "$TRASH/int.last"
expect_grep_F 'PGPASSWORD="$NR_SECRET_PW"' "$TRASH/int.last"
expect_no_grep 'not-a-real-password' "$TRASH/int.err"
expect_grep_F "9. canary-back (verify_restore, not run)" "$TRASH/int.last"
expect_grep_F "6. hold (restore, aborted)" "$TRASH/int.last"
expect_grep '^== rdrill: NOT RESTORED ==$' "$TRASH/int.err"
expect_grep_F "  verify:  rdrill verify $TRASH/r/int" "$TRASH/int.err"
# Page 1: the title, then the NOT RESTORED block first in the summary.
B=$TRASH/r/int
expect_grep '^# .*`NOT RESTORED`$' "$B/report.md"
expect_true "NOT RESTORED is page 1's first block" sh -c \
	"sed -n '/^## Summary/,/^\*\*Verdict/p' '$B/report.md' | sed -n 3p | grep -q '^> \*\*\`NOT RESTORED\`: the system was left destroyed'"
expect_grep_F 'PGPASSWORD="$NR_SECRET_PW"' "$B/report.md"
expect_grep_F "\`rdrill restore --confirm test int\`" "$B/report.md"
expect_grep_F '**Verdict**: `NOT RESTORED`: the system was destroyed' "$B/report.md"
expect_grep_F '<code class="st st-not-restored">NOT RESTORED</code>' "$B/report.html"
expect_true "end record: NOT RESTORED" test \
	"$(jq -r 'select(.type=="end") | .status' "$B/journal.jsonl")" = "NOT RESTORED"
expect_exit 0 "$RDRILL" verify "$B"
expect_exit 0 "$RDRILL" render "$B" --lang zh-CN
expect_grep_F '**`NOT RESTORED`：系统处于被破坏状态，尚未恢复。**' "$B/report.zh-CN.md"
expect_grep_F '> - 步骤 8（pg-restore，restore，未执行）：`PGPASSWORD="$NR_SECRET_PW" ' "$B/report.zh-CN.md"
expect_grep_F '> - 步骤 6（hold，restore，被中止）：' "$B/report.zh-CN.md"

# 2. rdrill restore: the same plan from the restore phase, against the
# canary and fingerprint from before destroy -> PASSED.
rm -f "$W/hold" "$W/in-restore"
expect_exit 3 "$RDRILL" restore "$B"
expect_grep "run it with --confirm test" "$ERR"
expect_true "no bundle made" sh -c "! ls -d '$TRASH'/r/*-restore"
expect_exit 0 "$RDRILL" restore "$B" --confirm test
expect_grep '^PASSED: ' "$OUT"
R=$(ls -d "$TRASH"/r/*-nr-restore | head -1)
expect_true "the restore's bundle is beside the interrupted one" test -d "$R"
expect_true "the database is back" $P app -c 'SELECT 1'
J=$R/journal.jsonl
expect_true "names the interrupted bundle" test \
	"$(jq -r 'select(.type=="start") | .context.resumes.bundle' "$J")" = int
HEAD=$(tail -n 1 "$B/journal.jsonl" | tr -d '\n' | sha256sum | cut -c1-64)
expect_true "and its chain head" test \
	"$(jq -r 'select(.type=="start") | .context.resumes.chain_head' "$J")" = "$HEAD"
expect_true "same plan hash" test \
	"$(jq -r 'select(.type=="start") | .plan.plan_hash' "$J")" = \
	"$(jq -r 'select(.type=="start") | .plan.plan_hash' "$B/journal.jsonl")"
expect_true "steps before restore are not run again" test \
	"$(jq -r 'select(.type=="step" and .id=="drop-db") | .status' "$J")" = skipped
expect_true "the canary compared against the row recorded before destroy" test \
	"$(jq -r 'select(.id=="canary-back") | .status' "$J")" = passed
expect_true "the fingerprint compared against fp-before" test \
	"$(jq -r 'select(.id=="fp-after") | .evidence.same_as' "$J")" = fp-before
expect_grep_F 'this run finishes the restore that bundle `int` left undone' "$R/report.md"
expect_grep_F "$HEAD" "$R/report.md"
expect_no_grep "its condition () was false" "$R/report.md"
expect_exit 0 "$RDRILL" verify "$R"
# Not twice: a bundle that is not NOT RESTORED has nothing to restore.
expect_exit 3 "$RDRILL" restore "$R" --confirm test
expect_grep 'nothing to restore' "$ERR"

# History: the pair, linked both ways.
mkdir "$TRASH/h"
expect_exit 0 "$RDRILL" history "$TRASH/r" -o "$TRASH/h"
expect_grep_F "\`NOT RESTORED\` (restored by \`$(basename "$R")\`)" "$TRASH/h/history.md"
expect_grep_F '`PASSED` (restores `int`)' "$TRASH/h/history.md"
# Metrics: the latest run restored, so 0; the interrupted run alone, 1.
expect_exit 0 "$RDRILL" history "$TRASH/r" -o "$TRASH/h" --prom "$TRASH/h/m.prom"
expect_grep '^rdrill_not_restored{drill="nr",environment="test"} 0.000$' "$TRASH/h/m.prom"
mkdir "$TRASH/alone" && cp -r "$B" "$TRASH/alone/"
# (no passed run: OVERDUE, whatever exit code history gives that)
"$RDRILL" history "$TRASH/alone" -o "$TRASH/h" --prom "$TRASH/h/m1.prom" >/dev/null 2>&1
expect_grep '^rdrill_not_restored{drill="nr",environment="test"} 1.000$' "$TRASH/h/m1.prom"
expect_grep_F '| `NOT RESTORED` |' "$TRASH/h/history.md"

# 3. kill -9 in the restore phase, then render: NOT RESTORED too. Its
# restore interrupted in turn is NOT RESTORED, and restoring that one
# still compares against the first run's evidence from before destroy.
$P postgres -c 'DROP DATABASE IF EXISTS app' -c 'CREATE DATABASE app' >/dev/null
"$PG_BIN/pg_restore" -d app "$W/app.dump" || fail "re-seed"
touch "$W/hold"
mkdir "$TRASH/kk"
K=$TRASH/kk/k
"$RDRILL" run "$TRASH/nr.yaml" --confirm test -o "$K" >/dev/null 2>&1 &
pid=$!
wait_for "$W/in-restore"
kill -KILL $pid
wait $pid 2>/dev/null
kill_sleep
expect_no_file "$K/SEAL"
expect_exit 3 "$RDRILL" restore "$K" --confirm test
expect_grep 'run rdrill render' "$ERR"
expect_exit 0 "$RDRILL" render "$K"
expect_grep '^# .*`NOT RESTORED`$' "$K/report.md"
expect_grep_F 'The journal ends without an end record: the run was killed.' "$K/report.md"
expect_grep_F '> **`NOT RESTORED`: the system was left destroyed.**' "$K/report.md"
rm -f "$W/in-restore"
"$RDRILL" restore "$K" --confirm test -o "$TRASH/kk/k1" >"$TRASH/k1.out" 2>&1 &
pid=$!
wait_for "$W/in-restore"
kill -INT $pid
wait $pid
rc=$?
expect_true "the restore interrupted: exit 1" test $rc -eq 1
expect_grep '^NOT RESTORED: ' "$TRASH/k1.out"
expect_true "it carries the destroy record, from k" test \
	"$(jq -r 'select(.type=="destroy") | .from_bundle' "$TRASH/kk/k1/journal.jsonl")" = "$K"
rm -f "$W/hold"
expect_exit 0 "$RDRILL" restore "$TRASH/kk/k1" --confirm test -o "$TRASH/kk/k2"
expect_grep '^PASSED: ' "$OUT"
expect_true "the canary compared against k's row from before destroy" test \
	"$(jq -r 'select(.id=="canary-back") | .status' "$TRASH/kk/k2/journal.jsonl")" = passed
mkdir "$TRASH/hk"
expect_exit 0 "$RDRILL" history "$TRASH/kk" -o "$TRASH/hk"
expect_grep_F '`NOT RESTORED` (restored by `k1`)' "$TRASH/hk/history.md"
expect_grep_F '`NOT RESTORED` (restores `k`; restored by `k2`)' "$TRASH/hk/history.md"
expect_grep_F '`PASSED` (restores `k1`)' "$TRASH/hk/history.md"

# 4. kill -9 inside the destroy step itself: no step record of it yet,
# but the "destroy" record journaled before it says destroy began.
{ drill_head nrk test
cat <<EOF
phases:
  backup:
    - {id: b, run: ["true"]}
  verify_backup:
    - {id: vb, run: ["true"]}
  destroy:
    - {id: wipe, shell: "echo \$\$ >'$W/sleep.pid'; touch '$W/in-destroy'; exec sleep 62"}
  restore:
    - {id: back, run: ["true"]}
  verify_restore:
    - {id: vr, run: ["true"]}
EOF
} >"$TRASH/nrk.yaml"
"$RDRILL" run "$TRASH/nrk.yaml" --confirm test -o "$TRASH/kd" >/dev/null 2>&1 &
pid=$!
wait_for "$W/in-destroy"
kill -KILL $pid
wait $pid 2>/dev/null
kill_sleep
expect_true "no record of the destroy step itself" test \
	"$(jq -r 'select(.type=="step" and .id=="wipe")' "$TRASH/kd/journal.jsonl" | wc -c)" -eq 0
expect_exit 0 "$RDRILL" render "$TRASH/kd"
expect_grep '^# .*`NOT RESTORED`$' "$TRASH/kd/report.md"
expect_grep_F 'Step 3 (wipe) began destroying it' "$TRASH/kd/report.md"
expect_grep_F '- Step 4 (back, restore, not run): `true`' "$TRASH/kd/report.md"

# 5. A scheduled backup's placeholder in a step left to run is the file
# the run picked, pasteable.
mkdir -p "$W/sched/2026-12-01"
echo dump >"$W/sched/2026-12-01/app.dump"
cat >"$TRASH/sch.yaml" <<EOF
rdrill: 1
id: nrs
title: Test drill nrs
system: test
environment: test
objective: test
targets: {rto: 10m, rpo: 30d}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db],
     scheduled: "$W/sched/*/app.dump"}
phases:
  verify_backup:
    - {id: vb, run: [test, -s, "\${backup.db.path}"]}
  destroy:
    - {id: wipe, run: ["true"]}
  restore:
    - {id: back, run: ["false"]}
    - {id: load, run: [cat, "\${backup.db.path}"]}
  verify_restore:
    - {id: vr, run: ["true"]}
EOF
expect_exit 1 "$RDRILL" run "$TRASH/sch.yaml" --confirm test -o "$TRASH/sch"
expect_grep '^NOT RESTORED: ' "$OUT"
expect_grep_F "4. load (restore, not run)" "$ERR"
expect_grep_F "\$ cat '$W/sched/2026-12-01/app.dump'" "$ERR"
expect_grep_F "- Step 4 (load, restore, not run): \`cat '$W/sched/2026-12-01/app.dump'\`" "$TRASH/sch/report.md"
grep '^> ' "$TRASH/sch/report.md" >"$TRASH/sch.block"
expect_no_grep 'backup\.db\.path' "$TRASH/sch.block"

test_done
