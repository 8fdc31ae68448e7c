#ifndef RDRILL_ERROR_H
#define RDRILL_ERROR_H

#include "strbuf.h"

/*
 * What went wrong, filled by a module and owned by its caller. Modules
 * return -1 (or NULL) and set `msg`; only the command layer prints it.
 * `msg` is one line (for a drill file: "file:line:col: what is wrong");
 * `detail` is optional extra lines (the source line and a caret under it).
 */
struct error {
	struct strbuf msg;
	struct strbuf detail;
};
#define ERROR_INIT { STRBUF_INIT, STRBUF_INIT }

void error_init(struct error *e);
void error_release(struct error *e);

/* Replace the message; always returns -1 so `return error_set(...)` works. */
int error_set(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same, with ": strerror(errno)" appended. */
int error_errno(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Put "what: " in front of the message already there. */
void error_prefix(struct error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
