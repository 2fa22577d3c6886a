/* Unit tests for the Goldilocks field and its extensions
 * (include/lamina/goldilocks.h, src/crypto/goldilocks.c).
 *
 * tests/unit/test_goldilocks_noint128.c includes this file with
 * LM_GL_NO_INT128 defined, so every test also runs on the 32-bit-halves
 * multiplication path that the rv32im build uses.
 *
 * External facts checked: LM_GL_ROOT_2_32 equals Plonky2's
 * POWER_OF_TWO_GENERATOR (1753635133440165772, plonky2 field/src/goldilocks_field.rs);
 * Plonky3's EXT_GENERATOR of BinomialExtensionField<Goldilocks, 2> with W = 7
 * ([18081566051660590251, 16121475356294670766], p3-goldilocks
 * src/extension.rs) generates F_{p^2}^* in our quadratic extension. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/goldilocks.h"

#include "../test_rng.h"

#define P LM_GL_P

/* ---- helpers --------------------------------------------------------------- */

/* xorshift64*, fixed seed: deterministic. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void) { return xorshift64s(&rng_state); }

/* A random element, sometimes an edge value (near 0, near p, near 2^32). */
static lm_gl rand_gl(void)
{
    uint64_t r = rng_next();
    switch (r & 15) {
    case 0: return (r >> 8) & 7;                      /* 0..7 */
    case 1: return P - 1 - ((r >> 8) & 7);            /* p-8..p-1 */
    case 2: return (UINT64_C(1) << 32) - 4 + ((r >> 8) & 7); /* around 2^32 */
    case 3: return (r >> 8) << 32;                    /* low half zero */
    default: return lm_gl_from_u64(rng_next());
    }
}

static lm_gl rand_nonzero(void)
{
    lm_gl a;
    do
        a = rand_gl();
    while (a == 0);
    return a;
}

/* Slow references that share no code with the header. */
static uint64_t ref_add(uint64_t a, uint64_t b)
{
    return a >= P - b ? a - (P - b) : a + b;
}

/* a * b mod p by double-and-add over the bits of b. */
static uint64_t ref_mul_slow(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (int i = 63; i >= 0; i--) {
        r = ref_add(r, r);
        if ((b >> i) & 1)
            r = ref_add(r, a);
    }
    return r;
}

/* (hi * 2^64 + lo) mod p with 128-bit division where the compiler has it,
 * else by the slow path: hi * (2^64 mod p) + lo. */
static uint64_t ref_reduce128(uint64_t hi, uint64_t lo)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)((((u128)hi << 64) | lo) % P);
#else
    return ref_add(ref_mul_slow(hi % P, LM_GL_EPSILON), lo % P);
#endif
}

static uint64_t ref_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)(((u128)a * b) % P);
#else
    return ref_mul_slow(a, b);
#endif
}

/* ---- base field ---------------------------------------------------------- */

static void test_path(void **state)
{
    (void)state;
#ifdef LM_GL_NO_INT128
#ifdef LM_GL_HAVE_INT128
    fail_msg("LM_GL_NO_INT128 set but the int128 path is in use");
#endif
#endif
    assert_true(LM_GL_P == 18446744069414584321ull);
    assert_true(LM_GL_EPSILON == (UINT64_C(0) - LM_GL_P)); /* 2^64 - p */
}

static void test_from_u64_edges(void **state)
{
    (void)state;
    assert_true(lm_gl_from_u64(0) == 0);
    assert_true(lm_gl_from_u64(P - 1) == P - 1);
    assert_true(lm_gl_from_u64(P) == 0);
    assert_true(lm_gl_from_u64(P + 1) == 1);
    assert_true(lm_gl_from_u64(UINT64_MAX) == (UINT64_C(1) << 32) - 2);
    assert_true(lm_gl_is_canonical(P - 1));
    assert_false(lm_gl_is_canonical(P));
    assert_false(lm_gl_is_canonical(UINT64_MAX));
    for (int i = 0; i < 10000; i++) {
        uint64_t v = rng_next();
        assert_true(lm_gl_from_u64(v) == v % P);
    }
}

static void test_add_sub_edges(void **state)
{
    (void)state;
    assert_true(lm_gl_add(P - 1, 1) == 0);
    assert_true(lm_gl_add(P - 1, P - 1) == P - 2);
    assert_true(lm_gl_add(P - 1, 0) == P - 1);
    /* the carry-out case: sums >= 2^64 */
    assert_true(lm_gl_add(P - 1, P - 2) == P - 3);
    assert_true(lm_gl_add(UINT64_C(1) << 63, UINT64_C(1) << 63) == LM_GL_EPSILON);
    assert_true(lm_gl_sub(0, 1) == P - 1);
    assert_true(lm_gl_sub(0, P - 1) == 1);
    assert_true(lm_gl_sub(5, 5) == 0);
    assert_true(lm_gl_sub(1, P - 1) == 2);
    assert_true(lm_gl_neg(0) == 0);
    assert_true(lm_gl_neg(1) == P - 1);
    assert_true(lm_gl_neg(P - 1) == 1);
    assert_true(lm_gl_double(P - 1) == P - 2);
}

static void test_mul_edges(void **state)
{
    (void)state;
    const uint64_t two32 = UINT64_C(1) << 32;
    assert_true(lm_gl_mul(P - 1, P - 1) == 1);               /* (-1)^2 */
    assert_true(lm_gl_mul(P - 1, P - 2) == 2);               /* (-1)(-2) */
    assert_true(lm_gl_mul(two32, two32) == two32 - 1);       /* 2^64 = 2^32 - 1 */
    assert_true(lm_gl_mul(UINT64_C(1) << 48, UINT64_C(1) << 48) == P - 1); /* 2^96 = -1 */
    assert_true(lm_gl_mul(two32 - 1, two32 - 1) == ref_mul(two32 - 1, two32 - 1));
    assert_true(lm_gl_mul(0, P - 1) == 0);
    assert_true(lm_gl_mul(1, P - 1) == P - 1);
    assert_true(lm_gl_square(P - 1) == 1);
    /* reduce128 over the corners of its input range */
    const uint64_t corners[] = {0, 1, 2, two32 - 1, two32, two32 + 1, P - 2, P - 1, P, P + 1,
                                UINT64_MAX - 1, UINT64_MAX, UINT64_C(1) << 63, (two32 - 1) << 32};
    const size_t nc = sizeof corners / sizeof corners[0];
    for (size_t i = 0; i < nc; i++)
        for (size_t j = 0; j < nc; j++) {
            assert_true(lm_gl_reduce128(corners[i], corners[j]) == ref_reduce128(corners[i], corners[j]));
            uint64_t a = lm_gl_from_u64(corners[i]), b = lm_gl_from_u64(corners[j]);
            assert_true(lm_gl_mul(a, b) == ref_mul(a, b));
            assert_true(lm_gl_mul(a, b) == ref_mul_slow(a, b));
        }
}

static void test_mul_random_vs_reference(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        lm_gl a = rand_gl(), b = rand_gl();
        assert_true(lm_gl_mul(a, b) == ref_mul(a, b));
        assert_true(lm_gl_add(a, b) == ref_add(a, b));
        uint64_t hi = rng_next(), lo = rng_next();
        assert_true(lm_gl_reduce128(hi, lo) == ref_reduce128(hi, lo));
    }
    for (int i = 0; i < 2000; i++) {
        lm_gl a = rand_gl(), b = rand_gl();
        assert_true(lm_gl_mul(a, b) == ref_mul_slow(a, b));
    }
}

static void test_field_axioms(void **state)
{
    (void)state;
    for (int i = 0; i < 20000; i++) {
        lm_gl a = rand_gl(), b = rand_gl(), c = rand_gl();
        assert_true(lm_gl_add(a, b) == lm_gl_add(b, a));
        assert_true(lm_gl_mul(a, b) == lm_gl_mul(b, a));
        assert_true(lm_gl_add(lm_gl_add(a, b), c) == lm_gl_add(a, lm_gl_add(b, c)));
        assert_true(lm_gl_mul(lm_gl_mul(a, b), c) == lm_gl_mul(a, lm_gl_mul(b, c)));
        assert_true(lm_gl_mul(a, lm_gl_add(b, c)) == lm_gl_add(lm_gl_mul(a, b), lm_gl_mul(a, c)));
        assert_true(lm_gl_add(a, 0) == a);
        assert_true(lm_gl_mul(a, 1) == a);
        assert_true(lm_gl_add(a, lm_gl_neg(a)) == 0);
        assert_true(lm_gl_sub(a, b) == lm_gl_add(a, lm_gl_neg(b)));
        assert_true(lm_gl_add(lm_gl_sub(a, b), b) == a);
        assert_true(lm_gl_square(a) == lm_gl_mul(a, a));
        assert_true(lm_gl_double(a) == lm_gl_add(a, a));
        /* every result is canonical */
        assert_true(lm_gl_add(a, b) < P && lm_gl_sub(a, b) < P && lm_gl_mul(a, b) < P);
        if (a != 0)
            assert_true(lm_gl_mul(a, lm_gl_inv(a)) == 1);
    }
}

static void test_inverse(void **state)
{
    (void)state;
    const uint64_t two32 = UINT64_C(1) << 32;
    const lm_gl set[] = {1, 2, 3, 7, P - 1, P - 2, two32, two32 - 1, two32 + 1,
                         UINT64_C(1) << 63, (two32 - 1) << 32, LM_GL_ROOT_2_32};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        lm_gl v = lm_gl_inv(set[i]);
        assert_true(v < P);
        assert_true(lm_gl_mul(set[i], v) == 1);
        assert_true(lm_gl_inv(v) == set[i]);
        assert_true(v == lm_gl_pow(set[i], P - 2));
    }
    assert_true(lm_gl_inv(1) == 1);
    assert_true(lm_gl_inv(P - 1) == P - 1);
    assert_true(lm_gl_inv(2) == (P + 1) / 2);
    /* 2^32 * 2^64 = 2^96 = -1, so 2^-32 = -2^64 = -(2^32 - 1) */
    assert_true(lm_gl_inv(two32) == P - (two32 - 1));
    assert_true(lm_gl_inv(0) == 0); /* documented: inverse of 0 is 0 */
    for (int i = 0; i < 5000; i++) {
        lm_gl a = rand_nonzero();
        assert_true(lm_gl_mul(a, lm_gl_inv(a)) == 1);
    }
}

static void test_pow(void **state)
{
    (void)state;
    assert_true(lm_gl_pow(0, 0) == 1);
    assert_true(lm_gl_pow(0, 5) == 0);
    assert_true(lm_gl_pow(2, 64) == LM_GL_EPSILON);
    assert_true(lm_gl_pow(2, 96) == P - 1);
    assert_true(lm_gl_pow(2, 192) == 1); /* 2 has order 192 */
    for (int i = 0; i < 500; i++) {
        lm_gl a = rand_gl();
        assert_true(lm_gl_pow(a, 0) == 1);
        assert_true(lm_gl_pow(a, 1) == a);
        assert_true(lm_gl_pow(a, P) == a);     /* Fermat */
        if (a != 0)
            assert_true(lm_gl_pow(a, P - 1) == 1);
        lm_gl acc = 1;
        for (unsigned e = 0; e < 20; e++) {
            assert_true(lm_gl_pow(a, e) == acc);
            acc = lm_gl_mul(acc, a);
        }
        uint64_t e1 = rng_next() >> 2, e2 = rng_next() >> 2;
        assert_true(lm_gl_pow(a, e1 + e2) == lm_gl_mul(lm_gl_pow(a, e1), lm_gl_pow(a, e2)));
    }
}

static void test_generator(void **state)
{
    (void)state;
    /* p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537 */
    const uint64_t q[] = {2, 3, 5, 17, 257, 65537};
    uint64_t prod = UINT64_C(1) << 32;
    for (size_t i = 1; i < sizeof q / sizeof q[0]; i++)
        prod *= q[i];
    assert_true(prod == P - 1);
    /* 7 is a generator: 7^((p-1)/q) != 1 for every prime q | p - 1 */
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        assert_true(lm_gl_pow(LM_GL_GENERATOR, (P - 1) / q[i]) != 1);
    assert_true(lm_gl_pow(LM_GL_GENERATOR, P - 1) == 1);
    /* and 5 is not (5 = 7^k for some k sharing a factor with p - 1) */
    int any_one = 0;
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
        any_one |= lm_gl_pow(5, (P - 1) / q[i]) == 1;
    assert_true(any_one);
}

static void test_roots_of_unity(void **state)
{
    (void)state;
    /* the 2^32-th root is 7^((p-1)/2^32) and equals Plonky2's constant */
    assert_true(lm_gl_pow(LM_GL_GENERATOR, (P - 1) >> 32) == LM_GL_ROOT_2_32);
    assert_true(LM_GL_ROOT_2_32 == 1753635133440165772ull);
    lm_gl w;
    assert_true(lm_gl_root_of_unity(&w, 0));
    assert_true(w == 1);
    assert_true(lm_gl_root_of_unity(&w, 1));
    assert_true(w == P - 1);
    assert_true(lm_gl_root_of_unity(&w, 2)); /* a square root of -1 */
    assert_true(lm_gl_square(w) == P - 1);
    for (unsigned k = 1; k <= 32; k++) {
        assert_true(lm_gl_root_of_unity(&w, k));
        /* order exactly 2^k: w^(2^k) = 1 and w^(2^(k-1)) = -1 */
        lm_gl x = w;
        for (unsigned i = 1; i < k; i++)
            x = lm_gl_square(x);
        assert_true(x == P - 1);
        assert_true(lm_gl_square(x) == 1);
        lm_gl prev;
        assert_true(lm_gl_root_of_unity(&prev, k - 1));
        assert_true(lm_gl_square(w) == prev);
    }
    /* a small one fully: the 8 powers of the 8th root are distinct */
    assert_true(lm_gl_root_of_unity(&w, 3));
    lm_gl pw[8];
    pw[0] = 1;
    for (int i = 1; i < 8; i++)
        pw[i] = lm_gl_mul(pw[i - 1], w);
    for (int i = 0; i < 8; i++)
        for (int j = i + 1; j < 8; j++)
            assert_true(pw[i] != pw[j]);
    assert_true(lm_gl_mul(pw[7], w) == 1);
    w = 12345;
    assert_false(lm_gl_root_of_unity(&w, 33));
    assert_true(w == 12345);
}

static void test_batch_inverse(void **state)
{
    (void)state;
    enum { N = 257 };
    lm_gl in[N], out[N], scratch[N], copy[N];
    for (int i = 0; i < N; i++)
        in[i] = rand_gl();
    in[0] = 0;
    in[17] = 0;
    in[N - 1] = 0;
    in[5] = 1;
    in[6] = P - 1;
    const size_t sizes[] = {0, 1, 2, 3, 4, 9, 64, 256, N};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        memset(out, 0xab, sizeof out);
        lm_gl_batch_inv(out, in, n, scratch);
        for (size_t i = 0; i < n; i++)
            assert_true(out[i] == lm_gl_inv(in[i]));
        for (size_t i = n; i < N; i++) /* nothing written past n */
            assert_true(out[i] == 0xababababababababull);
        /* in place */
        memcpy(copy, in, sizeof copy);
        lm_gl_batch_inv(copy, copy, n, scratch);
        assert_memory_equal(copy, out, n * sizeof(lm_gl));
        assert_memory_equal(copy + n, in + n, (N - n) * sizeof(lm_gl));
    }
    /* all zeros, a single element */
    lm_gl z[3] = {0, 0, 0};
    lm_gl_batch_inv(z, z, 3, scratch);
    assert_true(z[0] == 0 && z[1] == 0 && z[2] == 0);
    lm_gl one = 2;
    lm_gl_batch_inv(&one, &one, 1, scratch);
    assert_true(one == (P + 1) / 2);
}

/* ---- quadratic extension ------------------------------------------------- */

static lm_gl2 rand_gl2(void) { return lm_gl2_make(rand_gl(), rand_gl()); }

static void test_gl2_irreducible(void **state)
{
    (void)state;
    /* Euler: 7^((p-1)/2) = -1, so 7 is a non-residue and x^2 - 7 has no root */
    assert_true(lm_gl_pow(LM_GL2_W, (P - 1) / 2) == P - 1);
    lm_gl2 x = lm_gl2_make(0, 1);
    assert_true(lm_gl2_eq(lm_gl2_square(x), lm_gl2_from_base(7)));
}

static void test_gl2_axioms(void **state)
{
    (void)state;
    const lm_gl2 one = lm_gl2_from_base(1), zero = lm_gl2_from_base(0);
    for (int i = 0; i < 3000; i++) {
        lm_gl2 a = rand_gl2(), b = rand_gl2(), c = rand_gl2();
        assert_true(lm_gl2_eq(lm_gl2_mul(a, b), lm_gl2_mul(b, a)));
        assert_true(lm_gl2_eq(lm_gl2_mul(lm_gl2_mul(a, b), c), lm_gl2_mul(a, lm_gl2_mul(b, c))));
        assert_true(lm_gl2_eq(lm_gl2_mul(a, lm_gl2_add(b, c)), lm_gl2_add(lm_gl2_mul(a, b), lm_gl2_mul(a, c))));
        assert_true(lm_gl2_eq(lm_gl2_add(lm_gl2_sub(a, b), b), a));
        assert_true(lm_gl2_eq(lm_gl2_add(a, lm_gl2_neg(a)), zero));
        assert_true(lm_gl2_eq(lm_gl2_mul(a, one), a));
        assert_true(lm_gl2_eq(lm_gl2_square(a), lm_gl2_mul(a, a)));
        lm_gl s = rand_gl();
        assert_true(lm_gl2_eq(lm_gl2_mul_base(a, s), lm_gl2_mul(a, lm_gl2_from_base(s))));
        if (!lm_gl2_is_zero(a))
            assert_true(lm_gl2_eq(lm_gl2_mul(a, lm_gl2_inv(a)), one));
    }
    assert_true(lm_gl2_is_zero(lm_gl2_inv(zero)));
    /* base-field embedding is a homomorphism */
    lm_gl u = rand_gl(), v = rand_gl();
    assert_true(lm_gl2_eq(lm_gl2_mul(lm_gl2_from_base(u), lm_gl2_from_base(v)), lm_gl2_from_base(lm_gl_mul(u, v))));
}

static void test_gl2_pow_and_norm(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        lm_gl2 a = rand_gl2();
        if (lm_gl2_is_zero(a))
            continue;
        /* the norm a^(p+1) lies in F_p and equals a0^2 - 7 a1^2 */
        lm_gl2 n = lm_gl2_pow(a, P + 1);
        assert_true(n.c[1] == 0);
        assert_true(n.c[0] == lm_gl_sub(lm_gl_square(a.c[0]), lm_gl_mul(7, lm_gl_square(a.c[1]))));
        /* a^(p^2 - 1) = (a^(p+1))^(p-1) = 1 */
        assert_true(lm_gl2_eq(lm_gl2_pow(n, P - 1), lm_gl2_from_base(1)));
        /* Frobenius: a^p = a0 - a1 x */
        lm_gl2 f = lm_gl2_pow(a, P);
        assert_true(f.c[0] == a.c[0] && f.c[1] == lm_gl_neg(a.c[1]));
        lm_gl2 acc = lm_gl2_from_base(1);
        for (unsigned e = 0; e < 10; e++) {
            assert_true(lm_gl2_eq(lm_gl2_pow(a, e), acc));
            acc = lm_gl2_mul(acc, a);
        }
    }
}

static void test_gl2_plonky3_generator(void **state)
{
    (void)state;
    /* Plonky3's generator of F_{p^2}^* for x^2 - 7; its order must be exactly
     * p^2 - 1 = (p-1)(p+1) with p+1 = 2 * 7 * 179 * 7361031152998637. */
    const lm_gl2 g = lm_gl2_make(18081566051660590251ull, 16121475356294670766ull);
    const uint64_t qm[] = {2, 3, 5, 17, 257, 65537};             /* primes of p - 1 */
    const uint64_t qp[] = {2, 7, 179, 7361031152998637ull};      /* primes of p + 1 */
    assert_true(2 * 7 * 179 * 7361031152998637ull == P + 1);
    const lm_gl2 one = lm_gl2_from_base(1);
    assert_true(lm_gl2_eq(lm_gl2_pow(lm_gl2_pow(g, P - 1), P + 1), one));
    for (size_t i = 0; i < sizeof qm / sizeof qm[0]; i++)
        assert_false(lm_gl2_eq(lm_gl2_pow(lm_gl2_pow(g, (P - 1) / qm[i]), P + 1), one));
    for (size_t i = 0; i < sizeof qp / sizeof qp[0]; i++)
        assert_false(lm_gl2_eq(lm_gl2_pow(lm_gl2_pow(g, P - 1), (P + 1) / qp[i]), one));
    /* g is a non-square: g^((p^2-1)/2) = -1 */
    lm_gl2 h = lm_gl2_pow(lm_gl2_pow(g, (P + 1) / 2), P - 1);
    assert_true(lm_gl2_eq(h, lm_gl2_from_base(P - 1)));
}

/* ---- cubic extension ----------------------------------------------------- */

static lm_gl3 rand_gl3(void) { return lm_gl3_make(rand_gl(), rand_gl(), rand_gl()); }

static void test_gl3_irreducible(void **state)
{
    (void)state;
    const lm_gl3 x = lm_gl3_make(0, 1, 0);
    /* x^3 = x + 1 in the ring */
    assert_true(lm_gl3_eq(lm_gl3_mul(lm_gl3_square(x), x), lm_gl3_make(1, 1, 0)));
    /* Rabin's test for degree 3: f is irreducible iff x^(p^3) = x mod f and
     * gcd(x^p - x, f) = 1. For squarefree f with x^(p^3) = x every factor has
     * degree 1 or 3; if all three were linear, x^p = x mod f. So x^(p^3) = x
     * and x^p != x mod f together prove irreducibility. lm_gl3_pow is plain
     * square-and-multiply in F_p[x]/(f), valid whether or not f is irreducible. */
    lm_gl3 xp = lm_gl3_pow(x, P);
    assert_false(lm_gl3_eq(xp, x));
    lm_gl3 xp3 = lm_gl3_pow(lm_gl3_pow(xp, P), P);
    assert_true(lm_gl3_eq(xp3, x));
    /* no root among a few candidates either (0, 1, -1, small values) */
    for (lm_gl r = 0; r < 64; r++) {
        lm_gl f = lm_gl_sub(lm_gl_sub(lm_gl_mul(lm_gl_square(r), r), r), 1);
        assert_true(f != 0);
        lm_gl rn = lm_gl_neg(r);
        f = lm_gl_sub(lm_gl_sub(lm_gl_mul(lm_gl_square(rn), rn), rn), 1);
        assert_true(f != 0);
    }
}

static void test_gl3_axioms(void **state)
{
    (void)state;
    const lm_gl3 one = lm_gl3_from_base(1), zero = lm_gl3_from_base(0);
    for (int i = 0; i < 3000; i++) {
        lm_gl3 a = rand_gl3(), b = rand_gl3(), c = rand_gl3();
        assert_true(lm_gl3_eq(lm_gl3_mul(a, b), lm_gl3_mul(b, a)));
        assert_true(lm_gl3_eq(lm_gl3_mul(lm_gl3_mul(a, b), c), lm_gl3_mul(a, lm_gl3_mul(b, c))));
        assert_true(lm_gl3_eq(lm_gl3_mul(a, lm_gl3_add(b, c)), lm_gl3_add(lm_gl3_mul(a, b), lm_gl3_mul(a, c))));
        assert_true(lm_gl3_eq(lm_gl3_add(lm_gl3_sub(a, b), b), a));
        assert_true(lm_gl3_eq(lm_gl3_add(a, lm_gl3_neg(a)), zero));
        assert_true(lm_gl3_eq(lm_gl3_mul(a, one), a));
        assert_true(lm_gl3_eq(lm_gl3_square(a), lm_gl3_mul(a, a)));
        lm_gl s = rand_gl();
        assert_true(lm_gl3_eq(lm_gl3_mul_base(a, s), lm_gl3_mul(a, lm_gl3_from_base(s))));
        if (!lm_gl3_is_zero(a)) {
            lm_gl3 ai = lm_gl3_inv(a);
            assert_true(lm_gl3_eq(lm_gl3_mul(a, ai), one));
            assert_true(lm_gl3_eq(lm_gl3_inv(ai), a));
        }
    }
    assert_true(lm_gl3_is_zero(lm_gl3_inv(zero)));
    /* inverses of the basis elements: x^-1 = x^2 - 1 (x^3 - x = 1) */
    assert_true(lm_gl3_eq(lm_gl3_inv(lm_gl3_make(0, 1, 0)), lm_gl3_make(P - 1, 0, 1)));
    assert_true(lm_gl3_eq(lm_gl3_inv(lm_gl3_from_base(P - 1)), lm_gl3_from_base(P - 1)));
}

static void test_gl3_pow_and_norm(void **state)
{
    (void)state;
    for (int i = 0; i < 30; i++) {
        lm_gl3 a = rand_gl3();
        if (lm_gl3_is_zero(a))
            continue;
        /* Frobenius has order 3: ((a^p)^p)^p = a */
        lm_gl3 f1 = lm_gl3_pow(a, P);
        lm_gl3 f2 = lm_gl3_pow(f1, P);
        /* a^p = a exactly for a in F_p */
        assert_true(lm_gl3_eq(f1, a) == ((a.c[1] | a.c[2]) == 0));
        assert_true(lm_gl3_eq(lm_gl3_pow(f2, P), a));
        /* the norm a * a^p * a^(p^2) lies in F_p, is non-zero, and is
         * multiplicative */
        lm_gl3 n = lm_gl3_mul(lm_gl3_mul(a, f1), f2);
        assert_true(n.c[1] == 0 && n.c[2] == 0 && n.c[0] != 0);
        /* a^-1 = a^p * a^(p^2) / N(a) */
        lm_gl3 ai = lm_gl3_mul_base(lm_gl3_mul(f1, f2), lm_gl_inv(n.c[0]));
        assert_true(lm_gl3_eq(ai, lm_gl3_inv(a)));
        lm_gl3 acc = lm_gl3_from_base(1);
        for (unsigned e = 0; e < 10; e++) {
            assert_true(lm_gl3_eq(lm_gl3_pow(a, e), acc));
            acc = lm_gl3_mul(acc, a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_from_u64_edges),
        cmocka_unit_test(test_add_sub_edges),
        cmocka_unit_test(test_mul_edges),
        cmocka_unit_test(test_mul_random_vs_reference),
        cmocka_unit_test(test_field_axioms),
        cmocka_unit_test(test_inverse),
        cmocka_unit_test(test_pow),
        cmocka_unit_test(test_generator),
        cmocka_unit_test(test_roots_of_unity),
        cmocka_unit_test(test_batch_inverse),
        cmocka_unit_test(test_gl2_irreducible),
        cmocka_unit_test(test_gl2_axioms),
        cmocka_unit_test(test_gl2_pow_and_norm),
        cmocka_unit_test(test_gl2_plonky3_generator),
        cmocka_unit_test(test_gl3_irreducible),
        cmocka_unit_test(test_gl3_axioms),
        cmocka_unit_test(test_gl3_pow_and_norm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
