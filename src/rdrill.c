#include "rdrill.h"
#include "bundle.h"
#include "drill.h"
#include "error.h"
#include "plan.h"
#include "strbuf.h"
#include "utf8.h"

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OPT_VAR "  --var NAME=VALUE   set a drill variable (repeatable)\n"
#define OPT_OUT "  -o, --output DIR   the bundle directory (must not exist or be empty)\n"
#define OPT_LANG "  --lang zh-CN|en    the report's language (default: the drill's)\n"
#define OPT_HELP "  -h, --help         this help\n"

static const struct rdrill_cmd commands[] = {
	{ "validate", cmd_validate, "validate DRILL.yaml...",
	  "check drill files; exit 0 when every one is valid",
	  "\noptions:\n" OPT_HELP },
	{ "plan", cmd_plan,
	  "plan DRILL.yaml [--var k=v]... [-o DIR] [--lang zh-CN|en]",
	  "dry-run: print every step as it would run, write a PLANNED report",
	  "\noptions:\n" OPT_VAR OPT_OUT OPT_LANG OPT_HELP },
	{ "run", cmd_run,
	  "run DRILL.yaml [--var k=v]... [--confirm ENV] [--approved-plan HASH|DIR "
	  "[--approved-key PUB.pem]] [--change-ref REF] [-o DIR] [--lang zh-CN|en] "
	  "[--dry-run] [--sign-key KEY.pem]",
	  "run the drill, journal every step, write the report",
	  "\noptions:\n" OPT_VAR
	  "  --confirm ENV      run destructive steps in environment ENV\n"
	  "  --approved-plan HASH  refuse unless the plan hash is HASH\n"
	  "  --approved-plan DIR   ... the hash of plan bundle DIR, which must\n"
	  "                     verify (rdrill plan -o DIR made it)\n"
	  "  --approved-key PUB.pem  and be signed by this key\n"
	  "  --change-ref REF   the change ticket this run belongs to (report)\n"
	  OPT_OUT OPT_LANG
	  "  --dry-run          the same as rdrill plan\n"
	  "  --sign-key KEY.pem sign the seal (or RDRILL_SIGN_KEY)\n" OPT_HELP },
	{ "restore", cmd_restore,
	  "restore BUNDLE_DIR [--confirm ENV] [-o DIR] [--lang zh-CN|en] "
	  "[--sign-key KEY.pem]",
	  "finish a NOT RESTORED run: its restore phase on, same plan, new bundle",
	  "\noptions:\n"
	  "  --confirm ENV      the drill's environment, as run asks it\n"
	  "  -o, --output DIR   the new bundle (default: beside BUNDLE_DIR)\n"
	  OPT_LANG
	  "  --sign-key KEY.pem sign the seal (or RDRILL_SIGN_KEY)\n"
	  "BUNDLE_DIR must verify (a killed run's: rdrill render it first) and\n"
	  "be NOT RESTORED. Its plan, variables and dates run again from the\n"
	  "restore phase; the checks compare against its evidence from before\n"
	  "destroy; the new bundle names it and its journal's chain head.\n"
	  OPT_HELP },
	{ "render", cmd_render, "render BUNDLE_DIR [--lang zh-CN|en]",
	  "re-render report.md and report.html from a bundle's journal",
	  "\noptions:\n" OPT_LANG OPT_HELP },
	{ "verify", cmd_verify, "verify BUNDLE_DIR [--key PUB.pem] [--tsa-ca CA.pem]",
	  "check every byte of a bundle: chain, seal, logs, plan, reports, signature",
	  "\noptions:\n"
	  "  --key PUB.pem      the seal must be signed by this key\n"
	  "  --tsa-ca CA.pem    check seal.tsr, the time-stamp, against this CA\n"
	  OPT_HELP },
	{ "sign", cmd_sign,
	  "sign BUNDLE_DIR --role ROLE --name NAME [--key KEY.pem] [--comment TEXT]",
	  "sign a verified bundle off: a chained, signed record; report.signed.*",
	  "\noptions:\n"
	  "  --role ROLE        operator, reviewer, auditor, ...\n"
	  "  --name NAME        who signs\n"
	  "  --key KEY.pem      sign with this Ed25519 key (or RDRILL_SIGN_KEY)\n"
	  "  --comment TEXT     shown in the sign-off table\n" OPT_HELP },
	{ "history", cmd_history, "history DIR... [-o OUTDIR] [--prom FILE] [--key PUB.pem]...",
	  "index every bundle under DIR: verdicts, RTO/RPO over time, OVERDUE",
	  "\noptions:\n"
	  "  -o OUTDIR          write history.md/.html/.json there (default: the first DIR)\n"
	  "  --prom FILE        also write Prometheus textfile metrics\n"
	  "  --key PUB.pem      a trusted signer (repeatable): only runs whose seal\n"
	  "                     it signed count as passes\n"
	  "exit 1 when a drill is overdue (its last passed run older than its cadence)\n"
	  "or a directory under DIR could not be searched\n"
	  OPT_HELP },
	{ "keygen", cmd_keygen, "keygen DIR",
	  "make an Ed25519 key pair for signing seals (run --sign-key)",
	  "\noptions:\n" OPT_HELP },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: rdrill <command> [options]\n\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  rdrill %s\n      %s\n", commands[i].usage,
			commands[i].summary);
	fprintf(f, "\nexit codes: 0 passed, 1 failed or did not verify, "
		   "2 usage or drill-file error, 3 refused by a safety gate\n");
}

static void command_usage(const struct rdrill_cmd *c, FILE *f)
{
	fprintf(f, "usage: rdrill %s\n\n%s\n", c->usage, c->summary);
	if (c->options)
		fputs(c->options, f);
	fprintf(f, "\nexit codes: 0 passed, 1 failed or did not verify, "
		   "2 usage or drill-file error, 3 refused by a safety gate\n"
		   "See rdrill(1).\n");
}

/* -h or --help anywhere before "--" asks for the command's usage. */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

/*
 * Messages quote the drill file and what servers and commands said: no
 * byte of it may drive the terminal. The detail (a source line and its
 * caret) keeps its line breaks and tabs.
 */
void rdrill_print_error(const struct error *err)
{
	struct strbuf out = STRBUF_INIT;

	strbuf_adds(&out, "rdrill: ");
	utf8_add_terminal(&out, err->msg.len ? err->msg.buf : "unknown error");
	strbuf_addch(&out, '\n');
	utf8_add_terminal_lines(&out, err->detail.buf, err->detail.len);
	if (err->detail.len && err->detail.buf[err->detail.len - 1] != '\n')
		strbuf_addch(&out, '\n');
	fputs(out.buf, stderr);
	strbuf_release(&out);
}

int rdrill_usage_error(const char *cmd, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT, out = STRBUF_INIT;
	va_list ap;
	size_t i;

	/* It quotes the command line, which may hold anything. */
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	utf8_add_terminal(&out, msg.buf);
	fprintf(stderr, "rdrill %s: %s\n", cmd, out.buf);
	strbuf_release(&msg);
	strbuf_release(&out);
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			fprintf(stderr, "usage: rdrill %s\n", commands[i].usage);
	return RDRILL_EXIT_USAGE;
}

static const char *take_value(const char *cmd, int argc, char **argv, int *i,
			      const char *opt)
{
	size_t n = strlen(opt);

	/* An empty value is returned as "" after saying so; callers stop. */
	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=') {
		if (!argv[*i][n + 1])
			rdrill_usage_error(cmd, "%s=: the value is empty", opt);
		return argv[*i] + n + 1;
	}
	if (strcmp(argv[*i], opt))
		return NULL;
	if (*i + 1 >= argc) {
		rdrill_usage_error(cmd, "%s needs a value", opt);
		return "";
	}
	if (!*argv[++*i])
		rdrill_usage_error(cmd, "%s: the value is empty", opt);
	return argv[*i];
}

int rdrill_parse_drill_args(const char *cmd, int argc, char **argv,
			    struct drill_args *a, unsigned flags)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->vars = json_object();
	for (i = 1; i < argc; i++) {
		const char *v;

		if ((v = take_value(cmd, argc, argv, &i, "--var"))) {
			const char *eq = strchr(v, '=');
			size_t k;
			if (!*v)
				return RDRILL_EXIT_USAGE;
			if (!eq || eq == v)
				return rdrill_usage_error(cmd, "--var wants "
							  "name=value, got '%s'", v);
			for (k = 0; v + k < eq; k++)
				if (!(v[k] == '_' || (v[k] >= 'a' && v[k] <= 'z') ||
				      (v[k] >= 'A' && v[k] <= 'Z') ||
				      (k && v[k] >= '0' && v[k] <= '9')))
					return rdrill_usage_error(cmd, "--var: '%.*s' "
						"is not a variable name",
						(int)(eq - v), v);
			{
				char *name = xstrndup(v, (size_t)(eq - v));
				json_t *val = json_string(eq + 1);
				if (!val) {
					free(name);
					return rdrill_usage_error(cmd, "--var %s: "
						"value is not valid UTF-8", v);
				}
				json_object_set_new(a->vars, name, val);
				free(name);
			}
		} else if ((v = take_value(cmd, argc, argv, &i, "-o")) ||
			   (v = take_value(cmd, argc, argv, &i, "--output"))) {
			if (!*v)
				return RDRILL_EXIT_USAGE;
			a->outdir = v;
		} else if ((v = take_value(cmd, argc, argv, &i, "--lang"))) {
			if (!*v)
				return RDRILL_EXIT_USAGE;
			if (strcmp(v, "zh-CN") && strcmp(v, "en"))
				return rdrill_usage_error(cmd, "--lang is zh-CN "
							  "or en, not '%s'", v);
			a->lang = v;
		} else if ((flags & DRILL_ARGS_RUN) &&
			   (v = take_value(cmd, argc, argv, &i, "--confirm"))) {
			if (!*v)
				return RDRILL_EXIT_USAGE;
			a->confirm = v;
		} else if ((flags & DRILL_ARGS_RUN) &&
			   (v = take_value(cmd, argc, argv, &i,
					   "--approved-plan"))) {
			if (!*v)
				return RDRILL_EXIT_USAGE;
			a->approved = v;
		} else if ((flags & DRILL_ARGS_RUN) &&
			   (v = take_value(cmd, argc, argv, &i,
					   "--change-ref"))) {
			if (!*v)
				return RDRILL_EXIT_USAGE;
			a->change_ref = v;
		} else if ((flags & DRILL_ARGS_RUN) &&
			   !strcmp(argv[i], "--dry-run")) {
			a->dry_run = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return rdrill_usage_error(cmd, "unknown option %s",
						  argv[i]);
		} else if (a->file) {
			return rdrill_usage_error(cmd, "one drill file at a time "
						  "(got %s and %s)", a->file,
						  argv[i]);
		} else {
			a->file = argv[i];
		}
	}
	if (!a->file)
		return rdrill_usage_error(cmd, "no drill file given");
	return 0;
}

void rdrill_drill_args_release(struct drill_args *a)
{
	json_decref(a->vars);
	a->vars = NULL;
}

int rdrill_load_plan(const char *cmd, struct drill_args *a, struct planned *p)
{
	struct error err = ERROR_INIT;
	struct drill_opts opts;
	struct plan_info info;

	memset(p, 0, sizeof(*p));
	strbuf_init(&p->bundle, 0);
	opts.overrides = a->vars;
	opts.now = plan_now();
	if (opts.now == (time_t)-1)
		return rdrill_usage_error(cmd, "SOURCE_DATE_EPOCH is not a "
					  "number of seconds");
	p->drill = drill_load(a->file, &opts, &err);
	if (!p->drill) {
		rdrill_print_error(&err);
		error_release(&err);
		return RDRILL_EXIT_USAGE;
	}
	info.drill_path = a->file;
	info.drill_sha256 = p->drill->sha256;
	info.now = opts.now;
	p->plan = plan_new(p->drill, &info);
	return 0;
}

int rdrill_make_bundle(struct drill_args *a, struct planned *p,
		       const char *suffix)
{
	struct error err = ERROR_INIT;
	struct strbuf base = STRBUF_INIT;
	time_t now = plan_now();
	struct tm tm;
	char day[16];
	int rc = 0;

	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strbuf_addf(&base, "%s-%s%s", day, p->drill->id, suffix);
	/* No bundle, nothing ran: the output directory refused the run. */
	if (bundle_create(a->outdir, "reports", base.buf,
			  p->drill->evidence_group, &p->bundle, &err) < 0) {
		rdrill_print_error(&err);
		rc = RDRILL_EXIT_REFUSED;
	}
	strbuf_release(&base);
	error_release(&err);
	return rc;
}

void rdrill_planned_release(struct planned *p)
{
	drill_free(p->drill);
	json_decref(p->plan);
	strbuf_release(&p->bundle);
	p->drill = NULL;
	p->plan = NULL;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return RDRILL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return RDRILL_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("rdrill %s\n", RDRILL_VERSION);
		return RDRILL_EXIT_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, argv[1])) {
			if (wants_help(argc - 1, argv + 1)) {
				command_usage(&commands[i], stdout);
				return RDRILL_EXIT_OK;
			}
			return commands[i].fn(argc - 1, argv + 1);
		}
	{
		struct strbuf t = STRBUF_INIT;

		fprintf(stderr, "rdrill: '%s' is not a command\n",
			utf8_term(&t, argv[1]));
		strbuf_release(&t);
	}
	usage(stderr);
	return RDRILL_EXIT_USAGE;
}
