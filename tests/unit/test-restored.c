/*
 * restored.c: the verdict a journal supports (NOT RESTORED once a
 * destroy began and the restore's verification did not pass, a killed
 * run's too) and the steps left, as commands to paste with secrets by
 * the name of their variable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "drill.h"
#include "error.h"
#include "journal.h"
#include "restored.h"

static json_t *command(long n, const char *phase, int destructive,
		       const char *display)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:I, s:[s], s:s, s:[i]}",
			 "n", (json_int_t)n, "id", display, "kind", "command",
			 "phase", phase, "destructive", destructive,
			 "timeout_s", (json_int_t)60, "run", display,
			 "display", display, "expect_exit", 0);
}

/* destroy: 1 wipe; restore: 2 load (cwd, user, a secret); verify: 3 check */
static json_t *body(void)
{
	json_t *b = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s}", "rdrill", 1,
			      "id", "t", "title", "T", "system", "s",
			      "environment", "test", "objective", "o");
	json_t *steps = json_array(), *load = command(2, "restore", 0, "load");

	json_object_set_new(b, "backup_set", json_pack(
		"[{s:s, s:s, s:i, s:s, s:[s], s:s}]", "id", "db", "title", "d",
		"tier", 1, "kind", "database", "source", "x", "artifact", "y"));
	json_object_set_new(load, "cwd", json_string("/w d"));
	json_object_set_new(load, "run_as", json_string("pg"));
	json_object_set_new(load, "secret_env", json_pack("{s:s}",
			    "PGPASSWORD", "DB_PW"));
	json_array_append_new(steps, command(1, "destroy", 1, "wipe"));
	json_array_append_new(steps, load);
	json_array_append_new(steps, command(3, "verify_restore", 0, "check"));
	json_object_set_new(b, "steps", steps);
	return b;
}

/* A journal: the start record, then `rest` (a JSON array, stolen). */
static json_t *journal(json_t *rest)
{
	json_t *recs = json_array(), *b = body(), *r;
	size_t i;

	json_array_append_new(recs, json_pack("{s:s, s:s, s:{s:o}}", "type",
					      "start", "mode", "run", "plan",
					      "plan", b));
	json_array_foreach(rest, i, r)
		json_array_append(recs, r);
	json_decref(rest);
	return recs;
}

static json_t *step(long n, const char *status)
{
	return json_pack("{s:s, s:I, s:s}", "type", "step", "n", (json_int_t)n,
			 "status", status);
}

static void verdict_is(json_t *recs, const char *want)
{
	assert_string_equal(restored_verdict(recs, NULL), want);
	json_decref(recs);
}

static void test_verdicts(void **state)
{
	(void)state;
	/* Killed before any destroy: INCOMPLETE, as ever. */
	verdict_is(journal(json_array()), "INCOMPLETE");
	/* Killed inside the destroy step: only the destroy record says so. */
	verdict_is(journal(json_pack("[{s:s, s:i}]", "type", "destroy", "n",
				     1)), RESTORED_WORD);
	/* Failed in verify_restore: the restore is not verified. */
	verdict_is(journal(json_pack("[o, o, o, {s:s, s:s}]",
				     step(1, "passed"), step(2, "passed"),
				     step(3, "failed"), "type", "end",
				     "status", "FAILED")), RESTORED_WORD);
	/* Every restore check passed, a later failure: FAILED, restored. */
	verdict_is(journal(json_pack("[o, o, o, {s:s, s:s}]",
				     step(1, "passed"), step(2, "passed"),
				     step(3, "passed"), "type", "end",
				     "status", "FAILED")), "FAILED");
	verdict_is(journal(json_pack("[o, o, o, {s:s, s:s}]",
				     step(1, "passed"), step(2, "passed"),
				     step(3, "passed"), "type", "end",
				     "status", "PASSED")), "PASSED");
	/* Aborted before destroy: ABORTED. */
	verdict_is(journal(json_pack("[{s:s, s:s}]", "type", "end", "status",
				     "ABORTED")), "ABORTED");
}

static void test_pending(void **state)
{
	json_t *recs = journal(json_pack("[{s:s, s:i}, o]", "type", "destroy",
					 "n", 1, step(1, "passed")));
	json_t *start = json_array_get(recs, 0), *p;
	struct error err = ERROR_INIT;
	struct drill *d = drill_from_body(json_object_get(json_object_get(
		start, "plan"), "plan"), &err);

	(void)state;
	assert_non_null(d);
	p = restored_pending(recs, d);
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(journal_str(json_array_get(p, 0), "status"),
			    "not run");
	/* cd, the user, the secret by its variable's name: never its value. */
	assert_string_equal(journal_str(json_array_get(p, 0), "command"),
			    "cd '/w d' && sudo -u pg env PGPASSWORD=\"$DB_PW\" load");
	assert_string_equal(journal_str(json_array_get(p, 1), "phase"),
			    "verify_restore");
	assert_string_equal(journal_str(json_array_get(p, 1), "command"),
			    "check");
	json_decref(p);
	drill_free(d);
	json_decref(recs);
	error_release(&err);
}

/* The typed list is what the JSON says: the same steps, the same words. */
static void test_pending_steps(void **state)
{
	json_t *recs = journal(json_pack("[{s:s, s:i}, o, o]", "type",
					 "destroy", "n", 1, step(1, "passed"),
					 step(2, "failed")));
	json_t *start = json_array_get(recs, 0);
	struct error err = ERROR_INIT;
	struct drill *d = drill_from_body(json_object_get(json_object_get(
		start, "plan"), "plan"), &err);
	struct restored_steps st = { NULL, 0, 0 };

	(void)state;
	assert_non_null(d);
	restored_pending_steps(recs, d, &st);
	assert_int_equal(st.nr, 2);
	assert_int_equal(st.v[0].n, 2);
	assert_string_equal(st.v[0].id, "load");
	assert_string_equal(st.v[0].phase, "restore");
	assert_string_equal(st.v[0].status, "failed");
	assert_string_equal(st.v[0].command,
			    "cd '/w d' && sudo -u pg env PGPASSWORD=\"$DB_PW\" load");
	assert_int_equal(st.v[1].n, 3);
	assert_string_equal(st.v[1].status, "not run");
	assert_string_equal(st.v[1].command, "check");
	assert_non_null(st.v[1].describe);
	restored_steps_release(&st);
	assert_int_equal(st.nr, 0);
	drill_free(d);
	json_decref(recs);
	error_release(&err);
}

/*
 * A shell step left to do: `sh -c` and its text quoted, each secret by
 * its variable in the drill's order, no sudo (step_kind.paste).
 */
static void test_pending_shell(void **state)
{
	json_t *recs = journal(json_pack("[{s:s, s:i}, o]", "type", "destroy",
					 "n", 1, step(1, "passed")));
	json_t *plan = json_object_get(json_object_get(json_array_get(recs, 0),
						       "plan"), "plan");
	json_t *check = json_array_get(json_object_get(plan, "steps"), 2), *p;
	struct error err = ERROR_INIT;
	struct drill *d;

	(void)state;
	json_object_del(check, "run");
	json_object_set_new(check, "shell", json_string("psql -c 'select 1'"));
	json_object_set_new(check, "secret_env", json_pack("{s:s, s:s}",
			    "B_PW", "VAULT_B", "A_PW", "VAULT_A"));
	d = drill_from_body(plan, &err);
	assert_non_null(d);
	p = restored_pending(recs, d);
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(journal_str(json_array_get(p, 1), "command"),
			    "B_PW=\"$VAULT_B\" A_PW=\"$VAULT_A\" sh -c "
			    "'psql -c '\\''select 1'\\'''");
	json_decref(p);
	drill_free(d);

	/* Empty texts (a body rdrill did not write) count as absent. */
	json_object_set_new(check, "shell", json_string(""));
	json_object_set_new(check, "cwd", json_string(""));
	json_object_set_new(check, "run_as", json_string(""));
	json_object_clear(json_object_get(check, "secret_env"));
	d = drill_from_body(plan, &err);
	assert_non_null(d);
	p = restored_pending(recs, d);
	assert_string_equal(journal_str(json_array_get(p, 1), "command"),
			    "check");
	json_decref(p);
	drill_free(d);
	json_decref(recs);
	error_release(&err);
}

/* A header's texts are "" when absent or not text; n only when a number. */
static void test_head(void **state)
{
	json_t *r = json_pack("{s:s, s:I, s:s, s:i, s:s, s:[]}", "type", "step",
			      "n", (json_int_t)7, "status", "passed", "when", 3,
			      "time", "2026-01-01T00:00:00Z", "item", "x");
	struct restored_head h;

	(void)state;
	restored_head_read(r, &h);
	assert_string_equal(h.type, "step");
	assert_true(h.n.set);
	assert_int_equal(h.n.v, 7);
	assert_string_equal(h.status, "passed");
	assert_string_equal(h.when, "");       /* a number: not text */
	assert_string_equal(h.item, "");       /* an array: not text */
	assert_string_equal(h.time, "2026-01-01T00:00:00Z");
	assert_string_equal(h.mode, "");
	json_object_set_new(r, "n", json_string("7"));
	restored_head_read(r, &h);
	assert_false(h.n.set);
	assert_int_equal(h.n.v, 0);
	json_decref(r);
	/* Not an object at all: everything empty, nothing refused. */
	r = json_string("x");
	restored_head_read(r, &h);
	assert_string_equal(h.type, "");
	assert_false(h.n.set);
	json_decref(r);
	restored_head_read(NULL, &h);
	assert_string_equal(h.status, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_pending_steps),
		cmocka_unit_test(test_pending_shell),
		cmocka_unit_test(test_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
