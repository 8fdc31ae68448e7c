#include "history.h"
#include "clock.h"
#include "histindex.h"
#include "error.h"
#include "journal.h"
#include "markdown.h"
#include "restored.h"
#include "schema.h"
#include "schema-table.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bundles sit at most this deep below a given directory. */
#define HISTORY_DEPTH 4

/* A run that started this far after `now` had a wrong clock. */
#define HISTORY_CLOCK_SLACK_MS (5LL * 60 * 1000)

/*
 * The end record's verdict words, as history reads them: whether a
 * verified run with that word is a pass. A word not here (a newer
 * rdrill's) is shown as it is and is never a pass. A new verdict is one
 * row.
 */
static const struct verdict_word {
	const char *word;
	int pass;
} verdict_words[] = {
	{ "PASSED", 1 },
	{ "FAILED", 0 },
	{ "ABORTED", 0 },
	{ "REFUSED", 0 },
	{ "INCOMPLETE", 0 },
	{ "UNREADABLE", 0 },
	{ RESTORED_WORD, 0 },   /* the system was left destroyed (restored.h) */
};

static int word_passes(const char *w)
{
	size_t i;

	for (i = 0; i < sizeof(verdict_words) / sizeof(*verdict_words); i++)
		if (!strcmp(w, verdict_words[i].word))
			return verdict_words[i].pass;
	return 0;
}

/*
 * What the evidence says of a bundle (run "state"), and the word the
 * index shows instead of the end record's when it is not "verified":
 * only a verified bundle's own verdict is shown, and only it may pass.
 */
static const struct state_row {
	const char *state, *shown;
	int over_pass_only;     /* shown only instead of a passing word */
} state_rows[] = {
	{ "verified", NULL, 0 },
	/* Killed before its seal, sealed by render: its own verdict (FAILED,
	 * NOT RESTORED, INCOMPLETE...), but never a PASSED. */
	{ "cut-short", "CUT SHORT", 1 },
	{ "tampered", "TAMPERED", 0 },
	{ "unsealed", "UNVERIFIED", 0 },
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What the walk could not search, and why: listed, never silent. */
static void skip(struct history *h, const char *path, const char *why)
{
	if (!h)
		return;
	strvec_push(&h->skipped, path);
	strvec_push(&h->skipped_why, why);
}

/*
 * Every bundle under `dir`, sorted; symbolic links are not followed.
 * What cannot be searched (unreadable, deeper than the walk goes, a
 * journal that is not a regular file) goes to `h`'s skipped (h may be
 * NULL), never silently.
 */
static void find_bundles(const char *dir, int depth, struct strvec *out,
			 struct history *h)
{
	struct strvec subs = STRVEC_INIT;
	struct strbuf p = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t i;

	strbuf_addf(&p, "%s/journal.jsonl", dir);
	if (lstat(p.buf, &st) == 0) {
		if (S_ISREG(st.st_mode))
			strvec_push(out, dir);
		else
			skip(h, dir, "journal.jsonl is not a regular file");
		strbuf_release(&p);
		return;
	}
	strbuf_release(&p);
	if (!(d = opendir(dir))) {
		skip(h, dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", dir, de->d_name);
		if (lstat(p.buf, &st) == 0 && S_ISDIR(st.st_mode))
			strvec_push(&subs, p.buf);
	}
	closedir(d);
	strbuf_release(&p);
	qsort(subs.v, subs.nr, sizeof(*subs.v), cmp_str);
	for (i = 0; i < subs.nr; i++) {
		if (depth > 0)
			find_bundles(subs.v[i], depth - 1, out, h);
		else
			skip(h, subs.v[i], "deeper than the " "4 levels "
			     "history searches: not searched");
	}
	strvec_clear(&subs);
}

/* The signer as the index says it (see history.h). */
static const char *signer_word(const char *key, const struct strvec *trusted)
{
	size_t i;

	if (!*key)
		return "unsigned";
	if (!trusted || !trusted->nr)
		return "self-signed";
	for (i = 0; i < trusted->nr; i++)
		if (!strcmp(trusted->v[i], key))
			return "trusted";
	return "untrusted signer";
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

/*
 * Bundle `dir` as a run (runsum.h), from the directory's index when its
 * entry was made from the bundle as it is now (histindex.h), else read
 * and verified, and put in the index. What depends on this invocation
 * (where the bundle is, whom --key trusts) is set afresh either way.
 * 1 for a plan bundle.
 */
static int summary_cached(const char *dir, struct histindex *ix,
			  const struct strvec *trusted, struct run_summary *s)
{
	char ident[SHA256_HEX_LEN + 1];
	int have = ix && histindex_ident(dir, ident) == 0, ret;
	json_t *e = have ? histindex_get(ix, base_name(dir), ident) : NULL;

	switch (runsum_from_entry(s, e, dir)) {
	case RUNSUM_PLAN_BUNDLE:
		return 1;
	case RUNSUM_WHOLE:
		return 0;
	default:
		break;
	}
	runsum_release(s);
	ret = runsum_read(s, dir);
	if (have)
		histindex_put(ix, base_name(dir), ident, runsum_entry(s,
			      ret ? NULL : signer_word(s->signed_key, trusted), 1));
	return ret;
}

/* The directory a bundle is in (its index's). */
static void parent_of(const char *dir, struct strbuf *out)
{
	const char *slash = strrchr(dir, '/');

	strbuf_reset(out);
	if (!slash)
		strbuf_adds(out, ".");
	else if (slash == dir)
		strbuf_adds(out, "/");
	else
		strbuf_add(out, dir, (size_t)(slash - dir));
}

/* Done with a directory's index: written back if it changed (a cache). */
static void index_close(struct histindex *ix)
{
	struct error e = ERROR_INIT;

	if (ix)
		histindex_save(ix, &e);
	histindex_release(ix);
	error_release(&e);
}

/* ---- the model ---------------------------------------------------------- */

static struct history_run *run_new(void)
{
	struct history_run *r = xcalloc(1, sizeof(*r));

	runsum_init(&r->s);
	r->signer = xstrdup("");
	return r;
}

static void run_free(struct history_run *r)
{
	if (!r)
		return;
	runsum_release(&r->s);
	free(r->signer);
	free(r->finding);
	free(r->restored_by);
	free(r);
}

void history_drill_init(struct history_drill *d)
{
	memset(d, 0, sizeof(*d));
	strvec_init(&d->findings);
	d->cadence_s = HISTORY_DEFAULT_CADENCE_S;
	d->last_pass_ms = d->due_ms = -1;
}

void history_drill_release(struct history_drill *d, int own)
{
	size_t i;

	for (i = 0; own && i < d->nruns; i++)
		run_free(d->runs[i]);
	for (i = 0; own && i < d->nrefused; i++)
		run_free(d->refused[i]);
	free(d->runs);
	free(d->refused);
	free(d->id);
	free(d->environment);
	free(d->title);
	free(d->runner);
	strvec_clear(&d->findings);
	history_drill_init(d);
}

void history_drill_add(struct history_drill *d, struct history_run *r,
		       int refused)
{
	if (refused) {
		XGROW(d->refused, d->nrefused + 1, d->alloc_refused);
		d->refused[d->nrefused++] = r;
	} else {
		XGROW(d->runs, d->nruns + 1, d->alloc_runs);
		d->runs[d->nruns++] = r;
	}
}

void history_init(struct history *h)
{
	memset(h, 0, sizeof(*h));
	strvec_init(&h->skipped);
	strvec_init(&h->skipped_why);
}

void history_release(struct history *h)
{
	size_t i;

	for (i = 0; i < h->ndrills; i++)
		history_drill_release(&h->drills[i], 1);
	free(h->drills);
	strvec_clear(&h->skipped);
	strvec_clear(&h->skipped_why);
	history_init(h);
}

/* `*dst` := a copy of `src`. */
static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = xstrdup(src ? src : "");
}

static int cmp_run(const void *a, const void *b)
{
	return strcmp((*(struct history_run *const *)a)->s.started,
		      (*(struct history_run *const *)b)->s.started);
}

static void sort_runs(struct history_run **v, size_t n)
{
	if (n)
		qsort(v, n, sizeof(*v), cmp_run);
}

static int is_verified(const struct history_run *r)
{
	return !strcmp(r->s.state, "verified");
}

/* The pair of a NOT RESTORED run and its `rdrill restore`, both ways. */
static void link_restores(struct history_drill *d)
{
	size_t i, j;

	for (i = 0; i < d->nruns; i++) {
		const struct history_run *r = d->runs[i];

		if (!*r->s.resumes)
			continue;
		for (j = 0; j < d->nruns; j++)
			if (!strcmp(base_name(d->runs[j]->s.bundle), r->s.resumes))
				set_str(&d->runs[j]->restored_by,
					base_name(r->s.bundle));
	}
}

static void finding(struct history_drill *d, struct history_run *r,
		    const char *fmt, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, fmt, a, b);
	strvec_push(&d->findings, sb.buf);
	if (r)
		set_str(&r->finding, sb.buf);
	strbuf_release(&sb);
}

/* A signer unlike the drill's others: a finding (see judge()). */
static void judge_signer(struct history_drill *d, struct history_run *r,
			 const struct strvec *trusted, int any_trusted,
			 const char *first_key, int *counted)
{
	const char *key = r->s.signed_key;

	if (trusted && trusted->nr && strcmp(r->signer, "trusted")) {
		if (any_trusted)
			finding(d, r, "%s: the drill's other runs are "
				"signed by a trusted key, this one is %s",
				r->s.bundle, r->signer);
		*counted = 0;
	} else if ((!trusted || !trusted->nr) && first_key &&
		   strcmp(key, first_key) && is_verified(r)) {
		finding(d, r, *key ? "%s: signed by SHA256:%.12s, not by "
			"the key of the drill's earlier runs" :
			"%s: %sunsigned, while the drill's earlier runs "
			"are signed", r->s.bundle, key);
	}
}

/*
 * Each run of a drill: whether it counts (verified, signed by a trusted
 * key when keys are given, not dated in the future) and whether it is a
 * pass (that, and a passing verdict word); findings for what should not
 * be (a clock ahead, a signer the drill's other runs do not have).
 */
static void judge(struct history_drill *d, const struct strvec *trusted,
		  long long now_ms)
{
	const char *first_key = NULL;
	int any_trusted = 0;
	size_t j;

	for (j = 0; j < d->nruns; j++) {
		const struct history_run *r = d->runs[j];

		if (!strcmp(r->signer, "trusted"))
			any_trusted = 1;
		if (*r->s.signed_key && !first_key && is_verified(r))
			first_key = r->s.signed_key;
	}
	for (j = 0; j < d->nruns; j++) {
		struct history_run *r = d->runs[j];
		long long t = clock_parse_utc_ms(r->s.started);
		int counted = is_verified(r);

		if (counted && t > now_ms + HISTORY_CLOCK_SLACK_MS) {
			finding(d, r, "%s: started %s, after this index was "
				"made: the runner's clock was wrong; not counted",
				r->s.bundle, r->s.started);
			counted = 0;
		}
		judge_signer(d, r, trusted, any_trusted, first_key, &counted);
		r->counted = counted;
		r->pass = counted && word_passes(r->s.status);
	}
}

/*
 * The drill's cadence is its newest run's (the drill file as it is
 * now), not whichever bundle was found first; a run dated in the future
 * is not the newest.
 */
static long long group_cadence(const struct history_drill *d, long long now_ms)
{
	size_t j;

	for (j = d->nruns; j-- > 0;)
		if (clock_parse_utc_ms(d->runs[j]->s.started) <=
		    now_ms + HISTORY_CLOCK_SLACK_MS || j == 0)
			return d->runs[j]->s.cadence_s;
	return HISTORY_DEFAULT_CADENCE_S;
}

static void close_group(struct history_drill *d, const struct strvec *trusted,
			long long now_ms)
{
	long long last = -1, cad;
	size_t j;

	sort_runs(d->runs, d->nruns);
	link_restores(d);
	judge(d, trusted, now_ms);
	for (j = 0; j < d->nruns; j++)
		if (d->runs[j]->pass)
			last = clock_parse_utc_ms(d->runs[j]->s.started);
	cad = group_cadence(d, now_ms);
	d->cadence_s = cad;
	d->last_pass_ms = last;
	d->due_ms = last >= 0 ? last + cad * 1000 : -1;
	d->overdue = last < 0 || now_ms > last + cad * 1000;
}

/*
 * A verified REFUSED run (a gate stopped it before any step: an
 * operator's mistake, nothing ran) says nothing of the system: it goes
 * to the drill's "refused" list, out of its record (runs, passes,
 * failures, the chart, the metrics). One whose bundle does not verify
 * stays a run: its word is not to be believed, so it shows as TAMPERED.
 */
static size_t split_refused(struct history_drill *d)
{
	struct history_run **all = d->runs;
	size_t i, n = d->nruns;

	d->runs = NULL;
	d->nruns = d->alloc_runs = 0;
	for (i = 0; i < n; i++)
		history_drill_add(d, all[i], is_verified(all[i]) &&
				  !strcmp(all[i]->s.status, "REFUSED"));
	free(all);
	sort_runs(d->refused, d->nrefused);
	return d->nrefused;
}

/* The drill `id` in `env` (`keys`: each drill's, in order), made new. */
static struct history_drill *group_of(struct history *h, struct strvec *keys,
				      const char *id, const char *env)
{
	struct strbuf k = STRBUF_INIT;
	struct history_drill *d = NULL;
	size_t i;

	strbuf_addf(&k, "%s\x1f%s", id, env);
	for (i = 0; i < keys->nr && !d; i++)
		if (!strcmp(keys->v[i], k.buf))
			d = &h->drills[i];
	if (!d) {
		XGROW(h->drills, h->ndrills + 1, h->alloc_drills);
		d = &h->drills[h->ndrills++];
		history_drill_init(d);
		d->id = xstrdup(id);
		d->environment = xstrdup(env);
		strvec_push(keys, k.buf);
	}
	strbuf_release(&k);
	return d;
}

/* The drills in the order of their keys (id, then environment). */
static void sort_drills(struct history *h, struct strvec *keys)
{
	struct history_drill *v = xcalloc(h->ndrills ? h->ndrills : 1, sizeof(*v));
	char **sorted = xcalloc(keys->nr ? keys->nr : 1, sizeof(*sorted));
	size_t i, j;

	for (i = 0; i < keys->nr; i++)
		sorted[i] = (char *)keys->v[i];
	qsort(sorted, keys->nr, sizeof(*sorted), cmp_str);
	for (i = 0; i < keys->nr; i++)
		for (j = 0; j < keys->nr; j++)
			if (sorted[i] == keys->v[j])
				v[i] = h->drills[j];
	free(h->drills);
	h->drills = v;
	h->alloc_drills = h->ndrills;
	free(sorted);
}

/* Each run of `bundles`, in its drill; the title the newest run's. */
static void add_runs(struct history *h, const struct strvec *bundles,
		     const struct strvec *trusted, struct strvec *keys)
{
	struct strvec title_from = STRVEC_INIT;
	struct histindex *ix = NULL;
	struct strbuf dir = STRBUF_INIT, ixdir = STRBUF_INIT;
	size_t i;

	for (i = 0; i < bundles->nr; i++) {
		struct history_run *r = run_new();
		struct history_drill *d;
		size_t at;

		/* Bundles come directory by directory: one index at a time. */
		parent_of(bundles->v[i], &dir);
		if (!ix || strcmp(dir.buf, ixdir.buf)) {
			index_close(ix);
			ix = histindex_open(dir.buf);
			strbuf_reset(&ixdir);
			strbuf_adds(&ixdir, dir.buf);
		}
		if (summary_cached(bundles->v[i], ix, trusted, &r->s)) {
			run_free(r);
			continue;
		}
		h->bundles++;
		set_str(&r->signer, signer_word(r->s.signed_key, trusted));
		d = group_of(h, keys, *r->s.id ? r->s.id : "(unreadable journal)",
			     r->s.environment);
		at = (size_t)(d - h->drills);
		if (at == title_from.nr)
			strvec_push(&title_from, "");
		/* The title, like the cadence, of the newest run. */
		if (strcmp(r->s.started, title_from.v[at]) >= 0) {
			set_str(&d->title, r->s.title);
			free((char *)title_from.v[at]);
			title_from.v[at] = xstrdup(r->s.started);
		}
		history_drill_add(d, r, 0);
	}
	index_close(ix);
	strvec_clear(&title_from);
	strbuf_release(&dir);
	strbuf_release(&ixdir);
}

int history_scan(struct history *h, const struct strvec *dirs,
		 const struct strvec *trusted, long long now_ms,
		 struct error *err)
{
	struct strvec bundles = STRVEC_INIT, keys = STRVEC_INIT;
	size_t i;

	for (i = 0; i < dirs->nr; i++) {
		struct stat st;
		if (stat(dirs->v[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			error_set(err, "%s: not a directory", dirs->v[i]);
			strvec_clear(&bundles);
			return -1;
		}
		find_bundles(dirs->v[i], HISTORY_DEPTH, &bundles, h);
	}
	add_runs(h, &bundles, trusted, &keys);
	sort_drills(h, &keys);
	for (i = 0; i < h->ndrills; i++) {
		h->refused += (long long)split_refused(&h->drills[i]);
		close_group(&h->drills[i], trusted, now_ms);
	}
	h->generated_ms = now_ms;
	h->trusted_keys = trusted ? (long long)trusted->nr : 0;
	strvec_clear(&keys);
	strvec_clear(&bundles);
	return 0;
}

int history_skipped(const struct history *h)
{
	return (int)h->skipped.nr;
}

int history_overdue(const struct history *h)
{
	size_t i;
	int n = 0;

	for (i = 0; i < h->ndrills; i++)
		n += h->drills[i].overdue;
	return n;
}

/* ---- history.json: the edge ---------------------------------------------- */

static json_t *utc_or_null(long long ms)
{
	return ms >= 0 ? journal_utc(ms) : json_null();
}

/* A run as history.json says it; `judged`: one of the drill's record. */
static json_t *run_json(const struct history_run *r, int judged)
{
	json_t *o = runsum_run_json(&r->s, r->signer);

	json_object_set_new(o, "cadence_s", json_integer(r->s.cadence_s));
	if (!judged)
		return o;
	if (r->restored_by)
		json_object_set_new(o, "restored_by", json_string(r->restored_by));
	if (r->finding)
		json_object_set_new(o, "finding", json_string(r->finding));
	json_object_set_new(o, "counted", json_boolean(r->counted));
	json_object_set_new(o, "pass", json_boolean(r->pass));
	return o;
}

static json_t *drill_json(const struct history_drill *d)
{
	json_t *o = json_object(), *runs = json_array(), *refused = json_array();
	json_t *findings = json_array();
	size_t i;

	for (i = 0; i < d->nruns; i++)
		json_array_append_new(runs, run_json(d->runs[i], 1));
	for (i = 0; i < d->nrefused; i++)
		json_array_append_new(refused, run_json(d->refused[i], 0));
	for (i = 0; i < d->findings.nr; i++)
		json_array_append_new(findings, json_string(d->findings.v[i]));
	/* history.json's order (as it was written before it was typed). */
	json_object_set_new(o, "id", json_string(d->id));
	json_object_set_new(o, "environment", json_string(d->environment));
	json_object_set_new(o, "runs", runs);
	json_object_set_new(o, "findings", findings);
	json_object_set_new(o, "title", json_string(d->title ? d->title : ""));
	json_object_set_new(o, "refused", refused);
	json_object_set_new(o, "cadence_s", json_integer(d->cadence_s));
	json_object_set_new(o, "last_pass", utc_or_null(d->last_pass_ms));
	json_object_set_new(o, "due", utc_or_null(d->due_ms));
	json_object_set_new(o, "overdue", json_boolean(d->overdue));
	return o;
}

json_t *history_json(const struct history *h)
{
	json_t *out = json_object(), *drills = json_array();
	json_t *skipped = json_array();
	size_t i;

	for (i = 0; i < h->ndrills; i++)
		json_array_append_new(drills, drill_json(&h->drills[i]));
	for (i = 0; i < h->skipped.nr; i++)
		json_array_append_new(skipped, json_pack("{s:s, s:s}", "path",
			h->skipped.v[i], "why", h->skipped_why.v[i]));
	json_object_set_new(out, "generated", journal_utc(h->generated_ms));
	json_object_set_new(out, "bundles", json_integer(h->bundles));
	json_object_set_new(out, "refused", json_integer(h->refused));
	json_object_set_new(out, "trusted_keys", json_integer(h->trusted_keys));
	json_object_set_new(out, "drills", drills);
	json_object_set_new(out, "skipped", skipped);
	return out;
}

/*
 * history.json read back (history_json()'s keys), declared as schema
 * tables and bound leniently: a member of the wrong type reads as absent.
 */

static const struct schema_field hj_text = { .type = SCHEMA_STR };

struct hj_run {                 /* history's own members of a run */
	const char *signer, *finding, *restored_by;
	int counted, pass;
};
static const struct schema_field hj_run_fields[] = {
	OPT(struct hj_run, "signer", signer),
	BOOL(struct hj_run, "counted", counted),
	BOOL(struct hj_run, "pass", pass),
	OPT(struct hj_run, "finding", finding),
	OPT(struct hj_run, "restored_by", restored_by),
	{ 0 }
};
SCHEMA_OF(struct hj_run, hj_run_schema, hj_run_fields);

struct hj_drill {
	const char *id, *environment, *title, *last_pass, *due;
	struct schema_int cadence_s;
	int overdue;
	struct strvec findings;
	json_t *runs, *refused; /* each a run: runsum's and hj_run */
};
static const struct schema_field hj_drill_fields[] = {
	TXT(struct hj_drill, "id", id),
	TXT(struct hj_drill, "environment", environment),
	TXT(struct hj_drill, "title", title),
	INT(struct hj_drill, "cadence_s", cadence_s),
	TXT(struct hj_drill, "last_pass", last_pass),
	TXT(struct hj_drill, "due", due),
	BOOL(struct hj_drill, "overdue", overdue),
	{ .key = "findings", .type = SCHEMA_LIST, .item = &hj_text,
	  .off = offsetof(struct hj_drill, findings) },
	RAW(struct hj_drill, "runs", runs),
	RAW(struct hj_drill, "refused", refused),
	{ 0 }
};
SCHEMA_OF(struct hj_drill, hj_drill_schema, hj_drill_fields);

struct hj_skipped {
	const char *path, *why;
};
static const struct schema_field hj_skipped_fields[] = {
	TXT(struct hj_skipped, "path", path),
	TXT(struct hj_skipped, "why", why),
	{ 0 }
};
SCHEMA_OF(struct hj_skipped, hj_skipped_schema, hj_skipped_fields);
static const struct schema_field hj_skipped_item = {
	.type = SCHEMA_OBJ, .obj = &hj_skipped_schema };
static const struct schema_field hj_drill_item = {
	.type = SCHEMA_OBJ, .obj = &hj_drill_schema };

struct hj_history {
	const char *generated;
	struct schema_int bundles, refused, trusted_keys;
	struct hj_skipped *skipped;
	size_t nskipped;
	struct hj_drill *drills;
	size_t ndrills;
};
static const struct schema_field hj_history_fields[] = {
	TXT(struct hj_history, "generated", generated),
	INT(struct hj_history, "bundles", bundles),
	INT(struct hj_history, "refused", refused),
	INT(struct hj_history, "trusted_keys", trusted_keys),
	{ .key = "skipped", .type = SCHEMA_LIST, .item = &hj_skipped_item,
	  .off = offsetof(struct hj_history, skipped),
	  .off2 = offsetof(struct hj_history, nskipped) },
	{ .key = "drills", .type = SCHEMA_LIST, .item = &hj_drill_item,
	  .off = offsetof(struct hj_history, drills),
	  .off2 = offsetof(struct hj_history, ndrills) },
	{ 0 }
};
SCHEMA_OF(struct hj_history, hj_history_schema, hj_history_fields);

static struct history_run *run_from_json(json_t *o)
{
	struct history_run *r = run_new();
	struct hj_run w;

	memset(&w, 0, sizeof(w));
	schema_bind_lenient(&hj_run_schema, o, &w);
	runsum_from_run(&r->s, o);
	set_str(&r->signer, w.signer);
	r->counted = w.counted;
	r->pass = w.pass;
	r->finding = w.finding ? xstrdup(w.finding) : NULL;
	r->restored_by = w.restored_by ? xstrdup(w.restored_by) : NULL;
	return r;
}

static void drill_from_json(struct history_drill *d, const struct hj_drill *w)
{
	json_t *v;
	size_t i;

	d->id = xstrdup(w->id);
	d->environment = xstrdup(w->environment);
	d->title = xstrdup(w->title);
	d->cadence_s = w->cadence_s.set ? w->cadence_s.v :
		HISTORY_DEFAULT_CADENCE_S;
	d->last_pass_ms = clock_parse_utc_ms(w->last_pass);
	d->due_ms = clock_parse_utc_ms(w->due);
	d->overdue = w->overdue;
	for (i = 0; i < w->findings.nr; i++)
		strvec_push(&d->findings, w->findings.v[i]);
	json_array_foreach(w->runs, i, v)
		history_drill_add(d, run_from_json(v), 0);
	json_array_foreach(w->refused, i, v)
		history_drill_add(d, run_from_json(v), 1);
}

void history_from_json(struct history *h, json_t *j)
{
	struct hj_history w;
	size_t i;

	memset(&w, 0, sizeof(w));
	schema_bind_lenient(&hj_history_schema, j, &w);
	schema_empty_text(&hj_history_schema, &w);
	h->generated_ms = clock_parse_utc_ms(w.generated);
	h->bundles = w.bundles.set ? w.bundles.v : 0;
	h->refused = w.refused.set ? w.refused.v : 0;
	h->trusted_keys = w.trusted_keys.set ? w.trusted_keys.v : 0;
	for (i = 0; i < w.nskipped; i++) {
		strvec_push(&h->skipped, w.skipped[i].path);
		strvec_push(&h->skipped_why, w.skipped[i].why);
	}
	for (i = 0; i < w.ndrills; i++) {
		XGROW(h->drills, h->ndrills + 1, h->alloc_drills);
		history_drill_init(&h->drills[h->ndrills]);
		drill_from_json(&h->drills[h->ndrills++], &w.drills[i]);
	}
	schema_release(&hj_history_schema, &w);
}

/* ---- the index ---------------------------------------------------------- */

/*
 * The index's own words, in each report language (issue 22: history was
 * English only). Text that is rdrill's own sentence is here; the runs'
 * figures, dates and the drills' names are filled in and marked as data
 * when marking (words.h), so test-words checks a Chinese history too.
 */
enum hw {
	HW_TITLE, HW_GENERATED, HW_REFUSED_N, HW_RULES, HW_TRUSTED,
	HW_UNTRUSTED, HW_FINDINGS, HW_NOT_SEARCHED, HW_SUMMARY_HEAD,
	HW_RUNS_HEAD, HW_REFUSED_HEAD, HW_REFUSED_TABLE, HW_OWN_BACKUP,
	HW_FROM_WAL, HW_ARCHIVE_LAG, HW_TO_TARGET, HW_RECOVERY, HW_WAL_PROOF,
	HW_RESTORE, HW_REPLAY, HW_PROMOTE, HW_CLOSE, HW_NOT_COUNTED, HW_SEAL,
	HW_SEAL_UNSIGNED, HW_SIGNOFFS, HW_RESTORES, HW_RESTORED_BY,
	HW_RESTORED_BY_END,
	HW_SEP, HW_COLON, HW_LEGEND, HW_HTML_TITLE, HW_NONE_RAN,
	HW_N
};

static const char *const hw_text[HW_N][2] = {
	[HW_TITLE] = { "# Drill history\n\n", "# 演练历史\n\n" },
	[HW_GENERATED] = { "Generated %s from %lld run bundles",
			   "生成于 %s，共 %lld 个运行证据包" },
	[HW_REFUSED_N] = { " (%lld of them refused: listed apart)",
			   "（其中 %lld 个被拒绝：单独列出）" },
	[HW_RULES] = { ". A run counts as passed only when its bundle verifies "
		       "(`rdrill verify`); a drill is `OVERDUE` when its last "
		       "passed run is older than its cadence (default 92 days). "
		       "A `REFUSED` run (a gate stopped it: nothing ran) is not "
		       "part of a drill's record.",
		       "。只有证据包通过验证（`rdrill verify`）的运行才算通过；"
		       "最近一次通过早于演练周期（默认 92 天）时，演练为 "
		       "`OVERDUE`。`REFUSED` 的运行（被关卡拦下：什么都没有执行）"
		       "不计入演练的记录。" },
	[HW_TRUSTED] = { " Only runs sealed by one of the %lld trusted keys "
			 "given count.",
			 "只有由给定的 %lld 个可信密钥之一封存的运行才计入。" },
	[HW_UNTRUSTED] = { " No trusted key was given (`--key`): a seal's "
			   "signature says only that the bundle is whole, not "
			   "whose it is.",
			   "未给出可信密钥（`--key`）：封印的签名只说明证据包"
			   "完整，不说明它属于谁。" },
	[HW_FINDINGS] = { "**Findings:**\n\n", "**发现：**\n\n" },
	[HW_NOT_SEARCHED] = { "**Not searched** (bundles here are not in this "
			      "index):\n\n",
			      "**未搜索**（此处的证据包不在本索引中）：\n\n" },
	[HW_SUMMARY_HEAD] = {
		"| Drill | Environment | Last run | Verdict | RTO | RPO "
		"| Evidence | Last passed | Due |\n",
		"| 演练 | 环境 | 最近运行 | 结论 | RTO | RPO | 证据 | 最近通过 "
		"| 到期 |\n" },
	[HW_RUNS_HEAD] = {
		"| Started | Verdict | RTO | RPO | Evidence | Signed | Bundle |\n",
		"| 开始时间 | 结论 | RTO | RPO | 证据 | 签名 | 证据包 |\n" },
	[HW_REFUSED_HEAD] = {
		"**Refused runs** (a gate stopped them before any step: an "
		"operator's mistake, nothing ran; not counted as runs, passes or "
		"failures):\n\n",
		"**被拒绝的运行**（在任何步骤之前被关卡拦下：操作员的失误，"
		"什么都没有执行；不计为运行、通过或失败）：\n\n" },
	[HW_REFUSED_TABLE] = { "| Started | Why | Bundle |\n",
			       "| 开始时间 | 原因 | 证据包 |\n" },
	[HW_OWN_BACKUP] = { "not demonstrated (own backup)",
			    "未证明（演练自己做的备份）" },
	[HW_FROM_WAL] = { "; from WAL ", "；由 WAL 得出 " },
	[HW_ARCHIVE_LAG] = { " (archive lag)", "（归档延迟）" },
	[HW_TO_TARGET] = { " (to the chosen target)", "（到所选目标）" },
	[HW_RECOVERY] = { "; recovery ", "；恢复 " },
	[HW_WAL_PROOF] = { " (WAL proof ", "（WAL 证明 " },
	[HW_RESTORE] = { ", restore ", "，还原 " },
	[HW_REPLAY] = { ", replay ", "，重放 " },
	[HW_PROMOTE] = { ", promote ", "，提升 " },
	[HW_CLOSE] = { ")", "）" },
	[HW_NOT_COUNTED] = { "; not counted: ", "；不计入：" },
	[HW_SEAL] = { "seal: ", "封印：" },
	[HW_SEAL_UNSIGNED] = { "seal unsigned", "封印未签名" },
	[HW_SIGNOFFS] = { "; %lld sign-off%s", "；%lld 个签核%s" },
	[HW_RESTORES] = { "restores ", "还原自 " },
	[HW_RESTORED_BY] = { "restored by ", "已由 " },
	[HW_RESTORED_BY_END] = { "", " 还原" },
	[HW_SEP] = { "; ", "；" },
	[HW_COLON] = { ": ", "：" },
	[HW_LEGEND] = { "RTO blue, RPO grey (duration); red: not a verified "
			"pass; x: the run's start date (UTC)",
			"RTO 蓝色，RPO 灰色（时长）；红色：不是经过验证的通过；"
			"横轴：运行开始日期（UTC）" },
	[HW_HTML_TITLE] = { "Drill history", "演练历史" },
	[HW_NONE_RAN] = { "none ran", "没有运行" },
};

/* The words history says again in a language: states, signers, findings. */
static const struct words words_history[] = {
	{ NULL, "verified", "已验证" },
	{ NULL, "cut-short", "被截断" },
	{ NULL, "tampered", "被篡改" },
	{ NULL, "unsealed", "未封存" },
	{ NULL, "trusted", "可信" },
	{ NULL, "untrusted signer", "不可信的签名者" },
	{ NULL, "unsigned", "未签名" },
	{ NULL, "self-signed", "自签名" },
	{ NULL, "{}: started {}, after this index was made: the runner's "
	  "clock was wrong; not counted",
	  "{}：开始于 {}，晚于本索引的生成时间：运行主机的时钟有误；不计入" },
	{ NULL, "{}: the drill's other runs are signed by a trusted key, this "
	  "one is {w}", "{}：该演练的其他运行由可信密钥签名，这次是{w}" },
	{ NULL, "{}: signed by SHA256:{}, not by the key of the drill's "
	  "earlier runs", "{}：由 SHA256:{} 签名，而不是该演练早先运行的密钥" },
	{ NULL, "{}: unsigned, while the drill's earlier runs are signed",
	  "{}：未签名，而该演练早先的运行都已签名" },
	{ NULL, "{} is not a regular file", "{} 不是普通文件" },
	{ NULL, "deeper than the {n} levels history searches: not searched",
	  "超出历史索引搜索的 {n} 层深度：未搜索" },
	/*
	 * A REFUSED run's reason (run-words.c says it too): here the option
	 * is a hole, so the command the operator types is shown as such.
	 */
	{ NULL, "the drill has {n} destructive steps: run it with {}",
	  "演练有 {n} 个破坏性步骤：请用 {} 运行" },
	{ NULL, "{} does not match the drill's environment '{}'; {n} "
	  "destructive steps not run", "{} 与演练环境 {} 不符；{n} 个破坏性"
	  "步骤未执行" },
	WORDS_END
};

static const struct words *const history_tables[] = { words_history,
	words_run, words_common, NULL };

struct hmd {
	struct strbuf *md;
	enum words_lang lang;
};

/* rdrill's own sentence (marked as the template's text when marking). */
static void tx(struct hmd *o, enum hw id)
{
	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_OPEN);
	strbuf_adds(o->md, hw_text[id][o->lang == WORDS_ZH]);
	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_CLOSE);
}

/* The same with numbers and dates filled in (never a drill's text). */
static void txf(struct hmd *o, enum hw id, long long n, const char *s)
{
	const char *f = hw_text[id][o->lang == WORDS_ZH];
	struct strbuf t = STRBUF_INIT;

	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_OPEN);
	if (strstr(f, "%s") && strstr(f, "%s") < strstr(f, "%lld"))
		strbuf_addf(&t, f, s, n);
	else
		strbuf_addf(&t, f, n, s);
	strbuf_add(o->md, t.buf, t.len);
	if (words_marking())
		strbuf_adds(o->md, WORDS_TEXT_CLOSE);
	strbuf_release(&t);
}

/* "850 ms", "12.3 s", "4m05s" (as the reports say it), "—" if none. */
static void add_ms(struct strbuf *sb, long long ms, enum words_lang l)
{
	if (ms < 0)
		strbuf_adds(sb, "—");
	else
		words_duration_ms(sb, ms, l);
}

/* The drill's or a bundle's text: escaped, and marked as data. */
static void add_text(struct strbuf *sb, const char *s)
{
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_OPEN);
	markdown_escape_inline(sb, s, strlen(s));
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_CLOSE);
}

static void add_code(struct strbuf *sb, const char *s)
{
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_OPEN);
	markdown_code_span_cell(sb, s, strlen(s));
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_CLOSE);
}

/*
 * rdrill's English (a state, a finding) said in the language, escaped;
 * a text no table says stays as it is, unmarked (test-words finds it).
 * With `system`, such a text is the system's (strerror): data.
 */
static void add_said_as(struct hmd *o, const char *en, int system)
{
	struct strbuf t = STRBUF_INIT;

	if (words_say(history_tables, o->lang, NULL, en, &t) || !system ||
	    !words_marking()) {
		markdown_escape_inline(o->md, t.buf, t.len);
	} else {
		strbuf_reset(&t);
		add_text(o->md, en);
	}
	strbuf_release(&t);
}

static void add_said(struct hmd *o, const char *en)
{
	add_said_as(o, en, 0);
}

/* The RPO cell: a figure, or why there is none. */
static void add_rpo(struct hmd *o, const struct history_run *r)
{
	const struct runsum_pitr *pf = r ? &r->s.pitr : NULL;

	if (r && !strcmp(r->s.rpo_source, "own_backup"))
		tx(o, HW_OWN_BACKUP);
	else
		add_ms(o->md, r ? r->s.rpo_ms : -1, o->lang);
	/* The RPO from WAL says which it is. */
	if (pf && pf->present && pf->rpo_wal_ms >= 0) {
		tx(o, HW_FROM_WAL);
		add_ms(o->md, pf->rpo_wal_ms, o->lang);
		tx(o, pf->rpo_kind && !strcmp(pf->rpo_kind, "archive_lag") ?
		   HW_ARCHIVE_LAG : HW_TO_TARGET);
	}
}

/* The RTO cell, and a recovery's parts (proof + restore + replay + promote). */
static void add_rto(struct hmd *o, const struct history_run *r)
{
	static const enum hw label[RUNSUM_NPARTS] = {
		[RUNSUM_WAL_PROOF] = HW_WAL_PROOF,
		[RUNSUM_RESTORE_FILES] = HW_RESTORE,
		[RUNSUM_REPLAY_WAL] = HW_REPLAY,
		[RUNSUM_PROMOTE] = HW_PROMOTE,
	};
	const struct runsum_pitr *pf = r ? &r->s.pitr : NULL;
	size_t k;

	add_ms(o->md, r ? r->s.rto_ms : -1, o->lang);
	if (!pf || !pf->present || pf->recovery_ms < 0)
		return;
	tx(o, HW_RECOVERY);
	add_ms(o->md, pf->recovery_ms, o->lang);
	for (k = 0; k < RUNSUM_NPARTS; k++) {
		tx(o, label[k]);
		add_ms(o->md, pf->part_ms[k], o->lang);
	}
	tx(o, HW_CLOSE);
}

/* "2026-12-02 00:03 UTC" of an ISO time. */
void history_add_when(struct strbuf *sb, const char *iso, int date_only)
{
	if (!iso || strlen(iso) < 16) {
		strbuf_adds(sb, "—");
		return;
	}
	strbuf_add(sb, iso, 10);
	if (!date_only)
		strbuf_addf(sb, " %.5s UTC", iso + 11);
}

/* The same of a time in ms (-1: none). */
void history_add_when_ms(struct strbuf *sb, long long ms, int date_only)
{
	struct strbuf iso = STRBUF_INIT;

	if (ms >= 0)
		clock_format_utc_ms(&iso, ms);
	history_add_when(sb, iso.buf, date_only);
	strbuf_release(&iso);
}

/* What the index says of a run: never PASSED unless it verifies. */
static const char *verdict(const struct history_run *r)
{
	size_t i;

	for (i = 0; i < sizeof(state_rows) / sizeof(*state_rows); i++) {
		const struct state_row *row = &state_rows[i];

		if (strcmp(r->s.state, row->state))
			continue;
		if (!row->shown || (row->over_pass_only &&
				    !word_passes(r->s.status)))
			return r->s.status;
		return row->shown;
	}
	return "UNVERIFIED";
}

/* A verdict word: a fixed term in every language, data when marking. */
static void add_verdict(struct strbuf *sb, const char *word)
{
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_OPEN);
	strbuf_addf(sb, "`%s`", word);
	if (words_marking())
		strbuf_adds(sb, WORDS_MARK_CLOSE);
}

static void add_signed(struct hmd *o, const struct history_run *r)
{
	long long n = r->s.signoffs;
	const char *k = r->s.signed_key;

	if (*k) {
		struct strbuf fp = STRBUF_INIT;

		strbuf_addf(&fp, "SHA256:%.12s", k);
		tx(o, HW_SEAL);
		add_code(o->md, fp.buf);
		if (strcmp(r->signer, "self-signed")) {
			strbuf_adds(o->md, o->lang == WORDS_ZH ? "，" : ", ");
			add_said(o, r->signer);
		}
		strbuf_release(&fp);
	} else {
		tx(o, HW_SEAL_UNSIGNED);
	}
	if (n)
		txf(o, HW_SIGNOFFS, n, o->lang == WORDS_ZH || n == 1 ? "" : "s");
}

/* Findings and what was not searched, first: each says why. */
static void add_findings(struct hmd *o, const struct history *h)
{
	size_t i, j, n = 0;

	for (i = 0; i < h->ndrills; i++)
		n += h->drills[i].findings.nr;
	if (n) {
		tx(o, HW_FINDINGS);
		for (i = 0; i < h->ndrills; i++)
			for (j = 0; j < h->drills[i].findings.nr; j++) {
				strbuf_adds(o->md, "- ");
				add_code(o->md, h->drills[i].id);
				strbuf_adds(o->md, " · ");
				add_text(o->md, h->drills[i].environment);
				tx(o, HW_COLON);
				add_said(o, h->drills[i].findings.v[j]);
				strbuf_adds(o->md, "\n");
			}
		strbuf_adds(o->md, "\n");
	}
	if (h->skipped.nr) {
		tx(o, HW_NOT_SEARCHED);
		for (i = 0; i < h->skipped.nr; i++) {
			strbuf_adds(o->md, "- ");
			add_code(o->md, h->skipped.v[i]);
			tx(o, HW_COLON);
			add_said_as(o, h->skipped_why.v[i], 1);
			strbuf_adds(o->md, "\n");
		}
		strbuf_adds(o->md, "\n");
	}
}

/* `rdrill restore` pairs, both ways: " (restores `A`; restored by `B`)". */
static void add_pair(struct hmd *o, const struct history_run *r)
{
	const char *from = r->s.resumes, *by = r->restored_by ?
		r->restored_by : "";

	if (!*from && !*by)
		return;
	strbuf_adds(o->md, o->lang == WORDS_ZH ? "（" : " (");
	if (*from) {
		tx(o, HW_RESTORES);
		add_code(o->md, from);
	}
	if (*by) {
		if (*from)
			tx(o, HW_SEP);
		tx(o, HW_RESTORED_BY);
		add_code(o->md, by);
		tx(o, HW_RESTORED_BY_END);
	}
	tx(o, HW_CLOSE);
}

/* The evidence cell: the state, and what is wrong or not counted. */
static void add_evidence(struct hmd *o, const struct history_run *r)
{
	add_said(o, r->s.state);
	if (r->s.problem && *r->s.problem) {
		tx(o, HW_COLON);
		/*
		 * What `rdrill verify` found, quoted as it prints it (seal.c's
		 * text, one of many forms): English in every language.
		 */
		if (o->lang == WORDS_ZH)
			add_code(o->md, r->s.problem);
		else
			add_text(o->md, r->s.problem);
	} else if (r->finding && *r->finding) {
		tx(o, HW_NOT_COUNTED);
		add_said(o, r->finding);
	}
}

static void add_summary(struct hmd *o, const struct history *h)
{
	size_t i;

	tx(o, HW_SUMMARY_HEAD);
	strbuf_adds(o->md, "| --- | --- | --- | --- | ---: | ---: | --- | --- "
		    "| --- |\n");
	for (i = 0; i < h->ndrills; i++) {
		const struct history_drill *d = &h->drills[i];
		const struct history_run *last = d->nruns ?
			d->runs[d->nruns - 1] : NULL;

		strbuf_adds(o->md, "| ");
		add_code(o->md, d->id);
		strbuf_adds(o->md, " | ");
		add_text(o->md, d->environment);
		strbuf_adds(o->md, " | ");
		history_add_when(o->md, last ? last->s.started : NULL, 0);
		strbuf_adds(o->md, " | ");
		if (last)
			add_verdict(o->md, verdict(last));
		else
			tx(o, HW_NONE_RAN);
		strbuf_adds(o->md, " | ");
		add_rto(o, last);
		strbuf_adds(o->md, " | ");
		add_rpo(o, last);
		strbuf_adds(o->md, " | ");
		if (last)
			add_said(o, last->s.state);
		else
			strbuf_adds(o->md, "—");
		strbuf_adds(o->md, " | ");
		history_add_when_ms(o->md, d->last_pass_ms, 1);
		strbuf_adds(o->md, " | ");
		if (d->overdue)
			strbuf_adds(o->md, "**`OVERDUE`**");
		else
			history_add_when_ms(o->md, d->due_ms, 1);
		strbuf_adds(o->md, " |\n");
	}
}

/* A drill's REFUSED runs, apart from its record (issue 20). */
static void add_refused(struct hmd *o, const struct history_drill *d)
{
	size_t j;

	if (!d->nrefused)
		return;
	strbuf_adds(o->md, "\n");
	tx(o, HW_REFUSED_HEAD);
	tx(o, HW_REFUSED_TABLE);
	strbuf_adds(o->md, "| --- | --- | --- |\n");
	for (j = 0; j < d->nrefused; j++) {
		const struct history_run *r = d->refused[j];

		strbuf_adds(o->md, "| ");
		history_add_when(o->md, r->s.started, 0);
		strbuf_adds(o->md, " | ");
		if (r->s.reason && *r->s.reason)
			add_said(o, r->s.reason);
		else
			strbuf_adds(o->md, "—");
		strbuf_adds(o->md, " | ");
		add_code(o->md, r->s.bundle);
		strbuf_adds(o->md, " |\n");
	}
}

static void add_drill(struct hmd *o, const struct history_drill *d)
{
	size_t j;

	strbuf_adds(o->md, "\n## ");
	add_text(o->md, d->id);
	strbuf_adds(o->md, " · ");
	add_text(o->md, d->environment);
	strbuf_adds(o->md, "\n\n");
	if (d->title && *d->title) {
		add_text(o->md, d->title);
		strbuf_adds(o->md, "\n\n");
	}
	tx(o, HW_RUNS_HEAD);
	strbuf_adds(o->md, "| --- | --- | ---: | ---: | --- | --- | --- |\n");
	for (j = 0; j < d->nruns; j++) {
		const struct history_run *r = d->runs[j];

		strbuf_adds(o->md, "| ");
		history_add_when(o->md, r->s.started, 0);
		strbuf_adds(o->md, " | ");
		add_verdict(o->md, verdict(r));
		add_pair(o, r);
		strbuf_adds(o->md, " | ");
		add_rto(o, r);
		strbuf_adds(o->md, " | ");
		add_rpo(o, r);
		strbuf_adds(o->md, " | ");
		add_evidence(o, r);
		strbuf_adds(o->md, " | ");
		add_signed(o, r);
		strbuf_adds(o->md, " | ");
		add_code(o->md, r->s.bundle);
		strbuf_adds(o->md, " |\n");
	}
	add_refused(o, d);
}

static enum words_lang lang_of(const char *lang)
{
	return lang && !strcmp(lang, "zh-CN") ? WORDS_ZH : WORDS_EN;
}

void history_markdown(const struct history *h, const char *lang,
		      struct strbuf *md)
{
	struct hmd o = { md, lang_of(lang) };
	struct strbuf when = STRBUF_INIT;
	size_t i;

	tx(&o, HW_TITLE);
	history_add_when_ms(&when, h->generated_ms, 0);
	txf(&o, HW_GENERATED, h->bundles, when.buf);
	if (h->refused)
		txf(&o, HW_REFUSED_N, h->refused, "");
	tx(&o, HW_RULES);
	if (h->trusted_keys)
		txf(&o, HW_TRUSTED, h->trusted_keys, "");
	else
		tx(&o, HW_UNTRUSTED);
	strbuf_adds(md, "\n\n");
	add_findings(&o, h);
	add_summary(&o, h);
	for (i = 0; i < h->ndrills; i++)
		add_drill(&o, &h->drills[i]);
	strbuf_release(&when);
}

/* The chart's frame: plot area inside the axes' labels. */
enum { CH_W = 560, CH_H = 170, CH_L = 64, CH_R = 16, CH_T = 22, CH_B = 34 };

/* A run's date for the x axis: "YYYY-MM-DD" of its start, digits only. */
static void add_run_date(struct strbuf *out, const struct history_run *r)
{
	const char *t = r->s.started;
	size_t k;

	for (k = 0; k < 10 && t[k]; k++)
		if ((t[k] >= '0' && t[k] <= '9') || t[k] == '-')
			strbuf_addch(out, t[k]);
}

static double chart_x(size_t i, size_t n)
{
	return n > 1 ? CH_L + (double)(CH_W - CH_L - CH_R) * (double)i /
		       (double)(n - 1) : (CH_L + CH_W - CH_R) / 2.0;
}

static double chart_y(long long v, long long max)
{
	return CH_H - CH_B - (double)(CH_H - CH_T - CH_B) *
	       (double)(v < 0 ? 0 : v) / (double)max;
}

/*
 * The axes: a y axis with 0, half and the largest figure (a duration),
 * an x axis with a tick per run and the dates of at most six of them,
 * the first and the last always, so the chart reads without the table.
 */
static void add_axes(struct strbuf *out, const struct history_drill *d,
		     long long max, enum words_lang l)
{
	size_t i, n = d->nruns, step = n > 6 ? (n + 4) / 5 : 1;
	int t;

	strbuf_addf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		    "stroke=\"#59636e\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
		    "y2=\"%d\" stroke=\"#59636e\"/>", CH_L, CH_T, CH_L,
		    CH_H - CH_B, CH_L, CH_H - CH_B, CH_W - CH_R, CH_H - CH_B);
	for (t = 0; t <= 2; t++) {
		struct strbuf lab = STRBUF_INIT;
		long long v = max * t / 2;
		double y = chart_y(v, max);

		add_ms(&lab, v, l);
		strbuf_addf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
			    "y2=\"%.1f\" stroke=\"#d1d9e0\"/><text x=\"%d\" "
			    "y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" "
			    "fill=\"#59636e\">%s</text>", CH_L, y, CH_W - CH_R, y,
			    CH_L - 4, y + 3.5, lab.buf);
		strbuf_release(&lab);
	}
	for (i = 0; i < n; i++) {
		double x = chart_x(i, n);

		strbuf_addf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
			    "y2=\"%d\" stroke=\"#59636e\"/>", x, CH_H - CH_B, x,
			    CH_H - CH_B + 4);
		if (i % step && i + 1 != n)
			continue;
		if (i + 1 == n && i % step && i % step < step / 2 + 1 && i)
			continue;
		strbuf_addf(out, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
			    "text-anchor=\"middle\" fill=\"#59636e\">", x,
			    CH_H - CH_B + 16);
		add_run_date(out, d->runs[i]);
		strbuf_adds(out, "</text>");
	}
}

/*
 * RTO (blue) and RPO (grey) of each run, oldest left, on axes with
 * durations and dates; a failed or unverified run's point is red. Only
 * numbers and digits of dates go into it.
 */
static void add_chart(struct strbuf *out, const struct history_drill *d,
		      enum words_lang l)
{
	long long max = 1;
	size_t i, n = d->nruns;
	int m;

	for (i = 0; i < n; i++) {
		if (d->runs[i]->s.rto_ms > max)
			max = d->runs[i]->s.rto_ms;
		if (d->runs[i]->s.rpo_ms > max)
			max = d->runs[i]->s.rpo_ms;
	}
	strbuf_addf(out, "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/"
		    "2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		    "role=\"img\"><rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		    "fill=\"#fff\" stroke=\"#d1d9e0\"/>", CH_W, CH_H, CH_W, CH_H,
		    CH_W, CH_H);
	add_axes(out, d, max, l);
	for (m = 0; m < 2; m++) {
		const char *col = m ? "#8c959f" : "#0969da";
		struct strbuf pts = STRBUF_INIT;

		for (i = 0; i < n; i++) {
			const struct history_run *r = d->runs[i];
			long long v = m ? r->s.rpo_ms : r->s.rto_ms;
			double x = chart_x(i, n), y = chart_y(v, max);

			if (v < 0)
				continue;
			strbuf_addf(&pts, "%.1f,%.1f ", x, y);
			strbuf_addf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
				    "fill=\"%s\"/>", x, y, r->pass ? col :
				    "#cf222e");
		}
		if (pts.len)
			strbuf_addf(out, "<polyline points=\"%s\" fill=\"none\" "
				    "stroke=\"%s\" stroke-width=\"1.5\"/>", pts.buf,
				    col);
		strbuf_release(&pts);
	}
	strbuf_addf(out, "<text x=\"%d\" y=\"14\" font-size=\"10\" "
		    "fill=\"#59636e\">%s</text>", CH_L,
		    hw_text[HW_LEGEND][l == WORDS_ZH]);
	strbuf_adds(out, "</svg></figure>\n");
}

int history_html(const struct history *h, const char *md, const char *lang,
		 struct strbuf *html, struct error *err)
{
	enum words_lang l = lang_of(lang);
	struct strbuf raw = STRBUF_INIT;
	const char *p, *q;
	size_t i = 0;

	if (markdown_to_html(md, strlen(md), hw_text[HW_HTML_TITLE][l == WORDS_ZH],
			     l == WORDS_ZH ? "zh-CN" : "en", &raw, err) < 0) {
		strbuf_release(&raw);
		return -1;
	}
	/* Each drill's chart under its heading: cmark's own "</h2>". */
	p = raw.buf;
	while ((q = strstr(p, "</h2>\n")) && i < h->ndrills) {
		q += strlen("</h2>\n");
		strbuf_add(html, p, q - p);
		add_chart(html, &h->drills[i++], l);
		p = q;
	}
	strbuf_adds(html, p);
	strbuf_release(&raw);
	return 0;
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void prom_label(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_addch(out, '\\');
		if (*s == '\n')
			strbuf_adds(out, "\\n");
		else
			strbuf_addch(out, *s);
	}
}

/* A recovery's figure: a part (0..RUNSUM_NPARTS-1), the whole, the RPO. */
enum { PITR_TOTAL = RUNSUM_NPARTS, PITR_RPO_WAL };

static long long pitr_figure(const struct runsum_pitr *p, int which)
{
	if (!p->present)
		return -1;
	if (which == PITR_TOTAL)
		return p->recovery_ms;
	if (which == PITR_RPO_WAL)
		return p->rpo_wal_ms;
	return p->part_ms[which];
}

/* One labelled sample of the last verified run with a PITR figure. */
static void prom_pitr_one(struct strbuf *out, const struct history_drill *d,
			  const char *name, const char *label,
			  const char *value, int which)
{
	const struct runsum_pitr *last = NULL;
	size_t j;

	for (j = 0; j < d->nruns; j++)
		if (is_verified(d->runs[j]) &&
		    pitr_figure(&d->runs[j]->s.pitr, which) >= 0)
			last = &d->runs[j]->s.pitr;
	if (!last)
		return;
	strbuf_addf(out, "%s{drill=\"", name);
	prom_label(out, d->id);
	strbuf_adds(out, "\",environment=\"");
	prom_label(out, d->environment);
	strbuf_addf(out, "\",%s=\"", label);
	prom_label(out, value ? value : last->rpo_kind ? last->rpo_kind : "");
	strbuf_addf(out, "\"} %.3f\n", (double)pitr_figure(last, which) / 1000.0);
}

/* Point-in-time recovery's figures: the RPO from WAL, the RTO parts. */
static void prom_pitr(const struct history *h, struct strbuf *out)
{
	static const struct { const char *part; int which; } parts[] = {
		{ "wal_proof", RUNSUM_WAL_PROOF },
		{ "restore", RUNSUM_RESTORE_FILES },
		{ "replay", RUNSUM_REPLAY_WAL }, { "promote", RUNSUM_PROMOTE },
		{ "total", PITR_TOTAL },
	};
	size_t i, k;

	strbuf_adds(out, "# HELP rdrill_last_wal_rpo_seconds RPO from WAL of the "
		    "last verified point-in-time recovery (kind: archive_lag "
		    "or to_target).\n# TYPE rdrill_last_wal_rpo_seconds gauge\n");
	for (i = 0; i < h->ndrills; i++)
		prom_pitr_one(out, &h->drills[i], "rdrill_last_wal_rpo_seconds",
			      "kind", NULL, PITR_RPO_WAL);
	strbuf_adds(out, "# HELP rdrill_last_recovery_part_seconds RTO parts of "
		    "the last verified point-in-time recovery.\n# TYPE "
		    "rdrill_last_recovery_part_seconds gauge\n");
	for (i = 0; i < h->ndrills; i++)
		for (k = 0; k < sizeof(parts) / sizeof(*parts); k++)
			prom_pitr_one(out, &h->drills[i],
				      "rdrill_last_recovery_part_seconds",
				      "part", parts[k].part, parts[k].which);
}

/* The metrics of history_prom(), in order; each a drill's one value. */
enum prom_metric {
	PM_LAST_SUCCESS, PM_RTO, PM_RPO, PM_OVERDUE, PM_VERIFIED,
	PM_NOT_RESTORED, PM_FINDINGS, PM_REFUSED, PM_N
};

static const struct { const char *name, *help; } prom_metrics[PM_N] = {
	{ "rdrill_last_success_timestamp_seconds",
	  "Start of the last verified PASSED run (0: none)." },
	{ "rdrill_last_rto_seconds",
	  "RTO of the last verified run that measured one." },
	{ "rdrill_last_rpo_seconds",
	  "RPO of the last verified run that measured one." },
	{ "rdrill_overdue",
	  "1 when the last passed run is older than the cadence." },
	{ "rdrill_last_run_verified",
	  "1 when the latest bundle verifies as a complete run (not cut "
	  "short, not dated ahead, and with --key signed by a trusted "
	  "key)." },
	{ "rdrill_not_restored",
	  "1 when the latest run left its system destroyed (NOT RESTORED)." },
	{ "rdrill_history_findings",
	  "Findings: runs dated in the future, signers that differ." },
	{ "rdrill_refused_runs",
	  "Verified REFUSED runs (a gate stopped them, nothing ran): "
	  "apart from the drill's record." },
};

/* Drill `d`'s value of metric `k` in *v; 0 when it has none. */
static int prom_value(const struct history_drill *d, enum prom_metric k,
		      double *v)
{
	const struct history_run *last = d->nruns ? d->runs[d->nruns - 1] : NULL;
	long long t;
	size_t j;
	int have = 0;

	switch (k) {
	case PM_LAST_SUCCESS:
		t = d->last_pass_ms;
		*v = t < 0 ? 0 : (double)(t / 1000);
		return 1;
	case PM_RTO: case PM_RPO:
		for (j = 0; j < d->nruns; j++) {
			t = k == PM_RTO ? d->runs[j]->s.rto_ms :
				d->runs[j]->s.rpo_ms;
			if (d->runs[j]->counted && t >= 0) {
				*v = (double)t / 1000.0;
				have = 1;
			}
		}
		return have;
	case PM_OVERDUE:
		*v = d->overdue;
		return 1;
	case PM_VERIFIED:
		*v = last && last->counted;
		return 1;
	case PM_NOT_RESTORED:
		*v = last && !strcmp(last->s.status, RESTORED_WORD);
		return 1;
	case PM_FINDINGS:
		*v = (double)d->findings.nr;
		return 1;
	default:
		*v = (double)d->nrefused;
		return 1;
	}
}

void history_prom(const struct history *h, struct strbuf *out)
{
	size_t k, i;

	for (k = 0; k < PM_N; k++) {
		strbuf_addf(out, "# HELP %s %s\n# TYPE %s gauge\n",
			    prom_metrics[k].name, prom_metrics[k].help,
			    prom_metrics[k].name);
		for (i = 0; i < h->ndrills; i++) {
			double v = 0;

			if (!prom_value(&h->drills[i], (enum prom_metric)k, &v))
				continue;
			strbuf_addf(out, "%s{drill=\"", prom_metrics[k].name);
			prom_label(out, h->drills[i].id);
			strbuf_adds(out, "\",environment=\"");
			prom_label(out, h->drills[i].environment);
			strbuf_addf(out, "\"} %.3f\n", v);
		}
	}
	prom_pitr(h, out);
}

/*
 * What a drill's run concludes about the system. A REFUSED run (an
 * operator's mistake caught by a gate: nothing ran), an INCOMPLETE or
 * ABORTED one, says nothing about it, so it is never the "previous run"
 * a report compares with (issue 20).
 */
static const char *const verdicts[] = { "PASSED", "FAILED", RESTORED_WORD };

static int is_verdict(const char *status)
{
	size_t k;

	for (k = 0; k < sizeof(verdicts) / sizeof(*verdicts); k++)
		if (!strcmp(status, verdicts[k]))
			return 1;
	return 0;
}

/*
 * A sibling's drill and start, from the index or (a new or changed
 * bundle) from its journal's first record, then indexed as such: a light
 * entry that only says whose run it is, enough to pass over the runs of
 * other drills without reading them again. -1 for a plan bundle, an
 * unreadable journal or a bundle without an identity.
 */
static int sibling(const char *dir, struct histindex *ix, struct run_summary *s)
{
	char ident[SHA256_HEX_LEN + 1];
	int have = histindex_ident(dir, ident) == 0, ret;
	json_t *e = have ? histindex_get(ix, base_name(dir), ident) : NULL;

	switch (runsum_from_entry(s, e, dir)) {
	case RUNSUM_PLAN_BUNDLE:
		return -1;
	case RUNSUM_WHOLE: case RUNSUM_START:
		return 0;
	default:
		break;
	}
	if (!have)
		return -1;
	runsum_release(s);
	ret = runsum_read_start(s, dir);
	if (ret >= 0)
		histindex_put(ix, base_name(dir), ident, runsum_entry(s, NULL, 0));
	return ret ? -1 : 0;
}

/* A run of the drill, by its bundle and start. */
struct candidate {
	char *bundle, *started;
};

static int cmp_candidate(const void *a, const void *b)
{
	return strcmp(((const struct candidate *)a)->started,
		      ((const struct candidate *)b)->started);
}

int history_previous_run(const char *parent, const char *self,
			 const char *id, const char *env,
			 struct run_summary *out)
{
	struct strvec bundles = STRVEC_INIT;
	struct histindex *ix = histindex_open(parent);
	struct candidate *c = xcalloc(1, sizeof(*c));
	size_t i, n = 0, alloc = 1;
	long long now_ms = clock_wall_ms();
	int found = -1;

	find_bundles(parent, 1, &bundles, NULL);
	for (i = 0; i < bundles.nr; i++) {
		struct run_summary s;

		runsum_init(&s);
		/*
		 * A run dated ahead (its runner's clock was wrong) is not
		 * counted by history either: it would be "previous" forever.
		 */
		if (strcmp(bundles.v[i], self) && !sibling(bundles.v[i], ix, &s) &&
		    !strcmp(s.id, id) && !strcmp(s.environment, env) &&
		    clock_parse_utc_ms(s.started) <=
		    now_ms + HISTORY_CLOCK_SLACK_MS) {
			XGROW(c, n + 1, alloc);
			c[n].bundle = xstrdup(bundles.v[i]);
			c[n++].started = xstrdup(s.started);
		}
		runsum_release(&s);
	}
	qsort(c, n, sizeof(*c), cmp_candidate);
	/*
	 * Newest first: the first that verifies and reached a verdict. A
	 * killed run sealed by render afterwards verifies too (cut short):
	 * when it had destroyed the system, NOT RESTORED is its verdict,
	 * the one a report must not pass over for an older PASSED.
	 */
	for (i = n; i-- > 0 && found < 0;) {
		runsum_release(out);
		if (!summary_cached(c[i].bundle, ix, NULL, out) &&
		    (!strcmp(out->state, "verified") ||
		     !strcmp(out->state, "cut-short")) &&
		    is_verdict(out->status))
			found = 0;
	}
	if (found < 0)
		runsum_release(out);
	for (i = 0; i < n; i++) {
		free(c[i].bundle);
		free(c[i].started);
	}
	free(c);
	index_close(ix);
	strvec_clear(&bundles);
	return found;
}

json_t *history_previous(const char *parent, const char *self,
			 const char *id, const char *env)
{
	struct run_summary s;
	json_t *found = NULL;

	runsum_init(&s);
	/* The start record's context.previous: the journal's edge. */
	if (!history_previous_run(parent, self, id, env, &s))
		found = json_pack("{s:s, s:s, s:s, s:I, s:I}", "bundle",
				  base_name(s.bundle), "started", s.started,
				  "status", s.status, "rto_ms", (json_int_t)s.rto_ms,
				  "rpo_ms", (json_int_t)s.rpo_ms);
	runsum_release(&s);
	return found;
}
