#include "backup.h"
#include "clock.h"
#include "journal.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "safefs.h"
#include "schema.h"
#include "sha256.h"
#include "strbuf.h"
#include "toc.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A creation time this far from the file's mtime is worth a look. */
#define SKEW_MS (60LL * 60 * 1000)
/* Ahead of this host's clock by more than this: "in the future". */
#define FUTURE_MS (5LL * 60 * 1000)
/* The header-only read of the plan's preview. */
#define HEAD_BYTES 65536

const char *backup_clock_name(const char *clock)
{
	if (!strcmp(clock, "archive"))
		return "pg_dump archive header";
	if (!strcmp(clock, "tar"))
		return "newest tar member time";
	return "file mtime";
}

static const char *clock_strength(const char *clock)
{
	if (!strcmp(clock, "archive"))
		return "strong: written by pg_dump when its snapshot was taken";
	if (!strcmp(clock, "tar"))
		return "medium: the backup was made at or after its newest "
		       "member changed, so the age is an upper bound";
	return "weak: any cp, touch or rsync changes a file's mtime";
}

/* set: TZ becomes tz (NULL: left as it is); !set: TZ as it was. */
static void with_tz(const char *tz, int set)
{
	static char *saved;
	static int had;

	if (set) {
		const char *cur = getenv("TZ");
		had = cur != NULL;
		free(saved);
		saved = cur ? xstrdup(cur) : NULL;
		if (tz)
			setenv("TZ", tz, 1);
	} else if (tz) {
		if (had)
			setenv("TZ", saved, 1);
		else
			unsetenv("TZ");
	}
	tzset();
}

/* The header's fields (sec, min, hour, mday, mon, year) as a struct tm. */
static void header_tm(const int f[7], int isdst, struct tm *tm)
{
	memset(tm, 0, sizeof(*tm));
	tm->tm_sec = f[0];
	tm->tm_min = f[1];
	tm->tm_hour = f[2];
	tm->tm_mday = f[3];
	tm->tm_mon = f[4];
	tm->tm_year = f[5];
	tm->tm_isdst = isdst;
}

int backup_archive_time(const int f[7], const char *tz, long long *ms,
			int *dst_fits)
{
	struct tm tm, back;
	time_t t;

	/* As pg_restore does: the stored flag picks the repeated hour. */
	header_tm(f, f[6], &tm);
	with_tz(tz, 1);
	t = mktime(&tm);
	if (t != (time_t)-1)
		localtime_r(&t, &back);
	*dst_fits = t == (time_t)-1 || f[6] < 0 ||
		    (back.tm_isdst > 0) == (f[6] > 0);
	if (!*dst_fits) {
		/*
		 * The flag the zone contradicts is no help with the repeated
		 * hour, and mktime() would shift the time by the DST offset
		 * to honour it: the zone's own rule is taken instead.
		 */
		header_tm(f, -1, &tm);
		t = mktime(&tm);
	}
	with_tz(tz, 0);
	if (t == (time_t)-1)
		return -1;
	*ms = (long long)t * 1000;
	return 0;
}

static int is_tar_name(const char *p)
{
	static const char *const ext[] = { ".tar", ".tar.gz", ".tgz", ".tar.bz2",
		".tar.xz", ".tar.zst", NULL };
	size_t n = strlen(p), i;

	for (i = 0; ext[i]; i++) {
		size_t e = strlen(ext[i]);
		if (n > e && !strcmp(p + n - e, ext[i]))
			return 1;
	}
	return 0;
}

/*
 * The newest member time of a tar archive, from GNU tar's own listing
 * (--utc --full-time: "-rw-r--r-- u/g 12 2026-12-01 10:00:00 name").
 */
static int tar_newest(const char *path, const char *tmpdir, long long *ms,
		      struct strbuf *why)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf out = STRBUF_INIT, name = STRBUF_INIT;
	const char *line;
	long long best = -1;
	int ret = -1;

	strbuf_addf(&name, "%s/.tar-list.%ld", tmpdir, (long)getpid());
	{
		static const char *const argv[] = { "tar", "--utc",
			"--full-time", "-tvf", NULL };
		size_t k;
		for (k = 0; argv[k]; k++)
			strvec_push(&cmd.argv, argv[k]);
		strvec_push(&cmd.argv, path);
	}
	strvec_push(&cmd.env, "LC_ALL=C");
	cmd.stdout_path = name.buf;
	cmd.timeout_ms = 3600UL * 1000;
	if (exec_run(&cmd, &res, &err) < 0 || res.exec_failed) {
		strbuf_addf(why, "tar could not be run: %s", err.msg.len ?
			    err.msg.buf : res.exec_error.buf);
		goto out;
	}
	if (res.exit_code || res.signal) {
		strbuf_addf(why, "tar -t failed (exit %d): %.*s", res.exit_code,
			    (int)(res.err_head.len > 200 ? 200 : res.err_head.len),
			    res.err_head.buf);
		goto out;
	}
	if (strbuf_read_file(&out, name.buf, 64u << 20) < 0) {
		strbuf_addf(why, "cannot read tar's listing: %s", strerror(errno));
		goto out;
	}
	for (line = out.buf; line && *line; ) {
		const char *nl = strchr(line, '\n');
		int y, mo, d, h, mi, s, n = 0;
		const char *p = line;
		int field;

		/* The date is the 4th field. */
		for (field = 0; field < 3 && p; field++) {
			p = strchr(p, ' ');
			while (p && *p == ' ')
				p++;
		}
		if (p && sscanf(p, "%d-%d-%d %d:%d:%d%n", &y, &mo, &d, &h, &mi,
				&s, &n) == 6) {
			long long t = clock_utc_secs(y, mo, d, h, mi, s);

			if (t * 1000 > best)
				best = t * 1000;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (best < 0) {
		strbuf_adds(why, "tar listed no member with a time");
		goto out;
	}
	*ms = best;
	ret = 0;
out:
	unlink(name.buf);
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	error_release(&err);
	strbuf_release(&out);
	strbuf_release(&name);
	return ret;
}

/* Read the archive's header (and, when full, all of it). */
static void look_archive(struct backup_cand *c, const char *tz, int full)
{
	struct toc toc = TOC_INIT;
	struct error err = ERROR_INIT;
	int ret;

	if (full) {
		/* Walked and hashed in one pass over the file. */
		ret = toc_read_archive_sha256(c->path, &toc, c->sha256, &err);
	} else {
		struct strbuf head = STRBUF_INIT;
		int fd = safefs_open_regular(c->path, 1, NULL, &err);
		ssize_t n = -1;

		if (fd >= 0) {
			strbuf_grow(&head, HEAD_BYTES);
			n = read(fd, head.buf, HEAD_BYTES);
			close(fd);
		}
		if (fd < 0) {
			ret = -1;
		} else if (n < 0) {
			error_set(&err, "cannot read it: %s", strerror(errno));
			ret = -1;
		} else {
			toc_read_archive_mem(head.buf, (size_t)n, &toc, &err);
			ret = 0;  /* cut short on purpose: the header is enough */
		}
		strbuf_release(&head);
	}
	if (toc.created_set &&
	    backup_archive_time(toc.created_tm, tz, &c->created_ms,
				&c->dst_fits) == 0) {
		c->clock = "archive";
		c->created_local = xstrdup(toc.created);
	}
	if (ret < 0 || (!full && !toc.created_set)) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%s", err.msg.len ? err.msg.buf :
			    "the archive header cannot be read");
		c->damaged = strbuf_detach(&sb, NULL);
	}
	toc_release(&toc);
	error_release(&err);
}

static void look(struct backup_cand *c, const char *tz, int full, const char *tmpdir)
{
	unsigned char magic[5];
	int fd;
	ssize_t n;
	struct error err = ERROR_INIT;
	struct strbuf why = STRBUF_INIT;

	c->clock = "mtime";
	c->dst_fits = 1;
	/*
	 * Candidates sit where backups land, often writable by a backup
	 * user: non-blocking and fstat'd, so a FIFO put there (or swapped in
	 * after the glob's stat) is a damaged candidate, never a hang.
	 */
	fd = safefs_open_regular(c->path, 1, NULL, &err);
	if (fd < 0) {
		strbuf_addf(&why, "cannot be opened: %s", err.msg.buf);
		c->damaged = strbuf_detach(&why, NULL);
		error_release(&err);
		return;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n == (ssize_t)sizeof(magic) && !memcmp(magic, "PGDMP", 5))
		look_archive(c, tz, full);
	else if (is_tar_name(c->path) && tmpdir) {
		if (tar_newest(c->path, tmpdir, &c->created_ms, &why) == 0)
			c->clock = "tar";
		else
			c->damaged = strbuf_detach(&why, NULL);
	}
	if (full && !c->damaged && !c->sha256[0]) {
		unsigned long long size;
		if (sha256_file_hex(c->path, c->sha256, &size, &err) < 0) {
			strbuf_addf(&why, "cannot be read to its end: %s",
				    err.msg.buf);
			c->damaged = strbuf_detach(&why, NULL);
		}
	}
	error_release(&err);
	strbuf_release(&why);
}

static long long cand_key(const struct backup_cand *c)
{
	return strcmp(c->clock, "mtime") ? c->created_ms : c->mtime_ms;
}

static void fmt_age(struct strbuf *sb, long long ms);

/*
 * A candidate's clock contradicted by the file's other evidence: made
 * later than this host's clock says it is now, or later than the file's
 * inode last changed (ctime: the kernel sets it to the present on every
 * write, cp and touch, so no one but root sets it back; a file is not
 * made after its last byte was written), or, for an archive, later than
 * its mtime (pg_dump writes the header first). SKEW_MS and FUTURE_MS
 * leave room for the clocks of the dumping host and the storage.
 * Such a clock makes no RPO: it never wins the pick over a consistent
 * candidate, and picked alone it fails the RPO (runner.c).
 */
static void contradiction(struct backup_cand *c, long long now_ms)
{
	struct strbuf sb = STRBUF_INIT;
	long long t = cand_key(c);

	if (t > now_ms + FUTURE_MS) {
		strbuf_addf(&sb, "its %s says it was made at ",
			    backup_clock_name(c->clock));
		clock_format_utc_ms(&sb, t);
		strbuf_adds(&sb, ", ");
		fmt_age(&sb, t - now_ms);
		strbuf_adds(&sb, " in the future of this host's clock");
	} else if (t > c->ctime_ms + SKEW_MS) {
		strbuf_addf(&sb, "its %s says it was made at ",
			    backup_clock_name(c->clock));
		clock_format_utc_ms(&sb, t);
		strbuf_adds(&sb, ", ");
		fmt_age(&sb, t - c->ctime_ms);
		strbuf_adds(&sb, " after the file last changed (its ctime, ");
		clock_format_utc_ms(&sb, c->ctime_ms);
		strbuf_adds(&sb, ", which no cp or touch sets back)");
	} else if (!strcmp(c->clock, "archive") && t > c->mtime_ms + SKEW_MS) {
		/* pg_dump writes the header first: mtime is at or after it. */
		strbuf_adds(&sb, "its pg_dump archive header says it was made at ");
		clock_format_utc_ms(&sb, t);
		strbuf_adds(&sb, ", ");
		fmt_age(&sb, t - c->mtime_ms);
		strbuf_adds(&sb, " after the file was last written (its mtime, ");
		clock_format_utc_ms(&sb, c->mtime_ms);
		strbuf_adds(&sb, ")");
	}
	if (sb.len)
		c->contradicted = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
}

/*
 * The file must be the same inode, unchanged, after it was read and
 * hashed as before: otherwise the SHA-256 and the clock are of bytes
 * that are no longer there.
 */
static void unchanged_while_read(struct backup_cand *c)
{
	struct stat now;

	if (c->damaged)
		return;
	if (stat(c->path, &now) < 0 || !backup_same_file(&c->st, &now))
		c->damaged = xstrdup("it changed while rdrill read it (another "
				     "inode, size, mtime or ctime after the "
				     "read than before): read it again later");
}

/*
 * The candidate about to be picked, read whole: an archive walked to its
 * last data block and hashed in the same pass, any other file hashed.
 * Only these are hashed: the choice is made from headers (backup_pick).
 */
static void whole(struct backup_cand *c, const char *tz, const char *tmpdir)
{
	c->read_whole = 1;
	if (c->damaged)
		return;
	free(c->created_local);
	c->created_local = NULL;
	look(c, tz, 1, tmpdir);
	unchanged_while_read(c);
}

int backup_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

void backup_ident_of(const struct stat *st, struct backup_ident *id)
{
	id->dev = (long long)st->st_dev;
	id->ino = (long long)st->st_ino;
	id->size = (long long)st->st_size;
	id->mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000 +
		       st->st_mtim.tv_nsec;
	id->ctime_ns = (long long)st->st_ctim.tv_sec * 1000000000 +
		       st->st_ctim.tv_nsec;
}

/* The journal's names of the identity's fields, in its order. */
#define IDENT_FIELDS(X) X(dev) X(ino) X(size) X(mtime_ns) X(ctime_ns)

json_t *backup_identity(const struct stat *st)
{
	struct backup_ident id;
	json_t *o = json_object();

	backup_ident_of(st, &id);
#define PUT(f) json_object_set_new(o, #f, json_integer((json_int_t)id.f));
	IDENT_FIELDS(PUT)
#undef PUT
	return o;
}

/* The identity's five numbers, declared once; all required. */
struct ident_wire {
#define WIRE(f) struct schema_int f;
	IDENT_FIELDS(WIRE)
#undef WIRE
};
static const struct schema_field ident_fields[] = {
#define FIELD(f) { .key = #f, .type = SCHEMA_INT, .flags = SCHEMA_REQ, \
		   .off = offsetof(struct ident_wire, f) },
	IDENT_FIELDS(FIELD)
#undef FIELD
	{ 0 }
};
static const struct schema ident_schema = {
	.what = "chosen_identity", .fields = ident_fields,
	.size = sizeof(struct ident_wire),
};

int backup_ident_from_json(json_t *o, struct backup_ident *id)
{
	struct ident_wire w;
	struct error e = ERROR_INIT;
	int bad;

	memset(id, 0, sizeof(*id));
	memset(&w, 0, sizeof(w));
	/* Exactly those five: a member more is not the journal's form. */
	bad = !json_is_object(o) || json_object_size(o) != 5 ||
	      schema_bind(&ident_schema, o, &w, "chosen_identity", &e) < 0;
	error_release(&e);
	if (bad)
		return -1;
#define GET(f) id->f = w.f.v;
	IDENT_FIELDS(GET)
#undef GET
	return 0;
}

int backup_ident_equal(const struct backup_ident *a,
		       const struct backup_ident *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* Consistent clocks first, then newest first, then by path. */
static int cand_cmp(const void *a, const void *b)
{
	const struct backup_cand *x = a, *y = b;
	long long kx = cand_key(x), ky = cand_key(y);

	if (!x->contradicted != !y->contradicted)
		return x->contradicted ? 1 : -1;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* glob(3)'s error callback has no argument: one selection at a time. */
static struct strvec *glob_errors;

static int on_glob_error(const char *path, int eno)
{
	struct strbuf sb = STRBUF_INIT;

	/* A part of the pattern that does not exist just matches nothing. */
	if (eno == ENOENT || eno == ENOTDIR)
		return 0;
	strbuf_addf(&sb, "%s: %s", path, strerror(eno));
	strvec_push(glob_errors, sb.buf);
	strbuf_release(&sb);
	return 0;
}

static void fmt_age(struct strbuf *sb, long long ms)
{
	long long s = (ms < 0 ? -ms : ms) / 1000;

	if (s >= 86400)
		strbuf_addf(sb, "%lldd%02lldh", s / 86400, s / 3600 % 24);
	else if (s >= 3600)
		strbuf_addf(sb, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		strbuf_addf(sb, "%lldm%02llds", s / 60, s % 60);
}

static int zone_known(const char *tz)
{
	struct strbuf p = STRBUF_INIT;
	int ok;

	if (*tz == ':')
		tz++;
	if (*tz == '/' || strstr(tz, ".."))
		return *tz == '/' && access(tz, R_OK) == 0;
	strbuf_addf(&p, "/usr/share/zoneinfo/%s", tz);
	ok = access(p.buf, R_OK) == 0;
	strbuf_release(&p);
	return ok;
}

static json_t *cand_json(const struct backup_cand *c, int full)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(c->path));
	json_object_set_new(o, "size", json_integer(c->size));
	json_object_set_new(o, "mtime", journal_utc(c->mtime_ms));
	json_object_set_new(o, "mtime_ms", json_integer(c->mtime_ms));
	json_object_set_new(o, "clock", json_string(c->clock));
	if (strcmp(c->clock, "mtime")) {
		json_object_set_new(o, "created", journal_utc(c->created_ms));
		json_object_set_new(o, "created_ms", json_integer(c->created_ms));
	}
	if (c->created_local)
		json_object_set_new(o, "created_header",
				    json_string(c->created_local));
	if (c->sha256[0])
		json_object_set_new(o, "sha256", json_string(c->sha256));
	/* "header": chosen against from its header, never read whole. */
	if (full)
		json_object_set_new(o, "read", json_string(c->read_whole ?
				    "whole" : "header"));
	if (c->damaged)
		json_object_set_new(o, "damaged", json_string(c->damaged));
	if (c->contradicted)
		json_object_set_new(o, "contradicted",
				    json_string(c->contradicted));
	return o;
}

static void findings(const struct drill_item *it, const struct backup_cand *c,
		     long long now_ms, struct strvec *out)
{
	struct strbuf sb = STRBUF_INIT;

	(void)now_ms;
	if (c->contradicted) {
		strbuf_addf(&sb, "%s: %s: one of the clocks is wrong, so its age "
			    "is no evidence and its RPO is FAILED", c->path,
			    c->contradicted);
		strvec_push(out, sb.buf);
		strbuf_reset(&sb);
	}
	if (!strcmp(c->clock, "archive") &&
	    (c->mtime_ms - c->created_ms > SKEW_MS ||
	     c->created_ms - c->mtime_ms > SKEW_MS)) {
		strbuf_addf(&sb, "%s: the file's mtime (", c->path);
		clock_format_utc_ms(&sb, c->mtime_ms);
		strbuf_adds(&sb, ") is ");
		fmt_age(&sb, c->mtime_ms - c->created_ms);
		strbuf_addf(&sb, " %s the archive's creation time (",
			    c->mtime_ms > c->created_ms ? "after" : "before");
		clock_format_utc_ms(&sb, c->created_ms);
		strbuf_adds(&sb, "): copied, touched or a long dump; the "
			    "archive's own time is the one used");
		strvec_push(out, sb.buf);
		strbuf_reset(&sb);
	}
	if (!strcmp(c->clock, "archive") && !c->dst_fits) {
		strbuf_addf(&sb, "%s: the header's DST flag does not fit the "
			    "zone %s on that date: the dump was probably made "
			    "on a host in another zone (set timezone: on item "
			    "%s); its time may be off by the zones' difference",
			    c->path, it->timezone ? it->timezone :
			    getenv("TZ") ? getenv("TZ") : "(local)", it->id);
		strvec_push(out, sb.buf);
		strbuf_reset(&sb);
	}
	strbuf_release(&sb);
}

void backup_pick_init(struct backup_pick *p)
{
	memset(p, 0, sizeof(*p));
	strvec_init(&p->findings);
}

void backup_pick_release(struct backup_pick *p)
{
	size_t i;

	for (i = 0; i < p->ncands; i++) {
		free(p->cands[i].path);
		free(p->cands[i].created_local);
		free(p->cands[i].damaged);
		free(p->cands[i].contradicted);
	}
	free(p->cands);
	free(p->item);
	free(p->rule);
	free(p->timezone);
	free(p->problem);
	strvec_clear(&p->findings);
	backup_pick_init(p);
}

const struct backup_cand *backup_pick_chosen(const struct backup_pick *p)
{
	return p->status == BACKUP_PICKED ? &p->cands[p->chosen] : NULL;
}

/* One candidate more, as glob found it. */
static void add_cand(struct backup_pick *p, const char *path,
		     const struct stat *fs)
{
	struct backup_cand *c;

	XGROW(p->cands, p->ncands + 1, p->acands);
	c = &p->cands[p->ncands++];
	memset(c, 0, sizeof(*c));
	c->path = xstrdup(path);
	c->size = (long long)fs->st_size;
	c->mtime_ms = (long long)fs->st_mtim.tv_sec * 1000 +
		      fs->st_mtim.tv_nsec / 1000000;
	c->ctime_ms = (long long)fs->st_ctim.tv_sec * 1000 +
		      fs->st_ctim.tv_nsec / 1000000;
	c->st = *fs;
}

/*
 * The regular files the rule names: a glob, or a directory of dated
 * backups (its files and its subdirectories'). What glob could not read
 * goes to `errors`.
 */
static void gather(struct backup_pick *p, const char *rule,
		   struct strvec *errors)
{
	struct strvec patterns = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	glob_t g;
	size_t i, k;

	if (stat(rule, &st) == 0 && S_ISDIR(st.st_mode)) {
		strbuf_addf(&sb, "%s/*", rule);
		strvec_push(&patterns, sb.buf);
		strbuf_addf(&sb, "/*");
		strvec_push(&patterns, sb.buf);
	} else {
		strvec_push(&patterns, rule);
	}
	glob_errors = errors;
	for (i = 0; i < patterns.nr; i++) {
		int gr = glob(patterns.v[i], GLOB_NOSORT, on_glob_error, &g);

		if (gr != 0) {
			if (gr == GLOB_NOSPACE)
				strvec_push(errors, "glob failed (out of memory)");
			globfree(&g);
			continue;
		}
		for (k = 0; k < g.gl_pathc; k++) {
			struct stat fs;
			if (stat(g.gl_pathv[k], &fs) == 0 && S_ISREG(fs.st_mode))
				add_cand(p, g.gl_pathv[k], &fs);
		}
		globfree(&g);
	}
	glob_errors = NULL;
	strvec_clear(&patterns);
	strbuf_release(&sb);
}

/*
 * Headers choose; only the one to restore is read whole (and, when it
 * is damaged and the item says use_older, the next, and so on). The
 * pick's status, chosen, problem and findings.
 */
static void choose(struct backup_pick *p, const struct drill_item *it,
		   int full, long long now_ms, const char *tmpdir)
{
	struct backup_cand *c = p->cands;
	size_t nc = p->ncands, i, pick;
	struct strbuf sb = STRBUF_INIT;

	for (i = 0; i < nc; i++) {
		look(&c[i], it->timezone, 0, tmpdir);
		contradiction(&c[i], now_ms);
	}
	qsort(c, nc, sizeof(*c), cand_cmp);
	for (pick = 0; pick < nc; pick++) {
		if (full)
			whole(&c[pick], it->timezone, tmpdir);
		if (!c[pick].damaged || !p->use_older)
			break;
	}
	if (pick == nc || c[pick].damaged) {
		const struct backup_cand *n = &c[pick == nc ? 0 : pick];
		strbuf_addf(&sb, "backup %s: the newest candidate %s cannot be "
			    "restored: %s", it->id, n->path, n->damaged);
		if (pick == nc && nc > 1)
			strbuf_adds(&sb, " (and no older candidate is whole)");
		else if (!p->use_older && nc > 1)
			strbuf_adds(&sb, "; rdrill does not fall back to an "
				    "older one unless the item says "
				    "on_damaged: use_older");
		p->status = BACKUP_DAMAGED;
		p->problem = strbuf_detach(&sb, NULL);
		return;
	}
	if (pick) {
		strbuf_addf(&sb, "the newest candidate %s cannot be restored "
			    "(%s); the older %s is restored instead, as the "
			    "item says (on_damaged: use_older)", c[0].path,
			    c[0].damaged, c[pick].path);
		strvec_push(&p->findings, sb.buf);
		strbuf_reset(&sb);
	}
	for (i = pick + 1; i < nc; i++) {
		if (!c[i].contradicted || c[pick].contradicted ||
		    cand_key(&c[i]) <= cand_key(&c[pick]))
			continue;
		strbuf_addf(&sb, "%s was not picked although its clock is newer: "
			    "%s, so its age is no evidence", c[i].path,
			    c[i].contradicted);
		strvec_push(&p->findings, sb.buf);
		strbuf_reset(&sb);
	}
	findings(it, &c[pick], now_ms, &p->findings);
	p->status = BACKUP_PICKED;
	p->chosen = pick;
	p->created_ms = cand_key(&c[pick]);
	strbuf_release(&sb);
}

int backup_pick(const struct drill_item *it, int full, long long now_ms,
		const char *tmpdir, struct backup_pick *p,
		struct strvec *problems)
{
	struct strvec errors = STRVEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	backup_pick_init(p);
	p->item = xstrdup(it->id);
	p->rule = xstrdup(it->scheduled);
	p->timezone = xstrdup(it->timezone ? it->timezone : getenv("TZ") ?
			      getenv("TZ") : "(local)");
	p->use_older = it->on_damaged && !strcmp(it->on_damaged, "use_older");
	p->full = full;
	p->status = BACKUP_UNREADABLE;
	if (it->timezone && !zone_known(it->timezone)) {
		strbuf_addf(&sb, "backup %s: timezone '%s' is not a zone this "
			    "host knows (/usr/share/zoneinfo)", it->id,
			    it->timezone);
		goto problem;
	}
	gather(p, it->scheduled, &errors);
	if (errors.nr) {
		strbuf_addf(&sb, "backup %s: cannot read where its backups are "
			    "(%s): ", it->id, it->scheduled);
		for (i = 0; i < errors.nr; i++)
			strbuf_addf(&sb, "%s%s", i ? "; " : "", errors.v[i]);
		goto problem;
	}
	if (!p->ncands) {
		strbuf_addf(&sb, "backup %s: no file matches scheduled: %s, so "
			    "there is no backup to restore", it->id,
			    it->scheduled);
		p->status = BACKUP_NONE;
		goto problem;
	}
	choose(p, it, full, now_ms, tmpdir);
	strvec_clear(&errors);
	return 0;
problem:
	/* What was found is not journaled when the rule could not be read. */
	for (i = 0; i < p->ncands; i++) {
		free(p->cands[i].path);
		free(p->cands[i].created_local);
		free(p->cands[i].damaged);
		free(p->cands[i].contradicted);
	}
	p->ncands = 0;
	p->problem = strbuf_detach(&sb, NULL);
	strvec_push(problems, p->problem);
	strvec_clear(&errors);
	return -1;
}

static const char *const status_words[] = {
	[BACKUP_PICKED] = "picked", [BACKUP_NONE] = "none",
	[BACKUP_UNREADABLE] = "unreadable", [BACKUP_DAMAGED] = "damaged",
};

const char *backup_pick_status_name(enum backup_pick_status s)
{
	return status_words[s];
}

json_t *backup_pick_record(const struct backup_pick *p)
{
	json_t *rec = json_object(), *arr = json_array(), *finds = json_array();
	const struct backup_cand *c = backup_pick_chosen(p);
	size_t i;

	json_object_set_new(rec, "type", json_string("backup"));
	json_object_set_new(rec, "item", json_string(p->item));
	json_object_set_new(rec, "rule", json_string(p->rule));
	json_object_set_new(rec, "timezone", json_string(p->timezone));
	json_object_set_new(rec, "on_damaged", json_string(p->use_older ?
			    "use_older" : "fail"));
	if (c && c->contradicted)
		json_object_set_new(rec, "clock_contradicted",
				    json_string(c->contradicted));
	json_object_set_new(rec, "status",
			    json_string(backup_pick_status_name(p->status)));
	if (p->problem)
		json_object_set_new(rec, "problem", json_string(p->problem));
	if (c) {
		json_object_set_new(rec, "chosen", json_string(c->path));
		if (p->full) {
			json_object_set_new(rec, "chosen_sha256",
					    json_string(c->sha256));
			json_object_set_new(rec, "chosen_identity",
					    backup_identity(&c->st));
		}
		json_object_set_new(rec, "chosen_index",
				    json_integer((json_int_t)p->chosen));
		json_object_set_new(rec, "clock", json_string(c->clock));
		json_object_set_new(rec, "strength",
				    json_string(clock_strength(c->clock)));
		json_object_set_new(rec, "created_ms", json_integer(p->created_ms));
		json_object_set_new(rec, "created", journal_utc(p->created_ms));
		json_object_set_new(rec, "fell_back", json_boolean(p->chosen > 0));
	}
	for (i = 0; i < p->ncands; i++)
		json_array_append_new(arr, cand_json(&p->cands[i], p->full));
	for (i = 0; i < p->findings.nr; i++)
		json_array_append_new(finds, json_string(p->findings.v[i]));
	json_object_set_new(rec, "candidates", arr);
	json_object_set_new(rec, "findings", finds);
	return rec;
}
