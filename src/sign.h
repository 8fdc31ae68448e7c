#ifndef RDRILL_SIGN_H
#define RDRILL_SIGN_H

#include <stddef.h>

#include "sha256.h"

struct error;
struct strbuf;

/*
 * Ed25519 signatures of a bundle's SEAL, through OpenSSL's EVP API
 * (EVP_PKEY_ED25519, EVP_DigestSign with no digest: "pure" Ed25519 over
 * the SEAL's bytes). In the bundle: SEAL.sig, the raw 64-byte signature,
 * and SEAL.pub, the public key (PEM, SubjectPublicKeyInfo), so that
 *
 *   openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in SEAL -sigfile SEAL.sig
 *
 * checks it without rdrill. A key's fingerprint is the SHA-256 of its
 * public key in DER (`openssl pkey -pubin -in pub.pem -outform DER |
 * sha256sum`). The private key never enters the bundle.
 */

struct sign_key;

/*
 * Load a PEM private key. Refused, like ssh, when the file is readable
 * or writable by group or others, and when it is not Ed25519.
 */
struct sign_key *sign_key_load(const char *path, struct error *err);
void sign_key_free(struct sign_key *k);

/* Hex SHA-256 of the DER public key. */
const char *sign_key_fingerprint(const struct sign_key *k);

/* The public key, PEM. */
void sign_key_public_pem(const struct sign_key *k, struct strbuf *out);

/* A 64-byte Ed25519 signature of `data`. */
int sign_data(const struct sign_key *k, const void *data, size_t len,
	      struct strbuf *sig, struct error *err);

/*
 * Check `sig` of `data` against the PEM public key in `pub` (bytes, not
 * a path); its fingerprint into `fpr`. 0 when good; -1 with err when the
 * key cannot be read or the signature does not match.
 */
int sign_verify(const char *pub, size_t publen, const void *data, size_t len,
		const void *sig, size_t siglen, char fpr[SHA256_HEX_LEN + 1],
		struct error *err);

/* The fingerprint of the PEM public key in `pub` (bytes): 0, or -1 + err. */
int sign_pub_fingerprint(const char *pub, size_t publen,
			 char fpr[SHA256_HEX_LEN + 1], struct error *err);

/*
 * `arg` as a key fingerprint, as reports print it ("SHA256:" and 64 hex
 * digits) or bare: 1 with the lower-case hex in `fpr`, else 0 (a path).
 */
int sign_fingerprint_arg(const char *arg, char fpr[SHA256_HEX_LEN + 1]);

/* DIR/rdrill-sign.key (mode 0600) and DIR/rdrill-sign.pub; neither may exist. */
int sign_keygen(const char *dir, struct strbuf *priv_path,
		struct strbuf *pub_path, struct error *err);

/* Append OpenSSL's first queued error, " (...)", to err's message. */
void sign_add_openssl_error(struct error *err);

#endif
