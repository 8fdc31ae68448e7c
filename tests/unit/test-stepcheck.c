/*
 * step.c's step_check(): each check typed in the step's context (what
 * the runner decides from) and written to its record at the same
 * moment, the record's "checks" member made at the first check after
 * what the kind set before it (the journal's key order), text that is
 * not valid UTF-8 as the record has it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "step.h"

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT);
}

static void test_typed_and_recorded(void **state)
{
	struct step_ctx sc;
	const struct step_checked *f;
	char *text;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	step_ctx_begin(&sc, 3, "x", 60);
	sc.rec = json_object();
	json_object_set_new(sc.rec, "exit_code", json_integer(0));
	assert_true(step_checks_ok(&sc));          /* none: it passes */
	assert_null(step_first_failed(&sc));
	assert_int_equal(step_check(&sc, "a", "1", "1", 1), 1);
	json_object_set_new(sc.rec, "evidence", json_object());
	assert_int_equal(step_check(&sc, "b", "2", "3", 0), 0);
	assert_int_equal(step_check(&sc, "c", "4", "5", 0), 0);
	assert_false(step_checks_ok(&sc));
	f = step_first_failed(&sc);
	assert_non_null(f);
	assert_string_equal(f->what, "b");
	assert_string_equal(f->expected, "2");
	assert_string_equal(f->actual, "3");
	assert_int_equal(sc.nchecks, 3);
	/* "checks" where the first check made it: after exit_code. */
	text = dump(sc.rec);
	assert_string_equal(text, "{\"exit_code\":0,\"checks\":["
		"{\"what\":\"a\",\"expected\":\"1\",\"actual\":\"1\",\"ok\":true},"
		"{\"what\":\"b\",\"expected\":\"2\",\"actual\":\"3\",\"ok\":false},"
		"{\"what\":\"c\",\"expected\":\"4\",\"actual\":\"5\",\"ok\":false}],"
		"\"evidence\":{}}");
	free(text);
	/* A new step begins with no checks. */
	step_ctx_begin(&sc, 4, "y", 60);
	assert_int_equal(sc.nchecks, 0);
	assert_true(step_checks_ok(&sc));
	step_ctx_release(&sc);
	json_decref(sc.rec);
}

static void test_not_utf8(void **state)
{
	struct step_ctx sc;
	char *text;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	step_ctx_begin(&sc, 1, "x", 60);
	sc.rec = json_object();
	step_check(&sc, "w\xff", "e", "a\xfe", 0);
	step_check_verbatim(&sc, "p", "e", "a\xfe", 1);
	/* As the record reads back: a member left out is NULL. */
	assert_null(sc.checks[0].what);
	assert_string_equal(sc.checks[0].actual, "(not valid UTF-8)");
	assert_null(sc.checks[1].actual);
	text = dump(sc.rec);
	assert_string_equal(text, "{\"checks\":["
		"{\"expected\":\"e\",\"actual\":\"(not valid UTF-8)\",\"ok\":false},"
		"{\"what\":\"p\",\"expected\":\"e\",\"ok\":true}]}");
	free(text);
	assert_non_null(step_first_failed(&sc));
	step_ctx_release(&sc);
	json_decref(sc.rec);
}

/* What the runner reads of a kind's record, typed; wrong types absent. */
static void test_said(void **state)
{
	struct step_said said;
	json_t *rec = json_pack("{s:s, s:{s:s, s:s, s:s, s:I}, s:{s:I, s:s}}",
				"message", "it broke", "stderr", "path",
				"steps/01-x.err", "head", "h", "tail", "t", "bytes",
				(json_int_t)3, "evidence", "rpo_wal_ms",
				(json_int_t)1500, "summary", "s");

	(void)state;
	step_said_read(rec, &said);
	assert_string_equal(said.message, "it broke");
	assert_true(said.has_err);
	assert_string_equal(said.err_path, "steps/01-x.err");
	assert_string_equal(said.err_head, "h");
	assert_string_equal(said.err_tail, "t");
	assert_true(said.has_rpo_wal_ms);
	assert_int_equal(said.rpo_wal_ms, 1500);
	json_decref(rec);
	/* Absent, or of the wrong type: nothing said, never refused. */
	rec = json_pack("{s:i, s:s, s:{s:s}}", "message", 3, "stderr", "x",
			"evidence", "rpo_wal_ms", "12");
	step_said_read(rec, &said);
	assert_null(said.message);
	assert_false(said.has_err);
	assert_string_equal(said.err_tail, "");
	assert_string_equal(said.err_path, "");
	assert_false(said.has_rpo_wal_ms);
	json_decref(rec);
	rec = json_pack("{s:{s:s}}", "stderr", "head", "only head");
	step_said_read(rec, &said);
	assert_true(said.has_err);
	assert_string_equal(said.err_head, "only head");
	assert_string_equal(said.err_tail, "");
	json_decref(rec);
	step_said_read(NULL, &said);
	assert_null(said.message);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_said),
		cmocka_unit_test(test_typed_and_recorded),
		cmocka_unit_test(test_not_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
