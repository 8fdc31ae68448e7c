#ifndef RDRILL_STRMAP_H
#define RDRILL_STRMAP_H

#include <stddef.h>

/*
 * A map from text to an optional text and a number, kept in the order
 * keys were first added: the drill loader's own dictionaries and sets
 * (variables and their depth, step ids with their line and kind,
 * connection names), typed C instead of JSON objects. Lookups hash
 * (FNV-1a seeded per process, open addressing), so a hostile file's
 * 200,000 nodes stay linear. Iteration is m->v[0 .. m->nr - 1], in
 * insertion order, so whatever the loader writes from a map comes out
 * in the order the file gave it.
 */
struct strmap_entry {
	char *key;
	char *val;   /* owned, or NULL: what NULL means is the user's */
	long num;
};

struct strmap {
	struct strmap_entry *v;
	size_t nr, alloc;
	size_t *slots;   /* index + 1 into v, 0 empty; a power of two long */
	size_t nslots;
};

#define STRMAP_INIT { NULL, 0, 0, NULL, 0 }

void strmap_init(struct strmap *m);
/* The entry of `key`, or NULL. */
struct strmap_entry *strmap_get(const struct strmap *m, const char *key);
/*
 * Add `key`, or replace its value and number where it already is (its
 * place in the order stays). `val` is copied (NULL stays NULL).
 */
struct strmap_entry *strmap_put(struct strmap *m, const char *key,
				const char *val, long num);
/* Add `key` with no value and 0 (a set's member) unless it is there. */
void strmap_add(struct strmap *m, const char *key);
void strmap_release(struct strmap *m);

#endif
