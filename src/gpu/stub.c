/* The GPU API without CUDA (include/lamina/gpu.h): built when nvcc is absent
 * or LM_CUDA is OFF, so that callers link either way. No GPU is ever
 * available; every operation returns LM_ENOTFOUND. */
#include "lamina/gpu.h"

#include <string.h>

bool lm_gpu_available(void)
{
    return false;
}

bool lm_gpu_device_name(char *buf, size_t cap)
{
    if (buf != NULL && cap > 0)
        buf[0] = 0;
    return false;
}

int lm_gpu_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in, size_t ncols,
                     unsigned log_n, unsigned log_blowup, lm_gl shift, lm_ntt_order order,
                     lm_err *err)
{
    return lm_err_set(err, LM_ENOTFOUND, "gpu: built without CUDA");
}

int lm_gpu_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m, lm_err *err)
{
    memset(t, 0, sizeof *t);
    return lm_err_set(err, LM_ENOTFOUND, "gpu: built without CUDA");
}
