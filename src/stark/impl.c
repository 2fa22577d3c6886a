/* Which code the prover's lane kernels run (lamina/stark.h, lm_stark_impl):
 * resolved from the CPU on first use, or forced by lm_stark_set_impl, as
 * src/crypto/poseidon2_x8.c does for Poseidon2. */
#include <stdatomic.h>

#include "lamina/stark.h"

static _Atomic int g_impl; /* 0: not resolved yet */

static bool available_(lm_p2_impl impl)
{
    switch (impl) {
    case LM_P2_IMPL_AUTO:
    case LM_P2_IMPL_SCALAR:
        return true;
    case LM_P2_IMPL_AVX2:
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        return __builtin_cpu_supports("avx2");
#else
        return false;
#endif
    case LM_P2_IMPL_AVX512:
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
        return __builtin_cpu_supports("avx512f");
#else
        return false;
#endif
    }
    return false;
}

static lm_p2_impl best_(void)
{
    if (available_(LM_P2_IMPL_AVX512))
        return LM_P2_IMPL_AVX512;
    if (available_(LM_P2_IMPL_AVX2))
        return LM_P2_IMPL_AVX2;
    return LM_P2_IMPL_SCALAR;
}

lm_p2_impl lm_stark_impl(void)
{
    /* a relaxed atomic: racing first uses store the same value */
    int i = atomic_load_explicit(&g_impl, memory_order_relaxed);
    if (i == 0) {
        i = (int)best_();
        atomic_store_explicit(&g_impl, i, memory_order_relaxed);
    }
    return (lm_p2_impl)i;
}

bool lm_stark_set_impl(lm_p2_impl impl)
{
    if (!available_(impl))
        return false;
    atomic_store_explicit(&g_impl, impl == LM_P2_IMPL_AUTO ? (int)best_() : (int)impl, memory_order_relaxed);
    return true;
}
