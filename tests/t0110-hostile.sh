#!/bin/sh
# Hostile drill files: each gets a clear file:line:col error and exit 2,
# never a crash or a hang (timeout 10 guards hangs; speed itself is a
# benchmark matter, not asserted here).
. "$(dirname "$0")/lib.sh"

hostile() { # NAME EXPECTED-MESSAGE-REGEX
	expect_exit 2 timeout 10 "$RDRILL" validate "$TRASH/$1.yaml"
	expect_grep "^rdrill: $TRASH/$1.yaml:[0-9]*:[0-9]*: $2" "$ERR"
}

# A billion-laughs alias bomb: refused at the first anchor.
{
	echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'
	prev=a
	for l in b c d e f g h i; do
		printf '%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n' \
			$l $l $prev $prev $prev $prev $prev $prev $prev $prev $prev
		prev=$l
	done
} >"$TRASH/alias-bomb.yaml"
hostile alias-bomb "anchors (&a) are not allowed"

# 100,000-deep nesting, flow and block.
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' \
	>"$TRASH/deep-flow.yaml"
hostile deep-flow "nested deeper than 64 levels"
awk 'BEGIN { for (i = 0; i < 100000; i++) { for (j = 0; j < i % 50; j++) printf " "; print "- " } }' \
	>"$TRASH/deep-block.yaml"
expect_exit 2 timeout 10 "$RDRILL" validate "$TRASH/deep-block.yaml"
expect_grep "^rdrill: $TRASH/deep-block.yaml:[0-9]*:[0-9]*: " "$ERR"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{a: "; printf "1"; for (i = 0; i < 100000; i++) printf "}"; print "" }' \
	>"$TRASH/deep-map.yaml"
hostile deep-map "nested deeper than 64 levels"

# A 16 MiB scalar.
{ printf 'title: "'; head -c 16777216 /dev/zero | tr '\0' 'x'; printf '"\n'; } \
	>"$TRASH/big-scalar.yaml"
hostile big-scalar "value is 16777216 bytes long; at most 1048576 are allowed"

# Binary, NUL bytes, invalid UTF-8, empty, only a comment, several documents.
head -c 4096 /dev/urandom >"$TRASH/random.yaml"
expect_exit 2 timeout 10 "$RDRILL" validate "$TRASH/random.yaml"
expect_grep "^rdrill: $TRASH/random.yaml:[0-9]*:[0-9]*: " "$ERR"
printf 'id: x\0y\n' >"$TRASH/nul.yaml"
hostile nul "NUL byte in the file"
printf 'id: \377\376\n' >"$TRASH/latin.yaml"
hostile latin "not a valid drill file: invalid leading UTF-8 octet"
: >"$TRASH/empty.yaml"
hostile empty "empty drill file"
printf '# only a comment\n' >"$TRASH/comment.yaml"
hostile comment "empty drill file"
printf 'a: 1\n---\nb: 2\n---\nc: 3\n' >"$TRASH/docs.yaml"
hostile docs "a drill file holds one YAML document"
printf -- '- just\n- a list\n' >"$TRASH/list.yaml"
hostile list "a drill file is a mapping"
# A 40 MiB file is refused before parsing.
head -c 41943040 /dev/zero | tr '\0' '#' >"$TRASH/huge.yaml"
hostile huge "file is larger than 32 MiB"
# Many small values: bounded too.
awk 'BEGIN { print "vars:"; for (i = 0; i < 250000; i++) printf "  v%d: x\n", i }' \
	>"$TRASH/wide.yaml"
hostile wide "too many values"

# YAML 1.1 traps stay text, and typed fields refuse them.
sed -e 's/^title: Minimal drill/title: no/' -e 's/^environment: test/environment: "on"/' \
	"$TOP/tests/drills/minimal.yaml" >"$TRASH/traps.yaml"
printf 'vars:\n  version: 1.10\n  country: NO\n' >>"$TRASH/traps.yaml"
expect_exit 0 "$RDRILL" validate "$TRASH/traps.yaml"
test_done
