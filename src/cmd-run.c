#include "bundle.h"
#include "drill.h"
#include "error.h"
#include "plan.h"
#include "progress.h"
#include "rdrill.h"
#include "runner.h"
#include "strbuf.h"
#include "utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

static int count_destructive(json_t *plan)
{
	json_t *s;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(json_object_get(plan, "plan"), "steps"),
			   i, s)
		n += json_is_true(json_object_get(s, "destructive"));
	return n;
}

/*
 * Without --confirm, a person at a terminal may type the environment's
 * name instead: the same deliberate act, never a y/N reflex.
 */
static int ask_confirm(const char *env, int n, char *buf, size_t len)
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

int cmd_run(int argc, char **argv)
{
	struct drill_args a;
	struct error err = ERROR_INIT;
	struct drill_opts opts;
	struct plan_info info;
	struct runner_opts ro;
	struct strbuf dir = STRBUF_INIT, base = STRBUF_INIT, reason = STRBUF_INIT;
	struct sigaction sa;
	enum runner_status status;
	json_t *body, *plan = NULL;
	char sha[65], day[16], typed[256];
	struct tm tm;
	int rc, lockfd = -1, nd;

	rc = rdrill_parse_drill_args(argv[0], argc, argv, &a, DRILL_ARGS_RUN);
	if (rc)
		goto out;
	if (a.dry_run) {
		rc = rdrill_plan(&a, argv[0]);
		goto out;
	}
	rc = RDRILL_EXIT_USAGE;
	opts.overrides = a.vars;
	opts.now = plan_now();
	if (opts.now == (time_t)-1) {
		rc = rdrill_usage_error(argv[0], "SOURCE_DATE_EPOCH is not a "
					"number of seconds");
		goto out;
	}
	body = drill_load(a.file, &opts, sha, &err);
	if (!body)
		goto fail;
	info.drill_path = a.file;
	info.drill_sha256 = sha;
	info.now = opts.now;
	plan = plan_new(body, &info);

	/* One run of a drill at a time: the lock is on the drill file. */
	rc = RDRILL_EXIT_REFUSED;
	lockfd = open(a.file, O_RDONLY | O_CLOEXEC);
	if (lockfd < 0 || flock(lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			error_set(&err, "another rdrill run of %s is in progress; "
				  "refusing to start a second one", a.file);
		else
			error_errno(&err, "cannot lock %s", a.file);
		goto fail;
	}
	nd = count_destructive(plan);
	if (nd && !a.confirm &&
	    ask_confirm(json_string_value(json_object_get(body, "environment")),
			nd, typed, sizeof(typed)))
		a.confirm = typed;

	rc = RDRILL_EXIT_FAILED;
	localtime_r(&opts.now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strbuf_addf(&base, "%s-%s", day,
		    json_string_value(json_object_get(body, "id")));
	if (bundle_create(a.outdir, "reports", base.buf, &dir, &err) < 0)
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
	ro.plan = plan;
	ro.bundle = dir.buf;
	ro.confirm = a.confirm;
	ro.approved = a.approved;
	ro.lang = a.lang;
	ro.vars_given = a.vars;
	ro.cancel = &cancel;
	ro.cancel_hard = &cancel_hard;
	ro.progress = stderr;
	ro.tty = isatty(STDERR_FILENO);
	fprintf(stderr, "rdrill: %s, plan %s\nrdrill: bundle %s\n", a.file,
		json_string_value(json_object_get(plan, "plan_hash")), dir.buf);
	if (runner_run(&ro, &status, &reason, &err) < 0)
		goto fail;
	if (reason.len) {
		/* It quotes the failed step's message: server or command text. */
		struct strbuf safe = STRBUF_INIT;
		utf8_add_terminal(&safe, reason.buf);
		fprintf(stderr, "rdrill: %s\n", safe.buf);
		strbuf_release(&safe);
	}
	printf("%s: %s/report.html\n", runner_status_word(status), dir.buf);
	rc = status == RUNNER_PASSED ? RDRILL_EXIT_OK :
	     status == RUNNER_REFUSED ? RDRILL_EXIT_REFUSED : RDRILL_EXIT_FAILED;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	if (lockfd >= 0)
		close(lockfd);
	json_decref(plan);
	strbuf_release(&dir);
	strbuf_release(&base);
	strbuf_release(&reason);
	error_release(&err);
	rdrill_drill_args_release(&a);
	return rc;
}
