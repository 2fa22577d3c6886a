/* Poseidon2 in a STARK trace (include/lamina/stark.h): a reusable row-local
 * gadget that proves one permutation (lm_poseidon2_permute) per trace row,
 * and a first AIR built on it, a Poseidon2 hash chain.
 *
 * Gadget layout (docs/stark.md, "Poseidon2 AIR", gives it in full): one
 * permutation occupies LM_P2AIR_COLS = 130 consecutive columns of one row,
 *
 *   cols   0..11   the input state x (before the initial linear layer)
 *   cols  12..59   the state after each of the 4 first full rounds (S-box and
 *                  external layer), 12 columns per round
 *   cols  60..81   the S-box output of each of the 22 partial rounds
 *                  ((s_0 + rc)^7, before the internal layer)
 *   cols  82..129  the state after each of the 4 last full rounds; the last
 *                  12 columns (118..129) are the permutation's output
 *
 * and satisfies LM_P2AIR_CONSTRAINTS = 118 row-local constraints of degree
 * LM_P2AIR_DEGREE = 7 (x^7 taken directly; the default blowup 8 allows
 * degree 8): 12 per full round, "stored state - M_E(S(previous + rc))", and
 * one per partial round, "stored S-box output - (s_0 + rc)^7", where the
 * state between stored columns is the linear function of the columns that
 * the round structure gives. All are zero exactly when the 130 values are the
 * intermediate values of the permutation of cols 0..11.
 *
 * The constraints are row-local: they read only the current row, so a
 * caller places the gadget at any column offset of a wider trace and adds
 * its own constraints linking the input and output columns. A caller whose
 * input state already sits in other columns (the previous row's output, as
 * in the chain below) can store only the 118 round columns (12..129) and
 * pass the input separately (lm_p2air_fill_rounds, lm_p2air_eval_split).
 *
 * Freestanding code (no allocation) except the chain prover below. */
#ifndef LAMINA_AIR_POSEIDON2_H
#define LAMINA_AIR_POSEIDON2_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/fri.h"
#include "lamina/goldilocks.h"
#include "lamina/poseidon2.h"
#include "lamina/stark.h"

/* ---- the gadget ------------------------------------------------------------- */

#define LM_P2AIR_COLS 130u       /* columns one permutation occupies */
#define LM_P2AIR_CONSTRAINTS 118u /* row-local constraints it adds */
#define LM_P2AIR_DEGREE 7u        /* their maximal degree */

/* Column offsets inside the gadget. */
#define LM_P2AIR_COL_IN 0u           /* 12 columns: the input state */
#define LM_P2AIR_COL_FULL_BEGIN 12u  /* 4 x 12: state after full round r, r = 0..3 */
#define LM_P2AIR_COL_PARTIAL 60u     /* 22: S-box output of partial round r */
#define LM_P2AIR_COL_FULL_END 82u    /* 4 x 12: state after full round 4 + r, r = 0..3 */
#define LM_P2AIR_COL_OUT 118u        /* 12 columns: the output state (= the last full round's) */
#define LM_P2AIR_ROUND_COLS (LM_P2AIR_COLS - LM_P2AIR_COL_FULL_BEGIN) /* 118: all but the input */

/* Writes the gadget's columns for the permutation of in.
 * Out: cols[c * stride + row] for c = 0..LM_P2AIR_COLS-1 (column c of the
 *      gadget is the array cols + c * stride: a column-major block whose
 *      columns hold stride rows; pass base + k * stride to place the gadget
 *      at column k of a wider block); out[0..12), the permutation's output
 *      (equal to lm_poseidon2_permute of in; may be NULL, may alias in).
 * In:  in[0..12), canonical field elements; row < stride. */
void lm_p2air_fill(lm_gl *cols, size_t stride, size_t row, lm_gl out[LM_P2_WIDTH], const lm_gl in[LM_P2_WIDTH]);

/* lm_p2air_fill without the input columns: writes the 118 round columns
 * (gadget columns 12..129) only.
 * Out: cols[j * stride + row] for j = 0..LM_P2AIR_ROUND_COLS-1 (j is gadget
 *      column 12 + j); out[0..12) the permutation's output (may be NULL, may
 *      alias in).
 * In:  in[0..12) canonical; row < stride. */
void lm_p2air_fill_rounds(lm_gl *cols, size_t stride, size_t row, lm_gl out[LM_P2_WIDTH],
                          const lm_gl in[LM_P2_WIDTH]);

/* Evaluates the gadget's constraints on one row, over the cubic extension
 * (for a row whose values all lie in the base field, as the prover's are,
 * it computes in the base field and lifts the results: the same values,
 * about 9x faster).
 * Out: out[0..LM_P2AIR_CONSTRAINTS), each zero when the row satisfies it.
 * In:  row[0..LM_P2AIR_COLS), the gadget's columns of one row.
 * Returns: LM_P2AIR_CONSTRAINTS, the number of values written. */
unsigned lm_p2air_eval(lm_gl3 *out, const lm_gl3 *row);

/* lm_p2air_eval with the input state apart from the round columns:
 * lm_p2air_eval(out, row) == lm_p2air_eval_split(out, row, row + 12).
 * Out: out[0..LM_P2AIR_CONSTRAINTS).
 * In:  in[0..12) the input state; rounds[0..LM_P2AIR_ROUND_COLS) gadget
 *      columns 12..129.
 * Returns: LM_P2AIR_CONSTRAINTS. */
unsigned lm_p2air_eval_split(lm_gl3 *out, const lm_gl3 in[LM_P2_WIDTH], const lm_gl3 *rounds);

/* lm_p2air_eval_split on LM_AIR_ROWS base-field rows at once (8 rows per
 * AVX-512 vector, 4 per AVX2 vector or one by one, as lm_stark_impl says;
 * the same values whichever runs), lane-interleaved as lm_air_eval_rows_fn.
 * Out: out[j * LM_AIR_ROWS + l], j < LM_P2AIR_CONSTRAINTS, canonical.
 * In:  in[i * LM_AIR_ROWS + l] (i < 12) the input state of row l;
 *      rounds[c * LM_AIR_ROWS + l] (c < LM_P2AIR_ROUND_COLS) its gadget
 *      columns 12..129; all canonical. */
void lm_p2air_eval_rows(lm_gl *out, const lm_gl *in, const lm_gl *rounds);

/* The same constraints over the base field (trace checks, tests).
 * Out: out[0..LM_P2AIR_CONSTRAINTS).  In: row[0..LM_P2AIR_COLS).
 * Returns: LM_P2AIR_CONSTRAINTS. */
unsigned lm_p2air_eval_base(lm_gl *out, const lm_gl *row);

/* ---- the hash-chain AIR ---------------------------------------------------------
 *
 * Statement: "x_n = P^n(x_0)": n permutations chained, x_(i+1) = P(x_i), with
 * public x_0 and x_n (12 elements each). Trace: h = 2^log_h rows,
 * log_h = max(4, ceil(log2(n + 1))), of LM_P2AIR_CHAIN_WIDTH = 118 columns:
 * the gadget's round columns (chain column j = gadget column 12 + j), so
 * chain columns 106..117 hold a permutation's output. Row i >= 1 holds the
 * permutation of x_(i-1) (the previous row's output), so its output columns
 * hold x_i; row 0 holds x_0 in its output columns and zeros elsewhere (not
 * constrained). Rows n+1..h-1 continue the chain (padding nothing reads).
 * Constraints: the gadget's 118 with input cur[106..118) and round columns
 * next[0..118); boundary: row 0 output columns = x_0, row n output columns
 * = x_n. The STARK enforces transition constraints on rows 0..h-2 only, so
 * rows 1..h-1 hold checked permutations: n <= h - 1, 2^k - 1 permutations
 * in 2^k rows. (Not storing the input saves 12 of 130 columns, and a leaf
 * hash of 15 Poseidon2 permutations instead of 17.) */

#define LM_P2AIR_CHAIN_WIDTH LM_P2AIR_ROUND_COLS             /* 118 */
#define LM_P2AIR_CHAIN_CONSTRAINTS LM_P2AIR_CONSTRAINTS      /* 118 */
#define LM_P2AIR_CHAIN_BOUNDARY (2u * LM_P2_WIDTH)          /* 24 */
#define LM_P2AIR_CHAIN_NAME "lamina-poseidon2-chain-v1"
/* The longest chain: 2^LM_STARK_DEFAULT_MAX_LOG_TRACE - 1 permutations. */
#define LM_P2AIR_CHAIN_MAX_N ((UINT64_C(1) << 26) - 1u)

/* The trace length of a chain of n permutations.
 * Out: *log_h = max(4, ceil(log2(n + 1))).
 * Returns: LM_OK, or LM_EINVAL when n is 0 or above LM_P2AIR_CHAIN_MAX_N. */
LM_MUST_CHECK int lm_p2air_chain_log_h(unsigned *log_h, uint64_t n, lm_err *err);

/* The AIR of the statement "x_n = P^n(x_0)", for lm_stark_prove,
 * lm_stark_verify and lm_stark_proof_read.
 * Out: *air (its boundary pointer is bnd, its ctx NULL: keep bnd alive while
 *      air is used); bnd[0..LM_P2AIR_CHAIN_BOUNDARY); *log_h.
 * In:  n, x0[0..12), xn[0..12).
 * Returns: LM_OK; LM_EINVAL for n out of range; LM_ENONCANON when an element
 *          of x0 or xn is not canonical. */
LM_MUST_CHECK int lm_p2air_chain_statement(lm_air *air, lm_air_boundary bnd[LM_P2AIR_CHAIN_BOUNDARY], unsigned *log_h,
                                           uint64_t n, const lm_gl x0[LM_P2_WIDTH], const lm_gl xn[LM_P2_WIDTH],
                                           lm_err *err);

/* Writes the chain's trace.
 * Out: trace[c * h + row] (LM_P2AIR_CHAIN_WIDTH columns of h = 2^log_h
 *      rows, column-major); xn[0..12) = P^n(x0).
 * In:  x0 canonical; 1 <= n <= h - 1 (as lm_p2air_chain_log_h gives;
 *      otherwise the call aborts, a programmer error). */
void lm_p2air_chain_trace(lm_gl *trace, lm_gl xn[LM_P2_WIDTH], const lm_gl x0[LM_P2_WIDTH], uint64_t n,
                          unsigned log_h);

/* Proves x_n = P^n(x_0) (computing x_n).
 * In:  x0[0..12); n; fp the FRI parameters (NULL: the defaults of
 *      lamina/stark_params.h); threads (0 is taken as 1).
 * Out: *proof (free with lm_stark_proof_free; nothing to free on failure);
 *      xn[0..12).
 * Returns: LM_OK; LM_EINVAL (n or fp out of range); LM_ENONCANON (x0);
 *          LM_ENOMEM. Allocates the trace (118 h elements) and the
 *          prover's working memory, and frees them before returning. */
LM_MUST_CHECK int lm_p2air_prove_chain(lm_stark_proof *proof, lm_gl xn[LM_P2_WIDTH], const lm_gl x0[LM_P2_WIDTH],
                                       uint64_t n, const lm_fri_params *fp, unsigned threads, lm_err *err);

/* Verifies a proof of x_n = P^n(x_0).
 * In:  proof; x0, xn; n; fp (NULL: the defaults).
 * Returns: LM_OK; LM_EINVAL (n or fp out of range); LM_ENONCANON; LM_ECRYPTO
 *          for a proof that does not prove this statement; LM_ENOMEM. */
LM_MUST_CHECK int lm_p2air_verify_chain(const lm_stark_proof *proof, const lm_gl x0[LM_P2_WIDTH],
                                        const lm_gl xn[LM_P2_WIDTH], uint64_t n, const lm_fri_params *fp,
                                        lm_err *err);

#endif
