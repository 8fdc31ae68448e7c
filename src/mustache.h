#ifndef RDRILL_MUSTACHE_H
#define RDRILL_MUSTACHE_H

#include <stddef.h>
#include <jansson.h>

struct strbuf;
struct error;

/*
 * Mustache templates (the six core modules of spec v1.4: comments, set
 * delimiters, interpolation, inverted sections, partials, sections; no
 * lambdas, no dynamic partial names) over jansson data.
 *
 * Values interpolate as: strings verbatim (then escaped), integers in
 * decimal, reals in the shortest form that reads back as the same double
 * (1.21 -> "1.21"), true/false as "true"/"false", null, missing names,
 * objects and arrays as nothing.
 *
 * Sections skip on a missing name, null, false and an empty array (and
 * inverted sections render exactly then); an array renders once per
 * element, anything else (including 0 and "") renders once with the value
 * pushed on the context stack. Build views with real booleans or nulls.
 *
 * Hostile templates are refused, not crashed on: sections nest at most
 * MUSTACHE_MAX_NESTING deep per template, and sections plus partials at
 * most MUSTACHE_MAX_DEPTH deep while rendering, which also stops a partial
 * that includes itself forever. Sections nested over lists multiply
 * (three nested sections over a 1000-element list are 10^9 renders), so
 * one render visits at most MUSTACHE_MAX_WORK template nodes and writes
 * at most MUSTACHE_MAX_OUTPUT bytes, else it fails with a message.
 */

#define MUSTACHE_MAX_NESTING 100
#define MUSTACHE_MAX_DEPTH 256
/* `make fuzz` builds with a lower bound, so the fuzzer does not spend
 * its time on inputs that merely reach it. */
#ifndef MUSTACHE_MAX_WORK
#define MUSTACHE_MAX_WORK 8000000
#endif
#define MUSTACHE_MAX_OUTPUT (256 << 20)

/* Appends the escaped form of s[0..len) to out. */
typedef void (*mustache_escape_fn)(struct strbuf *out, const char *s,
				   size_t len);

/* The spec's HTML escaping: & < > " (the spec leaves ' alone, so do we). */
void mustache_escape_html(struct strbuf *out, const char *s, size_t len);

struct mustache_opts {
	json_t *partials;          /* object: name -> template string; may be NULL */
	mustache_escape_fn escape; /* NULL = mustache_escape_html */
	/*
	 * Set: each piece of the template's own text is enclosed in these,
	 * so a test can tell it from the values (report.c's marking).
	 */
	const char *text_open, *text_close;
};

/*
 * Render tmpl[0..len) with `data` (any JSON value, may be NULL) and append
 * the result to `out`. `opts` may be NULL. A missing partial renders as
 * nothing, as the spec says.
 *
 * On a syntax error returns -1 with err set to e.g. "line 3, col 5:
 * unclosed section 'steps'" (1-based; columns count UTF-8 characters), or
 * "partial 'x': line ..." when the error is in a partial; `out` is then left
 * as it was on entry.
 */
int mustache_render(const char *tmpl, size_t len, json_t *data,
		    const struct mustache_opts *opts, struct strbuf *out,
		    struct error *err);

/*
 * Many renders as one (report.c renders each step's section of a report
 * of 10,000 steps on its own), by a caller that sets these before the
 * first and keeps them between:
 *
 * - `seen` (may be NULL): what a render took from its `data` (the bottom
 *   of the context stack) for lack of it in a frame above: each such
 *   name (a dotted name's first part) is told to `seen` with what it
 *   found there (NULL: nothing). So a caller that renders a part early,
 *   in a context it will change later, can tell whether the part would
 *   render the same later.
 * - the partials, parsed once for every render of the session instead
 *   of once per render: each render must then be given the same
 *   opts->partials, unchanged.
 */
struct mtpl;
struct mustache_session {
	void (*seen)(void *ctx, const char *name, size_t len, json_t *found);
	void *ctx;
	struct mtpl **cache;    /* the partials parsed so far */
	size_t ncache, acache;
};

/* mustache_render() within `s`; mustache_session_release() at the end. */
int mustache_render_session(const char *tmpl, size_t len, json_t *data,
			    const struct mustache_opts *opts,
			    struct mustache_session *s, struct strbuf *out,
			    struct error *err);
void mustache_session_release(struct mustache_session *s);

#endif
