/* Unit tests for the STARK prover and verifier (include/lamina/stark.h,
 * src/stark/stark.c) on small AIRs: Fibonacci (degree 1), a cubic round
 * function (degree 3, two composition segments), a boundary-only AIR and a
 * counter with periodic columns (a block selector and round constants).
 * Honest proofs verify; wrong statements, bad traces and every tampered
 * proof element are rejected. The committed fuzz seeds (which the Python
 * model verifies) are regenerated here and must match byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/stark.h"

#include "../proof_file.h"

/* ---- AIRs ---------------------------------------------------------------------- */

/* Fibonacci: a' = b, b' = a + b. */
static void fib_eval(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    (void)per;
    out[0] = lm_gl3_sub(next[0], cur[1]);
    out[1] = lm_gl3_sub(next[1], lm_gl3_add(cur[0], cur[1]));
}

/* Cube: x' = x^3 + k, k' = k. */
static void cube_eval(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    (void)per;
    lm_gl3 x3 = lm_gl3_mul(lm_gl3_square(cur[0]), cur[0]);
    out[0] = lm_gl3_sub(next[0], lm_gl3_add(x3, cur[1]));
    out[1] = lm_gl3_sub(next[1], cur[1]);
}

typedef struct instance {
    lm_air air;
    lm_air_boundary bnd[4];
    lm_gl *cols[2];
    unsigned log_h;
} instance;

static void fib_make(instance *in, unsigned log_h)
{
    size_t h = (size_t)1 << log_h;
    in->log_h = log_h;
    for (int c = 0; c < 2; c++) {
        in->cols[c] = malloc(h * sizeof(lm_gl));
        assert_non_null(in->cols[c]);
    }
    in->cols[0][0] = 1;
    in->cols[1][0] = 1;
    for (size_t i = 0; i + 1 < h; i++) {
        in->cols[0][i + 1] = in->cols[1][i];
        in->cols[1][i + 1] = lm_gl_add(in->cols[0][i], in->cols[1][i]);
    }
    in->bnd[0] = (lm_air_boundary){0, 0, 1};
    in->bnd[1] = (lm_air_boundary){1, 0, 1};
    in->bnd[2] = (lm_air_boundary){1, h - 1, in->cols[1][h - 1]};
    in->air = (lm_air){"fibonacci", 2, 2, 1, fib_eval, NULL, in->bnd, 3, NULL, 0, NULL};
}

static void cube_make(instance *in, unsigned log_h)
{
    size_t h = (size_t)1 << log_h;
    in->log_h = log_h;
    for (int c = 0; c < 2; c++) {
        in->cols[c] = malloc(h * sizeof(lm_gl));
        assert_non_null(in->cols[c]);
    }
    in->cols[0][0] = 3;
    in->cols[1][0] = 5;
    for (size_t i = 0; i + 1 < h; i++) {
        lm_gl x = in->cols[0][i];
        in->cols[0][i + 1] = lm_gl_add(lm_gl_mul(lm_gl_square(x), x), in->cols[1][i]);
        in->cols[1][i + 1] = in->cols[1][i];
    }
    in->bnd[0] = (lm_air_boundary){0, 0, 3};
    in->bnd[1] = (lm_air_boundary){1, 0, 5};
    in->bnd[2] = (lm_air_boundary){0, h - 1, in->cols[0][h - 1]};
    in->air = (lm_air){"cube", 2, 2, 3, cube_eval, NULL, in->bnd, 3, NULL, 0, NULL};
}

/* Periodic counter: c' = (c + 1)(1 - sel), a' = a + k c, with the periodic
 * columns sel (period 8: 1 on the last row of each block of 8, so c counts
 * 0..7 and restarts) and k (period 4: round constants 5, 7, 11, 13).
 * Boundaries c_0 = 0, a_0 = 0, a_(h-1) = the result. Degree 2. The same
 * statement is in tests/fuzz/fuzz_stark_proof.c and the Python model. */
static const lm_gl pc_k[4] = {5, 7, 11, 13};

static void pc_eval(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    lm_gl3 one = lm_gl3_from_base(1);
    out[0] = lm_gl3_sub(next[0], lm_gl3_mul(lm_gl3_add(cur[0], one), lm_gl3_sub(one, per[0])));
    out[1] = lm_gl3_sub(next[1], lm_gl3_add(cur[1], lm_gl3_mul(per[1], cur[0])));
}

typedef struct pc_instance {
    instance in;
    lm_gl sel[8], k[4], extra[2];
    lm_air_periodic per[3];
} pc_instance;

/* sel_row: the row of each block of 8 on which the counter restarts. */
static void pc_make(pc_instance *pi, unsigned log_h, unsigned sel_row)
{
    instance *in = &pi->in;
    size_t h = (size_t)1 << log_h;
    in->log_h = log_h;
    for (int c = 0; c < 2; c++) {
        in->cols[c] = malloc(h * sizeof(lm_gl));
        assert_non_null(in->cols[c]);
    }
    memset(pi->sel, 0, sizeof pi->sel);
    pi->sel[sel_row] = 1;
    memcpy(pi->k, pc_k, sizeof pi->k);
    pi->extra[0] = 17;
    pi->extra[1] = 19;
    in->cols[0][0] = 0;
    in->cols[1][0] = 0;
    for (size_t i = 0; i + 1 < h; i++) {
        in->cols[0][i + 1] = pi->sel[i % 8] ? 0 : in->cols[0][i] + 1;
        in->cols[1][i + 1] = lm_gl_add(in->cols[1][i], lm_gl_mul(pi->k[i % 4], in->cols[0][i]));
    }
    pi->per[0] = (lm_air_periodic){3, pi->sel};
    pi->per[1] = (lm_air_periodic){2, pi->k};
    pi->per[2] = (lm_air_periodic){1, pi->extra}; /* unused by the constraints; used only when n_periodic = 3 */
    in->bnd[0] = (lm_air_boundary){0, 0, 0};
    in->bnd[1] = (lm_air_boundary){1, 0, 0};
    in->bnd[2] = (lm_air_boundary){1, h - 1, in->cols[1][h - 1]};
    in->air = (lm_air){"periodic-counter", 2, 2, 2, pc_eval, NULL, in->bnd, 3, pi->per, 2, NULL};
}

static void instance_free(instance *in)
{
    free(in->cols[0]);
    free(in->cols[1]);
}

static int prove(const instance *in, const lm_fri_params *fp, unsigned threads, bool unchecked, lm_stark_proof *pr,
                 lm_err *err)
{
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, in->log_h + fp->log_blowup, threads, NULL), LM_OK);
    lm_stark_opts o = {threads, unchecked, {{0, 0, 0}}};
    int rc = lm_stark_prove(&in->air, fp, &ctx, (const lm_gl *const *)in->cols, in->log_h, &o, pr, err);
    lm_ntt_ctx_free(&ctx);
    return rc;
}

static void prove_ok(const instance *in, const lm_fri_params *fp, unsigned threads, lm_stark_proof *pr)
{
    lm_err err;
    if (prove(in, fp, threads, false, pr, &err) != LM_OK)
        fail_msg("prove: %s", err.msg);
}

static void verify_ok(const instance *in, const lm_fri_params *fp, const lm_stark_proof *pr)
{
    lm_err err;
    if (lm_stark_verify(&in->air, fp, in->log_h, pr, &err) != LM_OK)
        fail_msg("verify: %s", err.msg);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_fibonacci(void **state)
{
    (void)state;
    static const struct {
        unsigned log_h;
        lm_fri_params fp;
    } cases[] = {
        {1, {1, 0, 4, 0}}, {2, {1, 0, 8, 1}}, {3, {2, 1, 12, 2}}, {6, {3, 2, 16, 3}}, {9, {1, 3, 20, 4}},
        {12, {3, 3, 24, 4}},
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        instance in;
        fib_make(&in, cases[ci].log_h);
        lm_stark_proof p1, p2;
        prove_ok(&in, &cases[ci].fp, 1, &p1);
        verify_ok(&in, &cases[ci].fp, &p1);
        /* the thread count changes nothing */
        prove_ok(&in, &cases[ci].fp, 2, &p2);
        assert_memory_equal(&p1.trace_root, &p2.trace_root, sizeof p1.trace_root);
        assert_memory_equal(&p1.comp_root, &p2.comp_root, sizeof p1.comp_root);
        assert_memory_equal(p1.ood, p2.ood, (2 * 2 + 1) * sizeof(lm_gl3));
        assert_true(p1.fri.pow_nonce == p2.fri.pow_nonce);
        lm_stark_proof_free(&p1);
        lm_stark_proof_free(&p2);
        instance_free(&in);
    }
}

static void test_cube(void **state)
{
    (void)state;
    const lm_fri_params fp = {2, 1, 16, 2};
    for (unsigned log_h = 2; log_h <= 8; log_h += 3) {
        instance in;
        cube_make(&in, log_h);
        assert_int_equal(lm_stark_num_segments(&in.air), 2);
        lm_stark_proof p;
        prove_ok(&in, &fp, 2, &p);
        assert_int_equal(p.n_seg, 2);
        verify_ok(&in, &fp, &p);
        lm_stark_proof_free(&p);
        instance_free(&in);
    }
    /* degree 3 needs blowup >= 3 */
    instance in;
    cube_make(&in, 4);
    lm_stark_proof p;
    lm_err err;
    const lm_fri_params small = {1, 0, 8, 0};
    assert_int_equal(prove(&in, &small, 1, false, &p, &err), LM_EINVAL);
    /* an AIR that understates its degree is caught by the prover */
    in.air.degree = 2;
    const lm_fri_params fp2 = {2, 1, 16, 0};
    assert_int_equal(prove(&in, &fp2, 1, false, &p, &err), LM_EINVAL);
    instance_free(&in);
}

static void test_boundary_only(void **state)
{
    (void)state;
    instance in;
    fib_make(&in, 4);
    in.air.n_constraints = 0;
    in.air.eval = NULL;
    in.air.name = "cells";
    const lm_fri_params fp = {1, 0, 10, 1};
    lm_stark_proof p;
    prove_ok(&in, &fp, 1, &p);
    verify_ok(&in, &fp, &p);
    lm_stark_proof_free(&p);
    instance_free(&in);
}

/* The statement is bound: another output, name, length or parameter set
 * rejects the proof. */
static void test_wrong_statement(void **state)
{
    (void)state;
    instance in;
    fib_make(&in, 5);
    const lm_fri_params fp = {2, 1, 16, 2};
    lm_stark_proof p;
    prove_ok(&in, &fp, 1, &p);
    verify_ok(&in, &fp, &p);
    lm_err err;
    in.bnd[2].value = lm_gl_add(in.bnd[2].value, 1);
    assert_int_equal(lm_stark_verify(&in.air, &fp, 5, &p, &err), LM_ECRYPTO);
    in.bnd[2].value = lm_gl_sub(in.bnd[2].value, 1);
    in.air.name = "fibonacci2";
    assert_int_not_equal(lm_stark_verify(&in.air, &fp, 5, &p, &err), LM_OK);
    in.air.name = "fibonacci";
    assert_int_not_equal(lm_stark_verify(&in.air, &fp, 4, &p, &err), LM_OK);
    lm_fri_params fq = fp;
    fq.num_queries = 15;
    assert_int_not_equal(lm_stark_verify(&in.air, &fq, 5, &p, &err), LM_OK);
    in.air.n_boundary = 2; /* dropping the output claim changes the statement */
    assert_int_not_equal(lm_stark_verify(&in.air, &fp, 5, &p, &err), LM_OK);
    in.air.n_boundary = 3;
    verify_ok(&in, &fp, &p);
    lm_stark_proof_free(&p);
    instance_free(&in);
}

/* A trace that breaks one transition, or a boundary: the prover refuses,
 * and the proof it makes when told to anyway fails. */
static void test_bad_trace(void **state)
{
    (void)state;
    const lm_fri_params fp = {2, 1, 16, 0};
    for (int which = 0; which < 3; which++) {
        instance in;
        fib_make(&in, 6);
        if (which == 0)
            in.cols[0][17] = lm_gl_add(in.cols[0][17], 1); /* breaks rows 16 -> 17 and 17 -> 18 */
        else if (which == 1)
            in.bnd[2].value = lm_gl_add(in.bnd[2].value, 1); /* claims another output */
        else
            in.cols[1][63] = lm_gl_add(in.cols[1][63], 1), in.bnd[2].value = in.cols[1][63]; /* last step wrong */
        lm_stark_proof p;
        lm_err err;
        assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
        assert_int_equal(prove(&in, &fp, 1, true, &p, &err), LM_OK);
        assert_int_equal(lm_stark_verify(&in.air, &fp, 6, &p, &err), LM_ECRYPTO);
        lm_stark_proof_free(&p);
        instance_free(&in);
    }
}

/* FRI on a low-degree function other than the DEEP composition (here
 * DEEP + a constant), with every opening consistent: only the verifier's
 * DEEP-versus-FRI comparison can catch it. */
static void test_fri_on_other_function(void **state)
{
    (void)state;
    instance in;
    fib_make(&in, 5);
    const lm_fri_params fp = {2, 1, 12, 0};
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, 7, 1, NULL), LM_OK);
    lm_stark_opts o = {1, false, {{0, 1, 0}}};
    lm_stark_proof p;
    lm_err err;
    assert_int_equal(lm_stark_prove(&in.air, &fp, &ctx, (const lm_gl *const *)in.cols, 5, &o, &p, &err), LM_OK);
    assert_int_equal(lm_stark_verify(&in.air, &fp, 5, &p, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "DEEP"));
    lm_stark_proof_free(&p);
    lm_ntt_ctx_free(&ctx);
    instance_free(&in);
}

static void flip_each(const instance *in, const lm_fri_params *fp, lm_stark_proof *p, lm_gl *e, size_t n,
                      const char *what)
{
    for (size_t i = 0; i < n; i++) {
        lm_gl keep = e[i];
        e[i] = lm_gl_add(keep, 1);
        lm_err err;
        if (lm_stark_verify(&in->air, fp, in->log_h, p, &err) == LM_OK)
            fail_msg("tampered %s[%zu] accepted", what, i);
        e[i] = LM_GL_P + keep; /* the same value mod p, not canonical */
        if (keep < LM_GL_EPSILON)
            assert_int_equal(lm_stark_verify(&in->air, fp, in->log_h, p, &err), LM_ENONCANON);
        e[i] = keep;
    }
}

static void test_tamper(void **state)
{
    (void)state;
    instance in;
    cube_make(&in, 4);
    const lm_fri_params fp = {2, 1, 6, 1};
    lm_stark_proof p;
    prove_ok(&in, &fp, 1, &p);
    verify_ok(&in, &fp, &p);
    unsigned w = p.width, Q = p.n_seg;
    flip_each(&in, &fp, &p, p.trace_root.e, 4, "trace_root");
    flip_each(&in, &fp, &p, p.comp_root.e, 4, "comp_root");
    flip_each(&in, &fp, &p, (lm_gl *)p.ood, 3 * (2 * (size_t)w + Q), "ood");
    flip_each(&in, &fp, &p, p.trace_rows, p.n_open * w, "trace_rows");
    flip_each(&in, &fp, &p, p.comp_rows, p.n_open * 3 * Q, "comp_rows");
    flip_each(&in, &fp, &p, (lm_gl *)p.trace_sib, 4 * p.n_trace_sib, "trace_sib");
    flip_each(&in, &fp, &p, (lm_gl *)p.comp_sib, 4 * p.n_comp_sib, "comp_sib");
    flip_each(&in, &fp, &p, (lm_gl *)p.fri.final_poly, 3 * p.fri.final_len, "fri.final_poly");
    for (unsigned i = 0; i < p.fri.n_layers; i++) {
        flip_each(&in, &fp, &p, p.fri.layers[i].root.e, 4, "fri.root");
        flip_each(&in, &fp, &p, (lm_gl *)p.fri.layers[i].rows, 6 * p.fri.layers[i].n_rows, "fri.rows");
        flip_each(&in, &fp, &p, (lm_gl *)p.fri.layers[i].sib, 4 * p.fri.layers[i].n_sib, "fri.sib");
    }
    lm_err err;
    p.n_open--;
    assert_int_not_equal(lm_stark_verify(&in.air, &fp, 4, &p, &err), LM_OK);
    p.n_open++;
    p.n_trace_sib--;
    assert_int_not_equal(lm_stark_verify(&in.air, &fp, 4, &p, &err), LM_OK);
    p.n_trace_sib++;
    p.fri.pow_nonce++;
    assert_int_not_equal(lm_stark_verify(&in.air, &fp, 4, &p, &err), LM_OK);
    p.fri.pow_nonce--;
    verify_ok(&in, &fp, &p);
    lm_stark_proof_free(&p);
    instance_free(&in);
}

/* Encoding: round trip, and every byte flipped (bit 0 everywhere, all
 * bits every 5th byte) is rejected by the decoder or the verifier. */
static void test_encoding(void **state)
{
    (void)state;
    instance in;
    fib_make(&in, 3);
    const lm_fri_params fp = {2, 1, 3, 1};
    lm_stark_proof p, r;
    prove_ok(&in, &fp, 1, &p);
    size_t n = lm_stark_proof_size(&p), len;
    uint8_t *b = malloc(n), *b2 = malloc(n);
    assert_non_null(b);
    assert_non_null(b2);
    lm_err err;
    assert_int_equal(lm_stark_proof_write(b, n - 1, &len, &p, &err), LM_ESPACE);
    assert_int_equal(lm_stark_proof_write(b, n, &len, &p, &err), LM_OK);
    assert_int_equal(len, n);
    assert_int_equal(lm_stark_proof_read(&r, &in.air, &fp, 3, b, n, &err), LM_OK);
    verify_ok(&in, &fp, &r);
    assert_int_equal(lm_stark_proof_write(b2, n, &len, &r, &err), LM_OK);
    assert_memory_equal(b, b2, n);
    lm_stark_proof_free(&r);
    for (size_t i = 0; i < n; i++)
        for (int m = 0; m < 2; m++) {
            uint8_t mask = m == 0 ? 0x01 : 0xff;
            if (m == 1 && i % 5 != 0)
                continue;
            b[i] ^= mask;
            int rc = lm_stark_proof_read(&r, &in.air, &fp, 3, b, n, &err);
            if (rc == LM_OK) {
                rc = lm_stark_verify(&in.air, &fp, 3, &r, &err);
                lm_stark_proof_free(&r);
            }
            if (rc == LM_OK)
                fail_msg("flip 0x%02x at byte %zu of %zu accepted", mask, i, n);
            b[i] ^= mask;
        }
    for (size_t cut = 0; cut < n; cut += 11)
        assert_int_not_equal(lm_stark_proof_read(&r, &in.air, &fp, 3, b, cut, &err), LM_OK);
    uint8_t *longer = malloc(n + 1);
    assert_non_null(longer);
    memcpy(longer, b, n);
    longer[n] = 0;
    assert_int_equal(lm_stark_proof_read(&r, &in.air, &fp, 3, longer, n + 1, &err), LM_ETRAILING);
    instance cube;
    cube_make(&cube, 3);
    const lm_fri_params fp4 = {2, 1, 3, 1};
    assert_int_equal(lm_stark_proof_read(&r, &cube.air, &fp4, 3, b, n, &err), LM_EINVAL); /* other shape */
    instance_free(&cube);
    free(longer);
    free(b);
    free(b2);
    lm_stark_proof_free(&p);
    instance_free(&in);
}

static void test_bad_air(void **state)
{
    (void)state;
    instance in;
    fib_make(&in, 3);
    const lm_fri_params fp = {1, 0, 8, 0};
    lm_stark_proof p;
    lm_err err;
    in.bnd[0].col = 2;
    assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
    in.bnd[0].col = 0;
    in.bnd[0].row = 8;
    assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
    in.bnd[0].row = 0;
    in.air.width = 0;
    assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
    in.air.width = 2;
    in.air.eval = NULL;
    assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
    in.air.eval = fib_eval;
    in.air.degree = 0;
    assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
    in.air.degree = 1;
    in.log_h = 0;
    assert_int_equal(prove(&in, &fp, 1, false, &p, &err), LM_EINVAL);
    instance_free(&in);
}

static void test_periodic(void **state)
{
    (void)state;
    const lm_fri_params fp = {2, 1, 16, 2};
    for (unsigned log_h = 3; log_h <= 9; log_h += 2) {
        pc_instance pi;
        pc_make(&pi, log_h, 7);
        /* sum of k_(i mod 4) (i mod 8) over rows 0..30: 4 blocks of
         * 5(0+4) + 7(1+5) + 11(2+6) + 13(3+7) = 280, less 13*7 for row 31 */
        if (log_h == 5)
            assert_int_equal(pi.in.bnd[2].value, 4 * 280 - 13 * 7);
        lm_stark_proof p1, p2;
        prove_ok(&pi.in, &fp, 1, &p1);
        verify_ok(&pi.in, &fp, &p1);
        prove_ok(&pi.in, &fp, 2, &p2);
        assert_memory_equal(&p1.comp_root, &p2.comp_root, sizeof p1.comp_root);
        lm_err err;
        /* every periodic value is part of the statement */
        for (unsigned j = 0; j < 2; j++)
            for (size_t i = 0; i < ((size_t)1 << pi.per[j].log_period); i++) {
                lm_gl *v = j == 0 ? &pi.sel[i] : &pi.k[i];
                lm_gl keep = *v;
                *v = lm_gl_add(keep, 1);
                assert_int_equal(lm_stark_verify(&pi.in.air, &fp, log_h, &p1, &err), LM_ECRYPTO);
                *v = keep;
            }
        /* so is their number and period, even of a column no constraint reads */
        pi.in.air.n_periodic = 3;
        assert_int_equal(lm_stark_verify(&pi.in.air, &fp, log_h, &p1, &err), LM_ECRYPTO);
        pi.in.air.n_periodic = 2;
        pi.per[1] = (lm_air_periodic){3, (const lm_gl[8]){5, 7, 11, 13, 5, 7, 11, 13}};
        assert_int_equal(lm_stark_verify(&pi.in.air, &fp, log_h, &p1, &err), LM_ECRYPTO);
        pi.per[1] = (lm_air_periodic){2, pi.k};
        verify_ok(&pi.in, &fp, &p1);
        lm_stark_proof_free(&p1);
        lm_stark_proof_free(&p2);
        instance_free(&pi.in);
    }
    /* a column no constraint reads, of period 2, and one of period 1 */
    pc_instance pi;
    pc_make(&pi, 4, 7);
    pi.in.air.n_periodic = 3;
    lm_stark_proof p;
    prove_ok(&pi.in, &fp, 1, &p);
    verify_ok(&pi.in, &fp, &p);
    lm_stark_proof_free(&p);
    pi.per[2].log_period = 0;
    prove_ok(&pi.in, &fp, 1, &p);
    verify_ok(&pi.in, &fp, &p);
    lm_stark_proof_free(&p);
    instance_free(&pi.in);
}

/* A trace made for another selector (restart after row 3 of each block):
 * against the statement with the selector on row 7 the prover refuses,
 * and its proof made anyway fails. So does a wrong round constant. */
static void test_periodic_wrong_values(void **state)
{
    (void)state;
    const lm_fri_params fp = {2, 1, 16, 0};
    for (int which = 0; which < 2; which++) {
        pc_instance pi;
        pc_make(&pi, 6, which == 0 ? 3 : 7);
        if (which == 0) {
            pi.sel[3] = 0;
            pi.sel[7] = 1;
        } else {
            pi.k[2] = 12;
        }
        lm_stark_proof p;
        lm_err err;
        assert_int_equal(prove(&pi.in, &fp, 1, false, &p, &err), LM_EINVAL);
        assert_int_equal(prove(&pi.in, &fp, 1, true, &p, &err), LM_OK);
        assert_int_equal(lm_stark_verify(&pi.in.air, &fp, 6, &p, &err), LM_ECRYPTO);
        lm_stark_proof_free(&p);
        instance_free(&pi.in);
    }
}

static void test_periodic_bad_air(void **state)
{
    (void)state;
    pc_instance pi;
    pc_make(&pi, 3, 7);
    const lm_fri_params fp = {1, 0, 8, 0};
    lm_stark_proof p;
    lm_err err;
    pi.per[0].log_period = 4; /* longer than the trace */
    assert_int_equal(prove(&pi.in, &fp, 1, false, &p, &err), LM_EINVAL);
    assert_int_equal(lm_stark_verify(&pi.in.air, &fp, 3, &p, &err), LM_EINVAL);
    pi.per[0].log_period = 3;
    pi.per[1].values = NULL;
    assert_int_equal(prove(&pi.in, &fp, 1, false, &p, &err), LM_EINVAL);
    pi.per[1].values = pi.k;
    pi.k[3] = LM_GL_P;
    assert_int_equal(prove(&pi.in, &fp, 1, false, &p, &err), LM_EINVAL);
    pi.k[3] = 13;
    pi.in.air.periodic = NULL;
    assert_int_equal(prove(&pi.in, &fp, 1, false, &p, &err), LM_EINVAL);
    pi.in.air.periodic = pi.per;
    pi.in.air.n_periodic = LM_STARK_MAX_PERIODIC + 1;
    assert_int_equal(prove(&pi.in, &fp, 1, false, &p, &err), LM_EINVAL);
    instance_free(&pi.in);
}

/* The committed fuzz seeds that tests/vectors/stark_model.py verifies are
 * exactly what the prover makes for the fuzz target's statements (proofs
 * are deterministic). With LM_STARK_WRITE_CORPUS=1 in the environment the
 * seeds are rewritten instead (after a change of format or transcript). */
static void check_seed(const instance *in, const lm_fri_params *fp, const char *name)
{
    lm_stark_proof p;
    prove_ok(in, fp, 1, &p);
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/stark_proof/%s", LM_SOURCE_DIR, name);
    check_proof_file(&p, path);
    lm_stark_proof_free(&p);
}

static void test_corpus_seeds(void **state)
{
    (void)state;
    const lm_fri_params fp = {2, 1, 3, 1};
    instance in;
    fib_make(&in, 3);
    check_seed(&in, &fp, "valid_fibonacci_8_rows");
    instance_free(&in);
    pc_instance pi;
    pc_make(&pi, 4, 7);
    check_seed(&pi.in, &fp, "valid_periodic_counter_16_rows");
    instance_free(&pi.in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fibonacci), cmocka_unit_test(test_cube),   cmocka_unit_test(test_boundary_only),
        cmocka_unit_test(test_wrong_statement), cmocka_unit_test(test_bad_trace), cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_bad_air), cmocka_unit_test(test_fri_on_other_function),
        cmocka_unit_test(test_encoding), cmocka_unit_test(test_periodic),
        cmocka_unit_test(test_periodic_wrong_values), cmocka_unit_test(test_periodic_bad_air),
        cmocka_unit_test(test_corpus_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
