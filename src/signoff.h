#ifndef RDRILL_SIGNOFF_H
#define RDRILL_SIGNOFF_H

#include <jansson.h>

struct error;
struct seal_check;
struct sign_key;

/*
 * Electronic sign-off of a sealed bundle (`rdrill sign`), after the run
 * and without touching it: the run's journal, SHA256SUMS, SEAL and
 * SEAL.sig stay byte for byte as the run left them, so the run's seal
 * and signature keep verifying. The sign-offs live beside them:
 *
 *   signoff.jsonl       one record per sign-off, appended (atomically
 *                       rewritten with the new line at the end):
 *     {"type":"signoff","seq":N,"role":..,"name":..,"comment":..,
 *      "time":ISO-8601 UTC,"seal":SHA-256 of SEAL,"prev":HEX,
 *      "renderer":report_renderer() of the rdrill that signed,
 *      "reports":{"md":SHA-256,"html":SHA-256} of report.signed.* as
 *      this sign-off wrote them,
 *      "key":fingerprint|null,"pub":PEM|null,"sig":HEX|null}
 *     prev: record 0's is the SHA-256 of SEAL's bytes (so a sign-off
 *     names exactly the evidence it approves), every later one's the
 *     SHA-256 of the line before (a chain: none can be removed,
 *     reordered or changed without breaking the next). sig: Ed25519
 *     (sign.h) over the record without "sig", dumped compact with sorted
 *     keys and ASCII escapes; null when signed without a key (a typed
 *     name only, as on paper).
 *   report.signed.md,   the report rendered from the journal and the
 *   report.signed.html  sign-offs (its sign-off table filled in), in
 *                       the seal's report language.
 *
 * None of the three is in SHA256SUMS: verify checks them here. The
 * signed report's bytes must be the last sign-off's "reports"; it is
 * compared with a render under the renderer the last sign-off names
 * (like the sealed reports, seal.h); under another it is a caveat only
 * when a good signature covers that sign-off (its renderer and reports),
 * and a problem when it is a typed name, whose fields nothing signs.
 * A sign-off that would make signoff.jsonl larger than verify reads
 * (4 MiB) is refused.
 */

/*
 * Serialise sign-offs on DIR: flock() on the bundle directory itself (no
 * new file in the bundle), exclusive for `sign`, which reads, checks and
 * appends under it, shared for a reader (verify), which then never sees
 * signoff.jsonl from one sign-off and report.signed.* from another.
 * Returns the descriptor to give signoff_unlock(), or -1 (err set).
 */
int signoff_lock(const char *dir, int exclusive, struct error *err);
void signoff_unlock(int fd);

/* The three file names above: seal.h's SEAL_SIGNOFF_FILE and the rest. */

/* The records of DIR/signoff.jsonl (an empty array when there is none). */
json_t *signoff_read(const char *dir, struct error *err);

/*
 * Append a sign-off to DIR (which must already verify: the caller runs
 * seal_check() first) and re-render report.signed.md/.html. `key` may
 * be NULL (unsigned), `comment` NULL or "".
 */
int signoff_append(const char *dir, const char *role, const char *name,
		   const char *comment, const struct sign_key *key,
		   const char *lang, struct error *err);

/*
 * Check DIR's sign-offs into c->problems and c->notes: the chain from
 * SEAL, every signature against the key in its record (and its
 * fingerprint), and report.signed.* against a render. `lang`: the
 * seal's report language (NULL: the drill's). Nothing to check (no
 * sign-off files) is fine; returns the number of sign-offs.
 */
int signoff_check(const char *dir, const char *lang, struct seal_check *c);

#endif
