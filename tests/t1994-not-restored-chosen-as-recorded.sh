#!/bin/sh
# A NOT RESTORED report's pasteable commands fill a scheduled item's
# ${backup.ID.path} from the run's backup record, its "chosen" taken as
# recorded: an empty one (a forged bundle; rdrill never writes it) fills
# in '' as it always did, not the placeholder left as the plan has it.
# No server: a tar file is the scheduled backup; the restore step fails
# after the destroy step, the record is then forged, the chain re-linked
# and the bundle sealed again by render.
. "$(dirname "$0")/lib.sh"

BK=$TRASH/bk
mkdir -p "$BK" "$TRASH/src"
echo hi >"$TRASH/src/f"
tar -cf "$BK/a.tar" -C "$TRASH/src" f
{ drill_head wp test | sed "s#artifact: x#scheduled: \"$BK/*.tar\"#"
cat <<'EOF2'
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: gone, run: ["true"]}
  restore:
    - {id: back, shell: "cat ${backup.db.path} >/dev/null && exit 1"}
EOF2
} >"$TRASH/d.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/b" --confirm test
J=$TRASH/b/journal.jsonl
expect_true "NOT RESTORED" test \
	"$(jq -r 'select(.type=="end") | .status' "$J")" = "NOT RESTORED"
expect_true "the tar file picked" test \
	"$(jq -r 'select(.type=="backup") | .status' "$J")" = picked
expect_grep_F "> - Step 3 (back, restore, failed): \`sh -c 'cat $BK/a.tar >/dev/null && exit 1'\`" "$TRASH/b/report.md"

forge_journal "$TRASH/b" 'if .type == "backup" then .chosen = "" else . end'
expect_exit 0 "$RDRILL" render "$TRASH/b"
cat >"$TRASH/want" <<'EOF2'
> - Step 3 (back, restore, failed): `sh -c 'cat '\'''\'' >/dev/null && exit 1'`
EOF2
expect_true "an empty chosen fills in ''" grep -qxF -f "$TRASH/want" "$TRASH/b/report.md"
expect_no_grep '^> - Step 3 .*backup\.db\.path' "$TRASH/b/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/b"
test_done
