/* C entry points to the host instantiation of the CUDA code of src/gpu
 * (tests/gpu/host_shim.cu, compiled by nvcc), for tests/gpu/test_gpu_host.c:
 * the __host__ __device__ arithmetic and permutation, and the LDE and
 * Merkle steps of ntt.cuh / merkle.cuh run on the CPU by a launcher that
 * loops over the kernels' thread indices. Test-only. */
#ifndef LAMINA_TESTS_GPU_HOST_SHIM_H
#define LAMINA_TESTS_GPU_HOST_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/merkle.h"
#include "lamina/ntt.h"

uint64_t lm_gpu_host_canon(uint64_t v);
uint64_t lm_gpu_host_add(uint64_t a, uint64_t b);
uint64_t lm_gpu_host_sub(uint64_t a, uint64_t b);
uint64_t lm_gpu_host_mul(uint64_t a, uint64_t b);
uint64_t lm_gpu_host_reduce128(uint64_t hi, uint64_t lo);
/* the lazily reduced product (some value congruent to a b, < 2^64) */
uint64_t lm_gpu_host_mul_lazy(uint64_t a, uint64_t b);
uint64_t lm_gpu_host_bitrev(uint64_t i, unsigned lg);

void lm_gpu_host_permute(uint64_t s[12]);
void lm_gpu_host_compress(uint64_t out[4], const uint64_t l[4], const uint64_t r[4]);
void lm_gpu_host_hash(uint64_t out[4], const uint64_t *e, size_t n, size_t stride);

/* The steps of lm_gpu_lde_batch, emulated. Returns: 0, or -1 when out of
 * memory. */
int lm_gpu_host_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in,
                          size_t ncols, unsigned log_n, unsigned log_blowup, lm_gl shift,
                          lm_ntt_order order);

/* The steps of lm_gpu_merkle_build, emulated (rows a power of two): the
 * view copied as it would be to the device (packed or its whole extent,
 * plan_copy of merkle.cuh), then the kernels on the copy. Out: *t, free
 * with lm_merkle_free.
 * Returns: 0, or -1 when out of memory. */
int lm_gpu_host_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m);

/* Out: *packed, *elems: whether plan_copy packs the view, and how many
 * elements the device copy holds. Returns: 0, or -1 on overflow. */
int lm_gpu_host_plan_copy(const lm_matrix_view *m, int *packed, size_t *elems);

#endif
