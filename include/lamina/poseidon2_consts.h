/* The constants of Lamina's Poseidon2 instance (include/lamina/poseidon2.h,
 * docs/poseidon2.md), exported for code that needs them outside the
 * permutation itself: the Poseidon2 AIR (include/lamina/air_poseidon2.h)
 * and, later, generators for the Solidity verifier.
 *
 * Values: the Horizen Labs reference implementation,
 * github.com/HorizenLabs/poseidon2,
 * plain_implementations/src/poseidon2/poseidon2_instance_goldilocks.rs
 * (MAT_DIAG12_M_1 and RC12 of POSEIDON2_GOLDILOCKS_12_PARAMS); every value is
 * canonical (< p). They are the same tables as the private ones of
 * src/crypto/poseidon2.c; tests/unit/test_air_poseidon2.c checks that a
 * permutation computed from these tables equals lm_poseidon2_permute and the
 * reference's known answer.
 *
 * Read-only data, freestanding (no libc). */
#ifndef LAMINA_POSEIDON2_CONSTS_H
#define LAMINA_POSEIDON2_CONSTS_H

#include "lamina/goldilocks.h"
#include "lamina/poseidon2.h"

/* Internal matrix M_I = 1 + diag(d): (M_I x)_i = sum(x) + d_i x_i, with
 * d = MAT_DIAG12_M_1 of the reference. */
extern const lm_gl lm_poseidon2_diag[LM_P2_WIDTH];

/* Round constants of the full rounds: rows 0..3 of RC12 (the 4 full rounds
 * before the partial rounds) then rows 26..29 (the 4 after). */
extern const lm_gl lm_poseidon2_rc_full[LM_P2_ROUNDS_F][LM_P2_WIDTH];

/* Round constants of the 22 partial rounds: element 0 of RC12 rows 4..25
 * (added to state element 0 only). */
extern const lm_gl lm_poseidon2_rc_partial[LM_P2_ROUNDS_P];

#endif
