# Shared part of bench/capture-rss.sh, toc.sh, drill.sh, step-cost.sh and
# render.sh (sourced).
#
#   . "$(dirname "$0")/lib.sh"
#
# Leaves the shell at the repository root with:
#   RDRILL    the binary measured: $B/rdrill (B=build by default), built
#             with `make B=$B $B/rdrill` when missing; RDRILL=path wins
#   RUNS      "best of" count (3)
#   WORK      a fresh temp dir under $BENCH_DIR or $TMPDIR, removed at
#             exit together with every server started through pg_up
#   BENCH_KILL  pids to send TERM at exit (set by the caller)
#   PG_BIN, PG_OS_USER, as_pg CMD...  as in tests/lib.sh: as root the
#             PostgreSQL servers run as $RDRILL_PG_USER (rdrill-pg)
# and helpers: now_ns, secs START END, best_of, ratio, pg_up, pg_down,
# bench_stop_at_exit, machine.
# Benchmarks print figures; they never assert timings.
set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BENCH_NAME=$(basename "$0" .sh)
B=${B:-build}
RUNS=${RUNS:-3}

bench_die() { echo "$BENCH_NAME: $*" >&2; exit 2; }

if [ -z "${RDRILL:-}" ]; then
	if [ ! -x "$B/rdrill" ]; then
		echo "$BENCH_NAME: building $B/rdrill" >&2
		make --no-print-directory B="$B" "$B/rdrill" >&2
	fi
	RDRILL=$TOP/$B/rdrill
fi
[ -x "$RDRILL" ] || bench_die "no rdrill binary at $RDRILL"

PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PG_OS_USER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then PG_OS_USER=${RDRILL_PG_USER:-rdrill-pg}; fi

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OS_USER" -- "$@"
	else "$@"; fi
}

WORK=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/rdrill-bench-$BENCH_NAME.XXXXXX")
chmod 755 "$WORK"
_bench_pgdata=""
BENCH_KILL=""
_bench_cleanup() {
	# Background jobs measured by the caller (they ignore SIGINT).
	for p in $BENCH_KILL; do kill -TERM "$p" 2>/dev/null || true; done
	# ... and wait (10 s at most) until they are gone before removing
	# the directory they write to.
	_i=0
	for p in $BENCH_KILL; do
		while [ "$_i" -lt 100 ] && [ -d "/proc/$p" ] &&
		      ! grep -q '^State:[[:space:]]*Z' "/proc/$p/status" 2>/dev/null; do
			sleep 0.1
			_i=$((_i + 1))
		done
	done
	for d in $_bench_pgdata; do
		if [ -f "$d/postmaster.pid" ]; then
			as_pg "$PG_BIN/pg_ctl" -D "$d" -m immediate -w stop \
				>/dev/null 2>&1 || true
		fi
	done
	rm -rf "$WORK"
}
# bench_stop_at_exit PGDATA: stop the server of PGDATA at exit if running.
bench_stop_at_exit() { _bench_pgdata="$_bench_pgdata $1"; }
trap _bench_cleanup EXIT
trap 'exit 130' INT TERM
# now_ns: wall clock in nanoseconds (GNU date).
now_ns() { date +%s%N; }
# secs START_NS END_NS: the interval in seconds, 3 decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# best_of "SECONDS...": the smallest of a blank-separated list.
best_of() { printf '%s\n' "$*" | tr -s ' ' '\n' | grep . | sort -n | head -n 1; }
# median FIGURES...: the middle one (the lower middle of an even count).
median() {
	printf '%s\n' "$*" | tr -s ' ' '\n' | grep . | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# ratio A B: A / B, 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

# pg_up DIR [SERVER OPTION...]: initdb DIR/data and start a server on the
# socket directory DIR/sock (no TCP); the server is stopped at exit.
# Exports PGHOST, PGPORT, PGUSER=postgres.
pg_up() {
	_d=$1; shift
	mkdir -p "$_d/data" "$_d/sock"
	chmod 700 "$_d/data"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$_d"; fi
	as_pg "$PG_BIN/initdb" -D "$_d/data" -U postgres -A trust --no-sync \
		-E UTF8 --locale=C >"$_d/initdb.log" 2>&1 ||
		{ cat "$_d/initdb.log" >&2; return 1; }
	bench_stop_at_exit "$_d/data"
	PGPORT=$((20000 + $$ % 20000))
	as_pg "$PG_BIN/pg_ctl" -D "$_d/data" -w -l "$_d/server.log" \
		-o "-c listen_addresses='' -k $_d/sock -p $PGPORT $*" \
		start >/dev/null || { cat "$_d/server.log" >&2; return 1; }
	PGHOST=$_d/sock
	PGUSER=postgres
	export PGHOST PGPORT PGUSER
}

# pg_down DIR: stop the server pg_up started there.
pg_down() {
	as_pg "$PG_BIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null
}

# machine: one line about where the figures come from.
machine() {
	echo "machine: $(nproc) online CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(awk '/MemTotal/ { printf "%.0f GB RAM", $2 / 1048576 }' /proc/meminfo)"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); temp dir $WORK on $(df -PT "$WORK" | awk 'NR == 2 { print $2 }')"
	echo "binary: $RDRILL ($("$RDRILL" --version 2>/dev/null || echo 'rdrill ?'))"
}

# trivial_drill ID N: a drill of N trivial command steps (`run: [true]`).
trivial_drill() {
	cat <<EOF
rdrill: 1
id: $1
title: $1
system: bench
environment: bench
objective: many trivial steps, to measure rdrill itself
targets: {rto: 1h, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: /nonexistent}
phases:
  backup:
EOF
	_i=0
	while [ "$_i" -lt "$2" ]; do
		_i=$((_i + 1))
		printf '    - id: s%d\n      run: [true]\n' "$_i"
	done
}
