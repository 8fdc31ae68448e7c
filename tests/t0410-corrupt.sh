#!/bin/sh
# A corrupted backup stops the drill before anything is destroyed: a dump
# cut short after its TOC still lists with `pg_restore -l` (REFERENCE.md),
# so the toc step must read the whole archive.
. "$(dirname "$0")/lib.sh"
pg_start || { fail "pg_start"; test_done; }
as_pg "$PG_BIN/psql" -X -q -d postgres -c \
	"CREATE TABLE posts (id int PRIMARY KEY, message text);
	 INSERT INTO posts SELECT i, repeat('x', 200) || i FROM generate_series(1, 20000) i;" \
	>/dev/null || fail "seed"
W=$TRASH/w
mkdir -p "$W"
"$PG_BIN/pg_dump" -F c -f "$W/good.dump" postgres || fail "pg_dump"
size=$(wc -c <"$W/good.dump")
head -c $((size - 2000)) "$W/good.dump" >"$W/cut.dump"
expect_true "pg_restore -l lists the cut dump (the trap)" \
	"$PG_BIN/pg_restore" -l "$W/cut.dump"
echo "precious" >"$W/data"

{ drill_head corrupt test
cat <<EOF
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: postgres, user: postgres}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "$W/cut.dump", connection: db, min_entries: 3,
            pg_restore: "$PG_BIN/pg_restore"}
  destroy:
    - {id: wipe, run: [rm, -f, "$W/data"]}
  cleanup:
    - {id: bye, shell: "touch $W/cleanup-ran"}
EOF
} >"$TRASH/corrupt.yaml"
expect_exit 1 "$RDRILL" run "$TRASH/corrupt.yaml" --confirm test -o "$TRASH/b"
expect_file "$W/data"
expect_file "$W/cleanup-ran"
expect_grep 'step 1 (toc) failed' "$ERR"
expect_grep '| archive readable to its last data block | .* | no: .*truncated' "$TRASH/b/report.md"
expect_grep '`FAILED`' "$TRASH/b/report.md"
expect_true "the destroy step never ran" sh -c \
	"! jq -r 'select(.id==\"wipe\") | .id' '$TRASH/b/journal.jsonl' | grep -q wipe"

# The good dump passes the same step, versions compared with the server.
sed "s#$W/cut.dump#$W/good.dump#" "$TRASH/corrupt.yaml" >"$TRASH/good.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/good.yaml" --confirm test -o "$TRASH/g"
expect_no_file "$W/data"
expect_grep 'dump and server versions match | same major version | dump 15' "$TRASH/g/report.md"
expect_grep_F '| TABLE DATA | 1 |' "$TRASH/g/report.md"
test_done
