/* EIP-1559 (type 2) transactions: building, signing, hashing; and a signer
 * that sends them through an lm_rpc with nonce management, fee estimation,
 * waiting for receipts and fee-bumping replacement.
 *
 * EIP-1559: "TransactionType 2 ... the TransactionPayload is
 *   rlp([chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas,
 *        gas_limit, destination, amount, data, access_list,
 *        signature_y_parity, signature_r, signature_s])."
 * and "The signature_y_parity, signature_r, signature_s elements of this
 * transaction represent a secp256k1 signature over
 *   keccak256(0x02 || rlp([chain_id, nonce, max_priority_fee_per_gas,
 *   max_fee_per_gas, gas_limit, destination, amount, data, access_list]))."
 * The transaction hash is keccak256 of the whole signed encoding
 * (0x02 || TransactionPayload). A contract creation has an empty
 * destination (the RLP empty string 0x80). */
#ifndef LAMINA_L1_TX_H
#define LAMINA_L1_TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l1_rpc.h"
#include "lamina/secp256k1.h"
#include "lamina/u256.h"

#define LM_L1_TX_TYPE_1559 0x02

/* One access-list entry: an address and the storage keys it will touch.
 * storage_keys is borrowed. */
typedef struct lm_l1_access_tuple {
    uint8_t address[20];
    const uint8_t (*storage_keys)[32];
    size_t n_storage_keys;
} lm_l1_access_tuple;

/* An unsigned type-2 transaction. data and access_list are borrowed. */
typedef struct lm_l1_tx1559 {
    uint64_t chain_id;
    uint64_t nonce;
    lm_u256 max_priority_fee_per_gas;
    lm_u256 max_fee_per_gas;
    uint64_t gas_limit;
    bool has_to; /* false: contract creation */
    uint8_t to[20];
    lm_u256 value;
    const uint8_t *data;
    size_t data_len;
    const lm_l1_access_tuple *access_list;
    size_t n_access;
} lm_l1_tx1559;

/* The signature fields of a signed type-2 transaction. */
typedef struct lm_l1_tx_sig {
    uint8_t y_parity; /* 0 or 1 */
    uint8_t r[32];    /* big-endian */
    uint8_t s[32];    /* big-endian, low-s */
} lm_l1_tx_sig;

/* Out: out = keccak256(0x02 || rlp(the nine unsigned fields)), the digest
 * that is signed.
 * Returns: LM_OK; LM_EINVAL (max_priority_fee_per_gas > max_fee_per_gas,
 * which EIP-1559 makes invalid); LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_l1_tx_signing_hash(uint8_t out[32], const lm_l1_tx1559 *tx, lm_err *err);

/* Returns: the exact length of the signed encoding 0x02 || rlp([...12]). */
size_t lm_l1_tx_encoded_size(const lm_l1_tx1559 *tx, const lm_l1_tx_sig *sig);

/* Writes the signed encoding into out[0..cap).
 * Out: *len its length.
 * Returns: LM_OK; LM_ESPACE when cap is too small (see
 * lm_l1_tx_encoded_size); LM_EINVAL (y_parity > 1). */
LM_MUST_CHECK lm_code lm_l1_tx_encode(uint8_t *out, size_t cap, size_t *len, const lm_l1_tx1559 *tx,
                                      const lm_l1_tx_sig *sig, lm_err *err);

/* A signed transaction: the raw bytes for eth_sendRawTransaction. */
typedef struct lm_l1_signed_tx {
    uint8_t *raw; /* malloc'ed; lm_l1_signed_tx_free */
    size_t raw_len;
    uint8_t hash[32]; /* keccak256(raw), the transaction hash */
    lm_l1_tx_sig sig;
} lm_l1_signed_tx;

/* Signs tx with key (RFC 6979, deterministic; the same result as ethers'
 * Wallet.signTransaction).
 * Out: *out, to be freed with lm_l1_signed_tx_free (zeroed on error).
 * Returns: LM_OK; LM_EINVAL; LM_ECRYPTO (bad key); LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_l1_tx_sign(lm_l1_signed_tx *out, const lm_l1_tx1559 *tx,
                                    const lm_seckey *key, lm_err *err);

void lm_l1_signed_tx_free(lm_l1_signed_tx *s);

/* ---- fees ---------------------------------------------------------------- */

typedef struct lm_l1_fees {
    lm_u256 max_fee_per_gas;
    lm_u256 max_priority_fee_per_gas;
} lm_l1_fees;

typedef struct lm_l1_fee_policy {
    uint32_t base_fee_multiplier; /* max fee = multiplier * base fee + tip; default 2 */
    lm_u256 default_tip;          /* when the node suggests none; default 1 gwei */
    lm_u256 min_tip;              /* floor on the tip; default 0 */
    lm_u256 max_fee_cap;          /* never pay more per gas; zero = no cap; default 0 */
    uint32_t history_blocks;      /* eth_feeHistory window; default 10 */
    uint32_t gas_margin_pct;      /* estimateGas + this %; default 20 */
} lm_l1_fee_policy;

void lm_l1_fee_policy_default(lm_l1_fee_policy *p);

/* The pure part of fee estimation: max fee = multiplier * base_fee + tip
 * with tip = max(tip, min_tip), then capped at max_fee_cap when one is set.
 * Returns: LM_OK; LM_ETOOLARGE when base_fee + tip alone exceed the cap
 * (the transaction could not be included now); LM_EOVERFLOW. */
LM_MUST_CHECK lm_code lm_l1_fees_compute(lm_l1_fees *out, const lm_u256 *base_fee,
                                         const lm_u256 *tip, const lm_l1_fee_policy *p,
                                         lm_err *err);

/* Asks the node: the next block's base fee from eth_feeHistory (falling back
 * to the latest header's baseFeePerGas), the tip as the median of the 50th
 * percentile rewards of the last history_blocks non-empty blocks, else
 * eth_maxPriorityFeePerGas, else policy default_tip; then lm_l1_fees_compute. */
LM_MUST_CHECK lm_code lm_l1_fees_estimate(lm_rpc *rpc, lm_l1_fees *out, const lm_l1_fee_policy *p,
                                          lm_err *err);

/* The smallest replacement fees a node accepts: each of the two fees raised
 * by at least 12.5% (old + ceil(old / 8), and at least old + 1). geth's
 * default price bump is 10%; 12.5% also clears the stricter nodes.
 * Returns: LM_OK or LM_EOVERFLOW. */
LM_MUST_CHECK lm_code lm_l1_fees_bump(lm_l1_fees *out, const lm_l1_fees *old, lm_err *err);

/* ---- the signer ------------------------------------------------------------ */

#define LM_L1_MAX_ATTEMPTS 8 /* transactions (original + replacements) per nonce */

/* A key with a local nonce, sending through a borrowed lm_rpc. One thread
 * at a time. */
typedef struct lm_l1_signer {
    lm_rpc *rpc;
    lm_seckey key;
    uint8_t address[20];
    uint64_t chain_id;
    lm_l1_fee_policy policy;
    bool nonce_known; /* false: the next send asks eth_getTransactionCount(pending) */
    uint64_t next_nonce;
    uint32_t wait_timeout_ms; /* for callers that wait on receipts (l1_lamina.h); 0: their default */
} lm_l1_signer;

/* Copies *key. chain_id 0 asks the node (eth_chainId). policy NULL: the
 * defaults. Nothing is sent.
 * Returns: LM_OK; LM_ECRYPTO (bad key); or an RPC error. */
LM_MUST_CHECK lm_code lm_l1_signer_init(lm_l1_signer *s, lm_rpc *rpc, const lm_seckey *key,
                                        uint64_t chain_id, const lm_l1_fee_policy *policy,
                                        lm_err *err);

/* Wipes the key. */
void lm_l1_signer_free(lm_l1_signer *s);

/* Sets the local nonce from eth_getTransactionCount(address, "pending"). */
LM_MUST_CHECK lm_code lm_l1_signer_sync_nonce(lm_l1_signer *s, lm_err *err);

/* What to send. to NULL creates a contract. gas_limit 0: eth_estimateGas plus
 * the policy margin. fees NULL: lm_l1_fees_estimate. Pointers are borrowed. */
typedef struct lm_l1_tx_request {
    const uint8_t *to;
    lm_u256 value;
    const uint8_t *data;
    size_t data_len;
    uint64_t gas_limit;
    const lm_l1_fees *fees;
} lm_l1_tx_request;

/* A transaction sent for one nonce, and every replacement of it. */
typedef struct lm_l1_sent_tx {
    lm_l1_tx1559 tx; /* the last one sent; tx.data points to data below */
    uint8_t *data;   /* malloc'ed copy of the calldata */
    uint8_t hashes[LM_L1_MAX_ATTEMPTS][32];
    size_t n_hashes; /* >= 1; hashes[n_hashes - 1] is the latest */
} lm_l1_sent_tx;

void lm_l1_sent_tx_free(lm_l1_sent_tx *t);

/* Fills in nonce, gas and fees, signs and sends. The local nonce advances
 * when the node accepts the transaction (or says it already knows it). On
 * "nonce too low" or "replacement transaction underpriced" it re-reads the
 * pending nonce and tries again (up to 3 times). After a transport error the
 * nonce is re-read before the next send, since the transaction may have
 * arrived.
 * Out: *sent, to be freed with lm_l1_sent_tx_free (zeroed on error).
 * Returns: LM_OK or an error (LM_ERPC for a refusal by the node). */
LM_MUST_CHECK lm_code lm_l1_signer_send(lm_l1_signer *s, lm_l1_sent_tx *sent,
                                        const lm_l1_tx_request *req, lm_err *err);

/* Re-signs *sent with the same nonce and fees raised to
 * max(lm_l1_fees_bump(old), a fresh estimate), sends it and records its hash.
 * Returns: LM_OK (also when the node reports the nonce as used: one of the
 * hashes already sent was mined — wait for it); LM_ETOOLARGE when
 * LM_L1_MAX_ATTEMPTS are used up or the bump exceeds the fee cap; or an RPC
 * error. */
LM_MUST_CHECK lm_code lm_l1_signer_replace(lm_l1_signer *s, lm_l1_sent_tx *sent, lm_err *err);

typedef struct lm_l1_wait_opts {
    uint32_t timeout_ms;       /* give up after this long; default 120000 */
    uint32_t poll_ms;          /* default 500 */
    uint32_t confirmations;    /* 1 = included in a block; default 1 */
    uint32_t replace_after_ms; /* 0: never; else replace a tx not mined after this */
    uint32_t drop_polls;       /* give up with LM_EDROPPED after this many polls in a row
                                  that see the tx cannot be mined (below); 0: never;
                                  default 2 */
} lm_l1_wait_opts;

void lm_l1_wait_opts_default(lm_l1_wait_opts *o);

/* Waits until one of sent's hashes has a receipt in a block that is still
 * canonical with `confirmations` blocks (including its own) on the chain,
 * replacing the transaction with higher fees every replace_after_ms.
 * While none of the hashes has a receipt, each poll also asks whether the
 * transaction can still be mined; it cannot when
 *   - none of the hashes is known to the node (eth_getTransactionByHash
 *     null): an L1 reorg removed it and the node did not return it to its
 *     pool, or the pool dropped it (counted once the node has shown one of
 *     them during this wait, or after 10 * poll_ms: a transaction may take
 *     a moment to reach every node behind a load balancer);
 *   - the account's latest nonce is past sent->tx.nonce: another
 *     transaction took the nonce;
 *   - the account's latest and pending nonces are both below it: it is
 *     queued behind a missing nonce (a gap; e.g. a stale local nonce after
 *     a reorg removed an earlier transaction).
 * Seen on drop_polls polls in a row (about drop_polls * poll_ms), the wait
 * ends with LM_EDROPPED, and the next send re-reads the pending nonce
 * (nonce_known is cleared), so the caller may simply send again. A
 * transaction left queued behind a gap stays in the node's pool and may
 * still be mined once the gap is filled.
 * Out: *receipt (lm_l1_receipt_free) on LM_OK.
 * Returns: LM_OK (check receipt->status: a reverted tx is still LM_OK);
 * LM_EDROPPED; LM_ETIMEOUT; or an RPC error other than a transient one. */
LM_MUST_CHECK lm_code lm_l1_signer_wait(lm_l1_signer *s, lm_l1_receipt *receipt,
                                        lm_l1_sent_tx *sent, const lm_l1_wait_opts *o, lm_err *err);

/* lm_l1_signer_send then lm_l1_signer_wait. Out: *receipt on LM_OK; *sent
 * may be NULL when the caller does not need it. */
LM_MUST_CHECK lm_code lm_l1_signer_send_and_wait(lm_l1_signer *s, lm_l1_receipt *receipt,
                                                 lm_l1_sent_tx *sent, const lm_l1_tx_request *req,
                                                 const lm_l1_wait_opts *o, lm_err *err);

#endif
