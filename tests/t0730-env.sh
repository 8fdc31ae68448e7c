#!/bin/sh
# Environment evidence: the start record and the report say where, by
# whom and with what the drill ran.
. "$(dirname "$0")/lib.sh"
SUDO_USER=alice-$$ TZ=Asia/Shanghai expect_exit 0 "$RDRILL" run \
	"$TOP/tests/drills/minimal.yaml" -o "$TRASH/b" --confirm test --lang en
J=$TRASH/b/journal.jsonl
R=$TRASH/b/report.md
env_of() { head -n 1 "$J" | jq -r ".context.environment.$1"; }
expect_true "host name" test "$(env_of hostname)" = "$(hostname)"
expect_true "kernel" sh -c "head -n 1 '$J' | jq -r .context.environment.kernel | grep -qF '$(uname -r)'"
expect_true "uid" test "$(env_of uid)" = "$(id -u)"
expect_true "user" test "$(env_of user)" = "$(id -un)"
expect_true "SUDO_USER" test "$(env_of sudo_user)" = "alice-$$"
expect_true "TZ" test "$(env_of tz)" = Asia/Shanghai
expect_true "zone in effect" sh -c "head -n 1 '$J' | jq -r .context.environment.zone | grep -q '+0800'"
expect_true "NTP state is yes, no or unknown" sh -c \
	"head -n 1 '$J' | jq -r .context.environment.ntp_synchronised | grep -qx 'yes\|no\|unknown'"
expect_true "OpenSSL version" sh -c "head -n 1 '$J' | jq -r .context.environment.openssl | grep -q '^OpenSSL 3'"
expect_true "libyaml version" sh -c "head -n 1 '$J' | jq -r .context.environment.libyaml | grep -q '^0\.'"
expect_true "libpq version" sh -c "head -n 1 '$J' | jq -r .context.environment.libpq | grep -q '^[0-9][0-9]*\.[0-9]'"
expect_true "--confirm" test "$(head -n 1 "$J" | jq -r .context.confirm)" = test
expect_true "the drill file's SHA-256" test \
	"$(head -n 1 "$J" | jq -r .plan.drill_file.sha256)" = \
	"$(sha256sum <"$TOP/tests/drills/minimal.yaml" | cut -c1-64)"
expect_grep_F "**Host**: $(hostname) · " "$R"
expect_grep_F "\`SUDO_USER\` alice-$$" "$R"
expect_grep_F "**Clock**: \`TZ\` Asia/Shanghai" "$R"
# Times in the run's zone, said which.
expect_grep '^- \*\*When\*\*: 20[0-9-]* [0-9:]* to [0-9:]* (UTC+0800), ' "$R"
expect_grep ' · started [0-9:]* (UTC+0800)$' "$R"
expect_grep '^\*\*Libraries\*\*: libpq [0-9]' "$R"
expect_exit 0 "$RDRILL" verify "$TRASH/b"
test_done
