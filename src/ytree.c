#include "ytree.h"
#include "error.h"
#include "strbuf.h"
#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

struct ytree {
	char *path;
	struct strbuf src;
	struct ynode *root;
};

static void ynode_free(struct ynode *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

void ytree_free(struct ytree *t)
{
	if (!t)
		return;
	/* Deep trees were refused at load, so this recursion is bounded. */
	ynode_free(t->root);
	strbuf_release(&t->src);
	free(t->path);
	free(t);
}

const struct ynode *ytree_root(const struct ytree *t)
{
	return t->root;
}

const char *ytree_path(const struct ytree *t)
{
	return t->path;
}

const char *ytree_source(const struct ytree *t, size_t *len)
{
	if (len)
		*len = t->src.len;
	return t->src.buf;
}

/* Valid UTF-8 without control characters (C0 but TAB, DEL, C1). */
static int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len(p + i, len - i);
		if (!n || (n == 1 && ((p[i] < 0x20 && p[i] != '\t') ||
				      p[i] == 0x7f)) ||
		    (n == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0))
			return 0;
		i += n;
	}
	return 1;
}

/*
 * The caret line under a source line. libyaml counts columns in
 * characters, so walk UTF-8 characters, not bytes; a tab stays a tab so
 * the caret lines up in a terminal.
 */
static void add_caret(const struct ytree *t, int line, int col,
		      struct strbuf *out)
{
	const char *p = t->src.buf, *end = t->src.buf + t->src.len, *eol;
	struct strbuf shown = STRBUF_INIT;
	int l = 1, c;

	if (line < 1)
		return;
	while (l < line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return;
		p = nl + 1;
		l++;
	}
	if (l != line || p >= end)
		return;
	eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	if (eol - p > 200)
		return; /* a caret under a 16 MiB line helps nobody */
	if (!utf8_valid(p, (size_t)(eol - p)))
		return; /* binary garbage: don't echo it to a terminal */
	strbuf_addf(out, "  %.*s\n  ", (int)(eol - p), p);
	for (c = 1; c < col && p < eol; c++) {
		size_t n = utf8_seq_len(p, (size_t)(eol - p));

		if (!n)
			n = 1;
		/* A hidden character is printed by name: "<U+202E>". */
		strbuf_reset(&shown);
		utf8_add_clean(&shown, p, n, "\t");
		if (*p == '\t')
			strbuf_addch(out, '\t');
		else if (shown.len == n)
			strbuf_addch(out, ' ');
		else
			strbuf_addf(out, "%*s", (int)shown.len, "");
		p += n;
	}
	strbuf_adds(out, "^\n");
	strbuf_release(&shown);
}

int ytree_error_at(const struct ytree *t, int line, int col, struct error *err,
		   const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&err->msg);
	strbuf_reset(&err->detail);
	strbuf_addf(&err->msg, "%s:%d:%d: ", t->path, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(&err->msg, fmt, ap);
	va_end(ap);
	add_caret(t, line, col, &err->detail);
	return -1;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i + 1 < map->nkids; i += 2)
		if (!strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

int ynode_is_null(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && n->style == YSTYLE_PLAIN &&
	       (!n->len || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
		!strcmp(n->str, "Null") || !strcmp(n->str, "NULL"));
}

static void add_kid(struct ynode *parent, struct ynode *kid)
{
	XGROW(parent->kids, parent->nkids + 1, parent->alloc);
	parent->kids[parent->nkids++] = kid;
}

static struct ynode *new_node(enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

/*
 * Parser errors from libyaml say what they saw, not what the user should
 * do; keep libyaml's words (they are precise) and point at its mark.
 */
static int parser_error(struct ytree *t, yaml_parser_t *p, struct error *err)
{
	const yaml_mark_t *m = &p->problem_mark;
	const char *problem = p->problem ? p->problem : "malformed YAML";

	if (p->error == YAML_MEMORY_ERROR)
		die("libyaml: out of memory");
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a line: find it. */
		size_t off = p->problem_offset, i;
		int line = 1, col = 1;
		for (i = 0; i < off && i < t->src.len; i++) {
			if (t->src.buf[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)t->src.buf[i] & 0xC0) != 0x80) {
				col++;
			}
		}
		return ytree_error_at(t, line, col, err,
				      "not a valid drill file: %s (byte %zu)",
				      problem, off);
	}
	if (p->context && strstr(p->context, "flow")) {
		/* The trap every drill writer hits: [a, ${x}] is a flow list,
		 * where { } are syntax. Say so instead of libyaml's words. */
		ytree_error_at(t, (int)m->line + 1, (int)m->column + 1, err,
			       "invalid YAML: %s %s", problem, p->context);
		strbuf_adds(&err->detail, "  hint: inside [ ] or { }, quote "
			    "values that hold ${...} or , [ ] { }: \"${x}\"\n");
		return -1;
	}
	if (p->context)
		return ytree_error_at(t, (int)m->line + 1, (int)m->column + 1,
				      err, "invalid YAML: %s %s", problem,
				      p->context);
	return ytree_error_at(t, (int)m->line + 1, (int)m->column + 1, err,
			      "invalid YAML: %s", problem);
}

/* A scalar event's node, or NULL (err set): too long, or tagged. */
static struct ynode *scalar_node(struct ytree *t, const yaml_event_t *ev,
				 struct error *err)
{
	struct ynode *n = new_node(YNODE_SCALAR, &ev->start_mark);

	if (ev->data.scalar.length > YTREE_MAX_SCALAR) {
		ytree_error_at(t, n->line, n->col, err, "value is %zu bytes "
			       "long; at most %u are allowed",
			       ev->data.scalar.length, YTREE_MAX_SCALAR);
		free(n);
		return NULL;
	}
	n->str = xstrndup((const char *)ev->data.scalar.value,
			  ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	switch (ev->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		n->style = YSTYLE_PLAIN;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = YSTYLE_BLOCK;
		break;
	default:
		n->style = YSTYLE_QUOTED;
	}
	if (ev->data.scalar.tag &&
	    strcmp((const char *)ev->data.scalar.tag, "tag:yaml.org,2002:str")) {
		ytree_error_at(t, n->line, n->col, err, "tags (%s) are not "
			       "supported in drill files",
			       (const char *)ev->data.scalar.tag);
		free(n->str);
		free(n);
		return NULL;
	}
	return n;
}

/*
 * Put `n` under the open collection (or make it the root) and open it
 * when it is one. -1 (err set, `n` freed or owned by the tree): a map
 * key that is not text, or nesting too deep.
 */
static int place_node(struct ytree *t, struct ynode ***stack, size_t *depth,
		      size_t *alloc, struct ynode *n, struct error *err)
{
	struct ynode *up = *depth ? (*stack)[*depth - 1] : NULL;

	/* A map's kids alternate key, value: keys are text. */
	if (up && up->type == YNODE_MAP && !(up->nkids % 2) &&
	    n->type != YNODE_SCALAR) {
		ytree_error_at(t, n->line, n->col, err,
			       "a key must be text, not a %s",
			       n->type == YNODE_MAP ? "map" : "list");
		ynode_free(n);
		return -1;
	}
	if (up) {
		add_kid(up, n);
	} else if (!t->root) {
		t->root = n;
	} else {
		ynode_free(n); /* cannot happen: one document */
		return -1;
	}
	if (n->type != YNODE_SCALAR) {
		if (*depth >= YTREE_MAX_DEPTH) {
			ytree_error_at(t, n->line, n->col, err,
				       "nested deeper than %d levels",
				       YTREE_MAX_DEPTH);
			return -1;
		}
		XGROW(*stack, *depth + 1, *alloc);
		(*stack)[(*depth)++] = n;
	}
	return 0;
}

static int build(struct ytree *t, yaml_parser_t *p, struct error *err)
{
	struct ynode **stack = NULL;
	size_t depth = 0, alloc = 0, nodes = 0;
	int docs = 0, ret = -1, done = 0;
	yaml_event_t ev;

	while (!done) {
		struct ynode *n = NULL;

		if (!yaml_parser_parse(p, &ev)) {
			parser_error(t, p, err);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				ytree_error_at(t, (int)ev.start_mark.line + 1,
					       (int)ev.start_mark.column + 1, err,
					       "a drill file holds one YAML document; "
					       "this is a second one");
				goto out;
			}
			break;
		case YAML_ALIAS_EVENT:
			ytree_error_at(t, (int)ev.start_mark.line + 1,
				       (int)ev.start_mark.column + 1, err,
				       "aliases (*%s) are not allowed in drill "
				       "files: write the value out",
				       (const char *)ev.data.alias.anchor);
			goto out;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			const yaml_char_t *anchor =
				ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor :
				ev.type == YAML_SEQUENCE_START_EVENT ?
				ev.data.sequence_start.anchor :
				ev.data.mapping_start.anchor;
			if (anchor) {
				ytree_error_at(t, (int)ev.start_mark.line + 1,
					       (int)ev.start_mark.column + 1, err,
					       "anchors (&%s) are not allowed in "
					       "drill files: write the value out",
					       (const char *)anchor);
				goto out;
			}
			if (++nodes > YTREE_MAX_NODES) {
				ytree_error_at(t, (int)ev.start_mark.line + 1,
					       (int)ev.start_mark.column + 1, err,
					       "too many values (more than %d)",
					       YTREE_MAX_NODES);
				goto out;
			}
			if (ev.type == YAML_SCALAR_EVENT)
				n = scalar_node(t, &ev, err);
			else
				n = new_node(ev.type == YAML_SEQUENCE_START_EVENT ?
					     YNODE_SEQ : YNODE_MAP, &ev.start_mark);
			if (!n || place_node(t, &stack, &depth, &alloc, n,
					     err) < 0)
				goto out;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	if (!done)
		goto out_noevent;
	if (!t->root || ynode_is_null(t->root)) {
		ytree_error_at(t, 1, 1, err, "empty drill file");
		goto out_noevent;
	}
	ret = 0;
	goto out_noevent;
out:
	yaml_event_delete(&ev);
out_noevent:
	free(stack);
	return ret;
}

struct ytree *ytree_load(const char *path, struct error *err)
{
	struct ytree *t = xcalloc(1, sizeof(*t));
	yaml_parser_t parser;
	struct stat st;

	t->path = xstrdup(path);
	strbuf_init(&t->src, 0);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		error_set(err, "%s: is a directory, not a drill file", path);
		goto fail;
	}
	if (strbuf_read_file(&t->src, path, YTREE_MAX_FILE) < 0) {
		if (errno == EFBIG)
			error_set(err, "%s:1:1: file is larger than %u MiB; "
				  "not a drill file", path, YTREE_MAX_FILE >> 20);
		else
			error_errno(err, "cannot read %s", path);
		goto fail;
	}
	/*
	 * libyaml stops at a NUL byte as if the file ended there (it would
	 * silently drop the rest), so refuse NULs before it looks.
	 */
	{
		const char *nul = memchr(t->src.buf, '\0', t->src.len);
		if (nul) {
			size_t off = (size_t)(nul - t->src.buf), i;
			int line = 1, col = 1;
			for (i = 0; i < off; i++) {
				if (t->src.buf[i] == '\n') {
					line++;
					col = 1;
				} else if (((unsigned char)t->src.buf[i] & 0xC0) != 0x80) {
					col++;
				}
			}
			ytree_error_at(t, line, col, err,
				       "NUL byte in the file: not a text drill file");
			goto fail;
		}
	}
	if (!yaml_parser_initialize(&parser))
		die("libyaml: out of memory");
	yaml_parser_set_input_string(&parser,
				     (const unsigned char *)t->src.buf,
				     t->src.len);
	if (build(t, &parser, err) < 0) {
		yaml_parser_delete(&parser);
		goto fail;
	}
	yaml_parser_delete(&parser);
	return t;
fail:
	ytree_free(t);
	return NULL;
}
