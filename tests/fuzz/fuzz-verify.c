/*
 * verify (seal_check) on a bundle made from the input. The input is a
 * bundle as `tail -n +1 FILES` prints it: each file starts with a line
 * "==> NAME <==" and holds the bytes up to the next such line (its last
 * newline included). NAME is kept to [A-Za-z0-9._-] components, at most
 * two (steps/NAME), no "." or ".."; other headers end up in the file
 * before them. See tests/fuzz/corpus/verify/ for real bundles.
 */
#include "fuzz.h"

#include "error.h"
#include "seal.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_use_templates();
	return 0;
}

/* NAME of a header line s[0..n) (no newline), or 0. */
static int header_name(const char *s, size_t n, char *name, size_t cap)
{
	size_t i, k, comp = 0, parts = 1;

	if (n < 9 || memcmp(s, "==> ", 4) || memcmp(s + n - 4, " <==", 4))
		return 0;
	s += 4;
	k = n - 8;
	if (!k || k >= cap)
		return 0;
	for (i = 0; i < k; i++) {
		char ch = s[i];

		if (ch == '/') {
			if (!comp || ++parts > 2)
				return 0;
			comp = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			   (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
			   ch == '-') {
			comp++;
		} else {
			return 0;
		}
	}
	if (!comp)
		return 0;
	memcpy(name, s, k);
	name[k] = '\0';
	if (!strcmp(name, ".") || !strcmp(name, "..") || strstr(name, "/./") ||
	    strstr(name, "/../") || !strncmp(name, "./", 2) ||
	    !strncmp(name, "../", 3) || (k >= 2 && !strcmp(name + k - 2, "/.")) ||
	    (k >= 3 && !strcmp(name + k - 3, "/..")))
		return 0;
	return 1;
}

static void flush(const char *name, const uint8_t *start, const uint8_t *end)
{
	if (name[0])
		fuzz_write(name, start, (size_t)(end - start));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *body = NULL;
	char name[128] = "", next[128];
	struct seal_check c;
	struct error err = ERROR_INIT;

	fuzz_clean();
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *eol = nl ? nl : end;

		if (header_name((const char *)p, (size_t)(eol - p), next,
				sizeof(next))) {
			if (body)
				flush(name, body, p);
			memcpy(name, next, sizeof(name));
			body = nl ? nl + 1 : end;
		}
		p = nl ? nl + 1 : end;
	}
	if (body)
		flush(name, body, end);

	seal_check_init(&c);
	seal_check(fuzz_dir(), NULL, NULL, &c, &err);
	seal_check_release(&c);
	error_release(&err);
	return 0;
}
