#include "bundle.h"
#include "error.h"
#include "fsutil.h"
#include "report.h"
#include "seal.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A volume Kubernetes mounts for a non-root pod (fsGroup) is root's,
 * setgid and writable by the pod's group, as is OpenShift's (group 0):
 * for a runner that is not root, a setgid directory writable only by
 * the runner's own effective group is the runner's.
 */
static int own_group_dir(const struct stat *st, uid_t me)
{
	return me != 0 && (st->st_mode & S_ISGID) && st->st_gid == getegid();
}

/*
 * No one but the runner and root may rename, replace or write into a
 * directory the bundle hangs from: every directory from the bundle's
 * parent up to / is owned by root or the runner and writable by no one
 * else, unless it is sticky (like /tmp: then others cannot rename or
 * remove what rdrill made in it). `dir` has no symlinks (realpath).
 */
static int trusted_chain(const char *dir, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	uid_t me = geteuid();
	struct stat st;
	int ret = 0;

	strbuf_adds(&sb, dir);
	for (;;) {
		if (lstat(sb.buf, &st) < 0) {
			ret = error_errno(err, "cannot stat %s", sb.buf);
			break;
		}
		if (st.st_uid != 0 && st.st_uid != me) {
			ret = error_set(err, "%s is owned by uid %ld: rdrill "
					"(uid %ld) writes evidence only where "
					"no other user can rename or replace "
					"it; choose another -o", sb.buf,
					(long)st.st_uid, (long)me);
			break;
		}
		if (((st.st_mode & S_IWOTH) ||
		     ((st.st_mode & S_IWGRP) && !own_group_dir(&st, me))) &&
		    !(st.st_mode & S_ISVTX)) {
			ret = error_set(err, "%s is writable by other users "
					"(mode %03o, not sticky): rdrill writes "
					"evidence only where no other user can "
					"rename or replace it; choose another -o",
					sb.buf, (unsigned)(st.st_mode & 07777));
			break;
		}
		if (!strcmp(sb.buf, "/"))
			break;
		{
			char *slash = strrchr(sb.buf, '/');
			strbuf_setlen(&sb, slash == sb.buf ? 1 :
				      (size_t)(slash - sb.buf));
		}
	}
	strbuf_release(&sb);
	return ret;
}

/* The parent of `path`, resolved, checked, opened. */
static int open_parent(const char *path, const char **base,
		       struct error *err)
{
	struct strbuf dir = STRBUF_INIT;
	char *real;
	int fd = -1;

	*base = fs_split_path(path, &dir);
	real = realpath(dir.buf, NULL);
	if (!real) {
		error_errno(err, "cannot resolve %s", dir.buf);
	} else if (trusted_chain(real, err) == 0) {
		/* The resolved name: no symlink left to swap after the check. */
		fd = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			error_errno(err, "cannot open %s", real);
	}
	free(real);
	strbuf_release(&dir);
	return fd;
}

static int dir_is_empty(int fd)
{
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
	struct dirent *e;
	int empty = 1;

	if (!d) {
		if (dup >= 0)
			close(dup);
		return 0;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/*
 * mkdir `base` in `pfd` (or, with `may_exist`, take an empty directory
 * of the runner's that no one else can write), private, anchored.
 * 1 when the name is taken (try another), 0 done, -1 refused.
 */
static int claim(int pfd, const char *base, const char *path, int may_exist,
		 gid_t gid, struct error *err)
{
	struct stat st;
	int made = mkdirat(pfd, base, 0700) == 0, fd;

	if (!made && errno != EEXIST)
		return error_errno(err, "cannot create %s", path);
	if (!made && !may_exist)
		return 1;
	fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open %s", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_errno(err, "cannot stat %s", path);
	}
	if (!made && (st.st_uid != geteuid() ||
		      (st.st_mode & (S_IWGRP | S_IWOTH)) || !dir_is_empty(fd))) {
		close(fd);
		return error_set(err, "%s already exists and is not an empty "
				 "directory of rdrill's user that only it can "
				 "write; evidence is never overwritten: choose "
				 "another -o", path);
	}
	/* Private whatever the umask: evidence names hosts, users, data. */
	if ((gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) < 0) ||
	    fchmod(fd, gid != (gid_t)-1 ? 0750 : 0700) < 0 || fsync(pfd) < 0) {
		close(fd);
		return error_errno(err, "cannot set up %s", path);
	}
	fs_anchor(path, fd, gid);
	return 0;
}

int bundle_create(const char *explicit_dir, const char *parent,
		  const char *base, const char *group, struct strbuf *path,
		  struct error *err)
{
	const char *name;
	gid_t gid = (gid_t)-1;
	int i, pfd, rc = -1;

	strbuf_reset(path);
	if (group) {
		struct group *g = getgrnam(group);
		if (!g)
			return error_set(err, "evidence_group: no group '%s' on "
					 "this host", group);
		gid = g->gr_gid;
	}
	if (explicit_dir) {
		strbuf_adds(path, explicit_dir);
		while (path->len > 1 && path->buf[path->len - 1] == '/')
			strbuf_setlen(path, path->len - 1);
		{
			const char *slash = strrchr(path->buf, '/');
			if (slash && slash != path->buf) {
				struct strbuf up = STRBUF_INIT;
				strbuf_add(&up, path->buf,
					   (size_t)(slash - path->buf));
				rc = fs_mkdirs(up.buf, 0755, err);
				strbuf_release(&up);
				if (rc < 0)
					return -1;
			}
		}
		pfd = open_parent(path->buf, &name, err);
		if (pfd < 0)
			return -1;
		rc = claim(pfd, name, path->buf, 1, gid, err);
		close(pfd);
		return rc;
	}
	if (fs_mkdirs(parent, 0755, err) < 0)
		return -1;
	strbuf_addf(path, "%s/%s", parent, base);
	pfd = open_parent(path->buf, &name, err);
	if (pfd < 0)
		return -1;
	for (i = 1; i < 1000; i++) {
		strbuf_reset(path);
		strbuf_addf(path, "%s/%s", parent, base);
		if (i > 1)
			strbuf_addf(path, "-%d", i);
		name = strrchr(path->buf, '/') + 1;
		rc = claim(pfd, name, path->buf, 0, gid, err);
		if (rc <= 0)
			break;
	}
	close(pfd);
	if (rc > 0)
		return error_set(err, "too many bundles named %s/%s-*", parent,
				 base);
	return rc;
}

int bundle_close(const char *dir, json_t *records, const char *lang,
		 const char *state, const char *cmd,
		 const struct sign_key *key, struct error *err)
{
	if (report_write(dir, records, lang, err) < 0)
		return -1;
	return seal_write(dir, state, cmd, lang, key, err);
}
