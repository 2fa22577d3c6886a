/* Helpers shared by the files of src/l1; not a public API. */
#ifndef LAMINA_L1_INTERNAL_H
#define LAMINA_L1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lamina/abi.h"
#include "lamina/err.h"
#include "lamina/l1_lamina.h"
#include "lamina/l1_rpc.h"
#include "lamina/u256.h"

/* Field readers for a JSON object `o`; `what` names the object in messages.
 * Each returns LM_OK or LM_EPROTO ("<what>.<key>: ..."). The _opt variants
 * set *present (false for a missing or null member) and succeed then. */
LM_MUST_CHECK lm_code lm_l1j_u64(uint64_t *out, const json_t *o, const char *key, const char *what,
                                 lm_err *err);
LM_MUST_CHECK lm_code lm_l1j_u64_opt(uint64_t *out, bool *present, const json_t *o, const char *key,
                                     const char *what, lm_err *err);
LM_MUST_CHECK lm_code lm_l1j_u256(lm_u256 *out, const json_t *o, const char *key, const char *what,
                                  lm_err *err);
LM_MUST_CHECK lm_code lm_l1j_u256_opt(lm_u256 *out, bool *present, const json_t *o, const char *key,
                                      const char *what, lm_err *err);
/* Fixed-size DATA: exactly n bytes ("0x" + 2n digits). */
LM_MUST_CHECK lm_code lm_l1j_fixed(uint8_t *out, size_t n, const json_t *o, const char *key,
                                   const char *what, lm_err *err);
LM_MUST_CHECK lm_code lm_l1j_fixed_opt(uint8_t *out, size_t n, bool *present, const json_t *o,
                                       const char *key, const char *what, lm_err *err);
/* Variable DATA, malloc'ed into *out (NULL when empty). */
LM_MUST_CHECK lm_code lm_l1j_bytes(uint8_t **out, size_t *out_len, const json_t *v,
                                   const char *what, lm_err *err);

/* Values for request parameters; NULL on allocation failure. */
json_t *lm_l1j_quantity(uint64_t v);
json_t *lm_l1j_quantity256(const lm_u256 *v);
json_t *lm_l1j_data(const uint8_t *p, size_t len);
json_t *lm_l1j_block_id(lm_block_id id);

/* Returns: whether hay contains needle (lower case), ignoring hay's case:
 * nodes word their error messages in many ways. */
bool lm_l1_contains_ci(const char *hay, const char *needle);

/* ---- lamina.c: contract calls, shared by the binding files ---- */

/* selector(sig) ‖ enc(args), malloc'ed into *out. */
LM_MUST_CHECK lm_code lm_l1_encode_call(uint8_t **out, size_t *out_len, const char *sig,
                                        const lm_abi_value *args, size_t n, lm_err *err);
/* Sends sig(args) to `to` from s with value (may be NULL) and waits for the
 * receipt; a revert is LM_ERPC naming the contract's error. */
LM_MUST_CHECK lm_code lm_l1_call_tx(lm_l1_signer *s, const uint8_t to[20], const lm_u256 *value,
                                    const char *sig, const lm_abi_value *args, size_t n,
                                    lm_l1_receipt *receipt, lm_err *err);
/* eth_call of sig(args) at "latest"; the first 32 bytes of the answer
 * (LM_EPROTO when shorter). */
LM_MUST_CHECK lm_code lm_l1_view_word(lm_rpc *rpc, const uint8_t to[20], const char *sig,
                                      const lm_abi_value *args, size_t n, uint8_t word[32],
                                      lm_err *err);
/* Deploys code with constructor arguments args of the tuple type ctor_types. */
LM_MUST_CHECK lm_code lm_l1_deploy_code(lm_l1_signer *s, const lm_bytecode *code,
                                        const char *ctor_types, const lm_abi_value *args, size_t n,
                                        uint8_t addr[20], const char *what, lm_err *err);

#endif
