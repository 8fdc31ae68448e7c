#ifndef RDRILL_PUSH_H
#define RDRILL_PUSH_H

#include <jansson.h>

#include "strbuf.h"

struct error;
struct history_drill;

/*
 * Metrics pushed to a Prometheus Pushgateway (`run --push URL`,
 * `history --push URL`), one group per drill, environment and host:
 *
 *   POST URL/metrics/job/rdrill/drill@base64/../environment@base64/..
 *        /host@base64/..
 *
 * (label values base64url-encoded, as the Pushgateway documents, so any
 * text fits a path). POST, not PUT: it replaces the metrics of the same
 * names in the group and keeps the others, so a failed run that cannot
 * know the last pass leaves the one pushed before.
 *
 * The metrics are --prom's (history_prom(): rdrill_last_success_
 * timestamp_seconds, rdrill_last_rto_seconds, rdrill_last_rpo_seconds,
 * rdrill_overdue, rdrill_last_run_verified, rdrill_not_restored), each
 * without labels (the
 * group's are the Pushgateway's to add), plus what an alert on one run
 * needs: rdrill_last_run_timestamp_seconds, rdrill_last_run_status
 * {status="PASSED"|"FAILED"|...} 1 and rdrill_cadence_seconds.
 * deploy/prometheus/rdrill-alerts.yml alerts on them.
 *
 * HTTP is libcurl's (a well-kept Debian library; README says why):
 * 10 s at most, no signal, any 2xx accepted.
 */

/* The exposition text of one history group (fleet.h's, or history.h's). */
void push_group_metrics(const struct history_drill *group, struct strbuf *out);

/*
 * POST `body` to the group (drill, env, host) at `url`. -1 + err (the
 * URL's user:password never in it).
 */
int push_send(const char *url, const char *drill, const char *env,
	      const char *host, const struct strbuf *body, struct error *err);

/* `url` as it may be printed: any user:password@ left out. */
void push_url_safe(const char *url, struct strbuf *out);

#endif
