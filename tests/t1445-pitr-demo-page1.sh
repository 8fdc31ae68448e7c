#!/bin/sh
# The PITR demo's page 1 (issue 26): the RPO from WAL, labelled (the
# distance to the chosen target), and the recovery's RTO parts (WAL
# proof, restore, replay, promote) are rows of the summary's measures
# table, in English and Chinese (golden, figures normalised); history and
# its Prometheus metrics carry them; the backup item is a physical
# backup, not a "database dump".
. "$(dirname "$0")/lib.sh"
cd "$TOP"
export RDRILL
mkdir "$TRASH/tmp" "$TRASH/runs"
chmod 755 "$TRASH" "$TRASH/tmp"
expect_exit 0 env TMPDIR="$TRASH/tmp" RDRILL_PITR_ONLY=basebackup \
	sh drills/pitr-demo.sh -o "$TRASH/runs/b"
B=$TRASH/runs/b
page1() { # report -> page 1, figures and names that vary replaced
	sed -n '1,/^## Evidence in detail/p;/^## 证据详情/q' "$1" | sed -E \
		-e 's/[0-9]+m[0-9]{2}s|[0-9]+(\.[0-9]+)? (ms|s)\b/<d>/g' \
		-e 's/[0-9]+ (天|小时|分) [0-9]{2} (小时|分|秒)/<d>/g' \
		-e 's/[0-9]+(\.[0-9]+)? (毫秒|秒)/<d>/g' \
		-e 's/20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8}( to [0-9:]{8})?/<time>/g' \
		-e 's/[0-9a-f]{64}/<hash>/g' \
		-e 's#`[^`]*rdrill-pitr\.[A-Za-z0-9]+`#`<work>`#g' \
		-e 's#`[^`]*/bin`#`<pg_bin>`#g' \
		-e 's/ 至 [0-9:]{8}/ 至 <time>/' \
		-e 's/\*\*Operator\*\*: [^ ]+/**Operator**: <op>/' \
		-e 's/\*\*执行人\*\*：[^ ]+/**执行人**：<op>/' \
		-e '/`pg_user`/s/`[^`]*`([^`]*)$/`<user>`\1/'
}
page1 "$B/report.md" >"$TRASH/p1.en.md"
expect_same tests/golden/report/pitr-demo-page1.en.md "$TRASH/p1.en.md"
expect_exit 0 "$RDRILL" render "$B" --lang zh-CN
page1 "$B/report.zh-CN.md" >"$TRASH/p1.zh-CN.md"
expect_same tests/golden/report/pitr-demo-page1.zh-CN.md "$TRASH/p1.zh-CN.md"
expect_grep_F 'Kind: physical database backup (base backup and WAL)' "$B/report.md"

mkdir "$TRASH/h"
expect_exit 0 "$RDRILL" history "$TRASH/runs" -o "$TRASH/h" --prom "$TRASH/h/m.prom"
expect_grep 'from WAL [0-9.]* s (to the chosen target)' "$TRASH/h/history.md"
expect_grep 'recovery [0-9.]* m\?s (WAL proof [0-9.]* m\?s, restore' "$TRASH/h/history.md"
expect_grep '^rdrill_last_wal_rpo_seconds{drill="pitr-demo",environment="demo",kind="to_target"} [0-9.]*$' "$TRASH/h/m.prom"
for part in wal_proof restore replay promote total; do
	expect_grep "^rdrill_last_recovery_part_seconds{drill=\"pitr-demo\",environment=\"demo\",part=\"$part\"} [0-9.]*\$" "$TRASH/h/m.prom"
done
test_done
