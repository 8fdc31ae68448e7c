#include "runfacts.h"
#include "error.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void runfacts_init(struct runfacts *f)
{
	memset(f, 0, sizeof(*f));
	strvec_init(&f->canary.key_names);
	strvec_init(&f->canary.key_vals);
	strvec_init(&f->canary.columns);
}

void runfacts_canary_clear(struct runfacts_canary *k)
{
	size_t i;

	for (i = 0; k->values && i < k->columns.nr; i++)
		free(k->values[i]);
	free(k->values);
	free(k->table);
	free(k->bad);
	strvec_clear(&k->key_names);
	strvec_clear(&k->key_vals);
	strvec_clear(&k->columns);
	memset(k, 0, sizeof(*k));
	strvec_init(&k->key_names);
	strvec_init(&k->key_vals);
	strvec_init(&k->columns);
}

void runfacts_release(struct runfacts *f)
{
	size_t i;

	for (i = 0; i < f->ncaptures; i++) {
		free(f->captures[i].step);
		free(f->captures[i].bad);
		pg_result_release(&f->captures[i].res);
	}
	for (i = 0; i < f->nfps; i++) {
		free(f->fps[i].step);
		free(f->fps[i].bad);
		fingerprint_release(&f->fps[i].fp);
	}
	for (i = 0; i < f->nversions; i++) {
		free(f->versions[i].conn);
		free(f->versions[i].version);
	}
	free(f->captures);
	free(f->fps);
	free(f->versions);
	runfacts_canary_clear(&f->canary);
	runfacts_init(f);
}

const char *runfacts_version(const struct runfacts *f, const char *conn)
{
	size_t i;

	for (i = 0; i < f->nversions; i++)
		if (!strcmp(f->versions[i].conn, conn))
			return f->versions[i].version;
	return NULL;
}

void runfacts_set_version(struct runfacts *f, const char *conn,
			  const char *version)
{
	size_t i;

	for (i = 0; i < f->nversions; i++)
		if (!strcmp(f->versions[i].conn, conn)) {
			free(f->versions[i].version);
			f->versions[i].version = xstrdup(version);
			return;
		}
	XGROW(f->versions, f->nversions + 1, f->aversions);
	f->versions[f->nversions].conn = xstrdup(conn);
	f->versions[f->nversions++].version = xstrdup(version);
}

/* The entry of step `step`, emptied, or a new one at the end. */
static struct runfacts_capture *capture_slot(struct runfacts *f,
					     const char *step)
{
	struct runfacts_capture *c;
	size_t i;

	for (i = 0; i < f->ncaptures; i++)
		if (!strcmp(f->captures[i].step, step)) {
			c = &f->captures[i];
			pg_result_release(&c->res);
			free(c->bad);
			c->bad = NULL;
			return c;
		}
	XGROW(f->captures, f->ncaptures + 1, f->acaptures);
	c = &f->captures[f->ncaptures++];
	memset(c, 0, sizeof(*c));
	c->step = xstrdup(step);
	pg_result_init(&c->res);
	return c;
}

const struct pg_result *runfacts_keep_capture(struct runfacts *f,
					      const char *step,
					      struct pg_result *res)
{
	struct runfacts_capture *c = capture_slot(f, step);

	c->res = *res;
	pg_result_init(res);
	return &c->res;
}

const struct runfacts_capture *runfacts_capture(const struct runfacts *f,
						const char *step)
{
	size_t i;

	for (i = 0; i < f->ncaptures; i++)
		if (!strcmp(f->captures[i].step, step))
			return &f->captures[i];
	return NULL;
}

static struct runfacts_fp *fp_slot(struct runfacts *f, const char *step)
{
	struct fingerprint empty = FINGERPRINT_INIT;
	struct runfacts_fp *e;
	size_t i;

	for (i = 0; i < f->nfps; i++)
		if (!strcmp(f->fps[i].step, step)) {
			e = &f->fps[i];
			fingerprint_release(&e->fp);
			free(e->bad);
			e->bad = NULL;
			return e;
		}
	XGROW(f->fps, f->nfps + 1, f->afps);
	e = &f->fps[f->nfps++];
	memset(e, 0, sizeof(*e));
	e->step = xstrdup(step);
	e->fp = empty;
	return e;
}

void runfacts_keep_fingerprint(struct runfacts *f, const char *step,
			       struct fingerprint *fp)
{
	struct fingerprint empty = FINGERPRINT_INIT;
	struct runfacts_fp *e = fp_slot(f, step);

	e->fp = *fp;
	*fp = empty;
}

const struct runfacts_fp *runfacts_fingerprint(const struct runfacts *f,
					       const char *step)
{
	size_t i;

	for (i = 0; i < f->nfps; i++)
		if (!strcmp(f->fps[i].step, step))
			return &f->fps[i];
	return NULL;
}

json_t *runfacts_canary_values_json(const struct strvec *columns,
				    char *const *values)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < columns->nr; i++)
		json_object_set_new(o, columns->v[i], values[i] ?
				    json_string(values[i]) : json_null());
	return o;
}

json_t *runfacts_canary_json(const struct runfacts_canary *k)
{
	json_t *rec = json_object(), *key = json_object(), *cols = json_array();
	size_t i;

	for (i = 0; i < k->key_names.nr; i++)
		json_object_set_new(key, k->key_names.v[i],
				    json_string(k->key_vals.v[i]));
	for (i = 0; i < k->columns.nr; i++)
		json_array_append_new(cols, json_string(k->columns.v[i]));
	json_object_set_new(rec, "table", json_string(k->table));
	json_object_set_new(rec, "key", key);
	json_object_set_new(rec, "columns", cols);
	json_object_set_new(rec, "values",
			    runfacts_canary_values_json(&k->columns, k->values));
	json_object_set_new(rec, "sha256", json_string(k->sha256));
	return rec;
}

json_t *runfacts_state_json(const struct runfacts *f)
{
	json_t *st = json_object(), *o;
	size_t i;

	if (f->canary.recorded)
		json_object_set_new(st, "canary", runfacts_canary_json(&f->canary));
	if (f->fps_begun) {
		o = json_object();
		for (i = 0; i < f->nfps; i++)
			json_object_set_new(o, f->fps[i].step,
					    fingerprint_to_json(&f->fps[i].fp));
		json_object_set_new(st, "fingerprints", o);
	}
	if (f->captures_begun) {
		o = json_object();
		for (i = 0; i < f->ncaptures; i++)
			json_object_set_new(o, f->captures[i].step,
					    pg_result_to_json(&f->captures[i].res));
		json_object_set_new(st, "captures", o);
	}
	return st;
}

/* A JSON object of strings into two vectors, or -1. */
static int strings_of(json_t *obj, struct strvec *names, struct strvec *vals)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return -1;
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v))
			return -1;
		strvec_push(names, k);
		strvec_push(vals, json_string_value(v));
	}
	return 0;
}

static int canary_from_json(struct runfacts_canary *k, json_t *rec,
			    struct error *err)
{
	json_t *table = json_object_get(rec, "table");
	json_t *cols = json_object_get(rec, "columns");
	json_t *vals = json_object_get(rec, "values");
	json_t *sha = json_object_get(rec, "sha256"), *c;
	size_t i;

	if (!json_is_string(table) || !json_is_array(cols) ||
	    !json_is_object(vals) || !json_is_string(sha) ||
	    strlen(json_string_value(sha)) >= sizeof(k->sha256) ||
	    strings_of(json_object_get(rec, "key"), &k->key_names,
		       &k->key_vals) < 0)
		return error_set(err, "not a canary record (table, key, "
				 "columns, values, sha256)");
	k->table = xstrdup(json_string_value(table));
	snprintf(k->sha256, sizeof(k->sha256), "%s", json_string_value(sha));
	k->values = xcalloc(json_array_size(cols) + 1, sizeof(*k->values));
	json_array_foreach(cols, i, c) {
		json_t *v = json_object_get(vals, json_string_value(c));
		if (!json_is_string(c) || (!json_is_string(v) && !json_is_null(v)))
			return error_set(err, "the canary record's column %zu "
					 "has no text or null value", i + 1);
		strvec_push(&k->columns, json_string_value(c));
		if (json_is_string(v))
			k->values[i] = xstrdup(json_string_value(v));
	}
	k->recorded = 1;
	return 0;
}

static void seed_captures(struct runfacts *f, json_t *caps)
{
	struct error err = ERROR_INIT;
	const char *id;
	json_t *v;

	f->captures_begun = 1;
	json_object_foreach(caps, id, v) {
		struct runfacts_capture *c = capture_slot(f, id);
		if (pg_result_from_json(&c->res, v, &err) < 0) {
			c->bad = xstrdup(err.msg.buf);
			error_release(&err);
		}
	}
}

static void seed_fingerprints(struct runfacts *f, json_t *fps)
{
	struct error err = ERROR_INIT;
	const char *id;
	json_t *v;

	f->fps_begun = 1;
	json_object_foreach(fps, id, v) {
		struct runfacts_fp *e = fp_slot(f, id);
		if (fingerprint_from_json(&e->fp, v, &err) < 0) {
			fingerprint_release(&e->fp);
			e->bad = xstrdup(err.msg.buf);
			error_release(&err);
		}
	}
}

void runfacts_seed(struct runfacts *f, json_t *state)
{
	struct error err = ERROR_INIT;
	json_t *v;

	v = json_object_get(state, "canary");
	if (v) {
		runfacts_canary_clear(&f->canary);
		if (canary_from_json(&f->canary, v, &err) < 0) {
			runfacts_canary_clear(&f->canary);
			f->canary.bad = xstrdup(err.msg.buf);
		}
	}
	v = json_object_get(state, "fingerprints");
	if (json_is_object(v))
		seed_fingerprints(f, v);
	v = json_object_get(state, "captures");
	if (json_is_object(v))
		seed_captures(f, v);
	error_release(&err);
}
