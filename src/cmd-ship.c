#include "error.h"
#include "rdrill.h"
#include "seal.h"
#include "ship.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SHIP_USAGE "give BUNDLE_DIR DEST [--runner NAME] [--identity FILE " \
		   "--known-hosts FILE] [--key PUB.pem]"

struct ship_args {
	const char *bundle, *dest, *runner, *identity, *known, *key;
};

static int parse(int argc, char **argv, struct ship_args *a)
{
	int k;

	for (k = 1; k < argc; k++) {
		const char *o = argv[k];
		const char **slot = !strcmp(o, "--runner") ? &a->runner :
				    !strcmp(o, "--identity") ? &a->identity :
				    !strcmp(o, "--known-hosts") ? &a->known :
				    !strcmp(o, "--key") ? &a->key : NULL;
		if (slot && k + 1 < argc)
			*slot = argv[++k];
		else if (o[0] == '-' || slot || (a->bundle && a->dest))
			return rdrill_usage_error(argv[0], SHIP_USAGE);
		else if (!a->bundle)
			a->bundle = o;
		else
			a->dest = o;
	}
	if (!a->dest)
		return rdrill_usage_error(argv[0], SHIP_USAGE);
	return 0;
}

/* The source first: a bundle that does not verify is never shipped. */
static int verify_source(const char *bundle, const char *key)
{
	struct error err = ERROR_INIT;
	struct seal_check c;
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;

	seal_check_init(&c);
	if (seal_check(bundle, key, NULL, &c, &err) < 0) {
		rdrill_print_error(&err);
		rc = -1;
	} else if (c.problems.nr || !c.sealed) {
		strbuf_adds(&sb, "rdrill: not shipped, the bundle does not verify: ");
		utf8_add_terminal(&sb, c.problems.nr ? c.problems.v[0] : "no SEAL");
		fprintf(stderr, "%s\n", sb.buf);
		rc = -1;
	}
	seal_check_release(&c);
	error_release(&err);
	strbuf_release(&sb);
	return rc;
}

/*
 * rdrill ship BUNDLE DEST: copy a sealed bundle to DEST/RUNNER/NAME
 * (ship.h). 0 shipped and the copy verified; 1 the bundle or its copy
 * did not verify, or the copy failed (nothing left at DEST); 3 NAME is
 * already there (never overwritten).
 */
int cmd_ship(int argc, char **argv)
{
	struct ship_args a = { 0 };
	struct ship_dest d = SHIP_DEST_INIT;
	struct error err = ERROR_INIT;
	struct strbuf where = STRBUF_INIT, msg = STRBUF_INIT;
	char host[256];
	size_t nfiles = 0;
	int rc;

	if ((rc = parse(argc, argv, &a)) != 0)
		return rc;
	if (!a.runner) {
		if (gethostname(host, sizeof(host)) < 0)
			host[0] = '\0';
		host[sizeof(host) - 1] = '\0';
		a.runner = host;
	}
	if (!ship_name_ok(a.runner)) {
		rc = rdrill_usage_error(argv[0], "runner name '%s': only "
					"letters, digits, '.', '_' and '-' "
					"(--runner NAME)", a.runner);
		goto out;
	}
	if (ship_dest_parse(&d, a.dest, a.identity, a.known, &err) < 0) {
		rc = rdrill_usage_error(argv[0], "%s", err.msg.buf);
		goto out;
	}
	if (verify_source(a.bundle, a.key) < 0) {
		rc = RDRILL_EXIT_FAILED;
		goto out;
	}
	switch (ship_bundle(a.bundle, &d, a.runner, &where, &nfiles, &err)) {
	case SHIP_OK:
		strbuf_addf(&msg, "SHIPPED: %zu files, the copy verified: ",
			    nfiles);
		utf8_add_terminal(&msg, where.buf);
		puts(msg.buf);
		rc = RDRILL_EXIT_OK;
		break;
	case SHIP_EXISTS:
		strbuf_adds(&msg, "rdrill: refused: already at the destination "
			    "(never overwritten): ");
		utf8_add_terminal(&msg, where.buf);
		fprintf(stderr, "%s\n", msg.buf);
		rc = RDRILL_EXIT_REFUSED;
		break;
	default:
		error_prefix(&err, "not shipped");
		rdrill_print_error(&err);
		rc = RDRILL_EXIT_FAILED;
	}
out:
	ship_dest_release(&d);
	error_release(&err);
	strbuf_release(&where);
	strbuf_release(&msg);
	return rc;
}
