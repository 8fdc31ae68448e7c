#!/bin/sh
# history (issues 21 and 27): README's own `cadence: 92d` validates; the
# cadence used is the newest run's drill's, not the first directory's;
# a pass dated in the future (a runner with a wrong clock) is a finding
# and never the last pass; bundles deeper than four levels, and a
# journal that is not a regular file, are listed as not searched (exit
# 1), never silently left out; a forged self-signed bundle with the
# drill's id and environment is a finding, and with --key it is an
# "untrusted signer" that never counts (an unsigned one "unsigned"), in
# the index and in the metrics; a bundle killed after its end record and
# sealed by render is never a pass.
. "$(dirname "$0")/lib.sh"
H=$TRASH/h
mkdir -p "$H" "$TRASH/trusted" "$TRASH/mallory"
expect_exit 0 "$RDRILL" keygen "$TRASH/trusted"
expect_exit 0 "$RDRILL" keygen "$TRASH/mallory"
mk() { # ID CADENCE
	{ drill_head "$1" prod
	echo "cadence: $2"
	cat <<EOF
phases:
  backup:
    - {id: one, run: [echo, one]}
EOF
	} >"$TRASH/$1-$2.yaml"
}
mk main 92d
mk main 1s
mk main 30d
expect_exit 0 "$RDRILL" validate "$TRASH/main-92d.yaml"
run() { expect_exit 0 "$RDRILL" run "$@"; }

# The newest run's cadence: the oldest bundle sorts first and says 1s.
run "$TRASH/main-1s.yaml" -o "$H/a-oldest" --sign-key "$TRASH/trusted/rdrill-sign.key"
run "$TRASH/main-92d.yaml" -o "$H/b-genuine" --sign-key "$TRASH/trusted/rdrill-sign.key"
# Forged by a local user: same id and environment, their own key.
run "$TRASH/main-92d.yaml" -o "$H/c-forged" --sign-key "$TRASH/mallory/rdrill-sign.key"
run "$TRASH/main-92d.yaml" -o "$H/d-unsigned"

q() { jq -r "$1" "$TRASH/history.json"; }
start() { head -n 1 "$H/$1/journal.jsonl" | jq -r .time; }

# Without a trusted key: every verified pass counts, the forged one is a finding.
expect_exit 0 "$RDRILL" history "$H" -o "$TRASH" --prom "$TRASH/p0"
expect_true "cadence: the newest run's (92d)" test "$(q '.drills[0].cadence_s')" = 7948800
expect_grep '^OK       main/prod: last passed ' "$OUT"
expect_grep 'FINDING  .*/c-forged: signed by SHA256:[0-9a-f]\{12\}, not by the key of the drill.s earlier runs' "$OUT"
expect_grep 'FINDING  .*/d-unsigned: unsigned, while the drill.s earlier runs are signed' "$OUT"
expect_true "signer words without --key" test \
	"$(q '[.drills[0].runs[].signer] | join(",")')" = "self-signed,self-signed,self-signed,unsigned"
expect_grep 'No trusted key was given' "$TRASH/history.md"

# With --key: only the trusted key's runs count.
expect_exit 0 "$RDRILL" history "$H" -o "$TRASH" --key "$TRASH/trusted/rdrill-sign.pub" --prom "$TRASH/p1"
expect_true "signer words with --key" test \
	"$(q '[.drills[0].runs[].signer] | join(",")')" = "trusted,trusted,untrusted signer,unsigned"
expect_true "the last pass is the genuine run, not the later forged ones" test \
	"$(q '.drills[0].last_pass')" = "$(start b-genuine)"
expect_true "the forged run does not count" test "$(q '.drills[0].runs[2].pass')" = false
expect_grep 'FINDING  .*/c-forged: the drill.s other runs are signed by a trusted key, this one is untrusted signer' "$OUT"
expect_grep 'FINDING  .*/d-unsigned: the drill.s other runs are signed by a trusted key, this one is unsigned' "$OUT"
expect_grep '| `PASSED` | .* | verified; not counted: .* | seal: `SHA256:[0-9a-f]*`, untrusted signer | `.*/c-forged` |$' "$TRASH/history.md"
T=$(start b-genuine | sed 's/\.[0-9]*Z$/Z/' | xargs -I{} date -u -d {} +%s)
expect_grep "^rdrill_last_success_timestamp_seconds{drill=\"main\",environment=\"prod\"} $T.000\$" "$TRASH/p1"
expect_grep '^rdrill_last_run_verified{drill="main",environment="prod"} 0.000$' "$TRASH/p1"
expect_grep '^rdrill_history_findings{drill="main",environment="prod"} 2.000$' "$TRASH/p1"
# A key nobody used: nothing counts, the drill is overdue.
mkdir -p "$TRASH/nobody"; expect_exit 0 "$RDRILL" keygen "$TRASH/nobody"
expect_exit 4 "$RDRILL" history "$H" -o "$TRASH" --key "$TRASH/nobody/rdrill-sign.pub"
expect_grep '^OVERDUE  main/prod: last passed never' "$OUT"

# A pass dated in the future: a copy of the genuine run whose clock was
# a year ahead (times shifted, chain recomputed, sealed as a run would).
F=$H/e-future
mkdir "$F"; cp -r "$H/d-unsigned/steps" "$H/d-unsigned/plan.json" "$F/"
perl -MDigest::SHA=sha256_hex -ne '
	chomp; s/"(time|started|ended)":"20(\d\d)/"$1":"20@{[$2 + 1]}/g;
	s/"prev":"[0-9a-f]{64}"/"prev":"$prev"/ if defined $prev;
	print "$_\n"; $prev = sha256_hex($_);' "$H/d-unsigned/journal.jsonl" >"$F/journal.jsonl"
expect_exit 0 "$RDRILL" render "$F"
sed -i 's/^state: cut-short$/state: complete/; /^torn-tail-bytes:/d' "$F/SEAL"
expect_exit 0 "$RDRILL" verify "$F"
expect_grep '^VERIFIED: ' "$OUT"
expect_exit 0 "$RDRILL" history "$H" -o "$TRASH"
expect_true "the future pass is not the last pass" test \
	"$(q '.drills[0].last_pass')" = "$(start d-unsigned)"
expect_grep 'FINDING  .*/e-future: started 20[0-9-]*T[0-9:.]*Z, after this index was made: the runner.s clock was wrong; not counted' "$OUT"
# ...and cannot hide an overdue drill: the only other runs are 1s-cadence old.
mkdir -p "$TRASH/h2"; cp -r "$F" "$TRASH/h2/future"; cp -r "$H/a-oldest" "$TRASH/h2/a"
sleep 2
expect_exit 4 "$RDRILL" history "$TRASH/h2" -o "$TRASH"
expect_grep '^OVERDUE  main/prod: last passed 20' "$OUT"

# Killed after its end record, sealed by render: verified, never a pass.
K=$H/f-killed-after-end
run "$TRASH/main-92d.yaml" -o "$K"
rm -f "$K/SEAL" "$K/SHA256SUMS" "$K/seal.tsq" "$K/report.md" "$K/report.html"
expect_exit 0 "$RDRILL" render "$K"
expect_grep 'the run finished but was killed before its seal; sealed now as cut short' "$ERR"
expect_exit 0 "$RDRILL" verify "$K"
expect_grep '^VERIFIED, CUT SHORT AFTER ITS END RECORD' "$OUT"
expect_exit 0 "$RDRILL" history "$H" -o "$TRASH"
expect_true "cut short after its end record: state cut-short, not a pass" test \
	"$(q '.drills[0].runs[] | select(.bundle | endswith("/f-killed-after-end")) | "\(.state) \(.pass)"')" = "cut-short false"
expect_grep '| `CUT SHORT` | .* | cut-short | seal unsigned | `.*/f-killed-after-end` |$' "$TRASH/history.md"

# Killed before its start record, rendered: its drill is plan.json's.
E=$H/g-killed-before-start
mkdir "$E"; cp "$H/d-unsigned/plan.json" "$E/"; : >"$E/journal.jsonl"
expect_exit 0 "$RDRILL" render "$E"
expect_exit 0 "$RDRILL" history "$H" -o "$TRASH"
expect_true "killed before its start record: in its drill's group, cut short, incomplete" test \
	"$(q '.drills[] | select(.id=="main") | .runs[] | select(.bundle | endswith("/g-killed-before-start")) | "\(.state) \(.status) \(.pass)"')" = "cut-short INCOMPLETE false"

# Never silently left out: too deep, a journal that is a symlink or a FIFO.
mkdir -p "$H/x/1/2/3/4"; cp -r "$H/d-unsigned" "$H/x/1/2/3/4/deep"
mkdir "$H/y"; ln -s "$H/d-unsigned/journal.jsonl" "$H/y/journal.jsonl"
mkdir "$H/z"; mkfifo "$H/z/journal.jsonl"
expect_exit 1 "$RDRILL" history "$H" -o "$TRASH"
expect_grep "^NOT SEARCHED $H/x/1/2/3/4: deeper than the 4 levels history searches" "$OUT"
expect_grep "^NOT SEARCHED $H/y: journal.jsonl is not a regular file" "$OUT"
expect_grep "^NOT SEARCHED $H/z: journal.jsonl is not a regular file" "$OUT"
expect_true "history.json lists them" test "$(q '.skipped | length')" -eq 3
expect_grep '^\*\*Not searched\*\*' "$TRASH/history.md"
test_done
