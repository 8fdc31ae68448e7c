#!/bin/sh
# The Ansible role (deploy/ansible) run for real with ansible-playbook,
# twice, against a throwaway Debian 12 root through Ansible's chroot
# connection: it installs the .deb and the PostgreSQL client tools, the
# drills (0640 root:rdrill), the credentials and keys (0600, root's),
# the drop-ins (LoadCredential=, the destructive drill's --confirm, the
# calendar) and enables one timer per drill; the second run changes
# nothing (changed=0); systemd-analyze verify is clean for what it made.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/root-lib.sh"

root_make
mkdir -p "$TRASH/files"
{ drill_head nightly prod
cat <<'YAML'
connections:
  db: {host: /run/postgresql, dbname: postgres, user: postgres,
       password_file: "${credentials_dir}/db-password"}
phases:
  verify_backup:
    - {id: reach, sql: {connection: db, query: select 1}}
YAML
} >"$TRASH/files/nightly.yaml"
{ drill_head monthly-restore prod
cat <<'YAML'
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: wipe, run: ["true"]}
YAML
} >"$TRASH/files/monthly.yaml"
printf 'db-secret-value\n' >"$TRASH/files/db-password"
cat >"$TRASH/inventory.ini" <<INV
[rdrill_runners]
$ROOT ansible_connection=community.general.chroot ansible_python_interpreter=/usr/bin/python3
INV
cat >"$TRASH/vars.yml" <<VARS
rdrill_deb: $RDRILL_DEB
rdrill_drills:
  - name: nightly
    src: $TRASH/files/nightly.yaml
    credentials:
      - {name: db-password, src: $TRASH/files/db-password}
      - {name: sign-key, content: "not a real key\n"}
  - name: monthly-restore
    src: $TRASH/files/monthly.yaml
    on_calendar: "*-*-01 03:00:00"
    confirm: prod
VARS
play() {
	ANSIBLE_NOCOLOR=1 ANSIBLE_HOST_KEY_CHECKING=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_LOCAL_TEMP=$TRASH/ansible-tmp ANSIBLE_HOME=$TRASH/ansible-home \
		ansible-playbook -i "$TRASH/inventory.ini" -e "@$TRASH/vars.yml" \
		"$TOP/deploy/ansible/site.yml"
}
expect_exit 0 play
cp "$OUT" "$TRASH/run1.txt"
expect_grep 'failed=0' "$TRASH/run1.txt"
expect_grep 'changed=[1-9]' "$TRASH/run1.txt"
expect_exit 0 play
cp "$OUT" "$TRASH/run2.txt"
expect_grep 'ok=[1-9][0-9]* *changed=0 .*failed=0' "$TRASH/run2.txt"
grep -A3 'PLAY RECAP' "$TRASH/run2.txt"

expect_exit 0 in_root rdrill --version
expect_true "pg_dump installed" test -x "$ROOT/usr/bin/pg_dump"
expect_true "drill 0640 root:rdrill" test "$(stat -c '%a %U' "$ROOT/etc/rdrill/drills/nightly.yaml")" = "640 root"
expect_true "credential 0600 root" test "$(stat -c '%a %U' "$ROOT/etc/rdrill/credentials/nightly/db-password")" = "600 root"
expect_true "key 0600 root" test "$(stat -c '%a %U' "$ROOT/etc/rdrill/credentials/nightly/sign-key")" = "600 root"
expect_true "credentials dir 0700" test "$(stat -c '%a' "$ROOT/etc/rdrill/credentials/nightly")" = 700
for d in nightly monthly-restore; do
	expect_true "timer of $d enabled" test "$(readlink "$ROOT/etc/systemd/system/timers.target.wants/rdrill@$d.timer")" = /lib/systemd/system/rdrill@.timer
done
expect_grep '^LoadCredential=db-password:/etc/rdrill/credentials/nightly/db-password$' \
	"$ROOT/etc/systemd/system/rdrill@nightly.service.d/rdrill.conf"
expect_grep '^Environment="RDRILL_RUN_ARGS=--confirm prod"$' \
	"$ROOT/etc/systemd/system/rdrill@monthly-restore.service.d/rdrill.conf"
expect_grep '^OnCalendar=\*-\*-01 03:00:00$' \
	"$ROOT/etc/systemd/system/rdrill@monthly-restore.timer.d/rdrill.conf"
expect_no_grep 'db-secret-value' "$TRASH/run1.txt"
expect_exit 0 systemd-analyze verify --man=no --root="$ROOT" \
	rdrill@nightly.service rdrill@nightly.timer \
	rdrill@monthly-restore.service rdrill@monthly-restore.timer
expect_true "systemd-analyze verify: nothing to say" sh -c "! test -s '$OUT' && ! test -s '$ERR'"
cat "$OUT" "$ERR"

test_done
