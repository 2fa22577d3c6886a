/* Internal: the AVX2 primitives under src/crypto/poseidon2_lanes.h (4 lanes
 * of 64 bits); included as lanes_avx512.h is (no include guard; then
 * poseidon2_lanes.h, then lanes_end.h). P2X(name) is p2x4_name. */

#define P2X_N 4
#define P2X_V p2x4_v
#define P2X(name) p2x4_##name
#define P2X_FN static inline __attribute__((target("avx2"), always_inline))
typedef uint64_t p2x4_v __attribute__((vector_size(32)));

P2X_FN p2x4_v p2x4_mul32(p2x4_v a, p2x4_v b) { return (p2x4_v)_mm256_mul_epu32((__m256i)a, (__m256i)b); }
P2X_FN p2x4_v p2x4_hi32(p2x4_v a) { return (p2x4_v)_mm256_shuffle_epi32((__m256i)a, 0xb1); }
P2X_FN p2x4_v p2x4_join32(p2x4_v a, p2x4_v b)
{
    return (p2x4_v)_mm256_blend_epi32((__m256i)a, _mm256_shuffle_epi32((__m256i)b, 0xb1), 0xaa);
}
/* AVX2 has no unsigned 64-bit compare: the vector comparison becomes a
 * signed one on words with the top bit flipped (a lane mask, no branch). */
P2X_FN p2x4_v p2x4_add_if_lt(p2x4_v x, p2x4_v a, p2x4_v b, p2x4_v v) { return x + ((p2x4_v)(a < b) & v); }
P2X_FN p2x4_v p2x4_sub_if_lt(p2x4_v x, p2x4_v a, p2x4_v b, p2x4_v v) { return x - ((p2x4_v)(a < b) & v); }
