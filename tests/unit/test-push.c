/*
 * push.c without a Pushgateway: a history group's exposition text (the
 * --prom names without labels, the run's status as a label, 0 for a
 * drill that never passed), a URL printed without its user:password,
 * and a push to a closed port failing with an error, not a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "error.h"
#include "fleet.h"
#include "push.h"
#include "strbuf.h"
#include "strvec.h"

static void test_group_metrics(void **state)
{
	json_t *g = json_pack("{s:s, s:s, s:b, s:I, s:n, s:[{s:s, s:s, s:s, s:I}]}",
			      "id", "orders", "environment", "prod",
			      "overdue", 1, "cadence_s", (json_int_t)86400,
			      "last_pass", "runs", "state", "verified",
			      "status", "FAILED", "started",
			      "2026-12-01T02:00:00.000Z", "rto_ms",
			      (json_int_t)1500);
	json_t *hj = json_pack("{s:[O]}", "drills", g);
	struct strbuf out = STRBUF_INIT;
	struct history h;

	(void)state;
	assert_non_null(g);
	/* The group as history.json would hold it, read back typed. */
	history_init(&h);
	history_from_json(&h, hj);
	assert_int_equal(h.ndrills, 1);
	push_group_metrics(&h.drills[0], &out);
	assert_non_null(strstr(out.buf, "\nrdrill_last_success_timestamp_seconds 0.000\n"));
	assert_non_null(strstr(out.buf, "\nrdrill_last_rto_seconds 1.500\n"));
	assert_null(strstr(out.buf, "rdrill_last_rpo_seconds"));
	assert_non_null(strstr(out.buf, "\nrdrill_overdue 1.000\n"));
	assert_non_null(strstr(out.buf, "\nrdrill_last_run_verified 1.000\n"));
	assert_non_null(strstr(out.buf, "\nrdrill_last_run_status{status=\"FAILED\"} 1.000\n"));
	assert_non_null(strstr(out.buf, "\nrdrill_last_run_timestamp_seconds 1796090400.000\n"));
	assert_non_null(strstr(out.buf, "\nrdrill_cadence_seconds 86400.000\n"));
	/* Grouping labels are the URL's: none in the body. */
	assert_null(strstr(out.buf, "drill=\""));
	history_release(&h);
	json_decref(hj);
	json_decref(g);
	strbuf_release(&out);
}

/* A drill's REFUSED runs (history.h: apart) reach the push, counted apart. */
static void test_refused_apart(void **state)
{
	json_t *h = json_pack("{s:[{s:s, s:s, s:[], s:[{s:s, s:s, s:s, s:s}],"
			      " s:[{s:s, s:s, s:s, s:s}]}]}", "drills", "id",
			      "orders", "environment", "prod", "findings",
			      "runs", "bundle", "/d/a", "state", "verified",
			      "status", "PASSED", "started",
			      "2026-12-01T02:00:00.000Z", "refused", "bundle",
			      "/d/b", "state", "verified", "status", "REFUSED",
			      "started", "2026-12-02T02:00:00.000Z");
	struct strvec dirs = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	struct fleet_groups groups;
	struct history hist;

	(void)state;
	assert_non_null(h);
	history_init(&hist);
	history_from_json(&hist, h);
	strvec_push(&dirs, "/d");
	fleet_groups_make(&groups, &hist, &dirs, 1796090400000LL);
	assert_int_equal(groups.n, 1);
	push_group_metrics(&groups.g[0], &out);
	assert_non_null(strstr(out.buf, "\nrdrill_refused_runs 1.000\n"));
	/* The latest run is the PASSED one, not the refusal. */
	assert_non_null(strstr(out.buf, "\nrdrill_last_run_status{status=\"PASSED\"} 1.000\n"));
	fleet_groups_release(&groups);
	history_release(&hist);
	json_decref(h);
	strvec_clear(&dirs);
	strbuf_release(&out);
}

static void test_url_safe(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	push_url_safe("https://user:pw@pgw.example:9091/x", &sb);
	assert_string_equal(sb.buf, "https://pgw.example:9091/x");
	strbuf_reset(&sb);
	push_url_safe("http://pgw:9091/a@b", &sb);
	assert_string_equal(sb.buf, "http://pgw:9091/a@b");
	strbuf_release(&sb);
}

static void test_push_refused(void **state)
{
	struct strbuf body = STRBUF_INIT;
	struct error err = ERROR_INIT;

	(void)state;
	strbuf_adds(&body, "rdrill_overdue 0\n");
	/* Port 1 on loopback: nothing listens there for an unprivileged test. */
	assert_int_equal(push_send("http://u:secret@127.0.0.1:1", "d", "e", "h",
				   &body, &err), -1);
	assert_non_null(strstr(err.msg.buf, "push to http://127.0.0.1:1"));
	assert_null(strstr(err.msg.buf, "secret"));
	error_release(&err);
	strbuf_release(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_metrics),
		cmocka_unit_test(test_refused_apart),
		cmocka_unit_test(test_url_safe),
		cmocka_unit_test(test_push_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
