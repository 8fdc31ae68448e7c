#!/bin/sh
# No orphans: kill -9 of rdrill while a step runs takes the step's whole
# process group with it (the watchdog, watchdog.h), within a few
# seconds; what detached on purpose lives on: a server started by the
# real pg_ctl start in an earlier step, and a `setsid` daemon started by
# the running step itself.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi

# The processes whose process group is $1, one pid a line.
group_members() {
	ps -e -o pid= -o pgid= | awk -v g="$1" '$2 == g { print $1 }'
}
# wait_for COND SECONDS: poll COND (a shell command) every 0.1 s.
wait_for() {
	_i=0
	while [ "$_i" -lt $(($2 * 10)) ]; do
		if eval "$1"; then return 0; fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# The watchdog child of rdrill $1 (its pid), if any.
watchdog_of() {
	ps -e -o pid= -o ppid= -o comm= |
		awk -v p="$1" '$2 == p && $3 == "rdrill-watchdog" { print $1 }'
}

# A throwaway cluster made here, started by the drill (pg_ctl start).
PGD=$TRASH/pgdata
SOCK=$TRASH/sock
mkdir -p "$PGD" "$SOCK"
chmod 700 "$PGD"
[ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$PGD" "$SOCK"
as_pg "$PG_BIN/initdb" -D "$PGD" -U postgres -A trust --no-sync -E UTF8 \
	--locale=C >"$TRASH/initdb.log" 2>&1 || { cat "$TRASH/initdb.log"; fail initdb; }
PORT=$((20000 + $$ % 20000))
at_exit "as_pg '$PG_BIN/pg_ctl' -D '$PGD' -m immediate stop"

{ drill_head orphans test
cat <<EOF
phases:
  preflight:
    - id: server
      run: ["$PG_BIN/pg_ctl", -D, "$PGD", -w, -l, "$PGD/server.log",
            -o, "-c listen_addresses='' -k $SOCK -p $PORT", start]
      run_as: "$PG_OS_USER"
  verify_backup:
    - id: sleeper
      shell: |
        setsid sh -c 'echo \$\$ >"$TRASH/daemon.pid"; exec sleep 300' </dev/null >/dev/null 2>&1 &
        sleep 300 &
        echo \$! >"$TRASH/child.pid"
        echo \$\$ >"$TRASH/pgid"
        sleep 301
EOF
} >"$TRASH/orphans.yaml"

"$RDRILL" run "$TRASH/orphans.yaml" -o "$TRASH/b" >"$OUT" 2>"$ERR" </dev/null &
RPID=$!
expect_true "the step started (its group id written)" \
	wait_for "[ -s '$TRASH/pgid' ] && [ -s '$TRASH/daemon.pid' ]" 300
PG=$(cat "$TRASH/pgid" 2>/dev/null || echo 0)
DAEMON=$(cat "$TRASH/daemon.pid" 2>/dev/null || echo 0)
CHILD=$(cat "$TRASH/child.pid" 2>/dev/null || echo 0)
at_exit "kill -9 $DAEMON"
[ "$PG" -gt 1 ] && at_exit "kill -9 -$PG"
expect_true "the step leads its own group" \
	sh -c "[ \$(ps -o pgid= -p $PG | tr -d ' ') = $PG ]"
expect_true "the group holds the shell and its sleeps" \
	sh -c "[ \$(ps -e -o pgid= | awk -v g=$PG '\$1 == g' | wc -l) -ge 3 ]"
expect_true "the daemon setsid'd out of the group" \
	sh -c "[ \$(ps -o pgid= -p $DAEMON | tr -d ' ') = $DAEMON ]"
WD=$(watchdog_of "$RPID")
expect_true "rdrill's watchdog runs" test -n "$WD"
expect_true "the server is up" as_pg "$PG_BIN/pg_ctl" -D "$PGD" status

kill -9 "$RPID"
wait "$RPID" 2>/dev/null
T0=$(date +%s)
# A bound against orphans left for good, with room for a loaded machine.
if wait_for "[ -z \"\$(group_members $PG)\" ]" 120; then
	pass "no process of the step's group within 120 s of kill -9 ($(($(date +%s) - T0)) s)"
else
	fail "left in group $PG: $(group_members "$PG" | tr '\n' ' ')"
fi
expect_true "the step's own child is gone" sh -c "! kill -0 $CHILD"
expect_true "the setsid daemon lives on" kill -0 "$DAEMON"
expect_true "pg_ctl's server lives on" as_pg "$PG_BIN/pg_ctl" -D "$PGD" status
expect_true "the watchdog is gone" wait_for "! kill -0 ${WD:-0} 2>/dev/null" 120

# A clean run leaves no watchdog behind.
{ drill_head clean test
cat <<EOF
phases:
  verify_backup:
    - {id: hello, shell: 'while [ ! -e "$TRASH/seen" ]; do sleep 0.1; done; echo hello'}
EOF
} >"$TRASH/clean.yaml"
"$RDRILL" run "$TRASH/clean.yaml" -o "$TRASH/c" >"$OUT" 2>"$ERR" </dev/null &
RPID=$!
# The step runs until the watchdog was seen (not for a fixed time).
wait_for "[ -n \"\$(watchdog_of $RPID)\" ] || ! kill -0 $RPID" 300
WD=$(watchdog_of "$RPID")
expect_true "the clean run has a watchdog" test -n "$WD"
touch "$TRASH/seen"
wait "$RPID"
expect_true "the clean run passed" test $? -eq 0
expect_true "its watchdog ends with it" wait_for "! kill -0 ${WD:-0} 2>/dev/null" 120
test_done
