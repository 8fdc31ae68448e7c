#include "checksum.h"
#include "error.h"
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
int step_checksum(struct step_ctx *sc, struct error *err)
{
	json_t *p = step_params(sc), *files = json_object_get(p, "files"), *v;
	json_t *ev = json_object(), *arr = json_array();
	struct checksum_set set = CHECKSUM_SET_INIT;
	struct strvec names = STRVEC_INIT;
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	const char *dir = json_string_value(json_object_get(p, "dir"));
	const char *output = json_string_value(json_object_get(p, "output"));
	json_int_t t = json_integer_value(json_object_get(sc->step,
							  "timeout_s"));
	unsigned timeout_s = t <= 0 ? 0 : t > UINT_MAX ? UINT_MAX : (unsigned)t;
	unsigned long long total = 0;
	size_t i;
	int ret = -1;

	json_array_foreach(files, i, v)
		strvec_push(&names, json_string_value(v));
	strbuf_addf(&path, "%s/%s", dir, output);
	/* Stopped, it writes no SHA256SUMS: half a set is no evidence. */
	if (checksum_files_until(dir, files ? names.v : NULL, path.buf, 0,
				 sc->cancel, timeout_s, &set, err) < 0)
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
	step_check(sc, "files hashed", files ? "every listed file" :
		   "at least 1", sb.buf, set.nr > 0);
	ret = 0;
out:
	json_decref(arr);
	json_object_set_new(sc->rec, "evidence", ev);
	checksum_set_release(&set);
	strvec_clear(&names);
	strbuf_release(&path);
	strbuf_release(&sb);
	return ret;
}
