#ifndef RDRILL_FSCHECK_H
#define RDRILL_FSCHECK_H

#include <signal.h>
#include <sys/types.h>

#include "strbuf.h"
#include "strvec.h"

struct error;

/*
 * Facts about a path for the `files` step: does the restored file store
 * exist, is it empty, who owns it and everything under it, and can its
 * owner read it all ("目录存在 / 非空 / 无权限错误" of the Day 4 drill).
 *
 * The path itself is followed if it is a symlink (a data directory is often
 * a link to a volume; the data is what is in question), and `is_symlink`
 * says so. Below it nothing is followed: symlinks are counted and their own
 * owner checked (as `chown -R` changes them), never traversed, so a link
 * loop or a link to / cannot run away.
 */

enum fscheck_type {
	FSCHECK_MISSING,        /* nothing there, or a dangling symlink */
	FSCHECK_FILE,
	FSCHECK_DIR,
	FSCHECK_OTHER,          /* fifo, socket, device */
};

#define FSCHECK_EXAMPLES 5      /* example paths kept per kind of problem */
#define FSCHECK_MAX_DEPTH 256   /* directory levels below the path */
#define FSCHECK_MAX_ENTRIES 10000000ULL

struct fscheck_opts {
	/* Count entries not owned by uid:gid (the top is in uid/gid). */
	int owner_given;
	uid_t uid;
	gid_t gid;
	/* Open each file and directory (never read) to prove it opens. */
	int try_open;
	volatile sig_atomic_t *cancel;  /* may be NULL */
};
#define FSCHECK_OPTS_INIT { 0, 0, 0, 1, NULL }

struct fscheck_facts {
	enum fscheck_type type;
	int is_symlink;         /* the path is a symlink (followed) */
	off_t size;             /* of the path itself */
	uid_t uid;
	gid_t gid;
	struct strbuf user;     /* names of uid and gid, empty if unknown */
	struct strbuf group;
	mode_t mode;            /* permission bits, st_mode & 07777 */

	/*
	 * Below a directory (the path itself not included), except that a
	 * regular file as the path counts as one file of `size` bytes.
	 */
	unsigned long long files;       /* regular files */
	unsigned long long dirs;
	unsigned long long others;      /* symlinks, fifos, sockets, devices */
	unsigned long long bytes;       /* sum of regular file sizes */

	/* Entries below the path not owned by opts->uid:gid. */
	unsigned long long not_owned;
	struct strvec owner_examples;   /* "data/x (0:0)" */

	/*
	 * Entries (the path included, as ".") that the owner cannot read:
	 * ones that failed to open, and, because root opens anything, ones
	 * whose permission bits deny reading (and searching, for directories)
	 * to the identity that should read them: opts->uid:gid if given, else
	 * the path's own owner. That identity reads through the owner bits of
	 * what it owns, the group bits of what its group owns, the other bits
	 * of the rest; supplementary groups and ACLs are not considered.
	 */
	unsigned long long unreadable;
	struct strvec read_examples;    /* "data/y (mode 0000: owner cannot read)" */
};
#define FSCHECK_FACTS_INIT { FSCHECK_MISSING, 0, 0, 0, 0, STRBUF_INIT, \
	STRBUF_INIT, 0, 0, 0, 0, 0, 0, STRVEC_INIT, 0, STRVEC_INIT }

void fscheck_facts_release(struct fscheck_facts *f);

/*
 * Inspect `path` (opts NULL = FSCHECK_OPTS_INIT) into `out`, which must be
 * initialized; earlier contents are replaced. A missing path is not an
 * error: 0 with out->type FSCHECK_MISSING. -1 and err set when the path
 * cannot be inspected (ELOOP, EIO, a directory deeper than
 * FSCHECK_MAX_DEPTH, more than FSCHECK_MAX_ENTRIES entries, cancelled).
 * Entries below the path that fail to open or stat are counted in
 * `unreadable`, not errors; entries that vanish during the walk are skipped.
 */
int fscheck_inspect(const char *path, const struct fscheck_opts *opts,
		    struct fscheck_facts *out, struct error *err);

/*
 * "2000:2000", "mattermost:mattermost" or a mix. All digits is a number,
 * anything else a name looked up in the user and group databases; an
 * unknown name is an error.
 */
int fscheck_parse_owner(const char *s, uid_t *uid, gid_t *gid,
			struct error *err);

/*
 * Append a file name for display: control bytes, backslash and bytes that
 * are not UTF-8 become C escapes (\n, \\, \x80), so a name with a newline
 * stays on one line of a report and the result is always valid UTF-8.
 */
void fscheck_quote_name(struct strbuf *out, const char *s);

const char *fscheck_type_name(enum fscheck_type t);

#endif
