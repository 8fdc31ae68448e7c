#!/bin/sh
# The whole demo drill (drills/demo.yaml, the Day 4 sequence on a
# throwaway PostgreSQL cluster) through `rdrill run`, against
# bench/drill-plain.sh, the same commands and checks by hand with no
# evidence and no report. The difference is what evidence collection
# (logs, journal, checksums, TOC reading) and the report cost. Best of 3,
# alternating.
#
#   sh bench/drill.sh          # from the repository root
#
# Each run gets a fresh work directory prepared as drills/demo.sh does
# (WORK/pg/sock, owned by the PostgreSQL user when root); the timing
# covers `rdrill run drills/demo.yaml --confirm demo --var ...` (what
# drills/demo.sh runs) or `sh bench/drill-plain.sh WORK`, nothing else.
# B=build-x measures build-x/rdrill (built when missing), RDRILL=path any
# binary; RUNS changes "best of 3"; BENCH_DIR the temp dir's parent.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

sh .ci/install-deps.sh >&2
RDRILL_DEMO_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
export RDRILL_DEMO_DB_PASSWORD

echo "drill: drills/demo.yaml through rdrill vs bench/drill-plain.sh"
machine
"$PG_BIN/postgres" --version

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
	timed "$RDRILL" run drills/demo.yaml --confirm demo \
		--var "work=$d" --var "pg_bin=$PG_BIN" --var "pg_user=$PG_OS_USER" \
		--var "file_owner=$(id -u):$(id -g)" -o "$WORK/bundle-$n"
	w_rd="$w_rd $T"
	steps=$(jq -s '[.[] | select(.type == "step") | .duration_ms] | add / 1000' \
		"$WORK/bundle-$n/journal.jsonl")
	w_steps="$w_steps $steps"
	nsteps=$(jq -s '[.[] | select(.type == "step")] | length' "$WORK/bundle-$n/journal.jsonl")
	echo "run $n: rdrill $T s (steps $steps s)"
	rm -rf "$d" "$WORK/bundle-$n"

	d=$WORK/plain-$n
	prep "$d"
	timed sh bench/drill-plain.sh "$d"
	w_plain="$w_plain $T"
	echo "run $n: plain  $T s"
	rm -rf "$d"
done

rd=$(best_of "$w_rd")
plain=$(best_of "$w_plain")
steps=$(best_of "$w_steps")
echo
printf '%-50s %8s\n' "best of $RUNS" "seconds"
printf '%-50s %8s\n' "sh bench/drill-plain.sh (by hand, no evidence)" "$plain"
printf '%-50s %8s\n' "rdrill run drills/demo.yaml ($nsteps steps)" "$rd"
printf '%-50s %8s\n' "  time inside its steps (journal duration_ms)" "$steps"
echo "ratio rdrill / plain: $(ratio "$rd" "$plain")x;" \
	"difference $(awk -v a="$rd" -v b="$plain" 'BEGIN { printf "%.3f", a - b }') s"
cat <<'EOF'

Both run the same programs in the same order (initdb, pg_ctl, psql with
seed.sql, mkfiles.sh, pg_dump -Fc, two tar -czf, pg_restore -l, sha256sum
-c, canary select/delete, stop, rm -rf, initdb, start, create-db.sql,
pg_restore --clean, tar -x, checks). rdrill also: keeps every command's
output in the bundle, hashes the backup set itself (OpenSSL) before
sha256sum -c, reads the whole dump (native walk + pg_restore -f
/dev/null), talks to PostgreSQL over libpq instead of starting psql,
fsyncs a hash-chained journal record per step, renders report.md and
report.html and writes SHA256SUMS of the bundle. As root both switch to
the PostgreSQL user for initdb/pg_ctl: rdrill itself (run_as), the plain
script through runuser.
EOF
