#!/bin/sh
# What a root rdrill trusts (issue 27 point 6, issue 23 point 2):
# - as root, a drill file, a signing key or a password_file that any user
#   but root can write, directly or through a directory above it (like
#   sshd's StrictModes), is refused: exit 3, nothing runs; a symlink is
#   followed and its target checked, so is the directory it is in;
# - a signing key owned by another user is refused (any runner);
# - files another user could swap are opened non-blocking and fstat'd: a
#   FIFO as password_file or as the toc step's archive is refused at
#   once, never a hang (bounded by `timeout -s KILL`: a hang is exit 137;
#   on main the open blocks in the kernel and SIGTERM is not enough);
# - while secrets are in memory rdrill cannot dump core (RLIMIT_CORE 0),
#   and its commands get their own core limit back.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
W=$TRASH/w
mkdir "$W"
# drill FILE [STEP LINE]: runs a step that leaves $W/ran-FILE behind.
drill() {
	{
		drill_head trust test
		echo "phases:"
		echo "  restore:"
		echo "    - {id: mark, run: [touch, \"$W/ran-$(basename "$1")\"]}"
		[ $# -lt 2 ] || echo "$2"
	} >"$1"
}

# 1. A drill file its group can write.
drill "$TRASH/gw.yaml"
chmod 664 "$TRASH/gw.yaml"
if [ $ROOT = 1 ]; then
	expect_exit 3 "$RDRILL" run "$TRASH/gw.yaml" -o "$TRASH/o1"
	expect_grep "drill file $TRASH/gw.yaml: $TRASH/gw.yaml is writable by its group (mode 664)" "$ERR"
	expect_no_file "$W/ran-gw.yaml"
	expect_no_file "$TRASH/o1"
else
	# The rule is root's: a normal user runs its own files.
	expect_exit 0 "$RDRILL" run "$TRASH/gw.yaml" -o "$TRASH/o1"
fi
chmod 644 "$TRASH/gw.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/gw.yaml" -o "$TRASH/o1b"

# 2. Through a world-writable parent directory (not sticky).
mkdir "$TRASH/open"
chmod 777 "$TRASH/open"
drill "$TRASH/open/d.yaml"
if [ $ROOT = 1 ]; then
	expect_exit 3 "$RDRILL" run "$TRASH/open/d.yaml" -o "$TRASH/o2"
	expect_grep "$TRASH/open is writable by anyone (mode 777)" "$ERR"
	expect_no_file "$W/ran-d.yaml"
	# A symlink from a trusted directory to it: the target is checked.
	ln -s "$TRASH/open/d.yaml" "$TRASH/link.yaml"
	expect_exit 3 "$RDRILL" run "$TRASH/link.yaml" -o "$TRASH/o3"
	expect_grep "$TRASH/open is writable by anyone" "$ERR"
	# And the other way: a trusted file, named through a symlink that
	# sits in the open directory (which anyone could re-point).
	drill "$TRASH/good.yaml"
	ln -s "$TRASH/good.yaml" "$TRASH/open/link.yaml"
	expect_exit 3 "$RDRILL" run "$TRASH/open/link.yaml" -o "$TRASH/o4"
	expect_grep "$TRASH/open is writable by anyone" "$ERR"
	expect_no_file "$W/ran-good.yaml"
	# A symlinked trusted file in a trusted place (a mounted Secret): fine.
	mkdir "$TRASH/secret" "$TRASH/secret/..data"
	drill "$TRASH/secret/..data/k.yaml"
	ln -s "..data/k.yaml" "$TRASH/secret/k.yaml"
	expect_exit 0 "$RDRILL" run "$TRASH/secret/k.yaml" -o "$TRASH/o5"
	# Owned by another user, mode 0644: that user can write it.
	drill "$TRASH/theirs.yaml"
	chown "$PG_OS_USER" "$TRASH/theirs.yaml"
	expect_exit 3 "$RDRILL" run "$TRASH/theirs.yaml" -o "$TRASH/o6"
	expect_grep "theirs.yaml is owned by uid $(id -u "$PG_OS_USER"), not root" "$ERR"
else
	expect_exit 0 "$RDRILL" run "$TRASH/open/d.yaml" -o "$TRASH/o2"
fi

# 3. Signing keys: another user's is refused by any runner; as root, one
# in a world-writable directory too.
mkdir "$TRASH/keys"
expect_exit 0 "$RDRILL" keygen "$TRASH/keys"
drill "$TRASH/k.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/k.yaml" -o "$TRASH/o7" --sign-key "$TRASH/keys/rdrill-sign.key"
expect_file "$TRASH/o7/SEAL.sig"
if [ $ROOT = 1 ]; then
	cp -p "$TRASH/keys/rdrill-sign.key" "$TRASH/open/k.key"
	expect_exit 3 "$RDRILL" run "$TRASH/k.yaml" -o "$TRASH/o8" --sign-key "$TRASH/open/k.key"
	expect_grep "signing key $TRASH/open/k.key: $TRASH/open is writable by anyone" "$ERR"
	cp -p "$TRASH/keys/rdrill-sign.key" "$TRASH/keys/theirs.key"
	chown "$PG_OS_USER" "$TRASH/keys/theirs.key"
	expect_exit 3 "$RDRILL" run "$TRASH/k.yaml" -o "$TRASH/o9" --sign-key "$TRASH/keys/theirs.key"
	expect_grep "theirs.key is owned by uid $(id -u "$PG_OS_USER")" "$ERR"
	expect_no_file "$TRASH/o9"
fi

# 4. password_file: a FIFO refused at once; as root, group-writable refused.
mkfifo "$TRASH/pw.fifo"
CONN="connections:
  db: {host: /nonexistent, dbname: x, user: u, password_file: \"PWFILE\"}"
pwdrill() {
	{
		drill_head pw test
		echo "$CONN" | sed "s|PWFILE|$2|"
		echo "phases:"
		echo "  restore:"
		echo "    - {id: q, sql: {connection: db, query: SELECT 1}}"
	} >"$1"
}
pwdrill "$TRASH/fifo.yaml" "$TRASH/pw.fifo"
expect_exit 3 timeout -s KILL 60 "$RDRILL" run "$TRASH/fifo.yaml" -o "$TRASH/o10"
expect_grep_F "pw.fifo is not a regular file" "$TRASH/o10/journal.jsonl"
if [ $ROOT = 1 ]; then
	echo sekrit-pw >"$TRASH/pw.txt"
	chmod 620 "$TRASH/pw.txt"
	pwdrill "$TRASH/gpw.yaml" "$TRASH/pw.txt"
	expect_exit 3 "$RDRILL" run "$TRASH/gpw.yaml" -o "$TRASH/o11"
	expect_grep_F "password_file $TRASH/pw.txt: $TRASH/pw.txt is writable by its group" "$TRASH/o11/journal.jsonl"
fi

# 5. The toc step's archive swapped for a FIFO: refused, no hang.
mkfifo "$TRASH/dump.fifo"
drill "$TRASH/toc.yaml" "    - {id: t, toc: {dump: \"$TRASH/dump.fifo\", connection: db, min_entries: 1}}"
sed -i "s|^phases:|connections:\n  db: {host: /nonexistent, dbname: x, user: u}\nphases:|" "$TRASH/toc.yaml"
expect_exit 1 timeout -s KILL 60 "$RDRILL" run "$TRASH/toc.yaml" -o "$TRASH/o12"
expect_grep_F "dump.fifo: not a regular file" "$TRASH/o12/journal.jsonl"

# 6. No core file while secrets are in memory; the step's own limit back.
drill "$TRASH/core.yaml" "    - {id: c, shell: 'grep \"^Max core file size\" /proc/\$PPID/limits; echo step-core=\$(ulimit -c)'}"
expect_exit 0 sh -c "ulimit -c unlimited 2>/dev/null || ulimit -c 1024; exec '$RDRILL' run '$TRASH/core.yaml' -o '$TRASH/o13'"
L=$TRASH/o13/steps/02-c.out
expect_grep '^Max core file size *0 ' "$L"
# (AddressSanitizer sets rdrill's own limit to 0 before main: then 0.)
if grep -q __asan_init "$RDRILL"; then expect_grep '^step-core=' "$L"
else expect_grep '^step-core=\(unlimited\|1024\)$' "$L"; fi
test_done
