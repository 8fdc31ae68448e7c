#include "expand.h"
#include "error.h"
#include "strbuf.h"
#include "strmap.h"
#include "xalloc.h"
#include "ytree.h"
#include <stdlib.h>

#include <string.h>

void expand_sql_literal(struct strbuf *out, const char *s)
{
	/*
	 * With standard_conforming_strings (on since PostgreSQL 9.1) a
	 * backslash is literal in '...', so doubling quotes is enough.
	 */
	strbuf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			strbuf_addch(out, '\'');
		strbuf_addch(out, *s);
	}
	strbuf_addch(out, '\'');
}

/*
 * Where byte `off` of the scalar's value sits in the file. Exact for
 * single-line plain and quoted scalars and for block scalars (whose
 * lines are found in the source); folded multi-line flow scalars lost
 * their line breaks, so the line there is the scalar's first.
 */
static void locate(const struct ytree *t, const struct ynode *n, size_t off,
		   int *line, int *col)
{
	size_t i, nl = 0, last = 0;
	int chars = 0;

	for (i = 0; i < off; i++)
		if (n->str[i] == '\n') {
			nl++;
			last = i + 1;
		}
	for (i = last; i < off; i++)
		if (((unsigned char)n->str[i] & 0xC0) != 0x80)
			chars++;
	if (n->style != YSTYLE_BLOCK) {
		*line = n->line;
		*col = n->col + chars + (n->style == YSTYLE_QUOTED);
		if (nl)
			*col = n->col;
		return;
	}
	/* Block content starts on the line after the | or > indicator. */
	*line = n->line + 1 + (int)nl;
	{
		size_t len;
		const char *src = ytree_source(t, &len), *p = src,
			   *end = src + len;
		int l = 1, indent = 0;
		while (l < *line && p < end) {
			const char *q = memchr(p, '\n', (size_t)(end - p));
			if (!q)
				break;
			p = q + 1;
			l++;
		}
		while (p < end && *p == ' ') {
			indent++;
			p++;
		}
		*col = indent + chars + 1;
	}
}

static int is_name_char(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

int expand_node(const struct ytree *t, const struct ynode *n,
		const struct strmap *vars, enum expand_mode mode,
		struct strmap *used, struct strbuf *out, struct error *err)
{
	const char *s = n->str;
	size_t i = 0, len = n->len;

	while (i < len) {
		size_t start, j;
		const char *val;
		const struct strmap_entry *v;
		int line, col;
		char name[128];

		if (s[i] != '$') {
			strbuf_addch(out, s[i++]);
			continue;
		}
		if (i + 2 < len && s[i + 1] == '$' && s[i + 2] == '{') {
			if (len - (i + 3) >= strlen(EXPAND_BACKUP_PREFIX) &&
			    !memcmp(s + i + 3, EXPAND_BACKUP_PREFIX,
				    strlen(EXPAND_BACKUP_PREFIX))) {
				locate(t, n, i, &line, &col);
				return ytree_error_at(t, line, col, err,
						      "a literal ${backup. is "
						      "reserved for the files "
						      "of backup_set items");
			}
			strbuf_adds(out, "${");
			i += 3;
			continue;
		}
		if (i + 1 >= len || s[i + 1] != '{') {
			strbuf_addch(out, s[i++]);
			continue;
		}
		start = i;
		j = i + 2;
		while (j < len && is_name_char((unsigned char)s[j], j == i + 2))
			j++;
		locate(t, n, start, &line, &col);
		if (j < len && s[j] == '.' && j - (i + 2) == 6 &&
		    !memcmp(s + i + 2, EXPAND_BACKUP_PREFIX, 7)) {
			/* ${backup.ID.path}: an item id holds . and - too. */
			const char *close = memchr(s + j, '}', len - j);
			size_t nlen;

			if (!close)
				return ytree_error_at(t, line, col, err,
						      "unterminated ${");
			nlen = (size_t)(close - (s + i + 2));
			if (nlen >= sizeof(name))
				return ytree_error_at(t, line, col, err,
						      "variable name too long");
			memcpy(name, s + i + 2, nlen);
			name[nlen] = '\0';
			v = strmap_get(vars, name);
			if (!v)
				return ytree_error_at(t, line, col, err,
						      "undefined variable ${%s} "
						      "(${backup.ID.path} names a "
						      "backup_set item's file)",
						      name);
			if (used)
				strmap_add(used, name);
			if (!v->val) {
				strbuf_addf(out, "${%s%s}", name,
					    mode == EXPAND_SHELL ? "@shell" :
					    mode == EXPAND_SQL ? "@sql" : "");
				i = nlen + i + 3;
				continue;
			}
			val = v->val;
			j = (size_t)(close - s);
			goto value;
		}
		if (j >= len || s[j] != '}' || j == i + 2) {
			const char *why = j >= len || s[j] == '\n' ?
				"unterminated ${": j == i + 2 ?
				"a variable name must start with a letter or _" :
				"a variable name holds only letters, digits and _";
			return ytree_error_at(t, line, col, err, "%s (write $${ "
					      "for a literal ${)", why);
		}
		if (j - (i + 2) >= sizeof(name))
			return ytree_error_at(t, line, col, err,
					      "variable name too long");
		memcpy(name, s + i + 2, j - (i + 2));
		name[j - (i + 2)] = '\0';
		v = strmap_get(vars, name);
		if (!v || !v->val)
			return ytree_error_at(t, line, col, err,
					      "undefined variable ${%s}", name);
		if (used)
			strmap_add(used, name);
		val = v->val;
value:
		/*
		 * Checked before the copy: variables that repeat each other
		 * grow by their fan-out per level (30 references a level is
		 * 4 GB in six levels), so the text is refused, not built.
		 */
		if (strlen(val) > EXPAND_MAX_BYTES - out->len ||
		    out->len > EXPAND_MAX_BYTES)
			return ytree_error_at(t, line, col, err, "${%s} makes "
					      "this value longer than %d KiB "
					      "(variables that repeat each "
					      "other?)", name,
					      EXPAND_MAX_BYTES / 1024);
		switch (mode) {
		case EXPAND_PLAIN:
			strbuf_adds(out, val);
			break;
		case EXPAND_SHELL:
			strbuf_add_shquoted(out, val);
			break;
		case EXPAND_SQL:
			expand_sql_literal(out, val);
			break;
		}
		i = j + 1;
	}
	return 0;
}

void expand_picks_set(struct expand_picks *p, const char *item,
		      const char *path)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].item, item)) {
			free(p->v[i].path);
			p->v[i].path = xstrdup(path);
			return;
		}
	XGROW(p->v, p->nr + 1, p->alloc);
	p->v[p->nr].item = xstrdup(item);
	p->v[p->nr].path = xstrdup(path);
	p->nr++;
}

const char *expand_picks_get(const struct expand_picks *p, const char *item)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (!strcmp(p->v[i].item, item))
			return p->v[i].path;
	return NULL;
}

void expand_picks_release(struct expand_picks *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++) {
		free(p->v[i].item);
		free(p->v[i].path);
	}
	free(p->v);
	p->v = NULL;
	p->nr = p->alloc = 0;
}

static void add_part(struct expand_template *t, const char *s, size_t len,
		     int is_ref, enum expand_mode mode)
{
	if (!is_ref && !len)
		return;
	XGROW(t->v, t->nr + 1, t->alloc);
	t->v[t->nr].text = xstrndup(s, len);
	t->v[t->nr].is_ref = is_ref;
	t->v[t->nr].mode = mode;
	t->nr++;
	t->nrefs += is_ref != 0;
}

/*
 * The placeholders are the loader's own ("${backup.ID.path}", with
 * "@shell" or "@sql" before the "}"); anything else is literal text.
 */
size_t expand_template_parse(const char *s, struct expand_template *t)
{
	static const char pre[] = "${" EXPAND_BACKUP_PREFIX;

	for (;;) {
		const char *p = strstr(s, pre), *close, *at, *id;
		enum expand_mode mode = EXPAND_PLAIN;
		size_t idlen;

		if (!p || !(close = strchr(p, '}')))
			break;
		add_part(t, s, (size_t)(p - s), 0, EXPAND_PLAIN);
		id = p + strlen(pre);
		at = memchr(id, '@', (size_t)(close - id));
		idlen = (size_t)((at ? at : close) - id);
		if (idlen > 5 && !memcmp(id + idlen - 5, ".path", 5))
			idlen -= 5;
		if (at && !strncmp(at, "@shell}", 7))
			mode = EXPAND_SHELL;
		else if (at && !strncmp(at, "@sql}", 5))
			mode = EXPAND_SQL;
		add_part(t, id, idlen, 1, mode);
		s = close + 1;
	}
	add_part(t, s, strlen(s), 0, EXPAND_PLAIN);
	return t->nrefs;
}

int expand_template_refers(const struct expand_template *t, const char *item)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->v[i].is_ref && !strcmp(t->v[i].text, item))
			return 1;
	return 0;
}

int expand_template_fill(const struct expand_template *t,
			 const struct expand_picks *picks, struct strbuf *out,
			 struct strbuf *missing)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		const struct expand_part *part = &t->v[i];
		const char *path;

		if (!part->is_ref) {
			strbuf_adds(out, part->text);
			continue;
		}
		path = expand_picks_get(picks, part->text);
		if (!path) {
			strbuf_reset(missing);
			strbuf_adds(missing, part->text);
			return -1;
		}
		switch (part->mode) {
		case EXPAND_PLAIN:
			strbuf_adds(out, path);
			break;
		case EXPAND_SHELL:
			strbuf_add_shquoted(out, path);
			break;
		case EXPAND_SQL:
			expand_sql_literal(out, path);
			break;
		}
	}
	return 0;
}

void expand_template_release(struct expand_template *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->v[i].text);
	free(t->v);
	t->v = NULL;
	t->nr = t->alloc = t->nrefs = 0;
}

int expand_deferred(const char *s, json_t *paths, struct strbuf *out,
		    struct strbuf *missing)
{
	struct expand_template t = EXPAND_TEMPLATE_INIT;
	struct expand_picks picks = EXPAND_PICKS_INIT;
	const char *item;
	json_t *path;
	int n = (int)expand_template_parse(s, &t);

	json_object_foreach(paths, item, path)
		if (json_is_string(path))
			expand_picks_set(&picks, item, json_string_value(path));
	if (expand_template_fill(&t, &picks, out, missing) < 0)
		n = -1;
	expand_template_release(&t);
	expand_picks_release(&picks);
	return n;
}


/*
 * One value: a string with a placeholder gets its filled copy in *out
 * (NULL: unchanged); anything else is resolved in place.
 */
static int resolve_one(json_t *x, json_t *paths, struct strbuf *missing,
		       json_t **out)
{
	struct strbuf sb = STRBUF_INIT;
	int n;

	*out = NULL;
	if (!json_is_string(x))
		return expand_deferred_tree(x, paths, missing);
	n = expand_deferred(json_string_value(x), paths, &sb, missing);
	if (n > 0)
		*out = json_string(sb.buf);
	strbuf_release(&sb);
	return n < 0 ? -1 : 0;
}

int expand_deferred_tree(json_t *v, json_t *paths, struct strbuf *missing)
{
	const char *k;
	json_t *x, *r;
	size_t i;

	json_object_foreach(v, k, x) {
		if (resolve_one(x, paths, missing, &r) < 0)
			return -1;
		if (r)
			json_object_set_new(v, k, r);
	}
	json_array_foreach(v, i, x) {
		if (resolve_one(x, paths, missing, &r) < 0)
			return -1;
		if (r)
			json_array_set_new(v, i, r);
	}
	return 0;
}
