#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pbrinfo.h"

/*
 * pgBackRest's `info --output=json` read in one place: a real-shaped
 * stanza read whole, and hostile text (not JSON, wrong types, missing
 * keys, values of every other type in every place) gives a clear
 * error or an unknown value, never a crash or a guess.
 */

#define SEG1 "000000010000000000000002"
#define SEG2 "000000010000000000000004"

static const char good[] =
	"[{\"name\": \"other\"},"
	" {\"name\": \"main\", \"status\": {\"code\": 0, \"message\": \"ok\"},"
	"  \"repo\": [{\"key\": 1, \"status\": {\"code\": 0, \"message\": \"ok\"}},"
	"            {\"key\": 2, \"status\": {\"code\": 99, \"message\": \"other\"}}],"
	"  \"db\": [{\"id\": 1, \"system-id\": 7300000000000000001}],"
	"  \"archive\": [{\"id\": \"15-1\", \"min\": \"" SEG1 "\", \"max\": \""
	SEG2 "\"}],"
	"  \"backup\": [{\"label\": \"20260101-000000F\", \"type\": \"full\","
	"    \"timestamp\": {\"start\": 1767225600, \"stop\": 1767225660},"
	"    \"lsn\": {\"start\": \"0/2000028\", \"stop\": \"0/2000100\"},"
	"    \"archive\": {\"start\": \"" SEG1 "\", \"stop\": \"" SEG1 "\"},"
	"    \"info\": {\"size\": 31457280, \"repository\": {\"size\": 4194304}},"
	"    \"error\": false}]}]";

static void test_good(void **state)
{
	struct pbrinfo info;
	struct error err = ERROR_INIT;
	struct pbrinfo_backup *b;

	(void)state;
	assert_int_equal(pbrinfo_parse(&info, good, strlen(good), "main", &err),
			 0);
	assert_string_equal(info.name, "main");
	assert_int_equal(info.code, 0);
	assert_string_equal(info.message, "ok");
	assert_int_equal(info.nrepos, 2);
	assert_int_equal(info.repos[1].code, 99);
	assert_string_equal(info.repos[1].message, "other");
	assert_true(info.has_sysid);
	assert_true(info.sysid == 7300000000000000001ULL);
	assert_int_equal(info.narchives, 1);
	assert_string_equal(info.archives[0].id, "15-1");
	assert_string_equal(info.archives[0].max, SEG2);
	assert_int_equal(info.nbackups, 1);
	b = &info.backups[0];
	assert_int_equal(pbrinfo_backup_complete(b, 0, &err), 0);
	assert_string_equal(b->label, "20260101-000000F");
	assert_int_equal(b->stop, 1767225660);
	assert_true(b->start_lsn_v == 0x2000028);
	assert_true(b->stop_lsn_v == 0x2000100);
	assert_int_equal(b->timeline, 1);
	assert_int_equal(b->size, 31457280);
	assert_int_equal(b->repo_size, 4194304);
	assert_false(b->error);
	pbrinfo_release(&info);
	error_release(&err);
}

/* Whole-document errors: each one said, nothing left allocated. */
static void test_hostile_document(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "", "pgbackrest info: not JSON" },
		{ "[{\"name\": \"main\"", "pgbackrest info: not JSON" },
		{ "{\"name\": \"main\"}", "pgbackrest info: not a JSON array" },
		{ "\"main\"", "pgbackrest info: not JSON" },
		{ "[]", "pgbackrest info: no stanza 'main'" },
		{ "[1, null, [], \"main\", {\"name\": 5}, {\"name\": [\"main\"]}]",
		  "pgbackrest info: no stanza 'main'" },
		{ "[{\"name\": \"main\", \"name\": \"main\"}]",
		  "pgbackrest info: not JSON" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pbrinfo info;
		struct error err = ERROR_INIT;

		assert_int_equal(pbrinfo_parse(&info, cases[i].text,
					       strlen(cases[i].text), "main",
					       &err), -1);
		if (strncmp(err.msg.buf, cases[i].msg, strlen(cases[i].msg)))
			fail_msg("case %zu: %s", i, err.msg.buf);
		pbrinfo_release(&info);
		error_release(&err);
	}
}

/*
 * Every key of the stanza given a value of each wrong type: unknown,
 * never a crash; a backup so read is not complete, and says which.
 */
static void test_hostile_types(void **state)
{
	static const char *const bad[] = { "null", "true", "1", "-1", "1.5",
					   "\"x\"", "[]", "{}", "[1, \"a\"]",
					   "{\"code\": \"0\"}" };
	static const char *const keys[] = { "status", "repo", "db", "archive",
					    "backup" };
	size_t i, k;

	(void)state;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct pbrinfo info;
			struct error err = ERROR_INIT;
			char text[256];
			size_t j;

			snprintf(text, sizeof(text), "[{\"name\": \"main\", "
				 "\"%s\": %s}]", keys[k], bad[i]);
			assert_int_equal(pbrinfo_parse(&info, text, strlen(text),
						       "main", &err), 0);
			if (k == 0)
				assert_int_equal(info.code, -1);
			for (j = 0; j < info.nbackups; j++) {
				assert_int_equal(pbrinfo_backup_complete(
					&info.backups[j], j, &err), -1);
				assert_non_null(strstr(err.msg.buf, "backup "));
			}
			for (j = 0; j < info.nrepos; j++)
				assert_int_equal(info.repos[j].code, -1);
			pbrinfo_release(&info);
			error_release(&err);
		}
}

/* One backup, one field wrong at a time: not complete, named by number. */
static void test_backup_fields(void **state)
{
	static const char *const backups[] = {
		"{\"label\": 1}",
		"{\"label\": \"L\", \"type\": \"full\", \"timestamp\": "
		"{\"start\": \"1\", \"stop\": 2}}",
		/* LSNs out of order */
		"{\"label\": \"L\", \"type\": \"full\", \"timestamp\": "
		"{\"start\": 1, \"stop\": 2}, \"lsn\": {\"start\": \"0/3\", "
		"\"stop\": \"0/2\"}, \"archive\": {\"start\": \"" SEG1 "\", "
		"\"stop\": \"" SEG1 "\"}, \"info\": {\"size\": 1}}",
		/* not an LSN */
		"{\"label\": \"L\", \"type\": \"full\", \"timestamp\": "
		"{\"start\": 1, \"stop\": 2}, \"lsn\": {\"start\": \"zz\", "
		"\"stop\": \"0/2\"}, \"archive\": {\"start\": \"" SEG1 "\", "
		"\"stop\": \"" SEG1 "\"}, \"info\": {\"size\": 1}}",
		/* a WAL range that is not segment names */
		"{\"label\": \"L\", \"type\": \"full\", \"timestamp\": "
		"{\"start\": 1, \"stop\": 2}, \"lsn\": {\"start\": \"0/1\", "
		"\"stop\": \"0/2\"}, \"archive\": {\"start\": \"../../etc\", "
		"\"stop\": \"" SEG1 "\"}, \"info\": {\"size\": 1}}",
		/* size as text */
		"{\"label\": \"L\", \"type\": \"full\", \"timestamp\": "
		"{\"start\": 1, \"stop\": 2}, \"lsn\": {\"start\": \"0/1\", "
		"\"stop\": \"0/2\"}, \"archive\": {\"start\": \"" SEG1 "\", "
		"\"stop\": \"" SEG1 "\"}, \"info\": {\"size\": \"1\"}}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(backups) / sizeof(backups[0]); i++) {
		struct pbrinfo info;
		struct error err = ERROR_INIT;
		char text[1024];

		snprintf(text, sizeof(text), "[{\"name\": \"main\", \"backup\": "
			 "[%s, %s]}]", backups[i], backups[i]);
		assert_int_equal(pbrinfo_parse(&info, text, strlen(text), "main",
					       &err), 0);
		assert_int_equal(info.nbackups, 2);
		assert_int_equal(pbrinfo_backup_complete(&info.backups[1], 1,
							 &err), -1);
		assert_string_equal(err.msg.buf, "pgbackrest info: backup 2 "
				    "lacks a label, type, timestamps, LSNs, "
				    "size or WAL range of the right type");
		pbrinfo_release(&info);
		error_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_hostile_document),
		cmocka_unit_test(test_hostile_types),
		cmocka_unit_test(test_backup_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
