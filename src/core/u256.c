/* Unsigned 256-bit integers. See include/lamina/u256.h.
 *
 * Freestanding: only <string.h> for memcpy/memset. Division is Knuth's
 * Algorithm D (TAOCP vol. 2, §4.3.1) on 32-bit digits, so that every step
 * needs at most a 64-bit by 32-bit division, which rv32 has in libgcc/
 * compiler-rt; multiplication uses 64x64->128 products built from 32-bit
 * halves when the compiler has no unsigned __int128. */
#include "lamina/u256.h"
#include "lamina/bytes.h"

#include <string.h>

/* ---- 64x64 -> 128 multiply-accumulate ------------------------------------ */

/* Out: *lo, *hi = a * b + c + d. Cannot overflow: (2^64-1)^2 + 2(2^64-1)
 * = 2^128 - 1. */
static inline void mac64(uint64_t *lo, uint64_t *hi, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
#if defined(__SIZEOF_INT128__) && !defined(LM_U256_NO_INT128)
    unsigned __int128 t = (unsigned __int128)a * b + c + d;
    *lo = (uint64_t)t;
    *hi = (uint64_t)(t >> 64);
#else
    const uint64_t m = 0xffffffffu;
    uint64_t a0 = a & m, a1 = a >> 32, b0 = b & m, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & m) + (p10 & m); /* < 3 * 2^32 */
    uint64_t l = (mid << 32) | (p00 & m);
    uint64_t h = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    uint64_t l2 = l + c;
    h += l2 < l;
    uint64_t l3 = l2 + d;
    h += l3 < l2;
    *lo = l3;
    *hi = h;
#endif
}

/* ---- conversions --------------------------------------------------------- */

bool lm_u256_to_u64(uint64_t *out, const lm_u256 *a)
{
    if (a->w[1] | a->w[2] | a->w[3])
        return false;
    *out = a->w[0];
    return true;
}

void lm_u256_from_be32(lm_u256 *out, const uint8_t in[32])
{
    lm_u256 r;
    for (int i = 0; i < 4; i++)
        r.w[3 - i] = lm_load_be64(in + 8 * i);
    *out = r;
}

void lm_u256_to_be32(uint8_t out[32], const lm_u256 *a)
{
    lm_u256 v = *a; /* out may overlap a */
    for (int i = 0; i < 4; i++)
        lm_store_be64(out + 8 * i, v.w[3 - i]);
}

bool lm_u256_from_be(lm_u256 *out, const uint8_t *in, size_t len)
{
    if (len > 32)
        return false;
    uint8_t buf[32];
    memset(buf, 0, sizeof buf);
    if (len)
        memcpy(buf + 32 - len, in, len);
    lm_u256_from_be32(out, buf);
    return true;
}

size_t lm_u256_be_len(const lm_u256 *a) { return (lm_u256_bit_len(a) + 7) / 8; }

size_t lm_u256_to_be_min(uint8_t out[32], const lm_u256 *a)
{
    uint8_t buf[32];
    size_t n = lm_u256_be_len(a);
    lm_u256_to_be32(buf, a);
    memmove(out, buf + 32 - n, n);
    return n;
}

/* ---- comparison and bits ------------------------------------------------- */

int lm_u256_cmp(const lm_u256 *a, const lm_u256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

static unsigned bit_len64(uint64_t v) { return v ? 64u - (unsigned)__builtin_clzll(v) : 0; }

unsigned lm_u256_bit_len(const lm_u256 *a)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i])
            return 64u * (unsigned)i + bit_len64(a->w[i]);
    }
    return 0;
}

bool lm_u256_bit(const lm_u256 *a, unsigned i)
{
    if (i >= 256)
        return false;
    return (a->w[i / 64] >> (i % 64)) & 1;
}

void lm_u256_shl(lm_u256 *out, const lm_u256 *a, unsigned n)
{
    lm_u256 r = LM_U256_ZERO;
    if (n < 256) {
        int limbs = (int)(n / 64);
        unsigned bits = n % 64;
        for (int i = 3; i >= limbs; i--) {
            uint64_t v = a->w[i - limbs] << bits;
            if (bits && i - limbs >= 1)
                v |= a->w[i - limbs - 1] >> (64 - bits);
            r.w[i] = v;
        }
    }
    *out = r;
}

void lm_u256_shr(lm_u256 *out, const lm_u256 *a, unsigned n)
{
    lm_u256 r = LM_U256_ZERO;
    if (n < 256) {
        unsigned limbs = n / 64, bits = n % 64;
        for (unsigned i = 0; i + limbs < 4; i++) {
            uint64_t v = a->w[i + limbs] >> bits;
            if (bits && i + limbs + 1 < 4)
                v |= a->w[i + limbs + 1] << (64 - bits);
            r.w[i] = v;
        }
    }
    *out = r;
}

void lm_u256_not(lm_u256 *out, const lm_u256 *a)
{
    for (int i = 0; i < 4; i++)
        out->w[i] = ~a->w[i];
}

void lm_u256_neg(lm_u256 *out, const lm_u256 *a)
{
    /* -a = ~a + 1 (mod 2^256) */
    uint64_t carry = 1;
    for (int i = 0; i < 4; i++) {
        uint64_t v = ~a->w[i] + carry;
        carry = carry && v == 0;
        out->w[i] = v;
    }
}

void lm_u256_and(lm_u256 *out, const lm_u256 *a, const lm_u256 *b)
{
    for (int i = 0; i < 4; i++)
        out->w[i] = a->w[i] & b->w[i];
}

void lm_u256_or(lm_u256 *out, const lm_u256 *a, const lm_u256 *b)
{
    for (int i = 0; i < 4; i++)
        out->w[i] = a->w[i] | b->w[i];
}

/* ---- checked arithmetic -------------------------------------------------- */

bool lm_u256_add(lm_u256 *out, const lm_u256 *a, const lm_u256 *b)
{
    lm_u256 r;
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t s = a->w[i] + b->w[i];
        uint64_t c1 = s < a->w[i];
        uint64_t s2 = s + carry;
        uint64_t c2 = s2 < s;
        r.w[i] = s2;
        carry = c1 | c2;
    }
    if (carry)
        return false;
    *out = r;
    return true;
}

bool lm_u256_sub(lm_u256 *out, const lm_u256 *a, const lm_u256 *b)
{
    lm_u256 r;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t d = a->w[i] - b->w[i];
        uint64_t b1 = a->w[i] < b->w[i];
        uint64_t d2 = d - borrow;
        uint64_t b2 = d < borrow;
        r.w[i] = d2;
        borrow = b1 | b2;
    }
    if (borrow)
        return false;
    *out = r;
    return true;
}

bool lm_u256_mul(lm_u256 *out, const lm_u256 *a, const lm_u256 *b)
{
    /* Schoolbook product into 8 limbs; overflow iff the top 4 are not zero. */
    uint64_t r[8] = {0};
    for (int i = 0; i < 4; i++) {
        if (a->w[i] == 0)
            continue;
        uint64_t carry = 0;
        for (int j = 0; j < 4; j++)
            mac64(&r[i + j], &carry, a->w[i], b->w[j], r[i + j], carry);
        r[i + 4] = carry;
    }
    if (r[4] | r[5] | r[6] | r[7])
        return false;
    memcpy(out->w, r, sizeof out->w);
    return true;
}

/* ---- division ------------------------------------------------------------ */

static void to_digits32(uint32_t d[8], const lm_u256 *a)
{
    for (int i = 0; i < 4; i++) {
        d[2 * i] = (uint32_t)a->w[i];
        d[2 * i + 1] = (uint32_t)(a->w[i] >> 32);
    }
}

static void from_digits32(lm_u256 *a, const uint32_t d[8])
{
    for (int i = 0; i < 4; i++)
        a->w[i] = (uint64_t)d[2 * i + 1] << 32 | d[2 * i];
}

static int digit_count(const uint32_t *d, int n)
{
    while (n > 0 && d[n - 1] == 0)
        n--;
    return n;
}

/* Short division of u[0..m) by one 32-bit digit v != 0: q = u / v, returns
 * u % v. q may alias u. */
static uint32_t div_small(uint32_t *q, const uint32_t *u, int m, uint32_t v)
{
    uint64_t rem = 0;
    for (int i = m - 1; i >= 0; i--) {
        uint64_t cur = rem << 32 | u[i];
        q[i] = (uint32_t)(cur / v);
        rem = cur % v;
    }
    return (uint32_t)rem;
}

bool lm_u256_divmod(lm_u256 *q, lm_u256 *r, const lm_u256 *a, const lm_u256 *b)
{
    if (lm_u256_is_zero(b))
        return false;
    lm_u256 qq = LM_U256_ZERO, rr = LM_U256_ZERO;
    if ((a->w[1] | a->w[2] | a->w[3] | b->w[1] | b->w[2] | b->w[3]) == 0) {
        qq.w[0] = a->w[0] / b->w[0];
        rr.w[0] = a->w[0] % b->w[0];
    } else if (lm_u256_cmp(a, b) < 0) {
        rr = *a;
    } else {
        uint32_t u[9] = {0}, v[8], qd[8] = {0};
        to_digits32(u, a);
        to_digits32(v, b);
        int n = digit_count(v, 8), m = digit_count(u, 8) - n;
        if (n == 1) {
            uint32_t rem = div_small(qd, u, m + 1, v[0]);
            from_digits32(&qq, qd);
            rr.w[0] = rem;
        } else {
            /* D1. Normalize so that the divisor's top digit has its high bit
             * set; the estimate q̂ is then at most 2 too large. */
            unsigned s = (unsigned)__builtin_clz(v[n - 1]);
            uint32_t vn[8], un[9];
            for (int i = n - 1; i > 0; i--)
                vn[i] = (uint32_t)(v[i] << s | (s ? (uint64_t)v[i - 1] >> (32 - s) : 0));
            vn[0] = v[0] << s;
            un[m + n] = s ? (uint32_t)((uint64_t)u[m + n - 1] >> (32 - s)) : 0;
            for (int i = m + n - 1; i > 0; i--)
                un[i] = (uint32_t)(u[i] << s | (s ? (uint64_t)u[i - 1] >> (32 - s) : 0));
            un[0] = u[0] << s;
            const uint64_t base = (uint64_t)1 << 32;
            for (int j = m; j >= 0; j--) {
                /* D3. Estimate q̂ from the top two digits, refine with the third. */
                uint64_t num = (uint64_t)un[j + n] << 32 | un[j + n - 1];
                uint64_t qhat = num / vn[n - 1], rhat = num % vn[n - 1];
                while (qhat >= base ||
                       qhat * vn[n - 2] > (rhat << 32 | un[j + n - 2])) {
                    qhat--;
                    rhat += vn[n - 1];
                    if (rhat >= base)
                        break;
                }
                /* D4. Multiply and subtract q̂·v from un[j..j+n]. */
                uint64_t carry = 0, borrow = 0;
                for (int i = 0; i < n; i++) {
                    uint64_t p = qhat * vn[i] + carry;
                    carry = p >> 32;
                    uint64_t d = (uint64_t)un[i + j] - (p & 0xffffffffu) - borrow;
                    un[i + j] = (uint32_t)d;
                    borrow = d >> 63; /* a negative difference wrapped */
                }
                uint64_t d = (uint64_t)un[j + n] - carry - borrow;
                un[j + n] = (uint32_t)d;
                /* D5/D6. If that went negative, q̂ was one too large: add back. */
                if (d >> 63) {
                    qhat--;
                    uint64_t c = 0;
                    for (int i = 0; i < n; i++) {
                        uint64_t t = (uint64_t)un[i + j] + vn[i] + c;
                        un[i + j] = (uint32_t)t;
                        c = t >> 32;
                    }
                    un[j + n] = (uint32_t)(un[j + n] + c);
                }
                qd[j] = (uint32_t)qhat;
            }
            from_digits32(&qq, qd);
            /* D8. Unnormalize the remainder. */
            uint32_t rd[8] = {0};
            for (int i = 0; i < n; i++)
                rd[i] = (uint32_t)(un[i] >> s | (s ? (uint64_t)un[i + 1] << (32 - s) : 0));
            from_digits32(&rr, rd);
        }
    }
    if (q)
        *q = qq;
    if (r)
        *r = rr;
    return true;
}

/* ---- text ---------------------------------------------------------------- */

/* a = a * m + add; returns false on overflow (a is then garbage). */
static bool mul_add_small(lm_u256 *a, uint64_t m, uint64_t add)
{
    uint64_t carry = add;
    for (int i = 0; i < 4; i++)
        mac64(&a->w[i], &carry, a->w[i], m, carry, 0);
    return carry == 0;
}

lm_code lm_u256_from_dec(lm_u256 *out, const char *text, size_t len, lm_err *err)
{
    if (len == 0)
        return lm_err_set(err, LM_EINVAL, "u256: empty decimal");
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return lm_err_set(err, LM_EINVAL, "u256: bad decimal digit at offset %zu", i);
    }
    if (text[0] == '0' && len > 1)
        return lm_err_set(err, LM_EINVAL, "u256: leading zero in decimal");
    if (len > 78)
        return lm_err_set(err, LM_EOVERFLOW, "u256: decimal of %zu digits exceeds 2^256-1", len);
    lm_u256 v = LM_U256_ZERO;
    for (size_t i = 0; i < len; i++) {
        if (!mul_add_small(&v, 10, (uint64_t)(text[i] - '0')))
            return lm_err_set(err, LM_EOVERFLOW, "u256: decimal exceeds 2^256-1");
    }
    *out = v;
    return LM_OK;
}


lm_code lm_u256_from_hex(lm_u256 *out, const char *text, size_t len, lm_hex_prefix rule,
                         lm_err *err)
{
    bool has_prefix = len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    if (rule == LM_HEX_PREFIX_REQUIRED && !has_prefix)
        return lm_err_set(err, LM_EINVAL, "u256: missing 0x prefix");
    if (rule == LM_HEX_PREFIX_FORBIDDEN && has_prefix)
        return lm_err_set(err, LM_EINVAL, "u256: unexpected 0x prefix");
    size_t start = has_prefix ? 2 : 0;
    if (start == len)
        return lm_err_set(err, LM_EINVAL, "u256: no hex digits");
    for (size_t i = start; i < len; i++) {
        if (lm_hex_digit(text[i]) < 0)
            return lm_err_set(err, LM_EINVAL, "u256: bad hex digit at offset %zu", i);
    }
    while (start < len && text[start] == '0')
        start++;
    if (len - start > 64)
        return lm_err_set(err, LM_EOVERFLOW, "u256: hex value exceeds 2^256-1");
    lm_u256 v = LM_U256_ZERO;
    for (size_t i = start; i < len; i++) {
        size_t k = len - 1 - i; /* nibble index from the least significant */
        v.w[k / 16] |= (uint64_t)lm_hex_digit(text[i]) << (4 * (k % 16));
    }
    *out = v;
    return LM_OK;
}

size_t lm_u256_to_dec(char out[LM_U256_DEC_BUF], const lm_u256 *a)
{
    /* Peel off 9 decimal digits at a time: 10^9 < 2^32, so each step is a
     * short division with 64-bit intermediates. */
    uint32_t d[8];
    to_digits32(d, a);
    char tmp[LM_U256_DEC_BUF];
    size_t n = 0;
    int m = digit_count(d, 8);
    do {
        uint32_t chunk = div_small(d, d, m, 1000000000u);
        m = digit_count(d, m);
        for (int i = 0; i < 9; i++) {
            tmp[n++] = (char)('0' + chunk % 10);
            chunk /= 10;
            if (m == 0 && chunk == 0)
                break;
        }
    } while (m > 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t lm_u256_to_hex(char out[LM_U256_HEX_BUF], const lm_u256 *a, bool prefix)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    if (prefix) {
        out[o++] = '0';
        out[o++] = 'x';
    }
    unsigned nibbles = (lm_u256_bit_len(a) + 3) / 4;
    if (nibbles == 0)
        nibbles = 1;
    for (unsigned k = nibbles; k-- > 0;)
        out[o++] = digits[(a->w[k / 16] >> (4 * (k % 16))) & 15];
    out[o] = '\0';
    return o;
}
