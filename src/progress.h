#ifndef RDRILL_PROGRESS_H
#define RDRILL_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

/*
 * What the SRE sees while a drill runs. On a terminal: one live line
 * ("[3/28] backup pg-dump 12s") redrawn every second by a small thread,
 * since a step may run for an hour without printing; elsewhere (CI, a
 * log file): one plain line when a step starts and one when it ends.
 */
struct progress;

struct progress *progress_new(FILE *f, int tty);
void progress_begin(struct progress *p, size_t i, size_t n, const char *phase,
		    const char *id);
void progress_end(struct progress *p, const char *status, long long ms,
		  const char *message);
void progress_free(struct progress *p);

/*
 * Append `s` as it may be shown on one line of a terminal: step ids, and
 * above all error text from a server or a command, may hold ESC and other
 * bytes the terminal would obey. TAB, CR and LF become a space; other C0
 * controls, DEL, C1 controls and bytes that are not UTF-8 become U+FFFD.
 * progress_begin() and progress_end() pass everything through it; other
 * code that prints step-derived text to the terminal should too.
 */
void progress_add_safe(struct strbuf *out, const char *s);

#endif
