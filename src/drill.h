#ifndef RDRILL_DRILL_H
#define RDRILL_DRILL_H

#include <jansson.h>
#include <time.h>

#include "schema.h"

struct deferred;
struct error;
struct expand_picks;
struct step_kind;
struct strbuf;

/*
 * The drill model: a drill file loaded, validated and expanded for one
 * run, as typed C structs. Everything after the loader reads fields,
 * never string keys.
 *
 *   drill file (YAML) --drill_load--> plan body (JSON) --bind--> struct drill
 *                                     journal/plan.json --drill_from_body--^
 *
 * The schema tables (drill.c for the drill, step-*.c for each step
 * kind's parameters) are the one description of the format: every key,
 * its type, whether it is required, how ${vars} in it are quoted, and
 * which struct member it fills. Unknown keys, wrong types, duplicates,
 * missing fields, undefined variables and dangling references are errors
 * at their line and column.
 *
 * The plan body JSON is kept (d->body): it is the form the plan hash
 * covers and the journal records, so a bundle rebuilds the same model.
 * Strings in the structs point into it and live as long as the drill.
 * A lean drill (render and verify of a plan named by hash, planread.h)
 * keeps only the body without its steps: each step's texts are copied
 * as it is bound and its JSON let go.
 */

enum drill_phase {
	DRILL_PREFLIGHT,
	DRILL_BACKUP,
	DRILL_VERIFY_BACKUP,
	DRILL_DESTROY,
	DRILL_RESTORE,
	DRILL_VERIFY_RESTORE,
	DRILL_CLEANUP,
	DRILL_NPHASES
};

/* The phases' names, in the order they run, NULL-terminated. */
extern const char *const drill_phases[];

struct drill_control {
	const char *id, *title;
};

struct drill_targets {
	struct schema_int rto_s, rpo_s;
};

struct drill_storage {
	const char *path;
	struct strvec rules;
};

struct drill_conn {
	const char *name;
	const char *host;
	struct schema_int port;
	const char *dbname, *user;
	const char *password_env, *password_file;
	const char *sslmode;
	struct schema_int connect_timeout_s;
};

/*
 * A host that command steps can run on over SSH (`host:` in the step;
 * ssh.h): who to log in as, where, the key, and the known_hosts file
 * that pins its host key.
 */
struct drill_ssh_host {
	const char *name;
	const char *user, *host;
	struct schema_int port;
	const char *identity_file, *known_hosts;
};

struct drill_item {
	const char *id, *title;
	struct schema_int tier;
	const char *kind;
	struct strvec source;
	const char *artifact, *method, *container, *database, *owner, *role,
		   *evidence, *why;
	/*
	 * A backup a schedule made, instead of `artifact`: a glob or a
	 * directory of dated backups; the newest by its own creation time is
	 * picked when the run starts (backup.h) and is ${backup.ID.path}.
	 */
	const char *scheduled;
	const char *on_damaged;  /* "fail" (default) or "use_older" */
	const char *timezone;    /* the dumping host's zone; NULL: rdrill's */
	/*
	 * A backup is never overwritten: a run whose backup phase would
	 * write an artifact that exists is refused in preflight, unless
	 * the item says overwrite: true (a finding in the report).
	 */
	int overwrite;
};

/* A freshness check: the newest value of table.column, before and after. */
struct drill_freshness {
	const char *connection, *table, *column;
	const char *unit;        /* "timestamp", "epoch_ms", "epoch_s" */
};

struct drill_canary {
	const char *connection, *table;
	struct schema_kv key;
	struct strvec columns;
	const char *description;
};

struct drill_step {
	long n;                 /* 1.. in run order */
	const char *id, *title, *note;
	enum drill_phase phase;
	int destructive;
	long timeout_s;
	/*
	 * when: run only if this phase started, or if step when_step ended
	 * when_status (passed, failed, ran); all NULL: always.
	 */
	const char *when_phase;
	const char *when_step, *when_status;
	const char *display;    /* command steps: the command line shown */
	const struct step_kind *kind;
	void *params;           /* the kind's own struct (kind->params) */
	json_t *json;           /* this step in the plan body */
	/*
	 * Its texts that hold a scheduled: item's placeholder, as typed
	 * references (deferred.h); NULL: none. drill_bind_picks().
	 */
	struct deferred *deferred;
};

/*
 * What a step kind's load-time rules (step_kind.check) are given: the
 * step bound as the run will read it, from the plan body the loader is
 * making (its common fields, phase, kind, when, timeout and the kind's
 * params; `n` is 0, the steps are numbered after), and where it stands
 * in the file for errors (schema_error_at(k->c, ynode_get(k->node,
 * KEY), ...): the value of KEY, as the loader's own errors). The kind
 * decides what only it knows, and the loader writes it into the plan
 * body: whether the step destroys (`destructive`, as the phase rules
 * left it until the kind says otherwise: an in-place recovery does, a
 * fingerprint only reads) and the command line shown (`display`,
 * empty: none).
 */
struct drill_step_check {
	struct schema_ctx *c;
	const struct ynode *node;       /* the step's mapping */
	const struct drill_step *step;
	int destructive;
	struct strbuf *display;
};

struct drill_texts;

struct drill {
	json_t *body;           /* the plan body (owned reference); a lean
				 * drill's has no "steps" */
	struct drill_texts *texts; /* a lean drill's texts (its own copies) */
	char sha256[65];        /* of the drill file's bytes; "" from a body */
	struct schema_int format;
	const char *id, *title, *system, *environment, *objective,
		   *declaration, *owner, *operator, *approver, *change_ref,
		   *language;
	const char *evidence_group; /* may read the bundle; NULL: private */
	struct schema_int cadence_s; /* how often it must pass (history) */
	struct drill_targets *targets;
	struct drill_control *controls;
	size_t ncontrols;
	struct schema_kv vars;  /* the variables the plan depends on */
	struct drill_conn *conns;
	size_t nconns;
	struct drill_ssh_host *ssh_hosts;
	size_t nssh_hosts;
	struct drill_storage *backup_dir;
	struct drill_item *items;
	size_t nitems;
	struct drill_canary *canary;
	struct drill_freshness *freshness;
	size_t nfreshness;
	struct drill_step *steps;
	size_t nsteps, alloc_steps;
};

struct drill_opts {
	json_t *overrides;  /* object: --var name -> value (literal), or NULL */
	time_t now;         /* the run's start: ${date}, ${date_iso}, ${time} */
};

/*
 * Load a drill file. NULL with err set to "file:line:col: what is wrong"
 * and a caret in err->detail.
 */
struct drill *drill_load(const char *path, const struct drill_opts *opts,
			 struct error *err);

/*
 * The model of a plan body (a reference is taken), as plan.json and the
 * journal hold it. The body may be hostile: NULL + err on anything that
 * does not fit the schema.
 */
struct drill *drill_from_body(json_t *body, struct error *err);

/*
 * A lean drill: bound a step at a time as plan.json is read
 * (planread.h), for render and verify. Each step's texts are copied and
 * its JSON let go (its `json` is NULL); d->body is the plan body without
 * its steps. drill_lean_add_step() binds step d->nsteps + 1 from `js`
 * (not kept); drill_lean_finish() binds the
 * rest from `body` (a reference is taken). -1: not bound; the caller
 * makes the drill with drill_from_body() from the whole plan instead,
 * whose message then says why.
 */
struct drill *drill_lean_new(void);
int drill_lean_add_step(struct drill *d, json_t *js);
int drill_lean_finish(struct drill *d, json_t *body);

void drill_free(struct drill *d);

const struct drill_conn *drill_conn(const struct drill *d, const char *name);
const struct drill_ssh_host *drill_ssh_host(const struct drill *d,
					    const char *name);
const struct drill_step *drill_step_by_n(const struct drill *d, long n);
const struct drill_item *drill_item(const struct drill *d, const char *id);
/* How many backup_set items are scheduled: (picked when the run starts). */
size_t drill_nscheduled(const struct drill *d);
/*
 * The files picked for scheduled: items (expand.h) put into every step
 * text that names one, quoted as its placeholder says: the steps, their
 * descriptions and their kinds' parameters read the files from here on.
 * The plan body keeps its placeholders. 0, or -1 with `missing` set to
 * an item a step names and `picks` has no file for (nothing changed).
 * drill_unbind_picks() puts the plan's texts back.
 */
int drill_bind_picks(struct drill *d, const struct expand_picks *picks,
		     struct strbuf *missing);
void drill_unbind_picks(struct drill *d);
/* Whether step `s` names item `item`'s file (${backup.ID.path}). */
int drill_step_reads(const struct drill_step *s, const char *item);
/* Whether one of step `s`'s texts, as bound now, contains `text`. */
int drill_step_mentions(const struct drill_step *s, const char *text);
/* The index of a phase name, or -1. */
int drill_phase_index(const char *name);

#endif
