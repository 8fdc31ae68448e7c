#!/bin/sh
# Scheduled picks at production size: a directory of N (30) candidates of
# about 1 GB each, a drill whose item says `scheduled:` and has one
# trivial step; `rdrill run` (start, the pick, the step, journal, report,
# bundle) against `sha256sum` of the one file picked. Headers choose, so
# only the picked file is read (walked and hashed in one pass).
#
#   ARCHIVE=/path/to/a-1GB.dump sh bench/pick.sh
#
# ARCHIVE: a pg_dump -Fc archive of about 1 GB, the newest candidate (a
# hard link to it, so it must be on the temp dir's file system; e.g. the
# one `TABLES=8 ROWS=1800000 sh bench/toc.sh` builds, kept). The N - 1
# others are sparse 1 GB files with its first 64 KiB (header and TOC)
# and a creation time 1 to N - 1 days older written into the header:
# whole-file readers hash 1 GB of zeros from each; they take no disk.
# RUNS (3) rounds, each side once per round, page cache warm; medians.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

N=${N:-30}
[ -n "${ARCHIVE:-}" ] && [ -f "$ARCHIVE" ] || bench_die "ARCHIVE= a pg_dump -Fc archive"
echo "pick: $N candidates of ~1 GB, the newest $ARCHIVE"
machine

# set_created FILE EPOCH: the header's creation fields (tests/t0910).
set_created() {
	perl -e '
		my ($f, $t) = @ARGV;
		open(my $h, "+<", $f) or die "$f: $!";
		binmode $h;
		read($h, my $hd, 32) == 32 or die "short";
		my $vmin = ord(substr($hd, 6, 1));
		my $is = ord(substr($hd, 8, 1));
		my $pos = $vmin >= 15 ? 12 : 11 + 1 + $is;
		for my $v ((localtime($t))[0 .. 5, 8]) {
			my $s = pack("C", $v < 0 ? 1 : 0);
			my $a = abs($v);
			for (1 .. $is) { $s .= pack("C", $a & 255); $a >>= 8; }
			seek($h, $pos, 0);
			print $h $s;
			$pos += 1 + $is;
		}
		close $h or die;' "$1" "$2"
}
D=$WORK/backups
mkdir -p "$D"
ln "$ARCHIVE" "$D/nightly-00.dump" 2>/dev/null ||
	bench_die "cannot hard-link $ARCHIVE into $WORK (another file system?)"
now=$(date +%s)
k=1
while [ "$k" -lt "$N" ]; do
	f=$D/nightly-$(printf %02d "$k").dump
	head -c 65536 "$ARCHIVE" >"$f"
	truncate -s 1G "$f"
	set_created "$f" $((now - k * 86400 - 3600))
	k=$((k + 1))
done
cat >"$WORK/pick.yaml" <<EOF
rdrill: 1
id: bench-pick
title: pick benchmark
system: bench
environment: bench
objective: the pick among many large scheduled backups
targets: {rto: 1h, rpo: 30d}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db],
     scheduled: "$D/*.dump"}
phases:
  backup:
    - id: noop
      run: [true]
EOF
cat "$ARCHIVE" >/dev/null

timed() {
	_t0=$(now_ns)
	"$@" >"$WORK/last.log" 2>&1 || {
		cat "$WORK/last.log" >&2
		bench_die "failed: $*"
	}
	_t1=$(now_ns)
	T=$(secs "$_t0" "$_t1")
}
n=0
w_rd='' w_sum='' w_ratio=''
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	timed "$RDRILL" run "$WORK/pick.yaml" -o "$WORK/b-$n"
	w_rd="$w_rd $T"
	rd1=$T
	timed sha256sum "$D/nightly-00.dump"
	w_sum="$w_sum $T"
	w_ratio="$w_ratio $(ratio "$rd1" "$T")"
	echo "round $n: rdrill run $rd1 s, sha256sum of the picked file $T s: $(ratio "$rd1" "$T")x"
done
J=$WORK/b-1/journal.jsonl
chosen=$(jq -r 'select(.type == "backup") | .chosen' "$J")
whole=$(jq -r 'select(.type == "backup") | [.candidates[] | select(.read == "whole")] | length' "$J")
cands=$(jq -r 'select(.type == "backup") | .candidates | length' "$J")
[ "$chosen" = "$D/nightly-00.dump" ] || bench_die "picked $chosen"
sum=$(cut -d' ' -f1 "$WORK/last.log")
got=$(jq -r 'select(.type == "backup") | .chosen_sha256' "$J")
[ "$got" = "$sum" ] || bench_die "chosen_sha256 $got is not sha256sum's $sum"
echo "picked $chosen of $cands candidates; read whole: $whole; its SHA-256 matches sha256sum's"
echo "medians: rdrill run $(median "$w_rd") s, sha256sum $(median "$w_sum") s;" \
	"ratio of medians $(ratio "$(median "$w_rd")" "$(median "$w_sum")")x;" \
	"per round:$w_ratio; their median $(median "$w_ratio")x"
