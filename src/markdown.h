#ifndef RDRILL_MARKDOWN_H
#define RDRILL_MARKDOWN_H

#include <stddef.h>

#include "strbuf.h"

struct error;

/*
 * The report's Markdown on both sides: helpers that write untrusted text
 * (from a drill file or a command) into Markdown so it stays literal, and
 * the renderer that turns the finished Markdown into one HTML file.
 *
 * Every helper appends to `out`, never fails, and replaces invalid UTF-8
 * with U+FFFD, so whatever a command printed cannot break the document.
 */

/*
 * Render GitHub Flavored Markdown (tables, strikethrough, autolink,
 * tagfilter) with libcmark-gfm into one self-contained HTML5 page with
 * inline CSS that reads well on screen and prints on A4. Safe mode: raw
 * HTML in `md` becomes "<!-- raw HTML omitted -->" and javascript:/data:
 * style URLs are dropped. `title` (may be NULL) and `lang` (NULL: "en")
 * are HTML-escaped. Appends to `out`; -1 and `err` set only if cmark-gfm
 * itself is unusable.
 *
 * Status words get a coloured badge: templates write them as inline code
 * (`PASSED`), see markdown_status_badges().
 */
int markdown_to_html(const char *md, size_t len, const char *title,
		     const char *lang, struct strbuf *out, struct error *err);

/*
 * The same with `footer` (may be NULL) in every printed page's bottom
 * margin: the report's bundle name and journal head (report.c).
 */
int markdown_to_html_footer(const char *md, size_t len, const char *title,
			    const char *footer, const char *lang,
			    struct strbuf *out, struct error *err);

/*
 * The same page handed to `sink` a part at a time (the head, each part
 * of the body, the tail: the same bytes in the same order), never held
 * whole: verify compares report.html with it as it is made (seal.c).
 */
typedef void markdown_sink_fn(const char *p, size_t len, void *ctx);
int markdown_to_html_sink(const char *md, size_t len, const char *title,
			  const char *footer, const char *lang,
			  markdown_sink_fn *sink, void *ctx, struct error *err);

/*
 * The body of markdown_to_html()'s page: `md` as HTML, post-pass done
 * (markdown_status_badges()), appended to `out`. A long text is
 * converted in parts of at least `part` bytes, each cut before a
 * heading line where a cut changes no byte of the HTML (markdown.c says
 * where); (size_t)-1 converts it whole. Returns how many parts, or -1
 * (cmark-gfm unusable, `err` set). Public for test-markdown, which
 * compares the two.
 */
#define MARKDOWN_PART ((size_t)64 * 1024)
int markdown_body_html(const char *md, size_t len, size_t part,
		       struct strbuf *out, struct error *err);

/*
 * The post-pass of markdown_to_html(), public for its tests. CSS cannot
 * select on text, so each exact "<code>WORD</code>" outside a <pre> block,
 * for WORD one of PASSED FAILED PLANNED INCOMPLETE ABORTED REFUSED
 * SKIPPED, is appended as <code class="st st-word">WORD</code>; and
 * outside <pre>, the space between a number and its unit ("7.3 s",
 * "25.9 KiB") becomes a no-break space (&#160;), so print never parts
 * them, a token longer than any word (a hash, a path) gets <wbr>
 * break points, and in <h1> the " | " before a badge is no-break (the
 * title's verdict never wraps onto a line of its own); all other HTML
 * is copied unchanged. Only safe for cmark's safe-mode output, where
 * every "<code>" and "<pre" is cmark's own markup, never report text.
 */
void markdown_status_badges(struct strbuf *out, const char *html);

/*
 * Text that must read back literally inside a paragraph, heading, list
 * item or GFM table cell: a backslash goes before every ASCII punctuation
 * character that could start emphasis, a link, HTML, an entity, a list, a
 * heading, a URL autolink or a cell split (the rest, like the '-' and ':'
 * of "2026-11-24 15:58", stays as it is so report.md reads plainly),
 * CR, LF and TAB become spaces (a cell is one line), a
 * space at either end becomes "&#32;" (no indented code block, no hard
 * break), other control characters become U+FFFD. Matches
 * mustache_escape_fn, so it is the escape function of the report
 * templates. One thing escaping cannot stop: the autolink extension still
 * turns an e-mail address into a mailto: link (it looks at text after
 * escapes are resolved); the visible text stays the same.
 */
void markdown_escape_inline(struct strbuf *out, const char *s, size_t len);

/*
 * A link destination for `path` (the "(...)" of a Markdown link):
 * every byte but ASCII letters, digits and "-._~/" percent-encoded, so
 * no entity, escape, space, quote or parenthesis can end it or change
 * it. Emit it unescaped ({{{...}}} in a template).
 */
void markdown_link_dest(struct strbuf *out, const char *path);

/*
 * A fenced code block holding `s` verbatim: the backtick fence is longer
 * than any backtick run in `s` (at least 3), so nothing in `s` closes it.
 * `info` (may be NULL) is the language tag, reduced to [A-Za-z0-9_+.-].
 * Starts on a fresh line (a newline is added if `out` does not end with
 * one) and ends with a newline after the closing fence. Control
 * characters other than TAB, LF and CR become U+FFFD, since they are
 * not allowed in HTML.
 */
void markdown_code_block(struct strbuf *out, const char *s, size_t len,
			 const char *info);

/*
 * Inline code showing `s` literally whatever backticks it holds (the
 * delimiter is a backtick run whose length occurs nowhere in `s`, padded
 * with spaces where CommonMark would otherwise eat or merge them). Line
 * breaks and tabs become spaces. Empty `s` appends nothing.
 *
 * markdown_code_span_cell() is the same for a GFM table cell: there `|`
 * must be written "\|" even inside code, since the table splits its
 * cells before inline parsing (and removes the backslash again).
 */
void markdown_code_span(struct strbuf *out, const char *s, size_t len);
void markdown_code_span_cell(struct strbuf *out, const char *s, size_t len);

#endif
