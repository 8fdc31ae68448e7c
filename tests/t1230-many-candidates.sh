#!/bin/sh
# Evidence that cannot be lost (issue 21): a drill picking among 6,000
# scheduled candidates (small files, real mtimes) journals its pick in a
# record under the 1 MiB line cap: the newest 100 candidates and the
# picked one, the total, and the whole list in
# steps/00-backup-1.candidates.jsonl, named with its SHA-256 in the
# record (verify checks it; an edited list fails). The steps get the
# picked file, the destroy step runs only after the pick is on record,
# and the bundle renders and verifies.
. "$(dirname "$0")/lib.sh"
BK=$TRASH/backups
mkdir -p "$BK"
# 6,000 candidates, each a day older than the next; the newest is n0000.
perl -e '
	my ($dir, $now) = @ARGV;
	for my $i (0 .. 5999) {
		my $f = sprintf("%s/app-n%04d.dump", $dir, $i);
		open(my $fh, ">", $f) or die "$f: $!"; print $fh "backup $i\n"; close $fh;
		my $t = $now - 60 - $i * 60;
		utime($t, $t, $f) or die;
	}' "$BK" "$(date +%s)"
{ drill_head many test | sed "s|artifact: x|scheduled: \"$BK/app-*.dump\"|"
cat <<EOF
phases:
  verify_backup:
    - {id: check, shell: "test -s \${backup.db.path} && echo picked \${backup.db.path}"}
  destroy:
    - {id: wipe, shell: "echo destroyed > $TRASH/destroyed"}
  restore:
    - {id: restore, shell: "cat \${backup.db.path}"}
EOF
} >"$TRASH/many.yaml"
expect_exit 0 "$RDRILL" validate "$TRASH/many.yaml"
B=$TRASH/bundle
expect_exit 0 "$RDRILL" run "$TRASH/many.yaml" -o "$B" --confirm test
J=$B/journal.jsonl
rec() { jq -c 'select(.type=="backup")' "$J"; }
expect_true "the pick is journaled" test "$(rec | jq -r .chosen)" = "$BK/app-n0000.dump"
expect_true "no journal line reaches 1 MiB" test \
	"$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$J")" -lt 1048576
expect_true "the record says 6000 candidates" test "$(rec | jq .candidates_total)" -eq 6000
expect_true "and keeps the newest 100" test "$(rec | jq '.candidates | length')" -eq 100
F=$B/$(rec | jq -r .candidates_file.path)
expect_true "the whole list is in the bundle" test "$(wc -l <"$F")" -eq 6000
expect_true "its hash is in the record" test \
	"$(sha256sum "$F" | cut -d' ' -f1)" = "$(rec | jq -r .candidates_file.sha256)"
expect_true "the oldest candidate is in the list" grep -q "app-n5999.dump" "$F"
expect_grep_F "picked $BK/app-n0000.dump" "$B/steps/01-check.out"
expect_grep 'backup 0' "$B/steps/03-restore.out"
expect_true "the destroy step ran" test -s "$TRASH/destroyed"
expect_grep_F '(candidates: 6000,' "$B/report.md"
expect_exit 0 "$RDRILL" verify "$B"
expect_exit 0 "$RDRILL" render "$B" --lang zh-CN
expect_exit 0 "$RDRILL" verify "$B"
# An edited list fails verify, naming it.
sed -i '1s/n0000/n9999/' "$F"
expect_exit 1 "$RDRILL" verify "$B"
expect_grep "steps/00-backup-1.candidates.jsonl: " "$OUT"
test_done
