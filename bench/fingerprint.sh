#!/bin/sh
# The `fingerprint` step against plain COPY on the same pgbench database:
# `psql -X -c "COPY t TO STDOUT" > /dev/null` once per table, one after
# the other (what a shell loop over the tables does), vs a drill with one
# fingerprint step (`rdrill run`: start-up, snapshot, catalogs, every row
# hashed, journal, report and bundle included), on every core and on one
# connection. Prints the throughput ratio (same tables, same rows; aim
# >= 0.8x on every core) and rdrill's peak RSS (aim < 64 MiB).
#
#   sh bench/fingerprint.sh [SCALE]   # from the repository root
#
# SCALE is pgbench's -s (default 70: pgbench_accounts of 7,000,000 rows,
# a database of ~1 GB). The cluster is a throwaway one (Unix socket only,
# as $RDRILL_PG_USER when root) with shared_buffers large enough to hold
# it, and every side runs once first to warm the caches. B=build-x
# measures build-x/rdrill (built when missing), RDRILL=path any binary;
# RUNS the "best of" count (1 here: the database is large); BENCH_DIR
# puts the temp dir (~1.5 GB at scale 70) elsewhere than $TMPDIR.
RUNS=${RUNS:-1}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SCALE=${1:-70}
case $SCALE in
''|*[!0-9]*) bench_die "SCALE must be a number (pgbench -s), not '$SCALE'" ;;
esac
TIME=/usr/bin/time
[ -x "$TIME" ] || bench_die "needs /usr/bin/time (apt-get install time) for the peak RSS"
PGBENCH=$PG_BIN/pgbench
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench) ||
	bench_die "needs pgbench (postgresql-contrib / postgresql)"
PSQL=$PG_BIN/psql

echo "fingerprint: pgbench -i -s $SCALE, fingerprint step vs psql COPY TO STDOUT > /dev/null"
machine
"$PSQL" --version

t0=$(now_ns)
pg_up "$WORK/pg" -c fsync=off -c synchronous_commit=off \
	-c full_page_writes=off -c max_wal_size=4GB -c shared_buffers=1536MB \
	-c autovacuum=off
"$PSQL" -X -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE bench' >/dev/null
"$PGBENCH" -i -q -s "$SCALE" bench >"$WORK/pgbench.log" 2>&1 ||
	{ cat "$WORK/pgbench.log" >&2; exit 2; }
t1=$(now_ns)
TABLES="pgbench_accounts pgbench_branches pgbench_history pgbench_tellers"
size=$("$PSQL" -X -At -d bench -c "SELECT pg_database_size('bench')")
rows=$("$PSQL" -X -At -d bench -c "SELECT (SELECT count(*) FROM pgbench_accounts) + (SELECT count(*) FROM pgbench_branches) + (SELECT count(*) FROM pgbench_tellers) + (SELECT count(*) FROM pgbench_history)")
echo "database: $(awk -v b="$size" 'BEGIN { printf "%.2f GB", b / 1e9 }') ($size bytes), $rows rows, built in $(secs "$t0" "$t1") s"

drill() {
	cat <<EOF
rdrill: 1
id: bench-fp-$1
title: fingerprint bench
system: bench
environment: bench
objective: measure the fingerprint step
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: /nonexistent}
connections:
  bench: {host: "$PGHOST", port: $PGPORT, dbname: bench, user: postgres}
phases:
  verify_backup:
    - id: fp
      timeout: 1h
      fingerprint: {connection: bench$2}
EOF
}
drill all "" >"$WORK/all.yaml"
drill one ", jobs: 1" >"$WORK/one.yaml"

copy_all() {
	for t in $TABLES; do
		"$PSQL" -X -q -d bench -c "COPY $t TO STDOUT" >/dev/null || return 1
	done
}
bytes=$(for t in $TABLES; do "$PSQL" -X -q -d bench -c "COPY $t TO STDOUT"; done | wc -c)

# run_rdrill NAME: one run; sets R_WALL (s), R_RSS (kB), R_STEP (s).
_n=0
run_rdrill() {
	_n=$((_n + 1))
	_t0=$(now_ns)
	"$TIME" -f '%M %U %S' -o "$WORK/rss" "$RDRILL" run "$WORK/$1.yaml" \
		-o "$WORK/b-$_n" >"$WORK/run.log" 2>&1 ||
		{ cat "$WORK/run.log" >&2; bench_die "rdrill run failed"; }
	_t1=$(now_ns)
	R_WALL=$(secs "$_t0" "$_t1")
	R_RSS=$(tail -n 1 "$WORK/rss" | cut -d' ' -f1)
	R_CPU=$(tail -n 1 "$WORK/rss" | awk '{ printf "%.2f", $2 + $3 }')
	R_STEP=$(jq -r 'select(.type == "step") | .duration_ms / 1000' \
		"$WORK/b-$_n/journal.jsonl")
	R_BYTES=$(jq -r 'select(.type == "step") | .evidence.bytes' \
		"$WORK/b-$_n/journal.jsonl")
	R_JOBS=$(jq -r 'select(.type == "step") | "\(.evidence.jobs) connections, \(.evidence.copies) COPYs"' \
		"$WORK/b-$_n/journal.jsonl")
	rm -rf "$WORK/b-$_n"
}

# Warm: every side once, not timed.
copy_all
run_rdrill all

psql_t="" all_t="" one_t="" all_s="" one_s="" all_rss=0 one_rss=0
i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	t0=$(now_ns); copy_all; t1=$(now_ns)
	psql_t="$psql_t $(secs "$t0" "$t1")"
	run_rdrill all
	all_t="$all_t $R_WALL"; all_s="$all_s $R_STEP"; all_jobs=$R_JOBS; all_cpu=$R_CPU
	[ "$R_RSS" -gt "$all_rss" ] && all_rss=$R_RSS
	[ "$R_BYTES" = "$bytes" ] || echo "warning: rdrill read $R_BYTES bytes, psql $bytes" >&2
	run_rdrill one
	one_t="$one_t $R_WALL"; one_s="$one_s $R_STEP"; one_jobs=$R_JOBS; one_cpu=$R_CPU
	[ "$R_RSS" -gt "$one_rss" ] && one_rss=$R_RSS
done
p=$(best_of "$psql_t")
a=$(best_of "$all_t")
o=$(best_of "$one_t")
all_step=$(best_of "$all_s")
one_step=$(best_of "$one_s")
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f MB/s", b / 1e6 / s }'; }
echo "COPY text: $bytes bytes over $(echo $TABLES | wc -w) tables (best of $RUNS; wall time of the whole rdrill run, the step alone in brackets)"
echo "psql COPY TO STDOUT > /dev/null, per table:  $p s  $(mbs "$p")"
echo "rdrill fingerprint, every core ($all_jobs): $a s  $(mbs "$a")  (step $all_step s, rdrill's own CPU $all_cpu s)  peak RSS $((all_rss / 1024)) MiB"
echo "rdrill fingerprint, one connection ($one_jobs): $o s  $(mbs "$o")  (step $one_step s, rdrill's own CPU $one_cpu s)  peak RSS $((one_rss / 1024)) MiB"
echo "throughput rdrill (every core) / psql:  $(ratio "$p" "$a")x   (aim >= 0.8x)"
echo "throughput rdrill (one conn) / psql:    $(ratio "$p" "$o")x"
echo "peak RSS, every core: $((all_rss / 1024)) MiB   (aim < 64 MiB)"
