#ifndef RDRILL_STRVEC_H
#define RDRILL_STRVEC_H

#include <stddef.h>

/*
 * A NULL-terminated vector of owned strings: argv, envp, lists of paths.
 * `v` is never NULL (an empty vector points at a static { NULL }).
 */
struct strvec {
	const char **v;
	size_t nr;
	size_t alloc;
};

extern const char *strvec_empty[];
#define STRVEC_INIT { strvec_empty, 0, 0 }

void strvec_init(struct strvec *sv);
const char *strvec_push(struct strvec *sv, const char *s);
/* Push `s` unless it is NULL, empty, or already there (a set of names). */
void strvec_push_unique(struct strvec *sv, const char *s);
const char *strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strvec_pushv(struct strvec *sv, const char *const *v);
void strvec_pop(struct strvec *sv);
void strvec_clear(struct strvec *sv);
const char **strvec_detach(struct strvec *sv);

#endif
