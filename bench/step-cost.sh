#!/bin/sh
# What one trivial command step costs: `rdrill run` of a drill of STEPS
# (200) steps `run: [true]` (looked up on PATH, as a drill author writes
# it) beside a bash script that runs the same `true` with stdout and
# stderr redirected to one file each, the bundle or the files on tmpfs and
# on disk, in one run of this script. Aim from issue 9: rdrill at most
# 1.2x bash per step on tmpfs.
#
#   sh bench/step-cost.sh          # from the repository root
#
# Per step, two figures: the whole run divided by STEPS (start-up, report
# and seal included, as a user sees it), and the marginal cost, (time of
# STEPS steps - time of 1 step) / (STEPS - 1), which leaves out what a run
# costs once. For rdrill also the step loop alone: the first step's
# started_ms to the last one's ended_ms in the journal, / STEPS.
# The bash side disables its builtin `true` (`enable -n true`) so that it
# forks and execs /usr/bin/true found on PATH as rdrill does; its PATH
# lookup is cached (bash's hash table), rdrill's is not.
#
# B=build-x measures build-x/rdrill (built when missing), RDRILL=path any
# binary; RUNS changes "best of 3"; STEPS the step count; SHM_DIR the
# tmpfs directory (/dev/shm), BENCH_DIR or TMPDIR the disk one (/tmp).
# STRACE=0 skips the syscall count (one untimed run of each side under
# `strace -f -c`, STEPS and 1 step, on tmpfs), printed per step.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

STEPS=${STEPS:-200}
SHM_DIR=${SHM_DIR:-/dev/shm}
STRACE=${STRACE:-1}
[ "$STEPS" -ge 2 ] || bench_die "STEPS must be 2 or more"
command -v bash >/dev/null || bench_die "bash is needed for the reference"
command -v jq >/dev/null || bench_die "jq is needed (sh .ci/install-deps.sh)"

SHM=$(mktemp -d "$SHM_DIR/rdrill-bench-step-cost.XXXXXX")
trap 'rm -rf "$SHM"; _bench_cleanup' EXIT
fstype() { df -PT "$1" | awk 'NR == 2 { print $2 }'; }
[ "$(fstype "$SHM")" = tmpfs ] || echo "step-cost: warning: $SHM is not on tmpfs" >&2
[ "$(fstype "$WORK")" != tmpfs ] || echo "step-cost: warning: $WORK is on tmpfs, not on disk" >&2

echo "step-cost: $STEPS steps 'run: [true]' through rdrill vs bash, tmpfs and disk"
machine
echo "tmpfs dir: $SHM ($(fstype "$SHM")); disk dir: $WORK ($(fstype "$WORK"))"
# which_true: the first true on PATH, as execvp() would find it (the
# shell's `command -v` names its builtin).
which_true() {
	_IFS=$IFS; IFS=:
	for _d in $PATH; do
		if [ -f "${_d:-.}/true" ] && [ -x "${_d:-.}/true" ]; then
			IFS=$_IFS; echo "${_d:-.}/true"; return
		fi
	done
	IFS=$_IFS; echo "(none)"
}
_n=$(printf '%s\n' "$PATH" | tr ':' '\n' | grep -c '')
echo "true is $(which_true), PATH has $_n entries"


# plain N: the bash reference, files named as rdrill names its logs.
# shellcheck disable=SC2016
plain() {
	echo 'set -e'
	echo 'enable -n true'
	echo 'mkdir "$1/steps"'
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_i=$((_i + 1))
		printf 'true >"$1/steps/%02d-s%d.out" 2>"$1/steps/%02d-s%d.err"\n' \
			"$_i" "$_i" "$_i" "$_i"
	done
}

trivial_drill bench-step-cost "$STEPS" >"$WORK/steps.yaml"
trivial_drill bench-step-cost 1 >"$WORK/one.yaml"
plain "$STEPS" >"$WORK/plain.sh"
plain 1 >"$WORK/plain-one.sh"

# rd_run YAML DIR N: one timed rdrill run into the fresh bundle DIR;
# T = wall seconds, LOOP = ms of the step loop per step.
rd_run() {
	_t0=$(now_ns)
	"$RDRILL" run "$1" -o "$2" >"$WORK/last.log" 2>&1 || {
		tail -n 20 "$WORK/last.log" >&2
		bench_die "rdrill run $1 failed"
	}
	_t1=$(now_ns)
	T=$(secs "$_t0" "$_t1")
	_st=$(jq -r 'select(.type == "end") | .status' "$2/journal.jsonl")
	_n=$(jq -s '[.[] | select(.type == "step" and .status == "passed")] | length' \
		"$2/journal.jsonl")
	if [ "$_st" != PASSED ] || [ "$_n" -ne "$3" ]; then
		bench_die "rdrill: status $_st, $_n of $3 steps passed"
	fi
	LOOP=$(jq -s --argjson n "$3" '[.[] | select(.type == "step")] |
		(.[-1].ended_ms - .[0].started_ms) / $n' "$2/journal.jsonl")
	rm -rf "$2"
}

# bash_run SCRIPT DIR N: one timed run of the bash reference.
bash_run() {
	mkdir "$2"
	_t0=$(now_ns)
	bash "$1" "$2" || bench_die "bash $1 failed"
	_t1=$(now_ns)
	T=$(secs "$_t0" "$_t1")
	_n=$(find "$2/steps" -type f | wc -l)
	[ "$_n" -eq $(($3 * 2)) ] || bench_die "bash: $_n files, not $(($3 * 2))"
	rm -rf "$2"
}

# Times go to $WORK/t.FS.WHAT, one line per run.
n=0
while [ "$n" -lt "$RUNS" ]; do
	n=$((n + 1))
	for fs in tmpfs disk; do
		if [ "$fs" = tmpfs ]; then d=$SHM; else d=$WORK; fi
		rd_run "$WORK/steps.yaml" "$d/bundle" "$STEPS"
		echo "$T" >>"$WORK/t.$fs.rd"
		echo "$LOOP" >>"$WORK/t.$fs.loop"
		t_rd=$T
		bash_run "$WORK/plain.sh" "$d/plain" "$STEPS"
		echo "$T" >>"$WORK/t.$fs.sh"
		echo "run $n, $fs: rdrill $t_rd s, bash $T s ($STEPS steps)"
		rd_run "$WORK/one.yaml" "$d/bundle" 1
		echo "$T" >>"$WORK/t.$fs.rd1"
		bash_run "$WORK/plain-one.sh" "$d/plain" 1
		echo "$T" >>"$WORK/t.$fs.sh1"
	done
done

# best FS WHAT: the best time of that series.
best() { best_of "$(cat "$WORK/t.$1.$2")"; }
# per_step SECONDS [SECONDS_OF_ONE]: ms per step, 3 decimals.
per_step() {
	awk -v t="$1" -v o="${2:-}" -v n="$STEPS" 'BEGIN {
		if (o == "") printf "%.3f", t * 1000 / n
		else printf "%.3f", (t - o) * 1000 / (n - 1) }'
}
ms() { awk -v t="$1" 'BEGIN { printf "%.1f", t * 1000 }'; }

echo
echo "best of $RUNS, ms per step ($STEPS steps)"
printf '%-7s %-28s %8s %8s %7s\n' fs measure rdrill bash ratio
for fs in tmpfs disk; do
	a=$(per_step "$(best "$fs" rd)") b=$(per_step "$(best "$fs" sh)")
	printf '%-7s %-28s %8s %8s %6sx\n' "$fs" "whole run / steps" \
		"$a" "$b" "$(ratio "$a" "$b")"
	a=$(per_step "$(best "$fs" rd)" "$(best "$fs" rd1)")
	b=$(per_step "$(best "$fs" sh)" "$(best "$fs" sh1)")
	printf '%-7s %-28s %8s %8s %6sx\n' "$fs" "marginal (N vs 1 step)" \
		"$a" "$b" "$(ratio "$a" "$b")"
	printf '%-7s %-28s %8.3f\n' "$fs" "rdrill's step loop (journal)" \
		"$(best "$fs" loop)"
	printf '%-7s %-28s %8s %8s\n' "$fs" "a 1-step run, whole, in ms" \
		"$(ms "$(best "$fs" rd1)")" "$(ms "$(best "$fs" sh1)")"
done

if [ "$STRACE" = 0 ]; then exit 0; fi
if ! command -v strace >/dev/null && [ "$(id -u)" -eq 0 ]; then
	echo "step-cost: installing the Debian package strace" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >&2 || true
fi
if ! command -v strace >/dev/null; then
	echo "step-cost: no strace (sudo apt-get install strace): no syscall counts" >&2
	exit 0
fi

# counts FILE: "syscall calls errors" lines of a strace -c summary.
counts() {
	awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
		name = $NF; calls = $4; errs = (NF == 6) ? $5 : 0
		print name, calls, errs }' "$1"
}
# traced NAME CMD...: strace -f -c of CMD into $WORK/NAME.sc.
traced() {
	_name=$1; shift
	strace -f -c -o "$WORK/$_name.sc" "$@" >/dev/null 2>&1 ||
		bench_die "under strace: $* failed"
}
traced rd-n "$RDRILL" run "$WORK/steps.yaml" -o "$SHM/bundle"
rm -rf "$SHM/bundle"
traced rd-1 "$RDRILL" run "$WORK/one.yaml" -o "$SHM/bundle"
rm -rf "$SHM/bundle"
mkdir "$SHM/plain"
traced sh-n bash "$WORK/plain.sh" "$SHM/plain"
rm -rf "$SHM/plain"
mkdir "$SHM/plain"
traced sh-1 bash "$WORK/plain-one.sh" "$SHM/plain"
rm -rf "$SHM/plain"
for f in rd-n rd-1 sh-n sh-1; do counts "$WORK/$f.sc" >"$WORK/$f.counts"; done

# What one more step costs in syscalls, for the calls either side makes
# at least once per step; errors (failed calls) in parentheses.
echo
echo "syscalls per step (strace -f -c, tmpfs, ($STEPS steps - 1 step) / $((STEPS - 1)))"
awk -v n="$STEPS" '
	FILENAME ~ /rd-n/ { rn[$1] = $2; re[$1] = $3; all[$1] = 1 }
	FILENAME ~ /rd-1/ { r1[$1] = $2; r1e[$1] = $3 }
	FILENAME ~ /sh-n/ { sn[$1] = $2; se[$1] = $3; all[$1] = 1 }
	FILENAME ~ /sh-1/ { s1[$1] = $2; s1e[$1] = $3 }
	END {
		printf "%-18s %16s %16s\n", "syscall", "rdrill", "bash"
		for (s in all) {
			r = (rn[s] - r1[s]) / (n - 1); rx = (re[s] - r1e[s]) / (n - 1)
			b = (sn[s] - s1[s]) / (n - 1); bx = (se[s] - s1e[s]) / (n - 1)
			tr += r; tb += b
			if (r < 0.5 && b < 0.5) continue
			printf "%-18s %9.1f (%4.1f) %9.1f (%4.1f)\n", s, r, rx, b, bx | "sort"
		}
		close("sort")
		printf "%-18s %9.1f        %9.1f\n", "total", tr, tb
	}' "$WORK/rd-n.counts" "$WORK/rd-1.counts" "$WORK/sh-n.counts" "$WORK/sh-1.counts"
