#include "preflight.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "pg.h"
#include "schema.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Room the bundle needs at least: logs, journal, reports. */
#define MIN_FREE_BYTES (16ULL * 1024 * 1024)

void step_needs_release(struct step_needs *n)
{
	strvec_clear(&n->programs);
	strvec_clear(&n->users);
	strvec_clear(&n->env);
	strvec_clear(&n->files);
}

/*
 * The connections the steps use, read off the typed model: every
 * connection field of a kind's parameters (so a new kind needs nothing
 * here), and the canary's connection.
 */
static void used_conns(const struct drill *d, struct strvec *names)
{
	size_t i;

	if (d->canary && d->canary->connection)
		strvec_push_unique(names, d->canary->connection);
	for (i = 0; i < d->nsteps; i++) {
		const struct drill_step *s = &d->steps[i];
		const struct schema_field *f;

		if (!s->kind->params || !s->params)
			continue;
		for (f = s->kind->params->fields; f->key; f++) {
			const char *name;

			if (f->type != SCHEMA_CONN || (f->flags & SCHEMA_NOBIND))
				continue;
			name = *(const char *const *)((const char *)s->params +
						      f->off);
			if (name)
				strvec_push_unique(names, name);
		}
	}
}

static const struct drill_conn *find_conn(const struct drill *d,
					  const char *name)
{
	size_t i;

	for (i = 0; i < d->nconns; i++)
		if (!strcmp(d->conns[i].name, name))
			return &d->conns[i];
	return NULL;
}

void preflight_needs(const struct drill *d, struct step_needs *n)
{
	struct step_needs one = STEP_NEEDS_INIT;
	size_t i, j;

	struct strvec used = STRVEC_INIT;

	used_conns(d, &used);
	for (i = 0; i < used.nr; i++) {
		const struct drill_conn *c = find_conn(d, used.v[i]);

		if (c && c->password_env)
			strvec_push_unique(&n->env, c->password_env);
		if (c && c->password_file)
			strvec_push_unique(&n->files, c->password_file);
	}
	strvec_clear(&used);
	for (i = 0; i < d->nsteps; i++) {
		const struct drill_step *s = &d->steps[i];

		if (!s->kind->needs)
			continue;
		s->kind->needs(s, &one);
		for (j = 0; j < one.programs.nr; j++)
			strvec_push_unique(&n->programs, one.programs.v[j]);
		for (j = 0; j < one.users.nr; j++)
			strvec_push_unique(&n->users, one.users.v[j]);
		for (j = 0; j < one.env.nr; j++)
			strvec_push_unique(&n->env, one.env.v[j]);
		step_needs_release(&one);
	}
}

static int is_executable_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && !access(path, X_OK);
}

int preflight_which(const char *prog, struct strbuf *out)
{
	const char *path = getenv("PATH"), *p, *colon;

	strbuf_reset(out);
	if (!*prog)
		return -1;
	if (strchr(prog, '/')) {
		strbuf_adds(out, prog);
		return is_executable_file(prog) ? 0 : -1;
	}
	if (!path)
		path = "/bin:/usr/bin";
	for (p = path; ; p = colon + 1) {
		colon = strchr(p, ':');
		strbuf_reset(out);
		/* An empty entry is the current directory, as for execvp. */
		if (colon ? colon == p : !*p)
			strbuf_adds(out, ".");
		else
			strbuf_add(out, p, colon ? (size_t)(colon - p) : strlen(p));
		strbuf_addf(out, "/%s", prog);
		if (is_executable_file(out->buf))
			return 0;
		if (!colon)
			break;
	}
	strbuf_reset(out);
	return -1;
}

static void check(json_t *checks, struct strvec *problems, const char *what,
		  const char *expected, const char *actual, int ok,
		  const char *problem)
{
	json_t *c = json_object();

	json_object_set_new(c, "what", json_string(what));
	json_object_set_new(c, "expected", json_string(expected));
	json_object_set_new(c, "actual", json_string(actual));
	json_object_set_new(c, "ok", json_boolean(ok));
	json_array_append_new(checks, c);
	if (!ok)
		strvec_push(problems, problem);
}

struct preflight_report {
	json_t *checks;
	struct strvec *problems;
};

void preflight_add(struct preflight_report *r, const char *what,
		   const char *expected, const char *actual, int ok,
		   const char *problem)
{
	json_t *a = json_string(actual ? actual : "");

	/* Kinds' checks quote tools' output: keep it valid JSON. */
	if (!a)
		actual = "(not valid UTF-8)";
	json_decref(a);
	check(r->checks, r->problems, what, expected, actual, ok, problem);
}

/* What the kinds check themselves (step_kind.preflight). */
static void check_kinds(const struct drill *d, preflight_fn *const *more,
			json_t *checks, struct strvec *problems)
{
	struct preflight_report r = { checks, problems };
	size_t i;

	for (i = 0; i < d->nsteps; i++)
		if (d->steps[i].kind->preflight)
			d->steps[i].kind->preflight(d, &d->steps[i], &r);
	for (; more && *more; more++)
		(*more)(d, &r);
}

static void check_programs(const struct step_needs *n, json_t *checks,
			   struct strvec *problems, int *uses_sudo)
{
	struct strbuf found = STRBUF_INIT, what = STRBUF_INIT,
		      why = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n->programs.nr; i++) {
		const char *prog = n->programs.v[i];
		const char *base = strrchr(prog, '/');
		int ok = preflight_which(prog, &found) == 0;

		base = base ? base + 1 : prog;
		if (!strcmp(base, "sudo"))
			*uses_sudo = 1;
		strbuf_reset(&what);
		strbuf_reset(&why);
		strbuf_addf(&what, "program %s", prog);
		if (strchr(prog, '/'))
			strbuf_addf(&why, "program %s: not an executable file",
				    prog);
		else
			strbuf_addf(&why, "program %s: not found on PATH", prog);
		check(checks, problems, what.buf, "found",
		      ok ? found.buf : "not found", ok, why.buf);
	}
	strbuf_release(&found);
	strbuf_release(&what);
	strbuf_release(&why);
}

static void check_env(const struct step_needs *n, json_t *checks,
		      struct strvec *problems)
{
	struct strbuf what = STRBUF_INIT, why = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n->env.nr; i++) {
		const char *v = getenv(n->env.v[i]);
		int ok = v && *v;

		strbuf_reset(&what);
		strbuf_reset(&why);
		strbuf_addf(&what, "environment variable %s", n->env.v[i]);
		strbuf_addf(&why, "environment variable %s is %s", n->env.v[i],
			    v ? "empty" : "not set");
		/* Its value is a secret: only whether it is there. */
		check(checks, problems, what.buf, "set",
		      ok ? "set" : v ? "empty" : "not set", ok, why.buf);
	}
	strbuf_release(&what);
	strbuf_release(&why);
}

/*
 * A password file read as libpq's connection will read it (pg.c), so a
 * missing or empty one refuses the run now, not at the step using it.
 */
static void check_files(const struct step_needs *n, json_t *checks,
			struct strvec *problems)
{
	struct strbuf what = STRBUF_INIT, why = STRBUF_INIT, pw = STRBUF_INIT;
	size_t i;

	for (i = 0; i < n->files.nr; i++) {
		struct drill_conn c = { .name = "", .password_file = n->files.v[i] };
		struct error e = ERROR_INIT;
		int ok = pg_password(&c, &pw, &e) == 0;

		/* The secret itself is not kept a moment longer. */
		if (pw.alloc)
			memset(pw.buf, 0, pw.alloc);
		strbuf_reset(&pw);
		strbuf_reset(&what);
		strbuf_reset(&why);
		strbuf_addf(&what, "password file %s", n->files.v[i]);
		strbuf_adds(&why, e.msg.buf);
		check(checks, problems, what.buf, "readable, first line not empty",
		      ok ? "readable" : e.msg.buf, ok, why.buf);
		error_release(&e);
	}
	strbuf_release(&pw);
	strbuf_release(&what);
	strbuf_release(&why);
}

static void check_users(const struct step_needs *n, json_t *checks,
			struct strvec *problems)
{
	struct strbuf what = STRBUF_INIT, why = STRBUF_INIT;
	struct passwd *me = getpwuid(geteuid());
	char *myname = me ? xstrdup(me->pw_name) : NULL;
	int root = geteuid() == 0;
	size_t i;

	for (i = 0; i < n->users.nr; i++) {
		const char *u = n->users.v[i];
		int exists = getpwnam(u) != NULL;
		int ok = exists && (root || (myname && !strcmp(u, myname)));

		strbuf_reset(&what);
		strbuf_reset(&why);
		strbuf_addf(&what, "run_as user %s", u);
		if (!exists)
			strbuf_addf(&why, "run_as %s: no such user", u);
		else
			strbuf_addf(&why, "run_as %s: rdrill runs as %s, not "
				    "root, and can run steps only as itself",
				    u, myname ? myname : "an unknown user");
		check(checks, problems, what.buf,
		      root ? "present" : "present, the current user",
		      !exists ? "no such user" : ok ? "present" :
		      "another user", ok, why.buf);
	}
	free(myname);
	strbuf_release(&what);
	strbuf_release(&why);
}

/* sudo asking for a password would hang the drill at 2 a.m. */
static void check_sudo(json_t *checks, struct strvec *problems)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf act = STRBUF_INIT;
	int ok;

	strvec_push(&cmd.argv, "sudo");
	strvec_push(&cmd.argv, "-n");
	strvec_push(&cmd.argv, "true");
	cmd.timeout_ms = 10000;
	cmd.grace_ms = 1000;
	ok = exec_run(&cmd, &res, &err) == 0 && !res.timed_out &&
	     res.exit_code == 0;
	if (ok)
		strbuf_adds(&act, "exit 0");
	else if (err.msg.len)
		strbuf_adds(&act, err.msg.buf);
	else
		strbuf_addf(&act, "exit %d", res.exit_code);
	check(checks, problems, "sudo -n true", "exit 0 (no password prompt)",
	      act.buf, ok, "sudo -n true fails: sudo would ask for a "
	      "password");
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	error_release(&err);
	strbuf_release(&act);
}

static void check_output(const char *bundle, json_t *checks,
			 struct strvec *problems)
{
	struct statvfs vfs;
	struct strbuf act = STRBUF_INIT, why = STRBUF_INIT;
	int ok = !access(bundle, W_OK);

	if (!ok) {
		strbuf_addf(&act, "not writable: %s", strerror(errno));
		strbuf_addf(&why, "output directory %s is not writable: %s",
			    bundle, strerror(errno));
	} else if (!statvfs(bundle, &vfs)) {
		unsigned long long room = (unsigned long long)vfs.f_bavail *
					  vfs.f_frsize;
		strbuf_addf(&act, "writable, %llu MiB free", room >> 20);
		if (room < MIN_FREE_BYTES) {
			ok = 0;
			strbuf_addf(&why, "output directory %s: only %llu KiB "
				    "free, at least %llu MiB needed", bundle,
				    room >> 10, MIN_FREE_BYTES >> 20);
		}
	} else {
		strbuf_adds(&act, "writable");
	}
	check(checks, problems, "output directory", "writable, 16 MiB free",
	      act.buf, ok, why.buf);
	strbuf_release(&act);
	strbuf_release(&why);
}

/* One path that the backup phase must not find already there. */
static void check_new(json_t *checks, struct strvec *problems,
		      const char *what, const char *path, int overwrite)
{
	struct stat st;
	struct strbuf w = STRBUF_INIT, act = STRBUF_INIT, why = STRBUF_INIT;
	int exists = lstat(path, &st) == 0;

	strbuf_addf(&w, "%s %s", what, path);
	strbuf_adds(&act, !exists ? "does not exist" : overwrite ?
		    "exists; overwrite: true" : "exists");
	strbuf_addf(&why, "%s %s already exists: a backup is never overwritten "
		    "(move it away, or say overwrite: true on its backup_set "
		    "item)", what, path);
	check(checks, problems, w.buf, overwrite ? "new, or overwrite: true" :
	      "does not exist yet", act.buf, !exists || overwrite, why.buf);
	strbuf_release(&w);
	strbuf_release(&act);
	strbuf_release(&why);
}

void preflight_artifacts(const struct drill *d, json_t *rec,
			 struct strvec *problems)
{
	json_t *checks = json_object_get(rec, "checks");
	size_t i, first = problems->nr;
	int backups = 0, scheduled = 0, any_overwrite = 0;

	for (i = 0; i < d->nsteps; i++)
		backups += d->steps[i].phase == DRILL_BACKUP;
	if (!backups)
		return;
	for (i = 0; i < d->nitems; i++) {
		const struct drill_item *it = &d->items[i];

		scheduled |= it->scheduled != NULL;
		any_overwrite |= it->overwrite;
		if (it->artifact && !it->scheduled)
			check_new(checks, problems, "backup artifact",
				  it->artifact, it->overwrite);
	}
	/* A schedule's directory exists by design: only a drill's own. */
	if (d->backup_dir && !scheduled)
		check_new(checks, problems, "backup directory",
			  d->backup_dir->path, any_overwrite);
	for (i = first; i < problems->nr; i++)
		json_array_append_new(json_object_get(rec, "problems"),
				      json_string(problems->v[i]));
	if (problems->nr > first)
		json_object_set_new(rec, "status", json_string("refused"));
}

json_t *preflight_check(const struct drill *d, const char *bundle,
			preflight_fn *const *more, struct strvec *problems)
{
	struct step_needs n = STEP_NEEDS_INIT;
	json_t *rec = json_object(), *checks = json_array(), *arr;
	size_t first = problems->nr, i;
	int uses_sudo = 0;

	preflight_needs(d, &n);
	check_env(&n, checks, problems);
	check_files(&n, checks, problems);
	check_programs(&n, checks, problems, &uses_sudo);
	check_users(&n, checks, problems);
	if (uses_sudo)
		check_sudo(checks, problems);
	check_output(bundle, checks, problems);
	check_kinds(d, more, checks, problems);
	json_object_set_new(rec, "type", json_string("preflight"));
	json_object_set_new(rec, "status", json_string(problems->nr > first ?
						       "refused" : "passed"));
	json_object_set_new(rec, "checks", checks);
	arr = json_array();
	for (i = first; i < problems->nr; i++)
		json_array_append_new(arr, json_string(problems->v[i]));
	json_object_set_new(rec, "problems", arr);
	step_needs_release(&n);
	return rec;
}
