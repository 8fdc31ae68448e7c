#!/bin/sh
# history over a collected tree: bundles shipped over SSH by two runner
# hosts (two SSH users of a real loopback sshd) into one central
# directory, then `rdrill history CENTRAL --expect FILE`: a row per
# drill, environment and runner; a failure after a pass shows FAILED; a
# drill that never passed is OVERDUE; an expected runner that never
# reported is MISSING; exit 4. fleet.md in English and Chinese against
# goldens (dates masked).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh-lib.sh"

sshd_start || fail "sshd started"
sshd_key runner-a "$SSH_USER_A"
sshd_key runner-b "$SSH_USER_B"
CENTRAL=$TRASH/central
mkdir -p "$CENTRAL" "$TRASH/b"
chmod 777 "$CENTRAL"

# drill ID RESULT: a drill file whose one step passes or fails.
drill() {
	{ drill_head "$1" prod
	cat <<YAML
phases:
  verify_backup:
    - {id: one, run: ["$2"]}
YAML
	} >"$TRASH/$1-$2.yaml"
	echo "$TRASH/$1-$2.yaml"
}
# ship BUNDLE RUNNER USER KEY
ship() {
	"$RDRILL" ship "$TRASH/b/$1" "ssh://$3@127.0.0.1:$SSHD_PORT$CENTRAL" \
		--runner "$2" --identity "$TRASH/keys/$4" --known-hosts "$SSHD_KNOWN" \
		>/dev/null 2>&1 || fail "ship $1"
}
"$RDRILL" run "$(drill orders true)" -o "$TRASH/b/orders-a1" >/dev/null 2>&1
"$RDRILL" run "$(drill orders true)" -o "$TRASH/b/orders-b1" >/dev/null 2>&1
"$RDRILL" run "$(drill orders false)" -o "$TRASH/b/orders-b2" >/dev/null 2>&1
"$RDRILL" run "$(drill billing false)" -o "$TRASH/b/billing-a1" >/dev/null 2>&1
ship orders-a1 runner-a "$SSH_USER_A" runner-a
ship billing-a1 runner-a "$SSH_USER_A" runner-a
ship orders-b1 runner-b "$SSH_USER_B" runner-b
ship orders-b2 runner-b "$SSH_USER_B" runner-b

cat >"$TRASH/expect" <<'EXP'
# drill   environment  runner
orders    prod         runner-a
orders    prod         runner-b
orders    prod         runner-c    # never reported
billing   prod         runner-a
EXP
mask() {
	sed -E 's/20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC/<when>/g;
		s/20[0-9]{2}-[0-9]{2}-[0-9]{2}/<date>/g' "$1"
}
for lang in en zh-CN; do
	mkdir -p "$TRASH/out-$lang"
	expect_exit 4 "$RDRILL" history "$CENTRAL" -o "$TRASH/out-$lang" \
		--expect "$TRASH/expect" --lang "$lang"
	mask "$TRASH/out-$lang/fleet.md" >"$TRASH/fleet.$lang.md"
	expect_same "$TOP/tests/golden/fleet/$lang.md" "$TRASH/fleet.$lang.md"
	expect_file "$TRASH/out-$lang/fleet.html"
done
expect_grep '^MISSING  orders/prod on runner-c: latest never$' "$OUT"
expect_grep '^OVERDUE  billing/prod on runner-a' "$OUT"
expect_grep '^FAILED   orders/prod on runner-b' "$OUT"
expect_grep '^PASSED   orders/prod on runner-a' "$OUT"
J=$TRASH/out-en/fleet.json
expect_true "fleet.json: 1 missing, 1 overdue, 2 runners" \
	test "$(jq -c '[.missing, .overdue, .runners]' "$J")" = "[1,1,2]"
expect_true "runner-b: 2 runs, the failure supersedes its pass" \
	test "$(jq -c '.rows[] | select(.runner == "runner-b") | [.runs, .verdict, (.last_pass != null)]' "$J")" = '[2,"FAILED",true]'

# All expected and passing: exit 0 (runner-c reports, billing passes).
"$RDRILL" run "$(drill orders true)" -o "$TRASH/b/orders-c1" >/dev/null 2>&1
"$RDRILL" run "$(drill billing true)" -o "$TRASH/b/billing-a2" >/dev/null 2>&1
"$RDRILL" run "$(drill orders true)" -o "$TRASH/b/orders-b3" >/dev/null 2>&1
ship orders-c1 runner-c "$SSH_USER_A" runner-a
ship billing-a2 runner-a "$SSH_USER_A" runner-a
ship orders-b3 runner-b "$SSH_USER_B" runner-b
expect_exit 0 "$RDRILL" history "$CENTRAL" -o "$TRASH" --expect "$TRASH/expect"
expect_no_grep 'MISSING\|OVERDUE\|FAILED' "$OUT"

# A malformed expect file: file:line, exit 1, nothing claimed.
printf 'orders prod\n' >"$TRASH/bad-expect"
expect_exit 1 "$RDRILL" history "$CENTRAL" -o "$TRASH" --expect "$TRASH/bad-expect"
expect_grep 'bad-expect:1: want DRILL ENVIRONMENT RUNNER' "$ERR"

test_done
