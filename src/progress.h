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
/*
 * Lines under the step that just ended (a failed step's last stderr
 * lines): each escaped and redacted for the terminal, indented.
 */
void progress_detail(struct progress *p, const char *text);
void progress_free(struct progress *p);

#endif
