/*
 * die() and BUG(), declared in xalloc.h beside the allocation wrappers
 * that share their fate. They live here, not in xalloc.c, because
 * showing a message needs strbuf, and strbuf needs xalloc.
 */
#include "xalloc.h"
#include "strbuf.h"
#include "utf8.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Noreturn void die_fixed(void)
{
	/* stdio may itself need memory: write(2) fixed words. */
	static const char msg[] = "rdrill: fatal: out of memory\n";
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to report to */
	}
	abort();
}

/*
 * A fatal message may carry text from outside (a path, a server's or a
 * drill file's words inside an error): it is shown like every other
 * terminal line (utf8_add_terminal: secrets redacted, controls and bidi
 * overrides by name). That needs memory; if it fails, or a fatal error
 * happens while one is being shown, die_fixed()'s fixed words are written.
 */
static void vfatal(const char *prefix, const char *fmt, va_list ap)
{
	static volatile sig_atomic_t busy;
	char raw[8192];
	struct strbuf sb = STRBUF_INIT;

	if (busy++)
		die_fixed();
	if (vsnprintf(raw, sizeof(raw), fmt, ap) >= (int)sizeof(raw))
		memcpy(raw + sizeof(raw) - 4, "...", 4);
	strbuf_adds(&sb, "rdrill: fatal: ");
	utf8_add_line(&sb, prefix, strlen(prefix));
	utf8_add_terminal(&sb, raw);
	strbuf_addch(&sb, '\n');
	fputs(sb.buf, stderr);
	fflush(stderr);
	strbuf_release(&sb);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfatal("", fmt, ap);
	va_end(ap);
	abort();
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
	char where[256];
	va_list ap;

	snprintf(where, sizeof(where), "BUG at %s:%d: ", file, line);
	va_start(ap, fmt);
	vfatal(where, fmt, ap);
	va_end(ap);
	abort();
}
