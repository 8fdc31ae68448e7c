#!/bin/sh
# The demo drill for real (drills/demo.sh = `make demo`): a throwaway
# PostgreSQL cluster, dump, tar, checksum, TOC, canary, rm -rf of the
# data directory, re-initdb, restore, verify. PASSED, every piece of
# evidence in the bundle, and the database password nowhere in it.
. "$(dirname "$0")/lib.sh"
cd "$TOP"
RDRILL_DEMO_DB_PASSWORD="pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
RDRILL_DEMO_PUBKEY=$TRASH/demo.pub
export RDRILL_DEMO_DB_PASSWORD RDRILL RDRILL_DEMO_PUBKEY

# Its own TMPDIR: the work directory checked below is this run's, not
# that of a demo running beside it.
mkdir "$TRASH/tmp"
chmod 755 "$TRASH" "$TRASH/tmp"
expect_exit 0 env TMPDIR="$TRASH/tmp" sh drills/demo.sh -o "$TRASH/demo"
B=$TRASH/demo
expect_grep '^PASSED: ' "$OUT"
for f in plan.json journal.jsonl report.md report.html SHA256SUMS \
	steps/09-pg-dump.err steps/13-toc.toc.txt steps/30-pg-restore.err; do
	expect_file "$B/$f"
done
R=$B/report.md
expect_grep '^# .*`PASSED`' "$R"
expect_grep 'pg_dump -h .* -U mmuser -F c -f .*/mattermost-[0-9]\{8\}\.dump mattermost' "$R"
expect_grep 'pg_restore -h .* --clean --if-exists --exit-on-error' "$R"
expect_grep 'rm -rf .*/pg/data' "$R"
expect_grep '| mattermost-[0-9]*\.dump | [0-9]* | `[0-9a-f]\{64\}` |' "$R"
expect_grep '| TOC 条目数 | [0-9][0-9] |' "$R"
expect_grep '| TABLE DATA | 5 |' "$R"
expect_grep '转储与服务器版本一致' "$R"
expect_grep '演练标记消息' "$R"
expect_grep '与记录时的行一致' "$R"
expect_grep_F '：5 张表，2059 行：与步骤 fp-before 一致' "$R"
# ... said in one line of the executive summary: all the data came back.
expect_grep_F '- **数据**（步骤 fp-after）：5 张表，2059 行：与步骤 fp-before 一致' "$R"
expect_grep '| RTO（首个破坏步骤开始 → 最后一项恢复验证通过；启动时钟） | 5 分钟 | [0-9\\.]* \(毫秒\|秒\) | `PASSED` |' "$R"
# Its own fresh backup proves the restore, not the schedule.
expect_grep '| RPO（本次演练自行生成的备份：证明可恢复，不证明备份计划；备份完成 → 首个破坏步骤开始） | 1 小时（未证明） | [0-9\\.]* \(毫秒\|秒\) | `NOT DEMONSTRATED` |' "$R"
expect_no_grep '`FAILED`' "$R"
expect_no_grep '`SKIPPED`' "$R"
expect_true "every step passed" test \
	"$(jq -r 'select(.type=="step") | .status' "$B/journal.jsonl" | sort -u)" = passed
expect_true "37 steps journaled" test \
	"$(jq -r 'select(.type=="step") | .n' "$B/journal.jsonl" | wc -l)" -eq 37
expect_true "the password is in no file of the bundle" sh -c \
	"! grep -rqF '$RDRILL_DEMO_DB_PASSWORD' '$B'"
expect_true "nor on the terminal" sh -c \
	"! grep -qF '$RDRILL_DEMO_DB_PASSWORD' '$OUT' '$ERR'"
expect_exit 0 "$RDRILL" verify "$B"
# Signed with the throwaway key: good with its public key, not another.
expect_exit 0 "$RDRILL" verify "$B" --key "$TRASH/demo.pub"
expect_grep '^OK      SEAL.sig: a good Ed25519 signature' "$OUT"
expect_grep_F '已用 Ed25519 公钥 SHA256:' "$R"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out "$TRASH/other.pub"
expect_exit 1 "$RDRILL" verify "$B" --key "$TRASH/other.pub"
expect_grep '^FAILED  SEAL.sig: the signature does not match' "$OUT"
expect_true "the work directory is gone" sh -c \
	"! ls -d '$TRASH/tmp'/rdrill-demo.* 2>/dev/null | grep -q ."
expect_grep '<table>' "$B/report.html"
expect_grep 'class="st st-passed"' "$B/report.html"
# The second form: the newest "scheduled" backup the first run left in
# the work directory, picked by its archive time, its age the RPO.
S=$TRASH/demo-scheduled
expect_grep '^# .*`PASSED`' "$S/report.md"
expect_exit 0 "$RDRILL" verify "$S"
# The RPO is the older pick's age: the dump's archive header or the
# file store tar's newest member, both of one-second grain. The files
# are made just before the dump: in the same second on an idle machine
# (the dump, first, stands), a second earlier on a loaded one (the tar
# is then the older, rightly). Which one, from the journal's picks.
older=$(jq -rs '[.[] | select(.type == "backup" and .status == "picked")] |
	min_by(.created_ms) | .item' "$S/journal.jsonl")
case $older in
db) expect_grep '| RPO（定时备份 `.*/backups/[0-9]*/mattermost-[0-9]*\.dump` 的生成时间 .*，依据 pg_dump 归档头（强证据） → 灾难：首个破坏步骤开始 .*；墙上时钟） | 1 小时 | [0-9][^|]* | `PASSED` |' "$S/report.md" ;;
*) expect_grep '| RPO（定时备份 `.*/backups/[0-9]*/mm-data-[0-9]*\.tar\.gz` 的生成时间 .*，依据最新 tar 成员时间（中等：上界） → 灾难：首个破坏步骤开始 .*；墙上时钟） | 1 小时 | [0-9][^|]* | `PASSED` |' "$S/report.md"
	expect_true "the older pick is the file store's (journal: $older)" test "$older" = files ;;
esac
expect_grep '（依据最新 tar 成员时间）' "$S/report.md"
# Page 1 never contradicts itself (issue 20, point 2): the data lost
# agrees with the RPO (the seed's newest post is stamped when seeded,
# just before the backup), and every row has a target or is marked
# informative, and a result.
expect_grep '| 丢失的数据（`posts`.`createat` 最新值：破坏前 `[0-9]*` → 恢复后 `[0-9]*`）：丢失的行写于备份生成之后（晚 [0-9][^）]*），在 RPO 范围内.* | 仅供参考 | [0-9][^|]* | `CONSISTENT` |$' "$S/report.md"
page1_measures() { awk '/^[|] 指标 [|]/ { on = 1 } on && /^$/ { exit } on' "$1"; }
page1_measures "$S/report.md" | sed '1,2d' >"$TRASH/rows"
expect_true "page 1's measures: three rows" test "$(wc -l <"$TRASH/rows")" -eq 3
expect_true "every row: a target or informative, and a result" sh -c \
	"awk -F' [|] ' '\$2 == \"\" || \$4 !~ /^\`[A-Z ]+\` [|]\$/ { bad = 1 } END { exit bad }' '$TRASH/rows'"
# The scheduled demo's page 1 measures as a golden (times, durations,
# paths, epoch values and the RPO's clock, checked above, normalised).
page1_measures "$S/report.md" | sed \
	-e 's#`[^`]*/backups/[0-9]*/mattermost-[0-9]*\.dump`#`BACKUP`#g' \
	-e 's#`[^`]*/backups/[0-9]*/mm-data-[0-9]*\.tar\.gz`#`BACKUP`#g' \
	-e 's#依据 pg_dump 归档头（强证据）#依据 CLOCK#' \
	-e 's#依据最新 tar 成员时间（中等：上界）#依据 CLOCK#' \
	-e 's#[0-9]\{4\}-[0-9-]*T[0-9:.]*Z#TIME#g' \
	-e 's#`[0-9]\{13\}`#`EPOCH_MS`#g' \
	-e 's#[0-9][0-9.]* m*s\b#DUR#g' \
	-e 's#[0-9][0-9]*[dhm][0-9][0-9]*[hms]#DUR#g' \
	-e 's#[0-9][0-9]* \(天\|小时\|分\) [0-9][0-9]* \(小时\|分\|秒\)#DUR#g' \
	-e 's#[0-9][0-9.]* \(毫秒\|秒\)#DUR#g' \
	>"$TRASH/page1"
expect_same "$TOP/tests/golden/report/demo-scheduled-page1.zh-CN.md" "$TRASH/page1"
expect_true "two scheduled items picked, every candidate hashed" test \
	"$(jq -r 'select(.type=="backup") | .candidates[].sha256' "$S/journal.jsonl" | grep -c '^[0-9a-f]\{64\}$')" -eq 2
expect_exit 0 "$RDRILL" render "$B" --lang en
R=$B/report.en.md
expect_grep '^# .* | `PASSED`' "$R"
expect_grep '| TOC entries | [0-9][0-9] |' "$R"
# The pg_restore listing is evidence too: its record holds its SHA-256.
expect_true "the toc record holds the listing's SHA-256" test \
	"$(jq -r 'select(.id=="toc") | .listing.sha256' "$B/journal.jsonl")" = \
	"$(sha256sum <"$B/steps/13-toc.toc.txt" | cut -c1-64)"
cp -a "$B" "$TRASH/demo-t"
sed -i '$d' "$TRASH/demo-t/steps/13-toc.toc.txt"
(cd "$TRASH/demo-t" && grep -v ' steps/13-toc.toc.txt$' SHA256SUMS >S.new &&
 sha256sum steps/13-toc.toc.txt >>S.new && mv S.new SHA256SUMS)
expect_exit 1 "$RDRILL" verify "$TRASH/demo-t"
expect_grep_F "FAILED  steps/13-toc.toc.txt: SHA-256 differs from the one in journal.jsonl record" "$OUT"
test_done
