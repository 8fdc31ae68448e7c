#ifndef RDRILL_HISTORY_H
#define RDRILL_HISTORY_H

#include <jansson.h>

#include "runsum.h"
#include "strvec.h"

struct error;
struct strbuf;

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
 * The model is typed (struct history, below); history.json is its
 * edge, written by history_json() and read back by history_from_json():
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

/* A run as history judged it among its drill's. */
struct history_run {
	struct run_summary s;   /* the bundle as read (runsum.h) */
	char *signer;           /* "trusted", "untrusted signer", "unsigned",
				   "self-signed" */
	int counted;            /* its figures count (verified, trusted...) */
	int pass;               /* counted, and its verdict passes */
	char *finding;          /* why it is a finding, NULL */
	char *restored_by;      /* the `rdrill restore` bundle that restored it */
};

/*
 * A drill in an environment (fleet.h: and on one runner host). Its runs
 * are pointers: history owns them, fleet's groups borrow them.
 */
struct history_drill {
	char *id, *environment, *title;
	char *runner;           /* fleet_groups_make()'s; NULL in history */
	struct strvec findings;
	long long cadence_s;
	long long last_pass_ms; /* the last counted pass's start, -1: none */
	long long due_ms;       /* -1: none */
	int overdue;
	struct history_run **runs;      /* oldest first */
	size_t nruns, alloc_runs;
	struct history_run **refused;   /* verified REFUSED runs, apart */
	size_t nrefused, alloc_refused;
};

struct history {
	long long generated_ms;
	long long bundles, refused, trusted_keys;
	struct strvec skipped, skipped_why;     /* a path, and why */
	struct history_drill *drills;           /* by id and environment */
	size_t ndrills, alloc_drills;
};

void history_init(struct history *h);
void history_release(struct history *h);

/* `d` initialised; history_drill_release() frees its runs when `own`. */
void history_drill_init(struct history_drill *d);
void history_drill_release(struct history_drill *d, int own);
void history_drill_add(struct history_drill *d, struct history_run *r,
		       int refused);

/* Fill `h` (initialised) with the bundles under `dirs`. -1 + err. */
int history_scan(struct history *h, const struct strvec *dirs,
		 const struct strvec *trusted, long long now_ms,
		 struct error *err);

/* history.json (the edge), and the model read back from it. */
json_t *history_json(const struct history *h);
void history_from_json(struct history *h, json_t *j);

/* How many paths the walk could not search (listed in "skipped"). */
int history_skipped(const struct history *h);

/*
 * history.md in `lang` ("en" or "zh-CN"; NULL: "en"): rdrill's own words
 * said in it (words.h), the drills' text, paths, hashes and verdict words
 * as they are. Its HTML comes from markdown_to_html + the charts.
 */
void history_markdown(const struct history *h, const char *lang,
		      struct strbuf *md);
int history_html(const struct history *h, const char *md, const char *lang,
		 struct strbuf *html, struct error *err);

/* Prometheus textfile-collector metrics. */
void history_prom(const struct history *h, struct strbuf *out);

/*
 * "2026-12-02 00:03 UTC" (or the date alone) of an ISO time, "—" when
 * none: how history.md and fleet.md say a time. _ms: of a time in ms
 * (-1: none).
 */
void history_add_when(struct strbuf *sb, const char *iso, int date_only);
void history_add_when_ms(struct strbuf *sb, long long ms, int date_only);

/* How many drills are overdue. */
int history_overdue(const struct history *h);

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
