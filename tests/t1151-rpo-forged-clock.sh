#!/bin/sh
# A scheduled candidate whose clock is forged (issue 21): a pg_dump
# header written into the future, a tar whose newest member is from the
# future, a header a few minutes ahead (inside the tolerance, but after
# the disaster). Such a clock contradicts the file's other evidence (this
# host's clock, the inode's ctime): it never wins the pick over a
# consistent, genuinely fresher candidate, and picked alone its RPO row
# is FAILED and the drill exits 1, not a "not demonstrated" pass. Real
# server, real pg_dump archives, real tar.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
pg_start || { fail "pg_start"; test_done; }
expect_exit 0 createdb app
expect_exit 0 psql -X -q -v ON_ERROR_STOP=1 -d app -c "CREATE TABLE posts
	(id serial PRIMARY KEY, body text); INSERT INTO posts(body)
	SELECT 'post ' || g FROM generate_series(1, 100) g"

# set_created FILE EPOCH: the archive header's creation time (as t0910).
set_created() {
	perl -e '
		my ($f, $t) = @ARGV;
		open(my $h, "+<", $f) or die "$f: $!";
		binmode $h;
		read($h, my $hd, 32) == 32 or die "short";
		substr($hd, 0, 5) eq "PGDMP" or die "not an archive";
		my $vmin = ord(substr($hd, 6, 1));
		my $is = ord(substr($hd, 8, 1));
		my $pos = $vmin >= 15 ? 12 : 11 + 1 + $is;
		my @tm = (localtime($t))[0 .. 5, 8];
		for my $v (@tm) {
			my $s = pack("C", $v < 0 ? 1 : 0);
			my $a = abs($v);
			for (1 .. $is) { $s .= pack("C", $a & 255); $a >>= 8; }
			seek($h, $pos, 0);
			print $h $s;
			$pos += 1 + $is;
		}
		close $h or die;' "$1" "$2"
}

NOW=$(date +%s)
DUMP=$TRASH/app.dump
expect_exit 0 pg_dump -Fc -f "$DUMP" app

drill() { # FILE RULE
	cat >"$1" <<EOF
rdrill: 1
id: forged
title: forged clock
system: test
environment: test
objective: restore the newest scheduled backup
language: en
targets: {rto: 10m, rpo: 1d}
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [app],
     scheduled: "$2"}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "\${backup.db.path}", connection: app, min_entries: 3}
  destroy:
    - {id: drop, run: [psql, -X, -q, -d, app, -c, DROP TABLE posts]}
  restore:
    - id: restore
      run: [pg_restore, -d, app, --clean, --if-exists, "\${backup.db.path}"]
      destructive: true
  verify_restore:
    - id: count
      sql: {connection: app, query: SELECT count(*) FROM posts, expect_value: "100"}
EOF
}
RUNS=0
run_drill() { # NAME EXIT
	RUNS=$((RUNS + 1))
	BUN=$TRASH/out/$1-$RUNS
	expect_exit "$2" "$RDRILL" run "$TRASH/$1.yaml" --confirm test \
		-o "$BUN" --lang en
	R=$BUN/report.md
	J=$BUN/journal.jsonl
}

# 1. A genuine archive made 10 minutes ago and one whose header says it
# will be made in two days: the genuine one is picked and restored.
S=$TRASH/s1
mkdir -p "$S"
cp "$DUMP" "$S/genuine.dump"
set_created "$S/genuine.dump" $((NOW - 600))
cp "$DUMP" "$S/forged.dump"
set_created "$S/forged.dump" $((NOW + 2 * 86400))
drill "$TRASH/both.yaml" "$S/*.dump"
run_drill both 0
expect_grep '"chosen":"'"$S"'/genuine.dump"' "$J"
expect_grep '"contradicted":"its pg_dump archive header says it was made at [^"]*in the future of this host.s clock"' "$J"
expect_grep "Finding\*\*: $S/forged.dump was not picked although its clock is newer: its pg_dump archive header says" "$R"
expect_grep '| RPO (scheduled backup `.*genuine.dump` made .* | 1d | 10m0[0-9]s | `PASSED` |' "$R"

# 2. The forged one alone: picked (nothing else is whole), its RPO FAILED,
# the drill FAILED, exit 1.
rm "$S/genuine.dump"
run_drill both 1
expect_grep '"clock_contradicted":"its pg_dump archive header says' "$J"
expect_grep '| RPO (scheduled backup `.*forged.dump` .*not measured, its clock is contradicted (its pg_dump archive header says .* in the future of this host.s clock), so its age is no evidence | 1d |  | `FAILED` |' "$R"
expect_grep '^\*\*Verdict\*\*: `FAILED`' "$R"
expect_grep '"rpo_doubtful":true' "$J"
expect_exit 0 "$RDRILL" verify "$BUN"

# 3. Four minutes ahead: inside the tolerance for clocks at the pick, but
# made after the disaster began, which the pick precedes: FAILED too.
S3=$TRASH/s3
mkdir -p "$S3"
cp "$DUMP" "$S3/ahead.dump"
set_created "$S3/ahead.dump" $((NOW + 240))
drill "$TRASH/ahead.yaml" "$S3/*.dump"
run_drill ahead 1
expect_grep '| RPO (scheduled backup `.*ahead.dump` .*not measured, the backup.s creation time is after the disaster, though the file was picked before it: its clock is no evidence | 1d |  | `FAILED` |' "$R"
expect_grep "RPO not shown: backup db, $S3/ahead.dump" "$R"

# 4. Tar archives: one whose newest member is from the future does not
# win over a genuine one (the tar clock, contradicted the same way).
TARS=$TRASH/tars
mkdir -p "$TARS" "$TRASH/src/a" "$TRASH/src/b"
echo genuine >"$TRASH/src/a/f"
touch -d "@$((NOW - 3600))" "$TRASH/src/a/f"
echo forged >"$TRASH/src/b/f"
touch -d "@$((NOW + 3 * 86400))" "$TRASH/src/b/f"
tar -czf "$TARS/a.tar.gz" -C "$TRASH/src/a" f
tar -czf "$TARS/b.tar.gz" -C "$TRASH/src/b" f
# 5. And a plain file (mtime clock) touched into the future.
echo forged >"$TARS/c.tar.gz.bin"
cat >"$TRASH/tar.yaml" <<EOF
rdrill: 1
id: tar
title: tar clock
system: test
environment: test
objective: test
targets: {rto: 10m, rpo: 2h}
backup_set:
  - {id: files, title: files, tier: 1, kind: files, source: [src],
     scheduled: "$TARS/*"}
phases:
  verify_backup:
    - {id: list, run: [tar, -tzf, "\${backup.files.path}"]}
  destroy:
    - {id: wipe, run: [rm, -rf, "$TRASH/restored"]}
  restore:
    - {id: mk, run: [mkdir, -p, "$TRASH/restored"]}
    - {id: untar, run: [tar, -xzf, "\${backup.files.path}", -C, "$TRASH/restored"]}
  verify_restore:
    - {id: back, files: {path: "$TRASH/restored/f", non_empty: true}}
EOF
touch -d "@$((NOW + 2 * 86400))" "$TARS/c.tar.gz.bin"
run_drill tar 0
expect_grep '"chosen":"'"$TARS"'/a.tar.gz"' "$J"
expect_grep '"path":"'"$TARS"'/b.tar.gz"[^}]*"contradicted":"its newest tar member time says' "$J"
expect_grep '"path":"'"$TARS"'/c.tar.gz.bin"[^}]*"contradicted":"its file mtime says' "$J"
expect_grep_F "genuine" "$TRASH/restored/f"
test_done
