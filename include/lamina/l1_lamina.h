/* Bindings for Lamina's L1 contracts (contracts/src: Rollup, Bridge, and the
 * devnet-only DevToken): deployment, the deployment file, the calls the node
 * and wallets make, and the events derivation reads. Calls go through an
 * lm_l1_signer (src/l1/tx.c) and wait for their receipt; a reverted call is
 * an error (LM_ERPC, "reverted"). See docs/contracts.md for the contracts and
 * docs/deployment.md for the deployment file. */
#ifndef LAMINA_L1_LAMINA_H
#define LAMINA_L1_LAMINA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l1_rpc.h"
#include "lamina/l1_tx.h"
#include "lamina/settlement.h"
#include "lamina/u256.h"

/* Creation bytecode embedded at build time (scripts/gen_contracts.js). */
typedef struct lm_bytecode {
    const uint8_t *code;
    size_t len;
} lm_bytecode;

extern const lm_bytecode lm_code_rollup;
extern const lm_bytecode lm_code_bridge;
extern const lm_bytecode lm_code_dev_token;

/* The custom errors of the contracts, for naming reverts. */
typedef struct lm_contract_error {
    uint8_t selector[4];
    const char *signature; /* e.g. "OutputNotFinalized(uint256)" */
} lm_contract_error;

extern const lm_contract_error lm_contract_errors[];
extern const size_t lm_contract_errors_len;

/* Names a revert: "Name(types) args 0x…" for a known custom error of the
 * contracts, Error(string)'s text, or the raw data.
 * In: data[0..len) the revert data. Out: text (NUL-terminated, truncated to cap). */
void lm_describe_revert(char *text, size_t cap, const uint8_t *data, size_t len);

typedef enum lm_rollup_mode {
    LM_MODE_OPTIMISTIC = 0,
    LM_MODE_ZK = 1,
    LM_MODE_VALIDIUM = 2,
} lm_rollup_mode;

/* Rollup.Config (docs/contracts.md §3). */
typedef struct lm_rollup_config {
    lm_rollup_mode mode;
    uint64_t l2_chain_id;
    uint8_t genesis_output_root[32];
    uint64_t sequencing_window; /* L1 blocks */
    uint64_t challenge_window;  /* seconds */
    lm_u256 proposal_bond;      /* wei, fits 96 bits */
    uint64_t batcher_timeout;   /* seconds */
    uint64_t proposer_timeout;  /* seconds */
} lm_rollup_config;

/* Devnet defaults: optimistic, L2 chain id 42069, window 32 L1 blocks,
 * challenge 4 s, bond 0.01 ETH, timeouts 1 day. */
void lm_rollup_config_devnet(lm_rollup_config *c);

/* Everything a node, a wallet or a tool needs to find a deployment. */
typedef struct lm_deployment {
    uint64_t l1_chain_id;
    lm_rollup_config config;
    uint8_t admin[20];
    uint8_t batcher[20];
    uint8_t proposer[20];
    uint8_t rollup[20];
    uint8_t bridge[20];
    bool has_dev_token;
    uint8_t dev_token[20];
    uint32_t dev_token_asset_id;
    uint64_t dev_token_unit; /* smallest units per L2 unit */
    uint64_t deploy_block;   /* the L1 block of the Rollup's creation */
    uint8_t deploy_block_hash[32];
} lm_deployment;

typedef struct lm_deploy_opts {
    lm_rollup_config config;
    const uint8_t *batcher;  /* 20 bytes; NULL: the deployer */
    const uint8_t *proposer; /* 20 bytes; NULL: the deployer */
    bool dev_token;          /* also deploy DevToken and register it */
} lm_deploy_opts;

/* Deploys Rollup, then Bridge, (and DevToken, registered on the Bridge with
 * a unit of 1: 6 decimals), the signer being admin.
 * Out: *out on LM_OK.
 * Returns: LM_OK, or the first error (the message names the step). */
LM_MUST_CHECK lm_code lm_lamina_deploy(lm_l1_signer *s, const lm_deploy_opts *o,
                                       lm_deployment *out, lm_err *err);

/* Writes the deployment as JSON (docs/deployment.md), atomically (temp file
 * and rename). Returns: LM_OK or LM_EIO. */
LM_MUST_CHECK lm_code lm_deployment_save(const lm_deployment *d, const char *path, lm_err *err);

/* Reads a deployment file. Returns: LM_OK, LM_EIO, or LM_EINVAL naming the
 * bad or missing field. */
LM_MUST_CHECK lm_code lm_deployment_load(lm_deployment *d, const char *path, lm_err *err);

/* ---- transactions (each waits for its receipt; receipt may be NULL) ---- */

/* Bridge.depositETH(l2Recipient) with value wei. */
LM_MUST_CHECK lm_code lm_bridge_deposit_eth(lm_l1_signer *s, const lm_deployment *d,
                                            const uint8_t l2_recipient[20], const lm_u256 *wei,
                                            lm_l1_receipt *receipt, lm_err *err);

/* ERC-20 approve(bridge, amount), then Bridge.depositERC20(token, amount, l2Recipient). */
LM_MUST_CHECK lm_code lm_bridge_deposit_erc20(lm_l1_signer *s, const lm_deployment *d,
                                              const uint8_t token[20], const lm_u256 *amount,
                                              const uint8_t l2_recipient[20],
                                              lm_l1_receipt *receipt, lm_err *err);

/* Bridge.forceWithdrawal(assetId, amount, l1Recipient): the signer's L2
 * account asks, through L1, to withdraw. */
LM_MUST_CHECK lm_code lm_bridge_force_withdrawal(lm_l1_signer *s, const lm_deployment *d,
                                                 uint32_t asset_id, uint64_t amount,
                                                 const uint8_t l1_recipient[20],
                                                 lm_l1_receipt *receipt, lm_err *err);

/* Bridge.forceTransaction(l2Tx): queues a signed L2 transaction (its wire
 * form) that L2 must include within the sequencing window. */
LM_MUST_CHECK lm_code lm_bridge_force_transaction(lm_l1_signer *s, const lm_deployment *d,
                                                  const uint8_t *l2tx, size_t len,
                                                  lm_l1_receipt *receipt, lm_err *err);

/* Bridge.finalizeWithdrawal(outputIndex, preimage, withdrawal, leafIndex, proof). */
LM_MUST_CHECK lm_code lm_bridge_finalize_withdrawal(lm_l1_signer *s, const lm_deployment *d,
                                                    uint64_t output_index,
                                                    const lm_output_preimage *o,
                                                    const lm_withdrawal *w, uint64_t leaf_index,
                                                    const uint8_t (*proof)[32], size_t depth,
                                                    lm_l1_receipt *receipt, lm_err *err);

/* Rollup.appendBatch(data). */
LM_MUST_CHECK lm_code lm_rollup_append_batch(lm_l1_signer *s, const lm_deployment *d,
                                             const uint8_t *data, size_t len,
                                             lm_l1_receipt *receipt, lm_err *err);

/* Rollup.proposeOutput(batchIndex, root, l2BlockNumber) with the bond the
 * Rollup asks now (read with proposalBond()). */
LM_MUST_CHECK lm_code lm_rollup_propose_output(lm_l1_signer *s, const lm_deployment *d,
                                               uint64_t batch_index, const uint8_t root[32],
                                               uint64_t l2_block, lm_l1_receipt *receipt,
                                               lm_err *err);

/* Rollup.finalizeOutput(index): returns the bond after the window. */
LM_MUST_CHECK lm_code lm_rollup_finalize_output(lm_l1_signer *s, const lm_deployment *d,
                                                uint64_t index, lm_l1_receipt *receipt,
                                                lm_err *err);

/* DevToken.mint(to, amount) (devnet faucet). */
LM_MUST_CHECK lm_code lm_dev_token_mint(lm_l1_signer *s, const lm_deployment *d,
                                        const uint8_t to[20], const lm_u256 *amount,
                                        lm_l1_receipt *receipt, lm_err *err);

/* ---- views (eth_call at "latest") ---- */

LM_MUST_CHECK lm_code lm_rollup_is_finalized(lm_rpc *rpc, const lm_deployment *d, uint64_t index,
                                             bool *out, lm_err *err);
LM_MUST_CHECK lm_code lm_rollup_batch_count(lm_rpc *rpc, const lm_deployment *d, uint64_t *out,
                                            lm_err *err);
LM_MUST_CHECK lm_code lm_bridge_message_count(lm_rpc *rpc, const lm_deployment *d, uint64_t *out,
                                              lm_err *err);
/* ERC-20 balanceOf(owner). */
LM_MUST_CHECK lm_code lm_erc20_balance(lm_rpc *rpc, const uint8_t token[20],
                                       const uint8_t owner[20], lm_u256 *out, lm_err *err);

/* ---- the Bridge's assets and the ERC-20 reads of a wallet ---- */

/* Bridge.assetCount(): the registered assets, ETH included; ids are
 * 0 .. *out - 1 (docs/contracts.md). Returns: LM_OK or an RPC error. */
LM_MUST_CHECK lm_code lm_bridge_asset_count(lm_rpc *rpc, const lm_deployment *d, uint64_t *out,
                                            lm_err *err);

/* Bridge.asset(id): the asset's token (all zero for ETH, asset 0) and its
 * unit, token base units per L2 unit (1 .. 2^96 - 1).
 * Out: token[0..20), *unit, on LM_OK only.
 * Returns: LM_OK; LM_ENOTFOUND (the Bridge reverts UnknownAsset: id >=
 * assetCount()); LM_EPROTO (an answer that is not (address,uint96), or a
 * unit of 0); an RPC error. */
LM_MUST_CHECK lm_code lm_bridge_asset(lm_rpc *rpc, const lm_deployment *d, uint32_t id,
                                      uint8_t token[20], lm_u256 *unit, lm_err *err);

/* Bridge.assetIdOf(token).
 * Out: *id on LM_OK.
 * Returns: LM_OK; LM_ENOTFOUND (the Bridge reverts UnregisteredToken);
 * LM_EPROTO (not a uint32); an RPC error. */
LM_MUST_CHECK lm_code lm_bridge_asset_id_of(lm_rpc *rpc, const lm_deployment *d,
                                            const uint8_t token[20], uint32_t *id, lm_err *err);

/* Bridge.totalDeposited(id) and Bridge.totalWithdrawn(id): everything ever
 * deposited and paid out of asset id, in token base units (wei for ETH);
 * divide by the unit for L2 units (both are whole multiples of it).
 * Out: *deposited, *withdrawn on LM_OK only.
 * Returns: LM_OK; LM_ENOTFOUND (UnknownAsset); an RPC error. */
LM_MUST_CHECK lm_code lm_bridge_asset_totals(lm_rpc *rpc, const lm_deployment *d, uint32_t id,
                                             lm_u256 *deposited, lm_u256 *withdrawn, lm_err *err);

/* ERC-20 decimals() (an optional method of EIP-20).
 * Out: *out (0..255) on LM_OK.
 * Returns: LM_OK; LM_EPROTO (no answer — e.g. no such method, or no code —
 * or a value above 255); LM_ERPC (reverted); another RPC error. */
LM_MUST_CHECK lm_code lm_erc20_decimals(lm_rpc *rpc, const uint8_t token[20], unsigned *out,
                                        lm_err *err);

/* Longest symbol kept, in bytes (UTF-8). */
#define LM_ERC20_SYMBOL_MAX 64

/* Decodes the return data of ERC-20 symbol(): the ABI `string` of EIP-20
 * (64 bytes or more; decoded as Solidity's abi.decode accepts, trailing
 * bytes allowed), or the `bytes32` of older tokens such as MKR (exactly 32
 * bytes; the text ends at the first NUL). The text must be 1 ..
 * LM_ERC20_SYMBOL_MAX bytes of valid UTF-8 without control characters
 * (C0, DEL, C1) or bidirectional overrides (U+202A..U+202E,
 * U+2066..U+2069), so that it is safe to print.
 * Out: out[0..LM_ERC20_SYMBOL_MAX], NUL-terminated, on LM_OK only.
 * In: ret[0..len) the return data.
 * Returns: LM_OK; LM_EPROTO (neither form); LM_ETOOLARGE (too long);
 * LM_EINVAL (empty, invalid UTF-8 or an unprintable character). */
LM_MUST_CHECK lm_code lm_erc20_symbol_decode(char out[LM_ERC20_SYMBOL_MAX + 1], const uint8_t *ret,
                                             size_t len, lm_err *err);

/* ERC-20 symbol() (optional in EIP-20), decoded by lm_erc20_symbol_decode.
 * Callers show the token's address when this fails: a token need not have
 * a symbol, and a symbol is not unique (never resolve a token by it).
 * Out: out (NUL-terminated) on LM_OK only.
 * Returns: LM_OK; LM_ERPC (reverted, or no such method); the codes of
 * lm_erc20_symbol_decode; another RPC error. */
LM_MUST_CHECK lm_code lm_erc20_symbol(lm_rpc *rpc, const uint8_t token[20],
                                      char out[LM_ERC20_SYMBOL_MAX + 1], lm_err *err);

/* Bridge.registerToken(token, unit) from the signer, which needs the
 * Bridge's TOKEN_ADMIN_ROLE; waits for the receipt. The new id is read from
 * the receipt's AssetRegistered(assetId, token, unit) log of the Bridge,
 * else from assetIdOf(token).
 * Out: *asset_id; *receipt (may be NULL; free it with lm_l1_receipt_free).
 * Returns: LM_OK; LM_EINVAL (unit 0 or above 2^96 - 1: nothing is sent);
 * LM_ERPC (reverted: the message names the Bridge's error, e.g.
 * AccessControlUnauthorizedAccount, TokenAlreadyRegistered, NotAContract);
 * another RPC error. */
LM_MUST_CHECK lm_code lm_bridge_register_token(lm_l1_signer *s, const lm_deployment *d,
                                               const uint8_t token[20], const lm_u256 *unit,
                                               uint32_t *asset_id, lm_l1_receipt *receipt,
                                               lm_err *err);

/* Deploys the devnet-only DevToken(name, symbol, decimals) (anyone mints:
 * never on a public network). For tests and devnets that want more tokens
 * than the deployment's own.
 * Out: addr[0..20) on LM_OK. */
LM_MUST_CHECK lm_code lm_dev_token_deploy(lm_l1_signer *s, const char *name, const char *symbol,
                                          unsigned decimals, uint8_t addr[20], lm_err *err);

/* DevToken(token).mint(to, amount). */
LM_MUST_CHECK lm_code lm_dev_token_mint_at(lm_l1_signer *s, const uint8_t token[20],
                                           const uint8_t to[20], const lm_u256 *amount,
                                           lm_l1_receipt *receipt, lm_err *err);

/* ---- events ---- */

/* Topic 0 of each event Lamina reads (keccak of the event signature). */
void lm_topic_deposit(uint8_t out[32]);
void lm_topic_forced_withdrawal(uint8_t out[32]);
void lm_topic_forced_transaction(uint8_t out[32]);
void lm_topic_batch_appended(uint8_t out[32]);
void lm_topic_output_proposed(uint8_t out[32]);
void lm_topic_asset_registered(uint8_t out[32]);

/* Bridge.MAX_FORCED_TX_BYTES: the longest l2Tx a forced transaction carries. */
#define LM_FORCED_TX_MAX 2048

/* A queued L1 -> L2 message as its event tells it, with where it was seen. */
typedef struct lm_queued_message {
    lm_l1_message msg;
    uint8_t l2tx[LM_FORCED_TX_MAX]; /* forced transactions: the l2Tx bytes */
    uint16_t l2tx_len;
    uint8_t queue_hash[32];
    uint64_t block_number;
    uint8_t block_hash[32];
    uint8_t tx_hash[32];
    uint64_t log_index;
} lm_queued_message;

/* Decodes a Deposit, ForcedWithdrawal or ForcedTransaction log (the latter
 * with its l2Tx bytes and their hash). Checks the message hash against the event's queue
 * hash chain is the caller's job (lm_queue_hash).
 * Returns: LM_OK; LM_EINVAL (not one of these events, or malformed data). */
LM_MUST_CHECK lm_code lm_decode_message_log(lm_queued_message *out, const lm_l1_log *log,
                                            lm_err *err);

typedef struct lm_batch_event {
    uint64_t index;
    uint8_t hash[32];
    uint64_t l1_block;
    uint8_t tx_hash[32];
    uint8_t block_hash[32];
} lm_batch_event;

LM_MUST_CHECK lm_code lm_decode_batch_log(lm_batch_event *out, const lm_l1_log *log, lm_err *err);

typedef struct lm_output_event {
    uint64_t index;
    uint8_t output_root[32];
    uint8_t proposer[20];
    uint64_t l2_block;
    lm_u256 bond;
    uint64_t finalizes_at;
} lm_output_event;

LM_MUST_CHECK lm_code lm_decode_output_log(lm_output_event *out, const lm_l1_log *log, lm_err *err);

/* The logs of contract addr in the inclusive L1 block range whose topic 0
 * is any of topics[0..n_topics), appended to *logs (paged by lm_rpc_get_logs). */
LM_MUST_CHECK lm_code lm_lamina_fetch_logs(lm_rpc *rpc, lm_l1_logs *logs, const uint8_t addr[20],
                                           uint64_t from, uint64_t to,
                                           const uint8_t (*topics)[32], size_t n_topics,
                                           lm_err *err);

/* Queued messages (deposits, forced withdrawals, forced transactions) in the
 * inclusive L1 block range, in queue order.
 * Out: *out (malloc'ed, free()) and *n.
 * Returns: LM_OK or an RPC/decoding error. */
LM_MUST_CHECK lm_code lm_lamina_get_messages(lm_rpc *rpc, const lm_deployment *d, uint64_t from,
                                             uint64_t to, lm_queued_message **out, size_t *n,
                                             lm_err *err);

/* Batches appended in the inclusive L1 block range, in order. The batch
 * bytes themselves: lm_lamina_get_batch_data. */
LM_MUST_CHECK lm_code lm_lamina_get_batches(lm_rpc *rpc, const lm_deployment *d, uint64_t from,
                                            uint64_t to, lm_batch_event **out, size_t *n,
                                            lm_err *err);

/* Reads a batch's bytes from the calldata of the transaction that appended
 * it and checks them against the recorded hash.
 * Out: *data (malloc'ed, free()) and *len.
 * Returns: LM_OK; LM_EPROTO (not an appendBatch call, or hash mismatch). */
LM_MUST_CHECK lm_code lm_lamina_get_batch_data(lm_rpc *rpc, const lm_batch_event *b,
                                               uint8_t **data, size_t *len, lm_err *err);

#endif
