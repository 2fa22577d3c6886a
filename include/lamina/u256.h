/* Unsigned 256-bit integers: EVM words, wei amounts, RLP and ABI integers.
 *
 * Representation: four 64-bit limbs in little-endian limb order, w[0] the
 * least significant, so the value is w[0] + w[1]*2^64 + w[2]*2^128 +
 * w[3]*2^192. Each limb is a native uint64_t (host byte order); the byte
 * order on the wire is always explicit (lm_u256_from_be32 / lm_u256_to_be32).
 * The struct is a plain value: copy it, compare it with lm_u256_eq, keep it
 * on the stack.
 *
 * Arithmetic is checked, like lamina/checked.h: add, sub and mul return
 * false on overflow and then leave *out untouched. Outputs may alias inputs.
 * Signed 256-bit values (ABI intN) use two's complement in the same struct;
 * lm_u256_neg and the bitwise helpers are wrapping by definition.
 *
 * Freestanding: no allocation, no global state, no libc beyond memcpy and
 * memset; 128-bit products use unsigned __int128 where the compiler has it
 * and 32-bit halves elsewhere (the rv32 build of the STF). Not constant-time:
 * do not use on secrets. */
#ifndef LAMINA_U256_H
#define LAMINA_U256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/bytes.h"
#include "lamina/err.h"

typedef struct lm_u256 {
    uint64_t w[4]; /* little-endian limbs: w[0] least significant */
} lm_u256;

/* Characters needed by lm_u256_to_dec: 78 digits (2^256-1 has 78) + NUL. */
#define LM_U256_DEC_BUF 79
/* Characters needed by lm_u256_to_hex: "0x" + 64 digits + NUL. */
#define LM_U256_HEX_BUF 67

#define LM_U256_ZERO ((lm_u256){{0, 0, 0, 0}})
#define LM_U256_ONE ((lm_u256){{1, 0, 0, 0}})
#define LM_U256_MAX ((lm_u256){{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}})

static inline lm_u256 lm_u256_from_u64(uint64_t v) { return (lm_u256){{v, 0, 0, 0}}; }

/* Out: *out = a, when a fits in 64 bits. Returns: false (and *out untouched)
 * when a >= 2^64. */
LM_MUST_CHECK bool lm_u256_to_u64(uint64_t *out, const lm_u256 *a);

static inline bool lm_u256_is_zero(const lm_u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}
static inline bool lm_u256_eq(const lm_u256 *a, const lm_u256 *b)
{
    return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
            (a->w[3] ^ b->w[3])) == 0;
}

/* Returns: -1, 0 or 1 as a <, == or > b (unsigned). */
int lm_u256_cmp(const lm_u256 *a, const lm_u256 *b);

/* Checked arithmetic. Out: *out = a op b. Returns: false on overflow
 * (result >= 2^256, or a - b < 0), *out untouched then. */
LM_MUST_CHECK bool lm_u256_add(lm_u256 *out, const lm_u256 *a, const lm_u256 *b);
LM_MUST_CHECK bool lm_u256_sub(lm_u256 *out, const lm_u256 *a, const lm_u256 *b);
LM_MUST_CHECK bool lm_u256_mul(lm_u256 *out, const lm_u256 *a, const lm_u256 *b);

/* Out: *q = a / b (truncated), *r = a % b; either may be NULL.
 * Returns: false when b == 0 (the divide-by-zero error; outputs untouched). */
LM_MUST_CHECK bool lm_u256_divmod(lm_u256 *q, lm_u256 *r, const lm_u256 *a, const lm_u256 *b);

/* Shifts. n may be any value: n >= 256 gives zero. */
void lm_u256_shl(lm_u256 *out, const lm_u256 *a, unsigned n);
void lm_u256_shr(lm_u256 *out, const lm_u256 *a, unsigned n);

/* Wrapping helpers (mod 2^256), for two's-complement signed values. */
void lm_u256_not(lm_u256 *out, const lm_u256 *a);
void lm_u256_neg(lm_u256 *out, const lm_u256 *a); /* out = 2^256 - a (0 for 0) */
void lm_u256_and(lm_u256 *out, const lm_u256 *a, const lm_u256 *b);
void lm_u256_or(lm_u256 *out, const lm_u256 *a, const lm_u256 *b);

/* Returns: the number of significant bits: 0 for 0, 256 for values >= 2^255. */
unsigned lm_u256_bit_len(const lm_u256 *a);

/* Returns: bit i (0 = least significant) of a; false for i >= 256. */
bool lm_u256_bit(const lm_u256 *a, unsigned i);

/* Big-endian conversions. from_be accepts 0..32 bytes (leading zeros
 * allowed: this is a plain conversion, canonical-form checks belong to the
 * codec) and returns false for len > 32. be_len returns the minimal byte
 * length (0 for zero); to_be_min writes that many bytes to out[0..32). */
void lm_u256_from_be32(lm_u256 *out, const uint8_t in[32]);
void lm_u256_to_be32(uint8_t out[32], const lm_u256 *a);
LM_MUST_CHECK bool lm_u256_from_be(lm_u256 *out, const uint8_t *in, size_t len);
size_t lm_u256_be_len(const lm_u256 *a);
size_t lm_u256_to_be_min(uint8_t out[32], const lm_u256 *a);

/* Parses a decimal number of exactly len characters (no NUL needed).
 * Strict: only digits, at least one, no sign, no spaces, no leading zeros
 * ("0" itself is fine; "007" is not), so every value has exactly one text.
 * Out: *out on success only.
 * Returns: LM_OK; LM_EINVAL (empty, bad character — the message names the
 * offset —, leading zero); LM_EOVERFLOW (value >= 2^256). */
LM_MUST_CHECK lm_code lm_u256_from_dec(lm_u256 *out, const char *text, size_t len, lm_err *err);

/* Parses hex digits with the "0x" rule of lm_hex_decode. Any number of
 * digits >= 1 (odd counts and leading zeros are fine: "0x1", "0x0001" and
 * 64-digit padded words all parse); the value must be < 2^256.
 * Out: *out on success only.
 * Returns: LM_OK; LM_EINVAL (prefix rule, no digits, bad digit at an offset);
 * LM_EOVERFLOW (value >= 2^256). */
LM_MUST_CHECK lm_code lm_u256_from_hex(lm_u256 *out, const char *text, size_t len,
                                       lm_hex_prefix rule, lm_err *err);

/* Formats a in decimal, NUL-terminated, no leading zeros ("0" for zero).
 * Returns: the number of characters written, not counting the NUL. */
size_t lm_u256_to_dec(char out[LM_U256_DEC_BUF], const lm_u256 *a);

/* Formats a as minimal lowercase hex ("0x0" for zero, "0x1f" …; the
 * JSON-RPC QUANTITY form), with the "0x" only when prefix is true.
 * Returns: the number of characters written, not counting the NUL. */
size_t lm_u256_to_hex(char out[LM_U256_HEX_BUF], const lm_u256 *a, bool prefix);

#endif
