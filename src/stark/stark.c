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
    if (air->degree < 1 || air->degree > (1u << fp->log_blowup))
        return lm_err_set(err, LM_EINVAL, "stark: constraint degree %u not in 1..blowup %u", air->degree,
                          1u << fp->log_blowup);
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

typedef struct prover_ {
    const lm_air *air;
    unsigned log_h, log_N, log_b, w, Q;
    size_t h, N, beta;
    lm_gl *lde;        /* w columns of N, bit-reversed */
    lm_gl *comp;       /* 3Q columns of N, bit-reversed */
    size_t *rev;       /* rev[i] = bitrev(i) */
    lm_gl *xs;         /* xs[i] = s w_N^i */
    lm_gl zt[1u << LM_FRI_MAX_LOG_BLOWUP]; /* 1/(x^h - 1) by i mod beta */
    lm_gl g_last;      /* g^(h-1) */
    lm_gl3 *ch;        /* a_j then b_k */
    size_t n_rows;     /* distinct boundary rows */
    uint64_t *brow;    /* those rows */
    size_t *bidx;      /* boundary k -> its row's index */
    lm_gl *binv;       /* n_rows columns of N: 1/(x_i - g^row) */
    lm_gl3 *cvals;     /* C at natural i */
    lm_gl *ccoef;      /* 3 columns of N: C's coefficients */
    lm_gl3 *scratch3;  /* per-thread rows for eval: threads x (2w + nc + np) */
    lm_gl *per;        /* periodic column j on s H_N, natural order, period M_j: */
    size_t *per_off;   /* per_off[j] + (i mod M_j) holds its value at x_i */
    size_t *per_mask;  /* M_j - 1, M_j = 2^log_period_j * beta */
    unsigned threads;
    lm_gl3 *ood, *gam, dk[2];
    lm_gl3 *inv_z, *inv_gz, *deep;
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
    free(p->cvals);
    free(p->ccoef);
    free(p->scratch3);
    free(p->per);
    free(p->per_off);
    free(p->per_mask);
    free(p->gam);
    free(p->inv_z);
    free(p->inv_gz);
    free(p->deep);
    free(p->tmp);
    free(p->q);
    free(p->pos);
    lm_merkle_free(&p->ttree);
    lm_merkle_free(&p->ctree);
}

static void job_comp_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    const lm_air *air = p->air;
    unsigned w = p->w, nc = air->n_constraints, np = air->n_periodic;
    lm_gl3 *cur = p->scratch3 + (size_t)t * (2 * w + nc + np), *next = cur + w, *tv = next + w, *per = tv + nc;
    size_t chunk = (p->N + nt - 1) / nt, i0 = chunk * t, i1 = i0 + chunk < p->N ? i0 + chunk : p->N;
    for (size_t i = i0; i < i1; i++) {
        size_t pc = p->rev[i], pn = p->rev[(i + p->beta) & (p->N - 1)];
        lm_gl3 acc = {{0, 0, 0}};
        if (nc > 0) {
            for (unsigned c = 0; c < w; c++) {
                cur[c] = lm_gl3_from_base(p->lde[(size_t)c * p->N + pc]);
                next[c] = lm_gl3_from_base(p->lde[(size_t)c * p->N + pn]);
            }
            for (unsigned j = 0; j < np; j++)
                per[j] = lm_gl3_from_base(p->per[p->per_off[j] + (i & p->per_mask[j])]);
            air->eval(air->ctx, tv, cur, next, np > 0 ? per : NULL);
            /* base-field rows give mostly base-field constraint values */
            for (unsigned j = 0; j < nc; j++)
                acc = lm_gl3_add(acc, (tv[j].c[1] | tv[j].c[2]) == 0 ? lm_gl3_mul_base(p->ch[j], tv[j].c[0])
                                                                      : lm_gl3_mul(p->ch[j], tv[j]));
            /* 1/Z_T(x) = (x - g^(h-1)) / (x^h - 1) */
            lm_gl f = lm_gl_mul(lm_gl_sub(p->xs[i], p->g_last), p->zt[i & (p->beta - 1)]);
            acc = lm_gl3_mul_base(acc, f);
        }
        for (size_t k = 0; k < air->n_boundary; k++) {
            const lm_air_boundary *b = &air->boundary[k];
            lm_gl v = lm_gl_sub(p->lde[(size_t)b->col * p->N + pc], b->value);
            v = lm_gl_mul(v, p->binv[p->bidx[k] * p->N + i]);
            acc = lm_gl3_add(acc, lm_gl3_mul_base(p->ch[nc + k], v));
        }
        p->cvals[i] = acc;
    }
}

static void job_deep_(void *arg, unsigned t, unsigned nt)
{
    prover_ *p = arg;
    size_t per = (p->N + nt - 1) / nt, i0 = per * t, i1 = i0 + per < p->N ? i0 + per : p->N;
    for (size_t pp = i0; pp < i1; pp++)
        p->deep[pp] = deep_value_(p->lde + pp, p->N, p->comp + pp, p->N, p->w, p->Q, p->gam, p->dk, p->inv_z[pp],
                                  p->inv_gz[pp]);
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

int lm_stark_prove(const lm_air *air, const lm_fri_params *fp, const lm_ntt_ctx *ctx, const lm_gl *const *cols,
                   unsigned log_h, const lm_stark_opts *opts, lm_stark_proof *proof, lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    int rc = check_air_(air, fp, log_h, err);
    if (rc != LM_OK)
        return rc;
    prover_ p = {0};
    p.air = air;
    p.log_h = log_h;
    p.log_b = fp->log_blowup;
    p.log_N = log_h + p.log_b;
    p.h = (size_t)1 << log_h;
    p.N = (size_t)1 << p.log_N;
    p.beta = (size_t)1 << p.log_b;
    p.w = air->width;
    p.Q = lm_stark_num_segments(air);
    p.threads = opts != NULL && opts->threads > 0 ? opts->threads : 1;
    if (p.threads > LM_PAR_MAX_THREADS)
        p.threads = LM_PAR_MAX_THREADS;
    if (ctx->fwd == NULL || ctx->max_log_n < p.log_N)
        return lm_err_set(err, LM_EINVAL, "stark: the NTT context needs max_log_n >= %u", p.log_N);
    size_t N = p.N, h = p.h, nc = air->n_constraints, nb = air->n_boundary;
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
    lm_matrix_view tv = {p.lde, N, w, 1, N};
    if ((rc = accel_merkle_build(&p.ttree, &tv, p.threads, err)) != LM_OK)
        goto out;
    lm_merkle_root(&proof->trace_root, &p.ttree);
    lm_transcript_absorb_digest(&t, proof->trace_root.e);
    ALLOC_(p.ch, nc + nb);
    squeeze_k_(&t, p.ch, nc + nb);

    /* 2. Composition values C(x_i), natural order. */
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
    ALLOC_(p.cvals, N);
    ALLOC_(p.scratch3, (size_t)p.threads * (2 * w + nc + air->n_periodic));
    lm_par_run(N >= 4096 ? p.threads : 1, job_comp_, &p);

    /* 3. C's coefficients; degree < Q h unless the trace is bad. */
    ALLOC_(p.ccoef, 3 * N);
    for (int c = 0; c < 3; c++) {
        lm_gl *col = p.ccoef + (size_t)c * N;
        for (size_t i = 0; i < N; i++)
            col[i] = p.cvals[i].c[c];
        lm_ntt_coset_interpolate(ctx, col, p.log_N, LM_NTT_COSET_SHIFT, LM_NTT_NATURAL);
        if (opts == NULL || !opts->unchecked)
            for (size_t i = (size_t)Q * h; i < N; i++)
                if (col[i] != 0) {
                    rc = lm_err_set(err, LM_EINVAL, "stark: the trace does not satisfy the AIR");
                    goto out;
                }
    }
    /* Segments C_i (coefficients i h .. (i+1) h) on s H_N, bit-reversed. */
    ALLOC_(p.comp, (size_t)3 * Q * N);
    for (unsigned i = 0; i < Q; i++)
        for (int c = 0; c < 3; c++)
            lm_ntt_coset_eval(ctx, p.comp + (size_t)(3 * i + c) * N, p.log_N, p.ccoef + (size_t)c * N + (size_t)i * h,
                              h, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
    lm_matrix_view cv = {p.comp, N, 3 * (size_t)Q, 1, N};
    if ((rc = accel_merkle_build(&p.ctree, &cv, p.threads, err)) != LM_OK)
        goto out;
    lm_merkle_root(&proof->comp_root, &p.ctree);
    lm_transcript_absorb_digest(&t, proof->comp_root.e);

    /* 4. Out-of-domain point z and the values there. */
    lm_gl3 z = lm_transcript_squeeze_gl3(&t), gz = lm_gl3_mul_base(z, g);
    ALLOC_(proof->ood, 2 * (size_t)w + Q);
    p.ood = proof->ood;
    for (unsigned c = 0; c < w; c++) {
        memcpy(p.tmp, cols[c], h * sizeof(lm_gl));
        lm_ntt_inverse(ctx, p.tmp, log_h);
        proof->ood[c] = eval_base_poly_(p.tmp, h, z);
        proof->ood[w + c] = eval_base_poly_(p.tmp, h, gz);
    }
    for (unsigned i = 0; i < Q; i++)
        proof->ood[2 * w + i] = eval_segment_(p.ccoef, N, h, i, z);
    lm_transcript_absorb_gl3(&t, proof->ood, 2 * (size_t)w + Q);

    /* 5. DEEP composition on s H_N, bit-reversed. */
    ALLOC_(p.gam, 2 * (size_t)w + Q);
    squeeze_k_(&t, p.gam, 2 * (size_t)w + Q);
    deep_consts_(p.dk, w, Q, p.ood, p.gam);
    ALLOC_(p.inv_z, N);
    ALLOC_(p.inv_gz, N);
    ALLOC_(p.deep, N);
    for (size_t pp = 0; pp < N; pp++) {
        lm_gl x = p.xs[p.rev[pp]];
        p.inv_z[pp] = gl3_sub_base_(x, z);
        p.inv_gz[pp] = gl3_sub_base_(x, gz);
    }
    gl3_batch_inv_(p.inv_z, N, p.deep);
    gl3_batch_inv_(p.inv_gz, N, p.deep);
    lm_par_run(N >= 4096 ? p.threads : 1, job_deep_, &p);
    if (opts != NULL && !lm_gl3_is_zero(opts->deep_offset))
        for (size_t pp = 0; pp < N; pp++)
            p.deep[pp] = lm_gl3_add(p.deep[pp], opts->deep_offset);

    /* 6. FRI, then the openings at its query positions. */
    size_t nq = fp->num_queries, m;
    ALLOC_(p.q, nq);
    ALLOC_(p.pos, nq);
    if ((rc = lm_fri_prove(fp, ctx, &t, p.deep, p.log_N, p.threads, &proof->fri, p.q, err)) != LM_OK)
        goto out;
    distinct_(p.pos, &m, p.q, nq);
    proof->n_open = m;
    ALLOC_(proof->trace_rows, m * w);
    ALLOC_(proof->comp_rows, m * 3 * Q);
    for (size_t k = 0; k < m; k++) {
        for (unsigned c = 0; c < w; c++)
            proof->trace_rows[k * w + c] = p.lde[(size_t)c * N + p.pos[k]];
        for (unsigned c = 0; c < 3 * Q; c++)
            proof->comp_rows[k * 3 * Q + c] = p.comp[(size_t)c * N + p.pos[k]];
    }
    size_t nts = lm_merkle_proof_len(p.log_N, p.pos, m);
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
