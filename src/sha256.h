#ifndef RDRILL_SHA256_H
#define RDRILL_SHA256_H

#include <stddef.h>

struct error;

#define SHA256_HEX_LEN 64

/* Hex digest (65 bytes with NUL) of a buffer, through OpenSSL EVP. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/* Hex digest of a whole file, read in large blocks; also its byte size. */
int sha256_file_hex(const char *path, char out[SHA256_HEX_LEN + 1],
		    unsigned long long *size, struct error *err);

/*
 * Same, from an open descriptor read to its end (not closed), for
 * callers that open and check the file themselves; `name` is only for
 * the error message. Safe to call from several threads at once.
 *
 * `stop` (may be NULL) is called with `stop_arg` before each block read:
 * when it returns non-zero the file is left half read and the result is
 * -1 with err "hashing NAME stopped", so a caller can give up on a file
 * of many gigabytes within one block.
 */
int sha256_fd_hex(int fd, const char *name, char out[SHA256_HEX_LEN + 1],
		  unsigned long long *size, int (*stop)(void *),
		  void *stop_arg, struct error *err);

/*
 * Incremental: for bytes hashed as they pass (a step's log, written
 * while it is captured, so nothing is read twice).
 */
struct sha256_stream;
struct sha256_stream *sha256_stream_new(void);
void sha256_stream_add(struct sha256_stream *s, const void *data, size_t len);
/* The digest of everything added; `s` is freed. */
void sha256_stream_finish(struct sha256_stream *s, char out[SHA256_HEX_LEN + 1]);
void sha256_stream_free(struct sha256_stream *s);

#endif
