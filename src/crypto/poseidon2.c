/* Poseidon2 over Goldilocks, t = 12, x^7, R_F = 8, R_P = 22, with the
 * compression and sponge of docs/poseidon2.md. Freestanding: no libc, no
 * allocation. Constant time: no branch or memory index depends on the state.
 * See include/lamina/poseidon2.h; docs/poseidon2.md, "Implementation", says
 * what makes the permutation fast (lazy reduction). Its output is checked
 * bit for bit against the reference known answer and the Python model. */
#include "lamina/poseidon2.h"
#include "lamina/poseidon2_consts.h"

/* ---- constants ------------------------------------------------------------ */

/* The constants (MAT_DIAG12_M_1 and RC12 of the reference) live in
 * src/crypto/poseidon2_consts.c, shared with the Poseidon2 AIR. The internal
 * matrix M_I = 1 + diag(d): row i of M_I x is  sum(x) + d_i x_i. */
#define P2_DIAG lm_poseidon2_diag
#define P2_RC_FULL lm_poseidon2_rc_full
#define P2_RC_PARTIAL lm_poseidon2_rc_partial

/* ---- lazy arithmetic -------------------------------------------------------
 * Inside the permutation an element is any uint64_t congruent to its value
 * mod p (not necessarily < p); only the output is made canonical. Linear
 * layers work on unreduced sums in 128 bits (w128) and reduce once per
 * element; products are reduced without the final conditional subtraction.
 * Every step below is branch-free and indexes memory only by round number. */

#ifdef LM_GL_HAVE_INT128
__extension__ typedef unsigned __int128 w128;
static inline w128 w_of(uint64_t a) { return a; }
static inline w128 w_add(w128 a, w128 b) { return a + b; }
static inline w128 w_add64(w128 a, uint64_t b) { return a + b; }
static inline w128 w_shl(w128 a, unsigned k) { return a << k; }
static inline w128 w_mul(uint64_t a, uint64_t b) { return (w128)a * b; }
static inline uint64_t w_lo(w128 a) { return (uint64_t)a; }
static inline uint64_t w_hi(w128 a) { return (uint64_t)(a >> 64); }
#else
typedef struct {
    uint64_t lo, hi;
} w128;
static inline w128 w_of(uint64_t a) { return (w128){a, 0}; }
static inline w128 w_add(w128 a, w128 b)
{
    uint64_t lo = a.lo + b.lo;
    return (w128){lo, a.hi + b.hi + (uint64_t)(lo < a.lo)};
}
static inline w128 w_add64(w128 a, uint64_t b)
{
    uint64_t lo = a.lo + b;
    return (w128){lo, a.hi + (uint64_t)(lo < b)};
}
/* 0 < k < 64 */
static inline w128 w_shl(w128 a, unsigned k) { return (w128){a.lo << k, (a.hi << k) | (a.lo >> (64 - k))}; }
static inline w128 w_mul(uint64_t a, uint64_t b)
{
    w128 r;
    lm_gl_mul_wide(&r.hi, &r.lo, a, b);
    return r;
}
static inline uint64_t w_lo(w128 a) { return a.lo; }
static inline uint64_t w_hi(w128 a) { return a.hi; }
#endif

/* Returns: epsilon = 2^32 - 1 when b, else 0 (the 32-bit all-ones mask). */
static inline uint64_t eps_if(bool b)
{
    uint32_t m = (uint32_t)0 - (uint32_t)b;
#ifdef __clang__
    /* An empty asm hides m's origin from clang, which otherwise turns some
     * of these selects into branches on the data (x86 cmov conversion). */
    __asm__("" : "+r"(m));
#endif
    return m;
}

/* Returns: some r < 2^64 with r = x (mod p), for any x < 2^128. As
 * lm_gl_reduce128 (x = lo - hh + hl (2^32 - 1) with hi = hh 2^32 + hl,
 * since 2^64 = 2^32 - 1 and 2^96 = -1 mod p), without the final
 * subtraction of p. */
static inline uint64_t red128(w128 x)
{
    uint64_t lo = w_lo(x), hi = w_hi(x);
    uint64_t hh = hi >> 32, hl = hi & LM_GL_EPSILON;
    uint64_t t = lo - hh;
    t -= eps_if(lo < hh); /* a borrow added 2^64 = p + eps; t stays >= 0 */
    uint64_t m = (hl << 32) - hl; /* hl * eps < 2^64 */
    uint64_t r = t + m;
    return r + eps_if(r < m); /* a carry lost 2^64 = eps; r < m, no new carry */
}

/* Returns: some r < 2^64 with r = x (mod p), for x < 2^96 (hi < 2^32):
 * x = lo + hi (2^32 - 1). */
static inline uint64_t red96(w128 x)
{
    uint64_t hi = w_hi(x);
    uint64_t m = (hi << 32) - hi;
    uint64_t r = w_lo(x) + m;
    return r + eps_if(r < m);
}

/* Returns: a * b mod p as some value < 2^64; a, b any uint64_t. */
static inline uint64_t mul_lazy(uint64_t a, uint64_t b) { return red128(w_mul(a, b)); }

/* The S-box x^7 in 4 multiplications (x^2, x^3 = x^2 x, x^4 = (x^2)^2,
 * x^7 = x^3 x^4), depth 3. */
static inline uint64_t sbox(uint64_t x)
{
    uint64_t x2 = mul_lazy(x, x);
    uint64_t x3 = mul_lazy(x2, x);
    uint64_t x4 = mul_lazy(x2, x2);
    return mul_lazy(x3, x4);
}

/* o <- M4 x with the reference's 4x4 MDS matrix
 *        [5 7 1 3]
 *   M4 = [4 6 1 1]
 *        [1 3 5 7]
 *        [1 1 4 6]
 * in 8 additions and 4 doublings (the Poseidon2 paper, appendix B), on
 * unreduced 128-bit sums: a row's coefficients add up to at most 16, so
 * o < 2^68 for x < 2^64. */
static inline void m4(w128 o[4], const uint64_t x[4])
{
    w128 t0 = w_add64(w_of(x[0]), x[1]);           /* x0 + x1 */
    w128 t1 = w_add64(w_of(x[2]), x[3]);           /* x2 + x3 */
    w128 t2 = w_add(w_shl(w_of(x[1]), 1), t1);     /* 2x1 + x2 + x3 */
    w128 t3 = w_add(w_shl(w_of(x[3]), 1), t0);     /* x0 + x1 + 2x3 */
    w128 t4 = w_add(w_shl(t1, 2), t3);             /* x0 + x1 + 4x2 + 6x3 */
    w128 t5 = w_add(w_shl(t0, 2), t2);             /* 4x0 + 6x1 + x2 + x3 */
    o[0] = w_add(t3, t5);                          /* 5x0 + 7x1 + x2 + 3x3 */
    o[1] = t5;
    o[2] = w_add(t2, t4);                          /* x0 + 3x1 + 5x2 + 7x3 */
    o[3] = t4;
}

/* o <- M_E x + c, unreduced. Poseidon2 paper (eprint 2023/323), for
 * t = 4t': "M_E = circ(2 M4, M4, ..., M4)", i.e. M4 on each 4-element
 * block, then each element gains the sum of its column position over all
 * blocks. A row of M_E adds up to 2*16 + 16 + 16 = 64, so for x, c < 2^64
 * o < 2^70 + 2^64 < 2^96 (red96 applies). */
static inline void external_layer(w128 o[LM_P2_WIDTH], const uint64_t x[LM_P2_WIDTH],
                                  const lm_gl c[LM_P2_WIDTH])
{
    m4(o, x);
    m4(o + 4, x + 4);
    m4(o + 8, x + 8);
#pragma GCC unroll 4
    for (int l = 0; l < 4; l++) {
        w128 col = w_add(w_add(o[l], o[4 + l]), o[8 + l]);
        o[l] = w_add64(w_add(o[l], col), c[l]);
        o[4 + l] = w_add64(w_add(o[4 + l], col), c[4 + l]);
        o[8 + l] = w_add64(w_add(o[8 + l], col), c[8 + l]);
    }
}

/* A full round after its constant addition: x <- M_E (red(t))^7 + c. */
static inline void full_round(uint64_t x[LM_P2_WIDTH], const w128 t[LM_P2_WIDTH], w128 o[LM_P2_WIDTH],
                              const lm_gl c[LM_P2_WIDTH])
{
#pragma GCC unroll 12
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x[i] = sbox(red96(t[i]));
    external_layer(o, x, c);
}

/* Internal matrix: the Poseidon2 paper's M_I has 1 everywhere off the
 * diagonal and mu_i on it, M_I = 1 + diag(mu_i - 1), so
 * (M_I x)_i = sum(x) + d_i x_i with d_i = mu_i - 1 = P2_DIAG[i].
 * Lane 0 is written (d_0 + 1) x_0 + sum_{j>0} x_j so that the part that
 * waits for the S-box is one product. */
#define P2_DIAG0_PLUS_1 (P2_DIAG[0] + 1) /* d_0 + 1 < p */

/* A partial round whose constant is already in s[0]: s_0 <- s_0^7, then
 * s <- M_I s, and c_next (the next partial round's constant, or 0) is
 * added to s_0. On entry and exit s_i < 2^64. Each lane is one 128-bit sum
 * d_i s_i + S (+ c_next) reduced once: d_i s_i < (2^64 - 2^32) 2^64 =
 * 2^128 - 2^96 and S, c_next < 2^68, so nothing overflows. */
static inline void partial_round(uint64_t s[LM_P2_WIDTH], uint64_t c_next)
{
    w128 rest = w_of(s[1]); /* sum_{j>0} s_j, < 2^68 */
#pragma GCC unroll 12
    for (int j = 2; j < LM_P2_WIDTH; j++)
        rest = w_add64(rest, s[j]);
    uint64_t u = sbox(s[0]);
    w128 sum = w_add64(rest, u);
#pragma GCC unroll 12
    for (int j = 1; j < LM_P2_WIDTH; j++)
        s[j] = red128(w_add(w_mul(s[j], P2_DIAG[j]), sum));
    s[0] = red128(w_add(w_mul(u, P2_DIAG0_PLUS_1), w_add64(rest, c_next)));
}

/* Returns: the canonical element of x < 2^64. */
static inline lm_gl canon(uint64_t x) { return lm_gl_from_u64(x); }

void lm_poseidon2_permute(lm_gl state[LM_P2_WIDTH])
{
    uint64_t x[LM_P2_WIDTH];
    w128 t[LM_P2_WIDTH], o[LM_P2_WIDTH];
    /* The permutation is a function of the values mod p, so a word >= p
     * needs no reduction first. Poseidon2 applies the external layer once
     * more before the first round (the reference: "Linear layer at
     * beginning"); the first round's constants join it. */
    external_layer(t, state, P2_RC_FULL[0]);
    full_round(x, t, o, P2_RC_FULL[1]);
    full_round(x, o, t, P2_RC_FULL[2]);
    full_round(x, t, o, P2_RC_FULL[3]);
    static const lm_gl zero[LM_P2_WIDTH] = {0};
    full_round(x, o, t, zero);
    /* Partial rounds: only s_0 gets a constant and the S-box. */
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x[i] = red96(t[i]);
    x[0] = red96(w_add64(t[0], P2_RC_PARTIAL[0]));
    for (int r = 0; r < LM_P2_ROUNDS_P - 1; r++)
        partial_round(x, P2_RC_PARTIAL[r + 1]);
    partial_round(x, 0);
    for (int i = 0; i < LM_P2_WIDTH; i++)
        t[i] = w_add64(w_of(x[i]), P2_RC_FULL[4][i]);
    full_round(x, t, o, P2_RC_FULL[5]);
    full_round(x, o, t, P2_RC_FULL[6]);
    full_round(x, t, o, P2_RC_FULL[7]);
    full_round(x, o, t, zero);
    for (int i = 0; i < LM_P2_WIDTH; i++)
        state[i] = canon(red96(t[i]));
}

/* ---- compression and sponge ---------------------------------------------- */

void lm_poseidon2_compress(lm_gl out[LM_P2_DIGEST], const lm_gl left[LM_P2_DIGEST],
                           const lm_gl right[LM_P2_DIGEST])
{
    lm_gl s[LM_P2_WIDTH] = {0};
    for (int i = 0; i < 4; i++) {
        s[i] = left[i];
        s[4 + i] = right[i];
    }
    lm_poseidon2_permute(s);
    for (int i = 0; i < LM_P2_DIGEST; i++)
        out[i] = s[i];
}

/* The initial sponge state: zero, with the length and the domain tag in the
 * capacity (state[8] = length mod p, state[9] = tag). */
static void sponge_init(lm_gl s[LM_P2_WIDTH], uint64_t length, uint64_t tag)
{
    for (int i = 0; i < LM_P2_WIDTH; i++)
        s[i] = 0;
    s[LM_P2_RATE] = lm_gl_from_u64(length);
    s[LM_P2_RATE + 1] = tag;
}

static void sponge_out(lm_gl out[LM_P2_DIGEST], const lm_gl s[LM_P2_WIDTH])
{
    for (int i = 0; i < LM_P2_DIGEST; i++)
        out[i] = s[i];
}

void lm_poseidon2_hash(lm_gl out[LM_P2_DIGEST], const lm_gl *elements, size_t n)
{
    lm_gl s[LM_P2_WIDTH];
    sponge_init(s, (uint64_t)n, LM_P2_TAG_ELEMENTS);
    /* Blocks of 8 elements overwrite the rate; the last block is padded with
     * zeros; at least one block (n = 0 absorbs one all-zero block). */
    size_t off = 0;
    do {
        for (size_t i = 0; i < LM_P2_RATE; i++)
            s[i] = off + i < n ? elements[off + i] : 0;
        lm_poseidon2_permute(s);
        off += LM_P2_RATE;
    } while (off < n);
    sponge_out(out, s);
}

/* Packs up to 7 bytes little-endian into one element (< 2^56 < p). */
static lm_gl pack7(const uint8_t *b, size_t k)
{
    uint64_t v = 0;
    for (size_t j = 0; j < k; j++)
        v |= (uint64_t)b[j] << (8 * j);
    return v;
}

void lm_poseidon2_hash_bytes(lm_gl out[LM_P2_DIGEST], const uint8_t *data, size_t len)
{
    enum { BLOCK_BYTES = LM_P2_RATE * LM_P2_BYTES_PER_ELEMENT }; /* 56 */
    lm_gl s[LM_P2_WIDTH];
    sponge_init(s, (uint64_t)len, LM_P2_TAG_BYTES);
    size_t off = 0;
    do {
        for (size_t i = 0; i < LM_P2_RATE; i++) {
            size_t at = off + i * LM_P2_BYTES_PER_ELEMENT;
            size_t k = 0;
            if (at < len)
                k = len - at < LM_P2_BYTES_PER_ELEMENT ? len - at : LM_P2_BYTES_PER_ELEMENT;
            s[i] = k ? pack7(data + at, k) : 0;
        }
        lm_poseidon2_permute(s);
        off += BLOCK_BYTES;
    } while (off < len);
    sponge_out(out, s);
}
