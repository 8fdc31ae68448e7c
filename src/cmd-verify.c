#include "error.h"
#include "rdrill.h"
#include "seal.h"
#include "signoff.h"
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
 * rdrill verify DIR: is this bundle what rdrill wrote, every byte of it?
 * seal.h says what is checked; one "FAILED  FILE...: what" line per
 * problem, "OK      ..." for what was fine, "NOTE    ..." for what
 * could not be checked (reports sealed under another renderer), and the
 * verdict last.
 */
int cmd_verify(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct seal_check c;
	const char *dir = NULL, *key = NULL, *tsa_ca = NULL;
	size_t i;
	int rc, k, lock;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--key") && k + 1 < argc)
			key = argv[++k];
		else if (!strcmp(argv[k], "--tsa-ca") && k + 1 < argc)
			tsa_ca = argv[++k];
		else if (argv[k][0] == '-' || dir)
			return rdrill_usage_error(argv[0], "give one bundle "
						  "directory [--key PUB.pem] [--tsa-ca CA.pem]");
		else
			dir = argv[k];
	}
	if (!dir)
		return rdrill_usage_error(argv[0], "give one bundle directory");
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
		line(strcmp(c.state, SEAL_CUT_SHORT) ? "VERIFIED: " :
		     c.has_end ? "VERIFIED, CUT SHORT AFTER ITS END RECORD (the "
		     "run finished, was killed before its seal, and was sealed "
		     "by render; not a complete run): " :
		     "VERIFIED, CUT SHORT (killed run, sealed by render): ", dir);
		rc = RDRILL_EXIT_OK;
	}
out:
	signoff_unlock(lock);
	seal_check_release(&c);
	error_release(&err);
	return rc;
}
