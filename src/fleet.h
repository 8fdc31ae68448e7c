#ifndef RDRILL_FLEET_H
#define RDRILL_FLEET_H

#include <jansson.h>

#include "history.h"
#include "strbuf.h"
#include "strvec.h"

struct error;

/*
 * The fleet view of a history (`rdrill history DIR... --expect FILE`):
 * the bundles collected by `rdrill ship` under DIR/RUNNER/BUNDLE, one
 * row per drill, environment and runner host:
 *
 *   - the runner is the directory a bundle lies in under the DIR it was
 *     found in ("" for a bundle directly in DIR);
 *   - the row's verdict is its latest run's, so a failure after a pass
 *     shows FAILED (the last pass is still shown, never the verdict);
 *   - OVERDUE as history.h says, per runner: its last verified pass is
 *     older than the drill's cadence, or there is none;
 *   - MISSING: a drill, environment and runner the expect file lists
 *     that no collected run matches. Like OVERDUE, it makes history
 *     exit 1.
 *
 * The expect file: one "DRILL ENVIRONMENT RUNNER" per line ("-" for
 * bundles directly in DIR), '#' comments and blank lines ignored.
 *
 * The view is typed (struct fleet_view); fleet.json, its edge:
 *   {"generated", "bundles", "runners",
 *   "missing": N, "overdue": N, "rows": [{"drill", "environment",
 *   "runner", "runs", "latest": ISO|null, "verdict", "last_pass":
 *   ISO|null, "due": ISO|null, "overdue": bool, "missing": bool}]}
 */

/* The expect file: one (drill, environment, runner) per index. */
struct fleet_expect {
	struct strvec drill, environment, runner;
};

void fleet_expect_init(struct fleet_expect *x);
void fleet_expect_release(struct fleet_expect *x);

/* Read the expect file into `x` (initialised); -1 + err
 * ("FILE:LINE: what is wrong") on a malformed line. */
int fleet_expect_load(struct fleet_expect *x, const char *path,
		      struct error *err);

/*
 * History `h` (history_scan() of `dirs`) regrouped per runner: its
 * drills split by runner (history_drill.runner set), runs oldest first
 * and borrowed from `h` (which must outlive the groups), a drill's
 * REFUSED runs with its runner's group, each with its own last pass,
 * due date and OVERDUE: what push_group_metrics() reads.
 */
struct fleet_groups {
	struct history_drill *g;
	size_t n, alloc;
};

void fleet_groups_make(struct fleet_groups *gs, const struct history *h,
		       const struct strvec *dirs, long long now_ms);
void fleet_groups_release(struct fleet_groups *gs);

/* A row of the view (see above); `latest` NULL for a MISSING row. */
struct fleet_row {
	char *drill, *environment, *runner, *latest, *verdict;
	long long runs, last_pass_ms, due_ms;  /* -1: none */
	int overdue, missing;
};

struct fleet_view {
	long long generated_ms, bundles, runners, missing, overdue;
	struct fleet_row *rows;         /* by drill, environment, runner */
	size_t nrows, alloc_rows;
};

/* The view of history `h` (history_scan() of `dirs`); `expect` may be NULL. */
void fleet_view_make(struct fleet_view *v, const struct history *h,
		     const struct strvec *dirs, const struct fleet_expect *expect,
		     long long now_ms);
void fleet_view_release(struct fleet_view *v);

/* fleet.json: the view's edge. */
json_t *fleet_view_json(const struct fleet_view *v);

/* fleet.md in `lang` ("en" or "zh-CN"). */
void fleet_markdown(const struct fleet_view *v, const char *lang,
		    struct strbuf *md);

#endif
