/* STARK parameters and their security: a calculator for conjectured and
 * proven bits of security, and Lamina's default parameter set.
 *
 * Formulas (docs/stark.md, "Security", gives them in full with sources):
 *  - conjectured (ethSTARK, eprint 2021/582, Conjecture 1 / Eq. 19, as
 *    Winterfell computes it):
 *      min(field_bits - log2(N), q * log2(blowup) + grinding) - 1,
 *    where field_bits = base_field_bits * ext_degree and N = the LDE domain;
 *  - proven, list-decoding (Johnson-bound) regime: Theorem 2 of "A note on
 *    low degree test soundness" eprint 2024/1553 (on BCIKS20 "Proximity Gaps
 *    for Reed-Solomon Codes" eprint 2020/654, and Haboeck eprint 2022/1216),
 *    the round-by-round minimum over ALI, DEEP, FRI commit and FRI query
 *    errors, maximised over the Johnson parameter m >= 3;
 *  - proven, unique-decoding regime: Theorem 3 of eprint 2024/1553.
 * These are the formulas of Winterfell's air/src/proof/security.rs, and the
 * unit tests check this code against that file's known answers.
 * Every result is capped by the hash's collision resistance.
 *
 * Pure functions of their inputs: no allocation, no global state. */
#ifndef LAMINA_STARK_PARAMS_H
#define LAMINA_STARK_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/fri.h"

typedef struct lm_security_input {
    double base_field_bits;     /* log2 of the base field size, rounded: 64 for Goldilocks */
    unsigned ext_degree;        /* 1..4: the field challenges come from (3 in Lamina) */
    unsigned log_blowup;        /* 1..LM_FRI_MAX_LOG_BLOWUP */
    unsigned num_queries;       /* 1..LM_FRI_MAX_QUERIES */
    unsigned grinding_bits;     /* 0..LM_TRANSCRIPT_MAX_POW_BITS */
    unsigned log_trace_len;     /* 2..40: trace length h = 2^log_trace_len */
    unsigned constraint_degree; /* max constraint degree; 0: blowup + 1 (Winterfell's bound) */
    unsigned folding_factor;    /* FRI folding factor, 2..16 (2 in Lamina) */
    unsigned log_final_len;     /* FRI final polynomial length 2^x: decides whether FRI has layers */
    unsigned collision_bits;    /* the Merkle hash's collision resistance (128 for 4-element Poseidon2) */
} lm_security_input;

typedef struct lm_security {
    unsigned conjectured; /* ethSTARK conjecture */
    unsigned proven_udr;  /* proven, unique-decoding regime */
    unsigned proven_ldr;  /* proven, list-decoding (Johnson) regime */
    unsigned proven;      /* max(proven_udr, proven_ldr) */
    unsigned best_m;      /* the Johnson parameter m that gave proven_ldr */
} lm_security;

/* Computes the security levels.
 * Out: *out.
 * Returns: LM_OK, or LM_EINVAL for inputs outside the ranges above. */
LM_MUST_CHECK int lm_stark_security(lm_security *out, const lm_security_input *in, lm_err *err);

/* The bits (0 when negative) of the individual proven list-decoding terms at
 * a given m, for tests and reports: ALI, DEEP, FRI commit, FRI query. */
void lm_stark_security_ldr_terms(double terms[4], const lm_security_input *in, unsigned m);

/* Lamina's default parameters: cubic extension, blowup 8, 66 queries,
 * 12 grinding bits, final polynomial of 2^3 coefficients. They give at least
 * 104 proven bits (list-decoding regime; 100 is the target) for every trace
 * length from 2^LM_STARK_DEFAULT_MIN_LOG_TRACE to
 * 2^LM_STARK_DEFAULT_MAX_LOG_TRACE (tested), and 128 conjectured bits
 * (capped by collisions). Shorter traces must be padded to 2^4 rows.
 * Queries rather than grinding carry the bits: 6 queries more than with 20
 * grinding bits give as many proven bits or more at every length, for ~2^12
 * Poseidon2 permutations of grinding instead of ~2^20 (docs/stark.md,
 * "Default parameters"). */
#define LM_STARK_DEFAULT_LOG_BLOWUP 3u
#define LM_STARK_DEFAULT_QUERIES 66u
#define LM_STARK_DEFAULT_POW_BITS 12u
#define LM_STARK_DEFAULT_LOG_FINAL 3u
#define LM_STARK_DEFAULT_MIN_LOG_TRACE 4u
#define LM_STARK_DEFAULT_MAX_LOG_TRACE 26u
#define LM_STARK_COLLISION_BITS 128u

/* Out: *fp the default FRI parameters. */
void lm_stark_default_fri_params(lm_fri_params *fp);

/* A parameter set for prover speed: blowup 2, 196 queries, 16 grinding
 * bits, final polynomial of 2^3 coefficients. The trace and the composition
 * are committed on 2 h points (a quarter of the default's hashing), the
 * constraints still evaluated on max(2, degree) h (lm_stark_log_eval_blowup);
 * proofs are about 2.5 times the default's size. For AIRs of degree <= 7:
 * at least 104 proven bits for traces of 2^5 .. 2^26 rows (tested), 128
 * conjectured. */
#define LM_STARK_FAST_LOG_BLOWUP 1u
#define LM_STARK_FAST_QUERIES 196u
#define LM_STARK_FAST_POW_BITS 16u
void lm_stark_fast_fri_params(lm_fri_params *fp);

/* Out: *in the security input for the default parameters over Goldilocks^3
 * at trace length 2^log_trace_len. */
void lm_stark_default_security_input(lm_security_input *in, unsigned log_trace_len);

#endif
