#!/bin/sh
# The bundle is rdrill's alone (issue 27 point 3, issue 21 "evidence
# anyone on the host can read"):
# - private whatever the umask: directories 0700, files 0600; or, with
#   the drill's evidence_group, 0750/0640 and that group's;
# - refused (exit 3, nothing run) when a directory above it can be
#   written by another user: owned by one (the default reports/ under
#   sudo from a user's checkout) or group/world-writable and not sticky;
#   a sticky /tmp-like parent is fine, and there the run_as user cannot
#   move the bundle away;
# - anchored: a step that renames the bundle directory and puts a
#   symlink to another directory in its place redirects nothing: every
#   later file lands in the real bundle, the other directory's files are
#   untouched, and the run stops there, unsealed.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
U=$PG_OS_USER
simple() {
	{
		drill_head "$2" test
		echo "phases:"
		echo "  restore:"
		cat
	} >"$1"
}

# 1. Private under umask 022.
printf '    - {id: one, run: [echo, hello]}\n' | simple "$TRASH/d.yaml" private
expect_exit 0 sh -c "umask 022; exec '$RDRILL' run '$TRASH/d.yaml' -o '$TRASH/out'"
expect_true "bundle directory 0700" test "$(stat -c %a "$TRASH/out")" = 700
expect_true "steps/ 0700" test "$(stat -c %a "$TRASH/out/steps")" = 700
find "$TRASH/out" -type f ! -perm 600 >"$TRASH/loose"
if [ -s "$TRASH/out/journal.jsonl" ] && [ ! -s "$TRASH/loose" ]; then
	pass "every file 0600 ($(find "$TRASH/out" -type f | wc -l) files)"
else
	fail "files not 0600: $(cat "$TRASH/loose")"
fi
expect_exit 0 "$RDRILL" verify "$TRASH/out"

# ... or readable by the group the drill names.
G=$(id -gn "$U")
printf '    - {id: one, run: [echo, hello]}\n' | simple "$TRASH/g.yaml" grouped
sed -i "s/^objective: test/objective: test\nevidence_group: $G/" "$TRASH/g.yaml"
expect_exit 0 sh -c "umask 077; exec '$RDRILL' run '$TRASH/g.yaml' -o '$TRASH/gout'"
expect_true "bundle directory 0750, group $G" test "$(stat -c '%a %G' "$TRASH/gout")" = "750 $G"
find "$TRASH/gout" -type f ! -perm 640 -o -type f ! -group "$G" >"$TRASH/loose"
if [ ! -s "$TRASH/loose" ]; then pass "every file 0640, group $G"
else fail "files not 0640 $G: $(cat "$TRASH/loose")"; fi
PGR=$(pg_reachable "$RDRILL")
expect_true "a member of $G can verify it" as_pg env RDRILL_TEMPLATES="$TRASH/.pgbin/templates" "$PGR" verify "$TRASH/gout"
sed -i "s/^evidence_group: .*/evidence_group: rdrill-no-such-group/" "$TRASH/g.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/g.yaml" -o "$TRASH/gout2"
expect_grep "evidence_group: no group 'rdrill-no-such-group'" "$ERR"

# 2. A parent another user can write: refused, nothing runs.
mkdir "$TRASH/open"
chmod 777 "$TRASH/open"
printf '    - {id: one, run: [touch, "%s/ran"]}\n' "$TRASH" | simple "$TRASH/t.yaml" refuse
expect_exit 3 "$RDRILL" run "$TRASH/t.yaml" -o "$TRASH/open/out"
expect_grep "open is writable by other users (mode 777, not sticky)" "$ERR"
expect_no_file "$TRASH/ran"
expect_no_file "$TRASH/open/out"
if [ "$(id -u)" -eq 0 ]; then
	mkdir "$TRASH/theirs"
	chown "$U" "$TRASH/theirs"
	expect_exit 3 "$RDRILL" run "$TRASH/t.yaml" -o "$TRASH/theirs/out"
	expect_grep "theirs is owned by uid $(id -u "$U")" "$ERR"
	# sudo rdrill run from a user's checkout: the default reports/.
	expect_exit 3 sh -c "cd '$TRASH/theirs' && exec '$RDRILL' run '$TRASH/t.yaml'"
	expect_grep "theirs is owned by uid" "$ERR"
	expect_no_file "$TRASH/theirs/reports/$(date +%Y-%m-%d)-refuse"
else
	# The same rule for a normal user: a group-writable parent.
	mkdir "$TRASH/grp"
	chmod 775 "$TRASH/grp"
	expect_exit 3 "$RDRILL" run "$TRASH/t.yaml" -o "$TRASH/grp/out"
	expect_grep "grp is writable by other users (mode 775" "$ERR"
fi
expect_no_file "$TRASH/ran"
# An existing -o must be an empty directory only rdrill's user can write.
mkdir "$TRASH/loose-dir"
chmod 777 "$TRASH/loose-dir"
expect_exit 3 "$RDRILL" run "$TRASH/t.yaml" -o "$TRASH/loose-dir"
expect_grep "not an empty directory of rdrill's user that only it can write" "$ERR"

# 3. A sticky, world-writable parent owned by the runner (like /tmp): the
# run_as user cannot move the bundle away during the step.
mkdir "$TRASH/sticky" "$TRASH/victim"
chmod 1777 "$TRASH/sticky"
echo ORIGINAL >"$TRASH/victim/report.md"
simple "$TRASH/s.yaml" sticky <<YAML
    - id: attack
      run_as: "$U"
      shell: 'mv "$TRASH/sticky/out" "$TRASH/sticky/moved" && ln -s "$TRASH/victim" "$TRASH/sticky/out"; exit 0'
    - {id: two, run: [echo, after]}
YAML
if [ "$(id -u)" -eq 0 ]; then
	expect_exit 0 "$RDRILL" run "$TRASH/s.yaml" -o "$TRASH/sticky/out"
	expect_true "the bundle is still a directory in place" test -d "$TRASH/sticky/out" -a ! -L "$TRASH/sticky/out"
	expect_no_file "$TRASH/sticky/moved"
	expect_exit 0 "$RDRILL" verify "$TRASH/sticky/out"
else
	# run_as is rdrill's own user, who may move its bundle: caught.
	expect_exit 1 "$RDRILL" run "$TRASH/s.yaml" -o "$TRASH/sticky/out"
	expect_grep "was moved or replaced during the run" "$ERR"
	expect_grep '^ORIGINAL$' "$TRASH/victim/report.md"
fi

# 4. Anchored: the step (rdrill's own user, the only one who can) swaps
# the bundle for a symlink to another directory holding a report.md.
simple "$TRASH/w.yaml" swapped <<YAML
    - id: swap
      shell: 'mv "$TRASH/sw" "$TRASH/sw.moved" && ln -s "$TRASH/victim" "$TRASH/sw"'
    - {id: two, run: [echo, after-the-swap]}
YAML
"$RDRILL" run "$TRASH/w.yaml" -o "$TRASH/sw" >"$OUT" 2>"$ERR" </dev/null
rc=$?
if [ "$rc" -ne 0 ]; then pass "the run stops (exit $rc)"; else fail "the run passed"; fi
expect_grep "bundle directory $TRASH/sw was moved or replaced during the run" "$ERR"
expect_true "the swap happened" test -L "$TRASH/sw" -a -d "$TRASH/sw.moved"
expect_grep '^ORIGINAL$' "$TRASH/victim/report.md"
if [ "$(ls -A "$TRASH/victim")" = report.md ]; then pass "nothing new in the symlink's target"
else fail "written through the symlink: $(ls -A "$TRASH/victim")"; fi
expect_grep 'was moved or replaced during the run' "$TRASH/sw.moved/journal.jsonl"
expect_true "the end record in the real bundle" \
	jq -s -e 'last | .type == "end" and .status == "FAILED"' "$TRASH/sw.moved/journal.jsonl"
expect_no_file "$TRASH/sw.moved/steps/02-two.out"
expect_no_file "$TRASH/sw.moved/SEAL"
test_done
