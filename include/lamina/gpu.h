/* The STARK prover's hot loops on a CUDA GPU: the batched coset LDE
 * (lm_ntt_lde_batch) and the Poseidon2 Merkle tree build (lm_merkle_build).
 *
 * Optional at build time and at run time. The kernels (the .cu files of src/gpu) are
 * compiled when CMake finds nvcc and LM_CUDA is ON; otherwise a stub
 * (src/gpu/stub.c) provides these functions, so callers compile and link
 * either way. At run time lm_gpu_available() says whether a usable GPU is
 * there; when it is not, every other function returns LM_ENOTFOUND and the
 * caller uses the CPU functions, which are always complete.
 *
 * Bit for bit: each function writes exactly what its CPU counterpart writes
 * for the same input (tests/unit/test_gpu.c compares them on a GPU;
 * tests/gpu/test_gpu_host.c runs the kernels' code on the host). A proof
 * made with the GPU is byte-identical to one made without.
 *
 * Memory: the functions copy their inputs to device memory allocated and
 * freed inside the call, and their results back to caller memory; nothing
 * of theirs stays on the device between calls. They run on the calling
 * thread's current CUDA device (device 0 unless the caller chose another);
 * several threads may call them at once.
 *
 * Environment: LAMINA_GPU=0 makes lm_gpu_available() false (CPU only).
 *
 * See docs/stark.md, section "GPU". */
#ifndef LAMINA_GPU_H
#define LAMINA_GPU_H

#include <stdbool.h>
#include <stddef.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"

/* Returns: true when the kernels were compiled in and a CUDA device that can
 * run them is present (cudaGetDeviceCount > 0 and a kernel image for its
 * architecture), and LAMINA_GPU is not "0". Probes once per process (the
 * answer is cached); prints nothing and never fails loudly: no driver, no
 * device or a build without CUDA all give false. */
bool lm_gpu_available(void);

/* Writes the name of the GPU in use ("NVIDIA H100 80GB HBM3", ...) into
 * buf[0..cap) (NUL-terminated, truncated to fit).
 * Returns: true, or false (buf[0] = 0 when cap > 0) when none is available. */
bool lm_gpu_device_name(char *buf, size_t cap);

/* Coset low-degree extension of ncols columns on the GPU: the arguments and
 * the output of lm_ntt_lde_batch (include/lamina/ntt.h), which see.
 * In:  ctx: its twiddle tables are the ones used (log_n + log_blowup <=
 *      ctx->max_log_n); in[c][0..2^log_n); shift != 0; order.
 * Out: out[c][0..2^(log_n + log_blowup)), bit for bit what
 *      lm_ntt_lde_batch(ctx, out, in, ...) writes. On failure out[] holds
 *      unspecified values.
 * Returns: LM_OK; LM_ENOTFOUND when no GPU is available (or CUDA was not
 *          compiled in); LM_EINVAL for what lm_ntt_lde_batch aborts on (a
 *          NULL or too small ctx, shift 0); LM_ENOMEM when host or device
 *          memory is short (columns are processed in groups that fit, so
 *          this needs one column of 2^(log_n + log_blowup) elements not to
 *          fit); LM_EIO for any other CUDA failure (message in err). */
LM_MUST_CHECK int lm_gpu_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in,
                                   size_t ncols, unsigned log_n, unsigned log_blowup, lm_gl shift,
                                   lm_ntt_order order, lm_err *err);

/* Builds the Merkle tree over the rows of m on the GPU: the arguments (less
 * the thread count) and the output of lm_merkle_build
 * (include/lamina/merkle.h), which see.
 * Out: *t, every node bit for bit what lm_merkle_build writes (free with
 *      lm_merkle_free; needs no freeing on failure, freeing is harmless).
 * In:  m: any strides; the elements it covers, from data[0] to
 *      data[(rows-1) row_stride + (cols-1) col_stride], are copied to the
 *      device at once.
 * Returns: LM_OK; LM_EINVAL when m->rows is not a power of two (>= 1);
 *          LM_ETOOLARGE above 2^LM_MERKLE_MAX_LOG_ROWS rows or when the
 *          extent of m overflows; LM_ENOTFOUND when no GPU is available;
 *          LM_ENOMEM when host or device memory is short; LM_EIO for any
 *          other CUDA failure. */
LM_MUST_CHECK int lm_gpu_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m, lm_err *err);

#endif
