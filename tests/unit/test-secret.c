/*
 * secret.c: every form a secret takes on its way to a sink is found, in
 * any mix, and nothing else; hostile input cannot make it slow.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secret.h"
#include "strbuf.h"
#include "strvec.h"

static void redacts(const char *const *list, const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, in);
	secret_redact_with(list, &sb);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_forms(void **state)
{
	static const char *const pw[] = { "pa ss'w@rd\\%", NULL };
	static const char *const plain[] = { "hunter2", NULL };

	(void)state;
	redacts(pw, "x pa ss'w@rd\\% y", "x [REDACTED] y");
	/* RFC 3986 percent-encoding, either case, fully or in part. */
	redacts(pw, "postgresql://u:pa%20ss%27w%40rd%5C%25@h/db",
		"postgresql://u:[REDACTED]@h/db");
	redacts(pw, "u:pa%20ss%27w%40rd%5c%25@h", "u:[REDACTED]@h");
	redacts(pw, "u:pa%20ss'w%40rd\\%25@h", "u:[REDACTED]@h");
	/* Form encoding: a space as '+'. */
	redacts(pw, "pw=pa+ss%27w%40rd%5C%25&x", "pw=[REDACTED]&x");
	/* libpq conninfo: quoted, quote and backslash escaped. */
	redacts(pw, "host=h password='pa ss\\'w@rd\\\\%' dbname=d",
		"host=h password='[REDACTED]' dbname=d");
	/* An SQL literal doubles the quote. */
	redacts(pw, "SELECT 'pa ss''w@rd\\%'", "SELECT '[REDACTED]'");
	/* Every letter encoded is still it; a hex digit wrong is not. */
	redacts(plain, "%68%75%6E%74%65%72%32", "[REDACTED]");
	redacts(plain, "%68%75%6E%74%65%72%33", "%68%75%6E%74%65%72%33");
	redacts(plain, "hunter hunter3 hunte2", "hunter hunter3 hunte2");
	redacts(plain, "hunter2hunter2 \\h\\u\\n\\t\\e\\r\\2.",
		"[REDACTED][REDACTED] [REDACTED].");
	/* NULL and empty lists and values: nothing to find. */
	redacts(NULL, "hunter2", "hunter2");
	{
		static const char *const empty[] = { "", NULL };
		redacts(empty, "hunter2", "hunter2");
	}
}

/* The earliest match wins; of those starting there, the longest. */
static void test_overlap(void **state)
{
	static const char *const list[] = { "abc", "abcdef", "cde", NULL };
	size_t n, at;

	(void)state;
	redacts(list, "xabcdefx", "x[REDACTED]x");
	redacts(list, "xabcdex", "x[REDACTED]dex");
	at = secret_find(list, "..abcdef", 8, 8, &n);
	assert_int_equal(at, 2);
	assert_int_equal(n, 6);
	/* A match must start before `limit`. */
	assert_int_equal(secret_find(list, "..abc", 5, 2, &n), SECRET_NONE);
	assert_int_equal(secret_span(list), 18);
}

/*
 * Secrets full of '%' and '\' give every input byte two readings; a
 * backtracking matcher would take exponential time on this input.
 */
static void test_no_blowup(void **state)
{
	struct strbuf s = STRBUF_INIT, in = STRBUF_INIT;
	const char *list[2];
	clock_t t0 = clock();
	int i;

	(void)state;
	for (i = 0; i < 40; i++)
		strbuf_adds(&s, "%25\\");
	for (i = 0; i < 200; i++)
		strbuf_adds(&in, "%2525\\\\");
	list[0] = s.buf;
	list[1] = NULL;
	secret_redact_with(list, &in);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	strbuf_release(&s);
	strbuf_release(&in);
}

/* The journal's point: every string and key of a record. */
static void test_json(void **state)
{
	json_t *rec;
	char *out;

	(void)state;
	secret_add("s3cr%t");
	secret_add(NULL);
	secret_add("");
	assert_int_equal(secret_set()->nr, 1);
	rec = json_pack("{s:s, s:[s, i, {s:s}], s:s}",
			"message", "FATAL: database \"s3cr%t\" does not exist",
			"rows", "id", 1, "s3cr%25t", "col",
			"clean", "nothing here");
	secret_redact_json(rec);
	out = json_dumps(rec, JSON_SORT_KEYS | JSON_COMPACT);
	assert_non_null(strstr(out, "\"clean\":\"nothing here\""));
	/* Keys are rdrill's structure: left alone. */
	assert_non_null(strstr(out, "\"s3cr%25t\":\"col\""));
	assert_non_null(strstr(out, "database \\\"[REDACTED]\\\""));
	free(out);
	json_decref(rec);

	/* A digest rdrill computed is not text: a short hex secret stays. */
	secret_add("beef");
	rec = json_pack("{s:s, s:s, s:s}",
			"sha256", "00beef0000000000000000000000000000000000000000000000000000000000",
			"recorded_sha256", "00beef000000000000000000000000000000000000000000000000000000000",
			"message", "beef");
	secret_redact_json(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "sha256")),
			    "00beef0000000000000000000000000000000000000000000000000000000000");
	/* 63 digits: not a digest, redacted. */
	assert_null(strstr(json_string_value(json_object_get(rec,
			   "recorded_sha256")), "beef"));
	assert_string_equal(json_string_value(json_object_get(rec, "message")),
			    "[REDACTED]");
	json_decref(rec);

	secret_clear();
	assert_int_equal(secret_set()->nr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_no_blowup),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
