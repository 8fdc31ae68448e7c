#ifndef RDRILL_STEP_H
#define RDRILL_STEP_H

#include <jansson.h>
#include <signal.h>

struct drill;
struct drill_step;
struct error;
struct schema;
struct schema_ctx;
struct schema_field;
struct strbuf;
struct strvec;
struct ynode;

/*
 * The step kinds: one table (step.c), one entry per file (step-*.c),
 * each a `struct step_kind`. Everything about a kind lives in its entry:
 * the keys it adds to a step and their types (the loader, drill.c, reads
 * them), its parameters' C struct, its own load-time rules, how the plan
 * describes it, how it runs, and what the report shows of it. The
 * runner, plan and report know no kind by name.
 *
 * Adding a kind: a new step-NAME.c with its entry, one line in
 * step_kinds[] (step.c), a partial templates/kind-NAME.<lang>.md.mustache
 * per report language, a README section, and tests. See ARCHITECTURE.md.
 */
struct step_ctx;
struct step_needs;
struct preflight_report;

struct step_kind {
	const char *name;                /* the journal's "kind" */
	const char *const *selectors;    /* step keys that make this kind */
	const char *noun;                /* "run and shell steps", in errors */
	const struct schema_field *fields; /* step-level keys it adds */
	const struct schema *params;     /* bound into drill_step.params */
	const char *params_key;          /* from step[key]; NULL: the step */
	/*
	 * Load-time rules beyond the schema, on the step's JSON once its
	 * common fields are set (phase rules applied). NULL: none.
	 */
	int (*check)(struct schema_ctx *c, const struct ynode *n, json_t *step);
	/* One line saying what it does (English, for the plan and terminal). */
	void (*describe)(const struct drill_step *s, struct strbuf *out);
	/* Where and as whom, lines like "cd /srv" (the plan). NULL: none. */
	void (*context)(const struct drill_step *s, struct strvec *lines);
	const char *prompt;              /* before the description; NULL: ">" */
	/*
	 * What it touches, lines for the approver (the plan, the report):
	 * its connection (database, host, user; never a password), the
	 * exact SQL it sends. NULL: nothing beyond the description.
	 */
	void (*target)(const struct drill *d, const struct drill_step *s,
		       struct strvec *lines);
	/* Environment variables whose values are secrets. NULL: none. */
	void (*secret_vars)(const struct drill_step *s, struct strvec *vars);
	/*
	 * What it needs before step 1, added to `n` (preflight.h): programs
	 * it starts, users it runs as, environment variables. NULL: none.
	 */
	void (*needs)(const struct drill_step *s, struct step_needs *n);
	/*
	 * Checks of its own before step 1 (a pgBackRest stanza that must
	 * exist), each through preflight_add(); a failed one refuses the
	 * run (exit 3). `d` is the whole drill: a check may depend on the
	 * steps that use this one (a recover step's target time). NULL:
	 * none.
	 */
	void (*preflight)(const struct drill *d, const struct drill_step *s,
			  struct preflight_report *r);
	/* Run it (see below). */
	int (*run)(struct step_ctx *sc, struct error *err);
	/*
	 * Report: add kind-specific keys to the step's view `vs` (the
	 * partial kind-NAME sees them). NULL: the description only.
	 */
	void (*view)(const struct drill_step *s, json_t *vs);
	/*
	 * The run's end, after the cleanup phase whatever happened (failure,
	 * signal): undo what its steps left behind in `state` (scratch
	 * servers), appending one object per thing to `out`. NULL: none.
	 */
	void (*finish)(json_t *state, json_t *out);
};

extern const struct step_kind *const step_kinds[];

/*
 * Every kind's finish hook; what they did, an array (empty when nothing
 * was left), for the end record's "scratch_cleanup".
 */
json_t *step_finish_all(json_t *state);

/* The kind named `name` ("command", "sql", ...), or NULL. */
const struct step_kind *step_kind_find(const char *name);

extern const struct step_kind step_kind_command;
extern const struct step_kind step_kind_checksum;
extern const struct step_kind step_kind_toc;
extern const struct step_kind step_kind_sql;
extern const struct step_kind step_kind_files;
extern const struct step_kind step_kind_wait;
extern const struct step_kind step_kind_canary;
extern const struct step_kind step_kind_fingerprint;
extern const struct step_kind step_kind_basebackup;
extern const struct step_kind step_kind_recover;
extern const struct step_kind step_kind_pgbackrest;

/*
 * The runner (runner.c) calls kind->run and owns timing, the journal and
 * pass/fail. A run function fills sc->rec, the step's journal record:
 *   "checks":   [{"what", "expected", "actual", "ok"}]  (step_check())
 *   "evidence": {kind-specific facts for the report}
 *   "message":  one line saying why it failed, when it did
 * and returns 0 when it ran (the checks decide pass or fail) or -1 with
 * err set when it could not run at all (the step fails with err's text).
 * Secrets: sc->secrets is the process's set (secret.h); a value a step
 * learns while it runs (a secret_env) is added there before anything can
 * print it. The sinks redact it, in every form (secret.h), whatever the
 * step puts in its record or prints: journal_append, exec's output
 * streams, utf8_add_terminal. A log a step writes itself must be
 * redacted with secret_redact() before it is written.
 */
struct step_ctx {
	const struct drill *drill;
	const struct drill_step *step;
	json_t *rec;        /* its journal record, being filled */
	json_t *state;      /* shared by the steps of one run (see below) */
	const char *bundle; /* the bundle directory */
	struct strvec *secrets;         /* secret_set(): values to redact */
	const struct strvec *secret_vars; /* variables no command inherits */
	volatile sig_atomic_t *cancel;
};
/*
 * sc->state keys: "captures": {step id: result} of sql steps (for
 * same_as); "canary": the recorded row; "server_versions": {connection:
 * version string}.
 */

/* Append one check to sc->rec's "checks". Returns ok. */
int step_check(struct step_ctx *sc, const char *what, const char *expected,
	       const char *actual, int ok);

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
 * cmd->redact is sc->secrets' array as it is now: add a step's secrets
 * to sc->secrets before this call, never after (a push may move it).
 */
void step_exec_prepare(struct step_ctx *sc, struct exec_cmd *cmd);

/*
 * For the physical-backup kinds (basebackup, recover): `name` in
 * `pg_bin` when given, else as it is (looked up on PATH).
 */
void step_pg_prog(const char *pg_bin, const char *name, struct strbuf *out);

/* A JSON string of `s` (text read from files and servers), never NULL. */
json_t *step_json_str(const char *s);

struct exec_result;
/*
 * Run `argv` as a step's process (step_exec_prepare) with `run_as` (may
 * be NULL), its messages in English (LC_ALL=C: they are parsed), both
 * streams into one log steps/NN-ID.SUFFIX recorded as rec[key] {path,
 * bytes, sha256} so verify re-hashes it; up to 4 MiB of the log read back
 * into `log`. What exec_run() returns.
 */
int step_run_logged(struct step_ctx *sc, const char *key, const char *suffix,
		    const char *const *argv, const char *run_as,
		    struct exec_result *res, struct strbuf *log,
		    struct error *err);

/* The step's parameters, as its kind's struct. */
#define STEP_PARAMS(sc, type) ((const type *)(sc)->step->params)

#endif
