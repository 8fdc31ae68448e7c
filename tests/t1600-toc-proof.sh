#!/bin/sh
# The toc step's native complete-archive proof (archproof.h): every data
# stream of a real PostgreSQL 15 gzip archive decompressed to its end on
# every core, through a drill; the same archive rewritten as PostgreSQL
# 16 to 18 write lz4 and zstd (tests/helpers/pgdump-recompress, since
# Debian 12's PostgreSQL 15 writes gzip only) accepted, and a stream cut
# short or damaged in each algorithm caught, although every chunk length
# still adds up (the TOC walk passes, and pg_restore -l lists it).
. "$(dirname "$0")/lib.sh"

B=${B:-build}
RC=$TOP/$B/pgdump-recompress
if [ ! -x "$RC" ]; then
	fail "no $RC: make B=$B $B/pgdump-recompress"
	test_done
fi
if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
pg_start || { fail "pg_start"; test_done; }
PSQL="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1"
as_pg $PSQL -d postgres -c "CREATE DATABASE app" >/dev/null || fail "createdb"
as_pg $PSQL -d app -c \
	"CREATE TABLE posts (id int PRIMARY KEY, message text);
	 INSERT INTO posts SELECT i, md5(i::text) || repeat(' post', i % 30)
	   FROM generate_series(1, 30000) i;
	 CREATE TABLE users (id int PRIMARY KEY, name text);
	 INSERT INTO users SELECT i, 'user-' || i FROM generate_series(1, 500) i;
	 CREATE TABLE empty (id int);
	 SELECT lo_from_bytea(0, convert_to(repeat('large object ', 5000), 'UTF8'));
	 SELECT lo_from_bytea(0, convert_to('a second one', 'UTF8'));" \
	>/dev/null || fail "seed"
W=$TRASH/w
mkdir -p "$W"
"$PG_BIN/pg_dump" -F c -f "$W/app.dump" app || fail "pg_dump"

# 1. Through a drill: the gzip archive proven before anything is destroyed.
drill() { # NAME DUMP
	{ drill_head "$1" test
	cat <<EOF
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "$2", connection: app, pg_restore: "$PG_BIN/pg_restore"}
  destroy:
    - {id: wipe, run: [touch, "$W/$1-destroyed"]}
EOF
	} >"$TRASH/$1.yaml"
}
drill good "$W/app.dump"
expect_exit 0 "$RDRILL" run "$TRASH/good.yaml" --confirm test -o "$TRASH/b-good"
expect_file "$W/good-destroyed"
# posts, users, empty: one stream each; two large objects: one each.
expect_grep "| every data stream decompresses to its end | every stream ends where its chunks end | yes: 5 gzip streams, [0-9]* bytes to [0-9]*, [0-9]* threads | \`PASSED\` |" \
	"$TRASH/b-good/report.md"
expect_no_grep "pg_restore -f /dev/null" "$TRASH/b-good/report.md"

# 2. The helper's rewrite of the gzip archive as gzip is proven the same.
expect_exit 0 "$RC" gzip ok "$W/app.dump" "$W/gz.dump"
expect_exit 0 "$RC" prove 2 "$W/gz.dump"
expect_grep "proof: ok 5 streams in 4 blocks" "$OUT"
expect_exit 0 "$PG_BIN/pg_restore" -f /dev/null "$W/gz.dump"

# 3. lz4 and zstd as PostgreSQL 16+ write them: accepted, with the same
# bytes out as the gzip original, on one thread and on several.
expect_exit 0 "$RC" prove 1 "$W/app.dump"
gzout=$(sed -n 's/^proof: ok .* bytes to \([0-9]*\),.*/\1/p' "$OUT")
expect_true "the gzip archive decompresses to some bytes" test -n "$gzout"
for algo in lz4 zstd; do
	expect_exit 0 "$RC" $algo ok "$W/app.dump" "$W/$algo.dump"
	expect_exit 0 "$RC" prove 1 "$W/$algo.dump"
	expect_grep "walk: ok $algo, 4 data blocks" "$OUT"
	expect_grep "proof: ok 5 streams in 4 blocks, [0-9]* bytes to $gzout, 1 threads" "$OUT"
	expect_exit 0 "$RC" prove 3 "$W/$algo.dump"
	expect_grep "proof: ok 5 streams in 4 blocks, [0-9]* bytes to $gzout, 3 threads" "$OUT"
done

# A dump through a pipe (no offsets: blocks found by scanning) too.
"$PG_BIN/pg_dump" -F c app | cat >"$W/pipe.dump" || fail "pg_dump | cat"
expect_exit 0 "$RC" prove 0 "$W/pipe.dump"
expect_grep "proof: ok 5 streams in 4 blocks, [0-9]* bytes to $gzout," "$OUT"

# 4. Damage the framing does not show, in every algorithm: the walk
# passes, the proof names the stream.
for algo in gzip lz4 zstd; do
	expect_exit 0 "$RC" $algo cut "$W/app.dump" "$W/$algo-cut.dump"
	expect_exit 1 "$RC" prove 0 "$W/$algo-cut.dump"
	expect_grep "^walk: ok" "$OUT"
	expect_grep "proof: .*archive truncated: data of entry [0-9]* (TABLE DATA public [a-z]*): the $algo stream starting at byte [0-9]* ends at byte [0-9]* before its end" "$OUT"
	expect_exit 0 "$RC" $algo flip "$W/app.dump" "$W/$algo-flip.dump"
	expect_exit 1 "$RC" prove 0 "$W/$algo-flip.dump"
	expect_grep "^walk: ok" "$OUT"
	expect_grep "proof: .*corrupt archive: data of entry [0-9]* (TABLE DATA public [a-z]*): the $algo stream starting at byte [0-9]* does not decompress: " "$OUT"
done

# A gzip stream whose Adler-32 trailer does not match its bytes.
expect_exit 0 "$RC" gzip sum "$W/app.dump" "$W/gzip-sum.dump"
expect_exit 1 "$RC" prove 0 "$W/gzip-sum.dump"
expect_grep "proof: .*the gzip stream starting at byte [0-9]* does not decompress: incorrect Adler-32 checksum" "$OUT"

# Bytes after a stream's end, inside its last chunk.
expect_exit 0 "$RC" gzip tail "$W/app.dump" "$W/gzip-tail.dump"
expect_exit 1 "$RC" prove 0 "$W/gzip-tail.dump"
expect_grep "proof: .*corrupt archive: data of entry [0-9]* (TABLE DATA public [a-z]*): the gzip stream starting at byte [0-9]* does not decompress: bytes after the stream's end" "$OUT"
for algo in lz4 zstd; do
	expect_exit 0 "$RC" $algo tail "$W/app.dump" "$W/$algo-tail.dump"
	expect_exit 1 "$RC" prove 0 "$W/$algo-tail.dump"
	expect_grep "proof: .*data of entry [0-9]* (TABLE DATA public [a-z]*): the $algo stream starting at byte" "$OUT"
done

# 5. The trap, end to end: a gzip stream cut short lists fine, and the
# drill fails at the toc step with nothing destroyed.
expect_true "pg_restore -l lists the cut archive" \
	"$PG_BIN/pg_restore" -l "$W/gzip-cut.dump"
drill cut "$W/gzip-cut.dump"
expect_exit 1 "$RDRILL" run "$TRASH/cut.yaml" --confirm test -o "$TRASH/b-cut"
expect_no_file "$W/cut-destroyed"
expect_grep "| every data stream decompresses to its end | .* | no: .*the gzip stream starting at byte [0-9]* ends at byte [0-9]* before its end.* | \`FAILED\` |" \
	"$TRASH/b-cut/report.md"
expect_grep 'step 1 (toc) failed' "$ERR"
test_done
