#ifndef RDRILL_RESTORED_H
#define RDRILL_RESTORED_H

#include <jansson.h>

#include "schema.h"

struct drill;

/*
 * Whether a run left its system destroyed, read from its journal alone
 * (so a killed run's bundle says it too, when rendered later).
 *
 * A run is NOT RESTORED when a destroy step started (the runner's
 * "destroy" record, journaled before the first destructive step, or any
 * destructive step's record) and the restore's verification did not
 * pass (every verify_restore step passed; a drill without one: every
 * restore step). The verdict word is RESTORED_WORD.
 */
#define RESTORED_WORD "NOT RESTORED"

/* 1 when the journal `records` of drill `d` shows the system left destroyed. */
int restored_left_destroyed(json_t *records, const struct drill *d);

/*
 * The verdict of a run's journal: "PLANNED" (a plan bundle),
 * "INCOMPLETE" (no end record), the end record's status, or
 * RESTORED_WORD when the system was left destroyed (a PASSED or REFUSED
 * run never is). `d` may be NULL: it is rebuilt from the start record.
 */
const char *restored_verdict(json_t *records, const struct drill *d);

/*
 * A journal record's header as the runner, `rdrill restore` and the
 * verdict tell records apart by, typed by one schema (restored.c): each
 * text "" when absent or not text, `n` unset when not a number. Borrowed
 * from the record; nothing to release.
 */
struct restored_head {
	const char *type, *mode, *status, *when, *time, *item, *id;
	struct schema_int n;
};

void restored_head_read(json_t *rec, struct restored_head *h);

/*
 * A restore or verify_restore step that did not pass: its number, id,
 * title, phase, status ("not run", "failed", "aborted"), the command
 * an operator can paste (cd, the user, secrets as "$VARIABLE", never a
 * value; "" for rdrill's own checks) and the plan's one line.
 */
struct restored_step {
	long n;
	const char *id, *title, *phase, *status;  /* borrowed: drill, records */
	char *command, *describe;
};

struct restored_steps {
	struct restored_step *v;
	size_t nr, alloc;
};

/* Those steps, in order, into `out` (zeroed); restored_steps_release. */
void restored_pending_steps(json_t *records, const struct drill *d,
			    struct restored_steps *out);
void restored_steps_release(struct restored_steps *s);

/*
 * The same as the report's view takes it: [{"n", "id", "title",
 * "phase", "status", "command", "describe"}].
 */
json_t *restored_pending(json_t *records, const struct drill *d);

/*
 * The "destroy" record's state (what rdrill recorded before destroy:
 * the canary row, fingerprints, captures), or NULL.
 */
json_t *restored_state(json_t *records);

#endif
