#!/bin/sh
# Text from a drill file, a command or a server reaches no terminal raw:
# ESC, other controls and bidi overrides (U+202E: "Trojan Source") are
# shown by name in `plan`, progress lines and errors, and in report.md
# and report.html as visible text, never as the characters themselves.
. "$(dirname "$0")/lib.sh"
ESC=$(printf '\033')
RLO=$(printf '\342\200\256')       # U+202E RIGHT-TO-LEFT OVERRIDE
LRI=$(printf '\342\201\246')       # U+2066 LEFT-TO-RIGHT ISOLATE
C1=$(printf '\302\233')            # U+009B CSI
no_raw() {
	for f in "$@"; do
		for c in "$ESC" "$RLO" "$LRI" "$C1"; do
			expect_true "no raw $(printf %s "$c" | od -An -tx1 | tr -d ' ') in $(basename "$f")" \
				sh -c '! grep -qF -e "$1" "$2"' - "$c" "$f"
		done
	done
}

# The approver's plan: a title and a command that would rewrite it.
{ drill_head evil test
cat <<'EOF'
phases:
  backup:
    - id: hide
      title: "harmless\e[8m rm -rf / \e[0m \u202Etxt.exe"
      run: [echo, "\e]0;owned\a", "\u2066x\u2069", "\u009b2J"]
    - id: multi
      shell: "echo one\n  2. command fake-step\necho two"
EOF
} >"$TRASH/evil.yaml"
expect_exit 0 "$RDRILL" plan "$TRASH/evil.yaml" -o "$TRASH/p"
cp "$OUT" "$TRASH/plan.out"
no_raw "$TRASH/plan.out" "$TRASH/p/report.md" "$TRASH/p/report.html"
expect_grep_F '# harmless<U+001B>[8m rm -rf / <U+001B>[0m <U+202E>txt.exe' "$TRASH/plan.out"
expect_grep_F '<U+001B>]0;owned<U+0007>' "$TRASH/plan.out"
expect_grep_F "'<U+2066>x<U+2069>' '<U+009B>2J'" "$TRASH/plan.out"
# A script's lines stay under its prompt: none passes for a step.
expect_grep '^         2\. command fake-step$' "$TRASH/plan.out"
expect_no_grep '^  2\. command fake-step' "$TRASH/plan.out"
expect_grep_F 'U+202E' "$TRASH/p/report.md"
expect_grep_F '&lt;U+202E&gt;txt.exe' "$TRASH/p/report.html"
# All of it, as the approver sees it (the temp dir and hashes vary).
sed -e "s|$TRASH|TRASH|g" -e 's/sha256 [0-9a-f]\{64\}/sha256 HASH/' \
	-e 's/plan hash    [0-9a-f]\{64\}/plan hash    HASH/' \
	"$TRASH/plan.out" >"$TRASH/plan.norm"
expect_same "$TOP/tests/golden/plan/evil.txt" "$TRASH/plan.norm"

# A run: the command's own output stays raw in its log file (evidence),
# and is shown by name in the report and on the terminal.
{ drill_head evilrun test
cat <<'EOF'
phases:
  backup:
    - id: out
      shell: "printf 'abc\\342\\200\\256def \\033[2J\\n'; exit 3"
EOF
} >"$TRASH/evilrun.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/evilrun.yaml" -o "$TRASH/r"
no_raw "$OUT" "$ERR" "$TRASH/r/report.md" "$TRASH/r/report.html"
expect_grep_F "abc${RLO}def" "$TRASH/r/steps/01-out.out"
expect_grep_F 'abc<U+202E>def <U+001B>[2J' "$TRASH/r/report.md"
expect_grep_F 'abc&lt;U+202E&gt;def &lt;U+001B&gt;[2J' "$TRASH/r/report.html"

# From the server: a table name and a value with U+202E, read by sql
# and toc steps; failing checks put them on the terminal.
pg_start || { fail "cannot start PostgreSQL"; test_done; }
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d postgres"
printf '%s\n' \
	"CREATE TABLE \"evil${RLO}gpj.exe\" (v text);" \
	"INSERT INTO \"evil${RLO}gpj.exe\" VALUES ('val${RLO}ue ${ESC}[2J');" |
	$PSQL >"$TRASH/seed.log" 2>&1
expect_true "seeded" test $? -eq 0
expect_exit 0 "$PG_BIN/pg_dump" -Fc -d postgres -f "$TRASH/db.dump"
{ drill_head evilsql test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "$TRASH/db.dump", connection: db}
    - id: name
      sql: {connection: db, query: "SELECT relname FROM pg_class WHERE relname LIKE 'evil%'", expect_value: "x"}
  cleanup:
    - id: value
      sql: {connection: db, query: "SELECT v FROM public.\"evil${RLO}gpj.exe\"", expect_value: "y"}
    - id: missing
      sql: {connection: db, query: "SELECT * FROM \"no${RLO}such\""}
EOF
} >"$TRASH/evilsql.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/evilsql.yaml" -o "$TRASH/s"
cp "$ERR" "$TRASH/s.err"
no_raw "$OUT" "$TRASH/s.err" "$TRASH/s/report.md" "$TRASH/s/report.html"
expect_grep_F 'evil<U+202E>gpj.exe' "$TRASH/s.err"
expect_grep_F 'val<U+202E>ue <U+001B>[2J' "$TRASH/s.err"
expect_grep_F 'no<U+202E>such' "$TRASH/s.err"
expect_grep_F 'evil&lt;U+202E&gt;gpj.exe' "$TRASH/s/report.html"
expect_grep_F 'val&lt;U+202E&gt;ue &lt;U+001B&gt;[2J' "$TRASH/s/report.html"
expect_grep_F 'U+202E' "$TRASH/s/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/s"
test_done
