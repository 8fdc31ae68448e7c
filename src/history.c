#include "history.h"
#include "clock.h"
#include "histindex.h"
#include "error.h"
#include "journal.h"
#include "markdown.h"
#include "restored.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bundles sit at most this deep below a given directory. */
#define HISTORY_DEPTH 4

/* A run that started this far after `now` had a wrong clock. */
#define HISTORY_CLOCK_SLACK_MS (5LL * 60 * 1000)

/*
 * The end record's verdict words, as history reads them: whether a
 * verified run with that word is a pass. A word not here (a newer
 * rdrill's) is shown as it is and is never a pass. A new verdict is one
 * row.
 */
static const struct verdict_word {
	const char *word;
	int pass;
} verdict_words[] = {
	{ "PASSED", 1 },
	{ "FAILED", 0 },
	{ "ABORTED", 0 },
	{ "REFUSED", 0 },
	{ "INCOMPLETE", 0 },
	{ "UNREADABLE", 0 },
	{ RESTORED_WORD, 0 },   /* the system was left destroyed (restored.h) */
};

static int word_passes(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(verdict_words) / sizeof(*verdict_words); i++)
		if (!strcmp(w, verdict_words[i].word))
			return verdict_words[i].pass;
	return 0;
}

/*
 * What the evidence says of a bundle (run "state"), and the word the
 * index shows instead of the end record's when it is not "verified":
 * only a verified bundle's own verdict is shown, and only it may pass.
 */
static const struct state_row {
	const char *state, *shown;
	int over_pass_only;     /* shown only instead of a passing word */
} state_rows[] = {
	{ "verified", NULL, 0 },
	/* Killed before its seal, sealed by render: its own verdict (FAILED,
	 * NOT RESTORED, INCOMPLETE...), but never a PASSED. */
	{ "cut-short", "CUT SHORT", 1 },
	{ "tampered", "TAMPERED", 0 },
	{ "unsealed", "UNVERIFIED", 0 },
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void skip(json_t *skipped, const char *path, const char *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "why", json_string(why));
	json_array_append_new(skipped, o);
}

/*
 * Every bundle under `dir`, sorted; symbolic links are not followed.
 * What cannot be searched (unreadable, deeper than the walk goes, a
 * journal that is not a regular file) goes to `skipped`, never silently.
 */
static void find_bundles(const char *dir, int depth, struct strvec *out,
			 json_t *skipped)
{
	struct strvec subs = STRVEC_INIT;
	struct strbuf p = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t i;

	strbuf_addf(&p, "%s/journal.jsonl", dir);
	if (lstat(p.buf, &st) == 0) {
		if (S_ISREG(st.st_mode))
			strvec_push(out, dir);
		else if (skipped)
			skip(skipped, dir, "journal.jsonl is not a regular file");
		strbuf_release(&p);
		return;
	}
	strbuf_release(&p);
	if (!(d = opendir(dir))) {
		if (skipped)
			skip(skipped, dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, de->d_name);
		if (lstat(p.buf, &st) == 0 && S_ISDIR(st.st_mode))
			strvec_push(&subs, p.buf);
	}
	closedir(d);
	strbuf_release(&p);
	qsort(subs.v, subs.nr, sizeof(*subs.v), cmp_str);
	for (i = 0; i < subs.nr; i++) {
		if (depth > 0)
			find_bundles(subs.v[i], depth - 1, out, skipped);
		else if (skipped)
			skip(skipped, subs.v[i], "deeper than the " "4 levels "
			     "history searches: not searched");
	}
	strvec_clear(&subs);
}

static long long int_or(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

/* The signer as the index says it (see history.h). */
static const char *signer_word(const char *key, const struct strvec *trusted)
{
	size_t i;

	if (!*key)
		return "unsigned";
	if (!trusted || !trusted->nr)
		return "self-signed";
	for (i = 0; i < trusted->nr; i++)
		if (!strcmp(trusted->v[i], key))
			return "trusted";
	return "untrusted signer";
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

/*
 * Bundle `dir` as a run (runsum.h), from the directory's index when its
 * entry was made from the bundle as it is now (histindex.h), else read
 * and verified, and put in the index. What depends on this invocation
 * (where the bundle is, whom --key trusts) is set afresh either way.
 * 1 for a plan bundle.
 */
static int summary_cached(const char *dir, struct histindex *ix,
			  const struct strvec *trusted, struct run_summary *s)
{
	char ident[SHA256_HEX_LEN + 1];
	int have = ix && histindex_ident(dir, ident) == 0, ret;
	json_t *e = have ? histindex_get(ix, base_name(dir), ident) : NULL;

	switch (runsum_from_entry(s, e, dir)) {
	case RUNSUM_PLAN_BUNDLE:
		return 1;
	case RUNSUM_WHOLE:
		return 0;
	default:
		break;
	}
	runsum_release(s);
	ret = runsum_read(s, dir);
	if (have)
		histindex_put(ix, base_name(dir), ident, runsum_entry(s,
			      ret ? NULL : signer_word(s->signed_key, trusted), 1));
	return ret;
}

/* The directory a bundle is in (its index's). */
static void parent_of(const char *dir, struct strbuf *out)
{
	const char *slash = strrchr(dir, '/');

	strbuf_reset(out);
	if (!slash)
		strbuf_adds(out, ".");
	else if (slash == dir)
		strbuf_adds(out, "/");
	else
		strbuf_add(out, dir, (size_t)(slash - dir));
}

/* Done with a directory's index: written back if it changed (a cache). */
static void index_close(struct histindex *ix)
{
	struct error e = ERROR_INIT;

	if (ix)
		histindex_save(ix, &e);
	histindex_release(ix);
	error_release(&e);
}

static int cmp_run(const void *a, const void *b)
{
	return strcmp(journal_str(*(json_t *const *)a, "started"),
		      journal_str(*(json_t *const *)b, "started"));
}

static void sort_runs(json_t *runs)
{
	size_t i, n = json_array_size(runs);
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(runs, i));
	qsort(v, n, sizeof(*v), cmp_run);
	json_array_clear(runs);
	for (i = 0; i < n; i++)
		json_array_append_new(runs, v[i]);
	free(v);
}

/* Decided once per run by judge(): history's one notion of a pass. */
static int counts_as_pass(json_t *run)
{
	return json_is_true(json_object_get(run, "pass"));
}

/* The pair of a NOT RESTORED run and its `rdrill restore`, both ways. */
static void link_restores(json_t *runs)
{
	json_t *r, *o;
	size_t i, j;

	json_array_foreach(runs, i, r) {
		if (!*journal_str(r, "resumes"))
			continue;
		json_array_foreach(runs, j, o)
			if (!strcmp(base_name(journal_str(o, "bundle")),
				    journal_str(r, "resumes")))
				json_object_set_new(o, "restored_by", json_string(
					base_name(journal_str(r, "bundle"))));
	}
}

/* A verified run whose figures count (in metrics, the chart's colour). */
static int counts_as_evidence(json_t *run)
{
	return json_is_true(json_object_get(run, "counted"));
}

static void finding(json_t *g, json_t *run, const char *fmt, const char *a,
		    const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, fmt, a, b);
	json_array_append_new(json_object_get(g, "findings"), json_string(sb.buf));
	if (run)
		json_object_set_new(run, "finding", json_string(sb.buf));
	strbuf_release(&sb);
}

/*
 * Each run of a drill: whether it counts (verified, signed by a trusted
 * key when keys are given, not dated in the future) and whether it is a
 * pass (that, and a passing verdict word); findings for what should not
 * be (a clock ahead, a signer the drill's other runs do not have).
 */
static void judge(json_t *g, const struct strvec *trusted, long long now_ms)
{
	json_t *runs = json_object_get(g, "runs"), *r;
	const char *first_key = NULL;
	int any_trusted = 0;
	size_t j;

	json_array_foreach(runs, j, r) {
		const char *k = journal_str(r, "signed_key");
		if (!strcmp(journal_str(r, "signer"), "trusted"))
			any_trusted = 1;
		if (*k && !first_key && !strcmp(journal_str(r, "state"), "verified"))
			first_key = k;
	}
	json_array_foreach(runs, j, r) {
		const char *sg = journal_str(r, "signer");
		const char *key = journal_str(r, "signed_key");
		long long t = clock_parse_utc_ms(journal_str(r, "started"));
		int counted = !strcmp(journal_str(r, "state"), "verified");

		if (counted && t > now_ms + HISTORY_CLOCK_SLACK_MS) {
			finding(g, r, "%s: started %s, after this index was "
				"made: the runner's clock was wrong; not counted",
				journal_str(r, "bundle"), journal_str(r, "started"));
			counted = 0;
		}
		if (trusted && trusted->nr && strcmp(sg, "trusted")) {
			if (any_trusted)
				finding(g, r, "%s: the drill's other runs are "
					"signed by a trusted key, this one is %s",
					journal_str(r, "bundle"), sg);
			counted = 0;
		} else if ((!trusted || !trusted->nr) && first_key &&
			   strcmp(key, first_key) &&
			   !strcmp(journal_str(r, "state"), "verified")) {
			finding(g, r, *key ? "%s: signed by SHA256:%.12s, not by "
				"the key of the drill's earlier runs" :
				"%s: %sunsigned, while the drill's earlier runs "
				"are signed", journal_str(r, "bundle"), key);
		}
		json_object_set_new(r, "counted", json_boolean(counted));
		json_object_set_new(r, "pass", json_boolean(counted &&
				    word_passes(journal_str(r, "status"))));
	}
}

/*
 * The drill's cadence is its newest run's (the drill file as it is
 * now), not whichever bundle was found first; a run dated in the future
 * is not the newest.
 */
static long long group_cadence(json_t *runs, long long now_ms)
{
	json_t *r;
	size_t j;

	for (j = json_array_size(runs); j-- > 0;) {
		r = json_array_get(runs, j);
		if (clock_parse_utc_ms(journal_str(r, "started")) <=
		    now_ms + HISTORY_CLOCK_SLACK_MS || j == 0)
			return int_or(r, "cadence_s", HISTORY_DEFAULT_CADENCE_S);
	}
	return HISTORY_DEFAULT_CADENCE_S;
}

static void close_group(json_t *g, const struct strvec *trusted,
			long long now_ms)
{
	json_t *runs = json_object_get(g, "runs"), *r;
	long long last = -1, cad;
	size_t j;

	sort_runs(runs);
	link_restores(runs);
	judge(g, trusted, now_ms);
	json_array_foreach(runs, j, r)
		if (counts_as_pass(r))
			last = clock_parse_utc_ms(journal_str(r, "started"));
	cad = group_cadence(runs, now_ms);
	json_object_set_new(g, "cadence_s", json_integer(cad));
	json_object_set_new(g, "last_pass", last >= 0 ? journal_utc(last) :
			    json_null());
	json_object_set_new(g, "due", last >= 0 ?
			    journal_utc(last + cad * 1000) : json_null());
	json_object_set_new(g, "overdue", json_boolean(last < 0 ||
			    now_ms > last + cad * 1000));
}

/*
 * A verified REFUSED run (a gate stopped it before any step: an
 * operator's mistake, nothing ran) says nothing of the system: it goes
 * to the drill's "refused" list, out of its record (runs, passes,
 * failures, the chart, the metrics). One whose bundle does not verify
 * stays a run: its word is not to be believed, so it shows as TAMPERED.
 */
static size_t split_refused(json_t *g)
{
	json_t *runs = json_object_get(g, "runs"), *kept = json_array();
	json_t *refused = json_array(), *r;
	size_t i, n;

	json_array_foreach(runs, i, r)
		json_array_append(!strcmp(journal_str(r, "state"), "verified") &&
				  !strcmp(journal_str(r, "status"), "REFUSED") ?
				  refused : kept, r);
	n = json_array_size(refused);
	sort_runs(refused);
	json_object_set_new(g, "runs", kept);
	json_object_set_new(g, "refused", refused);
	return n;
}

json_t *history_scan(const struct strvec *dirs, const struct strvec *trusted,
		     long long now_ms, struct error *err)
{
	struct strvec bundles = STRVEC_INIT, keys = STRVEC_INIT;
	json_t *groups = json_object(), *out = json_object(), *list, *g;
	json_t *skipped = json_array();
	struct histindex *ix = NULL;
	struct strbuf ixdir = STRBUF_INIT;
	const char *key;
	size_t i, nruns = 0, nrefused = 0;

	for (i = 0; i < dirs->nr; i++) {
		struct stat st;
		if (stat(dirs->v[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			error_set(err, "%s: not a directory", dirs->v[i]);
			json_decref(groups);
			json_decref(out);
			json_decref(skipped);
			strvec_clear(&bundles);
			return NULL;
		}
		find_bundles(dirs->v[i], HISTORY_DEPTH, &bundles, skipped);
	}
	for (i = 0; i < bundles.nr; i++) {
		struct strbuf k = STRBUF_INIT;
		struct run_summary s;
		json_t *run;
		const char *id;

		/* Bundles come directory by directory: one index at a time. */
		parent_of(bundles.v[i], &k);
		if (!ix || strcmp(k.buf, ixdir.buf)) {
			index_close(ix);
			ix = histindex_open(k.buf);
			strbuf_reset(&ixdir);
			strbuf_adds(&ixdir, k.buf);
		}
		strbuf_reset(&k);
		runsum_init(&s);
		if (summary_cached(bundles.v[i], ix, trusted, &s)) {
			runsum_release(&s);
			strbuf_release(&k);
			continue;
		}
		nruns++;
		id = *s.id ? s.id : "(unreadable journal)";
		run = runsum_run_json(&s, signer_word(s.signed_key, trusted));
		json_object_set_new(run, "cadence_s", json_integer(s.cadence_s));
		strbuf_addf(&k, "%s\x1f%s", id, s.environment);
		g = json_object_get(groups, k.buf);
		if (!g) {
			g = json_object();
			json_object_set_new(g, "id", json_string(id));
			json_object_set_new(g, "environment",
					    json_string(s.environment));
			json_object_set_new(g, "runs", json_array());
			json_object_set_new(g, "findings", json_array());
			json_object_set_new(groups, k.buf, g);
		}
		/* The title, like the cadence, of the newest run: set below. */
		if (strcmp(s.started, journal_str(g, "title_from")) >= 0) {
			json_object_set_new(g, "title", json_string(s.title));
			json_object_set_new(g, "title_from", json_string(s.started));
		}
		json_array_append_new(json_object_get(g, "runs"), run);
		runsum_release(&s);
		strbuf_release(&k);
	}
	index_close(ix);
	strbuf_release(&ixdir);
	list = json_array();
	/* jansson keeps insertion order; sort the keys for a stable index. */
	json_object_foreach(groups, key, g)
		strvec_push(&keys, key);
	qsort(keys.v, keys.nr, sizeof(*keys.v), cmp_str);
	for (i = 0; i < keys.nr; i++) {
		g = json_object_get(groups, keys.v[i]);
		json_object_del(g, "title_from");
		nrefused += split_refused(g);
		close_group(g, trusted, now_ms);
		json_array_append(list, g);
	}
	strvec_clear(&keys);
	json_object_set_new(out, "generated", journal_utc(now_ms));
	json_object_set_new(out, "bundles", json_integer((json_int_t)nruns));
	json_object_set_new(out, "refused", json_integer((json_int_t)nrefused));
	json_object_set_new(out, "trusted_keys", json_integer(trusted ?
				(json_int_t)trusted->nr : 0));
	json_object_set_new(out, "drills", list);
	json_object_set_new(out, "skipped", skipped);
	json_decref(groups);
	strvec_clear(&bundles);
	return out;
}

int history_skipped(json_t *h)
{
	return (int)json_array_size(json_object_get(h, "skipped"));
}

int history_overdue(json_t *h)
{
	json_t *g;
	size_t i;
	int n = 0;

	json_array_foreach(json_object_get(h, "drills"), i, g)
		n += json_is_true(json_object_get(g, "overdue"));
	return n;
}

/* ---- the index ---------------------------------------------------------- */

/*
 * The index's own words, in each report language (issue 22: history was
 * English only). Text that is rdrill's own sentence is here; the runs'
 * figures, dates and the drills' names are filled in and marked as data
 * when marking (words.h), so test-words checks a Chinese history too.
 */
enum hw {
	HW_TITLE, HW_GENERATED, HW_REFUSED_N, HW_RULES, HW_TRUSTED,
	HW_UNTRUSTED, HW_FINDINGS, HW_NOT_SEARCHED, HW_SUMMARY_HEAD,
	HW_RUNS_HEAD, HW_REFUSED_HEAD, HW_REFUSED_TABLE, HW_OWN_BACKUP,
	HW_FROM_WAL, HW_ARCHIVE_LAG, HW_TO_TARGET, HW_RECOVERY, HW_WAL_PROOF,
	HW_RESTORE, HW_REPLAY, HW_PROMOTE, HW_CLOSE, HW_NOT_COUNTED, HW_SEAL,
	HW_SEAL_UNSIGNED, HW_SIGNOFFS, HW_RESTORES, HW_RESTORED_BY,
	HW_RESTORED_BY_END,
	HW_SEP, HW_COLON, HW_LEGEND, HW_HTML_TITLE, HW_NONE_RAN,
	HW_N
};

static const char *const hw_text[HW_N][2] = {
	[HW_TITLE] = { "# Drill history\n\n", "# 演练历史\n\n" },
	[HW_GENERATED] = { "Generated %s from %lld run bundles",
			   "生成于 %s，共 %lld 个运行证据包" },
	[HW_REFUSED_N] = { " (%lld of them refused: listed apart)",
			   "（其中 %lld 个被拒绝：单独列出）" },
	[HW_RULES] = { ". A run counts as passed only when its bundle verifies "
		       "(`rdrill verify`); a drill is `OVERDUE` when its last "
		       "passed run is older than its cadence (default 92 days). "
		       "A `REFUSED` run (a gate stopped it: nothing ran) is not "
		       "part of a drill's record.",
		       "。只有证据包通过验证（`rdrill verify`）的运行才算通过；"
		       "最近一次通过早于演练周期（默认 92 天）时，演练为 "
		       "`OVERDUE`。`REFUSED` 的运行（被关卡拦下：什么都没有执行）"
		       "不计入演练的记录。" },
	[HW_TRUSTED] = { " Only runs sealed by one of the %lld trusted keys "
			 "given count.",
			 "只有由给定的 %lld 个可信密钥之一封存的运行才计入。" },
	[HW_UNTRUSTED] = { " No trusted key was given (`--key`): a seal's "
			   "signature says only that the bundle is whole, not "
			   "whose it is.",
			   "未给出可信密钥（`--key`）：封印的签名只说明证据包"
			   "完整，不说明它属于谁。" },
	[HW_FINDINGS] = { "**Findings:**\n\n", "**发现：**\n\n" },
	[HW_NOT_SEARCHED] = { "**Not searched** (bundles here are not in this "
			      "index):\n\n",
			      "**未搜索**（此处的证据包不在本索引中）：\n\n" },
	[HW_SUMMARY_HEAD] = {
		"| Drill | Environment | Last run | Verdict | RTO | RPO "
		"| Evidence | Last passed | Due |\n",
		"| 演练 | 环境 | 最近运行 | 结论 | RTO | RPO | 证据 | 最近通过 "
		"| 到期 |\n" },
	[HW_RUNS_HEAD] = {
		"| Started | Verdict | RTO | RPO | Evidence | Signed | Bundle |\n",
		"| 开始时间 | 结论 | RTO | RPO | 证据 | 签名 | 证据包 |\n" },
	[HW_REFUSED_HEAD] = {
		"**Refused runs** (a gate stopped them before any step: an "
		"operator's mistake, nothing ran; not counted as runs, passes or "
		"failures):\n\n",
		"**被拒绝的运行**（在任何步骤之前被关卡拦下：操作员的失误，"
		"什么都没有执行；不计为运行、通过或失败）：\n\n" },
	[HW_REFUSED_TABLE] = { "| Started | Why | Bundle |\n",
			       "| 开始时间 | 原因 | 证据包 |\n" },
	[HW_OWN_BACKUP] = { "not demonstrated (own backup)",
			    "未证明（演练自己做的备份）" },
	[HW_FROM_WAL] = { "; from WAL ", "；由 WAL 得出 " },
	[HW_ARCHIVE_LAG] = { " (archive lag)", "（归档延迟）" },
	[HW_TO_TARGET] = { " (to the chosen target)", "（到所选目标）" },
	[HW_RECOVERY] = { "; recovery ", "；恢复 " },
	[HW_WAL_PROOF] = { " (WAL proof ", "（WAL 证明 " },
	[HW_RESTORE] = { ", restore ", "，还原 " },
	[HW_REPLAY] = { ", replay ", "，重放 " },
	[HW_PROMOTE] = { ", promote ", "，提升 " },
	[HW_CLOSE] = { ")", "）" },
	[HW_NOT_COUNTED] = { "; not counted: ", "；不计入：" },
	[HW_SEAL] = { "seal: ", "封印：" },
	[HW_SEAL_UNSIGNED] = { "seal unsigned", "封印未签名" },
	[HW_SIGNOFFS] = { "; %lld sign-off%s", "；%lld 个签核%s" },
	[HW_RESTORES] = { "restores ", "还原自 " },
	[HW_RESTORED_BY] = { "restored by ", "已由 " },
	[HW_RESTORED_BY_END] = { "", " 还原" },
	[HW_SEP] = { "; ", "；" },
	[HW_COLON] = { ": ", "：" },
	[HW_LEGEND] = { "RTO blue, RPO grey (duration); red: not a verified "
			"pass; x: the run's start date (UTC)",
			"RTO 蓝色，RPO 灰色（时长）；红色：不是经过验证的通过；"
			"横轴：运行开始日期（UTC）" },
	[HW_HTML_TITLE] = { "Drill history", "演练历史" },
	[HW_NONE_RAN] = { "none ran", "没有运行" },
};

/* The words history says again in a language: states, signers, findings. */
static const struct words words_history[] = {
	{ NULL, "verified", "已验证" },
	{ NULL, "cut-short", "被截断" },
	{ NULL, "tampered", "被篡改" },
	{ NULL, "unsealed", "未封存" },
	{ NULL, "trusted", "可信" },
	{ NULL, "untrusted signer", "不可信的签名者" },
	{ NULL, "unsigned", "未签名" },
	{ NULL, "self-signed", "自签名" },
	{ NULL, "{}: started {}, after this index was made: the runner's "
	  "clock was wrong; not counted",
	  "{}：开始于 {}，晚于本索引的生成时间：运行主机的时钟有误；不计入" },
	{ NULL, "{}: the drill's other runs are signed by a trusted key, this "
	  "one is {w}", "{}：该演练的其他运行由可信密钥签名，这次是{w}" },
	{ NULL, "{}: signed by SHA256:{}, not by the key of the drill's "
	  "earlier runs", "{}：由 SHA256:{} 签名，而不是该演练早先运行的密钥" },
	{ NULL, "{}: unsigned, while the drill's earlier runs are signed",
	  "{}：未签名，而该演练早先的运行都已签名" },
	{ NULL, "{} is not a regular file", "{} 不是普通文件" },
	{ NULL, "deeper than the {n} levels history searches: not searched",
	  "超出历史索引搜索的 {n} 层深度：未搜索" },
	/*
	 * A REFUSED run's reason (run-words.c says it too): here the option
	 * is a hole, so the command the operator types is shown as such.
	 */
	{ NULL, "the drill has {n} destructive steps: run it with {}",
	  "演练有 {n} 个破坏性步骤：请用 {} 运行" },
	{ NULL, "{} does not match the drill's environment '{}'; {n} "
	  "destructive steps not run", "{} 与演练环境 {} 不符；{n} 个破坏性"
	  "步骤未执行" },
	WORDS_END
};

static const struct words *const history_tables[] = { words_history,
	words_run, words_common, NULL };

struct hmd {
	struct strbuf *md;
	enum words_lang lang;
};

/* rdrill's own sentence (marked as the template's text when marking). */
static void tx(struct hmd *o, enum hw id)
{
	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_OPEN);
	strbuf_adds(o->md, hw_text[id][o->lang == WORDS_ZH]);
	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_CLOSE);
}

/* The same with numbers and dates filled in (never a drill's text). */
static void txf(struct hmd *o, enum hw id, long long n, const char *s)
{
	const char *f = hw_text[id][o->lang == WORDS_ZH];
	struct strbuf t = STRBUF_INIT;

	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_OPEN);
	if (strstr(f, "%s") && strstr(f, "%s") < strstr(f, "%lld"))
		strbuf_addf(&t, f, s, n);
	else
		strbuf_addf(&t, f, n, s);
	strbuf_add(o->md, t.buf, t.len);
	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_CLOSE);
	strbuf_release(&t);
}

/* "850 ms", "12.3 s", "4m05s" (as the reports say it), "—" if none. */
static void add_ms(struct strbuf *sb, long long ms, enum words_lang l)
{
	if (ms < 0)
		strbuf_adds(sb, "—");
	else
		words_duration_ms(sb, ms, l);
}

/* The drill's or a bundle's text: escaped, and marked as data. */
static void add_text(struct strbuf *sb, const char *s)
{
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_OPEN);
	markdown_escape_inline(sb, s, strlen(s));
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_CLOSE);
}

static void add_code(struct strbuf *sb, const char *s)
{
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_OPEN);
	markdown_code_span_cell(sb, s, strlen(s));
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_CLOSE);
}

/*
 * rdrill's English (a state, a finding) said in the language, escaped;
 * a text no table says stays as it is, unmarked (test-words finds it).
 * With `system`, such a text is the system's (strerror): data.
 */
static void add_said_as(struct hmd *o, const char *en, int system)
{
	struct strbuf t = STRBUF_INIT;

	if (words_say(history_tables, o->lang, NULL, en, &t) || !system ||
	    !words_marking()) {
		markdown_escape_inline(o->md, t.buf, t.len);
	} else {
		strbuf_reset(&t);
		add_text(o->md, en);
	}
	strbuf_release(&t);
}

static void add_said(struct hmd *o, const char *en)
{
	add_said_as(o, en, 0);
}

/* The RPO cell: a figure, or why there is none. */
static void add_rpo(struct hmd *o, json_t *run)
{
	json_t *pf = json_object_get(run, "pitr");

	if (!strcmp(journal_str(run, "rpo_source"), "own_backup"))
		tx(o, HW_OWN_BACKUP);
	else
		add_ms(o->md, int_or(run, "rpo_ms", -1), o->lang);
	/* The RPO from WAL says which it is. */
	if (int_or(pf, "rpo_wal_ms", -1) >= 0) {
		tx(o, HW_FROM_WAL);
		add_ms(o->md, int_or(pf, "rpo_wal_ms", 0), o->lang);
		tx(o, !strcmp(journal_str(pf, "rpo_kind"), "archive_lag") ?
		   HW_ARCHIVE_LAG : HW_TO_TARGET);
	}
}

/* The RTO cell, and a recovery's parts (proof + restore + replay + promote). */
static void add_rto(struct hmd *o, json_t *run)
{
	static const struct { enum hw label; const char *key; } parts[] = {
		{ HW_WAL_PROOF, "wal_proof_ms" }, { HW_RESTORE, "restore_files_ms" },
		{ HW_REPLAY, "replay_wal_ms" }, { HW_PROMOTE, "promote_ms" },
	};
	json_t *pf = json_object_get(run, "pitr");
	size_t k;

	add_ms(o->md, int_or(run, "rto_ms", -1), o->lang);
	if (int_or(pf, "recovery_ms", -1) < 0)
		return;
	tx(o, HW_RECOVERY);
	add_ms(o->md, int_or(pf, "recovery_ms", 0), o->lang);
	for (k = 0; k < sizeof(parts) / sizeof(*parts); k++) {
		tx(o, parts[k].label);
		add_ms(o->md, int_or(pf, parts[k].key, -1), o->lang);
	}
	tx(o, HW_CLOSE);
}

/* "2026-12-02 00:03 UTC" of an ISO time. */
static void add_when(struct strbuf *sb, const char *iso, int date_only)
{
	if (!iso || strlen(iso) < 16) {
		strbuf_adds(sb, "—");
		return;
	}
	strbuf_add(sb, iso, 10);
	if (!date_only)
		strbuf_addf(sb, " %.5s UTC", iso + 11);
}

/* What the index says of a run: never PASSED unless it verifies. */
static const char *verdict(json_t *run)
{
	const char *st = journal_str(run, "state");
	size_t i;

	for (i = 0; i < sizeof(state_rows) / sizeof(*state_rows); i++) {
		const struct state_row *row = &state_rows[i];

		if (strcmp(st, row->state))
			continue;
		if (!row->shown || (row->over_pass_only &&
				    !word_passes(journal_str(run, "status"))))
			return journal_str(run, "status");
		return row->shown;
	}
	return "UNVERIFIED";
}

/* A verdict word: a fixed term in every language, data when marking. */
static void add_verdict(struct strbuf *sb, const char *word)
{
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_OPEN);
	strbuf_addf(sb, "`%s`", word);
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_CLOSE);
}

static void add_signed(struct hmd *o, json_t *run)
{
	long long n = int_or(run, "signoffs", 0);
	const char *k = journal_str(run, "signed_key");
	const char *sg = journal_str(run, "signer");

	if (*k) {
		struct strbuf fp = STRBUF_INIT;

		strbuf_addf(&fp, "SHA256:%.12s", k);
		tx(o, HW_SEAL);
		add_code(o->md, fp.buf);
		if (strcmp(sg, "self-signed")) {
			strbuf_adds(o->md, o->lang == WORDS_ZH ? "，" : ", ");
			add_said(o, sg);
		}
		strbuf_release(&fp);
	} else {
		tx(o, HW_SEAL_UNSIGNED);
	}
	if (n)
		txf(o, HW_SIGNOFFS, n, o->lang == WORDS_ZH || n == 1 ? "" : "s");
}

/* Findings and what was not searched, first: each says why. */
static void add_findings(struct hmd *o, json_t *h)
{
	json_t *g, *f, *sk = json_object_get(h, "skipped");
	size_t i, j, n = 0;

	json_array_foreach(json_object_get(h, "drills"), i, g)
		n += json_array_size(json_object_get(g, "findings"));
	if (n) {
		tx(o, HW_FINDINGS);
		json_array_foreach(json_object_get(h, "drills"), i, g)
			json_array_foreach(json_object_get(g, "findings"), j, f) {
				strbuf_adds(o->md, "- ");
				add_code(o->md, journal_str(g, "id"));
				strbuf_adds(o->md, " · ");
				add_text(o->md, journal_str(g, "environment"));
				tx(o, HW_COLON);
				add_said(o, json_string_value(f));
				strbuf_adds(o->md, "\n");
			}
		strbuf_adds(o->md, "\n");
	}
	if (json_array_size(sk)) {
		tx(o, HW_NOT_SEARCHED);
		json_array_foreach(sk, i, f) {
			strbuf_adds(o->md, "- ");
			add_code(o->md, journal_str(f, "path"));
			tx(o, HW_COLON);
			add_said_as(o, journal_str(f, "why"), 1);
			strbuf_adds(o->md, "\n");
		}
		strbuf_adds(o->md, "\n");
	}
}

/* `rdrill restore` pairs, both ways: " (restores `A`; restored by `B`)". */
static void add_pair(struct hmd *o, json_t *r)
{
	const char *from = journal_str(r, "resumes"), *by = journal_str(r,
								"restored_by");

	if (!*from && !*by)
		return;
	strbuf_adds(o->md, o->lang == WORDS_ZH ? "（" : " (");
	if (*from) {
		tx(o, HW_RESTORES);
		add_code(o->md, from);
	}
	if (*by) {
		if (*from)
			tx(o, HW_SEP);
		tx(o, HW_RESTORED_BY);
		add_code(o->md, by);
		tx(o, HW_RESTORED_BY_END);
	}
	tx(o, HW_CLOSE);
}

/* The evidence cell: the state, and what is wrong or not counted. */
static void add_evidence(struct hmd *o, json_t *r)
{
	add_said(o, journal_str(r, "state"));
	if (*journal_str(r, "problem")) {
		tx(o, HW_COLON);
		/*
		 * What `rdrill verify` found, quoted as it prints it (seal.c's
		 * text, one of many forms): English in every language.
		 */
		if (o->lang == WORDS_ZH)
			add_code(o->md, journal_str(r, "problem"));
		else
			add_text(o->md, journal_str(r, "problem"));
	} else if (*journal_str(r, "finding")) {
		tx(o, HW_NOT_COUNTED);
		add_said(o, journal_str(r, "finding"));
	}
}

static void add_summary(struct hmd *o, json_t *h)
{
	json_t *g;
	size_t i;

	tx(o, HW_SUMMARY_HEAD);
	strbuf_adds(o->md, "| --- | --- | --- | --- | ---: | ---: | --- | --- "
		    "| --- |\n");
	json_array_foreach(json_object_get(h, "drills"), i, g) {
		json_t *runs = json_object_get(g, "runs");
		json_t *last = json_array_get(runs, json_array_size(runs) - 1);

		strbuf_adds(o->md, "| ");
		add_code(o->md, journal_str(g, "id"));
		strbuf_adds(o->md, " | ");
		add_text(o->md, journal_str(g, "environment"));
		strbuf_adds(o->md, " | ");
		add_when(o->md, journal_str(last, "started"), 0);
		strbuf_adds(o->md, " | ");
		if (last)
			add_verdict(o->md, verdict(last));
		else
			tx(o, HW_NONE_RAN);
		strbuf_adds(o->md, " | ");
		add_rto(o, last);
		strbuf_adds(o->md, " | ");
		add_rpo(o, last);
		strbuf_adds(o->md, " | ");
		if (last)
			add_said(o, journal_str(last, "state"));
		else
			strbuf_adds(o->md, "—");
		strbuf_adds(o->md, " | ");
		add_when(o->md, journal_str(g, "last_pass"), 1);
		strbuf_adds(o->md, " | ");
		if (json_is_true(json_object_get(g, "overdue")))
			strbuf_adds(o->md, "**`OVERDUE`**");
		else
			add_when(o->md, journal_str(g, "due"), 1);
		strbuf_adds(o->md, " |\n");
	}
}

/* A drill's REFUSED runs, apart from its record (issue 20). */
static void add_refused(struct hmd *o, json_t *g)
{
	json_t *r;
	size_t j;

	if (!json_array_size(json_object_get(g, "refused")))
		return;
	strbuf_adds(o->md, "\n");
	tx(o, HW_REFUSED_HEAD);
	tx(o, HW_REFUSED_TABLE);
	strbuf_adds(o->md, "| --- | --- | --- |\n");
	json_array_foreach(json_object_get(g, "refused"), j, r) {
		strbuf_adds(o->md, "| ");
		add_when(o->md, journal_str(r, "started"), 0);
		strbuf_adds(o->md, " | ");
		if (*journal_str(r, "reason"))
			add_said(o, journal_str(r, "reason"));
		else
			strbuf_adds(o->md, "—");
		strbuf_adds(o->md, " | ");
		add_code(o->md, journal_str(r, "bundle"));
		strbuf_adds(o->md, " |\n");
	}
}

static void add_drill(struct hmd *o, json_t *g)
{
	json_t *r;
	size_t j;

	strbuf_adds(o->md, "\n## ");
	add_text(o->md, journal_str(g, "id"));
	strbuf_adds(o->md, " · ");
	add_text(o->md, journal_str(g, "environment"));
	strbuf_adds(o->md, "\n\n");
	if (*journal_str(g, "title")) {
		add_text(o->md, journal_str(g, "title"));
		strbuf_adds(o->md, "\n\n");
	}
	tx(o, HW_RUNS_HEAD);
	strbuf_adds(o->md, "| --- | --- | ---: | ---: | --- | --- | --- |\n");
	json_array_foreach(json_object_get(g, "runs"), j, r) {
		strbuf_adds(o->md, "| ");
		add_when(o->md, journal_str(r, "started"), 0);
		strbuf_adds(o->md, " | ");
		add_verdict(o->md, verdict(r));
		add_pair(o, r);
		strbuf_adds(o->md, " | ");
		add_rto(o, r);
		strbuf_adds(o->md, " | ");
		add_rpo(o, r);
		strbuf_adds(o->md, " | ");
		add_evidence(o, r);
		strbuf_adds(o->md, " | ");
		add_signed(o, r);
		strbuf_adds(o->md, " | ");
		add_code(o->md, journal_str(r, "bundle"));
		strbuf_adds(o->md, " |\n");
	}
	add_refused(o, g);
}

static enum words_lang lang_of(const char *lang)
{
	return lang && !strcmp(lang, "zh-CN") ? WORDS_ZH : WORDS_EN;
}

void history_markdown(json_t *h, const char *lang, struct strbuf *md)
{
	struct hmd o = { md, lang_of(lang) };
	struct strbuf when = STRBUF_INIT;
	json_t *g;
	size_t i;

	tx(&o, HW_TITLE);
	add_when(&when, journal_str(h, "generated"), 0);
	txf(&o, HW_GENERATED, int_or(h, "bundles", 0), when.buf);
	if (int_or(h, "refused", 0))
		txf(&o, HW_REFUSED_N, int_or(h, "refused", 0), "");
	tx(&o, HW_RULES);
	if (int_or(h, "trusted_keys", 0))
		txf(&o, HW_TRUSTED, int_or(h, "trusted_keys", 0), "");
	else
		tx(&o, HW_UNTRUSTED);
	strbuf_adds(md, "\n\n");
	add_findings(&o, h);
	add_summary(&o, h);
	json_array_foreach(json_object_get(h, "drills"), i, g)
		add_drill(&o, g);
	strbuf_release(&when);
}

/* The chart's frame: plot area inside the axes' labels. */
enum { CH_W = 560, CH_H = 170, CH_L = 64, CH_R = 16, CH_T = 22, CH_B = 34 };

/* A run's date for the x axis: "YYYY-MM-DD" of its start, digits only. */
static void add_run_date(struct strbuf *out, json_t *run)
{
	const char *t = journal_str(run, "started");
	size_t k;

	for (k = 0; k < 10 && t[k]; k++)
		if ((t[k] >= '0' && t[k] <= '9') || t[k] == '-')
			strbuf_addch(out, t[k]);
}

static double chart_x(size_t i, size_t n)
{
	return n > 1 ? CH_L + (double)(CH_W - CH_L - CH_R) * (double)i /
		       (double)(n - 1) : (CH_L + CH_W - CH_R) / 2.0;
}

static double chart_y(long long v, long long max)
{
	return CH_H - CH_B - (double)(CH_H - CH_T - CH_B) *
	       (double)(v < 0 ? 0 : v) / (double)max;
}

/*
 * The axes: a y axis with 0, half and the largest figure (a duration),
 * an x axis with a tick per run and the dates of at most six of them,
 * the first and the last always, so the chart reads without the table.
 */
static void add_axes(struct strbuf *out, json_t *runs, long long max,
		     enum words_lang l)
{
	size_t i, n = json_array_size(runs), step = n > 6 ? (n + 4) / 5 : 1;
	int t;

	strbuf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#59636e\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\" stroke=\"#59636e\"/>", CH_L, CH_T, CH_L,
		    CH_H - CH_B, CH_L, CH_H - CH_B, CH_W - CH_R, CH_H - CH_B);
	for (t = 0; t <= 2; t++) {
		struct strbuf lab = STRBUF_INIT;
		long long v = max * t / 2;
		double y = chart_y(v, max);

		add_ms(&lab, v, l);
		strbuf_addf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
			    "y2=\"%.1f\" stroke=\"#d1d9e0\"/><text x=\"%d\" "
			    "y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" "
			    "fill=\"#59636e\">%s</text>", CH_L, y, CH_W - CH_R, y,
			    CH_L - 4, y + 3.5, lab.buf);
		strbuf_release(&lab);
	}
	for (i = 0; i < n; i++) {
		double x = chart_x(i, n);

		strbuf_addf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
			    "y2=\"%d\" stroke=\"#59636e\"/>", x, CH_H - CH_B, x,
			    CH_H - CH_B + 4);
		if (i % step && i + 1 != n)
			continue;
		if (i + 1 == n && i % step && i % step < step / 2 + 1 && i)
			continue;
		strbuf_addf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
			    "text-anchor=\"middle\" fill=\"#59636e\">", x,
			    CH_H - CH_B + 16);
		add_run_date(out, json_array_get(runs, i));
		strbuf_adds(out, "</text>");
	}
}

/*
 * RTO (blue) and RPO (grey) of each run, oldest left, on axes with
 * durations and dates; a failed or unverified run's point is red. Only
 * numbers and digits of dates go into it.
 */
static void add_chart(struct strbuf *out, json_t *runs, enum words_lang l)
{
	long long max = 1;
	size_t i, n = json_array_size(runs);
	json_t *r;
	int m;

	json_array_foreach(runs, i, r) {
		if (int_or(r, "rto_ms", -1) > max)
			max = int_or(r, "rto_ms", -1);
		if (int_or(r, "rpo_ms", -1) > max)
			max = int_or(r, "rpo_ms", -1);
	}
	strbuf_addf(out, "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/"
		    "2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		    "role=\"img\"><rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		    "fill=\"#fff\" stroke=\"#d1d9e0\"/>", CH_W, CH_H, CH_W, CH_H,
		    CH_W, CH_H);
	add_axes(out, runs, max, l);
	for (m = 0; m < 2; m++) {
		const char *k = m ? "rpo_ms" : "rto_ms";
		const char *col = m ? "#8c959f" : "#0969da";
		struct strbuf pts = STRBUF_INIT;

		json_array_foreach(runs, i, r) {
			long long v = int_or(r, k, -1);
			double x = chart_x(i, n), y = chart_y(v, max);

			if (v < 0)
				continue;
			strbuf_addf(&pts, "%.1f,%.1f ", x, y);
			strbuf_addf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
				    "fill=\"%s\"/>", x, y, counts_as_pass(r) ? col :
				    "#cf222e");
		}
		if (pts.len)
			strbuf_addf(out, "<polyline points=\"%s\" fill=\"none\" "
				    "stroke=\"%s\" stroke-width=\"1.5\"/>", pts.buf,
				    col);
		strbuf_release(&pts);
	}
	strbuf_addf(out, "<text x=\"%d\" y=\"14\" font-size=\"10\" "
		    "fill=\"#59636e\">%s</text>", CH_L,
		    hw_text[HW_LEGEND][l == WORDS_ZH]);
	strbuf_adds(out, "</svg></figure>\n");
}

int history_html(json_t *h, const char *md, const char *lang,
		 struct strbuf *html, struct error *err)
{
	enum words_lang l = lang_of(lang);
	struct strbuf raw = STRBUF_INIT;
	const char *p, *q;
	size_t i = 0;
	json_t *drills = json_object_get(h, "drills");

	if (markdown_to_html(md, strlen(md), hw_text[HW_HTML_TITLE][l == WORDS_ZH],
			     l == WORDS_ZH ? "zh-CN" : "en", &raw, err) < 0) {
		strbuf_release(&raw);
		return -1;
	}
	/* Each drill's chart under its heading: cmark's own "</h2>". */
	p = raw.buf;
	while ((q = strstr(p, "</h2>\n")) && i < json_array_size(drills)) {
		q += strlen("</h2>\n");
		strbuf_add(html, p, q - p);
		add_chart(html, json_object_get(json_array_get(drills, i++),
						"runs"), l);
		p = q;
	}
	strbuf_adds(html, p);
	strbuf_release(&raw);
	return 0;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void prom_label(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_addch(out, '\\');
		if (*s == '\n')
			strbuf_adds(out, "\\n");
		else
			strbuf_addch(out, *s);
	}
}

/* One labelled sample of the last verified run with a PITR figure. */
static void prom_pitr_one(struct strbuf *out, json_t *g, const char *name,
			  const char *label, const char *value, const char *key)
{
	json_t *r, *pf, *last = NULL;
	size_t j;

	json_array_foreach(json_object_get(g, "runs"), j, r) {
		pf = json_object_get(r, "pitr");
		if (!strcmp(journal_str(r, "state"), "verified") &&
		    int_or(pf, key, -1) >= 0)
			last = pf;
	}
	if (!last)
		return;
	strbuf_addf(out, "%s{drill=\"", name);
	prom_label(out, journal_str(g, "id"));
	strbuf_adds(out, "\",environment=\"");
	prom_label(out, journal_str(g, "environment"));
	strbuf_addf(out, "\",%s=\"", label);
	prom_label(out, value ? value : journal_str(last, "rpo_kind"));
	strbuf_addf(out, "\"} %.3f\n", (double)int_or(last, key, 0) / 1000.0);
}

/* Point-in-time recovery's figures: the RPO from WAL, the RTO parts. */
static void prom_pitr(json_t *h, struct strbuf *out)
{
	static const struct { const char *part, *key; } parts[] = {
		{ "wal_proof", "wal_proof_ms" }, { "restore", "restore_files_ms" },
		{ "replay", "replay_wal_ms" }, { "promote", "promote_ms" },
		{ "total", "recovery_ms" },
	};
	json_t *g;
	size_t i, k;

	strbuf_adds(out, "# HELP rdrill_last_wal_rpo_seconds RPO from WAL of the "
		    "last verified point-in-time recovery (kind: archive_lag "
		    "or to_target).\n# TYPE rdrill_last_wal_rpo_seconds gauge\n");
	json_array_foreach(json_object_get(h, "drills"), i, g)
		prom_pitr_one(out, g, "rdrill_last_wal_rpo_seconds", "kind", NULL,
			      "rpo_wal_ms");
	strbuf_adds(out, "# HELP rdrill_last_recovery_part_seconds RTO parts of "
		    "the last verified point-in-time recovery.\n# TYPE "
		    "rdrill_last_recovery_part_seconds gauge\n");
	json_array_foreach(json_object_get(h, "drills"), i, g)
		for (k = 0; k < sizeof(parts) / sizeof(*parts); k++)
			prom_pitr_one(out, g, "rdrill_last_recovery_part_seconds",
				      "part", parts[k].part, parts[k].key);
}

void history_prom(json_t *h, struct strbuf *out)
{
	static const struct { const char *name, *help; } m[] = {
		{ "rdrill_last_success_timestamp_seconds",
		  "Start of the last verified PASSED run (0: none)." },
		{ "rdrill_last_rto_seconds",
		  "RTO of the last verified run that measured one." },
		{ "rdrill_last_rpo_seconds",
		  "RPO of the last verified run that measured one." },
		{ "rdrill_overdue",
		  "1 when the last passed run is older than the cadence." },
		{ "rdrill_last_run_verified",
		  "1 when the latest bundle verifies as a complete run (not cut "
		  "short, not dated ahead, and with --key signed by a trusted "
		  "key)." },
		{ "rdrill_not_restored",
		  "1 when the latest run left its system destroyed (NOT RESTORED)." },
		{ "rdrill_history_findings",
		  "Findings: runs dated in the future, signers that differ." },
		{ "rdrill_refused_runs",
		  "Verified REFUSED runs (a gate stopped them, nothing ran): "
		  "apart from the drill's record." },
	};
	size_t k, i, j;
	json_t *g, *r;

	for (k = 0; k < sizeof(m) / sizeof(*m); k++) {
		strbuf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n", m[k].name,
			    m[k].help, m[k].name);
		json_array_foreach(json_object_get(h, "drills"), i, g) {
			json_t *runs = json_object_get(g, "runs");
			double v = 0;
			int have = 1;

			if (k == 0) {
				long long t = clock_parse_utc_ms(journal_str(g,
								"last_pass"));
				v = t < 0 ? 0 : (double)(t / 1000);
			} else if (k == 1 || k == 2) {
				have = 0;
				json_array_foreach(runs, j, r)
					if (counts_as_evidence(r) &&
					    int_or(r, k == 1 ? "rto_ms" : "rpo_ms",
						   -1) >= 0) {
						v = (double)int_or(r, k == 1 ?
							"rto_ms" : "rpo_ms", 0) / 1000.0;
						have = 1;
					}
			} else if (k == 3) {
				v = json_is_true(json_object_get(g, "overdue"));
			} else if (k == 4) {
				r = json_array_get(runs, json_array_size(runs) - 1);
				v = counts_as_evidence(r);
			} else if (k == 5) {
				r = json_array_get(runs, json_array_size(runs) - 1);
				v = !strcmp(journal_str(r, "status"), RESTORED_WORD);
			} else if (k == 6) {
				v = (double)json_array_size(json_object_get(g,
								"findings"));
			} else {
				v = (double)json_array_size(json_object_get(g,
								"refused"));
			}
			if (!have)
				continue;
			strbuf_addf(out, "%s{drill=\"", m[k].name);
			prom_label(out, journal_str(g, "id"));
			strbuf_adds(out, "\",environment=\"");
			prom_label(out, journal_str(g, "environment"));
			strbuf_addf(out, "\"} %.3f\n", v);
		}
	}
	prom_pitr(h, out);
}

/*
 * What a drill's run concludes about the system. A REFUSED run (an
 * operator's mistake caught by a gate: nothing ran), an INCOMPLETE or
 * ABORTED one, says nothing about it, so it is never the "previous run"
 * a report compares with (issue 20).
 */
static const char *const verdicts[] = { "PASSED", "FAILED", RESTORED_WORD };

static int is_verdict(const char *status)
{
	size_t k;

	for (k = 0; k < sizeof(verdicts) / sizeof(*verdicts); k++)
		if (!strcmp(status, verdicts[k]))
			return 1;
	return 0;
}

/*
 * A sibling's drill and start, from the index or (a new or changed
 * bundle) from its journal's first record, then indexed as such: a light
 * entry that only says whose run it is, enough to pass over the runs of
 * other drills without reading them again. -1 for a plan bundle, an
 * unreadable journal or a bundle without an identity.
 */
static int sibling(const char *dir, struct histindex *ix, struct run_summary *s)
{
	char ident[SHA256_HEX_LEN + 1];
	int have = histindex_ident(dir, ident) == 0, ret;
	json_t *e = have ? histindex_get(ix, base_name(dir), ident) : NULL;

	switch (runsum_from_entry(s, e, dir)) {
	case RUNSUM_PLAN_BUNDLE:
		return -1;
	case RUNSUM_WHOLE: case RUNSUM_START:
		return 0;
	default:
		break;
	}
	if (!have)
		return -1;
	runsum_release(s);
	ret = runsum_read_start(s, dir);
	if (ret >= 0)
		histindex_put(ix, base_name(dir), ident, runsum_entry(s, NULL, 0));
	return ret ? -1 : 0;
}

/* A run of the drill, by its bundle and start. */
struct candidate {
	char *bundle, *started;
};

static int cmp_candidate(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->started,
		      ((const struct candidate *)b)->started);
}

int history_previous_run(const char *parent, const char *self,
			 const char *id, const char *env,
			 struct run_summary *out)
{
	struct strvec bundles = STRVEC_INIT;
	struct histindex *ix = histindex_open(parent);
	struct candidate *c = xcalloc(1, sizeof(*c));
	size_t i, n = 0, alloc = 1;
	int found = -1;

	find_bundles(parent, 1, &bundles, NULL);
	for (i = 0; i < bundles.nr; i++) {
		struct run_summary s;

		runsum_init(&s);
		if (strcmp(bundles.v[i], self) && !sibling(bundles.v[i], ix, &s) &&
		    !strcmp(s.id, id) && !strcmp(s.environment, env)) {
			XGROW(c, n + 1, alloc);
			c[n].bundle = xstrdup(bundles.v[i]);
			c[n++].started = xstrdup(s.started);
		}
		runsum_release(&s);
	}
	qsort(c, n, sizeof(*c), cmp_candidate);
	/* Newest first: the first that verifies and reached a verdict. */
	for (i = n; i-- > 0 && found < 0;) {
		runsum_release(out);
		if (!summary_cached(c[i].bundle, ix, NULL, out) &&
		    !strcmp(out->state, "verified") && is_verdict(out->status))
			found = 0;
	}
	if (found < 0)
		runsum_release(out);
	for (i = 0; i < n; i++) {
		free(c[i].bundle);
		free(c[i].started);
	}
	free(c);
	index_close(ix);
	strvec_clear(&bundles);
	return found;
}

json_t *history_previous(const char *parent, const char *self,
			 const char *id, const char *env)
{
	struct run_summary s;
	json_t *found = NULL;

	runsum_init(&s);
	/* The start record's context.previous: the journal's edge. */
	if (!history_previous_run(parent, self, id, env, &s))
		found = json_pack("{s:s, s:s, s:s, s:I, s:I}", "bundle",
				  base_name(s.bundle), "started", s.started,
				  "status", s.status, "rto_ms", (json_int_t)s.rto_ms,
				  "rpo_ms", (json_int_t)s.rpo_ms);
	runsum_release(&s);
	return found;
}
