/* The prover's two hot loops, on the GPU when one is present (lamina/gpu.h:
 * bit for bit the CPU's results), else on the CPU. A GPU failure (memory,
 * driver) is logged and the CPU redoes the work, so a proof never depends
 * on the GPU working. Internal to src/stark. */
#ifndef LAMINA_STARK_ACCEL_H
#define LAMINA_STARK_ACCEL_H

#include "lamina/gpu.h"
#include "lamina/log.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"

/* Below this many rows the copies to and from the device cost more than
 * the GPU saves. */
#define ACCEL_MIN_ROWS 4096u

static inline void accel_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in,
                                   size_t ncols, unsigned log_n, unsigned log_blowup, lm_gl shift,
                                   lm_ntt_order order)
{
    if (((size_t)1 << log_n) >= ACCEL_MIN_ROWS && lm_gpu_available()) {
        lm_err e;
        if (lm_gpu_lde_batch(ctx, out, in, ncols, log_n, log_blowup, shift, order, &e) == LM_OK)
            return;
        LM_WARN("stark", "GPU LDE failed, using the CPU: %s", e.msg);
    }
    lm_ntt_lde_batch(ctx, out, in, ncols, log_n, log_blowup, shift, order);
}

static inline int accel_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m, unsigned threads,
                                     lm_err *err)
{
    if (m->rows >= ACCEL_MIN_ROWS && lm_gpu_available()) {
        lm_err e;
        if (lm_gpu_merkle_build(t, m, &e) == LM_OK)
            return LM_OK;
        LM_WARN("stark", "GPU Merkle tree failed, using the CPU: %s", e.msg);
    }
    return lm_merkle_build(t, m, threads, err);
}

#endif
