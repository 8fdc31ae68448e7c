#!/bin/sh
# A text taken as written (secret_env's variable names, a connection's
# password_env and host: no ${...} expanded) cannot hold a placeholder
# of a scheduled: item's file, so "${backup." in one is refused at load
# at its line and column (exit 2), by validate and by run alike: such a
# text used to pass validate and stop the run on an internal error
# (an item no pick knows), or be filled with a file's path unchecked.
. "$(dirname "$0")/lib.sh"

mkdir "$TRASH/b"
echo dump >"$TRASH/b/db-1.dump"
lit() {
	cat <<EOF
rdrill: 1
id: lit
title: Test drill lit
system: test
environment: test
objective: test
targets: {rto: 10m, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], scheduled: "$TRASH/b/*.dump"}
phases:
  restore:
    - id: r1
      run: ["true"]
      secret_env: {X: "$1"}
EOF
}
for ref in '${backup.nosuch.path}' '${backup.db.path}'; do
	lit "$ref" >"$TRASH/lit.yaml"
	expect_exit 2 "$RDRILL" validate "$TRASH/lit.yaml"
	expect_grep "lit.yaml:14:23: 'X' is taken as written" "$ERR"
	"$RDRILL" run "$TRASH/lit.yaml" --confirm test -o "$TRASH/o" \
		>"$OUT" 2>"$ERR"
	rc=$?
	expect_true "run refuses it at load: exit 2 ($rc)" test $rc -eq 2
	expect_grep "lit.yaml:14:23: 'X' is taken as written" "$ERR"
	expect_true "no bundle" test ! -e "$TRASH/o"
done
test_done
