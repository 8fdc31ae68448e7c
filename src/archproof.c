#include "archproof.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <lz4frame.h>
#include <zstd.h>

#include "error.h"
#include "safefs.h"
#include "strbuf.h"
#include "toc.h"
#include "xalloc.h"

/*
 * Block layout (PostgreSQL's pg_backup_custom.c): a type byte (1 data,
 * 3 large objects), the dump id as an int, then for data one stream of
 * chunks (int length + bytes, until a 0 length), for large objects
 * (int oid, one stream of chunks) until a 0 oid. Each stream is what one
 * compressor wrote between its start and its end (compress_io.c,
 * compress_gzip.c, compress_lz4.c, compress_zstd.c).
 */
#define BLK_DATA 1
#define BLK_BLOBS 3
#define IOBUF (256u << 10)

/* ---- decompressors ---- */

struct dec {
	const struct codec *codec;
	struct inflate_state *isal;
	LZ4F_dctx *lz;
	ZSTD_DCtx *zs;
	int ended;		/* the stream's end reached, all output out */
	unsigned char *out;
	uint64_t produced;
	const char *why;	/* static text of the last failure */
};

struct codec {
	const char *name;
	int (*begin)(struct dec *d);	/* a new stream */
	int (*feed)(struct dec *d, const unsigned char *in, size_t n);
	void (*release)(struct dec *d);
};

static int none_begin(struct dec *d)
{
	d->ended = 1;
	return 0;
}

static int none_feed(struct dec *d, const unsigned char *in, size_t n)
{
	(void)in;
	d->produced += n;
	return 0;
}

static void none_release(struct dec *d)
{
	(void)d;
}

/*
 * gzip as pg_dump writes it is a zlib stream (deflateInit): decoded with
 * ISA-L's inflate, which parses the zlib header and checks the Adler-32
 * trailer like zlib does, at two to three times zlib's speed (on one core
 * this is most of the step's time).
 */
static const struct { int code; const char *why; } isal_errors[] = {
	{ ISAL_INVALID_BLOCK, "invalid deflate block" },
	{ ISAL_INVALID_SYMBOL, "invalid deflate symbol" },
	{ ISAL_INVALID_LOOKBACK, "invalid back-reference distance" },
	{ ISAL_INVALID_WRAPPER, "invalid zlib header" },
	{ ISAL_UNSUPPORTED_METHOD, "not deflate (zlib header)" },
	{ ISAL_INCORRECT_CHECKSUM, "incorrect Adler-32 checksum" },
	{ ISAL_NEED_DICT, "needs a preset dictionary" },
};

static const char *isal_why(int code)
{
	size_t i;

	for (i = 0; i < sizeof(isal_errors) / sizeof(isal_errors[0]); i++)
		if (isal_errors[i].code == code)
			return isal_errors[i].why;
	return "inflate error";
}

static int gz_begin(struct dec *d)
{
	if (!d->isal)
		d->isal = xmalloc(sizeof(*d->isal));
	isal_inflate_init(d->isal);
	d->isal->crc_flag = ISAL_ZLIB;
	return 0;
}

static int gz_feed(struct dec *d, const unsigned char *in, size_t n)
{
	struct inflate_state *s = d->isal;

	if (d->ended)
		return n ? (d->why = "bytes after the stream's end", -1) : 0;
	s->next_in = (uint8_t *)in;
	s->avail_in = (uint32_t)n;
	for (;;) {
		uint32_t before_in = s->avail_in;
		int r;

		s->next_out = d->out;
		s->avail_out = IOBUF;
		r = isal_inflate(s);
		d->produced += IOBUF - s->avail_out;
		if (r < 0 || r == ISAL_NEED_DICT)
			return d->why = isal_why(r), -1;
		if (s->block_state == ISAL_BLOCK_FINISH) {
			d->ended = 1;
			break;
		}
		if (!s->avail_in && s->avail_out)
			break;
		if (s->avail_out == IOBUF && s->avail_in == before_in)
			return d->why = "inflate made no progress", -1;
	}
	if (s->avail_in)
		return d->why = "bytes after the stream's end", -1;
	return 0;
}

static void gz_release(struct dec *d)
{
	free(d->isal);
	d->isal = NULL;
}

static int lz_begin(struct dec *d)
{
	if (!d->lz && LZ4F_isError(LZ4F_createDecompressionContext(
			&d->lz, LZ4F_VERSION)))
		return d->why = "lz4: cannot initialise", -1;
	LZ4F_resetDecompressionContext(d->lz);
	return 0;
}

/*
 * LZ4F_decompress returns 0 once a frame is decoded and flushed, else a
 * hint of the input it still wants. A full output buffer may hold more
 * back, so it is called until it produces less than the buffer's size.
 */
static int lz_feed(struct dec *d, const unsigned char *in, size_t n)
{
	size_t hint = 1;

	do {
		size_t outn = IOBUF, inn = n;

		hint = LZ4F_decompress(d->lz, d->out, &outn, in, &inn, NULL);
		if (LZ4F_isError(hint))
			return d->why = LZ4F_getErrorName(hint), -1;
		d->produced += outn;
		in += inn;
		n -= inn;
		if (!n && outn < IOBUF)
			break;
	} while (n || hint);
	d->ended = hint == 0;
	return 0;
}

static void lz_release(struct dec *d)
{
	if (d->lz)
		LZ4F_freeDecompressionContext(d->lz);
	d->lz = NULL;
}

static int zs_begin(struct dec *d)
{
	if (!d->zs && !(d->zs = ZSTD_createDCtx()))
		return d->why = "zstd: cannot initialise", -1;
	ZSTD_DCtx_reset(d->zs, ZSTD_reset_session_only);
	return 0;
}

/* ZSTD_decompressStream returns 0 once a frame is decoded and flushed. */
static int zs_feed(struct dec *d, const unsigned char *in, size_t n)
{
	ZSTD_inBuffer ib = { in, n, 0 };
	size_t r = 1;

	for (;;) {
		ZSTD_outBuffer ob = { d->out, IOBUF, 0 };

		r = ZSTD_decompressStream(d->zs, &ob, &ib);
		if (ZSTD_isError(r))
			return d->why = ZSTD_getErrorName(r), -1;
		d->produced += ob.pos;
		if (ib.pos == ib.size && ob.pos < ob.size)
			break;
	}
	d->ended = r == 0;
	return 0;
}

static void zs_release(struct dec *d)
{
	ZSTD_freeDCtx(d->zs);
	d->zs = NULL;
}

/* By the header's algorithm name (toc.h: struct toc.compression). */
static const struct codec codecs[] = {
	{ "none", none_begin, none_feed, none_release },
	{ "gzip", gz_begin, gz_feed, gz_release },
	{ "lz4", lz_begin, lz_feed, lz_release },
	{ "zstd", zs_begin, zs_feed, zs_release },
};

static const struct codec *codec_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (name && !strcmp(codecs[i].name, name))
			return &codecs[i];
	return NULL;
}

/* ---- one block ---- */

struct job {
	const struct toc_entry *e;
	int failed;
	struct error err;
	size_t streams;
	uint64_t in, out;
};

struct pool {
	int fd;
	uint64_t size;
	int int_size;
	const struct codec *codec;
	struct job *jobs;	/* biggest block first */
	size_t nr;
	atomic_size_t next;
	atomic_int stop;	/* 1: damage found, 2: cancelled, 3: timed out */
	volatile sig_atomic_t *cancel;
	pthread_t caller;
	unsigned timeout_s;
	struct timespec deadline;
};

static int stop_now(struct pool *p)
{
	int why = atomic_load(&p->stop), none = 0;
	struct timespec now;

	if (why)
		return why;
	if (p->cancel && pthread_equal(pthread_self(), p->caller) &&
	    *p->cancel)
		why = 2;
	if (!why && p->timeout_s) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > p->deadline.tv_sec ||
		    (now.tv_sec == p->deadline.tv_sec &&
		     now.tv_nsec >= p->deadline.tv_nsec))
			why = 3;
	}
	if (why)
		atomic_compare_exchange_strong(&p->stop, &none, why);
	return why;
}

/* A worker's reader: pread through one buffer, never past `size`. */
struct brd {
	struct pool *p;
	struct job *j;
	uint64_t pos;
	unsigned char *buf;
	uint64_t buf_start;
	size_t buf_len;
	struct dec d;
};

static void where(struct brd *r, struct strbuf *sb)
{
	const struct toc_entry *e = r->j->e;

	strbuf_addf(sb, "data of entry %d (%s", e->dump_id, e->desc);
	if (e->namespace[0])
		strbuf_addf(sb, " %s", e->namespace);
	if (e->tag[0])
		strbuf_addf(sb, " %s", e->tag);
	strbuf_addch(sb, ')');
}

__attribute__((format(printf, 3, 4)))
static int fail(struct brd *r, const char *what, const char *fmt, ...)
{
	struct error *err = &r->j->err;
	va_list ap;

	error_set(err, "%s: ", what);
	where(r, &err->msg);
	strbuf_adds(&err->msg, ": ");
	va_start(ap, fmt);
	strbuf_vaddf(&err->msg, fmt, ap);
	va_end(ap);
	r->j->failed = 1;
	return -1;
}

/* Make [pos, pos + 1) buffered; 0 bytes left is the caller's check. */
static int fill(struct brd *r)
{
	ssize_t got;
	size_t want = IOBUF;

	if (r->pos >= r->buf_start && r->pos < r->buf_start + r->buf_len)
		return 0;
	if (r->p->size - r->pos < want)
		want = (size_t)(r->p->size - r->pos);
	do {
		got = pread(r->p->fd, r->buf, want, (off_t)r->pos);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return fail(r, "read error", "at byte %" PRIu64 ": %s", r->pos,
			    strerror(errno));
	if (got == 0)
		return fail(r, "read error", "the file shrank (no byte %"
			    PRIu64 ")", r->pos);
	r->buf_start = r->pos;
	r->buf_len = (size_t)got;
	return 0;
}

static int need(struct brd *r, uint64_t n, const char *field)
{
	if (n > r->p->size || r->pos > r->p->size - n)
		return fail(r, "archive truncated", "%s at byte %" PRIu64
			    " runs past the end of the file (%" PRIu64
			    " bytes)", field, r->pos, r->p->size);
	return 0;
}

static int get(struct brd *r, unsigned char *dst, size_t n, const char *field)
{
	if (need(r, n, field) < 0)
		return -1;
	while (n) {
		size_t k;

		if (fill(r) < 0)
			return -1;
		k = (size_t)(r->buf_start + r->buf_len - r->pos);
		if (k > n)
			k = n;
		memcpy(dst, r->buf + (r->pos - r->buf_start), k);
		dst += k;
		n -= k;
		r->pos += k;
	}
	return 0;
}

/* int: a sign byte, then int_size bytes LSB first (as toc.c reads it). */
static int get_int(struct brd *r, const char *field, int64_t *v)
{
	unsigned char b[9];
	uint64_t at = r->pos, mag = 0;
	int i;

	if (get(r, b, 1 + (size_t)r->p->int_size, field) < 0)
		return -1;
	for (i = 0; i < r->p->int_size; i++)
		mag |= (uint64_t)b[1 + i] << (8 * i);
	if (b[0] > 1 || mag > (uint64_t)INT64_MAX)
		return fail(r, "corrupt archive", "%s at byte %" PRIu64
			    " is not an integer", field, at);
	*v = b[0] ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

/* One stream: its chunks through the decompressor to the 0 length. */
static int stream(struct brd *r)
{
	struct dec *d = &r->d;
	uint64_t start = r->pos, chunks = 0;

	d->ended = 0;
	d->why = NULL;
	if (d->codec->begin(d) < 0)
		return fail(r, "cannot check", "%s", d->why);
	for (;;) {
		uint64_t at = r->pos;
		int64_t len;

		if (stop_now(r->p))
			return -1;
		if (get_int(r, "a chunk length", &len) < 0)
			return -1;
		if (len == 0)
			break;
		if (len < 0)
			return fail(r, "corrupt archive", "chunk length %" PRId64
				    " at byte %" PRIu64, len, at);
		if (need(r, (uint64_t)len, "a chunk") < 0)
			return -1;
		chunks++;
		r->j->in += (uint64_t)len;
		while (len) {
			size_t k;

			if (fill(r) < 0)
				return -1;
			k = (size_t)(r->buf_start + r->buf_len - r->pos);
			if ((uint64_t)k > (uint64_t)len)
				k = (size_t)len;
			if (d->codec->feed(d, r->buf + (r->pos - r->buf_start),
					   k) < 0)
				return fail(r, "corrupt archive", "the %s "
					    "stream starting at byte %" PRIu64
					    " does not decompress: %s (in the "
					    "chunk at byte %" PRIu64 ")",
					    d->codec->name, start, d->why, at);
			r->pos += k;
			len -= (int64_t)k;
		}
	}
	/* No chunks: an empty stream, as pg_dump 16+ writes for no rows. */
	if (chunks && !d->ended)
		return fail(r, "archive truncated", "the %s stream starting at "
			    "byte %" PRIu64 " ends at byte %" PRIu64 " before "
			    "its end (cut, or a chunk lost)", d->codec->name,
			    start, r->pos);
	r->j->streams++;
	return 0;
}

static int block(struct brd *r)
{
	const struct toc_entry *e = r->j->e;
	unsigned char type;
	int64_t id, oid;

	r->pos = e->block_at;
	if (get(r, &type, 1, "the block type") < 0 ||
	    get_int(r, "the block's dump id", &id) < 0)
		return -1;
	if (id != e->dump_id || (type != BLK_DATA && type != BLK_BLOBS))
		return fail(r, "corrupt archive", "the block at byte %" PRIu64
			    " is not this entry's (changed since it was read?)",
			    e->block_at);
	if (type == BLK_DATA)
		return stream(r);
	for (;;) {
		if (get_int(r, "a large object's OID", &oid) < 0)
			return -1;
		if (oid == 0)
			return 0;
		if (stream(r) < 0)
			return -1;
	}
}

/* ---- the pool ---- */

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct brd r = { 0 };
	size_t i;

	r.p = p;
	r.buf = xmalloc(IOBUF);
	r.d.out = xmalloc(IOBUF);
	r.d.codec = p->codec;
	while (!stop_now(p) && (i = atomic_fetch_add(&p->next, 1)) < p->nr) {
		int zero = 0;

		r.j = &p->jobs[i];
		r.d.produced = 0;
		if (block(&r) < 0 && r.j->failed)
			atomic_compare_exchange_strong(&p->stop, &zero, 1);
		r.j->out = r.d.produced;
	}
	p->codec->release(&r.d);
	free(r.d.out);
	free(r.buf);
	return NULL;
}

int archproof_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > ARCHPROOF_MAX_THREADS ? ARCHPROOF_MAX_THREADS : (int)n;
}

static int cmp_bigger(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->e->data_bytes != y->e->data_bytes)
		return x->e->data_bytes < y->e->data_bytes ? 1 : -1;
	return (x->e->block_at > y->e->block_at) -
		(x->e->block_at < y->e->block_at);
}

static void pool_jobs(struct pool *p, const struct toc *t)
{
	size_t i;

	p->jobs = xcalloc(t->nr ? t->nr : 1, sizeof(*p->jobs));
	for (i = 0; i < t->nr; i++) {
		if (!t->entries[i].block_at)
			continue;
		p->jobs[p->nr].e = &t->entries[i];
		error_init(&p->jobs[p->nr].err);
		p->nr++;
	}
	qsort(p->jobs, p->nr, sizeof(*p->jobs), cmp_bigger);
}

/* The damage earliest in the file wins, so the message is stable. */
static int pool_result(struct pool *p, struct archproof *out,
		       struct error *err)
{
	const struct job *first = NULL;
	size_t i;

	for (i = 0; i < p->nr; i++) {
		const struct job *j = &p->jobs[i];

		if (j->failed && (!first || j->e->block_at < first->e->block_at))
			first = j;
		out->streams += j->streams;
		out->bytes_in += j->in;
		out->bytes_out += j->out;
	}
	if (first)
		return error_set(err, "%s", first->err.msg.buf);
	if (atomic_load(&p->stop) == 2)
		return error_set(err, "cancelled");
	if (atomic_load(&p->stop) == 3)
		return error_set(err, "timed out after %us", p->timeout_s);
	out->blocks = p->nr;
	return 0;
}

int archproof_run(const char *path, const struct toc *t, int threads,
		  volatile sig_atomic_t *cancel, unsigned timeout_s,
		  struct archproof *out, struct error *err)
{
	struct pool p;
	struct stat st;
	pthread_t tid[ARCHPROOF_MAX_THREADS];
	int i, started = 0, ret;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if (!t->data_complete)
		return error_set(err, "%s: the archive's blocks were not all "
				 "walked", path);
	p.codec = codec_by_name(t->compression);
	if (!p.codec)
		return error_set(err, "%s: unknown compression %s", path,
				 t->compression ? t->compression : "(none)");
	/* Non-blocking, a regular file: a FIFO swapped in cannot hang us. */
	p.fd = safefs_open_regular(path, 1, &st, err);
	if (p.fd < 0)
		return -1;
	if ((uint64_t)st.st_size != t->file_size) {
		close(p.fd);
		return error_set(err, "%s: changed since its TOC was read (%llu "
				 "bytes, then %llu)", path,
				 (unsigned long long)st.st_size,
				 (unsigned long long)t->file_size);
	}
	posix_fadvise(p.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	p.size = t->file_size;
	p.int_size = t->int_size;
	p.cancel = cancel;
	p.caller = pthread_self();
	p.timeout_s = timeout_s;
	clock_gettime(CLOCK_MONOTONIC, &p.deadline);
	p.deadline.tv_sec += (time_t)timeout_s;
	atomic_init(&p.next, 0);
	atomic_init(&p.stop, 0);
	pool_jobs(&p, t);

	if (threads <= 0)
		threads = archproof_cpus();
	if (threads > ARCHPROOF_MAX_THREADS)
		threads = ARCHPROOF_MAX_THREADS;
	if ((size_t)threads > p.nr)
		threads = p.nr ? (int)p.nr : 1;
	/* The caller is a worker too: it alone reads *cancel. */
	for (i = 1; i < threads; i++)
		if (pthread_create(&tid[started], NULL, worker, &p) == 0)
			started++;
	worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	out->threads = started + 1;
	ret = pool_result(&p, out, err);
	if (ret < 0)
		error_prefix(err, "%s", path);
	for (i = 0; (size_t)i < p.nr; i++)
		error_release(&p.jobs[i].err);
	free(p.jobs);
	close(p.fd);
	return ret;
}
