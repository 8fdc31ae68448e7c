// A copy of FILE with one change to its first CronJob's pod, for the
// checkers' negative tests:  node alter.js FILE 'JS statement' > COPY
// The statement sees p (pod spec), c (first container), m (pod metadata),
// j (the Job spec), cj (the CronJob).
"use strict";
const fs = require("fs");
const yaml = require("js-yaml");
const docs = yaml.loadAll(fs.readFileSync(process.argv[2], "utf8"));
const cj = docs.find((d) => d && d.kind === "CronJob");
const j = cj.spec.jobTemplate.spec;
const p = j.template.spec, m = j.template.metadata, c = p.containers[0];
new Function("p", "c", "m", "j", "cj", process.argv[3])(p, c, m, j, cj);
process.stdout.write(docs.map((d) => yaml.dump(d)).join("---\n"));
