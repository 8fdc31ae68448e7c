#include "signoff.h"
#include "clock.h"
#include "error.h"
#include "fsutil.h"
#include "journal.h"
#include "report.h"
#include "schema.h"
#include "seal.h"
#include "sha256.h"
#include "sign.h"
#include "strbuf.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIGNOFF_FILE SEAL_SIGNOFF_FILE
#define SIGNOFF_MAX (4 << 20)
#define SIGNED_MD SEAL_SIGNED_MD
#define SIGNED_HTML SEAL_SIGNED_HTML

int signoff_lock(const char *dir, int exclusive, struct error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return error_errno(err, "cannot open %s", dir);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR) {
			error_errno(err, "cannot lock %s", dir);
			close(fd);
			return -1;
		}
	}
	return fd;
}

void signoff_unlock(int fd)
{
	if (fd >= 0)
		close(fd);   /* the lock goes with the last descriptor */
}

static int read_opt(const char *dir, const char *name, struct strbuf *sb,
		    size_t max, int *exists, struct error *err)
{
	struct strbuf path = STRBUF_INIT;
	int ret = 0;

	strbuf_addf(&path, "%s/%s", dir, name);
	*exists = access(path.buf, F_OK) == 0;
	if (*exists && strbuf_read_regular(sb, path.buf, max) < 0)
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

static json_t *hex_string(const struct strbuf *bin)
{
	struct strbuf hex = STRBUF_INIT;
	json_t *j;
	size_t i;

	for (i = 0; i < bin->len; i++)
		strbuf_addf(&hex, "%02x", (unsigned char)bin->buf[i]);
	j = json_string(hex.buf);
	strbuf_release(&hex);
	return j;
}

/* {"md": SHA-256, "html": SHA-256} of the signed report's two files. */
static json_t *reports_hashes(const struct strbuf *md, const struct strbuf *html)
{
	char hex[SHA256_HEX_LEN + 1];
	json_t *o = json_object();

	sha256_hex(md->buf, md->len, hex);
	json_object_set_new(o, "md", json_string(hex));
	sha256_hex(html->buf, html->len, hex);
	json_object_set_new(o, "html", json_string(hex));
	return o;
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
	} else {
		json_object_set_new(rec, "key", json_null());
		json_object_set_new(rec, "pub", json_null());
	}
	json_array_foreach(recs, i, r)
		json_object_del(r, "_hash");
	json_array_append(recs, rec);
	/*
	 * Rendered first: a sign-off is never written without its report,
	 * and the record names the reports' bytes, so its signature (and the
	 * next record's prev) covers what an auditor reads, under any
	 * renderer.
	 */
	if (render_signed(dir, recs, lang, &md, &html, err) < 0)
		goto out;
	json_object_set_new(rec, "reports", reports_hashes(&md, &html));
	if (key) {
		text = signed_text(rec);
		strbuf_reset(&sb);
		if (sign_data(key, text, strlen(text), &sb, err) < 0)
			goto out;
		json_object_set_new(rec, "sig", hex_string(&sb));
	} else {
		json_object_set_new(rec, "sig", json_null());
	}
	line = json_dumps(rec, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!line)
		die("out of memory");
	/* What rdrill writes it must read back: verify's cap is the limit. */
	if (old.len + strlen(line) + 1 > SIGNOFF_MAX) {
		error_set(err, "%s/" SIGNOFF_FILE ": this sign-off (%zu bytes) "
			  "would make it larger than %d MiB, the most verify "
			  "reads: refused, the bundle is unchanged (shorten the "
			  "name or the comment)", dir, strlen(line) + 1,
			  SIGNOFF_MAX >> 20);
		goto out;
	}
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

/*
 * A sign-off record as verify reads it, declared as schema tables: its
 * head (type, seq, role, name, time, comment) bound strictly, since a
 * record without those of their types is refused as not a sign-off;
 * the rest leniently (a member of the wrong type reads as absent: ""
 * for text, so it then matches nothing).
 */
struct sorec {
	const char *type, *role, *name, *time, *comment;
	struct schema_int seq;
	const char *seal, *prev, *pub, *sig_hex, *renderer, *hash;
	json_t *key, *sig, *reports;    /* as recorded (any JSON) */
	const char *report_md, *report_html;  /* reports' (bound apart) */
};
#define SO_REQ(k, t, m) { .key = k, .type = t, .flags = SCHEMA_REQ, \
			  .off = offsetof(struct sorec, m) }
#define SO_TXT(k, m) { .key = k, .type = SCHEMA_STR, \
		       .off = offsetof(struct sorec, m) }
#define SO_RAW(k, m) { .key = k, .type = SCHEMA_STR, .flags = SCHEMA_RAW, \
		       .off = offsetof(struct sorec, m) }
static const struct schema_field sorec_head_fields[] = {
	SO_REQ("type", SCHEMA_STR, type),
	SO_REQ("seq", SCHEMA_INT, seq),
	SO_REQ("role", SCHEMA_STR, role),
	SO_REQ("name", SCHEMA_STR, name),
	SO_REQ("time", SCHEMA_STR, time),
	SO_REQ("comment", SCHEMA_STR, comment),
	{ 0 }
};
static const struct schema_field sorec_fields[] = {
	SO_TXT("seal", seal),
	SO_TXT("prev", prev),
	SO_TXT("pub", pub),
	SO_TXT("sig", sig_hex),
	SO_RAW("sig", sig),
	SO_RAW("key", key),
	SO_TXT("renderer", renderer),
	SO_TXT("_hash", hash),
	SO_RAW("reports", reports),
	{ 0 }
};
static const struct schema_field soreports_fields[] = {
	SO_TXT("md", report_md),
	SO_TXT("html", report_html),
	{ 0 }
};
static const struct schema sorec_head_schema = {
	.what = "sign-off", .fields = sorec_head_fields,
	.size = sizeof(struct sorec),
};
static const struct schema sorec_schema = {
	.what = "sign-off", .fields = sorec_fields, .size = sizeof(struct sorec),
};
static const struct schema soreports_schema = {
	.what = "reports", .fields = soreports_fields,
	.size = sizeof(struct sorec),
};

/* All but the head, leniently; absent text "". */
static void sorec_read(json_t *r, struct sorec *s)
{
	memset(s, 0, sizeof(*s));
	schema_bind_lenient(&sorec_schema, r, s);
	schema_bind_lenient(&soreports_schema, s->reports, s);
	schema_empty_text(&sorec_schema, s);
	schema_empty_text(&soreports_schema, s);
}

/* The head: 0 when the record has it, of its types, for seq `i`. */
static int sorec_head(json_t *r, size_t i, struct sorec *s)
{
	struct error e = ERROR_INIT;
	int bad = schema_bind(&sorec_head_schema, r, s, "sign-off", &e) < 0 ||
		strcmp(s->type, "signoff") || s->seq.v != (long)i ||
		!*s->role || !*s->name || !*s->time;

	error_release(&e);
	return bad ? -1 : 0;
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

/*
 * One record: its fields, chain link and signature. 1: a good signature
 * covers it; 0: a typed name, or a problem was added.
 */
static int check_one(json_t *r, size_t i, const char *prev, const char *seal,
		     struct seal_check *c)
{
	struct error e = ERROR_INIT;
	struct sorec h, s;
	int good = 0;

	memset(&h, 0, sizeof(h));
	if (sorec_head(r, i, &h) < 0) {
		strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: not a sign-off "
			     "record (type, seq %zu, role, name, time, comment)",
			     i + 1, i);
		return 0;
	}
	sorec_read(r, &s);
	if (strcmp(s.seal, seal)) {
		strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: signs another "
			     "SEAL than this bundle's", i + 1);
		return 0;
	}
	if (strcmp(s.prev, prev)) {
		strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: the chain is "
			     "broken (prev is not the SHA-256 of %s)", i + 1,
			     i ? "the line before" : "SEAL");
		return 0;
	}
	if (json_is_null(s.key)) {
		if (!json_is_null(s.sig))
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: a "
				     "signature without a key", i + 1);
		else
			strvec_pushf(&c->notes, SIGNOFF_FILE ":%zu: %s, %s, at %s: "
				     "a typed name, no key", i + 1,
				     h.role, h.name, h.time);
		return 0;
	}
	{
		struct strbuf sig = STRBUF_INIT;
		char fpr[SHA256_HEX_LEN + 1] = "";
		char *text = signed_text(r);

		if (!json_is_string(s.key) || unhex(s.sig_hex, &sig) < 0)
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: key or "
				     "signature malformed", i + 1);
		else if (sign_verify(s.pub, strlen(s.pub), text, strlen(text),
				     sig.buf, sig.len, fpr, &e) < 0)
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: the "
				     "signature does not match: %s", i + 1,
				     e.msg.buf);
		else if (strcmp(fpr, json_string_value(s.key)))
			strvec_pushf(&c->problems, SIGNOFF_FILE ":%zu: signed by "
				     "key SHA256:%s, the record names %s", i + 1,
				     fpr, json_string_value(s.key));
		else {
			strvec_pushf(&c->notes, SIGNOFF_FILE ":%zu: %s, %s, at %s: "
				     "a good Ed25519 signature by key SHA256:%s",
				     i + 1, h.role, h.name, h.time, fpr);
			good = 1;
		}
		free(text);
		strbuf_release(&sig);
	}
	error_release(&e);
	return good;
}

/* SHA-256 of a regular file, opened without blocking (not a FIFO's). */
static int hash_regular(const char *path, char out[SHA256_HEX_LEN + 1],
			struct error *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	int ret = -1;

	if (fd < 0)
		return error_errno(err, "cannot open %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		error_set(err, "%s: not a regular file", path);
	else
		ret = sha256_fd_hex(fd, path, out, NULL, NULL, NULL, err);
	close(fd);
	return ret;
}

/*
 * The signed report's files against the SHA-256s the last sign-off
 * names ("reports"). 1: they match; 0: no hashes (an older rdrill);
 * -1: a problem was added.
 */
static int check_report_hashes(const char *dir, const struct sorec *last,
			       struct seal_check *c)
{
	const char *const names[][2] = {
		{ last->report_md, SIGNED_MD }, { last->report_html, SIGNED_HTML },
	};
	struct strbuf path = STRBUF_INIT;
	struct error e = ERROR_INIT;
	size_t k;
	int ret = 1;

	if (!json_is_object(last->reports))
		return 0;
	for (k = 0; k < 2 && ret > 0; k++) {
		char have[SHA256_HEX_LEN + 1];

		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, names[k][1]);
		if (hash_regular(path.buf, have, &e) < 0 ||
		    strcmp(have, names[k][0])) {
			strvec_pushf(&c->problems, "%s: not the bytes the last "
				     "sign-off names (its \"reports\")",
				     names[k][1]);
			ret = -1;
		}
	}
	strbuf_release(&path);
	error_release(&e);
	return ret;
}

/* `name` in DIR byte for byte `want` (read no further than want + 1). */
static int same_bytes(const char *dir, const char *name,
		      const struct strbuf *want)
{
	struct strbuf path = STRBUF_INIT, have = STRBUF_INIT;
	int same;

	strbuf_addf(&path, "%s/%s", dir, name);
	same = strbuf_read_regular(&have, path.buf, want->len + 1) == 0 &&
	       have.len == want->len && !memcmp(have.buf, want->buf, want->len);
	strbuf_release(&path);
	strbuf_release(&have);
	return same;
}

/*
 * report.signed.md/.html: the bytes the last sign-off names, and a
 * render of the journal and the sign-offs when that sign-off's renderer
 * is this rdrill's. Under another renderer the files cannot be
 * re-rendered here; they are accepted (a note) only when a good
 * signature covers both the renderer's name and the files' hashes: a
 * typed name signs nothing, so its "renderer" is not evidence, and
 * taking its word would let an edited report verify.
 */
static void check_signed_reports(const char *dir, const char *lang,
				 json_t *recs, int last_signed,
				 struct seal_check *c)
{
	struct strbuf ours = STRBUF_INIT, md = STRBUF_INIT, html = STRBUF_INIT;
	struct error e = ERROR_INIT;
	struct sorec last;
	const char *theirs;
	int hashed;
	size_t n = json_array_size(recs);

	sorec_read(json_array_get(recs, n - 1), &last);
	theirs = last.renderer;
	hashed = check_report_hashes(dir, &last, c);

	if (hashed < 0)
		goto out;
	if (report_renderer(&ours, &e) < 0 || strcmp(theirs, ours.buf)) {
		if (last_signed && hashed > 0)
			strvec_pushf(&c->caveats, SIGNED_MD ", " SIGNED_HTML ": "
				     "not re-rendered: rendered by \"%s\", this is "
				     "\"%s\"; their bytes are the ones sign-off %zu's "
				     "signature covers", theirs,
				     ours.len ? ours.buf : "unknown", n);
		else
			strvec_pushf(&c->problems, SIGNED_MD ", " SIGNED_HTML ": "
				     "cannot be checked: the last sign-off says "
				     "\"%s\" rendered them, this is \"%s\", and %s; "
				     "verify with the rdrill that signed last, or "
				     "sign again", *theirs ? theirs : "not recorded",
				     ours.len ? ours.buf : "unknown",
				     !last_signed ? "no signature covers that "
				     "sign-off (a typed name)" : "that sign-off "
				     "names no hashes of them");
		goto out;
	}
	if (render_signed(dir, recs, lang, &md, &html, &e) < 0) {
		strvec_pushf(&c->problems, SIGNED_MD ": cannot re-render: %s",
			     e.msg.buf);
		goto out;
	}
	if (!same_bytes(dir, SIGNED_MD, &md))
		strvec_push(&c->problems, SIGNED_MD ": not what the journal and "
			    "the sign-offs render to");
	else if (!same_bytes(dir, SIGNED_HTML, &html))
		strvec_push(&c->problems, SIGNED_HTML ": not what the journal "
			    "and the sign-offs render to");
	else
		strvec_pushf(&c->notes, SIGNED_MD ", " SIGNED_HTML ": byte for "
			     "byte the render of the journal and %zu sign-off%s",
			     n, n == 1 ? "" : "s");
out:
	strbuf_release(&ours);
	strbuf_release(&md);
	strbuf_release(&html);
	error_release(&e);
}

int signoff_check(const char *dir, const char *lang, struct seal_check *c)
{
	struct strbuf buf = STRBUF_INIT;
	struct error e = ERROR_INIT;
	char seal[SHA256_HEX_LEN + 1], prev[SHA256_HEX_LEN + 1];
	json_t *recs = NULL, *r;
	int has_log, has_md, has_html, n = 0, last_signed = 0;
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
		struct sorec so;

		sorec_read(r, &so);
		snprintf(self, sizeof(self), "%s", so.hash);
		json_object_del(r, "_hash");
		last_signed = check_one(r, i, prev, seal, c);
		memcpy(prev, self, sizeof(prev));
		n++;
	}
	if (!n)
		strvec_push(&c->problems, SIGNOFF_FILE ": empty");
	if (!has_md || !has_html) {
		strvec_push(&c->problems, SIGNED_MD ", " SIGNED_HTML ": missing");
		goto out;
	}
	if (n)
		check_signed_reports(dir, lang, recs, last_signed, c);
out:
	json_decref(recs);
	strbuf_release(&buf);
	error_release(&e);
	return n;
}
