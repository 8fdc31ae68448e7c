#include "pgwal.h"
#include "error.h"
#include "safefs.h"
#include "xalloc.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 to 8 hex digits; *end after them. */
static int parse_hex32(const char *s, uint32_t *v, const char **end)
{
	uint32_t x = 0;
	int n = 0, h;

	while ((h = hexval((unsigned char)s[n])) >= 0) {
		if (n == 8)
			return -1;
		x = x << 4 | (uint32_t)h;
		n++;
	}
	if (!n)
		return -1;
	*v = x;
	*end = s + n;
	return 0;
}

int pgwal_parse_lsn(const char *s, uint64_t *lsn)
{
	uint32_t hi, lo;
	const char *p;

	if (!s || parse_hex32(s, &hi, &p) < 0 || *p != '/' ||
	    parse_hex32(p + 1, &lo, &p) < 0 || *p)
		return -1;
	*lsn = (uint64_t)hi << 32 | lo;
	return 0;
}

void pgwal_format_lsn(uint64_t lsn, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32),
		 (uint32_t)lsn);
}

int pgwal_segsize_valid(uint64_t segsize)
{
	return segsize >= (1u << 20) && segsize <= (1u << 30) &&
	       !(segsize & (segsize - 1));
}

void pgwal_segname(uint32_t tli, uint64_t segno, uint64_t segsize, char *buf,
		   size_t len)
{
	uint64_t per = UINT64_C(0x100000000) / segsize;

	snprintf(buf, len, "%08" PRIX32 "%08" PRIX32 "%08" PRIX32, tli,
		 (uint32_t)(segno / per), (uint32_t)(segno % per));
}

int pgwal_parse_segname(const char *name, uint64_t segsize, uint32_t *tli,
			uint64_t *segno)
{
	uint64_t per = UINT64_C(0x100000000) / segsize;
	uint32_t v[3];
	int i, j;

	if (strlen(name) != PGWAL_SEGNAME_LEN)
		return -1;
	for (i = 0; i < 3; i++) {
		v[i] = 0;
		for (j = 0; j < 8; j++) {
			int h = hexval((unsigned char)name[i * 8 + j]);
			/* The server writes upper case only. */
			if (h < 0 || (name[i * 8 + j] >= 'a' &&
				      name[i * 8 + j] <= 'f'))
				return -1;
			v[i] = v[i] << 4 | (uint32_t)h;
		}
	}
	if (v[2] >= per)
		return -1;
	*tli = v[0];
	*segno = (uint64_t)v[1] * per + v[2];
	return 0;
}

/* Keys of backup_label and backup history files. */
enum label_key {
	K_START_WAL, K_STOP_WAL, K_CHECKPOINT, K_METHOD, K_FROM, K_START_TIME,
	K_STOP_TIME, K_LABEL, K_START_TLI, K_STOP_TLI, K_NKEYS
};
static const char *const label_keys[K_NKEYS] = {
	"START WAL LOCATION", "STOP WAL LOCATION", "CHECKPOINT LOCATION",
	"BACKUP METHOD", "BACKUP FROM", "START TIME", "STOP TIME", "LABEL",
	"START TIMELINE", "STOP TIMELINE",
};

/* "0/2000028 (file 000000010000000000000002)": the LSN before the space. */
static int lsn_prefix(const char *v, uint64_t *lsn)
{
	char buf[32];
	size_t n = strcspn(v, " ");

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = 0;
	return pgwal_parse_lsn(buf, lsn);
}

static int parse_tli(const char *v, uint32_t *tli)
{
	char *end;
	unsigned long x;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end || x == 0 || x > UINT32_MAX)
		return -1;
	*tli = (uint32_t)x;
	return 0;
}

int pgwal_parse_label(const char *text, size_t len, struct pgwal_label *l,
		      struct error *err)
{
	int seen[K_NKEYS] = { 0 };
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char buf[1024];
		const char *v;
		size_t i;
		int k;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n >= sizeof(buf))
			return error_set(err, "line %zu is longer than %zu bytes",
					 lineno, sizeof(buf) - 1);
		for (i = 0; i < n; i++)
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				return error_set(err, "line %zu holds a control "
						 "character", lineno);
		memcpy(buf, line, n);
		buf[n] = 0;
		if (!n)
			continue;
		for (k = 0; k < K_NKEYS; k++) {
			size_t kl = strlen(label_keys[k]);
			if (!strncmp(buf, label_keys[k], kl) &&
			    buf[kl] == ':' && buf[kl + 1] == ' ')
				break;
		}
		if (k == K_NKEYS)
			continue;       /* newer servers add keys: skip them */
		if (seen[k]++)
			return error_set(err, "line %zu: '%s' given twice", lineno,
					 label_keys[k]);
		v = buf + strlen(label_keys[k]) + 2;
		switch (k) {
		case K_START_WAL:
		case K_STOP_WAL:
		case K_CHECKPOINT:
			if (lsn_prefix(v, k == K_START_WAL ? &l->start_lsn :
				       k == K_STOP_WAL ? &l->stop_lsn :
				       &l->checkpoint_lsn) < 0)
				return error_set(err, "line %zu: '%s' is not an "
						 "LSN like 0/2000028", lineno,
						 label_keys[k]);
			if (k == K_STOP_WAL)
				l->has_stop = 1;
			if (k == K_CHECKPOINT)
				l->has_checkpoint = 1;
			break;
		case K_START_TLI:
		case K_STOP_TLI:
			if (parse_tli(v, k == K_START_TLI ? &l->start_tli :
				      &l->stop_tli) < 0)
				return error_set(err, "line %zu: '%s' is not a "
						 "timeline number", lineno,
						 label_keys[k]);
			break;
		default: {
			struct strbuf *sb = k == K_METHOD ? &l->method :
				k == K_FROM ? &l->from : k == K_START_TIME ?
				&l->start_time : k == K_STOP_TIME ? &l->stop_time :
				&l->label;
			strbuf_reset(sb);
			strbuf_adds(sb, v);
		}
		}
	}
	if (!seen[K_START_WAL])
		return error_set(err, "no 'START WAL LOCATION' line: not a "
				 "backup label");
	/* Servers before 11 wrote no START TIMELINE; the file name has it. */
	if (!seen[K_START_TLI])
		l->start_tli = 0;
	if (l->has_stop && l->stop_lsn < l->start_lsn)
		return error_set(err, "STOP WAL LOCATION lies before START WAL "
				 "LOCATION");
	return 0;
}

void pgwal_label_release(struct pgwal_label *l)
{
	strbuf_release(&l->start_time);
	strbuf_release(&l->stop_time);
	strbuf_release(&l->label);
	strbuf_release(&l->method);
	strbuf_release(&l->from);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int pgwal_archive_check(const char *dir, uint32_t tli, uint64_t segsize,
			uint64_t first, uint64_t last, struct pgwal_archive *a,
			struct error *err)
{
	DIR *dh;
	struct dirent *de;
	uint64_t *good = NULL, *shorts = NULL, seg, expect;
	size_t ngood = 0, agood = 0, nshort = 0, ashort = 0, i, j;
	int fd;

	memset(a, 0, sizeof(*a));
	if (!pgwal_segsize_valid(segsize))
		return error_set(err, "WAL segment size %" PRIu64 " is not a "
				 "power of two from 1 MiB to 1 GiB", segsize);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return error_errno(err, "WAL archive %s", dir);
	dh = fdopendir(fd);
	if (!dh) {
		close(fd);
		return error_errno(err, "WAL archive %s", dir);
	}
	while ((errno = 0, de = readdir(dh))) {
		uint32_t t;
		struct stat st;

		if (pgwal_parse_segname(de->d_name, segsize, &t, &seg) < 0 ||
		    t != tli)
			continue;
		if (!a->have_newest || seg > a->newest)
			a->newest = seg;
		a->have_newest = 1;
		if (seg < first || seg > last)
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && (uint64_t)st.st_size == segsize) {
			XGROW(good, ngood + 1, agood);
			good[ngood++] = seg;
		} else {
			XGROW(shorts, nshort + 1, ashort);
			shorts[nshort++] = seg;
		}
	}
	if (errno) {
		error_errno(err, "reading WAL archive %s", dir);
		closedir(dh);
		free(good);
		free(shorts);
		return -1;
	}
	closedir(dh);
	if (last == UINT64_MAX)
		last = a->have_newest && a->newest > first ? a->newest : first;
	a->first = first;
	a->last = last;
	/* qsort() of NULL, even for no elements, is undefined. */
	if (ngood)
		qsort(good, ngood, sizeof(*good), cmp_u64);
	if (nshort)
		qsort(shorts, nshort, sizeof(*shorts), cmp_u64);
	/* Walk [first, last] against the sorted list: the first hole. */
	a->complete = 1;
	expect = first;
	for (i = 0; i <= ngood; i++) {
		uint64_t next = i < ngood ? good[i] : last + 1;
		if (i < ngood && i && good[i] == good[i - 1])
			continue;
		if (next > expect) {
			if (a->complete) {
				a->complete = 0;
				a->first_bad = expect;
				for (j = 0; j < nshort; j++)
					if (shorts[j] == expect)
						a->first_bad_short = 1;
			}
			a->bad += next - expect;
		}
		if (i < ngood)
			a->present++;
		expect = next + 1;
	}
	free(good);
	free(shorts);
	return 0;
}

/*
 * The page header as xlog_internal.h lays it out (native byte order: the
 * WAL is read on the machine kind that wrote it):
 *   0 uint16 xlp_magic, 2 uint16 xlp_info, 4 uint32 xlp_tli,
 *   8 uint64 xlp_pageaddr, 16 uint32 xlp_rem_len (24 bytes, MAXALIGNed);
 * the long header (first page of a segment) adds
 *   24 uint64 xlp_sysid, 32 uint32 xlp_seg_size, 36 uint32 xlp_xlog_blcksz.
 */
#define XLP_LONG_HEADER 0x0002
#define XLP_ALL_FLAGS 0x000F

/* XLOG_PAGE_MAGIC of the servers rdrill knows (11 to 17). */
static const uint16_t known_magic[] = {
	0xD098, 0xD101, 0xD106, 0xD10D, 0xD110, 0xD113, 0xD116,
};

static uint16_t rd16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int all_zero(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The long header of the segment's first page; the block size. */
static int check_long_header(const unsigned char *buf, size_t len,
			     uint64_t segsize, uint64_t *sysid, uint32_t *magic,
			     uint32_t *blcksz, struct strbuf *why)
{
	uint16_t m = rd16(buf);
	size_t i;

	if (len < 40 || len != segsize) {
		strbuf_addf(why, "%zu bytes, not %" PRIu64, len, segsize);
		return -1;
	}
	for (i = 0; i < sizeof(known_magic) / sizeof(known_magic[0]); i++)
		if (m == known_magic[i])
			break;
	if (i == sizeof(known_magic) / sizeof(known_magic[0]) ||
	    (*magic && m != *magic)) {
		strbuf_addf(why, "invalid magic number %04X", m);
		return -1;
	}
	*magic = m;
	if (!(rd16(buf + 2) & XLP_LONG_HEADER)) {
		strbuf_adds(why, "no long page header on its first page");
		return -1;
	}
	if (*sysid && rd64(buf + 24) != *sysid) {
		strbuf_addf(why, "WAL of another cluster: system identifier "
			    "%" PRIu64 ", expected %" PRIu64, rd64(buf + 24),
			    *sysid);
		return -1;
	}
	*sysid = rd64(buf + 24);
	if (rd32(buf + 32) != segsize) {
		strbuf_addf(why, "segment size %" PRIu32 " in its header, "
			    "expected %" PRIu64, rd32(buf + 32), segsize);
		return -1;
	}
	*blcksz = rd32(buf + 36);
	if (*blcksz < 1024 || *blcksz > 65536 || (*blcksz & (*blcksz - 1)) ||
	    segsize % *blcksz) {
		strbuf_addf(why, "block size %" PRIu32 " in its header", *blcksz);
		return -1;
	}
	return 0;
}

int pgwal_check_segment(const unsigned char *buf, size_t len, uint32_t tli,
			uint64_t segno, uint64_t segsize, uint64_t *sysid,
			uint32_t *magic, struct strbuf *why)
{
	uint32_t blcksz, prev_tli = 0;
	uint64_t off, zero_from = 0;
	int zeros = 0;
	char a[32], b[32];

	if (check_long_header(buf, len, segsize, sysid, magic, &blcksz, why) < 0)
		return -1;
	for (off = 0; off < segsize; off += blcksz) {
		const unsigned char *pg = buf + off;
		uint64_t addr = rd64(pg + 8), want = segno * segsize + off;
		uint32_t ptli = rd32(pg + 4);
		uint16_t info = rd16(pg + 2);

		if (off && all_zero(pg, 24)) {
			if (!zeros)
				zero_from = off;
			zeros = 1;
			continue;
		}
		if (zeros) {
			strbuf_addf(why, "a page header at offset %" PRIu64 " after "
				    "zeroed pages from offset %" PRIu64, off,
				    zero_from);
			return -1;
		}
		if (rd16(pg) != *magic) {
			strbuf_addf(why, "invalid magic number %04X at offset "
				    "%" PRIu64, rd16(pg), off);
			return -1;
		}
		if (info & ~XLP_ALL_FLAGS) {
			strbuf_addf(why, "invalid info bits %04X at offset %" PRIu64,
				    info, off);
			return -1;
		}
		if (addr != want) {
			pgwal_format_lsn(addr, a, sizeof(a));
			pgwal_format_lsn(want, b, sizeof(b));
			strbuf_addf(why, "unexpected pageaddr %s at offset %" PRIu64
				    " (expected %s)", a, off, b);
			return -1;
		}
		if (ptli == 0 || ptli > tli || ptli < prev_tli) {
			strbuf_addf(why, "timeline %" PRIu32 " at offset %" PRIu64
				    " (the file's is %" PRIu32 "%s)", ptli, off,
				    tli, ptli < prev_tli ? ", and it goes back" :
				    "");
			return -1;
		}
		prev_tli = ptli;
	}
	return 0;
}

void pgwal_proof_release(struct pgwal_proof *pr)
{
	strbuf_release(&pr->why);
}

/* The work shared by the readers: the next segment to take, the results. */
struct prove_job {
	const char *dir;
	uint32_t tli;
	uint64_t segsize, first, last, next;
	uint64_t sysid;         /* fixed before the workers start */
	uint32_t magic;
	pthread_mutex_t mu;
	uint64_t good, bytes;
	int bad;
	uint64_t bad_segno;
	struct strbuf why;
};

/* One segment into buf; its problem into why. */
static int prove_one(struct prove_job *j, uint64_t segno, unsigned char *buf,
		     uint64_t *sysid, uint32_t *magic, uint64_t *nread,
		     struct strbuf *why)
{
	char name[32];
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	size_t got = 0;
	int fd, ret = -1;

	pgwal_segname(j->tli, segno, j->segsize, name, sizeof(name));
	strbuf_addf(&path, "%s/%s", j->dir, name);
	/* O_NONBLOCK: a FIFO under a segment's name cannot hang the open. */
	fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		strbuf_addf(why, "%s", errno == ENOENT ? "is missing" :
			    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != j->segsize) {
		strbuf_addf(why, "is cut short or not a regular file (%lld "
			    "bytes)", (long long)st.st_size);
		goto out;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	while (got < j->segsize) {
		ssize_t n = read(fd, buf + got, j->segsize - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			strbuf_addf(why, "read: %s", n ? strerror(errno) :
				    "cut short");
			goto out;
		}
		got += (size_t)n;
	}
	*nread += got;
	if (pgwal_check_segment(buf, got, j->tli, segno, j->segsize, sysid,
				magic, why) < 0)
		goto out;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	strbuf_release(&path);
	return ret;
}

static void *prove_worker(void *arg)
{
	struct prove_job *j = arg;
	unsigned char *buf = xmalloc(j->segsize);
	struct strbuf why = STRBUF_INIT;
	uint64_t good = 0, bytes = 0;

	for (;;) {
		uint64_t segno, sysid = j->sysid;
		uint32_t magic = j->magic;

		pthread_mutex_lock(&j->mu);
		/* Past a bad one nothing later matters: stop taking. */
		segno = j->next;
		if (segno > j->last || (j->bad && segno > j->bad_segno)) {
			pthread_mutex_unlock(&j->mu);
			break;
		}
		j->next++;
		pthread_mutex_unlock(&j->mu);
		strbuf_reset(&why);
		if (prove_one(j, segno, buf, &sysid, &magic, &bytes, &why) == 0) {
			good++;
			continue;
		}
		pthread_mutex_lock(&j->mu);
		if (!j->bad || segno < j->bad_segno) {
			j->bad = 1;
			j->bad_segno = segno;
			strbuf_reset(&j->why);
			strbuf_add(&j->why, why.buf, why.len);
		}
		pthread_mutex_unlock(&j->mu);
	}
	pthread_mutex_lock(&j->mu);
	j->good += good;
	j->bytes += bytes;
	pthread_mutex_unlock(&j->mu);
	strbuf_release(&why);
	free(buf);
	return NULL;
}

int pgwal_prove(const char *dir, uint32_t tli, uint64_t segsize,
		uint64_t first, uint64_t last, uint64_t sysid, int threads,
		struct pgwal_proof *pr, struct error *err)
{
	struct prove_job j;
	pthread_t tid[64];
	unsigned char *buf;
	int i, n = 0;

	if (!pgwal_segsize_valid(segsize))
		return error_set(err, "WAL segment size %" PRIu64 " is not valid",
				 segsize);
	if (last < first)
		return error_set(err, "an empty WAL range");
	memset(&j, 0, sizeof(j));
	j.dir = dir;
	j.tli = tli;
	j.segsize = segsize;
	j.first = first;
	j.last = last;
	j.sysid = sysid;
	strbuf_init(&j.why, 0);
	pthread_mutex_init(&j.mu, NULL);
	/* The first segment alone: it fixes the magic (and the sysid). */
	buf = xmalloc(segsize);
	if (prove_one(&j, first, buf, &j.sysid, &j.magic, &j.bytes, &j.why) < 0) {
		j.bad = 1;
		j.bad_segno = first;
	} else {
		j.good = 1;
	}
	free(buf);
	j.next = first + 1;
	if (threads < 1)
		threads = 1;
	if (threads > 64)
		threads = 64;
	if ((uint64_t)threads > last - first)
		threads = (int)(last - first) ? (int)(last - first) : 1;
	for (i = 0; !j.bad && j.next <= last && i < threads; i++)
		if (pthread_create(&tid[n], NULL, prove_worker, &j) == 0)
			n++;
	if (!j.bad && j.next <= last && !n)
		prove_worker(&j);       /* no thread could start: do it here */
	for (i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&j.mu);
	pr->segments = j.good;
	pr->bytes = j.bytes;
	pr->sysid = j.sysid;
	pr->magic = j.magic;
	pr->ok = !j.bad;
	pr->bad_segno = j.bad_segno;
	strbuf_reset(&pr->why);
	strbuf_add(&pr->why, j.why.buf, j.why.len);
	strbuf_release(&j.why);
	return 0;
}

int pgwal_newer_timeline(const char *dir, uint32_t tli, uint64_t lsn,
			 uint32_t *newer, uint64_t *switch_lsn)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	struct error e = ERROR_INIT;

	*newer = 0;
	*switch_lsn = 0;
	(void)lsn;
	if (!dh)
		return 0;
	while ((de = readdir(dh))) {
		struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
		uint32_t t = 0;
		const char *p;
		char *end;

		if (strlen(de->d_name) != 16 || strcmp(de->d_name + 8, ".history"))
			continue;
		t = (uint32_t)strtoul(de->d_name, &end, 16);
		if (end != de->d_name + 8 || t <= tli || t <= *newer)
			continue;
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		if (safefs_read_regular(path.buf, 0, &text, 1u << 20, &e) == 0) {
			/* "parentTLI<TAB>switchpoint<TAB>reason" per line. */
			for (p = text.buf; p && *p; p = strchr(p, '\n'),
			     p = p ? p + 1 : NULL) {
				char lsnbuf[32];
				unsigned long parent;
				uint64_t sw;
				if (*p == '#' || *p == '\n')
					continue;
				parent = strtoul(p, &end, 10);
				if (end == p || (*end != '\t' && *end != ' '))
					continue;
				while (*end == '\t' || *end == ' ')
					end++;
				if (sscanf(end, "%31[0-9A-Fa-f/]", lsnbuf) != 1 ||
				    pgwal_parse_lsn(lsnbuf, &sw) < 0)
					continue;
				if (parent == tli) {
					*newer = t;
					*switch_lsn = sw;
					break;
				}
			}
		}
		strbuf_release(&path);
		strbuf_release(&text);
		error_release(&e);
	}
	closedir(dh);
	return 0;
}
