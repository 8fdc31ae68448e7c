#include "strmap.h"
#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

/*
 * A seed per process, as jansson's own: keys come from hostile files,
 * and a fixed hash would let one file pick keys that all collide (a
 * probe per earlier key). Iteration never depends on it.
 */
static uint64_t seed(void)
{
	static uint64_t s;
	static int done;

	if (!done) {
		if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
			s = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&s;
		done = 1;
	}
	return s;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL ^ seed();

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	/* The high bits mix in too: the index takes the low ones. */
	return h ^ (h >> 31);
}

/* The slot that holds `key`, or the empty one where it would go. */
static size_t find_slot(const struct strmap *m, const char *key)
{
	size_t mask = m->nslots - 1, i = (size_t)hash(key) & mask;

	while (m->slots[i] && strcmp(m->v[m->slots[i] - 1].key, key))
		i = (i + 1) & mask;
	return i;
}

/* At most half full, so a probe ends soon. */
static void grow_slots(struct strmap *m)
{
	size_t i;

	if (m->nslots && (m->nr + 1) * 2 <= m->nslots)
		return;
	free(m->slots);
	m->nslots = m->nslots ? m->nslots * 2 : 16;
	m->slots = xcalloc(m->nslots, sizeof(*m->slots));
	for (i = 0; i < m->nr; i++)
		m->slots[find_slot(m, m->v[i].key)] = i + 1;
}

struct strmap_entry *strmap_get(const struct strmap *m, const char *key)
{
	size_t i;

	if (!m->nslots)
		return NULL;
	i = find_slot(m, key);
	return m->slots[i] ? &m->v[m->slots[i] - 1] : NULL;
}

struct strmap_entry *strmap_put(struct strmap *m, const char *key,
				const char *val, long num)
{
	struct strmap_entry *e = strmap_get(m, key);
	char *copy = val ? xstrdup(val) : NULL; /* val may be e->val */

	if (e) {
		free(e->val);
	} else {
		grow_slots(m);
		XGROW(m->v, m->nr + 1, m->alloc);
		m->slots[find_slot(m, key)] = m->nr + 1;
		e = &m->v[m->nr++];
		e->key = xstrdup(key);
	}
	e->val = copy;
	e->num = num;
	return e;
}

void strmap_add(struct strmap *m, const char *key)
{
	if (!strmap_get(m, key))
		strmap_put(m, key, NULL, 0);
}

void strmap_release(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		free(m->v[i].key);
		free(m->v[i].val);
	}
	free(m->v);
	free(m->slots);
	strmap_init(m);
}
