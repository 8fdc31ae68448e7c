#!/bin/sh
# Preflight before step 1: every missing secret, program and user listed
# at once, the run refused (exit 3, REFUSED report), nothing ran.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W" "$TRASH/bin"
unset RDRILL_T_PW RDRILL_T_SRC
# A sudo that would ask for a password: -n makes it fail.
cat >"$TRASH/bin/sudo" <<'EOS'
#!/bin/sh
[ "$1" = -n ] && [ ! -e "$(dirname "$0")/nopasswd" ] &&
	{ echo "sudo: a password is required" >&2; exit 1; }
[ "$1" = -n ] && shift
exec "$@"
EOS
chmod 755 "$TRASH/bin/sudo"

{ drill_head pf test
cat <<EOF
connections:
  unused: {host: /nonexistent, dbname: app, user: u, password_env: RDRILL_T_UNUSED}
  db: {host: /nonexistent, dbname: app, user: u, password_env: RDRILL_T_PW}
  byfile: {host: /nonexistent, dbname: app, user: u, password_file: "$TRASH/no-pw-file"}
phases:
  preflight:
    - {id: first, run: [touch, "$W/first-ran"]}
  backup:
    - id: secret
      run: ["true"]
      secret_env: {TOKEN: RDRILL_T_SRC}
    - {id: missing, run: [rdrill-no-such-program, x]}
    - {id: elsewhere, run: [/nonexistent/bin/tool]}
    - {id: as-ghost, run: ["true"], run_as: rdrill-no-such-user}
    - {id: via-sudo, run: [sudo, "true"]}
    - {id: missing-db, sql: {connection: db, query: "select 1"}}
    - {id: missing-byfile, sql: {connection: byfile, query: "select 1"}}
  cleanup:
    - {id: bye, run: [touch, "$W/cleanup-ran"]}
EOF
} >"$TRASH/pf.yaml"

expect_exit 3 env PATH="$TRASH/bin:$PATH" "$RDRILL" run "$TRASH/pf.yaml" -o "$TRASH/b1"
expect_grep '^REFUSED: ' "$OUT"
for p in 'preflight: 7 problems' \
	'environment variable RDRILL_T_PW is not set' \
	'environment variable RDRILL_T_SRC is not set' \
	'program rdrill-no-such-program: not found on PATH' \
	'program /nonexistent/bin/tool: not an executable file' \
	'run_as rdrill-no-such-user: no such user' \
	'sudo -n true fails' \
	'password_file: cannot read'; do
	expect_grep_F "$p" "$ERR"
	expect_grep_F "$p" "$TRASH/b1/report.md"
done
expect_no_file "$W/first-ran"
expect_no_file "$W/cleanup-ran"
expect_grep '`REFUSED`' "$TRASH/b1/report.md"
expect_grep_F "| environment variable RDRILL_T_PW | set | not set | \`FAILED\` |" "$TRASH/b1/report.md"
expect_grep_F "| program touch | found | $(command -v touch) | \`PASSED\` |" "$TRASH/b1/report.md"
J=$TRASH/b1/journal.jsonl
expect_true "journal: start, preflight, end" test \
	"$(jq -r .type "$J" | tr '\n' ' ')" = "start preflight end "
expect_true "the preflight record says refused" test \
	"$(sed -n 2p "$J" | jq -r .status)" = refused
expect_true "seven problems recorded" test \
	"$(sed -n 2p "$J" | jq '.problems | length')" -eq 7
# A connection no step uses needs no secret.
expect_no_grep RDRILL_T_UNUSED "$ERR"
sed -n 2p "$J" >"$TRASH/pf-record"
expect_no_grep RDRILL_T_UNUSED "$TRASH/pf-record"
expect_grep_F 'no-pw-file' "$TRASH/b1/report.md"
expect_true "the programs found are recorded with their path" test \
	"$(sed -n 2p "$J" | jq -r '.checks[] | select(.what == "program touch") | .actual')" = "$(command -v touch)"
expect_exit 0 "$RDRILL" verify "$TRASH/b1"

# Set everything: the secrets' values never reach the journal.
export RDRILL_T_PW="pw-$$-secret" RDRILL_T_SRC="src-$$-secret"
: >"$TRASH/bin/nopasswd"
sed -e '/missing\|elsewhere\|as-ghost/d' "$TRASH/pf.yaml" >"$TRASH/ok.yaml"
expect_exit 0 env PATH="$TRASH/bin:$PATH" "$RDRILL" run "$TRASH/ok.yaml" -o "$TRASH/b2"
expect_true "preflight passed" test \
	"$(sed -n 2p "$TRASH/b2/journal.jsonl" | jq -r .status)" = passed
expect_no_grep "pw-$$-secret" "$TRASH/b2/journal.jsonl"
expect_no_grep "src-$$-secret" "$TRASH/b2/journal.jsonl"
expect_file "$W/first-ran"
expect_file "$W/cleanup-ran"
expect_true "sudo -n true checked and passed" sh -c \
	"sed -n 2p '$TRASH/b2/journal.jsonl' | jq -e '.checks[] | select(.what == \"sudo -n true\") | .ok' >/dev/null"

# Not root: run_as names only the current user.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	{ drill_head asother test
	cat <<EOF
phases:
  backup:
    - {id: as-root, run: ["true"], run_as: root}
EOF
	} >"$TRASH/asother.yaml"
	mkdir "$TRASH/nb"
	chown nobody "$TRASH/nb"
	# Its run lock where it may write.
	RDRILL_STATE_DIR=$TRASH/nb/state
	chmod 644 "$TRASH/asother.yaml"
	# The checkout may sit where nobody cannot reach (CI clones under
	# /root): nobody runs a copy, its templates beside it.
	mkdir -p "$TRASH/nbin/bin"
	cp "$RDRILL" "$TRASH/nbin/bin/rdrill"
	cp -R "$TOP/templates" "$TRASH/nbin/templates"
	chmod -R a+rX "$TRASH/nbin"
	NRDRILL=$TRASH/nbin/bin/rdrill
	expect_exit 3 runuser -u nobody -- "$NRDRILL" run "$TRASH/asother.yaml" -o "$TRASH/nb/b"
	expect_grep_F 'run_as root: rdrill runs as nobody, not root' "$ERR"
	# Nor can it write where it may not: refused before any bundle.
	mkdir -m 755 "$TRASH/ro"
	expect_exit 3 runuser -u nobody -- "$NRDRILL" run "$TRASH/asother.yaml" -o "$TRASH/ro/b"
	expect_no_file "$TRASH/ro/b/journal.jsonl"
fi
test_done
