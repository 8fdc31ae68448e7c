#include "safefs.h"
#include "error.h"
#include "fsutil.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of `path` opened (no symlink), and its last name. */
static int open_parent(const char *path, const char **name, struct error *err)
{
	struct strbuf dir = STRBUF_INIT;
	int fd;

	*name = fs_split_path(path, &dir);
	fd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		error_errno(err, "cannot open directory %s", dir.buf);
	strbuf_release(&dir);
	if (fd >= 0 && (!**name || !strcmp(*name, ".") || !strcmp(*name, ".."))) {
		close(fd);
		errno = EINVAL;
		return error_errno(err, "%s: not a file name", path);
	}
	return fd;
}

static int check_regular(const char *path, int fd, uid_t owner,
			 struct stat *st, struct error *err)
{
	if (fstat(fd, st) < 0)
		return error_errno(err, "cannot stat %s", path);
	if (!S_ISREG(st->st_mode)) {
		errno = EINVAL;
		return error_set(err, "%s is not a regular file: refused", path);
	}
	if (owner != SAFEFS_ANY_OWNER && st->st_uid != owner) {
		errno = EPERM;
		return error_set(err, "%s is owned by uid %ld, not %ld: refused",
				 path, (long)st->st_uid, (long)owner);
	}
	return 0;
}

/* Up to `max` bytes of `fd`; more is an error (EFBIG). */
static int read_all(int fd, const char *path, struct strbuf *out, size_t max,
		    struct error *err)
{
	for (;;) {
		ssize_t n;

		strbuf_grow(out, 4096);
		n = read(fd, out->buf + out->len, out->alloc - out->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_errno(err, "cannot read %s", path);
		if (!n)
			return 0;
		strbuf_setlen(out, out->len + (size_t)n);
		if (out->len > max) {
			errno = EFBIG;
			return error_set(err, "%s is larger than %zu bytes",
					 path, max);
		}
	}
}

int safefs_read(const char *path, uid_t owner, struct strbuf *out,
		size_t max, struct error *err)
{
	const char *name;
	struct stat st;
	int dfd = open_parent(path, &name, err), fd, e;

	strbuf_reset(out);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	e = errno;
	close(dfd);
	if (fd < 0) {
		errno = e;
		error_errno(err, "cannot open %s%s", path, e == ELOOP ?
			    " (a symlink: refused)" : "");
		errno = e;          /* the caller may accept ENOENT */
		return -1;
	}
	if (check_regular(path, fd, owner, &st, err) < 0 ||
	    read_all(fd, path, out, max, err) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int safefs_write(const char *path, const void *data, size_t len,
		 mode_t mode, uid_t uid, gid_t gid, struct error *err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *name;
	int dfd = open_parent(path, &name, err), fd = -1, ret = -1;

	if (dfd < 0)
		return -1;
	strbuf_addf(&tmp, ".%s.rdrill-%ld", name, (long)getpid());
	/* A name the user planted there first is removed, never followed. */
	if (unlinkat(dfd, tmp.buf, 0) < 0 && errno != ENOENT) {
		error_errno(err, "cannot remove %s/%s", path, tmp.buf);
		goto out;
	}
	fd = openat(dfd, tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		error_errno(err, "cannot create a file beside %s", path);
		goto out;
	}
	/* Mode and owner on the descriptor: no path to redirect. */
	if (write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) < 0) || fsync(fd) < 0) {
		error_errno(err, "cannot write %s", path);
		unlinkat(dfd, tmp.buf, 0);
		goto out;
	}
	if (renameat(dfd, tmp.buf, dfd, name) < 0) {
		error_errno(err, "cannot rename into %s", path);
		unlinkat(dfd, tmp.buf, 0);
		goto out;
	}
	if (fsync(dfd) < 0 && errno != EINVAL && errno != ENOTSUP) {
		error_errno(err, "cannot sync the directory of %s", path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	strbuf_release(&tmp);
	return ret;
}

int safefs_chown_dir(const char *path, uid_t uid, gid_t gid,
		     struct error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return error_errno(err, "cannot open directory %s", path);
	if (fchown(fd, uid, gid) < 0)
		ret = error_errno(err, "chown %s", path);
	close(fd);
	return ret;
}

int safefs_unlink(const char *path, struct error *err)
{
	const char *name;
	int dfd = open_parent(path, &name, err), ret = 0;

	if (dfd < 0)
		return -1;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		ret = error_errno(err, "cannot remove %s", path);
	close(dfd);
	return ret;
}

/* One node of the chain: root's, and no one else can write it. */
static int trusted_node(const char *p, const char *path, const char *what,
			struct error *err)
{
	struct stat st;

	if (lstat(p, &st) < 0)
		return error_errno(err, "%s %s: cannot stat %s", what, path, p);
	if (st.st_uid != 0)
		return error_set(err, "%s %s: %s is owned by uid %ld, not root: "
				 "run as root, rdrill refuses what another "
				 "user can change", what, path, p,
				 (long)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX)))
		return error_set(err, "%s %s: %s is writable by %s (mode %03o): "
				 "run as root, rdrill refuses what another "
				 "user can change", what, path, p,
				 (st.st_mode & S_IWOTH) ? "anyone" : "its group",
				 (unsigned)(st.st_mode & 07777));
	return 0;
}

/* `real` (no symlinks) and every directory above it. */
static int trusted_chain(const char *real, const char *path, const char *what,
			 struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	strbuf_adds(&sb, real);
	for (;;) {
		char *slash;

		if ((ret = trusted_node(sb.buf, path, what, err)) < 0 ||
		    !strcmp(sb.buf, "/"))
			break;
		slash = strrchr(sb.buf, '/');
		if (!slash)
			break;
		strbuf_setlen(&sb, slash == sb.buf ? 1 : (size_t)(slash - sb.buf));
	}
	strbuf_release(&sb);
	return ret;
}

int safefs_root_trusted(const char *path, const char *what,
			struct error *err)
{
	struct strbuf dir = STRBUF_INIT;
	char *real, *rdir = NULL;
	int ret = -1;

	if (geteuid() != 0)
		return 0;
	real = realpath(path, NULL);
	if (!real) {
		error_errno(err, "%s %s", what, path);
		goto out;
	}
	if (trusted_chain(real, path, what, err) < 0)
		goto out;
	/* Where the name itself is: a symlink there can be re-pointed. */
	fs_split_path(path, &dir);
	rdir = realpath(dir.buf, NULL);
	if (!rdir) {
		error_errno(err, "%s %s: %s", what, path, dir.buf);
		goto out;
	}
	ret = trusted_chain(rdir, path, what, err);
out:
	free(real);
	free(rdir);
	strbuf_release(&dir);
	return ret;
}

int safefs_open_regular(const char *path, int follow, struct stat *st,
			struct error *err)
{
	struct stat mine;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
		      (follow ? 0 : O_NOFOLLOW)), e;

	if (!st)
		st = &mine;
	if (fd < 0)
		return error_errno(err, "cannot read %s", path);
	if (check_regular(path, fd, SAFEFS_ANY_OWNER, st, err) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int safefs_read_regular(const char *path, int follow, struct strbuf *out,
			size_t max, struct error *err)
{
	int fd = safefs_open_regular(path, follow, NULL, err), e;

	strbuf_reset(out);
	if (fd < 0)
		return -1;
	if (read_all(fd, path, out, max, err) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}
