/*
 * Unit tests of pgwal: LSNs, segment names (16 MiB and other sizes),
 * backup labels as hostile text, and the archive completeness walk on a
 * real directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "pgwal.h"

static char tmpdir[] = "/tmp/rdrill-test-pgwal.XXXXXX";

static void test_lsn(void **state)
{
	uint64_t l;
	char buf[32];

	(void)state;
	assert_int_equal(pgwal_parse_lsn("16/B374D848", &l), 0);
	assert_true(l == ((uint64_t)0x16 << 32 | 0xB374D848));
	pgwal_format_lsn(l, buf, sizeof(buf));
	assert_string_equal(buf, "16/B374D848");
	assert_int_equal(pgwal_parse_lsn("0/0", &l), 0);
	assert_int_equal(pgwal_parse_lsn("0/", &l), -1);
	assert_int_equal(pgwal_parse_lsn("/1", &l), -1);
	assert_int_equal(pgwal_parse_lsn("1/2 ", &l), -1);
	assert_int_equal(pgwal_parse_lsn("123456789/0", &l), -1);
	assert_int_equal(pgwal_parse_lsn("x/0", &l), -1);
	assert_int_equal(pgwal_parse_lsn(NULL, &l), -1);
}

static void test_segname(void **state)
{
	char buf[32];
	uint32_t tli;
	uint64_t seg, mib16 = PGWAL_SEGSIZE_DEFAULT, lsn;

	(void)state;
	assert_int_equal(pgwal_parse_lsn("0/2000028", &lsn), 0);
	pgwal_segname(1, lsn / mib16, mib16, buf, sizeof(buf));
	assert_string_equal(buf, "000000010000000000000002");
	/* 256 segments of 16 MiB per 4 GiB: 1/FF000000 is ...0001000000FF. */
	assert_int_equal(pgwal_parse_lsn("1/FF000000", &lsn), 0);
	pgwal_segname(3, lsn / mib16, mib16, buf, sizeof(buf));
	assert_string_equal(buf, "0000000300000001000000FF");
	assert_int_equal(pgwal_parse_segname(buf, mib16, &tli, &seg), 0);
	assert_int_equal(tli, 3);
	assert_true(seg == lsn / mib16);
	/* 1 GiB segments: 4 per 4 GiB. */
	pgwal_segname(1, 7, 1u << 30, buf, sizeof(buf));
	assert_string_equal(buf, "000000010000000100000003");
	assert_int_equal(pgwal_parse_segname("000000010000000000000100", mib16,
					     &tli, &seg), -1);
	assert_int_equal(pgwal_parse_segname("00000001000000000000000a", mib16,
					     &tli, &seg), -1);
	assert_int_equal(pgwal_parse_segname("000000010000000000000002.partial",
					     mib16, &tli, &seg), -1);
	assert_true(pgwal_segsize_valid(1u << 20));
	assert_false(pgwal_segsize_valid(3u << 20));
	assert_false(pgwal_segsize_valid(1u << 19));
	assert_false(pgwal_segsize_valid(UINT64_C(1) << 31));
}

static void test_label(void **state)
{
	static const char good[] =
		"START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n"
		"STOP WAL LOCATION: 0/2000100 (file 000000010000000000000002)\n"
		"CHECKPOINT LOCATION: 0/2000060\n"
		"BACKUP METHOD: streamed\n"
		"BACKUP FROM: primary\n"
		"START TIME: 2026-12-02 00:55:37 UTC\n"
		"LABEL: pg_basebackup base backup\n"
		"START TIMELINE: 1\n"
		"SOMETHING NEW: 42\n"
		"STOP TIME: 2026-12-02 00:55:38 UTC\n"
		"STOP TIMELINE: 1\n";
	struct pgwal_label l = PGWAL_LABEL_INIT;
	struct error err = ERROR_INIT;
	static const char *const bad[] = {
		"LABEL: x\n",
		"START WAL LOCATION: 0/1\nSTART WAL LOCATION: 0/1\n",
		"START WAL LOCATION: zz\n",
		"START WAL LOCATION: 0/1\nSTART TIMELINE: 0\n",
		"START WAL LOCATION: 0/1\nSTART TIMELINE: 99999999999\n",
		"START WAL LOCATION: 0/1\nLABEL: a\033[2Jb\n",
		"START WAL LOCATION: 0/5\nSTOP WAL LOCATION: 0/4\n",
		NULL,
	};
	const char *const *b;
	char longline[3000];

	(void)state;
	assert_int_equal(pgwal_parse_label(good, strlen(good), &l, &err), 0);
	assert_true(l.start_lsn == 0x2000028 && l.stop_lsn == 0x2000100);
	assert_true(l.has_stop && l.has_checkpoint);
	assert_int_equal(l.start_tli, 1);
	assert_int_equal(l.stop_tli, 1);
	assert_string_equal(l.start_time.buf, "2026-12-02 00:55:37 UTC");
	assert_string_equal(l.stop_time.buf, "2026-12-02 00:55:38 UTC");
	assert_string_equal(l.label.buf, "pg_basebackup base backup");
	assert_string_equal(l.method.buf, "streamed");
	pgwal_label_release(&l);
	for (b = bad; *b; b++) {
		struct pgwal_label m = PGWAL_LABEL_INIT;
		assert_int_equal(pgwal_parse_label(*b, strlen(*b), &m, &err), -1);
		assert_true(err.msg.len > 0);
		pgwal_label_release(&m);
	}
	memset(longline, 'A', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	assert_int_equal(pgwal_parse_label(longline, strlen(longline), &l,
					   &err), -1);
	pgwal_label_release(&l);
	/* A NUL inside is a control character, not the end. */
	assert_int_equal(pgwal_parse_label("START WAL LOCATION: 0/1\n\0x", 26,
					   &l, &err), -1);
	pgwal_label_release(&l);
	error_release(&err);
}

static void mkseg(const char *name, size_t size)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static void test_archive(void **state)
{
	struct pgwal_archive a;
	struct error err = ERROR_INIT;
	const uint64_t mb = 1u << 20;
	char name[32];
	uint64_t s;

	(void)state;
	for (s = 2; s <= 9; s++) {
		pgwal_segname(1, s, mb, name, sizeof(name));
		if (s != 5)
			mkseg(name, s == 7 ? mb / 2 : mb);
	}
	mkseg("000000020000000000000010", mb);      /* other timeline */
	mkseg("000000010000000000000003.00000028.backup", 300);
	assert_int_equal(pgwal_archive_check(tmpdir, 1, mb, 2, 4, &a, &err), 0);
	assert_true(a.complete);
	assert_true(a.present == 3);
	assert_int_equal(pgwal_archive_check(tmpdir, 1, mb, 2, UINT64_MAX, &a,
					     &err), 0);
	assert_false(a.complete);
	assert_true(a.last == 9 && a.newest == 9);
	assert_true(a.first_bad == 5 && !a.first_bad_short);
	assert_true(a.bad == 2);            /* 5 missing, 7 short */
	assert_int_equal(pgwal_archive_check(tmpdir, 1, mb, 6, UINT64_MAX, &a,
					     &err), 0);
	assert_true(!a.complete && a.first_bad == 7 && a.first_bad_short);
	/* Past the newest: the range is missing entirely. */
	assert_int_equal(pgwal_archive_check(tmpdir, 1, mb, 12, 13, &a, &err), 0);
	assert_true(!a.complete && a.first_bad == 12 && a.bad == 2);
	assert_int_equal(pgwal_archive_check(tmpdir, 1, 3 * mb, 2, 4, &a, &err),
			 -1);
	assert_int_equal(pgwal_archive_check("/nonexistent/rdrill", 1, mb, 2, 4,
					     &a, &err), -1);
	assert_non_null(strstr(err.msg.buf, "/nonexistent/rdrill"));
	error_release(&err);
}


/* A synthetic 1 MiB segment of 8 KiB pages, as the server lays it out. */
#define SEG (1u << 20)
#define BLK 8192u

static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }

static unsigned char *make_segment(uint32_t tli, uint64_t segno, uint64_t sysid,
				   uint32_t pages)
{
	unsigned char *b = calloc(1, SEG);
	uint32_t i;

	assert_non_null(b);
	for (i = 0; i < pages; i++) {
		unsigned char *pg = b + (size_t)i * BLK;
		put16(pg, 0xD110);
		put16(pg + 2, i ? 0 : 0x0002);
		put32(pg + 4, tli);
		put64(pg + 8, segno * SEG + (uint64_t)i * BLK);
		if (!i) {
			put64(pg + 24, sysid);
			put32(pg + 32, SEG);
			put32(pg + 36, BLK);
		}
	}
	return b;
}

static void test_segment_headers(void **state)
{
	struct strbuf why = STRBUF_INIT;
	uint64_t sysid = 0;
	uint32_t magic = 0;
	unsigned char *b = make_segment(1, 5, 77, SEG / BLK);

	(void)state;
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG, &sysid, &magic,
					     &why), 0);
	assert_true(sysid == 77 && magic == 0xD110);
	/* The same bytes under another name: its page address says so. */
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 6, SEG, &sysid, &magic,
					     &why), -1);
	assert_non_null(strstr(why.buf, "unexpected pageaddr 0/500000 at "
			       "offset 0 (expected 0/600000)"));
	/* Another cluster's. */
	strbuf_reset(&why);
	sysid = 78;
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG, &sysid, &magic,
					     &why), -1);
	assert_non_null(strstr(why.buf, "system identifier 77, expected 78"));
	/* A page from a later timeline than the file's. */
	strbuf_reset(&why);
	sysid = 77;
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG / 2, &sysid,
					     &magic, &why), -1);
	strbuf_reset(&why);
	put32(b + 3 * BLK + 4, 2);
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG, &sysid, &magic,
					     &why), -1);
	assert_non_null(strstr(why.buf, "timeline 2 at offset 24576"));
	free(b);
	/* A switched segment's zeroed tail is fine; a header after it not. */
	b = make_segment(1, 5, 77, 10);
	strbuf_reset(&why);
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG, &sysid, &magic,
					     &why), 0);
	put16(b + 20 * BLK, 0xD110);
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG, &sysid, &magic,
					     &why), -1);
	assert_non_null(strstr(why.buf, "after zeroed pages"));
	/* A magic number no server writes. */
	free(b);
	b = make_segment(1, 5, 77, 1);
	put16(b, 0x1234);
	magic = 0;
	strbuf_reset(&why);
	assert_int_equal(pgwal_check_segment(b, SEG, 1, 5, SEG, &sysid, &magic,
					     &why), -1);
	assert_non_null(strstr(why.buf, "invalid magic number 1234"));
	free(b);
	strbuf_release(&why);
}

/* pgwal_prove() over a directory: threads, the first bad segment named. */
static void test_prove_dir(void **state)
{
	char dir[] = "/tmp/rdrill-test-prove.XXXXXX", path[256], name[32];
	struct pgwal_proof pr = PGWAL_PROOF_INIT;
	struct error e = ERROR_INIT;
	uint64_t seg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (seg = 2; seg <= 9; seg++) {
		/* Segment 6 is a copy of 4. */
		unsigned char *b = make_segment(1, seg == 6 ? 4 : seg, 77,
						SEG / BLK);
		FILE *f;
		pgwal_segname(1, seg, SEG, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		f = fopen(path, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(b, 1, SEG, f), SEG);
		fclose(f);
		free(b);
	}
	assert_int_equal(pgwal_prove(dir, 1, SEG, 2, 5, 77, 3, &pr, &e), 0);
	assert_true(pr.ok && pr.segments == 4 && pr.bytes == 4ull * SEG);
	assert_int_equal(pgwal_prove(dir, 1, SEG, 2, 9, 77, 4, &pr, &e), 0);
	assert_false(pr.ok);
	assert_true(pr.bad_segno == 6);
	assert_non_null(strstr(pr.why.buf, "unexpected pageaddr 0/400000"));
	/* Past the end: missing. */
	assert_int_equal(pgwal_prove(dir, 1, SEG, 8, 12, 77, 2, &pr, &e), 0);
	assert_true(!pr.ok && pr.bad_segno == 10);
	assert_non_null(strstr(pr.why.buf, "is missing"));
	pgwal_proof_release(&pr);
	error_release(&e);
	for (seg = 2; seg <= 9; seg++) {
		pgwal_segname(1, seg, SEG, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsn),
		cmocka_unit_test(test_segname),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_archive),
		cmocka_unit_test(test_segment_headers),
		cmocka_unit_test(test_prove_dir),
	};
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests_name("pgwal", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
