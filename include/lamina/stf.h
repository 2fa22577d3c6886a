/* The state transition function (docs/l2-protocol.md; its API and rules in
 * §7 "The STF and its host interface").
 *
 * Freestanding: the STF uses only <stdint.h>, <stddef.h>, <stdbool.h> and
 * memcpy/memset/memcmp; it allocates nothing (the caller provides every
 * buffer), uses no floating point, clock or randomness, has no global
 * state, and every loop is bounded by a protocol limit. The same sources
 * compile natively into the node and to a RISC-V rv32im ELF
 * (scripts/check_freestanding.sh). It reaches the world only through
 * lm_stf_host: account reads and writes, the address -> index lookup and
 * signature recovery. Keccak-256 and Poseidon2 are linked directly.
 *
 * Failures are lm_stf_code values (lm_stf_code_message gives the text); no
 * lm_err, no printing. A rejected transaction or message changes nothing:
 * neither the host's accounts nor the context.
 *
 * Threading: a context is used by one thread at a time; contexts are
 * independent. */
#ifndef LAMINA_STF_H
#define LAMINA_STF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/goldilocks.h"
#include "lamina/l2.h"
#include "lamina/settlement.h"

#define LM_STF_MAX_ACCOUNTS ((uint64_t)1 << LM_ACCOUNT_TREE_DEPTH)

/* ---- the host interface ---------------------------------------------------- */

/* What the STF needs from its environment. Every callback gets ctx first.
 * The host keeps the accounts, indexed 0 .. meta.num_accounts - 1, and the
 * map from address to index. */
typedef struct lm_stf_host {
    void *ctx;
    /* Out: *out = the account at index (index < meta.num_accounts).
     * Returns: false only when the host fails (I/O): the STF then returns
     * LM_STF_HOST. */
    bool (*get_account)(void *ctx, uint64_t index, lm_account *out);
    /* Writes *acct at index: index < meta.num_accounts replaces an account
     * (same address), index == meta.num_accounts creates one, and the host
     * must then map acct->address to index for find_account. The STF
     * increments meta.num_accounts right after a successful create.
     * Returns: false when the host fails. */
    bool (*put_account)(void *ctx, uint64_t index, const lm_account *acct);
    /* Out: *found, and *index when found.
     * Returns: false when the host fails. */
    bool (*find_account)(void *ctx, const uint8_t address[20], bool *found, uint64_t *index);
    /* Ethereum's ecrecover: the address whose key signed digest with sig
     * (r ‖ s ‖ v, v 27/28).
     * Returns: false when no address can be recovered (invalid signature).
     * The STF has already checked 1 <= r < n and 1 <= s <= n/2. */
    bool (*ecrecover)(void *ctx, const uint8_t digest[32], const uint8_t sig[65],
                      uint8_t address_out[20]);
} lm_stf_host;

/* ---- the context ------------------------------------------------------------ */

/* The chain's fixed configuration. */
typedef struct lm_stf_config {
    uint64_t chain_id;            /* the L2 chain id (EIP-712 domain, tx chain_id) */
    uint8_t rollup[20];           /* the L1 Rollup contract (verifyingContract) */
    uint8_t domain_separator[32]; /* set by lm_stf_init */
} lm_stf_config;

/* Everything the STF carries between calls. Plain data, caller-owned; the
 * caller may read meta and the withdrawal list at any time between calls
 * (e.g. to compute the meta leaf or the withdrawals root) and reset
 * withdrawal_count to 0 when a batch ends. */
typedef struct lm_stf_ctx {
    lm_stf_config config;
    lm_chain_meta meta;
    const lm_stf_host *host;
    /* The current batch's withdrawals, in order: caller-provided memory of
     * withdrawal_cap entries (LM_MAX_WITHDRAWALS_PER_BATCH for a node; the
     * protocol limit applies whatever the capacity). */
    lm_withdrawal *withdrawals;
    size_t withdrawal_cap;
    size_t withdrawal_count;
} lm_stf_ctx;

/* Sets up *ctx: copies the config values, computes the EIP-712 Lamina
 * domain separator, copies *meta (the state's meta leaf values), starts an
 * empty withdrawal list. host, withdrawals must outlive the context. */
void lm_stf_init(lm_stf_ctx *ctx, uint64_t chain_id, const uint8_t rollup[20],
                 const lm_chain_meta *meta, const lm_stf_host *host, lm_withdrawal *withdrawals,
                 size_t withdrawal_cap);

/* ---- transactions ------------------------------------------------------------ */

/* Checks *tx against the current state without applying it, for the
 * mempool: the checks of docs/l2-protocol.md §4 in order, from MALFORMED
 * to INSUFFICIENT (the credit-side checks OVERFLOW, TOO_MANY_ACCOUNTS and
 * LIMIT depend on the block and are left to lm_stf_apply_tx).
 * Returns: LM_STF_OK or the first failing check; LM_STF_HOST. Writes
 * nothing. */
LM_MUST_CHECK lm_stf_code lm_stf_check_tx(const lm_stf_ctx *ctx, const lm_tx *tx);

/* Applies *tx, paying its fee to account fee_recipient.
 * Returns: LM_STF_OK, or the first failing check of §4, after which neither
 * the host's accounts nor *ctx have changed; LM_STF_BAD_BLOCK when
 * fee_recipient is not an existing account; LM_STF_HOST when the host fails
 * (state then undefined: discard it). */
LM_MUST_CHECK lm_stf_code lm_stf_apply_tx(lm_stf_ctx *ctx, const lm_tx *tx,
                                          uint64_t fee_recipient);

/* The wire form: lm_tx_decode (LM_STF_MALFORMED), then lm_stf_apply_tx. */
LM_MUST_CHECK lm_stf_code lm_stf_apply_tx_wire(lm_stf_ctx *ctx, const uint8_t *wire, size_t len,
                                               uint64_t fee_recipient);

/* ---- L1 -> L2 messages -------------------------------------------------------- */

/* A message of the Bridge's queue as the STF consumes it: for a forced
 * transaction, its l2Tx bytes (the message's tx_hash field is ignored: the
 * STF hashes tx[0..tx_len) itself, so the bytes are bound to the queue
 * hash). tx may be NULL for the other kinds. */
typedef struct lm_stf_message {
    lm_l1_message msg;
    const uint8_t *tx;
    size_t tx_len;
} lm_stf_message;

/* Consumes the next message of the queue (docs/l2-protocol.md §5): updates
 * meta.l1_queue_hash and meta.l1_messages_done, and applies it.
 * Out: *outcome (may be NULL): LM_STF_OK when the message took effect,
 * otherwise why it had none (forced withdrawal or forced transaction
 * rejected) or why a deposit was refunded (LM_STF_UNKNOWN_ASSET,
 * LM_STF_OVERFLOW, LM_STF_TOO_MANY_ACCOUNTS).
 * Returns: LM_STF_OK when the message was consumed (whatever *outcome);
 * LM_STF_BAD_MESSAGE (index != meta.l1_messages_done, unknown kind),
 * LM_STF_LIMIT (the batch's withdrawal list is full), LM_STF_BAD_BLOCK (a
 * forced transaction when fee_recipient does not exist), LM_STF_HOST: the
 * message was not consumed and nothing changed (but for LM_STF_HOST). */
LM_MUST_CHECK lm_stf_code lm_stf_apply_message(lm_stf_ctx *ctx, const lm_stf_message *m,
                                               uint64_t fee_recipient, lm_stf_code *outcome);

/* ---- blocks ------------------------------------------------------------------------ */

typedef enum lm_stf_stage {
    LM_STF_STAGE_HEADER = 0, /* the header disagrees with the contents */
    LM_STF_STAGE_MESSAGE,    /* msgs[index] */
    LM_STF_STAGE_TX,         /* txs[index] */
} lm_stf_stage;

typedef struct lm_stf_block_result {
    lm_stf_code code;   /* LM_STF_OK: the block is valid and applied */
    lm_stf_stage stage; /* where it failed (when code != LM_STF_OK) */
    uint32_t index;     /* which message or transaction */
} lm_stf_block_result;

/* Applies a block: its L1 messages msgs[0..n_msgs) (queue indices
 * meta.l1_messages_done .. header->l1_messages_upto - 1, so n_msgs must be
 * their count), then its transactions txs[0..n_txs).
 * Checks: n_txs == header->tx_count <= LM_MAX_TXS_PER_BLOCK, n_msgs <=
 * LM_MAX_MSGS_PER_BLOCK, header->tx_root over the transactions' hashes,
 * header->fee_recipient exists when the first message or transaction
 * needs it. A block whose transaction is rejected is an invalid block:
 * sequencers include only valid transactions, and derivation must reject
 * the block (docs/l2-protocol.md §6).
 * Out: msg_outcomes[0..n_msgs) (may be NULL): each message's outcome as
 * lm_stf_apply_message gives it.
 * Returns: the result; on failure *ctx (meta and withdrawal list) is as
 * before the call, but the host has seen the block's writes up to the
 * failure: the caller discards them (the state layer aborts its write
 * transaction; the test host restores a copy). */
LM_MUST_CHECK lm_stf_block_result lm_stf_apply_block(lm_stf_ctx *ctx,
                                                     const lm_block_header *header,
                                                     const lm_stf_message *msgs, size_t n_msgs,
                                                     const lm_tx *txs, size_t n_txs,
                                                     lm_stf_code *msg_outcomes);

/* ---- the nonce window ------------------------------------------------------------- */

/* Returns: LM_STF_OK when nonce is usable by *acct, else LM_STF_NONCE_USED
 * or LM_STF_NONCE_TOO_HIGH (docs/l2-protocol.md §2). */
LM_MUST_CHECK lm_stf_code lm_nonce_check(const lm_account *acct, uint64_t nonce);

/* Marks a usable nonce (lm_nonce_check gave LM_STF_OK) as used and slides
 * the window. */
void lm_nonce_use(lm_account *acct, uint64_t nonce);

/* ---- the state tree's leaves (docs/l2-protocol.md §3) --------------------------- */

/* The Poseidon2 account leaf: H over 23 elements. */
void lm_account_leaf(lm_gl out[4], const lm_account *acct);

/* The 23 elements the account leaf hashes (for callers that hash many
 * leaves at once: lm_poseidon2_hash_many of them is lm_account_leaf). */
#define LM_ACCOUNT_LEAF_ELEMENTS 23
void lm_account_leaf_elements(lm_gl e[LM_ACCOUNT_LEAF_ELEMENTS], const lm_account *acct);

/* The Poseidon2 meta leaf: H over 16 elements. */
void lm_meta_leaf(lm_gl out[4], const lm_chain_meta *meta);

/* state_root = C(C(accounts_root, meta_leaf), C(Z0, Z0)). out may alias
 * an input. */
void lm_state_root(lm_gl out[4], const lm_gl accounts_root[4], const lm_gl meta_leaf[4]);

/* The 32 bytes of a root for L1: 4 × 8 bytes big-endian, element 0 first. */
void lm_state_root_bytes(uint8_t out[32], const lm_gl root[4]);

#endif
