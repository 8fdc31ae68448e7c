#include "rdrill.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct rdrill_cmd commands[] = {
	{ "validate", cmd_validate, "validate DRILL.yaml...",
	  "check drill files; exit 0 when every one is valid" },
	{ "plan", cmd_plan,
	  "plan DRILL.yaml [--var k=v]... [-o DIR] [--lang zh-CN|en]",
	  "dry-run: print every step as it would run, write a PLANNED report" },
	{ "run", cmd_run,
	  "run DRILL.yaml [--var k=v]... [--confirm ENV] [--approved-plan HASH] "
	  "[-o DIR] [--lang zh-CN|en] [--dry-run]",
	  "run the drill, journal every step, write the report" },
	{ "render", cmd_render, "render BUNDLE_DIR [--lang zh-CN|en]",
	  "re-render report.md and report.html from a bundle's journal" },
	{ "verify", cmd_verify, "verify BUNDLE_DIR",
	  "re-check a bundle's SHA256SUMS and its journal's hash chain" },
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

void rdrill_print_error(const struct error *err)
{
	fprintf(stderr, "rdrill: %s\n", err->msg.len ? err->msg.buf :
		"unknown error");
	if (err->detail.len)
		fprintf(stderr, "%s%s", err->detail.buf,
			err->detail.buf[err->detail.len - 1] == '\n' ? "" : "\n");
}

int rdrill_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	fprintf(stderr, "rdrill %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, cmd))
			fprintf(stderr, "usage: rdrill %s\n", commands[i].usage);
	return RDRILL_EXIT_USAGE;
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
		if (!strcmp(commands[i].name, argv[1]))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "rdrill: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return RDRILL_EXIT_USAGE;
}
