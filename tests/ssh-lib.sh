# A real OpenSSH server for the remote-step and ship tests, sourced after
# lib.sh: sshd_start starts Debian's /usr/sbin/sshd on 127.0.0.1 on a
# free port, with its own host key and config in $TRASH/sshd (no PAM,
# only the test's keys, only the test's users), stopped at exit.
#
# Every command a client asks for goes through a ForceCommand wrapper
# that appends it to $SSHD_LOG first (so a test can assert that no
# secret was ever on a remote command line), then runs it with sh -c.
#
# Users: as root, SSH_USER_A and SSH_USER_B are two system users made
# here (two "runner hosts"); as a normal user sshd can only log in as
# that user, so both are the current user.
#
#   sshd_start              -> SSHD_PORT, SSHD_DIR, SSHD_LOG, SSHD_KNOWN
#   sshd_key NAME USER      -> $TRASH/keys/NAME (authorized for USER)

SSHD_DIR=$TRASH/sshd
SSHD_LOG=$SSHD_DIR/commands.log
SSHD_KNOWN=$TRASH/known_hosts
if [ "$(id -u)" -eq 0 ]; then
	SSH_USER_A=rdrill-ssh-a
	SSH_USER_B=rdrill-ssh-b
	for _u in "$SSH_USER_A" "$SSH_USER_B"; do
		if ! id "$_u" >/dev/null 2>&1; then
			useradd --system --no-create-home --home-dir / \
				--shell /bin/sh "$_u"
		fi
		# sshd without PAM refuses an account locked with '!'. Only
		# when it is: /etc/shadow is the host's, and another suite's
		# useradd or usermod may hold its lock at this moment.
		if [ "$(getent shadow "$_u" | cut -d: -f2)" != '*' ]; then
			usermod -p '*' "$_u"
		fi
	done
else
	SSH_USER_A=$(id -un)
	SSH_USER_B=$SSH_USER_A
fi

# sshd_key NAME USER: a client key pair, its public half authorized for USER.
sshd_key() {
	mkdir -p "$TRASH/keys" "$SSHD_DIR/authorized"
	ssh-keygen -q -t ed25519 -N '' -C "$1" -f "$TRASH/keys/$1" </dev/null
	cat "$TRASH/keys/$1.pub" >>"$SSHD_DIR/authorized/$2"
	chmod 644 "$SSHD_DIR/authorized/$2"
}

sshd_start() {
	mkdir -p "$SSHD_DIR/authorized"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/host_key" </dev/null
	: >"$SSHD_LOG"
	chmod 666 "$SSHD_LOG"
	cat >"$SSHD_DIR/record" <<REC
#!/bin/sh
printf '%s\n' "\$SSH_ORIGINAL_COMMAND" >>"$SSHD_LOG"
exec /bin/sh -c "\$SSH_ORIGINAL_COMMAND"
REC
	chmod 755 "$SSHD_DIR/record"
	[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
	_try=0
	while [ "$_try" -lt 20 ]; do
		SSHD_PORT=$((20000 + ($$ * 7 + _try * 131) % 30000))
		cat >"$SSHD_DIR/config" <<CONF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $SSHD_DIR/host_key
PidFile $SSHD_DIR/sshd.pid
UsePAM no
StrictModes no
AuthorizedKeysFile $SSHD_DIR/authorized/%u
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowUsers $SSH_USER_A $SSH_USER_B
ForceCommand $SSHD_DIR/record
PermitUserEnvironment no
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
LogLevel ERROR
CONF
		/usr/sbin/sshd -D -e -f "$SSHD_DIR/config" \
			2>>"$SSHD_DIR/sshd.log" &
		_sshd_pid=$!
		_i=0
		while [ "$_i" -lt 100 ]; do
			kill -0 "$_sshd_pid" 2>/dev/null || break
			if [ -s "$SSHD_DIR/sshd.pid" ]; then
				at_exit "kill $_sshd_pid"
				printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
					"$(cut -d' ' -f1,2 "$SSHD_DIR/host_key.pub")" \
					>"$SSHD_KNOWN"
				return 0
			fi
			sleep 0.1
			_i=$((_i + 1))
		done
		kill "$_sshd_pid" 2>/dev/null
		wait "$_sshd_pid" 2>/dev/null
		_try=$((_try + 1))
	done
	cat "$SSHD_DIR/sshd.log" >&2
	return 1
}

# ssh_host_yaml NAME USER KEY [KNOWN]: one ssh_hosts: entry.
ssh_host_yaml() {
	cat <<YAML
  $1:
    user: $2
    host: 127.0.0.1
    port: $SSHD_PORT
    identity_file: $TRASH/keys/$3
    known_hosts: ${4:-$SSHD_KNOWN}
YAML
}
