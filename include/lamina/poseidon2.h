/* Poseidon2 over the Goldilocks field: the permutation (width 12), a 2-to-1
 * compression for Merkle nodes and a sponge hash over field elements and
 * over bytes.
 *
 * Parameters (Poseidon2 paper, eprint 2023/323, and the Horizen Labs
 * reference implementation, github.com/HorizenLabs/poseidon2,
 * plain_implementations/src/poseidon2/poseidon2_instance_goldilocks.rs,
 * POSEIDON2_GOLDILOCKS_12_PARAMS): t = 12, S-box x^7, R_F = 8 full rounds
 * (4 before and 4 after) and R_P = 22 partial rounds, the reference's round
 * constants and internal diagonal; bit-for-bit equal to the reference on its
 * known-answer test.
 *
 * A digest is 4 field elements (about 256 bits). The exact compression,
 * sponge and byte-packing rules, with test vectors, are in docs/poseidon2.md;
 * they are consensus rules (the state root depends on them).
 *
 * All functions are freestanding (no libc, no allocation, no global mutable
 * state), constant time in their inputs, and never fail. Inputs are field
 * elements: the permutation reduces every input word mod p first, so a
 * non-canonical word v is hashed as v mod p. Callers hashing raw 64-bit data
 * that may exceed p must split it (or use lm_poseidon2_hash_bytes). Outputs
 * may alias no input unless said otherwise. */
#ifndef LAMINA_POSEIDON2_H
#define LAMINA_POSEIDON2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/goldilocks.h"

#define LM_P2_WIDTH 12    /* state size t */
#define LM_P2_RATE 8      /* sponge rate (elements absorbed per permutation) */
#define LM_P2_CAPACITY 4  /* sponge capacity */
#define LM_P2_DIGEST 4    /* digest size in elements */
#define LM_P2_ROUNDS_F 8  /* full rounds, half before and half after the partial ones */
#define LM_P2_ROUNDS_P 22 /* partial rounds */
#define LM_P2_BYTES_PER_ELEMENT 7 /* byte packing: 7 bytes little-endian per element */

/* Domain tags, written to state[9] (a capacity element) by the sponge.
 * The compression leaves the whole capacity zero, so a node never collides
 * with a sponge input. */
#define LM_P2_TAG_ELEMENTS 1u
#define LM_P2_TAG_BYTES 2u

/* Applies the Poseidon2 permutation to state in place.
 * In/Out: state, 12 words: on entry any uint64_t (a word >= p counts as its
 *         value mod p); on return 12 canonical elements. Constant time. */
void lm_poseidon2_permute(lm_gl state[LM_P2_WIDTH]);

/* 2-to-1 compression for Merkle nodes: permute (left ‖ right ‖ 0,0,0,0)
 * and keep the first 4 elements (no feed-forward; see docs/poseidon2.md).
 * Out: out, 4 elements; may alias left or right.
 * In:  left, right, 4 elements each. */
void lm_poseidon2_compress(lm_gl out[LM_P2_DIGEST], const lm_gl left[LM_P2_DIGEST],
                           const lm_gl right[LM_P2_DIGEST]);

/* Sponge hash of n field elements (rate 8, capacity 4, overwrite mode; the
 * length n and LM_P2_TAG_ELEMENTS in the capacity, the last block padded
 * with zeros; n = 0 is allowed and hashes one all-zero block).
 * Out: out, 4 elements; may alias elements.
 * In:  elements[0..n) (may be NULL when n == 0). */
void lm_poseidon2_hash(lm_gl out[LM_P2_DIGEST], const lm_gl *elements, size_t n);

/* Sponge hash of len bytes: the bytes are packed 7 per element,
 * little-endian (the last element holding the 1..7 remaining bytes, zero
 * above them), then hashed as lm_poseidon2_hash does but with the byte
 * length len and LM_P2_TAG_BYTES in the capacity.
 * Out: out, 4 elements.
 * In:  data[0..len) (may be NULL when len == 0). */
void lm_poseidon2_hash_bytes(lm_gl out[LM_P2_DIGEST], const uint8_t *data, size_t len);

/* ---- Many at once --------------------------------------------------------
 * Callers that hash many independent inputs (the leaves of a Merkle tree,
 * the nodes of one tree level) get the same results faster from these:
 * on x86-64 they run 8 permutations side by side, one per 64-bit lane of an
 * AVX-512 vector (or 4 per AVX2 vector), picked at run time from the CPU;
 * elsewhere they loop over lm_poseidon2_permute. Every path returns exactly
 * what the one-at-a-time functions return. Hosted only (the freestanding
 * STF build does not link them); constant time in the data like the rest.
 * Outputs may alias inputs only where said. */

#define LM_P2_LANES 8 /* states per lm_poseidon2_permute_x8 */

/* Applies the permutation to 8 independent states, as 8 calls of
 * lm_poseidon2_permute would.
 * In/Out: states, 8 states of 12 words (any uint64_t in, canonical out). */
void lm_poseidon2_permute_x8(lm_gl states[LM_P2_LANES][LM_P2_WIDTH]);

/* Applies the permutation to n independent states (any n, 0 included).
 * In/Out: states[0..n). */
void lm_poseidon2_permute_many(lm_gl (*states)[LM_P2_WIDTH], size_t n);

/* out[i] = lm_poseidon2_compress(left[i], right[i]) for i < n.
 * Out: out[0..n); out[i] may be left[i] or right[i] (same index), no other
 *      overlap. In: left[0..n), right[0..n). */
void lm_poseidon2_compress_many(lm_gl (*out)[LM_P2_DIGEST], const lm_gl (*left)[LM_P2_DIGEST],
                                const lm_gl (*right)[LM_P2_DIGEST], size_t n);

/* One Merkle level: out[i] = lm_poseidon2_compress(in[2i], in[2i + 1]) for
 * i < n. Out: out[0..n); may be in itself (the level halves in place), no
 * other overlap. In: in[0..2n). */
void lm_poseidon2_compress_pairs(lm_gl (*out)[LM_P2_DIGEST], const lm_gl (*in)[LM_P2_DIGEST], size_t n);

/* out[i] = lm_poseidon2_hash(row i, len) for i < n, where element c of row
 * i is rows[i * row_stride + c * col_stride] (row-major: row_stride = len,
 * col_stride = 1; column-major: row_stride = 1, col_stride = n). The rows
 * are read in place, none is copied.
 * Out: out[0..n), may not overlap rows.
 * In:  rows (may be NULL when n == 0 or len == 0). */
void lm_poseidon2_hash_many(lm_gl (*out)[LM_P2_DIGEST], const lm_gl *rows, size_t n, size_t len,
                            size_t row_stride, size_t col_stride);

/* Which code the functions above run. For tests and benchmarks; normal
 * callers never need it. */
typedef enum lm_p2_impl {
    LM_P2_IMPL_AUTO = 0,   /* lm_poseidon2_set_impl: the fastest available */
    LM_P2_IMPL_SCALAR = 1, /* lm_poseidon2_permute, one state at a time */
    LM_P2_IMPL_AVX2 = 2,   /* x86-64 AVX2: 4 states per vector */
    LM_P2_IMPL_AVX512 = 3, /* x86-64 AVX-512F: 8 states per vector */
} lm_p2_impl;

/* Returns: the implementation in use (never LM_P2_IMPL_AUTO); the fastest
 * this CPU has unless lm_poseidon2_set_impl chose another. */
lm_p2_impl lm_poseidon2_impl(void);

/* Returns: true when impl can run here (this build and this CPU). */
bool lm_poseidon2_impl_available(lm_p2_impl impl);

/* Makes the functions above use impl (process-wide; set it before starting
 * threads that hash). Returns: false, changing nothing, when impl is not
 * available here. */
LM_MUST_CHECK bool lm_poseidon2_set_impl(lm_p2_impl impl);

/* Returns: a static name for impl ("scalar", "avx2", "avx512", "auto"). */
const char *lm_poseidon2_impl_name(lm_p2_impl impl);

#endif
