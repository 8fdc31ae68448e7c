#include "error.h"
#include "exec.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

/*
 * Command output need not be UTF-8; the journal's strings must be. The
 * step log keeps the exact bytes, so the excerpt may lose some: each byte
 * that is not UTF-8 becomes U+FFFD and the text around it stays evidence.
 */
static json_t *lossy_string(const struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	json_t *r;

	utf8_add_lossy(&out, sb->buf, sb->len);
	r = json_stringn(out.buf, out.len);
	strbuf_release(&out);
	return r;
}

static json_t *stream_json(const char *path, unsigned long long bytes,
			   const struct strbuf *head, const struct strbuf *tail)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "head", lossy_string(head));
	if (tail->len)
		json_object_set_new(o, "tail", lossy_string(tail));
	return o;
}

/*
 * pg_restore and psql may exit 0 after errors they only warn about
 * ("errors ignored on restore: 3", REFERENCE.md): a restore that lost
 * objects must not pass because of an exit code.
 */
static const char *const warned_errors[] = {
	"errors ignored on restore:",
	"ERROR:  ",
	NULL,
};

/* secret_env: NAME gets the value of rdrill's SOURCE, redacted everywhere. */
static int add_secret_env(struct step_ctx *sc, struct exec_cmd *cmd,
			  struct error *err)
{
	json_t *se = json_object_get(sc->step, "secret_env"), *v;
	const char *name;

	json_object_foreach(se, name, v) {
		const char *src = json_string_value(v), *val = getenv(src);

		if (!val)
			return error_set(err, "secret_env %s: the environment "
					 "variable %s is not set", name, src);
		strvec_pushf(&cmd->env, "%s=%s", name, val);
		strvec_push_unique(sc->secrets, val);
	}
	return 0;
}

int step_command(struct step_ctx *sc, struct error *err)
{
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct strbuf out_rel = STRBUF_INIT, out_abs = STRBUF_INIT,
		      err_rel = STRBUF_INIT, err_abs = STRBUF_INIT,
		      sb = STRBUF_INIT;
	json_t *run = json_object_get(sc->step, "run"), *v, *expect;
	const char *name;
	size_t i;
	int ret = -1, ok = 0;

	if (run) {
		json_array_foreach(run, i, v)
			strvec_push(&cmd.argv, json_string_value(v));
	} else {
		strvec_push(&cmd.argv, "/bin/sh");
		strvec_push(&cmd.argv, "-c");
		strvec_push(&cmd.argv, json_string_value(json_object_get(sc->step,
									 "shell")));
	}
	step_exec_prepare(sc, &cmd);
	json_object_foreach(json_object_get(sc->step, "env"), name, v)
		strvec_pushf(&cmd.env, "%s=%s", name, json_string_value(v));
	if (add_secret_env(sc, &cmd, err) < 0)
		goto out;
	cmd.cwd = json_string_value(json_object_get(sc->step, "cwd"));
	cmd.run_as = json_string_value(json_object_get(sc->step, "run_as"));
	cmd.watch = warned_errors;
	step_log_path(sc, "out", &out_rel, &out_abs);
	step_log_path(sc, "err", &err_rel, &err_abs);
	cmd.stdout_path = out_abs.buf;
	cmd.stderr_path = err_abs.buf;

	if (exec_run(&cmd, &res, err) < 0) {
		if (res.exec_failed)
			json_object_set_new(sc->rec, "exec_error",
					    json_string(err->msg.buf));
		goto out;
	}
	json_object_set_new(sc->rec, "exit_code", json_integer(res.exit_code));
	if (res.signal)
		json_object_set_new(sc->rec, "signal", json_integer(res.signal));
	if (res.timed_out)
		json_object_set_new(sc->rec, "timed_out", json_true());
	if (res.cancelled)
		json_object_set_new(sc->rec, "cancelled", json_true());
	json_object_set_new(sc->rec, "stdout", stream_json(out_rel.buf,
			    res.out_bytes, &res.out_head, &res.out_tail));
	json_object_set_new(sc->rec, "stderr", stream_json(err_rel.buf,
			    res.err_bytes, &res.err_head, &res.err_tail));

	expect = json_object_get(sc->step, "expect_exit");
	json_array_foreach(expect, i, v) {
		strbuf_addf(&sb, "%s%lld", i ? " or " : "",
			    (long long)json_integer_value(v));
		if (json_integer_value(v) == res.exit_code)
			ok = 1;
	}
	if (res.timed_out || res.cancelled)
		ok = 0;
	{
		struct strbuf act = STRBUF_INIT;
		strbuf_addf(&act, "%d", res.exit_code);
		if (res.signal)
			strbuf_addf(&act, " (signal %d)", res.signal);
		if (res.timed_out)
			strbuf_addf(&act, " (timed out after %llds)", (long long)
				    json_integer_value(json_object_get(sc->step,
								       "timeout_s")));
		if (res.cancelled)
			strbuf_adds(&act, " (interrupted)");
		step_check(sc, "exit code", sb.buf, act.buf, ok);
		strbuf_release(&act);
	}
	for (i = 0; warned_errors[i]; i++)
		if (res.watch_seen & 1u << i)
			break;
	/* Allowed or not, what was seen is on the record. */
	if (warned_errors[i] && json_is_true(json_object_get(sc->step,
						"allow_stderr_errors")))
		step_check(sc, "errors in output", "allowed by the drill",
			   warned_errors[i], 1);
	else if (warned_errors[i])
		step_check(sc, "errors in output", "none", warned_errors[i], 0);
	ret = 0;
out:
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	strbuf_release(&out_rel);
	strbuf_release(&out_abs);
	strbuf_release(&err_rel);
	strbuf_release(&err_abs);
	strbuf_release(&sb);
	return ret;
}
