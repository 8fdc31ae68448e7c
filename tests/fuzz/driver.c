/*
 * The replay driver `make check` links each target with instead of
 * libFuzzer: every file named (or in a directory named) goes through
 * LLVMFuzzerTestOneInput() once, so the corpora, crash reproducers
 * included, are regression tests under the normal compiler and ASan.
 */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, alloc = 0, n;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (alloc - len < 65536) {
			alloc = alloc * 2 + 65536;
			buf = realloc(buf, alloc);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, alloc - len, f);
		len += n;
	} while (n);
	fclose(f);
	/* An exact-size copy, so ASan sees a read one byte past the input. */
	{
		unsigned char *exact = malloc(len ? len : 1);

		if (!exact)
			abort();
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int replay(const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t nr = 0, i;
	int ret = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if (!(d = opendir(path))) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d))) {
		size_t k;

		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (nr + 1) * sizeof(*names));
		k = strlen(path) + strlen(de->d_name) + 2;
		if (!names || !(names[nr] = malloc(k)))
			abort();
		snprintf(names[nr++], k, "%s/%s", path, de->d_name);
	}
	closedir(d);
	qsort(names, nr, sizeof(*names), cmp);
	for (i = 0; i < nr; i++) {
		if (replay(names[i], count) < 0)
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, ret = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			ret = 1;
	if (!count) {
		fprintf(stderr, "%s: no input replayed\n", argv[0]);
		return 1;
	}
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return ret;
}
