/* Fiat-Shamir transcript: a Poseidon2 duplex sponge over Goldilocks that the
 * STARK prover and verifier (and later the Solidity verifier) run in lock
 * step. The exact rules are in docs/stark.md ("Transcript"); in short:
 *
 *   state s[0..12) (rate s[0..8), capacity s[8..12)), an input queue I of at
 *   most 8 elements and an output queue O.
 *   init(label):  s = 0; s[8..12) = lm_poseidon2_hash_bytes(label); I = O = {}.
 *   duplex:       s[i] = I[i] for i < |I| (overwrite); I = {};
 *                 s = permute(s); O = (s[0], ..., s[7]), read from s[0] up.
 *   absorb(x):    O = {}; append x to I; when |I| = 8, duplex.
 *   squeeze():    when I is not empty or O is used up, duplex; return the next
 *                 element of O.
 *
 * Derived operations: a digest is absorbed as its 4 elements in order; an
 * lm_gl3 as c[0], c[1], c[2]; squeeze_gl3 squeezes c[0], c[1], c[2]; an index
 * of b bits (b <= 32) is the low b bits of one squeezed element (exactly
 * uniform up to a 2^-64 bias: see docs/stark.md); a proof-of-work nonce is
 * absorbed as one element and is valid for b bits when the element squeezed
 * right after it is below 2^(64-b) (b leading zero bits).
 *
 * A transcript is a plain value: copying it forks it. No allocation, no
 * global state; not constant time (nothing secret goes in). */
#ifndef LAMINA_TRANSCRIPT_H
#define LAMINA_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/poseidon2.h"

/* The most grinding bits lm_transcript_grind and lm_transcript_check_pow
 * accept. */
#define LM_TRANSCRIPT_MAX_POW_BITS 40u

typedef struct lm_transcript {
    lm_gl s[LM_P2_WIDTH];
    lm_gl in[LM_P2_RATE];
    unsigned n_in;  /* |I| */
    unsigned n_out; /* elements of O left: O = s[8 - n_out .. 8) */
} lm_transcript;

/* Starts a transcript bound to a protocol label (domain separation).
 * In: label[0..len) (may be NULL when len == 0). */
void lm_transcript_init(lm_transcript *t, const uint8_t *label, size_t len);

/* Absorbs n elements (canonical; non-canonical words are absorbed mod p by
 * the permutation, so callers must check proof data with lm_gl_is_canonical
 * before absorbing it). */
void lm_transcript_absorb(lm_transcript *t, const lm_gl *e, size_t n);
void lm_transcript_absorb_digest(lm_transcript *t, const lm_gl d[LM_P2_DIGEST]);
void lm_transcript_absorb_gl3(lm_transcript *t, const lm_gl3 *e, size_t n);

/* Returns: the next squeezed base / cubic-extension element. */
lm_gl lm_transcript_squeeze(lm_transcript *t);
lm_gl3 lm_transcript_squeeze_gl3(lm_transcript *t);

/* Returns: an index in [0, 2^bits) (bits <= 32; larger is a programmer
 * error and aborts). */
uint64_t lm_transcript_squeeze_index(lm_transcript *t, unsigned bits);

/* Proof of work. Finds the smallest nonce n (0 <= n < p) such that absorbing
 * n and squeezing gives an element with bits leading zeros, searching on
 * threads threads (the answer does not depend on the count), then advances
 * t exactly as lm_transcript_check_pow does with that nonce.
 * Out: *nonce.
 * Returns: LM_OK; LM_ETOOLARGE for bits > LM_TRANSCRIPT_MAX_POW_BITS. */
LM_MUST_CHECK int lm_transcript_grind(lm_transcript *t, uint64_t *nonce, unsigned bits, unsigned threads,
                                      lm_err *err);

/* Verifier side: absorbs nonce, squeezes one element and checks it has bits
 * leading zeros. t is advanced (absorb + squeeze) whatever the outcome.
 * Returns: LM_OK; LM_ENONCANON when nonce >= p (t then untouched);
 *          LM_ECRYPTO when the work is missing; LM_ETOOLARGE for
 *          bits > LM_TRANSCRIPT_MAX_POW_BITS. */
LM_MUST_CHECK int lm_transcript_check_pow(lm_transcript *t, uint64_t nonce, unsigned bits, lm_err *err);

#endif
