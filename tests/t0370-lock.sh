#!/bin/sh
# One run per drill and environment on a host: the lock is on the drill's
# id and environment (not its file), held the whole run, and the refused
# run is told who holds it.
. "$(dirname "$0")/lib.sh"
W=$TRASH/w
mkdir -p "$W"

wait_for() {
	_n=0
	while [ ! -e "$1" ] && [ $_n -lt 100 ]; do sleep 0.1; _n=$((_n + 1)); done
}

{ drill_head same prod
cat <<EOF
phases:
  backup:
    - {id: started, run: [touch, "$W/started"]}
    - {id: hold, run: [sh, -c, "while [ ! -e '$W/go' ]; do sleep 0.1; done"]}
EOF
} >"$TRASH/a.yaml"
cp "$TRASH/a.yaml" "$TRASH/copy.yaml"

"$RDRILL" run "$TRASH/a.yaml" -o "$TRASH/b1" >"$TRASH/first.out" 2>&1 &
pid=$!
wait_for "$W/started"
expect_file "$W/started"

# A copy of the same drill (another path, same id and environment).
expect_exit 3 "$RDRILL" run "$TRASH/copy.yaml" -o "$TRASH/b2"
expect_grep "another run of drill same in environment prod holds" "$ERR"
expect_grep_F "pid $pid," "$ERR"
expect_grep_F "bundle $TRASH/b1" "$ERR"
expect_grep 'started 20[0-9-]*T[0-9:.]*Z' "$ERR"
expect_no_file "$TRASH/b2"

# The file replaced under the running drill (a new inode): still refused.
sed -i 's/title: Test drill same/title: edited in place/' "$TRASH/a.yaml"
expect_exit 3 "$RDRILL" run "$TRASH/a.yaml" -o "$TRASH/b3"
expect_grep_F "pid $pid," "$ERR"

# The lock file says who holds it.
L=$RDRILL_STATE_DIR/locks/same@prod.lock
expect_file "$L"
expect_grep "^pid $pid\$" "$L"
expect_grep "^bundle $TRASH/b1\$" "$L"

# Another environment is another drill run: allowed at the same time.
sed 's/^environment: prod$/environment: staging/; /id: hold/d' "$TRASH/copy.yaml" >"$TRASH/staging.yaml"
expect_exit 0 "$RDRILL" run "$TRASH/staging.yaml" -o "$TRASH/b4"

# The first finishes and passes; then the drill may run again.
: >"$W/go"
wait $pid
expect_true "the first run passed" test $? -eq 0
expect_exit 0 "$RDRILL" run "$TRASH/copy.yaml" -o "$TRASH/b5"

# No state directory for the lock: refused, not run unguarded.
: >"$TRASH/not-a-dir"
RDRILL_STATE_DIR=$TRASH/not-a-dir expect_exit 3 "$RDRILL" run "$TRASH/copy.yaml" -o "$TRASH/b7"
expect_grep 'the run lock' "$ERR"
expect_no_file "$TRASH/b7"
test_done
