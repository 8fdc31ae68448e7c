#!/bin/sh
# The seed's warning under a real Docker (issue 21): a `files` step's
# in_effect: container: reads the mounts from a real `docker inspect`
# of a running container, not a recorded answer (t1153 does that with
# tests/data/docker-inspect-mattermost.json). A daemon of the test's
# own (docker-lib.sh: every path under $TRASH, a Unix socket, no TCP,
# no bridge), an image made here without the network: a static C
# program that waits for SIGTERM, built with the host's cc and libc.a
# (make deps), `docker import`ed from a one-file tar. The container
# bind-mounts the file store at /mattermost/data. Proven, each from the
# daemon's own answer (kept in the bundle as steps/NN-id.inspect.json):
# the mounted directory passes, the stale one beside it is FAILED in
# preflight (nothing backed up), as are a wrong destination and the
# same container once stopped; a symlink to the mounted directory and
# the configuration form together with the mount pass.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RDRILL=${RDRILL:-$TOP/rdrill}
# make check-deploy sets no RDRILL: build the binary, as t1660 does.
if [ ! -x "$RDRILL" ]; then
	make -s -C "$TOP" B=build build/rdrill >"$TRASH/make.log" 2>&1 ||
		{ cat "$TRASH/make.log"; exit 1; }
	RDRILL=$TOP/build/rdrill
fi
. "$(dirname "$0")/docker-lib.sh"

docker_start
pass "dockerd up on $DOCKER_HOST"
# rdrill runs the default inspect command, `docker inspect --type
# container NAME`, found on PATH: Debian's client first, talking to
# this test's daemon (DOCKER_HOST, exported by docker_start).
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH

# The image: one static binary, no network, no base image.
mkdir -p "$TRASH/img"
cat >"$TRASH/pause.c" <<'EOF'
#include <signal.h>
#include <unistd.h>
static void bye(int s) { (void)s; _exit(0); }
int main(void)
{
	signal(SIGTERM, bye);
	signal(SIGINT, bye);
	for (;;)
		pause();
}
EOF
expect_exit 0 cc -static -O2 -o "$TRASH/img/pause" "$TRASH/pause.c"
expect_exit 0 tar -C "$TRASH/img" -cf "$TRASH/img.tar" pause
expect_exit 0 "$DOCKER" import "$TRASH/img.tar" rdrill-test-pause:1

# The file store the service uses, and a stale copy beside it.
S=$TRASH/srv
mkdir -p "$S/data/mm/users" "$S/data/mm-old/users" "$S/config"
echo attachment >"$S/data/mm/users/a.png"
echo stale >"$S/data/mm-old/users/b.png"
printf '{"FileSettings": {"DriverName": "local", "Directory": "./data/"}}\n' \
	>"$S/config/config.json"
ln -s "$S/data/mm" "$S/current"
expect_exit 0 "$DOCKER" run -d --network none --name mm-app \
	-v "$S/data/mm:/mattermost/data" -v "$S/config:/mattermost/config:ro" \
	rdrill-test-pause:1 /pause
expect_exit 0 "$DOCKER" inspect --type container --format '{{.Id}} {{.State.Running}}' mm-app
ID=$(cut -d' ' -f1 "$OUT")
expect_grep '^[0-9a-f]\{64\} true$' "$OUT"

drill() { # NAME PATH IN_EFFECT-LINES
	cat >"$TRASH/$1.yaml" <<EOF
rdrill: 1
id: in-effect-docker
title: file store in effect, from a real docker inspect
system: test
environment: test
objective: back up the file store the service really uses
backup_set:
  - {id: files, title: files, tier: 1, kind: directory, source: ["$2"],
     artifact: "$TRASH/$1.tar.gz"}
phases:
  preflight:
    - id: path-in-effect
      files:
        path: "$2"
        non_empty: true
        in_effect:
$3
  backup:
    - {id: tar, run: [tar, -czf, "$TRASH/$1.tar.gz", -C, "$2", .]}
EOF
}
IE_STEP=steps/01-path-in-effect.inspect.json

# 1. The mounted directory: PASSED, from the daemon's answer.
drill good "$S/data/mm" "          container: mm-app
          destination: /mattermost/data"
expect_exit 0 "$RDRILL" run "$TRASH/good.yaml" -o "$TRASH/b1"
J=$TRASH/b1/journal.jsonl
expect_grep '"what":"in effect: mounted into the container","expected":"a mount of '"$S"'/data/mm at /mattermost/data into running container mm-app","actual":"mounted: '"$S"'/data/mm -> /mattermost/data","ok":true' "$J"
expect_grep '"inspect_log":{"path":"'"$IE_STEP"'"' "$J"
expect_file "$TRASH/good.tar.gz"
# The evidence is the daemon's: this container's Id, its bind, running.
expect_grep_F "\"Id\": \"$ID\"" "$TRASH/b1/$IE_STEP"
expect_grep_F "\"$S/data/mm:/mattermost/data\"" "$TRASH/b1/$IE_STEP"
expect_true "inspect.json: running, the bind's Source and Destination" \
	jq -e --arg s "$S/data/mm" '.[0].State.Running == true and
		any(.[0].Mounts[]; .Type == "bind" and .Source == $s and
		    .Destination == "/mattermost/data")' "$TRASH/b1/$IE_STEP"
expect_exit 0 "$RDRILL" verify "$TRASH/b1"

# 2. The stale directory beside it: FAILED in preflight, nothing backed
# up, the container's real mounts named.
drill stale "$S/data/mm-old" "          container: mm-app"
expect_exit 1 "$RDRILL" run "$TRASH/stale.yaml" -o "$TRASH/b2"
J=$TRASH/b2/journal.jsonl
expect_grep '"what":"in effect: mounted into the container"[^}]*"actual":"no mount of it; the container mounts [^"]*'"$S"'/data/mm -> /mattermost/data[^"]*","ok":false' "$J"
expect_no_file "$TRASH/stale.tar.gz"
expect_grep 'in effect: mounted into the container' "$TRASH/b2/report.md"
expect_grep 'FAILED' "$TRASH/b2/report.md"
expect_exit 0 "$RDRILL" verify "$TRASH/b2"

# 3. The right source at another destination than the drill says.
drill dest "$S/data/mm" "          container: mm-app
          destination: /mattermost/files"
expect_exit 1 "$RDRILL" run "$TRASH/dest.yaml" -o "$TRASH/b3"
expect_grep '"actual":"mounted at /mattermost/data","ok":false' "$TRASH/b3/journal.jsonl"

# 4. A symlink to the mounted directory is the same directory; and the
# configuration (mounted into the container) names the mount's
# destination, relative to the service's working directory.
drill both "$S/current" "          container: mm-app
          config: $S/config/config.json
          key: FileSettings.Directory
          relative_to: /mattermost"
expect_exit 0 "$RDRILL" run "$TRASH/both.yaml" -o "$TRASH/b4"
J=$TRASH/b4/journal.jsonl
expect_grep '"what":"in effect: mounted into the container"[^}]*"actual":"mounted: '"$S"'/data/mm -> /mattermost/data","ok":true' "$J"
expect_grep '"expected":"/mattermost/data (the mount.s path in the container)","actual":"FileSettings.Directory names ./data/ (/mattermost/./data/)","ok":true' "$J"

# 5. The same container stopped: its mounts are still listed, but a
# stopped service proves nothing.
expect_exit 0 "$DOCKER" stop -t 10 mm-app
expect_exit 0 "$DOCKER" inspect --type container --format '{{.State.Running}}' mm-app
expect_grep '^false$' "$OUT"
drill stopped "$S/data/mm" "          container: mm-app"
expect_exit 1 "$RDRILL" run "$TRASH/stopped.yaml" -o "$TRASH/b5"
expect_no_file "$TRASH/stopped.tar.gz"
expect_grep '"actual":"the container is not running (mounts: [^"]*'"$S"'/data/mm -> /mattermost/data[^"]*)","ok":false' "$TRASH/b5/journal.jsonl"

# 6. No such container: docker's own refusal, FAILED.
expect_exit 0 "$DOCKER" rm mm-app
drill gone "$S/data/mm" "          container: mm-app"
expect_exit 1 "$RDRILL" run "$TRASH/gone.yaml" -o "$TRASH/b6"
expect_grep '"what":"in effect: mounted into the container"[^}]*"actual":"docker exited 1: [^"]*[Nn]o such container[^"]*","ok":false' "$TRASH/b6/journal.jsonl"
test_done
