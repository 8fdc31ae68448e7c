#include "pbrinfo.h"
#include "error.h"
#include "pgwal.h"
#include "xalloc.h"

#include <jansson.h>
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

/* o[k] when it is text, copied; NULL otherwise (o may be anything). */
static char *text_of(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? xstrdup(s) : NULL;
}

/* o[k] when it is an integer: 1 and *v; 0 otherwise. */
static int int_of(json_t *o, const char *k, long long *v)
{
	json_t *j = json_object_get(o, k);

	if (!json_is_integer(j))
		return 0;
	*v = (long long)json_integer_value(j);
	return 1;
}

static void read_repos(struct pbrinfo *info, json_t *repos)
{
	json_t *r;
	size_t i;

	if (!json_is_array(repos))
		return;
	info->repos = xcalloc(json_array_size(repos) + 1, sizeof(*info->repos));
	json_array_foreach(repos, i, r) {
		json_t *st = json_object_get(r, "status");
		struct pbrinfo_repo *p = &info->repos[info->nrepos++];

		p->code = -1;
		int_of(st, "code", &p->code);
		p->message = text_of(st, "message");
	}
}

static void read_backup(struct pbrinfo_backup *b, json_t *j)
{
	json_t *ts = json_object_get(j, "timestamp");
	json_t *lsn = json_object_get(j, "lsn");
	json_t *info = json_object_get(j, "info");
	json_t *ar = json_object_get(j, "archive");

	b->label = text_of(j, "label");
	b->type = text_of(j, "type");
	b->has_start = int_of(ts, "start", &b->start);
	b->has_stop = int_of(ts, "stop", &b->stop);
	b->start_lsn = text_of(lsn, "start");
	b->stop_lsn = text_of(lsn, "stop");
	b->wal_start = text_of(ar, "start");
	b->wal_stop = text_of(ar, "stop");
	b->has_size = int_of(info, "size", &b->size);
	b->repo_size = -1;
	int_of(json_object_get(info, "repository"), "size", &b->repo_size);
	b->error = json_is_true(json_object_get(j, "error"));
}

static void read_backups(struct pbrinfo *info, json_t *backups)
{
	json_t *b;
	size_t i;

	if (!json_is_array(backups))
		return;
	info->backups = xcalloc(json_array_size(backups) + 1,
				sizeof(*info->backups));
	json_array_foreach(backups, i, b)
		read_backup(&info->backups[info->nbackups++], b);
}

static void read_archives(struct pbrinfo *info, json_t *archives)
{
	json_t *a;
	size_t i;

	if (!json_is_array(archives))
		return;
	info->archives = xcalloc(json_array_size(archives) + 1,
				 sizeof(*info->archives));
	json_array_foreach(archives, i, a) {
		struct pbrinfo_archive *p = &info->archives[info->narchives++];

		p->id = text_of(a, "id");
		p->min = text_of(a, "min");
		p->max = text_of(a, "max");
	}
}

static void read_stanza(struct pbrinfo *info, json_t *s)
{
	json_t *st = json_object_get(s, "status"), *db, *dbs;
	long long v;
	size_t i;

	info->name = text_of(s, "name");
	int_of(st, "code", &info->code);
	info->message = text_of(st, "message");
	read_repos(info, json_object_get(s, "repo"));
	read_backups(info, json_object_get(s, "backup"));
	read_archives(info, json_object_get(s, "archive"));
	dbs = json_object_get(s, "db");
	if (json_is_array(dbs))
		json_array_foreach(dbs, i, db)
			if (int_of(db, "system-id", &v)) {
				info->has_sysid = 1;
				info->sysid = (uint64_t)v;
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
		const char *n = json_string_value(json_object_get(s, "name"));
		if (n && !strcmp(n, stanza)) {
			read_stanza(info, s);
			ret = 0;
			goto out;
		}
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
