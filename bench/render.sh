#!/bin/sh
# How long `rdrill render BUNDLE` takes for a big journal: bundles of
# 2,000 and 10,000 trivial command steps (`run: [true]`), each made once
# by `rdrill run` on tmpfs, then rendered RUNS times (best of 3). Render
# is the whole command: read the journal, check its hash chain, build
# report.md and report.html, re-seal SHA256SUMS. Aim from issue 9: a
# 10,000-step journal rendered in under 0.5 s.
#
#   sh bench/render.sh          # from the repository root
#
# B=build-x measures build-x/rdrill (built when missing), RDRILL=path any
# binary; RUNS changes "best of 3"; SIZES the step counts ("2000 10000");
# SHM_DIR where the bundles go (/dev/shm: render is CPU-bound, and 10,000
# fsync'd steps on a slow disk take minutes to make). PERF=1 also
# profiles one render of the largest bundle with `perf record` (call
# graphs through DWARF) and prints the functions that take the most.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-2000 10000}
SHM_DIR=${SHM_DIR:-/dev/shm}
PERF=${PERF:-0}
command -v jq >/dev/null || bench_die "jq is needed (sh .ci/install-deps.sh)"

SHM=$(mktemp -d "$SHM_DIR/rdrill-bench-render.XXXXXX")
trap 'rm -rf "$SHM"; _bench_cleanup' EXIT

TIME=/usr/bin/time
[ -x "$TIME" ] || TIME=""

echo "render: rdrill render of journals of $SIZES trivial steps"
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

# render N: one timed render of bundle N; T = wall seconds, M = peak RSS.
render() {
	M=""
	_t0=$(now_ns)
	if [ -n "$TIME" ]; then
		"$TIME" -f '%M' -o "$WORK/rss" "$RDRILL" render "$SHM/b$1" \
			>"$WORK/render.log" 2>&1 || _rc=$?
	else
		"$RDRILL" render "$SHM/b$1" >"$WORK/render.log" 2>&1 || _rc=$?
	fi
	_t1=$(now_ns)
	if [ "${_rc:-0}" -ne 0 ]; then
		cat "$WORK/render.log" >&2
		bench_die "rdrill render of $n steps failed"
	fi
	T=$(secs "$_t0" "$_t1")
	if [ -n "$TIME" ]; then M=$(awk '{ printf "%.0f MiB", $1 / 1024 }' "$WORK/rss"); fi
}

i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	for n in $SIZES; do
		render "$n"
		echo "$T" >>"$WORK/t.$n"
		echo "$M" >"$WORK/m.$n"
		echo "run $i: $n steps rendered in $T s${M:+, peak RSS $M}"
	done
done

# The renders must have left bundles that still verify.
for n in $SIZES; do
	"$RDRILL" verify "$SHM/b$n" >"$WORK/verify.log" 2>&1 || {
		cat "$WORK/verify.log" >&2
		bench_die "bundle of $n steps does not verify after render"
	}
	grep -q "^#### $n\\. s$n\$" "$SHM/b$n/report.md" ||
		bench_die "report.md of $n steps lacks step $n"
done

echo
printf '%-8s %10s %14s %12s\n' steps "render s" "ms/1000 steps" "peak RSS"
first=""
for n in $SIZES; do
	t=$(best_of "$(cat "$WORK/t.$n")")
	printf '%-8s %10s %14s %12s\n' "$n" "$t" \
		"$(awk -v t="$t" -v n="$n" 'BEGIN { printf "%.0f", t * 1e6 / n }')" \
		"$(cat "$WORK/m.$n")"
	if [ -z "$first" ]; then first=$n; tfirst=$t; fi
	last=$n; tlast=$t
done
if [ "$first" != "$last" ]; then
	echo "$last vs $first steps: $(ratio "$last" "$first")x the steps," \
		"$(ratio "$tlast" "$tfirst")x the time (linear would be the same)"
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
