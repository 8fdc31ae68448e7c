#include "error.h"
#include "bundle.h"
#include "journal.h"
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
	const char *dir = NULL, *lang = NULL;
	json_t *records = NULL;
	struct sign_key *key = NULL;
	int i, torn = 0, rc = RDRILL_EXIT_FAILED;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			lang = argv[++i];
			if (strcmp(lang, "zh-CN") && strcmp(lang, "en"))
				return rdrill_usage_error(argv[0], "--lang is "
							  "zh-CN or en");
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
	records = seal_records(dir, &torn, &err);
	if (!records)
		goto fail;
	if (c.sealed) {
		const char *sl = strcmp(c.lang, "default") ? c.lang : NULL;

		if (lang && (!sl || strcmp(lang, sl))) {
			seal_report_names(lang, &md, &html);
			if (report_write_as(dir, records, lang, md.buf, html.buf,
					    &err) < 0)
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
		if (bundle_close(dir, records, lang, SEAL_CUT_SHORT, "render",
				 key, &err) < 0)
			goto fail;
		fprintf(stderr, "rdrill: %s; sealed now as cut short after "
			"journal record %zu%s\n", c.has_end ? "the run finished "
			"but was killed before its seal" : "the run was cut short",
			c.has_end || !json_object_get(json_object_get(json_array_get(
			records, 0), "context"), "killed_before_start") ?
			json_array_size(records) : 0, torn ? "; the journal's "
			"last line was cut short (killed while writing) and is "
			"left out" : "");
	}
	utf8_term(&t, dir);
	printf("%s/%s\n%s/%s\n", t.buf, md.buf, t.buf, html.buf);
	rc = RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	seal_check_release(&c);
	sign_key_free(key);
	json_decref(records);
	strbuf_release(&path);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&t);
	error_release(&err);
	return rc;
}
