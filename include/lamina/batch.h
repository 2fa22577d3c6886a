/* The L2 batch format: a run of consecutive L2 blocks as posted to L1 in the
 * calldata of Rollup.appendBatch (docs/contracts.md §4.5; L1 records
 * keccak256 of these bytes). docs/batch-format.md is the byte-level
 * specification, with test vectors; this header is the C interface.
 *
 *   batch   = version 0x01 ‖ compression (0 none, 1 zstd) ‖ body
 *   payload = body, or the zstd frame body decompressed
 *
 * The payload sends only what cannot be derived: header fields as deltas
 * from the previous block, accounts as indices, integers as LEB128 varints
 * (lamina/varint.h). chain_id, parent_hash, number (after the first),
 * tx_count and tx_root are recomputed by the decoder.
 *
 * Addresses. Every address a transaction names (from, to — for a withdrawal
 * `to` is the L1 recipient) is written as a reference:
 *   - 2·i   when the resolver knows the address as account index i;
 *   - 2·k+1 for slot k of the batch's table of addresses the resolver does
 *     not know; the table lists them in order of first reference.
 * The resolver answers for the state at the start of the batch (before its
 * first block): accounts created inside the batch, by a deposit or by a
 * transfer to a new address, are table entries for the whole batch. So
 * decoding never depends on executing the batch, and an account that the
 * STF refuses to create changes nothing here. Because indices are assigned
 * once and never reused, a resolver over a later state is correct if it
 * hides every index >= the batch start's num_accounts.
 *
 * The encoding is canonical: for a given resolver, every batch content has
 * exactly one payload, and the decoder rejects every other byte string
 * (non-minimal varints, flags that say "changed" for unchanged fields, table
 * entries out of first-reference order, duplicated, never referenced, or
 * known to the resolver). Only the zstd frame is not canonical: any valid
 * single frame is accepted.
 *
 * Memory: the encoder and the decoder take an lm_arena; nothing is
 * allocated from a length read off the wire before it is checked against
 * the bytes that remain and against the limits. libzstd allocates its own
 * (bounded) contexts while compressing or decompressing. */
#ifndef LAMINA_BATCH_H
#define LAMINA_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/arena.h"
#include "lamina/err.h"
#include "lamina/l2.h"

#define LM_BATCH_VERSION 0x01

typedef enum lm_batch_compression {
    LM_BATCH_NONE = 0, /* the body is the payload */
    LM_BATCH_ZSTD = 1, /* the body is one zstd frame (RFC 8878) */
} lm_batch_compression;

/* The encoder's default zstd level. It does not bind decoders (any valid
 * frame is accepted) but makes the encoder's output reproducible: the
 * vectors of docs/batch-format.md use it. A batch is mostly signatures,
 * which do not compress, so lower levels cost almost nothing in size and
 * are many times faster (lm_batch_params.zstd_level; the sequencer uses
 * LM_BATCH_ZSTD_LEVEL_FAST). */
#define LM_BATCH_ZSTD_LEVEL 19
#define LM_BATCH_ZSTD_LEVEL_FAST 6
/* Frames that need a window above 2^24 bytes (16 MiB) are rejected. */
#define LM_BATCH_ZSTD_WINDOW_LOG_MAX 24
/* Rollup.MAX_BATCH_BYTES: the most appendBatch accepts (contracts). */
#define LM_BATCH_L1_MAX_BYTES (128u * 1024u)

/* ---- limits ---------------------------------------------------------------- */

typedef struct lm_batch_limits {
    size_t max_payload;         /* bytes of (decompressed) payload */
    uint32_t max_blocks;        /* blocks in one batch, >= 1 */
    uint32_t max_txs_per_block; /* <= LM_MAX_TXS_PER_BLOCK */
    uint32_t max_txs;           /* transactions in the whole batch */
} lm_batch_limits;

#define LM_BATCH_MAX_PAYLOAD (16u << 20)
#define LM_BATCH_MAX_BLOCKS 16384u
#define LM_BATCH_MAX_TXS 65536u /* = LM_MAX_WITHDRAWALS_PER_BATCH */

/* The consensus limits: {16 MiB, 16384, LM_MAX_TXS_PER_BLOCK, 65536}. */
extern const lm_batch_limits lm_batch_default_limits;

/* ---- the address resolver ------------------------------------------------- */

/* How the caller's state names accounts, as of the start of the batch.
 * Both functions return LM_OK (found), LM_ENOTFOUND (no such account), or
 * another code when the lookup itself failed (e.g. LM_EIO); that code is
 * passed on to the caller of the codec. They must agree: index_of(a) == i
 * iff address_of(i) == a. */
typedef struct lm_batch_resolver {
    void *ctx;
    lm_code (*address_of)(void *ctx, uint32_t index, uint8_t out[20]);
    lm_code (*index_of)(void *ctx, const uint8_t address[20], uint32_t *index);
} lm_batch_resolver;

/* What both directions need to agree on. */
typedef struct lm_batch_params {
    uint64_t chain_id; /* every tx's chain_id */
    lm_batch_resolver resolver;
    const lm_batch_limits *limits; /* NULL: lm_batch_default_limits */
    int zstd_level; /* encoder only: 1..22, 0 = LM_BATCH_ZSTD_LEVEL */
} lm_batch_params;

/* ---- blocks ---------------------------------------------------------------- */

/* One L2 block: its header and its header.tx_count transactions. */
typedef struct lm_batch_block {
    lm_block_header header;
    const lm_tx *txs;
} lm_batch_block;

/* A decoded batch. Everything it points to lives in the decoder's arena. */
typedef struct lm_batch {
    const lm_batch_block *blocks;
    uint32_t block_count;               /* >= 1 */
    uint32_t tx_total;                  /* the sum of the blocks' tx_count */
    const uint8_t (*new_addresses)[20]; /* the address table, in slot order */
    uint32_t new_address_count;
} lm_batch;

/* ---- encoding -------------------------------------------------------------- */

/* Returns: lm_batch_encode_bound, an upper bound on the bytes
 * lm_batch_encode writes for these blocks (with either compression);
 * lm_batch_encode_scratch_size, the scratch arena it needs at most. Both
 * saturate to SIZE_MAX. */
size_t lm_batch_encode_bound(const lm_batch_block *blocks, size_t n);
size_t lm_batch_encode_scratch_size(const lm_batch_block *blocks, size_t n);

/* Encodes blocks[0..n) — consecutive blocks of one chain — as a batch.
 * blocks[0].header.parent_hash is not encoded (the decoder is given it).
 * The input must be consistent, else LM_EINVAL naming the block and tx:
 * numbers consecutive; parent_hash of block i > 0 == block hash of block
 * i-1; timestamp, l1_origin_number and l1_messages_upto non-decreasing;
 * tx_count and tx_root matching txs; every tx of a known type with
 * chain_id == params->chain_id and v 27 or 28.
 * Out: out[0..*out_len) the batch.
 * In:  scratch working memory (rewound on return; size it with
 *      lm_batch_encode_scratch_size); out_cap the room in out (pass
 *      LM_BATCH_L1_MAX_BYTES to stay within what L1 accepts).
 * Returns: LM_OK; LM_EINVAL (inconsistent input, n == 0); LM_ETOOLARGE (a
 * limit: blocks, txs, payload bytes); LM_ESPACE (out or scratch too small);
 * LM_ENOMEM (zstd could not allocate); or a resolver's code. */
LM_MUST_CHECK lm_code lm_batch_encode(lm_arena *scratch, uint8_t *out, size_t out_cap,
                                      size_t *out_len, const lm_batch_params *params,
                                      const lm_batch_block *blocks, size_t n,
                                      lm_batch_compression compression, lm_err *err);

/* ---- decoding -------------------------------------------------------------- */

/* Returns: the arena bytes that lm_batch_decode needs at most under limits
 * (NULL: the defaults), whatever the input: about 33 MiB for the defaults,
 * of which 16 MiB is the decompressed payload. */
size_t lm_batch_decode_arena_size(const lm_batch_limits *limits);

/* The outer layer: checks version and compression and yields the payload.
 * Out: *payload, *payload_len: for compression 0 a pointer into data;
 *      for zstd the decompressed bytes, allocated in arena.
 * Returns: LM_OK; LM_ETRUNC (fewer than 2 bytes, an incomplete frame);
 * LM_EINVAL (version, compression, not a zstd frame, corrupt frame, window
 * too large); LM_ETRAILING (bytes after the frame); LM_ETOOLARGE (payload
 * above limits->max_payload); LM_ESPACE (arena full); LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_batch_unwrap(lm_arena *arena, const uint8_t **payload, size_t *payload_len,
                                      const uint8_t *data, size_t len,
                                      const lm_batch_limits *limits, lm_err *err);

/* Decodes a payload (docs/batch-format.md §3) into *out, all in arena.
 * In: parent_hash the hash of the L2 block before the batch's first block.
 * Returns: LM_OK; LM_ETRUNC (input ends early, or declares more items than
 * its bytes can hold); LM_EINVAL (bad flags, tx kind, empty batch, table
 * slot out of range); LM_ENONCANON (any non-canonical form); LM_EOVERFLOW
 * (a value out of its field's range, a sum past 2^64); LM_ETOOLARGE (a
 * limit); LM_ENOTFOUND (an account index the resolver does not know);
 * LM_ETRAILING; LM_ESPACE (arena full); or a resolver's code. On error
 * *out is untouched and the arena is rewound. */
LM_MUST_CHECK lm_code lm_batch_decode_payload(lm_arena *arena, lm_batch *out,
                                              const lm_batch_params *params,
                                              const uint8_t parent_hash[32], const uint8_t *payload,
                                              size_t len, lm_err *err);

/* lm_batch_unwrap then lm_batch_decode_payload. On success the arena also
 * holds the decompressed payload (nothing in *out points to it); on error
 * the arena is rewound to where it was. */
LM_MUST_CHECK lm_code lm_batch_decode(lm_arena *arena, lm_batch *out, const lm_batch_params *params,
                                      const uint8_t parent_hash[32], const uint8_t *data,
                                      size_t len, lm_err *err);

#endif
