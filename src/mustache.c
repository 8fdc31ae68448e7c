#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mustache.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * A template is parsed once into a flat array of nodes; a section's body is
 * the nodes up to its `end`, so parsing needs no recursion and freeing is
 * one loop. Parsing everything before rendering means a syntax error
 * anywhere in a template is reported before any of it is output.
 */

enum mnode_type {
	MN_TEXT,
	MN_VAR,		/* {{x}}: escaped */
	MN_RAW,		/* {{{x}}} and {{&x}} */
	MN_SECTION,
	MN_INVERTED,
	MN_PARTIAL,
};

struct mnode {
	enum mnode_type type;
	const char *s;		/* text, or the tag's name; into the source */
	size_t len;
	size_t off;		/* where the tag starts, for errors */
	size_t end;		/* sections: index just past the body */
	const char *indent;	/* standalone partials: the line's indentation */
	size_t indent_len;
};

struct mtpl {
	const char *src;
	size_t len;
	char *owned;		/* a partial's indented source */
	char *name;		/* partial name; NULL for the caller's template */
	size_t name_len;
	char *indent;		/* the indentation the partial was parsed with */
	size_t indent_len;
	struct mnode *nodes;
	size_t nr, alloc;
};

struct render {
	json_t *partials;
	mustache_escape_fn escape;
	const char *text_open, *text_close;
	json_t **stack;
	size_t nstack, astack;
	struct mtpl **cache;	/* partials parsed so far, by name + indent */
	size_t ncache, acache;
	size_t depth;
	size_t work;		/* nodes visited, for MUSTACHE_MAX_WORK */
	size_t out_start;	/* out->len on entry, for MUSTACHE_MAX_OUTPUT */
	struct strbuf *out;
	struct error *err;
	const struct mustache_session *watch;
};

void mustache_escape_html(struct strbuf *out, const char *s, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		const char *rep;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		default: continue;
		}
		strbuf_add(out, s + start, i - start);
		strbuf_adds(out, rep);
		start = i + 1;
	}
	if (start < len)
		strbuf_add(out, s + start, len - start);
}

static void tpl_free(struct mtpl *t)
{
	free(t->nodes);
	free(t->owned);
	free(t->name);
	free(t->indent);
}

/*
 * "line L, col C: what" for an offset into t, columns in characters. A
 * partial's source carries the indentation of its call site, which the
 * author never wrote, so it is taken back off the column. `detail` gets
 * the line and a caret under the spot.
 */
__attribute__((format(printf, 4, 5)))
static int tpl_error(const struct mtpl *t, struct error *err, size_t off,
		     const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	size_t i, line = 1, col = 1, bol = 0, eol;
	va_list ap;

	for (i = 0; i < off && i < t->len; i++) {
		if (t->src[i] == '\n') {
			line++;
			col = 1;
			bol = i + 1;
		} else if (((unsigned char)t->src[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	if (t->indent_len && col > t->indent_len)
		col -= t->indent_len;
	if (t->name)
		strbuf_addf(&msg, "partial '%.64s': ", t->name);
	strbuf_addf(&msg, "line %zu, col %zu: ", line, col);
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	error_set(err, "%s", msg.buf);
	strbuf_release(&msg);

	for (eol = bol; eol < t->len && t->src[eol] != '\n'; eol++)
		;
	if (eol - bol > 200 || off > eol)
		return -1;
	strbuf_add(&err->detail, t->src + bol, eol - bol);
	strbuf_addch(&err->detail, '\n');
	for (i = bol; i < off; i++) {
		if (t->src[i] == '\t')
			strbuf_addch(&err->detail, '\t');
		else if (((unsigned char)t->src[i] & 0xc0) != 0x80)
			strbuf_addch(&err->detail, ' ');
	}
	strbuf_addch(&err->detail, '^');
	return -1;
}

static struct mnode *add_node(struct mtpl *t, enum mnode_type type,
			      const char *s, size_t len, size_t off)
{
	struct mnode *n;

	XGROW(t->nodes, t->nr + 1, t->alloc);
	n = &t->nodes[t->nr++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->s = s;
	n->len = len;
	n->off = off;
	return n;
}

static void add_text(struct mtpl *t, size_t from, size_t to)
{
	if (to > from)
		add_node(t, MN_TEXT, t->src + from, to - from, from);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_space(char c)
{
	return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Find the end of a tag whose content starts at `from`: the closing
 * delimiter, preceded by `closer` ('}' of a triple mustache, '=' of a
 * set-delimiters tag) when there is one. Sets *content_end to where the
 * content stops and returns the offset just past the tag, or 0 when the
 * tag is never closed (a tag cannot end at offset 0).
 */
static size_t find_close(const struct mtpl *t, size_t from, const char *ctag,
			 size_t clen, char closer, size_t *content_end)
{
	size_t at = from;

	while (at < t->len) {
		const char *c = mem_find(t->src + at, t->len - at, ctag, clen);
		size_t pos;

		if (!c)
			return 0;
		pos = c - t->src;
		if (!closer) {
			*content_end = pos;
			return pos + clen;
		}
		if (pos > from && t->src[pos - 1] == closer) {
			*content_end = pos - 1;
			return pos + clen;
		}
		at = pos + 1;
	}
	return 0;
}

/* Only whitespace between a tag and the start and end of its line? */
static int standalone(const struct mtpl *t, size_t text_from,
		      size_t tag_start, size_t tag_end, size_t *bol,
		      size_t *next)
{
	size_t b = tag_start, e = tag_end;

	while (b > text_from && is_blank(t->src[b - 1]))
		b--;
	if (b > 0 && t->src[b - 1] != '\n')
		return 0;
	while (e < t->len && is_blank(t->src[e]))
		e++;
	if (e == t->len)
		*next = e;
	else if (t->src[e] == '\n')
		*next = e + 1;
	else if (t->src[e] == '\r' && e + 1 < t->len && t->src[e + 1] == '\n')
		*next = e + 2;
	else
		return 0;
	*bol = b;
	return 1;
}

static int set_delimiters(struct mtpl *t, struct error *err, size_t off,
			  size_t from, size_t to, const char **otag,
			  size_t *olen, const char **ctag, size_t *clen)
{
	const char *s = t->src;
	size_t a, ae, b, be, e;

	for (a = from; a < to && is_space(s[a]); a++)
		;
	for (ae = a; ae < to && !is_space(s[ae]) && s[ae] != '='; ae++)
		;
	for (b = ae; b < to && is_space(s[b]); b++)
		;
	for (be = b; be < to && !is_space(s[be]) && s[be] != '='; be++)
		;
	for (e = be; e < to && is_space(s[e]); e++)
		;
	if (ae == a || be == b || b == ae || e != to)
		return tpl_error(t, err, off, "bad set-delimiters tag "
				 "(want {{=OPEN CLOSE=}})");
	*otag = s + a;
	*olen = ae - a;
	*ctag = s + b;
	*clen = be - b;
	return 0;
}

static int same_name(const struct mnode *a, const char *s, size_t len)
{
	return a->len == len && !memcmp(a->s, s, len);
}

static int valid_name(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++)
		if (is_space(s[i]))
			return 0;
	return 1;
}

static int parse(struct mtpl *t, struct error *err)
{
	const char *src = t->src;
	const char *otag = "{{", *ctag = "}}";
	size_t olen = 2, clen = 2, pos = 0, depth = 0;
	size_t open[MUSTACHE_MAX_NESTING];

	while (pos < t->len) {
		const char *o = mem_find(src + pos, t->len - pos, otag, olen);
		size_t tag_start, ns, ne, tag_end, bol, next;
		char sigil, closer = 0;
		struct mnode *n;

		if (!o) {
			add_text(t, pos, t->len);
			break;
		}
		tag_start = o - src;
		ns = tag_start + olen;
		sigil = ns < t->len ? src[ns] : 0;
		if (sigil == '{')
			closer = '}';
		else if (sigil == '=')
			closer = '=';
		if (sigil && strchr("#^/>&!{=", sigil))
			ns++;
		tag_end = find_close(t, ns, ctag, clen, closer, &ne);
		if (!tag_end)
			return tpl_error(t, err, tag_start, "unclosed tag '%.*s'",
					 (int)olen, otag);

		if (sigil && strchr("#^/>!=", sigil) &&
		    standalone(t, pos, tag_start, tag_end, &bol, &next)) {
			add_text(t, pos, bol);
			pos = next;
		} else {
			add_text(t, pos, tag_start);
			bol = tag_start;
			pos = tag_end;
		}
		if (sigil == '!')
			continue;
		if (sigil == '=') {
			if (set_delimiters(t, err, tag_start, ns, ne, &otag,
					   &olen, &ctag, &clen))
				return -1;
			continue;
		}

		while (ns < ne && is_space(src[ns]))
			ns++;
		while (ne > ns && is_space(src[ne - 1]))
			ne--;
		if (!valid_name(src + ns, ne - ns))
			return tpl_error(t, err, tag_start,
					 "bad tag name '%.*s'",
					 (int)(ne - ns > 64 ? 64 : ne - ns),
					 src + ns);

		switch (sigil) {
		case '#':
		case '^':
			if (depth == MUSTACHE_MAX_NESTING)
				return tpl_error(t, err, tag_start,
						 "sections nested deeper than %d",
						 MUSTACHE_MAX_NESTING);
			open[depth++] = t->nr;
			add_node(t, sigil == '#' ? MN_SECTION : MN_INVERTED,
				 src + ns, ne - ns, tag_start);
			break;
		case '/':
			if (!depth)
				return tpl_error(t, err, tag_start,
						 "closing tag '%.*s' without an open section",
						 (int)(ne - ns > 64 ? 64 : ne - ns),
						 src + ns);
			n = &t->nodes[open[depth - 1]];
			if (!same_name(n, src + ns, ne - ns)) {
				struct strbuf what = STRBUF_INIT;
				int rc;

				strbuf_add(&what, n->s, n->len > 64 ? 64 : n->len);
				rc = tpl_error(t, err, tag_start,
					       "closing tag '%.*s' does not match "
					       "open section '%s'",
					       (int)(ne - ns > 64 ? 64 : ne - ns),
					       src + ns, what.buf);
				strbuf_release(&what);
				return rc;
			}
			n->end = t->nr;
			depth--;
			break;
		case '>':
			n = add_node(t, MN_PARTIAL, src + ns, ne - ns, tag_start);
			n->indent = src + bol;
			n->indent_len = tag_start - bol;
			break;
		case '&':
		case '{':
			add_node(t, MN_RAW, src + ns, ne - ns, tag_start);
			break;
		default:
			add_node(t, MN_VAR, src + ns, ne - ns, tag_start);
			break;
		}
	}
	if (depth) {
		const struct mnode *n = &t->nodes[open[depth - 1]];

		return tpl_error(t, err, n->off, "unclosed section '%.*s'",
				 (int)(n->len > 64 ? 64 : n->len), n->s);
	}
	return 0;
}

static json_t *lookup(const struct render *r, const char *name, size_t len)
{
	const char *dot = memchr(name, '.', len);
	size_t part = dot ? (size_t)(dot - name) : len;
	json_t *v = NULL;
	size_t i;

	if (len == 1 && name[0] == '.')
		return r->nstack ? r->stack[r->nstack - 1] : NULL;
	for (i = r->nstack; i-- > 0; ) {
		json_t *ctx = r->stack[i];

		if (json_is_object(ctx) &&
		    (v = json_object_getn(ctx, name, part)))
			break;
	}
	/* Taken from the data, or missed, past a frame above it. */
	if (r->watch && r->watch->seen && r->nstack > 1 &&
	    (i == 0 || i == (size_t)-1))
		r->watch->seen(r->watch->ctx, name, part, v);
	/* The rest of a dotted name is looked up in what the first part found only. */
	while (v && dot) {
		name = dot + 1;
		len -= part + 1;
		dot = memchr(name, '.', len);
		part = dot ? (size_t)(dot - name) : len;
		v = json_is_object(v) ? json_object_getn(v, name, part) : NULL;
	}
	return v;
}

static int truthy(const json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	return !json_is_array(v) || json_array_size(v) > 0;
}

static void interpolate(struct render *r, const json_t *v, int escape)
{
	char buf[64];
	const char *s = buf;
	size_t len;
	int p;

	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v);
		len = json_string_length(v);
		break;
	case JSON_INTEGER:
		len = snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			       json_integer_value(v));
		break;
	case JSON_REAL:
		/* The shortest form that reads back as the same double. */
		for (p = 1; p <= 17; p++) {
			snprintf(buf, sizeof(buf), "%.*g", p,
				 json_real_value(v));
			if (strtod(buf, NULL) == json_real_value(v))
				break;
		}
		len = strlen(buf);
		break;
	case JSON_TRUE:
		s = "true";
		len = 4;
		break;
	case JSON_FALSE:
		s = "false";
		len = 5;
		break;
	default:
		return;
	}
	if (!len)
		return;
	if (escape)
		r->escape(r->out, s, len);
	else
		strbuf_add(r->out, s, len);
}

static int enter(struct render *r, const struct mtpl *t, size_t off)
{
	if (r->depth >= MUSTACHE_MAX_DEPTH)
		return tpl_error(t, r->err, off,
				 "sections and partials nested deeper than %d",
				 MUSTACHE_MAX_DEPTH);
	r->depth++;
	return 0;
}

static void push(struct render *r, json_t *v)
{
	XGROW(r->stack, r->nstack + 1, r->astack);
	r->stack[r->nstack++] = v;
}

static int render_range(struct render *r, const struct mtpl *t, size_t from,
			size_t to);

/* Render a section's body with v on top of the context stack. */
static int render_with(struct render *r, const struct mtpl *t,
		       const struct mnode *n, size_t i, json_t *v)
{
	int rc;

	if (enter(r, t, n->off))
		return -1;
	push(r, v);
	rc = render_range(r, t, i + 1, n->end);
	r->nstack--;
	r->depth--;
	return rc;
}

/*
 * The spec indents every line of a standalone partial's source, not of
 * its output: a multi-line value interpolated inside it stays as it is.
 */
static void indent_source(struct strbuf *sb, const char *s, size_t len,
			  const char *indent, size_t indent_len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (i == 0 || s[i - 1] == '\n')
			strbuf_add(sb, indent, indent_len);
		strbuf_addch(sb, s[i]);
	}
}

/* The parsed partial, NULL with *missing set if there is none. */
static struct mtpl *get_partial(struct render *r, const struct mtpl *t,
				const struct mnode *n, int *missing)
{
	struct strbuf src = STRBUF_INIT;
	struct mtpl *p;
	json_t *v;
	size_t i;

	*missing = 0;
	for (i = 0; i < r->ncache; i++) {
		p = r->cache[i];
		if (p->name_len == n->len && !memcmp(p->name, n->s, n->len) &&
		    p->indent_len == n->indent_len &&
		    !memcmp(p->indent, n->indent, n->indent_len))
			return p;
	}
	v = r->partials ? json_object_getn(r->partials, n->s, n->len) : NULL;
	if (!v) {
		*missing = 1;
		return NULL;
	}
	if (!json_is_string(v)) {
		tpl_error(t, r->err, n->off, "partial '%.*s' is not a string",
			  (int)(n->len > 64 ? 64 : n->len), n->s);
		return NULL;
	}
	indent_source(&src, json_string_value(v), json_string_length(v),
		      n->indent, n->indent_len);
	p = xcalloc(1, sizeof(*p));
	p->len = src.len;
	p->owned = strbuf_detach(&src, NULL);
	p->src = p->owned;
	p->name = xstrndup(n->s, n->len);
	p->name_len = n->len;
	p->indent = xstrndup(n->indent ? n->indent : "", n->indent_len);
	p->indent_len = n->indent_len;
	if (parse(p, r->err)) {
		tpl_free(p);
		free(p);
		return NULL;
	}
	XGROW(r->cache, r->ncache + 1, r->acache);
	r->cache[r->ncache++] = p;
	return p;
}

static int render_partial(struct render *r, const struct mtpl *t,
			  const struct mnode *n)
{
	struct mtpl *p;
	int missing, rc;

	if (enter(r, t, n->off))
		return -1;
	p = get_partial(r, t, n, &missing);
	rc = p ? render_range(r, p, 0, p->nr) : missing ? 0 : -1;
	r->depth--;
	return rc;
}

static int render_range(struct render *r, const struct mtpl *t, size_t from,
			size_t to)
{
	size_t i = from, k;

	while (i < to) {
		const struct mnode *n = &t->nodes[i];
		json_t *v;

		/* Nested sections over lists multiply: bound the whole render. */
		if (++r->work > MUSTACHE_MAX_WORK)
			return tpl_error(t, r->err, n->off, "the template does "
					 "more than %d steps of work",
					 MUSTACHE_MAX_WORK);
		if (r->out->len - r->out_start > MUSTACHE_MAX_OUTPUT)
			return tpl_error(t, r->err, n->off, "the output is "
					 "over %d MiB",
					 MUSTACHE_MAX_OUTPUT >> 20);

		switch (n->type) {
		case MN_TEXT:
			if (r->text_open)
				strbuf_adds(r->out, r->text_open);
			strbuf_add(r->out, n->s, n->len);
			if (r->text_close)
				strbuf_adds(r->out, r->text_close);
			break;
		case MN_VAR:
		case MN_RAW:
			v = lookup(r, n->s, n->len);
			if (v)
				interpolate(r, v, n->type == MN_VAR);
			break;
		case MN_SECTION:
			v = lookup(r, n->s, n->len);
			if (json_is_array(v)) {
				for (k = 0; k < json_array_size(v); k++)
					if (render_with(r, t, n, i,
							json_array_get(v, k)))
						return -1;
			} else if (truthy(v) && render_with(r, t, n, i, v)) {
				return -1;
			}
			i = n->end;
			continue;
		case MN_INVERTED:
			v = lookup(r, n->s, n->len);
			if (!truthy(v)) {
				if (enter(r, t, n->off))
					return -1;
				if (render_range(r, t, i + 1, n->end))
					return -1;
				r->depth--;
			}
			i = n->end;
			continue;
		case MN_PARTIAL:
			if (render_partial(r, t, n))
				return -1;
			break;
		}
		i++;
	}
	return 0;
}

int mustache_render(const char *tmpl, size_t len, json_t *data,
		    const struct mustache_opts *opts, struct strbuf *out,
		    struct error *err)
{
	return mustache_render_session(tmpl, len, data, opts, NULL, out, err);
}

static void free_cache(struct mtpl **cache, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		tpl_free(cache[i]);
		free(cache[i]);
	}
	free(cache);
}

void mustache_session_release(struct mustache_session *s)
{
	free_cache(s->cache, s->ncache);
	s->cache = NULL;
	s->ncache = s->acache = 0;
}

int mustache_render_session(const char *tmpl, size_t len, json_t *data,
			    const struct mustache_opts *opts,
			    struct mustache_session *s, struct strbuf *out,
			    struct error *err)
{
	struct mtpl top;
	struct render r;
	size_t orig = out->len;
	int rc;

	memset(&top, 0, sizeof(top));
	top.src = tmpl ? tmpl : "";
	top.len = tmpl ? len : 0;
	if (parse(&top, err)) {
		tpl_free(&top);
		return -1;
	}

	memset(&r, 0, sizeof(r));
	r.partials = opts && json_is_object(opts->partials) ?
		opts->partials : NULL;
	r.escape = opts && opts->escape ? opts->escape : mustache_escape_html;
	r.text_open = opts ? opts->text_open : NULL;
	r.text_close = opts ? opts->text_close : NULL;
	r.out = out;
	r.out_start = orig;
	r.err = err;
	r.watch = s;
	if (s) {
		r.cache = s->cache;
		r.ncache = s->ncache;
		r.acache = s->acache;
	}
	push(&r, data);
	rc = render_range(&r, &top, 0, top.nr);
	if (rc)
		strbuf_setlen(out, orig);

	if (s) {
		s->cache = r.cache;
		s->ncache = r.ncache;
		s->acache = r.acache;
	} else {
		free_cache(r.cache, r.ncache);
	}
	free(r.stack);
	tpl_free(&top);
	return rc;
}
