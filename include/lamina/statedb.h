/* The node's state: the LMDB store (lamina/store.h), the in-memory accounts
 * tree (lamina/state_tree.h) and an overlay of the accounts the current
 * block has written, which implements the STF's host interface
 * (lm_stf_host in lamina/stf.h) natively. docs/state.md describes it.
 *
 * A block's life:
 *   lm_statedb_begin_block   opens the store's write transaction, empties
 *                            the overlay;
 *   lm_stf_apply_block / _tx / _message with host = lm_statedb_host(db):
 *                            reads go to the overlay, then to the store;
 *                            writes go to the overlay only;
 *   (optional) more puts on lm_statedb_store(db): receipts, meta values;
 *   lm_statedb_commit_block  writes the overlay's accounts (in index order),
 *                            the chain meta, the block, its transaction
 *                            index, optionally the state root, and commits:
 *                            durable when it returns (one fsynced LMDB
 *                            transaction per block). The written accounts'
 *                            leaves are then marked dirty in the tree.
 *   or lm_statedb_abort_block: nothing of the block remains (use it when
 *                            the STF rejects the block or the host failed).
 * The state root is recomputed from the dirty leaves only when asked for
 * (lm_statedb_root, or compute_root at a batch's last block), not per
 * block or transaction.
 *
 * Threads: the writer side (everything here but lm_statedb_store's read
 * views) is used by one thread at a time. RPC threads read through their
 * own views on lm_statedb_store(db) (lm_store_read_begin), concurrently.
 *
 * At open, the tree comes from the snapshot that lm_statedb_checkpoint
 * saved, when it was saved for the head block and its root equals the
 * state root stored for that block; otherwise (or with opt->verify) it is
 * rebuilt from the stored accounts (hashing every leaf; threads help) and,
 * when a state root is stored for the head block, checked against it: a
 * mismatch (a damaged database) fails the open. */
#ifndef LAMINA_STATEDB_H
#define LAMINA_STATEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/l2.h"
#include "lamina/state_tree.h"
#include "lamina/stf.h"
#include "lamina/store.h"

typedef struct lm_statedb lm_statedb;

typedef struct lm_statedb_options {
    lm_store_options store;
    unsigned threads; /* for tree commits and the rebuild at open: 1 .. LM_STATE_TREE_MAX_THREADS (0: 1) */
    bool verify;      /* rebuild the tree from the accounts even when a snapshot could be used */
} lm_statedb_options;

/* Opens the store in dir and rebuilds the accounts tree from it.
 * Out: *out (lm_statedb_close). In: opt may be NULL.
 * Returns: LM_OK, lm_store_open's errors, LM_EIO (accounts not dense from
 * 0 or not meta.num_accounts of them, or the recomputed state root differs
 * from the stored one), LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_statedb_open(lm_statedb **out, const char *dir, const lm_statedb_options *opt,
                                      lm_err *err);

/* Aborts an open block and closes. db may be NULL. */
void lm_statedb_close(lm_statedb *db);

/* The store, for read views (RPC) and for extra puts inside an open block.
 * Owned by db. */
lm_store *lm_statedb_store(lm_statedb *db);

/* The chain meta as of the last committed block (all zero for a new
 * database): what lm_stf_init takes. */
const lm_chain_meta *lm_statedb_meta(const lm_statedb *db);

/* Out: *number of the last committed block.
 * Returns: true, or false when no block was committed yet. */
bool lm_statedb_head(const lm_statedb *db, uint64_t *number);

/* The STF host backed by db: get_account, put_account and find_account
 * through the overlay, ecrecover with libsecp256k1. Valid while db is.
 * The callbacks fail (return false) outside a block, on a store error, or
 * when memory runs out; lm_statedb_host_error tells why. */
const lm_stf_host *lm_statedb_host(lm_statedb *db);

/* The error of the last failed host callback (code LM_OK when none). */
const lm_err *lm_statedb_host_error(const lm_statedb *db);

/* Starts a block: opens the store's write transaction, empties the overlay.
 * Returns: LM_OK, LM_EINVAL (a block is open), the store's errors. */
LM_MUST_CHECK lm_code lm_statedb_begin_block(lm_statedb *db, lm_err *err);

/* Drops the open block: the overlay and the store transaction. */
void lm_statedb_abort_block(lm_statedb *db);

/* Commits the open block: the overlay's accounts, *meta (the STF context's
 * meta after the block), the block header with its transactions txs[0 ..
 * header->tx_count) (wire form, back to back; NULL when none), each
 * transaction's hash -> (block, position, statuses[i]) (statuses may be
 * NULL: all LM_STF_OK), and, when compute_root, the state root after the
 * block, which is then also written to root_out (may be NULL; written
 * only on success). Durable
 * when it returns LM_OK. On failure nothing of the block is stored, the
 * tree is back to the previous state and the block is closed: the caller
 * resets its STF context's meta to lm_statedb_meta(db).
 * Returns: LM_OK, LM_EINVAL (no block open; an account index >=
 * meta->num_accounts; meta->num_accounts above 2^32 or below the previous
 * block's; the block number not the head's + 1; tx_count without txs),
 * LM_ENOMEM, the store's errors (LM_ESPACE ...). */
LM_MUST_CHECK lm_code lm_statedb_commit_block(lm_statedb *db, const lm_chain_meta *meta,
                                              const lm_block_header *header, const uint8_t *txs,
                                              const lm_stf_code *statuses, bool compute_root,
                                              lm_gl root_out[4], lm_err *err);

/* lm_statedb_commit_block with a hook: when compute_root, before_commit(ctx,
 * root, err) runs after the root is computed and before the transaction is
 * made durable, so that it can add puts that depend on the root (through
 * lm_statedb_store(db)) to the same atomic, durable commit. A hook that
 * returns an error fails the whole commit (as above), with its code. */
typedef lm_code (*lm_statedb_commit_hook)(void *ctx, const lm_gl root[4], lm_err *err);
LM_MUST_CHECK lm_code lm_statedb_commit_block_with(lm_statedb *db, const lm_chain_meta *meta,
                                                   const lm_block_header *header, const uint8_t *txs,
                                                   const lm_stf_code *statuses, bool compute_root,
                                                   lm_gl root_out[4], lm_statedb_commit_hook before_commit,
                                                   void *ctx, lm_err *err);

/* The state root (docs/l2-protocol.md §3) as of the last committed block:
 * recomputes the tree from its dirty leaves first. Never fails.
 * Out: root; accounts_root (may be NULL), the accounts tree's root. */
void lm_statedb_root(lm_statedb *db, lm_gl root[4], lm_gl accounts_root[4]);

/* Saves the tree as a snapshot for the head block, with the head's state
 * root, in one durable store transaction, so that the next open skips the
 * rebuild (a node calls it at shutdown, or now and then: it writes 64 bytes
 * per account). No effect before the first block.
 * Returns: LM_OK, LM_EINVAL (a block is open), the store's errors. */
LM_MUST_CHECK lm_code lm_statedb_checkpoint(lm_statedb *db, lm_err *err);

/* Returns: true when the open used the snapshot instead of rebuilding. */
bool lm_statedb_from_snapshot(const lm_statedb *db);

/* A Merkle proof of account index in the accounts tree as of the last
 * committed block (recomputing dirty leaves first).
 * Out: *proof, leaf (may be NULL).
 * Returns: LM_OK, LM_EOVERFLOW (index >= 2^32). */
LM_MUST_CHECK lm_code lm_statedb_prove(lm_statedb *db, uint64_t index, lm_state_proof *proof,
                                       lm_gl leaf[4], lm_err *err);

#endif
