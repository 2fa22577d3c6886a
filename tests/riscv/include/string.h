/* The only <string.h> the freestanding RISC-V build of the STF sees
 * (scripts/check_freestanding.sh): memcpy, memset and memcmp, defined in
 * tests/riscv/libc_min.c. Anything else from libc fails to compile. */
#ifndef LM_RISCV_STRING_H
#define LM_RISCV_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
