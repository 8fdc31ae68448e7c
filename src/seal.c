#include "seal.h"
#include "checksum.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "plan.h"
#include "report.h"
#include "schema.h"
#include "sha256.h"
#include "sign.h"
#include "tsa.h"
#include "strbuf.h"
#include "version.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_MAX (64u << 10)
/* What a file compared with a render or a plan is read in. */
#define FCMP_BLOCK (64u << 10)

/* The seal's own files: not in SHA256SUMS, checked on their own. */
static const char *const seal_files[] = {
	"SHA256SUMS", "SEAL", "SEAL.sig", "SEAL.pub", "seal.tsq", "seal.tsr",
	NULL
};

static const char *const langs[] = { "en", "zh-CN", NULL };

static int is_seal_file(const char *name)
{
	size_t i;

	for (i = 0; seal_files[i]; i++)
		if (!strcmp(name, seal_files[i]))
			return 1;
	return 0;
}

int seal_is_late_file(const char *name)
{
	return !strcmp(name, SEAL_SIGNOFF_FILE) ||
	       !strcmp(name, SEAL_SIGNED_MD) || !strcmp(name, SEAL_SIGNED_HTML);
}

void seal_report_names(const char *lang, struct strbuf *md, struct strbuf *html)
{
	strbuf_reset(md);
	strbuf_reset(html);
	if (lang) {
		strbuf_addf(md, "report.%s.md", lang);
		strbuf_addf(html, "report.%s.html", lang);
	} else {
		strbuf_adds(md, "report.md");
		strbuf_adds(html, "report.html");
	}
}

/* "report.LANG.md" / "report.LANG.html": the language, else NULL. */
static const char *extra_report_lang(const char *name)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	const char *found = NULL;
	size_t i;

	for (i = 0; langs[i] && !found; i++) {
		seal_report_names(langs[i], &md, &html);
		if (!strcmp(name, md.buf) || !strcmp(name, html.buf))
			found = langs[i];
	}
	strbuf_release(&md);
	strbuf_release(&html);
	return found;
}

/* fsutil's temporary suffixes: mkstemp's XXXXXX, or PID.SEQ. */
static int tmp_suffix(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (strlen(s) == 6 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == 6)
		return 1;
	return n && s[n] == '.' && s[n + 1] &&
	       strspn(s + n + 1, "0123456789") == strlen(s + n + 1);
}

/*
 * NAME.tmp.XXXXXX of a file rdrill writes atomically (fsutil.h): a kill
 * between mkstemp and rename leaves it. It never was evidence (nothing
 * named it, nothing hashed it), so in an unsealed bundle it is listed
 * and render removes it before sealing, instead of refusing the bundle.
 */
static int is_leftover(const char *name)
{
	static const char *const atomic[] = {
		"report.md", "report.html", "plan.json", "SHA256SUMS", "SEAL",
		"SEAL.sig", "SEAL.pub", "seal.tsq", NULL
	};
	const char *dot = strstr(name, ".tmp.");
	struct strbuf base = STRBUF_INIT;
	size_t i;
	int ok = 0;

	if (!dot || strchr(name, '/') || !tmp_suffix(dot + 5))
		return 0;
	strbuf_add(&base, name, (size_t)(dot - name));
	for (i = 0; atomic[i] && !ok; i++)
		ok = !strcmp(base.buf, atomic[i]);
	ok = ok || extra_report_lang(base.buf);
	strbuf_release(&base);
	return ok;
}

static const char *kind_word(mode_t m)
{
	return S_ISLNK(m) ? "symbolic link" : S_ISFIFO(m) ? "fifo" :
	       S_ISCHR(m) ? "character device" : S_ISBLK(m) ? "block device" :
	       S_ISSOCK(m) ? "socket" : "special file";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Every entry below `dir` (lstat, never followed): regular files into
 * `files` (relative names, sorted), anything else a problem.
 */
static int walk(const char *dir, const char *rel, struct strvec *files,
		struct strvec *problems, int depth, struct error *err)
{
	struct strbuf path = STRBUF_INIT, name = STRBUF_INIT;
	DIR *d;
	struct dirent *de;
	int ret = 0;

	strbuf_adds(&path, dir);
	if (*rel)
		strbuf_addf(&path, "/%s", rel);
	d = opendir(path.buf);
	if (!d) {
		error_errno(err, "cannot read directory %s", path.buf);
		strbuf_release(&path);
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_reset(&name);
		if (*rel)
			strbuf_addf(&name, "%s/", rel);
		strbuf_adds(&name, de->d_name);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, name.buf);
		/*
		 * The entry's type as the directory says it, when it says
		 * (a bundle of 10,000 steps holds 20,000 files: as many
		 * lstat()s saved); lstat() when it does not.
		 */
		memset(&st, 0, sizeof(st));
		if (de->d_type == DT_REG)
			st.st_mode = S_IFREG;
		else if (de->d_type == DT_DIR)
			st.st_mode = S_IFDIR;
		if (!st.st_mode && lstat(path.buf, &st) < 0) {
			strvec_pushf(problems, "%s: cannot stat: %s", name.buf,
				     strerror(errno));
		} else if (S_ISREG(st.st_mode)) {
			strvec_push(files, name.buf);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth > 8)
				strvec_pushf(problems, "%s: directories nested "
					     "too deep", name.buf);
			else if (walk(dir, name.buf, files, problems, depth + 1,
				      err) < 0)
				ret = -1;
		} else {
			strvec_pushf(problems, "%s: not a regular file (%s)",
				     name.buf, kind_word(st.st_mode));
		}
	}
	closedir(d);
	strbuf_release(&path);
	strbuf_release(&name);
	if (!*rel && files->nr)
		qsort(files->v, files->nr, sizeof(*files->v), cmp_str);
	return ret;
}

static int seal_journal_stat(const char *dir, struct journal_stat *js,
			     struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	int r;

	strbuf_addf(&path, "%s/journal.jsonl", dir);
	r = journal_stat(path.buf, js, err);
	if (r < 0)
		error_prefix(err, "journal.jsonl");
	/* Killed before its start record: no chain head to name. */
	else if (!js->records)
		memcpy(js->head, "none", 5);
	strbuf_release(&path);
	return r;
}

/* SEAL.pub and SEAL.sig of `text` (the SEAL's bytes). */
static int sign_seal(const char *dir, const struct sign_key *key,
		     const struct strbuf *text, struct error *err)
{
	struct strbuf path = STRBUF_INIT, pem = STRBUF_INIT, sig = STRBUF_INIT;
	int ret = -1;

	sign_key_public_pem(key, &pem);
	strbuf_addf(&path, "%s/SEAL.pub", dir);
	if (fs_write_atomic(path.buf, pem.buf, pem.len, err) < 0 ||
	    sign_data(key, text->buf, text->len, &sig, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/SEAL.sig", dir);
	ret = fs_write_atomic(path.buf, sig.buf, sig.len, err);
out:
	strbuf_release(&path);
	strbuf_release(&pem);
	strbuf_release(&sig);
	return ret;
}

int seal_write(const char *dir, const char *state, const char *cmd,
	       const char *lang, const struct sign_key *key,
	       struct error *err)
{
	return seal_write_known(dir, state, cmd, lang, key, NULL, err);
}

int seal_write_known(const char *dir, const char *state, const char *cmd,
		     const char *lang, const struct sign_key *key,
		     const struct journal_stat *known, struct error *err)
{
	struct strvec files, problems, names;
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT, who = STRBUF_INIT;
	struct journal_stat js;
	char sums[SHA256_HEX_LEN + 1];
	size_t i;
	int ret = -1;

	strvec_init(&files);
	strvec_init(&problems);
	strvec_init(&names);
	if (walk(dir, "", &files, &problems, 0, err) < 0)
		goto out;
	if (problems.nr) {
		error_set(err, "cannot seal %s: %s", dir, problems.v[0]);
		goto out;
	}
	for (i = 0; i < files.nr; i++)
		if (!is_seal_file(files.v[i]))
			strvec_push(&names, files.v[i]);
	if (known)
		js = *known;
	else if (seal_journal_stat(dir, &js, err) < 0)
		goto out;
	strbuf_addf(&path, "%s/SHA256SUMS", dir);
	if (checksum_files(dir, names.v, NULL, 0, &set, err) < 0 ||
	    checksum_write_sums(path.buf, &set, err) < 0 ||
	    sha256_file_hex(path.buf, sums, NULL, err) < 0)
		goto out;
	plan_operator(&who);
	strbuf_addf(&text, "rdrill-seal 1\nstate: %s\nsealed-by: rdrill %s %s "
		    "(%s)\nsealed-at: ", state, RDRILL_VERSION, cmd, who.buf);
	clock_format_utc_ms(&text, clock_wall_ms());
	strbuf_addf(&text, "\njournal-records: %lld\njournal-head: %s\n",
		    js.records, js.head);
	if (!strcmp(state, SEAL_CUT_SHORT))
		strbuf_addf(&text, "torn-tail-bytes: %llu\n", js.torn);
	strbuf_addf(&text, "report-lang: %s\nrenderer: ", lang ? lang : "default");
	if (report_renderer(&text, err) < 0)
		goto out;
	strbuf_addf(&text, "\nsha256sums: %s\nkey-fingerprint: %s\n", sums,
		    key ? sign_key_fingerprint(key) : "none");
	/* The signature first: a SEAL never names a key with no signature. */
	if (key && sign_seal(dir, key, &text, err) < 0)
		goto out;
	if (!key) {
		/* A kill mid-seal may have left a signature of another SEAL. */
		static const char *const stale[] = { "SEAL.sig", "SEAL.pub", NULL };
		for (i = 0; stale[i]; i++) {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s", dir, stale[i]);
			if (unlink(path.buf) < 0 && errno != ENOENT) {
				error_errno(err, "cannot remove %s", path.buf);
				goto out;
			}
		}
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/seal.tsq", dir);
	strbuf_reset(&who);
	if (tsa_query(text.buf, text.len, &who, err) < 0 ||
	    fs_write_atomic(path.buf, who.buf, who.len, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/SEAL", dir);
	ret = fs_write_atomic(path.buf, text.buf, text.len, err);
out:
	strvec_clear(&files);
	strvec_clear(&problems);
	strvec_clear(&names);
	checksum_set_release(&set);
	strbuf_release(&path);
	strbuf_release(&text);
	strbuf_release(&who);
	return ret;
}

void seal_check_init(struct seal_check *c)
{
	memset(c, 0, sizeof(*c));
	strvec_init(&c->problems);
	strvec_init(&c->notes);
	strvec_init(&c->caveats);
	strvec_init(&c->leftovers);
	strbuf_init(&c->md, 0);
	strbuf_init(&c->html, 0);
}

void seal_check_release(struct seal_check *c)
{
	strvec_clear(&c->problems);
	strvec_clear(&c->notes);
	strvec_clear(&c->caveats);
	strvec_clear(&c->leftovers);
	if (c->records)
		jrecords_release(c->records);
	free(c->records);
	strbuf_release(&c->md);
	strbuf_release(&c->html);
}

struct seal_fields {
	char state[16], lang[16], by[256], at[64];
	char head[SHA256_HEX_LEN + 1], sums[SHA256_HEX_LEN + 1];
	char key[SHA256_HEX_LEN + 1];
	char renderer[256];         /* "" in a seal older than the line */
	long long records, torn;
	int have_records, have_torn;
};

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

static int parse_count(const char *s, long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* SEAL's fields; each malformed line a problem "SEAL:LINE: ...". */
static int parse_seal(const char *buf, size_t len, struct seal_fields *f,
		      struct strvec *problems)
{
	const char *p = buf, *end = buf + len;
	struct strbuf line = STRBUF_INIT;
	unsigned lineno = 0;
	int bad = 0;

	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *val;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		lineno++;
		strbuf_reset(&line);
		strbuf_add(&line, p, n);
		p += n + (nl ? 1 : 0);
		if (!nl || memchr(line.buf, '\0', line.len)) {
			strvec_pushf(problems, "SEAL:%u: not a whole text line",
				     lineno);
			bad = 1;
			break;
		}
		if (lineno == 1) {
			if (strcmp(line.buf, "rdrill-seal 1")) {
				strvec_pushf(problems, "SEAL:1: not an rdrill "
					     "seal (first line is not "
					     "'rdrill-seal 1')");
				bad = 1;
				break;
			}
			continue;
		}
		val = strstr(line.buf, ": ");
		if (!val) {
			strvec_pushf(problems, "SEAL:%u: not 'key: value'", lineno);
			bad = 1;
			continue;
		}
		line.buf[val - line.buf] = '\0';
		val += 2;
#define COPY(field) do { if (strlen(val) >= sizeof(f->field)) goto badval; \
		memcpy(f->field, val, strlen(val) + 1); } while (0)
		if (!strcmp(line.buf, "state")) {
			if (strcmp(val, SEAL_COMPLETE) && strcmp(val, SEAL_CUT_SHORT))
				goto badval;
			COPY(state);
		} else if (!strcmp(line.buf, "report-lang")) {
			if (strcmp(val, "default") && strcmp(val, "en") &&
			    strcmp(val, "zh-CN"))
				goto badval;
			COPY(lang);
		} else if (!strcmp(line.buf, "journal-head")) {
			/* "none": killed before the journal's first record. */
			if (!is_hex64(val) && strcmp(val, "none"))
				goto badval;
			COPY(head);
		} else if (!strcmp(line.buf, "sha256sums")) {
			if (!is_hex64(val))
				goto badval;
			COPY(sums);
		} else if (!strcmp(line.buf, "journal-records")) {
			if (parse_count(val, &f->records) < 0)
				goto badval;
			f->have_records = 1;
		} else if (!strcmp(line.buf, "torn-tail-bytes")) {
			if (parse_count(val, &f->torn) < 0)
				goto badval;
			f->have_torn = 1;
		} else if (!strcmp(line.buf, "key-fingerprint")) {
			if (strcmp(val, "none") && !is_hex64(val))
				goto badval;
			COPY(key);
		} else if (!strcmp(line.buf, "sealed-by")) {
			COPY(by);
		} else if (!strcmp(line.buf, "sealed-at")) {
			COPY(at);
		} else if (!strcmp(line.buf, "renderer")) {
			COPY(renderer);
		} else {
			strvec_pushf(problems, "SEAL:%u: unknown key", lineno);
			bad = 1;
		}
#undef COPY
		continue;
badval:
		strvec_pushf(problems, "SEAL:%u: bad value for %s", lineno,
			     line.buf);
		bad = 1;
	}
	if (!bad && (!*f->state || !*f->lang || !*f->head || !*f->sums ||
		     !f->have_records || !*f->key)) {
		strvec_pushf(problems, "SEAL: a required line is missing "
			     "(state, journal-records, journal-head, "
			     "report-lang, sha256sums, key-fingerprint)");
		bad = 1;
	}
	strbuf_release(&line);
	return bad ? -1 : 0;
}

/* The journal's error message without the bundle directory in front. */
static void push_err(struct strvec *problems, const char *dir,
		     const struct error *e)
{
	const char *m = e->msg.buf;
	size_t n = strlen(dir);

	if (!strncmp(m, dir, n) && m[n] == '/')
		m += n + 1;
	strvec_push(problems, m);
}

static int safe_rel(const char *p)
{
	return !strncmp(p, "steps/", 6) && !strstr(p, "..") &&
	       !strchr(p + 6, '/') && p[6];
}

/*
 * What SHA256SUMS's verification hashed, kept for check_logs() while the
 * journal is read: each file's name and its SHA-256 (binary), in the
 * list's order, a few dozen bytes a file where the verification's own
 * entries take ten times that.
 */
struct sums_seen {
	struct strbuf names;    /* NUL-terminated, back to back */
	struct sums_hash {
		size_t name;    /* its offset in names */
		unsigned char sha256[32];
	} *v;
	size_t nr, alloc;
};

static int hex_digit(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ?
	       ch - 'a' + 10 : -1;
}

/* 0: `hex` (64 lowercase hex digits) as 32 bytes; -1: not that. */
static int hex_bin(const char *hex, unsigned char out[32])
{
	size_t i;

	for (i = 0; i < 32; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hi < 0 ? -1 :
			 hex_digit(hex[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[64] ? -1 : 0;
}

/* The entries SHA256SUMS's verification read and hashed, kept in `to`. */
static void sums_seen_keep(struct sums_seen *to,
			   const struct checksum_set *listed)
{
	size_t i;

	for (i = 0; i < listed->nr; i++) {
		const struct checksum_entry *en = &listed->v[i];
		struct sums_hash h;

		if ((en->status != CHECKSUM_OK &&
		     en->status != CHECKSUM_MISMATCH) ||
		    hex_bin(en->hex, h.sha256) < 0)
			continue;
		h.name = to->names.len;
		strbuf_add(&to->names, en->name, strlen(en->name) + 1);
		XGROW(to->v, to->nr + 1, to->alloc);
		to->v[to->nr++] = h;
	}
}

static void sums_seen_release(struct sums_seen *s)
{
	strbuf_release(&s->names);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The hash SHA256SUMS verification computed for `name`, if it read it. */
static int listed_hash(const struct sums_seen *listed, const char *name,
		       char out[SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t lo = 0, hi = listed->nr, i;

	/*
	 * SHA256SUMS is written sorted (a bundle of 10,000 steps has 20,000
	 * logs): a binary search. An entry not found this way (an edited,
	 * unsorted list) is only hashed again, never wrongly matched.
	 */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sums_hash *h = &listed->v[mid];
		int c = strcmp(listed->names.buf + h->name, name);

		if (!c) {
			for (i = 0; i < 32; i++) {
				out[2 * i] = digits[h->sha256[i] >> 4];
				out[2 * i + 1] = digits[h->sha256[i] & 15];
			}
			out[64] = '\0';
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * Each log a record names with its hash ("sha256"), re-hashed: the
 * list jrecord.h collected as the journal was read.
 */
static void check_logs(const char *dir, const struct jrecords *jr,
		       const struct sums_seen *listed, struct seal_check *c)
{
	struct strbuf path = STRBUF_INIT;
	struct error e = ERROR_INIT;
	size_t i;

	for (i = 0; i < jr->nlogs; i++) {
		const struct jrecord_log *lg = &jr->log[i];
		const char *rel = lg->path;
		char got[SHA256_HEX_LEN + 1];

		if (!safe_rel(rel)) {
			strvec_pushf(&c->problems, "journal.jsonl:%zu: "
				     "%s.path is not a file in steps/",
				     lg->record + 1, lg->key);
			continue;
		}
		/* A log SHA256SUMS just hashed is not read twice. */
		if (!listed_hash(listed, rel, got) &&
		    (strbuf_reset(&path), strbuf_addf(&path, "%s/%s",
		     dir, rel), error_release(&e), error_init(&e),
		     sha256_file_hex(path.buf, got, NULL, &e) < 0))
			strvec_pushf(&c->problems, "%s: cannot read "
				     "(journal.jsonl record %zu holds its "
				     "hash)", rel, lg->record + 1);
		else if (strcmp(got, lg->sha256))
			strvec_pushf(&c->problems, "%s: SHA-256 differs "
				     "from the one in journal.jsonl record "
				     "%zu", rel, lg->record + 1);
	}
	strbuf_release(&path);
	error_release(&e);
}

/*
 * A file compared with bytes given a piece at a time (a render, a plan
 * being dumped), read in blocks as they come: neither side is held
 * whole. Only a regular file is read (a FIFO planted in its place is
 * refused, not waited on).
 */
struct fcmp {
	int fd;
	char *buf;
	size_t pos, end;
	int differs;            /* the bytes differ, or the file is shorter */
};

static int fcmp_open(struct fcmp *f, const char *path)
{
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (f->fd < 0)
		return -1;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(f->fd);
		f->fd = -1;
		return -1;
	}
	f->buf = xmalloc(FCMP_BLOCK);
	return 0;
}

/* 1 when the file holds nothing more, else 0 (also on a read error). */
static int fcmp_fill(struct fcmp *f)
{
	ssize_t n;

	if (f->pos < f->end)
		return 1;
	do
		n = read(f->fd, f->buf, FCMP_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	f->pos = 0;
	f->end = (size_t)n;
	return 1;
}

static void fcmp_feed(struct fcmp *f, const char *p, size_t len)
{
	while (len && !f->differs) {
		size_t take;

		if (!fcmp_fill(f)) {
			f->differs = 1;
			break;
		}
		take = f->end - f->pos < len ? f->end - f->pos : len;
		if (memcmp(f->buf + f->pos, p, take))
			f->differs = 1;
		f->pos += take;
		p += take;
		len -= take;
	}
}

/* json_dump_callback()'s writer. */
static int fcmp_dump(const char *p, size_t len, void *data)
{
	fcmp_feed(data, p, len);
	return 0;
}

/* 1 when the file held exactly the bytes fed; closes it. */
static int fcmp_close(struct fcmp *f)
{
	int same = !f->differs && !fcmp_fill(f);

	close(f->fd);
	free(f->buf);
	return same;
}

/* json_dump_callback()'s writer into a hash. */
static int hash_dump(const char *p, size_t len, void *data)
{
	sha256_stream_add(data, p, len);
	return 0;
}

/*
 * plan_hash() of `body` without its text held (2.9 MB for 10,000
 * steps): the same dump, hashed as it is written.
 */
static int body_hash(json_t *body, char out[SHA256_HEX_LEN + 1])
{
	struct sha256_stream *h = sha256_stream_new();
	int r = json_dump_callback(body, hash_dump, h, JSON_COMPACT |
				   JSON_SORT_KEYS | JSON_ENSURE_ASCII |
				   JSON_ENCODE_ANY);

	sha256_stream_finish(h, out);
	return r;
}

/* markdown_to_html_sink()'s writers: into a comparison, or nowhere. */
static void fcmp_sink(const char *p, size_t len, void *data)
{
	fcmp_feed(data, p, len);
}

static void no_sink(const char *p, size_t len, void *data)
{
	(void)p;
	(void)len;
	(void)data;
}

/*
 * plan.json is the start record's plan, and the plan hash its body's.
 * The plan is dumped a piece at a time against the file: a plan of
 * 10,000 steps is not held a second and a third time as text.
 */
static void check_plan(const char *dir, const struct jrecords *jr,
		       struct seal_check *c)
{
	struct jrecord_start st;
	struct strbuf path = STRBUF_INIT;
	struct fcmp f;
	char hash[SHA256_HEX_LEN + 1];
	int dumped;

	jrecord_start_read(jr->start, &st);
	strbuf_addf(&path, "%s/plan.json", dir);
	if (!st.plan) {
		strvec_push(&c->problems, "journal.jsonl:1: the start record "
			    "holds no plan");
		goto out;
	}
	/*
	 * Read a step at a time (jrecord.h): plan.json's bytes, their
	 * SHA-256 the start record's, were compared with their canonical
	 * dump and the body hashed as they were read.
	 */
	if (jr->drill) {
		if (!jr->plan_canonical) {
			strvec_push(&c->problems, "plan.json: differs from the "
				    "plan in journal.jsonl record 1");
			goto out;
		}
		memcpy(hash, jr->plan_body_hash, sizeof(hash));
		goto hashed;
	}
	if (fcmp_open(&f, path.buf) < 0) {
		strvec_push(&c->problems, "plan.json: cannot read");
		goto out;
	}
	dumped = json_dump_callback(st.plan, fcmp_dump, &f, JSON_INDENT(2) |
				    JSON_SORT_KEYS) == 0;
	if (!fcmp_close(&f) || !dumped) {
		strvec_push(&c->problems, "plan.json: differs from the plan in "
			    "journal.jsonl record 1");
		goto out;
	}
	if (body_hash(st.body, hash) < 0)
		hash[0] = '\0';
hashed:
	if (strcmp(hash, st.plan_hash))
		strvec_push(&c->problems, "journal.jsonl:1: plan_hash "
			    "is not the SHA-256 of the plan body");
	else
		strvec_pushf(&c->notes, "plan.json: the journal's plan, "
			     "plan hash %s", hash);
out:
	jrecord_start_release(&st);
	strbuf_release(&path);
}

static int file_exists(const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int r;

	strbuf_addf(&path, "%s/%s", dir, name);
	r = lstat(path.buf, &st) == 0;
	strbuf_release(&path);
	return r;
}

static int file_equals(const char *dir, const char *name,
		       const struct strbuf *want)
{
	struct strbuf path = STRBUF_INIT;
	struct fcmp f;
	int same = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	/*
	 * Read a block at a time, no further than the render (a bigger
	 * file differs): a report larger than any fixed cap still
	 * verifies, is not held a second time, and a FIFO planted as a
	 * report is refused, not waited on.
	 */
	if (fcmp_open(&f, path.buf) == 0) {
		fcmp_feed(&f, want->buf, want->len);
		same = fcmp_close(&f);
	}
	strbuf_release(&path);
	return same;
}

/*
 * The reports in language `lang` (NULL: the seal's) against a render.
 * Two renders are byte-identical only under one renderer (report.h):
 * `theirs` is the seal's (NULL: unsealed, "" : a seal older than the
 * line), `ours` this binary's. Under another renderer a difference says
 * nothing about the journal, so it is a note, not a problem: the bytes
 * are still SHA256SUMS's and, signed, the signer's.
 */
static void check_report(const char *dir, const struct jrecords *jr,
			 const char *lang, const char *seal_lang,
			 const char *theirs, const char *ours,
			 struct seal_check *c)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT, mdn = STRBUF_INIT,
		      htmln = STRBUF_INIT, path = STRBUF_INIT;
	struct error e = ERROR_INIT;
	struct fcmp hf;
	const char *use = lang ? lang : seal_lang;
	const char *bad = NULL;
	int comparable = !theirs || (ours && !strcmp(theirs, ours));
	/*
	 * What render writes next is kept rather than rendered again: the
	 * language it was asked for, or unsealed, the drill's (render seals
	 * it as cut short). Any other report.html is compared with the
	 * file as it is made, a part at a time, never held.
	 */
	int keep = c->want_lang ? use && !strcmp(use, c->want_lang) :
		   !lang && !theirs;
	int hopen = 0, r, html_same;

	seal_report_names(lang, &mdn, &htmln);
	if (!keep) {
		strbuf_addf(&path, "%s/%s", dir, htmln.buf);
		hopen = fcmp_open(&hf, path.buf) == 0;
	}
	/*
	 * One render: one that depended on anything but the journal would
	 * already differ from the file an earlier render wrote.
	 */
	r = keep ? report_render_jr(jr, use, &md, &html, &e) :
	    report_render_jr_sink(jr, use, &md, hopen ? fcmp_sink : no_sink,
				  &hf, &e);
	html_same = keep ? 0 : hopen && fcmp_close(&hf);
	if (r < 0) {
		strvec_pushf(&c->problems, "%s: cannot re-render from the "
			     "journal: %s", mdn.buf, e.msg.buf);
		goto out;
	}
	if (!file_equals(dir, mdn.buf, &md))
		bad = mdn.buf;
	else if (keep ? !file_equals(dir, htmln.buf, &html) : !html_same)
		bad = htmln.buf;
	if (!bad)
		strvec_pushf(&c->notes, "%s, %s: byte for byte the journal's "
			     "render", mdn.buf, htmln.buf);
	else if (!theirs && bad == htmln.buf && !file_exists(dir, htmln.buf))
		/* Unsealed: killed between writing report.md and .html. */
		strvec_pushf(&c->caveats, "%s: missing: the run was killed "
			     "while writing its reports (render writes them)",
			     htmln.buf);
	else if (comparable)
		strvec_pushf(&c->problems, "%s: not what the journal renders to",
			     bad);
	else
		strvec_pushf(&c->caveats, "%s: not re-checked against the journal: "
			     "sealed under renderer \"%s\", this is \"%s\" "
			     "(%s)", bad,
			     *theirs ? theirs : "not recorded (an older rdrill)",
			     ours ? ours : "unknown", lang ? "it is outside the "
			     "seal; `rdrill render --lang` writes it anew" :
			     "its bytes are checked by SHA256SUMS");
	if (keep) {
		strbuf_release(&c->md);
		strbuf_release(&c->html);
		c->md = md;
		c->html = html;
		snprintf(c->md_lang, sizeof(c->md_lang), "%s",
			 c->want_lang ? c->want_lang : "");
		strbuf_init(&md, 0);
		strbuf_init(&html, 0);
	}
out:
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&mdn);
	strbuf_release(&htmln);
	strbuf_release(&path);
	error_release(&e);
}

static int in_list(const struct strvec *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->nr; i++)
		if (!strcmp(v->v[i], s))
			return 1;
	return 0;
}

/*
 * A file a run writes into steps/: steps/NN-ID.SUFFIX of a planned step.
 * NN is the step's number, so one step is looked at, not all of them
 * (a bundle of 10,000 steps has 20,000 logs).
 */
static int step_file(const struct drill *d, const char *name)
{
	struct strbuf pre = STRBUF_INIT;
	const char *p = name + 6;
	long n = 0;
	int ok = 0;

	if (!d || strncmp(name, "steps/", 6))
		return 0;
	while (*p >= '0' && *p <= '9' && n < 1000000)
		n = n * 10 + (*p++ - '0');
	if (*p != '-' || n < 1 || (size_t)n > d->nsteps || d->steps[n - 1].n != n)
		return 0;
	strbuf_addf(&pre, "steps/%02ld-%s.", n, d->steps[n - 1].id);
	ok = !strncmp(name, pre.buf, pre.len) && !strchr(name + pre.len, '/') &&
	     name[pre.len];
	strbuf_release(&pre);
	return ok;
}

/* steps/00-backup-N.candidates.jsonl of a scheduled item N (runner.c). */
static int backup_file(const struct drill *d, const char *name)
{
	struct strbuf want = STRBUF_INIT;
	size_t i;
	int ok = 0;

	for (i = 0; d && i < d->nitems && !ok; i++) {
		if (!d->items[i].scheduled)
			continue;
		strbuf_reset(&want);
		strbuf_addf(&want, "steps/00-backup-%zu.candidates.jsonl", i + 1);
		ok = !strcmp(name, want.buf);
	}
	strbuf_release(&want);
	return ok;
}

/*
 * An unsealed bundle has no SHA256SUMS to say what belongs: only what a
 * run writes does (render seals whatever is there, so anything else
 * would be laundered into the cut-short seal).
 */
static void check_unsealed_files(const struct jrecords *jr,
				 const struct strvec *files,
				 struct seal_check *c)
{
	struct jrecord_start st;
	struct error e = ERROR_INIT;
	struct drill *own;
	const struct drill *d;
	size_t i;

	jrecord_start_read(jr->start, &st);
	own = st.plan && !jr->drill ? drill_from_body(st.body, &e) : NULL;
	d = jr->drill ? jr->drill : own;
	jrecord_start_release(&st);

	for (i = 0; i < files->nr; i++) {
		const char *n = files->v[i];

		if (!strcmp(n, "journal.jsonl") || !strcmp(n, "plan.json") ||
		    !strcmp(n, "report.md") || !strcmp(n, "report.html") ||
		    !strcmp(n, "steps") || extra_report_lang(n) ||
		    is_seal_file(n) || step_file(d, n) || backup_file(d, n))
			continue;
		if (is_leftover(n)) {
			strvec_push(&c->leftovers, n);
			strvec_pushf(&c->caveats, "%s: a temporary file a kill "
				     "left (render removes it)", n);
			continue;
		}
		strvec_pushf(&c->problems, "%s: added (not a file a run of this "
			     "plan writes)", n);
	}
	drill_free(own);
	error_release(&e);
}

/*
 * SHA256SUMS lists at most the bundle's files, each on one line of its
 * hash, two spaces, its name (escaped: at most twice as long) and a
 * newline: a bigger file is hostile, and is not read (its entries would
 * each take memory; issue 27).
 */
static int sums_size_fits(const char *path, const struct strvec *files)
{
	unsigned long long most = 0;
	struct stat st;
	size_t i;

	for (i = 0; i < files->nr; i++)
		most += SHA256_HEX_LEN + 4 + 2 * strlen(files->v[i]);
	return lstat(path, &st) == 0 && (unsigned long long)st.st_size <= most;
}

static void check_sums(const char *dir, const struct seal_fields *f,
		       const struct strvec *files, struct sums_seen *out,
		       struct seal_check *c)
{
	struct strbuf path = STRBUF_INIT;
	struct checksum_set listed = CHECKSUM_SET_INIT;
	struct error e = ERROR_INIT;
	struct strvec names;
	char got[SHA256_HEX_LEN + 1];
	size_t i;

	strvec_init(&names);
	strbuf_addf(&path, "%s/SHA256SUMS", dir);
	if (!in_list(files, "SHA256SUMS")) {
		strvec_push(&c->problems, "SHA256SUMS: missing");
		goto out;
	}
	if (!sums_size_fits(path.buf, files)) {
		strvec_push(&c->problems, "SHA256SUMS: larger than a list of "
			    "this bundle's files can be: not read");
		goto out;
	}
	if (f && (sha256_file_hex(path.buf, got, NULL, &e) < 0 ||
		  strcmp(got, f->sums)))
		strvec_push(&c->problems, "SHA256SUMS: its SHA-256 is not the "
			    "one in SEAL");
	if (checksum_verify_sums(path.buf, dir, 0, &listed, &e) < 0) {
		push_err(&c->problems, dir, &e);
		goto out;
	}
	for (i = 0; i < listed.nr; i++) {
		const struct checksum_entry *en = &listed.v[i];

		strvec_push(&names, en->name);
		if (en->status == CHECKSUM_OK)
			continue;
		strvec_pushf(&c->problems, "%s: %s (SHA256SUMS line %u)", en->name,
			     en->status == CHECKSUM_MISSING ? "missing" :
			     en->status == CHECKSUM_MISMATCH ? "content changed" :
			     en->error ? en->error : "unreadable", en->line);
	}
	/* Sorted for bsearch: a bundle of 10,000 steps lists 20,000 logs. */
	if (names.nr)
		qsort(names.v, names.nr, sizeof(*names.v), cmp_str);
	for (i = 0; i < files->nr; i++) {
		const char *n = files->v[i];
		if (!f && is_leftover(n)) {
			if (!in_list(&c->leftovers, n)) {
				strvec_push(&c->leftovers, n);
				strvec_pushf(&c->caveats, "%s: a temporary file a "
					     "kill left (render removes it)", n);
			}
		} else if (!is_seal_file(n) && !extra_report_lang(n) &&
		    !seal_is_late_file(n) && !(names.nr && bsearch(&n, names.v,
		    names.nr, sizeof(*names.v), cmp_str)))
			strvec_pushf(&c->problems, "%s: added (not in SHA256SUMS)",
				     n);
	}
	strvec_pushf(&c->notes, "SHA256SUMS: %zu files listed", listed.nr);
	sums_seen_keep(out, &listed);
out:
	strvec_clear(&names);
	checksum_set_release(&listed);
	strbuf_release(&path);
	error_release(&e);
}

static int read_small(const char *dir, const char *name, struct strbuf *sb)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	if (*name == '/')
		strbuf_adds(&path, name);
	else if (dir)
		strbuf_addf(&path, "%s/%s", dir, name);
	else
		strbuf_adds(&path, name);
	ret = strbuf_read_regular(sb, path.buf, SEAL_MAX);
	strbuf_release(&path);
	return ret;
}

/* SEAL.sig by SEAL.pub, whose fingerprint must be `want`. */
static void check_signature_fpr(const char *dir, const char *want,
				const struct strvec *files,
				const struct strbuf *seal,
				const struct seal_fields *f, struct seal_check *c)
{
	struct strbuf sig = STRBUF_INIT, pub = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char fpr[SHA256_HEX_LEN + 1];

	if (!in_list(files, "SEAL.sig") || !in_list(files, "SEAL.pub"))
		strvec_pushf(&c->problems,
			     "SEAL.sig: missing: the bundle is not signed (key "
			     "SHA256:%s was asked for)", want);
	else if (read_small(dir, "SEAL.sig", &sig) < 0 ||
		 read_small(dir, "SEAL.pub", &pub) < 0)
		strvec_push(&c->problems, "SEAL.sig, SEAL.pub: cannot read");
	else if (sign_verify(pub.buf, pub.len, seal->buf, seal->len, sig.buf,
			     sig.len, fpr, &e) < 0)
		strvec_pushf(&c->problems, "SEAL.sig: %s (key SEAL.pub)",
			     e.msg.buf);
	else if (strcmp(fpr, want))
		strvec_pushf(&c->problems, "SEAL.sig: signed by key SHA256:%s, "
			     "not by SHA256:%s", fpr, want);
	else if (strcmp(fpr, f->key))
		strvec_push(&c->problems, "SEAL: key-fingerprint is not the "
			    "fingerprint of SEAL.pub");
	else {
		memcpy(c->key, fpr, sizeof(c->key));
		strvec_pushf(&c->notes, "SEAL.sig: a good Ed25519 signature by "
			     "key SHA256:%s, the key asked for", fpr);
	}
	strbuf_release(&sig);
	strbuf_release(&pub);
	error_release(&e);
}

/* SEAL.sig against SEAL.pub, and against `pubkey` when given. */
static void check_signature(const char *dir, const char *pubkey,
			    const struct strvec *files, const struct strbuf *seal,
			    const struct seal_fields *f, struct seal_check *c)
{
	struct strbuf sig = STRBUF_INIT, pub = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char fpr[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	int named = strcmp(f->key, "none") != 0;

	/*
	 * A fingerprint (the report's verify command gives one) names the
	 * key as surely as its PEM file: SEAL.pub must be that key and have
	 * signed SEAL. A copy re-signed with another key fails here.
	 */
	if (pubkey && sign_fingerprint_arg(pubkey, want)) {
		check_signature_fpr(dir, want, files, seal, f, c);
		return;
	}

	if (!in_list(files, "SEAL.sig")) {
		if (named)
			strvec_push(&c->problems, "SEAL.sig: missing, but SEAL "
				    "names a signing key");
		else if (pubkey)
			strvec_push(&c->problems, "SEAL.sig: missing: the bundle "
				    "is not signed");
		else
			strvec_push(&c->notes, "SEAL: unsigned");
		goto out;
	}
	if (read_small(dir, "SEAL.sig", &sig) < 0) {
		strvec_push(&c->problems, "SEAL.sig: cannot read");
		goto out;
	}
	if (pubkey) {
		if (read_small(NULL, pubkey, &pub) < 0) {
			strvec_pushf(&c->problems, "%s: cannot read the public "
				     "key", pubkey);
			goto out;
		}
	} else if (!in_list(files, "SEAL.pub") ||
		   read_small(dir, "SEAL.pub", &pub) < 0) {
		strvec_push(&c->problems, "SEAL.pub: missing or unreadable");
		goto out;
	}
	if (sign_verify(pub.buf, pub.len, seal->buf, seal->len, sig.buf,
			sig.len, fpr, &e) < 0) {
		strvec_pushf(&c->problems, "SEAL.sig: %s (key %s)", e.msg.buf,
			     pubkey ? pubkey : "SEAL.pub");
		goto out;
	}
	if (strcmp(fpr, f->key)) {
		strvec_pushf(&c->problems, "SEAL: key-fingerprint is not the "
			     "fingerprint of %s", pubkey ? pubkey : "SEAL.pub");
		goto out;
	}
	memcpy(c->key, fpr, sizeof(c->key));
	strvec_pushf(&c->notes, "SEAL.sig: a good Ed25519 signature by key "
		     "SHA256:%s%s", fpr, pubkey ? "" : " (SEAL.pub, the key the "
		     "bundle names: give --key PUB.pem, or its SHA256: fingerprint, to "
		     "check whose it is)");
	if (pubkey && in_list(files, "SEAL.pub")) {
		strbuf_reset(&pub);
		if (read_small(dir, "SEAL.pub", &pub) < 0 ||
		    sign_verify(pub.buf, pub.len, seal->buf, seal->len, sig.buf,
				sig.len, fpr, &e) < 0 || strcmp(fpr, f->key))
			strvec_push(&c->problems, "SEAL.pub: not the key that "
				    "signed SEAL");
	}
out:
	strbuf_release(&sig);
	strbuf_release(&pub);
	error_release(&e);
}

/* seal.tsr, when there is one, against seal.tsq and SEAL. */
static void check_time(const char *dir, const char *tsa_ca,
		       const struct strvec *files, const struct strbuf *seal,
		       struct seal_check *c)
{
	struct strbuf q = STRBUF_INIT, r = STRBUF_INIT, when = STRBUF_INIT;
	struct error e = ERROR_INIT;

	if (!in_list(files, "seal.tsr")) {
		if (tsa_ca)
			strvec_push(&c->problems, "seal.tsr: missing: no trusted "
				    "time-stamp to check");
		goto out;
	}
	if (!tsa_ca) {
		strvec_push(&c->notes, "seal.tsr: present, not checked (give "
			    "--tsa-ca CA.pem)");
		goto out;
	}
	if (!in_list(files, "seal.tsq") || read_small(dir, "seal.tsq", &q) < 0) {
		strvec_push(&c->problems, "seal.tsq: missing or unreadable");
		goto out;
	}
	if (read_small(dir, "seal.tsr", &r) < 0) {
		strvec_push(&c->problems, "seal.tsr: unreadable (or larger than "
			    "64 KiB)");
		goto out;
	}
	/* OpenSSL would block in open() on a FIFO named as the CA. */
	{
		struct strbuf ca = STRBUF_INIT;
		int bad = strbuf_read_regular(&ca, tsa_ca, 16u << 20) < 0;

		strbuf_release(&ca);
		if (bad) {
			strvec_pushf(&c->problems, "%s: cannot read the TSA's CA "
				     "(a regular file of at most 16 MiB)", tsa_ca);
			goto out;
		}
	}
	if (tsa_verify(q.buf, q.len, r.buf, r.len, seal->buf, seal->len, tsa_ca,
		       &when, &e) < 0)
		strvec_push(&c->problems, e.msg.buf);
	else
		strvec_pushf(&c->notes, "seal.tsr: SEAL time-stamped at %s by a "
			     "TSA that %s vouches for", when.buf, tsa_ca);
out:
	strbuf_release(&q);
	strbuf_release(&r);
	strbuf_release(&when);
	error_release(&e);
}

/* What SEAL says of the journal against the journal (`js`). */
static void check_seal_journal(const struct seal_fields *f, int have_records,
			       const struct journal_stat *js,
			       struct seal_check *c)
{
	c->sealed = 1;
	memcpy(c->state, f->state, sizeof(c->state));
	memcpy(c->lang, f->lang, sizeof(c->lang));
	if (!strcmp(f->state, SEAL_COMPLETE))
		strvec_pushf(&c->notes, "SEAL: complete: the run finished "
			     "and was sealed by %s at %s", f->by, f->at);
	else
		strvec_pushf(&c->notes, "SEAL: CUT SHORT: the run was "
			     "killed; sealed afterwards by %s at %s, "
			     "after journal record %lld", f->by, f->at,
			     f->records);
	if (have_records && f->records != js->records)
		strvec_pushf(&c->problems, "journal.jsonl: %lld records, "
			     "SEAL says %lld", js->records, f->records);
	else if (have_records && strcmp(f->head, js->head))
		strvec_pushf(&c->problems, "journal.jsonl:%lld: the last "
			     "record's SHA-256 is not SEAL's journal-head",
			     js->records);
	if (js->torn && !strcmp(f->state, SEAL_COMPLETE))
		strvec_pushf(&c->problems, "journal.jsonl: %llu bytes of a "
			     "partial record after record %lld: damage "
			     "(a complete seal ends on a whole record)",
			     js->torn, js->records);
	else if (!strcmp(f->state, SEAL_CUT_SHORT) &&
		 (long long)js->torn != f->torn)
		strvec_pushf(&c->problems, "journal.jsonl: %llu bytes after "
			     "the last record, SEAL says %lld", js->torn,
			     f->torn);
}

/*
 * The reports against a render of the journal: the sealed ones (when
 * sealed or present) and each language's written later by render.
 * `f` NULL: no seal.
 */
static void check_reports(const char *dir, const struct jrecords *jr,
			  const struct strvec *files,
			  const struct seal_fields *f, struct seal_check *c)
{
	struct strbuf ours = STRBUF_INIT;
	struct error e = ERROR_INIT;
	int known = report_renderer(&ours, &e) == 0;
	size_t i;

	if (!known)
		strvec_pushf(&c->problems, "reports: cannot tell how this "
			     "rdrill renders: %s", e.msg.buf);
	if (f || in_list(files, "report.md"))
		check_report(dir, jr, NULL, f &&
			     strcmp(f->lang, "default") ? f->lang : NULL,
			     f ? f->renderer : NULL, known ? ours.buf : NULL, c);
	for (i = 0; langs[i]; i++) {
		struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;

		seal_report_names(langs[i], &md, &html);
		/* Written later by render, under the seal's renderer at
		 * best: compared like the sealed ones. */
		if (in_list(files, md.buf) || in_list(files, html.buf))
			check_report(dir, jr, langs[i], NULL,
				     f ? f->renderer : NULL,
				     known ? ours.buf : NULL, c);
		strbuf_release(&md);
		strbuf_release(&html);
	}
	strbuf_release(&ours);
	error_release(&e);
}

/*
 * A run killed between creating journal.jsonl and writing its start
 * record leaves a journal with no whole record, and plan.json (written
 * before the journal): the plan is all there is to render. This stand-in
 * start record is made the same way by render and by verify, from
 * plan.json's bytes (which SHA256SUMS then covers), so the report is
 * re-rendered byte for byte: an INCOMPLETE report in which nothing ran.
 */
/* What the stand-in takes of plan.json besides the plan: when it was made. */
struct plan_file_head {
	const char *created;
};
static const struct schema_field plan_file_head_fields[] = {
	{ .key = "created", .type = SCHEMA_STR,
	  .off = offsetof(struct plan_file_head, created) },
	{ 0 }
};
static const struct schema plan_file_head_schema = {
	.what = "plan.json", .fields = plan_file_head_fields,
	.size = sizeof(struct plan_file_head),
};

static json_t *stand_in(const char *dir, struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	struct error e = ERROR_INIT;
	struct plan_file_head h;
	json_t *plan, *recs = NULL;

	strbuf_addf(&path, "%s/plan.json", dir);
	plan = journal_read_plan(path.buf, NULL, &e);
	memset(&h, 0, sizeof(h));
	schema_bind_lenient(&plan_file_head_schema, plan, &h);
	schema_empty_text(&plan_file_head_schema, &h);
	if (!plan)
		error_set(err, "plan.json: %s", e.msg.buf);
	else
		recs = json_pack("[{s:s, s:s, s:s, s:O, s:{s:b}}]", "type",
				 "start", "mode", "run", "time", h.created,
				 "plan", plan, "context", "killed_before_start",
				 1);
	json_decref(plan);
	strbuf_release(&path);
	error_release(&e);
	return recs;
}

json_t *seal_records(const char *dir, int *torn, struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	json_t *records;

	strbuf_addf(&path, "%s/journal.jsonl", dir);
	records = journal_read_any(path.buf, 1, torn, err);
	strbuf_release(&path);
	if (records && !json_array_size(records)) {
		json_decref(records);
		records = stand_in(dir, err);
	}
	return records;
}

/*
 * The journal, read once: its chain checked, its shape (`js`) for SEAL,
 * its records for every check after. A broken chain is a problem and
 * the rest is still checked from the lines as they are (read again,
 * unverified: only on damage). Returns the records (NULL: none to
 * check with); *intact when the chain held.
 */
static struct jrecords *read_journal(const char *dir, const char *lang,
				     struct journal_stat *js, int *torn,
				     int *intact, struct seal_check *c)
{
	struct strbuf path = STRBUF_INIT;
	struct error e = ERROR_INIT, broken = ERROR_INIT;
	struct jrecords *jr = xmalloc(sizeof(*jr));
	json_t *recs;

	*intact = 0;
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	jrecords_init(jr);
	/* Each step viewed for the first render as it is read (report.h). */
	report_one_pass(jr, lang);
	if (jrecords_read(jr, path.buf, JOURNAL_WALK_VERIFY |
			  JOURNAL_WALK_EMPTY_OK, torn, js, &broken) == 0) {
		*intact = 1;
		/* As seal_journal_stat() names a chain with no head. */
		if (!js->records)
			memcpy(js->head, "none", 5);
		goto out;
	}
	jrecords_release(jr);
	jrecords_init(jr);
	/* Its shape as SEAL counts it, whatever the lines hold. */
	if (seal_journal_stat(dir, js, &e) < 0) {
		push_err(&c->problems, dir, &e);
		goto none;
	}
	push_err(&c->problems, dir, &broken);
	/* The rest is still checked, from the unverified lines. */
	if (jrecords_read(jr, path.buf, 0, torn, NULL, &e) == 0)
		goto out;
none:
	jrecords_release(jr);
	free(jr);
	jr = NULL;
out:
	if (jr && *intact && !jr->nrecords) {
		recs = stand_in(dir, &e);
		if (!recs) {
			strvec_pushf(&c->problems, "journal.jsonl: no "
				     "record, and %s", e.msg.buf);
			jrecords_release(jr);
			free(jr);
			jr = NULL;
			*intact = 0;
		} else {
			jrecords_from_array(jr, recs);
			json_decref(recs);
			strvec_push(&c->notes, "journal.jsonl: no whole "
				    "record: the run was killed before "
				    "its start record; the report is "
				    "plan.json's, nothing ran");
		}
	} else if (jr && *intact) {
		strvec_pushf(&c->notes, "journal.jsonl: hash chain intact "
			     "over %lld records", js->records);
	}
	strbuf_release(&path);
	error_release(&e);
	error_release(&broken);
	return jr;
}

/*
 * What a check says (problems, notes, caveats, leftovers), set aside: a
 * check made early to keep memory low (SHA256SUMS's hashing, before
 * the journal's plan is held) still says it in the place it always did.
 */
struct said {
	struct strvec problems, notes, caveats, leftovers;
};

static void said_swap(struct seal_check *c, struct said *s)
{
	struct strvec t;

#define SWAP(f) (t = c->f, c->f = s->f, s->f = t)
	SWAP(problems);
	SWAP(notes);
	SWAP(caveats);
	SWAP(leftovers);
#undef SWAP
}

static void said_init(struct seal_check *c, struct said *s)
{
	strvec_init(&s->problems);
	strvec_init(&s->notes);
	strvec_init(&s->caveats);
	strvec_init(&s->leftovers);
	said_swap(c, s);
}

static void append(struct strvec *to, struct strvec *from)
{
	size_t i;

	for (i = 0; i < from->nr; i++)
		strvec_push(to, from->v[i]);
	strvec_clear(from);
}

static void said_add(struct seal_check *c, struct said *s)
{
	append(&c->problems, &s->problems);
	append(&c->notes, &s->notes);
	append(&c->caveats, &s->caveats);
	append(&c->leftovers, &s->leftovers);
}

/*
 * The language of the bundle's first render (check_reports() renders
 * report.md in the seal's; with no seal and no report.md, render writes
 * it in the one asked for): the journal's walk views the steps for it.
 */
static const char *first_lang(const struct seal_fields *f,
			      const struct strvec *files,
			      const struct seal_check *c)
{
	if (f)
		return strcmp(f->lang, "default") ? f->lang : NULL;
	return in_list(files, "report.md") ? NULL : c->want_lang;
}

/* SEAL read and parsed: 1 when it was (into f), its problems to c. */
static int read_seal(const char *dir, const struct strvec *files,
		     struct strbuf *sb, struct seal_fields *f,
		     struct seal_check *c)
{
	struct strbuf path = STRBUF_INIT;
	int have = 0;

	if (in_list(files, "SEAL")) {
		strbuf_addf(&path, "%s/SEAL", dir);
		if (strbuf_read_file(sb, path.buf, SEAL_MAX) < 0)
			strvec_push(&c->problems, "SEAL: cannot read (or larger "
				    "than 64 KiB)");
		else if (parse_seal(sb->buf, sb->len, f, &c->problems) == 0)
			have = 1;
	} else {
		strvec_push(&c->problems, "SEAL: missing: the bundle is not "
			    "sealed (a killed run: `rdrill render` seals it as "
			    "cut short)");
	}
	strbuf_release(&path);
	return have;
}

/* The reports' names among the bundle's files: all check_reports() asks. */
static void report_files(const struct strvec *files, struct strvec *out)
{
	size_t i;

	for (i = 0; i < files->nr; i++)
		if (!strncmp(files->v[i], "report", 6))
			strvec_push(out, files->v[i]);
}

int seal_check(const char *dir, const char *pubkey, const char *tsa_ca,
	       struct seal_check *c, struct error *err)
{
	struct strvec files, reports;
	struct strbuf sb = STRBUF_INIT;
	struct seal_fields f;
	struct journal_stat js;
	struct sums_seen listed;
	struct said seal_said, sums_said;
	struct jrecords *records = NULL;
	int torn = 0, have_seal = 0, intact = 0, ret = -1;

	memset(&js, 0, sizeof(js));
	memset(&listed, 0, sizeof(listed));
	strbuf_init(&listed.names, 0);
	strvec_init(&files);
	strvec_init(&reports);
	if (walk(dir, "", &files, &c->problems, 0, err) < 0)
		goto out;
	/*
	 * SEAL, then SHA256SUMS and the files it lists, before the journal:
	 * its 20,000 entries of a 10,000-step bundle are let go (all but a
	 * compact table of hashes) before the journal's plan is read. What
	 * they say is said after the journal's checks, as always.
	 */
	said_init(c, &seal_said);
	have_seal = read_seal(dir, &files, &sb, &f, c);
	said_swap(c, &seal_said);
	said_init(c, &sums_said);
	if (in_list(&files, "SEAL") || in_list(&files, "SHA256SUMS"))
		check_sums(dir, have_seal ? &f : NULL, &files, &listed, c);
	said_swap(c, &sums_said);

	if (!in_list(&files, "journal.jsonl"))
		strvec_push(&c->problems, "journal.jsonl: missing");
	else
		records = read_journal(dir, first_lang(have_seal ? &f : NULL,
				       &files, c), &js, &torn, &intact, c);
	said_add(c, &seal_said);
	if (have_seal)
		check_seal_journal(&f, records != NULL, &js, c);
	if (have_seal) {
		check_signature(dir, pubkey, &files, &sb, &f, c);
		check_time(dir, tsa_ca, &files, &sb, c);
	}
	else if (pubkey)
		strvec_push(&c->problems, "SEAL.sig: no seal to check the "
			    "signature of");
	said_add(c, &sums_said);

	if (records) {
		if (!in_list(&files, "SEAL") && !in_list(&files, "SHA256SUMS"))
			check_unsealed_files(records, &files, c);

		c->has_end = records->last_is_end;
		check_plan(dir, records, c);
		check_logs(dir, records, &listed, c);
		/* 20,000 logs' hashes and names need not stay beside a render. */
		sums_seen_release(&listed);
		jrecords_drop_logs(records);
		report_files(&files, &reports);
		strvec_clear(&files);
			check_reports(dir, records, &reports, have_seal ? &f : NULL, c);
	}
	/* Render takes the journal from here rather than read it again. */
	if (records && intact) {
		c->records = records;
		c->torn = torn;
		c->js = js;
		records = NULL;
	}
	ret = 0;
out:
	if (records)
		jrecords_release(records);
	free(records);
	sums_seen_release(&listed);
	strvec_clear(&files);
	strvec_clear(&reports);
	strbuf_release(&sb);
	return ret;
}
