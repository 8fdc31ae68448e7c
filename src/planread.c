#include "planread.h"
#include "journal.h"
#include "sha256.h"

#include <string.h>

/*
 * The walk: where it is in the text, how far the canonical dump matched
 * it (cpos), and the plan hash being taken while in the plan body.
 */
struct walk {
	const char *t;
	size_t len, pos;
	struct planread *pr;
	size_t cpos;
	int canonical;
	struct sha256_stream *h;   /* while in the plan body, else NULL */
	size_t nvalues;
	size_t limit;              /* half the budget: what its parses may hold */
	int steps_seen;
};

/* JSON's whitespace, and only it (jansson's lexer). */
static void skip_ws(struct walk *w)
{
	while (w->pos < w->len && (w->t[w->pos] == ' ' || w->t[w->pos] == '\t' ||
				   w->t[w->pos] == '\n' || w->t[w->pos] == '\r'))
		w->pos++;
}

static int peek(struct walk *w, char c)
{
	skip_ws(w);
	return w->pos < w->len && w->t[w->pos] == c;
}

static int expect(struct walk *w, char c)
{
	if (!peek(w, c))
		return 0;
	w->pos++;
	return 1;
}

/* Bytes of the canonical dump, matched against the text as they come. */
static void emit(struct walk *w, const char *p, size_t n)
{
	if (!w->canonical)
		return;
	if (n > w->len - w->cpos || memcmp(w->t + w->cpos, p, n))
		w->canonical = 0;
	else
		w->cpos += n;
}

/* JSON_INDENT(2)'s line break before a member at `depth`. */
static void emit_nl(struct walk *w, int depth)
{
	static const char spaces[] = "                ";
	int n = 2 * depth;

	emit(w, "\n", 1);
	while (n > 0) {
		int take = n < (int)sizeof(spaces) - 1 ? n : (int)sizeof(spaces) - 1;
		emit(w, spaces, (size_t)take);
		n -= take;
	}
}

struct indent {
	struct walk *w;
	int depth;
};

/*
 * A value dumped on its own, made the dump it is inside the whole: each
 * line break gets the indentation of its depth (a dumped string never
 * holds a raw line break: it is escaped).
 */
static int indent_dump(const char *p, size_t n, void *data)
{
	struct indent *in = data;

	while (n && in->w->canonical) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;

		emit(in->w, p, take);
		p += take;
		n -= take;
		if (nl) {
			emit_nl(in->w, in->depth);
			p++;
			n--;
		}
	}
	return 0;
}

static void emit_value(struct walk *w, json_t *v, int depth)
{
	struct indent in = { w, depth };

	if (w->canonical && json_dump_callback(v, indent_dump, &in,
			JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY) < 0)
		w->canonical = 0;
}

static int hash_dump(const char *p, size_t n, void *data)
{
	sha256_stream_add(data, p, n);
	return 0;
}

static void hash_text(struct walk *w, const char *s)
{
	if (w->h && w->canonical)
		sha256_stream_add(w->h, s, strlen(s));
}

static void hash_value(struct walk *w, json_t *v)
{
	if (w->h && w->canonical && json_dump_callback(v, hash_dump, w->h,
			JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
			JSON_ENCODE_ANY) < 0)
		w->canonical = 0;
}

/*
 * The plan hash's bytes of a value from its canonical text (t[from, to),
 * which matched its JSON_INDENT(2) dump): the same dump made compact and
 * ASCII, without dumping it again. Outside strings the line breaks with
 * their indentation and the space after each colon go; inside, every
 * character not ASCII becomes \uXXXX (a surrogate pair past U+FFFF), as
 * jansson writes it under JSON_ENSURE_ASCII; escapes stay as they are
 * (both dumps escape the same ASCII the same way).
 */
static void hash_canonical(struct walk *w, size_t from, size_t to)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *t = (const unsigned char *)w->t;
	char out[4096];
	size_t i, n = 0;
	int in_str = 0;

	for (i = from; i < to; i++) {
		unsigned char c = t[i];
		unsigned long cp;
		int more, k;

		if (n > sizeof(out) - 16) {
			sha256_stream_add(w->h, out, n);
			n = 0;
		}
		if (!in_str) {
			if (c == '\n') {
				while (i + 1 < to && t[i + 1] == ' ')
					i++;
				continue;
			}
			out[n++] = (char)c;
			if (c == '"')
				in_str = 1;
			else if (c == ':' && i + 1 < to && t[i + 1] == ' ')
				i++;
			continue;
		}
		if (c == '\\' && i + 1 < to) {
			out[n++] = (char)c;
			out[n++] = (char)t[++i];
			continue;
		}
		if (c < 0x80) {
			out[n++] = (char)c;
			in_str = c != '"';
			continue;
		}
		/* Valid UTF-8: jansson wrote it, and it matched. */
		more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		cp = c & (0x3fu >> more);
		for (k = 0; k < more && i + 1 < to; k++)
			cp = cp << 6 | (t[++i] & 0x3fu);
		if (cp >= 0x10000) {
			unsigned long v = cp - 0x10000;
			unsigned long hi = 0xd800 | (v >> 10), lo = 0xdc00 | (v & 0x3ff);
			cp = lo;
			out[n++] = '\\';
			out[n++] = 'u';
			for (k = 12; k >= 0; k -= 4)
				out[n++] = hex[(hi >> k) & 0xf];
		}
		out[n++] = '\\';
		out[n++] = 'u';
		for (k = 12; k >= 0; k -= 4)
			out[n++] = hex[(cp >> k) & 0xf];
	}
	sha256_stream_add(w->h, out, n);
}

/* A value emitted at `depth`, and hashed when in the plan body. */
static void emit_hashed(struct walk *w, json_t *v, int depth)
{
	size_t from = w->cpos;

	emit_value(w, v, depth);
	if (w->h && w->canonical)
		hash_canonical(w, from, w->cpos);
}

/* The value at the walk's place, parsed on its own; NULL: give up. */
static json_t *value(struct walk *w)
{
	size_t used = 0, over = w->nvalues * 64 + (64u << 10);
	json_t *v;

	/* The bound checked after the walk, kept while it goes (see there). */
	if (over >= w->limit)
		return NULL;
	v = journal_parse_value(w->t + w->pos, w->len - w->pos, &used,
				&w->pr->mem, w->limit - over);
	if (v && !used) {
		json_decref(v);
		return NULL;
	}
	w->pos += used;
	w->nvalues++;
	return v;
}

/* A key: a string without a NUL (jansson refuses one in a key). */
static json_t *key(struct walk *w)
{
	json_t *k;

	if (!peek(w, '"') || !(k = value(w)))
		return NULL;
	if (!json_is_string(k) ||
	    strlen(json_string_value(k)) != json_string_length(k)) {
		json_decref(k);
		return NULL;
	}
	return k;
}

/* plan.steps (at `depth`), each step given to the caller, none kept. */
static int walk_steps(struct walk *w, int depth)
{
	size_t i;

	if (!expect(w, '[') || peek(w, ']'))
		return -1;
	emit(w, "[", 1);
	hash_text(w, "[");
	for (i = 0;; i++) {
		json_t *v = value(w);
		int r;

		if (!v)
			return -1;
		emit(w, i ? "," : "", i ? 1 : 0);
		emit_nl(w, depth + 1);
		hash_text(w, i ? "," : "");
		emit_hashed(w, v, depth + 1);
		r = w->pr->step(v, i, w->pr->ctx);
		json_decref(v);
		if (r < 0)
			return -1;
		w->pr->nsteps = i + 1;
		if (expect(w, ','))
			continue;
		if (expect(w, ']'))
			break;
		return -1;
	}
	emit_nl(w, depth);
	emit(w, "]", 1);
	hash_text(w, "]");
	return 0;
}

static int walk_object(struct walk *w, json_t *obj, int depth);

/* One member's value: the plan and its steps walked, the rest parsed. */
static int member(struct walk *w, json_t *obj, const char *k, int depth)
{
	json_t *v;

	if (depth == 0 && !strcmp(k, "plan")) {
		int r;

		v = json_object();
		json_object_set_new(obj, k, v);
		w->h = sha256_stream_new();
		r = walk_object(w, v, 1);
		if (w->canonical && w->h)
			sha256_stream_finish(w->h, w->pr->body_hash);
		else if (w->h)
			sha256_stream_free(w->h);
		w->h = NULL;
		return r;
	}
	if (depth == 1 && !strcmp(k, "steps")) {
		if (w->steps_seen)
			return -1;
		w->steps_seen = 1;
		return walk_steps(w, depth + 1);
	}
	if (!(v = value(w)))
		return -1;
	emit_hashed(w, v, depth + 1);
	json_object_set_new(obj, k, v);
	return 0;
}

/* An object at `depth` (0: plan.json's, 1: its plan) into `obj`. */
static int walk_object(struct walk *w, json_t *obj, int depth)
{
	json_t *prev = NULL, *k;
	int first = 1;

	if (!expect(w, '{') || peek(w, '}'))
		return -1;
	emit(w, "{", 1);
	hash_text(w, "{");
	for (;;) {
		const char *ks;

		if (!(k = key(w)))
			goto fail;
		ks = json_string_value(k);
		/* A duplicate: the whole parse refuses it. */
		if (json_object_get(obj, ks) ||
		    (depth == 1 && w->steps_seen && !strcmp(ks, "steps")))
			goto fail;
		if (prev && strcmp(json_string_value(prev), ks) >= 0)
			w->canonical = 0;
		emit(w, first ? "" : ",", first ? 0 : 1);
		emit_nl(w, depth + 1);
		emit_value(w, k, 0);
		emit(w, ": ", 2);
		hash_text(w, first ? "" : ",");
		hash_value(w, k);
		hash_text(w, ":");
		if (!expect(w, ':') || member(w, obj, ks, depth) < 0)
			goto fail;
		json_decref(prev);
		prev = k;
		first = 0;
		if (expect(w, ','))
			continue;
		if (expect(w, '}'))
			break;
		goto fail_prev;
	}
	json_decref(prev);
	emit_nl(w, depth);
	emit(w, "}", 1);
	hash_text(w, "}");
	return 0;
fail:
	json_decref(k);
fail_prev:
	json_decref(prev);
	return -1;
}

int planread_walk(const char *text, size_t len, size_t budget,
		  struct planread *pr)
{
	struct walk w;
	int r;

	pr->head = NULL;
	/* Nothing deeper than a journal line: jansson's bound is the text's. */
	if (journal_record_too_deep(text, len))
		return 0;
	memset(&w, 0, sizeof(w));
	w.t = text;
	w.len = len;
	w.pr = pr;
	w.canonical = 1;
	w.limit = budget / 2;
	pr->head = json_object();
	pr->nsteps = 0;
	pr->mem = 0;
	pr->body_hash[0] = '\0';
	r = walk_object(&w, pr->head, 0);
	if (w.h)
		sha256_stream_free(w.h);
	skip_ws(&w);
	/*
	 * What the whole parse holds besides the values parsed here (the
	 * containers, their tables and keys) is under 64 bytes a value:
	 * within half the budget, the whole parse would fit in all of it.
	 */
	if (r < 0 || w.pos != len || !w.steps_seen ||
	    pr->mem + w.nvalues * 64 + (64u << 10) > budget / 2) {
		json_decref(pr->head);
		pr->head = NULL;
		return 0;
	}
	pr->canonical = w.canonical && w.cpos == len;
	if (!pr->canonical)
		pr->body_hash[0] = '\0';
	return 1;
}
