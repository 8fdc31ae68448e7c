#include "plan.h"
#include "history.h"
#include "backup.h"
#include "clock.h"
#include "utf8.h"
#include "error.h"
#include "journal.h"
#include "preflight.h"
#include "schema.h"
#include "drill.h"
#include "step.h"
#include "version.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void plan_hash(json_t *body, char out[65])
{
	char *s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS |
			     JSON_ENSURE_ASCII | JSON_ENCODE_ANY);

	if (!s)
		BUG("the plan body cannot be serialised");
	sha256_hex(s, strlen(s), out);
	free(s);
}

void plan_operator(struct strbuf *out)
{
	char host[256] = "";
	const char *user = NULL;
	struct passwd *pw = getpwuid(getuid());

	if (pw)
		user = pw->pw_name;
	if (!user)
		user = getenv("USER");
	if (gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	if (user)
		strbuf_adds(out, user);
	else
		strbuf_addf(out, "uid%u", (unsigned)getuid());
	strbuf_addf(out, "@%s", *host ? host : "localhost");
}

void plan_format_utc(struct strbuf *out, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strbuf_adds(out, buf);
}

time_t plan_now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (!s || !*s)
		return time(NULL);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno || v < 0)
		return (time_t)-1;
	return (time_t)v;
}

json_t *plan_new(const struct drill *d, const struct plan_info *info)
{
	json_t *body = json_incref(d->body);
	json_t *plan = json_object(), *df = json_object();
	struct strbuf sb = STRBUF_INIT;
	char hash[65];

	plan_hash(body, hash);
	json_object_set_new(plan, "format", json_string("rdrill-plan/1"));
	json_object_set_new(plan, "rdrill_version", json_string(RDRILL_VERSION));
	plan_format_utc(&sb, info->now);
	json_object_set_new(plan, "created", json_string(sb.buf));
	strbuf_reset(&sb);
	plan_operator(&sb);
	json_object_set_new(plan, "operator", json_string(sb.buf));
	json_object_set_new(df, "path", json_string(info->drill_path));
	json_object_set_new(df, "sha256", json_string(info->drill_sha256));
	json_object_set_new(plan, "drill_file", df);
	json_object_set_new(plan, "plan_hash", json_string(hash));
	json_object_set_new(plan, "plan", body);
	strbuf_release(&sb);
	return plan;
}

void plan_step_describe(const struct drill_step *s, struct strbuf *out)
{
	s->kind->describe(s, out);
}

void plan_conn_target(const struct drill *d, const char *name,
		      struct strbuf *out)
{
	const struct drill_conn *c = drill_conn(d, name);

	if (!c) {
		strbuf_addf(out, "connection %s (not defined)", name);
		return;
	}
	strbuf_addf(out, "connection %s: database %s", name,
		    c->dbname ? c->dbname : "(libpq default)");
	if (c->host)
		strbuf_addf(out, " on %s", c->host);
	if (c->port.set)
		strbuf_addf(out, c->host ? ":%ld" : " on port %ld", c->port.v);
	strbuf_addf(out, " as user %s", c->user ? c->user : "(libpq default)");
	if (c->password_env)
		strbuf_addf(out, " (password from $%s)", c->password_env);
	else if (c->password_file)
		strbuf_addf(out, " (password from %s)", c->password_file);
}

static void quote_one(struct strbuf *out, const char *s, size_t len)
{
	size_t i;

	strbuf_addch(out, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, s[i]);
	}
	strbuf_addch(out, '"');
}

void plan_quote_ident(struct strbuf *out, const char *ident, int table)
{
	const char *dot = table ? strchr(ident, '.') : NULL;

	if (dot) {
		quote_one(out, ident, (size_t)(dot - ident));
		strbuf_addch(out, '.');
		ident = dot + 1;
	}
	quote_one(out, ident, strlen(ident));
}

void plan_step_target(const struct drill *d, const struct drill_step *s,
		      struct strvec *lines)
{
	struct strbuf sb = STRBUF_INIT;

	if (s->kind->target)
		s->kind->target(d, s, lines);
	strbuf_adds(&sb, "timeout ");
	if (s->timeout_s % 3600 == 0 && s->timeout_s)
		strbuf_addf(&sb, "%ldh", s->timeout_s / 3600);
	else if (s->timeout_s % 60 == 0 && s->timeout_s)
		strbuf_addf(&sb, "%ldm", s->timeout_s / 60);
	else
		strbuf_addf(&sb, "%lds", s->timeout_s);
	strvec_push(lines, sb.buf);
	strbuf_release(&sb);
}

int plan_last_run(const char *dir, const char *id, const char *env,
		  struct strbuf *out)
{
	struct run_summary s;
	long long ms;
	int ret;

	/*
	 * The run a run's report would compare with (history.h): the newest
	 * that verifies and reached a verdict, through the history index;
	 * never a REFUSED one, nor a bundle whose evidence was changed.
	 */
	runsum_init(&s);
	ret = history_previous_run(dir, "", id, env, &s);
	ms = s.duration_ms;
	if (!ret && ms >= 0)
		strbuf_addf(out, "last run: %lld.%03llds, %s (%s)", ms / 1000,
			    ms % 1000, s.status, s.bundle);
	else if (!ret)
		strbuf_addf(out, "last run: %s (%s)", s.status, s.bundle);
	runsum_release(&s);
	return ret;
}

void plan_step_when(const struct drill_step *s, struct strbuf *out)
{
	if (s->when_phase)
		strbuf_addf(out, "only if the %s phase started", s->when_phase);
	else if (s->when_step && !strcmp(s->when_status, "ran"))
		strbuf_addf(out, "only if step %s ran", s->when_step);
	else if (s->when_step)
		strbuf_addf(out, "only if step %s %s", s->when_step,
			    s->when_status);
}

/*
 * The plan is what an approver reads before hashing their consent: no
 * byte from the drill file may drive their terminal, hide a line or
 * fake one. Values go through utf8_add_terminal (one line each); the
 * description of a step may span lines (a script), each indented under
 * its prompt, so none can pass for a step of its own.
 */
static void add_val(struct strbuf *out, const char *s)
{
	utf8_add_terminal(out, s ? s : "");
}

static void add_lines(struct strbuf *out, const char *s, const char *indent)
{
	struct strbuf clean = STRBUF_INIT;
	size_t i;

	utf8_add_terminal_lines(&clean, s, strlen(s));
	for (i = 0; i < clean.len; i++) {
		strbuf_addch(out, clean.buf[i]);
		if (clean.buf[i] == '\n' && i + 1 < clean.len)
			strbuf_adds(out, indent);
	}
	strbuf_release(&clean);
}

static void print_list(struct strbuf *out, const char *what,
		       const struct strvec *v)
{
	size_t i;

	if (!v->nr)
		return;
	strbuf_addf(out, "  %-12s ", what);
	for (i = 0; i < v->nr; i++) {
		if (i)
			strbuf_adds(out, ", ");
		add_val(out, v->v[i]);
	}
	strbuf_addch(out, '\n');
}

/* What preflight will check, so the approver knows it before the run. */
static void print_prerequisites(const struct drill *d, struct strbuf *out)
{
	struct step_needs n = STEP_NEEDS_INIT;

	preflight_needs(d, &n);
	if (n.programs.nr || n.env.nr || n.users.nr || n.files.nr)
		strbuf_adds(out, "\nprerequisites (checked before step 1):\n");
	print_list(out, "programs", &n.programs);
	print_list(out, "environment", &n.env);
	print_list(out, "password files", &n.files);
	print_list(out, "run_as users", &n.users);
	step_needs_release(&n);
}

/*
 * Each scheduled item's rule and, when this host can see the backups,
 * the file it would pick now (headers only: the run reads and hashes
 * every candidate, and may pick another if a newer one lands).
 */
static void print_scheduled(const struct drill *d, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		const struct drill_item *it = &d->items[i];
		struct strvec problems = STRVEC_INIT;
		struct backup_pick pick;
		const struct backup_cand *c;

		if (!it->scheduled)
			continue;
		backup_pick(it, 0, clock_wall_ms(), NULL, &pick, &problems);
		c = backup_pick_chosen(&pick);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "\nbackup %s: restores the newest of ", it->id);
		utf8_add_terminal(&sb, it->scheduled);
		strbuf_adds(&sb, "\n  by its own creation time (pg_dump archive "
			    "header, else newest tar member, else mtime), "
			    "picked when the run starts as ${backup.");
		utf8_add_terminal(&sb, it->id);
		strbuf_adds(&sb, ".path}\n");
		if (c) {
			strbuf_adds(&sb, "  today: ");
			utf8_add_terminal(&sb, c->path);
			strbuf_adds(&sb, "\n         made ");
			clock_format_utc_ms(&sb, pick.created_ms);
			strbuf_addf(&sb, " by its %s; %zu candidate%s\n",
				    backup_clock_name(c->clock), pick.ncands,
				    pick.ncands == 1 ? "" : "s");
		} else {
			strbuf_adds(&sb, "  today: cannot tell from here: ");
			utf8_add_terminal(&sb, pick.problem);
			strbuf_addch(&sb, '\n');
		}
		strbuf_add(out, sb.buf, sb.len);
		backup_pick_release(&pick);
		strvec_clear(&problems);
	}
	strbuf_release(&sb);
}

/* What plan_print() says of the plan besides its drill: file and hash. */
struct plan_head {
	const char *drill_path, *drill_sha256, *plan_hash;
	json_t *drill_file;
};
#define PH(k, m, fl) { .key = k, .type = SCHEMA_STR, .flags = fl, \
		       .off = offsetof(struct plan_head, m) }
static const struct schema_field plan_head_fields[] = {
	PH("drill_file", drill_file, SCHEMA_RAW),
	PH("plan_hash", plan_hash, 0),
	{ 0 }
};
static const struct schema_field drill_file_fields[] = {
	PH("path", drill_path, 0),
	PH("sha256", drill_sha256, 0),
	{ 0 }
};
#undef PH
static const struct schema plan_head_schema = {
	.what = "plan", .fields = plan_head_fields,
	.size = sizeof(struct plan_head),
};
static const struct schema drill_file_schema = {
	.what = "drill_file", .fields = drill_file_fields,
	.size = sizeof(struct plan_head),
};

void plan_print(const struct drill *d, json_t *plan, FILE *f)
{
	const struct drill_step *s;
	enum drill_phase phase = DRILL_NPHASES;
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT;
	struct plan_head h;
	int ndestr = 0;

	memset(&h, 0, sizeof(h));
	schema_bind_lenient(&plan_head_schema, plan, &h);
	schema_bind_lenient(&drill_file_schema, h.drill_file, &h);
	schema_empty_text(&plan_head_schema, &h);
	schema_empty_text(&drill_file_schema, &h);

	add_val(&out, d->id);
	strbuf_adds(&out, ": ");
	add_val(&out, d->title);
	strbuf_adds(&out, "\n  system       ");
	add_val(&out, d->system);
	strbuf_adds(&out, "\n  environment  ");
	add_val(&out, d->environment);
	strbuf_adds(&out, "\n  drill file   ");
	add_val(&out, h.drill_path);
	strbuf_adds(&out, " (sha256 ");
	add_val(&out, h.drill_sha256);
	strbuf_adds(&out, ")\n  plan hash    ");
	add_val(&out, h.plan_hash);
	strbuf_addch(&out, '\n');
	for (s = d->steps; s < d->steps + d->nsteps; s++) {
		struct strvec ctx = STRVEC_INIT;
		size_t i;
		if (s->phase != phase) {
			phase = s->phase;
			strbuf_addf(&out, "\n[%s]\n", drill_phases[phase]);
		}
		strbuf_addf(&out, "%3ld. %-8s ", s->n, s->kind->name);
		add_val(&out, s->id);
		strbuf_addf(&out, "%s\n", s->destructive ?
			    "   !! DESTRUCTIVE" : "");
		if (s->title) {
			strbuf_adds(&out, "     # ");
			add_val(&out, s->title);
			strbuf_addch(&out, '\n');
		}
		if (s->kind->context)
			s->kind->context(s, &ctx);
		strbuf_reset(&sb);
		plan_step_when(s, &sb);
		if (sb.len)
			strvec_push(&ctx, sb.buf);
		plan_step_target(d, s, &ctx);
		strbuf_reset(&sb);
		plan_step_describe(s, &sb);
		for (i = 0; i < ctx.nr; i++) {
			strbuf_adds(&out, "     (");
			add_val(&out, ctx.v[i]);
			strbuf_adds(&out, ")\n");
		}
		strvec_clear(&ctx);
		strbuf_addf(&out, "     %s ", s->kind->prompt ? s->kind->prompt :
			    ">");
		add_lines(&out, sb.buf, "       ");
		strbuf_addch(&out, '\n');
		ndestr += s->destructive;
	}
	if (ndestr) {
		strbuf_addf(&out, "\n%zu steps, %d destructive (run needs "
			    "--confirm ", d->nsteps, ndestr);
		add_val(&out, d->environment);
		strbuf_adds(&out, ")\n");
	} else {
		/* The runner asks no confirmation then: say so, not the opposite. */
		strbuf_addf(&out, "\n%zu steps, none destructive (run needs no "
			    "--confirm)\n", d->nsteps);
	}
	print_scheduled(d, &out);
	print_prerequisites(d, &out);
	fputs(out.buf, f);
	strbuf_release(&sb);
	strbuf_release(&out);
}
