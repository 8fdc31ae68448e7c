#include "histindex.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "report.h"
#include "safefs.h"
#include "schema.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The format's name in the header; another one is set aside (and so
 * rebuilt): /2 added a run's duration (the plan's last-run line); /3
 * is the first whose big-plan (plan.json by hash) runs read NOT RESTORED
 * when destroyed, not INCOMPLETE.
 */
#define HISTINDEX_FORMAT "rdrill-history-index/3"
/* A line longer than this is damage, not an entry. */
#define HISTINDEX_MAX_LINE (1u << 20)
/* How deep and how many names a bundle's identity walks. */
#define IDENT_DEPTH 8
#define IDENT_NAMES 100000

struct histindex {
	char *path;      /* DIR/HISTINDEX_FILE */
	json_t *old;     /* name -> entry, as read (empty if not used) */
	json_t *cur;     /* name -> entry, got or put since */
	int loaded;      /* the file was read and used */
	int dirty;       /* an entry was put, or the file must be rebuilt */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- identity ----------------------------------------------------------- */

static void ident_line(struct strbuf *out, const char *rel, const struct stat *st)
{
	strbuf_adds(out, rel);
	strbuf_addch(out, '\0');
	strbuf_addf(out, "%o %llu %llu %llu %lld.%09ld %lld.%09ld\n",
		    (unsigned)st->st_mode, (unsigned long long)st->st_dev,
		    (unsigned long long)st->st_ino,
		    (unsigned long long)st->st_size, (long long)st->st_mtim.tv_sec,
		    st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
		    st->st_ctim.tv_nsec);
}

/*
 * Every name under `path` (whose name relative to the bundle is `rel`),
 * sorted, with its stat, never following a symlink. -1 when a directory
 * cannot be read or the walk is too deep or too wide.
 */
static int ident_walk(struct strbuf *out, const char *path, const char *rel,
		      int depth, size_t *names)
{
	struct strvec subs = STRVEC_INIT;
	struct strbuf p = STRBUF_INIT, r = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t i;
	int ret = 0;

	if (depth > IDENT_DEPTH || !(d = opendir(path)))
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strvec_push(&subs, de->d_name);
	closedir(d);
	qsort(subs.v, subs.nr, sizeof(*subs.v), cmp_str);
	for (i = 0; i < subs.nr && !ret; i++) {
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", path, subs.v[i]);
		strbuf_reset(&r);
		strbuf_addf(&r, "%s/%s", rel, subs.v[i]);
		if (++*names > IDENT_NAMES || lstat(p.buf, &st) < 0) {
			ret = -1;
			break;
		}
		ident_line(out, r.buf, &st);
		if (S_ISDIR(st.st_mode))
			ret = ident_walk(out, p.buf, r.buf, depth + 1, names);
	}
	strvec_clear(&subs);
	strbuf_release(&p);
	strbuf_release(&r);
	return ret;
}

int histindex_ident(const char *dir, char out[SHA256_HEX_LEN + 1])
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t names = 0;
	int ret = -1;

	/* The directory itself: a name added or removed moves its times. */
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		ident_line(&sb, ".", &st);
		ret = ident_walk(&sb, dir, ".", 0, &names);
	}
	if (!ret)
		sha256_hex(sb.buf, sb.len, out);
	strbuf_release(&sb);
	return ret;
}

/* ---- the file ----------------------------------------------------------- */

/* What the header must say: the format, and who renders (report.h). */
static json_t *header(void)
{
	struct strbuf r = STRBUF_INIT;
	struct error e = ERROR_INIT;
	json_t *h = json_object();

	if (report_renderer(&r, &e) < 0)
		strbuf_adds(&r, "unknown");
	json_object_set_new(h, "format", json_string(HISTINDEX_FORMAT));
	json_object_set_new(h, "renderer", json_string(r.buf));
	strbuf_release(&r);
	error_release(&e);
	return h;
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return 0;
	return !s[i];
}

/*
 * The file, opened, when it may be believed (see histindex.h): a regular
 * file, one link, owned by us or root, writable by no one else, at most
 * HISTINDEX_MAX_BYTES. NULL with *why 0 when it is missing, -1 when it
 * is there but not to be used.
 */
static FILE *open_trusted(const char *path, int *why)
{
	struct error e = ERROR_INIT;
	struct stat st;
	int fd = safefs_open_regular(path, 0, &st, &e);
	FILE *f;

	error_release(&e);
	*why = fd < 0 && errno == ENOENT ? 0 : -1;
	if (fd < 0)
		return NULL;
	if (st.st_nlink != 1 || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    (unsigned long long)st.st_size > HISTINDEX_MAX_BYTES ||
	    !(f = fdopen(fd, "r"))) {
		close(fd);
		return NULL;
	}
	return f;
}

/* An entry's own members (histindex_put()), "" when absent or not text. */
struct entry_head {
	const char *name, *ident;
};
static const struct schema_field entry_head_fields[] = {
	{ .key = "name", .type = SCHEMA_STR,
	  .off = offsetof(struct entry_head, name) },
	{ .key = "ident", .type = SCHEMA_STR,
	  .off = offsetof(struct entry_head, ident) },
	{ 0 }
};
static const struct schema entry_head_schema = {
	.what = "history index entry", .fields = entry_head_fields,
	.size = sizeof(struct entry_head),
};

static void entry_head(json_t *e, struct entry_head *h)
{
	memset(h, 0, sizeof(*h));
	schema_bind_lenient(&entry_head_schema, e, h);
	schema_empty_text(&entry_head_schema, h);
}

/*
 * Read the index line by line into ix->old (never the whole file at
 * once: its memory is that of the entries). -1, and nothing kept, when
 * it is damaged: a wrong header, a line that is not an entry, a line or
 * a file too long, a last line without its newline.
 */
static int parse(struct histindex *ix, FILE *f)
{
	json_t *want = header(), *v;
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	const char *name;
	struct entry_head h;
	int first = 1, ret = 0;

	while (!ret && (n = getline(&line, &cap, f)) > 0) {
		total += (size_t)n;
		if (line[n - 1] != '\n' || (size_t)n > HISTINDEX_MAX_LINE ||
		    total > HISTINDEX_MAX_BYTES) {
			ret = -1;
			break;
		}
		v = json_loadb(line, (size_t)n - 1, JSON_REJECT_DUPLICATES, NULL);
		entry_head(v, &h);
		name = h.name;
		if (first)
			ret = json_equal(v, want) ? 0 : -1;
		else if (!json_is_object(v) || !*name || strchr(name, '/') ||
			 !is_hex64(h.ident))
			ret = -1;
		else
			json_object_set(ix->old, name, v);
		json_decref(v);
		first = 0;
	}
	if (first || ferror(f))
		ret = -1;
	if (ret)
		json_object_clear(ix->old);
	free(line);
	json_decref(want);
	return ret;
}

struct histindex *histindex_open(const char *dir)
{
	struct histindex *ix = xcalloc(1, sizeof(*ix));
	struct strbuf path = STRBUF_INIT;
	FILE *f;
	int why;

	strbuf_addf(&path, "%s/%s", dir, HISTINDEX_FILE);
	ix->path = strbuf_detach(&path, NULL);
	ix->old = json_object();
	ix->cur = json_object();
	f = open_trusted(ix->path, &why);
	if (f && parse(ix, f) == 0)
		ix->loaded = 1;
	else if (f || why)
		ix->dirty = 1;  /* damaged or not ours: rebuilt */
	if (f)
		fclose(f);
	return ix;
}

json_t *histindex_get(struct histindex *ix, const char *name,
		      const char *ident)
{
	json_t *e = json_object_get(ix->old, name);
	struct entry_head h;

	entry_head(e, &h);
	if (!e || strcmp(h.ident, ident))
		return NULL;
	json_object_set(ix->cur, name, e);
	return e;
}

void histindex_put(struct histindex *ix, const char *name, const char *ident,
		   json_t *entry)
{
	json_object_set_new(entry, "name", json_string(name));
	json_object_set_new(entry, "ident", json_string(ident));
	json_object_set_new(ix->cur, name, entry);
	ix->dirty = 1;
}

static int add_line(struct strbuf *sb, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII |
			     JSON_SORT_KEYS);

	if (!s)
		return -1;
	strbuf_adds(sb, s);
	strbuf_addch(sb, '\n');
	free(s);
	return 0;
}

int histindex_save(struct histindex *ix, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *name;
	json_t *e, *h;
	int ret = 0;

	/* Unchanged, and no bundle gone since it was written: nothing to do. */
	if (!ix->dirty && json_object_size(ix->cur) == json_object_size(ix->old))
		return 0;
	h = header();
	add_line(&sb, h);
	json_decref(h);
	json_object_foreach(ix->cur, name, e)
		if (add_line(&sb, e) < 0)
			ret = -1;
	if (!ret)
		ret = fs_write_atomic_private(ix->path, sb.buf, sb.len, err);
	else
		error_set(err, "%s: an entry cannot be written", ix->path);
	strbuf_release(&sb);
	return ret;
}

int histindex_loaded(struct histindex *ix)
{
	return ix->loaded;
}

void histindex_release(struct histindex *ix)
{
	if (!ix)
		return;
	free(ix->path);
	json_decref(ix->old);
	json_decref(ix->cur);
	free(ix);
}
