/* The LMDB store (include/lamina/store.h; schema and guarantees in
 * docs/state.md). */
#include "lamina/store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/state_tree.h"

enum { DB_ACCOUNTS, DB_ADDRESSES, DB_BLOCKS, DB_BLOCK_HASHES, DB_TXS, DB_RECEIPTS, DB_META, DB_TREE, DB_COUNT };

static const char *const DB_NAME[DB_COUNT] = {
    "accounts", "addresses", "blocks", "block_hashes", "txs", "receipts", "meta", "tree_nodes",
};

/* Reserved meta keys (docs/state.md). */
#define KEY_SCHEMA "lamina.schema"
#define KEY_HEAD "lamina.head"
#define KEY_CHAIN "lamina.chain_meta"
#define KEY_ROOT "lamina.state_root"
#define KEY_TREE "lamina.tree"
#define RESERVED_PREFIX "lamina."

#define HEAD_LEN 40u   /* number u64 BE ‖ hash[32] */
#define ROOT_LEN 40u   /* block u64 BE ‖ 4 × u64 BE */
#define TXLOC_LEN 13u  /* block u64 BE ‖ position u32 BE ‖ status u8 */
#define TREE_INFO_LEN 48u /* block u64 BE ‖ n_leaves u64 BE ‖ keccak256 of the node values */
#define TREE_CHUNK 2048u  /* nodes per tree_nodes value (64 KiB) */

struct lm_store {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    uint64_t map_size;
    MDB_txn *wtxn;   /* the open block, or NULL */
    lm_code wfail;   /* LM_OK, or the error that failed the open block */
    char wmsg[LM_ERR_MSG_MAX];
    bool have_head;  /* the open block's view of the head */
    uint64_t head;
    uint64_t fault_in; /* lm_store_inject_fault: 0 off, else fail the fault_in-th write */
};

/* Fault injection (SQLite-style): true when this write must fail. */
static bool injected(lm_store *s)
{
    return s->fault_in != 0 && --s->fault_in == 0;
}

void lm_store_inject_fault(lm_store *store, uint64_t nth) { store->fault_in = nth; }


/* Translates an LMDB or errno code into an lm_code and message. */
static lm_code mdb_fail(const lm_store *s, lm_err *err, int rc, const char *what)
{
    switch (rc) {
    case MDB_NOTFOUND:
        return lm_err_set(err, LM_ENOTFOUND, "store: %s: not found", what);
    case MDB_MAP_FULL:
        return lm_err_set(err, LM_ESPACE,
                          "store: %s: database full (map size %llu bytes): reopen with a larger map size",
                          what, (unsigned long long)(s ? s->map_size : 0));
    case MDB_TXN_FULL:
        return lm_err_set(err, LM_ETOOLARGE, "store: %s: too many changes in one block", what);
    case MDB_READERS_FULL:
        return lm_err_set(err, LM_ETOOLARGE, "store: %s: all reader slots in use", what);
    case ENOMEM:
        return lm_err_set(err, LM_ENOMEM, "store: %s: out of memory", what);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        return lm_err_set(err, LM_EIO, "store: %s: damaged database (%s)", what, mdb_strerror(rc));
    default:
        return lm_err_set(err, LM_EIO, "store: %s: %s", what, mdb_strerror(rc));
    }
}

static lm_code corrupt(lm_err *err, const char *what, size_t len)
{
    return lm_err_set(err, LM_EIO, "store: damaged %s record (%zu bytes)", what, len);
}

/* ---- records ---------------------------------------------------------------- */

void lm_store_account_encode(uint8_t out[LM_STORE_ACCOUNT_LEN], const lm_account *acct)
{
    out[0] = 0x01;
    memcpy(out + 1, acct->address, 20);
    lm_store_le64(out + 21, acct->nonce_base);
    lm_store_le64(out + 29, acct->nonce_bits);
    for (unsigned i = 0; i < LM_MAX_ASSETS; i++)
        lm_store_le64(out + 37 + 8 * i, acct->balance[i]);
}

lm_code lm_store_account_decode(lm_account *out, const uint8_t *rec, size_t len, lm_err *err)
{
    if (len != LM_STORE_ACCOUNT_LEN || rec[0] != 0x01)
        return corrupt(err, "account", len);
    memset(out, 0, sizeof *out); /* padding too */
    memcpy(out->address, rec + 1, 20);
    out->nonce_base = lm_load_le64(rec + 21);
    out->nonce_bits = lm_load_le64(rec + 29);
    for (unsigned i = 0; i < LM_MAX_ASSETS; i++)
        out->balance[i] = lm_load_le64(rec + 37 + 8 * i);
    return LM_OK;
}

/* version 0x01 ‖ num_accounts ‖ next_withdrawal_id ‖ l1_messages_done ‖
 * num_assets (u64 LE each) ‖ l1_queue_hash[32] */
static void meta_encode(uint8_t out[LM_STORE_CHAIN_META_LEN], const lm_chain_meta *m)
{
    out[0] = 0x01;
    lm_store_le64(out + 1, m->num_accounts);
    lm_store_le64(out + 9, m->next_withdrawal_id);
    lm_store_le64(out + 17, m->l1_messages_done);
    lm_store_le64(out + 25, m->num_assets);
    memcpy(out + 33, m->l1_queue_hash, 32);
}

static lm_code meta_decode(lm_chain_meta *m, const uint8_t *rec, size_t len, lm_err *err)
{
    if (len != LM_STORE_CHAIN_META_LEN || rec[0] != 0x01)
        return corrupt(err, "chain meta", len);
    m->num_accounts = lm_load_le64(rec + 1);
    m->next_withdrawal_id = lm_load_le64(rec + 9);
    m->l1_messages_done = lm_load_le64(rec + 17);
    m->num_assets = lm_load_le64(rec + 25);
    memcpy(m->l1_queue_hash, rec + 33, 32);
    return LM_OK;
}

/* ---- open / close ------------------------------------------------------------ */

static lm_code check_schema(lm_store *s, MDB_txn *txn, lm_err *err)
{
    MDB_val k = {sizeof KEY_SCHEMA - 1, (void *)KEY_SCHEMA}, v;
    int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
    if (rc == MDB_NOTFOUND) {
        uint8_t ver[4];
        lm_store_be32(ver, LM_STORE_SCHEMA);
        MDB_val nv = {sizeof ver, ver};
        rc = mdb_put(txn, s->dbi[DB_META], &k, &nv, 0);
        return rc ? mdb_fail(s, err, rc, "writing the schema version") : LM_OK;
    }
    if (rc)
        return mdb_fail(s, err, rc, "reading the schema version");
    if (v.mv_size != 4 || lm_load_be32(v.mv_data) != LM_STORE_SCHEMA)
        return lm_err_set(err, LM_EIO, "store: schema version %u expected, the database has another",
                          LM_STORE_SCHEMA);
    return LM_OK;
}

lm_code lm_store_open(lm_store **out, const char *dir, const lm_store_options *opt, lm_err *err)
{
    *out = NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return lm_err_set(err, LM_EIO, "store: cannot create %s: %s", dir, strerror(errno));
    lm_store *s = calloc(1, sizeof *s);
    if (!s)
        return lm_err_set(err, LM_ENOMEM, "store: out of memory");
    s->map_size = opt && opt->map_size ? opt->map_size : LM_STORE_DEFAULT_MAP_SIZE;
    unsigned readers = opt && opt->max_readers ? opt->max_readers : 126;
    int rc = mdb_env_create(&s->env);
    if (rc) {
        free(s);
        return mdb_fail(NULL, err, rc, "creating the environment");
    }
    lm_code code = LM_OK;
    if ((rc = mdb_env_set_mapsize(s->env, (size_t)s->map_size)) ||
        (rc = mdb_env_set_maxdbs(s->env, DB_COUNT)) ||
        (rc = mdb_env_set_maxreaders(s->env, readers))) {
        code = mdb_fail(s, err, rc, "configuring the environment");
        goto fail;
    }
    /* Durability: no MDB_NOSYNC / MDB_NOMETASYNC / MDB_WRITEMAP, so each
     * commit is fsynced before it returns. MDB_NOTLS: read views are not
     * tied to a thread. */
    if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600))) {
        code = mdb_fail(s, err, rc, dir);
        goto fail;
    }
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn))) {
        code = mdb_fail(s, err, rc, "opening the databases");
        goto fail;
    }
    for (int i = 0; i < DB_COUNT; i++) {
        if ((rc = mdb_dbi_open(txn, DB_NAME[i], MDB_CREATE, &s->dbi[i]))) {
            mdb_txn_abort(txn);
            code = mdb_fail(s, err, rc, DB_NAME[i]);
            goto fail;
        }
    }
    if ((code = check_schema(s, txn, err)) != LM_OK) {
        mdb_txn_abort(txn);
        goto fail;
    }
    if ((rc = mdb_txn_commit(txn))) {
        code = mdb_fail(s, err, rc, "opening the databases");
        goto fail;
    }
    *out = s;
    return LM_OK;
fail:
    mdb_env_close(s->env);
    free(s);
    return code;
}

void lm_store_close(lm_store *store)
{
    if (!store)
        return;
    lm_store_abort_block(store);
    mdb_env_close(store->env);
    free(store);
}

/* ---- reading ------------------------------------------------------------------ */

lm_code lm_store_read_begin(lm_store *store, lm_store_view *view, lm_err *err)
{
    view->store = store;
    view->txn = NULL;
    view->write = false;
    int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &view->txn);
    if (rc) {
        view->txn = NULL;
        return mdb_fail(store, err, rc, "starting a read view");
    }
    return LM_OK;
}

void lm_store_read_end(lm_store_view *view)
{
    /* Reads only the view itself: the writer thread may be changing the
     * store's fields meanwhile. */
    if (view->txn && !view->write)
        mdb_txn_abort(view->txn);
    view->txn = NULL;
}

lm_code lm_store_write_view(lm_store *store, lm_store_view *view, lm_err *err)
{
    if (!store->wtxn || store->wfail != LM_OK)
        return lm_err_set(err, LM_EINVAL, "store: no block open");
    view->store = store;
    view->txn = store->wtxn;
    view->write = true;
    return LM_OK;
}

static lm_code get(const lm_store_view *view, int db, const void *key, size_t klen, MDB_val *v,
                   lm_err *err, const char *what)
{
    if (!view->txn)
        return lm_err_set(err, LM_EINVAL, "store: %s: the view has ended", what);
    MDB_val k = {klen, (void *)key};
    int rc = mdb_get(view->txn, view->store->dbi[db], &k, v);
    return rc ? mdb_fail(view->store, err, rc, what) : LM_OK;
}

lm_code lm_store_get_account(const lm_store_view *view, uint64_t index, lm_account *out, lm_err *err)
{
    if (index > UINT32_MAX)
        return lm_err_set(err, LM_ENOTFOUND, "store: account %llu: not found",
                          (unsigned long long)index);
    uint8_t key[4];
    lm_store_be32(key, (uint32_t)index);
    MDB_val v;
    lm_code rc = get(view, DB_ACCOUNTS, key, sizeof key, &v, err, "account");
    if (rc != LM_OK)
        return rc;
    return lm_store_account_decode(out, v.mv_data, v.mv_size, err);
}

lm_code lm_store_find_address(const lm_store_view *view, const uint8_t address[20], uint64_t *index,
                              lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_ADDRESSES, address, 20, &v, err, "address");
    if (rc != LM_OK)
        return rc;
    if (v.mv_size != 4)
        return corrupt(err, "address", v.mv_size);
    *index = lm_load_be32(v.mv_data);
    return LM_OK;
}

lm_code lm_store_for_each_account(const lm_store_view *view,
                                  lm_code (*fn)(void *ctx, uint64_t index, const lm_account *acct),
                                  void *ctx, lm_err *err)
{
    if (!view->txn)
        return lm_err_set(err, LM_EINVAL, "store: accounts: the view has ended");
    MDB_cursor *cur;
    int rc = mdb_cursor_open(view->txn, view->store->dbi[DB_ACCOUNTS], &cur);
    if (rc)
        return mdb_fail(view->store, err, rc, "accounts cursor");
    MDB_val k, v;
    lm_code code = LM_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lm_account a;
        if (k.mv_size != 4) {
            code = corrupt(err, "account key", k.mv_size);
            break;
        }
        if ((code = lm_store_account_decode(&a, v.mv_data, v.mv_size, err)) != LM_OK)
            break;
        if ((code = fn(ctx, lm_load_be32(k.mv_data), &a)) != LM_OK)
            break;
    }
    if (code == LM_OK && rc != MDB_NOTFOUND)
        code = mdb_fail(view->store, err, rc, "accounts cursor");
    mdb_cursor_close(cur);
    return code;
}

lm_code lm_store_get_chain_meta(const lm_store_view *view, lm_chain_meta *out, lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_META, KEY_CHAIN, sizeof KEY_CHAIN - 1, &v, err, "chain meta");
    return rc != LM_OK ? rc : meta_decode(out, v.mv_data, v.mv_size, err);
}

lm_code lm_store_get_head(const lm_store_view *view, uint64_t *number, uint8_t hash[32], lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_META, KEY_HEAD, sizeof KEY_HEAD - 1, &v, err, "head");
    if (rc != LM_OK)
        return rc;
    if (v.mv_size != HEAD_LEN)
        return corrupt(err, "head", v.mv_size);
    *number = lm_load_be64(v.mv_data);
    if (hash)
        memcpy(hash, (const uint8_t *)v.mv_data + 8, 32);
    return LM_OK;
}

lm_code lm_store_get_state_root(const lm_store_view *view, uint64_t *block, lm_gl root[4], lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_META, KEY_ROOT, sizeof KEY_ROOT - 1, &v, err, "state root");
    if (rc != LM_OK)
        return rc;
    const uint8_t *p = v.mv_data;
    if (v.mv_size != ROOT_LEN)
        return corrupt(err, "state root", v.mv_size);
    lm_gl r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = lm_load_be64(p + 8 + 8 * i);
        if (!lm_gl_is_canonical(r[i]))
            return corrupt(err, "state root", v.mv_size);
    }
    *block = lm_load_be64(p);
    memcpy(root, r, sizeof r);
    return LM_OK;
}

lm_code lm_store_get_block(const lm_store_view *view, uint64_t number, lm_block_header *header,
                           const uint8_t **txs, lm_err *err)
{
    uint8_t key[8];
    lm_store_be64(key, number);
    MDB_val v;
    lm_code rc = get(view, DB_BLOCKS, key, sizeof key, &v, err, "block");
    if (rc != LM_OK)
        return rc;
    const uint8_t *p = v.mv_data;
    lm_block_header h;
    if (v.mv_size < LM_BLOCK_HEADER_LEN || !lm_block_header_decode(&h, p, LM_BLOCK_HEADER_LEN) || h.number != number ||
        h.tx_count > LM_MAX_TXS_PER_BLOCK ||
        v.mv_size != LM_BLOCK_HEADER_LEN + (size_t)h.tx_count * LM_TX_WIRE_LEN)
        return corrupt(err, "block", v.mv_size);
    *header = h;
    if (txs)
        *txs = p + LM_BLOCK_HEADER_LEN;
    return LM_OK;
}

lm_code lm_store_find_block(const lm_store_view *view, const uint8_t hash[32], uint64_t *number,
                            lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_BLOCK_HASHES, hash, 32, &v, err, "block hash");
    if (rc != LM_OK)
        return rc;
    if (v.mv_size != 8)
        return corrupt(err, "block hash", v.mv_size);
    *number = lm_load_be64(v.mv_data);
    return LM_OK;
}

lm_code lm_store_get_tx(const lm_store_view *view, const uint8_t hash[32], lm_store_tx_loc *loc,
                        lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_TXS, hash, 32, &v, err, "transaction");
    if (rc != LM_OK)
        return rc;
    if (v.mv_size != TXLOC_LEN)
        return corrupt(err, "transaction", v.mv_size);
    const uint8_t *p = v.mv_data;
    loc->block = lm_load_be64(p);
    loc->position = lm_load_be32(p + 8);
    loc->status = p[12];
    return LM_OK;
}

lm_code lm_store_get_receipt(const lm_store_view *view, uint64_t block, uint32_t position,
                             const uint8_t **data, size_t *len, lm_err *err)
{
    uint8_t key[12];
    lm_store_be64(key, block);
    lm_store_be32(key + 8, position);
    MDB_val v;
    lm_code rc = get(view, DB_RECEIPTS, key, sizeof key, &v, err, "receipt");
    if (rc != LM_OK)
        return rc;
    *data = v.mv_data;
    *len = v.mv_size;
    return LM_OK;
}

lm_code lm_store_get_meta(const lm_store_view *view, const void *key, size_t key_len,
                          const uint8_t **value, size_t *len, lm_err *err)
{
    if (key_len == 0 || key_len > LM_STORE_MAX_META_KEY)
        return lm_err_set(err, LM_ENOTFOUND, "store: meta: not found");
    MDB_val v;
    lm_code rc = get(view, DB_META, key, key_len, &v, err, "meta");
    if (rc != LM_OK)
        return rc;
    *value = v.mv_data;
    *len = v.mv_size;
    return LM_OK;
}

/* ---- writing -------------------------------------------------------------------- */

lm_code lm_store_begin_block(lm_store *store, lm_err *err)
{
    if (store->wtxn)
        return lm_err_set(err, LM_EINVAL, "store: a block is already open");
    int rc = mdb_txn_begin(store->env, NULL, 0, &store->wtxn);
    if (rc) {
        store->wtxn = NULL;
        return mdb_fail(store, err, rc, "starting a block");
    }
    store->wfail = LM_OK;
    store->wmsg[0] = 0;
    lm_store_view w = {store, store->wtxn, true};
    lm_err e;
    lm_code code = lm_store_get_head(&w, &store->head, NULL, &e);
    if (code != LM_OK && code != LM_ENOTFOUND) {
        lm_store_abort_block(store);
        return lm_err_set(err, code, "%s", e.msg);
    }
    store->have_head = code == LM_OK;
    return LM_OK;
}

void lm_store_abort_block(lm_store *store)
{
    if (store->wtxn)
        mdb_txn_abort(store->wtxn);
    store->wtxn = NULL;
    store->wfail = LM_OK;
}

/* Every put goes through here: it refuses when no block is open, repeats
 * a failed block's error, and records a new failure ("a failed
 * transaction stays failed"). */
static lm_code writable(lm_store *store, lm_err *err)
{
    if (!store->wtxn)
        return lm_err_set(err, LM_EINVAL, "store: no block open");
    if (store->wfail != LM_OK)
        return lm_err_set(err, store->wfail, "store: the block failed earlier: %s", store->wmsg);
    return LM_OK;
}

static lm_code put(lm_store *store, int db, const void *key, size_t klen, const void *val, size_t vlen,
                   lm_err *err, const char *what)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = injected(store) ? EIO : mdb_put(store->wtxn, store->dbi[db], &k, &v, 0);
    if (rc == 0)
        return LM_OK;
    lm_err e;
    store->wfail = mdb_fail(store, &e, rc, what);
    memcpy(store->wmsg, e.msg, sizeof store->wmsg);
    return lm_err_set(err, e.code, "%s", e.msg);
}

lm_code lm_store_commit_block(lm_store *store, lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK) {
        lm_store_abort_block(store);
        return code;
    }
    int rc;
    if (injected(store)) {
        mdb_txn_abort(store->wtxn);
        rc = EIO;
    } else {
        rc = mdb_txn_commit(store->wtxn); /* frees the txn, even on failure */
    }
    store->wtxn = NULL;
    return rc ? mdb_fail(store, err, rc, "committing the block") : LM_OK;
}

lm_code lm_store_put_account(lm_store *store, uint64_t index, const lm_account *acct, bool is_new,
                             lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    if (index > UINT32_MAX)
        return lm_err_set(err, LM_EINVAL, "store: account index %llu >= 2^32", (unsigned long long)index);
    uint8_t key[4], rec[LM_STORE_ACCOUNT_LEN];
    lm_store_be32(key, (uint32_t)index);
    lm_store_account_encode(rec, acct);
    code = put(store, DB_ACCOUNTS, key, sizeof key, rec, sizeof rec, err, "writing an account");
    if (code != LM_OK || !is_new)
        return code;
    return put(store, DB_ADDRESSES, acct->address, 20, key, sizeof key, err, "writing an address");
}

lm_code lm_store_put_chain_meta(lm_store *store, const lm_chain_meta *meta, lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    uint8_t rec[LM_STORE_CHAIN_META_LEN];
    meta_encode(rec, meta);
    return put(store, DB_META, KEY_CHAIN, sizeof KEY_CHAIN - 1, rec, sizeof rec, err,
               "writing the chain meta");
}

lm_code lm_store_put_block(lm_store *store, const lm_block_header *header, const uint8_t *txs,
                           uint8_t hash[32], lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    if (store->have_head && (store->head == UINT64_MAX || header->number != store->head + 1))
        return lm_err_set(err, LM_EINVAL, "store: block %llu does not follow the head %llu",
                          (unsigned long long)header->number, (unsigned long long)store->head);
    if (header->tx_count > 0 && !txs)
        return lm_err_set(err, LM_EINVAL, "store: block %llu: %u transactions but none given",
                          (unsigned long long)header->number, header->tx_count);
    if (header->tx_count > LM_MAX_TXS_PER_BLOCK)
        return lm_err_set(err, LM_EINVAL, "store: block %llu has %u transactions, above %u",
                          (unsigned long long)header->number, header->tx_count, LM_MAX_TXS_PER_BLOCK);
    size_t len = LM_BLOCK_HEADER_LEN + (size_t)header->tx_count * LM_TX_WIRE_LEN;
    uint8_t key[8];
    lm_store_be64(key, header->number);
    /* Reserve the value in the map and write it there: no bounce buffer. */
    MDB_val k = {sizeof key, key}, v = {len, NULL};
    int rc = injected(store) ? EIO : mdb_put(store->wtxn, store->dbi[DB_BLOCKS], &k, &v, MDB_RESERVE);
    if (rc) {
        lm_err e;
        store->wfail = mdb_fail(store, &e, rc, "writing a block");
        memcpy(store->wmsg, e.msg, sizeof store->wmsg);
        return lm_err_set(err, e.code, "%s", e.msg);
    }
    uint8_t *p = v.mv_data;
    lm_block_header_encode(p, header);
    if (header->tx_count)
        memcpy(p + LM_BLOCK_HEADER_LEN, txs, (size_t)header->tx_count * LM_TX_WIRE_LEN);
    uint8_t h[32], head[HEAD_LEN];
    lm_keccak256(h, p, LM_BLOCK_HEADER_LEN); /* block_hash = keccak256(encoding) */
    lm_store_be64(head, header->number);
    memcpy(head + 8, h, 32);
    if ((code = put(store, DB_BLOCK_HASHES, h, 32, key, sizeof key, err, "writing a block hash")) != LM_OK ||
        (code = put(store, DB_META, KEY_HEAD, sizeof KEY_HEAD - 1, head, sizeof head, err,
                    "writing the head")) != LM_OK)
        return code;
    store->have_head = true;
    store->head = header->number;
    if (hash)
        memcpy(hash, h, 32);
    return LM_OK;
}

lm_code lm_store_put_tx(lm_store *store, const uint8_t tx_hash[32], const lm_store_tx_loc *loc,
                        const uint8_t *receipt, size_t receipt_len, lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    if (receipt_len > LM_STORE_MAX_RECEIPT)
        return lm_err_set(err, LM_ETOOLARGE, "store: receipt of %zu bytes, above %u", receipt_len,
                          LM_STORE_MAX_RECEIPT);
    uint8_t v[TXLOC_LEN];
    lm_store_be64(v, loc->block);
    lm_store_be32(v + 8, loc->position);
    v[12] = loc->status;
    if ((code = put(store, DB_TXS, tx_hash, 32, v, sizeof v, err, "writing a transaction")) != LM_OK)
        return code;
    if (receipt_len == 0)
        return LM_OK;
    return put(store, DB_RECEIPTS, v, 12, receipt, receipt_len, err, "writing a receipt");
}

lm_code lm_store_put_state_root(lm_store *store, uint64_t block, const lm_gl root[4], lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    uint8_t v[ROOT_LEN];
    lm_store_be64(v, block);
    for (int i = 0; i < 4; i++)
        lm_store_be64(v + 8 + 8 * i, root[i]);
    return put(store, DB_META, KEY_ROOT, sizeof KEY_ROOT - 1, v, sizeof v, err, "writing the state root");
}

lm_code lm_store_put_meta(lm_store *store, const void *key, size_t key_len, const void *value, size_t len,
                          lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    if (key_len == 0 || key_len > LM_STORE_MAX_META_KEY || len > LM_STORE_MAX_META_VALUE)
        return lm_err_set(err, LM_ETOOLARGE, "store: meta key of %zu bytes or value of %zu bytes out of range",
                          key_len, len);
    if (key_len >= sizeof RESERVED_PREFIX - 1 && memcmp(key, RESERVED_PREFIX, sizeof RESERVED_PREFIX - 1) == 0)
        return lm_err_set(err, LM_EINVAL, "store: meta keys beginning with \"lamina.\" are reserved");
    return put(store, DB_META, key, key_len, value, len, err, "writing a meta value");
}

/* ---- tree snapshots --------------------------------------------------------------
 * tree_nodes: key height u8 ‖ chunk u32 BE, value up to TREE_CHUNK nodes of
 * that height from node chunk * TREE_CHUNK on, each 4 elements u64 LE. */

lm_code lm_store_put_tree(lm_store *store, const lm_state_tree *tree, uint64_t block, lm_err *err)
{
    lm_code code = writable(store, err);
    if (code != LM_OK)
        return code;
    if (lm_state_tree_dirty_count(tree) != 0)
        return lm_err_set(err, LM_EINVAL, "store: the tree has uncommitted leaves");
    lm_keccak kc;
    lm_keccak_init(&kc);
    int rc = injected(store) ? EIO : mdb_drop(store->wtxn, store->dbi[DB_TREE], 0);
    for (unsigned k = 0; rc == 0 && k < LM_STATE_TREE_DEPTH; k++) {
        uint64_t len = lm_state_tree_level_len(tree, k);
        const lm_gl(*nodes)[LM_P2_DIGEST] = lm_state_tree_level(tree, k);
        for (uint64_t first = 0; rc == 0 && first < len; first += TREE_CHUNK) {
            size_t n = (size_t)(len - first < TREE_CHUNK ? len - first : TREE_CHUNK);
            uint8_t key[5];
            key[0] = (uint8_t)k;
            lm_store_be32(key + 1, (uint32_t)(first / TREE_CHUNK));
            MDB_val kv = {sizeof key, key}, v = {n * 32, NULL};
            rc = injected(store) ? EIO : mdb_put(store->wtxn, store->dbi[DB_TREE], &kv, &v, MDB_RESERVE);
            if (rc)
                break;
            uint8_t *p = v.mv_data;
            for (size_t i = 0; i < n; i++)
                for (unsigned e = 0; e < LM_P2_DIGEST; e++)
                    lm_store_le64(p + 32 * i + 8 * e, nodes[first + i][e]);
            lm_keccak_update(&kc, p, n * 32);
        }
    }
    if (rc) {
        lm_err e;
        store->wfail = mdb_fail(store, &e, rc, "writing the tree snapshot");
        memcpy(store->wmsg, e.msg, sizeof store->wmsg);
        return lm_err_set(err, e.code, "%s", e.msg);
    }
    uint8_t info[TREE_INFO_LEN];
    lm_store_be64(info, block);
    lm_store_be64(info + 8, lm_state_tree_size(tree));
    lm_keccak_final(&kc, info + 16);
    return put(store, DB_META, KEY_TREE, sizeof KEY_TREE - 1, info, sizeof info, err,
               "writing the tree snapshot");
}

typedef struct tree_fill {
    const lm_store_view *view;
    lm_err *err;
    lm_keccak kc; /* over every value read, to compare with the saved one */
} tree_fill;

static lm_code fill_level(void *ctx, unsigned k, lm_gl (*dst)[LM_P2_DIGEST], uint64_t len)
{
    tree_fill *f = ctx;
    for (uint64_t first = 0; first < len; first += TREE_CHUNK) {
        size_t n = (size_t)(len - first < TREE_CHUNK ? len - first : TREE_CHUNK);
        uint8_t key[5];
        key[0] = (uint8_t)k;
        lm_store_be32(key + 1, (uint32_t)(first / TREE_CHUNK));
        MDB_val v;
        lm_code rc = get(f->view, DB_TREE, key, sizeof key, &v, f->err, "tree snapshot");
        if (rc == LM_ENOTFOUND || (rc == LM_OK && v.mv_size != n * 32))
            return lm_err_set(f->err, LM_EIO, "store: damaged tree snapshot (height %u, node %llu)", k,
                              (unsigned long long)first);
        if (rc != LM_OK)
            return rc;
        const uint8_t *p = v.mv_data;
        lm_keccak_update(&f->kc, p, n * 32);
        for (size_t i = 0; i < n; i++)
            for (unsigned e = 0; e < LM_P2_DIGEST; e++) {
                uint64_t x = lm_load_le64(p + 32 * i + 8 * e);
                if (!lm_gl_is_canonical(x))
                    return lm_err_set(f->err, LM_EIO, "store: damaged tree snapshot (height %u)", k);
                dst[first + i][e] = x;
            }
    }
    return LM_OK;
}

lm_code lm_store_get_tree(const lm_store_view *view, lm_state_tree *tree, uint64_t *block, lm_err *err)
{
    MDB_val v;
    lm_code rc = get(view, DB_META, KEY_TREE, sizeof KEY_TREE - 1, &v, err, "tree snapshot");
    if (rc != LM_OK)
        return rc;
    if (v.mv_size != TREE_INFO_LEN)
        return corrupt(err, "tree snapshot", v.mv_size);
    uint64_t b = lm_load_be64(v.mv_data), n = lm_load_be64((const uint8_t *)v.mv_data + 8);
    if (n > LM_STATE_TREE_MAX_LEAVES)
        return corrupt(err, "tree snapshot", v.mv_size);
    uint8_t want[32], got[32];
    memcpy(want, (const uint8_t *)v.mv_data + 16, 32);
    tree_fill f;
    f.view = view;
    f.err = err;
    lm_keccak_init(&f.kc);
    rc = lm_state_tree_restore(tree, n, fill_level, &f, err);
    if (rc != LM_OK)
        return rc;
    lm_keccak_final(&f.kc, got);
    if (memcmp(got, want, 32) != 0) {
        lm_state_tree_free(tree);
        return lm_err_set(err, LM_EIO, "store: damaged tree snapshot (checksum)");
    }
    *block = b;
    return LM_OK;
}
