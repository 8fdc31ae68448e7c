#include "plan.h"
#include "journal.h"
#include "drill.h"
#include "step.h"
#include "version.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <errno.h>
#include <pwd.h>
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

void plan_print(const struct drill *d, json_t *plan, FILE *f)
{
	const struct drill_step *s;
	enum drill_phase phase = DRILL_NPHASES;
	struct strbuf sb = STRBUF_INIT;
	int ndestr = 0;

	fprintf(f, "%s: %s\n", d->id, d->title);
	fprintf(f, "  system       %s\n  environment  %s\n", d->system,
		d->environment);
	fprintf(f, "  drill file   %s (sha256 %s)\n",
		journal_str(json_object_get(plan, "drill_file"), "path"),
		journal_str(json_object_get(plan, "drill_file"), "sha256"));
	fprintf(f, "  plan hash    %s\n", journal_str(plan, "plan_hash"));
	for (s = d->steps; s < d->steps + d->nsteps; s++) {
		struct strvec ctx = STRVEC_INIT;
		size_t i;
		if (s->phase != phase) {
			phase = s->phase;
			fprintf(f, "\n[%s]\n", drill_phases[phase]);
		}
		strbuf_reset(&sb);
		plan_step_describe(s, &sb);
		fprintf(f, "%3ld. %-8s %s%s\n", s->n, s->kind->name, s->id,
			s->destructive ? "   !! DESTRUCTIVE" : "");
		if (s->title)
			fprintf(f, "     # %s\n", s->title);
		if (s->kind->context)
			s->kind->context(s, &ctx);
		strbuf_reset(&sb);
		plan_step_when(s, &sb);
		if (sb.len)
			strvec_push(&ctx, sb.buf);
		strbuf_reset(&sb);
		plan_step_describe(s, &sb);
		for (i = 0; i < ctx.nr; i++)
			fprintf(f, "     (%s)\n", ctx.v[i]);
		strvec_clear(&ctx);
		fprintf(f, "     %s %s\n", s->kind->prompt ? s->kind->prompt : ">",
			sb.buf);
		ndestr += s->destructive;
	}
	fprintf(f, "\n%zu steps, %d destructive (run needs --confirm %s)\n",
		d->nsteps, ndestr, d->environment);
	strbuf_release(&sb);
}
