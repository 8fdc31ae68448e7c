#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "pdf.h"
#include "rdrill.h"
#include "report.h"
#include "seal.h"
#include "sign.h"
#include "strbuf.h"
#include "utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNSEALED "SEAL: missing"

/* Why render will not touch the bundle, one problem a line, to stderr. */
static void refuse(const char *dir, const char *why, const struct seal_check *c)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_adds(&sb, "rdrill: refusing to render into ");
	utf8_add_terminal(&sb, dir);
	strbuf_addf(&sb, ": %s\n", why);
	for (i = 0; i < c->problems.nr; i++) {
		if (!strncmp(c->problems.v[i], UNSEALED, strlen(UNSEALED)))
			continue;
		strbuf_adds(&sb, "  ");
		utf8_add_terminal(&sb, c->problems.v[i]);
		strbuf_addch(&sb, '\n');
	}
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
}

/*
 * --pdf: the HTML just checked (or written), printed to DIR's name +
 * ".pdf" (".LANG.pdf" for a language beside the seal's) in DIR's
 * parent: beside the bundle, never in it. The seal lists every file of
 * the bundle and verify refuses one added; and a PDF cannot be re-made
 * byte for byte (Chromium stamps its own dates), so verify could not
 * vouch for it. What ties the PDF to its bundle is printed on every
 * page instead: the bundle's name and the journal's chain head, which
 * the seal vouches for (README: "Printing and PDF").
 */
static int render_pdf(const char *dir, const char *html_name,
		      const char *lang, struct strbuf *pdf, struct error *err)
{
	struct strbuf html = STRBUF_INIT, base = STRBUF_INIT;
	const char *slash;
	size_t len = strlen(dir);
	int ret;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	strbuf_add(&base, dir, len);
	slash = strrchr(base.buf, '/');
	strbuf_addf(&html, "%s/%s", base.buf, html_name);
	if (!slash)
		strbuf_addf(pdf, "%s", base.buf);
	else
		strbuf_addf(pdf, "%.*s/%s", (int)(slash - base.buf),
			    slash == base.buf ? "/" : base.buf, slash + 1);
	if (!strcmp(pdf->buf, "/") || !strcmp(pdf->buf, ".") ||
	    !strcmp(pdf->buf, "..")) {
		ret = error_set(err, "--pdf: give the bundle by its own name, "
				"not %s", dir);
		goto out;
	}
	if (lang)
		strbuf_addf(pdf, ".%s", lang);
	strbuf_adds(pdf, ".pdf");
	ret = pdf_print(html.buf, pdf->buf, err);
out:
	strbuf_release(&html);
	strbuf_release(&base);
	return ret;
}

/*
 * A killed run's bundle closed as bundle_close() closes one: its reports,
 * then the cut-short seal. The reports verify rendered to compare with
 * the ones the run left (when it left them, in the language asked
 * for) are written as they are, not rendered again.
 */
/* seal.c marks a run killed before its start record was whole. */
static int killed_before_start(const struct jrecords *jr)
{
	struct jrecord_start st;
	int killed;

	jrecord_start_read(jr->start, &st);
	killed = st.killed_before_start;
	jrecord_start_release(&st);
	return killed;
}

static int close_cut_short(const char *dir, const struct seal_check *c,
			   const char *lang, const struct sign_key *key,
			   struct error *err)
{
	int r;

	if (c->md.len && !strcmp(c->md_lang, lang ? lang : ""))
		r = report_write_texts(dir, &c->md, &c->html, "report.md",
				       "report.html", err);
	else
		r = report_write_as_jr(dir, c->records, lang, "report.md",
				       "report.html", err);
	return r < 0 ? -1 : seal_write_known(dir, SEAL_CUT_SHORT, "render",
					     lang, key, &c->js, err);
}

/*
 * rdrill render DIR: the report again, from the journal alone. It never
 * launders: a bundle whose evidence does not verify is refused, and a
 * seal is never rewritten.
 *
 * - A sealed bundle that verifies already holds the report in the seal's
 *   language; another --lang is written beside it as report.LANG.md and
 *   report.LANG.html, which the seal does not list and verify re-renders
 *   and compares like the others.
 * - An unsealed bundle (a run killed before its seal) whose journal
 *   chain and logs check out gets its report and a seal in state
 *   cut-short (seal.h), wherever the kill landed: before the start
 *   record (the report is plan.json's, INCOMPLETE, nothing ran;
 *   seal_records()), between steps (INCOMPLETE), or after the end
 *   record and before the seal (the end record's verdict, sealed cut
 *   short: verify says so and history never counts it as a pass). The
 *   temporary files a kill left mid-write (NAME.tmp.XXXXXX of a file
 *   rdrill writes atomically; never evidence) are removed first.
 */
int cmd_render(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strbuf path = STRBUF_INIT, md = STRBUF_INIT, html = STRBUF_INIT,
	      t = STRBUF_INIT;
	struct seal_check c;
	const char *dir = NULL, *lang = NULL, *pdf_lang = NULL;
	const struct jrecords *records;
	struct sign_key *key = NULL;
	int i, want_pdf = 0, rc = RDRILL_EXIT_FAILED;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			lang = argv[++i];
			if (strcmp(lang, "zh-CN") && strcmp(lang, "en"))
				return rdrill_usage_error(argv[0], "--lang is "
							  "zh-CN or en");
		} else if (!strcmp(argv[i], "--pdf")) {
			want_pdf = 1;
		} else if (argv[i][0] == '-') {
			return rdrill_usage_error(argv[0], "unknown option %s",
						  argv[i]);
		} else if (dir) {
			return rdrill_usage_error(argv[0], "one bundle at a time");
		} else {
			dir = argv[i];
		}
	}
	if (!dir)
		return rdrill_usage_error(argv[0], "no bundle directory given");
	seal_check_init(&c);
	c.want_lang = lang;
	if (seal_check(dir, NULL, NULL, &c, &err) < 0)
		goto fail;
	if (c.sealed) {
		if (c.problems.nr) {
			refuse(dir, "its evidence does not verify", &c);
			goto out;
		}
	} else {
		for (k = 0; k < c.problems.nr; k++)
			if (strncmp(c.problems.v[k], UNSEALED, strlen(UNSEALED)))
				break;
		if (k < c.problems.nr) {
			refuse(dir, "its evidence does not verify", &c);
			goto out;
		}
		for (k = 0; k < c.leftovers.nr; k++) {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s", dir, c.leftovers.v[k]);
			if (unlink(path.buf) < 0 && errno != ENOENT) {
				error_errno(&err, "cannot remove %s", path.buf);
				goto fail;
			}
		}
	}
	/* The journal as verify just read it: not read again. */
	records = c.records;
	if (!records) {
		error_set(&err, "%s: the journal could not be read", dir);
		goto fail;
	}
	if (c.sealed) {
		const char *sl = strcmp(c.lang, "default") ? c.lang : NULL;

		if (lang && (!sl || strcmp(lang, sl))) {
			seal_report_names(lang, &md, &html);
			pdf_lang = lang;
			/* Verify's render of it, when it compared one. */
			if (c.md.len && !strcmp(c.md_lang, lang) ?
			    report_write_texts(dir, &c.md, &c.html, md.buf,
					       html.buf, &err) < 0 :
			    report_write_as_jr(dir, records, lang, md.buf,
					       html.buf, &err) < 0)
				goto fail;
		} else {
			seal_report_names(NULL, &md, &html);
			fprintf(stderr, "rdrill: %s is sealed and verifies; its "
				"report is unchanged\n", utf8_term(&t, dir));
		}
	} else {
		const char *kp = getenv("RDRILL_SIGN_KEY");

		seal_report_names(NULL, &md, &html);
		/* The cut-short seal is signed by whoever renders, if keyed. */
		if (kp && *kp && !(key = sign_key_load(kp, &err)))
			goto fail;
		if (close_cut_short(dir, &c, lang, key, &err) < 0)
			goto fail;
		fprintf(stderr, "rdrill: %s; sealed now as cut short after "
			"journal record %zu%s\n", c.has_end ? "the run finished "
			"but was killed before its seal" : "the run was cut short",
			c.has_end || !killed_before_start(records) ?
			records->nrecords : 0, c.torn ? "; the journal's "
			"last line was cut short (killed while writing) and is "
			"left out" : "");
	}
	utf8_term(&t, dir);
	printf("%s/%s\n%s/%s\n", t.buf, md.buf, t.buf, html.buf);
	if (want_pdf) {
		struct strbuf pdf = STRBUF_INIT;

		fflush(stdout);
		if (render_pdf(dir, html.buf, pdf_lang, &pdf, &err) < 0) {
			strbuf_release(&pdf);
			goto fail;
		}
		printf("%s\n", utf8_term(&t, pdf.buf));
		strbuf_release(&pdf);
	}
	rc = RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	seal_check_release(&c);
	sign_key_free(key);
	strbuf_release(&path);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&t);
	error_release(&err);
	return rc;
}
