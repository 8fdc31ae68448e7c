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

/*
 * WAL segments proven by content, not by name: every page header of
 * every segment of [first, last] on timeline `tli` (XLogPageHeaderData,
 * and on the first page XLogLongPageHeaderData) read and checked as the
 * server's own reader checks it before replaying: the magic number (the
 * first segment's, one of the known server versions'), the page address
 * (segment number * size + offset: a segment copied under another name
 * fails here), the page's timeline (at most the file's, never going
 * back), and on the first page the system identifier (`sysid`, 0 = take
 * the first segment's), segment size and block size. A page of zeros
 * after the last valid one ends a switched segment (the server fills the
 * rest of it so); a valid header after zeros is an error. Segments are
 * read by `threads` workers (1 to 64), each on its own segment. The
 * first bad segment (lowest number) is reported with why.
 */
struct pgwal_proof {
	uint64_t segments;      /* read and valid */
	uint64_t bytes;         /* read */
	uint64_t sysid;         /* the system identifier the WAL holds */
	uint32_t magic;         /* the pages' magic number */
	int ok;
	uint64_t bad_segno;     /* when !ok: the first bad segment */
	struct strbuf why;      /* ... and why ("unexpected pageaddr ...") */
};
#define PGWAL_PROOF_INIT { 0, 0, 0, 0, 0, 0, STRBUF_INIT }
void pgwal_proof_release(struct pgwal_proof *pr);
/* -1 with err only when nothing could be checked (bad size, no memory). */
int pgwal_prove(const char *dir, uint32_t tli, uint64_t segsize,
		uint64_t first, uint64_t last, uint64_t sysid, int threads,
		struct pgwal_proof *pr, struct error *err);
/* The page headers of one segment file's bytes (`len` = segsize). */
int pgwal_check_segment(const unsigned char *buf, size_t len, uint32_t tli,
			uint64_t segno, uint64_t segsize, uint64_t *sysid,
			uint32_t *magic, struct strbuf *why);

/*
 * Timeline history files (00000002.history) in `dir` whose ancestry
 * holds `tli` and whose branch from it lies after `lsn`: recovery with
 * recovery_target_timeline 'latest' (the server's default) would follow
 * them. The newest such timeline, its parent's switch point; 0 when none.
 */
int pgwal_newer_timeline(const char *dir, uint32_t tli, uint64_t lsn,
			 uint32_t *newer, uint64_t *switch_lsn);

#endif
