#ifndef RDRILL_CHECKSUM_H
#define RDRILL_CHECKSUM_H

#include <signal.h>
#include <stddef.h>

#include "sha256.h"

struct error;
struct strbuf;

/*
 * SHA-256 evidence over a set of files: the `checksum` step (hash a
 * backup set, write SHA256SUMS) and `rdrill verify` (re-hash against a
 * SHA256SUMS). Files are hashed in parallel, one file per thread at a
 * time (SHA-256 of one file is sequential), biggest first, so a set of
 * one large dump and many small files ends as early as the large one.
 *
 * Names are relative to a directory and are never absolute nor hold a
 * ".." component, on the way out as on the way in: a sums file cannot
 * make the verifier read outside the directory it was given.
 */

enum checksum_status {
	CHECKSUM_OK,
	CHECKSUM_MISMATCH,   /* verify: read fine, different hash */
	CHECKSUM_MISSING,    /* no such file */
	CHECKSUM_UNREADABLE, /* exists but could not be read as a file */
};

struct checksum_entry {
	char *name;              /* relative to the directory */
	unsigned long long size; /* bytes hashed */
	char hex[SHA256_HEX_LEN + 1];      /* hash of the file ("" if unread) */
	char expected[SHA256_HEX_LEN + 1]; /* verify: from the sums file */
	unsigned line;           /* verify: its line in the sums file */
	enum checksum_status status;
	char *error;             /* why MISSING/UNREADABLE, else NULL */
};

struct checksum_set {
	struct checksum_entry *v;
	size_t nr, alloc;
};
#define CHECKSUM_SET_INIT { NULL, 0, 0 }

void checksum_set_release(struct checksum_set *set);

/* "ok", "MISMATCH", "MISSING", "UNREADABLE": for reports and logs. */
const char *checksum_status_word(enum checksum_status st);

/*
 * Hash files of `dir` into `out` (emptied first), sorted by name (bytes,
 * as `LC_ALL=C sort`), duplicates dropped.
 *
 * `names`: NULL-terminated names relative to `dir`, or NULL for every
 * regular file below `dir`, recursively; symbolic links and other
 * non-regular files are not followed there (a link could pull in
 * anything outside the set). `exclude`: a path (as the caller would
 * open it, e.g. the SHA256SUMS about to be written) left out when it
 * is one of the files, compared by device and inode; may be NULL or not
 * exist yet. `threads`: 0 = online CPUs; never more than the files.
 *
 * -1 if a name is refused or the walk fails (`out` then empty), or if
 * any file could not be hashed: `out` then holds every entry, those that
 * failed with their status and error, so the caller can record them.
 */
int checksum_files(const char *dir, const char *const *names,
		   const char *exclude, int threads,
		   struct checksum_set *out, struct error *err);

/*
 * checksum_files() that gives up early: once `*cancel` is non-zero (a
 * SIGINT/SIGTERM handler's flag; NULL = never) or `timeout_s` seconds
 * after the call (0 = never). The walk looks at each entry, the workers
 * before each 1 MiB read, and no new file is started once stopped, so a
 * 20 GiB file does not hold the caller for minutes. A stopped call
 * returns -1 with "cancelled" or "timed out after Ns" and `out` empty:
 * hashes of half a set are no evidence, nothing to write a sums file from.
 *
 * *cancel is read by the calling thread only; the workers block signals,
 * so a handler setting it runs on the calling thread.
 */
int checksum_files_until(const char *dir, const char *const *names,
			 const char *exclude, int threads,
			 volatile sig_atomic_t *cancel, unsigned timeout_s,
			 struct checksum_set *out, struct error *err);

/*
 * Append `set` in the format `sha256sum -c` reads: "HASH  NAME\n"; a
 * name holding '\\', '\n' or '\r' gets a '\\' in front of the line and
 * those characters escaped as "\\\\", "\\n", "\\r".
 */
void checksum_format_sums(struct strbuf *out, const struct checksum_set *set);

/* Write checksum_format_sums() output to `path`, atomically. */
int checksum_write_sums(const char *path, const struct checksum_set *set,
			struct error *err);

/*
 * Read the sums file `sums_path` and re-hash each file it names,
 * relative to `dir`, into `out` (emptied first), in the file's order,
 * every entry with a status.
 *
 * Accepted lines, as GNU sha256sum -c: "HASH  NAME" (text),
 * "HASH *NAME" (binary), "SHA256 (NAME) = HASH" (BSD tag), each with a
 * leading '\\' for an escaped name; hex in either case; leading blanks,
 * CRLF endings, empty lines and '#' comments. Returns 0 when the file
 * parsed, whatever the statuses; -1 when it cannot be read, holds no
 * checksum line, or has a malformed line or a name outside `dir`
 * (the message then says "PATH:LINE: ...").
 */
int checksum_verify_sums(const char *sums_path, const char *dir, int threads,
			 struct checksum_set *out, struct error *err);

/* Entries of `set` whose status is not CHECKSUM_OK. */
size_t checksum_set_failures(const struct checksum_set *set);

#endif
