#include "runner.h"
#include "checksum.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "pg.h"
#include "plan.h"
#include "progress.h"
#include "rdrill.h"
#include "report.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const struct {
	const char *kind;
	step_fn fn;
} step_table[] = {
	{ "command", step_command },
	{ "checksum", step_checksum },
	{ "toc", step_toc },
	{ "sql", step_sql },
	{ "files", step_files },
	{ "wait", step_wait },
	{ "canary", step_canary },
};

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

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wall-clock time, for the record. */
static long long now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

/*
 * For durations, RTO and RPO: an NTP step cannot move them, and time the
 * host spent suspended still counts (CLOCK_MONOTONIC would leave it out
 * and under-report RTO).
 */
static long long mono_ms(void)
{
#ifdef CLOCK_BOOTTIME
	return clock_ms(CLOCK_BOOTTIME);
#else
	return clock_ms(CLOCK_MONOTONIC);
#endif
}

static json_t *utc_ms(long long ms)
{
	struct strbuf sb = STRBUF_INIT;
	struct tm tm;
	time_t t = (time_t)(ms / 1000);
	char buf[32];
	json_t *r;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(&sb, "%s.%03lldZ", buf, ms % 1000);
	r = json_string(sb.buf);
	strbuf_release(&sb);
	return r;
}

struct run {
	const struct runner_opts *o;
	json_t *body;
	json_t *state;
	struct journal *journal;
	struct strvec secrets;
	struct strvec secret_vars;
	struct progress *progress;
	size_t nsteps;
	enum runner_status status;
	struct strbuf reason;
	struct error journal_err;   /* the first record that could not be written */
	/* mono_ms() values; 0 = not yet */
	long long first_destroy_ms, backup_end_ms, restore_verified_ms;
	int verify_backup_total, verify_backup_passed;
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

static step_fn find_fn(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(step_table) / sizeof(step_table[0]); i++)
		if (!strcmp(step_table[i].kind, kind))
			return step_table[i].fn;
	return NULL;
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
			strbuf_addf(sb, "%s: expected %s, got %s", jstr(c, "what"),
				    jstr(c, "expected"), jstr(c, "actual"));
			return sb->buf;
		}
	return NULL;
}

/*
 * Run one step and journal it. Returns 1 passed, 0 failed; a step whose
 * record could not be journaled failed (there is no evidence of it).
 */
static int run_step(struct run *r, json_t *step, size_t i,
		    volatile sig_atomic_t *cancel)
{
	struct step_ctx sc;
	struct error serr = ERROR_INIT;
	json_t *rec = json_object();
	const char *kind = jstr(step, "kind"), *phase = jstr(step, "phase");
	step_fn fn = find_fn(kind);
	long long t0, t1, m0, m1;
	int ran, ok;

	json_object_set_new(rec, "type", json_string("step"));
	json_object_set(rec, "n", json_object_get(step, "n"));
	json_object_set(rec, "id", json_object_get(step, "id"));
	json_object_set_new(rec, "phase", json_string(phase));
	json_object_set_new(rec, "kind", json_string(kind));
	memset(&sc, 0, sizeof(sc));
	sc.body = r->body;
	sc.step = step;
	sc.rec = rec;
	sc.state = r->state;
	sc.bundle = r->o->bundle;
	sc.secrets = &r->secrets;
	sc.secret_vars = &r->secret_vars;
	sc.cancel = cancel;

	progress_begin(r->progress, i + 1, r->nsteps, phase, jstr(step, "id"));
	t0 = now_ms();
	m0 = mono_ms();
	ran = fn ? fn(&sc, &serr) : error_set(&serr, "unknown step kind %s",
					     kind);
	m1 = mono_ms();
	t1 = now_ms();
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
		strbuf_addf(&r->reason, "step %lld (%s) %s: %s",
			    (long long)json_integer_value(json_object_get(step, "n")),
			    jstr(step, "id"), *cancel ? "interrupted" : "failed",
			    jstr(rec, "message"));

	/* Facts for RTO and RPO. */
	if (!strcmp(phase, "backup"))
		r->backup_end_ms = m1;
	if (json_is_true(json_object_get(step, "destructive")) &&
	    !r->first_destroy_ms)
		r->first_destroy_ms = m0;
	if (!strcmp(phase, "verify_backup"))
		r->verify_backup_passed += ok;
	if (!strcmp(phase, "verify_restore")) {
		r->verify_restore_passed += ok;
		if (ok)
			r->restore_verified_ms = m1;
	}
	error_release(&serr);
	json_incref(rec);
	if (append(r, rec) < 0) {
		/*
		 * Its record did not fit (the full record is the large one:
		 * excerpts, evidence). A short one says the step ran and
		 * failed for want of evidence, rather than the report
		 * showing it as never run.
		 */
		json_t *min = json_object();
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "ran (%s), but its record could not be "
			    "journaled: %s; its logs, if any, are in steps/",
			    jstr(rec, "status"), r->journal_err.msg.buf);
		json_object_set_new(min, "type", json_string("step"));
		json_object_set(min, "n", json_object_get(step, "n"));
		json_object_set(min, "id", json_object_get(step, "id"));
		json_object_set_new(min, "phase", json_string(phase));
		json_object_set_new(min, "kind", json_string(kind));
		json_object_set(min, "started", json_object_get(rec, "started"));
		json_object_set(min, "ended", json_object_get(rec, "ended"));
		json_object_set(min, "duration_ms",
				json_object_get(rec, "duration_ms"));
		json_object_set_new(min, "status", json_string("failed"));
		json_object_set_new(min, "message", json_string(sb.buf));
		json_object_set_new(rec, "status", json_string("failed"));
		json_object_set_new(rec, "message", json_string(sb.buf));
		append(r, min);
		strbuf_release(&sb);
		ok = 0;
	}
	progress_end(r->progress, json_string_value(json_object_get(rec, "status")),
		     m1 - m0, jstr(rec, "message"));
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
	json_t *conn, *step, *v;
	const char *key;
	struct strbuf pw = STRBUF_INIT;
	struct error ignore = ERROR_INIT;
	size_t i;

	strvec_push_unique(&r->secrets, getenv("PGPASSWORD"));
	json_object_foreach(json_object_get(r->body, "connections"), key, conn) {
		const char *var = jstr(conn, "password_env");

		if (*var)
			strvec_push_unique(&r->secret_vars, var);
		strbuf_reset(&pw);
		if (pg_password(conn, &pw, &ignore) == 0)
			strvec_push_unique(&r->secrets, pw.buf);
	}
	json_array_foreach(json_object_get(r->body, "steps"), i, step) {
		json_object_foreach(json_object_get(step, "secret_env"), key, v) {
			strvec_push_unique(&r->secret_vars, json_string_value(v));
			strvec_push_unique(&r->secrets, getenv(json_string_value(v)));
		}
	}
	if (pw.alloc)
		explicit_bzero(pw.buf, pw.alloc);
	strbuf_release(&pw);
	error_release(&ignore);
}

/* The safety gates: checked before anything runs. 0 = go on. */
static int gates(struct run *r)
{
	const char *env = jstr(r->body, "environment");
	const char *hash = jstr(r->o->plan, "plan_hash");
	json_t *s;
	size_t i;
	int destructive = 0;

	if (r->o->approved && strcmp(r->o->approved, hash)) {
		strbuf_addf(&r->reason, "the plan hash %s is not the approved "
			    "plan %s: the drill file, its variables or the date "
			    "changed since the review", hash, r->o->approved);
		return -1;
	}
	json_array_foreach(json_object_get(r->body, "steps"), i, s)
		destructive += json_is_true(json_object_get(s, "destructive"));
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
	json_t *targets = json_object_get(r->body, "targets");
	json_int_t rto_t = json_integer_value(json_object_get(targets, "rto_s"));
	json_int_t rpo_t = json_integer_value(json_object_get(targets, "rpo_s"));

	if (r->first_destroy_ms && r->backup_end_ms) {
		long long rpo = r->first_destroy_ms - r->backup_end_ms;
		if (rpo < 0)
			rpo = 0;
		json_object_set_new(end, "rpo_ms", json_integer(rpo));
		if (rpo_t && rpo > rpo_t * 1000 && r->status == RUNNER_PASSED) {
			r->status = RUNNER_FAILED;
			strbuf_addf(&r->reason, "RPO %.1fs exceeds the target %llds",
				    (double)rpo / 1000.0, (long long)rpo_t);
		}
	}
	if (r->first_destroy_ms && r->restore_verified_ms &&
	    r->verify_restore_passed == r->verify_restore_total &&
	    r->verify_restore_total) {
		long long rto = r->restore_verified_ms - r->first_destroy_ms;
		json_object_set_new(end, "rto_ms", json_integer(rto));
		if (rto_t && rto > rto_t * 1000 && r->status == RUNNER_PASSED) {
			r->status = RUNNER_FAILED;
			strbuf_addf(&r->reason, "RTO %.1fs exceeds the target %llds",
				    (double)rto / 1000.0, (long long)rto_t);
		}
	}
}

static json_t *start_record(struct run *r)
{
	json_t *rec = json_object(), *ctx = json_object();
	struct strbuf sb = STRBUF_INIT;

	json_object_set_new(rec, "type", json_string("start"));
	json_object_set_new(rec, "mode", json_string("run"));
	json_object_set_new(rec, "time", utc_ms(now_ms()));
	json_object_set(rec, "plan", r->o->plan);
	plan_operator(&sb);
	json_object_set_new(ctx, "operator", json_string(sb.buf));
	json_object_set_new(ctx, "rdrill_version", json_string(RDRILL_VERSION));
	if (r->o->confirm)
		json_object_set_new(ctx, "confirm", json_string(r->o->confirm));
	if (r->o->approved)
		json_object_set_new(ctx, "approved_plan",
				    json_string(r->o->approved));
	json_object_set(ctx, "vars_given", r->o->vars_given ? r->o->vars_given :
			json_object());
	if (!r->o->vars_given)
		json_decref(json_object_get(ctx, "vars_given"));
	json_object_set_new(rec, "context", ctx);
	strbuf_release(&sb);
	return rec;
}

/* The bundle's own SHA256SUMS: everything in it, journal and report too. */
static int seal(const char *bundle, struct error *err)
{
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct strbuf path = STRBUF_INIT;
	int ret;

	strbuf_addf(&path, "%s/SHA256SUMS", bundle);
	ret = checksum_files(bundle, NULL, path.buf, 0, &set, err);
	if (!ret)
		ret = checksum_write_sums(path.buf, &set, err);
	checksum_set_release(&set);
	strbuf_release(&path);
	return ret;
}

int runner_run(const struct runner_opts *o, enum runner_status *status,
	       struct strbuf *reason, struct error *err)
{
	struct run r;
	struct strbuf path = STRBUF_INIT;
	json_t *steps, *step, *end, *records = NULL;
	size_t i;
	int ret = -1, stopped = 0;
	char *text = NULL;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.body = json_object_get(o->plan, "plan");
	r.state = json_object();
	strvec_init(&r.secrets);
	strvec_init(&r.secret_vars);
	strbuf_init(&r.reason, 0);
	error_init(&r.journal_err);
	r.status = RUNNER_PASSED;
	steps = json_object_get(r.body, "steps");
	r.nsteps = json_array_size(steps);
	json_array_foreach(steps, i, step) {
		r.verify_backup_total += !strcmp(jstr(step, "phase"), "verify_backup");
		r.verify_restore_total += !strcmp(jstr(step, "phase"), "verify_restore");
	}

	strbuf_addf(&path, "%s/plan.json", o->bundle);
	text = json_dumps(o->plan, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (fs_write_atomic(path.buf, text, strlen(text), err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/steps", o->bundle);
	if (fs_mkdirs(path.buf, 0755, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", o->bundle);
	r.journal = journal_create(path.buf, err);
	if (!r.journal)
		goto out;
	if (append(&r, start_record(&r)) < 0) {
		error_set(err, "%s", r.journal_err.msg.buf);
		goto out;
	}
	r.progress = progress_new(o->progress, o->tty);
	collect_secrets(&r);

	if (gates(&r) < 0) {
		r.status = RUNNER_REFUSED;
		stopped = 1;
	}
	json_array_foreach(steps, i, step) {
		const char *phase = jstr(step, "phase");
		int ok;

		if (stopped || !strcmp(phase, "cleanup"))
			continue;
		if (*o->cancel) {
			r.status = RUNNER_ABORTED;
			if (!r.reason.len)
				strbuf_adds(&r.reason, "interrupted by a signal");
			stopped = 1;
			continue;
		}
		if (!strcmp(phase, "destroy") &&
		    (!r.verify_backup_total ||
		     r.verify_backup_passed != r.verify_backup_total)) {
			r.status = RUNNER_FAILED;
			if (!r.verify_backup_total)
				strbuf_adds(&r.reason, "destroy refused: no "
					    "verify_backup step proved the backup");
			else
				strbuf_addf(&r.reason, "destroy refused: %d of "
					    "%d verify_backup steps passed",
					    r.verify_backup_passed,
					    r.verify_backup_total);
			stopped = 1;
			continue;
		}
		ok = run_step(&r, step, i, o->cancel);
		if (!ok) {
			r.status = *o->cancel ? RUNNER_ABORTED : RUNNER_FAILED;
			stopped = 1;
		}
	}
	/* Cleanup runs whatever happened, unless nothing ran at all. */
	if (r.status != RUNNER_REFUSED) {
		json_array_foreach(steps, i, step) {
			int ok;
			if (strcmp(jstr(step, "phase"), "cleanup"))
				continue;
			if (*o->cancel_hard)
				break;
			ok = run_step(&r, step, i, o->cancel_hard);
			if (!ok && r.status == RUNNER_PASSED)
				r.status = RUNNER_FAILED;
		}
	}
	end = json_object();
	json_object_set_new(end, "type", json_string("end"));
	json_object_set_new(end, "time", utc_ms(now_ms()));
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
	    seal(o->bundle, err) < 0)
		goto out;
	*status = r.status;
	strbuf_add(reason, r.reason.buf, r.reason.len);
	ret = 0;
out:
	progress_free(r.progress);
	journal_free(r.journal);
	json_decref(records);
	json_decref(r.state);
	strvec_clear(&r.secrets);
	strvec_clear(&r.secret_vars);
	strbuf_release(&r.reason);
	error_release(&r.journal_err);
	strbuf_release(&path);
	free(text);
	return ret;
}
