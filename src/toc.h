#ifndef RDRILL_TOC_H
#define RDRILL_TOC_H

#include <stddef.h>
#include <stdint.h>

struct error;

/*
 * The table of contents of a pg_dump custom-format (-Fc) archive, the
 * evidence of the `toc` step. Two readers fill the same struct:
 *
 * - toc_read_archive() reads the archive itself (no pg_restore) and then
 *   walks every data block, because a TOC that lists fine does not prove
 *   the data behind it is there: a dump cut after its TOC passes
 *   `pg_restore -l` and fails `pg_restore` (after --clean dropped things).
 * - toc_parse_listing() parses the text of `pg_restore -l`.
 *
 * Counts, in both: `entries_total` is the archive's own count (tocCount,
 * the listing's "TOC Entries"), which includes ENCODING, STDSTRINGS and
 * SEARCHPATH and the entries only restored with -C (DATABASE, DATABASE
 * PROPERTIES, comments/ACLs on the database). `entries_listed` is how many
 * entry lines a plain `pg_restore -l` prints. `nr` is how many entries are
 * in `entries`: all of them from an archive (each with `listed` set as
 * pg_restore -l would), only the listed ones from a listing.
 *
 * Every read of an archive is bounds-checked against the file size and
 * allocations are capped by the bytes left, so hostile input fails fast
 * with a message, never a crash or a huge allocation.
 */

enum toc_section {
	TOC_SECTION_UNKNOWN = 0,	/* not in a listing */
	TOC_SECTION_NONE = 1,
	TOC_SECTION_PRE_DATA = 2,
	TOC_SECTION_DATA = 3,
	TOC_SECTION_POST_DATA = 4,
};

/* The custom format's data offset flag (values as stored). */
enum toc_data_state {
	TOC_DATA_UNKNOWN = 0,	/* not in a listing */
	TOC_DATA_NOT_SET = 1,	/* has data, position unknown (dump to a pipe) */
	TOC_DATA_SET = 2,	/* has data at data_offset */
	TOC_DATA_NONE = 3,	/* no data */
};

/* The archive's format byte (values as stored). */
enum toc_format {
	TOC_FORMAT_UNKNOWN = 0,
	TOC_FORMAT_CUSTOM = 1,
	TOC_FORMAT_TAR = 3,
	TOC_FORMAT_NULL = 4,
	TOC_FORMAT_DIRECTORY = 5,
};

struct toc_entry {
	int dump_id;
	unsigned tableoid, oid;
	/* Never NULL; "" when absent (a listing's "-" schema is ""). */
	char *desc;		/* "TABLE", "TABLE DATA", "FK CONSTRAINT"... */
	char *namespace;
	char *tag;
	char *owner;
	enum toc_section section;
	int had_dumper;		/* -1 in a listing */
	int listed;		/* shown by a plain pg_restore -l */
	enum toc_data_state data_state;
	uint64_t data_offset;	/* TOC_DATA_SET: where the data block starts */
	uint64_t data_bytes;	/* payload as stored (compressed), once walked */
	/*
	 * Archive only: where this entry's data block starts, once walked
	 * (both walks; 0 when it has none), and where its data offset field
	 * (flag byte, then off_size bytes) is in the TOC, for tools that
	 * rewrite an archive's data part (tests/helpers/pgdump-recompress).
	 */
	uint64_t block_at;
	uint64_t offset_at;
};

struct toc {
	int from_listing;	/* 1: toc_parse_listing, 0: toc_read_archive */
	int vmaj, vmin, vrev;	/* archive version, e.g. 1.14.0 */
	int int_size, off_size;
	enum toc_format format;
	char *compression;	/* "none", "gzip", "lz4", "zstd" */
	int compress_level;	/* before 1.15 only: -1 default, 0..9; else -2 */
	/*
	 * When pg_dump started, in the dump host's local time as stored (an
	 * archive has no zone): "YYYY-MM-DD HH:MM:SS". From a listing: its
	 * "Archive created at" text as printed, zone name included.
	 */
	char *created;
	int created_isdst;	/* archive only: tm_isdst as stored, else -1 */
	/*
	 * Archive only: the header's fields as stored (struct tm order:
	 * tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_isdst), the
	 * dumping host's localtime() at pg_dump's start; created_set says
	 * they were read. Turning them into an instant needs that host's
	 * zone (backup.h: backup_archive_time).
	 */
	int created_tm[7];
	int created_set;
	char *dbname;
	char *server_version;	/* "Dumped from database version" */
	char *dump_version;	/* "Dumped by pg_dump version" */

	size_t entries_total;
	size_t entries_listed;
	size_t descs_guessed;	/* listing: DESCs not known, taken as one word */
	struct toc_entry *entries;
	size_t nr, alloc;

	/* Archive only. */
	uint64_t file_size;
	uint64_t toc_end;	/* first byte after the TOC */
	int toc_complete;	/* header and every TOC entry read */
	int data_complete;	/* every data block walked to its end marker */
	int sequential;		/* some offsets unset: blocks found by a scan */
	size_t data_blocks;
	uint64_t data_bytes;	/* sum of the entries' data_bytes */
};

#define TOC_INIT { 0 }

/*
 * Read the custom-format archive at `path` and prove its data part whole:
 * each entry with data has a block of its dump id whose chunks all end
 * inside the file. Other formats (tar, directory, plain SQL, gzip) are
 * refused with a message saying what the file is. Versions 1.12 to 1.16.
 * On -1, `out` keeps what was read before the error (toc_complete tells
 * whether the TOC itself was whole); call toc_release() either way.
 */
int toc_read_archive(const char *path, struct toc *out, struct error *err);
/*
 * The same, and the SHA-256 (hex) of the whole file, hashed as it is read:
 * one pass where reading and then hashing took two. `sha256` is set only
 * on 0 (the file is then whole to its last byte).
 */
int toc_read_archive_sha256(const char *path, struct toc *out,
			    char sha256[65], struct error *err);
/* The same over bytes in memory. */
int toc_read_archive_mem(const void *buf, size_t len, struct toc *out,
			 struct error *err);

/*
 * Parse `pg_restore -l` output. DESC is matched against pg_dump's known
 * multi-word types ("TABLE DATA", "SEQUENCE OWNED BY", ...), longest
 * first; an unknown type is taken as one word. Schema is the word after
 * DESC and owner the last word, so TAG may hold spaces (names with spaces
 * in schema or owner can't be split apart: pg_restore doesn't quote).
 * -1 when the text is not a listing (no "TOC Entries" header, a line that
 * is neither a comment nor an entry).
 */
int toc_parse_listing(const char *text, size_t len, struct toc *out,
		      struct error *err);

struct toc_type_count {
	const char *desc;	/* borrowed from the toc */
	size_t count;
};

#define TOC_COUNT_LISTED 1	/* only entries pg_restore -l shows */

/*
 * Entries per desc, sorted by desc (strcmp). Returns how many distinct
 * descs; *out is malloc'd (free() it; NULL when there are none).
 */
size_t toc_count_by_type(const struct toc *toc, unsigned flags,
			 struct toc_type_count **out);

void toc_release(struct toc *toc);

/*
 * The major version in a PostgreSQL version string, for "dumped from the
 * server we restore to?": "15.18 (Debian 15.18-0+deb12u1)" -> 15,
 * "16beta2" -> 16; before 10 the major had two parts: "9.6.24" -> 906.
 * -1 when `s` does not start with a version.
 */
int toc_major_version(const char *s);
/* 1 same major, 0 different, -1 when either is not a version. */
int toc_same_major(const char *a, const char *b);

const char *toc_section_name(enum toc_section s);
const char *toc_format_name(enum toc_format f);

#endif
