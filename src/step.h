#ifndef RDRILL_STEP_H
#define RDRILL_STEP_H

#include <jansson.h>
#include <signal.h>

#include "clock.h"

struct drill;
struct drill_step;
struct error;
struct schema;
struct schema_ctx;
struct schema_field;
struct strbuf;
struct strvec;
struct ynode;
struct bkfacts;
struct runfacts;

/*
 * The step kinds: one table (step.c), one entry per file (step-*.c),
 * each a `struct step_kind`. Everything about a kind lives in its entry:
 * the keys it adds to a step and their types (the loader, drill.c, reads
 * them), its parameters' C struct, its own load-time rules, how the plan
 * describes it, how it runs, and what the report shows of it. The
 * runner, plan and report know no kind by name.
 *
 * Adding a kind: a new step-NAME.c with its entry (and its words, in
 * every report language), one line in step_kinds[] (step-table.c), a
 * partial templates/kind-NAME.<lang>.md.mustache per report language
 * (and kind-NAME-section.<lang>.md.mustache for a report section of its
 * own), a README section, and tests. See ARCHITECTURE.md.
 */
struct step_ctx;
struct step_needs;
struct preflight_report;
struct step_view;
struct words;

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
	 * Report: add kind-specific keys to the step's view (the partial
	 * kind-NAME sees them) and the report sections it feeds (the
	 * checksum kind's table of files, the toc kind's summaries). Called
	 * for every step of the kind, run or not (v->rec NULL). NULL: the
	 * description and the checks only.
	 */
	void (*view)(const struct step_view *v);
	/*
	 * What its view hook reads of its journal record (the "evidence"
	 * object, kept files like "sums_copy"), as a C struct: bound with
	 * schema_bind_lenient() before the hook is called (step_view.vr),
	 * so the hook reads typed fields, never the JSON. NULL: none.
	 */
	const struct schema *view_record;
	/*
	 * Its words: every text it emits (checks' what, expected and
	 * actual; its description; its target lines' labels) as English
	 * patterns with their translations (words.h). The report says them
	 * in its language through this table and words_common only.
	 */
	const struct words *words;
	/*
	 * A step of this kind not run (dry-run, skipped) still has a row
	 * in the summary table of checks, with its description as what it
	 * expects; 1 for kinds that have no check of their own to plan
	 * (the author's commands).
	 */
	int no_planned_check;
	/*
	 * A passed check worth a finding on page 1 (an allowed error in
	 * the output, an allowed exit code other than 0): the finding's
	 * key (templates: f_allowed_error, f_allowed_exit) and the text to
	 * find in the step's log, or NULL. NULL hook: none.
	 */
	const char *(*passed_finding)(const char *what, const char *expected,
				      const char *actual, const char **needle);
	/*
	 * The run's end, after the cleanup phase whatever happened (failure,
	 * signal): undo what its steps left behind (scratch servers, listed
	 * in `bk`), appending one object per thing to `out`. NULL: none.
	 */
	void (*finish)(const struct bkfacts *bk, json_t *out);
};

extern const struct step_kind *const step_kinds[];

/*
 * Every kind's finish hook; what they did, an array (empty when nothing
 * was left), for the end record's "scratch_cleanup".
 */
json_t *step_finish_all(const struct bkfacts *bk);

/*
 * What a kind's view hook is given: the step, its journal record bound
 * by the kind's view_record (NULL when it did not run), the step's view
 * and the report's, and the report's language. The record itself is not
 * handed on: a hook reads its typed fields, and writes JSON only to the
 * Mustache view (vs, report).
 */
struct step_view {
	const struct drill *drill;
	const struct drill_step *step;
	/*
	 * The record bound by the kind's view_record (a struct of that
	 * schema's type, read-only, valid during the call); NULL when the
	 * step did not run or the kind has no view_record.
	 */
	const void *vr;
	int has_evidence;   /* its record has "evidence", of any type (recover
			     * shows a row even for one it cannot read) */
	int ended;          /* the run has an end record */
	json_t *vs;
	json_t *report;
	int lang;           /* enum words_lang */
};

/*
 * Checks the table once: every kind has a name and selectors of its
 * own (no two kinds share a selector, so the order of step_kinds[]
 * decides nothing). BUG()s when not: a programming error.
 */
void step_kinds_check(void);

/* The kind named `name` ("command", "sql", ...), or NULL. */
const struct step_kind *step_kind_find(const char *name);

/*
 * The runner (runner.c) calls kind->run and owns timing, the journal and
 * pass/fail. A run function fills sc->rec, the step's journal record:
 *   "checks":   [{"what", "expected", "actual", "ok"}]  (step_check())
 *   "evidence": {kind-specific facts for the report; "summary", a
 *                one-line verdict of its own, is listed on page 1,
 *                said through the kind's words}
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
	/*
	 * What steps tell later steps of one run, typed: the evidence
	 * kinds' (sql captures, the canary row, fingerprints, server
	 * versions: runfacts.h), the physical-backup kinds' (bkfacts.h).
	 */
	struct runfacts *facts;
	struct bkfacts *bkfacts;
	const char *bundle; /* the bundle directory */
	struct strvec *secrets;         /* secret_set(): values to redact */
	const struct strvec *secret_vars; /* variables no command inherits */
	volatile sig_atomic_t *cancel;
	/*
	 * The step's timeout_s from when it started (the runner sets it):
	 * what its processes (step_exec_prepare), queries
	 * (pg_deadline_from), hashing, fingerprint and waiting all stop at.
	 */
	struct deadline deadline;
	long n;             /* the step's number and id, for its logs' names */
	const char *id;
};

/*
 * A step starts: its deadline from now (its timeout_s), the number and
 * id its logs are named by. The runner calls it; so do tests that run a
 * kind on their own.
 */
void step_ctx_begin(struct step_ctx *sc, long n, const char *id,
		    long timeout_s);
/* Append one check to sc->rec's "checks". Returns ok. */
int step_check(struct step_ctx *sc, const char *what, const char *expected,
	       const char *actual, int ok);

/*
 * Path of a step's log file in the bundle, relative ("steps/07-pg-dump.out")
 * and absolute; the steps/ directory exists when the runner calls a step.
 */
void step_log_path(struct step_ctx *sc, const char *suffix,
		   struct strbuf *rel, struct strbuf *abs);

/*
 * Keep `text` (redacted here) in the bundle as the step's file
 * steps/NN-ID.SUFFIX and name it in the step's record under `key`
 * ({path, bytes, sha256}: verify re-hashes every such member); a write
 * that fails is said under "KEY_error" instead, and the step goes on.
 */
void step_keep_file(struct step_ctx *sc, const char *suffix, const char *key,
		    struct strbuf *text);

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
