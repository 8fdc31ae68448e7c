#!/bin/sh
# A pgbackrest step whose stanza is missing, or whose repository cannot
# be read, refuses the run in preflight (exit 3), before step 1 runs.
. "$(dirname "$0")/lib.sh"

if ! command -v pgbackrest >/dev/null 2>&1; then
	fail "pgbackrest is not installed (make deps installs it)"
	test_done
fi
mkdir -p "$TRASH/pb/repo" "$TRASH/pb/log" "$TRASH/pb/lock" "$TRASH/pb/spool"
if [ "$(id -u)" -eq 0 ]; then chown -R "$PG_OS_USER" "$TRASH/pb"; fi
cat >"$TRASH/pb/pgbackrest.conf" <<CONF
[global]
repo1-path=$TRASH/pb/repo
log-path=$TRASH/pb/log
lock-path=$TRASH/pb/lock
spool-path=$TRASH/pb/spool
log-level-console=warn
log-level-file=off
[demo]
pg1-path=$TRASH/nothere
CONF
chmod 644 "$TRASH/pb/pgbackrest.conf"
mk() {
	{
		drill_head pbr-pre test
		cat <<YAML
phases:
  preflight:
    - id: first
      run: [touch, "$TRASH/step1-ran"]
  verify_backup:
    - id: stanza
      pgbackrest: {stanza: demo, config: "$TRASH/pb/pgbackrest.conf", run_as: "$PG_OS_USER"}
YAML
	} >"$1"
}
mk "$TRASH/d.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/o1"
expect_grep 'preflight: .*pgBackRest stanza demo: status 1 (missing stanza path)' "$ERR"
expect_true "the preflight record holds the refusal" \
	jq -s -e 'first(.[] | select(.type == "preflight")) | .status == "refused" and (.problems | any(test("pgBackRest stanza demo")))' "$TRASH/o1/journal.jsonl"
expect_no_file "$TRASH/step1-ran"

# A repository the server's user cannot read (mode 000; pgbackrest runs
# as that user, never as root).
chmod 000 "$TRASH/pb/repo"
expect_exit 3 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/o2"
expect_grep 'preflight: .*pgBackRest stanza demo: status 99' "$ERR"
expect_grep 'repository 1: .*Permission denied' "$ERR"
expect_no_file "$TRASH/step1-ran"
chmod 755 "$TRASH/pb/repo"
# A hostile pgbackrest: output that is not the JSON it should be.
cat >"$TRASH/fake-pgbackrest" <<'SH'
#!/bin/sh
echo '[{"name":"demo","status":{"code":"zero"}}]'
SH
chmod 755 "$TRASH/fake-pgbackrest"
sed "s|run_as: \"$PG_OS_USER\"|run_as: \"$PG_OS_USER\", program: \"$TRASH/fake-pgbackrest\"|" \
	"$TRASH/d.yaml" >"$TRASH/fake.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/fake.yaml" -o "$TRASH/o3"
expect_grep_F 'pgBackRest stanza demo: status -1 (?)' "$ERR"
test_done
