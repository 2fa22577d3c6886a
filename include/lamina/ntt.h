/* Number-theoretic transform (NTT) over the Goldilocks field: forward and
 * inverse radix-2 transforms in place, coset low-degree extension (LDE), and
 * batches of columns, optionally on several threads.
 *
 * Domains. H_n = <w_n> is the subgroup of order n = 2^log_n, with
 * w_n = lm_gl_root_of_unity(log_n) (so w_n^2 = w_(n/2)). A coset is
 * s * H_n for a shift s != 0; the STARK uses s = LM_NTT_COSET_SHIFT.
 *
 * Orders. "Natural" order puts the value at x = w^i (or coefficient i) at
 * index i. "Bit-reversed" order puts it at index bitrev_log_n(i). The two
 * primitive transforms never permute:
 *   lm_ntt_forward_nr: coefficients in natural order -> evaluations in
 *       bit-reversed order (decimation in frequency, Gentleman-Sande);
 *   lm_ntt_inverse_rn: evaluations in bit-reversed order -> coefficients in
 *       natural order (decimation in time, Cooley-Tukey), scaled by 1/n.
 * lm_ntt_forward / lm_ntt_inverse are natural -> natural and pay one
 * bit-reversal pass (lm_ntt_bit_reverse) each. Bit-reversed evaluations are
 * what the STARK commits to: the FRI folding pair x, -x sits at indices
 * 2j, 2j+1 there.
 *
 * Context. lm_ntt_ctx holds the twiddle tables for every size up to
 * 2^max_log_n and a thread count; the caller creates it, owns it and frees it
 * (no hidden globals). It is read-only during transforms, so several threads
 * may share one context.
 *
 * Threads. A transform or batch uses up to ctx->threads POSIX threads
 * (created and joined inside the call) when the work is large enough to pay
 * for them (about 2^14 elements per thread); columns of a batch are split
 * between threads, and a single large transform is split into blocks after
 * its first stages. Results do not depend on the thread count.
 *
 * The transforms are not constant time in anything but the sizes; they have
 * no secret inputs in a STARK prover.
 *
 * See docs/stark.md, section "NTT". */
#ifndef LAMINA_NTT_H
#define LAMINA_NTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"

/* The coset shift of the LDE domain: the multiplicative generator 7, which
 * lies outside every 2-power subgroup, so s * H_N and H_N are disjoint. */
#define LM_NTT_COSET_SHIFT LM_GL_GENERATOR

/* The largest max_log_n a context accepts (its tables take 2^(max_log_n+1)
 * elements = 16 * 2^max_log_n bytes). */
#define LM_NTT_MAX_LOG_N 30u

/* The most threads a context uses. */
#define LM_NTT_MAX_THREADS 64u /* = LM_PAR_MAX_THREADS of src/stark/par.h */

typedef struct lm_ntt_ctx {
    unsigned max_log_n; /* transforms of size up to 2^max_log_n */
    unsigned threads;   /* 1..LM_NTT_MAX_THREADS; may be changed between calls */
    /* fwd[m + j] = w_(2m)^j and inv[m + j] = w_(2m)^-j for every power of two
     * m < 2^max_log_n and 0 <= j < m (index 0 unused): each stage reads its
     * twiddles contiguously. Owned by the context. */
    lm_gl *fwd;
    lm_gl *inv;
    /* inv_n[k] = 2^-k, k = 0..max_log_n. */
    lm_gl inv_n[LM_NTT_MAX_LOG_N + 1];
} lm_ntt_ctx;

/* Creates a context for transforms up to size 2^max_log_n on up to threads
 * threads (0 is taken as 1; more than LM_NTT_MAX_THREADS is capped).
 * Out: *ctx filled; free it with lm_ntt_ctx_free.
 * Returns: LM_OK; LM_ETOOLARGE when max_log_n > LM_NTT_MAX_LOG_N;
 *          LM_ENOMEM when the tables cannot be allocated (*ctx then needs no
 *          freeing, but lm_ntt_ctx_free on it is harmless). */
LM_MUST_CHECK int lm_ntt_ctx_init(lm_ntt_ctx *ctx, unsigned max_log_n, unsigned threads, lm_err *err);

/* Frees the tables of ctx (NULL or an already freed context is fine). */
void lm_ntt_ctx_free(lm_ntt_ctx *ctx);

/* Permutes a[0..2^log_n) into bit-reversed order (an involution). */
void lm_ntt_bit_reverse(lm_gl *a, unsigned log_n);

/* Returns: the log_n-bit reversal of i (i < 2^log_n). */
static inline size_t lm_ntt_bitrev(size_t i, unsigned log_n)
{
    size_t r = 0;
    for (unsigned b = 0; b < log_n; b++) {
        r = (r << 1) | (i & 1u);
        i >>= 1;
    }
    return r;
}

/* Forward transform without permutation. In: a[0..n) coefficients c_i in
 * natural order. Out: a[bitrev(i)] = sum_k c_k w_n^(i k). n = 2^log_n with
 * log_n <= ctx->max_log_n (programmer error otherwise: aborts). */
void lm_ntt_forward_nr(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n);

/* Inverse transform without permutation: the inverse of lm_ntt_forward_nr.
 * In: a[bitrev(i)] = p(w_n^i). Out: a[0..n) the coefficients of the unique
 * p of degree < n, natural order. */
void lm_ntt_inverse_rn(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n);

/* Natural -> natural: a[i] = p(w_n^i) from coefficients, and back. */
void lm_ntt_forward(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n);
void lm_ntt_inverse(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n);

/* Batch forms over ncols columns, each a separate array of 2^log_n elements
 * (cols[c] may not overlap each other). Columns are split between threads. */
void lm_ntt_forward_nr_batch(const lm_ntt_ctx *ctx, lm_gl *const *cols, size_t ncols, unsigned log_n);
void lm_ntt_inverse_rn_batch(const lm_ntt_ctx *ctx, lm_gl *const *cols, size_t ncols, unsigned log_n);

/* Output order of an LDE. */
typedef enum lm_ntt_order {
    LM_NTT_NATURAL = 0,
    LM_NTT_BITREV = 1
} lm_ntt_order;

/* Coset low-degree extension of ncols columns.
 * In:  in[c][0..n), n = 2^log_n: evaluations of p_c on H_n in natural order
 *      (row i at x = w_n^i), the trace layout. in is not modified.
 *      shift: the coset shift s (non-zero; normally LM_NTT_COSET_SHIFT).
 *      log_blowup: N = n * 2^log_blowup, log_n + log_blowup <= max_log_n.
 * Out: out[c][0..N): p_c evaluated on s * H_N, in the given order (natural:
 *      out[c][i] = p_c(s w_N^i); bit-reversed: out[c][bitrev(i)] =
 *      p_c(s w_N^i)). out[c] must not overlap in[c'].
 * Steps per column: bit-reverse + lm_ntt_inverse_rn (coefficients), multiply
 * c_k by s^k, zero-pad to N, lm_ntt_forward_nr (bit-reversed), and one more
 * bit-reversal for natural order. */
void lm_ntt_lde_batch(const lm_ntt_ctx *ctx, lm_gl *const *out, const lm_gl *const *in, size_t ncols,
                      unsigned log_n, unsigned log_blowup, lm_gl shift, lm_ntt_order order);

/* Evaluates the polynomial with coefficients coef[0..n) (natural order) on
 * the coset s * H_N, N = 2^log_N >= n a power of two, n <= N.
 * Out: out[0..N) in the given order. coef and out must not overlap. */
void lm_ntt_coset_eval(const lm_ntt_ctx *ctx, lm_gl *out, unsigned log_N, const lm_gl *coef, size_t n,
                       lm_gl shift, lm_ntt_order order);

/* Interpolates from evaluations on the coset s * H_n.
 * In/Out: a[0..n), n = 2^log_n: on entry p(s w_n^i) in the given order, on
 * return the coefficients of p (degree < n) in natural order. */
void lm_ntt_coset_interpolate(const lm_ntt_ctx *ctx, lm_gl *a, unsigned log_n, lm_gl shift,
                              lm_ntt_order order);

#endif
