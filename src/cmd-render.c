#include "checksum.h"
#include "error.h"
#include "journal.h"
#include "rdrill.h"
#include "report.h"
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

/*
 * rdrill render DIR: the report again, from the journal alone. This is
 * how a killed run gets its INCOMPLETE report, and how an auditor gets
 * the other language a year later. A journal whose hash chain is broken
 * is not rendered: the report would vouch for edited evidence.
 */
int cmd_render(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	struct checksum_set set = CHECKSUM_SET_INIT;
	const char *dir = NULL, *lang = NULL;
	json_t *records = NULL;
	int i, torn = 0, rc = RDRILL_EXIT_FAILED;

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
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	records = journal_read_verified(path.buf, &torn, &err);
	if (!records)
		goto fail;
	if (report_write(dir, records, lang, &err) < 0)
		goto fail;
	/* Re-seal: the report changed; the journal chain vouches for the rest. */
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/SHA256SUMS", dir);
	if (checksum_files(dir, NULL, path.buf, 0, &set, &err) < 0)
		goto fail;
	if (checksum_write_sums(path.buf, &set, &err) < 0)
		goto fail;
	if (torn)
		fprintf(stderr, "rdrill: the journal's last line was cut short "
			"(killed while writing); it is left out\n");
	printf("%s/report.md\n%s/report.html\n", dir, dir);
	rc = RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	json_decref(records);
	checksum_set_release(&set);
	strbuf_release(&path);
	error_release(&err);
	return rc;
}
