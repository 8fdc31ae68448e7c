#ifndef RDRILL_HISTORY_H
#define RDRILL_HISTORY_H

#include <jansson.h>

struct error;
struct strbuf;
struct strvec;

/*
 * The drills' history across bundles (`rdrill history DIR...`): every
 * run bundle under the directories (a directory holding journal.jsonl;
 * plan bundles are left out), each checked as `rdrill verify` checks it
 * (seal.h, signoff.h), grouped by drill id and environment, oldest
 * first. A bundle that does not verify is TAMPERED (sealed, but its
 * evidence changed) or UNSEALED (a killed run nobody rendered): either
 * way never a pass. A drill is OVERDUE when its last verified PASSED
 * run started more than its cadence (the drill's `cadence:`, default 92
 * days) before `now_ms`, or when it has none.
 *
 * The model is JSON (history.json as written):
 *   {"generated": ISO, "drills": [{"id", "environment", "title",
 *     "cadence_s", "overdue", "due": ISO|null, "last_pass": ISO|null,
 *     "runs": [{"bundle", "started", "status", "state": "verified" |
 *       "tampered" | "unsealed", "problem", "rto_ms", "rpo_ms",
 *       "signed_key", "signoffs"}]}]}
 */

#define HISTORY_DEFAULT_CADENCE_S (92LL * 86400)

json_t *history_scan(const struct strvec *dirs, long long now_ms,
		     struct error *err);

/* history.md (its HTML comes from markdown_to_html + the charts). */
void history_markdown(json_t *h, struct strbuf *md);
int history_html(json_t *h, const char *md, struct strbuf *html,
		 struct error *err);

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

#endif
