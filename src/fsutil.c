#include "fsutil.h"
#include "error.h"
#include "strbuf.h"

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

int fs_fsync_parent(const char *path, struct error *err)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	int ret;

	if (!slash)
		strbuf_adds(&dir, ".");
	else if (slash == path)
		strbuf_adds(&dir, "/");
	else
		strbuf_add(&dir, path, (size_t)(slash - path));
	ret = fs_fsync_dir(dir.buf, err);
	strbuf_release(&dir);
	return ret;
}

int fs_write_atomic(const char *path, const void *data, size_t len,
		    struct error *err)
{
	struct strbuf tmp = STRBUF_INIT;
	const char *p = data;
	int fd;

	strbuf_addf(&tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp.buf);
	if (fd < 0) {
		error_errno(err, "cannot create a temporary file beside %s",
			    path);
		strbuf_release(&tmp);
		return -1;
	}
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	/* mkstemp makes 0600; reports are meant to be read and shared. */
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
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
