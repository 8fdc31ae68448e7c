#include "step.h"
#include "error.h"
#include "exec.h"
#include "fsutil.h"
#include "schema.h"
#include "secret.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct step_kind *step_kind_find(const char *name)
{
	const struct step_kind *const *k;

	for (k = step_kinds; name && *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

void step_kinds_check(void)
{
	static int checked;
	const struct step_kind *const *k, *const *o;
	const char *const *s, *const *t;

	if (checked)
		return;
	for (k = step_kinds; *k; k++) {
		if (!(*k)->name || !(*k)->selectors || !(*k)->selectors[0])
			BUG("step kind %s: no name or no selector",
			    (*k)->name ? (*k)->name : "(unnamed)");
		for (o = step_kinds; o != k; o++) {
			if (!strcmp((*o)->name, (*k)->name))
				BUG("two step kinds named '%s'", (*k)->name);
			for (s = (*k)->selectors; *s; s++)
				for (t = (*o)->selectors; *t; t++)
					if (!strcmp(*s, *t))
						BUG("step kinds %s and %s both "
						    "select '%s'", (*o)->name,
						    (*k)->name, *s);
		}
	}
	checked = 1;
}

json_t *step_finish_all(const struct bkfacts *bk)
{
	const struct step_kind *const *k;
	json_t *out = json_array();

	for (k = step_kinds; *k; k++)
		if ((*k)->finish)
			(*k)->finish(bk, out);
	return out;
}

/* `s` as its JSON string reads back: NULL when it is not valid UTF-8. */
static char *json_text(const char *s, json_t **j)
{
	*j = json_string(s ? s : "");
	return *j ? xstrdup(json_string_value(*j)) : NULL;
}

static int check_add(struct step_ctx *sc, const char *what,
		     const char *expected, const char *actual, int ok,
		     const char *invalid)
{
	json_t *checks = json_object_get(sc->rec, "checks"), *c = json_object();
	json_t *jw, *je, *ja;
	struct step_checked *t;

	if (!checks) {
		checks = json_array();
		json_object_set_new(sc->rec, "checks", checks);
	}
	XGROW(sc->checks, sc->nchecks + 1, sc->alloc_checks);
	t = &sc->checks[sc->nchecks++];
	t->what = json_text(what, &jw);
	t->expected = json_text(expected, &je);
	t->actual = json_text(actual, &ja);
	if (!ja && invalid) {
		ja = json_string(invalid);
		t->actual = xstrdup(invalid);
	}
	t->ok = ok;
	/* A member whose text is not valid UTF-8 is left out (jansson). */
	json_object_set_new(c, "what", jw);
	json_object_set_new(c, "expected", je);
	json_object_set_new(c, "actual", ja);
	json_object_set_new(c, "ok", json_boolean(ok));
	json_array_append_new(checks, c);
	return ok;
}

int step_check(struct step_ctx *sc, const char *what, const char *expected,
	       const char *actual, int ok)
{
	/* Actual values come from servers and files: keep them valid JSON. */
	return check_add(sc, what, expected, actual, ok, "(not valid UTF-8)");
}

int step_check_verbatim(struct step_ctx *sc, const char *what,
			const char *expected, const char *actual, int ok)
{
	return check_add(sc, what, expected, actual, ok, NULL);
}

int step_checks_ok(const struct step_ctx *sc)
{
	return !step_first_failed(sc);
}

const struct step_checked *step_first_failed(const struct step_ctx *sc)
{
	size_t i;

	for (i = 0; i < sc->nchecks; i++)
		if (!sc->checks[i].ok)
			return &sc->checks[i];
	return NULL;
}

/* step_said_read()'s table: the record's members the runner reads. */
struct said_stream {
	const char *path, *head, *tail;
};

struct said_evidence {
	struct schema_int rpo_wal_ms;   /* step-recover's */
};

struct said_rec {
	const char *message;
	struct said_stream *err;
	struct said_evidence *evidence;
};

static const struct schema_field said_stream_fields[] = {
	{ .key = "path", .type = SCHEMA_STR,
	  .off = offsetof(struct said_stream, path) },
	{ .key = "head", .type = SCHEMA_STR,
	  .off = offsetof(struct said_stream, head) },
	{ .key = "tail", .type = SCHEMA_STR,
	  .off = offsetof(struct said_stream, tail) },
	{ NULL },
};
static const struct schema said_stream_schema = {
	.what = "stream", .fields = said_stream_fields,
	.size = sizeof(struct said_stream),
};
static const struct schema_field said_evidence_fields[] = {
	{ .key = "rpo_wal_ms", .type = SCHEMA_INT,
	  .off = offsetof(struct said_evidence, rpo_wal_ms) },
	{ NULL },
};
static const struct schema said_evidence_schema = {
	.what = "evidence", .fields = said_evidence_fields,
	.size = sizeof(struct said_evidence),
};
static const struct schema_field said_fields[] = {
	{ .key = "message", .type = SCHEMA_STR,
	  .off = offsetof(struct said_rec, message) },
	{ .key = "stderr", .type = SCHEMA_OBJ, .obj = &said_stream_schema,
	  .off = offsetof(struct said_rec, err) },
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &said_evidence_schema,
	  .off = offsetof(struct said_rec, evidence) },
	{ NULL },
};
static const struct schema said_schema = {
	.what = "step record", .fields = said_fields,
	.size = sizeof(struct said_rec),
};

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

void step_said_read(json_t *rec, struct step_said *out)
{
	struct said_rec sr;

	memset(&sr, 0, sizeof(sr));
	memset(out, 0, sizeof(*out));
	schema_bind_lenient(&said_schema, rec, &sr);
	out->message = sr.message;
	out->has_err = sr.err != NULL;
	out->err_path = or_empty(sr.err ? sr.err->path : NULL);
	out->err_head = or_empty(sr.err ? sr.err->head : NULL);
	out->err_tail = or_empty(sr.err ? sr.err->tail : NULL);
	if (sr.evidence && sr.evidence->rpo_wal_ms.set) {
		out->has_rpo_wal_ms = 1;
		out->rpo_wal_ms = sr.evidence->rpo_wal_ms.v;
	}
	/* The strings stay the record's; only the bound structs go. */
	schema_release(&said_schema, &sr);
}

void step_ctx_release(struct step_ctx *sc)
{
	size_t i;

	for (i = 0; i < sc->nchecks; i++) {
		free(sc->checks[i].what);
		free(sc->checks[i].expected);
		free(sc->checks[i].actual);
	}
	free(sc->checks);
	sc->checks = NULL;
	sc->nchecks = sc->alloc_checks = 0;
}

void step_ctx_begin(struct step_ctx *sc, long n, const char *id,
		    long timeout_s)
{
	step_ctx_release(sc);
	sc->n = n;
	sc->id = id;
	deadline_init(&sc->deadline, timeout_s);
}

void step_log_path(struct step_ctx *sc, const char *suffix,
		   struct strbuf *rel, struct strbuf *abs)
{
	strbuf_reset(rel);
	strbuf_addf(rel, "steps/%02ld-%s.%s", sc->n, sc->id, suffix);
	strbuf_reset(abs);
	strbuf_addf(abs, "%s/%s", sc->bundle, rel->buf);
}

void step_keep_file(struct step_ctx *sc, const char *suffix, const char *key,
		    struct strbuf *text)
{
	struct strbuf rel = STRBUF_INIT, abs = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char hex[SHA256_HEX_LEN + 1];

	secret_redact(text);
	step_log_path(sc, suffix, &rel, &abs);
	if (fs_write_atomic(abs.buf, text->buf, text->len, &e) < 0) {
		strbuf_reset(&rel);
		strbuf_addf(&rel, "%s_error", key);
		json_object_set_new(sc->rec, rel.buf, json_string(e.msg.buf));
	} else {
		sha256_hex(text->buf, text->len, hex);
		json_object_set_new(sc->rec, key, json_pack(
			"{s:s, s:I, s:s}", "path", rel.buf, "bytes",
			(json_int_t)text->len, "sha256", hex));
	}
	strbuf_release(&rel);
	strbuf_release(&abs);
	error_release(&e);
}

void step_exec_prepare(struct step_ctx *sc, struct exec_cmd *cmd)
{
	long long left = deadline_left_ms(&sc->deadline);

	/* exec: 0 is no limit; a deadline already passed still stops it. */
	size_t i;

	cmd->timeout_ms = left < 0 ? 0 : left ? (unsigned long)left : 1;
	cmd->cancel = sc->cancel;
	cmd->redact = sc->secrets->v;
	for (i = 0; sc->secret_vars && i < sc->secret_vars->nr; i++)
		strvec_push(&cmd->env, sc->secret_vars->v[i]);
}

void step_pg_prog(const char *pg_bin, const char *name, struct strbuf *out)
{
	strbuf_reset(out);
	if (pg_bin)
		strbuf_addf(out, "%s/%s", pg_bin, name);
	else
		strbuf_adds(out, name);
}

json_t *step_json_str(const char *s)
{
	json_t *j = json_string(s ? s : "");

	return j ? j : json_string("(not valid UTF-8)");
}

/* At most `max` bytes of `fd` into `sb`; more is -1 (EFBIG). */
static int read_log(int fd, struct strbuf *sb, size_t max)
{
	for (;;) {
		ssize_t n;

		strbuf_grow(sb, 65536);
		n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		strbuf_setlen(sb, sb->len + (size_t)n);
		if (sb->len > max) {
			errno = EFBIG;
			return -1;
		}
	}
}

int step_run_logged(struct step_ctx *sc, const char *key, const char *suffix,
		    const char *const *argv, const char *run_as,
		    struct exec_result *res, struct strbuf *log,
		    struct error *err)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct strbuf rel = STRBUF_INIT, abs = STRBUF_INIT;
	int ret;

	step_log_path(sc, suffix, &rel, &abs);
	strvec_pushv(&cmd.argv, argv);
	step_exec_prepare(sc, &cmd);
	strvec_push(&cmd.env, "LC_ALL=C");
	strvec_push(&cmd.env, "LANG=C");
	strvec_push(&cmd.env, "LANGUAGE");
	cmd.run_as = run_as;
	cmd.stdout_path = abs.buf;
	cmd.stderr_path = abs.buf;
	ret = exec_run(&cmd, res, err);
	exec_cmd_release(&cmd);
	if (ret == 0) {
		char hex[SHA256_HEX_LEN + 1];
		unsigned long long size = 0;
		struct error e = ERROR_INIT;
		json_t *lo = json_object();

		/* The log rdrill wrote, through the bundle's descriptor. */
		int fd = fs_open_read(abs.buf);

		json_object_set_new(lo, "path", json_string(rel.buf));
		/* One file for both streams: exec leaves it unhashed. */
		if (fd >= 0 && sha256_fd_hex(fd, abs.buf, hex, &size, NULL,
					     NULL, &e) == 0)
			json_object_set_new(lo, "sha256", json_string(hex));
		json_object_set_new(lo, "bytes", json_integer((json_int_t)size));
		error_release(&e);
		json_object_set_new(sc->rec, key, lo);
		strbuf_reset(log);
		if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
		    read_log(fd, log, 4u << 20) < 0)
			strbuf_reset(log);
		if (fd >= 0)
			close(fd);
	}
	strbuf_release(&rel);
	strbuf_release(&abs);
	return ret;
}
