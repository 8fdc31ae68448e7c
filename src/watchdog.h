#ifndef RDRILL_WATCHDOG_H
#define RDRILL_WATCHDOG_H

#include <sys/types.h>

/*
 * No orphans when rdrill dies, even by SIGKILL: a small process, forked
 * from rdrill on first use, holds one end of a socket whose other end
 * only rdrill holds (close-on-exec, so no command inherits it). exec.c
 * tells it each step command's process group when it starts and again
 * just before reaping its leader. When the socket reads EOF, rdrill is
 * gone: every group still registered gets SIGTERM, then SIGKILL once
 * WATCHDOG_GRACE_MS has passed or the group is empty, and the watchdog
 * exits. A clean exit of rdrill (no step running) kills nothing.
 *
 * Why this and not PR_SET_PDEATHSIG or a subreaper: the death signal
 * reaches only the one process that asked for it (the group leader, and
 * only while its parent thread lives), not the shell's children; a
 * subreaper inherits the orphans but is rdrill itself, dead by then.
 * Only something outside rdrill can act after a SIGKILL, and a process
 * group is the unit exec.c already stops on a timeout.
 *
 * What detaches on purpose lives on: a process that setsid()s or moves
 * to another group (pg_ctl's server, `setsid cmd &`, `docker compose up
 * -d`'s containers, run by dockerd) is in no registered group. Leftovers
 * of a step that ended on its own are left alone, as exec.h says, since
 * its group is unregistered when its leader is reaped. A group is
 * registered only while its leader is unreaped, so its id cannot have
 * been reused by then.
 *
 * The watchdog ignores SIGINT, SIGQUIT, SIGHUP, SIGTERM and SIGTSTP (a
 * Ctrl-C at the terminal goes to rdrill's whole process group, which is
 * rdrill's to handle), holds no other file of rdrill's (its lock, the
 * journal), has /dev/null as stdin, stdout and stderr, and is named
 * "rdrill-watchdog". If it cannot be started or has died, steps still
 * run, unguarded: watchdog_add() returns -1 and callers carry on.
 */

#define WATCHDOG_GRACE_MS 2000
#define WATCHDOG_MAX_GROUPS 64

/* Guard process group `pgid` (> 0); starts the watchdog if needed. */
int watchdog_add(pid_t pgid);
/* Stop guarding `pgid`. */
void watchdog_remove(pid_t pgid);
/* The watchdog's pid, or -1 when none runs (for tests). */
pid_t watchdog_pid(void);

#endif
