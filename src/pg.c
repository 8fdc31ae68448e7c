#include "pg.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "secret.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PG_DEFAULT_CONNECT_TIMEOUT 10
/* How long a cancelled query may take to stop before we give up on it. */
#define PG_CANCEL_GRACE_MS 5000
#define PG_CANCEL_RESEND_MS 500


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

const char *pg_cell_text(json_t *cell)
{
	if (!cell || json_is_null(cell))
		return "NULL";
	return json_string_value(cell) ? json_string_value(cell) : "";
}

void pg_add_cell(struct strbuf *sb, json_t *cell, size_t max)
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
		if (strbuf_read_file(pw, file, 64 * 1024) < 0)
			return error_errno(err, "password_file: cannot read %s",
					   file);
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

/*
 * ${vars} in a query are quoted by doubling the quote (expand.c), which
 * is safe only while backslashes are ordinary characters; a role or
 * database set to standard_conforming_strings = off would let a value
 * ending in a backslash close the literal. Pin it for every session.
 */
static int force_standard_strings(PGconn *c, struct error *err)
{
	PGresult *res = PQexec(c, "SET standard_conforming_strings = on");
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		error_set(err, "cannot set standard_conforming_strings: %s",
			  PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

static void wipe(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

PGconn *pg_connect(const struct drill_conn *conn, struct strvec *secrets,
		   struct error *err)
{
	struct params p;
	struct strbuf pw = STRBUF_INIT;
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
	if (pw.len) {
		if (secrets)
			strvec_push_unique(secrets, pw.buf);
		param(&p, "password", pw.buf);
	}
	c = PQconnectdbParams(p.kw, p.val, 0);
	if (!c) {
		wipe(&pw);
		error_set(err, "libpq could not allocate a connection");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		struct strbuf sb = STRBUF_INIT;
		add_message(&sb, PQerrorMessage(c));
		/* libpq does not echo passwords; make sure of it. */
		if (pw.len) {
			struct strvec one = STRVEC_INIT;
			strvec_push(&one, pw.buf);
			pg_redact(&sb, &one);
			strvec_clear(&one);
		}
		pg_redact(&sb, secrets);
		error_set(err, "%s", sb.buf);
		strbuf_release(&sb);
		PQfinish(c);
		c = NULL;
	} else {
		PQsetNoticeProcessor(c, quiet_notices, NULL);
		if (force_standard_strings(c, err) < 0) {
			PQfinish(c);
			c = NULL;
		}
	}
	wipe(&pw);
	return c;
}

PGconn *pg_connect_named(const struct drill *d, const char *name,
			 json_t *state, struct strvec *secrets,
			 struct error *err)
{
	const struct drill_conn *conn = drill_conn(d, name);
	json_t *versions;
	PGconn *c;
	char *v;

	if (!conn) {
		error_set(err, "no connection named '%s'", name ? name : "");
		return NULL;
	}
	c = pg_connect(conn, secrets, err);
	if (!c) {
		error_prefix(err, "connection '%s'", name);
		return NULL;
	}
	if (!state)
		return c;
	versions = json_object_get(state, "server_versions");
	if (!versions) {
		versions = json_object();
		json_object_set_new(state, "server_versions", versions);
	}
	if (json_object_get(versions, name))
		return c;
	v = pg_server_version(c, err);
	if (!v) {
		error_prefix(err, "connection '%s'", name);
		PQfinish(c);
		return NULL;
	}
	json_object_set_new(versions, name, json_string(v));
	free(v);
	return c;
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

struct collect {
	json_t *columns;
	json_t *rows;
	long long count;
	long long affected;
	int truncated;
};

static void collect_rows(struct collect *col, PGresult *res)
{
	int nf = PQnfields(res), nt = PQntuples(res), r, f;

	if (!col->columns) {
		col->columns = json_array();
		for (f = 0; f < nf; f++)
			json_array_append_new(col->columns,
					      cell_json(PQfname(res, f),
							strlen(PQfname(res, f))));
	}
	for (r = 0; r < nt; r++) {
		json_t *row;
		col->count++;
		if (json_array_size(col->rows) >= PG_MAX_ROWS) {
			col->truncated = 1;
			continue;
		}
		row = json_array();
		for (f = 0; f < nf; f++) {
			size_t len = (size_t)PQgetlength(res, r, f);
			json_array_append_new(row, PQgetisnull(res, r, f) ?
					      json_null() :
					      cell_json(PQgetvalue(res, r, f),
							len));
		}
		json_array_append_new(col->rows, row);
	}
}

enum stop { STOP_NONE, STOP_CANCEL, STOP_TIMEOUT };

static void send_cancel(PGconn *c)
{
	PGcancel *cn = PQgetCancel(c);
	char buf[256];

	if (cn) {
		PQcancel(cn, buf, sizeof(buf));
		PQfreeCancel(cn);
	}
}

/* Wait for input, watching the cancel flag and the deadline. */
static int wait_ready(PGconn *c, const struct pg_query_opts *o,
		      long long deadline, enum stop *stop, long long *stopped_at,
		      struct error *err)
{
	while (PQisBusy(c)) {
		struct pollfd pfd;
		long long t = clock_mono_ms();

		if (*stop == STOP_NONE) {
			if (o && o->cancel && *o->cancel)
				*stop = STOP_CANCEL;
			else if (deadline && t >= deadline)
				*stop = STOP_TIMEOUT;
			if (*stop != STOP_NONE) {
				*stopped_at = t;
				send_cancel(c);
			}
		} else if (t - *stopped_at > PG_CANCEL_GRACE_MS) {
			return error_set(err, "the server did not stop the "
					 "query when asked to");
		} else if ((t - *stopped_at) / PG_CANCEL_RESEND_MS !=
			   (t - *stopped_at - 100) / PG_CANCEL_RESEND_MS) {
			/*
			 * A cancel that reaches the backend before the query
			 * does is ignored; ask again until it stops.
			 */
			send_cancel(c);
		}
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return set_pg_error(err, NULL, PQerrorMessage(c));
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			return error_errno(err, "poll");
		if (!PQconsumeInput(c))
			return set_pg_error(err, NULL, PQerrorMessage(c));
	}
	return 0;
}

int pg_run(PGconn *c, const char *sql, const struct pg_query_opts *o,
	   json_t **result, struct error *err)
{
	struct collect col = { NULL, json_array(), 0, -1, 0 };
	struct strbuf failure = STRBUF_INIT;
	long long deadline = 0, stopped_at = 0;
	enum stop stop = STOP_NONE;
	PGresult *res;
	int ret = -1;

	*result = NULL;
	if (o && o->cancel && *o->cancel) {
		error_set(err, "cancelled");
		goto out;
	}
	if (o && o->timeout_ms > 0)
		deadline = clock_mono_ms() + o->timeout_ms;
	if (!PQsendQueryParams(c, sql, o ? o->nparams : 0, NULL,
			       o ? o->params : NULL, NULL, NULL, 0)) {
		set_pg_error(err, NULL, PQerrorMessage(c));
		goto out;
	}
	/* Only PG_MAX_ROWS rows are kept: do not let libpq hold them all. */
	PQsetSingleRowMode(c);
	for (;;) {
		if (wait_ready(c, o, deadline, &stop, &stopped_at, err) < 0)
			goto out;
		res = PQgetResult(c);
		if (!res)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			collect_rows(&col, res);
			break;
		case PGRES_COMMAND_OK:
			if (*PQcmdTuples(res))
				col.affected = atoll(PQcmdTuples(res));
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
	if (stop == STOP_CANCEL) {
		error_set(err, "cancelled");
		goto out;
	}
	if (stop == STOP_TIMEOUT) {
		error_set(err, "timed out after %.1f s", o->timeout_ms / 1000.0);
		goto out;
	}
	if (failure.len) {
		error_set(err, "%s", failure.buf);
		goto out;
	}
	*result = json_object();
	json_object_set_new(*result, "columns",
			    col.columns ? col.columns : json_array());
	col.columns = NULL;
	json_object_set_new(*result, "rows", col.rows);
	col.rows = NULL;
	json_object_set_new(*result, "row_count", json_integer(col.count));
	if (col.truncated)
		json_object_set_new(*result, "truncated", json_true());
	if (col.affected >= 0)
		json_object_set_new(*result, "affected",
				    json_integer(col.affected));
	ret = 0;
out:
	json_decref(col.columns);
	json_decref(col.rows);
	strbuf_release(&failure);
	return ret;
}

int pg_query(PGconn *c, const char *sql, json_t **result, struct error *err)
{
	return pg_run(c, sql, NULL, result, err);
}

char *pg_server_version(PGconn *c, struct error *err)
{
	json_t *res, *v;
	char *out = NULL;

	if (pg_query(c, "SHOW server_version", &res, err) < 0)
		return NULL;
	v = json_array_get(json_array_get(json_object_get(res, "rows"), 0), 0);
	if (json_is_string(v))
		out = xstrdup(json_string_value(v));
	else
		error_set(err, "SHOW server_version returned nothing");
	json_decref(res);
	return out;
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
		/* One attempt must not outlast the wait (libpq's floor: 2 s). */
		attempt_s = (left + 999) / 1000;
		if (attempt_s > max_attempt_s)
			attempt_s = max_attempt_s;
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
