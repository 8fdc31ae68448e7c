#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "lock.h"
#include "preflight.h"
#include "strbuf.h"

/* A scratch directory: dir/a (executable), dir/b (not), dir/sub/. */
static char dir[64];

static int setup(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	FILE *f;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rdrill-test-preflight.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	strbuf_addf(&sb, "%s/a", dir);
	f = fopen(sb.buf, "w");
	fputs("#!/bin/sh\n", f);
	fclose(f);
	chmod(sb.buf, 0755);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/b", dir);
	f = fopen(sb.buf, "w");
	fclose(f);
	chmod(sb.buf, 0644);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/sub", dir);
	mkdir(sb.buf, 0755);
	strbuf_release(&sb);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_which(void **state)
{
	struct strbuf path = STRBUF_INIT, out = STRBUF_INIT;
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	(void)state;
	/* Not executable, a directory: passed over, as execvp does. */
	strbuf_addf(&path, "/nonexistent:%s/sub:%s", dir, dir);
	setenv("PATH", path.buf, 1);
	assert_int_equal(preflight_which("a", &out), 0);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/a", dir);
	assert_string_equal(out.buf, path.buf);
	assert_int_equal(preflight_which("b", &out), -1);
	assert_int_equal(preflight_which("sub", &out), -1);
	assert_int_equal(preflight_which("", &out), -1);
	/* A name with a slash is taken as it is. */
	assert_int_equal(preflight_which(path.buf, &out), 0);
	assert_int_equal(preflight_which("./no-such", &out), -1);
	/* An empty PATH entry is the current directory. */
	setenv("PATH", ":/nonexistent", 1);
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(preflight_which("a", &out), 0);
	assert_string_equal(out.buf, "./a");
	assert_int_equal(chdir("/"), 0);
	if (old)
		setenv("PATH", old, 1);
	free(old);
	strbuf_release(&path);
	strbuf_release(&out);
}

static void test_lock(void **state)
{
	struct run_lock a = RUN_LOCK_INIT, b = RUN_LOCK_INIT, c = RUN_LOCK_INIT;
	struct error err = ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	int held = 0;

	(void)state;
	strbuf_addf(&sb, "%s/state", dir);
	setenv("RDRILL_STATE_DIR", sb.buf, 1);
	assert_int_equal(run_lock_take(&a, "drill", "prod", &held, &err), 0);
	assert_int_equal(held, 0);
	assert_int_equal(run_lock_set_bundle(&a, "/tmp/bundle-1", &err), 0);
	/* Another open file description: held, and who holds it is said. */
	assert_int_equal(run_lock_take(&b, "drill", "prod", &held, &err), -1);
	assert_int_equal(held, 1);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "pid %ld, started ", (long)getpid());
	assert_non_null(strstr(err.msg.buf, sb.buf));
	assert_non_null(strstr(err.msg.buf, "bundle /tmp/bundle-1"));
	/* Another environment is another lock. */
	assert_int_equal(run_lock_take(&c, "drill", "staging", &held, &err), 0);
	run_lock_release(&c);
	run_lock_release(&a);
	assert_int_equal(run_lock_take(&b, "drill", "prod", &held, &err), 0);
	run_lock_release(&b);
	unsetenv("RDRILL_STATE_DIR");
	error_release(&err);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests_name("preflight", tests, setup, teardown);
}
