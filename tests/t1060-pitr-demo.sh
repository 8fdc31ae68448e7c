#!/bin/sh
# `make demo-pitr` for real: both drills (pg_basebackup + WAL archive,
# and pgBackRest) PASSED, every order before the target back, none after,
# the dropped table back; the report shows the backup's identity, the WAL
# range, the target against where recovery stopped, the RPO from WAL and
# the split RTO; nothing left behind (servers, work directories).
. "$(dirname "$0")/lib.sh"
cd "$TOP"
export RDRILL
mkdir "$TRASH/tmp"
chmod 755 "$TRASH" "$TRASH/tmp"
for v in basebackup pgbackrest; do
	expect_exit 0 env TMPDIR="$TRASH/tmp" RDRILL_PITR_ONLY=$v \
		sh drills/pitr-demo.sh -o "$TRASH/$v"
	expect_grep '^PASSED: ' "$OUT"
	B=$TRASH/$v
	R=$B/report.md
	expect_exit 0 "$RDRILL" verify "$B"
	expect_true "$v: every step passed" test \
		"$(jq -r 'select(.type=="step") | .status' "$B/journal.jsonl" | sort -u)" = passed
	expect_grep '| Target asked (time) | 20[0-9-]* [0-9:.]*+00 |' "$R"
	expect_grep '| Stopped at: last replayed transaction | 20[0-9-]* [0-9:.]*+00 |' "$R"
	expect_grep '| Stopped at: end LSN | [0-9A-F]*/[0-9A-F]* |' "$R"
	expect_grep '| Recovered on timeline, promoted to | 1, 2 |' "$R"
	expect_grep '| RPO (from WAL: disaster time minus the last replayed transaction.s commit time) | [0-9]*\.[0-9]* s |' "$R"
	expect_grep '| RTO part: restoring files | [0-9]*\.[0-9]* s |' "$R"
	expect_grep '| RTO part: replaying WAL | [0-9]*\.[0-9]* s |' "$R"
	expect_grep 'every order written before the target is there' "$R"
	expect_true "$v: orders at the target = orders recovered" \
		jq -s -e 'first(.[] | select(.id == "orders-back")) | .checks[0] | .ok and (.what | test("same as step orders-at-target"))' "$B/journal.jsonl"
	expect_true "$v: scratch stopped and removed" \
		jq -s -e 'first(.[] | select(.type == "end")) | .scratch_cleanup[0] | .server_stopped and .removed' "$B/journal.jsonl"
done
R=$TRASH/basebackup/report.md
expect_grep '| Start LSN | 0/[0-9A-F]* |' "$R"
expect_grep '| Stop time | 20[0-9-]* [0-9:]* UTC |' "$R"
expect_grep 'complete: \*\*true\*\*' "$R"
expect_grep '| RTO part: checking the WAL archive | [0-9]*\.[0-9]* s |' "$R"
R=$TRASH/pgbackrest/report.md
expect_grep 'backup to restore: \*\*[0-9]*-[0-9]*F\*\*' "$R"
expect_grep 'pgbackrest verify: exit 0' "$R"
expect_grep '| [0-9]*-[0-9]*F | full | 20' "$R"
expect_true "work directories removed" test -z "$(ls "$TRASH/tmp")"
if pgrep -f "$TRASH/tmp" >/dev/null 2>&1; then fail "a server still runs"
else pass "no server left running"; fi
test_done
