/* Internal to src/stark: Goldilocks arithmetic on vector lanes for the
 * prover's kernels, one copy per x86-64 instruction set, in the manner of
 * src/crypto/poseidon2_x8.c. No include guard on purpose: a .c file defines
 * LANES_BODY (the name of a header with its kernels) and includes this file
 * once; the body is then compiled
 *   - for AVX-512F, 8 lanes: P2X(name) is p2x8_name, P2X_V an 8 x 64-bit vector;
 *   - for AVX2, 4 lanes: P2X(name) is p2x4_name, P2X_V a 4 x 64-bit vector,
 * and LANES_X86 is defined. Elsewhere nothing is compiled and the caller
 * runs its scalar code (lm_stark_impl() is then LM_P2_IMPL_SCALAR).
 *
 * A body sees the lane arithmetic of src/crypto/poseidon2_lanes.h (lazy
 * elements: any 64-bit word congruent to the value; mul_add, red_split,
 * add_const, sbox, external, ...), the helpers of lanes_gl.h, and
 *   P2X(swap)(x, m)  lane i takes lane i ^ m, for m < P2X_N;
 *   p2x8_transpose(x) (AVX-512 only, P2X_N == 8) an 8 x 8 transpose;
 *   LANES_TARGET     the target attribute for its non-inline functions.
 * The vector code is compiled with per-function target attributes, not
 * global -m flags, so the library runs on any x86-64. */

#include "lamina/poseidon2.h"
#include "lamina/poseidon2_consts.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LANES_X86 1
#include <immintrin.h>

/* ---- AVX-512F: 8 lanes ------------------------------------------------------ */

#include "../crypto/lanes_avx512.h"
#define LANES_TARGET __attribute__((target("avx512f")))

/* lane i <- lane i ^ m (m < 8) */
P2X_FN p2x8_v p2x8_swap(p2x8_v x, unsigned m)
{
    const p2x8_v iota = {0, 1, 2, 3, 4, 5, 6, 7};
    return (p2x8_v)_mm512_permutexvar_epi64((__m512i)(iota ^ m), (__m512i)x);
}

/* x[c] <- column c of the 8 x 8 matrix whose rows are x[0..8) (an
 * involution): 64-bit unpacks, then two rounds of 128-bit lane shuffles. */
P2X_FN void p2x8_transpose(p2x8_v x[8])
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
    x[0] = (p2x8_v)_mm512_shuffle_i64x2(u[0], u[4], 0x88);
    x[4] = (p2x8_v)_mm512_shuffle_i64x2(u[0], u[4], 0xdd);
    x[2] = (p2x8_v)_mm512_shuffle_i64x2(u[1], u[5], 0x88);
    x[6] = (p2x8_v)_mm512_shuffle_i64x2(u[1], u[5], 0xdd);
    x[1] = (p2x8_v)_mm512_shuffle_i64x2(u[2], u[6], 0x88);
    x[5] = (p2x8_v)_mm512_shuffle_i64x2(u[2], u[6], 0xdd);
    x[3] = (p2x8_v)_mm512_shuffle_i64x2(u[3], u[7], 0x88);
    x[7] = (p2x8_v)_mm512_shuffle_i64x2(u[3], u[7], 0xdd);
}

#include "../crypto/poseidon2_lanes.h"
#include "lanes_gl.h"
#include LANES_BODY

#include "../crypto/lanes_end.h"
#undef LANES_TARGET

/* ---- AVX2: 4 lanes ----------------------------------------------------------- */

#include "../crypto/lanes_avx2.h"
#define LANES_TARGET __attribute__((target("avx2")))

/* lane i <- lane i ^ m (m = 1 or 2) */
P2X_FN p2x4_v p2x4_swap(p2x4_v x, unsigned m)
{
    return m == 1 ? (p2x4_v)_mm256_permute4x64_epi64((__m256i)x, 0xb1)
                  : (p2x4_v)_mm256_permute4x64_epi64((__m256i)x, 0x4e);
}

#include "../crypto/poseidon2_lanes.h"
#include "lanes_gl.h"
#include LANES_BODY

#include "../crypto/lanes_end.h"
#undef LANES_TARGET

#endif /* x86-64 */
