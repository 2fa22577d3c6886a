/* Internal: the AVX-512F primitives under src/crypto/poseidon2_lanes.h (8
 * lanes of 64 bits). No include guard on purpose: a file includes it once,
 * x86-64 only, after <immintrin.h>, then poseidon2_lanes.h (and its own lane
 * code), then lanes_end.h. It defines P2X_N, P2X_V, P2X(name) (p2x8_name)
 * and P2X_FN; used by src/crypto/poseidon2_x8.c and src/stark/lanes.h. */

#define P2X_N 8
#define P2X_V p2x8_v
#define P2X(name) p2x8_##name
#define P2X_FN static inline __attribute__((target("avx512f"), always_inline))
typedef uint64_t p2x8_v __attribute__((vector_size(64)));

P2X_FN p2x8_v p2x8_mul32(p2x8_v a, p2x8_v b) { return (p2x8_v)_mm512_mul_epu32((__m512i)a, (__m512i)b); }
P2X_FN p2x8_v p2x8_hi32(p2x8_v a) { return (p2x8_v)_mm512_shuffle_epi32((__m512i)a, _MM_PERM_CDAB); }
/* (b mod 2^32) 2^32 + (a mod 2^32): a's even 32-bit words, b's even words moved up */
P2X_FN p2x8_v p2x8_join32(p2x8_v a, p2x8_v b)
{
    return (p2x8_v)_mm512_mask_shuffle_epi32((__m512i)a, 0xaaaa, (__m512i)b, _MM_PERM_CDAB);
}
P2X_FN p2x8_v p2x8_add_if_lt(p2x8_v x, p2x8_v a, p2x8_v b, p2x8_v v)
{
    __mmask8 k = _mm512_cmplt_epu64_mask((__m512i)a, (__m512i)b);
    return (p2x8_v)_mm512_mask_add_epi64((__m512i)x, k, (__m512i)x, (__m512i)v);
}
P2X_FN p2x8_v p2x8_sub_if_lt(p2x8_v x, p2x8_v a, p2x8_v b, p2x8_v v)
{
    __mmask8 k = _mm512_cmplt_epu64_mask((__m512i)a, (__m512i)b);
    return (p2x8_v)_mm512_mask_sub_epi64((__m512i)x, k, (__m512i)x, (__m512i)v);
}
