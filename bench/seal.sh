#!/bin/sh
# What sealing and signing cost a real drill: the demo drill
# (drills/demo.yaml, as drills/demo.sh runs it, signed with a throwaway
# Ed25519 key) timed whole, and inside it the seal: from report.html
# written to SEAL written (SHA256SUMS of every file of the bundle,
# SEAL, SEAL.sig, seal.tsq), read off the files' nanosecond mtimes, so
# the run is not instrumented. Beside it, the same work by the plain
# tools on the same bundle: `sha256sum` of every file into SHA256SUMS and
# `openssl pkeyutl -sign` of SEAL. Best of 3.
#
#   sh bench/seal.sh          # from the repository root
#
# B=build-x measures build-x/rdrill, RDRILL=path any binary; RUNS changes
# "best of 3"; BENCH_DIR the temp dir's parent.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

sh .ci/install-deps.sh >&2
RDRILL_DEMO_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
export RDRILL_DEMO_DB_PASSWORD

echo "seal: sealing and signing inside the demo drill, and by plain tools"
machine
mkdir "$WORK/key"
"$RDRILL" keygen "$WORK/key" >/dev/null

mtime_ns() { stat -c %.9Y "$1" | tr -d . ; }

n=0 w_run='' w_seal='' w_plain=''
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	d=$WORK/run-$n
	mkdir -p "$d/pg/sock"
	chmod 755 "$d"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$d/pg"; fi
	bench_stop_at_exit "$d/pg/data"
	t0=$(now_ns)
	"$RDRILL" run drills/demo.yaml --confirm demo \
		--sign-key "$WORK/key/rdrill-sign.key" \
		--var "work=$d" --var "pg_bin=$PG_BIN" --var "pg_user=$PG_OS_USER" \
		--var "file_owner=$(id -u):$(id -g)" -o "$WORK/bundle-$n" \
		>"$WORK/last.log" 2>&1 || { tail -n 20 "$WORK/last.log" >&2; bench_die "run failed"; }
	t1=$(now_ns)
	bd=$WORK/bundle-$n
	[ -f "$bd/SEAL.sig" ] || bench_die "no SEAL.sig: not signed"
	run=$(secs "$t0" "$t1")
	seal=$(secs "$(mtime_ns "$bd/report.html")" "$(mtime_ns "$bd/SEAL")")
	# The plain tools, same bundle, same work (hash every file, sign).
	t0=$(now_ns)
	(cd "$bd" && find . -type f ! -name 'SEAL*' ! -name 'SHA256SUMS' \
		! -name 'seal.ts?' -printf '%P\n' | sort | xargs sha256sum \
		>"$WORK/SUMS" &&
	 openssl pkeyutl -sign -inkey "$WORK/key/rdrill-sign.key" -rawin \
		-in SEAL -out "$WORK/sig")
	t1=$(now_ns)
	plain=$(secs "$t0" "$t1")
	files=$(wc -l <"$bd/SHA256SUMS")
	bytes=$(cd "$bd" && awk '{print $2}' SHA256SUMS | xargs cat | wc -c)
	echo "run $n: drill $run s, its seal $seal s; plain sha256sum + openssl $plain s ($files files, $bytes bytes)"
	w_run="$w_run $run" w_seal="$w_seal $seal" w_plain="$w_plain $plain"
	as_pg "$PG_BIN/pg_ctl" -D "$d/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$d" "$bd"
done
run=$(best_of "$w_run")
seal=$(best_of "$w_seal")
plain=$(best_of "$w_plain")
echo
printf '%-55s %8s\n' "best of $RUNS" "seconds"
printf '%-55s %8s\n' "rdrill run drills/demo.yaml --sign-key (whole drill)" "$run"
printf '%-55s %8s\n' "  of which the seal (report.html -> SEAL)" "$seal"
printf '%-55s %8s\n' "plain: sha256sum every file + openssl pkeyutl -sign" "$plain"
echo "seal / drill: $(awk -v a="$seal" -v b="$run" 'BEGIN { printf "%.2f", 100 * a / b }') % (aim < 1 %);" \
	"rdrill's seal / plain tools: $(ratio "$seal" "$plain")x"
