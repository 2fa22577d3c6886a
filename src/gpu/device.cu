/* lm_gpu_available and lm_gpu_device_name (include/lamina/gpu.h): the
 * one-time probe for a usable CUDA device. */
#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "lamina/gpu.h"
}

namespace lmg
{

/* A kernel whose attributes exist only when the binary holds an image the
 * device can run (a cubin for its architecture or PTX it can compile). */
__global__ void k_probe(int *x)
{
    if (x != nullptr)
        *x = 0;
}

/* Returns: whether a device is there and can run our kernels. Quiet: the
 * CUDA runtime prints nothing; its errors are cleared. */
static bool probe(void)
{
    const char *env = getenv("LAMINA_GPU");
    if (env != NULL && strcmp(env, "0") == 0)
        return false;
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count <= 0) {
        (void)cudaGetLastError();
        return false;
    }
    cudaFuncAttributes attr;
    if (cudaFuncGetAttributes(&attr, k_probe) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    return true;
}

} /* namespace lmg */

bool lm_gpu_available(void)
{
    static const bool ok = lmg::probe(); /* thread-safe one-time init (C++11) */
    return ok;
}

bool lm_gpu_device_name(char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return false;
    buf[0] = 0;
    int dev = 0;
    cudaDeviceProp prop;
    if (!lm_gpu_available() || cudaGetDevice(&dev) != cudaSuccess ||
        cudaGetDeviceProperties(&prop, dev) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    size_t len = strnlen(prop.name, sizeof prop.name);
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, prop.name, len);
    buf[len] = 0;
    return true;
}
