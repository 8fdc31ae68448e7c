/*
 * The attacker of tests/t1120-scratch-hostile.sh, run as the scratch
 * server's user: swap-symlink TARGET DIR STOPFILE NAME...
 * Waits (30 s at most) for DIR, then, as fast as it can, puts a symlink
 * to TARGET in place of each DIR/NAME (a symlink made beside, renamed
 * over: atomic), until DIR/postmaster.pid or STOPFILE exists, DIR is
 * gone, 60 s have passed or 1,000,000 rounds. Prints the rounds.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char tmp[4096], dst[4096], stop[4096];
	struct timespec tick = { 0, 5000000 };
	struct stat st;
	long rounds = 0;
	time_t t0;
	int i;

	if (argc < 5)
		return 2;
	for (i = 0; i < 6000 && stat(argv[2], &st) < 0; i++)
		nanosleep(&tick, NULL);
	snprintf(tmp, sizeof(tmp), "%s/.swap-%ld", argv[2], (long)getpid());
	snprintf(stop, sizeof(stop), "%s/postmaster.pid", argv[2]);
	t0 = time(NULL);
	for (; rounds < 1000000; rounds++) {
		if ((rounds & 63) == 0 &&
		    (stat(stop, &st) == 0 || stat(argv[3], &st) == 0 ||
		     stat(argv[2], &st) < 0 || time(NULL) - t0 > 60))
			break;
		for (i = 4; i < argc; i++) {
			snprintf(dst, sizeof(dst), "%s/%s", argv[2], argv[i]);
			if (symlink(argv[1], tmp) == 0 && rename(tmp, dst) < 0)
				unlink(tmp);
		}
	}
	unlink(tmp);
	printf("%ld\n", rounds);
	return 0;
}
