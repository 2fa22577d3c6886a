/* The Poseidon2 gadget and the hash-chain AIR. See
 * include/lamina/air_poseidon2.h and docs/stark.md ("Poseidon2 AIR"). */
#include "lamina/air_poseidon2.h"

#include <stdlib.h>
#include <string.h>

#include "lamina/poseidon2_consts.h"
#include "lamina/stark_params.h"
#include "par.h"

enum { W = LM_P2_WIDTH, HALF_F = LM_P2_ROUNDS_F / 2 };

/* ---- the round functions over F_p --------------------------------------------
 * docs/poseidon2.md, "The permutation":
 *   s <- M_E(s)
 *   for r in 0..3:   s_i <- (s_i + RC_FULL[r][i])^7 for all i;  s <- M_E(s)
 *   for r in 0..21:  s_0 <- (s_0 + RC_PARTIAL[r])^7;            s <- M_I(s)
 *   for r in 4..7:   s_i <- (s_i + RC_FULL[r][i])^7 for all i;  s <- M_E(s) */

static inline lm_gl sbox_(lm_gl x)
{
    lm_gl x2 = lm_gl_square(x);
    lm_gl x4 = lm_gl_square(x2);
    return lm_gl_mul(lm_gl_mul(x2, x), x4);
}

/* M4 = [5 7 1 3; 4 6 1 1; 1 3 5 7; 1 1 4 6] on one block of 4. */
static inline void m4_(lm_gl *x)
{
    lm_gl a01 = lm_gl_add(x[0], x[1]), a23 = lm_gl_add(x[2], x[3]);
    lm_gl b = lm_gl_add(lm_gl_double(x[1]), a23);            /* x0*0 + 2x1 + x2 + x3 */
    lm_gl c = lm_gl_add(lm_gl_double(x[3]), a01);            /* x0 + x1 + 2x3 */
    lm_gl d = lm_gl_add(lm_gl_double(lm_gl_double(a23)), c); /* x0 + x1 + 4x2 + 6x3 */
    lm_gl e = lm_gl_add(lm_gl_double(lm_gl_double(a01)), b); /* 4x0 + 6x1 + x2 + x3 */
    x[0] = lm_gl_add(c, e);                                  /* 5x0 + 7x1 + x2 + 3x3 */
    x[1] = e;
    x[2] = lm_gl_add(b, d); /* x0 + 3x1 + 5x2 + 7x3 */
    x[3] = d;
}

/* External layer M_E = circ(2 M4, M4, M4): M4 on each block, then each
 * element gains the sum of its position over the three blocks. */
static void ext_layer_(lm_gl *s)
{
    m4_(s);
    m4_(s + 4);
    m4_(s + 8);
    for (int l = 0; l < 4; l++) {
        lm_gl c = lm_gl_add(lm_gl_add(s[l], s[4 + l]), s[8 + l]);
        s[l] = lm_gl_add(s[l], c);
        s[4 + l] = lm_gl_add(s[4 + l], c);
        s[8 + l] = lm_gl_add(s[8 + l], c);
    }
}

/* Internal layer M_I = 1 + diag(d): s_i <- sum(s) + d_i s_i. */
static void int_layer_(lm_gl *s)
{
    lm_gl sum = 0;
    for (int i = 0; i < W; i++)
        sum = lm_gl_add(sum, s[i]);
    for (int i = 0; i < W; i++)
        s[i] = lm_gl_add(sum, lm_gl_mul(lm_poseidon2_diag[i], s[i]));
}

/* ---- the same over K = F_p^3 ------------------------------------------------------ */

static inline lm_gl3 sbox3_(lm_gl3 x)
{
    lm_gl3 x2 = lm_gl3_square(x);
    lm_gl3 x4 = lm_gl3_square(x2);
    return lm_gl3_mul(lm_gl3_mul(x2, x), x4);
}

/* M_E and M_I have base-field entries, so over K they act on each of the
 * three coordinates separately. */
static void ext_layer3_(lm_gl3 *s)
{
    lm_gl t[W];
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < W; i++)
            t[i] = s[i].c[k];
        ext_layer_(t);
        for (int i = 0; i < W; i++)
            s[i].c[k] = t[i];
    }
}

static void int_layer3_(lm_gl3 *s)
{
    lm_gl3 sum = {{0, 0, 0}};
    for (int i = 0; i < W; i++)
        sum = lm_gl3_add(sum, s[i]);
    for (int i = 0; i < W; i++)
        s[i] = lm_gl3_add(sum, lm_gl3_mul_base(s[i], lm_poseidon2_diag[i]));
}

/* ---- the gadget ----------------------------------------------------------------- */

/* Offsets inside the 118 round columns (gadget columns 12..129). */
enum {
    R_FULL_BEGIN = LM_P2AIR_COL_FULL_BEGIN - LM_P2AIR_COL_FULL_BEGIN,
    R_PARTIAL = LM_P2AIR_COL_PARTIAL - LM_P2AIR_COL_FULL_BEGIN,
    R_FULL_END = LM_P2AIR_COL_FULL_END - LM_P2AIR_COL_FULL_BEGIN,
};

/* lm_p2air_fill_rounds at at[c * stride]; the last round's state (the
 * output columns) is stored only when store_out. */
static void fill_rounds_(lm_gl *at, size_t stride, lm_gl out[LM_P2_WIDTH], const lm_gl in[LM_P2_WIDTH],
                         bool store_out)
{
    lm_gl s[W];
    for (int i = 0; i < W; i++)
        s[i] = lm_gl_from_u64(in[i]);
    ext_layer_(s);
    for (int r = 0; r < HALF_F; r++) {
        for (int i = 0; i < W; i++)
            s[i] = sbox_(lm_gl_add(s[i], lm_poseidon2_rc_full[r][i]));
        ext_layer_(s);
        for (int i = 0; i < W; i++)
            at[(size_t)(R_FULL_BEGIN + W * r + i) * stride] = s[i];
    }
    for (int r = 0; r < LM_P2_ROUNDS_P; r++) {
        s[0] = sbox_(lm_gl_add(s[0], lm_poseidon2_rc_partial[r]));
        at[(size_t)(R_PARTIAL + r) * stride] = s[0];
        int_layer_(s);
    }
    for (int r = 0; r < HALF_F; r++) {
        for (int i = 0; i < W; i++)
            s[i] = sbox_(lm_gl_add(s[i], lm_poseidon2_rc_full[HALF_F + r][i]));
        ext_layer_(s);
        if (store_out || r + 1 < HALF_F)
            for (int i = 0; i < W; i++)
                at[(size_t)(R_FULL_END + W * r + i) * stride] = s[i];
    }
    if (out != NULL)
        memcpy(out, s, sizeof s);
}

void lm_p2air_fill_rounds(lm_gl *cols, size_t stride, size_t row, lm_gl out[LM_P2_WIDTH],
                          const lm_gl in[LM_P2_WIDTH])
{
    fill_rounds_(cols + row, stride, out, in, true);
}

void lm_p2air_fill(lm_gl *cols, size_t stride, size_t row, lm_gl out[LM_P2_WIDTH], const lm_gl in[LM_P2_WIDTH])
{
    lm_gl x[W];
    for (int i = 0; i < W; i++) {
        x[i] = lm_gl_from_u64(in[i]);
        cols[(size_t)(LM_P2AIR_COL_IN + i) * stride + row] = x[i];
    }
    lm_p2air_fill_rounds(cols + (size_t)LM_P2AIR_COL_FULL_BEGIN * stride, stride, row, out, x);
}

/* The constraints walk the permutation with the state held as values: at a
 * stored state the computed value is compared with the column (one
 * constraint each) and the column then replaces it, so every constraint is
 * "column - (degree-7 polynomial in earlier columns)". */
static unsigned eval_base_(lm_gl *out, const lm_gl *in, const lm_gl *rounds)
{
    lm_gl s[W];
    unsigned k = 0;
    memcpy(s, in, sizeof s);
    ext_layer_(s);
    for (int r = 0; r < HALF_F; r++) {
        const lm_gl *post = rounds + R_FULL_BEGIN + W * r;
        for (int i = 0; i < W; i++)
            s[i] = sbox_(lm_gl_add(s[i], lm_poseidon2_rc_full[r][i]));
        ext_layer_(s);
        for (int i = 0; i < W; i++) {
            out[k++] = lm_gl_sub(post[i], s[i]);
            s[i] = post[i];
        }
    }
    for (int r = 0; r < LM_P2_ROUNDS_P; r++) {
        lm_gl y = rounds[R_PARTIAL + r];
        out[k++] = lm_gl_sub(y, sbox_(lm_gl_add(s[0], lm_poseidon2_rc_partial[r])));
        s[0] = y;
        int_layer_(s);
    }
    for (int r = 0; r < HALF_F; r++) {
        const lm_gl *post = rounds + R_FULL_END + W * r;
        for (int i = 0; i < W; i++)
            s[i] = sbox_(lm_gl_add(s[i], lm_poseidon2_rc_full[HALF_F + r][i]));
        ext_layer_(s);
        for (int i = 0; i < W; i++) {
            out[k++] = lm_gl_sub(post[i], s[i]);
            s[i] = post[i];
        }
    }
    return k;
}

static unsigned eval_ext_(lm_gl3 *out, const lm_gl3 *in, const lm_gl3 *rounds)
{
    lm_gl3 s[W];
    unsigned k = 0;
    memcpy(s, in, sizeof s);
    ext_layer3_(s);
    for (int r = 0; r < HALF_F; r++) {
        const lm_gl3 *post = rounds + R_FULL_BEGIN + W * r;
        for (int i = 0; i < W; i++)
            s[i] = sbox3_(lm_gl3_add(s[i], lm_gl3_from_base(lm_poseidon2_rc_full[r][i])));
        ext_layer3_(s);
        for (int i = 0; i < W; i++) {
            out[k++] = lm_gl3_sub(post[i], s[i]);
            s[i] = post[i];
        }
    }
    for (int r = 0; r < LM_P2_ROUNDS_P; r++) {
        lm_gl3 y = rounds[R_PARTIAL + r];
        out[k++] = lm_gl3_sub(y, sbox3_(lm_gl3_add(s[0], lm_gl3_from_base(lm_poseidon2_rc_partial[r]))));
        s[0] = y;
        int_layer3_(s);
    }
    for (int r = 0; r < HALF_F; r++) {
        const lm_gl3 *post = rounds + R_FULL_END + W * r;
        for (int i = 0; i < W; i++)
            s[i] = sbox3_(lm_gl3_add(s[i], lm_gl3_from_base(lm_poseidon2_rc_full[HALF_F + r][i])));
        ext_layer3_(s);
        for (int i = 0; i < W; i++) {
            out[k++] = lm_gl3_sub(post[i], s[i]);
            s[i] = post[i];
        }
    }
    return k;
}

unsigned lm_p2air_eval_base(lm_gl *out, const lm_gl *row)
{
    return eval_base_(out, row + LM_P2AIR_COL_IN, row + LM_P2AIR_COL_FULL_BEGIN);
}

/* ---- the same on LM_AIR_ROWS rows at once ----------------------------------------- */

#define LANES_BODY "air_poseidon2_lanes.h"
#include "lanes.h"

static void eval_rows_scalar_(lm_gl *out, const lm_gl *in, const lm_gl *rounds)
{
    for (unsigned l = 0; l < LM_AIR_ROWS; l++) {
        lm_gl bi[W], br[LM_P2AIR_ROUND_COLS], o[LM_P2AIR_CONSTRAINTS];
        for (unsigned c = 0; c < W; c++)
            bi[c] = in[c * LM_AIR_ROWS + l];
        for (unsigned c = 0; c < LM_P2AIR_ROUND_COLS; c++)
            br[c] = rounds[c * LM_AIR_ROWS + l];
        (void)eval_base_(o, bi, br);
        for (unsigned j = 0; j < LM_P2AIR_CONSTRAINTS; j++)
            out[j * LM_AIR_ROWS + l] = o[j];
    }
}

void lm_p2air_eval_rows(lm_gl *out, const lm_gl *in, const lm_gl *rounds)
{
#ifdef LANES_X86
    lm_p2_impl impl = lm_stark_impl();
    if (impl == LM_P2_IMPL_AVX512) {
        p2x8_p2_eval_rows(out, in, rounds);
        return;
    }
    if (impl == LM_P2_IMPL_AVX2) {
        p2x4_p2_eval_rows(out, in, rounds);
        return;
    }
#endif
    eval_rows_scalar_(out, in, rounds);
}

static bool in_base_(const lm_gl3 *v, size_t n)
{
    uint64_t hi = 0;
    for (size_t c = 0; c < n; c++)
        hi |= v[c].c[1] | v[c].c[2];
    return hi == 0;
}

unsigned lm_p2air_eval_split(lm_gl3 *out, const lm_gl3 in[LM_P2_WIDTH], const lm_gl3 *rounds)
{
    /* The prover lifts base-field rows into K: for those, the base-field
     * evaluation gives the same polynomial values at a ninth of the cost. */
    if (!in_base_(in, W) || !in_base_(rounds, LM_P2AIR_ROUND_COLS))
        return eval_ext_(out, in, rounds);
    lm_gl bi[W], br[LM_P2AIR_ROUND_COLS], o[LM_P2AIR_CONSTRAINTS];
    for (unsigned c = 0; c < W; c++)
        bi[c] = in[c].c[0];
    for (unsigned c = 0; c < LM_P2AIR_ROUND_COLS; c++)
        br[c] = rounds[c].c[0];
    unsigned k = eval_base_(o, bi, br);
    for (unsigned j = 0; j < k; j++)
        out[j] = lm_gl3_from_base(o[j]);
    return k;
}

unsigned lm_p2air_eval(lm_gl3 *out, const lm_gl3 *row)
{
    return lm_p2air_eval_split(out, row + LM_P2AIR_COL_IN, row + LM_P2AIR_COL_FULL_BEGIN);
}

/* ---- the hash-chain AIR ------------------------------------------------------------ */

/* Chain column j is gadget column 12 + j: the round columns; the output
 * (x_i on row i) is chain columns 106..117. */
#define CHAIN_OUT (LM_P2AIR_COL_OUT - LM_P2AIR_COL_FULL_BEGIN)

static void chain_eval_(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next,
                        const lm_gl3 *periodic)
{
    (void)ctx;
    (void)periodic;
    /* x_(i+1) = P(x_i): the next row's rounds are those of the permutation
     * of this row's output. */
    (void)lm_p2air_eval_split(out, cur + CHAIN_OUT, next);
}

static void chain_eval_rows_(const void *ctx, lm_gl *out, const lm_gl *cur, const lm_gl *next,
                             const lm_gl *periodic)
{
    (void)ctx;
    (void)periodic;
    lm_p2air_eval_rows(out, cur + (size_t)CHAIN_OUT * LM_AIR_ROWS, next);
}

int lm_p2air_chain_log_h(unsigned *log_h, uint64_t n, lm_err *err)
{
    if (n < 1 || n > LM_P2AIR_CHAIN_MAX_N)
        return lm_err_set(err, LM_EINVAL, "p2air: chain length %llu not in 1..%llu", (unsigned long long)n,
                          (unsigned long long)LM_P2AIR_CHAIN_MAX_N);
    unsigned k = LM_STARK_DEFAULT_MIN_LOG_TRACE;
    while (((uint64_t)1 << k) < n + 1)
        k++;
    *log_h = k;
    return LM_OK;
}

static bool canonical12_(const lm_gl *x)
{
    for (int i = 0; i < W; i++)
        if (!lm_gl_is_canonical(x[i]))
            return false;
    return true;
}

int lm_p2air_chain_statement(lm_air *air, lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY], unsigned *log_h, uint64_t n,
                             const lm_gl x0[LM_P2_WIDTH], const lm_gl xn[LM_P2_WIDTH], lm_err *err)
{
    int rc = lm_p2air_chain_log_h(log_h, n, err);
    if (rc != LM_OK)
        return rc;
    if (!canonical12_(x0) || !canonical12_(xn))
        return lm_err_set(err, LM_ENONCANON, "p2air: chain end points must be canonical");
    for (unsigned i = 0; i < W; i++) {
        bnd[i] = (lm_air_boundary){CHAIN_OUT + i, 0, x0[i]};
        bnd[W + i] = (lm_air_boundary){CHAIN_OUT + i, n, xn[i]};
    }
    *air = (lm_air){.name = LM_P2AIR_CHAIN_NAME,
                    .width = LM_P2AIR_CHAIN_WIDTH,
                    .n_constraints = LM_P2AIR_CHAIN_CONSTRAINTS,
                    .degree = LM_P2AIR_DEGREE,
                    .eval = chain_eval_,
                    .eval_rows = chain_eval_rows_,
                    .ctx = NULL,
                    .boundary = bnd,
                    .n_boundary = LM_P2AIR_CHAIN_BOUNDARY};
    return LM_OK;
}

typedef struct fill_job_ {
    lm_gl *trace;
    size_t h, blocks; /* rows 1 + LM_AIR_ROWS b, b < blocks, on lanes */
    lm_p2_impl impl;
} fill_job_;

/* The round columns of rows 1 .. 8 blocks, from the output columns of the
 * rows before them (already written: only those rows are read, and the
 * output columns are not written again). */
static void job_fill_(void *arg, unsigned t, unsigned nt)
{
    const fill_job_ *f = arg;
    size_t h = f->h, per = (f->blocks + nt - 1) / nt, b0 = per * t, b1 = b0 + per < f->blocks ? b0 + per : f->blocks;
    for (size_t b = b0; b < b1; b++) {
        size_t r = 1 + b * LM_AIR_ROWS;
        const lm_gl *in = f->trace + (size_t)CHAIN_OUT * h + r - 1;
#ifdef LANES_X86
        if (f->impl == LM_P2_IMPL_AVX512 || f->impl == LM_P2_IMPL_AVX2) {
            for (unsigned l = 0; l < LM_AIR_ROWS; l += (f->impl == LM_P2_IMPL_AVX512 ? 8 : 4)) {
                if (f->impl == LM_P2_IMPL_AVX512)
                    p2x8_p2_fill_lanes(f->trace + r + l, h, in + l, h);
                else
                    p2x4_p2_fill_lanes(f->trace + r + l, h, in + l, h);
            }
            continue;
        }
#endif
        for (unsigned l = 0; l < LM_AIR_ROWS; l++) {
            lm_gl x[W];
            for (unsigned i = 0; i < W; i++)
                x[i] = in[(size_t)i * h + l];
            fill_rounds_(f->trace + r + l, h, NULL, x, false);
        }
    }
}

/* lm_p2air_chain_trace on threads: the chain's states x_i (the output
 * columns) one after the other with lm_poseidon2_permute, then the round
 * columns of all rows side by side, 8 rows per lane block. */
static void chain_trace_(lm_gl *trace, lm_gl xn[LM_P2_WIDTH], const lm_gl x0[LM_P2_WIDTH], uint64_t n,
                         unsigned log_h, unsigned threads)
{
    size_t h = (size_t)1 << log_h;
    if (n < 1 || n >= h)
        abort(); /* programmer error: lm_p2air_chain_log_h gives log_h */
    /* row 0: x_0 in the output columns, zeros before them */
    for (unsigned c = 0; c < CHAIN_OUT; c++)
        trace[(size_t)c * h] = 0;
    lm_gl x[W];
    for (unsigned i = 0; i < W; i++) {
        x[i] = lm_gl_from_u64(x0[i]);
        trace[(size_t)(CHAIN_OUT + i) * h] = x[i];
    }
    for (size_t r = 1; r < h; r++) {
        lm_poseidon2_permute(x);
        for (unsigned i = 0; i < W; i++)
            trace[(size_t)(CHAIN_OUT + i) * h + r] = x[i];
        if (r == n)
            memcpy(xn, x, sizeof x);
    }
    fill_job_ f = {trace, h, (h - 1) / LM_AIR_ROWS, lm_stark_impl()};
    lm_par_run(h >= 1024 ? threads : 1, job_fill_, &f);
    for (size_t r = 1 + f.blocks * LM_AIR_ROWS; r < h; r++) {
        for (unsigned i = 0; i < W; i++)
            x[i] = trace[(size_t)(CHAIN_OUT + i) * h + r - 1];
        fill_rounds_(trace + r, h, NULL, x, false);
    }
}

void lm_p2air_chain_trace(lm_gl *trace, lm_gl xn[LM_P2_WIDTH], const lm_gl x0[LM_P2_WIDTH], uint64_t n,
                          unsigned log_h)
{
    chain_trace_(trace, xn, x0, n, log_h, 1);
}

static const lm_fri_params *params_(const lm_fri_params *fp, lm_fri_params *def)
{
    if (fp != NULL)
        return fp;
    lm_stark_default_fri_params(def);
    return def;
}

int lm_p2air_prove_chain(lm_stark_proof *proof, lm_gl xn[LM_P2_WIDTH], const lm_gl x0[LM_P2_WIDTH], uint64_t n,
                         const lm_fri_params *fp, unsigned threads, lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    lm_fri_params def;
    fp = params_(fp, &def);
    unsigned log_h = 0;
    int rc = lm_p2air_chain_log_h(&log_h, n, err);
    if (rc != LM_OK)
        return rc;
    if (!canonical12_(x0))
        return lm_err_set(err, LM_ENONCANON, "p2air: chain start must be canonical");
    if ((rc = lm_fri_params_check(fp, log_h + fp->log_blowup, err)) != LM_OK)
        return rc;
    size_t h = (size_t)1 << log_h;
    lm_gl *trace = malloc((size_t)LM_P2AIR_CHAIN_WIDTH * h * sizeof *trace);
    const lm_gl **cols = malloc(LM_P2AIR_CHAIN_WIDTH * sizeof *cols);
    lm_ntt_ctx ctx = {0};
    if (trace == NULL || cols == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "p2air: no memory for the trace");
        goto out;
    }
    chain_trace_(trace, xn, x0, n, log_h, threads);
    for (unsigned c = 0; c < LM_P2AIR_CHAIN_WIDTH; c++)
        cols[c] = trace + (size_t)c * h;
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned lh;
    if ((rc = lm_p2air_chain_statement(&air, bnd, &lh, n, x0, xn, err)) != LM_OK)
        goto out;
    if ((rc = lm_ntt_ctx_init(&ctx, log_h + lm_stark_log_eval_blowup(&air, fp), threads, err)) != LM_OK)
        goto out;
    lm_stark_opts opts = {.threads = threads};
    rc = lm_stark_prove(&air, fp, &ctx, cols, log_h, &opts, proof, err);
out:
    lm_ntt_ctx_free(&ctx);
    free(cols);
    free(trace);
    return rc;
}

int lm_p2air_verify_chain(const lm_stark_proof *proof, const lm_gl x0[LM_P2_WIDTH], const lm_gl xn[LM_P2_WIDTH],
                          uint64_t n, const lm_fri_params *fp, lm_err *err)
{
    lm_fri_params def;
    fp = params_(fp, &def);
    lm_air air;
    lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY];
    unsigned log_h;
    int rc = lm_p2air_chain_statement(&air, bnd, &log_h, n, x0, xn, err);
    if (rc != LM_OK)
        return rc;
    return lm_stark_verify(&air, fp, log_h, proof, err);
}
