/* Helpers shared by the files of src/l1; not a public API. */
#ifndef LAMINA_L1_INTERNAL_H
#define LAMINA_L1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lamina/err.h"
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

#endif
