#include "fsutil.h"
#include "error.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_fsync_dir(const char *dir, struct error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	/* Some file systems cannot sync a directory: nothing more to do. */
	if (fd < 0 || (fsync(fd) < 0 && errno != EINVAL && errno != ENOTSUP))
		ret = error_errno(err, "cannot sync directory %s", dir);
	if (fd >= 0)
		close(fd);
	return ret;
}

const char *fs_split_path(const char *path, struct strbuf *dir)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		strbuf_adds(dir, ".");
	else if (slash == path)
		strbuf_adds(dir, "/");
	else
		strbuf_add(dir, path, (size_t)(slash - path));
	return slash ? slash + 1 : path;
}

int fs_fsync_parent(const char *path, struct error *err)
{
	struct strbuf dir = STRBUF_INIT;
	int ret;

	fs_split_path(path, &dir);
	ret = fs_fsync_dir(dir.buf, err);
	strbuf_release(&dir);
	return ret;
}

/* The anchored bundle: its path as callers spell it, and its descriptor. */
static struct {
	char *path;
	size_t len;
	int fd;
	gid_t gid;          /* (gid_t)-1: private */
} anchor = { NULL, 0, -1, (gid_t)-1 };

/* What a new file (or directory) under the anchor becomes, on its fd. */
static int anchor_perms(int fd, int dir)
{
	if (anchor.gid != (gid_t)-1 && fchown(fd, (uid_t)-1, anchor.gid) < 0)
		return -1;
	return fchmod(fd, anchor.gid != (gid_t)-1 ? (dir ? 0750 : 0640) :
		      (dir ? 0700 : 0600));
}

void fs_anchor(const char *dir, int fd, gid_t group)
{
	fs_anchor_release();
	anchor.gid = group;
	anchor.fd = fd;
	anchor.path = xstrdup(dir);
	anchor.len = strlen(dir);
	while (anchor.len > 1 && anchor.path[anchor.len - 1] == '/')
		anchor.path[--anchor.len] = '\0';
}

void fs_anchor_release(void)
{
	if (anchor.fd >= 0)
		close(anchor.fd);
	free(anchor.path);
	anchor.path = NULL;
	anchor.len = 0;
	anchor.fd = -1;
	anchor.gid = (gid_t)-1;
}

int fs_anchor_intact(struct error *err)
{
	struct stat a, b;

	if (anchor.fd < 0)
		return 0;
	if (fstat(anchor.fd, &a) < 0 || lstat(anchor.path, &b) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return error_set(err, "the bundle directory %s was moved or "
				 "replaced during the run: its files stay in "
				 "the directory rdrill made, wherever that is "
				 "now, unsealed", anchor.path);
	return 0;
}

/* `path` relative to the anchor, or NULL when it is not under it. */
static const char *anchored(const char *path)
{
	if (anchor.fd < 0 || strncmp(path, anchor.path, anchor.len) ||
	    path[anchor.len] != '/')
		return NULL;
	path += anchor.len;
	while (*path == '/')
		path++;
	return *path ? path : NULL;
}

int fs_create(const char *path, int flags)
{
	const char *rel = anchored(path);
	int fd, e;

	flags |= O_CREAT | O_NOFOLLOW | O_CLOEXEC;
	if (!rel)
		return open(path, flags | O_TRUNC, 0644);
	flags |= O_EXCL;
	fd = openat(anchor.fd, rel, flags, 0600);
	/* The umask may only take bits away; say exactly what it is. */
	if (fd >= 0 && anchor_perms(fd, 0) < 0) {
		e = errno;
		close(fd);
		unlinkat(anchor.fd, rel, 0);
		errno = e;
		return -1;
	}
	return fd;
}

int fs_open_read(const char *path)
{
	const char *rel = anchored(path);

	if (!rel)
		return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return openat(anchor.fd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		      O_CLOEXEC);
}

int fs_mkdir_new(const char *path, struct error *err)
{
	const char *rel = anchored(path);
	int rc = rel ? mkdirat(anchor.fd, rel, 0700) : mkdir(path, 0755), fd;

	if (rc < 0)
		return error_errno(err, "cannot create directory %s", path);
	if (rel) {
		fd = openat(anchor.fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		rc = fd < 0 ? -1 : anchor_perms(fd, 1);
		if (fd >= 0)
			close(fd);
		if (rc < 0)
			return error_errno(err, "cannot set up directory %s",
					   path);
	}
	return fs_fsync_parent(path, err);
}

/* All of `len` bytes, through EINTR and short writes; -1 with errno. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fs_write_atomic() under the anchor: all of it through its descriptor. */
static int write_anchored(const char *path, const char *rel, const char *p,
			  size_t len, struct error *err)
{
	static unsigned long seq;
	struct strbuf tmp = STRBUF_INIT;
	int fd;

	strbuf_addf(&tmp, "%s.tmp.%ld.%lu", rel, (long)getpid(), ++seq);
	fd = openat(anchor.fd, tmp.buf, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_errno(err, "cannot create a temporary file beside %s",
			    path);
		strbuf_release(&tmp);
		return -1;
	}
	if (write_all(fd, p, len) < 0)
		goto fail;
	if (anchor_perms(fd, 0) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(anchor.fd, tmp.buf, anchor.fd, rel) < 0)
		goto fail;
	strbuf_release(&tmp);
	if (!strchr(rel, '/') && fsync(anchor.fd) < 0 && errno != EINVAL &&
	    errno != ENOTSUP)
		return error_errno(err, "cannot sync directory %s", anchor.path);
	return strchr(rel, '/') ? fs_fsync_parent(path, err) : 0;
fail:
	error_errno(err, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	unlinkat(anchor.fd, tmp.buf, 0);
	strbuf_release(&tmp);
	return -1;
}

static int write_atomic_mode(const char *path, const void *data, size_t len,
			     mode_t mode, struct error *err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *p = data, *rel = anchored(path);
	int fd;

	if (rel)
		return write_anchored(path, rel, data, len, err);

	strbuf_addf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		error_errno(err, "cannot create a temporary file beside %s",
			    path);
		strbuf_release(&tmp);
		return -1;
	}
	if (write_all(fd, p, len) < 0)
		goto fail;
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp.buf, path) < 0)
		goto fail;
	strbuf_release(&tmp);
	return fs_fsync_parent(path, err);
fail:
	error_errno(err, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	unlink(tmp.buf);
	strbuf_release(&tmp);
	return -1;
}

/* Reports outside a bundle are meant to be read and shared. */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    struct error *err)
{
	return write_atomic_mode(path, data, len, 0644, err);
}

int fs_write_atomic_private(const char *path, const void *data, size_t len,
			    struct error *err)
{
	return write_atomic_mode(path, data, len, 0600, err);
}

int fs_mkdirs(const char *path, unsigned mode, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	struct stat st;

	strbuf_adds(&sb, path);
	for (i = 1; i <= sb.len; i++) {
		if (sb.buf[i] != '/' && sb.buf[i] != '\0')
			continue;
		sb.buf[i] = '\0';
		if (mkdir(sb.buf, mode) == 0) {
			/* A bundle directory must outlive a crash like its files. */
			if (fs_fsync_parent(sb.buf, err) < 0) {
				strbuf_release(&sb);
				return -1;
			}
		} else if (errno != EEXIST) {
			error_errno(err, "cannot create directory %s", sb.buf);
			strbuf_release(&sb);
			return -1;
		}
		if (i < sb.len)
			sb.buf[i] = '/';
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		strbuf_release(&sb);
		return error_set(err, "%s exists and is not a directory", path);
	}
	strbuf_release(&sb);
	return 0;
}
