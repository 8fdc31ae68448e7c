#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fingerprint.h"
#include "pg.h"
#include "runfacts.h"
#include "xalloc.h"

/*
 * The evidence kinds' shared facts: typed in the run, JSON only in the
 * destroy record (its bytes as they always were: keys in the order
 * canary, fingerprints, captures) and when `rdrill restore` reads that
 * record back (hostile: an entry that does not read is kept with why).
 */

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);

	assert_non_null(s);
	return s;
}

static void fill_result(struct pg_result *r)
{
	struct pg_row *row;

	pg_result_init(r);
	r->columns = xmalloc(sizeof(*r->columns));
	strvec_init(r->columns);
	strvec_push(r->columns, "n");
	strvec_push(r->columns, "t");
	XGROW(r->rows, 1, r->arows);
	row = &r->rows[r->nrows++];
	row->n = 2;
	row->cells = xcalloc(2, sizeof(*row->cells));
	row->cells[0] = xstrdup("1");      /* cells[1]: SQL NULL */
	r->row_count = 3;
	r->truncated = 1;
	memset(r->sha256, 'a', 64);
}

static void fill_fingerprint(struct fingerprint *fp)
{
	struct fp_table *t = fingerprint_add_table(fp, "public.t");

	t->rows = 5;
	memset(t->columns, 'b', FP_HEX_LEN);
	memset(t->constraints, 'c', FP_HEX_LEN);
	memset(t->indexes, 'd', FP_HEX_LEN);
	fingerprint_add_sequence(fp, "public.s", "7");
}

static void fill_canary(struct runfacts_canary *k)
{
	k->recorded = 1;
	k->table = xstrdup("public.posts");
	strvec_push(&k->key_names, "id");
	strvec_push(&k->key_vals, "canary-1");
	strvec_push(&k->columns, "Message");
	strvec_push(&k->columns, "deleted");
	k->values = xcalloc(3, sizeof(*k->values));
	k->values[0] = xstrdup("hello \"é\"");
	memset(k->sha256, 'e', 64);
}

static void test_state_order_and_round_trip(void **state)
{
	struct runfacts f, g;
	struct pg_result r;
	struct fingerprint fp = FINGERPRINT_INIT;
	json_t *st, *st2;
	char *a, *b;

	(void)state;
	runfacts_init(&f);
	st = runfacts_state_json(&f);
	a = dump(st);
	assert_string_equal(a, "{}");
	free(a);
	json_decref(st);

	/* A kind's first step makes its key, kept or not. */
	f.captures_begun = 1;
	f.fps_begun = 1;
	st = runfacts_state_json(&f);
	a = dump(st);
	assert_string_equal(a, "{\"fingerprints\":{},\"captures\":{}}");
	free(a);
	json_decref(st);

	fill_result(&r);
	runfacts_keep_capture(&f, "q1", &r);
	assert_null(r.rows);
	fill_fingerprint(&fp);
	runfacts_keep_fingerprint(&f, "fp1", &fp);
	assert_int_equal(fp.nr, 0);
	fill_canary(&f.canary);
	runfacts_set_version(&f, "db", "15.1");
	runfacts_set_version(&f, "db", "15.2");
	assert_string_equal(runfacts_version(&f, "db"), "15.2");
	assert_null(runfacts_version(&f, "other"));

	st = runfacts_state_json(&f);
	a = dump(st);
	assert_string_equal(a,
		"{\"canary\":{\"table\":\"public.posts\",\"key\":{\"id\":"
		"\"canary-1\"},\"columns\":[\"Message\",\"deleted\"],\"values\":"
		"{\"Message\":\"hello \\\"\\u00E9\\\"\",\"deleted\":null},"
		"\"sha256\":\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
		"eeeeeeeeee\"},\"fingerprints\":{\"fp1\":{\"tables\":[{\"table\":"
		"\"public.t\",\"rows\":5,\"digest\":\"00000000000000000000000000"
		"00000000000000000000000000000000000000\",\"columns\":\"bbbb"
		"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\","
		"\"constraints\":\"cccccccccccccccccccccccccccccccccccccccccccc"
		"cccccccccccccccccccc\",\"indexes\":\"dddddddddddddddddddddddddd"
		"dddddddddddddddddddddddddddddddddddddd\"}],\"sequences\":[{"
		"\"sequence\":\"public.s\",\"value\":\"7\"}],\"excluded\":[]}},"
		"\"captures\":{\"q1\":{\"columns\":[\"n\",\"t\"],\"rows\":[[\"1\","
		"null]],\"row_count\":3,\"truncated\":true,\"sha256\":\"aaaaaaaa"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}}");

	/* `rdrill restore` reads it back to the same facts, the same bytes. */
	runfacts_init(&g);
	runfacts_seed(&g, st);
	st2 = runfacts_state_json(&g);
	b = dump(st2);
	assert_string_equal(a, b);
	assert_null(runfacts_capture(&g, "q1")->bad);
	assert_int_equal(runfacts_capture(&g, "q1")->res.row_count, 3);
	assert_null(runfacts_capture(&g, "q1")->res.rows[0].cells[1]);
	assert_int_equal(runfacts_fingerprint(&g, "fp1")->fp.tables[0].rows, 5);
	assert_string_equal(g.canary.values[0], "hello \"é\"");
	assert_null(g.canary.values[1]);
	assert_null(runfacts_capture(&g, "q2"));
	assert_null(runfacts_fingerprint(&g, "fp2"));
	free(a);
	free(b);
	json_decref(st);
	json_decref(st2);
	runfacts_release(&f);
	runfacts_release(&g);
}

/* Hostile records: kept as unreadable with why, never a crash. */
static void test_hostile_seed(void **state)
{
	static const char *const states[] = {
		"{\"canary\": 1, \"fingerprints\": {\"f\": 1}, "
		"\"captures\": {\"q\": 1}}",
		"{\"canary\": {\"table\": \"t\", \"key\": {\"id\": 1}, "
		"\"columns\": [\"a\"], \"values\": {\"a\": \"x\"}, "
		"\"sha256\": \"s\"}, \"fingerprints\": {\"f\": {\"tables\": "
		"[{\"table\": \"t\", \"rows\": \"5\"}]}}, \"captures\": {\"q\": "
		"{\"columns\": [1], \"rows\": [], \"row_count\": 0, "
		"\"sha256\": \"s\"}}}",
		"{\"canary\": {\"table\": \"t\", \"key\": {}, \"columns\": "
		"[\"a\", \"b\"], \"values\": {\"a\": \"x\"}, \"sha256\": \"s\"}, "
		"\"fingerprints\": {\"f\": {\"tables\": [{\"table\": \"t\", "
		"\"rows\": 1, \"digest\": \"zz\"}]}}, \"captures\": {\"q\": "
		"{\"columns\": [], \"rows\": [[1]], \"row_count\": 1, "
		"\"sha256\": \"s\"}}}",
		"{\"canary\": {\"table\": \"t\", \"key\": {}, \"columns\": "
		"[\"a\"], \"values\": {\"a\": [\"x\"]}, \"sha256\": \"s\"}, "
		"\"fingerprints\": {}, \"captures\": {\"q\": {\"columns\": [], "
		"\"rows\": 1, \"row_count\": 1, \"sha256\": \"s\"}}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct runfacts f;
		json_error_t je;
		json_t *st = json_loads(states[i], 0, &je);
		const struct runfacts_capture *c;
		const struct runfacts_fp *e;

		assert_non_null(st);
		runfacts_init(&f);
		runfacts_seed(&f, st);
		assert_false(f.canary.recorded);
		assert_non_null(f.canary.bad);
		c = runfacts_capture(&f, "q");
		assert_non_null(c);
		assert_non_null(c->bad);
		e = runfacts_fingerprint(&f, "f");
		if (i < 3) {
			assert_non_null(e);
			assert_non_null(e->bad);
		}
		runfacts_release(&f);
		json_decref(st);
	}
	{
		/* No record, or one that is not an object: nothing seeded. */
		struct runfacts f;
		json_t *st = json_string("x");

		runfacts_init(&f);
		runfacts_seed(&f, NULL);
		runfacts_seed(&f, st);
		assert_false(f.canary.recorded);
		assert_false(f.captures_begun);
		assert_false(f.fps_begun);
		runfacts_release(&f);
		json_decref(st);
	}
}

/*
 * The canary record's table (runfacts.c): each member missing, or given
 * each JSON type it may not have, refuses the record as a whole, with
 * the one message; the good record is recorded.
 */
static void test_canary_each_member(void **state)
{
	static const char *const members[] = {
		"table", "key", "columns", "values", "sha256",
	};
	static const char *const values[] = {
		"null", "true", "1", "1.5", "\"s\"", "[]", "{}",
	};
	/* Which values are of the member's own type (then not refused). */
	static const char *const fine[] = {
		"\"s\"", "{}", "[]", "{}", "\"s\"",
	};
	size_t m, v;

	(void)state;
	for (m = 0; m < 5; m++) {
		for (v = 0; v <= 7; v++) {
			struct runfacts f;
			json_t *st = json_loads("{\"canary\": {\"table\": \"t\", "
				"\"key\": {\"id\": \"1\"}, \"columns\": [\"a\"], "
				"\"values\": {\"a\": \"x\"}, \"sha256\": \"ab\"}}",
				0, NULL);
			json_t *k = json_object_get(st, "canary");

			assert_non_null(st);
			if (v == 7)
				json_object_del(k, members[m]);
			else if (!strcmp(values[v], fine[m])) {
				json_decref(st);
				continue;
			}
			else
				json_object_set_new(k, members[m],
					json_loads(values[v], JSON_DECODE_ANY, NULL));
			runfacts_init(&f);
			runfacts_seed(&f, st);
			assert_false(f.canary.recorded);
			assert_non_null(f.canary.bad);
			assert_non_null(strstr(f.canary.bad,
					       "not a canary record"));
			runfacts_release(&f);
			json_decref(st);
		}
	}
	{
		struct runfacts f;
		json_t *st = json_loads("{\"canary\": {\"table\": \"t\", "
			"\"key\": {\"id\": \"1\"}, \"columns\": [\"a\"], "
			"\"values\": {\"a\": \"x\"}, \"sha256\": \"ab\"}}",
			0, NULL);

		runfacts_init(&f);
		runfacts_seed(&f, st);
		assert_true(f.canary.recorded);
		assert_string_equal(f.canary.key_names.v[0], "id");
		assert_string_equal(f.canary.key_vals.v[0], "1");
		assert_string_equal(f.canary.values[0], "x");
		runfacts_release(&f);
		json_decref(st);
	}
}

/*
 * A captured result (pg_result_from_json()'s table): each member missing
 * or of each other type says why, in the words it always did; only
 * "truncated" and an absent "affected" are taken as they come.
 */
static void test_capture_each_member(void **state)
{
	static const struct {
		const char *member, *fine, *why;
	} m[] = {
		{ "columns", "[]", "not a query result" },
		{ "rows", "[]", "rows are not an array" },
		{ "row_count", "1", "not a query result" },
		{ "sha256", "\"s\"", "not a query result" },
		{ "affected", "1", "not a query result" },
		{ "truncated", NULL, NULL },
	};
	static const char *const values[] = {
		"null", "true", "1", "1.5", "\"s\"", "[]", "{}",
	};
	size_t i, v;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		for (v = 0; v <= 7; v++) {
			struct runfacts f;
			json_t *st = json_loads("{\"captures\": {\"q\": {\"columns\":"
				" [\"a\"], \"rows\": [[\"x\"]], \"row_count\": 1, "
				"\"sha256\": \"ab\", \"affected\": 2, "
				"\"truncated\": false}}}", 0, NULL);
			json_t *q = json_object_get(json_object_get(st,
						    "captures"), "q");
			const struct runfacts_capture *c;
			int missing_ok = !strcmp(m[i].member, "affected") ||
					 !strcmp(m[i].member, "truncated");

			assert_non_null(q);
			if (v == 7)
				json_object_del(q, m[i].member);
			else if (m[i].fine && !strcmp(values[v], m[i].fine)) {
				json_decref(st);
				continue;
			}
			else
				json_object_set_new(q, m[i].member,
					json_loads(values[v], JSON_DECODE_ANY, NULL));
			runfacts_init(&f);
			runfacts_seed(&f, st);
			c = runfacts_capture(&f, "q");
			assert_non_null(c);
			if (!m[i].why || (v == 7 && missing_ok)) {
				assert_null(c->bad);
				assert_int_equal(c->res.row_count, 1);
				assert_int_equal(c->res.truncated,
						 v == 1 && m[i].why == NULL);
				assert_int_equal(c->res.affected,
						 v == 7 && missing_ok && m[i].why ?
						 -1 : 2);
			} else {
				assert_non_null(c->bad);
				assert_non_null(strstr(c->bad, m[i].why));
			}
			runfacts_release(&f);
			json_decref(st);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_order_and_round_trip),
		cmocka_unit_test(test_hostile_seed),
		cmocka_unit_test(test_canary_each_member),
		cmocka_unit_test(test_capture_each_member),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
