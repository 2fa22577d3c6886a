/* The L2 protocol's types: accounts, transactions, block headers and the
 * STF's rejection codes, shared by the codecs (src/codec/l2tx.c, batch.c),
 * the state transition function (src/stf, freestanding), the state layer
 * (src/state) and the node. docs/l2-protocol.md specifies every rule and
 * encoding here. Header-only types: no function here needs linking but
 * lm_stf_code_message (src/codec/l2tx.c).
 *
 * Amounts are uint64 L2 units of a Bridge asset (docs/contracts.md §1): ETH
 * is asset 0 in gwei. All arithmetic on amounts is checked. */
#ifndef LAMINA_L2_H
#define LAMINA_L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits --------------------------------------------------------------- */

#define LM_MAX_ASSETS 8             /* balances per account: asset ids 0..7 */
#define LM_ACCOUNT_TREE_DEPTH 32    /* up to 2^32 accounts */
#define LM_NONCE_WINDOW 64          /* nonces usable ahead of the base */
#define LM_MAX_TXS_PER_BLOCK 4096
#define LM_MAX_MSGS_PER_BLOCK 1024  /* L1 -> L2 messages applied by one block */
#define LM_MAX_WITHDRAWALS_PER_BATCH 65536

/* ---- accounts ------------------------------------------------------------- */

/* One account. An account exists once it was first credited (a deposit or a
 * transfer to its address); it then has the next free index for ever.
 * Nonces: nonce n is usable when nonce_base <= n < nonce_base + 64 and bit
 * (n - nonce_base) of nonce_bits is clear; using it sets the bit, then the
 * base slides past every set low bit, so bit 0 is always clear at rest. A
 * client may thus sign up to 64 transactions concurrently and have them
 * included in any order; nonces below the base are spent. */
typedef struct lm_account {
    uint8_t address[20];
    uint64_t nonce_base;
    uint64_t nonce_bits;
    uint64_t balance[LM_MAX_ASSETS];
} lm_account;

/* Chain-wide counters committed in the state root (the "meta" leaf). */
typedef struct lm_chain_meta {
    uint64_t num_accounts;       /* next account index */
    uint64_t next_withdrawal_id; /* withdrawal ids are unique per chain */
    uint64_t l1_messages_done;   /* the next L1 -> L2 queue index to apply */
    uint64_t num_assets;         /* assets seen on L2: 1 + the highest asset id deposited */
    uint8_t l1_queue_hash[32];   /* Bridge queueHash after the last applied message */
} lm_chain_meta;

/* ---- transactions --------------------------------------------------------- */

typedef enum lm_tx_type {
    LM_TX_TRANSFER = 1, /* L2 -> L2 */
    LM_TX_WITHDRAW = 2, /* L2 -> L1: adds a leaf to the batch's withdrawal tree */
} lm_tx_type;

/* A signed L2 transaction as wallets sign it: EIP-712 typed data under the
 * Lamina domain {name "Lamina", version "1", chainId, verifyingContract =
 * the Rollup}, primary type
 *   Transfer(address from,address to,uint32 asset,uint64 amount,uint64 fee,uint64 nonce)
 *   Withdraw(address from,address to,uint32 asset,uint64 amount,uint64 fee,uint64 nonce)
 * (for Withdraw, `to` is the L1 recipient); `fee` is paid in `asset` to the
 * block's fee recipient. sig is r ‖ s ‖ v (v = 27/28, low s). */
typedef struct lm_tx {
    lm_tx_type type;
    uint64_t chain_id;
    uint8_t from[20];
    uint8_t to[20];
    uint32_t asset;
    uint64_t amount;
    uint64_t fee;
    uint64_t nonce;
    uint8_t sig[65];
} lm_tx;

/* The wire form of a signed transaction (JSON-RPC, forced transactions from
 * L1): 143 bytes, big-endian integers:
 *   version 0x01 ‖ type ‖ chain_id u64 ‖ from[20] ‖ to[20] ‖ asset u32 ‖
 *   amount u64 ‖ fee u64 ‖ nonce u64 ‖ sig[65] */
#define LM_TX_WIRE_VERSION 0x01
#define LM_TX_WIRE_LEN 143

/* ---- L1 -> L2 messages ---------------------------------------------------- */
/* lm_l1_message (include/lamina/settlement.h) is the queue entry; forced
 * transactions carry their wire bytes alongside. */

/* ---- blocks ---------------------------------------------------------------- */

/* An L2 block header. The block applies, in order: the L1 -> L2 messages
 * with queue index in [meta.l1_messages_done, l1_messages_upto), then txs.
 * Its hash is keccak256 of its encoding (docs/l2-protocol.md). */
typedef struct lm_block_header {
    uint64_t number;
    uint8_t parent_hash[32];
    uint64_t l1_origin_number; /* the L1 block this block was built on */
    uint8_t l1_origin_hash[32];
    uint64_t timestamp;        /* seconds; >= parent's and >= the L1 origin's */
    uint32_t fee_recipient;    /* account index that receives fees */
    uint64_t l1_messages_upto; /* queue index after this block's messages */
    uint32_t tx_count;
    uint8_t tx_root[32];       /* keccak256 over the txs' hashes, in order */
} lm_block_header;

/* ---- errors ---------------------------------------------------------------- */

/* Why the STF rejected a transaction: each its own code and message. A
 * rejected transaction has no effect on the state. */
typedef enum lm_stf_code {
    LM_STF_OK = 0,
    LM_STF_MALFORMED,        /* bad wire encoding, unknown type or version */
    LM_STF_WRONG_CHAIN,      /* chain_id is not this chain's */
    LM_STF_BAD_SIGNATURE,    /* not a valid signature by `from` over this tx */
    LM_STF_UNKNOWN_SENDER,   /* `from` has no account */
    LM_STF_NONCE_USED,       /* replayed, or below the nonce window */
    LM_STF_NONCE_TOO_HIGH,   /* at or beyond nonce_base + 64 */
    LM_STF_UNKNOWN_ASSET,    /* asset id not (yet) on L2 */
    LM_STF_ZERO_AMOUNT,      /* amount is zero */
    LM_STF_INSUFFICIENT,     /* balance < amount + fee */
    LM_STF_OVERFLOW,         /* a sum does not fit 64 bits */
    LM_STF_TOO_MANY_ACCOUNTS,/* the account tree is full */
    LM_STF_LIMIT,            /* a per-block or per-batch limit is reached */
    LM_STF_HOST,             /* the host failed (I/O): not the tx's fault */
    LM_STF_BAD_MESSAGE,      /* an L1 message out of queue order or of unknown kind */
    LM_STF_BAD_BLOCK,        /* a header field disagrees with the block's contents */
    LM_STF_CODE_COUNT
} lm_stf_code;

/* Returns: a static message for code, e.g. "insufficient balance". */
const char *lm_stf_code_message(lm_stf_code code);

/* Returns: the code's name as the API reports it, e.g. "INSUFFICIENT". */
const char *lm_stf_code_name(lm_stf_code code);

#endif
