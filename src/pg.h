#ifndef RDRILL_PG_H
#define RDRILL_PG_H

#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>

struct drill;
struct drill_conn;
struct error;
struct strbuf;
struct strvec;

/*
 * PostgreSQL over libpq for the evidence steps (sql, wait, canary, toc).
 *
 * A connection is the drill model's (drill.h struct drill_conn): host,
 * port, dbname, user, password_env | password_file, sslmode,
 * connect_timeout_s. Parameters go to libpq as keyword/value arrays,
 * never as a conninfo string, so nothing that could be logged holds the
 * password, and a dbname is never parsed as conninfo.
 *
 * The password (from the environment variable named by password_env, or
 * the first line of password_file) is pushed onto `secrets` so the
 * runner redacts it everywhere; no message made here contains it.
 */

/*
 * Every libpq call here has a deadline. A step builds one pg_deadline
 * when it starts (pg_deadline_init: now + the step's timeout_s, and the
 * step's cancel flag, set by SIGINT/SIGTERM) and passes it to every call,
 * so connecting, BEGIN, the query, COMMIT and SHOW server_version share
 * the step's timeout. Nothing blocks: the connection is made with
 * PQconnectStartParams/PQconnectPoll and queries are sent with
 * PQsendQueryParams on a non-blocking connection, with poll() on
 * PQsocket between reads. (Host names are still resolved by libpq's
 * blocking getaddrinfo; use an address or a socket directory when DNS
 * itself may hang.)
 *
 * At the deadline, or when the cancel flag becomes set, the query is
 * cancelled (PQcancel, itself bounded by PG_CANCEL_WAIT_MS), libpq waits
 * at most PG_CANCEL_GRACE_MS for the server to stop, and the call fails:
 *   "timed out after 30 s waiting for COMMIT"
 *   "cancelled by a signal while waiting for SELECT pg_sleep(60)"
 * (the statement named shortened and escaped for a terminal). The caller
 * closes the connection (PQfinish) after any error; the runner makes a
 * step whose cancel flag is set ABORTED, any other error FAILED.
 * A NULL deadline, or at_ms 0, means none (tests only).
 */
struct deadline;
struct pg_deadline {
	long long at_ms;                /* clock_mono_ms() value; 0: none */
	long timeout_s;                 /* what the message says */
	volatile sig_atomic_t *cancel;  /* may be NULL */
};
#define PG_CANCEL_WAIT_MS 2000
#define PG_CANCEL_GRACE_MS 2000

/* A step's deadline (clock.h), with its cancel flag. */
void pg_deadline_from(struct pg_deadline *dl, const struct deadline *d,
		      volatile sig_atomic_t *cancel);

/* now + timeout_s (0: no deadline, only the cancel flag). */
void pg_deadline_init(struct pg_deadline *dl, long timeout_s,
		      volatile sig_atomic_t *cancel);

/*
 * Connect within min(the connection's connect_timeout (default 10 s), the
 * deadline).
 * An error names what was waited for ("timed out after 10 s connecting
 * (the connection's connect_timeout)"), or is libpq's message.
 */
PGconn *pg_connect(const struct drill_conn *conn, struct strvec *secrets,
		   const struct pg_deadline *dl, struct error *err);

/*
 * The connection's password into `pw`: the value of its password_env, or
 * the first line of its password_file; nothing when it names neither.
 */
int pg_password(const struct drill_conn *conn, struct strbuf *pw,
		struct error *err);

/*
 * The drill's connection `name`, errors prefixed with "connection
 * 'name'". runfacts_connect() also records the server's version.
 */
PGconn *pg_connect_named(const struct drill *d, const char *name,
			 struct strvec *secrets, const struct pg_deadline *dl,
			 struct error *err);

/*
 * Bounded results. Rows are fetched one at a time (PQsetSingleRowMode),
 * never held all at once. *result is
 *   {"columns": [name...],
 *    "rows": [[text|null...]...]   the first rows, at most PG_KEEP_ROWS
 *                                  of them and PG_KEEP_BYTES of cell text,
 *    "row_count": N,               the true count, every row
 *    "truncated": true             only when rows were left out,
 *    "sha256": hex                 of the whole result's canonical form,
 *    "affected": N                 INSERT/UPDATE/DELETE...}
 *
 * The canonical form (PG_RESULT_FORMAT, "rdrill-rows-1") is JSON Lines:
 * when the statement returns rows (even none), line 1 is the JSON array
 * of the column names, then one line per row, a JSON array of its cells
 * (a string, or null for NULL); compact JSON (no spaces), UTF-8 as is,
 * `"` and `\` escaped, control characters as \b \f \n \r \t or
 * \u00XX (upper-case hex), `/` not escaped; every line ends in "\n". A
 * statement without rows (SET, INSERT...) has the empty form. With
 * o->log_path, exactly those bytes are streamed to that file, so
 * `sha256sum` of the file is "sha256".
 *
 * The session's client_encoding is UTF8, so the server converts text or
 * refuses bytes that are not UTF-8 (an error, not garbage to compare);
 * any invalid byte that still came through would show as \xNN.
 * After an error the connection may be unusable: close it.
 */
#define PG_KEEP_ROWS 100
#define PG_KEEP_BYTES (64 * 1024)
#define PG_RESULT_FORMAT "rdrill-rows-1"

/*
 * A result, typed: what the kinds read (pg_exec). Its JSON form above is
 * the journal's (the sql step's evidence, the destroy record's captures):
 * pg_result_to_json() writes it, pg_result_from_json() reads it back
 * from a journal (every type checked: a bundle handed back is hostile).
 */
struct pg_row {
	char **cells;           /* NULL: SQL NULL */
	size_t n;
};
struct pg_result {
	struct strvec *columns; /* names; NULL until the result has columns */
	struct pg_row *rows;    /* the first rows (PG_KEEP_ROWS, _BYTES) */
	size_t nrows, arows;
	long long row_count;    /* the true count, every row */
	int truncated;          /* rows were left out */
	char sha256[65];        /* of the canonical form */
	long long affected;     /* INSERT/UPDATE/DELETE...; -1: none */
};
void pg_result_init(struct pg_result *r);
void pg_result_release(struct pg_result *r);
/*
 * Cell (row, col), NULL for SQL NULL; *have 0 when there is no such
 * cell (have may be NULL).
 */
const char *pg_result_cell(const struct pg_result *r, size_t row, size_t col,
			   int *have);
json_t *pg_result_to_json(const struct pg_result *r);
int pg_result_from_json(struct pg_result *r, json_t *j, struct error *err);

/*
 * The first row's first cell, for checks, however large, without a copy
 * of it: its length, its SHA-256 and its first PG_FIRST_KEEP bytes (a
 * cell of 100 MB is compared by length and hash).
 */
#define PG_FIRST_KEEP (64 * 1024)
struct pg_first {
	int have;               /* the result has a first cell */
	int null;
	struct strbuf *text;    /* its first bytes when !null (caller's buffer) */
	unsigned long long len; /* its whole length */
	char sha256[65];        /* of the whole cell, hex */
};

struct pg_query_opts {
	int nparams;                    /* $1.. as text, never pasted in SQL */
	const char *const *params;
	const struct pg_deadline *dl;
	const char *log_path;           /* the canonical form, streamed */
	struct pg_first *first;         /* may be NULL */
	unsigned long long log_bytes;   /* out: bytes written to log_path */
};
/* The query, *result filled (empty after an error). */
int pg_exec(PGconn *c, const char *sql, struct pg_query_opts *o,
	    struct pg_result *result, struct error *err);
/* pg_exec without parameters or log. */
int pg_exec_simple(PGconn *c, const char *sql, const struct pg_deadline *dl,
		   struct pg_result *result, struct error *err);

/*
 * pg_exec, the result in its JSON form (the journal's); the kinds take
 * pg_exec. Left for the runner's freshness query and pg's tests.
 */
int pg_run(PGconn *c, const char *sql, struct pg_query_opts *o,
	   json_t **result, struct error *err);

/* pg_run without parameters or log. */
int pg_query(PGconn *c, const char *sql, const struct pg_deadline *dl,
	     json_t **result, struct error *err);

/*
 * `COPY (...) TO STDOUT` under the deadline, like every query here: each
 * piece of data (a row, as PQgetCopyData hands it out) goes to `sink`,
 * in order, never more than one row in memory; *bytes counts them. A
 * sink returning -1 (err set) stops the COPY (the query is cancelled:
 * close the connection). Anything but a COPY TO STDOUT is an error.
 */
typedef int pg_copy_sink(void *arg, const char *data, size_t len,
			 struct error *err);
int pg_copy_out(PGconn *c, const char *sql, const struct pg_deadline *dl,
		pg_copy_sink *sink, void *arg, unsigned long long *bytes,
		struct error *err);

/* `SHOW server_version` ("15.18 (Debian 15.18-0+deb12u1)"); free() it. */
char *pg_server_version(PGconn *c, const struct pg_deadline *dl,
			struct error *err);

/*
 * "schema.table" or "table" quoted with PQescapeIdentifier (split on the
 * first dot), appended to `out`.
 */
int pg_quote_table(PGconn *c, const char *table, struct strbuf *out,
		   struct error *err);
int pg_quote_ident(PGconn *c, const char *ident, struct strbuf *out,
		   struct error *err);

/*
 * Ping (PQpingParams, no password needed) until the server accepts
 * connections or `timeout_ms` passes; 250 ms between attempts, doubling
 * to 1 s. Returns 0 when it ran (see res->ok), -1 when the parameters are
 * unusable or `cancel` was set.
 */
struct pg_wait_result {
	int ok;
	int attempts;
	long elapsed_ms;
	PGPing last;
};
int pg_wait(const struct drill_conn *conn, long timeout_ms,
	    volatile sig_atomic_t *cancel, struct pg_wait_result *res,
	    struct error *err);

/* "accepting connections", "no response", ... */
const char *pg_ping_text(PGPing p);

/* Replace every secret in `sb` with EXEC_REDACTED, as exec does. */
void pg_redact(struct strbuf *sb, const struct strvec *secrets);

/* A cell for display: "NULL" for SQL NULL (a NULL cell), else its text. */
const char *pg_cell_text(const char *cell);
/* The same, cut after `max` bytes (on a UTF-8 boundary) with "…". */
void pg_add_cell(struct strbuf *sb, const char *cell, size_t max);

#endif
