#!/bin/sh
# The whole demo drill (drills/demo.yaml, the Day 4 sequence on a
# throwaway PostgreSQL cluster) through `rdrill run`, against
# bench/drill-plain.sh, the same commands and checks by hand, the evidence
# commands included, with no bundle and no report. The difference is what
# keeping evidence (logs, journal, records) and the report cost. RUNS (3) runs,
# alternating; medians.
#
#   sh bench/drill.sh          # from the repository root
#
# Each run gets a fresh work directory prepared as drills/demo.sh does
# (WORK/pg/sock, owned by the PostgreSQL user when root); the timing
# covers `rdrill run drills/demo.yaml --confirm demo --var ...` (what
# drills/demo.sh runs) or `sh bench/drill-plain.sh WORK`, nothing else.
# B=build-x measures build-x/rdrill (built when missing), RDRILL=path any
# binary; RUNS the number of runs; BENCH_DIR the temp dir's parent.
#
#   POSTS=5000000 RUNS=1 sh bench/drill.sh   # at production size
#
# POSTS adds that many posts of ~240 bytes to the demo's seed (5,000,000:
# a database of ~1.5 GB), in a copy of drills/demo.yaml and drills/demo/
# under the temp dir that both sides use (the plain script through
# DEMO_DIR). Each run also prints the share of rdrill's own work: the
# runner's (its wall time minus the time inside its steps) and the
# evidence steps' (toc, checksum, fingerprint, sql, canary, files).
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

sh .ci/install-deps.sh >&2
RDRILL_DEMO_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
export RDRILL_DEMO_DB_PASSWORD

echo "drill: drills/demo.yaml through rdrill vs bench/drill-plain.sh"
machine
"$PG_BIN/postgres" --version

POSTS=${POSTS:-0}
DRILL=drills/demo.yaml
if [ "$POSTS" -gt 0 ]; then
	mkdir -p "$WORK/drill"
	cp drills/demo.yaml "$WORK/drill/demo.yaml"
	cp -R drills/demo "$WORK/drill/demo"
	cat >>"$WORK/drill/demo/seed.sql" <<EOF
-- bench/drill.sh: $POSTS more posts, production size.
INSERT INTO posts (id, channelid, userid, message, createat)
SELECT 'bulk' || lpad(i::text, 10, '0'), 'chan' || (1 + i % 6),
       'user' || (1 + i % 20),
       md5(i::text) || ' ' || md5((i * 7)::text) || ' ' ||
       repeat('backup drill demo text ', 6), 1768953600000 + i
FROM generate_series(1, $POSTS) AS i;
EOF
	DRILL=$WORK/drill/demo.yaml
	DEMO_DIR=$WORK/drill/demo
	export DEMO_DIR
	echo "scaled: $POSTS more posts in the seed"
fi

# prep DIR: a work directory as drills/demo.sh makes it.
prep() {
	mkdir -p "$1/pg/sock"
	chmod 755 "$1"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$1/pg"; fi
	bench_stop_at_exit "$1/pg/data"
}

# timed CMD...: run CMD, output to $WORK/last.log; T = wall seconds.
timed() {
	_t0=$(now_ns)
	"$@" >"$WORK/last.log" 2>&1 || {
		tail -n 20 "$WORK/last.log" >&2
		bench_die "failed: $*"
	}
	_t1=$(now_ns)
	T=$(secs "$_t0" "$_t1")
}

n=0
w_rd='' w_plain='' w_steps=''
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	d=$WORK/rdrill-$n
	prep "$d"
	timed "$RDRILL" run "$DRILL" --confirm demo \
		--var "work=$d" --var "pg_bin=$PG_BIN" --var "pg_user=$PG_OS_USER" \
		--var "file_owner=$(id -u):$(id -g)" -o "$WORK/bundle-$n"
	w_rd="$w_rd $T"
	rd_last=$T
	steps=$(jq -s '[.[] | select(.type == "step") | .duration_ms] | add / 1000' \
		"$WORK/bundle-$n/journal.jsonl")
	w_steps="$w_steps $steps"
	nsteps=$(jq -s '[.[] | select(.type == "step")] | length' "$WORK/bundle-$n/journal.jsonl")
	ev=$(jq -s '[.[] | select(.type == "step" and (.kind == "toc" or
		.kind == "checksum" or .kind == "fingerprint" or .kind == "sql" or
		.kind == "canary" or .kind == "files")) | .duration_ms] | add / 1000' \
		"$WORK/bundle-$n/journal.jsonl")
	echo "run $n: rdrill $T s (steps $steps s; runner $(awk -v a="$T" -v b="$steps" 'BEGIN { printf "%.3f", a - b }') s = $(awk -v a="$T" -v b="$steps" 'BEGIN { printf "%.1f", 100 * (a - b) / a }') %; evidence steps $ev s = $(awk -v a="$T" -v b="$ev" 'BEGIN { printf "%.1f", 100 * b / a }') %)"
	jq -r 'select(.type == "step") | "  \(.id) \(.duration_ms / 1000) s"' \
		"$WORK/bundle-$n/journal.jsonl" | sort -k2 -n -r | head -n 8
	rm -rf "$d" "$WORK/bundle-$n"

	d=$WORK/plain-$n
	prep "$d"
	timed sh bench/drill-plain.sh "$d"
	w_plain="$w_plain $T"
	echo "run $n: plain  $T s (ratio this round $(ratio "$rd_last" "$T")x)"
	rm -rf "$d"
done

rd=$(median "$w_rd")
plain=$(median "$w_plain")
steps=$(median "$w_steps")
echo
printf '%-50s %8s\n' "median of $RUNS" "seconds"
printf '%-50s %8s\n' "sh bench/drill-plain.sh (by hand, evidence commands)" "$plain"
printf '%-50s %8s\n' "rdrill run drills/demo.yaml ($nsteps steps)" "$rd"
printf '%-50s %8s\n' "  time inside its steps (journal duration_ms)" "$steps"
echo "ratio rdrill / plain: $(ratio "$rd" "$plain")x;" \
	"difference $(awk -v a="$rd" -v b="$plain" 'BEGIN { printf "%.3f", a - b }') s"
cat <<'EOF'

Both run the same programs in the same order (initdb, pg_ctl, psql with
seed.sql, mkfiles.sh, pg_dump -Fc, two tar -czf, pg_restore -l, sha256sum
-c, canary select/delete, stop, rm -rf, initdb, start, create-db.sql,
pg_restore --clean, tar -x, checks), the evidence included: the plain
script runs pg_restore -f /dev/null (the whole archive read) and takes
each table's COPY through sha256sum before and after (the fingerprint).
rdrill also: keeps every command's output in the bundle, hashes the
backup set itself (OpenSSL) before sha256sum -c, reads the whole dump
natively (walk, then every stream decompressed on every core), talks to
PostgreSQL over libpq instead of starting psql,
fsyncs a hash-chained journal record per step, renders report.md and
report.html and writes SHA256SUMS of the bundle. As root both switch to
the PostgreSQL user for initdb/pg_ctl: rdrill itself (run_as), the plain
script through runuser.
EOF
