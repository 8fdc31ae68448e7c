#ifndef RDRILL_PGWAL_H
#define RDRILL_PGWAL_H

#include <stdint.h>
#include <stddef.h>

#include "strbuf.h"

struct error;

/*
 * PostgreSQL's write-ahead log seen from outside the server, for the
 * physical-backup steps (basebackup, recover): LSNs, WAL segment names,
 * backup_label and backup history files, and whether a WAL archive holds
 * every segment of a range. Everything read here is hostile input: a
 * backup or archive handed to a drill may be cut, edited or made up.
 *
 * A segment's name is TTTTTTTTXXXXXXXXYYYYYYYY: the timeline, then the
 * segment number split at 4 GiB of WAL (segno / (2^32 / segsize) and
 * segno % (2^32 / segsize)), each in 8 upper-case hex digits, as
 * XLogFileName() in PostgreSQL's xlog_internal.h writes it.
 */

#define PGWAL_SEGNAME_LEN 24
#define PGWAL_SEGSIZE_DEFAULT (16u * 1024 * 1024)

/* "16/B374D848" -> LSN. 0, or -1 when it is not one. */
int pgwal_parse_lsn(const char *s, uint64_t *lsn);
/* The LSN as PostgreSQL prints it ("16/B374D848"); buf >= 18 bytes. */
void pgwal_format_lsn(uint64_t lsn, char *buf, size_t len);
/* A power of two from 1 MiB to 1 GiB, as initdb --wal-segsize allows. */
int pgwal_segsize_valid(uint64_t segsize);
/* The name of segment `segno` of timeline `tli`; buf >= 25 bytes. */
void pgwal_segname(uint32_t tli, uint64_t segno, uint64_t segsize, char *buf,
		   size_t len);
/*
 * A segment file name (exactly 24 hex digits, nothing after) into its
 * timeline and number. 0, or -1 when `name` is not one.
 */
int pgwal_parse_segname(const char *name, uint64_t segsize, uint32_t *tli,
			uint64_t *segno);

/*
 * backup_label, or the backup history file the server archives beside
 * the WAL (.../000000010000000000000002.00000028.backup), which adds the
 * STOP lines. Lines "KEY: value"; keys that are not known are skipped, a
 * known key given twice, a value with control characters, a line longer
 * than 1 KiB or a file without START WAL LOCATION is an error.
 */
struct pgwal_label {
	uint64_t start_lsn, stop_lsn, checkpoint_lsn;
	uint32_t start_tli, stop_tli;
	int has_stop, has_checkpoint;
	struct strbuf start_time, stop_time, label, method, from;
};
#define PGWAL_LABEL_INIT { 0, 0, 0, 0, 0, 0, 0, STRBUF_INIT, STRBUF_INIT, \
			   STRBUF_INIT, STRBUF_INIT, STRBUF_INIT }
int pgwal_parse_label(const char *text, size_t len, struct pgwal_label *l,
		      struct error *err);
void pgwal_label_release(struct pgwal_label *l);

/*
 * The segments of timeline `tli` in the archive directory `dir`, from
 * `first` to `last` (last = UINT64_MAX: to the newest one the archive
 * holds on that timeline, at least `first`). A segment counts when it is
 * a regular file of exactly `segsize` bytes; a shorter one (cut while
 * copied) is named as the first bad one, like a missing one.
 */
struct pgwal_archive {
	uint64_t first, last;   /* the range checked */
	uint64_t present;       /* segments in it that count */
	uint64_t newest;        /* newest segment of the timeline seen */
	int have_newest;
	int complete;           /* every segment of [first, last] counts */
	uint64_t first_bad;     /* when not complete */
	int first_bad_short;    /* 1: there but of the wrong size */
	uint64_t bad;           /* how many do not count */
};
int pgwal_archive_check(const char *dir, uint32_t tli, uint64_t segsize,
			uint64_t first, uint64_t last, struct pgwal_archive *a,
			struct error *err);

#endif
