/* lm_gpu_lde_batch: the batched coset LDE on a CUDA GPU
 * (include/lamina/gpu.h). The steps and the per-thread work are in ntt.cuh;
 * this file starts the kernels and moves the data. */
#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "lamina/gpu.h"
}

#include "cuda_util.cuh"
#include "ntt.cuh"

namespace lmg
{

__global__ void __launch_bounds__(THREADS)
    k_bitrev(gl_t *data, unsigned log_len, unsigned log_stride, uint64_t total)
{
    for (uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total;
         t += (uint64_t)gridDim.x * blockDim.x)
        bitrev_body(data, log_len, log_stride, t);
}

__global__ void __launch_bounds__(THREADS)
    k_stage(bool dif, gl_t *data, const gl_t *tw, unsigned log_len, unsigned log_stride,
            unsigned lm, uint64_t total)
{
    for (uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total;
         t += (uint64_t)gridDim.x * blockDim.x)
        stage_body(dif, data, tw, log_len, log_stride, lm, t);
}

__global__ void __launch_bounds__(THREADS)
    k_scale_pad(gl_t *data, const gl_t *hi, const gl_t *lo, unsigned log_n, unsigned log_N,
                uint64_t total)
{
    for (uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; t < total;
         t += (uint64_t)gridDim.x * blockDim.x)
        scale_pad_body(data, hi, lo, log_n, log_N, t);
}

/* Stages lm < lb (DIT: upwards, DIF: downwards) on each block of 2^lb
 * elements in shared memory; blocks b < nblocks. */
__global__ void __launch_bounds__(THREADS)
    k_shared(bool dif, gl_t *data, const gl_t *tw, unsigned log_len, unsigned log_stride,
             unsigned lb, uint64_t nblocks)
{
    __shared__ gl_t sh[1u << NTT_LOG_B];
    const uint64_t len = 1ull << lb, half = len / 2;
    for (uint64_t b = blockIdx.x; b < nblocks; b += gridDim.x) {
        gl_t *x = block_base(data, log_len, log_stride, lb, b);
        for (uint64_t i = threadIdx.x; i < len; i += blockDim.x)
            sh[i] = x[i];
        __syncthreads();
        for (unsigned s = 0; s < lb; s++) {
            unsigned lm = dif ? lb - 1 - s : s;
            for (uint64_t k = threadIdx.x; k < half; k += blockDim.x) {
                if (dif)
                    dif_bfly(sh, tw, lm, k);
                else
                    dit_bfly(sh, tw, lm, k);
            }
            __syncthreads();
        }
        for (uint64_t i = threadIdx.x; i < len; i += blockDim.x)
            x[i] = sh[i];
        __syncthreads();
    }
}

/* The launcher of lde_run on the device: columns [0, ncols) of data. */
struct dev_lde {
    gl_t *data;
    const gl_t *fwd, *inv, *hi, *lo;
    uint64_t ncols;

    void bitrev(unsigned log_len, unsigned log_stride)
    {
        uint64_t total = ncols << log_len;
        k_bitrev<<<grid_for(total, THREADS), THREADS>>>(data, log_len, log_stride, total);
    }
    void stage(bool dif, bool fwd_tw, unsigned log_len, unsigned log_stride, unsigned lm)
    {
        uint64_t total = ncols << (log_len - 1);
        k_stage<<<grid_for(total, THREADS), THREADS>>>(dif, data, fwd_tw ? fwd : inv, log_len,
                                                       log_stride, lm, total);
    }
    void shared(bool dif, bool fwd_tw, unsigned log_len, unsigned log_stride, unsigned lb)
    {
        uint64_t nblocks = ncols << (log_len - lb);
        unsigned grid = (unsigned)(nblocks < ((uint64_t)1 << 20) ? nblocks : ((uint64_t)1 << 20));
        k_shared<<<grid, THREADS>>>(dif, data, fwd_tw ? fwd : inv, log_len, log_stride, lb,
                                    nblocks);
    }
    void scale_pad(unsigned log_n, unsigned log_N)
    {
        uint64_t total = ncols << log_N;
        k_scale_pad<<<grid_for(total, THREADS), THREADS>>>(data, hi, lo, log_n, log_N, total);
    }
};

} /* namespace lmg */

using namespace lmg;

int lm_gpu_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in, size_t ncols,
                     unsigned log_n, unsigned log_blowup, lm_gl shift, lm_ntt_order order,
                     lm_err *err)
{
    if (!lm_gpu_available())
        return lm_err_set(err, LM_ENOTFOUND, "gpu: no usable CUDA device");
    unsigned log_N = log_n + log_blowup;
    if (ctx == NULL || ctx->fwd == NULL || ctx->inv == NULL || log_n > LM_NTT_MAX_LOG_N ||
        log_blowup > LM_NTT_MAX_LOG_N || log_N > ctx->max_log_n)
        return lm_err_set(err, LM_EINVAL, "gpu: the NTT context has no twiddles for 2^%u", log_N);
    if (shift == 0 || shift >= LM_GL_P)
        return lm_err_set(err, LM_EINVAL, "gpu: the coset shift must be a non-zero element");
    if (ncols == 0)
        return LM_OK;
    size_t n = (size_t)1 << log_n, N = (size_t)1 << log_N;
    size_t nh = lde_hi_len(log_n), nl = lde_lo_len(log_n);

    /* Coset-power tables, on the host first. */
    gl_t *tab = (gl_t *)malloc((nh + nl) * sizeof(gl_t));
    if (tab == NULL)
        return lm_err_set(err, LM_ENOMEM, "gpu: no memory for %zu coset powers", nh + nl);
    lde_tables(tab, tab + nh, log_n, shift, ctx->inv_n[log_n]);

    /* Twiddles fwd[0..N), inv[0..n) (stage m reads [m, 2m)), the tables. */
    dev_buf d_tw, d_data;
    cudaError_t e = d_tw.alloc((N + n + nh + nl) * sizeof(gl_t));
    int rc = LM_OK;
    gl_t *tw_fwd = d_tw.as<gl_t>(), *tw_inv = tw_fwd + N, *d_hi = tw_inv + n, *d_lo = d_hi + nh;
    if (e == cudaSuccess)
        e = cudaMemcpy(tw_fwd, ctx->fwd, N * sizeof(gl_t), cudaMemcpyHostToDevice);
    if (e == cudaSuccess)
        e = cudaMemcpy(tw_inv, ctx->inv, n * sizeof(gl_t), cudaMemcpyHostToDevice);
    if (e == cudaSuccess)
        e = cudaMemcpy(d_hi, tab, (nh + nl) * sizeof(gl_t), cudaMemcpyHostToDevice);
    free(tab);
    if (e != cudaSuccess)
        return cuda_fail(err, e, "twiddles");

    /* Columns in groups that fit in (most of) the free device memory. */
    size_t free_b = 0, total_b = 0;
    if ((e = cudaMemGetInfo(&free_b, &total_b)) != cudaSuccess)
        return cuda_fail(err, e, "cudaMemGetInfo");
    size_t col_b = N * sizeof(gl_t);
    size_t group = (free_b / 10 * 8) / col_b;
    if (group == 0)
        return lm_err_set(err, LM_ENOMEM,
                          "gpu: a column of 2^%u elements does not fit on the device", log_N);
    if (group > ncols)
        group = ncols;
    if ((e = d_data.alloc(group * col_b)) != cudaSuccess)
        return cuda_fail(err, e, "cudaMalloc");

    for (size_t c0 = 0; c0 < ncols && rc == LM_OK; c0 += group) {
        size_t g = ncols - c0 < group ? ncols - c0 : group;
        gl_t *data = d_data.as<gl_t>();
        for (size_t c = 0; c < g && e == cudaSuccess; c++)
            e = cudaMemcpy(data + c * N, in[c0 + c], n * sizeof(gl_t), cudaMemcpyHostToDevice);
        if (e != cudaSuccess) {
            rc = cuda_fail(err, e, "copy to the device");
            break;
        }
        dev_lde l = {data, tw_fwd, tw_inv, d_hi, d_lo, (uint64_t)g};
        lde_run(l, log_n, log_blowup, order == LM_NTT_NATURAL);
        if ((e = cudaGetLastError()) != cudaSuccess ||
            (e = cudaDeviceSynchronize()) != cudaSuccess) {
            rc = cuda_fail(err, e, "LDE kernels");
            break;
        }
        for (size_t c = 0; c < g && e == cudaSuccess; c++)
            e = cudaMemcpy(out[c0 + c], data + c * N, col_b, cudaMemcpyDeviceToHost);
        if (e != cudaSuccess)
            rc = cuda_fail(err, e, "copy from the device");
    }
    return rc;
}
