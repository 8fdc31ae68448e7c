/*
 * Remote steps over OpenSSH (ssh.h): the client's argv, the remote
 * command line, secrets on stdin, and the hosts' preflight.
 */
#include "ssh.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "drill.h"
#include "error.h"
#include "exec.h"
#include "preflight.h"
#include "strvec.h"

/* ssh's own failures (connection, host key, login) exit with this. */
#define SSH_FAILED 255
/* How long preflight waits for a host, connection and all. */
#define PROBE_CONNECT_S 10
#define PROBE_TIMEOUT_MS 30000
/* The probe's remote exit when the host has no `timeout`. */
#define PROBE_NO_TIMEOUT 97

/*
 * The remote wrapper (ssh.h). Fixed text with no single quote, so it is
 * single-quoted as it is. `read` takes one line per call (IFS= and -r:
 * the value byte for byte); the command's own stdin is /dev/null, as a
 * local step's. It runs in the background under `timeout` (a deadline
 * of 0 is none) while a watcher reads the rest of stdin: rdrill keeps
 * that open for the step's whole life, so EOF there means the local ssh
 * is gone (rdrill cancelled, killed, its backstop deadline), and the
 * watcher's TERM to `timeout` ends the command's whole process group
 * then too (KILL after the grace). `wait` turns a death by signal N
 * into exit 128+N, which ssh passes on (a signal of the wrapper itself
 * would come back as ssh's 255). An asynchronous list's stdin is
 * /dev/null unless redirected: hence fd 3.
 */
static const char wrapper[] =
	"t=$1 k=$2 d=$3; shift 3; "
	"while IFS= read -r n; do [ -n \"$n\" ] || break; "
	"IFS= read -r v; export \"$n=$v\"; done; "
	"if [ -n \"$d\" ]; then cd \"$d\" || exit 126; fi; "
	"exec 3<&0; "
	"timeout -k \"$k\" \"$t\" \"$@\" </dev/null & c=$!; "
	"{ while IFS= read -r _; do :; done; kill -TERM \"$c\" 2>/dev/null; } "
	"<&3 3<&- & w=$!; "
	"exec 3<&-; wait \"$c\"; s=$?; kill \"$w\" 2>/dev/null; exit \"$s\"";

void ssh_describe(const struct drill_ssh_host *h, struct strbuf *out)
{
	strbuf_addf(out, "%s@%s:%ld", h->user, h->host,
		    h->port.set ? h->port.v : 22L);
}

void ssh_argv(const struct drill_ssh_host *h, long connect_timeout_s,
	      struct strvec *argv)
{
	static const char *const fixed[] = {
		"ssh", "-F", "none", "-T", "-x", "-a",
		"-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "UpdateHostKeys=no",
		"-o", "CheckHostIP=no",
		"-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none",
		"-o", "PasswordAuthentication=no",
		"-o", "KbdInteractiveAuthentication=no",
		"-o", "ServerAliveInterval=15",
		"-o", "ServerAliveCountMax=4",
		"-o", "LogLevel=ERROR",
		NULL,
	};

	strvec_pushv(argv, fixed);
	strvec_push(argv, "-o");
	strvec_pushf(argv, "UserKnownHostsFile=%s", h->known_hosts);
	strvec_push(argv, "-i");
	strvec_push(argv, h->identity_file);
	if (connect_timeout_s > 0) {
		strvec_push(argv, "-o");
		strvec_pushf(argv, "ConnectTimeout=%ld", connect_timeout_s);
	}
	strvec_push(argv, "-p");
	strvec_pushf(argv, "%ld", h->port.set ? h->port.v : 22L);
	strvec_push(argv, "-l");
	strvec_push(argv, h->user);
	/* After "--" a host (or a command) is never read as an option. */
	strvec_push(argv, "--");
	strvec_push(argv, h->host);
}

/* Every word quoted, even plain ones: the remote shell sees no syntax. */
static void add_word(struct strbuf *out, const char *w)
{
	const char *p;

	strbuf_adds(out, " '");
	for (p = w; *p; p++)
		if (*p == '\'')
			strbuf_adds(out, "'\\''");
		else
			strbuf_addch(out, *p);
	strbuf_addch(out, '\'');
}

void ssh_remote_command(struct strbuf *out, const char *const *argv,
			const char *const *env, const char *cwd,
			long timeout_s, long grace_s)
{
	char num[32];
	size_t i;

	strbuf_adds(out, "sh -c");
	add_word(out, wrapper);
	add_word(out, "rdrill-ssh");
	snprintf(num, sizeof(num), "%ld", timeout_s > 0 ? timeout_s : 0L);
	add_word(out, num);
	snprintf(num, sizeof(num), "%ld", grace_s > 0 ? grace_s : 1L);
	add_word(out, num);
	add_word(out, cwd ? cwd : "");
	if (env && env[0]) {
		/* env(1) sets them; "--" ends its options, not its K=V. */
		add_word(out, "env");
		add_word(out, "--");
		for (i = 0; env[i]; i++)
			add_word(out, env[i]);
	}
	for (i = 0; argv[i]; i++)
		add_word(out, argv[i]);
}

void ssh_quote_words(struct strbuf *out, const char *const *argv)
{
	size_t i;

	/* Each word with a space before it: harmless to a shell. */
	for (i = 0; argv[i]; i++)
		add_word(out, argv[i]);
}

static int valid_name(const char *s)
{
	const char *p;

	if (!*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

int ssh_stdin_payload(struct strbuf *out, const char *const *names,
		      const char *const *values, struct error *err)
{
	size_t i;

	for (i = 0; names && names[i]; i++) {
		if (!valid_name(names[i]))
			return error_set(err, "secret_env %s: not a variable "
					 "name a remote shell can set",
					 names[i]);
		if (strchr(values[i], '\n'))
			return error_set(err, "secret_env %s: a value with a "
					 "newline cannot be sent to a remote "
					 "host", names[i]);
		strbuf_addf(out, "%s\n%s\n", names[i], values[i]);
	}
	strbuf_addch(out, '\n');
	return 0;
}

int ssh_stdin_pipe(const struct strbuf *payload, int fds[2],
		   struct strbuf *path, struct error *err)
{
	size_t off = 0;

	if (payload->len > SSH_STDIN_MAX)
		return error_set(err, "secret_env: more than %u bytes to send",
				 SSH_STDIN_MAX);
	/* Close-on-exec: no other child may hold the write end open. */
	if (pipe(fds) < 0)
		return error_errno(err, "pipe");
	/* (pipe2() needs _GNU_SOURCE; no thread spawns in between.) */
	fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	/* Less than a pipe's capacity: this never blocks. */
	while (off < payload->len) {
		ssize_t n = write(fds[1], payload->buf + off,
				  payload->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "writing the remote stdin");
			close(fds[0]);
			close(fds[1]);
			return -1;
		}
		off += (size_t)n;
	}
	strbuf_addf(path, "/proc/self/fd/%d", fds[0]);
	return 0;
}

int ssh_timed_out(int exit_code, long long duration_ms, long timeout_s)
{
	return timeout_s > 0 && (exit_code == 124 || exit_code == 137) &&
	       duration_ms >= (long long)timeout_s * 1000;
}

/* Why a probe failed, from ssh's exit and its stderr. */
static void probe_why(const struct exec_result *res, struct strbuf *why)
{
	const char *e = res->err_head.buf;
	const char *nl;

	if (res->timed_out)
		strbuf_addf(why, "no answer within %d s", PROBE_TIMEOUT_MS / 1000);
	else if (res->exit_code == PROBE_NO_TIMEOUT)
		strbuf_adds(why, "answers, but has no `timeout` (coreutils): a "
			    "step's deadline could not end its processes");
	else if (strstr(e, "Host key verification failed") ||
		 strstr(e, "REMOTE HOST IDENTIFICATION HAS CHANGED"))
		strbuf_adds(why, "its host key is not the one pinned in the "
			    "known_hosts file (unknown or changed)");
	else if (strstr(e, "Permission denied"))
		strbuf_adds(why, "the identity file's key was refused "
			    "(Permission denied)");
	else {
		/* Its first line says why (a nologin shell, a refused host). */
		nl = strchr(e, '\n');
		if (res->exit_code != SSH_FAILED)
			strbuf_addf(why, "the check exited %d%s", res->exit_code,
				    *e ? ": " : "");
		else
			strbuf_adds(why, "ssh failed: ");
		strbuf_add(why, e, nl ? (size_t)(nl - e) : strlen(e));
		strbuf_rtrim(why);
	}
}

static void probe_host(const struct drill_ssh_host *h,
		       struct preflight_report *r)
{
	/* Not the wrapper: its watcher would end the check at stdin's EOF. */
	static const char *const check[] = {
		"sh", "-c", "command -v timeout >/dev/null || exit 97", NULL };
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf what = STRBUF_INIT, why = STRBUF_INIT,
		      line = STRBUF_INIT, where = STRBUF_INIT;
	int ok;

	ssh_describe(h, &where);
	ssh_argv(h, PROBE_CONNECT_S, &cmd.argv);
	ssh_quote_words(&line, check);
	strvec_push(&cmd.argv, line.buf);
	cmd.timeout_ms = PROBE_TIMEOUT_MS;
	cmd.grace_ms = 1000;
	ok = exec_run(&cmd, &res, &err) == 0 && !res.timed_out &&
	     res.exit_code == 0;
	strbuf_addf(&what, "ssh host %s (%s)", h->name, where.buf);
	if (!ok && err.msg.len)
		strbuf_adds(&why, err.msg.buf);
	else if (!ok)
		probe_why(&res, &why);
	strbuf_reset(&line);
	strbuf_addf(&line, "ssh host %s (%s): %s", h->name, where.buf,
		    why.buf);
	preflight_add(r, what.buf, "answers, host key pinned, key accepted",
		      ok ? "answers, host key pinned, key accepted" : why.buf,
		      ok, line.buf);
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	error_release(&err);
	strbuf_release(&what);
	strbuf_release(&why);
	strbuf_release(&line);
	strbuf_release(&where);
}

void ssh_preflight(const struct drill *d, struct preflight_report *r)
{
	size_t i;

	for (i = 0; i < d->nssh_hosts; i++)
		probe_host(&d->ssh_hosts[i], r);
}
