/* The Merkle tree build of src/gpu/merkle.cu, written, like ntt.cuh, so that
 * the host can run the very same per-thread functions in the same order
 * (tests/gpu/host_shim.cu).
 *
 * docs/stark.md, "Merkle commitments":
 *   leaf_i = lm_poseidon2_hash(row_i[0], ..., row_i[cols-1])
 *   node   = lm_poseidon2_compress(left, right)
 * "Nodes are stored as a heap: node 1 is the root, node v has children 2v
 * and 2v+1, leaf i is node 2^k + i". Here nodes is an array of 4-element
 * digests (the layout of lm_merkle_tree.nodes, lm_digest = 4 lm_gl), and
 * element (r, c) of the matrix is data[r row_stride + c col_stride]
 * (lm_matrix_view).
 *
 * Internal to src/gpu. See docs/stark.md, "GPU". */
#ifndef LAMINA_GPU_MERKLE_CUH
#define LAMINA_GPU_MERKLE_CUH

#include <stddef.h>
#include <stdint.h>

#include "poseidon2.cuh"

namespace lmg
{

/* Thread r < n: leaf r = node n + r. */
LMG_HD void leaf_body(uint64_t *nodes, const uint64_t *data, size_t n, size_t cols,
                      size_t row_stride, size_t col_stride, uint64_t r)
{
    const uint64_t *row = cols > 0 ? data + r * row_stride : data;
    p2_hash_strided(nodes + 4 * (n + r), row, cols, col_stride);
}

/* Thread t < lo of the level of nodes [lo, 2 lo): node lo + t from its
 * children. */
LMG_HD void node_body(uint64_t *nodes, size_t lo, uint64_t t)
{
    uint64_t v = lo + t;
    p2_compress(nodes + 4 * v, nodes + 8 * v, nodes + 8 * v + 4);
}

/* The order of the steps for n = 2^log_n rows. L provides leaves() and
 * level(lo), the level of nodes [lo, 2 lo), built from the one below. */
template <class L> void merkle_run(L &l, size_t n)
{
    l.leaves();
    for (size_t lo = n / 2; lo >= 1; lo /= 2)
        l.level(lo);
}

} /* namespace lmg */

#endif
