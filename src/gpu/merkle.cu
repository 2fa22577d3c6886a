/* lm_gpu_merkle_build: Poseidon2 Merkle trees on a CUDA GPU
 * (include/lamina/gpu.h). The per-thread work and the order of the steps
 * are in merkle.cuh; this file starts the kernels and moves the data. */
#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "lamina/gpu.h"
}

#include "cuda_util.cuh"
#include "merkle.cuh"

namespace lmg
{

/* The permutation keeps about 40 64-bit words live: fewer threads per block
 * leave each more registers. */
enum { P2_THREADS = 128 };

__global__ void __launch_bounds__(P2_THREADS)
    k_leaves(uint64_t *nodes, const uint64_t *data, size_t n, size_t cols, size_t row_stride,
             size_t col_stride)
{
    for (uint64_t r = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; r < n;
         r += (uint64_t)gridDim.x * blockDim.x)
        leaf_body(nodes, data, n, cols, row_stride, col_stride, r);
}

__global__ void __launch_bounds__(P2_THREADS) k_level(uint64_t *nodes, size_t lo)
{
    for (uint64_t t = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; t < lo;
         t += (uint64_t)gridDim.x * blockDim.x)
        node_body(nodes, lo, t);
}

/* The launcher of merkle_run on the device. */
struct dev_merkle {
    uint64_t *nodes;
    const uint64_t *data;
    size_t n, cols, row_stride, col_stride;

    void leaves()
    {
        k_leaves<<<grid_for(n, P2_THREADS), P2_THREADS>>>(nodes, data, n, cols, row_stride,
                                                          col_stride);
    }
    void level(size_t lo) { k_level<<<grid_for(lo, P2_THREADS), P2_THREADS>>>(nodes, lo); }
};

} /* namespace lmg */

using namespace lmg;

int lm_gpu_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m, lm_err *err)
{
    memset(t, 0, sizeof *t);
    if (!lm_gpu_available())
        return lm_err_set(err, LM_ENOTFOUND, "gpu: no usable CUDA device");
    size_t n = m->rows;
    if (n == 0 || (n & (n - 1)) != 0)
        return lm_err_set(err, LM_EINVAL, "merkle: %zu rows is not a power of two", n);
    unsigned log_n = 0;
    while (((size_t)1 << log_n) < n)
        log_n++;
    if (log_n > LM_MERKLE_MAX_LOG_ROWS || n > SIZE_MAX / (2 * sizeof(lm_digest)))
        return lm_err_set(err, LM_ETOOLARGE, "merkle: 2^%u rows above 2^%u", log_n,
                          LM_MERKLE_MAX_LOG_ROWS);
    copy_plan cp;
    if (!plan_copy(&cp, m->rows, m->cols, m->row_stride, m->col_stride))
        return lm_err_set(err, LM_ETOOLARGE, "gpu: the matrix view's extent overflows");
    /* The constants go to the device current now, on every call: a few
     * hundred bytes, and right whichever device the caller has chosen. */
    cudaError_t e = p2_upload_constants();
    if (e != cudaSuccess)
        return cuda_fail(err, e, "Poseidon2 constants");

    size_t nodes_b = 2 * n * sizeof(lm_digest);
    dev_buf d_nodes, d_data;
    if ((e = d_nodes.alloc(nodes_b)) != cudaSuccess ||
        (e = d_data.alloc(cp.elems * sizeof(lm_gl))) != cudaSuccess)
        return cuda_fail(err, e, "cudaMalloc");
    if (cp.packed)
        e = cudaMemcpy2D(d_data.p, cp.line * sizeof(lm_gl), m->data, cp.pitch * sizeof(lm_gl),
                         cp.line * sizeof(lm_gl), cp.lines, cudaMemcpyHostToDevice);
    else if (cp.elems > 0)
        e = cudaMemcpy(d_data.p, m->data, cp.elems * sizeof(lm_gl), cudaMemcpyHostToDevice);
    if (e != cudaSuccess)
        return cuda_fail(err, e, "copy to the device");
    static_assert(sizeof(lm_digest) == 4 * sizeof(uint64_t), "a digest is 4 words");
    dev_merkle l = {d_nodes.as<uint64_t>(), d_data.as<const uint64_t>(), n, m->cols, cp.row_stride,
                    cp.col_stride};
    merkle_run(l, n);
    if ((e = cudaGetLastError()) != cudaSuccess || (e = cudaDeviceSynchronize()) != cudaSuccess)
        return cuda_fail(err, e, "Merkle kernels");

    t->nodes = (lm_digest *)malloc(nodes_b);
    if (t->nodes == NULL)
        return lm_err_set(err, LM_ENOMEM, "merkle: no memory for %zu nodes", 2 * n);
    /* nodes[0] is unused (zero, as lm_merkle_build leaves it) */
    memset(&t->nodes[0], 0, sizeof(lm_digest));
    if ((e = cudaMemcpy(&t->nodes[1], d_nodes.as<lm_digest>() + 1, nodes_b - sizeof(lm_digest),
                        cudaMemcpyDeviceToHost)) != cudaSuccess) {
        lm_merkle_free(t);
        return cuda_fail(err, e, "copy from the device");
    }
    t->log_n = log_n;
    return LM_OK;
}
