#include "utf8.h"
#include "secret.h"

#include <string.h>

size_t utf8_seq_len(const void *str, size_t len)
{
	const unsigned char *s = str;
	unsigned int cp, min;
	size_t n, i;

	if (!len)
		return 0;
	if (s[0] < 0x80)
		return 1;
	/* C0 and C1 could only start overlong 2-byte forms. */
	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] < 0xf0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] < 0xf5) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void utf8_add_lossy(struct strbuf *out, const void *str, size_t len)
{
	const unsigned char *s = str;
	size_t i = 0, n;

	strbuf_grow(out, len);
	while (i < len) {
		n = s[i] ? utf8_seq_len(s + i, len - i) : 0;
		if (n) {
			strbuf_add(out, s + i, n);
			i += n;
		} else {
			strbuf_adds(out, UTF8_REPLACEMENT);
			i++;
		}
	}
}

static unsigned int decode(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned int cp = s[0] & lead_mask[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

int utf8_is_hidden(unsigned int cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	       cp == 0x061c ||                    /* ARABIC LETTER MARK */
	       cp == 0x200e || cp == 0x200f ||    /* LRM, RLM */
	       cp == 0x2028 || cp == 0x2029 ||    /* line/para separator */
	       (cp >= 0x202a && cp <= 0x202e) ||  /* LRE RLE PDF LRO RLO */
	       (cp >= 0x2066 && cp <= 0x2069);    /* LRI RLI FSI PDI */
}

void utf8_add_clean(struct strbuf *out, const void *str, size_t len,
		    const char *keep)
{
	const unsigned char *s = str;
	size_t i = 0, n;

	strbuf_grow(out, len);
	while (i < len) {
		unsigned int cp;

		n = utf8_seq_len(s + i, len - i);
		if (!n) {
			strbuf_addf(out, "<0x%02X>", s[i]); /* not UTF-8 */
			i++;
			continue;
		}
		cp = decode(s + i, n);
		if (utf8_is_hidden(cp) && !(n == 1 && cp && strchr(keep, (int)cp)))
			strbuf_addf(out, "<U+%04X>", cp);
		else
			strbuf_add(out, s + i, n);
		i += n;
	}
}

void utf8_add_line(struct strbuf *out, const char *s, size_t len)
{
	size_t i = out->len;

	utf8_add_clean(out, s, len, "\t\n\r");
	for (; i < out->len; i++)
		if (out->buf[i] == '\t' || out->buf[i] == '\n' ||
		    out->buf[i] == '\r')
			out->buf[i] = ' ';
}

void utf8_add_terminal(struct strbuf *out, const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, s);
	secret_redact(&sb);
	utf8_add_line(out, sb.buf, sb.len);
	strbuf_release(&sb);
}

void utf8_add_terminal_lines(struct strbuf *out, const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add(&sb, s, len);
	secret_redact(&sb);
	utf8_add_clean(out, sb.buf, sb.len, "\t\n");
	strbuf_release(&sb);
}

const char *utf8_term(struct strbuf *tmp, const char *s)
{
	strbuf_reset(tmp);
	utf8_add_terminal(tmp, s ? s : "");
	return tmp->buf;
}
