#include "restored.h"
#include "drill.h"
#include "error.h"
#include "expand.h"
#include "journal.h"
#include "jrecord.h"
#include "plan.h"
#include "step.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct schema_field head_fields[] = {
	{ .key = "type", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, type) },
	{ .key = "mode", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, mode) },
	{ .key = "status", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, status) },
	{ .key = "when", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, when) },
	{ .key = "time", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, time) },
	{ .key = "item", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, item) },
	{ .key = "id", .type = SCHEMA_STR,
	  .off = offsetof(struct restored_head, id) },
	{ .key = "n", .type = SCHEMA_INT,
	  .off = offsetof(struct restored_head, n) },
	{ NULL },
};
static const struct schema head_schema = {
	.what = "record", .fields = head_fields,
	.size = sizeof(struct restored_head),
};

void restored_head_read(json_t *rec, struct restored_head *h)
{
	const char **text[] = { &h->type, &h->mode, &h->status, &h->when,
				&h->time, &h->item, &h->id };
	size_t i;

	memset(h, 0, sizeof(*h));
	/* Texts and a number only: the bind allocates nothing. */
	schema_bind_lenient(&head_schema, rec, h);
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		if (!*text[i])
			*text[i] = "";
}

/* Each step's first record's status, by n (NULL: it did not run). */
static const char **step_status(json_t *records, size_t nsteps)
{
	const char **v = xcalloc(nsteps ? nsteps : 1, sizeof(*v));
	struct restored_head h;
	json_t *r;
	size_t i;

	json_array_foreach(records, i, r) {
		restored_head_read(r, &h);
		if (!strcmp(h.type, "step") && h.n.v >= 1 &&
		    (size_t)h.n.v <= nsteps && !v[h.n.v - 1])
			v[h.n.v - 1] = h.status;
	}
	return v;
}

static int done(const char *status)
{
	return status && (!strcmp(status, "passed") ||
			  !strcmp(status, "skipped"));
}

/* The first record of type `type`, or NULL. */
static json_t *first_of(json_t *records, const char *type)
{
	struct restored_head h;
	json_t *r;
	size_t i;

	json_array_foreach(records, i, r) {
		restored_head_read(r, &h);
		if (!strcmp(h.type, type))
			return r;
	}
	return NULL;
}

int restored_left_destroyed(json_t *records, const struct drill *d)
{
	const char **v;
	size_t i;
	int destroyed = first_of(records, "destroy") != NULL, verify = 0,
	    verified = 1, restored = 1;

	v = step_status(records, d->nsteps);
	for (i = 0; i < d->nsteps; i++) {
		const struct drill_step *s = &d->steps[i];

		if (s->destructive && v[i])
			destroyed = 1;
		if (s->phase == DRILL_VERIFY_RESTORE) {
			verify = 1;
			verified &= done(v[i]);
		} else if (s->phase == DRILL_RESTORE) {
			restored &= done(v[i]);
		}
	}
	free(v);
	return destroyed && !(verify ? verified : restored);
}

const char *restored_verdict(json_t *records, const struct drill *d)
{
	json_t *end = first_of(records, "end");
	struct restored_head start, e;
	struct jrecord_start js;
	struct drill *own = NULL;
	struct error err = ERROR_INIT;
	const char *st;
	int left;

	restored_head_read(json_array_get(records, 0), &start);
	if (!strcmp(start.mode, "plan"))
		return "PLANNED";
	restored_head_read(end, &e);
	st = end ? e.status : "INCOMPLETE";
	if (!strcmp(st, "PASSED") || !strcmp(st, "REFUSED") ||
	    !strcmp(st, RESTORED_WORD))
		return st;
	if (!d) {
		jrecord_start_read(json_array_get(records, 0), &js);
		d = own = drill_from_body(js.body, &err);
		jrecord_start_release(&js);
	}
	left = d && restored_left_destroyed(records, d);
	drill_free(own);
	error_release(&err);
	return left ? RESTORED_WORD : st;
}

/* The step as a line to paste into a shell (step_kind.paste). */
static void paste_command(const struct drill_step *s, struct strbuf *out)
{
	if (!s->display)
		return;
	if (s->kind->paste)
		s->kind->paste(s, out);
	else
		strbuf_adds(out, s->display);
}

/*
 * A picked record's "chosen" as recorded, whatever its JSON type: the
 * paths expand.h takes, as they always were ("" fills in '', another
 * type makes the expansion fail: no picks).
 */
struct pick_chosen {
	json_t *chosen;
};
static const struct schema_field pick_chosen_fields[] = {
	{ .key = "chosen", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct pick_chosen, chosen) },
	{ NULL },
};
static const struct schema pick_chosen_schema = {
	.what = "backup record", .fields = pick_chosen_fields,
	.size = sizeof(struct pick_chosen),
};

/*
 * The drill with the files its run picked for scheduled items filled
 * in, as the runner ran it (NULL: none picked, or they do not fit).
 */
static struct drill *with_picks(json_t *records, const struct drill *d)
{
	json_t *paths = json_object(), *r, *body;
	struct strbuf missing = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct drill *out = NULL;
	size_t i;

	json_array_foreach(records, i, r) {
		struct restored_head h;
		struct pick_chosen pc;

		restored_head_read(r, &h);
		if (strcmp(h.type, "backup") || strcmp(h.status, "picked"))
			continue;
		memset(&pc, 0, sizeof(pc));
		schema_bind_lenient(&pick_chosen_schema, r, &pc);
		/* expand.h takes the picks as a JSON object of paths. */
		if (pc.chosen)
			json_object_set(paths, h.item, pc.chosen);
	}
	if (json_object_size(paths)) {
		body = json_deep_copy(d->body);
		if (expand_deferred_tree(json_object_get(body, "steps"), paths,
					 &missing) == 0)
			out = drill_from_body(body, &err);
		json_decref(body);
	}
	if (out && out->nsteps != d->nsteps) {
		drill_free(out);
		out = NULL;
	}
	json_decref(paths);
	strbuf_release(&missing);
	error_release(&err);
	return out;
}

void restored_pending_steps(json_t *records, const struct drill *d,
			    struct restored_steps *out)
{
	const char **v = step_status(records, d->nsteps);
	struct drill *picked = with_picks(records, d);
	size_t i;

	for (i = 0; i < d->nsteps; i++) {
		const struct drill_step *s = &d->steps[i];
		struct strbuf cmd = STRBUF_INIT, desc = STRBUF_INIT;
		struct restored_step *p;

		if ((s->phase != DRILL_RESTORE &&
		     s->phase != DRILL_VERIFY_RESTORE) || done(v[i]))
			continue;
		paste_command(picked ? &picked->steps[i] : s, &cmd);
		plan_step_describe(s, &desc);
		XGROW(out->v, out->nr + 1, out->alloc);
		p = &out->v[out->nr++];
		p->n = s->n;
		p->id = s->id;
		p->title = s->title && *s->title ? s->title : s->id;
		p->phase = drill_phases[s->phase];
		p->status = v[i] ? v[i] : "not run";
		p->command = strbuf_detach(&cmd, NULL);
		p->describe = strbuf_detach(&desc, NULL);
	}
	free(v);
	drill_free(picked);
}

void restored_steps_release(struct restored_steps *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		free(s->v[i].command);
		free(s->v[i].describe);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

json_t *restored_pending(json_t *records, const struct drill *d)
{
	struct restored_steps st = { NULL, 0, 0 };
	json_t *out = json_array();
	size_t i;

	restored_pending_steps(records, d, &st);
	for (i = 0; i < st.nr; i++) {
		const struct restored_step *p = &st.v[i];

		json_array_append_new(out, json_pack(
			"{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
			"n", (json_int_t)p->n, "id", p->id, "title", p->title,
			"phase", p->phase, "status", p->status,
			"command", p->command, "describe", p->describe));
	}
	restored_steps_release(&st);
	return out;
}

json_t *restored_state(json_t *records)
{
	/* JSON on purpose: runfacts_seed() is the one reader of a state. */
	return json_object_get(first_of(records, "destroy"), "state");
}
