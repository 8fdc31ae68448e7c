#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "backup.h"

/*
 * The archive header's fields (tm_sec, tm_min, tm_hour, tm_mday, tm_mon,
 * tm_year, tm_isdst) to an instant, in a zone: the DST cases that a
 * mtime never has to deal with.
 */
static long long at(int y, int mo, int d, int h, int mi, int s, int dst,
		    const char *tz, int *fits)
{
	int f[7] = { s, mi, h, d, mo - 1, y - 1900, dst };
	long long ms = -1;

	assert_int_equal(backup_archive_time(f, tz, &ms, fits), 0);
	return ms / 1000;
}

static void test_utc(void **state)
{
	int fits;

	(void)state;
	/* 2026-12-01 10:00:00 UTC */
	assert_int_equal(at(2026, 12, 1, 10, 0, 0, 0, "UTC", &fits), 1796119200LL);
	assert_true(fits);
	/*
	 * A DST flag the zone never has: made on a host in another zone; the
	 * zone's rule is used, not an hour taken off for the flag.
	 */
	assert_int_equal(at(2026, 12, 1, 10, 0, 0, 1, "UTC", &fits), 1796119200LL);
	assert_false(fits);
}

static void test_zone(void **state)
{
	int fits;

	(void)state;
	/* Shanghai is UTC+8 all year. */
	assert_int_equal(at(2026, 12, 1, 18, 0, 0, 0, "Asia/Shanghai", &fits),
			 1796119200LL);
	assert_true(fits);
	/* Berlin in summer is UTC+2 (isdst 1), in winter UTC+1. */
	assert_int_equal(at(2026, 7, 1, 12, 0, 0, 1, "Europe/Berlin", &fits),
			 1782900000LL);
	assert_true(fits);
	assert_int_equal(at(2026, 12, 1, 11, 0, 0, 0, "Europe/Berlin", &fits),
			 1796119200LL);
	assert_true(fits);
}

static void test_repeated_hour(void **state)
{
	int fits;
	long long first, second;

	(void)state;
	/*
	 * 2026-10-25 02:30 happens twice in Berlin: at 00:30 UTC (still
	 * CEST, isdst 1) and at 01:30 UTC (CET, isdst 0). The stored flag
	 * says which; without it the instant is a guess an hour wide.
	 */
	first = at(2026, 10, 25, 2, 30, 0, 1, "Europe/Berlin", &fits);
	assert_true(fits);
	second = at(2026, 10, 25, 2, 30, 0, 0, "Europe/Berlin", &fits);
	assert_true(fits);
	assert_int_equal(first, 1792888200LL);  /* 2026-10-25T00:30:00Z */
	assert_int_equal(second - first, 3600);
}

static void test_tz_restored(void **state)
{
	int fits;

	(void)state;
	setenv("TZ", "Asia/Shanghai", 1);
	at(2026, 12, 1, 10, 0, 0, 0, "Europe/Berlin", &fits);
	assert_string_equal(getenv("TZ"), "Asia/Shanghai");
	/* No zone given: the process's own. */
	assert_int_equal(at(2026, 12, 1, 18, 0, 0, 0, NULL, &fits),
			 1796119200LL);
	unsetenv("TZ");
	at(2026, 12, 1, 10, 0, 0, 0, "UTC", &fits);
	assert_null(getenv("TZ"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_repeated_hour),
		cmocka_unit_test(test_tz_restored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
