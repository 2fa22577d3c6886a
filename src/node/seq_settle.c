/* The sequencer's batches: their records in the store, and the settler that
 * posts them to L1 (Rollup.appendBatch) with their output roots
 * (Rollup.proposeOutput). L1 is the source of truth for what is settled:
 * the settler asks the Rollup how many batches and outputs it holds and
 * continues from there, so a restart or a lost receipt never posts twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>

#include "lamina/abi.h"
#include "lamina/arena.h"
#include "lamina/batch.h"
#include "lamina/genesis.h"
#include "lamina/keccak.h"
#include "lamina/state_tree.h"
#include "lamina/bytes.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "seq_internal.h"

#define LOG "settler"

void seq_wd_encode(uint8_t v[SEQ_WD_REC_LEN], uint64_t batch, uint32_t leaf, const lm_withdrawal *w)
{
    lm_store_be64(v, batch);
    lm_store_be32(v + 8, leaf);
    lm_store_be64(v + 12, w->id);
    memcpy(v + 20, w->l2_sender, 20);
    memcpy(v + 40, w->l1_recipient, 20);
    lm_store_be32(v + 60, w->asset_id);
    lm_store_be64(v + 64, w->amount);
}

bool seq_wd_decode(const uint8_t *v, size_t len, uint64_t *batch, uint32_t *leaf, lm_withdrawal *w)
{
    if (len != SEQ_WD_REC_LEN)
        return false;
    *batch = lm_load_be64(v);
    *leaf = lm_load_be32(v + 8);
    w->id = lm_load_be64(v + 12);
    memcpy(w->l2_sender, v + 20, 20);
    memcpy(w->l1_recipient, v + 40, 20);
    w->asset_id = lm_load_be32(v + 60);
    w->amount = lm_load_be64(v + 64);
    return true;
}

static void rec_encode(uint8_t *v, const seq_batch *b)
{
    lm_store_be64(v, b->number);
    lm_store_be64(v + 8, b->first_block);
    lm_store_be64(v + 16, b->last_block);
    lm_store_be64(v + 24, b->start_accounts);
    lm_store_be64(v + 32, b->first_withdrawal_id);
    lm_store_be32(v + 40, b->withdrawal_count);
    v[44] = b->output.version;
    memcpy(v + 45, b->output.state_root, 32);
    memcpy(v + 77, b->output.withdrawals_root, 32);
    memcpy(v + 109, b->output.last_block_hash, 32);
    memcpy(v + 141, b->output_root, 32);
}

static bool rec_decode(seq_batch *b, const uint8_t *v, size_t len)
{
    if (len != SEQ_BATCH_REC_LEN)
        return false;
    b->number = lm_load_be64(v);
    b->first_block = lm_load_be64(v + 8);
    b->last_block = lm_load_be64(v + 16);
    b->start_accounts = lm_load_be64(v + 24);
    b->first_withdrawal_id = lm_load_be64(v + 32);
    b->withdrawal_count = lm_load_be32(v + 40);
    b->output.version = v[44];
    memcpy(b->output.state_root, v + 45, 32);
    memcpy(b->output.withdrawals_root, v + 77, 32);
    memcpy(b->output.last_block_hash, v + 109, 32);
    memcpy(b->output_root, v + 141, 32);
    return true;
}

/* The withdrawals root over list[0..n). */
static void withdrawals_root(uint8_t out[32], const lm_withdrawal *list, size_t n)
{
    uint8_t (*leaves)[32] = malloc((n ? n : 1) * 32);
    uint8_t (*scratch)[32] = malloc(((n + 1) / 2 + 1) * 32);
    memset(out, 0, 32);
    if (leaves && scratch) {
        for (size_t i = 0; i < n; i++)
            lm_withdrawal_leaf(leaves[i], &list[i]);
        if (lm_withdrawal_root(out, (const uint8_t (*)[32])leaves, n, scratch, NULL) != LM_OK)
            memset(out, 0, 32);
    }
    free(leaves);
    free(scratch);
}

void seq_batch_close(lm_seq *s, seq_batch *b, uint64_t last, const uint8_t last_hash[32],
                     const lm_gl root[4])
{
    memset(b, 0, sizeof *b);
    b->number = s->batch_number;
    b->first_block = s->batch_first_block;
    b->last_block = last;
    b->start_accounts = s->batch_start_accounts;
    b->first_withdrawal_id = s->batch_first_withdrawal;
    b->withdrawal_count = (uint32_t)s->stf.withdrawal_count;
    b->output.version = LM_OUTPUT_VERSION;
    lm_state_root_bytes(b->output.state_root, root);
    withdrawals_root(b->output.withdrawals_root, s->withdrawals, s->stf.withdrawal_count);
    memcpy(b->output.last_block_hash, last_hash, 32);
    lm_output_root(b->output_root, &b->output);
}

lm_code seq_batch_put(lm_seq *s, const seq_batch *b, lm_err *err)
{
    char key[64];
    uint8_t rec[SEQ_BATCH_REC_LEN];
    rec_encode(rec, b);
    int k = snprintf(key, sizeof key, "seq.batch.%llu", (unsigned long long)b->number);
    return lm_store_put_meta(lm_statedb_store(s->db), key, (size_t)k, rec, sizeof rec, err);
}

lm_code seq_batch_store(lm_seq *s, const seq_batch *b, lm_err *err)
{
    lm_store *st = lm_statedb_store(s->db);
    lm_code rc = lm_store_begin_block(st, err);
    if (rc != LM_OK)
        return rc;
    if ((rc = seq_batch_put(s, b, err)) != LM_OK) {
        lm_store_abort_block(st);
        return rc;
    }
    return lm_store_commit_block(st, err);
}

/* Reads the withdrawals of batch `batch` with ids [first, first + n) into list. */
static lm_code load_withdrawals(lm_store_view *v, uint64_t batch, uint64_t first, size_t n,
                                lm_withdrawal *list, lm_err *err)
{
    for (size_t i = 0; i < n; i++) {
        char key[64];
        int k = snprintf(key, sizeof key, "seq.wd.%llu", (unsigned long long)(first + i));
        const uint8_t *val;
        size_t len;
        lm_code rc = lm_store_get_meta(v, key, (size_t)k, &val, &len, err);
        uint64_t b;
        uint32_t leaf;
        if (rc != LM_OK || !seq_wd_decode(val, len, &b, &leaf, &list[i]) || b != batch ||
            leaf != i)
            return rc != LM_OK ? rc : lm_err_set(err, LM_EIO, "withdrawal %llu: bad record",
                                                 (unsigned long long)(first + i));
    }
    return LM_OK;
}

lm_code seq_load_batches(lm_seq *s, lm_err *err)
{
    lm_store_view v;
    lm_code rc = lm_store_read_begin(lm_statedb_store(s->db), &v, err);
    if (rc != LM_OK)
        return rc;
    /* closed batches: their records, in order */
    uint64_t n = 0;
    for (;; n++) {
        char key[64];
        int k = snprintf(key, sizeof key, "seq.batch.%llu", (unsigned long long)n);
        const uint8_t *val;
        size_t len;
        lm_err e2;
        if (lm_store_get_meta(&v, key, (size_t)k, &val, &len, &e2) != LM_OK)
            break;
        seq_batch b;
        if (!rec_decode(&b, val, len)) {
            lm_store_read_end(&v);
            return lm_err_set(err, LM_EIO, "batch %llu: bad record", (unsigned long long)n);
        }
        if (s->closed_len == s->closed_cap) {
            size_t cap = s->closed_cap * 2 + 8;
            seq_batch *nv = realloc(s->closed, cap * sizeof *nv);
            if (!nv) {
                lm_store_read_end(&v);
                return lm_err_set(err, LM_ENOMEM, "out of memory");
            }
            s->closed = nv;
            s->closed_cap = cap;
        }
        s->closed[s->closed_len++] = b;
    }
    s->batch_number = n;
    s->batch_blocks = 0;
    s->stf.withdrawal_count = 0;
    /* the open batch, if its first block was committed */
    const uint8_t *val;
    size_t len;
    lm_err e2;
    if (lm_store_get_meta(&v, "seq.open", 8, &val, &len, &e2) == LM_OK && len == 32 &&
        lm_load_be64(val) == n) {
        const uint8_t *o = val;
        s->batch_first_block = lm_load_be64(o + 8);
        s->batch_start_accounts = lm_load_be64(o + 16);
        s->batch_first_withdrawal = lm_load_be64(o + 24);
        uint64_t wd = s->stf.meta.next_withdrawal_id - s->batch_first_withdrawal;
        if (wd > LM_MAX_WITHDRAWALS_PER_BATCH ||
            (rc = load_withdrawals(&v, n, s->batch_first_withdrawal, (size_t)wd, s->withdrawals,
                                   err)) != LM_OK) {
            lm_store_read_end(&v);
            return rc != LM_OK ? rc : lm_err_set(err, LM_EIO, "open batch: bad withdrawals");
        }
        s->stf.withdrawal_count = (size_t)wd;
        s->batch_blocks = s->head.number + 1 - s->batch_first_block;
        s->batch_txs = 0;
        for (uint64_t bn = s->batch_first_block; bn <= s->head.number; bn++) {
            lm_block_header bh;
            if (lm_store_get_block(&v, bn, &bh, NULL, &e2) == LM_OK)
                s->batch_txs += bh.tx_count;
        }
        /* closed at the head, but its record was not written (a crash right
         * after the block): the stored state root tells */
        uint64_t root_block;
        lm_gl root[4];
        if (lm_store_get_state_root(&v, &root_block, root, &e2) == LM_OK &&
            root_block == s->head.number && root_block >= s->batch_first_block &&
            s->head.number > 0) {
            seq_batch b;
            seq_batch_close(s, &b, s->head.number, s->head_hash, root);
            lm_store_read_end(&v);
            if ((rc = seq_batch_store(s, &b, err)) != LM_OK)
                return rc;
            LM_WARN(LOG, "batch %llu: record repaired", (unsigned long long)b.number);
            if (s->closed_len == s->closed_cap) {
                size_t cap = s->closed_cap * 2 + 8;
                seq_batch *nv = realloc(s->closed, cap * sizeof *nv);
                if (!nv)
                    return lm_err_set(err, LM_ENOMEM, "out of memory");
                s->closed = nv;
                s->closed_cap = cap;
            }
            s->closed[s->closed_len++] = b;
            s->batch_number = n + 1;
            s->batch_blocks = 0;
            s->stf.withdrawal_count = 0;
            return LM_OK;
        }
    }
    lm_store_read_end(&v);
    return LM_OK;
}

/* ---- encoding a closed batch from the store ------------------------------- */

typedef struct resolver_ctx {
    lm_store_view *view;
    uint64_t start_accounts;
} resolver_ctx;

static lm_code r_address_of(void *ctx, uint32_t index, uint8_t out[20])
{
    resolver_ctx *r = ctx;
    if (index >= r->start_accounts)
        return LM_ENOTFOUND;
    lm_account a;
    lm_code rc = lm_store_get_account(r->view, index, &a, NULL);
    if (rc == LM_OK)
        memcpy(out, a.address, 20);
    return rc;
}

static lm_code r_index_of(void *ctx, const uint8_t address[20], uint32_t *index)
{
    resolver_ctx *r = ctx;
    uint64_t i;
    lm_code rc = lm_store_find_address(r->view, address, &i, NULL);
    if (rc != LM_OK)
        return rc;
    if (i >= r->start_accounts)
        return LM_ENOTFOUND;
    *index = (uint32_t)i;
    return LM_OK;
}

/* Encodes batch b from the stored blocks. Out: *data (malloc'ed), *len. */
static lm_code encode_batch(lm_seq *s, seq_batch *b, uint8_t **data, size_t *len, lm_err *err)
{
    lm_store_view v;
    lm_code rc = lm_store_read_begin(lm_statedb_store(s->db), &v, err);
    if (rc != LM_OK)
        return rc;
    size_t nb = (size_t)(b->last_block - b->first_block + 1);
    b->tx_count = 0;
    lm_batch_block *blocks = calloc(nb, sizeof *blocks);
    lm_tx **txs = calloc(nb, sizeof *txs);
    uint8_t *out = malloc(LM_BATCH_L1_MAX_BYTES);
    void *scratch = NULL;
    if (!blocks || !txs || !out) {
        rc = lm_err_set(err, LM_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nb; i++) {
        const uint8_t *wires;
        if ((rc = lm_store_get_block(&v, b->first_block + i, &blocks[i].header, &wires, err)))
            goto done;
        uint32_t n = blocks[i].header.tx_count;
        b->tx_count += n;
        txs[i] = calloc(n ? n : 1, sizeof **txs);
        if (!txs[i]) {
            rc = lm_err_set(err, LM_ENOMEM, "out of memory");
            goto done;
        }
        for (uint32_t t = 0; t < n; t++)
            if (lm_tx_decode(&txs[i][t], wires + (size_t)t * LM_TX_WIRE_LEN, LM_TX_WIRE_LEN) !=
                LM_STF_OK) {
                rc = lm_err_set(err, LM_EIO, "block %llu: stored transaction %u is malformed",
                                (unsigned long long)(b->first_block + i), t);
                goto done;
            }
        blocks[i].txs = txs[i];
    }
    resolver_ctx rctx = {&v, b->start_accounts};
    lm_batch_params p = {.chain_id = s->cfg.deployment.config.l2_chain_id,
                         .resolver = {&rctx, r_address_of, r_index_of},
                         .zstd_level = LM_BATCH_ZSTD_LEVEL_FAST};
    size_t ss = lm_batch_encode_scratch_size(blocks, nb);
    scratch = malloc(ss);
    if (!scratch) {
        rc = lm_err_set(err, LM_ENOMEM, "out of memory");
        goto done;
    }
    lm_arena a;
    lm_arena_init(&a, scratch, ss);
    rc = lm_batch_encode(&a, out, LM_BATCH_L1_MAX_BYTES, len, &p, blocks, nb, LM_BATCH_ZSTD, err);
done:
    lm_store_read_end(&v);
    if (txs)
        for (size_t i = 0; i < nb; i++)
            free(txs[i]);
    free(txs);
    free(blocks);
    free(scratch);
    if (rc == LM_OK)
        *data = out;
    else
        free(out);
    return rc;
}

/* ---- the settler thread ------------------------------------------------------ */

static lm_code next_output_index(lm_rpc *rpc, const lm_deployment *d, uint64_t *out, lm_err *err)
{
    uint8_t data[4];
    lm_abi_selector(data, "nextOutputIndex()", 17);
    lm_l1_call_msg msg = {.to = d->rollup, .data = data, .data_len = 4};
    uint8_t *ret = NULL;
    size_t len = 0;
    lm_code rc = lm_rpc_eth_call(rpc, &ret, &len, &msg, lm_block_tagged(LM_BLOCK_LATEST), err);
    if (rc != LM_OK)
        return rc;
    if (len != 32) {
        free(ret);
        return lm_err_set(err, LM_EPROTO, "nextOutputIndex: %zu bytes returned", len);
    }
    *out = lm_load_be64(ret + 24);
    free(ret);
    return LM_OK;
}

/* What the settler knows of one L1 batch index. */
typedef struct l1_slot {
    uint64_t owner;        /* the local batch posted there, or UINT64_MAX: someone else's */
    uint8_t root[32];      /* the output root to propose for this index */
    uint64_t l2_block;     /* ... and its L2 block number */
    lm_output_preimage after; /* the output preimage after this index */
} l1_slot;

#define FOREIGN UINT64_MAX

/* Rollup.batch(j).hash. */
static lm_code l1_batch_hash(lm_rpc *rpc, const lm_deployment *d, uint64_t j, uint8_t out[32],
                             lm_err *err)
{
    uint8_t data[36];
    lm_abi_selector(data, "batch(uint256)", 14);
    memset(data + 4, 0, 32);
    lm_store_be64(data + 28, j);
    lm_l1_call_msg msg = {.to = d->rollup, .data = data, .data_len = sizeof data};
    uint8_t *ret = NULL;
    size_t len = 0;
    lm_code rc = lm_rpc_eth_call(rpc, &ret, &len, &msg, lm_block_tagged(LM_BLOCK_LATEST), err);
    if (rc != LM_OK)
        return rc;
    if (len < 32) {
        free(ret);
        return lm_err_set(err, LM_EPROTO, "batch(%llu): %zu bytes returned", (unsigned long long)j, len);
    }
    memcpy(out, ret, 32);
    free(ret);
    return LM_OK;
}

/* The output preimage of the genesis state (docs/l2-protocol.md §8): the
 * state root over account 0 alone and the genesis block's hash. */
static lm_code genesis_preimage(lm_seq *s, lm_output_preimage *o, lm_err *err)
{
    lm_account a;
    lm_genesis_account(&a, &s->cfg.deployment);
    lm_state_tree t;
    lm_state_tree_init(&t);
    lm_gl leaf[4], acc[4], meta_leaf[4], root[4];
    lm_account_leaf(leaf, &a);
    lm_code rc = lm_state_tree_set(&t, 0, leaf, err);
    if (rc != LM_OK) {
        lm_state_tree_free(&t);
        return rc;
    }
    lm_state_tree_commit(&t, 1);
    lm_state_tree_root(&t, acc);
    lm_state_tree_free(&t);
    lm_chain_meta m;
    memset(&m, 0, sizeof m);
    m.num_accounts = 1;
    lm_meta_leaf(meta_leaf, &m);
    lm_state_root(root, acc, meta_leaf);
    memset(o, 0, sizeof *o);
    o->version = LM_OUTPUT_VERSION;
    lm_state_root_bytes(o->state_root, root);
    lm_store_view v = {0};
    lm_block_header h;
    if ((rc = lm_store_read_begin(lm_statedb_store(s->db), &v, err)) == LM_OK &&
        (rc = lm_store_get_block(&v, 0, &h, NULL, err)) == LM_OK)
        lm_block_hash(o->last_block_hash, &h);
    lm_store_read_end(&v);
    return rc;
}

/* The closed batch with local number k: from the queue, else the store. */
static lm_code find_batch(lm_seq *s, uint64_t k, seq_batch *out, lm_err *err)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->closed_len; i++)
        if (s->closed[i].number == k) {
            *out = s->closed[i];
            pthread_mutex_unlock(&s->mu);
            return LM_OK;
        }
    pthread_mutex_unlock(&s->mu);
    lm_store_view v = {0};
    lm_code rc = lm_store_read_begin(lm_statedb_store(s->db), &v, err);
    if (rc == LM_OK) {
        char key[64];
        int n = snprintf(key, sizeof key, "seq.batch.%llu", (unsigned long long)k);
        const uint8_t *val;
        size_t len;
        rc = lm_store_get_meta(&v, key, (size_t)n, &val, &len, err);
        if (rc == LM_OK && !rec_decode(out, val, len))
            rc = lm_err_set(err, LM_EIO, "batch %llu: bad record", (unsigned long long)k);
    }
    lm_store_read_end(&v);
    return rc;
}

/* Records where local batch k sits on L1 (FOREIGN: nowhere), for the RPC. */
static void set_l1_index(lm_seq *s, uint64_t k, uint64_t j)
{
    pthread_mutex_lock(&s->mu);
    if (k >= s->l1_index_cap) {
        size_t cap = (size_t)k * 2 + 16;
        uint64_t *v = realloc(s->l1_index, cap * sizeof *v);
        if (v) {
            for (size_t i = s->l1_index_cap; i < cap; i++)
                v[i] = FOREIGN;
            s->l1_index = v;
            s->l1_index_cap = cap;
        }
    }
    if (k < s->l1_index_cap)
        s->l1_index[k] = j;
    pthread_mutex_unlock(&s->mu);
}

void *seq_settler_main(void *arg)
{
    lm_seq *s = arg;
    prctl(PR_SET_NAME, "lm-settle"); /* shown by top -H and perf */
    lm_err err;
    lm_rpc rpc;
    lm_l1_signer batcher, proposer;
    bool have_b = false, have_p = false;
    l1_slot *slots = NULL;
    size_t scanned = 0, slots_cap = 0;
    uint64_t next_local = 0; /* the first local batch not yet found on L1 */
    uint8_t posted_hash[32]; /* keccak of the last batch sent, and its number */
    uint64_t posted_number = 0;
    bool posted_valid = false;
    lm_output_preimage genesis;
    if (lm_rpc_init(&rpc, s->cfg.l1_rpc_url, NULL, &err) != LM_OK) {
        LM_ERROR(LOG, "%s", err.msg);
        return NULL;
    }
    if (lm_l1_signer_init(&batcher, &rpc, &s->cfg.batcher_key, 0, NULL, &err) == LM_OK)
        have_b = true;
    if (have_b && lm_l1_signer_init(&proposer, &rpc, &s->cfg.proposer_key, 0, NULL, &err) == LM_OK)
        have_p = true;
    if (!have_p || genesis_preimage(s, &genesis, &err) != LM_OK) {
        LM_ERROR(LOG, "cannot settle: %s", err.msg);
        goto out;
    }
    /* a transaction not mined in 30 s is given up and its nonce re-read;
     * one that L1 dropped (a reorg, the pool) is given up within about a
     * second (LM_EDROPPED, lm_l1_signer_wait), and the next round sends again */
    batcher.wait_timeout_ms = 30000;
    proposer.wait_timeout_ms = 30000;
    uint64_t last_outputs = 0;
    const lm_deployment *d = &s->cfg.deployment;
    while (!atomic_load(&s->stop)) {
        uint64_t on_l1 = 0, outputs = 0;
        if (lm_rollup_batch_count(&rpc, d, &on_l1, &err) != LM_OK ||
            next_output_index(&rpc, d, &outputs, &err) != LM_OK) {
            LM_WARN(LOG, "L1: %s", err.msg);
            goto pause;
        }
        if (on_l1 < scanned || outputs < last_outputs) {
            /* an L1 reorg: the transactions it removed took their nonces
             * with them; ask the node before the next send */
            batcher.nonce_known = false;
            proposer.nonce_known = false;
        }
        last_outputs = outputs;
        if (on_l1 < scanned) {
            /* an L1 reorg removed batches: forget where they were; ours are
             * posted again, with their outputs */
            LM_WARN(LOG, "L1 reorg: %zu batch(es) gone", scanned - (size_t)on_l1);
            for (size_t j = (size_t)on_l1; j < scanned; j++)
                if (slots[j].owner != FOREIGN) {
                    set_l1_index(s, slots[j].owner, FOREIGN);
                    if (slots[j].owner < next_local)
                        next_local = slots[j].owner;
                }
            scanned = (size_t)on_l1;
            continue;
        }
        if (scanned < on_l1) {
            /* whose is L1 batch `scanned`? ours if it is our next batch's bytes */
            uint8_t h[32];
            if (l1_batch_hash(&rpc, d, scanned, h, &err) != LM_OK) {
                LM_WARN(LOG, "L1: %s", err.msg);
                goto pause;
            }
            if (scanned == slots_cap) {
                size_t cap = slots_cap * 2 + 64;
                l1_slot *v = realloc(slots, cap * sizeof *v);
                if (!v)
                    goto pause;
                slots = v;
                slots_cap = cap;
            }
            const lm_output_preimage *before = scanned ? &slots[scanned - 1].after : &genesis;
            uint64_t before_block = scanned ? slots[scanned - 1].l2_block : 0;
            l1_slot *sl = &slots[scanned];
            seq_batch b;
            bool ours = false;
            pthread_mutex_lock(&s->mu);
            bool have = next_local < s->batch_number;
            pthread_mutex_unlock(&s->mu);
            if (have && find_batch(s, next_local, &b, &err) == LM_OK) {
                uint8_t *data;
                size_t len;
                if (posted_valid && posted_number == next_local) {
                    ours = memcmp(posted_hash, h, 32) == 0; /* what we just sent */
                } else if (encode_batch(s, &b, &data, &len, &err) == LM_OK) {
                    uint8_t mine[32];
                    lm_keccak256(mine, data, len);
                    free(data);
                    ours = memcmp(mine, h, 32) == 0;
                }
            }
            if (ours) {
                sl->owner = b.number;
                memcpy(sl->root, b.output_root, 32);
                sl->l2_block = b.last_block;
                sl->after = b.output;
                set_l1_index(s, b.number, scanned);
                next_local = b.number + 1;
            } else {
                /* someone else's: derivation ignores it, and its output is
                 * the unchanged state (docs/l2-protocol.md §8) */
                sl->owner = FOREIGN;
                sl->after = *before;
                memset(sl->after.withdrawals_root, 0, 32);
                lm_output_root(sl->root, &sl->after);
                sl->l2_block = before_block;
                LM_WARN(LOG, "L1 batch %zu is not ours: its output is the unchanged state", scanned);
            }
            scanned++;
            continue;
        }
        lm_l1_receipt r;
        if (outputs < on_l1) {
            const l1_slot *sl = &slots[outputs];
            if (lm_rollup_propose_output(&proposer, d, outputs, sl->root, sl->l2_block, &r, &err) !=
                LM_OK) {
                LM_WARN(LOG, "output %llu: %s", (unsigned long long)outputs, err.msg);
                proposer.nonce_known = false; /* re-read from L1 before the next send */
                goto pause;
            }
            LM_INFO(LOG, "output %llu proposed (L2 block %llu)", (unsigned long long)outputs,
                    (unsigned long long)sl->l2_block);
            pthread_mutex_lock(&s->mu);
            s->stats.outputs_proposed++;
            s->stats.l1_gas_used += r.gas_used;
            pthread_mutex_unlock(&s->mu);
            lm_l1_receipt_free(&r);
            continue;
        }
        /* everything on L1 has its output: drop what is settled, post the next */
        pthread_mutex_lock(&s->mu);
        size_t drop = 0;
        while (drop < s->closed_len && s->closed[drop].number < next_local)
            drop++;
        if (drop) {
            memmove(s->closed, s->closed + drop, (s->closed_len - drop) * sizeof *s->closed);
            s->closed_len -= drop;
        }
        bool any = next_local < s->batch_number;
        pthread_mutex_unlock(&s->mu);
        if (!any)
            goto idle;
        seq_batch b;
        uint8_t *data;
        size_t len;
        if (find_batch(s, next_local, &b, &err) != LM_OK || encode_batch(s, &b, &data, &len, &err) != LM_OK) {
            LM_ERROR(LOG, "batch %llu: %s", (unsigned long long)next_local, err.msg);
            goto pause;
        }
        /* the next round finds it on L1 by this hash, without encoding again */
        lm_keccak256(posted_hash, data, len);
        posted_number = b.number;
        posted_valid = true;
        lm_code rc = lm_rollup_append_batch(&batcher, d, data, len, &r, &err);
        free(data);
        if (rc != LM_OK) {
            LM_WARN(LOG, "batch %llu: %s", (unsigned long long)b.number, err.msg);
            batcher.nonce_known = false;
            goto pause;
        }
        LM_INFO(LOG, "batch %llu posted: blocks %llu..%llu, %zu bytes, L1 block %llu, gas %llu",
                (unsigned long long)b.number, (unsigned long long)b.first_block,
                (unsigned long long)b.last_block, len, (unsigned long long)r.block_number,
                (unsigned long long)r.gas_used);
        pthread_mutex_lock(&s->mu);
        s->stats.batches_posted++;
        s->stats.l1_gas_used += r.gas_used;
        s->stats.l1_batch_bytes += len;
        s->stats.txs_posted += b.tx_count;
        if (b.closed_at.tv_sec)
            s->stats.batch_post_ms_sum += seq_ms_since(&b.closed_at);
        pthread_mutex_unlock(&s->mu);
        lm_l1_receipt_free(&r);
        continue; /* the next round finds it on L1 and proposes its output */
    idle:
        pthread_mutex_lock(&s->mu);
        if (!atomic_load(&s->stop)) {
            struct timespec dl;
            clock_gettime(CLOCK_REALTIME, &dl);
            dl.tv_sec += 1;
            pthread_cond_timedwait(&s->settle_cv, &s->mu, &dl);
        }
        pthread_mutex_unlock(&s->mu);
        continue;
    pause:
        for (int i = 0; i < 10 && !atomic_load(&s->stop); i++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    }
out:
    free(slots);
    if (have_b)
        lm_l1_signer_free(&batcher);
    if (have_p)
        lm_l1_signer_free(&proposer);
    lm_rpc_free(&rpc);
    return NULL;
}
