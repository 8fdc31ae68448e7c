#ifndef RDRILL_STRBUF_H
#define RDRILL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The one growable string of rdrill. `buf` is never NULL and always
 * NUL-terminated, so a fresh strbuf can be printed without checks; it may
 * hold NUL bytes in the middle (command output does), hence `len`.
 * strbuf_detach() hands the buffer to the caller, who free()s it.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { strbuf_slopbuf, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/* Drop trailing ASCII whitespace. */
void strbuf_rtrim(struct strbuf *sb);

/*
 * The first `needle` (of `nlen` bytes) in `hay`, or NULL; NULL for an
 * empty needle. memmem() is a GNU extension, and the build asks only
 * for POSIX and the default set.
 */
const char *mem_find(const char *hay, size_t hlen, const char *needle,
		     size_t nlen);

/*
 * Append `s` quoted for a POSIX shell: left bare when it holds only
 * characters no shell treats specially, else in single quotes with each
 * ' written as '\''. Used both for display and for ${var} expansion into
 * shell strings, so what a reviewer sees is what runs.
 */
void strbuf_add_shquoted(struct strbuf *sb, const char *s);

/* Read a whole file; -1 with errno set on failure. */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max);

/*
 * The same for a file that must be a regular one (a key, a bundle's
 * file): opened without blocking, so a FIFO or a device put in its place
 * cannot hang the reader in open(); anything but a regular file is
 * -1 with errno EINVAL.
 */
int strbuf_read_regular(struct strbuf *sb, const char *path, size_t max);

#endif
