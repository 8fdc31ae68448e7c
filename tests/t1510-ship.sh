#!/bin/sh
# rdrill ship: sealed bundles from two "runner hosts" (two SSH users of a
# real loopback sshd, tests/ssh-lib.sh) into one central directory, and
# to a local directory: filed under the runner's name with the bundle's
# own directory name, the copy verified, never overwritten (exit 3), a
# bundle that does not verify never shipped (exit 1).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ssh-lib.sh"

sshd_start || fail "sshd started"
sshd_key runner-a "$SSH_USER_A"
sshd_key runner-b "$SSH_USER_B"
CENTRAL=$TRASH/central
mkdir -p "$CENTRAL"
chmod 777 "$CENTRAL"

{ drill_head ship-me test
cat <<YAML
phases:
  verify_backup:
    - {id: one, run: ["true"]}
YAML
} >"$TRASH/d.yaml"
mkdir -p "$TRASH/bundles"
for b in b-one b-two; do
	expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/bundles/$b"
done

DEST="ssh://$SSH_USER_A@127.0.0.1:$SSHD_PORT$CENTRAL"
DEST_B="ssh://$SSH_USER_B@127.0.0.1:$SSHD_PORT$CENTRAL"
expect_exit 0 "$RDRILL" ship "$TRASH/bundles/b-one" "$DEST" --runner runner-a \
	--identity "$TRASH/keys/runner-a" --known-hosts "$SSHD_KNOWN"
expect_grep "^SHIPPED: [0-9]* files, the copy verified: ssh://$SSH_USER_A@127.0.0.1:$SSHD_PORT$CENTRAL/runner-a/b-one" "$OUT"
expect_exit 0 "$RDRILL" ship "$TRASH/bundles/b-two/" "$DEST_B" --runner runner-b \
	--identity "$TRASH/keys/runner-b" --known-hosts "$SSHD_KNOWN"
expect_exit 0 "$RDRILL" verify "$CENTRAL/runner-a/b-one"
expect_exit 0 "$RDRILL" verify "$CENTRAL/runner-b/b-two"
if [ "$(id -u)" -eq 0 ]; then
	expect_true "runner-a's copy belongs to its SSH user" \
		test "$(stat -c %U "$CENTRAL/runner-a/b-one/SEAL")" = "$SSH_USER_A"
	expect_true "runner-b's copy belongs to its SSH user" \
		test "$(stat -c %U "$CENTRAL/runner-b/b-two/SEAL")" = "$SSH_USER_B"
fi
expect_true "no partial copy left" sh -c "! ls -A '$CENTRAL/runner-a' '$CENTRAL/runner-b' | grep -q partial"

# history reads the collected tree (DEST/RUNNER/BUNDLE): both runs.
expect_exit 0 "$RDRILL" history "$CENTRAL" -o "$TRASH"
expect_grep '^OK *ship-me/test: last passed ' "$OUT"
expect_true "history.json holds the two shipped runs" \
	test "$(jq '.drills[0].runs | length' "$TRASH/history.json")" = 2

# Never overwritten: the same name again is refused, the copy untouched.
sum_before=$(sha256sum "$CENTRAL/runner-a/b-one/SEAL")
expect_exit 3 "$RDRILL" ship "$TRASH/bundles/b-one" "$DEST_B" --runner runner-a \
	--identity "$TRASH/keys/runner-b" --known-hosts "$SSHD_KNOWN"
expect_grep 'never overwritten' "$ERR"
expect_true "the first copy is unchanged" \
	test "$(sha256sum "$CENTRAL/runner-a/b-one/SEAL")" = "$sum_before"

# An ssh:// destination with no pinned key file is a usage error.
expect_exit 2 "$RDRILL" ship "$TRASH/bundles/b-one" "$DEST"
# A wrong host key: nothing written.
ssh-keygen -q -t ed25519 -N '' -f "$TRASH/other_host" </dev/null
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
	"$(cut -d' ' -f1,2 "$TRASH/other_host.pub")" >"$TRASH/wrong_known"
expect_exit 1 "$RDRILL" ship "$TRASH/bundles/b-two" "$DEST" --runner runner-c \
	--identity "$TRASH/keys/runner-a" --known-hosts "$TRASH/wrong_known"
expect_no_file "$CENTRAL/runner-c"

# A local destination, filed under this host's name by default.
expect_exit 0 "$RDRILL" ship "$TRASH/bundles/b-one" "$TRASH/local"
expect_exit 0 "$RDRILL" verify "$TRASH/local/$(hostname)/b-one"
expect_exit 3 "$RDRILL" ship "$TRASH/bundles/b-one" "$TRASH/local"
# An empty directory of that name is not replaced either.
mkdir -p "$TRASH/local/r2/b-one"
expect_exit 3 "$RDRILL" ship "$TRASH/bundles/b-one" "$TRASH/local" --runner r2

# A bundle that does not verify is never shipped.
cp -a "$TRASH/bundles/b-two" "$TRASH/bundles/b-bad"
echo tampered >>"$TRASH/bundles/b-bad/steps/01-one.out"
expect_exit 1 "$RDRILL" ship "$TRASH/bundles/b-bad" "$TRASH/local" --runner r3
expect_grep 'does not verify' "$ERR"
expect_no_file "$TRASH/local/r3/b-bad"
expect_exit 2 "$RDRILL" ship "$TRASH/bundles/b-one" "$TRASH/local" --runner ../x

test_done
