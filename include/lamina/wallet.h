/* What a wallet does without I/O: amounts typed by people turned into L2
 * units and L1 base units exactly, the nonce to sign with from an account's
 * window, transactions built and signed (EIP-712, docs/l2-protocol.md §4),
 * and the node's JSON answers (docs/node-api.md) parsed strictly. The
 * `lamina` wallet commands (src/cli/cmd_wallet.c, docs/wallet.md) are this
 * plus the RPC calls. */
#ifndef LAMINA_WALLET_H
#define LAMINA_WALLET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lamina/err.h"
#include "lamina/l2.h"
#include "lamina/secp256k1.h"
#include "lamina/settlement.h"
#include "lamina/u256.h"

/* ---- amounts -------------------------------------------------------------- */

/* How a person writes an asset's amounts and how L2 counts them: `decimals`
 * digits after the point make one whole token in base units (ETH: 18, wei),
 * and `unit` base units make one L2 unit (ETH: 10^9 wei, one gwei;
 * docs/contracts.md §1). */
typedef struct lm_asset_fmt {
    unsigned decimals; /* 0..77 */
    lm_u256 unit;      /* >= 1 */
} lm_asset_fmt;

/* ETH: 18 decimals, unit 1 gwei. */
void lm_asset_fmt_eth(lm_asset_fmt *f);

#define LM_AMOUNT_TEXT_MAX 100 /* characters of an amount, at most */

/* Parses a decimal amount text[0..len) ("1.5", "0.000000001", "12") in whole
 * tokens: digits, at most one '.', at least one digit, no sign, no exponent,
 * no spaces. Converted exactly: the value must be a whole number of base
 * units (no nonzero digit past `decimals`) and a whole number of L2 units,
 * at most 2^64 - 1 of them.
 * Out: *units the L2 units, *base (may be NULL) the base units (wei), on
 * LM_OK only.
 * Returns: LM_OK; LM_EINVAL (not a decimal number, or precision would be
 * lost: the message says which digit or how far from a whole unit);
 * LM_EOVERFLOW (more than 2^64 - 1 L2 units). Zero is accepted (fees). */
LM_MUST_CHECK lm_code lm_amount_parse(uint64_t *units, lm_u256 *base, const char *text, size_t len,
                                      const lm_asset_fmt *f, lm_err *err);

/* The first half of lm_amount_parse: text in whole tokens to base units,
 * exactly (same syntax and precision rule; no L2 unit, no 2^64 cap).
 * Returns: LM_OK; LM_EINVAL; LM_EOVERFLOW (2^256 or more). */
LM_MUST_CHECK lm_code lm_amount_parse_base(lm_u256 *base, const char *text, size_t len,
                                           unsigned decimals, lm_err *err);

/* Formats units L2 units as whole tokens, without trailing zeros ("1.5",
 * "0.000000001", "3"). Out: out[0..cap), NUL-terminated.
 * Returns: LM_OK, or LM_ESPACE (cap too small: 100 always suffices). */
LM_MUST_CHECK lm_code lm_amount_format(char *out, size_t cap, uint64_t units, const lm_asset_fmt *f,
                                       lm_err *err);

/* The same for an amount in base units (an L1 balance in wei). */
LM_MUST_CHECK lm_code lm_amount_format_base(char *out, size_t cap, const lm_u256 *base,
                                            unsigned decimals, lm_err *err);

/* ---- nonces --------------------------------------------------------------- */

/* The lowest unused nonce of an account's window (include/lamina/l2.h): the
 * base plus the index of the first clear bit of bits.
 * Out: *nonce on LM_OK.
 * Returns: LM_OK; LM_ETOOLARGE when all 64 nonces of the window are used
 * (wait for the base to move); LM_EOVERFLOW when base + index overflows. */
LM_MUST_CHECK lm_code lm_nonce_pick(uint64_t *nonce, uint64_t base, uint64_t bits, lm_err *err);

/* ---- transactions --------------------------------------------------------- */

/* Signs *tx in place: tx->from must be the key's address (or all zero, and
 * it is then set); sig = sign(lm_tx_signing_digest(tx, domain separator of
 * chain tx->chain_id and rollup)).
 * Returns: LM_OK; LM_EINVAL (from is another address); LM_ECRYPTO. */
LM_MUST_CHECK lm_code lm_tx_sign(lm_tx *tx, const lm_seckey *key, const uint8_t rollup[20],
                                 lm_err *err);

/* ---- the node's answers (docs/node-api.md) ------------------------------- */

/* A quantity as the node writes it: a JSON number (up to 2^53) or a decimal
 * string. Returns: LM_OK or LM_EPROTO. */
LM_MUST_CHECK lm_code lm_json_u64(uint64_t *out, const json_t *v, const char *what, lm_err *err);

/* lamina_getAccount's result: {address, index, nonceBase, nonceBits,
 * balances: {"<asset>": amount, …}} (assets absent from balances hold 0).
 * Out: *acc, *index and *exists (false for a JSON null: no account yet; *acc
 * is then zero with acc->address untouched) on LM_OK only.
 * Returns: LM_OK or LM_EPROTO naming the field. */
LM_MUST_CHECK lm_code lm_wallet_parse_account(lm_account *acc, uint64_t *index, bool *exists,
                                              const json_t *result, lm_err *err);

/* lamina_getWithdrawalProof's result: {withdrawal: {id, l2Sender,
 * l1Recipient, assetId, amount}, batchIndex, leafIndex, proof: [hash…],
 * output: {version, stateRoot, withdrawalsRoot, lastBlockHash}}. */
typedef struct lm_withdrawal_claim {
    lm_withdrawal withdrawal;
    uint64_t batch_index; /* = the output index on L1 */
    uint64_t leaf_index;
    uint8_t proof[LM_WTREE_MAX_DEPTH][32];
    size_t depth;
    lm_output_preimage output;
} lm_withdrawal_claim;

/* Out: *p and *posted (false for a JSON null: the batch is not on L1 yet)
 * on LM_OK only. Returns: LM_OK or LM_EPROTO naming the field. */
LM_MUST_CHECK lm_code lm_wallet_parse_withdrawal_proof(lm_withdrawal_claim *p, bool *posted,
                                                       const json_t *result, lm_err *err);

#endif
