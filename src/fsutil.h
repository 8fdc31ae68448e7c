#ifndef RDRILL_FSUTIL_H
#define RDRILL_FSUTIL_H

#include <stddef.h>

struct error;

/*
 * Write `len` bytes to `path` so that a reader sees either the old file or
 * the whole new one, never a part: temp file in the same directory, fsync,
 * rename, fsync of the directory. Reports and journals go through here.
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    struct error *err);

/* mkdir -p; 0 when the directory exists afterwards. */
int fs_mkdirs(const char *path, unsigned mode, struct error *err);

/* fsync the directory `dir` itself (the names in it). */
int fs_fsync_dir(const char *dir, struct error *err);

/* fsync the directory holding `path` (after creating or renaming in it). */
int fs_fsync_parent(const char *path, struct error *err);

#endif
