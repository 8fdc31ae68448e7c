/*
 * Unit tests of fscheck and the files step, on real trees in a temporary
 * directory. Runs as root (CI) and as a normal user: ownership is tested
 * with chown when root, else with the current ids against a different one;
 * permission problems are judged by mode bits, so mode 0000 counts either
 * way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fscheck.h"
#include "drill-fixture.h"
#include "step.h"
#include "strbuf.h"

static char tmpdir[64];
static struct strbuf pb = STRBUF_INIT;

static int setup(void **state)
{
	(void)state;
	strbuf_init(&pb, 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rdrill-test-fscheck.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* mkdtemp makes it 0700; the tests judge modes of what is inside. */
	return chmod(tmpdir, 0755);
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	int rc;

	(void)state;
	strbuf_addf(&cmd, "chmod -R u+rwx '%s' && rm -rf '%s'", tmpdir, tmpdir);
	rc = system(cmd.buf);
	strbuf_release(&cmd);
	strbuf_release(&pb);
	return rc ? -1 : 0;
}

/* tmpdir/rel, in a buffer reused by the next call. */
static const char *P(const char *rel)
{
	strbuf_reset(&pb);
	strbuf_addf(&pb, "%s%s%s", tmpdir, *rel ? "/" : "", rel);
	return pb.buf;
}

static void mkd(const char *rel, mode_t mode)
{
	assert_int_equal(mkdir(P(rel), 0755), 0);
	assert_int_equal(chmod(P(rel), mode), 0);
}

static void mkf(const char *rel, const char *content, mode_t mode)
{
	int fd = open(P(rel), O_WRONLY | O_CREAT | O_EXCL, 0644);
	size_t len = strlen(content);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(P(rel), mode), 0);
}

static void mkl(const char *target, const char *rel)
{
	assert_int_equal(symlink(target, P(rel)), 0);
}

static void inspect(const char *rel, const struct fscheck_opts *o,
		    struct fscheck_facts *f)
{
	struct error err = ERROR_INIT;

	if (fscheck_inspect(P(rel), o, f, &err) < 0)
		fail_msg("fscheck_inspect(%s): %s", rel, err.msg.buf);
	error_release(&err);
}

static int has_example(const struct strvec *sv, const char *s)
{
	size_t i;

	for (i = 0; i < sv->nr; i++)
		if (strstr(sv->v[i], s))
			return 1;
	return 0;
}

/* ---- fscheck ---------------------------------------------------------- */

static void test_empty_and_nested(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;

	(void)state;
	mkd("empty", 0750);
	inspect("empty", NULL, &f);
	assert_int_equal(f.type, FSCHECK_DIR);
	assert_false(f.is_symlink);
	assert_int_equal(f.mode, 0750);
	assert_int_equal(f.uid, getuid());
	assert_int_equal(f.gid, getgid());
	assert_true(f.files == 0 && f.dirs == 0 && f.others == 0);
	assert_int_equal(f.unreadable, 0);

	mkd("mm", 0755);
	mkd("mm/data", 0755);
	mkd("mm/data/users", 0755);
	mkd("mm/data/users/u1", 0755);
	mkd("mm/plugins", 0755);
	mkf("mm/a.png", "12345", 0644);
	mkf("mm/data/users/u1/b.jpg", "0123456789", 0600);
	mkf("mm/data/users/u1/empty", "", 0644);
	inspect("mm", NULL, &f);
	assert_int_equal(f.type, FSCHECK_DIR);
	assert_int_equal(f.files, 3);
	assert_int_equal(f.dirs, 4);
	assert_int_equal(f.others, 0);
	assert_int_equal(f.bytes, 15);
	assert_int_equal(f.unreadable, 0);
	assert_int_equal(f.not_owned, 0);
	assert_int_equal(f.owner_examples.nr, 0);

	/* A file as the path counts as one file. */
	inspect("mm/a.png", NULL, &f);
	assert_int_equal(f.type, FSCHECK_FILE);
	assert_int_equal(f.size, 5);
	assert_int_equal(f.files, 1);
	assert_int_equal(f.bytes, 5);
	assert_int_equal(f.mode, 0644);
	fscheck_facts_release(&f);
}

static void test_missing(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;

	(void)state;
	inspect("nothing", NULL, &f);
	assert_int_equal(f.type, FSCHECK_MISSING);
	assert_false(f.is_symlink);
	mkf("file", "x", 0644);
	inspect("file/below", NULL, &f);  /* ENOTDIR */
	assert_int_equal(f.type, FSCHECK_MISSING);
	mkl("nothing", "dangling");
	inspect("dangling", NULL, &f);
	assert_int_equal(f.type, FSCHECK_MISSING);
	assert_true(f.is_symlink);
	fscheck_facts_release(&f);
}

static void test_top_symlink_followed(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	mkd("volume", 0700);
	mkf("volume/x", "abc", 0644);
	mkl("volume", "data");
	inspect("data", NULL, &f);
	assert_true(f.is_symlink);
	assert_int_equal(f.type, FSCHECK_DIR);
	assert_int_equal(f.mode, 0700);
	assert_int_equal(f.files, 1);

	mkl("loop2", "loop1");
	mkl("loop1", "loop2");
	assert_int_equal(fscheck_inspect(P("loop1"), NULL, &f, &err), -1);
	assert_non_null(strstr(err.msg.buf, "loop1"));
	fscheck_facts_release(&f);
	error_release(&err);
}

static void test_symlinks_not_followed(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;

	(void)state;
	mkd("t", 0755);
	mkd("t/sub", 0755);
	mkf("t/sub/f", "data", 0644);
	mkl("loopb", "t/sub/loopa");
	mkl("loopa", "t/sub/loopb");
	mkl("..", "t/sub/up");
	mkl("/", "t/root");
	mkl("/etc/shadow", "t/shadow");
	mkl("f", "t/sub/f-link");
	inspect("t", NULL, &f);
	assert_int_equal(f.files, 1);
	assert_int_equal(f.dirs, 1);
	assert_int_equal(f.others, 6);
	assert_int_equal(f.bytes, 4);
	assert_int_equal(f.unreadable, 0);
	fscheck_facts_release(&f);
}

static void test_owner(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct fscheck_opts o = FSCHECK_OPTS_INIT;

	(void)state;
	mkd("mm", 0750);
	mkd("mm/a", 0750);
	mkd("mm/a/b", 0750);
	mkd("mm/a/b/c", 0750);
	mkf("mm/a/b/c/deep.jpg", "x", 0640);
	mkf("mm/top.txt", "y", 0640);
	mkl("a/b", "mm/link");

	if (geteuid() == 0) {
		const char *all[] = { "mm", "mm/a", "mm/a/b", "mm/a/b/c",
				      "mm/a/b/c/deep.jpg", "mm/top.txt",
				      "mm/link" };
		size_t i;

		for (i = 0; i < sizeof(all) / sizeof(*all); i++)
			assert_int_equal(lchown(P(all[i]), 2000, 2000), 0);
		o.owner_given = 1;
		o.uid = 2000;
		o.gid = 2000;
		inspect("mm", &o, &f);
		assert_int_equal(f.uid, 2000);
		assert_int_equal(f.not_owned, 0);
		assert_int_equal(f.unreadable, 0);

		/* One file deep down and one symlink left behind by chown. */
		assert_int_equal(lchown(P("mm/a/b/c/deep.jpg"), 0, 0), 0);
		assert_int_equal(lchown(P("mm/link"), 2000, 0), 0);
		inspect("mm", &o, &f);
		assert_int_equal(f.not_owned, 2);
		assert_true(has_example(&f.owner_examples,
					"a/b/c/deep.jpg (0:0)"));
		assert_true(has_example(&f.owner_examples, "link (2000:0)"));
		/*
		 * 2000:2000 reads the root-owned 0640 file through the
		 * other bits: none.
		 */
		assert_int_equal(f.unreadable, 1);
		assert_true(has_example(&f.read_examples,
					"a/b/c/deep.jpg (mode 0640: others "
					"cannot read)"));
	} else {
		o.owner_given = 1;
		o.uid = getuid();
		o.gid = getgid();
		inspect("mm", &o, &f);
		assert_int_equal(f.not_owned, 0);
		o.uid = getuid() + 1;
		inspect("mm", &o, &f);
		assert_int_equal(f.not_owned, 6);
		assert_int_equal(f.owner_examples.nr, FSCHECK_EXAMPLES);
	}
	fscheck_facts_release(&f);
}

static void test_many_mismatches_keep_five(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct fscheck_opts o = FSCHECK_OPTS_INIT;
	char name[32];
	int i;

	(void)state;
	mkd("d", 0755);
	for (i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		mkf(name, "", 0000);
	}
	o.owner_given = 1;
	o.uid = getuid() + 7;
	o.gid = getgid();
	inspect("d", &o, &f);
	assert_int_equal(f.not_owned, 12);
	assert_int_equal(f.owner_examples.nr, FSCHECK_EXAMPLES);
	/* Not the owner; the group bits of 0000 deny too. */
	assert_int_equal(f.unreadable, 12);
	assert_int_equal(f.read_examples.nr, FSCHECK_EXAMPLES);
	fscheck_facts_release(&f);
}

static void test_permission_bits(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct fscheck_opts o = FSCHECK_OPTS_INIT;

	(void)state;
	mkd("store", 0750);
	mkf("store/ok", "fine", 0600);
	mkf("store/locked", "secret", 0000);
	mkd("store/nosearch", 0755);
	mkf("store/nosearch/inner", "z", 0644);
	assert_int_equal(chmod(P("store/nosearch"), 0600), 0);
	mkd("store/nolist", 0300);
	inspect("store", &o, &f);
	assert_true(has_example(&f.read_examples,
				"nosearch (mode 0600: owner cannot search)"));
	assert_false(has_example(&f.read_examples, "ok ("));
	if (geteuid() == 0) {
		/* Root opens them all; the bits still say no. */
		assert_true(has_example(&f.read_examples,
				"locked (mode 0000: owner cannot read)"));
		assert_true(has_example(&f.read_examples,
				"nolist (mode 0300: owner cannot list)"));
		assert_int_equal(f.unreadable, 3);
	} else {
		assert_true(has_example(&f.read_examples,
				"locked (cannot open: Permission denied)"));
		assert_true(has_example(&f.read_examples,
				"nolist (cannot open: Permission denied)"));
		/* nosearch/inner cannot even be stat'ed */
		assert_int_equal(f.unreadable, 4);
	}

	/* Without opening, the bits still tell. */
	o.try_open = 0;
	inspect("store", &o, &f);
	assert_true(has_example(&f.read_examples, "locked (mode 0000"));

	/* The path itself is judged too, as ".". */
	assert_int_equal(chmod(P("store"), 0000), 0);
	o.try_open = 1;
	inspect("store", &o, &f);
	assert_true(f.unreadable >= 1);
	assert_true(has_example(&f.read_examples, ". ("));
	assert_int_equal(chmod(P("store"), 0750), 0);
	fscheck_facts_release(&f);
}

static void test_newline_name(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct fscheck_opts o = FSCHECK_OPTS_INIT;

	(void)state;
	mkd("n", 0755);
	mkf("n/evil\nname", "", 0000);
	mkf("n/bad\xff\\byte", "", 0000);
	mkf("n/附件.png", "png", 0644);
	o.owner_given = 1;
	o.uid = getuid() + 1;
	o.gid = getgid() + 1;
	inspect("n", &o, &f);
	assert_int_equal(f.files, 3);
	assert_true(has_example(&f.owner_examples, "evil\\nname ("));
	assert_true(has_example(&f.owner_examples, "bad\\xff\\\\byte ("));
	assert_true(has_example(&f.owner_examples, "附件.png ("));
	assert_true(has_example(&f.read_examples, "evil\\nname ("));
	fscheck_facts_release(&f);
}

static void test_depth_limit_and_cancel(void **state)
{
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct fscheck_opts o = FSCHECK_OPTS_INIT;
	struct error err = ERROR_INIT;
	volatile sig_atomic_t cancel = 1;
	int fd, i;

	(void)state;
	mkd("deep", 0755);
	fd = open(P("deep"), O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (i = 0; i < FSCHECK_MAX_DEPTH + 5; i++) {
		int next;

		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
	assert_int_equal(fscheck_inspect(P("deep"), NULL, &f, &err), -1);
	assert_non_null(strstr(err.msg.buf, "deeper than 256"));
	assert_non_null(strstr(err.msg.buf, "d/d/d/"));

	o.cancel = &cancel;
	assert_int_equal(fscheck_inspect(P("deep"), &o, &f, &err), -1);
	assert_string_equal(err.msg.buf, "cancelled");
	fscheck_facts_release(&f);
	error_release(&err);
}

static void test_parse_owner(void **state)
{
	struct error err = ERROR_INIT;
	uid_t u = 1;
	gid_t g = 1;

	(void)state;
	assert_int_equal(fscheck_parse_owner("2000:2000", &u, &g, &err), 0);
	assert_int_equal(u, 2000);
	assert_int_equal(g, 2000);
	assert_int_equal(fscheck_parse_owner("root:root", &u, &g, &err), 0);
	assert_int_equal(u, 0);
	assert_int_equal(g, 0);
	assert_int_equal(fscheck_parse_owner("root:33", &u, &g, &err), 0);
	assert_int_equal(u, 0);
	assert_int_equal(g, 33);
	assert_int_equal(fscheck_parse_owner("no-such-user-x:0", &u, &g,
					     &err), -1);
	assert_string_equal(err.msg.buf, "no user named 'no-such-user-x'");
	assert_int_equal(fscheck_parse_owner("0:no-such-group-x", &u, &g,
					     &err), -1);
	assert_string_equal(err.msg.buf, "no group named 'no-such-group-x'");
	assert_int_equal(fscheck_parse_owner("2000", &u, &g, &err), -1);
	assert_int_equal(fscheck_parse_owner(":2000", &u, &g, &err), -1);
	assert_int_equal(fscheck_parse_owner("2000:", &u, &g, &err), -1);
	assert_int_equal(fscheck_parse_owner("1:2:3", &u, &g, &err), -1);
	/* -1 is "no id" to chown; it is looked up as a name and not found. */
	assert_int_equal(fscheck_parse_owner("4294967295:0", &u, &g, &err),
			 -1);
	error_release(&err);
}

static void test_quote_name(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	fscheck_quote_name(&sb, "plain/附件 ok.png");
	assert_string_equal(sb.buf, "plain/附件 ok.png");
	strbuf_reset(&sb);
	fscheck_quote_name(&sb, "a\nb\tc\\d\x01\x7f");
	assert_string_equal(sb.buf, "a\\nb\\tc\\\\d\\x01\\x7f");
	strbuf_reset(&sb);
	/* Overlong, surrogate, truncated sequences are bytes, not text. */
	fscheck_quote_name(&sb, "\xc0\xaf|\xed\xa0\x80|\xe6\x96");
	assert_string_equal(sb.buf, "\\xc0\\xaf|\\xed\\xa0\\x80|\\xe6\\x96");
	strbuf_release(&sb);
}

/* ---- the step --------------------------------------------------------- */

struct run {
	struct drill *d;
	json_t *rec;
	struct step_ctx sc;
	struct error err;
	int rc;
};

static void run_step(struct run *r, json_t *params)
{
	memset(r, 0, sizeof(*r));
	error_init(&r->err);
	r->d = fixture_drill(NULL, json_pack("{s:s, s:s, s:o}", "id",
			     "files-check", "kind", "files", "files", params));
	r->rec = json_object();
	r->sc.drill = r->d;
	r->sc.step = &r->d->steps[0];
	step_ctx_begin(&r->sc, r->sc.step->n, r->sc.step->id,
		       r->sc.step->timeout_s);
	r->sc.rec = r->rec;
	r->rc = step_kind_find("files")->run(&r->sc, &r->err);
}

static void run_release(struct run *r)
{
	drill_free(r->d);
	json_decref(r->rec);
	step_ctx_release(&r->sc);
	error_release(&r->err);
}

static json_t *check_of(struct run *r, const char *what)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(r->rec, "checks"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "what")), what))
			return c;
	fail_msg("no check '%s'", what);
	return NULL;
}

static void want_check(struct run *r, const char *what, int ok,
			 const char *expected, const char *actual)
{
	json_t *c = check_of(r, what);
	const char *e = json_string_value(json_object_get(c, "expected"));
	const char *a = json_string_value(json_object_get(c, "actual"));

	if (json_is_true(json_object_get(c, "ok")) != ok)
		fail_msg("check '%s' ok=%d, want %d (expected '%s', "
			 "actual '%s')", what, !ok, ok, e, a);
	if (expected)
		assert_string_equal(e, expected);
	if (actual && !strstr(a, actual))
		fail_msg("check '%s': actual '%s' lacks '%s'", what, a,
			 actual);
}

static size_t nchecks(struct run *r)
{
	return json_array_size(json_object_get(r->rec, "checks"));
}

static void test_step_exists_and_non_empty(void **state)
{
	struct run r;
	json_t *ev;

	(void)state;
	mkd("mm", 0750);
	run_step(&r, json_pack("{s:s, s:b, s:b}", "path", P("mm"), "exists",
			       1, "non_empty", 1));
	assert_int_equal(r.rc, 0);
	want_check(&r, "exists", 1, "yes", "yes (directory)");
	want_check(&r, "non-empty", 0, "at least 1 entry", "0 entries");
	assert_non_null(strstr(json_string_value(json_object_get(r.rec,
					"message")), "non-empty"));
	run_release(&r);

	mkf("mm/x", "", 0640);
	run_step(&r, json_pack("{s:s, s:b, s:b}", "path", P("mm"), "exists",
			       1, "non_empty", 1));
	want_check(&r, "non-empty", 1, NULL, "1 entry");
	assert_null(json_object_get(r.rec, "message"));
	ev = json_object_get(r.rec, "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "type")),
			    "directory");
	assert_string_equal(json_string_value(json_object_get(ev, "mode")),
			    "0750");
	assert_int_equal(json_integer_value(json_object_get(ev, "files")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "bytes")), 0);
	assert_true(json_is_array(json_object_get(ev, "examples")));
	run_release(&r);

	/* The dump must not be 0 bytes. */
	run_step(&r, json_pack("{s:s, s:b, s:b}", "path", P("mm/x"), "exists",
			       1, "non_empty", 1));
	want_check(&r, "non-empty", 0, "more than 0 bytes", "0 bytes");
	run_release(&r);
	mkf("dump", "PGDMP", 0600);
	run_step(&r, json_pack("{s:s, s:b}", "path", P("dump"), "non_empty",
			       1));
	want_check(&r, "exists", 1, "yes", "yes (file)");
	want_check(&r, "non-empty", 1, NULL, "5 bytes");
	run_release(&r);
}

static void test_step_missing(void **state)
{
	struct run r;
	json_t *ev;

	(void)state;
	run_step(&r, json_pack("{s:s, s:b, s:b, s:s, s:s}", "path",
			       P("gone"), "exists", 1, "non_empty", 1,
			       "owner", "0:0", "mode", "0750"));
	assert_int_equal(r.rc, 0);
	want_check(&r, "exists", 0, "yes", "no");
	assert_int_equal(nchecks(&r), 1);
	ev = json_object_get(r.rec, "evidence");
	assert_string_equal(json_string_value(json_object_get(ev, "type")),
			    "missing");
	run_release(&r);

	run_step(&r, json_pack("{s:s, s:b}", "path", P("gone"), "exists", 0));
	want_check(&r, "exists", 1, "no", "no");
	run_release(&r);

	mkl("gone", "dangling");
	run_step(&r, json_pack("{s:s}", "path", P("dangling")));
	want_check(&r, "exists", 0, "yes", "no (dangling symlink)");
	run_release(&r);

	mkf("there", "x", 0644);
	run_step(&r, json_pack("{s:s, s:b}", "path", P("there"), "exists", 0));
	want_check(&r, "exists", 0, "no", "yes (file)");
	run_release(&r);
}

static void test_step_files_and_mode(void **state)
{
	struct run r;

	(void)state;
	mkd("mm", 0750);
	mkd("mm/a", 0755);
	mkf("mm/a/1", "1", 0644);
	mkf("mm/a/2", "2", 0644);
	mkf("mm/3", "3", 0644);
	run_step(&r, json_pack("{s:s, s:i, s:s}", "path", P("mm"),
			       "min_files", 3, "mode", "0750"));
	want_check(&r, "files", 1, "at least 3 regular files",
		     "3 regular files (1 directory below)");
	want_check(&r, "mode", 1, "0750", "0750");
	run_release(&r);

	run_step(&r, json_pack("{s:s, s:i, s:s}", "path", P("mm"),
			       "min_files", 4, "mode", "750"));
	want_check(&r, "files", 0, NULL, "3 regular files");
	want_check(&r, "mode", 1, "0750", "0750");
	run_release(&r);

	run_step(&r, json_pack("{s:s, s:s}", "path", P("mm"), "mode", "0700"));
	want_check(&r, "mode", 0, "0700", "0750");
	run_release(&r);
}

static void test_step_owner(void **state)
{
	struct run r;
	struct strbuf own = STRBUF_INIT, other = STRBUF_INIT;

	(void)state;
	mkd("mm", 0750);
	mkd("mm/data", 0750);
	mkd("mm/data/users", 0750);
	mkf("mm/data/users/x.png", "png", 0640);
	if (geteuid() == 0) {
		const char *all[] = { "mm", "mm/data", "mm/data/users",
				      "mm/data/users/x.png" };
		size_t i;

		for (i = 0; i < 4; i++)
			assert_int_equal(chown(P(all[i]), 2000, 2000), 0);
		strbuf_adds(&own, "2000:2000");
		strbuf_adds(&other, "2001:2000");
	} else {
		strbuf_addf(&own, "%lu:%lu", (unsigned long)getuid(),
			    (unsigned long)getgid());
		strbuf_addf(&other, "%lu:%lu", (unsigned long)getuid() + 1,
			    (unsigned long)getgid());
	}
	run_step(&r, json_pack("{s:s, s:s, s:b}", "path", P("mm"), "owner",
			       own.buf, "readable", 1));
	want_check(&r, "owner", 1, NULL, "(and all 3 entries below)");
	want_check(&r, "no permission errors", 1, "none",
		     "none (4 entries checked)");
	run_release(&r);

	run_step(&r, json_pack("{s:s, s:s}", "path", P("mm"), "owner",
			       other.buf));
	want_check(&r, "owner", 0, NULL, "3 entries below not");
	want_check(&r, "owner", 0, NULL, "e.g. data");
	run_release(&r);

	if (geteuid() == 0) {
		assert_int_equal(chown(P("mm/data/users/x.png"), 0, 0), 0);
		run_step(&r, json_pack("{s:s, s:s, s:b}", "path", P("mm"),
				       "owner", "2000:2000", "readable", 1));
		want_check(&r, "owner", 0, "2000:2000, recursively",
			     "2000:2000, but 1 entry below is not, e.g. "
			     "data/users/x.png (0:0)");
		want_check(&r, "no permission errors", 0, "none",
			     "1 entry, e.g. data/users/x.png (mode 0640: "
			     "others cannot read)");
		run_release(&r);

		assert_int_equal(chown(P("mm"), 0, 0), 0);
		run_step(&r, json_pack("{s:s, s:s}", "path", P("mm"),
				       "owner", "2000:2000"));
		want_check(&r, "owner", 0, NULL, "0:0 (and 1 entry below "
			     "not 2000:2000, e.g. data/users/x.png (0:0))");
		run_release(&r);

		run_step(&r, json_pack("{s:s, s:s}", "path", P("mm"),
				       "owner", "root:root"));
		want_check(&r, "owner", 0, "root:root (0:0), recursively",
			     "0:0, but 2 entries below are not, e.g. "
			     "data (2000:2000)");
		run_release(&r);
	}

	/* An unknown name means the step cannot run. */
	run_step(&r, json_pack("{s:s, s:s}", "path", P("mm"), "owner",
			       "no-such-user-x:no-such-group-x"));
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.err.msg.buf, "no user named 'no-such-user-x'");
	run_release(&r);
	strbuf_release(&own);
	strbuf_release(&other);
}

static void test_step_permission_errors(void **state)
{
	struct run r;

	(void)state;
	mkd("mm", 0750);
	mkf("mm/a\nb", "secret", 0000);
	run_step(&r, json_pack("{s:s, s:b}", "path", P("mm"), "readable", 1));
	assert_int_equal(r.rc, 0);
	want_check(&r, "no permission errors", 0, "none",
		     "1 entry, e.g. a\\nb (");
	/* readable: false asks for nothing. */
	run_release(&r);
	run_step(&r, json_pack("{s:s, s:b}", "path", P("mm"), "readable", 0));
	assert_int_equal(nchecks(&r), 1);
	run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_and_nested, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_symlink_followed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_not_followed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_mismatches_keep_five,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_permission_bits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_newline_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_depth_limit_and_cancel,
						setup, teardown),
		cmocka_unit_test(test_parse_owner),
		cmocka_unit_test(test_quote_name),
		cmocka_unit_test_setup_teardown(test_step_exists_and_non_empty,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_step_files_and_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_step_owner, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_step_permission_errors,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
