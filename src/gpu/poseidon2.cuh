/* Poseidon2 over Goldilocks (t = 12, x^7, R_F = 8, R_P = 22) for the CUDA
 * kernels, as __host__ __device__ inline functions: the permutation, the
 * 2-to-1 compression and the sponge over a strided row of field elements.
 * The same function as src/crypto/poseidon2.c (docs/poseidon2.md), written
 * the same way (lazy reduction: 128-bit sums in the linear layers, one
 * reduction per lane), and checked bit for bit against lm_poseidon2_permute /
 * lm_poseidon2_hash / lm_poseidon2_compress by tests/gpu/test_gpu_host.c.
 *
 * Constants: one source, the tables exported by lm_crypto
 * (include/lamina/poseidon2_consts.h, the Horizen Labs reference values). The
 * host instantiation reads them directly; the device reads copies in
 * __constant__ memory that lmg::p2_upload_constants() fills from them
 * (src/gpu/merkle.cu does it before each tree build).
 *
 * Internal to src/gpu. See docs/stark.md, "GPU". */
#ifndef LAMINA_GPU_POSEIDON2_CUH
#define LAMINA_GPU_POSEIDON2_CUH

#include <stddef.h>
#include <stdint.h>

#include "gl.cuh"

extern "C" {
#include "lamina/poseidon2_consts.h"
}

namespace lmg
{

enum { P2_W = 12, P2_RATE = 8, P2_RF = 8, P2_RP = 22, P2_DIGEST = 4 };
static const uint64_t P2_TAG_ELEMENTS = 1; /* LM_P2_TAG_ELEMENTS */

#ifdef __CUDACC__
/* Device copies of the constant tables (per translation unit). */
static __constant__ uint64_t c_p2_diag[P2_W];
static __constant__ uint64_t c_p2_rc_full[P2_RF][P2_W];
static __constant__ uint64_t c_p2_rc_partial[P2_RP];

/* Copies the tables into this translation unit's __constant__ memory.
 * Returns: the CUDA status. Host only. */
static inline cudaError_t p2_upload_constants(void)
{
    cudaError_t e = cudaMemcpyToSymbol(c_p2_diag, lm_poseidon2_diag, sizeof c_p2_diag);
    if (e == cudaSuccess)
        e = cudaMemcpyToSymbol(c_p2_rc_full, lm_poseidon2_rc_full, sizeof c_p2_rc_full);
    if (e == cudaSuccess)
        e = cudaMemcpyToSymbol(c_p2_rc_partial, lm_poseidon2_rc_partial, sizeof c_p2_rc_partial);
    return e;
}
#endif

#ifdef __CUDA_ARCH__
#define LMG_P2_DIAG(i) (c_p2_diag[i])
#define LMG_P2_RC_FULL(r, i) (c_p2_rc_full[r][i])
#define LMG_P2_RC_PARTIAL(r) (c_p2_rc_partial[r])
#else
#define LMG_P2_DIAG(i) (lm_poseidon2_diag[i])
#define LMG_P2_RC_FULL(r, i) (lm_poseidon2_rc_full[r][i])
#define LMG_P2_RC_PARTIAL(r) (lm_poseidon2_rc_partial[r])
#endif

/* The S-box x^7 = x^3 x^4 (4 multiplications), lazily reduced. */
LMG_HD uint64_t p2_sbox(uint64_t x)
{
    uint64_t x2 = mul_lazy(x, x);
    uint64_t x3 = mul_lazy(x2, x);
    uint64_t x4 = mul_lazy(x2, x2);
    return mul_lazy(x3, x4);
}

/* o <- M4 x, M4 = [[5 7 1 3] [4 6 1 1] [1 3 5 7] [1 1 4 6]] (the Poseidon2
 * paper, appendix B: 8 additions, 4 doublings), unreduced: o < 2^68. */
LMG_HD void p2_m4(w128 *o, const uint64_t *x)
{
    w128 t0 = w_add64(w_of(x[0]), x[1]);       /* x0 + x1 */
    w128 t1 = w_add64(w_of(x[2]), x[3]);       /* x2 + x3 */
    w128 t2 = w_add(w_shl(w_of(x[1]), 1), t1); /* 2x1 + x2 + x3 */
    w128 t3 = w_add(w_shl(w_of(x[3]), 1), t0); /* x0 + x1 + 2x3 */
    w128 t4 = w_add(w_shl(t1, 2), t3);         /* x0 + x1 + 4x2 + 6x3 */
    w128 t5 = w_add(w_shl(t0, 2), t2);         /* 4x0 + 6x1 + x2 + x3 */
    o[0] = w_add(t3, t5);                      /* 5x0 + 7x1 + x2 + 3x3 */
    o[1] = t5;
    o[2] = w_add(t2, t4); /* x0 + 3x1 + 5x2 + 7x3 */
    o[3] = t4;
}

/* o <- M_E x + RC_FULL[r] (no constants when r < 0), unreduced (< 2^96).
 * "M_E = circ(2 M4, M4, ..., M4)": M4 per 4-element block, then every
 * element gains the sum of its column position over the three blocks. */
LMG_HD void p2_external(w128 *o, const uint64_t *x, int r)
{
    p2_m4(o, x);
    p2_m4(o + 4, x + 4);
    p2_m4(o + 8, x + 8);
    LMG_UNROLL
    for (int l = 0; l < 4; l++) {
        w128 col = w_add(w_add(o[l], o[4 + l]), o[8 + l]);
        o[l] = w_add(o[l], col);
        o[4 + l] = w_add(o[4 + l], col);
        o[8 + l] = w_add(o[8 + l], col);
        if (r >= 0) {
            o[l] = w_add64(o[l], LMG_P2_RC_FULL(r, l));
            o[4 + l] = w_add64(o[4 + l], LMG_P2_RC_FULL(r, 4 + l));
            o[8 + l] = w_add64(o[8 + l], LMG_P2_RC_FULL(r, 8 + l));
        }
    }
}

/* A full round after its constants: x <- S-box(red(t)), o <- M_E x + RC[r]. */
LMG_HD void p2_full_round(uint64_t *x, const w128 *t, w128 *o, int r)
{
    LMG_UNROLL
    for (int i = 0; i < P2_W; i++)
        x[i] = p2_sbox(red96(t[i]));
    p2_external(o, x, r);
}

/* A partial round whose constant is already in s[0]: s_0 <- s_0^7, then
 * s <- M_I s with (M_I s)_i = sum(s) + d_i s_i, then c_next added to s_0. */
LMG_HD void p2_partial_round(uint64_t *s, uint64_t c_next)
{
    w128 rest = w_of(s[1]);
    LMG_UNROLL
    for (int j = 2; j < P2_W; j++)
        rest = w_add64(rest, s[j]);
    uint64_t u = p2_sbox(s[0]);
    w128 sum = w_add64(rest, u);
    LMG_UNROLL
    for (int j = 1; j < P2_W; j++)
        s[j] = red128(w_add(w_mul(s[j], LMG_P2_DIAG(j)), sum));
    s[0] = red128(w_add(w_mul(u, LMG_P2_DIAG(0) + 1), w_add64(rest, c_next)));
}

/* The permutation in place. In: any 64-bit words (a word >= p counts as its
 * value mod p). Out: 12 canonical elements. Not inlined: nvcc (13.0) takes
 * minutes on a loop around the inlined body (the sponge); as a call it
 * compiles in seconds, to 72 registers and no spills on sm_90. */
LMG_HD_CALL void p2_permute(uint64_t *state)
{
    uint64_t x[P2_W];
    w128 t[P2_W], o[P2_W];
    /* the initial external layer, with the first round's constants */
    p2_external(t, state, 0);
    p2_full_round(x, t, o, 1);
    p2_full_round(x, o, t, 2);
    p2_full_round(x, t, o, 3);
    p2_full_round(x, o, t, -1);
    LMG_UNROLL
    for (int i = 0; i < P2_W; i++)
        x[i] = red96(t[i]);
    x[0] = red96(w_add64(t[0], LMG_P2_RC_PARTIAL(0)));
    LMG_UNROLL
    for (int r = 0; r < P2_RP - 1; r++)
        p2_partial_round(x, LMG_P2_RC_PARTIAL(r + 1));
    p2_partial_round(x, 0);
    LMG_UNROLL
    for (int i = 0; i < P2_W; i++)
        t[i] = w_add64(w_of(x[i]), LMG_P2_RC_FULL(4, i));
    p2_full_round(x, t, o, 5);
    p2_full_round(x, o, t, 6);
    p2_full_round(x, t, o, 7);
    p2_full_round(x, o, t, -1);
    LMG_UNROLL
    for (int i = 0; i < P2_W; i++)
        state[i] = canon(red96(t[i]));
}

/* out <- first 4 elements of permute(l ‖ r ‖ 0, 0, 0, 0)
 * (lm_poseidon2_compress; out may alias l or r). */
LMG_HD void p2_compress(uint64_t *out, const uint64_t *l, const uint64_t *r)
{
    uint64_t s[P2_W];
    LMG_UNROLL
    for (int i = 0; i < 4; i++) {
        s[i] = l[i];
        s[4 + i] = r[i];
        s[8 + i] = 0;
    }
    p2_permute(s);
    LMG_UNROLL
    for (int i = 0; i < P2_DIGEST; i++)
        out[i] = s[i];
}

/* lm_poseidon2_hash of the n elements e[0], e[stride], ..., e[(n-1) stride]:
 * "s = (0, ..., 0); s_8 = n mod p; s_9 = 1; blocks = max(1, ceil(n / 8));
 * for each block: s_i = e_(8b+i) if 8b+i < n else 0 (overwrite the rate);
 * s = permute(s); out = (s_0, s_1, s_2, s_3)" (docs/poseidon2.md).
 * e may be NULL when n == 0. */
LMG_HD void p2_hash_strided(uint64_t *out, const uint64_t *e, size_t n, size_t stride)
{
    uint64_t s[P2_W];
    LMG_UNROLL
    for (int i = 0; i < P2_W; i++)
        s[i] = 0;
    s[P2_RATE] = canon((uint64_t)n);
    s[P2_RATE + 1] = P2_TAG_ELEMENTS;
    size_t off = 0;
    do {
        LMG_UNROLL
        for (int i = 0; i < P2_RATE; i++)
            s[i] = off + (size_t)i < n ? e[(off + (size_t)i) * stride] : 0;
        p2_permute(s);
        off += P2_RATE;
    } while (off < n);
    LMG_UNROLL
    for (int i = 0; i < P2_DIGEST; i++)
        out[i] = s[i];
}

} /* namespace lmg */

#endif
