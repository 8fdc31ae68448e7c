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
 * -o DIR must not exist yet or be an empty directory of the runner's
 * that no one else can write. mkdir is the claim, so two runs started at
 * once never share a bundle.
 *
 * The bundle is rdrill's alone: refused when a directory above it is
 * another user's or writable by another user (unless sticky, like /tmp),
 * made 0700 whatever the umask, and anchored (fsutil.h: every file in it
 * made through its descriptor, O_NOFOLLOW|O_EXCL, 0600). With `group`
 * (the drill's evidence_group) that group may read it: 0750 and 0640,
 * group-owned by it; an unknown group refuses the bundle.
 */
int bundle_create(const char *explicit_dir, const char *parent,
		  const char *base, const char *group, struct strbuf *path,
		  struct error *err);

#include <jansson.h>

struct sign_key;

/*
 * Close a bundle: its reports from `records` (report_write, `lang` NULL:
 * the drill's) then its seal in `state` (SEAL_COMPLETE, SEAL_CUT_SHORT)
 * by `cmd` ("run", "plan", "render"), signed with `key` when not NULL.
 * The one way run, plan and render finish a bundle.
 */
int bundle_close(const char *dir, json_t *records, const char *lang,
		 const char *state, const char *cmd,
		 const struct sign_key *key, struct error *err);

#endif
