#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "strbuf.h"
#include "secret.h"
#include "utf8.h"
#include "xalloc.h"

#include <sys/wait.h>
#include <unistd.h>

#define FFFD "\xef\xbf\xbd"

/* utf8_seq_len of a string literal, its terminating NUL not included. */
#define SEQ(lit) utf8_seq_len(lit, sizeof(lit) - 1)

static void test_valid(void **state)
{
	(void)state;
	assert_int_equal(SEQ("a"), 1);
	assert_int_equal(SEQ("\x7f"), 1);
	assert_int_equal(utf8_seq_len("\0", 1), 1);
	assert_int_equal(SEQ("\xc2\x80"), 2);       /* U+0080 */
	assert_int_equal(SEQ("\xc3\xa9"), 2);       /* é */
	assert_int_equal(SEQ("\xdf\xbf"), 2);       /* U+07FF */
	assert_int_equal(SEQ("\xe0\xa0\x80"), 3);   /* U+0800 */
	assert_int_equal(SEQ("\xe2\x82\xac"), 3);   /* € */
	assert_int_equal(SEQ("\xed\x9f\xbf"), 3);   /* U+D7FF */
	assert_int_equal(SEQ("\xee\x80\x80"), 3);   /* U+E000 */
	assert_int_equal(SEQ("\xef\xbf\xbd"), 3);   /* U+FFFD */
	assert_int_equal(SEQ("\xf0\x90\x80\x80"), 4); /* U+10000 */
	assert_int_equal(SEQ("\xf0\x9f\x98\x80"), 4); /* 😀 */
	assert_int_equal(SEQ("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
	/* Only the first sequence counts. */
	assert_int_equal(SEQ("\xc3\xa9xyz"), 2);
	assert_int_equal(SEQ("a\xff"), 1);
}

static void test_overlong(void **state)
{
	(void)state;
	assert_int_equal(SEQ("\xc0\x80"), 0);       /* NUL */
	assert_int_equal(SEQ("\xc0\xaf"), 0);       /* '/' */
	assert_int_equal(SEQ("\xc1\xbf"), 0);
	assert_int_equal(SEQ("\xe0\x80\x80"), 0);
	assert_int_equal(SEQ("\xe0\x80\xaf"), 0);
	assert_int_equal(SEQ("\xe0\x9f\xbf"), 0);   /* U+07FF in 3 */
	assert_int_equal(SEQ("\xf0\x80\x80\x80"), 0);
	assert_int_equal(SEQ("\xf0\x8f\xbf\xbf"), 0); /* U+FFFF in 4 */
}

static void test_surrogates(void **state)
{
	(void)state;
	assert_int_equal(SEQ("\xed\xa0\x80"), 0);   /* U+D800 */
	assert_int_equal(SEQ("\xed\xad\xbf"), 0);   /* U+DB7F */
	assert_int_equal(SEQ("\xed\xb0\x80"), 0);   /* U+DC00 */
	assert_int_equal(SEQ("\xed\xbf\xbf"), 0);   /* U+DFFF */
	/* A CESU-8 pair (U+1F600 as two surrogates) is two errors. */
	assert_int_equal(SEQ("\xed\xa0\xbd\xed\xb8\x80"), 0);
}

static void test_too_big(void **state)
{
	(void)state;
	assert_int_equal(SEQ("\xf4\x90\x80\x80"), 0); /* U+110000 */
	assert_int_equal(SEQ("\xf4\xbf\xbf\xbf"), 0);
	assert_int_equal(SEQ("\xf5\x80\x80\x80"), 0);
	assert_int_equal(SEQ("\xf7\xbf\xbf\xbf"), 0); /* U+1FFFFF */
	assert_int_equal(SEQ("\xf8\x88\x80\x80\x80"), 0); /* 5-byte form */
	assert_int_equal(SEQ("\xfc\x84\x80\x80\x80\x80"), 0);
	assert_int_equal(SEQ("\xfe"), 0);
	assert_int_equal(SEQ("\xff"), 0);
}

static void test_truncated(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len("", 0), 0);
	assert_int_equal(SEQ("\x80"), 0);           /* lone continuation */
	assert_int_equal(SEQ("\xbf"), 0);
	assert_int_equal(SEQ("\xc3"), 0);
	assert_int_equal(SEQ("\xe2\x82"), 0);
	assert_int_equal(SEQ("\xf0\x9f\x98"), 0);
	/* Cut by the length given, not by the bytes after it. */
	assert_int_equal(utf8_seq_len("\xe2\x82\xac", 2), 0);
	assert_int_equal(utf8_seq_len("\xf0\x9f\x98\x80", 3), 0);
	/* Interrupted by a byte that is not a continuation. */
	assert_int_equal(SEQ("\xc3" "a"), 0);
	assert_int_equal(SEQ("\xe2\x82" "a"), 0);
	assert_int_equal(SEQ("\xe2" "\xc3\xa9"), 0);
	assert_int_equal(SEQ("\xf0\x9f\x98" "a"), 0);
}

static void lossy(const char *in, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "<");
	utf8_add_lossy(&sb, in, len);
	strbuf_adds(&sb, ">");
	assert_string_equal(sb.buf, want);
	assert_int_equal(sb.len, strlen(want));
	strbuf_release(&sb);
}
#define LOSSY(lit, want) lossy(lit, sizeof(lit) - 1, want)

static void test_lossy(void **state)
{
	(void)state;
	LOSSY("", "<>");
	LOSSY("plain ascii\n\ttab", "<plain ascii\n\ttab>");
	LOSSY("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	      "<caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80>");
	/* One U+FFFD per byte that is not part of a valid sequence. */
	LOSSY("ok\xed\xa0\x80ok", "<ok" FFFD FFFD FFFD "ok>");
	LOSSY("a\xc0\xafz", "<a" FFFD FFFD "z>");
	LOSSY("a\xf4\x90\x80\x80z", "<a" FFFD FFFD FFFD FFFD "z>");
	LOSSY("a\xff\xfez", "<a" FFFD FFFD "z>");
	/* A cut sequence loses its bytes, not the character after it. */
	LOSSY("a\xe2\x82" "b", "<a" FFFD FFFD "b>");
	LOSSY("\xe2\xe2\x82\xac", "<" FFFD "\xe2\x82\xac>");
	LOSSY("end\xf0\x9f\x98", "<end" FFFD FFFD FFFD ">");
	/* A NUL too: the result is a C string that holds everything. */
	LOSSY("a\0b", "<a" FFFD "b>");
	/* Whatever went in, valid UTF-8 comes out. */
	{
		struct strbuf sb = STRBUF_INIT;
		unsigned char buf[4096];
		size_t i, n;

		srand(42);
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(rand() & 0xff);
		utf8_add_lossy(&sb, buf, sizeof(buf));
		assert_int_equal(strlen(sb.buf), sb.len);
		for (i = 0; i < sb.len; i += n) {
			n = utf8_seq_len(sb.buf + i, sb.len - i);
			assert_true(n > 0);
		}
		strbuf_release(&sb);
	}
}

static void safe(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	utf8_add_terminal(&sb, in);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

/*
 * What reaches the operator's terminal is one line in which every
 * character that could drive the terminal or reorder the text is shown
 * by name.
 */
static void test_terminal(void **state)
{
	(void)state;
	safe("restore pg-dump: caf\xc3\xa9", "restore pg-dump: caf\xc3\xa9");
	safe("a\tb\nc\rd", "a b c d");
	safe("\x1b[31mred\x1b[0m", "<U+001B>[31mred<U+001B>[0m");
	safe("\x1b]0;title\x07", "<U+001B>]0;title<U+0007>");
	safe("bell\x07 bs\x08 del\x7f", "bell<U+0007> bs<U+0008> del<U+007F>");
	/* C1: CSI (U+009B) and OSC (U+009D) as UTF-8 and as raw bytes. */
	safe("x\xc2\x9b" "31my", "x<U+009B>31my");
	safe("x\xc2\x9dy\xc2\xa0z", "x<U+009D>y\xc2\xa0z");
	safe("x\x9b" "31my", "x<0x9B>31my");
	safe("ok\xed\xa0\x80ok", "ok<0xED><0xA0><0x80>ok");
	/* Bidi controls: "Trojan Source" reordering, each range's ends. */
	safe("a\xe2\x80\xaa" "b\xe2\x80\xae" "c", "a<U+202A>b<U+202E>c");
	safe("\xe2\x81\xa6" "x\xe2\x81\xa9", "<U+2066>x<U+2069>");
	safe("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "<U+200E><U+200F><U+061C>");
	safe("l1\xe2\x80\xa8l2", "l1<U+2028>l2");
	/* Neighbours of the ranges stay as they are. */
	safe("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa",
	     "<U+2029>\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

static void test_terminal_lines(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	utf8_add_terminal_lines(&sb, "a\tb\nc\rd\x1b", 8);
	assert_string_equal(sb.buf, "a\tb\nc<U+000D>d<U+001B>");
	strbuf_release(&sb);
}

/* What reaches the terminal never holds a secret of the process. */
static void test_terminal_redacts(void **state)
{
	(void)state;
	secret_add("hunter2");
	safe("password=hunter2 x", "password=[REDACTED] x");
	safe("postgresql://u:hunt%65r2@h/db", "postgresql://u:[REDACTED]@h/db");
	secret_clear();
	safe("password=hunter2", "password=hunter2");
}

/* progress_end writes the sanitized message, not the raw one. */
static void test_progress_line(void **state)
{
	FILE *f = tmpfile();
	struct progress *p;
	char buf[512];
	size_t n;

	(void)state;
	assert_non_null(f);
	p = progress_new(f, 0);
	progress_begin(p, 1, 2, "restore", "step\x1b" "id");
	progress_end(p, "failed", 1500,
		     "cannot run \x1b[2Jboom:\nline 2 \xe2\x80\xae");
	progress_free(p);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_null(memchr(buf, 0x1b, n));
	assert_string_equal(buf,
		"[1/2] restore        step<U+001B>id ...\n"
		"[1/2] restore        step<U+001B>id  failed 1.5s  cannot run "
		"<U+001B>[2Jboom: line 2 <U+202E>\n");
}

/*
 * die() shows its message like every other terminal line: a hostile
 * path or server text in it cannot drive the terminal (ESC, a bidi
 * override, a byte that is not UTF-8) nor show a secret.
 */
static void test_die_escaped(void **state)
{
	int fds[2], status;
	pid_t pid;
	char buf[4096];
	ssize_t n, len = 0;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		secret_add("hunter2secret");
		die("cannot read %s: %s", "/x/\x1b]0;owned\x07\xe2\x80\xae.dump",
		    "pw hunter2secret \xff\x9b" "2J");
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_non_null(strstr(buf, "rdrill: fatal: cannot read /x/<U+001B>]0;owned"
			       "<U+0007><U+202E>.dump: pw [REDACTED] <0xFF><0x9B>2J\n"));
	assert_null(strchr(buf, '\x1b'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_lossy),
		cmocka_unit_test(test_terminal),
		cmocka_unit_test(test_terminal_lines),
		cmocka_unit_test(test_terminal_redacts),
		cmocka_unit_test(test_progress_line),
		cmocka_unit_test(test_die_escaped),
	};

	return cmocka_run_group_tests_name("utf8", tests, NULL, NULL);
}
