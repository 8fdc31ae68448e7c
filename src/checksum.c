#include "checksum.h"
#include "error.h"
#include "fsutil.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A sums file of a backup set is small; this bounds a hostile one. */
#define SUMS_MAX (256u << 20)

void checksum_set_release(struct checksum_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++) {
		free(set->v[i].name);
		free(set->v[i].error);
	}
	free(set->v);
	set->v = NULL;
	set->nr = set->alloc = 0;
}

const char *checksum_status_word(enum checksum_status st)
{
	switch (st) {
	case CHECKSUM_OK:
		return "ok";
	case CHECKSUM_MISMATCH:
		return "MISMATCH";
	case CHECKSUM_MISSING:
		return "MISSING";
	case CHECKSUM_UNREADABLE:
		return "UNREADABLE";
	}
	return "?";
}

size_t checksum_set_failures(const struct checksum_set *set)
{
	size_t i, n = 0;

	for (i = 0; i < set->nr; i++)
		if (set->v[i].status != CHECKSUM_OK)
			n++;
	return n;
}

static struct checksum_entry *set_add(struct checksum_set *set, const char *name)
{
	struct checksum_entry *e;

	XGROW(set->v, set->nr + 1, set->alloc);
	e = &set->v[set->nr++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(name);
	return e;
}

/* The sums-file escape, also used to show a name on one line of an error. */
static int needs_escape(const char *name)
{
	return strpbrk(name, "\\\n\r") != NULL;
}

static void add_escaped(struct strbuf *sb, const char *name)
{
	for (; *name; name++) {
		if (*name == '\\')
			strbuf_adds(sb, "\\\\");
		else if (*name == '\n')
			strbuf_adds(sb, "\\n");
		else if (*name == '\r')
			strbuf_adds(sb, "\\r");
		else
			strbuf_addch(sb, *name);
	}
}

static const char *shown(struct strbuf *sb, const char *name)
{
	strbuf_reset(sb);
	strbuf_addch(sb, '\'');
	add_escaped(sb, name);
	strbuf_addch(sb, '\'');
	return sb->buf;
}

/* Relative, and no ".." component: the name stays inside its directory. */
static int name_is_safe(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p == '/')
			p++;
	}
	return 1;
}

static void join(struct strbuf *sb, const char *dir, const char *name)
{
	strbuf_reset(sb);
	strbuf_adds(sb, dir);
	if (sb->len && sb->buf[sb->len - 1] != '/')
		strbuf_addch(sb, '/');
	strbuf_adds(sb, name);
}

/* ---- stopping early ---- */

enum stop_why { RUNNING, CANCELLED, TIMED_OUT };

struct stop {
	volatile sig_atomic_t *cancel; /* NULL = never */
	unsigned timeout_s;            /* 0 = never */
	struct timespec deadline;      /* CLOCK_MONOTONIC */
	pthread_t caller;              /* the one thread that reads *cancel */
	atomic_int why;                /* enum stop_why, set once */
};

static void stop_init(struct stop *s, volatile sig_atomic_t *cancel,
		      unsigned timeout_s)
{
	s->cancel = cancel;
	s->timeout_s = timeout_s;
	clock_gettime(CLOCK_MONOTONIC, &s->deadline);
	s->deadline.tv_sec += (time_t)timeout_s;
	s->caller = pthread_self();
	atomic_init(&s->why, RUNNING);
}

/*
 * Whether to stop, from any thread. Only the calling thread reads
 * *cancel, which its signal handler writes; it publishes what it saw
 * through `why` for the workers. A clock read per 1 MiB block costs
 * nothing next to hashing the block.
 */
static int stop_now(struct stop *s)
{
	int why = atomic_load(&s->why), none = RUNNING;
	struct timespec now;

	if (why != RUNNING)
		return why;
	if (s->cancel && pthread_equal(pthread_self(), s->caller) && *s->cancel)
		why = CANCELLED;
	if (why == RUNNING && s->timeout_s) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > s->deadline.tv_sec ||
		    (now.tv_sec == s->deadline.tv_sec &&
		     now.tv_nsec >= s->deadline.tv_nsec))
			why = TIMED_OUT;
	}
	if (why == RUNNING)
		return RUNNING;
	/* The first reason seen wins; a later one must not rewrite it. */
	atomic_compare_exchange_strong(&s->why, &none, why);
	return atomic_load(&s->why);
}

static int stop_error(struct stop *s, struct error *err)
{
	if (atomic_load(&s->why) == CANCELLED)
		return error_set(err, "cancelled");
	return error_set(err, "timed out after %us", s->timeout_s);
}

static int stop_cb(void *arg)
{
	return stop_now(arg) != RUNNING;
}

/* ---- hashing, in parallel ---- */

struct pool {
	const char *dir;
	struct checksum_entry *v;
	size_t *order;      /* indexes into v, biggest file first */
	size_t nr;
	int verify;
	atomic_size_t next; /* the shared work index */
	struct stop *stop;
	/* Worker threads still running, so the caller can wait and watch. */
	pthread_mutex_t lock;
	pthread_cond_t done;
	int running;
};

static void hash_one(struct pool *p, struct checksum_entry *e)
{
	struct strbuf path = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct stat st;
	int fd;

	join(&path, p->dir, e->name);
	/* O_NONBLOCK: a FIFO planted under a listed name must not hang us. */
	fd = open(path.buf, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e->status = (errno == ENOENT || errno == ENOTDIR) ?
			    CHECKSUM_MISSING : CHECKSUM_UNREADABLE;
		error_errno(&err, "cannot open %s", path.buf);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		e->status = CHECKSUM_UNREADABLE;
		error_errno(&err, "cannot stat %s", path.buf);
	} else if (!S_ISREG(st.st_mode)) {
		e->status = CHECKSUM_UNREADABLE;
		error_set(&err, "%s is %s, not a regular file", path.buf,
			  S_ISDIR(st.st_mode) ? "a directory" : "special");
	} else if (sha256_fd_hex(fd, path.buf, e->hex, &e->size, stop_cb,
				 p->stop, &err) < 0) {
		e->status = CHECKSUM_UNREADABLE;
	} else if (p->verify && strcmp(e->hex, e->expected)) {
		e->status = CHECKSUM_MISMATCH;
	} else {
		e->status = CHECKSUM_OK;
	}
	close(fd);
out:
	if (e->status == CHECKSUM_MISSING || e->status == CHECKSUM_UNREADABLE) {
		e->hex[0] = '\0';
		e->error = strbuf_detach(&err.msg, NULL);
	}
	error_release(&err);
	strbuf_release(&path);
}

static void work(struct pool *p)
{
	size_t i;

	while (stop_now(p->stop) == RUNNING &&
	       (i = atomic_fetch_add(&p->next, 1)) < p->nr)
		hash_one(p, &p->v[p->order[i]]);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	work(p);
	pthread_mutex_lock(&p->lock);
	p->running--;
	pthread_cond_signal(&p->done);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/*
 * The caller, its own files done, waits for the workers; it wakes now
 * and then to look at *cancel, which only it reads, so that a worker
 * deep in a large file hears of a signal that came meanwhile.
 */
static void wait_workers(struct pool *p)
{
	struct timespec t;

	pthread_mutex_lock(&p->lock);
	while (p->running) {
		stop_now(p->stop);
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += 50 * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->done, &p->lock, &t);
	}
	pthread_mutex_unlock(&p->lock);
}

struct job {
	unsigned long long size;
	size_t index;
};

static int by_size_desc(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->index < y->index ? -1 : 1;
}

/*
 * Biggest first (longest-processing-time scheduling): with one large
 * dump among small files, the large one starts at once instead of last.
 * The sizes come from a stat; a file that vanishes meanwhile is found
 * missing by the worker.
 */
static size_t *schedule(const char *dir, const struct checksum_set *set)
{
	struct strbuf path = STRBUF_INIT;
	struct job *jobs = xcalloc(set->nr, sizeof(*jobs));
	size_t *order = xcalloc(set->nr, sizeof(*order));
	size_t i;
	struct stat st;

	for (i = 0; i < set->nr; i++) {
		jobs[i].index = i;
		join(&path, dir, set->v[i].name);
		if (!stat(path.buf, &st))
			jobs[i].size = (unsigned long long)st.st_size;
	}
	qsort(jobs, set->nr, sizeof(*jobs), by_size_desc);
	for (i = 0; i < set->nr; i++)
		order[i] = jobs[i].index;
	free(jobs);
	strbuf_release(&path);
	return order;
}

static void hash_all(const char *dir, struct checksum_set *set, int threads,
		     int verify, struct stop *stop)
{
	struct pool p;
	pthread_condattr_t ca;
	pthread_t *tid;
	sigset_t all, old;
	size_t n, started = 0, i;

	if (!set->nr)
		return;
	if (threads <= 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (int)cpus : 1;
	}
	n = (size_t)threads < set->nr ? (size_t)threads : set->nr;
	p.dir = dir;
	p.v = set->v;
	p.order = schedule(dir, set);
	p.nr = set->nr;
	p.verify = verify;
	atomic_init(&p.next, 0);
	p.stop = stop;
	pthread_mutex_init(&p.lock, NULL);
	/* A monotonic wait: a clock step must not stretch a 50 ms nap. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p.done, &ca);
	pthread_condattr_destroy(&ca);
	p.running = (int)n - 1;
	/*
	 * Workers start with every signal blocked, so SIGINT/SIGTERM run
	 * their handler on this thread, the one that reads *cancel.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* The calling thread is a worker too, so a failed create only slows. */
	tid = xcalloc(n, sizeof(*tid));
	for (i = 1; i < n; i++) {
		if (!pthread_create(&tid[started], NULL, worker, &p)) {
			started++;
		} else {
			pthread_mutex_lock(&p.lock);
			p.running--;
			pthread_mutex_unlock(&p.lock);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	work(&p);
	wait_workers(&p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
	free(p.order);
	pthread_cond_destroy(&p.done);
	pthread_mutex_destroy(&p.lock);
}

/* ---- the set of files ---- */

struct walk {
	struct checksum_set *set;
	struct stop *stop;
	int have_exclude;
	dev_t ex_dev;
	ino_t ex_ino;
	struct error *err;
};

/* `rel` is the directory's name relative to the top ("" for the top). */
static int walk_dir(struct walk *w, int dfd, struct strbuf *rel,
		    const char *top)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int ret = 0;

	if (!d) {
		close(dfd);
		return error_errno(w->err, "cannot read directory %s/%s", top,
				   rel->buf);
	}
	for (;;) {
		size_t keep = rel->len;
		struct stat st;

		/* A tree of millions of files is slow to walk too. */
		if (stop_now(w->stop) != RUNNING) {
			ret = -1;
			break;
		}
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				ret = error_errno(w->err, "cannot read directory %s/%s",
						  top, rel->buf);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (rel->len)
			strbuf_addch(rel, '/');
		strbuf_adds(rel, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = error_errno(w->err, "cannot stat %s/%s", top,
					  rel->buf);
			break;
		}
		if (S_ISREG(st.st_mode)) {
			if (!(w->have_exclude && st.st_dev == w->ex_dev &&
			      st.st_ino == w->ex_ino))
				set_add(w->set, rel->buf);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				ret = error_errno(w->err, "cannot open directory %s/%s",
						  top, rel->buf);
			else
				ret = walk_dir(w, sub, rel, top);
		}
		strbuf_setlen(rel, keep);
		if (ret)
			break;
	}
	closedir(d);
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct checksum_entry *)a)->name,
		      ((const struct checksum_entry *)b)->name);
}

static void sort_unique(struct checksum_set *set)
{
	size_t i, j = 0;

	qsort(set->v, set->nr, sizeof(*set->v), by_name);
	for (i = 0; i < set->nr; i++) {
		if (j && !strcmp(set->v[j - 1].name, set->v[i].name)) {
			free(set->v[i].name);
			continue;
		}
		set->v[j++] = set->v[i];
	}
	set->nr = j;
}

int checksum_files(const char *dir, const char *const *names,
		   const char *exclude, int threads,
		   struct checksum_set *out, struct error *err)
{
	return checksum_files_until(dir, names, exclude, threads, NULL, 0, out,
				    err);
}

int checksum_files_until(const char *dir, const char *const *names,
			 const char *exclude, int threads,
			 volatile sig_atomic_t *cancel, unsigned timeout_s,
			 struct checksum_set *out, struct error *err)
{
	struct stop stop;
	struct walk w = { out, &stop, 0, 0, 0, err };
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t i, bad;

	stop_init(&stop, cancel, timeout_s);
	checksum_set_release(out);
	if (exclude && !stat(exclude, &st)) {
		w.have_exclude = 1;
		w.ex_dev = st.st_dev;
		w.ex_ino = st.st_ino;
	}
	if (names) {
		for (; *names; names++) {
			if (!name_is_safe(*names)) {
				error_set(err, "%s is not a name inside %s",
					  shown(&sb, *names), dir);
				checksum_set_release(out);
				strbuf_release(&sb);
				return -1;
			}
			join(&sb, dir, *names);
			if (w.have_exclude && !stat(sb.buf, &st) &&
			    st.st_dev == w.ex_dev && st.st_ino == w.ex_ino)
				continue;
			set_add(out, *names);
		}
	} else {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return error_errno(err, "cannot open directory %s", dir);
		if (walk_dir(&w, dfd, &sb, dir) < 0) {
			if (atomic_load(&stop.why) != RUNNING)
				stop_error(&stop, err);
			checksum_set_release(out);
			strbuf_release(&sb);
			return -1;
		}
	}
	sort_unique(out);
	hash_all(dir, out, threads, 0, &stop);
	if (atomic_load(&stop.why) != RUNNING) {
		checksum_set_release(out);
		strbuf_release(&sb);
		return stop_error(&stop, err);
	}
	bad = checksum_set_failures(out);
	for (i = 0; bad && i < out->nr; i++) {
		if (out->v[i].status == CHECKSUM_OK)
			continue;
		if (bad > 1)
			error_set(err, "%s (and %zu more files)", out->v[i].error,
				  bad - 1);
		else
			error_set(err, "%s", out->v[i].error);
		break;
	}
	strbuf_release(&sb);
	return bad ? -1 : 0;
}

/* ---- SHA256SUMS, out ---- */

void checksum_format_sums(struct strbuf *out, const struct checksum_set *set)
{
	size_t i;

	for (i = 0; i < set->nr; i++) {
		const struct checksum_entry *e = &set->v[i];
		if (needs_escape(e->name)) {
			strbuf_addf(out, "\\%s  ", e->hex);
			add_escaped(out, e->name);
		} else {
			strbuf_addf(out, "%s  %s", e->hex, e->name);
		}
		strbuf_addch(out, '\n');
	}
}

int checksum_write_sums(const char *path, const struct checksum_set *set,
			struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	checksum_format_sums(&sb, set);
	ret = fs_write_atomic(path, sb.buf, sb.len, err);
	strbuf_release(&sb);
	return ret;
}

/* ---- SHA256SUMS, in ---- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* 64 hex digits at p, lowered into hex; 0 when they are not there. */
static int take_hex(const char *p, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	size_t i;

	if (len < SHA256_HEX_LEN)
		return 0;
	for (i = 0; i < SHA256_HEX_LEN; i++) {
		char c = p[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		hex[i] = c;
	}
	hex[SHA256_HEX_LEN] = '\0';
	return 1;
}

/* Undo add_escaped() in place; only \\, \n and \r exist, as in coreutils. */
static int unescape(char *s, size_t *len)
{
	size_t i, j = 0;

	for (i = 0; i < *len; i++) {
		if (s[i] != '\\') {
			s[j++] = s[i];
			continue;
		}
		if (++i == *len)
			return -1;
		if (s[i] == '\\')
			s[j++] = '\\';
		else if (s[i] == 'n')
			s[j++] = '\n';
		else if (s[i] == 'r')
			s[j++] = '\r';
		else
			return -1;
	}
	*len = j;
	return 0;
}

/*
 * One line (no '\n', trailing '\r' removed) into a name and a hash.
 * 1 = a line to skip, 0 = parsed, -1 = malformed.
 */
static int parse_line(char *s, size_t len, struct strbuf *name,
		      char hex[SHA256_HEX_LEN + 1])
{
	int escaped;
	char *nm;
	size_t nlen;

	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	if (!len || *s == '#')
		return 1;
	if (memchr(s, '\0', len))
		return -1;
	escaped = *s == '\\';
	if (escaped) {
		s++;
		len--;
	}
	if (len > 6 && !memcmp(s, "SHA256", 6)) {
		/* BSD tag: the name ends at the last ')', as coreutils has it. */
		size_t i = 6, close;
		if (i < len && s[i] == ' ')
			i++;
		if (i >= len || s[i] != '(')
			return -1;
		nm = s + i + 1;
		for (close = len - 1; close > i && s[close] != ')'; close--)
			;
		if (close <= i)
			return -1;
		nlen = (size_t)(s + close - nm);
		i = close + 1;
		while (i < len && is_blank(s[i]))
			i++;
		if (i >= len || s[i] != '=')
			return -1;
		i++;
		while (i < len && is_blank(s[i]))
			i++;
		if (len - i != SHA256_HEX_LEN || !take_hex(s + i, len - i, hex))
			return -1;
	} else {
		size_t i = SHA256_HEX_LEN;
		if (!take_hex(s, len, hex) || i >= len || !is_blank(s[i]))
			return -1;
		i++;
		/*
		 * ' ' text, '*' binary; anything else is the one-blank
		 * "HASH NAME" form, which coreutils reads too.
		 */
		if (len - i > 1 && (s[i] == ' ' || s[i] == '*'))
			i++;
		nm = s + i;
		nlen = len - i;
	}
	if (!nlen || (escaped && unescape(nm, &nlen) < 0))
		return -1;
	strbuf_reset(name);
	strbuf_add(name, nm, nlen);
	return 0;
}

int checksum_verify_sums(const char *sums_path, const char *dir, int threads,
			 struct checksum_set *out, struct error *err)
{
	struct strbuf file = STRBUF_INIT, name = STRBUF_INIT, tmp = STRBUF_INIT;
	struct stop stop;
	char hex[SHA256_HEX_LEN + 1];
	char *p, *end;
	unsigned line = 0;
	int ret = -1;

	checksum_set_release(out);
	if (strbuf_read_file(&file, sums_path, SUMS_MAX) < 0) {
		error_errno(err, "cannot read %s", sums_path);
		goto out;
	}
	p = file.buf;
	end = file.buf + file.len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		struct checksum_entry *e;
		int r;

		line++;
		if (len && p[len - 1] == '\r')
			len--;
		r = parse_line(p, len, &name, hex);
		p = nl ? nl + 1 : end;
		if (r > 0)
			continue;
		if (r < 0) {
			error_set(err, "%s:%u: malformed line (expected "
				  "\"HASH  NAME\" or \"SHA256 (NAME) = HASH\")",
				  sums_path, line);
			goto out;
		}
		if (!name_is_safe(name.buf)) {
			error_set(err, "%s:%u: %s is not a name inside %s",
				  sums_path, line, shown(&tmp, name.buf), dir);
			goto out;
		}
		e = set_add(out, name.buf);
		memcpy(e->expected, hex, sizeof(hex));
		e->line = line;
	}
	if (!out->nr) {
		error_set(err, "%s: no checksum lines", sums_path);
		goto out;
	}
	stop_init(&stop, NULL, 0);
	hash_all(dir, out, threads, 1, &stop);
	ret = 0;
out:
	if (ret)
		checksum_set_release(out);
	strbuf_release(&file);
	strbuf_release(&name);
	strbuf_release(&tmp);
	return ret;
}
