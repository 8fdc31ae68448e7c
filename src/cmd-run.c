#include "bundle.h"
#include "clock.h"
#include "signoff.h"
#include "drill.h"
#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "lock.h"
#include "plan.h"
#include "progress.h"
#include "rdrill.h"
#include "report.h"
#include "restored.h"
#include "runner.h"
#include "safefs.h"
#include "schema.h"
#include "seal.h"
#include "secret.h"
#include "sign.h"
#include "strbuf.h"
#include "strvec.h"
#include "utf8.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t cancel, cancel_hard;

/* First signal: stop the drill, run cleanup. Second: stop cleanup too. */
static void on_signal(int sig)
{
	(void)sig;
	if (cancel)
		cancel_hard = 1;
	cancel = 1;
}

static int count_destructive(const struct drill *d)
{
	size_t i;
	int n = 0;

	for (i = 0; i < d->nsteps; i++)
		n += d->steps[i].destructive;
	return n;
}

/* SEAL's "KEY: value" of bundle `dir`, or nothing. SEAL was verified. */
static void seal_field(const char *dir, const char *key, struct strbuf *out)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	const char *p;
	size_t n = strlen(key);

	strbuf_addf(&path, "%s/SEAL", dir);
	if (strbuf_read_file(&sb, path.buf, 65536) >= 0)
		for (p = sb.buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (!strncmp(p, key, n) && p[n] == ':' && p[n + 1] == ' ') {
				p += n + 2;
				strbuf_add(out, p, strcspn(p, "\n"));
				break;
			}
	strbuf_release(&sb);
	strbuf_release(&path);
}

/*
 * A plan bundle's approval (--approved-plan DIR), typed from the bundle
 * and while it is settled; the start record's "approval" is made from
 * it in one place (approval_json()), in the order it always had.
 */
struct approval {
	int given;              /* --approved-plan named a plan bundle */
	char *plan_bundle, *plan_hash, *signed_by, *approver, *approver_key,
		*sealed_at, *plan_created;  /* NULL: not in the record */
	int key_given;
	int has_window;         /* window_s is set */
	long window_s;
	char *valid_until, *mismatch;
	json_t *rolled_forward; /* [{name, from, to}]: the plan's values */
	/* The reviewed plan: its drill file's SHA-256, its body (JSON). */
	char *drill_sha256;
	json_t *body;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void approval_release(struct approval *ap)
{
	char **text[] = { &ap->plan_bundle, &ap->plan_hash, &ap->signed_by,
			  &ap->approver, &ap->approver_key, &ap->sealed_at,
			  &ap->plan_created, &ap->valid_until, &ap->mismatch,
			  &ap->drill_sha256 };
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		free(*text[i]);
	json_decref(ap->rolled_forward);
	json_decref(ap->body);
	memset(ap, 0, sizeof(*ap));
}

/* The start record's "approval"; NULL when no plan bundle approved. */
static json_t *approval_json(const struct approval *ap)
{
	json_t *o;

	if (!ap->given)
		return NULL;
	o = json_pack("{s:s, s:s, s:s?, s:b, s:s?, s:s?, s:s?, s:s?}",
		      "plan_bundle", ap->plan_bundle, "plan_hash", ap->plan_hash,
		      "signed_by", ap->signed_by, "key_given", ap->key_given,
		      "approver", ap->approver, "approver_key", ap->approver_key,
		      "sealed_at", ap->sealed_at, "plan_created",
		      ap->plan_created);
	if (ap->has_window)
		json_object_set_new(o, "window_s", json_integer(ap->window_s));
	if (ap->valid_until)
		json_object_set_new(o, "valid_until",
				    json_string(ap->valid_until));
	if (ap->rolled_forward)
		json_object_set(o, "rolled_forward", ap->rolled_forward);
	if (ap->mismatch)
		json_object_set_new(o, "mismatch", json_string(ap->mismatch));
	return o;
}

/* What the approval reads of a sign-off record (signoff.h): who, what key. */
struct approver_read {
	const char *role, *name, *key;
};

static const struct schema_field approver_fields[] = {
	{ .key = "role", .type = SCHEMA_STR,
	  .off = offsetof(struct approver_read, role) },
	{ .key = "name", .type = SCHEMA_STR,
	  .off = offsetof(struct approver_read, name) },
	{ .key = "key", .type = SCHEMA_STR,
	  .off = offsetof(struct approver_read, key) },
	{ NULL },
};
static const struct schema approver_schema = {
	.what = "sign-off", .fields = approver_fields,
	.size = sizeof(struct approver_read),
};

/*
 * --approved-plan names a plan bundle (`rdrill plan -o DIR`) instead of
 * a hash: it must verify (seal.h), signed by `key` when one is given,
 * and be a plan; its plan hash is then the approved one. What approved
 * it goes to the journal's start record (`approval`).
 */
static int approved_from_bundle(const char *dir, const char *key,
				struct strbuf *hash, struct approval *ap,
				struct error *err)
{
	struct seal_check c;
	struct strbuf path = STRBUF_INIT, msg = STRBUF_INIT;
	json_t *records = NULL, *start, *signoffs = NULL, *so;
	const char *h, *approver = NULL, *approver_key = NULL;
	struct restored_head head;
	struct jrecord_start js;
	int torn = 0, ret = -1;
	size_t i;

	seal_check_init(&c);
	memset(&js, 0, sizeof(js));
	if (seal_check(dir, key, NULL, &c, err) < 0)
		goto out;
	/* The approver is whoever signed it off: those records must hold. */
	signoff_check(dir, strcmp(c.lang, "default") && *c.lang ? c.lang : NULL,
		      &c);
	if (c.problems.nr) {
		strbuf_adds(&msg, "the approved plan bundle does not verify:");
		for (i = 0; i < c.problems.nr; i++) {
			strbuf_adds(&msg, "\n  ");
			utf8_add_terminal(&msg, c.problems.v[i]);
		}
		error_set(err, "%s: %s", dir, msg.buf);
		goto out;
	}
	strbuf_addf(&path, "%s/journal.jsonl", dir);
	records = journal_read_verified(path.buf, &torn, err);
	if (!records)
		goto out;
	start = json_array_get(records, 0);
	restored_head_read(start, &head);
	jrecord_start_read(start, &js);
	h = js.plan_hash;
	if (strcmp(head.mode, "plan") ||
	    json_array_size(records) != 1 || strlen(h) != 64) {
		error_set(err, "%s is a bundle, but not a plan's (rdrill plan "
			  "DRILL -o DIR makes one)", dir);
		goto out;
	}
	strbuf_adds(hash, h);
	/*
	 * The approver shown is the one who signed the plan bundle off
	 * with a key (`rdrill sign DIR --role approver --key ...`), never a
	 * name the drill file gives: the last such record.
	 */
	signoffs = signoff_read(dir, err);
	json_array_foreach(signoffs, i, so) {
		struct approver_read ar;

		memset(&ar, 0, sizeof(ar));
		schema_bind_lenient(&approver_schema, so, &ar);
		if (ar.role && !strcmp(ar.role, "approver") && ar.key) {
			approver = ar.name ? ar.name : "";
			approver_key = ar.key;
		}
	}
	strbuf_reset(&path);
	seal_field(dir, "sealed-at", &path);
	ap->given = 1;
	ap->plan_bundle = xstrdup(dir);
	ap->plan_hash = xstrdup(h);
	ap->signed_by = *c.key ? xstrdup(c.key) : NULL;
	ap->key_given = key != NULL;
	ap->approver = dup_or_null(approver);
	ap->approver_key = dup_or_null(approver_key);
	ap->sealed_at = path.len ? xstrdup(path.buf) : NULL;
	/* plan.json's own member (plan.h): when the plan was made. */
	ap->plan_created = xstrdup(journal_str(json_object_get(start, "plan"),
					       "created"));
	ap->drill_sha256 = xstrdup(js.drill_sha256);
	/* The reviewed body is compared with today's as JSON (body_diff). */
	ap->body = json_incref(js.body);
	ret = 0;
out:
	seal_check_release(&c);
	jrecord_start_release(&js);
	json_decref(signoffs);
	json_decref(records);
	strbuf_release(&path);
	strbuf_release(&msg);
	return ret;
}

/*
 * Approvals that survive the calendar (issue 20). A bare hash carries no
 * review date: it must match exactly (its full 64 hex digits, or a
 * prefix of at least APPROVAL_MIN_PREFIX: a 12-digit prefix is 48 bits,
 * which a drill made to fit it could match). A plan bundle does carry
 * one, its seal time: within the window after it, a plan that differs
 * from the reviewed one only in what the date expands to (loaded again
 * at the review's time, it hashes to the reviewed plan) is approved,
 * and the journal's approval lists the values that rolled forward.
 */
#define APPROVAL_MIN_PREFIX 32
#define APPROVAL_WINDOW_DEFAULT (7L * 86400)
#define APPROVAL_WINDOW_MAX (366L * 86400)

/* "7d", "36h", "90m", "3600s": seconds, or -1. */
static long parse_window(const char *s)
{
	static const struct { char unit; long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end;
	long v;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v <= 0 || !*end || end[1])
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (*end == units[i].unit)
			return v <= APPROVAL_WINDOW_MAX / units[i].secs ?
			       v * units[i].secs : -1;
	return -1;
}

/* What differs between the reviewed plan body and this one, in words. */
static void body_diff(json_t *was, json_t *now, struct strbuf *out)
{
	const char *key;
	json_t *v;
	size_t i, nkeys = 0;

	json_object_foreach(was, key, v) {
		json_t *w = json_object_get(now, key);

		if (json_equal(v, w))
			continue;
		strbuf_addf(out, "%s%s", nkeys++ ? ", " : "", key);
		if (!strcmp(key, "steps") && json_array_size(v) != json_array_size(w)) {
			strbuf_addf(out, " (%zu reviewed, %zu now)",
				    json_array_size(v), json_array_size(w));
		} else if (!strcmp(key, "steps")) {
			for (i = 0; i < json_array_size(v); i++)
				if (!json_equal(json_array_get(v, i),
						json_array_get(w, i))) {
					strbuf_addf(out, " (step %zu '%s' first)", i + 1,
						    journal_str(json_array_get(w, i),
								"id"));
					break;
				}
		} else if (json_is_object(v) && json_is_object(w)) {
			const char *k;
			json_t *x;
			int n = 0;

			json_object_foreach(v, k, x)
				if (!json_equal(x, json_object_get(w, k)))
					strbuf_addf(out, "%s%s", n++ ? ", " : " (", k);
			json_object_foreach(w, k, x)
				if (!json_object_get(v, k))
					strbuf_addf(out, "%s%s", n++ ? ", " : " (", k);
			if (n)
				strbuf_addch(out, ')');
		}
	}
	json_object_foreach(now, key, v)
		if (!json_object_get(was, key))
			strbuf_addf(out, "%s%s (new)", nkeys++ ? ", " : "", key);
}

/* The variables whose values moved with the date: [{name, from, to}]. */
static json_t *rolled_forward(json_t *was, json_t *now)
{
	json_t *arr = json_array(), *v;
	const char *name;

	json_object_foreach(was, name, v)
		if (!json_equal(v, json_object_get(now, name)))
			json_array_append_new(arr, json_pack("{s:s, s:O, s:O?}",
				"name", name, "from", v, "to",
				json_object_get(now, name)));
	return arr;
}

/* "", or why a plan bundle sealed at `sealed` does not approve at `now`. */
static void window_check(struct approval *ap, long long sealed, long long now,
			 long window, struct strbuf *why)
{
	struct strbuf t = STRBUF_INIT;
	const char *at = ap->sealed_at ? ap->sealed_at : "";

	ap->has_window = 1;
	ap->window_s = window;
	if (sealed < 0) {
		strbuf_adds(why, "the plan bundle's seal time cannot be read");
		goto out;
	}
	clock_format_utc_ms(&t, sealed + (long long)window * 1000);
	ap->valid_until = xstrdup(t.buf);
	strbuf_reset(&t);
	clock_format_utc_ms(&t, now);
	if (now < sealed)
		strbuf_addf(why, "the plan bundle was sealed at %s, after this "
			    "run's time %s", at,
			    t.buf);
	else if (now - sealed > (long long)window * 1000)
		strbuf_addf(why, "the approval expired: the plan bundle was "
			    "sealed at %s and approves for %lds, until %s; it is "
			    "%s (review the plan again, or give a longer "
			    "--approval-window)", at, window, ap->valid_until,
			    t.buf);
out:
	strbuf_release(&t);
}

/*
 * A plan bundle's approval: within its window, the same plan, or one
 * that only the date moved; else `mismatch` says which of the two
 * failed, and what changed.
 */
static void settle_bundle(struct drill_args *a, struct planned *p,
			  struct approval *ap, long window,
			  struct strbuf *settled)
{
	struct error err = ERROR_INIT;
	struct drill_opts opts;
	struct strbuf why = STRBUF_INIT;
	struct drill *d = NULL;
	char old_hash[65];
	long long created = clock_parse_utc_ms(ap->plan_created);

	window_check(ap, clock_parse_utc_ms(ap->sealed_at ? ap->sealed_at : ""),
		     (long long)plan_now() * 1000, window, &why);
	if (why.len || !strcmp(journal_str(p->plan, "plan_hash"), a->approved))
		goto out;
	opts.overrides = a->vars;
	opts.now = (time_t)(created / 1000);
	d = created >= 0 ? drill_load(a->file, &opts, &err) : NULL;
	if (!d) {
		strbuf_adds(&why, "the drill no longer loads as it did at the "
			    "review");
		goto out;
	}
	plan_hash(d->body, old_hash);
	if (strcmp(old_hash, a->approved)) {
		strbuf_adds(&why, "what was reviewed changed: ");
		body_diff(ap->body, d->body, &why);
		if (strcmp(ap->drill_sha256, p->drill->sha256))
			strbuf_adds(&why, "; the drill file is not the reviewed "
				    "one (its SHA-256 differs)");
		goto out;
	}
	ap->rolled_forward = rolled_forward(json_object_get(ap->body, "vars"),
					    json_object_get(p->drill->body,
							    "vars"));
	strbuf_adds(settled, journal_str(p->plan, "plan_hash"));
	a->approved = settled->buf;
out:
	if (why.len)
		ap->mismatch = xstrdup(why.buf);
	drill_free(d);
	error_release(&err);
	strbuf_release(&why);
}

/*
 * Before the gates: a bare hash checked for its form and widened from a
 * long enough prefix; a plan bundle's approval settled (settle_bundle).
 * 0 to go on (the runner's gate compares), else the exit code.
 */
static int settle_approval(const char *cmd, struct drill_args *a,
			   struct planned *p, struct approval *ap, long window,
			   struct strbuf *settled)
{
	const char *cur = journal_str(p->plan, "plan_hash");
	size_t len = strlen(a->approved), i;

	if (ap->given) {
		settle_bundle(a, p, ap, window, settled);
		return 0;
	}
	if (!strcmp(cur, a->approved))
		return 0;
	if (strspn(a->approved, "0123456789abcdefABCDEF") != len || len > 64)
		return rdrill_usage_error(cmd, "--approved-plan %s is neither a "
					  "plan bundle directory nor a plan hash",
					  a->approved);
	if (len < APPROVAL_MIN_PREFIX) {
		struct strbuf t = STRBUF_INIT;

		fprintf(stderr, "rdrill: --approved-plan %s: %zu hex digits is "
			"too short to approve a plan; give the full 64-digit plan "
			"hash `rdrill plan` prints (a prefix needs at least %d)\n",
			utf8_term(&t, a->approved), len, APPROVAL_MIN_PREFIX);
		strbuf_release(&t);
		return RDRILL_EXIT_REFUSED;
	}
	for (i = 0; i < len; i++)
		if ((a->approved[i] | 0x20) != cur[i])
			return 0; /* the gate refuses, quoting both */
	strbuf_adds(settled, cur);
	a->approved = settled->buf;
	return 0;
}

/*
 * --approved-plan HASH|DIR with --approved-key and --approval-window:
 * their combinations checked, the window read, a plan bundle verified
 * and read (approved_from_bundle). 0, or the exit code, said.
 */
static int approval_args(const char *cmd, struct drill_args *a,
			 const char *approved_key, const char *window_arg,
			 long *window, struct strbuf *approved_hash,
			 struct approval *ap)
{
	struct error err = ERROR_INIT;
	struct stat st;

	if (approved_key && !a->approved)
		return rdrill_usage_error(cmd, "--approved-key checks the "
					  "signature of --approved-plan DIR");
	if (window_arg && ((*window = parse_window(window_arg)) < 0 ||
			   !a->approved))
		return rdrill_usage_error(cmd, *window < 0 ?
			"--approval-window is a duration like 7d, 36h or 90m "
			"(at most 366d), not '%s'" : "--approval-window '%s' goes "
			"with --approved-plan DIR", window_arg);
	if (!a->approved)
		return 0;
	if (stat(a->approved, &st) < 0 || !S_ISDIR(st.st_mode)) {
		if (approved_key || window_arg)
			return rdrill_usage_error(cmd, "%s needs --approved-plan "
				"to name a plan bundle (a bare hash carries no "
				"review date)", approved_key ? "--approved-key" :
				"--approval-window");
		return 0;
	}
	if (approved_from_bundle(a->approved, approved_key, approved_hash, ap,
				 &err) < 0) {
		rdrill_print_error(&err);
		error_release(&err);
		return RDRILL_EXIT_REFUSED;
	}
	a->approved = approved_hash->buf;
	return 0;
}

/*
 * Without --confirm, a person at a terminal may type the environment's
 * name instead: the same deliberate act, never a y/N reflex.
 */
int rdrill_ask_confirm(const char *env, int n, char *buf, size_t len)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
		return 0;
	fprintf(stderr, "\nThis drill has %d destructive steps in environment "
		"'%s'.\nType the environment name to run them: ", n, env);
	fflush(stderr);
	if (!fgets(buf, (int)len, stdin))
		return 0;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 1;
}

/* Stages of cmd_run. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit makes write() fail (EFBIG), which the run can
	 * report and clean up after; by default it would kill rdrill. */
	signal(SIGXFSZ, SIG_IGN);
}

void rdrill_runner_opts(struct runner_opts *ro, const char *bundle,
			const char *lang, const struct sign_key *key)
{
	catch_signals();
	memset(ro, 0, sizeof(*ro));
	ro->bundle = bundle;
	ro->lang = lang;
	ro->cancel = &cancel;
	ro->cancel_hard = &cancel_hard;
	ro->progress = stderr;
	ro->tty = isatty(STDERR_FILENO);
	ro->sign_key = key;
}

int rdrill_sign_key(const char *path, struct sign_key **key,
		    struct error *err)
{
	*key = NULL;
	if (!path)
		path = getenv("RDRILL_SIGN_KEY");
	if (path && *path && !(*key = sign_key_load(path, err)))
		return -1;
	return 0;
}

/*
 * What the terminal summary says of the report's own view (report.h:
 * the figures as the report words them), read once through one table.
 */
struct summary_figure {
	const char *measured, *target, *result;
};

struct summary_view {
	struct summary_figure *rto, *rpo;
	const char *signing_key;
};

static const struct schema_field figure_fields[] = {
	{ .key = "measured", .type = SCHEMA_STR,
	  .off = offsetof(struct summary_figure, measured) },
	{ .key = "target", .type = SCHEMA_STR,
	  .off = offsetof(struct summary_figure, target) },
	{ .key = "result", .type = SCHEMA_STR,
	  .off = offsetof(struct summary_figure, result) },
	{ NULL },
};
static const struct schema figure_schema = {
	.what = "figure", .fields = figure_fields,
	.size = sizeof(struct summary_figure),
};
static const struct schema_field summary_view_fields[] = {
	{ .key = "rto", .type = SCHEMA_OBJ, .obj = &figure_schema,
	  .off = offsetof(struct summary_view, rto) },
	{ .key = "rpo", .type = SCHEMA_OBJ, .obj = &figure_schema,
	  .off = offsetof(struct summary_view, rpo) },
	{ .key = "signing_key", .type = SCHEMA_STR,
	  .off = offsetof(struct summary_view, signing_key) },
	{ NULL },
};
static const struct schema summary_view_schema = {
	.what = "report view", .fields = summary_view_fields,
	.size = sizeof(struct summary_view),
};

/* "RTO 12.3 s, target 10m: PASSED", from the report's own view. */
static void summary_measure(struct strbuf *out, const struct summary_figure *o,
			    const char *label)
{
	struct strbuf t = STRBUF_INIT;

	strbuf_addf(out, "  %-9s", label);
	if (o && o->measured && *o->measured)
		strbuf_adds(out, utf8_term(&t, o->measured));
	else
		strbuf_adds(out, "not measured");
	if (o && o->target && *o->target)
		strbuf_addf(out, ", target %s", utf8_term(&t, o->target));
	else
		strbuf_adds(out, ", no target");
	if (o && o->result && *o->result)
		strbuf_addf(out, ": %s", o->result);
	strbuf_addch(out, '\n');
	strbuf_release(&t);
}

/*
 * The block that ends NOT RESTORED output: the system is down, the one
 * command that finishes the job, and the steps left, pasteable.
 */
static void summary_not_restored(struct strbuf *out, json_t *records,
				 const struct drill *d, const char *bundle)
{
	struct restored_steps pending = { NULL, 0, 0 };
	struct jrecord_destroy ds;
	struct strbuf t = STRBUF_INIT;
	json_t *r;
	size_t i;

	restored_pending_steps(records, d, &pending);
	strbuf_adds(out, "\n== NOT RESTORED: the system was left destroyed ==\n");
	json_array_foreach(records, i, r)
		if (jrecord_destroy_read(r, &ds)) {
			strbuf_addf(out, "Step %lld (", (long long)
				    json_integer_value(ds.n));
			utf8_add_terminal(out, ds.id);
			strbuf_addf(out, ") began destroying it at %s; ",
				    utf8_term(&t, ds.time));
			break;
		}
	strbuf_adds(out, "its restore was not verified.\nFinish the job "
		    "(this run's plan, variables and dates; checked against "
		    "its evidence from before destroy):\n  rdrill restore "
		    "--confirm ");
	strbuf_add_shquoted(out, d->environment);
	strbuf_addch(out, ' ');
	strbuf_add_shquoted(out, bundle);
	strbuf_adds(out, "\nOr by hand, the restore and verify steps that did "
		    "not pass (secrets as the variables that hold them):\n");
	for (i = 0; i < pending.nr; i++) {
		const struct restored_step *p = &pending.v[i];

		strbuf_addf(out, "  %lld. ", (long long)p->n);
		utf8_add_terminal(out, p->id);
		strbuf_addf(out, " (%s, %s)\n    ", p->phase, p->status);
		if (*p->command) {
			strbuf_adds(out, "$ ");
			utf8_add_terminal(out, p->command);
		} else {
			strbuf_adds(out, "> ");
			utf8_add_terminal(out, p->describe);
			strbuf_adds(out, "  (an rdrill check: rdrill restore runs it)");
		}
		strbuf_addch(out, '\n');
	}
	restored_steps_release(&pending);
	strbuf_release(&t);
}

void rdrill_run_summary(const char *bundle, const char *word,
			const char *reason)
{
	struct strbuf out = STRBUF_INIT, path = STRBUF_INIT, t = STRBUF_INIT;
	struct error err = ERROR_INIT;
	json_t *records, *view = NULL;
	struct summary_view sv;
	struct jrecord_start js;
	struct drill *d = NULL;

	memset(&sv, 0, sizeof(sv));
	strbuf_addf(&path, "%s/journal.jsonl", bundle);
	records = journal_read(path.buf, NULL, &err);
	if (records) {
		view = report_view(records, "en", &err);
		jrecord_start_read(json_array_get(records, 0), &js);
		d = drill_from_body(js.body, &err);
		jrecord_start_release(&js);
	}
	if (view)
		schema_bind_lenient(&summary_view_schema, view, &sv);
	strbuf_addf(&out, "\n== rdrill: %s ==\n", word);
	if (reason && *reason) {
		strbuf_adds(&out, "  reason:  ");
		utf8_add_terminal(&out, reason);
		strbuf_addch(&out, '\n');
	}
	if (view) {
		summary_measure(&out, sv.rto, "RTO:");
		summary_measure(&out, sv.rpo, "RPO:");
	}
	utf8_term(&t, bundle);
	strbuf_addf(&out, "  report:  %s/report.md\n           %s/report.html\n",
		    t.buf, t.buf);
	strbuf_adds(&out, "  verify:  rdrill verify ");
	strbuf_add_shquoted(&out, t.buf);
	/* As the report writes it: the seal key's fingerprint, when signed. */
	if (sv.signing_key && *sv.signing_key)
		strbuf_addf(&out, " --key SHA256:%s", sv.signing_key);
	strbuf_adds(&out, "\n  next:    sign it off: rdrill sign ");
	strbuf_add_shquoted(&out, t.buf);
	strbuf_adds(&out, " --role operator --name NAME --key KEY.pem\n"
		    "           index it: rdrill history ");
	{
		const char *slash = strrchr(t.buf, '/');
		struct strbuf par = STRBUF_INIT;

		strbuf_add(&par, t.buf, slash ? (size_t)(slash - t.buf) : 0);
		strbuf_add_shquoted(&out, par.len ? par.buf : slash ? "/" : ".");
		strbuf_release(&par);
	}
	strbuf_addch(&out, '\n');
	if (records && d && !strcmp(word, RESTORED_WORD))
		summary_not_restored(&out, records, d, t.buf);
	fputs(out.buf, stderr);
	schema_release(&summary_view_schema, &sv);
	json_decref(records);
	json_decref(view);
	drill_free(d);
	error_release(&err);
	strbuf_release(&out);
	strbuf_release(&path);
	strbuf_release(&t);
}

int cmd_run(int argc, char **argv)
{
	struct drill_args a;
	struct error err = ERROR_INIT;
	struct planned p = { NULL, NULL, STRBUF_INIT };
	struct runner_opts ro;
	struct strbuf reason = STRBUF_INIT;
	enum runner_status status;
	char typed[256];
	struct run_lock lock = RUN_LOCK_INIT;
	int rc, held = 0, nd;
	const char *key_path = NULL;
	const char *approved_key = NULL, *push_url = NULL;
	struct sign_key *key = NULL;
	struct strbuf approved_hash = STRBUF_INIT, settled = STRBUF_INIT;
	struct approval ap = { 0 };
	json_t *approval = NULL;
	const char *window_arg = NULL;
	long window = APPROVAL_WINDOW_DEFAULT;
	struct strvec args = STRVEC_INIT;
	int i;

	/* --sign-key is run's alone; the shared parser sees the rest. */
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--sign-key") && i + 1 < argc)
			key_path = argv[++i];
		else if (!strcmp(argv[i], "--approved-key") && i + 1 < argc)
			approved_key = argv[++i];
		else if (!strcmp(argv[i], "--push") && i + 1 < argc)
			push_url = argv[++i];
		else if (!strcmp(argv[i], "--approval-window") && i + 1 < argc)
			window_arg = argv[++i];
		else
			strvec_push(&args, argv[i]);
	}
	rc = rdrill_parse_drill_args(argv[0], (int)args.nr, (char **)args.v, &a,
				     DRILL_ARGS_RUN);
	if (rc)
		goto out;
	/* Root runs no drill another user can edit (safefs.h). */
	if (!a.dry_run && safefs_root_trusted(a.file, "drill file", &err) < 0) {
		rc = RDRILL_EXIT_REFUSED;
		goto fail;
	}
	secret_protect_process();
	if (!a.dry_run && rdrill_sign_key(key_path, &key, &err) < 0) {
		rc = RDRILL_EXIT_REFUSED;
		goto fail;
	}
	rc = approval_args(argv[0], &a, approved_key, window_arg, &window,
			   &approved_hash, &ap);
	if (rc)
		goto out;
	if (a.dry_run) {
		rc = rdrill_plan(&a, argv[0]);
		goto out;
	}
	rc = rdrill_load_plan(argv[0], &a, &p);
	if (rc)
		goto out;
	if (a.approved) {
		rc = settle_approval(argv[0], &a, &p, &ap, window, &settled);
		if (rc)
			goto out;
	}
	/*
	 * One run per drill and environment on this host, whatever file it
	 * came from (lock.h). A lock that cannot be taken at all (no state
	 * directory) refuses too: the guarantee would silently be gone.
	 */
	rc = RDRILL_EXIT_REFUSED;
	if (run_lock_take(&lock, p.drill->id, p.drill->environment, &held,
			  &err) < 0)
		goto fail;
	nd = count_destructive(p.drill);
	if (nd && !a.confirm &&
	    rdrill_ask_confirm(p.drill->environment, nd, typed, sizeof(typed)))
		a.confirm = typed;

	rc = rdrill_make_bundle(&a, &p, "");
	if (rc)
		goto out;
	rc = RDRILL_EXIT_FAILED;
	if (run_lock_set_bundle(&lock, p.bundle.buf, &err) < 0)
		goto fail;

	rdrill_runner_opts(&ro, p.bundle.buf, a.lang, key);
	ro.drill = p.drill;
	ro.plan = p.plan;
	ro.confirm = a.confirm;
	ro.approved = a.approved;
	ro.change_ref = a.change_ref;
	ro.approval = approval = approval_json(&ap);
	ro.vars_given = a.vars;
	{
		struct strbuf t1 = STRBUF_INIT, t2 = STRBUF_INIT;

		fprintf(stderr, "rdrill: %s, plan %s\nrdrill: bundle %s\n",
			utf8_term(&t1, a.file),
			json_string_value(json_object_get(p.plan, "plan_hash")),
			utf8_term(&t2, p.bundle.buf));
		strbuf_release(&t1);
		strbuf_release(&t2);
	}
	if (runner_run(&ro, &status, &reason, &err) < 0)
		goto fail;
	rc = rdrill_run_finish(p.bundle.buf, status, reason.buf);
	if (push_url)
		rdrill_push_run(push_url, p.bundle.buf, p.drill->id,
				p.drill->environment);
	goto out;
fail:
	rdrill_print_error(&err);
out:
	secret_clear();
	run_lock_release(&lock);
	rdrill_planned_release(&p);
	strbuf_release(&reason);
	error_release(&err);
	rdrill_drill_args_release(&a);
	sign_key_free(key);
	strvec_clear(&args);
	strbuf_release(&approved_hash);
	strbuf_release(&settled);
	json_decref(approval);
	approval_release(&ap);
	return rc;
}

int rdrill_run_finish(const char *bundle, enum runner_status status,
		      const char *reason)
{
	struct strbuf t = STRBUF_INIT;

	if (*reason) {
		/* It quotes the failed step's message: server or command text. */
		struct strbuf safe = STRBUF_INIT;
		utf8_add_terminal(&safe, reason);
		fprintf(stderr, "rdrill: %s\n", safe.buf);
		strbuf_release(&safe);
	}
	printf("%s: %s/report.html\n", runner_status_word(status),
	       utf8_term(&t, bundle));
	fflush(stdout);
	rdrill_run_summary(bundle, runner_status_word(status), reason);
	strbuf_release(&t);
	return status == RUNNER_PASSED ? RDRILL_EXIT_OK :
	     status == RUNNER_REFUSED ? RDRILL_EXIT_REFUSED : RDRILL_EXIT_FAILED;
}
