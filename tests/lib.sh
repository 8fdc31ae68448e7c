# Shared library of the end-to-end tests (sourced by tests/tNNNN-*.sh).
#
#   . "$(dirname "$0")/lib.sh"
#   expect_exit 2 "$RDRILL" validate bad.yaml   # runs, keeps out/err
#   expect_grep 'bad.yaml:3:5: ' "$ERR"
#   test_done
#
# Each check prints "ok"/"not ok" and counts; test_done prints
# "N passed, N failed" and sets the exit code. Work happens in $TRASH, a
# fresh directory removed at exit (kept when RDRILL_KEEP=1).

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
RDRILL=${RDRILL:-$TOP/rdrill}
TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/rdrill-$TEST_NAME.XXXXXX")
chmod 755 "$TRASH"
# Run locks (lock.h) in the test's own state directory, never the host's.
RDRILL_STATE_DIR=$TRASH/state
export RDRILL_STATE_DIR
OUT=$TRASH/.out
ERR=$TRASH/.err
_pass=0
_fail=0
_cleanups=""

at_exit() { _cleanups="$* ; $_cleanups"; }
_on_exit() {
	eval "$_cleanups" >/dev/null 2>&1 || true
	[ "${RDRILL_KEEP:-0}" = 1 ] || rm -rf "$TRASH"
}
trap _on_exit EXIT
trap 'exit 130' INT TERM

pass() { _pass=$((_pass + 1)); echo "ok $((_pass + _fail)) - $*"; }
fail() {
	_fail=$((_fail + 1)); echo "not ok $((_pass + _fail)) - $*"
	if [ -s "$ERR" ]; then sed 's/^/#   stderr: /' "$ERR" | head -20; fi
}

# expect_exit CODE CMD...: run CMD, stdout to $OUT, stderr to $ERR.
expect_exit() {
	_want=$1; shift
	"$@" >"$OUT" 2>"$ERR" </dev/null
	_got=$?
	if [ "$_got" -eq "$_want" ]; then pass "exit $_want: $*"
	else fail "exit $_got, wanted $_want: $*"; fi
}
expect_grep() {
	if grep -q -e "$1" "$2" 2>/dev/null; then pass "'$1' in $(basename "$2")"
	else fail "'$1' not in $2"; fi
}
expect_grep_F() {
	if grep -q -F -e "$1" "$2" 2>/dev/null; then pass "'$1' in $(basename "$2")"
	else fail "'$1' not in $2"; fi
}
expect_no_grep() {
	if grep -q -e "$1" "$2" 2>/dev/null; then fail "'$1' found in $2"
	else pass "no '$1' in $(basename "$2")"; fi
}
expect_file() {
	if [ -f "$1" ]; then pass "file $1"; else fail "no file $1"; fi
}
expect_no_file() {
	if [ -e "$1" ]; then fail "$1 exists"; else pass "no $1"; fi
}
# expect_same GOLDEN ACTUAL: byte-equal, or a diff.
expect_same() {
	if cmp -s "$1" "$2"; then pass "same as $(basename "$1")"
	else fail "differs from $1"; diff -u "$1" "$2" | head -30; fi
}
# expect_true DESC CMD...: CMD exits 0.
expect_true() {
	_d=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$_d"; else fail "$_d"; fi
}

test_done() {
	echo "$TEST_NAME: $_pass passed, $_fail failed"
	[ "$_fail" -eq 0 ] && [ "$_pass" -gt 0 ]
	exit $?
}

# --- a throwaway PostgreSQL cluster on a Unix socket (no TCP) ----------
# PostgreSQL refuses to run as root: as root the server runs as
# $RDRILL_PG_USER (created by .ci/install-deps.sh).
PG_BIN=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PG_OS_USER=$(id -un)
if [ "$(id -u)" -eq 0 ]; then PG_OS_USER=${RDRILL_PG_USER:-rdrill-pg}; fi

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OS_USER" -- "$@"
	else "$@"; fi
}

# pg_reachable FILE: a copy of FILE the server's user can run. The
# checkout may lie where that user cannot reach (root's /root/... on a
# fresh machine), and $TRASH is 0755; templates come along for rdrill.
pg_reachable() {
	mkdir -p "$TRASH/.pgbin" || return 1
	[ -d "$TRASH/.pgbin/templates" ] || cp -R "$TOP/templates" "$TRASH/.pgbin/templates"
	cp "$1" "$TRASH/.pgbin/$(basename "$1")" &&
		chmod -R a+rX "$TRASH/.pgbin" &&
		echo "$TRASH/.pgbin/$(basename "$1")"
}

# pg_start: initdb + start; exports PGHOST (socket dir), PGPORT, PGUSER.
pg_start() {
	PGDATA_DIR=$TRASH/pgdata
	PGHOST=$TRASH/pgsock
	PGLOG_DIR=$TRASH/pglog
	mkdir -p "$PGHOST" "$PGDATA_DIR" "$PGLOG_DIR"
	chmod 700 "$PGDATA_DIR"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$PG_OS_USER" "$PGHOST" "$PGDATA_DIR" "$PGLOG_DIR"
	fi
	as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres -A trust \
		--no-sync -E UTF8 --locale=C >"$TRASH/.initdb.log" 2>&1 ||
		{ cat "$TRASH/.initdb.log"; return 1; }
	PGPORT=$((20000 + $$ % 20000))
	as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -w -l "$PGLOG_DIR/server.log" \
		-o "-c listen_addresses='' -k $PGHOST -p $PGPORT -c fsync=off" \
		start >/dev/null || { cat "$PGLOG_DIR/server.log"; return 1; }
	at_exit "as_pg '$PG_BIN/pg_ctl' -D '$PGDATA_DIR' -m immediate stop"
	PGUSER=postgres
	export PGHOST PGPORT PGUSER
}

# drill_head ID ENVIRONMENT: the mandatory top of a test drill file.
drill_head() {
	cat <<HEAD
rdrill: 1
id: $1
title: Test drill $1
system: test
environment: $2
objective: test
targets: {rto: 10m, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: x}
HEAD
}

# small_drill ID: a drill of four steps, one in each of verify_backup,
# destroy, restore and verify_restore, all passing unless run with
# --var code=N (the last step then exits N).
small_drill() {
	drill_head "$1" test
	cat <<'EOF'
vars: {code: "0"}
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: gone, run: ["true"]}
  restore:
    - {id: back, run: ["true"]}
  verify_restore:
    - {id: fine, shell: "exit ${code}"}
EOF
}

# big_plan_drill ID: a drill of 1,500 backup steps titled at length (its
# plan over 256 KiB, so a run names it by hash in plan.json), one
# verify_backup and one destroy step, then the restore phase: its steps
# read from stdin (YAML list items indented four spaces).
big_plan_drill() {
	drill_head "$1" test
	echo "phases:"
	echo "  backup:"
	awk 'BEGIN { for (i = 1; i <= 1500; i++)
		printf "    - {id: s%d, title: \"step %d, titled at length so that the plan is named by its hash rather than held in the start record\", run: [\"true\"]}\n", i, i }'
	echo "  verify_backup:"
	echo "    - {id: vb, run: [\"true\"]}"
	echo "  destroy:"
	echo "    - {id: drop, run: [\"true\"]}"
	echo "  restore:"
	cat
}

# relink_journal FILE: each record's "prev" made the SHA-256 of the line
# before it again (a journal edited as a forger would), in place.
relink_journal() {
	perl -MDigest::SHA=sha256_hex -e '
		open(my $j, "<", $ARGV[0]) or die; my @l = <$j>; close $j;
		chomp @l;
		for my $i (1 .. $#l) {
			my $prev = sha256_hex($l[$i - 1]);
			$l[$i] =~ s/"prev":"[0-9a-f]{64}"/"prev":"$prev"/ or die;
		}
		open(my $o, ">", $ARGV[0]) or die; print $o join("\n", @l), "\n";
	' "$1"
}

# forge_journal BUNDLE FILTER [JQ OPTION ...]: the bundle's journal run
# through the jq FILTER (a record a line), its chain re-linked, its seal
# and reports removed, so that `rdrill render` seals it again.
forge_journal() {
	_fj=$1 _ff=$2
	shift 2
	rm -f "$_fj/SEAL" "$_fj/SHA256SUMS" "$_fj/seal.tsq" "$_fj"/report.*
	jq -c "$@" "$_ff" "$_fj/journal.jsonl" >"$_fj/journal.forged" &&
		relink_journal "$_fj/journal.forged" &&
		mv "$_fj/journal.forged" "$_fj/journal.jsonl"
}

# forge_plan_json FROM TO FILTER: bundle FROM copied to TO, its plan.json
# run through the perl FILTER (on the whole text, in $_), the new
# SHA-256 put in the start record and the chain re-linked, as a forger
# would.
forge_plan_json() {
	rm -rf "$2"
	cp -a "$1" "$2"
	perl -0777 -i -pe "$3" "$2/plan.json"
	perl -MDigest::SHA=sha256_hex -e '
		open(my $p, "<", $ARGV[0]) or die; local $/; my $plan = <$p>;
		my $h = sha256_hex($plan);
		open(my $j, "<", $ARGV[1]) or die; my @l = split /\n/, <$j>;
		$l[0] =~ s/("plan_file":\{"path":"plan.json","sha256":")[0-9a-f]{64}/$1$h/
			or die "no plan_file";
		open(my $o, ">", $ARGV[1]) or die; print $o join("\n", @l), "\n";
	' "$2/plan.json" "$2/journal.jsonl" && relink_journal "$2/journal.jsonl"
}
