#!/bin/sh
# A declared secret (password_env, password_file, secret_env) reaches no
# sink, whichever step kind carries it and in whichever form: read back
# by an sql step, held in a canary column, in a failing check's message,
# in a server error relayed by libpq, in a connect error, printed by a
# command inside a URI or a key=value conninfo, percent-encoded. Nothing
# of it in any file of the bundle (reports included), nor on rdrill's
# stdout or stderr.
. "$(dirname "$0")/lib.sh"
pg_start || { fail "cannot start PostgreSQL"; test_done; }
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d postgres"

# RFC 3986: letters and digits as they are, every other byte %XX.
pct() {
	printf %s "$1" | od -An -v -tx1 | tr -s ' ' '\n' | grep . |
	while read -r h; do
		case $h in
		3[0-9]|4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])
			printf "\\$(printf %03o "0x$h")" ;;
		*) printf '%%%s' "$h" | tr a-f A-F ;;
		esac
	done
}

PW="s3 cr'et@$$-pw"
URI=$(pct "$PW")
# libpq conninfo: single-quoted, quote and backslash escaped.
CONNINFO="password='$(printf %s "$PW" | sed "s/[\\\\']/\\\\&/g")'"
expect_true "the encoded form differs" test "$URI" != "$PW"
printf '%s\n' "$URI" >"$TRASH/uri"
expect_grep_F "s3%20cr%27et%40$$%2Dpw" "$TRASH/uri"
export T_PW="$PW" T_URI="$URI" T_CONNINFO="$CONNINFO"

printf '%s\n' \
	"CREATE TABLE t (id int PRIMARY KEY, v text);" \
	"INSERT INTO t VALUES (1, :'pw'), (2, :'uri');" \
	"CREATE TABLE posts (id text PRIMARY KEY, message text, status text, path text);" \
	"INSERT INTO posts VALUES ('c1', 'the canary says ' || :'pw', :'pw', :'uri');" |
	$PSQL -v pw="$PW" -v uri="$URI" >"$TRASH/seed.log" 2>&1
expect_true "seeded" test $? -eq 0

cat >"$TRASH/leak.sh" <<'EOF'
echo "raw: $PW"
echo "uri: postgresql://app:$T_URI@db.example/app?sslmode=require"
echo "conninfo: host=db.example $T_CONNINFO dbname=app"
echo "stderr too: $PW" >&2
EOF

{ drill_head secrets test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres, password_env: T_PW}
canary: {connection: db, table: public.posts, key: {id: c1}, columns: [message, status, path]}
phases:
  backup:
    - id: leak
      shell: sh "$TRASH/leak.sh"
      secret_env: {PW: T_PW}
  verify_backup:
    - {id: rec, canary: record}
    - id: readback
      sql: {connection: db, query: "SELECT v FROM t WHERE id = 1"}
    - id: readback-uri
      sql: {connection: db, query: "SELECT v FROM t WHERE id = 2"}
    - id: check-msg
      sql: {connection: db, query: "SELECT v FROM t WHERE id = 1", expect_value: "something else"}
  cleanup:
    - id: server-error
      sql: {connection: db, query: "SELECT v::int FROM t WHERE id = 1"}
EOF
} >"$TRASH/secrets.yaml"
B=$TRASH/b
expect_exit 1 "$RDRILL" run "$TRASH/secrets.yaml" -o "$B"
cp "$OUT" "$TRASH/run.out"
cp "$ERR" "$TRASH/run.err"

# The forms, and a fragment the raw and conninfo forms share.
nowhere() {
	for f in "$PW" "$URI" "$CONNINFO" "et@$$-pw" "%40$$%2Dpw"; do
		expect_true "'$f' in no file of $1" sh -c "! grep -rqF -e \"\$1\" \"\$2\"" - "$f" "$1"
		expect_true "'$f' not on the terminal" sh -c "! grep -qF -e \"\$1\" \"\$2\" \"\$3\"" - "$f" "$2" "$3"
	done
}
nowhere "$B" "$TRASH/run.out" "$TRASH/run.err"
# The steps ran and said what they saw, redacted.
expect_grep_F 'raw: [REDACTED]' "$B/steps/01-leak.out"
expect_grep_F 'uri: postgresql://app:[REDACTED]@db.example/app' "$B/steps/01-leak.out"
expect_grep_F "conninfo: host=db.example password='[REDACTED]' dbname=app" "$B/steps/01-leak.out"
expect_grep_F 'stderr too: [REDACTED]' "$B/steps/01-leak.err"
# The sql step's rows log, and the digest of it that the journal holds.
expect_grep_F '["[REDACTED]"]' "$B/steps/03-readback.rows.jsonl"
expect_grep_F 'the canary says [REDACTED]' "$B/journal.jsonl"
# Columns named like rdrill's own keys are text like any other.
expect_grep_F '"status":"[REDACTED]","path":"[REDACTED]"' "$B/journal.jsonl"
expect_grep_F 'something else' "$B/journal.jsonl"
expect_grep_F 'invalid input syntax for type integer: \"[REDACTED]\"' "$B/journal.jsonl"
expect_grep_F '[REDACTED]' "$B/report.md"
expect_grep_F '[REDACTED]' "$B/report.html"
expect_grep 'check-msg' "$TRASH/run.err"
expect_grep_F '[REDACTED]' "$TRASH/run.err"
# Redacted before the hashes: the bundle still verifies.
expect_exit 0 "$RDRILL" verify "$B"

# The server reads a secret back: current_setting() of an option set
# from rdrill's environment, and a connect error that quotes it.
PW2="tok@$$%Zq'x"
export T_PW2="$PW2"
{ drill_head secrets2 test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres, password_env: T_PW2}
phases:
  verify_backup:
    - id: setting
      sql: {connection: db, query: "SELECT current_setting('app.pw')"}
EOF
} >"$TRASH/secrets2.yaml"
PGOPTIONS="-c app.pw=$PW2" expect_exit 0 "$RDRILL" run "$TRASH/secrets2.yaml" -o "$TRASH/b2"
expect_grep_F '[REDACTED]' "$TRASH/b2/journal.jsonl"
PW=$PW2 URI=$(pct "$PW2") CONNINFO=$PW2
nowhere "$TRASH/b2" "$OUT" "$ERR"
PGOPTIONS="-c work_mem=$PW2" expect_exit 1 "$RDRILL" run "$TRASH/secrets2.yaml" -o "$TRASH/b3"
expect_grep_F 'invalid value for parameter' "$TRASH/b3/journal.jsonl"
expect_grep_F '"[REDACTED]"' "$ERR"
nowhere "$TRASH/b3" "$OUT" "$ERR"

# A secret of one character redacts it from text, not from rdrill's own
# structure: the log paths, status words and digests still read, the
# bundle still verifies.
for short in e 0; do
	{ drill_head short test
	cat <<EOF
phases:
  backup:
    - id: print
      shell: "echo we echo 10 0e"
      secret_env: {PW: T_SHORT}
EOF
	} >"$TRASH/short.yaml"
	T_SHORT=$short expect_exit 0 "$RDRILL" run "$TRASH/short.yaml" -o "$TRASH/short-$short"
	expect_grep_F 'print  passed' "$ERR"
	expect_file "$TRASH/short-$short/steps/01-print.out"
	expect_exit 0 "$RDRILL" verify "$TRASH/short-$short"
done
expect_grep_F 'w[REDACTED] [REDACTED]cho 10 0[REDACTED]' "$TRASH/short-e/steps/01-print.out"
expect_grep_F 'we echo 1[REDACTED] [REDACTED]e' "$TRASH/short-0/steps/01-print.out"
test_done
