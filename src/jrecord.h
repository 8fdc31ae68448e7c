#ifndef RDRILL_JRECORD_H
#define RDRILL_JRECORD_H

#include <jansson.h>
#include <stddef.h>

#include "strbuf.h"

struct drill;
struct error;
struct journal_stat;

/*
 * The journal as render and verify take it: read once (journal_walk(),
 * the chain checked as it goes), each record turned into what they need
 * and the parsed step records let go. A step record is kept as its
 * header (n, status, whether it was resumed) and where its line is in
 * the file with the line's SHA-256: the line is read again and parsed
 * only while the report views that one step; the few other records
 * (start, preflight, backup, destroy, end) stay parsed, in order. The
 * logs each record names by hash are collected as the journal is read,
 * for verify. So a journal of 10,000 steps takes about a hundred bytes
 * a step in memory, neither its own bytes nor ten times that as parsed
 * JSON.
 *
 * JSON stays at the edges: the start record's plan is the drill's body
 * (drill_from_body), a step's evidence is its kind's (step.h's view
 * hook takes the record), and restored.h reads a records array.
 */

/*
 * A step record's header; the rest is its line, read again from the
 * journal (jrecords.fd) when the report views the step, and taken only
 * if its SHA-256 is still the one the walk saw (and chained).
 */
struct jrecord_step {
	long long n;            /* its "n" (0 when not a number) */
	char *status;           /* its "status", "" when none */
	int resumed;            /* done in the run `rdrill restore` finished */
	size_t index;           /* 0-based: which record of the journal */
	unsigned long long off; /* its line's place in the journal file */
	size_t len;             /* and length, without the newline */
	unsigned char sha256[32]; /* of the line, as the walk read it */
	json_t *rec;            /* the record, when given parsed (not read) */
};

/* A file a record names with its hash: {"path", "sha256"} at `key`. */
struct jrecord_log {
	char *key, *path, *sha256;
	size_t record;          /* 0-based: which record names it */
};

struct jrecords;
struct journal_line;

/* Texts kept in blocks that never move (struct jrecords' logs, steps). */
struct jrecord_block {
	struct jrecord_block *next;
	size_t used, size;
	char text[];
};

/*
 * What sees each record as the walk reads it (report.h's one pass):
 * `each` gets the line with its record parsed (l->rec, alive only
 * during the call), after jr took what it keeps of it (for a step
 * record, `step` is 1 and jr->step[jr->nsteps - 1] is its header).
 * jrecords_release() calls `release` on ctx.
 */
struct jrecords_viewer {
	void (*each)(void *ctx, const struct jrecords *jr,
		     const struct journal_line *l, int step);
	void (*release)(void *ctx);
	void *ctx;
};

struct jrecords {
	json_t *start;          /* the first record (its plan put back) */
	json_t *preflight;      /* the first preflight record, or NULL */
	json_t *end;            /* the first end record, or NULL */
	json_t *others;         /* every record but the steps', in order */
	size_t *other_index;    /* which record of the journal each is */
	size_t alloc_others;
	struct jrecord_step *step;   /* the step records, in order */
	size_t nsteps, alloc_steps;
	struct jrecord_log *log;
	size_t nlogs, alloc_logs;
	/*
	 * The logs' and the step headers' texts: 20,000 logs' names and
	 * hashes back to back rather than 60,000 allocations of their own.
	 */
	struct jrecord_block *log_text, *step_text;
	int fd;                 /* the journal, open to read step lines again */
	size_t nrecords;        /* every whole record */
	int last_is_end;        /* the last record is an end record */
	/*
	 * A plan named by hash read a step at a time (planread.h): the
	 * drill, bound as plan.json was read (start's "plan" then has no
	 * steps); whether plan.json is the canonical dump of the plan, and
	 * then the plan hash of its body. NULL: the start record holds its
	 * plan whole (inline, or plan.json parsed whole).
	 */
	struct drill *drill;
	int plan_canonical;
	char plan_body_hash[65];
	char *path;             /* the journal's, as jrecords_read() got it */
	struct jrecords_viewer viewer;  /* set before jrecords_read(), or none */
};

void jrecords_init(struct jrecords *jr);
void jrecords_release(struct jrecords *jr);
/* The logs let go once verify checked them (a render needs none). */
void jrecords_drop_logs(struct jrecords *jr);

/*
 * Read `path` once (journal_walk(): `flags`, `torn` and `js` as there)
 * into `jr` (initialised). -1 with err as journal_walk() fails.
 */
int jrecords_read(struct jrecords *jr, const char *path, unsigned flags,
		  int *torn, struct journal_stat *js, struct error *err);

/*
 * The drill of a lean read (jr->drill set) made from the whole plan
 * again: plan.json beside the journal, its SHA-256 checked against the
 * start record's, parsed whole (what restored.h's pasteable commands
 * read: each step's JSON and the plan body). NULL + err.
 */
struct drill *jrecords_drill_whole(const struct jrecords *jr,
				   struct error *err);

/* `records` (journal_read()'s array) as jrecords; held, not copied. */
void jrecords_from_array(struct jrecords *jr, json_t *records);

/*
 * Step record `i` (jr->step[i]) parsed: a new reference, NULL + err (also
 * when its line is no longer the one the walk read).
 */
json_t *jrecords_step_record(const struct jrecords *jr, size_t i,
			     struct error *err);

/*
 * The last whole line of the journal (a torn tail after it left out),
 * read from the end of the file and parsed within a record's budget,
 * with where it starts and its SHA-256 (hex): the record the walk will
 * end on, known before it does. NULL when there is none or it is not a
 * record (too long, too deep, not an object).
 */
json_t *jrecords_tail(const struct jrecords *jr, unsigned long long *off,
		      char hash[65]);

/* The last record parsed (a new reference), NULL when there is none. */
json_t *jrecords_last(const struct jrecords *jr, struct error *err);

/*
 * Every record in journal order, a step's only as {type, n, status} and
 * only the first of each n from 1 to `nsteps` (the plan's steps; no
 * reader looks at another): what restored.h reads of a journal (a new
 * array, no bigger than the plan and the few other records).
 */
json_t *jrecords_outline(const struct jrecords *jr, size_t nsteps);

/*
 * What the report reads of a record with a result (a step's; the
 * preflight and end records for their checks and where they are), typed
 * once, here: the strings are the record's ("" when absent or not
 * text) and live as long as it does. A step's evidence stays JSON: it
 * is its kind's to read (step.h's view hook).
 */
struct jrecord_stream {         /* {"path", "bytes", "head", "tail"} */
	int present;            /* the record has it */
	const char *path, *head, *tail;
	unsigned long long bytes;
};

struct jrecord_check {          /* {"what", "expected", "actual", "ok"} */
	const char *what, *expected, *actual;
	int ok;
};

struct jrecord_result {
	const char *status, *started, *ended, *message;
	int has_seq;            /* "seq" is a number: */
	long long seq;          /* its line is seq + 1 */
	long long duration_ms;
	json_t *exit_code;      /* as recorded (any JSON), NULL: none */
	int timed_out, resumed;
	struct jrecord_stream out, err;   /* "stdout", "stderr" */
	struct jrecord_check *checks;
	size_t nchecks;
	json_t *evidence;       /* its kind's, NULL: none */
};

/* `rec` (may be NULL: all empty) read into `r`; jrecord_result_release. */
void jrecord_result_read(json_t *rec, struct jrecord_result *r);
void jrecord_result_release(struct jrecord_result *r);

/*
 * The start record as the report reads it, typed once (same rules as
 * jrecord_result: strings borrowed from the record, "" when absent or
 * not text; a member of the wrong type reads as absent). Its plan's
 * body stays JSON: it is the drill's to read (drill_from_body).
 */
struct jrecord_env {            /* context.environment */
	int present;            /* an object */
	const char *hostname, *os, *kernel, *libpq, *openssl, *libyaml,
		*jansson, *uid, *user, *sudo_user, *tz, *zone,
		*ntp_synchronised;
};

/* Each member of jrecord_env by its key, in the report's order. */
struct jrecord_env_key {
	const char *key;
	size_t off;             /* offsetof(struct jrecord_env, ...) */
};
extern const struct jrecord_env_key jrecord_env_keys[]; /* {NULL}-ended */

struct jrecord_rolled {         /* an approval's rolled_forward entry */
	const char *name, *from, *to;
};

struct jrecord_approval {       /* context.approval */
	const char *plan_bundle, *approver, *approver_key, *sealed_at,
		*valid_until;
	struct jrecord_rolled *rolled;
	size_t nrolled;
};

struct jrecord_var {            /* context.vars_given, in order */
	const char *name;
	const char *value;      /* NULL: not text */
};

struct jrecord_resumes {        /* context.resumes */
	int present;            /* an object */
	const char *bundle, *chain_head, *destroyed;
};

struct jrecord_previous {       /* context.previous */
	int present;            /* an object */
	int has_rto, has_rpo;   /* rto_ms, rpo_ms: integers >= 0 */
	long long rto_ms, rpo_ms;
	const char *status, *bundle, *started;
};

struct jrecord_start {
	const char *time, *mode;  /* mode: "plan" for a plan bundle */
	json_t *plan;           /* "plan" as recorded (any JSON), NULL: none */
	json_t *body;           /* plan.plan, NULL: none */
	const char *operator, *rdrill_version, *plan_hash;
	const char *drill_path, *drill_sha256;    /* plan.drill_file */
	const char *bundle, *signing_key, *change_ref, *confirm,
		*approved_plan;                   /* context's */
	struct jrecord_env env;
	struct jrecord_approval approval;
	struct jrecord_var *vars;
	size_t nvars;
	struct jrecord_resumes resumes;
	struct jrecord_previous previous;
	int killed_before_start;  /* context has it (seal.c's mark) */
};

/* `rec` (may be NULL: all empty) read into `s`; jrecord_start_release. */
void jrecord_start_read(json_t *rec, struct jrecord_start *s);
void jrecord_start_release(struct jrecord_start *s);

/* The text members of a "findings" array, in order (others skipped). */
struct jrecord_findings {
	const char **v;
	size_t n;
};

struct jrecord_fresh {          /* an end record's freshness row */
	const char *table, *column, *coherence;
	const char *before, *after;     /* NULL: not text */
	int has_lost;           /* "lost_ms" is there (any JSON) */
	int lost_is_int;        /* and an integer: */
	long long lost_ms;
	long long backup_made_ms, before_ms, after_ms;  /* 0: not integers */
};

/* The end record's run-wide figures (its checks: jrecord_result). */
struct jrecord_end {
	int present;            /* there is an end record */
	const char *time, *reason;
	int has_rto, has_rpo;   /* rto_ms, rpo_ms: integers */
	long long rto_ms, rpo_ms;
	const char *rpo_path, *rpo_created, *rpo_disaster, *rpo_unmeasured,
		*rpo_clock, *rpo_source;
	int rpo_doubtful;
	struct jrecord_findings findings;
	struct jrecord_fresh *fresh;
	size_t nfresh;
};

/* `rec` (may be NULL: not present) read into `e`; jrecord_end_release. */
void jrecord_end_read(json_t *rec, struct jrecord_end *e);
void jrecord_end_release(struct jrecord_end *e);

/* A scheduled backup item's pick (a "backup" record). */
struct jrecord_backup {
	const char *item, *rule, *chosen, *created, *problem, *clock;
	long long ncandidates;  /* candidates_total, else candidates' size */
	int fell_back;
	struct jrecord_findings findings;
};

/*
 * 1 and `b` filled (jrecord_backup_release) when `rec` is a backup
 * record; 0 and `b` empty when not.
 */
int jrecord_backup_read(json_t *rec, struct jrecord_backup *b);
void jrecord_backup_release(struct jrecord_backup *b);

/* The destroy record: when the run destroyed its system. */
struct jrecord_destroy {
	json_t *n;              /* the step's "n" as recorded, NULL: none */
	const char *id, *time;
};

/* 1 and `x` filled when `rec` is a destroy record; 0 and `x` empty. */
int jrecord_destroy_read(json_t *rec, struct jrecord_destroy *x);

#endif
