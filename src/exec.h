#ifndef RDRILL_EXEC_H
#define RDRILL_EXEC_H

#include <signal.h>
#include <stddef.h>
#include <time.h>

#include "strbuf.h"
#include "secret.h"
#include "strvec.h"

struct error;

/*
 * Running one command of a drill: spawned from an argv (never through a
 * shell unless argv says {"/bin/sh", "-c", script}), in its own process
 * group, stdin from /dev/null, stdout and stderr copied to files through
 * a fixed buffer so memory stays bounded whatever the command prints.
 *
 * argv[0] without a '/' is looked up in the PATH the child will get
 * (after `env`), else in "/usr/local/bin:/usr/bin:/bin"; a file that is
 * not a binary and has no #! line runs under /bin/sh, as execvp() does.
 *
 * The child gets the caller's environment (none with `env_clear`), then
 * `env`: "K=V" sets K, a bare "K" unsets it. With `run_as` the child
 * gets only PATH, LANG, LANGUAGE, LC_* and TZ of the caller's, that
 * user's HOME, USER and LOGNAME, then `env` (what the step declares),
 * and leads a new session (setsid: no controlling terminal, so no
 * /dev/tty to type into root's shell). With rdrill running as root it
 * also switches to that user (its groups, gid, uid); `cwd` is entered as
 * that user. Not running as root, `run_as` must name the current user
 * (then the user stays the same) or the run is refused.
 *
 * Stops: after `timeout_ms` (0 = never), or when `*cancel` becomes
 * non-zero (a SIGINT/SIGTERM handler's flag), the whole group gets
 * SIGTERM, then SIGKILL once `grace_ms` has passed or the child has
 * exited, whichever comes first, so nothing it started outlives it.
 * Without a stop, whatever the child left running is left alone
 * (`pg_ctl start` must be able to leave a server behind); output it
 * still holds open is read until it falls silent (100 ms, 1 s at most
 * after the child's exit), then dropped: daemons need their own log.
 *
 * If rdrill dies while the child runs, even by SIGKILL, the child's
 * whole group gets SIGTERM, then SIGKILL 2 s later, from the watchdog
 * (watchdog.h): a process forked once per rdrill that holds a socket
 * from rdrill and kills the registered groups when it reads EOF. Not
 * PR_SET_PDEATHSIG (it reaches the leader only, not a shell's children)
 * nor a subreaper (that would be rdrill, which is dead). What left the
 * group on purpose (setsid(): pg_ctl's server, `setsid cmd &`) is not
 * in it and lives on.
 *
 * Each string of `redact` (NULL-terminated, empty strings ignored) is
 * replaced by "[REDACTED]" wherever it appears in either stream, raw or
 * encoded (percent, backslash, ...: secret_find()), also across read
 * boundaries, before anything reaches a file or an excerpt.
 *
 * Each string of `watch` (NULL-terminated, at most EXEC_WATCH_MAX of
 * them, each shorter than EXEC_WATCH_LEN bytes) is looked for in the
 * whole (redacted) stderr, not only in its excerpts; bit i of
 * `watch_seen` says whether watch[i] appeared. Only stderr: that is
 * where psql and pg_restore report errors, while stdout may be data
 * that merely quotes one.
 */
struct exec_cmd {
	struct strvec argv;
	struct strvec env;          /* "K=V" overrides, "K" removals */
	int env_clear;              /* start from an empty environment */
	const char *cwd;            /* NULL = the caller's */
	const char *run_as;         /* user name, NULL = the caller */
	const char *stdout_path;    /* fs_create(): new in the bundle */
	const char *stderr_path;
	unsigned long timeout_ms;   /* 0 = none */
	unsigned long grace_ms;     /* SIGTERM -> SIGKILL */
	const char *const *redact;  /* NULL-terminated, or NULL */
	const char *const *watch;   /* NULL-terminated, or NULL */
	size_t excerpt_bytes;       /* head and tail size of each stream */
	volatile sig_atomic_t *cancel;
};

/* What a secret becomes, in output and in messages (pg_redact too). */
#define EXEC_REDACTED SECRET_REDACTED

#define EXEC_GRACE_MS_DEFAULT 5000
#define EXEC_WATCH_MAX 16
#define EXEC_WATCH_LEN 64
#define EXEC_EXCERPT_DEFAULT 4096

#define EXEC_CMD_INIT { \
	.argv = STRVEC_INIT, .env = STRVEC_INIT, \
	.grace_ms = EXEC_GRACE_MS_DEFAULT, \
	.excerpt_bytes = EXEC_EXCERPT_DEFAULT, \
}

void exec_cmd_init(struct exec_cmd *cmd);
/* Frees argv and env; the other pointers are borrowed. */
void exec_cmd_release(struct exec_cmd *cmd);

/*
 * What happened. `exit_code` reads like a shell's: the exit status, or
 * 128 + the signal that killed it (then `signal` is set). A command that
 * was stopped has `timed_out` or `cancelled` set whatever its exit code:
 * one that catches SIGTERM may still exit 0.
 *
 * Byte counts are of the (redacted) bytes written to the files. The
 * head is the first `excerpt_bytes` of a stream; the tail the last
 * `excerpt_bytes` not already in the head, so head + tail is the whole
 * stream when out_bytes == out_head.len + out_tail.len, else
 * out_bytes - both lengths were left out between them.
 *
 * `start`/`end` are wall-clock (CLOCK_REALTIME); `duration_ms` is
 * measured on CLOCK_MONOTONIC, so a clock step cannot make it lie.
 */
struct exec_result {
	int exit_code;
	int signal;
	int timed_out;
	int cancelled;
	int exec_failed;            /* could not be run; why in exec_error */
	struct strbuf exec_error;
	struct timespec start, end;
	long long duration_ms;
	unsigned long long out_bytes, err_bytes;
	struct strbuf out_head, out_tail, err_head, err_tail;
	unsigned int watch_seen;    /* bit i: cmd->watch[i] was printed */
	/*
	 * SHA-256 (hex) of each log file's bytes as written; "" when not
	 * known (no file, a write failed, or one file for both streams).
	 */
	char out_sha256[65], err_sha256[65];
};

#define EXEC_RESULT_INIT { \
	.exec_error = STRBUF_INIT, \
	.out_head = STRBUF_INIT, .out_tail = STRBUF_INIT, \
	.err_head = STRBUF_INIT, .err_tail = STRBUF_INIT, \
}

void exec_result_init(struct exec_result *res);
void exec_result_release(struct exec_result *res);

/*
 * Run `cmd` to its end. Returns 0 when the child was spawned and reaped,
 * whatever its exit code. Returns -1 with `err` set when it could not be
 * run (res->exec_failed set: program missing or not executable, cwd
 * unusable, user switch refused or failed, cancelled before the start)
 * or on a system error (an output file cannot be created, ...). An
 * output file that fails while being written (disk full) is also -1,
 * but only after the child was reaped, with the result filled.
 * The same path for stdout and stderr gets both, as with 2>&1.
 * `res` is reset first, so one result can serve several runs.
 */
int exec_run(const struct exec_cmd *cmd, struct exec_result *res,
	     struct error *err);

/* Append `argv` shell-quoted and space-separated, for display. */
void exec_format_argv(struct strbuf *sb, const char *const *argv);

/* Append `ts` as UTC with milliseconds: "2026-01-21T03:04:05.123Z". */
void exec_format_utc(struct strbuf *sb, const struct timespec *ts);

#endif
