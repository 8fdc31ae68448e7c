#!/bin/sh
# Deterministic kills (issue 21): strace's fault injection kills rdrill
# (the run's own process, not its steps') at its Nth write(), then at its
# Nth fsync() and its Nth rename()/renameat(), for every N a whole run
# makes: each write of the journal (its creation, the start record, each
# step, the end record), of the reports and of the seal (SHA256SUMS,
# SEAL, its signature). Every
# bundle that holds a journal then renders (sealed as cut short) and
# verifies; a bundle the run sealed before the kill verifies as it is.
. "$(dirname "$0")/lib.sh"
{ drill_head each test
cat <<EOF
phases:
  backup:
    - {id: one, shell: "echo one; echo err >&2"}
    - {id: two, run: [echo, two]}
  verify_backup:
    - {id: three, run: [echo, three]}
EOF
} >"$TRASH/d.yaml"
# Signed, so the seal's signature files are written (and killed) too.
mkdir "$TRASH/keys"
expect_exit 0 "$RDRILL" keygen "$TRASH/keys"
K=$TRASH/keys/rdrill-sign.key
expect_exit 0 "$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/whole" --sign-key "$K"
# How many of each call one whole run makes (rdrill's process only).
strace -o "$TRASH/trace" -e trace=write,fsync,rename,renameat,renameat2 \
	"$RDRILL" run "$TRASH/d.yaml" -o "$TRASH/counted" --sign-key "$K" >/dev/null 2>&1
expect_exit 0 "$RDRILL" verify "$TRASH/counted"
bad=0; tries=0; badlist=""; before_start=0; after_end=0
# Files are renamed into place with rename() or, relative to the
# bundle's descriptor, renameat(): whichever the run makes.
expect_true "a run makes write, fsync and rename calls" test \
	"$(grep -c '^write(' "$TRASH/trace")" -gt 0 -a \
	"$(grep -c '^fsync(' "$TRASH/trace")" -gt 0 -a \
	"$(grep -c '^rename' "$TRASH/trace")" -gt 0
for call in write fsync rename renameat renameat2; do
	total=$(grep -c "^$call(" "$TRASH/trace")
	echo "# $call: $total calls in a whole run"
	n=1
	while [ "$n" -le "$total" ]; do
		B=$TRASH/$call-$n
		strace -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$n \
			"$RDRILL" run "$TRASH/d.yaml" -o "$B" --sign-key "$K" >/dev/null 2>&1
		tries=$((tries + 1))
		if [ -f "$B/journal.jsonl" ]; then
			if { [ -f "$B/SEAL" ] && "$RDRILL" verify "$B" >/dev/null 2>&1; } ||
			   { "$RDRILL" render "$B" >/dev/null 2>"$TRASH/r.err" &&
			     "$RDRILL" verify "$B" >"$TRASH/v.out" 2>&1; }; then
				# The two windows render once refused:
				if [ ! -s "$B/journal.jsonl" ] ||
				   ! head -n 1 "$B/journal.jsonl" | jq -e . >/dev/null 2>&1; then
					grep -q '^OK      journal.jsonl: no whole record: the run was killed before its start record' "$TRASH/v.out" &&
					before_start=$((before_start + 1))
				elif [ ! -f "$B/SEAL.sig" ] && [ "$(tail -n 1 "$B/journal.jsonl" | jq -r .type 2>/dev/null)" = end ]; then
					grep -q '^VERIFIED, CUT SHORT AFTER ITS END RECORD' "$TRASH/v.out" &&
					after_end=$((after_end + 1))
				fi
				rm -rf "$B"
			else
				bad=$((bad + 1)); badlist="$badlist $call#$n"
				echo "# $call #$n:"; sed 's/^/#   /' "$TRASH/r.err" | head -5
			fi
		fi
		n=$((n + 1))
	done
done
echo "# $tries kills, $bad bad; $before_start before the start record, $after_end after the end record"
expect_true "kills before the start record rendered and verified" test "$before_start" -gt 0
expect_true "kills after the end record verified as cut short after it" test "$after_end" -gt 0
expect_true "every bundle with a journal renders and verifies ($bad bad:$badlist)" test "$bad" -eq 0
test_done
