/* The sequencer's mempool: signed transactions waiting for a block.
 *
 * First come, first served: the block builder takes transactions in arrival
 * order. Because an account's nonces form a window of 64 (docs/l2-protocol.md
 * §2), transactions of one account need no reordering by nonce, so the pool
 * is a bounded FIFO with duplicate detection (by transaction hash) and a
 * per-account bound. Admission checks (signature, nonce, balance against the
 * state) happen before lm_mempool_add; the block builder applies the
 * transactions and reports those that fail then.
 *
 * Thread-safe: the RPC thread adds, the builder thread takes. */
#ifndef LAMINA_MEMPOOL_H
#define LAMINA_MEMPOOL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l2.h"

typedef struct lm_pool_entry {
    lm_tx tx;
    uint8_t hash[32];
    uint8_t digest[32]; /* the EIP-712 signing digest admission checked, if has_digest */
    bool has_digest;
    uint64_t seq;   /* arrival number */
    uint64_t token; /* the submitter's reply token (0: none) */
} lm_pool_entry;

typedef struct lm_mempool_limits {
    size_t capacity;    /* transactions in the pool; default 65536 */
    size_t per_account; /* per sender; default 64, the nonce window */
} lm_mempool_limits;

typedef struct lm_mempool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    lm_mempool_limits lim;
    lm_pool_entry *ring; /* capacity entries */
    size_t head, len;
    uint64_t next_seq;
    size_t want; /* lm_mempool_wait's threshold while it waits; 0: nobody waits */
    /* open-addressing sets over the pending hashes and per-sender counts */
    uint8_t (*hset)[32];
    uint8_t *hset_used;
    size_t hset_cap;
    struct lm_pool_sender {
        uint8_t addr[20];
        uint32_t count; /* 0: free slot */
    } *senders;
    size_t senders_cap;
} lm_mempool;

/* limits NULL: defaults. Returns: LM_OK or LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_mempool_init(lm_mempool *p, const lm_mempool_limits *limits, lm_err *err);
void lm_mempool_free(lm_mempool *p);

/* Adds a transaction. Returns: LM_OK; LM_EINVAL "already known" (same hash
 * pending); LM_ETOOLARGE "mempool full" or "too many pending transactions
 * from this sender". *seq (may be NULL) gets the arrival number. */
LM_MUST_CHECK lm_code lm_mempool_add(lm_mempool *p, const lm_tx *tx, const uint8_t hash[32],
                                     uint64_t token, uint64_t *seq, lm_err *err);

/* lm_mempool_add for a transaction whose signature admission has checked
 * against `digest` (its EIP-712 signing digest, lm_tx_signing_digest): the
 * entry keeps it, so the block builder need not hash the transaction again
 * to match it with the recovered signer. digest may be NULL. */
LM_MUST_CHECK lm_code lm_mempool_add_checked(lm_mempool *p, const lm_tx *tx, const uint8_t hash[32],
                                             const uint8_t digest[32], uint64_t token,
                                             uint64_t *seq, lm_err *err);

/* Moves up to max entries, oldest first, into out. Returns how many. */
size_t lm_mempool_take(lm_mempool *p, lm_pool_entry *out, size_t max);

/* Waits until the pool holds at least `want` transactions or timeout_ms
 * passes. Returns: the number pending. */
size_t lm_mempool_wait(lm_mempool *p, size_t want, uint32_t timeout_ms);

size_t lm_mempool_len(lm_mempool *p);

#endif
