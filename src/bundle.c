#include "bundle.h"
#include "error.h"
#include "fsutil.h"
#include "report.h"
#include "seal.h"
#include "strbuf.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

int bundle_create(const char *explicit_dir, const char *parent,
		  const char *base, struct strbuf *path, struct error *err)
{
	int i;

	strbuf_reset(path);
	if (explicit_dir) {
		strbuf_adds(path, explicit_dir);
		while (path->len > 1 && path->buf[path->len - 1] == '/')
			strbuf_setlen(path, path->len - 1);
		if (mkdir(path->buf, 0755) == 0)
			return fs_fsync_parent(path->buf, err);
		if (errno == ENOENT) {
			if (fs_mkdirs(path->buf, 0755, err) < 0)
				return -1;
			return 0;
		}
		if (errno == EEXIST && dir_is_empty(path->buf))
			return 0;
		if (errno == EEXIST)
			return error_set(err, "%s already exists and is not an "
					 "empty directory; evidence is never "
					 "overwritten: choose another -o",
					 path->buf);
		return error_errno(err, "cannot create %s", path->buf);
	}
	if (fs_mkdirs(parent, 0755, err) < 0)
		return -1;
	for (i = 1; i < 1000; i++) {
		strbuf_reset(path);
		strbuf_addf(path, "%s/%s", parent, base);
		if (i > 1)
			strbuf_addf(path, "-%d", i);
		if (mkdir(path->buf, 0755) == 0)
			return fs_fsync_parent(path->buf, err);
		if (errno != EEXIST)
			return error_errno(err, "cannot create %s", path->buf);
	}
	return error_set(err, "too many bundles named %s/%s-*", parent, base);
}

int bundle_close(const char *dir, json_t *records, const char *lang,
		 const char *state, const char *cmd,
		 const struct sign_key *key, struct error *err)
{
	if (report_write(dir, records, lang, err) < 0)
		return -1;
	return seal_write(dir, state, cmd, lang, key, err);
}
