#!/bin/sh
# Safety gates: destructive steps need --confirm <environment>; an
# approved plan hash must match; one run per drill at a time. A refusal
# is exit 3 and nothing in the drill runs.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"
echo precious >"$W/data"

{ drill_head gate staging
cat <<EOF
phases:
  preflight:
    - {id: marker, shell: "touch $W/preflight-ran"}
  verify_backup:
    - {id: check, run: ["true"]}
  destroy:
    - {id: wipe, run: [rm, -f, "$W/data"]}
  cleanup:
    - {id: bye, shell: "touch $W/cleanup-ran"}
EOF
} >"$TRASH/gate.yaml"

expect_exit 3 "$RDRILL" run "$TRASH/gate.yaml" -o "$TRASH/r1"
expect_grep 'run it with --confirm staging' "$ERR"
expect_file "$W/data"
expect_no_file "$W/preflight-ran"
expect_no_file "$W/cleanup-ran"
expect_grep '`REFUSED`' "$TRASH/r1/report.md"
expect_exit 3 "$RDRILL" run "$TRASH/gate.yaml" --confirm prod -o "$TRASH/r2"
expect_grep "does not match the drill's environment 'staging'" "$ERR"
expect_file "$W/data"

# At a terminal, typing the environment's name is the confirmation; any
# other answer refuses.
expect_true "typed a wrong name at the prompt: refused" sh -c \
	"printf 'prod\n' | script -qec \"'$RDRILL' run '$TRASH/gate.yaml' -o '$TRASH/t1'\" '$TRASH/t1.log'; test \$? -eq 3"
expect_grep 'Type the environment name to run them' "$TRASH/t1.log"
expect_file "$W/data"
expect_true "typed the name: runs" sh -c \
	"printf 'staging\n' | script -qec \"'$RDRILL' run '$TRASH/gate.yaml' -o '$TRASH/t2'\" '$TRASH/t2.log'"
expect_no_file "$W/data"
expect_grep '^PASSED' "$TRASH/t2.log"
echo precious >"$W/data"
rm -f "$W/preflight-ran" "$W/cleanup-ran"

# An approved plan that is not this plan.
expect_exit 3 "$RDRILL" run "$TRASH/gate.yaml" --confirm staging \
	--approved-plan 0000000000000000000000000000000000000000000000000000000000000000 \
	-o "$TRASH/r3"
expect_grep 'is not the approved plan' "$ERR"
expect_file "$W/data"

# The approved hash from `rdrill plan` lets it run.
expect_exit 0 "$RDRILL" plan "$TRASH/gate.yaml" -o "$TRASH/p"
H=$(jq -r .plan_hash "$TRASH/p/plan.json")
expect_exit 0 "$RDRILL" run "$TRASH/gate.yaml" --confirm staging \
	--approved-plan "$H" -o "$TRASH/r4"
expect_no_file "$W/data"
expect_file "$W/cleanup-ran"
expect_grep "$H" "$TRASH/r4/report.md"

# A second run while one runs is refused.
{ drill_head lock test
cat <<EOF
phases:
  backup:
    - {id: hold, run: [sh, -c, "touch '$W/holding'; while [ ! -e '$W/release' ]; do sleep 0.1; done"]}
EOF
} >"$TRASH/lock.yaml"
"$RDRILL" run "$TRASH/lock.yaml" -o "$TRASH/l1" >/dev/null 2>&1 &
pid=$!
# Held while its step runs; released by the test, not by a clock.
i=0
while [ ! -e "$W/holding" ] && kill -0 $pid 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.1; i=$((i + 1)); done
expect_exit 3 "$RDRILL" run "$TRASH/lock.yaml" -o "$TRASH/l2"
touch "$W/release"
expect_grep 'another run of drill lock in environment test holds .*(pid [0-9]*, started ' "$ERR"
wait $pid
expect_true "the first run passed" test $? -eq 0
test_done
