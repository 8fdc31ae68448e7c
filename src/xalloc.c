#include "xalloc.h"
#include "strbuf.h"
#include "utf8.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die_oom(size_t n)
{
	/* stdio may itself need memory: write(2) a fixed message. */
	static const char msg[] = "rdrill: fatal: out of memory\n";
	(void)n;
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing left to report to */
	}
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t xgrow_count(size_t alloc, size_t nr, size_t size)
{
	size_t want = alloc ? alloc : 8;

	while (want < nr) {
		if (want > ((size_t)-1) / 2 / size)
			die_oom(nr);
		want *= 2;
	}
	return want;
}

/*
 * A fatal message may carry text from outside (a path, a server's or a
 * drill file's words inside an error): it is shown like every other
 * terminal line (utf8_add_terminal: secrets redacted, controls and bidi
 * overrides by name). That needs memory; if it fails, or a fatal error
 * happens while one is being shown, die_oom's fixed words are written.
 */
static void vfatal(const char *prefix, const char *fmt, va_list ap)
{
	static volatile sig_atomic_t busy;
	char raw[8192];
	struct strbuf sb = STRBUF_INIT;

	if (busy++)
		die_oom(0);
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
