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

static int write_all(json_t *view, const char *lang, const char *outdir,
		     struct error *err)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, path = STRBUF_INIT;
	char *js = json_dumps(view, JSON_INDENT(2) | JSON_ENSURE_ASCII);
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
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&path);
	return rc;
}

static void print_rows(json_t *view)
{
	struct strbuf line = STRBUF_INIT, safe = STRBUF_INIT;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(view, "rows"), i, r) {
		const char *word = json_is_true(json_object_get(r, "missing")) ?
			"MISSING" : json_is_true(json_object_get(r, "overdue")) ?
			"OVERDUE" : journal_str(r, "verdict");
		const char *runner = journal_str(r, "runner");

		strbuf_reset(&line);
		strbuf_reset(&safe);
		strbuf_addf(&line, "%-8s %s/%s on %s: latest %s", word,
			    journal_str(r, "drill"), journal_str(r, "environment"),
			    *runner ? runner : "-",
			    *journal_str(r, "latest") ? journal_str(r, "latest") :
			    "never");
		utf8_add_terminal(&safe, line.buf);
		puts(safe.buf);
	}
	strbuf_release(&line);
	strbuf_release(&safe);
}

int rdrill_history_fleet(json_t *h, const struct strvec *dirs,
			 const char *expect_file, const char *lang,
			 const char *outdir, long long now_ms)
{
	struct error err = ERROR_INIT;
	json_t *expect = NULL, *view;
	int n = -1;

	if (expect_file && !(expect = fleet_expect_load(expect_file, &err))) {
		rdrill_print_error(&err);
		error_release(&err);
		return -1;
	}
	view = fleet_view(h, dirs, expect, now_ms);
	if (write_all(view, lang, outdir, &err) < 0) {
		rdrill_print_error(&err);
	} else {
		print_rows(view);
		n = (int)(json_integer_value(json_object_get(view, "missing")) +
			  json_integer_value(json_object_get(view, "overdue")));
	}
	json_decref(view);
	json_decref(expect);
	error_release(&err);
	return n;
}
