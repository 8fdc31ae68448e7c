#!/bin/sh
# Runs the unit binaries given as arguments, then every tests/tNNNN-*.sh,
# against $RDRILL. Prints one summary line; exits 1 if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
failures=""
for u in "$@"; do
	if "$u"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $u"
	fi
done
for t in tests/t[0-9][0-9][0-9][0-9]-*.sh; do
	[ -f "$t" ] || continue
	echo "--- $t"
	t0=$(date +%s)
	if sh "$t"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures="$failures $t"
	fi
	# How long each took: a wait that always runs out its bound shows.
	echo "--- $t: $(($(date +%s) - t0)) s"
done
echo "=== $B: test files: $passed passed, $failed failed"
[ -z "$failures" ] || echo "=== failed:$failures"
[ "$failed" -eq 0 ]
