/* The drill loader: YAML -> plan body -> struct drill, and back from the body. */
#include "fuzz.h"

#include "drill.h"
#include "error.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct drill_opts opts = { NULL, 1764633600 };
	struct drill *d;
	char path[4200];

	fuzz_clean();
	if (fuzz_write("drill.yaml", data, size) < 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/drill.yaml", fuzz_dir()) >=
	    sizeof(path))
		return 0;
	d = drill_load(path, &opts, &err);
	if (d) {
		/* The body as a journal hands it back must bind again. */
		struct drill *again = drill_from_body(d->body, &err);

		if (!again)
			__builtin_trap();
		drill_free(again);
		drill_free(d);
	}
	error_release(&err);
	return 0;
}
