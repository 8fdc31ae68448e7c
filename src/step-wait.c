/*
 * wait: poll until PostgreSQL accepts connections, instead of the
 * runbook's `sleep 15`, and record how long it took.
 */
#include "error.h"
#include "pg.h"
#include "step.h"
#include "strbuf.h"

int step_wait(struct step_ctx *sc, struct error *err)
{
	json_t *params = step_params(sc), *ev;
	const char *name = json_string_value(json_object_get(params, "connection"));
	json_t *conn = json_object_get(json_object_get(sc->body, "connections"),
				       name ? name : "");
	long long timeout_s = json_integer_value(json_object_get(params,
								 "timeout_s"));
	struct pg_wait_result res;
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;

	if (!conn)
		return error_set(err, "no connection named '%s'",
				 name ? name : "");
	if (timeout_s <= 0)
		timeout_s = 60;
	if (pg_wait(conn, (long)timeout_s * 1000, sc->cancel, &res, err) < 0) {
		error_prefix(err, "connection '%s'", name);
		return -1;
	}
	ev = json_object();
	json_object_set_new(ev, "connection", json_string(name));
	json_object_set_new(ev, "timeout_s", json_integer(timeout_s));
	json_object_set_new(ev, "attempts", json_integer(res.attempts));
	json_object_set_new(ev, "elapsed_ms", json_integer(res.elapsed_ms));
	json_object_set_new(ev, "last_ping", json_string(pg_ping_text(res.last)));
	json_object_set_new(sc->rec, "evidence", ev);

	strbuf_addf(&exp, "within %llds", timeout_s);
	if (res.ok)
		strbuf_addf(&act, "after %.1f s (%d attempt%s)",
			    res.elapsed_ms / 1000.0, res.attempts,
			    res.attempts == 1 ? "" : "s");
	else
		strbuf_addf(&act, "not after %llds: %s (%d attempts)",
			    timeout_s, pg_ping_text(res.last), res.attempts);
	step_check(sc, "accepts connections", exp.buf, act.buf, res.ok);
	strbuf_release(&exp);
	strbuf_release(&act);
	return 0;
}
