#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "mustache.h"
#include "strbuf.h"
#include "xalloc.h"

/*
 * The spec's six core modules, each case one cmocka test, then our own
 * hostile-template tests. The spec is read from MUSTACHE_SPEC_DIR, by
 * default from the repository's tests/data/mustache-spec (relative to the
 * repository root, where tests/run-all.sh runs it, or to the build
 * directory the binary is in).
 */

#define SPEC_CASES 136

static const char *const spec_files[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials",
	"sections",
};

struct spec_case {
	char *label;
	json_t *test;
};

static struct spec_case *cases;
static size_t ncases, acases;
static int spec_passed, spec_failed;
static char spec_dir[4096];
static struct strbuf spec_tried = STRBUF_INIT;

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int find_spec_dir(const char *argv0)
{
	const char *env = getenv("MUSTACHE_SPEC_DIR");
	const char *slash;

	if (env && *env) {
		snprintf(spec_dir, sizeof(spec_dir), "%s", env);
		strbuf_addf(&spec_tried, " %s", spec_dir);
		return is_dir(spec_dir);
	}
	snprintf(spec_dir, sizeof(spec_dir), "tests/data/mustache-spec");
	strbuf_addf(&spec_tried, " %s", spec_dir);
	if (is_dir(spec_dir))
		return 1;
	slash = strrchr(argv0, '/');
	if (!slash)
		return 0;
	snprintf(spec_dir, sizeof(spec_dir),
		 "%.*s/../tests/data/mustache-spec",
		 (int)(slash - argv0), argv0);
	strbuf_addf(&spec_tried, " %s", spec_dir);
	return is_dir(spec_dir);
}

static void load_spec(void)
{
	size_t f, i;

	for (f = 0; f < sizeof(spec_files) / sizeof(*spec_files); f++) {
		struct strbuf path = STRBUF_INIT;
		json_error_t jerr;
		json_t *doc, *tests;

		strbuf_addf(&path, "%s/%s.json", spec_dir, spec_files[f]);
		doc = json_load_file(path.buf, 0, &jerr);
		if (!doc) {
			fprintf(stderr, "%s: %s\n", path.buf, jerr.text);
			strbuf_release(&path);
			continue;
		}
		tests = json_object_get(doc, "tests");
		for (i = 0; i < json_array_size(tests); i++) {
			struct strbuf label = STRBUF_INIT;
			json_t *t = json_array_get(tests, i);

			strbuf_addf(&label, "%s: %s", spec_files[f],
				    json_string_value(json_object_get(t, "name")));
			XGROW(cases, ncases + 1, acases);
			cases[ncases].label = strbuf_detach(&label, NULL);
			cases[ncases].test = json_incref(t);
			ncases++;
		}
		json_decref(doc);
		strbuf_release(&path);
	}
}

static void print_visible(const char *what, const char *s)
{
	fprintf(stderr, "  %s: \"", what);
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stderr);
		else if (*s == '\r')
			fputs("\\r", stderr);
		else
			fputc(*s, stderr);
	}
	fputs("\"\n", stderr);
}

static void spec_case(void **state)
{
	const struct spec_case *c = *state;
	json_t *t = c->test;
	const char *tmpl = json_string_value(json_object_get(t, "template"));
	const char *want = json_string_value(json_object_get(t, "expected"));
	struct mustache_opts opts = { json_object_get(t, "partials"), NULL,
				      NULL, NULL };
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;
	int rc;

	assert_non_null(tmpl);
	assert_non_null(want);
	rc = mustache_render(tmpl, strlen(tmpl), json_object_get(t, "data"),
			     &opts, &out, &err);
	if (rc || strcmp(out.buf, want)) {
		spec_failed++;
		fprintf(stderr, "FAIL %s\n", c->label);
		print_visible("template", tmpl);
		print_visible("expected", want);
		print_visible("got     ", out.buf);
		if (rc)
			fprintf(stderr, "  error: %s\n", err.msg.buf);
	} else {
		spec_passed++;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
	error_release(&err);
}

static void spec_summary(void **state)
{
	(void)state;
	printf("mustache spec: %d passed, %d failed\n", spec_passed,
	       spec_failed);
	fflush(stdout);
	if (!ncases)
		fail_msg("no Mustache spec cases found: tried%s; set "
			 "MUSTACHE_SPEC_DIR to the folder holding "
			 "comments.json ... sections.json", spec_tried.buf);
	assert_int_equal(spec_failed, 0);
	if (spec_passed < SPEC_CASES)
		fail_msg("only %d spec cases in %s, want at least %d "
			 "(MUSTACHE_SPEC_DIR)", spec_passed, spec_dir,
			 SPEC_CASES);
}

/* Render and expect success with exactly `want`. */
static void render_ok(const char *tmpl, json_t *data,
		      const struct mustache_opts *opts, const char *want)
{
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;
	int rc = mustache_render(tmpl, strlen(tmpl), data, opts, &out, &err);

	if (rc)
		fprintf(stderr, "unexpected error: %s\n", err.msg.buf);
	assert_int_equal(rc, 0);
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
	error_release(&err);
}

/* Expect -1, the message to contain `want`, and `out` left untouched. */
static void render_fails(const char *tmpl, size_t len, json_t *data,
			 const struct mustache_opts *opts, const char *want)
{
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;

	strbuf_adds(&out, "before");
	assert_int_equal(mustache_render(tmpl, len, data, opts, &out, &err),
			 -1);
	if (!strstr(err.msg.buf, want))
		fprintf(stderr, "message: %s\nwanted: %s\n", err.msg.buf,
			want);
	assert_non_null(strstr(err.msg.buf, want));
	assert_string_equal(out.buf, "before");
	strbuf_release(&out);
	error_release(&err);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	render_fails("ab{{foo", 7, NULL, NULL, "line 1, col 3: unclosed tag '{{'");
	render_fails("{{", 2, NULL, NULL, "line 1, col 1: unclosed tag");
	render_fails("{{{x}}", 6, NULL, NULL, "unclosed tag");
	render_fails("x\n  {{#steps}}\nbody\n", 19, NULL, NULL,
		     "line 2, col 3: unclosed section 'steps'");
	render_fails("{{#a}}{{#b}}{{/a}}{{/b}}", 24, NULL, NULL,
		     "line 1, col 13: closing tag 'a' does not match open section 'b'");
	render_fails("\xe4\xb8\xad{{/a}}", 9, NULL, NULL,
		     "line 1, col 2: closing tag 'a' without an open section");
	render_fails("{{}}", 4, NULL, NULL, "bad tag name ''");
	render_fails("{{a b}}", 7, NULL, NULL, "bad tag name 'a b'");
	render_fails("{{=a=}}", 7, NULL, NULL, "bad set-delimiters tag");
	render_fails("{{= a b c =}}", 13, NULL, NULL, "bad set-delimiters tag");
	render_fails("{{=<% %>=}}<%x", 14, NULL, NULL, "unclosed tag '<%'");
}

static void test_deep_nesting(void **state)
{
	struct strbuf t = STRBUF_INIT;
	json_t *data = json_pack("{s:b}", "a", 1);
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		strbuf_adds(&t, "{{#a}}");
	strbuf_adds(&t, "x");
	for (i = 0; i < 10000; i++)
		strbuf_adds(&t, "{{/a}}");
	render_fails(t.buf, t.len, data, NULL, "sections nested deeper than");

	/* Only opening tags, no closing ones: still refused, not overrun. */
	strbuf_reset(&t);
	for (i = 0; i < 10000; i++)
		strbuf_adds(&t, "{{^a}}");
	render_fails(t.buf, t.len, data, NULL, "sections nested deeper than");

	/* Right at the limit it renders. */
	strbuf_reset(&t);
	for (i = 0; i < MUSTACHE_MAX_NESTING; i++)
		strbuf_adds(&t, "{{#a}}");
	strbuf_adds(&t, "x");
	for (i = 0; i < MUSTACHE_MAX_NESTING; i++)
		strbuf_adds(&t, "{{/a}}");
	render_ok(t.buf, data, NULL, "x");

	strbuf_release(&t);
	json_decref(data);
}

/* Nested sections over a list multiply: bounded, found by fuzz-mustache. */
static void test_work_bound(void **state)
{
	json_t *list = json_array(), *data;
	struct strbuf out = STRBUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		json_array_append_new(list, json_integer(i));
	data = json_pack("{s:o}", "l", list);
	/* 100^4 renders of the innermost text: refused, quickly. */
	render_fails("{{#l}}{{#l}}{{#l}}{{#l}}x{{/l}}{{/l}}{{/l}}{{/l}}", 49,
		     data, NULL, "steps of work");
	/* 100^2 is fine. */
	{
		struct error err = ERROR_INIT;

		assert_int_equal(mustache_render("{{#l}}{{#l}}x{{/l}}{{/l}}",
						 25, data, NULL, &out, &err), 0);
		assert_int_equal(out.len, 10000);
		error_release(&err);
	}
	strbuf_release(&out);
	json_decref(data);
}

static void test_recursive_partials(void **state)
{
	json_t *partials = json_pack("{s:s, s:s, s:s, s:s, s:i}",
				     "self", "x{{>self}}",
				     "ping", "{{>pong}}", "pong", "{{>ping}}",
				     "broken", "line1\n{{#x}}",
				     "num", 5);
	json_t *tree = json_pack("{s:s, s:[{s:s, s:[]}]}", "content", "X",
				 "nodes", "content", "Y", "nodes");
	struct mustache_opts opts = { partials, NULL, NULL, NULL };

	(void)state;
	render_fails("{{>self}}", 9, NULL, &opts,
		     "sections and partials nested deeper than");
	render_fails("a\n {{>ping}}", 12, NULL, &opts, "nested deeper than");
	render_fails("{{>broken}}", 11, NULL, &opts,
		     "partial 'broken': line 2, col 1: unclosed section 'x'");
	/* The indentation given to a standalone partial is not the author's. */
	render_fails("  {{>broken}}\n", 14, NULL, &opts,
		     "partial 'broken': line 2, col 1: unclosed section 'x'");
	render_fails("{{>num}}", 8, NULL, &opts, "partial 'num' is not a string");

	/* Recursion that ends with the data is fine. */
	json_object_set_new(partials, "node",
			    json_string("{{content}}<{{#nodes}}{{>node}}{{/nodes}}>"));
	render_ok("{{>node}}", tree, &opts, "X<Y<>>");
	/* No partials at all: a partial renders as nothing. */
	render_ok("[{{>node}}]", tree, NULL, "[]");

	json_decref(tree);
	json_decref(partials);
}

static void brackets(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	strbuf_addch(out, '[');
	for (i = 0; i < len; i++)
		strbuf_addch(out, toupper((unsigned char)s[i]));
	strbuf_addch(out, ']');
}

static void test_custom_escape(void **state)
{
	json_t *data = json_pack("{s:s, s:[s,s], s:i}", "x", "a<b",
				 "list", "p", "q", "n", 7);
	struct mustache_opts opts = { NULL, brackets, NULL, NULL };

	(void)state;
	render_ok("{{x}}|{{{x}}}|{{&x}}|{{#list}}{{.}}{{/list}}|{{n}}", data,
		  &opts, "[A<B]|a<b|a<b|[P][Q]|[7]");
	opts.escape = NULL;
	render_ok("{{x}}|{{{x}}}", data, &opts, "a&lt;b|a<b");
	render_ok("{{x}}|{{{x}}}", data, NULL, "a&lt;b|a<b");
	json_decref(data);
}

static void test_escape_html(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	mustache_escape_html(&out, "a&b<c>d\"e'f", 11);
	assert_string_equal(out.buf, "a&amp;b&lt;c&gt;d&quot;e'f");
	mustache_escape_html(&out, NULL, 0);
	assert_int_equal(out.len, strlen("a&amp;b&lt;c&gt;d&quot;e'f"));
	strbuf_release(&out);
}

static void test_values(void **state)
{
	json_t *data = json_pack("{s:f, s:f, s:f, s:f, s:I, s:b, s:b, s:{}, "
				 "s:s, s:i}",
				 "third", 1.0 / 3, "tenth", 0.1, "whole", 2.0,
				 "big", 1e21, "neg", (json_int_t)-9007199254740993LL,
				 "yes", 1, "no", 0, "obj", "empty", "", "zero", 0);

	(void)state;
	render_ok("{{third}} {{tenth}} {{whole}} {{big}} {{neg}}", data, NULL,
		  "0.3333333333333333 0.1 2 1e+21 -9007199254740993");
	render_ok("{{yes}} {{no}} [{{obj}}]", data, NULL, "true false []");
	/* Spec truthiness: only null, false, missing and [] are falsey. */
	render_ok("{{#empty}}E{{/empty}}{{#zero}}Z{{/zero}}{{^no}}N{{/no}}",
		  data, NULL, "EZN");
	/* A template may hold NUL bytes. */
	{
		struct strbuf out = STRBUF_INIT;
		struct error err = ERROR_INIT;

		assert_int_equal(mustache_render("a\0b{{yes}}", 10, data, NULL,
						 &out, &err), 0);
		assert_int_equal(out.len, 7);
		assert_memory_equal(out.buf, "a\0btrue", 7);
		strbuf_release(&out);
		error_release(&err);
	}
	json_decref(data);
}

/* Random tag soup: every outcome is 0, or -1 with a message. */
static void test_fuzz(void **state)
{
	static const char alphabet[] = "{{}}#^/>&!=.ab \n\r<%";
	json_t *data = json_pack("{s:[{s:s},{s:[]}], s:b, s:s}", "a", "b",
				 "x", "b", "b", 1, ".", "dot");
	json_t *partials = json_pack("{s:s, s:s}", "a", "{{#a}}{{>b}}{{/a}}",
				     "b", "{{>a}}{{b}}\n");
	struct mustache_opts opts = { partials, NULL, NULL, NULL };
	unsigned int seed = 12345;
	char buf[64];
	int i, n, k, ok = 0, bad = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct strbuf out = STRBUF_INIT;
		struct error err = ERROR_INIT;

		n = 1 + (seed = seed * 1103515245 + 12345) % sizeof(buf);
		for (k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			buf[k] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		if (mustache_render(buf, n, data, &opts, &out, &err)) {
			assert_true(err.msg.len > 0);
			assert_int_equal(out.len, 0);
			bad++;
		} else {
			ok++;
		}
		strbuf_release(&out);
		error_release(&err);
	}
	assert_true(ok > 0);
	assert_true(bad > 0);
	json_decref(partials);
	json_decref(data);
}

/* What the session's seen() was told, as "name=VALUE;" ("name=-;": none). */
static void note_seen(void *ctx, const char *name, size_t len, json_t *found)
{
	struct strbuf *sb = ctx;

	strbuf_addf(sb, "%.*s=", (int)len, name);
	if (!found)
		strbuf_adds(sb, "-");
	else if (json_is_integer(found))
		strbuf_addf(sb, "%lld", (long long)json_integer_value(found));
	else
		strbuf_adds(sb, "?");
	strbuf_addch(sb, ';');
}

/*
 * A session: seen() hears each name a render took from its data past a
 * frame above it (found there, or missing), not those found above nor
 * those looked up with the data alone on the stack; the partials are
 * parsed once for all its renders, and render as without a session.
 */
static void test_session(void **state)
{
	json_t *partials = json_pack("{s:s}", "p", "[{{c}}{{b}}{{d.e}}]");
	json_t *data = json_pack("{s:i, s:{s:i}, s:i}", "b", 1, "a", "c", 2,
				 "top", 3);
	struct mustache_opts opts = { partials, NULL, NULL, NULL };
	struct mustache_session s;
	struct strbuf out = STRBUF_INIT, seen = STRBUF_INIT, plain = STRBUF_INIT;
	struct error err = ERROR_INIT;
	static const char tmpl[] = "{{top}}{{#a}}{{> p}}{{/a}}";

	(void)state;
	memset(&s, 0, sizeof(s));
	s.seen = note_seen;
	s.ctx = &seen;
	assert_int_equal(mustache_render_session(tmpl, strlen(tmpl), data,
						 &opts, &s, &out, &err), 0);
	assert_int_equal(s.ncache, 1);
	assert_int_equal(mustache_render_session(tmpl, strlen(tmpl), data,
						 &opts, &s, &out, &err), 0);
	assert_int_equal(s.ncache, 1);
	assert_int_equal(mustache_render(tmpl, strlen(tmpl), data, &opts,
					 &plain, &err), 0);
	assert_string_equal(out.buf, "3[21]3[21]");
	assert_string_equal(plain.buf, "3[21]");
	assert_string_equal(seen.buf, "b=1;d=-;b=1;d=-;");
	mustache_session_release(&s);
	assert_int_equal(s.ncache, 0);
	json_decref(partials);
	json_decref(data);
	strbuf_release(&out);
	strbuf_release(&seen);
	strbuf_release(&plain);
	error_release(&err);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest own[] = {
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_recursive_partials),
		cmocka_unit_test(test_custom_escape),
		cmocka_unit_test(test_escape_html),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_work_bound),
		cmocka_unit_test(test_session),
	};
	struct CMUnitTest *tests;
	size_t i, n = 0;
	int failed;

	(void)argc;
	if (find_spec_dir(argv[0]))
		load_spec();
	else
		fprintf(stderr, "Mustache spec folder not found (tried%s); "
			"set MUSTACHE_SPEC_DIR\n", spec_tried.buf);

	tests = xcalloc(ncases + 1, sizeof(*tests));
	for (i = 0; i < ncases; i++) {
		tests[n].name = cases[i].label;
		tests[n].test_func = spec_case;
		tests[n].initial_state = &cases[i];
		n++;
	}
	tests[n].name = "spec_summary";
	tests[n].test_func = spec_summary;
	n++;

	failed = _cmocka_run_group_tests("mustache spec", tests, n, NULL, NULL);
	failed += cmocka_run_group_tests_name("mustache", own, NULL, NULL);

	for (i = 0; i < ncases; i++) {
		free(cases[i].label);
		json_decref(cases[i].test);
	}
	free(cases);
	free(tests);
	strbuf_release(&spec_tried);
	return failed ? 1 : 0;
}
