/* Bytes, hex and endianness.
 *
 * Hex parsing is strict: an even number of digits, only 0-9a-fA-F, and the
 * "0x" prefix exactly as the caller's rule says (required, forbidden or
 * optional). Nothing is written to the output on error. */
#ifndef LAMINA_BYTES_H
#define LAMINA_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"

typedef enum lm_hex_prefix {
    LM_HEX_PREFIX_OPTIONAL = 0,
    LM_HEX_PREFIX_REQUIRED,
    LM_HEX_PREFIX_FORBIDDEN,
} lm_hex_prefix;

/* Decodes hex text of exactly text_len characters (no NUL needed).
 * Out: out[0..*out_len) the bytes; *out_len their count.
 * In:  out_cap the capacity of out; rule the "0x" rule.
 * Returns: LM_OK, or LM_EINVAL (prefix, odd length, bad digit — the message
 * names the offset), LM_ESPACE (out too small). */
LM_MUST_CHECK lm_code lm_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                                    const char *text, size_t text_len, lm_hex_prefix rule,
                                    lm_err *err);

/* Decodes hex text into exactly n bytes (e.g. a 20-byte address or 32-byte
 * hash). Returns LM_EINVAL when the text does not hold exactly n bytes. */
LM_MUST_CHECK lm_code lm_hex_decode_exact(uint8_t *out, size_t n, const char *text,
                                          size_t text_len, lm_hex_prefix rule, lm_err *err);

/* Returns: the value of one hex digit (0-9, a-f, A-F), or -1. */
int lm_hex_digit(char c);

/* Encodes len bytes as lowercase hex, "0x"-prefixed when prefix is true,
 * NUL-terminated. out must hold 2*len + (prefix ? 2 : 0) + 1 chars.
 * Returns: the number of characters written, not counting the NUL. */
size_t lm_hex_encode(char *out, const uint8_t *in, size_t len, bool prefix);

/* Big- and little-endian loads and stores. */
static inline uint16_t lm_load_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t lm_load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t lm_load_be64(const uint8_t *p)
{
    return (uint64_t)lm_load_be32(p) << 32 | lm_load_be32(p + 4);
}
static inline uint32_t lm_load_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint64_t lm_load_le64(const uint8_t *p)
{
    return (uint64_t)lm_load_le32(p + 4) << 32 | lm_load_le32(p);
}
static inline void lm_store_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void lm_store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void lm_store_be64(uint8_t *p, uint64_t v)
{
    lm_store_be32(p, (uint32_t)(v >> 32));
    lm_store_be32(p + 4, (uint32_t)v);
}
static inline void lm_store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void lm_store_le64(uint8_t *p, uint64_t v)
{
    lm_store_le32(p, (uint32_t)v);
    lm_store_le32(p + 4, (uint32_t)(v >> 32));
}

/* Constant-time comparison of two n-byte buffers (for secrets and MACs).
 * Returns: true when equal. Time depends on n only. */
bool lm_ct_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Overwrites n bytes with zeros in a way the compiler does not remove. */
void lm_wipe(void *p, size_t n);

#endif
