#include "jrecord.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "planread.h"
#include "schema.h"
#include "schema-table.h"
#include "strbuf.h"
#include "sha256.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void jrecords_init(struct jrecords *jr)
{
	memset(jr, 0, sizeof(*jr));
	jr->others = json_array();
	jr->fd = -1;
}

static void blocks_free(struct jrecord_block **b)
{
	while (*b) {
		struct jrecord_block *next = (*b)->next;

		free(*b);
		*b = next;
	}
}

/* A copy of `s` in `*b`'s blocks (64 KiB each, or one for a longer s). */
static char *keep_str(struct jrecord_block **b, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (!*b || (*b)->size - (*b)->used < n) {
		size_t fill = (64u << 10) - sizeof(struct jrecord_block);
		size_t size = n > fill ? n : fill;
		struct jrecord_block *nb = xmalloc(sizeof(*nb) + size);

		nb->next = *b;
		nb->used = 0;
		nb->size = size;
		*b = nb;
	}
	p = (*b)->text + (*b)->used;
	memcpy(p, s, n);
	(*b)->used += n;
	return p;
}

void jrecords_release(struct jrecords *jr)
{
	size_t i;

	/* First: a viewer may hold what it borrowed from the records. */
	if (jr->viewer.release)
		jr->viewer.release(jr->viewer.ctx);
	for (i = 0; i < jr->nsteps; i++)
		json_decref(jr->step[i].rec);
	blocks_free(&jr->step_text);
	jrecords_drop_logs(jr);
	free(jr->step);
	free(jr->other_index);
	json_decref(jr->others);
	if (jr->fd >= 0)
		close(jr->fd);
	drill_free(jr->drill);
	free(jr->path);
	memset(jr, 0, sizeof(*jr));
	jr->fd = -1;
}

void jrecords_drop_logs(struct jrecords *jr)
{
	blocks_free(&jr->log_text);
	free(jr->log);
	jr->log = NULL;
	jr->nlogs = jr->alloc_logs = 0;
}

/*
 * Each member of `rec` that names a file by its hash, {"path": ...,
 * "sha256": ...}: verify re-hashes them (seal.c). The start record's
 * plan_file is plan.json, checked as the journal is read. Returns the
 * bytes held.
 */
static size_t collect_logs(struct jrecords *jr, json_t *rec)
{
	const char *key;
	json_t *v;
	size_t held = 0;

	json_object_foreach(rec, key, v) {
		const char *rel = json_string_value(json_object_get(v, "path"));
		const char *want = json_string_value(json_object_get(v, "sha256"));
		struct jrecord_log *lg;

		if (!json_is_object(v) || !rel || !want)
			continue;
		if (!jr->nrecords && !strcmp(key, "plan_file"))
			continue;
		XGROW(jr->log, jr->nlogs + 1, jr->alloc_logs);
		lg = &jr->log[jr->nlogs++];
		lg->key = keep_str(&jr->log_text, key);
		lg->path = keep_str(&jr->log_text, rel);
		lg->sha256 = keep_str(&jr->log_text, want);
		lg->record = jr->nrecords;
		held += sizeof(*lg) + strlen(key) + strlen(rel) + strlen(want) + 3;
	}
	return held;
}

/* A digit of sha256_hex()'s lowercase hex. */
static int hex_val(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void hex_to_bin(const char *hex, unsigned char out[32])
{
	size_t i;

	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(hex_val(hex[2 * i]) << 4 |
					 hex_val(hex[2 * i + 1]));
}

/*
 * A step record's header; `l` NULL: kept parsed instead (rec), else
 * where its line is, to be read again. Returns the bytes it holds.
 */
static size_t add_step(struct jrecords *jr, json_t *rec,
		       const struct journal_line *l)
{
	struct jrecord_step *st;

	XGROW(jr->step, jr->nsteps + 1, jr->alloc_steps);
	st = &jr->step[jr->nsteps++];
	memset(st, 0, sizeof(*st));
	st->n = json_is_integer(json_object_get(rec, "n")) ?
		(long long)json_integer_value(json_object_get(rec, "n")) : 0;
	st->status = keep_str(&jr->step_text, journal_str(rec, "status"));
	st->resumed = json_is_true(json_object_get(rec, "resumed"));
	st->index = jr->nrecords;
	if (l) {
		st->off = l->off;
		st->len = l->len;
		hex_to_bin(l->hash, st->sha256);
	} else {
		st->rec = json_incref(rec);
	}
	return sizeof(*st) + strlen(st->status) + 1;
}

static void add_other(struct jrecords *jr, json_t *rec)
{
	const char *type = journal_str(rec, "type");
	size_t n = json_array_size(jr->others);

	XGROW(jr->other_index, n + 1, jr->alloc_others);
	jr->other_index[n] = jr->nrecords;
	json_array_append(jr->others, rec);
	if (!jr->nrecords)
		jr->start = rec;
	else if (!strcmp(type, "preflight") && !jr->preflight)
		jr->preflight = rec;
	else if (!strcmp(type, "end") && !jr->end)
		jr->end = rec;
}

/* 1: a step record (the first record is the start, whatever it says). */
static int is_step(const struct jrecords *jr, json_t *rec)
{
	return jr->nrecords && !strcmp(journal_str(rec, "type"), "step");
}

static int take_line(struct journal_line *l, void *ctx, struct error *err)
{
	struct jrecords *jr = ctx;
	int step = is_step(jr, l->rec);

	(void)err;
	l->keep += collect_logs(jr, l->rec);
	jr->last_is_end = !strcmp(journal_str(l->rec, "type"), "end");
	if (step)
		l->keep += add_step(jr, l->rec, l);
	else
		add_other(jr, l->rec);
	if (jr->viewer.each)
		jr->viewer.each(jr->viewer.ctx, jr, l, step);
	jr->nrecords++;
	json_decref(l->rec);
	return !step;
}

static int lean_step(json_t *step, size_t i, void *ctx)
{
	struct jrecords *jr = ctx;

	(void)i;
	return drill_lean_add_step(jr->drill, step);
}

/*
 * plan.json a step at a time into the lean drill (planread.h): the
 * start record's "plan" is then plan.json's object without its steps.
 * NULL: the walk parses it whole, as it always did.
 */
static json_t *lean_read(const char *text, size_t len, size_t budget,
			 size_t *mem, void *ctx)
{
	struct jrecords *jr = ctx;
	struct planread pr;

	memset(&pr, 0, sizeof(pr));
	pr.step = lean_step;
	pr.ctx = jr;
	drill_free(jr->drill);
	jr->drill = drill_lean_new();
	if (planread_walk(text, len, budget, &pr) == 1 &&
	    drill_lean_finish(jr->drill, json_object_get(pr.head, "plan")) == 0) {
		jr->plan_canonical = pr.canonical;
		memcpy(jr->plan_body_hash, pr.body_hash,
		       sizeof(jr->plan_body_hash));
		*mem = pr.mem;
		return pr.head;
	}
	json_decref(pr.head);
	drill_free(jr->drill);
	jr->drill = NULL;
	return NULL;
}

/*
 * The step lines are not kept: they are read again from the file the
 * walk read, kept open (the same file even if the path is replaced
 * later), each checked against the hash the walk took.
 */
int jrecords_read(struct jrecords *jr, const char *path, unsigned flags,
		  int *torn, struct journal_stat *js, struct error *err)
{
	struct journal_plan_reader lean = { lean_read, jr };

	if (jr->fd < 0 && (jr->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return error_errno(err, "cannot read journal %s", path);
	free(jr->path);
	jr->path = xstrdup(path);
	return journal_walk_fd_plan(jr->fd, path, flags, torn, js, take_line,
				    jr, &lean, err);
}

struct drill *jrecords_drill_whole(const struct jrecords *jr,
				   struct error *err)
{
	struct strbuf p = STRBUF_INIT;
	const char *slash = strrchr(jr->path, '/');
	json_t *plan;
	char hex[SHA256_HEX_LEN + 1];
	struct drill *d = NULL;

	if (slash)
		strbuf_add(&p, jr->path, (size_t)(slash - jr->path + 1));
	strbuf_adds(&p, "plan.json");
	plan = journal_read_plan(p.buf, hex, err);
	if (plan && strcmp(hex, journal_str(json_object_get(jr->start,
						"plan_file"), "sha256")))
		error_set(err, "%s: not the plan the start record names (its "
			  "SHA-256 differs)", p.buf);
	else if (plan)
		d = drill_from_body(json_object_get(plan, "plan"), err);
	json_decref(plan);
	strbuf_release(&p);
	return d;
}

void jrecords_from_array(struct jrecords *jr, json_t *records)
{
	json_t *rec;
	size_t i;

	json_array_foreach(records, i, rec) {
		collect_logs(jr, rec);
		jr->last_is_end = !strcmp(journal_str(rec, "type"), "end");
		if (is_step(jr, rec))
			add_step(jr, rec, NULL);
		else
			add_other(jr, rec);
		jr->nrecords++;
	}
}

json_t *jrecords_step_record(const struct jrecords *jr, size_t i,
			     struct error *err)
{
	const struct jrecord_step *st = &jr->step[i];
	unsigned char got[32];
	char hex[SHA256_HEX_LEN + 1];
	char *buf;
	size_t done = 0;
	json_error_t jerr;
	json_t *rec;

	if (st->rec)
		return json_incref(st->rec);
	if (st->len > JOURNAL_LINE_MAX) {
		error_set(err, "journal record %zu: too long", st->index + 1);
		return NULL;
	}
	buf = xmalloc(st->len + 1);
	while (done < st->len) {
		ssize_t n = pread(jr->fd, buf + done, st->len - done,
				  (off_t)(st->off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				error_errno(err, "cannot read journal record %zu",
					    st->index + 1);
			else
				error_set(err, "journal record %zu: the journal "
					  "got shorter while it was read",
					  st->index + 1);
			free(buf);
			return NULL;
		}
		done += (size_t)n;
	}
	sha256_hex(buf, st->len, hex);
	hex_to_bin(hex, got);
	if (memcmp(got, st->sha256, sizeof(got))) {
		error_set(err, "journal record %zu changed while the journal "
			  "was read", st->index + 1);
		free(buf);
		return NULL;
	}
	/*
	 * The bytes the walk parsed (and checked: length, nesting, memory),
	 * so parsed again without that budget's counting.
	 */
	rec = json_loadb(buf, st->len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!json_is_object(rec)) {
		error_set(err, "journal record %zu: %s", st->index + 1,
			  rec ? "not an object" : jerr.text);
		json_decref(rec);
		return NULL;
	}
	return rec;
}

/* The tail read grows to this much at most: a torn line and a whole one. */
#define TAIL_MAX (2 * ((size_t)JOURNAL_LINE_MAX + 1))

json_t *jrecords_tail(const struct jrecords *jr, unsigned long long *off,
		      char hash[SHA256_HEX_LEN + 1])
{
	struct error err = ERROR_INIT;
	struct stat sb;
	size_t want = 64u << 10, got = 0, e, s;
	char *buf = NULL;
	json_t *rec = NULL;

	if (jr->fd < 0 || fstat(jr->fd, &sb) < 0 || sb.st_size <= 0)
		return NULL;
	for (;;) {
		unsigned long long size = (unsigned long long)sb.st_size;
		size_t n = want < size ? want : (size_t)size;

		buf = xrealloc(buf, n);
		got = 0;
		while (got < n) {
			ssize_t r = pread(jr->fd, buf + got, n - got,
					  (off_t)(size - n + got));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				goto out;
			got += (size_t)r;
		}
		/* e: the newline ending the last whole line; s: its start. */
		for (e = n; e > 0 && buf[e - 1] != '\n'; e--)
			;
		for (s = e ? e - 1 : 0; s > 0 && buf[s - 1] != '\n'; s--)
			;
		if (e && (s > 0 || n == size)) {
			*off = size - n + s;
			sha256_hex(buf + s, e - 1 - s, hash);
			rec = journal_parse_record(buf + s, e - 1 - s, &err);
			break;
		}
		if (n == size || want >= TAIL_MAX)
			break;
		want = want * 4 < TAIL_MAX ? want * 4 : TAIL_MAX;
	}
out:
	free(buf);
	error_release(&err);
	return rec;
}

json_t *jrecords_last(const struct jrecords *jr, struct error *err)
{
	size_t n = json_array_size(jr->others);

	if (!jr->nrecords)
		return NULL;
	if (jr->nsteps && jr->step[jr->nsteps - 1].index == jr->nrecords - 1)
		return jrecords_step_record(jr, jr->nsteps - 1, err);
	return json_incref(json_array_get(jr->others, n - 1));
}

json_t *jrecords_outline(const struct jrecords *jr, size_t nsteps)
{
	json_t *out = json_array();
	size_t i, s = 0, o = 0, no = json_array_size(jr->others);
	unsigned char *seen = xcalloc(nsteps ? nsteps : 1, 1);

	for (i = 0; i < jr->nrecords; i++) {
		if (o < no && jr->other_index[o] == i) {
			json_array_append(out, json_array_get(jr->others, o++));
		} else if (s < jr->nsteps && jr->step[s].index == i) {
			const struct jrecord_step *st = &jr->step[s++];

			/* Readers take a step's first record; no other. */
			if (st->n < 1 || (unsigned long long)st->n > nsteps ||
			    seen[st->n - 1])
				continue;
			seen[st->n - 1] = 1;
			json_array_append_new(out, json_pack("{s:s, s:I, s:s}",
				"type", "step", "n", (json_int_t)st->n, "status",
				st->status));
		}
	}
	free(seen);
	return out;
}

/*
 * ---- The typed readers ----------------------------------------------
 *
 * Each record's members are declared once, as schema tables, and bound
 * leniently (schema_bind_lenient(): a member of the wrong type reads as
 * absent); one pass afterwards (schema_empty_text()) makes absent text
 * "", as this header promises. A member that holds another object is
 * bound as its JSON (SCHEMA_RAW) and then by that object's own table,
 * straight into the public struct where the types agree; a `*_wire`
 * struct holds what does not (numbers with their presence, lists).
 */

static const struct schema_field text_item = { .type = SCHEMA_STR };

/* Bound and made whole: what every reader below does with a table. */
static void bind_record(const struct schema *s, json_t *obj, void *out)
{
	schema_bind_lenient(s, obj, out);
	schema_empty_text(s, out);
}

/* A "findings" list of text, taken as jrecord_findings (owning it). */
static void take_findings(struct strvec *sv, struct jrecord_findings *f)
{
	f->n = sv->nr;
	f->v = sv->nr ? strvec_detach(sv) : NULL;
	strvec_clear(sv);
}

static void release_findings(struct jrecord_findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free((char *)f->v[i]);
	free(f->v);
}

struct stream_wire {            /* {"path", "bytes", "head", "tail"} */
	const char *path, *head, *tail;
	struct schema_int bytes;
};
static const struct schema_field stream_fields[] = {
	TXT(struct stream_wire, "path", path),
	TXT(struct stream_wire, "head", head),
	TXT(struct stream_wire, "tail", tail),
	INT(struct stream_wire, "bytes", bytes),
	{ 0 }
};
SCHEMA_OF(struct stream_wire, stream_schema, stream_fields);

static const struct schema_field check_fields[] = {
	TXT(struct jrecord_check, "what", what),
	TXT(struct jrecord_check, "expected", expected),
	TXT(struct jrecord_check, "actual", actual),
	BOOL(struct jrecord_check, "ok", ok),
	{ 0 }
};
SCHEMA_OF(struct jrecord_check, check_schema, check_fields);
static const struct schema_field check_item = { .type = SCHEMA_OBJ,
						.obj = &check_schema };

struct result_wire {
	struct jrecord_result r;
	struct schema_int seq, duration_ms;
	json_t *out, *err;      /* "stdout", "stderr": present as any JSON */
};
static const struct schema_field result_fields[] = {
	TXT(struct result_wire, "status", r.status),
	TXT(struct result_wire, "started", r.started),
	TXT(struct result_wire, "ended", r.ended),
	TXT(struct result_wire, "message", r.message),
	INT(struct result_wire, "seq", seq),
	INT(struct result_wire, "duration_ms", duration_ms),
	RAW(struct result_wire, "exit_code", r.exit_code),
	BOOL(struct result_wire, "timed_out", r.timed_out),
	BOOL(struct result_wire, "resumed", r.resumed),
	RAW(struct result_wire, "stdout", out),
	RAW(struct result_wire, "stderr", err),
	RAW(struct result_wire, "evidence", r.evidence),
	LIST(struct result_wire, "checks", r.checks, r.nchecks, check_item),
	{ 0 }
};
SCHEMA_OF(struct result_wire, result_schema, result_fields);

static void read_stream(json_t *v, struct jrecord_stream *s)
{
	struct stream_wire w;

	memset(&w, 0, sizeof(w));
	bind_record(&stream_schema, v, &w);
	s->present = v != NULL;
	s->path = w.path;
	s->head = w.head;
	s->tail = w.tail;
	s->bytes = (unsigned long long)w.bytes.v;
}

void jrecord_result_read(json_t *rec, struct jrecord_result *r)
{
	struct result_wire w;

	memset(&w, 0, sizeof(w));
	bind_record(&result_schema, rec, &w);
	*r = w.r;
	r->has_seq = w.seq.set;
	r->seq = w.seq.v;
	r->duration_ms = w.duration_ms.v;
	read_stream(w.out, &r->out);
	read_stream(w.err, &r->err);
}

void jrecord_result_release(struct jrecord_result *r)
{
	free(r->checks);
	memset(r, 0, sizeof(*r));
}

/* ---- the start record ------------------------------------------------ */

#define ENV_KEY(k) { #k, offsetof(struct jrecord_env, k) }
const struct jrecord_env_key jrecord_env_keys[] = {
	ENV_KEY(hostname), ENV_KEY(os), ENV_KEY(kernel), ENV_KEY(libpq),
	ENV_KEY(openssl), ENV_KEY(libyaml), ENV_KEY(jansson), ENV_KEY(uid),
	ENV_KEY(user), ENV_KEY(sudo_user), ENV_KEY(tz), ENV_KEY(zone),
	ENV_KEY(ntp_synchronised), { NULL, 0 }
};
#undef ENV_KEY

#define ENV(k) TXT(struct jrecord_env, #k, k)
static const struct schema_field env_fields[] = {
	ENV(hostname), ENV(os), ENV(kernel), ENV(libpq), ENV(openssl),
	ENV(libyaml), ENV(jansson), ENV(uid), ENV(user), ENV(sudo_user),
	ENV(tz), ENV(zone), ENV(ntp_synchronised),
	{ 0 }
};
#undef ENV
SCHEMA_OF(struct jrecord_env, env_schema, env_fields);

static const struct schema_field rolled_fields[] = {
	TXT(struct jrecord_rolled, "name", name),
	TXT(struct jrecord_rolled, "from", from),
	TXT(struct jrecord_rolled, "to", to),
	{ 0 }
};
SCHEMA_OF(struct jrecord_rolled, rolled_schema, rolled_fields);
static const struct schema_field rolled_item = { .type = SCHEMA_OBJ,
						 .obj = &rolled_schema };

static const struct schema_field approval_fields[] = {
	TXT(struct jrecord_approval, "plan_bundle", plan_bundle),
	TXT(struct jrecord_approval, "approver", approver),
	TXT(struct jrecord_approval, "approver_key", approver_key),
	TXT(struct jrecord_approval, "sealed_at", sealed_at),
	TXT(struct jrecord_approval, "valid_until", valid_until),
	LIST(struct jrecord_approval, "rolled_forward", rolled, nrolled,
	     rolled_item),
	{ 0 }
};
SCHEMA_OF(struct jrecord_approval, approval_schema, approval_fields);

static const struct schema_field resumes_fields[] = {
	TXT(struct jrecord_resumes, "bundle", bundle),
	TXT(struct jrecord_resumes, "chain_head", chain_head),
	TXT(struct jrecord_resumes, "destroyed", destroyed),
	{ 0 }
};
SCHEMA_OF(struct jrecord_resumes, resumes_schema, resumes_fields);

struct previous_wire {
	struct jrecord_previous p;
	struct schema_int rto_ms, rpo_ms;
};
static const struct schema_field previous_fields[] = {
	INT(struct previous_wire, "rto_ms", rto_ms),
	INT(struct previous_wire, "rpo_ms", rpo_ms),
	TXT(struct previous_wire, "status", p.status),
	TXT(struct previous_wire, "bundle", p.bundle),
	TXT(struct previous_wire, "started", p.started),
	{ 0 }
};
SCHEMA_OF(struct previous_wire, previous_schema, previous_fields);

/* The start record's levels: itself, its "plan", "drill_file", "context". */
struct start_wire {
	struct jrecord_start s;
	json_t *drill_file, *ctx, *env, *approval, *vars, *resumes,
		*previous, *killed;
};
static const struct schema_field start_fields[] = {
	TXT(struct start_wire, "time", s.time),
	TXT(struct start_wire, "mode", s.mode),
	RAW(struct start_wire, "plan", s.plan),
	RAW(struct start_wire, "context", ctx),
	{ 0 }
};
SCHEMA_OF(struct start_wire, start_schema, start_fields);

static const struct schema_field plan_fields[] = {
	RAW(struct start_wire, "plan", s.body),
	TXT(struct start_wire, "operator", s.operator),
	TXT(struct start_wire, "rdrill_version", s.rdrill_version),
	TXT(struct start_wire, "plan_hash", s.plan_hash),
	RAW(struct start_wire, "drill_file", drill_file),
	{ 0 }
};
SCHEMA_OF(struct start_wire, plan_schema, plan_fields);

static const struct schema_field drill_file_fields[] = {
	TXT(struct start_wire, "path", s.drill_path),
	TXT(struct start_wire, "sha256", s.drill_sha256),
	{ 0 }
};
SCHEMA_OF(struct start_wire, drill_file_schema, drill_file_fields);

static const struct schema_field context_fields[] = {
	TXT(struct start_wire, "bundle", s.bundle),
	TXT(struct start_wire, "signing_key", s.signing_key),
	TXT(struct start_wire, "change_ref", s.change_ref),
	TXT(struct start_wire, "confirm", s.confirm),
	TXT(struct start_wire, "approved_plan", s.approved_plan),
	RAW(struct start_wire, "environment", env),
	RAW(struct start_wire, "approval", approval),
	RAW(struct start_wire, "vars_given", vars),
	RAW(struct start_wire, "resumes", resumes),
	RAW(struct start_wire, "previous", previous),
	RAW(struct start_wire, "killed_before_start", killed),
	{ 0 }
};
SCHEMA_OF(struct start_wire, context_schema, context_fields);

/* vars_given keeps a value of another type, as NULL: the report says so. */
static void read_vars(json_t *vars, struct jrecord_start *s)
{
	const char *name;
	json_t *v;

	if (json_object_size(vars))
		s->vars = xcalloc(json_object_size(vars), sizeof(*s->vars));
	json_object_foreach(vars, name, v) {
		s->vars[s->nvars].name = name;
		s->vars[s->nvars++].value = json_string_value(v);
	}
}

static void read_previous(json_t *pv, struct jrecord_previous *p)
{
	struct previous_wire w;

	memset(&w, 0, sizeof(w));
	bind_record(&previous_schema, pv, &w);
	*p = w.p;
	p->present = json_is_object(pv);
	/* A previous run's figures count only when not negative. */
	p->has_rto = w.rto_ms.set && w.rto_ms.v >= 0;
	p->rto_ms = p->has_rto ? w.rto_ms.v : 0;
	p->has_rpo = w.rpo_ms.set && w.rpo_ms.v >= 0;
	p->rpo_ms = p->has_rpo ? w.rpo_ms.v : 0;
}

void jrecord_start_read(json_t *rec, struct jrecord_start *s)
{
	struct start_wire w;

	memset(&w, 0, sizeof(w));
	bind_record(&start_schema, rec, &w);
	bind_record(&plan_schema, w.s.plan, &w);
	bind_record(&drill_file_schema, w.drill_file, &w);
	bind_record(&context_schema, w.ctx, &w);
	*s = w.s;
	bind_record(&env_schema, w.env, &s->env);
	s->env.present = json_is_object(w.env);
	bind_record(&approval_schema, w.approval, &s->approval);
	read_vars(w.vars, s);
	bind_record(&resumes_schema, w.resumes, &s->resumes);
	s->resumes.present = json_is_object(w.resumes);
	read_previous(w.previous, &s->previous);
	s->killed_before_start = w.killed != NULL;
}

void jrecord_start_release(struct jrecord_start *s)
{
	schema_release(&approval_schema, &s->approval);
	free(s->vars);
	memset(s, 0, sizeof(*s));
}

/* ---- the end record -------------------------------------------------- */

struct fresh_wire {
	struct jrecord_fresh f;
	json_t *lost;           /* "lost_ms" as any JSON */
	struct schema_int lost_ms, backup_made_ms, before_ms, after_ms;
};
static const struct schema_field fresh_fields[] = {
	TXT(struct fresh_wire, "table", f.table),
	TXT(struct fresh_wire, "column", f.column),
	TXT(struct fresh_wire, "coherence", f.coherence),
	{ .key = "before", .type = SCHEMA_STR, .flags = SCHEMA_KEEPNULL,
	  .off = offsetof(struct fresh_wire, f.before) },
	{ .key = "after", .type = SCHEMA_STR, .flags = SCHEMA_KEEPNULL,
	  .off = offsetof(struct fresh_wire, f.after) },
	RAW(struct fresh_wire, "lost_ms", lost),
	INT(struct fresh_wire, "lost_ms", lost_ms),
	INT(struct fresh_wire, "backup_made_ms", backup_made_ms),
	INT(struct fresh_wire, "before_ms", before_ms),
	INT(struct fresh_wire, "after_ms", after_ms),
	{ 0 }
};
SCHEMA_OF(struct fresh_wire, fresh_schema, fresh_fields);
static const struct schema_field fresh_item = { .type = SCHEMA_OBJ,
						.obj = &fresh_schema };

struct end_wire {
	struct jrecord_end e;
	struct schema_int rto_ms, rpo_ms;
	struct strvec findings;
	struct fresh_wire *fresh;
	size_t nfresh;
};
static const struct schema_field end_fields[] = {
	TXT(struct end_wire, "time", e.time),
	TXT(struct end_wire, "reason", e.reason),
	INT(struct end_wire, "rto_ms", rto_ms),
	INT(struct end_wire, "rpo_ms", rpo_ms),
	TXT(struct end_wire, "rpo_path", e.rpo_path),
	TXT(struct end_wire, "rpo_created", e.rpo_created),
	TXT(struct end_wire, "rpo_disaster", e.rpo_disaster),
	TXT(struct end_wire, "rpo_unmeasured", e.rpo_unmeasured),
	TXT(struct end_wire, "rpo_clock", e.rpo_clock),
	TXT(struct end_wire, "rpo_source", e.rpo_source),
	BOOL(struct end_wire, "rpo_doubtful", e.rpo_doubtful),
	{ .key = "findings", .type = SCHEMA_LIST, .item = &text_item,
	  .off = offsetof(struct end_wire, findings) },
	LIST(struct end_wire, "freshness", fresh, nfresh, fresh_item),
	{ 0 }
};
SCHEMA_OF(struct end_wire, end_schema, end_fields);

void jrecord_end_read(json_t *rec, struct jrecord_end *e)
{
	struct end_wire w;
	size_t i;

	memset(&w, 0, sizeof(w));
	bind_record(&end_schema, rec, &w);
	*e = w.e;
	e->present = rec != NULL;
	e->has_rto = w.rto_ms.set;
	e->rto_ms = w.rto_ms.v;
	e->has_rpo = w.rpo_ms.set;
	e->rpo_ms = w.rpo_ms.v;
	take_findings(&w.findings, &e->findings);
	if (w.nfresh)
		e->fresh = xcalloc(w.nfresh, sizeof(*e->fresh));
	for (i = 0; i < w.nfresh; i++) {
		const struct fresh_wire *x = &w.fresh[i];
		struct jrecord_fresh *f = &e->fresh[e->nfresh++];

		*f = x->f;
		f->has_lost = x->lost != NULL;
		f->lost_is_int = x->lost_ms.set;
		f->lost_ms = x->lost_ms.v;
		f->backup_made_ms = x->backup_made_ms.v;
		f->before_ms = x->before_ms.v;
		f->after_ms = x->after_ms.v;
	}
	schema_release(&end_schema, &w);
}

void jrecord_end_release(struct jrecord_end *e)
{
	release_findings(&e->findings);
	free(e->fresh);
	memset(e, 0, sizeof(*e));
}

/* ---- backup and destroy records --------------------------------------- */

struct backup_wire {
	struct jrecord_backup b;
	const char *type;
	struct schema_int total;
	json_t *candidates;
	struct strvec findings;
};
static const struct schema_field backup_fields[] = {
	TXT(struct backup_wire, "type", type),
	TXT(struct backup_wire, "item", b.item),
	TXT(struct backup_wire, "rule", b.rule),
	TXT(struct backup_wire, "chosen", b.chosen),
	TXT(struct backup_wire, "created", b.created),
	TXT(struct backup_wire, "problem", b.problem),
	TXT(struct backup_wire, "clock", b.clock),
	INT(struct backup_wire, "candidates_total", total),
	RAW(struct backup_wire, "candidates", candidates),
	BOOL(struct backup_wire, "fell_back", b.fell_back),
	{ .key = "findings", .type = SCHEMA_LIST, .item = &text_item,
	  .off = offsetof(struct backup_wire, findings) },
	{ 0 }
};
SCHEMA_OF(struct backup_wire, backup_schema, backup_fields);

int jrecord_backup_read(json_t *rec, struct jrecord_backup *b)
{
	struct backup_wire w;
	int is_backup;

	memset(&w, 0, sizeof(w));
	memset(b, 0, sizeof(*b));
	bind_record(&backup_schema, rec, &w);
	is_backup = !strcmp(w.type, "backup");
	if (is_backup) {
		*b = w.b;
		/* Past 100, the record keeps some; the total is its own field. */
		b->ncandidates = w.total.set ? w.total.v :
			(long long)json_array_size(w.candidates);
		take_findings(&w.findings, &b->findings);
	}
	schema_release(&backup_schema, &w);
	return is_backup;
}

void jrecord_backup_release(struct jrecord_backup *b)
{
	release_findings(&b->findings);
	memset(b, 0, sizeof(*b));
}

struct destroy_wire {
	struct jrecord_destroy x;
	const char *type;
};
static const struct schema_field destroy_fields[] = {
	TXT(struct destroy_wire, "type", type),
	RAW(struct destroy_wire, "n", x.n),
	TXT(struct destroy_wire, "id", x.id),
	TXT(struct destroy_wire, "time", x.time),
	{ 0 }
};
SCHEMA_OF(struct destroy_wire, destroy_schema, destroy_fields);

int jrecord_destroy_read(json_t *rec, struct jrecord_destroy *x)
{
	struct destroy_wire w;

	memset(&w, 0, sizeof(w));
	memset(x, 0, sizeof(*x));
	bind_record(&destroy_schema, rec, &w);
	if (strcmp(w.type, "destroy"))
		return 0;
	*x = w.x;
	return 1;
}
