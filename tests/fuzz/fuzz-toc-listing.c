/*
 * The `pg_restore -l` listing parser (toc.c). The input is given as it
 * comes, not NUL-terminated: the parser must stay inside `len`.
 */
#include "fuzz.h"

#include "error.h"
#include "toc.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toc toc = TOC_INIT;
	struct error err = ERROR_INIT;
	struct toc_type_count *c = NULL;

	toc_parse_listing((const char *)data, size, &toc, &err);
	toc_count_by_type(&toc, TOC_COUNT_LISTED, &c);
	free(c);
	toc_same_major(toc.server_version ? toc.server_version : "",
		       toc.dump_version ? toc.dump_version : "");
	toc_release(&toc);
	error_release(&err);
	return 0;
}
