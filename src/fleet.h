#ifndef RDRILL_FLEET_H
#define RDRILL_FLEET_H

#include <jansson.h>

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
 * The view (fleet.json): {"generated", "bundles", "runners",
 *   "missing": N, "overdue": N, "rows": [{"drill", "environment",
 *   "runner", "runs", "latest": ISO|null, "verdict", "last_pass":
 *   ISO|null, "due": ISO|null, "overdue": bool, "missing": bool}]}
 */

/* The expect file as [{"drill","environment","runner"}]; NULL + err
 * ("FILE:LINE: what is wrong") on a malformed line. */
json_t *fleet_expect_load(const char *path, struct error *err);

/*
 * History `h` (history_scan() of `dirs`) regrouped per runner: its
 * groups split by runner, each {"id", "environment", "title", "runner",
 * "cadence_s", "runs" (oldest first), "refused" (when any: history.h),
 * "last_pass", "due", "overdue"},
 * the shape push_group_metrics() reads.
 */
json_t *fleet_groups(json_t *h, const struct strvec *dirs, long long now_ms);

/* The view of history `h` (history_scan() of `dirs`), `expect` may be NULL. */
json_t *fleet_view(json_t *h, const struct strvec *dirs, json_t *expect,
		   long long now_ms);

/* fleet.md in `lang` ("en" or "zh-CN"). */
void fleet_markdown(json_t *view, const char *lang, struct strbuf *md);

#endif
