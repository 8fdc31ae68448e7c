#include "utf8.h"

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

void utf8_add_clean(struct strbuf *out, const void *str, size_t len,
		    const char *keep)
{
	const unsigned char *s = str;
	size_t i = 0, n;

	strbuf_grow(out, len);
	while (i < len) {
		n = utf8_seq_len(s + i, len - i);
		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f) &&
		    !(s[i] && strchr(keep, s[i])))
			strbuf_adds(out, UTF8_REPLACEMENT); /* C0, DEL */
		else if (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			strbuf_adds(out, UTF8_REPLACEMENT); /* C1 */
		else if (n)
			strbuf_add(out, s + i, n);
		else
			strbuf_adds(out, UTF8_REPLACEMENT); /* not UTF-8 */
		i += n ? n : 1;
	}
}

void utf8_add_terminal(struct strbuf *out, const char *s)
{
	size_t i = out->len;

	utf8_add_clean(out, s, strlen(s), "\t\n\r");
	for (; i < out->len; i++)
		if (out->buf[i] == '\t' || out->buf[i] == '\n' ||
		    out->buf[i] == '\r')
			out->buf[i] = ' ';
}
