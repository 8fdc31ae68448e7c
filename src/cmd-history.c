#include "clock.h"
#include "error.h"
#include "fsutil.h"
#include "history.h"
#include "journal.h"
#include "rdrill.h"
#include "sign.h"
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
 * line per drill on stdout, one per finding and per path not searched;
 * exit 4 when a drill is overdue (for cron), 1 when history itself
 * failed or a path could not be searched. A missing -o OUTDIR is
 * created. --key PUB.pem (repeatable): the trusted signers. --lang
 * zh-CN: history.md/.html (and the fleet view) in Chinese.
 */
static int trusted_key(const char *path, struct strvec *out, struct error *err)
{
	struct strbuf pem = STRBUF_INIT;
	char fpr[SHA256_HEX_LEN + 1];
	int ret = -1;

	if (strbuf_read_file(&pem, path, 64 << 10) < 0)
		error_errno(err, "cannot read the public key %s", path);
	else if (sign_pub_fingerprint(pem.buf, pem.len, fpr, err) < 0)
		error_prefix(err, "%s", path);
	else
		ret = 0;
	if (!ret)
		strvec_push(out, fpr);
	strbuf_release(&pem);
	return ret;
}

/* One line per drill, per finding and per path not searched. */
static void print_drills(const struct history *h)
{
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT, when = STRBUF_INIT;
	size_t i, j;

	for (i = 0; i < h->ndrills; i++) {
		const struct history_drill *d = &h->drills[i];

		strbuf_reset(&when);
		if (d->last_pass_ms >= 0)
			clock_format_utc_ms(&when, d->last_pass_ms);
		strbuf_reset(&line);
		strbuf_addf(&line, "%-8s %s/%s: last passed %s", d->overdue ?
			    "OVERDUE" : "OK", d->id, d->environment,
			    when.len ? when.buf : "never");
		strbuf_reset(&out);
		utf8_add_terminal(&out, line.buf);
		puts(out.buf);
		for (j = 0; j < d->findings.nr; j++) {
			strbuf_reset(&out);
			strbuf_adds(&out, "FINDING  ");
			utf8_add_terminal(&out, d->findings.v[j]);
			puts(out.buf);
		}
	}
	for (i = 0; i < h->skipped.nr; i++) {
		strbuf_reset(&line);
		strbuf_addf(&line, "NOT SEARCHED %s: %s", h->skipped.v[i],
			    h->skipped_why.v[i]);
		strbuf_reset(&out);
		utf8_add_terminal(&out, line.buf);
		puts(out.buf);
	}
	strbuf_release(&line);
	strbuf_release(&out);
	strbuf_release(&when);
}

int cmd_history(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strvec dirs = STRVEC_INIT, keys = STRVEC_INIT;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, path = STRBUF_INIT,
		      line = STRBUF_INIT;
	const char *outdir = NULL, *prom = NULL, *keyfiles[65];
	const char *push_url = NULL, *expect = NULL, *lang = NULL;
	long long now = clock_wall_ms();
	int nkeys = 0, fleet = 0;
	struct history h;
	json_t *hj = NULL;
	char *js = NULL;
	int k, rc = RDRILL_EXIT_FAILED, overdue;

	history_init(&h);
	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "-o") && k + 1 < argc)
			outdir = argv[++k];
		else if (!strcmp(argv[k], "--prom") && k + 1 < argc)
			prom = argv[++k];
		else if (!strcmp(argv[k], "--push") && k + 1 < argc)
			push_url = argv[++k];
		else if (!strcmp(argv[k], "--expect") && k + 1 < argc)
			expect = argv[++k];
		else if (!strcmp(argv[k], "--lang") && k + 1 < argc &&
			 (!strcmp(argv[k + 1], "en") || !strcmp(argv[k + 1], "zh-CN")))
			lang = argv[++k];
		else if (!strcmp(argv[k], "--key") && k + 1 < argc)
			keyfiles[nkeys < 64 ? nkeys++ : nkeys] = argv[++k];
		else if (argv[k][0] == '-')
			return rdrill_usage_error(argv[0], "unknown option %s",
						  argv[k]);
		else
			strvec_push(&dirs, argv[k]);
	}
	if (!dirs.nr)
		return rdrill_usage_error(argv[0], "give the directories that "
					  "hold the bundles");
	if (nkeys > 64)
		return rdrill_usage_error(argv[0], "at most 64 --key");
	if (!outdir)
		outdir = dirs.v[0];
	else if (fs_mkdirs(outdir, 0755, &err) < 0)
		goto fail;
	for (k = 0; k < nkeys; k++)
		if (trusted_key(keyfiles[k], &keys, &err) < 0)
			goto fail;
	if (history_scan(&h, &dirs, &keys, now, &err) < 0)
		goto fail;
	history_markdown(&h, lang, &md);
	if (history_html(&h, md.buf, lang, &html, &err) < 0)
		goto fail;
	strbuf_addf(&path, "%s/history.md", outdir);
	if (fs_write_atomic(path.buf, md.buf, md.len, &err) < 0)
		goto fail;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/history.html", outdir);
	if (fs_write_atomic(path.buf, html.buf, html.len, &err) < 0)
		goto fail;
	/* Each output lives only while written: memory grows with one. */
	strbuf_release(&html);
	strbuf_release(&md);
	hj = history_json(&h);
	js = json_dumps(hj, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/history.json", outdir);
	strbuf_reset(&md);
	strbuf_addf(&md, "%s\n", js ? js : "{}");
	if (fs_write_atomic(path.buf, md.buf, md.len, &err) < 0)
		goto fail;
	if (prom) {
		strbuf_reset(&md);
		history_prom(&h, &md);
		if (fs_write_atomic(prom, md.buf, md.len, &err) < 0)
			goto fail;
	}
	if (push_url)
		rdrill_push_history(&h, &dirs, push_url, NULL, NULL);
	print_drills(&h);
	utf8_term(&path, outdir);
	printf("%s/history.md\n%s/history.html\n%s/history.json\n", path.buf,
	       path.buf, path.buf);
	/* The fleet view: MISSING counts like OVERDUE. */
	if (expect || lang)
		fleet = rdrill_history_fleet(&h, &dirs, expect, lang, outdir, now);
	overdue = history_overdue(&h);
	/* MISSING counts like OVERDUE; a fleet view that failed, as history. */
	rc = history_skipped(&h) || fleet < 0 ? RDRILL_EXIT_FAILED :
	     overdue || fleet ?
	     RDRILL_EXIT_OVERDUE : RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	free(js);
	json_decref(hj);
	history_release(&h);
	strvec_clear(&dirs);
	strvec_clear(&keys);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&path);
	strbuf_release(&line);
	error_release(&err);
	return rc;
}
