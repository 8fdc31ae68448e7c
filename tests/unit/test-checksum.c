/*
 * checksum: hashes cross-checked with coreutils sha256sum on real files,
 * the SHA256SUMS we write read back by `sha256sum -c --strict` (odd
 * names included), parallel == serial, and the verifier against changed,
 * missing, unreadable, malformed and escaping entries; hashing that
 * stops on a cancel flag or a deadline.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checksum.h"
#include "error.h"
#include "fsutil.h"
#include "strbuf.h"

static char top[] = "/tmp/rdrill-test-checksum.XXXXXX";
static unsigned serial;

/* A fresh directory per test, under the one removed at exit. */
static void fresh_dir(struct strbuf *dir)
{
	strbuf_reset(dir);
	strbuf_addf(dir, "%s/d%u", top, ++serial);
	assert_int_equal(mkdir(dir->buf, 0755), 0);
}

static void put(const char *dir, const char *name, const void *data,
		size_t len)
{
	struct strbuf path = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&path, "%s/%s", dir, name);
	f = fopen(path.buf, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	strbuf_release(&path);
}

static void put_s(const char *dir, const char *name, const char *s)
{
	put(dir, name, s, strlen(s));
}

/* Run a shell command in `dir`; its exit status, stdout into *out. */
static int sh_in(const char *dir, const char *cmd, struct strbuf *out)
{
	struct strbuf full = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *p;
	int st;

	strbuf_adds(&full, "cd ");
	strbuf_add_shquoted(&full, dir);
	strbuf_addf(&full, " && %s", cmd);
	p = popen(full.buf, "r");
	assert_non_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		if (out)
			strbuf_add(out, buf, n);
	st = pclose(p);
	strbuf_release(&full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* What coreutils says the hash of dir/name is. */
static void coreutils_hash(const char *dir, const char *name, char hex[65])
{
	struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;

	strbuf_adds(&cmd, "sha256sum < ");
	strbuf_add_shquoted(&cmd, name);
	assert_int_equal(sh_in(dir, cmd.buf, &out), 0);
	assert_true(out.len >= 64);
	memcpy(hex, out.buf, 64);
	hex[64] = '\0';
	strbuf_release(&cmd);
	strbuf_release(&out);
}

static const struct checksum_entry *find(const struct checksum_set *set,
					 const char *name)
{
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (!strcmp(set->v[i].name, name))
			return &set->v[i];
	fail_msg("no entry %s", name);
	return NULL;
}

static void test_hashes_match_coreutils(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	/* Not a multiple of the 1 MiB read block, and over several blocks. */
	size_t big = (3u << 20) + 12345, i;
	unsigned char *data = malloc(big);
	char want[65];

	(void)state;
	fresh_dir(&dir);
	for (i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	put(dir.buf, "empty", "", 0);
	put_s(dir.buf, "small", "hello\n");
	put(dir.buf, "big.bin", data, big);
	assert_int_equal(checksum_files(dir.buf, NULL, NULL, 0, &set, &err), 0);
	assert_int_equal(set.nr, 3);
	/* Sorted by name. */
	assert_string_equal(set.v[0].name, "big.bin");
	assert_string_equal(set.v[1].name, "empty");
	assert_string_equal(set.v[2].name, "small");
	assert_int_equal(set.v[0].size, big);
	assert_int_equal(set.v[1].size, 0);
	assert_int_equal(set.v[2].size, 6);
	for (i = 0; i < set.nr; i++) {
		coreutils_hash(dir.buf, set.v[i].name, want);
		assert_string_equal(set.v[i].hex, want);
		assert_int_equal(set.v[i].status, CHECKSUM_OK);
		assert_null(set.v[i].error);
	}
	assert_string_equal(set.v[1].hex, "e3b0c44298fc1c149afbf4c8996fb924"
			    "27ae41e4649b934ca495991b7852b855");
	checksum_set_release(&set);
	free(data);
	error_release(&err);
	strbuf_release(&dir);
}

static const char *const odd_names[] = {
	"with space", "two  spaces", "new\nline", "back\\slash",
	"cr\rname", "trailing-cr\r", "\\\n\r\\", "caf\xc3\xa9-\xe6\x96\x87\xe4\xbb\xb6",
	"-leading-dash", "*star", " leading space", "(paren) = x",
	"sub/dir/deep file", "sub/x", NULL,
};

static void test_sums_accepted_by_sha256sum(void **state)
{
	struct strbuf dir = STRBUF_INIT, sums = STRBUF_INIT, out = STRBUF_INIT;
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	size_t i;

	(void)state;
	fresh_dir(&dir);
	strbuf_addf(&path, "%s/sub/dir", dir.buf);
	assert_int_equal(fs_mkdirs(path.buf, 0755, &err), 0);
	for (i = 0; odd_names[i]; i++)
		put_s(dir.buf, odd_names[i], odd_names[i]);
	strbuf_addf(&sums, "%s/SHA256SUMS", dir.buf);
	/* A stale sums file in the set must not list itself. */
	put_s(dir.buf, "SHA256SUMS", "old\n");
	assert_int_equal(checksum_files(dir.buf, NULL, sums.buf, 0, &set, &err), 0);
	assert_int_equal(set.nr, i);
	for (i = 0; i < set.nr; i++)
		assert_string_not_equal(set.v[i].name, "SHA256SUMS");
	assert_int_equal(checksum_write_sums(sums.buf, &set, &err), 0);

	assert_int_equal(sh_in(dir.buf, "sha256sum -c --strict --quiet SHA256SUMS",
			       &out), 0);
	assert_int_equal(out.len, 0);
	/* Same bytes as sha256sum's own output for names it escapes alike. */
	strbuf_reset(&out);
	assert_int_equal(sh_in(dir.buf, "sha256sum 'with space' 'back\\slash' "
			       "-- -leading-dash", &out), 0);
	checksum_format_sums(&text, &set);
	{
		const char *line = out.buf;
		while (*line) {
			const char *nl = strchr(line, '\n');
			struct strbuf one = STRBUF_INIT;
			strbuf_add(&one, line, (size_t)(nl - line + 1));
			assert_non_null(strstr(text.buf, one.buf));
			strbuf_release(&one);
			line = nl + 1;
		}
	}
	/* The escaped form of the nastiest name, byte for byte. */
	assert_non_null(strstr(text.buf, "  \\\\\\n\\r\\\\\n"));

	/* And a changed byte is caught by sha256sum too: the hashes are real. */
	put_s(dir.buf, "new\nline", "new\nlinE");
	assert_int_equal(sh_in(dir.buf, "sha256sum -c --strict --quiet SHA256SUMS "
			       ">/dev/null 2>&1", NULL), 1);

	checksum_set_release(&set);
	error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&sums);
	strbuf_release(&out);
	strbuf_release(&path);
	strbuf_release(&text);
}

static void test_parallel_equals_serial(void **state)
{
	struct strbuf dir = STRBUF_INIT, name = STRBUF_INIT;
	struct checksum_set one = CHECKSUM_SET_INIT, all = CHECKSUM_SET_INIT;
	struct checksum_set many = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	size_t i, len;
	char *data = malloc(3 << 20);

	(void)state;
	fresh_dir(&dir);
	memset(data, 'q', 3 << 20);
	for (i = 0; i < 37; i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "f%02zu", i);
		len = i == 5 ? (size_t)(3 << 20) : i * 1000;
		data[0] = (char)i;
		put(dir.buf, name.buf, data, len);
	}
	assert_int_equal(checksum_files(dir.buf, NULL, NULL, 1, &one, &err), 0);
	assert_int_equal(checksum_files(dir.buf, NULL, NULL, 0, &all, &err), 0);
	assert_int_equal(checksum_files(dir.buf, NULL, NULL, 16, &many, &err), 0);
	assert_int_equal(one.nr, 37);
	assert_int_equal(all.nr, 37);
	assert_int_equal(many.nr, 37);
	for (i = 0; i < one.nr; i++) {
		assert_string_equal(one.v[i].name, all.v[i].name);
		assert_string_equal(one.v[i].hex, all.v[i].hex);
		assert_int_equal(one.v[i].size, all.v[i].size);
		assert_string_equal(one.v[i].name, many.v[i].name);
		assert_string_equal(one.v[i].hex, many.v[i].hex);
	}
	assert_int_equal(one.v[5].size, 3 << 20);
	/* Distinct contents, distinct hashes: nothing was mixed up. */
	assert_string_not_equal(one.v[6].hex, one.v[7].hex);
	checksum_set_release(&one);
	checksum_set_release(&all);
	checksum_set_release(&many);
	free(data);
	error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&name);
}

static void test_listed_names(void **state)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	const char *names[] = { "b", "a", "b", NULL };
	const char *escape[] = { "a", "../x", NULL };
	const char *abs[] = { "/etc/passwd", NULL };
	const char *gone[] = { "a", "nope", "adir", "fifo", NULL };

	(void)state;
	fresh_dir(&dir);
	put_s(dir.buf, "a", "A");
	put_s(dir.buf, "b", "B");
	put_s(dir.buf, "c", "C");
	assert_int_equal(checksum_files(dir.buf, names, NULL, 0, &set, &err), 0);
	assert_int_equal(set.nr, 2);
	assert_string_equal(set.v[0].name, "a");
	assert_string_equal(set.v[1].name, "b");

	assert_int_equal(checksum_files(dir.buf, escape, NULL, 0, &set, &err), -1);
	assert_non_null(strstr(err.msg.buf, "'../x' is not a name inside"));
	assert_int_equal(set.nr, 0);
	assert_int_equal(checksum_files(dir.buf, abs, NULL, 0, &set, &err), -1);
	assert_non_null(strstr(err.msg.buf, "'/etc/passwd'"));

	/*
	 * A missing file, a directory and a FIFO where files are expected:
	 * reported per entry (works as root, unlike chmod 000), no hang.
	 */
	strbuf_addf(&path, "%s/adir", dir.buf);
	assert_int_equal(mkdir(path.buf, 0755), 0);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/fifo", dir.buf);
	assert_int_equal(mkfifo(path.buf, 0644), 0);
	assert_int_equal(checksum_files(dir.buf, gone, NULL, 0, &set, &err), -1);
	assert_non_null(strstr(err.msg.buf, "(and 2 more files)"));
	assert_int_equal(set.nr, 4);
	assert_int_equal(find(&set, "a")->status, CHECKSUM_OK);
	assert_int_equal(find(&set, "nope")->status, CHECKSUM_MISSING);
	assert_non_null(strstr(find(&set, "nope")->error, "No such file"));
	assert_int_equal(find(&set, "adir")->status, CHECKSUM_UNREADABLE);
	assert_non_null(strstr(find(&set, "adir")->error, "is a directory"));
	assert_int_equal(find(&set, "fifo")->status, CHECKSUM_UNREADABLE);
	assert_int_equal(checksum_set_failures(&set), 3);
	assert_string_equal(checksum_status_word(find(&set, "nope")->status),
			    "MISSING");

	/* The walk takes regular files only: no FIFO, no symlink. */
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/link", dir.buf);
	assert_int_equal(symlink("/etc/passwd", path.buf), 0);
	assert_int_equal(checksum_files(dir.buf, NULL, NULL, 0, &set, &err), 0);
	assert_int_equal(set.nr, 3);
	assert_string_equal(set.v[2].name, "c");

	checksum_set_release(&set);
	error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&path);
}

/*
 * A sparse file far too big to hash within the bounds below: 8 GiB of
 * holes took 10-20 s on the 2-CPU box this was written on. Hashed to its
 * end, the call would also return 0, not -1.
 */
#define HUGE_FILE (64ULL << 30)
/* Generous: a stop comes within one 1 MiB read per thread. */
#define STOP_BOUND_S 10.0

static void put_huge(const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int fd;

	strbuf_addf(&path, "%s/%s", dir, name);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)HUGE_FILE), 0);
	assert_int_equal(close(fd), 0);
	strbuf_release(&path);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static volatile sig_atomic_t cancel_flag;

static void on_alarm(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

/* SIGALRM sets cancel_flag after `ms`, as SIGINT does in `rdrill run`. */
static void cancel_after(long ms)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void test_cancel_set_before(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	const char *names[] = { "huge", "small", NULL };
	double t0;

	(void)state;
	fresh_dir(&dir);
	put_huge(dir.buf, "huge");
	put_s(dir.buf, "small", "s");
	cancel_flag = 1;
	t0 = now_s();
	/* Listed names: the hashing sees it. */
	assert_int_equal(checksum_files_until(dir.buf, names, NULL, 2,
					      &cancel_flag, 0, &set, &err), -1);
	assert_string_equal(err.msg.buf, "cancelled");
	assert_int_equal(set.nr, 0);
	/* The whole directory: the walk sees it first. */
	error_set(&err, "stale");
	assert_int_equal(checksum_files_until(dir.buf, NULL, NULL, 2,
					      &cancel_flag, 0, &set, &err), -1);
	assert_string_equal(err.msg.buf, "cancelled");
	assert_int_equal(set.nr, 0);
	assert_true(now_s() - t0 < STOP_BOUND_S);
	cancel_flag = 0;

	checksum_set_release(&set);
	error_release(&err);
	strbuf_release(&dir);
}

/*
 * The flag set by a signal while workers hash: `huge_files` huge files and
 * one small one, so the calling thread either hashes a huge one or has
 * finished and waits on the others; both must hear of it.
 */
static void cancel_midway(int huge_files)
{
	struct strbuf dir = STRBUF_INIT, name = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	double t0, took;
	int i;

	fresh_dir(&dir);
	for (i = 0; i < huge_files; i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "huge%d", i);
		put_huge(dir.buf, name.buf);
	}
	put_s(dir.buf, "small", "s");
	cancel_flag = 0;
	t0 = now_s();
	cancel_after(300);
	assert_int_equal(checksum_files_until(dir.buf, NULL, NULL, 2,
					      &cancel_flag, 3600, &set, &err),
			 -1);
	took = now_s() - t0;
	assert_true(cancel_flag);
	assert_string_equal(err.msg.buf, "cancelled");
	assert_int_equal(set.nr, 0);
	assert_true(took < STOP_BOUND_S);
	cancel_flag = 0;

	checksum_set_release(&set);
	error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&name);
}

static void test_cancel_midway_all_busy(void **state)
{
	(void)state;
	cancel_midway(2);
}

/*
 * Which thread takes the huge file is up to the scheduler; a few rounds
 * so that the calling thread is, most likely, seen waiting at least once.
 */
static void test_cancel_midway_one_huge(void **state)
{
	int round;

	(void)state;
	for (round = 0; round < 4; round++)
		cancel_midway(1);
}

static void test_timeout(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	double t0, took;

	(void)state;
	fresh_dir(&dir);
	put_huge(dir.buf, "huge");
	put_s(dir.buf, "small", "s");
	cancel_flag = 0;
	t0 = now_s();
	assert_int_equal(checksum_files_until(dir.buf, NULL, NULL, 0,
					      &cancel_flag, 1, &set, &err), -1);
	took = now_s() - t0;
	assert_string_equal(err.msg.buf, "timed out after 1s");
	assert_int_equal(set.nr, 0);
	/* Not before the deadline, and not long after it. */
	assert_true(took >= 0.9);
	assert_true(took < STOP_BOUND_S);

	checksum_set_release(&set);
	error_release(&err);
	strbuf_release(&dir);
}

/* With a flag that stays 0 and a deadline far off, nothing changes. */
static void test_until_not_stopped(void **state)
{
	struct strbuf dir = STRBUF_INIT, name = STRBUF_INIT;
	struct checksum_set plain = CHECKSUM_SET_INIT, until = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	size_t i;

	(void)state;
	fresh_dir(&dir);
	for (i = 0; i < 9; i++) {
		strbuf_reset(&name);
		strbuf_addf(&name, "f%zu", i);
		put_s(dir.buf, name.buf, name.buf);
	}
	cancel_flag = 0;
	assert_int_equal(checksum_files(dir.buf, NULL, NULL, 4, &plain, &err), 0);
	assert_int_equal(checksum_files_until(dir.buf, NULL, NULL, 4,
					      &cancel_flag, 3600, &until, &err),
			 0);
	assert_int_equal(until.nr, 9);
	for (i = 0; i < until.nr; i++) {
		assert_int_equal(until.v[i].status, CHECKSUM_OK);
		assert_string_equal(until.v[i].hex, plain.v[i].hex);
	}

	checksum_set_release(&plain);
	checksum_set_release(&until);
	error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&name);
}

static void test_verify(void **state)
{
	struct strbuf dir = STRBUF_INIT, sums = STRBUF_INIT, path = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT, got = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	size_t i;

	(void)state;
	fresh_dir(&dir);
	strbuf_addf(&path, "%s/sub", dir.buf);
	assert_int_equal(mkdir(path.buf, 0755), 0);
	put_s(dir.buf, "dump.pgc", "PGDMP...");
	put_s(dir.buf, "files.tar", "tar tar tar");
	put_s(dir.buf, "sub/odd\nname\\", "x");
	put_s(dir.buf, "keep", "k");
	strbuf_addf(&sums, "%s/SHA256SUMS", dir.buf);
	assert_int_equal(checksum_files(dir.buf, NULL, sums.buf, 0, &set, &err), 0);
	assert_int_equal(checksum_write_sums(sums.buf, &set, &err), 0);

	assert_int_equal(checksum_verify_sums(sums.buf, dir.buf, 0, &got, &err), 0);
	assert_int_equal(got.nr, 4);
	assert_int_equal(checksum_set_failures(&got), 0);
	for (i = 0; i < got.nr; i++) {
		assert_string_equal(got.v[i].name, set.v[i].name);
		assert_string_equal(got.v[i].hex, set.v[i].hex);
		assert_string_equal(got.v[i].expected, set.v[i].hex);
		assert_int_equal(got.v[i].line, i + 1);
	}

	/* One changed byte, one file gone, one replaced by a directory. */
	put_s(dir.buf, "dump.pgc", "PGDMP..!");
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/files.tar", dir.buf);
	assert_int_equal(unlink(path.buf), 0);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/keep", dir.buf);
	assert_int_equal(unlink(path.buf), 0);
	assert_int_equal(mkdir(path.buf, 0755), 0);
	assert_int_equal(checksum_verify_sums(sums.buf, dir.buf, 0, &got, &err), 0);
	assert_int_equal(find(&got, "dump.pgc")->status, CHECKSUM_MISMATCH);
	assert_string_not_equal(find(&got, "dump.pgc")->hex,
				find(&got, "dump.pgc")->expected);
	assert_int_equal(find(&got, "files.tar")->status, CHECKSUM_MISSING);
	assert_int_equal(find(&got, "keep")->status, CHECKSUM_UNREADABLE);
	assert_non_null(find(&got, "keep")->error);
	assert_int_equal(find(&got, "sub/odd\nname\\")->status, CHECKSUM_OK);
	assert_int_equal(checksum_set_failures(&got), 3);
	/* sha256sum agrees that it fails. */
	assert_int_equal(sh_in(dir.buf, "sha256sum -c --quiet SHA256SUMS "
			       ">/dev/null 2>&1", NULL), 1);

	checksum_set_release(&set);
	checksum_set_release(&got);
	error_release(&err);
	strbuf_release(&dir);
	strbuf_release(&sums);
	strbuf_release(&path);
}

/* Verify a hand-written sums file; returns checksum_verify_sums()'s value. */
static int verify_text(const char *dir, const char *text,
		       struct checksum_set *got, struct error *err)
{
	struct strbuf sums = STRBUF_INIT;
	int ret;

	strbuf_addf(&sums, "%s/S", dir);
	put_s(dir, "S", text);
	ret = checksum_verify_sums(sums.buf, dir, 1, got, err);
	strbuf_release(&sums);
	return ret;
}

#define HA "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
#define HA_UP "CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB"

static void test_verify_forms(void **state)
{
	struct strbuf dir = STRBUF_INIT, text = STRBUF_INIT, out = STRBUF_INIT;
	struct checksum_set got = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	size_t i;

	(void)state;
	fresh_dir(&dir);
	put_s(dir.buf, "a", "a");
	put_s(dir.buf, "b\\c", "a");
	put_s(dir.buf, "l\nm", "a");
	put_s(dir.buf, "p) = q", "a");

	strbuf_adds(&text,
		    "# comment\n"
		    "\n"
		    HA "  a\n"
		    HA " *a\r\n"
		    HA_UP "  a\n"
		    "  " HA "  a\n"
		    HA " a\n"
		    "SHA256 (a) = " HA "\n"
		    "SHA256 (p) = q) = " HA "\n"
		    "\\SHA256 (l\\nm) = " HA "\n"
		    "\\" HA "  b\\\\c\n"
		    HA "  b\\c\n"
		    "\\" HA "  l\\nm");
	assert_int_equal(verify_text(dir.buf, text.buf, &got, &err), 0);
	assert_int_equal(got.nr, 11);
	for (i = 0; i < got.nr; i++)
		assert_int_equal(got.v[i].status, CHECKSUM_OK);
	assert_string_equal(got.v[6].name, "p) = q");
	assert_string_equal(got.v[7].name, "l\nm");
	assert_string_equal(got.v[8].name, "b\\c");
	assert_string_equal(got.v[9].name, "b\\c");
	assert_int_equal(got.v[10].line, 13);
	assert_string_equal(got.v[2].expected, HA);

	/* Lines coreutils itself wrote, text and BSD tag. */
	assert_int_equal(sh_in(dir.buf, "sha256sum a 'b\\c' \"$(printf 'l\\nm')\" "
			       "> S1 && sha256sum --tag a 'b\\c' >> S1", NULL), 0);
	strbuf_reset(&text);
	strbuf_addf(&text, "%s/S1", dir.buf);
	assert_int_equal(checksum_verify_sums(text.buf, dir.buf, 0, &got, &err), 0);
	assert_int_equal(got.nr, 5);
	assert_int_equal(checksum_set_failures(&got), 0);

	strbuf_release(&dir);
	strbuf_release(&text);
	strbuf_release(&out);
	checksum_set_release(&got);
	error_release(&err);
}

static void expect_bad(const char *dir, const char *text, const char *msg)
{
	struct checksum_set got = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;

	assert_int_equal(verify_text(dir, text, &got, &err), -1);
	if (!strstr(err.msg.buf, msg))
		fail_msg("wanted '%s' in '%s'", msg, err.msg.buf);
	assert_int_equal(got.nr, 0);
	checksum_set_release(&got);
	error_release(&err);
}

static void test_verify_refuses(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct checksum_set got = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	fresh_dir(&dir);
	put_s(dir.buf, "a", "a");
	expect_bad(dir.buf, HA "  a\n" HA "  a\nnot a line\n", "/S:3: malformed line");
	expect_bad(dir.buf, HA "  a\n\n" HA "\n", "/S:3: malformed");
	expect_bad(dir.buf, HA "0  a\n", ":1: malformed");
	expect_bad(dir.buf, "\\" HA "  a\\tb\n", ":1: malformed");
	expect_bad(dir.buf, "\\" HA "  a\\\n", ":1: malformed");
	expect_bad(dir.buf, "SHA256 (a) = " HA "0\n", ":1: malformed");
	expect_bad(dir.buf, "SHA256 (a = " HA "\n", ":1: malformed");
	expect_bad(dir.buf, "MD5 (a) = " HA "\n", ":1: malformed");
	expect_bad(dir.buf, "# only a comment\n", "no checksum lines");
	expect_bad(dir.buf, "", "no checksum lines");
	expect_bad(dir.buf, HA "  a\n" HA "  ../x\n", "/S:2: '../x' is not a name inside");
	expect_bad(dir.buf, HA "  /etc/passwd\n", ":1: '/etc/passwd' is not a name");
	expect_bad(dir.buf, HA "  sub/../../x\n", ":1: 'sub/../../x'");
	expect_bad(dir.buf, "SHA256 (../a) = " HA "\n", ":1: '../a'");
	expect_bad(dir.buf, "\\" HA "  ..\\n/..\n", ":1: '..\\n/..'");
	/* A name with ".." inside a component is fine. */
	put_s(dir.buf, "a..b", "a");
	assert_int_equal(verify_text(dir.buf, HA "  a..b\n", &got, &err), 0);
	assert_int_equal(got.v[0].status, CHECKSUM_OK);
	{
		struct strbuf missing = STRBUF_INIT;
		strbuf_addf(&missing, "%s/none", dir.buf);
		assert_int_equal(checksum_verify_sums(missing.buf, dir.buf, 0,
						      &got, &err), -1);
		assert_non_null(strstr(err.msg.buf, "cannot read"));
		strbuf_release(&missing);
	}
	checksum_set_release(&got);
	error_release(&err);
	strbuf_release(&dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes_match_coreutils),
		cmocka_unit_test(test_sums_accepted_by_sha256sum),
		cmocka_unit_test(test_parallel_equals_serial),
		cmocka_unit_test(test_listed_names),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_verify_forms),
		cmocka_unit_test(test_verify_refuses),
		cmocka_unit_test(test_cancel_set_before),
		cmocka_unit_test(test_cancel_midway_all_busy),
		cmocka_unit_test(test_cancel_midway_one_huge),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_until_not_stopped),
	};
	struct strbuf rm = STRBUF_INIT;
	int ret;

	if (!mkdtemp(top))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	strbuf_adds(&rm, "rm -rf ");
	strbuf_add_shquoted(&rm, top);
	if (system(rm.buf) != 0)
		ret = 1;
	strbuf_release(&rm);
	return ret;
}
