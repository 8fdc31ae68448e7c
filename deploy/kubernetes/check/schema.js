// Offline validation of Kubernetes objects against the API schemas, strict.
//   node schema.js FILE.yaml...   one line per problem; exit 1 on any
// Types, required fields, enums and formats: the kubernetes-models
// package's own validators (generated from the Kubernetes OpenAPI
// schema). Those accept unknown fields, as the API server's non-strict
// decoding does; strict mode (an unknown field fails, as
// `kubectl apply --validate=strict` fails) walks each object along the
// same package's type declarations, which list every field of the schema.
"use strict";
const fs = require("fs");
const path = require("path");
const yaml = require("js-yaml");

const models = path.dirname(require.resolve("kubernetes-models/package.json"));
const nm = path.dirname(models);
const ifaces = new Map(); // "file.d.ts#IName" -> {props, refs}

// An interface's fields and, per field, the declaration file and name of
// the interface its value (or each item, or each map value) must be.
function load(file, name) {
	const key = file + "#" + name;
	if (ifaces.has(key)) return ifaces.get(key);
	const src = fs.readFileSync(file, "utf8");
	const imports = new Map();
	for (const m of src.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
		const spec = m[2].startsWith(".")
			? path.resolve(path.dirname(file), m[2])
			: path.join(nm, m[2]);
		for (const n of m[1].split(",")) imports.set(n.trim(), spec + ".d.ts");
	}
	// Imported under its long name, declared under its short one.
	const alias = src.match(new RegExp("export \\{ (I\\w+) as " + name + "\\b"));
	const local = alias ? alias[1] : name;
	const body = src.match(new RegExp("export interface " + local +
		"(?: extends [\\w, ]+)? \\{([\\s\\S]*?)\\n\\}"));
	if (!body) { ifaces.set(key, null); return null; } // a type alias: no fields
	// Fields are at four spaces; a map's value type on the next line.
	const props = new Map();
	const lines = body[1].split("\n");
	for (let j = 0; j < lines.length; j++) {
		const m = lines[j].match(/^    "([^"]+)"\??: (.*)$/);
		if (!m) continue;
		let type = m[2];
		if (type === "{" && j + 1 < lines.length)
			type = lines[j + 1].replace(/^\s*\[key: string\]: /, "");
		const t = type.match(/^(?:Array<)?(I\w+)/);
		props.set(m[1], t && imports.has(t[1]) ? [imports.get(t[1]), t[1]] : null);
	}
	const r = { props };
	ifaces.set(key, r);
	return r;
}

function strict(obj, file, name, where, out) {
	if (obj === null || typeof obj !== "object") return;
	if (Array.isArray(obj)) {
		obj.forEach((v, i) => strict(v, file, name, `${where}[${i}]`, out));
		return;
	}
	const i = load(file, name);
	if (!i) return;
	for (const [k, v] of Object.entries(obj)) {
		if (!i.props.has(k)) { out.push(`${where}.${k}: unknown field`); continue; }
		const ref = i.props.get(k);
		if (!ref) continue;
		// A map's values (labels are strings; resources are quantities).
		if (!Array.isArray(v) && v && typeof v === "object" &&
		    !load(ref[0], ref[1])) continue;
		strict(v, ref[0], ref[1], `${where}.${k}`, out);
	}
}

function check(doc, where) {
	const out = [];
	if (!doc || typeof doc.apiVersion !== "string" || typeof doc.kind !== "string")
		return [`${where}: no apiVersion/kind`];
	const file = path.join(models, doc.apiVersion, doc.kind + ".d.ts");
	if (!/^[\w./-]+$/.test(doc.apiVersion + doc.kind) || !fs.existsSync(file))
		return [`${where}: ${doc.apiVersion} ${doc.kind}: not a Kubernetes API type`];
	const Model = require(path.join(models, doc.apiVersion, doc.kind)) [doc.kind];
	try {
		new Model(doc).validate();
	} catch (e) {
		for (const er of e.errors || [e])
			out.push(`${where}${er.instancePath || ""}: ${er.message}` +
				(er.params && er.params.allowedValues ?
					` (${er.params.allowedValues.join(", ")})` : ""));
	}
	strict(doc, file, "I" + doc.kind, where, out);
	return out;
}

let bad = 0, n = 0;
for (const f of process.argv.slice(2)) {
	const docs = yaml.loadAll(fs.readFileSync(f, "utf8"));
	for (const doc of docs) {
		if (doc === null) continue;
		n++;
		const name = doc.metadata && doc.metadata.name;
		for (const p of check(doc, `${f}: ${doc.kind}/${name}`)) {
			console.log(p);
			bad++;
		}
	}
}
if (!bad) console.log(`schema: ${n} objects valid (strict)`);
process.exit(bad ? 1 : 0);
