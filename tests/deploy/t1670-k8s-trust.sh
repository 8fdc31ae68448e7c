#!/bin/sh
# What a non-root pod needs of rdrill's trust rules, and no more: a
# signing key root owns, group-readable (a Secret with fsGroup, 0440),
# is read by a runner in that group; one others can read, or the group
# can write, is not. A bundle may hang from a setgid directory writable
# by the runner's own effective group (a volume with fsGroup); not from
# one of another group, nor a group-writable one without setgid, nor,
# run as root, from any group-writable one.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RDRILL=${RDRILL:-$TOP/rdrill}
if [ ! -x "$RDRILL" ]; then
	make -s -C "$TOP" B=build build/rdrill >"$TRASH/make.log" 2>&1 ||
		{ cat "$TRASH/make.log"; exit 1; }
	RDRILL=$TOP/build/rdrill
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "$TEST_NAME: needs root (files of root's, a second user); run it through make check-deploy as root" >&2
	exit 1
fi
U=$PG_OS_USER
G=$(id -g "$U")
as_u() { runuser -u "$U" -- env RDRILL_STATE_DIR="$TRASH/state-u" "$@"; }
mkdir -p "$TRASH/state-u" && chown "$U" "$TRASH/state-u"
{ drill_head trust test
cat <<'YAML'
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
YAML
} >"$TRASH/d.yaml"
chmod 644 "$TRASH/d.yaml"
expect_exit 0 "$RDRILL" keygen "$TRASH/k"

# key MODE GROUP: a copy of the key, root's, with that mode and group.
key() { cp "$TRASH/k/rdrill-sign.key" "$TRASH/key-$1"; chown "0:$2" "$TRASH/key-$1"; chmod "$1" "$TRASH/key-$1"; }
# out NAME MODE GROUP: a directory, root's, for the runner's bundles.
out() { mkdir -p "$TRASH/$1"; chown "0:$3" "$TRASH/$1"; chmod "$2" "$TRASH/$1"; }

out ev 2775 "$G"
key 0440 "$G"
expect_exit 0 as_u "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ev/b1" --sign-key "$TRASH/key-0440"
expect_grep 'PASSED' "$TRASH/ev/b1/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/ev/b1" --key "$TRASH/k/rdrill-sign.pub"
key 0444 "$G"
expect_exit 3 as_u "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ev/b2" --sign-key "$TRASH/key-0444"
expect_grep 'accessible by group or others (mode 0444): refused' "$ERR"
key 0460 "$G"
expect_exit 3 as_u "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ev/b3" --sign-key "$TRASH/key-0460"
expect_grep 'accessible by group or others (mode 0460): refused' "$ERR"
# Root's own key readable by its group: refused when root runs.
key 0440 0
expect_exit 3 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/rootb" --sign-key "$TRASH/key-0440"
expect_grep 'accessible by group or others (mode 0440): refused' "$ERR"

# Not the runner's group; not setgid; run as root.
other=$(getent group nogroup | cut -d: -f3)
out ev-other 2775 "$other"
expect_exit 3 as_u "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ev-other/b"
expect_grep 'ev-other is writable by other users (mode 2775, not sticky)' "$ERR"
out ev-nosgid 0775 "$G"
expect_exit 3 as_u "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ev-nosgid/b"
expect_grep 'ev-nosgid is writable by other users (mode 775, not sticky)' "$ERR"
out ev-root 2775 0
expect_exit 3 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/ev-root/b"
expect_grep 'ev-root is writable by other users (mode 2775, not sticky)' "$ERR"

test_done
