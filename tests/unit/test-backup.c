#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "clock.h"
#include "drill.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

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

/*
 * The typed pick (backup_pick): a directory of plain files, each with
 * the mtime given (seconds before now), so the clock is "mtime".
 */
struct pickdir {
	char dir[256];
	struct strvec files;
};

static void pickdir_make(struct pickdir *pd, const long long *ago, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	size_t i;

	snprintf(pd->dir, sizeof(pd->dir), "%s/rdrill-test-pick.XXXXXX",
		 tmp && *tmp == '/' ? tmp : "/tmp");
	assert_non_null(mkdtemp(pd->dir));
	strvec_init(&pd->files);
	for (i = 0; i < n; i++) {
		struct strbuf path = STRBUF_INIT;
		struct timespec ts[2];
		FILE *f;

		strbuf_addf(&path, "%s/dump-%zu.sql", pd->dir, i);
		f = fopen(path.buf, "w");
		assert_non_null(f);
		fprintf(f, "backup %zu\n", i);
		assert_int_equal(fclose(f), 0);
		ts[0].tv_sec = ts[1].tv_sec = (time_t)(clock_wall_ms() / 1000 -
						       ago[i]);
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		assert_int_equal(utimensat(AT_FDCWD, path.buf, ts, 0), 0);
		strvec_push(&pd->files, path.buf);
		strbuf_release(&path);
	}
}

static void pickdir_remove(struct pickdir *pd)
{
	size_t i;

	for (i = 0; i < pd->files.nr; i++)
		unlink(pd->files.v[i]);
	rmdir(pd->dir);
	strvec_clear(&pd->files);
}

static void item_for(struct drill_item *it, const char *rule)
{
	memset(it, 0, sizeof(*it));
	it->id = "db";
	it->scheduled = rule;
}

/* The newest by its clock, typed; the record says the same. */
static void test_pick_newest(void **state)
{
	static const long long ago[] = { 3 * 3600, 600, 2 * 3600 };
	struct pickdir pd;
	struct drill_item it;
	struct backup_pick pick;
	struct strvec problems = STRVEC_INIT;
	const struct backup_cand *c;
	char hex[SHA256_HEX_LEN + 1];
	json_t *rec;

	(void)state;
	pickdir_make(&pd, ago, 3);
	item_for(&it, pd.dir);
	assert_int_equal(backup_pick(&it, 1, clock_wall_ms(), NULL, &pick,
				     &problems), 0);
	assert_int_equal(problems.nr, 0);
	assert_int_equal(pick.status, BACKUP_PICKED);
	assert_int_equal(pick.ncands, 3);
	c = backup_pick_chosen(&pick);
	assert_non_null(c);
	assert_string_equal(c->path, pd.files.v[1]);
	assert_string_equal(c->clock, "mtime");
	assert_int_equal(pick.chosen, 0);
	assert_int_equal(pick.created_ms, c->mtime_ms);
	assert_null(pick.problem);
	/* Read whole: its SHA-256 is of its bytes. */
	sha256_hex("backup 1\n", 9, hex);
	assert_string_equal(c->sha256, hex);
	assert_true(c->read_whole);
	/* Newest first, the others never read whole. */
	assert_string_equal(pick.cands[1].path, pd.files.v[2]);
	assert_string_equal(pick.cands[2].path, pd.files.v[0]);
	assert_false(pick.cands[1].read_whole);

	rec = backup_pick_record(&pick);
	assert_string_equal(json_string_value(json_object_get(rec, "status")),
			    "picked");
	assert_string_equal(json_string_value(json_object_get(rec, "chosen")),
			    pd.files.v[1]);
	assert_string_equal(json_string_value(json_object_get(rec,
			    "chosen_sha256")), hex);
	assert_true(json_is_object(json_object_get(rec, "chosen_identity")));
	assert_int_equal(json_integer_value(json_object_get(rec, "created_ms")),
			 pick.created_ms);
	assert_true(json_is_false(json_object_get(rec, "fell_back")));
	assert_int_equal(json_array_size(json_object_get(rec, "candidates")), 3);
	assert_null(json_object_get(rec, "problem"));
	json_decref(rec);
	backup_pick_release(&pick);
	pickdir_remove(&pd);
}

/*
 * A clock in the future of this host's is no evidence: the older
 * consistent file is picked, and a finding says why the newer was not.
 */
static void test_pick_contradicted(void **state)
{
	static const long long ago[] = { 3600, -2 * 86400 };
	struct pickdir pd;
	struct drill_item it;
	struct backup_pick pick;
	struct strvec problems = STRVEC_INIT;
	json_t *rec;

	(void)state;
	pickdir_make(&pd, ago, 2);
	item_for(&it, pd.dir);
	assert_int_equal(backup_pick(&it, 0, clock_wall_ms(), NULL, &pick,
				     &problems), 0);
	assert_int_equal(pick.status, BACKUP_PICKED);
	assert_string_equal(backup_pick_chosen(&pick)->path, pd.files.v[0]);
	assert_null(backup_pick_chosen(&pick)->contradicted);
	assert_non_null(pick.cands[1].contradicted);
	assert_int_equal(pick.findings.nr, 1);
	assert_non_null(strstr(pick.findings.v[0], "was not picked although "
			       "its clock is newer"));
	/* Headers only: nothing hashed, no identity in the record. */
	assert_string_equal(backup_pick_chosen(&pick)->sha256, "");
	rec = backup_pick_record(&pick);
	assert_null(json_object_get(rec, "chosen_sha256"));
	assert_int_equal(json_array_size(json_object_get(rec, "findings")), 1);
	json_decref(rec);
	backup_pick_release(&pick);
	pickdir_remove(&pd);
}

/* Nothing to pick, or a zone no one knows: a problem that refuses the run. */
static void test_pick_problems(void **state)
{
	struct pickdir pd;
	struct drill_item it;
	struct backup_pick pick;
	struct strvec problems = STRVEC_INIT;
	json_t *rec;

	(void)state;
	pickdir_make(&pd, NULL, 0);
	item_for(&it, pd.dir);
	assert_int_equal(backup_pick(&it, 1, clock_wall_ms(), NULL, &pick,
				     &problems), -1);
	assert_int_equal(pick.status, BACKUP_NONE);
	assert_null(backup_pick_chosen(&pick));
	assert_int_equal(problems.nr, 1);
	assert_string_equal(problems.v[0], pick.problem);
	rec = backup_pick_record(&pick);
	assert_string_equal(json_string_value(json_object_get(rec, "status")),
			    "none");
	assert_null(json_object_get(rec, "chosen"));
	assert_int_equal(json_array_size(json_object_get(rec, "candidates")), 0);
	json_decref(rec);
	backup_pick_release(&pick);

	it.timezone = "Nowhere/Atlantis";
	assert_int_equal(backup_pick(&it, 1, clock_wall_ms(), NULL, &pick,
				     &problems), -1);
	assert_int_equal(pick.status, BACKUP_UNREADABLE);
	assert_string_equal(backup_pick_status_name(pick.status), "unreadable");
	assert_non_null(strstr(pick.problem, "is not a zone this host knows"));
	assert_int_equal(problems.nr, 2);
	backup_pick_release(&pick);
	strvec_clear(&problems);
	pickdir_remove(&pd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_zone),
		cmocka_unit_test(test_repeated_hour),
		cmocka_unit_test(test_tz_restored),
		cmocka_unit_test(test_pick_newest),
		cmocka_unit_test(test_pick_contradicted),
		cmocka_unit_test(test_pick_problems),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
