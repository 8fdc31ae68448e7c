#!/bin/sh
# kill -9 at random moments across the whole run of a drill of 20 short
# steps (issue 21): every bundle that holds a journal renders (sealed as
# cut short when the run did not seal it) and then verifies. TRIES
# (default 100) sets the number of kills; the moments are spread over
# the measured length of one whole run, plus a little, so that the
# windows before the start record and between the end record and the
# seal are hit as often as the rest. The kill happens at a random time
# on purpose: nothing here waits on time for synchronisation, and a try
# that lands after the run finished is a finished, sealed bundle, which
# must verify too.
. "$(dirname "$0")/lib.sh"
TRIES=${TRIES:-100}
SEED=${SEED:-$$}
{ drill_head sweep test
echo "phases:"
echo "  backup:"
i=1; while [ $i -le 20 ]; do
	echo "    - {id: s$i, shell: \"echo step $i; echo to-stderr >&2\"}"
	i=$((i + 1))
done
} >"$TRASH/sweep.yaml"

# The length of a whole run, in ms: the median of three.
for w in 1 2 3; do
	t0=$(date +%s%N)
	expect_exit 0 "$RDRILL" run "$TRASH/sweep.yaml" -o "$TRASH/whole$w"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 )) >>"$TRASH/lengths"
done
ms=$(sort -n "$TRASH/lengths" | sed -n 2p)
expect_exit 0 "$RDRILL" verify "$TRASH/whole1"

# TRIES delays in [0, 1.2 x the run], from one seed (said on failure).
awk -v n="$TRIES" -v ms="$ms" -v seed="$SEED" 'BEGIN { srand(seed);
	for (i = 0; i < n; i++) printf "%.3f\n", rand() * ms * 1.2 / 1000 }' \
	>"$TRASH/delays"
k=0; nojournal=0; sealed=0; rendered=0; bad=0; badlist=""; nostart=0; afterend=0
while read -r d; do
	k=$((k + 1))
	B=$TRASH/b$k
	"$RDRILL" run "$TRASH/sweep.yaml" -o "$B" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [ ! -f "$B/journal.jsonl" ]; then
		nojournal=$((nojournal + 1)); rm -rf "$B"; continue
	fi
	if [ -f "$B/SEAL" ] && "$RDRILL" verify "$B" >/dev/null 2>&1; then
		sealed=$((sealed + 1)); rm -rf "$B"; continue
	fi
	: >"$TRASH/v.out"
	# The two windows render once refused: no start record yet, and
	# an end record but no seal.
	if ! head -n 1 "$B/journal.jsonl" | jq -e .type >/dev/null 2>&1; then
		nostart=$((nostart + 1))
	elif [ "$(tail -n 1 "$B/journal.jsonl" | jq -r .type 2>/dev/null)" = end ]; then
		afterend=$((afterend + 1))
	fi
	if "$RDRILL" render "$B" >"$TRASH/r.out" 2>"$TRASH/r.err" &&
	   "$RDRILL" verify "$B" >"$TRASH/v.out" 2>"$TRASH/v.err"; then
		rendered=$((rendered + 1)); rm -rf "$B"
	else
		bad=$((bad + 1)); badlist="$badlist b$k@${d}s"
		echo "# b$k (killed after ${d}s):"
		sed 's/^/#   /' "$TRASH/r.err" "$TRASH/v.out" | head -8
	fi
done <"$TRASH/delays"
echo "# $TRIES kills (seed $SEED, run ${ms} ms): $nojournal before the journal, $sealed sealed by the run, $rendered rendered as cut short ($nostart before the start record, $afterend after the end record), $bad bad"
expect_true "every bundle with a journal renders and verifies ($bad bad:$badlist)" test "$bad" -eq 0
expect_true "some kills landed inside the run" test "$rendered" -gt 0
test_done
