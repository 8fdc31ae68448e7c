#ifndef RDRILL_DEFERRED_H
#define RDRILL_DEFERRED_H

#include <stddef.h>

struct expand_picks;
struct schema;
struct strbuf;

/*
 * A scheduled: item's file is picked only when the run starts, so the
 * plan keeps a placeholder where the drill said ${backup.ID.path}
 * (expand.h). When a drill is bound (drill.c), each bound text of a step
 * that holds one is recorded here as a typed reference: where the text
 * is in the step's structs (a field, a list element, a map value), the
 * plan's text, and its parts parsed once (expand_template). The runner
 * binds the picks into those places after the pick and takes them back
 * out at the end: no plan text is rewritten, no second model is built,
 * and the plan body, which the plan hash covers, keeps the rule.
 */
struct deferred;

/*
 * Visit every bound text of `p`, a struct bound by schema `s`
 * (schema.h's layout: text fields, lists and maps of text, nested
 * objects, lists and maps of objects); the visitor gets the place of
 * the pointer. Stops at, and returns, the first non-zero the visitor
 * returns; 0 when it visited them all.
 */
typedef int (*deferred_text_fn)(const char **text, void *ctx);
int deferred_walk(const struct schema *s, void *p, deferred_text_fn fn,
		  void *ctx);

/*
 * Record the texts of `p` (bound by `s`) that hold placeholders into
 * *dp (allocated the first time one is found; stays NULL when none).
 */
void deferred_collect(struct deferred **dp, const struct schema *s, void *p);

/*
 * Put each recorded text's filled form in its place: the picked files,
 * quoted as each placeholder says (expand_template_fill). 0, or -1 with
 * `missing` set to an item id `picks` has no file for (nothing is
 * changed then). Binding again replaces the earlier files.
 */
int deferred_bind(struct deferred *d, const struct expand_picks *picks,
		  struct strbuf *missing);
/* The plan's texts back in their places. */
void deferred_unbind(struct deferred *d);
/* Whether a recorded text refers to item `item`'s file. */
int deferred_refers(const struct deferred *d, const char *item);
/* Unbind and free (NULL is fine). */
void deferred_free(struct deferred *d);

#endif
