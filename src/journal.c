#include "journal.h"
#include "clock.h"
#include "secret.h"
#include "error.h"
#include "fsutil.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read in blocks of this size; a line is never held past JOURNAL_LINE_MAX. */
#define READ_BLOCK (64u << 10)

static int too_deep(const char *s, size_t len);

struct journal {
	int fd;
	char *path;
	long long seq;
	off_t size;                 /* bytes of whole records on disk */
	int broken;                 /* a partial line could not be cut off */
	char prev[65];
};

struct journal *journal_create(const char *path, struct error *err)
{
	struct journal *j;
	int fd = fs_create(path, O_WRONLY | O_APPEND | O_EXCL);

	if (fd < 0) {
		error_errno(err, "cannot create journal %s", path);
		return NULL;
	}
	/* Every line is fsync'd; the name must survive a crash too. */
	if (fs_fsync_parent(path, err) < 0) {
		close(fd);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->fd = fd;
	j->path = xstrdup(path);
	return j;
}

/*
 * The one redaction point of the journal (and so of the report, which is
 * rendered from it alone): every string of every record, whatever kind
 * of step made it, but rdrill's own structure (below); and the start
 * record's plan: it is the drill
 * file's own text, hashed for approval and kept in plan.json beside,
 * which no value from the environment can enter; a secret there is one
 * its author wrote down.
 */
static int listed(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (!strcmp(key, *keys))
			return 1;
	return 0;
}

static void redact(json_t *rec)
{
	/*
	 * What rdrill writes itself at the top of a record, which readers
	 * (render, verify) parse: its type, status word, time stamps, step
	 * id; and the "path" of each log a member names ("stdout": {"path",
	 * "sha256"}). A short secret must not break them ("e" in
	 * "steps/01-x.err"). Deeper down everything is text that came in:
	 * a canary column called "status" is redacted like any other.
	 */
	static const char *const own[] = {
		"type", "mode", "status", "kind", "phase", "id", "time",
		"started", "ended", NULL,
	};
	int start = !strcmp(journal_str(rec, "type"), "start");
	const char *key, *k2;
	json_t *val, *v2;

	json_object_foreach(rec, key, val) {
		if (listed(key, own) || (start && !strcmp(key, "plan")))
			continue;
		if (!json_is_object(val)) {
			secret_redact_json(val);
			continue;
		}
		json_object_foreach(val, k2, v2)
			if (strcmp(k2, "path") && !secret_is_digest(k2, v2))
				secret_redact_json(v2);
	}
}

int journal_append(struct journal *j, json_t *rec, struct error *err)
{
	char *line, hash[65];
	size_t len, off = 0;

	/* Anything appended now would be glued to the half line. */
	if (j->broken)
		return error_set(err, "%s ends in a partial record that could "
				 "not be removed", j->path);

	redact(rec);
	json_object_set_new(rec, "seq", json_integer(j->seq));
	json_object_set_new(rec, "prev", j->seq ? json_string(j->prev) :
			    json_null());
	line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!line)
		BUG("a journal record cannot be serialised");
	len = strlen(line);
	/*
	 * Refused, not cut: a cut record would not be JSON, and a record
	 * trimmed here would silently differ from what the step found. The
	 * runner then journals a short record saying why (runner.c).
	 */
	if (len > JOURNAL_LINE_MAX) {
		free(line);
		return error_set(err, "the record is %zu bytes, over the %u "
				 "bytes (1 MiB) a journal line may hold", len,
				 JOURNAL_LINE_MAX);
	}
	/* Whatever rdrill writes, its reader must take back. */
	if (too_deep(line, len)) {
		free(line);
		return error_set(err, "the record nests deeper than the %d "
				 "levels a journal record may", JOURNAL_DEPTH_MAX);
	}
	sha256_hex(line, len, hash);
	/* One write of line + newline: a reader never sees two half lines. */
	line = xrealloc(line, len + 1);
	line[len++] = '\n';
	while (off < len) {
		ssize_t n = write(j->fd, line + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error_errno(err, "cannot append to %s", j->path);
			goto undo;
		}
		off += (size_t)n;
	}
	if (fsync(j->fd) < 0) {
		error_errno(err, "cannot sync %s", j->path);
		goto undo;
	}
	free(line);
	memcpy(j->prev, hash, sizeof(hash));
	j->seq++;
	j->size += (off_t)len;
	return 0;
undo:
	/*
	 * A full disk can take half a line. Cut it off, so that a record
	 * appended later (cleanup may free space) starts on a fresh line
	 * and chains to the last record that is really there.
	 */
	free(line);
	if (off) {
		if (ftruncate(j->fd, j->size) == 0)
			(void)fsync(j->fd);
		else
			j->broken = 1;
	}
	return -1;
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

void journal_set_plan(json_t *start, json_t *plan, const char *plan_text)
{
	char *compact = json_dumps(plan, JSON_COMPACT | JSON_ENSURE_ASCII);
	char hex[SHA256_HEX_LEN + 1];

	if (!compact)
		BUG("the plan cannot be serialised");
	if (strlen(compact) <= JOURNAL_PLAN_INLINE_MAX) {
		json_object_set(start, "plan", plan);
	} else {
		sha256_hex(plan_text, strlen(plan_text), hex);
		json_object_set_new(start, "plan_file", json_pack("{s:s, s:s}",
				    "path", "plan.json", "sha256", hex));
	}
	free(compact);
}

const char *journal_str(json_t *rec, const char *key)
{
	const char *s = json_string_value(json_object_get(rec, key));

	return s ? s : "";
}

/*
 * Hostile input in bounded memory (issue 27). A record is parsed only if
 * its nesting is at most JOURNAL_DEPTH_MAX (checked on the bytes first,
 * so neither jansson nor any walker of ours recurses deeper), and while a
 * line is parsed jansson allocates through a counting allocator that
 * refuses past the record's budget (JOURNAL_RECORD_RATIO times its bytes,
 * plus 4 KiB: rdrill's own records take about 10 times their text) and
 * past the read's (JOURNAL_READ_MEMORY in all). So a line of 1 MiB of
 * "[]," (about 45 times its size once parsed) fails at its budget, not
 * at the machine's end. The budget is real bytes (malloc_usable_size),
 * not a guess from the text.
 */
static size_t mem_used, mem_limit;
static int mem_refused;

static void *counted_malloc(size_t n)
{
	void *p;

	if (n > mem_limit || mem_used > mem_limit - n) {
		mem_refused = 1;
		return NULL;
	}
	p = malloc(n);
	if (p)
		mem_used += malloc_usable_size(p);
	return p;
}

static void counted_free(void *p)
{
	if (p)
		mem_used -= malloc_usable_size(p);
	free(p);
}

/* The deepest nesting of [ and { in a line, strings skipped. */
static int too_deep(const char *s, size_t len)
{
	int depth = 0, in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"') {
			in_str = 1;
		} else if (ch == '[' || ch == '{') {
			if (++depth > JOURNAL_DEPTH_MAX)
				return 1;
		} else if (ch == ']' || ch == '}') {
			depth--;
		}
	}
	return 0;
}

int journal_record_too_deep(const char *line, size_t len)
{
	return too_deep(line, len);
}

/*
 * Parse one line in what is left of the read's budget (*held so far).
 * NULL with jerr filled, or with *over set when the budget ran out.
 */
static json_t *parse_counted(const char *buf, size_t len, size_t *held,
			     int *over, json_error_t *jerr)
{
	json_malloc_t m;
	json_free_t f;
	json_t *rec;

	*over = 0;
	json_get_alloc_funcs(&m, &f);
	mem_used = *held;
	mem_limit = JOURNAL_READ_MEMORY;
	if (len < (JOURNAL_READ_MEMORY - *held) / JOURNAL_RECORD_RATIO &&
	    *held + len * JOURNAL_RECORD_RATIO + (4u << 10) < mem_limit)
		mem_limit = *held + len * JOURNAL_RECORD_RATIO + (4u << 10);
	mem_refused = 0;
	json_set_alloc_funcs(counted_malloc, counted_free);
	rec = json_loadb(buf, len, JSON_REJECT_DUPLICATES, jerr);
	json_set_alloc_funcs(m, f);
	*over = mem_refused;
	/* A failed parse freed what it took: only a record stays held. */
	*held = mem_used;
	return rec;
}

json_t *journal_parse_value(const char *buf, size_t len, size_t *used,
			   size_t *mem, size_t limit)
{
	json_malloc_t m;
	json_free_t f;
	json_error_t jerr;
	json_t *v;

	json_get_alloc_funcs(&m, &f);
	/*
	 * Counted on top of what the caller holds and capped as it goes:
	 * one hostile value ("[{},{},...]") must not take gigabytes before
	 * the caller sees the total.
	 */
	*used = 0;
	if (*mem >= limit)
		return NULL;
	mem_used = *mem;
	mem_limit = limit;
	mem_refused = 0;
	json_set_alloc_funcs(counted_malloc, counted_free);
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
		       JSON_DISABLE_EOF_CHECK, &jerr);
	json_set_alloc_funcs(m, f);
	if (mem_refused) {
		json_decref(v);
		v = NULL;
	}
	*used = v && jerr.position > 0 ? (size_t)jerr.position : 0;
	*mem = mem_used;
	return v;
}

json_t *journal_parse_record(const char *text, size_t len, struct error *err)
{
	json_error_t jerr;
	size_t held = 0;
	int over;
	json_t *rec = NULL;

	if (len > JOURNAL_LINE_MAX || too_deep(text, len)) {
		error_set(err, "a journal record too long or too deep");
		return NULL;
	}
	rec = parse_counted(text, len, &held, &over, &jerr);
	if (!json_is_object(rec)) {
		error_set(err, "a journal record: %s", over ? "takes more memory "
			  "than its budget" : rec ? "not an object" : jerr.text);
		json_decref(rec);
		return NULL;
	}
	return rec;
}

static int is_start(json_t *rec)
{
	const char *t = json_string_value(json_object_get(rec, "type"));
	return t && !strcmp(t, "start");
}

/* Reads a journal line by line in bounded memory, whatever its size. */
struct reader {
	int fd;
	char *buf;
	size_t pos, end;
	int eof;
	unsigned long long at;  /* file offset of buf[pos] */
	int pread;              /* fd is the caller's: read at r->at */
};

static int reader_open(struct reader *r, const char *path, struct error *err)
{
	memset(r, 0, sizeof(*r));
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return error_errno(err, "cannot read journal %s", path);
	r->buf = xmalloc(READ_BLOCK);
	return 0;
}

/* A reader of `fd` from its start (pread: its offset is left alone). */
static void reader_on(struct reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->pread = 1;
	r->buf = xmalloc(READ_BLOCK);
}

static void reader_close(struct reader *r)
{
	if (r->fd >= 0 && !r->pread)
		close(r->fd);
	free(r->buf);
}

/*
 * The next line: its first JOURNAL_LINE_MAX bytes in `line` (no
 * newline), its true length in *len, whether a newline ended it in *nl,
 * and the SHA-256 of all of it in `hash`. 1: a line, 0: the end.
 */
static int next_line(struct reader *r, const char *path, struct strbuf *line,
		     unsigned long long *len, int *nl,
		     char hash[SHA256_HEX_LEN + 1], struct error *err)
{
	struct sha256_stream *h = sha256_stream_new();

	strbuf_reset(line);
	*len = 0;
	*nl = 0;
	for (;;) {
		const char *p;
		size_t take;

		if (r->pos == r->end) {
			ssize_t n;
			if (r->eof)
				break;
			n = r->pread ? pread(r->fd, r->buf, READ_BLOCK,
					     (off_t)r->at) :
				       read(r->fd, r->buf, READ_BLOCK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				sha256_stream_free(h);
				return error_errno(err, "cannot read journal %s",
						   path);
			}
			if (!n) {
				r->eof = 1;
				break;
			}
			r->pos = 0;
			r->end = (size_t)n;
		}
		p = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		take = p ? (size_t)(p - (r->buf + r->pos)) : r->end - r->pos;
		sha256_stream_add(h, r->buf + r->pos, take);
		if (line->len < JOURNAL_LINE_MAX)
			strbuf_add(line, r->buf + r->pos,
				   take < JOURNAL_LINE_MAX - line->len ? take :
				   JOURNAL_LINE_MAX - line->len);
		*len += take;
		r->pos += take;
		r->at += take;
		if (p) {
			r->pos++;
			r->at++;
			*nl = 1;
			break;
		}
	}
	sha256_stream_finish(h, hash);
	return *len || *nl ? 1 : 0;
}

int journal_stat(const char *path, struct journal_stat *js, struct error *err)
{
	struct strbuf line = STRBUF_INIT;
	struct reader r;
	unsigned long long len;
	char hash[SHA256_HEX_LEN + 1];
	int nl, got;

	memset(js, 0, sizeof(*js));
	if (reader_open(&r, path, err) < 0)
		return -1;
	while ((got = next_line(&r, path, &line, &len, &nl, hash, err)) > 0) {
		if (!nl) {
			js->torn = len;
			break;
		}
		js->records++;
		memcpy(js->head, hash, sizeof(hash));
	}
	reader_close(&r);
	strbuf_release(&line);
	return got < 0 ? -1 : 0;
}

json_t *journal_read_plan(const char *path, char hex[SHA256_HEX_LEN + 1],
			  struct error *err)
{
	struct strbuf text = STRBUF_INIT;
	json_error_t jerr;
	json_t *plan = NULL;
	size_t held = 0;
	int over;

	/* Regular only: a FIFO put in its place must not hang the reader. */
	if (strbuf_read_regular(&text, path, JOURNAL_PLAN_FILE_MAX) < 0) {
		if (errno == EINVAL)
			error_set(err, "%s is not a regular file", path);
		else
			error_set(err, "cannot read %s (or larger than %u MiB)",
				  path, JOURNAL_PLAN_FILE_MAX >> 20);
		goto out;
	}
	if (hex)
		sha256_hex(text.buf, text.len, hex);
	if (too_deep(text.buf, text.len)) {
		error_set(err, "%s nests deeper than %d levels", path,
			  JOURNAL_DEPTH_MAX);
		goto out;
	}
	plan = parse_counted(text.buf, text.len, &held, &over, &jerr);
	if (!json_is_object(plan)) {
		error_set(err, "%s: %s", path, over ? "takes more memory to "
			  "read than a journal may" : plan ? "not an object" :
			  jerr.text);
		json_decref(plan);
		plan = NULL;
	}
out:
	strbuf_release(&text);
	return plan;
}

/*
 * plan.json (`text`, its hash checked) handed to a reader that takes it
 * a step at a time, in what the whole parse could take (`held` of the
 * read's budget taken already): plan.json's object without the steps,
 * or NULL (then it is parsed whole, and that parse's verdict and
 * message stand; so is a plan deeper than a journal line may nest:
 * planread.c gives it up, and jansson's own depth bound is the whole
 * text's).
 */
static json_t *lean_plan(const struct journal_plan_reader *lean,
			 struct strbuf *text, size_t *held)
{
	size_t limit = JOURNAL_READ_MEMORY, mem = 0;
	json_t *plan;

	if (*held >= limit)
		return NULL;
	if (text->len < (JOURNAL_READ_MEMORY - *held) / JOURNAL_RECORD_RATIO &&
	    *held + text->len * JOURNAL_RECORD_RATIO + (4u << 10) < limit)
		limit = *held + text->len * JOURNAL_RECORD_RATIO + (4u << 10);
	plan = lean->read(text->buf, text->len, limit - *held, &mem,
			  lean->ctx);
	/* Counted as the whole parse was: the rest of the read's budget. */
	if (plan)
		*held += mem;
	return plan;
}

/*
 * A start record that names its plan by hash ("plan_file", a plan too
 * big to repeat in a line) gets it back as "plan", from plan.json beside
 * the journal, its bytes checked against the hash first: every reader
 * then sees one form. Parsed in the read's memory budget.
 */
static int hydrate_plan(const char *path, json_t *rec, size_t *held,
			const struct journal_plan_reader *lean,
			struct error *err)
{
	json_t *pf = json_object_get(rec, "plan_file"), *plan;
	struct strbuf p = STRBUF_INIT, text = STRBUF_INIT;
	const char *slash = strrchr(path, '/'), *want;
	struct stat st;
	char hex[SHA256_HEX_LEN + 1];
	json_error_t jerr;
	int over, ret = -1;

	if (!pf || json_object_get(rec, "plan"))
		return 0;
	want = journal_str(pf, "sha256");
	if (strcmp(journal_str(pf, "path"), "plan.json") || strlen(want) != 64)
		return error_set(err, "%s:1: the start record's plan_file is "
				 "not plan.json with a SHA-256", path);
	if (slash)
		strbuf_add(&p, path, (size_t)(slash - path + 1));
	strbuf_adds(&p, "plan.json");
	/* Its size up front: a 2.9 MB plan is not read into a 4 MiB buffer. */
	if (stat(p.buf, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size < JOURNAL_PLAN_FILE_MAX)
		strbuf_grow(&text, (size_t)st.st_size);
	/* Regular only: a FIFO put in its place must not hang the reader. */
	if (strbuf_read_regular(&text, p.buf, JOURNAL_PLAN_FILE_MAX) < 0) {
		if (errno == EINVAL)
			error_set(err, "%s:1: the start record's plan: %s is not "
				  "a regular file", path, p.buf);
		else
			error_set(err, "%s:1: the start record's plan: cannot "
				  "read %s (or larger than %u MiB)", path, p.buf,
				  JOURNAL_PLAN_FILE_MAX >> 20);
		goto out;
	}
	sha256_hex(text.buf, text.len, hex);
	if (strcmp(hex, want)) {
		error_set(err, "%s:1: plan.json is not the plan the start record "
			  "names (its SHA-256 differs)", path);
		goto out;
	}
	if (lean && (plan = lean_plan(lean, &text, held))) {
		json_object_set_new(rec, "plan", plan);
		ret = 0;
		goto out;
	}
	plan = parse_counted(text.buf, text.len, held, &over, &jerr);
	if (!json_is_object(plan)) {
		error_set(err, "%s:1: plan.json: %s", path, over ? "takes more "
			  "memory to read than a journal may" : plan ?
			  "not an object" : jerr.text);
		json_decref(plan);
		goto out;
	}
	json_object_set_new(rec, "plan", plan);
	ret = 0;
out:
	strbuf_release(&p);
	strbuf_release(&text);
	return ret;
}

/*
 * Walk the lines of the journal once, checking the chain when
 * JOURNAL_WALK_VERIFY is set, and hand each record to `each`. Parsing
 * counts against one budget for the whole read (JOURNAL_READ_MEMORY):
 * a record `each` keeps stays counted, one it drops is given back, and
 * bytes it keeps otherwise (l->keep) are counted too, so memory stays
 * bounded whatever the reader holds. `js` (may be NULL): the journal's
 * shape, as journal_stat() gives it.
 */
int journal_walk(const char *path, unsigned flags, int *torn,
		 struct journal_stat *js, journal_each_fn *each, void *ctx,
		 struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return error_errno(err, "cannot read journal %s", path);
	ret = journal_walk_fd(fd, path, flags, torn, js, each, ctx, err);
	close(fd);
	return ret;
}

int journal_walk_fd(int fd, const char *path, unsigned flags, int *torn,
		    struct journal_stat *js, journal_each_fn *each, void *ctx,
		    struct error *err)
{
	return journal_walk_fd_plan(fd, path, flags, torn, js, each, ctx, NULL,
				    err);
}

int journal_walk_fd_plan(int fd, const char *path, unsigned flags, int *torn,
			 struct journal_stat *js, journal_each_fn *each,
			 void *ctx, const struct journal_plan_reader *lean,
			 struct error *err)
{
	struct strbuf line = STRBUF_INIT;
	struct reader r;
	char prev[SHA256_HEX_LEN + 1] = "", hash[SHA256_HEX_LEN + 1];
	long long lineno = 0;
	unsigned long long len;
	size_t held = 0;
	int nl, got, over, first_start = 0, ret = -1;

	if (torn)
		*torn = 0;
	if (js)
		memset(js, 0, sizeof(*js));
	reader_on(&r, fd);
	for (;;) {
		struct journal_line jl;
		json_error_t jerr;
		json_t *rec, *pv;
		size_t before = held;
		unsigned long long at = r.at;
		int kept;

		if ((got = next_line(&r, path, &line, &len, &nl, hash, err)) <= 0)
			break;
		lineno++;
		if (!nl) {
			/* Killed mid-write: the tail is not a record. */
			if (torn)
				*torn = 1;
			if (js)
				js->torn = len;
			lineno--;
			break;
		}
		if (len > JOURNAL_LINE_MAX) {
			error_set(err, "%s:%lld: record %lld is %llu bytes, over "
				  "the %u bytes (1 MiB) rdrill writes at most: "
				  "damaged, or not an rdrill journal", path,
				  lineno, lineno - 1, len, JOURNAL_LINE_MAX);
			goto out;
		}
		if (too_deep(line.buf, line.len)) {
			error_set(err, "%s:%lld: record %lld nests deeper than "
				  "the %d levels rdrill writes at most: damaged, "
				  "or not an rdrill journal", path, lineno,
				  lineno - 1, JOURNAL_DEPTH_MAX);
			goto out;
		}
		rec = held < JOURNAL_READ_MEMORY ? parse_counted(line.buf,
			line.len, &held, &over, &jerr) : (over = 1, NULL);
		if (over) {
			error_set(err, "%s:%lld: record %lld takes more memory "
				  "to read than %d times its size, or the records "
				  "up to it more than the %u MiB a journal may "
				  "take: damaged, or not an rdrill journal", path,
				  lineno, lineno - 1, JOURNAL_RECORD_RATIO,
				  JOURNAL_READ_MEMORY >> 20);
			json_decref(rec);
			goto out;
		}
		if (!rec || !json_is_object(rec)) {
			error_set(err, "%s:%lld: not a journal record: %s", path,
				  lineno, rec ? "not an object" : jerr.text);
			json_decref(rec);
			goto out;
		}
		if (flags & JOURNAL_WALK_VERIFY) {
			pv = json_object_get(rec, "prev");
			if (json_integer_value(json_object_get(rec, "seq")) !=
			    lineno - 1) {
				error_set(err, "%s:%lld: seq is %lld, expected %lld: "
					  "a record was removed or reordered",
					  path, lineno, (long long)json_integer_value(
					  json_object_get(rec, "seq")), lineno - 1);
				json_decref(rec);
				goto out;
			}
			if (lineno == 1 ? !json_is_null(pv) :
			    (!json_is_string(pv) ||
			     strcmp(json_string_value(pv), prev))) {
				error_set(err, "%s:%lld: hash chain broken: the "
					  "line before was changed", path, lineno);
				json_decref(rec);
				goto out;
			}
			memcpy(prev, hash, sizeof(hash));
		}
		if (lineno == 1) {
			first_start = is_start(rec);
			if (first_start && hydrate_plan(path, rec, &held, lean, err) < 0) {
				json_decref(rec);
				goto out;
			}
		}
		jl.rec = rec;
		jl.text = line.buf;
		jl.len = line.len;
		jl.lineno = lineno;
		jl.off = at;
		jl.hash = hash;
		jl.keep = 0;
		kept = each(&jl, ctx, err);
		if (kept < 0)
			goto out;
		if (!kept)
			held = before;
		held += jl.keep;
		if (js)
			memcpy(js->head, hash, sizeof(hash));
	}
	if (got < 0)
		goto out;
	if (js)
		js->records = lineno;
	if (lineno ? !first_start : !(flags & JOURNAL_WALK_EMPTY_OK)) {
		error_set(err, "%s: no start record: not an rdrill journal", path);
		goto out;
	}
	ret = 0;
out:
	reader_close(&r);
	strbuf_release(&line);
	return ret;
}

static int append_record(struct journal_line *l, void *ctx, struct error *err)
{
	(void)err;
	json_array_append_new(ctx, l->rec);
	return 1;
}

static json_t *walk(const char *path, int verify, int empty_ok, int *torn,
		    struct error *err)
{
	json_t *records = json_array();

	if (journal_walk(path, (verify ? JOURNAL_WALK_VERIFY : 0) |
			 (empty_ok ? JOURNAL_WALK_EMPTY_OK : 0), torn, NULL,
			 append_record, records, err) < 0) {
		json_decref(records);
		return NULL;
	}
	return records;
}

json_t *journal_read(const char *path, int *torn, struct error *err)
{
	return walk(path, 0, 0, torn, err);
}

json_t *journal_read_verified(const char *path, int *torn, struct error *err)
{
	return walk(path, 1, 0, torn, err);
}

json_t *journal_read_any(const char *path, int verify, int *torn,
			 struct error *err)
{
	return walk(path, verify, 1, torn, err);
}

int journal_verify(const char *path, int *torn, struct error *err)
{
	json_t *r = walk(path, 1, 0, torn, err);

	if (!r)
		return -1;
	json_decref(r);
	return 0;
}

json_t *journal_utc(long long ms)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *r;

	clock_format_utc_ms(&sb, ms);
	r = json_string(sb.buf);
	strbuf_release(&sb);
	return r;
}
