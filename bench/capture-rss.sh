#!/bin/sh
# Peak RSS of rdrill while one command step prints 1 GiB to stdout, which
# rdrill captures into the bundle (steps/01-print.out), beside the same
# command writing to a file through plain sh. Aim: peak RSS < 32 MB.
#
#   sh bench/capture-rss.sh          # from the repository root
#
# B=build-x measures build-x/rdrill (built when missing), RDRILL=path any
# binary; BYTES changes the 1 GiB; RUNS the "best of 3"; BENCH_DIR puts
# the temp dir (2 x BYTES at most) elsewhere than $TMPDIR.
#
# Peak RSS comes from two sources, both printed: /usr/bin/time -v's
# "Maximum resident set size" (getrusage: the largest of the process and
# every descendant it waited for, so for rdrill it includes sh, head and
# tr), and rdrill's own VmHWM read from /proc/PID/status every 50 ms while
# it runs (its high-water mark, last value seen before it exits).
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

BYTES=${BYTES:-1073741824}
CMD="head -c $BYTES /dev/zero | tr '\\0' x"

TIME=/usr/bin/time
if [ ! -x "$TIME" ] && [ "$(id -u)" -eq 0 ]; then
	echo "capture-rss: installing the Debian package time" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2 || true
fi
if [ ! -x "$TIME" ]; then
	echo "capture-rss: /usr/bin/time not found (sudo apt-get install time);" \
		"using /proc VmHWM and the shell's clock only" >&2
	TIME=""
fi

# _hwm_read PID: HWM_NOW = VmHWM of PID in kB, or empty.
_hwm_read() {
	HWM_NOW=""
	{
		while IFS= read -r _l; do
			case $_l in
			VmHWM:*)
				# "VmHWM:<tab>   10796 kB": the second word.
				set -f
				# shellcheck disable=SC2086
				set -- $_l
				set +f
				HWM_NOW=$2
				break
				;;
			esac
		done <"/proc/$1/status"
	} 2>/dev/null || true
}

# _alive PID: PID exists and is not a zombie.
_alive() {
	[ -r "/proc/$1/status" ] || return 1
	! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# measure CMD...: run CMD (output to $WORK/last.log); sets M_WALL (s:
# /usr/bin/time's, 10 ms steps; without it the poll loop's, 50 ms steps),
# M_RUSAGE (kB, /usr/bin/time, empty without it), M_HWM (kB, CMD's own
# VmHWM as last seen, empty if never read) and M_RC.
measure() {
	rm -f "$WORK/rusage"
	_t0=$(now_ns)
	if [ -n "$TIME" ]; then
		"$TIME" -f '%e %M' -o "$WORK/rusage" "$@" >"$WORK/last.log" 2>&1 &
	else
		"$@" >"$WORK/last.log" 2>&1 &
	fi
	_bg=$!
	_pid=$_bg
	BENCH_KILL=$_bg
	M_HWM=""
	while _alive "$_bg"; do
		if [ -n "$TIME" ]; then
			# The measured process is /usr/bin/time's only child.
			_pid=""
			{ read -r _pid _ <"/proc/$_bg/task/$_bg/children"; } \
				2>/dev/null || true
			BENCH_KILL="$_pid $_bg"
		fi
		if [ -n "$_pid" ]; then
			_hwm_read "$_pid"
			if [ -n "$HWM_NOW" ] &&
			   { [ -z "$M_HWM" ] || [ "$HWM_NOW" -gt "$M_HWM" ]; }; then
				M_HWM=$HWM_NOW
			fi
		fi
		sleep 0.05
	done
	M_RC=0
	wait "$_bg" || M_RC=$?
	BENCH_KILL=""
	_t1=$(now_ns)
	M_WALL=$(secs "$_t0" "$_t1")
	# A few samples of a short run see it starting, not its peak.
	if awk -v w="$M_WALL" 'BEGIN { exit !(w < 0.25) }'; then M_HWM=""; fi
	M_RUSAGE=""
	if [ -n "$TIME" ]; then
		# Its clock, not the poll loop's (which notices the end up to
		# 50 ms late).
		M_WALL=$(tail -n 1 "$WORK/rusage" | cut -d' ' -f1)
		M_RUSAGE=$(tail -n 1 "$WORK/rusage" | cut -d' ' -f2)
	fi
}

# The drill: one shell step; the output is rdrill's to capture.
drill() {
	cat <<EOF
rdrill: 1
id: bench-capture
title: capture benchmark
system: bench
environment: bench
objective: peak RSS while capturing a large stdout
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: out, title: output, tier: 3, kind: files, source: [stdout], artifact: x}
phases:
  backup:
    - id: print
      shell: |
        $1
EOF
}
drill "$CMD" >"$WORK/big.yaml"
drill true >"$WORK/none.yaml"

mib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f MiB", k / 1024 }'; }
max_of() { printf '%s\n' "$@" | sort -n | tail -n 1; }

printf 'capture-rss: one step prints %s bytes: %s\n' "$BYTES" "$CMD"
machine
echo "best time and highest peak RSS of $RUNS runs, alternating"

n=0
w_none='' w_big='' w_sh='' d_step='' r_none=0 r_big=0 r_sh=0 h_none=0 h_big=0
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	measure "$RDRILL" run "$WORK/none.yaml" -o "$WORK/none-$n"
	[ "$M_RC" -eq 0 ] || { cat "$WORK/last.log" >&2; bench_die "rdrill (no output) exit $M_RC"; }
	w_none="$w_none $M_WALL"
	r_none=$(max_of "$r_none" "${M_RUSAGE:-0}")
	h_none=$(max_of "$h_none" "${M_HWM:-0}")

	measure "$RDRILL" run "$WORK/big.yaml" -o "$WORK/big-$n"
	[ "$M_RC" -eq 0 ] || { cat "$WORK/last.log" >&2; bench_die "rdrill exit $M_RC"; }
	w_big="$w_big $M_WALL"
	r_big=$(max_of "$r_big" "${M_RUSAGE:-0}")
	h_big=$(max_of "$h_big" "${M_HWM:-0}")
	captured=$(jq -r 'select(.type == "step") | .stdout.bytes' "$WORK/big-$n/journal.jsonl")
	ondisk=$(wc -c <"$WORK/big-$n/steps/01-print.out")
	# Same bytes or the figures mean nothing.
	if [ "$captured" != "$BYTES" ] || [ "$ondisk" -ne "$BYTES" ]; then
		bench_die "rdrill captured $captured bytes ($ondisk on disk), not $BYTES"
	fi
	d_step="$d_step $(jq -r 'select(.type == "step") | .duration_ms / 1000' "$WORK/big-$n/journal.jsonl")"
	rm -rf "$WORK/big-$n" "$WORK/none-$n"

	measure sh -c "$CMD > '$WORK/plain.out'"
	[ "$M_RC" -eq 0 ] || bench_die "plain sh exit $M_RC"
	w_sh="$w_sh $M_WALL"
	r_sh=$(max_of "$r_sh" "${M_RUSAGE:-0}")
	written=$(wc -c <"$WORK/plain.out")
	rm -f "$WORK/plain.out"
done

t_none=$(best_of "$w_none")
t_big=$(best_of "$w_big")
t_sh=$(best_of "$w_sh")
[ -n "$TIME" ] || { r_none=""; r_big=""; r_sh=""; }
[ "$h_none" != 0 ] || h_none=""
[ "$h_big" != 0 ] || h_big=""

echo
printf '%-36s %12s %14s %9s  %s\n' "" "peak RSS" "rdrill VmHWM" "time" "bytes"
printf '%-36s %12s %14s %7s s  %s\n' "rdrill, a step printing nothing" \
	"$(mib "$r_none")" "$(mib "$h_none")" "$t_none" "-"
printf '%-36s %12s %14s %7s s  %s\n' "rdrill, a step printing $(mib $((BYTES / 1024)) | sed 's/\.0 / /')" \
	"$(mib "$r_big")" "$(mib "$h_big")" "$t_big" "$captured captured (journal .stdout.bytes)"
printf '%-36s %12s %14s %7s s  %s\n' "sh -c '... > file' (reference)" \
	"$(mib "$r_sh")" "-" "$t_sh" "$written written"
echo "time ratio rdrill / sh: $(ratio "$t_big" "$t_sh")x (the step alone, journal duration_ms: $(best_of "$d_step") s)"
peak=$(max_of "${r_big:-0}" "${h_big:-0}")
# 32 MB = 32,000,000 bytes = 31,250 kB (kernel kB are KiB).
if [ "$peak" -gt 0 ] && [ "$peak" -lt 31250 ]; then verdict="met"; else verdict="NOT met"; fi
echo "aim (issue): rdrill's peak RSS < 32 MB: $verdict ($(mib "$peak"))"
cat <<'EOF'

peak RSS: getrusage via /usr/bin/time, the largest of the process and its
  children (for rdrill: sh, head and tr too, each about the size of the
  reference line); rdrill VmHWM: rdrill's own high-water mark, sampled
  every 50 ms, "-" for runs under 0.25 s (the samples would only see the
  start). Memory that does not grow with the output means capture is
  streamed, not held.
time: wall clock of /usr/bin/time (10 ms steps).
  rdrill also writes the journal and the report and hashes every
  bundle file into SHA256SUMS, the 1 GiB log included; sh only writes.
EOF
