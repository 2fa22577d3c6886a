/* Derivation: rebuilding every L2 block and state root from L1 alone
 * (DESIGN.md §1; the rules are docs/l2-protocol.md §8, the implementation
 * notes docs/derivation.md).
 *
 * A follower (lm_derive) reads, from the deployment block on, the Bridge's
 * queue (Deposit, ForcedWithdrawal, ForcedTransaction), the Rollup's
 * BatchAppended and OutputProposed events, up to the L1 head minus a
 * confirmation depth; it decodes each batch, checks every block's chain
 * fields (number, parent, L1 origin, timestamp, messages, the sequencing
 * window), applies the blocks with the STF over its own lm_statedb, and at
 * each batch end computes the output root and compares it with the one
 * proposed for that batch index, when there is one.
 *
 * I/O: the follower uses the caller's lm_rpc (one thread at a time) and
 * keeps its state in DIR/state (an LMDB store, lamina/statedb.h): the
 * derived blocks and accounts, and its progress (the last L1 block read and
 * one record per batch) in the store's meta table, saved durably after
 * each poll. At open it resumes from that progress when it belongs to the
 * same deployment and agrees with the stored blocks and with L1; otherwise,
 * and after an L1 reorg that removed a batch it had derived, it re-derives
 * from genesis (DIR/state is emptied first).
 *
 * Threads: one thread uses a follower at a time, except for
 * lm_derive_get_stats, which any thread may call at any time (an HTTP
 * server's, for /metrics: lamina/derive_serve.h). */
#ifndef LAMINA_DERIVE_H
#define LAMINA_DERIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/batch.h"
#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/l1_lamina.h"
#include "lamina/l1_rpc.h"
#include "lamina/statedb.h"
#include "lamina/store.h"

typedef struct lm_derive lm_derive;

typedef struct lm_derive_options {
    uint32_t confirmations;  /* L1 blocks on top of a block before it is read; default 2, 0 allowed */
    uint64_t max_l1_blocks;  /* L1 blocks read by one poll at most; default 100000 */
    unsigned threads;        /* for the state tree; 0: 1 */
} lm_derive_options;

/* Out: *o = the defaults above. */
void lm_derive_options_default(lm_derive_options *o);

/* Opens a follower of deployment d over rpc (borrowed: both must outlive
 * the follower), storing its state under data_dir (created if missing).
 * Resumes from DIR/state when it can (reading the L1 queue again up to the
 * stored mark); else empties it, reads the deployment block from L1 and
 * writes the genesis (lamina/genesis.h).
 * Out: *out (lm_derive_close). In: opt may be NULL (defaults).
 * Returns: LM_OK; LM_EPROTO (L1 does not hold the deployment block);
 * LM_EIO (the directory); LM_ENOMEM; an RPC or state error. */
LM_MUST_CHECK lm_code lm_derive_open(lm_derive **out, const char *data_dir, const lm_deployment *d,
                                     lm_rpc *rpc, const lm_derive_options *opt, lm_err *err);

/* Saves the state tree's snapshot (a faster next open) and closes the
 * follower and its store. f may be NULL. */
void lm_derive_close(lm_derive *f);

/* What one lm_derive_poll did. */
typedef struct lm_derive_progress {
    bool read;                  /* an L1 range was read */
    uint64_t l1_from, l1_to;    /* that range (inclusive) */
    bool more;                  /* confirmed L1 blocks remain beyond l1_to: poll again */
    uint32_t batches;           /* batches read */
    uint32_t batches_ignored;   /* of which ignored whole (docs/l2-protocol.md §8.3) */
    uint64_t blocks;            /* L2 blocks derived */
    uint64_t blocks_rejected;   /* invalid blocks (each drops the rest of its batch) */
    uint64_t messages;          /* L1 messages applied */
    uint64_t forced_messages;   /* of which forced by the sequencing window */
    uint64_t deposits;          /* of which deposits, */
    uint64_t forced_withdrawals; /* forced withdrawals */
    uint64_t forced_txs;         /* and forced transactions (Bridge.forceTransaction) */
    uint32_t outputs_checked;   /* OutputProposed events compared */
    uint32_t mismatches;        /* of which did not match the derived output root */
    bool reorg;                 /* an L1 reorg was seen (and handled) */
    bool rederived;             /* ... and the state was re-derived from genesis */
    uint64_t head;              /* the L2 head after the poll */
    uint8_t head_hash[32];
    bool has_output;            /* a batch has been derived (ever) */
    uint64_t last_batch;        /* the last batch index derived */
    uint8_t last_output_root[32];
} lm_derive_progress;

/* Processes everything newly confirmed on L1: first checks that the last
 * L1 block read is still canonical (else handles the reorg: docs/
 * derivation.md §5), then reads up to head − confirmations (at most
 * max_l1_blocks of it).
 * Then saves the progress (one durable store transaction).
 * Out: *p (may be NULL).
 * Returns: LM_OK (bad batches and blocks are not errors: they are counted
 * and logged); an RPC error; LM_EPROTO (L1 answered inconsistently, e.g. a
 * queue hash that does not chain, batch indices with a gap); a state
 * error. After an error the next poll reads the same L1 range again and
 * skips what it already derived; only an error inside a batch (some of its
 * blocks committed) makes the next poll re-derive from genesis. */
LM_MUST_CHECK lm_code lm_derive_poll(lm_derive *f, lm_derive_progress *p, lm_err *err);

/* ---- what was derived ----------------------------------------------------- */

typedef enum lm_derive_batch_status {
    LM_DERIVE_BATCH_APPLIED = 0, /* every block applied */
    LM_DERIVE_BATCH_PARTIAL,     /* a block was invalid: it and the rest were dropped */
    LM_DERIVE_BATCH_IGNORED,     /* unreadable, undecodable or not continuing the chain */
} lm_derive_batch_status;

/* One Rollup batch index as derived. For an ignored batch the state, the
 * head and so the output are those before it, with no withdrawals. */
typedef struct lm_derive_batch_info {
    uint64_t index;
    uint64_t l1_block;
    uint8_t l1_block_hash[32];
    lm_derive_batch_status status;
    char reason[256];          /* why ignored or partial ("" when applied) */
    uint32_t blocks_applied;
    uint64_t last_block;       /* the L2 head after the batch */
    uint8_t last_block_hash[32];
    lm_gl state_root[4];       /* after the batch */
    uint8_t state_root_bytes[32];
    uint32_t withdrawal_count;
    uint8_t withdrawals_root[32];
    uint8_t output_root[32];   /* lm_output_root{0, state root, withdrawals root, last block hash} */
    bool has_proposed;         /* an OutputProposed for this index was read */
    uint8_t proposed_root[32]; /* the last one read */
    uint64_t proposed_l2_block;
    bool mismatch;             /* proposed_root != output_root */
} lm_derive_batch_info;

/* Returns: the number of Rollup batches processed (indices 0 .. n-1). */
uint64_t lm_derive_batch_count(const lm_derive *f);

/* Out: *out, batch index's record.
 * Returns: LM_OK, LM_ENOTFOUND (not processed yet). */
LM_MUST_CHECK lm_code lm_derive_batch(const lm_derive *f, uint64_t index,
                                      lm_derive_batch_info *out, lm_err *err);

/* Out: *number, hash (may be NULL): the derived L2 head (0 and the genesis
 * hash before any batch). */
void lm_derive_head(const lm_derive *f, uint64_t *number, uint8_t hash[32]);

/* Out: hash, the derived block number's hash.
 * Returns: LM_OK, LM_ENOTFOUND (above the head). */
LM_MUST_CHECK lm_code lm_derive_block_hash(const lm_derive *f, uint64_t number, uint8_t hash[32],
                                           lm_err *err);

/* Returns: the output roots that did not match, counted since the last
 * (re-)derivation from genesis. */
uint64_t lm_derive_mismatches(const lm_derive *f);

/* ---- statistics (for /metrics) ------------------------------------------------- */

/* Counters since lm_derive_open, summed over every poll (work redone by a
 * re-derivation from genesis is counted again), and gauges as of the last
 * poll. */
typedef struct lm_derive_stats {
    /* counters */
    uint64_t polls;           /* lm_derive_poll calls that returned LM_OK */
    uint64_t poll_errors;     /* ... and that returned an error */
    uint64_t batches;         /* Rollup batches processed, whatever their status */
    uint64_t batches_ignored; /* ignored whole: garbage, undecodable, not continuing */
    uint64_t blocks;          /* L2 blocks derived (applied) */
    uint64_t blocks_rejected; /* invalid blocks: each drops the rest of its batch, so
                                 this is also the count of partial batches */
    uint64_t deposits;        /* L1 messages applied, by kind */
    uint64_t forced_withdrawals;
    uint64_t forced_txs;
    uint64_t forced_messages; /* of all those, applied by the sequencing-window rule
                                 (the sequencer had omitted them) */
    uint64_t outputs_checked; /* OutputProposed events compared */
    uint64_t outputs_matched;
    uint64_t outputs_mismatched;
    uint64_t reorgs;        /* L1 reorgs seen (and handled) */
    uint64_t rederivations; /* re-derivations from genesis (reorg, interrupted batch) */
    /* gauges */
    uint64_t l2_chain_id;   /* the deployment's */
    uint64_t confirmations; /* the follower's option */
    uint64_t l2_head;       /* the derived L2 head */
    uint64_t batch_count;   /* batches derived (lm_derive_batch_count) */
    uint64_t mismatches;    /* output roots mismatching now (lm_derive_mismatches) */
    bool has_l1_head;       /* a poll read the L1 head */
    uint64_t l1_head;       /* the L1 head block, as the last poll saw it */
    uint64_t l1_head_timestamp;
    bool has_l1_derived; /* an L1 block was read, and its header is known */
    uint64_t l1_derived; /* the last L1 block read (everything up to it is derived) */
    uint64_t l1_derived_timestamp;
    uint64_t last_poll_unix_ms; /* wall clock at the end of the last LM_OK poll; 0: none */
} lm_derive_stats;

/* Out: *out, a consistent snapshot of f's statistics. Thread-safe: any
 * thread may call it while another polls (a mutex held only while the
 * poll publishes its results). */
void lm_derive_get_stats(lm_derive *f, lm_derive_stats *out);

/* The follower's state (read views: lm_statedb_store). Owned by f; valid
 * until the next lm_derive_poll (which may reopen it) or lm_derive_close. */
lm_statedb *lm_derive_statedb(lm_derive *f);

/* ---- the batch decoder's address resolver over a statedb ------------------- */

/* The resolver of lamina/batch.h over db's last committed state, hiding
 * every account index >= limit (the batch start's num_accounts: indices are
 * never reused, so a later state with them hidden answers as the batch
 * start). The sequencer's batcher and the follower use it alike. */
typedef struct lm_state_resolver {
    lm_store_view view;
    uint64_t limit;
} lm_state_resolver;

/* Opens a read view of db for *r and fills *out with callbacks over it.
 * Returns: LM_OK or the store's error. End with lm_state_resolver_end. */
LM_MUST_CHECK lm_code lm_state_resolver_begin(lm_state_resolver *r, lm_statedb *db, uint64_t limit,
                                              lm_batch_resolver *out, lm_err *err);
void lm_state_resolver_end(lm_state_resolver *r);

#endif
