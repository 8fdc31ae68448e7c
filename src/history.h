#ifndef RDRILL_HISTORY_H
#define RDRILL_HISTORY_H

#include <jansson.h>

#include "runsum.h"

struct error;
struct strbuf;
struct strvec;

/*
 * The drills' history across bundles (`rdrill history DIR...`): every
 * run bundle under the directories (a directory holding journal.jsonl;
 * plan bundles are left out), each checked as `rdrill verify` checks it
 * (seal.h, signoff.h), grouped by drill id and environment, oldest
 * first. A bundle that does not verify is TAMPERED (sealed, but its
 * evidence changed) or UNSEALED (a killed run nobody rendered); one that
 * verifies but whose seal is cut-short (killed before its seal, even
 * after its end record) is CUT SHORT: none of them is ever a pass.
 * With trusted keys (`trusted`: fingerprints, history --key), a run
 * counts only when its seal is signed by one of them; its signer is
 * "trusted", "untrusted signer" or "unsigned" ("self-signed" when no key
 * is given). A run dated more than five minutes after `now_ms` (a wrong
 * clock) never counts. Such runs, and runs signed otherwise than the
 * drill's other runs, are findings. A drill is OVERDUE when its last
 * counted PASSED run started more than its cadence (the newest run's
 * drill's `cadence:`, default 92 days) before `now_ms`, or when it has
 * none. What the walk could not search (unreadable, deeper than four
 * levels) is listed in "skipped".
 *
 * The model is JSON (history.json as written):
 *   {"generated": ISO, "bundles": N, "trusted_keys": N,
 *    "skipped": [{"path", "why"}],
 *    "drills": [{"id", "environment", "title", "findings": [TEXT],
 *     "cadence_s", "overdue", "due": ISO|null, "last_pass": ISO|null,
 *     "runs": [{"bundle", "started", "status", "state": "verified" |
 *       "cut-short" | "tampered" | "unsealed", "problem", "rto_ms",
 *       "rpo_ms", "signed_key", "signer", "signoffs", "cadence_s",
 *       "counted", "pass", "finding"}],
 *     "refused": [RUN + "reason"]}], "refused": N}
 *
 * A verified REFUSED run (a gate stopped it before any step: an
 * operator's mistake, nothing ran) is listed apart in its drill's
 * "refused" and is no run of its record: not in "runs", not a pass nor a
 * failure, not in the chart or the metrics but rdrill_refused_runs.
 */

#define HISTORY_DEFAULT_CADENCE_S RUNSUM_DEFAULT_CADENCE_S

json_t *history_scan(const struct strvec *dirs, const struct strvec *trusted,
		     long long now_ms, struct error *err);

/* How many paths the walk could not search (listed in "skipped"). */
int history_skipped(json_t *h);

/*
 * history.md in `lang` ("en" or "zh-CN"; NULL: "en"): rdrill's own words
 * said in it (words.h), the drills' text, paths, hashes and verdict words
 * as they are. Its HTML comes from markdown_to_html + the charts.
 */
void history_markdown(json_t *h, const char *lang, struct strbuf *md);
int history_html(json_t *h, const char *md, const char *lang,
		 struct strbuf *html, struct error *err);

/* Prometheus textfile-collector metrics. */
void history_prom(json_t *h, struct strbuf *out);

/* How many drills are overdue. */
int history_overdue(json_t *h);

/*
 * The latest verified run of drill `id` in `env` that reached a verdict
 * (PASSED, FAILED or NOT RESTORED: never a REFUSED, ABORTED, INCOMPLETE
 * or PLANNED one) among the bundles in `parent` other than `self` (a
 * run's own bundle), for its report's
 * "previous run" column: {"bundle","started","status","rto_ms","rpo_ms"}
 * or NULL.
 */
json_t *history_previous(const char *parent, const char *self,
			 const char *id, const char *env);

/*
 * The same run, typed, in `out` (initialised; released when none):
 * 0 when found, else -1. The plan's "last run" line is this run.
 */
int history_previous_run(const char *parent, const char *self,
			 const char *id, const char *env,
			 struct run_summary *out);

#endif
