/*
 * The watchdog process (watchdog.h). Between fork() and _exit() it uses
 * only async-signal-safe calls and static memory: rdrill may have other
 * threads (checksum.c) whose locks a forked child must not touch.
 */
#include "watchdog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int wd_fd = -1;
static pid_t wd_pid = -1;
static pid_t wd_owner;		/* who started it: a fork of rdrill must not use it */

static int group_alive(pid_t pg)
{
	return kill(-pg, 0) == 0 || errno == EPERM;
}

static void kill_groups(const pid_t *groups, size_t n)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	size_t i;
	int t, alive;

	for (i = 0; i < n; i++)
		kill(-groups[i], SIGTERM);
	for (t = 0; t < WATCHDOG_GRACE_MS / 100; t++) {
		for (alive = 0, i = 0; i < n && !alive; i++)
			alive = group_alive(groups[i]);
		if (!alive)
			return;
		nanosleep(&tick, NULL);
	}
	for (i = 0; i < n; i++)
		kill(-groups[i], SIGKILL);
}

static void close_others(void)
{
	long fd, max = sysconf(_SC_OPEN_MAX);

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 4U, ~0U, 0U) == 0)
		return;
#endif
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 4; fd < max; fd++)
		close((int)fd);
}

__attribute__((noreturn))
static void watchdog_main(int fd)
{
	static const int ignored[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM,
				       SIGTSTP, SIGPIPE };
	static pid_t groups[WATCHDOG_MAX_GROUPS];
	struct sigaction sa;
	sigset_t none;
	size_t n = 0, i;
	int null;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < sizeof(ignored) / sizeof(*ignored); i++)
		sigaction(ignored[i], &sa, NULL);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction cur;

		if (sig == SIGKILL || sig == SIGSTOP ||
		    sigaction(sig, NULL, &cur) < 0)
			continue;
		if (cur.sa_handler != SIG_IGN && cur.sa_handler != SIG_DFL)
			sigaction(sig, &sa, NULL);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_NAME, "rdrill-watchdog", 0, 0, 0);

	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			_exit(1);
		fd = 3;
	}
	close_others();
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 3)
			close(null);
	}

	for (;;) {
		int32_t v;
		ssize_t r = read(fd, &v, sizeof(v));

		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(v))
			break;		/* EOF (rdrill is gone) or an error */
		if (v > 0 && n < WATCHDOG_MAX_GROUPS) {
			groups[n++] = (pid_t)v;
		} else if (v < 0) {
			for (i = 0; i < n; i++)
				if (groups[i] == (pid_t)-v) {
					groups[i] = groups[--n];
					break;
				}
		}
	}
	if (n)
		kill_groups(groups, n);
	_exit(0);
}

static int watchdog_start(void)
{
	int sv[2];
	sigset_t all, old;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		watchdog_main(sv[1]);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -1;
	}
	wd_fd = sv[0];
	wd_pid = pid;
	wd_owner = getpid();
	return 0;
}

static int tell(int32_t v)
{
	if (wd_fd < 0 || wd_owner != getpid())
		return -1;
	while (send(wd_fd, &v, sizeof(v), MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int watchdog_add(pid_t pgid)
{
	if (pgid <= 0)
		return -1;
	if (tell((int32_t)pgid) == 0)
		return 0;
	/* Not started yet, started by our parent, or dead: (re)start. */
	if (wd_fd >= 0 && wd_owner == getpid()) {
		close(wd_fd);
		waitpid(wd_pid, NULL, WNOHANG);
	}
	wd_fd = -1;
	wd_pid = -1;
	if (watchdog_start() < 0)
		return -1;
	return tell((int32_t)pgid);
}

void watchdog_remove(pid_t pgid)
{
	if (pgid > 0)
		tell(-(int32_t)pgid);
}

pid_t watchdog_pid(void)
{
	return wd_fd >= 0 && wd_owner == getpid() ? wd_pid : -1;
}
