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

/* Grow `*p` (of `*alloc` elements of `size`) to hold at least `nr`. */
void xgrow(void **p, size_t *alloc, size_t nr, size_t size);
#define XGROW(p, nr, alloc) xgrow((void **)&(p), &(alloc), (nr), sizeof(*(p)))

#endif
