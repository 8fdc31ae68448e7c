#!/bin/sh
# Scheduled picks read headers to choose, and read whole (walk and
# SHA-256 in one pass) only the candidate to restore, and, when it is
# damaged and the item says on_damaged: use_older, the next one: an
# older archive that is cut short is never read, so never found damaged;
# the journal says which candidates were read whole ("read") and hashes
# only those. Real server, real pg_dump archives; creation times written
# into copies' headers as t0910 does.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -eq 0 ] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin \
		"$PG_OS_USER"
fi
pg_start || { fail "pg_start"; test_done; }
expect_exit 0 createdb app
expect_exit 0 psql -X -q -v ON_ERROR_STOP=1 -d app -c \
	"CREATE TABLE posts (id int PRIMARY KEY, body text);
	 INSERT INTO posts SELECT g, md5(g::text) FROM generate_series(1, 20000) g"
DUMP=$TRASH/app.dump
expect_exit 0 pg_dump -Fc -f "$DUMP" app

# set_created FILE EPOCH: the header's creation time (tm_sec .. tm_year,
# tm_isdst, each int a sign byte and int_size bytes, little endian).
set_created() {
	perl -e '
		my ($f, $t) = @ARGV;
		open(my $h, "+<", $f) or die "$f: $!";
		binmode $h;
		read($h, my $hd, 32) == 32 or die "short";
		my $vmin = ord(substr($hd, 6, 1));
		my $is = ord(substr($hd, 8, 1));
		my $pos = $vmin >= 15 ? 12 : 11 + 1 + $is;
		for my $v ((localtime($t))[0 .. 5, 8]) {
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
S=$TRASH/sched
mkdir -p "$S"
size=$(wc -c <"$DUMP")
# Oldest: cut short after its TOC (its header reads fine).
head -c $((size * 3 / 4)) "$DUMP" >"$S/app-0.dump"
set_created "$S/app-0.dump" $((NOW - 4 * 3600))
for k in 1 2 3; do
	cp "$DUMP" "$S/app-$k.dump"
	set_created "$S/app-$k.dump" $((NOW - (4 - k) * 3600))
done

drill() { # NAME GLOB [ITEM-EXTRA]
	cat >"$TRASH/$1.yaml" <<EOF
rdrill: 1
id: pick
title: pick from headers
system: test
environment: test
objective: restore the newest scheduled backup
language: en
targets: {rto: 10m, rpo: 1d}
backup_set:
  - id: db
    title: database
    tier: 1
    kind: database
    source: [app]
    scheduled: "$2"
${3:-}
phases:
  verify_backup:
    - id: toc
      toc: {dump: "\${backup.db.path}"}
  destroy:
    - {id: mark, run: [touch, "$TRASH/$1-destroyed"]}
EOF
}
rec() { jq -c 'select(.type == "backup")' "$1/journal.jsonl"; }

drill newest "$S/app-*.dump"
expect_exit 0 "$RDRILL" run "$TRASH/newest.yaml" --confirm test -o "$TRASH/b1"
rec "$TRASH/b1" >"$TRASH/r1.json"
expect_grep '"chosen":"'"$S"'/app-3.dump"' "$TRASH/r1.json"
sum=$(sha256sum "$S/app-3.dump" | cut -d' ' -f1)
expect_grep '"chosen_sha256":"'"$sum"'"' "$TRASH/r1.json"
# Only the picked one read whole and hashed; the others by their header.
jq -r '.candidates[] | select(.read == "whole") | .path' "$TRASH/r1.json" >"$OUT"
expect_true "one candidate read whole" test "$(wc -l <"$OUT")" -eq 1
expect_grep "app-3.dump" "$OUT"
jq -r '.candidates[] | select(.read == "header") | .path' "$TRASH/r1.json" | sort >"$OUT"
printf '%s\n' "$S/app-0.dump" "$S/app-1.dump" "$S/app-2.dump" >"$TRASH/want"
expect_same "$TRASH/want" "$OUT"
jq -r '.candidates[] | select(.read == "header") | select(.sha256 or .damaged) | .path' \
	"$TRASH/r1.json" >"$OUT"
expect_true "no header-only candidate hashed or called damaged" test ! -s "$OUT"
jq -r '.candidates[] | select(.read == "whole") | .sha256' "$TRASH/r1.json" >"$OUT"
expect_grep "^$sum\$" "$OUT"

# The newest cut short: read whole, damaged; with use_older the next is
# read whole and picked; the oldest (also cut) still never read.
head -c $((size * 3 / 4)) "$DUMP" >"$S/app-4.dump"
set_created "$S/app-4.dump" $((NOW - 600))
drill refuse "$S/app-*.dump"
expect_exit 1 "$RDRILL" run "$TRASH/refuse.yaml" --confirm test -o "$TRASH/b2"
expect_grep "the newest candidate $S/app-4.dump cannot be restored: .*truncated" "$ERR"
drill older "$S/app-*.dump" "    on_damaged: use_older"
expect_exit 0 "$RDRILL" run "$TRASH/older.yaml" --confirm test -o "$TRASH/b3"
rec "$TRASH/b3" >"$TRASH/r3.json"
expect_grep '"chosen":"'"$S"'/app-3.dump"' "$TRASH/r3.json"
expect_grep '"fell_back":true' "$TRASH/r3.json"
jq -r '.candidates[] | select(.read == "whole") | .path + " " + (.damaged // "whole")' \
	"$TRASH/r3.json" >"$OUT"
expect_grep "app-4.dump .*archive truncated" "$OUT"
expect_grep "app-3.dump whole" "$OUT"
expect_true "two read whole" test "$(wc -l <"$OUT")" -eq 2
jq -r '.candidates[] | select(.path | endswith("app-0.dump")) | .read + " " + (.damaged // "-")' \
	"$TRASH/r3.json" >"$OUT"
expect_grep "^header -$" "$OUT"
test_done
