#include "pickfile.h"
#include "backup.h"
#include "clock.h"
#include "error.h"
#include "journal.h"
#include "schema.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void pickfiles_init(struct pickfiles *fs, size_t nsteps)
{
	memset(fs, 0, sizeof(*fs));
	fs->nsteps = nsteps;
}

void pickfiles_release(struct pickfiles *fs)
{
	size_t i;

	for (i = 0; i < fs->nr; i++) {
		struct pickfile *f = &fs->v[i];
		free(f->item);
		free(f->problem);
		free(f->path);
		free(f->sha256);
		free(f->clock);
		free(f->created);
		free(f->contradicted);
		free(f->read_by);
	}
	free(fs->v);
	pickfiles_init(fs, 0);
}

static struct pickfile *add(struct pickfiles *fs, const char *item)
{
	struct pickfile *f;

	XGROW(fs->v, fs->nr + 1, fs->alloc);
	f = &fs->v[fs->nr++];
	memset(f, 0, sizeof(*f));
	f->item = xstrdup(item);
	f->status = -1;
	f->read_by = xcalloc(fs->nsteps ? fs->nsteps : 1, 1);
	return f;
}

struct pickfile *pickfiles_add_pick(struct pickfiles *fs,
				    const struct backup_pick *p)
{
	struct pickfile *f = add(fs, p->item);
	const struct backup_cand *c = backup_pick_chosen(p);
	struct strbuf sb = STRBUF_INIT;

	f->status = (int)p->status;
	f->problem = xstrdup(p->problem ? p->problem : "");
	if (!c)
		return f;
	f->path = xstrdup(c->path);
	f->sha256 = xstrdup(p->full ? c->sha256 : "");
	if (p->full) {
		backup_ident_of(&c->st, &f->ident);
		f->ident_known = 1;
	}
	f->clock = xstrdup(c->clock);
	clock_format_utc_ms(&sb, p->created_ms);
	f->created = strbuf_detach(&sb, NULL);
	f->created_ms = p->created_ms;
	if (c->contradicted)
		f->contradicted = xstrdup(c->contradicted);
	return f;
}

static int status_of(const char *word)
{
	int s;

	for (s = BACKUP_PICKED; s <= BACKUP_DAMAGED; s++)
		if (!strcmp(word, backup_pick_status_name(
					(enum backup_pick_status)s)))
			return s;
	return -1;
}

/*
 * A backup record (backup_pick_json()) as read back, declared once and
 * bound leniently: a member of the wrong type reads as absent ("").
 */
struct pick_wire {
	const char *item, *status, *problem, *chosen, *chosen_sha256, *clock,
		*created, *contradicted;
	json_t *identity;
	struct schema_int created_ms;
};
#define TXT(k, m) { .key = k, .type = SCHEMA_STR, \
		    .off = offsetof(struct pick_wire, m) }
static const struct schema_field pick_fields[] = {
	TXT("item", item),
	TXT("status", status),
	TXT("problem", problem),
	TXT("chosen", chosen),
	TXT("chosen_sha256", chosen_sha256),
	{ .key = "chosen_identity", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct pick_wire, identity) },
	TXT("clock", clock),
	TXT("created", created),
	{ .key = "created_ms", .type = SCHEMA_INT,
	  .off = offsetof(struct pick_wire, created_ms) },
	{ .key = "clock_contradicted", .type = SCHEMA_STR,
	  .flags = SCHEMA_KEEPNULL,
	  .off = offsetof(struct pick_wire, contradicted) },
	{ 0 }
};
#undef TXT
static const struct schema pick_schema = {
	.what = "backup record", .fields = pick_fields,
	.size = sizeof(struct pick_wire),
};

struct pickfile *pickfiles_add_record(struct pickfiles *fs, json_t *rec)
{
	struct pick_wire w;
	struct pickfile *f;

	memset(&w, 0, sizeof(w));
	schema_bind_lenient(&pick_schema, rec, &w);
	schema_empty_text(&pick_schema, &w);
	f = add(fs, w.item);
	f->status = status_of(w.status);
	f->problem = xstrdup(w.problem);
	if (f->status != BACKUP_PICKED)
		return f;
	f->path = xstrdup(w.chosen);
	f->sha256 = xstrdup(w.chosen_sha256);
	f->ident_known = backup_ident_from_json(w.identity, &f->ident) == 0;
	f->clock = xstrdup(w.clock);
	f->created = xstrdup(w.created);
	f->created_ms = w.created_ms.v;
	if (w.contradicted)
		f->contradicted = xstrdup(w.contradicted);
	return f;
}

struct pickfile *pickfiles_add_verified(struct pickfiles *fs,
					const char *item, const char *path,
					const char *sha256,
					const struct stat *st)
{
	struct pickfile *f = add(fs, item);

	f->verified = 1;
	f->path = xstrdup(path);
	f->sha256 = xstrdup(sha256);
	backup_ident_of(st, &f->ident);
	f->ident_known = 1;
	return f;
}

int pickfile_picked(const struct pickfile *f)
{
	return !f->verified && f->status == BACKUP_PICKED && f->path;
}

int pickfile_check(const struct pickfile *f, const char *when,
		   struct strbuf *what, struct strbuf *expected,
		   struct strbuf *actual)
{
	const char *path = f->path ? f->path : "";
	struct stat st;
	int same = 0;

	if (stat(path, &st) == 0) {
		struct backup_ident have;

		backup_ident_of(&st, &have);
		same = f->ident_known && backup_ident_equal(&have, &f->ident);
		if (!same) {
			char hex[SHA256_HEX_LEN + 1];
			struct error e = ERROR_INIT;

			strbuf_addf(actual, "another file: inode %lld, %lld "
				    "bytes, ctime %lld ns; SHA-256 ",
				    (long long)st.st_ino, (long long)st.st_size,
				    have.ctime_ns);
			strbuf_adds(actual, sha256_file_hex(path, hex, NULL,
					    &e) == 0 ? hex : e.msg.buf);
			error_release(&e);
		}
	} else {
		strbuf_addf(actual, "gone: %s", strerror(errno));
	}
	if (same)
		strbuf_addf(actual, "the same: inode %lld, SHA-256 %s",
			    (long long)st.st_ino, f->sha256);
	strbuf_addf(what, "%s %s: %s the step, %s is the file %s",
		    f->verified ? "the" : "backup", f->item, when, path,
		    f->verified ? "verified" : "picked");
	strbuf_addf(expected, "inode %lld, %lld bytes, ctime %lld ns, unchanged "
		    "since its SHA-256 %s was taken", f->ident.ino,
		    f->ident.size, f->ident.ctime_ns, f->sha256);
	return same;
}
