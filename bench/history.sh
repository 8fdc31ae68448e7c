#!/bin/sh
# How `rdrill history` and a run's look-up of its previous run grow with
# the bundles beside them (issue 25, point 4). One small drill is run
# once by rdrill; its bundle is copied to make directories of 200 and
# 2,000 bundles (SIZES). Then, for each size:
#
#   history, cold   `rdrill history DIR` with no index (deleted first):
#                   every bundle read and verified, as before the index
#                   (best of 1: it is the slow one);
#   history, warm   the same with the index the cold one wrote: only the
#                   bundles' names, inodes, sizes and times are read
#                   (best of RUNS);
#   run start       `rdrill run` of the same drill into the directory:
#                   its previous run looked up among all the siblings
#                   (the index warm), the whole run timed, its new bundle
#                   removed after each (best of RUNS).
#
# Printed: seconds (wall clock around the process, start-up included)
# and peak RSS (GNU time's %M, KiB) per size, and the
# ratios of the largest size to the smallest. Aims: at most 12x the time
# and 2x the RSS for 10x the bundles. Nothing is asserted.
#
#   sh bench/history.sh          # from the repository root
#
# B=build-x measures build-x/rdrill, RDRILL=path any binary; RUNS "best
# of" (3); SIZES the bundle counts ("200 2000").
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${SIZES:-200 2000}
TIME=/usr/bin/time
[ -x "$TIME" ] || bench_die "GNU time (/usr/bin/time) is needed for RSS"

cat >"$WORK/bench.yaml" <<EOF
rdrill: 1
id: hbench
title: History bench drill
system: bench
environment: bench
objective: bench
targets: {rto: 10m, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: x}
phases:
  backup:
    - {id: dump, run: ["true"]}
  verify_backup:
    - {id: check, run: ["true"]}
  destroy:
    - {id: wipe, run: ["true"]}
  restore:
    - {id: back, run: ["true"]}
  verify_restore:
    - {id: fine, run: ["true"]}
EOF
"$RDRILL" run "$WORK/bench.yaml" --confirm bench -o "$WORK/seed" >/dev/null 2>&1 ||
	bench_die "the seed run failed"

# timed OUT CMD...: "SECONDS RSS_KIB" of one run of CMD into $OUT.
timed() {
	_out=$1
	shift
	_t0=$(now_ns)
	"$TIME" -f '%M' -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true
	_t1=$(now_ns)
	echo "$(secs "$_t0" "$_t1") $(tail -n 1 "$WORK/time.txt")" >"$_out"
}
# best FILE...: the line with the least seconds; its RSS the most seen.
best() {
	_s=$(cat "$@" | sort -n | head -n 1 | cut -d' ' -f1)
	_r=$(cat "$@" | sort -k2 -n | tail -n 1 | cut -d' ' -f2)
	echo "$_s $_r"
}

for n in $SIZES; do
	D=$WORK/b$n
	mkdir -p "$D"
	i=1
	while [ "$i" -le "$n" ]; do
		cp -R "$WORK/seed" "$D/$(printf 'run-%05d' "$i")"
		i=$((i + 1))
	done
	rm -f "$D/.rdrill-history-index.jsonl"
	timed "$WORK/cold-$n" "$RDRILL" history "$D" -o "$WORK/out-$n"
	[ -f "$D/.rdrill-history-index.jsonl" ] ||
		bench_die "history wrote no index in $D"
	k=1
	while [ "$k" -le "$RUNS" ]; do
		timed "$WORK/warm-$n-$k" "$RDRILL" history "$D" -o "$WORK/out-$n"
		timed "$WORK/run-$n-$k" "$RDRILL" run "$WORK/bench.yaml" \
			--confirm bench -o "$D/new"
		jq -r 'select(.type=="start") | .context.previous.bundle // empty' \
			"$D/new/journal.jsonl" | grep -q . ||
			bench_die "the run found no previous run among $n"
		rm -rf "$D/new"
		k=$((k + 1))
	done
	best "$WORK"/warm-"$n"-* >"$WORK/warm-$n"
	best "$WORK"/run-"$n"-* >"$WORK/run-$n"
done

small=$(echo "$SIZES" | awk '{ print $1 }')
large=$(echo "$SIZES" | awk '{ print $NF }')
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (a > 0 ? b / a : 0) }'; }

echo "machine: $(uname -m), $(nproc) CPUs, $(date -u +%Y-%m-%d)"
printf '%-16s' "bundles"
for n in $SIZES; do printf '%22s' "$n"; done
printf '%24s\n' "ratio $large/$small"
for what in cold warm run; do
	case $what in
	cold) label="history, cold" ;;
	warm) label="history, warm" ;;
	run) label="run start" ;;
	esac
	printf '%-16s' "$label"
	for n in $SIZES; do
		set -- $(cat "$WORK/$what-$n")
		printf '%22s' "$1 s, $2 KiB"
	done
	set -- $(cat "$WORK/$what-$small")
	s1=$1 r1=$2
	set -- $(cat "$WORK/$what-$large")
	printf '%24s\n' "time $(ratio2 "$s1" "$1"), RSS $(ratio2 "$r1" "$2")"
done
