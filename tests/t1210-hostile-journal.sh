#!/bin/sh
# Readers in bounded memory for hostile input (issue 27, point 4): a
# 20 MB journal of 1 MiB lines of nested empty arrays, dropped into a
# real bundle (its hash chain kept valid, so the chain-checking reader
# reads it to the end; and once with the chain broken, so verify falls
# back to its unchecked reader) stays under 64 MiB peak RSS in verify and
# in history (which also looks up the previous run), and is refused as
# damaged, naming the line; a record nested deeper than 64 levels is
# refused before it is parsed. The assertion is of memory, not time.
. "$(dirname "$0")/lib.sh"
{ drill_head hostile test
cat <<EOF
phases:
  backup:
    - {id: one, run: [echo, one]}
EOF
} >"$TRASH/d.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/h/good"
cp -r "$TRASH/h/good" "$TRASH/h/bad"
J=$TRASH/h/bad/journal.jsonl
# The start record stays; 19 records of just under 1 MiB follow, each
# {"type":"step",...,"x":[[[]],[],[[[]]],...]}, chained like rdrill's.
head -n 1 "$TRASH/h/good/journal.jsonl" >"$TRASH/start"
perl -MDigest::SHA=sha256_hex -e '
	open(my $f, "<", $ARGV[0]) or die; my $prev = <$f>; chomp $prev;
	my $unit = "[[]],[],[[[]]],[[],[]]";
	my $body = join(",", ($unit) x int(1040000 / (length($unit) + 1)));
	print "$prev\n";
	for my $n (1 .. 19) {
		my $line = "{\"type\":\"step\",\"n\":$n,\"seq\":$n,\"prev\":\"" .
		    sha256_hex($prev) . "\",\"x\":[$body]}";
		print "$line\n"; $prev = $line;
	}' "$TRASH/start" >"$J"
expect_true "the journal is 20 MB" test "$(wc -c <"$J")" -gt 19000000
expect_true "no line over 1 MiB" test "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$J")" -le 1048576

# peak KB of a command, its own exit code ignored
peak() { /usr/bin/time -f '%M' -o "$TRASH/.rss" "$@" >"$OUT" 2>"$ERR"; tail -n 1 "$TRASH/.rss"; }
LIMIT=65536
# Under AddressSanitizer every allocation carries redzones and shadow
# memory (about three times a parsed record's bytes) and the runtime
# itself some 20 MB: there the bound checked is 256 MiB, which main's
# reader (about 1 GB here) still fails; the 64 MiB figure is the plain
# build's.
if ldd "$RDRILL" 2>/dev/null | grep -q libasan; then
	LIMIT=262144
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
	export ASAN_OPTIONS
fi
kb=$(peak "$RDRILL" verify "$TRASH/h/bad")
echo "# verify: $kb KB"
expect_true "verify: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
expect_grep 'FAILED  journal.jsonl:2: record 1 takes more memory to read than 24 times its size' "$OUT"
expect_grep '^NOT VERIFIED' "$OUT"

# The chain broken: verify's fallback reader, bounded the same.
sed -i '3s/"seq":2,/"seq":7,/' "$J"
kb=$(peak "$RDRILL" verify "$TRASH/h/bad")
echo "# verify, chain broken: $kb KB"
expect_true "verify, fallback reader: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
expect_grep 'journal.jsonl:2: record 1 takes more memory' "$OUT"

kb=$(peak "$RDRILL" history "$TRASH/h" -o "$TRASH")
echo "# history: $kb KB"
expect_true "history: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
expect_true "history lists the hostile bundle as not verified" test \
	"$(jq -r '[.drills[].runs[] | select(.bundle | endswith("/bad")) | .state] | join(" ")' "$TRASH/history.json")" != verified
# A run beside it looks up the previous run (history_previous): bounded.
kb=$(peak "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/h/next")
echo "# run beside it: $kb KB"
expect_true "a run beside it: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
expect_exit 0 "$RDRILL" verify "$TRASH/h/next"
# plan looks up the last run's duration in the same directory: bounded.
kb=$(peak "$RDRILL" plan "$TRASH/d.yaml" -o "$TRASH/h/p")
echo "# plan beside it: $kb KB"
expect_true "plan beside it: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT

# A sibling: a SHA256SUMS of 30 MB of short lines (each an entry held in
# memory) is bigger than any list of the bundle's files: not read.
cp -r "$TRASH/h/good" "$TRASH/sums"
perl -e 'my $h = "0" x 64; print "$h  x$_\n" for 1 .. 400000' >"$TRASH/sums/SHA256SUMS"
kb=$(peak "$RDRILL" verify "$TRASH/sums")
echo "# verify, hostile SHA256SUMS: $kb KB"
expect_true "verify, hostile SHA256SUMS: under $((LIMIT / 1024)) MiB ($kb KB)" test "$kb" -lt $LIMIT
expect_grep '^FAILED  SHA256SUMS: larger than a list of this bundle.s files can be: not read' "$OUT"

# Nesting: 70 levels is refused before parsing, with the line.
cp -r "$TRASH/h/good" "$TRASH/deep"
D=$TRASH/deep/journal.jsonl
perl -MDigest::SHA=sha256_hex -e '
	open(my $f, "<", $ARGV[0]) or die; my $prev = <$f>; chomp $prev;
	my $line = "{\"type\":\"step\",\"seq\":1,\"prev\":\"" . sha256_hex($prev) .
	    "\",\"x\":" . ("[" x 70) . ("]" x 70) . "}";
	print "$prev\n$line\n";' "$TRASH/start" >"$D"
expect_exit 1 "$RDRILL" verify "$TRASH/deep"
expect_grep 'journal.jsonl:2: record 1 nests deeper than the 64 levels' "$OUT"
test_done
