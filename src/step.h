#ifndef RDRILL_STEP_H
#define RDRILL_STEP_H

#include <jansson.h>
#include <signal.h>

struct error;
struct strbuf;
struct strvec;

/*
 * One kind of step, one file: step-command.c, step-checksum.c,
 * step-toc.c, step-sql.c, step-files.c, step-wait.c, step-canary.c.
 * The runner (runner.c) picks the function from the step's "kind" and
 * owns timing, the journal and pass/fail.
 *
 * A step function fills sc->rec, the step's journal record:
 *   "checks":   [{"what", "expected", "actual", "ok"}]  (step_check())
 *   "evidence": {kind-specific facts for the report}
 *   "message":  one line saying why it failed, when it did
 * and returns 0 when it ran (the checks decide pass or fail) or -1 with
 * err set when it could not run at all (the step fails with err's text).
 * Nothing a step writes may contain a secret: values in sc->secrets are
 * redacted from command output, and passwords never go into messages.
 */
struct step_ctx {
	json_t *body;       /* the plan body (drill.h): connections, canary... */
	json_t *step;       /* this step, as in the plan */
	json_t *rec;        /* its journal record, being filled */
	json_t *state;      /* shared by the steps of one run (see below) */
	const char *bundle; /* the bundle directory */
	struct strvec *secrets;         /* values to redact */
	const struct strvec *secret_vars; /* variables no command inherits */
	volatile sig_atomic_t *cancel;
};
/*
 * sc->state keys: "captures": {step id: result} of sql steps (for
 * same_as); "canary": the recorded row; "server_versions": {connection:
 * version string}.
 */

typedef int (*step_fn)(struct step_ctx *sc, struct error *err);

int step_command(struct step_ctx *sc, struct error *err);
int step_checksum(struct step_ctx *sc, struct error *err);
int step_toc(struct step_ctx *sc, struct error *err);
int step_sql(struct step_ctx *sc, struct error *err);
int step_files(struct step_ctx *sc, struct error *err);
int step_wait(struct step_ctx *sc, struct error *err);
int step_canary(struct step_ctx *sc, struct error *err);

/* Append one check to sc->rec's "checks". Returns ok. */
int step_check(struct step_ctx *sc, const char *what, const char *expected,
	       const char *actual, int ok);

/* The step's parameters: sc->step[kind]. */
json_t *step_params(struct step_ctx *sc);

/*
 * Path of a step's log file in the bundle, relative ("steps/07-pg-dump.out")
 * and absolute; the steps/ directory exists when the runner calls a step.
 */
void step_log_path(struct step_ctx *sc, const char *suffix,
		   struct strbuf *rel, struct strbuf *abs);

struct exec_cmd;
/*
 * What every process a step starts shares: the step's timeout, the
 * cancel flag, redaction of every secret, and an environment without the
 * variables secrets come from (a step adds its own secret_env after).
 */
void step_exec_prepare(struct step_ctx *sc, struct exec_cmd *cmd);

#endif
