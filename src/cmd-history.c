#include "clock.h"
#include "error.h"
#include "fsutil.h"
#include "history.h"
#include "journal.h"
#include "rdrill.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * rdrill history DIR... [-o OUTDIR] [--prom FILE]: the index of every
 * run bundle under the directories (history.h), written as
 * OUTDIR/history.md, .html and .json (OUTDIR: the first DIR), and with
 * --prom as Prometheus textfile-collector metrics, each atomically. One
 * line per drill on stdout; exit 4 when a drill is overdue (for cron),
 * 1 when history itself failed. A missing -o OUTDIR is created.
 */
int cmd_history(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strvec dirs = STRVEC_INIT;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, path = STRBUF_INIT,
		      line = STRBUF_INIT;
	const char *outdir = NULL, *prom = NULL;
	json_t *h = NULL, *g;
	char *js = NULL;
	int k, rc = RDRILL_EXIT_FAILED, overdue;
	size_t i;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "-o") && k + 1 < argc)
			outdir = argv[++k];
		else if (!strcmp(argv[k], "--prom") && k + 1 < argc)
			prom = argv[++k];
		else if (argv[k][0] == '-')
			return rdrill_usage_error(argv[0], "unknown option %s",
						  argv[k]);
		else
			strvec_push(&dirs, argv[k]);
	}
	if (!dirs.nr)
		return rdrill_usage_error(argv[0], "give the directories that "
					  "hold the bundles");
	if (!outdir)
		outdir = dirs.v[0];
	else if (fs_mkdirs(outdir, 0755, &err) < 0)
		goto fail;
	h = history_scan(&dirs, clock_wall_ms(), &err);
	if (!h)
		goto fail;
	history_markdown(h, &md);
	if (history_html(h, md.buf, &html, &err) < 0)
		goto fail;
	js = json_dumps(h, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	strbuf_addf(&path, "%s/history.md", outdir);
	if (fs_write_atomic(path.buf, md.buf, md.len, &err) < 0)
		goto fail;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/history.html", outdir);
	if (fs_write_atomic(path.buf, html.buf, html.len, &err) < 0)
		goto fail;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/history.json", outdir);
	strbuf_reset(&md);
	strbuf_addf(&md, "%s\n", js ? js : "{}");
	if (fs_write_atomic(path.buf, md.buf, md.len, &err) < 0)
		goto fail;
	if (prom) {
		strbuf_reset(&md);
		history_prom(h, &md);
		if (fs_write_atomic(prom, md.buf, md.len, &err) < 0)
			goto fail;
	}
	json_array_foreach(json_object_get(h, "drills"), i, g) {
		strbuf_reset(&line);
		strbuf_addf(&line, "%-8s %s/%s: last passed %s", json_is_true(
			json_object_get(g, "overdue")) ? "OVERDUE" : "OK",
			journal_str(g, "id"), journal_str(g, "environment"),
			*journal_str(g, "last_pass") ? journal_str(g, "last_pass") :
			"never");
		strbuf_reset(&path);
		utf8_add_terminal(&path, line.buf);
		puts(path.buf);
	}
	utf8_term(&path, outdir);
	printf("%s/history.md\n%s/history.html\n%s/history.json\n", path.buf,
	       path.buf, path.buf);
	overdue = history_overdue(h);
	rc = overdue ? RDRILL_EXIT_OVERDUE : RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	free(js);
	json_decref(h);
	strvec_clear(&dirs);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&path);
	strbuf_release(&line);
	error_release(&err);
	return rc;
}
