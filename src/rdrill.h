#ifndef RDRILL_RDRILL_H
#define RDRILL_RDRILL_H

/*
 * The command layer: one table of subcommands (rdrill.c), one file each
 * (cmd-*.c). Only this layer prints errors and picks the exit code.
 */

#define RDRILL_VERSION "0.1.0"

enum rdrill_exit {
	RDRILL_EXIT_OK = 0,      /* drill passed / files valid */
	RDRILL_EXIT_FAILED = 1,  /* drill failed, evidence did not verify */
	RDRILL_EXIT_USAGE = 2,   /* bad command line or drill file */
	RDRILL_EXIT_REFUSED = 3, /* a safety gate said no; nothing touched */
};

struct rdrill_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* Print "rdrill: <msg>" (and detail lines) to stderr. */
struct error;
void rdrill_print_error(const struct error *err);
int rdrill_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
