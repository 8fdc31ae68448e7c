#include "bkfacts.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "exec.h"
#include "fsutil.h"
#include "pg.h"
#include "pgwal.h"
#include "pitrproof.h"
#include "plan.h"
#include "preflight.h"
#include "report.h"
#include "safefs.h"
#include "sha256.h"
#include "schema.h"
#include "journal.h"
#include "step.h"
#include "words.h"
#include "strbuf.h"
#include "strvec.h"
#include "user.h"
#include "xalloc.h"
#include "ytree.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Point-in-time recovery of a base backup (a basebackup step's, which
 * proved it first) into a scratch data directory, never the live one:
 *
 *   1. before anything is restored: the target lies after the backup's
 *      end, and the archive holds every WAL segment from the backup's
 *      start to the target (an LSN) or to the newest segment (a time or
 *      a name: which segment holds it is only known by replaying);
 *   2. the backup's files are copied into the scratch directory (RTO:
 *      "restoring files");
 *   3. rdrill writes the recovery settings itself, appended to the
 *      scratch's postgresql.auto.conf (read after postgresql.conf, so
 *      they win) and journaled verbatim: restore_command, the target,
 *      recovery_target_action = 'pause', a private Unix socket, no TCP,
 *      archive_mode off (a scratch server must never write into the
 *      production archive), its own pg_hba.conf; and recovery.signal;
 *   4. the server starts and is polled, with the step's timeout as the
 *      deadline, until it pauses at the target (RTO: "replaying WAL"),
 *      dies (its log's FATAL line is the message) or the deadline
 *      passes; a server that waits forever cannot hang the drill;
 *   5. paused, it is asked where it stopped: the last replayed
 *      transaction's commit time and LSN. That is why the action is
 *      pause and rdrill promotes itself: after promotion
 *      pg_last_xact_replay_timestamp() is NULL, and the server log's
 *      "last completed transaction" line is only a log line. Then
 *      pg_promote(), and the timeline it recovered on and the new one
 *      from pg_control_checkpoint().
 *
 * The scratch server stays up for the verify_restore steps (they query
 * it through `connection`); it is stopped and its directories removed
 * when the run ends, whatever happened (recover_finish, through
 * step_finish_all()).
 */
struct recover_params {
	const char *backup, *pgbackrest;
	const char *scratch;
	const char *connection;
	const char *run_as;
	const char *pg_bin;
	const char *target_time, *target_time_file, *target_lsn, *target_name;
	const char *target_xid;
	int target_immediate, target_latest;
	const char *target_timeline;
	const char *target_action;
	const char *disaster_time, *disaster_time_file;
	struct schema_kv settings;
	int in_place;
	int delta;
	int write_probe;
	int amcheck, checksums;
};

#define F(m) offsetof(struct recover_params, m)

static const char *const actions[] = { "promote", "shutdown", "pause", NULL };
static const struct schema_field f_setting = { .type = SCHEMA_STR };

static const struct schema_field recover_fields[] = {
	{ .key = "backup", .type = SCHEMA_STEPREF, .refkind = "basebackup",
	  .off = F(backup),
	  .help = "the id of the basebackup step that proved the backup" },
	{ .key = "pgbackrest", .type = SCHEMA_STEPREF, .refkind = "pgbackrest",
	  .off = F(pgbackrest),
	  .help = "the id of the pgbackrest step that picked the backup" },
	{ .key = "scratch", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(scratch),
	  .help = "a data directory that does not exist yet; removed after" },
	{ .key = "connection", .type = SCHEMA_CONN, .flags = SCHEMA_REQ,
	  .off = F(connection),
	  .help = "the scratch server's connection: its host is the socket "
		  "directory rdrill creates (it must not exist yet)" },
	{ .key = "run_as", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(run_as), .help = "the OS user the scratch server runs as" },
	{ .key = "pg_bin", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(pg_bin), .help = "where pg_ctl is (default: PATH)" },
	{ .key = "target_time", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(target_time), .help = "e.g. \"2026-01-21 09:55:00+00\"" },
	{ .key = "target_time_file", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(target_time_file),
	  .help = "a file whose first line is the target time (written by an "
		  "earlier step)" },
	{ .key = "target_lsn", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(target_lsn), .help = "e.g. 0/3000148" },
	{ .key = "target_name", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(target_name), .help = "a pg_create_restore_point() name" },
	{ .key = "target_xid", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(target_xid),
	  .help = "a transaction id: stop at its commit (found in the WAL "
		  "before destroy)" },
	{ .key = "target_latest", .type = SCHEMA_BOOL, .off = F(target_latest),
	  .help = "true: replay every archived segment (RPO: the archive's "
		  "lag)" },
	{ .key = "target_immediate", .type = SCHEMA_BOOL,
	  .off = F(target_immediate),
	  .help = "true: stop as soon as the backup is consistent" },
	{ .key = "target_timeline", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(target_timeline), .help = "latest, current or a number" },
	{ .key = "target_action", .type = SCHEMA_ENUM, .enums = actions,
	  .off = F(target_action), .def = "\"promote\"" },
	{ .key = "disaster_time", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(disaster_time),
	  .help = "when the data was lost: RPO is this minus the last "
		  "replayed transaction's time" },
	{ .key = "disaster_time_file", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(disaster_time_file) },
	{ .key = "settings", .type = SCHEMA_MAP, .item = &f_setting,
	  .off = F(settings),
	  .help = "more server settings for the scratch server" },
	{ .key = "write_probe", .type = SCHEMA_BOOL, .off = F(write_probe),
	  .help = "true: prove a write also on a copy left paused in recovery "
		  "(target_action: pause); a promoted copy is always probed" },
	{ .key = "amcheck", .type = SCHEMA_BOOL, .off = F(amcheck),
	  .help = "true: pg_amcheck every database of the promoted copy (heap "
		  "and B-tree indexes, --heapallindexed; installs amcheck "
		  "on the copy)" },
	{ .key = "checksums", .type = SCHEMA_BOOL, .off = F(checksums),
	  .help = "true: stop the promoted copy, pg_checksums --check every "
		  "page, start it again" },
	{ .key = "in_place", .type = SCHEMA_BOOL, .off = F(in_place),
	  .help = "restore into an existing empty directory and keep the "
		  "server (destructive: needs --confirm)" },
	{ .key = "delta", .type = SCHEMA_BOOL, .off = F(delta),
	  .help = "pgbackrest only: `pgbackrest restore --delta` into an "
		  "existing scratch directory holding an earlier restore "
		  "(kept after the run, its server stopped)" },
	{ NULL },
};

static const struct schema recover_schema = {
	"recover", recover_fields, sizeof(struct recover_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "recover", .type = SCHEMA_OBJ, .obj = &recover_schema },
	{ NULL },
};

static const char *const selectors[] = { "recover", NULL };

extern const struct step_kind step_kind_recover;

int bkfacts_recover_of(const struct drill_step *s, struct bkfacts_recover *out)
{
	const struct recover_params *p = s->params;

	memset(out, 0, sizeof(*out));
	if (s->kind != &step_kind_recover || !p)
		return 0;
	out->backup = p->backup;
	out->pgbackrest = p->pgbackrest;
	out->pg_bin = p->pg_bin;
	out->target_time = p->target_time;
	out->target_time_file = p->target_time_file;
	out->target_lsn = p->target_lsn;
	out->target_name = p->target_name;
	out->target_xid = p->target_xid;
	out->target_timeline = p->target_timeline;
	return 1;
}

/* Settings rdrill writes itself; a drill may not override them. */
static const char *const owned[] = {
	"restore_command", "recovery_target", "recovery_target_time",
	"recovery_target_lsn", "recovery_target_name", "recovery_target_xid",
	"recovery_target_action", "recovery_target_timeline",
	"listen_addresses",
	"unix_socket_directories", "port", "archive_mode", "archive_command",
	"archive_library", "primary_conninfo", "primary_slot_name",
	"hba_file", "ident_file", "hot_standby", "lc_messages",
	"logging_collector", "log_destination", "data_directory",
	"config_file", "include", "include_if_exists", "include_dir",
	"shared_preload_libraries", NULL,
};

static int recover_check(struct drill_step_check *k)
{
	const struct recover_params *p = k->step->params;
	const struct ynode *rn = ynode_get(k->node, "recover");
	struct schema_ctx *c = k->c;
	const char *const *t;
	const char *targets[] = { p->target_time, p->target_time_file,
		p->target_lsn, p->target_name, p->target_xid,
		p->target_immediate ? "true" : NULL,
		p->target_latest ? "true" : NULL };
	int nt = 0;
	size_t i, j;
	uint64_t lsn;
	double tt;

	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		nt += targets[i] != NULL;
	if (!p->backup == !p->pgbackrest)
		return schema_error_at(c, rn, "a recover step needs exactly one "
				       "of backup (a basebackup step) and "
				       "pgbackrest (a pgbackrest step)");
	if (nt != 1)
		return schema_error_at(c, rn, "a recover step needs exactly one "
				       "of target_time, target_time_file, "
				       "target_lsn, target_name, target_xid, "
				       "target_immediate: true, "
				       "target_latest: true");
	if (p->target_lsn && pgwal_parse_lsn(p->target_lsn, &lsn) < 0)
		return schema_error_at(c, ynode_get(rn, "target_lsn"),
				       "target_lsn is not an LSN like 0/3000148");
	if (p->target_xid &&
	    (strspn(p->target_xid, "0123456789") != strlen(p->target_xid) ||
	     strlen(p->target_xid) > 10))
		return schema_error_at(c, ynode_get(rn, "target_xid"),
				       "target_xid is not a transaction id "
				       "(digits)");
	/* Known now, so refused now (not after the destroy phase). */
	if (p->target_time && pitrproof_parse_time(p->target_time, &tt) < 0)
		return schema_error_at(c, ynode_get(rn, "target_time"),
				       "target_time '%s': give it as YYYY-MM-DD "
				       "HH:MM:SS[.frac] with a zone (+00, UTC, "
				       "Z); without one the server reads it in "
				       "its own TimeZone", p->target_time);
	if (p->disaster_time && p->disaster_time_file)
		return schema_error_at(c, rn, "give disaster_time or "
				       "disaster_time_file, not both");
	for (j = 0; j < p->settings.keys.nr; j++) {
		const char *key = p->settings.keys.v[j];
		for (i = 0; key[i]; i++)
			if (!((key[i] >= 'a' && key[i] <= 'z') || key[i] == '_' ||
			      key[i] == '.' || (key[i] >= '0' && key[i] <= '9')))
				return schema_error_at(c, ynode_get(rn, "settings"),
						       "'%s' is not a server "
						       "setting name", key);
		for (t = owned; *t; t++)
			if (!strcmp(*t, key))
				return schema_error_at(c, ynode_get(rn, "settings"),
						       "'%s' is written by "
						       "rdrill itself", key);
	}
	if (p->delta && (!p->pgbackrest || p->in_place))
		return schema_error_at(c, ynode_get(rn, "delta"),
				       "delta: true is pgBackRest's delta restore "
				       "into a kept scratch directory: it needs "
				       "pgbackrest and not in_place");
	/*
	 * In place replaces a data directory: that marks the step
	 * destructive (it then needs --confirm), as README says; only an
	 * explicit 'destructive: false' contradicts it.
	 */
	if (p->in_place) {
		if (ynode_get(k->node, "destructive") && !k->step->destructive)
			return schema_error_at(c, ynode_get(k->node,
							    "destructive"),
					       "an in-place recovery replaces a "
					       "data directory: it is "
					       "destructive (remove "
					       "'destructive: false')");
		k->destructive = 1;
	}
	return 0;
}

static void recover_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct recover_params *p = s->params;

	strbuf_addf(out, "recover %s backup of step '%s' into %s%s, to ",
		    p->backup ? "the base" : "the pgBackRest",
		    p->backup ? p->backup : p->pgbackrest, p->in_place ? "(in place) " : p->delta ?
		    "(delta) scratch " : "scratch ",
		    p->scratch);
	if (p->target_time)
		strbuf_addf(out, "time %s", p->target_time);
	else if (p->target_time_file)
		strbuf_addf(out, "the time in %s", p->target_time_file);
	else if (p->target_lsn)
		strbuf_addf(out, "LSN %s", p->target_lsn);
	else if (p->target_name)
		strbuf_addf(out, "restore point %s", p->target_name);
	else
		strbuf_adds(out, "the end of the backup (immediate)");
	strbuf_addf(out, ", then %s", p->target_action);
}

static void recover_target(const struct drill *d, const struct drill_step *s,
			   struct strvec *lines)
{
	const struct recover_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	plan_conn_target(d, p->connection, &sb);
	strvec_push(lines, sb.buf);
	strvec_pushf(lines, "data directory %s (%s)", p->scratch, p->in_place ?
		     "in place: kept" : p->delta ? "existing: pgbackrest restore --delta "
		     "over it, kept after the run" :
		     "scratch: created, removed after the run");
	strbuf_release(&sb);
}

static void recover_needs(const struct drill_step *s, struct step_needs *n)
{
	const struct recover_params *p = s->params;
	struct strbuf sb = STRBUF_INIT;

	step_pg_prog(p->pg_bin, "pg_ctl", &sb);
	strvec_push_unique(&n->programs, sb.buf);
	if (p->backup)
		strvec_push_unique(&n->programs, "cp");
	strvec_push_unique(&n->programs, "rm");
	if (p->amcheck) {
		step_pg_prog(p->pg_bin, "pg_amcheck", &sb);
		strvec_push_unique(&n->programs, sb.buf);
	}
	if (p->checksums) {
		step_pg_prog(p->pg_bin, "pg_checksums", &sb);
		strvec_push_unique(&n->programs, sb.buf);
	}
	if (p->run_as)
		strvec_push_unique(&n->users, p->run_as);
	strbuf_release(&sb);
}

/* The first line of a small file, no control characters. */
static int read_line_file(const char *path, struct strbuf *out,
			  struct error *err)
{
	size_t i;

	strbuf_reset(out);
	if (strbuf_read_file(out, path, 4096) < 0)
		return error_errno(err, "%s", path);
	for (i = 0; i < out->len && out->buf[i] != '\n'; i++)
		if ((unsigned char)out->buf[i] < 0x20 || out->buf[i] == 0x7f)
			return error_set(err, "%s: a control character in its "
					 "first line", path);
	strbuf_setlen(out, i);
	strbuf_rtrim(out);
	if (!out->len)
		return error_set(err, "%s: its first line is empty", path);
	return 0;
}

/* A value for postgresql.conf: single quotes, ' doubled, \ escaped. */
static void conf_quote(struct strbuf *sb, const char *v)
{
	strbuf_addch(sb, '\'');
	for (; *v; v++) {
		if (*v == '\'')
			strbuf_adds(sb, "''");
		else if (*v == '\\')
			strbuf_adds(sb, "\\\\");
		else
			strbuf_addch(sb, *v);
	}
	strbuf_addch(sb, '\'');
}

static void conf_line(struct strbuf *sb, const char *k, const char *v)
{
	strbuf_addf(sb, "%s = ", k);
	conf_quote(sb, v);
	strbuf_addch(sb, '\n');
}

static int safe_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

#define mono_ms clock_mono_ms

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Owned by the server's user (rdrill may be root). The scratch and socket
 * directories are that user's from here on, so every file operation in
 * them goes through safefs.h: descriptors, never a path the user could
 * have turned into a symlink.
 */
static int give(const char *path, const struct user_info *u, struct error *err)
{
	if (!u)
		return 0;
	return safefs_chown_dir(path, u->uid, u->gid, err);
}

static int write_owned(const char *path, const char *text, size_t len,
		       const struct user_info *u, struct error *err)
{
	return safefs_write(path, text, len, 0600, u ? u->uid : (uid_t)-1,
			    u ? u->gid : (gid_t)-1, err);
}

/* A file the server's user wrote: theirs, regular, no symlink. */
static int read_owned(const char *path, const struct user_info *u,
		      struct strbuf *out, size_t max, struct error *err)
{
	return safefs_read(path, u ? u->uid : SAFEFS_ANY_OWNER, out, max, err);
}

/* postmaster.pid's first line names a live process. */
static int server_alive(const char *data)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	struct error e = ERROR_INIT;
	long pid = 0;
	int alive = 0;

	strbuf_addf(&path, "%s/postmaster.pid", data);
	if (safefs_read(path.buf, SAFEFS_ANY_OWNER, &sb, 4096, &e) == 0) {
		pid = strtol(sb.buf, NULL, 10);
		alive = pid > 1 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
	}
	strbuf_release(&path);
	strbuf_release(&sb);
	error_release(&e);
	return alive;
}

/* The server's log says it is no longer running (or never will). */
static int log_says_stopped(const char *path)
{
	static const char *const ends[] = {
		"database system is shut down", "FATAL:  ", "PANIC:  ", NULL
	};
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int stopped = 0;

	if (strbuf_read_file(&sb, path, 64u << 20) == 0)
		for (i = 0; ends[i] && !stopped; i++)
			stopped = mem_find(sb.buf, sb.len, ends[i],
					   strlen(ends[i])) != NULL;
	strbuf_release(&sb);
	return stopped;
}

/* Lines of the server log that say how recovery went. */
static void log_lines(const char *log, json_t *arr, struct strbuf *fatal)
{
	static const char *const keep[] = {
		"recovery stopping", "last completed transaction",
		"redo done", "selected new timeline", "consistent recovery state",
		"archive recovery complete", "recovery has paused",
		"FATAL:", "PANIC:", "starting point-in-time recovery",
		"redo starts at", "shutting down", "shutdown at recovery target",
		NULL,
	};
	const char *line = log;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *const *k;

		/* rdrill's own polling while the server starts: noise. */
		if (mem_find(line, n, "the database system is ", 23) &&
		    (mem_find(line, n, "starting up", 11) ||
		     mem_find(line, n, "not yet accepting", 17) ||
		     mem_find(line, n, "in recovery mode", 16) ||
		     mem_find(line, n, "shutting down", 13))) {
			line = nl ? nl + 1 : line + n;
			continue;
		}
		for (k = keep; *k; k++)
			if (mem_find(line, n, *k, strlen(*k))) {
				struct strbuf sb = STRBUF_INIT;
				strbuf_add(&sb, line, n > 400 ? 400 : n);
				if (json_array_size(arr) < 40)
					json_array_append_new(arr,
							      step_json_str(sb.buf));
				/* rdrill's own session closed at shutdown: not why. */
				if ((!strncmp(*k, "FATAL", 5) || !strncmp(*k,
								     "PANIC", 5)) &&
				    !mem_find(line, n, "due to administrator "
					      "command", 24)) {
					strbuf_reset(fatal);
					strbuf_add(fatal, sb.buf, sb.len);
				}
				strbuf_release(&sb);
				break;
			}
		line = nl ? nl + 1 : line + n;
	}
}

/*
 * The WAL reader's own reason, logged before the FATAL that ends a
 * failed recovery ("unexpected pageaddr 0/4000000 in log segment ..."):
 * appended to the message, so report.md says why, not only that.
 */
static void wal_reason(const char *log, struct strbuf *msg)
{
	static const char *const why[] = {
		"unexpected pageaddr", "invalid magic number",
		"invalid record length", "incorrect prev-link",
		"out-of-sequence timeline", "invalid resource manager",
		"record with invalid length", "invalid contrecord", NULL,
	};
	const char *const *w;

	for (w = why; *w; w++) {
		const char *p = strstr(log, *w), *b, *e;
		if (!p)
			continue;
		for (b = p; b > log && b[-1] != '\n'; b--)
			;
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		strbuf_adds(msg, "; the server log: ");
		strbuf_add(msg, b, (size_t)(e - b) > 300 ? 300 : (size_t)(e - b));
		return;
	}
}

/* A query's first row (its cells: cell()); NULL with err set when none. */
static struct pg_result *query_row(PGconn *c, const char *sql, int nparams,
				   const char *const *params,
				   struct step_ctx *sc, struct error *err)
{
	struct pg_deadline dl;
	struct pg_query_opts o = { .nparams = nparams, .params = params,
				   .dl = &dl };
	struct pg_result *res = xmalloc(sizeof(*res));

	/* Each probe of the scratch server: 10 s, and the step's cancel. */
	pg_deadline_init(&dl, 10, sc->cancel);

	if (pg_exec(c, sql, &o, res, err) < 0) {
		free(res);
		return NULL;
	}
	if (!res->nrows) {
		pg_result_release(res);
		free(res);
		error_set(err, "no row from: %s", sql);
		return NULL;
	}
	return res;
}

static void row_free(struct pg_result *row)
{
	if (row)
		pg_result_release(row);
	free(row);
}

/* Cell i of the row; NULL for SQL NULL. */
static const char *cell(const struct pg_result *row, size_t i)
{
	return pg_result_cell(row, 0, i, NULL);
}

/* Copy the server log into the bundle, hashed (verify re-checks it). */
static void keep_server_log(struct step_ctx *sc, const char *src,
			    const struct user_info *u, struct strbuf *text)
{
	struct strbuf rel = STRBUF_INIT, abs = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char hex[65];

	strbuf_reset(text);
	if (read_owned(src, u, text, 64u << 20, &e) < 0) {
		error_release(&e);
		strbuf_release(&rel);
		return;
	}
	pg_redact(text, sc->secrets);
	step_log_path(sc, "server.log", &rel, &abs);
	if (fs_write_atomic(abs.buf, text->buf, text->len, &e) == 0) {
		json_t *lo = json_object();
		sha256_hex(text->buf, text->len, hex);
		json_object_set_new(lo, "path", json_string(rel.buf));
		json_object_set_new(lo, "bytes", json_integer((json_int_t)text->len));
		json_object_set_new(lo, "sha256", json_string(hex));
		json_object_set_new(sc->rec, "server_log", lo);
	}
	error_release(&e);
	strbuf_release(&rel);
	strbuf_release(&abs);
}

/* The exact restore command, as a shell would take it, for the audit. */
static void journal_command(json_t *ev, const char *const *argv)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; argv[i]; i++) {
		if (i)
			strbuf_addch(&sb, ' ');
		if (argv[i][strspn(argv[i], "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./:,+")])
			strbuf_add_shquoted(&sb, argv[i]);
		else
			strbuf_adds(&sb, argv[i]);
	}
	json_object_set_new(ev, "restore_command", step_json_str(sb.buf));
	strbuf_release(&sb);
}

/* rto[key_ms] and, for the report, rto[key] as "1.234 s". */
static void set_ms(json_t *o, const char *key, long long ms)
{
	char k[64], v[64];

	snprintf(k, sizeof(k), "%s_ms", key);
	snprintf(v, sizeof(v), "%lld.%03lld s", ms / 1000, (ms < 0 ? -ms : ms) % 1000);
	json_object_set_new(o, k, json_integer(ms));
	json_object_set_new(o, key, json_string(v));
}

static void fail_msg(struct step_ctx *sc, const char *msg)
{
	if (!json_object_get(sc->rec, "message"))
		json_object_set_new(sc->rec, "message", step_json_str(msg));
}

/*
 * The timeline recovery really replayed: the newest one whose segments
 * the server restored from the archive ('restored log file "..."' lines
 * of its log), checked against the one the proof before destroy said it
 * would follow (target_timeline), else the backup's.
 */
static void check_timeline(struct step_ctx *sc, const char *logpath,
			   uint32_t tli, const struct user_info *u, json_t *stop)
{
	long long want = bkfacts_proof_timeline(sc->bkfacts, sc->step->id);
	struct strbuf log = STRBUF_INIT, exp = STRBUF_INIT, act = STRBUF_INIT;
	struct error e = ERROR_INIT;
	const char *q;
	uint32_t seen = 0;

	if (want <= 0)
		want = tli;
	if (read_owned(logpath, u, &log, 64u << 20, &e) == 0)
		for (q = log.buf; (q = strstr(q, "restored log file \"")); q += 19) {
			char t[9];
			memcpy(t, q + 19, 8);
			t[8] = 0;
			if (strspn(t, "0123456789ABCDEF") == 8 &&
			    strtoul(t, NULL, 16) > seen)
				seen = (uint32_t)strtoul(t, NULL, 16);
		}
	strbuf_addf(&exp, "%" PRId64, (int64_t)want);
	if (seen)
		strbuf_addf(&act, "%" PRIu32 " (segments restored from the "
			    "archive)", seen);
	else
		strbuf_adds(&act, "no segment restored from the archive");
	{
		char t[16];
		snprintf(t, sizeof(t), "%" PRIu32, seen ? seen : tli);
		json_object_set_new(stop, "timeline", json_string(t));
	}
	step_check(sc, "timeline replayed", exp.buf, act.buf,
		   !seen || seen == (uint32_t)want);
	if (seen && seen != (uint32_t)want) {
		strbuf_reset(&exp);
		strbuf_addf(&exp, "recovery replayed timeline %" PRIu32 ", not "
			    "%" PRId64 ": it followed another history", seen,
			    (int64_t)want);
		fail_msg(sc, exp.buf);
	}
	strbuf_release(&log);
	strbuf_release(&exp);
	strbuf_release(&act);
	error_release(&e);
}

/*
 * Paused at the target: pg_wal_replay_resume() ends recovery at once
 * (recovery_target_action 'pause' then promotes), where pg_promote()
 * waits for the paused startup process's next wake-up (about a second).
 * Polled every 10 ms for 60 s. 1 promoted, 0 not (e says why).
 */
static int resume_to_promote(PGconn *c, struct step_ctx *sc, struct error *e)
{
	long long until = mono_ms() + 60000;
	struct pg_result *r;

	r = query_row(c, "SELECT pg_wal_replay_resume()::text", 0, NULL, sc, e);
	if (!r)
		return 0;
	row_free(r);
	while (mono_ms() < until && !*sc->cancel) {
		int done;
		error_release(e);
		error_init(e);
		r = query_row(c, "SELECT pg_is_in_recovery()::text", 0, NULL, sc, e);
		if (!r)
			return 0;
		done = cell(r, 0) && !strcmp(cell(r, 0), "false");
		row_free(r);
		if (done)
			return 1;
		sleep_ms(10);
	}
	error_set(e, "the scratch server did not end recovery within 60 s of "
		  "pg_wal_replay_resume()");
	return 0;
}

/*
 * A real write: a table created, a row committed and read back in a new
 * statement, the table dropped. A copy still in recovery fails here with
 * the server's own words ("read-only transaction").
 */
static int write_probe(PGconn *c, struct step_ctx *sc, json_t *ev)
{
	/* A name no restored database holds already (pid of this run). */
	static const char *const fmt[] = {
		"CREATE TABLE rdrill_write_probe_%ld (v text)",
		"INSERT INTO rdrill_write_probe_%ld VALUES ('rdrill')",
		"SELECT v FROM rdrill_write_probe_%ld",
		"DROP TABLE rdrill_write_probe_%ld",
	};
	char sql[4][96];
	struct error e = ERROR_INIT;
	struct strbuf act = STRBUF_INIT;
	struct pg_result *r = NULL;
	json_t *steps = json_array();
	size_t i;
	int ok = 1;

	for (i = 0; i < 4; i++)
		snprintf(sql[i], sizeof(sql[i]), fmt[i], (long)getpid());
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]) && ok; i++) {
		json_array_append_new(steps, json_string(sql[i]));
		if (i == 2) {
			r = query_row(c, sql[i], 0, NULL, sc, &e);
			ok = r && cell(r, 0) && !strcmp(cell(r, 0), "rdrill");
			if (r && !ok)
				error_set(&e, "read back %s", cell(r, 0) ?
					  cell(r, 0) : "NULL");
			row_free(r);
		} else {
			struct pg_deadline dl;
			struct pg_query_opts o = { .dl = &dl };
			struct pg_result res;
			pg_deadline_init(&dl, 10, sc->cancel);
			ok = pg_exec(c, sql[i], &o, &res, &e) == 0;
			if (ok)
				pg_result_release(&res);
		}
	}
	if (ok)
		strbuf_adds(&act, "row committed, read back, table dropped");
	else
		strbuf_addf(&act, "%s: %s", sql[i - 1], e.msg.buf);
	json_object_set_new(ev, "write_probe", steps);
	step_check(sc, "write probe: the copy accepts writes", "a row committed "
		   "and read back", act.buf, ok);
	if (!ok) {
		strbuf_reset(&act);
		strbuf_addf(&act, "the restored copy refused a write: %s",
			    e.msg.buf);
		fail_msg(sc, act.buf);
	}
	error_release(&e);
	strbuf_release(&act);
	return ok;
}

/* One checking program on the copy: its log, exit 0 or the first line. */
static int run_check(struct step_ctx *sc, const char *what, const char *key,
		     const char *sfx, const char *const *argv,
		     const char *run_as, struct error *err)
{
	struct exec_result res = EXEC_RESULT_INIT;
	struct strbuf log = STRBUF_INIT, act = STRBUF_INIT;
	int ok = -1;

	if (step_run_logged(sc, key, sfx, argv, run_as, &res, &log, err) < 0)
		goto out;
	strbuf_addf(&act, "exit %d", res.exit_code);
	if (res.exit_code || res.timed_out) {
		const char *nl = strchr(log.buf, '\n');
		strbuf_adds(&act, ": ");
		strbuf_add(&act, log.buf, nl ? (size_t)(nl - log.buf) :
			   log.len > 300 ? 300 : log.len);
	}
	ok = step_check(sc, what, "exit 0", act.buf, !res.exit_code &&
			!res.timed_out);
	if (!ok) {
		strbuf_reset(&log);
		strbuf_addf(&log, "%s: %s", what, act.buf);
		fail_msg(sc, log.buf);
	}
out:
	exec_result_release(&res);
	strbuf_release(&log);
	strbuf_release(&act);
	return ok;
}

/*
 * The promoted copy checked as a DBA would, when the drill asks:
 * pg_amcheck of every database (heap and B-tree indexes, with
 * --heapallindexed), and pg_checksums --check of every page with the
 * server stopped (then started again for the verify_restore steps).
 * 0, or -1 with err.
 */
static int copy_checks(struct step_ctx *sc, const struct recover_params *p,
		       const struct drill_conn *dc, int port, const char *pg_ctl,
		       const char *logsrc, struct error *err)
{
	struct strbuf prog = STRBUF_INIT, sb = STRBUF_INIT;
	struct strvec av = STRVEC_INIT;
	int ret = -1;

	if (p->amcheck) {
		step_pg_prog(p->pg_bin, "pg_amcheck", &prog);
		strvec_push(&av, prog.buf);
		strvec_pushf(&av, "--host=%s", dc->host);
		strvec_pushf(&av, "--port=%d", port);
		if (dc->user)
			strvec_pushf(&av, "--username=%s", dc->user);
		if (dc->dbname)
			strvec_pushf(&av, "--maintenance-db=%s", dc->dbname);
		strvec_push(&av, "--all");
		strvec_push(&av, "--install-missing");
		strvec_push(&av, "--heapallindexed");
		if (run_check(sc, "pg_amcheck: heap and indexes of every database",
			      "amcheck_log", "amcheck.log",
			      (const char *const *)av.v, p->run_as, err) < 0)
			goto out;
		strvec_clear(&av);
	}
	if (p->checksums) {
		const char *stop[] = { pg_ctl, "-D", p->scratch, "-m", "fast", "-w",
				       "stop", NULL };
		const char *start[] = { pg_ctl, "-D", p->scratch, "-l", logsrc, "-w",
					"start", NULL };
		if (run_check(sc, "scratch server stopped for pg_checksums",
			      "stop_log", "pg_ctl-stop.log", stop, p->run_as,
			      err) < 0)
			goto out;
		step_pg_prog(p->pg_bin, "pg_checksums", &prog);
		strvec_push(&av, prog.buf);
		strvec_push(&av, "--check");
		strvec_pushf(&av, "--pgdata=%s", p->scratch);
		if (run_check(sc, "pg_checksums: every page's checksum",
			      "checksums_log", "checksums.log",
			      (const char *const *)av.v, p->run_as, err) < 0)
			goto out;
		if (run_check(sc, "scratch server started again", "restart_log",
			      "pg_ctl-restart.log", start, p->run_as, err) < 0)
			goto out;
	}
	ret = 0;
out:
	strbuf_release(&prog);
	strbuf_release(&sb);
	strvec_clear(&av);
	return ret;
}

/*
 * One run of a recover step, its stages below sharing it. A stage
 * returns -1 (err set: the step could not run), RC_DONE (it ran and its
 * checks say why it stopped there) or 0 (on to the next stage). Each
 * stage releases what it alone holds; rc_end() journals the server log
 * and releases what they share.
 */
struct rc_state {
	struct step_ctx *sc;
	const struct recover_params *p;
	const struct drill_conn *dc;
	const struct bkfacts_backup *bb;
	json_t *ev, *rto, *stop, *lines;
	struct strbuf target, disaster, pg_ctl, logsrc;
	struct user_info ui, *u;
	const char *tkind, *sock;
	uint64_t tlsn;
	long long deadline;
	int port, reached;
	PGconn *c;
};

#define RC_DONE 1

/* What the basebackup or pgbackrest step proved (bkfacts.h). */
static int rc_backup(struct rc_state *st, struct error *err)
{
	const struct recover_params *p = st->p;
	const char *ref = p->backup ? p->backup : p->pgbackrest;
	const struct bkfacts_backup *bb = bkfacts_backup(st->sc->bkfacts, ref,
		p->backup ? BKFACTS_BASEBACKUP : BKFACTS_PGBACKREST);

	if (!bb)
		return error_set(err, "step '%s' (%s) has not run in this drill",
				 ref, p->backup ? "basebackup" : "pgbackrest");
	if (!bb->passed)
		return error_set(err, "step '%s' did not prove the backup: no "
				 "recovery from it", ref);
	if ((p->backup && (!bb->dir || !bb->wal_archive)) ||
	    (p->pgbackrest && !bb->label) || !bb->lsns ||
	    !pgwal_segsize_valid(bb->segsize))
		return error_set(err, "step '%s' left no usable backup facts", ref);
	st->bb = bb;
	json_object_set_new(st->ev, "backup", json_deep_copy(bb->journal));
	/* RTO part: the WAL proof its step made before the destroy phase. */
	if (bb->wal_proof_ms >= 0)
		set_ms(st->rto, "wal_proof", bb->wal_proof_ms);
	return 0;
}

/* The socket directory, the port, and paths a shell may read. */
static int rc_where(struct rc_state *st, struct error *err)
{
	const char *sock = st->sock, *archive = st->bb->wal_archive;

	if (!sock || sock[0] != '/')
		return error_set(err, "connection '%s': its host must be the "
				 "absolute path of the scratch server's socket "
				 "directory", st->p->connection);
	if (strlen(sock) > 90)
		return error_set(err, "socket directory %s: longer than 90 bytes "
				 "(a Unix socket path holds 107)", sock);
	/*
	 * The port libpq will use for a connection that names none: PGPORT
	 * when set, else 5432. The server must listen on that one.
	 */
	st->port = 5432;
	if (st->dc->port.set) {
		st->port = (int)st->dc->port.v;
	} else if (getenv("PGPORT") && *getenv("PGPORT")) {
		char *end;
		long v = strtol(getenv("PGPORT"), &end, 10);
		if (*end || v < 1 || v > 65535)
			return error_set(err, "PGPORT is not a port number");
		st->port = (int)v;
	}
	/* restore_command hands the path to /bin/sh; '%' is PostgreSQL's. */
	if ((archive && (strchr(archive, '%') || !safe_text(archive))) ||
	    !safe_text(st->p->scratch) || !safe_text(sock))
		return error_set(err, "the archive, scratch and socket paths may "
				 "hold no '%%' or control characters");
	return 0;
}

/* The target, and the disaster time for the RPO. */
static int rc_target(struct rc_state *st, struct error *err)
{
	const struct recover_params *p = st->p;

	if (p->target_time_file) {
		if (read_line_file(p->target_time_file, &st->target, err) < 0)
			return -1;
	} else if (p->target_time) {
		strbuf_adds(&st->target, p->target_time);
	} else if (p->target_lsn) {
		strbuf_adds(&st->target, p->target_lsn);
	} else if (p->target_name) {
		strbuf_adds(&st->target, p->target_name);
	} else if (p->target_xid) {
		strbuf_adds(&st->target, p->target_xid);
	}
	st->tkind = p->target_time || p->target_time_file ? "time" :
		    p->target_lsn ? "lsn" : p->target_name ? "name" :
		    p->target_xid ? "xid" : p->target_latest ? "latest" :
		    "immediate";
	if (!safe_text(st->target.buf))
		return error_set(err, "the target holds a control character");
	if (p->disaster_time_file) {
		if (read_line_file(p->disaster_time_file, &st->disaster, err) < 0)
			return -1;
	} else if (p->disaster_time) {
		strbuf_adds(&st->disaster, p->disaster_time);
	}
	json_object_set_new(st->ev, "target_kind", json_string(st->tkind));
	if (st->target.len)
		json_object_set_new(st->ev, "target",
				    step_json_str(st->target.buf));
	if (st->disaster.len)
		json_object_set_new(st->ev, "disaster_time",
				    step_json_str(st->disaster.buf));
	return 0;
}

/* 1a. A target LSN before the backup's end cannot be reached. */
static int rc_target_lsn(struct rc_state *st)
{
	const char *end = st->bb->stop_lsn_text;
	struct strbuf sb = STRBUF_INIT;
	int ok;

	pgwal_parse_lsn(st->target.buf, &st->tlsn);
	ok = st->tlsn >= st->bb->stop_lsn;
	strbuf_addf(&sb, "at or after the backup's end, %s", end);
	step_check(st->sc, "target LSN after the backup's end", sb.buf,
		   st->target.buf, ok);
	if (!ok) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "target LSN %s lies before the backup's end "
			    "(%s): recovery cannot stop there", st->target.buf,
			    end);
		fail_msg(st->sc, sb.buf);
	}
	strbuf_release(&sb);
	return ok ? 0 : RC_DONE;
}

/* 1a. A target time before the backup's end cannot be reached. */
static int rc_target_time(struct rc_state *st, struct error *err)
{
	const char *end = st->bb->stop_time;
	struct strbuf sb = STRBUF_INIT;
	double tt, et;
	int ok;

	if (pitrproof_parse_time(st->target.buf, &tt) < 0)
		return error_set(err, "target time '%s': give it as YYYY-MM-DD "
				 "HH:MM:SS[.frac] with a zone (+00, UTC, Z)",
				 st->target.buf);
	if (!end || pitrproof_parse_time(end, &et) < 0)
		return 0;
	ok = tt >= et;
	strbuf_addf(&sb, "after the backup's end, %s", end);
	step_check(st->sc, "target time after the backup's end", sb.buf,
		   st->target.buf, ok);
	if (!ok) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "target time %s lies before the backup's end "
			    "(%s): recovery cannot stop there", st->target.buf,
			    end);
		fail_msg(st->sc, sb.buf);
	}
	strbuf_release(&sb);
	return ok ? 0 : RC_DONE;
}

/*
 * 1b. Every WAL segment needed is in the archive, before restoring.
 * pgBackRest's archive is its own (compressed, checksummed): its step's
 * `verify` and WAL range stand for this.
 */
static int rc_wal(struct rc_state *st, struct error *err)
{
	const struct bkfacts_backup *bb = st->bb;
	uint64_t segsize = bb->segsize;
	struct strbuf sb = STRBUF_INIT, act = STRBUF_INIT;
	struct pgwal_archive a;
	char seg1[32], seg2[32];
	long long m0;
	json_t *w;
	int ret = 0;

	if (!st->p->backup)
		return 0;
	m0 = mono_ms();
	if (pgwal_archive_check(bb->wal_archive, bb->timeline, segsize,
				bb->start_lsn / segsize, st->tlsn ?
				st->tlsn / segsize : UINT64_MAX, &a, err) < 0)
		return -1;
	set_ms(st->rto, "wal_check", mono_ms() - m0);
	pgwal_segname(bb->timeline, a.first, segsize, seg1, sizeof(seg1));
	pgwal_segname(bb->timeline, a.last, segsize, seg2, sizeof(seg2));
	w = json_object();
	json_object_set_new(w, "first", json_string(seg1));
	json_object_set_new(w, "last", json_string(seg2));
	json_object_set_new(w, "segments", json_integer((json_int_t)a.present));
	json_object_set_new(w, "complete", json_boolean(a.complete));
	json_object_set_new(st->ev, "wal", w);
	strbuf_addf(&sb, "every segment %s..%s%s", seg1, seg2,
		    st->tlsn ? " (the target's)" : " (the newest)");
	if (a.complete) {
		strbuf_addf(&act, "%" PRIu64 " segments, none missing", a.present);
	} else {
		char bad[32];
		pgwal_segname(bb->timeline, a.first_bad, segsize, bad,
			      sizeof(bad));
		json_object_set_new(w, "first_missing", json_string(bad));
		strbuf_addf(&act, "%s %s", bad, a.first_bad_short ?
			    "is cut short" : "is missing");
	}
	if (!step_check(st->sc, "WAL archive holds every segment to the target",
			sb.buf, act.buf, a.complete)) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "WAL %s in %s: no recovery was attempted",
			    act.buf, bb->wal_archive);
		fail_msg(st->sc, sb.buf);
		ret = RC_DONE;
	}
	strbuf_release(&sb);
	strbuf_release(&act);
	return ret;
}

/* An in-place target: an empty directory, never a live one. */
static int dir_empty(const char *path)
{
	DIR *dh = opendir(path);
	struct dirent *de;
	int empty = dh != NULL;

	while (dh && (de = readdir(dh)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	if (dh)
		closedir(dh);
	return empty;
}

/* The server's user, and the scratch directory as the step says it is. */
static int rc_dirs_check(struct rc_state *st, struct error *err)
{
	const struct recover_params *p = st->p;
	struct stat s0;

	if (p->run_as) {
		if (user_by_name(p->run_as, &st->ui) != 1)
			return error_set(err, "no user '%s'", p->run_as);
		if (geteuid() == 0)
			st->u = &st->ui;
	} else if (geteuid() == 0) {
		return error_set(err, "PostgreSQL does not run as root: give the "
				 "step run_as (the scratch server's user)");
	}
	/*
	 * delta: pgBackRest's own --delta rewrites the files of an earlier
	 * restore that differ; never under a running server.
	 */
	if (p->delta && (stat(p->scratch, &s0) < 0 || !S_ISDIR(s0.st_mode)))
		return error_set(err, "%s is not an existing directory: delta: "
				 "true restores over an earlier restore",
				 p->scratch);
	if (p->delta && server_alive(p->scratch))
		return error_set(err, "%s: a server runs on it (postmaster.pid): "
				 "no delta restore under a live server",
				 p->scratch);
	if (stat(p->scratch, &s0) == 0 && !p->in_place && !p->delta)
		return error_set(err, "%s exists: a scratch data directory must "
				 "be new (the live one is never the target; "
				 "in_place: true for an in-place drill)",
				 p->scratch);
	if (p->in_place && stat(p->scratch, &s0) == 0 && !dir_empty(p->scratch))
		return error_set(err, "%s is not an empty directory: an in-place "
				 "recovery restores into the emptied data "
				 "directory, never over a live one", p->scratch);
	if (stat(st->sock, &s0) == 0)
		return error_set(err, "socket directory %s exists: it must be new "
				 "and private", st->sock);
	return 0;
}

/* 2. The scratch directories: new, private, the server user's. */
static int rc_dirs(struct rc_state *st, struct error *err)
{
	const struct recover_params *p = st->p;

	if (rc_dirs_check(st, err) < 0)
		return -1;
	if (mkdir(st->sock, 0700) < 0)
		return error_errno(err, "mkdir %s", st->sock);
	if (mkdir(p->scratch, 0700) < 0 &&
	    !((p->in_place || p->delta) && errno == EEXIST)) {
		error_errno(err, "mkdir %s", p->scratch);
		rmdir(st->sock);
		return -1;
	}
	/* From here on, whatever happens, the run's end removes them. */
	if (!p->in_place)
		bkfacts_add_scratch(st->sc->bkfacts, st->sc->step->id,
				    p->scratch, st->sock, st->pg_ctl.buf,
				    p->run_as, p->delta);
	if (give(st->sock, st->u, err) < 0 || give(p->scratch, st->u, err) < 0)
		return -1;
	return 0;
}

/* pgbackrest restore: it writes restore_command (archive-get) and the target. */
static void pbr_restore_argv(const struct rc_state *st, struct strvec *argv)
{
	const struct recover_params *p = st->p;
	const struct bkfacts_backup *bb = st->bb;

	strvec_push(argv, bb->program);
	if (bb->config)
		strvec_pushf(argv, "--config=%s", bb->config);
	strvec_pushf(argv, "--stanza=%s", bb->stanza);
	strvec_pushf(argv, "--pg1-path=%s", p->scratch);
	strvec_pushf(argv, "--set=%s", bb->label);
	strvec_pushf(argv, "--type=%s", !strcmp(st->tkind, "latest") ?
		     "default" : st->tkind);
	if (st->target.len)
		strvec_pushf(argv, "--target=%s", st->target.buf);
	if (strcmp(st->tkind, "latest"))
		strvec_pushf(argv, "--target-action=%s",
			     !strcmp(p->target_action, "promote") ? "pause" :
			     p->target_action);
	if (p->target_timeline)
		strvec_pushf(argv, "--target-timeline=%s", p->target_timeline);
	strvec_push(argv, "--archive-mode=off");
	if (p->delta)
		strvec_push(argv, "--delta");
	/* Its own account of the restore, in its log. */
	strvec_push(argv, "--log-level-console=info");
	strvec_push(argv, "restore");
}

/* 3. Restore the files (RTO: restoring files). */
static int rc_restore(struct rc_state *st, struct error *err)
{
	static const char *const stale[] = { "postmaster.pid", "postmaster.opts",
		"standby.signal", "recovery.signal", "backup_manifest", NULL };
	const struct recover_params *p = st->p;
	struct strbuf path = STRBUF_INIT, log = STRBUF_INIT, act = STRBUF_INIT;
	struct strvec argv = STRVEC_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	struct error e = ERROR_INIT;
	const char *const *sp;
	long long m0 = mono_ms();
	int ret = -1;

	if (p->backup) {
		strbuf_addf(&path, "%s/.", st->bb->dir);
		strvec_push(&argv, "cp");
		strvec_push(&argv, "-a");
		strvec_push(&argv, path.buf);
		strvec_push(&argv, p->scratch);
	} else {
		pbr_restore_argv(st, &argv);
	}
	journal_command(st->ev, (const char *const *)argv.v);
	if (step_run_logged(st->sc, "restore_log", "restore.log",
			    (const char *const *)argv.v, p->run_as, &res, &log,
			    err) < 0)
		goto out;
	set_ms(st->rto, "restore_files", mono_ms() - m0);
	strbuf_addf(&act, "exit %d", res.exit_code);
	if (!step_check(st->sc, "backup restored into the scratch directory",
			p->backup ? "cp -a exit 0" : "pgbackrest restore exit 0",
			act.buf, res.exit_code == 0 && !res.timed_out)) {
		const char *nl = strchr(log.buf, '\n');
		strbuf_reset(&act);
		strbuf_addf(&act, "%s failed: ", p->backup ? "copying the base "
			    "backup" : "pgbackrest restore");
		strbuf_add(&act, log.buf, nl ? (size_t)(nl - log.buf) :
			   log.len > 300 ? 300 : log.len);
		fail_msg(st->sc, act.buf);
		ret = RC_DONE;
		goto out;
	}
	for (sp = stale; *sp; sp++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", p->scratch, *sp);
		safefs_unlink(path.buf, &e);
	}
	ret = 0;
out:
	strbuf_release(&path);
	strbuf_release(&log);
	strbuf_release(&act);
	strvec_clear(&argv);
	exec_result_release(&res);
	error_release(&e);
	return ret;
}

/* The recovery target, for a base backup (pgBackRest writes its own). */
static void conf_target(const struct rc_state *st, struct strbuf *conf)
{
	const struct recover_params *p = st->p;
	const char *tkind = st->tkind;
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;

	strbuf_adds(&sb, "cp ");
	strbuf_addf(&path, "%s/", st->bb->wal_archive);
	strbuf_add_shquoted(&sb, path.buf);
	strbuf_adds(&sb, "%f \"%p\"");
	conf_line(conf, "restore_command", sb.buf);
	if (!strcmp(tkind, "time"))
		conf_line(conf, "recovery_target_time", st->target.buf);
	else if (!strcmp(tkind, "lsn"))
		conf_line(conf, "recovery_target_lsn", st->target.buf);
	else if (!strcmp(tkind, "name"))
		conf_line(conf, "recovery_target_name", st->target.buf);
	else if (!strcmp(tkind, "xid"))
		conf_line(conf, "recovery_target_xid", st->target.buf);
	else if (!strcmp(tkind, "immediate"))
		conf_line(conf, "recovery_target", "immediate");
	/* latest: no target; the server ends recovery at the archive's end. */
	if (p->target_timeline)
		conf_line(conf, "recovery_target_timeline", p->target_timeline);
	strbuf_release(&sb);
	strbuf_release(&path);
}

/* The settings rdrill writes itself, and the drill's own. */
static int conf_settings(const struct rc_state *st, struct strbuf *conf,
			 struct error *err)
{
	const struct recover_params *p = st->p;
	struct strbuf hba = STRBUF_INIT;
	char port[16];
	size_t i;

	/* rdrill promotes itself once it has read where replay stopped. */
	if (strcmp(st->tkind, "latest"))
		conf_line(conf, "recovery_target_action",
			  !strcmp(p->target_action, "promote") ? "pause" :
			  p->target_action);
	conf_line(conf, "hot_standby", "on");
	conf_line(conf, "listen_addresses", "");
	conf_line(conf, "unix_socket_directories", st->sock);
	snprintf(port, sizeof(port), "%d", st->port);
	conf_line(conf, "port", port);
	conf_line(conf, "archive_mode", "off");
	conf_line(conf, "primary_conninfo", "");
	conf_line(conf, "lc_messages", "C");
	conf_line(conf, "logging_collector", "off");
	conf_line(conf, "log_destination", "stderr");
	strbuf_addf(&hba, "%s/rdrill_hba.conf", p->scratch);
	conf_line(conf, "hba_file", hba.buf);
	strbuf_release(&hba);
	for (i = 0; i < p->settings.keys.nr; i++) {
		if (!safe_text(p->settings.vals.v[i]))
			return error_set(err, "setting '%s' holds a control "
					 "character", p->settings.keys.v[i]);
		conf_line(conf, p->settings.keys.v[i], p->settings.vals.v[i]);
	}
	return 0;
}

/* The conf's setting lines, for the report. */
static json_t *conf_lines(const char *q)
{
	json_t *cl = json_array();

	while (*q) {
		const char *nl = strchr(q, '\n');
		size_t n = nl ? (size_t)(nl - q) : strlen(q);
		if (n && *q != '#') {
			char *one = xstrndup(q, n);
			json_array_append_new(cl, step_json_str(one));
			free(one);
		}
		q += n + (nl ? 1 : 0);
	}
	return cl;
}

/* 4. The recovery settings, written by rdrill and journaled. */
static int rc_conf(struct rc_state *st, struct error *err)
{
	static const char hba[] = "# rdrill: the scratch server's socket "
		"directory is private (0700)\nlocal all all trust\n";
	const struct recover_params *p = st->p;
	struct strbuf conf = STRBUF_INIT, path = STRBUF_INIT, all = STRBUF_INIT;
	int ret = -1;

	strbuf_addf(&conf, "\n# Written by rdrill (drill %s, step %s): point-in-"
		    "time recovery of a scratch copy.\n", st->sc->drill->id,
		    st->sc->step->id);
	if (p->backup)
		conf_target(st, &conf);
	if (conf_settings(st, &conf, err) < 0)
		goto out;
	/* Only the server's user (and root) can reach the socket directory. */
	strbuf_addf(&path, "%s/rdrill_hba.conf", p->scratch);
	if (write_owned(path.buf, hba, sizeof(hba) - 1, st->u, err) < 0)
		goto out;
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/postgresql.auto.conf", p->scratch);
	if (read_owned(path.buf, st->u, &all, 1u << 20, err) < 0 &&
	    errno != ENOENT)
		goto out;
	strbuf_add(&all, conf.buf, conf.len);
	if (write_owned(path.buf, all.buf, all.len, st->u, err) < 0)
		goto out;
	/* pgBackRest wrote its part above rdrill's: journal all of it. */
	json_object_set_new(st->ev, "recovery_conf", step_json_str(p->backup ?
			    conf.buf : all.buf));
	json_object_set_new(st->ev, "recovery_conf_lines",
			    conf_lines(p->backup ? conf.buf : all.buf));
	json_object_set_new(st->ev, "recovery_conf_file",
			    step_json_str(path.buf));
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/recovery.signal", p->scratch);
	if (write_owned(path.buf, "", 0, st->u, err) < 0)
		goto out;
	ret = 0;
out:
	strbuf_release(&conf);
	strbuf_release(&path);
	strbuf_release(&all);
	return ret;
}

/*
 * One look at the recovering server: 1 when the wait is over (paused at
 * the target, or ended; *reached says whether that is the target).
 */
static int rc_poll(struct rc_state *st, struct strbuf *status)
{
	struct error e = ERROR_INIT;
	struct pg_result *row;
	int over = 0;

	/* The pause state errors once recovery has ended. */
	row = query_row(st->c, "SELECT pg_is_in_recovery(), "
			"CASE WHEN pg_is_in_recovery() THEN "
			"pg_get_wal_replay_pause_state() END, "
			"pg_last_xact_replay_timestamp(), "
			"pg_last_wal_replay_lsn()", 0, NULL, st->sc, &e);
	if (!row) {
		PQfinish(st->c);
		st->c = NULL;
	} else {
		strbuf_reset(status);
		strbuf_addf(status, "in recovery %s, replay %s, at %s",
			    cell(row, 0), cell(row, 1) ? cell(row, 1) : "?",
			    cell(row, 3) ? cell(row, 3) : "?");
		/* latest: the server ends recovery itself. */
		if (cell(row, 0) && !strcmp(cell(row, 0), "f")) {
			st->reached = !strcmp(st->tkind, "latest");
			over = 1;
		} else if (cell(row, 1) && !strcmp(cell(row, 1), "paused")) {
			st->reached = 1;
			over = 1;
		}
	}
	row_free(row);
	error_release(&e);
	return over;
}

/* Until it pauses at the target, stops, or the step's time is up. */
static void rc_wait(struct rc_state *st)
{
	struct step_ctx *sc = st->sc;
	struct strbuf status = STRBUF_INIT, sb = STRBUF_INIT;
	int seen_alive = 0;

	for (;;) {
		int alive = server_alive(st->p->scratch);

		if (*sc->cancel) {
			fail_msg(sc, "interrupted while the scratch server was "
				 "recovering");
			break;
		}
		/*
		 * Stopped (its log says why) once it was seen running, or
		 * once its log says it ended; never after a guess of how long
		 * a start takes, which a loaded machine exceeds (issue 21).
		 */
		if (alive)
			seen_alive = 1;
		else if (seen_alive || log_says_stopped(st->logsrc.buf))
			break;
		if (mono_ms() > st->deadline) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "recovery did not reach its target "
				    "within the step's timeout (%lds); last seen: "
				    "%s", sc->step->timeout_s,
				    status.len ? status.buf : "not accepting "
				    "connections");
			fail_msg(sc, sb.buf);
			break;
		}
		if (alive && !st->c) {
			struct error e = ERROR_INIT;
			struct pg_deadline cdl;

			pg_deadline_init(&cdl, 10, sc->cancel);
			st->c = pg_connect_named(sc->drill, st->p->connection,
						 sc->secrets, &cdl, &e);
			error_release(&e);
		}
		if (st->c && rc_poll(st, &status))
			break;
		sleep_ms(100);
	}
	strbuf_release(&status);
	strbuf_release(&sb);
}

/* 5. Start it and wait for the target (RTO: replaying WAL). */
static int rc_start(struct rc_state *st, struct error *err)
{
	struct strbuf log = STRBUF_INIT, sb = STRBUF_INIT;
	struct exec_result res = EXEC_RESULT_INIT;
	long long m0;
	int ret = -1;

	strbuf_addf(&st->logsrc, "%s/server.log", st->sock);
	m0 = mono_ms();
	{
		const char *argv[] = { st->pg_ctl.buf, "-D", st->p->scratch, "-l",
				       st->logsrc.buf, "-W", "start", NULL };
		if (step_run_logged(st->sc, "pg_ctl_log", "pg_ctl.log", argv,
				    st->p->run_as, &res, &log, err) < 0)
			goto out;
	}
	if (res.exit_code) {
		strbuf_addf(&sb, "pg_ctl start: exit %d", res.exit_code);
		step_check(st->sc, "scratch server started", "exit 0", sb.buf, 0);
		ret = RC_DONE;
		goto out;
	}
	rc_wait(st);
	set_ms(st->rto, "replay_wal", mono_ms() - m0);
	ret = 0;
out:
	strbuf_release(&log);
	strbuf_release(&sb);
	exec_result_release(&res);
	return ret;
}

/* One boolean question to the paused server about where it stopped. */
static int rc_ask(struct rc_state *st, const char *sql, const char *param,
		  int *yes, struct error *err)
{
	const char *pr[] = { param };
	struct pg_result *r = query_row(st->c, sql, 1, pr, st->sc, err);

	if (!r)
		return -1;
	*yes = cell(r, 0) && !strcmp(cell(r, 0), "t");
	row_free(r);
	return 0;
}

/* Paused (or ended): where it stopped honours the target; the RPO. */
static int rc_stopped_where(struct rc_state *st, const struct pg_result *row,
			    struct error *err)
{
	struct step_ctx *sc = st->sc;
	int latest = !strcmp(st->tkind, "latest"), yes;
	struct strbuf sb = STRBUF_INIT;
	struct pg_result *r2;
	int ret = -1;

	json_object_set_new(st->stop, "last_xact_time", cell(row, 1) ?
			    step_json_str(cell(row, 1)) : json_null());
	json_object_set_new(st->stop, "end_lsn", step_json_str(cell(row, 2)));
	check_timeline(sc, st->logsrc.buf, st->bb->timeline, st->u, st->stop);
	strbuf_addf(&sb, "%s at %s, last transaction %s", latest ? "ended" :
		    "paused", cell(row, 2) ? cell(row, 2) : "?",
		    cell(row, 1) ? cell(row, 1) : "none replayed");
	if (!latest)
		step_check(sc, "recovery reached the target and paused there",
			   "paused at the target", sb.buf, 1);
	else
		step_check(sc, "recovery replayed every archived segment and "
			   "ended", "ended at the archive's end", sb.buf, 1);
	strbuf_reset(&sb);
	if (!strcmp(st->tkind, "time") && cell(row, 1)) {
		if (rc_ask(st, "SELECT pg_last_xact_replay_timestamp() <= "
			   "$1::timestamptz", st->target.buf, &yes, err) < 0)
			goto out;
		strbuf_addf(&sb, "at or before %s", st->target.buf);
		step_check(sc, "last replayed transaction within the target",
			   sb.buf, cell(row, 1), yes);
	} else if (!strcmp(st->tkind, "lsn")) {
		if (rc_ask(st, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn",
			   st->target.buf, &yes, err) < 0)
			goto out;
		strbuf_addf(&sb, "at or after %s", st->target.buf);
		step_check(sc, "replay reached the target LSN", sb.buf,
			   cell(row, 2), yes);
	}
	/* RPO from WAL: the disaster minus the last replayed commit. */
	if (st->disaster.len && cell(row, 1)) {
		const char *pr[] = { st->disaster.buf };
		r2 = query_row(st->c, "SELECT round(extract(epoch FROM "
			       "$1::timestamptz - "
			       "pg_last_xact_replay_timestamp()) * 1000)"
			       "::bigint::text", 1, pr, sc, err);
		if (!r2)
			goto out;
		if (cell(r2, 0))
			set_ms(st->ev, "rpo_wal", strtoll(cell(r2, 0), NULL, 10));
		/* Which RPO it is: what the archive lost, or chosen. */
		json_object_set_new(st->ev, "rpo_kind", json_string(latest ?
				    "archive_lag" : "to_target"));
		row_free(r2);
	}
	ret = 0;
out:
	strbuf_release(&sb);
	return ret;
}

/* Promoted and written to: its new timeline, the copy's own checks. */
static int rc_after_promote(struct rc_state *st, struct error *err)
{
	struct pg_result res, *r2;
	struct pg_deadline dl;
	struct pg_query_opts o = { .dl = &dl };

	pg_deadline_init(&dl, 60, st->sc->cancel);
	if (pg_exec(st->c, "CHECKPOINT", &o, &res, err) < 0)
		return -1;
	pg_result_release(&res);
	r2 = query_row(st->c, "SELECT timeline_id::text FROM "
		       "pg_control_checkpoint()", 0, NULL, st->sc, err);
	if (!r2)
		return -1;
	json_object_set_new(st->stop, "new_timeline", step_json_str(cell(r2, 0)));
	row_free(r2);
	if (st->p->amcheck || st->p->checksums) {
		/* pg_checksums stops the server: no session. */
		PQfinish(st->c);
		st->c = NULL;
		if (copy_checks(st->sc, st->p, st->dc, st->port, st->pg_ctl.buf,
				st->logsrc.buf, err) < 0)
			return -1;
	}
	return 0;
}

/* Reached: where it stopped, then 6. promote (latest: the server did). */
static int rc_reached(struct rc_state *st, struct error *err)
{
	const struct recover_params *p = st->p;
	struct error e = ERROR_INIT;
	struct pg_result *row;
	long long m0;
	int ok, ret = -1;

	/* In UTC, whatever the copied postgresql.conf says. */
	row = query_row(st->c, "SELECT set_config('TimeZone', 'UTC', false), "
			"pg_last_xact_replay_timestamp()::text, "
			"pg_last_wal_replay_lsn()::text, "
			"(SELECT timeline_id FROM pg_control_checkpoint())"
			"::text", 0, NULL, st->sc, err);
	if (!row)
		return -1;
	if (rc_stopped_where(st, row, err) < 0)
		goto out;
	m0 = mono_ms();
	ok = !strcmp(st->tkind, "latest") || !strcmp(p->target_action, "pause") ?
	     1 : resume_to_promote(st->c, st->sc, &e);
	/* latest: the server promoted itself within the replay part. */
	if (strcmp(st->tkind, "latest"))
		set_ms(st->rto, "promote", mono_ms() - m0);
	if (!ok)
		fail_msg(st->sc, e.msg.buf);
	if (strcmp(p->target_action, "pause") || p->write_probe > 0)
		ok = write_probe(st->c, st->sc, st->ev) && ok;
	ok = ok && strcmp(p->target_action, "pause");
	if (ok && rc_after_promote(st, err) < 0)
		goto out;
	ret = 0;
out:
	row_free(row);
	error_release(&e);
	return ret;
}

/* Stopped, died, or out of time: never a recovery claim. */
static void rc_not_reached(struct rc_state *st)
{
	struct step_ctx *sc = st->sc;
	struct strbuf log = STRBUF_INIT, fatal = STRBUF_INIT, sb = STRBUF_INIT;
	struct error e = ERROR_INIT;
	const char *why, *msg;

	if (st->c) {
		PQfinish(st->c);
		st->c = NULL;
	}
	if (read_owned(st->logsrc.buf, st->u, &log, 64u << 20, &e) == 0)
		log_lines(log.buf, st->lines, &fatal);
	/*
	 * A shutdown at the target first: the FATAL it sends a client
	 * connected then ("terminating connection due to administrator
	 * command") is its consequence, not its cause; whether rdrill was
	 * connected at that instant is chance.
	 */
	why = mem_find(log.buf, log.len, "shutdown at recovery target", 27) ?
	      "the server shut down at the target (target_action: shutdown): "
	      "it was never promoted" : fatal.len ? fatal.buf :
	      !server_alive(st->p->scratch) ? "the scratch server stopped "
	      "before it reached the target" : NULL;
	if (why) {
		strbuf_addf(&sb, "recovery did not reach the target: %s", why);
		wal_reason(log.buf, &sb);
		fail_msg(sc, sb.buf);
	}
	strbuf_reset(&sb);
	msg = json_string_value(json_object_get(sc->rec, "message"));
	strbuf_adds(&sb, msg ? msg : "recovery ended without pausing at the "
		    "target");
	step_check(sc, "recovery reached the target and paused there",
		   "paused at the target", sb.buf, 0);
	if (!json_object_get(sc->rec, "message"))
		fail_msg(sc, sb.buf);
	strbuf_release(&log);
	strbuf_release(&fatal);
	strbuf_release(&sb);
	error_release(&e);
}

/* Whatever happened: the server log kept, what is shared released. */
static void rc_end(struct rc_state *st)
{
	struct strbuf log = STRBUF_INIT, fatal = STRBUF_INIT;

	if (st->c)
		PQfinish(st->c);
	if (st->logsrc.len) {
		keep_server_log(st->sc, st->logsrc.buf, st->u, &log);
		if (!json_array_size(st->lines))
			log_lines(log.buf, st->lines, &fatal);
	}
	json_object_set_new(st->ev, "log_lines", st->lines);
	user_info_release(&st->ui);
	strbuf_release(&st->target);
	strbuf_release(&st->disaster);
	strbuf_release(&st->pg_ctl);
	strbuf_release(&st->logsrc);
	strbuf_release(&log);
	strbuf_release(&fatal);
}

static int recover_run(struct step_ctx *sc, struct error *err)
{
	static const struct user_info ui_init = USER_INFO_INIT;
	struct rc_state st;
	int r;

	memset(&st, 0, sizeof(st));
	st.sc = sc;
	st.p = STEP_PARAMS(sc, struct recover_params);
	st.dc = drill_conn(sc->drill, st.p->connection);
	st.sock = st.dc ? st.dc->host : NULL;
	st.ev = json_object();
	st.rto = json_object();
	st.stop = json_object();
	st.lines = json_array();
	strbuf_init(&st.target, 0);
	strbuf_init(&st.disaster, 0);
	strbuf_init(&st.pg_ctl, 0);
	strbuf_init(&st.logsrc, 0);
	st.ui = ui_init;
	json_object_set_new(sc->rec, "evidence", st.ev);
	json_object_set_new(st.ev, "rto", st.rto);
	json_object_set_new(st.ev, "stopped", st.stop);
	/* The step's own deadline; a step without one waits an hour at most. */
	st.deadline = sc->deadline.at_ms ? sc->deadline.at_ms :
		      mono_ms() + 3600 * 1000LL;
	step_pg_prog(st.p->pg_bin, "pg_ctl", &st.pg_ctl);

	if ((r = rc_backup(&st, err)) || (r = rc_where(&st, err)) ||
	    (r = rc_target(&st, err)))
		goto out;
	if (!strcmp(st.tkind, "lsn"))
		r = rc_target_lsn(&st);
	else if (!strcmp(st.tkind, "time"))
		r = rc_target_time(&st, err);
	if (r || (r = rc_wal(&st, err)) || (r = rc_dirs(&st, err)) ||
	    (r = rc_restore(&st, err)) || (r = rc_conf(&st, err)) ||
	    (r = rc_start(&st, err)))
		goto out;
	if (st.reached)
		r = rc_reached(&st, err);
	else
		rc_not_reached(&st);
out:
	rc_end(&st);
	return r < 0 ? -1 : 0;
}

/*
 * The end of the run (after the cleanup phase, also after a failure or a
 * signal): every scratch server stopped, its directories removed. What
 * happened goes into the end record's "scratch_cleanup".
 */
static void recover_finish(const struct bkfacts *bk, json_t *out)
{
	size_t i;

	for (i = 0; bk && i < bk->nscratch; i++) {
		const struct bkfacts_scratch *o = &bk->scratch[i];
		const char *data = o->data, *sock = o->sock;
		struct exec_cmd cmd = EXEC_CMD_INIT;
		struct exec_result res = EXEC_RESULT_INIT;
		struct error e = ERROR_INIT;
		json_t *r = json_object();
		struct stat st;
		int was = server_alive(data);

		json_object_set_new(r, "step", step_json_str(o->step));
		json_object_set_new(r, "data", step_json_str(data));
		if (was) {
			const char *argv[] = { o->pg_ctl, "-D", data, "-m",
					       "immediate", "-w", "-t", "60",
					       "stop", NULL };
			strvec_pushv(&cmd.argv, argv);
			cmd.run_as = o->run_as;
			cmd.timeout_ms = 90000;
			exec_run(&cmd, &res, &e);
			exec_cmd_release(&cmd);
			exec_cmd_init(&cmd);
		}
		json_object_set_new(r, "server_stopped", json_boolean(
				    !server_alive(data)));
		{
			int keep = o->keep_data;
			const char *argv[] = { "rm", "-rf", "--", keep ? sock : data,
					       keep ? NULL : sock, NULL };
			strvec_pushv(&cmd.argv, argv);
			cmd.timeout_ms = 600000;
			exec_run(&cmd, &res, &e);
			exec_cmd_release(&cmd);
			if (keep)
				json_object_set_new(r, "kept", json_true());
			json_object_set_new(r, "removed", json_boolean(
					    (keep || stat(data, &st) < 0) &&
					    stat(sock, &st) < 0));
		}
		json_array_append_new(out, r);
		exec_result_release(&res);
		error_release(&e);
	}
}

/*
 * What recover_view reads of its record (view_record): the evidence's
 * RPO and the parts of its RTO, each "12.345 s" with its milliseconds.
 */
struct rc_secs {
	const char *text;       /* "12.345 s" */
	struct schema_int ms;
};

struct rc_rto {
	struct rc_secs part[5]; /* rc_rto_parts[], in order */
};

struct rc_evidence {
	struct rc_secs rpo_wal;
	const char *target_kind, *rpo_kind;
	struct rc_rto *rto;
};

struct rc_view {
	struct rc_evidence *evidence;
};

static const char *const rc_rto_parts[] = { "wal_proof", "wal_check",
	"restore_files", "replay_wal", "promote", NULL };

#define RC_SECS(k, st, m) \
	{ .key = k, .type = SCHEMA_STR, .off = offsetof(st, m.text) }, \
	{ .key = k "_ms", .type = SCHEMA_INT, .off = offsetof(st, m.ms) }

static const struct schema_field rc_rto_fields[] = {
	RC_SECS("wal_proof", struct rc_rto, part[0]),
	RC_SECS("wal_check", struct rc_rto, part[1]),
	RC_SECS("restore_files", struct rc_rto, part[2]),
	RC_SECS("replay_wal", struct rc_rto, part[3]),
	RC_SECS("promote", struct rc_rto, part[4]),
	{ .key = NULL },
};
static const struct schema rc_rto_schema = {
	.what = "rto", .fields = rc_rto_fields, .size = sizeof(struct rc_rto),
};

static const struct schema_field rc_evidence_fields[] = {
	RC_SECS("rpo_wal", struct rc_evidence, rpo_wal),
	{ .key = "target_kind", .type = SCHEMA_STR,
	  .off = offsetof(struct rc_evidence, target_kind) },
	{ .key = "rpo_kind", .type = SCHEMA_STR,
	  .off = offsetof(struct rc_evidence, rpo_kind) },
	{ .key = "rto", .type = SCHEMA_OBJ, .obj = &rc_rto_schema,
	  .off = offsetof(struct rc_evidence, rto) },
	{ .key = NULL },
};
static const struct schema rc_evidence_schema = {
	.what = "evidence", .fields = rc_evidence_fields,
	.size = sizeof(struct rc_evidence),
};

static const struct schema_field rc_view_fields[] = {
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &rc_evidence_schema,
	  .off = offsetof(struct rc_view, evidence) },
	{ .key = NULL },
};
static const struct schema rc_view_schema = {
	.what = "recover record", .fields = rc_view_fields,
	.size = sizeof(struct rc_view),
};

/* "12.345 s" as the evidence says it, or in the report's language. */
static void view_secs(json_t *o, const char *k, const struct rc_secs *s,
		      int lang)
{
	struct strbuf sb = STRBUF_INIT;

	if (lang == WORDS_ZH && s->ms.set) {
		long long v = s->ms.v;
		strbuf_addf(&sb, "%s%lld.%03lld 秒", v < 0 ? "-" : "",
			    (v < 0 ? -v : v) / 1000, (v < 0 ? -v : v) % 1000);
	} else {
		strbuf_adds(&sb, s->text ? s->text : "");
	}
	report_view_str(o, k, sb.buf);
	strbuf_release(&sb);
}

/*
 * Point-in-time recovery's own figures, as rows of page 1's table (the
 * report's "pitr"): its RPO from WAL against the drill's RPO target
 * (the runner fails the drill above it), and the parts of its RTO,
 * informative.
 */
static void recover_view(const struct step_view *v)
{
	static const struct rc_evidence none;
	const struct rc_view *vr = v->vr;
	const struct drill *d = v->drill;
	long long total = 0;
	int any = 0;
	const struct schema_int *t = d->targets ? &d->targets->rpo_s : NULL;
	/* Evidence of the wrong type still gets its row, all absent. */
	const struct rc_evidence *ev = vr && vr->evidence ? vr->evidence : &none;
	const struct schema_int *w = &ev->rpo_wal.ms;
	json_t *out = json_object_get(v->report, "pitr"), *o;
	size_t k;

	if (!v->has_evidence)
		return;
	if (!out) {
		out = json_array();
		json_object_set_new(v->report, "pitr", out);
	}
	o = json_object();
	report_view_data(o, "id", v->step->id);
	if (w->set) {
		view_secs(o, "rpo_wal", &ev->rpo_wal, v->lang);
		if (t && t->set) {
			struct strbuf sb = STRBUF_INIT;
			words_duration_s(&sb, t->v, v->lang);
			report_view_str(o, "rpo_target", sb.buf);
			strbuf_release(&sb);
		}
		report_view_str(o, "rpo_result", !v->ended ? "NOT MEASURED" :
				!(t && t->set) ? "INFORMATIVE" :
				w->v <= t->v * 1000 ? "PASSED" : "FAILED");
	}
	/* Which RPO it is (issue 26): the archive's lag, or chosen. */
	report_view_data(o, "target_kind", ev->target_kind);
	if (w->set)
		json_object_set_new(o, ev->rpo_kind &&
				    !strcmp(ev->rpo_kind, "archive_lag") ?
				    "archive_lag" : "to_target", json_true());
	for (k = 0; ev->rto && rc_rto_parts[k]; k++) {
		const struct rc_secs *p = &ev->rto->part[k];

		if (p->text)
			view_secs(o, rc_rto_parts[k], p, v->lang);
		if (p->ms.set) {
			total += p->ms.v;
			any = 1;
		}
	}
	/* The recovery's own RTO: also a drill without destroy has one. */
	if (any) {
		struct strbuf sb = STRBUF_INIT;
		words_duration_ms(&sb, total, v->lang);
		report_view_str(o, "total", sb.buf);
		strbuf_release(&sb);
	}
	json_array_append_new(out, o);
}

/* Its words in the report's languages (words.h). */
static const struct words recover_words[] = {
	{ NULL, "recover the base backup of step '{}' into {}, to {w}, then {}",
	  "将步骤 {} 的基础备份恢复到 {}，恢复至{w}，然后 {}" },
	{ NULL, "recover the pgBackRest backup of step '{}' into {}, to {w}, "
	  "then {}", "将步骤 {} 的 pgBackRest 备份恢复到 {}，恢复至{w}，然后 {}" },
	{ NULL, "time {}", "时间 {}" },
	{ NULL, "the time in {}", "{} 中记录的时间" },
	{ NULL, "LSN {}", "LSN {}" },
	{ NULL, "restore point {}", "还原点 {}" },
	{ NULL, "the end of the backup (immediate)", "备份结束处（`immediate`）" },
	{ NULL, "data directory {} (in place: kept)", "数据目录 {}（原地：保留）" },
	{ NULL, "data directory {} (scratch: created, removed after the run)",
	  "数据目录 {}（临时：创建，演练后删除）" },
	{ NULL, "data directory {} (existing: pgbackrest restore --delta over "
	  "it, kept after the run)", "数据目录 {}（已存在：在其上执行 "
	  "`pgbackrest restore --delta`，演练后保留）" },
	{ NULL, "target LSN after the backup's end", "目标 LSN 在备份结束之后" },
	{ NULL, "target time after the backup's end", "目标时间在备份结束之后" },
	{ NULL, "WAL archive holds every segment to the target",
	  "WAL 归档包含直到目标的每个段" },
	{ NULL, "backup restored into the scratch directory", "备份已恢复到临时目录" },
	{ NULL, "scratch server started", "临时服务器已启动" },
	{ NULL, "recovered on the backup's timeline", "在备份的时间线上恢复" },
	{ NULL, "recovery reached the target and paused there",
	  "恢复到达目标并在此暂停" },
	{ NULL, "last replayed transaction within the target",
	  "最后重放的事务在目标之内" },
	{ NULL, "replay reached the target LSN", "重放到达目标 LSN" },
	{ NULL, "promoted: the scratch server accepts writes",
	  "已提升：临时服务器接受写入" },
	{ NULL, "paused at the target", "在目标处暂停" },
	{ NULL, "cp -a exit 0", "`cp -a` 退出码 0" },
	{ NULL, "pgbackrest restore exit 0", "`pgbackrest restore` 退出码 0" },
	{ NULL, "pg_is_in_recovery() false", "`pg_is_in_recovery()` 为 false" },
	{ "target LSN after the backup's end", "{}", "{}" },
	{ "target time after the backup's end", "{}", "{}" },
	{ "recovered on the backup's timeline", "{}", "{}" },
	{ "last replayed transaction within the target", "{}", "{}" },
	{ "replay reached the target LSN", "{}", "{}" },
	{ "promoted: the scratch server accepts writes", "{}", "{}" },
	WORDS_END
};
const struct step_kind step_kind_recover = {
	.name = "recover",
	.selectors = selectors,
	.noun = "recover steps",
	.fields = step_fields,
	.params = &recover_schema,
	.params_key = "recover",
	.check = recover_check,
	.describe = recover_describe,
	.target = recover_target,
	.needs = recover_needs,
	.run = recover_run,
	.finish = recover_finish,
	.words = recover_words,
	.view = recover_view,
	.view_record = &rc_view_schema,
};
