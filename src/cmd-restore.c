#include "bundle.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "lock.h"
#include "rdrill.h"
#include "restored.h"
#include "runner.h"
#include "safefs.h"
#include "seal.h"
#include "secret.h"
#include "sign.h"
#include "strbuf.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct restore_args {
	const char *dir, *confirm, *outdir, *lang, *key_path;
};

static int parse(int argc, char **argv, struct restore_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--confirm") && i + 1 < argc) {
			a->confirm = argv[++i];
		} else if ((!strcmp(o, "-o") || !strcmp(o, "--output")) &&
			   i + 1 < argc) {
			a->outdir = argv[++i];
		} else if (!strcmp(o, "--lang") && i + 1 < argc) {
			a->lang = argv[++i];
			if (strcmp(a->lang, "zh-CN") && strcmp(a->lang, "en"))
				return rdrill_usage_error(argv[0], "--lang is "
							  "zh-CN or en");
		} else if (!strcmp(o, "--sign-key") && i + 1 < argc) {
			a->key_path = argv[++i];
		} else if (o[0] == '-') {
			return rdrill_usage_error(argv[0], "unknown option %s", o);
		} else if (a->dir) {
			return rdrill_usage_error(argv[0], "one bundle at a time");
		} else {
			a->dir = o;
		}
	}
	if (!a->dir)
		return rdrill_usage_error(argv[0], "no bundle directory given");
	return 0;
}

/*
 * The interrupted bundle, as evidence: it must verify (a killed run's
 * after `rdrill render`), and say NOT RESTORED. Its verified journal in
 * *records, its chain head in `head`. 0, or an exit code after saying why.
 */
static int load_interrupted(const char *dir, json_t **records,
			    struct strbuf *head, struct error *err)
{
	struct seal_check c;
	struct journal_stat js;
	struct strbuf path = STRBUF_INIT, t = STRBUF_INIT;
	int torn = 0, rc = RDRILL_EXIT_REFUSED;
	const char *verdict;

	seal_check_init(&c);
	/* Its plan runs as root: the journal holding it must be root's. */
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	if (safefs_root_trusted(path.buf, "interrupted run's journal",
				err) < 0)
		goto out;
	strbuf_reset(&path);
	if (seal_check(dir, NULL, NULL, &c, err) < 0)
		goto out;
	if (!c.sealed && c.problems.nr == 1 && !c.has_end) {
		error_set(err, "%s was cut short and is not sealed yet: run "
			  "rdrill render %s first (it seals what the killed run "
			  "left), then restore it", dir, dir);
		goto out;
	}
	if (c.problems.nr) {
		error_set(err, "%s does not verify (rdrill verify %s): its "
			  "evidence cannot be compared against: %s", dir, dir,
			  c.problems.v[0]);
		goto out;
	}
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	*records = journal_read_verified(path.buf, &torn, err);
	if (!*records || journal_stat(path.buf, &js, err) < 0)
		goto out;
	verdict = restored_verdict(*records, NULL);
	if (strcmp(verdict, RESTORED_WORD)) {
		error_set(err, "%s is %s, not %s: there is nothing to restore",
			  dir, verdict, RESTORED_WORD);
		goto out;
	}
	strbuf_adds(head, js.head);
	rc = 0;
out:
	seal_check_release(&c);
	strbuf_release(&path);
	strbuf_release(&t);
	return rc;
}

/* The interrupted bundle's parent: where the restore's bundle goes by default. */
static void parent_dir(const char *dir, struct strbuf *out)
{
	const char *slash;

	strbuf_adds(out, dir);
	while (out->len > 1 && out->buf[out->len - 1] == '/')
		strbuf_setlen(out, out->len - 1);
	slash = strrchr(out->buf, '/');
	if (!slash)
		strbuf_reset(out);
	else
		strbuf_setlen(out, slash == out->buf ? 1 : (size_t)(slash - out->buf));
	if (!out->len)
		strbuf_adds(out, ".");
}

/*
 * rdrill restore BUNDLE: finish what a NOT RESTORED run left undone.
 * Its plan (hash, variables, dates) runs again from the restore phase
 * on, into a new bundle whose start record names the interrupted one
 * and its chain head; the checks compare against that run's state
 * before destroy (runner.h: resume).
 */
int cmd_restore(int argc, char **argv)
{
	struct restore_args a;
	struct error err = ERROR_INIT;
	struct strbuf head = STRBUF_INIT, parent = STRBUF_INIT,
		      base = STRBUF_INIT, bundle = STRBUF_INIT,
		      reason = STRBUF_INIT;
	struct run_lock lock = RUN_LOCK_INIT;
	struct runner_opts ro;
	struct sign_key *key = NULL;
	struct drill *d = NULL;
	enum runner_status status;
	json_t *records = NULL, *start, *ctx;
	struct jrecord_start js;
	char typed[256];
	int rc, held = 0;

	rc = parse(argc, argv, &a);
	if (rc)
		return rc;
	memset(&js, 0, sizeof(js));
	rc = load_interrupted(a.dir, &records, &head, &err);
	if (rc)
		goto fail;
	start = json_array_get(records, 0);
	jrecord_start_read(start, &js);
	rc = RDRILL_EXIT_FAILED;
	d = drill_from_body(js.body, &err);
	if (!d)
		goto fail;
	rc = RDRILL_EXIT_REFUSED;
	secret_protect_process();
	if (rdrill_sign_key(a.key_path, &key, &err) < 0)
		goto fail;
	if (run_lock_take(&lock, d->id, d->environment, &held, &err) < 0)
		goto fail;
	if (!a.confirm && rdrill_ask_confirm(d->environment, 1, typed,
					     sizeof(typed)))
		a.confirm = typed;
	/* Refused before a bundle is made: nothing touched, nothing left. */
	if (!a.confirm || strcmp(a.confirm, d->environment)) {
		error_set(&err, "restoring runs the steps of environment '%s': "
			  "run it with --confirm %s", d->environment,
			  d->environment);
		goto fail;
	}
	parent_dir(a.dir, &parent);
	strbuf_addf(&base, "%.10s-%s-restore", js.time, d->id);
	if (bundle_create(a.outdir, parent.buf, base.buf, d->evidence_group,
			  &bundle, &err) < 0)
		goto fail;
	rc = RDRILL_EXIT_FAILED;
	if (run_lock_set_bundle(&lock, bundle.buf, &err) < 0)
		goto fail;
	rdrill_runner_opts(&ro, bundle.buf, a.lang, key);
	ro.drill = d;
	ro.confirm = a.confirm;
	/* The same plan hash: the interrupted run's approval still holds. */
	ro.approved = *js.approved_plan ? js.approved_plan : NULL;
	ro.change_ref = *js.change_ref ? js.change_ref : NULL;
	/*
	 * What the new start record carries as the interrupted one held it
	 * (the plan, the approval, the variables): JSON from journal to
	 * journal, copied, never read here.
	 */
	ro.plan = json_object_get(start, "plan");
	ctx = json_object_get(start, "context");
	ro.approval = json_object_get(ctx, "approval");
	ro.vars_given = json_object_get(ctx, "vars_given");
	ro.resume = records;
	ro.resume_bundle = a.dir;
	ro.resume_head = head.buf;
	{
		struct strbuf t1 = STRBUF_INIT, t2 = STRBUF_INIT;

		fprintf(stderr, "rdrill: restoring what %s left destroyed "
			"(chain head %s)\nrdrill: bundle %s\n",
			utf8_term(&t1, a.dir), head.buf, utf8_term(&t2, bundle.buf));
		strbuf_release(&t1);
		strbuf_release(&t2);
	}
	if (runner_run(&ro, &status, &reason, &err) < 0)
		goto fail;
	rc = rdrill_run_finish(bundle.buf, status, reason.buf);
	goto out;
fail:
	rdrill_print_error(&err);
out:
	secret_clear();
	run_lock_release(&lock);
	drill_free(d);
	jrecord_start_release(&js);
	json_decref(records);
	sign_key_free(key);
	strbuf_release(&head);
	strbuf_release(&parent);
	strbuf_release(&base);
	strbuf_release(&bundle);
	strbuf_release(&reason);
	error_release(&err);
	return rc;
}
