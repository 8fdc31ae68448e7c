#!/bin/sh
# A fingerprint step's rows in the report as its record holds them,
# whatever their JSON type (the journal is hostile input, and the report
# always showed them so): a row's count, digest and schema prefixes
# that are not text are shown as they are, not dropped, and each item of
# what was not compared has its place, one that is not text an empty
# one. No server is needed: the step fails to connect, and its record is
# then forged, the chain re-linked and the bundle sealed again.
. "$(dirname "$0")/lib.sh"

{ drill_head fpv test
cat <<'EOF2'
connections:
  db: {host: /nonexistent-socket-dir, port: 5432, dbname: app, user: postgres}
phases:
  verify_backup:
    - {id: fp, fingerprint: {connection: db}}
EOF2
} >"$TRASH/d.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/b"
J=$TRASH/b/journal.jsonl
expect_true "the fingerprint step has its record" test \
	"$(jq -r 'select(.type=="step" and .id=="fp") | .kind' "$J")" = fingerprint

# The step's evidence forged (its other members as they were), the chain
# re-linked, the seal and reports gone: render seals it again.
EV='{"has_not_covered":true,"not_covered":["a",7,"b"],"tables":[{"table":"t1","rows":"12","digest_prefix":5,"schema_prefix":true,"match":"differs"},{"table":"t2","rows":2.5,"digest_prefix":"abc","schema_prefix":null,"match":"differs"}]}'
forge_journal "$TRASH/b" \
	'if .type == "step" and .id == "fp" then .evidence = $ev else . end' \
	--argjson ev "$EV"
expect_exit 0 "$RDRILL" render "$TRASH/b"
R=$TRASH/b/report.md
expect_grep_F '| t1 | 12 | `5` | `true` | differs |' "$R"
expect_grep_F '| t2 | 2.5 | `abc` | `` | differs |' "$R"
expect_exit 0 "$RDRILL" render "$TRASH/b" --lang zh-CN
expect_grep_F '**未比对**: a; ; b; ' "$TRASH/b/report.zh-CN.md"
expect_exit 0 "$RDRILL" verify "$TRASH/b"
test_done
