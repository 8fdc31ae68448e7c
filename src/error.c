#include "error.h"

#include <errno.h>
#include <string.h>

void error_init(struct error *e)
{
	strbuf_init(&e->msg, 0);
	strbuf_init(&e->detail, 0);
}

void error_release(struct error *e)
{
	strbuf_release(&e->msg);
	strbuf_release(&e->detail);
}

static void vset(struct error *e, const char *fmt, va_list ap)
{
	strbuf_reset(&e->msg);
	strbuf_reset(&e->detail);
	strbuf_vaddf(&e->msg, fmt, ap);
}

int error_set(struct error *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	return -1;
}

int error_errno(struct error *e, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vset(e, fmt, ap);
	va_end(ap);
	strbuf_addf(&e->msg, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

void error_prefix(struct error *e, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_adds(&sb, ": ");
	strbuf_add(&sb, e->msg.buf, e->msg.len);
	strbuf_release(&e->msg);
	e->msg = sb;
}
