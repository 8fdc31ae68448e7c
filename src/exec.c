#include "exec.h"
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"
#include "fsutil.h"
#include "sha256.h"
#include "user.h"
#include "watchdog.h"
#include "xalloc.h"

extern char **environ;

/* One read, and the most a stream ever holds in flight. */
#define EXEC_BUF 65536
/* Without a pidfd, how often the loop looks for the child's exit. */
#define TICK_MS 10
/* How often a cancel flag is looked at when no signal wakes us. */
#define CANCEL_TICK_MS 100
#define LINGER_IDLE_MS 100
#define LINGER_MAX_MS 1000
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void exec_cmd_init(struct exec_cmd *cmd)
{
	struct exec_cmd blank = EXEC_CMD_INIT;

	*cmd = blank;
}

void exec_cmd_release(struct exec_cmd *cmd)
{
	strvec_clear(&cmd->argv);
	strvec_clear(&cmd->env);
}

void exec_result_init(struct exec_result *res)
{
	struct exec_result blank = EXEC_RESULT_INIT;

	*res = blank;
}

void exec_result_release(struct exec_result *res)
{
	strbuf_release(&res->exec_error);
	strbuf_release(&res->out_head);
	strbuf_release(&res->out_tail);
	strbuf_release(&res->err_head);
	strbuf_release(&res->err_tail);
}

static void result_reset(struct exec_result *res)
{
	struct exec_result keep = *res;

	exec_result_init(res);
	res->exec_error = keep.exec_error;
	res->out_head = keep.out_head;
	res->out_tail = keep.out_tail;
	res->err_head = keep.err_head;
	res->err_tail = keep.err_tail;
	strbuf_reset(&res->exec_error);
	strbuf_reset(&res->out_head);
	strbuf_reset(&res->out_tail);
	strbuf_reset(&res->err_head);
	strbuf_reset(&res->err_tail);
}

void exec_format_argv(struct strbuf *sb, const char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		strbuf_add_shquoted(sb, argv[i]);
	}
}

void exec_format_utc(struct strbuf *sb, const struct timespec *ts)
{
	struct tm tm;
	char buf[64];
	time_t t = ts->tv_sec;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm)) {
		strbuf_adds(sb, "(invalid time)");
		return;
	}
	strbuf_addf(sb, "%s.%03ldZ", buf, (long)(ts->tv_nsec / 1000000));
}

/* ------------------------------------------------------------------ */
/* What the child needs, all of it built before vfork(). */

enum child_stage {
	STAGE_SETPGID = 1,
	STAGE_DUP,
	STAGE_SETGROUPS,
	STAGE_SETGID,
	STAGE_SETUID,
	STAGE_CHDIR,
	STAGE_EXEC,
};

/* Sent up the report pipe when the child cannot exec. */
struct child_report {
	int stage;
	int err;
};

struct spawn {
	const char *const *argv;
	size_t argc;
	struct strvec env;
	struct strvec paths;        /* where to look for argv[0], in order */
	size_t first;               /* paths[first] is tried first */
	const char **sh_argv;       /* argc + 2 slots, for ENOEXEC */
	const char *cwd;
	int new_session;            /* run_as: setsid(), no terminal */
	const struct rlimit *core;  /* the core limit to give back, or NULL */
	int switch_user;
	uid_t uid;
	gid_t gid;
	gid_t *groups;
	int ngroups;
	int fd_in, fd_out, fd_err, fd_report;
	sigset_t oldmask;
	struct sigaction dfl;
};

static size_t env_name_len(const char *e)
{
	return strcspn(e, "=");
}

static int env_same_name(const char *a, const char *b)
{
	size_t n = env_name_len(a);

	return n == env_name_len(b) && !strncmp(a, b, n);
}

/*
 * What a run_as child keeps of the caller's environment: nothing that
 * could be a credential or a handle on root's session (CLOUD_TOKEN,
 * SSH_AUTH_SOCK, DISPLAY, ...), only what says how to find programs and
 * print text. Everything else it gets is declared by the step (env:,
 * secret_env:) or is the user's own HOME, USER, LOGNAME.
 */
static int env_allowed(const char *e)
{
	static const char *const names[] = { "PATH", "LANG", "LANGUAGE", "TZ",
					     NULL };
	size_t n = env_name_len(e);

	if (n > 3 && !strncmp(e, "LC_", 3))
		return 1;
	for (size_t i = 0; names[i]; i++)
		if (strlen(names[i]) == n && !strncmp(e, names[i], n))
			return 1;
	return 0;
}

/*
 * The caller's environment (unless cleared; only env_allowed() names for
 * a run_as child), then the user's HOME etc., then cmd->env, later layers
 * winning; "K" alone removes K.
 */
static void build_env(struct strvec *out, const struct exec_cmd *cmd,
		      const struct strvec *user)
{
	struct strvec ov = STRVEC_INIT;
	size_t i, j;

	strvec_pushv(&ov, user->v);
	strvec_pushv(&ov, cmd->env.v);
	if (!cmd->env_clear) {
		for (i = 0; environ && environ[i]; i++) {
			if (!strchr(environ[i], '='))
				continue;
			if (cmd->run_as && !env_allowed(environ[i]))
				continue;
			for (j = 0; j < ov.nr; j++)
				if (env_same_name(environ[i], ov.v[j]))
					break;
			if (j == ov.nr)
				strvec_push(out, environ[i]);
		}
	}
	for (i = 0; i < ov.nr; i++) {
		if (!strchr(ov.v[i], '='))
			continue;
		for (j = i + 1; j < ov.nr; j++)
			if (env_same_name(ov.v[i], ov.v[j]))
				break;
		if (j == ov.nr)
			strvec_push(out, ov.v[i]);
	}
	strvec_clear(&ov);
}

static const char *env_get(const struct strvec *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < env->nr; i++)
		if (!strncmp(env->v[i], name, n) && env->v[i][n] == '=')
			return env->v[i] + n + 1;
	return NULL;
}

/* execvp()'s search, done here because the child may not allocate. */
static void build_paths(struct strvec *paths, const char *prog,
			const struct strvec *env)
{
	const char *path, *p, *colon;

	if (strchr(prog, '/')) {
		strvec_push(paths, prog);
		return;
	}
	path = env_get(env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	for (p = path;; p = colon + 1) {
		colon = strchr(p, ':');
		if (!colon)
			colon = p + strlen(p);
		/* An empty entry means the current directory, as in POSIX. */
		if (colon == p)
			strvec_pushf(paths, "./%s", prog);
		else
			strvec_pushf(paths, "%.*s/%s", (int)(colon - p), p, prog);
		if (!*colon)
			break;
	}
}

/*
 * Which candidate the child tries first: the first that is a regular file
 * its user may execute. Every candidate before it would fail in execve()
 * too, with an error execvp() passes over (missing, a directory, not
 * executable), so execvp() would end up at the same file; the child then
 * makes one execve() instead of one per PATH entry. With a user switch
 * the parent cannot ask the kernel on that user's behalf, so any x bit
 * will do; when the guess fails after all (an ACL, a directory that user
 * may not search, a race), the child does execvp()'s whole search, so
 * what runs and the error reported stay execvp()'s.
 */
static void pick_candidate(struct spawn *sp)
{
	struct strbuf full = STRBUF_INIT;
	struct stat st;

	sp->first = 0;
	if (sp->paths.nr < 2)
		return;     /* the child tries this one first anyway */
	for (; sp->first < sp->paths.nr; sp->first++) {
		const char *path = sp->paths.v[sp->first];

		if (path[0] != '/' && sp->cwd) {
			/* The child resolves it after its chdir(). */
			strbuf_reset(&full);
			strbuf_addf(&full, "%s/%s", sp->cwd, path);
			path = full.buf;
		}
		if (stat(path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR ||
			    errno == ELOOP || errno == ENAMETOOLONG)
				continue;
			break;      /* cannot tell: the child will see */
		}
		if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		if (sp->switch_user ||
		    !faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) ||
		    errno != EACCES)
			break;
	}
	strbuf_release(&full);
}

/*
 * Looks `name` up; when running as root, fills the ids to switch to and
 * the user's environment. Returns 1 when the run is refused (err set).
 */
static int prepare_user(struct spawn *sp, const char *name,
			struct strvec *user_env, struct error *err)
{
	struct user_info u = USER_INFO_INIT;
	uid_t me = geteuid();
	int rc = user_by_name(name, &u), n;

	if (rc <= 0) {
		if (rc < 0)
			error_errno(err, "cannot look up user '%s'", name);
		else
			error_set(err, "unknown user '%s'", name);
		user_info_release(&u);
		return 1;
	}
	sp->new_session = 1;
	strvec_pushf(user_env, "HOME=%s", u.home.buf);
	strvec_pushf(user_env, "USER=%s", u.name.buf);
	strvec_pushf(user_env, "LOGNAME=%s", u.name.buf);
	if (me != 0) {
		rc = 0;
		if (u.uid != me)
			rc = error_set(err, "cannot run as user '%s': only root "
				       "can switch users and rdrill runs as "
				       "uid %ld", name, (long)me);
		user_info_release(&u);
		return rc ? 1 : 0;
	}
	sp->switch_user = 1;
	sp->uid = u.uid;
	sp->gid = u.gid;
	n = 32;
	sp->groups = xmalloc(n * sizeof(*sp->groups));
	while (getgrouplist(name, u.gid, sp->groups, &n) < 0)
		sp->groups = xrealloc(sp->groups, (size_t)n * sizeof(*sp->groups));
	sp->ngroups = n;
	user_info_release(&u);
	return 0;
}

/* ------------------------------------------------------------------ */
/*
 * The child: from vfork() to exec, it runs in the parent's memory while
 * the parent waits. So async-signal-safe calls only, no allocation, and
 * nothing written but errno and sh_argv. Credentials change through raw
 * syscalls: glibc's setuid() and friends broadcast the change to every
 * thread on glibc's thread list, which here is the parent's.
 */

#if defined(SYS_setuid32)
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETGID SYS_setgid32
#define SYS_SETUID SYS_setuid32
#else
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETGID SYS_setgid
#define SYS_SETUID SYS_setuid
#endif

__attribute__((noreturn))
static void child_fail(const struct spawn *sp, int stage)
{
	struct child_report r;
	ssize_t n;

	r.stage = stage;
	r.err = errno;
	do
		n = write(sp->fd_report, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

static int skip_candidate(int e)
{
	return e == ENOENT || e == ENOTDIR || e == ELOOP ||
		e == ENAMETOOLONG || e == EACCES || e == ESTALE;
}

/*
 * execve() of one candidate; one without #! runs under sh, as execvp()
 * has it. Returns (errno set) only when that failed: 1 when the search
 * stops there, 0 when execvp() would try the next candidate.
 */
static int exec_candidate(const struct spawn *sp, const char *path)
{
	execve(path, (char *const *)sp->argv, (char *const *)sp->env.v);
	if (errno != ENOEXEC)
		return !skip_candidate(errno);
	sp->sh_argv[0] = "sh";
	sp->sh_argv[1] = path;
	for (size_t j = 1; j <= sp->argc; j++)
		sp->sh_argv[j + 1] = sp->argv[j];
	execve("/bin/sh", (char *const *)sp->sh_argv,
	       (char *const *)sp->env.v);
	return 1;
}

__attribute__((noreturn))
static void child_exec(const struct spawn *sp)
{
	int eacces = 0, last = ENOENT;

	/* The parent's pick: the one execve() of a run that works. */
	if (sp->first > 0 && sp->first < sp->paths.nr)
		exec_candidate(sp, sp->paths.v[sp->first]);
	/* Still here: execvp()'s whole search, for its outcome and error. */
	for (size_t i = 0; i < sp->paths.nr; i++) {
		if (exec_candidate(sp, sp->paths.v[i]))
			break;
		if (errno == EACCES)
			eacces = 1;
		else
			last = errno;
	}
	if (errno == ENOEXEC || skip_candidate(errno))
		errno = eacces ? EACCES : last;
	child_fail(sp, STAGE_EXEC);
}

__attribute__((noreturn))
static void child_run(const struct spawn *sp)
{
	int sig;

	/*
	 * A run_as child leads a new session: it has no controlling terminal,
	 * so it cannot open /dev/tty and type into root's shell (TIOCSTI).
	 * Either way it leads its own process group, which the deadline and
	 * the watchdog kill as one.
	 */
	if ((sp->new_session ? setsid() : setpgid(0, 0)) < 0)
		child_fail(sp, STAGE_SETPGID);
	/*
	 * Handlers are the caller's (one would run on the caller's memory),
	 * and SIG_IGN would outlive exec. KILL and STOP cannot be changed.
	 */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sp->dfl, NULL);

	/* Every fd is > 2 (see move_high), so dup2 clears FD_CLOEXEC. */
	if (dup2(sp->fd_in, 0) < 0 || dup2(sp->fd_out, 1) < 0 ||
	    dup2(sp->fd_err, 2) < 0)
		child_fail(sp, STAGE_DUP);
#ifdef SYS_close_range
	/*
	 * Whatever the caller has open (a libpq socket, the journal) stays
	 * out of the command. CLOEXEC rather than close: the report pipe
	 * must live until exec. Old kernels say ENOSYS/EINVAL; so be it.
	 */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
#endif

	if (sp->switch_user) {
		if (syscall(SYS_SETGROUPS, (size_t)sp->ngroups, sp->groups) < 0)
			child_fail(sp, STAGE_SETGROUPS);
		if (syscall(SYS_SETGID, sp->gid) < 0)
			child_fail(sp, STAGE_SETGID);
		if (syscall(SYS_SETUID, sp->uid) < 0)
			child_fail(sp, STAGE_SETUID);
	}
	/* After the switch: the directory must be usable by that user. */
	if (sp->cwd && chdir(sp->cwd) < 0)
		child_fail(sp, STAGE_CHDIR);
	/*
	 * No directory asked for, and the user cannot enter the caller's
	 * (root's 0700 home): from "/", as PostgreSQL's programs refuse to
	 * start where they cannot find their way back to.
	 */
	if (!sp->cwd && sp->switch_user && access(".", X_OK) < 0 &&
	    chdir("/") < 0)
		child_fail(sp, STAGE_CHDIR);

	/* rdrill's own core limit is 0 while it holds secrets, not theirs. */
	if (sp->core)
		setrlimit(RLIMIT_CORE, sp->core);
	sigprocmask(SIG_SETMASK, &sp->oldmask, NULL);
	child_exec(sp);
}

/* ------------------------------------------------------------------ */
/* Output: redaction, files, excerpts. */

struct redact {
	const char *const *s;       /* the non-empty secrets */
	size_t nr;
	size_t maxlen;              /* secret_span() */
};

struct stream {
	int fd;                     /* pipe, -1 at EOF */
	int file;                   /* -1 = discard */
	const char *path;
	char *work;                 /* carry, then what read() brought */
	size_t carry;
	char *out;                  /* redacted bytes waiting for write() */
	size_t out_len;
	size_t excerpt;
	struct strbuf *head, *tail;
	char *ring;
	size_t ring_pos, ring_len;
	unsigned long long *bytes;
	int write_errno;
	const char *const *watch;   /* cmd->watch, or NULL */
	unsigned int *seen;
	char wtail[EXEC_WATCH_LEN]; /* the last bytes emitted, for watch */
	size_t wtail_len;
	struct sha256_stream *hash; /* of the bytes write() took; NULL: none */
	char *hash_hex;             /* where its digest goes (exec_result) */
};

static void stream_flush(struct stream *st)
{
	const char *p = st->out;
	size_t left = st->out_len;

	st->out_len = 0;
	if (st->file < 0 || st->write_errno)
		return;
	while (left) {
		ssize_t n = write(st->file, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* Keep draining the pipe: a blocked child never ends. */
			st->write_errno = errno;
			return;
		}
		if (st->hash)
			sha256_stream_add(st->hash, p, (size_t)n);
		p += n;
		left -= (size_t)n;
	}
}

static void ring_add(struct stream *st, const char *p, size_t len)
{
	size_t n = st->excerpt, room;

	if (!n || !len)
		return;
	if (len >= n) {
		memcpy(st->ring, p + len - n, n);
		st->ring_pos = 0;
		st->ring_len = n;
		return;
	}
	room = n - st->ring_pos;
	if (len <= room) {
		memcpy(st->ring + st->ring_pos, p, len);
	} else {
		memcpy(st->ring + st->ring_pos, p, room);
		memcpy(st->ring, p + room, len - room);
	}
	st->ring_pos = (st->ring_pos + len) % n;
	st->ring_len = st->ring_len + len > n ? n : st->ring_len + len;
}

/*
 * Look for the watched strings in p, and in the seam between the bytes
 * emitted before and p, so a match split across reads is found too.
 */
static void watch_scan(struct stream *st, const char *p, size_t len)
{
	char seam[2 * EXEC_WATCH_LEN];
	size_t i, m, k, n;

	if (!st->watch || !len)
		return;
	k = len < EXEC_WATCH_LEN - 1 ? len : EXEC_WATCH_LEN - 1;
	memcpy(seam, st->wtail, st->wtail_len);
	memcpy(seam + st->wtail_len, p, k);
	for (i = 0; st->watch[i]; i++) {
		if (*st->seen & 1u << i)
			continue;
		m = strlen(st->watch[i]);
		if (mem_find(seam, st->wtail_len + k, st->watch[i], m) ||
		    mem_find(p, len, st->watch[i], m))
			*st->seen |= 1u << i;
	}
	/* Keep the last EXEC_WATCH_LEN - 1 bytes of wtail + p. */
	n = EXEC_WATCH_LEN - 1;
	if (len >= n) {
		memcpy(st->wtail, p + len - n, n);
		st->wtail_len = n;
	} else {
		size_t keep = st->wtail_len + len > n ? n - len : st->wtail_len;

		memmove(st->wtail, st->wtail + st->wtail_len - keep, keep);
		memcpy(st->wtail + keep, p, len);
		st->wtail_len = keep + len;
	}
}

static void emit(struct stream *st, const char *p, size_t len)
{
	size_t take;

	*st->bytes += len;
	watch_scan(st, p, len);
	if (st->head->len < st->excerpt) {
		take = st->excerpt - st->head->len;
		if (take > len)
			take = len;
		strbuf_add(st->head, p, take);
		ring_add(st, p + take, len - take);
	} else {
		ring_add(st, p, len);
	}
	while (len) {
		take = EXEC_BUF - st->out_len;
		if (take > len)
			take = len;
		memcpy(st->out + st->out_len, p, take);
		st->out_len += take;
		p += take;
		len -= take;
		if (st->out_len == EXEC_BUF)
			stream_flush(st);
	}
}

/*
 * work[0 .. carry + n] holds unprocessed bytes. Until EOF, the last
 * maxlen - 1 of them (maxlen: the longest a match can be, encoded forms
 * included, secret.h) may begin a secret that the next read completes,
 * so no match starting there is taken and they stay behind as carry.
 */
static void stream_feed(struct stream *st, const struct redact *rd,
			size_t n, int eof)
{
	char *buf = st->work;
	size_t len = st->carry + n, pos = 0, limit, end, at, mlen;

	if (!rd->nr) {
		emit(st, buf, len);
		st->carry = 0;
		return;
	}
	limit = eof ? len : len > rd->maxlen - 1 ? len - (rd->maxlen - 1) : 0;
	while (pos < limit &&
	       (at = secret_find(rd->s, buf + pos, len - pos, limit - pos,
				 &mlen)) != SECRET_NONE) {
		emit(st, buf + pos, at);
		emit(st, EXEC_REDACTED, strlen(EXEC_REDACTED));
		pos += at + mlen;
	}
	end = pos > limit ? pos : limit;
	emit(st, buf + pos, end - pos);
	st->carry = len - end;
	memmove(buf, buf + end, st->carry);
}

static void stream_setup(struct stream *st, const struct redact *rd,
			 const struct exec_cmd *cmd, struct exec_result *res,
			 struct strbuf *head, struct strbuf *tail,
			 unsigned long long *bytes)
{
	size_t excerpt = cmd->excerpt_bytes;

	memset(st, 0, sizeof(*st));
	st->watch = cmd->watch;
	st->seen = &res->watch_seen;
	st->fd = st->file = -1;
	st->work = xmalloc(EXEC_BUF + (rd->nr ? rd->maxlen : 0));
	st->out = xmalloc(EXEC_BUF);
	st->excerpt = excerpt;
	st->ring = xmalloc(excerpt ? excerpt : 1);
	st->head = head;
	st->tail = tail;
	st->bytes = bytes;
}

static void stream_finish(struct stream *st)
{
	if (st->ring_len < st->excerpt) {
		strbuf_add(st->tail, st->ring, st->ring_len);
	} else if (st->excerpt) {
		strbuf_add(st->tail, st->ring + st->ring_pos,
			   st->excerpt - st->ring_pos);
		strbuf_add(st->tail, st->ring, st->ring_pos);
	}
}

static void stream_free(struct stream *st)
{
	if (st->fd >= 0)
		close(st->fd);
	if (st->file >= 0)
		close(st->file);
	free(st->work);
	free(st->out);
	free(st->ring);
	sha256_stream_free(st->hash);
}

/* Returns 1 at EOF. */
static int stream_read(struct stream *st, const struct redact *rd)
{
	ssize_t n = read(st->fd, st->work + st->carry, EXEC_BUF);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n > 0) {
		stream_feed(st, rd, (size_t)n, 0);
		/* Per read, so a log can be followed while the step runs. */
		stream_flush(st);
		return 0;
	}
	stream_feed(st, rd, 0, 1);
	stream_flush(st);
	close(st->fd);
	st->fd = -1;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Small helpers of the stages below. */

/* Keeps fds 0-2 free for the child's dup2()s. */
static int move_high(int fd)
{
	int nfd;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int open_output(const char *path, int *fd, struct error *err)
{
	*fd = -1;
	if (!path)
		return 0;
	/* A new file, never through a symlink nor over a log (fsutil.h). */
	*fd = move_high(fs_create(path, O_WRONLY));
	if (*fd < 0)
		return error_errno(err, "cannot create '%s'", path);
	return 0;
}

static int make_pipe(int fds[2], struct error *err)
{
	/*
	 * pipe2() is GNU-only in glibc's headers; the syscall is the same.
	 * Close-on-exec from birth, or another thread's fork could carry
	 * the report pipe's write end away and we would wait on it.
	 */
	if (syscall(SYS_pipe2, fds, O_CLOEXEC) < 0)
		return error_errno(err, "pipe");
	fds[0] = move_high(fds[0]);
	fds[1] = move_high(fds[1]);
	if (fds[0] < 0 || fds[1] < 0)
		return error_errno(err, "pipe");
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Has the child ended? Leaves it a zombie, so its pgid stays ours. */
static int child_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		if (errno != EINTR)
			return -1;
	return si.si_pid != 0;
}

static int reap(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void set_end(struct exec_result *res, const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_REALTIME, &res->end);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->duration_ms = (t1.tv_sec - t0->tv_sec) * 1000LL +
		(t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void set_status(struct exec_result *res, int status)
{
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		res->exit_code = 128 + res->signal;
	}
}

static int could_not_run(struct exec_result *res, struct error *err)
{
	res->exec_failed = 1;
	strbuf_reset(&res->exec_error);
	strbuf_add(&res->exec_error, err->msg.buf, err->msg.len);
	return -1;
}

static void report_failure(const struct exec_cmd *cmd,
			   const struct child_report *r, struct error *err)
{
	const char *prog = cmd->argv.v[0];

	errno = r->err;
	switch (r->stage) {
	case STAGE_EXEC:
		error_errno(err, "could not run '%s'", prog);
		break;
	case STAGE_CHDIR:
		error_errno(err, "could not run '%s': cannot enter "
			    "directory '%s'", prog, cmd->cwd);
		break;
	case STAGE_SETGROUPS:
	case STAGE_SETGID:
	case STAGE_SETUID:
		error_errno(err, "could not run '%s' as user '%s': %s", prog,
			    cmd->run_as, r->stage == STAGE_SETUID ? "setuid" :
			    r->stage == STAGE_SETGID ? "setgid" : "setgroups");
		break;
	default:
		error_errno(err, "could not run '%s': %s failed in the child",
			    prog, r->stage == STAGE_SETPGID ? "setsid/setpgid" : "dup2");
		break;
	}
}

/* 1 when the child sent a report, 0 when exec closed the pipe. */
static int read_report(int fd, struct child_report *r)
{
	size_t got = 0;

	while (got < sizeof(*r)) {
		ssize_t n = read(fd, (char *)r + got, sizeof(*r) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got == sizeof(*r);
}

static int poll_wait(long long now, long long at, int wait)
{
	long long left = at - now;

	if (at < 0)
		return wait;
	if (left < 0)
		left = 0;
	return wait < 0 || left < wait ? (int)left : wait;
}

/* ------------------------------------------------------------------ */
/*
 * One run, in the order exec_run() takes it: check the command, prepare
 * everything the child needs, spawn it, supervise it to its end, finish
 * the files. Each stage returns 0, or -1 with `err` set; what it holds
 * is in `struct run`, released in one place whatever stage failed.
 */

struct run {
	const struct exec_cmd *cmd;
	struct exec_result *res;
	struct spawn sp;
	struct strvec user_env;
	struct redact rd;
	const char **secrets;
	struct stream st[2];        /* stdout, stderr */
	int null_fd;
	int out_pipe[2], err_pipe[2], rep_pipe[2];
	pid_t pid;
	struct timespec t0;         /* CLOCK_MONOTONIC, for duration_ms */
};

static void run_init(struct run *r, const struct exec_cmd *cmd,
		     struct exec_result *res)
{
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	r->res = res;
	strvec_init(&r->sp.env);
	strvec_init(&r->sp.paths);
	strvec_init(&r->user_env);
	for (int i = 0; i < 2; i++)
		r->st[i].fd = r->st[i].file = -1;
	r->null_fd = -1;
	r->out_pipe[0] = r->out_pipe[1] = -1;
	r->err_pipe[0] = r->err_pipe[1] = -1;
	r->rep_pipe[0] = r->rep_pipe[1] = -1;
	r->pid = -1;

	result_reset(res);
	/* Re-taken before fork; this is for runs that never start. */
	clock_gettime(CLOCK_REALTIME, &res->start);
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
}

static void run_release(struct run *r)
{
	stream_free(&r->st[0]);
	stream_free(&r->st[1]);
	close_fd(&r->null_fd);
	for (int i = 0; i < 2; i++) {
		close_fd(&r->out_pipe[i]);
		close_fd(&r->err_pipe[i]);
		close_fd(&r->rep_pipe[i]);
	}
	strvec_clear(&r->sp.env);
	strvec_clear(&r->sp.paths);
	strvec_clear(&r->user_env);
	free(r->sp.sh_argv);
	free(r->sp.groups);
	free(r->secrets);
}

/* What is refused before anything is allocated or opened. */
static int check_cmd(struct run *r, struct error *err)
{
	const struct exec_cmd *cmd = r->cmd;

	if (!cmd->argv.nr || !*cmd->argv.v[0])
		return error_set(err, "no command to run");
	if (cmd->cancel && *cmd->cancel) {
		r->res->cancelled = 1;
		error_set(err, "'%s' not started: cancelled", cmd->argv.v[0]);
		return could_not_run(r->res, err);
	}
	if (cmd->watch) {
		for (size_t n = 0; cmd->watch[n]; n++)
			if (n == EXEC_WATCH_MAX || !*cmd->watch[n] ||
			    strlen(cmd->watch[n]) >= EXEC_WATCH_LEN)
				return error_set(err, "too many or too long "
						 "strings to watch for");
	}
	return 0;
}

/* The non-empty secrets, and the longest match of them, for stream_feed(). */
static void prepare_redact(struct run *r)
{
	const char *const *redact = r->cmd->redact;
	size_t n = 0;

	if (!redact)
		return;
	while (redact[n])
		n++;
	r->secrets = xcalloc(n + 1, sizeof(*r->secrets));
	for (size_t i = 0; i < n; i++)
		if (*redact[i])
			r->secrets[r->rd.nr++] = redact[i];
	r->rd.s = r->secrets;
	r->rd.maxlen = secret_span(r->rd.s);
}

static int open_outputs(struct run *r, struct error *err)
{
	const struct exec_cmd *cmd = r->cmd;
	struct stream *st = r->st;

	st[0].path = cmd->stdout_path;
	st[1].path = cmd->stderr_path;
	if (open_output(cmd->stdout_path, &st[0].file, err))
		return -1;
	if (cmd->stdout_path && cmd->stderr_path &&
	    !strcmp(cmd->stdout_path, cmd->stderr_path)) {
		/* One file for both (2>&1): one offset, or each overwrites
		 * the other. */
		st[1].file = fcntl(st[0].file, F_DUPFD_CLOEXEC, 3);
		if (st[1].file < 0)
			return error_errno(err, "cannot create '%s'",
					   cmd->stderr_path);
	} else if (open_output(cmd->stderr_path, &st[1].file, err)) {
		return -1;
	} else {
		/*
		 * Each log hashed as it is written, so the journal's hash
		 * costs no second read. Not for one file shared by both
		 * streams: its bytes interleave, the caller hashes the file.
		 */
		for (int i = 0; i < 2; i++)
			if (st[i].file >= 0)
				st[i].hash = sha256_stream_new();
	}
	st[0].hash_hex = r->res->out_sha256;
	st[1].hash_hex = r->res->err_sha256;
	{
		const char *in = r->cmd->stdin_path ? r->cmd->stdin_path
						    : "/dev/null";

		r->null_fd = move_high(open(in, O_RDONLY | O_CLOEXEC));
		if (r->null_fd < 0)
			return error_errno(err, "cannot open %s", in);
	}
	return 0;
}

/* Everything the child needs, built here: after vfork it may not allocate. */
static int prepare(struct run *r, struct error *err)
{
	const struct exec_cmd *cmd = r->cmd;
	struct spawn *sp = &r->sp;

	prepare_redact(r);
	stream_setup(&r->st[0], &r->rd, cmd, r->res, &r->res->out_head,
		     &r->res->out_tail, &r->res->out_bytes);
	stream_setup(&r->st[1], &r->rd, cmd, r->res, &r->res->err_head,
		     &r->res->err_tail, &r->res->err_bytes);
	r->st[0].watch = NULL;      /* stdout is data: see exec.h */

	if (cmd->run_as && prepare_user(sp, cmd->run_as, &r->user_env, err))
		return could_not_run(r->res, err);
	sp->argv = cmd->argv.v;
	sp->argc = cmd->argv.nr;
	sp->cwd = cmd->cwd;
	sp->core = secret_core_limit();
	sp->sh_argv = xcalloc(sp->argc + 2, sizeof(*sp->sh_argv));
	build_env(&sp->env, cmd, &r->user_env);
	build_paths(&sp->paths, cmd->argv.v[0], &sp->env);
	pick_candidate(sp);
	memset(&sp->dfl, 0, sizeof(sp->dfl));
	sp->dfl.sa_handler = SIG_DFL;
	sigemptyset(&sp->dfl.sa_mask);

	if (open_outputs(r, err))
		return -1;
	if (make_pipe(r->out_pipe, err) || make_pipe(r->err_pipe, err) ||
	    make_pipe(r->rep_pipe, err))
		return -1;
	sp->fd_in = r->null_fd;
	sp->fd_out = r->out_pipe[1];
	sp->fd_err = r->err_pipe[1];
	sp->fd_report = r->rep_pipe[1];
	return 0;
}

/*
 * vfork(), not fork(): the child borrows our memory until its exec, so
 * there are no page tables to copy and no copy-on-write faults after,
 * which in a process of rdrill's size were most of what a short step
 * cost (fork's share grows with the heap, i.e. with the drill). Alone in
 * its function, so that nothing of the caller's frame is live across it.
 */
__attribute__((noinline))
static pid_t spawn_child(const struct spawn *sp)
{
	pid_t pid = vfork();

	if (pid == 0)
		child_run(sp);
	return pid;
}

/*
 * Starts the child and waits for its exec: returns 0 once it runs the
 * command, -1 (res->exec_failed) when it could not, after reaping it.
 */
static int spawn(struct run *r, struct error *err)
{
	struct exec_result *res = r->res;
	struct child_report report;
	sigset_t all;
	int saved, status;

	/* No handler of the caller's may run in the child before exec. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &r->sp.oldmask);
	clock_gettime(CLOCK_REALTIME, &res->start);
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->pid = spawn_child(&r->sp);
	saved = errno;
	pthread_sigmask(SIG_SETMASK, &r->sp.oldmask, NULL);
	if (r->pid < 0) {
		errno = saved;
		return error_errno(err, "cannot fork for '%s'",
				   r->cmd->argv.v[0]);
	}
	/* Its group dies with rdrill, even by SIGKILL (watchdog.h). */
	watchdog_add(r->pid);
	/* We are back once the child has exec'd or died: its setpgid()
	 * is done or reported, ours would fail (EACCES after exec). */
	close_fd(&r->null_fd);
	close_fd(&r->out_pipe[1]);
	close_fd(&r->err_pipe[1]);
	close_fd(&r->rep_pipe[1]);

	if (read_report(r->rep_pipe[0], &report)) {
		watchdog_remove(r->pid);
		reap(r->pid, &status);
		set_end(res, &r->t0);
		report_failure(r->cmd, &report, err);
		return could_not_run(res, err);
	}
	r->st[0].fd = r->out_pipe[0];
	r->st[1].fd = r->err_pipe[0];
	r->out_pipe[0] = r->err_pipe[0] = -1;
	return 0;
}

/* Where supervise() is in the child's life. */
struct child_state {
	long long deadline, kill_at;    /* -1 = none */
	long long reaped_at, last_data; /* -1 = not yet */
	int stopping, killed, reaped, status, pidfd;
};

/* Cancel or timeout: TERM to the group; KILL once the grace is over. */
static void stop_when_due(struct run *r, struct child_state *w, long long now)
{
	const struct exec_cmd *cmd = r->cmd;

	if (w->reaped)
		return;
	if (!w->stopping) {
		if (cmd->cancel && *cmd->cancel)
			w->stopping = r->res->cancelled = 1;
		else if (w->deadline >= 0 && now >= w->deadline)
			w->stopping = r->res->timed_out = 1;
		if (w->stopping) {
			kill(-r->pid, SIGTERM);
			w->kill_at = now + (long long)cmd->grace_ms;
		}
	}
	if (w->stopping && !w->killed && now >= w->kill_at) {
		kill(-r->pid, SIGKILL);
		w->killed = 1;
	}
}

/* Reaps the child once it has exited; -1 when it cannot be waited for. */
static int reap_when_exited(struct run *r, struct child_state *w, long long now)
{
	int n;

	if (w->reaped)
		return 0;
	n = child_exited(r->pid);
	if (n < 0)
		return -1;
	if (!n)
		return 0;
	/* Nothing of a stopped command outlives it. */
	if (w->stopping && !w->killed)
		kill(-r->pid, SIGKILL);
	/* While the leader is a zombie its group id cannot be reused. */
	watchdog_remove(r->pid);
	reap(r->pid, &w->status);
	set_end(r->res, &r->t0);
	set_status(r->res, w->status);
	w->reaped = 1;
	w->reaped_at = w->last_data = now;
	return 0;
}

/*
 * What to poll and for how long (ms, -1 = until something happens).
 * Returns the number of fds, or -1 when the run is over: the child is
 * reaped and its pipes closed, or silent for long enough.
 */
static int poll_set(struct run *r, struct child_state *w, long long now,
		    struct pollfd *pfd, struct stream **which, int *wait)
{
	const struct exec_cmd *cmd = r->cmd;
	int nfds = 0;

	*wait = -1;
	for (int i = 0; i < 2; i++) {
		if (r->st[i].fd < 0)
			continue;
		pfd[nfds].fd = r->st[i].fd;
		pfd[nfds].events = POLLIN;
		which[nfds++] = &r->st[i];
	}
	if (w->reaped) {
		/* Whoever still holds the pipes gets a short while. */
		if (!nfds || now - w->last_data >= LINGER_IDLE_MS ||
		    now - w->reaped_at >= LINGER_MAX_MS)
			return -1;
		*wait = poll_wait(now, w->last_data + LINGER_IDLE_MS, *wait);
		*wait = poll_wait(now, w->reaped_at + LINGER_MAX_MS, *wait);
		return nfds;
	}
	if (w->pidfd >= 0) {
		pfd[nfds].fd = w->pidfd;
		pfd[nfds].events = POLLIN;
		which[nfds++] = NULL;
	} else {
		*wait = TICK_MS;
	}
	if (cmd->cancel && !w->stopping)
		*wait = poll_wait(now, now + CANCEL_TICK_MS, *wait);
	if (!w->stopping)
		*wait = poll_wait(now, w->deadline, *wait);
	else if (!w->killed)
		*wait = poll_wait(now, w->kill_at, *wait);
	return nfds;
}

/*
 * Reads both streams until the child is reaped and they are closed,
 * stopping the group on timeout or cancel. Returns -1 (err set) only
 * when the child could no longer be followed; it is killed and reaped.
 */
static int supervise(struct run *r, struct error *err)
{
	const struct exec_cmd *cmd = r->cmd;
	struct child_state w = { -1, -1, -1, -1, 0, 0, 0, 0, -1 };
	int ret = 0;

#ifdef SYS_pidfd_open
	w.pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
#endif
	if (cmd->timeout_ms)
		w.deadline = clock_mono_ms() + (long long)cmd->timeout_ms;
	for (;;) {
		struct pollfd pfd[3];
		struct stream *which[3];
		long long now = clock_mono_ms();
		int nfds, wait, n;

		stop_when_due(r, &w, now);
		if (reap_when_exited(r, &w, now) < 0) {
			ret = error_errno(err, "waiting for '%s'",
					  cmd->argv.v[0]);
			break;
		}
		nfds = poll_set(r, &w, now, pfd, which, &wait);
		if (nfds < 0)
			break;
		n = poll(pfd, (nfds_t)nfds, wait);
		if (n < 0 && errno != EINTR) {
			ret = error_errno(err, "poll");
			break;
		}
		for (int i = 0; n > 0 && i < nfds; i++) {
			if (!which[i] || !pfd[i].revents)
				continue;
			stream_read(which[i], &r->rd);
			w.last_data = clock_mono_ms();
		}
	}
	if (ret && !w.reaped) {
		kill(-r->pid, SIGKILL);
		watchdog_remove(r->pid);
		reap(r->pid, &w.status);
	}
	if (w.pidfd >= 0)
		close(w.pidfd);
	return ret;
}

/* The excerpts completed, the files on disk: the result is final. */
static int finish(struct run *r, struct error *err)
{
	struct stream *st = r->st;
	int ret = 0;

	for (int i = 0; i < 2; i++) {
		if (st[i].fd >= 0) {
			/* Held open past the linger: keep what we have. */
			stream_feed(&st[i], &r->rd, 0, 1);
			stream_flush(&st[i]);
		}
		stream_finish(&st[i]);
	}
	for (int i = 0; i < 2; i++) {
		if (st[i].write_errno) {
			errno = st[i].write_errno;
			ret = error_errno(err, "writing '%s'", st[i].path);
			break;
		}
		/*
		 * Logs are evidence: on disk when the step's journal record
		 * says they are (a file that cannot be synced, like a tty or
		 * /dev/null, says EINVAL).
		 */
		if (st[i].file >= 0 && fsync(st[i].file) < 0 &&
			 errno != EINVAL && !ret)
			ret = error_errno(err, "writing '%s'", st[i].path);
		if (st[i].file >= 0 && close(st[i].file) < 0 && !ret)
			ret = error_errno(err, "writing '%s'", st[i].path);
		st[i].file = -1;
		if (st[i].hash && !ret) {
			sha256_stream_finish(st[i].hash, st[i].hash_hex);
			st[i].hash = NULL;
		}
	}
	return ret;
}

int exec_run(const struct exec_cmd *cmd, struct exec_result *res,
	     struct error *err)
{
	struct run r;
	int ret;

	run_init(&r, cmd, res);
	ret = check_cmd(&r, err);
	if (!ret)
		ret = prepare(&r, err);
	if (!ret)
		ret = spawn(&r, err);
	if (!ret)
		ret = supervise(&r, err);
	if (!ret)
		ret = finish(&r, err);
	if (!res->end.tv_sec && !res->end.tv_nsec)
		set_end(res, &r.t0);
	run_release(&r);
	return ret;
}
