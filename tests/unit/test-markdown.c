#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "jrecord.h"
#include "markdown.h"
#include "report.h"
#include "strbuf.h"

#define FFFD "\xef\xbf\xbd"

/* Render md and keep only what cmark produced (between <main> tags). */
static void render_body(const char *md, size_t len, struct strbuf *body)
{
	struct strbuf html = STRBUF_INIT;
	struct error err = ERROR_INIT;
	const char *b, *e;

	assert_int_equal(markdown_to_html(md, len, "t", "en", &html, &err), 0);
	b = strstr(html.buf, "<main>\n");
	e = strstr(html.buf, "</main>");
	assert_non_null(b);
	assert_non_null(e);
	b += strlen("<main>\n");
	strbuf_reset(body);
	/* The text as cmark wrote it: no <wbr>, a unit's no-break space a space. */
	while (b < e) {
		if (!strncmp(b, "&#160;", 6)) {
			strbuf_addch(body, ' ');
			b += 6;
		} else if (!strncmp(b, "<wbr>", 5)) {
			b += 5;
		} else if (!strncmp(b, "<span class=\"nw\">", 17)) {
			b += 17;
		} else if (!strncmp(b, "</span>", 7)) {
			b += 7;
		} else {
			strbuf_addch(body, *b++);
		}
	}
	strbuf_release(&html);
	error_release(&err);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

static int valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned int cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] < 0xe0)
			n = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] < 0xf0)
			n = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] < 0xf5)
			n = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

/* What cmark's HTML renderer makes of literal text. */
static void html_text(struct strbuf *out, const char *s, size_t len,
		      int spaces)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': strbuf_adds(out, "&amp;"); break;
		case '<': strbuf_adds(out, "&lt;"); break;
		case '>': strbuf_adds(out, "&gt;"); break;
		case '"': strbuf_adds(out, "&quot;"); break;
		case '\n':
		case '\t':
		case '\r':
			strbuf_addch(out, spaces ? ' ' : s[i]);
			break;
		default:
			strbuf_addch(out, s[i]);
		}
	}
}

static const char hostile[] =
	"<script>alert(1)</script>\n"
	"<img src=x onerror=alert(1)>\n"
	"[x](javascript:alert(1))\n"
	"</code>\n"
	"````\n"
	"| a | b |\n"
	"*em* _u_ ~~del~~ &amp; &#60;b&#62; \\| www.example.com "
	"https://example.com a@b.co\n"
	"# not a heading\n"
	"`` x ``";

/* One line, no blank at either end, and (in a link's text) no autolink. */
static int wrappable(const struct strbuf *s, int in_link)
{
	if (!s->len || strpbrk(s->buf, "\n\r\t") || s->buf[0] == ' ' ||
	    s->buf[s->len - 1] == ' ')
		return 0;
	return !in_link || (!strpbrk(s->buf, ":@") && !strstr(s->buf, "www."));
}

static void test_table_renders_as_table(void **state)
{
	static const char md[] =
		"| Step | Exit |\n| --- | ---: |\n| dump | 0 |\n| tar | 1 |\n";
	struct strbuf body = STRBUF_INIT;

	(void)state;
	render_body(md, strlen(md), &body);
	assert_non_null(strstr(body.buf, "<table>"));
	assert_non_null(strstr(body.buf, "<th>Step</th>"));
	assert_non_null(strstr(body.buf, "<td align=\"right\">1</td>"));
	assert_null(strstr(body.buf, "| dump"));
	assert_int_equal(count(body.buf, "<tr>"), 3);
	strbuf_release(&body);
}

static void test_hostile_output_stays_text(void **state)
{
	struct strbuf md = STRBUF_INIT, body = STRBUF_INIT;
	size_t n = strlen(hostile);
	const char *p;

	(void)state;
	strbuf_adds(&md, "Output: ");
	markdown_escape_inline(&md, hostile, n);
	strbuf_adds(&md, "\n\nSpan: ");
	markdown_code_span(&md, hostile, n);
	strbuf_adds(&md, "\n");
	markdown_code_block(&md, hostile, n, "text");
	strbuf_adds(&md, "\n| key | value |\n| --- | --- |\n| text | ");
	markdown_escape_inline(&md, hostile, n);
	strbuf_adds(&md, " |\n| code | ");
	markdown_code_span_cell(&md, hostile, n);
	strbuf_adds(&md, " |\n");
	render_body(md.buf, md.len, &body);

	assert_null(strstr(body.buf, "<script"));
	assert_null(strstr(body.buf, "<img"));
	assert_null(strstr(body.buf, "href=\"javascript"));
	/*
	 * Only e-mail addresses become links: cmark-gfm's autolink finds them
	 * after backslash escapes are resolved. mailto: is harmless.
	 */
	assert_int_equal(count(body.buf, "<a "), 2);
	assert_int_equal(count(body.buf, "<a href=\"mailto:a@b.co\">"), 2);
	assert_null(strstr(body.buf, "<em>"));
	assert_null(strstr(body.buf, "<del>"));
	assert_null(strstr(body.buf, "<h1>"));
	assert_null(strstr(body.buf, "<!--"));
	/* every onerror= is inside the escaped <img ...> text */
	assert_int_equal(count(body.buf, "onerror="),
			 count(body.buf, "&lt;img src=x onerror=alert(1)&gt;"));
	/* five copies, all escaped, none lost */
	assert_int_equal(count(body.buf,
			       "&lt;script&gt;alert(1)&lt;/script&gt;"), 5);
	assert_int_equal(count(body.buf, "&amp;amp;"), 5);
	/* the `|` of the command did not split the table's cells */
	assert_int_equal(count(body.buf, "<td>"), 4);
	/* one code block, and the </code> of the command did not close it */
	assert_int_equal(count(body.buf, "<pre>"), 1);
	assert_int_equal(count(body.buf, "<code"), count(body.buf, "</code>"));
	assert_int_equal(count(body.buf, "&lt;/code&gt;"), 5);
	p = strstr(body.buf, "<pre><code class=\"language-text\">");
	assert_non_null(p);
	assert_non_null(strstr(p, "````\n| a | b |\n"));
	strbuf_release(&md);
	strbuf_release(&body);
}

static void test_raw_html_omitted(void **state)
{
	static const char md[] =
		"<div onclick=\"x()\">block</div>\n\n"
		"text <span>inline</span> <script>alert(1)</script>\n\n"
		"[link](javascript:alert(1)) ![i](javascript:alert(2))\n";
	struct strbuf body = STRBUF_INIT;

	(void)state;
	render_body(md, strlen(md), &body);
	assert_non_null(strstr(body.buf, "<!-- raw HTML omitted -->"));
	assert_null(strstr(body.buf, "<div"));
	assert_null(strstr(body.buf, "<span"));
	assert_null(strstr(body.buf, "<script"));
	assert_null(strstr(body.buf, "javascript:"));
	assert_null(strstr(body.buf, "onclick"));
	strbuf_release(&body);
}

static void test_cjk_table_cell(void **state)
{
	static const char cell[] = "Mattermost（Docker Compose）| 备份与恢复";
	struct strbuf md = STRBUF_INIT, body = STRBUF_INIT;

	(void)state;
	strbuf_adds(&md, "| 项目 | 内容 |\n| --- | --- |\n| 系统 | ");
	markdown_escape_inline(&md, cell, strlen(cell));
	strbuf_adds(&md, " |\n");
	render_body(md.buf, md.len, &body);
	assert_non_null(strstr(body.buf, "<th>项目</th>"));
	assert_non_null(strstr(body.buf,
		"<td>Mattermost（Docker Compose）| 备份与恢复</td>"));
	strbuf_release(&md);
	strbuf_release(&body);
}

static void test_title_and_lang_escaped(void **state)
{
	struct strbuf html = STRBUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	assert_int_equal(markdown_to_html("# x\n", 4,
					  "<script>a & \"b\" 演练</script>",
					  "zh\" onload=\"x", &html, &err), 0);
	assert_non_null(strstr(html.buf, "<title>&lt;script&gt;a &amp; "
				"&quot;b&quot; 演练&lt;/script&gt;</title>"));
	assert_non_null(strstr(html.buf,
			       "<html lang=\"zh&quot; onload=&quot;x\">"));
	assert_null(strstr(html.buf, "<script"));
	assert_int_equal(strncmp(html.buf, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(html.buf, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(html.buf, "@media print"));
	assert_non_null(strstr(html.buf, "</main>\n</body>\n</html>\n"));
	strbuf_reset(&html);
	assert_int_equal(markdown_to_html("", 0, NULL, NULL, &html, &err), 0);
	assert_non_null(strstr(html.buf, "<html lang=\"en\">"));
	assert_non_null(strstr(html.buf, "<title></title>"));
	strbuf_release(&html);
	error_release(&err);
}

static void test_status_badges(void **state)
{
	static const char md[] =
		"Verdict `PASSED`, step `FAILED`, `PASSED `, `passed`, "
		"`PASSEDX`, **`REFUSED`**\n\n"
		"| s |\n| --- |\n| `INCOMPLETE` |\n\n"
		"```\nPASSED\n```\n\n    `ABORTED`\n";
	struct strbuf body = STRBUF_INIT, out = STRBUF_INIT;

	(void)state;
	render_body(md, strlen(md), &body);
	assert_non_null(strstr(body.buf,
		"Verdict <code class=\"st st-passed\">PASSED</code>"));
	assert_non_null(strstr(body.buf,
		"<code class=\"st st-failed\">FAILED</code>"));
	assert_non_null(strstr(body.buf, "<code>PASSED </code>"));
	assert_non_null(strstr(body.buf, "<code>passed</code>"));
	assert_non_null(strstr(body.buf, "<code>PASSEDX</code>"));
	assert_non_null(strstr(body.buf,
		"<strong><code class=\"st st-refused\">REFUSED</code>"
		"</strong>"));
	assert_non_null(strstr(body.buf,
		"<td><code class=\"st st-incomplete\">INCOMPLETE</code></td>"));
	assert_non_null(strstr(body.buf, "<pre><code>PASSED\n</code></pre>"));
	assert_non_null(strstr(body.buf,
			       "<pre><code>`ABORTED`\n</code></pre>"));
	assert_int_equal(count(body.buf, "class=\"st "), 4);

	/* The post-pass itself: nothing inside <pre>, exact words only. */
	markdown_status_badges(&out,
		"<pre><code>PASSED</code></pre><pre lang=\"x\"><code>FAILED"
		"</code></pre><p><code>PLANNED</code><code>PLANNED</code>"
		"<code> SKIPPED</code><code>ABORTED</code>x<code>SKIPPED"
		"</code></p><code>REFUSED</code");
	assert_string_equal(out.buf,
		"<pre><code>PASSED</code></pre><pre lang=\"x\"><code>FAILED"
		"</code></pre><p><code class=\"st st-planned\">PLANNED</code>"
		"<code class=\"st st-planned\">PLANNED</code>"
		"<code> SKIPPED</code><code class=\"st st-aborted\">ABORTED"
		"</code>x<code class=\"st st-skipped\">SKIPPED</code></p>"
		"<code>REFUSED</code");
	strbuf_release(&body);
	strbuf_release(&out);
}

static void test_invalid_utf8(void **state)
{
	static const char bad[] =
		"ok \xff\xfe \xc3\x28 \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 "
		"\xc0\xaf \x00 \x1b[31m red \xc2\x85 caf\xc3\xa9 end \xe6\xbc";
	size_t n = sizeof(bad) - 1;
	struct strbuf md = STRBUF_INIT, body = STRBUF_INIT;
	struct strbuf html = STRBUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	/* Straight into the renderer: cmark's validation has to cope. */
	assert_int_equal(markdown_to_html(bad, n, "t \xff", "en", &html,
					  &err), 0);
	assert_true(valid_utf8((const unsigned char *)html.buf, html.len));
	assert_non_null(strstr(html.buf, "end"));
	assert_non_null(strstr(html.buf, "<title>t &lt;0xFF&gt;</title>"));

	/* Through every helper. */
	markdown_escape_inline(&md, bad, n);
	assert_true(valid_utf8((const unsigned char *)md.buf, md.len));
	assert_int_equal(strlen(md.buf), md.len);
	strbuf_adds(&md, "\n\n");
	markdown_code_span(&md, bad, n);
	strbuf_adds(&md, "\n\n| c |\n| --- |\n| ");
	markdown_code_span_cell(&md, bad, n);
	strbuf_adds(&md, " |\n");
	markdown_code_block(&md, bad, n, NULL);
	assert_true(valid_utf8((const unsigned char *)md.buf, md.len));
	assert_int_equal(strlen(md.buf), md.len);
	render_body(md.buf, md.len, &body);
	assert_true(valid_utf8((const unsigned char *)body.buf, body.len));
	assert_int_equal(count(body.buf,
			       "caf\xc3\xa9 end &lt;0xE6&gt;&lt;0xBC&gt;"), 4);
	assert_null(strstr(body.buf, "\x1b"));
	assert_null(strstr(body.buf, "\xc2\x85"));
	strbuf_release(&md);
	strbuf_release(&body);
	strbuf_release(&html);
	error_release(&err);
}

/*
 * A right-to-left override (or ESC) from a server reads as its name in
 * every helper's output and in the HTML, never as the character itself.
 */
static void test_hidden_visible(void **state)
{
	static const char evil[] = "users\xe2\x80\xae" "txt.exe \x1b[2J "
				   "\xe2\x81\xa6x\xe2\x81\xa9";
	size_t n = sizeof(evil) - 1;
	struct strbuf md = STRBUF_INIT, body = STRBUF_INIT;

	(void)state;
	markdown_escape_inline(&md, evil, n);
	strbuf_adds(&md, "\n\n");
	markdown_code_span(&md, evil, n);
	strbuf_adds(&md, "\n\n| c |\n| --- |\n| ");
	markdown_code_span_cell(&md, evil, n);
	strbuf_adds(&md, " |\n");
	markdown_code_block(&md, evil, n, NULL);
	assert_null(strstr(md.buf, "\xe2\x80\xae"));
	assert_null(strstr(md.buf, "\x1b"));
	render_body(md.buf, md.len, &body);
	assert_null(strstr(body.buf, "\xe2\x80\xae"));
	assert_null(strstr(body.buf, "\xe2\x81\xa6"));
	assert_null(strstr(body.buf, "\x1b"));
	assert_int_equal(count(body.buf, "users&lt;U+202E&gt;txt.exe "
			       "&lt;U+001B&gt;[2J &lt;U+2066&gt;x&lt;U+2069&gt;"), 4);
	strbuf_release(&md);
	strbuf_release(&body);
}

/* Template lines often start with a value: it must not start a block. */
static void test_escape_at_line_start(void **state)
{
	static const char *const cases[] = {
		"# h", "- item", "+ item", "* item", "1. one", "2) two", "> q",
		"===", "---", "***", "```", "~~~", "    indented", "\tcode",
		"<div>", "[ref]: /x", "| a | b |", "trailing  ", "&copy;",
	};
	struct strbuf md = STRBUF_INIT, body = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		strbuf_reset(&md);
		markdown_escape_inline(&md, cases[i], strlen(cases[i]));
		strbuf_adds(&md, "\nnext\n");
		render_body(md.buf, md.len, &body);
		strbuf_reset(&want);
		strbuf_adds(&want, "<p>");
		html_text(&want, cases[i], strlen(cases[i]), 1);
		strbuf_adds(&want, "\nnext</p>\n");
		assert_string_equal(body.buf, want.buf);
	}
	strbuf_release(&md);
	strbuf_release(&body);
	strbuf_release(&want);
}

/* What report.md shows a reader: no backslash where none is needed. */
static void test_escape_reads_plainly(void **state)
{
	static const struct { const char *in, *md; } cases[] = {
		{ "/tmp/rdrill-demo.x/pg", "/tmp/rdrill-demo.x/pg" },
		{ "Debian 12 (bookworm)", "Debian 12 (bookworm)" },
		{ "root@vm", "root@vm" },
		{ "pg_dump -F c", "pg_dump -F c" },
		{ "SUDO_USER", "SUDO_USER" },
		{ "a => b -> c", "a => b -> c" },
		{ "a & b", "a & b" },
		{ "#1 SMP", "\\#1 SMP" },
		{ "x #1", "x \\#1" },
		{ "count(*)", "count(*)" },
		{ "_x_", "\\_x\\_" },
		{ "a&b;", "a\\&b;" },
		/* issue 20: the four needless escapes an auditor saw */
		{ "[mm] fingerprint every table", "[mm] fingerprint every table" },
		{ "(never used)", "(never used)" },
		{ "--confirm prod", "--confirm prod" },
		{ "nightly/*.dump", "nightly/*.dump" },
		/* ... and what still needs one */
		{ "[ref]: /x", "\\[ref\\]: /x" },
		{ "a [b](c)", "a \\[b\\](c)" },
		{ "a [b][c]", "a \\[b\\]\\[c\\]" },
		{ "a [b]", "a \\[b\\]" },
		{ "x ![b] c", "x \\![b] c" },
		{ "- item", "\\- item" },
		{ "--", "\\--" },
		{ "+ x", "\\+ x" },
		{ "a*b*c", "a\\*b\\*c" },
		{ "a *b", "a \\*b" },
		{ "a*.", "a\\*." },
	};
	struct strbuf out = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		strbuf_reset(&out);
		markdown_escape_inline(&out, cases[i].in, strlen(cases[i].in));
		assert_string_equal(out.buf, cases[i].md);
	}
	strbuf_release(&out);
}

/*
 * markdown.c leaves "[mm]" and "(never used)" plain because no template
 * puts '!' or ']' right before a value ("![", "](" would make them an
 * image or a link destination), nor wraps one in a single '*' or '_'.
 */
static void test_templates_keep_escaper_rules(void **state)
{
	glob_t g;
	size_t i, k, n;
	char buf[65536];

	(void)state;
	assert_int_equal(glob("templates/*.mustache", 0, NULL, &g), 0);
	assert_true(g.gl_pathc > 10);
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");

		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = 0;
		for (k = 1; k + 1 < n; k++) {
			char c = buf[k - 1];

			if (buf[k] != '{' || buf[k + 1] != '{')
				continue;
			if (c == '!' || c == ']' ||
			    ((c == '*' || c == '_') &&
			     (k < 2 || buf[k - 2] != c)))
				fail_msg("%s: '%c' before {{ at byte %zu",
					 g.gl_pathv[i], c, k);
		}
	}
	globfree(&g);
}

/* The body converted whole and in parts: `cut` parts at least (0: any). */
static void same_in_parts(const char *what, const char *md, size_t len,
			  int cut)
{
	struct strbuf whole = STRBUF_INIT, parts = STRBUF_INIT,
		      def = STRBUF_INIT;
	struct error err = ERROR_INIT;
	int n;

	assert_int_equal(markdown_body_html(md, len, (size_t)-1, &whole, &err),
			 1);
	n = markdown_body_html(md, len, 0, &parts, &err);
	if (n < cut)
		fail_msg("%s: %d parts, want %d at least", what, n, cut);
	assert_true(markdown_body_html(md, len, MARKDOWN_PART, &def, &err) >= 1);
	if (strcmp(whole.buf, parts.buf) || strcmp(whole.buf, def.buf))
		fail_msg("%s: HTML in parts differs from the whole", what);
	strbuf_release(&whole);
	strbuf_release(&parts);
	strbuf_release(&def);
	error_release(&err);
}

/*
 * report.html is made in parts (markdown.c): on the suite's real
 * reports (the goldens and the examples' bundles) every cut is taken
 * and the HTML is byte for byte the whole document's.
 */
/* markdown_sink_fn appending to a strbuf, counting its calls. */
static size_t sink_calls;
static void sink_into(const char *p, size_t len, void *ctx)
{
	strbuf_add(ctx, p, len);
	sink_calls++;
}

/*
 * markdown_to_html_sink() hands over the page markdown_to_html_footer()
 * makes, the same bytes, a part at a time (verify compares report.html
 * with it as it is made).
 */
static void test_sink_same_page(void **state)
{
	struct strbuf md = STRBUF_INIT, whole = STRBUF_INIT, parts = STRBUF_INIT;
	struct error err = ERROR_INIT;
	size_t i, seen = 0;
	glob_t g;

	(void)state;
	assert_int_equal(glob("examples/*/report*.md", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		strbuf_reset(&md);
		strbuf_reset(&whole);
		strbuf_reset(&parts);
		assert_int_equal(strbuf_read_file(&md, g.gl_pathv[i], 1 << 24),
				 0);
		/* Long enough to be cut: the report twice over. */
		strbuf_reset(&whole);
		strbuf_add(&whole, md.buf, md.len);
		strbuf_add(&md, whole.buf, whole.len);
		strbuf_reset(&whole);
		assert_int_equal(markdown_to_html_footer(md.buf, md.len, "T <x>",
							 "F", "zh-CN", &whole,
							 &err), 0);
		sink_calls = 0;
		assert_int_equal(markdown_to_html_sink(md.buf, md.len, "T <x>",
						       "F", "zh-CN", sink_into,
						       &parts, &err), 0);
		assert_true(sink_calls >= 2);
		if (strcmp(whole.buf, parts.buf))
			fail_msg("%s: the page a part at a time differs",
				 g.gl_pathv[i]);
		seen++;
	}
	globfree(&g);
	assert_true(seen >= 6);
	strbuf_release(&md);
	strbuf_release(&whole);
	strbuf_release(&parts);
	error_release(&err);
}

static void test_parts_real_reports(void **state)
{
	static const char *const pats[] = { "tests/golden/report/*.md",
		"examples/*/report*.md", NULL };
	struct strbuf md = STRBUF_INIT;
	size_t i, k, seen = 0, headings;
	glob_t g;

	(void)state;
	for (k = 0; pats[k]; k++) {
		if (glob(pats[k], 0, NULL, &g))
			continue;
		for (i = 0; i < g.gl_pathc; i++) {
			FILE *f = fopen(g.gl_pathv[i], "r");
			char buf[65536];
			size_t n, j;

			assert_non_null(f);
			strbuf_reset(&md);
			while ((n = fread(buf, 1, sizeof(buf), f)))
				strbuf_add(&md, buf, n);
			fclose(f);
			for (j = 0, headings = 0; j < md.len; j++)
				if (md.buf[j] == '#' &&
				    (!j || md.buf[j - 1] == '\n'))
					headings++;
			/* Every heading but a first line's starts a part. */
			same_in_parts(g.gl_pathv[i], md.buf, md.len,
				      headings > 1 ? 2 : 1);
			seen++;
		}
		globfree(&g);
	}
	assert_true(seen >= 10);
	strbuf_release(&md);
}

/* Texts where a cut would change the HTML: cut elsewhere, or not at all. */
static void test_parts_hostile(void **state)
{
	static const struct {
		const char *md;
		int parts; /* with part 0 */
	} cases[] = {
		{ "# a\n```\n# not\n```\n# b\ntext\n", 2 },
		{ "# a\n~~~~\n# not\n~~~\n# still not\n~~~~\n# b\n", 2 },
		{ "# a\n   ```sh\n# not\n  ```\n# b\n", 1 }, /* indented: whole */
		{ "# a\n````\n```\n# not\n````\n# b\n", 2 },
		{ "| a | b |\n| - | - |\n| 1 | 2 |\n# h\n| c |\n| - |\n", 2 },
		{ "- one\n\n- two\n# h\n- three\n", 2 },
		{ "- one\n- two\n\n# h\n1. x\n\n   y\n", 2 },
		{ "> quote\n# h\nlazy\n", 2 },
		{ "para\n#not a heading\n# h\n", 2 },
		{ "    indented\n# h\n", 2 },
		{ "# a\n[x]\n# b\n[x]: /u\n", 1 },
		{ "# a\n> [x]: /u\n# b\n[x]\n", 1 },
		{ "# a\n<!--\n# not\n-->\n# b\n", 1 },
		{ "# a\n<pre>\n\n# not\n</pre>\n", 1 },
		{ "# a\n\\[x\\]: /u\n# b\n", 2 },
		{ "# a\r```\r# not\r```\r# b\r\n# c", 3 },
		{ "# a\n```\n# never closed\n", 1 },
		/* A fence in a list item ends with the item, not at a fence. */
		{ "1. foo\n   ```\n# x\n```\n# y\ntext\n```\n# z\n", 1 },
		{ "- foo\n  ```\n  # in\n# x\n```\n# y\n```\n# z\n", 1 },
		/* A backtick in the info string: no fence. */
		{ "para\n```a`b\n# x\n```\n# y\n```\n# z\n", 3 },
		{ "~~~a`b\n# x\n~~~\n# y\n", 2 },
		/* A fence ends a table. */
		{ "| a |\n| - |\n```\n# x\n```\n# y\ntext\n", 2 },
		{ "\t```\n# x\n", 2 },
		{ "> ```\n# x\n```\n# y\n```\n# z\n", 3 },
		{ "", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct strbuf out = STRBUF_INIT;
		struct error err = ERROR_INIT;
		char what[32];

		snprintf(what, sizeof(what), "case %zu", i);
		same_in_parts(what, cases[i].md, strlen(cases[i].md), 1);
		assert_int_equal(markdown_body_html(cases[i].md,
						    strlen(cases[i].md), 0,
						    &out, &err),
				 cases[i].parts);
		strbuf_release(&out);
		error_release(&err);
	}
}

/*
 * report_render_jr() renders a step at a time (report.c: a lean view,
 * each step viewed again while its section is written): on the
 * examples' journals, in both languages, the same report.md as the
 * whole view through report_markdown(), and the same report.html as
 * that report.md converted whole.
 */
static void test_steps_one_at_a_time(void **state)
{
	static const char *const langs[] = { "en", "zh-CN" };
	struct error err = ERROR_INIT;
	size_t i, k, seen = 0;
	glob_t g;

	(void)state;
	setenv("RDRILL_TEMPLATES", "templates", 1);
	assert_int_equal(glob("examples/*/journal.jsonl", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		struct jrecords jr;
		int torn = 0;

		jrecords_init(&jr);
		if (jrecords_read(&jr, g.gl_pathv[i], 0, &torn, NULL, &err) < 0)
			fail_msg("%s: %s", g.gl_pathv[i], err.msg.buf);
		for (k = 0; k < 2; k++) {
			struct strbuf md = STRBUF_INIT, html = STRBUF_INIT,
				      full = STRBUF_INIT, body = STRBUF_INIT;
			json_t *view = report_view_jr(&jr, langs[k], &err);

			assert_non_null(view);
			assert_int_equal(report_markdown(view, &full, &err), 0);
			json_decref(view);
			assert_int_equal(report_render_jr(&jr, langs[k], &md,
							  &html, &err), 0);
			if (strcmp(md.buf, full.buf))
				fail_msg("%s (%s): report.md a step at a time "
					 "differs", g.gl_pathv[i], langs[k]);
			assert_int_equal(markdown_body_html(full.buf, full.len,
							    (size_t)-1, &body,
							    &err), 1);
			assert_non_null(strstr(html.buf, body.buf));
			strbuf_release(&md);
			strbuf_release(&html);
			strbuf_release(&full);
			strbuf_release(&body);
			seen++;
		}
		jrecords_release(&jr);
	}
	globfree(&g);
	assert_true(seen >= 8);
	error_release(&err);
}

/* Copy templates/ into `dir`, each step partial with `extra` appended. */
static void copy_templates(const char *dir, const char *extra)
{
	glob_t g;
	size_t i;

	assert_int_equal(glob("templates/*.mustache", 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++) {
		struct strbuf text = STRBUF_INIT, to = STRBUF_INIT;
		const char *base = strrchr(g.gl_pathv[i], '/') + 1;
		FILE *f;

		assert_int_equal(strbuf_read_file(&text, g.gl_pathv[i], 1 << 20),
				 0);
		if (!strncmp(base, "step.", 5))
			strbuf_adds(&text, extra);
		strbuf_addf(&to, "%s/%s", dir, base);
		f = fopen(to.buf, "w");
		assert_non_null(f);
		assert_int_equal(fwrite(text.buf, 1, text.len, f), text.len);
		assert_int_equal(fclose(f), 0);
		strbuf_release(&text);
		strbuf_release(&to);
	}
	globfree(&g);
}

/*
 * report_render_jr() renders each step's section as it first views the
 * step, on the report's view as it is then (report.c: struct early), and
 * keeps those sections only when what they took from the report's view
 * holds the same values once the view is whole. A step partial that
 * reads report keys made after the steps (checks_total, kind_sections)
 * or one the steps change (here "checks_total" and "has_summaries")
 * makes it view each step again: the report is still the whole view's,
 * with the values as they end.
 */
static void test_steps_early_late_keys(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf dir = STRBUF_INIT, name = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct jrecords jr;
	glob_t g;
	size_t i;
	int torn = 0;

	(void)state;
	strbuf_addf(&dir, "%s/test-markdown.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir.buf));
	copy_templates(dir.buf, "late: {{checks_total}} "
		       "{{#has_summaries}}S{{/has_summaries}}\n");
	setenv("RDRILL_TEMPLATES", dir.buf, 1);
	jrecords_init(&jr);
	if (jrecords_read(&jr, "examples/demo-run/journal.jsonl", 0, &torn,
			  NULL, &err) < 0)
		fail_msg("%s", err.msg.buf);
	for (i = 0; i < 2; i++) {
		const char *lang = i ? "zh-CN" : "en";
		struct strbuf md = STRBUF_INIT, html = STRBUF_INIT,
			      full = STRBUF_INIT;
		json_t *view = report_view_jr(&jr, lang, &err);
		json_t *total;

		assert_non_null(view);
		total = json_object_get(view, "checks_total");
		assert_true(json_integer_value(total) > 0);
		strbuf_reset(&name);
		strbuf_addf(&name, "late: %lld ", (long long)json_integer_value(
							total));
		assert_int_equal(report_markdown(view, &full, &err), 0);
		json_decref(view);
		assert_int_equal(report_render_jr(&jr, lang, &md, &html, &err),
				 0);
		assert_string_equal(md.buf, full.buf);
		/* The value as it ends, not as it was while steps were viewed. */
		assert_non_null(strstr(md.buf, name.buf));
		strbuf_release(&md);
		strbuf_release(&html);
		strbuf_release(&full);
	}
	jrecords_release(&jr);
	setenv("RDRILL_TEMPLATES", "templates", 1);
	strbuf_reset(&name);
	strbuf_addf(&name, "%s/*", dir.buf);
	assert_int_equal(glob(name.buf, 0, NULL, &g), 0);
	for (i = 0; i < g.gl_pathc; i++)
		unlink(g.gl_pathv[i]);
	globfree(&g);
	rmdir(dir.buf);
	strbuf_release(&dir);
	strbuf_release(&name);
	error_release(&err);
}

/* A number keeps its unit on its line; a word that merely starts so does not. */
static void test_units_glued(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	markdown_status_badges(&out, "<td align=\"right\">7.3 s</td><td>631 ms, "
			       "25.9 KiB, 5 sheep, 3 hours 2 d</td>"
			       "<pre><code>4 s</code></pre>");
	assert_string_equal(out.buf, "<td align=\"right\">7.3&#160;s</td>"
			    "<td>631&#160;ms, 25.9&#160;KiB, 5 sheep, 3 hours "
			    "2&#160;d</td><pre><code>4 s</code></pre>");
	strbuf_reset(&out);
	markdown_status_badges(&out, "<td>2026-12-06 22:46 UTC, 12026-12-061</td>");
	assert_string_equal(out.buf, "<td><span class=\"nw\">2026-12-06</span> "
			    "22:46 UTC, 12026-12-061</td>");
	strbuf_reset(&out);
	markdown_status_badges(&out, "<h1>Drill | <code>PASSED</code></h1>"
			       "<p>x | <code>PASSED</code></p>");
	assert_string_equal(out.buf, "<h1>Drill&#160;|&#160;<code class=\"st "
			    "st-passed\">PASSED</code></h1><p>x | <code class="
			    "\"st st-passed\">PASSED</code></p>");
	strbuf_reset(&out);
	markdown_status_badges(&out, "<td>sha 9c686bce86885012aaa0cf5df833af72 "
			       "/tmp/rdrill-demo.x/backups/a.dump Measured</td>");
	assert_string_equal(out.buf, "<td>sha 9c686bce86885012<wbr>aaa0cf5df833af72 "
			    "/<wbr>tmp/<wbr>rdrill-<wbr>demo.<wbr>x/<wbr>backups/<wbr>"
			    "a.<wbr>dump Measured</td>");
	strbuf_release(&out);
}

static void test_code_span_fences(void **state)
{
	static const struct { const char *in, *md; } cases[] = {
		{ "ls -l", "`ls -l`" },
		{ "a`b", "``a`b``" },
		{ "a``b`c", "```a``b`c```" },
		{ "`x`", "`` `x` ``" },
		{ " a ", "`  a  `" },
		{ "  ", "`  `" },
		{ "a\nb\tc", "`a b c`" },
		{ "a|b", "`a|b`" },
		{ "", "" },
	};
	struct strbuf out = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		strbuf_reset(&out);
		markdown_code_span(&out, cases[i].in, strlen(cases[i].in));
		assert_string_equal(out.buf, cases[i].md);
	}
	strbuf_reset(&out);
	markdown_code_span_cell(&out, "a|b\\|c", 6);
	assert_string_equal(out.buf, "`a\\|b\\\\|c`");
	strbuf_release(&out);
}

static void test_code_block_fences(void **state)
{
	struct strbuf out = STRBUF_INIT;

	(void)state;
	markdown_code_block(&out, "echo hi", 7, "sh");
	assert_string_equal(out.buf, "```sh\necho hi\n```\n");
	strbuf_reset(&out);
	strbuf_adds(&out, "Command:");
	markdown_code_block(&out, "x\n```\n````\n", 11, "s`h; rm -rf /");
	assert_string_equal(out.buf,
			    "Command:\n`````shrm-rf\nx\n```\n````\n`````\n");
	strbuf_reset(&out);
	markdown_code_block(&out, "", 0, NULL);
	assert_string_equal(out.buf, "```\n```\n");
	strbuf_release(&out);
}

/*
 * The autolink extension links e-mail addresses after escapes are
 * resolved (see markdown.h); the text stays the same, so compare
 * without those anchors.
 */
static void strip_mailto(struct strbuf *body)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = body->buf, *a, *gt, *end;

	/* mailto: and xmpp: are the two the extension makes of addresses. */
	for (;;) {
		const char *m = strstr(p, "<a href=\"mailto:");
		const char *x = strstr(p, "<a href=\"xmpp:");

		a = !m ? x : !x ? m : m < x ? m : x;
		if (!a)
			break;
		gt = strchr(a, '>');
		end = gt ? strstr(gt, "</a>") : NULL;
		if (!end)
			break;
		strbuf_add(&out, p, a - p);
		strbuf_add(&out, gt + 1, end - gt - 1);
		p = end + strlen("</a>");
	}
	strbuf_adds(&out, p);
	strbuf_reset(body);
	strbuf_add(body, out.buf, out.len);
	strbuf_release(&out);
}

/*
 * Round trips on random strings over an alphabet of everything Markdown
 * cares about: each helper's text must come back exactly as text.
 */
static void test_round_trip_random(void **state)
{
	static const char alpha[] =
		"`*_~[]()<>!&#|\\-+.:;=\"'/@ \n\tawx1{}^$%,?\r";
	/* What autolinks and block starts are made of, whole. */
	static const char *const tokens[] = {
		"www.", "http://", "https://x.org", "a@b.co", "1.", "22)",
		"- ", "+ ", "# ", "> ", "---", "===", "    ", "2026-11-24",
	};
	static const char *const lead[] = { "", "x", "- ", "## ", "1. ",
					    "**", "x [" };
	/* What a template closes after the value, for each lead. */
	static const char *const trail[] = { "", "", "", "", "", "**",
					     "](u)" };
	struct strbuf s = STRBUF_INIT, md = STRBUF_INIT, body = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT, flat = STRBUF_INIT;
	struct strbuf dest = STRBUF_INIT;
	unsigned int seed = 12345;
	int round, i, len;

	(void)state;
	for (round = 0; round < 4000; round++) {
		strbuf_reset(&s);
		len = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 24;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 5 == 0)
				strbuf_adds(&s, tokens[(seed >> 20) %
						       (sizeof(tokens) /
							sizeof(*tokens))]);
			else
				strbuf_addch(&s, alpha[(seed >> 16) %
						       (sizeof(alpha) - 1)]);
		}
		strbuf_reset(&flat);
		html_text(&flat, s.buf, s.len, 1);

		/*
		 * At a line start, after text, and where a template opens a
		 * list item or a heading: always exactly the text.
		 */
		for (i = 0; i < (int)(sizeof(lead) / sizeof(*lead)); i++) {
			static const char *const open[] = {
				"<p>", "<p>x", "<ul>\n<li>", "<h2>",
				"<ol>\n<li>", "<p><strong>",
				"<p>x <a href=\"u\">" };
			static const char *const close[] = {
				"</p>\n", "</p>\n", "</li>\n</ul>\n",
				"</h2>\n", "</li>\n</ol>\n",
				"</strong></p>\n", "</a></p>\n" };

			/*
			 * Templates wrap words in "**" and link text: a
			 * blank end, or a URL in a link, is another matter.
			 */
			if (i >= 5 && !wrappable(&s, i == 6))
				continue;
			strbuf_reset(&md);
			strbuf_adds(&md, lead[i]);
			markdown_escape_inline(&md, s.buf, s.len);
			strbuf_adds(&md, trail[i]);
			strbuf_adds(&md, "\n");
			render_body(md.buf, md.len, &body);
			strip_mailto(&body);
			strbuf_reset(&want);
			strbuf_addf(&want, "%s%s%s", open[i], flat.buf,
				    close[i]);
			if (strcmp(body.buf, want.buf))
				fail_msg("after \"%s\": [%s] -> [%s] -> [%s]",
					 lead[i], s.buf, md.buf, body.buf);
		}

		/* table cell, text and code */
		strbuf_reset(&md);
		strbuf_adds(&md, "| h | c |\n| --- | --- |\n| x");
		markdown_escape_inline(&md, s.buf, s.len);
		strbuf_adds(&md, "x | x");
		markdown_code_span_cell(&md, s.buf, s.len);
		strbuf_adds(&md, "x |\n");
		render_body(md.buf, md.len, &body);
		strip_mailto(&body);
		strbuf_reset(&want);
		strbuf_addf(&want, "<tr>\n<td>x%sx</td>\n<td>x<code>%s</code>x"
			    "</td>\n</tr>", flat.buf, flat.buf);
		if (!strstr(body.buf, want.buf))
			fail_msg("cell of [%s]: %s", s.buf, body.buf);

		/* a link destination: a link to exactly the encoded path */
		strbuf_reset(&dest);
		markdown_link_dest(&dest, s.buf);
		strbuf_reset(&md);
		strbuf_addf(&md, "[x](%s)\n", dest.buf);
		render_body(md.buf, md.len, &body);
		strbuf_reset(&want);
		strbuf_addf(&want, "<p><a href=\"%s\">x</a></p>\n", dest.buf);
		if (strcmp(body.buf, want.buf))
			fail_msg("dest of [%s]: %s", s.buf, body.buf);

		/* inline code in a paragraph */
		strbuf_reset(&md);
		strbuf_addch(&md, 'x');
		markdown_code_span(&md, s.buf, s.len);
		strbuf_adds(&md, "x\n");
		render_body(md.buf, md.len, &body);
		strbuf_reset(&want);
		strbuf_addf(&want, "<p>x<code>%s</code>x</p>\n", flat.buf);
		assert_string_equal(body.buf, want.buf);

		/* code block: cmark turns CR and CRLF into LF */
		for (i = 0; i < (int)s.len; i++)
			if (s.buf[i] == '\r')
				s.buf[i] = '\n';
		strbuf_reset(&md);
		markdown_code_block(&md, s.buf, s.len, NULL);
		render_body(md.buf, md.len, &body);
		strbuf_reset(&want);
		strbuf_adds(&want, "<pre><code>");
		html_text(&want, s.buf, s.len, 0);
		if (s.buf[s.len - 1] != '\n')
			strbuf_addch(&want, '\n');
		strbuf_adds(&want, "</code></pre>\n");
		assert_string_equal(body.buf, want.buf);
	}
	strbuf_release(&s);
	strbuf_release(&md);
	strbuf_release(&body);
	strbuf_release(&want);
	strbuf_release(&flat);
	strbuf_release(&dest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_renders_as_table),
		cmocka_unit_test(test_hostile_output_stays_text),
		cmocka_unit_test(test_raw_html_omitted),
		cmocka_unit_test(test_cjk_table_cell),
		cmocka_unit_test(test_title_and_lang_escaped),
		cmocka_unit_test(test_status_badges),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_hidden_visible),
		cmocka_unit_test(test_escape_at_line_start),
		cmocka_unit_test(test_escape_reads_plainly),
		cmocka_unit_test(test_templates_keep_escaper_rules),
		cmocka_unit_test(test_units_glued),
		cmocka_unit_test(test_code_span_fences),
		cmocka_unit_test(test_code_block_fences),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_parts_real_reports),
		cmocka_unit_test(test_parts_hostile),
		cmocka_unit_test(test_steps_one_at_a_time),
		cmocka_unit_test(test_steps_early_late_keys),
		cmocka_unit_test(test_sink_same_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
