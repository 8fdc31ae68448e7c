#include "bundle.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "lock.h"
#include "plan.h"
#include "progress.h"
#include "rdrill.h"
#include "report.h"
#include "restored.h"
#include "runner.h"
#include "safefs.h"
#include "seal.h"
#include "secret.h"
#include "sign.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t cancel, cancel_hard;

/* First signal: stop the drill, run cleanup. Second: stop cleanup too. */
static void on_signal(int sig)
{
	(void)sig;
	if (cancel)
		cancel_hard = 1;
	cancel = 1;
}

static int count_destructive(const struct drill *d)
{
	size_t i;
	int n = 0;

	for (i = 0; i < d->nsteps; i++)
		n += d->steps[i].destructive;
	return n;
}

/*
 * --approved-plan names a plan bundle (`rdrill plan -o DIR`) instead of
 * a hash: it must verify (seal.h), signed by `key` when one is given,
 * and be a plan; its plan hash is then the approved one. What approved
 * it goes to the journal's start record (`approval`).
 */
static int approved_from_bundle(const char *dir, const char *key,
				struct strbuf *hash, json_t **approval,
				struct error *err)
{
	struct seal_check c;
	struct strbuf path = STRBUF_INIT, msg = STRBUF_INIT;
	json_t *records = NULL, *start, *plan;
	const char *h;
	int torn = 0, ret = -1;
	size_t i;

	seal_check_init(&c);
	if (seal_check(dir, key, NULL, &c, err) < 0)
		goto out;
	if (c.problems.nr) {
		strbuf_adds(&msg, "the approved plan bundle does not verify:");
		for (i = 0; i < c.problems.nr; i++) {
			strbuf_adds(&msg, "\n  ");
			utf8_add_terminal(&msg, c.problems.v[i]);
		}
		error_set(err, "%s: %s", dir, msg.buf);
		goto out;
	}
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	records = journal_read_verified(path.buf, &torn, err);
	if (!records)
		goto out;
	start = json_array_get(records, 0);
	plan = json_object_get(start, "plan");
	h = journal_str(plan, "plan_hash");
	if (strcmp(journal_str(start, "mode"), "plan") ||
	    json_array_size(records) != 1 || strlen(h) != 64) {
		error_set(err, "%s is a bundle, but not a plan's (rdrill plan "
			  "DRILL -o DIR makes one)", dir);
		goto out;
	}
	strbuf_adds(hash, h);
	*approval = json_pack("{s:s, s:s, s:s?, s:b}", "plan_bundle", dir,
			      "plan_hash", h, "signed_by", *c.key ? c.key : NULL,
			      "key_given", key != NULL);
	ret = 0;
out:
	seal_check_release(&c);
	json_decref(records);
	strbuf_release(&path);
	strbuf_release(&msg);
	return ret;
}

/*
 * Without --confirm, a person at a terminal may type the environment's
 * name instead: the same deliberate act, never a y/N reflex.
 */
int rdrill_ask_confirm(const char *env, int n, char *buf, size_t len)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return 0;
	fprintf(stderr, "\nThis drill has %d destructive steps in environment "
		"'%s'.\nType the environment name to run them: ", n, env);
	fflush(stderr);
	if (!fgets(buf, (int)len, stdin))
		return 0;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 1;
}

/* "RTO 12.3 s, target 10m: PASSED", from the report's own view. */
static void summary_measure(struct strbuf *out, json_t *view, const char *m,
			    const char *label)
{
	json_t *o = json_object_get(view, m);
	struct strbuf t = STRBUF_INIT;

	strbuf_addf(out, "  %-9s", label);
	if (*journal_str(o, "measured"))
		strbuf_adds(out, utf8_term(&t, journal_str(o, "measured")));
	else
		strbuf_adds(out, "not measured");
	if (*journal_str(o, "target"))
		strbuf_addf(out, ", target %s", utf8_term(&t,
			    journal_str(o, "target")));
	else
		strbuf_adds(out, ", no target");
	if (*journal_str(o, "result"))
		strbuf_addf(out, ": %s", journal_str(o, "result"));
	strbuf_addch(out, '\n');
	strbuf_release(&t);
}

/*
 * The block that ends NOT RESTORED output: the system is down, the one
 * command that finishes the job, and the steps left, pasteable.
 */
static void summary_not_restored(struct strbuf *out, json_t *records,
				 const struct drill *d, const char *bundle)
{
	json_t *pending = restored_pending(records, d), *p, *r;
	struct strbuf t = STRBUF_INIT;
	size_t i;

	strbuf_adds(out, "\n== NOT RESTORED: the system was left destroyed ==\n");
	json_array_foreach(records, i, r)
		if (!strcmp(journal_str(r, "type"), "destroy")) {
			strbuf_addf(out, "Step %lld (", (long long)
				    json_integer_value(json_object_get(r, "n")));
			utf8_add_terminal(out, journal_str(r, "id"));
			strbuf_addf(out, ") began destroying it at %s; ",
				    utf8_term(&t, journal_str(r, "time")));
			break;
		}
	strbuf_adds(out, "its restore was not verified.\nFinish the job "
		    "(this run's plan, variables and dates; checked against "
		    "its evidence from before destroy):\n  rdrill restore "
		    "--confirm ");
	strbuf_add_shquoted(out, d->environment);
	strbuf_addch(out, ' ');
	strbuf_add_shquoted(out, bundle);
	strbuf_adds(out, "\nOr by hand, the restore and verify steps that did "
		    "not pass (secrets as the variables that hold them):\n");
	json_array_foreach(pending, i, p) {
		strbuf_addf(out, "  %lld. ", (long long)json_integer_value(
			    json_object_get(p, "n")));
		utf8_add_terminal(out, journal_str(p, "id"));
		strbuf_addf(out, " (%s, %s)\n    ", journal_str(p, "phase"),
			    journal_str(p, "status"));
		if (*journal_str(p, "command")) {
			strbuf_adds(out, "$ ");
			utf8_add_terminal(out, journal_str(p, "command"));
		} else {
			strbuf_adds(out, "> ");
			utf8_add_terminal(out, journal_str(p, "describe"));
			strbuf_adds(out, "  (an rdrill check: rdrill restore runs it)");
		}
		strbuf_addch(out, '\n');
	}
	json_decref(pending);
	strbuf_release(&t);
}

void rdrill_run_summary(const char *bundle, const char *word,
			const char *reason)
{
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT, t = STRBUF_INIT;
	struct error err = ERROR_INIT;
	json_t *records, *view = NULL;
	struct drill *d = NULL;

	strbuf_addf(&path, "%s/journal.jsonl", bundle);
	records = journal_read(path.buf, NULL, &err);
	if (records) {
		view = report_view(records, "en", &err);
		d = drill_from_body(json_object_get(json_object_get(
			json_array_get(records, 0), "plan"), "plan"), &err);
	}
	strbuf_addf(&out, "\n== rdrill: %s ==\n", word);
	if (reason && *reason) {
		strbuf_adds(&out, "  reason:  ");
		utf8_add_terminal(&out, reason);
		strbuf_addch(&out, '\n');
	}
	if (view) {
		summary_measure(&out, view, "rto", "RTO:");
		summary_measure(&out, view, "rpo", "RPO:");
	}
	utf8_term(&t, bundle);
	strbuf_addf(&out, "  report:  %s/report.md\n           %s/report.html\n",
		    t.buf, t.buf);
	strbuf_adds(&out, "  verify:  rdrill verify ");
	strbuf_add_shquoted(&out, t.buf);
	strbuf_adds(&out, "\n  next:    sign it off: rdrill sign ");
	strbuf_add_shquoted(&out, t.buf);
	strbuf_adds(&out, " --role operator --name NAME --key KEY.pem\n"
		    "           index it: rdrill history ");
	{
		const char *slash = strrchr(t.buf, '/');
		struct strbuf par = STRBUF_INIT;

		strbuf_add(&par, t.buf, slash ? (size_t)(slash - t.buf) : 0);
		strbuf_add_shquoted(&out, par.len ? par.buf : slash ? "/" : ".");
		strbuf_release(&par);
	}
	strbuf_addch(&out, '\n');
	if (records && d && !strcmp(word, RESTORED_WORD))
		summary_not_restored(&out, records, d, t.buf);
	fputs(out.buf, stderr);
	json_decref(records);
	json_decref(view);
	drill_free(d);
	error_release(&err);
	strbuf_release(&out);
	strbuf_release(&path);
	strbuf_release(&t);
}

int cmd_run(int argc, char **argv)
{
	struct drill_args a;
	struct error err = ERROR_INIT;
	struct planned p = { NULL, NULL, STRBUF_INIT };
	struct runner_opts ro;
	struct strbuf reason = STRBUF_INIT;
	struct sigaction sa;
	enum runner_status status;
	char typed[256];
	struct run_lock lock = RUN_LOCK_INIT;
	int rc, held = 0, nd;
	const char *key_path = getenv("RDRILL_SIGN_KEY");
	const char *approved_key = NULL;
	struct sign_key *key = NULL;
	struct strbuf approved_hash = STRBUF_INIT;
	json_t *approval = NULL;
	struct stat st;
	struct strvec args = STRVEC_INIT;
	int i;

	/* --sign-key is run's alone; the shared parser sees the rest. */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--sign-key") && i + 1 < argc)
			key_path = argv[++i];
		else if (!strcmp(argv[i], "--approved-key") && i + 1 < argc)
			approved_key = argv[++i];
		else
			strvec_push(&args, argv[i]);
	}
	rc = rdrill_parse_drill_args(argv[0], (int)args.nr, (char **)args.v, &a,
				     DRILL_ARGS_RUN);
	if (rc)
		goto out;
	/* Root runs no drill another user can edit (safefs.h). */
	if (!a.dry_run && safefs_root_trusted(a.file, "drill file", &err) < 0) {
		rc = RDRILL_EXIT_REFUSED;
		goto fail;
	}
	secret_protect_process();
	if (key_path && *key_path && !a.dry_run) {
		key = sign_key_load(key_path, &err);
		if (!key) {
			rc = RDRILL_EXIT_REFUSED;
			goto fail;
		}
	}
	if (approved_key && !a.approved) {
		rc = rdrill_usage_error(argv[0], "--approved-key checks the "
					"signature of --approved-plan DIR");
		goto out;
	}
	if (a.approved && stat(a.approved, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (approved_from_bundle(a.approved, approved_key,
					 &approved_hash, &approval, &err) < 0) {
			rc = RDRILL_EXIT_REFUSED;
			goto fail;
		}
		a.approved = approved_hash.buf;
	} else if (approved_key) {
		rc = rdrill_usage_error(argv[0], "--approved-key needs "
					"--approved-plan to name a plan bundle");
		goto out;
	}
	if (a.dry_run) {
		rc = rdrill_plan(&a, argv[0]);
		goto out;
	}
	rc = rdrill_load_plan(argv[0], &a, &p);
	if (rc)
		goto out;
	/*
	 * One run per drill and environment on this host, whatever file it
	 * came from (lock.h). A lock that cannot be taken at all (no state
	 * directory) refuses too: the guarantee would silently be gone.
	 */
	rc = RDRILL_EXIT_REFUSED;
	if (run_lock_take(&lock, p.drill->id, p.drill->environment, &held,
			  &err) < 0)
		goto fail;
	nd = count_destructive(p.drill);
	if (nd && !a.confirm &&
	    rdrill_ask_confirm(p.drill->environment, nd, typed, sizeof(typed)))
		a.confirm = typed;

	rc = rdrill_make_bundle(&a, &p, "");
	if (rc)
		goto out;
	rc = RDRILL_EXIT_FAILED;
	if (run_lock_set_bundle(&lock, p.bundle.buf, &err) < 0)
		goto fail;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit makes write() fail (EFBIG), which the run can
	 * report and clean up after; by default it would kill rdrill. */
	signal(SIGXFSZ, SIG_IGN);

	memset(&ro, 0, sizeof(ro));
	ro.drill = p.drill;
	ro.plan = p.plan;
	ro.bundle = p.bundle.buf;
	ro.confirm = a.confirm;
	ro.approved = a.approved;
	ro.change_ref = a.change_ref;
	ro.approval = approval;
	ro.lang = a.lang;
	ro.vars_given = a.vars;
	ro.cancel = &cancel;
	ro.cancel_hard = &cancel_hard;
	ro.progress = stderr;
	ro.tty = isatty(STDERR_FILENO);
	ro.sign_key = key;
	{
		struct strbuf t1 = STRBUF_INIT, t2 = STRBUF_INIT;

		fprintf(stderr, "rdrill: %s, plan %s\nrdrill: bundle %s\n",
			utf8_term(&t1, a.file),
			json_string_value(json_object_get(p.plan, "plan_hash")),
			utf8_term(&t2, p.bundle.buf));
		strbuf_release(&t1);
		strbuf_release(&t2);
	}
	if (runner_run(&ro, &status, &reason, &err) < 0)
		goto fail;
	rc = rdrill_run_finish(p.bundle.buf, status, reason.buf);
	goto out;
fail:
	rdrill_print_error(&err);
out:
	secret_clear();
	run_lock_release(&lock);
	rdrill_planned_release(&p);
	strbuf_release(&reason);
	error_release(&err);
	rdrill_drill_args_release(&a);
	sign_key_free(key);
	strvec_clear(&args);
	strbuf_release(&approved_hash);
	json_decref(approval);
	return rc;
}

int rdrill_run_finish(const char *bundle, enum runner_status status,
		      const char *reason)
{
	struct strbuf t = STRBUF_INIT;

	if (*reason) {
		/* It quotes the failed step's message: server or command text. */
		struct strbuf safe = STRBUF_INIT;
		utf8_add_terminal(&safe, reason);
		fprintf(stderr, "rdrill: %s\n", safe.buf);
		strbuf_release(&safe);
	}
	printf("%s: %s/report.html\n", runner_status_word(status),
	       utf8_term(&t, bundle));
	fflush(stdout);
	rdrill_run_summary(bundle, runner_status_word(status), reason);
	strbuf_release(&t);
	return status == RUNNER_PASSED ? RDRILL_EXIT_OK :
	     status == RUNNER_REFUSED ? RDRILL_EXIT_REFUSED : RDRILL_EXIT_FAILED;
}
