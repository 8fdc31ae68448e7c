#!/bin/sh
# Peak RSS of rdrill while one sql step's query returns about 1 GB, beside
# psql -c "COPY (same query) TO STDOUT" > file, in one run. rdrill
# fetches rows one at a time (single-row mode), keeps the first 100 in
# the journal and streams the whole result to steps/01-big.rows.jsonl,
# hashing it on the way. Aim (issue 10): peak RSS under 64 MiB.
#
#   sh bench/pg-result.sh [BYTES]    # from the repository root
#
# BYTES (default 1073741824) is the approximate size of the result; rows
# are ROW (default 1,000) characters of text and a row number. Wide
# cells (issue 21: three rows of 100 MB each peaked at 434 MB, about four
# copies of a cell; aim: under 256 MiB):
#
#   ROW=100000000 sh bench/pg-result.sh 300000048
# B=build-x measures
# build-x/rdrill (built when missing), RDRILL=path any binary; BENCH_DIR
# puts the temp dir (the server's data, and a rows log of BYTES) elsewhere
# than $TMPDIR. Peak RSS is getrusage's maximum resident set size through
# /usr/bin/time (package time; installed when missing and root). rdrill
# starts no process for an sql step, so the figure is rdrill's own.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

BYTES=${1:-${BYTES:-1073741824}}
ROW=${ROW:-1000}
ROWS=$((BYTES / (ROW + 16)))
QUERY="SELECT g, repeat('x', $ROW) AS pad FROM generate_series(1, $ROWS) g"

TIME=/usr/bin/time
if [ ! -x "$TIME" ] && [ "$(id -u)" -eq 0 ]; then
	echo "pg-result: installing the Debian package time" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2 || true
fi
[ -x "$TIME" ] || bench_die "/usr/bin/time not found (sudo apt-get install time)"

# timed CMD...: sets T_WALL (s) and T_RSS (kB) of CMD, T_RC its exit.
timed() {
	T_RC=0
	"$TIME" -f '%e %M' -o "$WORK/rusage" "$@" >"$WORK/last.log" 2>&1 ||
		T_RC=$?
	T_WALL=$(tail -n 1 "$WORK/rusage" | cut -d' ' -f1)
	T_RSS=$(tail -n 1 "$WORK/rusage" | cut -d' ' -f2)
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

pg_up "$WORK/pg" || bench_die "cannot start PostgreSQL"

cat >"$WORK/big.yaml" <<EOF
rdrill: 1
id: bench-pg-result
title: sql result benchmark
system: bench
environment: bench
objective: peak RSS while an sql step reads a large result
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 3, kind: database, source: [db], artifact: x}
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: big
      sql: {connection: db, query: "$QUERY", expect_rows: $ROWS}
EOF

printf 'pg-result: one sql step, %s rows of ~%s bytes (~%s bytes): %s\n' \
	"$ROWS" "$((ROW + 16))" "$BYTES" "$QUERY"
machine
echo "PostgreSQL: $("$PG_BIN/postgres" --version)"

timed "$PG_BIN/psql" -X -q -d postgres -c "COPY ($QUERY) TO STDOUT"
[ "$T_RC" -eq 0 ] || { cat "$WORK/last.log" >&2; bench_die "psql exit $T_RC"; }
# psql's output went to a file, as rdrill's rows log does: count, drop.
copied=$(wc -c <"$WORK/last.log")
rm -f "$WORK/last.log"
p_wall=$T_WALL p_rss=$T_RSS

timed "$RDRILL" run "$WORK/big.yaml" -o "$WORK/b"
[ "$T_RC" -eq 0 ] || { cat "$WORK/last.log" >&2; bench_die "rdrill exit $T_RC"; }
r_wall=$T_WALL r_rss=$T_RSS
count=$(jq -r 'select(.type == "step") | .evidence.result.row_count' "$WORK/b/journal.jsonl")
kept=$(jq -r 'select(.type == "step") | .evidence.result.rows | length' "$WORK/b/journal.jsonl")
logged=$(jq -r 'select(.type == "step") | .rows_log.bytes' "$WORK/b/journal.jsonl")
step=$(jq -r 'select(.type == "step") | .duration_ms / 1000' "$WORK/b/journal.jsonl")
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$WORK/b/journal.jsonl")
[ "$count" = "$ROWS" ] || bench_die "rdrill counted $count rows, not $ROWS"

echo
printf '%-40s %12s %9s  %s\n' "" "peak RSS" "time" "output"
printf '%-40s %12s %7s s  %s\n' "psql -c 'COPY (...) TO STDOUT' > file" \
	"$(mib "$p_rss")" "$p_wall" "$copied bytes"
printf '%-40s %12s %7s s  %s\n' "rdrill run, one sql step" \
	"$(mib "$r_rss")" "$r_wall" "$logged bytes in steps/01-big.rows.jsonl"
echo "peak RSS ratio rdrill / psql: $(ratio "$r_rss" "$p_rss")x; time ratio: $(ratio "$r_wall" "$p_wall")x (the step alone: $step s; the rest is the seal hashing the rows log)"
echo "journal: $count rows counted, $kept kept, longest line $longest bytes"
# 64 MiB = 65,536 kB.
if [ "$ROW" -le 1000 ]; then
	if [ "$r_rss" -lt 65536 ]; then verdict=met; else verdict="NOT met"; fi
	echo "aim (issue 10): rdrill's peak RSS < 64 MiB: $verdict ($(mib "$r_rss"))"
else
	# One cell is ROW bytes: libpq holds it once in its input buffer and
	# once in the row's result; the aim is no third copy (256 MiB for
	# 100 MB cells).
	if [ "$r_rss" -lt 262144 ]; then verdict=met; else verdict="NOT met"; fi
	echo "aim (issue 21): rdrill's peak RSS < 256 MiB with cells of $ROW bytes: $verdict ($(mib "$r_rss"))"
fi
