#include "checksum.h"
#include "drill.h"
#include "error.h"
#include "schema.h"
#include "journal.h"
#include "step.h"
#include "words.h"
#include "report.h"
#include "fsutil.h"
#include "markdown.h"
#include "secret.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

#include <limits.h>
#include <string.h>

/*
 * The seed's `sha256sum * > SHA256SUMS`, as evidence: every file of the
 * backup set hashed (in parallel), the SHA256SUMS written beside them in
 * the format `sha256sum -c` reads, and each hash in the journal.
 */
struct checksum_params {
	const char *dir;
	struct strvec files;
	const char *output;
};

#define F(m) offsetof(struct checksum_params, m)

static const struct schema_field f_name = { .type = SCHEMA_STR,
					    .flags = SCHEMA_NONEMPTY };

static const struct schema_field checksum_fields[] = {
	{ .key = "dir", .type = SCHEMA_STR, .flags = SCHEMA_REQ | SCHEMA_NONEMPTY,
	  .off = F(dir) },
	{ .key = "files", .type = SCHEMA_LIST, .flags = SCHEMA_NONEMPTY,
	  .item = &f_name, .off = F(files),
	  .help = "names relative to dir; omit for every file" },
	{ .key = "output", .type = SCHEMA_STR, .flags = SCHEMA_NONEMPTY,
	  .off = F(output), .def = "\"SHA256SUMS\"",
	  .help = "SHA256SUMS; relative to dir, or an absolute path" },
	{ NULL },
};

static const struct schema checksum_schema = {
	"checksum", checksum_fields, sizeof(struct checksum_params), 0, NULL };

static const struct schema_field step_fields[] = {
	{ .key = "checksum", .type = SCHEMA_OBJ, .obj = &checksum_schema },
	{ NULL },
};

static const char *const selectors[] = { "checksum", NULL };

static void checksum_describe(const struct drill_step *s, struct strbuf *out)
{
	const struct checksum_params *p = s->params;

	strbuf_addf(out, "SHA-256 of %s in %s -> %s",
		    p->files.nr ? "the listed files" : "every file", p->dir,
		    p->output);
}

/*
 * The step's SHA256SUMS, copied into the bundle (steps/NN-ID.sha256, the
 * lines `sha256sum -c` reads): the checksum file itself lies in the
 * backup directory, outside the seal. Named in the record with its
 * SHA-256 ("sums_copy"), so verify re-hashes it; the report links it
 * when it lists only the backup items' files. A write that fails is
 * said in the record and the report lists every file.
 */
static void keep_sums(struct step_ctx *sc, const struct checksum_set *set)
{
	struct strbuf text = STRBUF_INIT;

	checksum_format_sums(&text, set);
	step_keep_file(sc, "sha256", "sums_copy", &text);
	strbuf_release(&text);
}

static int checksum_run(struct step_ctx *sc, struct error *err)
{
	const struct checksum_params *p = STEP_PARAMS(sc, struct checksum_params);
	json_t *ev = json_object(), *arr = json_array();
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	long long left = deadline_left_ms(&sc->deadline);
	/* checksum.h counts whole seconds, 0 none: round up, at least 1. */
	long long secs = left < 0 ? 0 : left ? (left + 999) / 1000 : 1;
	unsigned timeout_s = secs > UINT_MAX ? UINT_MAX : (unsigned)secs;
	unsigned long long total = 0;
	size_t i;
	int ret = -1;

	/* output: relative to dir, or an absolute path honoured as it is. */
	if (p->output[0] == '/')
		strbuf_adds(&path, p->output);
	else
		strbuf_addf(&path, "%s/%s", p->dir, p->output);
	/* Stopped, it writes no SHA256SUMS: half a set is no evidence. */
	if (checksum_files_until(p->dir, p->files.nr ? p->files.v : NULL,
				 path.buf, 0, sc->cancel, timeout_s, &set,
				 err) < 0)
		goto out;
	if (checksum_write_sums(path.buf, &set, err) < 0)
		goto out;
	keep_sums(sc, &set);
	for (i = 0; i < set.nr; i++) {
		json_t *e = json_object(), *name = json_string(set.v[i].name);
		json_object_set_new(e, "name", name ? name :
				    json_string("(name not valid UTF-8)"));
		json_object_set_new(e, "size",
				    json_integer((json_int_t)set.v[i].size));
		json_object_set_new(e, "sha256", json_string(set.v[i].hex));
		json_array_append_new(arr, e);
		total += set.v[i].size;
	}
	json_object_set_new(ev, "checksums", arr);
	arr = NULL;
	json_object_set_new(ev, "sums_file", json_string(path.buf));
	json_object_set_new(ev, "bytes", json_integer((json_int_t)total));
	strbuf_addf(&sb, "%zu", set.nr);
	step_check(sc, "files hashed", p->files.nr ? "every listed file" :
		   "at least 1", sb.buf, set.nr > 0);
	ret = 0;
out:
	json_decref(arr);
	json_object_set_new(sc->rec, "evidence", ev);
	checksum_set_release(&set);
	strbuf_release(&path);
	strbuf_release(&sb);
	return ret;
}

/*
 * What checksum_view reads of its record (view_record): the files
 * hashed, the checksum file written, and the bundle's copy of it.
 */
struct ck_file {
	const char *name, *sha256;
	struct schema_int size;
	json_t *size_json;      /* "size" as recorded: the row shows it so */
};

static const struct schema_field ck_file_fields[] = {
	{ .key = "name", .type = SCHEMA_STR,
	  .off = offsetof(struct ck_file, name) },
	{ .key = "size", .type = SCHEMA_INT,
	  .off = offsetof(struct ck_file, size) },
	{ .key = "size", .type = SCHEMA_STR, .flags = SCHEMA_RAW,
	  .off = offsetof(struct ck_file, size_json) },
	{ .key = "sha256", .type = SCHEMA_STR,
	  .off = offsetof(struct ck_file, sha256) },
	{ .key = NULL },
};
static const struct schema ck_file_schema = {
	.what = "file", .fields = ck_file_fields,
	.size = sizeof(struct ck_file),
};

struct ck_evidence {
	struct ck_file *checksums;  /* non-NULL: an array (maybe empty) */
	size_t nchecksums;
	const char *sums_file;
};

static const struct schema_field ck_file_item = { .type = SCHEMA_OBJ,
	.obj = &ck_file_schema };

static const struct schema_field ck_evidence_fields[] = {
	{ .key = "checksums", .type = SCHEMA_LIST, .item = &ck_file_item,
	  .off = offsetof(struct ck_evidence, checksums),
	  .off2 = offsetof(struct ck_evidence, nchecksums) },
	{ .key = "sums_file", .type = SCHEMA_STR,
	  .off = offsetof(struct ck_evidence, sums_file) },
	{ .key = NULL },
};
static const struct schema ck_evidence_schema = {
	.what = "evidence", .fields = ck_evidence_fields,
	.size = sizeof(struct ck_evidence),
};

struct ck_copy {
	const char *path;
};

static const struct schema_field ck_copy_fields[] = {
	{ .key = "path", .type = SCHEMA_STR,
	  .off = offsetof(struct ck_copy, path) },
	{ .key = NULL },
};
static const struct schema ck_copy_schema = {
	.what = "sums_copy", .fields = ck_copy_fields,
	.size = sizeof(struct ck_copy),
};

struct ck_view {
	struct ck_evidence *evidence;
	struct ck_copy *sums_copy;
};

static const struct schema_field ck_view_fields[] = {
	{ .key = "evidence", .type = SCHEMA_OBJ, .obj = &ck_evidence_schema,
	  .off = offsetof(struct ck_view, evidence) },
	{ .key = "sums_copy", .type = SCHEMA_OBJ, .obj = &ck_copy_schema,
	  .off = offsetof(struct ck_view, sums_copy) },
	{ .key = NULL },
};
static const struct schema ck_view_schema = {
	.what = "checksum record", .fields = ck_view_fields,
	.size = sizeof(struct ck_view),
};

/* A name as the evidence gives it: "" when it is not text. */
static const char *ck_name(const struct ck_file *c)
{
	return c->name ? c->name : "";
}

/* An item's artifact among the files hashed: its size on page 1. */
static void item_sizes(const struct drill *d, json_t *report,
		       const struct ck_evidence *ev)
{
	json_t *items = json_object_get(report, "backup_set"), *it;
	size_t i, j;

	for (i = 0; i < d->nitems; i++) {
		const char *art = d->items[i].artifact, *base;

		it = json_array_get(items, i);
		if (!art || !it ||
		    json_is_string(json_object_get(it, "size_text")))
			continue;
		base = strrchr(art, '/');
		base = base ? base + 1 : art;
		for (j = 0; j < ev->nchecksums; j++) {
			struct strbuf sb = STRBUF_INIT;
			const struct ck_file *c = &ev->checksums[j];
			const char *name = ck_name(c);
			if (!*base || (strcmp(name, base) && strcmp(name, art)))
				continue;
			words_size(&sb, (unsigned long long)(c->size.set ?
							     c->size.v : 0));
			report_view_str(it, "size_text", sb.buf);
			strbuf_release(&sb);
			break;
		}
	}
}

/*
 * Past this many files a step's files are not each a row of the report:
 * a backup directory of thousands of files would fill pages. Its backup
 * items' files stay rows; every file is in the bundle's copy of the
 * checksum file, linked.
 */
#define CHECKSUM_LISTED 20

/* Is `name` (a file hashed) a backup item's artifact? */
static int is_artifact(const struct drill *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nitems; i++) {
		const char *art = d->items[i].artifact, *base;

		if (!art)
			continue;
		base = strrchr(art, '/');
		base = base ? base + 1 : art;
		if (*base && (!strcmp(name, base) || !strcmp(name, art)))
			return 1;
	}
	return 0;
}

/* "Step X hashed N files", with the link to the bundle's copy. */
static void listed_in_bundle(const struct step_view *v,
			     const struct ck_copy *copy, size_t n)
{
	json_t *arr = json_object_get(v->report, "checksum_files"), *o;
	struct strbuf href = STRBUF_INIT;

	if (!arr) {
		arr = json_array();
		json_object_set_new(v->report, "checksum_files", arr);
	}
	o = json_object();
	json_object_set(o, "step", json_object_get(v->vs, "title"));
	json_object_set_new(o, "count", json_integer((json_int_t)n));
	report_view_data(o, "path", copy->path);
	markdown_link_dest(&href, copy->path);
	report_view_data(o, "href", href.buf);
	json_array_append_new(arr, o);
	strbuf_release(&href);
}

/*
 * The report's table of the files hashed ("has_checksums", "checksums"
 * {name, size, sha256}, "sums_file"), all steps' together, and each
 * backup item's size. A step of more than CHECKSUM_LISTED files (and
 * its copy in the bundle) shows its backup items' files and links the
 * rest ("checksum_files").
 */
static void checksum_view(const struct step_view *v)
{
	const struct ck_view *vr = v->vr;
	const struct ck_evidence *ev = vr ? vr->evidence : NULL;
	const struct ck_copy *copy = vr ? vr->sums_copy : NULL;
	json_t *out = json_object_get(v->report, "checksums");
	int brief;
	size_t i;

	if (!ev || !ev->checksums)
		return;
	brief = ev->nchecksums > CHECKSUM_LISTED && copy && copy->path;
	if (!out) {
		out = json_array();
		json_object_set_new(v->report, "checksums", out);
	}
	for (i = 0; i < ev->nchecksums; i++) {
		const struct ck_file *c = &ev->checksums[i];
		json_t *o;

		if (brief && !is_artifact(v->drill, ck_name(c)))
			continue;
		o = json_object();
		report_view_data(o, "name", c->name);
		if (c->size_json)
			json_object_set(o, "size", c->size_json);
		report_view_data(o, "sha256", c->sha256);
		json_array_append_new(out, o);
	}
	if (brief)
		listed_in_bundle(v, copy, ev->nchecksums);
	if (json_array_size(out) || brief)
		json_object_set_new(v->report, "has_checksums", json_true());
	json_object_set_new(v->report, "has_checksum_rows",
			    json_boolean(json_array_size(out) > 0));
	report_view_data(v->report, "sums_file", ev->sums_file);
	report_view_code(v->report, "sums_file");
	item_sizes(v->drill, v->report, ev);
}

static const struct words checksum_words[] = {
	{ NULL, "SHA-256 of the listed files in {} -> {}",
	  "对 {} 中列出的文件计算 SHA-256 -> {}" },
	{ NULL, "SHA-256 of every file in {} -> {}",
	  "对 {} 中的每个文件计算 SHA-256 -> {}" },
	{ NULL, "files hashed", "已计算哈希的文件" },
	{ NULL, "every listed file", "列出的全部文件" },
	{ "files hashed", "{n}", "{n}" },
	WORDS_END
};

const struct step_kind step_kind_checksum = {
	.name = "checksum",
	.selectors = selectors,
	.noun = "checksum steps",
	.fields = step_fields,
	.params = &checksum_schema,
	.params_key = "checksum",
	.describe = checksum_describe,
	.run = checksum_run,
	.view = checksum_view,
	.view_record = &ck_view_schema,
	.words = checksum_words,
};
