#ifndef RDRILL_FUZZ_H
#define RDRILL_FUZZ_H
/*
 * What every fuzz target shares. A target defines
 * LLVMFuzzerTestOneInput(); it is linked either with libFuzzer (`make
 * fuzz`, clang) or with driver.c (`make check`: every corpus file
 * replayed once, with gcc, plain and under ASan + UBSan).
 *
 * Targets whose code reads files (the drill loader, the journal reader,
 * verify) write the input into a scratch directory made once per process
 * and emptied before each input, so inputs never see each other.
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The scratch directory (created on first use; removed at exit). */
const char *fuzz_dir(void);
/* Empty fuzz_dir(), keeping the directory itself. */
void fuzz_clean(void);
/* Write `len` bytes to fuzz_dir()/rel (parent directories made); 0 / -1. */
int fuzz_write(const char *rel, const void *buf, size_t len);
/* Point RDRILL_TEMPLATES at the source tree's templates (-DFUZZ_TOP). */
void fuzz_use_templates(void);

#endif
