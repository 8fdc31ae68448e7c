#ifndef RDRILL_RDRILL_H
#define RDRILL_RDRILL_H

/*
 * The command layer: one table of subcommands (rdrill.c), one file each
 * (cmd-*.c). Only this layer prints errors and picks the exit code.
 */

#include "version.h"

enum rdrill_exit {
	RDRILL_EXIT_OK = 0,      /* drill passed / files valid */
	RDRILL_EXIT_FAILED = 1,  /* drill failed, evidence did not verify */
	RDRILL_EXIT_USAGE = 2,   /* bad command line or drill file */
	RDRILL_EXIT_REFUSED = 3, /* a safety gate said no; nothing touched */
	/* history only: a drill is OVERDUE. Not 1, which is history's own
	 * failure (a directory it cannot read or write): cron must tell
	 * "the drills are late" from "the check itself broke". */
	RDRILL_EXIT_OVERDUE = 4,
};

struct rdrill_opt {
	const char *flag;	/* "-o, --output" */
	const char *arg;	/* "DIR", or NULL for a switch */
	const char *help;	/* one line or more ('\n') */
};

/* One row feeds --help and the man page (rdrill help --man). */
struct rdrill_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
	const struct rdrill_opt *opts;	/* ends with a NULL flag */
	const char *man;	/* the man page's paragraph */
	const char *note;	/* after the options: its own exit codes, what it needs; or NULL */
};

int cmd_init(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_ship(int argc, char **argv);

/*
 * --push URL (cmd-push.c): a run's metrics, or a history's, pushed to a
 * Prometheus Pushgateway; a failure is a warning only. `id`/`env` NULL:
 * every drill of the history, one group per runner (fleet.h; the host
 * label is the runner directory, else this host). Returns how many
 * pushes failed.
 */
#include <jansson.h>
void rdrill_push_run(const char *url, const char *bundle, const char *id,
		     const char *env);
struct strvec;
struct history;
int rdrill_push_history(const struct history *h, const struct strvec *dirs,
			const char *url, const char *id, const char *env);

/*
 * history --expect FILE / --lang (cmd-fleet.c): fleet.md/.html/.json in
 * `outdir`, a line per row on stdout. How many rows are MISSING or
 * OVERDUE, or -1 after printing an error.
 */
int rdrill_history_fleet(const struct history *h, const struct strvec *dirs,
			 const char *expect_file, const char *lang,
			 const char *outdir, long long now_ms);

/* Print "rdrill: <msg>" (and detail lines) to stderr. */
struct error;
void rdrill_print_error(const struct error *err);
int rdrill_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));



/* Options shared by `plan` and `run`. */
#include <jansson.h>
struct drill_args {
	const char *file;
	json_t *vars;          /* --var name=value */
	const char *outdir;    /* -o DIR */
	const char *lang;      /* --lang */
	const char *confirm;   /* --confirm ENV */
	const char *approved;  /* --approved-plan HASH */
	const char *change_ref; /* --change-ref TEXT (the change ticket) */
	int dry_run;
};
#define DRILL_ARGS_RUN 1u  /* accept the options only `run` has */
/* 0, or an exit code after printing what is wrong. */
int rdrill_parse_drill_args(const char *cmd, int argc, char **argv,
			    struct drill_args *a, unsigned flags);
void rdrill_drill_args_release(struct drill_args *a);

/*
 * The one path `plan` and `run` share: the drill file loaded and
 * expanded for now (or SOURCE_DATE_EPOCH), its plan, and a new bundle
 * directory for them under -o (default reports/), named
 * DATE-ID<suffix>. 0, or an exit code after printing what is wrong.
 */
struct drill;
#include "strbuf.h"
struct planned {
	struct drill *drill;
	json_t *plan;
	struct strbuf bundle;
};
int rdrill_load_plan(const char *cmd, struct drill_args *a, struct planned *p);
int rdrill_make_bundle(struct drill_args *a, struct planned *p,
		       const char *suffix);
void rdrill_planned_release(struct planned *p);

/*
 * The end of `run` and `restore`: the reason, the verdict line on
 * stdout, then the summary block on stderr (verdict, RTO/RPO against
 * targets, the reports, the verify command, what next) and, for NOT
 * RESTORED, its own block last. Returns the exit code.
 */
#include "runner.h"
int rdrill_run_finish(const char *bundle, enum runner_status status,
		      const char *reason);
void rdrill_run_summary(const char *bundle, const char *word,
			const char *reason);
/*
 * Without --confirm, a person at a terminal may type the environment's
 * name (`n` destructive steps). 1 when something was typed into buf.
 */
int rdrill_ask_confirm(const char *env, int n, char *buf, size_t len);
int cmd_restore(int argc, char **argv);
/*
 * What `run` and `restore` share before runner_run() (cmd-run.c): `ro`
 * cleared and filled with the bundle, the report language, the signing
 * key, progress on stderr and the cancel flags, and the signals that
 * set them caught (the first SIGINT, SIGTERM or SIGHUP stops the drill
 * and runs its cleanup, a second stops the cleanup too).
 */
void rdrill_runner_opts(struct runner_opts *ro, const char *bundle,
			const char *lang, const struct sign_key *key);
/*
 * --sign-key PATH (else RDRILL_SIGN_KEY; NULL or "": no key) loaded
 * into *key: 0, or -1 with err set.
 */
int rdrill_sign_key(const char *path, struct sign_key **key,
		    struct error *err);

/* The dry-run, shared by `plan` and `run --dry-run`. */
int rdrill_plan(struct drill_args *a, const char *cmd);
#endif
