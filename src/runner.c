#include "runner.h"
#include "bundle.h"
#include "restored.h"
#include "runfacts.h"
#include "sha256.h"
#include "secret.h"
#include "history.h"
#include "backup.h"
#include "bkfacts.h"
#include "expand.h"
#include "seal.h"
#include "sha256.h"
#include "envinfo.h"
#include "sign.h"
#include "checksum.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "jrecord.h"
#include "pg.h"
#include "plan.h"
#include "schema.h"
#include "pickfile.h"
#include "preflight.h"
#include "ssh.h"
#include "progress.h"
#include "version.h"
#include "report.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <errno.h>
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
	case RUNNER_NOT_RESTORED: return RESTORED_WORD;
	}
	return "FAILED";
}

struct run {
	const struct runner_opts *o;
	const struct drill *d;
	struct runfacts facts;       /* the evidence kinds' facts */
	struct bkfacts bkfacts;      /* the physical-backup kinds' facts */
	struct journal *journal;
	struct strvec secret_vars;
	struct progress *progress;
	size_t nsteps;
	enum runner_status status;
	struct strbuf reason;
	struct error journal_err;   /* the first record that could not be written */
	/* clock_boot_ms() values; 0 = not yet */
	long long first_destroy_ms, backup_end_ms, restore_verified_ms;
	/* clock_wall_ms() of the first destructive step's start: the disaster */
	long long disaster_wall_ms;
	int backup_steps;           /* steps of the backup phase that ran */
	struct expand_picks bound;  /* scheduled items' files, in the steps */
	/* The picks and verified dumps, checked around the steps reading them. */
	struct pickfiles files;
	json_t *picks;              /* the freshness records, for measure() */
	int fresh_before, fresh_after;
	int verify_backup_total, verify_backup_passed;
	/* For when: conditions. outcome[n - 1]: 0 not run, 1 passed, 2 failed. */
	unsigned char *outcome;
	int phase_started[DRILL_NPHASES];
	int verify_restore_total, verify_restore_passed;
	int destroy_started;        /* the "destroy" record was journaled */
	long long rpo_created_ms;   /* the RPO's backup, made (wall); 0: none */
	long long rpo_wal_ms;       /* a recover step's RPO from WAL; -1: none */
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

/* A step's first failed check, in words, into `sb`; NULL: none failed. */
static const char *first_failed_check(const struct step_ctx *sc,
				      struct strbuf *sb)
{
	const struct step_checked *c = step_first_failed(sc);

	if (!c)
		return NULL;
	strbuf_addf(sb, "%s: expected %s, got %s", c->what ? c->what : "",
		    c->expected ? c->expected : "",
		    c->actual ? c->actual : "");
	return sb->buf;
}

/* When a step ran: wall clock (t0, t1) and boot clock (m0, m1), ms. */
struct step_times {
	long long t0, t1, m0, m1;
};

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
		       long long m0, long long m1, long long t0, int ok)
{
	if (step->phase == DRILL_BACKUP) {
		r->backup_end_ms = m1;
		r->backup_steps++;
	}
	if (step->destructive && !r->first_destroy_ms) {
		r->first_destroy_ms = m0;
		r->disaster_wall_ms = t0;
	}
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
			 const struct step_times *tm, const char *status,
			 struct strbuf *sb)
{
	json_t *min = step_record(step);

	strbuf_reset(sb);
	strbuf_addf(sb, "ran (%s), but its record could not be journaled: "
		    "%s; its logs, if any, are in steps/", status,
		    r->journal_err.msg.buf);
	json_object_set_new(min, "started", journal_utc(tm->t0));
	json_object_set_new(min, "ended", journal_utc(tm->t1));
	json_object_set_new(min, "duration_ms", json_integer(tm->m1 - tm->m0));
	json_object_set_new(min, "status", json_string("failed"));
	json_object_set_new(min, "message", json_string(sb->buf));
	append(r, min);
}

#define STDERR_LINES 6

/*
 * A failed step's cause is most often in its stderr (a server's FATAL
 * line): its last lines, and where the whole log is, under the step's
 * progress line. The text was redacted by exec; progress escapes it.
 */
static void show_stderr(struct run *r, const struct step_said *s)
{
	const char *text = !s->has_err ? "" : *s->err_tail ? s->err_tail :
			   s->err_head;
	const char *p = text + strlen(text);
	struct strbuf sb = STRBUF_INIT;
	int n = 0;

	while (p > text && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	if (p == text)
		return;
	while (p > text && n < STDERR_LINES)
		if (*--p == '\n' && ++n == STDERR_LINES)
			p++;
	strbuf_addf(&sb, "stderr, last lines (the whole log: %s/%s):\n",
		    r->o->bundle, s->err_path);
	strbuf_adds(&sb, p);
	progress_detail(r->progress, sb.buf);
	strbuf_release(&sb);
}

static int picked_unchanged(struct run *r, struct step_ctx *sc,
			    const char *when);

/*
 * Why a step did not pass, into `msg` and its record's "message": what
 * stopped it from running (`error`), else what its kind said, else the
 * signal (`interrupted`), else its first failed check; a passed step
 * keeps what its kind said. `msg` is "" when there is nothing to say.
 */
static void step_message(const struct step_ctx *sc, const char *said,
			 const char *error, int interrupted, int ok,
			 struct strbuf *msg)
{

	if (error)
		strbuf_adds(msg, error);
	else if (said)
		strbuf_adds(msg, said);
	else if (interrupted)
		strbuf_adds(msg, "interrupted by a signal");
	else if (!ok && !first_failed_check(sc, msg))
		return;
	else if (ok)
		return;
	if (!said || error)
		json_object_set_new(sc->rec, "message", json_string(msg->buf));
}

/* The step's record's times and status; what it ran to, in words. */
static void step_close(struct run *r, struct step_ctx *sc,
		       const struct step_times *tm, const char *status,
		       const char *said, const char *error, int ok,
		       struct strbuf *msg)
{
	const struct drill_step *step = sc->step;
	json_t *rec = sc->rec;

	json_object_set_new(rec, "started", journal_utc(tm->t0));
	json_object_set_new(rec, "ended", journal_utc(tm->t1));
	json_object_set_new(rec, "started_ms", json_integer(tm->t0));
	json_object_set_new(rec, "ended_ms", json_integer(tm->t1));
	json_object_set_new(rec, "duration_ms", json_integer(tm->m1 - tm->m0));
	json_object_set_new(rec, "status", json_string(status));
	step_message(sc, said, error, *sc->cancel && !ok, ok, msg);
	if (!ok && !r->reason.len)
		strbuf_addf(&r->reason, "step %ld (%s) %s: %s", step->n,
			    step->id, *sc->cancel ? "interrupted" : "failed",
			    msg->buf);
}

static int run_step(struct run *r, const struct drill_step *step,
		    volatile sig_atomic_t *cancel)
{
	struct step_ctx sc;
	struct error serr = ERROR_INIT;
	struct strbuf msg = STRBUF_INIT;
	struct step_said said;
	struct step_times tm;
	const char *status;
	int ran, ok;

	memset(&sc, 0, sizeof(sc));
	sc.drill = r->d;
	sc.step = step;
	sc.rec = step_record(step);
	sc.facts = &r->facts;
	sc.bkfacts = &r->bkfacts;
	sc.bundle = r->o->bundle;
	sc.secrets = secret_set();
	sc.secret_vars = &r->secret_vars;
	sc.cancel = cancel;
	step_ctx_begin(&sc, step->n, step->id, step->timeout_s);

	progress_begin(r->progress, (size_t)step->n, r->d->nsteps,
		       drill_phases[step->phase], step->id);
	tm.t0 = clock_wall_ms();
	tm.m0 = clock_boot_ms();
	if (!picked_unchanged(r, &sc, "before")) {
		error_set(&serr, "the picked backup file changed since the pick "
			  "(or a dump since it was verified): what this step "
			  "would read is not provably the bytes picked, so it "
			  "did not run");
		ran = -1;
	} else {
		ran = step->kind->run(&sc, &serr);
		picked_unchanged(r, &sc, "after");
	}
	/* Nothing more goes through a bundle path that names another place. */
	if (fs_anchor_intact(&serr) < 0)
		ran = -1;
	tm.m1 = clock_boot_ms();
	tm.t1 = clock_wall_ms();
	ok = ran == 0 && step_checks_ok(&sc);
	/* What the kind said in its record, before the runner adds to it. */
	step_said_read(sc.rec, &said);
	status = *cancel && !ok ? "aborted" : ok ? "passed" : "failed";
	step_close(r, &sc, &tm, status, said.message,
		   ran < 0 ? serr.msg.buf : NULL, ok, &msg);
	note_times(r, step, tm.m0, tm.m1, tm.t0, ok);
	/* Point-in-time recovery measures the RPO from WAL (step-recover). */
	if (said.has_rpo_wal_ms && said.rpo_wal_ms > r->rpo_wal_ms)
		r->rpo_wal_ms = said.rpo_wal_ms;
	error_release(&serr);
	if (append(r, json_incref(sc.rec)) < 0) {
		append_short(r, step, &tm, status, &msg);
		status = "failed";
		ok = 0;
	}
	progress_end(r->progress, status, tm.m1 - tm.m0, msg.buf);
	/*
	 * The journal redacted the record in place (journal_append()): a
	 * text it rewrote is freed, so what it holds now is read again.
	 */
	if (!ok) {
		step_said_read(sc.rec, &said);
		show_stderr(r, &said);
	}
	json_decref(sc.rec);
	step_ctx_release(&sc);
	strbuf_release(&msg);
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

	secret_add(getenv("PGPASSWORD"));
	for (i = 0; i < d->nconns; i++) {
		const struct drill_conn *conn = &d->conns[i];

		strvec_push_unique(&r->secret_vars, conn->password_env);
		strbuf_reset(&pw);
		if (pg_password(conn, &pw, &ignore) == 0)
			secret_add(pw.buf);
	}
	for (i = 0; i < d->nsteps; i++)
		if (d->steps[i].kind->secret_vars)
			d->steps[i].kind->secret_vars(&d->steps[i], &vars);
	for (i = 0; i < vars.nr; i++) {
		strvec_push_unique(&r->secret_vars, vars.v[i]);
		secret_add(getenv(vars.v[i]));
	}
	strvec_clear(&vars);
	if (pw.alloc)
		explicit_bzero(pw.buf, pw.alloc);
	strbuf_release(&pw);
	error_release(&ignore);
}


/* `rdrill restore`: the file the interrupted run picked, not a newer one. */
static json_t *resumed_pick(struct run *r, const struct drill_item *it,
			    struct strvec *problems)
{
	json_t *rec;
	size_t i;

	json_array_foreach(r->o->resume, i, rec) {
		struct restored_head h;

		restored_head_read(rec, &h);
		if (!strcmp(h.type, "backup") && !strcmp(h.item, it->id)) {
			rec = json_deep_copy(rec);
			json_object_set_new(rec, "from_bundle",
					    json_string(r->o->resume_bundle));
			return rec;
		}
	}
	strvec_pushf(problems, "backup %s: the interrupted run picked no "
		     "file for it", it->id);
	return json_pack("{s:s, s:s, s:s, s:s}", "type", "backup", "item",
			 it->id, "status", "none", "problem",
			 "the interrupted run picked no file");
}

/*
 * A backup record lists every candidate looked at; thousands of them
 * would outgrow a journal line (1 MiB) and the pick would be lost. Past
 * BACKUP_RECORD_CANDIDATES the whole list goes to a file of the bundle,
 * steps/00-backup-N.candidates.jsonl (one candidate a line), named in
 * the record with its SHA-256 (verify checks it like a step log); the
 * record keeps the newest ones and the picked one, and the total.
 */
#define BACKUP_RECORD_CANDIDATES 100

/*
 * What the runner reads of a backup record (backup.h's, or the
 * interrupted run's): which candidate was chosen, and the file its
 * whole list went to.
 */
struct pick_file {
	const char *path;
};

struct pick_read {
	struct schema_int chosen_index;
	struct pick_file *candidates_file;
};

static const struct schema_field pick_file_fields[] = {
	{ .key = "path", .type = SCHEMA_STR,
	  .off = offsetof(struct pick_file, path) },
	{ NULL },
};
static const struct schema pick_file_schema = {
	.what = "candidates file", .fields = pick_file_fields,
	.size = sizeof(struct pick_file),
};
static const struct schema_field pick_read_fields[] = {
	{ .key = "chosen_index", .type = SCHEMA_INT,
	  .off = offsetof(struct pick_read, chosen_index) },
	{ .key = "candidates_file", .type = SCHEMA_OBJ, .obj = &pick_file_schema,
	  .off = offsetof(struct pick_read, candidates_file) },
	{ NULL },
};
static const struct schema pick_read_schema = {
	.what = "backup record", .fields = pick_read_fields,
	.size = sizeof(struct pick_read),
};

static void bound_backup_record(struct run *r, json_t *rec, size_t n)
{
	/* The list is moved as the record holds it: JSON in, JSON out. */
	json_t *all = json_object_get(rec, "candidates"), *kept, *c;
	struct strbuf rel = STRBUF_INIT, path = STRBUF_INIT, text = STRBUF_INIT;
	struct error err = ERROR_INIT;
	char hex[SHA256_HEX_LEN + 1];
	struct pick_read pr;
	long long chosen;
	size_t i;

	if (json_array_size(all) <= BACKUP_RECORD_CANDIDATES)
		return;
	memset(&pr, 0, sizeof(pr));
	schema_bind_lenient(&pick_read_schema, rec, &pr);
	chosen = pr.chosen_index.set ? pr.chosen_index.v : -1;
	schema_release(&pick_read_schema, &pr);
	json_array_foreach(all, i, c) {
		char *line = json_dumps(c, JSON_COMPACT | JSON_ENSURE_ASCII);
		strbuf_addf(&text, "%s\n", line ? line : "{}");
		free(line);
	}
	strbuf_addf(&rel, "steps/00-backup-%zu.candidates.jsonl", n);
	strbuf_addf(&path, "%s/%s", r->o->bundle, rel.buf);
	secret_redact(&text);
	if (fs_write_atomic(path.buf, text.buf, text.len, &err) < 0) {
		/* The pick is kept either way; the list's loss is said. */
		json_object_set_new(rec, "candidates_file_error",
				    json_string(err.msg.buf));
	} else {
		sha256_hex(text.buf, text.len, hex);
		json_object_set_new(rec, "candidates_file", json_pack(
			"{s:s, s:I, s:s}", "path", rel.buf, "bytes",
			(json_int_t)text.len, "sha256", hex));
	}
	kept = json_array();
	json_array_foreach(all, i, c)
		if (i < BACKUP_RECORD_CANDIDATES || (long long)i == chosen)
			json_array_append(kept, c);
	json_object_set_new(rec, "candidates_total",
			    json_integer((json_int_t)json_array_size(all)));
	json_object_set_new(rec, "candidates", kept);
	strbuf_release(&rel);
	strbuf_release(&path);
	strbuf_release(&text);
	error_release(&err);
}

/*
 * A backup record that still does not fit (findings, a problem text):
 * the pick, in a record that does, and the run fails; the destroy gate
 * refuses once the journal has lost anything (destroy_gate()).
 */
static void append_short_backup(struct run *r, json_t *rec)
{
	json_t *min = json_object();
	static const char *const keep[] = {
		"type", "item", "rule", "status", "chosen", "chosen_index",
		"created_ms", "created", "clock", "strength", "fell_back",
		"candidates_total", "candidates_file", "time", NULL
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; keep[i]; i++)
		if (json_object_get(rec, keep[i]))
			json_object_set(min, keep[i], json_object_get(rec, keep[i]));
	strbuf_addf(&sb, "the full record could not be journaled: %s",
		    r->journal_err.msg.buf);
	json_object_set_new(min, "record_problem", json_string(sb.buf));
	append(r, min);
	strbuf_release(&sb);
}

/*
 * Which picked files each step reads: the steps with a text that names
 * ${backup.ID.path} (plain or @quoted), as the drill recorded them when
 * it was bound (drill_step_reads()), whatever the field, so no kind can
 * read a picked file without being checked around it.
 */
static void note_uses(struct run *r)
{
	size_t i, j;

	for (j = 0; j < r->files.nr; j++) {
		struct pickfile *f = &r->files.v[j];

		for (i = 0; pickfile_picked(f) && i < r->d->nsteps; i++)
			f->read_by[i] = (unsigned char)drill_step_reads(
				&r->d->steps[i], f->item);
	}
}

/*
 * The picked file a step reads is still the bytes picked (backup.h:
 * chosen_sha256, chosen_identity): the same inode, size, mtime and ctime
 * as when it was hashed. Checked just before the step (a file swapped
 * since the pick: the step does not run) and just after (swapped or
 * rewritten while it ran, even if put back). One check per file in the
 * record; 0 when one failed.
 */
static int picked_unchanged(struct run *r, struct step_ctx *sc,
			    const char *when)
{
	const struct drill_step *step = sc->step;
	size_t i;
	int ok = 1;

	for (i = 0; i < r->files.nr; i++) {
		const struct pickfile *f = &r->files.v[i];
		struct strbuf what = STRBUF_INIT, exp = STRBUF_INIT, act = STRBUF_INIT;
		int same;

		if (!f->read_by[step->n - 1])
			continue;
		same = pickfile_check(f, when, &what, &exp, &act);
		ok &= step_check_verbatim(sc, what.buf, exp.buf, act.buf, same);
		strbuf_release(&what);
		strbuf_release(&exp);
		strbuf_release(&act);
	}
	return ok;
}

/*
 * Item `it`'s pick: made now, or the interrupted run's (`rdrill
 * restore`); its record as the journal takes it (backup.h) and its file
 * typed in r->files.
 */
static json_t *pick_one(struct run *r, const struct drill_item *it,
			struct strvec *problems, const struct pickfile **f)
{
	struct backup_pick pick;
	json_t *rec;

	if (r->o->resume) {
		rec = resumed_pick(r, it, problems);
		*f = pickfiles_add_record(&r->files, rec);
		return rec;
	}
	backup_pick(it, 1, clock_wall_ms(), r->o->bundle, &pick, problems);
	rec = backup_pick_record(&pick);
	*f = pickfiles_add_pick(&r->files, &pick);
	backup_pick_release(&pick);
	return rec;
}

/* The preflight's check of a pick: a file, readable. */
static json_t *pick_check(const struct drill_item *it,
			  const struct pickfile *f)
{
	struct strbuf what = STRBUF_INIT;
	json_t *c = json_object();

	strbuf_addf(&what, "backup %s: newest of %s", it->id, it->scheduled);
	json_object_set_new(c, "what", json_string(what.buf));
	json_object_set_new(c, "expected", json_string("a file, readable"));
	json_object_set_new(c, "actual", json_string(pickfile_picked(f) ?
						     f->path : f->problem));
	json_object_set_new(c, "ok", json_boolean(
		f->status != BACKUP_NONE && f->status != BACKUP_UNREADABLE));
	strbuf_release(&what);
	return c;
}

/* A resumed pick names the interrupted run's list of candidates as its. */
static void resumed_candidates(json_t *rec)
{
	struct pick_read pr;

	memset(&pr, 0, sizeof(pr));
	schema_bind_lenient(&pick_read_schema, rec, &pr);
	if (pr.candidates_file) {
		json_object_set_new(rec, "candidates_file_in_from_bundle",
				    json_string(pr.candidates_file->path ?
						pr.candidates_file->path : ""));
		json_object_del(rec, "candidates_file");
	}
	schema_release(&pick_read_schema, &pr);
}

/*
 * Pick each scheduled item's file (backup.h), journal what was looked
 * at, and bind the picks into the steps that name them. The
 * plan, its hash and the start record keep the rule: the file is
 * evidence of the run, not part of what was approved. Problems that
 * refuse the run go to `problems` and a check each to `checks`; a
 * damaged newest file to `damaged`.
 */
static void pick_backups(struct run *r, struct strvec *problems,
			 json_t *checks, struct strbuf *damaged)
{
	struct strbuf missing = STRBUF_INIT;
	size_t i, before = problems->nr;

	for (i = 0; i < r->d->nitems; i++) {
		const struct drill_item *it = &r->d->items[i];
		const struct pickfile *f;
		json_t *rec;

		if (!it->scheduled)
			continue;
		rec = pick_one(r, it, problems, &f);
		json_array_append_new(checks, pick_check(it, f));
		if (pickfile_picked(f))
			expand_picks_set(&r->bound, it->id, f->path);
		else if (f->status == BACKUP_DAMAGED && !damaged->len)
			strbuf_adds(damaged, f->problem);
		json_object_set_new(rec, "time", journal_utc(clock_wall_ms()));
		/* The interrupted run's list of candidates is in its bundle. */
		if (r->o->resume)
			resumed_candidates(rec);
		bound_backup_record(r, rec, i + 1);
		json_incref(rec);
		if (append(r, rec) < 0)
			append_short_backup(r, rec);
		json_decref(rec);
	}
	if (problems->nr > before || damaged->len || !r->bound.nr)
		goto out;
	note_uses(r);
	/* The steps read the files from here on; the plan keeps the rule. */
	if (drill_bind_picks(r->o->drill, &r->bound, &missing) < 0)
		BUG("placeholder of an unknown item %s", missing.buf);
out:
	strbuf_release(&missing);
}

/*
 * Preflight, journaled before step 1: every problem at once, and the run
 * refused (nothing ran) when there is one. 0 = go on; 1: a scheduled
 * backup's newest file is damaged (the run fails, nothing ran).
 */
static int preflight(struct run *r)
{
	static preflight_fn *const drill_checks[] = { ssh_preflight, NULL };
	struct strvec problems = STRVEC_INIT;
	struct strbuf damaged = STRBUF_INIT;
	json_t *bchecks = json_array(), *rec, *c;
	size_t i, nb;
	int ret = 0;

	pick_backups(r, &problems, bchecks, &damaged);
	nb = problems.nr;
	rec = preflight_check(r->d, r->o->bundle, drill_checks, &problems);
	/* `rdrill restore` writes no backup: the interrupted run's exist. */
	if (!r->o->resume)
		preflight_artifacts(r->d, rec, &problems);
	json_array_foreach(bchecks, i, c)
		json_array_append(json_object_get(rec, "checks"), c);
	for (i = 0; i < nb; i++)
		json_array_append_new(json_object_get(rec, "problems"),
				      json_string(problems.v[i]));
	if (nb)
		json_object_set_new(rec, "status", json_string("refused"));
	json_decref(bchecks);
	json_object_set_new(rec, "time", journal_utc(clock_wall_ms()));
	if (append(r, rec) < 0)
		ret = -1;
	if (problems.nr) {
		strbuf_addf(&r->reason, "preflight: %zu problem%s: ",
			    problems.nr, problems.nr == 1 ? "" : "s");
		for (i = 0; i < problems.nr; i++)
			strbuf_addf(&r->reason, "%s%s", i ? "; " : "",
				    problems.v[i]);
		ret = -1;
	} else if (damaged.len) {
		strbuf_addf(&r->reason, "%s", damaged.buf);
		ret = 1;
	}
	strvec_clear(&problems);
	strbuf_release(&damaged);
	return ret;
}

/*
 * The freshness checks: the newest value of each declared column, before
 * the first destroy step and after the restore phase, journaled as
 * {"type": "freshness", "when", "checks": [{..., "newest", "newest_ms"}]}.
 * A query that fails is recorded with its error, never fails the drill:
 * it is evidence about the data lost, not a step.
 */
static void freshness(struct run *r, const char *when)
{
	const struct drill *d = r->d;
	json_t *rec = json_object(), *arr = json_array();
	size_t i;

	for (i = 0; i < d->nfreshness; i++) {
		const struct drill_freshness *f = &d->freshness[i];
		const char *conn = f->connection ? f->connection :
				   d->canary ? d->canary->connection : "";
		const char *table = f->table ? f->table :
				    d->canary ? d->canary->table : "";
		struct strbuf sql = STRBUF_INIT, qt = STRBUF_INIT,
			      qc = STRBUF_INIT;
		struct error err = ERROR_INIT;
		/* One minute for the whole check, connecting included. */
		struct pg_deadline dl;
		struct pg_query_opts qo = { 0, NULL, &dl, NULL, NULL, 0 };
		struct pg_result res;
		const char *cell;
		int have;
		json_t *o = json_object();
		PGconn *c;

		pg_deadline_init(&dl, 60, r->o->cancel);
		pg_result_init(&res);

		json_object_set_new(o, "connection", json_string(conn));
		json_object_set_new(o, "table", json_string(table));
		json_object_set_new(o, "column", json_string(f->column));
		json_object_set_new(o, "unit", json_string(f->unit));
		c = runfacts_connect(&r->facts, d, conn, secret_set(), &dl, &err);
		if (!c || pg_quote_table(c, table, &qt, &err) < 0 ||
		    pg_quote_ident(c, f->column, &qc, &err) < 0)
			goto done;
		if (!strcmp(f->unit, "timestamp"))
			strbuf_addf(&sql, "SELECT max(%s)::text, (extract(epoch "
				    "FROM max(%s)) * 1000)::bigint::text FROM %s",
				    qc.buf, qc.buf, qt.buf);
		else
			strbuf_addf(&sql, "SELECT max(%s)::text, (max(%s)::numeric"
				    " * %d)::bigint::text FROM %s", qc.buf, qc.buf,
				    strcmp(f->unit, "epoch_s") ? 1 : 1000, qt.buf);
		json_object_set_new(o, "query", json_string(sql.buf));
		/*
		 * A read of evidence, never a write; timestamps as UTC text, so
		 * the record does not depend on the server's or rdrill's zone.
		 */
		if (pg_exec(c, "SET SESSION CHARACTERISTICS AS TRANSACTION READ "
			    "ONLY", &qo, &res, &err) < 0)
			goto done;
		pg_result_release(&res);
		if (pg_exec(c, "SET TimeZone = 'UTC'", &qo, &res, &err) < 0)
			goto done;
		pg_result_release(&res);
		if (pg_exec(c, sql.buf, &qo, &res, &err) < 0)
			goto done;
		/* max() as text (NULL: an empty table), and in ms. */
		cell = pg_result_cell(&res, 0, 0, &have);
		if (have)
			json_object_set_new(o, "newest", cell ? json_string(cell) :
					    json_null());
		cell = pg_result_cell(&res, 0, 1, &have);
		if (have && cell)
			json_object_set_new(o, "newest_ms", json_integer(
				strtoll(cell, NULL, 10)));
done:
		if (err.msg.len) {
			struct strbuf m = STRBUF_INIT;
			strbuf_add(&m, err.msg.buf, err.msg.len);
			pg_redact(&m, secret_set());
			json_object_set_new(o, "error", json_string(m.buf));
			strbuf_release(&m);
		}
		if (c)
			PQfinish(c);
		pg_result_release(&res);
		json_array_append_new(arr, o);
		strbuf_release(&sql);
		strbuf_release(&qt);
		strbuf_release(&qc);
		error_release(&err);
	}
	json_object_set_new(rec, "type", json_string("freshness"));
	json_object_set_new(rec, "when", json_string(when));
	json_object_set_new(rec, "time", journal_utc(clock_wall_ms()));
	json_object_set_new(rec, "checks", arr);
	json_array_append(r->picks, rec);
	append(r, rec);
}

/* The safety gates: checked before anything runs. 0 = go on. */
static int gates(struct run *r)
{
	const char *env = r->d->environment;
	const char *hash = journal_str(r->o->plan, "plan_hash");
	size_t i;
	int destructive = 0;

	if (r->o->approved && strcmp(r->o->approved, hash)) {
		/* A plan bundle's approval says what changed (cmd-run.c). */
		const char *why = journal_str(r->o->approval, "mismatch");

		strbuf_addf(&r->reason, "the plan hash %s is not the approved "
			    "plan %s: %s", hash, r->o->approved, *why ? why :
			    "the drill file, its variables or the date changed "
			    "since the review (a bare hash carries no review "
			    "date: it must match exactly; --approved-plan DIR, "
			    "a reviewed plan bundle, lets the date roll forward)");
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

static void add_age(struct strbuf *sb, long long ms)
{
	long long sec = ms / 1000;

	if (sec >= 86400)
		strbuf_addf(sb, "%lldd%02lldh%02lldm", sec / 86400,
			    sec / 3600 % 24, sec / 60 % 60);
	else if (sec >= 3600)
		strbuf_addf(sb, "%lldh%02lldm", sec / 3600, sec / 60 % 60);
	else
		strbuf_addf(sb, "%.1fs", (double)ms / 1000.0);
}

/* The drill fails for `why` (the first reason is kept first). */
static void fail(struct run *r, const char *why)
{
	if (r->status == RUNNER_PASSED)
		r->status = RUNNER_FAILED;
	strbuf_addf(&r->reason, "%s%s", r->reason.len ? "; " : "", why);
}

/*
 * The RPO cannot be shown, and a drill that cannot show it has not met
 * it: the row is FAILED and so is the run, with `why` as the reason.
 */
static void rpo_failed(struct run *r, json_t *end, const struct pickfile *f,
		       const char *why, json_t *findings)
{
	struct strbuf sb = STRBUF_INIT;

	json_object_set_new(end, "rpo_unmeasured", json_string(why));
	/* A figure on a doubtful clock fails its row (report.c). */
	json_object_set_new(end, "rpo_doubtful", json_true());
	strbuf_addf(&sb, "RPO not shown: backup %s, %s: %s", f->item, f->path,
		    why);
	json_array_append_new(findings, json_string(sb.buf));
	fail(r, sb.buf);
	strbuf_release(&sb);
}

static void rpo_source(struct run *r, json_t *end, const struct pickfile *f)
{
	json_object_set_new(end, "rpo_item", json_string(f->item));
	json_object_set_new(end, "rpo_path", json_string(f->path));
	json_object_set_new(end, "rpo_clock", json_string(f->clock));
	json_object_set_new(end, "rpo_created", json_string(f->created));
	json_object_set_new(end, "rpo_disaster", journal_utc(r->disaster_wall_ms));
}

/*
 * RPO from the scheduled backups' own evidence: the disaster (the first
 * destructive step's start, wall clock) minus the restored file's
 * creation time (backup.h: which clock). The worst item counts; config
 * items do not. A clock its file contradicts (backup.c: in the future,
 * after the file's last change, an archive made after it was last
 * written), or one after the disaster, shows no
 * RPO: FAILED, never "not demonstrated", which would let the run pass.
 */
static void measure_rpo_scheduled(struct run *r, json_t *end, long rpo_t)
{
	const struct pickfile *worst = NULL, *contra = NULL;
	json_t *findings = json_array();
	long long age = 0;
	size_t i;

	json_object_set_new(end, "rpo_source", json_string("scheduled"));
	for (i = 0; i < r->files.nr; i++) {
		const struct pickfile *f = &r->files.v[i];
		const struct drill_item *it;
		long long a;

		if (!pickfile_picked(f))
			continue;
		/*
		 * Configuration changes rarely: a config tarball's newest
		 * member says nothing of when it was made, and its age is no
		 * data lost. Shown with its clock, not counted.
		 */
		it = drill_item(r->d, f->item);
		if (it && !strcmp(it->kind, "config"))
			continue;
		if (!contra && f->contradicted)
			contra = f;
		a = r->disaster_wall_ms - f->created_ms;
		if (!worst || a > age) {
			worst = f;
			age = a;
		}
	}
	if (!worst || !r->disaster_wall_ms) {
		json_object_set_new(end, "rpo_unmeasured", json_string(!worst ?
			"no scheduled database or file backup was picked" :
			"the drill did not reach its first destructive step"));
		json_decref(findings);
		return;
	}
	if (contra) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "its clock is contradicted (%s), so its age "
			    "is no evidence", contra->contradicted);
		rpo_source(r, end, contra);
		rpo_failed(r, end, contra, sb.buf, findings);
		strbuf_release(&sb);
		json_object_set_new(end, "findings", findings);
		return;
	}
	rpo_source(r, end, worst);
	if (age < 0) {
		rpo_failed(r, end, worst, "the backup's creation time is after "
			   "the disaster, though the file was picked before "
			   "it: its clock is no evidence", findings);
		json_object_set_new(end, "findings", findings);
		return;
	}
	r->rpo_created_ms = worst->created_ms;
	json_object_set_new(end, "rpo_ms", json_integer(age));
	if (rpo_t && age > rpo_t * 1000) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "RPO not met: backup %s, %s, was ",
			    worst->item, worst->path);
		add_age(&sb, age);
		strbuf_addf(&sb, " old when the disaster began (made %s by its "
			    "%s; target ", worst->created,
			    backup_clock_name(worst->clock));
		add_age(&sb, (long long)rpo_t * 1000);
		strbuf_addch(&sb, ')');
		json_array_append_new(findings, json_string(sb.buf));
		if (r->status == RUNNER_PASSED) {
			r->status = RUNNER_FAILED;
			strbuf_addf(&r->reason, "%s%s", r->reason.len ? "; " : "",
				    sb.buf);
		}
		strbuf_release(&sb);
	}
	json_object_set_new(end, "findings", findings);
}

/* How far a row's clock may be from the backup's and rdrill's. */
#define CLOCK_SLACK_MS 60000LL

/*
 * Does the data-lost figure agree with the RPO? Only a scheduled backup
 * has a creation time to compare with. The rows lost are those newer
 * than the newest restored one (am) up to the newest before destroy
 * (bm); they should have been written after the backup was made and
 * before the disaster. "agrees": they were (the RPO covers them);
 * "differs" (with why): they are stamped before the backup was made;
 * "doubtful_restored" (restored rows newer than the backup's creation
 * time) and "doubtful_future" (rows stamped after the disaster) fail
 * the drill: one of the clocks is no evidence.
 */
static void coherence(struct run *r, json_t *o, long long bm, long long am)
{
	long long made = r->rpo_created_ms, dis = r->disaster_wall_ms;
	const char *why = NULL, *verdict = "agrees";

	if (!made || !dis)
		return;
	json_object_set_new(o, "backup_made_ms", json_integer(made));
	json_object_set_new(o, "disaster_ms", json_integer(dis));
	if (am > made + CLOCK_SLACK_MS) {
		verdict = "doubtful_restored";
		why = "data lost: the restored data holds rows stamped after "
		      "the backup's creation time: that time, or the rows' "
		      "clock, is no evidence";
	} else if (bm > dis + CLOCK_SLACK_MS) {
		verdict = "doubtful_future";
		why = "data lost: rows are stamped after the disaster (in the "
		      "future of this host's clock): their clock is no evidence";
	} else if (bm > am && bm <= made) {
		verdict = "differs";
		why = "the rows lost are stamped before the backup was made: "
		      "the column is not their write time, or the backup holds "
		      "older data than its creation time says";
	}
	json_object_set_new(o, "coherence", json_string(verdict));
	if (why)
		json_object_set_new(o, "coherence_why", json_string(why));
	if (!strncmp(verdict, "doubtful", 8))
		fail(r, why);
}

/*
 * A freshness record as measure() reads it: this run's own, or the
 * interrupted run's before destroy (`rdrill restore`), through one
 * table. A row's "newest" is the column's max() as text, JSON null for
 * an empty table, absent when its query failed ("error"): text or not,
 * it is copied to the end record as it was, and so are its table and
 * column (the interrupted run's record is hostile: as ever, any JSON).
 */
struct fresh_row {
	json_t *table, *column, *newest;        /* as recorded, NULL: absent */
	struct schema_int newest_ms;
};

struct fresh_read {
	const char *type, *when;
	struct fresh_row *rows;
	size_t nrows;
};

static const struct schema_field fresh_row_fields[] = {
	{ .key = "table", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fresh_row, table) },
	{ .key = "column", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fresh_row, column) },
	{ .key = "newest", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct fresh_row, newest) },
	{ .key = "newest_ms", .type = SCHEMA_INT,
	  .off = offsetof(struct fresh_row, newest_ms) },
	{ NULL },
};
static const struct schema fresh_row_schema = {
	.what = "freshness row", .fields = fresh_row_fields,
	.size = sizeof(struct fresh_row),
};
static const struct schema_field fresh_row_item = {
	.type = SCHEMA_OBJ, .obj = &fresh_row_schema };
static const struct schema_field fresh_read_fields[] = {
	{ .key = "type", .type = SCHEMA_STR,
	  .off = offsetof(struct fresh_read, type) },
	{ .key = "when", .type = SCHEMA_STR,
	  .off = offsetof(struct fresh_read, when) },
	{ .key = "checks", .type = SCHEMA_LIST, .item = &fresh_row_item,
	  .off = offsetof(struct fresh_read, rows),
	  .off2 = offsetof(struct fresh_read, nrows) },
	{ NULL },
};
static const struct schema fresh_read_schema = {
	.what = "freshness record", .fields = fresh_read_fields,
	.size = sizeof(struct fresh_read),
};

/* A member of a row as the record had it; NULL: none. */
static void fresh_copy(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set(o, key, v);
}

/* Newest value before the destruction minus after the restore. */
static void measure_freshness(struct run *r, json_t *end)
{
	struct fresh_read rd[2], *before = NULL, *after = NULL;
	json_t *rec, *out;
	size_t i, k = 0;

	memset(rd, 0, sizeof(rd));
	/* The last record of each, as ever (a hostile bundle has more). */
	json_array_foreach(r->picks, i, rec) {
		struct fresh_read fr;

		memset(&fr, 0, sizeof(fr));
		schema_bind_lenient(&fresh_read_schema, rec, &fr);
		if (!fr.type || strcmp(fr.type, "freshness")) {
			schema_release(&fresh_read_schema, &fr);
			continue;
		}
		k = fr.when && !strcmp(fr.when, "before_destroy") ? 0 : 1;
		schema_release(&fresh_read_schema, &rd[k]);
		rd[k] = fr;
		if (k)
			after = &rd[1];
		else
			before = &rd[0];
	}
	if (!before)
		goto out;
	out = json_array();
	for (i = 0; i < before->nrows; i++) {
		const struct fresh_row *c = &before->rows[i];
		const struct fresh_row *a = after && i < after->nrows ?
					    &after->rows[i] : NULL;
		json_t *o = json_object();

		fresh_copy(o, "table", c->table);
		fresh_copy(o, "column", c->column);
		fresh_copy(o, "before", c->newest);
		if (a)
			fresh_copy(o, "after", a->newest);
		if (c->newest_ms.set && a && a->newest_ms.set) {
			long long bm = c->newest_ms.v, am = a->newest_ms.v;

			json_object_set_new(o, "before_ms", json_integer(bm));
			json_object_set_new(o, "after_ms", json_integer(am));
			json_object_set_new(o, "lost_ms", json_integer(bm - am));
			coherence(r, o, bm, am);
		}
		json_array_append_new(out, o);
	}
	json_object_set_new(end, "freshness", out);
out:
	for (k = 0; k < 2; k++)
		schema_release(&fresh_read_schema, &rd[k]);
}

/*
 * RTO: first destructive step started -> last restore verification
 * passed (boot clock). RPO: from the scheduled backup's evidence when
 * the drill restores one (measure_rpo_scheduled); when the drill made
 * its own backup, backup finished -> first destructive step started is
 * recorded but is no evidence of the schedule (rpo_source "own_backup"):
 * it neither passes nor fails the drill. In ms; a target is missed by a
 * single millisecond as much as by an hour.
 */
static void measure(struct run *r, json_t *end)
{
	const struct drill_targets *t = r->d->targets;
	long rto_t = t && t->rto_s.set ? t->rto_s.v : 0;
	long rpo_t = t && t->rpo_s.set ? t->rpo_s.v : 0;

	if (drill_nscheduled(r->d)) {
		measure_rpo_scheduled(r, end, rpo_t);
	} else if (r->backup_steps) {
		json_object_set_new(end, "rpo_source", json_string("own_backup"));
		if (r->first_destroy_ms && r->backup_end_ms) {
			long long rpo = r->first_destroy_ms - r->backup_end_ms;
			json_object_set_new(end, "rpo_ms",
					    json_integer(rpo < 0 ? 0 : rpo));
		}
	} else {
		json_object_set_new(end, "rpo_source", json_string("none"));
	}
	measure_freshness(r, end);
	if (r->rpo_wal_ms >= 0) {
		json_object_set_new(end, "rpo_wal_ms", json_integer(r->rpo_wal_ms));
		if (rpo_t && r->rpo_wal_ms > rpo_t * 1000LL) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_adds(&sb, "RPO from WAL ");
			add_age(&sb, r->rpo_wal_ms);
			strbuf_adds(&sb, " exceeds the target ");
			add_age(&sb, (long long)rpo_t * 1000);
			fail(r, sb.buf);
			strbuf_release(&sb);
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

/*
 * A run that destroyed and did not verify its restore did worse than
 * fail: the system is down. Its verdict says so (restored.h).
 */
static void left_destroyed(struct run *r)
{
	if (!r->destroy_started || r->status == RUNNER_PASSED ||
	    r->status == RUNNER_REFUSED)
		return;
	if (r->verify_restore_total &&
	    r->verify_restore_passed == r->verify_restore_total)
		return;
	r->status = RUNNER_NOT_RESTORED;
}

static json_t *start_record(struct run *r, const char *plan_text)
{
	json_t *rec = json_object(), *ctx = json_object();
	struct strbuf sb = STRBUF_INIT;

	json_object_set_new(rec, "type", json_string("start"));
	json_object_set_new(rec, "mode", json_string("run"));
	json_object_set_new(rec, "time", journal_utc(clock_wall_ms()));
	/* A plan of thousands of steps is named by plan.json's hash. */
	journal_set_plan(rec, r->o->plan, plan_text);
	plan_operator(&sb);
	json_object_set_new(ctx, "operator", json_string(sb.buf));
	json_object_set_new(ctx, "rdrill_version", json_string(RDRILL_VERSION));
	json_object_set_new(ctx, "environment", envinfo_collect());
	/* The report names its bundle, so a printed copy finds its evidence. */
	{
		const char *slash = strrchr(r->o->bundle, '/');

		json_object_set_new(ctx, "bundle", json_string(slash && slash[1] ?
				    slash + 1 : r->o->bundle));
	}
	/* The report says who signs; the SEAL.sig proves it. */
	json_object_set_new(ctx, "signing_key", r->o->sign_key ?
			    json_string(sign_key_fingerprint(r->o->sign_key)) :
			    json_null());
	if (r->o->confirm)
		json_object_set_new(ctx, "confirm", json_string(r->o->confirm));
	if (r->o->approved)
		json_object_set_new(ctx, "approved_plan",
				    json_string(r->o->approved));
	if (r->o->change_ref)
		json_object_set_new(ctx, "change_ref",
				    json_string(r->o->change_ref));
	/* The report puts the previous run's figures beside its own. */
	{
		struct strbuf parent = STRBUF_INIT;
		const char *slash = strrchr(r->o->bundle, '/');
		json_t *prev;

		strbuf_add(&parent, r->o->bundle, slash ?
			   (size_t)(slash - r->o->bundle) : 0);
		if (!parent.len)
			strbuf_adds(&parent, slash ? "/" : ".");
		prev = history_previous(parent.buf, r->o->bundle, r->o->drill->id,
					r->o->drill->environment);
		if (prev)
			json_object_set_new(ctx, "previous", prev);
		strbuf_release(&parent);
	}
	if (r->o->approval)
		json_object_set(ctx, "approval", r->o->approval);
	{
		const char *b = strrchr(r->o->bundle, '/');
		json_object_set_new(ctx, "bundle", json_string(b && b[1] ?
				    b + 1 : r->o->bundle));
	}
	if (r->o->resume) {
		json_t *res = json_object(), *x;
		const char *b = strrchr(r->o->resume_bundle, '/');
		size_t i;

		json_object_set_new(res, "bundle", json_string(b && b[1] ?
				    b + 1 : r->o->resume_bundle));
		json_object_set_new(res, "path", json_string(r->o->resume_bundle));
		json_object_set_new(res, "chain_head", json_string(r->o->resume_head));
		json_array_foreach(r->o->resume, i, x) {
			struct jrecord_destroy ds;

			if (jrecord_destroy_read(x, &ds)) {
				if (*ds.time)
					json_object_set_new(res, "destroyed",
							    json_string(ds.time));
				break;
			}
		}
		json_object_set_new(ctx, "resumes", res);
	}
	json_object_set_new(ctx, "vars_given", r->o->vars_given ?
			    json_incref(r->o->vars_given) : json_object());
	json_object_set_new(rec, "context", ctx);
	strbuf_release(&sb);
	return rec;
}

/* 0: the destroy phase may start; else why not, in r->reason. */
static int destroy_gate(struct run *r)
{
	/* Nothing is destroyed once the evidence of the run is incomplete. */
	if (r->journal_err.msg.len) {
		strbuf_addf(&r->reason, "%sdestroy refused: the journal lost a "
			    "record (%s)", r->reason.len ? "; " : "",
			    r->journal_err.msg.buf);
		return -1;
	}
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

/*
 * Before the first destructive step: a "destroy" record, so that a run
 * killed inside that step still reads NOT RESTORED (restored.h), with
 * what the later checks compare against (the canary row, fingerprints,
 * sql captures): `rdrill restore` takes it from this run's journal. A
 * state too big for one record is left out, never the record.
 */
static void destroy_record(struct run *r, const struct drill_step *step)
{
	json_t *rec = json_object(), *st = runfacts_state_json(&r->facts);
	struct error err = ERROR_INIT;

	r->destroy_started = 1;
	json_object_set_new(rec, "type", json_string("destroy"));
	json_object_set_new(rec, "n", json_integer(step->n));
	json_object_set_new(rec, "id", json_string(step->id));
	json_object_set_new(rec, "time", journal_utc(clock_wall_ms()));
	json_object_set_new(rec, "state", st);
	if (journal_append(r->journal, rec, &err) < 0) {
		json_object_del(rec, "state");
		json_object_set_new(rec, "state_left_out", json_string(err.msg.buf));
		append(r, json_incref(rec));
	}
	json_decref(rec);
	error_release(&err);
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

/* `rdrill restore`: a step before the restore phase ran in the interrupted run. */
static void resumed_step(struct run *r, const struct drill_step *step)
{
	json_t *rec = step_record(step);
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "skipped: done in the interrupted run %s",
		    r->o->resume_bundle);
	json_object_set_new(rec, "status", json_string("skipped"));
	json_object_set_new(rec, "message", json_string(sb.buf));
	json_object_set_new(rec, "resumed", json_true());
	append(r, rec);
	strbuf_release(&sb);
}

/*
 * The interrupted run's evidence this run relies on, copied into its
 * own journal (marked so): a restore of this run, or a render of it
 * killed, reads it here.
 */
static void copy_record(struct run *r, json_t *rec)
{
	json_t *c = json_deep_copy(rec);

	json_object_del(c, "seq");
	json_object_del(c, "prev");
	json_object_set_new(c, "from_bundle", json_string(r->o->resume_bundle));
	append(r, c);
}

/*
 * Seed a `rdrill restore` run with what the interrupted run knew: its
 * state before destroy, its picks and freshness, which phases started
 * and how its steps ended (for when:), and its disaster time, so the
 * RTO runs from the real disaster on this host's boot clock.
 */
static void resume_seed(struct run *r)
{
	json_t *rec;
	size_t i;

	runfacts_seed(&r->facts, restored_state(r->o->resume));
	json_array_foreach(r->o->resume, i, rec) {
		struct restored_head h;
		const char *type;
		long n;

		restored_head_read(rec, &h);
		type = h.type;
		n = h.n.v;
		if (!strcmp(type, "freshness") &&
		    !strcmp(h.when, "before_destroy")) {
			json_array_append(r->picks, rec);
			r->fresh_before = 1;
			copy_record(r, rec);
		} else if (!strcmp(type, "destroy") && !r->destroy_started) {
			long long t = clock_parse_utc_ms(h.time);
			r->destroy_started = 1;
			copy_record(r, rec);
			if (t > 0) {
				r->disaster_wall_ms = t;
				r->first_destroy_ms = clock_boot_ms() -
						      (clock_wall_ms() - t);
			}
		} else if (!strcmp(type, "step") && n >= 1 &&
			   (size_t)n <= r->d->nsteps) {
			const char *s = h.status;
			r->phase_started[r->d->steps[n - 1].phase] = 1;
			r->outcome[n - 1] = !strcmp(s, "passed") ? 1 :
					    !strcmp(s, "skipped") ? 0 : 2;
		}
	}
}

/*
 * A file a step proved whole (step_kind.proved_file: a toc step's dump,
 * a drill's own backup at a path the drill names): the destroy and
 * restore steps whose plan names that path are checked around them
 * like a picked file's (picked_unchanged), so what is restored is the
 * file verified, not one put there since. A scheduled pick is checked
 * already.
 */
static void note_verified(struct run *r, const struct drill_step *step)
{
	const char *dump = step->kind->proved_file(step), *path;
	struct expand_template t = EXPAND_TEMPLATE_INIT;
	struct strbuf filled = STRBUF_INIT, missing = STRBUF_INIT;
	struct stat sb;
	char hex[SHA256_HEX_LEN + 1];
	struct error e = ERROR_INIT;
	struct strbuf item = STRBUF_INIT;
	struct pickfile *f;
	size_t i;

	/* The plan's text, with the picked files where it names them. */
	if (dump && expand_template_parse(dump, &t) &&
	    expand_template_fill(&t, &r->bound, &filled, &missing) == 0)
		dump = filled.buf;
	path = dump;
	for (i = 0; path && i < r->files.nr; i++)
		if (pickfile_picked(&r->files.v[i]) &&
		    !strcmp(r->files.v[i].path, path))
			path = NULL;
	if (!path || *path != '/' || stat(path, &sb) < 0 ||
	    sha256_file_hex(path, hex, NULL, &e) < 0)
		goto out;
	strbuf_addf(&item, "dump verified by step %s", step->id);
	f = pickfiles_add_verified(&r->files, item.buf, path, hex, &sb);
	for (i = 0; i < r->d->nsteps; i++) {
		const struct drill_step *later = &r->d->steps[i];

		if (later->n > step->n && (later->phase == DRILL_DESTROY ||
					   later->phase == DRILL_RESTORE))
			f->read_by[i] = (unsigned char)drill_step_mentions(later,
									   path);
	}
out:
	expand_template_release(&t);
	strbuf_release(&filled);
	strbuf_release(&missing);
	strbuf_release(&item);
	error_release(&e);
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
	if (step->destructive && !r->destroy_started)
		destroy_record(r, step);
	ok = run_step(r, step, cancel);
	r->outcome[step->n - 1] = ok ? 1 : 2;
	if (ok && step->kind->proved_file)
		note_verified(r, step);
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
		if (r->o->resume && step->phase < DRILL_RESTORE) {
			resumed_step(r, step);
			continue;
		}
		if (r->d->nfreshness && step->phase == DRILL_DESTROY &&
		    !r->fresh_before) {
			r->fresh_before = 1;
			freshness(r, "before_destroy");
		}
		if (r->d->nfreshness && step->phase > DRILL_RESTORE &&
		    r->phase_started[DRILL_RESTORE] && !r->fresh_after) {
			r->fresh_after = 1;
			freshness(r, "after_restore");
		}
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
	if (!stopped && r->d->nfreshness && r->phase_started[DRILL_RESTORE] &&
	    !r->fresh_after) {
		r->fresh_after = 1;
		freshness(r, "after_restore");
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
	if (fs_mkdir_new(path.buf, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", o->bundle);
	r->journal = journal_create(path.buf, err);
	if (!r->journal)
		goto out;
	if (append(r, start_record(r, text)) < 0) {
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
	runfacts_init(&r.facts);
	bkfacts_init(&r.bkfacts);
	strvec_init(&r.secret_vars);
	strbuf_init(&r.reason, 0);
	error_init(&r.journal_err);
	r.status = RUNNER_PASSED;
	r.outcome = xcalloc(r.d->nsteps ? r.d->nsteps : 1, 1);
	r.rpo_wal_ms = -1;
	for (i = 0; i < r.d->nsteps; i++) {
		r.verify_backup_total += r.d->steps[i].phase == DRILL_VERIFY_BACKUP;
		r.verify_restore_total += r.d->steps[i].phase ==
					  DRILL_VERIFY_RESTORE;
	}
	/* Before the start record: its context is redacted too. */
	collect_secrets(&r);
	if (open_bundle(&r, err) < 0)
		goto out;
	r.progress = progress_new(o->progress, o->tty);
	r.picks = json_array();
	pickfiles_init(&r.files, r.d->nsteps);
	if (o->resume)
		resume_seed(&r);
	switch (preflight(&r)) {
	case 0:
		run_phases(&r);
		run_cleanup(&r);
		break;
	case 1:
		/* Nothing ran: no cleanup to do. */
		r.status = RUNNER_FAILED;
		break;
	default:
		r.status = RUNNER_REFUSED;
	}
	end = json_object();
	{
		/* Scratch servers the steps left: stopped, removed. */
		json_t *sc = step_finish_all(&r.bkfacts);
		if (json_array_size(sc))
			json_object_set_new(end, "scratch_cleanup", sc);
		else
			json_decref(sc);
	}
	json_object_set_new(end, "type", json_string("end"));
	json_object_set_new(end, "time", journal_utc(clock_wall_ms()));
	measure(&r, end);
	left_destroyed(&r);
	json_object_set_new(end, "status",
			    json_string(runner_status_word(r.status)));
	if (r.reason.len)
		json_object_set_new(end, "reason", json_string(r.reason.buf));
	/* Without its end record the report reads INCOMPLETE: true. */
	append(&r, end);
	journal_free(r.journal);
	r.journal = NULL;

	/* The step logs' names, like their bytes, before the seal lists them. */
	if (fs_anchor_intact(err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/steps", o->bundle);
	if (fs_fsync_dir(path.buf, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", o->bundle);
	records = journal_read(path.buf, NULL, err);
	if (!records || bundle_close(o->bundle, records, o->lang,
				     SEAL_COMPLETE, "run", o->sign_key, err) < 0)
		goto out;
	*status = r.status;
	strbuf_add(reason, r.reason.buf, r.reason.len);
	ret = 0;
out:
	progress_free(r.progress);
	journal_free(r.journal);
	json_decref(records);
	runfacts_release(&r.facts);
	bkfacts_release(&r.bkfacts);
	json_decref(r.picks);
	pickfiles_release(&r.files);
	/* The caller's drill as it was given: the plan's texts. */
	drill_unbind_picks(o->drill);
	expand_picks_release(&r.bound);
	free(r.outcome);
	strvec_clear(&r.secret_vars);
	strbuf_release(&r.reason);
	error_release(&r.journal_err);
	strbuf_release(&path);
	return ret;
}
