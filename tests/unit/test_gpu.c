/* Tests of the GPU API (include/lamina/gpu.h).
 *
 * Everywhere: without a usable GPU (no CUDA at build time, no driver, no
 * device, or LAMINA_GPU=0) the API says so quietly and returns
 * LM_ENOTFOUND, which the prover's fallback relies on.
 *
 * With a GPU: lm_gpu_lde_batch and lm_gpu_merkle_build must give bit for
 * bit what lm_ntt_lde_batch and lm_merkle_build give, over sizes that use
 * only shared-memory stages, sizes that add global stages, many columns
 * and the matrix layouts the prover and FRI use. Without one these print
 * "no GPU: skipped" and are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/gpu.h"

#include "../test_rng.h"

/* CUDA maps memory where AddressSanitizer's shadow gap lies, so an ASan
 * (Debug) build on a GPU machine must leave the gap unprotected; read by
 * ASan only, harmless elsewhere. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "protect_shadow_gap=0";
}

static uint64_t rng_state = 0x6a09e667f3bcc909ull;
static uint64_t rng_next(void)
{
    return xorshift64s(&rng_state);
}

static bool need_gpu(void)
{
    if (lm_gpu_available())
        return true;
    printf("no GPU: skipped\n");
    return false;
}

static void test_availability(void **state)
{
    (void)state;
    char name[128];
    bool avail = lm_gpu_available();
    assert_true(lm_gpu_available() == avail); /* cached, stable */
    assert_true(lm_gpu_device_name(name, sizeof name) == avail);
    if (avail) {
        assert_true(name[0] != 0);
        printf("GPU: %s\n", name);
    } else {
        assert_true(name[0] == 0);
    }
    assert_false(lm_gpu_device_name(name, 0));
}

/* Without a GPU every call fails cleanly with LM_ENOTFOUND. */
static void test_unavailable_is_clean(void **state)
{
    (void)state;
    if (lm_gpu_available())
        skip();
    lm_ntt_ctx ctx;
    lm_err err;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 4, 1, NULL), LM_OK);
    lm_gl in0[4] = {1, 2, 3, 4}, out0[8];
    const lm_gl *in[1] = {in0};
    lm_gl *out[1] = {out0};
    lm_err_clear(&err);
    assert_int_equal(
        lm_gpu_lde_batch(&ctx, out, in, 1, 2, 1, LM_NTT_COSET_SHIFT, LM_NTT_BITREV, &err),
        LM_ENOTFOUND);
    assert_int_equal(err.code, LM_ENOTFOUND);
    assert_true(err.msg[0] != 0);
    lm_merkle_tree t;
    lm_matrix_view m = {in0, 4, 1, 1, 4};
    assert_int_equal(lm_gpu_merkle_build(&t, &m, &err), LM_ENOTFOUND);
    assert_null(t.nodes);
    lm_merkle_free(&t); /* harmless */
    lm_ntt_ctx_free(&ctx);
}

/* GPU against CPU for one LDE shape. */
static void check_lde(const lm_ntt_ctx *ctx, size_t ncols, unsigned log_n, unsigned log_blowup,
                      lm_gl shift, lm_ntt_order order)
{
    size_t n = (size_t)1 << log_n, N = n << log_blowup;
    lm_gl *buf = malloc(ncols * (n + 2 * N) * sizeof(lm_gl));
    lm_gl **in = malloc(ncols * sizeof *in), **a = malloc(ncols * sizeof *a),
          **b = malloc(ncols * sizeof *b);
    assert_non_null(buf);
    assert_non_null(in);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t c = 0; c < ncols; c++) {
        in[c] = buf + c * n;
        a[c] = buf + ncols * n + c * N;
        b[c] = buf + ncols * (n + N) + c * N;
        for (size_t i = 0; i < n; i++)
            in[c][i] = (i % 17) == 5 ? LM_GL_P - 1 : lm_gl_from_u64(rng_next());
    }
    lm_ntt_lde_batch(ctx, a, (const lm_gl *const *)in, ncols, log_n, log_blowup, shift, order);
    lm_err err;
    int rc = lm_gpu_lde_batch(ctx, b, (const lm_gl *const *)in, ncols, log_n, log_blowup, shift,
                              order, &err);
    if (rc != LM_OK)
        fail_msg("lm_gpu_lde_batch 2^%u x %zu cols: %s", log_n, ncols, err.msg);
    for (size_t c = 0; c < ncols; c++)
        if (memcmp(a[c], b[c], N * sizeof(lm_gl)) != 0)
            fail_msg("LDE 2^%u blowup 2^%u order %d: column %zu differs", log_n, log_blowup,
                     (int)order, c);
    free(in);
    free(a);
    free(b);
    free(buf);
}

static void test_lde_matches_cpu(void **state)
{
    (void)state;
    if (!need_gpu())
        skip();
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 22, 4, NULL), LM_OK);
    static const struct {
        unsigned log_n, log_blowup;
        size_t ncols;
    } cases[] = {
        {0, 0, 1},  {0, 3, 3},  {1, 1, 2},   {4, 2, 5},  {10, 1, 3}, {11, 0, 2}, {11, 3, 2},
        {12, 1, 4}, {13, 3, 7}, {16, 3, 33}, {18, 2, 3}, {20, 1, 2}, {3, 15, 1}, {12, 3, 130},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int o = 0; o < 2; o++) {
            lm_ntt_order order = o ? LM_NTT_NATURAL : LM_NTT_BITREV;
            check_lde(&ctx, cases[i].ncols, cases[i].log_n, cases[i].log_blowup, LM_NTT_COSET_SHIFT,
                      order);
            check_lde(&ctx, cases[i].ncols, cases[i].log_n, cases[i].log_blowup, 3, order);
        }
    lm_ntt_ctx_free(&ctx);
}

static void test_lde_bad_arguments(void **state)
{
    (void)state;
    if (!need_gpu())
        skip();
    lm_ntt_ctx ctx;
    lm_err err;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 4, 1, NULL), LM_OK);
    lm_gl in0[8] = {0}, out0[64];
    const lm_gl *in[1] = {in0};
    lm_gl *out[1] = {out0};
    /* 2^3 * 2^2 is above the context's 2^4 */
    assert_int_equal(lm_gpu_lde_batch(&ctx, out, in, 1, 3, 2, 7, LM_NTT_BITREV, &err), LM_EINVAL);
    assert_int_equal(lm_gpu_lde_batch(&ctx, out, in, 1, 3, 1, 0, LM_NTT_BITREV, &err), LM_EINVAL);
    assert_int_equal(lm_gpu_lde_batch(NULL, out, in, 1, 3, 1, 7, LM_NTT_BITREV, &err), LM_EINVAL);
    assert_int_equal(lm_gpu_lde_batch(&ctx, out, in, 0, 3, 1, 7, LM_NTT_BITREV, &err), LM_OK);
    lm_ntt_ctx_free(&ctx);
}

static void check_merkle(const lm_matrix_view *m)
{
    lm_merkle_tree a, b;
    lm_err err;
    assert_int_equal(lm_merkle_build(&a, m, 4, NULL), LM_OK);
    int rc = lm_gpu_merkle_build(&b, m, &err);
    if (rc != LM_OK)
        fail_msg("lm_gpu_merkle_build %zu x %zu: %s", m->rows, m->cols, err.msg);
    assert_int_equal(a.log_n, b.log_n);
    if (memcmp(a.nodes, b.nodes, 2 * m->rows * sizeof(lm_digest)) != 0)
        fail_msg("Merkle %zu rows x %zu cols (strides %zu, %zu) differs", m->rows, m->cols,
                 m->row_stride, m->col_stride);
    lm_merkle_free(&a);
    lm_merkle_free(&b);
}

static void test_merkle_matches_cpu(void **state)
{
    (void)state;
    if (!need_gpu())
        skip();
    static const size_t rows[] = {1, 2, 8, 1024, 1u << 16};
    static const size_t cols[] = {0, 1, 6, 8, 9, 118};
    size_t max = ((size_t)1 << 16) * 118 * 4;
    lm_gl *d = malloc(max * sizeof(lm_gl));
    assert_non_null(d);
    for (size_t i = 0; i < max; i++)
        d[i] = lm_gl_from_u64(rng_next());
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (size_t j = 0; j < sizeof cols / sizeof cols[0]; j++) {
            size_t r = rows[i], c = cols[j];
            lm_matrix_view colmaj = {d, r, c, 1, r};
            lm_matrix_view rowmaj = {d, r, c, c, 1};
            lm_matrix_view padded = {d, r, c, 2 * c + 1, 2};
            lm_matrix_view prefix = {d, r, c, 1, 4 * r}; /* packed: cudaMemcpy2D */
            lm_matrix_view rowgap = {d, r, c, c + 3, 1}; /* packed by rows */
            check_merkle(&colmaj);
            check_merkle(&rowmaj);
            check_merkle(&padded);
            check_merkle(&prefix);
            check_merkle(&rowgap);
        }
    lm_matrix_view big = {d, (size_t)1 << 20, 6, 6, 1}; /* a FRI layer's shape */
    check_merkle(&big);
    free(d);
}

static void test_merkle_bad_rows(void **state)
{
    (void)state;
    if (!need_gpu())
        skip();
    lm_gl d[12] = {0};
    lm_merkle_tree t;
    lm_err err;
    lm_matrix_view three = {d, 3, 4, 4, 1}, none = {d, 0, 4, 4, 1};
    assert_int_equal(lm_gpu_merkle_build(&t, &three, &err), LM_EINVAL);
    assert_null(t.nodes);
    assert_int_equal(lm_gpu_merkle_build(&t, &none, &err), LM_EINVAL);
    lm_matrix_view huge = {d, 2, 2, (size_t)1 << 62, (size_t)1 << 62};
    assert_int_equal(lm_gpu_merkle_build(&t, &huge, &err), LM_ETOOLARGE);
}

/* The prover's pair: the trace LDE, then its commitment, on the GPU. */
static void test_lde_then_commit(void **state)
{
    (void)state;
    if (!need_gpu())
        skip();
    enum { LOG_H = 14, LOG_B = 3, W = 24 };
    size_t h = (size_t)1 << LOG_H, N = h << LOG_B;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, LOG_H + LOG_B, 4, NULL), LM_OK);
    lm_gl *trace = malloc(W * h * sizeof(lm_gl)), *cpu = malloc(W * N * sizeof(lm_gl)),
          *gpu = malloc(W * N * sizeof(lm_gl));
    assert_non_null(trace);
    assert_non_null(cpu);
    assert_non_null(gpu);
    const lm_gl *in[W];
    lm_gl *oc[W], *og[W];
    for (size_t c = 0; c < W; c++) {
        in[c] = trace + c * h;
        oc[c] = cpu + c * N;
        og[c] = gpu + c * N;
    }
    for (size_t i = 0; i < W * h; i++)
        trace[i] = lm_gl_from_u64(rng_next());
    lm_ntt_lde_batch(&ctx, oc, in, W, LOG_H, LOG_B, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
    assert_int_equal(
        lm_gpu_lde_batch(&ctx, og, in, W, LOG_H, LOG_B, LM_NTT_COSET_SHIFT, LM_NTT_BITREV, NULL),
        LM_OK);
    lm_matrix_view vc = {cpu, N, W, 1, N}, vg = {gpu, N, W, 1, N};
    lm_merkle_tree tc, tg;
    assert_int_equal(lm_merkle_build(&tc, &vc, 4, NULL), LM_OK);
    assert_int_equal(lm_gpu_merkle_build(&tg, &vg, NULL), LM_OK);
    lm_digest rc, rg;
    lm_merkle_root(&rc, &tc);
    lm_merkle_root(&rg, &tg);
    assert_memory_equal(&rc, &rg, sizeof rc);
    lm_merkle_free(&tc);
    lm_merkle_free(&tg);
    free(trace);
    free(cpu);
    free(gpu);
    lm_ntt_ctx_free(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_availability),       cmocka_unit_test(test_unavailable_is_clean),
        cmocka_unit_test(test_lde_matches_cpu),    cmocka_unit_test(test_lde_bad_arguments),
        cmocka_unit_test(test_merkle_matches_cpu), cmocka_unit_test(test_merkle_bad_rows),
        cmocka_unit_test(test_lde_then_commit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
