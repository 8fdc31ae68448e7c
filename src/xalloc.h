#ifndef RDRILL_XALLOC_H
#define RDRILL_XALLOC_H

#include <stddef.h>

/*
 * Allocation that cannot fail: running out of memory aborts the process
 * with a message. Every other error in rdrill is returned to the caller;
 * this one is not, because there is no sane way to go on.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * The element count to grow an array of `alloc` elements of `size` to,
 * so that it holds at least `nr` (doubling; fatal on overflow).
 */
size_t xgrow_count(size_t alloc, size_t nr, size_t size);
/* Grow array `p` (of `alloc` elements) to hold at least `nr`. */
#define XGROW(p, nr, alloc) do { \
	if ((nr) > (alloc)) { \
		(alloc) = xgrow_count((alloc), (nr), sizeof(*(p))); \
		(p) = xrealloc((p), (alloc) * sizeof(*(p))); \
	} \
} while (0)

/*
 * The rare fatal paths. die(): the process cannot go on (a broken
 * environment, not bad input: input errors are returned). BUG(): a
 * "cannot happen" in rdrill itself; it names the file and line.
 * Both print "rdrill: fatal: ..." and abort, so a core shows where.
 */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

#endif
