/* The sequencer: orders transactions into L2 blocks and confirms them in
 * milliseconds, then settles them on L1.
 *
 * Threads:
 *   RPC      (lm_rpcd): decodes a submitted transaction, checks its chain id
 *            and its signature (the expensive part), and queues it in the
 *            mempool; its answer is deferred until the block is durable;
 *   builder  every block_interval_ms (or at once when max_block_txs wait):
 *            applies the pending L1 messages and the queued transactions with
 *            the STF over the state database, commits the block durably
 *            (LMDB, fsync), then answers each submitter with its soft
 *            confirmation {hash, block, position} or its rejection, and
 *            publishes the block to subscribers; every batch_max_blocks
 *            blocks or batch_interval_ms it closes a batch: state root,
 *            withdrawals root and output root, stored with the last block;
 *   L1       polls L1 for the Bridge's queued messages (deposits, forced
 *            transactions) and the L1 origin, confirmations deep;
 *   settler  (when a batcher and a proposer key are given) posts each closed
 *            batch to Rollup.appendBatch and its output root to
 *            Rollup.proposeOutput, resuming from what L1 already holds.
 *
 * docs/node.md describes the design; docs/node-api.md the JSON-RPC API. */
#ifndef LAMINA_SEQUENCER_H
#define LAMINA_SEQUENCER_H

#include <stdbool.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l1_lamina.h"
#include "lamina/secp256k1.h"

typedef struct lm_seq_config {
    const char *data_dir;         /* the state database (created when missing) */
    lm_deployment deployment;
    const char *l1_rpc_url;
    const char *rpc_host;         /* default 127.0.0.1 */
    uint16_t rpc_port;            /* 0: an ephemeral port (lm_seq_rpc_port) */
    uint32_t block_interval_ms;   /* default 100 */
    uint32_t max_block_txs;       /* default and most 512 (a batch must fit one L1 call) */
    uint32_t l1_poll_ms;          /* default 500 */
    uint64_t l1_confirmations;    /* L1 blocks on top before a message is used; default 1 */
    uint32_t batch_interval_ms;   /* close a batch after this long; default 2000 */
    uint32_t batch_max_blocks;    /* or after this many blocks; default and most 200 */
    uint64_t min_fee;             /* transactions paying less are refused (FEE_TOO_LOW); default 0 */
    bool settle;                  /* run the settler (needs both keys) */
    lm_seckey batcher_key;
    lm_seckey proposer_key;
} lm_seq_config;

/* Fills the defaults above (everything else zero). */
void lm_seq_config_default(lm_seq_config *c);

typedef struct lm_seq lm_seq;

/* Opens the state (creating the genesis block when the database is new),
 * starts the RPC server and the threads. The keys are copied and the
 * config's copies may be wiped after the call.
 * Returns: LM_OK and *out; or the first error (opening the database,
 * binding the port, reaching L1). */
LM_MUST_CHECK lm_code lm_seq_start(lm_seq **out, const lm_seq_config *config, lm_err *err);

/* The bound JSON-RPC port. */
int lm_seq_rpc_port(const lm_seq *s);

/* Counters, for /metrics and tests. */
typedef struct lm_seq_stats {
    uint64_t blocks;          /* committed since start */
    uint64_t txs_included;
    uint64_t txs_rejected;
    uint64_t l1_messages;     /* applied since start */
    uint64_t batches_closed;
    uint64_t batches_posted;  /* on L1, by this process */
    uint64_t outputs_proposed;
    uint64_t l1_gas_used;     /* by the settler's transactions */
    uint64_t l1_batch_bytes;  /* bytes of the batches posted */
    uint64_t txs_posted;      /* transactions in the batches posted */
    uint64_t block_us_sum;    /* building + durable commit, summed over blocks */
    uint64_t batch_post_ms_sum; /* from a batch's close to its receipt on L1, summed */
    uint64_t l1_scanned;      /* the L1 block the sequencer has read messages up to */
    uint64_t head;            /* the latest L2 block */
    uint64_t mempool;         /* transactions waiting */
} lm_seq_stats;

void lm_seq_get_stats(lm_seq *s, lm_seq_stats *out);

/* Stops every thread (the block in progress is finished or dropped, never
 * half-written), checkpoints the state tree and frees everything. */
void lm_seq_stop(lm_seq *s);

#endif
