#include "jrecord.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "planread.h"
#include "strbuf.h"
#include "sha256.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void jrecords_init(struct jrecords *jr)
{
	memset(jr, 0, sizeof(*jr));
	jr->others = json_array();
	jr->fd = -1;
}

static void blocks_free(struct jrecord_block **b)
{
	while (*b) {
		struct jrecord_block *next = (*b)->next;

		free(*b);
		*b = next;
	}
}

/* A copy of `s` in `*b`'s blocks (64 KiB each, or one for a longer s). */
static char *keep_str(struct jrecord_block **b, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (!*b || (*b)->size - (*b)->used < n) {
		size_t fill = (64u << 10) - sizeof(struct jrecord_block);
		size_t size = n > fill ? n : fill;
		struct jrecord_block *nb = xmalloc(sizeof(*nb) + size);

		nb->next = *b;
		nb->used = 0;
		nb->size = size;
		*b = nb;
	}
	p = (*b)->text + (*b)->used;
	memcpy(p, s, n);
	(*b)->used += n;
	return p;
}

void jrecords_release(struct jrecords *jr)
{
	size_t i;

	/* First: a viewer may hold what it borrowed from the records. */
	if (jr->viewer.release)
		jr->viewer.release(jr->viewer.ctx);
	for (i = 0; i < jr->nsteps; i++)
		json_decref(jr->step[i].rec);
	blocks_free(&jr->step_text);
	jrecords_drop_logs(jr);
	free(jr->step);
	free(jr->other_index);
	json_decref(jr->others);
	if (jr->fd >= 0)
		close(jr->fd);
	drill_free(jr->drill);
	free(jr->path);
	memset(jr, 0, sizeof(*jr));
	jr->fd = -1;
}

void jrecords_drop_logs(struct jrecords *jr)
{
	blocks_free(&jr->log_text);
	free(jr->log);
	jr->log = NULL;
	jr->nlogs = jr->alloc_logs = 0;
}

/*
 * Each member of `rec` that names a file by its hash, {"path": ...,
 * "sha256": ...}: verify re-hashes them (seal.c). The start record's
 * plan_file is plan.json, checked as the journal is read. Returns the
 * bytes held.
 */
static size_t collect_logs(struct jrecords *jr, json_t *rec)
{
	const char *key;
	json_t *v;
	size_t held = 0;

	json_object_foreach(rec, key, v) {
		const char *rel = json_string_value(json_object_get(v, "path"));
		const char *want = json_string_value(json_object_get(v, "sha256"));
		struct jrecord_log *lg;

		if (!json_is_object(v) || !rel || !want)
			continue;
		if (!jr->nrecords && !strcmp(key, "plan_file"))
			continue;
		XGROW(jr->log, jr->nlogs + 1, jr->alloc_logs);
		lg = &jr->log[jr->nlogs++];
		lg->key = keep_str(&jr->log_text, key);
		lg->path = keep_str(&jr->log_text, rel);
		lg->sha256 = keep_str(&jr->log_text, want);
		lg->record = jr->nrecords;
		held += sizeof(*lg) + strlen(key) + strlen(rel) + strlen(want) + 3;
	}
	return held;
}

/* A digit of sha256_hex()'s lowercase hex. */
static int hex_val(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void hex_to_bin(const char *hex, unsigned char out[32])
{
	size_t i;

	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(hex_val(hex[2 * i]) << 4 |
					 hex_val(hex[2 * i + 1]));
}

/*
 * A step record's header; `l` NULL: kept parsed instead (rec), else
 * where its line is, to be read again. Returns the bytes it holds.
 */
static size_t add_step(struct jrecords *jr, json_t *rec,
		       const struct journal_line *l)
{
	struct jrecord_step *st;

	XGROW(jr->step, jr->nsteps + 1, jr->alloc_steps);
	st = &jr->step[jr->nsteps++];
	memset(st, 0, sizeof(*st));
	st->n = json_is_integer(json_object_get(rec, "n")) ?
		(long long)json_integer_value(json_object_get(rec, "n")) : 0;
	st->status = keep_str(&jr->step_text, journal_str(rec, "status"));
	st->resumed = json_is_true(json_object_get(rec, "resumed"));
	st->index = jr->nrecords;
	if (l) {
		st->off = l->off;
		st->len = l->len;
		hex_to_bin(l->hash, st->sha256);
	} else {
		st->rec = json_incref(rec);
	}
	return sizeof(*st) + strlen(st->status) + 1;
}

static void add_other(struct jrecords *jr, json_t *rec)
{
	const char *type = journal_str(rec, "type");
	size_t n = json_array_size(jr->others);

	XGROW(jr->other_index, n + 1, jr->alloc_others);
	jr->other_index[n] = jr->nrecords;
	json_array_append(jr->others, rec);
	if (!jr->nrecords)
		jr->start = rec;
	else if (!strcmp(type, "preflight") && !jr->preflight)
		jr->preflight = rec;
	else if (!strcmp(type, "end") && !jr->end)
		jr->end = rec;
}

/* 1: a step record (the first record is the start, whatever it says). */
static int is_step(const struct jrecords *jr, json_t *rec)
{
	return jr->nrecords && !strcmp(journal_str(rec, "type"), "step");
}

static int take_line(struct journal_line *l, void *ctx, struct error *err)
{
	struct jrecords *jr = ctx;
	int step = is_step(jr, l->rec);

	(void)err;
	l->keep += collect_logs(jr, l->rec);
	jr->last_is_end = !strcmp(journal_str(l->rec, "type"), "end");
	if (step)
		l->keep += add_step(jr, l->rec, l);
	else
		add_other(jr, l->rec);
	if (jr->viewer.each)
		jr->viewer.each(jr->viewer.ctx, jr, l, step);
	jr->nrecords++;
	json_decref(l->rec);
	return !step;
}

static int lean_step(json_t *step, size_t i, void *ctx)
{
	struct jrecords *jr = ctx;

	(void)i;
	return drill_lean_add_step(jr->drill, step);
}

/*
 * plan.json a step at a time into the lean drill (planread.h): the
 * start record's "plan" is then plan.json's object without its steps.
 * NULL: the walk parses it whole, as it always did.
 */
static json_t *lean_read(const char *text, size_t len, size_t budget,
			 size_t *mem, void *ctx)
{
	struct jrecords *jr = ctx;
	struct planread pr;

	memset(&pr, 0, sizeof(pr));
	pr.step = lean_step;
	pr.ctx = jr;
	drill_free(jr->drill);
	jr->drill = drill_lean_new();
	if (planread_walk(text, len, budget, &pr) == 1 &&
	    drill_lean_finish(jr->drill, json_object_get(pr.head, "plan")) == 0) {
		jr->plan_canonical = pr.canonical;
		memcpy(jr->plan_body_hash, pr.body_hash,
		       sizeof(jr->plan_body_hash));
		*mem = pr.mem;
		return pr.head;
	}
	json_decref(pr.head);
	drill_free(jr->drill);
	jr->drill = NULL;
	return NULL;
}

/*
 * The step lines are not kept: they are read again from the file the
 * walk read, kept open (the same file even if the path is replaced
 * later), each checked against the hash the walk took.
 */
int jrecords_read(struct jrecords *jr, const char *path, unsigned flags,
		  int *torn, struct journal_stat *js, struct error *err)
{
	struct journal_plan_reader lean = { lean_read, jr };

	if (jr->fd < 0 && (jr->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return error_errno(err, "cannot read journal %s", path);
	free(jr->path);
	jr->path = xstrdup(path);
	return journal_walk_fd_plan(jr->fd, path, flags, torn, js, take_line,
				    jr, &lean, err);
}

struct drill *jrecords_drill_whole(const struct jrecords *jr,
				   struct error *err)
{
	struct strbuf p = STRBUF_INIT;
	const char *slash = strrchr(jr->path, '/');
	json_t *plan;
	char hex[SHA256_HEX_LEN + 1];
	struct drill *d = NULL;

	if (slash)
		strbuf_add(&p, jr->path, (size_t)(slash - jr->path + 1));
	strbuf_adds(&p, "plan.json");
	plan = journal_read_plan(p.buf, hex, err);
	if (plan && strcmp(hex, journal_str(json_object_get(jr->start,
						"plan_file"), "sha256")))
		error_set(err, "%s: not the plan the start record names (its "
			  "SHA-256 differs)", p.buf);
	else if (plan)
		d = drill_from_body(json_object_get(plan, "plan"), err);
	json_decref(plan);
	strbuf_release(&p);
	return d;
}

void jrecords_from_array(struct jrecords *jr, json_t *records)
{
	json_t *rec;
	size_t i;

	json_array_foreach(records, i, rec) {
		collect_logs(jr, rec);
		jr->last_is_end = !strcmp(journal_str(rec, "type"), "end");
		if (is_step(jr, rec))
			add_step(jr, rec, NULL);
		else
			add_other(jr, rec);
		jr->nrecords++;
	}
}

json_t *jrecords_step_record(const struct jrecords *jr, size_t i,
			     struct error *err)
{
	const struct jrecord_step *st = &jr->step[i];
	unsigned char got[32];
	char hex[SHA256_HEX_LEN + 1];
	char *buf;
	size_t done = 0;
	json_error_t jerr;
	json_t *rec;

	if (st->rec)
		return json_incref(st->rec);
	if (st->len > JOURNAL_LINE_MAX) {
		error_set(err, "journal record %zu: too long", st->index + 1);
		return NULL;
	}
	buf = xmalloc(st->len + 1);
	while (done < st->len) {
		ssize_t n = pread(jr->fd, buf + done, st->len - done,
				  (off_t)(st->off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				error_errno(err, "cannot read journal record %zu",
					    st->index + 1);
			else
				error_set(err, "journal record %zu: the journal "
					  "got shorter while it was read",
					  st->index + 1);
			free(buf);
			return NULL;
		}
		done += (size_t)n;
	}
	sha256_hex(buf, st->len, hex);
	hex_to_bin(hex, got);
	if (memcmp(got, st->sha256, sizeof(got))) {
		error_set(err, "journal record %zu changed while the journal "
			  "was read", st->index + 1);
		free(buf);
		return NULL;
	}
	/*
	 * The bytes the walk parsed (and checked: length, nesting, memory),
	 * so parsed again without that budget's counting.
	 */
	rec = json_loadb(buf, st->len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!json_is_object(rec)) {
		error_set(err, "journal record %zu: %s", st->index + 1,
			  rec ? "not an object" : jerr.text);
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* The tail read grows to this much at most: a torn line and a whole one. */
#define TAIL_MAX (2 * ((size_t)JOURNAL_LINE_MAX + 1))

json_t *jrecords_tail(const struct jrecords *jr, unsigned long long *off,
		      char hash[SHA256_HEX_LEN + 1])
{
	struct error err = ERROR_INIT;
	struct stat sb;
	size_t want = 64u << 10, got = 0, e, s;
	char *buf = NULL;
	json_t *rec = NULL;

	if (jr->fd < 0 || fstat(jr->fd, &sb) < 0 || sb.st_size <= 0)
		return NULL;
	for (;;) {
		unsigned long long size = (unsigned long long)sb.st_size;
		size_t n = want < size ? want : (size_t)size;

		buf = xrealloc(buf, n);
		got = 0;
		while (got < n) {
			ssize_t r = pread(jr->fd, buf + got, n - got,
					  (off_t)(size - n + got));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			got += (size_t)r;
		}
		/* e: the newline ending the last whole line; s: its start. */
		for (e = n; e > 0 && buf[e - 1] != '\n'; e--)
			;
		for (s = e ? e - 1 : 0; s > 0 && buf[s - 1] != '\n'; s--)
			;
		if (e && (s > 0 || n == size)) {
			*off = size - n + s;
			sha256_hex(buf + s, e - 1 - s, hash);
			rec = journal_parse_record(buf + s, e - 1 - s, &err);
			break;
		}
		if (n == size || want >= TAIL_MAX)
			break;
		want = want * 4 < TAIL_MAX ? want * 4 : TAIL_MAX;
	}
out:
	free(buf);
	error_release(&err);
	return rec;
}

json_t *jrecords_last(const struct jrecords *jr, struct error *err)
{
	size_t n = json_array_size(jr->others);

	if (!jr->nrecords)
		return NULL;
	if (jr->nsteps && jr->step[jr->nsteps - 1].index == jr->nrecords - 1)
		return jrecords_step_record(jr, jr->nsteps - 1, err);
	return json_incref(json_array_get(jr->others, n - 1));
}

json_t *jrecords_outline(const struct jrecords *jr, size_t nsteps)
{
	json_t *out = json_array();
	size_t i, s = 0, o = 0, no = json_array_size(jr->others);
	unsigned char *seen = xcalloc(nsteps ? nsteps : 1, 1);

	for (i = 0; i < jr->nrecords; i++) {
		if (o < no && jr->other_index[o] == i) {
			json_array_append(out, json_array_get(jr->others, o++));
		} else if (s < jr->nsteps && jr->step[s].index == i) {
			const struct jrecord_step *st = &jr->step[s++];

			/* Readers take a step's first record; no other. */
			if (st->n < 1 || (unsigned long long)st->n > nsteps ||
			    seen[st->n - 1])
				continue;
			seen[st->n - 1] = 1;
			json_array_append_new(out, json_pack("{s:s, s:I, s:s}",
				"type", "step", "n", (json_int_t)st->n, "status",
				st->status));
		}
	}
	free(seen);
	return out;
}

static void read_stream(json_t *rec, const char *key, struct jrecord_stream *s)
{
	json_t *v = json_object_get(rec, key);

	s->present = v != NULL;
	s->path = journal_str(v, "path");
	s->head = journal_str(v, "head");
	s->tail = journal_str(v, "tail");
	s->bytes = (unsigned long long)json_integer_value(json_object_get(v,
								  "bytes"));
}

void jrecord_result_read(json_t *rec, struct jrecord_result *r)
{
	json_t *checks = json_object_get(rec, "checks"), *c, *seq;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->status = journal_str(rec, "status");
	r->started = journal_str(rec, "started");
	r->ended = journal_str(rec, "ended");
	r->message = journal_str(rec, "message");
	seq = json_object_get(rec, "seq");
	r->has_seq = json_is_integer(seq);
	r->seq = (long long)json_integer_value(seq);
	r->duration_ms = (long long)json_integer_value(json_object_get(rec,
							"duration_ms"));
	r->exit_code = json_object_get(rec, "exit_code");
	r->timed_out = json_is_true(json_object_get(rec, "timed_out"));
	r->resumed = json_is_true(json_object_get(rec, "resumed"));
	read_stream(rec, "stdout", &r->out);
	read_stream(rec, "stderr", &r->err);
	r->evidence = json_object_get(rec, "evidence");
	if (json_array_size(checks))
		r->checks = xcalloc(json_array_size(checks), sizeof(*r->checks));
	json_array_foreach(checks, i, c) {
		struct jrecord_check *k = &r->checks[r->nchecks++];

		k->what = journal_str(c, "what");
		k->expected = journal_str(c, "expected");
		k->actual = journal_str(c, "actual");
		k->ok = json_is_true(json_object_get(c, "ok"));
	}
}

void jrecord_result_release(struct jrecord_result *r)
{
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

/* Members of the wrong type read as absent: "" for text, 0 for numbers. */
static long long int_or_zero(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static void read_findings(json_t *arr, struct jrecord_findings *f)
{
	json_t *x;
	size_t i;

	memset(f, 0, sizeof(*f));
	if (json_array_size(arr))
		f->v = xcalloc(json_array_size(arr), sizeof(*f->v));
	json_array_foreach(arr, i, x)
		if (json_is_string(x))
			f->v[f->n++] = json_string_value(x);
}

#define ENV_KEY(k) { #k, offsetof(struct jrecord_env, k) }
const struct jrecord_env_key jrecord_env_keys[] = {
	ENV_KEY(hostname), ENV_KEY(os), ENV_KEY(kernel), ENV_KEY(libpq),
	ENV_KEY(openssl), ENV_KEY(libyaml), ENV_KEY(jansson), ENV_KEY(uid),
	ENV_KEY(user), ENV_KEY(sudo_user), ENV_KEY(tz), ENV_KEY(zone),
	ENV_KEY(ntp_synchronised), { NULL, 0 }
};
#undef ENV_KEY

static void read_env(json_t *env, struct jrecord_env *e)
{
	const struct jrecord_env_key *k;

	e->present = json_is_object(env);
	for (k = jrecord_env_keys; k->key; k++)
		*(const char **)((char *)e + k->off) = journal_str(env, k->key);
}

static void read_approval(json_t *ap, struct jrecord_approval *a)
{
	json_t *rolled = json_object_get(ap, "rolled_forward"), *r;
	size_t i;

	a->plan_bundle = journal_str(ap, "plan_bundle");
	a->approver = journal_str(ap, "approver");
	a->approver_key = journal_str(ap, "approver_key");
	a->sealed_at = journal_str(ap, "sealed_at");
	a->valid_until = journal_str(ap, "valid_until");
	if (json_array_size(rolled))
		a->rolled = xcalloc(json_array_size(rolled), sizeof(*a->rolled));
	json_array_foreach(rolled, i, r) {
		struct jrecord_rolled *o = &a->rolled[a->nrolled++];

		o->name = journal_str(r, "name");
		o->from = journal_str(r, "from");
		o->to = journal_str(r, "to");
	}
}

static void read_vars(json_t *vars, struct jrecord_start *s)
{
	const char *name;
	json_t *v;

	if (json_object_size(vars))
		s->vars = xcalloc(json_object_size(vars), sizeof(*s->vars));
	json_object_foreach(vars, name, v) {
		s->vars[s->nvars].name = name;
		s->vars[s->nvars++].value = json_string_value(v);
	}
}

static void read_previous(json_t *pv, struct jrecord_previous *p)
{
	json_t *rto = json_object_get(pv, "rto_ms");
	json_t *rpo = json_object_get(pv, "rpo_ms");

	p->present = json_is_object(pv);
	p->has_rto = json_is_integer(rto) && json_integer_value(rto) >= 0;
	p->rto_ms = p->has_rto ? (long long)json_integer_value(rto) : 0;
	p->has_rpo = json_is_integer(rpo) && json_integer_value(rpo) >= 0;
	p->rpo_ms = p->has_rpo ? (long long)json_integer_value(rpo) : 0;
	p->status = journal_str(pv, "status");
	p->bundle = journal_str(pv, "bundle");
	p->started = journal_str(pv, "started");
}

void jrecord_start_read(json_t *rec, struct jrecord_start *s)
{
	json_t *plan = json_object_get(rec, "plan");
	json_t *ctx = json_object_get(rec, "context");
	json_t *df = json_object_get(plan, "drill_file");
	json_t *res = json_object_get(ctx, "resumes");

	memset(s, 0, sizeof(*s));
	s->time = journal_str(rec, "time");
	s->body = json_object_get(plan, "plan");
	s->operator = journal_str(plan, "operator");
	s->rdrill_version = journal_str(plan, "rdrill_version");
	s->plan_hash = journal_str(plan, "plan_hash");
	s->drill_path = journal_str(df, "path");
	s->drill_sha256 = journal_str(df, "sha256");
	s->bundle = journal_str(ctx, "bundle");
	s->signing_key = journal_str(ctx, "signing_key");
	s->change_ref = journal_str(ctx, "change_ref");
	s->confirm = journal_str(ctx, "confirm");
	s->approved_plan = journal_str(ctx, "approved_plan");
	read_env(json_object_get(ctx, "environment"), &s->env);
	read_approval(json_object_get(ctx, "approval"), &s->approval);
	read_vars(json_object_get(ctx, "vars_given"), s);
	s->resumes.present = json_is_object(res);
	s->resumes.bundle = journal_str(res, "bundle");
	s->resumes.chain_head = journal_str(res, "chain_head");
	s->resumes.destroyed = journal_str(res, "destroyed");
	read_previous(json_object_get(ctx, "previous"), &s->previous);
	s->killed_before_start = json_object_get(ctx,
						 "killed_before_start") != NULL;
}

void jrecord_start_release(struct jrecord_start *s)
{
	free(s->approval.rolled);
	free(s->vars);
	memset(s, 0, sizeof(*s));
}

static void read_fresh(json_t *x, struct jrecord_fresh *f)
{
	json_t *lost = json_object_get(x, "lost_ms");

	f->table = journal_str(x, "table");
	f->column = journal_str(x, "column");
	f->coherence = journal_str(x, "coherence");
	f->before = json_string_value(json_object_get(x, "before"));
	f->after = json_string_value(json_object_get(x, "after"));
	f->has_lost = lost != NULL;
	f->lost_is_int = json_is_integer(lost);
	f->lost_ms = int_or_zero(x, "lost_ms");
	f->backup_made_ms = int_or_zero(x, "backup_made_ms");
	f->before_ms = int_or_zero(x, "before_ms");
	f->after_ms = int_or_zero(x, "after_ms");
}

void jrecord_end_read(json_t *rec, struct jrecord_end *e)
{
	json_t *fresh = json_object_get(rec, "freshness"), *x;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->present = rec != NULL;
	e->time = journal_str(rec, "time");
	e->reason = journal_str(rec, "reason");
	e->has_rto = json_is_integer(json_object_get(rec, "rto_ms"));
	e->rto_ms = int_or_zero(rec, "rto_ms");
	e->has_rpo = json_is_integer(json_object_get(rec, "rpo_ms"));
	e->rpo_ms = int_or_zero(rec, "rpo_ms");
	e->rpo_path = journal_str(rec, "rpo_path");
	e->rpo_created = journal_str(rec, "rpo_created");
	e->rpo_disaster = journal_str(rec, "rpo_disaster");
	e->rpo_unmeasured = journal_str(rec, "rpo_unmeasured");
	e->rpo_clock = journal_str(rec, "rpo_clock");
	e->rpo_doubtful = json_is_true(json_object_get(rec, "rpo_doubtful"));
	read_findings(json_object_get(rec, "findings"), &e->findings);
	if (json_array_size(fresh))
		e->fresh = xcalloc(json_array_size(fresh), sizeof(*e->fresh));
	json_array_foreach(fresh, i, x)
		read_fresh(x, &e->fresh[e->nfresh++]);
}

void jrecord_end_release(struct jrecord_end *e)
{
	free(e->findings.v);
	free(e->fresh);
	memset(e, 0, sizeof(*e));
}

int jrecord_backup_read(json_t *rec, struct jrecord_backup *b)
{
	json_t *total = json_object_get(rec, "candidates_total");

	memset(b, 0, sizeof(*b));
	if (strcmp(journal_str(rec, "type"), "backup"))
		return 0;
	b->item = journal_str(rec, "item");
	b->rule = journal_str(rec, "rule");
	b->chosen = journal_str(rec, "chosen");
	b->created = journal_str(rec, "created");
	b->problem = journal_str(rec, "problem");
	b->clock = journal_str(rec, "clock");
	/* Past 100, the record keeps some; the total is its own field. */
	b->ncandidates = json_is_integer(total) ?
		(long long)json_integer_value(total) :
		(long long)json_array_size(json_object_get(rec, "candidates"));
	b->fell_back = json_is_true(json_object_get(rec, "fell_back"));
	read_findings(json_object_get(rec, "findings"), &b->findings);
	return 1;
}

void jrecord_backup_release(struct jrecord_backup *b)
{
	free(b->findings.v);
	memset(b, 0, sizeof(*b));
}

int jrecord_destroy_read(json_t *rec, struct jrecord_destroy *x)
{
	memset(x, 0, sizeof(*x));
	if (strcmp(journal_str(rec, "type"), "destroy"))
		return 0;
	x->n = json_object_get(rec, "n");
	x->id = journal_str(rec, "id");
	x->time = journal_str(rec, "time");
	return 1;
}
