/* Unit tests for the node's state (src/state/statedb.c): the STF host over
 * the overlay and the store, block commit and abort, the state root against
 * an independent recomputation, a differential run of the real STF with
 * secp256k1 signatures over statedb and over a plain in-memory host, the
 * rollback of a failed commit, proofs, and reopening after a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lmdb.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/secp256k1.h"
#include "lamina/statedb.h"

#include "../test_dir.h"

static char *make_dir(void) { return test_dir_make("lm_statedb"); }
static void remove_dir(char *dir) { test_dir_remove(dir); }

static lm_statedb *open_ok(const char *dir, uint64_t map_size, unsigned threads)
{
    lm_statedb *db = NULL;
    lm_err err;
    lm_statedb_options opt = {{map_size, 0}, threads, false};
    if (lm_statedb_open(&db, dir, &opt, &err) != LM_OK)
        fail_msg("open: %s", err.msg);
    return db;
}

static lm_block_header header_for(uint64_t number, uint32_t tx_count)
{
    lm_block_header h;
    memset(&h, 0, sizeof h);
    h.number = number;
    h.timestamp = 1700000000 + number;
    h.l1_origin_number = number;
    h.tx_count = tx_count;
    return h;
}

/* The state root of accounts[0..n) and meta, from a fresh tree. */
static void root_of(lm_gl out[4], const lm_account *accts, uint64_t n, const lm_chain_meta *meta)
{
    lm_state_tree t;
    lm_state_tree_init(&t);
    lm_err err;
    for (uint64_t i = 0; i < n; i++) {
        lm_gl leaf[4];
        lm_account_leaf(leaf, &accts[i]);
        assert_int_equal(lm_state_tree_set(&t, i, leaf, &err), LM_OK);
    }
    lm_state_tree_commit(&t, 1);
    lm_gl acc[4], ml[4];
    lm_state_tree_root(&t, acc);
    lm_meta_leaf(ml, meta);
    lm_state_root(out, acc, ml);
    lm_state_tree_free(&t);
}

static lm_account make_account(uint8_t tag, uint64_t bal)
{
    lm_account a;
    memset(&a, 0, sizeof a);
    memset(a.address, tag, 20);
    a.balance[0] = bal;
    a.balance[1] = bal / 2;
    return a;
}

static void test_fresh_and_host(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 0, 1);
    lm_err err;
    uint64_t head;
    assert_false(lm_statedb_head(db, &head));
    const lm_chain_meta *m0 = lm_statedb_meta(db);
    assert_true(m0->num_accounts == 0 && m0->next_withdrawal_id == 0);
    lm_gl root[4], want[4];
    lm_statedb_root(db, root, NULL);
    root_of(want, NULL, 0, m0);
    assert_memory_equal(root, want, sizeof root);

    const lm_stf_host *h = lm_statedb_host(db);
    lm_account a = make_account(0xaa, 100), got;
    bool found;
    uint64_t idx;
    /* outside a block the host fails, with a reason */
    assert_false(h->get_account(h->ctx, 0, &got));
    assert_int_equal(lm_statedb_host_error(db)->code, LM_EINVAL);

    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_EINVAL);
    assert_true(h->find_account(h->ctx, a.address, &found, &idx));
    assert_false(found);
    assert_false(h->get_account(h->ctx, 0, &got)); /* no such account */
    assert_int_equal(lm_statedb_host_error(db)->code, LM_ENOTFOUND);
    lm_account accts[3] = {make_account(0xaa, 100), make_account(0xbb, 5), make_account(0xcc, 0)};
    for (uint64_t i = 0; i < 3; i++)
        assert_true(h->put_account(h->ctx, i, &accts[i]));
    assert_true(h->find_account(h->ctx, accts[1].address, &found, &idx));
    assert_true(found);
    assert_int_equal(idx, 1);
    accts[1].balance[0] = 77; /* rewrite in the same block */
    assert_true(h->put_account(h->ctx, 1, &accts[1]));
    assert_true(h->get_account(h->ctx, 1, &got));
    assert_true(got.balance[0] == 77);
    /* one address at two indices, an address change: host failures */
    assert_false(h->put_account(h->ctx, 5, &accts[0]));
    lm_account moved = accts[2];
    moved.address[0] ^= 1;
    assert_false(h->put_account(h->ctx, 2, &moved));
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.num_accounts = 2; /* fewer than written: refused */
    lm_block_header hd = header_for(0, 0);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &hd, NULL, NULL, true, root, &err), LM_EINVAL);
    assert_false(lm_statedb_head(db, &head));

    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    for (uint64_t i = 0; i < 3; i++)
        assert_true(h->put_account(h->ctx, i, &accts[i]));
    meta.num_accounts = 3;
    meta.num_assets = 2;
    assert_int_equal(lm_statedb_commit_block(db, &meta, &hd, NULL, NULL, true, root, &err), LM_OK);
    root_of(want, accts, 3, &meta);
    assert_memory_equal(root, want, sizeof root);
    assert_true(lm_statedb_head(db, &head));
    assert_int_equal(head, 0);

    /* A proof of account 1 against the accounts root. */
    lm_gl acc_root[4], leaf[4], again[4];
    lm_statedb_root(db, again, acc_root);
    assert_memory_equal(again, want, sizeof again);
    lm_state_proof pf;
    assert_int_equal(lm_statedb_prove(db, 1, &pf, leaf, &err), LM_OK);
    assert_true(lm_state_proof_verify(acc_root, 1, leaf, &pf));
    lm_gl want_leaf[4];
    lm_account_leaf(want_leaf, &accts[1]);
    assert_memory_equal(leaf, want_leaf, sizeof leaf);

    /* An aborted block leaves nothing. */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    lm_account changed = accts[0];
    changed.balance[0] = 1;
    assert_true(h->put_account(h->ctx, 0, &changed));
    lm_statedb_abort_block(db);
    lm_statedb_root(db, again, NULL);
    assert_memory_equal(again, want, sizeof again);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_true(h->get_account(h->ctx, 0, &got));
    assert_true(got.balance[0] == 100);
    lm_statedb_abort_block(db);
    /* misuse: fewer accounts than before, transactions missing, a block
     * number that does not follow, commit outside a block */
    lm_chain_meta fewer = meta;
    fewer.num_accounts = 2;
    lm_block_header h1 = header_for(1, 0), h1tx = header_for(1, 1), h5 = header_for(5, 0);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_int_equal(lm_statedb_commit_block(db, &fewer, &h1, NULL, NULL, true, root, &err), LM_EINVAL);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &h1tx, NULL, NULL, true, root, &err), LM_EINVAL);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &h5, NULL, NULL, true, root, &err), LM_EINVAL);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &h1, NULL, NULL, true, root, &err), LM_EINVAL);
    assert_memory_equal(root, want, sizeof root); /* root_out untouched on failure */
    assert_true(lm_statedb_head(db, &head));
    assert_int_equal(head, 0);
    lm_statedb_close(db);

    /* Reopen: the tree is rebuilt and checked against the stored root. */
    db = open_ok(dir, 0, 2);
    lm_statedb_root(db, again, NULL);
    assert_memory_equal(again, want, sizeof again);
    assert_true(lm_statedb_meta(db)->num_assets == 2);
    lm_statedb_close(db);
    remove_dir(dir);
}

/* ---- the differential test with the real STF ------------------------------ */

/* A plain in-memory host: the reference. */
typedef struct ref_host {
    lm_account acct[64];
    uint64_t n;
} ref_host;

static bool ref_get(void *ctx, uint64_t index, lm_account *out)
{
    ref_host *r = ctx;
    if (index >= r->n)
        return false;
    *out = r->acct[index];
    return true;
}

static bool ref_put(void *ctx, uint64_t index, const lm_account *acct)
{
    ref_host *r = ctx;
    if (index > r->n || index >= 64)
        return false;
    r->acct[index] = *acct;
    if (index == r->n)
        r->n++;
    return true;
}

static bool ref_find(void *ctx, const uint8_t address[20], bool *found, uint64_t *index)
{
    ref_host *r = ctx;
    *found = false;
    for (uint64_t i = 0; i < r->n; i++)
        if (memcmp(r->acct[i].address, address, 20) == 0) {
            *found = true;
            *index = i;
        }
    return true;
}

static bool ref_ecrecover(void *ctx, const uint8_t digest[32], const uint8_t sig[65], uint8_t out[20])
{
    (void)ctx;
    lm_sig s;
    lm_address a;
    lm_err err;
    memcpy(s.b, sig, 65);
    if (lm_ecdsa_recover_address(&a, digest, &s, &err) != LM_OK)
        return false;
    memcpy(out, a.b, 20);
    return true;
}

static const uint8_t ROLLUP[20] = {0x52, 0x01};

static void test_stf_differential(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 0, 2);
    lm_err err;
    enum { KEYS = 4 };
    lm_seckey key[KEYS];
    lm_address addr[KEYS];
    for (int k = 0; k < KEYS; k++) {
        memset(key[k].b, 0, 32);
        key[k].b[31] = (uint8_t)(k + 1); /* fixed keys 1..4 */
        key[k].b[0] = 0x11;
        assert_int_equal(lm_address_from_seckey(&addr[k], &key[k], &err), LM_OK);
    }
    /* Genesis (block 0): the fee recipient (index 0) and the key holders,
     * written through both hosts. */
    ref_host ref = {.n = 0};
    lm_stf_host rh = {&ref, ref_get, ref_put, ref_find, ref_ecrecover};
    const lm_stf_host *sh = lm_statedb_host(db);
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    for (int i = 0; i <= KEYS; i++) {
        lm_account a = make_account(0xf0, 0);
        if (i > 0) {
            memcpy(a.address, addr[i - 1].b, 20);
            a.balance[0] = 1000000;
        }
        assert_true(sh->put_account(sh->ctx, (uint64_t)i, &a));
        assert_true(rh.put_account(rh.ctx, (uint64_t)i, &a));
    }
    meta.num_accounts = KEYS + 1;
    meta.num_assets = 1;
    lm_block_header g = header_for(0, 0);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &g, NULL, NULL, false, NULL, &err), LM_OK);

    lm_withdrawal wd_a[16], wd_b[16];
    lm_stf_ctx sctx, rctx;
    lm_stf_init(&sctx, 77, ROLLUP, lm_statedb_meta(db), sh, wd_a, 16);
    lm_stf_init(&rctx, 77, ROLLUP, &meta, &rh, wd_b, 16);
    uint64_t nonce[KEYS] = {0};
    uint64_t seed = 99;
    for (uint64_t b = 1; b <= 6; b++) {
        assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
        enum { TXS = 5 };
        uint8_t wire[TXS * LM_TX_WIRE_LEN];
        lm_stf_code status[TXS];
        for (int t = 0; t < TXS; t++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            int from = (int)((seed >> 33) % KEYS);
            lm_tx tx;
            memset(&tx, 0, sizeof tx);
            tx.type = LM_TX_TRANSFER;
            tx.chain_id = 77;
            memcpy(tx.from, addr[from].b, 20);
            if ((seed >> 40) % 3 == 0) { /* to a new address: creates an account */
                memset(tx.to, 0, 20);
                lm_store_be64(tx.to + 12, b * 100 + (uint64_t)t);
            } else {
                memcpy(tx.to, addr[(seed >> 45) % KEYS].b, 20);
            }
            tx.amount = 1 + (seed >> 50) % 1000;
            tx.fee = 3;
            tx.nonce = nonce[from]++;
            uint8_t digest[32];
            lm_tx_signing_digest(digest, &tx, sctx.config.domain_separator);
            lm_sig sig;
            assert_int_equal(lm_ecdsa_sign(&sig, digest, &key[from], &err), LM_OK);
            memcpy(tx.sig, sig.b, 65);
            lm_tx_encode(wire + t * LM_TX_WIRE_LEN, &tx);
            status[t] = lm_stf_apply_tx(&sctx, &tx, 0);
            assert_int_equal(status[t], LM_STF_OK);
            assert_int_equal(lm_stf_apply_tx(&rctx, &tx, 0), LM_STF_OK);
        }
        lm_block_header h = header_for(b, TXS);
        lm_gl root[4], want[4];
        bool with_root = b % 2 == 0; /* a batch of two blocks */
        assert_int_equal(lm_statedb_commit_block(db, &sctx.meta, &h, wire, status, with_root, root, &err),
                         LM_OK);
        assert_true(sctx.meta.num_accounts == ref.n);
        lm_statedb_root(db, root, NULL);
        root_of(want, ref.acct, ref.n, &rctx.meta);
        assert_memory_equal(root, want, sizeof root);
        /* the transactions are indexed */
        lm_store_view v;
        assert_int_equal(lm_store_read_begin(lm_statedb_store(db), &v, &err), LM_OK);
        uint8_t th[32];
        lm_keccak256(th, wire + 2 * LM_TX_WIRE_LEN, LM_TX_WIRE_LEN);
        lm_store_tx_loc loc;
        assert_int_equal(lm_store_get_tx(&v, th, &loc, &err), LM_OK);
        assert_true(loc.block == b && loc.position == 2 && loc.status == LM_STF_OK);
        lm_store_read_end(&v);
    }
    lm_gl root[4], want[4];
    lm_statedb_root(db, root, NULL);

    /* A whole block through lm_stf_apply_block: its second transaction
     * overspends, the STF rejects the block after the first one has
     * written, and aborting leaves no trace. */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    lm_tx txs[2];
    uint8_t hashes[2][32];
    for (int t = 0; t < 2; t++) {
        memset(&txs[t], 0, sizeof txs[t]);
        txs[t].type = LM_TX_TRANSFER;
        txs[t].chain_id = 77;
        memcpy(txs[t].from, addr[0].b, 20);
        memcpy(txs[t].to, addr[1].b, 20);
        txs[t].amount = t == 0 ? 5 : 999999999;
        txs[t].nonce = nonce[0] + (uint64_t)t;
        uint8_t digest[32];
        lm_tx_signing_digest(digest, &txs[t], sctx.config.domain_separator);
        lm_sig sig;
        assert_int_equal(lm_ecdsa_sign(&sig, digest, &key[0], &err), LM_OK);
        memcpy(txs[t].sig, sig.b, 65);
        lm_tx_hash(hashes[t], &txs[t]);
    }
    lm_block_header bad = header_for(7, 2);
    bad.l1_messages_upto = sctx.meta.l1_messages_done;
    lm_tx_root(bad.tx_root, (const uint8_t(*)[32])hashes, 2);
    lm_chain_meta meta_before = sctx.meta;
    lm_stf_block_result res = lm_stf_apply_block(&sctx, &bad, NULL, 0, txs, 2, NULL);
    assert_int_equal(res.code, LM_STF_INSUFFICIENT);
    assert_int_equal(res.stage, LM_STF_STAGE_TX);
    assert_int_equal(res.index, 1);
    assert_memory_equal(&sctx.meta, &meta_before, sizeof meta_before);
    lm_statedb_abort_block(db);
    lm_statedb_root(db, want, NULL);
    assert_memory_equal(root, want, sizeof root);
    /* the first transaction alone makes a valid block */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    bad.tx_count = 1;
    lm_tx_root(bad.tx_root, (const uint8_t(*)[32])hashes, 1);
    res = lm_stf_apply_block(&sctx, &bad, NULL, 0, txs, 1, NULL);
    assert_int_equal(res.code, LM_STF_OK);
    assert_int_equal(lm_stf_apply_tx(&rctx, &txs[0], 0), LM_STF_OK);
    uint8_t w1[LM_TX_WIRE_LEN];
    lm_tx_encode(w1, &txs[0]);
    assert_int_equal(lm_statedb_commit_block(db, &sctx.meta, &bad, w1, NULL, true, root, &err), LM_OK);
    root_of(want, ref.acct, ref.n, &rctx.meta);
    assert_memory_equal(root, want, sizeof root);
    lm_statedb_close(db);
    db = open_ok(dir, 0, 1);
    lm_statedb_root(db, want, NULL);
    assert_memory_equal(root, want, sizeof root);
    lm_statedb_close(db);
    remove_dir(dir);
}

/* A commit that fails (map full) stores nothing and puts the tree back. */
static void test_failed_commit_reverts(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 1u << 20, 2);
    lm_err err;
    const lm_stf_host *h = lm_statedb_host(db);
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    for (uint64_t i = 0; i < 100; i++) {
        lm_account a = make_account(0, i);
        lm_store_be64(a.address, i + 1);
        assert_true(h->put_account(h->ctx, i, &a));
    }
    meta.num_accounts = 100;
    lm_block_header h0 = header_for(0, 0);
    lm_gl before[4], after[4];
    assert_int_equal(lm_statedb_commit_block(db, &meta, &h0, NULL, NULL, true, before, &err), LM_OK);

    /* 20000 new accounts do not fit in a 1 MiB map. */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    for (uint64_t i = 0; i < 20000; i++) {
        lm_account a = make_account(0, 5);
        lm_store_be64(a.address, i + 1);
        assert_true(h->put_account(h->ctx, i, &a));
    }
    lm_chain_meta big = meta;
    big.num_accounts = 20000;
    lm_block_header h1 = header_for(1, 0);
    assert_int_equal(lm_statedb_commit_block(db, &big, &h1, NULL, NULL, true, after, &err), LM_ESPACE);
    assert_true(lm_statedb_meta(db)->num_accounts == 100);
    lm_statedb_root(db, after, NULL);
    assert_memory_equal(after, before, sizeof after);
    uint64_t head;
    assert_true(lm_statedb_head(db, &head));
    assert_int_equal(head, 0);
    /* and the next block works */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &h1, NULL, NULL, true, after, &err), LM_OK);
    assert_memory_equal(after, before, sizeof after);
    lm_statedb_close(db);
    remove_dir(dir);
}

/* The commit hook sees the block's root, its puts join the block's
 * transaction, and its error fails the whole block. */
typedef struct hook_ctx {
    lm_gl seen[4];
    int calls;
    lm_code fail; /* LM_OK: put "hook.root" */
    lm_statedb *db;
} hook_ctx;

static lm_code test_hook(void *ctx, const lm_gl root[4], lm_err *err)
{
    hook_ctx *c = ctx;
    c->calls++;
    memcpy(c->seen, root, sizeof c->seen);
    if (c->fail != LM_OK)
        return lm_err_set(err, c->fail, "hook refused");
    return lm_store_put_meta(lm_statedb_store(c->db), "hook.root", 9, root, 32, err);
}

static void test_commit_hook(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 1u << 24, 1);
    lm_err err;
    const lm_stf_host *h = lm_statedb_host(db);
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.num_accounts = 1;
    lm_account a = make_account(0, 1);
    lm_store_be64(a.address, 1);
    hook_ctx c = {.db = db, .fail = LM_EIO};
    lm_gl root[4];
    /* refused by the hook: nothing of the block is stored */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_true(h->put_account(h->ctx, 0, &a));
    lm_block_header h0 = header_for(0, 0);
    assert_int_equal(
        lm_statedb_commit_block_with(db, &meta, &h0, NULL, NULL, true, root, test_hook, &c, &err),
        LM_EIO);
    assert_non_null(strstr(err.msg, "hook refused"));
    assert_int_equal(c.calls, 1);
    uint64_t head;
    assert_false(lm_statedb_head(db, &head));
    /* accepted: the hook saw the root the commit returns, and its put is stored */
    c.fail = LM_OK;
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_true(h->put_account(h->ctx, 0, &a));
    assert_int_equal(
        lm_statedb_commit_block_with(db, &meta, &h0, NULL, NULL, true, root, test_hook, &c, &err),
        LM_OK);
    assert_int_equal(c.calls, 2);
    assert_memory_equal(c.seen, root, sizeof root);
    lm_store_view v;
    assert_int_equal(lm_store_read_begin(lm_statedb_store(db), &v, &err), LM_OK);
    const uint8_t *val;
    size_t len;
    assert_int_equal(lm_store_get_meta(&v, "hook.root", 9, &val, &len, &err), LM_OK);
    assert_int_equal(len, 32);
    assert_memory_equal(val, root, 32);
    lm_store_read_end(&v);
    /* without compute_root the hook is not called */
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    lm_block_header h1 = header_for(1, 0);
    assert_int_equal(
        lm_statedb_commit_block_with(db, &meta, &h1, NULL, NULL, false, NULL, test_hook, &c, &err),
        LM_OK);
    assert_int_equal(c.calls, 2);
    lm_statedb_close(db);
    remove_dir(dir);
}

/* A writer killed at random moments: the reopened state passes the open
 * check (rebuilt root == stored root) and holds whole blocks only. */
static void crash_loop(const char *dir)
{
    lm_statedb *db = NULL;
    lm_err err;
    if (lm_statedb_open(&db, dir, NULL, &err) != LM_OK)
        _exit(2);
    const lm_stf_host *h = lm_statedb_host(db);
    lm_chain_meta meta = *lm_statedb_meta(db);
    uint64_t b = 0;
    if (lm_statedb_head(db, &b))
        b++;
    for (;; b++) {
        if (lm_statedb_begin_block(db, &err) != LM_OK)
            _exit(2);
        /* each block creates one account and sets every balance to b */
        for (uint64_t i = 0; i <= meta.num_accounts; i++) {
            lm_account a = make_account(0, b);
            lm_store_be64(a.address, i + 1);
            if (!h->put_account(h->ctx, i, &a))
                _exit(2);
        }
        meta.num_accounts++;
        meta.next_withdrawal_id = b;
        lm_block_header hd = header_for(b, 0);
        if (lm_statedb_commit_block(db, &meta, &hd, NULL, NULL, b % 3 == 0, NULL, &err) != LM_OK)
            _exit(2);
    }
}

static void test_crash_reopen(void **state)
{
    (void)state;
    char *dir = make_dir();
    uint64_t seed = 7;
    uint64_t last = 0;
    for (int round = 0; round < 4 || (last <= 3 && round < 40); round++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            crash_loop(dir);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        struct timespec ts = {0, (long)(40 + (seed >> 33) % 100) * 1000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        lm_statedb *db = open_ok(dir, 0, 2); /* checks the stored root when it is the head's */
        uint64_t head;
        if (lm_statedb_head(db, &head)) {
            const lm_chain_meta *m = lm_statedb_meta(db);
            assert_true(m->next_withdrawal_id == head);
            assert_true(m->num_accounts == head + 1);
            lm_store_view v;
            lm_err err;
            assert_int_equal(lm_store_read_begin(lm_statedb_store(db), &v, &err), LM_OK);
            for (uint64_t i = 0; i <= head; i++) {
                lm_account a;
                assert_int_equal(lm_store_get_account(&v, i, &a, &err), LM_OK);
                assert_true(a.balance[0] == head);
            }
            lm_store_read_end(&v);
            last = head;
        }
        lm_statedb_close(db);
    }
    assert_true(last > 3);
    remove_dir(dir);
}

/* A damaged account (changed behind the store's back) fails the open: the
 * rebuilt root differs from the stored one. */
static void test_damage_detected(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 0, 1);
    lm_err err;
    const lm_stf_host *h = lm_statedb_host(db);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    lm_account accts[2] = {make_account(1, 10), make_account(2, 20)};
    for (uint64_t i = 0; i < 2; i++)
        assert_true(h->put_account(h->ctx, i, &accts[i]));
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.num_accounts = 2;
    lm_block_header hd = header_for(0, 0);
    assert_int_equal(lm_statedb_commit_block(db, &meta, &hd, NULL, NULL, true, NULL, &err), LM_OK);
    lm_statedb_close(db);

    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi acc;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "accounts", 0, &acc), 0);
    uint8_t key[4] = {0, 0, 0, 1}, rec[LM_STORE_ACCOUNT_LEN];
    accts[1].balance[0] += 1;
    lm_store_account_encode(rec, &accts[1]);
    MDB_val k = {4, key}, v = {sizeof rec, rec};
    assert_int_equal(mdb_put(txn, acc, &k, &v, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    assert_int_equal(lm_statedb_open(&db, dir, NULL, &err), LM_EIO);
    assert_non_null(strstr(err.msg, "differs"));
    assert_null(db);
    remove_dir(dir);
}

/* Fault injection: the block's commit fails at each of its writes in turn
 * (the accounts, the meta, the block, the indexes, the root, the LMDB
 * commit); each time nothing is stored and the root is the old one. */
static void test_commit_fault_injection(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 0, 2);
    lm_err err;
    const lm_stf_host *h = lm_statedb_host(db);
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    for (uint64_t i = 0; i < 6; i++) {
        lm_account a = make_account((uint8_t)(i + 1), i);
        assert_true(h->put_account(h->ctx, i, &a));
    }
    meta.num_accounts = 6;
    lm_block_header h0 = header_for(0, 0);
    lm_gl before[4], now[4];
    assert_int_equal(lm_statedb_commit_block(db, &meta, &h0, NULL, NULL, true, before, &err), LM_OK);

    uint8_t wire[2 * LM_TX_WIRE_LEN];
    for (size_t i = 0; i < sizeof wire; i++)
        wire[i] = (uint8_t)i;
    lm_block_header h1 = header_for(1, 2);
    int failures = 0;
    for (uint64_t nth = 1;; nth++) {
        assert_true(nth < 100);
        assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
        lm_account accts[9];
        for (uint64_t i = 0; i < 9; i++) { /* 4 changed, 3 new, 2 untouched */
            accts[i] = make_account((uint8_t)(i + 1), i < 6 ? i : 1000 + i);
            accts[i].nonce_base = nth;
            if (i >= 2)
                assert_true(h->put_account(h->ctx, i, &accts[i]));
        }
        lm_chain_meta m1 = meta;
        m1.num_accounts = 9;
        m1.l1_messages_done = nth;
        lm_store_inject_fault(lm_statedb_store(db), nth);
        lm_code rc = lm_statedb_commit_block(db, &m1, &h1, wire, NULL, true, now, &err);
        lm_store_inject_fault(lm_statedb_store(db), 0);
        if (rc == LM_OK) {
            lm_gl want[4];
            accts[0] = make_account(1, 0);
            accts[1] = make_account(2, 1);
            root_of(want, accts, 9, &m1);
            assert_memory_equal(now, want, sizeof now);
            break;
        }
        failures++;
        assert_int_equal(rc, LM_EIO);
        assert_non_null(strstr(err.msg, "Input/output error"));
        lm_statedb_root(db, now, NULL);
        assert_memory_equal(now, before, sizeof now);
        assert_true(lm_statedb_meta(db)->num_accounts == 6);
        uint64_t head;
        assert_true(lm_statedb_head(db, &head));
        assert_int_equal(head, 0);
        lm_store_view v;
        assert_int_equal(lm_store_read_begin(lm_statedb_store(db), &v, &err), LM_OK);
        lm_account a;
        assert_int_equal(lm_store_get_account(&v, 6, &a, &err), LM_ENOTFOUND);
        assert_int_equal(lm_store_get_head(&v, &head, NULL, &err), LM_OK);
        assert_int_equal(head, 0);
        lm_store_read_end(&v);
    }
    /* 4 changed accounts (1 put each), 3 new ones (account + address),
     * meta, block, hash index, head, 2 txs, root, commit */
    assert_int_equal(failures, 4 + 3 * 2 + 4 + 2 + 1 + 1);
    lm_statedb_close(db);
    db = open_ok(dir, 0, 1);
    lm_statedb_root(db, before, NULL);
    assert_memory_equal(now, before, sizeof now);
    lm_statedb_close(db);
    remove_dir(dir);
}

/* Commits block b: accounts 0..n-1 (n grows by 37 per block) with nonce b. */
static void snap_block(lm_statedb *db, uint64_t b, lm_chain_meta *meta, bool with_root)
{
    lm_err err;
    const lm_stf_host *h = lm_statedb_host(db);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    uint64_t n = 37 * (b + 1);
    for (uint64_t i = 0; i < n; i += 1 + b % 3) {
        lm_account a = make_account(0, i);
        lm_store_be64(a.address, i + 1);
        a.nonce_base = b;
        assert_true(h->put_account(h->ctx, i, &a));
    }
    for (uint64_t i = meta->num_accounts; i < n; i++) { /* every new index is written */
        lm_account a = make_account(0, i);
        lm_store_be64(a.address, i + 1);
        a.nonce_base = b;
        assert_true(h->put_account(h->ctx, i, &a));
    }
    meta->num_accounts = n;
    lm_block_header hd = header_for(b, 0);
    assert_int_equal(lm_statedb_commit_block(db, meta, &hd, NULL, NULL, with_root, NULL, &err), LM_OK);
}

/* The tree snapshot: used when saved for the head, ignored when stale or
 * damaged, equal to a full rebuild. */
static void test_snapshot(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_statedb *db = open_ok(dir, 0, 2);
    lm_err err;
    lm_chain_meta meta;
    memset(&meta, 0, sizeof meta);
    assert_int_equal(lm_statedb_checkpoint(db, &err), LM_OK); /* nothing yet: no effect */
    for (uint64_t b = 0; b < 4; b++)
        snap_block(db, b, &meta, b == 1);
    lm_gl root[4], again[4];
    lm_statedb_root(db, root, NULL);
    assert_int_equal(lm_statedb_checkpoint(db, &err), LM_OK);
    lm_statedb_close(db);

    db = open_ok(dir, 0, 1);
    assert_true(lm_statedb_from_snapshot(db));
    lm_statedb_root(db, again, NULL);
    assert_memory_equal(root, again, sizeof root);
    lm_state_proof pf;
    lm_gl leaf[4], acc[4];
    lm_statedb_root(db, again, acc);
    assert_int_equal(lm_statedb_prove(db, 100, &pf, leaf, &err), LM_OK);
    assert_true(lm_state_proof_verify(acc, 100, leaf, &pf));
    snap_block(db, 4, &meta, false); /* incremental updates on the restored tree */
    lm_statedb_root(db, root, NULL);
    lm_statedb_close(db);

    /* stale snapshot (block 3, head 4): rebuilt, same root */
    db = open_ok(dir, 0, 2);
    assert_false(lm_statedb_from_snapshot(db));
    lm_statedb_root(db, again, NULL);
    assert_memory_equal(root, again, sizeof root);
    assert_int_equal(lm_statedb_checkpoint(db, &err), LM_OK);
    lm_statedb_close(db);

    /* verify: rebuilt although the snapshot is fresh */
    lm_statedb_options opt = {{0, 0}, 1, true};
    assert_int_equal(lm_statedb_open(&db, dir, &opt, &err), LM_OK);
    assert_false(lm_statedb_from_snapshot(db));
    lm_statedb_root(db, again, NULL);
    assert_memory_equal(root, again, sizeof root);
    lm_statedb_close(db);

    /* a damaged leaf in the snapshot: the checksum rejects it, rebuilt */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi tn;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "tree_nodes", 0, &tn), 0);
    uint8_t key[5] = {0, 0, 0, 0, 0};
    MDB_val k = {5, key}, v;
    assert_int_equal(mdb_get(txn, tn, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    assert_non_null(copy);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[32 * 7] ^= 1; /* leaf 7, element 0 */
    MDB_val nv = {v.mv_size, copy};
    assert_int_equal(mdb_put(txn, tn, &k, &nv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    free(copy);
    db = open_ok(dir, 0, 1);
    assert_false(lm_statedb_from_snapshot(db));
    lm_statedb_root(db, again, NULL);
    assert_memory_equal(root, again, sizeof root);
    assert_int_equal(lm_statedb_begin_block(db, &err), LM_OK);
    assert_int_equal(lm_statedb_checkpoint(db, &err), LM_EINVAL); /* not inside a block */
    lm_statedb_abort_block(db);
    lm_statedb_close(db);
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_and_host),
        cmocka_unit_test(test_stf_differential),
        cmocka_unit_test(test_failed_commit_reverts),
        cmocka_unit_test(test_commit_hook),
        cmocka_unit_test(test_commit_fault_injection),
        cmocka_unit_test(test_crash_reopen),
        cmocka_unit_test(test_damage_detected),
        cmocka_unit_test(test_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
