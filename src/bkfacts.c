#include "bkfacts.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void bkfacts_init(struct bkfacts *f)
{
	memset(f, 0, sizeof(*f));
}

static void backup_release(struct bkfacts_backup *b)
{
	free(b->step);
	free(b->dir);
	free(b->wal_archive);
	free(b->stanza);
	free(b->config);
	free(b->program);
	free(b->label);
	free(b->stop_time);
	free(b->stop_lsn_text);
	json_decref(b->journal);
	memset(b, 0, sizeof(*b));
}

void bkfacts_release(struct bkfacts *f)
{
	size_t i;

	for (i = 0; i < f->nbackups; i++)
		backup_release(&f->backups[i]);
	for (i = 0; i < f->nscratch; i++) {
		free(f->scratch[i].step);
		free(f->scratch[i].data);
		free(f->scratch[i].sock);
		free(f->scratch[i].pg_ctl);
		free(f->scratch[i].run_as);
	}
	for (i = 0; i < f->nproofs; i++)
		free(f->proofs[i].step);
	free(f->backups);
	free(f->scratch);
	free(f->proofs);
	bkfacts_init(f);
}

void bkfacts_set_str(char **field, const char *s)
{
	free(*field);
	*field = s ? xstrdup(s) : NULL;
}

struct bkfacts_backup *bkfacts_add_backup(struct bkfacts *f, const char *step,
					  enum bkfacts_source source)
{
	struct bkfacts_backup *b = NULL;
	size_t i;

	for (i = 0; i < f->nbackups && !b; i++)
		if (f->backups[i].source == source &&
		    !strcmp(f->backups[i].step, step))
			b = &f->backups[i];
	if (b) {
		backup_release(b);
	} else {
		XGROW(f->backups, f->nbackups + 1, f->abackups);
		b = &f->backups[f->nbackups++];
		memset(b, 0, sizeof(*b));
	}
	b->step = xstrdup(step);
	b->source = source;
	b->wal_proof_ms = -1;
	return b;
}

const struct bkfacts_backup *bkfacts_backup(const struct bkfacts *f,
					    const char *step,
					    enum bkfacts_source source)
{
	size_t i;

	for (i = 0; f && i < f->nbackups; i++)
		if (f->backups[i].source == source &&
		    !strcmp(f->backups[i].step, step))
			return &f->backups[i];
	return NULL;
}

void bkfacts_add_scratch(struct bkfacts *f, const char *step, const char *data,
			 const char *sock, const char *pg_ctl,
			 const char *run_as, int keep_data)
{
	struct bkfacts_scratch *s;

	XGROW(f->scratch, f->nscratch + 1, f->ascratch);
	s = &f->scratch[f->nscratch++];
	s->step = xstrdup(step);
	s->data = xstrdup(data);
	s->sock = xstrdup(sock);
	s->pg_ctl = xstrdup(pg_ctl);
	s->run_as = run_as ? xstrdup(run_as) : NULL;
	s->keep_data = keep_data;
}

void bkfacts_set_proof(struct bkfacts *f, const char *step, long long timeline)
{
	size_t i;

	for (i = 0; i < f->nproofs; i++)
		if (!strcmp(f->proofs[i].step, step)) {
			f->proofs[i].timeline = timeline;
			return;
		}
	XGROW(f->proofs, f->nproofs + 1, f->aproofs);
	f->proofs[f->nproofs].step = xstrdup(step);
	f->proofs[f->nproofs++].timeline = timeline;
}

long long bkfacts_proof_timeline(const struct bkfacts *f, const char *step)
{
	size_t i;

	for (i = 0; f && i < f->nproofs; i++)
		if (!strcmp(f->proofs[i].step, step))
			return f->proofs[i].timeline;
	return 0;
}
