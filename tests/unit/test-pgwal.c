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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsn),
		cmocka_unit_test(test_segname),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_archive),
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
