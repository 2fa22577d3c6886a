/* Unit tests for lamina/u256.h: edge values, overflow at every boundary,
 * shifts, conversions, text, and property tests of mul/divmod against a
 * slow bit-by-bit reference written independently below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/u256.h"

/* 2^256 - 1, from the Ethereum RLP tests' bigint (2^256) minus one and
 * the EVM's well-known MAX_UINT256. */
static const char MAX_DEC[] =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";

static lm_u256 u(uint64_t w3, uint64_t w2, uint64_t w1, uint64_t w0)
{
    return (lm_u256){{w0, w1, w2, w3}};
}

#define assert_u256_equal(a, b)                                                            \
    do {                                                                                   \
        lm_u256 a_ = (a), b_ = (b);                                                        \
        if (!lm_u256_eq(&a_, &b_)) {                                                       \
            char sa_[LM_U256_HEX_BUF], sb_[LM_U256_HEX_BUF];                               \
            lm_u256_to_hex(sa_, &a_, true);                                                \
            lm_u256_to_hex(sb_, &b_, true);                                                \
            fail_msg("%s != %s", sa_, sb_);                                                \
        }                                                                                  \
    } while (0)

/* splitmix64: a fixed-seed PRNG so every run checks the same values. */
static uint64_t rng_state;
static uint64_t rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random value with a random bit length, so that every limb count and
 * every digit count of the divisor gets exercised. */
static lm_u256 rand_u256(void)
{
    lm_u256 v = {{rng(), rng(), rng(), rng()}};
    unsigned bits = (unsigned)(rng() % 257);
    lm_u256_shr(&v, &v, 256 - bits);
    if (rng() % 8 == 0) /* sprinkle long runs of ones and zeros */
        v.w[rng() % 4] = (rng() & 1) ? UINT64_MAX : 0;
    return v;
}

/* ---- the slow reference: plain limb arrays, one bit at a time ----------- */

static void ref_shl1(uint64_t *a, int n)
{
    for (int i = n - 1; i > 0; i--)
        a[i] = a[i] << 1 | a[i - 1] >> 63;
    a[0] <<= 1;
}

static int ref_cmp(const uint64_t *a, const uint64_t *b, int n)
{
    for (int i = n - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static void ref_sub(uint64_t *a, const uint64_t *b, int n) /* a -= b, a >= b */
{
    uint64_t borrow = 0;
    for (int i = 0; i < n; i++) {
        uint64_t bi = b[i] + borrow;
        uint64_t nb = (bi < borrow) || a[i] < bi;
        a[i] -= bi;
        borrow = nb;
    }
}

static void ref_add(uint64_t *a, const uint64_t *b, int n) /* a += b mod 2^(64n) */
{
    uint64_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint64_t s = a[i] + carry;
        uint64_t c = s < carry;
        s += b[i];
        c |= s < b[i];
        a[i] = s;
        carry = c;
    }
}

/* 512-bit product by shift-and-add over the bits of b. Returns whether the
 * product needs more than 256 bits. */
static bool ref_mul(lm_u256 *lo, const lm_u256 *a, const lm_u256 *b)
{
    uint64_t acc[8] = {0}, sh[8] = {0};
    memcpy(sh, a->w, 32);
    for (int i = 0; i < 256; i++) {
        if ((b->w[i / 64] >> (i % 64)) & 1)
            ref_add(acc, sh, 8);
        ref_shl1(sh, 8);
    }
    memcpy(lo->w, acc, 32);
    return (acc[4] | acc[5] | acc[6] | acc[7]) != 0;
}

/* Restoring binary long division. */
static void ref_divmod(lm_u256 *q, lm_u256 *r, const lm_u256 *a, const lm_u256 *b)
{
    uint64_t rem[5] = {0}, den[5] = {0}, quo[4] = {0};
    memcpy(den, b->w, 32);
    for (int i = 255; i >= 0; i--) {
        ref_shl1(rem, 5);
        rem[0] |= (a->w[i / 64] >> (i % 64)) & 1;
        if (ref_cmp(rem, den, 5) >= 0) {
            ref_sub(rem, den, 5);
            quo[i / 64] |= 1ull << (i % 64);
        }
    }
    memcpy(q->w, quo, 32);
    memcpy(r->w, rem, 32);
}

/* ---- tests -------------------------------------------------------------- */

static void test_edges(void **state)
{
    (void)state;
    lm_u256 zero = LM_U256_ZERO, one = LM_U256_ONE, max = LM_U256_MAX;
    lm_u256 m64 = lm_u256_from_u64(UINT64_MAX), p64 = u(0, 0, 1, 0), p128 = u(0, 1, 0, 0);
    assert_true(lm_u256_is_zero(&zero));
    assert_false(lm_u256_is_zero(&one));
    assert_int_equal(lm_u256_bit_len(&zero), 0);
    assert_int_equal(lm_u256_bit_len(&one), 1);
    assert_int_equal(lm_u256_bit_len(&m64), 64);
    assert_int_equal(lm_u256_bit_len(&p64), 65);
    assert_int_equal(lm_u256_bit_len(&p128), 129);
    assert_int_equal(lm_u256_bit_len(&max), 256);
    assert_true(lm_u256_bit(&p128, 128));
    assert_false(lm_u256_bit(&p128, 127));
    assert_false(lm_u256_bit(&max, 256));
    assert_int_equal(lm_u256_cmp(&zero, &one), -1);
    assert_int_equal(lm_u256_cmp(&max, &p128), 1);
    assert_int_equal(lm_u256_cmp(&p128, &p128), 0);
    assert_int_equal(lm_u256_cmp(&m64, &p64), -1);

    uint64_t x = 7;
    assert_true(lm_u256_to_u64(&x, &m64) && x == UINT64_MAX);
    x = 7;
    assert_false(lm_u256_to_u64(&x, &p64));
    assert_false(lm_u256_to_u64(&x, &max));
    assert_true(x == 7);

    lm_u256 r;
    assert_true(lm_u256_add(&r, &m64, &one));
    assert_u256_equal(r, p64);
    assert_true(lm_u256_sub(&r, &p128, &one));
    assert_u256_equal(r, u(0, 0, UINT64_MAX, UINT64_MAX));
    assert_true(lm_u256_mul(&r, &p64, &p64));
    assert_u256_equal(r, p128);
    lm_u256_neg(&r, &one);
    assert_u256_equal(r, max);
    lm_u256_neg(&r, &zero);
    assert_u256_equal(r, zero);
    lm_u256_not(&r, &zero);
    assert_u256_equal(r, max);
}

static void test_overflow_boundaries(void **state)
{
    (void)state;
    lm_u256 one = LM_U256_ONE, max = LM_U256_MAX, zero = LM_U256_ZERO, two = lm_u256_from_u64(2);
    lm_u256 sentinel = u(1, 2, 3, 4), r = sentinel;
    /* add: carry through every limb boundary, and out of the top */
    assert_false(lm_u256_add(&r, &max, &one));
    assert_u256_equal(r, sentinel);
    lm_u256 max_m1 = u(UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX - 1);
    assert_true(lm_u256_add(&r, &max_m1, &one));
    assert_u256_equal(r, max);
    for (int limb = 0; limb < 3; limb++) {
        lm_u256 a = LM_U256_ZERO, want = LM_U256_ZERO;
        for (int i = 0; i <= limb; i++)
            a.w[i] = UINT64_MAX;
        want.w[limb + 1] = 1;
        assert_true(lm_u256_add(&r, &a, &one));
        assert_u256_equal(r, want);
        assert_true(lm_u256_sub(&r, &want, &one));
        assert_u256_equal(r, a);
    }
    lm_u256 top = u(1ull << 63, 0, 0, 0);
    r = sentinel;
    assert_false(lm_u256_add(&r, &top, &top));
    assert_u256_equal(r, sentinel);
    /* sub: below zero, by one and by everything */
    assert_false(lm_u256_sub(&r, &zero, &one));
    assert_false(lm_u256_sub(&r, &one, &max));
    assert_false(lm_u256_sub(&r, &max_m1, &max));
    assert_u256_equal(r, sentinel);
    assert_true(lm_u256_sub(&r, &max, &max));
    assert_u256_equal(r, zero);
    /* mul: 2^255 * 2 overflows, 2^254 * 2 does not; 2^128 * 2^128 overflows,
     * 2^128 * (2^128 - 1) does not; MAX * 1 fits, MAX * 2 does not */
    r = sentinel;
    assert_false(lm_u256_mul(&r, &top, &two));
    assert_u256_equal(r, sentinel);
    lm_u256 t254 = u(1ull << 62, 0, 0, 0);
    assert_true(lm_u256_mul(&r, &t254, &two));
    assert_u256_equal(r, top);
    lm_u256 p128 = u(0, 1, 0, 0), p128m1 = u(0, 0, UINT64_MAX, UINT64_MAX);
    r = sentinel;
    assert_false(lm_u256_mul(&r, &p128, &p128));
    assert_u256_equal(r, sentinel);
    assert_true(lm_u256_mul(&r, &p128, &p128m1));
    assert_u256_equal(r, u(UINT64_MAX, UINT64_MAX, 0, 0));
    assert_true(lm_u256_mul(&r, &max, &one));
    assert_u256_equal(r, max);
    assert_false(lm_u256_mul(&r, &max, &two));
    assert_false(lm_u256_mul(&r, &max, &max));
    assert_true(lm_u256_mul(&r, &max, &zero));
    assert_u256_equal(r, zero);
    /* (2^64-1)^2 = 2^128 - 2^65 + 1 */
    lm_u256 m64 = lm_u256_from_u64(UINT64_MAX);
    assert_true(lm_u256_mul(&r, &m64, &m64));
    assert_u256_equal(r, u(0, 0, UINT64_MAX - 1, 1));
    /* outputs may alias inputs */
    lm_u256 a = m64;
    assert_true(lm_u256_mul(&a, &a, &a));
    assert_u256_equal(a, u(0, 0, UINT64_MAX - 1, 1));
}

static void test_divmod_basic(void **state)
{
    (void)state;
    lm_u256 q = u(9, 9, 9, 9), r = q, max = LM_U256_MAX, one = LM_U256_ONE, zero = LM_U256_ZERO;
    assert_false(lm_u256_divmod(&q, &r, &max, &zero)); /* divide by zero */
    assert_u256_equal(q, u(9, 9, 9, 9));
    assert_true(lm_u256_divmod(&q, &r, &max, &one));
    assert_u256_equal(q, max);
    assert_u256_equal(r, zero);
    assert_true(lm_u256_divmod(&q, &r, &max, &max));
    assert_u256_equal(q, one);
    assert_u256_equal(r, zero);
    assert_true(lm_u256_divmod(&q, &r, &one, &max));
    assert_u256_equal(q, zero);
    assert_u256_equal(r, one);
    lm_u256 p128 = u(0, 1, 0, 0);
    assert_true(lm_u256_divmod(&q, &r, &max, &p128));
    assert_u256_equal(q, u(0, 0, UINT64_MAX, UINT64_MAX));
    assert_u256_equal(r, u(0, 0, UINT64_MAX, UINT64_MAX));
    lm_u256 ten = lm_u256_from_u64(10);
    assert_true(lm_u256_divmod(&q, NULL, &max, &ten));
    assert_true(lm_u256_divmod(NULL, &r, &max, &ten));
    assert_u256_equal(r, lm_u256_from_u64(5)); /* 2^256-1 ends in ...935 */
    /* Algorithm D's rare add-back step (D6, taken when q-hat is still one
     * too large after refinement): these pairs were found by a search over
     * digit patterns (0, 1, 0x7fffffff, 0x80000000, 0xffffffff, …) that
     * counted D6 in an instrumented copy; each takes that step. */
    static const lm_u256 addback[][2] = {
        {{{0x7be00bec24cebde4ull, 0x80000000f4ced35aull, 0x0000000280000001ull, 0x00000000d9f8be9full}},
         {{0x0000000100000002ull, 0x8000000100000002ull, 0x8000000000000001ull, 0}}},
        {{{0x80000001ffffffffull, 0x8000000000000000ull, 1, 0}},
         {{0x00000000efeb0748ull, 0x0000000180000000ull, 0, 0}}},
        {{{0x7162fc1900000000ull, 0x00000001fffffffeull, 0x000000006bb204eeull, 0}},
         {{0x000000028404cd91ull, 0x0000000080000000ull, 0, 0}}},
        {{{0x00000000283eeef2ull, 0x00000002aec8a11full, 0x7fffffffffffffffull, 0}},
         {{0x56eb7ba4ffffffffull, 0x000000027fffffffull, 0x00000000fffffffeull, 0}}},
        {{{0xce8cf0df00000002ull, 0x8d214d9d7fffffffull, 0x7ffffffffffffffeull, 0}},
         {{0x7fffffff83de6d1cull, 0x0000000080000000ull, 0, 0}}},
        {{{0x00000001a617de0bull, 0xfffffffe00000001ull, 0x7e42e79ab4dd5e4aull, 0xffffffff80000000ull}},
         {{0x800000002cd9684eull, 0x0000000080000001ull, 1, 0}}},
    };
    for (size_t i = 0; i < sizeof addback / sizeof addback[0]; i++) {
        lm_u256 rq, rr, qb, back;
        ref_divmod(&rq, &rr, &addback[i][0], &addback[i][1]);
        assert_true(lm_u256_divmod(&q, &r, &addback[i][0], &addback[i][1]));
        assert_u256_equal(q, rq);
        assert_u256_equal(r, rr);
        assert_true(lm_u256_mul(&qb, &q, &addback[i][1]));
        assert_true(lm_u256_add(&back, &qb, &r));
        assert_u256_equal(back, addback[i][0]);
    }
    /* aliasing: q and r may be the inputs */
    lm_u256 x = max, y = ten;
    assert_true(lm_u256_divmod(&x, &y, &x, &y));
    assert_u256_equal(y, lm_u256_from_u64(5));
}

static void test_random_against_reference(void **state)
{
    (void)state;
    rng_state = 0x1a2b3c4d5e6f7788ull;
    for (int iter = 0; iter < 4000; iter++) {
        lm_u256 a = rand_u256(), b = rand_u256();
        /* mul against shift-and-add */
        lm_u256 want, got = u(5, 5, 5, 5);
        bool want_ovf = ref_mul(&want, &a, &b);
        bool ok = lm_u256_mul(&got, &a, &b);
        assert_true(ok == !want_ovf);
        if (ok)
            assert_u256_equal(got, want);
        else
            assert_u256_equal(got, u(5, 5, 5, 5));
        /* add/sub: (a + b) - b == a when no overflow */
        lm_u256 s;
        if (lm_u256_add(&s, &a, &b)) {
            lm_u256 back;
            assert_true(lm_u256_sub(&back, &s, &b));
            assert_u256_equal(back, a);
            assert_true(lm_u256_cmp(&s, &a) >= 0);
        } else {
            /* overflow exactly when a > MAX - b */
            lm_u256 room, max = LM_U256_MAX;
            assert_true(lm_u256_sub(&room, &max, &b));
            assert_int_equal(lm_u256_cmp(&a, &room), 1);
        }
        /* divmod against restoring division, and a == q*b + r, r < b */
        if (lm_u256_is_zero(&b))
            continue;
        lm_u256 q, r, rq, rr;
        assert_true(lm_u256_divmod(&q, &r, &a, &b));
        ref_divmod(&rq, &rr, &a, &b);
        assert_u256_equal(q, rq);
        assert_u256_equal(r, rr);
        assert_int_equal(lm_u256_cmp(&r, &b), -1);
        lm_u256 qb, back;
        assert_true(lm_u256_mul(&qb, &q, &b));
        assert_true(lm_u256_add(&back, &qb, &r));
        assert_u256_equal(back, a);
    }
}

static void test_divmod_identity_many(void **state)
{
    (void)state;
    /* a == q*b + r over many more values, divisor sizes biased towards
     * multi-digit Knuth paths. */
    rng_state = 42;
    for (int iter = 0; iter < 50000; iter++) {
        lm_u256 a = rand_u256(), b = rand_u256();
        if (lm_u256_is_zero(&b))
            b = LM_U256_ONE;
        lm_u256 q, r, qb, back;
        assert_true(lm_u256_divmod(&q, &r, &a, &b));
        assert_int_equal(lm_u256_cmp(&r, &b), -1);
        assert_true(lm_u256_mul(&qb, &q, &b));
        assert_true(lm_u256_add(&back, &qb, &r));
        assert_u256_equal(back, a);
    }
}

static void test_shifts(void **state)
{
    (void)state;
    lm_u256 one = LM_U256_ONE, max = LM_U256_MAX, r;
    for (unsigned n = 0; n < 256; n++) {
        lm_u256_shl(&r, &one, n);
        assert_int_equal(lm_u256_bit_len(&r), n + 1);
        assert_true(lm_u256_bit(&r, n));
        lm_u256 back;
        lm_u256_shr(&back, &r, n);
        assert_u256_equal(back, one);
        /* MAX >> n has 256 - n bits; MAX << n has its low n bits clear */
        lm_u256_shr(&r, &max, n);
        assert_int_equal(lm_u256_bit_len(&r), 256 - n);
        lm_u256_shl(&r, &max, n);
        assert_int_equal(lm_u256_bit_len(&r), 256);
        for (unsigned i = 0; i < n; i++)
            assert_false(lm_u256_bit(&r, i));
        assert_true(lm_u256_bit(&r, n));
    }
    lm_u256_shl(&r, &max, 256);
    assert_true(lm_u256_is_zero(&r));
    lm_u256_shr(&r, &max, 256);
    assert_true(lm_u256_is_zero(&r));
    lm_u256_shr(&r, &max, 100000);
    assert_true(lm_u256_is_zero(&r));
    lm_u256_shl(&r, &max, UINT32_MAX);
    assert_true(lm_u256_is_zero(&r));
    lm_u256 x = u(0x0123456789abcdefull, 0xfedcba9876543210ull, 0x1111111111111111ull, 0x8000000000000001ull);
    lm_u256_shl(&r, &x, 68);
    assert_u256_equal(r, u(0xedcba98765432101ull, 0x1111111111111118ull, 0x10, 0));
    lm_u256_shr(&r, &x, 68);
    assert_u256_equal(r, u(0, 0x00123456789abcdeull, 0xffedcba987654321ull, 0x0111111111111111ull));
    lm_u256_shl(&x, &x, 64); /* in place */
    assert_u256_equal(x, u(0xfedcba9876543210ull, 0x1111111111111111ull, 0x8000000000000001ull, 0));
}

static void test_bytes(void **state)
{
    (void)state;
    uint8_t be[32];
    for (int i = 0; i < 32; i++)
        be[i] = (uint8_t)(i + 1);
    lm_u256 v;
    lm_u256_from_be32(&v, be);
    assert_u256_equal(v, u(0x0102030405060708ull, 0x090a0b0c0d0e0f10ull, 0x1112131415161718ull,
                           0x191a1b1c1d1e1f20ull));
    uint8_t out[32];
    lm_u256_to_be32(out, &v);
    assert_memory_equal(out, be, 32);
    assert_int_equal(lm_u256_be_len(&v), 32);
    assert_true(lm_u256_from_be(&v, (const uint8_t *)"\x01\x00", 2));
    assert_u256_equal(v, lm_u256_from_u64(256));
    assert_int_equal(lm_u256_to_be_min(out, &v), 2);
    assert_memory_equal(out, "\x01\x00", 2);
    assert_true(lm_u256_from_be(&v, NULL, 0));
    assert_true(lm_u256_is_zero(&v));
    assert_int_equal(lm_u256_to_be_min(out, &v), 0);
    assert_true(lm_u256_from_be(&v, (const uint8_t *)"\0\0\0\x05", 4));
    assert_u256_equal(v, lm_u256_from_u64(5));
    uint8_t big[33] = {0};
    assert_false(lm_u256_from_be(&v, big, 33));
}

static void test_decimal(void **state)
{
    (void)state;
    lm_u256 v, max = LM_U256_MAX;
    lm_err err;
    char buf[LM_U256_DEC_BUF];
    assert_int_equal(lm_u256_to_dec(buf, &max), 78);
    assert_string_equal(buf, MAX_DEC);
    assert_int_equal(lm_u256_from_dec(&v, MAX_DEC, 78, &err), LM_OK);
    assert_u256_equal(v, max);
    lm_u256 zero = LM_U256_ZERO;
    assert_int_equal(lm_u256_to_dec(buf, &zero), 1);
    assert_string_equal(buf, "0");
    lm_u256 p64 = u(0, 0, 1, 0);
    lm_u256_to_dec(buf, &p64);
    assert_string_equal(buf, "18446744073709551616");
    lm_u256 p128 = u(0, 1, 0, 0);
    lm_u256_to_dec(buf, &p128);
    assert_string_equal(buf, "340282366920938463463374607431768211456");
    lm_u256 e9 = lm_u256_from_u64(1000000000), e18 = lm_u256_from_u64(1000000000000000000ull);
    lm_u256_to_dec(buf, &e9);
    assert_string_equal(buf, "1000000000");
    lm_u256_to_dec(buf, &e18);
    assert_string_equal(buf, "1000000000000000000");
    /* 2^256 overflows; so does MAX with one more digit */
    const char *p256 =
        "115792089237316195423570985008687907853269984665640564039457584007913129639936";
    v = LM_U256_ONE;
    assert_int_equal(lm_u256_from_dec(&v, p256, strlen(p256), &err), LM_EOVERFLOW);
    assert_u256_equal(v, LM_U256_ONE);
    char longer[80];
    memcpy(longer, MAX_DEC, 78);
    longer[78] = '0';
    assert_int_equal(lm_u256_from_dec(&v, longer, 79, &err), LM_EOVERFLOW);
    /* strictness */
    assert_int_equal(lm_u256_from_dec(&v, "", 0, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_dec(&v, "+1", 2, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_dec(&v, "-1", 2, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_dec(&v, "12a", 3, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "offset 2"));
    assert_int_equal(lm_u256_from_dec(&v, " 1", 2, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_dec(&v, "007", 3, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "leading zero"));
    assert_int_equal(lm_u256_from_dec(&v, "0", 1, &err), LM_OK);
    assert_true(lm_u256_is_zero(&v));
    assert_int_equal(lm_u256_from_dec(&v, "12345", 3, &err), LM_OK); /* only len chars */
    assert_u256_equal(v, lm_u256_from_u64(123));
    /* round trips on random values */
    rng_state = 7;
    for (int i = 0; i < 2000; i++) {
        lm_u256 a = rand_u256(), b;
        size_t n = lm_u256_to_dec(buf, &a);
        assert_int_equal(strlen(buf), n);
        assert_int_equal(lm_u256_from_dec(&b, buf, n, &err), LM_OK);
        assert_u256_equal(a, b);
    }
}

static void test_hex(void **state)
{
    (void)state;
    lm_u256 v, max = LM_U256_MAX;
    lm_err err;
    char buf[LM_U256_HEX_BUF];
    assert_int_equal(lm_u256_to_hex(buf, &max, true), 66);
    assert_int_equal(lm_u256_from_hex(&v, buf, 66, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_u256_equal(v, max);
    lm_u256 zero = LM_U256_ZERO;
    assert_int_equal(lm_u256_to_hex(buf, &zero, true), 3);
    assert_string_equal(buf, "0x0");
    assert_int_equal(lm_u256_to_hex(buf, &zero, false), 1);
    assert_string_equal(buf, "0");
    lm_u256 x = lm_u256_from_u64(0x1f);
    lm_u256_to_hex(buf, &x, true);
    assert_string_equal(buf, "0x1f");
    assert_int_equal(lm_u256_from_hex(&v, "0x1", 3, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_u256_equal(v, LM_U256_ONE);
    assert_int_equal(lm_u256_from_hex(&v, "0XaBc", 5, LM_HEX_PREFIX_OPTIONAL, &err), LM_OK);
    assert_u256_equal(v, lm_u256_from_u64(0xabc));
    /* 64-digit padded word, and leading zeros beyond 64 digits */
    const char *word = "0x0000000000000000000000000000000100000000000000000000000000000000";
    assert_int_equal(lm_u256_from_hex(&v, word, strlen(word), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_u256_equal(v, u(0, 1, 0, 0));
    const char *z65 = "00000000000000000000000000000000000000000000000000000000000000001";
    assert_int_equal(lm_u256_from_hex(&v, z65, 65, LM_HEX_PREFIX_FORBIDDEN, &err), LM_OK);
    assert_u256_equal(v, LM_U256_ONE);
    const char *p256 = "0x10000000000000000000000000000000000000000000000000000000000000000";
    v = LM_U256_ONE;
    assert_int_equal(lm_u256_from_hex(&v, p256, strlen(p256), LM_HEX_PREFIX_REQUIRED, &err),
                     LM_EOVERFLOW);
    assert_u256_equal(v, LM_U256_ONE);
    /* the 0x rule and strictness */
    assert_int_equal(lm_u256_from_hex(&v, "0x", 2, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_hex(&v, "", 0, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_hex(&v, "ff", 2, LM_HEX_PREFIX_REQUIRED, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_hex(&v, "0xff", 4, LM_HEX_PREFIX_FORBIDDEN, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_hex(&v, "+0x1", 4, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_int_equal(lm_u256_from_hex(&v, "0x1g", 4, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "offset 3"));
    assert_int_equal(lm_u256_from_hex(&v, "0x0x1", 5, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    rng_state = 99;
    for (int i = 0; i < 2000; i++) {
        lm_u256 a = rand_u256(), b;
        size_t n = lm_u256_to_hex(buf, &a, i & 1);
        assert_int_equal(lm_u256_from_hex(&b, buf, n, LM_HEX_PREFIX_OPTIONAL, &err), LM_OK);
        assert_u256_equal(a, b);
    }
}

static void test_bitwise(void **state)
{
    (void)state;
    lm_u256 a = u(0xff00ff00ff00ff00ull, 1, 2, 3), b = u(0x0ff00ff00ff00ff0ull, 3, 3, 1), r;
    lm_u256_and(&r, &a, &b);
    assert_u256_equal(r, u(0x0f000f000f000f00ull, 1, 2, 1));
    lm_u256_or(&r, &a, &b);
    assert_u256_equal(r, u(0xfff0fff0fff0fff0ull, 3, 3, 3));
    /* a + (-a) == 0 (mod 2^256): the add overflows except for a == 0 */
    lm_u256 n, s;
    lm_u256_neg(&n, &a);
    assert_false(lm_u256_add(&s, &a, &n));
    lm_u256 five = lm_u256_from_u64(5);
    lm_u256_neg(&n, &five);
    assert_u256_equal(n, u(UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX - 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_overflow_boundaries),
        cmocka_unit_test(test_divmod_basic),
        cmocka_unit_test(test_random_against_reference),
        cmocka_unit_test(test_divmod_identity_many),
        cmocka_unit_test(test_shifts),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_bitwise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
