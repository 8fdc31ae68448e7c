#!/bin/sh
# A scheduled backup's picked file reaches the steps as one value,
# whatever its name holds (issue 22, point 3): the picks are bound into
# the loaded steps' texts as typed references (deferred.h), never by
# rewriting the plan. A file named with a quote, spaces, $( ) and a
# newline is one argv element where the drill wrote ${backup.db.path}
# in run:, and one shell word in shell: (quoted there), and the command
# it spells never runs. The plan keeps the rule; each step that names
# the file is checked before and after it, the others are not.
. "$(dirname "$0")/lib.sh"

BK=$TRASH/bk
mkdir -p "$BK"
# Run by a shell, $(...) and `...` would write "ran" in the name and
# touch the files; split, the name would be words.
NAME="it's a \$(echo ran; touch pwned) \"b\"
c \`touch pwned2\` ;d.dump"
printf 'not a dump, only bytes\n' >"$BK/$NAME"
PICKED=$BK/$NAME

cat >"$TRASH/d.yaml" <<EOF
rdrill: 1
id: hostile-pick
title: hostile picked name
system: test
environment: test
objective: restore the newest scheduled backup
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db],
     scheduled: "$BK/*.dump"}
phases:
  verify_backup:
    - id: argv
      run: [sh, -c, 'printf %s "\$1" >"\$2"; printf %s "\$#" >"\$3"', sh,
            "\${backup.db.path}", "$TRASH/argv.out", "$TRASH/argv.n"]
    - id: shell
      shell: |
        printf %s \${backup.db.path} >"$TRASH/shell.out"
        set -- \${backup.db.path}
        printf %s "\$#" >"$TRASH/shell.n"
    - id: other
      run: ["true"]
EOF
# The steps run where rdrill is started: here, so what an injection
# would write stays in the test's directory.
cd "$TRASH" || exit 1
expect_exit 0 "$RDRILL" validate "$TRASH/d.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/b" --lang en
J=$TRASH/b/journal.jsonl

# The file reached both commands whole, as one value each.
printf %s "$PICKED" >"$TRASH/want"
expect_same "$TRASH/want" "$TRASH/argv.out"
expect_same "$TRASH/want" "$TRASH/shell.out"
printf %s 3 >"$TRASH/want.n"
expect_same "$TRASH/want.n" "$TRASH/argv.n"
printf %s 1 >"$TRASH/want.n"
expect_same "$TRASH/want.n" "$TRASH/shell.n"
expect_no_file "$TRASH/pwned"
expect_no_file "$TRASH/pwned2"

# The journal's pick names it; the plan keeps the placeholders.
expect_grep '"type":"backup".*"status":"picked"' "$J"
expect_grep_F '"chosen":"'"$BK"'/it'"'"'s a $(echo ran; touch pwned) \"b\"\nc `touch' "$J"
expect_grep_F '"${backup.db.path}"' "$TRASH/b/plan.json"
expect_grep_F '${backup.db.path@shell}' "$TRASH/b/plan.json"
expect_no_grep 'touch pwned' "$TRASH/b/plan.json"

# Checked around the two steps that name it, not around the third.
for id in argv shell; do
	n=$(grep "\"type\":\"step\".*\"id\":\"$id\"" "$J" |
	    grep -o ': [a-z]* the step, .* is the file picked' | grep -o 'is the file picked' | wc -l)
	expect_true "step $id: the picked file checked before and after ($n)" \
		[ "$n" -eq 2 ]
done
expect_true "step other: no check of the picked file" \
	sh -c "! grep '\"id\":\"other\".*is the file picked' '$J'"
expect_exit 0 "$RDRILL" verify "$TRASH/b"
test_done
