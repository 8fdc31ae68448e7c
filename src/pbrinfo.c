#include "pbrinfo.h"
#include "error.h"
#include "pgwal.h"
#include "schema.h"
#include "schema-table.h"
#include "xalloc.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void pbrinfo_init(struct pbrinfo *info)
{
	memset(info, 0, sizeof(*info));
	info->code = -1;
}

static void backup_release(struct pbrinfo_backup *b)
{
	free(b->label);
	free(b->type);
	free(b->start_lsn);
	free(b->stop_lsn);
	free(b->wal_start);
	free(b->wal_stop);
}

void pbrinfo_release(struct pbrinfo *info)
{
	size_t i;

	for (i = 0; i < info->nrepos; i++)
		free(info->repos[i].message);
	for (i = 0; i < info->nbackups; i++)
		backup_release(&info->backups[i]);
	for (i = 0; i < info->narchives; i++) {
		free(info->archives[i].id);
		free(info->archives[i].min);
		free(info->archives[i].max);
	}
	free(info->repos);
	free(info->backups);
	free(info->archives);
	free(info->name);
	free(info->message);
	pbrinfo_init(info);
}

/*
 * info's output as this reader takes it, declared once as schema tables
 * and bound leniently (schema_bind_lenient(): a member of the wrong
 * type reads as absent, an object of the wrong type as NULL), then
 * copied into struct pbrinfo, which owns its text.
 */

struct status_w { struct schema_int code; const char *message; };
static const struct schema_field status_fields[] = {
	INT(struct status_w, "code", code),
	TXT(struct status_w, "message", message),
	{ 0 }
};
SCHEMA_OF(struct status_w, status_schema, status_fields);

struct repo_w { struct status_w *status; };
static const struct schema_field repo_fields[] = {
	OBJ(struct repo_w, "status", status, status_schema),
	{ 0 }
};
SCHEMA_OF(struct repo_w, repo_schema, repo_fields);
ITEM_OF(repo_item, repo_schema);

struct range_w { const char *start, *stop; };       /* lsn, archive */
static const struct schema_field range_fields[] = {
	TXT(struct range_w, "start", start),
	TXT(struct range_w, "stop", stop),
	{ 0 }
};
SCHEMA_OF(struct range_w, range_schema, range_fields);

struct times_w { struct schema_int start, stop; };  /* timestamp */
static const struct schema_field times_fields[] = {
	INT(struct times_w, "start", start),
	INT(struct times_w, "stop", stop),
	{ 0 }
};
SCHEMA_OF(struct times_w, times_schema, times_fields);

struct size_w { struct schema_int size; };         /* info.repository */
static const struct schema_field size_fields[] = {
	INT(struct size_w, "size", size),
	{ 0 }
};
SCHEMA_OF(struct size_w, size_schema, size_fields);

struct binfo_w { struct schema_int size; struct size_w *repository; };
static const struct schema_field binfo_fields[] = {
	INT(struct binfo_w, "size", size),
	OBJ(struct binfo_w, "repository", repository, size_schema),
	{ 0 }
};
SCHEMA_OF(struct binfo_w, binfo_schema, binfo_fields);

struct backup_w {
	const char *label, *type;
	struct times_w *timestamp;
	struct range_w *lsn, *archive;
	struct binfo_w *info;
	int error;
};
static const struct schema_field backup_fields[] = {
	TXT(struct backup_w, "label", label),
	TXT(struct backup_w, "type", type),
	OBJ(struct backup_w, "timestamp", timestamp, times_schema),
	OBJ(struct backup_w, "lsn", lsn, range_schema),
	OBJ(struct backup_w, "archive", archive, range_schema),
	OBJ(struct backup_w, "info", info, binfo_schema),
	{ .key = "error", .type = SCHEMA_BOOL,
	  .off = offsetof(struct backup_w, error) },
	{ 0 }
};
SCHEMA_OF(struct backup_w, backup_schema, backup_fields);
ITEM_OF(backup_item, backup_schema);

struct archive_w { const char *id, *min, *max; };
static const struct schema_field archive_fields[] = {
	TXT(struct archive_w, "id", id),
	TXT(struct archive_w, "min", min),
	TXT(struct archive_w, "max", max),
	{ 0 }
};
SCHEMA_OF(struct archive_w, archive_schema, archive_fields);
ITEM_OF(archive_item, archive_schema);

struct db_w { struct schema_int sysid; };
static const struct schema_field db_fields[] = {
	INT(struct db_w, "system-id", sysid),
	{ 0 }
};
SCHEMA_OF(struct db_w, db_schema, db_fields);
ITEM_OF(db_item, db_schema);

struct stanza_w {
	const char *name;
	struct status_w *status;
	struct repo_w *repos;
	size_t nrepos;
	struct backup_w *backups;
	size_t nbackups;
	struct archive_w *archives;
	size_t narchives;
	struct db_w *dbs;
	size_t ndbs;
};
static const struct schema_field stanza_fields[] = {
	TXT(struct stanza_w, "name", name),
	OBJ(struct stanza_w, "status", status, status_schema),
	LIST(struct stanza_w, "repo", repos, nrepos, repo_item),
	LIST(struct stanza_w, "backup", backups, nbackups, backup_item),
	LIST(struct stanza_w, "archive", archives, narchives, archive_item),
	LIST(struct stanza_w, "db", dbs, ndbs, db_item),
	{ 0 }
};
SCHEMA_OF(struct stanza_w, stanza_schema, stanza_fields);

/* Text copied; NULL stays NULL (not given, or not text). */
static char *copy(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A set integer: 1 and *v; 0, *v untouched. */
static int int_set(const struct schema_int *i, long long *v)
{
	if (!i->set)
		return 0;
	*v = i->v;
	return 1;
}

/* A status's code and message, when it is an object. */
static void read_status(const struct status_w *st, long long *code,
			char **message)
{
	if (!st)
		return;
	int_set(&st->code, code);
	*message = copy(st->message);
}

static void read_backup(struct pbrinfo_backup *b, const struct backup_w *w)
{
	b->label = copy(w->label);
	b->type = copy(w->type);
	if (w->timestamp) {
		b->has_start = int_set(&w->timestamp->start, &b->start);
		b->has_stop = int_set(&w->timestamp->stop, &b->stop);
	}
	if (w->lsn) {
		b->start_lsn = copy(w->lsn->start);
		b->stop_lsn = copy(w->lsn->stop);
	}
	if (w->archive) {
		b->wal_start = copy(w->archive->start);
		b->wal_stop = copy(w->archive->stop);
	}
	b->repo_size = -1;
	if (w->info) {
		b->has_size = int_set(&w->info->size, &b->size);
		if (w->info->repository)
			int_set(&w->info->repository->size, &b->repo_size);
	}
	b->error = w->error;
}

/* A list that was an array gets its items (and one more, as ever). */
static void *items(const void *bound, size_t n, size_t size)
{
	return bound ? xcalloc(n + 1, size) : NULL;
}

static void read_stanza(struct pbrinfo *info, const struct stanza_w *w)
{
	size_t i;

	info->name = copy(w->name);
	read_status(w->status, &info->code, &info->message);
	info->repos = items(w->repos, w->nrepos, sizeof(*info->repos));
	for (i = 0; i < w->nrepos; i++) {
		struct pbrinfo_repo *p = &info->repos[info->nrepos++];

		p->code = -1;
		read_status(w->repos[i].status, &p->code, &p->message);
	}
	info->backups = items(w->backups, w->nbackups, sizeof(*info->backups));
	for (i = 0; i < w->nbackups; i++)
		read_backup(&info->backups[info->nbackups++], &w->backups[i]);
	info->archives = items(w->archives, w->narchives,
			       sizeof(*info->archives));
	for (i = 0; i < w->narchives; i++) {
		struct pbrinfo_archive *p = &info->archives[info->narchives++];

		p->id = copy(w->archives[i].id);
		p->min = copy(w->archives[i].min);
		p->max = copy(w->archives[i].max);
	}
	for (i = 0; i < w->ndbs; i++) {
		long long v;

		if (int_set(&w->dbs[i].sysid, &v)) {
			info->has_sysid = 1;
			info->sysid = (uint64_t)v;
		}
	}
}

int pbrinfo_parse(struct pbrinfo *info, const char *text, size_t len,
		  const char *stanza, struct error *err)
{
	json_error_t je;
	json_t *root, *s;
	size_t i;
	int ret = -1;

	pbrinfo_init(info);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return error_set(err, "pgbackrest info: not JSON: %s (line %d)",
				 je.text, je.line);
	if (!json_is_array(root)) {
		error_set(err, "pgbackrest info: not a JSON array");
		goto out;
	}
	json_array_foreach(root, i, s) {
		struct stanza_w w;

		memset(&w, 0, sizeof(w));
		schema_bind_lenient(&stanza_schema, s, &w);
		if (w.name && !strcmp(w.name, stanza)) {
			read_stanza(info, &w);
			ret = 0;
		}
		schema_release(&stanza_schema, &w);
		if (!ret)
			goto out;
	}
	error_set(err, "pgbackrest info: no stanza '%s'", stanza);
out:
	json_decref(root);
	return ret;
}

int pbrinfo_backup_complete(struct pbrinfo_backup *b, size_t i,
			    struct error *err)
{
	uint64_t segno;

	if (!b->label || !b->type || !b->has_start || !b->has_stop ||
	    !b->start_lsn || !b->stop_lsn ||
	    pgwal_parse_lsn(b->start_lsn, &b->start_lsn_v) < 0 ||
	    pgwal_parse_lsn(b->stop_lsn, &b->stop_lsn_v) < 0 ||
	    b->stop_lsn_v < b->start_lsn_v || !b->has_size ||
	    !b->wal_start || !b->wal_stop ||
	    pgwal_parse_segname(b->wal_start, PGWAL_SEGSIZE_DEFAULT,
				&b->timeline, &segno) < 0 ||
	    strlen(b->wal_stop) != PGWAL_SEGNAME_LEN)
		return error_set(err, "pgbackrest info: backup %zu lacks a "
				 "label, type, timestamps, LSNs, size or WAL "
				 "range of the right type", i + 1);
	return 0;
}
