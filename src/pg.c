#include "pg.h"
#include "clock.h"
#include "sha256.h"
#include "drill.h"
#include "error.h"
#include "fsutil.h"
#include "safefs.h"
#include "schema.h"
#include "exec.h"
#include "secret.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PG_DEFAULT_CONNECT_TIMEOUT 10
/* A cancel that reaches the backend before the query is ignored: resend. */
#define PG_CANCEL_RESEND_MS 500
/* One ping may not outlast this, so a cancelled wait stops soon. */
#define PG_PING_ATTEMPT_MAX_S 3
/* The log is written in blocks of this size. */
#define LOG_BLOCK (64 * 1024)


/* libpq's messages end in a newline and may span lines; ours are one. */
static void add_message(struct strbuf *sb, const char *msg)
{
	size_t start = sb->len;
	int space = 0;

	for (; msg && *msg; msg++) {
		if (*msg == '\n' || *msg == '\r' || *msg == '\t') {
			space = 1;
			continue;
		}
		if (space && sb->len > start)
			strbuf_addch(sb, ' ');
		space = 0;
		strbuf_addch(sb, *msg);
	}
	if (sb->len == start)
		strbuf_adds(sb, "(no message from libpq)");
}

static int set_pg_error(struct error *err, const char *what, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	if (what)
		strbuf_addf(&sb, "%s: ", what);
	add_message(&sb, msg);
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

void pg_redact(struct strbuf *sb, const struct strvec *secrets)
{
	if (secrets)
		secret_redact_with(secrets->v, sb);
}

const char *pg_cell_text(const char *cell)
{
	return cell ? cell : "NULL";
}

void pg_add_cell(struct strbuf *sb, const char *cell, size_t max)
{
	const char *s = pg_cell_text(cell);
	size_t n = strlen(s);

	if (n <= max) {
		strbuf_add(sb, s, n);
		return;
	}
	while (max && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	strbuf_add(sb, s, max);
	strbuf_adds(sb, "…");
}

/* ---- connecting ------------------------------------------------------ */

struct params {
	const char *kw[16];
	const char *val[16];
	int n;
	char port[24];
	char timeout[24];
};

static void param(struct params *p, const char *kw, const char *val)
{
	if (!val)
		return;
	p->kw[p->n] = kw;
	p->val[p->n] = val;
	p->n++;
	p->kw[p->n] = NULL;
	p->val[p->n] = NULL;
}

/* Everything but the password; `timeout` overrides connect_timeout_s. */
static void conn_params(const struct drill_conn *conn, struct params *p,
			long timeout)
{
	p->n = 0;
	param(p, "host", conn->host);
	if (conn->port.set) {
		snprintf(p->port, sizeof(p->port), "%ld", conn->port.v);
		param(p, "port", p->port);
	}
	param(p, "dbname", conn->dbname);
	param(p, "user", conn->user);
	param(p, "sslmode", conn->sslmode);
	if (timeout <= 0)
		timeout = conn->connect_timeout_s.set &&
			  conn->connect_timeout_s.v > 0 ?
			  conn->connect_timeout_s.v : PG_DEFAULT_CONNECT_TIMEOUT;
	snprintf(p->timeout, sizeof(p->timeout), "%ld", timeout);
	param(p, "connect_timeout", p->timeout);
	param(p, "application_name", "rdrill");
	/* Values become JSON strings: ask the server for UTF-8. */
	param(p, "client_encoding", "UTF8");
}

/* The password, if the connection names one, into `pw`. */
int pg_password(const struct drill_conn *conn, struct strbuf *pw,
		struct error *err)
{
	const char *env = conn->password_env;
	const char *file = conn->password_file;

	if (env) {
		const char *v = getenv(env);
		if (!v)
			return error_set(err, "password_env: the environment "
					 "variable %s is not set", env);
		if (!*v)
			return error_set(err, "password_env: the environment "
					 "variable %s is empty", env);
		strbuf_adds(pw, v);
	} else if (file) {
		char *nl;
		struct error e = ERROR_INIT;
		/*
		 * Non-blocking and fstat'd: a FIFO put there cannot hang us.
		 * Then, as root, kept only if no other user could have put it
		 * there (safefs.h).
		 */
		if (safefs_read_regular(file, 1, pw, 64 * 1024, &e) < 0 ||
		    safefs_root_trusted(file, "password_file", &e) < 0) {
			if (pw->alloc)
				explicit_bzero(pw->buf, pw->alloc);
			strbuf_reset(pw);
			error_set(err, "%s%s", strncmp(e.msg.buf, "password_file",
				  13) ? "password_file: " : "", e.msg.buf);
			error_release(&e);
			return -1;
		}
		nl = memchr(pw->buf, '\n', pw->len);
		if (nl)
			strbuf_setlen(pw, (size_t)(nl - pw->buf));
		if (pw->len && pw->buf[pw->len - 1] == '\r')
			strbuf_setlen(pw, pw->len - 1);
		if (!pw->len || memchr(pw->buf, '\0', pw->len))
			return error_set(err, "password_file: the first line "
					 "of %s is empty or not text", file);
	}
	return 0;
}

/* Modules never print: libpq's default sends NOTICEs to stderr. */
static void quiet_notices(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* ---- deadlines ------------------------------------------------------ */

void pg_deadline_init(struct pg_deadline *dl, long timeout_s,
		      volatile sig_atomic_t *cancel)
{
	dl->at_ms = timeout_s > 0 ?
		    clock_mono_ms() + (long long)timeout_s * 1000 : 0;
	dl->timeout_s = timeout_s;
	dl->cancel = cancel;
}

void pg_deadline_from(struct pg_deadline *dl, const struct deadline *d,
		      volatile sig_atomic_t *cancel)
{
	dl->at_ms = d->at_ms;
	dl->timeout_s = d->timeout_s;
	dl->cancel = cancel;
}

static int cancelled(const struct pg_deadline *dl)
{
	return dl && dl->cancel && *dl->cancel;
}

static int past(const struct pg_deadline *dl, long long now)
{
	return dl && dl->at_ms && now >= dl->at_ms;
}

/* Longest statement text an error message names. */
#define STATEMENT_MAX 60

/*
 * The statement an error names: one line, safe for a terminal (a query
 * comes from a drill file and is shown on the operator's screen), cut.
 */
static void add_statement(struct strbuf *sb, const char *sql)
{
	struct strbuf one = STRBUF_INIT, safe = STRBUF_INIT;
	size_t n;
	int space = 0;

	for (; *sql; sql++) {
		if (*sql == ' ' || *sql == '\n' || *sql == '\r' || *sql == '\t') {
			space = 1;
			continue;
		}
		if (space && one.len)
			strbuf_addch(&one, ' ');
		space = 0;
		strbuf_addch(&one, *sql);
	}
	utf8_add_terminal(&safe, one.buf);
	n = safe.len;
	if (n > STATEMENT_MAX) {
		n = STATEMENT_MAX;
		while (n && ((unsigned char)safe.buf[n] & 0xc0) == 0x80)
			n--;
	}
	strbuf_add(sb, safe.buf, n);
	if (n < safe.len)
		strbuf_adds(sb, "…");
	strbuf_release(&one);
	strbuf_release(&safe);
}

enum stop { STOP_NONE, STOP_CANCEL, STOP_TIMEOUT };

/* What was going on when it stopped. */
enum doing { DOING_WAIT, DOING_BEFORE, DOING_CONNECT };

static int stop_error(enum stop stop, const struct pg_deadline *dl,
		      enum doing doing, const char *sql, struct error *err)
{
	static const char *const what[2][3] = {
		{ "while waiting for", "before", "while connecting" },
		{ "waiting for", "before", "connecting" },
	};
	struct strbuf sb = STRBUF_INIT;

	if (stop == STOP_CANCEL)
		strbuf_adds(&sb, "cancelled by a signal ");
	else
		strbuf_addf(&sb, "timed out after %ld s ",
			    dl ? dl->timeout_s : 0L);
	strbuf_adds(&sb, what[stop != STOP_CANCEL][doing]);
	if (sql) {
		strbuf_addch(&sb, ' ');
		add_statement(&sb, sql);
	}
	error_set(err, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* ---- cancelling ------------------------------------------------------ */

/*
 * PQcancel (libpq 15 has no non-blocking cancel) connects to the server
 * and waits for it to close: against a server that has stopped
 * answering it would wait forever. It runs in a thread of its own, given
 * PG_CANCEL_WAIT_MS; a thread still stuck after that is left behind (it
 * holds nothing but its PGcancel) and the connection is closed anyway.
 */
struct cancel_job {
	PGcancel *cn;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done;
	int abandoned;
};

static void cancel_job_free(struct cancel_job *j)
{
	PQfreeCancel(j->cn);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void *cancel_thread(void *arg)
{
	struct cancel_job *j = arg;
	char buf[256];
	int abandoned;

	(void)PQcancel(j->cn, buf, sizeof(buf));
	pthread_mutex_lock(&j->mu);
	j->done = 1;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned)
		cancel_job_free(j);
	return NULL;
}

static void send_cancel(PGconn *c)
{
	struct cancel_job *j;
	pthread_condattr_t ca;
	pthread_t t;
	sigset_t all, old;
	struct timespec until;
	int rc = 0, mine;

	j = xcalloc(1, sizeof(*j));
	j->cn = PQgetCancel(c);
	if (!j->cn) {
		free(j);
		return;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* SIGINT and SIGTERM are the main thread's (cmd-run.c's handler). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&t, NULL, cancel_thread, j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		cancel_job_free(j);
		return;
	}
	pthread_detach(t);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += PG_CANCEL_WAIT_MS / 1000;
	until.tv_nsec += (PG_CANCEL_WAIT_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	rc = 0;
	while (!j->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&j->cv, &j->mu, &until);
	mine = j->done;
	if (!mine)
		j->abandoned = 1;
	pthread_mutex_unlock(&j->mu);
	if (mine)
		cancel_job_free(j);
}

/* ---- queries ------------------------------------------------------- */

/*
 * A SQL_ASCII database hands back whatever bytes it holds; JSON needs
 * UTF-8. Keep the bytes visible (and comparable) instead of failing.
 */
static json_t *cell_json(const char *v, size_t len)
{
	const unsigned char *s = (const unsigned char *)v;
	struct strbuf sb = STRBUF_INIT;
	json_t *j = json_stringn(v, len);
	size_t i = 0;

	if (j)
		return j;
	while (i < len) {
		size_t n = s[i] ? utf8_seq_len(s + i, len - i) : 0;
		if (n) {
			strbuf_add(&sb, s + i, n);
			i += n;
		} else {
			strbuf_addf(&sb, "\\x%02X", s[i]);
			i++;
		}
	}
	j = json_stringn(sb.buf, sb.len);
	strbuf_release(&sb);
	return j ? j : json_string("");
}

/* ---- the typed result ---------------------------------------------- */

void pg_result_init(struct pg_result *r)
{
	memset(r, 0, sizeof(*r));
	r->affected = -1;
}

void pg_result_release(struct pg_result *r)
{
	size_t i, j;

	for (i = 0; i < r->nrows; i++) {
		for (j = 0; j < r->rows[i].n; j++)
			free(r->rows[i].cells[j]);
		free(r->rows[i].cells);
	}
	free(r->rows);
	if (r->columns) {
		strvec_clear(r->columns);
		free(r->columns);
	}
	pg_result_init(r);
}

const char *pg_result_cell(const struct pg_result *r, size_t row, size_t col,
			   int *have)
{
	int h = row < r->nrows && col < r->rows[row].n;

	if (have)
		*have = h;
	return h ? r->rows[row].cells[col] : NULL;
}

static struct pg_row *result_add_row(struct pg_result *r, size_t n)
{
	struct pg_row *row;

	XGROW(r->rows, r->nrows + 1, r->arows);
	row = &r->rows[r->nrows++];
	row->n = n;
	row->cells = xcalloc(n ? n : 1, sizeof(*row->cells));
	return row;
}

static json_t *columns_json(const struct strvec *columns)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; columns && i < columns->nr; i++)
		json_array_append_new(a, json_string(columns->v[i]));
	return a;
}

json_t *pg_result_to_json(const struct pg_result *r)
{
	json_t *o = json_object(), *rows = json_array();
	size_t i, j;

	json_object_set_new(o, "columns", columns_json(r->columns));
	for (i = 0; i < r->nrows; i++) {
		json_t *row = json_array();
		for (j = 0; j < r->rows[i].n; j++)
			json_array_append_new(row, r->rows[i].cells[j] ?
				json_string(r->rows[i].cells[j]) : json_null());
		json_array_append_new(rows, row);
	}
	json_object_set_new(o, "rows", rows);
	json_object_set_new(o, "row_count", json_integer(r->row_count));
	if (r->truncated)
		json_object_set_new(o, "truncated", json_true());
	json_object_set_new(o, "sha256", json_string(r->sha256));
	if (r->affected >= 0)
		json_object_set_new(o, "affected", json_integer(r->affected));
	return o;
}

static int rows_from_json(struct pg_result *r, json_t *rows, struct error *err)
{
	json_t *row, *cell;
	size_t i, j;

	if (!json_is_array(rows))
		return error_set(err, "a result's rows are not an array");
	json_array_foreach(rows, i, row) {
		struct pg_row *pr;
		if (!json_is_array(row))
			return error_set(err, "a result's row %zu is not an "
					 "array", i + 1);
		pr = result_add_row(r, json_array_size(row));
		json_array_foreach(row, j, cell) {
			if (!json_is_null(cell) && !json_is_string(cell))
				return error_set(err, "a result's row %zu has "
						 "a cell that is neither text "
						 "nor null", i + 1);
			if (json_is_string(cell))
				pr->cells[j] = xstrdup(json_string_value(cell));
		}
	}
	return 0;
}

/*
 * A query result as pg_result_json() wrote it, declared as schema tables:
 * what makes it a result bound strictly (a record without it, or with
 * a member of another type, is not one), "truncated" leniently (only a
 * true is true, as ever).
 */
struct result_wire {
	json_t *columns, *rows;
	struct schema_int row_count, affected;
	const char *sha256;
	int truncated;
};
static const struct schema_field result_fields[] = {
	{ .key = "columns", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_RAW,
	  .off = offsetof(struct result_wire, columns) },
	{ .key = "rows", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct result_wire, rows) },
	{ .key = "row_count", .type = SCHEMA_INT, .flags = SCHEMA_REQ,
	  .off = offsetof(struct result_wire, row_count) },
	{ .key = "sha256", .type = SCHEMA_STR, .flags = SCHEMA_REQ,
	  .off = offsetof(struct result_wire, sha256) },
	{ .key = "affected", .type = SCHEMA_INT,
	  .off = offsetof(struct result_wire, affected) },
	{ 0 }
};
static const struct schema result_schema = {
	.what = "query result", .fields = result_fields,
	.size = sizeof(struct result_wire),
};
static const struct schema_field result_flag_fields[] = {
	{ .key = "truncated", .type = SCHEMA_BOOL,
	  .off = offsetof(struct result_wire, truncated) },
	{ 0 }
};
static const struct schema result_flag_schema = {
	.what = "query result", .fields = result_flag_fields,
	.size = sizeof(struct result_wire),
};

int pg_result_from_json(struct pg_result *r, json_t *j, struct error *err)
{
	struct result_wire w;
	struct error e = ERROR_INIT;
	json_t *c;
	size_t i;
	int bad;

	pg_result_init(r);
	memset(&w, 0, sizeof(w));
	bad = schema_bind(&result_schema, j, &w, "result", &e) < 0 ||
	      !json_is_array(w.columns) || strlen(w.sha256) >= sizeof(r->sha256);
	error_release(&e);
	if (bad)
		return error_set(err, "not a query result (columns, rows, "
				 "row_count, sha256)");
	schema_bind_lenient(&result_flag_schema, j, &w);
	r->columns = xmalloc(sizeof(*r->columns));
	strvec_init(r->columns);
	json_array_foreach(w.columns, i, c) {
		if (!json_is_string(c)) {
			pg_result_release(r);
			return error_set(err, "a result's column %zu is not "
					 "text", i + 1);
		}
		strvec_push(r->columns, json_string_value(c));
	}
	if (rows_from_json(r, w.rows, err) < 0) {
		pg_result_release(r);
		return -1;
	}
	r->row_count = w.row_count.v;
	r->truncated = w.truncated;
	snprintf(r->sha256, sizeof(r->sha256), "%s", w.sha256);
	r->affected = w.affected.set ? w.affected.v : -1;
	return 0;
}

struct collect {
	struct pg_result *res;
	size_t kept_bytes;
	struct pg_first *first;
	/* the canonical form: hashed, and streamed to the log */
	struct sha256_stream *sha;
	struct strbuf buf;
	int fd;
	const char *path;
	unsigned long long bytes;
};

static int dump_cb(const char *buf, size_t size, void *data)
{
	strbuf_add(data, buf, size);
	return 0;
}

/* Hash and write `n` bytes of redacted text to the rows log. */
static int log_out(struct collect *col, const char *p, size_t n,
		struct error *err)
{
	size_t off = 0;

	sha256_stream_add(col->sha, p, n);
	col->bytes += n;
	while (col->fd >= 0 && off < n) {
		ssize_t w = write(col->fd, p + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return error_errno(err, "cannot write %s", col->path);
		}
		off += (size_t)w;
	}
	return 0;
}

/*
 * The rows log is a sink: redacted before it is hashed, so the journal
 * holds no digest of a secret and verify re-hashes what is on disk. A
 * cell larger than a block goes out in blocks (never a whole copy of
 * it), so a value may straddle two: unless `eof`, the last
 * secret_span() - 1 bytes wait for the next block, as exec's streams do.
 */
static int flush_block(struct collect *col, int eof, struct error *err)
{
	const char *const *s = (const char *const *)secret_set()->v;
	const char *buf = col->buf.buf;
	size_t span = secret_span(s), len = col->buf.len, pos = 0;
	size_t limit, end, at, mlen;
	int ret = 0;

	limit = eof || !span ? len : len > span - 1 ? len - (span - 1) : 0;
	while (pos < limit && (at = secret_find(s, buf + pos, len - pos,
					       limit - pos, &mlen)) != SECRET_NONE) {
		if (log_out(col, buf + pos, at, err) < 0 ||
		    log_out(col, EXEC_REDACTED, strlen(EXEC_REDACTED), err) < 0)
			ret = -1;
		pos += at + mlen;
		if (ret < 0)
			break;
	}
	end = pos > limit ? pos : limit;
	if (!ret && log_out(col, buf + pos, end - pos, err) < 0)
		ret = -1;
	if (ret < 0) {
		strbuf_setlen(&col->buf, 0);
		return -1;
	}
	memmove(col->buf.buf, col->buf.buf + end, len - end);
	strbuf_setlen(&col->buf, len - end);
	return 0;
}

static int emit_line(struct collect *col, json_t *line, struct error *err)
{
	if (json_dump_callback(line, dump_cb, &col->buf, JSON_COMPACT) < 0)
		BUG("a result row cannot be serialised");
	strbuf_addch(&col->buf, '\n');
	return col->buf.len >= LOG_BLOCK ? flush_block(col, 0, err) : 0;
}

/*
 * One cell of the canonical form, as jansson writes it. The common cell,
 * printable ASCII without '"' or '\', is written as jansson would (its
 * bytes in quotes) without building a JSON value: serialising through
 * jansson was two thirds of the time of a large result (bench/README.md).
 */
static void add_cell(struct strbuf *sb, const char *v, size_t len, int null)
{
	json_t *j;
	size_t i;

	if (null) {
		strbuf_adds(sb, "null");
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			break;
	}
	if (i == len) {
		strbuf_grow(sb, len + 2);
		strbuf_addch(sb, '"');
		strbuf_add(sb, v, len);
		strbuf_addch(sb, '"');
		return;
	}
	j = cell_json(v, len);
	if (json_dump_callback(j, dump_cb, sb, JSON_COMPACT | JSON_ENCODE_ANY) < 0)
		BUG("a result cell cannot be serialised");
	json_decref(j);
}

/*
 * A cell larger than a block, written as add_cell() (so as jansson)
 * would, but in blocks straight from libpq's result: the largest cell is
 * never copied whole (issue 21: a 100 MB cell was held four times).
 */
static int add_big_cell(struct collect *col, const char *v, size_t len,
			struct error *err)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t i, n;
	int valid = 1;

	/* Like cell_json: one byte that is not UTF-8 shows them all as \xNN. */
	for (i = 0; i < len && valid; i += n)
		valid = (n = utf8_seq_len(s + i, len - i)) != 0;
	strbuf_addch(&col->buf, '"');
	for (i = 0; i < len;) {
		unsigned char ch = s[i];
		static const char shorts[] = "\\b\\f\\n\\r\\t";

		if (ch == '"' || ch == '\\') {
			strbuf_addch(&col->buf, '\\');
			strbuf_addch(&col->buf, ch);
			i++;
		} else if (!ch && !valid) {
			strbuf_adds(&col->buf, "\\\\x00");
			i++;
		} else if (ch < 0x20) {
			const char *sh = ch == '\b' ? shorts : ch == '\f' ?
				shorts + 2 : ch == '\n' ? shorts + 4 :
				ch == '\r' ? shorts + 6 : ch == '\t' ?
				shorts + 8 : NULL;
			if (sh)
				strbuf_add(&col->buf, sh, 2);
			else
				strbuf_addf(&col->buf, "\\u%04X", ch);
			i++;
		} else if (ch < 0x80) {
			strbuf_addch(&col->buf, ch);
			i++;
		} else if ((n = utf8_seq_len(s + i, len - i))) {
			strbuf_add(&col->buf, s + i, n);
			i += n;
		} else {
			strbuf_addf(&col->buf, "\\\\x%02X", ch);
			i++;
		}
		if (col->buf.len >= LOG_BLOCK && flush_block(col, 0, err) < 0)
			return -1;
	}
	strbuf_addch(&col->buf, '"');
	return 0;
}

/* The first cell: its length, SHA-256 and first PG_FIRST_KEEP bytes. */
static void keep_first(struct pg_first *first, PGresult *res, int r)
{
	const char *v = PQgetvalue(res, r, 0);
	size_t len = (size_t)PQgetlength(res, r, 0);

	first->have = 1;
	first->null = PQgetisnull(res, r, 0);
	if (first->null)
		return;
	first->len = len;
	sha256_hex(v, len, first->sha256);
	if (first->text)
		strbuf_add(first->text, v, len < PG_FIRST_KEEP ? len :
			   PG_FIRST_KEEP);
}

/* A kept cell's text: cell_json's (bytes not UTF-8 shown as \xNN). */
static char *cell_text(const char *v, size_t len)
{
	json_t *j = cell_json(v, len);
	char *t = xstrdup(json_string_value(j));

	json_decref(j);
	return t;
}

static int collect_rows(struct collect *col, PGresult *res, struct error *err)
{
	struct pg_result *out = col->res;
	int nf = PQnfields(res), nt = PQntuples(res), r, f;

	if (!out->columns) {
		json_t *line;
		out->columns = xmalloc(sizeof(*out->columns));
		strvec_init(out->columns);
		for (f = 0; f < nf; f++) {
			char *name = cell_text(PQfname(res, f),
					       strlen(PQfname(res, f)));
			strvec_push(out->columns, name);
			free(name);
		}
		line = columns_json(out->columns);
		r = emit_line(col, line, err);
		json_decref(line);
		if (r < 0)
			return -1;
	}
	for (r = 0; r < nt; r++) {
		size_t bytes = 0;

		if (!out->row_count && col->first && nf)
			keep_first(col->first, res, r);
		out->row_count++;
		strbuf_addch(&col->buf, '[');
		for (f = 0; f < nf; f++) {
			size_t len = (size_t)PQgetlength(res, r, f);
			bytes += len;
			if (f)
				strbuf_addch(&col->buf, ',');
			if (len > LOG_BLOCK && !PQgetisnull(res, r, f)) {
				if (add_big_cell(col, PQgetvalue(res, r, f), len,
						 err) < 0)
					return -1;
			} else {
				add_cell(&col->buf, PQgetvalue(res, r, f), len,
					 PQgetisnull(res, r, f));
			}
		}
		strbuf_adds(&col->buf, "]\n");
		if (col->buf.len >= LOG_BLOCK && flush_block(col, 0, err) < 0)
			return -1;
		/* The kept rows are a prefix of the result. */
		if (!out->truncated && out->nrows < PG_KEEP_ROWS &&
		    col->kept_bytes + bytes <= PG_KEEP_BYTES) {
			struct pg_row *row = result_add_row(out, (size_t)nf);
			col->kept_bytes += bytes;
			for (f = 0; f < nf; f++)
				if (!PQgetisnull(res, r, f))
					row->cells[f] = cell_text(
						PQgetvalue(res, r, f),
						(size_t)PQgetlength(res, r, f));
		} else {
			out->truncated = 1;
		}
	}
	return 0;
}

struct qrun {
	PGconn *c;
	const struct pg_deadline *dl;
	const char *sql;
	enum stop stop;
	long long stopped_at;
	long long last_cancel;
};

/*
 * Until libpq holds a whole result (or, in single-row mode, a row) to
 * hand out, or with `once` (COPY, where PQisBusy says nothing) until one
 * read: flush what is still to send, read what came, watch the cancel
 * flag and the deadline. Once stopped, the server gets
 * PG_CANCEL_GRACE_MS to end the query.
 */
static int wait_ready(struct qrun *q, int once, struct error *err)
{
	for (;;) {
		long long now = clock_mono_ms();
		struct pollfd pfd;
		int flush, n;

		if (q->stop == STOP_NONE) {
			if (cancelled(q->dl))
				q->stop = STOP_CANCEL;
			else if (past(q->dl, now))
				q->stop = STOP_TIMEOUT;
			if (q->stop != STOP_NONE) {
				q->stopped_at = q->last_cancel = now;
				send_cancel(q->c);
			}
		} else if (now - q->stopped_at >= PG_CANCEL_GRACE_MS) {
			return stop_error(q->stop, q->dl, DOING_WAIT, q->sql,
					  err);
		} else if (now - q->last_cancel >= PG_CANCEL_RESEND_MS) {
			q->last_cancel = now;
			send_cancel(q->c);
		}
		flush = PQflush(q->c);
		if (flush < 0)
			goto broken;
		if (!flush && !once && !PQisBusy(q->c))
			return 0;
		pfd.fd = PQsocket(q->c);
		pfd.events = POLLIN | (flush ? POLLOUT : 0);
		pfd.revents = 0;
		if (pfd.fd < 0)
			goto broken;
		n = poll(&pfd, 1, 100);
		if (n < 0 && errno != EINTR)
			return error_errno(err, "poll");
		if (n > 0 && (pfd.revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !PQconsumeInput(q->c))
			goto broken;
		if (once && !flush)
			return 0;
	}
broken:
	if (q->stop != STOP_NONE)
		return stop_error(q->stop, q->dl, DOING_WAIT, q->sql, err);
	return set_pg_error(err, NULL, PQerrorMessage(q->c));
}

static int open_log(struct collect *col, const char *path, struct error *err)
{
	col->path = path;
	col->fd = fs_create(path, O_WRONLY);
	if (col->fd < 0)
		return error_errno(err, "cannot create %s", path);
	return 0;
}

static int close_log(struct collect *col, struct error *err)
{
	int fd = col->fd;

	col->fd = -1;
	if (fd < 0)
		return 0;
	if (fsync(fd) < 0) {
		error_errno(err, "cannot sync %s", col->path);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return error_errno(err, "cannot write %s", col->path);
	return 0;
}

int pg_exec(PGconn *c, const char *sql, struct pg_query_opts *o,
	    struct pg_result *result, struct error *err)
{
	struct collect col = { result, 0, NULL, NULL, STRBUF_INIT, -1, NULL,
			       0 };
	struct strbuf failure = STRBUF_INIT;
	const struct pg_deadline *dl = o ? o->dl : NULL;
	struct qrun q = { c, dl, sql, STOP_NONE, 0, 0 };
	PGresult *res;
	int ret = -1;

	pg_result_init(result);
	col.sha = sha256_stream_new();
	if (o) {
		o->log_bytes = 0;
		col.first = o->first;
		if (o->first) {
			o->first->have = 0;
			o->first->null = 0;
			o->first->len = 0;
			o->first->sha256[0] = '\0';
			if (o->first->text)
				strbuf_reset(o->first->text);
		}
	}
	if (cancelled(dl) || past(dl, clock_mono_ms())) {
		stop_error(cancelled(dl) ? STOP_CANCEL : STOP_TIMEOUT, dl,
			   DOING_BEFORE, sql, err);
		goto out;
	}
	if (o && o->log_path && open_log(&col, o->log_path, err) < 0)
		goto out;
	/* Never block in a write: a server that stops reading has a deadline too. */
	if (PQsetnonblocking(c, 1) != 0 ||
	    !PQsendQueryParams(c, sql, o ? o->nparams : 0, NULL,
			       o ? o->params : NULL, NULL, NULL, 0)) {
		set_pg_error(err, NULL, PQerrorMessage(c));
		goto out;
	}
	/* Only the first rows are kept: do not let libpq hold them all. */
	PQsetSingleRowMode(c);
	for (;;) {
		if (wait_ready(&q, 0, err) < 0)
			goto out;
		res = PQgetResult(c);
		if (!res)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if (!failure.len && collect_rows(&col, res, err) < 0) {
				/* Stop the query; the caller closes. */
				PQclear(res);
				send_cancel(c);
				goto out;
			}
			break;
		case PGRES_COMMAND_OK:
			if (*PQcmdTuples(res))
				result->affected = atoll(PQcmdTuples(res));
			break;
		case PGRES_EMPTY_QUERY:
			if (!failure.len)
				strbuf_adds(&failure, "the query is empty");
			break;
		case PGRES_COPY_IN:
		case PGRES_COPY_OUT:
		case PGRES_COPY_BOTH:
			/* The connection stays in COPY: the caller closes it. */
			PQclear(res);
			error_set(err, "COPY is not supported here");
			goto out;
		default:
			if (!failure.len)
				add_message(&failure, PQresultErrorMessage(res));
			break;
		}
		PQclear(res);
	}
	if (q.stop != STOP_NONE) {
		stop_error(q.stop, dl, DOING_WAIT, sql, err);
		goto out;
	}
	if (failure.len) {
		error_set(err, "%s", failure.buf);
		goto out;
	}
	if (flush_block(&col, 1, err) < 0 || close_log(&col, err) < 0)
		goto out;
	sha256_stream_finish(col.sha, result->sha256);
	col.sha = NULL;
	if (o)
		o->log_bytes = col.bytes;
	ret = 0;
out:
	if (col.fd >= 0)
		close(col.fd);
	sha256_stream_free(col.sha);
	strbuf_release(&col.buf);
	strbuf_release(&failure);
	if (ret < 0)
		pg_result_release(result);
	return ret;
}

int pg_exec_simple(PGconn *c, const char *sql, const struct pg_deadline *dl,
		   struct pg_result *result, struct error *err)
{
	struct pg_query_opts o = { 0, NULL, dl, NULL, NULL, 0 };

	return pg_exec(c, sql, &o, result, err);
}

int pg_run(PGconn *c, const char *sql, struct pg_query_opts *o,
	   json_t **result, struct error *err)
{
	struct pg_result r;

	*result = NULL;
	if (pg_exec(c, sql, o, &r, err) < 0)
		return -1;
	*result = pg_result_to_json(&r);
	pg_result_release(&r);
	return 0;
}

/* The results after the data of a COPY: its own status, or an error. */
static int copy_end(struct qrun *q, struct error *err)
{
	struct strbuf failure = STRBUF_INIT;
	PGresult *res;
	int ret = 0;

	for (;;) {
		if (wait_ready(q, 0, err) < 0) {
			ret = -1;
			break;
		}
		res = PQgetResult(q->c);
		if (!res)
			break;
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !failure.len)
			add_message(&failure, PQresultErrorMessage(res));
		PQclear(res);
	}
	if (!ret && q->stop != STOP_NONE)
		ret = stop_error(q->stop, q->dl, DOING_WAIT, q->sql, err);
	else if (!ret && failure.len)
		ret = error_set(err, "%s", failure.buf);
	strbuf_release(&failure);
	return ret;
}

int pg_copy_out(PGconn *c, const char *sql, const struct pg_deadline *dl,
		pg_copy_sink *sink, void *arg, unsigned long long *bytes,
		struct error *err)
{
	struct qrun q = { c, dl, sql, STOP_NONE, 0, 0 };
	PGresult *res;
	int status;

	*bytes = 0;
	if (cancelled(dl) || past(dl, clock_mono_ms()))
		return stop_error(cancelled(dl) ? STOP_CANCEL : STOP_TIMEOUT, dl,
				  DOING_BEFORE, sql, err);
	if (PQsetnonblocking(c, 1) != 0 ||
	    !PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0))
		return set_pg_error(err, NULL, PQerrorMessage(c));
	if (wait_ready(&q, 0, err) < 0)
		return -1;
	res = PQgetResult(c);
	status = PQresultStatus(res);
	if (status != PGRES_COPY_OUT) {
		if (status == PGRES_COPY_IN || status == PGRES_COPY_BOTH)
			error_set(err, "only COPY ... TO STDOUT is supported here");
		else if (status == PGRES_FATAL_ERROR)
			set_pg_error(err, NULL, PQresultErrorMessage(res));
		else
			error_set(err, "not a COPY ... TO STDOUT statement");
		PQclear(res);
		/* Whatever follows is drained or left to PQfinish. */
		if (status != PGRES_COPY_IN && status != PGRES_COPY_BOTH)
			(void)copy_end(&q, err);
		return -1;
	}
	PQclear(res);
	for (;;) {
		char *buf = NULL;
		int n = PQgetCopyData(c, &buf, 1);

		if (n > 0) {
			int r = q.stop == STOP_NONE ?
				sink(arg, buf, (size_t)n, err) : 0;
			PQfreemem(buf);
			if (r < 0) {
				send_cancel(c);
				return -1;
			}
			*bytes += (unsigned long long)n;
			/* A fast stream never waits: look at the clock here. */
			if (q.stop == STOP_NONE && (cancelled(dl) ||
			    past(dl, clock_mono_ms())) &&
			    wait_ready(&q, 1, err) < 0)
				return -1;
			continue;
		}
		if (n == 0) {
			if (wait_ready(&q, 1, err) < 0)
				return -1;
			continue;
		}
		if (n == -2) {
			if (q.stop != STOP_NONE)
				return stop_error(q.stop, dl, DOING_WAIT, sql, err);
			return set_pg_error(err, NULL, PQerrorMessage(c));
		}
		break;
	}
	return copy_end(&q, err);
}

int pg_query(PGconn *c, const char *sql, const struct pg_deadline *dl,
	     json_t **result, struct error *err)
{
	struct pg_query_opts o = { 0, NULL, dl, NULL, NULL, 0 };

	return pg_run(c, sql, &o, result, err);
}

char *pg_server_version(PGconn *c, const struct pg_deadline *dl,
			struct error *err)
{
	struct pg_result res;
	const char *v;
	char *out = NULL;

	if (pg_exec_simple(c, "SHOW server_version", dl, &res, err) < 0)
		return NULL;
	v = pg_result_cell(&res, 0, 0, NULL);
	if (v)
		out = xstrdup(v);
	else
		error_set(err, "SHOW server_version returned nothing");
	pg_result_release(&res);
	return out;
}

/* ---- connecting (after queries: the session is set up by one) -------- */

/*
 * ${vars} in a query are quoted by doubling the quote (expand.c), which
 * is safe only while backslashes are ordinary characters; a role or
 * database set to standard_conforming_strings = off would let a value
 * ending in a backslash close the literal. Pin it for every session.
 */
static int force_standard_strings(PGconn *c, const struct pg_deadline *dl,
				  struct error *err)
{
	struct pg_result res;

	if (pg_exec_simple(c, "SET standard_conforming_strings = on", dl, &res,
			   err) < 0) {
		error_prefix(err, "cannot set standard_conforming_strings");
		return -1;
	}
	pg_result_release(&res);
	return 0;
}

static void wipe(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

/*
 * PQconnectPoll until connected, within `timeout_s` (the connection's
 * connect_timeout_s) and the deadline; libpq's own connect_timeout only
 * works in its blocking calls.
 */
static PGconn *connect_async(const struct params *p, long timeout_s,
			     const struct pg_deadline *dl, struct error *err)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	long long now = clock_mono_ms(), until = now + timeout_s * 1000LL;
	int by_step = 0;
	PGconn *c;

	if (dl && dl->at_ms && dl->at_ms < until) {
		until = dl->at_ms;
		by_step = 1;
	}
	c = PQconnectStartParams(p->kw, p->val, 0);
	if (!c) {
		error_set(err, "libpq could not allocate a connection");
		return NULL;
	}
	if (PQstatus(c) == CONNECTION_BAD)
		st = PGRES_POLLING_FAILED;
	for (;;) {
		struct pollfd pfd;
		int n;

		if (st == PGRES_POLLING_OK)
			return c;
		if (st == PGRES_POLLING_FAILED) {
			set_pg_error(err, NULL, PQerrorMessage(c));
			break;
		}
		now = clock_mono_ms();
		if (cancelled(dl)) {
			stop_error(STOP_CANCEL, dl, DOING_CONNECT, NULL, err);
			break;
		}
		if (now >= until) {
			if (by_step)
				stop_error(STOP_TIMEOUT, dl, DOING_CONNECT, NULL,
					   err);
			else
				error_set(err, "timed out after %ld s connecting "
					  "(the connection's connect_timeout)", timeout_s);
			break;
		}
		pfd.fd = PQsocket(c);
		pfd.events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		pfd.revents = 0;
		if (pfd.fd < 0) {
			set_pg_error(err, NULL, PQerrorMessage(c));
			break;
		}
		n = poll(&pfd, 1, until - now < 100 ? (int)(until - now) : 100);
		if (n < 0 && errno != EINTR) {
			error_errno(err, "poll");
			break;
		}
		if (n > 0)
			st = PQconnectPoll(c);
	}
	PQfinish(c);
	return NULL;
}

PGconn *pg_connect(const struct drill_conn *conn, struct strvec *secrets,
		   const struct pg_deadline *dl, struct error *err)
{
	struct params p;
	struct strbuf pw = STRBUF_INIT;
	long timeout_s;
	PGconn *c;

	if (!conn) {
		error_set(err, "no connection parameters");
		return NULL;
	}
	if (pg_password(conn, &pw, err) < 0) {
		wipe(&pw);
		return NULL;
	}
	conn_params(conn, &p, 0);
	timeout_s = atol(p.timeout);
	if (pw.len) {
		if (secrets)
			strvec_push_unique(secrets, pw.buf);
		param(&p, "password", pw.buf);
	}
	c = connect_async(&p, timeout_s, dl, err);
	if (!c) {
		/* libpq does not echo passwords; make sure of it. */
		if (pw.len) {
			struct strvec one = STRVEC_INIT;
			strvec_push(&one, pw.buf);
			pg_redact(&err->msg, &one);
			strvec_clear(&one);
		}
		pg_redact(&err->msg, secrets);
	} else {
		PQsetNoticeProcessor(c, quiet_notices, NULL);
		if (force_standard_strings(c, dl, err) < 0) {
			PQfinish(c);
			c = NULL;
		}
	}
	wipe(&pw);
	return c;
}

PGconn *pg_connect_named(const struct drill *d, const char *name,
			 struct strvec *secrets, const struct pg_deadline *dl,
			 struct error *err)
{
	const struct drill_conn *conn = drill_conn(d, name);
	PGconn *c;

	if (!conn) {
		error_set(err, "no connection named '%s'", name ? name : "");
		return NULL;
	}
	c = pg_connect(conn, secrets, dl, err);
	if (!c)
		error_prefix(err, "connection '%s'", name);
	return c;
}

int pg_quote_ident(PGconn *c, const char *ident, struct strbuf *out,
		   struct error *err)
{
	char *q = PQescapeIdentifier(c, ident, strlen(ident));

	if (!q)
		return set_pg_error(err, "cannot quote an identifier",
				    PQerrorMessage(c));
	strbuf_adds(out, q);
	PQfreemem(q);
	return 0;
}

int pg_quote_table(PGconn *c, const char *table, struct strbuf *out,
		   struct error *err)
{
	const char *dot = strchr(table, '.');
	char *schema;
	int r;

	if (!dot)
		return pg_quote_ident(c, table, out, err);
	schema = xstrndup(table, (size_t)(dot - table));
	r = pg_quote_ident(c, schema, out, err);
	free(schema);
	if (r < 0)
		return -1;
	strbuf_addch(out, '.');
	return pg_quote_ident(c, dot + 1, out, err);
}

/* ---- waiting ------------------------------------------------------- */

const char *pg_ping_text(PGPing p)
{
	switch (p) {
	case PQPING_OK:
		return "accepting connections";
	case PQPING_REJECT:
		return "running but rejecting connections (starting up or "
		       "shutting down)";
	case PQPING_NO_RESPONSE:
		return "no response";
	case PQPING_NO_ATTEMPT:
		return "no attempt (unusable connection parameters)";
	}
	return "unknown";
}

int pg_wait(const struct drill_conn *conn, long timeout_ms,
	    volatile sig_atomic_t *cancel, struct pg_wait_result *res,
	    struct error *err)
{
	long long start = clock_mono_ms(), t = start;
	long interval = 250, max_attempt_s;
	struct params p;

	memset(res, 0, sizeof(*res));
	res->last = PQPING_NO_RESPONSE;
	if (!conn)
		return error_set(err, "no connection parameters");
	max_attempt_s = conn->connect_timeout_s.set &&
			conn->connect_timeout_s.v > 0 ?
			conn->connect_timeout_s.v : PG_DEFAULT_CONNECT_TIMEOUT;
	for (;;) {
		long left = timeout_ms - (long)(t - start), attempt_s, nap;

		if (cancel && *cancel) {
			res->elapsed_ms = (long)(clock_mono_ms() - start);
			return error_set(err, "cancelled");
		}
		/*
		 * One attempt must not outlast the wait (libpq's floor: 2 s),
		 * and PQpingParams blocks: a short attempt keeps a SIGTERM
		 * answered within PG_PING_ATTEMPT_MAX_S. A live server answers
		 * a ping in milliseconds.
		 */
		attempt_s = (left + 999) / 1000;
		if (attempt_s > max_attempt_s)
			attempt_s = max_attempt_s;
		if (attempt_s > PG_PING_ATTEMPT_MAX_S)
			attempt_s = PG_PING_ATTEMPT_MAX_S;
		if (attempt_s < 2)
			attempt_s = 2;
		conn_params(conn, &p, attempt_s);
		res->last = PQpingParams(p.kw, p.val, 0);
		res->attempts++;
		t = clock_mono_ms();
		if (res->last == PQPING_OK) {
			res->ok = 1;
			break;
		}
		if (res->last == PQPING_NO_ATTEMPT) {
			res->elapsed_ms = (long)(t - start);
			return error_set(err, "libpq did not try to connect: "
					 "the connection parameters are "
					 "unusable");
		}
		left = timeout_ms - (long)(t - start);
		if (left <= 0)
			break;
		for (nap = interval < left ? interval : left; nap > 0;
		     nap -= 50) {
			if (cancel && *cancel)
				break;
			clock_sleep_ms(nap < 50 ? nap : 50);
		}
		t = clock_mono_ms();
		if (interval < 1000)
			interval = interval * 2 > 1000 ? 1000 : interval * 2;
	}
	res->elapsed_ms = (long)(t - start);
	return 0;
}
