/* The pg_dump custom-format archive reader (toc.c), over bytes in memory. */
#include "fuzz.h"

#include "error.h"
#include "toc.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toc toc = TOC_INIT;
	struct error err = ERROR_INIT;
	struct toc_type_count *c = NULL;

	toc_read_archive_mem(data, size, &toc, &err);
	toc_count_by_type(&toc, 0, &c);
	free(c);
	toc_count_by_type(&toc, TOC_COUNT_LISTED, &c);
	free(c);
	if (toc.server_version)
		toc_same_major(toc.server_version, toc.dump_version ?
			       toc.dump_version : "");
	toc_release(&toc);
	error_release(&err);
	return 0;
}
