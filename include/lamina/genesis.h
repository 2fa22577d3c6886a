/* The L2 genesis (docs/l2-protocol.md §8): block 0, shared by the sequencer
 * and every derivation node so that both start from the same state.
 *
 * Block 0: number 0, parent hash zero, L1 origin = the deployment block
 * (number and hash from the deployment file), timestamp = that L1 block's
 * timestamp, fee recipient 0, no messages, no transactions. It creates one
 * account, index 0, holding the deployment's batcher address with zero
 * balances: the default fee recipient. */
#ifndef LAMINA_GENESIS_H
#define LAMINA_GENESIS_H

#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l1_lamina.h"
#include "lamina/statedb.h"

/* Out: *h, the genesis header for deployment d whose deployment L1 block has
 * timestamp l1_timestamp. */
void lm_genesis_header(lm_block_header *h, const lm_deployment *d, uint64_t l1_timestamp);

/* Commits block 0 to an empty database (no head yet).
 * Out: *meta, the chain meta after genesis; root (may be NULL) the state root.
 * Returns: LM_OK; LM_EINVAL (the database already has blocks); the
 * database's errors. */
LM_MUST_CHECK lm_code lm_genesis_commit(lm_statedb *db, const lm_deployment *d,
                                        uint64_t l1_timestamp, lm_chain_meta *meta,
                                        lm_gl root[4], lm_err *err);

#endif
