/*
 * The fleet view of a history: per drill, environment and runner host,
 * with expected drills that never reported (fleet.h).
 */
#include "fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "history.h"
#include "journal.h"
#include "markdown.h"
#include "xalloc.h"

#define EXPECT_MAX (1u << 20)

json_t *fleet_expect_load(const char *path, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *out = json_array();
	char *line, *save = NULL;
	long n = 0;

	if (strbuf_read_file(&sb, path, EXPECT_MAX) < 0) {
		error_errno(err, "cannot read %s", path);
		goto fail;
	}
	for (line = sb.len ? strtok_r(sb.buf, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *w[4] = { NULL }, *p, *s2 = NULL;
		int k = 0;

		n++;
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = strtok_r(line, " \t\r", &s2); p && k < 4;
		     p = strtok_r(NULL, " \t\r", &s2))
			w[k++] = p;
		if (!k)
			continue;
		if (k != 3) {
			error_set(err, "%s:%ld: want DRILL ENVIRONMENT RUNNER "
				  "('-': no runner directory)", path, n);
			goto fail;
		}
		json_array_append_new(out, json_pack("{s:s, s:s, s:s}",
			"drill", w[0], "environment", w[1],
			"runner", strcmp(w[2], "-") ? w[2] : ""));
	}
	strbuf_release(&sb);
	return out;
fail:
	strbuf_release(&sb);
	json_decref(out);
	return NULL;
}

/* The runner directory of a bundle found under one of `dirs`. */
static void runner_of(const char *bundle, const struct strvec *dirs,
		      struct strbuf *out)
{
	size_t i, len;
	const char *rest, *slash;

	for (i = 0; i < dirs->nr; i++) {
		len = strlen(dirs->v[i]);
		while (len > 1 && dirs->v[i][len - 1] == '/')
			len--;
		if (strncmp(bundle, dirs->v[i], len) || bundle[len] != '/')
			continue;
		rest = bundle + len + 1;
		slash = strchr(rest, '/');
		if (slash)
			strbuf_add(out, rest, (size_t)(slash - rest));
		return;
	}
}

/* What counts as a pass: history's own word on the run ("pass"). */
static int is_pass(json_t *run)
{
	return json_is_true(json_object_get(run, "pass"));
}

static const char *verdict(json_t *run)
{
	const char *st = journal_str(run, "state");

	if (!strcmp(st, "tampered"))
		return "TAMPERED";
	if (!strcmp(st, "unsealed"))
		return "UNVERIFIED";
	if (!strcmp(st, "cut-short"))
		return "CUT SHORT";
	return journal_str(run, "status");
}

static json_t *find_row(json_t *rows, const char *d, const char *e,
			const char *r)
{
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row)
		if (!strcmp(journal_str(row, "drill"), d) &&
		    !strcmp(journal_str(row, "environment"), e) &&
		    !strcmp(journal_str(row, "runner"), r))
			return row;
	return NULL;
}

static json_t *new_row(json_t *rows, const char *d, const char *e,
		       const char *r)
{
	json_t *row = json_pack("{s:s, s:s, s:s, s:i, s:n, s:s, s:n, s:n, "
				"s:b, s:b}", "drill", d, "environment", e,
				"runner", r, "runs", 0, "latest", "verdict",
				"", "last_pass", "due", "overdue", 0,
				"missing", 0);

	json_array_append_new(rows, row);
	return row;
}

/* A group's last pass, due date and OVERDUE, from its runs. */
static void group_dates(json_t *g, long long now_ms)
{
	long long cadence = json_integer_value(json_object_get(g, "cadence_s"));
	long long t = -1;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(g, "runs"), i, r)
		if (is_pass(r))
			t = clock_parse_utc_ms(journal_str(r, "started"));
	json_object_set_new(g, "last_pass", json_null());
	json_object_set_new(g, "due", json_null());
	if (t >= 0) {
		struct strbuf sb = STRBUF_INIT;
		clock_format_utc_ms(&sb, t);
		json_object_set_new(g, "last_pass", json_string(sb.buf));
		strbuf_reset(&sb);
		clock_format_utc_ms(&sb, t + cadence * 1000);
		json_object_set_new(g, "due", json_string(sb.buf));
		strbuf_release(&sb);
	}
	json_object_set_new(g, "overdue", json_boolean(
		t < 0 || now_ms - t > cadence * 1000));
}

json_t *fleet_groups(json_t *h, const struct strvec *dirs, long long now_ms)
{
	json_t *out = json_array(), *g, *r, *sub;
	struct strbuf runner = STRBUF_INIT;
	size_t i, j, k;

	json_array_foreach(json_object_get(h, "drills"), i, g) {
		json_t *cad = json_object_get(g, "cadence_s");
		json_int_t cadence = json_is_integer(cad) ?
			json_integer_value(cad) : HISTORY_DEFAULT_CADENCE_S;
		size_t first = json_array_size(out);

		/* Runs stay oldest first: history's order. */
		json_array_foreach(json_object_get(g, "runs"), j, r) {
			strbuf_reset(&runner);
			runner_of(journal_str(r, "bundle"), dirs, &runner);
			sub = NULL;
			for (k = first; k < json_array_size(out) && !sub; k++)
				if (!strcmp(journal_str(json_array_get(out, k),
							"runner"), runner.buf))
					sub = json_array_get(out, k);
			if (!sub) {
				sub = json_pack("{s:O, s:O, s:O?, s:s, s:I, s:[], s:O?}",
						"id", json_object_get(g, "id"),
						"environment", json_object_get(g,
							"environment"),
						"title", json_object_get(g, "title"),
						"runner", runner.buf,
						"cadence_s", cadence, "runs",
						"findings", json_object_get(g,
							"findings"));
				json_array_append_new(out, sub);
			}
			json_array_append(json_object_get(sub, "runs"), r);
		}
		/*
		 * Its REFUSED runs (history.h: apart from the record) go with
		 * the runner's group, counted apart (rdrill_refused_runs); a
		 * runner that only ever refused has no group: nothing ran.
		 */
		json_array_foreach(json_object_get(g, "refused"), j, r) {
			strbuf_reset(&runner);
			runner_of(journal_str(r, "bundle"), dirs, &runner);
			for (k = first; k < json_array_size(out); k++) {
				json_t *ref;

				sub = json_array_get(out, k);
				if (strcmp(journal_str(sub, "runner"), runner.buf))
					continue;
				if (!(ref = json_object_get(sub, "refused"))) {
					ref = json_array();
					json_object_set_new(sub, "refused", ref);
				}
				json_array_append(ref, r);
				break;
			}
		}
	}
	json_array_foreach(out, i, g)
		group_dates(g, now_ms);
	strbuf_release(&runner);
	return out;
}

static int cmp_row(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	static const char *const keys[] = { "drill", "environment", "runner" };
	size_t i;
	int c;

	for (i = 0; i < 3; i++)
		if ((c = strcmp(journal_str(x, keys[i]), journal_str(y, keys[i]))))
			return c;
	return 0;
}

static void sort_rows(json_t *rows)
{
	size_t n = json_array_size(rows), i;
	json_t **v = xcalloc(n ? n : 1, sizeof(*v));

	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(rows, i));
	qsort(v, n, sizeof(*v), cmp_row);
	json_array_clear(rows);
	for (i = 0; i < n; i++)
		json_array_append_new(rows, v[i]);
	free(v);
}

json_t *fleet_view(json_t *h, const struct strvec *dirs, json_t *expect,
		   long long now_ms)
{
	json_t *view = json_object(), *rows = json_array(), *g, *r, *x;
	json_t *groups = fleet_groups(h, dirs, now_ms), *runners = json_object();
	size_t i, nmissing = 0, noverdue = 0;

	json_array_foreach(groups, i, g) {
		json_t *runs = json_object_get(g, "runs");
		json_t *last = json_array_get(runs, json_array_size(runs) - 1);
		json_t *row = new_row(rows, journal_str(g, "id"),
				      journal_str(g, "environment"),
				      journal_str(g, "runner"));

		json_object_set_new(runners, journal_str(g, "runner"), json_true());
		json_object_set_new(row, "runs", json_integer(
			(json_int_t)json_array_size(runs)));
		json_object_set(row, "latest", json_object_get(last, "started"));
		json_object_set_new(row, "verdict", json_string(verdict(last)));
		json_object_set(row, "last_pass", json_object_get(g, "last_pass"));
		json_object_set(row, "due", json_object_get(g, "due"));
		json_object_set(row, "overdue", json_object_get(g, "overdue"));
	}
	json_array_foreach(expect, i, x) {
		json_t *row;
		if (find_row(rows, journal_str(x, "drill"),
			     journal_str(x, "environment"),
			     journal_str(x, "runner")))
			continue;
		row = new_row(rows, journal_str(x, "drill"),
			      journal_str(x, "environment"),
			      journal_str(x, "runner"));
		json_object_set_new(row, "verdict", json_string("MISSING"));
		json_object_set_new(row, "missing", json_true());
	}
	sort_rows(rows);
	json_array_foreach(rows, i, r) {
		nmissing += json_is_true(json_object_get(r, "missing"));
		noverdue += json_is_true(json_object_get(r, "overdue"));
	}
	json_object_set(view, "generated", json_object_get(h, "generated"));
	json_object_set(view, "bundles", json_object_get(h, "bundles"));
	json_object_set_new(view, "runners", json_integer(
		(json_int_t)json_object_size(runners)));
	json_object_set_new(view, "missing", json_integer((json_int_t)nmissing));
	json_object_set_new(view, "overdue", json_integer((json_int_t)noverdue));
	json_object_set_new(view, "rows", rows);
	json_decref(runners);
	json_decref(groups);
	return view;
}

/* The words of fleet.md, one table per language. */
struct fleet_words {
	const char *lang, *title, *intro, *header, *no_runner;
};

static const struct fleet_words words[] = {
	{ "en", "# Fleet\n\n",
	  "Generated %s from %lld run bundles on %lld runner hosts. A row is "
	  "a drill in an environment on one runner host (the directory "
	  "`rdrill ship` filed it under); its verdict is its latest run's, "
	  "so a failure after a pass shows `FAILED`. `OVERDUE`: no verified "
	  "pass within the drill's cadence; `MISSING`: expected "
	  "(`--expect`), but no run of it was collected.\n\n",
	  "| Drill | Environment | Runner | Runs | Latest run | Verdict "
	  "| Last passed | Due |\n",
	  "(this directory)" },
	{ "zh-CN", "# 多主机演练总览\n\n",
	  "生成于 %s，共 %lld 个运行证据包，来自 %lld 台运行主机。每行是一个"
	  "演练在一个环境、一台运行主机（`rdrill ship` 归档时所用的目录）上的"
	  "情况；结论取最近一次运行，因此通过之后的失败显示为 `FAILED`。"
	  "`OVERDUE`：在演练周期内没有经过验证的通过；`MISSING`：已预期"
	  "（`--expect`），但没有收集到任何运行。\n\n",
	  "| 演练 | 环境 | 运行主机 | 运行次数 | 最近运行 | 结论 | 最近通过 "
	  "| 到期 |\n",
	  "（本目录）" },
};

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

static void add_cell(struct strbuf *md, const char *s, int code)
{
	if (code)
		markdown_code_span_cell(md, s, strlen(s));
	else
		markdown_escape_inline(md, s, strlen(s));
	strbuf_adds(md, " | ");
}

void fleet_markdown(json_t *view, const char *lang, struct strbuf *md)
{
	const struct fleet_words *w = &words[0];
	struct strbuf when = STRBUF_INIT;
	json_t *r;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (lang && !strcmp(words[i].lang, lang))
			w = &words[i];
	add_when(&when, journal_str(view, "generated"), 0);
	strbuf_adds(md, w->title);
	strbuf_addf(md, w->intro, when.buf,
		    (long long)json_integer_value(json_object_get(view, "bundles")),
		    (long long)json_integer_value(json_object_get(view, "runners")));
	strbuf_adds(md, w->header);
	strbuf_adds(md, "| --- | --- | --- | ---: | --- | --- | --- | --- |\n");
	json_array_foreach(json_object_get(view, "rows"), i, r) {
		const char *runner = journal_str(r, "runner");

		strbuf_adds(md, "| ");
		add_cell(md, journal_str(r, "drill"), 1);
		add_cell(md, journal_str(r, "environment"), 0);
		add_cell(md, *runner ? runner : w->no_runner, 0);
		strbuf_addf(md, "%lld | ", (long long)json_integer_value(
				    json_object_get(r, "runs")));
		add_when(md, journal_str(r, "latest"), 0);
		strbuf_adds(md, " | ");
		if (json_is_true(json_object_get(r, "missing")))
			strbuf_adds(md, "**`MISSING`**");
		else
			strbuf_addf(md, "`%s`", journal_str(r, "verdict"));
		strbuf_adds(md, " | ");
		add_when(md, journal_str(r, "last_pass"), 1);
		strbuf_adds(md, " | ");
		if (json_is_true(json_object_get(r, "overdue")))
			strbuf_adds(md, "**`OVERDUE`**");
		else
			add_when(md, journal_str(r, "due"), 1);
		strbuf_adds(md, " |\n");
	}
	strbuf_release(&when);
}
