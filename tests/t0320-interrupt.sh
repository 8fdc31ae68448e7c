#!/bin/sh
# A drill killed with SIGKILL leaves a journal that renders INCOMPLETE;
# SIGTERM stops the running step's process group, runs cleanup and ends
# ABORTED; a checksum step in the middle of a huge file stops as promptly,
# and one past its timeout fails.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"

{ drill_head long test
cat <<EOF
phases:
  backup:
    - {id: first, run: [echo, one]}
    - {id: second, shell: "echo \$\$ > $W/second.tmp; mv $W/second.tmp $W/second; exec sleep 61"}
    - {id: third, run: [echo, three]}
  cleanup:
    - {id: bye, shell: "touch $W/cleanup-ran"}
EOF
} >"$TRASH/long.yaml"

wait_for() { # FILE: until there, or rdrill ($pid) ended; 300 s against a hang
	i=0
	while [ ! -e "$1" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 3000 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
# This run's sleep (its pid: the step's shell exec'd it), never another
# test run's "sleep 61" on the same machine (issue 21).
gone() { ! ps -o stat= -p "$1" 2>/dev/null | grep -qv '^Z'; }

# SIGKILL: no end record, no report from the run itself.
"$RDRILL" run "$TRASH/long.yaml" -o "$TRASH/k" >/dev/null 2>&1 &
pid=$!
wait_for "$W/second"
kill -KILL $pid
wait $pid 2>/dev/null
kill -KILL "$(cat "$W/second")" 2>/dev/null
expect_file "$TRASH/k/journal.jsonl"
expect_no_file "$TRASH/k/report.md"
expect_true "journal holds start, preflight and step 1" test "$(wc -l <"$TRASH/k/journal.jsonl")" -eq 3
expect_no_file "$TRASH/k/SEAL"
expect_exit 1 "$RDRILL" verify "$TRASH/k"
expect_grep 'FAILED  SEAL: missing' "$OUT"
cp -r "$TRASH/k" "$TRASH/k2"
expect_exit 0 "$RDRILL" render "$TRASH/k"
expect_grep 'sealed now as cut short after journal record 3' "$ERR"
expect_grep '`INCOMPLETE`' "$TRASH/k/report.md"
expect_grep '`SKIPPED`' "$TRASH/k/report.md"
expect_grep '^state: cut-short$' "$TRASH/k/SEAL"
expect_grep '^sealed-by: rdrill .* render (' "$TRASH/k/SEAL"
expect_grep '^journal-records: 3$' "$TRASH/k/SEAL"
expect_exit 0 "$RDRILL" verify "$TRASH/k"
expect_grep 'SEAL: CUT SHORT: the run was killed; sealed afterwards by rdrill .* render .* after journal record 3' "$OUT"
expect_grep '^VERIFIED, CUT SHORT' "$OUT"
# Rendering again changes nothing, and the seal is not rewritten.
cp "$TRASH/k/SEAL" "$TRASH/seal.before"
expect_exit 0 "$RDRILL" render "$TRASH/k"
expect_same "$TRASH/seal.before" "$TRASH/k/SEAL"

# A record cut in half by the kill is left out, and said so.
printf '{"type":"step","n":2,"id":"sec' >>"$TRASH/k2/journal.jsonl"
expect_exit 0 "$RDRILL" render "$TRASH/k2"
expect_grep 'last line was cut short' "$ERR"
expect_grep '`INCOMPLETE`' "$TRASH/k2/report.md"
expect_grep '^torn-tail-bytes: 30$' "$TRASH/k2/SEAL"
expect_exit 0 "$RDRILL" verify "$TRASH/k2"
# The same half line after the seal is damage, not a kill.
printf '{"type":"step","n":2,"id":"sec' >>"$TRASH/k/journal.jsonl"
expect_exit 1 "$RDRILL" verify "$TRASH/k"
expect_grep 'FAILED  journal.jsonl: 30 bytes after the last record, SEAL says 0' "$OUT"
expect_exit 1 "$RDRILL" render "$TRASH/k"

# SIGTERM: the step's process group is stopped, cleanup runs, ABORTED.
rm -f "$W/second" "$W/cleanup-ran"
"$RDRILL" run "$TRASH/long.yaml" -o "$TRASH/t" >"$TRASH/t.out" 2>"$TRASH/t.err" &
pid=$!
wait_for "$W/second"
kill -TERM $pid
wait $pid
rc=$?
expect_true "SIGTERM: exit 1" test $rc -eq 1
expect_file "$W/cleanup-ran"
expect_true "no sleep left behind" gone "$(cat "$W/second")"
expect_grep '`ABORTED`' "$TRASH/t/report.md"
expect_true "journal ends ABORTED" test "$(tail -1 "$TRASH/t/journal.jsonl" | jq -r .status)" = ABORTED
expect_no_grep '^three' "$TRASH/t.out"
expect_exit 0 "$RDRILL" verify "$TRASH/t"

# SIGTERM while a checksum step hashes 64 GiB (minutes of work): it stops
# between two 1 MiB reads, writes no SHA256SUMS, cleanup runs, ABORTED.
mkdir -p "$W/big"
{ drill_head hash test
cat <<EOF
phases:
  verify_backup:
    - {id: make, shell: "truncate -s 64G $W/big/huge && touch $W/hashing"}
    - {id: sums, checksum: {dir: "$W/big"}}
    - {id: after, run: [echo, after-sums]}
  cleanup:
    - {id: bye, shell: "touch $W/cleanup-ran"}
EOF
} >"$TRASH/hash.yaml"
rm -f "$W/cleanup-ran"
"$RDRILL" run "$TRASH/hash.yaml" -o "$TRASH/h" >"$TRASH/h.out" 2>"$TRASH/h.err" &
pid=$!
wait_for "$W/hashing"
# Until the checksum step has the file open (its hashing began), not a
# fixed second a loaded machine can outrun; 300 s against a hang.
hashing() { ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF "$W/big/huge"; }
i=0
while ! hashing && kill -0 "$pid" 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_true "the checksum step hashes the file" hashing
kill -TERM $pid
t0=$(date +%s)
wait $pid
rc=$?
took=$(($(date +%s) - t0))
expect_true "checksum SIGTERM: exit 1" test $rc -eq 1
# A bound against a hang (minutes of hashing), not a timing assertion.
expect_true "checksum SIGTERM: ended within 60 s (took ${took} s)" test "$took" -le 60
expect_file "$W/cleanup-ran"
expect_no_file "$W/big/SHA256SUMS"
expect_true "journal ends ABORTED" test "$(tail -1 "$TRASH/h/journal.jsonl" | jq -r .status)" = ABORTED
expect_true "sums step aborted: cancelled" test "$(jq -r 'select(.id == "sums") | .status + ": " + .message' "$TRASH/h/journal.jsonl")" = "aborted: cancelled"
expect_no_grep 'after-sums' "$TRASH/h.out"
expect_grep '`ABORTED`' "$TRASH/h/report.md"

# A timeout bounds a checksum step as it does a command.
{ drill_head slow test
cat <<EOF
phases:
  verify_backup:
    - {id: sums, checksum: {dir: "$W/big"}, timeout: 1s}
EOF
} >"$TRASH/slow.yaml"
t0=$(date +%s)
expect_exit 1 "$RDRILL" run "$TRASH/slow.yaml" -o "$TRASH/s"
took=$(($(date +%s) - t0))
expect_true "checksum timeout: ended within 60 s (took ${took} s)" test "$took" -le 60
expect_no_file "$W/big/SHA256SUMS"
expect_true "journal ends FAILED" test "$(tail -1 "$TRASH/s/journal.jsonl" | jq -r .status)" = FAILED
expect_true "sums step failed: timed out" test "$(jq -r 'select(.id == "sums") | .status + ": " + .message' "$TRASH/s/journal.jsonl")" = "failed: timed out after 1s"
test_done
