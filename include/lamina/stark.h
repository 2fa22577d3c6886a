/* A STARK for algebraic intermediate representations (AIRs) over Goldilocks:
 * trace commitment, transition and boundary constraints, composition
 * polynomial, DEEP-ALI out-of-domain check and FRI (lamina/fri.h), with the
 * Poseidon2 transcript (lamina/transcript.h). docs/stark.md ("STARK") gives
 * the exact protocol and transcript order.
 *
 * Trace. width columns of h = 2^log_h base-field values; row i sits at
 * g^i, g = w_h. Transition constraints relate row i ("cur") and row i + 1
 * ("next") and must vanish on rows 0..h-2; boundary constraints fix single
 * cells (public inputs and outputs). Periodic columns are public columns
 * that repeat with a power-of-two period (round constants, "first row of a
 * block" selectors): they are part of the statement, not of the trace, and
 * the transition constraints read them at row i beside cur and next.
 *
 * Memory: a proof owns its arrays (lm_stark_proof_free). The prover
 * allocates O(width * h * blowup) working memory and frees it before
 * returning. */
#ifndef LAMINA_STARK_H
#define LAMINA_STARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/fri.h"
#include "lamina/goldilocks.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"

#define LM_STARK_MAX_WIDTH 1024u
#define LM_STARK_MAX_CONSTRAINTS 1024u
#define LM_STARK_MAX_BOUNDARY 1024u
#define LM_STARK_MAX_PERIODIC 256u

/* Evaluates the transition constraints on one pair of rows, over the cubic
 * extension (the prover lifts base values into it; the verifier calls it at
 * the out-of-domain point).
 * Out: out[0..n_constraints), each zero when the rows satisfy it.
 * In:  ctx the AIR's context; cur[0..width) row i, next[0..width) row i + 1;
 *      periodic[0..n_periodic) the periodic columns at row i (NULL when the
 *      AIR has none).
 * Must be a pure function of its inputs (the prover calls it from several
 * threads at once) and a polynomial of total degree <= lm_air.degree in the
 * row and periodic values (a periodic column counts like a trace column:
 * as a polynomial in x its degree is below h). */
typedef void (*lm_air_eval_fn)(const void *ctx, lm_gl3 *out, const lm_gl3 *cur, const lm_gl3 *next,
                               const lm_gl3 *periodic);

/* The rows one lm_air_eval_rows_fn call evaluates. */
#define LM_AIR_ROWS 8u

/* Optional, for the prover's speed only: the transition constraints on
 * LM_AIR_ROWS pairs of base-field rows at once, lane-interleaved (element
 * [k * LM_AIR_ROWS + l] is value k of pair l).
 * Out: out[j * LM_AIR_ROWS + l], j < n_constraints: canonical, equal to
 *      out[j] of lm_air.eval on pair l lifted into K (which is then in F_p).
 * In:  ctx; cur[c * LM_AIR_ROWS + l] (c < width) row i_l, next[...] row
 *      i_l + 1, periodic[j * LM_AIR_ROWS + l] (j < n_periodic; NULL when
 *      none), all canonical.
 * Pure, like lm_air_eval_fn. When lm_air.eval_rows is NULL the prover lifts
 * each row into K and calls eval; either way the proof is the same. */
typedef void (*lm_air_eval_rows_fn)(const void *ctx, lm_gl *out, const lm_gl *cur, const lm_gl *next,
                                    const lm_gl *periodic);

/* trace[col][row] == value. */
typedef struct lm_air_boundary {
    unsigned col;
    uint64_t row;
    lm_gl value;
} lm_air_boundary;

/* A periodic column: its value at row i is values[i mod 2^log_period]
 * (0 <= log_period <= log_h, so the period divides h). As a polynomial it
 * is p(x^(h/m)), m = 2^log_period, deg p < m, p(w_m^i) = values[i].
 * values[0..m) are canonical and owned by the caller. */
typedef struct lm_air_periodic {
    unsigned log_period;
    const lm_gl *values;
} lm_air_periodic;

typedef struct lm_air {
    const char *name;       /* identifies the constraint system; absorbed (NULL = "") */
    unsigned width;         /* 1..LM_STARK_MAX_WIDTH trace columns */
    unsigned n_constraints; /* 0..LM_STARK_MAX_CONSTRAINTS transition constraints */
    unsigned degree;        /* max constraint degree, 1..2^LM_FRI_MAX_LOG_BLOWUP (lm_stark_log_eval_blowup) */
    lm_air_eval_fn eval;    /* may be NULL when n_constraints == 0 */
    const void *ctx;
    const lm_air_boundary *boundary; /* the statement's public values */
    size_t n_boundary;               /* 0..LM_STARK_MAX_BOUNDARY */
    const lm_air_periodic *periodic; /* public periodic columns, part of the statement */
    unsigned n_periodic;             /* 0..LM_STARK_MAX_PERIODIC */
    lm_air_eval_rows_fn eval_rows;   /* NULL, or eval on base-field rows, LM_AIR_ROWS at once */
} lm_air;

/* The number of composition segments: max(1, degree - 1). */
unsigned lm_stark_num_segments(const lm_air *air);

/* log2 of the evaluation blowup: the constraints are evaluated on a coset
 * of h * 2^this points, max(fp->log_blowup, ceil(log2 degree)); the trace
 * and the composition are committed, and DEEP and FRI run, on h *
 * 2^fp->log_blowup points (which may be fewer). The prover's NTT context
 * needs max_log_n >= log_h + this. */
unsigned lm_stark_log_eval_blowup(const lm_air *air, const lm_fri_params *fp);

typedef struct lm_stark_proof {
    unsigned log_h, width, n_seg;
    lm_digest trace_root, comp_root;
    /* ood[0..width): trace polynomials at z; ood[width..2 width): at g z;
     * ood[2 width..2 width + n_seg): composition segments at z. */
    lm_gl3 *ood;
    lm_fri_proof fri;
    size_t n_open;           /* distinct query positions, increasing */
    lm_gl *trace_rows;       /* n_open rows of width elements */
    size_t n_trace_sib;
    lm_digest *trace_sib;
    lm_gl *comp_rows;        /* n_open rows of 3 n_seg elements */
    size_t n_comp_sib;
    lm_digest *comp_sib;
} lm_stark_proof;

/* Prover options beyond the FRI parameters. */
typedef struct lm_stark_opts {
    unsigned threads;
    /* For tests of the verifier only: produce a proof even when the trace
     * does not satisfy the AIR (the proof then fails verification). */
    bool unchecked;
    /* For tests of the verifier only: when not zero, added to every DEEP
     * value before FRI, so FRI proves a low-degree function that is not the
     * DEEP composition (the proof then fails verification). Zero normally. */
    lm_gl3 deep_offset;
} lm_stark_opts;

/* Proves that a trace satisfies air.
 * In:  fp the FRI parameters (fp->log_blowup is also the LDE blowup);
 *      ctx an NTT context with max_log_n >= log_h + fp->log_blowup;
 *      cols[0..width) the trace columns, h = 2^log_h values each (natural
 *      row order), log_h >= 1.
 * Out: *proof (free with lm_stark_proof_free; nothing to free on failure).
 * Returns: LM_OK; LM_EINVAL for a malformed AIR or parameters, or a trace
 *          that does not satisfy the AIR (its composition polynomial is not
 *          of low degree, or a boundary value differs); LM_ENOMEM. */
LM_MUST_CHECK int lm_stark_prove(const lm_air *air, const lm_fri_params *fp, const lm_ntt_ctx *ctx,
                                 const lm_gl *const *cols, unsigned log_h, const lm_stark_opts *opts,
                                 lm_stark_proof *proof, lm_err *err);

/* Verifies a proof for air (whose boundary constraints are the statement)
 * at trace length 2^log_h.
 * Returns: LM_OK; LM_EINVAL for a malformed AIR or parameters; LM_ECRYPTO
 *          for a proof that fails or has the wrong shape; LM_ENONCANON for
 *          a non-canonical element; LM_ENOMEM. */
LM_MUST_CHECK int lm_stark_verify(const lm_air *air, const lm_fri_params *fp, unsigned log_h,
                                  const lm_stark_proof *proof, lm_err *err);

/* Which code the prover's lane kernels run (the AIR's eval_rows, the
 * composition and DEEP sums, NTT butterflies): 8 rows per AVX-512 vector,
 * 4 per AVX2 vector, or scalar code; the proof is the same bit for bit
 * whichever runs. For tests and benchmarks (lm_p2_impl of
 * lamina/poseidon2.h names the choices); normal callers never need it.
 * Returns: the implementation in use (never LM_P2_IMPL_AUTO): the fastest
 * this CPU has unless lm_stark_set_impl chose another. */
lm_p2_impl lm_stark_impl(void);

/* Makes the prover use impl (process-wide; set it before proving).
 * Returns: false, changing nothing, when impl is not available here. */
LM_MUST_CHECK bool lm_stark_set_impl(lm_p2_impl impl);

/* Frees the arrays of a proof (harmless on a zeroed or freed proof). */
void lm_stark_proof_free(lm_stark_proof *proof);

#define LM_STARK_PROOF_VERSION 1u

/* Encoding (docs/stark.md, "STARK proof format"): little-endian, every
 * element 8 bytes, the FRI proof embedded in its own encoding.
 * lm_stark_proof_size returns the encoded size; lm_stark_proof_write writes
 * into out[0..cap) and sets *len. Returns: LM_OK or LM_ESPACE. */
size_t lm_stark_proof_size(const lm_stark_proof *proof);
LM_MUST_CHECK int lm_stark_proof_write(uint8_t *out, size_t cap, size_t *len, const lm_stark_proof *proof,
                                       lm_err *err);

/* Parses a proof for the statement air, parameters fp and trace length
 * 2^log_h, capping every count by them before allocating.
 * Out: *proof (free with lm_stark_proof_free; nothing to free on failure).
 * Returns: LM_OK; LM_EINVAL (bad version, shape or parameters); LM_ETRUNC;
 *          LM_ETRAILING; LM_ENONCANON; LM_ETOOLARGE; LM_ENOMEM. */
LM_MUST_CHECK int lm_stark_proof_read(lm_stark_proof *proof, const lm_air *air, const lm_fri_params *fp,
                                      unsigned log_h, const uint8_t *in, size_t len, lm_err *err);

#endif
