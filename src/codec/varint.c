/* Unsigned LEB128: see include/lamina/varint.h. */
#include "lamina/varint.h"

size_t lm_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t lm_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

lm_code lm_varint_get(uint64_t *v, size_t *used, const uint8_t *in, size_t len, lm_err *err)
{
    uint64_t x = 0;
    for (size_t i = 0; i < LM_VARINT_MAX_LEN; i++) {
        if (i == len)
            return lm_err_set(err, LM_ETRUNC, "varint: input ends after %zu bytes", i);
        uint8_t b = in[i];
        /* byte 10 holds bit 63 alone: 0x01 is the only value it may take */
        if (i == LM_VARINT_MAX_LEN - 1 && b > 0x01)
            return lm_err_set(err, LM_EOVERFLOW, "varint: value does not fit 64 bits");
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return lm_err_set(err, LM_ENONCANON, "varint: %zu bytes, not minimal", i + 1);
            *v = x;
            *used = i + 1;
            return LM_OK;
        }
    }
    /* unreachable: the tenth byte either ended the varint or overflowed */
    return lm_err_set(err, LM_EOVERFLOW, "varint: value does not fit 64 bits");
}
