/* Host checks of the CUDA code (src/gpu), built only when nvcc is found:
 * the __host__ __device__ Goldilocks arithmetic (gl.cuh) and Poseidon2
 * (poseidon2.cuh) against lm_gl_* and lm_poseidon2_*, and the LDE and
 * Merkle steps (ntt.cuh, merkle.cuh), run on the CPU with one loop
 * iteration per GPU thread, against lm_ntt_lde_batch and lm_merkle_build.
 * Everything must agree bit for bit. Needs no GPU.
 *
 * External vector: the Horizen Labs Poseidon2 known answer for t = 12,
 * permutation of [0, 1, ..., 11] (github.com/HorizenLabs/poseidon2,
 * plain_implementations/src/poseidon2/poseidon2.rs, kats; also in
 * tests/unit/test_poseidon2.c).
 *
 * What this cannot see: the device's own 64x64 -> 128 product
 * (__umul64hi), launch sizes, shared-memory synchronisation and the copies;
 * tests/unit/test_gpu.c covers those on a machine with a GPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_shim.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"
#include "lamina/poseidon2.h"

#include "../test_rng.h"
#include "../poseidon2_kat.h"

#define P LM_GL_P

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void)
{
    return xorshift64s(&rng_state);
}

/* Edge words: around 0, 2^32, 2^63, p and 2^64. */
static const uint64_t EDGE[] = {
    0,
    1,
    2,
    3,
    0x7fffffffull,
    0xfffffffeull,
    0xffffffffull,
    0x100000000ull,
    0x100000001ull,
    0x1ffffffffull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
    0x8000000000000001ull,
    P - 3,
    P - 2,
    P - 1,
    P,
    P + 1,
    P + 0xfffffffeull,
    0xfffffffffffffffeull,
    0xffffffffffffffffull,
    0xffffffff00000000ull,
    0x00000000ffffffffull,
    0xfffffffe00000002ull,
};
#define N_EDGE (sizeof EDGE / sizeof EDGE[0])

/* A word for the arithmetic tests: an edge word, or random (canonical or
 * not). */
static uint64_t word(void)
{
    uint64_t r = rng_next();
    if ((r & 7) == 0)
        return EDGE[(r >> 3) % N_EDGE];
    return rng_next();
}

static void test_field_ops(void **state)
{
    (void)state;
    /* canon: every edge word and random words */
    for (size_t i = 0; i < N_EDGE; i++)
        assert_true(lm_gpu_host_canon(EDGE[i]) == lm_gl_from_u64(EDGE[i]));
    /* add, sub on canonical inputs; mul on any words (reduced first on the
     * reference side) */
    for (size_t i = 0; i < N_EDGE; i++)
        for (size_t j = 0; j < N_EDGE; j++) {
            uint64_t a = EDGE[i], b = EDGE[j];
            lm_gl ca = lm_gl_from_u64(a), cb = lm_gl_from_u64(b);
            assert_true(lm_gpu_host_add(ca, cb) == lm_gl_add(ca, cb));
            assert_true(lm_gpu_host_sub(ca, cb) == lm_gl_sub(ca, cb));
            assert_true(lm_gpu_host_mul(a, b) == lm_gl_mul(ca, cb));
            assert_true(lm_gpu_host_mul_lazy(a, b) % P == lm_gl_mul(ca, cb));
            /* reduce128 of any (hi, lo) */
            assert_true(lm_gpu_host_reduce128(a, b) == lm_gl_reduce128(a, b));
        }
    for (int it = 0; it < 200000; it++) {
        uint64_t a = word(), b = word();
        lm_gl ca = lm_gl_from_u64(a), cb = lm_gl_from_u64(b);
        assert_true(lm_gpu_host_canon(a) == ca);
        assert_true(lm_gpu_host_add(ca, cb) == lm_gl_add(ca, cb));
        assert_true(lm_gpu_host_sub(ca, cb) == lm_gl_sub(ca, cb));
        assert_true(lm_gpu_host_mul(a, b) == lm_gl_mul(ca, cb));
        assert_true(lm_gpu_host_mul(ca, cb) == lm_gl_mul(ca, cb));
        assert_true(lm_gpu_host_mul_lazy(a, b) % P == lm_gl_mul(ca, cb));
        assert_true(lm_gpu_host_reduce128(a, b) == lm_gl_reduce128(a, b));
    }
    /* a known product: (p - 1)^2 = 1 */
    assert_true(lm_gpu_host_mul(P - 1, P - 1) == 1);
}

static void test_bitrev(void **state)
{
    (void)state;
    for (unsigned lg = 0; lg <= 20; lg++)
        for (int it = 0; it < 64; it++) {
            uint64_t i = lg == 0 ? 0 : rng_next() & ((1ull << lg) - 1);
            assert_true(lm_gpu_host_bitrev(i, lg) == lm_ntt_bitrev((size_t)i, lg));
        }
    assert_true(lm_gpu_host_bitrev(1, 30) == (1ull << 29));
}

static void test_permutation(void **state)
{
    (void)state;
    /* the reference known answer */
    uint64_t s[12], r[12];
    for (int i = 0; i < 12; i++)
        s[i] = (uint64_t)i;
    lm_gpu_host_permute(s);
    assert_memory_equal(s, P2_KAT_OUT, sizeof P2_KAT_OUT);
    /* random states, canonical or not, and all-edge states */
    for (int it = 0; it < 3000; it++) {
        for (int i = 0; i < 12; i++)
            s[i] = r[i] = it < 200 ? EDGE[(size_t)(it + 7 * i) % N_EDGE] : word();
        lm_gpu_host_permute(s);
        lm_poseidon2_permute(r);
        assert_memory_equal(s, r, sizeof s);
    }
}

static void test_sponge_and_compress(void **state)
{
    (void)state;
    enum { MAX = 41, STRIDE = 3 };
    uint64_t e[MAX * STRIDE], packed[MAX], got[4], want[4];
    for (size_t i = 0; i < MAX * STRIDE; i++)
        e[i] = lm_gl_from_u64(rng_next());
    for (size_t n = 0; n <= MAX; n++) {
        lm_gpu_host_hash(got, n ? e : NULL, n, 1);
        lm_poseidon2_hash(want, e, n);
        assert_memory_equal(got, want, sizeof got);
        for (size_t i = 0; i < n; i++)
            packed[i] = e[i * STRIDE];
        lm_gpu_host_hash(got, e, n, STRIDE);
        lm_poseidon2_hash(want, packed, n);
        assert_memory_equal(got, want, sizeof got);
    }
    for (int it = 0; it < 200; it++) {
        uint64_t l[4], r[4];
        for (int i = 0; i < 4; i++) {
            l[i] = lm_gl_from_u64(rng_next());
            r[i] = lm_gl_from_u64(rng_next());
        }
        lm_gpu_host_compress(got, l, r);
        lm_poseidon2_compress(want, l, r);
        assert_memory_equal(got, want, sizeof got);
    }
}

/* Compares the emulated GPU LDE with lm_ntt_lde_batch. */
static void check_lde(const lm_ntt_ctx *ctx, size_t ncols, unsigned log_n, unsigned log_blowup,
                      lm_gl shift, lm_ntt_order order)
{
    size_t n = (size_t)1 << log_n, N = n << log_blowup;
    lm_gl *buf = malloc((ncols * (n + 2 * N) + 1) * sizeof(lm_gl));
    lm_gl **in = malloc((ncols + 1) * sizeof *in), **a = malloc((ncols + 1) * sizeof *a),
          **b = malloc((ncols + 1) * sizeof *b);
    assert_non_null(buf);
    assert_non_null(in);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t c = 0; c < ncols; c++) {
        in[c] = buf + c * n;
        a[c] = buf + ncols * n + c * N;
        b[c] = buf + ncols * (n + N) + c * N;
        for (size_t i = 0; i < n; i++)
            in[c][i] = (i & 15) == 3 ? P - 1 : lm_gl_from_u64(rng_next());
    }
    lm_ntt_lde_batch(ctx, a, (const lm_gl *const *)in, ncols, log_n, log_blowup, shift, order);
    assert_int_equal(lm_gpu_host_lde_batch(ctx, b, (const lm_gl *const *)in, ncols, log_n,
                                           log_blowup, shift, order),
                     0);
    for (size_t c = 0; c < ncols; c++)
        assert_memory_equal(a[c], b[c], N * sizeof(lm_gl));
    free(in);
    free(a);
    free(b);
    free(buf);
}

static void test_lde_emulated(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 16, 1, NULL), LM_OK);
    /* sizes below, at and above one shared-memory block (2^11): the larger
     * ones run global stages on both sides of the coset scaling */
    static const struct {
        unsigned log_n, log_blowup;
        size_t ncols;
    } cases[] = {
        {0, 0, 1},  {0, 3, 2},  {1, 0, 1},  {1, 1, 3},  {3, 2, 2},  {5, 3, 4},
        {10, 1, 2}, {11, 0, 2}, {10, 2, 3}, {11, 1, 1}, {12, 0, 2}, {12, 2, 3},
        {13, 3, 2}, {14, 1, 1}, {2, 12, 1}, {16, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int o = 0; o < 2; o++) {
            lm_ntt_order order = o ? LM_NTT_NATURAL : LM_NTT_BITREV;
            check_lde(&ctx, cases[i].ncols, cases[i].log_n, cases[i].log_blowup, LM_NTT_COSET_SHIFT,
                      order);
            check_lde(&ctx, cases[i].ncols, cases[i].log_n, cases[i].log_blowup,
                      (rng_next() >> 1) + 1, order);
        }
    lm_ntt_ctx_free(&ctx);
}

/* Compares the emulated GPU tree with lm_merkle_build, node by node. */
static void check_merkle(const lm_matrix_view *m)
{
    lm_merkle_tree a, b;
    assert_int_equal(lm_merkle_build(&a, m, 1, NULL), LM_OK);
    assert_int_equal(lm_gpu_host_merkle_build(&b, m), 0);
    assert_int_equal(a.log_n, b.log_n);
    assert_memory_equal(a.nodes, b.nodes, 2 * m->rows * sizeof(lm_digest));
    lm_merkle_free(&a);
    lm_merkle_free(&b);
}

static void test_merkle_emulated(void **state)
{
    (void)state;
    static const size_t rows[] = {1, 2, 4, 64, 1024};
    static const size_t cols[] = {0, 1, 4, 7, 8, 9, 17, 24};
    size_t max = 1024 * 24 * 4;
    lm_gl *d = malloc(max * sizeof(lm_gl));
    assert_non_null(d);
    for (size_t i = 0; i < max; i++)
        d[i] = lm_gl_from_u64(rng_next());
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (size_t j = 0; j < sizeof cols / sizeof cols[0]; j++) {
            size_t r = rows[i], c = cols[j];
            lm_matrix_view colmaj = {d, r, c, 1, r};         /* the STARK's LDE layout */
            lm_matrix_view rowmaj = {d, r, c, c, 1};         /* FRI's layout */
            lm_matrix_view padded = {d, r, c, 1, 2 * r + 1}; /* gaps between columns */
            lm_matrix_view wide = {d, r, c, 2 * c + 1, 2};   /* row-major, strided */
            lm_matrix_view prefix = {d, r, c, 1, 4 * r};     /* the LDE's prefix at blowup 2 of 8 */
            lm_matrix_view rowgap = {d, r, c, c + 3, 1};     /* row-major, gaps between rows */
            check_merkle(&colmaj);
            check_merkle(&rowmaj);
            check_merkle(&padded);
            check_merkle(&wide);
            check_merkle(&prefix);
            check_merkle(&rowgap);
            /* what crosses the bus: only the view's elements when its lines lie apart */
            int packed;
            size_t elems;
            assert_int_equal(lm_gpu_host_plan_copy(&prefix, &packed, &elems), 0);
            assert_int_equal(packed, c > 1);
            assert_int_equal(elems, c == 0 ? 0 : packed ? r * c : (c - 1) * 4 * r + r);
            assert_int_equal(lm_gpu_host_plan_copy(&colmaj, &packed, &elems), 0);
            assert_int_equal(packed, 0);
            assert_int_equal(lm_gpu_host_plan_copy(&rowgap, &packed, &elems), 0);
            assert_int_equal(packed, r > 1 && c > 0);
            assert_int_equal(elems, c == 0 ? 0 : r * c + (packed ? 0 : (r - 1) * 3));
        }
    free(d);
    /* a pitch above cudaMemcpy2D's limit (2^31 - 1 bytes): the whole extent
     * instead (the plan reads no data) */
    int packed;
    size_t elems;
    lm_matrix_view far = {NULL, 4, 2, 1, (size_t)1 << 28};
    assert_int_equal(lm_gpu_host_plan_copy(&far, &packed, &elems), 0);
    assert_int_equal(packed, 0);
    assert_int_equal(elems, ((size_t)1 << 28) + 4);
    far.col_stride = ((size_t)1 << 28) - 1; /* 2^31 - 8 bytes: packed */
    assert_int_equal(lm_gpu_host_plan_copy(&far, &packed, &elems), 0);
    assert_int_equal(packed, 1);
    assert_int_equal(elems, 8);
    lm_matrix_view huge = {NULL, 4, 2, 1, SIZE_MAX / 2}; /* the extent overflows */
    assert_int_equal(lm_gpu_host_plan_copy(&huge, &packed, &elems), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_ops),    cmocka_unit_test(test_bitrev),
        cmocka_unit_test(test_permutation),  cmocka_unit_test(test_sponge_and_compress),
        cmocka_unit_test(test_lde_emulated), cmocka_unit_test(test_merkle_emulated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
