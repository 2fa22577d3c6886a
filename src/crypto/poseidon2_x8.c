/* Many independent Poseidon2 permutations at once (include/lamina/poseidon2.h,
 * "Many at once"): 8 states, lane-interleaved, go through one AVX-512
 * permutation (8 lanes of 64 bits) or two AVX2 ones (4 lanes), chosen at run
 * time; elsewhere, or on a CPU without them, through lm_poseidon2_permute
 * one by one. Every path gives lm_poseidon2_permute's output bit for bit
 * (tests/unit/test_poseidon2_x8.c); docs/poseidon2.md, "Implementation",
 * says how the lanes do Goldilocks arithmetic.
 *
 * Hosted only: not part of the freestanding STF build, which has no use for
 * it (scripts/check_freestanding.sh). The vector code is compiled with
 * per-function target attributes, not global -m flags, so the library runs
 * on any x86-64 and builds on other architectures. */
#include <stdatomic.h>
#include <string.h>

#include "lamina/poseidon2.h"
#include "lamina/poseidon2_consts.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define P2X_HAVE_X86 1
#include <immintrin.h>
#endif

enum { LANES = LM_P2_LANES };

/* 8 states, lane-interleaved: v[i][l] is element i of state l. */
typedef lm_gl lanes_t[LM_P2_WIDTH][LANES];

#ifdef P2X_HAVE_X86

/* ---- AVX-512F: 8 lanes ------------------------------------------------------ */

#include "lanes_avx512.h"
#include "poseidon2_lanes.h"

__attribute__((target("avx512f"))) static void permute_lanes_avx512(lanes_t v)
{
    p2x8_v x[LM_P2_WIDTH];
    memcpy(x, v, sizeof x);
    p2x8_permute_v(x);
    memcpy(v, x, sizeof x);
}

#include "lanes_end.h"

/* ---- AVX2: 4 lanes, twice --------------------------------------------------- */

#include "lanes_avx2.h"
#include "poseidon2_lanes.h"

__attribute__((target("avx2"))) static void permute_lanes_avx2(lanes_t v)
{
    for (int half = 0; half < LANES; half += 4) {
        p2x4_v x[LM_P2_WIDTH];
        for (int i = 0; i < LM_P2_WIDTH; i++)
            memcpy(&x[i], &v[i][half], sizeof x[i]);
        p2x4_permute_v(x);
        for (int i = 0; i < LM_P2_WIDTH; i++)
            memcpy(&v[i][half], &x[i], sizeof x[i]);
    }
}

#include "lanes_end.h"

#endif /* P2X_HAVE_X86 */

static void permute_lanes_scalar(lanes_t v)
{
    for (int l = 0; l < LANES; l++) {
        lm_gl s[LM_P2_WIDTH];
        for (int i = 0; i < LM_P2_WIDTH; i++)
            s[i] = v[i][l];
        lm_poseidon2_permute(s);
        for (int i = 0; i < LM_P2_WIDTH; i++)
            v[i][l] = s[i];
    }
}

/* ---- dispatch ------------------------------------------------------------------
 * The implementation is resolved on first use (the CPU does not change) and
 * may be forced by lm_poseidon2_set_impl; a relaxed atomic, since racing
 * first uses store the same value. */

static _Atomic int g_impl; /* 0: not resolved yet */

bool lm_poseidon2_impl_available(lm_p2_impl impl)
{
    switch (impl) {
    case LM_P2_IMPL_AUTO:
    case LM_P2_IMPL_SCALAR:
        return true;
    case LM_P2_IMPL_AVX2:
#ifdef P2X_HAVE_X86
        return __builtin_cpu_supports("avx2");
#else
        return false;
#endif
    case LM_P2_IMPL_AVX512:
#ifdef P2X_HAVE_X86
        return __builtin_cpu_supports("avx512f");
#else
        return false;
#endif
    }
    return false;
}

static lm_p2_impl best_impl(void)
{
    if (lm_poseidon2_impl_available(LM_P2_IMPL_AVX512))
        return LM_P2_IMPL_AVX512;
    if (lm_poseidon2_impl_available(LM_P2_IMPL_AVX2))
        return LM_P2_IMPL_AVX2;
    return LM_P2_IMPL_SCALAR;
}

lm_p2_impl lm_poseidon2_impl(void)
{
    int i = atomic_load_explicit(&g_impl, memory_order_relaxed);
    if (i == 0) {
        i = (int)best_impl();
        atomic_store_explicit(&g_impl, i, memory_order_relaxed);
    }
    return (lm_p2_impl)i;
}

bool lm_poseidon2_set_impl(lm_p2_impl impl)
{
    if (!lm_poseidon2_impl_available(impl))
        return false;
    int i = impl == LM_P2_IMPL_AUTO ? (int)best_impl() : (int)impl;
    atomic_store_explicit(&g_impl, i, memory_order_relaxed);
    return true;
}

const char *lm_poseidon2_impl_name(lm_p2_impl impl)
{
    switch (impl) {
    case LM_P2_IMPL_AUTO:
        return "auto";
    case LM_P2_IMPL_SCALAR:
        return "scalar";
    case LM_P2_IMPL_AVX2:
        return "avx2";
    case LM_P2_IMPL_AVX512:
        return "avx512";
    }
    return "unknown";
}

/* Permutes the 8 lane-interleaved states with the implementation in use. */
static void permute_lanes(lanes_t v, lm_p2_impl impl)
{
#ifdef P2X_HAVE_X86
    if (impl == LM_P2_IMPL_AVX512) {
        permute_lanes_avx512(v);
        return;
    }
    if (impl == LM_P2_IMPL_AVX2) {
        permute_lanes_avx2(v);
        return;
    }
#endif
    (void)impl;
    permute_lanes_scalar(v);
}

/* A tail block of k < 8 states goes through the vector code, in unused
 * lanes of zeros, only when it beats k scalar permutations (measured: one
 * 8-lane AVX-512 block costs about 3 scalar permutations, two AVX2 halves
 * about 5). Returns: true to use the vector code for k states. */
static bool tail_in_lanes(lm_p2_impl impl, size_t k)
{
    switch (impl) {
    case LM_P2_IMPL_AVX512:
        return k >= 3;
    case LM_P2_IMPL_AVX2:
        return k >= 5;
    case LM_P2_IMPL_AUTO:
    case LM_P2_IMPL_SCALAR:
        return false;
    }
    return false;
}

/* ---- batch helpers ------------------------------------------------------------ */

void lm_poseidon2_permute_many(lm_gl (*states)[LM_P2_WIDTH], size_t n)
{
    lm_p2_impl impl = lm_poseidon2_impl();
    for (size_t b = 0; b < n; b += LANES) {
        size_t k = n - b < LANES ? n - b : LANES;
        if (k < LANES && !tail_in_lanes(impl, k)) {
            for (size_t j = 0; j < k; j++)
                lm_poseidon2_permute(states[b + j]);
            continue;
        }
        lanes_t v = {{0}};
        for (size_t j = 0; j < k; j++)
            for (int i = 0; i < LM_P2_WIDTH; i++)
                v[i][j] = states[b + j][i];
        permute_lanes(v, impl);
        for (size_t j = 0; j < k; j++)
            for (int i = 0; i < LM_P2_WIDTH; i++)
                states[b + j][i] = v[i][j];
    }
}

void lm_poseidon2_permute_x8(lm_gl states[LM_P2_LANES][LM_P2_WIDTH]) { lm_poseidon2_permute_many(states, LANES); }

/* out[j] = C(left[j * stride], right[j * stride]) for j < n. */
static void compress_strided(lm_gl (*out)[LM_P2_DIGEST], const lm_gl (*left)[LM_P2_DIGEST],
                             const lm_gl (*right)[LM_P2_DIGEST], size_t stride, size_t n)
{
    lm_p2_impl impl = lm_poseidon2_impl();
    for (size_t b = 0; b < n; b += LANES) {
        size_t k = n - b < LANES ? n - b : LANES;
        if (k < LANES && !tail_in_lanes(impl, k)) {
            for (size_t j = b; j < b + k; j++)
                lm_poseidon2_compress(out[j], left[j * stride], right[j * stride]);
            continue;
        }
        /* (left ‖ right ‖ 0, 0, 0, 0), the first 4 words out */
        lanes_t v = {{0}};
        for (size_t j = 0; j < k; j++)
            for (int i = 0; i < LM_P2_DIGEST; i++) {
                v[i][j] = left[(b + j) * stride][i];
                v[LM_P2_DIGEST + i][j] = right[(b + j) * stride][i];
            }
        permute_lanes(v, impl);
        for (size_t j = 0; j < k; j++)
            for (int i = 0; i < LM_P2_DIGEST; i++)
                out[b + j][i] = v[i][j];
    }
}

void lm_poseidon2_compress_many(lm_gl (*out)[LM_P2_DIGEST], const lm_gl (*left)[LM_P2_DIGEST],
                                const lm_gl (*right)[LM_P2_DIGEST], size_t n)
{
    compress_strided(out, left, right, 1, n);
}

void lm_poseidon2_compress_pairs(lm_gl (*out)[LM_P2_DIGEST], const lm_gl (*in)[LM_P2_DIGEST], size_t n)
{
    compress_strided(out, in, in + 1, 2, n);
}

/* lm_poseidon2_hash of row[0], row[stride], ..., row[(len - 1) stride]
 * (the same sponge, without gathering the row first). */
static void hash_strided(lm_gl out[LM_P2_DIGEST], const lm_gl *row, size_t len, size_t stride)
{
    lm_gl s[LM_P2_WIDTH] = {0};
    s[LM_P2_RATE] = lm_gl_from_u64((uint64_t)len);
    s[LM_P2_RATE + 1] = LM_P2_TAG_ELEMENTS;
    size_t off = 0;
    do {
        for (size_t i = 0; i < LM_P2_RATE; i++)
            s[i] = off + i < len ? row[(off + i) * stride] : 0;
        lm_poseidon2_permute(s);
        off += LM_P2_RATE;
    } while (off < len);
    memcpy(out, s, LM_P2_DIGEST * sizeof *out);
}

void lm_poseidon2_hash_many(lm_gl (*out)[LM_P2_DIGEST], const lm_gl *rows, size_t n, size_t len,
                            size_t row_stride, size_t col_stride)
{
    lm_p2_impl impl = lm_poseidon2_impl();
    for (size_t b = 0; b < n; b += LANES) {
        size_t k = n - b < LANES ? n - b : LANES;
        if (k < LANES && !tail_in_lanes(impl, k)) {
            for (size_t j = b; j < b + k; j++) {
                if (col_stride == 1)
                    lm_poseidon2_hash(out[j], rows + j * row_stride, len);
                else
                    hash_strided(out[j], rows + j * row_stride, len, col_stride);
            }
            continue;
        }
        /* The sponge of lm_poseidon2_hash, 8 rows side by side: length and
         * tag in the capacity, 8-element blocks overwrite the rate, the last
         * one padded with zeros, at least one block. */
        lanes_t v = {{0}};
        for (size_t j = 0; j < LANES; j++) {
            v[LM_P2_RATE][j] = lm_gl_from_u64((uint64_t)len);
            v[LM_P2_RATE + 1][j] = LM_P2_TAG_ELEMENTS;
        }
        size_t off = 0;
        do {
            for (size_t i = 0; i < LM_P2_RATE; i++)
                for (size_t j = 0; j < k; j++)
                    v[i][j] = off + i < len ? rows[(b + j) * row_stride + (off + i) * col_stride] : 0;
            permute_lanes(v, impl);
            off += LM_P2_RATE;
        } while (off < len);
        for (size_t j = 0; j < k; j++)
            for (int i = 0; i < LM_P2_DIGEST; i++)
                out[b + j][i] = v[i][j];
    }
}
