#!/bin/sh
# RPO from evidence (issue 15): a drill restores the newest *scheduled*
# pg_dump archive, picked by the archive's own creation time, and the
# RPO is the disaster minus that time. Real server, real pg_dump
# archives; old archives are made by writing the header's date fields
# in a copy (set_created below), so the archive time, not the mtime, is
# what is tested.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
pg_start || { fail "pg_start"; test_done; }
expect_exit 0 createdb app
cat >"$TRASH/schema.sql" <<'SQL'
CREATE TABLE posts (id serial PRIMARY KEY, body text,
	created_at timestamptz NOT NULL);
INSERT INTO posts(body, created_at) SELECT 'post ' || g,
	'2026-01-01 10:00:00+00'::timestamptz - (g - 1) * interval '1 minute'
	FROM generate_series(1, 100) g;
SQL
expect_exit 0 psql -X -q -v ON_ERROR_STOP=1 -d app -f "$TRASH/schema.sql"

# set_created FILE EPOCH [ISDST]: the archive header's creation time
# (tm_sec .. tm_year, tm_isdst; each int a sign byte and int_size bytes,
# little endian) set to EPOCH in this host's local time, as pg_dump
# writes it (ISDST: that flag instead of the zone's).
set_created() {
	perl -e '
		my ($f, $t) = @ARGV;
		open(my $h, "+<", $f) or die "$f: $!";
		binmode $h;
		read($h, my $hd, 32) == 32 or die "short";
		substr($hd, 0, 5) eq "PGDMP" or die "not an archive";
		my $vmin = ord(substr($hd, 6, 1));
		my $is = ord(substr($hd, 8, 1));
		# 1.15 has a compression byte, before it an int.
		my $pos = $vmin >= 15 ? 12 : 11 + 1 + $is;
		my @tm = (localtime($t))[0 .. 5, 8];
		$tm[6] = $ARGV[2] if defined $ARGV[2];
		for my $v (@tm) {
			my $s = pack("C", $v < 0 ? 1 : 0);
			my $a = abs($v);
			for (1 .. $is) { $s .= pack("C", $a & 255); $a >>= 8; }
			seek($h, $pos, 0);
			print $h $s;
			$pos += 1 + $is;
		}
		close $h or die;' "$1" "$2" ${3:+"$3"}
}

# The drill format: artifact: or scheduled:, ${backup.ID.path}, freshness:.
bad() { # NAME ITEM-EXTRA STEP-ARG [TOP-EXTRA]
	cat >"$TRASH/$1.yaml" <<EOF
rdrill: 1
id: bad
title: bad
system: test
environment: test
objective: test
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [db]$2}
${4:-}
phases:
  verify_backup:
    - {id: a, run: [ls, "$3"]}
EOF
	expect_exit 2 "$RDRILL" validate "$TRASH/$1.yaml"
}
bad neither "" x
expect_grep "neither.yaml:8:5: a backup_set item takes artifact: .* or scheduled: .*, one of them" "$ERR"
bad both ", artifact: a, scheduled: 'b/*'" x
expect_grep "both.yaml:8:5: .*, not both" "$ERR"
bad tzart ", artifact: a, timezone: UTC" x
expect_grep "tzart.yaml:8:5: on_damaged: and timezone: are for scheduled: items" "$ERR"
bad unknown ", scheduled: 'b/*'" '${backup.nope.path}'
expect_grep 'unknown.yaml:12:26: undefined variable ${backup.nope.path}' "$ERR"
bad literal ", scheduled: 'b/*'" '$${backup.db.path}'
expect_grep 'literal.yaml:12:26: a literal ${backup. is reserved' "$ERR"
bad nocanary ", scheduled: 'b/*'" x "freshness: [{column: c}]"
expect_grep "nocanary.yaml:9:13: a freshness check without connection: and table: uses the canary's" "$ERR"
bad unit ", scheduled: 'b/*'" x "freshness: [{column: c, unit: hours}]"
expect_grep "unit.yaml:9:.*unit" "$ERR"

NOW=$(date +%s)
BK=$TRASH/backups
mkdir -p "$BK/2026-11-29" "$BK/2026-11-30" "$BK/2026-12-01"
DUMP=$TRASH/app.dump
expect_exit 0 pg_dump -Fc -f "$DUMP" app
# Written after the backup: the data a restore of it loses (2h30m newer).
expect_exit 0 psql -X -q -d app -c "INSERT INTO posts(body, created_at) VALUES ('after the backup', '2026-01-01 12:30:00+00')"

# drill FILE RULE [RPO]: restore the newest of RULE into app, check it.
drill() {
	cat >"$1" <<EOF
rdrill: 1
id: rpo
title: RPO drill
system: test
environment: test
objective: restore the newest scheduled backup
language: en
targets: {rto: 10m, rpo: ${3:-1d}}
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
backup_set:
  - id: db
    title: database
    tier: 1
    kind: database
    source: [app]
    scheduled: "$2"
${4:-}
freshness:
  - {connection: app, table: posts, column: created_at}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "\${backup.db.path}", connection: app, min_entries: 3}
    - id: count-before
      sql: {connection: app, query: SELECT count(*) FROM posts}
  destroy:
    - id: drop
      run: [psql, -X, -q, -d, app, -c, DROP TABLE posts]
  restore:
    - id: restore
      run: [pg_restore, -d, app, --clean, --if-exists, "\${backup.db.path}"]
      destructive: true
    - id: restore-sh
      shell: test -s \${backup.db.path} && echo restored from \${backup.db.path}
  verify_restore:
    - id: count-after
      sql: {connection: app, query: SELECT count(*) FROM posts, expect_value: "100"}
EOF
}
RUNS=0
run_drill() { # NAME EXIT: run drill $TRASH/NAME.yaml into a new $B
	RUNS=$((RUNS + 1))
	BUN=$TRASH/out/$1-$RUNS
	expect_exit "$2" "$RDRILL" run "$TRASH/$1.yaml" --confirm test \
		-o "$BUN" --lang en
	R=$BUN/report.md
	J=$BUN/journal.jsonl
}

# 1. A fresh scheduled dump: PASSED, RPO measured from its header.
cp "$DUMP" "$BK/2026-12-01/app-fresh.dump"
drill "$TRASH/fresh.yaml" "$BK/*/app-*.dump"
expect_exit 0 "$RDRILL" plan "$TRASH/fresh.yaml" -o "$TRASH/fresh-plan"
expect_grep "backup db: restores the newest of $BK/\*/app-\*.dump" "$OUT"
expect_grep_F "today: $BK/2026-12-01/app-fresh.dump" "$OUT"
expect_grep "by its pg_dump archive header; 1 candidate" "$OUT"
run_drill fresh 0
expect_grep '| RPO (scheduled backup `.*app-fresh.dump` made .* by its pg_dump archive header (strong) → disaster: first destructive step started .*; wall clock) | 1d | [0-9.]* m*s | `PASSED` |' "$R"
expect_grep '"type":"backup"' "$J"
expect_grep '"chosen":"'"$BK"'/2026-12-01/app-fresh.dump"' "$J"
SUM=$(sha256sum "$DUMP" | cut -d' ' -f1)
expect_grep "\"sha256\":\"$SUM\"" "$J"
expect_grep '"clock":"archive"' "$J"
# The steps used the picked file, plain and shell-quoted.
expect_grep_F "restored from $BK/2026-12-01/app-fresh.dump" "$BUN/steps/05-restore-sh.out"
# Freshness: the row written after the backup is lost: 2h30m.
# Its rows are stamped 2026-01-01, the dump's header says today: the page
# says why the data lost and the RPO differ (issue 20, point 2).
expect_grep '| Data lost (newest `posts`.`created_at` before destruction `2026-01-01 12:30:00+00` → after restore `2026-01-01 10:00:00+00`): differs from the RPO: the rows lost are stamped before the backup was made, .* | informative | 2h30m | `DIFFERS` |' "$R"
expect_grep '"type":"freshness","when":"before_destroy"\|"when":"before_destroy"' "$J"
expect_exit 0 "$RDRILL" verify "$BUN"
psql -X -q -d app -c "INSERT INTO posts(body, created_at) VALUES ('after the backup', '2026-01-01 12:30:00+00')"

# 2. The newest scheduled dump is 2 days old (its header says so): FAILED
# against a 1-day RPO, with a finding naming the file and its age.
OLD=$TRASH/old
mkdir -p "$OLD/2026-11-29"
cp "$DUMP" "$OLD/2026-11-29/app-old.dump"
set_created "$OLD/2026-11-29/app-old.dump" $((NOW - 2 * 86400))
touch -d "@$((NOW - 2 * 86400))" "$OLD/2026-11-29/app-old.dump"
drill "$TRASH/old.yaml" "$OLD"
run_drill old 1
OLDB=$BUN
expect_grep '| RPO (scheduled backup `.*app-old.dump` made .*pg_dump archive header (strong).* | 1d | 2d00h | `FAILED` |' "$R"
expect_grep "RPO not met: backup db, $OLD/2026-11-29/app-old.dump, was 2d00h0[0-9]m old when the disaster began" "$R"
expect_grep_F "**Finding**: RPO not met: backup db, $OLD/2026-11-29/app-old.dump" "$R"
expect_grep '^\*\*Verdict\*\*: `FAILED`' "$R"

# 3. The same old archive with its mtime touched to now: still FAILED
# (the archive's time wins), and the skew is a finding.
touch "$OLD/2026-11-29/app-old.dump"
run_drill old 1
expect_grep "RPO not met: backup db, $OLD/2026-11-29/app-old.dump, was 2d00h" "$R"
expect_grep "Finding\*\*: $OLD/2026-11-29/app-old.dump: the file's mtime .* is 2d00h after the archive's creation time" "$R"
# A newer archive with an old mtime: made five days after it was last
# written is a clock no evidence (issue 20, point 2), so it does not win
# the pick over the consistent one (issue 21): the older is restored, and
# its RPO fails the drill.
cp "$DUMP" "$OLD/2026-11-29/app-new.dump"
touch -d "@$((NOW - 5 * 86400))" "$OLD/2026-11-29/app-new.dump"
run_drill old 1
expect_grep '"chosen":"'"$OLD"'/2026-11-29/app-old.dump"' "$J"
expect_grep '"candidates":\[{"path":"'"$OLD"'/2026-11-29/app-old.dump"' "$J"
expect_grep '"path":"'"$OLD"'/2026-11-29/app-new.dump"[^}]*"contradicted":"its pg_dump archive header says it was made at [^"]*after the file was last written' "$J"
rm "$OLD/2026-11-29/app-new.dump"
psql -X -q -d app -c "INSERT INTO posts(body, created_at) VALUES ('after the backup', '2026-01-01 12:30:00+00')"

# 4. A creation time in the future: its clock is no evidence, so the RPO
# is FAILED and so is the drill (issue 20, point 2; issue 21: t1151).
FUT=$TRASH/future
mkdir -p "$FUT"
cp "$DUMP" "$FUT/app-future.dump"
set_created "$FUT/app-future.dump" $((NOW + 2 * 86400))
drill "$TRASH/future.yaml" "$FUT/*.dump"
run_drill future 1
expect_grep "Finding\*\*: $FUT/app-future.dump: its pg.*dump archive header says it was made at .*, \(1d23h\|2d00h\) in the future of this host's clock" "$R"
expect_grep 'not measured, its clock is contradicted .* | 1d |  | `FAILED` |' "$R"
expect_grep '^# .*`FAILED`$' "$R"

# 4b. A DST flag the item's zone contradicts: made in another zone.
DST=$TRASH/dst
mkdir -p "$DST"
cp "$DUMP" "$DST/app.dump"
TZ=UTC set_created "$DST/app.dump" $((NOW - 600)) 1
drill "$TRASH/dst.yaml" "$DST/*.dump" 1d "    timezone: UTC"
run_drill dst 0
expect_grep "Finding\*\*: $DST/app.dump: the header's DST flag does not fit the zone UTC on that date: the dump was probably made on a host in another zone (set timezone: on item db)" "$R"
# The zone's rule, not the contradicting flag: no hour added.
expect_grep '"created_header":"'"$(TZ=UTC date -d "@$((NOW - 600))" '+%Y-%m-%d %H:%M:%S')"'"' "$J"
expect_grep '"created":"'"$(date -u -d "@$((NOW - 600))" +%Y-%m-%dT%H:%M:%S)"'.000Z"' "$J"
drill "$TRASH/badtz.yaml" "$DST/*.dump" 1d "    timezone: Mars/Olympus"
run_drill badtz 3
expect_grep "timezone 'Mars/Olympus' is not a zone this host knows" "$ERR"

# 5. No candidate: refused in preflight (exit 3), REFUSED report.
drill "$TRASH/none.yaml" "$TRASH/nowhere/*/app-*.dump"
run_drill none 3
expect_grep "no file matches scheduled: $TRASH/nowhere/\*/app-\*.dump" "$ERR"
expect_grep '^# .* | `REFUSED`' "$R"
expect_no_grep '"type":"step"' "$J"

# 6. The newest candidate damaged: the drill fails before any step and
# names it; no fallback to the older one unless the drill says so.
DMG=$TRASH/damaged
mkdir -p "$DMG"
cp "$DUMP" "$DMG/app-1.dump"
set_created "$DMG/app-1.dump" $((NOW - 3600))
size=$(wc -c <"$DUMP")
head -c $((size * 3 / 4)) "$DUMP" >"$DMG/app-2.dump"
drill "$TRASH/damaged.yaml" "$DMG/app-*.dump"
run_drill damaged 1
expect_grep "the newest candidate $DMG/app-2.dump cannot be restored: .*truncated" "$ERR"
expect_grep "does not fall back to an older one unless the item says on_damaged: use_older" "$ERR"
expect_no_grep '"type":"step"' "$J"
drill "$TRASH/fallback.yaml" "$DMG/app-*.dump" 1d "    on_damaged: use_older"
run_drill fallback 0
expect_grep '"chosen":"'"$DMG"'/app-1.dump"' "$J"
expect_grep '"fell_back":true' "$J"
expect_grep "Finding\*\*: the newest candidate $DMG/app-2.dump cannot be restored .*; the older $DMG/app-1.dump is restored instead" "$R"
expect_grep 'the newest was damaged and an older one was restored' "$R"
psql -X -q -d app -c "INSERT INTO posts(body, created_at) VALUES ('after the backup', '2026-01-01 12:30:00+00')"

# 7. A directory that cannot be read: refused in preflight. Root reads
# anything, so as root the run is made as nobody, with a copy of rdrill
# (the checkout may be out of nobody's reach) and its templates.
mkdir -p "$TRASH/locked/2026-12-01"
cp "$DUMP" "$TRASH/locked/2026-12-01/app.dump"
chmod 000 "$TRASH/locked"
drill "$TRASH/locked.yaml" "$TRASH/locked/*/app.dump"
chmod 644 "$TRASH/locked.yaml"
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$TRASH/nb" "$TRASH/nbin/bin"
	chown nobody "$TRASH/nb"
	cp "$RDRILL" "$TRASH/nbin/bin/rdrill"
	cp -R "$TOP/templates" "$TRASH/nbin/templates"
	chmod -R a+rX "$TRASH/nbin"
	RDRILL_STATE_DIR=$TRASH/nb/state
	expect_exit 3 runuser -u nobody -- \
		"$TRASH/nbin/bin/rdrill" run "$TRASH/locked.yaml" --confirm test \
		-o "$TRASH/nb/locked"
	RDRILL_STATE_DIR=$TRASH/state
	R=$TRASH/nb/locked/report.md
else
	run_drill locked 3
fi
expect_grep "cannot read where its backups are .*$TRASH/locked: Permission denied" "$ERR"
expect_grep '^# .* | `REFUSED`' "$R"
chmod 755 "$TRASH/locked"

# 8b. Tarballs: the newest member's time is the clock (an upper bound on
# the age), not the file's mtime.
TARS=$TRASH/tars
mkdir -p "$TARS" "$TRASH/src/a" "$TRASH/src/b"
echo new >"$TRASH/src/a/f"
touch -d "@$((NOW - 3 * 3600))" "$TRASH/src/a/f"
echo old >"$TRASH/src/b/f"
touch -d "@$((NOW - 30 * 3600))" "$TRASH/src/b/f"
tar -czf "$TARS/files-a.tar.gz" -C "$TRASH/src/a" f
tar -czf "$TARS/files-b.tar.gz" -C "$TRASH/src/b" f
touch -d "@$((NOW - 4 * 86400))" "$TARS/files-a.tar.gz"  # mtime: oldest
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
     scheduled: "$TARS/*.tar.gz"}
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
run_drill tar 1
expect_grep '"chosen":"'"$TARS"'/files-a.tar.gz"' "$J"
expect_grep '"clock":"tar","created":"'"$(date -u -d "@$((NOW - 3 * 3600))" +%Y-%m-%dT%H:%M:%S)"'.000Z"' "$J"
expect_grep 'newest tar member time (medium: an upper bound).* | 2h | 3h00m | `FAILED` |' "$R"
expect_grep "RPO not met: backup files, $TARS/files-a.tar.gz, was 3h00m old" "$R"

# 8. The drill makes its own backup: the RPO row says it demonstrates
# restore, not the schedule, NOT DEMONSTRATED, and does not change the
# exit code even against a target its figure misses (1s, 2s measured).
cat >"$TRASH/own.yaml" <<EOF
rdrill: 1
id: own
title: own backup
system: test
environment: test
objective: test
targets: {rto: 10m, rpo: 1s}
connections:
  app: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
backup_set:
  - {id: db, title: database, tier: 1, kind: database, source: [app],
     artifact: "$TRASH/own.dump"}
phases:
  backup:
    - id: dump
      run: [pg_dump, -Fc, -f, "\${backup.db.path}", app]
  verify_backup:
    - id: toc
      toc: {dump: "$TRASH/own.dump", connection: app, min_entries: 3}
    - id: pause
      run: [sleep, 2]
  destroy:
    - id: drop
      run: [psql, -X, -q, -d, app, -c, DROP TABLE posts]
  restore:
    - id: restore
      run: [pg_restore, -d, app, --clean, --if-exists, "$TRASH/own.dump"]
      destructive: true
  verify_restore:
    - id: count-after
      sql: {connection: app, query: SELECT count(*) FROM posts, expect_value: "101"}
EOF
expect_exit 0 "$RDRILL" run "$TRASH/own.yaml" --confirm test -o "$TRASH/own" --lang en
R=$TRASH/own/report.md
expect_grep '| RPO (backup taken by this drill: demonstrates restore, not the backup schedule; backup finished → first destructive step started) | 1.0 s (not demonstrated) | 2.[0-9] s | `NOT DEMONSTRATED` |' "$R"
expect_grep '^\*\*Verdict\*\*: `PASSED`' "$R"
expect_grep 'The RPO is not counted in the verdict' "$R"
expect_no_grep 'RPO.*`PASSED`' "$R"
cp -r "$TRASH/own" "$TRASH/own-zh"
expect_exit 0 "$RDRILL" render "$TRASH/own-zh" --lang zh-CN
expect_grep '| RPO（本次演练自行生成的备份：证明可恢复，不证明备份计划；备份完成 → 首个破坏步骤开始） | 1.0 秒（未证明） | 2.[0-9] 秒 | `NOT DEMONSTRATED` |' "$TRASH/own-zh/report.zh-CN.md"

# 9. The seed's variant plans against what the nightly job left (the
# prod path given as --var): the rule, and today's pick.
MMB=$TRASH/mmb
mkdir -p "$MMB/20261130" "$MMB/20261201"
cp "$DUMP" "$MMB/20261130/mattermost-20261130.dump"
set_created "$MMB/20261130/mattermost-20261130.dump" $((NOW - 86400))
cp "$DUMP" "$MMB/20261201/mattermost-20261201.dump"
expect_exit 0 "$RDRILL" plan "$TOP/drills/mattermost-prod-scheduled.yaml" \
	--var "backups=$MMB" -o "$TRASH/mm-plan"
expect_grep "backup db: restores the newest of $MMB/\*/mattermost-\*.dump" "$OUT"
expect_grep_F "today: $MMB/20261201/mattermost-20261201.dump" "$OUT"
expect_grep "by its pg_dump archive header; 2 candidates" "$OUT"
expect_grep_F "backup files: restores the newest of $MMB/*/mm-data-*.tar.gz" "$OUT"
expect_grep_F "$ sudo docker cp '"'${backup.db.path}'"' mm-db:/tmp/restore.dump" "$OUT"

# 10. Golden excerpts of the verdict rows (times and paths normalised).
rows() { # REPORT: the verdict's RTO/RPO table and the lines under it
	sed -n '/^## 6\. Verdict\|^## 六、结论/,/^\*\*Verdict\|^\*\*结论/p' "$1" | sed '1,2d' |
		sed -e "s#$TRASH#TRASH#g" \
		    -e 's#[0-9]\{4\}-[0-9-]*T[0-9:.]*Z#TIME#g' \
		    -e 's#| [0-9.]* m*s |#| DUR |#g' \
		    -e 's#| [0-9.]* \(毫秒\|秒\) |#| DUR |#g' \
		    -e 's#[0-9a-f]\{64\}#SHA#g' \
		    -e 's#^Previous run, .*#PREVIOUS RUN#' -e 's#^上次演练 .*#PREVIOUS RUN#'
}
rows "$OLDB/report.md" >"$TRASH/rows.en"
expect_same "$TOP/tests/golden/report/rpo-scheduled.en.md" "$TRASH/rows.en"
cp -r "$OLDB" "$TRASH/old-zh"
expect_exit 0 "$RDRILL" render "$TRASH/old-zh" --lang zh-CN
rows "$TRASH/old-zh/report.zh-CN.md" >"$TRASH/rows.zh"
expect_same "$TOP/tests/golden/report/rpo-scheduled.zh-CN.md" "$TRASH/rows.zh"
rows "$TRASH/own/report.md" >"$TRASH/rows-own.en"
expect_same "$TOP/tests/golden/report/rpo-own.en.md" "$TRASH/rows-own.en"
rows "$TRASH/own-zh/report.zh-CN.md" >"$TRASH/rows-own.zh"
expect_same "$TOP/tests/golden/report/rpo-own.zh-CN.md" "$TRASH/rows-own.zh"

# 11. Rows stamped in the future of this host's clock: the data-lost
# figure rests on a doubtful clock, so its row and the drill fail
# (issue 20, point 2).
expect_true "the fresh dump is still there" test -s "$BK/2026-12-01/app-fresh.dump"
psql -X -q -d app -c "INSERT INTO posts(body, created_at) VALUES ('from the future', now() + interval '2 days')"
run_drill fresh 1
expect_grep 'rows are stamped after the disaster, in the future of this host.s clock: their clock is no evidence | informative | [0-9a-z.]* | `FAILED` |$' "$R"
expect_grep '^# .*`FAILED`$' "$R"
expect_true "the end record says why" sh -c \
	"jq -r 'select(.type==\"end\") | .reason' '$J' | grep -q 'data lost: rows are stamped after the disaster'"

# 12. An archive made (by its header) three days after the file was last
# written (its mtime): a clock is wrong, the RPO row and the drill fail.
psql -X -q -d app -c "DELETE FROM posts WHERE body = 'from the future'"
SKEW=$TRASH/skew
mkdir -p "$SKEW"
cp "$DUMP" "$SKEW/app.dump"
set_created "$SKEW/app.dump" $((NOW - 600))
touch -d "@$((NOW - 3 * 86400))" "$SKEW/app.dump"
drill "$TRASH/skew.yaml" "$SKEW/*.dump"
run_drill skew 1
expect_grep 'not measured, its clock is contradicted (its pg_dump archive header says it was made at .*, 2d23h after the file was last written (its mtime, .*)), so its age is no evidence | 1d |  | `FAILED` |' "$R"

test_done
