#include "jrecord.h"
#include "error.h"
#include "journal.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void jrecords_init(struct jrecords *jr)
{
	memset(jr, 0, sizeof(*jr));
	jr->others = json_array();
	strbuf_init(&jr->text, 0);
}

void jrecords_release(struct jrecords *jr)
{
	size_t i;

	for (i = 0; i < jr->nsteps; i++) {
		free(jr->step[i].status);
		json_decref(jr->step[i].rec);
	}
	for (i = 0; i < jr->nlogs; i++) {
		free(jr->log[i].key);
		free(jr->log[i].path);
		free(jr->log[i].sha256);
	}
	free(jr->step);
	free(jr->log);
	free(jr->other_index);
	json_decref(jr->others);
	strbuf_release(&jr->text);
	memset(jr, 0, sizeof(*jr));
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

/*
 * A step record's header; `text` NULL: kept parsed instead (rec).
 * Returns the bytes it holds.
 */
static size_t add_step(struct jrecords *jr, json_t *rec, const char *text,
		       size_t len)
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
	if (text) {
		st->off = jr->text.len;
		st->len = len;
		strbuf_add(&jr->text, text, len);
	} else {
		st->rec = json_incref(rec);
	}
	return sizeof(*st) + strlen(st->status) + 1 + (text ? len : 0);
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
		l->keep += add_step(jr, l->rec, l->text, l->len);
	else
		add_other(jr, l->rec);
	jr->nrecords++;
	json_decref(l->rec);
	return !step;
}

int jrecords_read(struct jrecords *jr, const char *path, unsigned flags,
		  int *torn, struct journal_stat *js, struct error *err)
{
	return journal_walk(path, flags, torn, js, take_line, jr, err);
}

void jrecords_from_array(struct jrecords *jr, json_t *records)
{
	json_t *rec;
	size_t i;

	json_array_foreach(records, i, rec) {
		collect_logs(jr, rec);
		jr->last_is_end = !strcmp(journal_str(rec, "type"), "end");
		if (is_step(jr, rec))
			add_step(jr, rec, NULL, 0);
		else
			add_other(jr, rec);
		jr->nrecords++;
	}
}

json_t *jrecords_step_record(const struct jrecords *jr, size_t i,
			     struct error *err)
{
	const struct jrecord_step *st = &jr->step[i];

	if (st->rec)
		return json_incref(st->rec);
	return journal_parse_record(jr->text.buf + st->off, st->len, err);
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
