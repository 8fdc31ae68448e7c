#include "bkfacts.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "pbrinfo.h"
#include "pgwal.h"
#include "pitrproof.h"
#include "safefs.h"
#include "user.h"
#include "preflight.h"
#include "schema.h"
#include "step.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Evidence of a pgBackRest stanza: `pgbackrest info --output=json` read
 * (stanza status; each backup's label, type, start and stop time, LSNs,
 * size; the archive's WAL range), `pgbackrest verify` run, and the
 * backup to restore picked: the newest, unless the drill names one. A
 * later recover step (`pgbackrest: ID`) restores that one. The JSON is
 * a program's output and so hostile: every field is type-checked, and a
 * backup entry that does not fit is an error, not a guess.
 *
 * Preflight runs `info` too: a stanza that is missing or a repository
 * that cannot be read refuses the run before step 1 (exit 3).
 */
struct pgbackrest_params {
	const char *stanza;
	const char *config;
	const char *set;
	const char *run_as;
	const char *program;
	int verify;
};

#define F(m) offsetof(struct pgbackrest_params, m)

static const struct schema_field pbr_fields[] = {
	{ .key = "stanza", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(stanza) },
	{ .key = "config", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(config),
	  .help = "pgbackrest.conf (default: pgBackRest's own default)" },
	{ .key = "set", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(set),
	  .help = "the backup label to restore (default: the newest)" },
	{ .key = "run_as", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(run_as),
	  .help = "the OS user that owns the repository" },
	{ .key = "program", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(program), .help = "the pgbackrest program (default: PATH)" },
	{ .key = "verify", .type = SCHEMA_BOOL, .off = F(verify), .def = "true",
	  .help = "run pgbackrest verify (true unless false)" },
	{ NULL },
};

static const struct schema pbr_schema = {
	"pgbackrest", pbr_fields, sizeof(struct pgbackrest_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "pgbackrest", .type = SCHEMA_OBJ, .obj = &pbr_schema },
	{ NULL },
};

static const char *const selectors[] = { "pgbackrest", NULL };

static const char *prog(const struct pgbackrest_params *p)
{
	return p->program ? p->program : "pgbackrest";
}

/* pgbackrest [--config=C] --stanza=S [--output=json] COMMAND */
static void pbr_argv(const struct pgbackrest_params *p, const char *command,
		     int json, struct strvec *argv)
{
	strvec_push(argv, prog(p));
	if (p->config)
		strvec_pushf(argv, "--config=%s", p->config);
	strvec_pushf(argv, "--stanza=%s", p->stanza);
	if (json)
		strvec_push(argv, "--output=json");
	strvec_push(argv, command);
}

static void pbr_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct pgbackrest_params *p = s->params;

	strbuf_addf(out, "pgBackRest stanza %s: info, %sthe %s backup", p->stanza,
		    p->verify ? "verify, " : "", p->set ? p->set : "newest");
}

static void pbr_needs(const struct drill_step *s, struct step_needs *n)
{
	const struct pgbackrest_params *p = s->params;

	strvec_push_unique(&n->programs, prog(p));
	if (p->run_as)
		strvec_push_unique(&n->users, p->run_as);
}

static void utc_str(long long t, struct strbuf *sb)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	strbuf_reset(sb);
	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof(buf),
					  "%Y-%m-%d %H:%M:%S UTC", &tm))
		strbuf_adds(sb, buf);
}

/* One backup of `info` (complete: pbrinfo_backup_complete) as the evidence has it. */
static json_t *backup_json(const struct pbrinfo_backup *b)
{
	json_t *o = json_object();
	struct strbuf sb = STRBUF_INIT;

	json_object_set_new(o, "label", step_json_str(b->label));
	json_object_set_new(o, "type", step_json_str(b->type));
	utc_str(b->start, &sb);
	json_object_set_new(o, "start_time", json_string(sb.buf));
	utc_str(b->stop, &sb);
	json_object_set_new(o, "stop_time", json_string(sb.buf));
	json_object_set_new(o, "stop_epoch", json_integer(b->stop));
	json_object_set_new(o, "start_lsn", json_string(b->start_lsn));
	json_object_set_new(o, "stop_lsn", json_string(b->stop_lsn));
	json_object_set_new(o, "timeline", json_integer(b->timeline));
	json_object_set_new(o, "wal_start", json_string(b->wal_start));
	json_object_set_new(o, "wal_stop", json_string(b->wal_stop));
	json_object_set_new(o, "bytes", json_integer(b->size));
	if (b->repo_size >= 0)
		json_object_set_new(o, "repository_bytes",
				    json_integer(b->repo_size));
	json_object_set_new(o, "error", json_boolean(b->error));
	strbuf_release(&sb);
	return o;
}

/* The stanza's status: code 0 is ok; the message otherwise. */
static int stanza_ok(const struct pbrinfo *info, struct strbuf *why)
{
	const char *msg = info->message;
	size_t i;

	strbuf_reset(why);
	strbuf_addf(why, "%lld (%s)", info->code, msg ? msg : "?");
	/* "other" says little: the repositories' own status says why. */
	for (i = 0; i < info->nrepos; i++) {
		const char *rm = info->repos[i].message;
		if (info->repos[i].code != 0 && rm && (!msg || strcmp(rm, msg)) &&
		    i < 4)
			strbuf_addf(why, "; repository %zu: %s", i + 1, rm);
	}
	return info->code == 0;
}

/*
 * The earliest target time of the recover steps of drill `d` that
 * restore from step `id` (given, or, when `files`, in its file when that
 * is written already): a backup that ends after it cannot reach it, so
 * the pick (without `set:`) is the newest backup that ended before it,
 * as pgBackRest's own --type=time restore would choose. -1 when no
 * recover step has a time target.
 */
static double target_limit(const struct drill *d, const char *id, int files)
{
	double lim = -1, t;
	size_t i;

	for (i = 0; i < d->nsteps; i++) {
		struct bkfacts_recover r;
		const char *tt, *file;
		struct strbuf text = STRBUF_INIT;
		struct error e = ERROR_INIT;

		if (!bkfacts_recover_of(&d->steps[i], &r) || !r.pgbackrest ||
		    strcmp(r.pgbackrest, id))
			continue;
		tt = r.target_time;
		file = r.target_time_file;
		if (!tt && files && file && safefs_read_regular(file, 1, &text,
								4096, &e) == 0) {
			strbuf_setlen(&text, strcspn(text.buf, "\r\n"));
			strbuf_rtrim(&text);
			tt = text.buf;
		}
		if (tt && pitrproof_parse_time(tt, &t) == 0 && (lim < 0 || t < lim))
			lim = t;
		strbuf_release(&text);
		error_release(&e);
	}
	return lim;
}

/*
 * Known before step 1: a recover step's target time (given in the
 * drill, not a file a step may still write) that is already past, and
 * the stanza's backups as `info` lists them. The backup to restore
 * (`set:`, or any when none is named) must have ended by then, or no
 * recovery can reach the target: refused now, not after the backup
 * steps. A backup a drill takes itself ends later still. Nothing is
 * added when the check does not apply.
 */
static void target_check(const struct drill *d, const struct drill_step *s,
			 const struct pbrinfo *info, struct preflight_report *r)
{
	const struct pgbackrest_params *p = s->params;
	double lim = target_limit(d, s->id, 0);
	const struct pbrinfo_backup *best = NULL;
	long long bstop = -1;
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT, why = STRBUF_INIT,
		      ts = STRBUF_INIT, what = STRBUF_INIT;
	struct timespec now;
	size_t i;
	int ok;

	clock_gettime(CLOCK_REALTIME, &now);
	if (lim < 0 || lim >= (double)now.tv_sec + now.tv_nsec / 1e9)
		return;
	for (i = 0; i < info->nbackups; i++) {
		const struct pbrinfo_backup *b = &info->backups[i];
		if (!b->label || !b->has_stop)
			continue;
		if (p->set ? !strcmp(b->label, p->set) :
		    b->stop <= (long long)lim && b->stop > bstop) {
			best = b;
			bstop = b->stop;
		}
	}
	if (p->set && !best)
		return;   /* the run's own check names a missing label */
	utc_str((long long)lim, &ts);
	strbuf_addf(&what, "pgBackRest stanza %s: backup ended by the recover "
		    "step's target time", p->stanza);
	strbuf_addf(&exp, "%s ended by %s", p->set ? p->set : "a backup",
		    ts.buf);
	ok = best && bstop <= (long long)lim;
	if (best) {
		utc_str(bstop, &ts);
		strbuf_addf(&act, "%s stopped %s", best->label, ts.buf);
	} else {
		strbuf_addf(&act, "none of %zu backups", info->nbackups);
	}
	utc_str((long long)lim, &ts);
	if (best)
		strbuf_addf(&why, "pgBackRest stanza %s: target time %s is "
			    "before the end of backup %s: no recovery can "
			    "reach it", p->stanza, ts.buf, act.buf);
	else
		strbuf_addf(&why, "pgBackRest stanza %s: target time %s is "
			    "before the end of every backup (%s; one the drill "
			    "takes ends later still): no recovery can reach it",
			    p->stanza, ts.buf, act.buf);
	preflight_add(r, what.buf, exp.buf, act.buf, ok, why.buf);
	strbuf_release(&exp);
	strbuf_release(&act);
	strbuf_release(&why);
	strbuf_release(&ts);
	strbuf_release(&what);
}

/* `info` into memory (preflight: no bundle yet, no log). */

/* ": " and the first line of what pgbackrest printed on stderr, if any. */
static void add_first_line(struct strbuf *act, const struct strbuf *err)
{
	const char *nl;

	if (!err->len)
		return;
	nl = memchr(err->buf, '\n', err->len);
	strbuf_adds(act, ": ");
	strbuf_add(act, err->buf, nl ? (size_t)(nl - err->buf) : err->len);
}

static void pbr_preflight(const struct drill *d, const struct drill_step *s,
			  struct preflight_report *r)
{
	const struct pgbackrest_params *p = s->params;
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error err = ERROR_INIT;
	struct strbuf what = STRBUF_INIT, act = STRBUF_INIT, why = STRBUF_INIT;
	struct pbrinfo info;
	int ok = 0;

	pbrinfo_init(&info);
	pbr_argv(p, "info", 1, &cmd.argv);
	cmd.run_as = p->run_as;
	cmd.timeout_ms = 120000;
	cmd.grace_ms = 1000;
	cmd.excerpt_bytes = 1u << 20;
	strvec_push(&cmd.env, "LC_ALL=C");
	strbuf_addf(&what, "pgBackRest stanza %s", p->stanza);
	if (exec_run(&cmd, &res, &err) < 0) {
		strbuf_addf(&act, "cannot run: %s", err.msg.buf);
	} else if (res.exit_code || res.timed_out) {
		strbuf_addf(&act, "pgbackrest info: exit %d", res.exit_code);
		add_first_line(&act, &res.err_head);
	} else if (res.out_bytes != res.out_head.len) {
		strbuf_adds(&act, "pgbackrest info: more than 1 MiB of output");
	} else if (pbrinfo_parse(&info, res.out_head.buf, res.out_head.len,
				 p->stanza, &err) < 0) {
		strbuf_adds(&act, err.msg.buf);
	} else {
		/* 2, "no valid backups", is a stanza a drill's backup fills. */
		ok = stanza_ok(&info, &why) || !strcmp(why.buf,
							   "2 (no valid backups)");
		strbuf_addf(&act, "status %s", why.buf);
		strbuf_reset(&why);
	}
	strbuf_addf(&why, "pgBackRest stanza %s: %s", p->stanza, act.buf);
	preflight_add(r, what.buf, "status 0 (ok) or 2 (no valid backups yet): "
		      "stanza present, repository readable", act.buf, ok, why.buf);
	if (ok)
		target_check(d, s, &info, r);
	pbrinfo_release(&info);
	exec_cmd_release(&cmd);
	exec_result_release(&res);
	error_release(&err);
	strbuf_release(&what);
	strbuf_release(&act);
	strbuf_release(&why);
}

/* A pgbackrest command; stdout and stderr to two logs, both recorded. */
static int run_pbr(struct step_ctx *sc, const char *command, int json,
		   const char *key, struct exec_result *res, struct strbuf *out,
		   struct error *err)
{
	const struct pgbackrest_params *p =
		STEP_PARAMS(sc, struct pgbackrest_params);
	struct exec_cmd cmd = EXEC_CMD_INIT;
	struct strbuf rel = STRBUF_INIT, abs = STRBUF_INIT, rel2 = STRBUF_INIT,
		      abs2 = STRBUF_INIT, sfx = STRBUF_INIT;
	int ret;

	strbuf_addf(&sfx, "%s.out", command);
	step_log_path(sc, sfx.buf, &rel, &abs);
	strbuf_reset(&sfx);
	strbuf_addf(&sfx, "%s.err", command);
	step_log_path(sc, sfx.buf, &rel2, &abs2);
	pbr_argv(p, command, json, &cmd.argv);
	step_exec_prepare(sc, &cmd);
	strvec_push(&cmd.env, "LC_ALL=C");
	cmd.run_as = p->run_as;
	cmd.stdout_path = abs.buf;
	cmd.stderr_path = abs2.buf;
	ret = exec_run(&cmd, res, err);
	exec_cmd_release(&cmd);
	if (ret == 0) {
		json_t *lo = json_object(), *le = json_object();
		json_object_set_new(lo, "path", json_string(rel.buf));
		json_object_set_new(lo, "bytes", json_integer((json_int_t)
				    res->out_bytes));
		if (res->out_sha256[0])
			json_object_set_new(lo, "sha256",
					    json_string(res->out_sha256));
		json_object_set_new(le, "path", json_string(rel2.buf));
		json_object_set_new(le, "bytes", json_integer((json_int_t)
				    res->err_bytes));
		if (res->err_sha256[0])
			json_object_set_new(le, "sha256",
					    json_string(res->err_sha256));
		strbuf_reset(&sfx);
		strbuf_addf(&sfx, "%s_out", key);
		json_object_set_new(sc->rec, sfx.buf, lo);
		strbuf_reset(&sfx);
		strbuf_addf(&sfx, "%s_err", key);
		json_object_set_new(sc->rec, sfx.buf, le);
		strbuf_reset(out);
		if (strbuf_read_file(out, abs.buf, 64u << 20) < 0) {
			ret = error_errno(err, "%s", abs.buf);
		}
	}
	strbuf_release(&rel);
	strbuf_release(&abs);
	strbuf_release(&rel2);
	strbuf_release(&abs2);
	strbuf_release(&sfx);
	return ret;
}

/*
 * The newest segment of the backup's timeline that the stanza's archive
 * (info's archive ranges) holds; the backup's own end when none is later.
 */
static uint64_t archive_last(const struct pbrinfo *info, uint32_t tli,
			     uint64_t stop)
{
	uint64_t last = stop, seg;
	uint32_t t;
	size_t i;

	for (i = 0; i < info->narchives; i++) {
		const char *mx = info->archives[i].max;
		if (mx && pgwal_parse_segname(mx, PGWAL_SEGSIZE_DEFAULT, &t,
					      &seg) == 0 && t == tli && seg > last)
			last = seg;
	}
	return last;
}

/*
 * `archive-get` of every segment of [first, last] into `dir`, each with
 * its own exit status: the first that cannot be fetched is named with
 * pgBackRest's own words. 1 all fetched, 0 not, -1 err.
 */
static int fetch_wal(struct step_ctx *sc, const char *dir, uint32_t tli,
		     uint64_t first, uint64_t last, json_t *o,
		     struct error *err)
{
	const struct pgbackrest_params *p =
		STEP_PARAMS(sc, struct pgbackrest_params);
	struct strbuf act = STRBUF_INIT, exp = STRBUF_INIT;
	uint64_t seg;
	char name[32], n1[32], n2[32];
	int ok = 1;

	for (seg = first; seg <= last && ok && !*sc->cancel; seg++) {
		struct exec_cmd cmd = EXEC_CMD_INIT;
		struct exec_result res = EXEC_RESULT_INIT;

		pgwal_segname(tli, seg, PGWAL_SEGSIZE_DEFAULT, name, sizeof(name));
		pbr_argv(p, "archive-get", 0, &cmd.argv);
		strvec_push(&cmd.argv, name);
		strvec_pushf(&cmd.argv, "%s/%s", dir, name);
		step_exec_prepare(sc, &cmd);
		strvec_push(&cmd.env, "LC_ALL=C");
		cmd.run_as = p->run_as;
		if (exec_run(&cmd, &res, err) < 0) {
			exec_cmd_release(&cmd);
			exec_result_release(&res);
			ok = -1;
			break;
		}
		if (res.exit_code || res.timed_out) {
			ok = 0;
			strbuf_addf(&act, "segment %s: archive-get exit %d", name,
				    res.exit_code);
			/* archive-get says nothing for a segment it lacks. */
			if (res.exit_code == 1 && !res.err_head.len &&
			    !res.out_head.len)
				strbuf_adds(&act, ": not in the repository");
			else
				add_first_line(&act, res.err_head.len ?
					       &res.err_head : &res.out_head);
			json_object_set_new(o, "bad_segment", json_string(name));
		}
		exec_cmd_release(&cmd);
		exec_result_release(&res);
	}
	if (ok >= 0) {
		pgwal_segname(tli, first, PGWAL_SEGSIZE_DEFAULT, n1, sizeof(n1));
		pgwal_segname(tli, last, PGWAL_SEGSIZE_DEFAULT, n2, sizeof(n2));
		strbuf_addf(&exp, "archive-get of every segment %s..%s", n1, n2);
		if (ok)
			strbuf_addf(&act, "%" PRIu64 " segments fetched",
				    last - first + 1);
		json_object_set_new(o, "fetched", json_boolean(ok));
		step_check(sc, "archive holds every segment from the backup's "
			   "start (archive-get)", exp.buf, act.buf, ok);
		if (!ok && !json_object_get(sc->rec, "message")) {
			strbuf_reset(&exp);
			strbuf_addf(&exp, "pgBackRest stanza %s: %s", p->stanza,
				    act.buf);
			json_object_set_new(sc->rec, "message",
					    step_json_str(exp.buf));
		}
	}
	strbuf_release(&act);
	strbuf_release(&exp);
	return ok;
}

/*
 * The chosen backup's WAL proven before the destroy phase: fetched from
 * the repository into a private directory, read by content, the recover
 * steps' targets found in it (pitrproof.h); the directory removed after.
 * 1, 0 when not proven, -1 err.
 */
static int prove_pbr_wal(struct step_ctx *sc, const struct pbrinfo *info,
			 const struct pbrinfo_backup *b, json_t *chosen,
			 json_t *ev, long long *proof_ms, struct error *err)
{
	const struct pgbackrest_params *p =
		STEP_PARAMS(sc, struct pgbackrest_params);
	struct pitrproof_wal w;
	struct user_info ui = USER_INFO_INIT;
	struct strbuf where = STRBUF_INIT, stop_time = STRBUF_INIT;
	char dir[4096];
	const char *tmp = getenv("TMPDIR");
	json_t *o = json_object(), *ms;
	uint64_t first, stop;
	uint32_t tli;
	int ok = -1;

	*proof_ms = -1;
	json_object_set_new(ev, "wal", o);
	if (pgwal_parse_segname(b->wal_start, PGWAL_SEGSIZE_DEFAULT, &tli,
				&first) < 0 ||
	    pgwal_parse_segname(b->wal_stop, PGWAL_SEGSIZE_DEFAULT, &tli,
				&stop) < 0)
		return error_set(err, "the backup's WAL range is not two "
				 "segment names");
	snprintf(dir, sizeof(dir), "%s/rdrill-wal.XXXXXX", tmp && *tmp == '/' ?
		 tmp : "/tmp");
	if (!mkdtemp(dir))
		return error_errno(err, "mkdtemp %s", dir);
	if (p->run_as && geteuid() == 0 && (user_by_name(p->run_as, &ui) != 1 ||
					    chown(dir, ui.uid, ui.gid) < 0)) {
		error_errno(err, "chown %s to %s", dir, p->run_as);
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.dir = dir;
	strbuf_addf(&where, "pgBackRest stanza %s", p->stanza);
	w.where = where.buf;
	w.run_as = p->run_as;
	w.tli = tli;
	w.segsize = PGWAL_SEGSIZE_DEFAULT;
	w.start_lsn = b->start_lsn_v;
	w.stop_lsn = b->stop_lsn_v;
	utc_str(b->stop, &stop_time);
	w.stop_time = stop_time.buf;
	w.first = first;
	w.last = archive_last(info, tli, stop);
	if (info->has_sysid)
		w.sysid = info->sysid;
	ok = fetch_wal(sc, dir, tli, w.first, w.last, o, err);
	if (ok == 1)
		ok = pitrproof_segments(sc, &w, o, err);
	if (ok == 1)
		ok = pitrproof_targets(sc, BKFACTS_PGBACKREST, &w, ev, err);
	/* What pitrproof journaled, said again beside the backup. */
	ms = json_object_get(json_object_get(o, "proof"), "ms");
	json_object_set_new(chosen, "wal_proof_ms", json_deep_copy(ms));
	if (json_is_integer(ms))
		*proof_ms = (long long)json_integer_value(ms);
out:
	{
		struct exec_cmd cmd = EXEC_CMD_INIT;
		struct exec_result res = EXEC_RESULT_INIT;
		struct error e = ERROR_INIT;
		const char *argv[] = { "rm", "-rf", "--", dir, NULL };
		strvec_pushv(&cmd.argv, argv);
		exec_run(&cmd, &res, &e);
		exec_cmd_release(&cmd);
		exec_result_release(&res);
		error_release(&e);
	}
	user_info_release(&ui);
	strbuf_release(&where);
	strbuf_release(&stop_time);
	return ok;
}

/*
 * The typed facts a recover step restores from (bkfacts.h); `chosen`,
 * the backup as the evidence lists it, is what the recover step
 * journals of it.
 */
static int remember(struct step_ctx *sc, const struct pgbackrest_params *p,
		    const struct pbrinfo_backup *c, json_t *chosen,
		    long long proof_ms, int ok, struct error *err)
{
	struct bkfacts_backup *b;
	struct strbuf stop_time = STRBUF_INIT;
	json_t *o;

	if (!sc->bkfacts)
		return error_set(err, "no run to share the backup's facts with");
	b = bkfacts_add_backup(sc->bkfacts, sc->step->id, BKFACTS_PGBACKREST);
	o = json_deep_copy(chosen);
	json_object_set_new(o, "stanza", step_json_str(p->stanza));
	if (p->config)
		json_object_set_new(o, "config", step_json_str(p->config));
	json_object_set_new(o, "program", step_json_str(prog(p)));
	json_object_set_new(o, "passed", json_boolean(ok));
	b->journal = o;
	b->passed = ok;
	bkfacts_set_str(&b->stanza, p->stanza);
	bkfacts_set_str(&b->config, p->config);
	bkfacts_set_str(&b->program, prog(p));
	bkfacts_set_str(&b->label, c->label);
	utc_str(c->stop, &stop_time);
	bkfacts_set_str(&b->stop_time, stop_time.buf);
	bkfacts_set_str(&b->stop_lsn_text, c->stop_lsn);
	b->start_lsn = c->start_lsn_v;
	b->stop_lsn = c->stop_lsn_v;
	b->lsns = 1;
	b->segsize = PGWAL_SEGSIZE_DEFAULT;
	b->timeline = c->timeline;
	b->wal_proof_ms = proof_ms;
	strbuf_release(&stop_time);
	return 0;
}

/*
 * info's backups into the evidence, each checked whole; the one to
 * restore (set:, or the newest that ended before the recover steps'
 * target time) as *chosen, its evidence entry as *chosen_json.
 */
static int pick_backup(struct step_ctx *sc, struct pbrinfo *info, json_t *ev,
		       double limit, struct pbrinfo_backup **chosen,
		       json_t **chosen_json, struct error *err)
{
	const struct pgbackrest_params *p =
		STEP_PARAMS(sc, struct pgbackrest_params);
	json_t *backups = json_array();
	long long newest = -1;
	size_t i;

	*chosen = NULL;
	*chosen_json = NULL;
	json_object_set_new(ev, "backups", backups);
	for (i = 0; i < info->nbackups; i++) {
		struct pbrinfo_backup *b = &info->backups[i];
		json_t *f;
		if (pbrinfo_backup_complete(b, i, err) < 0)
			return -1;
		f = backup_json(b);
		json_array_append_new(backups, f);
		if (p->set ? !strcmp(b->label, p->set) :
		    b->stop >= newest && (limit < 0 || (double)b->stop <= limit)) {
			*chosen = b;
			*chosen_json = f;
			newest = b->stop;
		}
	}
	return 0;
}

/* info's archive ranges into the evidence; 1 when one holds `c`'s WAL. */
static int archive_covers(const struct pbrinfo *info, json_t *ev,
			  const struct pbrinfo_backup *c)
{
	json_t *arch = json_array();
	size_t i;
	int covered = 0;

	json_object_set_new(ev, "archive", arch);
	for (i = 0; i < info->narchives; i++) {
		const struct pbrinfo_archive *a = &info->archives[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", step_json_str(a->id));
		if (a->min && a->max && strlen(a->min) == PGWAL_SEGNAME_LEN &&
		    strlen(a->max) == PGWAL_SEGNAME_LEN) {
			json_object_set_new(o, "min", step_json_str(a->min));
			json_object_set_new(o, "max", step_json_str(a->max));
			/* Fixed-width upper-case hex: text order is WAL order. */
			if (c && strcmp(a->min, c->wal_start) <= 0 &&
			    strcmp(a->max, c->wal_stop) >= 0)
				covered = 1;
		}
		json_array_append_new(arch, o);
	}
	return covered;
}

static int pbr_run(struct step_ctx *sc, struct error *err)
{
	const struct pgbackrest_params *p =
		STEP_PARAMS(sc, struct pgbackrest_params);
	json_t *ev = json_object(), *chosen_json = NULL;
	struct pbrinfo info;
	struct pbrinfo_backup *chosen = NULL;
	struct exec_result res = EXEC_RESULT_INIT;
	struct strbuf out = STRBUF_INIT, act = STRBUF_INIT, sb = STRBUF_INIT;
	long long proof_ms = -1;
	double limit = -1;
	int ret = -1, ok, covered;

	pbrinfo_init(&info);
	json_object_set_new(sc->rec, "evidence", ev);
	json_object_set_new(ev, "stanza", step_json_str(p->stanza));

	/* 1. info. */
	if (run_pbr(sc, "info", 1, "info", &res, &out, err) < 0)
		goto out;
	if (res.exit_code) {
		error_set(err, "pgbackrest info: exit %d (see its log)",
			  res.exit_code);
		goto out;
	}
	if (pbrinfo_parse(&info, out.buf, out.len, p->stanza, err) < 0)
		goto out;
	ok = stanza_ok(&info, &act);
	json_object_set_new(ev, "status", step_json_str(act.buf));
	step_check(sc, "stanza status", "0 (ok)", act.buf, ok);
	if (!p->set)
		limit = target_limit(sc->drill, sc->step->id, 1);
	if (pick_backup(sc, &info, ev, limit, &chosen, &chosen_json, err) < 0)
		goto out;
	covered = archive_covers(&info, ev, chosen);
	strbuf_reset(&sb);
	strbuf_adds(&sb, p->set ? p->set : limit >= 0 ? "the newest backup that "
		    "ended before the recover step's target time" :
		    "the newest backup");
	strbuf_reset(&act);
	if (chosen) {
		strbuf_addf(&act, "%s (%s, stopped ", chosen->label, chosen->type);
		utc_str(chosen->stop, &out);
		strbuf_addf(&act, "%s)", out.buf);
	} else {
		strbuf_adds(&act, p->set ? "no backup of that label" :
			    "no backup in the stanza");
	}
	ok = step_check(sc, "backup to restore", sb.buf, act.buf, chosen != NULL) &&
	     ok;
	if (!chosen) {
		ret = 0;
		goto out;
	}
	json_object_set_new(ev, "chosen", step_json_str(chosen->label));
	ok = step_check(sc, "backup without errors (pgBackRest's own checks)",
			"error: false", chosen->error ? "error: true" :
			"error: false", !chosen->error) && ok;
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s..%s", chosen->wal_start, chosen->wal_stop);
	ok = step_check(sc, "archive holds the backup's WAL", sb.buf,
			covered ? "within the archive's range" : "outside every "
			"archived range", covered) && ok;

	/* 2. verify: the repository's files against their checksums. */
	if (p->verify) {
		if (run_pbr(sc, "verify", 0, "verify", &res, &out, err) < 0)
			goto out;
		strbuf_reset(&act);
		strbuf_addf(&act, "exit %d", res.exit_code);
		add_first_line(&act, &res.err_head);
		json_object_set_new(ev, "verify", step_json_str(act.buf));
		ok = step_check(sc, "pgbackrest verify", "exit 0", act.buf,
				res.exit_code == 0 && !res.timed_out) && ok;
	}

	/* 3. The WAL by content, and the recover steps' targets. */
	if (ok) {
		int proven = prove_pbr_wal(sc, &info, chosen, chosen_json, ev,
					   &proof_ms, err);
		if (proven < 0)
			goto out;
		ok = proven;
	}

	/* 4. For a recover step. */
	if (remember(sc, p, chosen, chosen_json, proof_ms, ok, err) < 0)
		goto out;
	ret = 0;
out:
	pbrinfo_release(&info);
	exec_result_release(&res);
	strbuf_release(&out);
	strbuf_release(&act);
	strbuf_release(&sb);
	return ret;
}

/* Its words in the report's languages (words.h). */
static const struct words pbr_words[] = {
	{ NULL, "pgBackRest stanza {}: info, verify, the newest backup",
	  "pgBackRest stanza {}：`info`、`verify`、最新的备份" },
	{ NULL, "pgBackRest stanza {}: info, the newest backup",
	  "pgBackRest stanza {}：`info`、最新的备份" },
	{ NULL, "pgBackRest stanza {}: info, verify, the {} backup",
	  "pgBackRest stanza {}：`info`、`verify`、{} 备份" },
	{ NULL, "pgBackRest stanza {}: info, the {} backup",
	  "pgBackRest stanza {}：`info`、{} 备份" },
	{ NULL, "stanza status", "stanza 状态" },
	{ NULL, "0 (ok)", "0（正常）" },
	{ NULL, "backup to restore", "要恢复的备份" },
	{ NULL, "backup without errors (pgBackRest's own checks)",
	  "备份无错误（pgBackRest 自身的检查）" },
	{ NULL, "archive holds the backup's WAL", "归档包含该备份的 WAL" },
	{ NULL, "within the archive's range", "在归档范围内" },
	{ NULL, "outside every archived range", "不在任何已归档范围内" },
	{ NULL, "pgbackrest verify", "`pgbackrest verify`" },
	{ NULL, "error: false", "错误：否" },
	{ NULL, "error: true", "错误：是" },
	{ "backup to restore", "{}", "{}" },
	{ "stanza status", "{}", "{}" },
	WORDS_END
};
const struct step_kind step_kind_pgbackrest = {
	.name = "pgbackrest",
	.selectors = selectors,
	.noun = "pgbackrest steps",
	.fields = step_fields,
	.params = &pbr_schema,
	.params_key = "pgbackrest",
	.describe = pbr_describe,
	.needs = pbr_needs,
	.preflight = pbr_preflight,
	.run = pbr_run,
	.words = pbr_words,
};
