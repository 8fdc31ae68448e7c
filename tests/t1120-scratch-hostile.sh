#!/bin/sh
# The recover step never acts as root on a path the scratch server's user
# controls (issue 27, point 1). That user owns the scratch directory once
# the restore has filled it:
# 1. a postgresql.auto.conf planted as a symlink to a root-only file (the
#    base backup holds it; cp -a keeps it) is refused, not read: the
#    secret reaches neither the scratch copy, the journal nor the bundle;
# 2. a loop of that user swapping symlinks to a root-owned file in place
#    of every file rdrill writes there (rdrill_hba.conf, recovery.signal,
#    postgresql.auto.conf) while the step runs leaves that file's owner,
#    mode and bytes untouched: rdrill sets them through the descriptor it
#    wrote with, before the rename, never by path after it.
# As a normal user run_as is that user: the symlink is still refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pitr-lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
pitr_setup || { fail "fixture"; test_done; }

# The root-only file (as a normal user: the runner's own, mode 0640).
SECRET=$TRASH/root-only
echo "# ROOT-ONLY-SECRET-7f3a9c" >"$SECRET"
chmod 640 "$SECRET"
before=$(stat -c '%u:%g %a' "$SECRET")

# 1. Planted in the backup.
cp -a "$BASE" "$TRASH/bk/planted"
rm -f "$TRASH/bk/planted/postgresql.auto.conf"
ln -s "$SECRET" "$TRASH/bk/planted/postgresql.auto.conf"
pitr_drill "$TRASH/d1.yaml" "target_immediate: true"
sed -i "s|dir: \"$BASE\"|dir: \"$TRASH/bk/planted\"|" "$TRASH/d1.yaml"
# What the user can read of it before the end of the run removes it
# (what rdrill left there, not what the symlink points to).
cat >>"$TRASH/d1.yaml" <<YAML
  cleanup:
    - id: leak
      run_as: "$PG_OS_USER"
      shell: 'f=$TRASH/scratch/postgresql.auto.conf; if [ -L "\$f" ]; then echo SYMLINK-LEFT; else cat "\$f"; fi'
YAML
expect_exit 1 "$RDRILL" run "$TRASH/d1.yaml" -o "$TRASH/o1"
expect_true "the recover step failed" \
	jq -s -e 'first(.[] | select(.id == "pitr")) | .status == "failed"' "$TRASH/o1/journal.jsonl"
expect_grep 'postgresql.auto.conf (a symlink: refused)' "$TRASH/o1/journal.jsonl"
if grep -rq 'ROOT-ONLY-SECRET' "$TRASH/o1"; then fail "the secret reached the bundle"
else pass "the secret is nowhere in the bundle"; fi
expect_grep '^SYMLINK-LEFT$' "$TRASH/o1/steps/05-leak.out"
expect_true "the cleanup step ran (it looked)" \
	jq -s -e 'first(.[] | select(.id == "leak")) | .status == "passed"' "$TRASH/o1/journal.jsonl"
expect_scratch_gone
expect_true "the root-only file unchanged" test "$(stat -c '%u:%g %a' "$SECRET")" = "$before"

# 2. Swapped while rdrill writes: the user's program (tests/helpers/
# swap-symlink.c), started before the run, waits for the scratch
# directory, then renames symlinks to $SECRET over rdrill_hba.conf and
# recovery.signal as fast as it can until the server's postmaster.pid
# appears (rdrill has written all it writes), the directory is gone or
# rdrill has ended (bounded in rounds and time too).
SWAP=$TOP/${B:-build}/swap-symlink
[ -x "$SWAP" ] || { fail "no $SWAP (make ${B:-build}/swap-symlink)"; test_done; }
SWAP=$(pg_reachable "$SWAP")
mkdir "$TRASH/swapper"
[ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$TRASH/swapper"
pitr_drill "$TRASH/d2.yaml" "target_immediate: true"
as_pg sh -c "'$SWAP' '$SECRET' '$TRASH/scratch' '$TRASH/swap.stop' rdrill_hba.conf recovery.signal >'$TRASH/swapper/count'" &
swapper=$!
"$RDRILL" run "$TRASH/d2.yaml" -o "$TRASH/o2" >"$OUT" 2>"$ERR" </dev/null
rc=$?
touch "$TRASH/swap.stop"
wait "$swapper"
if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then pass "run under attack ended (exit $rc)"
else fail "run under attack: exit $rc"; fi
expect_true "the swapping program ran" test "$(cat "$TRASH/swapper/count")" -gt 0
expect_true "the root-owned file: owner and mode untouched" \
	test "$(stat -c '%u:%g %a' "$SECRET")" = "$before"
expect_grep '^# ROOT-ONLY-SECRET-7f3a9c$' "$SECRET"
if [ "$(wc -l <"$SECRET")" -eq 1 ]; then pass "the root-owned file's bytes untouched"
else fail "the root-owned file was written to"; fi
if grep -rq 'ROOT-ONLY-SECRET' "$TRASH/o2"; then fail "the secret reached the bundle"
else pass "the secret is nowhere in the second bundle"; fi
test_done
