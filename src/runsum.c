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
#include "seal.h"
#include "signoff.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The parts' keys, in the evidence's "rto" and in history.json. */
static const char *const part_key[RUNSUM_NPARTS] = {
	[RUNSUM_WAL_PROOF] = "wal_proof_ms",
	[RUNSUM_RESTORE_FILES] = "restore_files_ms",
	[RUNSUM_REPLAY_WAL] = "replay_wal_ms",
	[RUNSUM_PROMOTE] = "promote_ms",
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

static long long int_or(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

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
	json_t *plan = json_object_get(json_object_get(start, "plan"), "plan");

	set(&s->id, journal_str(plan, "id"));
	set(&s->environment, journal_str(plan, "environment"));
	set(&s->title, journal_str(plan, "title"));
	s->cadence_s = int_or(plan, "cadence_s", RUNSUM_DEFAULT_CADENCE_S);
	set(&s->started, journal_str(start, "time"));
	s->plan_bundle = !strcmp(journal_str(start, "mode"), "plan");
	return s->plan_bundle;
}

/* The last end record (NULL: none). */
static json_t *last_end(const struct jrecords *jr)
{
	json_t *r, *end = NULL;
	size_t i;

	json_array_foreach(jr->others, i, r)
		if (!strcmp(journal_str(r, "type"), "end"))
			end = r;
	return end;
}

/* PLANNED, INCOMPLETE, NOT RESTORED or the end record's (restored.h). */
static void read_verdict(struct run_summary *s, const struct jrecords *jr)
{
	struct error e = ERROR_INIT;
	struct drill *d = drill_from_body(json_object_get(json_object_get(
		jr->start, "plan"), "plan"), &e);
	json_t *outline = jrecords_outline(jr, d ? d->nsteps : 0);

	set(&s->status, restored_verdict(outline, d));
	json_decref(outline);
	drill_free(d);
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
	json_t *ev = json_object_get(rec, "evidence");
	json_t *rto = json_object_get(ev, "rto");
	size_t k;

	if (strcmp(journal_str(rec, "kind"), "recover") || !json_is_object(rto))
		return 0;
	p->present = 1;
	if (int_or(ev, "rpo_wal_ms", -1) >= 0) {
		p->rpo_wal_ms = int_or(ev, "rpo_wal_ms", 0);
		set(&p->rpo_kind, journal_str(ev, "rpo_kind"));
	}
	p->recovery_ms = 0;
	for (k = 0; k < RUNSUM_NPARTS; k++)
		if ((p->part_ms[k] = int_or(rto, part_key[k], -1)) >= 0)
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
	json_t *end = last_end(jr);
	long long t0 = clock_parse_utc_ms(s->started);
	long long t1 = clock_parse_utc_ms(journal_str(end, "time"));

	read_verdict(s, jr);
	/* A REFUSED run says why the gate stopped it (listed apart). */
	if (!strcmp(s->status, "REFUSED"))
		set(&s->reason, journal_str(end, "reason"));
	/* `rdrill restore`'s bundle names the one it restores. */
	set(&s->resumes, journal_str(json_object_get(json_object_get(
		jr->start, "context"), "resumes"), "bundle"));
	s->rto_ms = int_or(end, "rto_ms", -1);
	/*
	 * A drill that made its own backup measured nothing about the
	 * backup schedule (issue 15): no RPO figure, here or in metrics.
	 */
	set(&s->rpo_source, journal_str(end, "rpo_source"));
	s->rpo_ms = strcmp(s->rpo_source, "own_backup") ?
		    int_or(end, "rpo_ms", -1) : -1;
	s->duration_ms = end && t0 >= 0 && t1 >= 0 ? t1 - t0 : -1;
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

/* A string of `o`, or NULL when `key` is absent or not text. */
static const char *str_of(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void pitr_from(struct runsum_pitr *p, json_t *o)
{
	size_t k;

	if (!json_is_object(o))
		return;
	p->present = 1;
	if (json_is_integer(json_object_get(o, "rpo_wal_ms"))) {
		p->rpo_wal_ms = int_or(o, "rpo_wal_ms", -1);
		set(&p->rpo_kind, str_of(o, "rpo_kind"));
	}
	for (k = 0; k < RUNSUM_NPARTS; k++)
		p->part_ms[k] = int_or(o, part_key[k], -1);
	p->recovery_ms = int_or(o, "recovery_ms", -1);
}

void runsum_from_run(struct run_summary *s, json_t *run)
{
	set(&s->bundle, str_of(run, "bundle"));
	s->cadence_s = int_or(run, "cadence_s", RUNSUM_DEFAULT_CADENCE_S);
	s->signoffs = int_or(run, "signoffs", 0);
	set(&s->state, str_of(run, "state"));
	if (str_of(run, "problem"))
		set(&s->problem, str_of(run, "problem"));
	set(&s->started, str_of(run, "started"));
	set(&s->status, str_of(run, "status"));
	if (str_of(run, "reason"))
		set(&s->reason, str_of(run, "reason"));
	set(&s->resumes, str_of(run, "resumes"));
	s->rto_ms = int_or(run, "rto_ms", -1);
	set(&s->rpo_source, str_of(run, "rpo_source"));
	s->rpo_ms = int_or(run, "rpo_ms", -1);
	pitr_from(&s->pitr, json_object_get(run, "pitr"));
	set(&s->signed_key, str_of(run, "signed_key"));
	set_empty(s);
}

enum runsum_entry_kind runsum_from_entry(struct run_summary *s, json_t *e,
					 const char *bundle)
{
	json_t *run = json_object_get(e, "run"), *plan = json_object_get(e, "plan");
	json_t *dur = json_object_get(e, "duration_ms");

	if (json_is_true(json_object_get(e, "plan_bundle"))) {
		s->plan_bundle = 1;
		return RUNSUM_PLAN_BUNDLE;
	}
	/* A run without its duration: an older entry, to be read again. */
	if (!json_is_object(plan) || (json_is_object(run) ?
				      !json_is_integer(dur) : !str_of(e, "started")))
		return RUNSUM_NONE;
	set(&s->bundle, bundle);
	set(&s->id, str_of(plan, "id"));
	set(&s->environment, str_of(plan, "environment"));
	set(&s->title, str_of(plan, "title"));
	s->cadence_s = int_or(plan, "cadence_s", RUNSUM_DEFAULT_CADENCE_S);
	if (!json_is_object(run)) {
		set(&s->started, str_of(e, "started"));
		set_empty(s);
		return RUNSUM_START;
	}
	runsum_from_run(s, run);
	set(&s->bundle, bundle);
	s->cadence_s = int_or(plan, "cadence_s", RUNSUM_DEFAULT_CADENCE_S);
	s->duration_ms = json_integer_value(dur);
	set_empty(s);
	return RUNSUM_WHOLE;
}
