#ifndef RDRILL_PLANREAD_H
#define RDRILL_PLANREAD_H

#include <jansson.h>
#include <stddef.h>

/*
 * plan.json read a step at a time (render and verify of a bundle whose
 * plan is named by hash: 10,000 steps are a 2.9 MB file, 13 MiB once
 * parsed whole). jansson parses a whole text only, so this walks the
 * top-level object, its "plan" object and that one's "steps" array
 * itself and has jansson parse each other value (each step, each
 * member) on its own, in place (journal_parse_value()).
 *
 * It is only ever a faster way to the whole parse's answer: anything it
 * does not expect (whitespace other than JSON's, a duplicate key, no
 * plan or no steps, steps not a non-empty list, a value jansson refuses,
 * bytes after the end, more memory than half the budget) makes it give
 * up, and the caller parses the text whole, so the verdict and message
 * are the whole parse's. What it accepts, json_loadb() with
 * JSON_REJECT_DUPLICATES accepts, to the same values (test-planread,
 * on a corpus of hostile texts).
 *
 * As it reads, it checks whether the text is the canonical dump of what
 * it holds (JSON_INDENT(2) | JSON_SORT_KEYS, what plan.json is written
 * as and what verify compares it with) and takes the plan hash of the
 * plan body (plan_hash(): compact, sorted keys, ASCII) on the way.
 */

/* Each step of plan.steps, in order: 0, or -1 to give up. */
typedef int planread_step_fn(json_t *step, size_t i, void *ctx);

struct planread {
	planread_step_fn *step;     /* in */
	void *ctx;                  /* in */
	json_t *head;               /* out: the object, plan.steps left out */
	size_t nsteps;              /* out */
	int canonical;              /* out: the text is its canonical dump */
	char body_hash[65];         /* out: plan_hash of the body, when
				     * canonical ("" otherwise) */
	size_t mem;                 /* out: the memory its parses held */
};

/*
 * Read `text` (`len` bytes) into `pr` (step and ctx set): 1 when read
 * (pr->head is the caller's), 0 when it gave up (nothing is held; the
 * steps given so far are the caller's to drop). `budget`: the memory
 * the whole parse may take; more than half of it taken, it gives up.
 */
int planread_walk(const char *text, size_t len, size_t budget,
		  struct planread *pr);

#endif
