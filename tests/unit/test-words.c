/*
 * Every word a Chinese report holds is Chinese, or the drill's, a
 * server's, a path, a command, a hash, or a fixed term (words.h).
 *
 * With marking on (words_set_marking), the renderer encloses every value
 * that is not rdrill's own words in U+E000 ... U+E001 and every piece of
 * a template's own text in U+E002 ... U+E003. The check takes the marked
 * values out; in a template's text it takes out code spans (commands and
 * file names the template writes, `rdrill verify BUNDLE`); what is left,
 * rdrill's generated words and the templates' prose, may hold no Latin
 * word but the fixed terms. No guessing: a word is either inside a mark
 * or it fails the test.
 *
 * The reports: every journal of tests/data/report and of the real runs
 * in examples (plan, run, scheduled backups, fingerprints), in
 * zh-CN, with their sign-offs when the bundle has some; and history
 * (`rdrill history --lang zh-CN`): over the bundles in examples, and a
 * model holding every state, signer, finding and cell history writes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "history.h"
#include "journal.h"
#include "report.h"
#include "signoff.h"
#include "strbuf.h"
#include "strvec.h"
#include "words.h"

/* ---- the check ----------------------------------------------------------- */

static int starts(const char *p, const char *mark)
{
	return !strncmp(p, mark, strlen(mark));
}

static int fixed_term(const char *w, size_t n)
{
	const char *const *t;

	for (t = words_fixed_terms; *t; t++)
		if (strlen(*t) == n && !strncmp(*t, w, n))
			return 1;
	return 0;
}

static int word_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Whether only marks stand between p and the line's start. */
static int at_line_start(const char *md, const char *p)
{
	while (p - md >= 3 && (starts(p - 3, WORDS_MARK_OPEN) ||
			       starts(p - 3, WORDS_MARK_CLOSE) ||
			       starts(p - 3, WORDS_TEXT_OPEN) ||
			       starts(p - 3, WORDS_TEXT_CLOSE)))
		p -= 3;
	return p == md || p[-1] == '\n';
}

/* The line around p, its marks shown as brackets, for the message. */
static void line_of(const char *md, const char *p, struct strbuf *out)
{
	const char *s = p, *e = p;

	while (s > md && s[-1] != '\n')
		s--;
	while (*e && *e != '\n')
		e++;
	for (; s < e; s++) {
		if (starts(s, WORDS_MARK_OPEN) || starts(s, WORDS_MARK_CLOSE)) {
			strbuf_addch(out, starts(s, WORDS_MARK_OPEN) ? '[' : ']');
			s += 2;
		} else if (starts(s, WORDS_TEXT_OPEN) ||
			   starts(s, WORDS_TEXT_CLOSE)) {
			s += 2;
		} else {
			strbuf_addch(out, *s);
		}
	}
}

/*
 * The Latin words of `md` outside marked values and outside code spans
 * in template text, each as "line N: word" in `bad`. A fenced code
 * block's info string ("```text") is Markdown, not a word.
 */
static int verbose;

static void english_left(const char *md, struct strvec *bad)
{
	const char *p = md;
	int data = 0, text = 0, code = 0;
	long line = 1;

	while (*p) {
		if (starts(p, WORDS_MARK_OPEN)) {
			data++;
			p += 3;
			continue;
		}
		if (starts(p, WORDS_MARK_CLOSE)) {
			data--;
			p += 3;
			continue;
		}
		if (starts(p, WORDS_TEXT_OPEN)) {
			text = 1;
			p += 3;
			continue;
		}
		if (starts(p, WORDS_TEXT_CLOSE)) {
			text = 0;
			p += 3;
			continue;
		}
		if (*p == '\n') {
			code = 0;
			line++;
			p++;
			continue;
		}
		if (data) {
			p++;
			continue;
		}
		if (!strncmp(p, "```", 3) && at_line_start(md, p)) {
			p += 3;
			while (*p == '`')
				p++;
			while (word_char(*p))
				p++;
			continue;
		}
		if (text && *p == '`') {
			code = !code;
			p++;
			continue;
		}
		/* The template's code; a value inside it is checked. */
		if (code && text) {
			p++;
			continue;
		}
		if (word_char(*p)) {
			const char *w = p;
			int letters = 0;
			while (word_char(*p))
				letters += (*p >= 'A' && *p <= 'Z') ||
					   (*p >= 'a' && *p <= 'z'), p++;
			/* "SHA-256" is a term; "-" closing a word is not. */
			while (p > w && p[-1] == '-')
				p--;
			if (letters && !fixed_term(w, (size_t)(p - w))) {
				struct strbuf sb = STRBUF_INIT;
				if (verbose)
					line_of(md, w, &sb);
				strvec_pushf(bad, "line %ld: %.*s%s%s", line,
					     (int)(p - w), w, sb.len ? " in: " : "",
					     sb.buf);
				strbuf_release(&sb);
			}
			while (*p == '-')
				p++;
			continue;
		}
		p++;
	}
}

/* ---- the reports --------------------------------------------------------- */

static json_t *load(const char *path)
{
	struct error err = ERROR_INIT;
	json_t *records;
	int torn = 0;

	records = journal_read(path, &torn, &err);
	if (!records)
		fail_msg("%s: %s", path, err.msg.buf);
	error_release(&err);
	return records;
}

static void render_zh(json_t *records, json_t *signoffs, struct strbuf *md)
{
	struct strbuf html = STRBUF_INIT;
	struct error err = ERROR_INIT;

	words_set_marking(1);
	if (report_render_signed(records, signoffs, "zh-CN", md, &html,
				 &err) < 0)
		fail_msg("render: %s", err.msg.buf);
	words_set_marking(0);
	strbuf_release(&html);
	error_release(&err);
}

/* The journals of real runs this test renders. */
static void journals(struct strvec *out)
{
	static const char *const dirs[] = { "tests/data/report", "examples",
					    NULL };
	size_t i;

	for (i = 0; dirs[i]; i++) {
		DIR *dh = opendir(dirs[i]);
		struct dirent *de;

		assert_non_null(dh);
		while ((de = readdir(dh))) {
			struct strbuf p = STRBUF_INIT;
			size_t n = strlen(de->d_name);
			if (de->d_name[0] == '.')
				continue;
			if (n > 6 && !strcmp(de->d_name + n - 6, ".jsonl"))
				strbuf_addf(&p, "%s/%s", dirs[i], de->d_name);
			else
				strbuf_addf(&p, "%s/%s/journal.jsonl", dirs[i],
					    de->d_name);
			if (access(p.buf, R_OK) == 0)
				strvec_push(out, p.buf);
			strbuf_release(&p);
		}
		closedir(dh);
	}
}

static size_t check_one(const char *path, struct strvec *bad)
{
	struct strbuf md = STRBUF_INIT, so = STRBUF_INIT;
	json_t *records = load(path), *signoffs = NULL;
	size_t before = bad->nr, i;
	const char *slash = strrchr(path, '/');

	/* A bundle's sign-offs: the signed report (roles) too. */
	strbuf_addf(&so, "%.*s/signoff.jsonl", (int)(slash - path), path);
	if (access(so.buf, R_OK) == 0) {
		struct error err = ERROR_INIT;
		strbuf_setlen(&so, (size_t)(slash - path));
		signoffs = signoff_read(so.buf, &err);
		if (!signoffs)
			fail_msg("%s: %s", so.buf, err.msg.buf);
		error_release(&err);
	}
	render_zh(records, signoffs, &md);
	english_left(md.buf, bad);
	for (i = before; i < bad->nr; i++)
		print_message("%s: %s\n", path, bad->v[i]);
	json_decref(records);
	json_decref(signoffs);
	strbuf_release(&md);
	strbuf_release(&so);
	return bad->nr - before;
}

/* ---- tests --------------------------------------------------------------- */

static void test_patterns(void **state)
{
	static const struct words t[] = {
		{ NULL, "{n} files in {}", "{2} 中有 {1} 个文件" },
		{ NULL, "wait for {} ({l})", "等待 {}（{l}）" },
		{ NULL, "fast", "快" },
		{ NULL, "at most {n}s", "最多 {n} 秒" },
		{ "value", "{}", "{}" },
		{ NULL, "made {d} ago", "{d} 前生成" },
		WORDS_END
	};
	const struct words *const tables[] = { t, NULL };
	struct strbuf sb = STRBUF_INIT;
	(void)state;

	assert_true(words_say(tables, WORDS_ZH, NULL, "3 files in /a b", &sb));
	assert_string_equal(sb.buf, "/a b 中有 3 个文件");
	strbuf_reset(&sb);
	assert_true(words_say(tables, WORDS_ZH, NULL,
			      "wait for db (fast, at most 5s)", &sb));
	assert_string_equal(sb.buf, "等待 db（快，最多 5 秒）");
	strbuf_reset(&sb);
	/* An item no entry says: the whole text is left as it was. */
	assert_false(words_say(tables, WORDS_ZH, NULL,
			       "wait for db (fast, slow)", &sb));
	assert_string_equal(sb.buf, "wait for db (fast, slow)");
	strbuf_reset(&sb);
	/* {n} is a number only. */
	assert_false(words_say(tables, WORDS_ZH, NULL, "x files in /a", &sb));
	strbuf_reset(&sb);
	/* A value of the check "value" is data; a label is not. */
	assert_true(words_say(tables, WORDS_ZH, "value", "2001", &sb));
	strbuf_reset(&sb);
	assert_false(words_say(tables, WORDS_ZH, NULL, "2001 rows", &sb));
	strbuf_reset(&sb);
	assert_true(words_say(tables, WORDS_ZH, NULL, "made 2d00h00m ago", &sb));
	assert_string_equal(sb.buf, "2 天 00 小时 00 分 前生成");
	strbuf_reset(&sb);
	/* Marked: the data holes only. */
	words_set_marking(1);
	assert_true(words_say(tables, WORDS_ZH, NULL, "3 files in /a", &sb));
	assert_string_equal(sb.buf, WORDS_MARK_OPEN "/a" WORDS_MARK_CLOSE
			    " 中有 " WORDS_MARK_OPEN "3" WORDS_MARK_CLOSE
			    " 个文件");
	words_set_marking(0);
	strbuf_reset(&sb);
	/* English is English. */
	assert_true(words_say(tables, WORDS_EN, NULL, "anything", &sb));
	assert_string_equal(sb.buf, "anything");
	strbuf_release(&sb);
}

/* The check itself: marks, code in template text, fences, terms. */
static void test_checker(void **state)
{
	struct strvec bad = STRVEC_INIT;
	(void)state;

	english_left(WORDS_TEXT_OPEN "结论 `rdrill verify` RTO SHA-256 "
		     WORDS_TEXT_CLOSE WORDS_MARK_OPEN "mattermost"
		     WORDS_MARK_CLOSE WORDS_TEXT_OPEN "\n```text\n"
		     WORDS_TEXT_CLOSE, &bad);
	assert_int_equal(bad.nr, 0);
	english_left("值 exit code", &bad);
	assert_int_equal(bad.nr, 2);
	assert_string_equal(bad.v[0], "line 1: exit");
	strvec_clear(&bad);
	/* A code span in a value (not the template's) is checked. */
	english_left("`exit code`", &bad);
	assert_int_equal(bad.nr, 2);
	strvec_clear(&bad);
}

/* Every zh-CN report of a real run: no generated English word. */
static void test_real_runs(void **state)
{
	struct strvec paths = STRVEC_INIT, bad = STRVEC_INIT;
	size_t i;
	(void)state;

	verbose = getenv("RDRILL_WORDS_VERBOSE") != NULL;
	journals(&paths);
	assert_true(paths.nr >= 5);
	for (i = 0; i < paths.nr; i++)
		check_one(paths.v[i], &bad);
	if (bad.nr)
		fail_msg("%zu English words in zh-CN reports (first: %s)",
			 bad.nr, bad.v[0]);
	strvec_clear(&paths);
	strvec_clear(&bad);
}

/* rdrill's main(), built again for this binary (Makefile). */
int rdrill_main(int argc, char **argv);

/*
 * The plan of every drill shipped in drills/ (each kind's description
 * and target lines as the code says them today, not as an old journal
 * recorded them), planned by rdrill itself and rendered in zh-CN.
 */
static void test_shipped_plans(void **state)
{
	struct strvec bad = STRVEC_INIT;
	struct strbuf dir = STRBUF_INIT;
	const char *tmp = getenv("TMPDIR");
	DIR *dh = opendir("drills");
	struct dirent *de;
	int n = 0;
	(void)state;

	assert_non_null(dh);
	strbuf_addf(&dir, "%s/rdrill-test-words.XXXXXX", tmp && *tmp ? tmp :
		    "/tmp");
	assert_non_null(mkdtemp(dir.buf));
	while ((de = readdir(dh))) {
		struct strbuf drill = STRBUF_INIT, out = STRBUF_INIT,
			      journal = STRBUF_INIT, md = STRBUF_INIT;
		size_t len = strlen(de->d_name), before = bad.nr, i;
		json_t *records;
		char *argv[6];

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml"))
			continue;
		strbuf_addf(&drill, "drills/%s", de->d_name);
		strbuf_addf(&out, "%s/%s", dir.buf, de->d_name);
		argv[0] = (char *)"rdrill";
		argv[1] = (char *)"plan";
		argv[2] = drill.buf;
		argv[3] = (char *)"-o";
		argv[4] = out.buf;
		argv[5] = NULL;
		if (rdrill_main(5, argv) != 0)
			fail_msg("rdrill plan %s failed", drill.buf);
		strbuf_addf(&journal, "%s/journal.jsonl", out.buf);
		records = load(journal.buf);
		render_zh(records, NULL, &md);
		english_left(md.buf, &bad);
		for (i = before; i < bad.nr; i++)
			print_message("%s: %s\n", drill.buf, bad.v[i]);
		json_decref(records);
		strbuf_release(&drill);
		strbuf_release(&out);
		strbuf_release(&journal);
		strbuf_release(&md);
		n++;
	}
	closedir(dh);
	assert_true(n >= 5);
	if (!getenv("RDRILL_KEEP")) {
		struct strbuf cmd = STRBUF_INIT;
		strbuf_addf(&cmd, "rm -rf '%s'", dir.buf);
		assert_int_equal(system(cmd.buf), 0);
		strbuf_release(&cmd);
	}
	if (bad.nr)
		fail_msg("%zu English words in zh-CN plans (first: %s)",
			 bad.nr, bad.v[0]);
	strvec_clear(&bad);
	strbuf_release(&dir);
}

/* A sign-off as --role auditor is 审计 in the signed zh-CN report. */
static void test_signoff_role(void **state)
{
	struct strbuf md = STRBUF_INIT;
	struct error err = ERROR_INIT;
	json_t *records = load("examples/demo-run-en/journal.jsonl");
	json_t *so = signoff_read("examples/demo-run-en", &err);
	(void)state;

	assert_non_null(so);
	assert_string_equal(journal_str(json_array_get(so, 0), "role"),
			    "auditor");
	render_zh(records, so, &md);
	assert_non_null(strstr(md.buf, "| 审计 | "));
	assert_null(strstr(md.buf, "auditor"));
	json_decref(records);
	json_decref(so);
	strbuf_release(&md);
	error_release(&err);
}

/*
 * The zh-CN templates' own text, every one (kinds no journal here has
 * run included): English only in code spans or as fixed terms.
 */
static void test_templates(void **state)
{
	struct strvec bad = STRVEC_INIT;
	DIR *dh = opendir("templates");
	struct dirent *de;
	size_t i;
	(void)state;

	assert_non_null(dh);
	while ((de = readdir(dh))) {
		struct strbuf path = STRBUF_INIT, t = STRBUF_INIT, text = STRBUF_INIT;
		size_t before = bad.nr;
		const char *p;

		if (!strstr(de->d_name, ".zh-CN.md.mustache"))
			continue;
		strbuf_addf(&path, "templates/%s", de->d_name);
		assert_true(strbuf_read_file(&t, path.buf, 1 << 20) >= 0);
		/* Its text between tags, as the renderer marks it. */
		strbuf_adds(&text, WORDS_TEXT_OPEN);
		for (p = t.buf; *p; p++) {
			if (p[0] == '{' && p[1] == '{') {
				const char *e = strstr(p, "}}");
				if (!e)
					break;
				p = e + 1 + (e[2] == '}');
				strbuf_adds(&text, WORDS_TEXT_CLOSE WORDS_TEXT_OPEN);
				continue;
			}
			strbuf_addch(&text, *p);
		}
		strbuf_adds(&text, WORDS_TEXT_CLOSE);
		english_left(text.buf, &bad);
		for (i = before; i < bad.nr; i++)
			print_message("%s: %s\n", path.buf, bad.v[i]);
		strbuf_release(&path);
		strbuf_release(&t);
		strbuf_release(&text);
	}
	closedir(dh);
	if (bad.nr)
		fail_msg("%zu English words in zh-CN templates (first: %s)",
			 bad.nr, bad.v[0]);
	strvec_clear(&bad);
}

/*
 * One English word a kind forgot to say (a check text no table knows)
 * fails the test: the render leaves it as it is, unmarked.
 */
static void test_injected_word_fails(void **state)
{
	struct strvec bad = STRVEC_INIT;
	struct strbuf md = STRBUF_INIT;
	json_t *records = load("tests/data/report/demo-passed.jsonl"), *r;
	size_t i;
	int done = 0;
	(void)state;

	json_array_foreach(records, i, r) {
		json_t *c = json_array_get(json_object_get(r, "checks"), 0);
		if (done || !c || strcmp(journal_str(r, "type"), "step"))
			continue;
		json_object_set_new(c, "what", json_string("exit code, roughly"));
		done = 1;
	}
	assert_true(done);
	render_zh(records, NULL, &md);
	english_left(md.buf, &bad);
	assert_true(bad.nr >= 1);
	for (i = 0; i < bad.nr; i++)
		if (strstr(bad.v[i], "roughly"))
			break;
	assert_true(i < bad.nr);
	json_decref(records);
	strbuf_release(&md);
	strvec_clear(&bad);
}

/* ---- history ------------------------------------------------------------ */

/*
 * Every branch history.md has: the four states, each signer, each
 * finding, a path not searched (history's own words and the system's
 * strerror), a point-in-time recovery's figures, an own-backup RPO, a
 * restore pair, sign-offs, a REFUSED run apart, a drill never run.
 */
static const char history_model[] =
"{\"generated\": \"2026-12-06T10:00:00.000Z\", \"bundles\": 7, \"refused\": 1,"
" \"trusted_keys\": 1,"
" \"skipped\": [{\"path\": \"/r/deep\", \"why\": \"deeper than the 4 levels "
"history searches: not searched\"}, {\"path\": \"/r/odd\", \"why\": "
"\"journal.jsonl is not a regular file\"}, {\"path\": \"/r/x\", \"why\": "
"\"Permission denied\"}],"
" \"drills\": [{\"id\": \"mm\", \"environment\": \"prod\", \"title\": "
"\"Mattermost restore\", \"cadence_s\": 7776000, \"overdue\": false,"
"  \"due\": \"2027-01-01T00:00:00.000Z\", \"last_pass\": "
"\"2026-12-01T00:00:00.000Z\", \"findings\": ["
"   \"/r/a: started 2027-01-01T00:00:00.000Z, after this index was made: "
"the runner's clock was wrong; not counted\","
"   \"/r/b: the drill's other runs are signed by a trusted key, this one "
"is untrusted signer\","
"   \"/r/c: signed by SHA256:0123456789ab, not by the key of the drill's "
"earlier runs\","
"   \"/r/d: unsigned, while the drill's earlier runs are signed\"],"
"  \"runs\": ["
"   {\"bundle\": \"/r/a\", \"started\": \"2026-12-01T00:00:00.000Z\", "
"\"status\": \"PASSED\", \"state\": \"verified\", \"rto_ms\": 61000, "
"\"rpo_ms\": 4000, \"signed_key\": \"0123456789abcdef\", \"signer\": "
"\"trusted\", \"signoffs\": 2, \"counted\": true, \"pass\": true,"
"    \"resumes\": \"k\", \"restored_by\": \"k2\", \"pitr\": {\"rpo_wal_ms\": "
"1200, \"rpo_kind\": \"archive_lag\", \"wal_proof_ms\": 10, "
"\"restore_files_ms\": 20, \"replay_wal_ms\": 30, \"promote_ms\": 40, "
"\"recovery_ms\": 100}},"
"   {\"bundle\": \"/r/b\", \"started\": \"2026-12-02T00:00:00.000Z\", "
"\"status\": \"FAILED\", \"state\": \"verified\", \"rto_ms\": 900, "
"\"rpo_ms\": -1, \"rpo_source\": \"own_backup\", \"signed_key\": "
"\"fedcba9876543210\", \"signer\": \"untrusted signer\", \"signoffs\": 1, "
"\"finding\": \"/r/b: the drill's other runs are signed by a trusted key, "
"this one is untrusted signer\", \"pitr\": {\"rpo_wal_ms\": 5, "
"\"rpo_kind\": \"to_target\", \"recovery_ms\": 7}},"
"   {\"bundle\": \"/r/c\", \"started\": \"2026-12-03T00:00:00.000Z\", "
"\"status\": \"PASSED\", \"state\": \"cut-short\", \"rto_ms\": 7200000, "
"\"rpo_ms\": 90000000, \"signed_key\": \"\", \"signer\": \"unsigned\"},"
"   {\"bundle\": \"/r/d\", \"started\": \"2026-12-04T00:00:00.000Z\", "
"\"status\": \"PASSED\", \"state\": \"tampered\", \"problem\": "
"\"journal.jsonl: does not match SHA256SUMS\", \"signer\": \"self-signed\", "
"\"signed_key\": \"ab\"},"
"   {\"bundle\": \"/r/e\", \"started\": \"2026-12-05T00:00:00.000Z\", "
"\"status\": \"NOT RESTORED\", \"state\": \"unsealed\", \"problem\": "
"\"SEAL: missing\", \"signer\": \"unsigned\"}],"
"  \"refused\": [{\"bundle\": \"/r/f\", \"started\": "
"\"2026-12-06T00:00:00.000Z\", \"status\": \"REFUSED\", \"state\": "
"\"verified\", \"reason\": \"the drill has 2 destructive steps: run it "
"with --confirm prod\"}]},"
"  {\"id\": \"never\", \"environment\": \"test\", \"title\": \"\", "
"\"overdue\": true, \"due\": null, \"last_pass\": null, \"findings\": [], "
"\"runs\": [], \"refused\": []}]}";

static size_t history_english(const struct history *h, struct strvec *bad)
{
	struct strbuf md = STRBUF_INIT;
	size_t before = bad->nr, i;

	words_set_marking(1);
	history_markdown(h, "zh-CN", &md);
	words_set_marking(0);
	english_left(md.buf, bad);
	for (i = before; i < bad->nr; i++)
		print_message("history: %s\n", bad->v[i]);
	strbuf_release(&md);
	return bad->nr - before;
}

#define EXAMPLES_INDEX "examples/.rdrill-history-index.jsonl"

/* history.md in zh-CN, every branch and the examples' real bundles. */
static void test_history(void **state)
{
	struct strvec bad = STRVEC_INIT, dirs = STRVEC_INIT;
	struct error err = ERROR_INIT;
	json_t *j = json_loads(history_model, 0, NULL);
	struct history h;
	int had_index;
	(void)state;

	assert_non_null(j);
	history_init(&h);
	history_from_json(&h, j);
	history_english(&h, &bad);
	history_release(&h);
	json_decref(j);
	strvec_push(&dirs, "examples");
	/* The scan keeps its index beside the bundles: not left in a checkout. */
	had_index = access(EXAMPLES_INDEX, F_OK) == 0;
	assert_int_equal(history_scan(&h, &dirs, NULL, 1796601600000LL, &err), 0);
	if (!had_index)
		unlink(EXAMPLES_INDEX);
	assert_true(h.ndrills >= 1);
	history_english(&h, &bad);
	history_release(&h);
	if (bad.nr)
		fail_msg("%zu English words in a zh-CN history (first: %s)",
			 bad.nr, bad.v[0]);
	strvec_clear(&bad);
	strvec_clear(&dirs);
	error_release(&err);
}

/* A finding history has no words for stays English, and fails. */
static void test_history_injected_word_fails(void **state)
{
	struct strvec bad = STRVEC_INIT;
	json_t *j = json_loads(history_model, 0, NULL);
	struct history h;
	size_t i;
	(void)state;

	assert_non_null(j);
	json_array_append_new(json_object_get(json_array_get(json_object_get(
		j, "drills"), 0), "findings"), json_string("/r/z: roughly"));
	history_init(&h);
	history_from_json(&h, j);
	assert_true(history_english(&h, &bad) >= 1);
	for (i = 0; i < bad.nr; i++)
		if (strstr(bad.v[i], "roughly"))
			break;
	assert_true(i < bad.nr);
	history_release(&h);
	json_decref(j);
	strvec_clear(&bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_real_runs),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_shipped_plans),
		cmocka_unit_test(test_signoff_role),
		cmocka_unit_test(test_injected_word_fails),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_injected_word_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
