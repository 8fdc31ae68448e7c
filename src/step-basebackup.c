#include "bkfacts.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "pgwal.h"
#include "pitrproof.h"
#include "user.h"
#include "preflight.h"
#include "report.h"
#include "schema.h"
#include "step.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

/*
 * Evidence of a pg_basebackup directory and its WAL archive, before any
 * restore is claimed: pg_verifybackup checks every file against the
 * backup manifest's checksums and the WAL from the backup's start to its
 * end; backup_label (and the backup history file the server archived)
 * say where the backup starts and ends, on which timeline; pg_controldata
 * says the WAL segment size; and the archive is walked for every segment
 * from the backup's start to the newest one, so a hole in the middle is
 * named here, not discovered half-way through a replay.
 *
 * The facts go into sc->bkfacts (bkfacts.h) for a later recover step
 * (step-recover.c), which checks the WAL up to its target.
 */
struct basebackup_params {
	const char *dir;
	const char *wal_archive;
	const char *pg_bin;
};

#define F(m) offsetof(struct basebackup_params, m)

static const struct schema_field bb_fields[] = {
	{ .key = "dir", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(dir), .help = "a pg_basebackup directory (-F plain) with its "
				 "backup_manifest" },
	{ .key = "wal_archive", .type = SCHEMA_STR,
	  .flags = SCHEMA_REQ | SCHEMA_NONEMPTY, .off = F(wal_archive),
	  .help = "the directory archive_command copies WAL segments into" },
	{ .key = "pg_bin", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(pg_bin),
	  .help = "where pg_verifybackup and pg_controldata are (default: PATH)" },
	{ NULL },
};

static const struct schema bb_schema = {
	"basebackup", bb_fields, sizeof(struct basebackup_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "basebackup", .type = SCHEMA_OBJ, .obj = &bb_schema },
	{ NULL },
};

static const char *const selectors[] = { "basebackup", NULL };

static void bb_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct basebackup_params *p = s->params;

	strbuf_addf(out, "base backup %s: pg_verifybackup, backup_label, every "
		    "WAL segment from its start in %s", p->dir, p->wal_archive);
}

static void bb_needs(const struct drill_step *s, struct step_needs *n)
{
	const struct basebackup_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	step_pg_prog(p->pg_bin, "pg_verifybackup", &sb);
	strvec_push_unique(&n->programs, sb.buf);
	step_pg_prog(p->pg_bin, "pg_controldata", &sb);
	strvec_push_unique(&n->programs, sb.buf);
	/* A recover step's restore point or xid is found with it. */
	step_pg_prog(p->pg_bin, "pg_waldump", &sb);
	strvec_push_unique(&n->programs, sb.buf);
	strbuf_release(&sb);
}

/* Quoted names in pg_verifybackup's error lines: the files it blames. */
static void blamed_files(const char *log, json_t *arr)
{
	const char *line = log;

	while (*line && json_array_size(arr) < 20) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *q = line, *end = line + n;

		if (mem_find(line, n, "error:", 6))
			while ((q = memchr(q, '"', (size_t)(end - q))) &&
			       q < end) {
				const char *c = memchr(q + 1, '"',
						       (size_t)(end - q - 1));
				char *name;
				if (!c)
					break;
				name = strndup(q + 1, (size_t)(c - q - 1));
				if (name)
					json_array_append_new(arr,
							      step_json_str(name));
				free(name);
				q = c + 1;
			}
		line = nl ? nl + 1 : end;
	}
}

/* "Bytes per WAL segment:    16777216" and friends, from pg_controldata. */
static const char *control_value(const char *out, const char *key,
				 struct strbuf *v)
{
	size_t kl = strlen(key);
	const char *p = out;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ':') {
			const char *s = p + kl + 1, *e = strchr(s, '\n');
			while (*s == ' ')
				s++;
			strbuf_reset(v);
			strbuf_add(v, s, e ? (size_t)(e - s) : strlen(s));
			strbuf_rtrim(v);
			return v->buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* backup_manifest: its WAL-Ranges and the files' count and size. */
struct manifest_facts {
	uint64_t start_lsn, end_lsn;
	uint32_t tli;
	int has_range;
	json_int_t files, bytes;
};

/*
 * What rdrill reads of PostgreSQL's backup_manifest, in one table: its
 * WAL-Ranges (one range makes the facts) and each file's Size. Bound
 * leniently, as this reader always took it: a member of the wrong type
 * is absent, which the rules in read_manifest judge.
 */
struct mf_range {
	struct schema_int timeline;
	const char *start, *end;
};

struct mf_file {
	struct schema_int size;
};

struct mf_manifest {
	struct mf_range *ranges;    /* non-NULL: an array */
	size_t nranges;
	struct mf_file *files;      /* non-NULL: an array */
	size_t nfiles;
};

static const struct schema_field mf_range_fields[] = {
	{ .key = "Timeline", .type = SCHEMA_INT,
	  .off = offsetof(struct mf_range, timeline) },
	{ .key = "Start-LSN", .type = SCHEMA_STR,
	  .off = offsetof(struct mf_range, start) },
	{ .key = "End-LSN", .type = SCHEMA_STR,
	  .off = offsetof(struct mf_range, end) },
	{ .key = NULL },
};
static const struct schema mf_range_schema = {
	.what = "WAL range", .fields = mf_range_fields,
	.size = sizeof(struct mf_range),
};
static const struct schema_field mf_file_fields[] = {
	{ .key = "Size", .type = SCHEMA_INT,
	  .off = offsetof(struct mf_file, size) },
	{ .key = NULL },
};
static const struct schema mf_file_schema = {
	.what = "file", .fields = mf_file_fields,
	.size = sizeof(struct mf_file),
};
static const struct schema_field mf_range_item = { .type = SCHEMA_OBJ,
	.obj = &mf_range_schema };
static const struct schema_field mf_file_item = { .type = SCHEMA_OBJ,
	.obj = &mf_file_schema };
static const struct schema_field mf_fields[] = {
	{ .key = "WAL-Ranges", .type = SCHEMA_LIST, .item = &mf_range_item,
	  .off = offsetof(struct mf_manifest, ranges),
	  .off2 = offsetof(struct mf_manifest, nranges) },
	{ .key = "Files", .type = SCHEMA_LIST, .item = &mf_file_item,
	  .off = offsetof(struct mf_manifest, files),
	  .off2 = offsetof(struct mf_manifest, nfiles) },
	{ .key = NULL },
};
static const struct schema mf_schema = {
	.what = "backup_manifest", .fields = mf_fields,
	.size = sizeof(struct mf_manifest),
};

/* The manifest's facts from its bound form: -1 when it has no arrays. */
static int manifest_facts_of(const struct mf_manifest *mf,
			     struct manifest_facts *m)
{
	const struct mf_range *r0 = mf->nranges ? &mf->ranges[0] : NULL;
	size_t i;

	if (!mf->ranges || !mf->files)
		return -1;
	/* An item that is no object is bound all absent: no range. */
	if (mf->nranges == 1 && r0->timeline.set && r0->timeline.v > 0 &&
	    (unsigned long)r0->timeline.v <= UINT32_MAX &&
	    pgwal_parse_lsn(r0->start, &m->start_lsn) == 0 &&
	    pgwal_parse_lsn(r0->end, &m->end_lsn) == 0 &&
	    m->end_lsn >= m->start_lsn) {
		m->tli = (uint32_t)r0->timeline.v;
		m->has_range = 1;
	}
	for (i = 0; i < mf->nfiles; i++) {
		m->files++;
		if (mf->files[i].size.set && mf->files[i].size.v >= 0)
			m->bytes += mf->files[i].size.v;
	}
	return 0;
}

static int read_manifest(const char *dir, struct manifest_facts *m,
			 struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	struct mf_manifest mf;
	json_error_t je;
	json_t *root = NULL;
	struct stat st;
	int ret = -1;

	memset(m, 0, sizeof(*m));
	memset(&mf, 0, sizeof(mf));
	strbuf_addf(&path, "%s/backup_manifest", dir);
	if (stat(path.buf, &st) < 0) {
		error_errno(err, "%s", path.buf);
		goto out;
	}
	if (st.st_size > (1 << 30)) {
		error_set(err, "%s: larger than 1 GiB", path.buf);
		goto out;
	}
	root = json_load_file(path.buf, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		error_set(err, "%s:%d: %s", path.buf, je.line, je.text);
		goto out;
	}
	schema_bind_lenient(&mf_schema, root, &mf);
	if (manifest_facts_of(&mf, m) < 0) {
		error_set(err, "%s: no WAL-Ranges or Files array", path.buf);
		goto out;
	}
	ret = 0;
out:
	schema_release(&mf_schema, &mf);
	json_decref(root);
	strbuf_release(&path);
	return ret;
}

static void lsn_str(uint64_t lsn, struct strbuf *sb)
{
	char buf[32];

	pgwal_format_lsn(lsn, buf, sizeof(buf));
	strbuf_reset(sb);
	strbuf_adds(sb, buf);
}

/*
 * What prove_wal reads back of the WAL evidence pitrproof_segments
 * wrote: how long the proof took.
 */
struct pw_proof {
	struct schema_int ms;
};
struct pw_wal {
	struct pw_proof *proof;
};
static const struct schema_field pw_proof_fields[] = {
	{ .key = "ms", .type = SCHEMA_INT,
	  .off = offsetof(struct pw_proof, ms) },
	{ .key = NULL },
};
static const struct schema pw_proof_schema = {
	.what = "proof", .fields = pw_proof_fields,
	.size = sizeof(struct pw_proof),
};
static const struct schema_field pw_wal_fields[] = {
	{ .key = "proof", .type = SCHEMA_OBJ, .obj = &pw_proof_schema,
	  .off = offsetof(struct pw_wal, proof) },
	{ .key = NULL },
};
static const struct schema pw_schema = {
	.what = "wal", .fields = pw_wal_fields, .size = sizeof(struct pw_wal),
};

/*
 * The WAL proven by content (pitrproof.h) and every recover step's
 * target found in it: 1, 0 when not proven, -1 err.
 */
static int prove_wal(struct step_ctx *sc, const struct basebackup_params *p,
		     json_t *facts, uint64_t sysid,
		     const struct pgwal_archive *a, uint32_t tli,
		     uint64_t segsize, const struct pgwal_label *lab,
		     uint64_t stop_lsn, const char *stop_time, json_t *ev,
		     json_t *wal, long long *proof_ms, struct error *err)
{
	struct pitrproof_wal w;
	struct pw_wal pw;
	int ok;

	memset(&w, 0, sizeof(w));
	w.dir = p->wal_archive;
	w.pg_bin = p->pg_bin;
	w.tli = tli;
	w.segsize = segsize;
	w.start_lsn = lab->start_lsn;
	w.stop_lsn = stop_lsn;
	w.sysid = sysid;
	w.stop_time = stop_time;
	w.first = a->first;
	w.last = a->last;
	w.have_history = 1;
	ok = pitrproof_segments(sc, &w, wal, err);
	if (ok < 0)
		return -1;
	memset(&pw, 0, sizeof(pw));
	schema_bind_lenient(&pw_schema, wal, &pw);
	if (pw.proof && pw.proof->ms.set) {
		json_object_set_new(facts, "wal_proof_ms",
				    json_integer((json_int_t)pw.proof->ms.v));
		*proof_ms = pw.proof->ms.v;
	}
	schema_release(&pw_schema, &pw);
	if (!ok)
		return 0;
	return pitrproof_targets(sc, BKFACTS_BASEBACKUP, &w, ev, err);
}

/* A tar-format backup's base archive, and how tar reads it. */
static const struct tar_format {
	const char *file, *flag, *name;
} tar_formats[] = {
	{ "base.tar", NULL, "tar" },
	{ "base.tar.gz", "-z", "tar, gzip" },
	{ "base.tar.lz4", "--use-compress-program=lz4", "tar, lz4" },
	{ "base.tar.zst", "--zstd", "tar, zstd" },
	{ NULL, NULL, NULL },
};

/*
 * pg_basebackup -F tar (gzip, lz4 or zstd as the server or client wrote
 * it): pg_verifybackup of this server version reads only a plain data
 * directory, so base.tar* is unpacked, as the backup's owner, into a
 * private directory beside TMPDIR with the manifest, and everything after
 * (pg_verifybackup, backup_label, pg_controldata, the recover step's copy)
 * reads that. It is removed at the run's end (recover_finish, through
 * the run's bkfacts scratch list). *bdir: the plain directory; 0, or -1 with err.
 */
static int unpack_tar(struct step_ctx *sc, const struct basebackup_params *p,
		      struct strbuf *bdir, json_t *ev, struct error *err)
{
	const struct tar_format *t;
	struct strbuf path = STRBUF_INIT, log = STRBUF_INIT, act = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct user_info ui = USER_INFO_INIT;
	const char *tmp = getenv("TMPDIR"), *owner = NULL;
	char dir[4096];
	struct stat st;
	int ret = -1;

	strbuf_addf(bdir, "%s", p->dir);
	for (t = tar_formats; t->file; t++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", p->dir, t->file);
		if (stat(path.buf, &st) == 0)
			break;
	}
	if (!t->file) {
		strbuf_release(&path);
		return 0;       /* plain */
	}
	snprintf(dir, sizeof(dir), "%s/rdrill-base.XXXXXX", tmp && *tmp == '/' ?
		 tmp : "/tmp");
	if (!mkdtemp(dir)) {
		strbuf_release(&path);
		return error_errno(err, "mkdtemp %s", dir);
	}
	/* For recover_finish: removed at the run's end, whatever. */
	bkfacts_add_scratch(sc->bkfacts, sc->step->id, dir, dir, "pg_ctl", NULL,
			    0);
	if (geteuid() == 0 && stat(p->dir, &st) == 0 && st.st_uid != 0 &&
	    user_by_uid(st.st_uid, &ui) == 1) {
		owner = ui.name.buf;
		if (chown(dir, ui.uid, ui.gid) < 0) {
			error_errno(err, "chown %s", dir);
			goto out;
		}
	}
	strvec_push(&argv, "tar");
	if (t->flag)
		strvec_push(&argv, t->flag);
	strvec_pushf(&argv, "--directory=%s", dir);
	strvec_pushf(&argv, "--file=%s", path.buf);
	strvec_push(&argv, "--extract");
	if (step_run_logged(sc, "unpack_log", "unpack.log",
			    (const char *const *)argv.v, owner, &res, &log,
			    err) < 0)
		goto out;
	strbuf_addf(&act, "%s: tar exit %d", t->name, res.exit_code);
	if (!step_check(sc, "tar-format backup unpacked (this pg_verifybackup "
			"reads only plain format)", "tar exit 0", act.buf,
			res.exit_code == 0 && !res.timed_out)) {
		error_set(err, "%s: cannot unpack (%s)", path.buf, act.buf);
		goto out;
	}
	{
		strvec_clear(&argv);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/backup_manifest", p->dir);
		strvec_push(&argv, "cp");
		strvec_push(&argv, path.buf);
		strvec_push(&argv, dir);
		if (step_run_logged(sc, "manifest_log", "manifest-copy.log",
				    (const char *const *)argv.v, owner, &res,
				    &log, err) < 0)
			goto out;
	}
	json_object_set_new(ev, "format", json_string(t->name));
	json_object_set_new(ev, "unpacked_into", step_json_str(dir));
	strbuf_reset(bdir);
	strbuf_adds(bdir, dir);
	ret = 0;
out:
	strbuf_release(&path);
	strbuf_release(&log);
	strbuf_release(&act);
	strvec_clear(&argv);
	exec_result_release(&res);
	user_info_release(&ui);
	return ret;
}

/*
 * One run of a basebackup step, its stages below sharing it; what they
 * hold is released once, by bb_state_release().
 */
struct bb_state {
	struct step_ctx *sc;
	const struct basebackup_params *p;
	json_t *ev, *facts;             /* facts: in ev["backup"] once read */
	struct strbuf bdir;             /* the plain directory read */
	struct pgwal_label lab, hist;
	struct pgwal_archive a;
	uint64_t segsize, stop_lsn;
	uint64_t sysid;                 /* pg_controldata's; 0: not said */
	uint32_t tli;
	long long wal_proof_ms;
	int ok, verify_ok;
};

static void bb_state_release(struct bb_state *st)
{
	strbuf_release(&st->bdir);
	pgwal_label_release(&st->lab);
	pgwal_label_release(&st->hist);
}

/* 1. pg_verifybackup: every file's checksum, WAL start..end parsed. */
static int bb_verify(struct bb_state *st, struct error *err)
{
	struct step_ctx *sc = st->sc;
	struct strbuf prog = STRBUF_INIT, log = STRBUF_INIT, act = STRBUF_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	json_t *arr;
	int ret = -1;

	step_pg_prog(st->p->pg_bin, "pg_verifybackup", &prog);
	{
		const char *av[] = { prog.buf, "--wal-directory",
				     st->p->wal_archive, st->bdir.buf, NULL };
		if (step_run_logged(sc, "verifybackup_log", "verifybackup.log",
				    av, NULL, &res, &log, err) < 0)
			goto out;
	}
	arr = json_array();
	blamed_files(log.buf, arr);
	json_object_set_new(st->ev, "verifybackup_exit",
			    json_integer(res.exit_code));
	json_object_set_new(st->ev, "verifybackup_files", arr);
	if (json_array_size(arr))
		json_object_set_new(st->ev, "verifybackup_rejects", json_true());
	strbuf_addf(&act, "exit %d", res.exit_code);
	if (res.exit_code) {
		const char *nl = strchr(log.buf, '\n');
		strbuf_adds(&act, ": ");
		strbuf_add(&act, log.buf, nl ? (size_t)(nl - log.buf) :
			   log.len > 300 ? 300 : log.len);
	}
	st->verify_ok = step_check(sc, "pg_verifybackup: files match the "
				   "manifest, WAL of the backup parses",
				   "exit 0", act.buf, res.exit_code == 0 &&
				   !res.timed_out);
	if (!st->verify_ok && json_array_size(arr)) {
		size_t i;
		json_t *f;
		strbuf_reset(&log);
		strbuf_adds(&log, "pg_verifybackup rejects the backup: ");
		json_array_foreach(arr, i, f)
			strbuf_addf(&log, "%s%s", i ? ", " : "",
				    json_string_value(f));
		json_object_set_new(sc->rec, "message", step_json_str(log.buf));
	}
	ret = 0;
out:
	strbuf_release(&prog);
	strbuf_release(&log);
	strbuf_release(&act);
	exec_result_release(&res);
	return ret;
}

/*
 * 2. backup_label: where the backup starts, on which timeline; 3.
 * pg_controldata of the backup: segment size, system identifier.
 */
static int bb_label_control(struct bb_state *st, struct error *err)
{
	struct strbuf path = STRBUF_INIT, log = STRBUF_INIT, prog = STRBUF_INIT,
		      v = STRBUF_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error e = ERROR_INIT;
	int ret = -1;

	strbuf_addf(&path, "%s/backup_label", st->bdir.buf);
	if (strbuf_read_file(&log, path.buf, 64 << 10) < 0) {
		error_errno(err, "%s", path.buf);
		goto out;
	}
	if (pgwal_parse_label(log.buf, log.len, &st->lab, &e) < 0) {
		error_set(err, "%s: %s", path.buf, e.msg.buf);
		goto out;
	}
	step_pg_prog(st->p->pg_bin, "pg_controldata", &prog);
	{
		const char *av[] = { prog.buf, "-D", st->bdir.buf, NULL };
		if (step_run_logged(st->sc, "controldata_log", "controldata.txt",
				    av, NULL, &res, &log, err) < 0)
			goto out;
	}
	if (res.exit_code) {
		error_set(err, "pg_controldata %s: exit %d", st->bdir.buf,
			  res.exit_code);
		goto out;
	}
	if (control_value(log.buf, "Bytes per WAL segment", &v)) {
		char *end;
		unsigned long long x = strtoull(v.buf, &end, 10);
		if (*end || !pgwal_segsize_valid(x)) {
			error_set(err, "pg_controldata: 'Bytes per WAL segment' "
				  "is not a valid segment size");
			goto out;
		}
		st->segsize = x;
	}
	st->facts = json_object();
	if (control_value(log.buf, "Database system identifier", &v)) {
		json_object_set_new(st->facts, "system_identifier",
				    step_json_str(v.buf));
		st->sysid = strtoull(v.buf, NULL, 10);
	}
	if (control_value(log.buf, "pg_control version number", &v))
		json_object_set_new(st->facts, "pg_control_version",
				    step_json_str(v.buf));
	ret = 0;
out:
	strbuf_release(&path);
	strbuf_release(&log);
	strbuf_release(&prog);
	strbuf_release(&v);
	exec_result_release(&res);
	error_release(&e);
	return ret;
}

/* 4. The manifest: where the backup ends; files and size. */
static int bb_manifest(struct bb_state *st, struct error *err)
{
	const struct pgwal_label *lab = &st->lab;
	struct strbuf sb = STRBUF_INIT, log = STRBUF_INIT, act = STRBUF_INIT,
		      v = STRBUF_INIT;
	struct manifest_facts man;
	struct error e = ERROR_INIT;
	json_t *facts = st->facts;
	char seg1[32];

	if (read_manifest(st->bdir.buf, &man, &e) < 0) {
		error_set(err, "%s", e.msg.buf);
		json_decref(facts);
		st->facts = NULL;
		error_release(&e);
		return -1;
	}
	st->tli = lab->start_tli ? lab->start_tli : man.tli;
	st->stop_lsn = man.has_range ? man.end_lsn : lab->start_lsn;
	/* The server's history file beside the WAL adds STOP TIME. */
	pgwal_segname(st->tli, lab->start_lsn / st->segsize, st->segsize, seg1,
		      sizeof(seg1));
	strbuf_addf(&sb, "%s/%s.%08" PRIX32 ".backup", st->p->wal_archive, seg1,
		    (uint32_t)(lab->start_lsn % st->segsize));
	if (strbuf_read_file(&log, sb.buf, 64 << 10) == 0 &&
	    pgwal_parse_label(log.buf, log.len, &st->hist, &e) == 0 &&
	    st->hist.has_stop && st->hist.start_lsn == lab->start_lsn) {
		st->stop_lsn = st->hist.stop_lsn;
		json_object_set_new(facts, "history_file", step_json_str(sb.buf));
	}
	json_object_set_new(facts, "label", step_json_str(lab->label.buf));
	json_object_set_new(facts, "method", step_json_str(lab->method.buf));
	json_object_set_new(facts, "from", step_json_str(lab->from.buf));
	json_object_set_new(facts, "start_time",
			    step_json_str(lab->start_time.buf));
	if (st->hist.stop_time.len)
		json_object_set_new(facts, "stop_time",
				    step_json_str(st->hist.stop_time.buf));
	lsn_str(lab->start_lsn, &v);
	json_object_set_new(facts, "start_lsn", json_string(v.buf));
	lsn_str(st->stop_lsn, &v);
	json_object_set_new(facts, "stop_lsn", json_string(v.buf));
	json_object_set_new(facts, "timeline", json_integer(st->tli));
	json_object_set_new(facts, "wal_segment_size",
			    json_integer((json_int_t)st->segsize));
	json_object_set_new(facts, "files", json_integer(man.files));
	json_object_set_new(facts, "bytes", json_integer(man.bytes));
	json_object_set_new(st->ev, "backup", facts);
	/* pg_verifybackup's verdict is its own check (bb_verify). */
	st->ok = man.has_range && man.tli == st->tli &&
		 man.start_lsn == lab->start_lsn;
	if (man.has_range) {
		char a1[32], a2[32];
		pgwal_format_lsn(man.start_lsn, a1, sizeof(a1));
		pgwal_format_lsn(man.end_lsn, a2, sizeof(a2));
		strbuf_addf(&act, "timeline %" PRIu32 ", %s to %s", man.tli, a1,
			    a2);
	} else {
		strbuf_adds(&act, "no single WAL range in the manifest");
	}
	strbuf_reset(&sb);
	lsn_str(lab->start_lsn, &v);
	strbuf_addf(&sb, "timeline %" PRIu32 ", from %s", st->tli, v.buf);
	step_check(st->sc, "manifest's WAL range matches backup_label", sb.buf,
		   act.buf, st->ok);
	strbuf_release(&sb);
	strbuf_release(&log);
	strbuf_release(&act);
	strbuf_release(&v);
	error_release(&e);
	return 0;
}

/*
 * 5. The archive: every segment from the start to the newest; 5b. by
 * content, and the recover steps' targets, before destroy.
 */
static int bb_archive(struct bb_state *st, struct error *err)
{
	struct step_ctx *sc = st->sc;
	struct pgwal_archive *a = &st->a;
	struct strbuf sb = STRBUF_INIT, act = STRBUF_INIT, msg = STRBUF_INIT;
	char seg1[32], seg2[32];
	long long t0, t1;
	struct timespec ts;
	json_t *wal;
	int ret = -1;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (pgwal_archive_check(st->p->wal_archive, st->tli, st->segsize,
				st->lab.start_lsn / st->segsize, UINT64_MAX, a,
				err) < 0)
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (a->last < st->stop_lsn / st->segsize)
		a->last = st->stop_lsn / st->segsize, a->complete =
			a->complete && a->newest >= a->last;
	wal = json_object();
	pgwal_segname(st->tli, a->first, st->segsize, seg1, sizeof(seg1));
	pgwal_segname(st->tli, a->last, st->segsize, seg2, sizeof(seg2));
	json_object_set_new(wal, "archive", step_json_str(st->p->wal_archive));
	json_object_set_new(wal, "first", json_string(seg1));
	json_object_set_new(wal, "last", json_string(seg2));
	json_object_set_new(wal, "segments", json_integer((json_int_t)a->present));
	json_object_set_new(wal, "complete", json_boolean(a->complete));
	json_object_set_new(wal, "check_us", json_integer(t1 - t0));
	strbuf_addf(&sb, "every segment %s..%s", seg1, seg2);
	if (a->complete) {
		strbuf_addf(&act, "%" PRIu64 " segments, none missing", a->present);
	} else {
		char bad[32];
		pgwal_segname(st->tli, a->first_bad, st->segsize, bad, sizeof(bad));
		json_object_set_new(wal, "first_missing", json_string(bad));
		strbuf_addf(&act, "%s %s (first of %" PRIu64 " missing or cut)",
			    bad, a->first_bad_short ? "is cut short" :
			    "is missing", a->bad);
		strbuf_addf(&msg, "WAL archive %s: segment %s %s",
			    st->p->wal_archive, bad, a->first_bad_short ?
			    "is cut short" : "is missing");
		json_object_set_new(sc->rec, "message", step_json_str(msg.buf));
	}
	json_object_set_new(st->ev, "wal", wal);
	st->ok = step_check(sc, "WAL archive holds every segment from the "
			    "backup's start", sb.buf, act.buf, a->complete) &&
		 st->ok;
	if (a->complete) {
		int proven = prove_wal(sc, st->p, st->facts, st->sysid, a,
				       st->tli, st->segsize, &st->lab,
				       st->stop_lsn, st->hist.stop_time.len ?
				       st->hist.stop_time.buf : NULL, st->ev,
				       wal, &st->wal_proof_ms, err);
		if (proven < 0)
			goto out;
		st->ok = proven && st->ok;
	}
	ret = 0;
out:
	strbuf_release(&sb);
	strbuf_release(&act);
	strbuf_release(&msg);
	return ret;
}

/* 6. For a recover step later on: the typed facts (bkfacts.h). */
static void bb_remember(struct bb_state *st)
{
	struct step_ctx *sc = st->sc;
	struct bkfacts_backup *b = bkfacts_add_backup(sc->bkfacts, sc->step->id,
						      BKFACTS_BASEBACKUP);
	json_t *o = json_deep_copy(st->facts);
	/*
	 * A backup pg_verifybackup rejects is not one to recover from, even
	 * when its manifest's WAL range and the archive are fine (the run
	 * stops at the failed step; this holds wherever the facts are read).
	 */
	int passed = st->ok && st->verify_ok;

	json_object_set_new(o, "dir", step_json_str(st->bdir.buf));
	json_object_set_new(o, "wal_archive", step_json_str(st->p->wal_archive));
	json_object_set_new(o, "wal_complete", json_boolean(st->a.complete));
	json_object_set_new(o, "passed", json_boolean(passed));
	b->journal = o;
	b->passed = passed;
	bkfacts_set_str(&b->dir, st->bdir.buf);
	bkfacts_set_str(&b->wal_archive, st->p->wal_archive);
	bkfacts_set_str(&b->stop_time, st->hist.stop_time.len ?
			st->hist.stop_time.buf : NULL);
	b->start_lsn = st->lab.start_lsn;
	b->stop_lsn = st->stop_lsn;
	{
		/* As the evidence says it (bb_manifest). */
		struct strbuf v = STRBUF_INIT;
		lsn_str(st->stop_lsn, &v);
		bkfacts_set_str(&b->stop_lsn_text, v.buf);
		strbuf_release(&v);
	}
	b->lsns = 1;
	b->segsize = st->segsize;
	b->timeline = st->tli;
	b->wal_proof_ms = st->wal_proof_ms;
}

static int bb_run(struct step_ctx *sc, struct error *err)
{
	static const struct pgwal_label label_init = PGWAL_LABEL_INIT;
	struct bb_state st;
	int ret = -1;

	memset(&st, 0, sizeof(st));
	st.sc = sc;
	st.p = STEP_PARAMS(sc, struct basebackup_params);
	st.ev = json_object();
	strbuf_init(&st.bdir, 0);
	st.lab = label_init;
	st.hist = label_init;
	st.segsize = PGWAL_SEGSIZE_DEFAULT;
	st.wal_proof_ms = -1;
	json_object_set_new(sc->rec, "evidence", st.ev);
	if (!sc->bkfacts) {
		error_set(err, "no run to share the backup's facts with");
		goto out;
	}
	if (unpack_tar(sc, st.p, &st.bdir, st.ev, err) < 0 ||
	    bb_verify(&st, err) < 0 || bb_label_control(&st, err) < 0 ||
	    bb_manifest(&st, err) < 0 || bb_archive(&st, err) < 0)
		goto out;
	bb_remember(&st);
	ret = 0;
out:
	bb_state_release(&st);
	return ret;
}

/* Its words in the report's languages (words.h). */
static const struct words bb_words[] = {
	{ NULL, "base backup {}: pg_verifybackup, backup_label, every WAL "
	  "segment from its start in {}",
	  "基础备份 {}：`pg_verifybackup`、`backup_label`、{} 中自其起点起的每个 WAL 段" },
	{ NULL, "pg_verifybackup: files match the manifest, WAL of the backup "
	  "parses", "`pg_verifybackup`：文件与 manifest 一致，备份的 WAL 可解析" },
	{ NULL, "manifest's WAL range matches backup_label",
	  "manifest 的 WAL 范围与 `backup_label` 一致" },
	{ NULL, "WAL archive holds every segment from the backup's start",
	  "WAL 归档包含自备份起点起的每个段" },
	{ NULL, "exit {n}: {}", "退出码 {n}：{}" },
	{ NULL, "timeline {n}, {} to {}", "时间线 {n}，{} 至 {}" },
	{ NULL, "timeline {n}, from {}", "时间线 {n}，自 {}" },
	{ NULL, "no single WAL range in the manifest", "manifest 中没有唯一的 WAL 范围" },
	{ NULL, "every segment {}..{}", "{}..{} 的每个段" },
	{ NULL, "{n} segments, none missing", "{n} 个段，无缺失" },
	{ NULL, "{} {} (first of {n} missing or cut)", "{} {}（{n} 个缺失或截断中的第一个）" },
	WORDS_END
};
const struct step_kind step_kind_basebackup = {
	.name = "basebackup",
	.selectors = selectors,
	.noun = "basebackup steps",
	.fields = step_fields,
	.params = &bb_schema,
	.params_key = "basebackup",
	.describe = bb_describe,
	.needs = bb_needs,
	.run = bb_run,
	.words = bb_words,
};
