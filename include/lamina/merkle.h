/* Merkle commitments to the rows of a matrix of Goldilocks elements, with
 * Poseidon2 (include/lamina/poseidon2.h), and batched openings.
 *
 * Tree. The matrix has n = 2^log_n rows. Leaf i is
 *     lm_poseidon2_hash(row_i[0], ..., row_i[cols-1])
 * (the sponge over the row's elements, its length in the capacity), and an
 * inner node is lm_poseidon2_compress(left, right). The root of a one-row
 * matrix is its leaf. Nodes are numbered as a heap: node 1 is the root, the
 * children of node v are 2v and 2v+1, and leaf i is node n + i; at depth d
 * (the root at depth 0) position p is node 2^d + p.
 *
 * Openings. An opening of a set of rows is the sorted set of row indices
 * (strictly increasing), their rows (the verifier hashes them), and the
 * siblings the verifier cannot compute, each given once (a multi-proof). The
 * siblings are listed level by level from the leaves up and, within a level,
 * in increasing position: at every level the verifier walks the known
 * positions in increasing order; a known position whose sibling is also
 * known consumes nothing, any other consumes the next listed sibling. The
 * exact algorithm is in docs/stark.md ("Merkle").
 *
 * Memory: a tree owns its node array (2^(log_n+1) digests, 64 bytes per
 * row) until lm_merkle_free. Verification allocates a scratch array of k
 * digests and frees it before returning.
 *
 * See docs/stark.md, section "Merkle commitments". */
#ifndef LAMINA_MERKLE_H
#define LAMINA_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/poseidon2.h"

/* The most rows a tree accepts: 2^LM_MERKLE_MAX_LOG_ROWS. */
#define LM_MERKLE_MAX_LOG_ROWS 32u

typedef struct lm_digest {
    lm_gl e[LM_P2_DIGEST];
} lm_digest;

/* A read-only view of a matrix: element (r, c) is
 * data[r * row_stride + c * col_stride]. Row-major: row_stride = cols,
 * col_stride = 1; column-major: row_stride = 1, col_stride = rows. */
typedef struct lm_matrix_view {
    const lm_gl *data;
    size_t rows, cols;
    size_t row_stride, col_stride;
} lm_matrix_view;

typedef struct lm_merkle_tree {
    unsigned log_n;   /* 2^log_n leaves */
    lm_digest *nodes; /* nodes[1 .. 2^(log_n+1)); nodes[0] unused. Owned. */
} lm_merkle_tree;

/* Returns: the Poseidon2 leaf digest of one row of len elements. */
void lm_merkle_leaf(lm_digest *out, const lm_gl *row, size_t len);

/* Builds the tree over the rows of m, hashing on up to threads threads
 * (0 is taken as 1).
 * Out: *t (free with lm_merkle_free; needs no freeing on failure, freeing is
 *      harmless).
 * Returns: LM_OK; LM_EINVAL when m->rows is not a power of two (>= 1);
 *          LM_ETOOLARGE above 2^LM_MERKLE_MAX_LOG_ROWS rows; LM_ENOMEM. */
LM_MUST_CHECK int lm_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m, unsigned threads,
                                  lm_err *err);

/* Frees the nodes of t (NULL or freed trees are fine). */
void lm_merkle_free(lm_merkle_tree *t);

/* Out: *root the root of t. */
void lm_merkle_root(lm_digest *root, const lm_merkle_tree *t);

/* Returns: the number of siblings a multi-proof for the k strictly increasing
 * indices idx (each < 2^log_n) has, or 0 when k == 0 or the indices are not
 * strictly increasing and in range. At most k * log_n. */
size_t lm_merkle_proof_len(unsigned log_n, const size_t *idx, size_t k);

/* Writes the multi-proof for rows idx[0..k) (strictly increasing, < 2^log_n).
 * Out: sib[0..*n_sib) the siblings, in the order described above.
 * In:  cap, the room in sib (lm_merkle_proof_len gives the need).
 * Returns: LM_OK; LM_EINVAL for k == 0 or indices not strictly increasing or
 *          out of range; LM_ESPACE when cap is too small. */
LM_MUST_CHECK int lm_merkle_open(const lm_merkle_tree *t, lm_digest *sib, size_t cap, size_t *n_sib,
                                 const size_t *idx, size_t k, lm_err *err);

/* Verifies a multi-proof against leaf digests.
 * In:  root; log_n (<= LM_MERKLE_MAX_LOG_ROWS); idx[0..k) strictly
 *      increasing, < 2^log_n; leaves[0..k) the digests of those rows;
 *      sib[0..n_sib) the siblings, all of which must be used.
 * Returns: LM_OK when the proof opens those leaves at those indices under
 *          root; LM_EINVAL for malformed indices or k == 0; LM_ECRYPTO when a
 *          sibling is missing or left over or the root differs; LM_ENOMEM. */
LM_MUST_CHECK int lm_merkle_verify_digests(const lm_digest *root, unsigned log_n, const size_t *idx,
                                           const lm_digest *leaves, size_t k, const lm_digest *sib,
                                           size_t n_sib, lm_err *err);

/* Verifies a multi-proof against the rows themselves: rows[i * row_len ..
 * (i+1) * row_len) is row idx[i]. Returns as lm_merkle_verify_digests. */
LM_MUST_CHECK int lm_merkle_verify(const lm_digest *root, unsigned log_n, const size_t *idx,
                                   const lm_gl *rows, size_t row_len, size_t k, const lm_digest *sib,
                                   size_t n_sib, lm_err *err);

#endif
