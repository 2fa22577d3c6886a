/* Fuzz target: lamina/batch.h (docs/batch-format.md).
 *
 * Any input is either refused with an error code and a message — the arena
 * rewound — or decodes to a batch. A decoded batch must be well formed
 * (consecutive numbers, parent links, counts), and, since the payload is
 * canonical, re-encoding it without compression must give back exactly
 * version ‖ 0 ‖ payload, where payload is the input's body (compression 0)
 * or its decompressed frame (compression 1). Re-encoding with zstd and
 * decoding again must give the same blocks. Mismatches abort(), so the
 * fuzzer reports them.
 *
 * The fake resolver knows 64 accounts: index i has the address
 * 5a × 16 ‖ i as 4 big-endian bytes. Limits are small so that the fuzzer
 * reaches them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/batch.h"
#include "lamina/bytes.h"
#include "lamina/l2tx.h"

enum { N_ACCOUNTS = 64 };

static lm_code fz_address_of(void *ctx, uint32_t index, uint8_t out[20])
{
    (void)ctx;
    if (index >= N_ACCOUNTS)
        return LM_ENOTFOUND;
    memset(out, 0x5a, 16);
    lm_store_be32(out + 16, index);
    return LM_OK;
}

static lm_code fz_index_of(void *ctx, const uint8_t address[20], uint32_t *index)
{
    (void)ctx;
    for (int i = 0; i < 16; i++)
        if (address[i] != 0x5a)
            return LM_ENOTFOUND;
    uint32_t v = lm_load_be32(address + 16);
    if (v >= N_ACCOUNTS)
        return LM_ENOTFOUND;
    *index = v;
    return LM_OK;
}

static const lm_batch_limits limits = {1u << 20, 256, 256, 1024};
static const lm_batch_params params = {901, {NULL, fz_address_of, fz_index_of}, &limits, 0};

static void same_blocks(const lm_batch *a, const lm_batch *b)
{
    if (a->block_count != b->block_count || a->tx_total != b->tx_total ||
        a->new_address_count != b->new_address_count)
        abort();
    for (uint32_t i = 0; i < a->block_count; i++) {
        uint8_t ea[LM_BLOCK_HEADER_LEN], eb[LM_BLOCK_HEADER_LEN];
        lm_block_header_encode(ea, &a->blocks[i].header);
        lm_block_header_encode(eb, &b->blocks[i].header);
        if (memcmp(ea, eb, sizeof ea) != 0)
            abort();
        for (uint32_t t = 0; t < a->blocks[i].header.tx_count; t++) {
            uint8_t wa[LM_TX_WIRE_LEN], wb[LM_TX_WIRE_LEN];
            lm_tx_encode(wa, &a->blocks[i].txs[t]);
            lm_tx_encode(wb, &b->blocks[i].txs[t]);
            if (memcmp(wa, wb, sizeof wa) != 0)
                abort();
        }
    }
}

static void well_formed(const lm_batch *b, const uint8_t parent[32])
{
    if (b->block_count == 0 || b->block_count > limits.max_blocks)
        abort();
    uint64_t total = 0;
    uint8_t prev[32];
    memcpy(prev, parent, 32);
    for (uint32_t i = 0; i < b->block_count; i++) {
        const lm_block_header *h = &b->blocks[i].header;
        if (memcmp(h->parent_hash, prev, 32) != 0)
            abort();
        if (i > 0 && h->number != b->blocks[i - 1].header.number + 1)
            abort();
        if (h->tx_count > limits.max_txs_per_block)
            abort();
        for (uint32_t t = 0; t < h->tx_count; t++)
            if (b->blocks[i].txs[t].chain_id != params.chain_id)
                abort();
        total += h->tx_count;
        lm_block_hash(prev, h);
    }
    if (total != b->tx_total || total > limits.max_txs)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *abuf;
    static size_t acap;
    if (!abuf) {
        acap = 4 * lm_batch_decode_arena_size(&limits);
        abuf = malloc(acap);
        if (!abuf)
            abort();
    }
    lm_arena a;
    lm_arena_init(&a, abuf, acap);
    const uint8_t parent[32] = {0x77};
    lm_batch b;
    lm_err err;
    lm_code rc = lm_batch_decode(&a, &b, &params, parent, data, size, &err);
    if (rc != LM_OK) {
        if (err.code != rc || err.msg[0] == '\0' || a.used != 0)
            abort();
        return 0;
    }
    well_formed(&b, parent);

    /* the canonical payload, as the input carries it */
    const uint8_t *payload;
    size_t plen;
    if (lm_batch_unwrap(&a, &payload, &plen, data, size, &limits, &err) != LM_OK)
        abort();

    size_t cap = lm_batch_encode_bound(b.blocks, b.block_count);
    size_t scap = lm_batch_encode_scratch_size(b.blocks, b.block_count);
    uint8_t *out = malloc(cap);
    uint8_t *sbuf = malloc(scap);
    if (!out || !sbuf)
        abort();
    lm_arena scratch;
    lm_arena_init(&scratch, sbuf, scap);
    size_t len;
    if (lm_batch_encode(&scratch, out, cap, &len, &params, b.blocks, b.block_count, LM_BATCH_NONE,
                        &err) != LM_OK)
        abort();
    if (len != plen + 2 || out[0] != LM_BATCH_VERSION || out[1] != LM_BATCH_NONE ||
        memcmp(out + 2, payload, plen) != 0)
        abort();

    /* through zstd and back */
    if (lm_batch_encode(&scratch, out, cap, &len, &params, b.blocks, b.block_count, LM_BATCH_ZSTD,
                        &err) != LM_OK)
        abort();
    lm_batch b2;
    if (lm_batch_decode(&a, &b2, &params, parent, out, len, &err) != LM_OK)
        abort();
    same_blocks(&b, &b2);
    free(out);
    free(sbuf);
    return 0;
}
