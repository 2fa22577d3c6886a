/* The sequencer: lifecycle, the block builder and the L1 watcher. See
 * include/lamina/sequencer.h and docs/node.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "lamina/bytes.h"
#include "lamina/genesis.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/secp256k1.h"
#include "seq_internal.h"

#define LOG "sequencer"

void lm_seq_config_default(lm_seq_config *c)
{
    memset(c, 0, sizeof *c);
    c->rpc_host = "127.0.0.1";
    c->block_interval_ms = 100;
    c->max_block_txs = 512;
    c->l1_poll_ms = 500;
    c->l1_confirmations = 1;
    c->batch_interval_ms = 2000;
    c->batch_max_blocks = 200;
}

uint64_t seq_ms_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
    return ms < 0 ? 0 : (uint64_t)ms;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the STF host: statedb's, with signatures the RPC thread verified ---- */

static bool h_get(void *ctx, uint64_t i, lm_account *out)
{
    lm_seq *s = ctx;
    return s->db_host->get_account(s->db_host->ctx, i, out);
}

static bool h_put(void *ctx, uint64_t i, const lm_account *a)
{
    lm_seq *s = ctx;
    return s->db_host->put_account(s->db_host->ctx, i, a);
}

static bool h_find(void *ctx, const uint8_t addr[20], bool *found, uint64_t *i)
{
    lm_seq *s = ctx;
    return s->db_host->find_account(s->db_host->ctx, addr, found, i);
}

static bool h_recover(void *ctx, const uint8_t digest[32], const uint8_t sig[65], uint8_t out[20])
{
    lm_seq *s = ctx;
    if (s->pre_valid && memcmp(digest, s->pre_digest, 32) == 0) {
        memcpy(out, s->pre_from, 20);
        return true;
    }
    return s->db_host->ecrecover(s->db_host->ctx, digest, sig, out);
}

/* ---- the L1 watcher ------------------------------------------------------- */

static void *l1_main(void *arg)
{
    lm_seq *s = arg;
    prctl(PR_SET_NAME, "lm-l1"); /* shown by top -H and perf */
    lm_err err;
    while (!atomic_load(&s->stop)) {
        uint64_t head;
        if (lm_rpc_block_number(&s->l1, &head, &err) != LM_OK) {
            LM_WARN(LOG, "L1: %s", err.msg);
            sleep_ms(s->cfg.l1_poll_ms);
            continue;
        }
        if (head < s->cfg.l1_confirmations) {
            sleep_ms(s->cfg.l1_poll_ms);
            continue;
        }
        uint64_t target = head - s->cfg.l1_confirmations;
        pthread_mutex_lock(&s->mu);
        uint64_t from = s->l1_scanned + 1;
        bool known = s->l1_known;
        pthread_mutex_unlock(&s->mu);
        if (known && target < from) {
            sleep_ms(s->cfg.l1_poll_ms);
            continue;
        }
        lm_l1_header origin;
        lm_queued_message *m = NULL;
        size_t n = 0;
        if (lm_rpc_get_block_by_number(&s->l1, &origin, lm_block_at(target), &err) != LM_OK ||
            (from <= target && lm_lamina_get_messages(&s->l1, &s->cfg.deployment, from, target,
                                                      &m, &n, &err) != LM_OK)) {
            LM_WARN(LOG, "L1: %s", err.msg);
            sleep_ms(s->cfg.l1_poll_ms);
            continue;
        }
        pthread_mutex_lock(&s->mu);
        if (s->pending_len + n > s->pending_cap) {
            size_t cap = (s->pending_len + n) * 2 + 16;
            lm_queued_message *v = realloc(s->pending, cap * sizeof *v);
            if (!v) {
                pthread_mutex_unlock(&s->mu);
                free(m);
                LM_ERROR(LOG, "L1: out of memory");
                sleep_ms(s->cfg.l1_poll_ms);
                continue;
            }
            s->pending = v;
            s->pending_cap = cap;
        }
        /* skip what the state already consumed (after a restart) */
        for (size_t i = 0; i < n; i++)
            if (m[i].msg.index >= s->stf.meta.l1_messages_done + s->pending_len)
                s->pending[s->pending_len++] = m[i];
        if (from <= target)
            s->l1_scanned = target;
        s->stats.l1_scanned = s->l1_scanned;
        s->l1_origin = origin;
        s->l1_known = true;
        pthread_mutex_unlock(&s->mu);
        free(m);
        if (n)
            LM_INFO(LOG, "L1: %zu new message(s) up to L1 block %llu", n, (unsigned long long)target);
        sleep_ms(s->cfg.l1_poll_ms);
    }
    return NULL;
}

/* ---- the block builder ------------------------------------------------------ */

typedef struct build_buf {
    lm_pool_entry *entries;
    uint8_t *wires;
    uint8_t (*hashes)[32];
    uint64_t *tokens;
    lm_stf_message *msgs;
    lm_queued_message *qmsgs;
    uint8_t (*touched)[20];
    size_t touched_len;
    bool track; /* someone subscribes to account updates: collect touched */
} build_buf;

static void touch(build_buf *b, const uint8_t a[20], size_t cap)
{
    if (!b->track)
        return;
    for (size_t i = 0; i < b->touched_len; i++)
        if (memcmp(b->touched[i], a, 20) == 0)
            return;
    if (b->touched_len < cap)
        memcpy(b->touched[b->touched_len++], a, 20);
}


/* Puts, into the open block's transaction: the open batch's record when
 * this block opens the batch, and the withdrawals this block added (from
 * index `from` of the batch's list). Atomic with the block. */
static lm_code put_block_extras(lm_seq *s, bool opens_batch, size_t from, lm_err *err)
{
    lm_store *st = lm_statedb_store(s->db);
    char key[64];
    int k;
    lm_code rc;
    if (opens_batch) {
        uint8_t v[32];
        lm_store_be64(v, s->batch_number);
        lm_store_be64(v + 8, s->batch_first_block);
        lm_store_be64(v + 16, s->batch_start_accounts);
        lm_store_be64(v + 24, s->batch_first_withdrawal);
        if ((rc = lm_store_put_meta(st, "seq.open", 8, v, sizeof v, err)) != LM_OK)
            return rc;
    }
    for (size_t i = from; i < s->stf.withdrawal_count; i++) {
        uint8_t v[SEQ_WD_REC_LEN];
        seq_wd_encode(v, s->batch_number, (uint32_t)i, &s->withdrawals[i]);
        k = snprintf(key, sizeof key, "seq.wd.%llu", (unsigned long long)s->withdrawals[i].id);
        if ((rc = lm_store_put_meta(st, key, (size_t)k, v, sizeof v, err)) != LM_OK)
            return rc;
    }
    return LM_OK;
}

/* The batch record of a closing block, put in the block's own transaction
 * once its state root is known. */
typedef struct close_ctx {
    lm_seq *s;
    seq_batch *b;
    uint64_t number;
    const uint8_t *hash;
} close_ctx;

static lm_code close_hook(void *ctx, const lm_gl root[4], lm_err *err)
{
    close_ctx *c = ctx;
    seq_batch_close(c->s, c->b, c->number, c->hash, root);
    return seq_batch_put(c->s, c->b, err);
}

/* Builds, commits and announces one block. Returns false when nothing was
 * to be done. */
static bool build_block(lm_seq *s, build_buf *bb)
{
    lm_err err;
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    /* a block never takes more than the open batch has room for */
    size_t take = s->cfg.max_block_txs;
    if (s->batch_txs + take > SEQ_BATCH_TXS)
        take = s->batch_txs < SEQ_BATCH_TXS ? (size_t)(SEQ_BATCH_TXS - s->batch_txs) : 1;
    size_t ntx = lm_mempool_take(&s->pool, bb->entries, take);

    /* the L1 origin and the messages it allows */
    pthread_mutex_lock(&s->mu);
    bool l1_known = s->l1_known;
    lm_l1_header origin = s->l1_origin;
    size_t nmsg = 0;
    while (nmsg < s->pending_len && nmsg < LM_MAX_MSGS_PER_BLOCK &&
           s->pending[nmsg].msg.l1_block <= origin.number) {
        bb->qmsgs[nmsg] = s->pending[nmsg];
        nmsg++;
    }
    pthread_mutex_unlock(&s->mu);
    /* an idle chain still closes its open batch on time, with an empty block,
     * so that everything sequenced reaches L1 */
    bool must_close = s->batch_blocks > 0 && seq_ms_since(&s->batch_started) >= s->cfg.batch_interval_ms;
    if (!l1_known || (ntx == 0 && nmsg == 0 && !must_close))
        goto answer_unbuilt;

    lm_block_header h;
    memset(&h, 0, sizeof h);
    h.number = s->head.number + 1;
    memcpy(h.parent_hash, s->head_hash, 32);
    if (origin.number < s->head.l1_origin_number) { /* L1 went back: keep the parent's */
        h.l1_origin_number = s->head.l1_origin_number;
        memcpy(h.l1_origin_hash, s->head.l1_origin_hash, 32);
    } else {
        h.l1_origin_number = origin.number;
        memcpy(h.l1_origin_hash, origin.hash, 32);
    }
    uint64_t now = (uint64_t)time(NULL);
    h.timestamp = now;
    if (h.timestamp < s->head.timestamp)
        h.timestamp = s->head.timestamp;
    if (h.timestamp < origin.timestamp)
        h.timestamp = origin.timestamp;
    h.fee_recipient = 0;
    bb->touched_len = 0;
    bb->track = lm_rpcd_has_subscribers(s->rpcd, "account");

    if (lm_statedb_begin_block(s->db, &err) != LM_OK) {
        LM_ERROR(LOG, "begin block: %s", err.msg);
        goto answer_failed;
    }
    bool opens_batch = s->batch_blocks == 0;
    if (opens_batch) {
        s->batch_first_block = h.number;
        s->batch_start_accounts = s->stf.meta.num_accounts;
        s->batch_first_withdrawal = s->stf.meta.next_withdrawal_id;
    }
    size_t wd_before = s->stf.withdrawal_count;
    /* L1 messages first, in queue order */
    size_t applied_msgs = 0;
    for (size_t i = 0; i < nmsg; i++) {
        lm_stf_message m = {.msg = bb->qmsgs[i].msg,
                            .tx = bb->qmsgs[i].l2tx_len ? bb->qmsgs[i].l2tx : NULL,
                            .tx_len = bb->qmsgs[i].l2tx_len};
        lm_stf_code outcome;
        s->pre_valid = false;
        lm_stf_code c = lm_stf_apply_message(&s->stf, &m, h.fee_recipient, &outcome);
        if (c != LM_STF_OK) {
            LM_WARN(LOG, "message %llu not applied: %s", (unsigned long long)m.msg.index,
                    lm_stf_code_message(c));
            break;
        }
        if (m.msg.kind == LM_MSG_DEPOSIT)
            touch(bb, m.msg.to, s->cfg.max_block_txs * 2 + LM_MAX_MSGS_PER_BLOCK);
        applied_msgs++;
    }
    h.l1_messages_upto = s->stf.meta.l1_messages_done;

    /* then the transactions, keeping those the STF accepts */
    size_t kept = 0;
    for (size_t i = 0; i < ntx; i++) {
        lm_pool_entry *e = &bb->entries[i];
        if (e->has_digest) /* the verifier hashed it already */
            memcpy(s->pre_digest, e->digest, 32);
        else
            lm_tx_signing_digest(s->pre_digest, &e->tx, s->stf.config.domain_separator);
        memcpy(s->pre_from, e->tx.from, 20);
        s->pre_valid = true;
        lm_stf_code c = lm_stf_apply_tx(&s->stf, &e->tx, h.fee_recipient);
        s->pre_valid = false;
        if (c == LM_STF_HOST) {
            LM_ERROR(LOG, "state access failed: %s", lm_statedb_host_error(s->db)->msg);
            lm_statedb_abort_block(s->db);
            s->stf.meta = *lm_statedb_meta(s->db);
            goto answer_failed;
        }
        if (c != LM_STF_OK) {
            lm_rpcd_reply_error(s->rpcd, e->token, -32010, lm_stf_code_message(c), seq_stf_error_data(c));
            pthread_mutex_lock(&s->mu);
            s->stats.txs_rejected++;
            pthread_mutex_unlock(&s->mu);
            continue;
        }
        lm_tx_encode(bb->wires + kept * LM_TX_WIRE_LEN, &e->tx);
        memcpy(bb->hashes[kept], e->hash, 32);
        bb->tokens[kept] = e->token;
        touch(bb, e->tx.from, s->cfg.max_block_txs * 2 + LM_MAX_MSGS_PER_BLOCK);
        if (e->tx.type == LM_TX_TRANSFER)
            touch(bb, e->tx.to, s->cfg.max_block_txs * 2 + LM_MAX_MSGS_PER_BLOCK);
        kept++;
    }
    if (kept == 0 && applied_msgs == 0 && !must_close) {
        lm_statedb_abort_block(s->db);
        s->stf.meta = *lm_statedb_meta(s->db);
        return ntx > 0;
    }
    if (put_block_extras(s, opens_batch, wd_before, &err) != LM_OK) {
        LM_ERROR(LOG, "block %llu: %s", (unsigned long long)h.number, err.msg);
        lm_statedb_abort_block(s->db);
        s->stf.meta = *lm_statedb_meta(s->db);
        s->stf.withdrawal_count = wd_before;
        goto answer_failed;
    }
    h.tx_count = (uint32_t)kept;
    lm_tx_root(h.tx_root, (const uint8_t (*)[32])bb->hashes, kept);
    uint8_t hash[32];
    lm_block_hash(hash, &h);

    /* A batch must fit one appendBatch (LM_BATCH_L1_MAX_BYTES) even when
     * nothing compresses: it closes once it holds SEQ_BATCH_TXS, and blocks
     * take no more than the room left (seq_internal.h). */
    bool close = s->batch_blocks + 1 >= s->cfg.batch_max_blocks ||
                 s->batch_txs + kept >= SEQ_BATCH_TXS ||
                 seq_ms_since(&s->batch_started) >= s->cfg.batch_interval_ms;
    lm_gl root[4];
    seq_batch closed;
    /* The closing block's commit also holds the batch's record (its state
     * and output roots): one durable transaction (close_hook). */
    close_ctx cc = {s, &closed, h.number, hash};
    lm_code rc = lm_statedb_commit_block_with(s->db, &s->stf.meta, &h, kept ? bb->wires : NULL, NULL,
                                              close, root, close ? close_hook : NULL, &cc, &err);
    if (rc == LM_OK && close)
        clock_gettime(CLOCK_MONOTONIC, &closed.closed_at);
    if (rc != LM_OK) {
        LM_ERROR(LOG, "commit of block %llu failed: %s", (unsigned long long)h.number, err.msg);
        s->stf.meta = *lm_statedb_meta(s->db);
        s->stf.withdrawal_count = wd_before;
        for (size_t i = 0; i < kept; i++)
            lm_rpcd_reply_error(s->rpcd, bb->tokens[i], -32012, "the block could not be committed",
                                NULL);
        /* the messages stay pending */
        return true;
    }

    /* durable: answer, publish, account */
    s->head = h;
    memcpy(s->head_hash, hash, 32);
    s->has_head = true;
    char hx[67];
    for (size_t i = 0; i < kept; i++) {
        lm_hex_encode(hx, bb->hashes[i], 32, true);
        lm_rpcd_reply(s->rpcd, bb->tokens[i],
                      json_pack("{s:s, s:I, s:I}", "hash", hx, "block", (json_int_t)h.number,
                                "position", (json_int_t)i));
    }
    pthread_mutex_lock(&s->mu);
    if (applied_msgs) {
        memmove(s->pending, s->pending + applied_msgs,
                (s->pending_len - applied_msgs) * sizeof *s->pending);
        s->pending_len -= applied_msgs;
    }
    s->stats.blocks++;
    s->stats.txs_included += kept;
    s->stats.l1_messages += applied_msgs;
    s->stats.head = h.number;
    s->stats.block_us_sum += seq_ms_since(&started) * 1000;
    pthread_mutex_unlock(&s->mu);
    seq_publish_block(s, &h, hash);
    seq_publish_accounts(s, (const uint8_t (*)[20])bb->touched, bb->touched_len);

    s->batch_blocks++;
    s->batch_txs += kept;
    if (close) {
        pthread_mutex_lock(&s->mu);
        if (s->closed_len == s->closed_cap) {
            size_t cap = s->closed_cap * 2 + 8;
            seq_batch *v = realloc(s->closed, cap * sizeof *v);
            if (v) {
                s->closed = v;
                s->closed_cap = cap;
            }
        }
        if (s->closed_len < s->closed_cap)
            s->closed[s->closed_len++] = closed;
        s->stats.batches_closed++;
        s->batch_number++;
        pthread_cond_signal(&s->settle_cv);
        pthread_mutex_unlock(&s->mu);
        LM_INFO(LOG, "batch %llu closed: blocks %llu..%llu, %u withdrawal(s)",
                (unsigned long long)closed.number, (unsigned long long)closed.first_block,
                (unsigned long long)closed.last_block, closed.withdrawal_count);
        s->batch_blocks = 0;
        s->batch_txs = 0;
        s->stf.withdrawal_count = 0;
        clock_gettime(CLOCK_MONOTONIC, &s->batch_started);
    }
    return true;

answer_failed:
    for (size_t i = 0; i < ntx; i++)
        lm_rpcd_reply_error(s->rpcd, bb->entries[i].token, -32012,
                            "the block could not be committed", NULL);
    return true;
answer_unbuilt:
    /* no L1 origin yet: put the transactions back in order */
    for (size_t i = 0; i < ntx; i++) {
        lm_err e2;
        if (lm_mempool_add(&s->pool, &bb->entries[i].tx, bb->entries[i].hash,
                           bb->entries[i].token, NULL, &e2) != LM_OK)
            lm_rpcd_reply_error(s->rpcd, bb->entries[i].token, -32011, e2.msg, NULL);
    }
    return false;
}

static void *builder_main(void *arg)
{
    lm_seq *s = arg;
    prctl(PR_SET_NAME, "lm-build"); /* shown by top -H and perf */
    size_t cap = s->cfg.max_block_txs;
    build_buf bb;
    bb.entries = calloc(cap, sizeof *bb.entries);
    bb.wires = malloc(cap * LM_TX_WIRE_LEN);
    bb.hashes = malloc(cap * 32);
    bb.tokens = malloc(cap * sizeof *bb.tokens);
    bb.qmsgs = malloc(LM_MAX_MSGS_PER_BLOCK * sizeof *bb.qmsgs);
    bb.touched = malloc((cap * 2 + LM_MAX_MSGS_PER_BLOCK) * 20);
    bb.msgs = NULL;
    if (!bb.entries || !bb.wires || !bb.hashes || !bb.tokens || !bb.qmsgs || !bb.touched) {
        LM_ERROR(LOG, "builder: out of memory");
        atomic_store(&s->stop, true);
    }
    struct timespec last;
    clock_gettime(CLOCK_MONOTONIC, &last);
    while (!atomic_load(&s->stop)) {
        uint64_t since = seq_ms_since(&last);
        if (since < s->cfg.block_interval_ms)
            lm_mempool_wait(&s->pool, s->cfg.max_block_txs,
                            (uint32_t)(s->cfg.block_interval_ms - since));
        clock_gettime(CLOCK_MONOTONIC, &last);
        if (atomic_load(&s->stop))
            break;
        build_block(s, &bb);
    }
    free(bb.entries);
    free(bb.wires);
    free(bb.hashes);
    free(bb.tokens);
    free(bb.qmsgs);
    free(bb.touched);
    return NULL;
}

/* ---- /metrics (Prometheus text format) --------------------------------------- */

static char *metrics(void *ctx)
{
    lm_seq *s = ctx;
    lm_seq_stats st;
    lm_seq_get_stats(s, &st);
    size_t cap = 4096;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    struct {
        const char *name, *type, *help;
        double v;
    } m[] = {
        {"lamina_blocks_total", "counter", "L2 blocks committed", (double)st.blocks},
        {"lamina_txs_included_total", "counter", "transactions included in blocks", (double)st.txs_included},
        {"lamina_txs_rejected_total", "counter", "transactions rejected by the STF", (double)st.txs_rejected},
        {"lamina_l1_messages_total", "counter", "L1 to L2 messages applied", (double)st.l1_messages},
        {"lamina_batches_closed_total", "counter", "batches closed", (double)st.batches_closed},
        {"lamina_batches_posted_total", "counter", "batches posted to L1", (double)st.batches_posted},
        {"lamina_outputs_proposed_total", "counter", "output roots proposed on L1", (double)st.outputs_proposed},
        {"lamina_l1_gas_used_total", "counter", "L1 gas spent by the settler", (double)st.l1_gas_used},
        {"lamina_l1_batch_bytes_total", "counter", "bytes of batches posted to L1", (double)st.l1_batch_bytes},
        {"lamina_block_seconds_sum", "counter", "time building and committing blocks", (double)st.block_us_sum / 1e6},
        {"lamina_batch_post_seconds_sum", "counter", "time from batch close to its L1 receipt", (double)st.batch_post_ms_sum / 1e3},
        {"lamina_head", "gauge", "the latest L2 block", (double)st.head},
        {"lamina_l1_scanned_block", "gauge", "the L1 block read for messages", (double)st.l1_scanned},
        {"lamina_mempool_depth", "gauge", "transactions waiting", (double)st.mempool},
    };
    size_t o = 0;
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        int n = snprintf(out + o, cap - o, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", m[i].name,
                         m[i].help, m[i].name, m[i].type, m[i].name, m[i].v);
        if (n < 0 || (size_t)n >= cap - o) {
            free(out);
            return NULL;
        }
        o += (size_t)n;
    }
    return out;
}

/* ---- lifecycle ------------------------------------------------------------ */

static lm_code load_head(lm_seq *s, lm_err *err)
{
    uint64_t n, ts;
    lm_code rc = lm_genesis_l1_timestamp(&s->l1, &s->cfg.deployment, &ts, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "the deployment block");
    bool fresh = !lm_statedb_head(s->db, &n);
    /* writes block 0 into a new database, or checks that this one's is ours */
    if ((rc = lm_genesis_init(s->db, &s->cfg.deployment, ts, NULL, NULL, NULL, err)) != LM_OK)
        return rc;
    if (fresh) {
        n = 0;
        LM_INFO(LOG, "genesis block written");
    }
    lm_store_view v;
    rc = lm_store_read_begin(lm_statedb_store(s->db), &v, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_store_get_block(&v, n, &s->head, NULL, err);
    lm_store_read_end(&v);
    if (rc != LM_OK)
        return rc;
    lm_block_hash(s->head_hash, &s->head);
    s->has_head = true;
    s->stats.head = n;
    return LM_OK;
}

lm_code lm_seq_start(lm_seq **out, const lm_seq_config *config, lm_err *err)
{
    lm_seq *s = calloc(1, sizeof *s);
    if (!s)
        return lm_err_set(err, LM_ENOMEM, "out of memory");
    s->cfg = *config;
    if (!s->cfg.rpc_host)
        s->cfg.rpc_host = "127.0.0.1";
    if (!s->cfg.max_block_txs || s->cfg.max_block_txs > SEQ_MAX_BLOCK_TXS)
        s->cfg.max_block_txs = SEQ_MAX_BLOCK_TXS;
    if (!s->cfg.batch_max_blocks || s->cfg.batch_max_blocks > SEQ_BATCH_MAX_BLOCKS)
        s->cfg.batch_max_blocks = SEQ_BATCH_MAX_BLOCKS;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->settle_cv, NULL);
    atomic_init(&s->stop, false);
    lm_code rc;
    lm_rpc_opts ro;
    lm_rpc_opts_default(&ro);
    ro.timeout_ms = 5000;
    if ((rc = lm_rpc_init(&s->l1, s->cfg.l1_rpc_url, &ro, err)) != LM_OK) {
        free(s);
        return rc;
    }
    s->withdrawals = calloc(LM_MAX_WITHDRAWALS_PER_BATCH, sizeof *s->withdrawals);
    if (!s->withdrawals) {
        rc = lm_err_set(err, LM_ENOMEM, "out of memory");
        goto fail;
    }
    lm_statedb_options so;
    memset(&so, 0, sizeof so);
    so.threads = 2;
    if ((rc = lm_statedb_open(&s->db, s->cfg.data_dir, &so, err)) != LM_OK)
        goto fail;
    if ((rc = load_head(s, err)) != LM_OK)
        goto fail;
    s->db_host = lm_statedb_host(s->db);
    s->host = (lm_stf_host){.ctx = s, .get_account = h_get, .put_account = h_put,
                            .find_account = h_find, .ecrecover = h_recover};
    lm_stf_init(&s->stf, s->cfg.deployment.config.l2_chain_id, s->cfg.deployment.rollup,
                lm_statedb_meta(s->db), &s->host, s->withdrawals, LM_MAX_WITHDRAWALS_PER_BATCH);
    if ((rc = seq_load_batches(s, err)) != LM_OK)
        goto fail;
    if ((rc = lm_mempool_init(&s->pool, NULL, err)) != LM_OK)
        goto fail;

    lm_rpcd_opts opts;
    lm_rpcd_opts_default(&opts);
    opts.host = s->cfg.rpc_host;
    opts.port = s->cfg.rpc_port;
    /* many clients share an address on a devnet or behind a proxy */
    opts.rate_per_s = 50000;
    opts.rate_burst = 100000;
    if ((rc = lm_rpcd_new(&s->rpcd, &opts, err)) != LM_OK)
        goto fail;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if ((rc = seq_verifiers_start(s, cores > 1 ? (unsigned)cores : 1, err)) != LM_OK)
        goto fail;
    lm_rpcd_set_metrics(s->rpcd, metrics, s);
    if ((rc = seq_rpc_register(s, err)) != LM_OK || (rc = lm_rpcd_start(s->rpcd, err)) != LM_OK)
        goto fail;

    clock_gettime(CLOCK_MONOTONIC, &s->batch_started);
    if (pthread_create(&s->l1_thread, NULL, l1_main, s) != 0 ||
        !(s->l1_started = true) || pthread_create(&s->builder, NULL, builder_main, s) != 0) {
        rc = lm_err_set(err, LM_EIO, "cannot start threads");
        goto fail;
    }
    s->builder_started = true;
    if (s->cfg.settle) {
        if (pthread_create(&s->settler, NULL, seq_settler_main, s) != 0) {
            rc = lm_err_set(err, LM_EIO, "cannot start the settler");
            goto fail;
        }
        s->settler_started = true;
    }
    LM_INFO(LOG, "sequencing L2 chain %llu from block %llu; JSON-RPC on %s:%d",
            (unsigned long long)s->cfg.deployment.config.l2_chain_id,
            (unsigned long long)s->head.number, s->cfg.rpc_host, lm_rpcd_port(s->rpcd));
    *out = s;
    return LM_OK;
fail:
    lm_seq_stop(s);
    return rc;
}

int lm_seq_rpc_port(const lm_seq *s) { return lm_rpcd_port(s->rpcd); }

void lm_seq_get_stats(lm_seq *s, lm_seq_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
    out->mempool = s->pool.ring ? lm_mempool_len(&s->pool) : 0;
}

void lm_seq_stop(lm_seq *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->settle_cv);
    pthread_mutex_unlock(&s->mu);
    /* First the server thread, so that no handler queues work any more; the
     * other threads' answers then return LM_EIO until the server is freed. */
    if (s->rpcd)
        lm_rpcd_stop(s->rpcd);
    if (s->builder_started)
        pthread_join(s->builder, NULL);
    seq_verifiers_stop(s);
    if (s->l1_started)
        pthread_join(s->l1_thread, NULL);
    if (s->settler_started)
        pthread_join(s->settler, NULL);
    if (s->rpcd)
        lm_rpcd_free(s->rpcd); /* pending deferred calls are dropped */
    if (s->db) {
        lm_err err;
        if (lm_statedb_checkpoint(s->db, &err) != LM_OK)
            LM_WARN(LOG, "checkpoint: %s", err.msg);
        lm_statedb_close(s->db);
    }
    if (s->pool.ring)
        lm_mempool_free(&s->pool);
    lm_rpc_free(&s->l1);
    lm_seckey_wipe(&s->cfg.batcher_key);
    lm_seckey_wipe(&s->cfg.proposer_key);
    free(s->withdrawals);
    free(s->pending);
    free(s->closed);
    free(s->l1_index);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->settle_cv);
    free(s);
}
