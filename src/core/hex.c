#include "lamina/bytes.h"

#include <string.h>

/* The value of hex digit c, or 0x100 when c is not one: no branches and no
 * table, so decoding a secret leaks nothing through timing or the cache. */
static inline unsigned hexval(unsigned char c)
{
    unsigned d = (unsigned)c - '0';
    unsigned l = ((unsigned)c | 0x20u) - 'a';
    unsigned dm = 0u - (unsigned)(d < 10);
    unsigned lm = 0u - (unsigned)(l < 6);
    return (d & dm) | ((l + 10) & lm) | (0x100u & ~(dm | lm));
}

int lm_hex_digit(char c)
{
    unsigned v = hexval((unsigned char)c);
    return v > 15 ? -1 : (int)v;
}

lm_code lm_hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *text,
                      size_t text_len, lm_hex_prefix rule, lm_err *err)
{
    bool has_prefix = text_len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (rule == LM_HEX_PREFIX_REQUIRED && !has_prefix)
        return lm_err_set(err, LM_EINVAL, "hex: missing 0x prefix");
    if (rule == LM_HEX_PREFIX_FORBIDDEN && has_prefix)
        return lm_err_set(err, LM_EINVAL, "hex: unexpected 0x prefix");
    size_t start = has_prefix ? 2 : 0;
    size_t digits = text_len - start;
    if (digits % 2)
        return lm_err_set(err, LM_EINVAL, "hex: odd number of digits (%zu)", digits);
    if (digits / 2 > out_cap)
        return lm_err_set(err, LM_ESPACE, "hex: %zu bytes do not fit in %zu", digits / 2, out_cap);
    /* one pass; out is written even when a digit is bad (the caller gets
     * an error and must not use it) */
    const unsigned char *t = (const unsigned char *)text + start;
    unsigned bad = 0;
    for (size_t i = 0; i < digits / 2; i++) {
        unsigned hi = hexval(t[2 * i]), lo = hexval(t[2 * i + 1]);
        bad |= hi | lo;
        out[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    if (bad & 0x100u) {
        for (size_t i = start; i < text_len; i++)
            if (lm_hex_digit(text[i]) < 0)
                return lm_err_set(err, LM_EINVAL, "hex: bad digit at offset %zu", i);
    }
    *out_len = digits / 2;
    return LM_OK;
}

lm_code lm_hex_decode_exact(uint8_t *out, size_t n, const char *text, size_t text_len,
                            lm_hex_prefix rule, lm_err *err)
{
    bool has_prefix = text_len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    size_t digits = text_len - (has_prefix ? 2 : 0);
    if (digits != 2 * n)
        return lm_err_set(err, LM_EINVAL, "hex: expected %zu bytes, got %zu digits", n, digits);
    size_t got;
    return lm_hex_decode(out, n, &got, text, text_len, rule, err);
}

size_t lm_hex_encode(char *out, const uint8_t *in, size_t len, bool prefix)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    if (prefix) {
        out[o++] = '0';
        out[o++] = 'x';
    }
    for (size_t i = 0; i < len; i++) {
        out[o++] = digits[in[i] >> 4];
        out[o++] = digits[in[i] & 15];
    }
    out[o] = '\0';
    return o;
}

bool lm_ct_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint8_t)(a[i] ^ b[i]);
    return acc == 0;
}

void lm_wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;
    while (n--)
        *v++ = 0;
}
