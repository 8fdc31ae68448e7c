#include "report.h"
#include "restored.h"
#include "backup.h"
#include "drill.h"
#include "step.h"
#include "clock.h"
#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "fsutil.h"
#include "markdown.h"
#include "mustache.h"
#include "plan.h"
#include "schema.h"
#include "sha256.h"
#include "version.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <cmark-gfm.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- small JSON helpers ---------------------------------------------- */

void report_view_str(json_t *o, const char *k, const char *v)
{
	if (v && *v)
		json_object_set_new(o, k, json_string(v));
}
#define set_str report_view_str

void report_view_data(json_t *o, const char *k, const char *v)
{
	struct strbuf sb = STRBUF_INIT;

	if (!v || !*v)
		return;
	words_data(&sb, v);
	set_str(o, k, sb.buf);
	strbuf_release(&sb);
}
#define set_data report_view_data

void report_view_block(json_t *o, const char *k, const char *s, size_t len,
		       const char *info)
{
	struct strbuf sb = STRBUF_INIT;

	markdown_code_block(&sb, s, len, info);
	json_object_set_new(o, k, json_stringn(sb.buf, sb.len));
	strbuf_release(&sb);
}
#define set_block report_view_block

void report_view_code(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	struct strbuf sb = STRBUF_INIT, k = STRBUF_INIT;

	if (!v || !*v)
		return;
	markdown_code_span_cell(&sb, v, strlen(v));
	strbuf_addf(&k, "%s_code", key);
	json_object_set_new(o, k.buf, json_stringn(sb.buf, sb.len));
	strbuf_release(&sb);
	strbuf_release(&k);
}

#define add_code report_view_code

static void add_codes(json_t *o, const char *const *keys)
{
	for (; *keys; keys++)
		add_code(o, *keys);
}

/*
 * What ties a report, printed or not, to its evidence (issue 20): the
 * bundle's name, the journal's chain head (the SHA-256 of the last
 * record's line: SEAL's journal-head, which the seal and its signature
 * vouch for; not the seal's own hash, which covers this report), and the
 * verify command to run in the bundle's parent directory, with the
 * seal's key fingerprint when it was signed. The records are re-dumped
 * exactly as journal_append() wrote them (compact, ASCII, in order), so
 * the head is the line's hash; t1354 checks it against SEAL. A killed
 * run (no end record) is sealed later by whoever runs `rdrill render`,
 * with their key if any: its command names no key.
 */
static void view_evidence_id(json_t *view, json_t *last,
			     const struct jrecord_start *st, int sealed_by_run,
			     int lang)
{
	const char *bundle = st->bundle;
	const char *key = st->signing_key;
	char *line = last ? json_dumps(last, JSON_COMPACT | JSON_ENSURE_ASCII) :
		     NULL;
	struct strbuf cmd = STRBUF_INIT;
	char head[SHA256_HEX_LEN + 1] = "?";

	if (line) {
		sha256_hex(line, strlen(line), head);
		set_data(view, "chain_head", head);
		add_code(view, "chain_head");
		free(line);
	}
	if (!*bundle)
		return; /* a journal from before bundles were named */
	set_data(view, "bundle_name", bundle);
	add_code(view, "bundle_name");
	strbuf_adds(&cmd, "rdrill verify ");
	/* Pasted into a shell: quoted unless plainly safe. */
	if (bundle[0] != '-' && strspn(bundle, "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(bundle))
		strbuf_adds(&cmd, bundle);
	else
		strbuf_add_shquoted(&cmd, bundle);
	if (*key && sealed_by_run)
		strbuf_addf(&cmd, " --key SHA256:%s", key);
	set_data(view, "verify_command", cmd.buf);
	add_code(view, "verify_command");
	/* The print footer: plain text, the CSS string escapes it. */
	strbuf_reset(&cmd);
	strbuf_addf(&cmd, lang == WORDS_ZH ? "%s · 日志链头 %s" :
		    "%s · journal head %s", bundle, head);
	set_str(view, "print_footer", cmd.buf);
	strbuf_release(&cmd);
}

/*
 * How the run was approved (cmd-run.c writes context.approval): who
 * signed the reviewed plan bundle off as approver, with which key (the
 * approver the report names; the drill file's `approver:` is only a
 * name), when the bundle was sealed, until when it approves, and the
 * values that rolled forward with the date since the review.
 */
static void view_approval(json_t *view, const struct jrecord_approval *ap)
{
	json_t *rolled = json_array();
	const char *bundle = ap->plan_bundle;
	const char *slash = strrchr(bundle, '/');
	size_t i;

	set_data(view, "approver_signed", ap->approver);
	set_data(view, "approver_key", ap->approver_key);
	set_data(view, "approval_bundle", slash && slash[1] ? slash + 1 : bundle);
	add_code(view, "approval_bundle");
	set_data(view, "approval_sealed", ap->sealed_at);
	set_data(view, "approval_until", ap->valid_until);
	for (i = 0; i < ap->nrolled; i++) {
		json_t *o = json_object();

		set_data(o, "name", ap->rolled[i].name);
		set_data(o, "from", ap->rolled[i].from);
		set_data(o, "to", ap->rolled[i].to);
		add_code(o, "name");
		add_code(o, "from");
		add_code(o, "to");
		if (i)
			json_object_set_new(o, "not_first", json_true());
		json_array_append_new(rolled, o);
	}
	json_object_set_new(view, "has_rolled",
			    json_boolean(json_array_size(rolled) > 0));
	json_object_set_new(view, "rolled_forward", rolled);
}

/*
 * The report's language and its tables. `lang` is enum words_lang; a
 * value said through `say_*` is rdrill's words (translated), through
 * `set_data` the drill's or a server's text (kept, marked for tests).
 */
static void format_duration_ms(struct strbuf *sb, long long ms, int lang)
{
	words_duration_ms(sb, ms, lang);
}

static json_t *duration_string(long long secs, int lang)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *r;

	words_duration_s(&sb, secs, lang);
	r = json_string(sb.buf);
	strbuf_release(&sb);
	return r;
}

/*
 * `text`, a check's part or a line some module journaled in English,
 * said in the report's language through `tables` (words.h). `what`: the
 * check the value belongs to, NULL for a label.
 */
static void set_said(json_t *o, const char *k, const struct words *const *tables,
		     const char *what, const char *v, int lang)
{
	struct strbuf sb = STRBUF_INIT;

	if (!v || !*v)
		return;
	/* ">= 10" would need a backslash in report.md (a block quote). */
	if (lang == WORDS_EN && !strncmp(v, ">= ", 3))
		strbuf_addf(&sb, "≥ %s", v + 3);
	else
		words_say(tables, lang, what, v, &sb);
	set_str(o, k, sb.buf);
	strbuf_release(&sb);
}

/* Append `text` said through the run's words to the array `arr`. */
static void add_said(json_t *arr, const char *text, int lang);

/* A check {what, expected, actual, ok} as a table row. */
static void set_check(json_t *o, const struct words *const *tables,
		      const struct jrecord_check *c, int lang)
{
	set_said(o, "what", tables, NULL, c->what, lang);
	set_said(o, "expected", tables, c->what, c->expected, lang);
	set_said(o, "actual", tables, c->what, c->actual, lang);
}

/*
 * Preflight's checks: its own words and the kinds' (a kind's preflight
 * hook adds checks of its own, preflight_add()).
 */
static const struct words *const *preflight_tables(void)
{
	static const struct words *t[64];
	const struct step_kind *const *k;
	size_t n = 0;

	if (t[0])
		return t;
	t[n++] = words_preflight;
	for (k = step_kinds; *k && n < 62; k++)
		if ((*k)->words)
			t[n++] = (*k)->words;
	t[n++] = words_common;
	t[n] = NULL;
	return t;
}
static const struct words *const plan_words_tables[] = { words_plan,
	words_common, NULL };
static const struct words *const run_tables[] = { words_run, words_common,
	NULL };

static void add_said(json_t *arr, const char *text, int lang)
{
	struct strbuf sb = STRBUF_INIT;

	words_say(run_tables, lang, NULL, text, &sb);
	json_array_append_new(arr, json_string(sb.buf));
	strbuf_release(&sb);
}

/* The tables a step's texts are said through: its kind's, then shared. */
static void kind_tables(const struct step_kind *k,
			const struct words *tables[4])
{
	tables[0] = k->words ? k->words : words_common;
	tables[1] = words_pick;
	tables[2] = words_common;
	tables[3] = NULL;
}

/* ---- times in the run's zone ------------------------------------------ */

/*
 * The run's UTC offset, in minutes, from the start record's zone
 * (envinfo.h: "CET (UTC+0100)"). The verifier's own zone, locale and
 * tz database play no part, so a report renders the same anywhere; 0
 * when the journal predates the record or holds something else.
 */
static int zone_offset_min(const char *zone)
{
	const char *p = zone ? strstr(zone, "(UTC") : NULL;
	int sign, h, m;

	if (!p || (p[4] != '+' && p[4] != '-'))
		return 0;
	sign = p[4] == '-' ? -1 : 1;
	p += 5;
	if (strspn(p, "0123456789") != 4 || p[4] != ')')
		return 0;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[2] - '0') * 10 + (p[3] - '0');
	if (h > 14 || m > 59)
		return 0;
	return sign * (h * 60 + m);
}

/* "UTC+0100" of the zone string, or "UTC". */
static void zone_short(struct strbuf *sb, const char *zone)
{
	const char *p = zone ? strstr(zone, "(UTC") : NULL;
	size_t n = p ? strcspn(p + 1, ")") : 0;

	if (p && zone_offset_min(zone) && n <= 8)
		strbuf_add(sb, p + 1, n);
	else
		strbuf_adds(sb, "UTC");
}

#define iso_ms clock_parse_utc_ms

/* "2026-12-02 09:03:33" (date 1) or "09:03:33" of ms in the zone. */
static void local_time(struct strbuf *sb, long long ms, int off_min,
		       int date)
{
	long long t = ms / 1000 + off_min * 60LL, days = t / 86400, z, era;
	long long doe, yoe, doy, mp, y, m, d, secs = t % 86400;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	if (date)
		strbuf_addf(sb, "%04lld-%02lld-%02lld ", y, m, d);
	strbuf_addf(sb, "%02lld:%02lld:%02lld", secs / 3600, secs / 60 % 60,
		    secs % 60);
}

static void set_local(json_t *o, const char *k, const char *iso, int off,
		      int date)
{
	long long ms = iso_ms(iso);
	struct strbuf sb = STRBUF_INIT;

	if (ms < 0)
		return;
	local_time(&sb, ms, off, date);
	set_str(o, k, sb.buf);
	strbuf_release(&sb);
}

/* ---- the view -------------------------------------------------------- */

/*
 * The journal's records by what they are (jrecord.h): step records by
 * their n, once (a later record of the same n, as written after a
 * failed append, replaces the first), as an index into jr->step, so
 * building the view is linear; each is parsed only while its step is
 * viewed.
 */
struct records {
	const struct jrecords *jr;
	json_t *start, *end, *preflight;
	size_t *step;           /* [n - 1]: 1 + its index in jr->step, 0: none */
	size_t nsteps;
};

static void index_records(struct records *ix, const struct jrecords *jr,
			  size_t nsteps)
{
	size_t i;

	memset(ix, 0, sizeof(*ix));
	ix->jr = jr;
	ix->start = jr->start;
	ix->end = jr->end;
	ix->preflight = jr->preflight;
	ix->nsteps = nsteps;
	ix->step = xcalloc(nsteps ? nsteps : 1, sizeof(*ix->step));
	for (i = 0; i < jr->nsteps; i++) {
		long long n = jr->step[i].n;

		if (n >= 1 && (unsigned long long)n <= nsteps && !ix->step[n - 1])
			ix->step[n - 1] = i + 1;
	}
}

/*
 * A log in the report: its first LOG_HEAD_LINES and last LOG_TAIL_LINES
 * lines (where a failure says why), the middle left to the full log the
 * report links (a printed report must not grow with a chatty program);
 * how many bytes are left out is said. `head` and `tail` are what the
 * journal kept of its start and end (tail empty: head is the whole log).
 */
#define LOG_HEAD_LINES 3
#define LOG_TAIL_LINES 6

/* Bytes of the first `n` lines of `s` (all of it when fewer). */
static size_t first_lines(const char *s, size_t n)
{
	const char *p = s;

	while (n-- && *p) {
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return (size_t)(p - s);
}

/* Offset in `s` where its last `n` lines start (a final '\n' ends one). */
static size_t last_lines(const char *s, size_t n)
{
	size_t i = strlen(s);

	if (i && s[i - 1] == '\n')
		i--;
	while (i) {
		if (s[i - 1] == '\n' && !--n)
			break;
		i--;
	}
	return i;
}

static void log_excerpt(struct strbuf *sb, const char *head,
			const char *tail, unsigned long long bytes, int lang)
{
	const char *end = *tail ? tail : head;
	size_t hn = first_lines(head, LOG_HEAD_LINES), tn = last_lines(end,
			LOG_TAIL_LINES);
	unsigned long long shown;
	struct strbuf part = STRBUF_INIT;

	/* Short enough whole: no cut in the middle (as the journal kept). */
	if (!*tail && first_lines(head, LOG_HEAD_LINES + LOG_TAIL_LINES + 1) ==
	    strlen(head)) {
		words_data(sb, head);
		return;
	}
	if (!*tail && tn < hn)
		tn = hn;
	strbuf_add(&part, head, hn);
	words_data(sb, part.buf);
	shown = hn + strlen(end + tn);
	if (bytes > shown)
		strbuf_addf(sb, lang == WORDS_ZH ?
			    "%s[……省略 %llu 字节，见完整日志……]\n" :
			    "%s[... %llu bytes omitted: see the "
			    "full log ...]\n", hn &&
			    head[hn - 1] != '\n' ? "\n" : "",
			    bytes - shown);
	words_data(sb, end + tn);
	strbuf_release(&part);
}

static void add_stream(json_t *vs, const struct jrecord_stream *s,
		       const char *which, int lang)
{
	struct strbuf sb = STRBUF_INIT;
	char key[32];
	unsigned long long bytes;
	const char *head, *tail;

	if (!s->present)
		return;
	bytes = s->bytes;
	snprintf(key, sizeof(key), "%s_path", which);
	set_data(vs, key, s->path);
	snprintf(key, sizeof(key), "%s_href", which);
	markdown_link_dest(&sb, s->path);
	set_data(vs, key, sb.buf);
	strbuf_reset(&sb);
	snprintf(key, sizeof(key), "%s_bytes", which);
	json_object_set_new(vs, key, json_integer((json_int_t)bytes));
	if (!bytes) {
		strbuf_release(&sb);
		return;
	}
	head = s->head;
	tail = s->tail;
	log_excerpt(&sb, head, tail, bytes, lang);
	snprintf(key, sizeof(key), "%s_block", which);
	set_block(vs, key, sb.buf, sb.len, "text");
	strbuf_release(&sb);
}

static const char *status_word(const char *s)
{
	if (!strcmp(s, "passed")) return "PASSED";
	if (!strcmp(s, "failed")) return "FAILED";
	if (!strcmp(s, "skipped")) return "SKIPPED";
	if (!strcmp(s, "refused")) return "REFUSED";
	if (!strcmp(s, "aborted")) return "ABORTED";
	return "NOT RUN";
}

/* The keys every step has (a kind's own are its view hook's to set). */
static const char *const step_keys[] = {
	"started", "ended", "duration", "message", "note", "exit_code",
	"timed_out", "evidence", "stdout_block", "stderr_block", "has_target",
	"target_lines", "started_time", "journal_line", NULL,
};

/*
 * "connection NAME: ..." (plan_conn_target), said again in Chinese from
 * the drill's own connection. 0: not such a line.
 */
static int conn_line_zh(const struct drill *d, const char *line,
			struct strbuf *sb)
{
	const char *colon = strstr(line, ": ");
	struct strbuf name = STRBUF_INIT;
	const struct drill_conn *c;

	if (strncmp(line, "connection ", 11) || !colon)
		return 0;
	strbuf_add(&name, line + 11, colon - (line + 11));
	c = drill_conn(d, name.buf);
	if (c) {
		strbuf_adds(sb, "连接 ");
		words_data(sb, name.buf);
		strbuf_adds(sb, "：数据库 ");
		if (c->dbname)
			words_data(sb, c->dbname);
		else
			strbuf_adds(sb, "（libpq 默认）");
		if (c->host) {
			strbuf_adds(sb, "，主机 ");
			words_data(sb, c->host);
		}
		if (c->port.set)
			strbuf_addf(sb, "，端口 %ld", c->port.v);
		strbuf_adds(sb, "，用户 ");
		if (c->user)
			words_data(sb, c->user);
		else
			strbuf_adds(sb, "（libpq 默认）");
		if (c->password_env || c->password_file) {
			strbuf_adds(sb, "（密码取自 ");
			if (c->password_env)
				strbuf_addch(sb, '$');
			words_data(sb, c->password_env ? c->password_env :
				   c->password_file);
			strbuf_adds(sb, "）");
		}
	}
	strbuf_release(&name);
	return c != NULL;
}

/*
 * A "LABEL: CODE" target line whose label is one of the kind's
 * (WORDS_TARGET_LABEL entries): the label said, the rest as code (no
 * escapes in it, report.md reads as the SQL that runs), less a tail the
 * kind says apart (WORDS_TARGET_TAIL).
 */
static int code_line(const struct words *const *tables, const char *line,
		     int lang, json_t *o)
{
	const char *colon = strstr(line, ": ");
	const struct words *const *t;
	const struct words *w, *label = NULL, *tail = NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *code;
	size_t n;

	if (!colon)
		return 0;
	code = colon + 2;
	n = strlen(code);
	for (t = tables; *t; t++)
		for (w = *t; w->en; w++) {
			size_t tl = strlen(w->en);
			if (!w->what)
				continue;
			if (!strcmp(w->what, WORDS_TARGET_LABEL) && !label &&
			    strlen(w->en) == (size_t)(colon - line) &&
			    !strncmp(line, w->en, colon - line))
				label = w;
			else if (!strcmp(w->what, WORDS_TARGET_TAIL) && !tail &&
				 n > tl && !strcmp(code + n - tl, w->en))
				tail = w;
		}
	if (!label)
		return 0;
	strbuf_addf(&sb, "%s%s", lang == WORDS_ZH ? label->zh : label->en,
		    lang == WORDS_ZH ? "：" : ":");
	set_str(o, "text", sb.buf);
	strbuf_reset(&sb);
	if (words_marking())
		strbuf_adds(&sb, WORDS_MARK_OPEN);
	markdown_code_span(&sb, code, tail ? n - strlen(tail->en) : n);
	if (words_marking())
		strbuf_adds(&sb, WORDS_MARK_CLOSE);
	if (tail)
		strbuf_adds(&sb, lang == WORDS_ZH ? tail->zh : tail->en);
	json_object_set_new(o, "code", json_string(sb.buf));
	strbuf_release(&sb);
	return 1;
}

/*
 * One line of what a step touches (step_kind.target), for the report:
 * {"text", "code"}.
 */
static json_t *target_line(const struct drill *d,
			   const struct words *const *tables, const char *line,
			   int lang)
{
	json_t *o = json_object();
	struct strbuf sb = STRBUF_INIT;

	json_object_set_new(o, "code", json_null());
	if (code_line(tables, line, lang, o))
		;
	else if (lang == WORDS_ZH && conn_line_zh(d, line, &sb))
		set_str(o, "text", sb.buf);
	else if (lang == WORDS_EN)
		set_data(o, "text", line);
	else
		set_said(o, "text", tables, NULL, line, lang);
	strbuf_release(&sb);
	return o;
}

/* The step as planned: what it is, what it touches, when it runs. */
static void view_step_plan(const struct drill *d, const struct drill_step *step,
			   json_t *vs, int lang)
{
	const struct words *tables[4];
	struct strbuf sb = STRBUF_INIT;
	const char *kind = step->kind->name;
	char key[32];
	size_t i;

	kind_tables(step->kind, tables);
	/*
	 * Mustache looks a name up the context stack: a key this step lacks
	 * would be found in the report's own view (the run's "started", the
	 * summary "checks"). Each is null here until the step sets it.
	 */
	for (i = 0; step_keys[i]; i++)
		json_object_set_new(vs, step_keys[i], json_null());
	json_object_set_new(vs, "n", json_integer(step->n));
	set_data(vs, "id", step->id);
	set_data(vs, "title", step->title && *step->title ? step->title :
		 step->id);
	set_data(vs, "note", step->note);
	/* "kind" is shown (an identifier); "kind_id" finds its partial. */
	set_data(vs, "kind", kind);
	set_str(vs, "kind_id", kind);
	snprintf(key, sizeof(key), "kind_%s", kind);
	json_object_set_new(vs, key, json_true());
	json_object_set_new(vs, "destructive", json_boolean(step->destructive));
	json_object_set_new(vs, "timeout", duration_string(step->timeout_s,
							   lang));
	if (step->kind->target) {
		struct strvec lines = STRVEC_INIT;
		json_t *arr = json_array();
		step->kind->target(d, step, &lines);
		for (i = 0; i < lines.nr; i++)
			json_array_append_new(arr, target_line(d, tables,
							       lines.v[i], lang));
		json_object_set_new(vs, "has_target",
				    json_boolean(lines.nr > 0));
		json_object_set_new(vs, "target_lines", arr);
		strvec_clear(&lines);
	}
	plan_step_when(step, &sb);
	/* null, not absent: no name may resolve to an outer context's. */
	json_object_set_new(vs, "when", json_null());
	set_said(vs, "when", plan_words_tables, NULL, sb.buf, lang);
	strbuf_reset(&sb);
	plan_step_describe(step, &sb);
	if (lang == WORDS_EN)
		set_data(vs, "describe", sb.buf);
	else
		set_said(vs, "describe", tables, NULL, sb.buf, lang);
	/* For partials whose line is code (SQL): no escapes in it. */
	add_code(vs, "describe");
	strbuf_release(&sb);
}

/* The record's status, times, exit and logs. */
static void view_step_result(json_t *vs, const struct jrecord_result *r,
			     int off, int lang)
{
	struct strbuf sb = STRBUF_INIT;

	set_str(vs, "status", status_word(r->status));
	json_object_set_new(vs, "has_result", json_true());
	set_data(vs, "started", r->started);
	set_data(vs, "ended", r->ended);
	set_local(vs, "started_time", r->started, off, 0);
	if (r->has_seq)
		json_object_set_new(vs, "journal_line",
				    json_integer((json_int_t)r->seq + 1));
	format_duration_ms(&sb, r->duration_ms, lang);
	set_str(vs, "duration", sb.buf);
	if (r->exit_code)
		json_object_set(vs, "exit_code", r->exit_code);
	if (r->timed_out)
		json_object_set_new(vs, "timed_out", json_true());
	set_data(vs, "message", r->message);
	add_stream(vs, &r->out, "stdout", lang);
	add_stream(vs, &r->err, "stderr", lang);
	if (r->evidence)
		json_object_set(vs, "evidence", r->evidence);
	strbuf_release(&sb);
}

/* The record's checks, into the step's table and the summary's. */
static void view_step_checks(const struct drill_step *step, json_t *vs,
			     const struct jrecord_result *r, json_t *checks_out,
			     int lang)
{
	const struct words *tables[4];
	json_t *vc = json_array();
	size_t i;

	kind_tables(step->kind, tables);
	for (i = 0; i < r->nchecks; i++) {
		json_t *o = json_object();
		set_str(o, "step", journal_str(vs, "title"));
		set_check(o, tables, &r->checks[i], lang);
		set_str(o, "result", r->checks[i].ok ? "PASSED" : "FAILED");
		json_array_append(vc, o);
		if (checks_out)
			json_array_append(checks_out, o);
		json_decref(o);
	}
	/*
	 * A step's one check, its exit code, passed: said on the status
	 * line (what was expected beside the exit code) rather than in a
	 * table of one row; the summary of checks counts it.
	 */
	if (r->nchecks == 1 && r->checks[0].ok && r->checks[0].what &&
	    !strcmp(r->checks[0].what, "exit code")) {
		json_object_set(vs, "exit_expected", json_object_get(
			json_array_get(vc, 0), "expected"));
		json_array_clear(vc);
	}
	json_object_set_new(vs, "has_checks",
			    json_boolean(json_array_size(vc) > 0));
	json_object_set_new(vs, "checks", vc);
}

static json_t *view_step(const struct drill *d, const struct drill_step *step,
			 json_t *rec, const struct jrecord_result *r,
			 json_t *end, json_t *report, json_t *checks_out,
			 int planned, int off, int lang)
{
	json_t *vs = json_object();
	struct step_view sv;

	view_step_plan(d, step, vs, lang);
	/*
	 * Mustache looks a name up the context stack: a step whose record
	 * has no checks must say so here, or {{#checks}} in its partial
	 * finds the report's summary table and shows other steps' checks
	 * as its own.
	 */
	json_object_set_new(vs, "checks", json_array());
	json_object_set_new(vs, "has_checks", json_false());
	if (!rec) {
		/* A dry-run plans every step; a run that stopped skipped it. */
		set_str(vs, "status", planned ? "PLANNED" : "SKIPPED");
		json_object_set_new(vs, "not_run", json_true());
		/* Planned checks still go in the tables, expected only. */
		if (!step->kind->no_planned_check && checks_out) {
			json_t *c = json_object();
			set_str(c, "step", journal_str(vs, "title"));
			set_str(c, "what", journal_str(vs, "kind"));
			set_str(c, "expected", journal_str(vs, "describe"));
			set_str(c, "result", planned ? "PLANNED" : "SKIPPED");
			json_array_append_new(checks_out, c);
		}
	} else {
		view_step_result(vs, r, off, lang);
		view_step_checks(step, vs, r, checks_out, lang);
	}
	if (step->kind->view) {
		const struct schema *vrs = step->kind->view_record;
		void *vr = NULL;
		if (rec && vrs) {
			vr = xcalloc(1, vrs->size);
			schema_bind_lenient(vrs, rec, vr);
		}
		sv.drill = d;
		sv.step = step;
		sv.vr = vr;
		sv.has_evidence = r && r->evidence;
		sv.ended = end != NULL;
		sv.vs = vs;
		sv.report = report;
		sv.lang = lang;
		step->kind->view(&sv);
		if (vr) {
			schema_release(vrs, vr);
			free(vr);
		}
	}
	return vs;
}

/* The preflight record's checks, as the report's table. */
static void view_preflight(json_t *view, json_t *rec, int lang)
{
	struct jrecord_result r;
	json_t *out;
	size_t i;

	if (!rec)
		return;
	jrecord_result_read(rec, &r);
	out = json_array();
	for (i = 0; i < r.nchecks; i++) {
		json_t *o = json_object();
		set_check(o, preflight_tables(), &r.checks[i], lang);
		set_str(o, "result", r.checks[i].ok ? "PASSED" : "FAILED");
		json_array_append_new(out, o);
	}
	json_object_set_new(view, "preflight_run", json_true());
	json_object_set_new(view, "preflight_checks", out);
	jrecord_result_release(&r);
}

static void view_backup_set(json_t *view, const struct drill *d)
{
	json_t *out = json_array();
	size_t i, j;

	for (i = 0; i < d->nitems; i++) {
		const struct drill_item *it = &d->items[i];
		json_t *o = json_object();
		struct strbuf sb = STRBUF_INIT;
		char key[32];

		set_data(o, "id", it->id);
		set_data(o, "title", it->title);
		json_object_set_new(o, "tier", json_integer(it->tier.v));
		set_data(o, "kind", it->kind);
		set_data(o, "artifact", it->artifact);
		set_data(o, "method", it->method);
		set_data(o, "container", it->container);
		set_data(o, "database", it->database);
		set_data(o, "owner", it->owner);
		set_data(o, "role", it->role);
		set_data(o, "evidence", it->evidence);
		set_data(o, "why", it->why);
		snprintf(key, sizeof(key), "tier%ld", it->tier.v);
		json_object_set_new(o, key, json_true());
		snprintf(key, sizeof(key), "kind_%s", it->kind);
		json_object_set_new(o, key, json_true());
		json_object_set_new(o, "index", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "not_first", json_boolean(i > 0));
		/* A kind that knows the artifact's size fills it (checksum). */
		json_object_set_new(o, "size_text", json_null());
		if (it->artifact) {
			const char *base = strrchr(it->artifact, '/');
			set_data(o, "artifact_base", base ? base + 1 : it->artifact);
		}
		{
			static const char *const keys[] = { "container",
				"database", "method", "owner", "artifact",
				"artifact_base", NULL };
			add_codes(o, keys);
		}
		for (j = 0; j < it->source.nr; j++) {
			words_data(&sb, it->source.v[j]);
			strbuf_addch(&sb, '\n');
		}
		set_block(o, "source_block", sb.buf, sb.len, "text");
		if (it->evidence) {
			strbuf_reset(&sb);
			words_data(&sb, it->evidence);
			set_block(o, "evidence_block", sb.buf, sb.len, "bash");
		}
		json_array_append_new(out, o);
		strbuf_release(&sb);
	}
	json_object_set_new(view, "backup_set", out);
}

static void split_lines(json_t *view, const char *key, const char *text)
{
	json_t *arr = json_array();
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n) {
			struct strbuf sb = STRBUF_INIT;
			words_datan(&sb, p, n);
			json_array_append_new(arr, json_stringn(sb.buf, sb.len));
			strbuf_release(&sb);
		}
		p += n + (nl ? 1 : 0);
	}
	json_object_set_new(view, key, arr);
}

/*
 * What the RTO and RPO rows said, kept for the findings (a FAILED row
 * is one): the target and the figure as the rows word them.
 */
struct verdict {
	int failed;
	struct strbuf target, measured;
};

static void verdict_release(struct verdict *v)
{
	strbuf_release(&v->target);
	strbuf_release(&v->measured);
}

static void set_target(json_t *o, struct verdict *v, long long secs, int lang)
{
	words_duration_s(&v->target, secs, lang);
	json_object_set_new(o, "target", json_string(v->target.buf));
}

static void set_measured(json_t *o, struct verdict *v, long long ms, int lang)
{
	format_duration_ms(&v->measured, ms, lang);
	set_str(o, "measured", v->measured.buf);
}

static void set_result(json_t *o, struct verdict *v, const char *result)
{
	v->failed = !strcmp(result, "FAILED");
	set_str(o, "result", result);
}

/* `has`: the end record (`ended`) measured `ms`. */
static void view_measure(json_t *view, const struct schema_int *target,
			 int ended, int has, long long ms, const char *what,
			 struct verdict *v, int lang)
{
	json_t *o = json_object();

	if (target->set)
		set_target(o, v, target->v, lang);
	else
		json_object_set_new(o, "informative", json_true());
	if (has) {
		set_measured(o, v, ms, lang);
		if (target->set)
			set_result(o, v, ms <= target->v * 1000 ?
				   "PASSED" : "FAILED");
		else
			set_str(o, "result", "INFORMATIVE");
	} else if (ended) {
		/* A row with no figure still says so: no blank result. */
		set_str(o, "result", "NOT MEASURED");
	}
	json_object_set_new(view, what, o);
}

static void set_clock(json_t *o, const char *clock)
{
	char key[32];

	if (!*clock)
		return;
	snprintf(key, sizeof(key), "clock_%s", clock);
	json_object_set_new(o, key, json_true());
}

/*
 * A data-lost row's result, from the runner's comparison with the RPO
 * (runner.c: coherence): CONSISTENT (the rows lost were written after
 * the backup was made: the RPO covers them), DIFFERS (why, in the
 * template's words), FAILED (a clock is no evidence), or INFORMATIVE
 * (no scheduled backup's creation time to compare with).
 */
static void view_coherence(json_t *f, const struct jrecord_fresh *x, int lang)
{
	const char *c = x->coherence;
	struct strbuf sb = STRBUF_INIT, k = STRBUF_INIT;
	long long made = x->backup_made_ms;

	set_str(f, "result", !*c ? (x->has_lost ?
		"INFORMATIVE" : "NOT MEASURED") : !strcmp(c, "agrees") ?
		"CONSISTENT" : !strcmp(c, "differs") ? "DIFFERS" : "FAILED");
	if (!*c) {
		strbuf_release(&sb);
		strbuf_release(&k);
		return;
	}
	strbuf_addf(&k, "coh_%s", c);
	json_object_set_new(f, k.buf, json_true());
	if (!strcmp(c, "agrees")) {
		long long bm = x->before_ms, am = x->after_ms;
		format_duration_ms(&sb, bm > made ? bm - made : 0, lang);
		set_str(f, "after_backup", sb.buf);
		strbuf_reset(&sb);
		/* Under a minute is the header's seconds and the dump's run. */
		if (made - am > 60000) {
			format_duration_ms(&sb, made - am, lang);
			set_str(f, "quiet", sb.buf);
		}
	}
	strbuf_release(&sb);
	strbuf_release(&k);
}

static void add_findings(json_t *finds, const struct jrecord_findings *f,
			 int lang)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		add_said(finds, f->v[i], lang);
}

/* A backup record's pick as a backups_picked line. */
static json_t *view_picked(const struct jrecord_backup *b)
{
	static const char *const keys[] = { "item", "rule", "chosen", NULL };
	json_t *p = json_object();

	set_data(p, "item", b->item);
	set_data(p, "rule", b->rule);
	set_data(p, "chosen", b->chosen);
	set_data(p, "created", b->created);
	set_data(p, "problem", b->problem);
	set_clock(p, b->clock);
	json_object_set_new(p, "ncandidates",
			    json_integer((json_int_t)b->ncandidates));
	if (b->fell_back)
		json_object_set_new(p, "fell_back", json_true());
	add_codes(p, keys);
	return p;
}

/* An end record's freshness row: the data lost in one table. */
static json_t *view_fresh(const struct jrecord_fresh *x, int lang)
{
	static const char *const keys[] = { "table", "column", "before",
		"after", NULL };
	json_t *f = json_object();

	set_data(f, "table", x->table);
	set_data(f, "column", x->column);
	set_data(f, "before", x->before ? x->before : "NULL");
	set_data(f, "after", x->after ? x->after : "-");
	if (x->lost_is_int) {
		struct strbuf sb = STRBUF_INIT;
		long long ms = x->lost_ms;
		if (ms < 0)
			strbuf_addch(&sb, '-');
		format_duration_ms(&sb, ms < 0 ? -ms : ms, lang);
		set_str(f, "lost", sb.buf);
		strbuf_release(&sb);
	}
	add_codes(f, keys);
	view_coherence(f, x, lang);
	return f;
}

/*
 * The RPO row: what was measured between which two recorded events.
 * rpo.scheduled: a scheduled backup's creation time (its clock: archive,
 * tar or mtime) -> the disaster; rpo.own_backup: the drill's own backup,
 * NOT DEMONSTRATED whatever its figure; rpo.none: nothing to measure.
 * rpo_findings: what the pick and the measure noticed; backups_picked:
 * one line per scheduled item; freshness: the data lost by table.
 */
static void view_rpo(json_t *view, const struct drill *d, json_t *records,
		     const struct jrecord_end *end, struct verdict *v, int lang)
{
	json_t *o = json_object(), *finds = json_array(), *picked = json_array();
	json_t *fresh = json_array(), *rec;
	const struct schema_int *target = d->targets ? &d->targets->rpo_s : NULL;
	struct jrecord_backup b;
	size_t i;
	int own = 0;

	for (i = 0; i < d->nsteps; i++)
		own |= d->steps[i].phase == DRILL_BACKUP;
	if (target && target->set)
		set_target(o, v, target->v, lang);
	if (drill_nscheduled(d))
		json_object_set_new(o, "scheduled", json_true());
	else if (own)
		json_object_set_new(o, "own_backup", json_true());
	else
		json_object_set_new(o, "none", json_true());
	if (end->has_rpo)
		set_measured(o, v, end->rpo_ms, lang);
	if (drill_nscheduled(d)) {
		set_data(o, "path", end->rpo_path);
		set_data(o, "created", end->rpo_created);
		set_data(o, "disaster", end->rpo_disaster);
		set_said(o, "unmeasured", run_tables, NULL, end->rpo_unmeasured,
			 lang);
		set_clock(o, end->rpo_clock);
		add_code(o, "path");
		if (end->rpo_doubtful)
			set_result(o, v, "FAILED");
		else if (end->has_rpo && target && target->set)
			set_result(o, v, end->rpo_ms <= target->v * 1000 ?
				   "PASSED" : "FAILED");
		else if (end->has_rpo)
			set_str(o, "result", "INFORMATIVE");
		else if (end->present)
			set_str(o, "result", "NOT DEMONSTRATED");
		if (!target || !target->set)
			json_object_set_new(o, "informative", json_true());
	} else {
		set_str(o, "result", "NOT DEMONSTRATED");
	}
	json_object_set_new(view, "rpo", o);

	json_array_foreach(records, i, rec) {
		if (!jrecord_backup_read(rec, &b))
			continue;
		add_findings(finds, &b.findings, lang);
		json_array_append_new(picked, view_picked(&b));
		jrecord_backup_release(&b);
	}
	add_findings(finds, &end->findings, lang);
	for (i = 0; i < end->nfresh; i++)
		json_array_append_new(fresh, view_fresh(&end->fresh[i], lang));
	json_object_set_new(view, "rpo_findings", finds);
	json_object_set_new(view, "backups_picked", picked);
	json_object_set_new(view, "freshness", fresh);
}

static void view_canary(json_t *view, const struct drill_canary *k)
{
	json_t *c = json_object();
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	set_data(c, "connection", k->connection);
	set_data(c, "table", k->table);
	set_data(c, "description", k->description);
	for (i = 0; i < k->key.keys.nr; i++)
		strbuf_addf(&sb, "%s%s = %s", sb.len ? ", " : "",
			    k->key.keys.v[i], k->key.vals.v[i]);
	set_data(c, "key_text", sb.buf);
	strbuf_reset(&sb);
	for (i = 0; i < k->columns.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", k->columns.v[i]);
	set_data(c, "columns_text", sb.buf);
	{
		static const char *const keys[] = { "table", "key_text",
						    "columns_text", NULL };
		add_codes(c, keys);
	}
	json_object_set_new(view, "canary", c);
	strbuf_release(&sb);
}

static void view_controls(json_t *view, const struct drill *d)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < d->ncontrols; i++) {
		json_t *o = json_object();
		set_data(o, "id", d->controls[i].id);
		set_data(o, "title", d->controls[i].title);
		json_object_set_new(o, "not_first", json_boolean(i > 0));
		json_array_append_new(arr, o);
	}
	json_object_set_new(view, "controls", arr);
	if (d->ncontrols)
		json_object_set_new(view, "has_controls", json_true());
}

/* The start record's context.environment (envinfo.h) as env_* keys. */
static void env_view(json_t *view, const struct jrecord_env *env, int lang)
{
	/* envinfo.c's words for what it could not find; the rest is data. */
	static const struct words env_words[] = {
		{ "environment", "unset", "未设置" },
		{ "environment", "none", "无" },
		{ "environment", "yes", "是" },
		{ "environment", "no", "否" },
		{ "environment", "unknown", "未知" },
		{ "environment", "{}", "{}" },
		WORDS_END
	};
	static const struct words *const env_tables[] = { env_words, NULL };
	const struct jrecord_env_key *e;
	struct strbuf k = STRBUF_INIT;

	if (!env->present)
		return;
	for (e = jrecord_env_keys; e->key; e++) {
		strbuf_reset(&k);
		strbuf_addf(&k, "env_%s", e->key);
		set_said(view, k.buf, env_tables, "environment",
			 *(const char *const *)((const char *)env + e->off),
			 lang);
	}
	strbuf_release(&k);
}

/* ---- findings and deviations ------------------------------------------ */

/*
 * Every key a finding's template may name, null unless set: Mustache
 * would otherwise find the report's own "title" or "n" for a finding
 * that has none.
 */
static const char *const finding_keys[] = { "n", "title", "what",
	"expected", "actual", "message", "when", "name", "value", "target",
	"measured", "evidence_code", "log_code", "f_check", "f_step",
	"f_skipped", "f_not_run", "f_conditional", "f_allowed_error",
	"f_allowed_exit", "f_preflight", "f_var", "f_unapproved", "f_rto",
	"f_rpo", "f_incomplete", "f_stopped", "f_overwrite", "item_code",
	"artifact_code", NULL };

static json_t *finding(json_t *list, const char *kind)
{
	json_t *f = json_object();
	size_t i;

	for (i = 0; finding_keys[i]; i++)
		json_object_set_new(f, finding_keys[i], json_null());
	json_object_set_new(f, kind, json_true());
	json_array_append_new(list, f);
	return f;
}

/* The 1-based line of `needle` in a log's stored head, or 0. */
static long log_line(const struct jrecord_stream *stream, const char *needle)
{
	const char *head = stream->head, *hit, *p;
	long line = 1;

	if (!*needle || !(hit = strstr(head, needle)))
		return 0;
	for (p = head; p < hit; p++)
		line += *p == '\n';
	return line;
}

/* "journal.jsonl:14" and the log a finding points at, as code spans. */
static void finding_evidence(json_t *f, const struct jrecord_result *r,
			     const char *needle)
{
	struct strbuf sb = STRBUF_INIT;
	const struct jrecord_stream *which[] = { &r->err, &r->out };
	size_t i;

	if (r->has_seq) {
		strbuf_addf(&sb, "journal.jsonl:%lld", r->seq + 1);
		set_data(f, "evidence", sb.buf);
		json_object_del(f, "evidence_code");
		add_code(f, "evidence");
	}
	for (i = 0; i < 2; i++) {
		const struct jrecord_stream *st = which[i];
		long line;

		if (!st->present || !st->bytes)
			continue;
		line = needle ? log_line(st, needle) : 0;
		if (needle && !line && i == 0)
			continue;
		strbuf_reset(&sb);
		strbuf_adds(&sb, st->path);
		if (line)
			strbuf_addf(&sb, ":%ld", line);
		set_data(f, "log", sb.buf);
		json_object_del(f, "log_code");
		add_code(f, "log");
		break;
	}
	strbuf_release(&sb);
}

static void set_step(json_t *f, const struct drill_step *s)
{
	json_object_set_new(f, "n", json_integer(s->n));
	set_data(f, "title", s->title && *s->title ? s->title : s->id);
}

static void step_findings(json_t *list, const struct drill_step *s,
			  const struct jrecord_result *r, int planned,
			  int ended, int lang)
{
	const struct words *tables[4];
	json_t *f;
	struct strbuf sb = STRBUF_INIT;
	const char *st = r ? r->status : "";
	size_t i;
	int failed_checks = 0;

	plan_step_when(s, &sb);
	if (!r) {
		if (sb.len || (!planned && ended)) {
			f = finding(list, planned ? "f_conditional" : "f_not_run");
			set_step(f, s);
			set_said(f, "when", plan_words_tables, NULL, sb.buf,
				 lang);
		}
		strbuf_release(&sb);
		return;
	}
	/* Done in the run `rdrill restore` finishes: page 1 says so once. */
	if (r->resumed) {
		strbuf_release(&sb);
		return;
	}
	if (!strcmp(st, "skipped")) {
		f = finding(list, "f_skipped");
		set_step(f, s);
		set_said(f, "when", plan_words_tables, NULL, sb.buf, lang);
		finding_evidence(f, r, NULL);
		strbuf_release(&sb);
		return;
	}
	if (sb.len) {
		f = finding(list, "f_conditional");
		set_step(f, s);
		set_said(f, "when", plan_words_tables, NULL, sb.buf, lang);
		finding_evidence(f, r, NULL);
	}
	kind_tables(s->kind, tables);
	for (i = 0; i < r->nchecks; i++) {
		const struct jrecord_check *c = &r->checks[i];
		const char *key = NULL, *needle = NULL;

		if (!c->ok) {
			key = "f_check";
			failed_checks++;
		} else if (s->kind->passed_finding) {
			key = s->kind->passed_finding(c->what, c->expected,
						      c->actual, &needle);
		}
		if (!key)
			continue;
		f = finding(list, key);
		set_step(f, s);
		set_check(f, tables, c, lang);
		finding_evidence(f, r, needle);
	}
	if (!strcmp(st, "failed") && !failed_checks) {
		f = finding(list, "f_step");
		set_step(f, s);
		set_data(f, "message", r->message);
		finding_evidence(f, r, NULL);
	}
	strbuf_release(&sb);
}

/* A step ended aborted: the run was stopped by a signal or a deadline. */
static int interrupted(const struct records *ix)
{
	size_t i;

	for (i = 0; i < ix->nsteps; i++)
		if (ix->step[i] && !strcmp(ix->jr->step[ix->step[i] - 1].status,
					   "aborted"))
			return 1;
	return 0;
}

static void view_findings(json_t *view, const struct drill *d,
			  const struct records *ix, const struct jrecord_start *st,
			  const struct jrecord_end *en, json_t *step_finds,
			  const struct verdict *verdicts, const char *status,
			  int lang)
{
	json_t *list = json_array(), *f;
	struct jrecord_result end, pre;
	int planned = !strcmp(status, "PLANNED");
	size_t i;

	jrecord_result_read(ix->end, &end);
	jrecord_result_read(ix->preflight, &pre);
	if (!ix->end && !planned)
		finding(list, "f_incomplete");
	else if (!strcmp(status, "ABORTED") || !strcmp(status, "REFUSED") ||
		 (!strcmp(status, RESTORED_WORD) && interrupted(ix))) {
		f = finding(list, "f_stopped");
		set_said(f, "message", run_tables, NULL, en->reason, lang);
		finding_evidence(f, &end, NULL);
	}
	for (i = 0; i < pre.nchecks; i++) {
		if (pre.checks[i].ok)
			continue;
		f = finding(list, "f_preflight");
		set_check(f, preflight_tables(), &pre.checks[i], lang);
		finding_evidence(f, &pre, NULL);
	}
	/* The steps' own, made while each step's record was at hand. */
	json_array_extend(list, step_finds);
	{
		static const char *const m[] = { "f_rto", "f_rpo" };
		for (i = 0; i < 2; i++) {
			if (!verdicts[i].failed)
				continue;
			f = finding(list, m[i]);
			set_data(f, "target", verdicts[i].target.buf);
			set_str(f, "measured", verdicts[i].measured.buf);
			finding_evidence(f, &end, NULL);
		}
	}
	for (i = 0; i < st->nvars; i++) {
		f = finding(list, "f_var");
		set_data(f, "name", st->vars[i].name);
		set_data(f, "value", st->vars[i].value);
		add_code(f, "name");
		add_code(f, "value");
	}
	for (i = 0; i < d->nitems; i++)
		if (d->items[i].overwrite) {
			f = finding(list, "f_overwrite");
			set_data(f, "item", d->items[i].id);
			set_data(f, "artifact", d->items[i].artifact);
			add_code(f, "item");
			add_code(f, "artifact");
		}
	if (!planned && !st->approved_plan[0])
		finding(list, "f_unapproved");
	json_array_foreach(list, i, f)
		json_object_set_new(f, "index", json_integer((json_int_t)i + 1));
	json_object_set_new(view, "has_findings",
			    json_boolean(json_array_size(list) > 0));
	json_object_set_new(view, "findings", list);
	jrecord_result_release(&end);
	jrecord_result_release(&pre);
}

/*
 * Page 1's first block when the run left its system destroyed: since
 * when, the restore and verify steps that did not pass as commands to
 * paste, and the one command that finishes the job (restored.h). And
 * on the run that finished it: which bundle it restores.
 */
static void view_not_restored(json_t *view, const struct drill *d,
			      json_t *records, const struct jrecord_start *st,
			      const char *status, int off, int lang)
{
	json_t *nr, *pending, *p, *r;
	const struct jrecord_resumes *res = &st->resumes;
	struct jrecord_destroy x;
	struct strbuf sb = STRBUF_INIT;
	const char *bundle = st->bundle;
	size_t i;

	if (res->present) {
		set_data(view, "resumes_bundle", res->bundle);
		set_data(view, "resumes_head", res->chain_head);
		set_local(view, "resumes_destroyed", res->destroyed, off, 1);
		add_code(view, "resumes_bundle");
		add_code(view, "resumes_head");
	}
	if (strcmp(status, RESTORED_WORD))
		return;
	nr = json_object();
	json_array_foreach(records, i, r)
		if (jrecord_destroy_read(r, &x)) {
			json_object_set(nr, "destroy_n", x.n);
			set_data(nr, "destroy_id", x.id);
			set_local(nr, "destroy_local", x.time, off, 1);
			break;
		}
	pending = restored_pending(records, d);
	json_array_foreach(pending, i, p) {
		const struct drill_step *s = drill_step_by_n(d, (long)
			json_integer_value(json_object_get(p, "n")));
		char k[32];
		size_t j;

		/* The author's words kept, the step's description said. */
		if (s) {
			const struct words *tables[4];
			kind_tables(s->kind, tables);
			set_said(p, "describe", tables, NULL,
				 journal_str(p, "describe"), lang);
		}
		{
			static const char *const data[] = { "id", "title",
				"phase", "command", NULL };
			size_t q;
			for (q = 0; data[q]; q++) {
				struct strbuf v = STRBUF_INIT;
				words_data(&v, journal_str(p, data[q]));
				json_object_set_new(p, data[q],
						    json_string(v.buf));
				strbuf_release(&v);
			}
		}
		add_code(p, "command");
		add_code(p, "describe");
		/* The template words the status in its language. */
		snprintf(k, sizeof(k), "st_%s", journal_str(p, "status"));
		for (j = 0; k[j]; j++)
			k[j] = k[j] == ' ' ? '_' : k[j];
		json_object_set_new(p, k, json_true());
	}
	json_object_set_new(nr, "pending", pending);
	strbuf_addf(&sb, "rdrill restore --confirm %s %s", d->environment,
		    *bundle ? bundle : "BUNDLE");
	set_data(nr, "restore_cmd", sb.buf);
	add_code(nr, "restore_cmd");
	json_object_set_new(view, "not_restored", nr);
	strbuf_release(&sb);
}

/* The run's verdict, who and what: page 1's header lines. */
static void view_head(json_t *view, const struct drill *d, json_t *last,
		      const struct jrecord_start *st,
		      const struct jrecord_end *end, const char *status,
		      int lang)
{
	const char *date = schema_kv_get(&d->vars, "date_iso");
	char key[32];
	size_t i;

	set_str(view, "status", status);
	snprintf(key, sizeof(key), "is_%s", status);
	for (i = 0; key[i]; i++)
		key[i] = (char)(key[i] >= 'A' && key[i] <= 'Z' ? key[i] + 32 :
				key[i] == ' ' ? '_' : key[i]);
	json_object_set_new(view, key, json_true());
	set_said(view, "end_reason", run_tables, NULL, end->reason,
		 lang);
	set_data(view, "id", d->id);
	set_data(view, "title", d->title);
	set_data(view, "system", d->system);
	set_data(view, "environment", d->environment);
	set_data(view, "objective", d->objective);
	/* Not "owner": Mustache would find it from inside a backup item. */
	set_data(view, "drill_owner", d->owner);
	set_data(view, "drill_operator", d->operator);
	split_lines(view, "declaration_lines", d->declaration ? d->declaration : "");
	set_data(view, "date", date);
	if (!date || !*date) {
		struct strbuf sb = STRBUF_INIT;
		words_datan(&sb, st->time,
			    strnlen(st->time, 10));
		set_str(view, "date", sb.buf);
		strbuf_release(&sb);
	}
	if (strcmp(status, "PLANNED"))
		set_data(view, "started", st->time);
	else
		set_data(view, "generated", st->time);
	set_data(view, "ended", end->time);
	set_data(view, "approver", d->approver);
	set_data(view, "change_ref", st->change_ref[0] ?
		 st->change_ref : d->change_ref);
	set_data(view, "operator", st->operator);
	set_data(view, "signing_key", st->signing_key);
	view_evidence_id(view, last, st, strcmp(status, "INCOMPLETE") != 0,
			 lang);
	env_view(view, &st->env, lang);
	set_data(view, "rdrill_version", st->rdrill_version);
	set_data(view, "drill_path", st->drill_path);
	set_data(view, "drill_sha256",
		 st->drill_sha256);
	set_data(view, "plan_hash", st->plan_hash);
	set_data(view, "confirm", st->confirm);
	set_data(view, "approved_plan", st->approved_plan);
	view_approval(view, &st->approval);
}

/* Times as the operator saw them: in the run's zone, said which. */
static void view_times(json_t *view, const char *started,
		       const char *ended, int off, const char *zone, int lang)
{
	struct strbuf sb = STRBUF_INIT;
	long long t0 = iso_ms(started);
	long long t1 = iso_ms(ended);

	zone_short(&sb, zone);
	set_str(view, "zone_label", sb.buf);
	set_local(view, "started_local", started, off, 1);
	set_local(view, "ended_local", ended, off,
		  strncmp(started, ended, 10) != 0);
	if (t0 >= 0 && t1 >= t0) {
		strbuf_reset(&sb);
		format_duration_ms(&sb, t1 - t0, lang);
		set_str(view, "window_duration", sb.buf);
	}
	strbuf_release(&sb);
}

static void view_backup_dir(json_t *view, const struct drill *d)
{
	json_t *bd, *rules;
	size_t i;

	if (!d->backup_dir)
		return;
	bd = json_object();
	rules = json_array();
	set_data(bd, "path", d->backup_dir->path);
	for (i = 0; i < d->backup_dir->rules.nr; i++) {
		struct strbuf sb = STRBUF_INIT;
		words_data(&sb, d->backup_dir->rules.v[i]);
		json_array_append_new(rules, json_string(sb.buf));
		strbuf_release(&sb);
	}
	json_object_set_new(bd, "rules", rules);
	json_object_set_new(view, "backup_dir", bd);
	{
		struct strbuf sb = STRBUF_INIT;
		words_data(&sb, d->backup_dir->path);
		set_block(view, "backup_dir_block", sb.buf, sb.len, "text");
		strbuf_release(&sb);
	}
}

/*
 * The verification phases' checks for the summary: how many passed (each
 * is in its step's table already) and the rows of those that did not
 * (failed, skipped, planned), so a printed report does not repeat every
 * passed check a second time.
 */
static void summarize_checks(json_t *view, json_t *checks)
{
	json_t *open = json_array(), *c;
	size_t i, passed = 0;

	json_array_foreach(checks, i, c)
		if (!strcmp(journal_str(c, "result"), "PASSED"))
			passed++;
		else
			json_array_append(open, c);
	json_object_set_new(view, "checks_total",
			    json_integer((json_int_t)json_array_size(checks)));
	json_object_set_new(view, "checks_passed", json_integer((json_int_t)passed));
	json_object_set_new(view, "has_checks_passed", json_boolean(passed > 0));
	json_object_set_new(view, "has_checks_open",
			    json_boolean(json_array_size(open) > 0));
	json_object_set_new(view, "checks_open", open);
	json_object_set_new(view, "checks", checks);
}

/*
 * What a report rendered a step at a time (report_render_jr()) needs to
 * view a step again while its section is written: the drill, the
 * records' index, and how the first pass viewed it.
 */
struct early;

struct step_src {
	struct drill *d;
	struct drill *own_d;    /* d when the view made it (freed with it) */
	struct records ix;
	int planned, off, lang;
	struct early *early;    /* each step's section as first viewed */
};

static void early_step(struct early *e, json_t *view, json_t *vs);

/*
 * In a view made to be rendered a step at a time, a step's place in its
 * phase: the string "\x01N\x01", N its index in the drill, which the
 * step partial, replaced by "{{{.}}}", writes as it is (a string, not an
 * object holding it: a tenth of the memory for 10,000 steps). The
 * control character cannot come from a value (every value's control
 * characters become U+FFFD) nor from a template.
 */
static json_t *step_marker(size_t i)
{
	char m[32];

	snprintf(m, sizeof(m), "\x01%zu\x01", i);
	return json_string(m);
}

/*
 * The steps being viewed into the report, one at a time and in the
 * drill's order (step_one()), whether their records come from the
 * journal's walk (the one pass) or are read again (view_steps()).
 * `lean`: each step's view is let go once its hook has fed the report's
 * keys, and its phase holds its marker (step_marker()): the view then
 * holds no step, and the report is rendered a step at a time.
 */
struct steps {
	json_t *view;
	const struct drill *d;
	json_t *end;            /* the end record, NULL: none */
	json_t *finds;          /* the steps' findings */
	int planned, off, lang, lean;
	struct early *early;    /* each step's section as viewed, or NULL */
	json_t *phases, *checks, *summaries;
	json_t *parr[DRILL_NPHASES];  /* phases' arrays, held there */
};

static void steps_begin(struct steps *sp, json_t *view, const struct drill *d,
			json_t *end, json_t *finds, int planned, int off,
			int lang, int lean, struct early *early)
{
	memset(sp, 0, sizeof(*sp));
	sp->view = view;
	sp->d = d;
	sp->end = end;
	sp->finds = finds;
	sp->planned = planned;
	sp->off = off;
	sp->lang = lang;
	sp->lean = lean;
	sp->early = early;
	sp->phases = json_object();
	sp->checks = json_array();
	sp->summaries = json_array();
}

static void steps_release(struct steps *sp)
{
	json_decref(sp->phases);
	json_decref(sp->checks);
	json_decref(sp->summaries);
	memset(sp, 0, sizeof(*sp));
}

/*
 * Drill step i in its phase, `rec` its record (NULL: none); its kind's
 * view hook adds the kind's keys and the report sections it feeds. A
 * kind's one-line verdict of its own (evidence "summary", step.h: "12
 * tables, 3400 rows: identical") is listed beside the report's verdict,
 * said in the report's language.
 */
static void step_one(struct steps *sp, size_t i, json_t *rec)
{
	const struct drill_step *s = &sp->d->steps[i];
	const struct words *tables[4];
	struct jrecord_result r;
	json_t *vs, *arr, *ev;
	int verify = s->phase == DRILL_VERIFY_BACKUP ||
		     s->phase == DRILL_VERIFY_RESTORE;

	jrecord_result_read(rec, &r);
	vs = view_step(sp->d, s, rec, rec ? &r : NULL, sp->end, sp->view,
		       verify ? sp->checks : NULL, sp->planned, sp->off,
		       sp->lang);
	step_findings(sp->finds, s, rec ? &r : NULL, sp->planned,
		      sp->end != NULL, sp->lang);
	if (!(arr = sp->parr[s->phase])) {
		arr = sp->parr[s->phase] = json_array();
		json_object_set_new(sp->phases, drill_phases[s->phase], arr);
	}
	json_array_append_new(arr, sp->lean ? step_marker(i) :
				   json_incref(vs));
	ev = r.evidence;
	if (ev && json_is_string(json_object_get(ev, "summary"))) {
		json_t *o = json_object();
		kind_tables(s->kind, tables);
		json_object_set(o, "step", json_object_get(vs, "title"));
		json_object_set(o, "id", json_object_get(vs, "id"));
		set_said(o, "line", tables, NULL, journal_str(ev, "summary"),
			 sp->lang);
		json_array_append_new(sp->summaries, o);
	}
	jrecord_result_release(&r);
	if (sp->early)
		early_step(sp->early, sp->view, vs);
	json_decref(vs);
}

/* Every step viewed: the phases, the checks' summary, the summaries. */
static void steps_finish(struct steps *sp)
{
	json_t *view = sp->view;
	char key[32];
	int p;

	for (p = 0; drill_phases[p]; p++)
		if (sp->parr[p]) {
			snprintf(key, sizeof(key), "has_%s", drill_phases[p]);
			json_object_set_new(view, key, json_true());
		}
	json_object_set_new(view, "phases", sp->phases);
	summarize_checks(view, sp->checks);
	if (json_array_size(sp->summaries)) {
		json_object_set_new(view, "has_summaries", json_true());
		json_object_set_new(view, "summaries", sp->summaries);
	} else {
		json_decref(sp->summaries);
	}
	sp->phases = sp->checks = sp->summaries = NULL;
	steps_release(sp);
}

/* Every step in its phase, each record read again from the journal. */
static int view_steps(json_t *view, const struct drill *d,
		      const struct records *ix, json_t *step_finds,
		      const char *status, int off, int lang, int lean,
		      struct early *early, struct error *err)
{
	struct steps sp;
	size_t i;

	steps_begin(&sp, view, d, ix->end, step_finds,
		    !strcmp(status, "PLANNED"), off, lang, lean, early);
	for (i = 0; i < d->nsteps; i++) {
		json_t *rec = NULL;

		if (ix->step[i] && !(rec = jrecords_step_record(ix->jr,
							ix->step[i] - 1, err))) {
			steps_release(&sp);
			return -1;
		}
		step_one(&sp, i, rec);
		json_decref(rec);
	}
	steps_finish(&sp);
	return 0;
}

/* The previous verified run (context.previous), as flat keys. */
static void view_previous(json_t *view, const struct jrecord_previous *pv,
			  int off, int lang)
{
	/* Flat keys: a "rto" inside a section would hide the run's. */
	static const char *const m[] = { "prev_rto", "prev_rpo" };
	const int has[] = { pv->has_rto, pv->has_rpo };
	const long long ms[] = { pv->rto_ms, pv->rpo_ms };
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (!pv->present)
		return;
	for (i = 0; i < 2; i++) {
		if (!has[i])
			continue;
		strbuf_reset(&sb);
		format_duration_ms(&sb, ms[i], lang);
		set_str(view, m[i], sb.buf);
	}
	set_str(view, "prev_status", pv->status);
	set_data(view, "prev_bundle", pv->bundle);
	set_local(view, "prev_started", pv->started, off, 1);
	json_object_set_new(view, "has_previous", json_true());
	strbuf_release(&sb);
}

/*
 * What the report's view is made of besides the steps' records: the
 * start and end records typed, the drill, the last record, the
 * preflight record, the language, the verdict (build_view()).
 */
struct view_in {
	struct jrecord_start st;
	struct jrecord_end en;
	struct drill *own;      /* d when made here (drill_free) */
	const struct drill *d;
	json_t *last;           /* the last record, held, NULL: none */
	json_t *preflight;      /* the first preflight record, or NULL */
	const char *lang, *status;
	int wl, off;
};

/* `end` the end record (NULL: none); `lang` NULL: the drill's. */
static int view_in_read(struct view_in *in, const struct jrecords *jr,
			json_t *end, const char *lang, struct error *err)
{
	memset(in, 0, sizeof(*in));
	jrecord_start_read(jr->start, &in->st);
	/* A plan read a step at a time was bound as it was read (jrecord.h). */
	in->own = jr->drill ? NULL : drill_from_body(in->st.body, err);
	in->d = jr->drill ? jr->drill : in->own;
	if (!in->d) {
		error_prefix(err, "the journal's plan");
		jrecord_start_release(&in->st);
		return -1;
	}
	jrecord_end_read(end, &in->en);
	in->preflight = jr->preflight;
	in->lang = lang ? lang : in->d->language;
	in->wl = strcmp(in->lang, "zh-CN") ? WORDS_EN : WORDS_ZH;
	in->off = zone_offset_min(in->st.env.zone);
	return 0;
}

static void view_in_release(struct view_in *in)
{
	jrecord_start_release(&in->st);
	jrecord_end_release(&in->en);
	drill_free(in->own);
	json_decref(in->last);
	memset(in, 0, sizeof(*in));
}

/*
 * The report's keys viewed before the steps: `outline` (restored.h's
 * records) is read only for a system left destroyed.
 */
static void view_pre(json_t *view, const struct view_in *in, json_t *outline)
{
	const struct drill *d = in->d;

	json_object_set_new(view, in->wl == WORDS_ZH ? "lang_zh" : "lang_en",
			    json_true());
	set_str(view, "lang", in->lang);
	view_head(view, d, in->last, &in->st, &in->en, in->status, in->wl);
	view_times(view, in->st.time, in->en.time, in->off, in->st.env.zone,
		   in->wl);
	view_controls(view, d);
	view_backup_dir(view, d);
	if (d->canary)
		view_canary(view, d->canary);
	view_backup_set(view, d);
	view_preflight(view, in->preflight, in->wl);
	view_not_restored(view, d, outline, &in->st, in->status, in->off,
			  in->wl);
}

/* The report's keys viewed after the steps (their findings: `finds`). */
static void view_post(json_t *view, const struct view_in *in,
		      const struct records *ix, const struct jrecords *jr,
		      json_t *finds)
{
	static const struct schema_int none;
	static const char *const code_keys[] = { "drill_path", "drill_sha256",
		"plan_hash", "approved_plan", "change_ref", NULL };
	struct verdict verdicts[2] = { { 0, STRBUF_INIT, STRBUF_INIT },
				       { 0, STRBUF_INIT, STRBUF_INIT } };
	const struct drill *d = in->d;

	add_codes(view, code_keys);
	view_measure(view, d->targets ? &d->targets->rto_s : &none,
		     in->en.present, in->en.has_rto, in->en.rto_ms, "rto",
		     &verdicts[0], in->wl);
	view_rpo(view, d, jr->others, &in->en, &verdicts[1], in->wl);
	view_findings(view, d, ix, &in->st, &in->en, finds, verdicts,
		      in->status, in->wl);
	view_previous(view, &in->st.previous, in->off, in->wl);
	verdict_release(&verdicts[0]);
	verdict_release(&verdicts[1]);
}

/* What render_jr() keeps to view steps again (step_src_release()). */
static void step_src_fill(struct step_src *src, struct view_in *in,
			  struct records *ix)
{
	src->d = (struct drill *)in->d;
	src->own_d = in->own;
	in->own = NULL;
	src->ix = *ix;
	ix->step = NULL;
	src->planned = !strcmp(in->status, "PLANNED");
	src->off = in->off;
	src->lang = in->wl;
}

/*
 * The report's view; `src` not NULL: lean (view_steps()), with what
 * viewing a step again needs kept in `src` (step_src_release()).
 */
static json_t *build_view(const struct jrecords *jr, const char *lang,
			  struct step_src *src, struct error *err)
{
	struct view_in in;
	json_t *view = NULL, *outline = NULL, *finds = NULL;
	struct records ix;

	if (view_in_read(&in, jr, jr->end, lang, err) < 0)
		return NULL;
	index_records(&ix, jr, in.d->nsteps);
	if (jr->nrecords && !(in.last = jrecords_last(jr, err)))
		goto out;
	/* What restored.h reads: every record, a step's by its status. */
	outline = jrecords_outline(jr, in.d->nsteps);
	/* PLANNED, INCOMPLETE, NOT RESTORED or the end record's (restored.h). */
	in.status = restored_verdict(outline, in.d);
	/*
	 * The pasteable commands of a system left destroyed read each
	 * step's JSON and the plan body (restored.h): the whole plan then.
	 */
	if (!in.own && !strcmp(in.status, RESTORED_WORD)) {
		if (!(in.d = in.own = jrecords_drill_whole(jr, err))) {
			error_prefix(err, "the journal's plan");
			goto out;
		}
	}
	view = json_object();
	finds = json_array();
	/*
	 * The outline (a record a step) is let go before the steps are
	 * viewed: what is held while they are stays the report's.
	 */
	view_pre(view, &in, outline);
	json_decref(outline);
	outline = NULL;
	if (view_steps(view, in.d, &ix, finds, in.status, in.off, in.wl,
		       src != NULL, src ? src->early : NULL, err) < 0) {
		json_decref(view);
		view = NULL;
		goto out;
	}
	view_post(view, &in, &ix, jr, finds);
	if (src)
		step_src_fill(src, &in, &ix);
out:
	json_decref(finds);
	json_decref(outline);
	free(ix.step);
	view_in_release(&in);
	return view;
}

json_t *report_view_jr(const struct jrecords *jr, const char *lang,
		       struct error *err)
{
	return build_view(jr, lang, NULL, err);
}

static void early_free(struct early *e);

static void step_src_release(struct step_src *src)
{
	early_free(src->early);
	drill_free(src->own_d);
	free(src->ix.step);
	memset(src, 0, sizeof(*src));
}

/*
 * Step i's view made again as the first pass made it (view_steps()):
 * its hook feeds a scratch report, whose keys the first pass already
 * fed, and the checks go to a scratch table.
 */
static json_t *view_step_again(const struct step_src *src, size_t i,
			       struct error *err)
{
	const struct drill_step *s = &src->d->steps[i];
	struct jrecord_result r;
	json_t *rec = NULL, *vs, *scratch, *checks;
	int verify = s->phase == DRILL_VERIFY_BACKUP ||
		     s->phase == DRILL_VERIFY_RESTORE;

	if (src->ix.step[i] && !(rec = jrecords_step_record(src->ix.jr,
						src->ix.step[i] - 1, err)))
		return NULL;
	scratch = json_object();
	checks = json_array();
	jrecord_result_read(rec, &r);
	vs = view_step(src->d, s, rec, rec ? &r : NULL, src->ix.end, scratch,
		       verify ? checks : NULL, src->planned, src->off,
		       src->lang);
	jrecord_result_release(&r);
	json_decref(rec);
	json_decref(scratch);
	json_decref(checks);
	return vs;
}

json_t *report_view(json_t *records, const char *lang, struct error *err)
{
	struct jrecords jr;
	json_t *view;

	jrecords_init(&jr);
	jrecords_from_array(&jr, records);
	view = report_view_jr(&jr, lang, err);
	jrecords_release(&jr);
	return view;
}

/* ---- templates ------------------------------------------------------- */

static int load_template(const char *dir, const char *name, struct strbuf *out,
			 struct error *err);

const char *report_templates_dir(void)
{
	static struct strbuf dir = STRBUF_INIT;
	static const char *const rel[] = { "/templates", "/../templates",
					   "/../share/rdrill/templates", NULL };
	const char *env = getenv("RDRILL_TEMPLATES");
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; rel[i]; i++) {
			strbuf_reset(&dir);
			strbuf_addf(&dir, "%s%s", exe, rel[i]);
			if (access(dir.buf, R_OK) == 0)
				return dir.buf;
		}
	}
	return "templates";
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int report_renderer(struct strbuf *out, struct error *err)
{
	const char *dir = report_templates_dir();
	struct strvec names = STRVEC_INIT;
	struct strbuf all = STRBUF_INIT, one = STRBUF_INIT;
	struct dirent *de;
	char hex[SHA256_HEX_LEN + 1];
	DIR *dh = opendir(dir);
	size_t i;
	int ret = -1;

	if (!dh)
		return error_errno(err, "cannot read the templates directory %s "
				   "(set RDRILL_TEMPLATES)", dir);
	while ((de = readdir(dh))) {
		size_t n = strlen(de->d_name);
		if (n > 9 && !strcmp(de->d_name + n - 9, ".mustache"))
			strvec_push(&names, de->d_name);
	}
	closedir(dh);
	qsort(names.v, names.nr, sizeof(*names.v), cmp_name);
	/* name NUL length NUL bytes: no two sets hash alike. */
	for (i = 0; i < names.nr; i++) {
		strbuf_reset(&one);
		if (load_template(dir, names.v[i], &one, err) < 0)
			goto out;
		strbuf_adds(&all, names.v[i]);
		strbuf_addch(&all, '\0');
		strbuf_addf(&all, "%zu", one.len);
		strbuf_addch(&all, '\0');
		strbuf_add(&all, one.buf, one.len);
	}
	sha256_hex(all.buf, all.len, hex);
	strbuf_addf(out, "rdrill %s, libcmark-gfm %s, templates %s",
		    RDRILL_VERSION, cmark_version_string(), hex);
	ret = 0;
out:
	strvec_clear(&names);
	strbuf_release(&all);
	strbuf_release(&one);
	return ret;
}

static int load_template(const char *dir, const char *name, struct strbuf *out,
			 struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	if (strbuf_read_file(out, path.buf, 1 << 20) < 0)
		ret = error_errno(err, "cannot read template %s (set "
				  "RDRILL_TEMPLATES to the templates directory)",
				  path.buf);
	strbuf_release(&path);
	return ret;
}

/*
 * Each step's kind-specific part: templates/kind-NAME.<lang>.md.mustache
 * rendered with the step's view into its "kind_block", which the step
 * partial places. A new kind brings its partial; no template changes.
 */
static json_t *load_kind_templates(const char *dir, const char *lang,
				   struct error *err)
{
	const struct step_kind *const *k;
	struct strbuf name = STRBUF_INIT, t = STRBUF_INIT;
	json_t *tmpls = json_object();

	for (k = step_kinds; *k; k++) {
		strbuf_reset(&name);
		strbuf_reset(&t);
		strbuf_addf(&name, "kind-%s.%s.md.mustache", (*k)->name, lang);
		if (load_template(dir, name.buf, &t, err) < 0) {
			json_decref(tmpls);
			tmpls = NULL;
			break;
		}
		json_object_set_new(tmpls, (*k)->name, json_stringn(t.buf, t.len));
	}
	strbuf_release(&name);
	strbuf_release(&t);
	return tmpls;
}

/* One step's kind block, rendered with its view alone. */
static int render_kind_block(json_t *vs, json_t *tmpls, const char *dir,
			     const char *lang, const struct mustache_opts *opts,
			     struct error *err)
{
	json_t *t = json_object_get(tmpls, journal_str(vs, "kind_id"));
	struct strbuf out = STRBUF_INIT;
	int ret = 0;

	if (!t)
		return 0;
	if (mustache_render(json_string_value(t), json_string_length(t), vs,
			    opts, &out, err) < 0) {
		error_prefix(err, "template %s/kind-%s.%s.md.mustache", dir,
			     journal_str(vs, "kind_id"), lang);
		ret = -1;
	} else {
		json_object_set_new(vs, "kind_block",
				    json_stringn(out.buf, out.len));
	}
	strbuf_release(&out);
	return ret;
}

static int render_kind_blocks(json_t *view, json_t *tmpls, const char *dir,
			      const char *lang,
			      const struct mustache_opts *opts,
			      struct error *err)
{
	json_t *arr, *vs;
	const char *ph;
	size_t i;

	json_object_foreach(json_object_get(view, "phases"), ph, arr)
		json_array_foreach(arr, i, vs)
			if (render_kind_block(vs, tmpls, dir, lang, opts,
					      err) < 0)
				return -1;
	return 0;
}

/*
 * The report sections kinds contribute (the checksum kind's table of
 * files, the toc kind's archive summaries): a kind's optional
 * templates/kind-NAME-section.<lang>.md.mustache, rendered with the
 * report's view (the keys its view hook fed) into "kind_sections", in
 * the table's order, where the report template places them. A section
 * with nothing to show renders empty and is left out.
 */
static int render_kind_sections(json_t *view, const char *dir,
				const char *lang,
				const struct mustache_opts *opts,
				struct error *err)
{
	const struct step_kind *const *k;
	struct strbuf name = STRBUF_INIT, path = STRBUF_INIT, t = STRBUF_INIT,
		      out = STRBUF_INIT;
	json_t *arr = json_array();
	int ret = -1;

	json_object_set_new(view, "kind_sections", arr);
	for (k = step_kinds; *k; k++) {
		strbuf_reset(&name);
		strbuf_reset(&path);
		strbuf_reset(&t);
		strbuf_reset(&out);
		strbuf_addf(&name, "kind-%s-section.%s.md.mustache", (*k)->name,
			    lang);
		strbuf_addf(&path, "%s/%s", dir, name.buf);
		if (access(path.buf, F_OK) != 0)
			continue;
		if (load_template(dir, name.buf, &t, err) < 0)
			goto out;
		if (mustache_render(t.buf, t.len, view, opts, &out, err) < 0) {
			error_prefix(err, "template %s", path.buf);
			goto out;
		}
		/* The report template ends each with its own newline. */
		if (out.len && out.buf[out.len - 1] == '\n')
			strbuf_setlen(&out, out.len - 1);
		if (out.len) {
			json_t *o = json_object();
			json_object_set_new(o, "text", json_stringn(out.buf,
								    out.len));
			json_array_append_new(arr, o);
		}
	}
	ret = 0;
out:
	strbuf_release(&name);
	strbuf_release(&path);
	strbuf_release(&t);
	strbuf_release(&out);
	return ret;
}

static const char step_wrap[] = "{{#__step_view}}{{> step}}{{/__step_view}}";

/* The partials report.md's templates use, and the options to render them. */
static int load_partials(const char *dir, const char *lang, json_t *partials,
			 struct mustache_opts *opts, struct error *err)
{
	static const char *const names[] = { "step", "measures", NULL };
	struct strbuf name = STRBUF_INIT, part = STRBUF_INIT;
	int i, ret = 0;

	opts->partials = partials;
	opts->escape = markdown_escape_inline;
	opts->text_open = words_marking() ? WORDS_TEXT_OPEN : NULL;
	opts->text_close = words_marking() ? WORDS_TEXT_CLOSE : NULL;
	for (i = 0; names[i] && !ret; i++) {
		strbuf_reset(&name);
		strbuf_reset(&part);
		strbuf_addf(&name, "%s.%s.md.mustache", names[i], lang);
		ret = load_template(dir, name.buf, &part, err);
		if (!ret)
			json_object_set_new(partials, names[i],
					    json_stringn(part.buf, part.len));
	}
	strbuf_release(&name);
	strbuf_release(&part);
	return ret;
}

/*
 * Each step's section rendered while view_steps() views the step, on
 * the report's view as it is then, so a step is viewed (its record read
 * and parsed) once, not again while report.md is written. A section may
 * take names from the report's view (the step partial's context stack
 * is the report's view, then the step's), and the view is not whole
 * yet: what each took from it, name by name (mustache_render_session()),
 * is kept with its value's dump, and the sections are used only if each
 * name holds the same value once the view is whole (early_usable()).
 * Else every step is viewed again as before. The same bytes either way.
 */
struct early {
	json_t *tmpls, *partials;
	struct mustache_opts opts;
	const char *dir;
	char *lang;
	struct strbuf text;     /* the sections, back to back */
	size_t *end;            /* where section i ends in text */
	size_t n, alloc;
	json_t *seen;           /* name -> [] (missing) or [value, dump] */
	struct mustache_session session;  /* early_seen(), the partials */
	int broken;             /* not usable: view every step again */
};

static char *early_dump(json_t *v)
{
	return json_dumps(v, JSON_ENCODE_ANY | JSON_SORT_KEYS | JSON_COMPACT |
			  JSON_ENSURE_ASCII);
}

static void early_seen(void *ctx, const char *name, size_t len, json_t *found)
{
	struct early *e = ctx;
	json_t *s;
	char *dump;

	if (memchr(name, '\0', len)) {
		e->broken = 1;
		return;
	}
	s = json_object_getn(e->seen, name, len);
	if (s) {
		/* Changed while the steps were viewed: a step saw another. */
		if (json_array_size(s) ? json_array_get(s, 0) != found : !!found)
			e->broken = 1;
		return;
	}
	s = json_array();
	if (found) {
		dump = early_dump(found);
		json_array_append(s, found);
		json_array_append_new(s, json_string(dump ? dump : ""));
		e->broken |= !dump;
		free(dump);
	}
	if (json_object_setn_new(e->seen, name, len, s) < 0)
		e->broken = 1;
}

static struct early *early_new(void)
{
	struct early *e = xcalloc(1, sizeof(*e));

	strbuf_init(&e->text, 0);
	e->seen = json_object();
	e->partials = json_object();
	e->session.seen = early_seen;
	e->session.ctx = e;
	return e;
}

static void early_free(struct early *e)
{
	if (!e)
		return;
	json_decref(e->tmpls);
	json_decref(e->partials);
	json_decref(e->seen);
	mustache_session_release(&e->session);
	strbuf_release(&e->text);
	free(e->lang);
	free(e->end);
	free(e);
}

/* Step vs's section (splice_steps()'s render of it), kept in e. */
static void early_step(struct early *e, json_t *view, json_t *vs)
{
	struct error err = ERROR_INIT;
	int r;

	if (e->broken)
		return;
	if (!e->lang) {
		e->lang = xstrdup(journal_str(view, "lang"));
		e->dir = report_templates_dir();
		if (!(e->tmpls = load_kind_templates(e->dir, e->lang, &err)) ||
		    load_partials(e->dir, e->lang, e->partials, &e->opts,
				  &err) < 0) {
			e->broken = 1;
			goto out;
		}
	}
	if (render_kind_block(vs, e->tmpls, e->dir, e->lang, &e->opts,
			      &err) < 0) {
		e->broken = 1;
		goto out;
	}
	json_object_set(view, "__step_view", vs);
	r = mustache_render_session(step_wrap, strlen(step_wrap), view,
				    &e->opts, &e->session, &e->text, &err);
	json_object_del(view, "__step_view");
	if (r < 0) {
		e->broken = 1;
		goto out;
	}
	XGROW(e->end, e->n + 1, e->alloc);
	e->end[e->n++] = e->text.len;
out:
	error_release(&err);
}

/* 1 when every step's early section is the one splice_steps() would make. */
static int early_usable(const struct early *e, json_t *view, size_t nsteps,
			const char *lang)
{
	const char *name;
	json_t *s;

	if (!e || e->broken || e->n != nsteps || !e->lang ||
	    strcmp(e->lang, lang))
		return 0;
	json_object_foreach(e->seen, name, s) {
		json_t *now = json_object_get(view, name);
		char *dump;
		int same;

		if (!json_array_size(s)) {
			if (now)
				return 0;
			continue;
		}
		if (now != json_array_get(s, 0))
			return 0;
		dump = early_dump(now);
		same = dump && !strcmp(dump, json_string_value(
					json_array_get(s, 1)));
		free(dump);
		if (!same)
			return 0;
	}
	return 1;
}

/*
 * The report template's output with each step's marker (step_marker())
 * replaced by its section: the step viewed again, its kind block, the
 * step partial rendered on the context the report template gives it
 * (the report's view, then the step's), and the step's view let go.
 */
static int splice_steps(const struct strbuf *text, json_t *view,
			const struct step_src *src, json_t *tmpls,
			const char *dir, const char *lang,
			const struct mustache_opts *opts, struct strbuf *md,
			struct error *err)
{
	const char *p = text->buf, *end = text->buf + text->len, *m;
	const struct early *e = src->early;
	int early = early_usable(e, view, src->d->nsteps, lang);
	char *q;
	unsigned long i;
	json_t *vs;
	int r;

	while ((m = memchr(p, '\x01', end - p))) {
		strbuf_add(md, p, m - p);
		i = strtoul(m + 1, &q, 10);
		if (*q != '\x01' || i >= src->d->nsteps)
			return error_set(err, "report: a step's place is lost");
		if (early) {
			size_t from = i ? e->end[i - 1] : 0;

			strbuf_add(md, e->text.buf + from, e->end[i] - from);
			p = q + 1;
			continue;
		}
		if (!(vs = view_step_again(src, i, err)))
			return -1;
		if (render_kind_block(vs, tmpls, dir, lang, opts, err) < 0) {
			json_decref(vs);
			return -1;
		}
		json_object_set_new(view, "__step_view", vs);
		r = mustache_render(step_wrap, strlen(step_wrap), view, opts,
				    md, err);
		json_object_del(view, "__step_view");
		if (r < 0) {
			error_prefix(err, "template %s/step.%s.md.mustache",
				     dir, lang);
			return -1;
		}
		p = q + 1;
	}
	strbuf_add(md, p, end - p);
	return 0;
}

/*
 * report.md from `view`; `src` not NULL: a lean view (build_view()),
 * the steps rendered one at a time, each step's view held only while
 * its section is written. The report template's "{{> step}}" writes
 * the step's marker instead of the partial, which splice_steps() then
 * renders in its place: the same bytes.
 */
static int render_markdown(json_t *view, const struct step_src *src,
			   struct strbuf *md, struct error *err)
{
	const char *dir = report_templates_dir();
	const char *lang = journal_str(view, "lang");
	struct strbuf name = STRBUF_INIT, tmpl = STRBUF_INIT,
		      text = STRBUF_INIT;
	struct mustache_opts opts;
	json_t *partials = json_object(), *tmpls;
	int i, ret = -1;

	/* The partials first: render_kind_blocks() takes the options. */
	tmpls = load_kind_templates(dir, lang, err);
	if (!tmpls || load_partials(dir, lang, partials, &opts, err) < 0 ||
	    render_kind_blocks(view, tmpls, dir, lang, &opts, err) < 0 ||
	    render_kind_sections(view, dir, lang, &opts, err) < 0)
		goto out;
	strbuf_addf(&name, "report.%s.md.mustache", lang);
	if (load_template(dir, name.buf, &tmpl, err) < 0)
		goto out;
	if (src) {
		json_t *step = json_incref(json_object_get(partials, "step"));

		json_object_set_new(partials, "step",
				    json_string("{{{.}}}"));
		i = mustache_render(tmpl.buf, tmpl.len, view, &opts, &text, err);
		json_object_set_new(partials, "step", step);
	} else {
		i = mustache_render(tmpl.buf, tmpl.len, view, &opts, md, err);
	}
	if (i < 0) {
		error_prefix(err, "template %s/report.%s.md.mustache", dir, lang);
		goto out;
	}
	if (src && splice_steps(&text, view, src, tmpls, dir, lang, &opts, md,
				err) < 0)
		goto out;
	ret = 0;
out:
	json_decref(partials);
	json_decref(tmpls);
	strbuf_release(&name);
	strbuf_release(&tmpl);
	strbuf_release(&text);
	return ret;
}

int report_markdown(json_t *view, struct strbuf *md, struct error *err)
{
	return render_markdown(view, NULL, md, err);
}

/* The sign-off records (signoff.h) as the sign-off table's rows. */
static void view_signoffs(json_t *view, json_t *start, json_t *signoffs)
{
	static const struct words *const signoff_tables[] = { words_signoff,
		NULL };
	int lang = json_is_true(json_object_get(view, "lang_zh")) ? WORDS_ZH :
		   WORDS_EN;
	json_t *arr = json_array(), *r;
	struct jrecord_start st;
	int off;
	size_t i;

	jrecord_start_read(start, &st);
	off = zone_offset_min(st.env.zone);
	jrecord_start_release(&st);

	json_array_foreach(signoffs, i, r) {
		json_t *o = json_object();
		const char *key = journal_str(r, "key");

		set_said(o, "role", signoff_tables, NULL, journal_str(r, "role"),
			 lang);
		set_data(o, "name", journal_str(r, "name"));
		json_object_set_new(o, "comment", json_null());
		set_data(o, "comment", journal_str(r, "comment"));
		set_local(o, "time_local", journal_str(r, "time"), off, 1);
		if (*key) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "SHA256:%.16s", key);
			set_data(o, "key_short", sb.buf);
			add_code(o, "key_short");
			strbuf_release(&sb);
		} else {
			json_object_set_new(o, "key_short_code", json_null());
		}
		json_array_append_new(arr, o);
	}
	json_object_set_new(view, "has_signoffs",
			    json_boolean(json_array_size(arr) > 0));
	json_object_set_new(view, "signoffs", arr);
}

/*
 * report.md from the view, then the view let go before report.html is
 * made from it: the view of a big journal and cmark-gfm's tree of its
 * report are never held together.
 */
static int render_view(json_t *view, const struct step_src *src,
		       struct strbuf *md, struct strbuf *html,
		       markdown_sink_fn *sink, void *ctx, struct error *err)
{
	struct strbuf title = STRBUF_INIT, footer = STRBUF_INIT,
		      lang = STRBUF_INIT;
	int ret = -1;

	if (render_markdown(view, src, md, err) < 0) {
		json_decref(view);
		goto out;
	}
	strbuf_addf(&title, "%s — %s (%s)", journal_str(view, "title"),
		    journal_str(view, "date"), journal_str(view, "status"));
	strbuf_adds(&footer, journal_str(view, "print_footer"));
	strbuf_adds(&lang, journal_str(view, "lang"));
	json_decref(view);
	if (sink ? markdown_to_html_sink(md->buf, md->len, title.buf,
					 footer.buf, lang.buf, sink, ctx,
					 err) < 0 :
	    markdown_to_html_footer(md->buf, md->len, title.buf, footer.buf,
				    lang.buf, html, err) < 0)
		goto out;
	ret = 0;
out:
	strbuf_release(&title);
	strbuf_release(&footer);
	strbuf_release(&lang);
	return ret;
}

/*
 * One pass (report_one_pass()): each step viewed while the journal's
 * walk reads it, its record parsed once, its section rendered then
 * (struct early) and its JSON let go. A step's view depends on more than
 * its record: the report's keys viewed before the steps (the last
 * record, the end record, the verdict, the preflight record), and the
 * end record its kind's hook may read. Those are known only once the
 * walk has read every line, so they are guessed when the first step
 * record comes: the last and end records from the journal's last line,
 * read from its tail (jrecords_tail()), the verdict from the start and
 * that end. The render then takes the pass only if every guess was
 * right: the walk ended on that very line (same place, same SHA-256),
 * the first end record is that line (or there is none and it was not
 * one), the preflight record is the one there was, the verdict is the
 * same, the steps' records came as the drill's steps in order (a later
 * record of a step already viewed is passed over, as index_records()
 * does), and the render is in the language viewed. The same inputs give
 * the same view (a step's view is a function of them), so the same
 * bytes; if any guess was wrong the render goes the two-pass way
 * (build_view()), as before.
 */
enum { PASS_WAIT, PASS_ON, PASS_OFF };

struct report_pass {
	char *lang;             /* asked for (NULL: the drill's) */
	int state;
	struct view_in in;      /* as guessed when the steps began */
	json_t *view, *finds;
	struct steps sp;
	size_t next;            /* the drill's steps 0 .. next-1 are viewed */
	struct early *early;
	json_t *end;            /* the end record guessed, NULL: none */
	unsigned long long tail_off;    /* the journal's last line */
	char tail_hash[SHA256_HEX_LEN + 1];
	/* What the walk read: how many lines, its last, its first end. */
	size_t seen;
	unsigned long long last_off, end_off;
	char last_hash[SHA256_HEX_LEN + 1], end_hash[SHA256_HEX_LEN + 1];
	int saw_end;
};

static void pass_off(struct report_pass *p)
{
	steps_release(&p->sp);
	json_decref(p->view);
	json_decref(p->finds);
	json_decref(p->end);
	early_free(p->early);
	view_in_release(&p->in);
	p->view = p->finds = p->end = NULL;
	p->early = NULL;
	p->state = PASS_OFF;
}

static void pass_free(void *ctx)
{
	struct report_pass *p = ctx;

	pass_off(p);
	free(p->lang);
	free(p);
}

/* The guesses, and the report's keys before the steps viewed on them. */
static int pass_begin(struct report_pass *p, const struct jrecords *jr)
{
	struct error err = ERROR_INIT;
	json_t *tail, *outline;
	int ret = -1;

	/* An end record before the steps: not worth guessing about. */
	if (jr->end || !(tail = jrecords_tail(jr, &p->tail_off, p->tail_hash)))
		goto out;
	if (!strcmp(journal_str(tail, "type"), "end"))
		p->end = json_incref(tail);
	if (view_in_read(&p->in, jr, p->end, p->lang, &err) < 0) {
		json_decref(tail);
		goto out;
	}
	p->in.last = tail;
	outline = json_pack("[O]", jr->start);
	if (p->end)
		json_array_append(outline, p->end);
	p->in.status = restored_verdict(outline, p->in.d);
	json_decref(outline);
	/* Left destroyed: the outline and the whole plan are read then. */
	if (!strcmp(p->in.status, RESTORED_WORD))
		goto out;
	p->view = json_object();
	p->finds = json_array();
	view_pre(p->view, &p->in, NULL);
	p->early = early_new();
	steps_begin(&p->sp, p->view, p->in.d, p->end, p->finds,
		    !strcmp(p->in.status, "PLANNED"), p->in.off, p->in.wl, 1,
		    p->early);
	p->state = PASS_ON;
	ret = 0;
out:
	error_release(&err);
	return ret;
}

/* jrecords_viewer.each: every record as the walk reads it. */
static void pass_each(void *ctx, const struct jrecords *jr,
		      const struct journal_line *l, int step)
{
	struct report_pass *p = ctx;
	long long n;

	if (p->state == PASS_OFF)
		return;
	p->seen++;
	p->last_off = l->off;
	memcpy(p->last_hash, l->hash, sizeof(p->last_hash));
	if (!step && jr->end == l->rec) {
		p->saw_end = 1;
		p->end_off = l->off;
		memcpy(p->end_hash, l->hash, sizeof(p->end_hash));
	}
	if (!step)
		return;
	if (p->state == PASS_WAIT && pass_begin(p, jr) < 0) {
		pass_off(p);
		return;
	}
	n = jr->step[jr->nsteps - 1].n;
	/* Not a step of the plan, or a later record of one: passed over. */
	if (n < 1 || (unsigned long long)n > p->in.d->nsteps ||
	    (unsigned long long)n <= p->next)
		return;
	if ((unsigned long long)n != p->next + 1) {
		pass_off(p);
		return;
	}
	step_one(&p->sp, p->next++, l->rec);
}

/* 1 when every guess pass_begin() made is what the walk read. */
static int pass_right(const struct report_pass *p, const struct jrecords *jr,
		      const char *lang)
{
	if (p->state != PASS_ON || p->seen != jr->nrecords ||
	    strcmp(lang ? lang : p->in.d->language, p->in.lang) ||
	    jr->preflight != p->in.preflight ||
	    p->last_off != p->tail_off || strcmp(p->last_hash, p->tail_hash))
		return 0;
	if (!p->end)
		return !jr->end;
	return jr->end && p->saw_end && p->end_off == p->tail_off &&
	       !strcmp(p->end_hash, p->tail_hash);
}

/*
 * The report's view from the pass, the steps with no record viewed now
 * (after those that had one, as in the drill), or NULL: the guesses were
 * wrong, or `lang` is not the pass's (build_view() then). Either way the
 * pass is spent.
 */
static json_t *pass_view(struct report_pass *p, const struct jrecords *jr,
			 const char *lang, struct step_src *src)
{
	struct records ix;
	json_t *outline, *view = NULL;
	const char *status;
	size_t i;

	if (!pass_right(p, jr, lang))
		goto out;
	index_records(&ix, jr, p->in.d->nsteps);
	outline = jrecords_outline(jr, p->in.d->nsteps);
	status = restored_verdict(outline, p->in.d);
	if (strcmp(status, p->in.status)) {
		json_decref(outline);
		free(ix.step);
		goto out;
	}
	json_decref(outline);
	/* The end record's fields as the walk read them (the same bytes). */
	jrecord_end_release(&p->in.en);
	jrecord_end_read(jr->end, &p->in.en);
	p->sp.end = jr->end;
	for (i = p->next; i < p->in.d->nsteps; i++)
		step_one(&p->sp, i, NULL);
	steps_finish(&p->sp);
	view_post(p->view, &p->in, &ix, jr, p->finds);
	step_src_fill(src, &p->in, &ix);
	src->early = p->early;
	p->early = NULL;
	view = p->view;
	p->view = NULL;
out:
	pass_off(p);
	return view;
}

void report_one_pass(struct jrecords *jr, const char *lang)
{
	struct report_pass *p = xcalloc(1, sizeof(*p));

	p->lang = lang ? xstrdup(lang) : NULL;
	if (jr->viewer.release)
		jr->viewer.release(jr->viewer.ctx);
	jr->viewer.each = pass_each;
	jr->viewer.release = pass_free;
	jr->viewer.ctx = p;
}

/*
 * A step at a time (build_view()'s `src`): the view holds the report's
 * keys and no step, so what is held grows with one step's section, not
 * with the journal.
 */
static int render_jr(const struct jrecords *jr, const char *lang,
		     struct strbuf *md, struct strbuf *html,
		     markdown_sink_fn *sink, void *ctx, struct error *err)
{
	struct step_src src;
	json_t *view;
	int ret;

	memset(&src, 0, sizeof(src));
	view = jr->viewer.each == pass_each ?
	       pass_view(jr->viewer.ctx, jr, lang, &src) : NULL;
	if (!view) {
		src.early = early_new();
		view = build_view(jr, lang, &src, err);
	}
	ret = view ? render_view(view, &src, md, html, sink, ctx, err) : -1;
	step_src_release(&src);
	return ret;
}

int report_render_jr(const struct jrecords *jr, const char *lang,
		     struct strbuf *md, struct strbuf *html, struct error *err)
{
	return render_jr(jr, lang, md, html, NULL, NULL, err);
}

int report_render_jr_sink(const struct jrecords *jr, const char *lang,
			  struct strbuf *md, markdown_sink_fn *sink, void *ctx,
			  struct error *err)
{
	return render_jr(jr, lang, md, NULL, sink, ctx, err);
}

int report_render(json_t *records, const char *lang, struct strbuf *md,
		  struct strbuf *html, struct error *err)
{
	return report_render_signed(records, NULL, lang, md, html, err);
}

int report_render_signed(json_t *records, json_t *signoffs, const char *lang,
			 struct strbuf *md, struct strbuf *html,
			 struct error *err)
{
	json_t *view = report_view(records, lang, err);

	if (!view)
		return -1;
	if (signoffs)
		view_signoffs(view, json_array_get(records, 0), signoffs);
	return render_view(view, NULL, md, html, NULL, NULL, err);
}

int report_write_texts(const char *dir, const struct strbuf *md,
		       const struct strbuf *html, const char *md_name,
		       const char *html_name, struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = -1;

	strbuf_addf(&path, "%s/%s", dir, md_name);
	if (fs_write_atomic(path.buf, md->buf, md->len, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/%s", dir, html_name);
	if (fs_write_atomic(path.buf, html->buf, html->len, err) < 0)
		goto out;
	ret = 0;
out:
	strbuf_release(&path);
	return ret;
}

int report_write_as_jr(const char *dir, const struct jrecords *jr,
		       const char *lang, const char *md_name,
		       const char *html_name, struct error *err)
{
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	int ret = -1;

	if (report_render_jr(jr, lang, &md, &html, err) == 0)
		ret = report_write_texts(dir, &md, &html, md_name, html_name,
					 err);
	strbuf_release(&md);
	strbuf_release(&html);
	return ret;
}

int report_write_as(const char *dir, json_t *records, const char *lang,
		    const char *md_name, const char *html_name,
		    struct error *err)
{
	struct jrecords jr;
	int ret;

	jrecords_init(&jr);
	jrecords_from_array(&jr, records);
	ret = report_write_as_jr(dir, &jr, lang, md_name, html_name, err);
	jrecords_release(&jr);
	return ret;
}

int report_write(const char *dir, json_t *records, const char *lang,
		 struct error *err)
{
	return report_write_as(dir, records, lang, "report.md", "report.html",
			       err);
}
