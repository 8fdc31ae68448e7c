#include "pgwal.h"
#include "error.h"
#include "xalloc.h"

#include <dirent.h>
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
