#ifndef RDRILL_PBRINFO_H
#define RDRILL_PBRINFO_H

#include <stddef.h>
#include <stdint.h>

struct error;

/*
 * `pgbackrest info --output=json`, read in this one place into C: the
 * stanza's status and its repositories', its backups, its archive's
 * WAL ranges, its databases' system id. The text is a program's output
 * and so hostile: a value missing or of another type is left unknown
 * (NULL, -1, a flag 0), never guessed, and never a crash; what a caller
 * needs of a backup is checked by pbrinfo_backup_complete(), the
 * pgbackrest step's rule for its evidence.
 */

struct pbrinfo_repo {
	long long code;                 /* status.code; -1: not given */
	char *message;                  /* status.message; NULL: not given */
};

struct pbrinfo_backup {
	char *label, *type;             /* NULL: not text */
	int has_start, has_stop;
	long long start, stop;          /* timestamp.start, .stop (epoch s) */
	char *start_lsn, *stop_lsn;     /* lsn.start, .stop, as info wrote them */
	char *wal_start, *wal_stop;     /* archive.start, .stop: segment names */
	int has_size;
	long long size;                 /* info.size */
	long long repo_size;            /* info.repository.size; -1: none */
	int error;                      /* "error": true */
	/* Parsed by pbrinfo_backup_complete(): */
	uint64_t start_lsn_v, stop_lsn_v;
	uint32_t timeline;              /* wal_start's */
};

struct pbrinfo_archive {
	char *id, *min, *max;           /* NULL: not text */
};

struct pbrinfo {
	char *name;                     /* the stanza's */
	long long code;                 /* status.code; -1: not given */
	char *message;                  /* status.message */
	struct pbrinfo_repo *repos;
	size_t nrepos;
	struct pbrinfo_backup *backups;
	size_t nbackups;
	struct pbrinfo_archive *archives;
	size_t narchives;
	int has_sysid;
	uint64_t sysid;                 /* the last db entry's system-id */
};

void pbrinfo_init(struct pbrinfo *info);
void pbrinfo_release(struct pbrinfo *info);

/*
 * `len` bytes of info's output; the entry of stanza `stanza` into
 * *info. -1 with err: not JSON, not an array, no such stanza.
 */
int pbrinfo_parse(struct pbrinfo *info, const char *text, size_t len,
		  const char *stanza, struct error *err);

/*
 * Backup i has everything the step's evidence needs, of the right
 * type: label, type, timestamps, LSNs in order, size, its WAL range
 * as segment names (start_lsn_v, stop_lsn_v and timeline set). -1 with
 * err naming backup i + 1 when not.
 */
int pbrinfo_backup_complete(struct pbrinfo_backup *b, size_t i,
			    struct error *err);

#endif
