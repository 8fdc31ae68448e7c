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
#include "journal.h"
#include "markdown.h"
#include "xalloc.h"

#define EXPECT_MAX (1u << 20)

void fleet_expect_init(struct fleet_expect *x)
{
	strvec_init(&x->drill);
	strvec_init(&x->environment);
	strvec_init(&x->runner);
}

void fleet_expect_release(struct fleet_expect *x)
{
	strvec_clear(&x->drill);
	strvec_clear(&x->environment);
	strvec_clear(&x->runner);
}

int fleet_expect_load(struct fleet_expect *x, const char *path,
		      struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	char *line, *save = NULL;
	long n = 0;
	int ret = -1;

	if (strbuf_read_file(&sb, path, EXPECT_MAX) < 0) {
		error_errno(err, "cannot read %s", path);
		goto out;
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
			goto out;
		}
		strvec_push(&x->drill, w[0]);
		strvec_push(&x->environment, w[1]);
		strvec_push(&x->runner, strcmp(w[2], "-") ? w[2] : "");
	}
	ret = 0;
out:
	strbuf_release(&sb);
	return ret;
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

/* The row's word for a run: its own verdict only when it verifies. */
static const char *verdict(const struct history_run *r)
{
	static const struct { const char *state, *word; } shown[] = {
		{ "tampered", "TAMPERED" }, { "unsealed", "UNVERIFIED" },
		{ "cut-short", "CUT SHORT" },
	};
	size_t i;

	for (i = 0; i < sizeof(shown) / sizeof(*shown); i++)
		if (!strcmp(r->s.state, shown[i].state))
			return shown[i].word;
	return r->s.status;
}

/* A group's last pass, due date and OVERDUE, from its runs. */
static void group_dates(struct history_drill *g, long long now_ms)
{
	long long t = -1;
	size_t i;

	for (i = 0; i < g->nruns; i++)
		if (g->runs[i]->pass)
			t = clock_parse_utc_ms(g->runs[i]->s.started);
	g->last_pass_ms = t;
	g->due_ms = t >= 0 ? t + g->cadence_s * 1000 : -1;
	g->overdue = t < 0 || now_ms - t > g->cadence_s * 1000;
}

/* Drill `d`'s group on `runner` among gs->g[first..], made when `make`. */
static struct history_drill *group_on(struct fleet_groups *gs, size_t first,
				      const struct history_drill *d,
				      const char *runner, int make)
{
	struct history_drill *g;
	size_t k;

	for (k = first; k < gs->n; k++)
		if (!strcmp(gs->g[k].runner, runner))
			return &gs->g[k];
	if (!make)
		return NULL;
	XGROW(gs->g, gs->n + 1, gs->alloc);
	g = &gs->g[gs->n++];
	history_drill_init(g);
	g->id = xstrdup(d->id);
	g->environment = xstrdup(d->environment);
	g->title = xstrdup(d->title ? d->title : "");
	g->runner = xstrdup(runner);
	g->cadence_s = d->cadence_s;
	for (k = 0; k < d->findings.nr; k++)
		strvec_push(&g->findings, d->findings.v[k]);
	return g;
}

void fleet_groups_make(struct fleet_groups *gs, const struct history *h,
		       const struct strvec *dirs, long long now_ms)
{
	struct strbuf runner = STRBUF_INIT;
	size_t i, j;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; i < h->ndrills; i++) {
		const struct history_drill *d = &h->drills[i];
		size_t first = gs->n;

		/* Runs stay oldest first: history's order. */
		for (j = 0; j < d->nruns; j++) {
			strbuf_reset(&runner);
			runner_of(d->runs[j]->s.bundle, dirs, &runner);
			history_drill_add(group_on(gs, first, d, runner.buf, 1),
					  d->runs[j], 0);
		}
		/*
		 * Its REFUSED runs (history.h: apart from the record) go with
		 * the runner's group, counted apart (rdrill_refused_runs); a
		 * runner that only ever refused has no group: nothing ran.
		 */
		for (j = 0; j < d->nrefused; j++) {
			struct history_drill *g;

			strbuf_reset(&runner);
			runner_of(d->refused[j]->s.bundle, dirs, &runner);
			if ((g = group_on(gs, first, d, runner.buf, 0)))
				history_drill_add(g, d->refused[j], 1);
		}
	}
	for (i = 0; i < gs->n; i++)
		group_dates(&gs->g[i], now_ms);
	strbuf_release(&runner);
}

void fleet_groups_release(struct fleet_groups *gs)
{
	size_t i;

	for (i = 0; i < gs->n; i++)
		history_drill_release(&gs->g[i], 0);
	free(gs->g);
	memset(gs, 0, sizeof(*gs));
}

static struct fleet_row *new_row(struct fleet_view *v, const char *d,
				 const char *e, const char *r)
{
	struct fleet_row *row;

	XGROW(v->rows, v->nrows + 1, v->alloc_rows);
	row = &v->rows[v->nrows++];
	memset(row, 0, sizeof(*row));
	row->drill = xstrdup(d);
	row->environment = xstrdup(e);
	row->runner = xstrdup(r);
	row->verdict = xstrdup("");
	row->last_pass_ms = row->due_ms = -1;
	return row;
}

static int find_row(const struct fleet_view *v, const char *d, const char *e,
		    const char *r)
{
	size_t i;

	for (i = 0; i < v->nrows; i++)
		if (!strcmp(v->rows[i].drill, d) &&
		    !strcmp(v->rows[i].environment, e) &&
		    !strcmp(v->rows[i].runner, r))
			return 1;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct fleet_row *x = a, *y = b;
	int c;

	if ((c = strcmp(x->drill, y->drill)))
		return c;
	if ((c = strcmp(x->environment, y->environment)))
		return c;
	return strcmp(x->runner, y->runner);
}

/* A row per group: its latest run's verdict, its last pass and due date. */
static void group_rows(struct fleet_view *v, const struct fleet_groups *gs,
		       struct strvec *runners)
{
	size_t i, k;

	for (i = 0; i < gs->n; i++) {
		const struct history_drill *g = &gs->g[i];
		const struct history_run *last = g->runs[g->nruns - 1];
		struct fleet_row *row = new_row(v, g->id, g->environment,
						g->runner);

		/* A set of names ("" too: bundles directly in DIR). */
		for (k = 0; k < runners->nr; k++)
			if (!strcmp(runners->v[k], g->runner))
				break;
		if (k == runners->nr)
			strvec_push(runners, g->runner);
		row->runs = (long long)g->nruns;
		row->latest = xstrdup(last->s.started);
		free(row->verdict);
		row->verdict = xstrdup(verdict(last));
		row->last_pass_ms = g->last_pass_ms;
		row->due_ms = g->due_ms;
		row->overdue = g->overdue;
	}
}

void fleet_view_make(struct fleet_view *v, const struct history *h,
		     const struct strvec *dirs, const struct fleet_expect *expect,
		     long long now_ms)
{
	struct strvec runners = STRVEC_INIT;
	struct fleet_groups gs;
	size_t i;

	memset(v, 0, sizeof(*v));
	fleet_groups_make(&gs, h, dirs, now_ms);
	group_rows(v, &gs, &runners);
	for (i = 0; expect && i < expect->drill.nr; i++) {
		struct fleet_row *row;

		if (find_row(v, expect->drill.v[i], expect->environment.v[i],
			     expect->runner.v[i]))
			continue;
		row = new_row(v, expect->drill.v[i], expect->environment.v[i],
			      expect->runner.v[i]);
		free(row->verdict);
		row->verdict = xstrdup("MISSING");
		row->missing = 1;
	}
	if (v->nrows)
		qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_row);
	for (i = 0; i < v->nrows; i++) {
		v->missing += v->rows[i].missing;
		v->overdue += v->rows[i].overdue;
	}
	v->generated_ms = h->generated_ms;
	v->bundles = h->bundles;
	v->runners = (long long)runners.nr;
	strvec_clear(&runners);
	fleet_groups_release(&gs);
}

void fleet_view_release(struct fleet_view *v)
{
	size_t i;

	for (i = 0; i < v->nrows; i++) {
		free(v->rows[i].drill);
		free(v->rows[i].environment);
		free(v->rows[i].runner);
		free(v->rows[i].latest);
		free(v->rows[i].verdict);
	}
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

static json_t *utc_or_null(long long ms)
{
	return ms >= 0 ? journal_utc(ms) : json_null();
}

json_t *fleet_view_json(const struct fleet_view *v)
{
	json_t *view = json_object(), *rows = json_array();
	size_t i;

	for (i = 0; i < v->nrows; i++) {
		const struct fleet_row *r = &v->rows[i];

		json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:I, "
			"s:o, s:s, s:o, s:o, s:b, s:b}", "drill", r->drill,
			"environment", r->environment, "runner", r->runner,
			"runs", (json_int_t)r->runs, "latest", r->latest ?
			json_string(r->latest) : json_null(), "verdict",
			r->verdict, "last_pass", utc_or_null(r->last_pass_ms),
			"due", utc_or_null(r->due_ms), "overdue", r->overdue,
			"missing", r->missing));
	}
	json_object_set_new(view, "generated", journal_utc(v->generated_ms));
	json_object_set_new(view, "bundles", json_integer(v->bundles));
	json_object_set_new(view, "runners", json_integer(v->runners));
	json_object_set_new(view, "missing", json_integer(v->missing));
	json_object_set_new(view, "overdue", json_integer(v->overdue));
	json_object_set_new(view, "rows", rows);
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

static void add_cell(struct strbuf *md, const char *s, int code)
{
	if (code)
		markdown_code_span_cell(md, s, strlen(s));
	else
		markdown_escape_inline(md, s, strlen(s));
	strbuf_adds(md, " | ");
}

void fleet_markdown(const struct fleet_view *v, const char *lang,
		    struct strbuf *md)
{
	const struct fleet_words *w = &words[0];
	struct strbuf when = STRBUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (lang && !strcmp(words[i].lang, lang))
			w = &words[i];
	history_add_when_ms(&when, v->generated_ms, 0);
	strbuf_adds(md, w->title);
	strbuf_addf(md, w->intro, when.buf, v->bundles, v->runners);
	strbuf_adds(md, w->header);
	strbuf_adds(md, "| --- | --- | --- | ---: | --- | --- | --- | --- |\n");
	for (i = 0; i < v->nrows; i++) {
		const struct fleet_row *r = &v->rows[i];

		strbuf_adds(md, "| ");
		add_cell(md, r->drill, 1);
		add_cell(md, r->environment, 0);
		add_cell(md, *r->runner ? r->runner : w->no_runner, 0);
		strbuf_addf(md, "%lld | ", r->runs);
		history_add_when(md, r->latest, 0);
		strbuf_adds(md, " | ");
		if (r->missing)
			strbuf_adds(md, "**`MISSING`**");
		else
			strbuf_addf(md, "`%s`", r->verdict);
		strbuf_adds(md, " | ");
		history_add_when_ms(md, r->last_pass_ms, 1);
		strbuf_adds(md, " | ");
		if (r->overdue)
			strbuf_adds(md, "**`OVERDUE`**");
		else
			history_add_when_ms(md, r->due_ms, 1);
		strbuf_adds(md, " |\n");
	}
	strbuf_release(&when);
}
