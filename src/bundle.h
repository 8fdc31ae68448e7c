#ifndef RDRILL_BUNDLE_H
#define RDRILL_BUNDLE_H

struct error;
struct strbuf;

/*
 * The evidence bundle: one directory per run (or plan) holding plan.json,
 * journal.jsonl, steps/, report.md, report.html, SHA256SUMS.
 *
 * Evidence is never overwritten: a default bundle is
 * PARENT/<date>-<drill id>[-plan], then -2, -3... if taken; an explicit
 * -o DIR must not exist yet or be empty. mkdir is the claim, so two runs
 * started at once never share a bundle.
 */
int bundle_create(const char *explicit_dir, const char *parent,
		  const char *base, struct strbuf *path, struct error *err);

#endif
