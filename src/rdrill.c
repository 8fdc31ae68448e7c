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

/*
 * One table feeds both `rdrill CMD --help` and the man page's SYNOPSIS
 * and COMMANDS (`rdrill help --man`, spliced into rdrill.1 by `make
 * man`; tests/t1351-man-drift.sh fails when the two differ). An
 * option's help may hold '\n': the next line of the same text.
 */
#define OPT_VAR { "--var", "NAME=VALUE", "set a drill variable (repeatable)" }
#define OPT_OUT { "-o, --output", "DIR", "the bundle directory (must not exist or be empty;\n" \
		  "created with its parents when missing)" }
#define OPT_LANG { "--lang", "zh-CN|en", "the report's language (default: the drill's)" }
#define OPT_HELP { "-h, --help", NULL, "this help" }
#define OPT_END { NULL, NULL, NULL }

static const struct rdrill_opt validate_opts[] = { OPT_HELP, OPT_END };
static const struct rdrill_opt plan_opts[] = { OPT_VAR, OPT_OUT, OPT_LANG,
					       OPT_HELP, OPT_END };
static const struct rdrill_opt run_opts[] = {
	OPT_VAR,
	{ "--confirm", "ENV", "run destructive steps in environment ENV" },
	{ "--approved-plan", "HASH", "refuse unless the plan hash is HASH (the full 64\n"
	  "hex digits, or a prefix of at least 32)" },
	{ "--approved-plan", "DIR", "... the hash of plan bundle DIR, which must verify\n"
	  "(rdrill plan -o DIR made it)" },
	{ "--approved-key", "PUB.pem", "and be signed by this key" },
	{ "--approval-window", "DURATION", "how long after its seal a plan bundle approves\n"
	  "(default 7d; 36h, 90m...): within it, a plan that only\n"
	  "the date changed runs, the report listing what rolled" },
	{ "--change-ref", "REF", "the change ticket this run belongs to (report)" },
	OPT_OUT, OPT_LANG,
	{ "--dry-run", NULL, "the same as rdrill plan" },
	{ "--sign-key", "KEY.pem", "sign the seal (or RDRILL_SIGN_KEY)" },
	OPT_HELP, OPT_END };
static const struct rdrill_opt restore_opts[] = {
	{ "--confirm", "ENV", "the drill's environment, as run asks it" },
	{ "-o, --output", "DIR", "the new bundle (default: beside BUNDLE_DIR)" },
	OPT_LANG,
	{ "--sign-key", "KEY.pem", "sign the seal (or RDRILL_SIGN_KEY)" },
	OPT_HELP, OPT_END };
static const struct rdrill_opt render_opts[] = { OPT_LANG, OPT_HELP, OPT_END };
static const struct rdrill_opt verify_opts[] = {
	{ "--key", "PUB.pem|FINGERPRINT", "the seal must be signed by this key (a public key\n"
	  "file, or the SHA256:... fingerprint the report prints)" },
	{ "--signoff-key", "PUB.pem", "every signed sign-off must be signed by this key" },
	{ "--tsa-ca", "CA.pem", "check seal.tsr, the time-stamp, against this CA" },
	OPT_HELP, OPT_END };
static const struct rdrill_opt sign_opts[] = {
	{ "--role", "ROLE", "operator, reviewer, approver, auditor, ..." },
	{ "--name", "NAME", "who signs" },
	{ "--key", "KEY.pem", "sign with this Ed25519 key (or RDRILL_SIGN_KEY)" },
	{ "--comment", "TEXT", "shown in the sign-off table" },
	OPT_HELP, OPT_END };
static const struct rdrill_opt history_opts[] = {
	{ "-o", "OUTDIR", "write history.md/.html/.json there (default: the\n"
	  "first DIR; created when missing)" },
	{ "--prom", "FILE", "also write Prometheus textfile metrics" },
	{ "--key", "PUB.pem", "a trusted signer (repeatable): only runs whose\n"
	  "seal it signed count as passes" },
	OPT_HELP, OPT_END };
static const struct rdrill_opt keygen_opts[] = { OPT_HELP, OPT_END };
static const struct rdrill_opt init_opts[] = {
	{ "--force", NULL, "replace FILE if it exists" },
	OPT_HELP, OPT_END };

static const struct rdrill_cmd commands[] = {
	{ "init", cmd_init, "init FILE.yaml [--force]",
	  "write a commented starter drill: pg_dump, destroy, pg_restore, checks",
	  init_opts,
	  "Write a commented starter drill for the common case: pg_dump of one "
	  "database, checks of the dump, the database dropped, pg_restore, the "
	  "restored database's fingerprint compared with the dumped one's, to "
	  "FILE.yaml (refused when it "
	  "exists, unless --force). The connection is libpq's defaults "
	  "(PGHOST, PGPORT, PGUSER); edit the file, then validate and plan it.",
	  NULL },
	{ "validate", cmd_validate, "validate DRILL.yaml...",
	  "check drill files; exit 0 when every one is valid", validate_opts,
	  "Load every drill file exactly as run would and list every error of "
	  "each, as file:line:col: what is wrong, with the source line and a "
	  "caret (it stops after 20 in a file). Exit 0 when every "
	  "file is valid.", NULL },
	{ "plan", cmd_plan,
	  "plan DRILL.yaml [--var k=v]... [-o DIR] [--lang zh-CN|en]",
	  "dry-run: print every step as it would run, write a PLANNED report",
	  plan_opts,
	  "The dry-run: print every step as it would run (destructive steps "
	  "marked) and write a bundle holding plan.json and a report marked "
	  "PLANNED. Nothing in the drill is executed. The plan hash printed "
	  "(in full) is what a reviewer approves.", NULL },
	{ "run", cmd_run,
	  "run DRILL.yaml [--var k=v]... [--confirm ENV] [--approved-plan HASH|DIR "
	  "[--approved-key PUB.pem] [--approval-window DURATION]] [--change-ref REF] "
	  "[-o DIR] [--lang zh-CN|en] "
	  "[--dry-run] [--sign-key KEY.pem]",
	  "run the drill, journal every step, write the report", run_opts,
	  "Run the drill into a new bundle: the safety gates first, then the "
	  "phases in order; the destroy phase starts only when every "
	  "verify_backup step passed; cleanup steps run whatever happened. "
	  "A run that ends after a destroy step started and before its "
	  "restore's verification passed is NOT RESTORED: the terminal's last "
	  "block and the report's first say so, with the steps left as "
	  "commands to paste.", NULL },
	{ "restore", cmd_restore,
	  "restore BUNDLE_DIR [--confirm ENV] [-o DIR] [--lang zh-CN|en] "
	  "[--sign-key KEY.pem]",
	  "finish a NOT RESTORED run: its restore phase on, same plan, new bundle",
	  restore_opts,
	  "Finish what a NOT RESTORED run left undone: BUNDLE_DIR must verify "
	  "(a killed run's after render) and be NOT RESTORED. Its plan, "
	  "variables and dates run again from the restore phase on, with the "
	  "backups it picked; the checks compare against the canary, "
	  "fingerprints and captures it recorded before destroy; the RTO runs "
	  "from its disaster. It needs the same --confirm as run. The new "
	  "bundle (beside BUNDLE_DIR unless -o) names the interrupted one and "
	  "its journal's chain head; history links the pair.",
	  "BUNDLE_DIR must verify (a killed run's: rdrill render it first) and\n"
	  "be NOT RESTORED. Its plan, variables and dates run again from the\n"
	  "restore phase; the checks compare against its evidence from before\n"
	  "destroy; the new bundle names it and its journal's chain head." },
	{ "render", cmd_render, "render BUNDLE_DIR [--lang zh-CN|en]",
	  "re-render report.md and report.html from a bundle's journal",
	  render_opts,
	  "Re-render report.md and report.html of a bundle from its journal "
	  "alone, in either language. A killed run renders as INCOMPLETE, or "
	  "NOT RESTORED when a destroy step had started, and is sealed as cut "
	  "short.", NULL },
	{ "verify", cmd_verify,
	  "verify BUNDLE_DIR [--key PUB.pem|FINGERPRINT] [--signoff-key PUB.pem] "
	  "[--tsa-ca CA.pem]",
	  "check every byte of a bundle: chain, seal, logs, plan, reports, signature",
	  verify_opts,
	  "Check every byte of a bundle: the journal's hash chain against SEAL, "
	  "SHA256SUMS, that no file was added or is missing, each log, "
	  "plan.json, the reports re-rendered, the seal's signature, the "
	  "time-stamp and the sign-offs. An unsigned bundle verifies and says "
	  "unsigned; --key requires a signature by that key.", NULL },
	{ "sign", cmd_sign,
	  "sign BUNDLE_DIR --role ROLE --name NAME [--key KEY.pem] [--comment TEXT]",
	  "sign a verified bundle off: a chained, signed record; report.signed.*",
	  sign_opts,
	  "Sign a bundle that verifies off: append a record to signoff.jsonl "
	  "(chained to SEAL, Ed25519-signed with the key, or a typed name "
	  "without one) and write report.signed.md and report.signed.html with "
	  "the sign-off table filled. The run's own files are not touched.",
	  NULL },
	{ "history", cmd_history, "history DIR... [-o OUTDIR] [--prom FILE] [--key PUB.pem]...",
	  "index every bundle under DIR: verdicts, RTO/RPO over time, OVERDUE",
	  history_opts,
	  "Verify and index every run bundle under the directories into "
	  "history.md, history.html and history.json; a drill whose last "
	  "verified pass is older than its cadence (default 92 days) is "
	  "OVERDUE. With --key, a run counts only when its seal is signed by "
	  "one of those keys; runs dated in the future and signers that "
	  "differ are findings.",
	  "exit 4 when a drill is overdue (its last passed run older than its\n"
	  "cadence), 1 when history itself failed or a directory under DIR\n"
	  "could not be searched." },
	{ "keygen", cmd_keygen, "keygen DIR",
	  "make an Ed25519 key pair for signing seals (run --sign-key)",
	  keygen_opts,
	  "Make an Ed25519 key pair, DIR/rdrill-sign.key (mode 0600, for run "
	  "--sign-key, sign --key or RDRILL_SIGN_KEY) and DIR/rdrill-sign.pub "
	  "(for verify --key). DIR is created (mode 0700) when missing.", NULL },
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
	const struct rdrill_opt *o;

	fprintf(f, "usage: rdrill %s\n\n%s\n\noptions:\n", c->usage, c->summary);
	for (o = c->opts; o->flag; o++) {
		struct strbuf head = STRBUF_INIT;
		const char *h = o->help, *nl;

		strbuf_addf(&head, "  %s%s%s", o->flag, o->arg ? " " : "",
			    o->arg ? o->arg : "");
		/* The help beside a short option, under a long one. */
		if (head.len < 21)
			fprintf(f, "%-21s", head.buf);
		else
			fprintf(f, "%s\n%21s", head.buf, "");
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "%.*s\n%21s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
		strbuf_release(&head);
	}
	if (c->note)
		fprintf(f, "%s\n", c->note);
	fprintf(f, "\nexit codes: 0 passed, 1 failed or did not verify, "
		   "2 usage or drill-file error, 3 refused by a safety gate\n"
		   "See rdrill(1).\n");
}

/* Text for roff: backslashes doubled, '-' as \-, a leading '.' or '\''
 * guarded; help's '\n' becomes a space (roff fills the paragraph). */
static void roff(FILE *f, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* `rdrill help --man`: the man page's SYNOPSIS, DESCRIPTION, COMMANDS. */
static void man_sections(FILE *f)
{
	const struct rdrill_opt *o;
	size_t i;

	fputs(".SH SYNOPSIS\n", f);
	for (i = 0; i < NCOMMANDS; i++) {
		const char *args = commands[i].usage + strlen(commands[i].name);

		fprintf(f, ".B rdrill %s\n", commands[i].name);
		while (*args == ' ')
			args++;
		if (*args) {
			roff(f, args);
			fputc('\n', f);
		}
		fputs(".br\n", f);
	}
	fputs(".B rdrill\n[\\-h|\\-\\-help|\\-\\-version]\n", f);
	fputs(".SH DESCRIPTION\n", f);
	roff(f, "rdrill reads a drill file (YAML) that describes a backup and "
	     "restore drill in fixed phases (preflight, backup, verify_backup, "
	     "destroy, restore, verify_restore, cleanup), runs its steps, "
	     "journals every step in a hash-chained journal, and writes an "
	     "evidence bundle with a Markdown and HTML report. Every "
	     "subcommand takes -h or --help and prints its usage (the same "
	     "table as this page's) to standard output.");
	fputs("\n.SH COMMANDS\n", f);
	for (i = 0; i < NCOMMANDS; i++) {
		fprintf(f, ".TP\n.B %s\n", commands[i].name);
		roff(f, commands[i].man);
		fputc('\n', f);
		if (commands[i].note) {
			fputs(".IP\n", f);
			roff(f, commands[i].note);
			fputc('\n', f);
		}
		fputs(".RS\n", f);
		for (o = commands[i].opts; o->flag; o++) {
			fputs(o->arg ? ".TP\n.BI \"" : ".TP\n.B \"", f);
			roff(f, o->flag);
			if (o->arg) {
				fputs("\" \" ", f);
				roff(f, o->arg);
			}
			fputs("\"\n", f);
			roff(f, o->help);
			fputc('\n', f);
		}
		fputs(".RE\n", f);
	}
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
	if (!strcmp(argv[1], "help") && argc == 3 &&
	    !strcmp(argv[2], "--man")) {
		man_sections(stdout);
		return RDRILL_EXIT_OK;
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
