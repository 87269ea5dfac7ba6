/*
 * replay.c: a main() for the fuzz targets without libFuzzer: runs every
 * file named (or in a directory named) once, in name order. The normal
 * build replays the corpus with it as a test (tests/tests.cmake), so the
 * targets keep compiling and their inputs keep passing with gcc, -Werror
 * and ASan.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

int LLVMFuzzerInitialize(int *, char ***) __attribute__((weak));	/* optional */
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
one(const char *path)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
	buf_free(&b);
	return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int
main(int argc, char **argv)
{
	struct dirent **names;
	struct stat st;
	char path[4096];
	int i, k, n, runs = 0, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1 || !S_ISDIR(st.st_mode)) {
			rc |= one(argv[i]);
			runs++;
			continue;
		}
		if ((n = scandir(argv[i], &names, NULL, by_name)) < 0) {
			fprintf(stderr, "replay: cannot list %s\n", argv[i]);
			return 1;
		}
		for (k = 0; k < n; k++) {
			snprintf(path, sizeof path, "%s/%s", argv[i],
			    names[k]->d_name);
			if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 &&
			    S_ISREG(st.st_mode)) {
				rc |= one(path);
				runs++;
			}
			free(names[k]);
		}
		free(names);
	}
	printf("replay: %d inputs\n", runs);
	return rc == 0 && runs > 0 ? 0 : 1;
}
