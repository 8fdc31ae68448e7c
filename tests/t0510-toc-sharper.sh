#!/bin/sh
# Sharper dump checks: the archive's database and server major version
# are compared with what the drill expects, and every byte between the
# data blocks is accounted for, so damage that keeps the TOC readable
# (a -Z0 dump whose first data chunk length was zeroed) is caught before
# anything is destroyed.
. "$(dirname "$0")/lib.sh"
pg_start || { fail "pg_start"; test_done; }
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
for db in app other; do
	as_pg $PSQL -d postgres -c "CREATE DATABASE $db" >/dev/null || fail "createdb $db"
done
for db in app other; do
	as_pg $PSQL -d $db -c \
		"CREATE TABLE posts (id int PRIMARY KEY, message text);
		 INSERT INTO posts SELECT i, 'row-' || i FROM generate_series(1, 2000) i;
		 CREATE TABLE users (id int PRIMARY KEY, name text);
		 INSERT INTO users SELECT i, 'user-' || i FROM generate_series(1, 100) i;" \
		>/dev/null || fail "seed $db"
done
W=$TRASH/w
mkdir -p "$W"
"$PG_BIN/pg_dump" -F c -Z 0 -f "$W/app.dump" app || fail "pg_dump app"
"$PG_BIN/pg_dump" -F c -Z 0 -f "$W/other.dump" other || fail "pg_dump other"
MAJOR=$("$PG_BIN/postgres" --version | sed 's/[^0-9]*\([0-9]*\).*/\1/')

# The first data chunk's length zeroed: its first row is "1<TAB>row-1"
# (or users' "1<TAB>user-1"), right after the 4-byte length.
cp "$W/app.dump" "$W/zeroed.dump"
off=$(grep -obUa "$(printf '1\trow-1\n')" "$W/zeroed.dump" | head -1 | cut -d: -f1)
uoff=$(grep -obUa "$(printf '1\tuser-1\n')" "$W/zeroed.dump" | head -1 | cut -d: -f1)
[ -n "$uoff" ] && [ "$uoff" -lt "$off" ] && off=$uoff
expect_true "found the first data chunk" test -n "$off"
dd if=/dev/zero of="$W/zeroed.dump" bs=1 seek=$((off - 4)) count=4 conv=notrunc 2>/dev/null
expect_true "the damage is there" sh -c "! cmp -s '$W/app.dump' '$W/zeroed.dump'"
expect_true "pg_restore -l lists it (the trap)" "$PG_BIN/pg_restore" -l "$W/zeroed.dump"
expect_true "pg_restore -f /dev/null reads it too (the trap)" \
	"$PG_BIN/pg_restore" -f /dev/null "$W/zeroed.dump"

drill() { # NAME DUMP [TOC-EXTRA]
	{ drill_head "$1" test
	cat <<EOF
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "$2", connection: app, min_entries: 3,
            pg_restore: "$PG_BIN/pg_restore"${3:-}}
  destroy:
    - {id: wipe, run: [touch, "$W/$1-destroyed"]}
EOF
	} >"$TRASH/$1.yaml"
}

drill good "$W/app.dump" ", server_major: $MAJOR"
expect_exit 0 "$RDRILL" run "$TRASH/good.yaml" --confirm test -o "$TRASH/b-good"
expect_file "$W/good-destroyed"
expect_grep_F "| dump's database | app | app | \`PASSED\` |" "$TRASH/b-good/report.md"
expect_grep "| dumped from server major version | $MAJOR | $MAJOR .*| \`PASSED\` |" "$TRASH/b-good/report.md"

drill zeroed "$W/zeroed.dump"
expect_exit 1 "$RDRILL" run "$TRASH/zeroed.yaml" --confirm test -o "$TRASH/b-zeroed"
expect_no_file "$W/zeroed-destroyed"
expect_grep 'belong to no data block' "$TRASH/b-zeroed/report.md"
expect_grep 'step 1 (toc) failed' "$ERR"

# A valid dump of another database.
drill other "$W/other.dump"
expect_exit 1 "$RDRILL" run "$TRASH/other.yaml" --confirm test -o "$TRASH/b-other"
expect_no_file "$W/other-destroyed"
expect_grep_F "| dump's database | app | other | \`FAILED\` |" "$TRASH/b-other/report.md"
# Unless the drill says that is the database it wants.
drill other2 "$W/other.dump" ", dbname: other"
expect_exit 0 "$RDRILL" run "$TRASH/other2.yaml" --confirm test -o "$TRASH/b-other2"

# A major version the drill does not expect.
drill major "$W/app.dump" ", server_major: $((MAJOR + 1))"
expect_exit 1 "$RDRILL" run "$TRASH/major.yaml" --confirm test -o "$TRASH/b-major"
expect_grep "| dumped from server major version | $((MAJOR + 1)) | $MAJOR .*| \`FAILED\` |" "$TRASH/b-major/report.md"
expect_no_file "$W/major-destroyed"
test_done
