#!/bin/sh
# A plan named by hash is read a step at a time (planread.h), each other
# value parsed on its own: that parse counts against the read's budget
# as it goes. A plan.json whose SHA-256 the journal names (re-linked, as
# a forger would) with one member of seven million empty objects in its
# plan (21 MB) is refused with the whole parse's message in bounded
# memory; a build that counted each value only once it was parsed took
# 1.6 GB here before refusing it.
. "$(dirname "$0")/lib.sh"
command -v perl >/dev/null || { echo "perl is needed" >&2; exit 1; }

big_plan_drill big >"$TRASH/big.yaml" <<'EOF'
    - {id: r1, run: ["true"]}
EOF
expect_exit 0 "$RDRILL" run "$TRASH/big.yaml" --confirm test -o "$TRASH/big"
grep -q '"plan_file"' "$TRASH/big/journal.jsonl"
expect_true "the plan is named by its hash" test $? -eq 0

# forge FILTER: the run's bundle, its plan.json forged (lib.sh).
forge() {
	forge_plan_json "$TRASH/big" "$TRASH/f" "$1"
}
forge 's/\n  "plan": \{\n/"\n  \"plan\": {\n    \"aaa\": [" . ("{}," x 6999999) . "{}],\n"/e'
expect_true "plan.json holds the 21 MB member" \
	test "$(wc -c <"$TRASH/f/plan.json")" -gt 21000000

# peak KB of a command, its own exit code kept in $TRASH/.rc
peak() {
	/usr/bin/time -f '%M' -o "$TRASH/.rss" "$@" >"$OUT" 2>"$ERR"
	echo $? >"$TRASH/.rc"
	tail -n 1 "$TRASH/.rss"
}
# 400 MiB; under AddressSanitizer (redzones, shadow memory, its runtime)
# 768 MiB, which the unbounded parse (1.6 GB plain) still fails.
LIMIT=409600
if ldd "$RDRILL" 2>/dev/null | grep -q libasan; then
	LIMIT=786432
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
	export ASAN_OPTIONS
fi
kb=$(peak "$RDRILL" verify "$TRASH/f")
echo "# verify: $kb KB"
expect_true "verify: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
expect_true "verify: exit 1, not killed ($(cat "$TRASH/.rc"))" \
	test "$(cat "$TRASH/.rc")" -eq 1
cat "$OUT" "$ERR" >"$TRASH/all"
expect_grep 'plan.json: takes more memory to read than a journal may' "$TRASH/all"

kb=$(peak "$RDRILL" render "$TRASH/f")
echo "# render: $kb KB"
expect_true "render: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
cat "$OUT" "$ERR" >"$TRASH/all"
expect_grep 'plan.json: takes more memory to read than a journal may' "$TRASH/all"

kb=$(peak "$RDRILL" history "$TRASH")
echo "# history: $kb KB"
expect_true "history: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT

test_done
