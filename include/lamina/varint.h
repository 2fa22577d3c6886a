/* Unsigned LEB128 varints (the DWARF / protobuf / WebAssembly form), strict.
 *
 * A value is written 7 bits at a time, least significant group first; every
 * byte but the last has its high bit (0x80) set. A uint64 takes 1 to 10
 * bytes. Decoding is canonical: exactly one byte string per value.
 *   - the input must hold the whole varint (LM_ETRUNC);
 *   - a varint of two or more bytes must not end in 0x00, i.e. carry no
 *     zero high groups ("80 00" for 0) (LM_ENONCANON);
 *   - the value must fit 64 bits: the tenth byte may only be 0x01, and
 *     there is never an eleventh (LM_EOVERFLOW).
 * Used by the batch format (docs/batch-format.md). Freestanding: no libc
 * beyond the error message. */
#ifndef LAMINA_VARINT_H
#define LAMINA_VARINT_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"

#define LM_VARINT_MAX_LEN 10

/* Returns: the encoded length of v, 1..10. */
size_t lm_varint_len(uint64_t v);

/* Writes v. out must have room for lm_varint_len(v) (at most
 * LM_VARINT_MAX_LEN) bytes.
 * Returns: the number of bytes written. */
size_t lm_varint_put(uint8_t *out, uint64_t v);

/* Reads one varint from the start of in[0..len).
 * Out: *v the value, *used the bytes it took (both untouched on error).
 * Returns: LM_OK, LM_ETRUNC, LM_ENONCANON or LM_EOVERFLOW (rules above). */
LM_MUST_CHECK lm_code lm_varint_get(uint64_t *v, size_t *used, const uint8_t *in, size_t len,
                                    lm_err *err);

#endif
