/* Derivation: every L2 block and state root from L1 alone
 * (include/lamina/derive.h; rules: docs/l2-protocol.md §8; notes:
 * docs/derivation.md). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/genesis.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/settlement.h"
#include "lamina/stf.h"

#define COMP "derive"

/* One message of the Bridge's queue, as read from its event. */
typedef struct msg_entry {
    lm_stf_message m;   /* m.tx points to bytes (forced transactions) */
    uint8_t *bytes;     /* owned */
    uint8_t queue_hash[32];
} msg_entry;

typedef struct batch_rec {
    lm_derive_batch_info info;
    uint64_t proposed_l1_block; /* where the last OutputProposed was read */
    bool unsaved;               /* changed since the last save_progress */
} batch_rec;

struct lm_derive {
    char *state_dir;
    lm_deployment d;
    lm_rpc *rpc;
    lm_derive_options opt;
    lm_statedb *db;
    uint64_t l1_genesis_ts;

    /* the derived chain */
    lm_block_header head;
    uint8_t head_hash[32];
    uint8_t (*hashes)[32]; /* block hashes 0 .. head */
    size_t n_hashes, cap_hashes;

    /* the L1 -> L2 queue, index = position */
    msg_entry *msgs;
    size_t n_msgs, cap_msgs;

    /* the Rollup's batches, index = position */
    batch_rec *batches;
    size_t n_batches, cap_batches;
    uint64_t mismatches;

    /* how far L1 was read */
    bool has_scanned;
    uint64_t scanned_to;
    uint8_t scanned_hash[32];
    bool unsaved_scan; /* the L1 mark changed since the last save_progress */
    bool has_scanned_ts; /* scanned_ts is known (not stored: the next poll reads it) */
    uint64_t scanned_ts; /* the timestamp of L1 block scanned_to */
    bool has_l1_head;    /* the L1 head as the last poll read it */
    uint64_t l1_head, l1_head_ts;
    bool dirty; /* a batch stopped half-way, or L1 changed under a derived batch: re-derive */

    /* statistics: written by the polling thread, read by any (lm_derive_get_stats) */
    pthread_mutex_t stats_mu;
    lm_derive_stats stats;

    /* working memory */
    lm_withdrawal *wd;       /* LM_MAX_WITHDRAWALS_PER_BATCH */
    uint8_t (*leaves)[32];   /* LM_MAX_WITHDRAWALS_PER_BATCH */
    uint8_t (*scratch)[32];  /* LM_MAX_WITHDRAWALS_PER_BATCH / 2 */
    void *arena_mem;
    size_t arena_size;
    uint8_t *txbuf;          /* LM_MAX_TXS_PER_BLOCK wire forms */
    lm_stf_message *blk_msgs; /* LM_MAX_MSGS_PER_BLOCK */
    bool has_origin;          /* a cached L1 header */
    lm_l1_header origin;
};

void lm_derive_options_default(lm_derive_options *o)
{
    memset(o, 0, sizeof *o);
    o->confirmations = 2;
    o->max_l1_blocks = 100000;
    o->threads = 1;
}

/* ---- the resolver ------------------------------------------------------------ */

static lm_code res_address_of(void *ctx, uint32_t index, uint8_t out[20])
{
    lm_state_resolver *r = ctx;
    if (index >= r->limit)
        return LM_ENOTFOUND;
    lm_account a;
    lm_code rc = lm_store_get_account(&r->view, index, &a, NULL);
    if (rc != LM_OK)
        return rc;
    memcpy(out, a.address, 20);
    return LM_OK;
}

static lm_code res_index_of(void *ctx, const uint8_t address[20], uint32_t *index)
{
    lm_state_resolver *r = ctx;
    uint64_t i;
    lm_code rc = lm_store_find_address(&r->view, address, &i, NULL);
    if (rc != LM_OK)
        return rc;
    if (i >= r->limit)
        return LM_ENOTFOUND; /* created after the batch start */
    *index = (uint32_t)i;
    return LM_OK;
}

lm_code lm_state_resolver_begin(lm_state_resolver *r, lm_statedb *db, uint64_t limit,
                                lm_batch_resolver *out, lm_err *err)
{
    memset(r, 0, sizeof *r);
    lm_code rc = lm_store_read_begin(lm_statedb_store(db), &r->view, err);
    if (rc != LM_OK)
        return rc;
    r->limit = limit;
    out->ctx = r;
    out->address_of = res_address_of;
    out->index_of = res_index_of;
    return LM_OK;
}

void lm_state_resolver_end(lm_state_resolver *r) { lm_store_read_end(&r->view); }

/* ---- small helpers ----------------------------------------------------------- */


static bool grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *p = realloc(*v, n * elem);
    if (!p)
        return false;
    *v = p;
    *cap = n;
    return true;
}

static lm_code push_hash(lm_derive *f, const uint8_t h[32], lm_err *err)
{
    if (!grow((void **)&f->hashes, &f->cap_hashes, f->n_hashes + 1, 32))
        return lm_err_set(err, LM_ENOMEM, "derive: out of memory");
    memcpy(f->hashes[f->n_hashes++], h, 32);
    return LM_OK;
}

static void truncate_msgs(lm_derive *f, size_t n)
{
    while (f->n_msgs > n)
        free(f->msgs[--f->n_msgs].bytes);
}

/* Removes DIR/state (the two files LMDB keeps there) if it exists. */
static lm_code wipe_state_dir(const char *dir, lm_err *err)
{
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    char path[4096];
    for (size_t i = 0; i < 2; i++) {
        int m = snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (m < 0 || (size_t)m >= sizeof path)
            return lm_err_set(err, LM_EINVAL, "derive: path too long");
        if (unlink(path) != 0 && errno != ENOENT)
            return lm_err_set(err, LM_EIO, "derive: removing %s: %s", path, strerror(errno));
    }
    if (rmdir(dir) != 0 && errno != ENOENT)
        return lm_err_set(err, LM_EIO, "derive: removing %s: %s", dir, strerror(errno));
    return LM_OK;
}

static lm_code save_chain_id(lm_derive *f, lm_err *err);
static lm_code try_resume(lm_derive *f, bool *resumed, lm_err *err);
static void publish_stats(lm_derive *f, const lm_derive_progress *p, lm_code rc);

/* Closes the state and forgets the messages, batches and outputs read. */
static void forget_progress(lm_derive *f)
{
    lm_statedb_close(f->db);
    f->db = NULL;
    truncate_msgs(f, 0);
    f->n_batches = 0;
    f->n_hashes = 0;
    f->mismatches = 0;
    f->has_scanned = false;
}

/* Starts over from genesis: an empty store, block 0, nothing read. */
static lm_code rederive(lm_derive *f, lm_err *err)
{
    forget_progress(f);
    f->has_scanned_ts = false;
    f->has_origin = false;
    f->dirty = true;
    f->unsaved_scan = true;
    lm_code rc = wipe_state_dir(f->state_dir, err);
    if (rc != LM_OK)
        return rc;
    lm_statedb_options so;
    memset(&so, 0, sizeof so);
    so.threads = f->opt.threads ? f->opt.threads : 1;
    if ((rc = lm_statedb_open(&f->db, f->state_dir, &so, err)) != LM_OK)
        return lm_err_wrap(err, rc, "derive: opening the state");
    lm_gl root[4];
    if ((rc = lm_genesis_l1_timestamp(f->rpc, &f->d, &f->l1_genesis_ts, err)) != LM_OK ||
        (rc = lm_genesis_init(f->db, &f->d, f->l1_genesis_ts, &f->head, f->head_hash, root, err)) !=
            LM_OK ||
        (rc = push_hash(f, f->head_hash, err)) != LM_OK)
        return rc;
    uint8_t g[32], zero[32] = {0};
    lm_genesis_output_root(g, root, f->head_hash);
    if (memcmp(f->d.config.genesis_output_root, zero, 32) != 0 &&
        memcmp(f->d.config.genesis_output_root, g, 32) != 0) {
        char a[67], b[67];
        lm_hex_encode(a, f->d.config.genesis_output_root, 32, true);
        lm_hex_encode(b, g, 32, true);
        LM_WARN(COMP, "the Rollup's genesisOutputRoot %s is not this genesis' %s", a, b);
    }
    if ((rc = save_chain_id(f, err)) != LM_OK)
        return rc;
    f->dirty = false;
    return LM_OK;
}

lm_code lm_derive_open(lm_derive **out, const char *data_dir, const lm_deployment *d, lm_rpc *rpc,
                       const lm_derive_options *opt, lm_err *err)
{
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST)
        return lm_err_set(err, LM_EIO, "derive: creating %s: %s", data_dir, strerror(errno));
    lm_derive *f = calloc(1, sizeof *f);
    if (!f)
        return lm_err_set(err, LM_ENOMEM, "derive: out of memory");
    pthread_mutex_init(&f->stats_mu, NULL);
    size_t dl = strlen(data_dir);
    f->state_dir = malloc(dl + sizeof "/state");
    f->d = *d;
    f->rpc = rpc;
    if (opt)
        f->opt = *opt;
    else
        lm_derive_options_default(&f->opt);
    if (f->opt.max_l1_blocks == 0)
        f->opt.max_l1_blocks = 100000;
    f->arena_size = lm_batch_decode_arena_size(NULL);
    f->wd = malloc(LM_MAX_WITHDRAWALS_PER_BATCH * sizeof *f->wd);
    f->leaves = malloc(LM_MAX_WITHDRAWALS_PER_BATCH * sizeof *f->leaves);
    f->scratch = malloc((LM_MAX_WITHDRAWALS_PER_BATCH / 2 + 1) * sizeof *f->scratch);
    f->arena_mem = malloc(f->arena_size);
    f->txbuf = malloc((size_t)LM_MAX_TXS_PER_BLOCK * LM_TX_WIRE_LEN);
    f->blk_msgs = malloc(LM_MAX_MSGS_PER_BLOCK * sizeof *f->blk_msgs);
    if (!f->state_dir || !f->wd || !f->leaves || !f->scratch || !f->arena_mem || !f->txbuf ||
        !f->blk_msgs) {
        lm_derive_close(f);
        return lm_err_set(err, LM_ENOMEM, "derive: out of memory");
    }
    memcpy(f->state_dir, data_dir, dl);
    memcpy(f->state_dir + dl, "/state", sizeof "/state");
    bool resumed = false;
    lm_code rc = try_resume(f, &resumed, err);
    if (rc == LM_OK && !resumed)
        rc = rederive(f, err);
    if (rc != LM_OK) {
        lm_derive_close(f);
        return rc;
    }
    publish_stats(f, NULL, LM_OK);
    char h[67];
    lm_hex_encode(h, f->head_hash, 32, true);
    LM_INFO(COMP, "%s: L2 head %llu %s", resumed ? "resumed" : "from genesis",
            (unsigned long long)f->head.number, h);
    *out = f;
    return LM_OK;
}

void lm_derive_close(lm_derive *f)
{
    if (!f)
        return;
    if (f->db && !f->dirty && lm_statedb_checkpoint(f->db, NULL) != LM_OK)
        LM_WARN(COMP, "could not save the tree snapshot: the next open rebuilds it");
    lm_statedb_close(f->db);
    truncate_msgs(f, 0);
    free(f->msgs);
    free(f->batches);
    free(f->hashes);
    free(f->wd);
    free(f->leaves);
    free(f->scratch);
    free(f->arena_mem);
    free(f->txbuf);
    free(f->blk_msgs);
    free(f->state_dir);
    pthread_mutex_destroy(&f->stats_mu);
    free(f);
}

/* ---- reading L1 ---------------------------------------------------------------- */

/* Appends the queue's messages queued in L1 blocks [from, to], checking
 * their indices and the queue hash chain. */
static lm_code read_messages(lm_derive *f, uint64_t from, uint64_t to, size_t *added, lm_err *err)
{
    uint8_t topics[3][32];
    lm_topic_deposit(topics[0]);
    lm_topic_forced_withdrawal(topics[1]);
    lm_topic_forced_transaction(topics[2]);
    lm_l1_logs logs = {0};
    lm_code rc = lm_lamina_fetch_logs(f->rpc, &logs, f->d.bridge, from, to,
                                      (const uint8_t (*)[32])topics, 3, err);
    size_t start = f->n_msgs;
    for (size_t i = 0; rc == LM_OK && i < logs.len; i++) {
        const lm_l1_log *log = &logs.v[i];
        if (log->removed)
            continue;
        lm_queued_message q;
        if ((rc = lm_decode_message_log(&q, log, err)) != LM_OK) {
            rc = lm_err_wrap(err, LM_EPROTO, "derive: a Bridge message log");
            break;
        }
        if (q.msg.index < f->n_msgs) {
            /* read again after an interrupted poll: must be the same message */
            if (memcmp(q.queue_hash, f->msgs[q.msg.index].queue_hash, 32) != 0) {
                f->dirty = true;
                rc = lm_err_set(err, LM_EPROTO, "derive: message %llu changed on L1",
                                (unsigned long long)q.msg.index);
                break;
            }
            continue;
        }
        const msg_entry *prev = f->n_msgs ? &f->msgs[f->n_msgs - 1] : NULL;
        if (q.msg.index != f->n_msgs) {
            rc = lm_err_set(err, LM_EPROTO, "derive: message index %llu where %zu was expected",
                            (unsigned long long)q.msg.index, f->n_msgs);
            break;
        }
        if (prev && q.msg.l1_block < prev->m.msg.l1_block) {
            rc = lm_err_set(err, LM_EPROTO, "derive: message %llu queued before its predecessor",
                            (unsigned long long)q.msg.index);
            break;
        }
        uint8_t mh[32], qh[32], zero[32] = {0};
        lm_message_hash(mh, &q.msg);
        lm_queue_hash(qh, prev ? prev->queue_hash : zero, mh);
        if (memcmp(qh, q.queue_hash, 32) != 0) {
            rc = lm_err_set(err, LM_EPROTO, "derive: message %llu: the queue hash does not chain",
                            (unsigned long long)q.msg.index);
            break;
        }
        if (!grow((void **)&f->msgs, &f->cap_msgs, f->n_msgs + 1, sizeof *f->msgs)) {
            rc = lm_err_set(err, LM_ENOMEM, "derive: out of memory");
            break;
        }
        msg_entry *e = &f->msgs[f->n_msgs];
        memset(e, 0, sizeof *e);
        e->m.msg = q.msg;
        memcpy(e->queue_hash, q.queue_hash, 32);
        if (q.msg.kind == LM_MSG_FORCED_TX) {
            /* the STF hashes the bytes itself; lm_decode_message_log took
             * tx_hash from the same bytes */
            size_t len = q.l2tx_len;
            e->bytes = malloc(len ? len : 1);
            if (!e->bytes) {
                rc = lm_err_set(err, LM_ENOMEM, "derive: out of memory");
                break;
            }
            memcpy(e->bytes, q.l2tx, len);
            e->m.tx = e->bytes;
            e->m.tx_len = len;
        }
        f->n_msgs++;
    }
    lm_l1_logs_free(&logs);
    if (rc != LM_OK) {
        truncate_msgs(f, start);
        return rc;
    }
    *added = f->n_msgs - start;
    return LM_OK;
}

/* OutputProposed events in [from, to] with the L1 block of each. */
typedef struct output_seen {
    lm_output_event ev;
    uint64_t l1_block;
} output_seen;

static lm_code read_outputs(lm_derive *f, uint64_t from, uint64_t to, output_seen **out, size_t *n,
                            lm_err *err)
{
    uint8_t topic[1][32];
    lm_topic_output_proposed(topic[0]);
    lm_l1_logs logs = {0};
    lm_code rc = lm_lamina_fetch_logs(f->rpc, &logs, f->d.rollup, from, to,
                                      (const uint8_t (*)[32])topic, 1, err);
    output_seen *v = NULL;
    size_t k = 0;
    if (rc == LM_OK) {
        v = calloc(logs.len ? logs.len : 1, sizeof *v);
        if (!v)
            rc = lm_err_set(err, LM_ENOMEM, "derive: out of memory");
    }
    for (size_t i = 0; rc == LM_OK && i < logs.len; i++) {
        if (logs.v[i].removed)
            continue;
        if ((rc = lm_decode_output_log(&v[k].ev, &logs.v[i], err)) != LM_OK) {
            rc = lm_err_wrap(err, LM_EPROTO, "derive: an OutputProposed log");
            break;
        }
        v[k++].l1_block = logs.v[i].block_number;
    }
    lm_l1_logs_free(&logs);
    if (rc != LM_OK) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return LM_OK;
}

/* The canonical L1 header at number (cached: consecutive blocks share
 * their origin). */
static lm_code l1_header(lm_derive *f, uint64_t number, lm_l1_header *h, lm_err *err)
{
    if (f->has_origin && f->origin.number == number) {
        *h = f->origin;
        return LM_OK;
    }
    lm_code rc = lm_rpc_get_block_by_number(f->rpc, h, lm_block_at(number), err);
    if (rc != LM_OK)
        return rc;
    f->origin = *h;
    f->has_origin = true;
    return LM_OK;
}

/* ---- the queue ------------------------------------------------------------------ */

/* Returns: how many messages (a prefix of the queue) were queued in L1
 * blocks <= b. */
static uint64_t queued_by(const lm_derive *f, uint64_t b)
{
    size_t lo = 0, hi = f->n_msgs; /* l1_block is non-decreasing */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->msgs[mid].m.msg.l1_block <= b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- blocks and batches ------------------------------------------------------------ */

typedef struct batch_work {
    const lm_batch_event *ev;
    lm_stf_ctx ctx;
    lm_derive_progress *p;
    char reason[160];
} batch_work;

/* The chain checks of docs/l2-protocol.md §8.4 on *h (parent already
 * set), and the messages the block consumes (§8.5), which may raise
 * h->l1_messages_upto. Out: *valid (false with w->reason), *n_msgs,
 * *n_forced. Returns: LM_OK or an RPC error. */
static lm_code check_block(lm_derive *f, batch_work *w, lm_block_header *h, bool *valid,
                           size_t *n_msgs, uint64_t *n_forced, lm_err *err)
{
    *valid = false;
    const lm_block_header *parent = &f->head;
    if (h->timestamp < parent->timestamp) {
        snprintf(w->reason, sizeof w->reason, "block %llu: timestamp %llu before the parent's %llu",
                 (unsigned long long)h->number, (unsigned long long)h->timestamp,
                 (unsigned long long)parent->timestamp);
        return LM_OK;
    }
    if (h->l1_origin_number < parent->l1_origin_number) {
        snprintf(w->reason, sizeof w->reason, "block %llu: L1 origin %llu before the parent's %llu",
                 (unsigned long long)h->number, (unsigned long long)h->l1_origin_number,
                 (unsigned long long)parent->l1_origin_number);
        return LM_OK;
    }
    /* "the L1 origin is an L1 block before the one that includes the batch" */
    if (h->l1_origin_number >= w->ev->l1_block) {
        snprintf(w->reason, sizeof w->reason,
                 "block %llu: L1 origin %llu not before the batch's L1 block %llu",
                 (unsigned long long)h->number, (unsigned long long)h->l1_origin_number,
                 (unsigned long long)w->ev->l1_block);
        return LM_OK;
    }
    lm_l1_header o;
    lm_code rc = l1_header(f, h->l1_origin_number, &o, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "derive: reading an L1 origin");
    if (memcmp(o.hash, h->l1_origin_hash, 32) != 0) {
        snprintf(w->reason, sizeof w->reason, "block %llu: L1 origin %llu has another hash",
                 (unsigned long long)h->number, (unsigned long long)h->l1_origin_number);
        return LM_OK;
    }
    if (h->timestamp < o.timestamp) {
        snprintf(w->reason, sizeof w->reason,
                 "block %llu: timestamp %llu before its L1 origin's %llu",
                 (unsigned long long)h->number, (unsigned long long)h->timestamp,
                 (unsigned long long)o.timestamp);
        return LM_OK;
    }
    /* Messages: "queue index in [meta.l1_messages_done, l1_messages_upto),
     * each with l1Block <= the block's l1_origin_number"; and the window:
     * "every message with l1Block + sequencingWindow <= l1_origin_number
     * must be consumed by this block at the latest". */
    uint64_t done = w->ctx.meta.l1_messages_done;
    uint64_t avail = queued_by(f, h->l1_origin_number);
    if (h->l1_messages_upto > avail) {
        snprintf(w->reason, sizeof w->reason,
                 "block %llu: consumes messages up to %llu but only %llu were queued by L1 block %llu",
                 (unsigned long long)h->number, (unsigned long long)h->l1_messages_upto,
                 (unsigned long long)avail, (unsigned long long)h->l1_origin_number);
        return LM_OK;
    }
    uint64_t win = f->d.config.sequencing_window;
    uint64_t due = h->l1_origin_number >= win ? queued_by(f, h->l1_origin_number - win) : 0;
    uint64_t upto = h->l1_messages_upto > done ? h->l1_messages_upto : done;
    uint64_t seq = upto;
    if (due > upto) {
        uint64_t cap = done + LM_MAX_MSGS_PER_BLOCK;
        upto = due < cap ? due : cap;
        if (upto < seq)
            upto = seq;
    }
    if (upto - done > LM_MAX_MSGS_PER_BLOCK) {
        snprintf(w->reason, sizeof w->reason, "block %llu: %llu messages, above %u",
                 (unsigned long long)h->number, (unsigned long long)(upto - done),
                 LM_MAX_MSGS_PER_BLOCK);
        return LM_OK;
    }
    *n_forced = upto - seq;
    h->l1_messages_upto = upto;
    *n_msgs = (size_t)(upto - done);
    for (size_t i = 0; i < *n_msgs; i++)
        f->blk_msgs[i] = f->msgs[done + i].m;
    *valid = true;
    return LM_OK;
}

/* Derives one block of a batch. Out: *applied. Returns: LM_OK (valid or
 * not) or an I/O error (the follower is then dirty). */
static lm_code derive_block(lm_derive *f, batch_work *w, const lm_batch_block *b, bool last,
                            bool *applied, lm_err *err)
{
    *applied = false;
    lm_block_header h = b->header;
    /* Re-linked to the derived chain: equal to the decoded parent unless an
     * earlier block of the batch was overruled (§8.5). */
    memcpy(h.parent_hash, f->head_hash, 32);
    bool valid;
    size_t n_msgs = 0;
    uint64_t n_forced = 0;
    lm_code rc = check_block(f, w, &h, &valid, &n_msgs, &n_forced, err);
    if (rc != LM_OK || !valid)
        return rc;
    if ((rc = lm_statedb_begin_block(f->db, err)) != LM_OK)
        return rc;
    lm_stf_block_result r =
        lm_stf_apply_block(&w->ctx, &h, f->blk_msgs, n_msgs, b->txs, h.tx_count, NULL);
    if (r.code == LM_STF_HOST) {
        lm_statedb_abort_block(f->db);
        return lm_err_set(err, LM_EIO, "derive: block %llu: the state failed: %s",
                          (unsigned long long)h.number, lm_statedb_host_error(f->db)->msg);
    }
    if (r.code != LM_STF_OK) {
        lm_statedb_abort_block(f->db);
        static const char *const stage[] = {"header", "message", "transaction"};
        snprintf(w->reason, sizeof w->reason, "block %llu: invalid: %s %u: %s",
                 (unsigned long long)h.number, stage[r.stage], r.index,
                 lm_stf_code_message(r.code));
        return LM_OK;
    }
    for (uint32_t i = 0; i < h.tx_count; i++)
        lm_tx_encode(f->txbuf + (size_t)i * LM_TX_WIRE_LEN, &b->txs[i]);
    /* the state root is stored with the batch's last block (lm_statedb_open
     * checks it); seal_batch computes it anyway when a later block failed */
    rc = lm_statedb_commit_block(f->db, &w->ctx.meta, &h, h.tx_count ? f->txbuf : NULL, NULL,
                                 last, NULL, err);
    if (rc != LM_OK) {
        w->ctx.meta = *lm_statedb_meta(f->db);
        return lm_err_wrap(err, rc, "derive: storing a block");
    }
    uint8_t hash[32];
    lm_block_hash(hash, &h);
    if ((rc = push_hash(f, hash, err)) != LM_OK)
        return rc;
    f->head = h;
    memcpy(f->head_hash, hash, 32);
    if (n_forced) {
        LM_WARN(COMP,
                "block %llu: the sequencer omitted %llu L1 message(s) past the sequencing window: "
                "applied anyway (l1_messages_upto %llu)",
                (unsigned long long)h.number, (unsigned long long)n_forced,
                (unsigned long long)h.l1_messages_upto);
        w->p->forced_messages += n_forced;
    }
    w->p->messages += n_msgs;
    for (size_t i = 0; i < n_msgs; i++) {
        switch (f->blk_msgs[i].msg.kind) {
        case LM_MSG_DEPOSIT:
            w->p->deposits++;
            break;
        case LM_MSG_FORCED_WITHDRAWAL:
            w->p->forced_withdrawals++;
            break;
        case LM_MSG_FORCED_TX:
            w->p->forced_txs++;
            break;
        }
    }
    w->p->blocks++;
    *applied = true;
    return LM_OK;
}

/* Closes batch record r: the state root, the withdrawals root and the
 * output root as of now. */
static lm_code seal_batch(lm_derive *f, batch_rec *r, const lm_stf_ctx *ctx, lm_err *err)
{
    lm_derive_batch_info *in = &r->info;
    lm_statedb_root(f->db, in->state_root, NULL);
    lm_state_root_bytes(in->state_root_bytes, in->state_root);
    size_t n = ctx ? ctx->withdrawal_count : 0;
    for (size_t i = 0; i < n; i++)
        lm_withdrawal_leaf(f->leaves[i], &ctx->withdrawals[i]);
    lm_code rc = lm_withdrawal_root(in->withdrawals_root, (const uint8_t (*)[32])f->leaves, n,
                                    f->scratch, err);
    if (rc != LM_OK)
        return rc;
    in->withdrawal_count = (uint32_t)n;
    in->last_block = f->head.number;
    memcpy(in->last_block_hash, f->head_hash, 32);
    lm_output_preimage o;
    memset(&o, 0, sizeof o);
    o.version = LM_OUTPUT_VERSION;
    memcpy(o.state_root, in->state_root_bytes, 32);
    memcpy(o.withdrawals_root, in->withdrawals_root, 32);
    memcpy(o.last_block_hash, in->last_block_hash, 32);
    lm_output_root(in->output_root, &o);
    return LM_OK;
}

static void ignore(batch_rec *r, lm_derive_progress *p, const char *why, const char *detail)
{
    r->info.status = LM_DERIVE_BATCH_IGNORED;
    snprintf(r->info.reason, sizeof r->info.reason, "%s%s%s", why, detail ? ": " : "",
             detail ? detail : "");
    LM_WARN(COMP, "batch %llu (L1 block %llu) ignored: %s", (unsigned long long)r->info.index,
            (unsigned long long)r->info.l1_block, r->info.reason);
    p->batches_ignored++;
}

/* Reads batch ev's bytes and decodes them against the head (§8.3).
 * Out: *ok true with *batch (in the follower's arena) when the batch is to
 * be applied; false when it was ignored (r says why).
 * Returns: LM_OK, or an RPC / state error. */
static lm_code read_batch(lm_derive *f, const lm_batch_event *ev, batch_rec *r,
                          lm_derive_progress *p, lm_batch *batch, bool *ok, lm_err *err)
{
    *ok = false;
    uint8_t *data = NULL;
    size_t len = 0;
    lm_err e2;
    lm_err_clear(&e2);
    lm_code rc = lm_lamina_get_batch_data(f->rpc, ev, &data, &len, &e2);
    if (rc == LM_EPROTO) { /* not an appendBatch call from an EOA, or a hash mismatch */
        ignore(r, p, "its bytes cannot be read", e2.msg);
        return LM_OK;
    }
    if (rc != LM_OK)
        return lm_err_set(err, rc, "derive: reading batch %llu: %s", (unsigned long long)ev->index,
                          e2.msg);
    lm_arena arena;
    lm_arena_init(&arena, f->arena_mem, f->arena_size);
    lm_state_resolver sr;
    lm_batch_params bp;
    memset(&bp, 0, sizeof bp);
    bp.chain_id = f->d.config.l2_chain_id;
    /* "decode with the resolver over the state at the batch start" */
    if ((rc = lm_state_resolver_begin(&sr, f->db, lm_statedb_meta(f->db)->num_accounts,
                                      &bp.resolver, err)) != LM_OK) {
        free(data);
        return rc;
    }
    lm_err de;
    lm_err_clear(&de);
    lm_code dc = lm_batch_decode(&arena, batch, &bp, f->head_hash, data, len, &de);
    lm_state_resolver_end(&sr);
    free(data);
    if (dc == LM_EIO || dc == LM_ENOMEM)
        return lm_err_set(err, dc, "derive: decoding batch %llu: %s", (unsigned long long)ev->index,
                          de.msg);
    if (dc != LM_OK) {
        ignore(r, p, "it does not decode", de.msg);
        return LM_OK;
    }
    if (batch->blocks[0].header.number != f->head.number + 1) {
        char d[96];
        snprintf(d, sizeof d, "its first block is %llu, the next is %llu",
                 (unsigned long long)batch->blocks[0].header.number,
                 (unsigned long long)(f->head.number + 1));
        ignore(r, p, "it does not continue the chain", d);
        return LM_OK;
    }
    *ok = true;
    return LM_OK;
}

/* Derives the blocks of a decoded batch until the first invalid one
 * (§8.3: it is dropped with the rest of the batch). */
static lm_code apply_batch(lm_derive *f, batch_work *w, batch_rec *r, const lm_batch *batch,
                           lm_err *err)
{
    lm_stf_init(&w->ctx, f->d.config.l2_chain_id, f->d.rollup, lm_statedb_meta(f->db),
                lm_statedb_host(f->db), f->wd, LM_MAX_WITHDRAWALS_PER_BATCH);
    f->dirty = true; /* until the batch is sealed: an error half-way re-derives */
    r->info.status = LM_DERIVE_BATCH_APPLIED;
    for (uint32_t j = 0; j < batch->block_count; j++) {
        bool applied;
        lm_code rc = derive_block(f, w, &batch->blocks[j], j + 1 == batch->block_count, &applied,
                                  err);
        if (rc != LM_OK)
            return rc;
        if (!applied) {
            r->info.status = LM_DERIVE_BATCH_PARTIAL;
            snprintf(r->info.reason, sizeof r->info.reason, "%s", w->reason);
            LM_WARN(COMP, "batch %llu: %s; the batch's %u later block(s) dropped",
                    (unsigned long long)r->info.index, w->reason, batch->block_count - j - 1);
            w->p->blocks_rejected++;
            break;
        }
        r->info.blocks_applied++;
    }
    return LM_OK;
}

static lm_code derive_batch(lm_derive *f, const lm_batch_event *ev, lm_derive_progress *p, lm_err *err)
{
    if (ev->index < f->n_batches) {
        /* read again after an interrupted poll: must be the same event */
        if (memcmp(ev->block_hash, f->batches[ev->index].info.l1_block_hash, 32) != 0) {
            f->dirty = true;
            return lm_err_set(err, LM_EPROTO, "derive: L1 changed under derived batch %llu",
                              (unsigned long long)ev->index);
        }
        return LM_OK;
    }
    if (ev->index != f->n_batches)
        return lm_err_set(err, LM_EPROTO, "derive: batch index %llu where %zu was expected",
                          (unsigned long long)ev->index, f->n_batches);
    if (!grow((void **)&f->batches, &f->cap_batches, f->n_batches + 1, sizeof *f->batches))
        return lm_err_set(err, LM_ENOMEM, "derive: out of memory");
    batch_rec *r = &f->batches[f->n_batches];
    memset(r, 0, sizeof *r);
    r->info.index = ev->index;
    r->info.l1_block = ev->l1_block;
    memcpy(r->info.l1_block_hash, ev->block_hash, 32);
    p->batches++;

    /* The event must be on the chain we follow. */
    lm_l1_header bh;
    lm_code rc = l1_header(f, ev->l1_block, &bh, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "derive: reading a batch's L1 block");
    if (memcmp(bh.hash, ev->block_hash, 32) != 0)
        return lm_err_set(err, LM_EPROTO, "derive: L1 changed while reading batch %llu",
                          (unsigned long long)ev->index);

    batch_work w;
    memset(&w, 0, sizeof w);
    w.ev = ev;
    w.p = p;
    lm_batch batch;
    bool ok;
    if ((rc = read_batch(f, ev, r, p, &batch, &ok, err)) != LM_OK)
        return rc;
    if (ok && (rc = apply_batch(f, &w, r, &batch, err)) != LM_OK)
        return rc;
    if ((rc = seal_batch(f, r, ok ? &w.ctx : NULL, err)) != LM_OK)
        return rc;
    r->unsaved = true;
    f->n_batches++;
    f->dirty = false;
    char o[67];
    lm_hex_encode(o, r->info.output_root, 32, true);
    LM_INFO(COMP, "batch %llu: %u block(s), L2 head %llu, output %s", (unsigned long long)ev->index,
            r->info.blocks_applied, (unsigned long long)f->head.number, o);
    p->has_output = true;
    p->last_batch = ev->index;
    memcpy(p->last_output_root, r->info.output_root, 32);
    return LM_OK;
}

static lm_code check_output(lm_derive *f, const output_seen *o, lm_derive_progress *p, lm_err *err)
{
    if (o->ev.index >= f->n_batches)
        return lm_err_set(err, LM_EPROTO, "derive: an output for batch %llu, which L1 does not have",
                          (unsigned long long)o->ev.index);
    batch_rec *r = &f->batches[o->ev.index];
    if (r->info.mismatch)
        f->mismatches--; /* a new proposal for the index replaces the old one */
    r->info.has_proposed = true;
    memcpy(r->info.proposed_root, o->ev.output_root, 32);
    r->info.proposed_l2_block = o->ev.l2_block;
    r->proposed_l1_block = o->l1_block;
    r->unsaved = true;
    r->info.mismatch = memcmp(o->ev.output_root, r->info.output_root, 32) != 0;
    p->outputs_checked++;
    if (r->info.mismatch) {
        f->mismatches++;
        p->mismatches++;
        char a[67], b[67];
        lm_hex_encode(a, o->ev.output_root, 32, true);
        lm_hex_encode(b, r->info.output_root, 32, true);
        LM_ERROR(COMP, "output %llu MISMATCH: proposed %s, derived %s",
                 (unsigned long long)o->ev.index, a, b);
    } else if (o->ev.l2_block != r->info.last_block) {
        LM_WARN(COMP, "output %llu: root matches, but it names L2 block %llu (derived: %llu)",
                (unsigned long long)o->ev.index, (unsigned long long)o->ev.l2_block,
                (unsigned long long)r->info.last_block);
    }
    return LM_OK;
}

/* ---- reorgs ------------------------------------------------------------------------ */

/* L1 no longer holds the last block read. Keeps everything when the last
 * batch's L1 block is still canonical (the reorg removed no batch: read
 * again from there), else re-derives from genesis. */
static lm_code on_reorg(lm_derive *f, lm_derive_progress *p, lm_err *err)
{
    p->reorg = true;
    f->has_origin = false;
    if (f->n_batches == 0) {
        LM_WARN(COMP, "L1 reorg above L1 block %llu: no batch derived, reading again",
                (unsigned long long)f->d.deploy_block);
        truncate_msgs(f, 0);
        f->has_scanned = false;
        f->has_scanned_ts = false;
        f->unsaved_scan = true;
        return LM_OK;
    }
    batch_rec *last = &f->batches[f->n_batches - 1];
    lm_l1_header h;
    lm_code rc = lm_rpc_get_block_by_number(f->rpc, &h, lm_block_at(last->info.l1_block), err);
    if (rc != LM_OK && rc != LM_ENOTFOUND)
        return rc;
    if (rc == LM_OK && memcmp(h.hash, last->info.l1_block_hash, 32) == 0) {
        LM_WARN(COMP, "L1 reorg above L1 block %llu (batch %llu): no derived batch affected",
                (unsigned long long)h.number, (unsigned long long)last->info.index);
        f->scanned_to = h.number;
        memcpy(f->scanned_hash, h.hash, 32);
        f->scanned_ts = h.timestamp;
        f->has_scanned_ts = true;
        f->unsaved_scan = true;
        truncate_msgs(f, queued_by(f, h.number));
        for (size_t i = 0; i < f->n_batches; i++) {
            batch_rec *r = &f->batches[i];
            if (r->info.has_proposed && r->proposed_l1_block > h.number) {
                if (r->info.mismatch)
                    f->mismatches--;
                r->info.has_proposed = false;
                r->info.mismatch = false;
                r->unsaved = true;
            }
        }
        return LM_OK;
    }
    LM_WARN(COMP, "L1 reorg removed batch %llu (L1 block %llu): re-deriving from genesis",
            (unsigned long long)last->info.index, (unsigned long long)last->info.l1_block);
    p->rederived = true;
    return rederive(f, err);
}

/* ---- persistence (docs/derivation.md §4) -------------------------------------------- */

/* Meta keys of the follower's progress, in the store's meta table. */
#define KEY_CHAIN "derive.chain"  /* rollup ‖ deployBlockHash ‖ l2 chain id */
#define KEY_SCAN "derive.scan"    /* version ‖ has_scanned ‖ scanned_to ‖ its hash */
#define KEY_BATCH "derive.batch." /* + index (8 bytes, big-endian): a batch record */
#define PROGRESS_VERSION 1

typedef struct wbuf {
    uint8_t b[640];
    size_t n;
} wbuf;

static void w_bytes(wbuf *w, const void *p, size_t n)
{
    if (w->n + n <= sizeof w->b)
        memcpy(w->b + w->n, p, n);
    w->n += n; /* an overflow shows as n > sizeof b */
}

static void w_u64(wbuf *w, uint64_t v)
{
    uint8_t b[8];
    lm_store_be64(b, v);
    w_bytes(w, b, 8);
}

static void w_u8(wbuf *w, uint8_t v) { w_bytes(w, &v, 1); }

typedef struct rbuf {
    const uint8_t *p;
    size_t n, at;
    bool ok;
} rbuf;

static void r_bytes(rbuf *r, void *out, size_t n)
{
    if (!r->ok || r->n - r->at < n) {
        r->ok = false;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p + r->at, n);
    r->at += n;
}

static uint64_t r_u64(rbuf *r)
{
    uint8_t b[8];
    r_bytes(r, b, 8);
    return lm_load_be64(b);
}

static uint8_t r_u8(rbuf *r)
{
    uint8_t v;
    r_bytes(r, &v, 1);
    return v;
}

static void chain_id_bytes(const lm_derive *f, uint8_t out[60])
{
    memcpy(out, f->d.rollup, 20);
    memcpy(out + 20, f->d.deploy_block_hash, 32);
    lm_store_be64(out + 52, f->d.config.l2_chain_id);
}

static void batch_key(uint8_t key[sizeof KEY_BATCH - 1 + 8], uint64_t index)
{
    memcpy(key, KEY_BATCH, sizeof KEY_BATCH - 1);
    lm_store_be64(key + sizeof KEY_BATCH - 1, index);
}

static void encode_rec(wbuf *w, const batch_rec *r)
{
    const lm_derive_batch_info *in = &r->info;
    w_u8(w, PROGRESS_VERSION);
    w_u64(w, in->index);
    w_u64(w, in->l1_block);
    w_bytes(w, in->l1_block_hash, 32);
    w_u8(w, (uint8_t)in->status);
    w_u64(w, in->blocks_applied);
    w_u64(w, in->last_block);
    w_bytes(w, in->last_block_hash, 32);
    for (int i = 0; i < 4; i++)
        w_u64(w, in->state_root[i]);
    w_u64(w, in->withdrawal_count);
    w_bytes(w, in->withdrawals_root, 32);
    w_bytes(w, in->output_root, 32);
    w_u8(w, in->has_proposed);
    w_bytes(w, in->proposed_root, 32);
    w_u64(w, in->proposed_l2_block);
    w_u64(w, r->proposed_l1_block);
    w_u8(w, in->mismatch);
    size_t rl = strnlen(in->reason, sizeof in->reason - 1);
    w_u64(w, rl);
    w_bytes(w, in->reason, rl);
}

/* Returns: false when the record is malformed. */
static bool decode_rec(batch_rec *r, const uint8_t *p, size_t n)
{
    rbuf b = {p, n, 0, true};
    memset(r, 0, sizeof *r);
    lm_derive_batch_info *in = &r->info;
    if (r_u8(&b) != PROGRESS_VERSION)
        return false;
    in->index = r_u64(&b);
    in->l1_block = r_u64(&b);
    r_bytes(&b, in->l1_block_hash, 32);
    uint8_t st = r_u8(&b);
    if (st > LM_DERIVE_BATCH_IGNORED)
        return false;
    in->status = (lm_derive_batch_status)st;
    uint64_t v = r_u64(&b);
    in->blocks_applied = (uint32_t)v;
    in->last_block = r_u64(&b);
    r_bytes(&b, in->last_block_hash, 32);
    for (int i = 0; i < 4; i++) {
        in->state_root[i] = r_u64(&b);
        if (in->state_root[i] >= LM_GL_P)
            return false;
    }
    lm_state_root_bytes(in->state_root_bytes, in->state_root);
    in->withdrawal_count = (uint32_t)r_u64(&b);
    r_bytes(&b, in->withdrawals_root, 32);
    r_bytes(&b, in->output_root, 32);
    in->has_proposed = r_u8(&b) != 0;
    r_bytes(&b, in->proposed_root, 32);
    in->proposed_l2_block = r_u64(&b);
    r->proposed_l1_block = r_u64(&b);
    in->mismatch = r_u8(&b) != 0;
    uint64_t rl = r_u64(&b);
    if (rl >= sizeof in->reason)
        return false;
    r_bytes(&b, in->reason, (size_t)rl);
    return b.ok && b.at == n && v <= UINT32_MAX;
}

static lm_code save_chain_id(lm_derive *f, lm_err *err)
{
    lm_store *st = lm_statedb_store(f->db);
    uint8_t id[60];
    chain_id_bytes(f, id);
    lm_code rc = lm_store_begin_block(st, err);
    if (rc != LM_OK)
        return rc;
    if ((rc = lm_store_put_meta(st, KEY_CHAIN, sizeof KEY_CHAIN - 1, id, sizeof id, err)) != LM_OK) {
        lm_store_abort_block(st);
        return rc;
    }
    return lm_store_commit_block(st, err);
}

/* Writes the L1 mark and every changed batch record, in one durable store
 * transaction (nothing when nothing changed). */
static lm_code save_progress(lm_derive *f, lm_err *err)
{
    bool any = f->unsaved_scan;
    for (size_t i = 0; !any && i < f->n_batches; i++)
        any = f->batches[i].unsaved;
    if (!any)
        return LM_OK;
    lm_store *st = lm_statedb_store(f->db);
    lm_code rc = lm_store_begin_block(st, err);
    if (rc != LM_OK)
        return rc;
    wbuf w = {.n = 0};
    w_u8(&w, PROGRESS_VERSION);
    w_u8(&w, f->has_scanned);
    w_u64(&w, f->scanned_to);
    w_bytes(&w, f->scanned_hash, 32);
    rc = lm_store_put_meta(st, KEY_SCAN, sizeof KEY_SCAN - 1, w.b, w.n, err);
    for (size_t i = 0; rc == LM_OK && i < f->n_batches; i++) {
        if (!f->batches[i].unsaved)
            continue;
        w.n = 0;
        encode_rec(&w, &f->batches[i]);
        uint8_t key[sizeof KEY_BATCH - 1 + 8];
        batch_key(key, i);
        rc = lm_store_put_meta(st, key, sizeof key, w.b, w.n, err);
    }
    if (rc != LM_OK) {
        lm_store_abort_block(st);
        return lm_err_wrap(err, rc, "derive: saving progress");
    }
    if ((rc = lm_store_commit_block(st, err)) != LM_OK)
        return lm_err_wrap(err, rc, "derive: saving progress");
    f->unsaved_scan = false;
    for (size_t i = 0; i < f->n_batches; i++)
        f->batches[i].unsaved = false;
    return LM_OK;
}

/* Reads the records, the block hashes and the head from the open store.
 * Returns: LM_OK with *ok false when the store cannot be resumed. */
static lm_code load_progress(lm_derive *f, bool *ok, lm_err *err)
{
    *ok = false;
    uint64_t head;
    if (!lm_statedb_head(f->db, &head))
        return LM_OK;
    lm_store_view v;
    lm_code rc = lm_store_read_begin(lm_statedb_store(f->db), &v, err);
    if (rc != LM_OK)
        return rc;
    const uint8_t *val;
    size_t len;
    uint8_t id[60];
    chain_id_bytes(f, id);
    if (lm_store_get_meta(&v, KEY_CHAIN, sizeof KEY_CHAIN - 1, &val, &len, NULL) != LM_OK ||
        len != sizeof id || memcmp(val, id, sizeof id) != 0)
        goto out; /* another deployment, or none recorded */
    if (lm_store_get_meta(&v, KEY_SCAN, sizeof KEY_SCAN - 1, &val, &len, NULL) != LM_OK)
        goto out;
    rbuf b = {val, len, 0, true};
    if (r_u8(&b) != PROGRESS_VERSION)
        goto out;
    f->has_scanned = r_u8(&b) != 0;
    f->scanned_to = r_u64(&b);
    r_bytes(&b, f->scanned_hash, 32);
    if (!b.ok || b.at != len)
        goto out;
    for (uint64_t i = 0;; i++) {
        uint8_t key[sizeof KEY_BATCH - 1 + 8];
        batch_key(key, i);
        rc = lm_store_get_meta(&v, key, sizeof key, &val, &len, err);
        if (rc == LM_ENOTFOUND)
            break;
        if (rc != LM_OK)
            goto out_err;
        if (!grow((void **)&f->batches, &f->cap_batches, f->n_batches + 1, sizeof *f->batches)) {
            rc = lm_err_set(err, LM_ENOMEM, "derive: out of memory");
            goto out_err;
        }
        batch_rec *r = &f->batches[f->n_batches];
        if (!decode_rec(r, val, len) || r->info.index != i)
            goto out;
        f->n_batches++;
        if (r->info.mismatch)
            f->mismatches++;
    }
    /* the blocks the records account for, and no more (a crash between a
     * batch's blocks and its record leaves more: not resumable) */
    uint64_t want = f->n_batches ? f->batches[f->n_batches - 1].info.last_block : 0;
    if (head != want)
        goto out;
    for (uint64_t i = 0; i <= head; i++) {
        lm_block_header h;
        if ((rc = lm_store_get_block(&v, i, &h, NULL, err)) != LM_OK)
            goto out_err;
        uint8_t hash[32];
        lm_block_hash(hash, &h);
        if (i > 0 && memcmp(h.parent_hash, f->hashes[i - 1], 32) != 0)
            goto out;
        if ((rc = push_hash(f, hash, err)) != LM_OK)
            goto out_err;
        f->head = h;
        memcpy(f->head_hash, hash, 32);
    }
    if (f->n_batches &&
        memcmp(f->head_hash, f->batches[f->n_batches - 1].info.last_block_hash, 32) != 0)
        goto out;
    *ok = true;
out:
    lm_store_read_end(&v);
    return LM_OK;
out_err:
    lm_store_read_end(&v);
    return rc;
}

/* Opens an existing DIR/state and resumes from its recorded progress: the
 * genesis is checked, the queue is read again from L1 up to the recorded
 * mark and checked against the state's queue hash. Any inconsistency
 * leaves *resumed false (the caller re-derives). */
static lm_code try_resume(lm_derive *f, bool *resumed, lm_err *err)
{
    *resumed = false;
    struct stat st;
    if (stat(f->state_dir, &st) != 0)
        return LM_OK; /* nothing to resume */
    lm_statedb_options so;
    memset(&so, 0, sizeof so);
    so.threads = f->opt.threads ? f->opt.threads : 1;
    lm_err oe;
    if (lm_statedb_open(&f->db, f->state_dir, &so, &oe) != LM_OK) {
        LM_WARN(COMP, "the stored state cannot be opened (%s): re-deriving", oe.msg);
        f->db = NULL;
        return LM_OK;
    }
    bool ok;
    lm_code rc = load_progress(f, &ok, err);
    if (rc == LM_OK && ok) {
        /* genesis: the deployment block is still on L1 and block 0 matches */
        if ((rc = lm_genesis_l1_timestamp(f->rpc, &f->d, &f->l1_genesis_ts, err)) == LM_OK &&
            (rc = lm_genesis_init(f->db, &f->d, f->l1_genesis_ts, NULL, NULL, NULL, err)) != LM_OK &&
            rc == LM_EINVAL) {
            ok = false;
            rc = LM_OK;
        }
    }
    if (rc == LM_OK && ok && f->has_scanned) {
        size_t added;
        rc = read_messages(f, f->d.deploy_block, f->scanned_to, &added, err);
    }
    if (rc == LM_OK && ok) {
        const lm_chain_meta *m = lm_statedb_meta(f->db);
        uint8_t zero[32] = {0};
        const uint8_t *qh = m->l1_messages_done ? f->msgs[m->l1_messages_done - 1].queue_hash : zero;
        ok = m->l1_messages_done <= f->n_msgs && memcmp(qh, m->l1_queue_hash, 32) == 0;
    }
    if (rc == LM_OK && ok) {
        *resumed = true;
        LM_INFO(COMP, "resumed: %zu batch(es), L2 head %llu, L1 read up to %llu", f->n_batches,
                (unsigned long long)f->head.number, (unsigned long long)f->scanned_to);
        return LM_OK;
    }
    if (rc == LM_OK)
        LM_WARN(COMP, "the stored progress cannot be resumed: re-deriving from genesis");
    /* forget what was loaded; rederive (or the caller's error path) starts clean */
    forget_progress(f);
    return rc;
}

/* ---- polling ------------------------------------------------------------------------ */

static void fill_head(const lm_derive *f, lm_derive_progress *p)
{
    p->head = f->head.number;
    memcpy(p->head_hash, f->head_hash, 32);
    if (!p->has_output && f->n_batches) {
        const batch_rec *r = &f->batches[f->n_batches - 1];
        p->has_output = true;
        p->last_batch = r->info.index;
        memcpy(p->last_output_root, r->info.output_root, 32);
    }
}

static lm_code poll(lm_derive *f, lm_derive_progress *p, lm_err *err)
{
    lm_code rc;
    if (f->dirty) {
        LM_WARN(COMP, "the last poll stopped inside a batch: re-deriving from genesis");
        p->rederived = true;
        if ((rc = rederive(f, err)) != LM_OK)
            return rc;
    }
    /* the head's header rather than eth_blockNumber: its timestamp gives
     * the lag in seconds (/metrics) */
    lm_l1_header hh;
    if ((rc = lm_rpc_get_block_by_number(f->rpc, &hh, lm_block_tagged(LM_BLOCK_LATEST), err)) !=
        LM_OK)
        return rc;
    uint64_t latest = hh.number;
    f->has_l1_head = true;
    f->l1_head = hh.number;
    f->l1_head_ts = hh.timestamp;
    if (f->has_scanned) {
        lm_l1_header h;
        rc = lm_rpc_get_block_by_number(f->rpc, &h, lm_block_at(f->scanned_to), err);
        if (rc != LM_OK && rc != LM_ENOTFOUND)
            return rc;
        if (rc == LM_ENOTFOUND || memcmp(h.hash, f->scanned_hash, 32) != 0) {
            if ((rc = on_reorg(f, p, err)) != LM_OK)
                return rc;
        } else {
            f->scanned_ts = h.timestamp;
            f->has_scanned_ts = true;
        }
    }
    if (latest < f->opt.confirmations)
        return LM_OK;
    uint64_t target = latest - f->opt.confirmations;
    uint64_t from = f->has_scanned ? f->scanned_to + 1 : f->d.deploy_block;
    if (target < from)
        return LM_OK;
    uint64_t to = target - from >= f->opt.max_l1_blocks ? from + f->opt.max_l1_blocks - 1 : target;
    lm_l1_header top;
    rc = lm_rpc_get_block_by_number(f->rpc, &top, lm_block_at(to), err);
    if (rc == LM_ENOTFOUND)
        return LM_OK; /* L1 got shorter meanwhile: the next poll sees it */
    if (rc != LM_OK)
        return rc;
    f->has_origin = false;
    size_t added;
    if ((rc = read_messages(f, from, to, &added, err)) != LM_OK)
        return rc;
    lm_batch_event *evs = NULL;
    size_t n_evs = 0;
    output_seen *outs = NULL;
    size_t n_outs = 0;
    if ((rc = lm_lamina_get_batches(f->rpc, &f->d, from, to, &evs, &n_evs, err)) != LM_OK ||
        (rc = read_outputs(f, from, to, &outs, &n_outs, err)) != LM_OK) {
        free(evs);
        truncate_msgs(f, f->n_msgs - added);
        return rc;
    }
    p->read = true;
    p->l1_from = from;
    p->l1_to = to;
    p->more = to < target;
    for (size_t i = 0; rc == LM_OK && i < n_evs; i++)
        rc = derive_batch(f, &evs[i], p, err);
    for (size_t i = 0; rc == LM_OK && i < n_outs; i++)
        rc = check_output(f, &outs[i], p, err);
    free(evs);
    free(outs);
    if (rc != LM_OK)
        return rc; /* the range is read again by the next poll: what was done is skipped */
    f->has_scanned = true;
    f->scanned_to = to;
    memcpy(f->scanned_hash, top.hash, 32);
    f->scanned_ts = top.timestamp;
    f->has_scanned_ts = true;
    f->unsaved_scan = true;
    return LM_OK;
}

lm_code lm_derive_poll(lm_derive *f, lm_derive_progress *p, lm_err *err)
{
    lm_derive_progress local;
    if (!p)
        p = &local;
    memset(p, 0, sizeof *p);
    lm_code rc = poll(f, p, err);
    if (rc == LM_OK && !f->dirty)
        rc = save_progress(f, err);
    fill_head(f, p);
    publish_stats(f, p, rc);
    return rc;
}

/* ---- statistics ------------------------------------------------------------------------ */

/* Adds what poll p did (NULL: nothing, at open) to the counters and sets
 * the gauges, under the stats mutex. A failed poll's work counts too: what
 * it derived is kept (or, after a re-derivation, derived and counted again). */
static void publish_stats(lm_derive *f, const lm_derive_progress *p, lm_code rc)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    pthread_mutex_lock(&f->stats_mu);
    lm_derive_stats *st = &f->stats;
    if (p) {
        if (rc == LM_OK) {
            st->polls++;
            st->last_poll_unix_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
        } else {
            st->poll_errors++;
        }
        st->batches += p->batches;
        st->batches_ignored += p->batches_ignored;
        st->blocks += p->blocks;
        st->blocks_rejected += p->blocks_rejected;
        st->deposits += p->deposits;
        st->forced_withdrawals += p->forced_withdrawals;
        st->forced_txs += p->forced_txs;
        st->forced_messages += p->forced_messages;
        st->outputs_checked += p->outputs_checked;
        st->outputs_mismatched += p->mismatches;
        st->outputs_matched += p->outputs_checked - p->mismatches;
        st->reorgs += p->reorg;
        st->rederivations += p->rederived;
    }
    st->l2_chain_id = f->d.config.l2_chain_id;
    st->confirmations = f->opt.confirmations;
    st->l2_head = f->head.number;
    st->batch_count = f->n_batches;
    st->mismatches = f->mismatches;
    st->has_l1_head = f->has_l1_head;
    st->l1_head = f->l1_head;
    st->l1_head_timestamp = f->l1_head_ts;
    st->has_l1_derived = f->has_scanned && f->has_scanned_ts;
    st->l1_derived = f->scanned_to;
    st->l1_derived_timestamp = f->scanned_ts;
    pthread_mutex_unlock(&f->stats_mu);
}

void lm_derive_get_stats(lm_derive *f, lm_derive_stats *out)
{
    pthread_mutex_lock(&f->stats_mu);
    *out = f->stats;
    pthread_mutex_unlock(&f->stats_mu);
}

/* ---- accessors ------------------------------------------------------------------------ */

uint64_t lm_derive_batch_count(const lm_derive *f) { return f->n_batches; }

lm_code lm_derive_batch(const lm_derive *f, uint64_t index, lm_derive_batch_info *out, lm_err *err)
{
    if (index >= f->n_batches)
        return lm_err_set(err, LM_ENOTFOUND, "derive: batch %llu not derived",
                          (unsigned long long)index);
    *out = f->batches[index].info;
    return LM_OK;
}

void lm_derive_head(const lm_derive *f, uint64_t *number, uint8_t hash[32])
{
    if (number)
        *number = f->head.number;
    if (hash)
        memcpy(hash, f->head_hash, 32);
}

lm_code lm_derive_block_hash(const lm_derive *f, uint64_t number, uint8_t hash[32], lm_err *err)
{
    if (number >= f->n_hashes)
        return lm_err_set(err, LM_ENOTFOUND, "derive: block %llu not derived",
                          (unsigned long long)number);
    memcpy(hash, f->hashes[number], 32);
    return LM_OK;
}

uint64_t lm_derive_mismatches(const lm_derive *f) { return f->mismatches; }

lm_statedb *lm_derive_statedb(lm_derive *f) { return f->db; }
