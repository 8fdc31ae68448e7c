/*
 * Archives as PostgreSQL 16 to 18 write them, from the PostgreSQL 15 on
 * this machine (which writes gzip only), for the toc step's proof:
 *
 *   pgdump-recompress ALGO DAMAGE IN OUT
 *     rewrites IN (a pg_dump -Fc archive, gzip or none) into OUT with each
 *     data stream recompressed as ALGO (gzip: a zlib stream, as every
 *     version writes; lz4: one LZ4 frame, zstd: one zstd frame, as
 *     compress_lz4.c and compress_zstd.c write them), in chunks of at
 *     most 4000 bytes (pg_backup_custom.c's framing: int length + bytes,
 *     a 0 length ends the stream). For lz4 and zstd the header becomes
 *     version 1.15's (an algorithm byte where 1.14 had a zlib level) and
 *     every data offset in the TOC is rewritten. DAMAGE: ok; cut (the
 *     first non-empty stream loses its last 3 bytes, its framing kept
 *     whole); flip (that stream's first byte inverted); tail (4 bytes
 *     after that stream's end, inside its last chunk); sum (its last
 *     byte inverted: for gzip, the Adler-32 trailer).
 *   pgdump-recompress prove THREADS FILE
 *     reads FILE's TOC and blocks (toc.h), then runs archproof_run();
 *     prints "walk: ok" or "walk: MESSAGE", then "proof: ok N streams
 *     ..." or "proof: MESSAGE"; exits 0 only when both pass.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include "archproof.h"
#include "error.h"
#include "strbuf.h"
#include "toc.h"

#define CHUNK 4000

static void die(const char *what)
{
	fprintf(stderr, "pgdump-recompress: %s\n", what);
	exit(2);
}

static int int_size;

static int64_t get_int(const unsigned char *buf, size_t len, size_t *pos)
{
	uint64_t mag = 0;
	int i;

	if (*pos + 1 + (size_t)int_size > len)
		die("input truncated");
	for (i = 0; i < int_size; i++)
		mag |= (uint64_t)buf[*pos + 1 + i] << (8 * i);
	i = buf[*pos];
	*pos += 1 + (size_t)int_size;
	return i ? -(int64_t)mag : (int64_t)mag;
}

static void put_int(struct strbuf *sb, int64_t v)
{
	uint64_t mag = v < 0 ? (uint64_t)-v : (uint64_t)v;
	int i;

	strbuf_addch(sb, v < 0 ? 1 : 0);
	for (i = 0; i < int_size; i++)
		strbuf_addch(sb, (int)((mag >> (8 * i)) & 0xff));
}

/* One stream's chunks, concatenated; *pos ends after the 0 length. */
static void read_stream(const unsigned char *buf, size_t len, size_t *pos,
			struct strbuf *out)
{
	int64_t n;

	while ((n = get_int(buf, len, pos)) != 0) {
		if (n < 0 || *pos + (size_t)n > len)
			die("bad chunk");
		strbuf_add(out, (const char *)buf + *pos, (size_t)n);
		*pos += (size_t)n;
	}
}

static void inflate_all(const struct strbuf *in, struct strbuf *out)
{
	z_stream z;
	unsigned char tmp[65536];
	int r = Z_OK;

	if (!in->len)
		return;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		die("inflateInit");
	z.next_in = (unsigned char *)in->buf;
	z.avail_in = (uInt)in->len;
	while (r != Z_STREAM_END) {
		z.next_out = tmp;
		z.avail_out = sizeof(tmp);
		r = inflate(&z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END)
			die("input stream does not inflate");
		strbuf_add(out, (const char *)tmp, sizeof(tmp) - z.avail_out);
	}
	inflateEnd(&z);
}

static void compress_as(const char *algo, const struct strbuf *raw,
			struct strbuf *out)
{
	size_t cap;
	char *dst;

	if (!strcmp(algo, "gzip")) {
		uLongf n = compressBound((uLong)raw->len);

		dst = malloc(n);
		if (!dst || compress((Bytef *)dst, &n, (const Bytef *)raw->buf,
				     (uLong)raw->len) != Z_OK)
			die("compress");
		cap = n;
	} else if (!strcmp(algo, "lz4")) {
		cap = LZ4F_compressFrameBound(raw->len, NULL);
		dst = malloc(cap);
		if (!dst)
			die("malloc");
		cap = LZ4F_compressFrame(dst, cap, raw->buf, raw->len, NULL);
		if (LZ4F_isError(cap))
			die("LZ4F_compressFrame");
	} else if (!strcmp(algo, "zstd")) {
		cap = ZSTD_compressBound(raw->len);
		dst = malloc(cap);
		if (!dst)
			die("malloc");
		cap = ZSTD_compress(dst, cap, raw->buf, raw->len, 3);
		if (ZSTD_isError(cap))
			die("ZSTD_compress");
	} else {
		die("ALGO: gzip, lz4 or zstd");
		return;
	}
	strbuf_add(out, dst, cap);
	free(dst);
}

/* A stream re-encoded; `damage` applies to the first one it may. */
static void write_stream(const char *algo, int gz_in, const char **damage,
			 const struct strbuf *stored, struct strbuf *out)
{
	struct strbuf raw = STRBUF_INIT, enc = STRBUF_INIT;
	size_t i;

	if (gz_in)
		inflate_all(stored, &raw);
	else
		strbuf_add(&raw, stored->buf, stored->len);
	if (stored->len)	/* an empty stream stays empty */
		compress_as(algo, &raw, &enc);
	if (enc.len > 8 && strcmp(*damage, "ok")) {
		if (!strcmp(*damage, "cut"))
			strbuf_setlen(&enc, enc.len - 3);
		else if (!strcmp(*damage, "tail"))
			strbuf_adds(&enc, "JUNK");
		else if (!strcmp(*damage, "sum"))
			enc.buf[enc.len - 1] = (char)~enc.buf[enc.len - 1];
		else
			enc.buf[0] = (char)~enc.buf[0];
		*damage = "ok";
	}
	for (i = 0; i < enc.len; i += CHUNK) {
		size_t n = enc.len - i < CHUNK ? enc.len - i : CHUNK;

		put_int(out, (int64_t)n);
		strbuf_add(out, enc.buf + i, n);
	}
	put_int(out, 0);
	strbuf_release(&raw);
	strbuf_release(&enc);
}

static int cmp_at(const void *a, const void *b)
{
	const struct toc_entry *x = *(struct toc_entry *const *)a;
	const struct toc_entry *y = *(struct toc_entry *const *)b;

	return (x->block_at > y->block_at) - (x->block_at < y->block_at);
}

static int recompress(const char *algo, const char *damage, const char *in,
		      const char *outp)
{
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct strbuf file = STRBUF_INIT, head = STRBUF_INIT,
		      blocks = STRBUF_INIT;
	const unsigned char *buf;
	struct toc_entry **v;
	size_t i, n = 0, shift = 0;
	int gz_in, keep_head = !strcmp(algo, "gzip");
	FILE *f;

	if (toc_read_archive(in, &t, &err) < 0)
		die(err.msg.buf);
	if (strbuf_read_file(&file, in, 1u << 30) < 0)
		die("cannot read IN");
	buf = (const unsigned char *)file.buf;
	int_size = t.int_size;
	gz_in = !strcmp(t.compression, "gzip");
	if (!gz_in && strcmp(t.compression, "none"))
		die("IN must be gzip or none");

	/* Header: magic, 3 version bytes, int size, offset size, format,
	 * then (1.14) an int zlib level or (1.15+) an algorithm byte. */
	strbuf_add(&head, file.buf, 11);
	if (keep_head) {
		strbuf_add(&head, file.buf + 11, t.toc_end - 11);
	} else {
		size_t comp = t.vmin >= 15 ? 1 : 1 + (size_t)int_size;

		if (t.vmin < 15)
			head.buf[6] = 15;
		strbuf_addch(&head, !strcmp(algo, "lz4") ? 2 : 3);
		shift = comp - 1;
		strbuf_add(&head, file.buf + 11 + comp, t.toc_end - 11 - comp);
	}

	v = calloc(t.nr + 1, sizeof(*v));
	for (i = 0; i < t.nr; i++)
		if (t.entries[i].block_at)
			v[n++] = &t.entries[i];
	qsort(v, n, sizeof(*v), cmp_at);
	for (i = 0; i < n; i++) {
		size_t pos = v[i]->block_at, at = head.len + blocks.len;
		struct strbuf stored = STRBUF_INIT;
		int type = buf[pos++], k;
		int64_t id = get_int(buf, file.len, &pos);

		strbuf_addch(&blocks, type);
		put_int(&blocks, id);
		if (type == 1) {
			read_stream(buf, file.len, &pos, &stored);
			write_stream(algo, gz_in, &damage, &stored, &blocks);
		} else {
			int64_t oid;

			while ((oid = get_int(buf, file.len, &pos)) != 0) {
				put_int(&blocks, oid);
				strbuf_reset(&stored);
				read_stream(buf, file.len, &pos, &stored);
				write_stream(algo, gz_in, &damage, &stored,
					     &blocks);
			}
			put_int(&blocks, 0);
		}
		strbuf_release(&stored);
		if (v[i]->data_state != TOC_DATA_SET)
			continue;
		/* The offset field: flag byte 2, then off_size bytes. */
		for (k = 0; k < t.off_size; k++)
			head.buf[v[i]->offset_at - shift + 1 + (size_t)k] =
				(char)(((uint64_t)at >> (8 * k)) & 0xff);
	}
	f = fopen(outp, "wb");
	if (!f || fwrite(head.buf, 1, head.len, f) != head.len ||
	    fwrite(blocks.buf, 1, blocks.len, f) != blocks.len || fclose(f))
		die("cannot write OUT");
	free(v);
	toc_release(&t);
	error_release(&err);
	strbuf_release(&file);
	strbuf_release(&head);
	strbuf_release(&blocks);
	return 0;
}

static int prove(int threads, const char *path)
{
	struct toc t = TOC_INIT;
	struct error err = ERROR_INIT;
	struct archproof ap;
	int ret = 1;

	if (toc_read_archive(path, &t, &err) < 0 || !t.data_complete) {
		printf("walk: %s\n", err.msg.buf);
		goto out;
	}
	printf("walk: ok %s, %zu data blocks\n", t.compression, t.data_blocks);
	if (archproof_run(path, &t, threads, NULL, 0, &ap, &err) < 0) {
		printf("proof: %s\n", err.msg.buf);
		goto out;
	}
	printf("proof: ok %zu streams in %zu blocks, %" PRIu64 " bytes to %"
	       PRIu64 ", %d threads\n", ap.streams, ap.blocks, ap.bytes_in,
	       ap.bytes_out, ap.threads);
	ret = 0;
out:
	toc_release(&t);
	error_release(&err);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "prove"))
		return prove(atoi(argv[2]), argv[3]);
	if (argc == 5 && (!strcmp(argv[2], "ok") || !strcmp(argv[2], "cut") ||
			  !strcmp(argv[2], "flip") ||
			  !strcmp(argv[2], "tail") ||
			  !strcmp(argv[2], "sum")))
		return recompress(argv[1], argv[2], argv[3], argv[4]);
	die("usage: ALGO ok|cut|flip|tail|sum IN OUT | prove THREADS FILE");
	return 2;
}
