#include "fpscan.h"
#include "clock.h"
#include "drill.h"
#include "error.h"
#include "fingerprint.h"
#include "pg.h"
#include "runfacts.h"
#include "schema.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"
#include "xalloc.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A table of more blocks than this is read in block ranges (PG 14+). */
#define CHUNK_BLOCKS 1024
#define CHUNKS_PER_JOB 4
#define MAX_JOBS 64
#define POLL_MS 100

/*
 * Output pinned so that two servers print the same rows alike; the
 * search_path too, so that regclass values and the catalogs' definitions
 * (defaults, constraints, indexes) name every object with its schema
 * whatever the role's own search_path is on either server.
 */
#define SESSION_SQL \
	"SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; " \
	"SET extra_float_digits = 3; SET TimeZone = 'UTC'; " \
	"SET bytea_output = 'hex'; SET statement_timeout = 0; " \
	"SET idle_in_transaction_session_timeout = 0; " \
	"SET lc_monetary = 'C'; SET search_path = pg_catalog; " \
	"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; "

/*
 * Every user table with its size in blocks and its definitions: columns
 * (name, type, NOT NULL, identity, generated, default), constraints and
 * indexes, each sorted so the text depends on the schema only; then the
 * columns COPY reads (generated ones are derived, and COPY t TO leaves
 * them out, so both ways of reading a table name the same columns).
 */
static const char tables_sql[] =
	"SELECT n.nspname, c.relname, "
	" pg_relation_size(c.oid) / current_setting('block_size')::bigint, "
	" (SELECT string_agg(quote_ident(a.attname) || ' ' || "
	"   format_type(a.atttypid, a.atttypmod) || "
	"   CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || "
	"   CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text "
	"        ELSE '' END || "
	"   CASE WHEN a.attgenerated <> '' THEN ' GENERATED ' || "
	"        a.attgenerated::text ELSE '' END || "
	"   COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''), "
	"   E'\\n' ORDER BY a.attnum) "
	"  FROM pg_attribute a LEFT JOIN pg_attrdef d "
	"   ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
	"  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), "
	" (SELECT string_agg(quote_ident(o.conname) || ' ' || "
	"   pg_get_constraintdef(o.oid), E'\\n' ORDER BY o.conname) "
	"  FROM pg_constraint o WHERE o.conrelid = c.oid), "
	" (SELECT string_agg(pg_get_indexdef(i.indexrelid), E'\\n' "
	"   ORDER BY pg_get_indexdef(i.indexrelid)) "
	"  FROM pg_index i WHERE i.indrelid = c.oid), "
	" (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) "
	"  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
	"  AND NOT a.attisdropped AND a.attgenerated = ''), "
	/* 7: the name, unambiguous: public."a.b" is not "public.a".b */
	" quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
	/*
	 * 8: what else defines it, empty for a plain logged table (so its
	 * digest is what it always was): UNLOGGED, the partition's parent
	 * and bounds (a detached partition is no longer one) or the parents
	 * it inherits, a materialized view's query.
	 */
	" concat_ws(E'\\n', "
	"  CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED' END, "
	"  (SELECT CASE WHEN c.relispartition THEN 'PARTITION OF ' "
	"     ELSE 'INHERITS ' END || string_agg(quote_ident(pn.nspname) || "
	"     '.' || quote_ident(p.relname), ', ' ORDER BY i.inhseqno) "
	"   FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
	"   JOIN pg_namespace pn ON pn.oid = p.relnamespace "
	"   WHERE i.inhrelid = c.oid), "
	"  CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, "
	"  CASE WHEN c.relkind = 'm' THEN 'MATERIALIZED VIEW ' || "
	"   pg_get_viewdef(c.oid) END, "
	"  CASE WHEN c.relkind = 'm' AND NOT c.relispopulated "
	"   THEN 'WITH NO DATA' END), "
	/* 9: nothing to read (a materialized view never refreshed) */
	" c.relkind = 'm' AND NOT c.relispopulated, "
	/* 10: read through a query (COPY refuses a materialized view) */
	" c.relkind = 'm' "
	"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	"WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' "
	" AND n.nspname !~ '^pg_' "
	"ORDER BY 1, 2";

/* Every user sequence, its value, and the table that owns it if any. */
static const char sequences_sql[] =
	"SELECT s.schemaname, s.sequencename, "
	" CASE WHEN has_sequence_privilege(sc.oid, 'SELECT,USAGE') "
	"  THEN COALESCE(s.last_value::text, '(never used)') "
	"  ELSE '(not readable)' END, "
	" (SELECT quote_ident(tn.nspname) || '.' || quote_ident(t.relname) "
	"   FROM pg_depend dp "
	"   JOIN pg_class t ON t.oid = dp.refobjid "
	"   JOIN pg_namespace tn ON tn.oid = t.relnamespace "
	"  WHERE dp.classid = 'pg_class'::regclass AND dp.objid = sc.oid "
	"   AND dp.refclassid = 'pg_class'::regclass "
	"   AND dp.deptype IN ('a', 'i') LIMIT 1), "
	" quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename), "
	" format('%s start %s increment %s min %s max %s cache %s cycle %s', "
	"  s.data_type, s.start_value, s.increment_by, s.min_value, "
	"  s.max_value, s.cache_size, s.cycle), "
	" has_sequence_privilege(sc.oid, 'SELECT') "
	"FROM pg_sequences s "
	" JOIN pg_namespace sn ON sn.nspname = s.schemaname "
	" JOIN pg_class sc ON sc.relnamespace = sn.oid "
	"  AND sc.relname = s.sequencename "
	"WHERE s.schemaname <> 'information_schema' "
	" AND s.schemaname !~ '^pg_' "
	"ORDER BY 1, 2";

enum cstate { C_SETUP, C_IDLE, C_COPY_START, C_COPY, C_COPY_END, C_DONE };

struct item {
	size_t table;            /* index in fp->tables */
	long long from, to;      /* block range; -1: open */
	long long blocks;
};

struct conn {
	PGconn *c;
	enum cstate st;
	struct item *item;
};

struct scan {
	const struct fpscan_opts *o;
	struct fingerprint *fp;
	struct fpscan_stats *st;
	struct fp_hasher *h;
	struct conn *conns;
	int nconns;
	struct item *items;
	size_t nitems, next;
	char **qnames;           /* quoted "schema"."table", per table */
	char **cols;             /* the columns read, quoted; NULL: none */
	size_t ntables;          /* entries of qnames, cols and select */
	char *select;            /* 1: COPY (SELECT ...), a matview */
	long long start;
};

int fpscan_default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : (int)n;
}

/* A server's message on one line ("ERROR:  ... LINE 1: ..."). */
static void add_flat(struct strbuf *sb, const char *m, const char *none)
{
	size_t start = sb->len;
	int space = 0;

	for (; m && *m; m++) {
		if (*m == '\n' || *m == '\r' || *m == '\t') {
			space = 1;
			continue;
		}
		if (space && sb->len > start)
			strbuf_addch(sb, ' ');
		space = 0;
		strbuf_addch(sb, *m);
	}
	if (sb->len == start)
		strbuf_adds(sb, none);
}

static int pg_fail(struct error *err, const char *what, PGconn *c)
{
	struct strbuf sb = STRBUF_INIT;

	add_flat(&sb, PQerrorMessage(c), "(no message from libpq)");
	error_set(err, "%s: %s", what, sb.buf);
	strbuf_release(&sb);
	return -1;
}

static void cancel_query(PGconn *c)
{
	PGcancel *cn = PQgetCancel(c);
	char buf[256];

	if (cn) {
		PQcancel(cn, buf, sizeof(buf));
		PQfreeCancel(cn);
	}
}

/* The cancel flag or the deadline: -1 with err set. */
static int stopped(struct scan *s, struct error *err)
{
	const struct fpscan_opts *o = s->o;

	if (o->cancel && *o->cancel)
		return error_set(err, "cancelled");
	if (o->deadline_ms && clock_mono_ms() >= o->deadline_ms)
		return error_set(err, "timed out after %.1f s",
				 (double)(o->deadline_ms - s->start) / 1000.0);
	return 0;
}

/* Until `c` has a whole result, polling its socket. */
static int wait_one(struct scan *s, PGconn *c, struct error *err)
{
	while (PQisBusy(c)) {
		struct pollfd p = { PQsocket(c), POLLIN, 0 };

		if (stopped(s, err) < 0) {
			cancel_query(c);
			return -1;
		}
		if (p.fd < 0)
			return pg_fail(err, "lost the connection", c);
		if (poll(&p, 1, POLL_MS) < 0 && errno != EINTR)
			return error_errno(err, "poll");
		if (!PQconsumeInput(c))
			return pg_fail(err, "reading from the server", c);
	}
	return 0;
}

/*
 * Send `sql` (one or more statements) and read every result; the last
 * one with rows goes to *rows (when given; PQclear it). -1 on the first
 * error, with the server's message.
 */
static int exec_sql(struct scan *s, PGconn *c, const char *sql,
		    PGresult **rows, struct error *err)
{
	struct strbuf failure = STRBUF_INIT;
	PGresult *res, *keep = NULL;
	int ret = -1;

	if (rows)
		*rows = NULL;
	if (!PQsendQuery(c, sql))
		return pg_fail(err, "sending a query", c);
	for (;;) {
		if (wait_one(s, c, err) < 0)
			goto out;
		res = PQgetResult(c);
		if (!res)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_TUPLES_OK:
			PQclear(keep);
			keep = res;
			continue;
		case PGRES_COMMAND_OK:
			break;
		default:
			if (!failure.len)
				add_flat(&failure, PQresultErrorMessage(res),
					 "the query failed");
			break;
		}
		PQclear(res);
	}
	if (failure.len) {
		error_set(err, "%s", failure.buf);
		goto out;
	}
	if (rows) {
		*rows = keep;
		keep = NULL;
	}
	ret = 0;
out:
	PQclear(keep);
	strbuf_release(&failure);
	return ret;
}

static const char *exclusion(const struct schema_kv *ex, const char *schema,
			     const char *table)
{
	size_t i;

	for (i = 0; ex && i < ex->keys.nr; i++)
		if (fp_pattern_match(ex->keys.v[i], schema, table))
			return ex->vals.v[i];
	return NULL;
}

static int included(const struct strvec *inc, const char *schema,
		    const char *table)
{
	size_t i;

	if (!inc || !inc->nr)
		return 1;
	for (i = 0; i < inc->nr; i++)
		if (fp_pattern_match(inc->v[i], schema, table))
			return 1;
	return 0;
}

static void hash_text(const char *v, char hex[FP_HEX_LEN + 1])
{
	sha256_hex(v, strlen(v), hex);
}

static void push_item(struct scan *s, size_t *alloc, size_t table,
		      long long from, long long to, long long blocks)
{
	struct item *it;

	XGROW(s->items, s->nitems + 1, *alloc);
	it = &s->items[s->nitems++];
	it->table = table;
	it->from = from;
	it->to = to;
	it->blocks = blocks;
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->blocks != y->blocks)
		return x->blocks > y->blocks ? -1 : 1;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return x->from < y->from ? -1 : x->from > y->from;
}

/* The selected tables into fp, their work items into s->items. */
static int read_tables(struct scan *s, PGconn *c, int jobs, int tid_ranges,
		       struct error *err)
{
	PGresult *r;
	struct strbuf name = STRBUF_INIT;
	long long *blocks;
	size_t alloc = 0, t;
	int i, n;

	if (exec_sql(s, c, tables_sql, &r, err) < 0) {
		error_prefix(err, "reading the catalogs");
		return -1;
	}
	n = PQntuples(r);
	blocks = xcalloc((size_t)n + 1, sizeof(*blocks));
	s->qnames = xcalloc((size_t)n + 1, sizeof(*s->qnames));
	s->cols = xcalloc((size_t)n + 1, sizeof(*s->cols));
	s->ntables = (size_t)n;
	s->select = xcalloc((size_t)n + 1, 1);
	for (i = 0; i < n; i++) {
		const char *schema = PQgetvalue(r, i, 0);
		const char *table = PQgetvalue(r, i, 1);
		const char *why;
		struct fp_table *ft;
		char *q1, *q2;

		strbuf_reset(&name);
		strbuf_adds(&name, PQgetvalue(r, i, 7));
		if (!included(s->o->include, schema, table))
			continue;
		if ((why = exclusion(s->o->exclude, schema, table))) {
			fingerprint_add_excluded(s->fp, name.buf, why);
			continue;
		}
		q1 = PQescapeIdentifier(c, schema, strlen(schema));
		q2 = PQescapeIdentifier(c, table, strlen(table));
		if (!q1 || !q2) {
			PQfreemem(q1);
			PQfreemem(q2);
			PQclear(r);
			free(blocks);
			strbuf_release(&name);
			return pg_fail(err, "quoting a table name", c);
		}
		ft = fingerprint_add_table(s->fp, name.buf);
		if (*PQgetvalue(r, i, 8)) {
			strbuf_reset(&name);
			strbuf_addf(&name, "%s\n%s", PQgetvalue(r, i, 3),
				    PQgetvalue(r, i, 8));
			hash_text(name.buf, ft->columns);
		} else {
			hash_text(PQgetvalue(r, i, 3), ft->columns);
		}
		/* -1: nothing to read, no work item (a matview with no data). */
		blocks[s->fp->nr - 1] = !strcmp(PQgetvalue(r, i, 9), "t") ? -1 : 0;
		hash_text(PQgetvalue(r, i, 4), ft->constraints);
		hash_text(PQgetvalue(r, i, 5), ft->indexes);
		if (blocks[s->fp->nr - 1] == 0)
			blocks[s->fp->nr - 1] = atoll(PQgetvalue(r, i, 2));
		strbuf_reset(&name);
		strbuf_addf(&name, "%s.%s", q1, q2);
		s->qnames[s->fp->nr - 1] = strbuf_detach(&name, NULL);
		if (!PQgetisnull(r, i, 6))
			s->cols[s->fp->nr - 1] = xstrdup(PQgetvalue(r, i, 6));
		s->select[s->fp->nr - 1] = !strcmp(PQgetvalue(r, i, 10), "t");
		PQfreemem(q1);
		PQfreemem(q2);
	}
	PQclear(r);
	for (t = 0; t < s->fp->nr; t++) {
		long long b = blocks[t], k = 1, j;

		if (b < 0)
			continue;
		if (tid_ranges && jobs > 1 && b >= 2 * CHUNK_BLOCKS) {
			k = b / CHUNK_BLOCKS;
			if (k > (long long)jobs * CHUNKS_PER_JOB)
				k = (long long)jobs * CHUNKS_PER_JOB;
		}
		/* The first and last ranges are open: the table may grow. */
		for (j = 0; j < k; j++)
			push_item(s, &alloc, t, j ? b * j / k : -1,
				  j + 1 < k ? b * (j + 1) / k : -1, b / k);
	}
	free(blocks);
	strbuf_release(&name);
	if (s->nitems)
		qsort(s->items, s->nitems, sizeof(*s->items), cmp_item);
	return 0;
}

/*
 * Each readable sequence's last_value and is_called, read from the
 * sequence itself (pg_sequences says NULL for both a sequence never
 * used and one restarted and not used since), after its definition.
 */
static int read_sequence_states(struct scan *s, PGconn *c,
				const struct strbuf *sql, struct error *err)
{
	PGresult *r;
	int i;

	if (exec_sql(s, c, sql->buf, &r, err) < 0) {
		error_prefix(err, "reading the sequences' state");
		return -1;
	}
	for (i = 0; i < PQntuples(r); i++) {
		size_t k = (size_t)strtoull(PQgetvalue(r, i, 0), NULL, 10);
		struct fp_sequence *fs;
		struct strbuf st = STRBUF_INIT;

		if (k >= s->fp->nseq)
			continue;
		fs = &s->fp->seqs[k];
		strbuf_addf(&st, "%s; last_value %s", fs->state,
			    PQgetvalue(r, i, 1));
		free(fs->state);
		fs->state = strbuf_detach(&st, NULL);
	}
	PQclear(r);
	return 0;
}

/* Objects the fingerprint reads no rows or definitions of, counted. */
static const char uncovered_sql[] =
	"WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname <> "
	" 'information_schema' AND nspname !~ '^pg_'), "
	"ext AS (SELECT objid FROM pg_depend WHERE deptype = 'e') "
	"SELECT "
	" (SELECT count(*) FROM pg_class WHERE relkind = 'v' "
	"   AND relnamespace IN (SELECT oid FROM ns) "
	"   AND oid NOT IN (SELECT objid FROM ext)), "
	" (SELECT count(*) FROM pg_class WHERE relkind = 'p' "
	"   AND relnamespace IN (SELECT oid FROM ns)), "
	" (SELECT count(*) FROM pg_class WHERE relkind = 'f' "
	"   AND relnamespace IN (SELECT oid FROM ns)), "
	" (SELECT count(*) FROM pg_proc WHERE pronamespace IN "
	"   (SELECT oid FROM ns) AND oid NOT IN (SELECT objid FROM ext)), "
	" (SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = "
	"   t.tgrelid WHERE NOT t.tgisinternal "
	"   AND c.relnamespace IN (SELECT oid FROM ns)), "
	" (SELECT count(*) FROM pg_policy), "
	" (SELECT count(*) FROM pg_type t WHERE t.typnamespace IN "
	"   (SELECT oid FROM ns) AND t.oid NOT IN (SELECT objid FROM ext) "
	"   AND (t.typtype = 'd' OR (t.typtype = 'c' AND (SELECT relkind "
	"   FROM pg_class WHERE oid = t.typrelid) = 'c'))), "
	" (SELECT count(*) FROM pg_largeobject_metadata), "
	" (SELECT count(*) FROM pg_largeobject_metadata l, pg_roles r "
	"   WHERE r.rolname = current_user AND NOT (l.lomowner = r.oid OR "
	"   r.rolsuper OR current_setting('lo_compat_privileges')::bool))";

/* Enum types' labels, by rank (ALTER TYPE ... ADD VALUE BEFORE leaves
 * fractional sort orders that a dump restores as 1, 2, 3). */
static const char enums_sql[] =
	"SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname) || "
	" ' ' || row_number() OVER (PARTITION BY e.enumtypid "
	"  ORDER BY e.enumsortorder) || ' ' || e.enumlabel "
	"FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
	"JOIN pg_namespace n ON n.oid = t.typnamespace "
	"WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'";

/* Every large object's id and the SHA-256 of its bytes (server-side). */
static const char lobs_sql[] =
	"SELECT l.oid::text || ' ' || encode(sha256(lo_get(l.oid)), 'hex') "
	"FROM pg_largeobject_metadata l";

/*
 * A whole-database entry, "(enum types)" or "(large objects)": one row
 * per line of `sql`'s single column, summed like a table's rows; no
 * entry when there is none.
 */
static int read_entry(struct scan *s, PGconn *c, const char *name,
		      const char *sql, struct error *err)
{
	PGresult *r;
	struct fp_table *ft;
	const struct schema_kv *ex = s->o->exclude;
	size_t k;
	int i;

	/* exclude: names it exactly, with its reason, like a table. */
	for (k = 0; ex && k < ex->keys.nr; k++)
		if (!strcmp(ex->keys.v[k], name)) {
			fingerprint_add_excluded(s->fp, name, ex->vals.v[k]);
			return 0;
		}
	if (exec_sql(s, c, sql, &r, err) < 0) {
		error_prefix(err, "reading %s", name);
		return -1;
	}
	if (PQntuples(r) > 0) {
		struct fp_hasher *h = fp_hasher_new();

		ft = fingerprint_add_table(s->fp, name);
		hash_text("", ft->columns);
		hash_text("", ft->constraints);
		hash_text("", ft->indexes);
		for (i = 0; i < PQntuples(r); i++)
			fp_hasher_row(h, &ft->sum, PQgetvalue(r, i, 0),
				      (size_t)PQgetlength(r, i, 0));
		ft->rows = PQntuples(r);
		fp_hasher_free(h);
	}
	PQclear(r);
	return 0;
}

/*
 * Enum types and large objects (when the whole database is read), and
 * the list of what is not compared, into s->st->not_covered.
 */
static int read_whole_db(struct scan *s, PGconn *c, struct error *err)
{
	static const char *const what[] = {
		"views: their definitions are not compared",
		"partitioned tables: read through their partitions (each "
		"partition's definition names its parent and bounds); the "
		"parent's own definition is not compared",
		"foreign tables: not read",
		"functions and procedures: not compared",
		"triggers: not compared",
		"row security policies: not compared",
		"domains and composite types: not compared",
	};
	struct strvec *nc = &s->st->not_covered;
	int whole = !s->o->include || !s->o->include->nr, k;
	long long lobs, lobs_unreadable;
	PGresult *r;

	if (exec_sql(s, c, uncovered_sql, &r, err) < 0) {
		error_prefix(err, "counting what is not compared");
		return -1;
	}
	for (k = 0; k < 7; k++)
		if (atoll(PQgetvalue(r, 0, k)) > 0)
			strvec_pushf(nc, "%s %s", PQgetvalue(r, 0, k), what[k]);
	lobs = atoll(PQgetvalue(r, 0, 7));
	lobs_unreadable = atoll(PQgetvalue(r, 0, 8));
	PQclear(r);
	strvec_push(nc, "privileges, ownership, comments, extensions and "
		    "roles: not compared");
	if (!whole) {
		strvec_push(nc, "enum types and large objects: not read "
			    "(tables: selects tables)");
		return 0;
	}
	if (read_entry(s, c, "(enum types)", enums_sql, err) < 0)
		return -1;
	if (lobs && lobs_unreadable)
		strvec_pushf(nc, "%lld large objects: not read (%lld not "
			     "readable by this role: not its own, and it is no "
			     "superuser)", lobs, lobs_unreadable);
	else if (lobs && atol(s->st->server_version) < 110000)
		strvec_pushf(nc, "%lld large objects: not read (the server "
			     "has no sha256(), before PostgreSQL 11)", lobs);
	else if (lobs && read_entry(s, c, "(large objects)", lobs_sql, err) < 0)
		return -1;
	return 0;
}

static int read_sequences(struct scan *s, PGconn *c, struct error *err)
{
	PGresult *r;
	struct strbuf name = STRBUF_INIT, states = STRBUF_INIT;
	int i, n;

	if (exec_sql(s, c, sequences_sql, &r, err) < 0) {
		error_prefix(err, "reading the sequences");
		return -1;
	}
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		const char *schema = PQgetvalue(r, i, 0);
		const char *seq = PQgetvalue(r, i, 1);
		const char *owner = PQgetisnull(r, i, 3) ? NULL :
				    PQgetvalue(r, i, 3);
		int sel = 0;
		size_t t;

		strbuf_reset(&name);
		strbuf_adds(&name, PQgetvalue(r, i, 4));
		/* A table's own sequence goes with it. */
		for (t = 0; owner && t < s->fp->nr && !sel; t++)
			sel = !strcmp(s->fp->tables[t].name, owner);
		if (!sel && !owner && s->o->include && s->o->include->nr)
			sel = included(s->o->include, schema, seq) &&
			      !exclusion(s->o->exclude, schema, seq);
		else if (!sel && !owner)
			sel = !exclusion(s->o->exclude, schema, seq);
		if (sel) {
			struct fp_sequence *fs = fingerprint_add_sequence(s->fp,
				name.buf, PQgetvalue(r, i, 2));

			/* The definition now, the raw state below. */
			fs->state = xstrdup(PQgetvalue(r, i, 5));
			if (!strcmp(PQgetvalue(r, i, 6), "t")) {
				char *q1 = PQescapeIdentifier(c, schema,
							      strlen(schema));
				char *q2 = PQescapeIdentifier(c, seq, strlen(seq));

				if (q1 && q2)
					strbuf_addf(&states, "%sSELECT %zu, "
						    "last_value::text || ' is_called ' "
						    "|| is_called::text FROM %s.%s",
						    states.len ? " UNION ALL " : "",
						    s->fp->nseq - 1, q1, q2);
				PQfreemem(q1);
				PQfreemem(q2);
			}
		}
	}
	PQclear(r);
	if (states.len && read_sequence_states(s, c, &states, err) < 0) {
		strbuf_release(&states);
		strbuf_release(&name);
		return -1;
	}
	strbuf_release(&states);
	strbuf_release(&name);
	return 0;
}

static int send_copy(struct scan *s, struct conn *k, struct error *err)
{
	struct item *it = &s->items[s->next++];
	const char *cols = s->cols[it->table];
	struct strbuf sql = STRBUF_INIT;
	int ok;

	/*
	 * A whole table: COPY t (columns), the server's fastest path. A
	 * block range: the same columns through a TID range scan. Both
	 * print each row the same way, so a table's digest does not depend
	 * on whether it was cut.
	 */
	if (it->from < 0 && it->to < 0 && s->select[it->table]) {
		strbuf_addf(&sql, "COPY (SELECT %s FROM %s)", cols ? cols : "",
			    s->qnames[it->table]);
	} else if (it->from < 0 && it->to < 0) {
		strbuf_addf(&sql, "COPY %s", s->qnames[it->table]);
		if (cols)
			strbuf_addf(&sql, " (%s)", cols);
	} else {
		strbuf_addf(&sql, "COPY (SELECT %s FROM %s WHERE ",
			    cols ? cols : "", s->qnames[it->table]);
		if (it->from >= 0)
			strbuf_addf(&sql, "ctid >= '(%lld,0)'::tid", it->from);
		if (it->from >= 0 && it->to >= 0)
			strbuf_adds(&sql, " AND ");
		if (it->to >= 0)
			strbuf_addf(&sql, "ctid < '(%lld,0)'::tid", it->to);
		strbuf_addch(&sql, ')');
	}
	strbuf_adds(&sql, " TO STDOUT");
	ok = PQsendQuery(k->c, sql.buf);
	strbuf_release(&sql);
	if (!ok)
		return pg_fail(err, "sending COPY", k->c);
	k->item = it;
	k->st = C_COPY_START;
	s->st->chunks++;
	return 0;
}

static int result_failed(struct scan *s, struct conn *k, PGresult *res,
			 struct error *err)
{
	struct strbuf sb = STRBUF_INIT;

	add_flat(&sb, PQresultErrorMessage(res), "the query failed");
	if (k->item)
		error_set(err, "reading table %s: %s",
			  s->fp->tables[k->item->table].name, sb.buf);
	else
		error_set(err, "starting a reader: %s", sb.buf);
	strbuf_release(&sb);
	PQclear(res);
	return -1;
}

/* Move one connection on as far as its buffered input allows. */
static int advance(struct scan *s, struct conn *k, int *progress,
		   struct error *err)
{
	PGresult *res;
	char *buf;
	int n;

	switch (k->st) {
	case C_SETUP:
	case C_COPY_START:
	case C_COPY_END:
		while (!PQisBusy(k->c)) {
			*progress = 1;
			res = PQgetResult(k->c);
			if (!res) {
				if (k->st == C_COPY_START)
					return error_set(err, "COPY did not start");
				k->st = C_IDLE;
				k->item = NULL;
				return 0;
			}
			if (k->st == C_COPY_START) {
				if (PQresultStatus(res) != PGRES_COPY_OUT)
					return result_failed(s, k, res, err);
				PQclear(res);
				k->st = C_COPY;
				return 0;
			}
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
				return result_failed(s, k, res, err);
			PQclear(res);
		}
		return 0;
	case C_COPY: {
		struct fp_table *t = &s->fp->tables[k->item->table];

		while ((n = PQgetCopyData(k->c, &buf, 1)) > 0) {
			fp_hasher_row(s->h, &t->sum, buf, (size_t)n);
			t->rows++;
			s->st->bytes += (unsigned long long)n;
			PQfreemem(buf);
			*progress = 1;
		}
		if (n == -1) {
			k->st = C_COPY_END;
			*progress = 1;
		} else if (n == -2) {
			return pg_fail(err, "reading a table", k->c);
		}
		return 0;
	}
	case C_IDLE:
		*progress = 1;
		if (s->next < s->nitems)
			return send_copy(s, k, err);
		k->st = C_DONE;
		return 0;
	case C_DONE:
		return 0;
	}
	return 0;
}

static int run_loop(struct scan *s, struct error *err)
{
	struct pollfd *pfd = xcalloc((size_t)s->nconns, sizeof(*pfd));
	int i, np, ret = -1;

	for (;;) {
		int progress, busy = 0;

		if (stopped(s, err) < 0)
			goto out;
		do {
			progress = 0;
			for (i = 0; i < s->nconns; i++)
				if (advance(s, &s->conns[i], &progress, err) < 0)
					goto out;
		} while (progress && !stopped(s, err));
		np = 0;
		for (i = 0; i < s->nconns; i++) {
			if (s->conns[i].st == C_DONE || s->conns[i].st == C_IDLE)
				continue;
			busy = 1;
			pfd[np].fd = PQsocket(s->conns[i].c);
			pfd[np].events = POLLIN;
			pfd[np].revents = 0;
			if (pfd[np].fd < 0) {
				pg_fail(err, "lost a connection", s->conns[i].c);
				goto out;
			}
			np++;
		}
		if (!busy)
			break;
		if (poll(pfd, (nfds_t)np, POLL_MS) < 0 && errno != EINTR) {
			error_errno(err, "poll");
			goto out;
		}
		for (i = 0; i < s->nconns; i++) {
			enum cstate st = s->conns[i].st;

			if (st == C_DONE || st == C_IDLE)
				continue;
			if (!PQconsumeInput(s->conns[i].c)) {
				pg_fail(err, "reading from the server",
					s->conns[i].c);
				goto out;
			}
		}
	}
	ret = 0;
out:
	free(pfd);
	return ret;
}

/* Connecting is pg.c's, under the step's own deadline and cancel flag. */
static PGconn *connect_one(struct scan *s, int first, struct error *err)
{
	const struct fpscan_opts *o = s->o;
	struct pg_deadline dl;

	dl.at_ms = o->deadline_ms;
	dl.timeout_s = o->deadline_ms ?
		       (long)((o->deadline_ms - s->start + 999) / 1000) : 0;
	dl.cancel = o->cancel;
	return runfacts_connect(first ? o->facts : NULL, o->drill,
				o->connection, o->secrets, &dl, err);
}

int fpscan_run(const struct fpscan_opts *o, struct fingerprint *fp,
	       struct fpscan_stats *st, struct error *err)
{
	struct scan s;
	struct error werr = ERROR_INIT;
	struct strbuf sql = STRBUF_INIT;
	PGresult *r = NULL;
	char *snap = NULL;
	int jobs = o->jobs > 0 ? o->jobs : fpscan_default_jobs();
	int i, ret = -1, tid_ranges;
	size_t t;

	memset(&s, 0, sizeof(s));
	memset(st, 0, sizeof(*st));
	strvec_init(&st->not_covered);
	s.o = o;
	s.fp = fp;
	s.st = st;
	s.start = clock_mono_ms();
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	s.conns = xcalloc((size_t)jobs, sizeof(*s.conns));

	s.conns[0].c = connect_one(&s, 1, err);
	if (!s.conns[0].c)
		goto out;
	s.nconns = 1;
	if (exec_sql(&s, s.conns[0].c, SESSION_SQL "SELECT pg_export_snapshot(), "
		     "current_setting('server_version_num')", &r, err) < 0) {
		error_prefix(err, "opening the snapshot");
		goto out;
	}
	if (PQntuples(r) != 1 || PQnfields(r) != 2) {
		error_set(err, "pg_export_snapshot() returned nothing");
		goto out;
	}
	snap = PQescapeLiteral(s.conns[0].c, PQgetvalue(r, 0, 0),
			       strlen(PQgetvalue(r, 0, 0)));
	snprintf(st->server_version, sizeof(st->server_version), "%s",
		 PQgetvalue(r, 0, 1));
	PQclear(r);
	r = NULL;
	if (!snap) {
		pg_fail(err, "quoting the snapshot id", s.conns[0].c);
		goto out;
	}
	tid_ranges = atol(st->server_version) >= 140000;
	if (read_tables(&s, s.conns[0].c, jobs, tid_ranges, err) < 0 ||
	    read_sequences(&s, s.conns[0].c, err) < 0 ||
	    read_whole_db(&s, s.conns[0].c, err) < 0)
		goto out;

	if ((size_t)jobs > s.nitems)
		jobs = s.nitems ? (int)s.nitems : 1;
	strbuf_addf(&sql, SESSION_SQL "SET TRANSACTION SNAPSHOT %s", snap);
	s.conns[0].st = C_IDLE;
	for (i = 1; i < jobs; i++) {
		struct conn *k = &s.conns[i];

		if (stopped(&s, err) < 0)
			goto out;
		/*
		 * A server short of connections still gets read, on fewer:
		 * the first connection proved the parameters good.
		 */
		k->c = connect_one(&s, 0, &werr);
		if (!k->c) {
			st->refused = 1;
			break;
		}
		s.nconns++;
		if (!PQsendQuery(k->c, sql.buf)) {
			pg_fail(err, "starting a reader", k->c);
			goto out;
		}
		k->st = C_SETUP;
	}
	st->jobs = s.nconns;
	s.h = fp_hasher_new();
	if (run_loop(&s, err) < 0)
		goto out;
	fingerprint_sort(fp);
	ret = 0;
out:
	for (i = 0; i < s.nconns; i++) {
		/* A reader still busy is told to stop before it is closed. */
		if (ret < 0 && s.conns[i].st != C_IDLE && s.conns[i].st != C_DONE)
			cancel_query(s.conns[i].c);
		PQfinish(s.conns[i].c);
	}
	PQclear(r);
	if (snap)
		PQfreemem(snap);
	for (t = 0; s.qnames && t < s.ntables; t++) {
		free(s.qnames[t]);
		free(s.cols[t]);
	}
	free(s.qnames);
	free(s.cols);
	free(s.select);
	free(s.items);
	free(s.conns);
	fp_hasher_free(s.h);
	strbuf_release(&sql);
	error_release(&werr);
	st->ms = clock_mono_ms() - s.start;
	if (ret < 0)
		pg_redact(&err->msg, o->secrets);
	return ret;
}
