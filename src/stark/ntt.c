/* NTT over Goldilocks: radix-2 transforms, coset LDE, batches, threads.
 * See include/lamina/ntt.h and docs/stark.md ("NTT"). */
#include "lamina/ntt.h"

#include <stdlib.h>
#include <string.h>

#include "lamina/stark.h"
#include "par.h"

#define LANES_BODY "ntt_lanes.h"
#include "lanes.h"

#ifdef LANES_X86
/* The lanes per vector of the implementation in use (1: scalar code). */
static unsigned lanes_(void)
{
    switch (lm_stark_impl()) {
    case LM_P2_IMPL_AVX512:
        return 8;
    case LM_P2_IMPL_AVX2:
        return 4;
    case LM_P2_IMPL_AUTO:
    case LM_P2_IMPL_SCALAR:
        break;
    }
    return 1;
}
#endif

/* A transform whose blocks have at most 2^NTT_BLOCK_LOG elements (64 KiB) is
 * done stage by stage inside the block, which then stays in cache; larger
 * ones recurse depth first. */
#define NTT_BLOCK_LOG 13u
/* A thread pays for itself from about 2^NTT_PAR_LOG elements of work. */
#define NTT_PAR_LOG 14u

static void ntt_check_(const lm_ntt_ctx *ctx, unsigned log_n)
{
    /* Programmer error: a size the context has no twiddles for. */
    if (ctx == NULL || ctx->fwd == NULL || log_n > ctx->max_log_n)
        abort();
}

int lm_ntt_ctx_init(lm_ntt_ctx *ctx, unsigned max_log_n, unsigned threads, lm_err *err)
{
    memset(ctx, 0, sizeof *ctx);
    if (max_log_n > LM_NTT_MAX_LOG_N)
        return lm_err_set(err, LM_ETOOLARGE, "ntt: max_log_n %u above %u", max_log_n, LM_NTT_MAX_LOG_N);
    size_t n = (size_t)1 << max_log_n;
    ctx->fwd = malloc(n * sizeof(lm_gl));
    ctx->inv = malloc(n * sizeof(lm_gl));
    if (ctx->fwd == NULL || ctx->inv == NULL) {
        lm_ntt_ctx_free(ctx);
        return lm_err_set(err, LM_ENOMEM, "ntt: no memory for 2 x %zu twiddles", n);
    }
    ctx->max_log_n = max_log_n;
    ctx->threads = threads == 0 ? 1 : (threads > LM_NTT_MAX_THREADS ? LM_NTT_MAX_THREADS : threads);
    ctx->fwd[0] = ctx->inv[0] = 0; /* unused */
    if (max_log_n > 0) {
        /* Top level m = n/2: powers of w_n; lower levels are every other
         * entry of the level above, since w_(2m)^j = w_(4m)^(2j). */
        size_t m = n / 2;
        lm_gl w, wi;
        if (!lm_gl_root_of_unity(&w, max_log_n))
            abort(); /* max_log_n <= 30 < 32 */
        wi = lm_gl_inv(w);
        ctx->fwd[m] = ctx->inv[m] = 1;
        for (size_t j = 1; j < m; j++) {
            ctx->fwd[m + j] = lm_gl_mul(ctx->fwd[m + j - 1], w);
            ctx->inv[m + j] = lm_gl_mul(ctx->inv[m + j - 1], wi);
        }
        for (m = n / 4; m >= 1; m /= 2)
            for (size_t j = 0; j < m; j++) {
                ctx->fwd[m + j] = ctx->fwd[2 * m + 2 * j];
                ctx->inv[m + j] = ctx->inv[2 * m + 2 * j];
            }
    }
    lm_gl half = (LM_GL_P + 1) / 2; /* 2^-1 */
    ctx->inv_n[0] = 1;
    for (unsigned k = 1; k <= LM_NTT_MAX_LOG_N; k++)
        ctx->inv_n[k] = lm_gl_mul(ctx->inv_n[k - 1], half);
    return LM_OK;
}

void lm_ntt_ctx_free(lm_ntt_ctx *ctx)
{
    if (ctx == NULL)
        return;
    free(ctx->fwd);
    free(ctx->inv);
    ctx->fwd = ctx->inv = NULL;
    ctx->max_log_n = 0;
}

void lm_ntt_bit_reverse(lm_gl *a, unsigned log_n)
{
    size_t n = (size_t)1 << log_n;
    for (size_t i = 0, j = 0; i < n; i++) {
        if (i < j) {
            lm_gl t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        /* j = bitrev(i + 1): add one at the top, carrying downwards. */
        size_t bit = n >> 1;
        while (bit != 0 && (j & bit) != 0) {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
    }
}

/* ---- serial kernels ---------------------------------------------------------- */

/* One DIF stage of half-size m over butterflies k in [k0, k1) of a (block
 * b = k / m, offset j = k % m):
 *   (u, v) = (x[j], x[j+m]) -> (u + v, (u - v) w_(2m)^j),  x = a + 2 m b. */
static void dif_stage_scalar_(lm_gl *a, size_t m, const lm_gl *tw, size_t k0, size_t k1)
{
    size_t k = k0;
    while (k < k1) {
        size_t j = k % m;
        lm_gl *x = a + 2 * m * (k / m);
        size_t jend = m - j < k1 - k ? m : j + (k1 - k);
        k += jend - j;
        for (; j < jend; j++) {
            lm_gl u = x[j], v = x[j + m];
            x[j] = lm_gl_add(u, v);
            x[j + m] = lm_gl_mul(lm_gl_sub(u, v), tw[m + j]);
        }
    }
}

/* One DIT stage: (u, v) -> (u + v w^-j, u - v w^-j) with tw = inverse table. */
static void dit_stage_scalar_(lm_gl *a, size_t m, const lm_gl *tw, size_t k0, size_t k1)
{
    size_t k = k0;
    while (k < k1) {
        size_t j = k % m;
        lm_gl *x = a + 2 * m * (k / m);
        size_t jend = m - j < k1 - k ? m : j + (k1 - k);
        k += jend - j;
        for (; j < jend; j++) {
            lm_gl u = x[j], v = lm_gl_mul(x[j + m], tw[m + j]);
            x[j] = lm_gl_add(u, v);
            x[j + m] = lm_gl_sub(u, v);
        }
    }
}

/* A stage on lanes when m and the butterfly range allow it (every stage of
 * the transforms here but those with m < lanes, done by dif_small_ and
 * dit_small_). */
static void dif_stage_(lm_gl *a, size_t m, const lm_gl *tw, size_t k0, size_t k1)
{
#ifdef LANES_X86
    unsigned L = lanes_();
    if (L > 1 && m % L == 0 && k0 % L == 0 && k1 % L == 0) {
        if (L == 8)
            p2x8_dif_stage(a, m, tw, k0, k1);
        else
            p2x4_dif_stage(a, m, tw, k0, k1);
        return;
    }
#endif
    dif_stage_scalar_(a, m, tw, k0, k1);
}

static void dit_stage_(lm_gl *a, size_t m, const lm_gl *tw, size_t k0, size_t k1)
{
#ifdef LANES_X86
    unsigned L = lanes_();
    if (L > 1 && m % L == 0 && k0 % L == 0 && k1 % L == 0) {
        if (L == 8)
            p2x8_dit_stage(a, m, tw, k0, k1);
        else
            p2x4_dit_stage(a, m, tw, k0, k1);
        return;
    }
#endif
    dit_stage_scalar_(a, m, tw, k0, k1);
}

/* The last DIF / first DIT stage (m = 1, twiddle 1). */
static void stage1_(lm_gl *a, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        lm_gl u = a[i], v = a[i + 1];
        a[i] = lm_gl_add(u, v);
        a[i + 1] = lm_gl_sub(u, v);
    }
}

static void dif_serial_(const lm_gl *tw, lm_gl *a, unsigned log_n)
{
    size_t n = (size_t)1 << log_n;
    if (log_n == 0)
        return;
    if (log_n > NTT_BLOCK_LOG) {
        /* Depth first: the top stage, then two independent halves. */
        dif_stage_(a, n / 2, tw, 0, n / 2);
        dif_serial_(tw, a, log_n - 1);
        dif_serial_(tw, a + n / 2, log_n - 1);
        return;
    }
    size_t m = n / 2;
#ifdef LANES_X86
    unsigned L = lanes_();
    if (L > 1 && n >= L) {
        /* the stages with m >= L on lanes, the others inside each vector */
        for (; m >= L; m /= 2)
            dif_stage_(a, m, tw, 0, n / 2);
        if (L == 8)
            p2x8_dif_tail(a, n, tw);
        else
            p2x4_dif_tail(a, n, tw);
        return;
    }
#endif
    for (; m >= 2; m /= 2)
        dif_stage_(a, m, tw, 0, n / 2);
    stage1_(a, n);
}

static void dit_serial_(const lm_gl *tw, lm_gl *a, unsigned log_n)
{
    size_t n = (size_t)1 << log_n;
    if (log_n == 0)
        return;
    if (log_n > NTT_BLOCK_LOG) {
        dit_serial_(tw, a, log_n - 1);
        dit_serial_(tw, a + n / 2, log_n - 1);
        dit_stage_(a, n / 2, tw, 0, n / 2);
        return;
    }
    size_t m = 2;
#ifdef LANES_X86
    unsigned L = lanes_();
    if (L > 1 && n >= L) {
        if (L == 8)
            p2x8_dit_head(a, n, tw);
        else
            p2x4_dit_head(a, n, tw);
        m = L;
    } else
        stage1_(a, n);
#else
    stage1_(a, n);
#endif
    for (; m < n; m *= 2)
        dit_stage_(a, m, tw, 0, n / 2);
}

static void scale_(lm_gl *a, size_t n, lm_gl s)
{
#ifdef LANES_X86
    unsigned L = lanes_();
    if (L > 1 && n % L == 0) {
        if (L == 8)
            p2x8_scale(a, n, s);
        else
            p2x4_scale(a, n, s);
        return;
    }
#endif
    for (size_t i = 0; i < n; i++)
        a[i] = lm_gl_mul(a[i], s);
}

/* a[k] *= s^k * c for k < n. */
static void scale_powers_(lm_gl *a, size_t n, lm_gl s, lm_gl c)
{
#ifdef LANES_X86
    unsigned L = lanes_();
    if (L > 1 && n % L == 0) {
        if (L == 8)
            p2x8_scale_powers(a, n, s, c);
        else
            p2x4_scale_powers(a, n, s, c);
        return;
    }
#endif
    lm_gl p = c;
    for (size_t k = 0; k < n; k++) {
        a[k] = lm_gl_mul(a[k], p);
        p = lm_gl_mul(p, s);
    }
}

/* ---- threads ----------------------------------------------------------------- */

/* The largest power of two T <= ctx->threads with 2^log_n / T >= 2^NTT_PAR_LOG
 * (and T <= 2^log_n / 2, so every stage has a butterfly per thread). */
static unsigned split_log_(const lm_ntt_ctx *ctx, unsigned log_n)
{
    unsigned lt = 0;
    while ((2u << lt) <= ctx->threads && log_n >= NTT_PAR_LOG + lt + 1)
        lt++;
    return lt;
}

typedef struct one_job_ {
    const lm_gl *tw;
    lm_gl *a;
    unsigned log_n, log_t;
    size_t m; /* the stage, for stage jobs */
    lm_gl s;  /* the factor, for scale jobs */
} one_job_;

static void job_dif_stage_(void *p, unsigned t, unsigned nt)
{
    one_job_ *j = p;
    size_t half = ((size_t)1 << j->log_n) / 2, per = half / nt;
    dif_stage_(j->a, j->m, j->tw, per * t, per * (t + 1));
}

static void job_dit_stage_(void *p, unsigned t, unsigned nt)
{
    one_job_ *j = p;
    size_t half = ((size_t)1 << j->log_n) / 2, per = half / nt;
    dit_stage_(j->a, j->m, j->tw, per * t, per * (t + 1));
}

static void job_dif_block_(void *p, unsigned t, unsigned nt)
{
    one_job_ *j = p;
    unsigned lb = j->log_n - j->log_t;
    dif_serial_(j->tw, j->a + ((size_t)t << lb), lb);
}

static void job_dit_block_(void *p, unsigned t, unsigned nt)
{
    one_job_ *j = p;
    unsigned lb = j->log_n - j->log_t;
    dit_serial_(j->tw, j->a + ((size_t)t << lb), lb);
}

static void job_scale_(void *p, unsigned t, unsigned nt)
{
    one_job_ *j = p;
    size_t per = ((size_t)1 << j->log_n) / nt;
    scale_(j->a + per * t, per, j->s);
}

/* A single transform on 2^log_t threads: the first log_t DIF stages have
 * fewer blocks than threads, so their butterflies are split; after them the
 * 2^log_t blocks are independent transforms of size 2^(log_n - log_t). DIT
 * does the same in the opposite order. */
static void dif_par_(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n, unsigned log_t)
{
    if (log_t == 0) {
        dif_serial_(ctx->fwd, a, log_n);
        return;
    }
    size_t n = (size_t)1 << log_n, nt = (size_t)1 << log_t;
    one_job_ j = {ctx->fwd, a, log_n, log_t, 0, 0};
    for (size_t m = n / 2; m >= n / nt; m /= 2) {
        j.m = m;
        lm_par_run((unsigned)nt, job_dif_stage_, &j);
    }
    lm_par_run((unsigned)nt, job_dif_block_, &j);
}

static void dit_par_(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n, unsigned log_t)
{
    if (log_t == 0) {
        dit_serial_(ctx->inv, a, log_n);
        scale_(a, (size_t)1 << log_n, ctx->inv_n[log_n]);
        return;
    }
    size_t n = (size_t)1 << log_n, nt = (size_t)1 << log_t;
    one_job_ j = {ctx->inv, a, log_n, log_t, 0, ctx->inv_n[log_n]};
    lm_par_run((unsigned)nt, job_dit_block_, &j);
    for (size_t m = n / nt; m < n; m *= 2) {
        j.m = m;
        lm_par_run((unsigned)nt, job_dit_stage_, &j);
    }
    lm_par_run((unsigned)nt, job_scale_, &j);
}

/* ---- public transforms --------------------------------------------------------- */

void lm_ntt_forward_nr(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n)
{
    ntt_check_(ctx, log_n);
    dif_par_(ctx, a, log_n, split_log_(ctx, log_n));
}

void lm_ntt_inverse_rn(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n)
{
    ntt_check_(ctx, log_n);
    dit_par_(ctx, a, log_n, split_log_(ctx, log_n));
}

void lm_ntt_forward(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n)
{
    lm_ntt_forward_nr(ctx, a, log_n);
    lm_ntt_bit_reverse(a, log_n);
}

void lm_ntt_inverse(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n)
{
    ntt_check_(ctx, log_n);
    lm_ntt_bit_reverse(a, log_n);
    lm_ntt_inverse_rn(ctx, a, log_n);
}

/* ---- transforms of zero-padded coefficients ---------------------------------------
 * A polynomial of n <= N / B coefficients (B = 2^lb) on s H_N, bit-reversed,
 * as B transforms of size N / B instead of one of size N, whose first lb
 * DIF stages would only spread zeros: with i = k + B t (k < B),
 *   p(s w_N^i) = sum_j c_j (s w_N^k)^j w_(N/B)^(t j),
 * and bitrev_N(i) = bitrev_lb(k) (N / B) + bitrev_(N/B)(t), so block
 * bitrev_lb(k) of the output is the transform (bit-reversed) of
 * c_j (s w_N^k)^j. Same values as the full transform. */

typedef struct blocks_job_ {
    const lm_ntt_ctx *ctx;
    lm_gl *out;
    const lm_gl *c; /* n coefficients; may be out (block 0), which is then done last */
    size_t n;
    unsigned log_N, lb;
    lm_gl shift, factor; /* every c_j is also multiplied by factor */
} blocks_job_;

static void block_(const blocks_job_ *j, size_t k)
{
    size_t N = (size_t)1 << j->log_N, nb = N >> j->lb;
    lm_gl *blk = j->out + lm_ntt_bitrev(k, j->lb) * nb;
    lm_gl w;
    if (!lm_gl_root_of_unity(&w, j->log_N))
        abort(); /* log_N <= max_log_n <= 30 */
    lm_gl r = lm_gl_mul(j->shift, lm_gl_pow(w, k)); /* s w_N^k */
    if (blk != j->c)
        memcpy(blk, j->c, j->n * sizeof(lm_gl));
    memset(blk + j->n, 0, (nb - j->n) * sizeof(lm_gl));
    scale_powers_(blk, j->n, r, j->factor);
    dif_serial_(j->ctx->fwd, blk, j->log_N - j->lb);
}

static void job_blocks_(void *p, unsigned t, unsigned nt)
{
    const blocks_job_ *j = p;
    size_t B = (size_t)1 << j->lb;
    for (size_t k = 1 + t; k < B; k += nt)
        block_(j, k);
    if (j->c != j->out && t == 0)
        block_(j, 0);
}

/* Runs the B blocks on up to nt threads; block 0 last when it holds c. */
static void blocks_run_(blocks_job_ *j, unsigned nt)
{
    size_t B = (size_t)1 << j->lb;
    if (nt > B)
        nt = (unsigned)B;
    if (nt > 1)
        lm_par_run(nt, job_blocks_, j);
    else
        job_blocks_(j, 0, 1);
    if (j->c == j->out)
        block_(j, 0);
}

void lm_ntt_coset_eval(const lm_ntt_ctx *ctx, lm_gl *out, unsigned log_N, const lm_gl *coef, size_t n,
                       lm_gl shift, lm_ntt_order order)
{
    ntt_check_(ctx, log_N);
    size_t N = (size_t)1 << log_N;
    if (n > N)
        abort(); /* programmer error */
    unsigned lb = 0;
    while (lb < log_N && n <= (N >> (lb + 1)))
        lb++;
    if (n == 0 || lb == 0) {
        /* p(s x) = sum_k (c_k s^k) x^k: scale, then evaluate on H_N. */
        if (n > 0)
            memcpy(out, coef, n * sizeof(lm_gl));
        memset(out + n, 0, (N - n) * sizeof(lm_gl));
        scale_powers_(out, n, shift, 1);
        lm_ntt_forward_nr(ctx, out, log_N);
    } else {
        blocks_job_ j = {ctx, out, coef, n, log_N, lb, shift, 1};
        blocks_run_(&j, log_N > NTT_PAR_LOG ? ctx->threads : 1);
    }
    if (order == LM_NTT_NATURAL)
        lm_ntt_bit_reverse(out, log_N);
}

void lm_ntt_coset_interpolate(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n, lm_gl shift,
                              lm_ntt_order order)
{
    ntt_check_(ctx, log_n);
    if (order == LM_NTT_NATURAL)
        lm_ntt_bit_reverse(a, log_n);
    lm_ntt_inverse_rn(ctx, a, log_n);
    scale_powers_(a, (size_t)1 << log_n, lm_gl_inv(shift), 1);
}

/* ---- batches ------------------------------------------------------------------- */

typedef struct batch_job_ {
    const lm_ntt_ctx *ctx;
    lm_gl *const *out;
    const lm_gl *const *in;
    size_t ncols;
    unsigned log_n, log_blowup;
    lm_gl shift;
    lm_ntt_order order;
    int kind; /* 0 forward_nr, 1 inverse_rn, 2 lde */
    unsigned log_t; /* threads inside one column */
} batch_job_;

static void lde_column_(const batch_job_ *b, size_t c)
{
    size_t n = (size_t)1 << b->log_n;
    unsigned log_N = b->log_n + b->log_blowup;
    lm_gl *o = b->out[c];
    memcpy(o, b->in[c], n * sizeof(lm_gl));
    lm_ntt_bit_reverse(o, b->log_n);
    dit_serial_(b->ctx->inv, o, b->log_n);
    if (b->log_blowup == 0) {
        /* The 1/n of the inverse folds into the coset powers. */
        scale_powers_(o, n, b->shift, b->ctx->inv_n[b->log_n]);
        dif_par_(b->ctx, o, log_N, b->log_t);
    } else {
        /* the same, the zero-padded stages skipped (above lm_ntt_coset_eval) */
        blocks_job_ j = {b->ctx, o, o, n, log_N, b->log_blowup, b->shift, b->ctx->inv_n[b->log_n]};
        blocks_run_(&j, 1u << b->log_t);
    }
    if (b->order == LM_NTT_NATURAL)
        lm_ntt_bit_reverse(o, log_N);
}

static void batch_column_(const batch_job_ *b, size_t c)
{
    switch (b->kind) {
    case 0: dif_par_(b->ctx, b->out[c], b->log_n, b->log_t); break;
    case 1: dit_par_(b->ctx, b->out[c], b->log_n, b->log_t); break;
    default: lde_column_(b, c); break;
    }
}

static void job_batch_(void *p, unsigned t, unsigned nt)
{
    const batch_job_ *b = p;
    for (size_t c = t; c < b->ncols; c += nt)
        batch_column_(b, c);
}

static void batch_run_(batch_job_ *b)
{
    unsigned log_work = b->log_n + b->log_blowup;
    unsigned nt = b->ctx->threads;
    if (nt > b->ncols)
        nt = (unsigned)b->ncols;
    if (b->ncols >= b->ctx->threads || log_work < NTT_PAR_LOG) {
        /* Whole columns per thread. */
        b->log_t = 0;
        if (nt <= 1 || ((size_t)b->ncols << log_work) < ((size_t)1 << (NTT_PAR_LOG + 1)))
            job_batch_(b, 0, 1);
        else
            lm_par_run(nt, job_batch_, b);
        return;
    }
    /* Fewer columns than threads: each column's transform is split. */
    b->log_t = split_log_(b->ctx, log_work);
    job_batch_(b, 0, 1);
}

void lm_ntt_forward_nr_batch(const lm_ntt_ctx *ctx, lm_gl *const *cols, size_t ncols, unsigned log_n)
{
    ntt_check_(ctx, log_n);
    batch_job_ b = {ctx, cols, NULL, ncols, log_n, 0, 0, LM_NTT_BITREV, 0, 0};
    batch_run_(&b);
}

void lm_ntt_inverse_rn_batch(const lm_ntt_ctx *ctx, lm_gl *const *cols, size_t ncols, unsigned log_n)
{
    ntt_check_(ctx, log_n);
    batch_job_ b = {ctx, cols, NULL, ncols, log_n, 0, 0, LM_NTT_NATURAL, 1, 0};
    batch_run_(&b);
}

void lm_ntt_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in, size_t ncols,
                      unsigned log_n, unsigned log_blowup, lm_gl shift, lm_ntt_order order)
{
    ntt_check_(ctx, log_n + log_blowup);
    if (shift == 0)
        abort(); /* programmer error: not a coset */
    batch_job_ b = {ctx, out, in, ncols, log_n, log_blowup, shift, order, 2, 0};
    batch_run_(&b);
}
