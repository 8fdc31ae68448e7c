/*
 * files: the runbook's "目录存在 / 非空 / 无权限错误" after a restore (and
 * "the dump is not 0 bytes" before destruction), plus the owner that
 * `chown -R 2000:2000` is meant to leave on every entry, checked instead of
 * eyeballed from `ls | head`.
 *
 * One check per property the step asks for. A boolean that is false
 * (non_empty, readable) asks for nothing: "must be empty" and "must be
 * unreadable" are not things a restore drill proves. A missing path gives
 * only the "exists" check (the others have nothing to look at); -1 is left
 * for a path that cannot be inspected at all.
 */
#include "drill.h"
#include "exec.h"
#include "error.h"
#include "fscheck.h"
#include "preflight.h"
#include "schema.h"
#include "step.h"
#include "words.h"
#include "strbuf.h"
#include "xalloc.h"
#include "ytree.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * in_effect: proof that `path` is the one the service uses, not a copy
 * or an old directory beside it (a file store backed up from a path the
 * service does not read loses every attachment while the messages come
 * back). Either or both of:
 *   container  a Mount of the running container (`docker inspect`, or
 *              the `inspect` command) whose Source is `path` (and whose
 *              Destination is `destination`, when given);
 *   config     a JSON file of the service, whose `key` (dot-separated)
 *              names `path`, or with `container`, the mount's
 *              Destination (the path inside the container); a relative
 *              value is taken from `relative_to` (default: the config
 *              file's directory).
 */
struct in_effect {
	const char *container;
	struct strvec inspect;
	const char *destination;
	const char *config;
	const char *key;
	const char *relative_to;
};

struct files_params {
	const char *path;
	struct in_effect *in_effect;
	int exists;
	int non_empty;
	struct schema_int min_files;
	const char *owner;
	const char *mode;
	int readable;
};

/* Octal like "0750", and uid:gid or user:group, at their position. */
static int files_schema_check(struct schema_ctx *c, const struct ynode *n,
			      const void *obj)
{
	const struct files_params *p = obj;

	if (p->mode) {
		const char *s = p->mode;
		size_t i, len = strlen(s);
		for (i = 0; i < len; i++)
			if (s[i] < '0' || s[i] > '7')
				break;
		if (i < len || len < 3 || len > 4)
			return schema_error_at(c, ynode_get(n, "mode"), "'mode' "
					       "must be octal like \"0750\" "
					       "(quote it: YAML 1.1 reads 0750 "
					       "as a number), got '%s'", s);
	}
	if (p->owner) {
		const char *s = p->owner, *colon = strchr(s, ':');
		if (!colon || colon == s || !colon[1] || strchr(colon + 1, ':'))
			return schema_error_at(c, ynode_get(n, "owner"), "'owner' "
					       "must be uid:gid or user:group, "
					       "got '%s'", s);
	}
	return 0;
}

#define IE(m) offsetof(struct in_effect, m)

static const struct schema_field f_arg = { .type = SCHEMA_STR };

static const struct schema_field in_effect_fields[] = {
	{ .key = "container", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = IE(container),
	  .help = "the running container whose mount must be the path" },
	{ .key = "inspect", .type = SCHEMA_LIST, .item = &f_arg,
	  .flags = SCHEMA_NONEMPTY, .off = IE(inspect),
	  .help = "the command printing `docker inspect` JSON (default: "
		  "[docker, inspect, --type, container, CONTAINER])" },
	{ .key = "destination", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = IE(destination),
	  .help = "the path the mount must have inside the container" },
	{ .key = "config", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = IE(config), .help = "the service's JSON configuration file" },
	{ .key = "key", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = IE(key), .help = "dot-separated, e.g. FileSettings.Directory" },
	{ .key = "relative_to", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = IE(relative_to),
	  .help = "where a relative value of the key starts" },
	{ NULL },
};

static int in_effect_check(struct schema_ctx *c, const struct ynode *n,
			   const void *obj)
{
	const struct in_effect *ie = obj;
	int has_c = ie->container != NULL;
	int has_f = ie->config != NULL;

	if (!has_c && !has_f)
		return schema_error_at(c, n, "in_effect needs container: (a "
				       "running container's mount) or config: "
				       "with key: (the service's own setting)");
	if (has_f != (ie->key != NULL))
		return schema_error_at(c, n, "in_effect: config: and key: go "
				       "together");
	/* inspect: is a list that is never empty (schema): given, or not. */
	if (!has_c && (ie->inspect.nr || ie->destination))
		return schema_error_at(c, n, "in_effect: inspect: and "
				       "destination: are for container:");
	if (!has_f && ie->relative_to)
		return schema_error_at(c, n, "in_effect: relative_to: is for "
				       "config:");
	return 0;
}

static const struct schema in_effect_schema = {
	"in_effect", in_effect_fields, sizeof(struct in_effect), 0,
	in_effect_check };

#define F(m) offsetof(struct files_params, m)

static const struct schema_field files_fields[] = {
	{ .key = "path", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(path) },
	{ .key = "exists", .type = SCHEMA_BOOL, .off = F(exists), .def = "true" },
	{ .key = "non_empty", .type = SCHEMA_BOOL, .off = F(non_empty) },
	{ .key = "min_files", .type = SCHEMA_INT, .min = 0, .max = 1000000000,
	  .off = F(min_files) },
	{ .key = "owner", .type = SCHEMA_STR, .off = F(owner),
	  .help = "uid:gid, e.g. 2000:2000" },
	{ .key = "mode", .type = SCHEMA_STR, .off = F(mode),
	  .help = "octal, e.g. \"0750\" (quote it)" },
	{ .key = "readable", .type = SCHEMA_BOOL, .off = F(readable) },
	{ .key = "in_effect", .type = SCHEMA_OBJ, .obj = &in_effect_schema,
	  .off = F(in_effect),
	  .help = "container: NAME and/or config: FILE with key: K" },
	{ NULL },
};

static const struct schema files_schema = {
	"files", files_fields, sizeof(struct files_params), 0,
	files_schema_check };

static const struct schema_field step_fields[] = {
	{ .key = "files", .type = SCHEMA_OBJ, .obj = &files_schema },
	{ NULL },
};

static const char *const selectors[] = { "files", NULL };

static void files_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct files_params *p = s->params;

	strbuf_addf(out, "%s:", p->path);
	strbuf_adds(out, p->exists ? " exists" : " absent");
	if (p->non_empty)
		strbuf_adds(out, ", non-empty");
	if (p->min_files.set)
		strbuf_addf(out, ", >= %ld files", p->min_files.v);
	if (p->owner)
		strbuf_addf(out, ", owner %s", p->owner);
	if (p->mode)
		strbuf_addf(out, ", mode %s", p->mode);
	if (p->readable)
		strbuf_adds(out, ", every entry readable");
	if (p->in_effect && p->in_effect->container)
		strbuf_addf(out, ", mounted into container %s%s%s",
			    p->in_effect->container,
			    p->in_effect->destination ? " at " : "",
			    p->in_effect->destination ?
			    p->in_effect->destination : "");
	if (p->in_effect && p->in_effect->config)
		strbuf_addf(out, ", named by %s in %s", p->in_effect->key,
			    p->in_effect->config);
}

static const char *plural(unsigned long long n, const char *one,
			  const char *many)
{
	return n == 1 ? one : many;
}

static int parse_mode(const char *s, unsigned *mode)
{
	size_t i, len = strlen(s);

	if (len < 3 || len > 4)
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '7')
			return -1;
	*mode = (unsigned)strtoul(s, NULL, 8);
	return 0;
}

static void add_examples(struct strbuf *sb, const struct strvec *ex)
{
	size_t i;

	for (i = 0; i < ex->nr; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "e.g. ", ex->v[i]);
}

static json_t *evidence(const char *path, const struct fscheck_facts *f,
			int owner_given)
{
	json_t *ev = json_object(), *ex;
	char mode[8];
	size_t i;

	json_object_set_new(ev, "path", json_string(path));
	json_object_set_new(ev, "type", json_string(fscheck_type_name(f->type)));
	if (f->is_symlink)
		json_object_set_new(ev, "symlink", json_true());
	if (f->type == FSCHECK_MISSING)
		return ev;
	json_object_set_new(ev, "size", json_integer((json_int_t)f->size));
	json_object_set_new(ev, "uid", json_integer((json_int_t)f->uid));
	json_object_set_new(ev, "gid", json_integer((json_int_t)f->gid));
	if (f->user.len)
		json_object_set_new(ev, "user", json_string(f->user.buf));
	if (f->group.len)
		json_object_set_new(ev, "group", json_string(f->group.buf));
	snprintf(mode, sizeof(mode), "%04o", (unsigned)f->mode);
	json_object_set_new(ev, "mode", json_string(mode));
	json_object_set_new(ev, "files", json_integer((json_int_t)f->files));
	json_object_set_new(ev, "dirs", json_integer((json_int_t)f->dirs));
	json_object_set_new(ev, "others", json_integer((json_int_t)f->others));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)f->bytes));
	if (owner_given)
		json_object_set_new(ev, "not_owned",
				    json_integer((json_int_t)f->not_owned));
	json_object_set_new(ev, "unreadable",
			    json_integer((json_int_t)f->unreadable));
	ex = json_array();
	for (i = 0; i < f->owner_examples.nr; i++)
		json_array_append_new(ex, json_string(f->owner_examples.v[i]));
	for (i = 0; i < f->read_examples.nr; i++)
		json_array_append_new(ex, json_string(f->read_examples.v[i]));
	json_object_set_new(ev, "examples", ex);
	return ev;
}

struct checks {
	struct step_ctx *sc;
	struct strbuf msg;      /* the first failure, for "message" */
};

static void check(struct checks *c, const char *what, const char *expected,
		  const char *actual, int ok)
{
	step_check(c->sc, what, expected, actual, ok);
	if (!ok && !c->msg.len)
		strbuf_addf(&c->msg, "%s: expected %s, got %s", what,
			    expected, actual);
}

static void check_exists(struct checks *c, const struct fscheck_facts *f,
			 int want)
{
	struct strbuf act = STRBUF_INIT;
	int exists = f->type != FSCHECK_MISSING;

	if (exists)
		strbuf_addf(&act, "yes (%s%s)", f->is_symlink ?
			    "symlink to " : "", fscheck_type_name(f->type));
	else
		strbuf_adds(&act, f->is_symlink ? "no (dangling symlink)" :
			    "no");
	check(c, "exists", want ? "yes" : "no", act.buf, exists == want);
	strbuf_release(&act);
}

static void check_non_empty(struct checks *c, const struct fscheck_facts *f)
{
	struct strbuf act = STRBUF_INIT;
	unsigned long long n = f->files + f->dirs + f->others;

	if (f->type == FSCHECK_FILE) {
		strbuf_addf(&act, "%lld %s", (long long)f->size,
			    plural((unsigned long long)f->size, "byte",
				   "bytes"));
		check(c, "non-empty", "more than 0 bytes", act.buf,
		      f->size > 0);
	} else if (f->type == FSCHECK_DIR) {
		strbuf_addf(&act, "%llu %s", n, plural(n, "entry", "entries"));
		check(c, "non-empty", "at least 1 entry", act.buf, n > 0);
	} else {
		check(c, "non-empty", "a non-empty file or directory",
		      "neither a file nor a directory", 0);
	}
	strbuf_release(&act);
}

static void check_files(struct checks *c, const struct fscheck_facts *f,
			long long min)
{
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;

	strbuf_addf(&exp, "at least %lld regular %s", min,
		    plural((unsigned long long)min, "file", "files"));
	strbuf_addf(&act, "%llu regular %s", f->files,
		    plural(f->files, "file", "files"));
	if (f->type == FSCHECK_DIR)
		strbuf_addf(&act, " (%llu %s below)", f->dirs,
			    plural(f->dirs, "directory", "directories"));
	check(c, "files", exp.buf, act.buf,
	      min <= 0 || f->files >= (unsigned long long)min);
	strbuf_release(&exp);
	strbuf_release(&act);
}

static void check_owner(struct checks *c, const struct fscheck_facts *f,
			const char *given, uid_t uid, gid_t gid)
{
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT, want = STRBUF_INIT;
	int top_ok = f->uid == uid && f->gid == gid;
	unsigned long long below = f->files + f->dirs + f->others;

	strbuf_addf(&want, "%lu:%lu", (unsigned long)uid, (unsigned long)gid);
	strbuf_adds(&exp, given);
	if (strcmp(given, want.buf))
		strbuf_addf(&exp, " (%s)", want.buf);
	if (f->type == FSCHECK_DIR)
		strbuf_adds(&exp, ", recursively");

	strbuf_addf(&act, "%lu:%lu", (unsigned long)f->uid,
		    (unsigned long)f->gid);
	if (f->not_owned && top_ok) {
		strbuf_addf(&act, ", but %llu %s below %s not, ", f->not_owned,
			    plural(f->not_owned, "entry", "entries"),
			    plural(f->not_owned, "is", "are"));
		add_examples(&act, &f->owner_examples);
	} else if (f->not_owned) {
		strbuf_addf(&act, " (and %llu %s below not %s, ", f->not_owned,
			    plural(f->not_owned, "entry", "entries"), want.buf);
		add_examples(&act, &f->owner_examples);
		strbuf_addch(&act, ')');
	} else if (f->type == FSCHECK_DIR && below) {
		strbuf_addf(&act, " (and all %llu %s below)", below,
			    plural(below, "entry", "entries"));
	}
	check(c, "owner", exp.buf, act.buf, top_ok && !f->not_owned);
	strbuf_release(&exp);
	strbuf_release(&act);
	strbuf_release(&want);
}

static void check_mode(struct checks *c, const struct fscheck_facts *f,
		       unsigned mode)
{
	char exp[8], act[8];

	snprintf(exp, sizeof(exp), "%04o", mode);
	snprintf(act, sizeof(act), "%04o", (unsigned)f->mode);
	check(c, "mode", exp, act, (unsigned)f->mode == mode);
}

static void check_readable(struct checks *c, const struct fscheck_facts *f)
{
	struct strbuf act = STRBUF_INIT;
	unsigned long long n = f->files + f->dirs + f->others;

	if (!f->unreadable) {
		strbuf_adds(&act, "none");
		if (f->type == FSCHECK_DIR)
			strbuf_addf(&act, " (%llu %s checked)", n + 1,
				    plural(n + 1, "entry", "entries"));
	} else {
		strbuf_addf(&act, "%llu %s, ", f->unreadable,
			    plural(f->unreadable, "entry", "entries"));
		add_examples(&act, &f->read_examples);
	}
	check(c, "no permission errors", "none", act.buf, !f->unreadable);
	strbuf_release(&act);
}

/* A path as compared: no "//" runs, no "/." parts, no trailing "/". */
static void norm_path(struct strbuf *out, const char *p)
{
	strbuf_reset(out);
	while (*p) {
		if (*p == '/' && (p[1] == '/' || (p[1] == '.' &&
					(p[2] == '/' || !p[2])))) {
			p += p[1] == '/' ? 1 : 2;
			continue;
		}
		strbuf_addch(out, *p++);
	}
	while (out->len > 1 && out->buf[out->len - 1] == '/')
		strbuf_setlen(out, out->len - 1);
}

/* The same directory: as written, or once symlinks are resolved. */
static int same_path(const char *a, const char *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	char ra[PATH_MAX], rb[PATH_MAX];
	int same;

	norm_path(&x, a);
	norm_path(&y, b);
	same = !strcmp(x.buf, y.buf) ||
	       (realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb));
	strbuf_release(&x);
	strbuf_release(&y);
	return same;
}

/* `key` (dot-separated) of the JSON file `file`, a string, into `out`. */
static int config_value(const char *file, const char *key, struct strbuf *out,
			struct strbuf *why)
{
	struct strbuf text = STRBUF_INIT, part = STRBUF_INIT;
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *k = key;
	int ret = -1;

	if (strbuf_read_regular(&text, file, 16u << 20) < 0) {
		strbuf_addf(why, "cannot read %s: %s", file, strerror(errno));
		goto out;
	}
	root = json_loadb(text.buf, text.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		strbuf_addf(why, "%s is not JSON: line %d: %s", file, jerr.line,
			    jerr.text);
		goto out;
	}
	for (v = root; v && *k; ) {
		const char *dot = strchr(k, '.');
		size_t n = dot ? (size_t)(dot - k) : strlen(k);

		strbuf_reset(&part);
		strbuf_add(&part, k, n);
		v = json_object_get(v, part.buf);
		k += n + (dot ? 1 : 0);
	}
	if (!json_is_string(v)) {
		strbuf_addf(why, "%s has no text at %s", file, key);
		goto out;
	}
	strbuf_adds(out, json_string_value(v));
	ret = 0;
out:
	json_decref(root);
	strbuf_release(&text);
	strbuf_release(&part);
	return ret;
}

/*
 * A container as `docker inspect` describes it, read in one place
 * (container_mounts): running or not, its mounts (Source, Destination;
 * NULL when not text), and the Mounts array as it printed it, which the
 * evidence keeps whole.
 */
struct ct_mount {
	char *src, *dst;
};
struct container {
	int running;
	struct ct_mount *m;
	size_t n;
	json_t *journal;
};

static void container_release(struct container *ct)
{
	size_t i;

	for (i = 0; i < ct->n; i++) {
		free(ct->m[i].src);
		free(ct->m[i].dst);
	}
	free(ct->m);
	json_decref(ct->journal);
	memset(ct, 0, sizeof(*ct));
}

/*
 * What rdrill reads of a container as `docker inspect` prints it, in
 * one table: State.Running and each mount's Source and Destination.
 * Bound leniently, as it always was read: a member of the wrong type is
 * absent (not running; a mount's "?").
 */
struct ci_mount {
	const char *src, *dst;
};
struct ci_state {
	int running;
};
struct ci_container {
	struct ci_mount *mounts;    /* non-NULL: an array */
	size_t nmounts;
	struct ci_state *state;
};

static const struct schema_field ci_mount_fields[] = {
	{ .key = "Source", .type = SCHEMA_STR,
	  .off = offsetof(struct ci_mount, src) },
	{ .key = "Destination", .type = SCHEMA_STR,
	  .off = offsetof(struct ci_mount, dst) },
	{ .key = NULL },
};
static const struct schema ci_mount_schema = {
	.what = "mount", .fields = ci_mount_fields,
	.size = sizeof(struct ci_mount),
};
static const struct schema_field ci_state_fields[] = {
	{ .key = "Running", .type = SCHEMA_BOOL,
	  .off = offsetof(struct ci_state, running) },
	{ .key = NULL },
};
static const struct schema ci_state_schema = {
	.what = "State", .fields = ci_state_fields,
	.size = sizeof(struct ci_state),
};
static const struct schema_field ci_mount_item = { .type = SCHEMA_OBJ,
	.obj = &ci_mount_schema };
static const struct schema_field ci_fields[] = {
	{ .key = "Mounts", .type = SCHEMA_LIST, .item = &ci_mount_item,
	  .off = offsetof(struct ci_container, mounts),
	  .off2 = offsetof(struct ci_container, nmounts) },
	{ .key = "State", .type = SCHEMA_OBJ, .obj = &ci_state_schema,
	  .off = offsetof(struct ci_container, state) },
	{ .key = NULL },
};
static const struct schema ci_schema = {
	.what = "container", .fields = ci_fields,
	.size = sizeof(struct ci_container),
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* inspect's printed JSON into *ct; -1 when it holds no container. */
static int container_parse(const struct strbuf *log, struct container *ct)
{
	json_error_t jerr;
	json_t *all = json_loadb(log->buf, log->len, 0, &jerr), *c;
	struct ci_container ci;
	size_t i;

	c = json_is_array(all) ? json_array_get(all, 0) : all;
	memset(&ci, 0, sizeof(ci));
	schema_bind_lenient(&ci_schema, c, &ci);
	if (!json_is_object(c) || !ci.mounts) {
		schema_release(&ci_schema, &ci);
		json_decref(all);
		return -1;
	}
	ct->running = ci.state && ci.state->running;
	ct->m = xcalloc(ci.nmounts + 1, sizeof(*ct->m));
	for (i = 0; i < ci.nmounts; i++) {
		ct->m[ct->n].src = dup_or_null(ci.mounts[i].src);
		ct->m[ct->n++].dst = dup_or_null(ci.mounts[i].dst);
	}
	/* The evidence keeps the Mounts array whole, as docker printed it. */
	ct->journal = json_incref(json_object_get(c, "Mounts"));
	schema_release(&ci_schema, &ci);
	json_decref(all);
	return 0;
}

/*
 * The running container's mounts, from `docker inspect` (or the
 * command the drill gives), into *ct; its log recorded in the step
 * record as inspect_log. -1 with `why` when there is no such answer.
 */
static int container_mounts(struct step_ctx *sc, const struct in_effect *ie,
			    struct container *ct, struct strbuf *why)
{
	struct exec_result res = EXEC_RESULT_INIT;
	struct strbuf log = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	struct error e = ERROR_INIT;
	int ret = -1;

	if (ie->inspect.nr)
		strvec_pushv(&argv, (const char **)ie->inspect.v);
	else {
		static const char *const def[] = { "docker", "inspect", "--type",
			"container", NULL };
		strvec_pushv(&argv, def);
		strvec_push(&argv, ie->container);
	}
	if (step_run_logged(sc, "inspect_log", "inspect.json",
			    (const char *const *)argv.v, NULL, &res, &log, &e) < 0 ||
	    res.exec_failed) {
		strbuf_addf(why, "%s could not be run: %s", argv.v[0],
			    e.msg.len ? e.msg.buf : res.exec_error.buf);
		goto out;
	}
	if (res.exit_code) {
		strbuf_addf(why, "%s exited %d: %.200s", argv.v[0], res.exit_code,
			    log.buf);
		goto out;
	}
	if (container_parse(&log, ct) < 0) {
		strbuf_addf(why, "%s printed no container with Mounts (not "
			    "`docker inspect` JSON)", argv.v[0]);
		goto out;
	}
	ret = 0;
out:
	exec_result_release(&res);
	strbuf_release(&log);
	strvec_clear(&argv);
	error_release(&e);
	return ret;
}

/* The mount of `path` among the container's (Source), or NULL. */
static const struct ct_mount *mount_of(const struct container *ct,
				       const char *path, struct strbuf *list)
{
	const struct ct_mount *found = NULL;
	size_t i;

	for (i = 0; i < ct->n; i++) {
		const char *src = ct->m[i].src, *dst = ct->m[i].dst;

		strbuf_addf(list, "%s%s -> %s", i ? ", " : "", src ? src : "?",
			    dst ? dst : "?");
		if (!found && src && same_path(src, path))
			found = &ct->m[i];
	}
	return found;
}

/*
 * in_effect's checks: the path is the one the service uses. Evidence:
 * rec.in_effect {container, running, mounts, config, key, value}.
 */
static void check_in_effect(struct checks *c, const char *path,
			    const struct in_effect *ie)
{
	json_t *ev = json_object();
	struct container ct;
	const struct ct_mount *m = NULL;
	struct strbuf why = STRBUF_INIT, list = STRBUF_INIT, exp = STRBUF_INIT;
	struct strbuf val = STRBUF_INIT, full = STRBUF_INIT;
	const char *dst = NULL;
	int running = 0;

	memset(&ct, 0, sizeof(ct));
	if (ie->container) {
		json_object_set_new(ev, "container", json_string(ie->container));
		strbuf_addf(&exp, "a mount of %s%s%s into running container %s",
			    path, ie->destination ? " at " : "",
			    ie->destination ? ie->destination : "", ie->container);
		if (container_mounts(c->sc, ie, &ct, &why) == 0) {
			running = ct.running;
			m = mount_of(&ct, path, &list);
			dst = m ? m->dst : NULL;
			json_object_set_new(ev, "running", json_boolean(running));
			json_object_set(ev, "mounts", ct.journal);
			if (!running)
				strbuf_addf(&why, "the container is not running "
					    "(mounts: %s)", list.len ? list.buf :
					    "none");
			else if (!m)
				strbuf_addf(&why, "no mount of it; the container "
					    "mounts %s", list.len ? list.buf : "nothing");
			else if (ie->destination && (!dst ||
				 !same_path(dst, ie->destination)))
				strbuf_addf(&why, "mounted at %s", dst ? dst : "?");
			else
				strbuf_addf(&why, "mounted: %s -> %s", m->src, dst);
		}
		check(c, "in effect: mounted into the container", exp.buf,
		      why.buf, running && m && (!ie->destination ||
		      (dst && same_path(dst, ie->destination))));
	}
	if (ie->config) {
		const char *want = ie->container ? (dst ? dst : ie->destination) :
				   path;
		int ok = 0;

		strbuf_reset(&why);
		strbuf_reset(&exp);
		json_object_set_new(ev, "config", json_string(ie->config));
		json_object_set_new(ev, "key", json_string(ie->key));
		strbuf_addf(&exp, "%s%s", want ? want : "the mount's destination",
			    ie->container ? " (the mount's path in the "
			    "container)" : "");
		if (config_value(ie->config, ie->key, &val, &why) == 0) {
			json_object_set_new(ev, "value", json_string(val.buf));
			if (val.buf[0] != '/') {
				char *dir = xstrdup(ie->config), *slash;

				slash = strrchr(dir, '/');
				if (slash)
					*slash = '\0';
				strbuf_addf(&full, "%s/", ie->relative_to ?
					    ie->relative_to : slash ? dir : ".");
				free(dir);
			}
			strbuf_add(&full, val.buf, val.len);
			ok = want && same_path(full.buf, want);
			strbuf_addf(&why, "%s names %s", ie->key, val.buf);
			if (strcmp(full.buf, val.buf))
				strbuf_addf(&why, " (%s)", full.buf);
		}
		strbuf_reset(&list);
		strbuf_addf(&list, "in effect: named by %s in %s", ie->key,
			    ie->config);
		check(c, list.buf, exp.buf, why.buf, ok);
	}
	json_object_set_new(c->sc->rec, "in_effect", ev);
	container_release(&ct);
	strbuf_release(&why);
	strbuf_release(&list);
	strbuf_release(&exp);
	strbuf_release(&val);
	strbuf_release(&full);
}

static int files_run(struct step_ctx *sc, struct error *err)
{
	const struct files_params *p = STEP_PARAMS(sc, struct files_params);
	const char *path = p->path;
	const char *owner = p->owner;
	const char *mode_s = p->mode;
	int want_exists = p->exists, non_empty = p->non_empty,
	    readable = p->readable;
	struct fscheck_opts o = FSCHECK_OPTS_INIT;
	struct fscheck_facts f = FSCHECK_FACTS_INIT;
	struct checks c = { sc, STRBUF_INIT };
	unsigned mode = 0;

	if (!path || !*path)
		return error_set(err, "files: no path");
	if (mode_s && parse_mode(mode_s, &mode) < 0)
		return error_set(err, "files: mode '%s' is not octal like "
				 "\"0750\"", mode_s);
	if (owner) {
		if (fscheck_parse_owner(owner, &o.uid, &o.gid, err) < 0)
			return -1;
		o.owner_given = 1;
	}
	/* Opening every file costs a syscall each; only when asked. */
	o.try_open = readable;
	o.cancel = sc->cancel;

	if (fscheck_inspect(path, &o, &f, err) < 0) {
		fscheck_facts_release(&f);
		return -1;
	}
	json_object_set_new(sc->rec, "evidence", evidence(path, &f,
							  o.owner_given));
	check_exists(&c, &f, want_exists);
	if (f.type != FSCHECK_MISSING) {
		if (non_empty)
			check_non_empty(&c, &f);
		if (p->min_files.set)
			check_files(&c, &f, p->min_files.v);
		if (owner)
			check_owner(&c, &f, owner, o.uid, o.gid);
		if (mode_s)
			check_mode(&c, &f, mode);
		if (readable)
			check_readable(&c, &f);
	}
	if (p->in_effect)
		check_in_effect(&c, path, p->in_effect);
	if (c.msg.len)
		json_object_set_new(sc->rec, "message", json_string(c.msg.buf));
	strbuf_release(&c.msg);
	fscheck_facts_release(&f);
	return 0;
}

static const struct words files_words[] = {
	/* the description: "PATH: exists, non-empty, >= 30 files, ..." */
	{ NULL, "{}: {l}", "{}：{l}" },
	{ NULL, "exists", "存在" },
	{ NULL, "absent", "不存在" },
	{ NULL, "non-empty", "非空" },
	{ NULL, ">= {n} files", "不少于 {n} 个文件" },
	{ NULL, "owner {}", "属主 {}" },
	{ NULL, "mode {}", "权限 {}" },
	{ NULL, "every entry readable", "每一项均可读" },
	{ NULL, "mounted into container {} at {}", "挂载到容器 {} 的 {}" },
	{ NULL, "mounted into container {}", "挂载到容器 {}" },
	{ NULL, "named by {} in {}", "由 {2} 中的 {1} 指定" },
	/* in_effect: the path the service really uses */
	{ NULL, "in effect: mounted into the container", "生效：已挂载到容器" },
	{ NULL, "in effect: named by {} in {}", "生效：由 {2} 中的 {1} 指定" },
	{ NULL, "a mount of {} at {} into running container {}",
	  "{} 挂载到运行中容器 {3} 的 {2}" },
	{ NULL, "a mount of {} into running container {}",
	  "{} 挂载到运行中容器 {}" },
	{ NULL, "the container is not running (mounts: {})",
	  "容器未运行（挂载：{}）" },
	{ NULL, "no mount of it; the container mounts {}",
	  "没有挂载它；容器挂载的是 {}" },
	{ NULL, "mounted at {}", "挂载于 {}" },
	{ NULL, "mounted: {} -> {}", "已挂载：{} -> {}" },
	{ NULL, "the mount's destination (the mount's path in the container)",
	  "挂载目标（容器内的挂载路径）" },
	{ NULL, "the mount's destination", "挂载目标" },
	{ NULL, "{} (the mount's path in the container)", "{}（容器内的挂载路径）" },
	{ NULL, "{} names {} ({})", "{1} 指定 {2}（{3}）" },
	{ NULL, "{} names {}", "{} 指定 {}" },
	/* the checks */
	{ NULL, "files", "文件" },
	{ NULL, "owner", "属主" },
	{ NULL, "mode", "权限" },
	{ NULL, "no permission errors", "无权限错误" },
	{ NULL, "yes (file)", "是（文件）" },
	{ NULL, "yes (directory)", "是（目录）" },
	{ NULL, "yes (other)", "是（其他类型）" },
	{ NULL, "yes (symlink to file)", "是（指向文件的符号链接）" },
	{ NULL, "yes (symlink to directory)", "是（指向目录的符号链接）" },
	{ NULL, "yes (symlink to other)", "是（指向其他类型的符号链接）" },
	{ NULL, "no (dangling symlink)", "否（悬空符号链接）" },
	{ NULL, "more than 0 bytes", "大于 0 字节" },
	{ NULL, "at least 1 entry", "至少 1 项" },
	{ NULL, "{n} entry", "{n} 项" },
	{ NULL, "{n} entries", "{n} 项" },
	{ NULL, "a non-empty file or directory", "非空文件或目录" },
	{ NULL, "neither a file nor a directory", "既不是文件也不是目录" },
	{ NULL, "at least {n} regular file", "至少 {n} 个普通文件" },
	{ NULL, "at least {n} regular files", "至少 {n} 个普通文件" },
	{ NULL, "{n} regular file", "{n} 个普通文件" },
	{ NULL, "{n} regular files", "{n} 个普通文件" },
	{ NULL, "{n} regular file ({n} directory below)",
	  "{n} 个普通文件（其下 {n} 个目录）" },
	{ NULL, "{n} regular files ({n} directory below)",
	  "{n} 个普通文件（其下 {n} 个目录）" },
	{ NULL, "{n} regular file ({n} directories below)",
	  "{n} 个普通文件（其下 {n} 个目录）" },
	{ NULL, "{n} regular files ({n} directories below)",
	  "{n} 个普通文件（其下 {n} 个目录）" },
	{ "owner", "{}, recursively", "{}，含其下全部" },
	{ "owner", "{} (and all {n} entry below)", "{}（其下全部 {n} 项亦然）" },
	{ "owner", "{} (and all {n} entries below)", "{}（其下全部 {n} 项亦然）" },
	{ "owner", "{}, but {n} entry below is not, e.g. {}",
	  "{}，但其下 {n} 项不是，例如 {}" },
	{ "owner", "{}, but {n} entries below are not, e.g. {}",
	  "{}，但其下 {n} 项不是，例如 {}" },
	{ "owner", "{} (and {n} entry below not {}, e.g. {})",
	  "{}（其下 {n} 项不是 {}，例如 {}）" },
	{ "owner", "{} (and {n} entries below not {}, e.g. {})",
	  "{}（其下 {n} 项不是 {}，例如 {}）" },
	{ "owner", "{}", "{}" },
	{ "mode", "{}", "{}" },
	{ NULL, "none ({n} entry checked)", "无（检查了 {n} 项）" },
	{ NULL, "none ({n} entries checked)", "无（检查了 {n} 项）" },
	{ "no permission errors", "{n} entry, e.g. {}", "{n} 项，例如 {}" },
	{ "no permission errors", "{n} entries, e.g. {}", "{n} 项，例如 {}" },
	WORDS_END
};
/* in_effect's inspect command (docker by default) is a prerequisite. */
static void files_needs(const struct drill_step *s, struct step_needs *n)
{
	const struct files_params *p = s->params;

	if (p->in_effect && p->in_effect->container)
		strvec_push_unique(&n->programs, p->in_effect->inspect.nr ?
				   p->in_effect->inspect.v[0] : "docker");
}

const struct step_kind step_kind_files = {
	.name = "files",
	.selectors = selectors,
	.noun = "files steps",
	.fields = step_fields,
	.params = &files_schema,
	.params_key = "files",
	.describe = files_describe,
	.words = files_words,
	.needs = files_needs,
	.run = files_run,
};
