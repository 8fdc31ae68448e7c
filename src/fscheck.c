/*
 * fscheck: the walk behind the `files` step. An explicit stack of open
 * directories (openat + fdopendir, O_NOFOLLOW) instead of recursion or
 * nftw: depth is bounded without touching the C stack, the state is ours
 * rather than nftw's globals, and nothing below the path is ever followed.
 */
#include "fscheck.h"
#include "error.h"
#include "user.h"
#include "utf8.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fscheck_facts_release(struct fscheck_facts *f)
{
	strbuf_release(&f->user);
	strbuf_release(&f->group);
	strvec_clear(&f->owner_examples);
	strvec_clear(&f->read_examples);
}

const char *fscheck_type_name(enum fscheck_type t)
{
	switch (t) {
	case FSCHECK_FILE:
		return "file";
	case FSCHECK_DIR:
		return "directory";
	case FSCHECK_OTHER:
		return "other";
	default:
		return "missing";
	}
}

/* ---- display ---------------------------------------------------------- */

void fscheck_quote_name(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	while (*p) {
		size_t n = utf8_seq_len(p, left);

		if (*p == '\\') {
			strbuf_adds(out, "\\\\");
		} else if (*p == '\n') {
			strbuf_adds(out, "\\n");
		} else if (*p == '\t') {
			strbuf_adds(out, "\\t");
		} else if (*p == '\r') {
			strbuf_adds(out, "\\r");
		} else if (!n || *p < 0x20 || *p == 0x7f) {
			strbuf_addf(out, "\\x%02x", *p);
			n = 1;
		} else {
			strbuf_add(out, p, n);
		}
		p += n ? n : 1;
		left -= n ? n : 1;
	}
}

/* ---- users and groups ------------------------------------------------- */

/* Returns 1 found, 0 not found, -1 with errno on failure. */
static int lookup_user(const char *name, uid_t uid, uid_t *uid_out,
		       struct strbuf *name_out)
{
	struct user_info u = USER_INFO_INIT;
	int r = name ? user_by_name(name, &u) : user_by_uid(uid, &u);

	if (r > 0) {
		if (uid_out)
			*uid_out = u.uid;
		if (name_out)
			strbuf_add(name_out, u.name.buf, u.name.len);
	}
	user_info_release(&u);
	return r;
}

static int lookup_group(const char *name, gid_t gid, gid_t *gid_out,
			struct strbuf *name_out)
{
	size_t size = 4096;

	for (;;) {
		struct group gr, *res = NULL;
		char *buf = xmalloc(size);
		int e = name ? getgrnam_r(name, &gr, buf, size, &res) :
			getgrgid_r(gid, &gr, buf, size, &res);

		if (e == ERANGE && size < (1 << 20)) {
			free(buf);
			size *= 4;
			continue;
		}
		if (!e && res) {
			if (gid_out)
				*gid_out = gr.gr_gid;
			if (name_out)
				strbuf_adds(name_out, gr.gr_name);
		}
		free(buf);
		if (e && e != ENOENT && e != ESRCH) {
			errno = e;
			return -1;
		}
		return res != NULL;
	}
}

/* 1 and *out when s is all digits and fits an id (not the -1 "no id"). */
static int parse_id(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v >= UINT32_MAX)
			return 0;
	}
	*out = v;
	return 1;
}

int fscheck_parse_owner(const char *s, uid_t *uid, gid_t *gid,
			struct error *err)
{
	const char *colon = strchr(s, ':');
	unsigned long long v;
	char *name;
	int r;

	if (!colon || colon == s || !colon[1] || strchr(colon + 1, ':'))
		return error_set(err, "owner '%s' is not uid:gid or user:group",
				 s);
	if (parse_id(s, (size_t)(colon - s), &v)) {
		*uid = (uid_t)v;
	} else {
		name = xstrndup(s, (size_t)(colon - s));
		r = lookup_user(name, 0, uid, NULL);
		if (r <= 0) {
			if (r < 0)
				error_errno(err, "cannot look up user '%s'",
					    name);
			else
				error_set(err, "no user named '%s'", name);
			free(name);
			return -1;
		}
		free(name);
	}
	if (parse_id(colon + 1, strlen(colon + 1), &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	r = lookup_group(colon + 1, 0, gid, NULL);
	if (r < 0)
		return error_errno(err, "cannot look up group '%s'", colon + 1);
	if (!r)
		return error_set(err, "no group named '%s'", colon + 1);
	return 0;
}

/* ---- the walk --------------------------------------------------------- */

struct frame {
	DIR *d;
	size_t pathlen;         /* of `rel` up to this directory */
};

struct walk {
	const struct fscheck_opts *o;
	struct fscheck_facts *f;
	uid_t read_uid;         /* the identity that must read the tree */
	gid_t read_gid;
	struct strbuf rel;      /* the current entry, relative to the path */
	unsigned long long entries;
	struct frame *stack;
	size_t depth;
};

static void add_example(struct strvec *sv, const char *rel, const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	if (sv->nr >= FSCHECK_EXAMPLES)
		return;
	fscheck_quote_name(&sb, *rel ? rel : ".");
	strbuf_addf(&sb, " (%s)", why);
	strvec_push(sv, sb.buf);
	strbuf_release(&sb);
}

static void unreadable(struct walk *w, const char *why)
{
	w->f->unreadable++;
	add_example(&w->f->read_examples, w->rel.buf, why);
}

static void unreadable_errno(struct walk *w, const char *what, int e)
{
	struct strbuf why = STRBUF_INIT;

	strbuf_addf(&why, "%s: %s", what, strerror(e));
	unreadable(w, why.buf);
	strbuf_release(&why);
}

/*
 * Judge by the permission bits, since root opens anything: 1 and a reason
 * in `why` when the reading identity could not read (or, for a directory,
 * list and search) the entry.
 */
static int bits_deny(const struct walk *w, const struct stat *st,
		     struct strbuf *why)
{
	unsigned bits;
	const char *who, *what;
	int dir = S_ISDIR(st->st_mode);

	if (st->st_uid == w->read_uid) {
		bits = (st->st_mode >> 6) & 7;
		who = "owner";
	} else if (st->st_gid == w->read_gid) {
		bits = (st->st_mode >> 3) & 7;
		who = "group";
	} else {
		bits = st->st_mode & 7;
		who = "others";
	}
	if (!dir && !(bits & 4))
		what = "read";
	else if (dir && !(bits & 4) && !(bits & 1))
		what = "list or search";
	else if (dir && !(bits & 4))
		what = "list";
	else if (dir && !(bits & 1))
		what = "search";
	else
		return 0;
	strbuf_addf(why, "mode %04o: %s cannot %s",
		    (unsigned)(st->st_mode & 07777), who, what);
	return 1;
}

static void check_bits(struct walk *w, const struct stat *st)
{
	struct strbuf why = STRBUF_INIT;

	if (bits_deny(w, st, &why))
		unreadable(w, why.buf);
	strbuf_release(&why);
}

static void check_owner(struct walk *w, const struct stat *st)
{
	struct strbuf why = STRBUF_INIT;

	if (!w->o->owner_given ||
	    (st->st_uid == w->o->uid && st->st_gid == w->o->gid))
		return;
	w->f->not_owned++;
	strbuf_addf(&why, "%lu:%lu", (unsigned long)st->st_uid,
		    (unsigned long)st->st_gid);
	add_example(&w->f->owner_examples, w->rel.buf, why.buf);
	strbuf_release(&why);
}

static int push_dir(struct walk *w, int fd, struct error *err)
{
	DIR *d;

	if (w->depth > FSCHECK_MAX_DEPTH) {
		close(fd);
		error_set(err, "deeper than %d directory levels at '",
			  FSCHECK_MAX_DEPTH);
		fscheck_quote_name(&err->msg, w->rel.buf);
		strbuf_addch(&err->msg, '\'');
		return -1;
	}
	d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
		return error_errno(err, "fdopendir");
	}
	w->stack[w->depth].d = d;
	w->stack[w->depth].pathlen = w->rel.len;
	w->depth++;
	return 0;
}

/* Errors that say the walk itself cannot go on, not that an entry is bad. */
static int fatal_errno(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM;
}

/* After a failed openat(): gone meanwhile, the walk's end, or a finding. */
static int open_failed(struct walk *w, struct error *err)
{
	if (errno == ENOENT)
		return 0;
	if (fatal_errno(errno))
		return error_errno(err, "open");
	unreadable_errno(w, "cannot open", errno);
	return 0;
}

static int visit(struct walk *w, int dirfd, const char *name,
		 struct error *err)
{
	struct stat st;
	int fd;

	if (++w->entries > FSCHECK_MAX_ENTRIES)
		return error_set(err, "more than %llu entries",
				 FSCHECK_MAX_ENTRIES);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;  /* removed while we walk */
		if (fatal_errno(errno))
			return error_errno(err, "stat");
		unreadable_errno(w, "cannot stat", errno);
		return 0;
	}
	check_owner(w, &st);
	if (S_ISREG(st.st_mode)) {
		w->f->files++;
		w->f->bytes += (unsigned long long)st.st_size;
		if (w->o->try_open) {
			fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW |
				    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
			if (fd < 0)
				return open_failed(w, err);
			close(fd);
		}
		check_bits(w, &st);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		/* Devices are not opened: opening a tape rewinds it. */
		w->f->others++;
		return 0;
	}
	w->f->dirs++;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0)
		return open_failed(w, err);
	check_bits(w, &st);
	return push_dir(w, fd, err);
}

static int walk(struct walk *w, int topfd, struct error *err)
{
	if (push_dir(w, topfd, err) < 0)
		return -1;
	while (w->depth) {
		struct frame *fr = &w->stack[w->depth - 1];
		struct dirent *de;

		if (w->o->cancel && *w->o->cancel)
			return error_set(err, "cancelled");
		strbuf_setlen(&w->rel, fr->pathlen);
		errno = 0;
		de = readdir(fr->d);
		if (!de) {
			if (errno)
				unreadable_errno(w, "cannot list", errno);
			closedir(fr->d);
			w->depth--;
			continue;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (w->rel.len)
			strbuf_addch(&w->rel, '/');
		strbuf_adds(&w->rel, de->d_name);
		if (visit(w, dirfd(fr->d), de->d_name, err) < 0)
			return -1;
	}
	return 0;
}

static void reset_facts(struct fscheck_facts *f)
{
	struct fscheck_facts empty = FSCHECK_FACTS_INIT;

	fscheck_facts_release(f);
	*f = empty;
}

static int inspect_top(struct walk *w, const char *path, struct error *err)
{
	struct fscheck_facts *f = w->f;
	struct stat st;
	int fd;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return error_errno(err, "cannot inspect '%s'", path);
	}
	if (S_ISLNK(st.st_mode)) {
		f->is_symlink = 1;
		if (stat(path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				return 0;
			return error_errno(err, "cannot inspect '%s'", path);
		}
	}
	f->type = S_ISREG(st.st_mode) ? FSCHECK_FILE :
		S_ISDIR(st.st_mode) ? FSCHECK_DIR : FSCHECK_OTHER;
	f->size = st.st_size;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	f->mode = st.st_mode & 07777;
	/* Names are for the reader; an id without one is no error. */
	if (lookup_user(NULL, st.st_uid, NULL, &f->user) <= 0)
		strbuf_reset(&f->user);
	if (lookup_group(NULL, st.st_gid, NULL, &f->group) <= 0)
		strbuf_reset(&f->group);
	if (!w->o->owner_given) {
		w->read_uid = st.st_uid;
		w->read_gid = st.st_gid;
	}
	if (f->type == FSCHECK_OTHER)
		return 0;
	if (f->type == FSCHECK_FILE) {
		f->files = 1;
		f->bytes = (unsigned long long)st.st_size;
		if (!w->o->try_open) {
			check_bits(w, &st);
			return 0;
		}
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			if (errno != EACCES && errno != EPERM)
				return error_errno(err, "cannot open '%s'",
						   path);
			unreadable_errno(w, "cannot open", errno);
			return 0;
		}
		close(fd);
		check_bits(w, &st);
		return 0;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != EACCES && errno != EPERM)
			return error_errno(err, "cannot open '%s'", path);
		unreadable_errno(w, "cannot open", errno);
		return 0;
	}
	check_bits(w, &st);
	return walk(w, fd, err);
}

int fscheck_inspect(const char *path, const struct fscheck_opts *opts,
		    struct fscheck_facts *out, struct error *err)
{
	static const struct fscheck_opts defaults = FSCHECK_OPTS_INIT;
	struct walk w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.o = opts ? opts : &defaults;
	w.f = out;
	w.read_uid = w.o->uid;
	w.read_gid = w.o->gid;
	strbuf_init(&w.rel, 0);
	w.stack = xcalloc(FSCHECK_MAX_DEPTH + 1, sizeof(*w.stack));
	reset_facts(out);

	ret = inspect_top(&w, path, err);
	while (w.depth)
		closedir(w.stack[--w.depth].d);
	free(w.stack);
	strbuf_release(&w.rel);
	return ret;
}
