/* The sequencer's private state, shared by its source files. */
#ifndef LAMINA_SEQ_INTERNAL_H
#define LAMINA_SEQ_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "lamina/mempool.h"
#include "lamina/rpc_server.h"
#include "lamina/sequencer.h"
#include "lamina/settlement.h"
#include "lamina/statedb.h"
#include "lamina/stf.h"

/* A closed batch, as the settler needs it. Kept in memory and, with its
 * withdrawals, in the store (keys "seq.batch.<n>", "seq.wd.<id>"), written in
 * the same transaction as the batch's last block. */
typedef struct seq_batch {
    uint64_t number;        /* local batch number = the Rollup batch index */
    uint64_t first_block, last_block;
    uint64_t start_accounts; /* meta.num_accounts before the first block */
    uint64_t first_withdrawal_id;
    uint32_t withdrawal_count;
    lm_output_preimage output;
    uint8_t output_root[32];
    uint64_t tx_count; /* counted when encoded (not stored) */
    struct timespec closed_at; /* in this process (zero after a restart) */
} seq_batch;

/* Batch sizing: a batch closes once it holds SEQ_BATCH_TXS transactions,
 * and a block takes no more than the open batch's room. The bound holds
 * without compression (docs/batch-format.md): a transaction takes at most
 * 150 payload bytes (kind 1, two new table addresses 2 x 20, two references
 * 2 x 5, asset 5, amount, fee and nonce 3 x 10, r and s 64), a block header
 * at most 71 (flags 1, four varints 4 x 10 less the fee recipient's 5,
 * origin hash 32, tx count 3) and a batch at most 200 blocks, so
 * 768 x 150 + 200 x 71 + 64 (payload head, zstd frame) = 129,464 bytes
 * <= LM_BATCH_L1_MAX_BYTES (131,072). */
#define SEQ_BATCH_TXS 768
#define SEQ_BATCH_MAX_BLOCKS 200
#define SEQ_MAX_VERIFIERS 8
#define SEQ_VERIFY_QUEUE 16384
#define SEQ_VERIFY_CHUNK 16 /* a verifier takes at most this many per lock */
#define SEQ_MAX_BLOCK_TXS 512

#define SEQ_BATCH_REC_LEN (8 * 5 + 4 + 1 + 32 * 3 + 32)

struct lm_seq {
    lm_seq_config cfg;
    lm_statedb *db;
    lm_rpcd *rpcd;
    lm_mempool pool;
    lm_stf_ctx stf;
    lm_stf_host host;        /* statedb's host, with pre-verified signatures */
    const lm_stf_host *db_host;
    lm_withdrawal *withdrawals; /* the open batch's, LM_MAX_WITHDRAWALS_PER_BATCH */
    uint8_t pre_digest[32];  /* a signature the RPC thread already verified */
    uint8_t pre_from[20];
    bool pre_valid;

    atomic_bool stop;
    pthread_t builder, l1_thread, settler;
    bool builder_started, l1_started, settler_started;

    /* admission: transactions whose signature is still to be checked, and
     * the threads that check them (recovery is the costly part) */
    pthread_mutex_t vmu;
    pthread_cond_t vcv;
    struct seq_pending_tx {
        lm_tx tx;
        uint64_t token;
    } *vq;
    size_t vq_head, vq_len, vq_cap;
    pthread_t verifiers[SEQ_MAX_VERIFIERS];
    unsigned n_verifiers;
    unsigned vq_share; /* verifiers to share a burst with; set before they start */

    /* the head, for the builder (and, under mu, for readers) */
    pthread_mutex_t mu;
    lm_block_header head;
    uint8_t head_hash[32];
    bool has_head;

    /* L1: the origin and the queued messages not yet applied (under mu) */
    uint64_t l1_scanned;      /* highest L1 block scanned for messages */
    bool l1_known;
    lm_l1_header l1_origin;
    lm_queued_message *pending; /* queue order */
    size_t pending_len, pending_cap;

    /* the open batch */
    uint64_t batch_number;     /* the next batch's number */
    uint64_t batch_first_block;
    uint64_t batch_start_accounts;
    uint64_t batch_first_withdrawal;
    uint64_t batch_blocks;
    uint64_t batch_txs;
    struct timespec batch_started;

    /* closed batches waiting to be settled (under mu) */
    seq_batch *closed;
    size_t closed_len, closed_cap;
    uint64_t *l1_index;    /* local batch -> its L1 batch index, UINT64_MAX unknown (under mu) */
    size_t l1_index_cap;
    pthread_cond_t settle_cv;

    lm_seq_stats stats; /* under mu */
    lm_rpc l1;          /* the L1 thread's client */
};

/* seq_rpc.c */
/* The signature-checking threads: start n of them, or stop them all. */
lm_code seq_verifiers_start(lm_seq *s, unsigned n, lm_err *err);
void seq_verifiers_stop(lm_seq *s);
/* The JSON-RPC error data of a rejection: {reason, code}. */
json_t *seq_stf_error_data(lm_stf_code c);
lm_code seq_rpc_register(lm_seq *s, lm_err *err);
void seq_publish_block(lm_seq *s, const lm_block_header *h, const uint8_t hash[32]);
/* The accounts a block changed, to their subscribers, through one read view. */
void seq_publish_accounts(lm_seq *s, const uint8_t (*addresses)[20], size_t n);

/* seq_settle.c */
void *seq_settler_main(void *arg);
/* Restores the batches from the store at start-up (closed ones not yet
 * settled, the open one with its withdrawals), repairing a batch whose
 * record a crash left unwritten. */
lm_code seq_load_batches(lm_seq *s, lm_err *err);
/* Fills *b for the open batch closed at block `last` with state root root. */
void seq_batch_close(lm_seq *s, seq_batch *b, uint64_t last, const uint8_t last_hash[32],
                     const lm_gl root[4]);
/* Writes b's record in a durable transaction of its own. */
lm_code seq_batch_store(lm_seq *s, const seq_batch *b, lm_err *err);
/* Puts b's record into the store's open write transaction. */
lm_code seq_batch_put(lm_seq *s, const seq_batch *b, lm_err *err);

#define SEQ_WD_REC_LEN (8 + 4 + 60)
void seq_wd_encode(uint8_t out[SEQ_WD_REC_LEN], uint64_t batch, uint32_t leaf,
                   const lm_withdrawal *w);
bool seq_wd_decode(const uint8_t *in, size_t len, uint64_t *batch, uint32_t *leaf,
                   lm_withdrawal *w);

/* Elapsed milliseconds since t. */
uint64_t seq_ms_since(const struct timespec *t);

#endif
