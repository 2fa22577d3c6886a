/* The prover's vector paths (lm_stark_set_impl: scalar, AVX2, AVX-512)
 * against each other and against the plain definitions: every path must
 * give the same values, and the same proof bytes (include/lamina/stark.h,
 * src/stark/lanes.h).
 *
 * - NTTs: every transform under every implementation equals the scalar
 *   one on random inputs (edge values 0, 1, p - 1 mixed in), and the coset
 *   evaluation of zero-padded coefficients (the block path of
 *   lm_ntt_coset_eval) equals Horner's rule at each point for many lengths;
 * - AIRs: lm_air.eval_rows equals lm_air.eval on lifted rows, row by row,
 *   for the Poseidon2 gadget, the hash chain and the state-update AIR, on
 *   random rows (every constraint non-zero) and on honest ones (all zero);
 * - proofs: the hash chain, a random (unsatisfying, proven with
 *   .unchecked) chain trace, a generic AIR without eval_rows and a state
 *   update give the same bytes under every implementation and thread count.
 * Paths this CPU lacks are skipped (lm_stark_set_impl refuses them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/air_poseidon2.h"
#include "lamina/air_state.h"
#include "lamina/ntt.h"
#include "lamina/stark.h"
#include "lamina/stark_params.h"

#include "../test_rng.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* Mostly uniform canonical values, with 0, 1, p - 1 and 2^32 mixed in. */
static lm_gl rand_gl(void)
{
    uint64_t r = xorshift64s(&rng_state);
    switch (r & 15) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return LM_GL_P - 1;
    case 3:
        return (lm_gl)1 << 32;
    default:
        return lm_gl_from_u64(xorshift64s(&rng_state));
    }
}

static lm_gl *alloc_gl(size_t n)
{
    lm_gl *a = malloc((n ? n : 1) * sizeof(lm_gl));
    assert_non_null(a);
    return a;
}

static const lm_p2_impl k_impls[] = {LM_P2_IMPL_SCALAR, LM_P2_IMPL_AVX2, LM_P2_IMPL_AVX512};
enum { N_IMPLS = 3 };

/* Selects impl; returns false when this CPU lacks it. */
static bool use_(lm_p2_impl impl)
{
    if (!lm_stark_set_impl(impl))
        return false;
    if (impl != LM_P2_IMPL_AUTO)
        assert_int_equal(lm_stark_impl(), impl);
    return true;
}

static void test_impl_knob(void **state)
{
    (void)state;
    assert_int_not_equal(lm_stark_impl(), LM_P2_IMPL_AUTO);
    assert_true(lm_stark_set_impl(LM_P2_IMPL_SCALAR));
    assert_int_equal(lm_stark_impl(), LM_P2_IMPL_SCALAR);
    assert_true(lm_stark_set_impl(LM_P2_IMPL_AUTO));
    assert_int_not_equal(lm_stark_impl(), LM_P2_IMPL_AUTO);
    assert_false(lm_stark_set_impl((lm_p2_impl)42));
}

/* ---- NTTs ------------------------------------------------------------------------- */

static lm_gl horner_(const lm_gl *c, size_t n, lm_gl x)
{
    lm_gl r = 0;
    for (size_t k = n; k-- > 0;)
        r = lm_gl_add(lm_gl_mul(r, x), c[k]);
    return r;
}

/* Runs every transform on copies of in (2^log_n values) and writes the
 * concatenated results to out (7 * 2^log_n + lde sizes). */
static void all_transforms_(lm_gl *out, const lm_gl *in, unsigned log_n, unsigned threads)
{
    size_t n = (size_t)1 << log_n;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, log_n + 3, threads, NULL), LM_OK);
    lm_gl *o = out;
    memcpy(o, in, n * sizeof *o);
    lm_ntt_forward_nr(&ctx, o, log_n);
    o += n;
    memcpy(o, in, n * sizeof *o);
    lm_ntt_inverse_rn(&ctx, o, log_n);
    o += n;
    memcpy(o, in, n * sizeof *o);
    lm_ntt_forward(&ctx, o, log_n);
    o += n;
    memcpy(o, in, n * sizeof *o);
    lm_ntt_inverse(&ctx, o, log_n);
    o += n;
    memcpy(o, in, n * sizeof *o);
    lm_ntt_coset_interpolate(&ctx, o, log_n, LM_NTT_COSET_SHIFT, LM_NTT_NATURAL);
    o += n;
    memcpy(o, in, n * sizeof *o);
    lm_ntt_coset_interpolate(&ctx, o, log_n, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
    o += n;
    /* three columns, blowup 8, both orders */
    const lm_gl *ins[3] = {in, in, in};
    lm_gl *outs[3];
    for (int order = 0; order < 2; order++) {
        for (int c = 0; c < 3; c++)
            outs[c] = o + (size_t)c * 8 * n;
        lm_ntt_lde_batch(&ctx, outs, ins, 3, log_n, 3, LM_NTT_COSET_SHIFT, (lm_ntt_order)order);
        o += 3 * 8 * n;
    }
    lm_ntt_ctx_free(&ctx);
}

static void test_ntt_paths(void **state)
{
    (void)state;
    for (unsigned log_n = 0; log_n <= 14; log_n += (log_n < 6 ? 1 : 4)) {
        size_t n = (size_t)1 << log_n, total = 6 * n + 2 * 3 * 8 * n;
        lm_gl *in = alloc_gl(n), *ref = alloc_gl(total), *got = alloc_gl(total);
        for (size_t i = 0; i < n; i++)
            in[i] = rand_gl();
        assert_true(use_(LM_P2_IMPL_SCALAR));
        all_transforms_(ref, in, log_n, 1);
        for (int k = 0; k < N_IMPLS; k++) {
            if (!use_(k_impls[k]))
                continue;
            for (unsigned threads = 1; threads <= 2; threads++) {
                all_transforms_(got, in, log_n, threads);
                assert_memory_equal(got, ref, total * sizeof *ref);
            }
        }
        free(in);
        free(ref);
        free(got);
    }
    assert_true(use_(LM_P2_IMPL_AUTO));
}

/* lm_ntt_coset_eval for many coefficient counts n (the block path for
 * n <= N/2, the plain one above), against Horner at s w_N^i. */
static void test_coset_eval_lengths(void **state)
{
    (void)state;
    const unsigned log_N = 9;
    const size_t N = (size_t)1 << log_N;
    const size_t lens[] = {0, 1, 2, 3, 7, 8, 9, 63, 64, 65, 128, 255, 256, 257, 300, 511, 512};
    lm_gl w, s = LM_NTT_COSET_SHIFT;
    assert_true(lm_gl_root_of_unity(&w, log_N));
    lm_gl *coef = alloc_gl(N), *out = alloc_gl(N), *want = alloc_gl(N);
    for (size_t i = 0; i < N; i++)
        coef[i] = rand_gl();
    for (int k = 0; k < N_IMPLS; k++) {
        if (!use_(k_impls[k]))
            continue;
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            lm_gl x = s;
            for (size_t i = 0; i < N; i++, x = lm_gl_mul(x, w))
                want[i] = horner_(coef, n, x);
            for (unsigned threads = 1; threads <= 2; threads++) {
                lm_ntt_ctx ctx;
                assert_int_equal(lm_ntt_ctx_init(&ctx, log_N + 1, threads, NULL), LM_OK);
                lm_ntt_coset_eval(&ctx, out, log_N, coef, n, s, LM_NTT_NATURAL);
                assert_memory_equal(out, want, N * sizeof *out);
                lm_ntt_coset_eval(&ctx, out, log_N, coef, n, s, LM_NTT_BITREV);
                for (size_t i = 0; i < N; i++)
                    assert_true(out[lm_ntt_bitrev(i, log_N)] == want[i]);
                lm_ntt_ctx_free(&ctx);
            }
        }
    }
    assert_true(use_(LM_P2_IMPL_AUTO));
    free(coef);
    free(out);
    free(want);
}

/* ---- AIRs ------------------------------------------------------------------------- */

/* air->eval_rows on LM_AIR_ROWS row pairs equals air->eval on each pair
 * lifted into K, under every implementation. cur, next: lane-interleaved
 * rows (width * LM_AIR_ROWS); per: periodic values (n_periodic *
 * LM_AIR_ROWS) or NULL. Returns: how many constraint values were non-zero. */
static size_t check_rows_(const lm_air *air, const lm_gl *cur, const lm_gl *next, const lm_gl *per)
{
    const size_t R = LM_AIR_ROWS;
    unsigned w = air->width, nc = air->n_constraints, np = air->n_periodic;
    lm_gl3 *c3 = malloc((2 * w + np + nc) * sizeof *c3), *n3 = c3 + w, *p3 = n3 + w, *t3 = p3 + np;
    lm_gl *t = alloc_gl(nc * R);
    assert_non_null(c3);
    size_t nonzero = 0;
    for (int k = 0; k < N_IMPLS; k++) {
        if (!use_(k_impls[k]))
            continue;
        memset(t, 0xa5, nc * R * sizeof *t);
        air->eval_rows(air->ctx, t, cur, next, per);
        for (size_t l = 0; l < R; l++) {
            for (unsigned c = 0; c < w; c++) {
                c3[c] = lm_gl3_from_base(cur[c * R + l]);
                n3[c] = lm_gl3_from_base(next[c * R + l]);
            }
            for (unsigned j = 0; j < np; j++)
                p3[j] = lm_gl3_from_base(per[j * R + l]);
            air->eval(air->ctx, t3, c3, n3, np > 0 ? p3 : NULL);
            for (unsigned j = 0; j < nc; j++) {
                assert_true(lm_gl3_eq(t3[j], lm_gl3_from_base(t[j * R + l])));
                nonzero += t[j * R + l] != 0;
            }
        }
    }
    assert_true(use_(LM_P2_IMPL_AUTO));
    free(c3);
    free(t);
    return nonzero;
}

static void test_p2_gadget_rows(void **state)
{
    (void)state;
    const size_t R = LM_AIR_ROWS, C = LM_P2AIR_COLS;
    lm_gl *rows = alloc_gl(C * R), *one = alloc_gl(C), *t = alloc_gl(LM_P2AIR_CONSTRAINTS * R);
    lm_gl o[LM_P2AIR_CONSTRAINTS];
    for (int honest = 0; honest < 2; honest++)
        for (int rep = 0; rep < 4; rep++) {
            for (size_t l = 0; l < R; l++) {
                if (honest) {
                    lm_gl in[LM_P2_WIDTH];
                    for (int i = 0; i < LM_P2_WIDTH; i++)
                        in[i] = rand_gl();
                    lm_p2air_fill(rows + l, R, 0, NULL, in);
                } else
                    for (size_t c = 0; c < C; c++)
                        rows[c * R + l] = rand_gl();
            }
            for (int k = 0; k < N_IMPLS; k++) {
                if (!use_(k_impls[k]))
                    continue;
                lm_p2air_eval_rows(t, rows, rows + LM_P2AIR_COL_FULL_BEGIN * R);
                for (size_t l = 0; l < R; l++) {
                    for (size_t c = 0; c < C; c++)
                        one[c] = rows[c * R + l];
                    assert_int_equal(lm_p2air_eval_base(o, one), LM_P2AIR_CONSTRAINTS);
                    for (size_t j = 0; j < LM_P2AIR_CONSTRAINTS; j++) {
                        assert_true(t[j * R + l] == o[j]);
                        if (honest)
                            assert_true(o[j] == 0);
                    }
                }
            }
        }
    assert_true(use_(LM_P2_IMPL_AUTO));
    free(rows);
    free(one);
    free(t);
}

static void test_chain_rows(void **state)
{
    (void)state;
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned log_h;
    lm_gl x0[LM_P2_WIDTH] = {0}, xn[LM_P2_WIDTH] = {0};
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &log_h, 5, x0, xn, NULL), LM_OK);
    assert_non_null(air.eval_rows);
    const size_t R = LM_AIR_ROWS, w = air.width;
    lm_gl *cur = alloc_gl(w * R), *next = alloc_gl(w * R);
    for (int rep = 0; rep < 4; rep++) {
        for (size_t i = 0; i < w * R; i++) {
            cur[i] = rand_gl();
            next[i] = rand_gl();
        }
        assert_true(check_rows_(&air, cur, next, NULL) > 0);
    }
    /* honest pairs: rows i, i + 1 of a chain trace */
    size_t h = 16;
    lm_gl *trace = alloc_gl(w * h);
    lm_p2air_chain_trace(trace, xn, x0, 9, 4);
    for (size_t l = 0; l < R; l++)
        for (size_t c = 0; c < w; c++) {
            cur[c * R + l] = trace[c * h + l];
            next[c * R + l] = trace[c * h + l + 1];
        }
    assert_int_equal(check_rows_(&air, cur, next, NULL), 0);
    free(trace);
    free(cur);
    free(next);
}

static void test_state_rows(void **state)
{
    (void)state;
    lm_stateair_statement st = {.n_updates = 1};
    lm_air air;
    lm_air_boundary bnd[LM_STATEAIR_BOUNDARY];
    unsigned log_h;
    assert_int_equal(lm_stateair_air(&air, bnd, &log_h, &st, NULL), LM_OK);
    assert_non_null(air.eval_rows);
    const size_t R = LM_AIR_ROWS, w = air.width, np = air.n_periodic;
    lm_gl *cur = alloc_gl(w * R), *next = alloc_gl(w * R), *per = alloc_gl(np * R);
    for (int rep = 0; rep < 4; rep++) {
        for (size_t i = 0; i < w * R; i++) {
            cur[i] = rand_gl();
            next[i] = rand_gl();
        }
        /* the selectors as 0/1 (as on the trace domain) and as any value (as on the LDE) */
        for (size_t i = 0; i < np * R; i++)
            per[i] = rep < 2 ? (xorshift64s(&rng_state) & 1) : rand_gl();
        assert_true(check_rows_(&air, cur, next, per) > 0);
    }
    free(cur);
    free(next);
    free(per);
}

/* ---- proofs ------------------------------------------------------------------------- */

/* Encodes *p and frees it; the first encoding becomes *ref, every later
 * one must equal it. */
static void same_as_ref_(lm_stark_proof *p, uint8_t **ref, size_t *ref_len)
{
    size_t cap = lm_stark_proof_size(p), len;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    assert_int_equal(lm_stark_proof_write(b, cap, &len, p, NULL), LM_OK);
    lm_stark_proof_free(p);
    if (*ref == NULL) {
        *ref = b;
        *ref_len = len;
        return;
    }
    assert_int_equal(len, *ref_len);
    assert_memory_equal(b, *ref, len);
    free(b);
}

/* Proves air on cols under every implementation and 1, 2 threads; all
 * encodings must be equal. */
static void same_proofs_(const lm_air *air, const lm_fri_params *fp, const lm_gl *const *cols, unsigned log_h,
                         bool unchecked)
{
    uint8_t *ref = NULL;
    size_t ref_len = 0;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, log_h + fp->log_blowup, 2, NULL), LM_OK);
    for (int k = 0; k < N_IMPLS; k++) {
        if (!use_(k_impls[k]))
            continue;
        for (unsigned threads = 1; threads <= 2; threads++) {
            lm_stark_opts opts = {.threads = threads, .unchecked = unchecked};
            lm_stark_proof p;
            lm_err err;
            assert_int_equal(lm_stark_prove(air, fp, &ctx, cols, log_h, &opts, &p, &err), LM_OK);
            if (!unchecked)
                assert_int_equal(lm_stark_verify(air, fp, log_h, &p, &err), LM_OK);
            same_as_ref_(&p, &ref, &ref_len);
        }
    }
    assert_true(use_(LM_P2_IMPL_AUTO));
    lm_ntt_ctx_free(&ctx);
    free(ref);
}

/* Small FRI parameters: the paths, not the security, are under test. */
static const lm_fri_params k_fp = {.log_blowup = 3, .log_final_len = 2, .num_queries = 8, .pow_bits = 2};

static void test_chain_proofs(void **state)
{
    (void)state;
    const unsigned log_h = 7;
    const size_t h = (size_t)1 << log_h;
    const uint64_t n = h - 1;
    lm_gl x0[LM_P2_WIDTH], xn[LM_P2_WIDTH];
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x0[i] = rand_gl();
    lm_gl *trace = alloc_gl((size_t)LM_P2AIR_CHAIN_WIDTH * h);
    const lm_gl *cols[LM_P2AIR_CHAIN_WIDTH];
    for (unsigned c = 0; c < LM_P2AIR_CHAIN_WIDTH; c++)
        cols[c] = trace + (size_t)c * h;
    lm_p2air_chain_trace(trace, xn, x0, n, log_h);
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned lh;
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, n, x0, xn, NULL), LM_OK);
    assert_int_equal(lh, log_h);
    same_proofs_(&air, &k_fp, cols, log_h, false);
    /* a random trace: every constraint and boundary term non-zero */
    for (size_t i = 0; i < (size_t)LM_P2AIR_CHAIN_WIDTH * h; i++)
        trace[i] = rand_gl();
    same_proofs_(&air, &k_fp, cols, log_h, true);
    /* the same AIR without eval_rows: the generic path */
    air.eval_rows = NULL;
    same_proofs_(&air, &k_fp, cols, log_h, true);
    free(trace);
}

/* A row-sum AIR of degree 3 with a periodic column, no eval_rows:
 * next[0] = cur[0]^3 + cur[1] * per[0]. */
static void cubic_eval_(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    lm_gl3 c2 = lm_gl3_mul(cur[0], cur[0]);
    out[0] = lm_gl3_sub(next[0], lm_gl3_add(lm_gl3_mul(c2, cur[0]), lm_gl3_mul(cur[1], per[0])));
    out[1] = lm_gl3_sub(next[1], cur[1]);
}

static void test_generic_proofs(void **state)
{
    (void)state;
    /* sizes around the lane width: N = 8 h from 16 up */
    for (unsigned log_h = 1; log_h <= 6; log_h++) {
        size_t h = (size_t)1 << log_h;
        lm_gl *trace = alloc_gl(2 * h), pv[2] = {rand_gl(), rand_gl()};
        for (size_t i = 0; i < 2 * h; i++)
            trace[i] = rand_gl();
        const lm_gl *cols[2] = {trace, trace + h};
        lm_air_periodic per = {1, pv};
        lm_air_boundary bnd[3] = {{0, 0, trace[0]}, {1, h - 1, trace[2 * h - 1]}, {1, 0, rand_gl()}};
        lm_air air = {.name = "cubic", .width = 2, .n_constraints = 2, .degree = 3, .eval = cubic_eval_,
                      .boundary = bnd, .n_boundary = 3, .periodic = &per, .n_periodic = 1};
        lm_fri_params fp = {.log_blowup = 3, .log_final_len = 0, .num_queries = 4, .pow_bits = 1};
        same_proofs_(&air, &fp, cols, log_h, true);
        free(trace);
    }
}

static void test_state_proofs(void **state)
{
    (void)state;
    /* one update at index 5 of an all-zero tree of depth 32 */
    lm_stateair_update up = {.index = 5};
    lm_gl (*sib)[LM_STATEAIR_DEPTH][LM_P2_DIGEST] = calloc(1, sizeof *sib);
    assert_non_null(sib);
    lm_gl zero[LM_P2_DIGEST] = {0};
    for (unsigned l = 0; l < LM_STATEAIR_DEPTH; l++) {
        memcpy(sib[0][l], zero, sizeof zero);
        lm_poseidon2_compress(zero, zero, zero);
    }
    for (int j = 0; j < LM_P2_DIGEST; j++)
        up.new_leaf[j] = rand_gl();
    uint8_t *ref = NULL;
    size_t ref_len = 0;
    for (int k = 0; k < N_IMPLS; k++) {
        if (!use_(k_impls[k]))
            continue;
        for (unsigned threads = 1; threads <= 2; threads++) {
            lm_stark_proof p;
            lm_stateair_statement st;
            lm_err err;
            assert_int_equal(lm_stateair_prove(&p, &st, &up, (const lm_gl(*)[LM_STATEAIR_DEPTH][LM_P2_DIGEST])sib, 1,
                                               &k_fp, threads, &err),
                             LM_OK);
            assert_int_equal(lm_stateair_verify(&p, &st, &k_fp, &err), LM_OK);
            same_as_ref_(&p, &ref, &ref_len);
        }
    }
    assert_true(use_(LM_P2_IMPL_AUTO));
    free(ref);
    free(sib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impl_knob),      cmocka_unit_test(test_ntt_paths),
        cmocka_unit_test(test_coset_eval_lengths), cmocka_unit_test(test_p2_gadget_rows),
        cmocka_unit_test(test_chain_rows),     cmocka_unit_test(test_state_rows),
        cmocka_unit_test(test_chain_proofs),   cmocka_unit_test(test_generic_proofs),
        cmocka_unit_test(test_state_proofs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
