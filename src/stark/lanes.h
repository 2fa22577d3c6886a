/* Internal to src/stark: Goldilocks arithmetic on vector lanes for the
 * prover's kernels, one copy per x86-64 instruction set, in the manner of
 * src/crypto/poseidon2_x8.c. No include guard on purpose: a .c file defines
 * LANES_BODY (the name of a header with its kernels) and includes this file
 * once; the body is then compiled
 *   - for AVX-512F, 8 lanes: P2X(name) is lx8_name, P2X_V an 8 x 64-bit vector;
 *   - for AVX2, 4 lanes: P2X(name) is lx4_name, P2X_V a 4 x 64-bit vector,
 * and LANES_X86 is defined. Elsewhere nothing is compiled and the caller
 * runs its scalar code (lm_stark_impl() is then LM_P2_IMPL_SCALAR).
 *
 * A body sees the lane arithmetic of src/crypto/poseidon2_lanes.h (lazy
 * elements: any 64-bit word congruent to the value; mul_add, red_split,
 * add_const, sbox, external, ...), the helpers of lanes_gl.h, and
 *   P2X(swap)(x, m)  lane i takes lane i ^ m, for m < P2X_N;
 *   lx8_transpose(x) (AVX-512 only, P2X_N == 8) an 8 x 8 transpose;
 *   LANES_TARGET     the target attribute for its non-inline functions.
 * The vector code is compiled with per-function target attributes, not
 * global -m flags, so the library runs on any x86-64. */

#include "lamina/poseidon2.h"
#include "lamina/poseidon2_consts.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LANES_X86 1
#include <immintrin.h>

/* ---- AVX-512F: 8 lanes ------------------------------------------------------ */

#define P2X_N 8
#define P2X_V lx8_v
#define P2X(name) lx8_##name
#define P2X_FN static inline __attribute__((target("avx512f"), always_inline))
#define LANES_TARGET __attribute__((target("avx512f")))
typedef uint64_t lx8_v __attribute__((vector_size(64)));

P2X_FN lx8_v lx8_mul32(lx8_v a, lx8_v b) { return (lx8_v)_mm512_mul_epu32((__m512i)a, (__m512i)b); }
P2X_FN lx8_v lx8_hi32(lx8_v a) { return (lx8_v)_mm512_shuffle_epi32((__m512i)a, _MM_PERM_CDAB); }
/* (b mod 2^32) 2^32 + (a mod 2^32) */
P2X_FN lx8_v lx8_join32(lx8_v a, lx8_v b)
{
    return (lx8_v)_mm512_mask_shuffle_epi32((__m512i)a, 0xaaaa, (__m512i)b, _MM_PERM_CDAB);
}
P2X_FN lx8_v lx8_add_if_lt(lx8_v x, lx8_v a, lx8_v b, lx8_v v)
{
    __mmask8 k = _mm512_cmplt_epu64_mask((__m512i)a, (__m512i)b);
    return (lx8_v)_mm512_mask_add_epi64((__m512i)x, k, (__m512i)x, (__m512i)v);
}
P2X_FN lx8_v lx8_sub_if_lt(lx8_v x, lx8_v a, lx8_v b, lx8_v v)
{
    __mmask8 k = _mm512_cmplt_epu64_mask((__m512i)a, (__m512i)b);
    return (lx8_v)_mm512_mask_sub_epi64((__m512i)x, k, (__m512i)x, (__m512i)v);
}

/* lane i <- lane i ^ m (m < 8) */
P2X_FN lx8_v lx8_swap(lx8_v x, unsigned m)
{
    const lx8_v iota = {0, 1, 2, 3, 4, 5, 6, 7};
    return (lx8_v)_mm512_permutexvar_epi64((__m512i)(iota ^ m), (__m512i)x);
}

/* x[c] <- column c of the 8 x 8 matrix whose rows are x[0..8) (an
 * involution): 64-bit unpacks, then two rounds of 128-bit lane shuffles. */
P2X_FN void lx8_transpose(lx8_v x[8])
{
    __m512i t[8], u[8];
    for (int r = 0; r < 8; r += 2) {
        t[r] = _mm512_unpacklo_epi64((__m512i)x[r], (__m512i)x[r + 1]);
        t[r + 1] = _mm512_unpackhi_epi64((__m512i)x[r], (__m512i)x[r + 1]);
    }
    for (int q = 0; q < 8; q += 4) {
        u[q] = _mm512_shuffle_i64x2(t[q], t[q + 2], 0x88);
        u[q + 1] = _mm512_shuffle_i64x2(t[q], t[q + 2], 0xdd);
        u[q + 2] = _mm512_shuffle_i64x2(t[q + 1], t[q + 3], 0x88);
        u[q + 3] = _mm512_shuffle_i64x2(t[q + 1], t[q + 3], 0xdd);
    }
    x[0] = (lx8_v)_mm512_shuffle_i64x2(u[0], u[4], 0x88);
    x[4] = (lx8_v)_mm512_shuffle_i64x2(u[0], u[4], 0xdd);
    x[2] = (lx8_v)_mm512_shuffle_i64x2(u[1], u[5], 0x88);
    x[6] = (lx8_v)_mm512_shuffle_i64x2(u[1], u[5], 0xdd);
    x[1] = (lx8_v)_mm512_shuffle_i64x2(u[2], u[6], 0x88);
    x[5] = (lx8_v)_mm512_shuffle_i64x2(u[2], u[6], 0xdd);
    x[3] = (lx8_v)_mm512_shuffle_i64x2(u[3], u[7], 0x88);
    x[7] = (lx8_v)_mm512_shuffle_i64x2(u[3], u[7], 0xdd);
}

#include "../crypto/poseidon2_lanes.h"
#include "lanes_gl.h"
#include LANES_BODY

#undef P2X_N
#undef P2X_V
#undef P2X
#undef P2X_FN
#undef LANES_TARGET

/* ---- AVX2: 4 lanes ----------------------------------------------------------- */

#define P2X_N 4
#define P2X_V lx4_v
#define P2X(name) lx4_##name
#define P2X_FN static inline __attribute__((target("avx2"), always_inline))
#define LANES_TARGET __attribute__((target("avx2")))
typedef uint64_t lx4_v __attribute__((vector_size(32)));

P2X_FN lx4_v lx4_mul32(lx4_v a, lx4_v b) { return (lx4_v)_mm256_mul_epu32((__m256i)a, (__m256i)b); }
P2X_FN lx4_v lx4_hi32(lx4_v a) { return (lx4_v)_mm256_shuffle_epi32((__m256i)a, 0xb1); }
P2X_FN lx4_v lx4_join32(lx4_v a, lx4_v b)
{
    return (lx4_v)_mm256_blend_epi32((__m256i)a, _mm256_shuffle_epi32((__m256i)b, 0xb1), 0xaa);
}
/* AVX2 has no unsigned 64-bit compare: the vector comparison becomes a
 * signed one on words with the top bit flipped (a lane mask, no branch). */
P2X_FN lx4_v lx4_add_if_lt(lx4_v x, lx4_v a, lx4_v b, lx4_v v) { return x + ((lx4_v)(a < b) & v); }
P2X_FN lx4_v lx4_sub_if_lt(lx4_v x, lx4_v a, lx4_v b, lx4_v v) { return x - ((lx4_v)(a < b) & v); }
/* lane i <- lane i ^ m (m = 1 or 2) */
P2X_FN lx4_v lx4_swap(lx4_v x, unsigned m)
{
    return m == 1 ? (lx4_v)_mm256_permute4x64_epi64((__m256i)x, 0xb1)
                  : (lx4_v)_mm256_permute4x64_epi64((__m256i)x, 0x4e);
}

#include "../crypto/poseidon2_lanes.h"
#include "lanes_gl.h"
#include LANES_BODY

#undef P2X_N
#undef P2X_V
#undef P2X
#undef P2X_FN
#undef LANES_TARGET

#endif /* x86-64 */
