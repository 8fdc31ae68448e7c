#ifndef RDRILL_REPORT_H
#define RDRILL_REPORT_H

#include <jansson.h>

#include "markdown.h"

struct error;
struct strbuf;

/*
 * The audit report. Its only input is the journal (journal.h): a list of
 * records, the first carrying the plan. A dry-run passes a journal of
 * just that first record (mode "plan") and gets a PLANNED report.
 *
 * journal records -> view model (JSON) -> templates/report.<lang>.md
 * (Mustache, every string escaped for Markdown) -> report.md ->
 * libcmark-gfm -> report.html.
 *
 * Status: PLANNED (dry-run), PASSED, FAILED, ABORTED (interrupted, cleanup
 * ran), REFUSED (a safety gate stopped it before anything ran), or
 * INCOMPLETE (the journal has no end record: the run was killed).
 */

/*
 * Build the view model the templates see. `lang` NULL: the drill's.
 * NULL + err when the journal's plan does not fit the drill schema.
 */
json_t *report_view(json_t *records, const char *lang, struct error *err);

/*
 * The same from the journal as jrecord.h reads it (one pass; a step's
 * record parsed only while its step is viewed). report_view() and the
 * others below that take `records` are these on journal_read()'s array.
 */
struct jrecords;
json_t *report_view_jr(const struct jrecords *jr, const char *lang,
		       struct error *err);
/*
 * Set on `jr` before jrecords_read(): each step is viewed for the report
 * in `lang` (NULL: the drill's) while the walk reads its record, so the
 * first render of `jr` in that language does not read and parse every
 * step record a second time. That render takes it only if what it
 * guessed before the walk's end holds (the same view, byte for byte);
 * else, and for every other render, the records are read again.
 */
void report_one_pass(struct jrecords *jr, const char *lang);
int report_render_jr(const struct jrecords *jr, const char *lang,
		     struct strbuf *md, struct strbuf *html, struct error *err);
/*
 * The same with report.html handed to `sink` a part at a time
 * (markdown_to_html_sink()), never held whole: verify compares it with
 * the file as it is made.
 */
int report_render_jr_sink(const struct jrecords *jr, const char *lang,
			  struct strbuf *md, markdown_sink_fn *sink, void *ctx,
			  struct error *err);
int report_write_as_jr(const char *dir, const struct jrecords *jr,
		       const char *lang, const char *md_name,
		       const char *html_name, struct error *err);
/* Write two texts already rendered (report_render_jr) atomically. */
int report_write_texts(const char *dir, const struct strbuf *md,
		       const struct strbuf *html, const char *md_name,
		       const char *html_name, struct error *err);

/* Render the Markdown from a view with the templates of `lang`. */
int report_markdown(json_t *view, struct strbuf *md, struct error *err);

/*
 * Write DIR/report.md and DIR/report.html atomically from `records`.
 * `lang` NULL: the drill's language.
 */
int report_write(const char *dir, json_t *records, const char *lang,
		 struct error *err);

/* The same under other names (a report in a second language). */
int report_write_as(const char *dir, json_t *records, const char *lang,
		    const char *md_name, const char *html_name,
		    struct error *err);

/* The two texts report_write() writes, in memory (verify compares them). */
int report_render(json_t *records, const char *lang, struct strbuf *md,
		  struct strbuf *html, struct error *err);

/*
 * The same with the sign-off table filled from `signoffs`, the records
 * of signoff.jsonl (signoff.h): report.signed.md/.html.
 */
int report_render_signed(json_t *records, json_t *signoffs, const char *lang,
			 struct strbuf *md, struct strbuf *html,
			 struct error *err);

/*
 * For step kinds' view hooks (step.h): set `k` to `v` unless it is
 * empty; a fenced code block of `s` under `k`; and "<key>_code", the
 * value of `key` pre-rendered as inline code (inside backticks Markdown
 * escapes are literal, so the templates' escaping cannot be used there,
 * and a backtick in a value would end the span).
 */
void report_view_str(json_t *o, const char *k, const char *v);
/*
 * The same for text that is not rdrill's words (the drill author's, a
 * server's, a path, a command, a hash): kept as it is in every
 * language, marked as such when words_set_marking() is on (words.h).
 */
void report_view_data(json_t *o, const char *k, const char *v);
void report_view_block(json_t *o, const char *k, const char *s, size_t len,
		       const char *info);
void report_view_code(json_t *o, const char *key);

/*
 * Who renders, as one line: rdrill's version, libcmark-gfm's, and the
 * SHA-256 of the template set (every *.mustache file of the templates
 * directory, by name). The seal records it: two renders of one journal
 * are byte-identical when this line is, so verify compares a bundle's
 * reports with its own render only when its renderer is the bundle's.
 */
int report_renderer(struct strbuf *out, struct error *err);

/* Where the templates are: $RDRILL_TEMPLATES, else beside the binary. */
const char *report_templates_dir(void);

#endif
