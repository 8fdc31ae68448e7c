#ifndef RDRILL_PITRPROOF_H
#define RDRILL_PITRPROOF_H

#include <stdint.h>
#include <jansson.h>

#include "bkfacts.h"

struct step_ctx;
struct error;

/*
 * What a point-in-time recovery will need, proven before the destroy
 * phase (by the basebackup and pgbackrest steps, in verify_backup), so a
 * drill never destroys production and only then finds that recovery
 * cannot work:
 *
 *   - every WAL segment from the backup's start to the newest one read
 *     for its page headers (pgwal_prove(): magic, system identifier,
 *     timeline, page addresses, segment size), on every core;
 *   - for each recover step of the drill that recovers this backup, its
 *     target: a time with a zone after the backup's end, an LSN after the
 *     backup's end and inside the proven WAL, the named restore point's
 *     record and the xid's commit (or abort) found in that WAL by
 *     pg_waldump, and the timeline recovery would follow named (a newer
 *     timeline in the archive branching from the backup's must be chosen
 *     with target_timeline, never followed by default).
 *
 * Each finding is a check of the proving step's record, and its message
 * names the segment or the target, so the destroy gate stops the run.
 */
struct pitrproof_wal {
	const char *dir;        /* the segments (an archive, or fetched copies) */
	const char *pg_bin;     /* for pg_waldump; NULL = PATH */
	const char *run_as;     /* pg_waldump's user, may be NULL */
	uint32_t tli;
	uint64_t segsize, start_lsn, stop_lsn, sysid;
	const char *stop_time;  /* the backup's end with its zone, may be NULL */
	uint64_t first, last;   /* the segments to prove */
	int have_history;       /* dir holds *.history files (a plain archive) */
	const char *where;      /* for messages: "WAL archive DIR" when NULL */
};

/*
 * The segments [first, last] by content: checks, evidence in ev["proof"],
 * message naming the first bad segment. 1 proven, 0 not, -1 err.
 */
int pitrproof_segments(struct step_ctx *sc, const struct pitrproof_wal *w,
		       json_t *ev, struct error *err);

/*
 * The targets of the recover steps that name this step, a step of kind
 * `source` (its `backup` or its `pgbackrest`): 1 all proven, 0 one not,
 * -1 err.
 */
int pitrproof_targets(struct step_ctx *sc, enum bkfacts_source source,
		      const struct pitrproof_wal *w, json_t *ev,
		      struct error *err);

/*
 * A PITR target time as rdrill accepts it: "YYYY-MM-DD HH:MM:SS[.frac]"
 * then "UTC", "GMT", "Z" or +HH[:MM]. Seconds since the epoch; -1 for
 * anything else (no zone is refused: the server would read it in its own
 * TimeZone, which the drill does not control).
 */
int pitrproof_parse_time(const char *s, double *out);

/* The number of online CPUs, 1 to 16: the WAL readers. */
int pitrproof_threads(void);

#endif
