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

/* Rows kept in a result; the count is always the true one. */
#define PG_MAX_ROWS 1000

PGconn *pg_connect(const struct drill_conn *conn, struct strvec *secrets,
		   struct error *err);

/*
 * The connection's password into `pw`: the value of its password_env, or
 * the first line of its password_file; nothing when it names neither.
 */
int pg_password(const struct drill_conn *conn, struct strbuf *pw,
		struct error *err);

/*
 * The drill's connection `name`, errors prefixed with "connection
 * 'name'". When `state` is given, the server version is recorded once in
 * state["server_versions"][name].
 */
PGconn *pg_connect_named(const struct drill *d, const char *name,
			 json_t *state, struct strvec *secrets,
			 struct error *err);

/*
 * Run one statement. Text results, streamed row by row so a huge SELECT
 * keeps at most PG_MAX_ROWS rows in memory. *result is
 *   {"columns": [name...], "rows": [[text|null...]...], "row_count": N,
 *    "truncated": true (only when rows were dropped),
 *    "affected": N (INSERT/UPDATE/DELETE...)}
 * The session's client_encoding is UTF8, so the server converts text or
 * refuses bytes that are not UTF-8 (an error, not garbage to compare);
 * any invalid byte that still came through would show as \xNN.
 * After an error the connection may be unusable: close it.
 */
int pg_query(PGconn *c, const char *sql, json_t **result, struct error *err);

struct pg_query_opts {
	int nparams;                    /* $1.. as text, never pasted in SQL */
	const char *const *params;
	volatile sig_atomic_t *cancel;  /* when it becomes set: PQcancel */
	long timeout_ms;                /* 0: none; else PQcancel after it */
};
int pg_run(PGconn *c, const char *sql, const struct pg_query_opts *o,
	   json_t **result, struct error *err);

/* `SHOW server_version` ("15.18 (Debian 15.18-0+deb12u1)"); free() it. */
char *pg_server_version(PGconn *c, struct error *err);

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

/* A cell for display: "NULL" for JSON null, else its text. */
const char *pg_cell_text(json_t *cell);
/* The same, cut after `max` bytes (on a UTF-8 boundary) with "…". */
void pg_add_cell(struct strbuf *sb, json_t *cell, size_t max);

#endif
