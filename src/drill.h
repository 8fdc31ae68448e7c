#ifndef RDRILL_DRILL_H
#define RDRILL_DRILL_H

#include <jansson.h>
#include <time.h>

struct error;
struct strbuf;

/*
 * Loading a drill file: YAML -> strict schema -> expanded plan body.
 *
 * The schema (drill.c) is the one description of the format: every key,
 * its type, whether it is required, and how ${vars} in it are quoted.
 * Unknown keys, wrong types, duplicates, missing fields, undefined
 * variables and dangling references are errors at their line and column.
 *
 * The result is JSON because everything downstream (plan.json, the
 * journal, the report's view model) is JSON; it holds only expanded,
 * validated values, so nothing after this point re-checks the file.
 */

struct drill_opts {
	json_t *overrides;  /* object: --var name -> value (literal), or NULL */
	time_t now;         /* the run's start: ${date}, ${date_iso}, ${time} */
};

/* The phases, in the order they run. */
extern const char *const drill_phases[];
#define DRILL_NPHASES 7

/*
 * Returns the plan body (see README "plan.json") or NULL with err set to
 * "file:line:col: what is wrong" and a caret in err->detail.
 * `sha256` receives the hex SHA-256 of the drill file's bytes.
 */
json_t *drill_load(const char *path, const struct drill_opts *opts,
		   char sha256[65], struct error *err);

/* The display form of a step's command: argv shell-quoted, or the script. */
void drill_step_display(json_t *step, struct strbuf *out);

#endif
