#!/bin/sh
# validate lists every error of a file in one run (issue 20, point 7):
# three typos -> three "file:line:col:" errors and a count; at the cap
# it stops and says so. Variables work in numeric, duration, boolean and
# enumerated fields (a connection's port: ${var}).
. "$(dirname "$0")/lib.sh"
cd "$TRASH" || exit 1

cat >three.yaml <<'EOF'
rdrill: 1
id: three
title: Three typos
system: test
environmnt: test
objective: test
targets: {rto: 10m, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: x}
phases:
  backup:
    - {id: one, rn: [echo, hi]}
    - {id: two, run: [echo, hi], timeout: forever}
EOF
expect_exit 2 "$RDRILL" validate three.yaml
expect_grep "^rdrill: three.yaml:5:1: unknown key 'environmnt' in drill; did you mean 'environment'?" "$ERR"
expect_grep "^three.yaml:12:17: unknown key 'rn' in step; did you mean 'run'?" "$ERR"
expect_grep "^three.yaml:13:43: 'timeout' must be a duration" "$ERR"
expect_grep '^three.yaml: 3 errors$' "$ERR"
expect_true "exactly three file:line:col lines" test \
	"$(grep -c '^\(rdrill: \)\{0,1\}three.yaml:[0-9]*:[0-9]*: ' "$ERR")" -eq 3
expect_true "a misspelt key is not also reported missing" \
	sh -c "! grep -q \"missing 'environment'\" '$ERR'"

# Fixed, the same file validates.
sed -e 's/environmnt/environment/; s/ rn:/ run:/; s/forever/5m/' three.yaml >fixed.yaml
expect_exit 0 "$RDRILL" validate fixed.yaml

# The cap: 25 misspelt keys, 20 shown, and it says it stopped.
{ sed -n '1,9p' fixed.yaml
  echo "phases:"
  echo "  backup:"
  i=1; while [ $i -le 25 ]; do echo "    - {id: s$i, rn: [echo]}"; i=$((i + 1)); done
} >many.yaml
expect_exit 2 "$RDRILL" validate many.yaml
expect_grep '^many.yaml: stopped after 20 errors$' "$ERR"
expect_true "20 errors shown" test \
	"$(grep -c "unknown key 'rn'" "$ERR")" -eq 20

# A hostile file of 40,000 errors stops at the cap too.
{ sed -n '1,9p' fixed.yaml
  echo "phases:"
  echo "  backup:"
  echo "    - id: one"
  echo "      run: [echo]"
  awk 'BEGIN { for (i = 0; i < 40000; i++) printf "      k%d: 1\n", i }'
} >huge.yaml
expect_exit 2 "$RDRILL" validate huge.yaml
expect_grep '^huge.yaml: stopped after 20 errors$' "$ERR"

# Variables in every scalar field: port, a duration, a boolean, a word.
cat >vars.yaml <<'EOF'
rdrill: 1
id: vars
title: Variables in scalar fields
system: test
environment: test
objective: test
language: ${lang}
targets: {rto: 10m, rpo: 1h}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db], artifact: x}
vars:
  pg_port: "5433"
  limit: 2m
  careful: "false"
  lang: en
connections:
  db:
    dbname: postgres
    port: ${pg_port}
phases:
  backup:
    - {id: q, sql: {connection: db, query: "select 1"}, timeout: "${limit}"}
    - id: r
      run: [echo, hi]
      destructive: ${careful}
EOF
expect_exit 0 "$RDRILL" validate vars.yaml
expect_exit 0 "$RDRILL" plan vars.yaml -o "$TRASH/p1"
expect_grep 'database postgres on port 5433' "$OUT"
expect_exit 2 "$RDRILL" plan vars.yaml --var pg_port=54x -o "$TRASH/p2"
expect_grep "^rdrill: vars.yaml:19:11: 'port' must be a whole number, got '54x'" "$ERR"
test_done
