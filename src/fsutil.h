#ifndef RDRILL_FSUTIL_H
#define RDRILL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

struct error;
struct strbuf;

/*
 * Write `len` bytes to `path` so that a reader sees either the old file or
 * the whole new one, never a part: temp file in the same directory, fsync,
 * rename, fsync of the directory. Reports and journals go through here.
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    struct error *err);
/*
 * The same, 0600 whatever the umask: what summarises private bundles
 * (the history index beside them) is no more readable than they are.
 */
int fs_write_atomic_private(const char *path, const void *data, size_t len,
			    struct error *err);

/* mkdir -p; 0 when the directory exists afterwards. */
int fs_mkdirs(const char *path, unsigned mode, struct error *err);

/*
 * The bundle a run or a plan writes, anchored. bundle_create() registers
 * the descriptor of the directory it made (`fd`, now fsutil's); from
 * then on every file and directory fsutil makes under that path is made
 * relative to the descriptor, O_NOFOLLOW and O_EXCL, private (files 0600,
 * directories 0700, whatever the umask; with `group` not (gid_t)-1,
 * owned by that group, 0640 and 0750): a bundle renamed away and a
 * symlink put in its place redirects nothing, and no existing file is
 * truncated. Paths elsewhere (history output, ...) are made as before,
 * 0644. One anchor per process; fs_anchor() again replaces it.
 */
void fs_anchor(const char *dir, int fd, gid_t group);
void fs_anchor_release(void);

/*
 * Does the anchor's path still name the anchored directory? -1 (err set)
 * when it was moved away or replaced (a symlink) since: then what reads
 * the bundle by path would read elsewhere, so the run stops unsealed.
 * 0 when nothing is anchored.
 */
int fs_anchor_intact(struct error *err);

/*
 * A file at `path` for writing (`flags`: O_WRONLY, maybe O_APPEND), never
 * through a symlink: under the anchor a new one (O_EXCL: EEXIST when it
 * existed), 0600, relative to its descriptor; elsewhere (a scratch file,
 * a unit test) created or truncated, 0644. Returns the descriptor, or -1
 * with errno set.
 */
int fs_create(const char *path, int flags);

/*
 * `path` opened for reading, O_NONBLOCK (a FIFO cannot hang the open):
 * under the anchor relative to its descriptor and O_NOFOLLOW, so a log
 * read back is the one rdrill wrote. -1 with errno set.
 */
int fs_open_read(const char *path);

/* A new directory (never an existing one, nor a symlink's target). */
int fs_mkdir_new(const char *path, struct error *err);

/* fsync the directory `dir` itself (the names in it). */
int fs_fsync_dir(const char *dir, struct error *err);

/*
 * The directory part of `path` into `dir` ("." for a bare name, "/" at
 * the root); returns its last name (what follows the last '/').
 */
const char *fs_split_path(const char *path, struct strbuf *dir);

/* fsync the directory holding `path` (after creating or renaming in it). */
int fs_fsync_parent(const char *path, struct error *err);

#endif
