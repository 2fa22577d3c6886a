/* The batched coset LDE of src/gpu/ntt.cu, written so that the host can run
 * the very same steps: every kernel's per-thread work is a __host__
 * __device__ function here, and the order of the steps is one template,
 * lde_run(L &launcher, ...), which ntt.cu instantiates with a launcher that
 * starts kernels and tests/gpu/host_shim.cu with one that loops over the
 * thread indices on the CPU. So the host test checks the kernels' indexing
 * and stage order too, not only the arithmetic.
 *
 * Layout on the device: ncols columns, column c at data + c N (N = 2^log_N,
 * the LDE size); the input's n = 2^log_n values sit in the first n slots.
 * Steps per column, as lm_ntt_lde_batch (docs/stark.md, "NTT"):
 *   bit-reverse the n inputs; DIT (Cooley-Tukey) stages m = 1, 2, ..., n/2
 *   with the inverse twiddles (coefficients, natural order, times n);
 *   c_k <- c_k s^k / n and zeros up to N; DIF (Gentleman-Sande) stages
 *   m = N/2, ..., 1 with the forward twiddles (evaluations on s H_N,
 *   bit-reversed); one more bit reversal for natural order.
 * DIT stage: (u, v) -> (u + v w^-j, u - v w^-j); DIF stage: (u, v) ->
 * (u + v, (u - v) w^j), w^j = tw[m + j] of lm_ntt_ctx's tables. The stages
 * with 2m <= 2^NTT_LOG_B run on blocks of 2^NTT_LOG_B elements in shared
 * memory (the first DIT ones, the last DIF ones); the others run one global
 * pass each. Field arithmetic is exact, so any correct order of the same
 * butterflies gives the CPU's values bit for bit.
 *
 * Internal to src/gpu. See docs/stark.md, "GPU". */
#ifndef LAMINA_GPU_NTT_CUH
#define LAMINA_GPU_NTT_CUH

#include <stddef.h>
#include <stdint.h>

#include "gl.cuh"

namespace lmg
{

/* Shared-memory blocks of 2^NTT_LOG_B elements (16 KiB). */
enum { NTT_LOG_B = 11 };
/* The coset powers s^k / n come from two tables: lo[k mod 2^NTT_LOG_LO] and
 * hi[k >> NTT_LOG_LO] (hi carries the 1/n). */
enum { NTT_LOG_LO = 10 };

/* Returns: the lg-bit reversal of i < 2^lg (lm_ntt_bitrev). */
LMG_HD uint64_t bitrev(uint64_t i, unsigned lg)
{
    if (lg == 0)
        return 0;
#ifdef __CUDA_ARCH__
    return __brevll(i) >> (64 - lg);
#else
    uint64_t r = 0;
    for (unsigned b = 0; b < lg; b++) {
        r = (r << 1) | (i & 1u);
        i >>= 1;
    }
    return r;
#endif
}

/* Column c of length 2^log_len starts at data + (c << log_stride). */

/* Thread t < ncols 2^log_len of a bit reversal of every column (in place:
 * the lower index of each pair swaps). */
LMG_HD void bitrev_body(gl_t *data, unsigned log_len, unsigned log_stride, uint64_t t)
{
    uint64_t c = t >> log_len, i = t & ((1ull << log_len) - 1);
    uint64_t j = bitrev(i, log_len);
    if (i < j) {
        gl_t *x = data + (c << log_stride);
        gl_t a = x[i];
        x[i] = x[j];
        x[j] = a;
    }
}

/* Butterfly k of the stage with half-size m = 2^lm on the block x (its
 * block of 2m is b = k >> lm, its offset j = k mod m). */
LMG_HD void dif_bfly(gl_t *x, const gl_t *tw, unsigned lm, uint64_t k)
{
    uint64_t m = 1ull << lm, j = k & (m - 1);
    uint64_t i = ((k >> lm) << (lm + 1)) + j;
    gl_t u = x[i], v = x[i + m];
    x[i] = add(u, v);
    x[i + m] = mul(sub(u, v), tw[m + j]);
}

LMG_HD void dit_bfly(gl_t *x, const gl_t *tw, unsigned lm, uint64_t k)
{
    uint64_t m = 1ull << lm, j = k & (m - 1);
    uint64_t i = ((k >> lm) << (lm + 1)) + j;
    gl_t u = x[i], v = mul(x[i + m], tw[m + j]);
    x[i] = add(u, v);
    x[i + m] = sub(u, v);
}

/* Thread t < ncols 2^(log_len - 1) of a global stage (log_len >= 1). */
LMG_HD void stage_body(bool dif, gl_t *data, const gl_t *tw, unsigned log_len, unsigned log_stride,
                       unsigned lm, uint64_t t)
{
    unsigned lh = log_len - 1;
    gl_t *x = data + ((t >> lh) << log_stride);
    uint64_t k = t & ((1ull << lh) - 1);
    if (dif)
        dif_bfly(x, tw, lm, k);
    else
        dit_bfly(x, tw, lm, k);
}

/* The start of shared-memory block b < ncols 2^(log_len - lb). */
LMG_HD gl_t *block_base(gl_t *data, unsigned log_len, unsigned log_stride, unsigned lb, uint64_t b)
{
    unsigned per = log_len - lb;
    return data + ((b >> per) << log_stride) + ((b & ((1ull << per) - 1)) << lb);
}

/* Thread t < ncols 2^log_N: c_k <- c_k s^k / n for k < n, 0 for n <= k < N
 * (columns of stride N). */
LMG_HD void scale_pad_body(gl_t *data, const gl_t *hi, const gl_t *lo, unsigned log_n,
                           unsigned log_N, uint64_t t)
{
    uint64_t k = t & ((1ull << log_N) - 1);
    if (k < (1ull << log_n))
        data[t] = mul(data[t], mul(hi[k >> NTT_LOG_LO], lo[k & ((1ull << NTT_LOG_LO) - 1)]));
    else
        data[t] = 0;
}

/* The sizes of the coset-power tables for n = 2^log_n. */
static inline size_t lde_lo_len(unsigned log_n)
{
    return log_n < NTT_LOG_LO ? (size_t)1 << log_n : (size_t)1 << NTT_LOG_LO;
}
static inline size_t lde_hi_len(unsigned log_n)
{
    return log_n < NTT_LOG_LO ? 1 : (size_t)1 << (log_n - NTT_LOG_LO);
}

/* Host: fills lo[j] = s^j (j < lde_lo_len) and hi[j] = inv_n s^(j 2^NTT_LOG_LO)
 * (j < lde_hi_len), so that hi[k >> NTT_LOG_LO] lo[k mod 2^NTT_LOG_LO] =
 * s^k / n, the factor of lm_ntt_lde_batch's scale_powers_. */
static inline void lde_tables(gl_t *hi, gl_t *lo, unsigned log_n, gl_t shift, gl_t inv_n)
{
    size_t nl = lde_lo_len(log_n), nh = lde_hi_len(log_n);
    gl_t p = 1;
    for (size_t j = 0; j < nl; j++) {
        lo[j] = p;
        p = mul(p, shift);
    }
    gl_t step = p; /* s^(2^NTT_LOG_LO) when nh > 1 */
    p = inv_n;
    for (size_t j = 0; j < nh; j++) {
        hi[j] = p;
        p = mul(p, step);
    }
}

/* The order of the steps. L provides
 *   bitrev(log_len, log_stride)
 *   stage(dif, tw_is_fwd, log_len, log_stride, lm)          one global stage
 *   shared(dif, tw_is_fwd, log_len, log_stride, lb)         stages lm < lb in blocks of 2^lb
 *   scale_pad(log_n, log_N)
 * over all columns. */
template <class L> void lde_run(L &l, unsigned log_n, unsigned log_blowup, bool natural)
{
    unsigned log_N = log_n + log_blowup;
    /* coefficients: bit-reverse, then the inverse transform (DIT, first
     * stages in shared memory) */
    l.bitrev(log_n, log_N);
    unsigned lb = log_n < (unsigned)NTT_LOG_B ? log_n : (unsigned)NTT_LOG_B;
    if (lb > 0)
        l.shared(false, false, log_n, log_N, lb);
    for (unsigned lm = lb; lm < log_n; lm++)
        l.stage(false, false, log_n, log_N, lm);
    /* coset powers, 1/n, zero padding */
    l.scale_pad(log_n, log_N);
    /* evaluations: DIF, last stages in shared memory */
    unsigned lbN = log_N < (unsigned)NTT_LOG_B ? log_N : (unsigned)NTT_LOG_B;
    for (unsigned lm = log_N; lm-- > lbN;)
        l.stage(true, true, log_N, log_N, lm);
    if (lbN > 0)
        l.shared(true, true, log_N, log_N, lbN);
    if (natural)
        l.bitrev(log_N, log_N);
}

} /* namespace lmg */

#endif
