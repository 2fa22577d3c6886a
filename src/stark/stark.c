/* STARK prover and verifier for AIRs over Goldilocks (DEEP-ALI + FRI).
 * See include/lamina/stark.h and docs/stark.md ("STARK"). */
#include "lamina/stark.h"

#include <stdlib.h>
#include <string.h>

#include "lamina/bytes.h"
#include "lamina/transcript.h"
#include "accel.h"
#include "par.h"

#define STARK_LABEL "lamina-stark-v1"

unsigned lm_stark_num_segments(const lm_air *air) { return air->degree > 2 ? air->degree - 1 : 1; }

unsigned lm_stark_log_eval_blowup(const lm_air *air, const lm_fri_params *fp)
{
    unsigned e = 0;
    while (e < LM_FRI_MAX_LOG_BLOWUP && (1u << e) < air->degree)
        e++;
    return e > fp->log_blowup ? e : fp->log_blowup;
}

void lm_stark_proof_free(lm_stark_proof *proof)
{
    if (proof == NULL)
        return;
    free(proof->ood);
    lm_fri_proof_free(&proof->fri);
    free(proof->trace_rows);
    free(proof->trace_sib);
    free(proof->comp_rows);
    free(proof->comp_sib);
    memset(proof, 0, sizeof *proof);
}

/* ---- shared ------------------------------------------------------------------ */

static int check_air_(const lm_air *air, const lm_fri_params *fp, unsigned log_h, lm_err *err)
{
    if (log_h < 1 || log_h > LM_FRI_MAX_LOG_N)
        return lm_err_set(err, LM_EINVAL, "stark: trace length 2^%u out of range", log_h);
    int rc = lm_fri_params_check(fp, log_h + fp->log_blowup, err);
    if (rc != LM_OK)
        return rc;
    if (air->width < 1 || air->width > LM_STARK_MAX_WIDTH)
        return lm_err_set(err, LM_EINVAL, "stark: width %u not in 1..%u", air->width, LM_STARK_MAX_WIDTH);
    if (air->n_constraints > LM_STARK_MAX_CONSTRAINTS || (air->n_constraints > 0 && air->eval == NULL))
        return lm_err_set(err, LM_EINVAL, "stark: bad transition constraints");
    if (air->degree < 1 || air->degree > (1u << LM_FRI_MAX_LOG_BLOWUP))
        return lm_err_set(err, LM_EINVAL, "stark: constraint degree %u not in 1..%u", air->degree,
                          1u << LM_FRI_MAX_LOG_BLOWUP);
    if (log_h + lm_stark_log_eval_blowup(air, fp) > LM_FRI_MAX_LOG_N)
        return lm_err_set(err, LM_EINVAL, "stark: evaluation domain 2^%u too large",
                          log_h + lm_stark_log_eval_blowup(air, fp));
    if (air->n_boundary > LM_STARK_MAX_BOUNDARY || (air->n_boundary > 0 && air->boundary == NULL))
        return lm_err_set(err, LM_EINVAL, "stark: bad boundary constraints");
    for (size_t k = 0; k < air->n_boundary; k++) {
        const lm_air_boundary *b = &air->boundary[k];
        if (b->col >= air->width || b->row >= ((uint64_t)1 << log_h) || !lm_gl_is_canonical(b->value))
            return lm_err_set(err, LM_EINVAL, "stark: boundary constraint %zu out of range", k);
    }
    if (air->n_periodic > LM_STARK_MAX_PERIODIC || (air->n_periodic > 0 && air->periodic == NULL))
        return lm_err_set(err, LM_EINVAL, "stark: bad periodic columns");
    for (unsigned j = 0; j < air->n_periodic; j++) {
        const lm_air_periodic *pc = &air->periodic[j];
        if (pc->log_period > log_h || pc->values == NULL)
            return lm_err_set(err, LM_EINVAL, "stark: periodic column %u: period 2^%u does not divide 2^%u", j,
                              pc->log_period, log_h);
        for (size_t i = 0; i < ((size_t)1 << pc->log_period); i++)
            if (!lm_gl_is_canonical(pc->values[i]))
                return lm_err_set(err, LM_EINVAL, "stark: periodic column %u: value %zu not canonical", j, i);
    }
    return LM_OK;
}

/* The statement: AIR name, shape, FRI parameters, boundary values and
 * periodic columns (each by its period and the hash of its values). */
static void start_transcript_(lm_transcript *t, const lm_air *air, const lm_fri_params *fp, unsigned log_h)
{
    lm_transcript_init(t, (const uint8_t *)STARK_LABEL, strlen(STARK_LABEL));
    lm_gl d[LM_P2_DIGEST];
    const char *name = air->name != NULL ? air->name : "";
    lm_poseidon2_hash_bytes(d, (const uint8_t *)name, strlen(name));
    lm_transcript_absorb_digest(t, d);
    const lm_gl head[11] = {log_h,          air->width,      air->n_constraints,         air->degree,
                            air->n_boundary, fp->log_blowup,  fp->log_final_len,          fp->num_queries,
                            fp->pow_bits,    lm_stark_num_segments(air), air->n_periodic};
    lm_transcript_absorb(t, head, 11);
    for (size_t k = 0; k < air->n_boundary; k++) {
        const lm_gl b[3] = {air->boundary[k].col, air->boundary[k].row, air->boundary[k].value};
        lm_transcript_absorb(t, b, 3);
    }
    for (unsigned j = 0; j < air->n_periodic; j++) {
        const lm_air_periodic *pc = &air->periodic[j];
        lm_transcript_absorb(t, &(lm_gl){pc->log_period}, 1);
        lm_poseidon2_hash(d, pc->values, (size_t)1 << pc->log_period);
        lm_transcript_absorb_digest(t, d);
    }
}

static lm_gl3 gl3_sub_base_(lm_gl a, lm_gl3 b) { return lm_gl3_sub(lm_gl3_from_base(a), b); }

/* Montgomery's trick over K: a[i] <- a[i]^-1 (nonzero entries). */
static void gl3_batch_inv_(lm_gl3 *a, size_t n, lm_gl3 *scratch)
{
    if (n == 0)
        return;
    scratch[0] = a[0];
    for (size_t i = 1; i < n; i++)
        scratch[i] = lm_gl3_mul(scratch[i - 1], a[i]);
    lm_gl3 inv = lm_gl3_inv(scratch[n - 1]);
    for (size_t i = n - 1; i > 0; i--) {
        lm_gl3 ai = lm_gl3_mul(inv, scratch[i - 1]);
        inv = lm_gl3_mul(inv, a[i]);
        a[i] = ai;
    }
    a[0] = inv;
}

/* Challenges after the trace root: a_j (transitions), b_k (boundaries). */
static void squeeze_k_(lm_transcript *t, lm_gl3 *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = lm_transcript_squeeze_gl3(t);
}

/* The constraint-side value C(x) given the constraint values at a point:
 *   sum_j a_j T_j * (x - g^(h-1)) / (x^h - 1)  +  sum_k b_k (P_col_k - v_k) / (x - g^row_k)
 * is assembled by the callers (prover: base points, verifier: z in K). */

/* DEEP value at one point from its trace row, composition row and the
 * out-of-domain values:
 *   D = inv_z  * (sum_c gam_c (t_c - tz_c) + sum_i gam''_i (s_i - sz_i))
 *     + inv_gz * (sum_c gam'_c (t_c - tgz_c)),
 * computed as inv_z (sum_c gam_c t_c + sum_i gam''_i s_i - k[0])
 * + inv_gz (sum_c gam'_c t_c - k[1]) with the constants of deep_consts_,
 * so that the trace terms are base-by-K products (the same value). */
static lm_gl3 deep_value_(const lm_gl *trow, size_t tstride, const lm_gl *crow, size_t cstride, unsigned w,
                          unsigned Q, const lm_gl3 *gam, const lm_gl3 k[2], lm_gl3 inv_z, lm_gl3 inv_gz)
{
    lm_gl3 a = {{0, 0, 0}}, b = {{0, 0, 0}};
    for (unsigned c = 0; c < w; c++) {
        lm_gl t = trow[c * tstride];
        a = lm_gl3_add(a, lm_gl3_mul_base(gam[c], t));
        b = lm_gl3_add(b, lm_gl3_mul_base(gam[w + c], t));
    }
    for (unsigned i = 0; i < Q; i++) {
        lm_gl3 sv = {{crow[(3 * i) * cstride], crow[(3 * i + 1) * cstride], crow[(3 * i + 2) * cstride]}};
        a = lm_gl3_add(a, lm_gl3_mul(gam[2 * w + i], sv));
    }
    return lm_gl3_add(lm_gl3_mul(lm_gl3_sub(a, k[0]), inv_z), lm_gl3_mul(lm_gl3_sub(b, k[1]), inv_gz));
}

/* k[0] = sum_c gam_c tz_c + sum_i gam''_i sz_i, k[1] = sum_c gam'_c tgz_c. */
static void deep_consts_(lm_gl3 k[2], unsigned w, unsigned Q, const lm_gl3 *ood, const lm_gl3 *gam)
{
    k[0] = k[1] = (lm_gl3){{0, 0, 0}};
    for (unsigned c = 0; c < w; c++) {
        k[0] = lm_gl3_add(k[0], lm_gl3_mul(gam[c], ood[c]));
        k[1] = lm_gl3_add(k[1], lm_gl3_mul(gam[w + c], ood[w + c]));
    }
    for (unsigned i = 0; i < Q; i++)
        k[0] = lm_gl3_add(k[0], lm_gl3_mul(gam[2 * w + i], ood[2 * w + i]));
}

static int cmp_size_(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* pos[0..*m) = the distinct q[0..n), increasing. */
static void distinct_(size_t *pos, size_t *m, const size_t *q, size_t n)
{
    memcpy(pos, q, n * sizeof *pos);
    qsort(pos, n, sizeof *pos, cmp_size_);
    size_t w = 0;
    for (size_t k = 0; k < n; k++)
        if (w == 0 || pos[w - 1] != pos[k])
            pos[w++] = pos[k];
    *m = w;
}

/* ---- prover ------------------------------------------------------------------ */

/* Points per batch inversion of the DEEP job (one K inversion each). */
#define DEEP_CHUNK 512u

#define LANES_BODY "stark_lanes.h"
#include "lanes.h"

typedef struct prover_ {
    const lm_air *air;
    unsigned log_h, log_N, log_b, w, Q;
    size_t h, N, beta;
    unsigned log_M; /* the commitment domain s H_M, M = h * blowup <= N (a prefix of the bit-reversed LDE) */
    size_t M;
    lm_p2_impl impl;              /* lm_stark_impl() when the proof started */
    const lm_gl *const *cols;     /* the trace, w columns of h */
    lm_ntt_ctx ctx1;              /* the caller's context on one thread */
    lm_gl *lde;        /* w columns of N, bit-reversed */
    lm_gl *comp;       /* 3Q columns of M, bit-reversed */
    size_t *rev;       /* rev[i] = bitrev(i) */
    lm_gl *xs;         /* xs[pp] = s w_N^rev(pp): the LDE points, bit-reversed */
    lm_gl zt[1u << LM_FRI_MAX_LOG_BLOWUP]; /* 1/(x^h - 1) by i mod beta */
    lm_gl g_last;      /* g^(h-1) */
    lm_gl3 *ch;        /* a_j then b_k */
    size_t n_rows;     /* distinct boundary rows */
    uint64_t *brow;    /* those rows */
    size_t *bidx;      /* boundary k -> its row's index */
    lm_gl *binv;       /* n_rows columns of N: 1/(xs[pp] - g^row) */
    lm_gl *ccoef;      /* 3 columns of N: C at xs[pp], then C's coefficients */
    lm_gl *scratch;    /* per thread, scratch_len elements */
    size_t scratch_len;
    lm_gl *per;        /* periodic column j on s H_N, natural order, period M_j: */
    size_t *per_off;   /* per_off[j] + (i mod M_j) holds its value at x_i */
    size_t *per_mask;  /* M_j - 1, M_j = 2^log_period_j * beta */
    unsigned threads;
    lm_gl3 z, gz;
    lm_gl3 *ood, *gam, dk[2];
    lm_gl *lw;         /* 3 columns of h: the Lagrange weights L_i(z) on H_h */
    lm_gl *uv;         /* 6 columns of M: U then V of the DEEP step, bit-reversed */
    lm_gl *uvc;        /* 6 columns of h: their coefficients */
    lm_gl3 *deep;
    lm_gl *tmp;
    lm_merkle_tree ttree, ctree;
    size_t *q, *pos;
} prover_;

static void prover_free_(prover_ *p)
{
    free(p->lde);
    free(p->comp);
    free(p->rev);
    free(p->xs);
    free(p->ch);
    free(p->brow);
    free(p->bidx);
    free(p->binv);
    free(p->ccoef);
    free(p->scratch);
    free(p->per);
    free(p->per_off);
    free(p->per_mask);
    free(p->gam);
    free(p->lw);
    free(p->uv);
    free(p->uvc);
    free(p->deep);
    free(p->tmp);
    free(p->q);
    free(p->pos);
    lm_merkle_free(&p->ttree);
    lm_merkle_free(&p->ctree);
}

/* The share [*i0, *i1) of n items for thread t of nt. */
static void share_(size_t *i0, size_t *i1, size_t n, unsigned t, unsigned nt)
{
    size_t per = (n + nt - 1) / nt;
    *i0 = per * t < n ? per * t : n;
    *i1 = *i0 + per < n ? *i0 + per : n;
}

/* ---- composition: lane-wise and scalar sums ---- */

/* acc[k * LM_AIR_ROWS + l] = coordinate k of sum_j ch[j] T[j][l]. */
static void comp_sum_(lm_p2_impl impl, lm_gl *acc, const lm_gl *T, unsigned nc, const lm_gl3 *ch)
{
#ifdef LANES_X86
    if (impl == LM_P2_IMPL_AVX512) {
        p2x8_comp_sum(acc, T, nc, ch);
        return;
    }
    if (impl == LM_P2_IMPL_AVX2) {
        p2x4_comp_sum(acc, T, nc, ch);
        return;
    }
#endif
    (void)impl;
    for (unsigned l = 0; l < LM_AIR_ROWS; l++) {
        lm_gl3 a = {{0, 0, 0}};
        for (unsigned j = 0; j < nc; j++)
            a = lm_gl3_add(a, lm_gl3_mul_base(ch[j], T[(size_t)j * LM_AIR_ROWS + l]));
        for (int k = 0; k < 3; k++)
            acc[k * LM_AIR_ROWS + l] = a.c[k];
    }
}

/* comp_finish of stark_lanes.h, dispatched; the scalar twin computes the
 * same sums in the same grouping. */
static void comp_finish_(const prover_ *p, lm_gl *out, const lm_gl *acc, const lm_gl *f, const lm_gl *cur,
                         const lm_gl *binv)
{
    const lm_air *air = p->air;
    const lm_gl3 *chb = p->ch + air->n_constraints;
#ifdef LANES_X86
    if (p->impl == LM_P2_IMPL_AVX512) {
        p2x8_comp_finish(out, acc, f, cur, air, p->bidx, binv, p->n_rows, chb);
        return;
    }
    if (p->impl == LM_P2_IMPL_AVX2) {
        p2x4_comp_finish(out, acc, f, cur, air, p->bidx, binv, p->n_rows, chb);
        return;
    }
#endif
    for (unsigned l = 0; l < LM_AIR_ROWS; l++) {
        lm_gl3 a = {{0, 0, 0}};
        if (acc != NULL)
            a = lm_gl3_mul_base((lm_gl3){{acc[l], acc[LM_AIR_ROWS + l], acc[2 * LM_AIR_ROWS + l]}}, f[l]);
        for (size_t r = 0; r < p->n_rows; r++) {
            lm_gl3 s = {{0, 0, 0}};
            for (size_t k = 0; k < air->n_boundary; k++)
                if (p->bidx[k] == r) {
                    const lm_air_boundary *bd = &air->boundary[k];
                    lm_gl d = lm_gl_sub(cur[(size_t)bd->col * LM_AIR_ROWS + l], bd->value);
                    s = lm_gl3_add(s, lm_gl3_mul_base(chb[k], d));
                }
            a = lm_gl3_add(a, lm_gl3_mul_base(s, binv[r * LM_AIR_ROWS + l]));
        }
        for (int k = 0; k < 3; k++)
            out[k * LM_AIR_ROWS + l] = a.c[k];
    }
}

/* dst[c * LM_AIR_ROWS + l] = src[c * N + pos[l]] for c < ncols: one copy per
 * column when the positions are consecutive (the usual case: 8 consecutive
 * bit-reversed positions and their successors' positions). */
static void gather_(lm_gl *dst, const lm_gl *src, size_t N, unsigned ncols, const size_t pos[LM_AIR_ROWS])
{
    bool run = true;
    for (unsigned l = 1; l < LM_AIR_ROWS; l++)
        run = run && pos[l] == pos[0] + l;
    for (unsigned c = 0; c < ncols; c++) {
        const lm_gl *col = src + (size_t)c * N;
        if (run) {
            __builtin_prefetch(col + pos[0] + 4 * LM_AIR_ROWS);
            memcpy(dst + (size_t)c * LM_AIR_ROWS, col + pos[0], LM_AIR_ROWS * sizeof *dst);
        } else
            for (unsigned l = 0; l < LM_AIR_ROWS; l++)
                dst[(size_t)c * LM_AIR_ROWS + l] = col[pos[l]];
    }
}

/* C at the LDE points pp of blocks of LM_AIR_ROWS consecutive (bit-reversed)
 * positions: the rows are read from the LDE nearly in place, and with
 * lm_air.eval_rows the constraints and their sum run on lanes. */
static void job_comp_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    const lm_air *air = p->air;
    const size_t R = LM_AIR_ROWS, N = p->N;
    unsigned w = p->w, nc = air->n_constraints, np = air->n_periodic;
    lm_gl *cur = p->scratch + (size_t)t * p->scratch_len, *next = cur + w * R, *per = next + w * R,
          *tv = per + np * R, *acc = tv + nc * R, *bv = acc + 3 * R, *res = bv + p->n_rows * R;
    lm_gl3 *cur3 = (lm_gl3 *)(res + 3 * R), *next3 = cur3 + w, *per3 = next3 + w, *tv3 = per3 + np;
    size_t b0, b1;
    share_(&b0, &b1, (N + R - 1) / R, t, nt);
    for (size_t b = b0; b < b1; b++) {
        size_t pp0 = b * R, nl = N - pp0 < R ? N - pp0 : R;
        size_t pc[LM_AIR_ROWS], pn[LM_AIR_ROWS], nat[LM_AIR_ROWS];
        for (unsigned l = 0; l < R; l++) {
            pc[l] = pp0 + (l < nl ? l : nl - 1); /* lanes past N repeat the last point */
            nat[l] = p->rev[pc[l]];
            pn[l] = p->rev[(nat[l] + p->beta) & (N - 1)]; /* g x: beta steps of w_N */
        }
        gather_(cur, p->lde, N, w, pc);
        gather_(bv, p->binv, N, (unsigned)p->n_rows, pc);
        if (nc > 0) {
            gather_(next, p->lde, N, w, pn);
            for (unsigned j = 0; j < np; j++)
                for (unsigned l = 0; l < R; l++)
                    per[j * R + l] = p->per[p->per_off[j] + (nat[l] & p->per_mask[j])];
            if (air->eval_rows != NULL) {
                air->eval_rows(air->ctx, tv, cur, next, np > 0 ? per : NULL);
                comp_sum_(p->impl, acc, tv, nc, p->ch);
            } else {
                for (unsigned l = 0; l < nl; l++) {
                    for (unsigned c = 0; c < w; c++) {
                        cur3[c] = lm_gl3_from_base(cur[c * R + l]);
                        next3[c] = lm_gl3_from_base(next[c * R + l]);
                    }
                    for (unsigned j = 0; j < np; j++)
                        per3[j] = lm_gl3_from_base(per[j * R + l]);
                    air->eval(air->ctx, tv3, cur3, next3, np > 0 ? per3 : NULL);
                    /* base-field rows give mostly base-field constraint values */
                    lm_gl3 a = {{0, 0, 0}};
                    for (unsigned j = 0; j < nc; j++)
                        a = lm_gl3_add(a, (tv3[j].c[1] | tv3[j].c[2]) == 0 ? lm_gl3_mul_base(p->ch[j], tv3[j].c[0])
                                                                            : lm_gl3_mul(p->ch[j], tv3[j]));
                    for (int k = 0; k < 3; k++)
                        acc[k * R + l] = a.c[k];
                }
            }
        }
        /* 1/Z_T(x) = (x - g^(h-1)) / (x^h - 1) */
        lm_gl f[LM_AIR_ROWS];
        for (unsigned l = 0; l < R; l++)
            f[l] = lm_gl_mul(lm_gl_sub(p->xs[pc[l]], p->g_last), p->zt[nat[l] & (p->beta - 1)]);
        comp_finish_(p, res, nc > 0 ? acc : NULL, f, cur, bv);
        for (int k = 0; k < 3; k++) {
            if (nl == R)
                memcpy(p->ccoef + (size_t)k * N + pp0, res + k * R, R * sizeof *res);
            else
                for (unsigned l = 0; l < nl; l++)
                    p->ccoef[(size_t)k * N + pc[l]] = res[k * R + l];
        }
    }
}

#define ALLOC_(ptr, n)                                                                                       \
    do {                                                                                                     \
        if (((ptr) = malloc(((n) + 1) * sizeof *(ptr))) == NULL) {                                           \
            rc = lm_err_set(err, LM_ENOMEM, "stark: no memory");                                             \
            goto out;                                                                                        \
        }                                                                                                    \
    } while (0)

/* Periodic column j of period m on the LDE: p(x^(h/m)) at x_i = s w_N^i is
 * p(s^(h/m) w_M^i), M = m beta, so one coset evaluation of size M gives the
 * column on all of s H_N, repeating with period M. */
static int periodic_lde_(prover_ *p, const lm_ntt_ctx *ctx, lm_err *err)
{
    const lm_air *air = p->air;
    unsigned np = air->n_periodic;
    size_t total = 0;
    p->per_off = malloc((np + 1) * sizeof *p->per_off);
    p->per_mask = malloc((np + 1) * sizeof *p->per_mask);
    if (p->per_off == NULL || p->per_mask == NULL)
        return lm_err_set(err, LM_ENOMEM, "stark: no memory");
    for (unsigned j = 0; j < np; j++) {
        p->per_off[j] = total;
        p->per_mask[j] = ((size_t)1 << (air->periodic[j].log_period + p->log_b)) - 1;
        total += p->per_mask[j] + 1;
    }
    if ((p->per = malloc((total + 1) * sizeof *p->per)) == NULL)
        return lm_err_set(err, LM_ENOMEM, "stark: no memory");
    for (unsigned j = 0; j < np; j++) {
        unsigned lp = air->periodic[j].log_period;
        size_t m = (size_t)1 << lp;
        memcpy(p->tmp, air->periodic[j].values, m * sizeof(lm_gl));
        lm_ntt_inverse(ctx, p->tmp, lp); /* values at w_m^i -> coefficients */
        lm_gl shift = lm_gl_pow(LM_NTT_COSET_SHIFT, p->h >> lp);
        lm_ntt_coset_eval(ctx, p->per + p->per_off[j], lp + p->log_b, p->tmp, m, shift, LM_NTT_NATURAL);
    }
    return LM_OK;
}

/* ---- coset evaluations of several polynomials, side by side ---- */

typedef struct evals_job_ {
    const lm_ntt_ctx *ctx;
    lm_gl *const *out;
    const lm_gl *const *coef;
    size_t ncols, n;
    unsigned log_N;
} evals_job_;

static void job_evals_(void *arg, unsigned t, unsigned nt)
{
    const evals_job_ *e = arg;
    for (size_t c = t; c < e->ncols; c += nt)
        lm_ntt_coset_eval(e->ctx, e->out[c], e->log_N, e->coef[c], e->n, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
}

/* out[c] = coef[c] (n coefficients) on s H_(2^log_n), bit-reversed, c < ncols: whole
 * columns per thread when there are enough, else each split by the NTT. */
static void coset_evals_(const prover_ *p, const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *coef,
                         size_t ncols, size_t n, unsigned log_n)
{
    evals_job_ e = {&p->ctx1, out, coef, ncols, n, log_n};
    if (p->threads > 1 && ncols >= p->threads)
        lm_par_run(p->threads, job_evals_, &e);
    else {
        e.ctx = ctx;
        job_evals_(&e, 0, 1);
    }
}

/* ---- out-of-domain values of the trace polynomials ---- */

/* Horner over K with base coefficients c[0..n) (stride 1) at a K point. */
static lm_gl3 eval_base_poly_(const lm_gl *c, size_t n, lm_gl3 x)
{
    lm_gl3 acc = {{0, 0, 0}};
    for (size_t k = n; k-- > 0;)
        acc = lm_gl3_add(lm_gl3_mul(acc, x), lm_gl3_from_base(c[k]));
    return acc;
}

/* Segment i of C at x: coefficients from the three component columns. */
static lm_gl3 eval_segment_(const lm_gl *ccoef, size_t N, size_t h, unsigned i, lm_gl3 x)
{
    lm_gl3 acc = {{0, 0, 0}};
    for (size_t k = h; k-- > 0;) {
        size_t at = (size_t)i * h + k;
        lm_gl3 ck = {{ccoef[at], ccoef[N + at], ccoef[2 * N + at]}};
        acc = lm_gl3_add(lm_gl3_mul(acc, x), ck);
    }
    return acc;
}

/* P_c(z) and P_c(g z) of trace column c from its values y on H_h, with the
 * Lagrange weights L_i = L_i(z) = (z^h - 1) g^i / (h (z - g^i)):
 *   P(z) = sum_i L_i y_i,   P(g z) = sum_i L_(i-1) y_i = sum_i L_i y_(i+1),
 * since L_i(g z) = (z^h - 1) g^(i-1) / (h (z - g^(i-1))) = L_(i-1)(z). */
static void ood_column_(const prover_ *p, lm_gl3 out[2], const lm_gl *y)
{
    size_t h = p->h, v = 0;
    const lm_gl *L0 = p->lw, *L1 = L0 + h, *L2 = L1 + h;
    lm_gl3 a = {{0, 0, 0}}, b = {{0, 0, 0}};
#ifdef LANES_X86
    if ((p->impl == LM_P2_IMPL_AVX512 || p->impl == LM_P2_IMPL_AVX2) && h >= 2 * LM_AIR_ROWS) {
        lm_gl part[6 * LM_AIR_ROWS];
        unsigned lanes = p->impl == LM_P2_IMPL_AVX512 ? 8 : 4;
        v = h - LM_AIR_ROWS; /* the lanes read y[i + 1]: the last rows wrap around, below */
        if (lanes == 8)
            p2x8_ood_part(part, y, v, L0, L1, L2);
        else
            p2x4_ood_part(part, y, v, L0, L1, L2);
        for (unsigned l = 0; l < lanes; l++) {
            a = lm_gl3_add(a, (lm_gl3){{part[l], part[lanes + l], part[2 * lanes + l]}});
            b = lm_gl3_add(b, (lm_gl3){{part[3 * lanes + l], part[4 * lanes + l], part[5 * lanes + l]}});
        }
    }
#endif
    for (size_t i = v; i < h; i++) {
        lm_gl3 L = {{L0[i], L1[i], L2[i]}};
        a = lm_gl3_add(a, lm_gl3_mul_base(L, y[i]));
        b = lm_gl3_add(b, lm_gl3_mul_base(L, y[(i + 1) & (h - 1)]));
    }
    out[0] = a;
    out[1] = b;
}

static void job_ood_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    for (unsigned c = t; c < p->w; c += nt) {
        lm_gl3 o[2];
        ood_column_(p, o, p->cols[c]);
        p->ood[c] = o[0];
        p->ood[p->w + c] = o[1];
    }
}

/* ood[c] = P_c(z), ood[w + c] = P_c(g z) for every trace column c. */
static int ood_trace_(prover_ *p, const lm_ntt_ctx *ctx, lm_err *err)
{
    size_t h = p->h;
    lm_gl g;
    if (!lm_gl_root_of_unity(&g, p->log_h))
        abort();
    lm_gl3 *d = malloc((2 * h + 1) * sizeof *d);
    int rc = LM_OK;
    if (d == NULL || (p->lw = malloc((3 * h + 1) * sizeof *p->lw)) == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "stark: no memory");
        goto out;
    }
    bool in_h = false; /* z in H_h (probability about h / p^3): no weights */
    lm_gl gi = 1;
    for (size_t i = 0; i < h; i++, gi = lm_gl_mul(gi, g)) {
        d[i] = gl3_sub_base_(gi, p->z);
        in_h = in_h || lm_gl3_is_zero(d[i]);
    }
    if (in_h) {
        for (unsigned c = 0; c < p->w; c++) {
            memcpy(p->tmp, p->cols[c], h * sizeof(lm_gl));
            lm_ntt_inverse(ctx, p->tmp, p->log_h);
            p->ood[c] = eval_base_poly_(p->tmp, h, p->z);
            p->ood[p->w + c] = eval_base_poly_(p->tmp, h, p->gz);
        }
        goto out;
    }
    gl3_batch_inv_(d, h, d + h); /* d[i] = 1/(g^i - z) */
    /* L_i = (z^h - 1)/h g^i / (z - g^i) = (1 - z^h)/h g^i d[i] */
    lm_gl3 k = lm_gl3_mul_base(lm_gl3_sub(lm_gl3_from_base(1), lm_gl3_pow(p->z, h)), lm_gl_inv((lm_gl)h));
    gi = 1;
    for (size_t i = 0; i < h; i++, gi = lm_gl_mul(gi, g)) {
        lm_gl3 L = lm_gl3_mul(k, lm_gl3_mul_base(d[i], gi));
        p->lw[i] = L.c[0];
        p->lw[h + i] = L.c[1];
        p->lw[2 * h + i] = L.c[2];
    }
    lm_par_run(h * p->w >= 4096 ? p->threads : 1, job_ood_, p);
out:
    free(d);
    free(p->lw);
    p->lw = NULL;
    return rc;
}

/* ---- DEEP composition ---- */

/* U(x) = sum_c gam_c P_c(x) + sum_i gam''_i C_i(x) and
 * V(x) = sum_c gam'_c P_c(x), both of degree < h, so that
 *   DEEP(x) = (U(x) - k[0]) / (x - z) + (V(x) - k[1]) / (x - g z)
 * (deep_value_ regrouped). The trace sums are taken on the h trace rows
 * and the polynomials then evaluated on the LDE by NTTs, instead of 6 w
 * products at each of the N points. */
static void comb_rows_(const prover_ *p, lm_gl *const *out, size_t r0, size_t r1)
{
    unsigned w = p->w;
    const lm_gl3 *gam = p->gam;
    size_t r = r0;
#ifdef LANES_X86
    for (; r + LM_AIR_ROWS <= r1 && (p->impl == LM_P2_IMPL_AVX512 || p->impl == LM_P2_IMPL_AVX2);
         r += LM_AIR_ROWS) {
        if (p->impl == LM_P2_IMPL_AVX512)
            p2x8_trace_comb(out, p->cols, w, gam, r);
        else
            p2x4_trace_comb(out, p->cols, w, gam, r);
    }
#endif
    for (; r < r1; r++) {
        lm_gl3 a = {{0, 0, 0}}, b = {{0, 0, 0}};
        for (unsigned c = 0; c < w; c++) {
            lm_gl y = p->cols[c][r];
            a = lm_gl3_add(a, lm_gl3_mul_base(gam[c], y));
            b = lm_gl3_add(b, lm_gl3_mul_base(gam[w + c], y));
        }
        for (int k = 0; k < 3; k++) {
            out[k][r] = a.c[k];
            out[3 + k][r] = b.c[k];
        }
    }
}

static void job_comb_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    lm_gl *out[6];
    for (int k = 0; k < 6; k++)
        out[k] = p->uvc + (size_t)k * p->h;
    size_t nb = (p->h + LM_AIR_ROWS - 1) / LM_AIR_ROWS, b0, b1;
    share_(&b0, &b1, nb, t, nt);
    size_t r1 = b1 * LM_AIR_ROWS < p->h ? b1 * LM_AIR_ROWS : p->h;
    comb_rows_(p, out, b0 * LM_AIR_ROWS, r1);
}

/* U's coefficients gain sum_i gam''_i C_i's (coefficients i h .. (i+1) h of C). */
static void job_segs_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    size_t k0, k1, h = p->h, N = p->N;
    share_(&k0, &k1, h, t, nt);
    const lm_gl3 *gs = p->gam + 2 * (size_t)p->w;
    for (size_t k = k0; k < k1; k++) {
        lm_gl3 a = {{p->uvc[k], p->uvc[h + k], p->uvc[2 * h + k]}};
        for (unsigned i = 0; i < p->Q; i++) {
            size_t at = (size_t)i * h + k;
            a = lm_gl3_add(a, lm_gl3_mul(gs[i], (lm_gl3){{p->ccoef[at], p->ccoef[N + at], p->ccoef[2 * N + at]}}));
        }
        p->uvc[k] = a.c[0];
        p->uvc[h + k] = a.c[1];
        p->uvc[2 * h + k] = a.c[2];
    }
}

/* DEEP at the LDE points, chunk by chunk: the 2 DEEP_CHUNK denominators
 * x - z, x - g z of a chunk share one batch inversion. */
static void job_deep_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    size_t N = p->M, i0, i1; /* DEEP lives on the commitment domain */
    share_(&i0, &i1, (N + DEEP_CHUNK - 1) / DEEP_CHUNK, t, nt);
    lm_gl3 d[2 * DEEP_CHUNK], s[2 * DEEP_CHUNK];
    const lm_gl *U = p->uv, *V = p->uv + 3 * N;
    for (size_t ch = i0; ch < i1; ch++) {
        size_t a = ch * DEEP_CHUNK, n = N - a < DEEP_CHUNK ? N - a : DEEP_CHUNK;
#ifdef LANES_X86
        if (p->impl == LM_P2_IMPL_AVX512 && n % 8 == 0) {
            p2x8_deep_chunk(p->deep, p->xs, U, V, N, a, n, p->z, p->gz, p->dk);
            continue;
        }
        if (p->impl == LM_P2_IMPL_AVX2 && n % 4 == 0) {
            p2x4_deep_chunk(p->deep, p->xs, U, V, N, a, n, p->z, p->gz, p->dk);
            continue;
        }
#endif
        for (size_t k = 0; k < n; k++) {
            d[k] = gl3_sub_base_(p->xs[a + k], p->z);
            d[n + k] = gl3_sub_base_(p->xs[a + k], p->gz);
        }
        gl3_batch_inv_(d, 2 * n, s); /* never 0: z, g z are drawn outside the LDE domain */
        for (size_t k = 0; k < n; k++) {
            size_t pp = a + k;
            lm_gl3 u = {{U[pp], U[N + pp], U[2 * N + pp]}}, v = {{V[pp], V[N + pp], V[2 * N + pp]}};
            p->deep[pp] = lm_gl3_add(lm_gl3_mul(lm_gl3_sub(u, p->dk[0]), d[k]),
                                     lm_gl3_mul(lm_gl3_sub(v, p->dk[1]), d[n + k]));
        }
    }
}

int lm_stark_prove(const lm_air *air, const lm_fri_params *fp, const lm_ntt_ctx *ctx, const lm_gl *const *cols,
                   unsigned log_h, const lm_stark_opts *opts, lm_stark_proof *proof, lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    int rc = check_air_(air, fp, log_h, err);
    if (rc != LM_OK)
        return rc;
    prover_ p = {0};
    p.air = air;
    p.cols = cols;
    p.impl = lm_stark_impl();
    p.log_h = log_h;
    /* The constraints are evaluated on s H_N, N = h * beta with beta >= the
     * degree; the trace and the composition segments are committed, and DEEP
     * and FRI run, on s H_M, M = h * blowup <= N: with bit-reversed order
     * its points are the first M of s H_N. */
    p.log_b = lm_stark_log_eval_blowup(air, fp);
    p.log_N = log_h + p.log_b;
    p.log_M = log_h + fp->log_blowup;
    p.h = (size_t)1 << log_h;
    p.N = (size_t)1 << p.log_N;
    p.M = (size_t)1 << p.log_M;
    p.beta = (size_t)1 << p.log_b;
    p.w = air->width;
    p.Q = lm_stark_num_segments(air);
    p.threads = opts != NULL && opts->threads > 0 ? opts->threads : 1;
    if (p.threads > LM_PAR_MAX_THREADS)
        p.threads = LM_PAR_MAX_THREADS;
    if (ctx->fwd == NULL || ctx->max_log_n < p.log_N)
        return lm_err_set(err, LM_EINVAL, "stark: the NTT context needs max_log_n >= %u", p.log_N);
    p.ctx1 = *ctx;
    p.ctx1.threads = 1;
    size_t N = p.N, M = p.M, h = p.h, nc = air->n_constraints, nb = air->n_boundary;
    unsigned w = p.w, Q = p.Q;
    lm_transcript t;
    start_transcript_(&t, air, fp, log_h);
    proof->log_h = log_h;
    proof->width = w;
    proof->n_seg = Q;

    /* 1. Trace LDE on s H_N (bit-reversed) and its commitment. */
    ALLOC_(p.lde, (size_t)w * N);
    {
        lm_gl **outs = malloc(w * sizeof *outs);
        if (outs == NULL) {
            rc = lm_err_set(err, LM_ENOMEM, "stark: no memory");
            goto out;
        }
        for (unsigned c = 0; c < w; c++)
            outs[c] = p.lde + (size_t)c * N;
        accel_lde_batch(ctx, outs, cols, w, log_h, p.log_b, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
        free(outs);
    }
    lm_matrix_view tv = {p.lde, M, w, 1, N};
    if ((rc = accel_merkle_build(&p.ttree, &tv, p.threads, err)) != LM_OK)
        goto out;
    lm_merkle_root(&proof->trace_root, &p.ttree);
    lm_transcript_absorb_digest(&t, proof->trace_root.e);
    ALLOC_(p.ch, nc + nb);
    squeeze_k_(&t, p.ch, nc + nb);

    /* 2. Composition values C(x) at the LDE points, bit-reversed like the LDE. */
    ALLOC_(p.rev, N);
    ALLOC_(p.xs, N);
    for (size_t i = 0; i < N; i++)
        p.rev[i] = lm_ntt_bitrev(i, p.log_N);
    lm_gl wN, wb, g;
    if (!lm_gl_root_of_unity(&wN, p.log_N) || !lm_gl_root_of_unity(&wb, p.log_b) ||
        !lm_gl_root_of_unity(&g, log_h))
        abort(); /* log_N <= 30 */
    p.xs[0] = LM_NTT_COSET_SHIFT;
    for (size_t i = 1; i < N; i++)
        p.xs[i] = lm_gl_mul(p.xs[i - 1], wN);
    lm_ntt_bit_reverse(p.xs, p.log_N);
    {
        /* x_i^h = s^h w_beta^(i mod beta) */
        lm_gl sh = lm_gl_pow(LM_NTT_COSET_SHIFT, h), r = sh;
        for (size_t k = 0; k < p.beta; k++) {
            p.zt[k] = lm_gl_inv(lm_gl_sub(r, 1));
            r = lm_gl_mul(r, wb);
        }
    }
    p.g_last = lm_gl_pow(g, h - 1);
    ALLOC_(p.brow, nb);
    ALLOC_(p.bidx, nb);
    for (size_t k = 0; k < nb; k++) {
        size_t j = 0;
        while (j < p.n_rows && p.brow[j] != air->boundary[k].row)
            j++;
        if (j == p.n_rows)
            p.brow[p.n_rows++] = air->boundary[k].row;
        p.bidx[k] = j;
    }
    ALLOC_(p.binv, p.n_rows * N);
    ALLOC_(p.tmp, N);
    for (size_t j = 0; j < p.n_rows; j++) {
        lm_gl gr = lm_gl_pow(g, p.brow[j]), *col = p.binv + j * N;
        for (size_t i = 0; i < N; i++)
            col[i] = lm_gl_sub(p.xs[i], gr); /* never 0: the coset misses H_N */
        lm_gl_batch_inv(col, col, N, p.tmp);
    }
    if ((rc = periodic_lde_(&p, ctx, err)) != LM_OK)
        goto out;
    ALLOC_(p.ccoef, 3 * N);
    p.scratch_len = LM_AIR_ROWS * (2 * (size_t)w + air->n_periodic + nc + p.n_rows + 6) +
                    3 * (2 * (size_t)w + air->n_periodic + nc);
    ALLOC_(p.scratch, (size_t)p.threads * p.scratch_len);
    lm_par_run(N >= 4096 ? p.threads : 1, job_comp_, &p);
    free(p.binv);
    free(p.scratch);
    free(p.rev);
    p.binv = p.scratch = NULL;
    p.rev = NULL;

    /* 3. C's coefficients; degree < Q h unless the trace is bad. */
    for (int c = 0; c < 3; c++) {
        lm_gl *col = p.ccoef + (size_t)c * N;
        lm_ntt_coset_interpolate(ctx, col, p.log_N, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
        if (opts == NULL || !opts->unchecked)
            for (size_t i = (size_t)Q * h; i < N; i++)
                if (col[i] != 0) {
                    rc = lm_err_set(err, LM_EINVAL, "stark: the trace does not satisfy the AIR");
                    goto out;
                }
    }
    /* Segments C_i (coefficients i h .. (i+1) h) on s H_M, bit-reversed. */
    ALLOC_(p.comp, (size_t)3 * Q * M);
    {
        lm_gl *outs[3u << LM_FRI_MAX_LOG_BLOWUP];
        const lm_gl *coefs[3u << LM_FRI_MAX_LOG_BLOWUP];
        for (unsigned i = 0; i < Q; i++)
            for (unsigned c = 0; c < 3; c++) {
                outs[3 * i + c] = p.comp + (size_t)(3 * i + c) * M;
                coefs[3 * i + c] = p.ccoef + (size_t)c * N + (size_t)i * h;
            }
        coset_evals_(&p, ctx, outs, coefs, 3 * (size_t)Q, h, p.log_M);
    }
    lm_matrix_view cv = {p.comp, M, 3 * (size_t)Q, 1, M};
    if ((rc = accel_merkle_build(&p.ctree, &cv, p.threads, err)) != LM_OK)
        goto out;
    lm_merkle_root(&proof->comp_root, &p.ctree);
    lm_transcript_absorb_digest(&t, proof->comp_root.e);

    /* 4. Out-of-domain point z and the values there. */
    p.z = lm_transcript_squeeze_gl3(&t);
    p.gz = lm_gl3_mul_base(p.z, g);
    ALLOC_(proof->ood, 2 * (size_t)w + Q);
    p.ood = proof->ood;
    if ((rc = ood_trace_(&p, ctx, err)) != LM_OK)
        goto out;
    for (unsigned i = 0; i < Q; i++)
        proof->ood[2 * w + i] = eval_segment_(p.ccoef, N, h, i, p.z);
    lm_transcript_absorb_gl3(&t, proof->ood, 2 * (size_t)w + Q);

    /* 5. DEEP composition on s H_M, bit-reversed. */
    ALLOC_(p.gam, 2 * (size_t)w + Q);
    squeeze_k_(&t, p.gam, 2 * (size_t)w + Q);
    deep_consts_(p.dk, w, Q, p.ood, p.gam);
    ALLOC_(p.uvc, 6 * h);
    lm_par_run(h * w >= 4096 ? p.threads : 1, job_comb_, &p);
    for (int k = 0; k < 6; k++)
        lm_ntt_inverse(ctx, p.uvc + (size_t)k * h, log_h);
    lm_par_run(h >= 4096 ? p.threads : 1, job_segs_, &p);
    free(p.ccoef);
    p.ccoef = NULL;
    ALLOC_(p.uv, 6 * M);
    {
        lm_gl *outs[6];
        const lm_gl *coefs[6];
        for (int k = 0; k < 6; k++) {
            outs[k] = p.uv + (size_t)k * M;
            coefs[k] = p.uvc + (size_t)k * h;
        }
        coset_evals_(&p, ctx, outs, coefs, 6, h, p.log_M);
    }
    free(p.uvc);
    p.uvc = NULL;
    ALLOC_(p.deep, M);
    lm_par_run(M >= 4096 ? p.threads : 1, job_deep_, &p);
    free(p.uv);
    p.uv = NULL;
    if (opts != NULL && !lm_gl3_is_zero(opts->deep_offset))
        for (size_t pp = 0; pp < M; pp++)
            p.deep[pp] = lm_gl3_add(p.deep[pp], opts->deep_offset);

    /* 6. FRI, then the openings at its query positions. */
    size_t nq = fp->num_queries, m;
    ALLOC_(p.q, nq);
    ALLOC_(p.pos, nq);
    if ((rc = lm_fri_prove(fp, ctx, &t, p.deep, p.log_M, p.threads, &proof->fri, p.q, err)) != LM_OK)
        goto out;
    distinct_(p.pos, &m, p.q, nq);
    proof->n_open = m;
    ALLOC_(proof->trace_rows, m * w);
    ALLOC_(proof->comp_rows, m * 3 * Q);
    for (size_t k = 0; k < m; k++) {
        for (unsigned c = 0; c < w; c++)
            proof->trace_rows[k * w + c] = p.lde[(size_t)c * N + p.pos[k]];
        for (unsigned c = 0; c < 3 * Q; c++)
            proof->comp_rows[k * 3 * Q + c] = p.comp[(size_t)c * M + p.pos[k]];
    }
    size_t nts = lm_merkle_proof_len(p.log_M, p.pos, m);
    ALLOC_(proof->trace_sib, nts);
    ALLOC_(proof->comp_sib, nts);
    if ((rc = lm_merkle_open(&p.ttree, proof->trace_sib, nts, &proof->n_trace_sib, p.pos, m, err)) != LM_OK ||
        (rc = lm_merkle_open(&p.ctree, proof->comp_sib, nts, &proof->n_comp_sib, p.pos, m, err)) != LM_OK)
        goto out;
out:
    p.ood = NULL; /* owned by the proof */
    prover_free_(&p);
    if (rc != LM_OK)
        lm_stark_proof_free(proof);
    return rc;
}

/* ---- verifier ----------------------------------------------------------------- */

static bool canon_(const lm_gl *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!lm_gl_is_canonical(e[i]))
            return false;
    return true;
}

static int check_proof_shape_(const lm_air *air, const lm_fri_params *fp, unsigned log_h,
                              const lm_stark_proof *proof, lm_err *err)
{
    unsigned w = air->width, Q = lm_stark_num_segments(air);
    if (proof->log_h != log_h || proof->width != w || proof->n_seg != Q || proof->ood == NULL ||
        proof->n_open < 1 || proof->n_open > fp->num_queries || proof->trace_rows == NULL ||
        proof->comp_rows == NULL || (proof->n_trace_sib > 0 && proof->trace_sib == NULL) ||
        (proof->n_comp_sib > 0 && proof->comp_sib == NULL))
        return lm_err_set(err, LM_ECRYPTO, "stark: proof shape does not match the statement");
    if (!canon_(proof->trace_root.e, 4) || !canon_(proof->comp_root.e, 4) ||
        !canon_((const lm_gl *)proof->ood, 3 * (2 * (size_t)w + Q)) ||
        !canon_(proof->trace_rows, proof->n_open * w) || !canon_(proof->comp_rows, proof->n_open * 3 * Q) ||
        !canon_((const lm_gl *)proof->trace_sib, 4 * proof->n_trace_sib) ||
        !canon_((const lm_gl *)proof->comp_sib, 4 * proof->n_comp_sib))
        return lm_err_set(err, LM_ENONCANON, "stark: proof element not canonical");
    return LM_OK;
}

/* A periodic column at z: p(y), y = z^(h/m), by the barycentric formula
 * over H_m (p(w_m^i) = v_i):
 *   p(y) = (y^m - 1)/m * sum_i v_i w_m^i / (y - w_m^i)    (y not in H_m),
 * and p(y) = v_i when y = w_m^i. y^m = z^h is passed in as zh. */
static int periodic_at_(lm_gl3 *out, const lm_air_periodic *pc, lm_gl3 z, lm_gl3 zh, unsigned log_h,
                        lm_err *err)
{
    unsigned lp = pc->log_period;
    size_t m = (size_t)1 << lp;
    lm_gl wm;
    if (!lm_gl_root_of_unity(&wm, lp))
        abort(); /* lp <= log_h <= 30 */
    lm_gl3 y = lm_gl3_pow(z, (uint64_t)1 << (log_h - lp));
    lm_gl3 *d = malloc(2 * m * sizeof *d);
    if (d == NULL)
        return lm_err_set(err, LM_ENOMEM, "stark: no memory");
    lm_gl wi = 1;
    for (size_t i = 0; i < m; i++, wi = lm_gl_mul(wi, wm)) {
        d[i] = lm_gl3_sub(y, lm_gl3_from_base(wi));
        if (lm_gl3_is_zero(d[i])) {
            *out = lm_gl3_from_base(pc->values[i]);
            free(d);
            return LM_OK;
        }
    }
    gl3_batch_inv_(d, m, d + m);
    lm_gl3 acc = {{0, 0, 0}};
    wi = 1;
    for (size_t i = 0; i < m; i++, wi = lm_gl_mul(wi, wm))
        acc = lm_gl3_add(acc, lm_gl3_mul_base(d[i], lm_gl_mul(pc->values[i], wi)));
    free(d);
    lm_gl inv_m = lm_gl_inv((lm_gl)m);
    *out = lm_gl3_mul_base(lm_gl3_mul(acc, lm_gl3_sub(zh, lm_gl3_from_base(1))), inv_m);
    return LM_OK;
}

/* The out-of-domain check: C(z) from the constraints equals
 * sum_i z^(i h) C_i(z). */
static int check_ood_(const lm_air *air, const lm_stark_proof *proof, const lm_gl3 *ch, lm_gl3 z, lm_gl g,
                      unsigned log_h, lm_err *err)
{
    unsigned w = air->width, Q = proof->n_seg, nc = air->n_constraints, np = air->n_periodic;
    uint64_t h = (uint64_t)1 << log_h;
    lm_gl3 zh = lm_gl3_pow(z, h), one = lm_gl3_from_base(1), acc = {{0, 0, 0}};
    if (nc > 0) {
        lm_gl3 *tv = malloc((nc + np) * sizeof *tv), *per = tv + nc;
        if (tv == NULL)
            return lm_err_set(err, LM_ENOMEM, "stark: no memory");
        for (unsigned j = 0; j < np; j++) {
            int rc = periodic_at_(&per[j], &air->periodic[j], z, zh, log_h, err);
            if (rc != LM_OK) {
                free(tv);
                return rc;
            }
        }
        air->eval(air->ctx, tv, proof->ood, proof->ood + w, np > 0 ? per : NULL);
        for (unsigned j = 0; j < nc; j++)
            acc = lm_gl3_add(acc, lm_gl3_mul(ch[j], tv[j]));
        free(tv);
        /* 1/Z_T(z) = (z - g^(h-1)) / (z^h - 1) */
        lm_gl3 f = lm_gl3_mul(lm_gl3_sub(z, lm_gl3_from_base(lm_gl_pow(g, h - 1))), lm_gl3_inv(lm_gl3_sub(zh, one)));
        acc = lm_gl3_mul(acc, f);
    }
    for (size_t k = 0; k < air->n_boundary; k++) {
        const lm_air_boundary *b = &air->boundary[k];
        lm_gl3 num = lm_gl3_sub(proof->ood[b->col], lm_gl3_from_base(b->value));
        lm_gl3 den = lm_gl3_sub(z, lm_gl3_from_base(lm_gl_pow(g, b->row)));
        acc = lm_gl3_add(acc, lm_gl3_mul(ch[nc + k], lm_gl3_mul(num, lm_gl3_inv(den))));
    }
    lm_gl3 rhs = {{0, 0, 0}}, zih = one;
    for (unsigned i = 0; i < Q; i++) {
        rhs = lm_gl3_add(rhs, lm_gl3_mul(zih, proof->ood[2 * w + i]));
        zih = lm_gl3_mul(zih, zh);
    }
    if (!lm_gl3_eq(acc, rhs))
        return lm_err_set(err, LM_ECRYPTO, "stark: out-of-domain constraint check fails");
    return LM_OK;
}

int lm_stark_verify(const lm_air *air, const lm_fri_params *fp, unsigned log_h, const lm_stark_proof *proof,
                    lm_err *err)
{
    int rc = check_air_(air, fp, log_h, err);
    if (rc != LM_OK)
        return rc;
    if ((rc = check_proof_shape_(air, fp, log_h, proof, err)) != LM_OK)
        return rc;
    unsigned w = air->width, Q = proof->n_seg, log_N = log_h + fp->log_blowup;
    size_t nc = air->n_constraints, nb = air->n_boundary, nq = fp->num_queries, n_ood = 2 * (size_t)w + Q;
    lm_gl g, wN;
    if (!lm_gl_root_of_unity(&g, log_h) || !lm_gl_root_of_unity(&wN, log_N))
        abort();
    lm_transcript t;
    start_transcript_(&t, air, fp, log_h);
    lm_transcript_absorb_digest(&t, proof->trace_root.e);
    lm_gl3 *ch = malloc((nc + nb + 1) * sizeof *ch), *gam = malloc((n_ood + 1) * sizeof *gam);
    size_t *q = malloc(nq * sizeof *q), *pos = malloc(nq * sizeof *pos);
    lm_gl3 *first = malloc(nq * sizeof *first);
    if (ch == NULL || gam == NULL || q == NULL || pos == NULL || first == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "stark: no memory");
        goto out;
    }
    squeeze_k_(&t, ch, nc + nb);
    lm_transcript_absorb_digest(&t, proof->comp_root.e);
    lm_gl3 z = lm_transcript_squeeze_gl3(&t), gz = lm_gl3_mul_base(z, g);
    lm_transcript_absorb_gl3(&t, proof->ood, n_ood);
    squeeze_k_(&t, gam, n_ood);
    if ((rc = check_ood_(air, proof, ch, z, g, log_h, err)) != LM_OK)
        goto out;
    if ((rc = lm_fri_verify(fp, &t, &proof->fri, log_N, q, first, err)) != LM_OK) {
        lm_err_wrap(err, rc, "stark: fri");
        goto out;
    }
    size_t m;
    distinct_(pos, &m, q, nq);
    if (m != proof->n_open) {
        rc = lm_err_set(err, LM_ECRYPTO, "stark: %zu openings, the queries need %zu", proof->n_open, m);
        goto out;
    }
    if ((rc = lm_merkle_verify(&proof->trace_root, log_N, pos, proof->trace_rows, w, m, proof->trace_sib,
                               proof->n_trace_sib, err)) != LM_OK ||
        (rc = lm_merkle_verify(&proof->comp_root, log_N, pos, proof->comp_rows, 3 * (size_t)Q, m, proof->comp_sib,
                               proof->n_comp_sib, err)) != LM_OK) {
        lm_err_wrap(err, rc, "stark: opening");
        goto out;
    }
    lm_gl3 dk[2];
    deep_consts_(dk, w, Q, proof->ood, gam);
    for (size_t k = 0; k < nq; k++) {
        const size_t *hit = bsearch(&q[k], pos, m, sizeof *pos, cmp_size_);
        size_t r = (size_t)(hit - pos); /* present: pos holds every q */
        lm_gl x = lm_gl_mul(LM_NTT_COSET_SHIFT, lm_gl_pow(wN, lm_ntt_bitrev(q[k], log_N)));
        lm_gl3 iz = lm_gl3_inv(gl3_sub_base_(x, z)), igz = lm_gl3_inv(gl3_sub_base_(x, gz));
        lm_gl3 d = deep_value_(proof->trace_rows + r * w, 1, proof->comp_rows + r * 3 * Q, 1, w, Q, gam, dk, iz, igz);
        if (!lm_gl3_eq(d, first[k])) {
            rc = lm_err_set(err, LM_ECRYPTO, "stark: query %zu: DEEP value differs from FRI layer 0", k);
            goto out;
        }
    }
out:
    free(ch);
    free(gam);
    free(q);
    free(pos);
    free(first);
    return rc;
}

/* ---- encoding ------------------------------------------------------------------ */

/* version u8, log_h u8, width u16, n_seg u8, trace_root 4 u64, comp_root
 * 4 u64, ood (2 width + n_seg) x 3 u64, fri_len u32, fri proof (fri_len
 * bytes), n_open u32, trace rows n_open x width u64, n_trace_sib u32,
 * n_trace_sib x 4 u64, comp rows n_open x 3 n_seg u64, n_comp_sib u32,
 * n_comp_sib x 4 u64. */
size_t lm_stark_proof_size(const lm_stark_proof *proof)
{
    size_t w = proof->width, Q = proof->n_seg;
    return 5 + 64 + (2 * w + Q) * 24 + 4 + lm_fri_proof_size(&proof->fri) + 4 + proof->n_open * w * 8 + 4 +
           proof->n_trace_sib * 32 + proof->n_open * 3 * Q * 8 + 4 + proof->n_comp_sib * 32;
}

static uint8_t *put_gls_(uint8_t *p, const lm_gl *e, size_t n)
{
    for (size_t i = 0; i < n; i++, p += 8)
        lm_store_le64(p, e[i]);
    return p;
}

static uint8_t *put_u32_(uint8_t *p, size_t v)
{
    lm_store_le32(p, (uint32_t)v);
    return p + 4;
}

int lm_stark_proof_write(uint8_t *out, size_t cap, size_t *len, const lm_stark_proof *proof, lm_err *err)
{
    size_t need = lm_stark_proof_size(proof), w = proof->width, Q = proof->n_seg, flen;
    if (need > cap)
        return lm_err_set(err, LM_ESPACE, "stark: proof needs %zu bytes, room for %zu", need, cap);
    uint8_t *p = out;
    *p++ = LM_STARK_PROOF_VERSION;
    *p++ = (uint8_t)proof->log_h;
    *p++ = (uint8_t)(w & 0xff);
    *p++ = (uint8_t)(w >> 8);
    *p++ = (uint8_t)Q;
    p = put_gls_(p, proof->trace_root.e, 4);
    p = put_gls_(p, proof->comp_root.e, 4);
    p = put_gls_(p, (const lm_gl *)proof->ood, 3 * (2 * w + Q));
    flen = lm_fri_proof_size(&proof->fri);
    p = put_u32_(p, flen);
    int rc = lm_fri_proof_write(p, flen, &flen, &proof->fri, err);
    if (rc != LM_OK)
        return rc;
    p += flen;
    p = put_u32_(p, proof->n_open);
    p = put_gls_(p, proof->trace_rows, proof->n_open * w);
    p = put_u32_(p, proof->n_trace_sib);
    p = put_gls_(p, (const lm_gl *)proof->trace_sib, 4 * proof->n_trace_sib);
    p = put_gls_(p, proof->comp_rows, proof->n_open * 3 * Q);
    p = put_u32_(p, proof->n_comp_sib);
    p = put_gls_(p, (const lm_gl *)proof->comp_sib, 4 * proof->n_comp_sib);
    *len = (size_t)(p - out);
    return LM_OK;
}

typedef struct cur_ {
    const uint8_t *p;
    size_t left;
} cur_;

static int get_u32_(cur_ *c, size_t *v, size_t max, const char *what, lm_err *err)
{
    if (c->left < 4)
        return lm_err_set(err, LM_ETRUNC, "stark: proof truncated");
    uint32_t x = lm_load_le32(c->p);
    if (x > max)
        return lm_err_set(err, LM_ETOOLARGE, "stark: %s %u above %zu", what, x, max);
    *v = x;
    c->p += 4;
    c->left -= 4;
    return LM_OK;
}

/* Allocates *out for n elements and reads them, canonical. */
static int get_gls_alloc_(cur_ *c, lm_gl **out, size_t n, lm_err *err)
{
    if (c->left / 8 < n)
        return lm_err_set(err, LM_ETRUNC, "stark: proof truncated");
    if ((*out = malloc((n + 1) * sizeof(lm_gl))) == NULL)
        return lm_err_set(err, LM_ENOMEM, "stark: no memory");
    for (size_t i = 0; i < n; i++) {
        uint64_t v = lm_load_le64(c->p + 8 * i);
        if (!lm_gl_is_canonical(v))
            return lm_err_set(err, LM_ENONCANON, "stark: element %llu is not below p", (unsigned long long)v);
        (*out)[i] = v;
    }
    c->p += 8 * n;
    c->left -= 8 * n;
    return LM_OK;
}

static int get_digest_(cur_ *c, lm_digest *d, lm_err *err)
{
    lm_gl *tmp = NULL;
    int rc = get_gls_alloc_(c, &tmp, 4, err);
    if (rc == LM_OK)
        memcpy(d->e, tmp, sizeof d->e);
    free(tmp);
    return rc;
}

int lm_stark_proof_read(lm_stark_proof *proof, const lm_air *air, const lm_fri_params *fp, unsigned log_h,
                        const uint8_t *in, size_t len, lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    int rc = check_air_(air, fp, log_h, err);
    if (rc != LM_OK)
        return rc;
    size_t w = air->width, Q = lm_stark_num_segments(air), nq = fp->num_queries, log_N = log_h + fp->log_blowup;
    if (len < 5)
        return lm_err_set(err, LM_ETRUNC, "stark: proof truncated");
    if (in[0] != LM_STARK_PROOF_VERSION)
        return lm_err_set(err, LM_EINVAL, "stark: proof version %u, expected %u", in[0], LM_STARK_PROOF_VERSION);
    if (in[1] != log_h || ((size_t)in[2] | (size_t)in[3] << 8) != w || in[4] != Q)
        return lm_err_set(err, LM_EINVAL, "stark: proof shape does not match the statement");
    proof->log_h = log_h;
    proof->width = (unsigned)w;
    proof->n_seg = (unsigned)Q;
    cur_ c = {in + 5, len - 5};
    size_t flen, n;
    lm_gl *ood = NULL;
    if ((rc = get_digest_(&c, &proof->trace_root, err)) != LM_OK ||
        (rc = get_digest_(&c, &proof->comp_root, err)) != LM_OK ||
        (rc = get_gls_alloc_(&c, &ood, 3 * (2 * w + Q), err)) != LM_OK)
        goto out;
    proof->ood = (lm_gl3 *)ood; /* malloc'd memory is suitably aligned for lm_gl3 */
    ood = NULL;
    if ((rc = get_u32_(&c, &flen, SIZE_MAX, "FRI proof length", err)) != LM_OK)
        goto out;
    if (flen > c.left) {
        rc = lm_err_set(err, LM_ETRUNC, "stark: proof truncated");
        goto out;
    }
    if ((rc = lm_fri_proof_read(&proof->fri, fp, (unsigned)log_N, c.p, flen, err)) != LM_OK) {
        lm_err_wrap(err, rc, "stark: fri");
        goto out;
    }
    c.p += flen;
    c.left -= flen;
    if ((rc = get_u32_(&c, &n, nq, "openings", err)) != LM_OK)
        goto out;
    if (n < 1) {
        rc = lm_err_set(err, LM_EINVAL, "stark: no openings");
        goto out;
    }
    proof->n_open = n;
    if ((rc = get_gls_alloc_(&c, &proof->trace_rows, n * w, err)) != LM_OK ||
        (rc = get_u32_(&c, &proof->n_trace_sib, n * log_N, "trace siblings", err)) != LM_OK ||
        (rc = get_gls_alloc_(&c, &ood, 4 * proof->n_trace_sib, err)) != LM_OK)
        goto out;
    proof->trace_sib = (lm_digest *)ood;
    ood = NULL;
    if ((rc = get_gls_alloc_(&c, &proof->comp_rows, n * 3 * Q, err)) != LM_OK ||
        (rc = get_u32_(&c, &proof->n_comp_sib, n * log_N, "composition siblings", err)) != LM_OK ||
        (rc = get_gls_alloc_(&c, &ood, 4 * proof->n_comp_sib, err)) != LM_OK)
        goto out;
    proof->comp_sib = (lm_digest *)ood;
    ood = NULL;
    if (c.left != 0)
        rc = lm_err_set(err, LM_ETRAILING, "stark: %zu bytes after the proof", c.left);
out:
    free(ood);
    if (rc != LM_OK)
        lm_stark_proof_free(proof);
    return rc;
}
