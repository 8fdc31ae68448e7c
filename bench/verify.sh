#!/bin/sh
# `rdrill verify` of a bundle holding a 1 GiB log, beside `sha256sum` of
# that log alone, in one run. verify reads every byte of the bundle once
# (SHA256SUMS) and checks the log's step record against that same hash,
# so its speed should be the hash's: aim >= 0.9x sha256sum's. Best of 3,
# alternating, page cache warm.
#
#   sh bench/verify.sh [MiB]   # from the repository root; default 1024
#
# B=build-x measures build-x/rdrill, RDRILL=path any binary; RUNS changes
# "best of 3"; BENCH_DIR the temp dir's parent.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

MIB=${1:-1024}
echo "verify: rdrill verify of a bundle with a $MIB MiB log vs sha256sum of the log"
machine
cat >"$WORK/big.yaml" <<EOF2
rdrill: 1
id: bench-verify
title: one big log
system: bench
environment: bench
objective: a bundle with one large step log
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: /nonexistent}
phases:
  backup:
    - id: big
      run: [head, -c, "${MIB}M", /dev/urandom]
EOF2
"$RDRILL" run "$WORK/big.yaml" -o "$WORK/b" >"$WORK/run.log" 2>&1 ||
	{ tail -n 20 "$WORK/run.log" >&2; bench_die "run failed"; }
log=$WORK/b/steps/01-big.out
echo "log: $(wc -c <"$log") bytes"
cat "$log" >/dev/null
"$RDRILL" verify "$WORK/b" >"$WORK/v.out" || { cat "$WORK/v.out" >&2; bench_die "the bundle does not verify"; }
n=0 w_v='' w_s=''
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	t0=$(now_ns); "$RDRILL" verify "$WORK/b" >/dev/null; t1=$(now_ns)
	v=$(secs "$t0" "$t1")
	t0=$(now_ns); sha256sum "$log" >/dev/null; t1=$(now_ns)
	s=$(secs "$t0" "$t1")
	echo "run $n: rdrill verify $v s, sha256sum $s s"
	w_v="$w_v $v" w_s="$w_s $s"
done
v=$(best_of "$w_v")
s=$(best_of "$w_s")
echo
printf '%-45s %8s %10s\n' "best of $RUNS" "seconds" "MB/s"
printf '%-45s %8s %10s\n' "sha256sum LOG" "$s" "$(awk -v t="$s" -v m="$MIB" 'BEGIN { printf "%.0f", m * 1.048576 / t }')"
printf '%-45s %8s %10s\n' "rdrill verify BUNDLE (the whole bundle)" "$v" "$(awk -v t="$v" -v m="$MIB" 'BEGIN { printf "%.0f", m * 1.048576 / t }')"
echo "verify speed / sha256sum speed: $(ratio "$s" "$v")x (aim >= 0.9x)"
