#include "sha256.h"
#include "error.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

/* Large reads: at 1 MiB EVP reaches its single-core speed (REFERENCE.md). */
#define READ_BLOCK (1 << 20)

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * n] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	/* EVP_Digest only fails on allocation failure: treat it as fatal. */
	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		die("OpenSSL cannot compute SHA-256 (out of memory?)");
	to_hex(md, n, out);
}

int sha256_fd_hex(int fd, const char *name, char out[SHA256_HEX_LEN + 1],
		  unsigned long long *size, int (*stop)(void *),
		  void *stop_arg, struct error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	unsigned long long total = 0;
	EVP_MD_CTX *ctx;
	unsigned char *buf;
	int ret = -1;

	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		die("OpenSSL cannot start SHA-256 (out of memory?)");
	buf = xmalloc(READ_BLOCK);
	/* Deeper readahead when the file is not cached; harmless on a pipe. */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t r;

		if (stop && stop(stop_arg)) {
			error_set(err, "hashing %s stopped", name);
			goto out;
		}
		r = read(fd, buf, READ_BLOCK);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			error_errno(err, "cannot read %s", name);
			goto out;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)r);
		total += (unsigned long long)r;
	}
	EVP_DigestFinal_ex(ctx, md, &n);
	to_hex(md, n, out);
	if (size)
		*size = total;
	ret = 0;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return ret;
}

int sha256_file_hex(const char *path, char out[SHA256_HEX_LEN + 1],
		    unsigned long long *size, struct error *err)
{
	struct stat st;
	int fd, ret;

	/* Non-blocking, then fstat: a FIFO swapped in cannot hang us. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return error_errno(err, "cannot open %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, "%s is not a regular file", path);
	}
	ret = sha256_fd_hex(fd, path, out, size, NULL, NULL, err);
	close(fd);
	return ret;
}

struct sha256_stream {
	EVP_MD_CTX *ctx;
};

struct sha256_stream *sha256_stream_new(void)
{
	struct sha256_stream *s = xmalloc(sizeof(*s));

	s->ctx = EVP_MD_CTX_new();
	if (!s->ctx || !EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL))
		die("OpenSSL cannot start SHA-256 (out of memory?)");
	return s;
}

void sha256_stream_add(struct sha256_stream *s, const void *data, size_t len)
{
	if (len && !EVP_DigestUpdate(s->ctx, data, len))
		die("OpenSSL cannot compute SHA-256");
}

void sha256_stream_finish(struct sha256_stream *s, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_DigestFinal_ex(s->ctx, md, &n))
		die("OpenSSL cannot compute SHA-256");
	to_hex(md, n, out);
	sha256_stream_free(s);
}

void sha256_stream_free(struct sha256_stream *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}
