/* FRI over the cubic extension of Goldilocks: prover, verifier, proof
 * encoding. See include/lamina/fri.h and docs/stark.md ("FRI"). */
#include "lamina/fri.h"

#include <stdlib.h>
#include <string.h>

#include "lamina/bytes.h"
#include "accel.h"
#include "par.h"

#define GL3_HALF ((LM_GL_P + 1) / 2) /* 2^-1 in F_p */

unsigned lm_fri_num_layers(const lm_fri_params *fp, unsigned log_n)
{
    unsigned log_d = log_n > fp->log_blowup ? log_n - fp->log_blowup : 0;
    return log_d > fp->log_final_len ? log_d - fp->log_final_len : 0;
}

/* 2^(log_n - log_blowup - r): the number of final coefficients. */
static size_t final_len_(const lm_fri_params *fp, unsigned log_n)
{
    return (size_t)1 << (log_n - fp->log_blowup - lm_fri_num_layers(fp, log_n));
}

int lm_fri_params_check(const lm_fri_params *fp, unsigned log_n, lm_err *err)
{
    if (fp->log_blowup < 1 || fp->log_blowup > LM_FRI_MAX_LOG_BLOWUP)
        return lm_err_set(err, LM_EINVAL, "fri: log_blowup %u not in 1..%u", fp->log_blowup, LM_FRI_MAX_LOG_BLOWUP);
    if (fp->log_final_len > LM_FRI_MAX_LOG_FINAL)
        return lm_err_set(err, LM_EINVAL, "fri: log_final_len %u above %u", fp->log_final_len, LM_FRI_MAX_LOG_FINAL);
    if (fp->num_queries < 1 || fp->num_queries > LM_FRI_MAX_QUERIES)
        return lm_err_set(err, LM_EINVAL, "fri: %u queries not in 1..%u", fp->num_queries, LM_FRI_MAX_QUERIES);
    if (fp->pow_bits > LM_TRANSCRIPT_MAX_POW_BITS)
        return lm_err_set(err, LM_EINVAL, "fri: %u grinding bits above %u", fp->pow_bits, LM_TRANSCRIPT_MAX_POW_BITS);
    if (log_n > LM_FRI_MAX_LOG_N || log_n < fp->log_blowup)
        return lm_err_set(err, LM_EINVAL, "fri: domain 2^%u not in 2^%u..2^%u", log_n, fp->log_blowup,
                          LM_FRI_MAX_LOG_N);
    return LM_OK;
}

/* f(x), f(-x) -> (f(x) + f(-x))/2 + beta (f(x) - f(-x)) * hinv, hinv = 1/(2x). */
static lm_gl3 fold_(lm_gl3 a, lm_gl3 b, lm_gl3 beta, lm_gl hinv)
{
    lm_gl3 even = lm_gl3_mul_base(lm_gl3_add(a, b), GL3_HALF);
    lm_gl3 odd = lm_gl3_mul_base(lm_gl3_sub(a, b), hinv);
    return lm_gl3_add(even, lm_gl3_mul(beta, odd));
}

static int cmp_size_(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Out: pos[0..*m) the distinct q[k] >> shift, increasing. scratch: room for
 * nq entries (pos itself). */
static void positions_(size_t *pos, size_t *m, const size_t *q, size_t nq, unsigned shift)
{
    for (size_t k = 0; k < nq; k++)
        pos[k] = q[k] >> shift;
    qsort(pos, nq, sizeof *pos, cmp_size_);
    size_t w = 0;
    for (size_t k = 0; k < nq; k++)
        if (w == 0 || pos[w - 1] != pos[k])
            pos[w++] = pos[k];
    *m = w;
}

void lm_fri_proof_free(lm_fri_proof *proof)
{
    if (proof == NULL)
        return;
    if (proof->layers != NULL)
        for (unsigned i = 0; i < proof->n_layers; i++) {
            free(proof->layers[i].rows);
            free(proof->layers[i].sib);
        }
    free(proof->layers);
    free(proof->final_poly);
    memset(proof, 0, sizeof *proof);
}

/* ---- prover ------------------------------------------------------------------ */

typedef struct fold_job_ {
    const lm_gl3 *in; /* 2 * half values of layer i */
    lm_gl3 *out;      /* half values of layer i + 1 */
    const lm_gl *hinv; /* 1/(2 s_i w_i^k), natural k < half */
    size_t half;
    unsigned log_half;
    lm_gl3 beta;
} fold_job_;

static void job_fold_(void *p, unsigned t, unsigned nt)
{
    fold_job_ *f = p;
    size_t per = (f->half + nt - 1) / nt, j0 = per * t, j1 = j0 + per < f->half ? j0 + per : f->half;
    /* Row j holds x = s_i w_i^bitrev_Li(2j) = s_i w_i^bitrev_(Li-1)(j) and -x. */
    for (size_t j = j0; j < j1; j++)
        f->out[j] = fold_(f->in[2 * j], f->in[2 * j + 1], f->beta, f->hinv[lm_ntt_bitrev(j, f->log_half)]);
}

/* The prover's working state, freed in one place. */
typedef struct prover_ {
    lm_gl3 **vals;         /* vals[i]: layer i, N >> i values (vals[0] = the input) */
    lm_merkle_tree *trees; /* r trees */
    lm_gl *hinv;
    lm_gl *comp;           /* 3 base columns for the final interpolation */
    size_t *q, *pos;
} prover_;

static void prover_free_(prover_ *pv, unsigned r)
{
    if (pv->vals != NULL)
        for (unsigned i = 1; i <= r; i++)
            free(pv->vals[i]);
    free(pv->vals);
    if (pv->trees != NULL)
        for (unsigned i = 0; i < r; i++)
            lm_merkle_free(&pv->trees[i]);
    free(pv->trees);
    free(pv->hinv);
    free(pv->comp);
    free(pv->q);
    free(pv->pos);
}

/* Commit phase: trees, betas, folded layers. */
static int commit_phase_(prover_ *pv, lm_fri_proof *proof, lm_transcript *t, unsigned log_n, unsigned r,
                         unsigned threads, lm_err *err)
{
    size_t N = (size_t)1 << log_n;
    lm_gl w, s = LM_NTT_COSET_SHIFT;
    if (!lm_gl_root_of_unity(&w, log_n))
        abort(); /* log_n <= 30 */
    /* hinv[k] = 1/(2 s w^k) for k < N/2; each layer squares it: the next
     * layer's 1/(2 s^2 w^(2k)) = 2 hinv[k]^2. */
    if (r > 0) {
        if ((pv->hinv = malloc(N / 2 * sizeof(lm_gl))) == NULL)
            return lm_err_set(err, LM_ENOMEM, "fri: no memory");
        lm_gl step = lm_gl_inv(w);
        pv->hinv[0] = lm_gl_inv(lm_gl_double(s));
        for (size_t k = 1; k < N / 2; k++)
            pv->hinv[k] = lm_gl_mul(pv->hinv[k - 1], step);
    }
    for (unsigned i = 0; i < r; i++) {
        size_t Ni = N >> i;
        lm_matrix_view v = {(const lm_gl *)pv->vals[i], Ni / 2, 6, 6, 1};
        int rc = accel_merkle_build(&pv->trees[i], &v, threads, err);
        if (rc != LM_OK)
            return rc;
        lm_merkle_root(&proof->layers[i].root, &pv->trees[i]);
        lm_transcript_absorb_digest(t, proof->layers[i].root.e);
        lm_gl3 beta = lm_transcript_squeeze_gl3(t);
        if ((pv->vals[i + 1] = malloc(Ni / 2 * sizeof(lm_gl3))) == NULL)
            return lm_err_set(err, LM_ENOMEM, "fri: no memory");
        fold_job_ f = {pv->vals[i], pv->vals[i + 1], pv->hinv, Ni / 2, log_n - i - 1, beta};
        lm_par_run(Ni >= 8192 ? threads : 1, job_fold_, &f);
        for (size_t k = 0; k < Ni / 4; k++)
            pv->hinv[k] = lm_gl_double(lm_gl_square(pv->hinv[k]));
    }
    return LM_OK;
}

/* The final polynomial: interpolate layer r on s^(2^r) H_(N_r). */
static int final_poly_(prover_ *pv, lm_fri_proof *proof, const lm_ntt_ctx *ctx, unsigned log_n, unsigned r,
                       size_t L, lm_err *err)
{
    unsigned log_nr = log_n - r;
    size_t Nr = (size_t)1 << log_nr;
    if (ctx->fwd == NULL || log_nr > ctx->max_log_n)
        return lm_err_set(err, LM_EINVAL, "fri: the NTT context needs max_log_n >= %u", log_nr);
    if ((pv->comp = malloc(3 * Nr * sizeof(lm_gl))) == NULL ||
        (proof->final_poly = malloc(L * sizeof(lm_gl3))) == NULL)
        return lm_err_set(err, LM_ENOMEM, "fri: no memory");
    lm_gl sr = LM_NTT_COSET_SHIFT;
    for (unsigned i = 0; i < r; i++)
        sr = lm_gl_square(sr);
    for (int c = 0; c < 3; c++) {
        lm_gl *col = pv->comp + (size_t)c * Nr;
        for (size_t j = 0; j < Nr; j++)
            col[j] = pv->vals[r][j].c[c];
        lm_ntt_coset_interpolate(ctx, col, log_nr, sr, LM_NTT_BITREV);
        for (size_t k = 0; k < L; k++)
            proof->final_poly[k].c[c] = col[k];
    }
    proof->final_len = L;
    return LM_OK;
}

static int query_phase_(prover_ *pv, lm_fri_proof *proof, unsigned log_n, unsigned r, size_t nq, lm_err *err)
{
    for (unsigned i = 0; i < r; i++) {
        lm_fri_layer *ly = &proof->layers[i];
        size_t m;
        positions_(pv->pos, &m, pv->q, nq, i + 1);
        size_t need = lm_merkle_proof_len(log_n - i - 1, pv->pos, m);
        ly->rows = malloc(2 * m * sizeof(lm_gl3));
        ly->sib = malloc((need + 1) * sizeof(lm_digest));
        if (ly->rows == NULL || ly->sib == NULL)
            return lm_err_set(err, LM_ENOMEM, "fri: no memory");
        for (size_t k = 0; k < m; k++) {
            ly->rows[2 * k] = pv->vals[i][2 * pv->pos[k]];
            ly->rows[2 * k + 1] = pv->vals[i][2 * pv->pos[k] + 1];
        }
        ly->n_rows = m;
        int rc = lm_merkle_open(&pv->trees[i], ly->sib, need, &ly->n_sib, pv->pos, m, err);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

int lm_fri_prove(const lm_fri_params *fp, const lm_ntt_ctx *ctx, lm_transcript *t, const lm_gl3 *evals,
                 unsigned log_n, unsigned threads, lm_fri_proof *proof, size_t *query_idx, lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    int rc = lm_fri_params_check(fp, log_n, err);
    if (rc != LM_OK)
        return rc;
    unsigned r = lm_fri_num_layers(fp, log_n);
    size_t L = final_len_(fp, log_n), nq = fp->num_queries;
    prover_ pv = {0};
    proof->log_n = log_n;
    proof->n_layers = r;
    pv.vals = calloc(r + 1, sizeof *pv.vals);
    pv.trees = calloc(r + 1, sizeof *pv.trees);
    proof->layers = calloc(r + 1, sizeof *proof->layers);
    pv.q = malloc(nq * sizeof *pv.q);
    pv.pos = malloc(nq * sizeof *pv.pos);
    if (pv.vals == NULL || pv.trees == NULL || proof->layers == NULL || pv.q == NULL || pv.pos == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "fri: no memory");
        goto out;
    }
    pv.vals[0] = (lm_gl3 *)evals; /* read only; never freed */
    if ((rc = commit_phase_(&pv, proof, t, log_n, r, threads, err)) != LM_OK)
        goto out;
    if ((rc = final_poly_(&pv, proof, ctx, log_n, r, L, err)) != LM_OK)
        goto out;
    lm_transcript_absorb_gl3(t, proof->final_poly, L);
    if ((rc = lm_transcript_grind(t, &proof->pow_nonce, fp->pow_bits, threads, err)) != LM_OK)
        goto out;
    for (size_t k = 0; k < nq; k++)
        pv.q[k] = (size_t)lm_transcript_squeeze_index(t, log_n);
    if ((rc = query_phase_(&pv, proof, log_n, r, nq, err)) != LM_OK)
        goto out;
    if (query_idx != NULL)
        memcpy(query_idx, pv.q, nq * sizeof *pv.q);
out:
    prover_free_(&pv, r);
    if (rc != LM_OK)
        lm_fri_proof_free(proof);
    return rc;
}

/* ---- verifier ----------------------------------------------------------------- */

static bool gl3_canonical_(const lm_gl3 *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++)
            if (!lm_gl_is_canonical(a[i].c[c]))
                return false;
    return true;
}

static bool digests_canonical_(const lm_digest *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < LM_P2_DIGEST; c++)
            if (!lm_gl_is_canonical(d[i].e[c]))
                return false;
    return true;
}

static lm_gl3 eval_poly_(const lm_gl3 *coef, size_t n, lm_gl x)
{
    lm_gl3 acc = {{0, 0, 0}};
    for (size_t k = n; k-- > 0;)
        acc = lm_gl3_add(lm_gl3_mul_base(acc, x), coef[k]);
    return acc;
}

/* Returns: LM_OK when the proof has the shape fp and log_n call for and only
 * canonical elements. */
static int check_shape_(const lm_fri_params *fp, const lm_fri_proof *proof, unsigned log_n, lm_err *err)
{
    unsigned r = lm_fri_num_layers(fp, log_n);
    if (proof->log_n != log_n || proof->n_layers != r || proof->final_len != final_len_(fp, log_n) ||
        (r > 0 && proof->layers == NULL) || proof->final_poly == NULL)
        return lm_err_set(err, LM_ECRYPTO, "fri: proof shape does not match the parameters");
    if (!gl3_canonical_(proof->final_poly, proof->final_len))
        return lm_err_set(err, LM_ENONCANON, "fri: final polynomial not canonical");
    for (unsigned i = 0; i < r; i++) {
        const lm_fri_layer *ly = &proof->layers[i];
        if (ly->n_rows < 1 || ly->n_rows > fp->num_queries || ly->rows == NULL ||
            (ly->n_sib > 0 && ly->sib == NULL))
            return lm_err_set(err, LM_ECRYPTO, "fri: layer %u malformed", i);
        if (!digests_canonical_(&ly->root, 1) || !gl3_canonical_(ly->rows, 2 * ly->n_rows) ||
            !digests_canonical_(ly->sib, ly->n_sib))
            return lm_err_set(err, LM_ENONCANON, "fri: layer %u not canonical", i);
    }
    return LM_OK;
}

/* Refolds query q through every layer; *first gets its layer-0 value. */
static int check_query_(const lm_fri_proof *proof, const lm_gl3 *betas, const size_t *const *lpos, size_t q,
                        lm_gl3 *first, lm_err *err)
{
    unsigned log_n = proof->log_n, r = proof->n_layers;
    lm_gl s = LM_NTT_COSET_SHIFT, w;
    lm_gl3 val = {{0, 0, 0}};
    for (unsigned i = 0; i < r; i++) {
        const lm_fri_layer *ly = &proof->layers[i];
        size_t p = q >> i, leaf = p >> 1;
        const size_t *hit = bsearch(&leaf, lpos[i], ly->n_rows, sizeof leaf, cmp_size_);
        if (hit == NULL)
            return lm_err_set(err, LM_ECRYPTO, "fri: layer %u lacks row %zu", i, leaf);
        size_t k = (size_t)(hit - lpos[i]);
        lm_gl3 a = ly->rows[2 * k], b = ly->rows[2 * k + 1], known = (p & 1) ? b : a;
        if (i == 0)
            *first = known;
        else if (!lm_gl3_eq(known, val))
            return lm_err_set(err, LM_ECRYPTO, "fri: query %zu: layer %u does not fold from layer %u", q, i, i - 1);
        /* x = s_i w_(N_i)^bitrev(2 leaf) */
        unsigned Li = log_n - i;
        if (!lm_gl_root_of_unity(&w, Li))
            abort();
        lm_gl x = lm_gl_mul(s, lm_gl_pow(w, lm_ntt_bitrev(2 * leaf, Li)));
        val = fold_(a, b, betas[i], lm_gl_inv(lm_gl_double(x)));
        s = lm_gl_square(s);
    }
    unsigned Lr = log_n - r;
    if (!lm_gl_root_of_unity(&w, Lr))
        abort();
    size_t pr = q >> r;
    lm_gl3 fin = eval_poly_(proof->final_poly, proof->final_len, lm_gl_mul(s, lm_gl_pow(w, lm_ntt_bitrev(pr, Lr))));
    if (r == 0)
        *first = fin;
    else if (!lm_gl3_eq(fin, val))
        return lm_err_set(err, LM_ECRYPTO, "fri: query %zu: final polynomial mismatch", q);
    return LM_OK;
}

int lm_fri_verify(const lm_fri_params *fp, lm_transcript *t, const lm_fri_proof *proof, unsigned log_n,
                  size_t *query_idx, lm_gl3 *first, lm_err *err)
{
    int rc = lm_fri_params_check(fp, log_n, err);
    if (rc != LM_OK)
        return rc;
    if ((rc = check_shape_(fp, proof, log_n, err)) != LM_OK)
        return rc;
    unsigned r = proof->n_layers;
    size_t nq = fp->num_queries;
    lm_gl3 betas[LM_FRI_MAX_LOG_N];
    for (unsigned i = 0; i < r; i++) {
        lm_transcript_absorb_digest(t, proof->layers[i].root.e);
        betas[i] = lm_transcript_squeeze_gl3(t);
    }
    lm_transcript_absorb_gl3(t, proof->final_poly, proof->final_len);
    if ((rc = lm_transcript_check_pow(t, proof->pow_nonce, fp->pow_bits, err)) != LM_OK)
        return rc;
    size_t *q = malloc(nq * sizeof *q), *pos = malloc((r + 1) * nq * sizeof *pos);
    lm_gl3 *fst = malloc(nq * sizeof *fst);
    if (q == NULL || pos == NULL || fst == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "fri: no memory");
        goto out;
    }
    for (size_t k = 0; k < nq; k++)
        q[k] = (size_t)lm_transcript_squeeze_index(t, log_n);
    const size_t *lpos[LM_FRI_MAX_LOG_N];
    for (unsigned i = 0; i < r; i++) {
        const lm_fri_layer *ly = &proof->layers[i];
        size_t *pi = pos + (size_t)i * nq, m;
        positions_(pi, &m, q, nq, i + 1);
        lpos[i] = pi;
        if (m != ly->n_rows) {
            rc = lm_err_set(err, LM_ECRYPTO, "fri: layer %u opens %zu rows, the queries need %zu", i, ly->n_rows, m);
            goto out;
        }
        rc = lm_merkle_verify(&ly->root, log_n - i - 1, pi, (const lm_gl *)ly->rows, 6, m, ly->sib, ly->n_sib, err);
        if (rc != LM_OK) {
            lm_err_wrap(err, rc, "fri: layer opening");
            goto out;
        }
    }
    for (size_t k = 0; k < nq; k++)
        if ((rc = check_query_(proof, betas, lpos, q[k], &fst[k], err)) != LM_OK)
            goto out;
    if (query_idx != NULL)
        memcpy(query_idx, q, nq * sizeof *q);
    if (first != NULL)
        memcpy(first, fst, nq * sizeof *fst);
out:
    free(q);
    free(pos);
    free(fst);
    return rc;
}

/* ---- encoding ------------------------------------------------------------------ */

/* version u8, log_n u8, n_layers u8, final_len u32, pow_nonce u64,
 * roots (n_layers x 4 u64), final_poly (final_len x 3 u64), then per layer:
 * n_rows u32, rows (n_rows x 6 u64), n_sib u32, siblings (n_sib x 4 u64). */
size_t lm_fri_proof_size(const lm_fri_proof *proof)
{
    size_t n = 3 + 4 + 8 + (size_t)proof->n_layers * 32 + proof->final_len * 24;
    for (unsigned i = 0; i < proof->n_layers; i++)
        n += 4 + proof->layers[i].n_rows * 48 + 4 + proof->layers[i].n_sib * 32;
    return n;
}

static uint8_t *put_gls_(uint8_t *p, const lm_gl *e, size_t n)
{
    for (size_t i = 0; i < n; i++, p += 8)
        lm_store_le64(p, e[i]);
    return p;
}

int lm_fri_proof_write(uint8_t *out, size_t cap, size_t *len, const lm_fri_proof *proof, lm_err *err)
{
    size_t need = lm_fri_proof_size(proof);
    if (need > cap)
        return lm_err_set(err, LM_ESPACE, "fri: proof needs %zu bytes, room for %zu", need, cap);
    uint8_t *p = out;
    *p++ = LM_FRI_PROOF_VERSION;
    *p++ = (uint8_t)proof->log_n;
    *p++ = (uint8_t)proof->n_layers;
    lm_store_le32(p, (uint32_t)proof->final_len);
    p += 4;
    lm_store_le64(p, proof->pow_nonce);
    p += 8;
    for (unsigned i = 0; i < proof->n_layers; i++)
        p = put_gls_(p, proof->layers[i].root.e, 4);
    p = put_gls_(p, (const lm_gl *)proof->final_poly, 3 * proof->final_len);
    for (unsigned i = 0; i < proof->n_layers; i++) {
        const lm_fri_layer *ly = &proof->layers[i];
        lm_store_le32(p, (uint32_t)ly->n_rows);
        p = put_gls_(p + 4, (const lm_gl *)ly->rows, 6 * ly->n_rows);
        lm_store_le32(p, (uint32_t)ly->n_sib);
        p = put_gls_(p + 4, (const lm_gl *)ly->sib, 4 * ly->n_sib);
    }
    *len = (size_t)(p - out);
    return LM_OK;
}

typedef struct cur_ {
    const uint8_t *p;
    size_t left;
} cur_;

static int get_u32_(cur_ *c, uint32_t *v, lm_err *err)
{
    if (c->left < 4)
        return lm_err_set(err, LM_ETRUNC, "fri: proof truncated");
    *v = lm_load_le32(c->p);
    c->p += 4;
    c->left -= 4;
    return LM_OK;
}

/* Reads n canonical elements into out (whose room the caller sized). */
static int get_gls_(cur_ *c, lm_gl *out, size_t n, lm_err *err)
{
    if (c->left / 8 < n)
        return lm_err_set(err, LM_ETRUNC, "fri: proof truncated");
    for (size_t i = 0; i < n; i++) {
        uint64_t v = lm_load_le64(c->p + 8 * i);
        if (!lm_gl_is_canonical(v))
            return lm_err_set(err, LM_ENONCANON, "fri: element %llu is not below p", (unsigned long long)v);
        out[i] = v;
    }
    c->p += 8 * n;
    c->left -= 8 * n;
    return LM_OK;
}

static int read_layer_(cur_ *c, lm_fri_layer *ly, size_t max_rows, size_t max_sib, lm_err *err)
{
    uint32_t n;
    int rc;
    if ((rc = get_u32_(c, &n, err)) != LM_OK)
        return rc;
    if (n < 1 || n > max_rows)
        return lm_err_set(err, LM_ETOOLARGE, "fri: %u opened rows, expected 1..%zu", n, max_rows);
    if (c->left / 48 < n)
        return lm_err_set(err, LM_ETRUNC, "fri: proof truncated");
    if ((ly->rows = malloc(n * sizeof(lm_gl3) * 2)) == NULL)
        return lm_err_set(err, LM_ENOMEM, "fri: no memory");
    ly->n_rows = n;
    if ((rc = get_gls_(c, (lm_gl *)ly->rows, 6 * (size_t)n, err)) != LM_OK)
        return rc;
    if ((rc = get_u32_(c, &n, err)) != LM_OK)
        return rc;
    if (n > max_sib)
        return lm_err_set(err, LM_ETOOLARGE, "fri: %u siblings, at most %zu", n, max_sib);
    if (c->left / 32 < n)
        return lm_err_set(err, LM_ETRUNC, "fri: proof truncated");
    if ((ly->sib = malloc(((size_t)n + 1) * sizeof(lm_digest))) == NULL)
        return lm_err_set(err, LM_ENOMEM, "fri: no memory");
    ly->n_sib = n;
    return get_gls_(c, (lm_gl *)ly->sib, 4 * (size_t)n, err);
}

int lm_fri_proof_read(lm_fri_proof *proof, const lm_fri_params *fp, unsigned log_n, const uint8_t *in, size_t len,
                      lm_err *err)
{
    memset(proof, 0, sizeof *proof);
    int rc = lm_fri_params_check(fp, log_n, err);
    if (rc != LM_OK)
        return rc;
    unsigned r = lm_fri_num_layers(fp, log_n);
    size_t L = final_len_(fp, log_n);
    cur_ c = {in, len};
    if (len < 15)
        return lm_err_set(err, LM_ETRUNC, "fri: proof truncated");
    if (in[0] != LM_FRI_PROOF_VERSION)
        return lm_err_set(err, LM_EINVAL, "fri: proof version %u, expected %u", in[0], LM_FRI_PROOF_VERSION);
    if (in[1] != log_n || in[2] != r || lm_load_le32(in + 3) != L)
        return lm_err_set(err, LM_EINVAL, "fri: proof shape (2^%u, %u layers, %u coefficients) is not "
                          "(2^%u, %u, %zu)", in[1], in[2], lm_load_le32(in + 3), log_n, r, L);
    proof->log_n = log_n;
    proof->pow_nonce = lm_load_le64(in + 7);
    c.p += 15;
    c.left -= 15;
    proof->layers = calloc(r + 1, sizeof *proof->layers);
    proof->final_poly = malloc(L * sizeof(lm_gl3));
    if (proof->layers == NULL || proof->final_poly == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "fri: no memory");
        goto out;
    }
    proof->n_layers = r;
    proof->final_len = L;
    for (unsigned i = 0; i < r; i++)
        if ((rc = get_gls_(&c, proof->layers[i].root.e, 4, err)) != LM_OK)
            goto out;
    if ((rc = get_gls_(&c, (lm_gl *)proof->final_poly, 3 * L, err)) != LM_OK)
        goto out;
    for (unsigned i = 0; i < r; i++) {
        size_t max_rows = fp->num_queries, max_sib = max_rows * (log_n - i - 1);
        if ((rc = read_layer_(&c, &proof->layers[i], max_rows, max_sib, err)) != LM_OK)
            goto out;
    }
    if (c.left != 0)
        rc = lm_err_set(err, LM_ETRAILING, "fri: %zu bytes after the proof", c.left);
out:
    if (rc != LM_OK)
        lm_fri_proof_free(proof);
    return rc;
}
