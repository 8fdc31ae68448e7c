/*
 * The report's one pass (report_one_pass()): each step viewed while the
 * journal's walk reads it. It is only a faster way to the two-pass
 * render's bytes, so on real journals (tests/data/report, the examples)
 * and on journals made to break each of its guesses, the render with it
 * is byte for byte the render without it, in each language. Whether the
 * pass was taken is seen from outside: after the walk every step line
 * of the file is changed in place, so a render that reads a step record
 * again fails ("changed while the journal was read") and one that took
 * the pass does not. And jrecords_tail(), the journal's last line read
 * before the walk gets there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "journal.h"
#include "jrecord.h"
#include "report.h"
#include "sha256.h"
#include "strbuf.h"
#include "strvec.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/test-onepass.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	int r;

	(void)state;
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	r = system(cmd.buf);
	strbuf_release(&cmd);
	return r ? -1 : 0;
}

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* dir/NAME/journal.jsonl from `text` (and plan.json from `plan`, if any). */
static void make_bundle(const char *name, const struct strbuf *text,
			const char *plan, struct strbuf *journal)
{
	struct strbuf p = STRBUF_INIT, b = STRBUF_INIT;

	strbuf_addf(&b, "%s/%s", dir, name);
	mkdir(b.buf, 0700);
	if (plan) {
		assert_int_equal(strbuf_read_file(&p, plan, 1 << 24), 0);
		strbuf_addf(&b, "/plan.json");
		write_file(b.buf, p.buf, p.len);
		strbuf_reset(&b);
		strbuf_addf(&b, "%s/%s", dir, name);
	}
	strbuf_reset(journal);
	strbuf_addf(journal, "%s/journal.jsonl", b.buf);
	write_file(journal->buf, text->buf, text->len);
	strbuf_release(&p);
	strbuf_release(&b);
}

/* Every step line of the journal jr walked changed in place. */
static void spoil_steps(const struct jrecords *jr)
{
	int fd = open(jr->path, O_RDWR);
	size_t i;

	assert_true(fd >= 0);
	for (i = 0; i < jr->nsteps; i++) {
		unsigned long long at = jr->step[i].off + jr->step[i].len / 2;
		char c;

		assert_int_equal(pread(fd, &c, 1, (off_t)at), 1);
		c = c == 'x' ? 'y' : 'x';
		assert_int_equal(pwrite(fd, &c, 1, (off_t)at), 1);
	}
	close(fd);
}

/*
 * `journal` rendered in `lang`: with the one pass for `pass_lang` when
 * `pass` (the step lines spoiled after the walk when `spoil`). Returns
 * the render's result; its error in `err`.
 */
static int render(const char *journal, int pass, const char *pass_lang,
		  int spoil, const char *lang, struct strbuf *md,
		  struct strbuf *html, struct error *err)
{
	struct jrecords jr;
	int r;

	strbuf_reset(md);
	strbuf_reset(html);
	jrecords_init(&jr);
	if (pass)
		report_one_pass(&jr, pass_lang);
	if (jrecords_read(&jr, journal, 0, NULL, NULL, err) < 0)
		fail_msg("%s: %s", journal, err->msg.buf);
	if (spoil)
		spoil_steps(&jr);
	r = report_render_jr(&jr, lang, md, html, err);
	jrecords_release(&jr);
	return r;
}

static const char *const langs[] = { NULL, "en", "zh-CN" };

/*
 * `journal` (copied to dir/NAME) in each language: the one pass gives
 * the two-pass render's bytes, and reads no step again exactly when
 * `taken` (also when asked in another language: then never).
 */
static void check(const char *name, const struct strbuf *text,
		  const char *plan, int taken)
{
	struct strbuf journal = STRBUF_INIT, md = STRBUF_INIT,
		      html = STRBUF_INIT, md1 = STRBUF_INIT, html1 = STRBUF_INIT;
	struct error err = ERROR_INIT;
	size_t i;

	for (i = 0; i < 3; i++) {
		make_bundle(name, text, plan, &journal);
		if (render(journal.buf, 0, NULL, 0, langs[i], &md, &html,
			   &err) < 0)
			fail_msg("%s: %s", name, err.msg.buf);
		assert_int_equal(render(journal.buf, 1, langs[i], 0, langs[i],
					&md1, &html1, &err), 0);
		assert_int_equal(md1.len, md.len);
		assert_memory_equal(md1.buf, md.buf, md.len);
		assert_int_equal(html1.len, html.len);
		assert_memory_equal(html1.buf, html.buf, html.len);
		/* Spoiled after the walk: only the pass renders it. */
		if (render(journal.buf, 1, langs[i], 1, langs[i], &md1, &html1,
			   &err) == 0) {
			if (!taken)
				fail_msg("%s (%s): the pass was taken", name,
					 langs[i] ? langs[i] : "default");
			assert_int_equal(md1.len, md.len);
			assert_memory_equal(md1.buf, md.buf, md.len);
			assert_int_equal(html1.len, html.len);
			assert_memory_equal(html1.buf, html.buf, html.len);
		} else {
			if (taken)
				fail_msg("%s (%s): the pass was not taken: %s",
					 name, langs[i] ? langs[i] : "default",
					 err.msg.buf);
			assert_non_null(strstr(err.msg.buf, "changed while"));
		}
		error_release(&err);
		error_init(&err);
		/* Rendered in a language the pass did not view: read again. */
		if (langs[i]) {
			make_bundle(name, text, plan, &journal);
			assert_true(render(journal.buf, 1, langs[i], 1,
					   strcmp(langs[i], "en") ? "en" :
					   "zh-CN", &md1, &html1, &err) < 0);
			error_release(&err);
			error_init(&err);
		}
	}
	strbuf_release(&journal);
	strbuf_release(&md);
	strbuf_release(&html);
	strbuf_release(&md1);
	strbuf_release(&html1);
	error_release(&err);
}

static void read_text(const char *path, struct strbuf *sb)
{
	strbuf_reset(sb);
	if (strbuf_read_file(sb, path, 1 << 24) < 0)
		fail_msg("cannot read %s", path);
}

/* Real journals: the pass is taken, and it is the same report. */
static void test_real(void **state)
{
	static const char *const data[] = { "demo-passed", "rpo-failed",
		"rpo-own", NULL };
	static const char *const ex[] = { "demo-run", "demo-run-en",
		"demo-run-scheduled", "demo-run-en-scheduled", NULL };
	struct strbuf text = STRBUF_INIT, path = STRBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; data[i]; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "tests/data/report/%s.jsonl", data[i]);
		read_text(path.buf, &text);
		check(data[i], &text, NULL, 1);
	}
	for (i = 0; ex[i]; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "examples/%s/journal.jsonl", ex[i]);
		read_text(path.buf, &text);
		strbuf_reset(&path);
		strbuf_addf(&path, "examples/%s/plan.json", ex[i]);
		check(ex[i], &text, path.buf, 1);
	}
	strbuf_release(&text);
	strbuf_release(&path);
}

/* The lines of `text` (cut there). */
static void demo_lines_of(struct strbuf *text, struct strvec *lines)
{
	char *p, *nl;

	for (p = text->buf; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		strvec_push(lines, p);
	}
}

/* demo-passed.jsonl's lines (the chain is not checked: read with 0). */
static void demo_lines(struct strvec *lines)
{
	struct strbuf text = STRBUF_INIT;

	read_text("tests/data/report/demo-passed.jsonl", &text);
	demo_lines_of(&text, lines);
	strbuf_release(&text);
}

/*
 * The journal made of lines[idx[0]], lines[idx[1]], ... (n of them),
 * the end record's line replaced by `end` when not NULL.
 */
static void compose(const struct strvec *lines, const size_t *idx, size_t n,
		    size_t end_at, const char *end, struct strbuf *out)
{
	size_t i;

	strbuf_reset(out);
	for (i = 0; i < n; i++) {
		strbuf_adds(out, end && idx[i] == end_at ? end :
			    lines->v[idx[i]]);
		strbuf_addch(out, '\n');
	}
}

/* The index of the first line holding `s`. */
static size_t find_line(const struct strvec *lines, const char *s)
{
	size_t i;

	for (i = 0; i < lines->nr; i++)
		if (strstr(lines->v[i], s))
			return i;
	fail_msg("no line holds %s", s);
	return 0;
}

/* The end record's line with its status `from` said `to`. */
static void restate(const char *line, const char *from, const char *to,
		    struct strbuf *out)
{
	const char *at = strstr(line, from);

	assert_non_null(at);
	strbuf_reset(out);
	strbuf_add(out, line, (size_t)(at - line));
	strbuf_adds(out, to);
	strbuf_adds(out, at + strlen(from));
}

/*
 * Each guess broken in turn: the same report either way, and the pass
 * taken only where its guesses held (a later record of a step, a
 * journal cut short, a torn last line, an end that FAILED: taken; steps
 * out of the drill's order, a preflight record after a step, a record
 * after the end, a second end record, an end whose verdict needs every
 * record, a run killed after destroy: not).
 */
static void test_guesses(void **state)
{
	struct strvec lines = STRVEC_INIT;
	struct strbuf text = STRBUF_INIT, end = STRBUF_INIT;
	size_t *idx, n, i, s1, last, pf;

	(void)state;
	demo_lines(&lines);
	n = lines.nr;
	idx = calloc(n + 1, sizeof(*idx));
	s1 = find_line(&lines, "\"type\":\"step\"");
	pf = find_line(&lines, "\"type\":\"preflight\"");
	last = n - 1;
	assert_non_null(strstr(lines.v[last], "\"type\":\"end\""));
	assert_true(pf < s1);
#define RESET() for (i = 0; i < n; i++) idx[i] = i

	RESET();        /* steps 1 and 2 swapped */
	idx[s1] = s1 + 1;
	idx[s1 + 1] = s1;
	compose(&lines, idx, n, last, NULL, &text);
	check("swapped", &text, NULL, 0);

	RESET();        /* a later record of step 1, after step 3: passed over */
	memmove(idx + s1 + 4, idx + s1 + 3, (n - s1 - 3) * sizeof(*idx));
	idx[s1 + 3] = s1;
	compose(&lines, idx, n + 1, last, NULL, &text);
	check("again", &text, NULL, 1);

	RESET();        /* the preflight record after the first step */
	idx[pf] = s1;
	idx[s1] = pf;
	compose(&lines, idx, n, last, NULL, &text);
	check("preflight-late", &text, NULL, 0);

	RESET();        /* a record after the end */
	idx[n] = pf;
	compose(&lines, idx, n + 1, last, NULL, &text);
	check("after-end", &text, NULL, 0);

	/* Two end records, the same verdict: the first is the end. */
	restate(lines.v[last], "\"time\":\"2026-12-02T00", "\"time\":\"2026-12-02T05",
		&end);
	compose(&lines, idx, n, last, NULL, &text);
	strbuf_adds(&text, end.buf);
	strbuf_addch(&text, '\n');
	check("two-ends", &text, NULL, 0);

	RESET();        /* killed: no end record; then a torn last line too */
	compose(&lines, idx, n - 1, last, NULL, &text);
	check("killed", &text, NULL, 1);
	strbuf_adds(&text, "{\"type\":\"st");
	check("torn", &text, NULL, 1);

	/* An end that FAILED; one that says NOT RESTORED (read whole). */
	restate(lines.v[last], "\"status\":\"PASSED\"", "\"status\":\"FAILED\"",
		&end);
	compose(&lines, idx, n, last, end.buf, &text);
	check("failed", &text, NULL, 1);
	restate(lines.v[last], "\"status\":\"PASSED\"",
		"\"status\":\"NOT RESTORED\"", &end);
	compose(&lines, idx, n, last, end.buf, &text);
	check("not-restored", &text, NULL, 0);
#undef RESET
	strvec_clear(&lines);

	/*
	 * Killed after destroy, before its restore was verified: NOT
	 * RESTORED from the steps' records, not from the end record.
	 */
	read_text("examples/demo-run/journal.jsonl", &text);
	demo_lines_of(&text, &lines);
	n = find_line(&lines, "\"type\":\"destroy\"") + 3;
	for (i = 0; i < n; i++)
		idx[i] = i;
	compose(&lines, idx, n, n, NULL, &text);
	check("destroyed", &text, "examples/demo-run/plan.json", 0);
	free(idx);
	strvec_clear(&lines);
	strbuf_release(&text);
	strbuf_release(&end);
}

/* jrecords_tail() of `text`: the last whole line, else NULL. */
static json_t *tail_of(const char *text, size_t len, unsigned long long *off,
		       char hash[SHA256_HEX_LEN + 1])
{
	struct strbuf p = STRBUF_INIT;
	struct jrecords jr;
	json_t *rec;

	strbuf_addf(&p, "%s/tail.jsonl", dir);
	write_file(p.buf, text, len);
	jrecords_init(&jr);
	jr.fd = open(p.buf, O_RDONLY);
	assert_true(jr.fd >= 0);
	rec = jrecords_tail(&jr, off, hash);
	jrecords_release(&jr);
	strbuf_release(&p);
	return rec;
}

/*
 * The last whole line, with its place and hash: after a torn tail, after
 * one line only, past the first 64 KiB read (a line of 300 KiB, a torn
 * tail of 100 KiB); none in an empty file, a file with no newline, or
 * when the line is not a record.
 */
static void test_tail(void **state)
{
	struct strbuf t = STRBUF_INIT, big = STRBUF_INIT;
	char hash[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	unsigned long long off = 7;
	json_t *rec;
	size_t i;

	(void)state;
	strbuf_adds(&t, "{\"a\":1}\n{\"b\":2}\n{\"c\"");
	rec = tail_of(t.buf, t.len, &off, hash);
	assert_int_equal(json_integer_value(json_object_get(rec, "b")), 2);
	assert_int_equal(off, 8);
	sha256_hex("{\"b\":2}", 7, want);
	assert_string_equal(hash, want);
	json_decref(rec);

	rec = tail_of("{\"a\":1}\n", 8, &off, hash);
	assert_int_equal(json_integer_value(json_object_get(rec, "a")), 1);
	assert_int_equal(off, 0);
	json_decref(rec);

	strbuf_adds(&big, "{\"a\":1}\n{\"x\":\"");
	for (i = 0; i < 300000; i++)
		strbuf_addch(&big, 'y');
	strbuf_adds(&big, "\"}\n");
	for (i = 0; i < 100000; i++)
		strbuf_addch(&big, 'z');
	rec = tail_of(big.buf, big.len, &off, hash);
	assert_int_equal(json_string_length(json_object_get(rec, "x")), 300000);
	assert_int_equal(off, 8);
	json_decref(rec);

	assert_null(tail_of("", 0, &off, hash));
	assert_null(tail_of("{\"a\":1}", 7, &off, hash));
	assert_null(tail_of("{\"a\":1}\n[1]\n", 12, &off, hash));
	assert_null(tail_of("{\"a\":1}\nnot json\n", 17, &off, hash));
	strbuf_release(&t);
	strbuf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_guesses),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
