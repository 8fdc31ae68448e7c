/*
 * wait: poll until PostgreSQL accepts connections, instead of the
 * runbook's `sleep 15`, and record how long it took.
 */
#include "drill.h"
#include "error.h"
#include "pg.h"
#include "schema.h"
#include "plan.h"
#include "step.h"
#include "words.h"
#include "strbuf.h"

struct wait_params {
	const char *connection;
	struct schema_int timeout_s;
};

static const struct schema_field wait_fields[] = {
	{ .key = "connection", .type = SCHEMA_CONN, .flags = SCHEMA_REQ,
	  .off = offsetof(struct wait_params, connection) },
	{ .key = "timeout", .type = SCHEMA_DURATION, .def = "60",
	  .off = offsetof(struct wait_params, timeout_s) },
	{ NULL },
};

static const struct schema wait_schema = {
	"wait", wait_fields, sizeof(struct wait_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "wait", .type = SCHEMA_OBJ, .obj = &wait_schema },
	{ NULL },
};

static const char *const selectors[] = { "wait", NULL };

static long wait_timeout_s(const struct wait_params *p)
{
	return p->timeout_s.set && p->timeout_s.v > 0 ? p->timeout_s.v : 60;
}

static void wait_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct wait_params *p = s->params;

	strbuf_addf(out, "wait until '%s' accepts connections (at most %lds)",
		    p->connection, wait_timeout_s(p));
}

static void wait_target(const struct drill *d, const struct drill_step *s,
			struct strvec *lines)
{
	const struct wait_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	plan_conn_target(d, p->connection, &sb);
	strvec_push(lines, sb.buf);
	strbuf_release(&sb);
}

static int wait_run(struct step_ctx *sc, struct error *err)
{
	const struct wait_params *p = STEP_PARAMS(sc, struct wait_params);
	const char *name = p->connection;
	const struct drill_conn *conn = drill_conn(sc->drill, name);
	long timeout_s = wait_timeout_s(p);
	struct pg_wait_result res;
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	long long limit_ms;
	json_t *ev;

	if (!conn)
		return error_set(err, "no connection named '%s'",
				 name ? name : "");
	/* Its own limit, or the step's timeout when that comes first. */
	limit_ms = deadline_clamp_ms(&sc->deadline, timeout_s * 1000LL);
	if (pg_wait(conn, (long)limit_ms, sc->cancel, &res, err) < 0) {
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

	/* What it waited at most, said as it was (the step's, if shorter). */
	if (limit_ms < timeout_s * 1000LL) {
		timeout_s = (long)((limit_ms + 999) / 1000);
		json_object_set_new(ev, "step_timeout_first", json_true());
	}
	strbuf_addf(&exp, "within %lds", timeout_s);
	if (res.ok)
		strbuf_addf(&act, "after %.1f s (%d attempt%s)",
			    res.elapsed_ms / 1000.0, res.attempts,
			    res.attempts == 1 ? "" : "s");
	else
		strbuf_addf(&act, "not after %lds: %s (%d attempts)",
			    timeout_s, pg_ping_text(res.last), res.attempts);
	step_check(sc, "accepts connections", exp.buf, act.buf, res.ok);
	strbuf_release(&exp);
	strbuf_release(&act);
	return 0;
}

static const struct words wait_words[] = {
	{ NULL, "wait until '{}' accepts connections (at most {n}s)",
	  "等待 {} 可连接（最多 {n} 秒）" },
	{ NULL, "accepts connections", "可连接" },
	{ NULL, "within {n}s", "不超过 {n} 秒" },
	{ NULL, "after {n} s (1 attempt)", "用时 {n} 秒（1 次尝试）" },
	{ NULL, "after {n} s ({n} attempts)", "用时 {n} 秒（{n} 次尝试）" },
	{ NULL, "not after {n}s: {w} ({n} attempts)",
	  "{n} 秒后仍不可连接：{w}（{n} 次尝试）" },
	{ NULL, "accepting connections", "接受连接" },
	{ NULL, "running but rejecting connections (starting up or shutting "
	  "down)", "运行中但拒绝连接（正在启动或关闭）" },
	{ NULL, "no response", "无响应" },
	{ NULL, "no attempt (unusable connection parameters)",
	  "未尝试（连接参数不可用）" },
	{ NULL, "unknown", "未知" },
	WORDS_END
};

const struct step_kind step_kind_wait = {
	.name = "wait",
	.selectors = selectors,
	.noun = "wait steps",
	.fields = step_fields,
	.params = &wait_schema,
	.params_key = "wait",
	.describe = wait_describe,
	.words = wait_words,
	.target = wait_target,
	.run = wait_run,
};
