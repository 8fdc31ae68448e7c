#ifndef RDRILL_SECRET_H
#define RDRILL_SECRET_H

#include <jansson.h>
#include <stddef.h>

struct strbuf;
struct strvec;

/*
 * The secrets of this process, and finding them in text.
 *
 * One set per process: the runner fills it before step 1 (PGPASSWORD,
 * every connection's password_env / password_file value, the variables
 * every kind's secret_vars names), and pg_connect and secret_env add a
 * value found later. Every sink redacts with it at its boundary, so no
 * step kind has to remember to: the journal writer (journal_append),
 * the step log writer (exec.c's output streams), and the terminal
 * (utf8_add_terminal, used by progress lines, errors and the plan). The
 * report is rendered from the journal alone.
 *
 * A value is found in the forms it takes on its way to a sink, in any
 * mix: each byte as it is, backslash-escaped (a libpq key=value conninfo
 * `password='it\'s'`, JSON, Markdown), percent-encoded in either case
 * (RFC 3986: a URI, a DSN `postgresql://u:p%40ss@h/db`), a space as '+'
 * (form encoding), a quote doubled (an SQL literal 'it''s'). Quotes
 * around a value (`password='pa ss'`) are outside it and stay.
 */

/* The process's set (raw values; strvec_push_unique to add). */
struct strvec *secret_set(void);

/* Add `value` (NULL or "" ignored) to the process's set. */
void secret_add(const char *value);

/* Forget (and wipe) every value of the process's set. */
void secret_clear(void);

/*
 * Before secrets (passwords, a private key) enter this process: no core
 * file (RLIMIT_CORE 0) and not dumpable (PR_SET_DUMPABLE 0: no core
 * either, and no ptrace or /proc/PID/mem for other processes of the same
 * user, a run_as step's included). Commands get the core limit back
 * (exec.c, from secret_core_limit()): a server a step starts may dump.
 */
void secret_protect_process(void);

struct rlimit;
/* The core limit before secret_protect_process(); NULL if not called. */
const struct rlimit *secret_core_limit(void);

#define SECRET_NONE ((size_t)-1)

/*
 * The earliest match of any of `secrets` (NULL-terminated, empty strings
 * ignored; NULL: none) starting in `buf[0 .. limit)` of the `len` bytes
 * at `buf`: its offset, and in *mlen its length (the longest one starting
 * there), or SECRET_NONE.
 */
size_t secret_find(const char *const *secrets, const char *buf, size_t len,
		   size_t limit, size_t *mlen);

/*
 * The most bytes a match of `secrets` can take: a stream carries this
 * many less one from one read to the next, so a match split across
 * reads is still found.
 */
size_t secret_span(const char *const *secrets);

/* What a secret becomes in every sink (exec.h's EXEC_REDACTED is it). */
#define SECRET_REDACTED "[REDACTED]"

/* Replace every match of `secrets` in `sb` with SECRET_REDACTED. */
void secret_redact_with(const char *const *secrets, struct strbuf *sb);

/* The same with the process's set. */
void secret_redact(struct strbuf *sb);

/*
 * Redact every string value of `v` in place, with the process's set.
 * Object keys are left alone (they are the record's structure), and so
 * is a SHA-256 in hex under a key ending in "sha256": a digest rdrill
 * computed, in which a short secret of hex digits could otherwise turn
 * up by chance and break the bundle's verification.
 */
void secret_redact_json(json_t *v);

/* Is `v`, found under `key`, such a digest? */
int secret_is_digest(const char *key, json_t *v);

#endif
