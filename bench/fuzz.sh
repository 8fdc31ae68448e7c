#!/bin/sh
# Run every `make fuzz` target for $FUZZ_SECONDS (default 600) under
# nice -n 19, $FUZZ_JOBS (default 2) at a time, each on a working copy
# of its seed corpus (tests/fuzz/corpus/NAME is not written). Prints one
# line per target from libFuzzer's last status line: execs, exec/s,
# cov, ft, and whether it crashed (the reproducer is kept in
# $FUZZ_WORK/NAME/). Targets named as arguments, or all.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-2}
work=${FUZZ_WORK:-${TMPDIR:-/tmp}/rdrill-fuzz-runs}
names=${*:-$(cd "$top/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')}
mkdir -p "$work/bin"

run_one() {
	t=$1
	d=$work/$t
	rm -rf "$d"
	mkdir -p "$d/corpus"
	cp "$top/tests/fuzz/corpus/$t/"* "$d/corpus/"
	# A copy: the tree may be rebuilt while this runs.
	cp "$top/build-fuzz/fuzz-$t" "$work/bin/fuzz-$t"
	(cd "$d" && nice -n 19 "$work/bin/fuzz-$t" -max_total_time="$secs" \
		-timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$d/" corpus >"$d/log" 2>&1)
	rc=$?
	last=$(grep -E '^#[0-9]+' "$d/log" | tail -1)
	execs=$(grep '^stat::number_of_executed_units' "$d/log" | awk '{print $2}')
	eps=$(grep '^stat::average_exec_per_sec' "$d/log" | awk '{print $2}')
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	crash=$(ls "$d" | grep -E '^(crash|leak|timeout|oom)-' | tr '\n' ' ')
	echo "$t: rc=$rc execs=$execs exec/s=$eps cov=$cov ft=$ft secs=$secs artifacts=${crash:-none}"
}

set -- $names
while [ $# -gt 0 ]; do
	i=0
	while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
		run_one "$1" &
		shift
		i=$((i + 1))
	done
	wait
done
