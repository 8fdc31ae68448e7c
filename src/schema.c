#include "schema.h"
#include "error.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *schema_kv_get(const struct schema_kv *kv, const char *key)
{
	size_t i;

	for (i = 0; i < kv->keys.nr; i++)
		if (!strcmp(kv->keys.v[i], key))
			return kv->vals.v[i];
	return NULL;
}

void schema_json_key(const struct schema_field *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", f->key,
		 f->type == SCHEMA_DURATION ? "_s" : "");
}

static int is_text(enum schema_type t)
{
	return t <= SCHEMA_STEPREF || t == SCHEMA_ENUM;
}

/* Pointers are stored with memcpy: the member is a typed pointer. */
static void put_ptr(void *out, size_t off, void *p)
{
	memcpy((char *)out + off, &p, sizeof(p));
}

static void *get_ptr(void *out, size_t off)
{
	void *p;

	memcpy(&p, (char *)out + off, sizeof(p));
	return p;
}

static int wrong(struct error *err, const char *where, const char *key,
		 const char *want)
{
	return error_set(err, "%s: '%s' must be %s", where, key, want);
}

/*
 * `lenient`: binding a record rdrill wrote and reads back (the journal's,
 * schema_bind_lenient()): a member of the wrong type reads as absent.
 */
static int bind_obj(const struct schema *s, json_t *obj, void *out,
		    const char *where, struct error *err, int lenient);
static int bind_value(const struct schema_field *f, json_t *v, void *out,
		      const char *where, const char *key, struct error *err,
		      int lenient);

static int bind_list(const struct schema_field *f, json_t *v, void *out,
		     const char *where, const char *key, struct error *err,
		     int lenient)
{
	const struct schema_field *it = f->item;
	size_t i, n;
	json_t *e;
	char sub[256];

	if (!json_is_array(v))
		return wrong(err, where, key, "a list");
	n = json_array_size(v);
	if (is_text(it->type)) {
		struct strvec *sv = (struct strvec *)((char *)out + f->off);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e)) {
				if (lenient)
					continue;
				return wrong(err, where, key, "a list of text");
			}
			strvec_push(sv, json_string_value(e));
		}
		return 0;
	}
	if (it->type == SCHEMA_INT) {
		long *arr = xcalloc(n ? n : 1, sizeof(*arr));
		put_ptr(out, f->off, arr);
		*(size_t *)(void *)((char *)out + f->off2) = n;
		json_array_foreach(v, i, e) {
			if (!json_is_integer(e)) {
				if (lenient)
					continue;
				return wrong(err, where, key, "a list of numbers");
			}
			arr[i] = (long)json_integer_value(e);
		}
		return 0;
	}
	if (it->type == SCHEMA_OBJ) {
		char *arr = xcalloc(n ? n : 1, it->obj->size);
		put_ptr(out, f->off, arr);
		json_array_foreach(v, i, e) {
			snprintf(sub, sizeof(sub), "%s.%s[%zu]", where, key, i + 1);
			/* Counted as bound so a failure still releases it. */
			*(size_t *)(void *)((char *)out + f->off2) = i + 1;
			if (bind_obj(it->obj, e, arr + i * it->obj->size, sub,
				     err, lenient) < 0)
				return -1;
		}
		*(size_t *)(void *)((char *)out + f->off2) = n;
		return 0;
	}
	return error_set(err, "%s: '%s': a list of this kind cannot be bound",
			 where, key);
}

static int bind_map(const struct schema_field *f, json_t *v, void *out,
		    const char *where, const char *key, struct error *err,
		    int lenient)
{
	const struct schema_field *it = f->item;
	const char *name;
	json_t *e;
	size_t i = 0, n;
	char sub[256];

	if (!json_is_object(v))
		return wrong(err, where, key, "a mapping");
	if (is_text(it->type)) {
		struct schema_kv *kv = (struct schema_kv *)((char *)out + f->off);
		json_object_foreach(v, name, e) {
			if (!json_is_string(e)) {
				if (lenient)
					continue;
				return wrong(err, where, key, "a mapping to text");
			}
			strvec_push(&kv->keys, name);
			strvec_push(&kv->vals, json_string_value(e));
		}
		return 0;
	}
	if (it->type == SCHEMA_OBJ) {
		char *arr;
		n = json_object_size(v);
		arr = xcalloc(n ? n : 1, it->obj->size);
		put_ptr(out, f->off, arr);
		json_object_foreach(v, name, e) {
			char *item = arr + i * it->obj->size;
			snprintf(sub, sizeof(sub), "%s.%s.%s", where, key, name);
			*(size_t *)(void *)((char *)out + f->off2) = ++i;
			if (it->obj->name_off) {
				const char *nm = json_object_iter_key(
					json_object_iter_at(v, name));
				memcpy(item + it->obj->name_off - 1, &nm,
				       sizeof(nm));
			}
			if (bind_obj(it->obj, e, item, sub, err, lenient) < 0)
				return -1;
		}
		return 0;
	}
	return error_set(err, "%s: '%s': a mapping of this kind cannot be "
			 "bound", where, key);
}

static int bind_value(const struct schema_field *f, json_t *v, void *out,
		      const char *where, const char *key, struct error *err,
		      int lenient)
{
	char *at = (char *)out + f->off;

	if (f->flags & SCHEMA_RAW) {
		memcpy(at, &v, sizeof(v));
		return 0;
	}
	if (is_text(f->type)) {
		const char *s = json_string_value(v);
		if (!s)
			return wrong(err, where, key, "text");
		memcpy(at, &s, sizeof(s));
		return 0;
	}
	switch (f->type) {
	case SCHEMA_INT:
	case SCHEMA_DURATION: {
		struct schema_int *iv = (struct schema_int *)(void *)at;
		if (!json_is_integer(v))
			return wrong(err, where, key, "a whole number");
		iv->v = (long)json_integer_value(v);
		iv->set = 1;
		return 0;
	}
	case SCHEMA_REAL: {
		struct schema_real *rv = (struct schema_real *)(void *)at;
		if (!json_is_number(v))
			return wrong(err, where, key, "a number");
		rv->v = json_number_value(v);
		rv->set = 1;
		return 0;
	}
	case SCHEMA_BOOL:
		if (!json_is_boolean(v))
			return wrong(err, where, key, "true or false");
		*(int *)(void *)at = json_is_true(v);
		return 0;
	case SCHEMA_LIST:
		return bind_list(f, v, out, where, key, err, lenient);
	case SCHEMA_MAP:
		return bind_map(f, v, out, where, key, err, lenient);
	case SCHEMA_OBJ: {
		void *p;
		char sub[256];
		/* A lenient read of a non-object leaves the pointer NULL. */
		if (lenient && !json_is_object(v))
			return wrong(err, where, key, "a mapping");
		p = xcalloc(1, f->obj->size);
		put_ptr(out, f->off, p);
		snprintf(sub, sizeof(sub), "%s.%s", where, key);
		return bind_obj(f->obj, v, p, sub, err, lenient);
	}
	default:
		break;
	}
	return error_set(err, "%s: '%s' has a type that cannot be bound", where,
			 key);
}

/*
 * A field's default, parsed once and kept for the process: bound
 * strings point into it, as they point into the plan body.
 */
static json_t *default_value(const struct schema_field *f)
{
	static struct {
		const struct schema_field *f;
		json_t *v;
	} cache[64];
	static size_t n;
	size_t i;

	for (i = 0; i < n; i++)
		if (cache[i].f == f)
			return cache[i].v;
	if (n == sizeof(cache) / sizeof(cache[0]))
		BUG("more than %zu schema defaults", n);
	cache[n].f = f;
	cache[n].v = json_loads(f->def, JSON_DECODE_ANY, NULL);
	if (!cache[n].v)
		BUG("default of '%s' is not JSON: %s", f->key, f->def);
	return cache[n++].v;
}

static int bind_obj(const struct schema *s, json_t *obj, void *out,
		    const char *where, struct error *err, int lenient)
{
	const struct schema_field *f;
	char key[80];

	/* Empty vectors point at strvec_empty, as everywhere else. */
	for (f = s->fields; f->key; f++) {
		char *at = (char *)out + f->off;
		if ((f->flags & (SCHEMA_NOBIND | SCHEMA_RAW)) || !f->item ||
		    !is_text(f->item->type))
			continue;
		if (f->type == SCHEMA_LIST) {
			strvec_init((struct strvec *)(void *)at);
		} else if (f->type == SCHEMA_MAP) {
			strvec_init(&((struct schema_kv *)(void *)at)->keys);
			strvec_init(&((struct schema_kv *)(void *)at)->vals);
		}
	}
	if (!json_is_object(obj))
		return lenient ? 0 : error_set(err, "%s must be a mapping", where);
	for (f = s->fields; f->key; f++) {
		json_t *v;
		if (f->flags & SCHEMA_NOBIND)
			continue;
		schema_json_key(f, key, sizeof(key));
		v = json_object_get(obj, key);
		/* The loader writes defaults out; a plan from elsewhere may not. */
		if (!v && f->def)
			v = default_value(f);
		if (!v) {
			if ((f->flags & SCHEMA_REQ) && !lenient)
				return error_set(err, "%s is missing '%s'", where,
						 key);
			continue;
		}
		if (bind_value(f, v, out, where, key, err, lenient) < 0) {
			if (!lenient)
				return -1;
			/* Only a scalar or a non-object fails here: nothing held. */
			strbuf_reset(&err->msg);
		}
	}
	return 0;
}

int schema_bind(const struct schema *s, json_t *obj, void *out,
		const char *where, struct error *err)
{
	return bind_obj(s, obj, out, where, err, 0);
}

void schema_bind_lenient(const struct schema *s, json_t *obj, void *out)
{
	struct error err = ERROR_INIT;

	bind_obj(s, obj, out, "", &err, 1);
	error_release(&err);
}

void schema_empty_text(const struct schema *s, void *p)
{
	const struct schema_field *f;
	static const char empty[] = "";

	if (!p)
		return;
	for (f = s->fields; f->key; f++) {
		if (f->flags & (SCHEMA_NOBIND | SCHEMA_RAW))
			continue;
		if (is_text(f->type) && !(f->flags & SCHEMA_KEEPNULL)) {
			const char *t = get_ptr(p, f->off);
			if (!t)
				put_ptr(p, f->off, (void *)empty);
		} else if (f->type == SCHEMA_OBJ) {
			schema_empty_text(f->obj, get_ptr(p, f->off));
		} else if ((f->type == SCHEMA_LIST || f->type == SCHEMA_MAP) &&
			   f->item->type == SCHEMA_OBJ) {
			char *arr = get_ptr(p, f->off);
			size_t i, n = *(size_t *)(void *)((char *)p + f->off2);
			for (i = 0; arr && i < n; i++)
				schema_empty_text(f->item->obj,
						  arr + i * f->item->obj->size);
		}
	}
}

void schema_release(const struct schema *s, void *p)
{
	const struct schema_field *f;

	if (!p)
		return;
	for (f = s->fields; f->key; f++) {
		char *at = (char *)p + f->off;
		if (f->flags & (SCHEMA_NOBIND | SCHEMA_RAW))
			continue;
		if (f->type == SCHEMA_OBJ) {
			void *sub = get_ptr(p, f->off);
			schema_release(f->obj, sub);
			free(sub);
		} else if (f->type == SCHEMA_LIST || f->type == SCHEMA_MAP) {
			const struct schema_field *it = f->item;
			if (is_text(it->type) && f->type == SCHEMA_LIST) {
				strvec_clear((struct strvec *)(void *)at);
			} else if (is_text(it->type)) {
				struct schema_kv *kv = (struct schema_kv *)(void *)at;
				strvec_clear(&kv->keys);
				strvec_clear(&kv->vals);
			} else if (it->type == SCHEMA_OBJ) {
				char *arr = get_ptr(p, f->off);
				size_t i, n = *(size_t *)(void *)((char *)p + f->off2);
				for (i = 0; arr && i < n; i++)
					schema_release(it->obj,
						       arr + i * it->obj->size);
				free(arr);
			} else {
				free(get_ptr(p, f->off));
			}
		}
	}
}
