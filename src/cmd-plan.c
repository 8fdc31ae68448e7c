#include "drill.h"
#include "bundle.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "plan.h"
#include "rdrill.h"
#include "utf8.h"
#include "report.h"
#include "seal.h"
#include "sign.h"
#include "strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * rdrill plan: the dry-run. Loads and expands the drill exactly as `run`
 * would, prints every step, and writes a bundle with plan.json, a
 * journal of its start record and a report marked PLANNED, sealed like a
 * run's (seal.h; signed when RDRILL_SIGN_KEY names a key). Nothing in the
 * drill is executed.
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

/* How long the drill took last time, from a bundle beside this one. */
static void print_last_run(const struct drill_args *a, const char *id,
			   const char *env)
{
	struct strbuf dir = STRBUF_INIT, line = STRBUF_INIT, t = STRBUF_INIT;
	const char *slash;

	if (a->outdir) {
		strbuf_adds(&dir, a->outdir);
		while (dir.len > 1 && dir.buf[dir.len - 1] == '/')
			strbuf_setlen(&dir, dir.len - 1);
		slash = strrchr(dir.buf, '/');
		if (!slash)
			strbuf_reset(&dir);
		strbuf_setlen(&dir, slash ? (size_t)(slash - dir.buf) : 0);
		if (!dir.len)
			strbuf_adds(&dir, slash ? "/" : ".");
	} else {
		strbuf_adds(&dir, "reports");
	}
	if (plan_last_run(dir.buf, id, env, &line) == 0)
		printf("%s\n", utf8_term(&t, line.buf));
	else
		printf("last run: none found in %s\n", utf8_term(&t, dir.buf));
	strbuf_release(&dir);
	strbuf_release(&line);
	strbuf_release(&t);
}

int rdrill_plan(struct drill_args *a, const char *cmd)
{
	struct error err = ERROR_INIT;
	struct planned p;
	struct strbuf path = STRBUF_INIT;
	json_t *records = NULL, *start;
	char *text = NULL;
	struct journal *j = NULL;
	struct sign_key *key = NULL;
	const char *key_path = getenv("RDRILL_SIGN_KEY");
	int rc = rdrill_load_plan(cmd, a, &p);

	if (rc)
		goto out;
	plan_print(p.drill, p.plan, stdout);
	print_last_run(a, p.drill->id, p.drill->environment);
	fflush(stdout);
	rc = rdrill_make_bundle(a, &p, "-plan");
	if (rc)
		goto out;
	rc = RDRILL_EXIT_FAILED;
	text = json_dumps(p.plan, JSON_INDENT(2) | JSON_SORT_KEYS);
	strbuf_addf(&path, "%s/plan.json", p.bundle.buf);
	if (fs_write_atomic(path.buf, text, strlen(text), &err) < 0)
		goto fail;
	/* The report reads a journal; a dry-run's is its start record. */
	records = json_array();
	start = json_object();
	json_object_set_new(start, "type", json_string("start"));
	json_object_set_new(start, "mode", json_string("plan"));
	json_object_set(start, "time", json_object_get(p.plan, "created"));
	json_array_append_new(records, start);
	if (key_path && *key_path && !(key = sign_key_load(key_path, &err)))
		goto fail;
	/* As a run's: the bundle's name and the seal's key, for the report. */
	{
		const char *slash = strrchr(p.bundle.buf, '/');

		json_object_set_new(start, "context", json_pack("{s:s, s:s?}",
			"bundle", slash && slash[1] ? slash + 1 : p.bundle.buf,
			"signing_key", key ? sign_key_fingerprint(key) : NULL));
	}
	/* Plans are evidence too: journaled, sealed, signed if a key is set. */
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", p.bundle.buf);
	j = journal_create(path.buf, &err);
	/* Journaled with the plan inline or by hash; the report reads it whole. */
	journal_set_plan(start, p.plan, text);
	if (!j || journal_append(j, start, &err) < 0)
		goto fail;
	if (!json_object_get(start, "plan"))
		json_object_set(start, "plan", p.plan);
	if (bundle_close(p.bundle.buf, records, a->lang, SEAL_COMPLETE, "plan",
			 key, &err) < 0)
		goto fail;
	utf8_term(&path, p.bundle.buf);
	printf("\nPLANNED: %s/report.md\n         %s/report.html\n",
	       path.buf, path.buf);
	rc = RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	free(text);
	journal_free(j);
	sign_key_free(key);
	json_decref(records);
	rdrill_planned_release(&p);
	strbuf_release(&path);
	error_release(&err);
	return rc;
}
