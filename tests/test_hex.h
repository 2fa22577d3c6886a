/* Hex test inputs: decoding the hex of a test vector, failing the running
 * test (cmocka) with the decoder's message when it is not valid hex.
 * Header-only. */
#ifndef LM_TESTS_TEST_HEX_H
#define LM_TESTS_TEST_HEX_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/bytes.h"

/* Decodes hex (with "0x" as rule says) into out[0..cap). Returns the byte
 * count. */
static inline size_t test_hex_into(uint8_t *out, size_t cap, const char *hex, lm_hex_prefix rule)
{
    size_t len;
    lm_err err;
    if (lm_hex_decode(out, cap, &len, hex, strlen(hex), rule, &err) != LM_OK)
        fail_msg("bad hex: %s", err.msg);
    return len;
}

/* Decodes hex (with "0x" as rule says) into a malloc'd buffer (the
 * caller's), its byte count in *len. */
static inline uint8_t *test_hex_alloc(const char *hex, size_t *len, lm_hex_prefix rule)
{
    size_t n = strlen(hex);
    uint8_t *out = malloc(n / 2 + 1);
    assert_non_null(out);
    lm_err err;
    if (lm_hex_decode(out, n / 2 + 1, len, hex, n, rule, &err) != LM_OK)
        fail_msg("bad hex in vector: %s", err.msg);
    return out;
}

#endif
