#ifndef RDRILL_ARCHPROOF_H
#define RDRILL_ARCHPROOF_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct error;
struct toc;

/*
 * The complete-archive proof of the `toc` step, native and on every core:
 * every data stream of a custom-format archive decompressed to its end.
 *
 * toc_read_archive() has already walked the blocks (every chunk length
 * inside the file, every byte between the blocks accounted for). This
 * reads each block again, feeds its chunks to the decompressor the
 * header names (gzip: a zlib stream, decoded by ISA-L; lz4: an LZ4 frame; zstd: a zstd frame, as
 * PostgreSQL 16 to 18 write them; none: the bytes are read) and checks
 * that each stream ends exactly where its chunks end: not before (a
 * truncated stream), not after (bytes past the stream's end), with every
 * checksum the format carries (zlib's Adler-32, LZ4's and zstd's content
 * checksums when the frame has one). A large-object block holds one
 * stream per object. A block of no chunks is an empty stream (pg_dump 16+
 * writes none for an empty table's gzip).
 *
 * Blocks are shared out biggest first among `threads` threads (0: the
 * online CPUs, at most ARCHPROOF_MAX_THREADS), each with 256 KiB of input
 * and of output buffer and one decompressor, so memory does not grow
 * with the archive: the decompressors' windows are the format's own
 * limits (deflate 32 KiB; LZ4 4 MiB blocks; zstd frames up to a 128 MiB
 * window, libzstd's default limit, larger ones are refused).
 *
 * What it does not do, that `pg_restore -f /dev/null` did: turn the
 * decompressed bytes into SQL. COPY rows are not parsed (the server does
 * that at restore time), so a row damaged inside a stream whose checksum
 * still matches is not caught here, nor is it by pg_restore.
 */

#define ARCHPROOF_MAX_THREADS 32

struct archproof {
	int threads;		/* threads used */
	size_t blocks;		/* data blocks read */
	size_t streams;		/* streams decompressed to their end */
	uint64_t bytes_in;	/* chunk bytes read */
	uint64_t bytes_out;	/* bytes the streams decompressed to */
};

/*
 * Prove the archive at `path` whose TOC `t` was read by
 * toc_read_archive() (with data_complete set). `cancel` (may be NULL) is
 * read by the calling thread only; `timeout_s` 0 is none. -1 with the
 * first damage found in file order among the blocks read (the others
 * stop early), "cancelled" or "timed out after Ns".
 */
int archproof_run(const char *path, const struct toc *t, int threads,
		  volatile sig_atomic_t *cancel, unsigned timeout_s,
		  struct archproof *out, struct error *err);

/* The online CPUs, capped as above; at least 1. */
int archproof_cpus(void);

#endif
