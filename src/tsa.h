#ifndef RDRILL_TSA_H
#define RDRILL_TSA_H

#include <stddef.h>

struct error;
struct strbuf;

/*
 * Trusted time for a seal (RFC 3161, OpenSSL's TS API). A signature says
 * who sealed a bundle, not when: seal.tsq is a time-stamp query for the
 * SHA-256 of SEAL (with a nonce, asking for the TSA's certificate), to
 * send to any TSA:
 *
 *   curl -sS -H 'Content-Type: application/timestamp-query' \
 *        --data-binary @seal.tsq https://freetsa.org/tsr -o seal.tsr
 *
 * and seal.tsr, its reply, placed in the bundle, is checked by
 * `rdrill verify --tsa-ca CA.pem`.
 */

/* The DER query for `seal` (SEAL's bytes) into `out`. */
int tsa_query(const void *seal, size_t len, struct strbuf *out,
	      struct error *err);

/*
 * Check the reply `tsr` against the query `tsq` and `seal`: the query is
 * for this SEAL's SHA-256, and the reply answers it (imprint, nonce),
 * is signed, and its signer chains to a certificate in `ca_path`. The
 * time stamped goes into `when`. 0 when good, else -1 and err says why.
 */
int tsa_verify(const void *tsq, size_t tsqlen, const void *tsr, size_t tsrlen,
	       const void *seal, size_t len, const char *ca_path,
	       struct strbuf *when, struct error *err);

#endif
