#!/bin/sh
# Variable expansion is capped: a 2 KB drill file whose variables repeat
# each other 30 times a level (4 GB after six levels) is refused with a
# file:line:col error and exit 2, before it is built; so is a chain of
# variables deeper than 8 levels, and a file whose fields together expand
# to more than 16 MiB. Reasonable use still expands.
. "$(dirname "$0")/lib.sh"

# bomb FILE LEVELS FANOUT: v0 is 64 bytes, each next one FANOUT of the last.
bomb() {
	{
		drill_head bomb test
		echo "vars:"
		echo "  v0: \"$(printf '%064d' 0)\""
		_l=1
		while [ "$_l" -le "$2" ]; do
			_v="" _k=0
			while [ "$_k" -lt "$3" ]; do _v="$_v\${v$((_l - 1))}"; _k=$((_k + 1)); done
			echo "  v$_l: \"$_v\""
			_l=$((_l + 1))
		done
		cat <<YAML
phases:
  restore:
    - {id: s, run: [echo, "\${v$2}"]}
YAML
	} >"$1"
}

bomb "$TRASH/bomb.yaml" 6 30
sz=$(wc -c <"$TRASH/bomb.yaml")
if [ "$sz" -lt 3000 ]; then pass "the bomb is small ($sz bytes)"; else fail "bomb is $sz bytes"; fi
# ulimit: if the cap were missing, the loader would die of it, not pass
# (not under AddressSanitizer, whose shadow memory needs the address space).
LIMIT="ulimit -v 1000000;"
sh -c "$LIMIT exec '$RDRILL' --version" >/dev/null 2>&1 || LIMIT=""
expect_exit 2 sh -c "$LIMIT exec '$RDRILL' validate '$TRASH/bomb.yaml'"
# v3 is the first over 1 MiB (64 * 30^3 = 1.7 MB): its line, its column.
line=$(grep -n '^  v3:' "$TRASH/bomb.yaml" | cut -d: -f1)
expect_grep "bomb.yaml:$line:[0-9]*: \${v2} makes this value longer than 1024 KiB" "$ERR"
expect_exit 2 "$RDRILL" plan "$TRASH/bomb.yaml" -o "$TRASH/plan-out"
expect_grep "bomb.yaml:$line:" "$ERR"

# Deep but small: 12 levels of one reference each.
bomb "$TRASH/deep.yaml" 12 1
expect_exit 2 "$RDRILL" validate "$TRASH/deep.yaml"
line=$(grep -n '^  v9:' "$TRASH/deep.yaml" | cut -d: -f1)
expect_grep "deep.yaml:$line:[0-9]*: variable 'v9' builds on 9 levels of variables; at most 8" "$ERR"

# Many fields, each under the per-value cap, together over 16 MiB.
bomb "$TRASH/wide.yaml" 3 16
{
	echo "    - {id: w0, run: [echo, \"\${v3}\"]}"
	i=1
	while [ $i -lt 80 ]; do echo "    - {id: w$i, run: [echo, \"\${v3}\"]}"; i=$((i + 1)); done
} >>"$TRASH/wide.yaml"
expect_exit 2 "$RDRILL" validate "$TRASH/wide.yaml"
expect_grep "wide.yaml:[0-9]*:[0-9]*: .*the drill file expands to more than 16 MiB" "$ERR"

# Within the caps: fine.
bomb "$TRASH/ok.yaml" 3 8
expect_exit 0 "$RDRILL" validate "$TRASH/ok.yaml"
test_done
