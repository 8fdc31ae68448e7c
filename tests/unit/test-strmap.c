/*
 * Unit tests of strmap (strmap.h), the drill loader's typed dictionary:
 * lookups, replacing in place, insertion order kept across growth,
 * NULL values, a value put from its own entry, and many keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strmap.h"

static void test_get_put(void **state)
{
	struct strmap m = STRMAP_INIT;
	struct strmap_entry *e;

	(void)state;
	assert_null(strmap_get(&m, "a"));
	strmap_put(&m, "a", "one", 7);
	strmap_put(&m, "b", NULL, 3);
	e = strmap_get(&m, "a");
	assert_non_null(e);
	assert_string_equal(e->val, "one");
	assert_int_equal(e->num, 7);
	e = strmap_get(&m, "b");
	assert_non_null(e);
	assert_null(e->val);
	assert_int_equal(e->num, 3);
	assert_null(strmap_get(&m, "c"));
	assert_null(strmap_get(&m, ""));
	strmap_release(&m);
	assert_int_equal(m.nr, 0);
	assert_null(strmap_get(&m, "a"));
}

static void test_replace_keeps_place(void **state)
{
	struct strmap m = STRMAP_INIT;
	struct strmap_entry *e;

	(void)state;
	strmap_put(&m, "date", "20260121", 0);
	strmap_put(&m, "time", "120000", 0);
	strmap_put(&m, "date", "19990101", 5);
	assert_int_equal(m.nr, 2);
	assert_string_equal(m.v[0].key, "date");
	assert_string_equal(m.v[0].val, "19990101");
	assert_int_equal(m.v[0].num, 5);
	assert_string_equal(m.v[1].key, "time");
	/* A value given from the entry itself is copied before it goes. */
	e = strmap_get(&m, "time");
	strmap_put(&m, "time", e->val, 1);
	assert_string_equal(strmap_get(&m, "time")->val, "120000");
	/* strmap_add leaves what is there. */
	strmap_add(&m, "date");
	assert_string_equal(strmap_get(&m, "date")->val, "19990101");
	strmap_add(&m, "x");
	assert_int_equal(m.nr, 3);
	assert_null(strmap_get(&m, "x")->val);
	strmap_release(&m);
}

/* Past many growths every key is found and the order is the adding one. */
static void test_many_in_order(void **state)
{
	struct strmap m = STRMAP_INIT;
	char key[32], val[32];
	long i;

	(void)state;
	for (i = 0; i < 50000; i++) {
		snprintf(key, sizeof(key), "s%ld", (i * 7919) % 50000);
		snprintf(val, sizeof(val), "v%ld", i);
		strmap_put(&m, key, i % 3 ? val : NULL, i);
	}
	assert_int_equal(m.nr, 50000);
	for (i = 0; i < 50000; i++) {
		struct strmap_entry *e;

		snprintf(key, sizeof(key), "s%ld", (i * 7919) % 50000);
		assert_string_equal(m.v[i].key, key);
		e = strmap_get(&m, key);
		assert_ptr_equal(e, &m.v[i]);
		assert_int_equal(e->num, i);
		if (i % 3) {
			snprintf(val, sizeof(val), "v%ld", i);
			assert_string_equal(e->val, val);
		} else {
			assert_null(e->val);
		}
	}
	assert_null(strmap_get(&m, "s50000"));
	strmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_replace_keeps_place),
		cmocka_unit_test(test_many_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
