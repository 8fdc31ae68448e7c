/*
 * The journal reader: journal.jsonl read, chain-checked, and the report
 * rendered from its records (report.c's view model, the templates,
 * cmark-gfm), as `rdrill render` does with a bundle handed back.
 */
#include "fuzz.h"

#include "error.h"
#include "journal.h"
#include "report.h"
#include "strbuf.h"

#include <stdio.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_use_templates();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	char path[4200];
	json_t *records;
	int torn = 0;

	fuzz_clean();
	if (fuzz_write("journal.jsonl", data, size) < 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/journal.jsonl", fuzz_dir()) >=
	    sizeof(path))
		return 0;
	journal_verify(path, &torn, &err);
	records = journal_read(path, &torn, &err);
	if (records) {
		report_render(records, NULL, &md, &html, &err);
		json_decref(records);
	}
	strbuf_release(&md);
	strbuf_release(&html);
	error_release(&err);
	return 0;
}
