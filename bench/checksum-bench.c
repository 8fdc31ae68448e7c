/*
 * Driver of bench/checksum.sh, linked against $(B)/librdrill.a because
 * the rdrill runner cannot run a checksum step on its own yet.
 *
 *   checksum-bench hash [-t THREADS] DIR [NAME...]
 *       checksum_files() over NAMEs (or every file of DIR); prints the
 *       SHA256SUMS text, which is sha256sum's output for plain names.
 *   checksum-bench time CMD [ARG...]
 *       runs CMD with stdout to /dev/null; prints its wall time in s.
 *       Both tools are timed this way, process start-up included.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "checksum.h"
#include "error.h"
#include "strbuf.h"

static int usage(void)
{
	fputs("usage: checksum-bench hash [-t N] DIR [NAME...]\n"
	      "       checksum-bench time CMD [ARG...]\n", stderr);
	return 2;
}

static int hash(int argc, char **argv)
{
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct error err = ERROR_INIT;
	struct strbuf out = STRBUF_INIT;
	int threads = 0, i = 0;

	if (argc >= 2 && !strcmp(argv[0], "-t")) {
		threads = atoi(argv[1]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		return usage();
	if (checksum_files(argv[0], argc > 1 ? (const char *const *)argv + 1 : NULL,
			   NULL, threads, &set, &err) < 0) {
		fprintf(stderr, "checksum-bench: %s\n", err.msg.buf);
		i = 1;
	} else {
		checksum_format_sums(&out, &set);
		fwrite(out.buf, 1, out.len, stdout);
	}
	checksum_set_release(&set);
	error_release(&err);
	strbuf_release(&out);
	return i;
}

static int timeit(char **argv)
{
	struct timespec a, b;
	pid_t pid;
	int st;

	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return perror("waitpid"), 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "checksum-bench: %s failed\n", argv[0]);
		return 1;
	}
	printf("%.3f\n", (double)(b.tv_sec - a.tv_sec) +
	       (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "hash"))
		return hash(argc - 2, argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "time"))
		return timeit(argv + 2);
	return usage();
}
