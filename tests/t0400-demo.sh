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

expect_exit 0 sh drills/demo.sh -o "$TRASH/demo"
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
expect_grep 'dump and server versions match' "$R"
expect_grep '演练标记消息' "$R"
expect_grep 'identical' "$R"
expect_grep_F ': 5 tables, 2059 rows: identical to step fp-before' "$R"
expect_grep '| RTO（首个破坏步骤 → 恢复验证通过） | 5m | [0-9\\.]* m*s | `PASSED` |' "$R"
expect_grep '| RPO（备份完成 → 开始破坏） | 1h | [0-9\\.]* m*s | `PASSED` |' "$R"
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
expect_grep_F '**签名**：已签名' "$R"
openssl genpkey -algorithm ed25519 2>/dev/null | openssl pkey -pubout -out "$TRASH/other.pub"
expect_exit 1 "$RDRILL" verify "$B" --key "$TRASH/other.pub"
expect_grep '^FAILED  SEAL.sig: the signature does not match' "$OUT"
expect_true "the work directory is gone" sh -c \
	"! ls -d \${TMPDIR:-/tmp}/rdrill-demo.* 2>/dev/null | grep -q ."
expect_grep '<table>' "$B/report.html"
expect_grep 'class="st st-passed"' "$B/report.html"
expect_exit 0 "$RDRILL" render "$B" --lang en
R=$B/report.en.md
expect_grep '^# .* | `PASSED`' "$R"
expect_grep '| TOC entries | [0-9][0-9] |' "$R"
test_done
