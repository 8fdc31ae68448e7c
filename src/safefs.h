#ifndef RDRILL_SAFEFS_H
#define RDRILL_SAFEFS_H

#include <stddef.h>
#include <sys/types.h>

struct error;
struct stat;
struct strbuf;

/*
 * Files in directories another user can write, touched by a root rdrill.
 *
 * The recover step hands its scratch data directory to the server's user
 * (run_as), who can then put anything there: a symlink to a root-only
 * file, a FIFO, a hard link. So, in such a directory, rdrill never acts
 * by path on a name that user controls: the directory is opened
 * O_DIRECTORY|O_NOFOLLOW and the name is opened relative to it with
 * O_NOFOLLOW; a file is given away with fchown() on the descriptor rdrill
 * wrote through, before it is renamed into place (no chown() by path that
 * a swapped symlink could redirect); what is read back must be a regular
 * file owned by that user, so it holds nothing the user could not have
 * written anyway. The directory's own path (made by rdrill, in a parent
 * the drill names) is trusted; its last component must not be a symlink.
 *
 * `owner` (uid_t)-1 means "any owner" (rdrill is not root: the user is
 * rdrill itself). Opens are O_NONBLOCK, so a FIFO put in place of a file
 * cannot hang rdrill, and checked with fstat() after the open.
 */
#define SAFEFS_ANY_OWNER ((uid_t)-1)

/*
 * Read `path` (at most `max` bytes, more is an error) into `out`.
 * -1 with errno set and `err` filled; errno ENOENT when it is missing.
 */
int safefs_read(const char *path, uid_t owner, struct strbuf *out,
		size_t max, struct error *err);

/*
 * Replace `path` with `len` bytes of `data`: a new file (O_EXCL,
 * O_NOFOLLOW) beside it, mode `mode`, chowned to uid:gid through its
 * descriptor (unless uid is (uid_t)-1), synced, renamed over `path`.
 */
int safefs_write(const char *path, const void *data, size_t len,
		 mode_t mode, uid_t uid, gid_t gid, struct error *err);

/* chown a directory through a descriptor: refused if it is a symlink. */
int safefs_chown_dir(const char *path, uid_t uid, gid_t gid,
		     struct error *err);

/* Remove the name `path` (never what a symlink there points to). */
int safefs_unlink(const char *path, struct error *err);

/*
 * Open `path` for reading when it may be swapped by someone else (a file
 * a drill names, a backup candidate): O_NONBLOCK so a FIFO cannot hang
 * the open or a read, O_NOFOLLOW unless `follow`, then fstat() of what
 * was opened must show a regular file (filled into `st`, if given).
 * Returns the descriptor (O_CLOEXEC, still non-blocking), or -1.
 */
int safefs_open_regular(const char *path, int follow, struct stat *st,
			struct error *err);

/* safefs_open_regular(), then at most `max` bytes of it into `out`. */
int safefs_read_regular(const char *path, int follow, struct strbuf *out,
			size_t max, struct error *err);

/*
 * Run as root, may rdrill use `path` (a drill file, a signing key, a
 * password file)? Not when any user but root can write it, directly or
 * through a directory above it (sshd's StrictModes): the file and every
 * directory up to / owned by root, none group- or world-writable (a
 * directory may be when sticky, like /tmp: others cannot replace what is
 * in it). Symlinks are followed and the target checked too, with the
 * directory the name itself is in (Kubernetes mounts Secrets as
 * symlinks). `what` names it in the error. 0 when not root.
 */
int safefs_root_trusted(const char *path, const char *what,
			struct error *err);

#endif
