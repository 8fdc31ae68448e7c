#ifndef RDRILL_SHIP_H
#define RDRILL_SHIP_H

#include "drill.h"
#include "strbuf.h"

struct error;

/*
 * Shipping a sealed bundle to a central directory (`rdrill ship`), where
 * `rdrill history` collects a fleet's evidence:
 *
 *   DEST/RUNNER/BUNDLE_NAME
 *
 * RUNNER is the runner host's name, BUNDLE_NAME the bundle directory's
 * own name (the report's printed verify command names it). DEST is a
 * local directory or ssh://[USER@]HOST[:PORT]/PATH, reached with
 * OpenSSH as remote steps are (ssh.h: BatchMode, a pinned known_hosts
 * file, one identity).
 *
 * Never overwrites: a BUNDLE_NAME already under DEST/RUNNER refuses the
 * ship (SHIP_EXISTS) before anything is written. The copy lands in a
 * hidden partial directory beside it; the same listing (every regular
 * file's SHA-256, `find | sort | sha256sum`, run through exec.c) is made
 * of the source and of the copy where it landed, and only when the two
 * are identical is the copy renamed to its name (a local copy is also
 * re-verified with seal_check(), every byte); otherwise the partial
 * copy is removed.
 */

enum ship_status {
	SHIP_OK = 0,
	SHIP_FAILED = -1,   /* err says why; nothing left at DEST */
	SHIP_EXISTS = -2,   /* refused: the name is taken at DEST */
};

struct ship_dest {
	int remote;                    /* ssh:// */
	struct strbuf path;            /* the central directory */
	struct drill_ssh_host host;    /* remote: the ssh host */
	struct strbuf user, hostname;  /* what host's strings point into */
};

#define SHIP_DEST_INIT { 0, STRBUF_INIT, { 0 }, STRBUF_INIT, STRBUF_INIT }

/*
 * Parse DEST. For ssh:// `identity` and `known_hosts` are required; the
 * user defaults to the current one, the port to 22. -1 + err.
 */
int ship_dest_parse(struct ship_dest *d, const char *dest,
		    const char *identity, const char *known_hosts,
		    struct error *err);
void ship_dest_release(struct ship_dest *d);

/* A runner or bundle name: [A-Za-z0-9._-], not starting with '.'. */
int ship_name_ok(const char *name);

/*
 * Copy `bundle` (already verified by the caller) to DEST/runner/NAME,
 * NAME its basename. `where` gets the final path (for the message) and
 * `nfiles` the number of files compared. SHIP_OK, SHIP_EXISTS, or
 * SHIP_FAILED with err set.
 */
int ship_bundle(const char *bundle, const struct ship_dest *d,
		const char *runner, struct strbuf *where, size_t *nfiles,
		struct error *err);

#endif
