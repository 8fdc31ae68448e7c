#include "plan.h"
#include "rdrill.h"
#include "sha256.h"
#include "strbuf.h"
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
		(void)xmalloc((size_t)-1);
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

json_t *plan_new(json_t *body, const struct plan_info *info)
{
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

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

void plan_step_describe(json_t *step, struct strbuf *out)
{
	const char *kind = str(step, "kind");
	json_t *p = json_object_get(step, kind);

	if (!strcmp(kind, "command")) {
		strbuf_adds(out, str(step, "display"));
	} else if (!strcmp(kind, "checksum")) {
		json_t *files = json_object_get(p, "files");
		strbuf_addf(out, "SHA-256 of %s in %s -> %s",
			    files ? "the listed files" : "every file",
			    str(p, "dir"), str(p, "output"));
	} else if (!strcmp(kind, "toc")) {
		strbuf_addf(out, "read the whole archive %s: TOC entries, "
			    "versions", str(p, "dump"));
		if (json_object_get(p, "connection"))
			strbuf_addf(out, " (vs server of '%s')",
				    str(p, "connection"));
	} else if (!strcmp(kind, "sql")) {
		strbuf_addf(out, "[%s] %s", str(p, "connection"), str(p, "query"));
		if (json_object_get(p, "expect_rows"))
			strbuf_addf(out, "  => %lld rows", (long long)
				    json_integer_value(json_object_get(p, "expect_rows")));
		if (json_object_get(p, "expect_value"))
			strbuf_addf(out, "  => '%s'", str(p, "expect_value"));
		if (json_object_get(p, "expect_min"))
			strbuf_addf(out, "  => >= %lld", (long long)
				    json_integer_value(json_object_get(p, "expect_min")));
		if (json_object_get(p, "same_as"))
			strbuf_addf(out, "  => same as step %s", str(p, "same_as"));
	} else if (!strcmp(kind, "files")) {
		strbuf_addf(out, "%s:", str(p, "path"));
		if (json_is_false(json_object_get(p, "exists")))
			strbuf_adds(out, " absent");
		else
			strbuf_adds(out, " exists");
		if (json_is_true(json_object_get(p, "non_empty")))
			strbuf_adds(out, ", non-empty");
		if (json_object_get(p, "min_files"))
			strbuf_addf(out, ", >= %lld files", (long long)
				    json_integer_value(json_object_get(p, "min_files")));
		if (json_object_get(p, "owner"))
			strbuf_addf(out, ", owner %s", str(p, "owner"));
		if (json_object_get(p, "mode"))
			strbuf_addf(out, ", mode %s", str(p, "mode"));
		if (json_is_true(json_object_get(p, "readable")))
			strbuf_adds(out, ", every entry readable");
	} else if (!strcmp(kind, "wait")) {
		strbuf_addf(out, "wait until '%s' accepts connections (at most "
			    "%llds)", str(p, "connection"), (long long)
			    json_integer_value(json_object_get(p, "timeout_s")));
	} else if (!strcmp(kind, "canary")) {
		const char *a = json_string_value(p);
		strbuf_addf(out, "canary %s: %s", a,
			    !strcmp(a, "record") ? "record the row and its columns" :
			    !strcmp(a, "delete") ? "delete the row" :
			    !strcmp(a, "absent") ? "prove the row is gone" :
			    "prove the row is back and identical");
	}
}

void plan_print(json_t *plan, FILE *f)
{
	json_t *body = json_object_get(plan, "plan");
	json_t *steps = json_object_get(body, "steps"), *s;
	const char *phase = "";
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int ndestr = 0;

	fprintf(f, "%s: %s\n", str(body, "id"), str(body, "title"));
	fprintf(f, "  system       %s\n  environment  %s\n", str(body, "system"),
		str(body, "environment"));
	fprintf(f, "  drill file   %s (sha256 %s)\n",
		str(json_object_get(plan, "drill_file"), "path"),
		str(json_object_get(plan, "drill_file"), "sha256"));
	fprintf(f, "  plan hash    %s\n", str(plan, "plan_hash"));
	json_array_foreach(steps, i, s) {
		const char *ph = str(s, "phase");
		const char *cwd = str(s, "cwd");
		if (strcmp(ph, phase)) {
			phase = ph;
			fprintf(f, "\n[%s]\n", phase);
		}
		strbuf_reset(&sb);
		plan_step_describe(s, &sb);
		fprintf(f, "%3lld. %-8s %s%s\n",
			(long long)json_integer_value(json_object_get(s, "n")),
			str(s, "kind"), str(s, "id"),
			json_is_true(json_object_get(s, "destructive")) ?
			"   !! DESTRUCTIVE" : "");
		if (json_object_get(s, "title"))
			fprintf(f, "     # %s\n", str(s, "title"));
		if (*cwd)
			fprintf(f, "     (cd %s)\n", cwd);
		if (json_object_get(s, "run_as"))
			fprintf(f, "     (as user %s)\n", str(s, "run_as"));
		fprintf(f, "     %s %s\n", !strcmp(str(s, "kind"), "command") ?
			"$" : ">", sb.buf);
		if (json_is_true(json_object_get(s, "destructive")))
			ndestr++;
	}
	fprintf(f, "\n%zu steps, %d destructive (run needs --confirm %s)\n",
		json_array_size(steps), ndestr, str(body, "environment"));
	strbuf_release(&sb);
}
