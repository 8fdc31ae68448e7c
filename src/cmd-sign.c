#include "error.h"
#include "rdrill.h"
#include "seal.h"
#include "secret.h"
#include "sign.h"
#include "signoff.h"
#include "strbuf.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * rdrill sign BUNDLE --role ROLE --name NAME [--key KEY.pem] [--comment
 * TEXT]: an electronic sign-off of a bundle that verifies (signoff.h),
 * signed with KEY (or RDRILL_SIGN_KEY) when given; the run's own files
 * are never touched. Prints the signed report's paths.
 */
int cmd_sign(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct seal_check c;
	struct sign_key *key = NULL;
	const char *dir = NULL, *role = NULL, *name = NULL, *comment = NULL;
	const char *key_path = getenv("RDRILL_SIGN_KEY");
	int k, lock = -1, rc = RDRILL_EXIT_FAILED;
	size_t i;

	for (k = 1; k < argc; k++) {
		const char **opt = !strcmp(argv[k], "--role") ? &role :
				   !strcmp(argv[k], "--name") ? &name :
				   !strcmp(argv[k], "--comment") ? &comment :
				   !strcmp(argv[k], "--key") ? &key_path : NULL;
		if (opt && k + 1 < argc)
			*opt = argv[++k];
		else if (argv[k][0] == '-' || dir)
			return rdrill_usage_error(argv[0], "give one bundle "
				"directory --role ROLE --name NAME [--key KEY.pem] "
				"[--comment TEXT]");
		else
			dir = argv[k];
	}
	if (!dir || !role || !*role || !name || !*name)
		return rdrill_usage_error(argv[0], "give a bundle directory, "
					  "--role and --name");
	seal_check_init(&c);
	/* Checked and appended under one lock: no two sign-offs interleave. */
	if ((lock = signoff_lock(dir, 1, &err)) < 0 ||
	    seal_check(dir, NULL, NULL, &c, &err) < 0)
		goto fail;
	signoff_check(dir, strcmp(c.lang, "default") ? c.lang : NULL, &c);
	if (c.problems.nr) {
		struct strbuf sb = STRBUF_INIT;
		fprintf(stderr, "rdrill: refusing to sign %s: it does not "
			"verify:\n", utf8_term(&sb, dir));
		for (i = 0; i < c.problems.nr; i++) {
			strbuf_reset(&sb);
			utf8_add_terminal(&sb, c.problems.v[i]);
			fprintf(stderr, "  %s\n", sb.buf);
		}
		strbuf_release(&sb);
		rc = RDRILL_EXIT_REFUSED;
		goto out;
	}
	secret_protect_process();     /* before the private key is read */
	if (key_path && *key_path && !(key = sign_key_load(key_path, &err))) {
		rc = RDRILL_EXIT_REFUSED;
		goto fail;
	}
	if (signoff_append(dir, role, name, comment, key,
			   strcmp(c.lang, "default") ? c.lang : NULL, &err) < 0)
		goto fail;
	{
		struct strbuf t = STRBUF_INIT;

		utf8_term(&t, dir);
		printf("%s/report.signed.md\n%s/report.signed.html\n", t.buf,
		       t.buf);
		strbuf_release(&t);
	}
	rc = RDRILL_EXIT_OK;
	goto out;
fail:
	rdrill_print_error(&err);
out:
	signoff_unlock(lock);
	seal_check_release(&c);
	sign_key_free(key);
	error_release(&err);
	return rc;
}
