/*
 * The history index (histindex.h) as hostile input: whatever the file
 * holds, it is either a whole index this rdrill wrote or it is set
 * aside; an entry is given back only for the identity it was made with;
 * a bundle's identity moves with any change to any of its files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "histindex.h"
#include "strbuf.h"

static char dir[256];

static void put_file(const char *name, const char *text, mode_t mode)
{
	struct strbuf p = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&p, "%s/%s", dir, name);
	unlink(p.buf);
	f = fopen(p.buf, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(p.buf, mode), 0);
	strbuf_release(&p);
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	(void)state;

	snprintf(dir, sizeof(dir), "%s/rdrill-test-histindex.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	(void)state;

	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_release(&cmd);
	return 0;
}

/* A good index: one this rdrill wrote, with one entry. */
static void write_good(const char *ident)
{
	struct histindex *ix = histindex_open(dir);
	struct error err = ERROR_INIT;
	json_t *e = json_object();

	json_object_set_new(e, "x", json_integer(1));
	histindex_put(ix, "b1", ident, e);
	assert_int_equal(histindex_save(ix, &err), 0);
	histindex_release(ix);
	error_release(&err);
}

static struct strbuf good;

static void read_good(void)
{
	struct strbuf p = STRBUF_INIT;

	strbuf_addf(&p, "%s/%s", dir, HISTINDEX_FILE);
	strbuf_reset(&good);
	assert_true(strbuf_read_file(&good, p.buf, 1 << 20) >= 0);
	strbuf_release(&p);
}

static int loads(void)
{
	struct histindex *ix = histindex_open(dir);
	int l = histindex_loaded(ix);

	histindex_release(ix);
	return l;
}

static void test_entries(void **state)
{
	static const char id1[] = "1111111111111111111111111111111111111111111111111111111111111111";
	static const char id2[] = "2222222222222222222222222222222222222222222222222222222222222222";
	struct histindex *ix;
	(void)state;

	write_good(id1);
	ix = histindex_open(dir);
	assert_true(histindex_loaded(ix));
	assert_non_null(histindex_get(ix, "b1", id1));
	/* Another identity: the bundle changed since. */
	assert_null(histindex_get(ix, "b1", id2));
	assert_null(histindex_get(ix, "b2", id1));
	histindex_release(ix);
}

/* Each damage sets the whole index aside. */
static void test_damage(void **state)
{
	static const char id1[] = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *head, *entry;
	struct strbuf t = STRBUF_INIT;
	(void)state;

	write_good(id1);
	read_good();
	assert_true(loads());
	head = good.buf;
	entry = strchr(good.buf, '\n') + 1;
#define CASE(text, mode) do { put_file(HISTINDEX_FILE, (text), (mode)); \
	assert_false(loads()); } while (0)
	/* No header, an empty file, half a line. */
	CASE(entry, 0644);
	CASE("", 0644);
	strbuf_add(&t, good.buf, good.len - 3);
	CASE(t.buf, 0644);
	/* Garbage, a non-object, an entry without ident, a bad ident, a
	 * name with a slash, duplicate keys. */
	strbuf_reset(&t);
	strbuf_add(&t, head, (size_t)(entry - head));
	{
		static const char *const bad[] = {
			"{not json\n", "[1,2]\n", "{\"name\":\"b1\"}\n",
			"{\"name\":\"b1\",\"ident\":\"xyz\"}\n",
			"{\"name\":\"../b1\",\"ident\":\"1111111111111111111111111111111111111111111111111111111111111111\"}\n",
			"{\"name\":\"b1\",\"name\":\"b2\",\"ident\":\"1111111111111111111111111111111111111111111111111111111111111111\"}\n",
			NULL,
		};
		size_t i, keep = t.len;

		for (i = 0; bad[i]; i++) {
			strbuf_setlen(&t, keep);
			strbuf_adds(&t, bad[i]);
			CASE(t.buf, 0644);
		}
	}
	/* Another renderer's or format's header. */
	CASE("{\"format\":\"rdrill-history-index/1\",\"renderer\":\"other\"}\n", 0644);
	/* Writable by others: not read, however good. */
	CASE(good.buf, 0664);
	CASE(good.buf, 0646);
	put_file(HISTINDEX_FILE, good.buf, 0644);
	assert_true(loads());
#undef CASE
	strbuf_release(&t);
}

/* Any change to any file of a bundle moves its identity. */
static void test_ident(void **state)
{
	char a[SHA256_HEX_LEN + 1], b[SHA256_HEX_LEN + 1];
	struct strbuf p = STRBUF_INIT, q = STRBUF_INIT;
	struct timespec ts[2];
	struct stat st;
	(void)state;

	strbuf_addf(&p, "%s/bundle", dir);
	assert_int_equal(mkdir(p.buf, 0700), 0);
	strbuf_release(&p);
	put_file("bundle/journal.jsonl", "{}\n", 0600);
	put_file("bundle/SEAL", "seal\n", 0600);
	strbuf_addf(&p, "%s/bundle", dir);
	assert_int_equal(histindex_ident(p.buf, a), 0);
	assert_int_equal(histindex_ident(p.buf, b), 0);
	assert_string_equal(a, b);
	/* Replaced by a file of the same size, its mtime put back. */
	strbuf_addf(&p, "/SEAL");
	assert_int_equal(stat(p.buf, &st), 0);
	put_file("bundle/SEAL.new", "lie!\n", 0600);
	strbuf_addf(&q, "%s/bundle/SEAL.new", dir);
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, q.buf, ts, 0), 0);
	assert_int_equal(rename(q.buf, p.buf), 0);
	strbuf_setlen(&p, p.len - strlen("/SEAL"));
	assert_int_equal(histindex_ident(p.buf, b), 0);
	assert_string_not_equal(a, b);
	/* A file added. */
	memcpy(a, b, sizeof(a));
	put_file("bundle/extra", "", 0600);
	assert_int_equal(histindex_ident(p.buf, b), 0);
	assert_string_not_equal(a, b);
	/* Not a directory: no identity, never taken from the index. */
	strbuf_addf(&p, "/SEAL");
	assert_int_equal(histindex_ident(p.buf, b), -1);
	strbuf_release(&p);
	strbuf_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ident, setup, teardown),
	};

	strbuf_init(&good, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
