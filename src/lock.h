#ifndef RDRILL_LOCK_H
#define RDRILL_LOCK_H

struct error;
struct strbuf;

/*
 * One run per drill and environment on a host. The lock is keyed on the
 * drill's id and environment, not its file: a copy of the drill, or the
 * file replaced under a running drill (sed -i), is the same drill.
 *
 * The lock file, STATE/locks/ID@ENV.lock, is held with flock() for the
 * whole run (released when the process ends, however it ends) and holds
 * "pid N", "started TIME" and "bundle PATH" lines, so a refused run can
 * say who has it. Lock files are never removed: unlinking a lock file
 * another process is about to lock would let two runs in.
 *
 * STATE is $RDRILL_STATE_DIR, else /var/lib/rdrill for root, else
 * $XDG_STATE_HOME/rdrill, else ~/.local/state/rdrill.
 */
struct run_lock {
	int fd;
	struct strbuf *path;
	char *started;
};
#define RUN_LOCK_INIT { -1, NULL, NULL }

/* The state directory (not created). 0, or -1 with err. */
int lock_state_dir(struct strbuf *out, struct error *err);

/*
 * Take the lock for (id, environment). 0 when taken; -1 with err, and
 * *held set when another process holds it (err then names its pid,
 * start time and bundle).
 */
int run_lock_take(struct run_lock *l, const char *id, const char *environment,
		  int *held, struct error *err);

/* Record the run's bundle in the lock file. 0 or -1 with err. */
int run_lock_set_bundle(struct run_lock *l, const char *bundle,
			struct error *err);

/* Release it (also at exit, by the kernel). */
void run_lock_release(struct run_lock *l);

#endif
