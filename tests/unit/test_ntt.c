/* Unit tests for the NTT (include/lamina/ntt.h, src/stark/ntt.c).
 *
 * Every transform is checked against direct evaluation (Horner, O(n) per
 * point, O(n^2) per transform) at the powers of lm_gl_root_of_unity, which
 * test_goldilocks ties to Plonky2's POWER_OF_TWO_GENERATOR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/ntt.h"

#include "../test_rng.h"

static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rng_next(void) { return xorshift64s(&rng_state); }
static lm_gl rand_gl(void) { return lm_gl_from_u64(rng_next()); }

static lm_gl horner(const lm_gl *c, size_t n, lm_gl x)
{
    lm_gl r = 0;
    for (size_t k = n; k-- > 0;)
        r = lm_gl_add(lm_gl_mul(r, x), c[k]);
    return r;
}

static lm_gl root(unsigned log_n)
{
    lm_gl w;
    assert_true(lm_gl_root_of_unity(&w, log_n));
    return w;
}

static lm_gl *alloc_gl(size_t n)
{
    lm_gl *a = malloc((n ? n : 1) * sizeof(lm_gl));
    assert_non_null(a);
    return a;
}

static void test_ctx_init(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    lm_err err;
    assert_int_equal(lm_ntt_ctx_init(&ctx, LM_NTT_MAX_LOG_N + 1, 1, &err), LM_ETOOLARGE);
    lm_ntt_ctx_free(&ctx); /* harmless */
    assert_int_equal(lm_ntt_ctx_init(&ctx, 0, 0, &err), LM_OK);
    assert_int_equal(ctx.threads, 1);
    lm_gl a[1] = {42};
    lm_ntt_forward(&ctx, a, 0); /* size 1: identity */
    assert_true(a[0] == 42);
    lm_ntt_inverse(&ctx, a, 0);
    assert_true(a[0] == 42);
    lm_ntt_ctx_free(&ctx);
    lm_ntt_ctx_free(&ctx); /* twice is harmless */
    assert_int_equal(lm_ntt_ctx_init(&ctx, 4, 1000, &err), LM_OK);
    assert_int_equal(ctx.threads, LM_NTT_MAX_THREADS);
    lm_ntt_ctx_free(&ctx);
}

static void test_bit_reverse(void **state)
{
    (void)state;
    assert_int_equal(lm_ntt_bitrev(1, 3), 4);
    assert_int_equal(lm_ntt_bitrev(6, 3), 3);
    assert_int_equal(lm_ntt_bitrev(1, 10), 512);
    for (unsigned log_n = 0; log_n <= 12; log_n++) {
        size_t n = (size_t)1 << log_n;
        lm_gl *a = alloc_gl(n);
        for (size_t i = 0; i < n; i++)
            a[i] = i;
        lm_ntt_bit_reverse(a, log_n);
        for (size_t i = 0; i < n; i++)
            assert_true(a[i] == lm_ntt_bitrev(i, log_n));
        free(a);
    }
}

/* n random elements in a fresh array (returned), and a copy of them in each
 * of two more fresh arrays *a and *b; the caller frees all three. */
static lm_gl *random_with_copies(size_t n, lm_gl **a, lm_gl **b)
{
    lm_gl *c = alloc_gl(n);
    *a = alloc_gl(n);
    *b = alloc_gl(n);
    for (size_t i = 0; i < n; i++)
        c[i] = rand_gl();
    memcpy(*a, c, n * sizeof **a);
    memcpy(*b, c, n * sizeof **b);
    return c;
}

/* Forward transforms against Horner at every point, sizes 2^1..2^10. */
static void test_forward_vs_direct(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 12, 1, NULL), LM_OK);
    for (unsigned log_n = 1; log_n <= 10; log_n++) {
        size_t n = (size_t)1 << log_n;
        lm_gl *a, *b, *c = random_with_copies(n, &a, &b);
        lm_ntt_forward(&ctx, a, log_n);
        lm_ntt_forward_nr(&ctx, b, log_n);
        lm_gl w = root(log_n), x = 1;
        for (size_t i = 0; i < n; i++) {
            lm_gl v = horner(c, n, x);
            assert_true(a[i] == v);
            assert_true(b[lm_ntt_bitrev(i, log_n)] == v);
            x = lm_gl_mul(x, w);
        }
        /* and back, both ways */
        lm_ntt_inverse(&ctx, a, log_n);
        lm_ntt_inverse_rn(&ctx, b, log_n);
        assert_memory_equal(a, c, n * sizeof *a);
        assert_memory_equal(b, c, n * sizeof *b);
        free(c);
        free(a);
        free(b);
    }
    lm_ntt_ctx_free(&ctx);
}

/* inverse(forward(c)) = c up to 2^16 on 1 and 2 threads; the two thread
 * counts give identical outputs; a few points checked directly at the large
 * sizes (where the blocked recursion and the thread split run). */
static void test_roundtrip_threads(void **state)
{
    (void)state;
    lm_ntt_ctx c1, c2;
    assert_int_equal(lm_ntt_ctx_init(&c1, 16, 1, NULL), LM_OK);
    assert_int_equal(lm_ntt_ctx_init(&c2, 16, 2, NULL), LM_OK);
    for (unsigned log_n = 0; log_n <= 16; log_n++) {
        size_t n = (size_t)1 << log_n;
        lm_gl *a, *b, *c = random_with_copies(n, &a, &b);
        lm_ntt_forward_nr(&c1, a, log_n);
        lm_ntt_forward_nr(&c2, b, log_n);
        assert_memory_equal(a, b, n * sizeof *a);
        if (log_n >= 14) {
            lm_gl w = root(log_n);
            for (int t = 0; t < 4; t++) {
                size_t i = (size_t)(rng_next() & (n - 1));
                assert_true(a[lm_ntt_bitrev(i, log_n)] == horner(c, n, lm_gl_pow(w, i)));
            }
        }
        lm_ntt_inverse_rn(&c1, a, log_n);
        lm_ntt_inverse_rn(&c2, b, log_n);
        assert_memory_equal(a, c, n * sizeof *a);
        assert_memory_equal(b, c, n * sizeof *b);
        free(c);
        free(a);
        free(b);
    }
    lm_ntt_ctx_free(&c1);
    lm_ntt_ctx_free(&c2);
}

/* LDE of several columns against Horner on the coset, both orders, 1 and 2
 * threads, a small and a large (threaded) size. */
static void check_lde(unsigned threads, unsigned log_n, unsigned log_b, size_t ncols, lm_ntt_order order,
                      size_t npoints)
{
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, log_n + log_b, threads, NULL), LM_OK);
    size_t n = (size_t)1 << log_n, N = n << log_b;
    lm_gl **coef = calloc(ncols, sizeof *coef), **in = calloc(ncols, sizeof *in),
          **out = calloc(ncols, sizeof *out);
    assert_non_null(coef);
    assert_non_null(in);
    assert_non_null(out);
    for (size_t c = 0; c < ncols; c++) {
        coef[c] = alloc_gl(n);
        in[c] = alloc_gl(n);
        out[c] = alloc_gl(N);
        for (size_t i = 0; i < n; i++)
            coef[c][i] = rand_gl();
        /* the trace column: evaluations on H_n, natural order */
        memcpy(in[c], coef[c], n * sizeof(lm_gl));
        lm_ntt_forward(&ctx, in[c], log_n);
    }
    lm_ntt_lde_batch(&ctx, out, (const lm_gl *const *)in, ncols, log_n, log_b, LM_NTT_COSET_SHIFT, order);
    lm_gl wN = root(log_n + log_b);
    for (size_t c = 0; c < ncols; c++) {
        for (size_t t = 0; t < npoints; t++) {
            size_t i = npoints >= N ? t : (size_t)(rng_next() & (N - 1));
            if (i >= N)
                break;
            lm_gl x = lm_gl_mul(LM_NTT_COSET_SHIFT, lm_gl_pow(wN, i));
            size_t pos = order == LM_NTT_NATURAL ? i : lm_ntt_bitrev(i, log_n + log_b);
            assert_true(out[c][pos] == horner(coef[c], n, x));
        }
        /* interpolating the LDE back gives the coefficients, zero above n */
        lm_ntt_coset_interpolate(&ctx, out[c], log_n + log_b, LM_NTT_COSET_SHIFT, order);
        assert_memory_equal(out[c], coef[c], n * sizeof(lm_gl));
        for (size_t i = n; i < N; i++)
            assert_true(out[c][i] == 0);
        free(coef[c]);
        free(in[c]);
        free(out[c]);
    }
    free(coef);
    free(in);
    free(out);
    lm_ntt_ctx_free(&ctx);
}

static void test_lde(void **state)
{
    (void)state;
    for (unsigned log_n = 0; log_n <= 6; log_n++)
        for (unsigned log_b = 0; log_b <= 3; log_b++) {
            check_lde(1, log_n, log_b, 3, LM_NTT_NATURAL, SIZE_MAX);
            check_lde(2, log_n, log_b, 3, LM_NTT_BITREV, SIZE_MAX);
        }
    check_lde(1, 12, 3, 3, LM_NTT_BITREV, 16);
    check_lde(2, 12, 3, 3, LM_NTT_NATURAL, 16);
    check_lde(2, 13, 2, 1, LM_NTT_BITREV, 16); /* one column, split transform */
    check_lde(2, 10, 1, 5, LM_NTT_NATURAL, 16); /* more columns than threads */
}

/* Batch transforms equal the single ones, on either thread count. */
static void test_batch(void **state)
{
    (void)state;
    lm_ntt_ctx c1, c2;
    assert_int_equal(lm_ntt_ctx_init(&c1, 15, 1, NULL), LM_OK);
    assert_int_equal(lm_ntt_ctx_init(&c2, 15, 2, NULL), LM_OK);
    const unsigned sizes[] = {3, 15};
    const size_t counts[] = {1, 2, 3};
    for (size_t si = 0; si < 2; si++)
        for (size_t ci = 0; ci < 3; ci++) {
            unsigned log_n = sizes[si];
            size_t n = (size_t)1 << log_n, nc = counts[ci];
            lm_gl *cols[3], *ref[3];
            for (size_t c = 0; c < nc; c++) {
                cols[c] = alloc_gl(n);
                ref[c] = alloc_gl(n);
                for (size_t i = 0; i < n; i++)
                    cols[c][i] = ref[c][i] = rand_gl();
                lm_ntt_forward_nr(&c1, ref[c], log_n);
            }
            lm_ntt_forward_nr_batch(&c2, cols, nc, log_n);
            for (size_t c = 0; c < nc; c++)
                assert_memory_equal(cols[c], ref[c], n * sizeof(lm_gl));
            lm_ntt_inverse_rn_batch(&c2, cols, nc, log_n);
            for (size_t c = 0; c < nc; c++) {
                lm_ntt_inverse_rn(&c1, ref[c], log_n);
                assert_memory_equal(cols[c], ref[c], n * sizeof(lm_gl));
                free(cols[c]);
                free(ref[c]);
            }
        }
    lm_ntt_ctx_free(&c1);
    lm_ntt_ctx_free(&c2);
}

/* coset_eval of a short polynomial on a larger coset, against Horner. */
static void test_coset_eval(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 8, 1, NULL), LM_OK);
    lm_gl coef[5], out[256];
    for (size_t i = 0; i < 5; i++)
        coef[i] = rand_gl();
    lm_gl s = 12345, w = root(8);
    lm_ntt_coset_eval(&ctx, out, 8, coef, 5, s, LM_NTT_BITREV);
    for (size_t i = 0; i < 256; i++)
        assert_true(out[lm_ntt_bitrev(i, 8)] == horner(coef, 5, lm_gl_mul(s, lm_gl_pow(w, i))));
    lm_ntt_coset_eval(&ctx, out, 8, coef, 5, s, LM_NTT_NATURAL);
    for (size_t i = 0; i < 256; i++)
        assert_true(out[i] == horner(coef, 5, lm_gl_mul(s, lm_gl_pow(w, i))));
    lm_ntt_ctx_free(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctx_init),     cmocka_unit_test(test_bit_reverse),
        cmocka_unit_test(test_forward_vs_direct), cmocka_unit_test(test_roundtrip_threads),
        cmocka_unit_test(test_lde),          cmocka_unit_test(test_batch),
        cmocka_unit_test(test_coset_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
