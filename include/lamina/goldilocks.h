/* The Goldilocks prime field F_p, p = 2^64 - 2^32 + 1, and its quadratic and
 * cubic extensions.
 *
 * Representation: an element is an lm_gl, a uint64_t holding the canonical
 * value 0 <= v < p. Every function here takes canonical inputs and returns
 * canonical outputs; a raw uint64_t from the outside (which may be >= p) must
 * go through lm_gl_from_u64 (reduces) or be checked with lm_gl_is_canonical
 * (rejects) first. Passing a non-canonical lm_gl to another function is a
 * programmer error: the result is some value but not a specified one.
 *
 * Freestanding: only <stdint.h>, <stdbool.h>, <stddef.h> (and lamina/err.h,
 * itself freestanding, for LM_MUST_CHECK); no libc, no
 * allocation, no global state. The hot operations are static inline so the
 * STARK, the state tree and Poseidon2 get them inlined.
 *
 * 128-bit products use unsigned __int128 when the compiler has it; otherwise
 * (rv32im, or when LM_GL_NO_INT128 is defined before this header is included)
 * a 64x64->128 product is assembled from four 32x32->64 products. Both paths
 * give identical results (tests/unit/test_goldilocks_noint128.c).
 *
 * Constant time: add, sub, neg, mul, square, pow (in both base and exponent),
 * inv and the extension operations are written without branches or memory
 * indices that depend on the values (comparisons become masks). The batch
 * inverse depends only on n. Not yet checked on compiled code (a valgrind
 * ctime test in the style of libsecp256k1 would do it).
 *
 * See docs/field.md, section "Goldilocks field". */
#ifndef LAMINA_GOLDILOCKS_H
#define LAMINA_GOLDILOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h" /* LM_MUST_CHECK only */

#if defined(__SIZEOF_INT128__) && !defined(LM_GL_NO_INT128)
#define LM_GL_HAVE_INT128 1
#endif

/* A canonical Goldilocks element, 0 <= v < LM_GL_P. */
typedef uint64_t lm_gl;

#define LM_GL_P UINT64_C(0xffffffff00000001)
/* 2^64 mod p = 2^32 - 1 ("epsilon"). */
#define LM_GL_EPSILON UINT64_C(0xffffffff)
/* 7 generates the multiplicative group F_p^* (order p - 1 =
 * 2^32 * 3 * 5 * 17 * 257 * 65537; tested). */
#define LM_GL_GENERATOR UINT64_C(7)
/* p - 1 = 2^32 * (2^32 - 1): subgroups of every order 2^k, k <= 32. */
#define LM_GL_TWO_ADICITY 32u
/* 7^((p-1)/2^32): a primitive 2^32-th root of unity (the same value as
 * Plonky2's POWER_OF_TWO_GENERATOR; tested). */
#define LM_GL_ROOT_2_32 UINT64_C(1753635133440165772)

/* ---- base field ---------------------------------------------------------- */

/* Internal helpers end in '_'. Returns: all ones when b is true, zero
 * otherwise (for branch-free selects). */
static inline uint64_t lm_gl_mask_(bool b)
{
    uint64_t m = (uint64_t)0 - (uint64_t)b;
#if defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
    /* clang turns "x & mask" back into a branch on the data; an opaque
     * value keeps it a mask (gcc keeps it without help) */
    __asm__("" : "+r"(m));
#endif
    return m;
}

/* Returns: true when v is a canonical element (v < p). */
static inline bool lm_gl_is_canonical(uint64_t v) { return v < LM_GL_P; }

/* Returns: v mod p, for any uint64_t v (one conditional subtraction, since
 * 2^64 - 1 < 2p). */
static inline lm_gl lm_gl_from_u64(uint64_t v)
{
    return v - (LM_GL_P & lm_gl_mask_(v >= LM_GL_P));
}

/* Returns: a + b mod p. */
static inline lm_gl lm_gl_add(lm_gl a, lm_gl b)
{
    uint64_t s = a + b;
    /* A carry out of 64 bits lost 2^64 = epsilon (mod p); s + epsilon then
     * stays below 2^64 because a + b - 2^64 <= 2^64 - 2^33. */
    s += LM_GL_EPSILON & lm_gl_mask_(s < a);
    return s - (LM_GL_P & lm_gl_mask_(s >= LM_GL_P));
}

/* Returns: a - b mod p. */
static inline lm_gl lm_gl_sub(lm_gl a, lm_gl b)
{
    uint64_t d = a - b;
    /* A borrow added 2^64 = p + epsilon: taking epsilon off leaves a - b + p,
     * which lies in [1, p - 1]. */
    return d - (LM_GL_EPSILON & lm_gl_mask_(a < b));
}

/* Returns: -a mod p (0 for 0). */
static inline lm_gl lm_gl_neg(lm_gl a) { return (LM_GL_P - a) & lm_gl_mask_(a != 0); }

/* Returns: 2a mod p. */
static inline lm_gl lm_gl_double(lm_gl a) { return lm_gl_add(a, a); }

/* Returns: true when a == b (both canonical). */
static inline bool lm_gl_eq(lm_gl a, lm_gl b) { return a == b; }

/* Returns: (hi * 2^64 + lo) mod p, for any 128-bit value.
 * Writing hi = hh * 2^32 + hl (32-bit halves), 2^64 = 2^32 - 1 and
 * 2^96 = -1 (mod p) give  x = lo - hh + hl * (2^32 - 1)  (mod p). */
static inline lm_gl lm_gl_reduce128(uint64_t hi, uint64_t lo)
{
    uint64_t hh = hi >> 32;
    uint64_t hl = hi & LM_GL_EPSILON;
    /* t = lo - hh; a borrow added 2^64, so take epsilon off. t stays >= 0:
     * with a borrow lo - hh + 2^64 >= 2^64 - 2^32 > epsilon. */
    uint64_t t = lo - hh;
    t -= LM_GL_EPSILON & lm_gl_mask_(lo < hh);
    /* hl * epsilon = (hl << 32) - hl fits in 64 bits. */
    uint64_t m = (hl << 32) - hl;
    uint64_t r = t + m;
    /* A carry lost 2^64 = epsilon; r + epsilon cannot carry again since
     * r = t + m - 2^64 < m <= 2^64 - 2^33 + 1. */
    r += LM_GL_EPSILON & lm_gl_mask_(r < m);
    return lm_gl_from_u64(r);
}

/* The full 128-bit product of two 64-bit words, for code that accumulates
 * several products or sums before one lm_gl_reduce128 (lazy reduction).
 * Out: *hi, *lo with hi * 2^64 + lo = a * b (hi <= 2^64 - 2). */
static inline void lm_gl_mul_wide(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b)
{
#ifdef LM_GL_HAVE_INT128
    __extension__ typedef unsigned __int128 lm_u128_;
    lm_u128_ p = (lm_u128_)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    /* Schoolbook on 32-bit halves: a*b = ah*bh*2^64 + (ah*bl + al*bh)*2^32 + al*bl. */
    uint64_t al = a & 0xffffffffu, ah = a >> 32;
    uint64_t bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    /* The middle column: at most 3 * (2^32 - 1) < 2^34, no overflow. */
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *lo = (mid << 32) | (ll & 0xffffffffu);
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* Returns: a * b mod p. */
static inline lm_gl lm_gl_mul(lm_gl a, lm_gl b)
{
    uint64_t hi, lo;
    lm_gl_mul_wide(&hi, &lo, a, b);
    return lm_gl_reduce128(hi, lo);
}

/* Returns: a^2 mod p. */
static inline lm_gl lm_gl_square(lm_gl a) { return lm_gl_mul(a, a); }

/* Returns: a^e mod p (with 0^0 = 1). Constant time in a and e: 64 squarings
 * and 64 multiplications with a masked select. */
static inline lm_gl lm_gl_pow(lm_gl a, uint64_t e)
{
    lm_gl r = 1;
    for (int i = 63; i >= 0; i--) {
        r = lm_gl_square(r);
        lm_gl m = lm_gl_mul(r, a);
        uint64_t bit = lm_gl_mask_((e >> i) & 1u);
        r = (m & bit) | (r & ~bit);
    }
    return r;
}

/* Returns: a^(2^k) mod p (k squarings). */
static inline lm_gl lm_gl_sqn_(lm_gl a, unsigned k)
{
    for (unsigned i = 0; i < k; i++)
        a = lm_gl_square(a);
    return a;
}

/* Returns: a^-1 mod p for a != 0, and 0 for a == 0 (defined so, not an
 * error: callers that must reject zero test lm_gl_is_zero first).
 * Fermat: a^(p-2), p - 2 = 0xfffffffe_ffffffff = (2^31 - 1) * 2^33 + (2^32 - 1),
 * by a fixed addition chain (79 squarings, 10 multiplications). */
static inline lm_gl lm_gl_inv(lm_gl a)
{
    lm_gl t1 = a;                                  /* a^(2^1 - 1) */
    lm_gl t2 = lm_gl_mul(lm_gl_sqn_(t1, 1), t1);    /* a^(2^2 - 1) */
    lm_gl t4 = lm_gl_mul(lm_gl_sqn_(t2, 2), t2);    /* a^(2^4 - 1) */
    lm_gl t8 = lm_gl_mul(lm_gl_sqn_(t4, 4), t4);    /* a^(2^8 - 1) */
    lm_gl t16 = lm_gl_mul(lm_gl_sqn_(t8, 8), t8);   /* a^(2^16 - 1) */
    lm_gl t32 = lm_gl_mul(lm_gl_sqn_(t16, 16), t16); /* a^(2^32 - 1) */
    lm_gl t24 = lm_gl_mul(lm_gl_sqn_(t16, 8), t8);  /* a^(2^24 - 1) */
    lm_gl t28 = lm_gl_mul(lm_gl_sqn_(t24, 4), t4);  /* a^(2^28 - 1) */
    lm_gl t30 = lm_gl_mul(lm_gl_sqn_(t28, 2), t2);  /* a^(2^30 - 1) */
    lm_gl t31 = lm_gl_mul(lm_gl_sqn_(t30, 1), t1);  /* a^(2^31 - 1) */
    return lm_gl_mul(lm_gl_sqn_(t31, 33), t32);    /* a^((2^31-1)*2^33 + 2^32-1) */
}

/* Returns: true when a == 0. */
static inline bool lm_gl_is_zero(lm_gl a) { return a == 0; }

/* Inverts n elements at once with Montgomery's trick: 3(n-1) multiplications
 * and one inversion. Zero elements get 0 (as lm_gl_inv) and do not spoil the
 * others.
 * Out: out[0..n) with out[i] = in[i]^-1 (0 for 0).
 * In:  in[0..n) canonical elements; out may equal in (in place), otherwise
 *      the two must not overlap.
 * scratch: caller-provided space for n elements, not overlapping in or out;
 *      its contents on return are unspecified. No allocation. */
void lm_gl_batch_inv(lm_gl *out, const lm_gl *in, size_t n, lm_gl *scratch);

/* Primitive 2^log_n-th root of unity: LM_GL_ROOT_2_32 squared 32 - log_n
 * times, so roots of different orders are consistent: root(k)^2 = root(k-1).
 * root(0) = 1, root(1) = p - 1.
 * Out: *out the root (untouched on failure).
 * Returns: true, or false when log_n > 32 (no such root in F_p). */
LM_MUST_CHECK bool lm_gl_root_of_unity(lm_gl *out, unsigned log_n);

/* ---- quadratic extension F_p[x]/(x^2 - 7) -------------------------------- */

/* c[0] + c[1] x with x^2 = 7. 7 is a quadratic non-residue mod p, so
 * x^2 - 7 is irreducible (tested). The same field as Plonky2 / Plonky3's
 * BinomialExtensionField<Goldilocks, 2> (W = 7). */
typedef struct lm_gl2 {
    lm_gl c[2];
} lm_gl2;

#define LM_GL2_W UINT64_C(7)

static inline lm_gl2 lm_gl2_from_base(lm_gl a) { return (lm_gl2){{a, 0}}; }
static inline lm_gl2 lm_gl2_make(lm_gl c0, lm_gl c1) { return (lm_gl2){{c0, c1}}; }
static inline bool lm_gl2_eq(lm_gl2 a, lm_gl2 b) { return ((a.c[0] ^ b.c[0]) | (a.c[1] ^ b.c[1])) == 0; }
static inline bool lm_gl2_is_zero(lm_gl2 a) { return (a.c[0] | a.c[1]) == 0; }

static inline lm_gl2 lm_gl2_add(lm_gl2 a, lm_gl2 b)
{
    return (lm_gl2){{lm_gl_add(a.c[0], b.c[0]), lm_gl_add(a.c[1], b.c[1])}};
}

static inline lm_gl2 lm_gl2_sub(lm_gl2 a, lm_gl2 b)
{
    return (lm_gl2){{lm_gl_sub(a.c[0], b.c[0]), lm_gl_sub(a.c[1], b.c[1])}};
}

static inline lm_gl2 lm_gl2_neg(lm_gl2 a) { return (lm_gl2){{lm_gl_neg(a.c[0]), lm_gl_neg(a.c[1])}}; }

/* Returns: a * s for a base-field scalar s. */
static inline lm_gl2 lm_gl2_mul_base(lm_gl2 a, lm_gl s)
{
    return (lm_gl2){{lm_gl_mul(a.c[0], s), lm_gl_mul(a.c[1], s)}};
}

/* (a0 + a1 x)(b0 + b1 x) = (a0 b0 + 7 a1 b1) + (a0 b1 + a1 b0) x. */
static inline lm_gl2 lm_gl2_mul(lm_gl2 a, lm_gl2 b)
{
    lm_gl c0 = lm_gl_add(lm_gl_mul(a.c[0], b.c[0]), lm_gl_mul(lm_gl_mul(a.c[1], b.c[1]), LM_GL2_W));
    lm_gl c1 = lm_gl_add(lm_gl_mul(a.c[0], b.c[1]), lm_gl_mul(a.c[1], b.c[0]));
    return (lm_gl2){{c0, c1}};
}

static inline lm_gl2 lm_gl2_square(lm_gl2 a) { return lm_gl2_mul(a, a); }

/* Returns: a^-1, or 0 for a == 0 (as lm_gl_inv). */
lm_gl2 lm_gl2_inv(lm_gl2 a);

/* Returns: a^e (0^0 = 1); constant time in a and e. */
lm_gl2 lm_gl2_pow(lm_gl2 a, uint64_t e);

/* ---- cubic extension F_p[x]/(x^3 - x - 1) -------------------------------- */

/* c[0] + c[1] x + c[2] x^2 with x^3 = x + 1. x^3 - x - 1 has no root in F_p,
 * so (being of degree 3) it is irreducible (tested by Rabin's criterion). The
 * same field as the Goldilocks cubic extension of Polygon's pil-stark /
 * goldilocks libraries. */
typedef struct lm_gl3 {
    lm_gl c[3];
} lm_gl3;

static inline lm_gl3 lm_gl3_from_base(lm_gl a) { return (lm_gl3){{a, 0, 0}}; }
static inline lm_gl3 lm_gl3_make(lm_gl c0, lm_gl c1, lm_gl c2) { return (lm_gl3){{c0, c1, c2}}; }
static inline bool lm_gl3_eq(lm_gl3 a, lm_gl3 b)
{
    return ((a.c[0] ^ b.c[0]) | (a.c[1] ^ b.c[1]) | (a.c[2] ^ b.c[2])) == 0;
}
static inline bool lm_gl3_is_zero(lm_gl3 a) { return (a.c[0] | a.c[1] | a.c[2]) == 0; }

static inline lm_gl3 lm_gl3_add(lm_gl3 a, lm_gl3 b)
{
    return (lm_gl3){{lm_gl_add(a.c[0], b.c[0]), lm_gl_add(a.c[1], b.c[1]), lm_gl_add(a.c[2], b.c[2])}};
}

static inline lm_gl3 lm_gl3_sub(lm_gl3 a, lm_gl3 b)
{
    return (lm_gl3){{lm_gl_sub(a.c[0], b.c[0]), lm_gl_sub(a.c[1], b.c[1]), lm_gl_sub(a.c[2], b.c[2])}};
}

static inline lm_gl3 lm_gl3_neg(lm_gl3 a)
{
    return (lm_gl3){{lm_gl_neg(a.c[0]), lm_gl_neg(a.c[1]), lm_gl_neg(a.c[2])}};
}

static inline lm_gl3 lm_gl3_mul_base(lm_gl3 a, lm_gl s)
{
    return (lm_gl3){{lm_gl_mul(a.c[0], s), lm_gl_mul(a.c[1], s), lm_gl_mul(a.c[2], s)}};
}

/* Schoolbook product, then x^3 = x + 1 and x^4 = x^2 + x:
 * with d_k = sum_{i+j=k} a_i b_j,
 * r0 = d0 + d3, r1 = d1 + d3 + d4, r2 = d2 + d4. */
static inline lm_gl3 lm_gl3_mul(lm_gl3 a, lm_gl3 b)
{
    lm_gl d0 = lm_gl_mul(a.c[0], b.c[0]);
    lm_gl d1 = lm_gl_add(lm_gl_mul(a.c[0], b.c[1]), lm_gl_mul(a.c[1], b.c[0]));
    lm_gl d2 = lm_gl_add(lm_gl_add(lm_gl_mul(a.c[0], b.c[2]), lm_gl_mul(a.c[1], b.c[1])),
                         lm_gl_mul(a.c[2], b.c[0]));
    lm_gl d3 = lm_gl_add(lm_gl_mul(a.c[1], b.c[2]), lm_gl_mul(a.c[2], b.c[1]));
    lm_gl d4 = lm_gl_mul(a.c[2], b.c[2]);
    return (lm_gl3){{lm_gl_add(d0, d3), lm_gl_add(lm_gl_add(d1, d3), d4), lm_gl_add(d2, d4)}};
}

static inline lm_gl3 lm_gl3_square(lm_gl3 a) { return lm_gl3_mul(a, a); }

/* Returns: a^-1, or 0 for a == 0 (as lm_gl_inv). */
lm_gl3 lm_gl3_inv(lm_gl3 a);

/* Returns: a^e (0^0 = 1); constant time in a and e. */
lm_gl3 lm_gl3_pow(lm_gl3 a, uint64_t e);

#endif
