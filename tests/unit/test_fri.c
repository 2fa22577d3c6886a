/* Unit tests for FRI (include/lamina/fri.h, src/stark/fri.c): honest proofs
 * verify at several sizes and parameters, the opened layer-0 values are the
 * input's, too-high degrees are rejected, the encoding round-trips, and a
 * flipped byte anywhere in an encoded proof is rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/fri.h"

#include "../test_rng.h"

static uint64_t rng_state = 0xa4093822299f31d0ull;
static uint64_t rng_next(void) { return xorshift64s(&rng_state); }

#define LABEL "lamina-fri-test"
static void start(lm_transcript *t) { lm_transcript_init(t, (const uint8_t *)LABEL, strlen(LABEL)); }

/* f with ncoef random coefficients, evaluated on s * H_N in bit-reversed
 * order (each extension component is a base-field polynomial). */
static lm_gl3 last_coef[1024]; /* the coefficients of the last rand_evals, when ncoef <= 1024 */

static lm_gl3 *rand_evals(const lm_ntt_ctx *ctx, unsigned log_n, size_t ncoef)
{
    size_t N = (size_t)1 << log_n;
    lm_gl3 *ev = malloc(N * sizeof *ev);
    lm_gl *coef = malloc((ncoef + 1) * sizeof *coef), *col = malloc(N * sizeof *col);
    assert_non_null(ev);
    assert_non_null(coef);
    assert_non_null(col);
    for (int c = 0; c < 3; c++) {
        for (size_t k = 0; k < ncoef; k++)
            coef[k] = lm_gl_from_u64(rng_next());
        if (ncoef > 0 && coef[ncoef - 1] == 0)
            coef[ncoef - 1] = 1; /* exactly degree ncoef - 1 */
        for (size_t k = 0; k < ncoef && k < 1024; k++)
            last_coef[k].c[c] = coef[k];
        lm_ntt_coset_eval(ctx, col, log_n, coef, ncoef, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
        for (size_t i = 0; i < N; i++)
            ev[i].c[c] = col[i];
    }
    free(coef);
    free(col);
    return ev;
}

typedef struct run {
    lm_fri_params fp;
    unsigned log_n;
    lm_fri_proof proof;
    lm_gl3 *ev;
    size_t q[LM_FRI_MAX_QUERIES];
} run;

static void prove(run *r, const lm_ntt_ctx *ctx, size_t ncoef, unsigned threads)
{
    r->ev = rand_evals(ctx, r->log_n, ncoef);
    lm_transcript t;
    start(&t);
    lm_err err;
    int rc = lm_fri_prove(&r->fp, ctx, &t, r->ev, r->log_n, threads, &r->proof, r->q, &err);
    if (rc != LM_OK)
        fail_msg("prove: %s", err.msg);
}

static int verify(const run *r, const lm_fri_proof *proof, lm_err *err)
{
    lm_transcript t;
    start(&t);
    return lm_fri_verify(&r->fp, &t, proof, r->log_n, NULL, NULL, err);
}

static void run_free(run *r)
{
    lm_fri_proof_free(&r->proof);
    free(r->ev);
}

static void test_honest(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 14, 2, NULL), LM_OK);
    static const struct {
        unsigned log_n, log_blowup, log_final, queries, pow;
    } cases[] = {
        {1, 1, 0, 1, 0},  {3, 1, 0, 4, 0},  {6, 1, 0, 8, 1},  {8, 2, 1, 16, 4}, {10, 3, 2, 20, 8},
        {12, 1, 3, 30, 6}, {14, 3, 4, 27, 5}, {5, 2, 5, 10, 0}, /* the last: no folding (r = 0) */
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        run r = {.fp = {cases[ci].log_blowup, cases[ci].log_final, cases[ci].queries, cases[ci].pow},
                 .log_n = cases[ci].log_n};
        size_t D = (size_t)1 << (r.log_n - r.fp.log_blowup);
        prove(&r, &ctx, D, (unsigned)(ci % 2) + 1);
        lm_transcript t, t2;
        start(&t);
        size_t vq[LM_FRI_MAX_QUERIES];
        lm_gl3 first[LM_FRI_MAX_QUERIES];
        lm_err err;
        int rc = lm_fri_verify(&r.fp, &t, &r.proof, r.log_n, vq, first, &err);
        if (rc != LM_OK)
            fail_msg("case %zu: %s", ci, err.msg);
        /* the verifier's queries are the prover's, and layer 0 opens f there */
        for (unsigned k = 0; k < r.fp.num_queries; k++) {
            assert_int_equal(vq[k], r.q[k]);
            assert_true(lm_gl3_eq(first[k], r.ev[vq[k]]));
        }
        /* both transcripts end in the same state */
        start(&t2);
        lm_fri_proof p2;
        assert_int_equal(lm_fri_prove(&r.fp, &ctx, &t2, r.ev, r.log_n, 1, &p2, NULL, NULL), LM_OK);
        assert_true(lm_transcript_squeeze(&t) == lm_transcript_squeeze(&t2));
        assert_int_equal(lm_fri_num_layers(&r.fp, r.log_n), r.proof.n_layers);
        /* proofs do not depend on the thread count */
        size_t n1 = lm_fri_proof_size(&r.proof), n2 = lm_fri_proof_size(&p2), len;
        assert_int_equal(n1, n2);
        uint8_t *b1 = malloc(n1), *b2 = malloc(n2);
        assert_int_equal(lm_fri_proof_write(b1, n1, &len, &r.proof, NULL), LM_OK);
        assert_int_equal(len, n1);
        assert_int_equal(lm_fri_proof_write(b2, n2, &len, &p2, NULL), LM_OK);
        assert_memory_equal(b1, b2, n1);
        /* decode, verify, re-encode */
        lm_fri_proof p3;
        assert_int_equal(lm_fri_proof_read(&p3, &r.fp, r.log_n, b1, n1, &err), LM_OK);
        assert_int_equal(verify(&r, &p3, &err), LM_OK);
        assert_int_equal(lm_fri_proof_write(b2, n2, &len, &p3, NULL), LM_OK);
        assert_memory_equal(b1, b2, n1);
        /* another transcript start rejects */
        lm_transcript o;
        lm_transcript_init(&o, (const uint8_t *)"other", 5);
        if (r.proof.n_layers > 0)
            assert_int_not_equal(lm_fri_verify(&r.fp, &o, &r.proof, r.log_n, NULL, NULL, &err), LM_OK);
        /* smaller polynomials pass too */
        free(b1);
        free(b2);
        lm_fri_proof_free(&p2);
        lm_fri_proof_free(&p3);
        run_free(&r);
        run small = {.fp = r.fp, .log_n = r.log_n};
        prove(&small, &ctx, D / 2 + 1, 2);
        assert_int_equal(verify(&small, &small.proof, &err), LM_OK);
        run_free(&small);
    }
    lm_ntt_ctx_free(&ctx);
}

/* Degree D (one too many coefficients) and 2D, 4D, N: rejected. At degree
 * exactly D the top coefficient survives every fold unchanged (D is even),
 * so the final check fails at every query, whatever the challenges. */
static void test_high_degree(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 12, 1, NULL), LM_OK);
    const unsigned log_ns[] = {6, 9, 12};
    for (size_t li = 0; li < 3; li++) {
        lm_fri_params fp = {2, 1, 12, 0};
        unsigned log_n = log_ns[li];
        size_t D = (size_t)1 << (log_n - 2);
        const size_t ncoefs[] = {D + 1, 2 * D, 3 * D, 4 * D};
        for (size_t k = 0; k < 4; k++) {
            run r = {.fp = fp, .log_n = log_n};
            prove(&r, &ctx, ncoefs[k], 1);
            lm_err err;
            assert_int_equal(verify(&r, &r.proof, &err), LM_ECRYPTO);
            run_free(&r);
        }
    }
    lm_ntt_ctx_free(&ctx);
}

/* Every single-bit flip, and a whole-byte flip, of every byte of an encoded
 * proof is rejected by the decoder or the verifier. */
static void test_flip_every_byte(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 8, 1, NULL), LM_OK);
    run r = {.fp = {2, 1, 4, 3}, .log_n = 7};
    prove(&r, &ctx, (size_t)1 << 5, 1);
    size_t n = lm_fri_proof_size(&r.proof), len;
    uint8_t *b = malloc(n);
    assert_non_null(b);
    assert_int_equal(lm_fri_proof_write(b, n, &len, &r.proof, NULL), LM_OK);
    lm_err err;
    const uint8_t masks[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < 3; m++) {
            b[i] ^= masks[m];
            lm_fri_proof p;
            int rc = lm_fri_proof_read(&p, &r.fp, r.log_n, b, n, &err);
            if (rc == LM_OK) {
                rc = verify(&r, &p, &err);
                lm_fri_proof_free(&p);
            }
            if (rc == LM_OK)
                fail_msg("flip 0x%02x at byte %zu of %zu accepted", masks[m], i, n);
            b[i] ^= masks[m];
        }
    /* truncation and trailing bytes */
    lm_fri_proof p;
    for (size_t cut = 0; cut < n; cut += 7)
        assert_int_not_equal(lm_fri_proof_read(&p, &r.fp, r.log_n, b, cut, &err), LM_OK);
    uint8_t *longer = malloc(n + 1);
    assert_non_null(longer);
    memcpy(longer, b, n);
    longer[n] = 0;
    assert_int_equal(lm_fri_proof_read(&p, &r.fp, r.log_n, longer, n + 1, &err), LM_ETRAILING);
    /* the wrong parameters for this proof */
    lm_fri_params other = r.fp;
    other.log_final_len = 2;
    assert_int_equal(lm_fri_proof_read(&p, &other, r.log_n, b, n, &err), LM_EINVAL);
    other = r.fp;
    other.num_queries = 5; /* same shape, other transcript use */
    if (lm_fri_proof_read(&p, &other, r.log_n, b, n, &err) == LM_OK) {
        lm_transcript t;
        start(&t);
        assert_int_not_equal(lm_fri_verify(&other, &t, &p, r.log_n, NULL, NULL, &err), LM_OK);
        lm_fri_proof_free(&p);
    }
    assert_int_equal(lm_fri_proof_write(b, n - 1, &len, &r.proof, &err), LM_ESPACE);
    free(longer);
    free(b);
    run_free(&r);
    lm_ntt_ctx_free(&ctx);
}

/* In-memory tampering the encoder would not produce: non-canonical values
 * and wrong counts. */
static void test_tamper_in_memory(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 10, 1, NULL), LM_OK);
    run r = {.fp = {1, 0, 8, 2}, .log_n = 9};
    prove(&r, &ctx, (size_t)1 << 8, 1);
    lm_err err;
    assert_int_equal(verify(&r, &r.proof, &err), LM_OK);
    lm_fri_layer *ly = &r.proof.layers[2];
    lm_gl keep = ly->rows[1].c[2];
    ly->rows[1].c[2] = LM_GL_P + 3; /* = 3 + p: hashes like 3 but is not canonical */
    assert_int_equal(verify(&r, &r.proof, &err), LM_ENONCANON);
    ly->rows[1].c[2] = keep;
    size_t n_rows = ly->n_rows;
    ly->n_rows = n_rows - 1;
    assert_int_equal(verify(&r, &r.proof, &err), LM_ECRYPTO);
    ly->n_rows = n_rows;
    r.proof.final_len++;
    assert_int_equal(verify(&r, &r.proof, &err), LM_ECRYPTO);
    r.proof.final_len--;
    r.proof.pow_nonce = LM_GL_P;
    assert_int_not_equal(verify(&r, &r.proof, &err), LM_OK);
    run_free(&r);
    lm_ntt_ctx_free(&ctx);
}

/* The final polynomial equals the input folded on its coefficients:
 * f = f_e(x^2) + x f_o(x^2) -> f_e + beta f_o, with the betas replayed from
 * the transcript (absorb root_i, squeeze beta_i). This pins the folding
 * formula (docs/stark.md) that a Solidity verifier must repeat. */
static void test_final_poly_is_coefficient_fold(void **state)
{
    (void)state;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 10, 1, NULL), LM_OK);
    run r = {.fp = {1, 2, 4, 0}, .log_n = 10};
    size_t D = 512;
    prove(&r, &ctx, D, 1);
    lm_gl3 *f = malloc(D * sizeof *f);
    assert_non_null(f);
    memcpy(f, last_coef, D * sizeof *f);
    lm_transcript t;
    start(&t);
    size_t len = D;
    for (unsigned i = 0; i < r.proof.n_layers; i++) {
        lm_transcript_absorb_digest(&t, r.proof.layers[i].root.e);
        lm_gl3 beta = lm_transcript_squeeze_gl3(&t);
        for (size_t k = 0; k < len / 2; k++)
            f[k] = lm_gl3_add(f[2 * k], lm_gl3_mul(beta, f[2 * k + 1]));
        len /= 2;
    }
    assert_int_equal(len, 4);
    assert_int_equal(r.proof.final_len, 4);
    assert_memory_equal(r.proof.final_poly, f, 4 * sizeof *f);
    free(f);
    run_free(&r);
    lm_ntt_ctx_free(&ctx);
}

static void test_params(void **state)
{
    (void)state;
    lm_err err;
    lm_fri_params fp = {1, 0, 10, 0};
    assert_int_equal(lm_fri_params_check(&fp, 10, &err), LM_OK);
    assert_int_equal(lm_fri_params_check(&fp, 0, &err), LM_EINVAL);
    assert_int_equal(lm_fri_params_check(&fp, LM_FRI_MAX_LOG_N + 1, &err), LM_EINVAL);
    fp.log_blowup = 0;
    assert_int_equal(lm_fri_params_check(&fp, 10, &err), LM_EINVAL);
    fp = (lm_fri_params){1, 0, 0, 0};
    assert_int_equal(lm_fri_params_check(&fp, 10, &err), LM_EINVAL);
    fp = (lm_fri_params){1, 0, LM_FRI_MAX_QUERIES + 1, 0};
    assert_int_equal(lm_fri_params_check(&fp, 10, &err), LM_EINVAL);
    fp = (lm_fri_params){1, 0, 1, LM_TRANSCRIPT_MAX_POW_BITS + 1};
    assert_int_equal(lm_fri_params_check(&fp, 10, &err), LM_EINVAL);
    fp = (lm_fri_params){2, 3, 1, 0};
    assert_int_equal(lm_fri_num_layers(&fp, 10), 5); /* degree 2^8 -> 2^3 */
    assert_int_equal(lm_fri_num_layers(&fp, 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params),        cmocka_unit_test(test_honest),
        cmocka_unit_test(test_high_degree),   cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_tamper_in_memory), cmocka_unit_test(test_final_poly_is_coefficient_fold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
