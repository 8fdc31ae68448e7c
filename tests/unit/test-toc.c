/*
 * Unit tests of the TOC readers: synthetic custom-format archives built
 * byte by byte here (every supported version, offsets set and unset,
 * large objects), each cut at every byte and mutated at random; hostile
 * lengths and counts; pg_restore -l listings.
 *
 * With TOC_DUMP (a real pg_dump -Fc file) and TOC_LISTING (its
 * pg_restore -l), also checks that both readers agree on it; with
 * TOC_DUMP_TRUNCATED, that a dump cut inside its data is refused.
 * tests/t0500-toc.sh makes those files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "strbuf.h"
#include "toc.h"
#include "xalloc.h"

/* ---- building archives ------------------------------------------------ */

static void put_int(struct strbuf *sb, int isz, int64_t v)
{
	uint64_t m = v < 0 ? (uint64_t)-v : (uint64_t)v;
	int i;

	strbuf_addch(sb, v < 0);
	for (i = 0; i < isz; i++)
		strbuf_addch(sb, i < 8 ? (int)((m >> (8 * i)) & 0xff) : 0);
}

static void put_str(struct strbuf *sb, int isz, const char *s)
{
	if (!s) {
		put_int(sb, isz, -1);
		return;
	}
	put_int(sb, isz, (int64_t)strlen(s));
	strbuf_adds(sb, s);
}

static void put_off(struct strbuf *sb, int osz, int flag, uint64_t off)
{
	int i;

	strbuf_addch(sb, flag);
	for (i = 0; i < osz; i++)
		strbuf_addch(sb, (int)((off >> (8 * i)) & 0xff));
}

enum { NODATA = 0, BDATA = 1, BBLOBS = 3 };

struct spec {
	int id, had_dumper, section;
	const char *desc, *ns, *tag, *owner, *defn;
	int blk;
	const char *payload;
};

/* Like pg_dump 15 writes for a small database (ids as it numbers them). */
static const struct spec base_specs[] = {
	{ 3357, 0, 1, "ENCODING", NULL, "ENCODING", NULL,
	  "SET client_encoding = 'UTF8';\n", NODATA, NULL },
	{ 3358, 0, 1, "STDSTRINGS", NULL, "STDSTRINGS", NULL,
	  "SET standard_conforming_strings = 'on';\n", NODATA, NULL },
	{ 3359, 0, 1, "SEARCHPATH", NULL, "SEARCHPATH", NULL,
	  "SELECT pg_catalog.set_config('search_path', '', false);\n",
	  NODATA, NULL },
	{ 3363, 0, 2, "DATABASE", NULL, "app", "postgres",
	  "CREATE DATABASE app;\n", NODATA, NULL },
	{ 215, 0, 2, "TABLE", "public", "users", "postgres",
	  "CREATE TABLE public.users (id int);\n", NODATA, NULL },
	{ 217, 0, 2, "TABLE", "public", "posts", "postgres",
	  "CREATE TABLE public.posts (id int);\n", NODATA, NULL },
	{ 3354, 1, 3, "TABLE DATA", "public", "users", "postgres", "",
	  BDATA, "1\talice\n2\tbob\n\\.\n" },
	{ 3356, 1, 3, "TABLE DATA", "public", "posts", "postgres", "",
	  BDATA, "1\t1\thello world\n2\t2\tsecond post\n3\t1\tthird\n" },
	{ 3368, 0, 3, "SEQUENCE SET", "public", "users_id_seq", "postgres",
	  "SELECT pg_catalog.setval('public.users_id_seq', 2, true);\n",
	  NODATA, NULL },
	{ 3209, 0, 4, "INDEX", "public", "posts_user", "postgres",
	  "CREATE INDEX posts_user ON public.posts (id);\n", NODATA, NULL },
	{ 3210, 0, 4, "FK CONSTRAINT", "public", "posts posts_user_fkey",
	  "postgres", "ALTER TABLE ONLY public.posts ADD CONSTRAINT x;\n",
	  NODATA, NULL },
	{ 3370, 1, 3, "BLOBS", NULL, "BLOBS", NULL, "", BBLOBS,
	  "large object bytes" },
	{ 3371, 0, 2, "COMMENT", NULL, "DATABASE app", "postgres",
	  "COMMENT ON DATABASE app IS 'x';\n", NODATA, NULL },
};
#define NSPECS (sizeof(base_specs) / sizeof(*base_specs))
#define NLISTED 8

struct opts {
	int vmin;
	int isz, osz;
	int unset;		/* offsets not set, as when dumped to a pipe */
	size_t chunk;		/* payload bytes per chunk */
	const struct spec *specs;
	size_t n;
};

static void put_chunks(struct strbuf *sb, const struct opts *o,
		       const char *payload)
{
	size_t len = strlen(payload), i;

	for (i = 0; i < len; i += o->chunk) {
		size_t k = len - i < o->chunk ? len - i : o->chunk;

		put_int(sb, o->isz, (int64_t)k);
		strbuf_add(sb, payload + i, k);
	}
	put_int(sb, o->isz, 0);
}

static void put_header(struct strbuf *sb, int vmin, int isz, int osz)
{
	strbuf_add(sb, "PGDMP", 5);
	strbuf_addch(sb, 1);
	strbuf_addch(sb, vmin);
	strbuf_addch(sb, 0);
	strbuf_addch(sb, isz);
	strbuf_addch(sb, osz);
	strbuf_addch(sb, 1);
	if (vmin >= 15)
		strbuf_addch(sb, 1);
	else
		put_int(sb, isz, -1);
	/* 2026-01-21 09:05:07, no DST */
	put_int(sb, isz, 7);
	put_int(sb, isz, 5);
	put_int(sb, isz, 9);
	put_int(sb, isz, 21);
	put_int(sb, isz, 0);
	put_int(sb, isz, 126);
	put_int(sb, isz, 0);
	put_str(sb, isz, "app");
	put_str(sb, isz, "15.18 (Debian 15.18-0+deb12u1)");
	put_str(sb, isz, "15.18 (Debian 15.18-0+deb12u1)");
}

static void put_toc(struct strbuf *sb, const struct opts *o,
		    const uint64_t *offs)
{
	size_t i;

	put_int(sb, o->isz, (int64_t)o->n);
	for (i = 0; i < o->n; i++) {
		const struct spec *s = &o->specs[i];

		put_int(sb, o->isz, s->id);
		put_int(sb, o->isz, s->had_dumper);
		put_str(sb, o->isz, s->blk ? "0" : "1259");
		put_str(sb, o->isz, "16384");
		put_str(sb, o->isz, s->tag);
		put_str(sb, o->isz, s->desc);
		put_int(sb, o->isz, s->section);
		put_str(sb, o->isz, s->defn);
		put_str(sb, o->isz, "");
		put_str(sb, o->isz, s->blk == BDATA ? "COPY x FROM stdin;\n"
			: "");
		put_str(sb, o->isz, s->ns);
		put_str(sb, o->isz, "");
		if (o->vmin >= 14)
			put_str(sb, o->isz, s->blk == BDATA ? "heap" : NULL);
		if (o->vmin >= 16)
			put_int(sb, o->isz, 'r');
		put_str(sb, o->isz, s->owner);
		put_str(sb, o->isz, "false");
		if (i)
			put_str(sb, o->isz, "215");
		put_str(sb, o->isz, NULL);
		if (!s->blk)
			put_off(sb, o->osz, 3, 0);
		else if (o->unset)
			put_off(sb, o->osz, 1, 0);
		else
			put_off(sb, o->osz, 2, offs[i]);
	}
}

/*
 * Header, TOC, then the data blocks, offsets pointing at them. Where each
 * entry's block starts goes to `at` (0 for none) when not NULL.
 */
static void build_at(struct strbuf *out, const struct opts *o, uint64_t *at)
{
	struct strbuf data = STRBUF_INIT, head = STRBUF_INIT;
	uint64_t *offs = xcalloc(o->n, sizeof(*offs));
	size_t i;

	for (i = 0; i < o->n; i++) {
		const struct spec *s = &o->specs[i];

		if (!s->blk)
			continue;
		offs[i] = data.len;
		strbuf_addch(&data, s->blk);
		put_int(&data, o->isz, s->id);
		if (s->blk == BDATA) {
			put_chunks(&data, o, s->payload);
		} else {
			put_int(&data, o->isz, 16400);
			put_chunks(&data, o, s->payload);
			put_int(&data, o->isz, 16401);
			put_chunks(&data, o, s->payload);
			put_int(&data, o->isz, 0);
		}
	}
	put_header(&head, o->vmin, o->isz, o->osz);
	put_toc(&head, o, offs);	/* only to learn where the TOC ends */
	for (i = 0; i < o->n; i++)
		offs[i] += head.len;
	strbuf_reset(out);
	put_header(out, o->vmin, o->isz, o->osz);
	put_toc(out, o, offs);
	assert_int_equal(out->len, head.len);
	strbuf_add(out, data.buf, data.len);
	for (i = 0; at && i < o->n; i++)
		at[i] = o->specs[i].blk ? offs[i] : 0;
	strbuf_release(&data);
	strbuf_release(&head);
	free(offs);
}

static void build(struct strbuf *out, const struct opts *o)
{
	build_at(out, o, NULL);
}

static struct opts default_opts(void)
{
	struct opts o = { 14, 4, 8, 0, 3, base_specs, NSPECS };

	return o;
}

static uint64_t payload_total(void)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < NSPECS; i++)
		if (base_specs[i].blk)
			n += strlen(base_specs[i].payload) *
				(base_specs[i].blk == BBLOBS ? 2 : 1);
	return n;
}

/* Read from an exact-size copy, so ASan sees any read past the end. */
static int read_mem(const char *buf, size_t len, struct toc *t,
		    struct error *err)
{
	char *copy = xmalloc(len ? len : 1);
	int ret;

	memcpy(copy, buf, len);
	ret = toc_read_archive_mem(copy, len, t, err);
	free(copy);
	return ret;
}

static int contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

#define assert_contains(hay, needle) do { \
	if (!contains((hay), (needle))) \
		fail_msg("\"%s\" not in \"%s\"", (needle), (hay)); \
} while (0)

static char tmpdir[] = "/tmp/rdrill-test-toc.XXXXXX";

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- the archive reader ----------------------------------------------- */

static void check_base(const struct toc *t)
{
	struct toc_type_count *c;
	size_t n;

	assert_int_equal(t->from_listing, 0);
	assert_int_equal(t->vmaj, 1);
	assert_int_equal(t->format, TOC_FORMAT_CUSTOM);
	assert_string_equal(t->created, "2026-01-21 09:05:07");
	assert_int_equal(t->created_isdst, 0);
	assert_string_equal(t->dbname, "app");
	assert_string_equal(t->server_version,
			    "15.18 (Debian 15.18-0+deb12u1)");
	assert_string_equal(t->dump_version, t->server_version);
	assert_int_equal(t->entries_total, NSPECS);
	assert_int_equal(t->nr, NSPECS);
	assert_int_equal(t->entries_listed, NLISTED);
	assert_int_equal(t->toc_complete, 1);
	assert_int_equal(t->data_complete, 1);
	assert_int_equal(t->data_blocks, 3);
	assert_int_equal(t->data_bytes, payload_total());

	assert_int_equal(t->entries[0].dump_id, 3357);
	assert_string_equal(t->entries[0].desc, "ENCODING");
	assert_string_equal(t->entries[0].namespace, "");
	assert_int_equal(t->entries[0].section, TOC_SECTION_NONE);
	assert_int_equal(t->entries[0].listed, 0);
	assert_int_equal(t->entries[0].data_state, TOC_DATA_NONE);
	assert_int_equal(t->entries[7].dump_id, 3356);
	assert_string_equal(t->entries[7].desc, "TABLE DATA");
	assert_string_equal(t->entries[7].namespace, "public");
	assert_string_equal(t->entries[7].tag, "posts");
	assert_string_equal(t->entries[7].owner, "postgres");
	assert_int_equal(t->entries[7].section, TOC_SECTION_DATA);
	assert_int_equal(t->entries[7].tableoid, 0);
	assert_int_equal(t->entries[7].oid, 16384);
	assert_int_equal(t->entries[7].listed, 1);
	assert_int_equal(t->entries[7].data_bytes,
			 strlen(base_specs[7].payload));
	assert_string_equal(t->entries[10].tag, "posts posts_user_fkey");
	assert_int_equal(t->entries[8].listed, 1);	/* SEQUENCE SET */
	assert_int_equal(t->entries[12].listed, 0);	/* COMMENT DATABASE */

	n = toc_count_by_type(t, TOC_COUNT_LISTED, &c);
	assert_int_equal(n, 6);
	assert_string_equal(c[0].desc, "BLOBS");
	assert_string_equal(c[1].desc, "FK CONSTRAINT");
	assert_string_equal(c[2].desc, "INDEX");
	assert_string_equal(c[3].desc, "SEQUENCE SET");
	assert_string_equal(c[4].desc, "TABLE");
	assert_int_equal(c[4].count, 2);
	assert_string_equal(c[5].desc, "TABLE DATA");
	assert_int_equal(c[5].count, 2);
	free(c);
	n = toc_count_by_type(t, 0, &c);
	assert_int_equal(n, 11);
	assert_string_equal(c[0].desc, "BLOBS");
	assert_string_equal(c[1].desc, "COMMENT");
	assert_string_equal(c[2].desc, "DATABASE");
	assert_string_equal(c[3].desc, "ENCODING");
	free(c);
}

static void test_valid(void **state)
{
	struct strbuf a = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	int rc;

	(void)state;
	build(&a, &o);
	rc = read_mem(a.buf, a.len, &t, &err);
	if (rc)
		fail_msg("%s", err.msg.buf);
	check_base(&t);
	assert_int_equal(t.vmin, 14);
	assert_string_equal(t.compression, "gzip");
	assert_int_equal(t.compress_level, -1);
	assert_int_equal(t.sequential, 0);
	assert_int_equal(t.entries[6].data_state, TOC_DATA_SET);
	assert_int_equal(t.file_size, a.len);
	toc_release(&t);
	toc_release(&t);	/* twice is harmless */

	/* The same bytes through a file, with one-byte chunks. */
	{
		struct strbuf path = STRBUF_INIT;

		o.chunk = 1;
		build(&a, &o);
		strbuf_addf(&path, "%s/ok.dump", tmpdir);
		write_file(path.buf, a.buf, a.len);
		rc = toc_read_archive(path.buf, &t, &err);
		if (rc)
			fail_msg("%s", err.msg.buf);
		check_base(&t);
		toc_release(&t);
		strbuf_release(&path);
	}
	strbuf_release(&a);
	error_release(&err);
}

/* Bigger than the reader's buffer: chunks and strings cross refills. */
static void test_large_file(void **state)
{
	struct spec specs[NSPECS];
	struct strbuf a = STRBUF_INIT, path = STRBUF_INIT;
	struct strbuf big = STRBUF_INIT, bigdefn = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	size_t i;

	(void)state;
	for (i = 0; i < 300000; i++)
		strbuf_addch(&big, 'a' + (int)(i % 26));
	for (i = 0; i < 100000; i++)
		strbuf_addch(&bigdefn, 'x');
	memcpy(specs, base_specs, sizeof(specs));
	specs[7].payload = big.buf;
	specs[5].defn = bigdefn.buf;
	o.specs = specs;
	o.chunk = 4093;
	build(&a, &o);
	strbuf_addf(&path, "%s/big.dump", tmpdir);
	write_file(path.buf, a.buf, a.len);
	if (toc_read_archive(path.buf, &t, &err))
		fail_msg("%s", err.msg.buf);
	assert_int_equal(t.entries[7].data_bytes, big.len);
	assert_int_equal(t.data_complete, 1);
	toc_release(&t);

	/* Cut in the middle of the big block. */
	assert_int_equal(truncate(path.buf, (off_t)(a.len - 200000)), 0);
	assert_int_equal(toc_read_archive(path.buf, &t, &err), -1);
	assert_contains(err.msg.buf, "archive truncated: data of entry 3356 "
			"(TABLE DATA public posts) ends at byte ");
	assert_contains(err.msg.buf, path.buf);
	assert_int_equal(t.toc_complete, 1);
	assert_int_equal(t.data_complete, 0);
	toc_release(&t);
	strbuf_release(&a);
	strbuf_release(&path);
	strbuf_release(&big);
	strbuf_release(&bigdefn);
	error_release(&err);
}

/* 20,000 entries, half with data: linear, and quick. */
static void test_many_entries(void **state)
{
	enum { N = 20000 };
	struct spec *specs = xcalloc(N, sizeof(*specs));
	char (*tags)[16] = xcalloc(N, sizeof(*tags));
	struct strbuf a = STRBUF_INIT, path = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	struct toc_type_count *c;
	clock_t t0;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		int data = i % 2;

		snprintf(tags[i], sizeof(tags[i]), "t%zu", i / 2);
		specs[i] = (struct spec){ (int)i + 1, data, data ? 3 : 2,
			data ? "TABLE DATA" : "TABLE", "public", tags[i],
			"postgres", data ? "" : "CREATE TABLE x ();\n",
			data ? BDATA : NODATA, data ? "1\tx\n\\.\n" : NULL };
	}
	o.specs = specs;
	o.n = N;
	o.chunk = 64;
	build(&a, &o);
	strbuf_addf(&path, "%s/many.dump", tmpdir);
	write_file(path.buf, a.buf, a.len);
	t0 = clock();
	if (toc_read_archive(path.buf, &t, &err))
		fail_msg("%s", err.msg.buf);
	assert_true(clock() - t0 < 2 * CLOCKS_PER_SEC);
	assert_int_equal(t.entries_total, N);
	assert_int_equal(t.entries_listed, N);
	assert_int_equal(t.data_blocks, N / 2);
	assert_int_equal(toc_count_by_type(&t, 0, &c), 2);
	assert_int_equal(c[1].count, N / 2);
	free(c);
	toc_release(&t);
	assert_int_equal(unlink(path.buf), 0);
	strbuf_release(&a);
	strbuf_release(&path);
	error_release(&err);
	free(specs);
	free(tags);
}

static void test_versions(void **state)
{
	struct strbuf a = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	int v;

	(void)state;
	for (v = 12; v <= 16; v++) {
		o.vmin = v;
		build(&a, &o);
		if (read_mem(a.buf, a.len, &t, &err))
			fail_msg("1.%d: %s", v, err.msg.buf);
		check_base(&t);
		assert_int_equal(t.vmin, v);
		assert_string_equal(t.compression, "gzip");
		assert_int_equal(t.compress_level, v >= 15 ? -2 : -1);
		toc_release(&t);
	}
	/* Other integer and offset sizes are legal too. */
	o.vmin = 14;
	o.isz = 8;
	o.osz = 4;
	build(&a, &o);
	if (read_mem(a.buf, a.len, &t, &err))
		fail_msg("isz 8: %s", err.msg.buf);
	check_base(&t);
	assert_int_equal(t.int_size, 8);
	toc_release(&t);

	for (v = 11; v <= 17; v += 6) {
		o = default_opts();
		o.vmin = v;
		build(&a, &o);
		assert_int_equal(read_mem(a.buf, a.len, &t, &err), -1);
		assert_contains(err.msg.buf, "unsupported archive version 1.");
		toc_release(&t);
	}
	strbuf_release(&a);
	error_release(&err);
}

/* Dumped to a pipe: no offsets, blocks found by walking them in order. */
static void test_unset_offsets(void **state)
{
	struct strbuf a = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	uint64_t at[NSPECS];
	struct strbuf want = STRBUF_INIT;
	size_t last_block;

	(void)state;
	o.unset = 1;
	build_at(&a, &o, at);
	if (read_mem(a.buf, a.len, &t, &err))
		fail_msg("%s", err.msg.buf);
	check_base(&t);
	assert_int_equal(t.sequential, 1);
	assert_int_equal(t.entries[6].data_state, TOC_DATA_NOT_SET);
	toc_release(&t);

	/* Cut exactly where the last block (BLOBS) starts. */
	last_block = (size_t)at[11];
	assert_int_equal(a.buf[last_block], BBLOBS);
	assert_int_equal(read_mem(a.buf, last_block, &t, &err), -1);
	strbuf_addf(&want, "archive truncated: no block holds the data of "
		    "entry 3370 (BLOBS BLOBS): the file ends at byte %zu "
		    "before it", last_block);
	assert_string_equal(err.msg.buf, want.buf);
	toc_release(&t);
	strbuf_release(&want);
	strbuf_release(&a);
	error_release(&err);
}

/*
 * Every prefix of a valid archive is refused, as truncated once past the
 * magic, never as valid nor with a crash.
 */
static void test_truncated_everywhere(void **state)
{
	struct strbuf a = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	struct strbuf want = STRBUF_INIT;
	uint64_t at[NSPECS];
	size_t len;
	int mode, v;

	(void)state;
	for (v = 12; v <= 16; v += 2) {
		for (mode = 0; mode < 2; mode++) {
			o.vmin = v;
			o.unset = mode;
			build(&a, &o);
			for (len = 0; len < a.len; len++) {
				int rc = read_mem(a.buf, len, &t, &err);

				if (rc != -1)
					fail_msg("1.%d unset=%d: prefix of %zu "
						 "bytes accepted", v, mode,
						 len);
				if (len >= 5 &&
				    !contains(err.msg.buf,
					      "archive truncated"))
					fail_msg("1.%d unset=%d len %zu: %s", v,
						 mode, len, err.msg.buf);
				toc_release(&t);
			}
		}
	}
	/* Cut in a data block, after the TOC: which one, where. */
	o = default_opts();
	build_at(&a, &o, at);
	assert_int_equal(read_mem(a.buf, (size_t)at[7] + 20, &t, &err), -1);
	strbuf_addf(&want, "archive truncated: data of entry 3356 (TABLE "
		    "DATA public posts) ends at byte %" PRIu64 " of %" PRIu64,
		    at[7] + 22, at[7] + 20);
	assert_string_equal(err.msg.buf, want.buf);
	assert_int_equal(t.toc_complete, 1);
	assert_int_equal(t.nr, NSPECS);
	toc_release(&t);
	/* Cut right after the TOC: the first block's start is missing. */
	assert_int_equal(read_mem(a.buf, (size_t)at[6], &t, &err), -1);
	strbuf_reset(&want);
	strbuf_addf(&want, "archive truncated: data of entry 3354 (TABLE DATA "
		    "public users) starts at byte %" PRIu64 " but the file "
		    "has %" PRIu64 " bytes", at[6], at[6]);
	assert_string_equal(err.msg.buf, want.buf);
	toc_release(&t);
	strbuf_release(&want);
	/* Cut in the TOC: what was read is kept, the half entry is not. */
	assert_int_equal(read_mem(a.buf, 300, &t, &err), -1);
	assert_contains(err.msg.buf, "archive truncated: TOC entry ");
	assert_int_equal(t.toc_complete, 0);
	assert_string_equal(t.dbname, "app");
	assert_true(t.nr > 0 && t.nr < NSPECS);
	toc_release(&t);
	strbuf_release(&a);
	error_release(&err);
}

static uint32_t rng = 2463534242u;

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Random damage: any answer is fine, a crash or a hang is not. */
static void test_mutations(void **state)
{
	struct strbuf a = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct opts o = default_opts();
	char *m;
	int i, j, refused = 0;
	time_t t0 = time(NULL);

	(void)state;
	build(&a, &o);
	m = xmalloc(a.len);
	for (i = 0; i < 20000; i++) {
		int nflip = 1 + (int)(xorshift() % 4);

		memcpy(m, a.buf, a.len);
		for (j = 0; j < nflip; j++) {
			size_t at = xorshift() % a.len;

			m[at] = (char)(xorshift() % 3 ? xorshift() & 0xff :
				       (xorshift() & 1 ? 0xff : 0x7f));
		}
		if (toc_read_archive_mem(m, a.len, &t, &err) < 0) {
			refused++;
			assert_true(err.msg.len > 0);
		}
		toc_release(&t);
	}
	assert_true(refused > 10000);
	/* Pure noise after a valid header start. */
	for (i = 0; i < 5000; i++) {
		size_t len = 12 + xorshift() % 400;

		memcpy(m, a.buf, 12);
		for (j = 12; j < (int)len && (size_t)j < a.len; j++)
			m[j] = (char)(xorshift() & 0xff);
		if (len > a.len)
			len = a.len;
		assert_int_equal(read_mem(m, len, &t, &err), -1);
		toc_release(&t);
	}
	assert_true(time(NULL) - t0 < 60);
	free(m);
	strbuf_release(&a);
	error_release(&err);
}

/* A header, then `tail` put there by the caller; expect `want` in err. */
static void hostile(struct strbuf *sb, const char *want)
{
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;

	if (read_mem(sb->buf, sb->len, &t, &err) != -1)
		fail_msg("accepted; wanted \"%s\"", want);
	assert_contains(err.msg.buf, want);
	toc_release(&t);
	error_release(&err);
	strbuf_reset(sb);
}

/* An entry up to its tableoid, then whatever the test puts next. */
static void entry_start(struct strbuf *sb, int64_t count)
{
	put_header(sb, 14, 4, 8);
	put_int(sb, 4, count);
	put_int(sb, 4, 1);
	put_int(sb, 4, 0);
}

/* Room so the entry count is believable and the bad field is reached. */
static void pad(struct strbuf *sb)
{
	strbuf_addf(sb, "%200s", "");
}

/* A whole valid entry after entry_start(), up to its offset. */
static void entry_rest(struct strbuf *sb, const char *desc, int section)
{
	put_str(sb, 4, "1259");
	put_str(sb, 4, "16384");
	put_str(sb, 4, "t");
	put_str(sb, 4, desc);
	put_int(sb, 4, section);
	put_str(sb, 4, "CREATE TABLE t ();\n");
	put_str(sb, 4, "");
	put_str(sb, 4, "");
	put_str(sb, 4, "public");
	put_str(sb, 4, "");
	put_str(sb, 4, "heap");
	put_str(sb, 4, "postgres");
	put_str(sb, 4, "false");
	put_str(sb, 4, NULL);
}

static void test_hostile(void **state)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	time_t t0 = time(NULL);
	size_t at;

	(void)state;
	/* 10^9 entries promised by a ~130-byte file: refused at once. */
	entry_start(&sb, 1000000000);
	hostile(&sb, "archive truncated: TOC entry 1 of 1000000000 (dump id "
		"1), tableoid: needs 5 bytes at byte ");
	entry_start(&sb, 1000000000);
	entry_rest(&sb, "TABLE", 2);
	put_off(&sb, 8, 3, 0);
	hostile(&sb, "archive truncated: TOC entry 2 of 1000000000, dump id");
	entry_start(&sb, -3);
	hostile(&sb, "corrupt archive: TOC, entry count: -3");

	/* A 2^31-byte string in a small file. */
	entry_start(&sb, 1);
	put_int(&sb, 4, 0x80000000LL);
	strbuf_adds(&sb, "1259");
	pad(&sb);
	hostile(&sb, "a 2147483648-byte string at byte");
	entry_start(&sb, 1);
	put_int(&sb, 4, 0xffffffffLL);
	pad(&sb);
	hostile(&sb, "runs past the end of the file");
	/* Negative lengths other than -1. */
	entry_start(&sb, 1);
	put_int(&sb, 4, -5);
	pad(&sb);
	hostile(&sb, "corrupt archive: TOC entry 1 of 1 (dump id 1), "
		"tableoid: string length -5");
	entry_start(&sb, 1);
	put_int(&sb, 4, -2147483647LL);
	pad(&sb);
	hostile(&sb, "string length -2147483647");
	/* NULL where pg_restore needs a string. */
	entry_start(&sb, 1);
	put_str(&sb, 4, NULL);
	pad(&sb);
	hostile(&sb, "tableoid: missing (NULL)");
	entry_start(&sb, 1);
	put_str(&sb, 4, "12x");
	pad(&sb);
	hostile(&sb, "tableoid: not an OID");
	/* Sign byte other than 0/1. */
	entry_start(&sb, 1);
	strbuf_addch(&sb, 7);
	strbuf_add(&sb, "\0\0\0\0", 4);
	pad(&sb);
	hostile(&sb, "tableoid: sign byte 7");

	/* Out-of-range fields. */
	put_header(&sb, 14, 4, 8);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 0);
	pad(&sb);
	hostile(&sb, "dump id: 0 out of range");
	put_header(&sb, 14, 4, 8);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 2);
	pad(&sb);
	hostile(&sb, "hadDumper: 2");
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE", 9);
	put_off(&sb, 8, 3, 0);
	hostile(&sb, "section: 9");
	entry_start(&sb, 1);
	entry_rest(&sb, "", 2);
	put_off(&sb, 8, 3, 0);
	hostile(&sb, "desc: empty");
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE", 2);
	put_off(&sb, 8, 9, 0);
	hostile(&sb, "data offset: data offset flag 9");

	/* Data offsets and blocks that lie. */
	entry_start(&sb, 1);
	sb.buf[sb.len - 5] = 0;	/* hadDumper stays 0: fine */
	entry_rest(&sb, "TABLE DATA", 3);
	put_off(&sb, 8, 2, 20);
	hostile(&sb, "points inside the header or TOC");
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE DATA", 3);
	at = sb.len + 9;
	put_off(&sb, 8, 2, at);
	strbuf_addch(&sb, 1);
	put_int(&sb, 4, 77);
	put_int(&sb, 4, 0);
	hostile(&sb, "the block there belongs to entry 77");
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE DATA", 3);
	at = sb.len + 9;
	put_off(&sb, 8, 2, at);
	strbuf_addch(&sb, 7);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 0);
	hostile(&sb, "unknown data block type 7");
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE DATA", 3);
	at = sb.len + 9;
	put_off(&sb, 8, 2, at);
	strbuf_addch(&sb, 1);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, -4);
	hostile(&sb, "chunk length: -4");
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE DATA", 3);
	at = sb.len + 9;
	put_off(&sb, 8, 2, at);
	strbuf_addch(&sb, 1);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 0x7fffffff);
	strbuf_adds(&sb, "abc");
	strbuf_addf(&want, "archive truncated: data of entry 1 (TABLE DATA "
		    "public t) ends at byte %zu of %zu",
		    sb.len - 3 + 0x7fffffff, sb.len);
	hostile(&sb, want.buf);
	strbuf_reset(&want);
	entry_start(&sb, 1);
	entry_rest(&sb, "TABLE DATA", 3);
	put_off(&sb, 8, 2, 1000000);
	strbuf_addf(&want, "starts at byte 1000000 but the file has %zu "
		    "bytes", sb.len);
	hostile(&sb, want.buf);
	strbuf_release(&want);
	/* Data announced, but the offset says none: pg_restore skips it. */
	put_header(&sb, 14, 4, 8);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 1);
	put_int(&sb, 4, 1);
	entry_rest(&sb, "TABLE DATA", 3);
	put_off(&sb, 8, 3, 0);
	hostile(&sb, "the entry has data but its offset says none");
	/* Two entries, one dump id. */
	put_header(&sb, 14, 4, 8);
	put_int(&sb, 4, 2);
	put_int(&sb, 4, 5);
	put_int(&sb, 4, 0);
	entry_rest(&sb, "TABLE", 2);
	put_off(&sb, 8, 3, 0);
	put_int(&sb, 4, 5);
	put_int(&sb, 4, 0);
	entry_rest(&sb, "INDEX", 4);
	put_off(&sb, 8, 3, 0);
	hostile(&sb, "two TOC entries have dump id 5");

	/* Header sanity. */
	put_header(&sb, 14, 9, 8);
	hostile(&sb, "integer size: 9 bytes (sanity check: 1 to 8)");
	put_header(&sb, 14, 0, 8);
	hostile(&sb, "integer size: 0 bytes");
	put_header(&sb, 14, 4, 0);
	hostile(&sb, "offset size: 0 bytes");
	put_header(&sb, 14, 4, 8);
	sb.buf[10] = 3;
	hostile(&sb, "the TOC of a tar-format archive (pg_dump -Ft)");
	put_header(&sb, 14, 4, 8);
	sb.buf[10] = 5;
	hostile(&sb, "the toc.dat of a directory-format archive");
	put_header(&sb, 14, 4, 8);
	sb.buf[10] = 2;
	hostile(&sb, "unknown archive format 2");
	put_header(&sb, 15, 4, 8);
	sb.buf[11] = 9;
	hostile(&sb, "compression: unknown algorithm 9");
	put_header(&sb, 14, 4, 8);
	sb.buf[11] = 0;	/* sign */
	sb.buf[12] = 42;
	hostile(&sb, "compression: zlib level 42");
	put_header(&sb, 14, 4, 8);
	sb.buf[16 + 4 * 5 + 1] = 12;	/* tm_mon: 5th int after byte 16 */
	hostile(&sb, "creation time: tm_mon = 12");
	put_header(&sb, 14, 4, 8);
	sb.buf[5] = 2;
	hostile(&sb, "unsupported archive version 2.14.0");
	/* An 8-byte integer beyond int64. */
	put_header(&sb, 14, 8, 8);
	strbuf_addch(&sb, 0);
	strbuf_add(&sb, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	hostile(&sb, "entry count: integer out of range");
	put_header(&sb, 14, 8, 8);
	put_int(&sb, 8, 0x7fffffffffffLL);
	hostile(&sb, "entry count: 140737488355327");

	/* Not custom archives at all. */
	hostile(&sb, "0 bytes, too short for the PGDMP header");
	strbuf_adds(&sb, "PGD");
	hostile(&sb, "3 bytes, too short");
	strbuf_add(&sb, "\x1f\x8b\x08\x00\x00\x00\x00\x00", 8);
	hostile(&sb, "a gzip-compressed file");
	strbuf_adds(&sb, "--\n-- PostgreSQL database dump\n--\n\nSET x;\n");
	hostile(&sb, "a plain SQL script");
	strbuf_addf(&sb, "%-257s", "toc.dat");
	strbuf_adds(&sb, "ustar  ");
	strbuf_addf(&sb, "%-300s", "");
	hostile(&sb, "a tar archive (pg_dump -Ft?)");
	strbuf_adds(&sb, "hello, world, this is not an archive");
	hostile(&sb, "not a pg_dump archive: no PGDMP magic");

	assert_true(time(NULL) - t0 < 10);
	strbuf_release(&sb);
}

static void test_paths(void **state)
{
	struct strbuf p = STRBUF_INIT;
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	strbuf_addf(&p, "%s/fd", tmpdir);
	assert_int_equal(mkdir(p.buf, 0700), 0);
	assert_int_equal(toc_read_archive(p.buf, &t, &err), -1);
	assert_contains(err.msg.buf, "a directory, not a pg_dump archive");
	strbuf_adds(&p, "/toc.dat");
	write_file(p.buf, "PGDMP", 5);
	strbuf_setlen(&p, p.len - 8);
	assert_int_equal(toc_read_archive(p.buf, &t, &err), -1);
	assert_contains(err.msg.buf, "a directory-format archive (pg_dump -Fd)");
	strbuf_adds(&p, "/toc.dat");
	assert_int_equal(unlink(p.buf), 0);
	strbuf_setlen(&p, p.len - 8);
	assert_int_equal(rmdir(p.buf), 0);
	strbuf_adds(&p, "/missing");
	assert_int_equal(toc_read_archive(p.buf, &t, &err), -1);
	assert_contains(err.msg.buf, "No such file or directory");
	assert_int_equal(toc_read_archive("/dev/null", &t, &err), -1);
	assert_contains(err.msg.buf, "not a regular file");
	toc_release(&t);
	strbuf_release(&p);
	error_release(&err);
}

/* ---- pg_restore -l ---------------------------------------------------- */

/* pg_restore 15.18 -l of the small schema of t0500 (trimmed by hand). */
static const char listing15[] =
	";\n"
	"; Archive created at 2026-11-24 11:25:49 UTC\n"
	";     dbname: postgres\n"
	";     TOC Entries: 24\n"
	";     Compression: -1\n"
	";     Dump Version: 1.14-0\n"
	";     Format: CUSTOM\n"
	";     Integer: 4 bytes\n"
	";     Offset: 8 bytes\n"
	";     Dumped from database version: 15.18 (Debian 15.18-0+deb12u1)\n"
	";     Dumped by pg_dump version: 15.18 (Debian 15.18-0+deb12u1)\n"
	";\n"
	";\n"
	"; Selected TOC Entries:\n"
	";\n"
	"217; 1259 16394 TABLE public posts postgres\n"
	"3365; 0 0 COMMENT public TABLE posts postgres\n"
	"216; 1259 16393 SEQUENCE public posts_id_seq postgres\n"
	"3366; 0 0 SEQUENCE OWNED BY public posts_id_seq postgres\n"
	"218; 1259 16408 SEQUENCE public ticket_seq postgres\n"
	"215; 1259 16385 TABLE public users postgres\n"
	"214; 1259 16384 SEQUENCE public users_id_seq postgres\n"
	"3367; 0 0 SEQUENCE OWNED BY public users_id_seq postgres\n"
	"3204; 2604 16397 DEFAULT public posts id postgres\n"
	"3203; 2604 16388 DEFAULT public users id postgres\n"
	"3356; 0 16394 TABLE DATA public posts postgres\n"
	"3354; 0 16385 TABLE DATA public users postgres\n"
	"3368; 0 0 SEQUENCE SET public posts_id_seq postgres\n"
	"3369; 0 0 SEQUENCE SET public ticket_seq postgres\n"
	"3370; 0 0 SEQUENCE SET public users_id_seq postgres\n"
	"3208; 2606 16401 CONSTRAINT public posts posts_pkey postgres\n"
	"3206; 2606 16392 CONSTRAINT public users users_pkey postgres\n"
	"3209; 1259 16407 INDEX public posts_user postgres\n"
	"3210; 2606 16402 FK CONSTRAINT public posts posts_user_id_fkey "
	"postgres\n";

static void test_listing(void **state)
{
	static const char *const want_desc[] = {
		"COMMENT", "CONSTRAINT", "DEFAULT", "FK CONSTRAINT", "INDEX",
		"SEQUENCE", "SEQUENCE OWNED BY", "SEQUENCE SET", "TABLE",
		"TABLE DATA",
	};
	static const size_t want_count[] = { 1, 2, 2, 1, 1, 3, 2, 3, 2, 2 };
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct toc_type_count *c;
	size_t n, i;

	(void)state;
	if (toc_parse_listing(listing15, strlen(listing15), &t, &err))
		fail_msg("%s", err.msg.buf);
	assert_int_equal(t.from_listing, 1);
	assert_int_equal(t.entries_total, 24);
	assert_int_equal(t.entries_listed, 19);
	assert_int_equal(t.nr, 19);
	assert_int_equal(t.descs_guessed, 0);
	assert_int_equal(t.vmaj, 1);
	assert_int_equal(t.vmin, 14);
	assert_int_equal(t.vrev, 0);
	assert_int_equal(t.format, TOC_FORMAT_CUSTOM);
	assert_int_equal(t.int_size, 4);
	assert_int_equal(t.off_size, 8);
	assert_string_equal(t.compression, "gzip");
	assert_int_equal(t.compress_level, -1);
	assert_string_equal(t.created, "2026-11-24 11:25:49 UTC");
	assert_string_equal(t.dbname, "postgres");
	assert_string_equal(t.server_version,
			    "15.18 (Debian 15.18-0+deb12u1)");
	assert_string_equal(t.dump_version, t.server_version);

	assert_int_equal(t.entries[1].dump_id, 3365);
	assert_string_equal(t.entries[1].desc, "COMMENT");
	assert_string_equal(t.entries[1].tag, "TABLE posts");
	assert_int_equal(t.entries[3].dump_id, 3366);
	assert_string_equal(t.entries[3].desc, "SEQUENCE OWNED BY");
	assert_string_equal(t.entries[3].namespace, "public");
	assert_string_equal(t.entries[3].tag, "posts_id_seq");
	assert_string_equal(t.entries[3].owner, "postgres");
	assert_int_equal(t.entries[0].tableoid, 1259);
	assert_int_equal(t.entries[0].oid, 16394);
	assert_int_equal(t.entries[0].section, TOC_SECTION_UNKNOWN);
	assert_int_equal(t.entries[0].data_state, TOC_DATA_UNKNOWN);
	assert_int_equal(t.entries[0].had_dumper, -1);
	assert_string_equal(t.entries[18].desc, "FK CONSTRAINT");
	assert_string_equal(t.entries[18].tag, "posts posts_user_id_fkey");

	n = toc_count_by_type(&t, 0, &c);
	assert_int_equal(n, 10);
	for (i = 0; i < n; i++) {
		assert_string_equal(c[i].desc, want_desc[i]);
		assert_int_equal(c[i].count, want_count[i]);
	}
	free(c);
	toc_release(&t);
	error_release(&err);
}

static void test_listing_shapes(void **state)
{
	static const char text[] =
		";     TOC Entries: 9\r\n"
		";     Compression: zstd\r\n"
		";     Dump Version: 1.16-0\r\n"
		";     Format: CUSTOM\r\n"
		"3; 2615 2200 SCHEMA - public pg_database_owner\r\n"
		"7; 0 0 COMMENT - SCHEMA public pg_database_owner\r\n"
		"20; 1259 16500 MATERIALIZED VIEW DATA public mv alice\r\n"
		"21; 0 0 PUBLICATION TABLES IN SCHEMA - pub public alice\r\n"
		"22; 0 0 FROBNICATOR public thing alice\r\n"
		"23; 0 0 DEFAULT ACL - DEFAULT PRIVILEGES FOR TABLES bob\r\n"
		"24; 0 0 TABLE public tagonly\r\n"
		";\tdepends on: 3 7\r\n"
		";25; 0 0 TABLE public commented out\r\n"
		"\r\n"
		"26; 0 0 SEQUENCE SET public s \n";
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	if (toc_parse_listing(text, strlen(text), &t, &err))
		fail_msg("%s", err.msg.buf);
	assert_int_equal(t.entries_total, 9);
	assert_int_equal(t.nr, 8);
	assert_int_equal(t.vmin, 16);
	assert_string_equal(t.compression, "zstd");
	assert_int_equal(t.compress_level, -2);
	assert_string_equal(t.dbname, "");
	assert_string_equal(t.entries[0].desc, "SCHEMA");
	assert_string_equal(t.entries[0].namespace, "");
	assert_string_equal(t.entries[0].tag, "public");
	assert_string_equal(t.entries[0].owner, "pg_database_owner");
	assert_string_equal(t.entries[1].tag, "SCHEMA public");
	assert_string_equal(t.entries[2].desc, "MATERIALIZED VIEW DATA");
	assert_string_equal(t.entries[2].tag, "mv");
	assert_string_equal(t.entries[3].desc,
			    "PUBLICATION TABLES IN SCHEMA");
	assert_string_equal(t.entries[3].tag, "pub public");
	assert_string_equal(t.entries[4].desc, "FROBNICATOR");
	assert_string_equal(t.entries[4].namespace, "public");
	assert_int_equal(t.descs_guessed, 1);
	assert_string_equal(t.entries[5].desc, "DEFAULT ACL");
	assert_string_equal(t.entries[5].tag,
			    "DEFAULT PRIVILEGES FOR TABLES");
	assert_string_equal(t.entries[5].owner, "bob");
	assert_string_equal(t.entries[6].tag, "tagonly");
	assert_string_equal(t.entries[6].owner, "");
	/* A NULL owner prints as nothing after the tag's space. */
	assert_string_equal(t.entries[7].desc, "SEQUENCE SET");
	assert_string_equal(t.entries[7].tag, "s");
	assert_string_equal(t.entries[7].owner, "");
	toc_release(&t);

	assert_int_equal(toc_parse_listing("", 0, &t, &err), -1);
	assert_contains(err.msg.buf, "no \"TOC Entries\" line");
	toc_release(&t);
	assert_int_equal(toc_parse_listing(";     TOC Entries: 1\n1; 0 0 A "
					   "b c d\n2; 0 0 B c d e\n", 44, &t,
					   &err), -1);
	assert_contains(err.msg.buf, "shows 2 entries but its header says 1");
	toc_release(&t);
	assert_int_equal(toc_parse_listing(";     TOC Entries: 3\nhello\n",
					   27, &t, &err), -1);
	assert_string_equal(err.msg.buf,
			    "line 2: not a pg_restore -l line: hello");
	toc_release(&t);
	assert_int_equal(toc_parse_listing("1;0 0 TABLE a b c\n", 18, &t,
					   &err), -1);
	toc_release(&t);
	assert_int_equal(toc_parse_listing("99999999999; 0 0 TABLE a b c\n",
					   30, &t, &err), -1);
	toc_release(&t);
	assert_int_equal(toc_parse_listing("1; 0 0 \n", 8, &t, &err), -1);
	toc_release(&t);
	assert_int_equal(toc_parse_listing(";     TOC Entries: "
					   "999999999999999999999999\n", 44,
					   &t, &err), -1);
	toc_release(&t);
	/* No descs, no counts. */
	assert_int_equal(toc_parse_listing(";     TOC Entries: 3\n", 21, &t,
					   &err), 0);
	{
		struct toc_type_count *c = (void *)1;

		assert_int_equal(toc_count_by_type(&t, 0, &c), 0);
		assert_null(c);
	}
	toc_release(&t);
	error_release(&err);
}

/*
 * The listing comes from a pipe: its bytes are not NUL-terminated, so a
 * header value at the very end must be read within `len` (atoi() and
 * sscanf() ran past it). Each text is copied into a buffer of exactly
 * its length, so ASan sees the first byte read beyond.
 */
static int parse_exact(const char *text, struct toc *t, struct error *err)
{
	size_t n = strlen(text);
	char *buf = malloc(n);
	int rc;

	assert_non_null(buf);
	memcpy(buf, text, n);
	rc = toc_parse_listing(buf, n, t, err);
	free(buf);
	return rc;
}

static void test_listing_unterminated(void **state)
{
	static const char head[] = ";     TOC Entries: 0\n";
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addf(&sb, "%s;     Integer: 4", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_int_equal(t.int_size, 4);
	toc_release(&t);

	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s;     Offset: 8", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_int_equal(t.off_size, 8);
	toc_release(&t);

	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s;     Compression: 9", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_int_equal(t.compress_level, 9);
	assert_string_equal(t.compression, "gzip");
	toc_release(&t);

	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s;     Compression: -1", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_int_equal(t.compress_level, -1);
	toc_release(&t);

	/* Nothing after the prefix: not a byte past the end is looked at. */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s;     Compression: ", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_string_equal(t.compression, "");
	toc_release(&t);

	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s;     Dump Version: 1.14-0", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_int_equal(t.vmaj, 1);
	assert_int_equal(t.vmin, 14);
	toc_release(&t);

	/* Out of range or not a number: left unset, no overflow. */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s;     Integer: 99999999999999999999\n"
		    ";     Offset: x8\n;     Compression: -99999999999", head);
	assert_int_equal(parse_exact(sb.buf, &t, &err), 0);
	assert_int_equal(t.int_size, 0);
	assert_int_equal(t.off_size, 0);
	assert_int_equal(t.compress_level, -2);
	toc_release(&t);

	strbuf_release(&sb);
	error_release(&err);
}

static void test_versions_match(void **state)
{
	(void)state;
	assert_int_equal(toc_major_version("15.18 (Debian 15.18-0+deb12u1)"),
			 15);
	assert_int_equal(toc_major_version("16.4"), 16);
	assert_int_equal(toc_major_version("17beta2"), 17);
	assert_int_equal(toc_major_version("10.23"), 10);
	assert_int_equal(toc_major_version("9.6.24"), 906);
	assert_int_equal(toc_major_version("9.0.1"), 900);
	assert_int_equal(toc_major_version(" 14.1"), 14);
	assert_int_equal(toc_major_version(""), -1);
	assert_int_equal(toc_major_version("PostgreSQL 15"), -1);
	assert_int_equal(toc_major_version("9"), -1);
	assert_int_equal(toc_major_version(NULL), -1);
	assert_int_equal(toc_same_major("15.18 (Debian 15.18-0+deb12u1)",
					 "15.2"), 1);
	assert_int_equal(toc_same_major("15.18", "16.1"), 0);
	assert_int_equal(toc_same_major("9.6.1", "9.5.1"), 0);
	assert_int_equal(toc_same_major("x", "15"), -1);
	assert_string_equal(toc_section_name(TOC_SECTION_POST_DATA),
			    "post-data");
	assert_string_equal(toc_format_name(TOC_FORMAT_DIRECTORY),
			    "directory");
}

/* ---- a real dump (tests/t0500-toc.sh) ----------------------------------- */

static void test_real_dump(void **state)
{
	const char *dump = getenv("TOC_DUMP");
	const char *list = getenv("TOC_LISTING");
	const char *offs = getenv("TOC_DUMP_OFFSETS");
	struct strbuf text = STRBUF_INIT;
	struct toc a = TOC_INIT, l = TOC_INIT;
	struct error err = ERROR_INIT;
	struct toc_type_count *ca, *cl;
	size_t na, nl, i, j;

	(void)state;
	if (!list)
		fail_msg("TOC_DUMP needs TOC_LISTING (its pg_restore -l)");
	if (strbuf_read_file(&text, list, 64 << 20) < 0)
		fail_msg("%s: cannot read", list);
	if (toc_parse_listing(text.buf, text.len, &l, &err))
		fail_msg("%s: %s", list, err.msg.buf);
	if (toc_read_archive(dump, &a, &err))
		fail_msg("%s", err.msg.buf);

	print_message("%s: %zu entries (%zu listed), %zu data blocks, %"
		      PRIu64 " bytes of data%s\n", dump, a.entries_total,
		      a.entries_listed, a.data_blocks, a.data_bytes,
		      a.sequential ? ", found by scanning" : "");
	assert_int_equal(a.entries_total, l.entries_total);
	assert_int_equal(a.entries_listed, l.entries_listed);
	assert_int_equal(l.nr, l.entries_listed);
	assert_true(a.entries_total > a.entries_listed);
	assert_int_equal(l.descs_guessed, 0);

	/* Entry by entry, in order: both readers see the same TOC. */
	for (i = 0, j = 0; i < a.nr; i++) {
		const struct toc_entry *x = &a.entries[i], *y;

		if (!x->listed)
			continue;
		assert_true(j < l.nr);
		y = &l.entries[j++];
		assert_int_equal(x->dump_id, y->dump_id);
		assert_int_equal(x->tableoid, y->tableoid);
		assert_int_equal(x->oid, y->oid);
		assert_string_equal(x->desc, y->desc);
		assert_string_equal(x->namespace, y->namespace);
		assert_string_equal(x->tag, y->tag);
		assert_string_equal(x->owner, y->owner);
	}
	assert_int_equal(j, l.nr);

	na = toc_count_by_type(&a, TOC_COUNT_LISTED, &ca);
	nl = toc_count_by_type(&l, 0, &cl);
	assert_int_equal(na, nl);
	for (i = 0; i < na; i++) {
		assert_string_equal(ca[i].desc, cl[i].desc);
		assert_int_equal(ca[i].count, cl[i].count);
	}
	free(ca);
	free(cl);

	assert_int_equal(a.vmaj, l.vmaj);
	assert_int_equal(a.vmin, l.vmin);
	assert_int_equal(a.vrev, l.vrev);
	assert_int_equal(a.int_size, l.int_size);
	assert_int_equal(a.off_size, l.off_size);
	assert_int_equal(a.format, l.format);
	assert_string_equal(a.compression, l.compression);
	assert_string_equal(a.dbname, l.dbname);
	assert_string_equal(a.server_version, l.server_version);
	assert_string_equal(a.dump_version, l.dump_version);
	assert_int_equal(toc_same_major(a.server_version, a.dump_version), 1);
	/* The listing prints the restore host's zone; same host here. */
	assert_int_equal(strncmp(a.created, l.created, 19), 0);

	assert_int_equal(a.toc_complete, 1);
	assert_int_equal(a.data_complete, 1);
	assert_true(a.data_blocks > 0);
	assert_true(a.data_bytes > 0);
	if (offs) {
		int want_set = !strcmp(offs, "set");

		assert_int_equal(a.sequential, !want_set);
		for (i = 0; i < a.nr; i++)
			if (a.entries[i].had_dumper)
				assert_int_equal(a.entries[i].data_state,
						 want_set ? TOC_DATA_SET :
						 TOC_DATA_NOT_SET);
	}
	toc_release(&a);
	toc_release(&l);
	strbuf_release(&text);
	error_release(&err);
}

static void test_real_truncated(void **state)
{
	const char *dump = getenv("TOC_DUMP_TRUNCATED");
	struct toc a = TOC_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	if (!toc_read_archive(dump, &a, &err))
		fail_msg("%s: a truncated dump passed", dump);
	print_message("%s\n", err.msg.buf);
	assert_contains(err.msg.buf, "archive truncated: ");
	assert_contains(err.msg.buf, "data of entry ");
	assert_int_equal(a.toc_complete, 1);
	assert_int_equal(a.data_complete, 0);
	toc_release(&a);
	error_release(&err);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct strbuf p = STRBUF_INIT;

	(void)state;
	strbuf_addf(&p, "%s/ok.dump", tmpdir);
	unlink(p.buf);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/big.dump", tmpdir);
	unlink(p.buf);
	strbuf_release(&p);
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_large_file),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_unset_offsets),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_listing_shapes),
		cmocka_unit_test(test_listing_unterminated),
		cmocka_unit_test(test_versions_match),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_real_dump),
	};
	const struct CMUnitTest truncated[] = {
		cmocka_unit_test(test_real_truncated),
	};
	int rc;

	rc = cmocka_run_group_tests_name("toc", tests, setup, teardown);
	if (getenv("TOC_DUMP"))
		rc += cmocka_run_group_tests_name("toc-real-dump", real, NULL,
						  NULL);
	if (getenv("TOC_DUMP_TRUNCATED"))
		rc += cmocka_run_group_tests_name("toc-truncated-dump",
						  truncated, NULL, NULL);
	return rc ? 1 : 0;
}
