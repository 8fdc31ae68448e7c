#!/bin/sh
# Every libpq call has the step's deadline: a COMMIT waiting for a
# synchronous standby that does not exist, pg_sleep, a row lock held by
# another session, and a "server" that accepts and never answers all end
# the step FAILED at its timeout, naming what was waited for, with the
# backend's query cancelled; SIGTERM during a long sql step ends the run
# ABORTED within the grace period, the query cancelled too.
. "$(dirname "$0")/lib.sh"
HANG=$TOP/${B:-build}/hang-listen
[ -x "$HANG" ] || { fail "no $HANG (make ${B:-build}/hang-listen)"; test_done; }
pg_start || { fail "pg_start"; test_done; }
psql_q() { "$PG_BIN/psql" -X -q -At -d postgres -c "$1"; }
psql_q "CREATE TABLE posts (id text PRIMARY KEY, message text);
	INSERT INTO posts VALUES ('c1', 'canary'), ('c2', 'other');" >/dev/null ||
	fail "seed"

# Seconds since the epoch, with decimals (date +%s.%N is GNU, as here).
now() { date +%s.%N; }
# The bounds below are against a hang (the queries sleep 30 s and more,
# the hung server never answers), with room for a loaded machine: they
# are not timing assertions (issue 21).
elapsed_lt() { # START MAX: now - START < MAX
	awk -v a="$1" -v b="$(now)" -v m="$2" 'BEGIN { exit !(b - a < m) }'
}
# No backend of rdrill's is still running a statement matching $1.
no_backend() {
	n=$(psql_q "SELECT count(*) FROM pg_stat_activity WHERE
		application_name = 'rdrill' AND state <> 'idle' AND
		query LIKE '$1'")
	[ "$n" = 0 ]
}
# until_ok CMD...: poll CMD every 0.1 s until it succeeds (a loaded
# machine may take long: the bound, 300 s, is against a hang only).
until_ok() {
	_i=0
	until "$@"; do
		[ $_i -lt 3000 ] || return 1
		sleep 0.1; _i=$((_i + 1))
	done
}
# Backends may take a moment to go after their client closed.
wait_no_backend() { until_ok no_backend "$1"; }
# rdrill's backend runs a statement matching $1 (or rdrill, pid $2, ended).
backend_runs() { ! no_backend "$1" || ! kill -0 "$2" 2>/dev/null; }
# The other session holds its row lock on posts.
row_locked() {
	[ "$(psql_q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'posts' AND l.mode = 'RowShareLock'")" -ge 1 ]
}
# A new session sees synchronous_standby_names (a reload is asynchronous).
standby_set() { [ "$(psql_q "SHOW synchronous_standby_names")" = nosuch ]; }
jq_step() { # BUNDLE ID FILTER
	jq -r "select(.type == \"step\" and .id == \"$2\") | $3" "$1/journal.jsonl"
}

drill() { # NAME BODY...
	{ drill_head "$1" test
	cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
  hang: {host: "$TRASH/hang", port: 5432, dbname: postgres, user: postgres,
         connect_timeout: 30s}
  hang_short: {host: "$TRASH/hang", port: 5432, dbname: postgres,
               user: postgres, connect_timeout: 2s}
canary:
  connection: db
  table: posts
  key: {id: c1}
  columns: [message]
phases:
EOF
	shift
	printf '%s\n' "$@"
	} >"$TRASH/$NAME.yaml"
}

# 1. pg_sleep beyond the step's timeout.
NAME=sleep drill sleep "  verify_backup:" \
	"    - {id: nap, sql: {connection: db, query: 'SELECT pg_sleep(60)'}, timeout: 2s}"
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/sleep.yaml" -o "$TRASH/b1"
expect_true "pg_sleep: stopped within the timeout + grace" elapsed_lt "$t0" 25
expect_grep 'step 1 (nap) failed: query failed: timed out after 2 s waiting for SELECT pg_sleep(60)' "$ERR"
expect_true "pg_sleep: status failed" test "$(jq_step "$TRASH/b1" nap .status)" = failed
expect_true "pg_sleep: the backend's query was cancelled" wait_no_backend '%pg_sleep(60)%'

# 2. A row lock held by another session: the canary's DELETE waits.
mkfifo "$TRASH/lockin"
"$PG_BIN/psql" -X -q -d postgres -v ON_ERROR_STOP=1 <"$TRASH/lockin" >/dev/null 2>&1 &
lockpid=$!
exec 7>"$TRASH/lockin"
at_exit "kill $lockpid"
echo "BEGIN; SELECT * FROM posts WHERE id = 'c1' FOR UPDATE; SELECT 'locked';" >&7
expect_true "the other session holds the row lock" until_ok row_locked
NAME=lock drill lock "  verify_backup:" \
	"    - {id: rec, canary: record}" \
	"  destroy:" \
	"    - {id: del, canary: delete, timeout: 2s}"
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/lock.yaml" --confirm test -o "$TRASH/b2"
expect_true "row lock: stopped within the timeout + grace" elapsed_lt "$t0" 25
expect_grep 'step 2 (del) failed: canary query failed: timed out after 2 s waiting for DELETE FROM "posts" WHERE "id" = \$1' "$ERR"
expect_true "row lock: the DELETE is no longer waiting" wait_no_backend 'DELETE FROM%'
expect_true "row lock: the row is still there" test "$(psql_q "SELECT count(*) FROM posts WHERE id = 'c1'")" = 1
echo "ROLLBACK;" >&7
exec 7>&-
wait $lockpid

# 3. A COMMIT waiting for a synchronous standby that does not exist.
psql_q "ALTER SYSTEM SET synchronous_standby_names = 'nosuch'" &&
	psql_q "SELECT pg_reload_conf()" >/dev/null || fail "synchronous_standby_names"
# Until a new session sees it (a reload is asynchronous), not a fixed wait.
expect_true "a new session sees synchronous_standby_names" until_ok standby_set
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/lock.yaml" --confirm test -o "$TRASH/b3"
expect_true "COMMIT: stopped within the timeout + grace" elapsed_lt "$t0" 25
expect_grep 'step 2 (del) failed: timed out after 2 s waiting for COMMIT' "$ERR"
expect_true "COMMIT: the backend no longer waits for the standby" wait_no_backend 'COMMIT'
expect_true "COMMIT: the report says so" grep -q 'timed out after 2 s waiting for COMMIT' "$TRASH/b3/report.md"
psql_q "ALTER SYSTEM RESET synchronous_standby_names" &&
	psql_q "SELECT pg_reload_conf()" >/dev/null || fail "reset"

# 4. A socket that accepts and never answers: connecting has the deadline.
mkdir -p "$TRASH/hang"
"$HANG" "$TRASH/hang/.s.PGSQL.5432" &
hangpid=$!
at_exit "kill $hangpid"
expect_true "the hung server listens" until_ok test -S "$TRASH/hang/.s.PGSQL.5432"
NAME=hang drill hang "  verify_backup:" \
	"    - {id: q, sql: {connection: hang, query: 'SELECT 1'}, timeout: 2s}"
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/hang.yaml" -o "$TRASH/b4"
expect_true "hung server: stopped at the step's timeout" elapsed_lt "$t0" 25
expect_grep "step 1 (q) failed: connection 'hang': timed out after 2 s connecting" "$ERR"
# The connection's own connect_timeout, shorter than the step's.
NAME=hang2 drill hang2 "  verify_backup:" \
	"    - {id: q, sql: {connection: hang_short, query: 'SELECT 1'}}"
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/hang2.yaml" -o "$TRASH/b5"
expect_true "hung server: stopped at connect_timeout" elapsed_lt "$t0" 25
expect_grep "connection 'hang_short': timed out after 2 s connecting (the connection's connect_timeout)" "$ERR"
# wait and canary steps against it end too.
NAME=hang3 drill hang3 "  verify_backup:" \
	"    - {id: w, wait: {connection: hang_short, timeout: 3s}}"
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/hang3.yaml" -o "$TRASH/b6"
expect_true "wait on a hung server: ends near its timeout" elapsed_lt "$t0" 25
expect_grep 'not after 3s: no response' "$TRASH/b6/report.md"

# The toc step's check of the live server's version has the deadline too.
"$PG_BIN/pg_dump" -F c -f "$TRASH/db.dump" postgres || fail "pg_dump"
NAME=toc drill toc "  verify_backup:" \
	"    - {id: t, toc: {dump: '$TRASH/db.dump', connection: hang, pg_restore: '$PG_BIN/pg_restore'}, timeout: 3s}"
t0=$(now)
expect_exit 1 "$RDRILL" run "$TRASH/toc.yaml" -o "$TRASH/b8"
expect_true "toc on a hung server: stopped at the step's timeout" elapsed_lt "$t0" 25
expect_grep "step 1 (t) failed: connection 'hang': timed out after 3 s connecting" "$ERR"

# A server that stops answering mid-query (postmaster and backend
# stopped): the cancel request itself cannot get through, and is given
# up on after 2 s; the step still ends.
NAME=frozen drill frozen "  verify_backup:" \
	"    - {id: f, sql: {connection: db, query: 'SELECT pg_sleep(30)'}, timeout: 3s}"
"$RDRILL" run "$TRASH/frozen.yaml" -o "$TRASH/b9" >"$TRASH/f.out" 2>"$TRASH/f.err" &
pid=$!
until_ok backend_runs '%pg_sleep(30)%' "$pid"
backend=$(psql_q "SELECT pid FROM pg_stat_activity WHERE application_name = 'rdrill' AND query LIKE '%pg_sleep(30)%'")
postmaster=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
t0=$(now)
kill -STOP "$postmaster" "$backend"
wait $pid
rc=$?
kill -CONT "$postmaster" "$backend"
expect_true "frozen server: exit 1 (got $rc)" test $rc -eq 1
expect_true "frozen server: ended within timeout + cancel wait + grace" elapsed_lt "$t0" 20
expect_grep 'step 1 (f) failed: query failed: timed out after 3 s waiting for SELECT pg_sleep(30)' "$TRASH/f.err"

# 5. SIGTERM during a long sql step: ABORTED within the grace period,
#    the backend's query cancelled.
NAME=term drill term "  verify_backup:" \
	"    - {id: long, sql: {connection: db, query: 'SELECT pg_sleep(120)'}}" \
	"  cleanup:" \
	"    - {id: bye, shell: 'touch $TRASH/cleanup-ran'}"
"$RDRILL" run "$TRASH/term.yaml" -o "$TRASH/b7" >"$TRASH/t.out" 2>"$TRASH/t.err" &
pid=$!
until_ok backend_runs '%pg_sleep(120)%' "$pid"
if no_backend '%pg_sleep(120)%'; then fail "the long query never ran"
else pass "the long query runs"; fi
t0=$(now)
kill -TERM $pid
wait $pid
rc=$?
expect_true "SIGTERM: exit 1 (got $rc)" test $rc -eq 1
expect_true "SIGTERM: ended within the grace period" elapsed_lt "$t0" 25
expect_true "SIGTERM: step aborted" test "$(jq_step "$TRASH/b7" long .status)" = aborted
expect_true "SIGTERM: the message names the statement" sh -c \
	"jq_step() { jq -r \"select(.type == \\\"step\\\" and .id == \\\"\$2\\\") | \$3\" \"\$1/journal.jsonl\"; };
	 jq_step '$TRASH/b7' long .message | grep -q 'cancelled by a signal while waiting for SELECT pg_sleep(120)'"
expect_file "$TRASH/cleanup-ran"
expect_true "SIGTERM: the backend's query was cancelled" wait_no_backend '%pg_sleep(120)%'
expect_grep '`ABORTED`' "$TRASH/b7/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/b7"

test_done
