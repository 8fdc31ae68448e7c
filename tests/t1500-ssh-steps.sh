#!/bin/sh
# Remote steps over SSH against a real sshd on 127.0.0.1 (tests/ssh-lib.sh):
# argv arrives exactly, output is captured and redacted like a local
# step's, exit codes and signals read the same, a secret_env value
# reaches the remote command intact but is on no remote command line,
# the step's deadline ends the remote processes themselves, and a host
# whose key is not pinned is refused in preflight (exit 3).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh-lib.sh"

sshd_start || fail "sshd started"
sshd_key a "$SSH_USER_A"
SECRET="s3cr3t-\$(id)-'quoted' value"
export SECRET
SECRET_SHA=$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)
# A directory the remote user writes pid files into.
SHARED=$TRASH/shared
mkdir -p "$SHARED"
chmod 777 "$SHARED"

# --- a drill whose steps run on the loopback sshd: PASSED -------------
{ drill_head ssh-steps test
cat <<YAML
ssh_hosts:
$(ssh_host_yaml db1 "$SSH_USER_A" a)
phases:
  verify_backup:
    - id: argv
      host: db1
      run: [printf, "%s|", "a b", "it's", "\$HOME", "*", "", ";x"]
    - id: secret
      host: db1
      secret_env: {PW: SECRET}
      shell: |
        echo "the secret is \$PW"
        printf %s "\$PW" | sha256sum
    - id: cwd
      host: db1
      cwd: /usr
      env: {GREETING: "hello there"}
      shell: 'pwd; echo "\$GREETING"'
    - id: exit3
      host: db1
      run: [sh, -c, "echo to-stderr >&2; exit 3"]
      expect_exit: [3]
    - id: killed
      host: db1
      shell: 'kill -TERM \$\$'
      expect_exit: [143]
YAML
} >"$TRASH/ok.yaml"

expect_exit 0 "$RDRILL" plan "$TRASH/ok.yaml" -o "$TRASH/plan"
expect_grep "on ssh host db1 ($SSH_USER_A@127.0.0.1:$SSHD_PORT)" "$OUT"

expect_exit 0 "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/b1"
expect_grep 'PASSED' "$OUT"
J=$TRASH/b1/journal.jsonl
printf '%s|' "a b" "it's" '$HOME' '*' '' ';x' >"$TRASH/argv.want"
expect_same "$TRASH/argv.want" "$TRASH/b1/steps/01-argv.out"
expect_grep "the secret is \[REDACTED\]" "$TRASH/b1/steps/02-secret.out"
expect_grep "^$SECRET_SHA " "$TRASH/b1/steps/02-secret.out"
expect_same /dev/stdin "$TRASH/b1/steps/03-cwd.out" <<OUT_
/usr
hello there
OUT_
expect_grep 'to-stderr' "$TRASH/b1/steps/04-exit3.err"
expect_true "exit3 step recorded exit 3" \
	sh -c "grep '\"id\": *\"exit3\"' '$J' | grep -q '\"exit_code\": *3'"
expect_true "killed step recorded signal 15" \
	sh -c "grep '\"id\": *\"killed\"' '$J' | grep '\"exit_code\": *143' | grep -q '\"signal\": *15'"
expect_true "journal names the ssh host" grep -q "\"ssh\": *\"$SSH_USER_A@127.0.0.1:$SSHD_PORT\"" "$J"
expect_exit 0 "$RDRILL" verify "$TRASH/b1"
expect_grep '^# on ssh host db1$' "$TRASH/b1/report.md"

# The secret reached the remote side (its hash above) but no remote
# command line, and no file of the bundle.
expect_grep 'printf' "$SSHD_LOG"
expect_no_grep 's3cr3t' "$SSHD_LOG"
expect_true "secret in no bundle file" sh -c "! grep -r -q 's3cr3t' '$TRASH/b1'"

# --- the deadline ends the remote processes ---------------------------
{ drill_head ssh-deadline test
cat <<YAML
ssh_hosts:
$(ssh_host_yaml db1 "$SSH_USER_A" a)
phases:
  verify_backup:
    - id: hang
      host: db1
      timeout: 4s
      shell: |
        echo \$\$ >"$SHARED/pids"
        sleep 300 &
        echo \$! >>"$SHARED/pids"
        : >"$SHARED/started"
        wait
YAML
} >"$TRASH/hang.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/hang.yaml" -o "$TRASH/b2"
expect_grep 'FAILED' "$OUT"
expect_file "$SHARED/started"
expect_true "journal: hang timed out" sh -c "grep '\"id\": *\"hang\"' '$TRASH/b2/journal.jsonl' | grep -q '\"timed_out\": *true'"
expect_grep 'timed out after 4s' "$TRASH/b2/journal.jsonl"
# rdrill has returned: every remote process of the step is gone already.
# (A zombie is dead: only its parent, maybe a slow init, has yet to reap it.)
alive=""
for p in $(cat "$SHARED/pids" 2>/dev/null); do
	st=$(ps -o stat= -p "$p" 2>/dev/null)
	case "$st" in ""|Z*) ;; *) alive="$alive $p($st)" ;; esac
done
if [ -z "$alive" ] && [ "$(wc -l <"$SHARED/pids")" -eq 2 ]; then
	pass "no remote process of the step left"
else
	fail "remote processes left:$alive"
	for p in $(cat "$SHARED/pids"); do kill -9 "$p" 2>/dev/null; done
fi

# --- rdrill stopped (SIGTERM, as systemd stops a unit): the remote ----
# processes end with the local ssh, long before their own deadline.
{ drill_head ssh-cancel test
cat <<YAML
ssh_hosts:
$(ssh_host_yaml db1 "$SSH_USER_A" a)
phases:
  verify_backup:
    - id: long
      host: db1
      timeout: 10m
      shell: |
        echo \$\$ >"$SHARED/pids2"
        sleep 600 &
        echo \$! >>"$SHARED/pids2"
        : >"$SHARED/started2"
        wait
YAML
} >"$TRASH/cancel.yaml"
"$RDRILL" run "$TRASH/cancel.yaml" -o "$TRASH/b3" >"$TRASH/cancel.out" 2>&1 </dev/null &
rpid=$!
i=0
while [ ! -f "$SHARED/started2" ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
expect_file "$SHARED/started2"
kill -TERM "$rpid"
wait "$rpid"
rc=$?
if [ "$rc" -eq 1 ]; then pass "SIGTERM: exit 1 (aborted)"; else fail "SIGTERM: exit $rc"; fi
expect_grep 'ABORTED' "$TRASH/cancel.out"
# The remote side saw its stdin end and signalled the group; give it
# the moment that takes (bounded), then nothing of the step is left.
i=0
while [ "$i" -lt 100 ]; do
	alive=""
	for p in $(cat "$SHARED/pids2"); do
		st=$(ps -o stat= -p "$p" 2>/dev/null)
		case "$st" in ""|Z*) ;; *) alive="$alive $p($st)" ;; esac
	done
	[ -n "$alive" ] || break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$alive" ]; then
	pass "no remote process left after SIGTERM"
else
	fail "remote processes left after SIGTERM:$alive"
	for p in $(cat "$SHARED/pids2"); do kill -9 "$p" 2>/dev/null; done
fi

# --- an unknown host key: refused in preflight, nothing run -----------
ssh-keygen -q -t ed25519 -N '' -f "$TRASH/other_host" </dev/null
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
	"$(cut -d' ' -f1,2 "$TRASH/other_host.pub")" >"$TRASH/wrong_known"
: >"$TRASH/empty_known"
for kh in wrong_known empty_known; do
	{ drill_head ssh-unknown-$kh test
	cat <<YAML
ssh_hosts:
$(ssh_host_yaml db1 "$SSH_USER_A" a "$TRASH/$kh")
phases:
  verify_backup:
    - id: never
      host: db1
      run: [touch, "$SHARED/ran-$kh"]
YAML
	} >"$TRASH/$kh.yaml"
	before=$(wc -l <"$SSHD_LOG")
	expect_exit 3 "$RDRILL" run "$TRASH/$kh.yaml" -o "$TRASH/b-$kh"
	expect_grep "ssh host db1 ($SSH_USER_A@127.0.0.1:$SSHD_PORT): its host key is not the one pinned" "$ERR"
	expect_no_file "$SHARED/ran-$kh"
	if [ "$(wc -l <"$SSHD_LOG")" -eq "$before" ]; then
		pass "$kh: no command reached the server"
	else
		fail "$kh: a command reached the server"
	fi
done

# --- a key the server does not accept: refused too --------------------
ssh-keygen -q -t ed25519 -N '' -f "$TRASH/keys/stranger" </dev/null
{ drill_head ssh-stranger test
cat <<YAML
ssh_hosts:
$(ssh_host_yaml db1 "$SSH_USER_A" stranger)
phases:
  verify_backup:
    - {id: never, host: db1, run: ["true"]}
YAML
} >"$TRASH/stranger.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/stranger.yaml" -o "$TRASH/b-stranger"
expect_grep 'key was refused' "$ERR"

# --- drill-file errors ------------------------------------------------
{ drill_head ssh-bad test
cat <<YAML
ssh_hosts:
$(ssh_host_yaml db1 "$SSH_USER_A" a)
phases:
  verify_backup:
    - {id: x, host: db2, run: ["true"]}
YAML
} >"$TRASH/bad.yaml"
expect_exit 2 "$RDRILL" validate "$TRASH/bad.yaml"
expect_grep "bad.yaml:[0-9]*:[0-9]*: unknown ssh host 'db2'" "$ERR"
sed 's/host: db2, /host: db1, run_as: nobody, /' "$TRASH/bad.yaml" >"$TRASH/bad2.yaml"
expect_exit 2 "$RDRILL" validate "$TRASH/bad2.yaml"
expect_grep "bad2.yaml:[0-9]*:[0-9]*: run_as cannot be used with host" "$ERR"

# A user or host ssh could read as an option is an error at its line.
sed 's/^    user: .*/    user: -oProxyCommand=x/' "$TRASH/ok.yaml" >"$TRASH/bad3.yaml"
expect_exit 2 "$RDRILL" validate "$TRASH/bad3.yaml"
expect_grep "bad3.yaml:[0-9]*:[0-9]*: ssh user '-oProxyCommand=x'" "$ERR"
sed 's/^    host: 127.0.0.1/    host: "-oProxyCommand=x"/' "$TRASH/ok.yaml" >"$TRASH/bad4.yaml"
expect_exit 2 "$RDRILL" validate "$TRASH/bad4.yaml"
expect_grep "bad4.yaml:[0-9]*:[0-9]*: ssh host '-oProxyCommand=x'" "$ERR"

test_done
