#ifndef RDRILL_SSH_H
#define RDRILL_SSH_H

#include "strbuf.h"
#include "strvec.h"

struct drill;
struct drill_ssh_host;
struct error;
struct preflight_report;

/*
 * Remote steps: a command step with `host: NAME` runs on an SSH host the
 * drill declares (`ssh_hosts:`), through OpenSSH's client spawned by
 * exec.c like any step's program.
 *
 * The client is told everything on its command line and reads no
 * configuration file (-F none): BatchMode (no prompt, ever),
 * StrictHostKeyChecking=yes against the drill's own known_hosts file
 * only (no global file, no key learnt or updated), that identity and no
 * agent, no password or keyboard-interactive fallback. A host whose key
 * is not pinned there is refused, in preflight.
 *
 * The remote side gets one command line (as ssh always sends it: a
 * string its login shell runs with -c, which must be POSIX-like):
 *
 *   sh -c 'WRAPPER' rdrill-ssh TIMEOUT GRACE CWD 'argv0' 'argv1' ...
 *
 * every word single-quoted, so the remote argv is exactly the step's.
 * WRAPPER is fixed text: it reads the step's secret_env variables from
 * stdin (NAME line, VALUE line, ..., an empty line), exports them, enters
 * CWD, and runs the argv under coreutils' `timeout -k GRACE TIMEOUT`
 * with /dev/null as its stdin. `timeout` puts the command in a process
 * group of its own and signals the whole group at the deadline, so the
 * step's deadline ends the remote processes themselves, not only the
 * local ssh (sshd does not signal a session without a tty when its
 * client goes away). Meanwhile the wrapper watches the rest of its
 * stdin, which rdrill holds open for the step's life: when the local
 * ssh goes (rdrill cancelled by SIGTERM or SIGINT, killed, or its
 * backstop deadline), EOF there ends the remote command's group too.
 * Secrets are never on that line, and never in the local ssh's argv or
 * environment: they travel inside the encrypted channel, on stdin, which
 * the local ssh reads from a pipe (no file).
 *
 * Exit codes: the remote shell's (ssh passes it through): a remote
 * command killed by signal N reads 128+N, as a shell reports it; 124
 * after its deadline (timeout's), 255 when ssh itself failed.
 */

/* "user@host:port", for the plan, the report and messages. */
void ssh_describe(const struct drill_ssh_host *h, struct strbuf *out);

/*
 * The local ssh argv up to and including the host name; the caller
 * pushes the remote command line after it (ssh_remote_command()).
 * `connect_timeout_s` 0: ssh's default.
 */
void ssh_argv(const struct drill_ssh_host *h, long connect_timeout_s,
	      struct strvec *argv);

/*
 * The remote command line (above) running `argv` with `env` ("K=V",
 * not secret: they are on the line) in `cwd` (NULL: the login
 * directory) under a deadline of `timeout_s` seconds (0: none), killed
 * `grace_s` after the TERM.
 */
void ssh_remote_command(struct strbuf *out, const char *const *argv,
			const char *const *env, const char *cwd,
			long timeout_s, long grace_s);

/*
 * `argv` as words for a remote shell, each single-quoted (a command
 * whose stdin is not the wrapper's: `rdrill ship` streams a tar there).
 */
void ssh_quote_words(struct strbuf *out, const char *const *argv);

/*
 * What the remote wrapper reads from stdin: each NAME line then VALUE
 * line, then an empty line. -1 with err set for a name that is not
 * [A-Za-z_][A-Za-z0-9_]* or a value with a newline or NUL (it could
 * not be read back as one line).
 */
int ssh_stdin_payload(struct strbuf *out, const char *const *names,
		      const char *const *values, struct error *err);

/*
 * `payload` written into a new pipe (close-on-exec both ends): fds[0]
 * is read through `path`, "/proc/self/fd/N", which exec.c opens as the
 * child's stdin; the caller keeps fds[1] open until the child has ended
 * (the remote watcher's EOF, above) and then closes both. At most
 * SSH_STDIN_MAX bytes (less than a pipe holds: the write never blocks).
 */
#define SSH_STDIN_MAX 60000u
int ssh_stdin_pipe(const struct strbuf *payload, int fds[2],
		   struct strbuf *path, struct error *err);

/*
 * Was a remote run's exit code its deadline's? `timeout` exits 124
 * (TERM obeyed) or 137 (KILL after the grace), and only then has the
 * step's time passed.
 */
int ssh_timed_out(int exit_code, long long duration_ms, long timeout_s);

/*
 * Preflight for every declared host: it answers, its key is the pinned
 * one, the key logs in without a prompt, and it has `timeout` and
 * `sh`; one check (and, failing, one problem line) per host, each
 * saying which of those failed.
 */
void ssh_preflight(const struct drill *d, struct preflight_report *r);

#endif
