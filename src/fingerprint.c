#include "fingerprint.h"
#include "error.h"
#include "schema.h"
#include "sha256.h"
#include "strbuf.h"
#include "xalloc.h"

#include <fnmatch.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* ---- the 256-bit sum ------------------------------------------------ */

void fp_sum_add(struct fp_sum *s, const struct fp_sum *t)
{
	uint64_t carry = 0;
	int i;

	for (i = 0; i < 4; i++) {
		uint64_t a = s->w[i], r = a + t->w[i];
		uint64_t c1 = r < a;

		s->w[i] = r + carry;
		carry = c1 | (s->w[i] < r);
	}
	/* The carry out of the top limb is the "mod 2^256". */
}

void fp_sum_add_hash(struct fp_sum *s, const unsigned char h[32])
{
	struct fp_sum t;
	int i, j;

	for (i = 0; i < 4; i++) {
		uint64_t v = 0;
		for (j = 0; j < 8; j++)
			v = v << 8 | h[(3 - i) * 8 + j];
		t.w[i] = v;
	}
	fp_sum_add(s, &t);
}

void fp_sum_hex(const struct fp_sum *s, char hex[FP_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i, j, k = 0;

	for (i = 3; i >= 0; i--)
		for (j = 60; j >= 0; j -= 4)
			hex[k++] = digits[s->w[i] >> j & 15];
	hex[k] = '\0';
}

int fp_sum_parse(struct fp_sum *s, const char *hex)
{
	int i, k;

	if (!hex || strlen(hex) != FP_HEX_LEN)
		return -1;
	memset(s, 0, sizeof(*s));
	for (k = 0; k < FP_HEX_LEN; k++) {
		int c = hex[k], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return -1;
		i = 3 - k / 16;
		s->w[i] = s->w[i] << 4 | (uint64_t)v;
	}
	return 0;
}

/* ---- hashing rows --------------------------------------------------- */

struct fp_hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

struct fp_hasher *fp_hasher_new(void)
{
	struct fp_hasher *h = xcalloc(1, sizeof(*h));

	/* Fetched once: EVP_sha256() would look the provider up per row. */
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx)
		die("OpenSSL cannot set up SHA-256 (out of memory?)");
	return h;
}

void fp_hasher_row(struct fp_hasher *h, struct fp_sum *s, const void *row,
		   size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_DigestInit_ex2(h->ctx, h->md, NULL) ||
	    !EVP_DigestUpdate(h->ctx, row, len) ||
	    !EVP_DigestFinal_ex(h->ctx, md, &n) || n != 32)
		die("OpenSSL cannot compute SHA-256 (out of memory?)");
	fp_sum_add_hash(s, md);
}

void fp_hasher_free(struct fp_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

/* ---- selection ------------------------------------------------------ */

int fp_pattern_match(const char *pattern, const char *schema,
		     const char *table)
{
	struct strbuf full = STRBUF_INIT;
	int r;

	if (!strchr(pattern, '.'))
		return !fnmatch(pattern, table, 0);
	strbuf_addf(&full, "%s.%s", schema, table);
	r = !fnmatch(pattern, full.buf, 0);
	strbuf_release(&full);
	return r;
}

/* ---- the model ------------------------------------------------------ */

struct fp_table *fingerprint_add_table(struct fingerprint *fp,
				       const char *name)
{
	struct fp_table *t;

	XGROW(fp->tables, fp->nr + 1, fp->alloc);
	t = &fp->tables[fp->nr++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	return t;
}

struct fp_sequence *fingerprint_add_sequence(struct fingerprint *fp,
					    const char *name, const char *value)
{
	struct fp_sequence *s;

	XGROW(fp->seqs, fp->nseq + 1, fp->seqalloc);
	s = &fp->seqs[fp->nseq++];
	s->name = xstrdup(name);
	s->value = xstrdup(value);
	s->state = NULL;
	return s;
}

/* One identifier as quote_ident() writes it, unquoted into `out`. */
static const char *split_ident(const char *p, struct strbuf *out)
{
	strbuf_reset(out);
	if (*p != '"') {
		while (*p && *p != '.')
			strbuf_addch(out, *p++);
		return p;
	}
	for (p++; *p; p++) {
		if (*p == '"' && p[1] == '"')
			p++;
		else if (*p == '"')
			return p + 1;
		strbuf_addch(out, *p);
	}
	return NULL;
}

int fp_name_split(const char *name, struct strbuf *schema,
		  struct strbuf *table)
{
	const char *p = split_ident(name, schema);

	if (!p || *p != '.' || !schema->len)
		return -1;
	p = split_ident(p + 1, table);
	return p && !*p && table->len ? 0 : -1;
}

void fingerprint_add_excluded(struct fingerprint *fp, const char *name,
			      const char *reason)
{
	struct fp_excluded *e;

	XGROW(fp->excluded, fp->nexcl + 1, fp->exclalloc);
	e = &fp->excluded[fp->nexcl++];
	e->name = xstrdup(name);
	e->reason = xstrdup(reason ? reason : "");
}

static int cmp_table(const void *a, const void *b)
{
	return strcmp(((const struct fp_table *)a)->name,
		      ((const struct fp_table *)b)->name);
}

static int cmp_seq(const void *a, const void *b)
{
	return strcmp(((const struct fp_sequence *)a)->name,
		      ((const struct fp_sequence *)b)->name);
}

void fingerprint_sort(struct fingerprint *fp)
{
	if (fp->nr)
		qsort(fp->tables, fp->nr, sizeof(*fp->tables), cmp_table);
	if (fp->nseq)
		qsort(fp->seqs, fp->nseq, sizeof(*fp->seqs), cmp_seq);
}

void fingerprint_release(struct fingerprint *fp)
{
	size_t i;

	for (i = 0; i < fp->nr; i++)
		free(fp->tables[i].name);
	for (i = 0; i < fp->nseq; i++) {
		free(fp->seqs[i].name);
		free(fp->seqs[i].value);
		free(fp->seqs[i].state);
	}
	for (i = 0; i < fp->nexcl; i++) {
		free(fp->excluded[i].name);
		free(fp->excluded[i].reason);
	}
	free(fp->tables);
	free(fp->seqs);
	free(fp->excluded);
	memset(fp, 0, sizeof(*fp));
}

long long fingerprint_rows(const struct fingerprint *fp)
{
	long long n = 0;
	size_t i;

	for (i = 0; i < fp->nr; i++)
		n += fp->tables[i].rows;
	return n;
}

void fp_table_schema_hex(const struct fp_table *t, char hex[FP_HEX_LEN + 1])
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s\n%s\n%s\n", t->columns, t->constraints,
		    t->indexes);
	sha256_hex(sb.buf, sb.len, hex);
	strbuf_release(&sb);
}

json_t *fingerprint_to_json(const struct fingerprint *fp)
{
	json_t *j = json_object(), *tables = json_array(), *seqs = json_array(),
	       *excl = json_array();
	char hex[FP_HEX_LEN + 1];
	size_t i;

	for (i = 0; i < fp->nr; i++) {
		const struct fp_table *t = &fp->tables[i];
		json_t *o = json_object();

		fp_sum_hex(&t->sum, hex);
		json_object_set_new(o, "table", json_string(t->name));
		json_object_set_new(o, "rows", json_integer(t->rows));
		json_object_set_new(o, "digest", json_string(hex));
		json_object_set_new(o, "columns", json_string(t->columns));
		json_object_set_new(o, "constraints",
				    json_string(t->constraints));
		json_object_set_new(o, "indexes", json_string(t->indexes));
		json_array_append_new(tables, o);
	}
	for (i = 0; i < fp->nseq; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "sequence", json_string(fp->seqs[i].name));
		json_object_set_new(o, "value", json_string(fp->seqs[i].value));
		if (fp->seqs[i].state)
			json_object_set_new(o, "state",
					    json_string(fp->seqs[i].state));
		json_array_append_new(seqs, o);
	}
	for (i = 0; i < fp->nexcl; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "table",
				    json_string(fp->excluded[i].name));
		json_object_set_new(o, "reason",
				    json_string(fp->excluded[i].reason));
		json_array_append_new(excl, o);
	}
	json_object_set_new(j, "tables", tables);
	json_object_set_new(j, "sequences", seqs);
	json_object_set_new(j, "excluded", excl);
	return j;
}

/*
 * The JSON form read back (fingerprint_to_json's keys), one table: bound
 * leniently, a member of the wrong type reading as absent, which the
 * rules below refuse as the form's own reader always did. A sequence's
 * "state" is optional but never of another type: its list is also
 * bound strictly (fpj_seqs_schema) to find the first such item.
 */
struct fpj_table {
	const char *table, *digest, *columns, *constraints, *indexes;
	struct schema_int rows;
};

struct fpj_seq {
	const char *sequence, *value, *state;
};

struct fpj_excl {
	const char *table, *reason;
};

struct fpj {
	struct fpj_table *tables;
	size_t ntables;
	struct fpj_seq *seqs;       /* non-NULL: an array */
	size_t nseqs;
	struct fpj_excl *excl;
	size_t nexcl;
};

#define FPJ(st, k, t, m) { .key = k, .type = t, .off = offsetof(st, m) }
static const struct schema_field fpj_table_fields[] = {
	FPJ(struct fpj_table, "table", SCHEMA_STR, table),
	FPJ(struct fpj_table, "rows", SCHEMA_INT, rows),
	FPJ(struct fpj_table, "digest", SCHEMA_STR, digest),
	FPJ(struct fpj_table, "columns", SCHEMA_STR, columns),
	FPJ(struct fpj_table, "constraints", SCHEMA_STR, constraints),
	FPJ(struct fpj_table, "indexes", SCHEMA_STR, indexes),
	{ .key = NULL },
};
static const struct schema_field fpj_seq_fields[] = {
	FPJ(struct fpj_seq, "sequence", SCHEMA_STR, sequence),
	FPJ(struct fpj_seq, "value", SCHEMA_STR, value),
	FPJ(struct fpj_seq, "state", SCHEMA_STR, state),
	{ .key = NULL },
};
static const struct schema_field fpj_excl_fields[] = {
	FPJ(struct fpj_excl, "table", SCHEMA_STR, table),
	FPJ(struct fpj_excl, "reason", SCHEMA_STR, reason),
	{ .key = NULL },
};
#undef FPJ

static const struct schema fpj_table_schema = {
	.what = "table", .fields = fpj_table_fields,
	.size = sizeof(struct fpj_table),
};
static const struct schema fpj_seq_schema = {
	.what = "sequence", .fields = fpj_seq_fields,
	.size = sizeof(struct fpj_seq),
};
static const struct schema fpj_excl_schema = {
	.what = "excluded", .fields = fpj_excl_fields,
	.size = sizeof(struct fpj_excl),
};
static const struct schema_field fpj_table_item = { .type = SCHEMA_OBJ,
	.obj = &fpj_table_schema };
static const struct schema_field fpj_seq_item = { .type = SCHEMA_OBJ,
	.obj = &fpj_seq_schema };
static const struct schema_field fpj_excl_item = { .type = SCHEMA_OBJ,
	.obj = &fpj_excl_schema };

static const struct schema_field fpj_fields[] = {
	{ .key = "tables", .type = SCHEMA_LIST, .item = &fpj_table_item,
	  .off = offsetof(struct fpj, tables),
	  .off2 = offsetof(struct fpj, ntables) },
	{ .key = "sequences", .type = SCHEMA_LIST, .item = &fpj_seq_item,
	  .off = offsetof(struct fpj, seqs),
	  .off2 = offsetof(struct fpj, nseqs) },
	{ .key = "excluded", .type = SCHEMA_LIST, .item = &fpj_excl_item,
	  .off = offsetof(struct fpj, excl),
	  .off2 = offsetof(struct fpj, nexcl) },
	{ .key = NULL },
};
static const struct schema fpj_schema = {
	.what = "fingerprint", .fields = fpj_fields,
	.size = sizeof(struct fpj),
};

/* The sequences alone, bound strictly: fails at an item of wrong types. */
static const struct schema_field fpj_seqs_fields[] = {
	{ .key = "sequences", .type = SCHEMA_LIST, .item = &fpj_seq_item,
	  .off = offsetof(struct fpj, seqs),
	  .off2 = offsetof(struct fpj, nseqs) },
	{ .key = NULL },
};
static const struct schema fpj_seqs_schema = {
	.what = "fingerprint", .fields = fpj_seqs_fields,
	.size = sizeof(struct fpj),
};

/*
 * The index of the first sequence with a member of the wrong type (or
 * that is no object), or (size_t)-1: the strict binding stops there,
 * its count saying where.
 */
static size_t fpj_first_bad_seq(json_t *j)
{
	struct fpj strict;
	struct error err = ERROR_INIT;
	size_t bad = (size_t)-1;

	memset(&strict, 0, sizeof(strict));
	if (schema_bind(&fpj_seqs_schema, j, &strict, "fingerprint", &err) < 0
	    && strict.nseqs)
		bad = strict.nseqs - 1;
	schema_release(&fpj_seqs_schema, &strict);
	error_release(&err);
	return bad;
}

static int copy_hex(char dst[FP_HEX_LEN + 1], const char *s)
{
	struct fp_sum dummy;

	if (!s || fp_sum_parse(&dummy, s) < 0)
		return -1;
	memcpy(dst, s, FP_HEX_LEN + 1);
	return 0;
}

static int fpj_apply(struct fingerprint *fp, const struct fpj *f,
		     size_t bad_seq, struct error *err)
{
	size_t i;

	for (i = 0; i < f->ntables; i++) {
		const struct fpj_table *v = &f->tables[i];
		struct fp_table *t;

		if (!v->table || !v->rows.set)
			return error_set(err, "fingerprint: tables[%zu] has no "
					 "table name or row count", i);
		t = fingerprint_add_table(fp, v->table);
		t->rows = v->rows.v;
		if (fp_sum_parse(&t->sum, v->digest) < 0 ||
		    copy_hex(t->columns, v->columns) < 0 ||
		    copy_hex(t->constraints, v->constraints) < 0 ||
		    copy_hex(t->indexes, v->indexes) < 0)
			return error_set(err, "fingerprint: table %s has a "
					 "malformed digest", v->table);
	}
	for (i = 0; i < f->nseqs; i++) {
		const struct fpj_seq *v = &f->seqs[i];

		if (!v->sequence || !v->value || i == bad_seq)
			return error_set(err, "fingerprint: sequences[%zu] is "
					 "malformed", i);
		if (v->state)
			fingerprint_add_sequence(fp, v->sequence, v->value)->state =
				xstrdup(v->state);
		else
			fingerprint_add_sequence(fp, v->sequence, v->value);
	}
	for (i = 0; i < f->nexcl; i++) {
		if (!f->excl[i].table)
			return error_set(err, "fingerprint: excluded[%zu] is "
					 "malformed", i);
		fingerprint_add_excluded(fp, f->excl[i].table, f->excl[i].reason);
	}
	return 0;
}

int fingerprint_from_json(struct fingerprint *fp, json_t *j,
			  struct error *err)
{
	struct fpj f;
	int ret;

	if (!json_is_object(j))
		return error_set(err, "fingerprint: not an object");
	memset(&f, 0, sizeof(f));
	schema_bind_lenient(&fpj_schema, j, &f);
	ret = fpj_apply(fp, &f, f.seqs ? fpj_first_bad_seq(j) : (size_t)-1,
			err);
	schema_release(&fpj_schema, &f);
	if (ret < 0)
		return -1;
	fingerprint_sort(fp);
	return 0;
}

/* ---- comparing ------------------------------------------------------ */

static int is_excluded(const struct fingerprint *fp, const char *name)
{
	size_t i;

	for (i = 0; i < fp->nexcl; i++)
		if (!strcmp(fp->excluded[i].name, name))
			return 1;
	return 0;
}

static const char *declared(const struct schema_kv *may, const char *name)
{
	struct strbuf schema = STRBUF_INIT, table = STRBUF_INIT;
	const char *r = NULL;
	size_t i;

	if (may && fp_name_split(name, &schema, &table) == 0) {
		for (i = 0; i < may->keys.nr && !r; i++)
			if (fp_pattern_match(may->keys.v[i], schema.buf,
					     table.buf))
				r = may->vals.v[i];
	} else if (may) {
		/* A whole-database entry, "(large objects)": named exactly. */
		for (i = 0; i < may->keys.nr && !r; i++)
			if (!strcmp(may->keys.v[i], name))
				r = may->vals.v[i];
	}
	strbuf_release(&schema);
	strbuf_release(&table);
	return r;
}

static unsigned seq_diff(const struct fp_sequence *a,
			 const struct fp_sequence *b)
{
	if (strcmp(a->value, b->value))
		return FP_VALUE;
	return a->state && b->state && strcmp(a->state, b->state) ?
	       FP_VALUE : 0;
}

static struct fp_diff *push(struct fp_diff **out, size_t *n, size_t *alloc)
{
	XGROW(*out, *n + 1, *alloc);
	memset(&(*out)[*n], 0, sizeof(**out));
	return &(*out)[(*n)++];
}

static unsigned table_diff(const struct fp_table *a, const struct fp_table *b)
{
	unsigned w = 0;

	if (a->rows != b->rows)
		w |= FP_ROWS;
	if (memcmp(&a->sum, &b->sum, sizeof(a->sum)))
		w |= FP_CONTENTS;
	if (strcmp(a->columns, b->columns))
		w |= FP_COLUMNS;
	if (strcmp(a->constraints, b->constraints))
		w |= FP_CONSTRAINTS;
	if (strcmp(a->indexes, b->indexes))
		w |= FP_INDEXES;
	return w;
}

void fingerprint_compare(const struct fingerprint *before,
			 const struct fingerprint *after,
			 const struct schema_kv *may_differ,
			 struct fp_diff **out, size_t *n)
{
	size_t i = 0, j = 0, alloc = 0;
	struct fp_diff *d;

	*out = NULL;
	*n = 0;
	/* Both sorted by name: one merge walk. */
	while (i < before->nr || j < after->nr) {
		const struct fp_table *a = i < before->nr ? &before->tables[i] : NULL;
		const struct fp_table *b = j < after->nr ? &after->tables[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);
		const char *name = c <= 0 ? a->name : b->name;

		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
		if (is_excluded(before, name) || is_excluded(after, name))
			continue;
		d = push(out, n, &alloc);
		d->name = name;
		d->before = c <= 0 ? a : NULL;
		d->after = c >= 0 ? b : NULL;
		d->what = c < 0 ? FP_MISSING : c > 0 ? FP_ADDED : table_diff(a, b);
		d->expected = declared(may_differ, name);
	}
	i = j = 0;
	while (i < before->nseq || j < after->nseq) {
		const struct fp_sequence *a = i < before->nseq ? &before->seqs[i] : NULL;
		const struct fp_sequence *b = j < after->nseq ? &after->seqs[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->name, b->name);

		d = push(out, n, &alloc);
		d->sequence = 1;
		d->name = c <= 0 ? a->name : b->name;
		d->sbefore = c <= 0 ? a : NULL;
		d->safter = c >= 0 ? b : NULL;
		d->what = c < 0 ? FP_MISSING : c > 0 ? FP_ADDED :
			  seq_diff(a, b);
		d->expected = declared(may_differ, d->name);
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
}

void fp_diff_text(const struct fp_diff *d, struct strbuf *sb)
{
	size_t start = sb->len;

	if (!d->what) {
		strbuf_adds(sb, "identical");
		return;
	}
	if (d->what & FP_MISSING) {
		strbuf_adds(sb, d->sequence ? "sequence missing" :
			    "table missing");
		if (d->before && !d->sequence)
			strbuf_addf(sb, " (had %lld rows)", d->before->rows);
		return;
	}
	if (d->what & FP_ADDED) {
		strbuf_adds(sb, d->sequence ? "sequence not there before" :
			    "table not there before");
		return;
	}
	if (d->what & FP_VALUE) {
		if (strcmp(d->sbefore->value, d->safter->value))
			strbuf_addf(sb, "value %s → %s", d->sbefore->value,
				    d->safter->value);
		else
			strbuf_addf(sb, "value %s, but state %s → %s",
				    d->safter->value, d->sbefore->state,
				    d->safter->state);
		return;
	}
	if (d->what & FP_ROWS)
		strbuf_addf(sb, "rows %lld → %lld", d->before->rows,
			    d->after->rows);
	if (d->what & FP_CONTENTS)
		strbuf_addf(sb, "%scontents changed", sb->len > start ? ", " : "");
	if (d->what & (FP_COLUMNS | FP_CONSTRAINTS | FP_INDEXES)) {
		const char *sep = "";

		strbuf_addf(sb, "%sschema changed (", sb->len > start ? ", " : "");
		if (d->what & FP_COLUMNS) {
			strbuf_adds(sb, "columns");
			sep = ", ";
		}
		if (d->what & FP_CONSTRAINTS) {
			strbuf_addf(sb, "%sconstraints", sep);
			sep = ", ";
		}
		if (d->what & FP_INDEXES)
			strbuf_addf(sb, "%sindexes", sep);
		strbuf_addch(sb, ')');
	}
}
