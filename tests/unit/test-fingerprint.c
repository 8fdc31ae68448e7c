/*
 * fingerprint.c: the 256-bit sum cross-checked against OpenSSL's BIGNUM
 * (BN_add, then the low 256 bits) on random values, carries across
 * every limb and the wrap at 2^256; a row's hash is its SHA-256; the
 * sum does not depend on order and keeps duplicates apart; patterns;
 * the JSON form round-trips and rejects malformed digests; comparing
 * names each kind of difference, honours exclusions and declared ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fingerprint.h"
#include "schema.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

static void hex_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}

/* BIGNUM's sum of the same values, mod 2^256, as 64 hex digits. */
static void bn_sum_hex(unsigned char (*v)[32], int n, char out[65])
{
	BIGNUM *sum = BN_new(), *x = BN_new();
	char *hex;
	size_t len;
	int i;

	BN_zero(sum);
	for (i = 0; i < n; i++) {
		assert_non_null(BN_bin2bn(v[i], 32, x));
		assert_int_equal(BN_add(sum, sum, x), 1);
	}
	if (BN_num_bits(sum) > 256)
		assert_int_equal(BN_mask_bits(sum, 256), 1);
	hex = BN_bn2hex(sum);
	hex_lower(hex);
	len = strlen(hex);
	assert_true(len <= 64);
	memset(out, '0', 64 - len);
	memcpy(out + 64 - len, hex, len + 1);
	OPENSSL_free(hex);
	BN_free(sum);
	BN_free(x);
}

static void test_sum_matches_bignum(void **state)
{
	unsigned char v[200][32];
	struct fp_sum s = FP_SUM_INIT;
	char mine[65], theirs[65];
	int i, round;
	(void)state;

	for (round = 0; round < 20; round++) {
		memset(&s, 0, sizeof(s));
		assert_int_equal(RAND_bytes(&v[0][0], sizeof(v)), 1);
		/* Values near 2^256 make every carry and the wrap happen. */
		if (round % 2)
			for (i = 0; i < 200; i += 3)
				memset(v[i], 0xff, 31);
		for (i = 0; i < 200; i++)
			fp_sum_add_hash(&s, v[i]);
		fp_sum_hex(&s, mine);
		bn_sum_hex(v, 200, theirs);
		assert_string_equal(mine, theirs);
	}
}

static void test_carries_and_wrap(void **state)
{
	unsigned char h[32];
	struct fp_sum s = FP_SUM_INIT;
	char hex[65];
	(void)state;

	/* 2^64 - 1, + 1: the carry reaches limb 1. */
	memset(h, 0, 32);
	memset(h + 24, 0xff, 8);
	fp_sum_add_hash(&s, h);
	memset(h, 0, 32);
	h[31] = 1;
	fp_sum_add_hash(&s, h);
	fp_sum_hex(&s, hex);
	assert_string_equal(hex, "0000000000000000000000000000000000000000000000010000000000000000");
	/* 2^256 - 1, + 1: every limb carries and the sum wraps to 0. */
	memset(&s, 0, sizeof(s));
	memset(h, 0xff, 32);
	fp_sum_add_hash(&s, h);
	memset(h, 0, 32);
	h[31] = 1;
	fp_sum_add_hash(&s, h);
	fp_sum_hex(&s, hex);
	assert_string_equal(hex, "0000000000000000000000000000000000000000000000000000000000000000");
	/* Big-endian: the first byte is the most significant. */
	memset(&s, 0, sizeof(s));
	memset(h, 0, 32);
	h[0] = 0xab;
	h[31] = 0x01;
	fp_sum_add_hash(&s, h);
	fp_sum_hex(&s, hex);
	assert_string_equal(hex, "ab00000000000000000000000000000000000000000000000000000000000001");
}

static void test_hex_round_trip(void **state)
{
	struct fp_sum s, t;
	char hex[65];
	(void)state;

	assert_int_equal(fp_sum_parse(&s, "0123456789abcdef0123456789abcdef"
				      "fedcba9876543210fedcba9876543210"), 0);
	fp_sum_hex(&s, hex);
	assert_string_equal(hex, "0123456789abcdef0123456789abcdef"
			    "fedcba9876543210fedcba9876543210");
	t = s;
	fp_sum_add(&t, &s);
	assert_memory_not_equal(&t, &s, sizeof(s));
	assert_int_equal(fp_sum_parse(&s, "0123"), -1);
	assert_int_equal(fp_sum_parse(&s, NULL), -1);
	assert_int_equal(fp_sum_parse(&s, "0123456789ABCDEF0123456789abcdef"
				      "fedcba9876543210fedcba9876543210"), -1);
	assert_int_equal(fp_sum_parse(&s, "g123456789abcdef0123456789abcdef"
				      "fedcba9876543210fedcba9876543210"), -1);
}

static void sum_rows(const char *const *rows, struct fp_sum *s)
{
	struct fp_hasher *h = fp_hasher_new();

	memset(s, 0, sizeof(*s));
	for (; *rows; rows++)
		fp_hasher_row(h, s, *rows, strlen(*rows));
	fp_hasher_free(h);
}

static void test_rows(void **state)
{
	static const char *const one[] = { "1\tapple\n", NULL };
	static const char *const abc[] = { "1\ta\n", "2\tb\n", "3\tc\n", NULL };
	static const char *const cba[] = { "3\tc\n", "1\ta\n", "2\tb\n", NULL };
	static const char *const aab[] = { "1\ta\n", "1\ta\n", "2\tb\n", NULL };
	static const char *const abb[] = { "1\ta\n", "2\tb\n", "2\tb\n", NULL };
	static const char *const ab[] = { "1\ta\n", "2\tb\n", NULL };
	/* The values of two rows swapped: same values per column. */
	static const char *const swap[] = { "1\tb\n", "2\ta\n", NULL };
	struct fp_sum s, t, u;
	char hex[65], sha[65];
	(void)state;

	/* One row's sum is its SHA-256. */
	sum_rows(one, &s);
	fp_sum_hex(&s, hex);
	sha256_hex(one[0], strlen(one[0]), sha);
	assert_string_equal(hex, sha);
	/* Order does not matter. */
	sum_rows(abc, &s);
	sum_rows(cba, &t);
	assert_memory_equal(&s, &t, sizeof(s));
	/* Duplicates are kept apart (XOR would cancel them). */
	sum_rows(aab, &s);
	sum_rows(abb, &t);
	sum_rows(ab, &u);
	assert_memory_not_equal(&s, &t, sizeof(s));
	assert_memory_not_equal(&s, &u, sizeof(s));
	assert_memory_not_equal(&t, &u, sizeof(s));
	sum_rows(swap, &s);
	assert_memory_not_equal(&s, &u, sizeof(s));
	/* Chunks add up to the whole. */
	sum_rows(ab, &s);
	sum_rows(one, &t);
	fp_sum_add(&s, &t);
	{
		static const char *const all[] = { "1\tapple\n", "2\tb\n",
						   "1\ta\n", NULL };
		sum_rows(all, &u);
	}
	assert_memory_equal(&s, &u, sizeof(s));
}

static void test_patterns(void **state)
{
	(void)state;
	assert_true(fp_pattern_match("posts", "public", "posts"));
	assert_true(fp_pattern_match("posts", "other", "posts"));
	assert_false(fp_pattern_match("posts", "public", "posts2"));
	assert_true(fp_pattern_match("public.*", "public", "anything"));
	assert_false(fp_pattern_match("public.*", "other", "anything"));
	assert_true(fp_pattern_match("audit_*", "public", "audit_2026"));
	assert_true(fp_pattern_match("*.sessions", "x", "sessions"));
	assert_false(fp_pattern_match("public.posts", "publicposts", ""));
}

static struct fp_table *table(struct fingerprint *fp, const char *name,
			      long long rows, const char *row)
{
	struct fp_table *t = fingerprint_add_table(fp, name);
	struct fp_hasher *h = fp_hasher_new();

	t->rows = rows;
	fp_hasher_row(h, &t->sum, row, strlen(row));
	fp_hasher_free(h);
	sha256_hex("cols", 4, t->columns);
	sha256_hex("cons", 4, t->constraints);
	sha256_hex("idx", 3, t->indexes);
	return t;
}

static const struct fp_diff *find(const struct fp_diff *d, size_t n,
				  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(d[i].name, name))
			return &d[i];
	fail_msg("no difference entry for %s", name);
	return NULL;
}

static const char *text(const struct fp_diff *d)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	fp_diff_text(d, &sb);
	return sb.buf;
}

static void test_compare(void **state)
{
	struct fingerprint a = FINGERPRINT_INIT, b = FINGERPRINT_INIT;
	struct schema_kv may = { STRVEC_INIT, STRVEC_INIT };
	struct fp_diff *d;
	size_t n;
	(void)state;

	table(&a, "public.same", 2, "x");
	table(&b, "public.same", 2, "x");
	table(&a, "public.rows", 3, "x");
	table(&b, "public.rows", 2, "y");
	table(&a, "public.content", 3, "x");
	table(&b, "public.content", 3, "y");
	table(&a, "public.cols", 3, "x");
	sha256_hex("other", 5, table(&b, "public.cols", 3, "x")->columns);
	table(&a, "public.idx", 3, "x");
	sha256_hex("", 0, table(&b, "public.idx", 3, "x")->indexes);
	table(&a, "public.gone", 9, "x");
	table(&b, "public.new", 1, "x");
	table(&a, "public.excl", 1, "x");
	fingerprint_add_excluded(&b, "public.excl", "rebuilt");
	table(&a, "public.audit", 1, "x");
	table(&b, "public.audit", 2, "x");
	fingerprint_add_sequence(&a, "public.s", "42");
	fingerprint_add_sequence(&b, "public.s", "1");
	fingerprint_add_sequence(&a, "public.t", "5");
	fingerprint_add_sequence(&b, "public.t", "5");
	fingerprint_sort(&a);
	fingerprint_sort(&b);
	strvec_push(&may.keys, "audit");
	strvec_push(&may.vals, "written by the job");

	fingerprint_compare(&a, &b, &may, &d, &n);
	assert_int_equal(n, 10);   /* 9 table names, excl left out; 2 seqs */
	assert_int_equal(find(d, n, "public.same")->what, 0);
	assert_string_equal(text(find(d, n, "public.same")), "identical");
	assert_string_equal(text(find(d, n, "public.rows")),
			    "rows 3 → 2, contents changed");
	assert_string_equal(text(find(d, n, "public.content")),
			    "contents changed");
	assert_string_equal(text(find(d, n, "public.cols")),
			    "schema changed (columns)");
	assert_string_equal(text(find(d, n, "public.idx")),
			    "schema changed (indexes)");
	assert_string_equal(text(find(d, n, "public.gone")),
			    "table missing (had 9 rows)");
	assert_string_equal(text(find(d, n, "public.new")),
			    "table not there before");
	assert_string_equal(text(find(d, n, "public.s")), "value 42 → 1");
	assert_int_equal(find(d, n, "public.t")->what, 0);
	assert_string_equal(find(d, n, "public.audit")->expected,
			    "written by the job");
	assert_null(find(d, n, "public.rows")->expected);
	free(d);

	/* The JSON form carries everything compare looks at. */
	{
		json_t *j = fingerprint_to_json(&a);
		struct fingerprint c = FINGERPRINT_INIT;
		struct error err = ERROR_INIT;

		assert_int_equal(fingerprint_from_json(&c, j, &err), 0);
		fingerprint_compare(&a, &c, NULL, &d, &n);
		assert_int_equal(n, a.nr + a.nseq);
		while (n--)
			assert_int_equal(d[n].what, 0);
		free(d);
		fingerprint_release(&c);
		json_object_set_new(json_array_get(json_object_get(j, "tables"), 0),
				    "digest", json_string("zz"));
		assert_int_equal(fingerprint_from_json(&c, j, &err), -1);
		assert_non_null(strstr(err.msg.buf, "malformed digest"));
		fingerprint_release(&c);
		json_object_set_new(json_array_get(json_object_get(j, "tables"), 0),
				    "rows", json_string("7"));
		assert_int_equal(fingerprint_from_json(&c, j, &err), -1);
		fingerprint_release(&c);
		error_release(&err);
		json_decref(j);
	}
	strvec_clear(&may.keys);
	strvec_clear(&may.vals);
	fingerprint_release(&a);
	fingerprint_release(&b);
}

/* Quoted names split back into their parts, unambiguously. */
static void test_name_split(void **state)
{
	struct strbuf sc = STRBUF_INIT, tb = STRBUF_INIT;

	(void)state;
	assert_int_equal(fp_name_split("public.posts", &sc, &tb), 0);
	assert_string_equal(sc.buf, "public");
	assert_string_equal(tb.buf, "posts");
	assert_int_equal(fp_name_split("public.\"a.b\"", &sc, &tb), 0);
	assert_string_equal(sc.buf, "public");
	assert_string_equal(tb.buf, "a.b");
	assert_int_equal(fp_name_split("\"public.a\".b", &sc, &tb), 0);
	assert_string_equal(sc.buf, "public.a");
	assert_string_equal(tb.buf, "b");
	assert_int_equal(fp_name_split("\"x\"\"y\".\"odd name\"", &sc, &tb), 0);
	assert_string_equal(sc.buf, "x\"y");
	assert_string_equal(tb.buf, "odd name");
	assert_int_equal(fp_name_split("(large objects)", &sc, &tb), -1);
	assert_int_equal(fp_name_split("\"open.x", &sc, &tb), -1);
	assert_int_equal(fp_name_split("a.b.c", &sc, &tb), -1);
	strbuf_release(&sc);
	strbuf_release(&tb);
}

/*
 * fingerprint_from_json's table (bound leniently, the old reader's rules
 * kept): every verdict and message the JSON walk gave, hostile types
 * included. "d" is a valid digest for every hex member.
 */
static int from_text(const char *text, struct strbuf *msg)
{
	struct fingerprint fp = FINGERPRINT_INIT;
	struct error err = ERROR_INIT;
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	int ret;

	assert_non_null(j);
	ret = fingerprint_from_json(&fp, j, &err);
	strbuf_reset(msg);
	if (ret < 0)
		strbuf_add(msg, err.msg.buf, err.msg.len);
	else
		strbuf_addf(msg, "%zu tables %zu sequences %zu excluded%s%s",
			    fp.nr, fp.nseq, fp.nexcl,
			    fp.nseq && fp.seqs[0].state ? " state " : "",
			    fp.nseq && fp.seqs[0].state ? fp.seqs[0].state : "");
	fingerprint_release(&fp);
	error_release(&err);
	json_decref(j);
	return ret;
}

static void test_from_json_hostile(void **state)
{
	static const char *const cases[][2] = {
		{ "[]", "fingerprint: not an object" },
		{ "{}", "0 tables 0 sequences 0 excluded" },
		/* lists of the wrong type are no lists, as before */
		{ "{\"tables\": 1, \"sequences\": \"x\", \"excluded\": {}}",
		  "0 tables 0 sequences 0 excluded" },
		{ "{\"tables\": [7]}",
		  "fingerprint: tables[0] has no table name or row count" },
		{ "{\"tables\": [{\"table\": \"t\", \"rows\": \"7\"}]}",
		  "fingerprint: tables[0] has no table name or row count" },
		{ "{\"tables\": [{\"table\": \"t\", \"rows\": 7, "
		  "\"digest\": 5}]}",
		  "fingerprint: table t has a malformed digest" },
		{ "{\"sequences\": [{\"sequence\": \"s\", \"value\": \"1\"}]}",
		  "0 tables 1 sequences 0 excluded" },
		{ "{\"sequences\": [{\"sequence\": \"s\", \"value\": \"1\", "
		  "\"state\": \"never used\"}]}",
		  "0 tables 1 sequences 0 excluded state never used" },
		/* a state of another type is refused, null and false too */
		{ "{\"sequences\": [{\"sequence\": \"s\", \"value\": \"1\", "
		  "\"state\": null}]}", "fingerprint: sequences[0] is malformed" },
		{ "{\"sequences\": [{\"sequence\": \"s\", \"value\": \"1\", "
		  "\"state\": false}]}", "fingerprint: sequences[0] is malformed" },
		/* the first bad item is named, whichever rule it breaks */
		{ "{\"sequences\": [{\"sequence\": \"s\", \"value\": \"1\"}, "
		  "{\"value\": \"1\"}, {\"sequence\": \"u\", \"value\": \"1\", "
		  "\"state\": 3}]}", "fingerprint: sequences[1] is malformed" },
		{ "{\"sequences\": [{\"sequence\": \"s\", \"value\": \"1\"}, "
		  "{\"sequence\": \"u\", \"value\": \"1\", \"state\": []}, "
		  "{\"value\": \"1\"}]}", "fingerprint: sequences[1] is malformed" },
		{ "{\"sequences\": [1]}", "fingerprint: sequences[0] is malformed" },
		/* tables are judged before sequences */
		{ "{\"sequences\": [1], \"tables\": [{}]}",
		  "fingerprint: tables[0] has no table name or row count" },
		/* an exclusion's reason of another type is no reason */
		{ "{\"excluded\": [{\"table\": \"t\", \"reason\": 1}]}",
		  "0 tables 0 sequences 1 excluded" },
		{ "{\"excluded\": [{\"table\": 1}]}",
		  "fingerprint: excluded[0] is malformed" },
	};
	struct strbuf msg = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		from_text(cases[i][0], &msg);
		if (strcmp(msg.buf, cases[i][1]))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i][0],
				 msg.buf, cases[i][1]);
	}
	strbuf_release(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_matches_bignum),
		cmocka_unit_test(test_carries_and_wrap),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_name_split),
		cmocka_unit_test(test_from_json_hostile),
	};

	return cmocka_run_group_tests_name("fingerprint", tests, NULL, NULL);
}
