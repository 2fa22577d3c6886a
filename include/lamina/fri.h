/* FRI low-degree test over the cubic extension F_p^3 (lm_gl3) of
 * Goldilocks, folding factor 2, Poseidon2 Merkle layer commitments
 * (lamina/merkle.h), Fiat-Shamir by lamina/transcript.h.
 *
 * Why cubic: challenges drawn from a 192-bit field keep the field-size terms
 * of the proven soundness bound (the proximity-gaps error ~ n^2 / |F|) far
 * below 2^-100 for domains up to 2^26; with the quadratic extension (128
 * bits) those terms alone cap proven security near 70-80 bits. See
 * docs/stark.md ("FRI" and "Security").
 *
 * Statement. The input is f evaluated on the coset D_0 = s * H_N,
 * s = LM_NTT_COSET_SHIFT, N = 2^log_n, given in bit-reversed order
 * (f[bitrev(i)] = f(s w_N^i), the order of lm_ntt_*_nr), and the claim is
 * deg f < 2^(log_n - log_blowup).
 *
 * Protocol (docs/stark.md, "FRI", has the exact transcript order):
 *   layers i = 0..r-1, r = max(0, log_n - log_blowup - log_final_len):
 *     commit the Merkle tree whose row j is (f_i[2j], f_i[2j+1]) (6 base
 *     elements: the values at x and -x); absorb its root; squeeze beta_i;
 *     f_(i+1)(x^2) = (f_i(x) + f_i(-x))/2 + beta_i (f_i(x) - f_i(-x))/(2x);
 *   final: the coefficients of f_r (2^(log_n - log_blowup - r) of them) are
 *     sent in clear and absorbed;
 *   grinding: a nonce with pow_bits bits of work;
 *   queries: num_queries indices q in [0, N) squeezed; for each layer the
 *     rows q >> (i+1) are opened (deduplicated, one multi-proof per layer).
 * The verifier refolds every query through the layers and checks the final
 * polynomial at the last point.
 *
 * Memory: a proof owns its arrays (lm_fri_proof_free). The prover allocates
 * its layers and trees and frees them before returning. */
#ifndef LAMINA_FRI_H
#define LAMINA_FRI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"
#include "lamina/transcript.h"

#define LM_FRI_MAX_QUERIES 512u
#define LM_FRI_MAX_LOG_N 30u
#define LM_FRI_MAX_LOG_BLOWUP 8u
#define LM_FRI_MAX_LOG_FINAL 10u
#define LM_FRI_PROOF_VERSION 1u

typedef struct lm_fri_params {
    unsigned log_blowup;    /* rate rho = 2^-log_blowup, 1..LM_FRI_MAX_LOG_BLOWUP */
    unsigned log_final_len; /* fold until at most 2^log_final_len coefficients remain */
    unsigned num_queries;   /* 1..LM_FRI_MAX_QUERIES */
    unsigned pow_bits;      /* grinding, 0..LM_TRANSCRIPT_MAX_POW_BITS */
} lm_fri_params;

/* One committed layer and its openings. */
typedef struct lm_fri_layer {
    lm_digest root;
    size_t n_rows;      /* opened rows: the distinct q >> (i+1), increasing */
    lm_gl3 *rows;       /* 2 * n_rows values: row k is rows[2k], rows[2k+1] */
    size_t n_sib;
    lm_digest *sib;     /* the multi-proof (lamina/merkle.h order) */
} lm_fri_layer;

typedef struct lm_fri_proof {
    unsigned log_n;       /* log2 of the size of the first domain */
    unsigned n_layers;    /* r */
    lm_fri_layer *layers; /* n_layers entries */
    size_t final_len;
    lm_gl3 *final_poly;   /* final_len coefficients, constant term first */
    uint64_t pow_nonce;
} lm_fri_proof;

/* Returns: r, the number of folding layers for a domain of 2^log_n. */
unsigned lm_fri_num_layers(const lm_fri_params *fp, unsigned log_n);

/* Checks the parameters for a domain of 2^log_n points (ranges above,
 * log_n >= log_blowup, log_n <= LM_FRI_MAX_LOG_N).
 * Returns: LM_OK or LM_EINVAL with a message. */
LM_MUST_CHECK int lm_fri_params_check(const lm_fri_params *fp, unsigned log_n, lm_err *err);

/* Proves deg f < 2^(log_n - log_blowup).
 * In:  ctx an NTT context with max_log_n >= log_n - r (for the final
 *      interpolation); t the transcript in the caller's state (advanced);
 *      evals[0..2^log_n) f on s * H_N in bit-reversed order (not modified);
 *      threads for hashing and folding.
 * Out: *proof (free with lm_fri_proof_free); query_idx[0..num_queries) the
 *      query positions, when query_idx is not NULL (a STARK opens its own
 *      commitments there).
 * An f of higher degree still gives a proof; it fails verification (with
 * overwhelming probability).
 * Returns: LM_OK; LM_EINVAL for bad parameters; LM_ENOMEM. */
LM_MUST_CHECK int lm_fri_prove(const lm_fri_params *fp, const lm_ntt_ctx *ctx, lm_transcript *t,
                               const lm_gl3 *evals, unsigned log_n, unsigned threads, lm_fri_proof *proof,
                               size_t *query_idx, lm_err *err);

/* Verifies a proof for a domain of 2^log_n points.
 * In:  t the transcript in the state the prover's had (advanced).
 * Out: when not NULL, query_idx[0..num_queries) the query positions and
 *      first[0..num_queries) f's value there as opened from layer 0 (or, when
 *      r = 0, the final polynomial's value there); a STARK verifier checks
 *      these against its own DEEP values. Written only on LM_OK.
 * Returns: LM_OK; LM_EINVAL for bad parameters; LM_ECRYPTO when the proof
 *          is malformed for these parameters or fails; LM_ENONCANON for a
 *          non-canonical element; LM_ENOMEM. */
LM_MUST_CHECK int lm_fri_verify(const lm_fri_params *fp, lm_transcript *t, const lm_fri_proof *proof,
                                unsigned log_n, size_t *query_idx, lm_gl3 *first, lm_err *err);

/* Frees the arrays of a proof (harmless on a zeroed or freed proof). */
void lm_fri_proof_free(lm_fri_proof *proof);

/* Serialization (docs/stark.md, "FRI proof format"): little-endian, every
 * element as 8 bytes.
 * lm_fri_proof_size returns the encoded size; lm_fri_proof_write writes it
 * into out[0..cap) and sets *len. Returns: LM_OK or LM_ESPACE. */
size_t lm_fri_proof_size(const lm_fri_proof *proof);
LM_MUST_CHECK int lm_fri_proof_write(uint8_t *out, size_t cap, size_t *len, const lm_fri_proof *proof,
                                     lm_err *err);

/* Parses a proof for the given parameters and domain size, capping every
 * count by them before allocating.
 * Out: *proof (free with lm_fri_proof_free; nothing to free on failure).
 * Returns: LM_OK; LM_EINVAL (bad version or counts, bad parameters);
 *          LM_ETRUNC; LM_ETRAILING; LM_ENONCANON; LM_ETOOLARGE; LM_ENOMEM. */
LM_MUST_CHECK int lm_fri_proof_read(lm_fri_proof *proof, const lm_fri_params *fp, unsigned log_n,
                                    const uint8_t *in, size_t len, lm_err *err);

#endif
