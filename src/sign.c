#include "sign.h"
#include "error.h"
#include "fsutil.h"
#include "safefs.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define KEY_MAX (64u << 10)

struct sign_key {
	EVP_PKEY *pkey;
	char fpr[SHA256_HEX_LEN + 1];
};

void sign_add_openssl_error(struct error *err)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		strbuf_addf(&err->msg, " (%s)", buf);
	}
	ERR_clear_error();
}

static int fingerprint(EVP_PKEY *pkey, char out[SHA256_HEX_LEN + 1])
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pkey, &der);

	if (n <= 0)
		return -1;
	sha256_hex(der, (size_t)n, out);
	OPENSSL_free(der);
	return 0;
}

static EVP_PKEY *read_pem(const char *buf, size_t len, int private_key)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *pkey;

	if (!bio)
		return NULL;
	pkey = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) :
			     PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return pkey;
}

struct sign_key *sign_key_load(const char *path, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct sign_key *k = NULL;
	struct stat st;
	EVP_PKEY *pkey = NULL;
	int fd = -1;

	/*
	 * Symlinks followed (a mounted Secret), what was opened checked:
	 * non-blocking so a FIFO cannot hang us, then fstat.
	 */
	if (safefs_root_trusted(path, "signing key", err) < 0)
		goto out;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_errno(err, "cannot open signing key %s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		error_set(err, "signing key %s is not a regular file", path);
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		error_set(err, "signing key %s is owned by uid %ld, neither "
			  "rdrill's user (uid %ld) nor root: refused", path,
			  (long)st.st_uid, (long)geteuid());
		goto out;
	}
	/*
	 * As ssh: a key of the user's own must be theirs alone. Root's key
	 * read by another user may be read through a group: how Kubernetes
	 * mounts a Secret for a non-root pod (root's, fsGroup's, 0440).
	 * Writable by group or others, or readable by others: never.
	 */
	if ((st.st_mode & 027) ||
	    ((st.st_mode & 070) && st.st_uid == geteuid())) {
		error_set(err, "signing key %s is accessible by group or others "
			  "(mode %04o): refused, like ssh; chmod 600 it", path,
			  (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > (off_t)KEY_MAX) {
		error_set(err, "signing key %s is too large", path);
		goto out;
	}
	strbuf_grow(&sb, (size_t)st.st_size + 1);
	for (;;) {
		ssize_t n;
		strbuf_grow(&sb, 4096);
		n = read(fd, sb.buf + sb.len, sb.alloc - sb.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "cannot read signing key %s", path);
			goto out;
		}
		if (!n)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
		if (sb.len > KEY_MAX) {
			error_set(err, "signing key %s is too large", path);
			goto out;
		}
	}
	pkey = read_pem(sb.buf, sb.len, 1);
	if (!pkey) {
		error_set(err, "%s: not a PEM private key", path);
		sign_add_openssl_error(err);
		goto out;
	}
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		error_set(err, "%s: not an Ed25519 key (make one with `rdrill "
			  "keygen DIR` or `openssl genpkey -algorithm ed25519`)",
			  path);
		goto out;
	}
	k = xcalloc(1, sizeof(*k));
	k->pkey = pkey;
	pkey = NULL;
	if (fingerprint(k->pkey, k->fpr) < 0)
		BUG("an Ed25519 public key cannot be encoded");
out:
	if (fd >= 0)
		close(fd);
	EVP_PKEY_free(pkey);
	/* The private key's PEM is not left in freed memory. */
	if (sb.buf)
		OPENSSL_cleanse(sb.buf, sb.alloc);
	strbuf_release(&sb);
	return k;
}

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const char *sign_key_fingerprint(const struct sign_key *k)
{
	return k->fpr;
}

void sign_key_public_pem(const struct sign_key *k, struct strbuf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!bio || !PEM_write_bio_PUBKEY(bio, k->pkey))
		BUG("cannot encode a public key");
	n = BIO_get_mem_data(bio, &p);
	strbuf_add(out, p, (size_t)n);
	BIO_free(bio);
}

int sign_data(const struct sign_key *k, const void *data, size_t len,
	      struct strbuf *sig, struct error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = 0;
	int ret = -1;

	if (!ctx)
		BUG("out of memory");
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, data, len) != 1) {
		error_set(err, "cannot sign");
		sign_add_openssl_error(err);
		goto out;
	}
	strbuf_grow(sig, siglen);
	if (EVP_DigestSign(ctx, (unsigned char *)sig->buf + sig->len, &siglen,
			   data, len) != 1) {
		error_set(err, "cannot sign");
		sign_add_openssl_error(err);
		goto out;
	}
	strbuf_setlen(sig, sig->len + siglen);
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int sign_pub_fingerprint(const char *pub, size_t publen,
			 char fpr[SHA256_HEX_LEN + 1], struct error *err)
{
	EVP_PKEY *pkey = read_pem(pub, publen, 0);
	int ret = -1;

	if (!pkey || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
		error_set(err, "not an Ed25519 public key (PEM)");
	else if (fingerprint(pkey, fpr) < 0)
		error_set(err, "cannot encode the public key");
	else
		ret = 0;
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	return ret;
}

int sign_fingerprint_arg(const char *arg, char fpr[SHA256_HEX_LEN + 1])
{
	size_t i;

	if (!strncmp(arg, "SHA256:", 7))
		arg += 7;
	if (strlen(arg) != SHA256_HEX_LEN ||
	    strspn(arg, "0123456789abcdefABCDEF") != SHA256_HEX_LEN)
		return 0;
	for (i = 0; i < SHA256_HEX_LEN; i++)
		fpr[i] = (char)(arg[i] >= 'A' && arg[i] <= 'F' ?
				arg[i] + 32 : arg[i]);
	fpr[SHA256_HEX_LEN] = '\0';
	return 1;
}

int sign_verify(const char *pub, size_t publen, const void *data, size_t len,
		const void *sig, size_t siglen, char fpr[SHA256_HEX_LEN + 1],
		struct error *err)
{
	EVP_PKEY *pkey = read_pem(pub, publen, 0);
	EVP_MD_CTX *ctx = NULL;
	int ret = -1;

	if (!pkey) {
		error_set(err, "not a PEM public key");
		sign_add_openssl_error(err);
		goto out;
	}
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
		error_set(err, "not an Ed25519 public key");
		goto out;
	}
	if (fingerprint(pkey, fpr) < 0) {
		error_set(err, "cannot encode the public key");
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		BUG("out of memory");
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
	    EVP_DigestVerify(ctx, sig, siglen, data, len) != 1) {
		error_set(err, "the signature does not match this key");
		ERR_clear_error();
		goto out;
	}
	ret = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ret;
}

static int write_new(const char *path, const void *data, size_t len,
		     unsigned mode, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		      mode);
	size_t off = 0;

	if (fd < 0)
		return error_errno(err, "cannot create %s", path);
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno(err, "cannot write %s", path);
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return error_errno(err, "cannot sync %s", path);
	return fs_fsync_parent(path, err);
}

int sign_keygen(const char *dir, struct strbuf *priv_path,
		struct strbuf *pub_path, struct error *err)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct sign_key k;
	struct strbuf pem = STRBUF_INIT;
	BIO *bio = NULL;
	char *p = NULL;
	long n = 0;
	int ret = -1;

	if (!pkey) {
		error_set(err, "cannot make an Ed25519 key");
		sign_add_openssl_error(err);
		return -1;
	}
	strbuf_addf(priv_path, "%s/rdrill-sign.key", dir);
	strbuf_addf(pub_path, "%s/rdrill-sign.pub", dir);
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
					      NULL))
		BUG("cannot encode a private key");
	n = BIO_get_mem_data(bio, &p);
	if (write_new(priv_path->buf, p, (size_t)n, 0600, err) < 0)
		goto out;
	k.pkey = pkey;
	sign_key_public_pem(&k, &pem);
	if (write_new(pub_path->buf, pem.buf, pem.len, 0644, err) < 0)
		goto out;
	ret = 0;
out:
	/* The private key's PEM is not left in freed memory. */
	if (p && n > 0)
		OPENSSL_cleanse(p, (size_t)n);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	strbuf_release(&pem);
	return ret;
}
