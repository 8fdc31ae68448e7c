#ifndef RDRILL_WORDS_H
#define RDRILL_WORDS_H

#include <stddef.h>

struct strbuf;

/*
 * The words rdrill generates, in every report language. The journal is
 * evidence and keeps what was said, in English, as it was said; a report
 * in another language says it again from a table of patterns. Each
 * module (a step kind, preflight, the run) owns the table of the texts
 * it emits; nothing else knows them.
 *
 * A pattern is English text with holes:
 *   {}   the drill's or a server's text (a path, an id, a value): kept
 *        as it is and marked as such (below);
 *   {n}  a number ("26486", "0.5", "-3");
 *   {w}  a phrase said again through the same tables (it must match);
 *   {l}  a list "a, b, c" whose items are each said again.
 * The translation names its holes in order ({} {n} {w} {l} alike are
 * "the next one") or by position ({1}, {2}, ...), so a sentence may put
 * them in another order.
 *
 * `what`, when set, limits an entry to a check's expected and actual
 * texts whose check is `what` (a pattern too): {"value", "{}", "{}"}
 * says that the sql kind's value check shows the server's value. A text
 * no entry matches is left as it was and NOT marked, so a report test
 * finds it (tests/unit/test-words.c).
 */
struct words {
	const char *what; /* NULL: any text; else only this check's values */
	const char *en;
	const char *zh;
};

/* Tables end with an entry whose `en` is NULL. */
#define WORDS_END { NULL, NULL, NULL }

/* "en" or "zh-CN": the report languages. */
enum words_lang { WORDS_EN, WORDS_ZH };

/*
 * Say `text` in `lang` through `tables` (a NULL-terminated array of
 * tables, searched in order), appending to `out`. `what` is the check a
 * value belongs to (NULL for a label or a line). Returns 1 when an entry
 * matched, 0 when `text` was appended as it is. In English every text is
 * as it is (returns 1).
 */
int words_say(const struct words *const *tables, enum words_lang lang,
	      const char *what, const char *text, struct strbuf *out);

/*
 * Marking, for tests: when on, every piece of text that is not rdrill's
 * own words (the drill author's, a server's, a path, a command, a hash)
 * is enclosed in WORDS_MARK_OPEN ... WORDS_MARK_CLOSE (two characters of
 * Unicode's private-use area), so a test can find every English word a
 * Chinese report was left with. Off (the default), nothing is added.
 */
#define WORDS_MARK_OPEN "\xee\x80\x80"   /* U+E000 */
#define WORDS_MARK_CLOSE "\xee\x80\x81"  /* U+E001 */
/* The templates' own text, when marking (report.c, mustache.h). */
#define WORDS_TEXT_OPEN "\xee\x80\x82"  /* U+E002 */
#define WORDS_TEXT_CLOSE "\xee\x80\x83" /* U+E003 */
void words_set_marking(int on);
int words_marking(void);

/* Append `s` (the author's or a server's text), marked when marking. */
void words_data(struct strbuf *out, const char *s);
void words_datan(struct strbuf *out, const char *s, size_t len);

/*
 * Durations and sizes in a language: "850 ms" / "850 毫秒", "12.3 s",
 * "4m05s" / "4 分 05 秒", "2h03m", "2d04h"; a whole target "5m" /
 * "5 分钟"; "25.9 KiB" (units are symbols, the same in both).
 */
void words_duration_ms(struct strbuf *out, long long ms, enum words_lang l);
void words_duration_s(struct strbuf *out, long long secs, enum words_lang l);

/*
 * A kind's target lines "LABEL: CODE" (step_kind.target): an entry
 * {WORDS_TARGET_LABEL, "SQL", "SQL"} says LABEL and shows the rest as
 * code; {WORDS_TARGET_TAIL, " (rolled back ...)", "（...）"} is a tail
 * said apart from the code.
 */
#define WORDS_TARGET_LABEL "\x01target label"
#define WORDS_TARGET_TAIL "\x01target tail"

/* "26486 bytes" is exact but unreadable at a glance: "25.9 KiB". */
void words_size(struct strbuf *out, unsigned long long n);

/* The words every module shares ("yes", "none", "at least N"). */
extern const struct words words_common[];

/*
 * The words of the modules that are not step kinds (run-words.c): the
 * plan's `when:` lines, preflight's checks, the run's reasons and its
 * RPO findings, backup selection's findings.
 */
extern const struct words words_plan[];
extern const struct words words_preflight[];
extern const struct words words_run[];
extern const struct words words_pick[];
extern const struct words words_signoff[];

/*
 * Terms that stay as they are in every language (RTO, RPO, SHA-256,
 * PostgreSQL, the verdict words): the report test's list of English a
 * Chinese report may hold outside marked text.
 */
extern const char *const words_fixed_terms[];

#endif
