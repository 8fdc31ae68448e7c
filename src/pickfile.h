#ifndef RDRILL_PICKFILE_H
#define RDRILL_PICKFILE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/stat.h>

#include "backup.h"

struct strbuf;

/*
 * The files a run's steps read that it proves unchanged around each
 * step (runner.c): every scheduled item's pick (backup.h), and each dump
 * a toc step verified. Typed, from the pick itself, or, for `rdrill
 * restore`, from the interrupted run's journal record (the one place
 * that reads it); the runner checks, the RPO is measured, and the steps
 * that read each file are marked, from these fields, never from the
 * records it journals.
 */
struct pickfile {
	char *item;             /* the item id, or "dump verified by step X" */
	int status;             /* enum backup_pick_status; -1: unknown word */
	char *problem;          /* not picked: why ("" when not said) */
	char *path;             /* picked: the file; else NULL */
	char *sha256;           /* its SHA-256 when picked ("" unknown) */
	struct backup_ident ident;
	int ident_known;        /* the identity was recorded */
	int verified;           /* a toc step's dump, not a pick */
	/* A pick's clock, for the RPO (backup.h). */
	char *clock, *created, *contradicted;
	long long created_ms;
	unsigned char *read_by; /* [n - 1]: step n reads it */
};

struct pickfiles {
	struct pickfile *v;
	size_t nr, alloc;
	size_t nsteps;
};

void pickfiles_init(struct pickfiles *fs, size_t nsteps);
void pickfiles_release(struct pickfiles *fs);

/*
 * Add a file; the pointer returned is good until the next add. From a
 * pick made now (p->full: hashed and its identity taken); from an
 * interrupted run's journal record ({"item", "status", "problem",
 * "chosen", "chosen_sha256", "chosen_identity", "clock", "created",
 * "created_ms", "clock_contradicted"}: backup_pick_record()); a dump a
 * toc step verified, as found (`st`) and hashed.
 */
struct pickfile *pickfiles_add_pick(struct pickfiles *fs,
				    const struct backup_pick *p);
struct pickfile *pickfiles_add_record(struct pickfiles *fs, json_t *rec);
struct pickfile *pickfiles_add_verified(struct pickfiles *fs,
					const char *item, const char *path,
					const char *sha256,
					const struct stat *st);

/* Whether `f` is a picked file (status picked, a path). */
int pickfile_picked(const struct pickfile *f);

/*
 * Is `f` still the bytes picked (or verified): the same identity as
 * then? The check's texts, said `when` ("before", "after") the step:
 * what, expected and actual. 1 the same, 0 not (or gone).
 */
int pickfile_check(const struct pickfile *f, const char *when,
		   struct strbuf *what, struct strbuf *expected,
		   struct strbuf *actual);

#endif
