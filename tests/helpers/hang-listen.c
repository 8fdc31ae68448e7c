/*
 * hang-listen SOCKET: a server that accepts connections on a Unix socket
 * and never answers (never reads, never writes, never closes), for the
 * tests of libpq deadlines: a "PostgreSQL" that hangs after accept().
 * Runs until killed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa;
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: hang-listen SOCKET-PATH (short)\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "hang-listen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (;;) {
		/* Kept open on purpose: the client waits for an answer. */
		if (accept(fd, NULL, NULL) < 0 && errno != EINTR)
			sleep(1);
	}
}
