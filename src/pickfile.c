#include "pickfile.h"
#include "backup.h"
#include "clock.h"
#include "error.h"
#include "journal.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
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

struct pickfile *pickfiles_add_record(struct pickfiles *fs, json_t *rec)
{
	struct pickfile *f = add(fs, journal_str(rec, "item"));
	json_t *why = json_object_get(rec, "clock_contradicted");

	f->status = status_of(journal_str(rec, "status"));
	f->problem = xstrdup(journal_str(rec, "problem"));
	if (f->status != BACKUP_PICKED)
		return f;
	f->path = xstrdup(journal_str(rec, "chosen"));
	f->sha256 = xstrdup(journal_str(rec, "chosen_sha256"));
	f->ident_known = backup_ident_from_json(json_object_get(rec,
					"chosen_identity"), &f->ident) == 0;
	f->clock = xstrdup(journal_str(rec, "clock"));
	f->created = xstrdup(journal_str(rec, "created"));
	f->created_ms = (long long)json_integer_value(json_object_get(rec,
								"created_ms"));
	if (json_is_string(why))
		f->contradicted = xstrdup(json_string_value(why));
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
