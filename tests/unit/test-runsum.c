/*
 * runsum.c: a run bundle read once into struct run_summary. What it
 * reads of a journal (the start record's plan, the last end record, the
 * first recover step's figures), what it makes of a bundle it cannot
 * read or that is a plan, and its two edges: the run as history.json
 * holds it (key for key, in order) and the index entry, read back the
 * same, with any entry that is not one of its own refused or defaulted,
 * never misread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "fleet.h"
#include "history.h"
#include "journal.h"
#include "runsum.h"
#include "strbuf.h"
#include "strvec.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/test-runsum.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;

	(void)state;
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_release(&cmd);
	return 0;
}

/* A bundle `name` whose journal holds `recs` (stolen), unsealed. */
static void bundle(const char *name, json_t *recs, struct strbuf *out)
{
	struct error err = ERROR_INIT;
	struct journal *j;
	json_t *r;
	size_t i;

	strbuf_reset(out);
	strbuf_addf(out, "%s/%s", dir, name);
	assert_int_equal(mkdir(out->buf, 0700), 0);
	strbuf_adds(out, "/journal.jsonl");
	j = journal_create(out->buf, &err);
	assert_non_null(j);
	json_array_foreach(recs, i, r)
		assert_int_equal(journal_append(j, r, &err), 0);
	journal_free(j);
	json_decref(recs);
	strbuf_setlen(out, out->len - strlen("/journal.jsonl"));
	error_release(&err);
}

static json_t *start(const char *mode, const char *time)
{
	return json_pack("{s:s, s:s, s:s, s:{s:{s:s, s:s, s:s, s:I}},"
			 " s:{s:{s:s}}}", "type", "start", "mode", mode,
			 "time", time, "plan", "plan", "id", "orders",
			 "environment", "prod", "title", "Orders",
			 "cadence_s", (json_int_t)86400, "context", "resumes",
			 "bundle", "earlier");
}

/* A point-in-time recovery's run: its figures from the recover step. */
static void test_read_run(void **state)
{
	struct strbuf b = STRBUF_INIT;
	struct run_summary s;
	json_t *recs = json_pack("[o, {s:s, s:i, s:s, s:s}, {s:s, s:i, s:s,"
		" s:s, s:{s:I, s:s, s:{s:I, s:I, s:I}}},"
		" {s:s, s:s, s:s, s:I, s:I, s:s}, {s:s, s:s, s:s}]",
		start("run", "2026-12-01T02:00:00.000Z"),
		"type", "step", "n", 1, "status", "passed", "kind", "command",
		"type", "step", "n", 2, "status", "passed", "kind", "recover",
		"evidence", "rpo_wal_ms", (json_int_t)4000, "rpo_kind",
		"archive_lag", "rto", "wal_proof_ms", (json_int_t)100,
		"restore_files_ms", (json_int_t)2000, "promote_ms", (json_int_t)50,
		"type", "end", "status", "PASSED", "time",
		"2026-12-01T02:01:30.250Z", "rto_ms", (json_int_t)61000,
		"rpo_ms", (json_int_t)3600000, "rpo_source", "scheduled",
		/* a second end record (a later one): the one read */
		"type", "end", "status", "PASSED", "time",
		"2026-12-01T02:01:31.000Z");

	(void)state;
	bundle("run", recs, &b);
	runsum_init(&s);
	assert_int_equal(runsum_read(&s, b.buf), 0);
	assert_string_equal(s.bundle, b.buf);
	assert_string_equal(s.id, "orders");
	assert_string_equal(s.environment, "prod");
	assert_string_equal(s.title, "Orders");
	assert_int_equal(s.cadence_s, 86400);
	assert_string_equal(s.started, "2026-12-01T02:00:00.000Z");
	assert_string_equal(s.status, "PASSED");
	assert_null(s.reason);
	assert_string_equal(s.resumes, "earlier");
	/* the last end record: no figures in it */
	assert_int_equal(s.rto_ms, -1);
	assert_int_equal(s.duration_ms, 91000);
	assert_true(s.pitr.present);
	assert_int_equal(s.pitr.rpo_wal_ms, 4000);
	assert_string_equal(s.pitr.rpo_kind, "archive_lag");
	assert_int_equal(s.pitr.part_ms[RUNSUM_WAL_PROOF], 100);
	assert_int_equal(s.pitr.part_ms[RUNSUM_RESTORE_FILES], 2000);
	assert_int_equal(s.pitr.part_ms[RUNSUM_REPLAY_WAL], -1);
	assert_int_equal(s.pitr.part_ms[RUNSUM_PROMOTE], 50);
	assert_int_equal(s.pitr.recovery_ms, 2150);
	/* no SEAL: never verified */
	assert_string_equal(s.state, "unsealed");
	assert_non_null(s.problem);
	assert_string_equal(s.signed_key, "");
	runsum_release(&s);
	strbuf_release(&b);
}

/* A REFUSED run says why; a drill's own backup measured no RPO. */
static void test_read_refused(void **state)
{
	struct strbuf b = STRBUF_INIT;
	struct run_summary s;
	json_t *recs = json_pack("[o, {s:s, s:s, s:s, s:s, s:I, s:I, s:s}]",
		start("run", "2026-12-02T02:00:00.000Z"), "type", "end",
		"status", "REFUSED", "reason", "no --confirm", "time",
		"2026-12-02T02:00:01.000Z", "rto_ms", (json_int_t)5,
		"rpo_ms", (json_int_t)7, "rpo_source", "own_backup");

	(void)state;
	bundle("refused", recs, &b);
	runsum_init(&s);
	assert_int_equal(runsum_read(&s, b.buf), 0);
	assert_string_equal(s.status, "REFUSED");
	assert_string_equal(s.reason, "no --confirm");
	assert_int_equal(s.rto_ms, 5);
	assert_int_equal(s.rpo_ms, -1);
	assert_string_equal(s.rpo_source, "own_backup");
	assert_int_equal(s.duration_ms, 1000);
	assert_false(s.pitr.present);
	runsum_release(&s);
	strbuf_release(&b);
}

/* A plan bundle is no run; a run without an end record has no duration. */
static void test_read_plan_and_killed(void **state)
{
	struct strbuf b = STRBUF_INIT;
	struct run_summary s;

	(void)state;
	bundle("plan", json_pack("[o]", start("plan", "2026-12-03T00:00:00Z")),
	       &b);
	runsum_init(&s);
	assert_int_equal(runsum_read(&s, b.buf), 1);
	assert_true(s.plan_bundle);
	runsum_release(&s);
	assert_int_equal(runsum_read_start(&s, b.buf), 1);
	runsum_release(&s);

	bundle("killed", json_pack("[o]", start("run", "2026-12-03T00:00:00Z")),
	       &b);
	assert_int_equal(runsum_read(&s, b.buf), 0);
	assert_string_equal(s.status, "INCOMPLETE");
	assert_int_equal(s.duration_ms, -1);
	assert_int_equal(s.rto_ms, -1);
	runsum_release(&s);
	assert_int_equal(runsum_read_start(&s, b.buf), 0);
	assert_string_equal(s.id, "orders");
	assert_string_equal(s.started, "2026-12-03T00:00:00Z");
	runsum_release(&s);
	strbuf_release(&b);
}

/* A journal that is not JSON: UNREADABLE, nobody's, never a pass. */
static void test_read_unreadable(void **state)
{
	struct strbuf p = STRBUF_INIT;
	struct run_summary s;
	FILE *f;

	(void)state;
	strbuf_addf(&p, "%s/garbage", dir);
	assert_int_equal(mkdir(p.buf, 0700), 0);
	strbuf_adds(&p, "/journal.jsonl");
	f = fopen(p.buf, "w");
	assert_non_null(f);
	fputs("{not json\n{\"type\":\"end\"}\n", f);
	fclose(f);
	strbuf_setlen(&p, p.len - strlen("/journal.jsonl"));
	runsum_init(&s);
	assert_int_equal(runsum_read(&s, p.buf), 0);
	assert_string_equal(s.status, "UNREADABLE");
	assert_string_equal(s.id, "");
	assert_string_equal(s.started, "");
	assert_string_equal(s.state, "unsealed");
	runsum_release(&s);
	assert_int_equal(runsum_read_start(&s, p.buf), -1);
	runsum_release(&s);
	strbuf_release(&p);
}

static char *dump(json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT);

	assert_non_null(t);
	return t;
}

/* The run's JSON, history.json's order; the entry read back the same. */
static void test_edges(void **state)
{
	struct run_summary s, back;
	json_t *run, *e, *again;
	char *a, *b;
	size_t k;

	(void)state;
	runsum_init(&s);
	s.bundle = strdup("/d/b1");
	s.id = strdup("orders");
	s.environment = strdup("prod");
	s.title = strdup("Orders");
	s.started = strdup("2026-12-01T02:00:00.000Z");
	s.status = strdup("REFUSED");
	s.reason = strdup("gate");
	s.resumes = strdup("");
	s.rpo_source = strdup("");
	s.state = strdup("verified");
	s.signed_key = strdup("ab");
	s.rto_ms = 10;
	s.duration_ms = 1234;
	s.pitr.present = 1;
	s.pitr.part_ms[RUNSUM_PROMOTE] = 7;
	s.pitr.recovery_ms = 7;
	run = runsum_run_json(&s, "self-signed");
	a = dump(run);
	assert_string_equal(a, "{\"bundle\":\"/d/b1\",\"signoffs\":0,\"state\":"
		"\"verified\",\"problem\":null,\"started\":\"2026-12-01T02:00:"
		"00.000Z\",\"status\":\"REFUSED\",\"reason\":\"gate\",\"resumes\":"
		"\"\",\"rto_ms\":10,\"rpo_source\":\"\",\"rpo_ms\":-1,\"pitr\":"
		"{\"promote_ms\":7,\"recovery_ms\":7},\"signed_key\":\"ab\","
		"\"signer\":\"self-signed\"}");
	free(a);
	json_decref(run);

	e = runsum_entry(&s, "self-signed", 1);
	runsum_init(&back);
	assert_int_equal(runsum_from_entry(&back, e, "/elsewhere/b1"), RUNSUM_WHOLE);
	assert_int_equal(back.duration_ms, 1234);
	assert_string_equal(back.id, "orders");
	free(s.bundle);
	s.bundle = strdup("/elsewhere/b1");
	a = dump(run = runsum_run_json(&s, "x"));
	json_decref(run);
	b = dump(again = runsum_run_json(&back, "x"));
	json_decref(again);
	assert_string_equal(a, b);
	free(a);
	free(b);
	runsum_release(&back);
	json_decref(e);

	/* The light entry: whose and when only. */
	e = runsum_entry(&s, NULL, 0);
	assert_int_equal(runsum_from_entry(&back, e, "/d/b1"), RUNSUM_START);
	assert_string_equal(back.started, s.started);
	assert_string_equal(back.environment, "prod");
	for (k = 0; k < RUNSUM_NPARTS; k++)
		assert_int_equal(back.pitr.part_ms[k], -1);
	runsum_release(&back);
	json_decref(e);
	runsum_release(&s);
}

/* Entries this rdrill did not write: refused, or their fields defaulted. */
static void test_entry_hostile(void **state)
{
	static const char *const none[] = {
		"null", "[]", "{}", "{\"plan\":1,\"started\":\"x\"}",
		"{\"plan\":{},\"run\":{}}",             /* no duration: older */
		"{\"plan\":{},\"run\":{},\"duration_ms\":\"5\"}",
		"{\"plan\":{}}", "{\"plan\":{},\"started\":5}",
		"{\"plan_bundle\":1}",
	};
	struct run_summary s;
	json_t *e;
	size_t i;

	(void)state;
	runsum_init(&s);
	for (i = 0; i < sizeof(none) / sizeof(*none); i++) {
		e = json_loads(none[i], JSON_DECODE_ANY, NULL);
		assert_int_equal(runsum_from_entry(&s, e, "/d/x"), RUNSUM_NONE);
		json_decref(e);
		runsum_release(&s);
	}
	e = json_loads("{\"plan_bundle\":true}", 0, NULL);
	assert_int_equal(runsum_from_entry(&s, e, "/d/x"), RUNSUM_PLAN_BUNDLE);
	json_decref(e);
	runsum_release(&s);
	/* Every field of the wrong type: defaults, never a crash. */
	e = json_loads("{\"plan\":{\"id\":1,\"cadence_s\":\"7\"},\"duration_ms\":3,"
		       "\"run\":{\"state\":[],\"status\":{},\"problem\":2,"
		       "\"rto_ms\":\"9\",\"pitr\":[],\"signed_key\":null}}", 0, NULL);
	assert_int_equal(runsum_from_entry(&s, e, "/d/x"), RUNSUM_WHOLE);
	assert_string_equal(s.id, "");
	assert_int_equal(s.cadence_s, RUNSUM_DEFAULT_CADENCE_S);
	assert_string_equal(s.state, "");
	assert_string_equal(s.status, "");
	assert_null(s.problem);
	assert_int_equal(s.rto_ms, -1);
	assert_false(s.pitr.present);
	assert_string_equal(s.signed_key, "");
	json_decref(e);
	runsum_release(&s);
}

/*
 * The typed history of the bundles above (history.h) and its edges:
 * history.json read back by history_from_json() and written again is
 * the same bytes; so is the fleet view made from either.
 */
static void test_history_edges(void **state)
{
	struct strvec dirs = STRVEC_INIT;
	struct error err = ERROR_INIT;
	struct history h, back;
	struct fleet_view v1, v2;
	json_t *j, *j2, *f1, *f2;
	char *a, *b;

	(void)state;
	strvec_push(&dirs, dir);
	history_init(&h);
	assert_int_equal(history_scan(&h, &dirs, NULL, 1796601600000LL, &err), 0);
	/* run, refused, killed, garbage; the plan bundle is no run */
	assert_int_equal(h.bundles, 4);
	/* an unsealed refusal is not believed: it stays a run */
	assert_int_equal(h.refused, 0);
	assert_int_equal(h.ndrills, 2);
	assert_string_equal(h.drills[0].id, "(unreadable journal)");
	assert_string_equal(h.drills[1].id, "orders");
	assert_int_equal(h.drills[1].nruns, 3);
	assert_int_equal(h.drills[1].nrefused, 0);
	/* oldest first: the PITR run, the refusal, the killed run */
	assert_string_equal(h.drills[1].runs[1]->s.reason, "no --confirm");
	assert_string_equal(h.drills[1].title, "Orders");
	/* unsealed: nothing counts, so no pass and OVERDUE */
	assert_false(h.drills[1].runs[0]->counted);
	assert_int_equal(h.drills[1].last_pass_ms, -1);
	assert_true(h.drills[1].overdue);
	assert_int_equal(history_overdue(&h), 2);
	j = history_json(&h);
	a = dump(j);
	history_init(&back);
	history_from_json(&back, j);
	b = dump(j2 = history_json(&back));
	assert_string_equal(a, b);
	fleet_view_make(&v1, &h, &dirs, NULL, 1796601600000LL);
	fleet_view_make(&v2, &back, &dirs, NULL, 1796601600000LL);
	f1 = fleet_view_json(&v1);
	f2 = fleet_view_json(&v2);
	assert_true(json_equal(f1, f2));
	assert_int_equal(v1.nrows, 2);
	assert_int_equal(v1.overdue, 2);
	json_decref(f1);
	json_decref(f2);
	fleet_view_release(&v1);
	fleet_view_release(&v2);
	free(a);
	free(b);
	json_decref(j);
	json_decref(j2);
	history_release(&h);
	history_release(&back);
	strvec_clear(&dirs);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_run),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_read_plan_and_killed),
		cmocka_unit_test(test_read_unreadable),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_entry_hostile),
		cmocka_unit_test(test_history_edges),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
