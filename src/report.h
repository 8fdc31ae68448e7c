#ifndef RDRILL_REPORT_H
#define RDRILL_REPORT_H

#include <jansson.h>

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

/* Build the view model the templates see. `lang` NULL: the drill's. */
json_t *report_view(json_t *records, const char *lang);

/* Render the Markdown from a view with the templates of `lang`. */
int report_markdown(json_t *view, struct strbuf *md, struct error *err);

/*
 * Write DIR/report.md and DIR/report.html atomically from `records`.
 * `lang` NULL: the drill's language.
 */
int report_write(const char *dir, json_t *records, const char *lang,
		 struct error *err);

/* Where the templates are: $RDRILL_TEMPLATES, else beside the binary. */
const char *report_templates_dir(void);

#endif
