/*
 * Unit tests of exec: real processes, no mocks. Exit codes and signals,
 * could-not-run versus ran-and-failed, timeouts and cancel reaching the
 * whole process group, byte-exact capture with bounded memory, excerpts,
 * redaction across read boundaries, user switching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "exec.h"
#include "strbuf.h"
#include "strvec.h"

#define TEST_USER "rdrill-pg"

static char tmpdir[] = "/tmp/rdrill-test-exec.XXXXXX";

static void sh(struct exec_cmd *c, const char *script)
{
	strvec_clear(&c->argv);
	strvec_push(&c->argv, "/bin/sh");
	strvec_push(&c->argv, "-c");
	strvec_push(&c->argv, script);
}

static void tmp_path(struct strbuf *sb, const char *name)
{
	strbuf_reset(sb);
	strbuf_addf(sb, "%s/%s", tmpdir, name);
}

static void read_file(struct strbuf *sb, const char *path)
{
	strbuf_reset(sb);
	assert_int_equal(strbuf_read_file(sb, path, 1 << 20), 0);
}

static void write_file(const char *path, const char *s, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Runs a script that must spawn; returns its exit code. */
static int run_sh(const char *script, struct exec_result *r)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct error err = ERROR_INIT;
	int rc;

	sh(&c, script);
	rc = exec_run(&c, r, &err);
	if (rc)
		fail_msg("exec_run: %s", err.msg.buf);
	assert_int_equal(r->exec_failed, 0);
	exec_cmd_release(&c);
	error_release(&err);
	return r->exit_code;
}

static long long ts_ms(const struct timespec *ts)
{
	return ts->tv_sec * 1000LL + ts->tv_nsec / 1000000;
}

static void test_exit_codes(void **state)
{
	struct exec_result r = EXEC_RESULT_INIT;
	struct timespec before, after;

	(void)state;
	clock_gettime(CLOCK_REALTIME, &before);
	assert_int_equal(run_sh("exit 0", &r), 0);
	clock_gettime(CLOCK_REALTIME, &after);
	assert_int_equal(r.signal, 0);
	assert_false(r.timed_out || r.cancelled);
	assert_true(ts_ms(&r.start) >= ts_ms(&before));
	assert_true(ts_ms(&r.end) >= ts_ms(&r.start));
	assert_true(ts_ms(&r.end) <= ts_ms(&after));
	assert_true(r.duration_ms >= 0 && r.duration_ms < 2000);

	assert_int_equal(run_sh("exit 1", &r), 1);
	assert_int_equal(run_sh("exit 42", &r), 42);
	assert_int_equal(run_sh("sleep 0.2; exit 3", &r), 3);
	assert_true(r.duration_ms >= 200);
	exec_result_release(&r);
}

static void test_signal(void **state)
{
	struct exec_result r = EXEC_RESULT_INIT;

	(void)state;
	assert_int_equal(run_sh("kill -KILL $$", &r), 128 + SIGKILL);
	assert_int_equal(r.signal, SIGKILL);
	assert_int_equal(run_sh("kill -USR1 $$", &r), 128 + SIGUSR1);
	assert_int_equal(r.signal, SIGUSR1);
	/* The result is reset between runs. */
	assert_int_equal(run_sh("exit 0", &r), 0);
	assert_int_equal(r.signal, 0);
	exec_result_release(&r);
}

static void expect_exec_failure(struct exec_cmd *c, const char *msg1,
				const char *msg2)
{
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;

	assert_int_equal(exec_run(c, &r, &err), -1);
	assert_int_equal(r.exec_failed, 1);
	if (!strstr(err.msg.buf, msg1) || !strstr(err.msg.buf, msg2))
		fail_msg("message '%s' lacks '%s' / '%s'", err.msg.buf, msg1,
			 msg2);
	assert_string_equal(r.exec_error.buf, err.msg.buf);
	exec_result_release(&r);
	error_release(&err);
}

static void test_could_not_run(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct strbuf path = STRBUF_INIT;

	(void)state;
	strvec_push(&c.argv, "rdrill-no-such-program");
	/* A PATH entry we may not search (root's, under runuser) would make
	 * this EACCES, as execvp() reports it: search only public ones. */
	strvec_push(&c.env, "PATH=/usr/bin:/bin");
	expect_exec_failure(&c, "'rdrill-no-such-program'",
			    "No such file or directory");
	strvec_clear(&c.env);

	strvec_clear(&c.argv);
	strvec_push(&c.argv, "/nonexistent/prog");
	expect_exec_failure(&c, "'/nonexistent/prog'", "No such file");

	/* Not executable: a distinct errno, still "could not run". */
	tmp_path(&path, "noexec.sh");
	write_file(path.buf, "#!/bin/sh\nexit 0\n", 0644);
	strvec_clear(&c.argv);
	strvec_push(&c.argv, path.buf);
	expect_exec_failure(&c, "noexec.sh", "Permission denied");

	strvec_clear(&c.argv);
	strvec_push(&c.argv, "true");
	c.cwd = "/nonexistent-rdrill-dir";
	expect_exec_failure(&c, "cannot enter directory "
			    "'/nonexistent-rdrill-dir'", "No such file");

	exec_cmd_release(&c);
	strbuf_release(&path);
}

static void test_path_and_enoexec(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;

	(void)state;
	/* No #! line: runs under sh, as with execvp(). Found via the
	 * PATH the child gets, not the caller's. */
	tmp_path(&path, "rdrill-probe");
	write_file(path.buf, "echo probe \"$1\"\n", 0755);
	strvec_push(&c.argv, "rdrill-probe");
	strvec_push(&c.argv, "arg one");
	strvec_pushf(&c.env, "PATH=/nonexistent:%s", tmpdir);
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 0);
	assert_string_equal(r.out_head.buf, "probe arg one\n");

	/* An empty PATH entry is the directory the child runs in. */
	strvec_clear(&c.env);
	strvec_push(&c.env, "PATH=/nonexistent:");
	c.cwd = tmpdir;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_string_equal(r.out_head.buf, "probe arg one\n");
	c.cwd = NULL;

	/* Cleared environment, no PATH: the default one finds env. */
	strvec_clear(&c.argv);
	strvec_clear(&c.env);
	strvec_push(&c.argv, "env");
	strvec_push(&c.env, "A=1");
	c.env_clear = 1;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_string_equal(r.out_head.buf, "A=1\n");

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	strbuf_release(&path);
}

/* Makes DIR under tmpdir (mode 0755) and returns its path in sb. */
static void tmp_dir(struct strbuf *sb, const char *name)
{
	tmp_path(sb, name);
	assert_int_equal(mkdir(sb->buf, 0755), 0);
}

/* Runs c, which must spawn; returns its stdout. */
static const char *run_out(struct exec_cmd *c, struct exec_result *r)
{
	struct error err = ERROR_INIT;

	if (exec_run(c, r, &err))
		fail_msg("exec_run: %s", err.msg.buf);
	error_release(&err);
	return r->out_head.buf;
}

static void set_path(struct exec_cmd *c, const char *a, const char *b)
{
	strvec_clear(&c->env);
	strvec_pushf(&c->env, "PATH=%s%s%s", a, b ? ":" : "", b ? b : "");
}

/*
 * The PATH search is execvp()'s, though the parent now picks the file
 * before fork: what is missing, a directory or not executable is passed
 * over, the first that runs wins, and when none runs an EACCES met on
 * the way is the error, not the last ENOENT.
 */
static void test_path_search(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct strbuf dir_a = STRBUF_INIT, noexec = STRBUF_INIT,
		      good = STRBUF_INIT, other = STRBUF_INIT,
		      sb = STRBUF_INIT;

	(void)state;
	tmp_dir(&dir_a, "ps-dir");      /* holds a directory of that name */
	tmp_dir(&noexec, "ps-noexec");  /* a 0644 file */
	tmp_dir(&good, "ps-good");
	tmp_dir(&other, "ps-other");
	strbuf_addf(&sb, "%s/rdrill-which", dir_a.buf);
	assert_int_equal(mkdir(sb.buf, 0755), 0);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/rdrill-which", noexec.buf);
	write_file(sb.buf, "#!/bin/sh\necho noexec\n", 0644);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/rdrill-which", good.buf);
	write_file(sb.buf, "#!/bin/sh\necho good \"$@\"\n", 0755);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/rdrill-which", other.buf);
	write_file(sb.buf, "echo other\n", 0755);

	strvec_push(&c.argv, "rdrill-which");
	strvec_push(&c.argv, "x");
	/* In the second entry. */
	set_path(&c, "/nonexistent", good.buf);
	assert_string_equal(run_out(&c, &r), "good x\n");
	/* A directory, then a file without x: both passed over. */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s:%s:/nonexistent:%s:%s", dir_a.buf, noexec.buf,
		    good.buf, other.buf);
	strvec_clear(&c.env);
	strvec_pushf(&c.env, "PATH=%s", sb.buf);
	assert_string_equal(run_out(&c, &r), "good x\n");
	/* The first that runs wins, a script without #! too. */
	set_path(&c, other.buf, good.buf);
	assert_string_equal(run_out(&c, &r), "other\n");

	/* Nothing runs: EACCES from the way wins over a later ENOENT. */
	set_path(&c, noexec.buf, "/nonexistent");
	expect_exec_failure(&c, "'rdrill-which'", "Permission denied");
	set_path(&c, dir_a.buf, NULL);
	expect_exec_failure(&c, "'rdrill-which'", "Permission denied");
	set_path(&c, "/nonexistent", "/nonexistent2");
	expect_exec_failure(&c, "'rdrill-which'", "No such file");

	/* A relative entry is taken from the directory the child runs in. */
	set_path(&c, "/nonexistent", "ps-good");
	c.cwd = tmpdir;
	assert_string_equal(run_out(&c, &r), "good x\n");
	set_path(&c, "ps-noexec", "ps-dir");
	expect_exec_failure(&c, "'rdrill-which'", "Permission denied");
	c.cwd = NULL;

	/* With a '/', no search: that file or nothing. */
	strvec_clear(&c.argv);
	strvec_push(&c.argv, "ps-good/rdrill-which");
	set_path(&c, other.buf, NULL);
	c.cwd = tmpdir;
	assert_string_equal(run_out(&c, &r), "good\n");
	c.cwd = NULL;

	exec_cmd_release(&c);
	exec_result_release(&r);
	strbuf_release(&dir_a);
	strbuf_release(&noexec);
	strbuf_release(&good);
	strbuf_release(&other);
	strbuf_release(&sb);
}

static void test_env_and_cwd(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf want = STRBUF_INIT;
	char *real;

	(void)state;
	setenv("RDRILL_KEEP", "kept", 1);
	setenv("RDRILL_OVER", "old", 1);
	setenv("RDRILL_GONE", "still here", 1);
	sh(&c, "printf '%s|%s|%s|%s|' \"$RDRILL_KEEP\" \"$RDRILL_OVER\" "
	   "\"${RDRILL_GONE-unset}\" \"$RDRILL_NEW\"; pwd");
	strvec_push(&c.env, "RDRILL_OVER=first");
	strvec_push(&c.env, "RDRILL_OVER=new");
	strvec_push(&c.env, "RDRILL_GONE");
	strvec_push(&c.env, "RDRILL_NEW=a b=c");
	c.cwd = tmpdir;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	real = realpath(tmpdir, NULL);
	assert_non_null(real);
	strbuf_addf(&want, "kept|new|unset|a b=c|%s\n", real);
	assert_string_equal(r.out_head.buf, want.buf);
	/* The caller's own environment is untouched. */
	assert_string_equal(getenv("RDRILL_OVER"), "old");
	assert_string_equal(getenv("RDRILL_GONE"), "still here");

	free(real);
	unsetenv("RDRILL_KEEP");
	unsetenv("RDRILL_OVER");
	unsetenv("RDRILL_GONE");
	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	strbuf_release(&want);
}

static void test_child_state(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf script = STRBUF_INIT;
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	int leak = open("/dev/null", O_RDONLY);

	(void)state;
	assert_true(leak > 2);
	/* The caller's ignored signals and open fds stay behind, stdin
	 * is /dev/null, the child leads its own process group. */
	strbuf_addf(&script, "grep SigIgn /proc/self/status; "
		    "[ -e /proc/$$/fd/%d ] && echo leaked || echo clean; "
		    "readlink /proc/$$/fd/0; "
		    "[ \"$(cut -d' ' -f5 /proc/$$/stat)\" = $$ ] && "
		    "echo leader", leak);
	sh(&c, script.buf);
	assert_int_equal(exec_run(&c, &r, &err), 0);
	signal(SIGPIPE, old);
	close(leak);
	assert_int_equal(r.exit_code, 0);
	/*
	 * Signals 32 and 33 belong to glibc (thread cancellation, setxid):
	 * sigaction() refuses them, so if an ancestor ignored them (some
	 * process supervisors do) the child cannot undo it. Every signal a
	 * program can set must be back to default.
	 */
	{
		unsigned long long ign = strtoull(r.out_head.buf + 7, NULL, 16);
		ign &= ~((1ULL << 31) | (1ULL << 32));
		assert_int_equal(ign, 0);
	}
	assert_string_equal(strchr(r.out_head.buf, '\n') + 1,
			    "clean\n/dev/null\nleader\n");
	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	strbuf_release(&script);
}

static void test_files_exact(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf out = STRBUF_INIT, errp = STRBUF_INIT, sb = STRBUF_INIT;
	struct stat st;

	(void)state;
	tmp_path(&out, "exact.out");
	tmp_path(&errp, "exact.err");
	/* O_TRUNC: an old longer file must not leave a tail behind. */
	write_file(out.buf, "0123456789012345678901234567890123456789", 0600);
	sh(&c, "printf 'a\\000b\\n\\377'; printf 'e\\000rr' >&2; "
	   "printf 'c\\000'; exit 7");
	c.stdout_path = out.buf;
	c.stderr_path = errp.buf;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 7);
	read_file(&sb, out.buf);
	assert_int_equal(sb.len, 7);
	assert_memory_equal(sb.buf, "a\0b\n\377c\0", 7);
	assert_int_equal(r.out_bytes, 7);
	assert_int_equal(r.out_head.len, 7);
	assert_memory_equal(r.out_head.buf, "a\0b\n\377c\0", 7);
	assert_int_equal(r.out_tail.len, 0);
	read_file(&sb, errp.buf);
	assert_int_equal(sb.len, 4);
	assert_memory_equal(sb.buf, "e\0rr", 4);
	assert_int_equal(r.err_bytes, 4);
	assert_memory_equal(r.err_head.buf, "e\0rr", 4);
	assert_int_equal(stat(errp.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644 & ~022);

	/* One path for both streams: both land, none overwritten. */
	sh(&c, "printf a; sleep 0.05; printf b >&2; sleep 0.05; printf c");
	c.stderr_path = out.buf;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	read_file(&sb, out.buf);
	assert_string_equal(sb.buf, "abc");
	assert_int_equal(r.out_bytes, 2);
	assert_int_equal(r.err_bytes, 1);

	/* An output file that cannot be created is a system error. */
	c.stdout_path = "/nonexistent-rdrill-dir/x.out";
	assert_int_equal(exec_run(&c, &r, &err), -1);
	assert_int_equal(r.exec_failed, 0);
	assert_non_null(strstr(err.msg.buf, "/nonexistent-rdrill-dir/x.out"));

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	strbuf_release(&out);
	strbuf_release(&errp);
	strbuf_release(&sb);
}

static void test_excerpts(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	c.excerpt_bytes = 4;
	sh(&c, "printf 0123456789; printf abcdef >&2");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.out_bytes, 10);
	assert_string_equal(r.out_head.buf, "0123");
	assert_string_equal(r.out_tail.buf, "6789");
	/* Head and tail never overlap: here they are the whole stream. */
	assert_int_equal(r.err_bytes, 6);
	assert_string_equal(r.err_head.buf, "abcd");
	assert_string_equal(r.err_tail.buf, "ef");

	/* The ring wraps over many small writes. */
	sh(&c, "for i in 1 2 3 4 5 6 7 8 9; do printf \"<$i>\"; sleep 0.01; "
	   "done");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.out_bytes, 27);
	assert_string_equal(r.out_head.buf, "<1><");
	assert_string_equal(r.out_tail.buf, "><9>");

	c.excerpt_bytes = 0;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.out_bytes, 27);
	assert_int_equal(r.out_head.len + r.out_tail.len, 0);

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
}

/* Dead means gone, or a zombie nobody reaps (PID 1 may not). */
static int process_dead(long pid)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	int dead = 0;

	for (int i = 0; i < 100 && !dead; i++) {
		const char *p;

		strbuf_reset(&path);
		strbuf_addf(&path, "/proc/%ld/stat", pid);
		strbuf_reset(&sb);
		if (strbuf_read_file(&sb, path.buf, 4096) < 0) {
			dead = 1;
			break;
		}
		p = strrchr(sb.buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			dead = 1;
		else
			usleep(10000);
	}
	strbuf_release(&path);
	strbuf_release(&sb);
	return dead;
}

static void test_timeout_kills_group(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	long grandchild;

	(void)state;
	sh(&c, "sleep 30 & echo $!; sleep 30");
	c.timeout_ms = 300;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.cancelled, 0);
	assert_int_equal(r.exit_code, 128 + SIGTERM);
	assert_true(r.duration_ms >= 300);
	assert_true(r.duration_ms < 1500);
	grandchild = strtol(r.out_head.buf, NULL, 10);
	assert_true(grandchild > 1);
	assert_true(process_dead(grandchild));

	/* One that ignores SIGTERM is killed once the grace is over. */
	sh(&c, "trap '' TERM; sleep 30");
	c.timeout_ms = 200;
	c.grace_ms = 300;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.signal, SIGKILL);
	assert_int_equal(r.exit_code, 128 + SIGKILL);
	assert_true(r.duration_ms >= 500);
	assert_true(r.duration_ms < 1500);

	/* SIGTERM reaches the whole group, not just the leader: the
	 * grandchild's trap runs, the leader waits for it and exits 3. */
	sh(&c, "trap 'wait; exit 3' TERM; "
	   "sh -c 'trap \"echo cleaned; exit 0\" TERM; sleep 30 & wait' & "
	   "wait");
	c.timeout_ms = 300;
	c.grace_ms = 5000;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.exit_code, 3);
	assert_string_equal(r.out_head.buf, "cleaned\n");
	assert_true(r.duration_ms < 1500);

	/* Once the leader is gone, what is left of a stopped group is
	 * killed at once, not after the grace. */
	sh(&c, "sh -c 'trap \"\" TERM; sleep 30' & echo $!; sleep 30");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 128 + SIGTERM);
	assert_true(r.duration_ms < 1500);
	grandchild = strtol(r.out_head.buf, NULL, 10);
	assert_true(grandchild > 1);
	assert_true(process_dead(grandchild));

	/* A quick command is not touched by a long timeout. */
	sh(&c, "exit 5");
	c.timeout_ms = 10000;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.exit_code, 5);

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
}

static void test_held_pipes(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct timespec t0, t1;
	long bg;

	(void)state;
	/* A daemon left behind keeps stdout open: the run still ends
	 * soon after the child, and the daemon is left alone. */
	sh(&c, "sleep 30 & echo $!; echo done");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(exec_run(&c, &r, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(r.exit_code, 0);
	assert_true(ts_ms(&t1) - ts_ms(&t0) < 1500);
	bg = strtol(r.out_head.buf, NULL, 10);
	assert_true(bg > 1);
	assert_non_null(strstr(r.out_head.buf, "\ndone\n"));
	assert_int_equal(kill((pid_t)bg, 0), 0);
	kill((pid_t)bg, SIGKILL);

	/* A child that closes its output and runs on is still timed. */
	sh(&c, "exec >&- 2>&-; sleep 30");
	c.timeout_ms = 200;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.timed_out, 1);
	assert_int_equal(r.exit_code, 128 + SIGTERM);
	assert_true(r.duration_ms < 1500);

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
}

static volatile sig_atomic_t cancel_flag;

static void on_alarm(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

static void test_cancel(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct itimerval it;
	struct sigaction sa, old;
	long grandchild;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 250000;
	cancel_flag = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);

	sh(&c, "sleep 30 & echo $!; sleep 30");
	c.cancel = &cancel_flag;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(r.timed_out, 0);
	assert_int_equal(r.exit_code, 128 + SIGTERM);
	assert_true(r.duration_ms >= 200 && r.duration_ms < 1500);
	grandchild = strtol(r.out_head.buf, NULL, 10);
	assert_true(grandchild > 1);
	assert_true(process_dead(grandchild));

	/* Already cancelled: nothing is started. */
	assert_int_equal(exec_run(&c, &r, &err), -1);
	assert_int_equal(r.cancelled, 1);
	assert_int_equal(r.exec_failed, 1);
	assert_non_null(strstr(err.msg.buf, "cancelled"));
	assert_true(r.start.tv_sec > 0);
	assert_true(ts_ms(&r.end) >= ts_ms(&r.start));

	sigaction(SIGALRM, &old, NULL);
	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
}

static void test_big_output_bounded(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct rusage ru;
	char want[4096];

	(void)state;
	/* 200 MiB of x between HEAD and TAIL, on both streams' worth of
	 * pipes; discarded, so only the excerpts and counts remain. */
	sh(&c, "printf HEAD; head -c 209715200 /dev/zero | tr '\\000' x; "
	   "printf TAIL; printf small >&2");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.out_bytes, 209715200ULL + 8);
	memset(want, 'x', sizeof(want));
	memcpy(want, "HEAD", 4);
	assert_int_equal(r.out_head.len, 4096);
	assert_memory_equal(r.out_head.buf, want, 4096);
	memset(want, 'x', sizeof(want));
	memcpy(want + 4092, "TAIL", 4);
	assert_int_equal(r.out_tail.len, 4096);
	assert_memory_equal(r.out_tail.buf, want, 4096);
	assert_string_equal(r.err_head.buf, "small");
	assert_int_equal(r.err_bytes, 5);

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	/* ru_maxrss is in KiB on Linux. */
	print_message("max RSS after 200 MiB: %ld KiB\n", ru.ru_maxrss);
	assert_true(ru.ru_maxrss < 32 * 1024);

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
}

static void test_redaction(void **state)
{
	static const char *const secrets[] = {
		"hunter2-PASSWORD", "cd", "", "postgres://u:pw@h/db", NULL,
	};
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf out = STRBUF_INIT, errp = STRBUF_INIT, sb = STRBUF_INIT;
	const char *want_out = "pw=[REDACTED]; again [REDACTED][REDACTED]"
		" ab[REDACTED]ef url=[REDACTED] end";

	(void)state;
	tmp_path(&out, "redact.out");
	tmp_path(&errp, "redact.err");
	/* Byte by byte with pauses: every read() sees one byte or so. */
	sh(&c, "slow() { s=$1; while [ -n \"$s\" ]; do r=${s#?}; "
	   "printf '%s' \"${s%\"$r\"}\"; s=$r; sleep 0.005; done; }; "
	   "slow 'pw=hunter2-PASSWORD; again '; "
	   "printf 'hunter2-PASSWORDhunter2-'; sleep 0.05; printf PASSWORD; "
	   "slow ' abcdef url=postgres://u:pw@h/db end'; "
	   "slow 'err:hunter2-PASSWORD' >&2; printf 'hunter2-PASS' >&2");
	c.stdout_path = out.buf;
	c.stderr_path = errp.buf;
	c.redact = secrets;
	c.excerpt_bytes = 10;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 0);
	read_file(&sb, out.buf);
	assert_string_equal(sb.buf, want_out);
	assert_int_equal(r.out_bytes, strlen(want_out));
	assert_string_equal(r.out_head.buf, "pw=[REDACT");
	assert_string_equal(r.out_tail.buf, "ACTED] end");
	read_file(&sb, errp.buf);
	/* A prefix of a secret at EOF is not the secret: kept as is. */
	assert_string_equal(sb.buf, "err:[REDACTED]hunter2-PASS");
	assert_string_equal(r.err_tail.buf, "nter2-PASS");

	/*
	 * Its percent-encoded and conninfo forms too, each split across
	 * reads (the longest form of a secret is three bytes a byte).
	 */
	sh(&c, "printf 'url=u:hunter2%%2DPASS'; sleep 0.05; printf 'WORD@h '; "
	   "sleep 0.05; printf \"%%68%%75%%6e%%74%%65%%72%%32%%2D\"; sleep 0.05; "
	   "printf \"%%50%%41%%53%%53%%57%%4F%%52%%44 password='hunter2\\\\-\"; "
	   "sleep 0.05; printf \"PASSWORD' end\"");
	c.stdout_path = out.buf;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	read_file(&sb, out.buf);
	assert_string_equal(sb.buf, "url=u:[REDACTED]@h [REDACTED] "
			    "password='[REDACTED]' end");

	/* Across 64 KiB reads of a fast stream too. */
	sh(&c, "i=0; while [ $i -lt 3000 ]; do "
	   "printf 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxhunter2-PASSWORD'"
	   "; i=$((i+1)); done");
	c.stdout_path = NULL;
	c.excerpt_bytes = 4096;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.out_bytes, 3000ULL * (44 + 10));
	assert_null(strstr(r.out_head.buf, "hunter"));
	assert_null(strstr(r.out_tail.buf, "hunter"));
	assert_null(strstr(r.out_tail.buf, "PASSWORD"));

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	strbuf_release(&out);
	strbuf_release(&errp);
	strbuf_release(&sb);
}

/*
 * Watched strings are found anywhere in either stream: in the middle of
 * megabytes the excerpts never hold, split across reads, and not in a
 * secret's place once it is redacted.
 */
static void test_watch(void **state)
{
	static const char *const watch[] = {
		"errors ignored on restore:", "ERROR:  ", "never", NULL,
	};
	static const char *const secrets[] = { "ERROR:  hidden", NULL };
	static const char *const too_many[] = {
		"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
		"n", "o", "p", "q", NULL,
	};
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	c.watch = watch;
	/* 2 MB of stderr, the error in the middle, outside both excerpts. */
	sh(&c, "{ head -c 1000000 /dev/zero | tr '\\0' x; "
	   "echo 'psql:seed.sql:3: ERROR:  relation \"t\" does not exist'; "
	   "head -c 1000000 /dev/zero | tr '\\0' y; } >&2");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 0);
	assert_null(strstr(r.err_head.buf, "ERROR"));
	assert_null(strstr(r.err_tail.buf, "ERROR"));
	assert_int_equal(r.watch_seen, 2);

	/* On stdout it is data (a post that quotes an error): not seen. */
	sh(&c, "echo 'ERROR:  relation does not exist'");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.watch_seen, 0);

	/* One byte at a time on stderr: every match straddles reads. */
	sh(&c, "for ch in e r r o r s ' ' i g n o r e d ' ' o n ' ' "
	   "r e s t o r e : ' ' 3; do printf '%s' \"$ch\" >&2; "
	   "sleep 0.003; done");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.watch_seen, 1);

	/* Clean output: nothing seen (and the bits do not leak between runs). */
	sh(&c, "echo 'NOTICE:  table does not exist, skipping' >&2; "
	   "echo ERROR: x >&2");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.watch_seen, 0);

	/* What a secret covered is gone before anything looks. */
	c.redact = secrets;
	sh(&c, "echo 'ERROR:  hidden' >&2");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.watch_seen, 0);
	sh(&c, "echo 'ERROR:  shown' >&2");
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.watch_seen, 2);
	c.redact = NULL;

	/* More strings than bits: refused, nothing run. */
	c.watch = too_many;
	assert_int_equal(exec_run(&c, &r, &err), -1);
	assert_non_null(strstr(err.msg.buf, "watch"));

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
}

/* Cuts sb at its last '/' and returns it: the directory of a path. */
static const char *dirname_of(struct strbuf *sb)
{
	static char dir[4096];
	char *slash = strrchr(sb->buf, '/');

	assert_non_null(slash);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - sb->buf), sb->buf);
	return dir;
}

/* Looks the test user up, creating it when root and it is missing. */
static struct passwd *test_user(void)
{
	struct passwd *pw = getpwnam(TEST_USER);

	if (!pw && geteuid() == 0) {
		assert_int_equal(system("useradd --system --no-create-home "
					"--shell /usr/sbin/nologin " TEST_USER),
				 0);
		pw = getpwnam(TEST_USER);
	}
	return pw;
}

/* Not root: the current user is a no-op, another one is refused. */
static int check_unprivileged(const char *me, const char *other,
			      uid_t my_uid)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	char want[32];
	int bad = 0;

	snprintf(want, sizeof(want), "%ld\n", (long)my_uid);
	strvec_push(&c.argv, "id");
	strvec_push(&c.argv, "-u");
	c.run_as = me;
	if (exec_run(&c, &r, &err) || strcmp(r.out_head.buf, want))
		bad |= 1;
	c.run_as = other;
	if (exec_run(&c, &r, &err) != -1 || !r.exec_failed ||
	    !strstr(err.msg.buf, "cannot run as user") ||
	    !strstr(err.msg.buf, other) || r.out_bytes)
		bad |= 2;
	c.run_as = "rdrill-no-such-user";
	if (exec_run(&c, &r, &err) != -1 || !r.exec_failed ||
	    !strstr(err.msg.buf, "unknown user 'rdrill-no-such-user'"))
		bad |= 4;
	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	return bad;
}

static void test_run_as(void **state)
{
	struct exec_cmd c = EXEC_CMD_INIT;
	struct exec_result r = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf want = STRBUF_INIT, dir = STRBUF_INIT;
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		assert_non_null(pw);
		assert_int_equal(check_unprivileged(pw->pw_name, "root",
						    geteuid()), 0);
		return;
	}
	pw = test_user();
	assert_non_null(pw);
	uid = pw->pw_uid;
	gid = pw->pw_gid;

	sh(&c, "id -u; id -g; id -G; echo \"$HOME|$USER|$RDRILL_X\"");
	strvec_push(&c.env, "RDRILL_X=kept");
	c.run_as = TEST_USER;
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_int_equal(r.exit_code, 0);
	strbuf_addf(&want, "%ld\n%ld\n", (long)uid, (long)gid);
	assert_int_equal(strncmp(r.out_head.buf, want.buf, want.len), 0);
	/* Root's groups are gone. */
	assert_null(strstr(r.out_head.buf + want.len, " 0 "));
	assert_false(r.out_head.buf[want.len] == '0' &&
		     r.out_head.buf[want.len + 1] == ' ');
	strbuf_reset(&want);
	strbuf_addf(&want, "%s|%s|kept\n", pw->pw_dir, TEST_USER);
	assert_non_null(strstr(r.out_head.buf, want.buf));

	/* The cwd is entered as that user: a 0700 root dir is refused. */
	strbuf_addf(&dir, "%s/private", tmpdir);
	assert_int_equal(mkdir(dir.buf, 0700), 0);
	c.cwd = dir.buf;
	strvec_clear(&c.env);
	sh(&c, "pwd");
	assert_int_equal(exec_run(&c, &r, &err), -1);
	assert_int_equal(r.exec_failed, 1);
	assert_non_null(strstr(err.msg.buf, "cannot enter directory"));
	assert_non_null(strstr(err.msg.buf, "Permission denied"));

	/*
	 * The parent picks the program as root, which may run what the
	 * user may not: a 0700 file, a file in a 0700 directory. The child
	 * then searches as execvp() does, as that user.
	 */
	c.cwd = NULL;
	assert_int_equal(chmod(tmpdir, 0755), 0);
	strbuf_reset(&dir);
	strbuf_addf(&dir, "%s/ra-root/rdrill-who", tmpdir);
	assert_int_equal(mkdir(dirname_of(&dir), 0755), 0);
	write_file(dir.buf, "#!/bin/sh\necho root-only\n", 0700);
	strbuf_reset(&dir);
	strbuf_addf(&dir, "%s/ra-private/rdrill-who", tmpdir);
	assert_int_equal(mkdir(dirname_of(&dir), 0700), 0);
	write_file(dir.buf, "#!/bin/sh\necho private\n", 0755);
	strbuf_reset(&dir);
	strbuf_addf(&dir, "%s/ra-pub/rdrill-who", tmpdir);
	assert_int_equal(mkdir(dirname_of(&dir), 0755), 0);
	write_file(dir.buf, "#!/bin/sh\necho \"$USER\"\n", 0755);
	strvec_clear(&c.argv);
	strvec_push(&c.argv, "rdrill-who");
	strvec_pushf(&c.env, "PATH=%s/ra-root:%s/ra-private:%s/ra-pub", tmpdir,
		     tmpdir, tmpdir);
	assert_int_equal(exec_run(&c, &r, &err), 0);
	assert_string_equal(r.out_head.buf, TEST_USER "\n");
	strvec_clear(&c.env);
	strvec_pushf(&c.env, "PATH=%s/ra-root:%s/ra-private", tmpdir, tmpdir);
	assert_int_equal(exec_run(&c, &r, &err), -1);
	assert_int_equal(r.exec_failed, 1);
	assert_non_null(strstr(err.msg.buf, "Permission denied"));
	assert_int_equal(chmod(tmpdir, 0700), 0);
	strvec_clear(&c.env);

	/* And the refusal a non-root rdrill gives, from a child that has
	 * dropped root for good. */
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(100);
		_exit(check_unprivileged(TEST_USER, "root", uid));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	exec_cmd_release(&c);
	exec_result_release(&r);
	error_release(&err);
	strbuf_release(&want);
	strbuf_release(&dir);
}

static void test_format(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct timespec ts = { 1768964645, 123999999 };
	const char *argv[] = { "pg_dump", "-d", "my db", "it's", "", NULL };

	(void)state;
	exec_format_utc(&sb, &ts);
	assert_string_equal(sb.buf, "2026-01-21T03:04:05.123Z");
	strbuf_reset(&sb);
	ts.tv_sec = 0;
	ts.tv_nsec = 7000000;
	exec_format_utc(&sb, &ts);
	assert_string_equal(sb.buf, "1970-01-01T00:00:00.007Z");
	strbuf_reset(&sb);
	exec_format_argv(&sb, argv);
	assert_string_equal(sb.buf, "pg_dump -d 'my db' 'it'\\''s' ''");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_could_not_run),
		cmocka_unit_test(test_path_and_enoexec),
		cmocka_unit_test(test_path_search),
		cmocka_unit_test(test_env_and_cwd),
		cmocka_unit_test(test_child_state),
		cmocka_unit_test(test_files_exact),
		cmocka_unit_test(test_excerpts),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_held_pipes),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_big_output_bounded),
		cmocka_unit_test(test_redaction),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_run_as),
		cmocka_unit_test(test_format),
	};
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests_name("exec", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
