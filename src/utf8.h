#ifndef RDRILL_UTF8_H
#define RDRILL_UTF8_H

#include <stddef.h>

#include "strbuf.h"

/*
 * The one UTF-8 decoder of rdrill. Command output, server messages and
 * database values are bytes; the journal (JSON), the report and the
 * operator's terminal need text. jansson refuses anything that is not
 * strict UTF-8, so a laxer check here would let bytes through that fail
 * later, far from where they came in.
 */

/*
 * Length in bytes (1 to 4) of the well-formed UTF-8 sequence at the start
 * of the `len` bytes at `s`, or 0 if there is none: an empty input, a
 * stray continuation byte, a sequence cut short by `len` or by a byte
 * that does not continue it, an overlong form (C0 80, E0 80 80, ...), an
 * encoded surrogate (U+D800..U+DFFF) or a code point above U+10FFFF. A
 * NUL byte is well-formed (length 1); callers that mean C strings decide
 * about it themselves.
 */
size_t utf8_seq_len(const void *s, size_t len);

/*
 * Append the `len` bytes at `s` to `out`, each well-formed sequence as it
 * is and each other byte (and each NUL, so the result is also a C string
 * that holds everything) as U+FFFD. One U+FFFD per byte: a reader can
 * still count what was lost, and the output is valid UTF-8 whatever the
 * input was.
 */
void utf8_add_lossy(struct strbuf *out, const void *s, size_t len);

/*
 * Characters a reader must not be shown raw: C0 controls (NUL included),
 * DEL, C1 controls, and the invisible ones that reorder or break what is
 * shown around them: the bidi controls U+202A..U+202E, U+2066..U+2069,
 * U+200E, U+200F, U+061C ("Trojan Source"), and U+2028, U+2029.
 */
int utf8_is_hidden(unsigned int cp);

/*
 * Append the `len` bytes at `s` as text fit to show: each hidden
 * character (above) becomes its visible name, "<U+202E>", "<U+001B>",
 * except the C0 characters listed in `keep` (e.g. "\t\n"); each byte
 * that is not UTF-8 becomes "<0xFF>". The result is valid UTF-8 whatever
 * the input was, and says what was there. The report's Markdown helpers
 * use it (markdown.c).
 */
void utf8_add_clean(struct strbuf *out, const void *s, size_t len,
		    const char *keep);

/*
 * Append `s` as it may be shown on one line of a terminal: step ids,
 * titles, commands, and above all error text from a server or a
 * command, may hold ESC, bidi overrides and other characters the
 * terminal would obey. Every secret of the process (secret.h) is
 * redacted first, then TAB, CR and LF become a space and the rest is
 * made visible as utf8_add_clean does. Everything rdrill prints that
 * came from a drill file, a server, a command or a file goes through it
 * or utf8_add_terminal_lines (the plan, progress lines, error messages).
 */
void utf8_add_terminal(struct strbuf *out, const char *s);

/*
 * utf8_add_terminal without the redaction, for rdrill's own words around
 * such text (a status, a phase, a step id), which a short secret must
 * not garble.
 */
void utf8_add_line(struct strbuf *out, const char *s, size_t len);

/* The same for text of several lines: TAB and LF stay. */
void utf8_add_terminal_lines(struct strbuf *out, const char *s, size_t len);

/* utf8_add_terminal into `tmp`, reset first; its text, for printf. */
const char *utf8_term(struct strbuf *tmp, const char *s);

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define UTF8_REPLACEMENT "\xef\xbf\xbd"

#endif
