#!/bin/sh
# The pod contract, with the image (make image) under a Docker daemon the
# test starts (host networking), against a PostgreSQL on loopback the
# test starts: no TTY and no stdin; the isolated-restore drill the
# CronJob ships (deploy/kubernetes/base/drills/isolated.yaml, only the
# production address changed) PASSED as uid 65532 and as uid 1000890000
# with group 0, read-only root, /tmp a tmpfs, the Secrets mounted as
# Kubernetes mounts them (..data symlinks, root's, 0440), its bundle
# verified outside the container with the public key; logs a collector
# can parse (a line per step, no terminal controls); confirmation only
# from the arguments (none: REFUSED, exit 3, at once); `docker stop -t 20`
# mid-drill: ABORTED, cleanup ran, the bundle sealed and verified, exit 1,
# within the grace period (not killed: not 137).
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RDRILL=${RDRILL:-$TOP/rdrill}
# make check-deploy sets no RDRILL: the binary make image installs.
if [ ! -x "$RDRILL" ]; then
	make -s -C "$TOP" B=build build/rdrill >"$TRASH/make.log" 2>&1 ||
		{ cat "$TRASH/make.log"; exit 1; }
	RDRILL=$TOP/build/rdrill
fi
. "$(dirname "$0")/docker-lib.sh"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

docker_start
docker_image
pass "make image: $IMAGE"
expect_exit 0 "$DOCKER" image inspect --format \
	'{{.Config.User}} {{index .Config.Labels "org.opencontainers.image.version"}} {{index .Config.Labels "io.rdrill.debian.release-date"}}' "$IMAGE"
expect_grep "^65532:65532 $("$RDRILL" --version | sed 's/^rdrill //') [A-Z][a-z][a-z], " "$OUT"

# "Production": PostgreSQL on 127.0.0.1, a free port; the drill's role
# needs its password (scram), everything else local and trusted.
P=$TRASH/prod
mkdir -p "$P/data" "$P/sock"
chmod 700 "$P/data"
chown "$PG_OS_USER" "$P" "$P/data" "$P/sock"
as_pg "$PG_BIN/initdb" -D "$P/data" -U postgres -A trust --no-sync -E UTF8 \
	--locale=C >"$TRASH/initdb.log" 2>&1 || { cat "$TRASH/initdb.log"; exit 1; }
printf 'local all all trust\nhost all rdrill_ro 127.0.0.1/32 scram-sha-256\nhost all all 0.0.0.0/0 reject\n' \
	>"$P/data/pg_hba.conf"
port=$((20000 + $$ % 20000))
for try in 1 2 3 4 5 6 7 8; do
	as_pg "$PG_BIN/pg_ctl" -D "$P/data" -w -l "$P/server.log" -o \
		"-c listen_addresses=127.0.0.1 -p $port -k $P/sock -c fsync=off" \
		start >/dev/null 2>&1 && break
	port=$((port + 1))
	[ $try -lt 8 ] || { cat "$P/server.log"; exit 1; }
done
at_exit "as_pg '$PG_BIN/pg_ctl' -D '$P/data' -m immediate stop"
psql() { "$PG_BIN/psql" -h "$P/sock" -p "$port" -U postgres -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c "CREATE ROLE rdrill_ro LOGIN PASSWORD 'ro-secret-1'" -c "CREATE DATABASE app"
psql -d app <<'SQL'
CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE orders (id serial PRIMARY KEY, customer int REFERENCES customers, note text);
CREATE INDEX orders_customer ON orders (customer);
INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 50) g;
INSERT INTO orders (customer, note) SELECT 1 + g % 50, 'o' || g FROM generate_series(1, 500) g;
SQL
# The newest of two nightly dumps, on the backups volume.
for day in 2026-01-01 2026-01-02; do
	mkdir -p "$TRASH/backups/$day"
	"$PG_BIN/pg_dump" -h "$P/sock" -p "$port" -U postgres -F c \
		-f "$TRASH/backups/$day/app-$day.dump" app
done
chmod -R a+rX "$TRASH/backups"

# The drills as the ConfigMap mounts them; the port is the one change.
mkdir -p "$TRASH/drills"
sed "s/^    port: 5432\$/    port: $port/" "$TOP/deploy/kubernetes/base/drills/isolated.yaml" \
	>"$TRASH/drills/isolated.yaml"
expect_grep "^    port: $port\$" "$TRASH/drills/isolated.yaml"

# A Secret as the kubelet writes it: a timestamped directory, ..data
# pointing at it, each key a symlink through ..data; root's, 0440, group
# the pod's (fsGroup; group 0 for the arbitrary UID).
secret() { # DIR GID KEY FILE
	mkdir -p "$1/..2026_01_02_03_04_05.1"
	cp "$4" "$1/..2026_01_02_03_04_05.1/$3"
	chown -R "0:$2" "$1"
	chmod 0440 "$1/..2026_01_02_03_04_05.1/$3"
	chmod 0755 "$1" "$1/..2026_01_02_03_04_05.1"
	ln -s ..2026_01_02_03_04_05.1 "$1/..data"
	ln -s "..data/$3" "$1/$3"
}
mkdir -p "$TRASH/keys"
expect_exit 0 "$RDRILL" keygen "$TRASH/keys"
printf 'ro-secret-1\n' >"$TRASH/password"

# run_pod NAME UID:GID EVIDENCE_DIR ARGS...: docker run as a pod would
# (no -t, no -i), exit code in $RC, stdout and stderr in $OUT and $ERR.
run_pod() {
	name=$1 user=$2 ev=$3
	shift 3
	gid=${user#*:}
	rm -rf "$TRASH/sec-$name"
	secret "$TRASH/sec-$name/db" "$gid" password "$TRASH/password"
	secret "$TRASH/sec-$name/signing" "$gid" key.pem "$TRASH/keys/rdrill-sign.key"
	"$DOCKER" run --name "$name" --network host --read-only \
		--tmpfs /tmp:rw,exec,nosuid,nodev,size=1g,mode=1777 --user "$user" \
		-v "$TRASH/drills:/etc/rdrill/drills:ro" \
		-v "$TRASH/sec-$name/db:/var/run/secrets/rdrill/db:ro" \
		-v "$TRASH/sec-$name/signing:/var/run/secrets/rdrill/signing:ro" \
		-v "$TRASH/backups:/backups:ro" -v "$ev:/evidence" \
		-e RDRILL_STATE_DIR=/evidence/state \
		-e RDRILL_SIGN_KEY=/var/run/secrets/rdrill/signing/key.pem \
		"$IMAGE" "$@" >"$TRASH/$name.out" 2>"$TRASH/$name.err" </dev/null
	RC=$?
	OUT=$TRASH/$name.out ERR=$TRASH/$name.err
}

# Logs: each line whole, no ESC, no carriage return; a line per step.
expect_plain_log() {
	if LC_ALL=C grep -q "$(printf '[\033\r]')" "$OUT" "$ERR"; then
		fail "$1: terminal controls in the log"
	else
		pass "$1: no terminal controls in the log"
	fi
	for s in toc scratch-initdb scratch-start scratch-restore tables-back scratch-stop; do
		expect_grep "^\[[0-9]*/[0-9]*\] [a-z_]* *$s  passed " "$ERR"
	done
}

for user in 65532:65532 1000890000:0; do
	ev=$TRASH/ev-${user%:*}
	mkdir -p "$ev"
	chown "0:${user#*:}" "$ev"
	chmod 2775 "$ev"
	run_pod "iso-${user%:*}" "$user" "$ev" run /etc/rdrill/drills/isolated.yaml \
		--var prod_host=127.0.0.1
	expect_true "uid $user: isolated restore exit 0 (got $RC)" [ "$RC" -eq 0 ]
	expect_plain_log "uid $user"
	b=$(ls -d "$ev"/reports/*-isolated-restore 2>/dev/null | head -1)
	expect_true "uid $user: a bundle on the evidence volume" [ -n "$b" ]
	expect_grep 'PASSED' "$b/report.md"
	expect_grep '/backups/2026-01-02/app-2026-01-02.dump' "$b/journal.jsonl"
	expect_exit 0 "$RDRILL" verify "$b" --key "$TRASH/keys/rdrill-sign.pub"
	expect_no_grep 'ro-secret-1' "$b/journal.jsonl"
done

# A drill with a destroy step, then a long restore step (stands for a
# long pg_restore), then cleanup.
{ drill_head abort test
cat <<'YAML'
vars:
  pg_bin: /usr/lib/postgresql/15/bin
  data: /tmp/scratch/data
phases:
  backup:
    - id: scratch-initdb
      run: ["${pg_bin}/initdb", -D, "${data}", -U, postgres, -A, trust, --no-sync]
    - id: scratch-start
      run: ["${pg_bin}/pg_ctl", -D, "${data}", -w, -l, /tmp/scratch/log, -o,
            "-c archive_mode=off -c listen_addresses= -k /tmp/scratch", start]
  verify_backup:
    - id: backup-ok
      run: ["true"]
  destroy:
    - id: wipe
      run: ["true"]
  restore:
    - id: long-restore
      run: [sleep, "3600"]
  cleanup:
    - id: scratch-stop
      run: ["${pg_bin}/pg_ctl", -D, "${data}", -m, fast, -w, stop]
YAML
} >"$TRASH/drills/abort.yaml"
expect_exit 0 "$RDRILL" validate "$TRASH/drills/abort.yaml"
ev=$TRASH/ev-abort
mkdir -p "$ev" && chown 65532:65532 "$ev"

# No --confirm, no TTY, no stdin: refused at once, nothing ran, exit 3.
run_pod refused 65532:65532 "$ev" run /etc/rdrill/drills/abort.yaml
expect_true "no --confirm: exit 3 (got $RC)" [ "$RC" -eq 3 ]
b=$(ls -d "$ev"/reports/*-abort | head -1)
expect_grep 'REFUSED' "$b/report.md"
expect_no_grep 'scratch-initdb  passed' "$ERR"
rm -rf "$ev/reports"

# With --confirm: stopped by `docker stop -t 20` once the long step runs.
"$DOCKER" rm -f abort >/dev/null 2>&1
run_pod abort 65532:65532 "$ev" run /etc/rdrill/drills/abort.yaml --confirm test &
runpid=$!
# Until the long step's start line is logged, or the container is gone.
until "$DOCKER" logs abort 2>&1 | grep -q 'long-restore \.\.\.$'; do
	kill -0 "$runpid" 2>/dev/null || break
	sleep 0.2
done
"$DOCKER" logs abort 2>&1 | grep -q 'long-restore \.\.\.$'
expect_true "the long step started" [ $? -eq 0 ]
t0=$(date +%s)
"$DOCKER" stop -t 20 abort >/dev/null
took=$(( $(date +%s) - t0 ))
wait "$runpid"
OUT=$TRASH/abort.out ERR=$TRASH/abort.err
code=$("$DOCKER" inspect --format '{{.State.ExitCode}}' abort)
expect_true "docker stop: exit 1, ABORTED (got $code)" [ "$code" -eq 1 ]
expect_true "ended within the grace period (${took}s < 20s)" [ "$took" -lt 20 ]
b=$(ls -d "$ev"/reports/*-abort | head -1)
expect_grep 'ABORTED' "$b/report.md"
expect_grep '"type":"step","n":[0-9]*,"id":"scratch-stop","phase":"cleanup","kind":"command","exit_code":0' "$b/journal.jsonl"
expect_grep 'scratch-stop  passed ' "$ERR"
expect_exit 0 "$RDRILL" verify "$b" --key "$TRASH/keys/rdrill-sign.pub"

test_done
