#!/bin/sh
# The `toc` evidence step against plain pg_restore on the same pg_dump -Fc
# archive: a drill with one toc step (`rdrill run`, start-up, journal,
# report and bundle included: the native walk, `pg_restore -l`, and the
# native proof that decompresses every data stream on every core) vs
# `pg_restore -f /dev/null`, the one-core proof the step ran before.
# RUNS (3) rounds, each running every side once, page cache warm;
# medians, and the median of the per-round ratios (on a shared, loaded
# machine the rounds differ more than the sides within a round do).
# rdrill's peak RSS is measured with /usr/bin/time in every round.
#
#   sh bench/toc.sh                          # ~10,000 entries, ~320 MB
#   TABLES=8 ROWS=1800000 sh bench/toc.sh    # 8 tables, a >= 1 GB dump
#
# Builds the archive first, on a throwaway cluster (Unix socket only, run
# as $RDRILL_PG_USER when root): TABLES tables (2,000), each with a
# primary key, one more index, a comment and ROWS rows (2,000) of ~140
# bytes. B=build-x measures build-x/rdrill (built when missing),
# RDRILL=path any binary; ARCHIVE=path times that pg_dump -Fc archive
# instead of building one (ROWS unused; TABLES sets min_entries, 5 per
# table, so give the archive's table count); BENCH_DIR puts
# the temp dir (~1 GB with the
# cluster at the default size, ~4 GB at 8 x 1.8M rows) elsewhere than
# $TMPDIR.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

TABLES=${TABLES:-2000}
ROWS=${ROWS:-2000}
DUMP=$WORK/many.dump
PG_RESTORE=$PG_BIN/pg_restore
sh .ci/install-deps.sh >&2

if [ -n "${ARCHIVE:-}" ]; then
	echo "toc: the archive $ARCHIVE, the toc step vs pg_restore"
else
	echo "toc: $TABLES tables x $ROWS rows, pg_dump -Fc, then the toc step vs pg_restore"
fi
machine
"$PG_RESTORE" --version

# --- the archive -------------------------------------------------------
if [ -n "${ARCHIVE:-}" ]; then
	DUMP=$ARCHIVE
	echo "archive: $DUMP, given"
else
t0=$(now_ns)
pg_up "$WORK/pg" -c fsync=off -c synchronous_commit=off \
	-c full_page_writes=off -c max_wal_size=4GB
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE many' >/dev/null
# One statement per table (\gexec, autocommit): one transaction for all
# of them would need ~10,000 locks, more than the default lock table.
psql -X -q -v ON_ERROR_STOP=1 -d many >/dev/null <<EOF
SELECT format('CREATE TABLE t%1\$s (id int PRIMARY KEY, n int NOT NULL,
                                   payload text NOT NULL)', i),
       format('CREATE INDEX t%1\$s_n ON t%1\$s (n)', i),
       format('COMMENT ON TABLE t%1\$s IS %2\$L', i, 'bench table ' || i)
FROM generate_series(1, $TABLES) AS i \\gexec
SELECT format('INSERT INTO t%1\$s SELECT g, g %% 97, md5(g::text || %1\$s)
               || md5(random()::text) || md5(random()::text)
               || md5(random()::text) FROM generate_series(1, $ROWS) AS g', i)
FROM generate_series(1, $TABLES) AS i \\gexec
EOF
"$PG_BIN/pg_dump" -Fc -f "$DUMP" many
# Nothing else runs while timing (no autovacuum after the inserts).
pg_down "$WORK/pg"
rm -rf "$WORK/pg"
t1=$(now_ns)
echo "archive built in $(secs "$t0" "$t1") s"
fi
dump_bytes=$(wc -c <"$DUMP")
echo "archive: $(awk -v b="$dump_bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }') ($dump_bytes bytes)"

# The drill: one toc step, this server's pg_restore (not the Debian
# wrapper on PATH, so both sides run the same program).
drill() {
	cat <<EOF
rdrill: 1
id: bench-toc
title: toc benchmark
system: bench
environment: bench
objective: the toc step on a large archive
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [many], artifact: "$DUMP"}
phases:
  verify_backup:
    - id: toc
      toc:
        dump: "$DUMP"
        pg_restore: "$1"
        min_entries: $((TABLES * 5))
EOF
}
drill "$PG_RESTORE" >"$WORK/toc.yaml"
# rdrill's own share: pg_restore replaced by a stub that prints the real
# listing for -l and does nothing for -f, so the step still passes.
"$PG_RESTORE" -l "$DUMP" >"$WORK/listing.txt"
cat >"$WORK/pg_restore-stub" <<EOF
#!/bin/sh
if [ "\$1" = -l ]; then exec cat '$WORK/listing.txt'; fi
exit 0
EOF
chmod 755 "$WORK/pg_restore-stub"
drill "$WORK/pg_restore-stub" >"$WORK/stub.yaml"

cat "$DUMP" >/dev/null   # page cache warm: the bench measures work, not disk

# timed CMD...: run CMD, output to $WORK/last.log; T = wall seconds.
timed() {
	_t0=$(now_ns)
	"$@" >"$WORK/last.log" 2>&1 || {
		cat "$WORK/last.log" >&2
		bench_die "failed: $*"
	}
	_t1=$(now_ns)
	T=$(secs "$_t0" "$_t1")
}

# rss_timed CMD...: like timed, and RSS = CMD's peak RSS in KiB.
rss_timed() {
	_t0=$(now_ns)
	/usr/bin/time -f '%M' -o "$WORK/rss" "$@" >"$WORK/last.log" 2>&1 || {
		cat "$WORK/last.log" >&2
		bench_die "failed: $*"
	}
	_t1=$(now_ns)
	T=$(secs "$_t0" "$_t1")
	RSS=$(tail -n 1 "$WORK/rss")
}

echo "$RUNS rounds, each side once per round"
n=0
w_rd='' w_stub='' w_l='' w_f='' w_ratio='' w_rss=''
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	rss_timed "$RDRILL" run "$WORK/toc.yaml" -o "$WORK/b-$n"
	w_rd="$w_rd $T"
	w_rss="$w_rss $RSS"
	rd1=$T
	timed "$RDRILL" run "$WORK/stub.yaml" -o "$WORK/s-$n"
	w_stub="$w_stub $T"
	timed sh -c "'$PG_RESTORE' -l '$DUMP' >/dev/null"
	w_l="$w_l $T"
	timed "$PG_RESTORE" -f /dev/null "$DUMP"
	w_f="$w_f $T"
	w_ratio="$w_ratio $(ratio "$rd1" "$T")"
	echo "round $n: rdrill $rd1 s (peak RSS $RSS KiB), pg_restore -f /dev/null $T s: $(ratio "$rd1" "$T")x"
done
entries=$(jq -r 'select(.type == "step") | .evidence.toc.entries' "$WORK/b-1/journal.jsonl")
blocks=$(jq -r 'select(.type == "step") | .evidence.toc.data_blocks' "$WORK/b-1/journal.jsonl")
step=$(jq -r 'select(.type == "step") | .duration_ms / 1000' "$WORK/b-1/journal.jsonl")
status=$(jq -r 'select(.type == "end") | .status' "$WORK/b-1/journal.jsonl")
proof=$(grep -o 'yes: [0-9]* [a-z0-9]* streams[^|]*' "$WORK/b-1/report.md" | head -n 1)
[ "$status" = PASSED ] || bench_die "the toc drill did not pass: $status"

rd=$(median "$w_rd")
stub=$(median "$w_stub")
l=$(median "$w_l")
f=$(median "$w_f")
peak=$(printf '%s\n' $w_rss | sort -n | tail -n 1)

echo "TOC: $entries entries, $blocks data blocks; proof: $proof"
echo
printf '%-44s %8s\n' "medians" "seconds"
printf '%-44s %8s\n' "pg_restore -l DUMP > /dev/null" "$l"
printf '%-44s %8s\n' "pg_restore -f /dev/null DUMP" "$f"
printf '%-44s %8s\n' "rdrill run: a drill with one toc step" "$rd"
printf '%-44s %8s\n' "  the same, pg_restore -l stubbed out" "$stub"
echo
echo "rdrill / pg_restore -f /dev/null:    $(ratio "$rd" "$f")x (medians); per round:$w_ratio; their median $(median "$w_ratio")x"
echo "rdrill / pg_restore -l:              $(ratio "$rd" "$l")x"
echo "rdrill's own part (stub run) / -l:   $(ratio "$stub" "$l")x"
echo "rdrill peak RSS:                     $peak KiB ($(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }') MiB)"
echo "(toc step alone in the journal, first run: $step s)"
cat <<'EOF'

What each does:
- pg_restore -l reads the archive header and its TOC and prints the list;
  it never looks at the data, so a dump cut after its TOC lists fine.
- pg_restore -f /dev/null reads the whole archive, decompresses every data
  block on one core and writes the SQL script (COPY data included) to
  /dev/null.
- rdrill's toc step parses header and TOC natively, walks every data
  block's chunk headers to the end of the file, runs pg_restore -l
  (listing saved in the bundle, parsed and its entry count compared) and
  decompresses every data stream to its end across the online CPUs
  (archproof.c); then rdrill writes the journal, the Markdown and HTML
  report and SHA256SUMS of the bundle. "pg_restore -l stubbed out" is
  that without the pg_restore run: rdrill's own cost.
EOF
