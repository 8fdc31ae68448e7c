#ifndef RDRILL_HISTINDEX_H
#define RDRILL_HISTINDEX_H

#include <jansson.h>

#include "sha256.h"

struct error;

/*
 * The history index: a cache, kept beside the bundles, of what reading
 * and verifying each bundle found (history.h), so `rdrill history` and a
 * run's look-up of its previous run read only the bundles that are new
 * or changed (issue 25).
 *
 * One file per directory that holds bundles, HISTINDEX_FILE, one JSON
 * record per line: a header naming the format and the renderer (an
 * rdrill that renders differently verifies differently: another
 * renderer, and the whole index is set aside), then an entry per bundle
 * {"name", "ident", ...}, whose content runsum.h decides (an entry of
 * an older format is never misread: the header names the format, and an
 * index of another one is set aside and rebuilt).
 *
 * An entry is believed only while its bundle's identity is the one it
 * was made from: the SHA-256 of every name under the bundle with its
 * type, inode, size, mtime and ctime (nanoseconds). Any write to any file
 * (a journal edited, a seal rewritten, a file added, removed or renamed,
 * even one put back with its old mtime: its ctime moves) changes it, and
 * the bundle is read and verified again. The index is never evidence:
 * a missing or damaged one (a line that is not JSON, a wrong header, a
 * file over HISTINDEX_MAX_BYTES) is set aside and rebuilt, and what it
 * held is read again from the bundles.
 *
 * Whom it trusts: the index is read only when it is a regular file, not
 * a symlink, with one link, owned by the user rdrill runs as or by root,
 * writable by no one else (group and others). Anyone else's index, or
 * one others may write, is ignored (never read, since its entries could
 * name a verdict the bundle does not hold): a root rdrill trusts no index
 * another user could have written (README: "What rdrill trusts, run as
 * root"). It is written atomically (fsutil.h), 0600, and a failure to
 * write it is no failure: it is a cache.
 */

#define HISTINDEX_FILE ".rdrill-history-index.jsonl"
#define HISTINDEX_MAX_BYTES (64u << 20)

struct histindex;

/* The index of directory `dir` (empty when missing or not to be used). */
struct histindex *histindex_open(const char *dir);

/*
 * The identity of the bundle `dir` (see above) in `out`. -1 when it
 * cannot be made (unreadable, over 8 levels or 100,000 names): such a
 * bundle is never taken from the index.
 */
int histindex_ident(const char *dir, char out[SHA256_HEX_LEN + 1]);

/*
 * The entry of bundle `name` (a name in the directory) made when the
 * bundle's identity was `ident`, or NULL (none, or the bundle changed
 * since). Borrowed; marks `name` as still there.
 */
json_t *histindex_get(struct histindex *ix, const char *name,
		      const char *ident);

/* Set `name`'s entry (`entry`, stolen: an object) for identity `ident`. */
void histindex_put(struct histindex *ix, const char *name, const char *ident,
		   json_t *entry);

/*
 * Write the index back when it changed: the entries of the bundles got
 * or put since histindex_open() (others are gone). 0 when nothing had to
 * be written or it was; -1 and `err` when it could not be.
 */
int histindex_save(struct histindex *ix, struct error *err);

/* Whether the file was read and used (for tests and the bench). */
int histindex_loaded(struct histindex *ix);

void histindex_release(struct histindex *ix);

#endif
