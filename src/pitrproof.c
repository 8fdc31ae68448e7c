#include "clock.h"
#include "pitrproof.h"
#include "bkfacts.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "fsutil.h"
#include "safefs.h"
#include "pgwal.h"
#include "step.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int pitrproof_parse_time(const char *s, double *out)
{
	int y, mo, d, h, mi, n = 0, zh = 0, zm = 0, zn = 0;
	double sec;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi,
		   &sec, &n) != 6 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec < 0 || sec >= 61)
		return -1;
	p = s + n;
	while (*p == ' ')
		p++;
	if (!strcmp(p, "UTC") || !strcmp(p, "GMT") || !strcmp(p, "Z")) {
		;
	} else if ((*p == '+' || *p == '-') &&
		   ((sscanf(p + 1, "%2d:%2d%n", &zh, &zm, &zn) == 2 && !p[1 + zn]) ||
		    (sscanf(p + 1, "%2d%n", &zh, &zn) == 1 && !p[1 + zn]))) {
		if (*p == '-')
			zh = -zh, zm = -zm;
	} else {
		return -1;
	}
	*out = (double)clock_utc_secs(y, mo, d, h, mi, 0) + sec -
	       zh * 3600.0 - zm * 60.0;
	return 0;
}

int pitrproof_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void fail_msg(struct step_ctx *sc, const char *msg)
{
	if (!json_object_get(sc->rec, "message"))
		json_object_set_new(sc->rec, "message", step_json_str(msg));
}

int pitrproof_segments(struct step_ctx *sc, const struct pitrproof_wal *w,
		       json_t *ev, struct error *err)
{
	struct pgwal_proof pr = PGWAL_PROOF_INIT;
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	json_t *o = json_object();
	char s1[32], s2[32], bad[32];
	long long t0 = now_us(), us;
	int threads = pitrproof_threads(), ok;

	if (pgwal_prove(w->dir, w->tli, w->segsize, w->first, w->last, w->sysid,
			threads, &pr, err) < 0) {
		json_decref(o);
		return -1;
	}
	us = now_us() - t0;
	pgwal_segname(w->tli, w->first, w->segsize, s1, sizeof(s1));
	pgwal_segname(w->tli, w->last, w->segsize, s2, sizeof(s2));
	json_object_set_new(o, "first", json_string(s1));
	json_object_set_new(o, "last", json_string(s2));
	json_object_set_new(o, "segments", json_integer((json_int_t)pr.segments));
	json_object_set_new(o, "bytes", json_integer((json_int_t)pr.bytes));
	json_object_set_new(o, "threads", json_integer(threads));
	json_object_set_new(o, "ms", json_integer(us / 1000));
	json_object_set_new(o, "ok", json_boolean(pr.ok));
	strbuf_addf(&exp, "every page header of %s..%s: magic, system identifier",
		    s1, s2);
	if (w->sysid)
		strbuf_addf(&exp, " %" PRIu64, w->sysid);
	strbuf_adds(&exp, ", timeline, page addresses, segment size");
	if (pr.ok) {
		strbuf_addf(&act, "%" PRIu64 " segments (%" PRIu64 " MiB) read in "
			    "%lld ms on %d threads: all valid", pr.segments,
			    pr.bytes >> 20, us / 1000, threads);
	} else {
		pgwal_segname(w->tli, pr.bad_segno, w->segsize, bad, sizeof(bad));
		json_object_set_new(o, "bad_segment", json_string(bad));
		json_object_set_new(o, "why", step_json_str(pr.why.buf));
		strbuf_addf(&act, "segment %s: %s", bad, pr.why.buf);
	}
	json_object_set_new(ev, "proof", o);
	ok = step_check(sc, "WAL proven by content (page headers)", exp.buf,
			act.buf, pr.ok);
	if (!ok) {
		strbuf_reset(&exp);
		if (w->where)
			strbuf_addf(&exp, "%s: segment %s", w->where, act.buf + 8);
		else
			strbuf_addf(&exp, "WAL archive %s: segment %s", w->dir,
				    act.buf + 8);
		fail_msg(sc, exp.buf);
	}
	pgwal_proof_release(&pr);
	strbuf_release(&exp);
	strbuf_release(&act);
	return ok;
}

/* "lsn: 0/05000090," in a pg_waldump line. */
static int line_lsn(const char *line, uint64_t *lsn)
{
	const char *p = strstr(line, "lsn: ");
	char buf[32];

	if (!p || sscanf(p + 5, "%31[0-9A-Fa-f/]", buf) != 1)
		return -1;
	return pgwal_parse_lsn(buf, lsn);
}

/* Is this line the record we look for (a restore point, or xid's end)? */
static int line_matches(const char *line, const char *name, const char *xid,
			const char **what)
{
	const char *p;

	if (name) {
		p = strstr(line, "desc: RESTORE_POINT ");
		*what = "restore point";
		return p && !strcmp(p + 20, name);
	}
	p = strstr(line, "tx: ");
	if (!p)
		return 0;
	p += 4;
	while (*p == ' ')
		p++;
	if (strncmp(p, xid, strlen(xid)) || p[strlen(xid)] != ',')
		return 0;
	if (strstr(line, "desc: COMMIT"))
		*what = "commit";
	else if (strstr(line, "desc: ABORT"))
		*what = "abort";
	else
		return 0;
	return 1;
}

/*
 * pg_waldump over the proven segments for one record: the restore point
 * `name` (rmgr XLOG) or the end of transaction `xid` (rmgr Transaction).
 * Its output goes to the step's log; the file is scanned line by line.
 * 1 found (*lsn, *what), 0 not, -1 err.
 */
static int waldump_find(struct step_ctx *sc, const struct pitrproof_wal *w,
			const struct drill_step *rs, const char *name,
			const char *xid, uint64_t *lsn, const char **what,
			struct error *err)
{
	struct strbuf prog = STRBUF_INIT, key = STRBUF_INIT, sfx = STRBUF_INIT,
		      rel = STRBUF_INIT, abs = STRBUF_INIT, log = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct bkfacts_recover r;
	char s1[32], s2[32], line[4096];
	FILE *f;
	int found = -1;

	/* A pgbackrest step has no pg_bin: the recover step's says where. */
	bkfacts_recover_of(rs, &r);
	step_pg_prog(w->pg_bin ? w->pg_bin : r.pg_bin, "pg_waldump", &prog);
	pgwal_segname(w->tli, w->first, w->segsize, s1, sizeof(s1));
	pgwal_segname(w->tli, w->last, w->segsize, s2, sizeof(s2));
	strvec_push(&argv, prog.buf);
	strvec_pushf(&argv, "--path=%s", w->dir);
	strvec_pushf(&argv, "--rmgr=%s", name ? "XLOG" : "Transaction");
	if (xid)
		strvec_pushf(&argv, "--xid=%s", xid);
	strvec_push(&argv, s1);
	strvec_push(&argv, s2);
	strbuf_addf(&key, "waldump_%s_log", rs->id);
	strbuf_addf(&sfx, "waldump-%s.log", rs->id);
	if (step_run_logged(sc, key.buf, sfx.buf, (const char *const *)argv.v,
			    w->run_as, &res, &log, err) < 0)
		goto out;
	step_log_path(sc, sfx.buf, &rel, &abs);
	{
		/* Read back through the bundle's descriptor (fsutil.h). */
		int fd = fs_open_read(abs.buf);
		f = fd >= 0 ? fdopen(fd, "r") : NULL;
		if (!f) {
			error_errno(err, "%s", abs.buf);
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	found = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line_matches(line, name, xid, what) &&
		    line_lsn(line, lsn) == 0) {
			found = 1;
			break;
		}
	}
	fclose(f);
out:
	strbuf_release(&prog);
	strbuf_release(&key);
	strbuf_release(&sfx);
	strbuf_release(&rel);
	strbuf_release(&abs);
	strbuf_release(&log);
	strvec_clear(&argv);
	exec_result_release(&res);
	return found;
}

/* A restore point or an xid: found in the WAL after the backup's end. */
static int prove_record(struct step_ctx *sc, const struct pitrproof_wal *w,
			const struct drill_step *rs, const char *name,
			const char *xid, json_t *o, struct error *err)
{
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	const char *what = NULL;
	uint64_t lsn = 0;
	char l1[32], l2[32], s1[32], s2[32];
	int f, ok;

	f = waldump_find(sc, w, rs, name, xid, &lsn, &what, err);
	if (f < 0)
		return -1;
	pgwal_segname(w->tli, w->first, w->segsize, s1, sizeof(s1));
	pgwal_segname(w->tli, w->last, w->segsize, s2, sizeof(s2));
	pgwal_format_lsn(w->stop_lsn, l2, sizeof(l2));
	if (name)
		strbuf_addf(&exp, "a restore point named '%s' after the backup's "
			    "end (%s)", name, l2);
	else
		strbuf_addf(&exp, "the commit of transaction %s after the "
			    "backup's end (%s)", xid, l2);
	ok = f && lsn >= w->stop_lsn;
	if (f) {
		pgwal_format_lsn(lsn, l1, sizeof(l1));
		strbuf_addf(&act, "%s at %s", what, l1);
		json_object_set_new(o, "record_lsn", json_string(l1));
		json_object_set_new(o, "record", json_string(what));
		if (!ok)
			strbuf_adds(&act, ": before the backup's end");
	} else {
		strbuf_addf(&act, "no such record in %s..%s", s1, s2);
	}
	step_check(sc, name ? "restore point in the archived WAL" :
		   "transaction's commit in the archived WAL", exp.buf, act.buf,
		   ok);
	if (!ok) {
		strbuf_reset(&exp);
		if (name)
			strbuf_addf(&exp, "recover step '%s': restore point '%s': "
				    "%s", rs->id, name, act.buf);
		else
			strbuf_addf(&exp, "recover step '%s': transaction %s: %s",
				    rs->id, xid, act.buf);
		fail_msg(sc, exp.buf);
	}
	strbuf_release(&exp);
	strbuf_release(&act);
	return ok;
}

/* A time target (given or in its file now) against the backup's end. */
static int prove_time(struct step_ctx *sc, const struct pitrproof_wal *w,
		      const struct drill_step *rs,
		      const struct bkfacts_recover *r, json_t *o)
{
	const char *tt = r->target_time;
	const char *file = r->target_time_file;
	struct strbuf text = STRBUF_INIT, exp = STRBUF_INIT, act = STRBUF_INIT;
	double t, end;
	int ok = 1;

	if (!tt && file) {
		/* Written by an earlier step, or only later (then the recover
		 * step checks it). */
		struct error e = ERROR_INIT;
		int got = safefs_read_regular(file, 1, &text, 4096, &e);
		error_release(&e);
		if (got < 0)
			goto out;
		strbuf_setlen(&text, strcspn(text.buf, "\r\n"));
		strbuf_rtrim(&text);
		tt = text.buf;
	}
	if (!tt)
		goto out;
	json_object_set_new(o, "target_time", step_json_str(tt));
	strbuf_addf(&exp, "a time with its zone, at or after the backup's end%s%s",
		    w->stop_time ? ", " : "", w->stop_time ? w->stop_time : "");
	if (pitrproof_parse_time(tt, &t) < 0) {
		strbuf_addf(&act, "'%s': not YYYY-MM-DD HH:MM:SS[.frac] with a "
			    "zone (+00, UTC, Z)", tt);
		ok = 0;
	} else if (w->stop_time &&
		   pitrproof_parse_time(w->stop_time, &end) == 0 && t < end) {
		strbuf_addf(&act, "%s lies before the backup's end", tt);
		ok = 0;
	} else {
		strbuf_adds(&act, tt);
	}
	step_check(sc, "target time", exp.buf, act.buf, ok);
	if (!ok) {
		strbuf_reset(&exp);
		strbuf_addf(&exp, "recover step '%s': target time %s: recovery "
			    "cannot stop there", rs->id, act.buf);
		fail_msg(sc, exp.buf);
	}
out:
	strbuf_release(&text);
	strbuf_release(&exp);
	strbuf_release(&act);
	return ok;
}

/* An LSN target: after the backup's end, its segment proven. */
static int prove_lsn(struct step_ctx *sc, const struct pitrproof_wal *w,
		     const struct drill_step *rs, const char *ls)
{
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	uint64_t lsn = 0;
	char e[32], last[32];
	int ok;

	pgwal_parse_lsn(ls, &lsn);
	pgwal_format_lsn(w->stop_lsn, e, sizeof(e));
	pgwal_segname(w->tli, w->last, w->segsize, last, sizeof(last));
	strbuf_addf(&exp, "at or after the backup's end (%s), within the proven "
		    "WAL (to %s)", e, last);
	ok = lsn >= w->stop_lsn && lsn / w->segsize <= w->last;
	strbuf_addf(&act, "%s%s", ls, lsn < w->stop_lsn ? ": before the backup's "
		    "end" : lsn / w->segsize > w->last ? ": past the archived "
		    "WAL" : "");
	step_check(sc, "target LSN in the archived WAL", exp.buf, act.buf, ok);
	if (!ok) {
		strbuf_reset(&exp);
		strbuf_addf(&exp, "recover step '%s': target LSN %s", rs->id,
			    act.buf);
		fail_msg(sc, exp.buf);
	}
	strbuf_release(&exp);
	strbuf_release(&act);
	return ok;
}

/*
 * A newer timeline in the archive branching from the backup's: recovery
 * follows the newest by default, so the drill must say which it means.
 * The timeline recovery will replay into o["timeline"].
 */
static int prove_timeline(struct step_ctx *sc, const struct pitrproof_wal *w,
			  const struct drill_step *rs,
			  const struct bkfacts_recover *r, json_t *o,
			  uint32_t *timeline)
{
	const char *tt = r->target_timeline;
	struct strbuf exp = STRBUF_INIT, act = STRBUF_INIT;
	uint32_t newer = 0, want = w->tli;
	uint64_t sw = 0;
	char l[32];
	int ok = 1;

	if (w->have_history)
		pgwal_newer_timeline(w->dir, w->tli, w->start_lsn, &newer, &sw);
	if (!newer && !tt)
		goto out;
	if (newer) {
		pgwal_format_lsn(sw, l, sizeof(l));
		strbuf_addf(&act, "the archive holds timeline %" PRIu32 " (%08"
			    PRIX32 ".history: branched from timeline %" PRIu32
			    " at %s)", newer, newer, w->tli, l);
	} else {
		strbuf_addf(&act, "only timeline %" PRIu32, w->tli);
	}
	if (!tt) {
		ok = 0;
		strbuf_adds(&act, ", which recovery would follow by default");
	} else if (!strcmp(tt, "latest")) {
		want = newer ? newer : w->tli;
	} else if (strcmp(tt, "current")) {
		want = (uint32_t)strtoul(tt, NULL, 10);
	}
	strbuf_addf(&exp, "the timeline to replay named (target_timeline): "
		    "%s", tt ? tt : "not given");
	step_check(sc, "timeline recovery will follow", exp.buf, act.buf, ok);
	if (!ok) {
		strbuf_reset(&exp);
		strbuf_addf(&exp, "recover step '%s': %s; give target_timeline "
			    "(current: the backup's timeline %" PRIu32 "; "
			    "latest or %" PRIu32 ": follow it)", rs->id, act.buf,
			    w->tli, newer);
		fail_msg(sc, exp.buf);
	}
out:
	json_object_set_new(o, "timeline", json_integer(want));
	*timeline = want;
	strbuf_release(&exp);
	strbuf_release(&act);
	return ok;
}

/* One recover step's target. 1 proven, 0 not, -1 err. */
static int prove_one_step(struct step_ctx *sc, const struct pitrproof_wal *w,
			  const struct drill_step *rs,
			  const struct bkfacts_recover *r, json_t *o,
			  uint32_t *timeline, struct error *err)
{
	const char *name = r->target_name;
	const char *xid = r->target_xid;
	const char *lsn = r->target_lsn;
	int ok = prove_timeline(sc, w, rs, r, o, timeline), one;

	ok = prove_time(sc, w, rs, r, o) && ok;
	if (lsn)
		ok = prove_lsn(sc, w, rs, lsn) && ok;
	if (name || xid) {
		one = prove_record(sc, w, rs, name, name ? NULL : xid, o, err);
		if (one < 0)
			return -1;
		ok = one && ok;
	}
	return ok;
}

int pitrproof_targets(struct step_ctx *sc, enum bkfacts_source source,
		      const struct pitrproof_wal *w, json_t *ev,
		      struct error *err)
{
	json_t *all = json_object();
	size_t i;
	int ok = 1;

	json_object_set_new(ev, "targets", all);
	for (i = 0; i < sc->drill->nsteps; i++) {
		const struct drill_step *rs = &sc->drill->steps[i];
		struct bkfacts_recover r;
		const char *ref;
		uint32_t proven_timeline = 0;
		json_t *o;
		int one;

		if (!bkfacts_recover_of(rs, &r))
			continue;
		ref = source == BKFACTS_BASEBACKUP ? r.backup : r.pgbackrest;
		if (!ref || strcmp(ref, sc->step->id))
			continue;
		o = json_object();
		json_object_set_new(all, rs->id, o);
		one = prove_one_step(sc, w, rs, &r, o, &proven_timeline, err);
		if (one < 0)
			return -1;
		json_object_set_new(o, "proven", json_boolean(one));
		if (sc->bkfacts)
			bkfacts_set_proof(sc->bkfacts, rs->id, proven_timeline);
		ok = one && ok;
	}
	return ok;
}
