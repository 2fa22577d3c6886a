/* The state-update AIR: a STARK (lamina/stark.h) that a batch of leaf
 * updates in the Lamina state tree (docs/state.md, docs/l2-protocol.md §3:
 * depth 32, leaves 4-element digests, node = lm_poseidon2_compress(left,
 * right)) takes the root A to the root B.
 *
 * Statement (lm_stateair_statement): the old root A, the new root B, the
 * number n of updates and a commitment C to the list of updates
 * (index_k, old_leaf_k, new_leaf_k), k = 0..n-1:
 *
 *   C_0 = (0, 0, 0, 0)
 *   C_(k+1) = lm_poseidon2_compress(C_k, lm_poseidon2_hash(index_k, old_leaf_k[0..4),
 * new_leaf_k[0..4))) C = C_n
 *
 * (lm_stateair_commit). The proof shows: there are siblings such that for
 * every k, old_leaf_k at index_k with those siblings gives the root R_k and
 * new_leaf_k at index_k with the same siblings gives R_(k+1), with R_0 = A
 * and R_n = B. The updates are applied in order, so one leaf may change
 * several times in a batch.
 *
 * Trace (docs/stark.md, "State-update AIR", gives every column and
 * constraint): 32 rows per update, row l of an update's block works on
 * level l of both paths at once, with three Poseidon2 gadgets
 * (lamina/air_poseidon2.h) per row: the old path's compression, the new
 * path's, and the commitment chain's (which works on rows 0..2 of a block
 * only). Periodic columns of period 32 select the first three and the last
 * row of a block. h = 2^log_h with h >= 32 n + 1 (the STARK checks
 * transitions on rows 0..h-2 only, so the last real row is not row h - 1);
 * the rows after the n-th update repeat the last update as a no-op
 * (new_leaf -> new_leaf), which keeps B. Batches of 2^k - 1 updates fill
 * their trace best.
 *
 * Layering: lm_stark does not use the state layer. Callers pass plain arrays
 * of siblings, for instance lm_state_proof.sibling from lm_state_tree_prove
 * (same layout: level 0 is the leaf's sibling).
 *
 * Memory: the prover allocates the trace (LM_STATEAIR_WIDTH x h elements,
 * about 3.3 KiB a row, 105 KiB an update) and the STARK prover's working
 * memory (its trace LDE alone is blowup times the trace: 844 KiB an update
 * at blowup 8) and frees both before returning. */
#ifndef LAMINA_AIR_STATE_H
#define LAMINA_AIR_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/air_poseidon2.h"
#include "lamina/err.h"
#include "lamina/fri.h"
#include "lamina/goldilocks.h"
#include "lamina/poseidon2.h"
#include "lamina/stark.h"

#define LM_STATEAIR_DEPTH 32u /* the state tree's depth (LM_STATE_TREE_DEPTH) */
#define LM_STATEAIR_NAME "lamina-state-update-v1"

/* Columns (docs/stark.md, "State-update AIR"). */
#define LM_STATEAIR_COL_GA 0u                                   /* gadget: old path, level l */
#define LM_STATEAIR_COL_GB (LM_STATEAIR_COL_GA + LM_P2AIR_COLS) /* gadget: new path, level l */
#define LM_STATEAIR_COL_GH (LM_STATEAIR_COL_GB + LM_P2AIR_COLS) /* gadget: commitment chain */
#define LM_STATEAIR_COL_NODE_OLD                                                                   \
    (LM_STATEAIR_COL_GH + LM_P2AIR_COLS)                         /* 4: old path node at level l */
#define LM_STATEAIR_COL_NODE_NEW (LM_STATEAIR_COL_NODE_OLD + 4u) /* 4: new path node at level l */
#define LM_STATEAIR_COL_SIB (LM_STATEAIR_COL_NODE_NEW + 4u)      /* 4: sibling at level l */
#define LM_STATEAIR_COL_BIT (LM_STATEAIR_COL_SIB + 4u)           /* bit l of the index */
#define LM_STATEAIR_COL_REM (LM_STATEAIR_COL_BIT + 1u)           /* index >> l */
#define LM_STATEAIR_COL_ROOT (LM_STATEAIR_COL_REM + 1u) /* 4: the root before this update */
#define LM_STATEAIR_COL_ACC (LM_STATEAIR_COL_ROOT + 4u) /* 4: the commitment chain */
#define LM_STATEAIR_WIDTH (LM_STATEAIR_COL_ACC + 4u)    /* 412 */
#define LM_STATEAIR_CONSTRAINTS (3u * LM_P2AIR_CONSTRAINTS + 83u) /* 437 */
#define LM_STATEAIR_BOUNDARY 16u
#define LM_STATEAIR_PERIODIC 4u
/* The most updates in one proof: 32 n + 1 rows within 2^LM_STARK_DEFAULT_MAX_LOG_TRACE. */
#define LM_STATEAIR_MAX_UPDATES (((UINT64_C(1) << 26) - 1u) / 32u)

/* One leaf update: leaf index goes from old_leaf to new_leaf. */
typedef struct lm_stateair_update {
    uint32_t index;
    lm_gl old_leaf[LM_P2_DIGEST];
    lm_gl new_leaf[LM_P2_DIGEST];
} lm_stateair_update;

/* The public statement. */
typedef struct lm_stateair_statement {
    lm_gl old_root[LM_P2_DIGEST]; /* A */
    lm_gl new_root[LM_P2_DIGEST]; /* B */
    lm_gl commit[LM_P2_DIGEST];   /* C, lm_stateair_commit of the updates */
    uint64_t n_updates;           /* n, 1..LM_STATEAIR_MAX_UPDATES */
} lm_stateair_statement;

/* The commitment C to a list of updates (above).
 * Out: out, 4 elements.  In: ups[0..n) (n = 0 gives C_0 = 0). */
void lm_stateair_commit(lm_gl out[LM_P2_DIGEST], const lm_stateair_update *ups, size_t n);

/* The trace length for n updates.
 * Out: *log_h, the least k >= 6 with 2^k >= 32 n + 1.
 * Returns: LM_OK; LM_EINVAL when n is 0 or above LM_STATEAIR_MAX_UPDATES. */
LM_MUST_CHECK int lm_stateair_log_h(unsigned *log_h, uint64_t n, lm_err *err);

/* The AIR of a statement, for lm_stark_prove, lm_stark_verify and
 * lm_stark_proof_read.
 * Out: *air (its boundary array is bnd, keep it alive while air is used;
 *      its periodic columns are static); bnd[0..LM_STATEAIR_BOUNDARY);
 *      *log_h.
 * Returns: LM_OK; LM_EINVAL (n out of range); LM_ENONCANON (an element of
 *          the statement is not canonical). */
LM_MUST_CHECK int lm_stateair_air(lm_air *air, lm_air_boundary bnd[LM_STATEAIR_BOUNDARY],
                                  unsigned *log_h, const lm_stateair_statement *st, lm_err *err);

/* Writes the trace of n updates, without checking that they chain: it is
 * also the way tests build the traces of cheating provers.
 * Out: trace[c * h + row] (LM_STATEAIR_WIDTH columns of h = 2^log_h rows,
 *      column-major); *st, the statement the trace claims: A = the old
 *      path's root of update 0, B = the new path's root of update n - 1,
 *      C = the chain over the index values the trace holds, n.
 * In:  ups[0..n), siblings[0..n) (siblings[k][l]: update k's sibling at
 *      level l, as in lm_state_proof), all canonical; 1 <= n and
 *      32 n + 1 <= h; bits: NULL for the index bits of each update, or
 *      bits[32 k + l] as the direction "bit" of update k at level l (any
 *      field element: for tests of the AIR only). */
void lm_stateair_trace(lm_gl *trace, lm_stateair_statement *st, const lm_stateair_update *ups,
                       const lm_gl (*siblings)[LM_STATEAIR_DEPTH][LM_P2_DIGEST], size_t n,
                       unsigned log_h, const lm_gl *bits);

/* Proves a batch of updates.
 * In:  ups[0..n), siblings[0..n): update k's siblings in the tree as it is
 *      before update k (after updates 0..k-1); fp the FRI parameters
 *      (NULL: the defaults of lamina/stark_params.h; the blowup must be
 *      at least 8, the constraint degree being 7); threads (0 = 1).
 * Out: *proof (free with lm_stark_proof_free; nothing to free on failure);
 *      *st the statement proven (A, B, C, n).
 * Returns: LM_OK; LM_EINVAL (n or fp out of range, or update k's old leaf
 *          and siblings do not give the root that update k - 1 left);
 *          LM_ENONCANON (a leaf or sibling element); LM_ENOMEM. */
LM_MUST_CHECK int lm_stateair_prove(lm_stark_proof *proof, lm_stateair_statement *st,
                                    const lm_stateair_update *ups,
                                    const lm_gl (*siblings)[LM_STATEAIR_DEPTH][LM_P2_DIGEST],
                                    size_t n, const lm_fri_params *fp, unsigned threads,
                                    lm_err *err);

/* Verifies a proof of st (fp NULL: the defaults).
 * Returns: LM_OK; LM_EINVAL (n or fp out of range); LM_ENONCANON;
 *          LM_ECRYPTO for a proof of anything else; LM_ENOMEM. */
LM_MUST_CHECK int lm_stateair_verify(const lm_stark_proof *proof, const lm_stateair_statement *st,
                                     const lm_fri_params *fp, lm_err *err);

#endif
