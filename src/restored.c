#include "restored.h"
#include "drill.h"
#include "error.h"
#include "expand.h"
#include "journal.h"
#include "plan.h"
#include "step.h"
#include "strbuf.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The first record of each step, by n (NULL: it did not run). */
static json_t **step_records(json_t *records, size_t nsteps)
{
	json_t **v = xcalloc(nsteps ? nsteps : 1, sizeof(*v)), *r;
	size_t i;

	json_array_foreach(records, i, r) {
		json_int_t n = json_integer_value(json_object_get(r, "n"));

		if (!strcmp(journal_str(r, "type"), "step") && n >= 1 &&
		    (size_t)n <= nsteps && !v[n - 1])
			v[n - 1] = r;
	}
	return v;
}

static int done(json_t *rec)
{
	const char *st = journal_str(rec, "status");

	return rec && (!strcmp(st, "passed") || !strcmp(st, "skipped"));
}

int restored_left_destroyed(json_t *records, const struct drill *d)
{
	json_t **v, *r;
	size_t i;
	int destroyed = 0, verify = 0, verified = 1, restored = 1;

	json_array_foreach(records, i, r)
		if (!strcmp(journal_str(r, "type"), "destroy"))
			destroyed = 1;
	v = step_records(records, d->nsteps);
	for (i = 0; i < d->nsteps; i++) {
		const struct drill_step *s = &d->steps[i];

		if (s->destructive && v[i])
			destroyed = 1;
		if (s->phase == DRILL_VERIFY_RESTORE) {
			verify = 1;
			verified &= done(v[i]);
		} else if (s->phase == DRILL_RESTORE) {
			restored &= done(v[i]);
		}
	}
	free(v);
	return destroyed && !(verify ? verified : restored);
}

const char *restored_verdict(json_t *records, const struct drill *d)
{
	json_t *start = json_array_get(records, 0), *r, *end = NULL;
	struct drill *own = NULL;
	struct error err = ERROR_INIT;
	const char *st;
	size_t i;
	int left;

	if (!strcmp(journal_str(start, "mode"), "plan"))
		return "PLANNED";
	json_array_foreach(records, i, r)
		if (!strcmp(journal_str(r, "type"), "end") && !end)
			end = r;
	st = end ? journal_str(end, "status") : "INCOMPLETE";
	if (!strcmp(st, "PASSED") || !strcmp(st, "REFUSED") ||
	    !strcmp(st, RESTORED_WORD))
		return st;
	if (!d)
		d = own = drill_from_body(json_object_get(json_object_get(start,
			"plan"), "plan"), &err);
	left = d && restored_left_destroyed(records, d);
	drill_free(own);
	error_release(&err);
	return left ? RESTORED_WORD : st;
}

/* `cd DIR && [sudo -u USER] [VAR="$SOURCE" ...] COMMAND`, pasteable. */
static void paste_command(const struct drill_step *s, struct strbuf *out)
{
	json_t *j = s->json, *env = json_object_get(j, "secret_env"), *v;
	const char *cwd = journal_str(j, "cwd"), *user = journal_str(j, "run_as");
	const char *shell = journal_str(j, "shell"), *k;

	if (!s->display)
		return;
	if (*cwd) {
		strbuf_adds(out, "cd ");
		strbuf_add_shquoted(out, cwd);
		strbuf_adds(out, " && ");
	}
	if (*user) {
		strbuf_adds(out, "sudo -u ");
		strbuf_add_shquoted(out, user);
		strbuf_adds(out, json_object_size(env) ? " env " : " ");
	}
	/* A secret by the name of the variable that holds it, never its value. */
	json_object_foreach(env, k, v)
		strbuf_addf(out, "%s=\"$%s\" ", k, json_string_value(v) ?
			    json_string_value(v) : k);
	if (*shell) {
		strbuf_adds(out, "sh -c ");
		strbuf_add_shquoted(out, shell);
	} else {
		strbuf_adds(out, s->display);
	}
}

/*
 * The drill with the files its run picked for scheduled items filled
 * in, as the runner ran it (NULL: none picked, or they do not fit).
 */
static struct drill *with_picks(json_t *records, const struct drill *d)
{
	json_t *paths = json_object(), *r, *body;
	struct strbuf missing = STRBUF_INIT;
	struct error err = ERROR_INIT;
	struct drill *out = NULL;
	size_t i;

	json_array_foreach(records, i, r)
		if (!strcmp(journal_str(r, "type"), "backup") &&
		    !strcmp(journal_str(r, "status"), "picked"))
			json_object_set(paths, journal_str(r, "item"),
					json_object_get(r, "chosen"));
	if (json_object_size(paths)) {
		body = json_deep_copy(d->body);
		if (expand_deferred_tree(json_object_get(body, "steps"), paths,
					 &missing) == 0)
			out = drill_from_body(body, &err);
		json_decref(body);
	}
	if (out && out->nsteps != d->nsteps) {
		drill_free(out);
		out = NULL;
	}
	json_decref(paths);
	strbuf_release(&missing);
	error_release(&err);
	return out;
}

json_t *restored_pending(json_t *records, const struct drill *d)
{
	json_t *out = json_array(), **v = step_records(records, d->nsteps);
	struct drill *picked = with_picks(records, d);
	size_t i;

	for (i = 0; i < d->nsteps; i++) {
		const struct drill_step *s = &d->steps[i];
		struct strbuf cmd = STRBUF_INIT, desc = STRBUF_INIT;
		json_t *o;

		if ((s->phase != DRILL_RESTORE &&
		     s->phase != DRILL_VERIFY_RESTORE) || done(v[i]))
			continue;
		paste_command(picked ? &picked->steps[i] : s, &cmd);
		plan_step_describe(s, &desc);
		o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}",
			      "n", (json_int_t)s->n, "id", s->id,
			      "title", s->title && *s->title ? s->title : s->id,
			      "phase", drill_phases[s->phase],
			      "status", v[i] ? journal_str(v[i], "status") :
			      "not run", "command", cmd.buf,
			      "describe", desc.buf);
		json_array_append_new(out, o);
		strbuf_release(&cmd);
		strbuf_release(&desc);
	}
	free(v);
	drill_free(picked);
	return out;
}

json_t *restored_state(json_t *records)
{
	json_t *r;
	size_t i;

	json_array_foreach(records, i, r)
		if (!strcmp(journal_str(r, "type"), "destroy"))
			return json_object_get(r, "state");
	return NULL;
}
