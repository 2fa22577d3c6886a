/* The hashes that L1 (contracts/src/lib/LaminaHashes.sol, WithdrawalMerkle.sol)
 * and the Lamina node compute identically: L1 -> L2 message hashes and the
 * rolling queue hash, withdrawal leaves and the withdrawal tree, output roots.
 * Specified with vectors in docs/contracts.md §4. All Keccak-256; no
 * allocation, no libc beyond memcpy/memset, so the STF can use them. */
#ifndef LAMINA_SETTLEMENT_H
#define LAMINA_SETTLEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"

/* Message kinds in the L1 -> L2 queue (the first ABI word of a message). */
typedef enum lm_msg_kind {
    LM_MSG_DEPOSIT = 1,
    LM_MSG_FORCED_WITHDRAWAL = 2,
    LM_MSG_FORCED_TX = 3,
} lm_msg_kind;

/* One message of the Bridge's queue. For LM_MSG_DEPOSIT, from/to are the L1
 * sender and the L2 recipient; for LM_MSG_FORCED_WITHDRAWAL the L2 account and
 * the L1 recipient; for LM_MSG_FORCED_TX only from and tx_hash are used. */
typedef struct lm_l1_message {
    lm_msg_kind kind;
    uint64_t index;   /* messageIndex, all kinds counted together from 0 */
    uint64_t l1_block;
    uint8_t from[20];
    uint8_t to[20];
    uint32_t asset_id;
    uint64_t amount;     /* L2 units */
    uint8_t tx_hash[32]; /* keccak256(l2Tx), forced transactions only */
} lm_l1_message;

/* messageHash = keccak256(abi.encode(kind, index, l1Block, ...)) (§4.1). */
void lm_message_hash(uint8_t out[32], const lm_l1_message *m);

/* queueHash[i] = keccak256(prev ‖ messageHash_i); prev of message 0 is zero. */
void lm_queue_hash(uint8_t out[32], const uint8_t prev[32], const uint8_t message_hash[32]);

/* An L2 -> L1 withdrawal (§4.2). */
typedef struct lm_withdrawal {
    uint64_t id;
    uint8_t l2_sender[20];
    uint8_t l1_recipient[20];
    uint32_t asset_id;
    uint64_t amount; /* L2 units */
} lm_withdrawal;

/* leaf = keccak256(abi.encode(uint64 id, address l2Sender, address
 * l1Recipient, uint32 assetId, uint64 amount)). */
void lm_withdrawal_leaf(uint8_t out[32], const lm_withdrawal *w);

#define LM_WTREE_MAX_DEPTH 32

/* Root of the withdrawal tree over leaves[0..n) (§4.3): padded with zero
 * leaves to the next power of two, node = keccak256(left ‖ right); the empty
 * tree's root is zero, one leaf's root is the leaf.
 * scratch must hold (n + 1) / 2 hashes (it may be NULL when n <= 1).
 * Returns: LM_OK, or LM_ETOOLARGE when n > 2^32. */
LM_MUST_CHECK lm_code lm_withdrawal_root(uint8_t root[32], const uint8_t (*leaves)[32], size_t n,
                                         uint8_t (*scratch)[32], lm_err *err);

/* The proof of leaves[index]: siblings leaf level first, *depth of them
 * (ceil(log2 n)); proof must hold LM_WTREE_MAX_DEPTH hashes; scratch as for
 * lm_withdrawal_root.
 * Returns: LM_OK; LM_EINVAL (index >= n); LM_ETOOLARGE (n > 2^32). */
LM_MUST_CHECK lm_code lm_withdrawal_proof(uint8_t (*proof)[32], size_t *depth,
                                          const uint8_t (*leaves)[32], size_t n, size_t index,
                                          uint8_t (*scratch)[32], lm_err *err);

/* Recomputes the root from a leaf, its index and a proof of the given depth.
 * Returns: true when it equals root (and index < 2^depth, depth <= 32). */
int lm_withdrawal_verify(const uint8_t root[32], const uint8_t leaf[32], uint64_t index,
                         const uint8_t (*proof)[32], size_t depth);

#define LM_OUTPUT_VERSION 0

/* The preimage of an output root (§4.4). */
typedef struct lm_output_preimage {
    uint8_t version;
    uint8_t state_root[32];
    uint8_t withdrawals_root[32];
    uint8_t last_block_hash[32];
} lm_output_preimage;

/* outputRoot = keccak256(version ‖ stateRoot ‖ withdrawalsRoot ‖ lastBlockHash). */
void lm_output_root(uint8_t out[32], const lm_output_preimage *o);

#endif
