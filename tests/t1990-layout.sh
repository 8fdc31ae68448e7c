#!/bin/sh
# Two promises ARCHITECTURE.md makes of src/ (issue 22, point 4): no two
# modules include each other's headers, and no function is longer than
# 150 lines. Each check is also run on a copy of src/ made to break it,
# so a check that cannot fail is told apart.
. "$(dirname "$0")/lib.sh"

# mutual DIR: each pair of modules (a.c/a.h) that include each other,
# one line "a <-> b"; nothing when there is none.
mutual() {
	for f in "$1"/*.[ch]; do
		m=$(basename "$f" | sed 's/\.[ch]$//')
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" |
			sed "s/^/$m /"
	done | awk '$1 != $2 { e[$1 " " $2] = 1 }
		END { for (k in e) { split(k, p, " ");
			if (p[1] < p[2] && ((p[2] " " p[1]) in e))
				print p[1] " <-> " p[2] } }' | sort
}

# longest DIR: every function over 150 lines, "file:line lines name".
# A function is a signature beginning in column 1 with its body's braces
# in column 1, as every file in src/ is written.
longest() {
	awk '/^[A-Za-z_].*\(/ { sig = $0; at = FNR }
	     /^\{/ { open = 1 }
	     /^\}/ { if (open && FNR - at + 1 > 150)
			print FILENAME ":" at " " FNR - at + 1 " " sig;
		     open = 0 }' "$1"/*.c
}

mutual "$TOP/src" >"$TRASH/mutual"
expect_true "no two modules include each other" test ! -s "$TRASH/mutual"
longest "$TOP/src" >"$TRASH/long"
expect_true "no function in src/ over 150 lines" test ! -s "$TRASH/long"
[ -s "$TRASH/mutual" ] && cat "$TRASH/mutual" >&2
[ -s "$TRASH/long" ] && cat "$TRASH/long" >&2

# The same checks find what a copy made to break them holds.
mkdir "$TRASH/src"
cp "$TOP/src/"*.[ch] "$TRASH/src/"
printf '#include "drill.h"\n' >>"$TRASH/src/strbuf.c"
printf '#include "strbuf.h"\n' >>"$TRASH/src/drill.h"
{
	printf 'int too_long(void)\n{\n'
	i=0
	while [ $i -lt 148 ]; do printf '\t;\n'; i=$((i + 1)); done
	printf '}\n'
} >>"$TRASH/src/clock.c"
mutual "$TRASH/src" >"$TRASH/mutual2"
expect_true "a mutual include made on purpose is found" \
	grep -qx 'drill <-> strbuf' "$TRASH/mutual2"
longest "$TRASH/src" >"$TRASH/long2"
expect_true "a 151-line function made on purpose is found" \
	grep -q 'clock.c:[0-9]* 151 int too_long(void)' "$TRASH/long2"
test_done
