#include "drill.h"
#include "error.h"
#include "plan.h"
#include "rdrill.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

/* rdrill validate FILE...: every file is loaded exactly as `run` would. */
int cmd_validate(int argc, char **argv)
{
	struct drill_opts opts = { NULL, 0 };
	int i, bad = 0, nfiles = 0;

	opts.now = plan_now();
	if (opts.now == (time_t)-1)
		return rdrill_usage_error(argv[0], "SOURCE_DATE_EPOCH is not a "
					  "number of seconds");
	for (i = 1; i < argc; i++) {
		struct error err = ERROR_INIT;
		struct drill *d;

		if (!strcmp(argv[i], "--") && !nfiles)
			continue;
		if (argv[i][0] == '-' && argv[i][1])
			return rdrill_usage_error(argv[0], "unknown option %s",
						  argv[i]);
		nfiles++;
		d = drill_load(argv[i], &opts, &err);
		if (!d) {
			rdrill_print_error(&err);
			bad++;
		} else {
			struct strbuf t = STRBUF_INIT;

			printf("%s: ok (%zu steps)\n", utf8_term(&t, argv[i]),
			       d->nsteps);
			strbuf_release(&t);
			drill_free(d);
		}
		error_release(&err);
	}
	if (!nfiles)
		return rdrill_usage_error(argv[0], "no drill file given");
	return bad ? RDRILL_EXIT_USAGE : RDRILL_EXIT_OK;
}
