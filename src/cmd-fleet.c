/*
 * history --expect FILE [--lang L]: the fleet view (fleet.h) of the
 * collected tree, written beside history.md as fleet.md, fleet.html and
 * fleet.json, one line per row on stdout.
 */
#include "error.h"
#include "fleet.h"
#include "fsutil.h"
#include "journal.h"
#include "markdown.h"
#include "rdrill.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_all(const struct fleet_view *view, const char *lang,
		     const char *outdir, struct error *err)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, path = STRBUF_INIT;
	json_t *j = fleet_view_json(view);
	char *js = json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	int rc = -1;

	fleet_markdown(view, lang, &md);
	if (markdown_to_html(md.buf, md.len, "Fleet", lang ? lang : "en",
			     &html, err) < 0)
		goto out;
	strbuf_addf(&path, "%s/fleet.md", outdir);
	if (fs_write_atomic(path.buf, md.buf, md.len, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/fleet.html", outdir);
	if (fs_write_atomic(path.buf, html.buf, html.len, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/fleet.json", outdir);
	strbuf_reset(&md);
	strbuf_addf(&md, "%s\n", js ? js : "{}");
	if (fs_write_atomic(path.buf, md.buf, md.len, err) < 0)
		goto out;
	rc = 0;
out:
	free(js);
	json_decref(j);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&path);
	return rc;
}

static void print_rows(const struct fleet_view *view)
{
	struct strbuf line = STRBUF_INIT, safe = STRBUF_INIT;
	size_t i;

	for (i = 0; i < view->nrows; i++) {
		const struct fleet_row *r = &view->rows[i];
		const char *word = r->missing ? "MISSING" : r->overdue ?
			"OVERDUE" : r->verdict;

		strbuf_reset(&line);
		strbuf_reset(&safe);
		strbuf_addf(&line, "%-8s %s/%s on %s: latest %s", word,
			    r->drill, r->environment, *r->runner ? r->runner : "-",
			    r->latest && *r->latest ? r->latest : "never");
		utf8_add_terminal(&safe, line.buf);
		puts(safe.buf);
	}
	strbuf_release(&line);
	strbuf_release(&safe);
}

int rdrill_history_fleet(const struct history *h, const struct strvec *dirs,
			 const char *expect_file, const char *lang,
			 const char *outdir, long long now_ms)
{
	struct error err = ERROR_INIT;
	struct fleet_expect expect;
	struct fleet_view view;
	int n = -1;

	fleet_expect_init(&expect);
	if (expect_file && fleet_expect_load(&expect, expect_file, &err) < 0) {
		rdrill_print_error(&err);
		error_release(&err);
		fleet_expect_release(&expect);
		return -1;
	}
	fleet_view_make(&view, h, dirs, &expect, now_ms);
	if (write_all(&view, lang, outdir, &err) < 0) {
		rdrill_print_error(&err);
	} else {
		print_rows(&view);
		n = (int)(view.missing + view.overdue);
	}
	fleet_view_release(&view);
	fleet_expect_release(&expect);
	error_release(&err);
	return n;
}
