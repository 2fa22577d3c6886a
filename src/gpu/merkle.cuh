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

/* How lm_gpu_merkle_build moves a matrix view (rows, cols, row_stride,
 * col_stride) to the device. A column-major view whose columns lie apart
 * (col_stride > rows: the STARK's commitments at a blowup below the
 * evaluation domain's are a prefix of each longer column), or a row-major
 * one whose rows lie apart, is packed: `lines` lines of `line` elements,
 * `pitch` elements apart in the source, go side by side (one cudaMemcpy2D),
 * so only the view's own elements cross the bus. Any other view, or one
 * whose source pitch exceeds what cudaMemcpy2D takes (MAX_PITCH_BYTES,
 * cudaDevAttrMaxPitch of current GPUs), is copied as its whole extent,
 * (rows - 1) row_stride + (cols - 1) col_stride + 1 elements from data[0].
 * row_stride and col_stride are the device copy's. */
enum : size_t { MAX_PITCH_BYTES = 2147483647u };

struct copy_plan {
    bool packed;
    size_t lines, line, pitch; /* when packed */
    size_t elems;              /* elements on the device */
    size_t row_stride, col_stride;
};

/* Returns: false when the view's extent overflows size_t (in bytes). */
static inline bool plan_copy(copy_plan *p, size_t rows, size_t cols, size_t row_stride,
                             size_t col_stride)
{
    *p = copy_plan{false, 0, 0, 0, 0, row_stride, col_stride};
    if (cols == 0 || rows == 0)
        return true;
    size_t a, b, span;
    if (__builtin_mul_overflow(rows - 1, row_stride, &a) ||
        __builtin_mul_overflow(cols - 1, col_stride, &b) || __builtin_add_overflow(a, b, &span) ||
        __builtin_add_overflow(span, (size_t)1, &span) || span > SIZE_MAX / sizeof(uint64_t))
        return false;
    p->elems = span;
    if (cols > 1 && row_stride == 1 && col_stride > rows &&
        col_stride <= MAX_PITCH_BYTES / sizeof(uint64_t))
        *p = copy_plan{true, cols, rows, col_stride, rows * cols, 1, rows};
    else if (rows > 1 && col_stride == 1 && row_stride > cols &&
             row_stride <= MAX_PITCH_BYTES / sizeof(uint64_t))
        *p = copy_plan{true, rows, cols, row_stride, rows * cols, cols, 1};
    return true; /* rows * cols <= span: no overflow when packed */
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
