#include "words.h"
#include "strbuf.h"

#include <string.h>

static int marking;

void words_set_marking(int on)
{
	marking = on;
}

int words_marking(void)
{
	return marking;
}

void words_datan(struct strbuf *out, const char *s, size_t len)
{
	if (marking)
		strbuf_adds(out, WORDS_MARK_OPEN);
	strbuf_add(out, s, len);
	if (marking)
		strbuf_adds(out, WORDS_MARK_CLOSE);
}

void words_data(struct strbuf *out, const char *s)
{
	words_datan(out, s ? s : "", s ? strlen(s) : 0);
}

/* ---- patterns ---------------------------------------------------------- */

#define MAX_HOLES 8
/* A text longer than this is not a generated phrase: left as it is. */
#define MAX_TEXT 4096

struct hole {
	const char *s;
	size_t len;
	char type;      /* '}' data, 'n' number, 'w' phrase, 'l' list,
			   'd' an age "2d00h00m" */
};

struct matcher {
	const struct words *const *tables;
	enum words_lang lang;
	const char *what;   /* the check a value belongs to, or NULL */
	struct hole holes[MAX_HOLES];
	int depth;
	long *work;         /* steps left, shared by nested matchers */
};

/* The hole at p ("{}", "{n}", "{w}", "{l}"): its type and length, or 0. */
static size_t hole_at(const char *p, char *type)
{
	if (p[0] != '{')
		return 0;
	if (p[1] == '}') {
		*type = '}';
		return 2;
	}
	if (p[1] && strchr("nwld", p[1]) && p[2] == '}') {
		*type = p[1];
		return 3;
	}
	return 0;
}

static int say(struct matcher *m, const char *t, size_t len,
	       struct strbuf *out);

/* Whether the list "a, b, c" in [s, s+len) says item by item. */
static int say_list(struct matcher *m, const char *s, size_t len,
		    struct strbuf *out)
{
	const char *end = s + len;

	while (s < end) {
		const char *comma = s;
		size_t n;

		while (comma + 1 < end && !(comma[0] == ',' && comma[1] == ' '))
			comma++;
		if (comma + 1 >= end)
			comma = end;
		n = (size_t)(comma - s);
		if (!n || !say(m, s, n, out))
			return 0;
		s = comma == end ? end : comma + 2;
		if (s < end && out)
			strbuf_adds(out, "，");
	}
	return 1;
}

static int fits(struct matcher *m, char type, const char *s, size_t len)
{
	size_t i;

	switch (type) {
	case 'n':
		for (i = 0; i < len; i++)
			if (!strchr("0123456789.-", s[i]))
				return 0;
		return s[0] != '.' && s[len - 1] != '.';
	case 'd':
		for (i = 0; i < len; i++)
			if (!strchr("0123456789.-dhms", s[i]))
				return 0;
		return s[0] != 'd' && strchr("dhms", s[len - 1]) != NULL;
	case 'w':
		return say(m, s, len, NULL);
	case 'l':
		return say_list(m, s, len, NULL);
	default:
		return 1;
	}
}

/* The literal text after a hole, up to the next hole or the end. */
static size_t literal_len(const char *p)
{
	size_t n = 0;
	char type;

	while (p[n] && !hole_at(p + n, &type))
		n++;
	return n;
}

/*
 * Match pattern p against [t, end); the number of holes filled, or -1.
 * A hole ends where the literal after it is found (or at the end of the
 * text when it is the last thing), so a pattern tries few lengths.
 */
static int match(struct matcher *m, const char *p, const char *t,
		 const char *end, int nh)
{
	char type;
	size_t hl, n, lit;
	const char *q;

	for (;;) {
		if (--*m->work < 0)
			return -1;
		if (!*p)
			return t == end ? nh : -1;
		hl = hole_at(p, &type);
		if (hl)
			break;
		if (t == end || *p != *t)
			return -1;
		p++;
		t++;
	}
	if (nh == MAX_HOLES || t == end)
		return -1;
	lit = literal_len(p + hl);
	for (q = t + 1; q <= end; q++) {
		int r;

		if (--*m->work < 0)
			return -1;
		n = (size_t)(q - t);
		if (type == 'n' && !strchr("0123456789.-", t[n - 1]))
			return -1;
		if (type == 'd' && !strchr("0123456789.-dhms", t[n - 1]))
			return -1;
		/* Ends where its literal follows, or with the text. */
		if (!p[hl] && q != end)
			continue;
		if (lit && ((size_t)(end - q) < lit ||
			    strncmp(q, p + hl, lit)))
			continue;
		if (!fits(m, type, t, n))
			continue;
		m->holes[nh].s = t;
		m->holes[nh].len = n;
		m->holes[nh].type = type;
		r = match(m, p + hl, q, end, nh + 1);
		if (r >= 0)
			return r;
	}
	return -1;
}

static void emit_age(const char *s, size_t len, enum words_lang lang,
		     struct strbuf *out)
{
	static const struct { const char *en, *zh; } unit[] = {
		{ "ms", "毫秒" }, { "d", "天" }, { "h", "小时" }, { "m", "分" },
		{ "s", "秒" },
	};
	const char *end = s + len;
	size_t i;
	int first = 1;

	if (lang != WORDS_ZH) {
		strbuf_add(out, s, len);
		return;
	}
	while (s < end) {
		const char *num = s;
		while (s < end && strchr("0123456789.-", *s))
			s++;
		if (num != s)
			strbuf_addf(out, "%s%.*s", first ? "" : " ",
				    (int)(s - num), num);
		first = 0;
		for (i = 0; i < sizeof(unit) / sizeof(*unit); i++) {
			size_t ul = strlen(unit[i].en);
			if ((size_t)(end - s) >= ul && !strncmp(s, unit[i].en, ul)) {
				strbuf_addf(out, " %s", unit[i].zh);
				s += ul;
				break;
			}
		}
		if (i == sizeof(unit) / sizeof(*unit) && s < end)
			strbuf_addch(out, *s++);
	}
}

static void emit_hole(struct matcher *m, const struct hole *h,
		      struct strbuf *out)
{
	switch (h->type) {
	case 'd':
		emit_age(h->s, h->len, m->lang, out);
		break;
	case 'w':
		say(m, h->s, h->len, out);
		break;
	case 'l':
		say_list(m, h->s, h->len, out);
		break;
	default:
		words_datan(out, h->s, h->len);
	}
}

/* The translation `zh` with its holes filled. */
static void emit(struct matcher *m, const char *zh, int nh,
		 struct strbuf *out)
{
	int next = 0, in_code = 0;
	char type;
	size_t hl;

	while (*zh) {
		if (zh[0] == '{' && zh[1] >= '1' && zh[1] <= '9' && zh[2] == '}') {
			int i = zh[1] - '1';
			if (i < nh)
				emit_hole(m, &m->holes[i], out);
			zh += 3;
			continue;
		}
		hl = hole_at(zh, &type);
		if (hl) {
			if (next < nh)
				emit_hole(m, &m->holes[next++], out);
			zh += hl;
			continue;
		}
		/* `...` in a translation: a command or a name, kept (marked). */
		if (*zh == '`') {
			if (marking)
				strbuf_adds(out, in_code ? WORDS_MARK_CLOSE :
					    WORDS_MARK_OPEN);
			in_code = !in_code;
			zh++;
			continue;
		}
		strbuf_addch(out, *zh++);
	}
}

static int what_fits(struct matcher *m, const char *pat, const char *what)
{
	struct matcher sub = *m;

	if (!pat)
		return 1;
	if (!what)
		return 0;
	return match(&sub, pat, what, what + strlen(what), 0) >= 0;
}

/*
 * Say [t, t+len) through the tables; into `out` when it is not NULL
 * (NULL: only whether it can be said). Holes of a nested phrase use the
 * matcher's slots after a copy, so the outer ones are kept.
 */
static int say(struct matcher *m, const char *t, size_t len,
	       struct strbuf *out)
{
	const struct words *const *tab;
	const struct words *w;

	int pass;

	if (m->depth > 4 || len > MAX_TEXT)
		return 0;
	/*
	 * A value that is all data ("{}") is the last resort, after every
	 * table's phrases: "at least 5" is said even for a check whose
	 * other values are the server's.
	 */
	for (pass = 0; pass < 2; pass++)
	for (tab = m->tables; *tab; tab++)
		for (w = *tab; w->en; w++) {
			struct matcher sub = *m;
			int nh;

			if ((pass == 0) == !strcmp(w->en, "{}"))
				continue;
			if (!what_fits(m, w->what, m->what))
				continue;
			sub.depth++;
			nh = match(&sub, w->en, t, t + len, 0);
			if (nh < 0)
				continue;
			if (out)
				emit(&sub, w->zh, nh, out);
			return 1;
		}
	return 0;
}

int words_say(const struct words *const *tables, enum words_lang lang,
	      const char *what, const char *text, struct strbuf *out)
{
	struct matcher m;
	long work = 200000;

	if (!text)
		return 1;
	if (lang == WORDS_EN) {
		strbuf_adds(out, text);
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.work = &work;
	m.tables = tables;
	m.lang = lang;
	m.what = what;
	if (say(&m, text, strlen(text), out))
		return 1;
	strbuf_adds(out, text);
	return 0;
}

/* ---- durations ---------------------------------------------------------- */

void words_duration_ms(struct strbuf *sb, long long ms, enum words_lang l)
{
	int zh = l == WORDS_ZH;

	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		strbuf_addf(sb, zh ? "%lld 毫秒" : "%lld ms", ms);
	else if (ms < 60000)
		strbuf_addf(sb, zh ? "%.1f 秒" : "%.1f s", (double)ms / 1000.0);
	else if (ms < 3600000)
		strbuf_addf(sb, zh ? "%lld 分 %02lld 秒" : "%lldm%02llds",
			    ms / 60000, ms / 1000 % 60);
	else if (ms < 86400000)
		strbuf_addf(sb, zh ? "%lld 小时 %02lld 分" : "%lldh%02lldm",
			    ms / 3600000, ms / 60000 % 60);
	else
		strbuf_addf(sb, zh ? "%lld 天 %02lld 小时" : "%lldd%02lldh",
			    ms / 86400000, ms / 3600000 % 24);
}

void words_duration_s(struct strbuf *sb, long long secs, enum words_lang l)
{
	int zh = l == WORDS_ZH;

	if (secs % 86400 == 0 && secs)
		strbuf_addf(sb, zh ? "%lld 天" : "%lldd", secs / 86400);
	else if (secs % 3600 == 0 && secs)
		strbuf_addf(sb, zh ? "%lld 小时" : "%lldh", secs / 3600);
	else if (secs % 60 == 0 && secs)
		strbuf_addf(sb, zh ? "%lld 分钟" : "%lldm", secs / 60);
	else
		words_duration_ms(sb, secs * 1000, l);
}

void words_size(struct strbuf *sb, unsigned long long n)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		strbuf_addf(sb, "%llu B", n);
		return;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	strbuf_addf(sb, "%.1f %s", v, unit[u]);
}

/* ---- shared words ------------------------------------------------------- */

const struct words words_common[] = {
	{ NULL, "yes", "是" },
	{ NULL, "no", "否" },
	{ NULL, "none", "无" },
	{ NULL, "set", "已设置" },
	{ NULL, "not set", "未设置" },
	{ NULL, "empty", "为空" },
	{ NULL, "found", "找到" },
	{ NULL, "present", "存在" },
	{ NULL, "exit 0", "退出码 0" },
	{ NULL, "exit {n}", "退出码 {n}" },
	{ NULL, "at least 1", "至少 1" },
	{ NULL, "at least {n}", "至少 {n}" },
	{ NULL, ">= {n}", "≥ {n}" },
	{ NULL, "{n} bytes", "{n} 字节" },
	{ NULL, "{n} byte", "{n} 字节" },
	{ NULL, "{n} MiB free", "{n} MiB 可用" },
	{ NULL, "yes: {w}", "是：{w}" },
	WORDS_END
};

const char *const words_fixed_terms[] = {
	/* measures and hashes */
	"RTO", "RPO", "SHA-256", "SHA256", "sha256", "UTC", "NTP", "Ed25519",
	/* the bundle's seal file, as rdrill names it */
	"SEAL",
	/* PostgreSQL and what it calls its parts */
	"PostgreSQL", "SQL", "TOC", "WAL", "LSN", "COPY", "libpq", "Dump",
	/* the libraries the environment record names */
	"OpenSSL", "libyaml", "jansson",
	/* verdicts and states, as the journal and the tables say them */
	"PASSED", "FAILED", "SKIPPED", "REFUSED", "ABORTED", "NOT", "RUN",
	"PLANNED", "INCOMPLETE", "DEMONSTRATED", "RESTORED", "OVERDUE",
	"INFORMATIVE", "MEASURED", "CONSISTENT", "DIFFERS",
	/* units */
	"B", "KiB", "MiB", "GiB", "TiB",
	/* programs and rdrill's own names, as the drill file spells them */
	"rdrill", "pg_dump", "pg_restore", "pg_verifybackup", "pgbackrest",
	"pgBackRest", "tar", "sha256sum", "canary", "Stanza", "stanza", "dry-run",
	/* the host's */
	"CPU", "uid",
	NULL,
};
