#include "toc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * Layout facts come from PostgreSQL's pg_backup_archiver.c (ReadHead,
 * ReadToc, ReadInt, ReadStr, ReadOffset) and pg_backup_custom.c (block
 * headers, chunks, large objects); see REFERENCE.md.
 */
#define K_VERS_MIN 12		/* 1.12: PostgreSQL 9.0 */
#define K_VERS_TABLEAM 14	/* 1.14: TOC entries carry tableam */
#define K_VERS_COMPRESS_ALGO 15	/* 1.15: compression is an algorithm byte */
#define K_VERS_RELKIND 16	/* 1.16: TOC entries carry relkind */
#define K_VERS_MAX 16

#define BLK_DATA 1
#define BLK_BLOBS 3

#define RD_BUF (256u << 10)

/*
 * A bounds-checked reader over a file (pread through one buffer, so a
 * walk that hops from chunk header to chunk header reads each region
 * once) or over memory. Nothing is read past `size`, and every length
 * taken from the archive is checked against the bytes left before use.
 */
struct rd {
	int fd;
	const unsigned char *mem;
	uint64_t size;
	uint64_t pos;
	unsigned char *buf;
	uint64_t buf_start;
	size_t buf_len;
	int int_size, off_size;
	struct strbuf where;	/* "header", "TOC entry 3 of 24 (...)" */
	struct error *err;
	/*
	 * toc_read_archive_sha256: every byte the file holds hashed as the
	 * reads pass, in order; bytes the walk hops over are read for the
	 * hash alone (hash_to), so the file is read once, not twice.
	 */
	struct sha256_stream *hash;
	uint64_t hashed;	/* bytes [0, hashed) are in `hash` */
};

static int rd_trunc(struct rd *rd, const char *field, uint64_t n)
{
	return error_set(rd->err, "archive truncated: %s, %s: needs %" PRIu64
			 " bytes at byte %" PRIu64 " but the file ends at byte %"
			 PRIu64, rd->where.buf, field, n, rd->pos, rd->size);
}

__attribute__((format(printf, 4, 5)))
static int rd_corrupt(struct rd *rd, const char *field, uint64_t at,
		      const char *fmt, ...)
{
	va_list ap;

	error_set(rd->err, "corrupt archive: %s, %s: ", rd->where.buf, field);
	va_start(ap, fmt);
	strbuf_vaddf(&rd->err->msg, fmt, ap);
	va_end(ap);
	strbuf_addf(&rd->err->msg, " (at byte %" PRIu64 ")", at);
	return -1;
}

static uint64_t rd_left(const struct rd *rd)
{
	return rd->pos < rd->size ? rd->size - rd->pos : 0;
}

static int rd_pread(struct rd *rd, uint64_t at)
{
	ssize_t got;

	do {
		got = pread(rd->fd, rd->buf, RD_BUF, (off_t)at);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return error_errno(rd->err, "read error at byte %" PRIu64, at);
	if (got == 0)
		return error_set(rd->err, "the file shrank while being read "
				 "(no byte %" PRIu64 ")", at);
	rd->buf_start = at;
	rd->buf_len = (size_t)got;
	return 0;
}

/* The buffer's bytes past `hashed` into the hash (none before it). */
static void rd_hash_buf(struct rd *rd)
{
	uint64_t end = rd->buf_start + rd->buf_len;

	if (!rd->hash || rd->buf_start > rd->hashed || end <= rd->hashed)
		return;
	sha256_stream_add(rd->hash, rd->buf + (rd->hashed - rd->buf_start),
			  (size_t)(end - rd->hashed));
	rd->hashed = end;
}

/* Hash [hashed, to): the bytes a walk hops over are read for it alone. */
static int rd_hash_to(struct rd *rd, uint64_t to)
{
	if (!rd->hash)
		return 0;
	while (rd->hashed < to) {
		if (rd_pread(rd, rd->hashed) < 0)
			return -1;
		rd_hash_buf(rd);
	}
	return 0;
}

static int rd_fill(struct rd *rd)
{
	if (rd_hash_to(rd, rd->pos) < 0 || rd_pread(rd, rd->pos) < 0)
		return -1;
	rd_hash_buf(rd);
	return 0;
}

static int rd_read(struct rd *rd, void *dst, size_t n, const char *field)
{
	unsigned char *d = dst;

	if (n > rd_left(rd))
		return rd_trunc(rd, field, n);
	if (rd->mem) {
		memcpy(d, rd->mem + rd->pos, n);
		rd->pos += n;
		return 0;
	}
	while (n) {
		size_t k;

		if (rd->pos < rd->buf_start ||
		    rd->pos >= rd->buf_start + rd->buf_len) {
			if (rd_fill(rd) < 0)
				return -1;
		}
		k = (size_t)(rd->buf_start + rd->buf_len - rd->pos);
		if (k > n)
			k = n;
		memcpy(d, rd->buf + (rd->pos - rd->buf_start), k);
		d += k;
		n -= k;
		rd->pos += k;
	}
	return 0;
}

static int rd_byte(struct rd *rd, const char *field, int *v)
{
	unsigned char b;

	if (rd_read(rd, &b, 1, field) < 0)
		return -1;
	*v = b;
	return 0;
}

/* int: a sign byte (0/1), then int_size bytes of magnitude, LSB first. */
static int rd_int(struct rd *rd, const char *field, int64_t *v)
{
	unsigned char b[9];
	uint64_t at = rd->pos, mag = 0;
	int i;

	if (rd_read(rd, b, 1 + (size_t)rd->int_size, field) < 0)
		return -1;
	if (b[0] > 1)
		return rd_corrupt(rd, field, at, "sign byte %d", b[0]);
	for (i = 0; i < rd->int_size; i++)
		mag |= (uint64_t)b[1 + i] << (8 * i);
	if (mag > (uint64_t)INT64_MAX)
		return rd_corrupt(rd, field, at, "integer out of range");
	*v = b[0] ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

/* The length of a str; -1 is NULL, other negatives are corrupt. */
static int rd_strlen(struct rd *rd, const char *field, int64_t *len)
{
	uint64_t at = rd->pos;

	if (rd_int(rd, field, len) < 0)
		return -1;
	if (*len < -1)
		return rd_corrupt(rd, field, at, "string length %" PRId64,
				  *len);
	if (*len > 0 && (uint64_t)*len > rd_left(rd))
		return error_set(rd->err, "archive truncated: %s, %s: a %"
				 PRId64 "-byte string at byte %" PRIu64
				 " runs past the end of the file (%" PRIu64
				 " bytes)", rd->where.buf, field, *len,
				 rd->pos, rd->size);
	return 0;
}

/* A str into a fresh buffer; NULL when stored as NULL. */
static int rd_str(struct rd *rd, const char *field, char **out)
{
	int64_t len;
	char *s;

	*out = NULL;
	if (rd_strlen(rd, field, &len) < 0)
		return -1;
	if (len < 0)
		return 0;
	s = xmalloc((size_t)len + 1);
	if (rd_read(rd, s, (size_t)len, field) < 0) {
		free(s);
		return -1;
	}
	s[len] = '\0';
	*out = s;
	return 0;
}

/* A str that must be there (pg_restore would crash on NULL). */
static int rd_str_nn(struct rd *rd, const char *field, char **out)
{
	uint64_t at = rd->pos;

	if (rd_str(rd, field, out) < 0)
		return -1;
	if (!*out)
		return rd_corrupt(rd, field, at, "missing (NULL)");
	return 0;
}

/*
 * Skip a str we don't keep (definitions can be megabytes), keeping its
 * first bytes in `head` (NUL-terminated). *len is -1 for NULL.
 */
static int rd_skip_str(struct rd *rd, const char *field, char *head,
		       size_t headsz, int64_t *len)
{
	size_t keep;

	head[0] = '\0';
	if (rd_strlen(rd, field, len) < 0)
		return -1;
	if (*len <= 0)
		return 0;
	keep = (uint64_t)*len < headsz - 1 ? (size_t)*len : headsz - 1;
	if (rd_read(rd, head, keep, field) < 0)
		return -1;
	head[keep] = '\0';
	rd->pos += (uint64_t)*len - keep;	/* checked by rd_strlen */
	return 0;
}

/* offset: a flag byte (1 not set, 2 set, 3 no data), off_size bytes. */
static int rd_offset(struct rd *rd, const char *field, int *flag,
		     uint64_t *off)
{
	unsigned char b[9];
	uint64_t at = rd->pos;
	int i;

	if (rd_read(rd, b, 1 + (size_t)rd->off_size, field) < 0)
		return -1;
	if (b[0] < TOC_DATA_NOT_SET || b[0] > TOC_DATA_NONE)
		return rd_corrupt(rd, field, at, "data offset flag %d", b[0]);
	*flag = b[0];
	*off = 0;
	for (i = 0; i < rd->off_size; i++)
		*off |= (uint64_t)b[1 + i] << (8 * i);
	return 0;
}

static char *dup_or_empty(char *s)
{
	return s ? s : xstrdup("");
}

static int has_bytes(const unsigned char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(h + i, needle, k))
			return 1;
	return 0;
}

/* Say what a file without the PGDMP magic is, when we can tell. */
static int not_custom(struct rd *rd)
{
	unsigned char head[512];
	size_t n = rd->size < sizeof(head) ? (size_t)rd->size : sizeof(head);

	rd->pos = 0;
	if (rd_read(rd, head, n, "magic") < 0)
		return -1;
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return error_set(rd->err, "a gzip-compressed file, not a "
				 "pg_dump custom-format archive (custom "
				 "archives compress inside; gunzip it first "
				 "if it holds one)");
	if (n >= 262 && memcmp(head + 257, "ustar", 5) == 0)
		return error_set(rd->err, "a tar archive (pg_dump -Ft?), not a "
				 "custom-format archive: only pg_dump -Fc "
				 "archives are checked");
	if (has_bytes(head, n, "PostgreSQL database dump") ||
	    has_bytes(head, n, "PostgreSQL database cluster dump"))
		return error_set(rd->err, "a plain SQL script (pg_dump -Fp or "
				 "pg_dumpall), not a custom-format archive: "
				 "it has no TOC to check");
	if (rd->size < 5)
		return error_set(rd->err, "not a pg_dump archive: %" PRIu64
				 " bytes, too short for the PGDMP header",
				 rd->size);
	return error_set(rd->err, "not a pg_dump archive: no PGDMP magic at "
			 "the start");
}

static int read_header(struct rd *rd, struct toc *t)
{
	static const char *algos[] = { "none", "gzip", "lz4", "zstd" };
	static const char *tm_names[] = {
		"tm_sec", "tm_min", "tm_hour", "tm_mday", "tm_mon", "tm_year",
		"tm_isdst"
	};
	static const int tm_min[] = { 0, 0, 0, 1, 0, 0, -1 };
	static const int tm_max[] = { 61, 59, 23, 31, 11, 1100, 1 };
	struct strbuf sb = STRBUF_INIT;
	unsigned char magic[5];
	int64_t tm[7];
	int b, i;

	strbuf_adds(&rd->where, "header");
	if (rd->size < 5)
		return not_custom(rd);
	if (rd_read(rd, magic, 5, "magic") < 0)
		return -1;
	if (memcmp(magic, "PGDMP", 5) != 0)
		return not_custom(rd);

	if (rd_byte(rd, "version", &t->vmaj) < 0 ||
	    rd_byte(rd, "version", &t->vmin) < 0 ||
	    rd_byte(rd, "version", &t->vrev) < 0)
		return -1;
	if (t->vmaj != 1 || t->vmin < K_VERS_MIN || t->vmin > K_VERS_MAX)
		return error_set(rd->err, "unsupported archive version "
				 "%d.%d.%d (rdrill reads 1.%d to 1.%d: "
				 "pg_dump 9.0 to 18)", t->vmaj, t->vmin,
				 t->vrev, K_VERS_MIN, K_VERS_MAX);

	if (rd_byte(rd, "integer size", &t->int_size) < 0)
		return -1;
	if (t->int_size < 1 || t->int_size > 8)
		return rd_corrupt(rd, "integer size", rd->pos - 1,
				  "%d bytes (sanity check: 1 to 8)",
				  t->int_size);
	rd->int_size = t->int_size;
	if (rd_byte(rd, "offset size", &t->off_size) < 0)
		return -1;
	if (t->off_size < 1 || t->off_size > 8)
		return rd_corrupt(rd, "offset size", rd->pos - 1,
				  "%d bytes (sanity check: 1 to 8)",
				  t->off_size);
	rd->off_size = t->off_size;

	if (rd_byte(rd, "format", &b) < 0)
		return -1;
	t->format = b;
	switch (b) {
	case TOC_FORMAT_CUSTOM:
		break;
	case TOC_FORMAT_TAR:
		return error_set(rd->err, "the TOC of a tar-format archive "
				 "(pg_dump -Ft): only custom-format (-Fc) "
				 "archives are checked");
	case TOC_FORMAT_DIRECTORY:
		return error_set(rd->err, "the toc.dat of a directory-format "
				 "archive (pg_dump -Fd): only custom-format "
				 "(-Fc) archives are checked");
	default:
		return rd_corrupt(rd, "format", rd->pos - 1,
				  "unknown archive format %d", b);
	}

	t->compress_level = -2;
	if (t->vmin >= K_VERS_COMPRESS_ALGO) {
		if (rd_byte(rd, "compression", &b) < 0)
			return -1;
		if (b > 3)
			return rd_corrupt(rd, "compression", rd->pos - 1,
					  "unknown algorithm %d", b);
		t->compression = xstrdup(algos[b]);
	} else {
		int64_t level;
		uint64_t at = rd->pos;

		if (rd_int(rd, "compression", &level) < 0)
			return -1;
		if (level < -1 || level > 9)
			return rd_corrupt(rd, "compression", at,
					  "zlib level %" PRId64, level);
		t->compress_level = (int)level;
		t->compression = xstrdup(level ? "gzip" : "none");
	}

	for (i = 0; i < 7; i++) {
		uint64_t at = rd->pos;

		if (rd_int(rd, "creation time", &tm[i]) < 0)
			return -1;
		if (tm[i] < tm_min[i] || tm[i] > tm_max[i])
			return rd_corrupt(rd, "creation time", at,
					  "%s = %" PRId64, tm_names[i], tm[i]);
	}
	strbuf_addf(&sb, "%04d-%02d-%02d %02d:%02d:%02d", (int)tm[5] + 1900,
		    (int)tm[4] + 1, (int)tm[3], (int)tm[2], (int)tm[1],
		    (int)tm[0]);
	t->created = strbuf_detach(&sb, NULL);
	t->created_isdst = (int)tm[6];
	for (i = 0; i < 7; i++)
		t->created_tm[i] = (int)tm[i];
	t->created_set = 1;

	if (rd_str(rd, "database name", &t->dbname) < 0)
		return -1;
	t->dbname = dup_or_empty(t->dbname);
	if (rd_str(rd, "server version", &t->server_version) < 0)
		return -1;
	t->server_version = dup_or_empty(t->server_version);
	if (rd_str(rd, "pg_dump version", &t->dump_version) < 0)
		return -1;
	t->dump_version = dup_or_empty(t->dump_version);
	return 0;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Would a plain `pg_restore -l` print this entry? Mirrors
 * _tocEntryRequired() with default options: special entries are never
 * shown, database-level ones only with -C, and an entry with neither a
 * data part nor a definition has nothing to restore.
 */
static int listed_by_pg_restore(const struct toc_entry *e, const char *defn)
{
	const char *d = e->desc;
	int lo = starts_with(e->tag, "LARGE OBJECT");
	int dependent = !strcmp(d, "ACL") || !strcmp(d, "COMMENT") ||
		!strcmp(d, "SECURITY LABEL");
	int schema = 1, data = 1;

	if (!strcmp(d, "ENCODING") || !strcmp(d, "STDSTRINGS") ||
	    !strcmp(d, "SEARCHPATH") || !strcmp(d, "DATABASE") ||
	    !strcmp(d, "DATABASE PROPERTIES"))
		return 0;
	if (dependent && starts_with(e->tag, "DATABASE "))
		return 0;
	if (!e->had_dumper) {
		if (!strcmp(d, "SEQUENCE SET") || !strcmp(d, "BLOB") ||
		    !strcmp(d, "BLOB METADATA") || (dependent && lo))
			schema = 0;
		else
			data = 0;
	}
	if (!defn[0] || starts_with(defn, "-- load via partition root "))
		schema = 0;
	if (!strcmp(d, "<Init>") && !strcmp(e->tag, "Max OID"))
		return 0;
	return schema || data;
}

static int parse_oid(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static void describe_entry(struct strbuf *sb, const struct toc_entry *e)
{
	strbuf_adds(sb, e->desc);
	if (e->namespace[0])
		strbuf_addf(sb, " %s", e->namespace);
	if (e->tag[0])
		strbuf_addf(sb, " %s", e->tag);
}

/* Replace *slot (an entry's string, never NULL) with a str read now. */
static int rd_str_into(struct rd *rd, const char *field, char **slot,
		       int must)
{
	char *s;

	if ((must ? rd_str_nn(rd, field, &s) : rd_str(rd, field, &s)) < 0)
		return -1;
	free(*slot);
	*slot = dup_or_empty(s);
	return 0;
}

static int read_entry(struct rd *rd, struct toc *t, size_t i, int64_t count)
{
	struct toc_entry *e;
	char head[32], junk[2], *s;
	int64_t v, len;
	uint64_t at;
	int flag = 0;

	XGROW(t->entries, t->nr + 1, t->alloc);
	e = &t->entries[t->nr++];
	memset(e, 0, sizeof(*e));
	e->desc = xstrdup("");
	e->namespace = xstrdup("");
	e->tag = xstrdup("");
	e->owner = xstrdup("");

	strbuf_reset(&rd->where);
	strbuf_addf(&rd->where, "TOC entry %zu of %" PRId64, i + 1, count);
	at = rd->pos;
	if (rd_int(rd, "dump id", &v) < 0)
		return -1;
	if (v <= 0 || v > INT_MAX)
		return rd_corrupt(rd, "dump id", at, "%" PRId64 " out of range",
				  v);
	e->dump_id = (int)v;
	strbuf_addf(&rd->where, " (dump id %d)", e->dump_id);

	at = rd->pos;
	if (rd_int(rd, "hadDumper", &v) < 0)
		return -1;
	if (v != 0 && v != 1)
		return rd_corrupt(rd, "hadDumper", at, "%" PRId64, v);
	e->had_dumper = (int)v;

	at = rd->pos;
	if (rd_str_nn(rd, "tableoid", &s) < 0)
		return -1;
	if (parse_oid(s, &e->tableoid) < 0) {
		free(s);
		return rd_corrupt(rd, "tableoid", at, "not an OID");
	}
	free(s);
	at = rd->pos;
	if (rd_str_nn(rd, "oid", &s) < 0)
		return -1;
	if (parse_oid(s, &e->oid) < 0) {
		free(s);
		return rd_corrupt(rd, "oid", at, "not an OID");
	}
	free(s);

	if (rd_str_into(rd, "tag", &e->tag, 0) < 0)
		return -1;
	at = rd->pos;
	if (rd_str_into(rd, "desc", &e->desc, 1) < 0)
		return -1;
	if (!e->desc[0])
		return rd_corrupt(rd, "desc", at, "empty");

	at = rd->pos;
	if (rd_int(rd, "section", &v) < 0)
		return -1;
	if (v < TOC_SECTION_NONE || v > TOC_SECTION_POST_DATA)
		return rd_corrupt(rd, "section", at, "%" PRId64, v);
	e->section = (enum toc_section)v;

	if (rd_skip_str(rd, "defn", head, sizeof(head), &len) < 0 ||
	    rd_skip_str(rd, "dropStmt", junk, sizeof(junk), &len) < 0 ||
	    rd_skip_str(rd, "copyStmt", junk, sizeof(junk), &len) < 0 ||
	    rd_str_into(rd, "namespace", &e->namespace, 0) < 0 ||
	    rd_skip_str(rd, "tablespace", junk, sizeof(junk), &len) < 0)
		return -1;
	if (t->vmin >= K_VERS_TABLEAM &&
	    rd_skip_str(rd, "tableam", junk, sizeof(junk), &len) < 0)
		return -1;
	if (t->vmin >= K_VERS_RELKIND && rd_int(rd, "relkind", &v) < 0)
		return -1;
	if (rd_str_into(rd, "owner", &e->owner, 0) < 0)
		return -1;
	at = rd->pos;
	if (rd_skip_str(rd, "withOids", junk, sizeof(junk), &len) < 0)
		return -1;
	if (len < 0)
		return rd_corrupt(rd, "withOids", at, "missing (NULL)");

	strbuf_reset(&rd->where);
	strbuf_addf(&rd->where, "TOC entry %zu of %" PRId64 " (dump id %d, ",
		    i + 1, count, e->dump_id);
	describe_entry(&rd->where, e);
	strbuf_addch(&rd->where, ')');

	/* Dependencies: strs ended by a NULL one; each costs bytes. */
	do {
		if (rd_skip_str(rd, "dependencies", junk, sizeof(junk),
				&len) < 0)
			return -1;
	} while (len >= 0);

	at = rd->pos;
	e->offset_at = rd->pos;
	if (rd_offset(rd, "data offset", &flag, &e->data_offset) < 0)
		return -1;
	e->data_state = (enum toc_data_state)flag;
	if (e->had_dumper && e->data_state == TOC_DATA_NONE)
		return rd_corrupt(rd, "data offset", at, "the entry has data "
				  "but its offset says none: pg_restore "
				  "would skip it");
	e->listed = listed_by_pg_restore(e, head);
	return 0;
}

/* A half-read entry is no evidence: drop it. */
static void drop_last(struct toc *t)
{
	struct toc_entry *e = &t->entries[--t->nr];

	free(e->desc);
	free(e->namespace);
	free(e->tag);
	free(e->owner);
}

struct id_index {
	int dump_id;
	size_t i;
};

static int cmp_id(const void *a, const void *b)
{
	const struct id_index *x = a, *y = b;

	return (x->dump_id > y->dump_id) - (x->dump_id < y->dump_id);
}

static const struct id_index *find_id(const struct id_index *ids, size_t n,
				      int id)
{
	struct id_index key = { id, 0 };

	return bsearch(&key, ids, n, sizeof(*ids), cmp_id);
}

static void where_data(struct rd *rd, const struct toc_entry *e)
{
	strbuf_reset(&rd->where);
	strbuf_addf(&rd->where, "data of entry %d (", e->dump_id);
	describe_entry(&rd->where, e);
	strbuf_addch(&rd->where, ')');
}

/* Chunks: int length + bytes, until a 0 length. */
static int walk_chunks(struct rd *rd, uint64_t *bytes)
{
	for (;;) {
		uint64_t at = rd->pos;
		int64_t len;

		if (rd_int(rd, "chunk length", &len) < 0)
			return -1;
		if (len == 0)
			return 0;
		if (len < 0)
			return rd_corrupt(rd, "chunk length", at, "%" PRId64,
					  len);
		if ((uint64_t)len > rd_left(rd))
			return error_set(rd->err, "archive truncated: %s ends "
					 "at byte %" PRIu64 " of %" PRIu64,
					 rd->where.buf, rd->pos + (uint64_t)len,
					 rd->size);
		rd->pos += (uint64_t)len;
		*bytes += (uint64_t)len;
	}
}

/* After the block header: a data stream, or large objects (oid, chunks). */
static int walk_payload(struct rd *rd, int type, uint64_t at,
			uint64_t *bytes)
{
	int64_t oid;

	if (type == BLK_DATA)
		return walk_chunks(rd, bytes);
	if (type != BLK_BLOBS)
		return rd_corrupt(rd, "block type", at,
				  "unknown data block type %d", type);
	for (;;) {
		uint64_t oat = rd->pos;

		if (rd_int(rd, "large object OID", &oid) < 0)
			return -1;
		if (oid == 0)
			return 0;
		if (oid < 0 || oid > UINT_MAX)
			return rd_corrupt(rd, "large object OID", oat,
					  "%" PRId64, oid);
		if (walk_chunks(rd, bytes) < 0)
			return -1;
	}
}

static int read_block_header(struct rd *rd, int *type, int64_t *id)
{
	if (rd_byte(rd, "block type", type) < 0 ||
	    rd_int(rd, "block dump id", id) < 0)
		return -1;
	return 0;
}

/* Bytes [from, to) that no block holds: -1 with a message, else 0. */
static int unaccounted(struct rd *rd, uint64_t from, uint64_t to,
		       const char *where)
{
	if (from >= to)
		return 0;
	return error_set(rd->err, "corrupt archive: %" PRIu64 " bytes %s "
			 "(bytes %" PRIu64 " to %" PRIu64 ") belong to no data "
			 "block: the block before them ended early (a chunk "
			 "length damaged?) or they were added", to - from,
			 where, from, to - 1);
}

static int cmp_offset(const void *a, const void *b)
{
	const struct toc_entry *x = *(const struct toc_entry *const *)a;
	const struct toc_entry *y = *(const struct toc_entry *const *)b;

	return (x->data_offset > y->data_offset) -
		(x->data_offset < y->data_offset);
}

/*
 * Offsets known: walk each block from its offset, in file order, and
 * refuse overlaps, so a crafted archive can't make us walk the same
 * bytes once per entry. pg_dump writes the blocks back to back from the
 * end of the TOC to the end of the file, so every byte is accounted
 * for: bytes between two blocks, or after the last, are damage that
 * keeps the TOC readable (a chunk length zeroed ends its block early,
 * and pg_restore, seeking to each offset, never notices).
 */
static int walk_by_offset(struct rd *rd, struct toc *t)
{
	struct toc_entry **v = NULL;
	size_t n = 0, i;
	uint64_t prev_end = t->toc_end;
	int prev_id = 0, ret = -1;

	for (i = 0; i < t->nr; i++)
		if (t->entries[i].data_state == TOC_DATA_SET)
			n++;
	if (!n)
		return unaccounted(rd, t->toc_end, rd->size, "after the TOC");
	v = xcalloc(n, sizeof(*v));
	n = 0;
	for (i = 0; i < t->nr; i++)
		if (t->entries[i].data_state == TOC_DATA_SET)
			v[n++] = &t->entries[i];
	qsort(v, n, sizeof(*v), cmp_offset);

	for (i = 0; i < n; i++) {
		struct toc_entry *e = v[i];
		int64_t id;
		int type;

		where_data(rd, e);
		if (e->data_offset < prev_end) {
			if (prev_id)
				rd_corrupt(rd, "data offset", e->data_offset,
					   "overlaps the data of entry %d",
					   prev_id);
			else
				rd_corrupt(rd, "data offset", e->data_offset,
					   "points inside the header or TOC "
					   "(which end at byte %" PRIu64 ")",
					   t->toc_end);
			goto out;
		}
		if (e->data_offset >= rd->size) {
			error_set(rd->err, "archive truncated: %s starts at "
				  "byte %" PRIu64 " but the file has %" PRIu64
				  " bytes", rd->where.buf, e->data_offset,
				  rd->size);
			goto out;
		}
		if (e->data_offset > prev_end &&
		    unaccounted(rd, prev_end, e->data_offset,
				prev_id ? "between two data blocks" :
				"between the TOC and the first data block") < 0)
			goto out;
		rd->pos = e->data_offset;
		if (read_block_header(rd, &type, &id) < 0)
			goto out;
		if (id != e->dump_id) {
			rd_corrupt(rd, "block dump id", e->data_offset,
				   "the block there belongs to entry %" PRId64,
				   id);
			goto out;
		}
		e->block_at = e->data_offset;
		if (walk_payload(rd, type, e->data_offset, &e->data_bytes) < 0)
			goto out;
		t->data_blocks++;
		t->data_bytes += e->data_bytes;
		prev_end = rd->pos;
		prev_id = e->dump_id;
	}
	if (unaccounted(rd, prev_end, rd->size, "after the last data block") < 0)
		goto out;
	ret = 0;
out:
	free(v);
	return ret;
}

/*
 * Offsets not set (pg_dump wrote to a pipe): the blocks follow the TOC
 * back to back, as pg_restore finds them, to the end of the file. Every
 * entry with data must own exactly one of them.
 */
static int walk_sequential(struct rd *rd, struct toc *t,
			   const struct id_index *ids)
{
	unsigned char *seen = xcalloc(t->nr ? t->nr : 1, 1);
	size_t i;
	int ret = -1;

	t->sequential = 1;
	rd->pos = t->toc_end;
	while (rd->pos < rd->size) {
		const struct id_index *hit;
		struct toc_entry *e;
		uint64_t at = rd->pos;
		int64_t id;
		int type;

		strbuf_reset(&rd->where);
		strbuf_addf(&rd->where, "data block at byte %" PRIu64, at);
		if (read_block_header(rd, &type, &id) < 0)
			goto out;
		hit = id > 0 && id <= INT_MAX ?
			find_id(ids, t->nr, (int)id) : NULL;
		if (!hit) {
			rd_corrupt(rd, "block dump id", at,
				   "no TOC entry has dump id %" PRId64, id);
			goto out;
		}
		e = &t->entries[hit->i];
		where_data(rd, e);
		if (e->data_state == TOC_DATA_NONE || seen[hit->i] ||
		    (e->data_state == TOC_DATA_SET && e->data_offset != at)) {
			rd_corrupt(rd, "block dump id", at, "%s",
				   seen[hit->i] ? "a second block" :
				   e->data_state == TOC_DATA_NONE ?
				   "a block for an entry without data" :
				   "not at the entry's data offset");
			goto out;
		}
		seen[hit->i] = 1;
		e->block_at = at;
		if (walk_payload(rd, type, at, &e->data_bytes) < 0)
			goto out;
		t->data_blocks++;
		t->data_bytes += e->data_bytes;
	}
	for (i = 0; i < t->nr; i++) {
		struct toc_entry *e = &t->entries[i];

		if (e->data_state == TOC_DATA_NONE || seen[i])
			continue;
		where_data(rd, e);
		error_set(rd->err, "archive truncated: no block holds the %s: "
			  "the file ends at byte %" PRIu64 " before it",
			  rd->where.buf, rd->size);
		goto out;
	}
	ret = 0;
out:
	free(seen);
	return ret;
}

static int read_archive(struct rd *rd, struct toc *t)
{
	struct id_index *ids = NULL;
	int64_t count;
	size_t i;
	int unset = 0, ret = -1;

	memset(t, 0, sizeof(*t));
	t->created_isdst = -1;
	t->file_size = rd->size;
	if (read_header(rd, t) < 0)
		return -1;

	strbuf_reset(&rd->where);
	strbuf_adds(&rd->where, "TOC");
	if (rd_int(rd, "entry count", &count) < 0)
		return -1;
	/*
	 * Nothing is allocated from the count: entries grow as they are
	 * read, and each costs bytes, so an absurd count in a small file
	 * ends at the first entry the file can't hold.
	 */
	if (count < 0 || count > INT_MAX)
		return rd_corrupt(rd, "entry count", rd->pos, "%" PRId64,
				  count);
	t->entries_total = (size_t)count;
	for (i = 0; i < (size_t)count; i++) {
		if (read_entry(rd, t, i, count) < 0) {
			drop_last(t);
			return -1;
		}
		if (t->entries[i].listed)
			t->entries_listed++;
		if (t->entries[i].data_state == TOC_DATA_NOT_SET)
			unset = 1;
	}
	t->toc_end = rd->pos;
	t->toc_complete = 1;

	ids = xcalloc(t->nr ? t->nr : 1, sizeof(*ids));
	for (i = 0; i < t->nr; i++) {
		ids[i].dump_id = t->entries[i].dump_id;
		ids[i].i = i;
	}
	qsort(ids, t->nr, sizeof(*ids), cmp_id);
	for (i = 1; i < t->nr; i++) {
		if (ids[i].dump_id == ids[i - 1].dump_id) {
			error_set(rd->err, "corrupt archive: two TOC entries "
				  "have dump id %d", ids[i].dump_id);
			goto out;
		}
	}

	if (unset ? walk_sequential(rd, t, ids) : walk_by_offset(rd, t))
		goto out;
	t->data_complete = 1;
	ret = 0;
out:
	free(ids);
	return ret;
}

int toc_read_archive_mem(const void *buf, size_t len, struct toc *out,
			 struct error *err)
{
	struct rd rd = { 0 };
	int ret;

	rd.fd = -1;
	rd.mem = len ? buf : (const unsigned char *)"";
	rd.size = len;
	rd.err = err;
	strbuf_init(&rd.where, 0);
	ret = read_archive(&rd, out);
	strbuf_release(&rd.where);
	return ret;
}

static int read_file(const char *path, struct toc *out, char *sha256,
		     struct error *err)
{
	struct rd rd = { 0 };
	struct stat st;
	int ret;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st) < 0)
		return error_errno(err, "%s", path);
	if (S_ISDIR(st.st_mode)) {
		struct strbuf sb = STRBUF_INIT;
		int is_fd;

		strbuf_addf(&sb, "%s/toc.dat", path);
		is_fd = access(sb.buf, F_OK) == 0;
		strbuf_release(&sb);
		if (is_fd)
			return error_set(err, "%s: a directory-format archive "
					 "(pg_dump -Fd): only custom-format "
					 "(-Fc) archives are checked", path);
		return error_set(err, "%s: a directory, not a pg_dump "
				 "archive", path);
	}
	/* Non-blocking: a FIFO swapped in after the stat cannot hang us. */
	rd.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rd.fd < 0)
		return error_errno(err, "%s", path);
	if (fstat(rd.fd, &st) < 0) {
		error_errno(err, "%s", path);
		close(rd.fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(rd.fd);
		return error_set(err, "%s: not a regular file (the archive "
				 "is read by offset)", path);
	}
	rd.size = (uint64_t)st.st_size;
	rd.buf = xmalloc(RD_BUF);
	rd.err = err;
	strbuf_init(&rd.where, 0);
	if (sha256)
		rd.hash = sha256_stream_new();
	ret = read_archive(&rd, out);
	if (ret == 0 && sha256) {
		ret = rd_hash_to(&rd, rd.size);
		sha256_stream_finish(rd.hash, sha256);
		rd.hash = NULL;
	}
	if (rd.hash)
		sha256_stream_free(rd.hash);
	if (ret < 0)
		error_prefix(err, "%s", path);
	strbuf_release(&rd.where);
	free(rd.buf);
	close(rd.fd);
	return ret;
}

int toc_read_archive(const char *path, struct toc *out, struct error *err)
{
	return read_file(path, out, NULL, err);
}

int toc_read_archive_sha256(const char *path, struct toc *out,
			    char sha256[SHA256_HEX_LEN + 1], struct error *err)
{
	return read_file(path, out, sha256, err);
}

/* ---- pg_restore -l ---------------------------------------------------- */

/*
 * Every desc pg_dump writes (pg_dump.c, pg_backup_archiver.c, 9.0 to 18),
 * so multi-word ones are matched whole. "ACL LANGUAGE" is from 7.4 and
 * still understood by pg_restore.
 */
static const char *const known_descs[] = {
	"ACCESS METHOD", "ACL", "ACL LANGUAGE", "AGGREGATE", "BLOB",
	"BLOB COMMENTS", "BLOB METADATA", "BLOBS", "CAST", "CHECK CONSTRAINT",
	"COLLATION", "COMMENT", "CONSTRAINT", "CONVERSION", "DATABASE",
	"DATABASE PROPERTIES", "DEFAULT", "DEFAULT ACL", "DOMAIN", "ENCODING",
	"EVENT TRIGGER", "EXTENSION", "FK CONSTRAINT",
	"FOREIGN DATA WRAPPER", "FOREIGN SERVER", "FOREIGN TABLE", "FUNCTION",
	"INDEX", "INDEX ATTACH", "LARGE OBJECT", "MATERIALIZED VIEW",
	"MATERIALIZED VIEW DATA", "OPERATOR", "OPERATOR CLASS",
	"OPERATOR FAMILY", "POLICY", "PROCEDURAL LANGUAGE", "PROCEDURE",
	"PUBLICATION", "PUBLICATION TABLE", "PUBLICATION TABLES IN SCHEMA",
	"ROW SECURITY", "RULE", "SCHEMA", "SEARCHPATH", "SECURITY LABEL",
	"SEQUENCE", "SEQUENCE OWNED BY", "SEQUENCE SET", "SERVER",
	"SHELL TYPE", "STATISTICS", "STATISTICS DATA", "STDSTRINGS",
	"SUBSCRIPTION", "SUBSCRIPTION TABLE", "TABLE", "TABLE ATTACH",
	"TABLE DATA", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY",
	"TEXT SEARCH PARSER", "TEXT SEARCH TEMPLATE", "TRANSFORM", "TRIGGER",
	"TYPE", "USER MAPPING", "VIEW", "WARNING",
};

/* Length of the longest known desc that `s` starts with (then ' '/end). */
static size_t match_desc(const char *s, size_t n)
{
	size_t best = 0, i;

	for (i = 0; i < sizeof(known_descs) / sizeof(*known_descs); i++) {
		size_t k = strlen(known_descs[i]);

		if (k > best && k <= n && !memcmp(s, known_descs[i], k) &&
		    (k == n || s[k] == ' '))
			best = k;
	}
	return best;
}

/* Digits into *v (at most `max`); returns chars used, 0 if none/too big. */
static size_t scan_uint(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (*v > (max - d) / 10)
			return 0;
		*v = *v * 10 + d;
		i++;
	}
	return i;
}

static int parse_entry_line(struct toc *t, const char *s, size_t n)
{
	struct toc_entry *e;
	uint64_t id, toid, oid;
	const char *p = s, *end = s + n, *sp;
	size_t k;

	if (!(k = scan_uint(p, (size_t)(end - p), INT_MAX, &id)) || !id)
		return -1;
	p += k;
	if (end - p < 2 || p[0] != ';' || p[1] != ' ')
		return -1;
	p += 2;
	if (!(k = scan_uint(p, (size_t)(end - p), UINT_MAX, &toid)))
		return -1;
	p += k;
	if (p >= end || *p++ != ' ')
		return -1;
	if (!(k = scan_uint(p, (size_t)(end - p), UINT_MAX, &oid)))
		return -1;
	p += k;
	if (p >= end || *p++ != ' ' || p >= end)
		return -1;

	XGROW(t->entries, t->nr + 1, t->alloc);
	e = &t->entries[t->nr++];
	memset(e, 0, sizeof(*e));
	e->dump_id = (int)id;
	e->tableoid = (unsigned)toid;
	e->oid = (unsigned)oid;
	e->had_dumper = -1;
	e->listed = 1;

	k = match_desc(p, (size_t)(end - p));
	if (!k) {
		sp = memchr(p, ' ', (size_t)(end - p));
		k = sp ? (size_t)(sp - p) : (size_t)(end - p);
		t->descs_guessed++;
	}
	e->desc = xstrndup(p, k);
	p += k;
	if (p < end)
		p++;

	sp = memchr(p, ' ', (size_t)(end - p));
	k = sp ? (size_t)(sp - p) : (size_t)(end - p);
	e->namespace = k == 1 && *p == '-' ? xstrdup("") : xstrndup(p, k);
	p += k;
	if (p < end)
		p++;

	/* The owner is the last word; the tag is what's between. */
	for (sp = end; sp > p && sp[-1] != ' '; sp--)
		;
	if (sp > p) {
		e->tag = xstrndup(p, (size_t)(sp - 1 - p));
		e->owner = xstrndup(sp, (size_t)(end - sp));
	} else {
		e->tag = xstrndup(p, (size_t)(end - p));
		e->owner = xstrdup("");
	}
	return 0;
}

/*
 * The number v[0..end) starts with, as an int in [-99999, 99999] (header
 * fields are sizes and levels, "4 bytes"), ending at `end` or a space: 0,
 * or -1 leaving *out alone. The listing is not
 * NUL-terminated (it comes from a pipe), so no atoi() or sscanf().
 */
static int scan_field_int(const char *v, const char *end, int *out)
{
	uint64_t u;
	size_t k;
	int neg = v < end && *v == '-';

	v += neg;
	k = scan_uint(v, (size_t)(end - v), 99999, &u);
	if (!k || (v + k < end && v[k] != ' '))
		return -1;
	*out = neg ? -(int)u : (int)u;
	return 0;
}

static const char *after(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && !memcmp(s, prefix, k) ? s + k : NULL;
}

static void set_once(char **field, const char *v, const char *end)
{
	if (!*field)
		*field = xstrndup(v, (size_t)(end - v));
}

static void parse_header_line(struct toc *t, const char *s, size_t n,
			      int *have_total)
{
	const char *end = s + n, *v;
	uint64_t u;

	while (s < end && (*s == ';' || *s == ' ' || *s == '\t'))
		s++;
	n = (size_t)(end - s);

	if ((v = after(s, n, "Archive created at "))) {
		set_once(&t->created, v, end);
	} else if ((v = after(s, n, "dbname: "))) {
		set_once(&t->dbname, v, end);
	} else if ((v = after(s, n, "TOC Entries: "))) {
		if (!*have_total && scan_uint(v, (size_t)(end - v), SIZE_MAX,
					      &u) == (size_t)(end - v)) {
			t->entries_total = (size_t)u;
			*have_total = 1;
		}
	} else if ((v = after(s, n, "Compression: "))) {
		if (t->compression)
			return;
		/* 1.14 and before print the zlib level, 1.15+ the name. */
		if (v < end && (*v == '-' || (*v >= '0' && *v <= '9'))) {
			int level;

			if (scan_field_int(v, end, &level) < 0)
				return;
			t->compress_level = level;
			t->compression = xstrdup(level ? "gzip" : "none");
		} else {
			set_once(&t->compression, v, end);
		}
	} else if ((v = after(s, n, "Dump Version: "))) {
		/* "1.14-0": major.minor-revision, the revision optional. */
		uint64_t a, b, c = 0;
		size_t k = scan_uint(v, (size_t)(end - v), 255, &a);

		if (!k || v + k >= end || v[k] != '.')
			return;
		v += k + 1;
		if (!(k = scan_uint(v, (size_t)(end - v), 255, &b)))
			return;
		v += k;
		if (v < end && *v == '-' &&
		    !scan_uint(v + 1, (size_t)(end - v - 1), 255, &c))
			return;
		t->vmaj = (int)a;
		t->vmin = (int)b;
		t->vrev = (int)c;
	} else if ((v = after(s, n, "Format: "))) {
		size_t k = (size_t)(end - v);

		if (k == 6 && !memcmp(v, "CUSTOM", 6))
			t->format = TOC_FORMAT_CUSTOM;
		else if (k == 3 && !memcmp(v, "TAR", 3))
			t->format = TOC_FORMAT_TAR;
		else if (k == 9 && !memcmp(v, "DIRECTORY", 9))
			t->format = TOC_FORMAT_DIRECTORY;
	} else if ((v = after(s, n, "Integer: "))) {
		scan_field_int(v, end, &t->int_size);
	} else if ((v = after(s, n, "Offset: "))) {
		scan_field_int(v, end, &t->off_size);
	} else if ((v = after(s, n, "Dumped from database version: "))) {
		set_once(&t->server_version, v, end);
	} else if ((v = after(s, n, "Dumped by pg_dump version: "))) {
		set_once(&t->dump_version, v, end);
	}
}

int toc_parse_listing(const char *text, size_t len, struct toc *out,
		      struct error *err)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;
	int have_total = 0, ret = -1;

	memset(out, 0, sizeof(*out));
	out->from_listing = 1;
	out->compress_level = -2;
	out->created_isdst = -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n;

		lineno++;
		n = (size_t)(eol - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n && p[0] == ';')
			parse_header_line(out, p, n, &have_total);
		else if (n && parse_entry_line(out, p, n) < 0) {
			error_set(err, "line %zu: not a pg_restore -l line: "
				  "%.*s", lineno, (int)(n > 60 ? 60 : n), p);
			goto out;
		}
		p = nl ? nl + 1 : end;
	}
	out->entries_listed = out->nr;
	if (!have_total)
		error_set(err, "not pg_restore -l output: no \"TOC Entries\" "
			  "line");
	else if (out->nr > out->entries_total)
		error_set(err, "the listing shows %zu entries but its header "
			  "says %zu", out->nr, out->entries_total);
	else
		ret = 0;
out:
	out->dbname = dup_or_empty(out->dbname);
	out->server_version = dup_or_empty(out->server_version);
	out->dump_version = dup_or_empty(out->dump_version);
	out->created = dup_or_empty(out->created);
	out->compression = dup_or_empty(out->compression);
	return ret;
}

/* ---- summaries ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t toc_count_by_type(const struct toc *toc, unsigned flags,
			 struct toc_type_count **out)
{
	const char **v;
	struct toc_type_count *c;
	size_t n = 0, nc = 0, i;

	*out = NULL;
	if (!toc->nr)
		return 0;
	v = xcalloc(toc->nr, sizeof(*v));
	for (i = 0; i < toc->nr; i++)
		if (!(flags & TOC_COUNT_LISTED) || toc->entries[i].listed)
			v[n++] = toc->entries[i].desc;
	if (!n) {
		free(v);
		return 0;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	c = xcalloc(n, sizeof(*c));
	for (i = 0; i < n; i++) {
		if (nc && !strcmp(c[nc - 1].desc, v[i])) {
			c[nc - 1].count++;
		} else {
			c[nc].desc = v[i];
			c[nc].count = 1;
			nc++;
		}
	}
	free(v);
	*out = c;
	return nc;
}

void toc_release(struct toc *toc)
{
	size_t i;

	for (i = 0; i < toc->nr; i++) {
		free(toc->entries[i].desc);
		free(toc->entries[i].namespace);
		free(toc->entries[i].tag);
		free(toc->entries[i].owner);
	}
	free(toc->entries);
	free(toc->compression);
	free(toc->created);
	free(toc->dbname);
	free(toc->server_version);
	free(toc->dump_version);
	memset(toc, 0, sizeof(*toc));
}

int toc_major_version(const char *s)
{
	uint64_t a, b;
	size_t k;

	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	if (!(k = scan_uint(s, strlen(s), 99999, &a)))
		return -1;
	if (a >= 10)
		return (int)a;
	s += k;
	if (*s != '.' || !scan_uint(s + 1, strlen(s + 1), 99, &b))
		return -1;
	return (int)(a * 100 + b);
}

int toc_same_major(const char *a, const char *b)
{
	int x = toc_major_version(a), y = toc_major_version(b);

	if (x < 0 || y < 0)
		return -1;
	return x == y;
}

const char *toc_section_name(enum toc_section s)
{
	switch (s) {
	case TOC_SECTION_NONE:
		return "none";
	case TOC_SECTION_PRE_DATA:
		return "pre-data";
	case TOC_SECTION_DATA:
		return "data";
	case TOC_SECTION_POST_DATA:
		return "post-data";
	default:
		return "unknown";
	}
}

const char *toc_format_name(enum toc_format f)
{
	switch (f) {
	case TOC_FORMAT_CUSTOM:
		return "custom";
	case TOC_FORMAT_TAR:
		return "tar";
	case TOC_FORMAT_NULL:
		return "null";
	case TOC_FORMAT_DIRECTORY:
		return "directory";
	default:
		return "unknown";
	}
}
