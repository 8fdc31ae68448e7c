/*
 * --push URL of `run` and `history`: the metrics of push.h sent to a
 * Pushgateway. A push that fails is a warning on stderr, never an exit
 * code: the verdict is the run's, and the alert for a Pushgateway gone
 * quiet is the Pushgateway's own (deploy/prometheus/rdrill-alerts.yml).
 */
#include "clock.h"
#include "error.h"
#include "fleet.h"
#include "history.h"
#include "journal.h"
#include "push.h"
#include "rdrill.h"
#include "strvec.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void warn(const struct error *err)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "rdrill: warning: ");
	utf8_add_terminal(&sb, err->msg.buf);
	fprintf(stderr, "%s (the verdict and exit code are unchanged)\n",
		sb.buf);
	strbuf_release(&sb);
}

static const char *this_host(char *buf, size_t n)
{
	if (gethostname(buf, n) < 0)
		snprintf(buf, n, "unknown");
	buf[n - 1] = '\0';
	return buf;
}

int rdrill_push_history(const struct history *h, const struct strvec *dirs,
			const char *url, const char *id, const char *env)
{
	struct error err = ERROR_INIT;
	struct strbuf body = STRBUF_INIT;
	struct fleet_groups groups;
	char host[256];
	size_t i;
	int failed = 0;

	fleet_groups_make(&groups, h, dirs, clock_wall_ms());
	this_host(host, sizeof(host));
	for (i = 0; i < groups.n; i++) {
		const struct history_drill *g = &groups.g[i];
		const char *runner = g->runner;

		/* A run's own push: its drill, as this host ran it. */
		if (id && (strcmp(g->id, id) || strcmp(g->environment, env) ||
			   *runner))
			continue;
		strbuf_reset(&body);
		push_group_metrics(g, &body);
		/* Collected bundles: the host is the runner they came from. */
		if (push_send(url, g->id, g->environment,
			      *runner ? runner : host, &body, &err) < 0) {
			warn(&err);
			error_release(&err);
			failed++;
		}
	}
	fleet_groups_release(&groups);
	strbuf_release(&body);
	return failed;
}

void rdrill_push_run(const char *url, const char *bundle, const char *id,
		     const char *env)
{
	struct strvec dirs = STRVEC_INIT;
	struct strbuf parent = STRBUF_INIT;
	struct error err = ERROR_INIT;
	const char *slash;
	struct history h;

	/*
	 * The bundle and its siblings (where runs accumulate): the last
	 * pass may be an older run's, and a failed run must not push it
	 * away as 0.
	 */
	strbuf_adds(&parent, bundle);
	while (parent.len > 1 && parent.buf[parent.len - 1] == '/')
		strbuf_setlen(&parent, parent.len - 1);
	slash = strrchr(parent.buf, '/');
	if (!slash)
		strbuf_reset(&parent), strbuf_addch(&parent, '.');
	else
		strbuf_setlen(&parent, slash == parent.buf ? 1 :
			      (size_t)(slash - parent.buf));
	strvec_push(&dirs, parent.buf);
	history_init(&h);
	if (history_scan(&h, &dirs, NULL, clock_wall_ms(), &err) < 0)
		warn(&err);
	else
		rdrill_push_history(&h, &dirs, url, id, env);
	history_release(&h);
	error_release(&err);
	strvec_clear(&dirs);
	strbuf_release(&parent);
}
