#include "bundle.h"
#include "drill.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "plan.h"
#include "rdrill.h"
#include "report.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * rdrill plan: the dry-run. Loads and expands the drill exactly as `run`
 * would, prints every step, and writes a bundle with plan.json and a
 * report marked PLANNED. Nothing in the drill is executed.
 */
int cmd_plan(int argc, char **argv)
{
	struct drill_args a;
	int rc = rdrill_parse_drill_args(argv[0], argc, argv, &a, 0);

	if (rc) {
		rdrill_drill_args_release(&a);
		return rc;
	}
	rc = rdrill_plan(&a, argv[0]);
	rdrill_drill_args_release(&a);
	return rc;
}

int rdrill_plan(struct drill_args *a, const char *cmd)
{
	struct error err = ERROR_INIT;
	struct drill_opts opts;
	struct plan_info info;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, base = STRBUF_INIT;
	json_t *body, *plan = NULL, *records = NULL, *start;
	char sha[65], day[16];
	char *text = NULL;
	struct tm tm;
	int rc = RDRILL_EXIT_USAGE;

	opts.overrides = a->vars;
	opts.now = plan_now();
	if (opts.now == (time_t)-1)
		return rdrill_usage_error(cmd, "SOURCE_DATE_EPOCH is not a "
					  "number of seconds");
	body = drill_load(a->file, &opts, sha, &err);
	if (!body)
		goto fail;
	info.drill_path = a->file;
	info.drill_sha256 = sha;
	info.now = opts.now;
	plan = plan_new(body, &info);
	plan_print(plan, stdout);
	fflush(stdout);

	rc = RDRILL_EXIT_FAILED;
	localtime_r(&opts.now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strbuf_addf(&base, "%s-%s-plan", day,
		    json_string_value(json_object_get(body, "id")));
	if (bundle_create(a->outdir, "reports", base.buf, &dir, &err) < 0)
		goto fail;
	text = json_dumps(plan, JSON_INDENT(2) | JSON_SORT_KEYS);
	strbuf_addf(&path, "%s/plan.json", dir.buf);
	if (fs_write_atomic(path.buf, text, strlen(text), &err) < 0)
		goto fail;

	/* The report reads a journal; a dry-run's is its start record. */
	records = json_array();
	start = json_object();
	json_object_set_new(start, "type", json_string("start"));
	json_object_set_new(start, "mode", json_string("plan"));
	json_object_set(start, "time", json_object_get(plan, "created"));
	json_object_set(start, "plan", plan);
	json_array_append_new(records, start);
	if (report_write(dir.buf, records, a->lang, &err) < 0)
		goto fail;
	printf("\nPLANNED: %s/report.md\n         %s/report.html\n", dir.buf,
	       dir.buf);
	rc = RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	free(text);
	json_decref(plan);
	json_decref(records);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&base);
	error_release(&err);
	return rc;
}
