#ifndef RDRILL_RUNSUM_H
#define RDRILL_RUNSUM_H

#include <jansson.h>

/*
 * One run bundle as history, fleet, push and the plan's "last run" line
 * see it (issue 22: one journal record reader for them), typed: what
 * its journal says (read once through jrecord.h: the start record's
 * plan, the end record, the first recover step's figures) and whether
 * its evidence holds (seal.h, signoff.h). Nothing here judges a run
 * among others (a pass, a finding, OVERDUE): history.c does.
 *
 * JSON only at its edges, both here: the run as history.json and the
 * history index hold it (runsum_run_json(), key for key and in order,
 * so history.json stays byte-identical), and the index entry
 * (runsum_entry(), runsum_from_entry(); histindex.h keeps the file).
 */

/* A drill's cadence when its file gives none (history.h). */
#define RUNSUM_DEFAULT_CADENCE_S (92LL * 86400)

/* The parts of a point-in-time recovery's RTO (issue 26), in order. */
enum runsum_part {
	RUNSUM_WAL_PROOF, RUNSUM_RESTORE_FILES, RUNSUM_REPLAY_WAL,
	RUNSUM_PROMOTE, RUNSUM_NPARTS
};

/* The first recover step's own figures: "pitr" in history.json. */
struct runsum_pitr {
	int present;                    /* a recover step measured an RTO */
	long long rpo_wal_ms;           /* -1: none */
	char *rpo_kind;                 /* "archive_lag", "to_target" */
	long long part_ms[RUNSUM_NPARTS];  /* -1: not measured */
	long long recovery_ms;          /* the parts' sum, -1: none */
};

struct run_summary {
	char *bundle;           /* the bundle's path as found */
	int plan_bundle;        /* a plan bundle: no run (nothing else set) */
	/* the start record's plan */
	char *id, *environment, *title;
	long long cadence_s;    /* RUNSUM_DEFAULT_CADENCE_S when not given */
	/* the journal */
	char *started;          /* the start record's time, "" when none */
	char *status;           /* restored_verdict(), "UNREADABLE" */
	char *reason;           /* a REFUSED run's end reason, else NULL */
	char *resumes;          /* the bundle `rdrill restore` restored, "" */
	char *rpo_source;       /* the end record's, "" */
	long long rto_ms, rpo_ms;      /* -1: none (own_backup: no RPO) */
	long long duration_ms;  /* start to its end record, -1: unknown */
	struct runsum_pitr pitr;
	/* the evidence */
	char *state;            /* "verified", "cut-short", "tampered", "unsealed" */
	char *problem;          /* the first problem, NULL when none */
	char *signed_key;       /* the seal's good signer, "" when none */
	long long signoffs;
};

void runsum_init(struct run_summary *s);
void runsum_release(struct run_summary *s);

/*
 * Read and verify bundle `dir` into `s` (initialised). 0 for a run
 * (whatever its state: an unreadable journal is status "UNREADABLE"),
 * 1 for a plan bundle.
 */
int runsum_read(struct run_summary *s, const char *dir);

/*
 * Only whose run it is and when it started (the start record), for a
 * look-up that passes over other drills' runs: 0, 1 for a plan bundle,
 * -1 when the journal cannot be read.
 */
int runsum_read_start(struct run_summary *s, const char *dir);

/* The run as history.json holds it, with `signer` (history.h). */
json_t *runsum_run_json(const struct run_summary *s, const char *signer);

/* {"id", "environment", "title", "cadence_s"}: the plan's, as indexed. */
json_t *runsum_plan_json(const struct run_summary *s);

/*
 * The index entry of `s`: {"run", "plan", "duration_ms"} for a run read
 * whole, {"plan", "started"} for one read by runsum_read_start() (`whole`
 * 0), {"plan_bundle": true} for a plan bundle.
 */
json_t *runsum_entry(const struct run_summary *s, const char *signer,
		     int whole);

/*
 * The run `run` (runsum_run_json()'s, as history.json holds it, with its
 * "cadence_s") read back into `s` (initialised): what is missing or of
 * another type is left empty or -1.
 */
void runsum_from_run(struct run_summary *s, json_t *run);

/* What runsum_from_entry() found. */
enum runsum_entry_kind {
	RUNSUM_NONE = -1,       /* not an entry this rdrill wrote */
	RUNSUM_WHOLE,           /* a run read whole */
	RUNSUM_START,           /* only its plan and start */
	RUNSUM_PLAN_BUNDLE
};

/* Index entry `e` read back into `s` (initialised); `bundle` its path. */
enum runsum_entry_kind runsum_from_entry(struct run_summary *s, json_t *e,
					 const char *bundle);

#endif
