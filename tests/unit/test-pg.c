/*
 * Unit tests of pg.c and the sql, wait and canary steps against a real
 * PostgreSQL server: the group setup makes a throwaway cluster (initdb,
 * pg_ctl on a Unix socket in a temp dir, no TCP), as the unprivileged
 * user rdrill-pg when run as root (PostgreSQL refuses root), and the
 * teardown stops it and removes the directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "pg.h"
#include "runfacts.h"
#include "sha256.h"
#include "drill-fixture.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"

#define PG_USER "rdrill-pg"
#define PORT 5432
#define PASSWORD "pw-Secr3t-7f3a9c"

static char base[] = "/tmp/rdrill-test-pg.XXXXXX";
static char nosrv[] = "/tmp/rdrill-test-pg-empty.XXXXXX";
static struct strbuf bindir = STRBUF_INIT, datadir = STRBUF_INIT,
		     sockdir = STRBUF_INIT, logfile = STRBUF_INIT;
static int as_root;
static int started;

/* Run argv (as PG_USER when root), output to the log; 0 when it exits 0. */
static int run(const char *const *argv)
{
	struct strvec av = STRVEC_INIT;
	pid_t pid;
	int status = -1, fd;

	if (as_root) {
		strvec_push(&av, "runuser");
		strvec_push(&av, "-u");
		strvec_push(&av, PG_USER);
		strvec_push(&av, "--");
	}
	strvec_pushv(&av, argv);
	pid = fork();
	if (pid == 0) {
		fd = open(logfile.buf, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* The server user may not be able to enter our cwd. */
		if (chdir(base) < 0)
			_exit(126);
		execvp(av.v[0], (char *const *)av.v);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	strvec_clear(&av);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void show_log(void)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, logfile.buf, 1 << 20) == 0)
		fprintf(stderr, "%s", sb.buf);
	strbuf_release(&sb);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static json_t *conn_json(const char *host, const char *user)
{
	return json_pack("{s:s, s:i, s:s, s:s}", "host", host, "port", PORT,
			 "dbname", "postgres", "user", user);
}

/* A drill whose only connection is `conn` ("c"), and one wait step on it. */
static struct drill *conn_drill(json_t *conns)
{
	json_t *parts = json_pack("{s:O}", "connections", conns);
	const char *name = json_object_iter_key(json_object_iter(conns));
	struct drill *d = fixture_drill(parts, json_pack("{s:s, s:s, s:{s:s}}",
		"id", "w", "kind", "wait", "wait", "connection", name));

	json_decref(parts);
	return d;
}

/* pg_connect with the connection given as in a plan body. */
static PGconn *connect_json(json_t *conn, struct strvec *secrets,
			    struct error *err)
{
	json_t *conns = json_pack("{s:O}", "c", conn);
	struct drill *d = conn_drill(conns);
	PGconn *c = pg_connect(drill_conn(d, "c"), secrets, NULL, err);

	drill_free(d);
	json_decref(conns);
	return c;
}

static PGconn *admin(void)
{
	struct error err = ERROR_INIT;
	json_t *conn = conn_json(sockdir.buf, "postgres");
	PGconn *c = connect_json(conn, NULL, &err);

	if (!c)
		fprintf(stderr, "connect: %s\n", err.msg.buf);
	json_decref(conn);
	error_release(&err);
	return c;
}

/* Test fixtures only: PQexec takes several statements at once. */
static void exec_ok(const char *sql)
{
	PGconn *c = admin();
	PGresult *res;
	ExecStatusType st;

	assert_non_null(c);
	res = PQexec(c, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	assert_true(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

static int setup(void **state)
{
	FILE *p;
	char line[4096];
	struct strbuf sb = STRBUF_INIT;
	struct passwd *pw;
	PGconn *c;
	(void)state;

	as_root = geteuid() == 0;
	p = popen("pg_config --bindir", "r");
	if (!p || !fgets(line, sizeof(line), p))
		return -1;
	pclose(p);
	strbuf_adds(&bindir, line);
	strbuf_rtrim(&bindir);
	if (!mkdtemp(base) || !mkdtemp(nosrv))
		return -1;
	/* /tmp is world-traversable; our directory must be too. */
	chmod(base, 0755);
	chmod(nosrv, 0755);
	strbuf_addf(&datadir, "%s/data", base);
	strbuf_addf(&sockdir, "%s/sock", base);
	strbuf_addf(&logfile, "%s/log", base);
	if (mkdir(sockdir.buf, 0755) < 0)
		return -1;
	{
		/* sql steps stream their rows to steps/ in the bundle. */
		struct strbuf steps = STRBUF_INIT;
		int r;
		strbuf_addf(&steps, "%s/steps", base);
		r = mkdir(steps.buf, 0755);
		strbuf_release(&steps);
		if (r < 0)
			return -1;
	}
	if (as_root) {
		if (!getpwnam(PG_USER)) {
			const char *av[] = { "useradd", "--system",
				"--no-create-home", "--shell",
				"/usr/sbin/nologin", PG_USER, NULL };
			int saved = as_root;
			as_root = 0;
			run(av);
			as_root = saved;
		}
		pw = getpwnam(PG_USER);
		if (!pw || chown(base, pw->pw_uid, pw->pw_gid) < 0 ||
		    chown(sockdir.buf, pw->pw_uid, pw->pw_gid) < 0)
			return -1;
	}
	{
		/* Locale and encoding fixed: initdb refuses a LANG naming a
		 * locale that is not installed. */
		const char *av[] = { NULL, "-D", datadir.buf, "-A", "trust",
				     "-U", "postgres", "-E", "UTF8",
				     "--locale=C", "--no-sync", NULL };
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/initdb", bindir.buf);
		av[0] = sb.buf;
		if (run(av) < 0) {
			show_log();
			return -1;
		}
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/pg_hba.conf", datadir.buf);
	if (write_file(sb.buf, "local all pwuser scram-sha-256\n"
		       "local all all trust\n") < 0)
		return -1;
	{
		struct strbuf opts = STRBUF_INIT, ctl = STRBUF_INIT;
		const char *av[] = { NULL, "-D", datadir.buf, "-w", "-t", "60",
				     "-l", NULL, "-o", NULL, "start", NULL };
		int r;

		strbuf_addf(&ctl, "%s/pg_ctl", bindir.buf);
		strbuf_addf(&opts, "-c listen_addresses='' -k %s -p %d "
			    "-c fsync=off", sockdir.buf, PORT);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/server.log", base);
		av[0] = ctl.buf;
		av[7] = sb.buf;
		av[9] = opts.buf;
		r = run(av);
		strbuf_release(&opts);
		strbuf_release(&ctl);
		if (r < 0) {
			show_log();
			return -1;
		}
	}
	started = 1;
	strbuf_release(&sb);
	c = admin();
	if (!c)
		return -1;
	PQfinish(c);
	return 0;
}

static int teardown(void **state)
{
	struct strbuf ctl = STRBUF_INIT;
	const char *rm[] = { "rm", "-rf", base, nosrv, NULL };
	int saved = as_root;
	(void)state;

	if (started) {
		const char *av[] = { NULL, "-D", datadir.buf, "-m", "immediate",
				     "stop", NULL };
		strbuf_addf(&ctl, "%s/pg_ctl", bindir.buf);
		av[0] = ctl.buf;
		run(av);
	}
	as_root = 0;
	run(rm);
	as_root = saved;
	strbuf_release(&ctl);
	strbuf_release(&bindir);
	strbuf_release(&datadir);
	strbuf_release(&sockdir);
	strbuf_release(&logfile);
	return 0;
}

/* ---- a step context ------------------------------------------------ */

static volatile sig_atomic_t no_cancel;

struct fixture {
	struct step_ctx sc;
	struct strvec secrets;
	struct runfacts facts;
	json_t *body;           /* the drill around the step: edit, then run */
	struct drill *drill;
};

static json_t *make_body(void)
{
	json_t *conns = json_object();

	json_object_set_new(conns, "pg", conn_json(sockdir.buf, "postgres"));
	json_object_set_new(conns, "down", conn_json(nosrv, "postgres"));
	return json_pack("{s:o, s:{s:s, s:s, s:{s:s}, s:[s, s]}}",
			 "connections", conns,
			 "canary", "connection", "pg", "table", "public.my posts",
			 "key", "id", "canary-1", "columns", "Message",
			 "createat");
}

static void fx_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	strvec_init(&f->secrets);
	runfacts_init(&f->facts);
	f->body = make_body();
	f->sc.facts = &f->facts;
	f->sc.secrets = &f->secrets;
	f->sc.cancel = &no_cancel;
	f->sc.bundle = base;
}

/* Run a step given as JSON text ({"id", "kind", kind: params}). */
static int fx_step(struct fixture *f, const char *step_json, struct error *err)
{
	json_error_t je;
	int r;

	json_t *step = json_loads(step_json, 0, &je);

	assert_non_null(step);
	drill_free(f->drill);
	json_decref(f->sc.rec);
	f->drill = fixture_drill(f->body, step);
	f->sc.drill = f->drill;
	f->sc.step = &f->drill->steps[0];
	step_ctx_begin(&f->sc, f->sc.step->n, f->sc.step->id,
		       f->sc.step->timeout_s);
	f->sc.rec = json_object();
	error_release(err);
	error_init(err);
	r = f->sc.step->kind->run(&f->sc, err);
	return r;
}

static void fx_release(struct fixture *f)
{
	drill_free(f->drill);
	json_decref(f->sc.rec);
	step_ctx_release(&f->sc);
	json_decref(f->body);
	runfacts_release(&f->facts);
	strvec_clear(&f->secrets);
}

/* The checks' ok flags, "1" or "0" each, e.g. "110". */
static const char *oks(struct fixture *f)
{
	static char buf[64];
	json_t *c;
	size_t i, n = 0;

	json_array_foreach(json_object_get(f->sc.rec, "checks"), i, c)
		if (n < sizeof(buf) - 1)
			buf[n++] = json_is_true(json_object_get(c, "ok")) ?
				   '1' : '0';
	buf[n] = '\0';
	return buf;
}

static const char *check_field(struct fixture *f, size_t i, const char *key)
{
	json_t *c = json_array_get(json_object_get(f->sc.rec, "checks"), i);

	assert_non_null(c);
	return json_string_value(json_object_get(c, key));
}

/* ---- connecting and passwords -------------------------------------- */

static void test_password_env(void **state)
{
	struct error err = ERROR_INIT;
	struct strvec secrets = STRVEC_INIT;
	json_t *conn = conn_json(sockdir.buf, "pwuser");
	PGconn *c;
	(void)state;

	exec_ok("DROP ROLE IF EXISTS pwuser");
	exec_ok("CREATE ROLE pwuser LOGIN PASSWORD '" PASSWORD "'");
	json_object_set_new(conn, "password_env",
			    json_string("RDRILL_TEST_PW"));

	setenv("RDRILL_TEST_PW", PASSWORD, 1);
	c = connect_json(conn, &secrets, &err);
	assert_non_null(c);
	assert_string_equal(PQuser(c), "pwuser");
	assert_string_equal(PQparameterStatus(c, "application_name"), "rdrill");
	PQfinish(c);
	assert_int_equal(secrets.nr, 1);
	assert_string_equal(secrets.v[0], PASSWORD);
	/* The same secret is not pushed twice. */
	c = connect_json(conn, &secrets, &err);
	assert_non_null(c);
	PQfinish(c);
	assert_int_equal(secrets.nr, 1);

	/* Wrong password: a clear failure that does not echo it. */
	setenv("RDRILL_TEST_PW", "wrong-Pw-XYZ123", 1);
	c = connect_json(conn, &secrets, &err);
	assert_null(c);
	assert_non_null(strstr(err.msg.buf, "password authentication failed"));
	assert_null(strstr(err.msg.buf, "wrong-Pw-XYZ123"));
	assert_null(strstr(err.msg.buf, PASSWORD));
	assert_null(strchr(err.msg.buf, '\n'));
	assert_int_equal(secrets.nr, 2);

	/* A variable that is not set is named, and nothing is tried. */
	unsetenv("RDRILL_TEST_PW");
	c = connect_json(conn, &secrets, &err);
	assert_null(c);
	assert_string_equal(err.msg.buf, "password_env: the environment "
			    "variable RDRILL_TEST_PW is not set");

	json_decref(conn);
	strvec_clear(&secrets);
	error_release(&err);
}

static void test_password_file(void **state)
{
	struct error err = ERROR_INIT;
	struct strvec secrets = STRVEC_INIT;
	struct strbuf path = STRBUF_INIT;
	json_t *conn = conn_json(sockdir.buf, "pwuser");
	PGconn *c;
	(void)state;

	exec_ok("DROP ROLE IF EXISTS pwuser");
	exec_ok("CREATE ROLE pwuser LOGIN PASSWORD '" PASSWORD "'");
	/* Not in base: as root that is the server user's, so refused. */
	strbuf_addf(&path, "%s/pwfile", nosrv);
	assert_int_equal(write_file(path.buf, PASSWORD "\r\nsecond line\n"), 0);
	json_object_set_new(conn, "password_file", json_string(path.buf));
	c = connect_json(conn, &secrets, &err);
	assert_non_null(c);
	PQfinish(c);
	assert_int_equal(secrets.nr, 1);
	assert_string_equal(secrets.v[0], PASSWORD);

	/* The step layer: errors go through pg_connect_named's prefix. */
	{
		json_t *conns = json_pack("{s:O}", "app", conn);
		struct drill *d = conn_drill(conns);
		struct runfacts st;

		runfacts_init(&st);
		c = runfacts_connect(&st, d, "app", &secrets, NULL, &err);
		assert_non_null(c);
		PQfinish(c);
		assert_non_null(runfacts_version(&st, "app"));
		assert_null(runfacts_connect(&st, d, "nope", &secrets, NULL, &err));
		assert_string_equal(err.msg.buf, "no connection named 'nope'");
		drill_free(d);
		json_decref(conns);
		runfacts_release(&st);
	}

	assert_int_equal(write_file(path.buf, "not-the-password\n"), 0);
	c = connect_json(conn, &secrets, &err);
	assert_null(c);
	assert_null(strstr(err.msg.buf, "not-the-password"));

	unlink(path.buf);
	c = connect_json(conn, &secrets, &err);
	assert_null(c);
	assert_non_null(strstr(err.msg.buf, "password_file: cannot read"));

	json_decref(conn);
	strvec_clear(&secrets);
	strbuf_release(&path);
	error_release(&err);
}

static void test_redact(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct strvec secrets = STRVEC_INIT;
	(void)state;

	strvec_push(&secrets, "s3cret");
	strvec_push(&secrets, "");
	strbuf_adds(&sb, "a s3cret and s3cret! s3cre");
	pg_redact(&sb, &secrets);
	assert_string_equal(sb.buf, "a [REDACTED] and [REDACTED]! s3cre");
	strbuf_release(&sb);
	strvec_clear(&secrets);
}

/* ---- queries ------------------------------------------------------- */

/* Whatever the role or database says, '' quoting stays safe. */
static void test_standard_strings(void **state)
{
	PGconn *c;
	json_t *res;
	struct error err = ERROR_INIT;
	(void)state;

	setenv("PGOPTIONS", "-c standard_conforming_strings=off", 1);
	c = admin();
	unsetenv("PGOPTIONS");
	assert_non_null(c);
	if (pg_query(c, "SELECT 'a\\' = 'a' || chr(92)", NULL, &res, &err))
		fail_msg("%s", err.msg.buf);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
			    json_object_get(res, "rows"), 0), 0)), "t");
	json_decref(res);
	PQfinish(c);
	error_release(&err);
}

static void test_query(void **state)
{
	struct error err = ERROR_INIT;
	PGconn *c = admin();
	json_t *res;
	char *v;
	(void)state;

	assert_non_null(c);
	assert_int_equal(pg_query(c, "SELECT 1 AS a, NULL AS b, 'é' AS c",
				  NULL, &res, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "row_count")),
			 1);
	{
		json_t *want = json_pack("{s:[s,s,s], s:[[s,n,s]], s:i}",
					 "columns", "a", "b", "c", "rows",
					 "1", "é", "row_count", 1);
		assert_int_equal(strlen(json_string_value(json_object_get(res,
				 "sha256"))), SHA256_HEX_LEN);
		json_object_del(res, "sha256");
		assert_true(json_equal(res, want));
		json_decref(want);
	}
	json_decref(res);
	{
		/* The same result typed, as the kinds read it. */
		struct pg_result r;
		int have;

		assert_int_equal(pg_exec_simple(c, "SELECT 1 AS a, NULL AS b, "
						"'é' AS c", NULL, &r, &err), 0);
		assert_int_equal(r.columns->nr, 3);
		assert_string_equal(r.columns->v[2], "c");
		assert_int_equal(r.nrows, 1);
		assert_int_equal(r.row_count, 1);
		assert_int_equal(r.affected, -1);
		assert_string_equal(pg_result_cell(&r, 0, 0, &have), "1");
		assert_true(have);
		assert_null(pg_result_cell(&r, 0, 1, &have));
		assert_true(have);
		assert_null(pg_result_cell(&r, 1, 0, &have));
		assert_false(have);
		assert_null(pg_result_cell(&r, 0, 3, &have));
		assert_false(have);
		assert_int_equal(strlen(r.sha256), SHA256_HEX_LEN);
		pg_result_release(&r);
		/* An error leaves it empty. */
		assert_int_equal(pg_exec_simple(c, "SELEC 1", NULL, &r, &err), -1);
		assert_null(r.columns);
		assert_int_equal(r.nrows, 0);
		pg_result_release(&r);
	}

	v = pg_server_version(c, NULL, &err);
	assert_non_null(v);
	assert_true(v[0] >= '1' && v[0] <= '9');
	assert_string_equal(v, PQparameterStatus(c, "server_version"));
	free(v);

	/* A statement with no rows reports how many rows it touched. */
	assert_int_equal(pg_query(c, "CREATE TEMP TABLE tt (x int)", NULL, &res,
				  &err), 0);
	json_decref(res);
	assert_int_equal(pg_query(c, "INSERT INTO tt VALUES (1), (2)", NULL, &res,
				  &err), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "affected")),
			 2);
	json_decref(res);

	assert_int_equal(pg_query(c, "SELECT 1; SELECT 2", NULL, &res, &err), -1);
	assert_null(res);
	assert_int_equal(pg_query(c, "SELEC 1", NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg.buf, "syntax error"));
	assert_null(strchr(err.msg.buf, '\n'));
	PQfinish(c);
	error_release(&err);
}

/* A SQL_ASCII database may hold bytes that are not UTF-8. */
static void test_not_utf8(void **state)
{
	struct error err = ERROR_INIT;
	json_t *conn = conn_json(sockdir.buf, "postgres"), *res;
	PGconn *c;
	(void)state;

	exec_ok("DROP DATABASE IF EXISTS bytes");
	exec_ok("CREATE DATABASE bytes TEMPLATE template0 ENCODING "
		"'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'");
	{
		/* Stored through a SQL_ASCII client, which checks nothing. */
		const char *kw[] = { "host", "port", "dbname", "user", NULL };
		const char *val[] = { sockdir.buf, "5432", "bytes", "postgres",
				      NULL };
		PGresult *r;

		c = PQconnectdbParams(kw, val, 0);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexec(c, "CREATE TABLE b AS SELECT "
			   "E'a\\xffb\\xc3\\xa9'::text AS t");
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
	}
	json_object_set_new(conn, "dbname", json_string("bytes"));
	c = connect_json(conn, NULL, &err);
	assert_non_null(c);
	/*
	 * rdrill asks for UTF-8: the server then refuses to send bytes that
	 * are not, and the step says so instead of comparing garbage.
	 */
	assert_int_equal(pg_query(c, "SELECT t FROM b", NULL, &res, &err), -1);
	assert_non_null(strstr(err.msg.buf, "invalid byte sequence for "
			       "encoding \"UTF8\": 0xff"));
	assert_int_equal(pg_query(c, "SELECT 'é' || t::bytea::text FROM b",
				  NULL, &res, &err), 0);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
		json_object_get(res, "rows"), 0), 0)), "é\\x61ff62c3a9");
	json_decref(res);
	PQfinish(c);
	json_decref(conn);
	error_release(&err);
}

static void test_truncation(void **state)
{
	struct error err = ERROR_INIT;
	PGconn *c = admin();
	struct strbuf first_text = STRBUF_INIT, log = STRBUF_INIT;
	struct pg_first first = { 0, 0, &first_text, 0, "" };
	struct pg_query_opts o = { 0, NULL, NULL, NULL, &first, 0 };
	char path[] = "/tmp/rdrill-test-pg-rows.XXXXXX", hex[SHA256_HEX_LEN + 1];
	json_t *res;
	int fd;
	(void)state;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	o.log_path = path;
	assert_int_equal(pg_run(c, "SELECT g, 'row ' || g AS \"t\" FROM "
				"generate_series(1, 2500) g", &o, &res, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(res, "row_count")),
			 2500);
	assert_int_equal(json_array_size(json_object_get(res, "rows")),
			 PG_KEEP_ROWS);
	assert_true(json_is_true(json_object_get(res, "truncated")));
	assert_string_equal(json_string_value(json_array_get(json_array_get(
		json_object_get(res, "rows"), PG_KEEP_ROWS - 1), 1)), "row 100");
	/* The whole result is in the log, canonical, and hashed. */
	assert_true(first.have && !first.null);
	assert_string_equal(first_text.buf, "1");
	assert_int_equal(first.len, 1);
	assert_int_equal(strbuf_read_file(&log, path, 1 << 20), 0);
	assert_int_equal(o.log_bytes, log.len);
	assert_true(!strncmp(log.buf, "[\"g\",\"t\"]\n[\"1\",\"row 1\"]\n",
			     24));
	assert_non_null(strstr(log.buf, "\n[\"2500\",\"row 2500\"]\n"));
	sha256_hex(log.buf, log.len, hex);
	assert_string_equal(json_string_value(json_object_get(res, "sha256")),
			    hex);
	json_decref(res);

	/* The byte cap: big rows stop being kept before PG_KEEP_ROWS. */
	assert_int_equal(pg_query(c, "SELECT repeat('x', 10000) FROM "
				  "generate_series(1, 50)", NULL, &res, &err), 0);
	assert_int_equal(json_array_size(json_object_get(res, "rows")),
			 PG_KEEP_BYTES / 10000);
	assert_true(json_is_true(json_object_get(res, "truncated")));
	json_decref(res);

	/* Canonical escapes, NULL, and a row-less statement's empty form. */
	assert_int_equal(pg_run(c, "SELECT E'a\"b\\\\c\\n\\x01/é' AS \"q\", "
				"NULL AS n", &o, &res, &err), 0);
	strbuf_reset(&log);
	assert_int_equal(strbuf_read_file(&log, path, 1 << 20), 0);
	assert_string_equal(log.buf, "[\"q\",\"n\"]\n"
			    "[\"a\\\"b\\\\c\\n\\u0001/é\",null]\n");
	json_decref(res);
	/* Every printable ASCII character, as jansson itself writes it. */
	assert_int_equal(pg_run(c, "SELECT string_agg(chr(g), '') AS a, "
				"'plain' AS b FROM generate_series(32, 127) g",
				&o, &res, &err), 0);
	{
		struct strbuf want = STRBUF_INIT;
		json_t *line = json_pack("[s, s]", first_text.buf, "plain");
		char *dumped = json_dumps(line, JSON_COMPACT);

		strbuf_addf(&want, "[\"a\",\"b\"]\n%s\n", dumped);
		strbuf_reset(&log);
		assert_int_equal(strbuf_read_file(&log, path, 1 << 20), 0);
		assert_string_equal(log.buf, want.buf);
		free(dumped);
		json_decref(line);
		strbuf_release(&want);
	}
	json_decref(res);
	assert_int_equal(pg_run(c, "SET search_path = public", &o, &res, &err),
			 0);
	assert_int_equal(o.log_bytes, 0);
	sha256_hex("", 0, hex);
	assert_string_equal(json_string_value(json_object_get(res, "sha256")),
			    hex);
	json_decref(res);

	assert_int_equal(pg_query(c, "SELECT g FROM generate_series(1, 100) g",
				  NULL, &res, &err), 0);
	assert_null(json_object_get(res, "truncated"));
	json_decref(res);
	unlink(path);
	strbuf_release(&first_text);
	strbuf_release(&log);
	PQfinish(c);
	error_release(&err);
}

static volatile sig_atomic_t alarm_cancel;

static void on_alarm(int sig)
{
	(void)sig;
	alarm_cancel = 1;
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_query_timeout_and_cancel(void **state)
{
	struct error err = ERROR_INIT;
	PGconn *c = admin();
	volatile sig_atomic_t cancel = 1;
	struct pg_deadline dl;
	struct pg_query_opts o = { 0, NULL, &dl, NULL, NULL, 0 };
	struct timespec t0;
	json_t *res;
	double s;
	(void)state;

	pg_deadline_init(&dl, 1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pg_run(c, "SELECT  pg_sleep(20)\n -- why", &o, &res,
				&err), -1);
	s = since(&t0);
	/* pg_sleep(20) would take 20: it was stopped (no tighter bound: a
	 * busy machine is slow, not wrong). */
	assert_true(s >= 0.9 && s < 20.0);
	assert_string_equal(err.msg.buf, "timed out after 1 s waiting for "
			    "SELECT pg_sleep(20) -- why");

	/* The connection is still usable after a cancelled statement. */
	pg_deadline_init(&dl, 0, &cancel);
	assert_int_equal(pg_run(c, "SELECT pg_sleep(20)", &o, &res, &err), -1);
	assert_string_equal(err.msg.buf, "cancelled by a signal before "
			    "SELECT pg_sleep(20)");
	assert_int_equal(pg_query(c, "SELECT 1", NULL, &res, &err), 0);
	json_decref(res);

	/* A signal while the query runs: the server is told to stop. */
	signal(SIGALRM, on_alarm);
	alarm_cancel = 0;
	pg_deadline_init(&dl, 0, &alarm_cancel);
	alarm(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pg_run(c, "SELECT pg_sleep(20) /* \x1b[2J */", &o,
				&res, &err), -1);
	s = since(&t0);
	signal(SIGALRM, SIG_DFL);
	/* The statement named is safe for a terminal: no ESC. */
	assert_null(strchr(err.msg.buf, '\x1b'));
	assert_non_null(strstr(err.msg.buf, "cancelled by a signal while "
			       "waiting for SELECT pg_sleep(20) /*"));
	/* pg_sleep(20) would take 20: it was stopped (no tighter bound: a
	 * busy machine is slow, not wrong). */
	assert_true(s >= 0.9 && s < 20.0);
	assert_int_equal(pg_query(c, "SELECT 1", NULL, &res, &err), 0);
	json_decref(res);
	PQfinish(c);
	error_release(&err);
}

/* ---- COPY TO STDOUT ---------------------------------------------- */

struct copy_sink {
	struct strbuf first;
	unsigned long long calls;
	unsigned long long stop_after;
};

static int copy_sink(void *arg, const char *data, size_t len,
		     struct error *err)
{
	struct copy_sink *cs = arg;

	if (!cs->calls)
		strbuf_add(&cs->first, data, len);
	cs->calls++;
	if (cs->stop_after && cs->calls >= cs->stop_after)
		return error_set(err, "sink full");
	return 0;
}

static void test_copy_out(void **state)
{
	struct error err = ERROR_INIT;
	struct copy_sink cs = { STRBUF_INIT, 0, 0 };
	struct pg_deadline dl;
	struct timespec t0;
	unsigned long long bytes;
	PGconn *c = admin();
	json_t *res;
	(void)state;

	/* 1..100000, one per line: 588895 bytes. */
	assert_int_equal(pg_copy_out(c, "COPY (SELECT g FROM generate_series(1, "
				     "100000) g) TO STDOUT", NULL, copy_sink, &cs,
				     &bytes, &err), 0);
	assert_int_equal(bytes, 588895);
	assert_int_equal(cs.calls, 100000);
	assert_string_equal(cs.first.buf, "1\n");
	/* The session goes on. */
	assert_int_equal(pg_query(c, "SELECT 1", NULL, &res, &err), 0);
	json_decref(res);

	assert_int_equal(pg_copy_out(c, "SELECT 1", NULL, copy_sink, &cs,
				     &bytes, &err), -1);
	assert_string_equal(err.msg.buf, "not a COPY ... TO STDOUT statement");
	assert_int_equal(pg_copy_out(c, "COPY nosuch TO STDOUT", NULL, copy_sink,
				     &cs, &bytes, &err), -1);
	assert_non_null(strstr(err.msg.buf, "\"nosuch\" does not exist"));

	pg_deadline_init(&dl, 1, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pg_copy_out(c, "COPY (SELECT pg_sleep(20)) TO STDOUT",
				     &dl, copy_sink, &cs, &bytes, &err), -1);
	assert_true(since(&t0) < 20.0);   /* stopped, not pg_sleep(20) */
	assert_string_equal(err.msg.buf, "timed out after 1 s waiting for "
			    "COPY (SELECT pg_sleep(20)) TO STDOUT");
	PQfinish(c);

	/* A sink that gives up stops the COPY. */
	c = admin();
	cs.calls = 0;
	cs.stop_after = 10;
	assert_int_equal(pg_copy_out(c, "COPY (SELECT g FROM generate_series(1, "
				     "100000000) g) TO STDOUT", NULL, copy_sink,
				     &cs, &bytes, &err), -1);
	assert_string_equal(err.msg.buf, "sink full");
	assert_int_equal(cs.calls, 10);
	PQfinish(c);
	strbuf_release(&cs.first);
	error_release(&err);
}

/* ---- sql steps ----------------------------------------------------- */

static void test_sql_expectations(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	(void)state;

	exec_ok("DROP TABLE IF EXISTS nums; CREATE TABLE nums (n int); "
		"INSERT INTO nums VALUES (1), (2), (3)");
	fx_init(&f);

	assert_int_equal(fx_step(&f, "{\"id\": \"count\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT n FROM nums ORDER BY n\", \"expect_rows\": 3}}",
			 &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(check_field(&f, 0, "what"), "rows");
	assert_string_equal(check_field(&f, 0, "actual"), "3");
	{
		json_t *ev = json_object_get(f.sc.rec, "evidence");
		assert_string_equal(json_string_value(json_object_get(ev,
				    "connection")), "pg");
		assert_int_equal(json_integer_value(json_object_get(
			json_object_get(ev, "result"), "row_count")), 3);
		assert_non_null(runfacts_capture(&f.facts, "count"));
		assert_int_equal(runfacts_capture(&f.facts, "count")->res.row_count,
				 3);
		assert_non_null(runfacts_version(&f.facts, "pg"));
	}

	assert_int_equal(fx_step(&f, "{\"id\": \"c2\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT n FROM nums\", \"expect_rows\": 4}}", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "expected"), "4");
	assert_string_equal(check_field(&f, 0, "actual"), "3");

	assert_int_equal(fx_step(&f, "{\"id\": \"v\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT count(*) FROM nums\", \"expect_value\": \"3\", "
			 "\"expect_min\": 2}}", &err), 0);
	assert_string_equal(oks(&f), "11");
	assert_string_equal(check_field(&f, 1, "expected"), "at least 2");

	assert_int_equal(fx_step(&f, "{\"id\": \"v2\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT count(*) FROM nums\", \"expect_value\": \"4\", "
			 "\"expect_min\": 4}}", &err), 0);
	assert_string_equal(oks(&f), "00");
	assert_string_equal(check_field(&f, 0, "actual"), "3");
	assert_string_equal(check_field(&f, 1, "actual"), "3");

	/* Not an integer, and no rows at all: failed checks, clearly said. */
	assert_int_equal(fx_step(&f, "{\"id\": \"v3\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT 'abc'\", \"expect_min\": 1}}", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "actual"), "not an integer: abc");
	assert_int_equal(fx_step(&f, "{\"id\": \"v4\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT n FROM nums WHERE n > 9\", \"expect_value\": "
			 "\"1\"}}", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "actual"), "(no rows)");

	/* No expectation: a capture that passes when the query runs. */
	assert_int_equal(fx_step(&f, "{\"id\": \"before\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT count(*) FROM nums\"}}", &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(check_field(&f, 0, "actual"), "3");

	assert_int_equal(fx_step(&f, "{\"id\": \"after\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT count(*) FROM nums\", \"same_as\": \"before\"}}",
			 &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(check_field(&f, 0, "what"), "same as step before");

	exec_ok("INSERT INTO nums VALUES (4)");
	assert_int_equal(fx_step(&f, "{\"id\": \"after2\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT count(*) FROM nums\", \"same_as\": \"before\"}}",
			 &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "expected"), "3");
	assert_string_equal(check_field(&f, 0, "actual"), "4");

	/* Several rows compare whole and render short. */
	assert_int_equal(fx_step(&f, "{\"id\": \"all\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT n, n * 2 FROM nums ORDER BY n\", \"same_as\": "
			 "\"count\"}}", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "expected"),
			    "3 rows: (1), (2), (3)");
	assert_string_equal(check_field(&f, 0, "actual"),
			    "4 rows: (1, 2), (2, 4), (3, 6), (4, 8)");

	/* A capture that this run does not hold cannot be compared. */
	assert_int_equal(fx_step(&f, "{\"id\": \"x\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT 1\", \"same_as\": \"never\"}}", &err), -1);
	assert_non_null(strstr(err.msg.buf, "never"));

	fx_release(&f);
	error_release(&err);
}

static void test_sql_errors(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	(void)state;

	fx_init(&f);
	assert_int_equal(fx_step(&f, "{\"id\": \"bad\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT * FROM no_such_table\"}}", &err), -1);
	assert_non_null(strstr(err.msg.buf, "query failed: "));
	assert_non_null(strstr(err.msg.buf, "\"no_such_table\" does not exist"));
	assert_null(runfacts_capture(&f.facts, "bad"));

	assert_int_equal(fx_step(&f, "{\"id\": \"down\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"down\", \"query\": "
			 "\"SELECT 1\"}}", &err), -1);
	assert_non_null(strstr(err.msg.buf, "connection 'down': "));

	/* A secret the server happens to echo is redacted. */
	strvec_push(&f.secrets, "hush-42");
	assert_int_equal(fx_step(&f, "{\"id\": \"echo\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT 'hush-42'::int\"}}", &err), -1);
	assert_null(strstr(err.msg.buf, "hush-42"));
	assert_non_null(strstr(err.msg.buf, "[REDACTED]"));

	/* A verification cannot change what it verifies. */
	exec_ok("DROP TABLE IF EXISTS keep; CREATE TABLE keep (n int); "
		"INSERT INTO keep VALUES (1), (2)");
	assert_int_equal(fx_step(&f, "{\"id\": \"del\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"DELETE FROM keep RETURNING n\"}}", &err), -1);
	assert_non_null(strstr(err.msg.buf, "read-only transaction"));
	assert_int_equal(fx_step(&f, "{\"id\": \"left\", \"kind\": \"sql\", "
			 "\"sql\": {\"connection\": \"pg\", \"query\": "
			 "\"SELECT count(*) FROM keep\", \"expect_value\": "
			 "\"2\"}}", &err), 0);
	assert_string_equal(oks(&f), "1");
	fx_release(&f);
	error_release(&err);
}

/* ---- wait ---------------------------------------------------------- */

static void test_wait(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	struct timespec t0, t1;
	json_t *ev;
	double s;
	(void)state;

	fx_init(&f);
	assert_int_equal(fx_step(&f, "{\"id\": \"w\", \"kind\": \"wait\", "
			 "\"wait\": {\"connection\": \"pg\", \"timeout_s\": 5}}",
			 &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(check_field(&f, 0, "expected"), "within 5s");
	assert_non_null(strstr(check_field(&f, 0, "actual"), "(1 attempt)"));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fx_step(&f, "{\"id\": \"w2\", \"kind\": \"wait\", "
			 "\"wait\": {\"connection\": \"down\", \"timeout_s\": 2}}",
			 &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/*
	 * It waits its whole 2 s. No upper bound on the wall clock: on a busy
	 * 2-core machine a 50 ms nap can overrun by seconds, so a bound would
	 * test the machine (one failed beside a second `make check`). That it
	 * stops at its deadline rather than its own 30 s is checked below.
	 * Its clock counts whole milliseconds (clock_mono_ms() truncates
	 * at both ends), so 2000 of them may be 1999.x of this clock's.
	 */
	assert_true(s >= 1.998);
	assert_string_equal(oks(&f), "0");
	assert_non_null(strstr(check_field(&f, 0, "actual"),
				"not after 2s: no response"));
	ev = json_object_get(f.sc.rec, "evidence");
	/* 250, 500, 1000 ms apart, then the last try at the deadline. */
	assert_true(json_integer_value(json_object_get(ev, "attempts")) >= 3);
	assert_true(json_integer_value(json_object_get(ev, "elapsed_ms")) >= 2000);

	/* The step's timeout comes first: the wait stops at it (issue 22). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(fx_step(&f, "{\"id\": \"w4\", \"kind\": \"wait\", "
			 "\"timeout_s\": 2, \"wait\": {\"connection\": "
			 "\"down\", \"timeout_s\": 30}}", &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* Its own 30 s would be 30: the step's 2 s stopped it. */
	assert_true(s >= 2.0 && s < 30.0);
	assert_string_equal(oks(&f), "0");
	/* And says so: it waited 2 s, not its own 30. */
	assert_string_equal(check_field(&f, 0, "expected"), "within 2s");
	assert_non_null(strstr(check_field(&f, 0, "actual"), "not after 2s"));

	/* A cancel stops the wait at once. */
	{
		static volatile sig_atomic_t cancel = 1;
		f.sc.cancel = &cancel;
		assert_int_equal(fx_step(&f, "{\"id\": \"w3\", \"kind\": "
				 "\"wait\", \"wait\": {\"connection\": \"down\", "
				 "\"timeout_s\": 30}}", &err), -1);
		assert_non_null(strstr(err.msg.buf, "cancelled"));
		f.sc.cancel = &no_cancel;
	}
	fx_release(&f);
	error_release(&err);
}

/* ---- canary -------------------------------------------------------- */

static const char *const canary_step =
	"{\"id\": \"c\", \"kind\": \"canary\", \"canary\": \"%s\"}";

static int canary(struct fixture *f, const char *action, struct error *err)
{
	char buf[256];

	snprintf(buf, sizeof(buf), canary_step, action);
	return fx_step(f, buf, err);
}

static void make_posts(void)
{
	exec_ok("DROP TABLE IF EXISTS \"my posts\"; DROP TABLE IF EXISTS x; "
		"CREATE TABLE x (y int); "
		"CREATE TABLE \"my posts\" (id text PRIMARY KEY, "
		"\"Message\" text, createat bigint, other text)");
	exec_ok("INSERT INTO \"my posts\" VALUES "
		"('canary-1', '删除的消息 with ''quotes''', 1700000000000, 'a'), "
		"('other', 'keep me', 1, 'b'), "
		"('''; DROP TABLE x; --', 'hostile', 2, 'c')");
}

static void test_canary_cycle(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	json_t *st, *rec, *values;
	(void)state;

	make_posts();
	fx_init(&f);

	/* Without a record there is nothing to delete or compare with. */
	assert_int_equal(canary(&f, "delete", &err), -1);
	assert_non_null(strstr(err.msg.buf, "not recorded"));
	assert_int_equal(canary(&f, "present", &err), -1);
	assert_string_equal(err.msg.buf,
			    "the canary was not recorded in this run");

	assert_int_equal(canary(&f, "record", &err), 0);
	assert_string_equal(oks(&f), "1");
	/* As the destroy record journals it. */
	st = runfacts_state_json(&f.facts);
	rec = json_object_get(st, "canary");
	assert_non_null(rec);
	values = json_object_get(rec, "values");
	assert_string_equal(json_string_value(json_object_get(values,
			    "Message")), "删除的消息 with 'quotes'");
	assert_string_equal(json_string_value(json_object_get(values,
			    "createat")), "1700000000000");
	assert_int_equal(strlen(json_string_value(json_object_get(rec,
			 "sha256"))), 64);
	assert_true(json_equal(json_object_get(json_object_get(f.sc.rec,
			       "evidence"), "values"), values));

	assert_int_equal(canary(&f, "absent", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "actual"), "1 row");

	assert_int_equal(canary(&f, "delete", &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(check_field(&f, 0, "actual"), "1");

	assert_int_equal(canary(&f, "absent", &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(check_field(&f, 0, "actual"), "no row");

	assert_int_equal(canary(&f, "present", &err), 0);
	assert_string_equal(oks(&f), "00");
	assert_string_equal(check_field(&f, 1, "actual"), "no row");

	/* The "restore": the same row again. */
	exec_ok("INSERT INTO \"my posts\" VALUES ('canary-1', "
		"'删除的消息 with ''quotes''', 1700000000000, 'changed')");
	assert_int_equal(canary(&f, "present", &err), 0);
	assert_string_equal(oks(&f), "1111");
	assert_string_equal(check_field(&f, 1, "what"), "column Message");
	assert_string_equal(check_field(&f, 2, "actual"), "1700000000000");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
			    f.sc.rec, "evidence"), "sha256")),
			    json_string_value(json_object_get(rec, "sha256")));

	/* A restore that brought back a different row. */
	exec_ok("UPDATE \"my posts\" SET \"Message\" = 'edited' "
		"WHERE id = 'canary-1'");
	assert_int_equal(canary(&f, "present", &err), 0);
	assert_string_equal(oks(&f), "1010");
	assert_string_equal(check_field(&f, 1, "expected"),
			    "删除的消息 with 'quotes'");
	assert_string_equal(check_field(&f, 1, "actual"), "edited");

	json_decref(st);
	fx_release(&f);
	error_release(&err);
}

static void test_canary_record_needs_one_row(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	json_t *key;
	(void)state;

	make_posts();
	fx_init(&f);
	key = json_object_get(json_object_get(f.body, "canary"), "key");
	json_object_set_new(key, "id", json_string("no-such-post"));
	assert_int_equal(canary(&f, "record", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "actual"), "no row");
	assert_false(f.facts.canary.recorded);

	/* A key that picks two rows: record fails, delete rolls back. */
	exec_ok("ALTER TABLE \"my posts\" DROP CONSTRAINT \"my posts_pkey\"; "
		"INSERT INTO \"my posts\" VALUES ('dup', 'a', 1, ''), "
		"('dup', 'b', 2, '')");
	json_object_set_new(key, "id", json_string("dup"));
	assert_int_equal(canary(&f, "record", &err), 0);
	assert_string_equal(check_field(&f, 0, "actual"), "2 rows");
	f.facts.canary.recorded = 1;
	assert_int_equal(canary(&f, "delete", &err), 0);
	assert_string_equal(oks(&f), "0");
	assert_string_equal(check_field(&f, 0, "actual"), "2 (rolled back)");
	assert_int_equal(canary(&f, "absent", &err), 0);
	assert_string_equal(check_field(&f, 0, "actual"), "2 rows");

	/* A column that does not exist: the step cannot run. */
	json_object_set_new(key, "nope", json_string("1"));
	assert_int_equal(canary(&f, "absent", &err), -1);
	assert_non_null(strstr(err.msg.buf, "\"nope\" does not exist"));
	fx_release(&f);
	error_release(&err);
}

static void test_canary_hostile_key(void **state)
{
	struct fixture f;
	struct error err = ERROR_INIT;
	json_t *key, *res;
	PGconn *c;
	(void)state;

	make_posts();
	fx_init(&f);
	key = json_object_get(json_object_get(f.body, "canary"), "key");
	json_object_set_new(key, "id", json_string("'; DROP TABLE x; --"));
	assert_int_equal(canary(&f, "record", &err), 0);
	assert_string_equal(oks(&f), "1");
	assert_string_equal(f.facts.canary.columns.v[0], "Message");
	assert_string_equal(f.facts.canary.values[0], "hostile");
	assert_int_equal(canary(&f, "delete", &err), 0);
	assert_string_equal(oks(&f), "1");

	c = admin();
	assert_int_equal(pg_query(c, "SELECT count(*) FROM x", NULL, &res, &err), 0);
	json_decref(res);
	assert_int_equal(pg_query(c, "SELECT count(*) FROM \"my posts\"", NULL, &res,
				  &err), 0);
	assert_string_equal(json_string_value(json_array_get(json_array_get(
		json_object_get(res, "rows"), 0), 0)), "2");
	json_decref(res);
	PQfinish(c);

	/* Hostile identifiers are quoted, never pasted. */
	json_object_set_new(json_object_get(f.body, "canary"), "table",
			    json_string("x\"; DROP TABLE x; --"));
	assert_int_equal(canary(&f, "absent", &err), -1);
	assert_non_null(strstr(err.msg.buf, "does not exist"));
	exec_ok("SELECT count(*) FROM x");
	fx_release(&f);
	error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_password_env),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_standard_strings),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_query_timeout_and_cancel),
		cmocka_unit_test(test_copy_out),
		cmocka_unit_test(test_sql_expectations),
		cmocka_unit_test(test_sql_errors),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_canary_cycle),
		cmocka_unit_test(test_canary_record_needs_one_row),
		cmocka_unit_test(test_canary_hostile_key),
	};

	return cmocka_run_group_tests_name("pg", tests, setup, teardown);
}
