/*
 * planread.c: plan.json read a step at a time. It is only a faster way
 * to the whole parse's answer, so on every text of a hostile corpus
 * (the cuts of a plan at every byte, every byte changed to each of a
 * set of troublemakers, duplicates, JSON's whitespace and others,
 * nesting, NULs, bad UTF-8, bytes after the end) what it accepts,
 * json_loadb() with JSON_REJECT_DUPLICATES accepts, to the same values,
 * and it says the text is its canonical dump and gives its body's plan
 * hash exactly when they are so. And a drill bound a step at a time
 * from the examples' plans is the one drill_from_body() binds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drill.h"
#include "error.h"
#include "plan.h"
#include "planread.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

static int collect(json_t *step, size_t i, void *ctx)
{
	assert_int_equal(json_array_size(ctx), i);
	json_array_append(ctx, step);
	return 0;
}

static int hash_cb(const char *p, size_t n, void *data)
{
	sha256_stream_add(data, p, n);
	return 0;
}

static int text_cb(const char *p, size_t n, void *data)
{
	strbuf_add(data, p, n);
	return 0;
}

static size_t accepted, refused, fell_back;

/*
 * One text: the walk against the whole parse. Returns the walk's answer.
 */
static int check_text(const char *t, size_t len)
{
	json_t *steps = json_array(), *whole, *copy;
	struct planread pr;
	json_error_t jerr;
	int r;

	memset(&pr, 0, sizeof(pr));
	pr.step = collect;
	pr.ctx = steps;
	r = planread_walk(t, len, (size_t)1 << 30, &pr);
	whole = json_loadb(t, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r != 1) {
		assert_null(pr.head);
		if (whole)
			fell_back++;
		else
			refused++;
		json_decref(whole);
		json_decref(steps);
		return r;
	}
	accepted++;
	if (!whole)
		fail_msg("walk accepted what json_loadb refuses (%s): %.*s",
			 jerr.text, (int)len, t);
	/* The same values: the whole, its steps put back, is the walk's. */
	copy = json_deep_copy(pr.head);
	json_object_set(json_object_get(copy, "plan"), "steps", steps);
	assert_true(json_equal(copy, whole));
	{
		struct strbuf dump = STRBUF_INIT;
		int canonical;

		json_dump_callback(whole, text_cb, &dump,
				   JSON_INDENT(2) | JSON_SORT_KEYS);
		canonical = dump.len == len && !memcmp(dump.buf, t, len);
		assert_int_equal(pr.canonical, canonical);
		if (canonical) {
			struct sha256_stream *h = sha256_stream_new();
			char want[SHA256_HEX_LEN + 1];

			json_dump_callback(json_object_get(whole, "plan"),
					   hash_cb, h, JSON_COMPACT |
					   JSON_SORT_KEYS | JSON_ENSURE_ASCII |
					   JSON_ENCODE_ANY);
			sha256_stream_finish(h, want);
			assert_string_equal(pr.body_hash, want);
		} else {
			assert_string_equal(pr.body_hash, "");
		}
		strbuf_release(&dump);
	}
	json_decref(copy);
	json_decref(whole);
	json_decref(pr.head);
	json_decref(steps);
	return r;
}

static const char base_json[] =
	"{\"created\": \"2026-12-07T00:00:00Z\", \"format\": \"rdrill-plan/1\","
	" \"plan\": {\"id\": \"d\\u00e9mo\", \"rdrill\": 1, \"steps\": ["
	"{\"id\": \"s1\", \"n\": 1, \"run\": [\"true\"], \"x\": {\"a\": [1, 2.5,"
	" null, true, false, {}, []], \"b\": \"\\\"q\\\\ \\n \\u4e2d /\","
	" \"c\": \"\\ud83d\\ude00 \\u007f \\u001f \\t \xc3\xa9 \xf0\x9f\x98\x80 : \\n  x\","
	" \"d\": [\"a: b\", \"\\u00ff\\u0800\\uffff\"]}},"
	"{\"id\": \"s2\", \"n\": 2, \"e\": {}, \"l\": []}, 7, \"text\", [] ],"
	" \"title\": \"t\", \"vars\": {}}, \"plan_hash\": \"abc\", \"z\": -1e3}";

/* The canonical dump of the base text: what a run writes. */
static char *canonical_text(void)
{
	json_t *v = json_loads(base_json, 0, NULL);
	char *s;

	assert_non_null(v);
	s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(v);
	return s;
}

static void test_canonical(void **state)
{
	char *s = canonical_text(), *c;
	json_t *v = json_loads(base_json, 0, NULL);
	struct planread pr;
	json_t *steps = json_array();

	(void)state;
	assert_int_equal(check_text(s, strlen(s)), 1);
	memset(&pr, 0, sizeof(pr));
	pr.step = collect;
	pr.ctx = steps;
	assert_int_equal(planread_walk(s, strlen(s), 1u << 30, &pr), 1);
	assert_true(pr.canonical);
	assert_int_equal(pr.nsteps, 5);
	json_decref(pr.head);
	/* The same plan, not as a run writes it: read, not canonical. */
	c = json_dumps(v, JSON_COMPACT);
	assert_int_equal(check_text(c, strlen(c)), 1);
	free(c);
	assert_int_equal(check_text(base_json, strlen(base_json)), 1);
	/* Too little memory for half the budget: parsed whole instead. */
	json_array_clear(steps);
	memset(&pr, 0, sizeof(pr));
	pr.step = collect;
	pr.ctx = steps;
	assert_int_equal(planread_walk(s, strlen(s), 4096, &pr), 0);
	assert_null(pr.head);
	json_decref(steps);
	json_decref(v);
	free(s);
}

static void test_cuts_and_bytes(void **state)
{
	static const char bad[] = { '}', ']', ',', ':', '"', '{', '[', ' ',
		'\t', '\n', '\r', '\f', '\v', '\0', '\\', '0', '-', 'e', 'n',
		(char)0xff, (char)0xc3, (char)0x80 };
	char *s = canonical_text(), *t;
	size_t len = strlen(s), i, j;

	(void)state;
	accepted = refused = fell_back = 0;
	for (i = 0; i < len; i++)
		check_text(s, i);
	t = malloc(len + 2);
	for (i = 0; i < len; i++)
		for (j = 0; j < sizeof(bad); j++) {
			memcpy(t, s, len);
			t[i] = bad[j];
			check_text(t, len);
			/* And the byte added there. */
			memcpy(t, s, i);
			t[i] = bad[j];
			memcpy(t + i + 1, s + i, len - i);
			check_text(t, len + 1);
		}
	free(t);
	free(s);
	/* Each kind seen: the corpus reaches both sides of the line. */
	assert_true(accepted > 100);
	assert_true(refused > 1000);
	print_message("planread: %zu texts read, %zu refused by both, %zu "
		      "parsed whole\n", accepted, refused, fell_back);
}

static void test_hostile(void **state)
{
	static const char *const texts[] = {
		/* duplicates: at the top, in the plan, steps, in a step */
		"{\"plan\": {\"steps\": [{}]}, \"plan\": {\"steps\": [{}]}}",
		"{\"a\": 1, \"plan\": {\"steps\": [{}]}, \"a\": 2}",
		"{\"plan\": {\"id\": 1, \"steps\": [{}], \"id\": 2}}",
		"{\"plan\": {\"steps\": [{}], \"steps\": [{}]}}",
		"{\"plan\": {\"steps\": [{\"n\": 1, \"n\": 1}]}}",
		"{\"plan\": {\"steps\": [{}]}, \"p\\u006can\": {\"steps\": []}}",
		/* keys spelled with escapes, a NUL in one */
		"{\"pl\\u0061n\": {\"st\\u0065ps\": [{}]}}",
		"{\"plan\": {\"steps\": [{}], \"a\\u0000\": 1}}",
		"{\"plan\\u0000\": {\"steps\": [{}]}}",
		/* not an object, no plan, no steps, steps not a list */
		"[]", "\"plan\"", "{}", "{\"plan\": 1}", "{\"plan\": {}}",
		"{\"plan\": {\"steps\": {}}}", "{\"plan\": {\"steps\": []}}",
		"{\"plan\": {\"steps\": [{}]}, }", "{\"plan\": {\"steps\": [{},]}}",
		"{\"plan\": {\"steps\": [{}] \"a\": 1}}",
		"{\"plan\" {\"steps\": [{}]}}", "{plan: {\"steps\": [{}]}}",
		/* whitespace, JSON's and not, and what follows the end */
		" \t\r\n{\"plan\": {\"steps\": [ {} ] } } \n",
		"\f{\"plan\": {\"steps\": [{}]}}",
		"{\"plan\":\v{\"steps\": [{}]}}",
		"{\"plan\": {\"steps\": [{}]}} x",
		"{\"plan\": {\"steps\": [{}]}}{}",
		"\xef\xbb\xbf{\"plan\": {\"steps\": [{}]}}",
		/* values jansson refuses */
		"{\"plan\": {\"steps\": [{\"a\": \"\\u0000\"}]}}",
		"{\"plan\": {\"steps\": [{\"a\": \"\xff\"}]}}",
		"{\"plan\": {\"steps\": [{\"a\": 01}]}}",
		"{\"plan\": {\"steps\": [{\"a\": 1e999}]}}",
		"{\"plan\": {\"steps\": [{\"a\": \"\\ud800\"}]}}",
		"{\"plan\": {\"steps\": [NaN]}}",
		"{\"plan\": {\"steps\": [tru]}}",
		"{\"plan\": {\"steps\": [1 2]}}",
		"{\"plan\": {\"steps\": [1]}, \"x\": -}",
	};
	struct strbuf deep = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(*texts); i++)
		check_text(texts[i], strlen(texts[i]));
	/* A NUL byte inside the text, between values. */
	check_text("{\"plan\": {\"steps\": [{}]}\0}", 26);
	/* Deeper than a journal line may nest: parsed whole. */
	strbuf_adds(&deep, "{\"plan\": {\"steps\": [");
	for (i = 0; i < 70; i++)
		strbuf_adds(&deep, "[");
	for (i = 0; i < 70; i++)
		strbuf_adds(&deep, "]");
	strbuf_adds(&deep, "]}}");
	assert_int_equal(check_text(deep.buf, deep.len), 0);
	strbuf_release(&deep);
	/* Read: escaped keys are the keys they spell. */
	assert_int_equal(check_text(texts[6], strlen(texts[6])), 1);
	assert_int_equal(check_text(texts[21], strlen(texts[21])), 1);
}

/* ---- a lean drill is the whole one ----------------------------------- */

static int lean_step(json_t *step, size_t i, void *ctx)
{
	(void)i;
	return drill_lean_add_step(ctx, step);
}

static void same_text(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void compare_drills(const struct drill *a, const struct drill *b)
{
	size_t i, j;

	same_text(a->id, b->id);
	same_text(a->title, b->title);
	same_text(a->language, b->language);
	same_text(a->owner, b->owner);
	assert_int_equal(a->nitems, b->nitems);
	for (i = 0; i < a->nitems; i++) {
		same_text(a->items[i].id, b->items[i].id);
		same_text(a->items[i].artifact, b->items[i].artifact);
		same_text(a->items[i].scheduled, b->items[i].scheduled);
	}
	assert_int_equal(a->nconns, b->nconns);
	for (i = 0; i < a->nconns; i++) {
		same_text(a->conns[i].name, b->conns[i].name);
		same_text(a->conns[i].host, b->conns[i].host);
	}
	assert_int_equal(a->nsteps, b->nsteps);
	for (i = 0; i < a->nsteps; i++) {
		const struct drill_step *x = &a->steps[i], *y = &b->steps[i];
		struct strbuf dx = STRBUF_INIT, dy = STRBUF_INIT;

		assert_int_equal(x->n, y->n);
		same_text(x->id, y->id);
		same_text(x->title, y->title);
		same_text(x->note, y->note);
		same_text(x->display, y->display);
		same_text(x->when_phase, y->when_phase);
		same_text(x->when_step, y->when_step);
		same_text(x->when_status, y->when_status);
		assert_int_equal(x->phase, y->phase);
		assert_int_equal(x->destructive, y->destructive);
		assert_int_equal(x->timeout_s, y->timeout_s);
		assert_ptr_equal(x->kind, y->kind);
		assert_null(x->json);
		plan_step_describe(x, &dx);
		plan_step_describe(y, &dy);
		assert_string_equal(dx.buf, dy.buf);
		for (j = 0; j < a->nitems; j++)
			assert_int_equal(drill_step_reads(x, a->items[j].id),
					 drill_step_reads(y, b->items[j].id));
		strbuf_release(&dx);
		strbuf_release(&dy);
	}
}

static void test_lean_drill(void **state)
{
	glob_t g;
	size_t i, n = 0;

	(void)state;
	assert_int_equal(glob("examples/*/plan.json", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		struct strbuf text = STRBUF_INIT;
		struct error err = ERROR_INIT;
		struct drill *lean = drill_lean_new(), *whole;
		struct planread pr;
		json_t *v;

		assert_int_equal(strbuf_read_file(&text, g.gl_pathv[i], 1 << 26),
				 0);
		memset(&pr, 0, sizeof(pr));
		pr.step = lean_step;
		pr.ctx = lean;
		assert_int_equal(planread_walk(text.buf, text.len, 1u << 30,
					       &pr), 1);
		assert_true(pr.canonical);
		assert_int_equal(drill_lean_finish(lean, json_object_get(
					pr.head, "plan")), 0);
		v = json_loadb(text.buf, text.len, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(v);
		whole = drill_from_body(json_object_get(v, "plan"), &err);
		assert_non_null(whole);
		compare_drills(lean, whole);
		n += lean->nsteps;
		drill_free(lean);
		drill_free(whole);
		json_decref(v);
		json_decref(pr.head);
		strbuf_release(&text);
		error_release(&err);
	}
	assert_true(n > 20);
	globfree(&g);
}

/* A step the binder refuses: the lean drill says so (parsed whole then). */
static void test_lean_refused(void **state)
{
	struct drill *d = drill_lean_new();
	json_t *js = json_pack("{s:i, s:s}", "n", 1, "kind", "nosuchkind");

	(void)state;
	assert_int_equal(drill_lean_add_step(d, js), -1);
	json_decref(js);
	drill_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_cuts_and_bytes),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_lean_drill),
		cmocka_unit_test(test_lean_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
