// Every rule of the Kubernetes Pod Security Standard "restricted"
// (baseline's included), checked on each pod spec in the files: Pods,
// and the pod templates of Jobs, CronJobs and the workload kinds.
//   node pss.js FILE...   one line per violation; exit 1 on any
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");

const SAFE_SYSCTLS = new Set(["kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
	"net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes"]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t",
	"container_kvm_t", "container_engine_t"]);
const VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir",
	"ephemeral", "persistentVolumeClaim", "projected", "secret"]);
const okSeccomp = (s) => s && (s.type === "RuntimeDefault" || s.type === "Localhost");
const okAppArmor = (a) => !a || a.type === "RuntimeDefault" || a.type === "Localhost";

function containers(spec) {
	return [].concat(spec.containers || [], spec.initContainers || [],
		spec.ephemeralContainers || []);
}

// [rule, check(pod spec, pod metadata) -> list of what breaks it]
const RULES = [
	["hostProcess", (s) => [s.securityContext, ...containers(s).map((c) => c.securityContext)]
		.some((x) => x && x.windowsOptions && x.windowsOptions.hostProcess) ? ["hostProcess: true"] : []],
	["host namespaces", (s) => ["hostNetwork", "hostPID", "hostIPC"].filter((k) => s[k])],
	["privileged", (s) => containers(s).filter((c) => c.securityContext && c.securityContext.privileged).map((c) => c.name)],
	["capabilities add", (s) => containers(s).filter((c) => {
		const add = (c.securityContext && c.securityContext.capabilities && c.securityContext.capabilities.add) || [];
		return add.some((a) => a !== "NET_BIND_SERVICE");
	}).map((c) => c.name)],
	["capabilities drop ALL", (s) => containers(s).filter((c) => {
		const drop = (c.securityContext && c.securityContext.capabilities && c.securityContext.capabilities.drop) || [];
		return !drop.includes("ALL");
	}).map((c) => c.name)],
	["hostPath volumes", (s) => (s.volumes || []).filter((v) => v.hostPath).map((v) => v.name)],
	["volume types", (s) => (s.volumes || []).filter((v) =>
		Object.keys(v).some((k) => k !== "name" && !VOLUME_TYPES.has(k))).map((v) => v.name)],
	["hostPorts", (s) => containers(s).filter((c) => (c.ports || []).some((p) => p.hostPort)).map((c) => c.name)],
	["AppArmor", (s, m) => {
		const bad = Object.entries((m && m.annotations) || {}).filter(([k, v]) =>
			k.startsWith("container.apparmor.security.beta.kubernetes.io/") &&
			v !== "runtime/default" && !v.startsWith("localhost/")).map(([k]) => k);
		if (!okAppArmor(s.securityContext && s.securityContext.appArmorProfile)) bad.push("pod");
		for (const c of containers(s))
			if (!okAppArmor(c.securityContext && c.securityContext.appArmorProfile)) bad.push(c.name);
		return bad;
	}],
	["SELinux", (s) => [s.securityContext, ...containers(s).map((c) => c.securityContext)]
		.filter((x) => x && x.seLinuxOptions && (x.seLinuxOptions.user || x.seLinuxOptions.role ||
			!SELINUX_TYPES.has(x.seLinuxOptions.type || ""))).map(() => "seLinuxOptions")],
	["procMount", (s) => containers(s).filter((c) => c.securityContext && c.securityContext.procMount &&
		c.securityContext.procMount !== "Default").map((c) => c.name)],
	["sysctls", (s) => ((s.securityContext && s.securityContext.sysctls) || [])
		.filter((x) => !SAFE_SYSCTLS.has(x.name)).map((x) => x.name)],
	["allowPrivilegeEscalation false", (s) => containers(s).filter((c) =>
		!(c.securityContext && c.securityContext.allowPrivilegeEscalation === false)).map((c) => c.name)],
	["runAsNonRoot", (s) => {
		const pod = s.securityContext && s.securityContext.runAsNonRoot === true;
		return containers(s).filter((c) => {
			const v = c.securityContext && c.securityContext.runAsNonRoot;
			return v === false || (v !== true && !pod);
		}).map((c) => c.name);
	}],
	["runAsUser not 0", (s) => [s.securityContext, ...containers(s).map((c) => c.securityContext)]
		.filter((x) => x && x.runAsUser === 0).map(() => "runAsUser: 0")],
	["seccompProfile", (s) => {
		const pod = s.securityContext && s.securityContext.seccompProfile;
		if (pod && !okSeccomp(pod)) return ["pod"];
		return containers(s).filter((c) => {
			const p = c.securityContext && c.securityContext.seccompProfile;
			return p ? !okSeccomp(p) : !pod;
		}).map((c) => c.name);
	}],
];

function podOf(doc) {
	switch (doc && doc.kind) {
	case "Pod": return [doc.spec, doc.metadata];
	case "CronJob": {
		const t = doc.spec.jobTemplate.spec.template;
		return [t.spec, t.metadata];
	}
	case "Job": case "Deployment": case "StatefulSet": case "DaemonSet":
	case "ReplicaSet": return [doc.spec.template.spec, doc.spec.template.metadata];
	default: return null;
	}
}

let bad = 0, pods = 0;
for (const f of process.argv.slice(2)) {
	for (const doc of yaml.loadAll(fs.readFileSync(f, "utf8"))) {
		const p = podOf(doc);
		if (!p) continue;
		pods++;
		for (const [rule, check] of RULES)
			for (const what of check(p[0] || {}, p[1]))
				console.log(`${f}: ${doc.kind}/${doc.metadata.name}: restricted: ${rule}: ${what}`), bad++;
	}
}
if (!bad) console.log(`pss: ${pods} pod specs meet "restricted" (${RULES.length} rules)`);
process.exit(bad || !pods ? 1 : 0);
