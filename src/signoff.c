#include "signoff.h"
#include "clock.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "report.h"
#include "seal.h"
#include "sha256.h"
#include "sign.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIGNOFF_FILE SEAL_SIGNOFF_FILE
#define SIGNOFF_MAX (4 << 20)
#define SIGNED_MD SEAL_SIGNED_MD
#define SIGNED_HTML SEAL_SIGNED_HTML

static int read_opt(const char *dir, const char *name, struct strbuf *sb,
		    size_t max, int *exists, struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	*exists = access(path.buf, F_OK) == 0;
	if (*exists && strbuf_read_file(sb, path.buf, max) < 0)
		ret = error_errno(err, "cannot read %s", path.buf);
	strbuf_release(&path);
	return ret;
}

/* The bytes a sign-off's signature covers: the record without "sig". */
static char *signed_text(json_t *rec)
{
	json_t *c = json_copy(rec);
	char *s;

	json_object_del(c, "sig");
	s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(c);
	if (!s)
		die("out of memory");
	return s;
}

/* Lines of signoff.jsonl, each parsed; the last line's hash in `head`. */
static json_t *parse_lines(const char *buf, size_t len, char *head,
			   struct strvec *problems)
{
	json_t *arr = json_array();
	size_t off = 0, line = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		json_error_t jerr;
		json_t *rec;
		char prev[SHA256_HEX_LEN + 1];

		line++;
		if (!nl) {
			strvec_pushf(problems, SIGNOFF_FILE ":%zu: no newline at "
				     "the end of the last record", line);
			break;
		}
		rec = json_loadb(buf + off, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(rec)) {
			strvec_pushf(problems, SIGNOFF_FILE ":%zu: not a JSON "
				     "object", line);
			json_decref(rec);
			json_decref(arr);
			return NULL;
		}
		sha256_hex(buf + off, n, prev);
		/* Checked against the next record's prev by the caller. */
		json_object_set_new(rec, "_hash", json_string(prev));
		json_array_append_new(arr, rec);
		if (head)
			memcpy(head, prev, sizeof(prev));
		off += n + 1;
	}
	return arr;
}

json_t *signoff_read(const char *dir, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct strvec problems = STRVEC_INIT;
	json_t *arr, *r;
	size_t i;
	int exists;

	if (read_opt(dir, SIGNOFF_FILE, &sb, SIGNOFF_MAX, &exists, err) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	arr = parse_lines(sb.buf, sb.len, NULL, &problems);
	if (!arr || problems.nr) {
		error_set(err, "%s", problems.nr ? problems.v[0] :
			  SIGNOFF_FILE ": unreadable");
		json_decref(arr);
		arr = NULL;
	}
	json_array_foreach(arr, i, r)
		json_object_del(r, "_hash");
	strvec_clear(&problems);
	strbuf_release(&sb);
	return arr;
}

static int seal_hash(const char *dir, char out[SHA256_HEX_LEN + 1],
		     struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret;

	strbuf_addf(&path, "%s/SEAL", dir);
	ret = sha256_file_hex(path.buf, out, NULL, err);
	strbuf_release(&path);
	return ret;
}

/* report.signed.md and .html from the journal and the sign-offs. */
static int render_signed(const char *dir, json_t *signoffs, const char *lang,
			 struct strbuf *md, struct strbuf *html,
			 struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	json_t *records;
	int torn = 0, ret;

	strbuf_addf(&path, "%s/journal.jsonl", dir);
	records = journal_read_verified(path.buf, &torn, err);
	strbuf_release(&path);
	if (!records)
		return -1;
	ret = report_render_signed(records, signoffs, lang, md, html, err);
	json_decref(records);
	return ret;
}

int signoff_append(const char *dir, const char *role, const char *name,
		   const char *comment, const struct sign_key *key,
		   const char *lang, struct error *err)
{
	struct strbuf old = STRBUF_INIT, out = STRBUF_INIT, sb = STRBUF_INIT;
	struct strbuf md = STRBUF_INIT, html = STRBUF_INIT;
	struct strvec problems = STRVEC_INIT;
	char head[SHA256_HEX_LEN + 1], seal[SHA256_HEX_LEN + 1];
	json_t *recs = NULL, *rec = NULL, *r;
	char *text = NULL, *line = NULL;
	size_t i;
	int exists, ret = -1;

	if (seal_hash(dir, seal, err) < 0 ||
	    read_opt(dir, SIGNOFF_FILE, &old, SIGNOFF_MAX, &exists, err) < 0)
		goto out;
	memcpy(head, seal, sizeof(seal));
	recs = parse_lines(old.buf, old.len, head, &problems);
	if (!recs || problems.nr) {
		error_set(err, "%s/%s", dir, problems.nr ? problems.v[0] :
			  SIGNOFF_FILE ": unreadable");
		goto out;
	}
	rec = json_object();
	json_object_set_new(rec, "type", json_string("signoff"));
	json_object_set_new(rec, "seq", json_integer((json_int_t)
						   json_array_size(recs)));
	json_object_set_new(rec, "role", json_string(role));
	json_object_set_new(rec, "name", json_string(name));
	json_object_set_new(rec, "comment", json_string(comment ? comment : ""));
	clock_format_utc_ms(&sb, clock_wall_ms());
	json_object_set_new(rec, "time", json_string(sb.buf));
	json_object_set_new(rec, "seal", json_string(seal));
	json_object_set_new(rec, "prev", json_string(head));
	/* Which rdrill laid report.signed.* out (seal.h: renderer). */
	strbuf_reset(&sb);
	if (report_renderer(&sb, err) < 0)
		goto out;
	json_object_set_new(rec, "renderer", json_string(sb.buf));
	if (key) {
		strbuf_reset(&sb);
		sign_key_public_pem(key, &sb);
		json_object_set_new(rec, "key",
				    json_string(sign_key_fingerprint(key)));
		json_object_set_new(rec, "pub", json_string(sb.buf));
		text = signed_text(rec);
		strbuf_reset(&sb);
		if (sign_data(key, text, strlen(text), &sb, err) < 0)
			goto out;
		{
			struct strbuf hex = STRBUF_INIT;
			for (i = 0; i < sb.len; i++)
				strbuf_addf(&hex, "%02x",
					    (unsigned char)sb.buf[i]);
			json_object_set_new(rec, "sig", json_string(hex.buf));
			strbuf_release(&hex);
		}
	} else {
		json_object_set_new(rec, "key", json_null());
		json_object_set_new(rec, "pub", json_null());
		json_object_set_new(rec, "sig", json_null());
	}
	line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!line)
		die("out of memory");
	json_array_foreach(recs, i, r)
		json_object_del(r, "_hash");
	json_array_append(recs, rec);
	/* Rendered first: a sign-off is never written without its report. */
	if (render_signed(dir, recs, lang, &md, &html, err) < 0)
		goto out;
	strbuf_add(&out, old.buf, old.len);
	strbuf_addf(&out, "%s\n", line);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/" SIGNOFF_FILE, dir);
	if (fs_write_atomic(sb.buf, out.buf, out.len, err) < 0)
		goto out;
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/" SIGNED_MD, dir);
	if (fs_write_atomic(sb.buf, md.buf, md.len, err) < 0)
		goto out;
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/" SIGNED_HTML, dir);
	if (fs_write_atomic(sb.buf, html.buf, html.len, err) < 0)
		goto out;
	ret = 0;
out:
	free(text);
	free(line);
	json_decref(rec);
	json_decref(recs);
	strvec_clear(&problems);
	strbuf_release(&old);
	strbuf_release(&out);
	strbuf_release(&sb);
	strbuf_release(&md);
	strbuf_release(&html);
	return ret;
}

static int is_str(json_t *r, const char *k)
{
	json_t *v = json_object_get(r, k);
	return json_is_string(v) && json_string_length(v) > 0;
}

static int unhex(const char *s, struct strbuf *out)
{
	size_t i, n = strlen(s);

	if (n % 2)
		return -1;
	for (i = 0; i < n; i += 2) {
		unsigned v;
		if (sscanf(s + i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdef", s[i]) ||
		    !strchr("0123456789abcdef", s[i + 1]))
			return -1;
		strbuf_addch(out, (char)v);
	}
	return 0;
}

/* One record: its fields, chain link and signature. */
static void check_one(json_t *r, size_t i, const char *prev, const char *seal,
		      struct seal_check *c)
{
	struct error e = ERROR_INIT;
	json_t *key = json_object_get(r, "key");

	if (strcmp(journal_str(r, "type"), "signoff") ||
	    !json_is_integer(json_object_get(r, "seq")) ||
	    json_integer_value(json_object_get(r, "seq")) != (json_int_t)i ||
	    !is_str(r, "role") || !is_str(r, "name") || !is_str(r, "time") ||
	    !json_is_string(json_object_get(r, "comment"))) {
		strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: not a sign-off "
			     "record (type, seq %zu, role, name, time, comment)",
			     i + 1, i);
		return;
	}
	if (strcmp(journal_str(r, "seal"), seal)) {
		strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: signs another "
			     "SEAL than this bundle's", i + 1);
		return;
	}
	if (strcmp(journal_str(r, "prev"), prev)) {
		strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: the chain is "
			     "broken (prev is not the SHA-256 of %s)", i + 1,
			     i ? "the line before" : "SEAL");
		return;
	}
	if (json_is_null(key)) {
		if (!json_is_null(json_object_get(r, "sig")))
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: a "
				     "signature without a key", i + 1);
		else
			strvec_pushf(&c->notes, SIGNOFF_FILE ":%zu: %s, %s, at %s: "
				     "a typed name, no key", i + 1,
				     journal_str(r, "role"), journal_str(r, "name"),
				     journal_str(r, "time"));
		return;
	}
	{
		struct strbuf sig = STRBUF_INIT;
		char fpr[SHA256_HEX_LEN + 1] = "";
		char *text = signed_text(r);
		const char *pub = journal_str(r, "pub");

		if (!json_is_string(key) || unhex(journal_str(r, "sig"), &sig) < 0)
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: key or "
				     "signature malformed", i + 1);
		else if (sign_verify(pub, strlen(pub), text, strlen(text),
				     sig.buf, sig.len, fpr, &e) < 0)
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: the "
				     "signature does not match: %s", i + 1,
				     e.msg.buf);
		else if (strcmp(fpr, json_string_value(key)))
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: signed by "
				     "key SHA256:%s, the record names %s", i + 1,
				     fpr, json_string_value(key));
		else
			strvec_pushf(&c->notes, SIGNOFF_FILE ":%zu: %s, %s, at %s: "
				     "a good Ed25519 signature by key SHA256:%s",
				     i + 1, journal_str(r, "role"),
				     journal_str(r, "name"), journal_str(r, "time"),
				     fpr);
		free(text);
		strbuf_release(&sig);
	}
	error_release(&e);
}

int signoff_check(const char *dir, const char *lang, struct seal_check *c)
{
	struct strbuf buf = STRBUF_INIT, md = STRBUF_INIT, html = STRBUF_INIT;
	struct strbuf want = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char seal[SHA256_HEX_LEN + 1], prev[SHA256_HEX_LEN + 1];
	json_t *recs = NULL, *r;
	int has_log, has_md, has_html, n = 0;
	size_t i;

	if (read_opt(dir, SIGNOFF_FILE, &buf, SIGNOFF_MAX, &has_log, &e) < 0) {
		strvec_pushf(&c->problems, "%s", e.msg.buf);
		goto out;
	}
	{
		struct strbuf p = STRBUF_INIT;
		strbuf_addf(&p, "%s/" SIGNED_MD, dir);
		has_md = access(p.buf, F_OK) == 0;
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/" SIGNED_HTML, dir);
		has_html = access(p.buf, F_OK) == 0;
		strbuf_release(&p);
	}
	if (!has_log) {
		if (has_md || has_html)
			strvec_push(&c->problems, SIGNED_MD ": a signed report "
				    "without " SIGNOFF_FILE);
		goto out;
	}
	if (seal_hash(dir, seal, &e) < 0) {
		strvec_push(&c->problems, SIGNOFF_FILE ": sign-offs of a bundle "
			    "without a SEAL");
		goto out;
	}
	recs = parse_lines(buf.buf, buf.len, NULL, &c->problems);
	if (!recs)
		goto out;
	memcpy(prev, seal, sizeof(prev));
	json_array_foreach(recs, i, r) {
		char self[SHA256_HEX_LEN + 1];

		snprintf(self, sizeof(self), "%s", journal_str(r, "_hash"));
		json_object_del(r, "_hash");
		check_one(r, i, prev, seal, c);
		memcpy(prev, self, sizeof(prev));
		n++;
	}
	if (!n)
		strvec_push(&c->problems, SIGNOFF_FILE ": empty");
	if (!has_md || !has_html) {
		strvec_push(&c->problems, SIGNED_MD ", " SIGNED_HTML ": missing");
		goto out;
	}
	/*
	 * The signed report was rendered by whoever signed last: under
	 * another renderer a difference says nothing about the sign-offs
	 * (each is checked above by its own signature), so it is a note.
	 */
	{
		struct strbuf ours = STRBUF_INIT;
		json_t *last = json_array_get(recs, json_array_size(recs) - 1);
		const char *theirs = journal_str(last, "renderer");

		if (report_renderer(&ours, &e) < 0 || strcmp(theirs, ours.buf)) {
			strvec_pushf(&c->caveats, SIGNED_MD ", " SIGNED_HTML ": not "
				     "re-checked against the journal and the "
				     "sign-offs: rendered by \"%s\", this is \"%s\"",
				     *theirs ? theirs : "not recorded",
				     ours.len ? ours.buf : "unknown");
			strbuf_release(&ours);
			goto out;
		}
		strbuf_release(&ours);
	}
	if (render_signed(dir, recs, lang, &md, &html, &e) < 0) {
		strvec_pushf(&c->problems, SIGNED_MD ": cannot re-render: %s",
			     e.msg.buf);
		goto out;
	}
	strbuf_addf(&want, "%s/" SIGNED_MD, dir);
	strbuf_reset(&buf);
	if (strbuf_read_file(&buf, want.buf, 64 << 20) < 0 ||
	    buf.len != md.len || memcmp(buf.buf, md.buf, md.len)) {
		strvec_push(&c->problems, SIGNED_MD ": not what the journal and "
			    "the sign-offs render to");
		goto out;
	}
	strbuf_reset(&want);
	strbuf_addf(&want, "%s/" SIGNED_HTML, dir);
	strbuf_reset(&buf);
	if (strbuf_read_file(&buf, want.buf, 64 << 20) < 0 ||
	    buf.len != html.len || memcmp(buf.buf, html.buf, html.len))
		strvec_push(&c->problems, SIGNED_HTML ": not what the journal "
			    "and the sign-offs render to");
	else
		strvec_pushf(&c->notes, SIGNED_MD ", " SIGNED_HTML ": byte for "
			     "byte the render of the journal and %d sign-off%s",
			     n, n == 1 ? "" : "s");
out:
	json_decref(recs);
	strbuf_release(&buf);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&want);
	error_release(&e);
	return n;
}
