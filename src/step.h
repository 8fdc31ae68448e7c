#ifndef RDRILL_STEP_H
#define RDRILL_STEP_H

#include <jansson.h>
#include <signal.h>

#include "clock.h"

struct drill;
struct drill_step;
struct drill_step_check;
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
	 * Load-time rules beyond the schema, on the step bound as the run
	 * will read it (its common fields, phase rules applied, and its
	 * params), errors at its nodes; it may decide `destructive` and
	 * `display` (drill.h: struct drill_step_check). NULL: none.
	 */
	int (*check)(struct drill_step_check *k);
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
	 * The step as one line to paste into a shell (a report whose
	 * system is left destroyed lists the restore steps left so):
	 * where and as whom, a secret by the variable that holds it, never
	 * its value. Called only for a step with display text. NULL: that
	 * text as it is.
	 */
	void (*paste)(const struct drill_step *s, struct strbuf *out);
	/*
	 * The file a passed step of this kind proved whole (the toc kind's
	 * dump), as the plan names it (variables not yet filled): the
	 * runner checks it unchanged around the later destroy and restore
	 * steps that name it, so what is restored is the file proven.
	 * NULL hook, or NULL: none.
	 */
	const char *(*proved_file)(const struct drill_step *s);
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
 * Mustache view (vs, report). A member the report has always shown as
 * recorded, whatever its JSON type (a count, a list whose items keep
 * their places), is bound SCHEMA_RAW and shown or walked as it is.
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
	/*
	 * Its checks as step_check() recorded them, in order: what the
	 * runner decides pass or fail and the failure's message from
	 * (step_checks_ok(), step_first_failed()), never reading the
	 * record back. Owned; step_ctx_release() frees them.
	 */
	struct step_checked *checks;
	size_t nchecks, alloc_checks;
};

/*
 * One check as the record holds it: each text as its JSON string
 * reads back (NULL: not valid UTF-8, so the record has no such member).
 */
struct step_checked {
	char *what, *expected, *actual;
	int ok;
};

/*
 * A step starts: its deadline from now (its timeout_s), the number and
 * id its logs are named by, no checks yet (`sc` zeroed before its first
 * begin; a later begin lets the previous step's checks go). The runner
 * calls it; so do tests that run a kind on their own, and
 * step_ctx_release() once done.
 */
void step_ctx_begin(struct step_ctx *sc, long n, const char *id,
		    long timeout_s);
void step_ctx_release(struct step_ctx *sc);

/*
 * Record one check: typed in sc->checks, and appended to sc->rec's
 * "checks" (the member made at the first check, after whatever the
 * kind had set by then: the journal's order). The one place a step's
 * check is written. An `actual` that is not valid UTF-8 (server or file
 * text) is recorded as "(not valid UTF-8)". Returns ok.
 */
int step_check(struct step_ctx *sc, const char *what, const char *expected,
	       const char *actual, int ok);
/*
 * The same, but an `actual` that is not valid UTF-8 is left out of the
 * record (the runner's checks of a picked file, as they always were).
 */
int step_check_verbatim(struct step_ctx *sc, const char *what,
			const char *expected, const char *actual, int ok);

/* 1 when every check recorded passed (a step with none passes if it ran). */
int step_checks_ok(const struct step_ctx *sc);

/* The first check that failed, or NULL. */
const struct step_checked *step_first_failed(const struct step_ctx *sc);

/*
 * What a kind said in its record that the runner acts on, read once
 * after it ran through one schema table (step.c; lenient: a member of
 * the wrong type reads as absent): its "message", its "stderr" excerpt
 * and log, a recovery's evidence.rpo_wal_ms. Texts borrowed from the
 * record ("" when absent, message NULL); nothing to release.
 */
struct step_said {
	const char *message;    /* NULL: the kind said nothing */
	int has_err;            /* "stderr" is an object: */
	const char *err_path, *err_head, *err_tail;
	int has_rpo_wal_ms;
	long long rpo_wal_ms;
};

void step_said_read(json_t *rec, struct step_said *out);

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
