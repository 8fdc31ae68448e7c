#!/bin/sh
# The picked file replaced at the same path between the pick and the
# restore (issue 21): the pick records the file's SHA-256 and identity
# (device, inode, size, mtime, ctime), and every step that reads
# ${backup.ID.path} is checked just before it runs (swapped since the
# pick: the step does not run, FAILED) and just after (swapped while it
# ran, even put back: FAILED). Real server, real pg_dump archives: a
# stale archive swapped in by a step before the restore, and by the
# restore step itself.
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
BK=$TRASH/backups
mkdir -p "$BK"
# The stale archive: 100 rows, its header written 3 days back (as t0910).
expect_exit 0 pg_dump -Fc -f "$TRASH/stale.dump" app
perl -e '
	my ($f, $t) = @ARGV;
	open(my $h, "+<", $f) or die; binmode $h;
	read($h, my $hd, 32) == 32 or die;
	my $vmin = ord(substr($hd, 6, 1)); my $is = ord(substr($hd, 8, 1));
	my $pos = $vmin >= 15 ? 12 : 11 + 1 + $is;
	for my $v ((localtime($t))[0 .. 5, 8]) {
		my $s = pack("C", $v < 0 ? 1 : 0); my $a = abs($v);
		for (1 .. $is) { $s .= pack("C", $a & 255); $a >>= 8; }
		seek($h, $pos, 0); print $h $s; $pos += 1 + $is;
	}
	close $h or die;' "$TRASH/stale.dump" $(($(date +%s) - 3 * 86400))
expect_exit 0 psql -X -q -d app -c "INSERT INTO posts(body) VALUES ('fresh')"
expect_exit 0 pg_dump -Fc -f "$BK/fresh.dump" app
PICKED=$BK/fresh.dump
SUM=$(sha256sum <"$PICKED" | cut -c1-64)

drill() { # NAME RESTORE-STEPS
	cat >"$TRASH/$1.yaml" <<EOF
rdrill: 1
id: swapped
title: swapped backup
system: test
environment: test
objective: restore the newest scheduled backup
language: en
targets: {rto: 10m, rpo: 1d}
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [app],
     scheduled: "$BK/*.dump"}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "\${backup.db.path}", connection: app, min_entries: 3}
  destroy:
    - {id: drop, run: [psql, -X, -q, -d, app, -c, DROP TABLE posts]}
  restore:
$2
  verify_restore:
    - id: count
      sql: {connection: app, query: "SELECT count(*) >= 100 FROM posts", expect_value: "t"}
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

# 0. Nothing swapped: PASSED, and the restore step's record says twice
# that it read the file picked.
drill plain '    - id: restore
      run: [pg_restore, -d, app, --clean, --if-exists, "${backup.db.path}"]
      destructive: true'
run_drill plain 0
expect_grep "\"chosen_sha256\":\"$SUM\"" "$J"
expect_grep '"what":"backup db: before the step, '"$PICKED"' is the file picked"[^}]*"ok":true' "$J"
expect_grep '"what":"backup db: after the step, '"$PICKED"' is the file picked"[^}]*"ok":true' "$J"
expect_true "restored the fresh archive" sh -c \
	"psql -X -At -d app -c \"SELECT count(*) FROM posts WHERE body = 'fresh'\" | grep -qx 1"

# 1. A step before the restore swaps the stale archive in at the same
# path (rename, as a sync job would): the restore does not run; FAILED.
cp "$PICKED" "$TRASH/fresh.keep"
drill swap '    - {id: swap, run: [cp, "'"$TRASH"'/stale.dump", "'"$BK"'/swap.tmp"]}
    - {id: swap2, run: [mv, "'"$BK"'/swap.tmp", "'"$PICKED"'"]}
    - id: restore
      run: [pg_restore, -d, app, --clean, --if-exists, "${backup.db.path}"]
      destructive: true'
run_drill swap 1
expect_grep '"what":"backup db: before the step, '"$PICKED"' is the file picked"[^}]*"actual":"another file: inode [0-9]*, [0-9]* bytes, ctime [0-9]* ns; SHA-256 '"$(sha256sum <"$TRASH/stale.dump" | cut -c1-64)"'"[^}]*"ok":false' "$J"
expect_grep 'the picked backup file changed since the pick (or a dump since it was verified): what this step would read is not provably the bytes picked, so it did not run' "$J"
expect_grep '^\*\*Verdict\*\*: `\(FAILED\|NOT RESTORED\)`' "$R"
expect_true "the stale archive was not restored" sh -c \
	"! psql -X -At -d app -c 'SELECT count(*) FROM posts' 2>/dev/null | grep -qx 100"
expect_exit 0 "$RDRILL" verify "$BUN"

# 2. Swapped inside the restore step, and put back (a hard link, so the
# very inode returns): the after check sees its ctime moved; FAILED.
cp "$TRASH/fresh.keep" "$PICKED"
psql -X -q -d app -c "CREATE TABLE IF NOT EXISTS posts (id int)" >/dev/null 2>&1
drill inside '    - id: restore
      shell: |
        ln "${backup.db.path}" '"$BK"'/keep.tmp &&
        cp '"$TRASH"'/stale.dump '"$BK"'/swap.tmp &&
        mv '"$BK"'/swap.tmp "${backup.db.path}" &&
        pg_restore -d app --clean --if-exists "${backup.db.path}" &&
        mv '"$BK"'/keep.tmp "${backup.db.path}"
      destructive: true'
run_drill inside 1
expect_grep '"what":"backup db: before the step, '"$PICKED"' is the file picked"[^}]*"ok":true' "$J"
expect_grep '"what":"backup db: after the step, '"$PICKED"' is the file picked"[^}]*"ok":false' "$J"
expect_true "the picked bytes are back at the path" test \
	"$(sha256sum <"$PICKED" | cut -c1-64)" = "$SUM"
expect_grep '^\*\*Verdict\*\*: `\(FAILED\|NOT RESTORED\)`' "$R"
# 3. The sibling: a drill's own dump, at a path the drill names, proved
# whole by its toc step, then replaced before the restore reads it.
OWN=$TRASH/own.dump
cat >"$TRASH/own.yaml" <<EOF
rdrill: 1
id: own
title: own dump swapped
system: test
environment: test
objective: restore the dump this drill made and verified
language: en
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [app],
     artifact: "$OWN"}
phases:
  backup:
    - {id: dump, run: [pg_dump, -Fc, -f, "$OWN", app]}
  verify_backup:
    - id: toc
      toc: {dump: "$OWN", connection: app, min_entries: 3}
  destroy:
    - {id: drop, run: [psql, -X, -q, -d, app, -c, DROP TABLE IF EXISTS posts]}
  restore:
    - {id: swap, run: [cp, "$TRASH/stale.dump", "$OWN"]}
    - id: restore
      run: [pg_restore, -d, app, --clean, --if-exists, "$OWN"]
      destructive: true
  verify_restore:
    - id: count
      sql: {connection: app, query: "SELECT count(*) >= 100 FROM posts", expect_value: "t"}
EOF
psql -X -q -d app -c "CREATE TABLE IF NOT EXISTS posts (id int)" >/dev/null 2>&1
expect_exit 1 "$RDRILL" run "$TRASH/own.yaml" --confirm test -o "$TRASH/out/own" --lang en
J=$TRASH/out/own/journal.jsonl
# The step that replaced it fails (it names the path), so the restore
# never reads the stale dump.
jq -r 'select(.type=="step") | .id + " " + ([.checks[]? | select(.ok == false) | .what] | join("; "))' "$J" >"$TRASH/own.steps"
expect_grep "^swap the dump verified by step toc: after the step, $OWN is the file verified$" "$TRASH/own.steps"
expect_no_grep '^restore ' "$TRASH/own.steps"
expect_grep '^\*\*Verdict\*\*: `\(FAILED\|NOT RESTORED\)`' "$TRASH/out/own/report.md"
test_done
