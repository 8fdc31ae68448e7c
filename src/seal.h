#ifndef RDRILL_SEAL_H
#define RDRILL_SEAL_H

#include <jansson.h>

#include "journal.h"
#include "jrecord.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

struct error;
struct strbuf;
struct sign_key;

/*
 * The seal of a run bundle: every byte of evidence covered.
 *
 * SHA256SUMS lists, in `sha256sum -c` format, every file of the bundle
 * but the seal's own files (SHA256SUMS, SEAL, SEAL.sig, seal.tsq,
 * seal.tsr): journal.jsonl, plan.json, report.md, report.html, every file in steps/.
 * SEAL is a short text file, one "key: value" per line after a first
 * line "rdrill-seal 1":
 *
 *   state: complete | cut-short
 *   sealed-by: rdrill VERSION run|render (user@host)
 *   sealed-at: ISO-8601 UTC
 *   journal-records: N        (complete records, the last one is seq N-1)
 *   journal-head: HEX         (SHA-256 of the last record's line, without
 *                              its newline: the chain's head, so the last
 *                              record is covered too)
 *   torn-tail-bytes: N        (cut-short only: bytes after the last
 *                              newline, a record the kill cut in half)
 *   report-lang: LANG | default
 *   renderer: rdrill V, libcmark-gfm V, templates HEX   (report.h: who
 *                             rendered the reports; verify re-renders
 *                             and compares them under the same one)
 *   sha256sums: HEX           (SHA-256 of SHA256SUMS)
 *   key-fingerprint: HEX | none  (SHA-256 of the signing public key, DER)
 *
 * Signed (sign.h): SEAL.sig, the Ed25519 signature of SEAL's bytes, and
 * SEAL.pub, the public key. Always: seal.tsq, an RFC 3161 query for
 * SEAL's SHA-256 (tsa.h); seal.tsr, a TSA's reply, may be added later.
 *
 * A finished run is sealed "complete" by `rdrill run`; a run killed before
 * its seal is sealed "cut-short" by the first `rdrill render`.
 */

/*
 * Files a bundle may gain after its seal, left out of SHA256SUMS: the
 * sign-offs (signoff.h, which checks them) and the signed report.
 */
#define SEAL_SIGNOFF_FILE "signoff.jsonl"
#define SEAL_SIGNED_MD "report.signed.md"
#define SEAL_SIGNED_HTML "report.signed.html"
int seal_is_late_file(const char *name);

#define SEAL_COMPLETE "complete"
#define SEAL_CUT_SHORT "cut-short"

/*
 * Write SHA256SUMS and SEAL for `dir` in state `state`, `cmd` naming
 * who seals ("run", "render"). `lang` NULL: "default". `key` (may be
 * NULL): sign SEAL, writing SEAL.pub and SEAL.sig.
 */
int seal_write(const char *dir, const char *state, const char *cmd,
	       const char *lang, const struct sign_key *key,
	       struct error *err);

/*
 * The same with the journal's shape already known (`known`, as
 * seal_check() read it: render seals what it just verified without
 * reading the journal again); NULL: read it.
 */
int seal_write_known(const char *dir, const char *state, const char *cmd,
		     const char *lang, const struct sign_key *key,
		     const struct journal_stat *known, struct error *err);

struct seal_check {
	struct strvec problems;  /* one line each: "FILE[:WHERE]: what" */
	struct strvec notes;     /* what was checked and found fine */
	struct strvec caveats;   /* what could not be checked, and why */
	int sealed;              /* a SEAL was read */
	char state[16];          /* its state, "" when unsealed */
	char lang[16];           /* its report-lang */
	int has_end;             /* the journal holds an end record */
	char key[SHA256_HEX_LEN + 1]; /* fingerprint of a good signature, or "" */
	struct strvec leftovers; /* unsealed: NAME.tmp.XXXXXX a kill left */
	/*
	 * Verify's work, for render to reuse rather than repeat: the
	 * journal as read once with its chain intact (or its stand-in,
	 * seal_records()), NULL otherwise; whether its last line was torn;
	 * and the reports as rendered to compare, in the one language
	 * render writes next (md.len 0: not rendered): `want_lang`'s, set
	 * by the caller before seal_check() (render --lang), or without it,
	 * unsealed, the drill's (what a cut-short render writes); `md_lang`
	 * says which ("": the drill's). One render serves the comparison
	 * and the output.
	 */
	struct jrecords *records;
	struct journal_stat js;  /* its shape, as SEAL records it */
	int torn;
	const char *want_lang;
	char md_lang[16];
	struct strbuf md, html;
};

void seal_check_init(struct seal_check *c);
void seal_check_release(struct seal_check *c);

/*
 * Check everything in bundle `dir`: every entry a regular file or
 * directory, the journal's chain first to last and its head against
 * SEAL, SHA256SUMS against SEAL and every file against SHA256SUMS,
 * nothing missing or added, each log against the hash its step record
 * holds, plan.json against the journal's plan, and report.md/report.html
 * (and report.LANG.md/.html, other languages rendered later) against a
 * render of the journal. Never stops at the first problem: each goes to
 * c->problems. A bundle without a SEAL (a killed run) is checked as far
 * as it can be, and "unsealed" is one problem.
 *
 * `pubkey` (a PEM file, or a key fingerprint "SHA256:HEX" as reports
 * print it; may be NULL): SEAL.sig must be a good signature by that key
 * (for a fingerprint: by SEAL.pub, which must be that key). Without it a signature is checked against SEAL.pub, which
 * says only that the bundle is consistent, not whose it is.
 *
 * `tsa_ca` (CA certificates, PEM, may be NULL): seal.tsr must be a good
 * RFC 3161 reply to seal.tsq, a query for SEAL's SHA-256 (tsa.h).
 *
 * Returns 0 when the checks ran (c->problems may still be non-empty).
 */
int seal_check(const char *dir, const char *pubkey, const char *tsa_ca,
	       struct seal_check *c, struct error *err);

/*
 * The records of bundle `dir` as render and verify take them: the
 * journal's, its chain checked; a journal holding no whole record (a run
 * killed before its start record) stands in as one start record made
 * from plan.json (mode run, time the plan's, context.killed_before_start).
 */
json_t *seal_records(const char *dir, int *torn, struct error *err);

/* "report.md"/"report.html", or "report.LANG.md"/... for an extra language. */
void seal_report_names(const char *lang, struct strbuf *md, struct strbuf *html);

#endif
