#include "checksum.h"
#include "error.h"
#include "journal.h"
#include "rdrill.h"
#include "strbuf.h"

#include <stdio.h>
#include <string.h>

/*
 * rdrill verify DIR: is this bundle what rdrill wrote? Every file in
 * SHA256SUMS hashes the same, no file was added beside them, and the
 * journal's hash chain is whole.
 */
int cmd_verify(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	struct checksum_set listed = CHECKSUM_SET_INIT, present = CHECKSUM_SET_INIT;
	const char *dir;
	size_t i, j;
	int bad = 0, torn = 0;

	if (argc != 2 || argv[1][0] == '-')
		return rdrill_usage_error(argv[0], "give one bundle directory");
	dir = argv[1];
	strbuf_addf(&path, "%s/SHA256SUMS", dir);
	if (checksum_verify_sums(path.buf, dir, 0, &listed, &err) < 0) {
		rdrill_print_error(&err);
		bad++;
	}
	for (i = 0; i < listed.nr; i++) {
		const struct checksum_entry *e = &listed.v[i];
		if (e->status == CHECKSUM_OK)
			continue;
		bad++;
		printf("FAILED  %s: %s\n", e->name,
		       e->status == CHECKSUM_MISSING ? "missing" :
		       e->status == CHECKSUM_MISMATCH ? "content changed" :
		       e->error ? e->error : "unreadable");
	}
	/* A file slipped in after the seal is not evidence either. */
	if (listed.nr && checksum_files(dir, NULL, path.buf, 0, &present,
					&err) == 0) {
		for (i = 0; i < present.nr; i++) {
			for (j = 0; j < listed.nr; j++)
				if (!strcmp(present.v[i].name, listed.v[j].name))
					break;
			if (j == listed.nr) {
				bad++;
				printf("FAILED  %s: not in SHA256SUMS\n",
				       present.v[i].name);
			}
		}
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	if (journal_verify(path.buf, &torn, &err) < 0) {
		rdrill_print_error(&err);
		bad++;
	} else {
		printf("OK      journal.jsonl: hash chain intact%s\n", torn ?
		       " (last line cut short by a kill)" : "");
	}
	if (!bad)
		printf("OK      %zu files match SHA256SUMS\n", listed.nr);
	printf("%s: %s\n", bad ? "NOT VERIFIED" : "VERIFIED", dir);
	checksum_set_release(&listed);
	checksum_set_release(&present);
	strbuf_release(&path);
	error_release(&err);
	return bad ? RDRILL_EXIT_FAILED : RDRILL_EXIT_OK;
}
