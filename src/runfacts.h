#ifndef RDRILL_RUNFACTS_H
#define RDRILL_RUNFACTS_H

#include <jansson.h>

#include "fingerprint.h"
#include "pg.h"
#include "strvec.h"

/*
 * What the evidence kinds tell later steps of one run, typed: the sql
 * steps' results (for same_as), the canary's recorded row, the
 * fingerprint steps' fingerprints (for same_as), each connection's
 * server version. The physical-backup kinds' facts are bkfacts.h's.
 *
 * One `struct runfacts` per run, owned by the runner and reached through
 * step_ctx.facts. JSON only at its edges: the destroy record journals
 * the first three (runfacts_state_json(), the journal's bytes as they
 * have always been), and `rdrill restore` seeds a run from that record
 * (runfacts_seed(): the journal is hostile input, so an entry that does
 * not read back is kept with why, and the step that needs it fails
 * saying so).
 */

struct runfacts_capture {
	char *step;                 /* the sql step's id */
	struct pg_result res;
	char *bad;                  /* seeded and unreadable: why; else NULL */
};

struct runfacts_fp {
	char *step;                 /* the fingerprint step's id */
	struct fingerprint fp;
	char *bad;
};

/* The canary's row as the record action read it. */
struct runfacts_canary {
	int recorded;
	char *table;
	struct strvec key_names, key_vals;  /* the canary's key, in order */
	struct strvec columns;
	char **values;              /* one per column; NULL: SQL NULL */
	char sha256[65];            /* of the values (step-canary.c) */
	char *bad;                  /* seeded and unreadable: why */
};

struct runfacts_version {
	char *conn, *version;
};

struct runfacts {
	struct runfacts_capture *captures;
	size_t ncaptures, acaptures;
	struct runfacts_fp *fps;
	size_t nfps, afps;
	struct runfacts_canary canary;
	struct runfacts_version *versions;
	size_t nversions, aversions;
	/*
	 * A step of the kind has begun: the destroy record has always had
	 * "captures" ("fingerprints") from then on, even empty.
	 */
	int captures_begun, fps_begun;
};

void runfacts_init(struct runfacts *f);
void runfacts_release(struct runfacts *f);

/*
 * pg_connect_named(), and when `f` is given, the server version asked
 * once per connection and run (runfacts_set_version): the report names
 * what each connection was.
 */
struct drill;
struct pg_deadline;
PGconn *runfacts_connect(struct runfacts *f, const struct drill *d,
			 const char *name, struct strvec *secrets,
			 const struct pg_deadline *dl, struct error *err);

/* The server version of connection `conn`, or NULL when not yet asked. */
const char *runfacts_version(const struct runfacts *f, const char *conn);
void runfacts_set_version(struct runfacts *f, const char *conn,
			  const char *version);

/*
 * Step `step`'s result, moved into the set (*res is left empty); an
 * earlier one of the same step is replaced. Returns the kept result.
 */
const struct pg_result *runfacts_keep_capture(struct runfacts *f,
					      const char *step,
					      struct pg_result *res);
/* Step `step`'s capture, or NULL. */
const struct runfacts_capture *runfacts_capture(const struct runfacts *f,
						const char *step);

/* Likewise for a fingerprint (moved: *fp is left empty). */
void runfacts_keep_fingerprint(struct runfacts *f, const char *step,
			       struct fingerprint *fp);
const struct runfacts_fp *runfacts_fingerprint(const struct runfacts *f,
					       const char *step);

/* Forget the recorded canary row (runfacts_canary's fields released). */
void runfacts_canary_clear(struct runfacts_canary *k);
/*
 * The canary's values as the journal holds them, {column: text|null};
 * what its sha256 is of.
 */
json_t *runfacts_canary_values_json(const struct strvec *columns,
				    char *const *values);

/* The canary's record: {"table", "key", "columns", "values", "sha256"}. */
json_t *runfacts_canary_json(const struct runfacts_canary *k);

/*
 * The destroy record's "state": {"canary", "fingerprints", "captures"},
 * each when there is one, in that order.
 */
json_t *runfacts_state_json(const struct runfacts *f);
/* `rdrill restore`: the interrupted run's destroy record "state". */
void runfacts_seed(struct runfacts *f, json_t *state);

#endif
