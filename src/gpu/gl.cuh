/* Goldilocks arithmetic for the CUDA kernels, as __host__ __device__ inline
 * functions: the same operations, giving the same canonical results, as
 * include/lamina/goldilocks.h (lm_gl_add, lm_gl_sub, lm_gl_mul,
 * lm_gl_reduce128, lm_gl_from_u64). The host instantiation of every function
 * here is checked bit for bit against those by tests/gpu/test_gpu_host.c; the
 * device one differs only in the 64x64->128 product (__umul64hi instead of
 * unsigned __int128), so that test covers the reduction the device runs.
 *
 * p = 2^64 - 2^32 + 1; 2^64 = 2^32 - 1 = EPS (mod p), 2^96 = -1 (mod p).
 * Elements are canonical (< p) unless a function says otherwise.
 * Internal to src/gpu (namespace lmg). See docs/stark.md, "GPU". */
#ifndef LAMINA_GPU_GL_CUH
#define LAMINA_GPU_GL_CUH

#include <stdint.h>

#ifdef __CUDACC__
#define LMG_HD __host__ __device__ __forceinline__
/* A real call: for large bodies that are used inside loops */
#define LMG_HD_CALL static __host__ __device__ __noinline__
#else
#define LMG_HD static inline
#define LMG_HD_CALL static
#endif

/* Unroll the next loop (a constant trip count), on the device and the host. */
#ifdef __CUDA_ARCH__
#define LMG_UNROLL _Pragma("unroll")
#else
#define LMG_UNROLL /* the host instantiation serves the tests only */
#endif

namespace lmg
{

typedef uint64_t gl_t;

static const uint64_t P = 0xffffffff00000001ull;
static const uint64_t EPS = 0xffffffffull; /* 2^64 mod p */

/* Returns: EPS when b, else 0 (a select, no branch on the host). */
LMG_HD uint64_t eps_if(bool b)
{
    return (uint64_t)(uint32_t)(0u - (uint32_t)b);
}

/* Returns: v mod p for any 64-bit v (2^64 - 1 < 2p: one subtraction). */
LMG_HD gl_t canon(uint64_t v)
{
    return v - (P & (0ull - (uint64_t)(v >= P)));
}

/* Returns: a + b mod p. A carry out of 64 bits lost 2^64 = EPS (mod p). */
LMG_HD gl_t add(gl_t a, gl_t b)
{
    uint64_t s = a + b;
    s += eps_if(s < a);
    return canon(s);
}

/* Returns: a - b mod p. A borrow added 2^64 = p + EPS: take EPS off. */
LMG_HD gl_t sub(gl_t a, gl_t b)
{
    uint64_t d = a - b;
    return d - eps_if(a < b);
}

/* Out: hi, lo with hi 2^64 + lo = a b, for any 64-bit a, b. */
LMG_HD void mul_wide(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b)
{
#ifdef __CUDA_ARCH__
    *lo = a * b;
    *hi = __umul64hi(a, b);
#else
    __extension__ typedef unsigned __int128 u128;
    u128 p = (u128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#endif
}

/* Returns: some r < 2^64 with r = hi 2^64 + lo (mod p), not reduced below
 * p. With hi = hh 2^32 + hl: x = lo - hh + hl (2^32 - 1) (mod p). */
LMG_HD uint64_t reduce128_lazy(uint64_t hi, uint64_t lo)
{
    uint64_t hh = hi >> 32, hl = hi & EPS;
    uint64_t t = lo - hh;
    t -= eps_if(lo < hh);         /* a borrow added 2^64 = p + EPS; t stays >= 0 */
    uint64_t m = (hl << 32) - hl; /* hl EPS < 2^64 */
    uint64_t r = t + m;
    return r + eps_if(r < m); /* a carry lost 2^64 = EPS; no second carry */
}

/* Returns: (hi 2^64 + lo) mod p, canonical (lm_gl_reduce128). */
LMG_HD gl_t reduce128(uint64_t hi, uint64_t lo)
{
    return canon(reduce128_lazy(hi, lo));
}

/* Returns: a b mod p, canonical, for any 64-bit a, b. */
LMG_HD gl_t mul(gl_t a, gl_t b)
{
    uint64_t hi, lo;
    mul_wide(&hi, &lo, a, b);
    return reduce128(hi, lo);
}

/* ---- 128-bit sums (lazy reduction in the Poseidon2 linear layers) ------- */

struct w128 {
    uint64_t lo, hi;
};

LMG_HD w128 w_of(uint64_t a)
{
    return w128{a, 0};
}

LMG_HD w128 w_add(w128 a, w128 b)
{
    uint64_t lo = a.lo + b.lo;
    return w128{lo, a.hi + b.hi + (uint64_t)(lo < a.lo)};
}

LMG_HD w128 w_add64(w128 a, uint64_t b)
{
    uint64_t lo = a.lo + b;
    return w128{lo, a.hi + (uint64_t)(lo < b)};
}

/* 0 < k < 64. */
LMG_HD w128 w_shl(w128 a, unsigned k)
{
    return w128{a.lo << k, (a.hi << k) | (a.lo >> (64 - k))};
}

LMG_HD w128 w_mul(uint64_t a, uint64_t b)
{
    w128 r;
    mul_wide(&r.hi, &r.lo, a, b);
    return r;
}

/* Returns: some r < 2^64, r = x (mod p), for any x < 2^128. */
LMG_HD uint64_t red128(w128 x)
{
    return reduce128_lazy(x.hi, x.lo);
}

/* Returns: some r < 2^64, r = x (mod p), for x < 2^96: x = lo + hi EPS. */
LMG_HD uint64_t red96(w128 x)
{
    uint64_t m = (x.hi << 32) - x.hi;
    uint64_t r = x.lo + m;
    return r + eps_if(r < m);
}

/* Returns: a b mod p as some value < 2^64 (not canonical). */
LMG_HD uint64_t mul_lazy(uint64_t a, uint64_t b)
{
    return red128(w_mul(a, b));
}

} /* namespace lmg */

#endif
