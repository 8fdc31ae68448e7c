#ifndef RDRILL_BKFACTS_H
#define RDRILL_BKFACTS_H

#include <jansson.h>
#include <stdint.h>

/*
 * What the physical-backup kinds tell each other within one run, typed:
 * a basebackup or pgbackrest step proves a backup and records its facts
 * here; a recover step later restores it from these facts; the proof
 * of the WAL before destroy (pitrproof.h) records the timeline each
 * recover step will replay; every directory a step leaves behind
 * (a scratch server, an unpacked tar backup) is listed for the run's
 * end (the recover kind's finish hook stops and removes them).
 *
 * One `struct bkfacts` per run, owned by the runner and reached through
 * step_ctx.bkfacts. Nothing here is journaled by the set itself: the
 * steps journal what they prove in their own records, and the recover
 * step repeats its backup's facts verbatim (`journal`, the proving
 * step's JSON form: the journal's format is JSON).
 */

enum bkfacts_source { BKFACTS_BASEBACKUP, BKFACTS_PGBACKREST };

struct bkfacts_backup {
	char *step;                     /* the proving step's id */
	enum bkfacts_source source;
	int passed;                     /* the step proved it */
	/* basebackup: the plain directory restored from, the WAL archive */
	char *dir, *wal_archive;
	/* pgbackrest: how to restore it */
	char *stanza, *config, *program, *label;
	uint64_t start_lsn, stop_lsn;
	int lsns;                       /* start_lsn and stop_lsn are known */
	char *stop_lsn_text;            /* stop_lsn as the proving step wrote it */
	uint64_t segsize;               /* 0: unknown */
	uint32_t timeline;
	char *stop_time;                /* the backup's end; NULL: unknown */
	long long wal_proof_ms;         /* the WAL proof's time; -1: none */
	json_t *journal;                /* the facts as the recover step journals them */
};

/* A directory a step left behind, stopped and removed at the run's end. */
struct bkfacts_scratch {
	char *step, *data, *sock, *pg_ctl, *run_as;
	int keep_data;                  /* a delta restore's base: kept */
};

struct bkfacts_proof {
	char *step;                     /* a recover step's id */
	long long timeline;             /* what its replay must follow; 0: unknown */
};

struct bkfacts {
	struct bkfacts_backup *backups;
	size_t nbackups, abackups;
	struct bkfacts_scratch *scratch;
	size_t nscratch, ascratch;
	struct bkfacts_proof *proofs;
	size_t nproofs, aproofs;
};

void bkfacts_init(struct bkfacts *f);
void bkfacts_release(struct bkfacts *f);

/*
 * A new entry for step `step` (an earlier one of the same step is
 * replaced), zeroed but for step and wal_proof_ms (-1); the caller fills
 * it. Its strings are the set's (bkfacts_set_str); `journal` is taken.
 */
struct bkfacts_backup *bkfacts_add_backup(struct bkfacts *f, const char *step,
					  enum bkfacts_source source);
/* *field = a copy of `s` (NULL stays NULL), freeing what was there. */
void bkfacts_set_str(char **field, const char *s);
/* The facts step `step` of kind `source` left, or NULL. */
const struct bkfacts_backup *bkfacts_backup(const struct bkfacts *f,
					    const char *step,
					    enum bkfacts_source source);

/* Listed for the run's end; `run_as` may be NULL. */
void bkfacts_add_scratch(struct bkfacts *f, const char *step, const char *data,
			 const char *sock, const char *pg_ctl,
			 const char *run_as, int keep_data);

/*
 * What a recover step asks of the backup it restores, as the proving
 * kinds read it before the destroy phase (the targets they prove, the
 * time that bounds which pgBackRest backup is picked): the recover
 * kind's own parameters, typed (NULL: not given).
 */
struct bkfacts_recover {
	const char *backup, *pgbackrest;   /* the proving step's id */
	const char *pg_bin;
	const char *target_time, *target_time_file, *target_lsn;
	const char *target_name, *target_xid, *target_timeline;
};

struct drill_step;
/*
 * Step `s`'s as a recover step into *out: 1, or 0 when `s` is no
 * recover step. Defined by the recover kind (step-recover.c), the one
 * place its parameters' struct is known.
 */
int bkfacts_recover_of(const struct drill_step *s, struct bkfacts_recover *out);

/* The timeline recover step `step` must replay (0: not proven). */
void bkfacts_set_proof(struct bkfacts *f, const char *step, long long timeline);
long long bkfacts_proof_timeline(const struct bkfacts *f, const char *step);

#endif
