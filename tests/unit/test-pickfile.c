/*
 * Unit tests of the run's typed picked files (pickfile.h): a pick made
 * now and the same pick read back from its journal record agree field
 * by field; the check before and after a step says the same file, a
 * rewritten one and a gone one; a record whose identity is not exactly
 * the five numbers never counts as the same file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "pickfile.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

static char tmpdir[] = "/tmp/rdrill-test-pickfile.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_pick_and_record_agree(void **state)
{
	struct drill_item it;
	struct backup_pick p;
	struct strvec problems = STRVEC_INIT;
	struct pickfiles fs;
	struct strbuf rule = STRBUF_INIT, path = STRBUF_INIT;
	const struct pickfile *a, *b;
	json_t *rec;

	(void)state;
	strbuf_addf(&path, "%s/app 'x'.dump", tmpdir);
	write_file(path.buf, "not an archive\n");
	strbuf_addf(&rule, "%s/*.dump", tmpdir);
	memset(&it, 0, sizeof(it));
	it.id = "db";
	it.kind = "database";
	it.scheduled = rule.buf;
	assert_int_equal(backup_pick(&it, 1, (long long)time(NULL) * 1000 + 60000,
				     NULL, &p, &problems), 0);
	assert_int_equal(p.status, BACKUP_PICKED);
	rec = backup_pick_record(&p);
	pickfiles_init(&fs, 3);
	pickfiles_add_pick(&fs, &p);
	pickfiles_add_record(&fs, rec);
	a = &fs.v[0];
	b = &fs.v[1];
	assert_true(pickfile_picked(a));
	assert_true(pickfile_picked(b));
	assert_string_equal(a->item, "db");
	assert_string_equal(a->path, path.buf);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->sha256, journal_str(rec, "chosen_sha256"));
	assert_string_equal(a->sha256, b->sha256);
	assert_string_equal(a->clock, "mtime");
	assert_string_equal(a->clock, b->clock);
	assert_string_equal(a->created, journal_str(rec, "created"));
	assert_string_equal(a->created, b->created);
	assert_true(a->created_ms == b->created_ms);
	assert_true(a->ident_known && b->ident_known);
	assert_true(backup_ident_equal(&a->ident, &b->ident));
	assert_null(a->contradicted);
	assert_null(b->contradicted);
	assert_int_equal(a->status, BACKUP_PICKED);
	assert_int_equal(b->status, BACKUP_PICKED);
	assert_int_equal(a->read_by[2], 0);
	json_decref(rec);
	pickfiles_release(&fs);
	backup_pick_release(&p);
	strvec_clear(&problems);
	strbuf_release(&rule);
	strbuf_release(&path);
}

static void test_check(void **state)
{
	struct pickfiles fs;
	struct strbuf path = STRBUF_INIT, what = STRBUF_INIT, exp = STRBUF_INIT,
		      act = STRBUF_INIT;
	char hex[SHA256_HEX_LEN + 1];
	struct error err = ERROR_INIT;
	struct stat st;
	const struct pickfile *f;

	(void)state;
	strbuf_addf(&path, "%s/v.dump", tmpdir);
	write_file(path.buf, "verified bytes\n");
	assert_int_equal(stat(path.buf, &st), 0);
	assert_int_equal(sha256_file_hex(path.buf, hex, NULL, &err), 0);
	pickfiles_init(&fs, 1);
	f = pickfiles_add_verified(&fs, "dump verified by step toc", path.buf,
				   hex, &st);
	assert_false(pickfile_picked(f));
	assert_int_equal(pickfile_check(f, "before", &what, &exp, &act), 1);
	assert_non_null(strstr(what.buf, "the dump verified by step toc: "
			       "before the step, "));
	assert_non_null(strstr(what.buf, "is the file verified"));
	assert_non_null(strstr(act.buf, "the same: inode"));
	assert_non_null(strstr(exp.buf, hex));

	/* Rewritten in place: another file (its ctime moved). */
	strbuf_reset(&what);
	strbuf_reset(&exp);
	strbuf_reset(&act);
	usleep(20000);
	write_file(path.buf, "other bytes, longer\n");
	assert_int_equal(pickfile_check(f, "after", &what, &exp, &act), 0);
	assert_non_null(strstr(act.buf, "another file: inode"));

	/* Gone. */
	strbuf_reset(&act);
	unlink(path.buf);
	assert_int_equal(pickfile_check(f, "after", &what, &exp, &act), 0);
	assert_string_equal(act.buf, "gone: No such file or directory");
	pickfiles_release(&fs);
	strbuf_release(&path);
	strbuf_release(&what);
	strbuf_release(&exp);
	strbuf_release(&act);
	error_release(&err);
}

static void test_hostile_record(void **state)
{
	struct pickfiles fs;
	struct strbuf path = STRBUF_INIT, what = STRBUF_INIT, exp = STRBUF_INIT,
		      act = STRBUF_INIT;
	struct stat st;
	json_t *rec, *id;
	const struct pickfile *f;

	(void)state;
	strbuf_addf(&path, "%s/r.dump", tmpdir);
	write_file(path.buf, "bytes\n");
	assert_int_equal(stat(path.buf, &st), 0);
	id = backup_identity(&st);
	json_object_set_new(id, "extra", json_integer(1));
	rec = json_pack("{s:s, s:s, s:s, s:o}", "item", "db", "status",
			"picked", "chosen", path.buf, "chosen_identity", id);
	pickfiles_init(&fs, 1);
	f = pickfiles_add_record(&fs, rec);
	assert_false(f->ident_known);
	assert_int_equal(pickfile_check(f, "before", &what, &exp, &act), 0);
	/* An unknown status word: not picked, no file. */
	json_object_set_new(rec, "status", json_string("chosen-by-someone"));
	f = pickfiles_add_record(&fs, rec);
	assert_int_equal(f->status, -1);
	assert_false(pickfile_picked(f));
	assert_null(f->path);
	json_decref(rec);
	pickfiles_release(&fs);
	strbuf_release(&path);
	strbuf_release(&what);
	strbuf_release(&exp);
	strbuf_release(&act);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick_and_record_agree),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_hostile_record),
	};
	int rc;
	char cmd[300];

	if (!mkdtemp(tmpdir))
		return 1;
	rc = cmocka_run_group_tests_name("pickfile", tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
