#ifndef RDRILL_BACKUP_H
#define RDRILL_BACKUP_H

#include <jansson.h>

#include "strvec.h"

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

/*
 * Look at item `it`'s candidates and pick the newest by their headers.
 * `full` (the run): read the one picked whole (an archive walked and
 * hashed in one pass, toc_read_archive_sha256) and hash it, falling back
 * as above; else headers only (the plan's preview). `now_ms`: for the "in the future" finding. `tmpdir`: where
 * a tar listing may be written (NULL: tar archives fall back to mtime).
 * Returns the journal's record
 *   {"type": "backup", "item", "rule", "timezone", "candidates": [...],
 *    "status": "picked" | "none" | "unreadable" | "damaged",
 *    "chosen": path, "chosen_sha256", "chosen_identity" (full only),
 *    "created_ms", "clock", "strength", "fell_back",
 *    "clock_contradicted": why the chosen file's clock is no evidence
 *    (then its RPO is FAILED; a contradicted candidate is picked only
 *    when no consistent one is whole),
 *    "problem": text, "findings": [text...]}
 * and adds to `problems` what refuses the run (no candidate, a
 * directory that cannot be read).
 */
json_t *backup_select(const struct drill_item *it, int full, long long now_ms,
		      const char *tmpdir, struct strvec *problems);

/*
 * What the run proves the steps read the picked bytes by (runner.c):
 * at the pick, the chosen file's SHA-256 ("chosen_sha256") and its
 * identity ("chosen_identity": device, inode, size, mtime and ctime in
 * ns, backup_identity()) as it was before it was read and hashed, and
 * unchanged after. Any write, truncation, rename over it or touch
 * changes the inode or its ctime, which no one but root sets back.
 */
struct stat;
json_t *backup_identity(const struct stat *st);
int backup_same_file(const struct stat *a, const struct stat *b);

/* The clock's words for the report: "pg_dump archive header" ... */
const char *backup_clock_name(const char *clock);

#endif
