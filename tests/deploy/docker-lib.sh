# Sourced by the check-deploy tests that run the image: a Docker daemon
# of the test's own (Debian's docker.io), every path of it under $TRASH
# (data, exec root, socket, pid file), no bridge, no iptables: containers
# use host networking. Stopped, and its mounts gone, when the test ends.
#
#   docker_start        -> $DOCKER (the client, pointed at that daemon)
#   docker_image        make image into it -> $IMAGE

docker_start() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$TEST_NAME: needs root (dockerd); run it through make check-deploy as root" >&2
		exit 1
	fi
	command -v dockerd >/dev/null 2>&1 || {
		echo "$TEST_NAME: dockerd not installed (Debian package docker.io: make deps-deploy)" >&2
		exit 1
	}
	D=$TRASH/docker
	mkdir -p "$D"
	DOCKER_HOST=unix://$D/docker.sock
	export DOCKER_HOST
	# Exported: make image (deploy/image/build.sh) uses the same client,
	# not another docker earlier in PATH.
	DOCKER=/usr/bin/docker
	export DOCKER
	dockerd --data-root "$D/data" --exec-root "$D/exec" \
		--pidfile "$D/dockerd.pid" -H "$DOCKER_HOST" \
		--bridge none --iptables=false --ip-forward=false --ip-masq=false \
		>"$D/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	at_exit "docker_stop"
	# Up when the API answers; gone for good when the process is.
	i=0
	until "$DOCKER" version >/dev/null 2>&1; do
		if ! kill -0 "$DOCKERD_PID" 2>/dev/null || [ $i -ge 600 ]; then
			tail -5 "$D/dockerd.log" >&2
			echo "$TEST_NAME: dockerd could not start (log above)" >&2
			exit 1
		fi
		i=$((i + 1))
		sleep 0.1
	done
}

docker_stop() {
	"$DOCKER" ps -aq 2>/dev/null | xargs -r "$DOCKER" rm -f >/dev/null 2>&1
	kill "$DOCKERD_PID" 2>/dev/null
	i=0
	while kill -0 "$DOCKERD_PID" 2>/dev/null && [ $i -lt 300 ]; do
		i=$((i + 1)); sleep 0.1
	done
	kill -9 "$DOCKERD_PID" 2>/dev/null
	# What the daemon mounted below its own directories (overlays, shm).
	grep " $D/" /proc/mounts | awk '{print $2}' | sort -r |
		while read -r m; do umount -l "$m"; done
}

docker_image() {
	IMAGE=$(sh "$TOP/deploy/image/build.sh" "$TRASH/image" 2>"$TRASH/image.log" | tail -1)
	[ -n "$IMAGE" ] || { cat "$TRASH/image.log" >&2; exit 1; }
}
