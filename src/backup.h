#ifndef RDRILL_BACKUP_H
#define RDRILL_BACKUP_H

#include <jansson.h>

#include "sha256.h"
#include "strvec.h"

#include <sys/stat.h>

struct drill_item;

/*
 * Scheduled backups: a backup_set item with `scheduled:` names the
 * backups a schedule already makes (a glob, or a directory of dated
 * backups), and the run restores the newest of them, by its own
 * evidence of when it was made, not by a name or an mtime that any
 * `cp` or `touch` changes.
 *
 * Each candidate's clock, strongest first:
 *   archive  a pg_dump custom-format archive's header: pg_dump's start,
 *            the dumping host's broken-down local time (tm_sec..tm_isdst,
 *            no zone). It is read in the item's `timezone:` (default:
 *            the zone rdrill runs in, its TZ) with mktime() and the
 *            stored tm_isdst, so the repeated hour when DST ends maps to
 *            the instant the dumping host meant. A stored tm_isdst that
 *            the zone contradicts for that date means the dump came from
 *            a host in another zone: a finding, because the instant may
 *            then be off by the zones' difference; the zone's own rule
 *            is used then (mktime would shift the time an hour to honour
 *            the flag).
 *   tar      a tar archive's newest member mtime (GNU tar --utc): the
 *            backup was made at or after it, so the age from it is an
 *            upper bound.
 *   mtime    the file's mtime: weak (any cp, touch or rsync changes it).
 *
 * Every candidate is recorded (path, size, mtime, creation time and its
 * clock), so the report shows what the pick was made from. Headers
 * choose: with `full`, only the candidate picked (and, when it is
 * damaged and the item says use_older, each next one tried) is read
 * whole and hashed ("read": "whole", "sha256"); the others are
 * "read": "header", never hashed.
 */

/*
 * The instant (ms since the epoch, UTC) of a header's fields (toc.h
 * created_tm) in zone `tz` (NULL: TZ as the process has it). *dst_fits
 * is 0 when the zone says DST differs from the stored tm_isdst.
 * -1 when the fields name no time.
 */
int backup_archive_time(const int tm[7], const char *tz, long long *ms,
			int *dst_fits);

/* One file the rule names, as looked at. */
struct backup_cand {
	char *path;
	long long size, mtime_ms;
	long long created_ms;   /* valid when clock != "mtime" */
	const char *clock;      /* "archive", "tar", "mtime" */
	char *created_local;    /* the header's text, archive only */
	int dst_fits;
	char *damaged;          /* why it cannot be restored, or NULL */
	long long ctime_ms;     /* the inode's change time: no cp or touch sets it back */
	struct stat st;         /* as found, before it was read */
	char *contradicted;     /* why its clock is no evidence, or NULL */
	char sha256[SHA256_HEX_LEN + 1];
	int read_whole;         /* read to its end and hashed (or tried) */
};

enum backup_pick_status {
	BACKUP_PICKED,          /* cands[chosen] is the file to restore */
	BACKUP_NONE,            /* no file matches the rule */
	BACKUP_UNREADABLE,      /* the rule's place (or its zone) cannot be read */
	BACKUP_DAMAGED,         /* the newest (or every) candidate is damaged */
};

/*
 * A pick: what was looked at and what was chosen, typed. The journal's
 * form is backup_pick_record().
 */
struct backup_pick {
	char *item, *rule;
	char *timezone;         /* the item's, else TZ, else "(local)" */
	int use_older;          /* on_damaged: use_older */
	int full;               /* read whole and hashed (the run) */
	enum backup_pick_status status;
	struct backup_cand *cands; /* consistent clocks first, newest first */
	size_t ncands, acands;
	size_t chosen;          /* picked: the index in cands */
	long long created_ms;   /* picked: its creation time by its clock */
	char *problem;          /* not picked: why, in one line */
	struct strvec findings; /* worth a reader's look, picked or not */
};

void backup_pick_init(struct backup_pick *p);
void backup_pick_release(struct backup_pick *p);

/*
 * Look at item `it`'s candidates and pick the newest by their headers
 * into `p` (initialised here; release it). `full` (the run): read the
 * one picked whole (an archive walked and hashed in one pass,
 * toc_read_archive_sha256) and hash it, falling back as above; else
 * headers only (the plan's preview). `now_ms`: for the "in the future"
 * finding. `tmpdir`: where a tar listing may be written (NULL: tar
 * archives fall back to mtime). A contradicted candidate is picked only
 * when no consistent one is whole. Adds to `problems` what refuses the
 * run (no candidate, a directory that cannot be read) and returns -1
 * then; 0 otherwise (picked or damaged: p->status says).
 */
int backup_pick(const struct drill_item *it, int full, long long now_ms,
		const char *tmpdir, struct backup_pick *p,
		struct strvec *problems);

/* The picked candidate, or NULL when the status is not BACKUP_PICKED. */
const struct backup_cand *backup_pick_chosen(const struct backup_pick *p);

/* "picked", "none", "unreadable", "damaged": the journal's words. */
const char *backup_pick_status_name(enum backup_pick_status s);

/*
 * The pick as the journal records it (JSON is the journal's format):
 *   {"type": "backup", "item", "rule", "timezone", "on_damaged",
 *    "clock_contradicted": why the chosen file's clock is no evidence
 *    (then its RPO is FAILED),
 *    "status": "picked" | "none" | "unreadable" | "damaged",
 *    "problem": text, "chosen": path, "chosen_sha256",
 *    "chosen_identity" (full only), "chosen_index", "clock", "strength",
 *    "created_ms", "created", "fell_back", "candidates": [...],
 *    "findings": [text...]}
 */
json_t *backup_pick_record(const struct backup_pick *p);

/*
 * What the run proves the steps read the picked bytes by (runner.c):
 * at the pick, the chosen file's SHA-256 ("chosen_sha256") and its
 * identity ("chosen_identity": device, inode, size, mtime and ctime in
 * ns, backup_identity()) as it was before it was read and hashed, and
 * unchanged after. Any write, truncation, rename over it or touch
 * changes the inode or its ctime, which no one but root sets back.
 */
json_t *backup_identity(const struct stat *st);
int backup_same_file(const struct stat *a, const struct stat *b);

/* That identity, typed: what the runner compares a file with. */
struct backup_ident {
	long long dev, ino, size, mtime_ns, ctime_ns;
};

void backup_ident_of(const struct stat *st, struct backup_ident *id);
/*
 * From the journal's form (backup_identity(), an interrupted run's
 * pick read back by `rdrill restore`): 0, or -1 (zeroed) when `o` is
 * not exactly those five numbers.
 */
int backup_ident_from_json(json_t *o, struct backup_ident *id);
int backup_ident_equal(const struct backup_ident *a,
		       const struct backup_ident *b);

/* The clock's words for the report: "pg_dump archive header" ... */
const char *backup_clock_name(const char *clock);

#endif
