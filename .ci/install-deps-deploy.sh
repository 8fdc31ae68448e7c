#!/bin/sh
# Install what the fleet tests need beyond `make deps` (.ci/install-deps.sh):
# packages whose install would start a service at boot (openssh-server,
# prometheus, prometheus-pushgateway, docker.io and its containerd), plus
# the tools `make check-deploy` drives (debootstrap, lintian, ansible;
# nodejs and npm for the Kubernetes schema checker, deploy/kubernetes/check). Their services are never left
# enabled or running: a policy-rc.d that answers 101 ("action forbidden")
# keeps invoke-rc.d from starting them while apt-get runs, and afterwards
# each unit is disabled and masked so that a later boot does not start it.
# The tests start their own sshd / pushgateway / prometheus on loopback.
# As root: installs what is missing. Otherwise: says what is missing, fails.
#
# `fleet` as the first argument (make deps-fleet, what `make check` needs:
# the SSH and Pushgateway tests of the suite) installs only sshd,
# prometheus and the pushgateway; no argument (make deps-deploy) installs
# everything check-deploy drives too.
set -eu

FLEET="openssh-server openssh-client prometheus prometheus-pushgateway
procps curl"
if [ "${1:-}" = fleet ]; then
	PKGS=$FLEET
	again="sh .ci/install-deps-deploy.sh fleet"
else
	PKGS="$FLEET debootstrap lintian ansible systemd dpkg-dev binutils
xz-utils docker.io containerd runc nodejs npm"
	again="sh .ci/install-deps-deploy.sh"
fi
# The units each package would start: only those of a package this
# script installs are disabled and masked (an sshd the machine already
# ran stays as it was).
units_of() {
	case $1 in
	openssh-server) echo ssh.service ssh.socket ;;
	prometheus) echo prometheus.service prometheus-node-exporter.service ;;
	prometheus-pushgateway) echo prometheus-pushgateway.service ;;
	docker.io) echo docker.service docker.socket ;;
	containerd) echo containerd.service ;;
	esac
}

# node and npm count as present when their commands are: a Node.js from
# elsewhere (NodeSource's nodejs ships npm and conflicts with Debian's
# npm package) must not be replaced by Debian's.
present_cmd() {
	case $1 in
	nodejs) command -v node >/dev/null 2>&1 ;;
	npm) command -v npm >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}

missing=""
for p in $PKGS; do
	present_cmd "$p" && continue
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "rdrill: missing Debian packages:$missing" >&2
	echo "rdrill: install them with: sudo $again" >&2
	exit 1
fi
echo "rdrill: installing (services disabled):$missing" >&2
export DEBIAN_FRONTEND=noninteractive
prc=/usr/sbin/policy-rc.d
had_prc=""
[ -e "$prc" ] && had_prc=yes
log=$(mktemp "${TMPDIR:-/tmp}/rdrill-apt.XXXXXX")
undo() {
	rm -f "$log"
	[ -n "$had_prc" ] || rm -f "$prc"
}
trap undo EXIT
trap 'exit 130' INT TERM
if [ -z "$had_prc" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$prc"
	chmod 755 "$prc"
fi
quiet() {
	"$@" >"$log" 2>&1 || {
		rc=$?
		cat "$log" >&2
		echo "rdrill: failed (exit $rc): $*" >&2
		exit "$rc"
	}
}
quiet apt-get update -qq
# shellcheck disable=SC2086
quiet apt-get install -y -qq --no-install-recommends $missing
units=""
for p in $missing; do
	u=$(units_of "$p")
	[ -z "$u" ] || units="$units $u"
done
for u in $units; do
	# Where systemd is PID 1 a unit may have been started all the same.
	if [ -d /run/systemd/system ]; then
		systemctl stop "$u" >/dev/null 2>&1 || true
	fi
	systemctl disable "$u" >/dev/null 2>&1 || true
	systemctl mask "$u" >/dev/null 2>&1 || true
done
echo "rdrill: installed; disabled and masked:${units:- nothing}" >&2
