#include "error.h"
#include "fsutil.h"
#include "rdrill.h"
#include "strbuf.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/*
 * The starter drill `rdrill init` writes: the common case (pg_dump ->
 * checks -> drop -> pg_restore -> checks) on libpq's defaults, so that
 * pointed at a database one may destroy (PGHOST, PGPORT, PGUSER as for
 * psql) it validates and passes unedited. Every line a newcomer must
 * decide on says so in a comment. tests/t1352-init.sh runs it.
 */
static const char starter[] =
"# A restore drill: back up one PostgreSQL database with pg_dump, prove\n"
"# the dump, destroy the database, restore it with pg_restore and prove\n"
"# it came back the same. Written by `rdrill init`; edit what the\n"
"# comments point at, then:\n"
"#   rdrill validate THIS.yaml         every error of the file at once\n"
"#   rdrill plan THIS.yaml             every step as it will run, touching nothing\n"
"#   rdrill run THIS.yaml --var db=NAME --confirm test\n"
"# The connection is libpq's (PGHOST, PGPORT, PGUSER, PGPASSWORD or\n"
"# ~/.pgpass, as for psql). Run it only against a database you may\n"
"# destroy: the destroy phase DROPS it.\n"
"rdrill: 1\n"
"id: starter                  # names the bundles: reports/DATE-starter\n"
"title: Restore drill of database ${db}\n"
"system: PostgreSQL database ${db}\n"
"environment: test            # run ... --confirm test names it\n"
"objective: the nightly pg_dump of ${db} restores, and the restored database is the one dumped\n"
"language: en                 # or zh-CN: the report's language\n"
"targets:\n"
"  rto: 15m                   # the longest the restore may take\n"
"  rpo: 24h                   # the most data the business may lose\n"
"\n"
"vars:\n"
"  db: scratch                # the database to dump, DROP and restore (--var db=...)\n"
"  backup_dir: ${drill_dir}/backups/${date}   # one directory a day, never reused\n"
"\n"
"connections:\n"
"  db:\n"
"    dbname: ${db}\n"
"    # host: /var/run/postgresql   port: 5432   user: postgres\n"
"    # password_env: PGPASSWORD   (unset here: libpq's own defaults)\n"
"\n"
"backup_set:\n"
"  - id: db\n"
"    title: PostgreSQL database ${db}\n"
"    tier: 1\n"
"    kind: database\n"
"    database: ${db}\n"
"    method: pg_dump -F c\n"
"    source: [\"database ${db}\"]\n"
"    artifact: ${backup_dir}/${db}.dump\n"
"\n"
"phases:\n"
"  backup:\n"
"    - id: backup-dir\n"
"      title: Today's backup directory, never reused (mkdir fails if it exists)\n"
"      shell: mkdir -p ${drill_dir}/backups && mkdir ${backup_dir}\n"
"    - id: pg-dump\n"
"      title: pg_dump -F c\n"
"      run: [pg_dump, -F, c, -f, \"${backup_dir}/${db}.dump\", \"${db}\"]\n"
"\n"
"  verify_backup:              # nothing is destroyed unless all of these pass\n"
"    - id: dump-not-empty\n"
"      files: {path: \"${backup_dir}/${db}.dump\", non_empty: true}\n"
"    - id: toc\n"
"      title: The whole archive reads, and it is the right database\n"
"      toc: {dump: \"${backup_dir}/${db}.dump\", connection: db}\n"
"    - id: checksum\n"
"      title: SHA-256 of the backup directory\n"
"      checksum: {dir: \"${backup_dir}\"}\n"
"    - id: fp-before\n"
"      title: Every table's rows and definition, before\n"
"      fingerprint: {connection: db}\n"
"\n"
"  destroy:                    # the disaster: needs --confirm test\n"
"    - id: drop\n"
"      title: DROP DATABASE ${db}\n"
"      run: [dropdb, \"${db}\"]\n"
"\n"
"  restore:\n"
"    - id: create\n"
"      run: [createdb, \"${db}\"]\n"
"    - id: pg-restore\n"
"      title: pg_restore of the dump\n"
"      run: [pg_restore, --exit-on-error, -d, \"${db}\", \"${backup_dir}/${db}.dump\"]\n"
"\n"
"  verify_restore:\n"
"    - id: fp-after\n"
"      title: The restored database is the one dumped\n"
"      fingerprint: {connection: db, same_as: fp-before}\n"
"    # a row you know, deleted in destroy and found again: see `canary:`\n"
"    # in the README; a query with a known answer: a `sql:` step.\n"
"\n"
"  cleanup: []                 # always runs, even after a failure\n";

/* rdrill init FILE [--force]: the starter drill, written atomically. */
int cmd_init(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	struct strbuf t = STRBUF_INIT;
	const char *file = NULL;
	struct stat st;
	int force = 0, k, rc = RDRILL_EXIT_OK;

	for (k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--force"))
			force = 1;
		else if (argv[k][0] == '-' || file)
			return rdrill_usage_error(argv[0], "give one file to "
						  "write [--force]");
		else
			file = argv[k];
	}
	if (!file)
		return rdrill_usage_error(argv[0], "give the file to write");
	if (!force && lstat(file, &st) == 0) {
		fprintf(stderr, "rdrill: %s exists; --force replaces it\n",
			utf8_term(&t, file));
		rc = RDRILL_EXIT_REFUSED;
	} else if (fs_write_atomic(file, starter, sizeof(starter) - 1,
				   &err) < 0) {
		rdrill_print_error(&err);
		rc = RDRILL_EXIT_FAILED;
	} else {
		utf8_term(&t, file);
		printf("%s\nnext: rdrill validate %s; rdrill plan %s\n", t.buf,
		       t.buf, t.buf);
	}
	strbuf_release(&t);
	error_release(&err);
	return rc;
}
