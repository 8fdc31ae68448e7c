#ifndef RDRILL_RESTORED_H
#define RDRILL_RESTORED_H

#include <jansson.h>

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
 * The restore and verify_restore steps that did not pass, in
 * order: [{"n", "id", "title", "phase", "status" ("not run", "failed",
 * "aborted"), "command" (a line an operator can paste: cd, the user,
 * secrets as "$VARIABLE", never a value; "" for rdrill's own checks),
 * "describe" (the plan's one line)}].
 */
json_t *restored_pending(json_t *records, const struct drill *d);

/*
 * The "destroy" record's state (what rdrill recorded before destroy:
 * the canary row, fingerprints, captures), or NULL.
 */
json_t *restored_state(json_t *records);

#endif
