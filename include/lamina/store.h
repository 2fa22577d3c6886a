/* Lamina's embedded storage on LMDB: accounts, the address index, chain
 * meta, blocks, the transaction index, receipts and a small key-value meta
 * database, in one LMDB environment (a directory holding data.mdb and
 * lock.mdb). docs/state.md gives every database's key and value format.
 *
 * Writes: one LMDB write transaction per L2 block (group commit):
 * lm_store_begin_block, puts, lm_store_commit_block. The commit is durable
 * before it returns: LMDB writes the data pages, fsyncs, then writes and
 * fsyncs the meta page that makes them current (the store never sets
 * MDB_NOSYNC, MDB_NOMETASYNC or MDB_WRITEMAP). A crash at any point leaves
 * the last committed block and everything before it intact, and nothing of
 * the block being written (tests/unit/test_store.c kills a writer with
 * SIGKILL mid-transaction and mid-commit). A failed put or commit leaves the
 * block failed: every later put returns the same error and the block can
 * only be aborted (as LMDB does).
 *
 * Reads: any number of read views (LMDB MVCC snapshots), from any threads,
 * concurrent with the writer and never blocking it; a view sees the state
 * as of the last commit before it began. Memory returned by getters that
 * hand out pointers (blocks, receipts, meta values) lives in the map and
 * stays valid until the view ends; do not write through it.
 *
 * Threads: one thread writes at a time (the caller serializes
 * begin/put/commit on a store); a view is used by one thread at a time but
 * may move between threads (MDB_NOTLS). A process opens a directory once
 * (LMDB forbids two environments on one file in a process); other
 * processes may open it too and read, and their writes are serialized by
 * LMDB's lock. After fork() the child must not use the parent's store.
 *
 * Errors: every failing call returns an lm_code and writes a message to
 * err: LM_ENOTFOUND (no such key), LM_EINVAL (misuse: no block open, block
 * number out of order, a reserved meta key), LM_ESPACE (MDB_MAP_FULL: the
 * database reached its map size: reopen with a larger one), LM_ETOOLARGE
 * (MDB_TXN_FULL, MDB_READERS_FULL, a value above its limit), LM_ENOMEM, and
 * LM_EIO (an operating-system failure, or a damaged database or record). */
#ifndef LAMINA_STORE_H
#define LAMINA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/goldilocks.h"
#include "lamina/l2.h"
#include "lamina/state_tree.h"

struct MDB_txn; /* <lmdb.h> */

/* The on-disk format version (meta key "lamina.schema"); open refuses
 * another. */
#define LM_STORE_SCHEMA 1u
#define LM_STORE_DEFAULT_MAP_SIZE (UINT64_C(16) << 30) /* 16 GiB, sparse */
#define LM_STORE_ACCOUNT_LEN 101u    /* the account record, docs/state.md */
#define LM_STORE_CHAIN_META_LEN 65u  /* the chain meta record */
#define LM_STORE_MAX_RECEIPT 4096u   /* bytes of one receipt */
#define LM_STORE_MAX_META_KEY 128u   /* bytes of a meta key */
#define LM_STORE_MAX_META_VALUE 65536u

typedef struct lm_store lm_store;

typedef struct lm_store_options {
    uint64_t map_size;    /* the most bytes the database may hold; 0: the default */
    unsigned max_readers; /* concurrent read views; 0: 126 (LMDB's default) */
} lm_store_options;

/* A read view: an LMDB transaction. Fields are private to src/state. */
typedef struct lm_store_view {
    lm_store *store;
    struct MDB_txn *txn;
    bool write; /* the open block's view: lm_store_read_end leaves it alone */
} lm_store_view;

/* Opens (creating when missing) the store in directory dir (created with
 * mode 0700 when missing; its parent must exist).
 * Out: *out, to close with lm_store_close.
 * In:  opt may be NULL (defaults).
 * Returns: LM_OK, LM_EIO (the directory, file or lock cannot be opened; a
 * damaged file; another schema version), LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_store_open(lm_store **out, const char *dir, const lm_store_options *opt,
                                    lm_err *err);

/* Aborts an open block and closes the store. Every view must have ended.
 * store may be NULL. */
void lm_store_close(lm_store *store);

/* ---- reading ------------------------------------------------------------- */

/* Starts a read view of the last committed state.
 * Out: *view (end it with lm_store_read_end).
 * Returns: LM_OK, LM_ETOOLARGE (all reader slots in use), LM_EIO. */
LM_MUST_CHECK lm_code lm_store_read_begin(lm_store *store, lm_store_view *view, lm_err *err);

/* Ends a read view; pointers obtained through it become invalid. A view
 * that never began (zeroed) or already ended is ignored. */
void lm_store_read_end(lm_store_view *view);

/* A view of the open block's write transaction: it sees the block's own
 * puts. Valid until the block is committed or aborted; never pass it to
 * lm_store_read_end.
 * Out: *view. Returns: LM_OK, LM_EINVAL (no block open or it failed). */
LM_MUST_CHECK lm_code lm_store_write_view(lm_store *store, lm_store_view *view, lm_err *err);

/* Out: *out, the account at index.
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO (damaged record). */
LM_MUST_CHECK lm_code lm_store_get_account(const lm_store_view *view, uint64_t index,
                                           lm_account *out, lm_err *err);

/* Out: *index, the index of the account with this address.
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_find_address(const lm_store_view *view, const uint8_t address[20],
                                            uint64_t *index, lm_err *err);

/* Calls fn(ctx, index, &account) for every account in increasing index
 * order; stops at the first non-LM_OK return of fn and returns it.
 * Returns: LM_OK, fn's code, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_for_each_account(const lm_store_view *view,
                                                lm_code (*fn)(void *ctx, uint64_t index,
                                                              const lm_account *acct),
                                                void *ctx, lm_err *err);

/* Out: *out, the chain meta of the last committed block.
 * Returns: LM_OK, LM_ENOTFOUND (none written yet), LM_EIO. */
LM_MUST_CHECK lm_code lm_store_get_chain_meta(const lm_store_view *view, lm_chain_meta *out,
                                              lm_err *err);

/* Out: *number and hash (may be NULL) of the last block put.
 * Returns: LM_OK, LM_ENOTFOUND (no block yet), LM_EIO. */
LM_MUST_CHECK lm_code lm_store_get_head(const lm_store_view *view, uint64_t *number,
                                        uint8_t hash[32], lm_err *err);

/* Out: *block, the block the last stored state root belongs to, and root.
 * Returns: LM_OK, LM_ENOTFOUND (no root stored yet), LM_EIO. */
LM_MUST_CHECK lm_code lm_store_get_state_root(const lm_store_view *view, uint64_t *block,
                                              lm_gl root[4], lm_err *err);

/* Out: *header; *txs points at the block's header->tx_count wire-form
 * transactions (LM_TX_WIRE_LEN bytes each, back to back) inside the map,
 * valid until the view ends (txs may be NULL when not wanted).
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO (damaged record). */
LM_MUST_CHECK lm_code lm_store_get_block(const lm_store_view *view, uint64_t number,
                                         lm_block_header *header, const uint8_t **txs, lm_err *err);

/* Out: *number, the number of the block with this hash.
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_find_block(const lm_store_view *view, const uint8_t hash[32],
                                          uint64_t *number, lm_err *err);

/* Where a transaction went. */
typedef struct lm_store_tx_loc {
    uint64_t block;
    uint32_t position; /* index in the block's transactions */
    uint8_t status;    /* an lm_stf_code: LM_STF_OK when it took effect */
} lm_store_tx_loc;

/* Out: *loc of the transaction with this hash (keccak256 of its wire form).
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_get_tx(const lm_store_view *view, const uint8_t hash[32],
                                      lm_store_tx_loc *loc, lm_err *err);

/* Out: *data, *len: the receipt of transaction position of block (opaque
 * bytes, as put), inside the map, valid until the view ends.
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_get_receipt(const lm_store_view *view, uint64_t block,
                                           uint32_t position, const uint8_t **data, size_t *len,
                                           lm_err *err);

/* Out: *value, *len: the meta value of key[0..key_len), inside the map,
 * valid until the view ends.
 * Returns: LM_OK, LM_ENOTFOUND, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_get_meta(const lm_store_view *view, const void *key, size_t key_len,
                                        const uint8_t **value, size_t *len, lm_err *err);

/* ---- writing: one transaction per block ---------------------------------- */

/* Opens the write transaction of a block.
 * Returns: LM_OK, LM_EINVAL (a block is already open), LM_EIO, LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_store_begin_block(lm_store *store, lm_err *err);

/* Makes the open block durable: returns after LMDB's commit, fsync
 * included. On failure nothing of the block is stored (the transaction is
 * aborted) and the previous state stays current.
 * Returns: LM_OK, LM_EINVAL (no block open), the code of an earlier failed
 * put (the block then failed), LM_ESPACE, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_commit_block(lm_store *store, lm_err *err);

/* Drops the open block (no effect when none is open). */
void lm_store_abort_block(lm_store *store);

/* The puts below need an open block (else LM_EINVAL) and fail with the
 * block's error once a put failed; LM_ESPACE when the map is full. */

/* Writes the account at index and, when is_new, maps its address to index
 * (an account's address never changes, so only its creation needs the
 * second write). */
LM_MUST_CHECK lm_code lm_store_put_account(lm_store *store, uint64_t index, const lm_account *acct,
                                           bool is_new, lm_err *err);

LM_MUST_CHECK lm_code lm_store_put_chain_meta(lm_store *store, const lm_chain_meta *meta,
                                              lm_err *err);

/* Writes block header (its hash computed here), its transactions
 * txs[0 .. header->tx_count) in wire form (LM_TX_WIRE_LEN bytes each, back
 * to back; NULL when tx_count is 0), the hash -> number index, and makes it
 * the head. header->number must be the head's number + 1 (any number for
 * the first block).
 * Out: hash (may be NULL), the block hash.
 * Returns: LM_OK, LM_EINVAL (out of order; tx_count > LM_MAX_TXS_PER_BLOCK),
 * LM_ESPACE, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_put_block(lm_store *store, const lm_block_header *header,
                                         const uint8_t *txs, uint8_t hash[32], lm_err *err);

/* Indexes transaction tx_hash at loc and stores its receipt (opaque bytes,
 * receipt_len <= LM_STORE_MAX_RECEIPT; none when receipt_len is 0).
 * Returns: LM_OK, LM_ETOOLARGE, LM_ESPACE, LM_EIO. */
LM_MUST_CHECK lm_code lm_store_put_tx(lm_store *store, const uint8_t tx_hash[32],
                                      const lm_store_tx_loc *loc, const uint8_t *receipt,
                                      size_t receipt_len, lm_err *err);

/* Records root as the state root after block. */
LM_MUST_CHECK lm_code lm_store_put_state_root(lm_store *store, uint64_t block, const lm_gl root[4],
                                              lm_err *err);

/* Writes a meta value (e.g. the node's L1 sync cursor). Keys beginning
 * with "lamina." are the store's own and refused (LM_EINVAL); key_len in
 * 1 .. LM_STORE_MAX_META_KEY, len <= LM_STORE_MAX_META_VALUE (else
 * LM_ETOOLARGE). */
LM_MUST_CHECK lm_code lm_store_put_meta(lm_store *store, const void *key, size_t key_len,
                                        const void *value, size_t len, lm_err *err);

/* ---- tree snapshots ----------------------------------------------------- */

/* Saves the committed tree (no dirty leaves) as the snapshot for block,
 * replacing any earlier one, inside the open block: database tree_nodes
 * and meta key "lamina.tree" (docs/state.md).
 * Returns: LM_OK, LM_EINVAL (dirty leaves), the put errors. */
LM_MUST_CHECK lm_code lm_store_put_tree(lm_store *store, const lm_state_tree *tree, uint64_t block,
                                        lm_err *err);

/* Restores the snapshot into *tree (replacing its contents).
 * Out: *block, the block it was saved for. Nothing is verified but the
 * records' shapes: compare the root with a trusted one.
 * Returns: LM_OK, LM_ENOTFOUND (no snapshot), LM_EIO (damaged), LM_ENOMEM;
 * *tree is empty after an error. */
LM_MUST_CHECK lm_code lm_store_get_tree(const lm_store_view *view, lm_state_tree *tree,
                                        uint64_t *block, lm_err *err);

/* Fault injection for tests: the nth write from now (a put, or a commit,
 * counting from 1) fails with LM_EIO as an I/O error would; 0 turns it
 * off. Not for production use. */
void lm_store_inject_fault(lm_store *store, uint64_t nth);

/* ---- records --------------------------------------------------------------- */

/* The fixed-size account record (docs/state.md): version 0x01 ‖ address[20]
 * ‖ nonce_base u64 ‖ nonce_bits u64 ‖ balance[0..7] u64, little-endian. */
void lm_store_account_encode(uint8_t out[LM_STORE_ACCOUNT_LEN], const lm_account *acct);
/* Returns: LM_OK, LM_EIO (wrong length or version: a damaged record). */
LM_MUST_CHECK lm_code lm_store_account_decode(lm_account *out, const uint8_t *rec, size_t len,
                                              lm_err *err);

#endif
