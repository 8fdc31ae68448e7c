#!/bin/sh
# How long `rdrill render BUNDLE` takes for a big journal, and how much
# memory: bundles of 1,000 and 10,000 trivial command steps (`run:
# [true]`), each made once by `rdrill run` on tmpfs, then rendered RUNS
# times (best of 3). Render is the whole command: verify the bundle
# (every file hashed, the journal's chain walked once, the reports
# rendered again and compared), then write what is missing. Aims from
# issue 25 (point 2): a 10,000-step bundle rendered in under 0.5 s, and
# peak RSS flat in the step count (10,000 steps under 2x 1,000).
#
#   sh bench/render.sh          # from the repository root
#
# B=build-x measures build-x/rdrill (built when missing), RDRILL=path any
# binary; BASE=path a second binary (an older rdrill) rendering the same
# bundles in the same runs, alternating, for a side-by-side ratio; RUNS
# changes "best of 3"; SIZES the step counts ("1000 10000"); SHM_DIR
# where the bundles go (/dev/shm: render is CPU-bound, and 10,000
# fsync'd steps on a slow disk take minutes to make). Besides wall time
# it prints CPU time (user + system): on a shared machine the wall clock
# waits for other jobs, the CPU time does not. PERF=1 also profiles one
# render of the largest bundle with `perf record` (call graphs through
# DWARF) and prints the functions that take the most.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-1000 10000}
BASE=${BASE:-}
SHM_DIR=${SHM_DIR:-/dev/shm}
PERF=${PERF:-0}
command -v jq >/dev/null || bench_die "jq is needed (sh .ci/install-deps.sh)"

SHM=$(mktemp -d "$SHM_DIR/rdrill-bench-render.XXXXXX")
trap 'rm -rf "$SHM"; _bench_cleanup' EXIT

TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""

echo "render: rdrill render of bundles of $SIZES trivial steps"
machine
echo "bundles in $SHM ($(df -PT "$SHM" | awk 'NR == 2 { print $2 }'))"


# size FILE: its size in MB, 1 decimal.
size() { awk -v b="$(wc -c <"$1")" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }

for n in $SIZES; do
	trivial_drill bench-render "$n" >"$WORK/d$n.yaml"
	t0=$(now_ns)
	"$RDRILL" run "$WORK/d$n.yaml" -o "$SHM/b$n" >"$WORK/run.log" 2>&1 || {
		tail -n 20 "$WORK/run.log" >&2
		bench_die "rdrill run of $n steps failed"
	}
	t1=$(now_ns)
	got=$(jq -s '[.[] | select(.type == "step" and .status == "passed")] | length' \
		"$SHM/b$n/journal.jsonl")
	[ "$got" -eq "$n" ] || bench_die "$got of $n steps passed"
	echo "$n steps: made by rdrill run in $(secs "$t0" "$t1") s;" \
		"journal $(size "$SHM/b$n/journal.jsonl"), report.md" \
		"$(size "$SHM/b$n/report.md"), report.html $(size "$SHM/b$n/report.html")"
done

# render BIN N: one timed render of bundle N by BIN; T = wall seconds,
# C = CPU seconds (user + system), M = peak RSS in KiB.
render() {
	_rc=0
	_t0=$(now_ns)
	"$TIME" -f '%M %U %S' -o "$WORK/rss" "$1" render "$SHM/b$2" \
		>"$WORK/render.log" 2>&1 || _rc=$?
	_t1=$(now_ns)
	if [ "$_rc" -ne 0 ]; then
		cat "$WORK/render.log" >&2
		bench_die "$1 render of $2 steps failed"
	fi
	T=$(secs "$_t0" "$_t1")
	M=$(awk '{ print $1 }' "$WORK/rss")
	C=$(awk '{ printf "%.2f", $2 + $3 }' "$WORK/rss")
}

[ -n "$TIME" ] || bench_die "/usr/bin/time is needed (GNU time: sh .ci/install-deps.sh)"
bins="$RDRILL"
if [ -n "$BASE" ]; then
	[ -x "$BASE" ] || bench_die "BASE=$BASE is not an executable"
	bins="$RDRILL $BASE"
	echo "base: $BASE ($("$BASE" --version 2>/dev/null || echo 'rdrill ?'))"
fi
i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	for n in $SIZES; do
		k=0
		for bin in $bins; do
			k=$((k + 1))
			render "$bin" "$n"
			echo "$T" >>"$WORK/t.$k.$n"
			echo "$C" >>"$WORK/c.$k.$n"
			echo "$M" >>"$WORK/m.$k.$n"
			echo "run $i: $bin: $n steps in $T s (CPU $C s)," \
				"peak RSS $((M / 1024)) MiB"
		done
	done
done

# The renders must have left bundles that still verify, every step in.
for n in $SIZES; do
	"$RDRILL" verify "$SHM/b$n" >"$WORK/verify.log" 2>&1 || {
		cat "$WORK/verify.log" >&2
		bench_die "bundle of $n steps does not verify after render"
	}
	got=$(grep -c '^#### [0-9][0-9]*\. s[0-9][0-9]*$' "$SHM/b$n/report.md")
	[ "$got" -eq "$n" ] || bench_die "report.md of $n steps has $got"
done

k=0
for bin in $bins; do
	k=$((k + 1))
	echo
	echo "$bin:"
	printf '%-8s %10s %8s %14s %12s\n' steps "render s" "CPU s" \
		"ms/1000 steps" "peak RSS"
	first=""
	for n in $SIZES; do
		t=$(best_of "$(cat "$WORK/t.$k.$n")")
		c=$(best_of "$(cat "$WORK/c.$k.$n")")
		m=$(median "$(cat "$WORK/m.$k.$n")")
		printf '%-8s %10s %8s %14s %8s MiB\n' "$n" "$t" "$c" \
			"$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.0f", t * 1e6 / n }')" \
			"$((m / 1024))"
		if [ -z "$first" ]; then first=$n; tfirst=$t; mfirst=$m; fi
		last=$n; tlast=$t; mlast=$m
		eval "best_${k}_${n}=\$t"
	done
	if [ "$first" != "$last" ]; then
		echo "$last vs $first steps: $(ratio "$last" "$first")x the steps," \
			"$(ratio "$tlast" "$tfirst")x the time," \
			"$(ratio "$mlast" "$mfirst")x the peak RSS (flat: under 2x)"
	fi
done
if [ -n "$BASE" ]; then
	echo
	for n in $SIZES; do
		eval 'a=$best_1_'"$n"'; b=$best_2_'"$n"
		echo "$n steps: $RDRILL takes $(ratio "$a" "$b")x the time of $BASE"
	done
fi

if [ "$PERF" = 1 ]; then
	command -v perf >/dev/null || bench_die "PERF=1 but no perf (linux-perf)"
	echo
	echo "perf: one render of $last steps, share of samples by function" \
		"(children included), top 30"
	perf record -q --call-graph dwarf -F 999 -o "$WORK/perf.data" \
		"$RDRILL" render "$SHM/b$last" >/dev/null 2>&1 ||
		bench_die "perf record failed"
	perf report -i "$WORK/perf.data" --children --sort sym -g none \
		2>/dev/null | grep -v '^#' | grep -v '^$' |
		grep -v ' 0x0000' | head -n 30
fi
