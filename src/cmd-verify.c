#include "error.h"
#include "rdrill.h"
#include "seal.h"
#include "signoff.h"
#include "journal.h"
#include "sign.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

/* One line to stdout, no raw control byte from the bundle in it. */
static void line(const char *tag, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, tag);
	utf8_add_terminal(&sb, msg);
	puts(sb.buf);
	strbuf_release(&sb);
}

/*
 * --signoff-key PUB.pem (repeatable): each key must have signed a
 * sign-off of this bundle. signoff_check() has already checked every
 * record's signature against the key the record names; here only whose
 * they are. Apart from --key: the seal's key and the sign-offs' keys
 * are different people's.
 */
static void check_signoff_keys(const char *dir, const struct strvec *keys,
			       struct seal_check *c)
{
	struct error e = ERROR_INIT;
	json_t *recs, *r;
	size_t i, j;

	if (!keys->nr)
		return;
	recs = signoff_read(dir, &e);
	for (i = 0; i < keys->nr; i++) {
		struct strbuf pem = STRBUF_INIT;
		char fpr[SHA256_HEX_LEN + 1];
		int found = 0;

		if (!sign_fingerprint_arg(keys->v[i], fpr) &&
		    (strbuf_read_file(&pem, keys->v[i], 65536) < 0 ||
		     sign_pub_fingerprint(pem.buf, pem.len, fpr, &e) < 0)) {
			strvec_pushf(&c->problems, "%s: not a readable Ed25519 "
				     "public key", keys->v[i]);
			strbuf_release(&pem);
			continue;
		}
		json_array_foreach(recs, j, r)
			if (!strcmp(journal_str(r, "key"), fpr))
				found = 1;
		if (found)
			strvec_pushf(&c->notes, "signoff.jsonl: signed off by key "
				     "SHA256:%s (%s)", fpr, keys->v[i]);
		else
			strvec_pushf(&c->problems, "signoff.jsonl: no sign-off "
				     "signed by key SHA256:%s (%s)", fpr,
				     keys->v[i]);
		strbuf_release(&pem);
	}
	json_decref(recs);
	error_release(&e);
}

/*
 * rdrill verify DIR: is this bundle what rdrill wrote, every byte of it?
 * seal.h says what is checked; one "FAILED  FILE...: what" line per
 * problem, "OK      ..." for what was fine, "NOTE    ..." for what
 * could not be checked (reports sealed under another renderer), and the
 * verdict last, saying "unsigned" when no key vouches for the seal.
 */
int cmd_verify(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct seal_check c;
	struct strvec signoff_keys = STRVEC_INIT;
	const char *dir = NULL, *key = NULL, *tsa_ca = NULL;
	size_t i;
	int rc, k, lock;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--key") && k + 1 < argc && !key)
			key = argv[++k];
		else if (!strcmp(argv[k], "--signoff-key") && k + 1 < argc)
			strvec_push(&signoff_keys, argv[++k]);
		else if (!strcmp(argv[k], "--tsa-ca") && k + 1 < argc)
			tsa_ca = argv[++k];
		else if (argv[k][0] == '-' || dir) {
			strvec_clear(&signoff_keys);
			return rdrill_usage_error(argv[0], "give one bundle "
						  "directory [--key PUB.pem|"
						  "FINGERPRINT] [--signoff-key "
						  "PUB.pem]... [--tsa-ca CA.pem]");
		} else
			dir = argv[k];
	}
	if (!dir) {
		strvec_clear(&signoff_keys);
		return rdrill_usage_error(argv[0], "give one bundle directory");
	}
	seal_check_init(&c);
	/*
	 * A sign-off being written is waited for, not seen half-done; a
	 * directory that cannot be opened is seal_check's to report.
	 */
	lock = signoff_lock(dir, 0, &err);
	error_release(&err);
	error_init(&err);
	if (seal_check(dir, key, tsa_ca, &c, &err) < 0) {
		rdrill_print_error(&err);
		line("NOT VERIFIED: ", dir);
		rc = RDRILL_EXIT_FAILED;
		goto out;
	}
	signoff_check(dir, strcmp(c.lang, "default") && *c.lang ? c.lang : NULL,
		      &c);
	check_signoff_keys(dir, &signoff_keys, &c);
	for (i = 0; i < c.notes.nr; i++)
		line("OK      ", c.notes.v[i]);
	for (i = 0; i < c.caveats.nr; i++)
		line("NOTE    ", c.caveats.v[i]);
	for (i = 0; i < c.problems.nr; i++)
		line("FAILED  ", c.problems.v[i]);
	if (c.problems.nr) {
		line("NOT VERIFIED: ", dir);
		rc = RDRILL_EXIT_FAILED;
	} else {
		struct strbuf sb = STRBUF_INIT;

		strbuf_adds(&sb, dir);
		if (!*c.key)
			strbuf_adds(&sb, " (unsigned: no key vouches for who "
				    "sealed it)");
		line(strcmp(c.state, SEAL_CUT_SHORT) ? "VERIFIED: " :
		     c.has_end ? "VERIFIED, CUT SHORT AFTER ITS END RECORD (the "
		     "run finished, was killed before its seal, and was sealed "
		     "by render; not a complete run): " :
		     "VERIFIED, CUT SHORT (killed run, sealed by render): ",
		     sb.buf);
		strbuf_release(&sb);
		rc = RDRILL_EXIT_OK;
	}
out:
	signoff_unlock(lock);
	seal_check_release(&c);
	strvec_clear(&signoff_keys);
	error_release(&err);
	return rc;
}
