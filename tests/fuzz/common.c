/*
 * Shared by every target: a scratch directory and file writing. Plain
 * libc on purpose: a fuzz target must not depend on the code it fuzzes
 * to set up its input.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[4096];

static void rm_tree(const char *path, int keep_top)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			char sub[4096];
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
					     de->d_name) >= sizeof(sub))
				continue;
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(sub, 0);
			else
				unlink(sub);
		}
		closedir(d);
	}
	if (!keep_top)
		rmdir(path);
}

static void remove_dir(void)
{
	if (dir[0])
		rm_tree(dir, 0);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *base = getenv("TMPDIR");
		struct stat st;

		if (!base && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		    access("/dev/shm", W_OK) == 0)
			base = "/dev/shm";
		if ((size_t)snprintf(dir, sizeof(dir), "%s/rdrill-fuzz.XXXXXX",
				     base ? base : "/tmp") >= sizeof(dir) ||
		    !mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(remove_dir);
	}
	return dir;
}

void fuzz_clean(void)
{
	rm_tree(fuzz_dir(), 1);
}

int fuzz_write(const char *rel, const void *buf, size_t len)
{
	char path[4096];
	char *slash;
	int fd;
	const char *p = buf;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), rel) >=
	    sizeof(path))
		return -1;
	for (slash = strchr(path + strlen(fuzz_dir()) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			*slash = '/';
			return -1;
		}
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0) {
			close(fd);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return close(fd);
}

void fuzz_use_templates(void)
{
	if (!getenv("RDRILL_TEMPLATES"))
		setenv("RDRILL_TEMPLATES", FUZZ_TOP "/templates", 1);
}
