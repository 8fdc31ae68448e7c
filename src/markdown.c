#include "markdown.h"
#include "error.h"
#include "utf8.h"
#include "xalloc.h"

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <stdlib.h>
#include <string.h>

static int is_ascii_punct(int c)
{
	return c && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c);
}

static int is_line_space(int c)
{
	return c == '\n' || c == '\r' || c == '\t';
}

static int is_ascii_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}


/* Whether every byte of s is one of `set`. */
static int all_of(const char *s, size_t len, const char *set)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr(set, s[i]))
			return 0;
	return 1;
}

/*
 * The first ']' after the '[' at `open`, when no other bracket comes
 * between and what follows the ']' is the value's and not '(', '[' or
 * ':' (so no link, image destination or "[x]: /url" definition): such a
 * pair can only be a shortcut reference, and report.md defines none,
 * so "[mm]" reads as itself. A '!' before it in the value is escaped;
 * no template puts '!' or ']' right before a value (test-markdown
 * checks the templates). Returns the ']' or 0.
 */
static size_t bracket_partner(const char *s, size_t len, size_t open)
{
	size_t j;

	for (j = open + 1; j < len && s[j] != ']'; j++)
		if (s[j] == '[' || s[j] == '\\')
			return 0;
	if (j + 1 >= len || strchr("([:", s[j + 1]))
		return 0;
	return j;
}

static int plain_bracket(const char *s, size_t len, size_t i)
{
	size_t k;

	if (s[i] == '[')
		return bracket_partner(s, len, i) != 0;
	for (k = i; k-- > 0;) {
		if (s[k] == ']')
			return 0;
		if (s[k] == '[')
			return bracket_partner(s, len, k) == i;
	}
	return 0;
}

/*
 * A '*' that is the value's only one, inside it, between two ASCII
 * letters or digits or between two other ASCII punctuation characters
 * (a glob in a path), can both open and close emphasis, so the rule of
 * three keeps it from pairing with the "**" a template wraps a value
 * in, and it has no partner in the value. Anything else is escaped.
 */
static int lone_star(const char *s, size_t len, size_t i)
{
	int prev, next;
	size_t k;

	if (i == 0 || i + 1 >= len)
		return 0;
	for (k = 0; k < len; k++)
		if (s[k] == '*' && k != i)
			return 0;
	prev = (unsigned char)s[i - 1];
	next = (unsigned char)s[i + 1];
	return (is_ascii_alnum(prev) && is_ascii_alnum(next)) ||
	       (is_ascii_punct(prev) && is_ascii_punct(next));
}

/*
 * Whether the punctuation character at s[i] could mean something to
 * cmark-gfm, so report.md keeps "/tmp", "(bookworm)", "root@vm",
 * "pg_dump" and "=>" as they are. A value never holds a line break (they
 * become spaces), so block syntax can only start at its first character,
 * or just after a leading number ("1. " / "1)" open an ordered list;
 * "1.5" does not); what sits either side of the value is the template's,
 * so the first and last characters are judged as if anything could be
 * there. Always escaped: what opens or closes code, strikethrough, HTML
 * and table cells. Only in context: '[' and ']' unless a pair that can
 * only be a shortcut reference (bracket_partner()); '*' unless a lone
 * one between like characters (lone_star()); '-' and '+' only first,
 * and then only before a space, alone, or (a '-') in a line of '-' and
 * spaces: a list item, a thematic break or a setext underline, never
 * "--confirm"; '_'
 * between two ASCII letters or digits is intraword and can neither open
 * nor close emphasis; '#' closes an ATX heading only after a space; '&'
 * starts an entity only before a letter, digit or '#'; '!' is an image
 * before '['; '>' is a block quote only at the start; ':' only
 * before '/' (scheme://) and '.' only after 'w' (www.), which is what the
 * autolink extension looks for. '@' is never escaped: the autolink
 * extension finds e-mail addresses after escapes are resolved, so a
 * backslash would change nothing (markdown.h); nor is '(': it opens a
 * link destination only right after a ']', and no template puts one
 * before a value. test-markdown round-trips
 * random text through every position to keep this honest.
 */
static int needs_escape(const char *s, size_t len, size_t i)
{
	int c = (unsigned char)s[i];
	int last = i + 1 == len;
	int next = last ? 0 : (unsigned char)s[i + 1];
	size_t d;

	if (!is_ascii_punct(c))
		return 0;
	if (strchr("\\`<~|", c))
		return 1;
	switch (c) {
	case '[':
	case ']':
		return !plain_bracket(s, len, i);
	case '*':
		return !lone_star(s, len, i);
	case '-':
	case '+':
		if (i == 0)
			return last || next == ' ' || is_line_space(next) ||
			       (c == '-' && all_of(s, len, "- \t"));
		return 0;
	}
	if (i == 0 && strchr("=#>_:!&.)", c))
		return 1;
	switch (c) {
	case '_':
		return last || !is_ascii_alnum((unsigned char)s[i - 1]) ||
		       !is_ascii_alnum(next);
	case '#':
		return s[i - 1] == ' ' || is_line_space(s[i - 1]);
	case '&':
		return last || is_ascii_alnum(next) || next == '#';
	case '!':
		return last || next == '[';
	case ':':
		return next == '/';
	case '.':
	case ')':
		if (c == '.' && (s[i - 1] == 'w' || s[i - 1] == 'W'))
			return 1;
		for (d = 0; d < i && s[d] >= '0' && s[d] <= '9'; d++)
			;
		return d == i && (last || next == ' ' || is_line_space(next));
	}
	return 0;
}

void markdown_escape_inline(struct strbuf *out, const char *s, size_t len)
{
	struct strbuf clean = STRBUF_INIT;
	size_t i;

	utf8_add_clean(&clean, s, len, "\t\n\r");
	strbuf_grow(out, clean.len + clean.len / 4);
	for (i = 0; i < clean.len; i++) {
		int c = (unsigned char)clean.buf[i];

		/*
		 * A space at either end, written plainly, could indent a line
		 * into a code block or end one with a hard break; as a
		 * character reference it is just text.
		 */
		if (is_line_space(c) || c == ' ') {
			if (i == 0 || i == clean.len - 1)
				strbuf_adds(out, "&#32;");
			else
				strbuf_addch(out, ' ');
			continue;
		}
		if (needs_escape(clean.buf, clean.len, i))
			strbuf_addch(out, '\\');
		strbuf_addch(out, c);
	}
	strbuf_release(&clean);
}

void markdown_link_dest(struct strbuf *out, const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			strbuf_addch(out, (char)*p);
		else
			strbuf_addf(out, "%%%02X", *p);
	}
}

/*
 * Backtick runs in s: the longest one, and in `seen` (if not NULL, sized
 * longest + 1 by the caller on a second call) which lengths occur.
 */
static size_t backtick_runs(const char *s, size_t len, char *seen)
{
	size_t i = 0, run, longest = 0;

	while (i < len) {
		if (s[i] != '`') {
			i++;
			continue;
		}
		for (run = 0; i < len && s[i] == '`'; i++)
			run++;
		if (run > longest)
			longest = run;
		if (seen)
			seen[run] = 1;
	}
	return longest;
}

static void add_repeated(struct strbuf *out, int c, size_t n)
{
	strbuf_grow(out, n);
	memset(out->buf + out->len, c, n);
	strbuf_setlen(out, out->len + n);
}

void markdown_code_block(struct strbuf *out, const char *s, size_t len,
			 const char *info)
{
	struct strbuf clean = STRBUF_INIT;
	size_t fence;

	utf8_add_clean(&clean, s, len, "\t\n\r");
	fence = backtick_runs(clean.buf, clean.len, NULL) + 1;
	if (fence < 3)
		fence = 3;

	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addch(out, '\n');
	add_repeated(out, '`', fence);
	/* An info string may hold no backtick and ends the line. */
	for (; info && *info; info++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
			   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-", *info))
			strbuf_addch(out, *info);
	strbuf_addch(out, '\n');
	strbuf_add(out, clean.buf, clean.len);
	if (clean.len && clean.buf[clean.len - 1] != '\n' &&
	    clean.buf[clean.len - 1] != '\r')
		strbuf_addch(out, '\n');
	add_repeated(out, '`', fence);
	strbuf_addch(out, '\n');
	strbuf_release(&clean);
}

static void code_span(struct strbuf *out, const char *s, size_t len,
		      int in_cell)
{
	struct strbuf clean = STRBUF_INIT;
	size_t i, longest, fence;
	char *seen;
	int pad;

	utf8_add_clean(&clean, s, len, "\t\n\r");
	if (!clean.len)
		goto done;
	for (i = 0; i < clean.len; i++)
		if (is_line_space(clean.buf[i]))
			clean.buf[i] = ' ';

	longest = backtick_runs(clean.buf, clean.len, NULL);
	seen = xcalloc(longest + 2, 1);
	backtick_runs(clean.buf, clean.len, seen);
	for (fence = 1; seen[fence]; fence++)
		;
	free(seen);

	/*
	 * A backtick at either end would merge with the fence, and one space
	 * at both ends is stripped by CommonMark unless the content is all
	 * spaces: padding both sides with a space avoids both.
	 */
	pad = clean.buf[0] == '`' || clean.buf[clean.len - 1] == '`' ||
	      (clean.buf[0] == ' ' && clean.buf[clean.len - 1] == ' ' &&
	       strspn(clean.buf, " ") != clean.len);

	add_repeated(out, '`', fence);
	if (pad)
		strbuf_addch(out, ' ');
	for (i = 0; i < clean.len; i++) {
		if (in_cell && clean.buf[i] == '|')
			strbuf_addch(out, '\\');
		strbuf_addch(out, clean.buf[i]);
	}
	if (pad)
		strbuf_addch(out, ' ');
	add_repeated(out, '`', fence);
done:
	strbuf_release(&clean);
}

void markdown_code_span(struct strbuf *out, const char *s, size_t len)
{
	code_span(out, s, len, 0);
}

void markdown_code_span_cell(struct strbuf *out, const char *s, size_t len)
{
	code_span(out, s, len, 1);
}

static void add_html_escaped(struct strbuf *out, const char *s)
{
	struct strbuf clean = STRBUF_INIT;
	size_t i;

	utf8_add_clean(&clean, s, strlen(s), "\t\n\r");
	for (i = 0; i < clean.len; i++) {
		switch (clean.buf[i]) {
		case '&':
			strbuf_adds(out, "&amp;");
			break;
		case '<':
			strbuf_adds(out, "&lt;");
			break;
		case '>':
			strbuf_adds(out, "&gt;");
			break;
		case '"':
			strbuf_adds(out, "&quot;");
			break;
		case '\'':
			strbuf_adds(out, "&#39;");
			break;
		case '\n':
		case '\r':
		case '\t':
			strbuf_addch(out, ' ');
			break;
		default:
			strbuf_addch(out, clean.buf[i]);
		}
	}
	strbuf_release(&clean);
}

/*
 * `s` as the text of a CSS string: quotes, backslashes and control
 * characters as hex escapes, and '<' too, so no "</style>" can end the
 * style element, whatever the drill's title holds.
 */
static void add_css_string(struct strbuf *out, const char *s)
{
	struct strbuf clean = STRBUF_INIT;
	size_t i;

	utf8_add_clean(&clean, s, strlen(s), "\t\n\r");
	strbuf_addch(out, '"');
	for (i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.buf[i];

		if (c == '"' || c == '\\' || c == '<' || c == '>' || c < 0x20 ||
		    c == 0x7f)
			strbuf_addf(out, "\\%x ", c);
		else
			strbuf_addch(out, (char)c);
	}
	strbuf_addch(out, '"');
	strbuf_release(&clean);
}

static const char *const status_words[] = {
	"PASSED", "FAILED", "PLANNED", "INCOMPLETE", "ABORTED", "REFUSED",
	"SKIPPED", "NOT RESTORED",
};

static int starts_with(const char *s, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(end - s) >= n && !memcmp(s, prefix, n);
}

/*
 * Code blocks are skipped even though cmark always ends their text with a
 * newline (so the exact pattern cannot occur there today).
 */
/* Units a number is written with in the reports (report.c, kinds). */
static const char *const glued_units[] = {
	"ms", "s", "min", "h", "d", "B", "KiB", "MiB", "GiB", "TiB", "%",
	"bytes", "rows", "tables",
};

/*
 * No word of a language is this long: a longer token is a hash, a path
 * or a command, which may wrap (issue 20), and must, or its table
 * would be wider than the page (a cell never breaks a word).
 */
#define LONG_TOKEN 30

/* "YYYY-MM-DD" at s[i], not inside a longer run of digits. */
static int is_date(const char *s, size_t len, size_t i)
{
	static const char shape[] = "dddd-dd-dd";
	size_t k;

	if (i + 10 > len || (i && s[i - 1] >= '0' && s[i - 1] <= '9') ||
	    (i + 10 < len && s[i + 10] >= '0' && s[i + 10] <= '9'))
		return 0;
	for (k = 0; k < 10; k++)
		if (shape[k] == 'd' ? s[i + k] < '0' || s[i + k] > '9' :
		    s[i + k] != '-')
			return 0;
	return 1;
}

/* A long token with a <wbr> after each separator and every 16 letters. */
static void add_breakable(struct strbuf *out, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		strbuf_addch(out, s[i]);
		run = is_ascii_alnum((unsigned char)s[i]) ? run + 1 : 0;
		if (i + 1 < len && (strchr("/-_.,=:", s[i]) || run == 16)) {
			strbuf_adds(out, "<wbr>");
			run = 0;
		}
	}
}

/*
 * Text between tags, with the space between a number and its unit
 * ("7.3 s", "25.9 KiB") made a no-break space, so a narrow column or a
 * line's end never parts them. A unit counts only as a whole word.
 */
static void add_glued(struct strbuf *out, const char *s, size_t len)
{
	/* Right after a '<' copied by the caller, s starts inside a tag. */
	const char *gt = out->len && out->buf[out->len - 1] == '<' ?
			 memchr(s, '>', len) : NULL;
	size_t i, k, n;

	/* A tag's own text (its attributes) is copied as it is. */
	if (gt) {
		strbuf_add(out, s, gt + 1 - s);
		len -= gt + 1 - s;
		s = gt + 1;
	}
	for (i = 0; i < len; i++) {
		if (is_date(s, len, i)) {
			strbuf_adds(out, "<span class=\"nw\">");
			strbuf_add(out, s + i, 10);
			strbuf_adds(out, "</span>");
			i += 9;
			continue;
		}
		if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) {
			size_t w = i;

			while (w < len && s[w] != ' ')
				w++;
			if (w - i > LONG_TOKEN) {
				add_breakable(out, s + i, w - i);
				i = w - 1;
				continue;
			}
		}
		strbuf_addch(out, s[i]);
		if (s[i] < '0' || s[i] > '9' || i + 1 >= len || s[i + 1] != ' ')
			continue;
		for (k = 0; k < sizeof(glued_units) / sizeof(*glued_units); k++) {
			n = strlen(glued_units[k]);
			if (i + 2 + n <= len &&
			    !memcmp(s + i + 2, glued_units[k], n) &&
			    (i + 2 + n == len ||
			     !is_ascii_alnum((unsigned char)s[i + 2 + n])))
				break;
		}
		if (k < sizeof(glued_units) / sizeof(*glued_units)) {
			strbuf_adds(out, "&#160;");
			i++;
		}
	}
}

/*
 * The title's verdict badge never stands alone on a line: the " | "
 * (or space) before it becomes no-break, so it goes with the title's
 * last word.
 */
static void glue_badge(struct strbuf *out)
{
	if (out->len >= 3 && !memcmp(out->buf + out->len - 3, " | ", 3)) {
		strbuf_setlen(out, out->len - 3);
		strbuf_adds(out, "&#160;|&#160;");
	} else if (out->len && out->buf[out->len - 1] == ' ') {
		strbuf_setlen(out, out->len - 1);
		strbuf_adds(out, "&#160;");
	}
}

void markdown_status_badges(struct strbuf *out, const char *html)
{
	const char *p = html, *end = html + strlen(html), *lt;
	int in_pre = 0, in_h1 = 0;
	size_t k;

	while ((lt = strchr(p, '<'))) {
		if (in_pre)
			strbuf_add(out, p, lt - p);
		else
			add_glued(out, p, lt - p);
		p = lt;
		if (starts_with(p, end, "<h1>"))
			in_h1 = 1;
		else if (starts_with(p, end, "</h1>"))
			in_h1 = 0;
		if (starts_with(p, end, "<pre>") ||
		    starts_with(p, end, "<pre "))
			in_pre = 1;
		else if (starts_with(p, end, "</pre>"))
			in_pre = 0;
		else if (!in_pre && starts_with(p, end, "<code>"))
			for (k = 0; k < sizeof(status_words) /
					sizeof(*status_words); k++) {
				const char *w = status_words[k];
				const char *q = p + strlen("<code>");
				size_t i;

				if (!starts_with(q, end, w) ||
				    !starts_with(q + strlen(w), end, "</code>"))
					continue;
				if (in_h1)
					glue_badge(out);
				strbuf_adds(out, "<code class=\"st st-");
				for (i = 0; w[i]; i++)
					strbuf_addch(out, w[i] == ' ' ? '-' :
						     w[i] - 'A' + 'a');
				strbuf_addf(out, "\">%s</code>", w);
				p = q + strlen(w) + strlen("</code>");
				break;
			}
		if (p == lt) {
			strbuf_addch(out, '<');
			p++;
		}
	}
	add_glued(out, p, end - p);
}

/*
 * Screen first, then print. Fonts: the platform's UI font for Latin text,
 * then the usual CJK families of Linux, macOS and Windows, so Chinese
 * reports need no web font (Debian: fonts-noto-cjk).
 */
static const char stylesheet[] =
	":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;"
	"--zebra:#f9fafb;--accent:#0969da;"
	"--sans:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\","
	"Arial,\"Noto Sans\",\"Noto Sans CJK SC\",\"Source Han Sans SC\","
	"\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",sans-serif;"
	"--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"
	"\"DejaVu Sans Mono\","
	"\"Liberation Mono\",\"Noto Sans Mono CJK SC\",monospace}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
	"body{margin:0;background:#fff;color:var(--fg);"
	"font:16px/1.6 var(--sans)}\n"
	"main{max-width:60rem;margin:0 auto;padding:2.5rem 2rem 4rem}\n"
	"h1,h2,h3,h4,h5,h6{line-height:1.3;font-weight:600;"
	"margin:2rem 0 .75rem}\n"
	"h1{font-size:1.85rem;margin-top:0;padding-bottom:.5rem;"
	"border-bottom:2px solid var(--fg)}\n"
	"h2{font-size:1.4rem;padding-bottom:.3rem;"
	"border-bottom:1px solid var(--line)}\n"
	"h3{font-size:1.15rem}\n"
	"h4,h5,h6{font-size:1rem}\n"
	"p,ul,ol,dl,table,pre,blockquote{margin:0 0 1rem}\n"
	"ul,ol{padding-left:1.75rem}\n"
	"li+li{margin-top:.25rem}\n"
	"a{color:var(--accent);text-decoration:none}\n"
	"a:hover{text-decoration:underline}\n"
	"hr{border:0;border-top:1px solid var(--line);margin:2rem 0}\n"
	"blockquote{padding:.25rem 1rem;border-left:4px solid var(--line);"
	"color:var(--muted)}\n"
	"blockquote>:last-child{margin-bottom:0}\n"
	"img{max-width:100%}\n"
	"code,pre{font-family:var(--mono);font-size:.875em}\n"
	"code{background:var(--soft);border:1px solid var(--line);"
	"border-radius:4px;padding:.05em .3em}\n"
	"pre{background:var(--soft);border:1px solid var(--line);"
	"border-radius:6px;padding:.75rem 1rem;line-height:1.45;"
	"overflow-x:auto;white-space:pre;tab-size:8}\n"
	"pre code{background:none;border:0;padding:0;font-size:inherit;"
	"white-space:inherit}\n"
	"table{border-collapse:collapse;width:100%;font-size:.9375rem}\n"
	"th,td{border:1px solid var(--line);padding:.4rem .65rem;"
	"vertical-align:top;overflow-wrap:break-word}\n"
	/*
	 * A word of a cell never breaks: break-word (not anywhere) keeps
	 * each word's width in the column's minimum, so the table gives
	 * every column its longest word; a token longer than any word
	 * (a command's, a path, a hash) has <wbr> break points
	 * (add_breakable()), so code in a cell wraps there and an
	 * identifier stays whole; a date never parts at its hyphens.
	 */
	"td,th{word-break:normal;hyphens:manual}\n"
	".nw{white-space:nowrap}\n"
	"th:not([align]),td:not([align]){text-align:left}\n"
	"td[align=right]{white-space:nowrap;"
	"font-variant-numeric:tabular-nums}\n"
	"thead th{background:#eef1f4;font-weight:600}\n"
	"tbody tr:nth-child(even){background:var(--zebra)}\n"
	"del{color:var(--muted)}\n"
	".st{display:inline-block;font-family:var(--sans);font-size:.75rem;"
	"font-weight:700;letter-spacing:.05em;line-height:1.5;"
	"padding:0 .6em;border-radius:999px;border:1px solid;"
	"vertical-align:.08em;white-space:nowrap;word-break:normal}\n"
	"h1 .st,h2 .st{font-size:.5em;vertical-align:.3em}\n"
	".st-passed{color:#116329;background:#dafbe1;border-color:#4ac26b}\n"
	".st-failed{color:#a40e26;background:#ffebe9;border-color:#ff8182}\n"
	".st-aborted{color:#a40e26;background:#ffebe9;border-color:#ff8182}\n"
	/* The system is down: the loudest badge of all. */
	".st-not-restored{color:#fff;background:#a40e26;border-color:#a40e26}\n"
	".st-incomplete{color:#7d4e00;background:#fff8c5;"
	"border-color:#d4a72c}\n"
	".st-planned{color:#0550ae;background:#ddf4ff;border-color:#54aeff}\n"
	".st-refused{color:#6639ba;background:#fbefff;border-color:#c297ff}\n"
	".st-skipped{color:var(--muted);background:var(--soft);"
	"border-color:var(--line)}\n"
	/*
	 * No page size: the printer's (A4 or Letter) decides, and the margins
	 * fit both. Page numbers in the bottom margin; the running header
	 * (the drill, date and verdict) is the per-report rule after this.
	 */
	"@page{margin:15mm 13mm 15mm;"
	"@bottom-right{content:counter(page) \" / \" counter(pages);"
	"font:8pt var(--sans);color:#555}}\n"
	"@media print{"
	/*
	 * Dense, as an auditor's printout is: 9pt text, tight blocks (t0750
	 * counts the demo's pages). Never smaller: what is left to shorten
	 * is the report's content, not its type.
	 */
	"html{font-size:9pt}"
	"body{font-size:1rem;line-height:1.3;color:#000;background:none}"
	"main{max-width:none;margin:0;padding:0}"
	"h1,h2,h3,h4,h5,h6{break-after:avoid;page-break-after:avoid;"
	"margin:.9rem 0 .35rem}"
	"h1{margin-top:0}"
	"p,ul,ol,dl,table,pre,blockquote{margin:0 0 .45rem}"
	"li+li{margin-top:.1rem}"
	"th,td{padding:.05rem .35rem}"
	"p:has(+pre),p:has(+table){break-after:avoid;page-break-after:avoid}"
	"a{color:inherit}"
	"pre{white-space:pre-wrap;word-break:break-all;overflow:visible;"
	"background:none;border-color:#999;padding:.25rem .5rem;"
	"line-height:1.2;font-size:.8em}"
	/* a hash or path in a paragraph wraps rather than leave the page */
	"p,li,code{overflow-wrap:anywhere}"
	"td,th,td code,th code{overflow-wrap:break-word}"
	/* the title's verdict stays on the title's last line */
	"h1 .st{white-space:nowrap}"
	/* the summary is page 1; the evidence starts on page 2 */
	"main>hr:first-of-type{break-after:page;page-break-after:always;"
	"border:0;margin:0}"
	/* a long log excerpt may go on over the page; a row never */
	"blockquote,tr,img{break-inside:avoid;page-break-inside:avoid}"
	"code,thead th,tbody tr:nth-child(even){background:none}"
	"code{border:0;padding:0}"
	"td code{font-size:.8em}"
	"th,td{border-color:#999}"
	"thead{display:table-header-group}"
	".st{background:none}"
	"}\n";

/*
 * Where report.md may be cut so that each part converted alone gives the
 * bytes the whole gives, concatenated: before an ATX heading line ('#'
 * in column 0) outside a fenced code block. Such a line ends whatever
 * block was open at the top level (a paragraph, a table, a list, a block
 * quote or an indented code block: none continues into it), and every
 * block's HTML depends only on its own lines, except for what a cut
 * cannot keep: link reference definitions (one defines a link for the
 * whole document) and HTML blocks (some run on past blank lines until
 * their end marker). report.md has neither (markdown_escape_inline()
 * escapes the ']' of "]:" and every '<'); a text that has one anywhere
 * is converted whole. Fences are tracked as CommonMark opens and closes
 * them at the top level, where a fence ends only at its closing line:
 * 3 or more '`' or '~' in column 0 (a backtick fence's info string has
 * no backtick). A fence line indented 1 to 3 spaces may belong to a list
 * item, whose fence ends where the item does, which a cut cannot tell:
 * such a text is converted whole (report.md's fences are all in column
 * 0, markdown_code_block()). test-markdown compares the parts with the
 * whole on the suite's reports and on texts made to trip the cuts.
 */
struct cutter {
	const char *md;
	size_t len;
	size_t pos;       /* start of the next line to look at */
	char fence;       /* '`' or '~' while inside a fenced block, else 0 */
	size_t fence_len;
};

/* A line ends at LF, CR or CRLF, as in CommonMark. */
static const char *line_end(const char *md, size_t len, size_t pos)
{
	const char *p = md + pos, *end = md + len;

	while (p < end && *p != '\n' && *p != '\r')
		p++;
	return p;
}

static size_t line_next(const char *md, size_t len, const char *end)
{
	if (end < md + len && *end == '\r' && end + 1 < md + len &&
	    end[1] == '\n')
		end++;
	return end - md + (end < md + len);
}

/* The fence run starting a line (after up to 3 spaces), 0 if none. */
static size_t fence_run(const char *l, const char *end, char *c)
{
	const char *p = l;
	size_t n = 0;

	while (p < end && *p == ' ' && p - l < 3)
		p++;
	if (p >= end || (*p != '`' && *p != '~'))
		return 0;
	*c = *p;
	while (p + n < end && p[n] == *c)
		n++;
	return n >= 3 ? n : 0;
}

/*
 * Whether a line closes the open fence: its character, at least as
 * many, then only spaces or tabs.
 */
static int closes_fence(const struct cutter *k, const char *l, const char *end)
{
	char c = 0;
	size_t n = fence_run(l, end, &c);
	const char *p = l;

	if (!n || c != k->fence || n < k->fence_len)
		return 0;
	while (*p == ' ')
		p++;
	for (p += n; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return 0;
	return 1;
}

/*
 * A line through the fence state: 1 if it is a fence's (its opening,
 * content or closing line), 0 if not, -1 for an indented opening line.
 */
static int fence_line(struct cutter *k, const char *l, const char *end)
{
	const char *p;
	size_t n;
	char c = 0;

	if (k->fence) {
		if (closes_fence(k, l, end))
			k->fence = 0;
		return 1;
	}
	if (!(n = fence_run(l, end, &c)))
		return 0;
	if (*l == ' ')
		return -1;
	for (p = l + n; c == '`' && p < end; p++)
		if (*p == '`')
			return 0;
	k->fence = c;
	k->fence_len = n;
	return 1;
}

static int atx_line(const char *l, const char *end)
{
	size_t n = 0;

	while (l + n < end && l[n] == '#' && n < 7)
		n++;
	return n >= 1 && n <= 6 &&
	       (l + n == end || l[n] == ' ' || l[n] == '\t' || l[n] == '\r');
}

/*
 * Whether the text can be cut at all: no indented fence opening line,
 * and outside fenced blocks no line that starts (after up to 3 spaces)
 * with '<' (an HTML block) and no unescaped "]:" (a link reference
 * definition, in any container).
 */
static int cuttable(const char *md, size_t len)
{
	struct cutter k = { md, len, 0, 0, 0 };
	const char *l, *end, *p, *q;
	int f;

	for (; k.pos < len; k.pos = line_next(md, len, end)) {
		l = md + k.pos;
		end = line_end(md, len, k.pos);
		if ((f = fence_line(&k, l, end)) < 0)
			return 0;
		if (f)
			continue;
		for (p = l; p < end && *p == ' ' && p - l < 3; p++)
			;
		if (p < end && *p == '<')
			return 0;
		for (p = l; p + 1 < end; p++) {
			if (p[0] != ']' || p[1] != ':')
				continue;
			for (q = p; q > l && q[-1] == '\\'; q--)
				;
			if ((p - q) % 2 == 0)
				return 0;
		}
	}
	return 1;
}

/*
 * The end of the part that starts at k->pos: the first cut at least
 * `min` bytes on, or the end of the text.
 */
static size_t next_cut(struct cutter *k, size_t min)
{
	size_t from = k->pos;
	const char *l, *end;

	while (k->pos < k->len) {
		l = k->md + k->pos;
		end = line_end(k->md, k->len, k->pos);
		if (!k->fence && k->pos > from && k->pos - from >= min &&
		    atx_line(l, end))
			return k->pos;
		/* cuttable() saw no indented opening line. */
		fence_line(k, l, end);
		k->pos = line_next(k->md, k->len, end);
	}
	return k->len;
}

/* One part through cmark-gfm, its HTML through the post-pass into `out`. */
static int convert_part(const char *md, size_t len, struct strbuf *out,
			struct error *err)
{
	static const char *const extensions[] = {
		"table", "strikethrough", "autolink", "tagfilter",
	};
	/* Never CMARK_OPT_UNSAFE: the text came from commands. */
	const int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;
	cmark_parser *parser;
	cmark_node *doc = NULL;
	char *html = NULL;
	size_t i;
	int ret = -1;

	cmark_gfm_core_extensions_ensure_registered();
	parser = cmark_parser_new(opts);
	if (!parser)
		return error_set(err, "cmark-gfm: cannot create a parser");
	for (i = 0; i < sizeof(extensions) / sizeof(*extensions); i++) {
		cmark_syntax_extension *ext =
			cmark_find_syntax_extension(extensions[i]);

		if (!ext ||
		    !cmark_parser_attach_syntax_extension(parser, ext)) {
			error_set(err, "cmark-gfm: no '%s' extension",
				  extensions[i]);
			goto out;
		}
	}
	if (len)
		cmark_parser_feed(parser, md, len);
	doc = cmark_parser_finish(parser);
	if (!doc) {
		error_set(err, "cmark-gfm: parsing the report failed");
		goto out;
	}
	html = cmark_render_html(doc, opts,
				 cmark_parser_get_syntax_extensions(parser));
	if (!html) {
		error_set(err, "cmark-gfm: rendering the report failed");
		goto out;
	}
	markdown_status_badges(out, html);
	ret = 0;
out:
	free(html);
	if (doc)
		cmark_node_free(doc);
	cmark_parser_free(parser);
	return ret;
}

/*
 * The parts of markdown_body_html(); `sink` not NULL: `out` handed to it
 * after each part and emptied, so no more than a part's HTML is held.
 */
static int body_html(const char *md, size_t len, size_t part,
		     struct strbuf *out, markdown_sink_fn *sink, void *ctx,
		     struct error *err)
{
	struct cutter k = { md, len, 0, 0, 0 };
	size_t from, to;
	int parts = 0;

	if (part == (size_t)-1 || !cuttable(md, len))
		return convert_part(md, len, out, err) < 0 ? -1 : 1;
	do {
		from = k.pos;
		to = next_cut(&k, part);
		if (convert_part(md + from, to - from, out, err) < 0)
			return -1;
		if (sink) {
			sink(out->buf, out->len, ctx);
			strbuf_reset(out);
		}
		parts++;
	} while (to < len);
	return parts;
}

int markdown_body_html(const char *md, size_t len, size_t part,
		       struct strbuf *out, struct error *err)
{
	return body_html(md, len, part, out, NULL, NULL, err);
}

int markdown_to_html(const char *md, size_t len, const char *title,
		     const char *lang, struct strbuf *out, struct error *err)
{
	return markdown_to_html_footer(md, len, title, NULL, lang, out, err);
}

/* The page around the body: `sink` NULL: all of it appended to `out`. */
static int to_html(const char *md, size_t len, const char *title,
		   const char *footer, const char *lang, struct strbuf *out,
		   markdown_sink_fn *sink, void *ctx, struct error *err)
{
	size_t head = out->len;

	strbuf_adds(out, "<!DOCTYPE html>\n<html lang=\"");
	add_html_escaped(out, lang ? lang : "en");
	strbuf_adds(out, "\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" "
		    "content=\"width=device-width, initial-scale=1\">\n"
		    "<title>");
	add_html_escaped(out, title ? title : "");
	strbuf_adds(out, "</title>\n<style>\n");
	strbuf_adds(out, stylesheet);
	/* The running header of every printed page. */
	strbuf_adds(out, "@page{@top-left{content:");
	add_css_string(out, title ? title : "");
	strbuf_adds(out, ";font:8pt var(--sans);color:#555}}\n"
		    "");
	/* What ties a printed page to its evidence, on every page. */
	if (footer && *footer) {
		strbuf_adds(out, "@page{@bottom-left{content:");
		add_css_string(out, footer);
		strbuf_adds(out, ";font:6.5pt var(--mono,monospace);color:#555}}\n");
	}
	strbuf_adds(out, "</style>\n</head>\n<body>\n<main>\n");
	/*
	 * In parts: cmark-gfm's tree of a part, not of the whole report
	 * (91 MiB for a 10,000-step one), is what is held.
	 */
	if (body_html(md, len, MARKDOWN_PART, out, sink, ctx, err) < 0) {
		strbuf_setlen(out, head);
		return -1;
	}
	strbuf_adds(out, "</main>\n</body>\n</html>\n");
	if (sink) {
		sink(out->buf, out->len, ctx);
		strbuf_reset(out);
	}
	return 0;
}

int markdown_to_html_footer(const char *md, size_t len, const char *title,
			    const char *footer, const char *lang,
			    struct strbuf *out, struct error *err)
{
	return to_html(md, len, title, footer, lang, out, NULL, NULL, err);
}

int markdown_to_html_sink(const char *md, size_t len, const char *title,
			  const char *footer, const char *lang,
			  markdown_sink_fn *sink, void *ctx, struct error *err)
{
	struct strbuf out = STRBUF_INIT;
	int r = to_html(md, len, title, footer, lang, &out, sink, ctx, err);

	strbuf_release(&out);
	return r;
}
