/* The L2 genesis: block 0 and the state before any batch, the same for the
 * sequencer and every follower (docs/l2-protocol.md §8.1, docs/derivation.md).
 *
 *   L2 block 0 = { number 0, parent_hash 0, l1_origin = (deployment block,
 *                  its hash), timestamp = that L1 block's timestamp,
 *                  fee_recipient 0, l1_messages_upto 0, no transactions }
 *   state      = one account, index 0: the deployment's batcher address,
 *                nonce 0, zero balances (the default fee recipient);
 *                meta { num_accounts 1, everything else 0 }
 *
 * Block 0 is not posted in any batch: every node builds it from the
 * deployment file and the L1 timestamp of the deployment block. */
#ifndef LAMINA_GENESIS_H
#define LAMINA_GENESIS_H

#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/l1_lamina.h"
#include "lamina/l1_rpc.h"
#include "lamina/l2.h"
#include "lamina/statedb.h"

/* Out: *h, the genesis header for deployment d whose deployment L1 block
 * has timestamp l1_timestamp. */
void lm_genesis_header(lm_block_header *h, const lm_deployment *d, uint64_t l1_timestamp);

/* Out: *a, account 0 at genesis (d->batcher, zero nonce and balances). */
void lm_genesis_account(lm_account *a, const lm_deployment *d);

/* Reads the L1 timestamp of the deployment block and checks that block's
 * hash against d->deploy_block_hash (another chain, or the deployment
 * reorged away, is LM_EPROTO).
 * Out: *l1_timestamp. Returns: LM_OK, LM_EPROTO, an RPC error. */
LM_MUST_CHECK lm_code lm_genesis_l1_timestamp(lm_rpc *rpc, const lm_deployment *d,
                                              uint64_t *l1_timestamp, lm_err *err);

/* Writes the genesis into db as block 0 when db is empty; when db already
 * holds blocks, checks that its block 0 is this genesis (LM_EINVAL if not)
 * and writes nothing.
 * Out: header (may be NULL) the genesis header; hash (may be NULL) its
 * block hash; root (may be NULL) the genesis state root.
 * Returns: LM_OK, LM_EINVAL (a block is open, or db holds another chain),
 * the state layer's errors. */
LM_MUST_CHECK lm_code lm_genesis_init(lm_statedb *db, const lm_deployment *d,
                                      uint64_t l1_timestamp, lm_block_header *header,
                                      uint8_t hash[32], lm_gl root[4], lm_err *err);

/* The output root "after" genesis: lm_output_root{0, state root bytes,
 * withdrawals root 0, genesis block hash}. Informative only: the Rollup's
 * genesisOutputRoot is a deployment parameter (0 on devnets). */
void lm_genesis_output_root(uint8_t out[32], const lm_gl state_root[4],
                            const uint8_t genesis_hash[32]);

#endif
