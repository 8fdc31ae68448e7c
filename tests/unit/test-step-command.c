/*
 * The command step's secret_env: the value it hands the command must be
 * redacted from the command's output, however full the run's vector of
 * secrets was when the step began. step_exec_prepare() took a pointer
 * to that vector's array, then add_secret_env() pushed the value onto
 * it: a push that reallocates left exec.c reading freed memory (ASan:
 * heap-use-after-free) or, from an empty vector, the old static array
 * with no secret in it (the value reached the log unredacted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drill-fixture.h"
#include "error.h"
#include "step.h"
#include "runfacts.h"
#include "strbuf.h"
#include "strvec.h"

static volatile sig_atomic_t no_cancel;
static char base[] = "/tmp/rdrill-test-step-command.XXXXXX";
static const char secret[] = "s3cr3t-value-for-the-step";

static int setup(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	if (!mkdtemp(base))
		return -1;
	strbuf_addf(&sb, "%s/steps", base);
	if (mkdir(sb.buf, 0700) < 0)
		return -1;
	strbuf_release(&sb);
	return setenv("RDRILL_UT_SECRET", secret, 1);
}

static int teardown(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addf(&sb, "rm -rf '%s'", base);
	if (system(sb.buf) != 0)
		return -1;
	strbuf_release(&sb);
	return 0;
}

/* Run the step with `secrets` as the run's vector; its stdout log. */
static void run_step(struct strvec *secrets, struct strbuf *log)
{
	struct error err = ERROR_INIT;
	struct step_ctx sc;
	struct drill *d;
	struct strbuf path = STRBUF_INIT;
	struct runfacts facts;
	FILE *f;
	char buf[4096];
	size_t n;

	d = fixture_drill(NULL, json_pack("{s:s, s:s, s:s, s:{s:s}}",
		"id", "uses", "kind", "command",
		"shell", "printf 'tok=%s\\n' \"$TOK\"",
		"secret_env", "TOK", "RDRILL_UT_SECRET"));
	memset(&sc, 0, sizeof(sc));
	sc.drill = d;
	sc.step = &d->steps[0];
	step_ctx_begin(&sc, sc.step->n, sc.step->id, sc.step->timeout_s);
	sc.rec = json_object();
	runfacts_init(&facts);
	sc.facts = &facts;
	sc.bundle = base;
	sc.secrets = secrets;
	sc.cancel = &no_cancel;
	if (sc.step->kind->run(&sc, &err) < 0)
		fail_msg("run: %s", err.msg.buf);
	strbuf_addf(&path, "%s/%s", base, json_string_value(json_object_get(
		json_object_get(sc.rec, "stdout"), "path")));
	f = fopen(path.buf, "r");
	assert_non_null(f);
	strbuf_reset(log);
	while ((n = fread(buf, 1, sizeof(buf), f)))
		strbuf_add(log, buf, n);
	fclose(f);
	unlink(path.buf);
	strbuf_release(&path);
	json_decref(sc.rec);
	step_ctx_release(&sc);
	runfacts_release(&facts);
	drill_free(d);
	error_release(&err);
}

/* No secret known before the step: the vector grows from empty. */
static void test_secret_env_first_secret(void **state)
{
	struct strvec secrets = STRVEC_INIT;
	struct strbuf log = STRBUF_INIT;

	(void)state;
	run_step(&secrets, &log);
	assert_string_equal(log.buf, "tok=[REDACTED]\n");
	assert_null(strstr(log.buf, secret));
	strvec_clear(&secrets);
	strbuf_release(&log);
}

/* Other secrets, the vector full: the push reallocates it. */
static void test_secret_env_vector_full(void **state)
{
	struct strvec secrets = STRVEC_INIT;
	struct strbuf log = STRBUF_INIT;
	int i = 0;

	(void)state;
	do
		strvec_pushf(&secrets, "other-secret-%d", i++);
	while (secrets.nr + 1 < secrets.alloc);
	run_step(&secrets, &log);
	assert_string_equal(log.buf, "tok=[REDACTED]\n");
	strvec_clear(&secrets);
	strbuf_release(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_env_first_secret),
		cmocka_unit_test(test_secret_env_vector_full),
	};

	return cmocka_run_group_tests_name("step-command", tests, setup,
					   teardown);
}
