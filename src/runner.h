#ifndef RDRILL_RUNNER_H
#define RDRILL_RUNNER_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

struct error;
struct strbuf;

/*
 * Runs a plan, step by step, into a bundle: journal.jsonl (a record per
 * step, fsync'd as it ends), steps/ logs, report.md/html, SHA256SUMS.
 *
 * Order of business: the safety gates (destructive steps need the
 * drill's environment confirmed; an approved plan hash must match) are
 * checked before the first step runs; the destroy phase starts only when
 * every verify_backup step passed; the first failed step stops the
 * drill; cleanup steps always run; a cancel (SIGINT/SIGTERM) stops the
 * current step's process group and ends ABORTED after cleanup.
 */

enum runner_status {
	RUNNER_PASSED,
	RUNNER_FAILED,
	RUNNER_ABORTED,
	RUNNER_REFUSED,
	/* ended (failed, aborted) after destroy began, restore unverified */
	RUNNER_NOT_RESTORED,
};

struct drill;

struct sign_key;

struct runner_opts {
	/*
	 * What runs. Its steps get the scheduled items' picked files bound
	 * in while it runs (drill_bind_picks()), taken out again at the end.
	 */
	struct drill *drill;
	json_t *plan;          /* its plan.json (plan.h) */
	const char *bundle;    /* an existing, empty directory */
	const char *confirm;   /* --confirm value, or NULL */
	const char *approved;  /* --approved-plan value, or NULL */
	const char *change_ref; /* --change-ref value, or NULL */
	json_t *approval;      /* the plan bundle that approved it, or NULL */
	const char *lang;      /* report language, NULL = the drill's */
	json_t *vars_given;    /* --var values, recorded in the journal */
	volatile sig_atomic_t *cancel;      /* first SIGINT/SIGTERM */
	volatile sig_atomic_t *cancel_hard; /* second one: stop cleanup too */
	FILE *progress;        /* where progress lines go (stderr) */
	int tty;               /* progress is a terminal: live line */
	const struct sign_key *sign_key; /* sign the seal (sign.h), or NULL */
	/*
	 * `rdrill restore`: the verified journal of a run that left its
	 * system destroyed (restored.h), and that bundle's directory. The
	 * steps before the restore phase are journaled as done there; its
	 * scheduled picks, freshness before destroy, canary and
	 * fingerprints (its "destroy" record) are what this run compares
	 * against; its disaster time starts the RTO.
	 */
	json_t *resume;
	const char *resume_bundle;
	const char *resume_head; /* its journal's chain head */
};

/*
 * Returns 0 when the drill ran to an end (its status in *status, why it
 * did not pass in *reason, the report written) and -1 when the bundle itself could not be written.
 */
int runner_run(const struct runner_opts *o, enum runner_status *status,
	       struct strbuf *reason, struct error *err);

const char *runner_status_word(enum runner_status s);

#endif
