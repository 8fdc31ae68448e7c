/*
 * One run bundle, typed, for history, fleet, push and the plan (runsum.h).
 */
#include "runsum.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "restored.h"
#include "schema.h"
#include "schema-table.h"
#include "seal.h"
#include "signoff.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The parts' keys, in the evidence's "rto" and in history.json. */
#define KEY_WAL_PROOF "wal_proof_ms"
#define KEY_RESTORE_FILES "restore_files_ms"
#define KEY_REPLAY_WAL "replay_wal_ms"
#define KEY_PROMOTE "promote_ms"
static const char *const part_key[RUNSUM_NPARTS] = {
	[RUNSUM_WAL_PROOF] = KEY_WAL_PROOF,
	[RUNSUM_RESTORE_FILES] = KEY_RESTORE_FILES,
	[RUNSUM_REPLAY_WAL] = KEY_REPLAY_WAL,
	[RUNSUM_PROMOTE] = KEY_PROMOTE,
};

void runsum_init(struct run_summary *s)
{
	size_t k;

	memset(s, 0, sizeof(*s));
	s->cadence_s = RUNSUM_DEFAULT_CADENCE_S;
	s->rto_ms = s->rpo_ms = s->duration_ms = -1;
	s->pitr.rpo_wal_ms = s->pitr.recovery_ms = -1;
	for (k = 0; k < RUNSUM_NPARTS; k++)
		s->pitr.part_ms[k] = -1;
}

void runsum_release(struct run_summary *s)
{
	char **str[] = { &s->bundle, &s->id, &s->environment, &s->title,
		&s->started, &s->status, &s->reason, &s->resumes,
		&s->rpo_source, &s->pitr.rpo_kind, &s->state, &s->problem,
		&s->signed_key };
	size_t k;

	for (k = 0; k < sizeof(str) / sizeof(*str); k++)
		free(*str[k]);
	runsum_init(s);
}

/* `*dst` := a copy of `src` (NULL: ""). */
static void set(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src ? src : "");
}

/*
 * What runsum reads of a record, of a step's evidence and of history.json
 * is declared here as schema tables and bound leniently (a member of the
 * wrong type reads as absent, never refused): schema.h.
 */

/* Bound, absent text "" (but OPT's, NULL), released by the caller. */
static void bind(const struct schema *sc, json_t *obj, void *out)
{
	memset(out, 0, sc->size);
	schema_bind_lenient(sc, obj, out);
	schema_empty_text(sc, out);
}

/* A set integer, else `def`. */
static long long int_or(const struct schema_int *v, long long def)
{
	return v->set ? v->v : def;
}

/* Whose run it is: the plan body's (or history.json's "plan"). */
struct plan_head {
	const char *id, *environment, *title;
	struct schema_int cadence_s;
};
static const struct schema_field plan_head_fields[] = {
	OPT(struct plan_head, "id", id),
	OPT(struct plan_head, "environment", environment),
	OPT(struct plan_head, "title", title),
	INT(struct plan_head, "cadence_s", cadence_s),
	{ 0 }
};
SCHEMA_OF(struct plan_head, plan_head_schema, plan_head_fields);

static void set_plan(struct run_summary *s, json_t *plan)
{
	struct plan_head h;

	bind(&plan_head_schema, plan, &h);
	set(&s->id, h.id);
	set(&s->environment, h.environment);
	set(&s->title, h.title);
	s->cadence_s = int_or(&h.cadence_s, RUNSUM_DEFAULT_CADENCE_S);
}

/* A record's type, to find the last end record. */
struct rec_type {
	const char *type;
};
static const struct schema_field rec_type_fields[] = {
	TXT(struct rec_type, "type", type),
	{ 0 }
};
SCHEMA_OF(struct rec_type, rec_type_schema, rec_type_fields);

/* A recover step's record: its kind, its evidence's RPO and RTO parts. */
struct pitr_step {
	json_t *evidence;
};
static const struct schema_field pitr_step_fields[] = {
	RAW(struct pitr_step, "evidence", evidence),
	{ 0 }
};
SCHEMA_OF(struct pitr_step, pitr_step_schema, pitr_step_fields);

/*
 * "pitr": the evidence's (rto an object of the parts) or history.json's
 * (the parts and recovery_ms beside the RPO).
 */
struct pitr_wire {
	struct schema_int rpo_wal_ms, recovery_ms, part[RUNSUM_NPARTS];
	const char *rpo_kind;
	json_t *rto;
};
static const struct schema_field pitr_fields[] = {
	INT(struct pitr_wire, "rpo_wal_ms", rpo_wal_ms),
	OPT(struct pitr_wire, "rpo_kind", rpo_kind),
	RAW(struct pitr_wire, "rto", rto),
	INT(struct pitr_wire, KEY_WAL_PROOF, part[RUNSUM_WAL_PROOF]),
	INT(struct pitr_wire, KEY_RESTORE_FILES, part[RUNSUM_RESTORE_FILES]),
	INT(struct pitr_wire, KEY_REPLAY_WAL, part[RUNSUM_REPLAY_WAL]),
	INT(struct pitr_wire, KEY_PROMOTE, part[RUNSUM_PROMOTE]),
	INT(struct pitr_wire, "recovery_ms", recovery_ms),
	{ 0 }
};
SCHEMA_OF(struct pitr_wire, pitr_schema, pitr_fields);

/* ---- reading a bundle --------------------------------------------------- */

/*
 * The journal, read once and unverified (seal_check() verifies); a
 * journal killed before its start record stands in as plan.json says
 * (seal_records()). -1 when neither can be read.
 */
static int read_journal(struct jrecords *jr, const char *dir)
{
	struct error e = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	json_t *recs;
	int torn = 0, ret;

	strbuf_addf(&path, "%s/journal.jsonl", dir);
	ret = jrecords_read(jr, path.buf, JOURNAL_WALK_EMPTY_OK, &torn, NULL, &e);
	strbuf_release(&path);
	if (!ret && !jr->nrecords) {
		recs = seal_records(dir, &torn, &e);
		if (recs)
			jrecords_from_array(jr, recs);
		else
			ret = -1;
		json_decref(recs);
	}
	error_release(&e);
	return ret;
}

/* The start record's plan: whose run it is, 1 for a plan bundle. */
static int read_plan(struct run_summary *s, json_t *start)
{
	struct jrecord_start st;

	jrecord_start_read(start, &st);
	set_plan(s, st.body);
	set(&s->started, st.time);
	s->plan_bundle = !strcmp(st.mode, "plan");
	jrecord_start_release(&st);
	return s->plan_bundle;
}

/* The last end record (NULL: none). */
static json_t *last_end(const struct jrecords *jr)
{
	json_t *r, *end = NULL;
	struct rec_type t;
	size_t i;

	json_array_foreach(jr->others, i, r) {
		bind(&rec_type_schema, r, &t);
		if (!strcmp(t.type, "end"))
			end = r;
	}
	return end;
}

/* PLANNED, INCOMPLETE, NOT RESTORED or the end record's (restored.h). */
static void read_verdict(struct run_summary *s, const struct jrecords *jr)
{
	struct error e = ERROR_INIT;
	struct drill *own = NULL;
	const struct drill *d = jr->drill;
	json_t *outline;

	/*
	 * A plan named by hash was bound as it was read (the start record's
	 * plan then has no steps to bind again): without that drill a
	 * destroyed run would read INCOMPLETE, not NOT RESTORED.
	 */
	if (!d) {
		struct jrecord_start st;

		jrecord_start_read(jr->start, &st);
		d = own = drill_from_body(st.body, &e);
		jrecord_start_release(&st);
	}
	outline = jrecords_outline(jr, d ? d->nsteps : 0);
	set(&s->status, restored_verdict(outline, d));
	json_decref(outline);
	drill_free(own);
	error_release(&e);
}

/*
 * A point-in-time recovery's own figures (issue 26), from the first
 * recover step: the RPO from WAL and which one it is (the archive's lag,
 * or the distance to the chosen target), and the RTO parts, whose sum is
 * also the RTO of a drill without a destroy phase.
 */
static int read_pitr(struct runsum_pitr *p, json_t *rec)
{
	struct pitr_step st;
	struct pitr_wire ev, rto;
	size_t k;

	bind(&pitr_step_schema, rec, &st);
	bind(&pitr_schema, st.evidence, &ev);
	/* Only a recover step's evidence has an "rto" object. */
	if (!json_is_object(ev.rto))
		return 0;
	bind(&pitr_schema, ev.rto, &rto);
	p->present = 1;
	if (int_or(&ev.rpo_wal_ms, -1) >= 0) {
		p->rpo_wal_ms = ev.rpo_wal_ms.v;
		set(&p->rpo_kind, ev.rpo_kind);
	}
	p->recovery_ms = 0;
	for (k = 0; k < RUNSUM_NPARTS; k++)
		if ((p->part_ms[k] = int_or(&rto.part[k], -1)) >= 0)
			p->recovery_ms += p->part_ms[k];
	return 1;
}

static void read_steps(struct run_summary *s, const struct jrecords *jr)
{
	struct error e = ERROR_INIT;
	size_t i;
	int done = 0;

	for (i = 0; i < jr->nsteps && !done; i++) {
		json_t *rec = jrecords_step_record(jr, i, &e);

		done = rec && read_pitr(&s->pitr, rec);
		json_decref(rec);
		error_release(&e);
	}
	error_release(&e);
}

/* What the end record says: the verdict's reason, RTO, RPO, duration. */
static void read_end(struct run_summary *s, const struct jrecords *jr)
{
	struct jrecord_start st;
	struct jrecord_end end;
	long long t0 = clock_parse_utc_ms(s->started), t1;

	jrecord_start_read(jr->start, &st);
	jrecord_end_read(last_end(jr), &end);
	t1 = clock_parse_utc_ms(end.time);
	read_verdict(s, jr);
	/* A REFUSED run says why the gate stopped it (listed apart). */
	if (!strcmp(s->status, "REFUSED"))
		set(&s->reason, end.reason);
	/* `rdrill restore`'s bundle names the one it restores. */
	set(&s->resumes, st.resumes.bundle);
	s->rto_ms = end.has_rto ? end.rto_ms : -1;
	/*
	 * A drill that made its own backup measured nothing about the
	 * backup schedule (issue 15): no RPO figure, here or in metrics.
	 */
	set(&s->rpo_source, end.rpo_source);
	s->rpo_ms = strcmp(s->rpo_source, "own_backup") && end.has_rpo ?
		    end.rpo_ms : -1;
	s->duration_ms = end.present && t0 >= 0 && t1 >= 0 ? t1 - t0 : -1;
	jrecord_end_release(&end);
	jrecord_start_release(&st);
}

/* Whether the evidence holds: `rdrill verify`'s checks and sign-offs. */
static void read_evidence(struct run_summary *s, const char *dir)
{
	struct error e = ERROR_INIT;
	struct seal_check c;

	seal_check_init(&c);
	if (seal_check(dir, NULL, NULL, &c, &e) < 0)
		strvec_pushf(&c.problems, "%s", e.msg.buf);
	s->signoffs = signoff_check(dir, strcmp(c.lang, "default") && *c.lang ?
				    c.lang : NULL, &c);
	set(&s->state, c.problems.nr ? (c.sealed ? "tampered" : "unsealed") :
	    !strcmp(c.state, SEAL_CUT_SHORT) ? "cut-short" : "verified");
	if (c.problems.nr)
		set(&s->problem, c.problems.v[0]);
	set(&s->signed_key, c.key);
	seal_check_release(&c);
	error_release(&e);
}

static void set_empty(struct run_summary *s)
{
	char **str[] = { &s->id, &s->environment, &s->title, &s->started,
		&s->resumes, &s->rpo_source, &s->signed_key };
	size_t k;

	for (k = 0; k < sizeof(str) / sizeof(*str); k++)
		if (!*str[k])
			set(str[k], "");
}

int runsum_read(struct run_summary *s, const char *dir)
{
	struct jrecords jr;
	int readable;

	jrecords_init(&jr);
	set(&s->bundle, dir);
	readable = read_journal(&jr, dir) == 0;
	if (readable && read_plan(s, jr.start)) {
		jrecords_release(&jr);
		return 1;
	}
	set_empty(s);
	if (readable) {
		read_end(s, &jr);
		read_steps(s, &jr);
	} else {
		set(&s->status, "UNREADABLE");
	}
	jrecords_release(&jr);
	read_evidence(s, dir);
	return 0;
}

int runsum_read_start(struct run_summary *s, const char *dir)
{
	struct error e = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	struct jrecords jr;
	int ret;

	jrecords_init(&jr);
	set(&s->bundle, dir);
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	ret = jrecords_read(&jr, path.buf, 0, NULL, NULL, &e);
	if (!ret)
		ret = read_plan(s, jr.start);
	set_empty(s);
	jrecords_release(&jr);
	strbuf_release(&path);
	error_release(&e);
	return ret;
}

/* ---- the edges: history.json's run, the index entry --------------------- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *pitr_json(const struct runsum_pitr *p)
{
	json_t *o = json_object();
	size_t k;

	if (p->rpo_wal_ms >= 0) {
		json_object_set_new(o, "rpo_wal_ms", json_integer(p->rpo_wal_ms));
		json_object_set_new(o, "rpo_kind", json_string(p->rpo_kind ?
							      p->rpo_kind : ""));
	}
	for (k = 0; k < RUNSUM_NPARTS; k++)
		if (p->part_ms[k] >= 0)
			json_object_set_new(o, part_key[k],
					    json_integer(p->part_ms[k]));
	json_object_set_new(o, "recovery_ms", json_integer(p->recovery_ms));
	return o;
}

json_t *runsum_run_json(const struct run_summary *s, const char *signer)
{
	json_t *run = json_object();

	/* history.json's order, key for key (history.h). */
	json_object_set_new(run, "bundle", json_string(s->bundle));
	json_object_set_new(run, "signoffs", json_integer(s->signoffs));
	json_object_set_new(run, "state", json_string(s->state));
	json_object_set_new(run, "problem", str_or_null(s->problem));
	json_object_set_new(run, "started", json_string(s->started));
	json_object_set_new(run, "status", json_string(s->status));
	if (s->reason)
		json_object_set_new(run, "reason", json_string(s->reason));
	json_object_set_new(run, "resumes", json_string(s->resumes));
	json_object_set_new(run, "rto_ms", json_integer(s->rto_ms));
	json_object_set_new(run, "rpo_source", json_string(s->rpo_source));
	json_object_set_new(run, "rpo_ms", json_integer(s->rpo_ms));
	if (s->pitr.present)
		json_object_set_new(run, "pitr", pitr_json(&s->pitr));
	json_object_set_new(run, "signed_key", *s->signed_key ?
			    json_string(s->signed_key) : json_null());
	json_object_set_new(run, "signer", json_string(signer));
	return run;
}

json_t *runsum_plan_json(const struct run_summary *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "environment", json_string(s->environment));
	json_object_set_new(o, "title", json_string(s->title));
	json_object_set_new(o, "cadence_s", json_integer(s->cadence_s));
	return o;
}

json_t *runsum_entry(const struct run_summary *s, const char *signer,
		     int whole)
{
	json_t *e = json_object();

	if (s->plan_bundle) {
		json_object_set_new(e, "plan_bundle", json_true());
	} else if (whole) {
		json_object_set_new(e, "run", runsum_run_json(s, signer));
		json_object_set_new(e, "plan", runsum_plan_json(s));
		json_object_set_new(e, "duration_ms",
				    json_integer(s->duration_ms));
	} else {
		json_object_set_new(e, "plan", runsum_plan_json(s));
		json_object_set_new(e, "started", json_string(s->started));
	}
	return e;
}

/* history.json's run (runsum_run_json()) as read back. */
struct run_wire {
	const char *bundle, *state, *problem, *started, *status, *reason,
		*resumes, *rpo_source, *signed_key;
	struct schema_int cadence_s, signoffs, rto_ms, rpo_ms;
	json_t *pitr;
};
static const struct schema_field run_fields[] = {
	OPT(struct run_wire, "bundle", bundle),
	INT(struct run_wire, "cadence_s", cadence_s),
	INT(struct run_wire, "signoffs", signoffs),
	OPT(struct run_wire, "state", state),
	OPT(struct run_wire, "problem", problem),
	OPT(struct run_wire, "started", started),
	OPT(struct run_wire, "status", status),
	OPT(struct run_wire, "reason", reason),
	OPT(struct run_wire, "resumes", resumes),
	INT(struct run_wire, "rto_ms", rto_ms),
	OPT(struct run_wire, "rpo_source", rpo_source),
	INT(struct run_wire, "rpo_ms", rpo_ms),
	RAW(struct run_wire, "pitr", pitr),
	OPT(struct run_wire, "signed_key", signed_key),
	{ 0 }
};
SCHEMA_OF(struct run_wire, run_schema, run_fields);

/* The index entry (runsum_entry()) as read back. */
struct entry_wire {
	json_t *run, *plan;
	struct schema_int duration_ms;
	int plan_bundle;
	const char *started;
};
static const struct schema_field entry_fields[] = {
	RAW(struct entry_wire, "run", run),
	RAW(struct entry_wire, "plan", plan),
	INT(struct entry_wire, "duration_ms", duration_ms),
	{ .key = "plan_bundle", .type = SCHEMA_BOOL,
	  .off = offsetof(struct entry_wire, plan_bundle) },
	OPT(struct entry_wire, "started", started),
	{ 0 }
};
SCHEMA_OF(struct entry_wire, entry_schema, entry_fields);

static void pitr_from(struct runsum_pitr *p, json_t *o)
{
	struct pitr_wire w;
	size_t k;

	if (!json_is_object(o))
		return;
	bind(&pitr_schema, o, &w);
	p->present = 1;
	if (w.rpo_wal_ms.set) {
		p->rpo_wal_ms = w.rpo_wal_ms.v;
		set(&p->rpo_kind, w.rpo_kind);
	}
	for (k = 0; k < RUNSUM_NPARTS; k++)
		p->part_ms[k] = int_or(&w.part[k], -1);
	p->recovery_ms = int_or(&w.recovery_ms, -1);
}

void runsum_from_run(struct run_summary *s, json_t *run)
{
	struct run_wire w;

	bind(&run_schema, run, &w);
	set(&s->bundle, w.bundle);
	s->cadence_s = int_or(&w.cadence_s, RUNSUM_DEFAULT_CADENCE_S);
	s->signoffs = int_or(&w.signoffs, 0);
	set(&s->state, w.state);
	if (w.problem)
		set(&s->problem, w.problem);
	set(&s->started, w.started);
	set(&s->status, w.status);
	if (w.reason)
		set(&s->reason, w.reason);
	set(&s->resumes, w.resumes);
	s->rto_ms = int_or(&w.rto_ms, -1);
	set(&s->rpo_source, w.rpo_source);
	s->rpo_ms = int_or(&w.rpo_ms, -1);
	pitr_from(&s->pitr, w.pitr);
	set(&s->signed_key, w.signed_key);
	set_empty(s);
}

enum runsum_entry_kind runsum_from_entry(struct run_summary *s, json_t *e,
					 const char *bundle)
{
	struct entry_wire w;
	struct plan_head h;

	bind(&entry_schema, e, &w);
	if (w.plan_bundle) {
		s->plan_bundle = 1;
		return RUNSUM_PLAN_BUNDLE;
	}
	/* A run without its duration: an older entry, to be read again. */
	if (!json_is_object(w.plan) || (json_is_object(w.run) ?
				       !w.duration_ms.set : !w.started))
		return RUNSUM_NONE;
	set(&s->bundle, bundle);
	set_plan(s, w.plan);
	if (!json_is_object(w.run)) {
		set(&s->started, w.started);
		set_empty(s);
		return RUNSUM_START;
	}
	runsum_from_run(s, w.run);
	set(&s->bundle, bundle);
	bind(&plan_head_schema, w.plan, &h);
	s->cadence_s = int_or(&h.cadence_s, RUNSUM_DEFAULT_CADENCE_S);
	s->duration_ms = w.duration_ms.v;
	set_empty(s);
	return RUNSUM_WHOLE;
}
