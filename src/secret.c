#include "secret.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static struct strvec secrets = STRVEC_INIT;

struct strvec *secret_set(void)
{
	return &secrets;
}

void secret_add(const char *value)
{
	strvec_push_unique(&secrets, value);
}

static struct rlimit saved_core;
static int core_saved;

void secret_protect_process(void)
{
	struct rlimit none = { 0, 0 };

	if (!core_saved && getrlimit(RLIMIT_CORE, &saved_core) == 0) {
		core_saved = 1;
		/* The hard limit stays, so children can have theirs back. */
		none.rlim_max = saved_core.rlim_max;
		setrlimit(RLIMIT_CORE, &none);
	}
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

const struct rlimit *secret_core_limit(void)
{
	return core_saved ? &saved_core : NULL;
}

void secret_clear(void)
{
	size_t i;

	for (i = 0; i < secrets.nr; i++)
		explicit_bzero((char *)secrets.v[i], strlen(secrets.v[i]));
	strvec_clear(&secrets);
}

/*
 * Matching runs a small NFA over the input, one state per secret byte
 * and how far its encoding has come: each byte of the secret may arrive
 * in several forms, and the forms share first bytes ('%' itself or
 * "%25", '\' or "\\"), so a backtracking matcher could be made to take
 * exponential time by hostile output.
 */
enum {
	AT_START,   /* before byte i */
	AFTER_BSL,  /* after '\': byte i itself */
	AFTER_PCT,  /* after '%': its high hex digit */
	AFTER_HEX,  /* after '%H': its low hex digit */
	AFTER_QUOTE, /* after one "'" of a doubled "''" */
	NSTATES
};

static int hexval(unsigned char b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	if (b >= 'a' && b <= 'f')
		return b - 'a' + 10;
	if (b >= 'A' && b <= 'F')
		return b - 'A' + 10;
	return -1;
}

/* Can a match of secret `s` start with byte b? */
static int can_start(const unsigned char *s, unsigned char b)
{
	return b == s[0] || b == '\\' || b == '%' || (b == '+' && s[0] == ' ');
}

/*
 * 1 when the two bytes at p rule out a match of s (m bytes) there: most
 * candidates die on their second byte, and deciding that here is far
 * cheaper than starting the NFA.
 */
static int ruled_out(const unsigned char *s, size_t m, const unsigned char *p,
		     size_t len)
{
	unsigned char b = p[0], c;

	if (len < 2 || m < 2)
		return 0;
	c = p[1];
	if (b == s[0] && b != '\\' && b != '%' && b != '\'')
		return c != s[1] && c != '\\' && c != '%' &&
		       !(c == '+' && s[1] == ' ');
	if (b == '\\' && s[0] != '\\')
		return c != s[0];
	if (b == '%' && s[0] != '%')
		return hexval(c) != s[0] >> 4;
	return 0;
}

/*
 * The length of the longest match of the m-byte `s` at the start of `p`,
 * 0 if none. cur and nxt hold NSTATES * (m + 1) bytes each, all zero;
 * they are left all zero.
 */
static size_t longest_at(const unsigned char *s, size_t m,
			 const unsigned char *p, size_t len,
			 unsigned char *cur, unsigned char *nxt)
{
	size_t best = 0, off, i, lo = 0, hi = 0, nlo, nhi;
	int live = 1;

	cur[AT_START] = 1;
	for (off = 0; off < len; off++) {
		unsigned char b = p[off], *t;
		int any = 0;

		nlo = m;
		nhi = 0;
#define GO(j, k) do { \
		if ((j) == m) { best = off + 1; break; } \
		nxt[(j) * NSTATES + (k)] = 1; any = 1; \
		if ((j) < nlo) nlo = (j); \
		if ((j) > nhi) nhi = (j); \
	} while (0)
		for (i = lo; i <= hi; i++) {
			unsigned char c = s[i], *st = cur + i * NSTATES;

			if (st[AT_START]) {
				if (b == c)
					GO(i + 1, AT_START);
				if (b == '\\')
					GO(i, AFTER_BSL);
				if (b == '%')
					GO(i, AFTER_PCT);
				if (b == '+' && c == ' ')
					GO(i + 1, AT_START);
				if (b == '\'' && c == '\'')
					GO(i, AFTER_QUOTE);
			}
			if (st[AFTER_BSL] && b == c)
				GO(i + 1, AT_START);
			if (st[AFTER_PCT] && hexval(b) == c >> 4)
				GO(i, AFTER_HEX);
			if (st[AFTER_HEX] && hexval(b) == (c & 15))
				GO(i + 1, AT_START);
			if (st[AFTER_QUOTE] && b == '\'')
				GO(i + 1, AT_START);
			memset(st, 0, NSTATES);
		}
#undef GO
		t = cur;
		cur = nxt;
		nxt = t;
		if (!any) {
			live = 0;
			break;
		}
		lo = nlo;
		hi = nhi;
	}
	/* Leave both all zero for the next call. */
	for (i = lo; live && i <= hi; i++)
		memset(cur + i * NSTATES, 0, NSTATES);
	return best;
}

size_t secret_span(const char *const *list)
{
	size_t i, n, max = 0;

	for (i = 0; list && list[i]; i++) {
		n = strlen(list[i]);
		if (n > max)
			max = n;
	}
	return 3 * max;
}

size_t secret_find(const char *const *list, const char *buf, size_t len,
		   size_t limit, size_t *mlen)
{
	const unsigned char *p = (const unsigned char *)buf;
	unsigned char start[256] = { 0 }, *scratch;
	size_t i, off, n, nr = 0, maxm = 0, best = 0, *lens;

	if (!list || !list[0])
		return SECRET_NONE;
	while (list[nr])
		nr++;
	lens = xcalloc(nr, sizeof(*lens));
	for (i = 0; i < nr; i++) {
		const unsigned char *s = (const unsigned char *)list[i];

		lens[i] = strlen(list[i]);
		if (!lens[i])
			continue;
		start[s[0]] = start['\\'] = start['%'] = 1;
		if (s[0] == ' ')
			start['+'] = 1;
		if (lens[i] > maxm)
			maxm = lens[i];
	}
	if (limit > len)
		limit = len;
	scratch = maxm ? xcalloc(2 * NSTATES * (maxm + 1), 1) : NULL;
	for (off = 0; maxm && off < limit; off++) {
		if (!start[p[off]])
			continue;
		for (i = 0; i < nr; i++) {
			const unsigned char *s = (const unsigned char *)list[i];

			if (!lens[i] || !can_start(s, p[off]) ||
			    ruled_out(s, lens[i], p + off, len - off))
				continue;
			n = longest_at(s, lens[i], p + off, len - off, scratch,
				       scratch + NSTATES * (maxm + 1));
			if (n > best)
				best = n;
		}
		if (best)
			break;
	}
	free(scratch);
	free(lens);
	if (!best)
		return SECRET_NONE;
	*mlen = best;
	return off;
}

void secret_redact_with(const char *const *list, struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	size_t pos = 0, at, n;

	if (!list || !list[0])
		return;
	while ((at = secret_find(list, sb->buf + pos, sb->len - pos,
				 sb->len - pos, &n)) != SECRET_NONE) {
		strbuf_add(&out, sb->buf + pos, at);
		strbuf_adds(&out, SECRET_REDACTED);
		pos += at + n;
	}
	if (!pos)
		return;
	strbuf_add(&out, sb->buf + pos, sb->len - pos);
	explicit_bzero(sb->buf, sb->len);
	strbuf_release(sb);
	*sb = out;
}

void secret_redact(struct strbuf *sb)
{
	secret_redact_with(secrets.v, sb);
}

/* 1 and the redacted text in `out` when s (n bytes) holds a secret. */
static int redact_mem(const char *s, size_t n, struct strbuf *out)
{
	size_t ml;

	if (secret_find(secrets.v, s, n, n, &ml) == SECRET_NONE)
		return 0;
	strbuf_reset(out);
	strbuf_add(out, s, n);
	secret_redact(out);
	return 1;
}

/*
 * A SHA-256 in hex under a key ending in "sha256" is a digest rdrill
 * computed (of a log, a canary row, a backup file), not text that came
 * in: a short secret of hex digits could turn up in one by chance, and
 * "redacting" it would break the bundle's verification.
 */
int secret_is_digest(const char *key, json_t *v)
{
	size_t k = key ? strlen(key) : 0, i;
	const char *s = json_string_value(v);

	if (k < 6 || strcmp(key + k - 6, "sha256") || !s ||
	    json_string_length(v) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

void secret_redact_json(json_t *v)
{
	struct strbuf sb = STRBUF_INIT;

	if (!secrets.nr || !v)
		return;
	if (json_is_string(v)) {
		if (redact_mem(json_string_value(v), json_string_length(v), &sb))
			json_string_setn(v, sb.buf, sb.len);
	} else if (json_is_array(v)) {
		size_t i;

		for (i = 0; i < json_array_size(v); i++)
			secret_redact_json(json_array_get(v, i));
	} else if (json_is_object(v)) {
		const char *key;
		json_t *val;

		json_object_foreach(v, key, val)
			if (!secret_is_digest(key, val))
				secret_redact_json(val);
	}
	strbuf_release(&sb);
}
