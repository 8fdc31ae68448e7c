#include "deferred.h"
#include "expand.h"
#include "schema.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

struct deferred_text {
	const char **place;     /* the pointer in the bound struct */
	const char *plan;       /* the plan's text, placeholders in it */
	char *filled;           /* what is in the place while bound */
	struct expand_template t;
};

struct deferred {
	struct deferred_text *v;
	size_t nr, alloc;
};

/* schema.c's text types: bound as const char *. */
static int is_text(enum schema_type t)
{
	return t <= SCHEMA_STEPREF || t == SCHEMA_ENUM;
}

static int walk_objs(const struct schema_field *f, void *p,
		     deferred_text_fn fn, void *ctx)
{
	char *arr = *(char **)(void *)((char *)p + f->off);
	size_t i, n = *(size_t *)(void *)((char *)p + f->off2);
	int ret = 0;

	for (i = 0; arr && i < n && !ret; i++)
		ret = deferred_walk(f->item->obj, arr + i * f->item->obj->size,
				    fn, ctx);
	return ret;
}

static int walk_strvec(struct strvec *sv, deferred_text_fn fn, void *ctx)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < sv->nr && !ret; i++)
		ret = fn(&sv->v[i], ctx);
	return ret;
}

int deferred_walk(const struct schema *s, void *p, deferred_text_fn fn,
		  void *ctx)
{
	const struct schema_field *f;
	int ret = 0;

	for (f = s->fields; f->key && !ret; f++) {
		char *at = (char *)p + f->off;
		int item_text = f->item && is_text(f->item->type);

		if (f->flags & SCHEMA_NOBIND)
			continue;
		if (is_text(f->type)) {
			if (*(const char **)(void *)at)
				ret = fn((const char **)(void *)at, ctx);
		} else if (f->type == SCHEMA_LIST && item_text) {
			ret = walk_strvec((struct strvec *)(void *)at, fn, ctx);
		} else if (f->type == SCHEMA_MAP && item_text) {
			/* The values: names are never expanded. */
			ret = walk_strvec(&((struct schema_kv *)(void *)at)->vals,
					  fn, ctx);
		} else if ((f->type == SCHEMA_LIST || f->type == SCHEMA_MAP) &&
			   f->item && f->item->type == SCHEMA_OBJ) {
			ret = walk_objs(f, p, fn, ctx);
		} else if (f->type == SCHEMA_OBJ) {
			void *sub = *(void **)(void *)at;
			if (sub)
				ret = deferred_walk(f->obj, sub, fn, ctx);
		}
	}
	return ret;
}

static int collect_one(const char **place, void *ctx)
{
	struct deferred **dp = ctx, *d;
	struct expand_template t = EXPAND_TEMPLATE_INIT;

	if (!expand_template_parse(*place, &t)) {
		expand_template_release(&t);
		return 0;
	}
	if (!*dp)
		*dp = xcalloc(1, sizeof(**dp));
	d = *dp;
	XGROW(d->v, d->nr + 1, d->alloc);
	d->v[d->nr].place = place;
	d->v[d->nr].plan = *place;
	d->v[d->nr].filled = NULL;
	d->v[d->nr].t = t;
	d->nr++;
	return 0;
}

void deferred_collect(struct deferred **dp, const struct schema *s, void *p)
{
	deferred_walk(s, p, collect_one, dp);
}

int deferred_bind(struct deferred *d, const struct expand_picks *picks,
		  struct strbuf *missing)
{
	struct strbuf sb = STRBUF_INIT;
	char **filled;
	size_t i;

	if (!d)
		return 0;
	/* Every text filled first, so a missing file changes nothing. */
	filled = xcalloc(d->nr, sizeof(*filled));
	for (i = 0; i < d->nr; i++) {
		strbuf_reset(&sb);
		if (expand_template_fill(&d->v[i].t, picks, &sb, missing) < 0)
			break;
		filled[i] = xstrdup(sb.buf);
	}
	strbuf_release(&sb);
	if (i < d->nr) {
		while (i--)
			free(filled[i]);
		free(filled);
		return -1;
	}
	deferred_unbind(d);
	for (i = 0; i < d->nr; i++) {
		d->v[i].filled = filled[i];
		*d->v[i].place = filled[i];
	}
	free(filled);
	return 0;
}

void deferred_unbind(struct deferred *d)
{
	size_t i;

	for (i = 0; d && i < d->nr; i++) {
		*d->v[i].place = d->v[i].plan;
		free(d->v[i].filled);
		d->v[i].filled = NULL;
	}
}

int deferred_refers(const struct deferred *d, const char *item)
{
	size_t i;

	for (i = 0; d && i < d->nr; i++)
		if (expand_template_refers(&d->v[i].t, item))
			return 1;
	return 0;
}

void deferred_free(struct deferred *d)
{
	size_t i;

	if (!d)
		return;
	deferred_unbind(d);
	for (i = 0; i < d->nr; i++)
		expand_template_release(&d->v[i].t);
	free(d->v);
	free(d);
}
