#include "tsa.h"
#include "error.h"
#include "sign.h"
#include "strbuf.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

int tsa_query(const void *seal, size_t len, struct strbuf *out,
	      struct error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE], rnd[8], *der = NULL;
	unsigned mdlen = 0;
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *algo = X509_ALGOR_new();
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn = NULL;
	int n, ret = -1;

	if (!req || !mi || !algo || !EVP_Digest(seal, len, md, &mdlen,
						EVP_sha256(), NULL) ||
	    RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto fail;
	rnd[0] &= 0x7f;
	if (!X509_ALGOR_set0(algo, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) ||
	    !TS_MSG_IMPRINT_set_algo(mi, algo) ||
	    !TS_MSG_IMPRINT_set_msg(mi, md, (int)mdlen) ||
	    !TS_REQ_set_version(req, 1) || !TS_REQ_set_msg_imprint(req, mi) ||
	    !(bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) ||
	    !(nonce = BN_to_ASN1_INTEGER(bn, NULL)) ||
	    !TS_REQ_set_nonce(req, nonce) || !TS_REQ_set_cert_req(req, 1))
		goto fail;
	n = i2d_TS_REQ(req, &der);
	if (n <= 0)
		goto fail;
	strbuf_add(out, der, (size_t)n);
	OPENSSL_free(der);
	ret = 0;
	goto out;
fail:
	error_set(err, "cannot make a time-stamp query");
	sign_add_openssl_error(err);
out:
	BN_free(bn);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(algo);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	return ret;
}

int tsa_verify(const void *tsq, size_t tsqlen, const void *tsr, size_t tsrlen,
	       const void *seal, size_t len, const char *ca_path,
	       struct strbuf *when, struct error *err)
{
	const unsigned char *p = tsq;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	TS_REQ *req = NULL;
	TS_RESP *resp = NULL;
	TS_VERIFY_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	ASN1_OCTET_STRING *msg;
	BIO *bio = NULL;
	int ret = -1;

	if (tsqlen > 65536 || tsrlen > (1u << 20))
		return error_set(err, "time-stamp files too large");
	req = d2i_TS_REQ(NULL, &p, (long)tsqlen);
	if (!req || p != (const unsigned char *)tsq + tsqlen) {
		error_set(err, "seal.tsq: not a time-stamp query");
		goto out;
	}
	msg = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(req));
	if (!EVP_Digest(seal, len, md, &mdlen, EVP_sha256(), NULL) || !msg ||
	    OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(TS_REQ_get_msg_imprint(req))->
			algorithm) != NID_sha256 ||
	    ASN1_STRING_length(msg) != (int)mdlen ||
	    memcmp(ASN1_STRING_get0_data(msg), md, mdlen)) {
		error_set(err, "seal.tsq: not a query for this SEAL's SHA-256");
		goto out;
	}
	p = tsr;
	resp = d2i_TS_RESP(NULL, &p, (long)tsrlen);
	if (!resp) {
		error_set(err, "seal.tsr: not a time-stamp reply");
		goto out;
	}
	store = X509_STORE_new();
	if (!store || X509_STORE_load_file(store, ca_path) != 1) {
		error_set(err, "%s: cannot read CA certificates", ca_path);
		sign_add_openssl_error(err);
		goto out;
	}
	/* Imprint, nonce and version from the query; signature and chain. */
	ctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
	if (!ctx)
		goto bad;
	TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
	if (!TS_VERIFY_CTX_set_store(ctx, store))
		goto bad;
	store = NULL;
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		error_set(err, "seal.tsr: does not verify");
		sign_add_openssl_error(err);
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio && ASN1_GENERALIZEDTIME_print(bio, TS_TST_INFO_get_time(
			TS_RESP_get_tst_info(resp)))) {
		char *t;
		long n = BIO_get_mem_data(bio, &t);
		strbuf_add(when, t, (size_t)n);
	}
	ret = 0;
	goto out;
bad:
	error_set(err, "seal.tsr: cannot be checked");
	sign_add_openssl_error(err);
out:
	BIO_free(bio);
	X509_STORE_free(store);
	TS_VERIFY_CTX_free(ctx);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	ERR_clear_error();
	return ret;
}
