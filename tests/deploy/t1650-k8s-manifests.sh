#!/bin/sh
# deploy/kubernetes, offline: the base and the example overlay rendered
# by a real kustomize (Debian 12's kubectl 1.20, package
# kubernetes-client, unpacked here: its /usr/bin/kubectl would clash with
# another kubectl on the machine), validated against the Kubernetes API
# schemas in strict mode (kubernetes-models, npm; an unknown field
# fails), every Pod Security "restricted" rule checked on both CronJobs'
# pods, one altered copy per rule rejected; the CronJob settings the
# README promises; the cluster drills valid.
. "$(dirname "$0")/../lib.sh"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RDRILL=${RDRILL:-$TOP/rdrill}
# make check-deploy sets no RDRILL: the binary make image installs.
if [ ! -x "$RDRILL" ]; then
	make -s -C "$TOP" B=build build/rdrill >"$TRASH/make.log" 2>&1 ||
		{ cat "$TRASH/make.log"; exit 1; }
	RDRILL=$TOP/build/rdrill
fi
K=$TOP/deploy/kubernetes

# The tools: kubectl 1.20 from Debian, the checkers' npm packages (locked).
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	{ echo "$TEST_NAME: needs node and npm (Debian packages nodejs, npm)" >&2; exit 1; }
mkdir -p "$TRASH/deb" "$TRASH/check"
# Lists older than the mirror's last point release name a .deb it no
# longer has: as root, refreshed once and tried again.
kdl() { (cd "$TRASH/deb" && apt-get download kubernetes-client) >"$TRASH/apt.log" 2>&1; }
kdl || { [ "$(id -u)" -eq 0 ] && apt-get update -qq >>"$TRASH/apt.log" 2>&1 && kdl; } ||
	{ cat "$TRASH/apt.log"; exit 1; }
(cd "$TRASH/deb" && dpkg-deb -x kubernetes-client_*.deb x) || exit 1
KUBECTL=$TRASH/deb/x/usr/bin/kubectl
cp "$K/check/package.json" "$K/check/package-lock.json" "$K/check/"*.js "$TRASH/check/"
(cd "$TRASH/check" && npm ci --ignore-scripts --no-audit --no-fund) \
	>"$TRASH/npm.log" 2>&1 || { cat "$TRASH/npm.log"; exit 1; }
C=$TRASH/check

for d in base overlays/example; do
	f=$TRASH/$(basename "$d").yaml
	expect_exit 0 "$KUBECTL" kustomize "$K/$d"
	cp "$OUT" "$f"
	expect_exit 0 node "$C/schema.js" "$f"
	expect_grep '^schema: 7 objects valid (strict)$' "$OUT"
	expect_exit 0 node "$C/pss.js" "$f"
	expect_grep '^pss: 2 pod specs meet "restricted" (16 rules)$' "$OUT"
done
EX=$TRASH/example.yaml

# What the README promises of each CronJob, read from the rendered overlay.
node -e '
const y = require(process.argv[1]), fs = require("fs");
const cjs = y.loadAll(fs.readFileSync(process.argv[2], "utf8")).filter((d) => d && d.kind === "CronJob");
if (cjs.length !== 2) throw new Error("CronJobs: " + cjs.length);
for (const cj of cjs) {
	const s = cj.spec, j = s.jobTemplate.spec, p = j.template.spec, c = p.containers[0];
	const want = [[s.concurrencyPolicy, "Forbid"], [s.timeZone, "Europe/Berlin"],
		[s.startingDeadlineSeconds > 0, true], [j.backoffLimit, 0],
		[j.activeDeadlineSeconds > 0, true], [j.ttlSecondsAfterFinished > 0, true],
		[JSON.stringify(j.podFailurePolicy.rules[0].onExitCodes.values), "[1,2,3]"],
		[p.restartPolicy, "Never"], [p.automountServiceAccountToken, false],
		[c.securityContext.readOnlyRootFilesystem, true],
		[c.image, "registry.example.com/platform/rdrill:0.1.0"],
		[c.args.slice(-2).join(" "), "--push $(RDRILL_PUSHGATEWAY)"],
		[cj.metadata.namespace, "db-drills"]];
	for (const [got, exp] of want)
		if (got !== exp) throw new Error(cj.metadata.name + ": " + got + " != " + exp);
	const vols = Object.fromEntries(p.volumes.map((v) => [v.name, v]));
	if (!vols.evidence.persistentVolumeClaim || !vols.tmp.emptyDir || !vols.drills.configMap ||
	    vols["signing-key"].secret.defaultMode !== 0o440)
		throw new Error(cj.metadata.name + ": volumes");
}
console.log("cronjobs ok");' "$C/node_modules/js-yaml" "$EX" >"$OUT" 2>"$ERR"
expect_grep '^cronjobs ok$' "$OUT"

# The drills the ConfigMap carries are valid drills.
for d in isolated pitr-pgbackrest; do
	expect_exit 0 "$RDRILL" validate "$K/base/drills/$d.yaml"
done

# Strict schema: an unknown field, a wrong type, an enum out of range fail.
n=0
while IFS='|' read -r change want; do
	n=$((n + 1))
	node "$C/alter.js" "$EX" "$change" >"$TRASH/s$n.yaml"
	expect_exit 1 node "$C/schema.js" "$TRASH/s$n.yaml"
	expect_grep "$want" "$OUT"
done <<'EOF2'
c.securityContext.readOnlyRootFS = true|containers\[0\]\.securityContext\.readOnlyRootFS: unknown field
j.backofLimit = 0|jobTemplate\.spec\.backofLimit: unknown field
cj.spec.timezone = "UTC"|spec\.timezone: unknown field
j.backoffLimit = "0"|backoffLimit: must be integer
cj.spec.concurrencyPolicy = "Never"|concurrencyPolicy: must be equal to one of the allowed values
EOF2

# One altered copy per "restricted" rule; the checker names the rule.
n=0
while IFS='|' read -r change rule; do
	n=$((n + 1))
	node "$C/alter.js" "$EX" "$change" >"$TRASH/p$n.yaml"
	expect_exit 1 node "$C/pss.js" "$TRASH/p$n.yaml"
	expect_grep "CronJob/rdrill-isolated-restore: restricted: $rule:" "$OUT"
done <<'EOF2'
c.securityContext.windowsOptions = {hostProcess: true}|hostProcess
p.hostNetwork = true|host namespaces
p.hostPID = true|host namespaces
p.hostIPC = true|host namespaces
c.securityContext.privileged = true|privileged
c.securityContext.capabilities.add = ["SYS_ADMIN"]|capabilities add
c.securityContext.capabilities.drop = ["NET_RAW"]|capabilities drop ALL
p.volumes.push({name: "h", hostPath: {path: "/var"}})|hostPath volumes
p.volumes.push({name: "n", nfs: {server: "nfs", path: "/"}})|volume types
c.ports = [{containerPort: 80, hostPort: 80}]|hostPorts
m.annotations = {"container.apparmor.security.beta.kubernetes.io/rdrill": "unconfined"}|AppArmor
c.securityContext.appArmorProfile = {type: "Unconfined"}|AppArmor
c.securityContext.seLinuxOptions = {type: "spc_t"}|SELinux
p.securityContext.seLinuxOptions = {user: "system_u"}|SELinux
c.securityContext.procMount = "Unmasked"|procMount
p.securityContext.sysctls = [{name: "kernel.msgmax", value: "1"}]|sysctls
c.securityContext.allowPrivilegeEscalation = true|allowPrivilegeEscalation false
delete c.securityContext.allowPrivilegeEscalation|allowPrivilegeEscalation false
c.securityContext.runAsNonRoot = false|runAsNonRoot
delete c.securityContext.runAsNonRoot; delete p.securityContext.runAsNonRoot|runAsNonRoot
c.securityContext.runAsUser = 0|runAsUser not 0
p.securityContext.seccompProfile = {type: "Unconfined"}|seccompProfile
delete c.securityContext.seccompProfile; delete p.securityContext.seccompProfile|seccompProfile
EOF2

test_done
