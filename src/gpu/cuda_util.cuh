/* Helpers shared by the CUDA files of src/gpu: CUDA errors as lm_err codes,
 * device buffers freed on every path, launch sizes. Host code only.
 * Internal to src/gpu. */
#ifndef LAMINA_GPU_CUDA_UTIL_CUH
#define LAMINA_GPU_CUDA_UTIL_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

extern "C" {
#include "lamina/err.h"
}

namespace lmg
{

/* Records a CUDA failure in err: LM_ENOMEM for an allocation failure,
 * LM_EIO otherwise. Clears the (non-sticky) last error.
 * Returns: the code. */
static inline int cuda_fail(lm_err *err, cudaError_t e, const char *what)
{
    (void)cudaGetLastError();
    return lm_err_set(err, e == cudaErrorMemoryAllocation ? LM_ENOMEM : LM_EIO, "gpu: %s: %s", what,
                      cudaGetErrorString(e));
}

/* A device allocation owned by one scope. */
struct dev_buf {
    void *p = nullptr;
    dev_buf() = default;
    dev_buf(const dev_buf &) = delete;
    dev_buf &operator=(const dev_buf &) = delete;
    ~dev_buf()
    {
        if (p != nullptr)
            (void)cudaFree(p);
    }
    cudaError_t alloc(size_t bytes) { return cudaMalloc(&p, bytes == 0 ? 1 : bytes); }
    template <class T> T *as() const { return static_cast<T *>(p); }
};

/* Threads per block of the element-wise kernels. */
enum { THREADS = 256 };

/* Blocks for total threads (grid-stride loops cover the rest). */
static inline unsigned grid_for(uint64_t total, unsigned threads)
{
    uint64_t b = (total + threads - 1) / threads;
    const uint64_t cap = (uint64_t)1 << 20;
    return (unsigned)(b == 0 ? 1 : (b > cap ? cap : b));
}

} /* namespace lmg */

#endif
