#ifndef RDRILL_PREFLIGHT_H
#define RDRILL_PREFLIGHT_H

#include <jansson.h>

#include "strvec.h"

struct drill;

/*
 * Preflight: what a run needs, checked before step 1 so a missing
 * secret or program refuses the run instead of failing it at step 5
 * after steps 1-4 changed things.
 *
 * What the steps need comes from their kinds (step_kind.needs): the
 * programs they start, the users they run as, the environment variables
 * their secrets come from. The plan lists the same as prerequisites.
 */
struct step_needs {
	struct strvec programs;  /* argv[0] as the step gives it */
	struct strvec users;     /* run_as */
	struct strvec env;       /* variables that must be set */
	struct strvec files;     /* password files that must be readable */
};
#define STEP_NEEDS_INIT { STRVEC_INIT, STRVEC_INIT, STRVEC_INIT, STRVEC_INIT }

/*
 * Everything the drill's steps and connections need (each name once):
 * the steps' needs plus the password_env / password_file of every
 * connection a step uses (a connection field of its kind's parameters,
 * or the canary's). A declared connection no step uses needs nothing.
 */
void preflight_needs(const struct drill *d, struct step_needs *n);
void step_needs_release(struct step_needs *n);

/*
 * Check every need, and that `bundle` (the output directory) is writable
 * with room: each program found as execvp would find it (without running
 * it), each variable set (its value never looked at beyond that), each
 * password file readable with a non-empty first line (read as a
 * connection would read it, then forgotten), each
 * run_as user present (and, when not root, the current user), `sudo -n
 * true` working when a step starts sudo. Every problem is listed, one
 * line each, in `problems`. Returns the journal's "preflight" record:
 * {"type": "preflight", "status": "passed"|"refused", "checks": [...],
 *  "problems": [...]}; names only, never a variable's value.
 * `more` (NULL-terminated, or NULL) are drill-wide checks of modules
 * preflight does not know (the ssh hosts'), run after the kinds' own.
 */
struct preflight_report;
typedef void preflight_fn(const struct drill *d, struct preflight_report *r);
json_t *preflight_check(const struct drill *d, const char *bundle,
			preflight_fn *const *more, struct strvec *problems);

/*
 * Backups are never overwritten: when the drill has backup-phase steps,
 * each backup_set item's artifact (not a scheduled one) and the
 * backup_dir must not exist yet, unless the item says overwrite: true
 * (the backup_dir: unless one item does). Adds a check each to the
 * preflight record `rec` and a problem each, refusing it.
 */
void preflight_artifacts(const struct drill *d, json_t *rec,
			 struct strvec *problems);

/*
 * A kind's own preflight check (step_kind.preflight), added to the
 * preflight record: `problem` is the line the refusal prints.
 */
void preflight_add(struct preflight_report *r, const char *what,
		   const char *expected, const char *actual, int ok,
		   const char *problem);

/*
 * Where `prog` would be found, as execvp does: a name with a slash as
 * it is, else the first executable regular file on $PATH (default
 * "/bin:/usr/bin"). 0 with the path in `out`, or -1.
 */
struct strbuf;
int preflight_which(const char *prog, struct strbuf *out);

#endif
