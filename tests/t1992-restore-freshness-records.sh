#!/bin/sh
# `rdrill restore` compares the interrupted run's freshness record taken
# before destroy with its own after the restore, as the end record's
# "freshness" says. The interrupted bundle is hostile input: given two
# records before destroy (the last one counts), its after-restore record
# is still read (not only the first two freshness records), and a row's
# "newest" is copied as that record had it, text or not ("before": 5
# stays 5; a row with neither "newest" nor "error" has no "before"), as
# rdrill always read them. On a real PostgreSQL server.
. "$(dirname "$0")/lib.sh"
pg_start || exit 1
W=$TRASH/w
mkdir -p "$W"
P="$PG_BIN/psql -X -q -v ON_ERROR_STOP=1 -d"
$P postgres -c 'CREATE DATABASE app' || exit 1
$P app <<'SQL' || exit 1
CREATE TABLE posts (id int PRIMARY KEY, created_at timestamptz);
INSERT INTO posts VALUES (1, '2026-01-01 10:00:00+00'), (2, '2026-01-01 12:30:00+00');
CREATE TABLE other (id int PRIMARY KEY, created_at timestamptz);
INSERT INTO other VALUES (1, '2026-01-01 09:00:00+00');
SQL

{ drill_head fr test
cat <<EOF2
connections:
  db: {host: "$PGHOST", port: $PGPORT, dbname: app, user: postgres}
freshness:
  - {connection: db, table: posts, column: created_at}
  - {connection: db, table: other, column: created_at}
phases:
  verify_backup:
    - {id: ok, run: ["true"]}
  destroy:
    - {id: gone, run: ["true"]}
  restore:
    - {id: gate, shell: "test ! -e '$W/fail'"}
  verify_restore:
    - {id: fine, run: ["true"]}
EOF2
} >"$TRASH/fr.yaml"

touch "$W/fail"
mkdir "$TRASH/r"
expect_exit 1 "$RDRILL" run "$TRASH/fr.yaml" --confirm test -o "$TRASH/r/int"
J=$TRASH/r/int/journal.jsonl
expect_true "the interrupted run: NOT RESTORED" test \
	"$(jq -r 'select(.type=="end") | .status' "$J")" = "NOT RESTORED"
expect_true "one freshness record before destroy" test \
	"$(grep -c '"type":"freshness","when":"before_destroy"' "$J")" = 1

# forge FROM TO PERL: the bundle copied, each freshness record before
# destroy run through PERL (on its line, in $_, printing what replaces
# it), the chain re-linked and the bundle sealed again by render, as a
# forger would.
forge() {
	rm -rf "$2"
	cp -a "$1" "$2"
	rm -f "$2/SEAL" "$2/SHA256SUMS" "$2/seal.tsq" "$2"/report.*
	perl -MDigest::SHA=sha256_hex -e '
		my $code = shift;
		open(my $j, "<", $ARGV[0]) or die; my @in = <$j>; close $j;
		my @l;
		for (@in) {
			chomp;
			if (/"type":"freshness","when":"before_destroy"/) {
				my @out = eval $code; die $@ if $@; push @l, @out;
			} else { push @l, $_; }
		}
		for my $i (0 .. $#l) {
			$l[$i] =~ s/"seq":\d+/"seq":$i/ or die "no seq";
			next unless $i;
			my $prev = sha256_hex($l[$i - 1]);
			$l[$i] =~ s/"prev":"[0-9a-f]{64}"/"prev":"$prev"/ or die "no prev";
		}
		open(my $o, ">", $ARGV[0]) or die; print $o join("\n", @l), "\n";
	' "$3" "$2/journal.jsonl" || return 1
	"$RDRILL" render "$2" >/dev/null 2>&1
}

# restore_of BUNDLE: rdrill restore of it; $E: its end record's freshness.
restore_of() {
	rm -rf "$TRASH"/r/*-fr-restore
	expect_exit 0 "$RDRILL" restore "$1" --confirm test
	RJ=$(ls -d "$TRASH"/r/*-fr-restore | head -1)/journal.jsonl
	E=$(jq -c 'select(.type=="end") | .freshness' "$RJ")
}

rm -f "$W/fail"
# 1. As recorded: the row of each table, before and after.
restore_of "$TRASH/r/int"
expect_true "as recorded: before, after and the loss of each table" test \
	"$(echo "$E" | jq -c '[.[] | [.table, .before, .after, .lost_ms]]')" = \
	'[["posts","2026-01-01 12:30:00+00","2026-01-01 12:30:00+00",0],["other","2026-01-01 09:00:00+00","2026-01-01 09:00:00+00",0]]'

# 2. Two records before destroy: the last counts, and the after-restore
# record is read all the same.
forge "$TRASH/r/int" "$TRASH/r/two" '($_, $_ =~ s/12:30:00\+00","newest_ms":\d+/11:00:00+00","newest_ms":1767265200000/r)'
expect_exit 0 "$RDRILL" verify "$TRASH/r/two"
expect_true "the forged bundle holds two records before destroy" test \
	"$(grep -c '"type":"freshness","when":"before_destroy"' "$TRASH/r/two/journal.jsonl")" = 2
restore_of "$TRASH/r/two"
expect_true "two before destroy: the last one, compared with after" test \
	"$(echo "$E" | jq -c '.[0] | [.before, .after, .before_ms, .after_ms, .lost_ms]')" = \
	'["2026-01-01 11:00:00+00","2026-01-01 12:30:00+00",1767265200000,1767270600000,-5400000]'

# 3. A row's newest that is not text is copied as it was; a row with
# neither newest nor error has no "before".
forge "$TRASH/r/int" "$TRASH/r/odd" 's/"newest":"2026-01-01 12:30:00\+00"/"newest":5/; s/"newest":"2026-01-01 09:00:00\+00",//; ($_)'
expect_exit 0 "$RDRILL" verify "$TRASH/r/odd"
restore_of "$TRASH/r/odd"
expect_true "a number stays a number" test \
	"$(echo "$E" | jq -c '.[0].before')" = 5
expect_true "no newest, no error: no before" test \
	"$(echo "$E" | jq -c '.[1] | has("before")')" = false
test_done
