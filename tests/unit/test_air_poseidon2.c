/* Unit tests for the Poseidon2 AIR (include/lamina/air_poseidon2.h,
 * src/stark/air_poseidon2.c, docs/stark.md "Poseidon2 AIR").
 *
 * External vector: the Horizen Labs reference known-answer test for t = 12,
 * the permutation of [0, 1, ..., 11] (github.com/HorizenLabs/poseidon2,
 * plain_implementations/src/poseidon2/poseidon2.rs, mod
 * poseidon2_tests_goldilocks, fn kats; also in tests/unit/test_poseidon2.c):
 * the gadget's output columns must reproduce it, which checks the exported
 * constants (include/lamina/poseidon2_consts.h). Beyond that the gadget is
 * checked against lm_poseidon2_permute on random inputs, its constraints
 * against every single-cell change, its extension-field evaluation against
 * the base-field one (and its degree, by interpolation), and the chain AIR
 * for completeness and soundness (wrong cells, wrong statements, tampered
 * proofs, proofs for another length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/air_poseidon2.h"
#include "lamina/poseidon2_consts.h"
#include "lamina/stark_params.h"

#include "../test_rng.h"
#include "../poseidon2_kat.h"
#include "../proof_file.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static lm_gl rand_gl(void) { return lm_gl_from_u64(xorshift64s(&rng_state)); }

static void rand_state(lm_gl s[LM_P2_WIDTH])
{
    for (int i = 0; i < LM_P2_WIDTH; i++)
        s[i] = rand_gl();
}

static bool all_zero(const lm_gl *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != 0)
            return false;
    return true;
}

/* Small parameters for the slower tests (blowup 8 as degree 7 needs). */
static const lm_fri_params FAST = {3, 2, 12, 4};

/* ---- the gadget ------------------------------------------------------------------ */

static void test_reference_kat(void **state)
{
    (void)state;
    /* HorizenLabs/poseidon2 kats(): permutation of 0..11 */
    lm_gl in[12], out[12], row[LM_P2AIR_COLS], c[LM_P2AIR_CONSTRAINTS];
    for (int i = 0; i < 12; i++)
        in[i] = (lm_gl)i;
    lm_p2air_fill(row, 1, 0, out, in);
    for (int i = 0; i < 12; i++) {
        assert_true(out[i] == P2_KAT_OUT[i]);
        assert_true(row[LM_P2AIR_COL_OUT + i] == P2_KAT_OUT[i]);
        assert_true(row[LM_P2AIR_COL_IN + i] == (lm_gl)i);
    }
    assert_int_equal(lm_p2air_eval_base(c, row), LM_P2AIR_CONSTRAINTS);
    assert_true(all_zero(c, LM_P2AIR_CONSTRAINTS));
    /* the layout macros agree */
    assert_int_equal(LM_P2AIR_COL_OUT + 12, LM_P2AIR_COLS);
    assert_int_equal(LM_P2AIR_COL_FULL_END + 48, LM_P2AIR_COLS);
    assert_int_equal(LM_P2AIR_COL_PARTIAL + LM_P2_ROUNDS_P, LM_P2AIR_COL_FULL_END);
    assert_int_equal(LM_P2AIR_CONSTRAINTS, 8 * 12 + 22);
}

/* Random inputs (and edge values): the output equals lm_poseidon2_permute,
 * every constraint vanishes over F_p and, lifted, over K; the gadget can sit
 * at a column offset of a wider row-major or column-major block. */
static void test_gadget_random(void **state)
{
    (void)state;
    enum { ROWS = 8, OFF = 3, WIDE = LM_P2AIR_COLS + 5 };
    lm_gl *block = calloc((size_t)WIDE * ROWS, sizeof(lm_gl));
    assert_non_null(block);
    for (int it = 0; it < 200; it++) {
        lm_gl in[12], want[12], out[12];
        rand_state(in);
        if (it == 0)
            memset(in, 0, sizeof in);
        if (it == 1)
            for (int i = 0; i < 12; i++)
                in[i] = LM_GL_P - 1;
        memcpy(want, in, sizeof in);
        lm_poseidon2_permute(want);
        size_t row = (size_t)it % ROWS;
        /* column-major: column c of the block is block + c * ROWS */
        lm_p2air_fill(block + OFF * ROWS, ROWS, row, out, in);
        assert_memory_equal(out, want, sizeof want);
        lm_gl r[LM_P2AIR_COLS], c[LM_P2AIR_CONSTRAINTS];
        lm_gl3 r3[LM_P2AIR_COLS], c3[LM_P2AIR_CONSTRAINTS];
        for (unsigned k = 0; k < LM_P2AIR_COLS; k++) {
            r[k] = block[(OFF + k) * ROWS + row];
            r3[k] = lm_gl3_from_base(r[k]);
        }
        assert_memory_equal(r + LM_P2AIR_COL_OUT, want, sizeof want);
        assert_int_equal(lm_p2air_eval_base(c, r), LM_P2AIR_CONSTRAINTS);
        assert_true(all_zero(c, LM_P2AIR_CONSTRAINTS));
        assert_int_equal(lm_p2air_eval(c3, r3), LM_P2AIR_CONSTRAINTS);
        for (unsigned j = 0; j < LM_P2AIR_CONSTRAINTS; j++)
            assert_true(lm_gl3_is_zero(c3[j]));
        /* the split form: input apart, round columns alone */
        lm_gl3 in3[12];
        for (int i = 0; i < 12; i++)
            in3[i] = lm_gl3_from_base(in[i]);
        assert_int_equal(lm_p2air_eval_split(c3, in3, r3 + LM_P2AIR_COL_FULL_BEGIN), LM_P2AIR_CONSTRAINTS);
        for (unsigned j = 0; j < LM_P2AIR_CONSTRAINTS; j++)
            assert_true(lm_gl3_is_zero(c3[j]));
        lm_gl rounds[LM_P2AIR_ROUND_COLS];
        lm_p2air_fill_rounds(rounds, 1, 0, out, in);
        assert_memory_equal(out, want, sizeof want);
        assert_memory_equal(rounds, r + LM_P2AIR_COL_FULL_BEGIN, sizeof rounds);
        /* out may alias in */
        lm_p2air_fill(block, ROWS, row, in, in);
        assert_memory_equal(in, want, sizeof want);
    }
    free(block);
}

/* Every single cell matters: adding 1 to any of the 130 cells of a valid
 * row makes some constraint nonzero, on the base and the extension path. */
static void test_gadget_every_cell(void **state)
{
    (void)state;
    lm_gl in[12], row[LM_P2AIR_COLS], c[LM_P2AIR_CONSTRAINTS];
    rand_state(in);
    lm_p2air_fill(row, 1, 0, NULL, in);
    for (unsigned k = 0; k < LM_P2AIR_COLS; k++) {
        lm_gl bad[LM_P2AIR_COLS];
        memcpy(bad, row, sizeof bad);
        bad[k] = lm_gl_add(bad[k], 1);
        (void)lm_p2air_eval_base(c, bad);
        if (all_zero(c, LM_P2AIR_CONSTRAINTS))
            fail_msg("cell %u is not constrained", k);
        /* the cell's own constraint (a stored value) is the one that fails
         * first in constraint order, except the input cells, checked by the
         * first full round */
        unsigned first = 0;
        while (c[first] == 0)
            first++;
        if (k >= LM_P2AIR_COL_FULL_BEGIN)
            assert_int_equal(first, k - LM_P2AIR_COL_FULL_BEGIN);
        else
            assert_true(first < 12);
        lm_gl3 b3[LM_P2AIR_COLS], c3[LM_P2AIR_CONSTRAINTS];
        for (unsigned j = 0; j < LM_P2AIR_COLS; j++)
            b3[j] = lm_gl3_from_base(bad[j]);
        (void)lm_p2air_eval(c3, b3);
        for (unsigned j = 0; j < LM_P2AIR_CONSTRAINTS; j++)
            assert_true(lm_gl3_eq(c3[j], lm_gl3_from_base(c[j])));
    }
}

/* The extension-field path computes the same polynomials as the base one,
 * of degree <= 7: on the line A + t B (A, B random base rows) the values at
 * t = 0..7 from lm_p2air_eval_base, interpolated to t = tau in K, equal
 * lm_p2air_eval at A + tau B (which takes the extension path). */
static void test_extension_and_degree(void **state)
{
    (void)state;
    enum { D = LM_P2AIR_DEGREE + 1 };
    static lm_gl a[LM_P2AIR_COLS], b[LM_P2AIR_COLS], pt[LM_P2AIR_COLS], val[D][LM_P2AIR_CONSTRAINTS];
    for (int it = 0; it < 3; it++) {
        for (unsigned k = 0; k < LM_P2AIR_COLS; k++) {
            a[k] = rand_gl();
            b[k] = rand_gl();
        }
        for (unsigned t = 0; t < D; t++) {
            for (unsigned k = 0; k < LM_P2AIR_COLS; k++)
                pt[k] = lm_gl_add(a[k], lm_gl_mul(t, b[k]));
            (void)lm_p2air_eval_base(val[t], pt);
        }
        lm_gl3 tau = lm_gl3_make(rand_gl(), rand_gl(), rand_gl());
        lm_gl3 row[LM_P2AIR_COLS], got[LM_P2AIR_CONSTRAINTS];
        for (unsigned k = 0; k < LM_P2AIR_COLS; k++)
            row[k] = lm_gl3_add(lm_gl3_from_base(a[k]), lm_gl3_mul_base(tau, b[k]));
        (void)lm_p2air_eval(got, row);
        /* Lagrange weights L_t(tau) over the nodes 0..7 */
        lm_gl3 wgt[D];
        for (unsigned t = 0; t < D; t++) {
            lm_gl3 num = lm_gl3_from_base(1);
            lm_gl den = 1;
            for (unsigned u = 0; u < D; u++) {
                if (u == t)
                    continue;
                num = lm_gl3_mul(num, lm_gl3_sub(tau, lm_gl3_from_base(u)));
                den = lm_gl_mul(den, lm_gl_sub(t, u));
            }
            wgt[t] = lm_gl3_mul_base(num, lm_gl_inv(den));
        }
        for (unsigned j = 0; j < LM_P2AIR_CONSTRAINTS; j++) {
            lm_gl3 want = {{0, 0, 0}};
            for (unsigned t = 0; t < D; t++)
                want = lm_gl3_add(want, lm_gl3_mul_base(wgt[t], val[t][j]));
            assert_true(lm_gl3_eq(got[j], want));
        }
    }
}

/* ---- the chain AIR ------------------------------------------------------------------ */

static void chain_ref(lm_gl xn[12], const lm_gl x0[12], uint64_t n)
{
    memcpy(xn, x0, 12 * sizeof(lm_gl));
    for (uint64_t i = 0; i < n; i++)
        lm_poseidon2_permute(xn);
}

static void test_chain_shape(void **state)
{
    (void)state;
    static const struct {
        uint64_t n;
        unsigned log_h;
    } cases[] = {{1, 4}, {15, 4}, {16, 5}, {31, 5}, {32, 6}, {65535, 16}, {65536, 17}, {LM_P2AIR_CHAIN_MAX_N, 26}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned lh = 0;
        assert_int_equal(lm_p2air_chain_log_h(&lh, cases[i].n, NULL), LM_OK);
        assert_int_equal(lh, cases[i].log_h);
    }
    unsigned lh;
    lm_err err;
    assert_int_equal(lm_p2air_chain_log_h(&lh, 0, &err), LM_EINVAL);
    assert_int_equal(lm_p2air_chain_log_h(&lh, LM_P2AIR_CHAIN_MAX_N + 1, &err), LM_EINVAL);
    lm_gl x0[12] = {0}, xn[12] = {0};
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, 20, x0, xn, &err), LM_OK);
    assert_int_equal(lh, 5);
    assert_int_equal(air.width, 118);
    assert_int_equal(air.n_constraints, 118);
    assert_int_equal(air.degree, 7);
    assert_int_equal(lm_stark_num_segments(&air), 6);
    assert_true(bnd[0].row == 0 && bnd[0].col == 106);
    assert_true(bnd[12].row == 20 && bnd[12].col == 106 && bnd[23].col == 117);
    xn[3] = LM_GL_P;
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, 20, x0, xn, &err), LM_ENONCANON);
    /* bad inputs to the prover */
    lm_stark_proof p;
    x0[0] = LM_GL_P;
    assert_int_equal(lm_p2air_prove_chain(&p, xn, x0, 5, &FAST, 1, &err), LM_ENONCANON);
    x0[0] = 0;
    assert_int_equal(lm_p2air_prove_chain(&p, xn, x0, 0, &FAST, 1, &err), LM_EINVAL);
    /* parameters FRI refuses (blowup 1) */
    const lm_fri_params bad = {0, 2, 12, 0};
    assert_int_equal(lm_p2air_prove_chain(&p, xn, x0, 5, &bad, 1, &err), LM_EINVAL);
}

static void prove_chain_ok(lm_stark_proof *p, lm_gl xn[12], const lm_gl x0[12], uint64_t n, const lm_fri_params *fp,
                           unsigned threads)
{
    lm_err err;
    if (lm_p2air_prove_chain(p, xn, x0, n, fp, threads, &err) != LM_OK)
        fail_msg("prove n=%llu: %s", (unsigned long long)n, err.msg);
    lm_gl want[12];
    chain_ref(want, x0, n);
    assert_memory_equal(xn, want, sizeof want);
    if (lm_p2air_verify_chain(p, x0, xn, n, fp, &err) != LM_OK)
        fail_msg("verify n=%llu: %s", (unsigned long long)n, err.msg);
}

/* Honest proofs verify, at several lengths, with the default parameters
 * (NULL) and with small ones; the thread count changes nothing. */
static void test_chain_complete(void **state)
{
    (void)state;
    static const uint64_t ns[] = {1, 2, 15, 16, 100, 255};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        lm_gl x0[12], xn[12];
        rand_state(x0);
        lm_stark_proof p;
        prove_chain_ok(&p, xn, x0, ns[i], &FAST, 1 + (unsigned)(i & 1));
        lm_stark_proof_free(&p);
    }
    lm_gl x0[12], xn[12];
    rand_state(x0);
    lm_stark_proof p1, p2;
    prove_chain_ok(&p1, xn, x0, 40, NULL, 1);
    prove_chain_ok(&p2, xn, x0, 40, NULL, 2);
    lm_err err;
    size_t n1 = lm_stark_proof_size(&p1), n2 = lm_stark_proof_size(&p2), l1, l2;
    assert_int_equal(n1, n2);
    uint8_t *b1 = malloc(n1), *b2 = malloc(n2);
    assert_non_null(b1);
    assert_non_null(b2);
    assert_int_equal(lm_stark_proof_write(b1, n1, &l1, &p1, &err), LM_OK);
    assert_int_equal(lm_stark_proof_write(b2, n2, &l2, &p2, &err), LM_OK);
    assert_memory_equal(b1, b2, n1);
    /* and the proof reads back against the statement */
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned lh;
    lm_fri_params fp;
    lm_stark_default_fri_params(&fp);
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, 40, x0, xn, &err), LM_OK);
    lm_stark_proof r;
    assert_int_equal(lm_stark_proof_read(&r, &air, &fp, lh, b1, l1, &err), LM_OK);
    assert_int_equal(lm_p2air_verify_chain(&r, x0, xn, 40, NULL, &err), LM_OK);
    lm_stark_proof_free(&r);
    free(b1);
    free(b2);
    lm_stark_proof_free(&p1);
    lm_stark_proof_free(&p2);
}

/* The proof that tests/vectors/stark_model.py verifies with its own model
 * of the chain AIR (docs/stark.md "The hash-chain AIR"): x_0 = 0..11,
 * n = 7, blowup 8, final length 2, 6 queries, 4 grinding bits
 * (tests/proof_file.h: the committed file equals a fresh proof). */
static void test_chain_model_vector(void **state)
{
    (void)state;
    static const lm_fri_params fp = {
        .log_blowup = 3, .log_final_len = 1, .num_queries = 6, .pow_bits = 4};
    lm_gl x0[12], xn[12];
    for (int i = 0; i < 12; i++)
        x0[i] = (lm_gl)i;
    lm_stark_proof p;
    prove_chain_ok(&p, xn, x0, 7, &fp, 1);
    check_proof_file(&p, LM_SOURCE_DIR "/tests/vectors/stark_p2chain_n7.bin");
    lm_stark_proof_free(&p);
    /* and at blowup 2: constraints evaluated on 8 h points, committed on 2 h */
    static const lm_fri_params low = {.log_blowup = 1, .log_final_len = 1, .num_queries = 24,
                                      .pow_bits = 4};
    prove_chain_ok(&p, xn, x0, 7, &low, 1);
    check_proof_file(&p, LM_SOURCE_DIR "/tests/vectors/stark_p2chain_n7_blowup2.bin");
    lm_stark_proof_free(&p);
}

/* A trace with one wrong cell: the prover refuses it, and the proof an
 * unchecked prover makes from it fails verification. */
static void wrong_cell_with(const lm_fri_params *fp)
{
    const uint64_t n = 20;
    const unsigned log_h = 5;
    const size_t h = 32;
    enum { OUT = LM_P2AIR_COL_OUT - LM_P2AIR_COL_FULL_BEGIN, PART = LM_P2AIR_COL_PARTIAL - LM_P2AIR_COL_FULL_BEGIN };
    static const struct {
        size_t row;
        unsigned col;
    } cells[] = {
        {0, OUT},           /* x_0 in row 0 (against the boundary) */
        {7, OUT + 5},       /* an output mid-chain (the next row's input) */
        {7, 13},            /* full round 1 */
        {11, PART + 21},    /* the last partial round */
        {20, OUT + 11},     /* the claimed output */
        {25, PART},         /* a padding row is constrained too */
        {31, 0},            /* the last row's first full round */
    };
    lm_gl x0[12], xn[12];
    rand_state(x0);
    lm_gl *trace = malloc((size_t)LM_P2AIR_CHAIN_WIDTH * h * sizeof(lm_gl));
    assert_non_null(trace);
    const lm_gl *cols[LM_P2AIR_CHAIN_WIDTH];
    for (unsigned c = 0; c < LM_P2AIR_CHAIN_WIDTH; c++)
        cols[c] = trace + (size_t)c * h;
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, log_h + (fp->log_blowup > 3 ? fp->log_blowup : 3) /* degree 7 */, 1, NULL), LM_OK);
    for (size_t ci = 0; ci < sizeof cells / sizeof cells[0]; ci++) {
        lm_p2air_chain_trace(trace, xn, x0, n, log_h);
        lm_air air;
        lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
        unsigned lh;
        lm_err err;
        assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, n, x0, xn, &err), LM_OK);
        assert_int_equal(lh, log_h);
        lm_stark_proof p;
        lm_stark_opts opts = {1, false, {{0, 0, 0}}};
        /* the honest trace proves */
        assert_int_equal(lm_stark_prove(&air, fp, &ctx, cols, log_h, &opts, &p, &err), LM_OK);
        assert_int_equal(lm_stark_verify(&air, fp, log_h, &p, &err), LM_OK);
        lm_stark_proof_free(&p);
        lm_gl *cell = &trace[(size_t)cells[ci].col * h + cells[ci].row];
        *cell = lm_gl_add(*cell, 1);
        assert_int_equal(lm_stark_prove(&air, fp, &ctx, cols, log_h, &opts, &p, &err), LM_EINVAL);
        opts.unchecked = true;
        assert_int_equal(lm_stark_prove(&air, fp, &ctx, cols, log_h, &opts, &p, &err), LM_OK);
        assert_int_equal(lm_stark_verify(&air, fp, log_h, &p, &err), LM_ECRYPTO);
        lm_stark_proof_free(&p);
    }
    /* row 0 holds only x_0: its other columns are free (zeros by convention) */
    lm_p2air_chain_trace(trace, xn, x0, n, log_h);
    trace[5 * h] = 12345;
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned lh;
    lm_err err;
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, n, x0, xn, &err), LM_OK);
    lm_stark_proof p;
    lm_stark_opts opts = {1, false, {{0, 0, 0}}};
    assert_int_equal(lm_stark_prove(&air, fp, &ctx, cols, log_h, &opts, &p, &err), LM_OK);
    assert_int_equal(lm_stark_verify(&air, fp, log_h, &p, &err), LM_OK);
    lm_stark_proof_free(&p);
    lm_ntt_ctx_free(&ctx);
    free(trace);
}

/* ... at blowup 8 (the constraints' own domain) and at blowup 2, where
 * they are evaluated on 8 h points but committed and tested by FRI on 2 h */
static void test_chain_wrong_cell(void **state)
{
    (void)state;
    static const lm_fri_params low = {1, 2, 24, 4};
    wrong_cell_with(&FAST);
    wrong_cell_with(&low);
}

/* The statement is bound: another x_0, x_n, n (same and other trace
 * length) or parameter set rejects an honest proof. */
static void test_chain_wrong_statement(void **state)
{
    (void)state;
    const uint64_t n = 20;
    lm_gl x0[12], xn[12];
    rand_state(x0);
    lm_stark_proof p;
    prove_chain_ok(&p, xn, x0, n, &FAST, 2);
    lm_err err;
    for (int i = 0; i < 12; i += 11) {
        xn[i] = lm_gl_add(xn[i], 1);
        assert_int_equal(lm_p2air_verify_chain(&p, x0, xn, n, &FAST, &err), LM_ECRYPTO);
        xn[i] = lm_gl_sub(xn[i], 1);
        x0[i] = lm_gl_add(x0[i], 1);
        assert_int_equal(lm_p2air_verify_chain(&p, x0, xn, n, &FAST, &err), LM_ECRYPTO);
        x0[i] = lm_gl_sub(x0[i], 1);
    }
    /* x_n is the true value after n steps, but claimed for n - 1 or n + 1 */
    assert_int_equal(lm_p2air_verify_chain(&p, x0, xn, n - 1, &FAST, &err), LM_ECRYPTO);
    assert_int_equal(lm_p2air_verify_chain(&p, x0, xn, n + 1, &FAST, &err), LM_ECRYPTO);
    /* and the true x_(n+1), x_(n-1) for those lengths */
    lm_gl other[12];
    chain_ref(other, x0, n + 1);
    assert_int_equal(lm_p2air_verify_chain(&p, x0, other, n + 1, &FAST, &err), LM_ECRYPTO);
    chain_ref(other, x0, n - 1);
    assert_int_equal(lm_p2air_verify_chain(&p, x0, other, n - 1, &FAST, &err), LM_ECRYPTO);
    /* another trace length */
    chain_ref(other, x0, 40);
    assert_int_not_equal(lm_p2air_verify_chain(&p, x0, other, 40, &FAST, &err), LM_OK);
    chain_ref(other, x0, 10);
    assert_int_not_equal(lm_p2air_verify_chain(&p, x0, other, 10, &FAST, &err), LM_OK);
    /* other parameters */
    lm_fri_params fq = FAST;
    fq.num_queries++;
    assert_int_not_equal(lm_p2air_verify_chain(&p, x0, xn, n, &fq, &err), LM_OK);
    assert_int_not_equal(lm_p2air_verify_chain(&p, x0, xn, n, NULL, &err), LM_OK);
    assert_int_equal(lm_p2air_verify_chain(&p, x0, xn, n, &FAST, &err), LM_OK);
    lm_stark_proof_free(&p);
}

/* Flipping one bit of the encoded proof, at positions spread over the
 * whole encoding, is always rejected (by the reader or the verifier). */
static void test_chain_tampered_bytes(void **state)
{
    (void)state;
    const uint64_t n = 30;
    lm_gl x0[12], xn[12];
    rand_state(x0);
    lm_stark_proof p;
    prove_chain_ok(&p, xn, x0, n, &FAST, 1);
    lm_err err;
    size_t cap = lm_stark_proof_size(&p), len;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    assert_int_equal(lm_stark_proof_write(buf, cap, &len, &p, &err), LM_OK);
    lm_stark_proof_free(&p);
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned lh;
    assert_int_equal(lm_p2air_chain_statement(&air, bnd, &lh, n, x0, xn, &err), LM_OK);
    assert_int_equal(lm_stark_proof_read(&p, &air, &FAST, lh, buf, len, &err), LM_OK);
    assert_int_equal(lm_stark_verify(&air, &FAST, lh, &p, &err), LM_OK);
    lm_stark_proof_free(&p);
    size_t tried = 0;
    for (size_t at = 0; at < len; at += (at < 64 ? 1 : len / 300 + 1)) {
        uint8_t bit = (uint8_t)(1u << (at % 8));
        buf[at] ^= bit;
        int rc = lm_stark_proof_read(&p, &air, &FAST, lh, buf, len, &err);
        if (rc == LM_OK) {
            rc = lm_stark_verify(&air, &FAST, lh, &p, &err);
            lm_stark_proof_free(&p);
        }
        if (rc == LM_OK)
            fail_msg("flipped bit at byte %zu accepted", at);
        buf[at] ^= bit;
        tried++;
    }
    assert_true(tried > 300);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_kat),        cmocka_unit_test(test_gadget_random),
        cmocka_unit_test(test_gadget_every_cell),    cmocka_unit_test(test_extension_and_degree),
        cmocka_unit_test(test_chain_shape),          cmocka_unit_test(test_chain_complete),
        cmocka_unit_test(test_chain_wrong_cell),     cmocka_unit_test(test_chain_wrong_statement),
        cmocka_unit_test(test_chain_tampered_bytes), cmocka_unit_test(test_chain_model_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
