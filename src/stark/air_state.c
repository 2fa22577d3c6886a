/* The state-update AIR: Merkle leaf updates in the state tree taking root A
 * to root B. See include/lamina/air_state.h and docs/stark.md
 * ("State-update AIR"). */
#include "lamina/air_state.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/stark_params.h"

enum {
    D = LM_P2_DIGEST,
    L = LM_STATEAIR_DEPTH,
    GA = LM_STATEAIR_COL_GA,
    GB = LM_STATEAIR_COL_GB,
    GH = LM_STATEAIR_COL_GH,
    NODE_OLD = LM_STATEAIR_COL_NODE_OLD,
    NODE_NEW = LM_STATEAIR_COL_NODE_NEW,
    SIB = LM_STATEAIR_COL_SIB,
    BIT = LM_STATEAIR_COL_BIT,
    REM = LM_STATEAIR_COL_REM,
    ROOT = LM_STATEAIR_COL_ROOT,
    ACC = LM_STATEAIR_COL_ACC,
    IN = LM_P2AIR_COL_IN,
    OUT = LM_P2AIR_COL_OUT,
    MIN_LOG_H = 6,
};

/* The periodic columns, period 32 (row l of each update's block):
 * first (l = 0), second (l = 1), third (l = 2), last (l = 31). */
static const lm_gl sel_first_[L] = {[0] = 1};
static const lm_gl sel_second_[L] = {[1] = 1};
static const lm_gl sel_third_[L] = {[2] = 1};
static const lm_gl sel_last_[L] = {[L - 1] = 1};
static const lm_air_periodic periodic_[LM_STATEAIR_PERIODIC] = {
    {5, sel_first_}, {5, sel_second_}, {5, sel_third_}, {5, sel_last_}};

/* ---- the commitment ---------------------------------------------------------------- */

/* u = lm_poseidon2_hash(index, old_leaf, new_leaf): 9 elements. */
static void update_digest_(lm_gl u[D], const lm_stateair_update *up)
{
    lm_gl e[1 + 2 * D];
    e[0] = up->index;
    memcpy(e + 1, up->old_leaf, sizeof up->old_leaf);
    memcpy(e + 1 + D, up->new_leaf, sizeof up->new_leaf);
    lm_poseidon2_hash(u, e, 1 + 2 * D);
}

void lm_stateair_commit(lm_gl out[LM_P2_DIGEST], const lm_stateair_update *ups, size_t n)
{
    lm_gl c[D] = {0, 0, 0, 0}, u[D];
    for (size_t k = 0; k < n; k++) {
        update_digest_(u, &ups[k]);
        lm_poseidon2_compress(c, c, u);
    }
    memcpy(out, c, sizeof c);
}

/* ---- the constraints ---------------------------------------------------------------- */

/* The constraints after the three permutations, over K ... */
#define F lm_gl3
#define F_ADD lm_gl3_add
#define F_SUB lm_gl3_sub
#define F_MUL lm_gl3_mul
#define F_K(v) lm_gl3_from_base(v)
#define RS_NAME rest3_
#include "air_state_rest.h"

/* ... and over F_p, for the prover's base-field rows. */
#define F lm_gl
#define F_ADD lm_gl_add
#define F_SUB lm_gl_sub
#define F_MUL lm_gl_mul
#define F_K(v) ((lm_gl)(v))
#define RS_NAME rest1_
#include "air_state_rest.h"

/* Writes LM_STATEAIR_CONSTRAINTS values, in the order of docs/stark.md. */
static void eval_(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next, const lm_gl3 *per)
{
    (void)ctx;
    unsigned o = 0;
    /* The three permutations (row-local). */
    o += lm_p2air_eval(out + o, cur + GA);
    o += lm_p2air_eval(out + o, cur + GB);
    o += lm_p2air_eval(out + o, cur + GH);
    o += rest3_(out + o, cur, next, per, 1);
    assert(o == LM_STATEAIR_CONSTRAINTS);
}

/* The same on LM_AIR_ROWS base-field rows (lm_air_eval_rows_fn): the
 * permutations on lanes, the rest lane by lane. */
static void eval_rows_(const void *ctx, lm_gl *out, const lm_gl *cur, const lm_gl *next, const lm_gl *per)
{
    (void)ctx;
    const size_t R = LM_AIR_ROWS;
    const unsigned gad[3] = {GA, GB, GH};
    unsigned o = 0;
    for (int g = 0; g < 3; g++, o += LM_P2AIR_CONSTRAINTS)
        lm_p2air_eval_rows(out + (size_t)o * R, cur + (size_t)(gad[g] + IN) * R,
                           cur + (size_t)(gad[g] + LM_P2AIR_COL_FULL_BEGIN) * R);
    unsigned k = 0;
    for (unsigned l = 0; l < R; l++)
        k = rest1_(out + (size_t)o * R + l, cur + l, next + l, per + l, R);
    assert(o + k == LM_STATEAIR_CONSTRAINTS);
    (void)k;
}

/* ---- statement ------------------------------------------------------------------------ */

int lm_stateair_log_h(unsigned *log_h, uint64_t n, lm_err *err)
{
    if (n < 1 || n > LM_STATEAIR_MAX_UPDATES)
        return lm_err_set(err, LM_EINVAL, "stateair: %llu updates, not in 1..%llu", (unsigned long long)n,
                          (unsigned long long)LM_STATEAIR_MAX_UPDATES);
    unsigned k = MIN_LOG_H;
    while (((uint64_t)1 << k) < (uint64_t)L * n + 1)
        k++;
    *log_h = k;
    return LM_OK;
}

static bool canon_(const lm_gl *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!lm_gl_is_canonical(e[i]))
            return false;
    return true;
}

int lm_stateair_air(lm_air *air, lm_air_boundary bnd[LM_STATEAIR_BOUNDARY], unsigned *log_h,
                    const lm_stateair_statement *st, lm_err *err)
{
    int rc = lm_stateair_log_h(log_h, st->n_updates, err);
    if (rc != LM_OK)
        return rc;
    if (!canon_(st->old_root, D) || !canon_(st->new_root, D) || !canon_(st->commit, D))
        return lm_err_set(err, LM_ENONCANON, "stateair: statement element not canonical");
    uint64_t last = (uint64_t)L * (st->n_updates - 1);
    for (unsigned j = 0; j < D; j++) {
        bnd[j] = (lm_air_boundary){ROOT + j, 0, st->old_root[j]};
        bnd[D + j] = (lm_air_boundary){ACC + j, 0, 0};
        bnd[2 * D + j] = (lm_air_boundary){GB + OUT + j, last + L - 1, st->new_root[j]};
        bnd[3 * D + j] = (lm_air_boundary){ACC + j, last + 3, st->commit[j]};
    }
    *air = (lm_air){.name = LM_STATEAIR_NAME,
                    .width = LM_STATEAIR_WIDTH,
                    .n_constraints = LM_STATEAIR_CONSTRAINTS,
                    .degree = LM_P2AIR_DEGREE,
                    .eval = eval_,
                    .eval_rows = eval_rows_,
                    .ctx = NULL,
                    .boundary = bnd,
                    .n_boundary = LM_STATEAIR_BOUNDARY,
                    .periodic = periodic_,
                    .n_periodic = LM_STATEAIR_PERIODIC};
    return LM_OK;
}

/* ---- trace -------------------------------------------------------------------------------- */

/* One update's block at rows r0 .. r0 + 31. *root is the root before it
 * (NULL: take the old path's root), *acc the chain before it; both are
 * advanced. Writes the old and new roots the paths reach. */
static void fill_block_(lm_gl *t, size_t h, size_t r0, const lm_stateair_update *up, const lm_gl (*sib)[D],
                        const lm_gl *bits, lm_gl root[D], bool take_root, lm_gl acc[D], lm_gl old_root[D],
                        lm_gl new_root[D], const lm_gl *zero_row)
{
    lm_gl b[L], rem[L], no[D], nn[D], s[LM_P2_WIDTH], o[LM_P2_WIDTH], hout[LM_P2_WIDTH];
    for (unsigned l = 0; l < L; l++)
        b[l] = bits != NULL ? bits[l] : (up->index >> l) & 1u;
    rem[L - 1] = b[L - 1];
    for (unsigned l = L - 1; l-- > 0;)
        rem[l] = lm_gl_add(b[l], lm_gl_double(rem[l + 1]));
    memcpy(no, up->old_leaf, sizeof no);
    memcpy(nn, up->new_leaf, sizeof nn);
    lm_gl root_in[D], acc_in[D];
    memcpy(acc_in, acc, sizeof acc_in);
    /* the paths first: the root column needs the old path's root */
    for (unsigned l = 0; l < L; l++) {
        size_t r = r0 + l;
        for (unsigned j = 0; j < D; j++) {
            t[(size_t)(NODE_OLD + j) * h + r] = no[j];
            t[(size_t)(NODE_NEW + j) * h + r] = nn[j];
            t[(size_t)(SIB + j) * h + r] = sib[l][j];
        }
        t[(size_t)BIT * h + r] = b[l];
        t[(size_t)REM * h + r] = rem[l];
        for (unsigned g = 0; g < 2; g++) {
            lm_gl *node = g == 0 ? no : nn;
            for (unsigned j = 0; j < D; j++) {
                lm_gl d = lm_gl_mul(b[l], lm_gl_sub(sib[l][j], node[j]));
                s[j] = lm_gl_add(node[j], d);
                s[D + j] = lm_gl_sub(sib[l][j], d);
                s[2 * D + j] = 0;
            }
            lm_p2air_fill(t + (size_t)(g == 0 ? GA : GB) * h, h, r, o, s);
            memcpy(node, o, D * sizeof *o);
        }
    }
    memcpy(old_root, no, sizeof no);
    memcpy(new_root, nn, sizeof nn);
    memcpy(root_in, take_root ? no : root, sizeof root_in);
    /* the commitment chain on rows 0..2, a permutation of zero elsewhere */
    lm_gl e[LM_P2_WIDTH] = {0};
    e[0] = rem[0];
    memcpy(e + 1, up->old_leaf, sizeof up->old_leaf);
    memcpy(e + 1 + D, up->new_leaf, (D - 1) * sizeof(lm_gl));
    e[2 * D] = 2 * D + 1;              /* capacity: the length 9 ... */
    e[2 * D + 1] = LM_P2_TAG_ELEMENTS; /* ... and the tag */
    lm_p2air_fill(t + (size_t)GH * h, h, r0, hout, e);
    memset(s, 0, sizeof s);
    s[0] = up->new_leaf[D - 1];
    memcpy(s + 2 * D, hout + 2 * D, D * sizeof(lm_gl));
    lm_p2air_fill(t + (size_t)GH * h, h, r0 + 1, hout, s);
    memset(s, 0, sizeof s);
    memcpy(s, acc_in, sizeof acc_in);
    memcpy(s + D, hout, D * sizeof(lm_gl));
    lm_p2air_fill(t + (size_t)GH * h, h, r0 + 2, hout, s);
    memcpy(acc, hout, D * sizeof(lm_gl));
    for (unsigned l = 3; l < L; l++)
        for (unsigned c = 0; c < LM_P2AIR_COLS; c++)
            t[(size_t)(GH + c) * h + r0 + l] = zero_row[c];
    for (unsigned l = 0; l < L; l++)
        for (unsigned j = 0; j < D; j++) {
            t[(size_t)(ROOT + j) * h + r0 + l] = root_in[j];
            t[(size_t)(ACC + j) * h + r0 + l] = l < 3 ? acc_in[j] : acc[j];
        }
    memcpy(root, new_root, D * sizeof(lm_gl));
}

void lm_stateair_trace(lm_gl *trace, lm_stateair_statement *st, const lm_stateair_update *ups,
                       const lm_gl (*siblings)[LM_STATEAIR_DEPTH][LM_P2_DIGEST], size_t n, unsigned log_h,
                       const lm_gl *bits)
{
    size_t h = (size_t)1 << log_h, blocks = h / L;
    if (n < 1 || (uint64_t)L * n + 1 > h)
        abort(); /* programmer error */
    /* the gadget's columns for the permutation of zero, for idle rows */
    lm_gl zero_row[LM_P2AIR_COLS], zin[LM_P2_WIDTH] = {0};
    lm_p2air_fill(zero_row, 1, 0, NULL, zin);
    lm_gl root[D] = {0}, acc[D] = {0}, old_root[D], new_root[D];
    st->n_updates = n;
    for (size_t k = 0; k < blocks; k++) {
        /* after the n updates: the last one again, as a no-op */
        lm_stateair_update pad;
        const lm_stateair_update *up = &ups[k < n ? k : n - 1];
        if (k >= n) {
            pad = *up;
            memcpy(pad.old_leaf, pad.new_leaf, sizeof pad.old_leaf);
            up = &pad;
        }
        const lm_gl *kb = bits != NULL ? bits + (size_t)L * (k < n ? k : n - 1) : NULL;
        fill_block_(trace, h, k * L, up, siblings[k < n ? k : n - 1], kb, root, k == 0, acc, old_root, new_root,
                    zero_row);
        if (k == 0)
            memcpy(st->old_root, old_root, sizeof old_root);
        if (k + 1 == n) {
            memcpy(st->new_root, new_root, sizeof new_root);
            memcpy(st->commit, acc, sizeof acc);
        }
    }
}

/* ---- prove / verify ------------------------------------------------------------------------ */

static const lm_fri_params *params_(const lm_fri_params *fp, lm_fri_params *def)
{
    if (fp != NULL)
        return fp;
    lm_stark_default_fri_params(def);
    return def;
}

/* The root that leaf at index gives with these siblings. */
static void path_root_(lm_gl out[D], uint32_t index, const lm_gl leaf[D], const lm_gl (*sib)[D])
{
    lm_gl x[D];
    memcpy(x, leaf, sizeof x);
    for (unsigned l = 0; l < L; l++) {
        if ((index >> l) & 1u)
            lm_poseidon2_compress(x, sib[l], x);
        else
            lm_poseidon2_compress(x, x, sib[l]);
    }
    memcpy(out, x, sizeof x);
}

static int check_witness_(const lm_stateair_update *ups, const lm_gl (*siblings)[L][D], size_t n, lm_err *err)
{
    lm_gl prev[D], r[D];
    for (size_t k = 0; k < n; k++) {
        if (!canon_(ups[k].old_leaf, D) || !canon_(ups[k].new_leaf, D) || !canon_(&siblings[k][0][0], (size_t)L * D))
            return lm_err_set(err, LM_ENONCANON, "stateair: update %zu: element not canonical", k);
        if (k > 0) {
            path_root_(r, ups[k].index, ups[k].old_leaf, siblings[k]);
            if (memcmp(r, prev, sizeof r) != 0)
                return lm_err_set(err, LM_EINVAL,
                                  "stateair: update %zu: old leaf and siblings do not give the root after update %zu",
                                  k, k - 1);
        }
        path_root_(prev, ups[k].index, ups[k].new_leaf, siblings[k]);
    }
    return LM_OK;
}

int lm_stateair_prove(lm_stark_proof *proof, lm_stateair_statement *st, const lm_stateair_update *ups,
                      const lm_gl (*siblings)[LM_STATEAIR_DEPTH][LM_P2_DIGEST], size_t n, const lm_fri_params *fp,
                      unsigned threads, lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    lm_fri_params def;
    fp = params_(fp, &def);
    unsigned log_h = 0;
    int rc = lm_stateair_log_h(&log_h, n, err);
    if (rc != LM_OK)
        return rc;
    if ((rc = lm_fri_params_check(fp, log_h + fp->log_blowup, err)) != LM_OK)
        return rc;
    if ((rc = check_witness_(ups, siblings, n, err)) != LM_OK)
        return rc;
    size_t h = (size_t)1 << log_h;
    lm_gl *trace = malloc((size_t)LM_STATEAIR_WIDTH * h * sizeof *trace);
    const lm_gl **cols = malloc(LM_STATEAIR_WIDTH * sizeof *cols);
    lm_ntt_ctx ctx = {0};
    if (trace == NULL || cols == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "stateair: no memory for the trace");
        goto out;
    }
    lm_stateair_trace(trace, st, ups, siblings, n, log_h, NULL);
    for (unsigned c = 0; c < LM_STATEAIR_WIDTH; c++)
        cols[c] = trace + (size_t)c * h;
    lm_air air;
    lm_air_boundary bnd[LM_STATEAIR_BOUNDARY];
    unsigned lh = 0;
    if ((rc = lm_stateair_air(&air, bnd, &lh, st, err)) != LM_OK)
        goto out;
    if ((rc = lm_ntt_ctx_init(&ctx, log_h + lm_stark_log_eval_blowup(&air, fp), threads, err)) != LM_OK)
        goto out;
    lm_stark_opts opts = {threads, false, {{0, 0, 0}}};
    rc = lm_stark_prove(&air, fp, &ctx, cols, log_h, &opts, proof, err);
out:
    lm_ntt_ctx_free(&ctx);
    free(cols);
    free(trace);
    return rc;
}

int lm_stateair_verify(const lm_stark_proof *proof, const lm_stateair_statement *st, const lm_fri_params *fp,
                       lm_err *err)
{
    lm_fri_params def;
    fp = params_(fp, &def);
    lm_air air;
    lm_air_boundary bnd[LM_STATEAIR_BOUNDARY];
    unsigned log_h = 0;
    int rc = lm_stateair_air(&air, bnd, &log_h, st, err);
    if (rc != LM_OK)
        return rc;
    return lm_stark_verify(&air, fp, log_h, proof, err);
}
