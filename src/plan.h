#ifndef RDRILL_PLAN_H
#define RDRILL_PLAN_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

struct drill;
struct strvec;
struct drill_step;
struct strbuf;

/*
 * The plan: a drill file expanded for one run (drill.h) plus who, when and
 * from what. Its `plan_hash` is the SHA-256 of the canonical JSON of the
 * body alone (sorted keys, no whitespace, ASCII-escaped): the same drill
 * file with the same variables and date gives the same hash on any
 * machine and by any operator, so a reviewer can approve a hash and a run
 * can prove it executed exactly that.
 *
 *   { "format": "rdrill-plan/1", "rdrill_version": ..., "created": UTC,
 *     "operator": "user@host", "drill_file": { "path", "sha256" },
 *     "plan_hash": hex, "plan": body }
 */

struct plan_info {
	const char *drill_path;
	const char *drill_sha256;
	time_t now;
};

/* The plan of drill `d`: its body with who, when and from what. */
json_t *plan_new(const struct drill *d, const struct plan_info *info);

void plan_hash(json_t *body, char out[65]);

/* "user@host" of the operator running rdrill. */
void plan_operator(struct strbuf *out);

/* ISO-8601 UTC, second precision: 2026-01-21T03:04:05Z */
void plan_format_utc(struct strbuf *out, time_t t);

/* One line saying what a built-in step checks (English, for terminals). */
void plan_step_describe(const struct drill_step *s, struct strbuf *out);
/*
 * "connection mm: database app on 127.0.0.1:5432 as user app" (never the
 * password); "connection NAME (not defined)" when there is none.
 */
void plan_conn_target(const struct drill *d, const char *name,
		      struct strbuf *out);
/* `ident` double-quoted as PostgreSQL reads it; "schema.table" per part. */
void plan_quote_ident(struct strbuf *out, const char *ident, int table);
/*
 * The last run of drill `id` in `env` among the bundles in `dir`, the
 * one a run's report compares with (history_previous_run(): verified,
 * with a verdict): its duration, verdict and bundle, as one line in
 * `out`. 0 when found, else -1.
 */
int plan_last_run(const char *dir, const char *id, const char *env,
		  struct strbuf *out);
/* The step's target lines and its timeout, for the plan. */
void plan_step_target(const struct drill *d, const struct drill_step *s,
		      struct strvec *lines);
/* "only if the destroy phase started", ...; nothing without a when:. */
void plan_step_when(const struct drill_step *s, struct strbuf *out);

/* The numbered, readable step list `rdrill plan` prints. */
void plan_print(const struct drill *d, json_t *plan, FILE *f);

/* The drill's start time: SOURCE_DATE_EPOCH if set (reproducible
 * reports and tests), else now. -1 when SOURCE_DATE_EPOCH is malformed. */
time_t plan_now(void);

#endif
