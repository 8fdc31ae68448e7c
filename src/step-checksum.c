#include "checksum.h"
#include "drill.h"
#include "error.h"
#include "schema.h"
#include "step.h"
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

static int checksum_run(struct step_ctx *sc, struct error *err)
{
	const struct checksum_params *p = STEP_PARAMS(sc, struct checksum_params);
	json_t *ev = json_object(), *arr = json_array();
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	long t = sc->step->timeout_s;
	unsigned timeout_s = t <= 0 ? 0 : (unsigned long)t > UINT_MAX ?
			     UINT_MAX : (unsigned)t;
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

const struct step_kind step_kind_checksum = {
	.name = "checksum",
	.selectors = selectors,
	.noun = "checksum steps",
	.fields = step_fields,
	.params = &checksum_schema,
	.params_key = "checksum",
	.describe = checksum_describe,
	.run = checksum_run,
};
