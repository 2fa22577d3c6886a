/* Fuzz target: hex and number text (lamina/bytes.h, lamina/u256.h).
 *
 * The input is treated as text:
 *   - lm_hex_decode under each "0x" rule: what decodes must encode back to
 *     the same digits, lowercased;
 *   - lm_u256_from_dec: decimal is canonical, so what parses must format
 *     back to exactly the input;
 *   - lm_u256_from_hex: what parses must format to the input's digits,
 *     lowercased, without leading zeros, and parse back to the same value.
 * When the input has at least 64 bytes, its first two 32-byte words are also
 * run through the arithmetic: a == q*b + r with r < b, (a*b)/a == b, and
 * (a+b)-b == a, whenever the checked operations succeed.
 * Mismatches abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/bytes.h"
#include "lamina/u256.h"

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static void check_hex(const char *text, size_t len)
{
    static const lm_hex_prefix rules[] = {LM_HEX_PREFIX_OPTIONAL, LM_HEX_PREFIX_REQUIRED,
                                          LM_HEX_PREFIX_FORBIDDEN};
    uint8_t *out = malloc(len / 2 + 1);
    char *enc = malloc(len + 3);
    if (!out || !enc)
        abort();
    for (size_t r = 0; r < 3; r++) {
        size_t n;
        lm_err err;
        lm_code rc = lm_hex_decode(out, len / 2 + 1, &n, text, len, rules[r], &err);
        if (rc != LM_OK) {
            if (err.code != rc || err.msg[0] == '\0')
                abort();
            continue;
        }
        size_t start = len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? 2 : 0;
        if (rules[r] == LM_HEX_PREFIX_REQUIRED && start == 0)
            abort();
        if (rules[r] == LM_HEX_PREFIX_FORBIDDEN && start == 2)
            abort();
        size_t m = lm_hex_encode(enc, out, n, false);
        if (m != len - start)
            abort();
        for (size_t i = 0; i < m; i++)
            if (enc[i] != lower(text[start + i]))
                abort();
    }
    free(out);
    free(enc);
}

static void check_u256_text(const char *text, size_t len)
{
    lm_u256 v, w;
    lm_err err;
    char buf[LM_U256_HEX_BUF > LM_U256_DEC_BUF ? LM_U256_HEX_BUF : LM_U256_DEC_BUF];
    lm_code rc = lm_u256_from_dec(&v, text, len, &err);
    if (rc == LM_OK) {
        size_t n = lm_u256_to_dec(buf, &v);
        if (n != len || memcmp(buf, text, len) != 0)
            abort();
    } else if (err.code != rc || err.msg[0] == '\0') {
        abort();
    }
    rc = lm_u256_from_hex(&v, text, len, LM_HEX_PREFIX_OPTIONAL, &err);
    if (rc != LM_OK) {
        if (err.code != rc || err.msg[0] == '\0')
            abort();
        return;
    }
    size_t start = len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') ? 2 : 0;
    while (start + 1 < len && text[start] == '0')
        start++;
    size_t n = lm_u256_to_hex(buf, &v, false);
    if (n != len - start)
        abort();
    for (size_t i = 0; i < n; i++)
        if (buf[i] != lower(text[start + i]))
            abort();
    if (lm_u256_from_hex(&w, buf, n, LM_HEX_PREFIX_FORBIDDEN, &err) != LM_OK || !lm_u256_eq(&v, &w))
        abort();
}

static void check_arith(const uint8_t *data)
{
    lm_u256 a, b, q, r, t, s;
    lm_u256_from_be32(&a, data);
    lm_u256_from_be32(&b, data + 32);
    if (lm_u256_divmod(&q, &r, &a, &b)) {
        if (lm_u256_cmp(&r, &b) >= 0 || !lm_u256_mul(&t, &q, &b) || !lm_u256_add(&s, &t, &r) ||
            !lm_u256_eq(&s, &a))
            abort();
    } else if (!lm_u256_is_zero(&b)) {
        abort();
    }
    if (lm_u256_mul(&t, &a, &b) && !lm_u256_is_zero(&a)) {
        if (!lm_u256_divmod(&q, &r, &t, &a) || !lm_u256_eq(&q, &b) || !lm_u256_is_zero(&r))
            abort();
    }
    if (lm_u256_add(&t, &a, &b)) {
        if (!lm_u256_sub(&s, &t, &b) || !lm_u256_eq(&s, &a))
            abort();
    } else {
        lm_u256 room, max = LM_U256_MAX; /* overflow exactly when a > MAX - b */
        if (!lm_u256_sub(&room, &max, &b) || lm_u256_cmp(&a, &room) <= 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_hex(text, size);
    check_u256_text(text, size);
    if (size >= 64)
        check_arith(data);
    return 0;
}
