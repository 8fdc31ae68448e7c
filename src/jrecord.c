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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void jrecords_init(struct jrecords *jr)
{
	memset(jr, 0, sizeof(*jr));
	jr->others = json_array();
	jr->fd = -1;
}

void jrecords_release(struct jrecords *jr)
{
	size_t i;

	for (i = 0; i < jr->nsteps; i++) {
		free(jr->step[i].status);
		json_decref(jr->step[i].rec);
	}
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
	size_t i;

	for (i = 0; i < jr->nlogs; i++) {
		free(jr->log[i].key);
		free(jr->log[i].path);
		free(jr->log[i].sha256);
	}
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
		lg->key = xstrdup(key);
		lg->path = xstrdup(rel);
		lg->sha256 = xstrdup(want);
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
	st->status = xstrdup(journal_str(rec, "status"));
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
