/* The accounts tree of docs/l2-protocol.md §3: a sparse binary Merkle tree
 * of fixed depth 32 over account indices, with Poseidon2 compression nodes.
 *
 *   "A binary tree of depth 32 over account indices; leaf i is the account
 *    leaf of account i, or the empty digest Z0 = [0,0,0,0] when account i
 *    does not exist. Inner node = C(left, right); the root of an empty
 *    subtree of height k is Z_k with Z_{k+1} = C(Z_k, Z_k)."
 *
 * The tree is generic over 4-element leaf digests: the caller hashes the
 * accounts (lm_account_leaf) and hands the digests in. Writing a leaf only
 * records it as dirty; lm_state_tree_commit recomputes every node on a dirty
 * path exactly once, optionally on several threads. docs/state.md describes
 * the layout and the algorithm.
 *
 * Layout: accounts are dense from index 0, so the tree keeps one array per
 * level k = 0..31 of ceil(n / 2^k) digests, n = 1 + the highest index ever
 * written (about 64 bytes per account in all); a node past the end of its
 * level's array is the empty digest Z_k. Memory therefore grows with the
 * highest index, not with the number of non-empty leaves: writing leaf
 * 2^31 allocates 2^31 leaves' worth. That fits account indices, which are
 * handed out in order; it is not meant for keys scattered over 2^32.
 *
 * Threads: one tree is used by one thread at a time (the caller serializes);
 * lm_state_tree_commit may itself run worker threads it starts and joins
 * before returning. Memory: the tree owns its arrays until
 * lm_state_tree_free. */
#ifndef LAMINA_STATE_TREE_H
#define LAMINA_STATE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/poseidon2.h"

#define LM_STATE_TREE_DEPTH 32u
/* Leaf indices are < 2^32. */
#define LM_STATE_TREE_MAX_LEAVES (UINT64_C(1) << LM_STATE_TREE_DEPTH)
/* The most threads lm_state_tree_commit uses. */
#define LM_STATE_TREE_MAX_THREADS 16u

/* A Merkle proof for one leaf: the sibling of the path node at each level,
 * from the leaf's sibling (level 0) up to the root's children (level 31). */
typedef struct lm_state_proof {
    lm_gl sibling[LM_STATE_TREE_DEPTH][LM_P2_DIGEST];
} lm_state_proof;

/* The tree. Fields are private to src/state/tree.c. */
typedef struct lm_state_tree {
    uint64_t n_leaves;  /* 1 + the highest index written (0 when none) */
    uint64_t cap;       /* leaves every level array has room for */
    lm_gl (*level[LM_STATE_TREE_DEPTH])[LM_P2_DIGEST]; /* level[k][j]: node j at height k */
    lm_gl root[LM_P2_DIGEST];                       /* height 32; valid after commit */
    lm_gl zero[LM_STATE_TREE_DEPTH + 1][LM_P2_DIGEST]; /* Z_0 .. Z_32 */
    uint32_t *dirty;    /* leaf indices written since the last commit, each once */
    size_t n_dirty, dirty_cap;
    uint8_t *dirty_bit; /* one bit per leaf of cap: set while the leaf is in dirty[] */
} lm_state_tree;

/* Writes Z_k, the root of an empty subtree of height k (Z_0 = [0,0,0,0],
 * Z_{k+1} = C(Z_k, Z_k)); costs k compressions.
 * Out: out, 4 elements.
 * In:  k <= 32 (programmer error otherwise: aborts). */
void lm_state_tree_empty_root(lm_gl out[LM_P2_DIGEST], unsigned k);

/* Makes an empty tree: no leaves, root Z_32. Allocates nothing yet.
 * Out: *tree (release with lm_state_tree_free). */
void lm_state_tree_init(lm_state_tree *tree);

/* Frees the tree's arrays; *tree is then an empty tree again (re-usable).
 * tree may be NULL. */
void lm_state_tree_free(lm_state_tree *tree);

/* Makes room for leaves 0 .. n_leaves-1, so that a later lm_state_tree_set
 * with index < n_leaves cannot fail (the state layer reserves before it
 * commits a block to disk). Does not change the root.
 * Returns: LM_OK, LM_EOVERFLOW (n_leaves > 2^32), LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_state_tree_reserve(lm_state_tree *tree, uint64_t n_leaves, lm_err *err);

/* Sets leaf index to digest and marks it dirty; no hashing happens until
 * lm_state_tree_commit. Setting a leaf twice before a commit keeps the last
 * value. Elements of digest must be canonical (< p).
 * Returns: LM_OK, LM_EOVERFLOW (index >= 2^32), LM_ENOMEM (growing the
 * arrays failed; the tree is unchanged then). */
LM_MUST_CHECK lm_code lm_state_tree_set(lm_state_tree *tree, uint64_t index,
                                        const lm_gl digest[LM_P2_DIGEST], lm_err *err);

/* Out: out, the current digest of leaf index (Z_0 when never set; a dirty
 * leaf's new value). index must be < 2^32 (else out = Z_0). */
void lm_state_tree_get(const lm_state_tree *tree, uint64_t index, lm_gl out[LM_P2_DIGEST]);

/* The number of leaves written and not yet committed. */
static inline size_t lm_state_tree_dirty_count(const lm_state_tree *tree) { return tree->n_dirty; }

/* 1 + the highest leaf index ever set (0 for an empty tree). */
static inline uint64_t lm_state_tree_size(const lm_state_tree *tree) { return tree->n_leaves; }

/* Recomputes the root from the dirty leaves: sorts them and rehashes every
 * node on their paths once (a node shared by several paths once too). With
 * threads > 1 the dirty leaves are split into runs that share no node below
 * a split level near the top of the occupied part of the tree; each run
 * goes up to that level on its own thread (the calling thread takes one),
 * then the calling thread finishes the few nodes above. The result does
 * not depend on threads. Cannot fail; when a thread cannot be started its
 * run is done by the calling thread.
 * In: threads, 1 .. LM_STATE_TREE_MAX_THREADS (0 counts as 1, more as the
 *     maximum). */
void lm_state_tree_commit(lm_state_tree *tree, unsigned threads);

/* Out: root, the root as of the last commit (Z_32 for a new tree). */
void lm_state_tree_root(const lm_state_tree *tree, lm_gl root[LM_P2_DIGEST]);

/* ---- snapshots ------------------------------------------------------------
 * A committed tree can be saved level by level and restored without
 * hashing (lm_store_put_tree / lm_store_get_tree). */

/* Returns: the number of stored nodes at height k < 32: ceil(n / 2^k) for
 * n = lm_state_tree_size (0 for an empty tree). */
uint64_t lm_state_tree_level_len(const lm_state_tree *tree, unsigned k);

/* Returns: the stored nodes at height k < 32 (lm_state_tree_level_len of
 * them), owned by the tree, valid until its next change; NULL when there
 * are none. Meaningful on a committed tree (no dirty leaves). */
const lm_gl (*lm_state_tree_level(const lm_state_tree *tree, unsigned k))[LM_P2_DIGEST];

/* Replaces *tree by a tree of n_leaves leaves whose stored nodes are read
 * back by fill(ctx, k, dst, len) for each height k = 0..31, which writes
 * dst[0..len) (len = ceil(n_leaves / 2^k)) and returns LM_OK or an error
 * that aborts the restore. The root is then C(node(31, 0), node(31, 1)).
 * Nothing is checked: the caller compares the root with one it trusts.
 * Returns: LM_OK; LM_EOVERFLOW, LM_ENOMEM or fill's error, after which
 * *tree is an empty tree. */
LM_MUST_CHECK lm_code lm_state_tree_restore(lm_state_tree *tree, uint64_t n_leaves,
                                            lm_code (*fill)(void *ctx, unsigned k,
                                                            lm_gl (*dst)[LM_P2_DIGEST], uint64_t len),
                                            void *ctx, lm_err *err);

/* Writes the Merkle proof of leaf index against the committed root.
 * Out: *proof; leaf (if not NULL) the leaf's digest.
 * Returns: LM_OK, LM_EOVERFLOW (index >= 2^32), LM_EINVAL (leaves are
 * dirty: commit first, a proof against a stale root would not verify). */
LM_MUST_CHECK lm_code lm_state_tree_prove(const lm_state_tree *tree, uint64_t index,
                                          lm_state_proof *proof, lm_gl leaf[LM_P2_DIGEST],
                                          lm_err *err);

/* Computes the root that leaf at index and the proof's siblings imply:
 * at level k the path node is the left child when bit k of index is 0.
 * Out: root. In: index < 2^32 (higher bits are ignored). */
void lm_state_proof_root(lm_gl root[LM_P2_DIGEST], uint64_t index, const lm_gl leaf[LM_P2_DIGEST],
                         const lm_state_proof *proof);

/* Returns: true when the proof shows that leaf index has digest leaf under
 * root; false otherwise (and for index >= 2^32). */
LM_MUST_CHECK bool lm_state_proof_verify(const lm_gl root[LM_P2_DIGEST], uint64_t index,
                                         const lm_gl leaf[LM_P2_DIGEST], const lm_state_proof *proof);

#endif
