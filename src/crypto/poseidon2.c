/* Poseidon2 over Goldilocks, t = 12, x^7, R_F = 8, R_P = 22, with the
 * compression and sponge of docs/poseidon2.md. Freestanding: no libc, no
 * allocation. Constant time: no branch or memory index depends on the state.
 * See include/lamina/poseidon2.h; docs/poseidon2.md, "Implementation", says
 * what makes the permutation fast (lazy reduction). Its output is checked
 * bit for bit against the reference known answer and the Python model. */
#include "lamina/poseidon2.h"

/* ---- constants ------------------------------------------------------------
 * Transcribed from the Horizen Labs reference implementation,
 * github.com/HorizenLabs/poseidon2, file
 * plain_implementations/src/poseidon2/poseidon2_instance_goldilocks.rs
 * (MAT_DIAG12_M_1 and RC12, used by POSEIDON2_GOLDILOCKS_12_PARAMS =
 * Poseidon2Params::new(12, 7, 8, 22, ...)). All values are < p. */

/* Internal (partial-round) matrix M_I = 1 + diag(MAT_DIAG12_M_1): row i of
 * M_I x is  sum(x) + d_i x_i.  MAT_DIAG12_M_1 of the reference. */
static const lm_gl P2_DIAG[LM_P2_WIDTH] = {
    UINT64_C(0xc3b6c08e23ba9300), UINT64_C(0xd84b5de94a324fb6), UINT64_C(0x0d0c371c5b35b84f),
    UINT64_C(0x7964f570e7188037), UINT64_C(0x5daf18bbd996604b), UINT64_C(0x6743bc47b9595257),
    UINT64_C(0x5528b9362c59bb70), UINT64_C(0xac45e25b7127b68b), UINT64_C(0xa2077d7dfbb606b5),
    UINT64_C(0xf3faac6faee378ae), UINT64_C(0x0c6388b51545e883), UINT64_C(0xd27dbb6944917b60),
};

/* Round constants of the 4 + 4 full rounds: RC12 rows 0-3 and 26-29. */
static const lm_gl P2_RC_FULL[LM_P2_ROUNDS_F][LM_P2_WIDTH] = {
    {
        UINT64_C(0x13dcf33aba214f46), UINT64_C(0x30b3b654a1da6d83), UINT64_C(0x1fc634ada6159b56),
        UINT64_C(0x937459964dc03466), UINT64_C(0xedd2ef2ca7949924), UINT64_C(0xede9affde0e22f68),
        UINT64_C(0x8515b9d6bac9282d), UINT64_C(0x6b5c07b4e9e900d8), UINT64_C(0x1ec66368838c8a08),
        UINT64_C(0x9042367d80d1fbab), UINT64_C(0x400283564a3c3799), UINT64_C(0x4a00be0466bca75e),
    },
    {
        UINT64_C(0x7913beee58e3817f), UINT64_C(0xf545e88532237d90), UINT64_C(0x22f8cb8736042005),
        UINT64_C(0x6f04990e247a2623), UINT64_C(0xfe22e87ba37c38cd), UINT64_C(0xd20e32c85ffe2815),
        UINT64_C(0x117227674048fe73), UINT64_C(0x4e9fb7ea98a6b145), UINT64_C(0xe0866c232b8af08b),
        UINT64_C(0x00bbc77916884964), UINT64_C(0x7031c0fb990d7116), UINT64_C(0x240a9e87cf35108f),
    },
    {
        UINT64_C(0x2e6363a5a12244b3), UINT64_C(0x5e1c3787d1b5011c), UINT64_C(0x4132660e2a196e8b),
        UINT64_C(0x3a013b648d3d4327), UINT64_C(0xf79839f49888ea43), UINT64_C(0xfe85658ebafe1439),
        UINT64_C(0xb6889825a14240bd), UINT64_C(0x578453605541382b), UINT64_C(0x4508cda8f6b63ce9),
        UINT64_C(0x9c3ef35848684c91), UINT64_C(0x0812bde23c87178c), UINT64_C(0xfe49638f7f722c14),
    },
    {
        UINT64_C(0x8e3f688ce885cbf5), UINT64_C(0xb8e110acf746a87d), UINT64_C(0xb4b2e8973a6dabef),
        UINT64_C(0x9e714c5da3d462ec), UINT64_C(0x6438f9033d3d0c15), UINT64_C(0x24312f7cf1a27199),
        UINT64_C(0x23f843bb47acbf71), UINT64_C(0x9183f11a34be9f01), UINT64_C(0x839062fbb9d45dbf),
        UINT64_C(0x24b56e7e6c2e43fa), UINT64_C(0xe1683da61c962a72), UINT64_C(0xa95c63971a19bfa7),
    },
    {
        UINT64_C(0xc68be7c94882a24d), UINT64_C(0xaf996d5d5cdaedd9), UINT64_C(0x9717f025e7daf6a5),
        UINT64_C(0x6436679e6e7216f4), UINT64_C(0x8a223d99047af267), UINT64_C(0xbb512e35a133ba9a),
        UINT64_C(0xfbbf44097671aa03), UINT64_C(0xf04058ebf6811e61), UINT64_C(0x5cca84703fac7ffb),
        UINT64_C(0x9b55c7945de6469f), UINT64_C(0x8e05bf09808e934f), UINT64_C(0x2ea900de876307d7),
    },
    {
        UINT64_C(0x7748fff2b38dfb89), UINT64_C(0x6b99a676dd3b5d81), UINT64_C(0xac4bb7c627cf7c13),
        UINT64_C(0xadb6ebe5e9e2f5ba), UINT64_C(0x2d33378cafa24ae3), UINT64_C(0x1e5b73807543f8c2),
        UINT64_C(0x09208814bfebb10f), UINT64_C(0x782e64b6bb5b93dd), UINT64_C(0xadd5a48eac90b50f),
        UINT64_C(0xadd4c54c736ea4b1), UINT64_C(0xd58dbb86ed817fd8), UINT64_C(0x6d5ed1a533f34ddd),
    },
    {
        UINT64_C(0x28686aa3e36b7cb9), UINT64_C(0x591abd3476689f36), UINT64_C(0x047d766678f13875),
        UINT64_C(0xa2a11112625f5b49), UINT64_C(0x21fd10a3f8304958), UINT64_C(0xf9b40711443b0280),
        UINT64_C(0xd2697eb8b2bde88e), UINT64_C(0x3493790b51731b3f), UINT64_C(0x11caf9dd73764023),
        UINT64_C(0x7acfb8f72878164e), UINT64_C(0x744ec4db23cefc26), UINT64_C(0x1e00e58f422c6340),
    },
    {
        UINT64_C(0x21dd28d906a62dda), UINT64_C(0xf32a46ab5f465b5f), UINT64_C(0xbfce13201f3f7e6b),
        UINT64_C(0xf30d2e7adb5304e2), UINT64_C(0xecdf4ee4abad48e9), UINT64_C(0xf94e82182d395019),
        UINT64_C(0x4ee52e3744d887c5), UINT64_C(0xa1341c7cac0083b2), UINT64_C(0x2302fb26c30c834a),
        UINT64_C(0xaea3c587273bf7d3), UINT64_C(0xf798e24961823ec7), UINT64_C(0x962deba3e9a2cd94),
    },
};

/* Round constants of the 22 partial rounds: RC12 rows 4-25, element 0 (the
 * reference's rows carry zeros in elements 1-11 for these rounds). */
static const lm_gl P2_RC_PARTIAL[LM_P2_ROUNDS_P] = {
    UINT64_C(0x4adf842aa75d4316), UINT64_C(0xf8fbb871aa4ab4eb), UINT64_C(0x68e85b6eb2dd6aeb),
    UINT64_C(0x07a0b06b2d270380), UINT64_C(0xd94e0228bd282de4), UINT64_C(0x8bdd91d3250c5278),
    UINT64_C(0x209c68b88bba778f), UINT64_C(0xb5e18cdab77f3877), UINT64_C(0xb296a3e808da93fa),
    UINT64_C(0x8370ecbda11a327e), UINT64_C(0x3f9075283775dad8), UINT64_C(0xb78095bb23c6aa84),
    UINT64_C(0x3f36b9fe72ad4e5f), UINT64_C(0x69bc96780b10b553), UINT64_C(0x3f1d341f2eb7b881),
    UINT64_C(0x4e939e9815838818), UINT64_C(0xda366b3ae2a31604), UINT64_C(0xbc89db1e7287d509),
    UINT64_C(0x6102f411f9ef5659), UINT64_C(0x58725c5e7ac1f0ab), UINT64_C(0x0df5856c798883e7),
    UINT64_C(0xf7bb62a8da4c961b),
};

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
