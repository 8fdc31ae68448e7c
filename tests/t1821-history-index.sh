#!/bin/sh
# Issue 25, point 4: the history index beside the bundles is a cache
# only. history and a run's previous-run look-up write it; an entry is
# believed only while its bundle's files are the ones it was made from
# (names, inodes, sizes, mtimes, ctimes): a bundle edited or signed off
# after indexing is read again and shows its real state; a forged entry
# for a bundle it does not match is ignored; a deleted, damaged or huge
# index is rebuilt; an index others may write (group-writable, or, run
# as root, another user's) is not read at all.
. "$(dirname "$0")/lib.sh"
small_drill idx >"$TRASH/idx.yaml"
R=$TRASH/r
I=$R/.rdrill-history-index.jsonl
run() { "$RDRILL" run "$TRASH/idx.yaml" --confirm test "$@"; }
expect_exit 0 "$RDRILL" plan "$TRASH/idx.yaml" -o "$R/0-plan"
expect_exit 0 run -o "$R/1-passed"
expect_exit 1 run -o "$R/2-failed" --var code=3
# The second run's start looked its previous run up: an index now.
expect_file "$I"
expect_true "the index: a header and the two bundles before it" test \
	"$(sed 1d "$I" | jq -r .name | sort | tr '\n' ' ')" = "0-plan 1-passed "
expect_true "the header names the format" test \
	"$(head -n 1 "$I" | jq -r .format)" = rdrill-history-index/3
expect_true "written 0600 by this user (private, like the bundles)" test \
	"$(stat -c '%a %u' "$I")" = "600 $(id -u)"

hist() { "$RDRILL" history "$R" -o "$TRASH/$1" >/dev/null 2>&1; }
states() { jq -r '[.drills[0].runs[] | "\(.bundle | split("/") | last)=\(.status)/\(.state)"] | join(" ")' "$TRASH/$1/history.json"; }
expect_exit 0 hist h1
expect_true "history: both runs, verified" test \
	"$(states h1)" = "1-passed=PASSED/verified 2-failed=NOT RESTORED/verified"
expect_true "every bundle indexed, the plan bundle too" test \
	"$(sed 1d "$I" | jq -r .name | sort | tr '\n' ' ')" = "0-plan 1-passed 2-failed "
expect_true "history's entries hold the run" test \
	"$(sed 1d "$I" | jq -r 'select(.name=="2-failed") | .run.status')" = "NOT RESTORED"

# Believed while the bundle is as it was: an index of this user's is
# used (here edited to prove it; no one else may write it, below).
cp "$I" "$TRASH/index.good"
jq -c 'if .name == "2-failed" then .run.status = "FAILED-FROM-INDEX" else . end' \
	"$TRASH/index.good" >"$I"
expect_exit 0 hist h2
expect_true "the index is used while the bundle is unchanged" test \
	"$(states h2)" = "1-passed=PASSED/verified 2-failed=FAILED-FROM-INDEX/verified"

# A forged entry for a bundle it does not match (another identity): the
# bundle is read again, its real verdict shown, the entry replaced.
jq -c 'if .name == "2-failed" then .run.status = "PASSED" | .ident = ("0" * 64) else . end' \
	"$TRASH/index.good" >"$I"
expect_exit 0 hist h3
expect_true "a forged entry that does not match: ignored" test \
	"$(states h3)" = "1-passed=PASSED/verified 2-failed=NOT RESTORED/verified"
expect_true "and replaced by the real one" test \
	"$(sed 1d "$I" | jq -r 'select(.name=="2-failed") | "\(.run.status) \(.ident != ("0" * 64))"')" = "NOT RESTORED true"
# ... and a run's previous run is never taken from it either.
jq -c 'if .name == "2-failed" then .run.status = "PASSED" | .run.rto_ms = 1 | .ident = ("0" * 64) else . end' \
	"$TRASH/index.good" >"$I"
expect_exit 0 run -o "$R/3-passed"
expect_true "the run's previous run: the real FAILED one, not the forged PASSED" test \
	"$(jq -r 'select(.type=="start") | .context.previous | "\(.bundle) \(.status)"' "$R/3-passed/journal.jsonl")" = "2-failed NOT RESTORED"
rm -rf "$R/3-passed"

# A bundle changed after indexing is read again: a sign-off added, a
# journal edited (then TAMPERED, never the indexed PASSED).
expect_exit 0 hist h4
expect_exit 0 "$RDRILL" keygen "$TRASH/keys"
expect_exit 0 "$RDRILL" sign "$R/1-passed" --role auditor --name "A. Auditor" --key "$TRASH/keys/rdrill-sign.key"
expect_exit 0 hist h5
expect_true "the sign-off made after indexing is counted" test \
	"$(jq -r '.drills[0].runs[0].signoffs' "$TRASH/h5/history.json")" = 1
sed -i 's/"status":"PASSED"/"status":"PASSED" /' "$R/1-passed/journal.jsonl"
expect_exit 4 hist h6
expect_true "the journal edited after indexing: TAMPERED" test \
	"$(states h6)" = "1-passed=PASSED/tampered 2-failed=NOT RESTORED/verified"
expect_grep '| `TAMPERED` | .*`.*/1-passed` |$' "$TRASH/h6/history.md"
sed -i 's/"status":"PASSED" /"status":"PASSED"/' "$R/1-passed/journal.jsonl"

# Deleted: rebuilt.
rm -f "$I"
expect_exit 0 hist h7
expect_file "$I"
expect_true "rebuilt with every bundle" test "$(sed 1d "$I" | wc -l)" -eq 3
# Damaged (half a line, then garbage): set aside, rebuilt, same history.
head -c 300 "$I" >"$TRASH/half"
{ cat "$TRASH/half"; printf '\n{not json\n'; } >"$I"
expect_exit 0 hist h8
expect_true "a damaged index: the same history" test "$(states h8)" = "$(states h7)"
expect_true "and a whole index again" sh -c "jq -c . '$I' >/dev/null && test \$(wc -l <'$I') -eq 4"
# A wrong header (another renderer): set aside.
jq -c 'if .format then .renderer = "rdrill 0.0.0" else . end' "$TRASH/index.good" >"$I"
jq -c 'if .name == "2-failed" then .run.status = "PASSED" else . end' "$I" >"$TRASH/x" && mv "$TRASH/x" "$I"
expect_exit 0 hist h9
expect_true "another renderer's index: not believed" test "$(states h9)" = "$(states h7)"
# Huge (over 64 MiB): not read, rebuilt.
truncate -s 70M "$I"
expect_exit 0 hist h10
expect_true "a huge index: the same history" test "$(states h10)" = "$(states h7)"
expect_true "and rebuilt small" test "$(stat -c %s "$I")" -lt 100000

# Others may write it: not read, even when its entries match.
jq -c 'if .name == "2-failed" then .run.status = "PASSED" else . end' \
	"$I" >"$TRASH/x"
cp "$TRASH/x" "$I"
chmod 664 "$I"
expect_exit 0 hist h11
expect_true "a group-writable index: not read" test "$(states h11)" = "$(states h7)"
expect_true "replaced by one others cannot write" test "$(stat -c %a "$I")" = 600
if [ "$(id -u)" -eq 0 ]; then
	# Run as root: an index another user owns is not read either.
	cp "$TRASH/x" "$I"
	chmod 644 "$I"
	chown nobody "$I"
	expect_exit 0 hist h12
	expect_true "another user's index: not read by root" test "$(states h12)" = "$(states h7)"
	expect_true "replaced by root's" test "$(stat -c %u "$I")" = 0
else
	# Not root: an index that is a symlink to one of ours is not read.
	cp "$TRASH/x" "$TRASH/elsewhere.jsonl"
	rm -f "$I"
	ln -s "$TRASH/elsewhere.jsonl" "$I"
	expect_exit 0 hist h12
	expect_true "a symlinked index: not read" test "$(states h12)" = "$(states h7)"
fi
test_done
