#include "runner.h"
#include "seal.h"
#include "envinfo.h"
#include "sign.h"
#include "checksum.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "pg.h"
#include "plan.h"
#include "preflight.h"
#include "progress.h"
#include "version.h"
#include "report.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

const char *runner_status_word(enum runner_status s)
{
	switch (s) {
	case RUNNER_PASSED: return "PASSED";
	case RUNNER_FAILED: return "FAILED";
	case RUNNER_ABORTED: return "ABORTED";
	case RUNNER_REFUSED: return "REFUSED";
	}
	return "FAILED";
}

static json_t *utc_ms(long long ms)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *r;

	clock_format_utc_ms(&sb, ms);
	r = json_string(sb.buf);
	strbuf_release(&sb);
	return r;
}

struct run {
	const struct runner_opts *o;
	const struct drill *d;
	json_t *state;
	struct journal *journal;
	struct strvec secrets;
	struct strvec secret_vars;
	struct progress *progress;
	size_t nsteps;
	enum runner_status status;
	struct strbuf reason;
	struct error journal_err;   /* the first record that could not be written */
	/* clock_boot_ms() values; 0 = not yet */
	long long first_destroy_ms, backup_end_ms, restore_verified_ms;
	int verify_backup_total, verify_backup_passed;
	/* For when: conditions. outcome[n - 1]: 0 not run, 1 passed, 2 failed. */
	unsigned char *outcome;
	int phase_started[DRILL_NPHASES];
	int verify_restore_total, verify_restore_passed;
};

/*
 * Journal a record. When that fails (a full disk), the drill must still
 * stop and run its cleanup, so the failure is kept in r->journal_err,
 * the run is FAILED, and later records are still tried: cleanup may
 * free the space, and the journal never holds half a record.
 */
static int append(struct run *r, json_t *rec)
{
	struct error err = ERROR_INIT;
	int ret = journal_append(r->journal, rec, &err);

	if (ret < 0) {
		if (!r->journal_err.msg.len) {
			error_set(&r->journal_err, "%s", err.msg.buf);
			if (r->status == RUNNER_PASSED)
				r->status = RUNNER_FAILED;
			strbuf_addf(&r->reason, "%sthe journal could not be "
				    "written: %s", r->reason.len ? "; " : "",
				    err.msg.buf);
		}
	}
	error_release(&err);
	json_decref(rec);
	return ret;
}

/* Every check of the record passed (a step with none passes if it ran). */
static int checks_ok(json_t *rec)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(rec, "checks"), i, c)
		if (!json_is_true(json_object_get(c, "ok")))
			return 0;
	return 1;
}

static const char *first_failed_check(json_t *rec, struct strbuf *sb)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(rec, "checks"), i, c)
		if (!json_is_true(json_object_get(c, "ok"))) {
			strbuf_addf(sb, "%s: expected %s, got %s", journal_str(c, "what"),
				    journal_str(c, "expected"), journal_str(c, "actual"));
			return sb->buf;
		}
	return NULL;
}

/*
 * Run one step and journal it. Returns 1 passed, 0 failed; a step whose
 * record could not be journaled failed (there is no evidence of it).
 */
/* The fields every step record starts with. */
static json_t *step_record(const struct drill_step *step)
{
	json_t *rec = json_object();

	json_object_set_new(rec, "type", json_string("step"));
	json_object_set_new(rec, "n", json_integer(step->n));
	json_object_set_new(rec, "id", json_string(step->id));
	json_object_set_new(rec, "phase", json_string(drill_phases[step->phase]));
	json_object_set_new(rec, "kind", json_string(step->kind->name));
	return rec;
}

/* Facts for RTO and RPO. */
static void note_times(struct run *r, const struct drill_step *step,
		       long long m0, long long m1, int ok)
{
	if (step->phase == DRILL_BACKUP)
		r->backup_end_ms = m1;
	if (step->destructive && !r->first_destroy_ms)
		r->first_destroy_ms = m0;
	if (step->phase == DRILL_VERIFY_BACKUP)
		r->verify_backup_passed += ok;
	if (step->phase == DRILL_VERIFY_RESTORE) {
		r->verify_restore_passed += ok;
		if (ok)
			r->restore_verified_ms = m1;
	}
}

/*
 * Its record did not fit (the full record is the large one: excerpts,
 * evidence). A short one says the step ran and failed for want of
 * evidence, rather than the report showing it as never run.
 */
static void append_short(struct run *r, const struct drill_step *step,
			 json_t *rec)
{
	json_t *min = step_record(step);
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "ran (%s), but its record could not be journaled: "
		    "%s; its logs, if any, are in steps/", journal_str(rec, "status"),
		    r->journal_err.msg.buf);
	json_object_set(min, "started", json_object_get(rec, "started"));
	json_object_set(min, "ended", json_object_get(rec, "ended"));
	json_object_set(min, "duration_ms", json_object_get(rec, "duration_ms"));
	json_object_set_new(min, "status", json_string("failed"));
	json_object_set_new(min, "message", json_string(sb.buf));
	json_object_set_new(rec, "status", json_string("failed"));
	json_object_set_new(rec, "message", json_string(sb.buf));
	append(r, min);
	strbuf_release(&sb);
}

static int run_step(struct run *r, const struct drill_step *step,
		    volatile sig_atomic_t *cancel)
{
	struct step_ctx sc;
	struct error serr = ERROR_INIT;
	json_t *rec = step_record(step);
	long long t0, t1, m0, m1;
	int ran, ok;

	memset(&sc, 0, sizeof(sc));
	sc.drill = r->d;
	sc.step = step;
	sc.rec = rec;
	sc.state = r->state;
	sc.bundle = r->o->bundle;
	sc.secrets = &r->secrets;
	sc.secret_vars = &r->secret_vars;
	sc.cancel = cancel;

	progress_begin(r->progress, (size_t)step->n, r->d->nsteps,
		       drill_phases[step->phase], step->id);
	t0 = clock_wall_ms();
	m0 = clock_boot_ms();
	ran = step->kind->run(&sc, &serr);
	m1 = clock_boot_ms();
	t1 = clock_wall_ms();
	ok = ran == 0 && checks_ok(rec);
	json_object_set_new(rec, "started", utc_ms(t0));
	json_object_set_new(rec, "ended", utc_ms(t1));
	json_object_set_new(rec, "started_ms", json_integer(t0));
	json_object_set_new(rec, "ended_ms", json_integer(t1));
	json_object_set_new(rec, "duration_ms", json_integer(m1 - m0));
	if (*cancel && !ok) {
		json_object_set_new(rec, "status", json_string("aborted"));
		if (!json_object_get(rec, "message"))
			json_object_set_new(rec, "message",
					    json_string("interrupted by a signal"));
	} else {
		json_object_set_new(rec, "status",
				    json_string(ok ? "passed" : "failed"));
	}
	if (ran < 0) {
		json_object_set_new(rec, "message", json_string(serr.msg.buf));
	} else if (!ok && !json_object_get(rec, "message")) {
		struct strbuf sb = STRBUF_INIT;
		if (first_failed_check(rec, &sb))
			json_object_set_new(rec, "message", json_string(sb.buf));
		strbuf_release(&sb);
	}
	if (!ok && !r->reason.len)
		strbuf_addf(&r->reason, "step %ld (%s) %s: %s", step->n,
			    step->id, *cancel ? "interrupted" : "failed",
			    journal_str(rec, "message"));
	note_times(r, step, m0, m1, ok);
	error_release(&serr);
	json_incref(rec);
	if (append(r, rec) < 0) {
		append_short(r, step, rec);
		ok = 0;
	}
	progress_end(r->progress, json_string_value(json_object_get(rec, "status")),
		     m1 - m0, journal_str(rec, "message"));
	json_decref(rec);
	return ok;
}

/*
 * Every secret the drill names, known before step 1 runs: a step that
 * prints a password before the step that uses it (env, a verbose tool)
 * is redacted too. Sources that are missing now are the using step's
 * error to report; a password_file made by an earlier step is added
 * when its connection opens. PGPASSWORD is libpq's own: always a secret.
 */
static void collect_secrets(struct run *r)
{
	const struct drill *d = r->d;
	struct strbuf pw = STRBUF_INIT;
	struct error ignore = ERROR_INIT;
	struct strvec vars = STRVEC_INIT;
	size_t i;

	strvec_push_unique(&r->secrets, getenv("PGPASSWORD"));
	for (i = 0; i < d->nconns; i++) {
		const struct drill_conn *conn = &d->conns[i];

		strvec_push_unique(&r->secret_vars, conn->password_env);
		strbuf_reset(&pw);
		if (pg_password(conn, &pw, &ignore) == 0)
			strvec_push_unique(&r->secrets, pw.buf);
	}
	for (i = 0; i < d->nsteps; i++)
		if (d->steps[i].kind->secret_vars)
			d->steps[i].kind->secret_vars(&d->steps[i], &vars);
	for (i = 0; i < vars.nr; i++) {
		strvec_push_unique(&r->secret_vars, vars.v[i]);
		strvec_push_unique(&r->secrets, getenv(vars.v[i]));
	}
	strvec_clear(&vars);
	if (pw.alloc)
		explicit_bzero(pw.buf, pw.alloc);
	strbuf_release(&pw);
	error_release(&ignore);
}

/*
 * Preflight, journaled before step 1: every problem at once, and the run
 * refused (nothing ran) when there is one. 0 = go on.
 */
static int preflight(struct run *r)
{
	struct strvec problems = STRVEC_INIT;
	json_t *rec = preflight_check(r->d, r->o->bundle, &problems);
	size_t i;
	int ret = 0;

	json_object_set_new(rec, "time", utc_ms(clock_wall_ms()));
	if (append(r, rec) < 0)
		ret = -1;
	if (problems.nr) {
		strbuf_addf(&r->reason, "preflight: %zu problem%s: ",
			    problems.nr, problems.nr == 1 ? "" : "s");
		for (i = 0; i < problems.nr; i++)
			strbuf_addf(&r->reason, "%s%s", i ? "; " : "",
				    problems.v[i]);
		ret = -1;
	}
	strvec_clear(&problems);
	return ret;
}

/* The safety gates: checked before anything runs. 0 = go on. */
static int gates(struct run *r)
{
	const char *env = r->d->environment;
	const char *hash = journal_str(r->o->plan, "plan_hash");
	size_t i;
	int destructive = 0;

	if (r->o->approved && strcmp(r->o->approved, hash)) {
		strbuf_addf(&r->reason, "the plan hash %s is not the approved "
			    "plan %s: the drill file, its variables or the date "
			    "changed since the review", hash, r->o->approved);
		return -1;
	}
	for (i = 0; i < r->d->nsteps; i++)
		destructive += r->d->steps[i].destructive;
	if (destructive && (!r->o->confirm || strcmp(r->o->confirm, env))) {
		if (r->o->confirm)
			strbuf_addf(&r->reason, "--confirm %s does not match the "
				    "drill's environment '%s'; %d destructive "
				    "steps not run", r->o->confirm, env,
				    destructive);
		else
			strbuf_addf(&r->reason, "the drill has %d destructive "
				    "steps: run it with --confirm %s", destructive,
				    env);
		return -1;
	}
	return 0;
}

/*
 * RPO: backup finished -> first destructive step started (the data a
 * real disaster at that moment would lose). RTO: first destructive step
 * started -> last restore verification passed. Both in ms; a target is
 * missed by a single millisecond as much as by an hour.
 */
static void measure(struct run *r, json_t *end)
{
	const struct drill_targets *t = r->d->targets;
	long rto_t = t && t->rto_s.set ? t->rto_s.v : 0;
	long rpo_t = t && t->rpo_s.set ? t->rpo_s.v : 0;

	if (r->first_destroy_ms && r->backup_end_ms) {
		long long rpo = r->first_destroy_ms - r->backup_end_ms;
		if (rpo < 0)
			rpo = 0;
		json_object_set_new(end, "rpo_ms", json_integer(rpo));
		if (rpo_t && rpo > rpo_t * 1000 && r->status == RUNNER_PASSED) {
			r->status = RUNNER_FAILED;
			strbuf_addf(&r->reason, "RPO %.1fs exceeds the target %lds",
				    (double)rpo / 1000.0, rpo_t);
		}
	}
	if (r->first_destroy_ms && r->restore_verified_ms &&
	    r->verify_restore_passed == r->verify_restore_total &&
	    r->verify_restore_total) {
		long long rto = r->restore_verified_ms - r->first_destroy_ms;
		json_object_set_new(end, "rto_ms", json_integer(rto));
		if (rto_t && rto > rto_t * 1000 && r->status == RUNNER_PASSED) {
			r->status = RUNNER_FAILED;
			strbuf_addf(&r->reason, "RTO %.1fs exceeds the target %lds",
				    (double)rto / 1000.0, rto_t);
		}
	}
}

static json_t *start_record(struct run *r)
{
	json_t *rec = json_object(), *ctx = json_object();
	struct strbuf sb = STRBUF_INIT;

	json_object_set_new(rec, "type", json_string("start"));
	json_object_set_new(rec, "mode", json_string("run"));
	json_object_set_new(rec, "time", utc_ms(clock_wall_ms()));
	json_object_set(rec, "plan", r->o->plan);
	plan_operator(&sb);
	json_object_set_new(ctx, "operator", json_string(sb.buf));
	json_object_set_new(ctx, "rdrill_version", json_string(RDRILL_VERSION));
	json_object_set_new(ctx, "environment", envinfo_collect());
	/* The report says who signs; the SEAL.sig proves it. */
	json_object_set_new(ctx, "signing_key", r->o->sign_key ?
			    json_string(sign_key_fingerprint(r->o->sign_key)) :
			    json_null());
	if (r->o->confirm)
		json_object_set_new(ctx, "confirm", json_string(r->o->confirm));
	if (r->o->approved)
		json_object_set_new(ctx, "approved_plan",
				    json_string(r->o->approved));
	if (r->o->approval)
		json_object_set(ctx, "approval", r->o->approval);
	json_object_set(ctx, "vars_given", r->o->vars_given ? r->o->vars_given :
			json_object());
	if (!r->o->vars_given)
		json_decref(json_object_get(ctx, "vars_given"));
	json_object_set_new(rec, "context", ctx);
	strbuf_release(&sb);
	return rec;
}

/* 0: the destroy phase may start; else why not, in r->reason. */
static int destroy_gate(struct run *r)
{
	if (r->verify_backup_total &&
	    r->verify_backup_passed == r->verify_backup_total)
		return 0;
	if (!r->verify_backup_total)
		strbuf_adds(&r->reason, "destroy refused: no verify_backup step "
			    "proved the backup");
	else
		strbuf_addf(&r->reason, "destroy refused: %d of %d verify_backup "
			    "steps passed", r->verify_backup_passed,
			    r->verify_backup_total);
	return -1;
}

/* A step's when: condition, in words, true or not (plan.h: plan_step_when). */
static int when_holds(struct run *r, const struct drill_step *step,
		      struct strbuf *why)
{
	const struct drill_step *ref;
	size_t i;
	int o;

	if (step->when_phase) {
		int p = drill_phase_index(step->when_phase);
		strbuf_addf(why, "the %s phase %s", step->when_phase,
			    p >= 0 && r->phase_started[p] ? "started" :
			    "did not start");
		return p >= 0 && r->phase_started[p];
	}
	if (!step->when_step)
		return 1;
	for (i = 0, ref = NULL; i < r->d->nsteps; i++)
		if (!strcmp(r->d->steps[i].id, step->when_step))
			ref = &r->d->steps[i];
	o = ref ? r->outcome[ref->n - 1] : 0;
	strbuf_addf(why, "step %s %s", step->when_step, !o ? "did not run" :
		    o == 1 ? "passed" : "failed");
	if (!strcmp(step->when_status, "ran"))
		return o != 0;
	return o == (strcmp(step->when_status, "passed") ? 2 : 1);
}

/* A step whose when: is false: journaled SKIPPED with the reason. */
static void skip_step(struct run *r, const struct drill_step *step,
		      const char *why)
{
	json_t *rec = step_record(step);
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "skipped: its condition is false (%s)", why);
	json_object_set_new(rec, "status", json_string("skipped"));
	json_object_set_new(rec, "message", json_string(sb.buf));
	json_object_set_new(rec, "when_false", json_true());
	progress_begin(r->progress, (size_t)step->n, r->d->nsteps,
		       drill_phases[step->phase], step->id);
	progress_end(r->progress, "skipped", 0, sb.buf);
	append(r, rec);
	strbuf_release(&sb);
}

/*
 * Run a step unless its when: says no. Returns what run_step does; a
 * skipped step is no failure (1).
 */
static int run_step_when(struct run *r, const struct drill_step *step,
			 volatile sig_atomic_t *cancel)
{
	struct strbuf why = STRBUF_INIT;
	int ok;

	if (!when_holds(r, step, &why)) {
		skip_step(r, step, why.buf);
		strbuf_release(&why);
		return 1;
	}
	strbuf_release(&why);
	r->phase_started[step->phase] = 1;
	ok = run_step(r, step, cancel);
	r->outcome[step->n - 1] = ok ? 1 : 2;
	return ok;
}

/* Every phase but cleanup, in order, until a step fails or a gate says no. */
static void run_phases(struct run *r)
{
	const struct drill_step *step;
	int stopped = 0;

	if (gates(r) < 0) {
		r->status = RUNNER_REFUSED;
		return;
	}
	for (step = r->d->steps; step < r->d->steps + r->d->nsteps; step++) {
		if (stopped || step->phase == DRILL_CLEANUP)
			continue;
		if (*r->o->cancel) {
			r->status = RUNNER_ABORTED;
			if (!r->reason.len)
				strbuf_adds(&r->reason, "interrupted by a signal");
			stopped = 1;
		} else if (step->phase == DRILL_DESTROY && destroy_gate(r) < 0) {
			r->status = RUNNER_FAILED;
			stopped = 1;
		} else if (!run_step_when(r, step, r->o->cancel)) {
			r->status = *r->o->cancel ? RUNNER_ABORTED : RUNNER_FAILED;
			stopped = 1;
		}
	}
}

/* Cleanup runs whatever happened, unless nothing ran at all. */
static void run_cleanup(struct run *r)
{
	const struct drill_step *step;

	if (r->status == RUNNER_REFUSED)
		return;
	for (step = r->d->steps; step < r->d->steps + r->d->nsteps; step++) {
		if (step->phase != DRILL_CLEANUP)
			continue;
		if (*r->o->cancel_hard)
			break;
		if (!run_step_when(r, step, r->o->cancel_hard) &&
		    r->status == RUNNER_PASSED)
			r->status = RUNNER_FAILED;
	}
}

/* plan.json, steps/ and the journal's start record. */
static int open_bundle(struct run *r, struct error *err)
{
	const struct runner_opts *o = r->o;
	struct strbuf path = STRBUF_INIT;
	char *text = json_dumps(o->plan, JSON_INDENT(2) | JSON_SORT_KEYS);
	int ret = -1;

	if (!text)
		BUG("the plan cannot be serialised");
	strbuf_addf(&path, "%s/plan.json", o->bundle);
	if (fs_write_atomic(path.buf, text, strlen(text), err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/steps", o->bundle);
	if (fs_mkdirs(path.buf, 0755, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", o->bundle);
	r->journal = journal_create(path.buf, err);
	if (!r->journal)
		goto out;
	if (append(r, start_record(r)) < 0) {
		error_set(err, "%s", r->journal_err.msg.buf);
		goto out;
	}
	ret = 0;
out:
	free(text);
	strbuf_release(&path);
	return ret;
}

int runner_run(const struct runner_opts *o, enum runner_status *status,
	       struct strbuf *reason, struct error *err)
{
	struct run r;
	struct strbuf path = STRBUF_INIT;
	json_t *end, *records = NULL;
	size_t i;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.d = o->drill;
	r.state = json_object();
	strvec_init(&r.secrets);
	strvec_init(&r.secret_vars);
	strbuf_init(&r.reason, 0);
	error_init(&r.journal_err);
	r.status = RUNNER_PASSED;
	r.outcome = xcalloc(r.d->nsteps ? r.d->nsteps : 1, 1);
	for (i = 0; i < r.d->nsteps; i++) {
		r.verify_backup_total += r.d->steps[i].phase == DRILL_VERIFY_BACKUP;
		r.verify_restore_total += r.d->steps[i].phase ==
					  DRILL_VERIFY_RESTORE;
	}
	if (open_bundle(&r, err) < 0)
		goto out;
	r.progress = progress_new(o->progress, o->tty);
	collect_secrets(&r);
	if (preflight(&r) < 0)
		r.status = RUNNER_REFUSED;
	else
		run_phases(&r);
	run_cleanup(&r);
	end = json_object();
	{
		/* Scratch servers the steps left: stopped, removed. */
		json_t *sc = step_finish_all(r.state);
		if (json_array_size(sc))
			json_object_set_new(end, "scratch_cleanup", sc);
		else
			json_decref(sc);
	}
	json_object_set_new(end, "type", json_string("end"));
	json_object_set_new(end, "time", utc_ms(clock_wall_ms()));
	measure(&r, end);
	json_object_set_new(end, "status",
			    json_string(runner_status_word(r.status)));
	if (r.reason.len)
		json_object_set_new(end, "reason", json_string(r.reason.buf));
	/* Without its end record the report reads INCOMPLETE: true. */
	append(&r, end);
	journal_free(r.journal);
	r.journal = NULL;

	/* The step logs' names, like their bytes, before the seal lists them. */
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/steps", o->bundle);
	if (fs_fsync_dir(path.buf, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", o->bundle);
	records = journal_read(path.buf, NULL, err);
	if (!records || report_write(o->bundle, records, o->lang, err) < 0 ||
	    seal_write(o->bundle, SEAL_COMPLETE, "run", o->lang, o->sign_key,
		       err) < 0)
		goto out;
	*status = r.status;
	strbuf_add(reason, r.reason.buf, r.reason.len);
	ret = 0;
out:
	progress_free(r.progress);
	journal_free(r.journal);
	json_decref(records);
	json_decref(r.state);
	free(r.outcome);
	strvec_clear(&r.secrets);
	strvec_clear(&r.secret_vars);
	strbuf_release(&r.reason);
	error_release(&r.journal_err);
	strbuf_release(&path);
	return ret;
}
