/* The host instantiation of src/gpu's CUDA code, behind C entry points
 * (host_shim.h). The launchers below run each kernel's per-thread function
 * for every thread index of its launch, in the order lde_run / merkle_run
 * give, on the CPU; the kernels in src/gpu/{ntt,merkle}.cu do the same with
 * one GPU thread per index. Test-only. */
#include <stdlib.h>
#include <string.h>

#include "../../src/gpu/merkle.cuh"
#include "../../src/gpu/ntt.cuh"

extern "C" {
#include "host_shim.h"
}

using namespace lmg;

uint64_t lm_gpu_host_canon(uint64_t v)
{
    return canon(v);
}
uint64_t lm_gpu_host_add(uint64_t a, uint64_t b)
{
    return add(a, b);
}
uint64_t lm_gpu_host_sub(uint64_t a, uint64_t b)
{
    return sub(a, b);
}
uint64_t lm_gpu_host_mul(uint64_t a, uint64_t b)
{
    return mul(a, b);
}
uint64_t lm_gpu_host_reduce128(uint64_t hi, uint64_t lo)
{
    return reduce128(hi, lo);
}
uint64_t lm_gpu_host_mul_lazy(uint64_t a, uint64_t b)
{
    return mul_lazy(a, b);
}
uint64_t lm_gpu_host_bitrev(uint64_t i, unsigned lg)
{
    return bitrev(i, lg);
}

void lm_gpu_host_permute(uint64_t s[12])
{
    p2_permute(s);
}
void lm_gpu_host_compress(uint64_t out[4], const uint64_t l[4], const uint64_t r[4])
{
    p2_compress(out, l, r);
}
void lm_gpu_host_hash(uint64_t out[4], const uint64_t *e, size_t n, size_t stride)
{
    p2_hash_strided(out, e, n, stride);
}

namespace
{

/* lde_run's launcher on the CPU: k_bitrev, k_stage, k_shared, k_scale_pad
 * of src/gpu/ntt.cu, one loop iteration per GPU thread (k_shared: per block
 * and stage, with a local array for the shared memory). */
struct host_lde {
    gl_t *data;
    const gl_t *fwd, *inv, *hi, *lo;
    uint64_t ncols;

    void bitrev(unsigned log_len, unsigned log_stride)
    {
        for (uint64_t t = 0; t < (ncols << log_len); t++)
            bitrev_body(data, log_len, log_stride, t);
    }
    void stage(bool dif, bool fwd_tw, unsigned log_len, unsigned log_stride, unsigned lm)
    {
        for (uint64_t t = 0; t < (ncols << (log_len - 1)); t++)
            stage_body(dif, data, fwd_tw ? fwd : inv, log_len, log_stride, lm, t);
    }
    void shared(bool dif, bool fwd_tw, unsigned log_len, unsigned log_stride, unsigned lb)
    {
        static gl_t sh[1u << NTT_LOG_B];
        const uint64_t len = 1ull << lb, half = len / 2;
        const gl_t *tw = fwd_tw ? fwd : inv;
        for (uint64_t b = 0; b < (ncols << (log_len - lb)); b++) {
            gl_t *x = block_base(data, log_len, log_stride, lb, b);
            for (uint64_t i = 0; i < len; i++)
                sh[i] = x[i];
            for (unsigned s = 0; s < lb; s++) {
                unsigned lm = dif ? lb - 1 - s : s;
                for (uint64_t k = 0; k < half; k++) {
                    if (dif)
                        dif_bfly(sh, tw, lm, k);
                    else
                        dit_bfly(sh, tw, lm, k);
                }
            }
            for (uint64_t i = 0; i < len; i++)
                x[i] = sh[i];
        }
    }
    void scale_pad(unsigned log_n, unsigned log_N)
    {
        for (uint64_t t = 0; t < (ncols << log_N); t++)
            scale_pad_body(data, hi, lo, log_n, log_N, t);
    }
};

/* merkle_run's launcher on the CPU: k_leaves and k_level of
 * src/gpu/merkle.cu. */
struct host_merkle {
    uint64_t *nodes;
    const uint64_t *data;
    size_t n, cols, row_stride, col_stride;

    void leaves()
    {
        for (uint64_t r = 0; r < n; r++)
            leaf_body(nodes, data, n, cols, row_stride, col_stride, r);
    }
    void level(size_t lo)
    {
        for (uint64_t t = 0; t < lo; t++)
            node_body(nodes, lo, t);
    }
};

} /* namespace */

int lm_gpu_host_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in,
                          size_t ncols, unsigned log_n, unsigned log_blowup, lm_gl shift,
                          lm_ntt_order order)
{
    unsigned log_N = log_n + log_blowup;
    size_t n = (size_t)1 << log_n, N = (size_t)1 << log_N;
    size_t nh = lde_hi_len(log_n), nl = lde_lo_len(log_n);
    gl_t *tab = (gl_t *)malloc((nh + nl) * sizeof(gl_t));
    gl_t *data = (gl_t *)malloc((ncols ? ncols : 1) * N * sizeof(gl_t));
    if (tab == NULL || data == NULL) {
        free(tab);
        free(data);
        return -1;
    }
    lde_tables(tab, tab + nh, log_n, shift, ctx->inv_n[log_n]);
    /* as lm_gpu_lde_batch's copies: column c at data + c N, its n inputs
     * first; the rest is garbage until scale_pad zeroes it */
    memset(data, 0xa5, ncols * N * sizeof(gl_t));
    for (size_t c = 0; c < ncols; c++)
        memcpy(data + c * N, in[c], n * sizeof(gl_t));
    host_lde l = {data, ctx->fwd, ctx->inv, tab, tab + nh, (uint64_t)ncols};
    lde_run(l, log_n, log_blowup, order == LM_NTT_NATURAL);
    for (size_t c = 0; c < ncols; c++)
        memcpy(out[c], data + c * N, N * sizeof(gl_t));
    free(tab);
    free(data);
    return 0;
}

int lm_gpu_host_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m)
{
    size_t n = m->rows;
    unsigned log_n = 0;
    while (((size_t)1 << log_n) < n)
        log_n++;
    t->nodes = (lm_digest *)malloc(2 * n * sizeof(lm_digest));
    if (t->nodes == NULL)
        return -1;
    memset(t->nodes, 0, sizeof(lm_digest));
    /* the device copy as lm_gpu_merkle_build makes it (cudaMemcpy2D or
     * cudaMemcpy), then the kernels on it */
    copy_plan cp;
    uint64_t *dev = NULL;
    if (!plan_copy(&cp, m->rows, m->cols, m->row_stride, m->col_stride) ||
        (dev = (uint64_t *)malloc((cp.elems + 1) * sizeof(uint64_t))) == NULL) {
        free(t->nodes);
        t->nodes = NULL;
        return -1;
    }
    if (cp.packed)
        for (size_t i = 0; i < cp.lines; i++)
            memcpy(dev + i * cp.line, m->data + i * cp.pitch, cp.line * sizeof(uint64_t));
    else if (cp.elems > 0)
        memcpy(dev, m->data, cp.elems * sizeof(uint64_t));
    host_merkle l = {(uint64_t *)t->nodes, dev, n, m->cols, cp.row_stride, cp.col_stride};
    merkle_run(l, n);
    free(dev);
    t->log_n = log_n;
    return 0;
}

int lm_gpu_host_plan_copy(const lm_matrix_view *m, int *packed, size_t *elems)
{
    copy_plan cp;
    if (!plan_copy(&cp, m->rows, m->cols, m->row_stride, m->col_stride))
        return -1;
    *packed = cp.packed;
    *elems = cp.elems;
    return 0;
}
