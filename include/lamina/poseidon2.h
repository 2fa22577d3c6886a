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

#endif
