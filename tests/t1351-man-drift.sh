#!/bin/sh
# The man page and --help come from one table (src/rdrill.c): rdrill.1's
# generated part must be exactly what `rdrill help --man` prints now
# (`make man` re-splices it), every subcommand's --help options appear in
# it, and history's exit codes are the documented ones (issue 20,
# point 7).
. "$(dirname "$0")/lib.sh"
M=$TOP/rdrill.1

sed -n '/^\.\\" BEGIN generated/,/^\.\\" END generated/p' "$M" |
	sed '1d;$d' >"$TRASH/in-page"
expect_true "rdrill.1 has a generated part" test -s "$TRASH/in-page"
expect_exit 0 "$RDRILL" help --man
expect_same "$TRASH/in-page" "$OUT"

# Every option every --help lists is in the page, for every command
# `rdrill --help` lists.
expect_exit 0 "$RDRILL" --help
cmds=$(sed -n 's/^  rdrill \([a-z]*\).*/\1/p' "$OUT")
expect_true "rdrill --help lists init and keygen" sh -c \
	"echo '$cmds' | grep -qx init && echo '$cmds' | grep -qx keygen"
for c in $cmds; do
	"$RDRILL" "$c" --help >"$TRASH/help" 2>&1
	expect_grep "^\\.B $c\$" "$M"
	for o in $(sed -n 's/^  \(-[-a-z]*\).*/\1/p' "$TRASH/help" | sort -u); do
		r=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		expect_grep "$r" "$TRASH/in-page"
	done
done

# The drift check itself fails when the table moves and the page does not.
sed 's/^check drill files/CHECK DRILL FILES/' "$TRASH/in-page" >"$TRASH/drifted"
expect_true "a drifted page is told apart" sh -c "! cmp -s '$TRASH/drifted' '$OUT'"

# Directories given with -o are created where missing (keygen, history,
# plan), and history's OVERDUE (4) is not its own failure (1).
expect_exit 0 "$RDRILL" keygen "$TRASH/new/keys"
expect_file "$TRASH/new/keys/rdrill-sign.key"
expect_true "the new key directory is the owner's alone" test \
	"$(stat -c %a "$TRASH/new/keys")" = 700
expect_exit 0 "$RDRILL" plan "$TOP/tests/drills/minimal.yaml" -o "$TRASH/new/plans/one"
expect_file "$TRASH/new/plans/one/plan.json"
expect_exit 0 "$RDRILL" history "$TRASH/new/plans" -o "$TRASH/new/hist/deeper"
expect_file "$TRASH/new/hist/deeper/history.md"
: >"$TRASH/plainfile"
expect_exit 1 "$RDRILL" history "$TRASH/new/plans" -o "$TRASH/plainfile/sub"
expect_exit 1 "$RDRILL" history "$TRASH/nonexistent"
test_done
