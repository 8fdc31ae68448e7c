#include "runfacts.h"
#include "error.h"
#include "schema.h"
#include "xalloc.h"

#include <stddef.h>
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
/*
 * The canary record (runfacts_canary_json()) as read back, declared as a
 * schema table and bound strictly: a record without these of their
 * types is not a canary record, as before. "values" is a mapping the
 * columns name (text or null), so it is looked up by them.
 */
struct canary_wire {
	const char *table, *sha256;
	struct schema_kv key;
	json_t *columns, *values;
};
static const struct schema_field canary_text = { .type = SCHEMA_STR };
static const struct schema_field canary_fields[] = {
	{ .key = "table", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = offsetof(struct canary_wire, table) },
	{ .key = "key", .type = SCHEMA_MAP, .flags = SCHEMA_REQ,
	  .item = &canary_text, .off = offsetof(struct canary_wire, key) },
	{ .key = "columns", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_RAW,
	  .off = offsetof(struct canary_wire, columns) },
	{ .key = "values", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_RAW,
	  .off = offsetof(struct canary_wire, values) },
	{ .key = "sha256", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = offsetof(struct canary_wire, sha256) },
	{ 0 }
};
static const struct schema canary_schema = {
	.what = "canary record", .fields = canary_fields,
	.size = sizeof(struct canary_wire),
};

static int canary_from_json(struct runfacts_canary *k, json_t *rec,
			    struct error *err)
{
	struct canary_wire w;
	struct error e = ERROR_INIT;
	json_t *c;
	size_t i;
	int bad;

	memset(&w, 0, sizeof(w));
	bad = schema_bind(&canary_schema, rec, &w, "canary", &e) < 0 ||
		!json_is_array(w.columns) || !json_is_object(w.values) ||
		strlen(w.sha256) >= sizeof(k->sha256);
	error_release(&e);
	if (bad) {
		schema_release(&canary_schema, &w);
		return error_set(err, "not a canary record (table, key, "
				 "columns, values, sha256)");
	}
	strvec_pushv(&k->key_names, w.key.keys.v);
	strvec_pushv(&k->key_vals, w.key.vals.v);
	k->table = xstrdup(w.table);
	snprintf(k->sha256, sizeof(k->sha256), "%s", w.sha256);
	k->values = xcalloc(json_array_size(w.columns) + 1, sizeof(*k->values));
	schema_release(&canary_schema, &w);
	json_array_foreach(w.columns, i, c) {
		json_t *v = json_object_get(w.values, json_string_value(c));
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

/* The run's state (runfacts_state_json()): each member any JSON. */
struct state_wire {
	json_t *canary, *fingerprints, *captures;
};
#define STATE(k) { .key = #k, .type = SCHEMA_STR, .flags = SCHEMA_RAW, \
		   .off = offsetof(struct state_wire, k) }
static const struct schema_field state_fields[] = {
	STATE(canary), STATE(fingerprints), STATE(captures), { 0 }
};
#undef STATE
static const struct schema state_schema = {
	.what = "run state", .fields = state_fields,
	.size = sizeof(struct state_wire),
};

void runfacts_seed(struct runfacts *f, json_t *state)
{
	struct error err = ERROR_INIT;
	struct state_wire w;

	memset(&w, 0, sizeof(w));
	schema_bind_lenient(&state_schema, state, &w);
	if (w.canary) {
		runfacts_canary_clear(&f->canary);
		if (canary_from_json(&f->canary, w.canary, &err) < 0) {
			runfacts_canary_clear(&f->canary);
			f->canary.bad = xstrdup(err.msg.buf);
		}
	}
	if (json_is_object(w.fingerprints))
		seed_fingerprints(f, w.fingerprints);
	if (json_is_object(w.captures))
		seed_captures(f, w.captures);
	error_release(&err);
}

PGconn *runfacts_connect(struct runfacts *f, const struct drill *d,
			 const char *name, struct strvec *secrets,
			 const struct pg_deadline *dl, struct error *err)
{
	PGconn *c = pg_connect_named(d, name, secrets, dl, err);
	char *v;

	if (!c || !f || runfacts_version(f, name))
		return c;
	v = pg_server_version(c, dl, err);
	if (!v) {
		error_prefix(err, "connection '%s'", name);
		PQfinish(c);
		return NULL;
	}
	runfacts_set_version(f, name, v);
	free(v);
	return c;
}
