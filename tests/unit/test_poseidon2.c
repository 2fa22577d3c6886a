/* Unit tests for Poseidon2 over Goldilocks (include/lamina/poseidon2.h).
 *
 * External vector: the Horizen Labs reference known-answer test for t = 12,
 * permutation of [0, 1, ..., 11] (github.com/HorizenLabs/poseidon2,
 * plain_implementations/src/poseidon2/poseidon2.rs, mod
 * poseidon2_tests_goldilocks, fn kats). The same vector appears in Polygon's
 * goldilocks library tests.
 *
 * The compression and sponge vectors are Lamina's own (docs/poseidon2.md):
 * produced by the independent Python model tests/vectors/poseidon2_model.py,
 * which also reproduces the reference KAT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/poseidon2.h"

#include "../test_rng.h"
#include "../poseidon2_kat.h"

#define P LM_GL_P

static void assert_digest(const lm_gl got[4], const uint64_t want[4])
{
    for (int i = 0; i < 4; i++)
        assert_true(got[i] == want[i]);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng_next(void) { return xorshift64s(&rng_state); }

static void test_reference_kat(void **state)
{
    (void)state;
    lm_gl s[12];
    for (int i = 0; i < 12; i++)
        s[i] = (lm_gl)i;
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == P2_KAT_OUT[i]);
    /* non-canonical words are reduced first: i + p is hashed as i */
    for (int i = 0; i < 12; i++)
        s[i] = (uint64_t)i + P;
    s[0] = 0; /* 0 + p would overflow nothing but keep one canonical value */
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == P2_KAT_OUT[i]);
}

static void test_permute_zero(void **state)
{
    (void)state;
    static const uint64_t want[12] = {
        0xef311849263abcb4ull, 0x8bf04d36f9a01799ull, 0x9e570c4df0f2699full, 0x6927c3a96db0b2adull,
        0x760d22fbb5fc5de0ull, 0xafd1fedcdef654f4ull, 0xbb8c81621d5d5aedull, 0x298915feb162422cull,
        0x2082259c8351dacbull, 0x90e205e0814883e3ull, 0x2fd0c9106556082dull, 0xa08b335154cbefc5ull,
    };
    lm_gl s[12] = {0};
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == want[i]);
}

/* Large inputs, where the permutation's unreduced (lazy) sums come closest
 * to their bounds: every word p - 1, every word 2^64 - 1 (not canonical: the
 * value 2^32 - 2), and p - 1 alternating with 2^32 - 1. Known answers from
 * tests/vectors/poseidon2_model.py (plain Python, reduced at every step). */
static void test_permute_extremes(void **state)
{
    (void)state;
    static const uint64_t want_pm1[12] = {
        0x3f56a9a7aa786049ull, 0xf320150bc2d01e34ull, 0x06e3150b85cd1fc6ull, 0xaf7493cbe0918063ull,
        0xe13c55e947c18211ull, 0x499b83527cb38e47ull, 0x51e3f3dc2c5b0a2dull, 0x7eb3696091d3fb64ull,
        0x35ff59edc014bc95ull, 0xfda3001e8f6852d5ull, 0x5f67d6471c4391abull, 0x6484973933877089ull,
    };
    static const uint64_t want_max[12] = { /* permute(2^32 - 2, ..., 2^32 - 2) */
        0x544e1c4095336a53ull, 0xf55725b9278e965bull, 0xd828e4776e336accull, 0x30579349f2c0243cull,
        0xd81c01164d233d3eull, 0xd14102185a75b059ull, 0x87cefb041d99e518ull, 0xd5861a50fb46013aull,
        0x83eced75f392caf6ull, 0xa99c5d9f98ecc7f0ull, 0x2b17695cec494b29ull, 0xbdb383561676125full,
    };
    static const uint64_t want_alt[12] = {
        0x17b0ee258c1b084dull, 0x16d7d6db9af66492ull, 0x661187e7959ff3e2ull, 0x39974de5ec96a15bull,
        0xd51054b08c1aabb4ull, 0x00ec618640545aa5ull, 0x72c6a7cda96a63dfull, 0x48ed9a55737475f1ull,
        0x013e360eef189106ull, 0x62f8117d3b461270ull, 0x2c769d593572f0ceull, 0x02ad15a71c1ded6dull,
    };
    lm_gl s[12];
    for (int i = 0; i < 12; i++)
        s[i] = P - 1;
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == want_pm1[i]);
    for (int i = 0; i < 12; i++)
        s[i] = UINT64_MAX;
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == want_max[i]);
    for (int i = 0; i < 12; i++)
        s[i] = UINT64_C(0xfffffffe);
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == want_max[i]);
    for (int i = 0; i < 12; i++)
        s[i] = (i % 2) ? P - 1 : UINT64_C(0xffffffff);
    lm_poseidon2_permute(s);
    for (int i = 0; i < 12; i++)
        assert_true(s[i] == want_alt[i]);
}

static void test_compress_vectors(void **state)
{
    (void)state;
    lm_gl out[4];
    const lm_gl l0[4] = {0, 1, 2, 3}, r0[4] = {4, 5, 6, 7};
    static const uint64_t w0[4] = {0xfd2ed0da41a63e0bull, 0x94252156cb2374baull, 0xc5585182a3092abfull,
                                   0x653c8aaa741bf05bull};
    lm_poseidon2_compress(out, l0, r0);
    assert_digest(out, w0);
    /* the definition: the first 4 elements of permute(left ‖ right ‖ 0000) */
    lm_gl s[12] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0};
    lm_poseidon2_permute(s);
    assert_digest(out, s);

    const lm_gl z[4] = {0, 0, 0, 0};
    static const uint64_t w1[4] = {0xef311849263abcb4ull, 0x8bf04d36f9a01799ull, 0x9e570c4df0f2699full,
                                   0x6927c3a96db0b2adull};
    lm_poseidon2_compress(out, z, z);
    assert_digest(out, w1);

    const lm_gl l2[4] = {P - 1, P - 1, P - 1, P - 1}, r2[4] = {1, 2, 3, 4};
    static const uint64_t w2[4] = {0x12f7b3342db93672ull, 0xf79378cfa55bdb12ull, 0x7fbe7b2908dbaad6ull,
                                   0x5a80627d1cea1616ull};
    lm_poseidon2_compress(out, l2, r2);
    assert_digest(out, w2);

    /* output may alias an input */
    lm_gl a[4] = {0, 1, 2, 3};
    lm_poseidon2_compress(a, a, r0);
    assert_digest(a, w0);
    lm_gl b[4] = {4, 5, 6, 7};
    lm_poseidon2_compress(b, l0, b);
    assert_digest(b, w0);
}

static void test_compress_properties(void **state)
{
    (void)state;
    for (int t = 0; t < 50; t++) {
        lm_gl l[4], r[4], base[4], again[4], out[4];
        for (int i = 0; i < 4; i++) {
            l[i] = lm_gl_from_u64(rng_next());
            r[i] = lm_gl_from_u64(rng_next());
        }
        lm_poseidon2_compress(base, l, r);
        lm_poseidon2_compress(again, l, r);
        assert_memory_equal(base, again, sizeof base);
        for (int i = 0; i < 4; i++)
            assert_true(base[i] < P);
        /* swapping the children changes the node */
        lm_poseidon2_compress(out, r, l);
        assert_memory_not_equal(out, base, sizeof out);
        /* changing any one input element changes every output element
         * (with overwhelming probability) */
        for (int k = 0; k < 8; k++) {
            lm_gl l2[4], r2[4];
            memcpy(l2, l, sizeof l2);
            memcpy(r2, r, sizeof r2);
            lm_gl *e = k < 4 ? &l2[k] : &r2[k - 4];
            *e = lm_gl_add(*e, 1);
            lm_poseidon2_compress(out, l2, r2);
            for (int i = 0; i < 4; i++)
                assert_true(out[i] != base[i]);
        }
    }
}

struct hvec {
    size_t n;
    uint64_t want[4];
};

static void test_hash_vectors(void **state)
{
    (void)state;
    lm_gl e[20];
    lm_gl out[4];
    for (int i = 0; i < 20; i++)
        e[i] = (lm_gl)i;
    /* hash(0, 1, ..., n-1) */
    static const struct hvec v[] = {
        {0, {0x5802362df3545599ull, 0x9ca09680a7957561ull, 0x680f354777df60bcull, 0xfa230239e18225eaull}},
        {1, {0x4876f7c5033bee8eull, 0x975c196190886c4eull, 0x9bcdfda359f11748ull, 0xad9548ad7aa70589ull}},
        {2, {0x714308bb9f32d62full, 0xa93755c376676b3dull, 0x62ed39eb0ce5a8fbull, 0x6d7c711ec6ccbd07ull}},
        {8, {0xda6b876cbc80c3fbull, 0xacfa757f57e15d57ull, 0xd613439d717d20eeull, 0x28c07617c66d02b9ull}},
        {9, {0x8e012e96c2dfcbd6ull, 0x07039530ba2ae3d4ull, 0xf55d5d48a141f6c9ull, 0x78e74b6d49750f04ull}},
        {16, {0xa01ef4e0a01e5522ull, 0xd5467f854f7ab3c6ull, 0x5e52dc367d9c77f7ull, 0x09d9f244d990078full}},
        {20, {0xed0034d259d5129dull, 0xb9b44c585dcc8593ull, 0xb72e46301c1351fbull, 0xbcdb3ea83acda3bbull}},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        lm_poseidon2_hash(out, e, v[i].n);
        assert_digest(out, v[i].want);
    }
    lm_poseidon2_hash(out, NULL, 0);
    assert_digest(out, v[0].want);
    const lm_gl z2[2] = {0, 0};
    static const uint64_t w_z2[4] = {0x8f98445d224109ffull, 0x6a5d95cf7410a9d3ull, 0xdbc28b698769317full,
                                     0x22791f95e202306dull};
    lm_poseidon2_hash(out, z2, 2);
    assert_digest(out, w_z2);
    const lm_gl one[1] = {1};
    static const uint64_t w_one[4] = {0x829cf8f5c56f86ecull, 0x13a1156868c3cf0dull, 0xc6ee599bd9a461b9ull,
                                      0x1c66330b95dc6071ull};
    lm_poseidon2_hash(out, one, 1);
    assert_digest(out, w_one);
    const lm_gl m1[3] = {P - 1, P - 1, P - 1};
    static const uint64_t w_m1[4] = {0x6fa319c4ce641ba0ull, 0xaf8f621c6e91d20dull, 0xea0ea3c549398799ull,
                                     0x2ec4af4378079baeull};
    lm_poseidon2_hash(out, m1, 3);
    assert_digest(out, w_m1);
    /* out may alias the input */
    lm_gl al[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    lm_poseidon2_hash(al, al, 8);
    assert_digest(al, v[3].want);
}

static void test_hash_distinguishes_lengths(void **state)
{
    (void)state;
    /* all-zero inputs of every length 0..40 give distinct digests, and none
     * equals a compression of zeros */
    enum { MAXN = 40 };
    lm_gl zeros[MAXN] = {0};
    lm_gl d[MAXN + 2][4];
    for (size_t n = 0; n <= MAXN; n++)
        lm_poseidon2_hash(d[n], zeros, n);
    const lm_gl z4[4] = {0, 0, 0, 0};
    lm_poseidon2_compress(d[MAXN + 1], z4, z4);
    for (size_t i = 0; i < MAXN + 2; i++)
        for (size_t j = i + 1; j < MAXN + 2; j++)
            assert_memory_not_equal(d[i], d[j], sizeof d[i]);
    /* a message and the same message with a trailing zero */
    lm_gl m[10];
    for (int i = 0; i < 10; i++)
        m[i] = lm_gl_from_u64(rng_next());
    for (size_t n = 1; n < 10; n++) {
        lm_gl a[4], b[4];
        m[n] = 0;
        lm_poseidon2_hash(a, m, n);
        lm_poseidon2_hash(b, m, n + 1);
        assert_memory_not_equal(a, b, sizeof a);
    }
    /* a sponge over 8 elements is not the compression of its two halves */
    lm_gl h[4], c[4];
    lm_poseidon2_hash(h, m, 8);
    lm_poseidon2_compress(c, m, m + 4);
    assert_memory_not_equal(h, c, sizeof h);
    /* every element position matters */
    lm_gl base[4];
    lm_poseidon2_hash(base, m, 10);
    for (int k = 0; k < 10; k++) {
        lm_gl m2[10], o[4];
        memcpy(m2, m, sizeof m2);
        m2[k] = lm_gl_add(m2[k], 1);
        lm_poseidon2_hash(o, m2, 10);
        assert_memory_not_equal(o, base, sizeof o);
    }
}

static void test_hash_bytes_vectors(void **state)
{
    (void)state;
    uint8_t buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = (uint8_t)i;
    lm_gl out[4];
    static const uint64_t w_empty[4] = {0x2656fcb1968af274ull, 0xbb4459c755591eddull, 0x3a312adf22705838ull,
                                        0x7b33449be55c8368ull};
    lm_poseidon2_hash_bytes(out, NULL, 0);
    assert_digest(out, w_empty);
    static const uint64_t w_abc[4] = {0x2e1a15bafa822444ull, 0x71c24428495e08c9ull, 0xe62531bd82f2937bull,
                                      0xc79bd256801bfec1ull};
    lm_poseidon2_hash_bytes(out, (const uint8_t *)"abc", 3);
    assert_digest(out, w_abc);
    static const uint64_t w_zero[4] = {0xd5a7cf8bfcbe517eull, 0x33d6caad75bebb80ull, 0x0d2e2827ff8b5276ull,
                                       0x315cd64e32b84b12ull};
    lm_poseidon2_hash_bytes(out, buf, 1); /* the single byte 0x00 */
    assert_digest(out, w_zero);
    /* bytes 0, 1, ..., n-1 */
    static const struct hvec v[] = {
        {7, {0x8103ba499f7cc85cull, 0xc545d524a5b2a652ull, 0x0b8d49e434a9fc4cull, 0x5ba3303721b87a0aull}},
        {56, {0x2f88fd53aacdcd9cull, 0x7fafbb89c6da5d78ull, 0x162199f911094837ull, 0x3e695fe319f98ebcull}},
        {57, {0x3c99d4cc0c7b4f22ull, 0xb733992d02a9fd8eull, 0x6e185ad09bc2ad05ull, 0x47e04287e770508full}},
        {100, {0xc9a8895903d254a7ull, 0xc1afbf064264c4ceull, 0x057d60b102619828ull, 0x55ee436b506da6bfull}},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        lm_poseidon2_hash_bytes(out, buf, v[i].n);
        assert_digest(out, v[i].want);
    }
}

static void test_hash_bytes_properties(void **state)
{
    (void)state;
    /* zero strings of every length 0..120 are distinct (length in capacity) */
    enum { MAXN = 120 };
    uint8_t zeros[MAXN] = {0};
    static lm_gl d[MAXN + 1][4];
    for (size_t n = 0; n <= MAXN; n++)
        lm_poseidon2_hash_bytes(d[n], zeros, n);
    for (size_t i = 0; i <= MAXN; i++)
        for (size_t j = i + 1; j <= MAXN; j++)
            assert_memory_not_equal(d[i], d[j], sizeof d[i]);
    /* bytes vs elements: the 7 bytes 00..06 pack to one element, yet the
     * two hashes differ (domain tag and length in the capacity) */
    uint8_t seven[7] = {0, 1, 2, 3, 4, 5, 6};
    lm_gl packed[1] = {0x06050403020100ull};
    lm_gl a[4], b[4];
    lm_poseidon2_hash_bytes(a, seven, 7);
    lm_poseidon2_hash(b, packed, 1);
    assert_memory_not_equal(a, b, sizeof a);
    /* every bit of a 100-byte message matters */
    uint8_t msg[100];
    for (int i = 0; i < 100; i++)
        msg[i] = (uint8_t)rng_next();
    lm_gl base[4];
    lm_poseidon2_hash_bytes(base, msg, sizeof msg);
    for (size_t bit = 0; bit < 8 * sizeof msg; bit++) {
        msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        lm_gl o[4];
        lm_poseidon2_hash_bytes(o, msg, sizeof msg);
        assert_memory_not_equal(o, base, sizeof o);
        msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    lm_gl again[4];
    lm_poseidon2_hash_bytes(again, msg, sizeof msg);
    assert_memory_equal(again, base, sizeof base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_kat),
        cmocka_unit_test(test_permute_zero),
        cmocka_unit_test(test_permute_extremes),
        cmocka_unit_test(test_compress_vectors),
        cmocka_unit_test(test_compress_properties),
        cmocka_unit_test(test_hash_vectors),
        cmocka_unit_test(test_hash_distinguishes_lengths),
        cmocka_unit_test(test_hash_bytes_vectors),
        cmocka_unit_test(test_hash_bytes_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
