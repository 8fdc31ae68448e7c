/*
 * ssh.c without a server: the remote command line, run by a local
 * /bin/sh as sshd's login shell would run it, hands the step's argv over
 * byte for byte (quotes, spaces, globs, '$', empty words) and reads the
 * secrets from stdin, not from the line; the stdin payload refuses what
 * it could not carry; the deadline's exit codes read as a timeout only
 * after the deadline; ssh's argv pins everything (no config file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drill.h"
#include "error.h"
#include "exec.h"
#include "ssh.h"
#include "strbuf.h"
#include "strvec.h"

/* Run `line` with /bin/sh -c, stdin from `payload`; its stdout. */
static int run_line(const char *line, const struct strbuf *payload,
		    struct strbuf *out)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	int fds[2], rc;

	strvec_push(&cmd.argv, "/bin/sh");
	strvec_push(&cmd.argv, "-c");
	strvec_push(&cmd.argv, line);
	assert_int_equal(ssh_stdin_pipe(payload, fds, &path, &err), 0);
	cmd.stdin_path = path.buf;
	cmd.timeout_ms = 20000;
	assert_int_equal(exec_run(&cmd, &res, &err), 0);
	strbuf_add(out, res.out_head.buf, res.out_head.len);
	rc = res.exit_code;
	close(fds[0]);
	close(fds[1]);
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	error_release(&err);
	strbuf_release(&path);
	return rc;
}

static void test_argv_exact(void **state)
{
	static const char *const argv[] = {
		"printf", "%s|", "a b", "it's", "$HOME", "*", "", "\"q\"",
		"back\\slash", "new\nline", NULL };
	static const char *const names[] = { "PW", NULL };
	static const char *const vals[] = { "p'w $x \\", NULL };
	static const char *const env[] = { "GREETING=hi there", NULL };
	struct strbuf line = STRBUF_INIT, payload = STRBUF_INIT,
		      out = STRBUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	ssh_remote_command(&line, argv, NULL, "/", 10, 2);
	assert_int_equal(ssh_stdin_payload(&payload, names, vals, &err), 0);
	assert_int_equal(run_line(line.buf, &payload, &out), 0);
	assert_string_equal(out.buf,
			    "a b|it's|$HOME|*||\"q\"|back\\slash|new\nline|");
	assert_null(strstr(line.buf, "p'w"));

	/* The secret arrives in the environment, the env: too, in cwd. */
	strbuf_reset(&line);
	strbuf_reset(&out);
	{
		static const char *const show[] = {
			"sh", "-c", "printf '%s|%s|%s' \"$PW\" \"$GREETING\" \"$(pwd)\"",
			NULL };
		ssh_remote_command(&line, show, env, "/usr", 0, 0);
	}
	assert_int_equal(run_line(line.buf, &payload, &out), 0);
	assert_string_equal(out.buf, "p'w $x \\|hi there|/usr");
	assert_null(strstr(line.buf, "$x"));
	strbuf_release(&line);
	strbuf_release(&payload);
	strbuf_release(&out);
	error_release(&err);
}

static void test_deadline_and_exit(void **state)
{
	static const char *const slow[] = { "sleep", "30", NULL };
	static const char *const die[] = { "sh", "-c", "kill -KILL $$", NULL };
	struct strbuf line = STRBUF_INIT, payload = STRBUF_INIT,
		      out = STRBUF_INIT;

	(void)state;
	strbuf_addch(&payload, '\n');
	ssh_remote_command(&line, slow, NULL, NULL, 1, 1);
	assert_int_equal(run_line(line.buf, &payload, &out), 124);
	strbuf_reset(&line);
	ssh_remote_command(&line, die, NULL, NULL, 5, 1);
	assert_int_equal(run_line(line.buf, &payload, &out), 137);
	assert_true(ssh_timed_out(124, 1000, 1));
	assert_true(ssh_timed_out(137, 7000, 5));
	assert_false(ssh_timed_out(137, 10, 5));  /* killed, in time */
	assert_false(ssh_timed_out(124, 5000, 0)); /* no deadline */
	assert_false(ssh_timed_out(1, 9000, 5));
	strbuf_release(&line);
	strbuf_release(&payload);
	strbuf_release(&out);
}

static void test_payload_refuses(void **state)
{
	static const char *const bad_name[] = { "1X", NULL };
	static const char *const ok_name[] = { "X", NULL };
	static const char *const nl[] = { "a\nb", NULL };
	static const char *const fine[] = { "a", NULL };
	struct strbuf p = STRBUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(ssh_stdin_payload(&p, bad_name, fine, &err), -1);
	error_release(&err);
	assert_int_equal(ssh_stdin_payload(&p, ok_name, nl, &err), -1);
	assert_non_null(strstr(err.msg.buf, "newline"));
	error_release(&err);
	strbuf_reset(&p);
	assert_int_equal(ssh_stdin_payload(&p, NULL, NULL, &err), 0);
	assert_string_equal(p.buf, "\n");
	strbuf_release(&p);
	error_release(&err);
}

static void test_ssh_argv_pins(void **state)
{
	struct drill_ssh_host h = { .name = "db1", .user = "drill",
				    .host = "db1.example", .port = { 2222, 1 },
				    .identity_file = "/k", .known_hosts = "/kh" };
	struct strvec argv = STRVEC_INIT;
	struct strbuf all = STRBUF_INIT;
	size_t i;

	(void)state;
	ssh_argv(&h, 7, &argv);
	for (i = 0; i < argv.nr; i++)
		strbuf_addf(&all, "%s\n", argv.v[i]);
	assert_non_null(strstr(all.buf, "-F\nnone\n"));
	assert_non_null(strstr(all.buf, "BatchMode=yes\n"));
	assert_non_null(strstr(all.buf, "StrictHostKeyChecking=yes\n"));
	assert_non_null(strstr(all.buf, "UserKnownHostsFile=/kh\n"));
	assert_non_null(strstr(all.buf, "GlobalKnownHostsFile=/dev/null\n"));
	assert_non_null(strstr(all.buf, "-i\n/k\n"));
	assert_non_null(strstr(all.buf, "-p\n2222\n-l\ndrill\n--\ndb1.example\n"));
	assert_string_equal(argv.v[argv.nr - 1], "db1.example");
	strvec_clear(&argv);
	strbuf_release(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_exact),
		cmocka_unit_test(test_deadline_and_exit),
		cmocka_unit_test(test_payload_refuses),
		cmocka_unit_test(test_ssh_argv_pins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
