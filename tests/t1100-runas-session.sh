#!/bin/sh
# A run_as child is a new session with an allowlisted environment: run
# from a terminal, the step cannot open /dev/tty (so it cannot type into
# root's shell with TIOCSTI); a credential rdrill has in its environment
# but the step did not declare (CLOUD_TOKEN, SSH_AUTH_SOCK) is not there;
# PATH, LANG/LC_*, TZ, the user's HOME/USER/LOGNAME and what the step
# declares (env:, secret_env:) are. As a normal user run_as names that
# user: the same rules hold.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
U=$PG_OS_USER

{
	drill_head runas-session test
	cat <<YAML
phases:
  restore:
    - id: probe
      run_as: "$U"
      env: {DECLARED: "yes-declared"}
      secret_env: {GIVEN: T_GIVEN}
      shell: |
        if (: </dev/tty) 2>/dev/null; then echo TTY-OPEN; else echo NO-TTY; fi
        echo "token=\$\${CLOUD_TOKEN:-unset}"
        echo "agent=\$\${SSH_AUTH_SOCK:-unset}"
        echo "declared=\$\${DECLARED:-unset}"
        echo "given=\$\${GIVEN:+set}"
        echo "user=\$USER logname=\$LOGNAME"
        echo "lc=\$\${LC_ALL:-unset} tz=\$\${TZ:-unset}"
        echo "sid=\$(ps -o sid= -p \$\$ | tr -d ' ') pid=\$\$"
YAML
} >"$TRASH/d.yaml"

# Under a pseudo-terminal, as from root's interactive shell.
CMD="CLOUD_TOKEN=cloud-secret-1234 SSH_AUTH_SOCK=/tmp/agent.sock T_GIVEN=given-value TZ=UTC LC_ALL=C \
'$RDRILL' run '$TRASH/d.yaml' -o '$TRASH/out'"
script -qec "$CMD" /dev/null >"$OUT" 2>"$ERR" </dev/null
rc=$?
if [ "$rc" -eq 0 ]; then pass "run under a pty: exit 0"; else fail "run under a pty: exit $rc"; fi
# Proof the harness works: rdrill itself had a terminal.
expect_true "rdrill's stdin was a terminal (the harness)" \
	script -qec "test -t 0 && (: </dev/tty)" /dev/null
L=$TRASH/out/steps/01-probe.out
expect_grep '^NO-TTY$' "$L"
expect_no_grep 'TTY-OPEN' "$L"
expect_grep '^token=unset$' "$L"
expect_no_grep 'cloud-secret-1234' "$TRASH/out/journal.jsonl"
expect_grep '^agent=unset$' "$L"
expect_grep '^declared=yes-declared$' "$L"
expect_grep '^given=set$' "$L"
expect_grep "^user=$U logname=$U\$" "$L"
expect_grep '^lc=C tz=UTC$' "$L"
# The step leads its own session: its session id is its own pid.
sid=$(sed -n 's/^sid=\([0-9]*\) pid=\([0-9]*\)$/\1 \2/p' "$L")
set -- $sid
if [ "$#" -eq 2 ] && [ "$1" = "$2" ]; then pass "the step leads its own session ($1)"
else fail "session id and pid differ: $sid"; fi

# Without run_as, a step still gets rdrill's environment (unchanged).
{
	drill_head plain-env test
	cat <<YAML
phases:
  restore:
    - id: plain
      shell: 'echo "token=\$\${CLOUD_TOKEN:-unset}"'
YAML
} >"$TRASH/p.yaml"
expect_exit 0 env CLOUD_TOKEN=plain-tok "$RDRILL" run "$TRASH/p.yaml" -o "$TRASH/out2"
expect_grep '^token=plain-tok$' "$TRASH/out2/steps/01-plain.out"
test_done
