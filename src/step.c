#include "step.h"
#include "drill.h"
#include "exec.h"
#include "strbuf.h"

#include <string.h>

/*
 * The step kinds, in the order the loader tries their keys and lists
 * them in errors ("give it one of run, shell, checksum, ...").
 */
const struct step_kind *const step_kinds[] = {
	&step_kind_command,
	&step_kind_checksum,
	&step_kind_toc,
	&step_kind_sql,
	&step_kind_files,
	&step_kind_wait,
	&step_kind_canary,
	&step_kind_fingerprint,
	NULL,
};

const struct step_kind *step_kind_find(const char *name)
{
	const struct step_kind *const *k;

	for (k = step_kinds; name && *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

int step_check(struct step_ctx *sc, const char *what, const char *expected,
	       const char *actual, int ok)
{
	json_t *checks = json_object_get(sc->rec, "checks"), *c = json_object();
	json_t *act = json_string(actual ? actual : "");

	if (!checks) {
		checks = json_array();
		json_object_set_new(sc->rec, "checks", checks);
	}
	json_object_set_new(c, "what", json_string(what ? what : ""));
	json_object_set_new(c, "expected", json_string(expected ? expected : ""));
	/* Actual values come from servers and files: keep them valid JSON. */
	json_object_set_new(c, "actual", act ? act :
			    json_string("(not valid UTF-8)"));
	json_object_set_new(c, "ok", json_boolean(ok));
	json_array_append_new(checks, c);
	return ok;
}

void step_log_path(struct step_ctx *sc, const char *suffix,
		   struct strbuf *rel, struct strbuf *abs)
{
	strbuf_reset(rel);
	strbuf_addf(rel, "steps/%02ld-%s.%s", sc->step->n, sc->step->id, suffix);
	strbuf_reset(abs);
	strbuf_addf(abs, "%s/%s", sc->bundle, rel->buf);
}

void step_exec_prepare(struct step_ctx *sc, struct exec_cmd *cmd)
{
	size_t i;

	cmd->timeout_ms = (unsigned long)sc->step->timeout_s * 1000;
	cmd->cancel = sc->cancel;
	cmd->redact = sc->secrets->v;
	for (i = 0; sc->secret_vars && i < sc->secret_vars->nr; i++)
		strvec_push(&cmd->env, sc->secret_vars->v[i]);
}
