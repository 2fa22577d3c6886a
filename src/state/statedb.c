/* The node's state: store + accounts tree + the block's overlay, and the
 * STF host over them (include/lamina/statedb.h, docs/state.md). */
#include "lamina/statedb.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/poseidon2.h"
#include "lamina/secp256k1.h"

/* One account the open block wrote. */
typedef struct ov_entry {
    uint64_t index;
    lm_account acct;
} ov_entry;

struct lm_statedb {
    lm_store *store;
    lm_state_tree tree;
    lm_chain_meta meta; /* as of the last committed block */
    bool has_head;
    uint64_t head;
    unsigned threads;
    lm_stf_host host;
    lm_err host_err;
    bool in_block;
    bool from_snapshot; /* the tree came from the snapshot at open */
    /* The overlay: entries in insertion order, and two open-addressing
     * tables (slot = entry position + 1, 0 = empty; at most half full)
     * keyed by index and by address. The hash is keyed with a random
     * value so that addresses chosen to collide cannot slow it down. */
    ov_entry *ov;
    size_t ov_n, ov_cap;
    uint32_t *by_index, *by_addr;
    size_t tab_cap; /* a power of two */
    uint64_t hash_key;
};

/* ---- the overlay ------------------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static size_t hash_index(const lm_statedb *db, uint64_t index)
{
    return (size_t)mix64(index ^ db->hash_key) & (db->tab_cap - 1);
}

static size_t hash_addr(const lm_statedb *db, const uint8_t a[20])
{
    uint64_t h = db->hash_key;
    for (int i = 0; i < 20; i += 4)
        h = mix64(h ^ ((uint64_t)a[i] | (uint64_t)a[i + 1] << 8 | (uint64_t)a[i + 2] << 16 |
                       (uint64_t)a[i + 3] << 24 | (uint64_t)i << 32));
    return (size_t)h & (db->tab_cap - 1);
}

static ov_entry *ov_find_index(const lm_statedb *db, uint64_t index)
{
    if (!db->tab_cap)
        return NULL;
    for (size_t s = hash_index(db, index);; s = (s + 1) & (db->tab_cap - 1)) {
        uint32_t p = db->by_index[s];
        if (!p)
            return NULL;
        if (db->ov[p - 1].index == index)
            return &db->ov[p - 1];
    }
}

static ov_entry *ov_find_addr(const lm_statedb *db, const uint8_t a[20])
{
    if (!db->tab_cap)
        return NULL;
    for (size_t s = hash_addr(db, a);; s = (s + 1) & (db->tab_cap - 1)) {
        uint32_t p = db->by_addr[s];
        if (!p)
            return NULL;
        if (memcmp(db->ov[p - 1].acct.address, a, 20) == 0)
            return &db->ov[p - 1];
    }
}

static void ov_link(lm_statedb *db, uint32_t pos)
{
    size_t s = hash_index(db, db->ov[pos].index);
    while (db->by_index[s])
        s = (s + 1) & (db->tab_cap - 1);
    db->by_index[s] = pos + 1;
    s = hash_addr(db, db->ov[pos].acct.address);
    while (db->by_addr[s])
        s = (s + 1) & (db->tab_cap - 1);
    db->by_addr[s] = pos + 1;
}

/* Makes room for one more entry. Returns: false when memory runs out. */
static bool ov_grow(lm_statedb *db)
{
    if (db->ov_n == db->ov_cap) {
        size_t cap = db->ov_cap ? db->ov_cap * 2 : 64;
        ov_entry *p = realloc(db->ov, cap * sizeof *p);
        if (!p)
            return false;
        db->ov = p;
        db->ov_cap = cap;
    }
    if ((db->ov_n + 1) * 2 > db->tab_cap) {
        size_t cap = db->tab_cap ? db->tab_cap * 2 : 128;
        uint32_t *a = calloc(cap, sizeof *a), *b = calloc(cap, sizeof *b);
        if (!a || !b) {
            free(a);
            free(b);
            return false;
        }
        free(db->by_index);
        free(db->by_addr);
        db->by_index = a;
        db->by_addr = b;
        db->tab_cap = cap;
        for (size_t i = 0; i < db->ov_n; i++)
            ov_link(db, (uint32_t)i);
    }
    return true;
}

static void ov_clear(lm_statedb *db)
{
    db->ov_n = 0;
    if (db->tab_cap) {
        memset(db->by_index, 0, db->tab_cap * sizeof *db->by_index);
        memset(db->by_addr, 0, db->tab_cap * sizeof *db->by_addr);
    }
}

/* ---- the host ------------------------------------------------------------------ */

static bool host_fail(lm_statedb *db, lm_code code, const char *msg)
{
    lm_err_set(&db->host_err, code, "state host: %s", msg);
    return false;
}

static bool host_get_account(void *ctx, uint64_t index, lm_account *out)
{
    lm_statedb *db = ctx;
    if (!db->in_block)
        return host_fail(db, LM_EINVAL, "no block open");
    const ov_entry *e = ov_find_index(db, index);
    if (e) {
        *out = e->acct;
        return true;
    }
    lm_store_view v;
    if (lm_store_write_view(db->store, &v, &db->host_err) != LM_OK ||
        lm_store_get_account(&v, index, out, &db->host_err) != LM_OK)
        return false;
    return true;
}

static bool host_put_account(void *ctx, uint64_t index, const lm_account *acct)
{
    lm_statedb *db = ctx;
    if (!db->in_block)
        return host_fail(db, LM_EINVAL, "no block open");
    if (index >= LM_STATE_TREE_MAX_LEAVES)
        return host_fail(db, LM_EINVAL, "account index >= 2^32");
    ov_entry *e = ov_find_index(db, index);
    if (e) {
        /* "index < meta.num_accounts replaces an account (same address)" */
        if (memcmp(e->acct.address, acct->address, 20) != 0)
            return host_fail(db, LM_EINVAL, "an account's address changed");
        e->acct = *acct;
        return true;
    }
    const ov_entry *other = ov_find_addr(db, acct->address);
    if (other)
        return host_fail(db, LM_EINVAL, "one address at two account indices");
    if (db->ov_n >= UINT32_MAX - 1 || !ov_grow(db))
        return host_fail(db, LM_ENOMEM, "out of memory for the block's accounts");
    db->ov[db->ov_n] = (ov_entry){index, *acct};
    ov_link(db, (uint32_t)db->ov_n);
    db->ov_n++;
    return true;
}

static bool host_find_account(void *ctx, const uint8_t address[20], bool *found, uint64_t *index)
{
    lm_statedb *db = ctx;
    if (!db->in_block)
        return host_fail(db, LM_EINVAL, "no block open");
    const ov_entry *e = ov_find_addr(db, address);
    if (e) {
        *found = true;
        *index = e->index;
        return true;
    }
    lm_store_view v;
    if (lm_store_write_view(db->store, &v, &db->host_err) != LM_OK)
        return false;
    lm_code rc = lm_store_find_address(&v, address, index, &db->host_err);
    if (rc != LM_OK && rc != LM_ENOTFOUND)
        return false;
    *found = rc == LM_OK;
    return true;
}

static bool host_ecrecover(void *ctx, const uint8_t digest[32], const uint8_t sig[65],
                           uint8_t address_out[20])
{
    (void)ctx;
    lm_sig s;
    lm_address a;
    lm_err err;
    memcpy(s.b, sig, sizeof s.b);
    if (lm_ecdsa_recover_address(&a, digest, &s, &err) != LM_OK)
        return false; /* an invalid signature, not a host failure */
    memcpy(address_out, a.b, 20);
    return true;
}

/* ---- open: rebuild the tree ------------------------------------------------------- */

#define REBUILD_CHUNK 65536u

typedef struct rebuild {
    lm_statedb *db;
    lm_account *acct; /* REBUILD_CHUNK accounts */
    lm_gl (*leaf)[4];
    size_t n;          /* accounts in the chunk */
    uint64_t count;    /* accounts seen */
    lm_err *err;
} rebuild;

typedef struct leaf_job {
    const lm_account *acct;
    lm_gl (*leaf)[4];
    size_t n;
} leaf_job;

static void *leaf_thread(void *arg)
{
    leaf_job *j = arg;
    enum { GROUP = 64 }; /* leaves hashed side by side (Poseidon2 lanes) */
    lm_gl e[GROUP * LM_ACCOUNT_LEAF_ELEMENTS];
    for (size_t i = 0; i < j->n; i += GROUP) {
        size_t k = j->n - i < GROUP ? j->n - i : GROUP;
        for (size_t a = 0; a < k; a++)
            lm_account_leaf_elements(e + a * LM_ACCOUNT_LEAF_ELEMENTS, &j->acct[i + a]);
        lm_poseidon2_hash_many(j->leaf + i, e, k, LM_ACCOUNT_LEAF_ELEMENTS, LM_ACCOUNT_LEAF_ELEMENTS, 1);
    }
    return NULL;
}

/* Hashes the chunk's leaves on db->threads threads and sets them. */
static lm_code rebuild_flush(rebuild *r)
{
    unsigned t = r->db->threads;
    if (r->n < 1024 || t == 0)
        t = 1;
    leaf_job job[LM_STATE_TREE_MAX_THREADS];
    pthread_t th[LM_STATE_TREE_MAX_THREADS];
    bool started[LM_STATE_TREE_MAX_THREADS] = {false};
    for (unsigned i = 0; i < t; i++) {
        size_t lo = r->n * i / t, hi = r->n * (i + 1) / t;
        job[i] = (leaf_job){r->acct + lo, r->leaf + lo, hi - lo};
    }
    for (unsigned i = 1; i < t; i++)
        started[i] = pthread_create(&th[i], NULL, leaf_thread, &job[i]) == 0;
    leaf_thread(&job[0]);
    for (unsigned i = 1; i < t; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            leaf_thread(&job[i]);
    }
    uint64_t first = r->count - r->n;
    for (size_t i = 0; i < r->n; i++) {
        lm_code rc = lm_state_tree_set(&r->db->tree, first + i, r->leaf[i], r->err);
        if (rc != LM_OK)
            return rc;
    }
    r->n = 0;
    return LM_OK;
}

static lm_code rebuild_account(void *ctx, uint64_t index, const lm_account *acct)
{
    rebuild *r = ctx;
    if (index != r->count)
        return lm_err_set(r->err, LM_EIO, "state: account %llu missing (accounts must be dense)",
                          (unsigned long long)r->count);
    r->acct[r->n++] = *acct;
    r->count++;
    return r->n == REBUILD_CHUNK ? rebuild_flush(r) : LM_OK;
}

/* Rebuilds the tree from every stored account (hashing each leaf). */
static lm_code rebuild_tree(lm_statedb *db, const lm_store_view *v, lm_err *err)
{
    rebuild r = {db, NULL, NULL, 0, 0, err};
    lm_code rc = LM_OK;
    lm_state_tree_free(&db->tree);
    r.acct = malloc(REBUILD_CHUNK * sizeof *r.acct);
    r.leaf = malloc(REBUILD_CHUNK * sizeof *r.leaf);
    if (!r.acct || !r.leaf)
        rc = lm_err_set(err, LM_ENOMEM, "state: out of memory");
    if (rc == LM_OK)
        rc = lm_state_tree_reserve(&db->tree, db->meta.num_accounts, err);
    if (rc == LM_OK)
        rc = lm_store_for_each_account(v, rebuild_account, &r, err);
    if (rc == LM_OK)
        rc = rebuild_flush(&r);
    free(r.acct);
    free(r.leaf);
    if (rc == LM_OK && r.count != db->meta.num_accounts)
        rc = lm_err_set(err, LM_EIO, "state: %llu accounts stored, the chain meta says %llu",
                        (unsigned long long)r.count, (unsigned long long)db->meta.num_accounts);
    return rc;
}

/* Uses the tree snapshot when it was saved for the head block and gives
 * the state root stored for the head. Returns: true when it did. */
static bool try_snapshot(lm_statedb *db, const lm_store_view *v, const lm_gl stored_root[4])
{
    lm_err ignored;
    uint64_t block;
    if (lm_store_get_tree(v, &db->tree, &block, &ignored) != LM_OK)
        return false;
    lm_gl root[4];
    lm_statedb_root(db, root, NULL);
    if (block == db->head && lm_state_tree_size(&db->tree) >= db->meta.num_accounts &&
        memcmp(root, stored_root, sizeof root) == 0)
        return true;
    lm_state_tree_free(&db->tree); /* stale or damaged: rebuild */
    return false;
}

static lm_code load(lm_statedb *db, bool verify, lm_err *err)
{
    lm_store_view v;
    lm_code rc = lm_store_read_begin(db->store, &v, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_store_get_chain_meta(&v, &db->meta, err);
    if (rc == LM_ENOTFOUND) {
        memset(&db->meta, 0, sizeof db->meta);
        rc = LM_OK;
    }
    if (rc == LM_OK) {
        rc = lm_store_get_head(&v, &db->head, NULL, err);
        db->has_head = rc == LM_OK;
        if (rc == LM_ENOTFOUND)
            rc = LM_OK;
    }
    if (rc == LM_OK && db->meta.num_accounts > LM_STATE_TREE_MAX_LEAVES)
        rc = lm_err_set(err, LM_EIO, "state: damaged chain meta (%llu accounts)",
                        (unsigned long long)db->meta.num_accounts);
    uint64_t root_block = 0;
    lm_gl stored[4];
    bool have_root = false;
    if (rc == LM_OK) {
        rc = lm_store_get_state_root(&v, &root_block, stored, err);
        have_root = rc == LM_OK && db->has_head && root_block == db->head;
        if (rc == LM_ENOTFOUND)
            rc = LM_OK;
    }
    /* The snapshot is used only when it can be checked against the root
     * stored for the head block; otherwise the accounts are rehashed. */
    db->from_snapshot = rc == LM_OK && have_root && !verify && try_snapshot(db, &v, stored);
    if (rc == LM_OK && !db->from_snapshot)
        rc = rebuild_tree(db, &v, err);
    lm_store_read_end(&v);
    if (rc != LM_OK || db->from_snapshot)
        return rc;
    lm_gl root[4];
    lm_statedb_root(db, root, NULL);
    if (have_root && memcmp(root, stored, sizeof root) != 0)
        return lm_err_set(err, LM_EIO, "state: the state root recomputed from the accounts differs "
                                       "from the one stored for block %llu: damaged database",
                          (unsigned long long)root_block);
    return LM_OK;
}

lm_code lm_statedb_open(lm_statedb **out, const char *dir, const lm_statedb_options *opt, lm_err *err)
{
    *out = NULL;
    lm_statedb *db = calloc(1, sizeof *db);
    if (!db)
        return lm_err_set(err, LM_ENOMEM, "state: out of memory");
    lm_state_tree_init(&db->tree);
    db->threads = opt && opt->threads ? opt->threads : 1;
    if (db->threads > LM_STATE_TREE_MAX_THREADS)
        db->threads = LM_STATE_TREE_MAX_THREADS;
    if (getrandom(&db->hash_key, sizeof db->hash_key, 0) != (ssize_t)sizeof db->hash_key)
        db->hash_key = (uint64_t)(uintptr_t)db * 0x9e3779b97f4a7c15ull; /* not secret, only unpredictable-ish */
    db->host = (lm_stf_host){db, host_get_account, host_put_account, host_find_account, host_ecrecover};
    lm_code rc = lm_store_open(&db->store, dir, opt ? &opt->store : NULL, err);
    if (rc == LM_OK)
        rc = load(db, opt && opt->verify, err);
    if (rc != LM_OK) {
        lm_statedb_close(db);
        return rc;
    }
    *out = db;
    return LM_OK;
}

void lm_statedb_close(lm_statedb *db)
{
    if (!db)
        return;
    lm_store_close(db->store);
    lm_state_tree_free(&db->tree);
    free(db->ov);
    free(db->by_index);
    free(db->by_addr);
    free(db);
}

lm_store *lm_statedb_store(lm_statedb *db) { return db->store; }

const lm_chain_meta *lm_statedb_meta(const lm_statedb *db) { return &db->meta; }

bool lm_statedb_head(const lm_statedb *db, uint64_t *number)
{
    if (db->has_head)
        *number = db->head;
    return db->has_head;
}

const lm_stf_host *lm_statedb_host(lm_statedb *db) { return &db->host; }

const lm_err *lm_statedb_host_error(const lm_statedb *db) { return &db->host_err; }

/* ---- blocks ------------------------------------------------------------------------- */

lm_code lm_statedb_begin_block(lm_statedb *db, lm_err *err)
{
    if (db->in_block)
        return lm_err_set(err, LM_EINVAL, "state: a block is already open");
    lm_code rc = lm_store_begin_block(db->store, err);
    if (rc != LM_OK)
        return rc;
    ov_clear(db);
    lm_err_clear(&db->host_err);
    db->in_block = true;
    return LM_OK;
}

void lm_statedb_abort_block(lm_statedb *db)
{
    lm_store_abort_block(db->store);
    ov_clear(db);
    db->in_block = false;
}

typedef struct ov_order {
    uint64_t index;
    size_t pos;
} ov_order;

static int cmp_order(const void *a, const void *b)
{
    uint64_t x = ((const ov_order *)a)->index, y = ((const ov_order *)b)->index;
    return (x > y) - (x < y);
}

/* Writes the block's records into the store's transaction. */
static lm_code put_block(lm_statedb *db, const ov_order *order, const lm_chain_meta *meta,
                         const lm_block_header *header, const uint8_t *txs, const lm_stf_code *statuses,
                         lm_err *err)
{
    lm_code rc;
    for (size_t i = 0; i < db->ov_n; i++) {
        const ov_entry *e = &db->ov[order[i].pos];
        bool is_new = e->index >= db->meta.num_accounts; /* db->meta: before this block */
        if ((rc = lm_store_put_account(db->store, e->index, &e->acct, is_new, err)) != LM_OK)
            return rc;
    }
    if ((rc = lm_store_put_chain_meta(db->store, meta, err)) != LM_OK ||
        (rc = lm_store_put_block(db->store, header, txs, NULL, err)) != LM_OK)
        return rc;
    for (uint32_t i = 0; i < header->tx_count; i++) {
        uint8_t h[32];
        lm_keccak256(h, txs + (size_t)i * LM_TX_WIRE_LEN, LM_TX_WIRE_LEN); /* the transaction hash */
        lm_store_tx_loc loc = {header->number, i, (uint8_t)(statuses ? statuses[i] : LM_STF_OK)};
        if ((rc = lm_store_put_tx(db->store, h, &loc, NULL, 0, err)) != LM_OK)
            return rc;
    }
    return LM_OK;
}

lm_code lm_statedb_commit_block(lm_statedb *db, const lm_chain_meta *meta, const lm_block_header *header,
                                const uint8_t *txs, const lm_stf_code *statuses, bool compute_root,
                                lm_gl root_out[4], lm_err *err)
{
    return lm_statedb_commit_block_with(db, meta, header, txs, statuses, compute_root, root_out, NULL,
                                        NULL, err);
}

lm_code lm_statedb_commit_block_with(lm_statedb *db, const lm_chain_meta *meta,
                                     const lm_block_header *header, const uint8_t *txs,
                                     const lm_stf_code *statuses, bool compute_root, lm_gl root_out[4],
                                     lm_statedb_commit_hook before_commit, void *ctx, lm_err *err)
{
    if (!db->in_block)
        return lm_err_set(err, LM_EINVAL, "state: no block open");
    lm_code rc = LM_OK;
    ov_order *order = NULL;
    lm_gl(*old)[4] = NULL, (*leaves)[4] = NULL, *elems = NULL;
    size_t n_set = 0; /* leaves set in the tree, to revert on failure */
    lm_chain_meta prev = db->meta;
    if (meta->num_accounts > LM_STATE_TREE_MAX_LEAVES || meta->num_accounts < db->meta.num_accounts) {
        rc = lm_err_set(err, LM_EINVAL, "state: %llu accounts after %llu (above 2^32 or fewer)",
                        (unsigned long long)meta->num_accounts, (unsigned long long)db->meta.num_accounts);
        goto fail;
    }
    size_t n_ov = db->ov_n ? db->ov_n : 1;
    order = malloc(n_ov * sizeof *order);
    old = malloc(n_ov * sizeof *old);
    leaves = malloc(n_ov * sizeof *leaves);
    elems = malloc(n_ov * LM_ACCOUNT_LEAF_ELEMENTS * sizeof *elems);
    if (!order || !old || !leaves || !elems) {
        rc = lm_err_set(err, LM_ENOMEM, "state: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < db->ov_n; i++) {
        order[i] = (ov_order){db->ov[i].index, i};
        if (db->ov[i].index >= meta->num_accounts) {
            rc = lm_err_set(err, LM_EINVAL, "state: account %llu written but only %llu exist",
                            (unsigned long long)db->ov[i].index, (unsigned long long)meta->num_accounts);
            goto fail;
        }
    }
    qsort(order, db->ov_n, sizeof *order, cmp_order); /* B-tree writes in key order */
    /* Room for every leaf first, so that setting leaves below cannot fail. */
    if ((rc = lm_state_tree_reserve(&db->tree, meta->num_accounts, err)) != LM_OK ||
        (rc = put_block(db, order, meta, header, txs, statuses, err)) != LM_OK)
        goto fail;
    /* the written accounts' leaves, hashed side by side (Poseidon2 lanes) */
    for (size_t i = 0; i < db->ov_n; i++)
        lm_account_leaf_elements(elems + i * LM_ACCOUNT_LEAF_ELEMENTS, &db->ov[order[i].pos].acct);
    lm_poseidon2_hash_many(leaves, elems, db->ov_n, LM_ACCOUNT_LEAF_ELEMENTS, LM_ACCOUNT_LEAF_ELEMENTS, 1);
    for (size_t i = 0; i < db->ov_n; i++) {
        const ov_entry *e = &db->ov[order[i].pos];
        lm_state_tree_get(&db->tree, e->index, old[i]);
        if ((rc = lm_state_tree_set(&db->tree, e->index, leaves[i], err)) != LM_OK)
            goto revert; /* not expected: reserved above */
        n_set++;
    }
    db->meta = *meta; /* lm_statedb_root hashes db->meta */
    lm_gl root[4];
    if (compute_root) {
        lm_statedb_root(db, root, NULL);
        rc = lm_store_put_state_root(db->store, header->number, root, err);
        if (rc == LM_OK && before_commit)
            rc = before_commit(ctx, root, err);
    }
    if (rc == LM_OK)
        rc = lm_store_commit_block(db->store, err); /* durable (fsync) when LM_OK */
    if (rc != LM_OK) {
        db->meta = prev;
        goto revert;
    }
    if (compute_root && root_out)
        memcpy(root_out, root, sizeof root);
    db->has_head = true;
    db->head = header->number;
    db->in_block = false;
    ov_clear(db);
    free(order);
    free(old);
    free(leaves);
    free(elems);
    return LM_OK;
revert:
    /* Put the old leaves back: the next root recomputation restores the
     * previous root (leaves the tree grew by are empty, Z_0, again). */
    for (size_t i = 0; i < n_set; i++) {
        lm_err ignored;
        if (lm_state_tree_set(&db->tree, db->ov[order[i].pos].index, old[i], &ignored) != LM_OK)
            break; /* cannot happen: the leaf exists */
    }
fail:
    lm_statedb_abort_block(db);
    free(order);
    free(old);
    free(leaves);
    free(elems);
    return rc;
}

void lm_statedb_root(lm_statedb *db, lm_gl root[4], lm_gl accounts_root[4])
{
    lm_gl acc[4], ml[4];
    lm_state_tree_commit(&db->tree, db->threads);
    lm_state_tree_root(&db->tree, acc);
    lm_meta_leaf(ml, &db->meta);
    lm_state_root(root, acc, ml);
    if (accounts_root)
        memcpy(accounts_root, acc, sizeof acc);
}

bool lm_statedb_from_snapshot(const lm_statedb *db) { return db->from_snapshot; }

lm_code lm_statedb_checkpoint(lm_statedb *db, lm_err *err)
{
    if (db->in_block)
        return lm_err_set(err, LM_EINVAL, "state: a block is open");
    if (!db->has_head)
        return LM_OK; /* nothing committed: nothing to save */
    lm_gl root[4];
    lm_statedb_root(db, root, NULL); /* commits the tree */
    lm_code rc = lm_store_begin_block(db->store, err);
    if (rc != LM_OK)
        return rc;
    if ((rc = lm_store_put_state_root(db->store, db->head, root, err)) != LM_OK ||
        (rc = lm_store_put_tree(db->store, &db->tree, db->head, err)) != LM_OK ||
        (rc = lm_store_commit_block(db->store, err)) != LM_OK) {
        lm_store_abort_block(db->store);
        return rc;
    }
    return LM_OK;
}

lm_code lm_statedb_prove(lm_statedb *db, uint64_t index, lm_state_proof *proof, lm_gl leaf[4], lm_err *err)
{
    lm_state_tree_commit(&db->tree, db->threads);
    return lm_state_tree_prove(&db->tree, index, proof, leaf, err);
}
