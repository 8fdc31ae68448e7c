#include "step.h"
#include "exec.h"
#include "strbuf.h"

#include <string.h>

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

json_t *step_params(struct step_ctx *sc)
{
	const char *kind = json_string_value(json_object_get(sc->step, "kind"));

	return kind ? json_object_get(sc->step, kind) : NULL;
}

void step_log_path(struct step_ctx *sc, const char *suffix,
		   struct strbuf *rel, struct strbuf *abs)
{
	strbuf_reset(rel);
	strbuf_addf(rel, "steps/%02lld-%s.%s",
		    (long long)json_integer_value(json_object_get(sc->step, "n")),
		    json_string_value(json_object_get(sc->step, "id")), suffix);
	strbuf_reset(abs);
	strbuf_addf(abs, "%s/%s", sc->bundle, rel->buf);
}

void step_exec_prepare(struct step_ctx *sc, struct exec_cmd *cmd)
{
	size_t i;

	cmd->timeout_ms = (unsigned long)json_integer_value(
		json_object_get(sc->step, "timeout_s")) * 1000;
	cmd->cancel = sc->cancel;
	cmd->redact = sc->secrets->v;
	for (i = 0; sc->secret_vars && i < sc->secret_vars->nr; i++)
		strvec_push(&cmd->env, sc->secret_vars->v[i]);
}
