/*
 * jrecord.c: the journal read once for render and verify. What the walk
 * keeps must be what journal_read() would have given the readers: the
 * same records (a step's parsed again from its line), the same shape as
 * journal_stat(), the logs named by hash, and an outline restored.h
 * reads the same way; and a record's result, the start, end, backup
 * and destroy records typed as the report read them from JSON (hostile
 * types read as absent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "strbuf.h"

static char dir[64];
static struct strbuf path = STRBUF_INIT;

static void append(struct journal *j, json_t *rec)
{
	struct error err = ERROR_INIT;

	if (journal_append(j, rec, &err) < 0)
		fail_msg("append: %s", err.msg.buf);
	json_decref(rec);
	error_release(&err);
}

/*
 * start, preflight, step 1 (a log named by hash), backup, step 2
 * (resumed), step 1 again (a later record of the same step), end.
 */
static int setup(void **state)
{
	struct error err = ERROR_INIT;
	struct journal *j;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test-jrecord.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	j = journal_create(path.buf, &err);
	if (!j)
		return -1;
	append(j, json_pack("{s:s, s:s, s:{s:s}, s:{}}", "type", "start",
			    "mode", "run", "plan", "format", "x", "context"));
	append(j, json_pack("{s:s, s:[{s:s, s:b}]}", "type", "preflight",
			    "checks", "what", "programs", "ok", 1));
	append(j, json_pack("{s:s, s:i, s:s, s:i, s:{s:s, s:s, s:i, s:s},"
			    " s:[{s:s, s:s, s:s, s:b}, i]}", "type", "step",
			    "n", 1, "status", "failed", "exit_code", 3, "stdout",
			    "path", "steps/01-a.out", "sha256", "ab", "bytes", 6,
			    "head", "hello\n", "checks", "what", "exit", "expected",
			    "0", "actual", "3", "ok", 0, 7));
	append(j, json_pack("{s:s, s:s, s:s}", "type", "backup", "item", "db",
			    "status", "picked"));
	append(j, json_pack("{s:s, s:i, s:s, s:b}", "type", "step", "n", 2,
			    "status", "passed", "resumed", 1));
	append(j, json_pack("{s:s, s:i, s:s}", "type", "step", "n", 1,
			    "status", "passed"));
	append(j, json_pack("{s:s, s:s}", "type", "end", "status", "FAILED"));
	journal_free(j);
	error_release(&err);
	return 0;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	int r;

	(void)state;
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	r = system(cmd.buf);
	strbuf_release(&cmd);
	strbuf_release(&path);
	return r ? -1 : 0;
}

static void test_read_once(void **state)
{
	struct error err = ERROR_INIT;
	struct jrecords jr;
	struct journal_stat js, want;
	json_t *all = journal_read_verified(path.buf, NULL, &err), *rec;
	int torn = -1;
	size_t i;

	(void)state;
	assert_non_null(all);
	assert_int_equal(journal_stat(path.buf, &want, &err), 0);
	jrecords_init(&jr);
	assert_int_equal(jrecords_read(&jr, path.buf, JOURNAL_WALK_VERIFY,
				       &torn, &js, &err), 0);
	assert_int_equal(torn, 0);
	assert_int_equal(js.records, want.records);
	assert_string_equal(js.head, want.head);
	assert_int_equal(jr.nrecords, 7);
	assert_int_equal(jr.nsteps, 3);
	assert_int_equal(json_array_size(jr.others), 4);
	assert_true(jr.start == json_array_get(jr.others, 0));
	assert_string_equal(journal_str(jr.preflight, "type"), "preflight");
	assert_string_equal(journal_str(jr.end, "status"), "FAILED");
	assert_true(jr.last_is_end);
	/* Step records: the header, and the record itself from its line. */
	assert_int_equal(jr.step[0].n, 1);
	assert_string_equal(jr.step[0].status, "failed");
	assert_int_equal(jr.step[0].index, 2);
	assert_true(jr.step[1].resumed);
	assert_false(jr.step[2].resumed);
	for (i = 0; i < jr.nsteps; i++) {
		rec = jrecords_step_record(&jr, i, &err);
		assert_non_null(rec);
		assert_true(json_equal(rec, json_array_get(all,
							   jr.step[i].index)));
		json_decref(rec);
	}
	rec = jrecords_last(&jr, &err);
	assert_true(json_equal(rec, json_array_get(all, 6)));
	json_decref(rec);
	/* The logs named by hash, with the record that names them. */
	assert_int_equal(jr.nlogs, 1);
	assert_string_equal(jr.log[0].key, "stdout");
	assert_string_equal(jr.log[0].path, "steps/01-a.out");
	assert_string_equal(jr.log[0].sha256, "ab");
	assert_int_equal(jr.log[0].record, 2);
	jrecords_release(&jr);
	json_decref(all);
	error_release(&err);
}

/* journal_read()'s array handed in gives what the walk gives. */
static void test_from_array(void **state)
{
	struct error err = ERROR_INIT;
	struct jrecords a, b;
	json_t *all = journal_read(path.buf, NULL, &err), *oa, *ob;

	(void)state;
	jrecords_init(&a);
	jrecords_init(&b);
	assert_int_equal(jrecords_read(&a, path.buf, 0, NULL, NULL, &err), 0);
	jrecords_from_array(&b, all);
	assert_int_equal(a.nrecords, b.nrecords);
	assert_int_equal(a.nsteps, b.nsteps);
	assert_int_equal(a.nlogs, b.nlogs);
	assert_int_equal(a.last_is_end, b.last_is_end);
	oa = jrecords_outline(&a, 2);
	ob = jrecords_outline(&b, 2);
	assert_true(json_equal(oa, ob));
	/* The plan's 2 steps, each its first record: step 1's later one is
	 * not there; the others in order. */
	assert_int_equal(json_array_size(oa), 6);
	assert_string_equal(journal_str(json_array_get(oa, 2), "status"),
			    "failed");
	assert_string_equal(journal_str(json_array_get(oa, 3), "type"),
			    "backup");
	assert_string_equal(journal_str(json_array_get(oa, 5), "type"), "end");
	json_decref(oa);
	/* A plan of one step: step 2 is not in it. */
	oa = jrecords_outline(&a, 1);
	assert_int_equal(json_array_size(oa), 5);
	json_decref(oa);
	json_decref(ob);
	jrecords_release(&a);
	jrecords_release(&b);
	json_decref(all);
	error_release(&err);
}

/*
 * A torn last line: not a record, its bytes counted as journal_stat()
 * counts them. (Last: it leaves the journal torn.)
 */
static void test_torn(void **state)
{
	struct error err = ERROR_INIT;
	struct jrecords jr;
	struct journal_stat js;
	FILE *f = fopen(path.buf, "a");
	int torn = 0;

	(void)state;
	assert_non_null(f);
	fputs("{\"type\":\"st", f);
	fclose(f);
	jrecords_init(&jr);
	assert_int_equal(jrecords_read(&jr, path.buf, JOURNAL_WALK_VERIFY,
				       &torn, &js, &err), 0);
	assert_int_equal(torn, 1);
	assert_int_equal(js.torn, 11);
	assert_int_equal(js.records, 7);
	assert_int_equal(jr.nrecords, 7);
	assert_true(jr.last_is_end);
	jrecords_release(&jr);
	error_release(&err);
}

/* The journal copied to dir/NAME; its path in `to`. */
static void copy_journal(const char *name, struct strbuf *to)
{
	struct strbuf text = STRBUF_INIT;
	FILE *f;

	strbuf_reset(to);
	strbuf_addf(to, "%s/%s", dir, name);
	assert_int_equal(strbuf_read_file(&text, path.buf, 1 << 20), 0);
	f = fopen(to->buf, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text.buf, 1, text.len, f), text.len);
	assert_int_equal(fclose(f), 0);
	strbuf_release(&text);
}

/*
 * A step record is read again from the journal the walk read, and taken
 * only if it is still the line the walk saw: one byte of it changed in
 * place, or the file cut short, is an error, not another record; the
 * journal's path replaced by another file changes nothing (the walked
 * file is the one kept open).
 */
static void test_reread(void **state)
{
	struct error err = ERROR_INIT;
	struct strbuf copy = STRBUF_INIT, other = STRBUF_INIT;
	struct jrecords jr;
	json_t *rec, *all;
	FILE *f;
	int c;

	(void)state;
	all = journal_read(path.buf, NULL, &err);
	assert_non_null(all);
	copy_journal("reread.jsonl", &copy);
	jrecords_init(&jr);
	assert_int_equal(jrecords_read(&jr, copy.buf, JOURNAL_WALK_VERIFY,
				       NULL, NULL, &err), 0);
	assert_int_equal(jr.nsteps, 3);

	/* Replaced by another file under its name: still the walked one. */
	copy_journal("other.jsonl", &other);
	f = fopen(other.buf, "w");
	assert_non_null(f);
	fputs("{}\n{}\n{}\n{}\n{}\n{}\n{}\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rename(other.buf, copy.buf), 0);
	rec = jrecords_step_record(&jr, 1, &err);
	assert_non_null(rec);
	assert_true(json_equal(rec, json_array_get(all, jr.step[1].index)));
	json_decref(rec);
	jrecords_release(&jr);

	/* One byte of step 1's line changed in place. */
	copy_journal("reread.jsonl", &copy);
	jrecords_init(&jr);
	assert_int_equal(jrecords_read(&jr, copy.buf, JOURNAL_WALK_VERIFY,
				       NULL, NULL, &err), 0);
	f = fopen(copy.buf, "r+");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)(jr.step[0].off + jr.step[0].len / 2),
			       SEEK_SET), 0);
	c = fgetc(f);
	assert_int_equal(fseek(f, (long)(jr.step[0].off + jr.step[0].len / 2),
			       SEEK_SET), 0);
	fputc(c == 'x' ? 'y' : 'x', f);
	assert_int_equal(fclose(f), 0);
	assert_null(jrecords_step_record(&jr, 0, &err));
	assert_non_null(strstr(err.msg.buf, "changed while the journal was read"));
	error_release(&err);
	error_init(&err);
	/* The others are as they were. */
	rec = jrecords_step_record(&jr, 1, &err);
	assert_non_null(rec);
	json_decref(rec);

	/* Cut short before step 3's line ends. */
	assert_int_equal(truncate(copy.buf, (off_t)(jr.step[2].off + 5)), 0);
	assert_null(jrecords_step_record(&jr, 2, &err));
	assert_non_null(strstr(err.msg.buf, "got shorter"));
	jrecords_release(&jr);
	json_decref(all);
	strbuf_release(&copy);
	strbuf_release(&other);
	error_release(&err);
}

/* A record's result as the report reads it, hostile shapes included. */
static void test_result(void **state)
{
	json_t *rec = json_pack("{s:s, s:I, s:i, s:s, s:b, s:{s:s, s:i},"
				" s:[{s:s, s:s, s:b}, s, i]}", "status",
				"failed", "seq", (json_int_t)41, "duration_ms",
				1500, "message", "boom", "timed_out", 1,
				"stderr", "path", "steps/02-b.err", "bytes", 9,
				"checks", "what", "rows", "actual", "2", "ok", 1,
				"not a check", 5);
	struct jrecord_result r;

	(void)state;
	json_object_set_new(rec, "exit_code", json_null());
	jrecord_result_read(rec, &r);
	assert_string_equal(r.status, "failed");
	assert_true(r.has_seq);
	assert_int_equal(r.seq, 41);
	assert_int_equal(r.duration_ms, 1500);
	assert_true(json_is_null(r.exit_code));
	assert_true(r.timed_out);
	assert_false(r.resumed);
	assert_false(r.out.present);
	assert_true(r.err.present);
	assert_int_equal(r.err.bytes, 9);
	assert_string_equal(r.err.head, "");
	assert_int_equal(r.nchecks, 3);
	assert_true(r.checks[0].ok);
	assert_string_equal(r.checks[0].expected, "");
	assert_false(r.checks[1].ok);
	assert_string_equal(r.checks[2].what, "");
	jrecord_result_release(&r);
	json_decref(rec);
	/* No record: every text empty, nothing present. */
	jrecord_result_read(NULL, &r);
	assert_string_equal(r.status, "");
	assert_false(r.has_seq);
	assert_null(r.exit_code);
	assert_int_equal(r.nchecks, 0);
	jrecord_result_release(&r);
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

	if (!v)
		fail_msg("%s: %s", text, jerr.text);
	return v;
}

/* The start record's plan and context, typed. */
static void test_start(void **state)
{
	json_t *rec = parse("{\"type\": \"start\", \"time\": \"2026-01-02T03:04:05Z\","
		" \"plan\": {\"operator\": \"ann\", \"rdrill_version\": \"1.2\","
		" \"plan_hash\": \"ph\", \"plan\": {\"id\": \"d\"},"
		" \"drill_file\": {\"path\": \"d.yaml\", \"sha256\": \"aa\"}},"
		" \"context\": {\"bundle\": \"b1\", \"signing_key\": \"k\","
		" \"change_ref\": \"CR-1\", \"confirm\": \"staging\","
		" \"approved_plan\": \"ap\", \"environment\": {\"hostname\": \"h\","
		" \"zone\": \"Europe/Paris\", \"uid\": 0},"
		" \"approval\": {\"plan_bundle\": \"x/pb\", \"approver\": \"bo\","
		" \"approver_key\": \"ak\", \"sealed_at\": \"s\", \"valid_until\": \"u\","
		" \"rolled_forward\": [{\"name\": \"date\", \"from\": \"1\", \"to\": \"2\"},"
		" 7]}, \"vars_given\": {\"a\": \"1\", \"b\": 2},"
		" \"resumes\": {\"bundle\": \"rb\", \"chain_head\": \"ch\","
		" \"destroyed\": \"t\"}, \"previous\": {\"rto_ms\": 1000,"
		" \"rpo_ms\": -1, \"status\": \"PASSED\", \"bundle\": \"pb\","
		" \"started\": \"ps\"}}}");
	struct jrecord_start st;

	(void)state;
	jrecord_start_read(rec, &st);
	assert_string_equal(st.time, "2026-01-02T03:04:05Z");
	assert_true(json_is_object(st.body));
	assert_string_equal(st.operator, "ann");
	assert_string_equal(st.rdrill_version, "1.2");
	assert_string_equal(st.plan_hash, "ph");
	assert_string_equal(st.drill_path, "d.yaml");
	assert_string_equal(st.drill_sha256, "aa");
	assert_string_equal(st.bundle, "b1");
	assert_string_equal(st.signing_key, "k");
	assert_string_equal(st.change_ref, "CR-1");
	assert_string_equal(st.confirm, "staging");
	assert_string_equal(st.approved_plan, "ap");
	assert_true(st.env.present);
	assert_string_equal(st.env.hostname, "h");
	assert_string_equal(st.env.zone, "Europe/Paris");
	assert_string_equal(st.env.uid, "");            /* not text */
	assert_string_equal(st.env.kernel, "");
	assert_string_equal(st.approval.plan_bundle, "x/pb");
	assert_string_equal(st.approval.approver_key, "ak");
	assert_int_equal(st.approval.nrolled, 2);
	assert_string_equal(st.approval.rolled[0].to, "2");
	assert_string_equal(st.approval.rolled[1].name, ""); /* not an object */
	assert_int_equal(st.nvars, 2);
	assert_string_equal(st.vars[0].name, "a");
	assert_string_equal(st.vars[0].value, "1");
	assert_string_equal(st.vars[1].name, "b");
	assert_null(st.vars[1].value);
	assert_true(st.resumes.present);
	assert_string_equal(st.resumes.chain_head, "ch");
	assert_true(st.previous.present);
	assert_true(st.previous.has_rto);
	assert_int_equal(st.previous.rto_ms, 1000);
	assert_false(st.previous.has_rpo);              /* negative */
	assert_string_equal(st.previous.started, "ps");
	assert_false(st.killed_before_start);
	jrecord_start_release(&st);
	json_object_set_new(json_object_get(rec, "context"),
			    "killed_before_start", json_false());
	jrecord_start_read(rec, &st);
	assert_true(st.killed_before_start);        /* there, whatever it is */
	jrecord_start_release(&st);
	json_decref(rec);
}

/* Hostile shapes: every member of the wrong type reads as absent. */
static void test_start_hostile(void **state)
{
	static const char *const recs[] = {
		"{\"time\": 5, \"plan\": [1], \"context\": \"x\"}",
		"{\"plan\": {\"drill_file\": \"p\", \"plan\": 3, \"operator\": {}},"
		" \"context\": {\"environment\": [], \"approval\": {"
		"\"rolled_forward\": {\"a\": 1}, \"approver\": 1},"
		" \"vars_given\": [\"a\"], \"resumes\": \"r\","
		" \"previous\": {\"rto_ms\": \"1\", \"rpo_ms\": 2.5}}}",
		"[]",
		NULL
	};
	struct jrecord_start st;
	size_t i;

	(void)state;
	for (i = 0; recs[i]; i++) {
		json_t *rec = parse(recs[i]);

		jrecord_start_read(rec, &st);
		assert_string_equal(st.time, "");
		assert_string_equal(st.operator, "");
		assert_string_equal(st.drill_path, "");
		assert_false(st.env.present);
		assert_string_equal(st.env.zone, "");
		assert_string_equal(st.approval.approver, "");
		assert_int_equal(st.approval.nrolled, 0);
		assert_int_equal(st.nvars, 0);
		assert_false(st.resumes.present);
		assert_false(st.previous.has_rto);
		assert_false(st.previous.has_rpo);
		assert_true(st.body == NULL || json_is_integer(st.body));
		jrecord_start_release(&st);
		json_decref(rec);
	}
	jrecord_start_read(NULL, &st);
	assert_null(st.body);
	assert_string_equal(st.bundle, "");
	assert_false(st.previous.present);
	jrecord_start_release(&st);
}

static void test_end(void **state)
{
	json_t *rec = parse("{\"type\": \"end\", \"time\": \"t1\", \"reason\":"
		" \"r\", \"rto_ms\": 61000, \"rpo_ms\": \"9\", \"rpo_path\": \"p\","
		" \"rpo_clock\": \"tar\", \"rpo_doubtful\": true, \"findings\":"
		" [\"f1\", 3, \"f2\"], \"freshness\": [{\"table\": \"t\", \"column\":"
		" \"c\", \"before\": \"b\", \"after\": null, \"lost_ms\": -5,"
		" \"coherence\": \"agrees\", \"backup_made_ms\": 7, \"before_ms\":"
		" \"8\"}, {\"lost_ms\": \"x\"}, 4]}");
	struct jrecord_end e;

	(void)state;
	jrecord_end_read(rec, &e);
	assert_true(e.present);
	assert_string_equal(e.time, "t1");
	assert_string_equal(e.reason, "r");
	assert_true(e.has_rto);
	assert_int_equal(e.rto_ms, 61000);
	assert_false(e.has_rpo);                        /* not a number */
	assert_string_equal(e.rpo_path, "p");
	assert_string_equal(e.rpo_created, "");
	assert_string_equal(e.rpo_clock, "tar");
	assert_true(e.rpo_doubtful);
	assert_int_equal(e.findings.n, 2);
	assert_string_equal(e.findings.v[1], "f2");
	assert_int_equal(e.nfresh, 3);
	assert_string_equal(e.fresh[0].before, "b");
	assert_null(e.fresh[0].after);
	assert_true(e.fresh[0].has_lost && e.fresh[0].lost_is_int);
	assert_int_equal(e.fresh[0].lost_ms, -5);
	assert_string_equal(e.fresh[0].coherence, "agrees");
	assert_int_equal(e.fresh[0].backup_made_ms, 7);
	assert_int_equal(e.fresh[0].before_ms, 0);      /* not a number */
	assert_true(e.fresh[1].has_lost);
	assert_false(e.fresh[1].lost_is_int);
	assert_false(e.fresh[2].has_lost);              /* not an object */
	assert_string_equal(e.fresh[2].table, "");
	jrecord_end_release(&e);
	json_decref(rec);
	rec = parse("{\"findings\": {\"a\": \"b\"}, \"freshness\": \"x\","
		    " \"rpo_doubtful\": 1}");
	jrecord_end_read(rec, &e);
	assert_true(e.present);
	assert_int_equal(e.findings.n, 0);
	assert_int_equal(e.nfresh, 0);
	assert_false(e.rpo_doubtful);                   /* only true is */
	jrecord_end_release(&e);
	json_decref(rec);
	jrecord_end_read(NULL, &e);
	assert_false(e.present);
	assert_string_equal(e.time, "");
	jrecord_end_release(&e);
}

static void test_backup(void **state)
{
	json_t *rec = parse("{\"type\": \"backup\", \"item\": \"db\", \"rule\":"
		" \"newest\", \"chosen\": \"c\", \"clock\": \"archive\","
		" \"candidates\": [1, 2, 3], \"candidates_total\": 250,"
		" \"fell_back\": true, \"findings\": [\"x\", null]}");
	struct jrecord_backup b;

	(void)state;
	assert_int_equal(jrecord_backup_read(rec, &b), 1);
	assert_string_equal(b.item, "db");
	assert_string_equal(b.rule, "newest");
	assert_string_equal(b.problem, "");
	assert_string_equal(b.clock, "archive");
	assert_int_equal(b.ncandidates, 250);
	assert_true(b.fell_back);
	assert_int_equal(b.findings.n, 1);
	jrecord_backup_release(&b);
	/* No usable total: the candidates kept are counted. */
	json_object_set_new(rec, "candidates_total", json_string("250"));
	assert_int_equal(jrecord_backup_read(rec, &b), 1);
	assert_int_equal(b.ncandidates, 3);
	jrecord_backup_release(&b);
	json_object_set_new(rec, "candidates", json_string("abc"));
	json_object_set_new(rec, "item", json_integer(1));
	assert_int_equal(jrecord_backup_read(rec, &b), 1);
	assert_int_equal(b.ncandidates, 0);
	assert_string_equal(b.item, "");
	jrecord_backup_release(&b);
	/* Not a backup record. */
	json_object_set_new(rec, "type", json_string("end"));
	assert_int_equal(jrecord_backup_read(rec, &b), 0);
	assert_null(b.findings.v);
	json_object_set_new(rec, "type", json_integer(3));
	assert_int_equal(jrecord_backup_read(rec, &b), 0);
	assert_int_equal(jrecord_backup_read(NULL, &b), 0);
	json_decref(rec);
}

static void test_destroy(void **state)
{
	json_t *rec = parse("{\"type\": \"destroy\", \"n\": 4, \"id\": \"drop\","
			    " \"time\": \"t\"}");
	struct jrecord_destroy x;

	(void)state;
	assert_int_equal(jrecord_destroy_read(rec, &x), 1);
	assert_int_equal(json_integer_value(x.n), 4);
	assert_string_equal(x.id, "drop");
	assert_string_equal(x.time, "t");
	json_decref(rec);
	/* Hostile: texts of the wrong type read as empty, n kept as is. */
	rec = parse("{\"type\": \"destroy\", \"n\": \"4\", \"id\": [],"
		    " \"time\": null}");
	assert_int_equal(jrecord_destroy_read(rec, &x), 1);
	assert_true(json_is_string(x.n));
	assert_string_equal(x.id, "");
	assert_string_equal(x.time, "");
	json_object_del(rec, "n");
	assert_int_equal(jrecord_destroy_read(rec, &x), 1);
	assert_null(x.n);
	json_object_set_new(rec, "type", json_string("step"));
	assert_int_equal(jrecord_destroy_read(rec, &x), 0);
	assert_null(x.n);
	assert_int_equal(jrecord_destroy_read(NULL, &x), 0);
	json_decref(rec);
}

/*
 * Every member of every record the typed readers take, at any depth to
 * three, given each JSON type in turn: text in the structs is never NULL
 * (but where the header says NULL means "not text"), and a record of
 * another type is not read as a backup or destroy record.
 */
static void text_ok(const char *s)
{
	assert_non_null(s);
}

static void read_all(json_t *rec)
{
	struct jrecord_result r;
	struct jrecord_start st;
	struct jrecord_end e;
	struct jrecord_backup b;
	struct jrecord_destroy x;
	const struct jrecord_env_key *k;
	size_t i;

	jrecord_result_read(rec, &r);
	text_ok(r.status); text_ok(r.started); text_ok(r.ended);
	text_ok(r.message); text_ok(r.out.path); text_ok(r.out.head);
	text_ok(r.err.tail);
	for (i = 0; i < r.nchecks; i++) {
		text_ok(r.checks[i].what); text_ok(r.checks[i].expected);
		text_ok(r.checks[i].actual);
	}
	jrecord_result_release(&r);
	jrecord_start_read(rec, &st);
	text_ok(st.time); text_ok(st.mode); text_ok(st.operator);
	text_ok(st.rdrill_version); text_ok(st.plan_hash);
	text_ok(st.drill_path); text_ok(st.drill_sha256); text_ok(st.bundle);
	text_ok(st.signing_key); text_ok(st.change_ref); text_ok(st.confirm);
	text_ok(st.approved_plan);
	for (k = jrecord_env_keys; k->key; k++)
		text_ok(*(const char *const *)(const void *)
			((const char *)&st.env + k->off));
	text_ok(st.approval.plan_bundle); text_ok(st.approval.valid_until);
	for (i = 0; i < st.approval.nrolled; i++) {
		text_ok(st.approval.rolled[i].name);
		text_ok(st.approval.rolled[i].from);
		text_ok(st.approval.rolled[i].to);
	}
	for (i = 0; i < st.nvars; i++)
		text_ok(st.vars[i].name);
	text_ok(st.resumes.bundle); text_ok(st.resumes.destroyed);
	text_ok(st.previous.status); text_ok(st.previous.started);
	assert_true(st.previous.rto_ms >= 0 && st.previous.rpo_ms >= 0);
	jrecord_start_release(&st);
	jrecord_end_read(rec, &e);
	text_ok(e.time); text_ok(e.reason); text_ok(e.rpo_path);
	text_ok(e.rpo_clock); text_ok(e.rpo_source);
	for (i = 0; i < e.findings.n; i++)
		text_ok(e.findings.v[i]);
	for (i = 0; i < e.nfresh; i++) {
		text_ok(e.fresh[i].table); text_ok(e.fresh[i].column);
		text_ok(e.fresh[i].coherence);
		assert_true(e.fresh[i].lost_is_int ? e.fresh[i].has_lost : 1);
	}
	jrecord_end_release(&e);
	if (jrecord_backup_read(rec, &b)) {
		assert_string_equal(json_string_value(json_object_get(rec,
							"type")), "backup");
		text_ok(b.item); text_ok(b.rule); text_ok(b.chosen);
		text_ok(b.created); text_ok(b.problem); text_ok(b.clock);
		for (i = 0; i < b.findings.n; i++)
			text_ok(b.findings.v[i]);
	}
	jrecord_backup_release(&b);
	if (jrecord_destroy_read(rec, &x)) {
		text_ok(x.id);
		text_ok(x.time);
	}
}

/*
 * Each member of `v` (and below, to `depth`) set to each type, then back
 * (set in place: a key deleted and set again would move to the end, and
 * the walk would meet it again). Absent members: the records of the
 * other tests, and NULL.
 */
static void each_member(json_t *top, json_t *v, int depth, size_t *n)
{
	static const char *const types[] = {
		"null", "true", "7", "-3", "1.5", "\"x\"", "[]", "{}", "[7]",
		"{\"a\": 1}",
	};
	const char *key;
	json_t *m;
	void *tmp;
	size_t t;

	if (json_is_object(v)) {
		json_object_foreach_safe(v, tmp, key, m) {
			json_t *keep = json_incref(m);

			for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
				json_object_set_new(v, key, json_loads(types[t],
						    JSON_DECODE_ANY, NULL));
				read_all(top);
				(*n)++;
			}
			json_object_set(v, key, keep);
			if (depth < 3)
				each_member(top, keep, depth + 1, n);
			json_decref(keep);
		}
	} else if (json_is_array(v) && json_array_size(v)) {
		json_t *keep = json_incref(json_array_get(v, 0));

		for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			json_array_set_new(v, 0, json_loads(types[t],
					   JSON_DECODE_ANY, NULL));
			read_all(top);
			(*n)++;
		}
		json_array_set(v, 0, keep);
		if (depth < 3)
			each_member(top, keep, depth + 1, n);
		json_decref(keep);
	}
}

static void test_every_member_every_type(void **state)
{
	static const char *const recs[] = {
		"{\"type\": \"start\", \"time\": \"t\", \"mode\": \"run\", \"plan\":"
		" {\"operator\": \"o\", \"plan_hash\": \"h\", \"plan\": {\"id\": \"d\"},"
		" \"drill_file\": {\"path\": \"p\", \"sha256\": \"s\"}}, \"context\":"
		" {\"bundle\": \"b\", \"environment\": {\"hostname\": \"h\"},"
		" \"approval\": {\"approver\": \"a\", \"rolled_forward\": [{\"name\":"
		" \"n\", \"from\": \"1\", \"to\": \"2\"}]}, \"vars_given\": {\"v\": \"1\"},"
		" \"resumes\": {\"bundle\": \"r\"}, \"previous\": {\"rto_ms\": 5,"
		" \"rpo_ms\": 6, \"status\": \"PASSED\"}, \"killed_before_start\": true}}",
		"{\"type\": \"step\", \"status\": \"ok\", \"started\": \"s\", \"ended\":"
		" \"e\", \"message\": \"m\", \"seq\": 3, \"duration_ms\": 9,"
		" \"exit_code\": 0, \"timed_out\": false, \"resumed\": true, \"stdout\":"
		" {\"path\": \"p\", \"bytes\": 3, \"head\": \"h\", \"tail\": \"t\"},"
		" \"stderr\": {\"path\": \"q\"}, \"checks\": [{\"what\": \"w\","
		" \"expected\": \"e\", \"actual\": \"a\", \"ok\": true}], \"evidence\": {}}",
		"{\"type\": \"end\", \"time\": \"t\", \"reason\": \"r\", \"rto_ms\": 1,"
		" \"rpo_ms\": 2, \"rpo_path\": \"p\", \"rpo_source\": \"pick\","
		" \"rpo_doubtful\": true, \"findings\": [\"f\"], \"freshness\":"
		" [{\"table\": \"t\", \"column\": \"c\", \"coherence\": \"ok\", \"before\":"
		" \"b\", \"after\": \"a\", \"lost_ms\": 4, \"backup_made_ms\": 5,"
		" \"before_ms\": 6, \"after_ms\": 7}]}",
		"{\"type\": \"backup\", \"item\": \"i\", \"rule\": \"r\", \"chosen\": \"c\","
		" \"created\": \"t\", \"problem\": \"\", \"clock\": \"mtime\","
		" \"candidates_total\": 120, \"candidates\": [{}], \"fell_back\": true,"
		" \"findings\": [\"f\"]}",
		"{\"type\": \"destroy\", \"n\": 2, \"id\": \"d\", \"time\": \"t\"}",
	};
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		json_t *rec = parse(recs[i]);

		read_all(rec);
		each_member(rec, rec, 0, &n);
		json_decref(rec);
	}
	assert_true(n > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_once),
		cmocka_unit_test(test_from_array),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_start_hostile),
		cmocka_unit_test(test_end),
		cmocka_unit_test(test_backup),
		cmocka_unit_test(test_destroy),
		cmocka_unit_test(test_every_member_every_type),
		cmocka_unit_test(test_reread),
		cmocka_unit_test(test_torn),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
