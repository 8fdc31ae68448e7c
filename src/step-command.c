/*
 * command: run one program (run: argv) or script (shell:), capture its
 * output into the bundle, and check its exit code and error text.
 */
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "preflight.h"
#include "report.h"
#include "schema.h"
#include "sha256.h"
#include "ssh.h"
#include "step.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"
#include "ytree.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/*
 * The log's SHA-256 goes into the record so the chain covers its bytes.
 * exec.c hashed them as it wrote them (`hashed`); only when it could not
 * (one file for both streams) is the file read again.
 */
static json_t *stream_json(const char *path, const char *abs,
			   unsigned long long bytes, const char *hashed,
			   const struct strbuf *head, const struct strbuf *tail)
{
	json_t *o = json_object();
	struct error e = ERROR_INIT;
	char hex[SHA256_HEX_LEN + 1];

	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
	if (hashed[0])
		json_object_set_new(o, "sha256", json_string(hashed));
	else if (sha256_file_hex(abs, hex, NULL, &e) == 0)
		json_object_set_new(o, "sha256", json_string(hex));
	error_release(&e);
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

/* A remote step: ssh's connect timeout, and the local backstop's slack. */
#define REMOTE_CONNECT_S 30
#define REMOTE_BACKSTOP_S 30

struct command_params {
	struct strvec run;
	const char *shell;
	const char *cwd;
	struct schema_kv env;
	struct schema_kv secret_env;
	long *expect_exit;
	size_t nexpect;
	const char *run_as;
	int allow_stderr_errors;
	const char *host;
};

#define F(m) offsetof(struct command_params, m)

static const struct schema_field f_arg = { .type = SCHEMA_STR };
static const struct schema_field f_env = { .type = SCHEMA_STR };
static const struct schema_field f_lit = { .type = SCHEMA_LIT,
					   .flags = SCHEMA_NONEMPTY };
static const struct schema_field f_exit = { .type = SCHEMA_INT, .min = 0,
					    .max = 255 };

static const struct schema_field command_fields[] = {
	{ .key = "run", .type = SCHEMA_LIST, .flags = SCHEMA_NONEMPTY,
	  .item = &f_arg, .off = F(run),
	  .help = "a list: program and arguments, one per item" },
	{ .key = "shell", .type = SCHEMA_SHELL, .flags = SCHEMA_NONEMPTY,
	  .off = F(shell) },
	{ .key = "cwd", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(cwd) },
	{ .key = "env", .type = SCHEMA_MAP, .item = &f_env, .off = F(env) },
	{ .key = "secret_env", .type = SCHEMA_MAP, .item = &f_lit,
	  .off = F(secret_env),
	  .help = "NAME: SOURCE_VAR, the value read from rdrill's environment" },
	{ .key = "expect_exit", .type = SCHEMA_LIST, .flags = SCHEMA_NONEMPTY,
	  .item = &f_exit, .off = F(expect_exit), .off2 = F(nexpect),
	  .def = "[0]" },
	{ .key = "run_as", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(run_as) },
	{ .key = "allow_stderr_errors", .type = SCHEMA_BOOL,
	  .off = F(allow_stderr_errors),
	  .help = "true: 'ERROR:  ' on stderr is expected, not a failure" },
	{ .key = "host", .type = SCHEMA_LIT, .flags = SCHEMA_NONEMPTY,
	  .off = F(host),
	  .help = "an ssh_hosts: name: run it there over SSH" },
	{ NULL },
};

static const struct schema command_schema = {
	"command step", command_fields, sizeof(struct command_params), 0, NULL };

static const char *const selectors[] = { "run", "shell", NULL };

/*
 * host: names a declared ssh_hosts: entry; the remote user is that
 * host's, so run_as (a local user switch) has no meaning there.
 */
static int check_host(struct drill_step_check *k)
{
	const struct command_params *p = k->step->params;
	const struct ynode *n = k->node, *at = ynode_get(n, "host");
	const struct ynode *hosts = ynode_get(schema_ctx_root(k->c),
					      "ssh_hosts");

	if (!p->host)
		return 0;
	if (!hosts || !ynode_get(hosts, p->host))
		return schema_error_at(k->c, at ? at : n, "unknown ssh host "
				       "'%s' (define it under ssh_hosts:)",
				       p->host);
	if (p->run_as)
		return schema_error_at(k->c, ynode_get(n, "run_as"), "run_as "
				       "cannot be used with host: the remote "
				       "user is the ssh host's user");
	return 0;
}

/* The command as the plan, the terminal and the report show it. */
static int command_check(struct drill_step_check *k)
{
	const struct command_params *p = k->step->params;
	size_t i;

	if (check_host(k) < 0)
		return -1;
	for (i = 0; i < p->run.nr; i++) {
		if (i)
			strbuf_addch(k->display, ' ');
		strbuf_add_shquoted(k->display, p->run.v[i]);
	}
	if (!p->run.nr && p->shell)
		strbuf_adds(k->display, p->shell);
	return 0;
}

static void command_describe(const struct drill_step *s, struct strbuf *out)
{
	if (s->display)
		strbuf_adds(out, s->display);
}

static void command_context(const struct drill_step *s, struct strvec *lines)
{
	const struct command_params *p = s->params;

	if (p->cwd)
		strvec_pushf(lines, "cd %s", p->cwd);
	if (p->run_as)
		strvec_pushf(lines, "as user %s", p->run_as);
	if (p->host)
		strvec_pushf(lines, "on ssh host %s", p->host);
}

static void command_view(const struct step_view *v)
{
	static const char *const own_keys[] = { "cwd", "run_as",
		"expect_exit", "secret_env", "host", NULL };
	const struct drill_step *s = v->step;
	const struct command_params *p = s->params;
	json_t *vs = v->vs;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	/* null, not absent: Mustache would look in the report's view. */
	for (i = 0; own_keys[i]; i++)
		json_object_set_new(vs, own_keys[i], json_null());
	report_view_data(vs, "cwd", p->cwd);
	report_view_data(vs, "run_as", p->run_as);
	report_view_code(vs, "cwd");
	report_view_code(vs, "run_as");
	report_view_data(vs, "host", p->host);
	report_view_code(vs, "host");
	/* The command is the author's: shown as written, never said. */
	report_view_data(vs, "describe", s->display);
	if (p->host) {
		/* Where it runs, as a comment of the block (data, not prose). */
		struct strbuf on = STRBUF_INIT;
		strbuf_addf(&on, "# on ssh host %s", p->host);
		words_data(&sb, on.buf);
		strbuf_addch(&sb, '\n');
		strbuf_release(&on);
	}
	if (p->cwd) {
		/* "cd DIR" is a command as the step runs it, kept. */
		struct strbuf cd = STRBUF_INIT;
		strbuf_addf(&cd, "cd %s", p->cwd);
		words_data(&sb, cd.buf);
		strbuf_addch(&sb, '\n');
		strbuf_release(&cd);
	}
	if (s->display)
		words_data(&sb, s->display);
	report_view_block(vs, "command_block", sb.buf, sb.len,
			  p->shell ? "sh" : "bash");
	strbuf_reset(&sb);
	for (i = 0; i < p->nexpect; i++)
		strbuf_addf(&sb, "%s%ld", i ? ", " : "", p->expect_exit[i]);
	report_view_data(vs, "expect_exit", sb.buf);
	strbuf_reset(&sb);
	for (i = 0; i < p->secret_env.keys.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", p->secret_env.keys.v[i]);
	report_view_data(vs, "secret_env", sb.buf);
	strbuf_release(&sb);
}

/*
 * An allowed error in the output and an allowed exit code other than 0
 * passed, but page 1 says so: each is a finding, the error found in
 * the log.
 */
static const char *command_passed_finding(const char *what,
					  const char *expected,
					  const char *actual,
					  const char **needle)
{
	(void)expected;
	if (!strcmp(what, "errors in output")) {
		*needle = actual;
		return "f_allowed_error";
	}
	if (!strcmp(what, "exit code") && strcmp(actual, "0"))
		return "f_allowed_exit";
	return NULL;
}

static const struct words command_words[] = {
	{ NULL, "exit code", "退出码" },
	{ NULL, "errors in output", "输出中的错误" },
	{ NULL, "allowed by the drill", "演练文件允许" },
	{ "exit code", "{n}", "{n}" },
	{ "exit code", "{n} or {w}", "{n} 或 {w}" },
	{ "exit code", "{n} (signal {n})", "{n}（信号 {n}）" },
	{ "exit code", "{n} (timed out after {n}s)", "{n}（{n} 秒后超时）" },
	{ "exit code", "{n} (interrupted)", "{n}（被中断）" },
	{ "exit code", "{n} (signal {n}) (timed out after {n}s)",
	  "{n}（信号 {n}）（{n} 秒后超时）" },
	{ "exit code", "{n} (signal {n}) (interrupted)", "{n}（信号 {n}）（被中断）" },
	/* The text found in the output: the program's, as it wrote it. */
	{ "errors in output", "{}", "{}" },
	{ NULL, "in container {}", "容器 {}" },
	{ NULL, "the compose project in {}", "{} 中的 `compose` 项目" },
	{ NULL, "the compose project in rdrill's working directory",
	  "rdrill 工作目录中的 `compose` 项目" },
	WORDS_END
};

static void command_secret_vars(const struct drill_step *s,
				struct strvec *vars)
{
	const struct command_params *p = s->params;

	strvec_pushv(vars, p->secret_env.vals.v);
}

static const char *basename_of(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

/*
 * The container a `docker|podman exec|cp` command reaches, for the
 * approver: argv only (a shell: script is shown as it is).
 */
static void command_target(const struct drill *d, const struct drill_step *s,
			   struct strvec *lines)
{
	const struct command_params *p = s->params;
	const char *const *v = p->run.v;
	size_t i, n = p->run.nr;

	if (p->host) {
		const struct drill_ssh_host *h = drill_ssh_host(d, p->host);
		struct strbuf sb = STRBUF_INIT;

		if (h)
			ssh_describe(h, &sb);
		strvec_pushf(lines, "on ssh host %s (%s)", p->host,
			     sb.len ? sb.buf : "undeclared");
		strbuf_release(&sb);
	}
	for (i = 0; i < n; i++)
		if (!strcmp(basename_of(v[i]), "docker") ||
		    !strcmp(basename_of(v[i]), "podman"))
			break;
	if (i + 1 >= n)
		return;
	if (!strcmp(v[i + 1], "exec")) {
		/* Options before the container; these take the next word. */
		for (i += 2; i < n && v[i][0] == '-'; i++)
			if (strlen(v[i]) == 2 && strchr("euw", v[i][1]))
				i++;
			else if (!strcmp(v[i], "--user") ||
				 !strcmp(v[i], "--env") ||
				 !strcmp(v[i], "--workdir"))
				i++;
		if (i < n)
			strvec_pushf(lines, "in container %s", v[i]);
	} else if (!strcmp(v[i + 1], "cp")) {
		for (i += 2; i < n; i++) {
			const char *colon = strchr(v[i], ':');
			if (v[i][0] != '-' && v[i][0] != '/' && colon &&
			    colon > v[i])
				strvec_pushf(lines, "in container %.*s",
					     (int)(colon - v[i]), v[i]);
		}
	} else if (!strcmp(v[i + 1], "compose")) {
		strvec_pushf(lines, "the compose project in %s",
			     p->cwd ? p->cwd : "rdrill's working directory");
	}
}

static void command_needs(const struct drill_step *s, struct step_needs *n)
{
	const struct command_params *p = s->params;

	const char *prog = p->run.nr ? p->run.v[0] : "/bin/sh";
	const char *base = strrchr(prog, '/');
	size_t i;

	/* A remote program is the host's business (ssh_preflight()). */
	if (p->host) {
		strvec_push_unique(&n->programs, "ssh");
		strvec_pushv(&n->env, p->secret_env.vals.v);
		return;
	}
	strvec_push_unique(&n->programs, prog);
	/* What sudo starts is needed too (sudo itself: sudo -n true). */
	if (!strcmp(base ? base + 1 : prog, "sudo"))
		for (i = 1; i < p->run.nr; i++) {
			const char *a = p->run.v[i];
			if (!strcmp(a, "--")) {
				if (i + 1 < p->run.nr)
					strvec_push_unique(&n->programs,
							   p->run.v[i + 1]);
				break;
			}
			if (a[0] != '-' && !strchr(a, '=')) {
				strvec_push_unique(&n->programs, a);
				break;
			}
			/* sudo's options that take the next word. */
			if (strlen(a) == 2 && strchr("ugpCDrtUTh", a[1]))
				i++;
		}
	if (p->run_as)
		strvec_push_unique(&n->users, p->run_as);
	strvec_pushv(&n->env, p->secret_env.vals.v);
}

/*
 * secret_env: NAME gets the value of rdrill's SOURCE, redacted everywhere.
 * Two passes: the values join sc->secrets before step_exec_prepare()
 * takes that vector's array for exec.c (a push after it could move the
 * array, leaving the command redacted by a freed or stale list), and the
 * variables go into the environment after the ones it removes (so a
 * NAME that is also a secret's source is set, not removed).
 */
static int note_secret_env(struct step_ctx *sc, struct error *err)
{
	const struct command_params *p = STEP_PARAMS(sc, struct command_params);
	size_t i;

	for (i = 0; i < p->secret_env.keys.nr; i++) {
		const char *src = p->secret_env.vals.v[i], *val = getenv(src);

		if (!val)
			return error_set(err, "secret_env %s: the environment "
					 "variable %s is not set",
					 p->secret_env.keys.v[i], src);
		strvec_push_unique(sc->secrets, val);
	}
	return 0;
}

static void add_secret_env(struct step_ctx *sc, struct exec_cmd *cmd)
{
	const struct command_params *p = STEP_PARAMS(sc, struct command_params);
	size_t i;

	for (i = 0; i < p->secret_env.keys.nr; i++)
		strvec_pushf(&cmd->env, "%s=%s", p->secret_env.keys.v[i],
			     getenv(p->secret_env.vals.v[i]));
}

static void record_result(struct step_ctx *sc, const struct exec_result *res,
			  const char *out_rel, const char *err_rel,
			  const char *out_abs, const char *err_abs)
{
	json_object_set_new(sc->rec, "exit_code", json_integer(res->exit_code));
	if (res->signal)
		json_object_set_new(sc->rec, "signal", json_integer(res->signal));
	if (res->timed_out)
		json_object_set_new(sc->rec, "timed_out", json_true());
	if (res->cancelled)
		json_object_set_new(sc->rec, "cancelled", json_true());
	json_object_set_new(sc->rec, "stdout", stream_json(out_rel, out_abs,
			    res->out_bytes, res->out_sha256, &res->out_head, &res->out_tail));
	json_object_set_new(sc->rec, "stderr", stream_json(err_rel, err_abs,
			    res->err_bytes, res->err_sha256, &res->err_head, &res->err_tail));
}

static void check_result(struct step_ctx *sc, const struct exec_result *res)
{
	const struct command_params *p = STEP_PARAMS(sc, struct command_params);
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	size_t i;
	int ok = 0;

	for (i = 0; i < p->nexpect; i++) {
		strbuf_addf(&exp, "%s%ld", i ? " or " : "", p->expect_exit[i]);
		if (p->expect_exit[i] == res->exit_code)
			ok = 1;
	}
	if (res->timed_out || res->cancelled)
		ok = 0;
	strbuf_addf(&act, "%d", res->exit_code);
	if (res->signal)
		strbuf_addf(&act, " (signal %d)", res->signal);
	if (res->timed_out)
		strbuf_addf(&act, " (timed out after %lds)", sc->step->timeout_s);
	if (res->cancelled)
		strbuf_adds(&act, " (interrupted)");
	step_check(sc, "exit code", exp.buf, act.buf, ok);
	strbuf_release(&exp);
	strbuf_release(&act);

	for (i = 0; warned_errors[i]; i++)
		if (res->watch_seen & 1u << i)
			break;
	/* Allowed or not, what was seen is on the record. */
	if (warned_errors[i] && p->allow_stderr_errors)
		step_check(sc, "errors in output", "allowed by the drill",
			   warned_errors[i], 1);
	else if (warned_errors[i])
		step_check(sc, "errors in output", "none", warned_errors[i], 0);
}

/*
 * host: the local program becomes ssh; the step's argv, env and cwd go
 * on the remote command line, its secret_env values on ssh's stdin
 * (ssh.h), never on a command line. The remote side keeps the step's
 * deadline; the local one becomes a backstop past it (a hung network),
 * so the remote `timeout` normally speaks first and its exit code is
 * the step's.
 */
static int remote_prepare(struct step_ctx *sc, struct exec_cmd *cmd,
			  const char *const *argv, int fds[2],
			  struct strbuf *in_path, struct error *err)
{
	const struct command_params *p = STEP_PARAMS(sc, struct command_params);
	const struct drill_ssh_host *h = drill_ssh_host(sc->drill, p->host);
	struct strvec env = STRVEC_INIT, vals = STRVEC_INIT;
	struct strbuf line = STRBUF_INIT, payload = STRBUF_INIT;
	long grace_s = (long)((cmd->grace_ms + 999) / 1000);
	size_t i;
	int ret = -1;

	if (!h)
		return error_set(err, "unknown ssh host '%s'", p->host);
	for (i = 0; i < p->env.keys.nr; i++)
		strvec_pushf(&env, "%s=%s", p->env.keys.v[i], p->env.vals.v[i]);
	for (i = 0; i < p->secret_env.keys.nr; i++)
		strvec_push(&vals, getenv(p->secret_env.vals.v[i]));
	ssh_argv(h, REMOTE_CONNECT_S, &cmd->argv);
	ssh_remote_command(&line, argv, env.v, p->cwd, sc->step->timeout_s,
			   grace_s);
	strvec_push(&cmd->argv, line.buf);
	if (ssh_stdin_payload(&payload, p->secret_env.keys.v, vals.v, err) < 0 ||
	    ssh_stdin_pipe(&payload, fds, in_path, err) < 0)
		goto out;
	cmd->stdin_path = in_path->buf;
	if (cmd->timeout_ms)
		cmd->timeout_ms += (unsigned long)(grace_s + REMOTE_BACKSTOP_S) *
				   1000;
	json_object_set_new(sc->rec, "host", json_string(p->host));
	strbuf_reset(&line);
	ssh_describe(h, &line);
	json_object_set_new(sc->rec, "ssh", json_string(line.buf));
	ret = 0;
out:
	if (payload.alloc)
		memset(payload.buf, 0, payload.alloc);
	strbuf_release(&payload);
	strbuf_release(&line);
	strvec_clear(&env);
	strvec_clear(&vals);
	return ret;
}

/*
 * A remote command's end, read as a local one's: the remote `timeout`'s
 * 124/137 after the deadline is a timeout; above 128 (not ssh's own 255)
 * the remote shell's report of a signal.
 */
static void remote_result(struct step_ctx *sc, struct exec_result *res)
{
	if (ssh_timed_out(res->exit_code, res->duration_ms,
			  sc->step->timeout_s))
		res->timed_out = 1;
	else if (!res->signal && res->exit_code > 128 && res->exit_code < 255)
		res->signal = res->exit_code - 128;
}

static int command_run(struct step_ctx *sc, struct error *err)
{
	const struct command_params *p = STEP_PARAMS(sc, struct command_params);
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct strbuf out_rel = STRBUF_INIT, out_abs = STRBUF_INIT,
		      err_rel = STRBUF_INIT, err_abs = STRBUF_INIT,
		      in_path = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	size_t i;
	int ret = -1, in_fds[2] = { -1, -1 };

	if (p->run.nr) {
		strvec_pushv(&argv, p->run.v);
	} else if (p->shell) {
		strvec_push(&argv, "/bin/sh");
		strvec_push(&argv, "-c");
		strvec_push(&argv, p->shell);
	} else {
		return error_set(err, "command step without run or shell");
	}
	if (note_secret_env(sc, err) < 0)
		goto out;
	step_exec_prepare(sc, &cmd);
	if (p->host) {
		if (remote_prepare(sc, &cmd, argv.v, in_fds, &in_path, err) < 0)
			goto out;
	} else {
		strvec_pushv(&cmd.argv, argv.v);
		for (i = 0; i < p->env.keys.nr; i++)
			strvec_pushf(&cmd.env, "%s=%s", p->env.keys.v[i],
				     p->env.vals.v[i]);
		add_secret_env(sc, &cmd);
		cmd.cwd = p->cwd;
		cmd.run_as = p->run_as;
	}
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
	if (p->host)
		remote_result(sc, &res);
	record_result(sc, &res, out_rel.buf, err_rel.buf, out_abs.buf,
		      err_abs.buf);
	check_result(sc, &res);
	ret = 0;
out:
	/* Only now: the remote side reads EOF once ssh is gone. */
	for (i = 0; i < 2; i++)
		if (in_fds[i] >= 0)
			close(in_fds[i]);
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	strvec_clear(&argv);
	strbuf_release(&in_path);
	strbuf_release(&out_rel);
	strbuf_release(&out_abs);
	strbuf_release(&err_rel);
	strbuf_release(&err_abs);
	return ret;
}

/*
 * `cd DIR && [sudo -u USER] [VAR="$SOURCE" ...] COMMAND`. Empty text
 * (a plan body rdrill did not write) counts as absent, as it always did.
 */
static void command_paste(const struct drill_step *s, struct strbuf *out)
{
	const struct command_params *p = s->params;
	const struct strvec *k = &p->secret_env.keys, *v = &p->secret_env.vals;
	size_t i;

	if (p->cwd && *p->cwd) {
		strbuf_adds(out, "cd ");
		strbuf_add_shquoted(out, p->cwd);
		strbuf_adds(out, " && ");
	}
	if (p->run_as && *p->run_as) {
		strbuf_adds(out, "sudo -u ");
		strbuf_add_shquoted(out, p->run_as);
		strbuf_adds(out, k->nr ? " env " : " ");
	}
	for (i = 0; i < k->nr; i++)
		strbuf_addf(out, "%s=\"$%s\" ", k->v[i],
			    v->v[i] ? v->v[i] : k->v[i]);
	if (p->shell && *p->shell) {
		strbuf_adds(out, "sh -c ");
		strbuf_add_shquoted(out, p->shell);
	} else {
		strbuf_adds(out, s->display);
	}
}

const struct step_kind step_kind_command = {
	.name = "command",
	.selectors = selectors,
	.noun = "run and shell steps",
	.fields = command_fields,
	.params = &command_schema,
	.check = command_check,
	.describe = command_describe,
	.context = command_context,
	.prompt = "$",
	.secret_vars = command_secret_vars,
	.needs = command_needs,
	.target = command_target,
	.run = command_run,
	.view = command_view,
	.words = command_words,
	.no_planned_check = 1,
	.passed_finding = command_passed_finding,
	.paste = command_paste,
};
