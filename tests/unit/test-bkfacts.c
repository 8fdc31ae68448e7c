#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bkfacts.h"

/*
 * The physical-backup kinds' shared facts: found by the proving step's
 * id and kind (a basebackup and a pgbackrest step may share an id
 * space, never a kind), a step run again replaces its facts, and the
 * scratch list keeps its order for the run's end.
 */
static void test_backups(void **state)
{
	struct bkfacts f;
	struct bkfacts_backup *b;
	const struct bkfacts_backup *got;

	(void)state;
	bkfacts_init(&f);
	assert_null(bkfacts_backup(&f, "base", BKFACTS_BASEBACKUP));
	assert_null(bkfacts_backup(NULL, "base", BKFACTS_BASEBACKUP));

	b = bkfacts_add_backup(&f, "base", BKFACTS_BASEBACKUP);
	assert_int_equal(b->wal_proof_ms, -1);
	bkfacts_set_str(&b->dir, "/srv/base");
	b->timeline = 1;
	b->passed = 1;
	b->journal = json_pack("{s:s}", "label", "one");
	b = bkfacts_add_backup(&f, "repo", BKFACTS_PGBACKREST);
	bkfacts_set_str(&b->label, "20261201-000000F");

	got = bkfacts_backup(&f, "base", BKFACTS_BASEBACKUP);
	assert_non_null(got);
	assert_string_equal(got->dir, "/srv/base");
	assert_true(got->passed);
	/* The same id of the other kind is another step's. */
	assert_null(bkfacts_backup(&f, "base", BKFACTS_PGBACKREST));
	assert_string_equal(bkfacts_backup(&f, "repo",
					   BKFACTS_PGBACKREST)->label,
			    "20261201-000000F");

	/* Run again: its facts replaced, not added beside. */
	b = bkfacts_add_backup(&f, "base", BKFACTS_BASEBACKUP);
	assert_null(b->dir);
	assert_null(b->journal);
	assert_false(b->passed);
	bkfacts_set_str(&b->dir, "/srv/other");
	assert_int_equal(f.nbackups, 2);
	assert_string_equal(bkfacts_backup(&f, "base",
					   BKFACTS_BASEBACKUP)->dir, "/srv/other");
	bkfacts_set_str(&b->dir, NULL);
	assert_null(b->dir);
	bkfacts_release(&f);
	assert_int_equal(f.nbackups, 0);
}

static void test_scratch_and_proofs(void **state)
{
	struct bkfacts f;

	(void)state;
	bkfacts_init(&f);
	bkfacts_add_scratch(&f, "base", "/tmp/u", "/tmp/u", "pg_ctl", NULL, 0);
	bkfacts_add_scratch(&f, "pitr", "/srv/s", "/srv/sock", "/usr/bin/pg_ctl",
			    "postgres", 1);
	assert_int_equal(f.nscratch, 2);
	assert_string_equal(f.scratch[0].step, "base");
	assert_null(f.scratch[0].run_as);
	assert_string_equal(f.scratch[1].run_as, "postgres");
	assert_true(f.scratch[1].keep_data);

	assert_int_equal(bkfacts_proof_timeline(&f, "pitr"), 0);
	bkfacts_set_proof(&f, "pitr", 2);
	bkfacts_set_proof(&f, "pitr2", 1);
	bkfacts_set_proof(&f, "pitr", 3);
	assert_int_equal(bkfacts_proof_timeline(&f, "pitr"), 3);
	assert_int_equal(bkfacts_proof_timeline(&f, "pitr2"), 1);
	assert_int_equal(f.nproofs, 2);
	assert_int_equal(bkfacts_proof_timeline(NULL, "pitr"), 0);
	bkfacts_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backups),
		cmocka_unit_test(test_scratch_and_proofs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
