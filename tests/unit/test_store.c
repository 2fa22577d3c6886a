/* Unit tests for the LMDB store (src/state/store.c): round trips of every
 * database, record formats, MVCC read views beside the writer, misuse and
 * MDB_MAP_FULL errors, damaged records, and crash safety: a child process
 * is killed with SIGKILL in the middle of a block's transaction and at
 * random moments of a commit loop; the reopened store holds exactly the
 * committed blocks, and the state root recomputed from the stored accounts
 * equals the stored root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/state_tree.h"
#include "lamina/stf.h"
#include "lamina/store.h"

#include "../test_dir.h"

/* ---- helpers ------------------------------------------------------------- */

static void assert_account_eq(const lm_account *a, const lm_account *b)
{
    assert_memory_equal(a->address, b->address, 20);
    assert_true(a->nonce_base == b->nonce_base);
    assert_true(a->nonce_bits == b->nonce_bits);
    assert_memory_equal(a->balance, b->balance, sizeof a->balance);
}

static void assert_header_eq(const lm_block_header *a, const lm_block_header *b)
{
    uint8_t ea[LM_BLOCK_HEADER_LEN], eb[LM_BLOCK_HEADER_LEN];
    lm_block_header_encode(ea, a); /* covers every field */
    lm_block_header_encode(eb, b);
    assert_memory_equal(ea, eb, sizeof ea);
}

static void assert_meta_eq(const lm_chain_meta *a, const lm_chain_meta *b)
{
    assert_true(a->num_accounts == b->num_accounts);
    assert_true(a->next_withdrawal_id == b->next_withdrawal_id);
    assert_true(a->l1_messages_done == b->l1_messages_done);
    assert_true(a->num_assets == b->num_assets);
    assert_memory_equal(a->l1_queue_hash, b->l1_queue_hash, 32);
}

static char *make_dir(void) { return test_dir_make("lm_store"); }
static void remove_dir(char *dir) { test_dir_remove(dir); }

static lm_store *open_ok(const char *dir, uint64_t map_size)
{
    lm_store *s = NULL;
    lm_err err;
    lm_store_options opt = {map_size, 0};
    lm_code rc = lm_store_open(&s, dir, &opt, &err);
    if (rc != LM_OK)
        fail_msg("open: %s", err.msg);
    return s;
}

static lm_account account_for(uint64_t index, uint64_t block)
{
    lm_account a;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < 20; i++)
        a.address[i] = (uint8_t)(index * 31 + (uint64_t)i * 7 + 1);
    lm_store_be32(a.address, (uint32_t)index); /* distinct addresses */
    a.nonce_base = block;
    a.nonce_bits = block << 1;
    for (int i = 0; i < LM_MAX_ASSETS; i++)
        a.balance[i] = block * 1000 + index + (uint64_t)i;
    return a;
}

static lm_block_header header_for(uint64_t number, uint32_t tx_count)
{
    lm_block_header h;
    memset(&h, 0, sizeof h);
    h.number = number;
    h.parent_hash[0] = (uint8_t)number;
    h.l1_origin_number = 100 + number;
    h.l1_origin_hash[31] = 0xab;
    h.timestamp = 1700000000 + number;
    h.fee_recipient = 0;
    h.l1_messages_upto = number;
    h.tx_count = tx_count;
    h.tx_root[5] = 0x5a;
    return h;
}

/* Accounts tree root and state root of the stored accounts, recomputed
 * from scratch. */
typedef struct rebuild {
    lm_state_tree tree;
    uint64_t count;
} rebuild;

static lm_code rebuild_leaf(void *ctx, uint64_t index, const lm_account *acct)
{
    rebuild *r = ctx;
    lm_gl leaf[4];
    lm_account_leaf(leaf, acct);
    if (index != r->count)
        return LM_EIO; /* accounts must be dense */
    r->count++;
    lm_err err;
    return lm_state_tree_set(&r->tree, index, leaf, &err);
}

static void state_root_of(lm_gl out[4], const lm_store_view *v, const lm_chain_meta *meta)
{
    rebuild r;
    lm_state_tree_init(&r.tree);
    r.count = 0;
    lm_err err;
    assert_int_equal(lm_store_for_each_account(v, rebuild_leaf, &r, &err), LM_OK);
    assert_int_equal(r.count, meta->num_accounts);
    lm_state_tree_commit(&r.tree, 2);
    lm_gl acc[4], ml[4];
    lm_state_tree_root(&r.tree, acc);
    lm_meta_leaf(ml, meta);
    lm_state_root(out, acc, ml);
    lm_state_tree_free(&r.tree);
}

/* Writes block `number` in the pattern the crash tests check: accounts
 * 0..n-1 all carry `number`, the meta's next_withdrawal_id is `number`,
 * the state root of that state is stored. */
static void write_block(lm_store *s, lm_state_tree *tree, uint64_t number, uint64_t n)
{
    lm_err err;
    assert_int_equal(lm_store_begin_block(s, &err), LM_OK);
    for (uint64_t i = 0; i < n; i++) {
        lm_account a = account_for(i, number);
        assert_int_equal(lm_store_put_account(s, i, &a, true, &err), LM_OK);
        lm_gl leaf[4];
        lm_account_leaf(leaf, &a);
        assert_int_equal(lm_state_tree_set(tree, i, leaf, &err), LM_OK);
    }
    lm_chain_meta m;
    memset(&m, 0, sizeof m);
    m.num_accounts = n;
    m.next_withdrawal_id = number;
    m.l1_queue_hash[0] = (uint8_t)number;
    assert_int_equal(lm_store_put_chain_meta(s, &m, &err), LM_OK);
    lm_block_header h = header_for(number, 0);
    assert_int_equal(lm_store_put_block(s, &h, NULL, NULL, &err), LM_OK);
    lm_state_tree_commit(tree, 1);
    lm_gl acc[4], ml[4], root[4];
    lm_state_tree_root(tree, acc);
    lm_meta_leaf(ml, &m);
    lm_state_root(root, acc, ml);
    assert_int_equal(lm_store_put_state_root(s, number, root, &err), LM_OK);
    assert_int_equal(lm_store_commit_block(s, &err), LM_OK);
}

/* Checks that the store holds exactly the state after block `head` of the
 * write_block pattern, and that the stored root matches a recomputation. */
static void check_consistent(lm_store *s, uint64_t n, uint64_t *head_out)
{
    lm_err err;
    lm_store_view v;
    assert_int_equal(lm_store_read_begin(s, &v, &err), LM_OK);
    uint64_t head;
    assert_int_equal(lm_store_get_head(&v, &head, NULL, &err), LM_OK);
    lm_chain_meta m;
    assert_int_equal(lm_store_get_chain_meta(&v, &m, &err), LM_OK);
    assert_int_equal(m.next_withdrawal_id, head);
    assert_int_equal(m.num_accounts, n);
    for (uint64_t i = 0; i < n; i++) {
        lm_account a, want = account_for(i, head);
        assert_int_equal(lm_store_get_account(&v, i, &a, &err), LM_OK);
        assert_account_eq(&a, &want);
    }
    lm_block_header h;
    assert_int_equal(lm_store_get_block(&v, head, &h, NULL, &err), LM_OK);
    assert_int_equal(lm_store_get_block(&v, head + 1, &h, NULL, &err), LM_ENOTFOUND);
    uint64_t rb;
    lm_gl stored[4], again[4];
    assert_int_equal(lm_store_get_state_root(&v, &rb, stored, &err), LM_OK);
    assert_int_equal(rb, head);
    state_root_of(again, &v, &m);
    assert_memory_equal(stored, again, sizeof stored);
    lm_store_read_end(&v);
    *head_out = head;
}

/* ---- tests ------------------------------------------------------------------ */

/* The account record is the documented fixed layout (docs/state.md). */
static void test_account_record(void **state)
{
    (void)state;
    lm_account a;
    memset(&a, 0, sizeof a);
    for (int i = 0; i < 20; i++)
        a.address[i] = (uint8_t)(0xa0 + i);
    a.nonce_base = 0x0102030405060708ull;
    a.nonce_bits = 0x8000000000000001ull;
    for (int i = 0; i < LM_MAX_ASSETS; i++)
        a.balance[i] = (uint64_t)(i + 1) << 56 | (uint64_t)i;
    uint8_t rec[LM_STORE_ACCOUNT_LEN];
    lm_store_account_encode(rec, &a);
    assert_int_equal(rec[0], 0x01);
    assert_memory_equal(rec + 1, a.address, 20);
    assert_memory_equal(rec + 21, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_memory_equal(rec + 29, "\x01\x00\x00\x00\x00\x00\x00\x80", 8);
    assert_memory_equal(rec + 37 + 8 * 3, "\x03\x00\x00\x00\x00\x00\x00\x04", 8);
    assert_memory_equal(rec + 37 + 8 * 7, "\x07\x00\x00\x00\x00\x00\x00\x08", 8);
    lm_account b;
    lm_err err;
    assert_int_equal(lm_store_account_decode(&b, rec, sizeof rec, &err), LM_OK);
    assert_account_eq(&a, &b);
    assert_int_equal(lm_store_account_decode(&b, rec, sizeof rec - 1, &err), LM_EIO);
    rec[0] = 2;
    assert_int_equal(lm_store_account_decode(&b, rec, sizeof rec, &err), LM_EIO);
    assert_non_null(strstr(err.msg, "damaged"));
}

static void test_roundtrip(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_store *s = open_ok(dir, 0);
    lm_err err;
    lm_store_view v;

    /* Fresh store: nothing there; puts need a block. */
    assert_int_equal(lm_store_read_begin(s, &v, &err), LM_OK);
    uint64_t n;
    lm_chain_meta m;
    assert_int_equal(lm_store_get_head(&v, &n, NULL, &err), LM_ENOTFOUND);
    assert_int_equal(lm_store_get_chain_meta(&v, &m, &err), LM_ENOTFOUND);
    lm_account a;
    assert_int_equal(lm_store_get_account(&v, 0, &a, &err), LM_ENOTFOUND);
    assert_int_equal(lm_store_get_account(&v, UINT64_C(1) << 32, &a, &err), LM_ENOTFOUND);
    lm_store_read_end(&v);
    lm_store_read_end(&v); /* twice: ignored */
    lm_account a0 = account_for(0, 1);
    assert_int_equal(lm_store_put_account(s, 0, &a0, true, &err), LM_EINVAL);
    assert_int_equal(lm_store_commit_block(s, &err), LM_EINVAL);
    assert_int_equal(lm_store_write_view(s, &v, &err), LM_EINVAL);

    /* Block 7 with two transactions. */
    assert_int_equal(lm_store_begin_block(s, &err), LM_OK);
    assert_int_equal(lm_store_begin_block(s, &err), LM_EINVAL);
    for (uint64_t i = 0; i < 3; i++) {
        lm_account ai = account_for(i, 7);
        assert_int_equal(lm_store_put_account(s, i, &ai, true, &err), LM_OK);
    }
    assert_int_equal(lm_store_put_account(s, UINT64_C(1) << 32, &a0, true, &err), LM_EINVAL);
    lm_account a9 = account_for(9, 7); /* not new: its address is not indexed */
    assert_int_equal(lm_store_put_account(s, 9, &a9, false, &err), LM_OK);
    assert_int_equal(lm_store_write_view(s, &v, &err), LM_OK);
    uint64_t i9;
    assert_int_equal(lm_store_find_address(&v, a9.address, &i9, &err), LM_ENOTFOUND);
    assert_int_equal(lm_store_get_account(&v, 9, &a, &err), LM_OK);
    memset(&m, 0, sizeof m);
    m.num_accounts = 3;
    m.next_withdrawal_id = 9;
    m.l1_messages_done = 11;
    m.num_assets = 2;
    for (int i = 0; i < 32; i++)
        m.l1_queue_hash[i] = (uint8_t)(200 + i);
    assert_int_equal(lm_store_put_chain_meta(s, &m, &err), LM_OK);
    uint8_t txs[2 * LM_TX_WIRE_LEN];
    for (size_t i = 0; i < sizeof txs; i++)
        txs[i] = (uint8_t)(i * 13);
    lm_block_header h = header_for(7, 2), got;
    uint8_t bh[32], want_bh[32];
    assert_int_equal(lm_store_put_block(s, &h, txs, bh, &err), LM_OK);
    lm_block_hash(want_bh, &h);
    assert_memory_equal(bh, want_bh, 32);
    /* The write view sees the block's own puts. */
    assert_int_equal(lm_store_write_view(s, &v, &err), LM_OK);
    assert_int_equal(lm_store_get_head(&v, &n, NULL, &err), LM_OK);
    assert_int_equal(n, 7);
    lm_store_read_end(&v); /* ignored for the write view */
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t th[32];
        lm_keccak256(th, txs + i * LM_TX_WIRE_LEN, LM_TX_WIRE_LEN);
        lm_store_tx_loc loc = {7, i, (uint8_t)(i ? LM_STF_OK : LM_STF_INSUFFICIENT)};
        uint8_t receipt[5] = {1, 2, 3, 4, (uint8_t)i};
        assert_int_equal(lm_store_put_tx(s, th, &loc, receipt, i ? sizeof receipt : 0, &err), LM_OK);
    }
    uint8_t big[LM_STORE_MAX_RECEIPT + 1] = {0};
    lm_store_tx_loc bad_loc = {7, 9, 0};
    assert_int_equal(lm_store_put_tx(s, bh, &bad_loc, big, sizeof big, &err), LM_ETOOLARGE);
    lm_gl root[4] = {1, 2, LM_GL_P - 1, 0};
    assert_int_equal(lm_store_put_state_root(s, 7, root, &err), LM_OK);
    assert_int_equal(lm_store_put_meta(s, "l1.cursor", 9, "\x00\x10", 2, &err), LM_OK);
    assert_int_equal(lm_store_put_meta(s, "lamina.head", 11, "x", 1, &err), LM_EINVAL);
    assert_int_equal(lm_store_put_meta(s, "", 0, "x", 1, &err), LM_ETOOLARGE);
    /* out of order */
    lm_block_header h9 = header_for(9, 0);
    assert_int_equal(lm_store_put_block(s, &h9, NULL, NULL, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "does not follow"));
    assert_int_equal(lm_store_commit_block(s, &err), LM_OK);
    lm_store_close(s);

    /* Reopen: everything is there. */
    s = open_ok(dir, 0);
    assert_int_equal(lm_store_read_begin(s, &v, &err), LM_OK);
    uint8_t head_hash[32];
    assert_int_equal(lm_store_get_head(&v, &n, head_hash, &err), LM_OK);
    assert_int_equal(n, 7);
    assert_memory_equal(head_hash, want_bh, 32);
    lm_chain_meta m2;
    assert_int_equal(lm_store_get_chain_meta(&v, &m2, &err), LM_OK);
    assert_meta_eq(&m2, &m);
    for (uint64_t i = 0; i < 3; i++) {
        lm_account want = account_for(i, 7);
        assert_int_equal(lm_store_get_account(&v, i, &a, &err), LM_OK);
        assert_account_eq(&a, &want);
        uint64_t idx = 99;
        assert_int_equal(lm_store_find_address(&v, want.address, &idx, &err), LM_OK);
        assert_int_equal(idx, i);
    }
    uint8_t nobody[20] = {0xff};
    assert_int_equal(lm_store_find_address(&v, nobody, &n, &err), LM_ENOTFOUND);
    assert_int_equal(lm_store_get_account(&v, 3, &a, &err), LM_ENOTFOUND);
    assert_non_null(strstr(err.msg, "not found"));
    const uint8_t *btx = NULL;
    assert_int_equal(lm_store_get_block(&v, 7, &got, &btx, &err), LM_OK);
    assert_header_eq(&got, &h);
    assert_memory_equal(btx, txs, sizeof txs);
    assert_int_equal(lm_store_get_block(&v, 6, &got, &btx, &err), LM_ENOTFOUND);
    assert_int_equal(lm_store_find_block(&v, want_bh, &n, &err), LM_OK);
    assert_int_equal(n, 7);
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t th[32];
        lm_keccak256(th, txs + i * LM_TX_WIRE_LEN, LM_TX_WIRE_LEN);
        lm_store_tx_loc loc;
        assert_int_equal(lm_store_get_tx(&v, th, &loc, &err), LM_OK);
        assert_int_equal(loc.block, 7);
        assert_int_equal(loc.position, i);
        assert_int_equal(loc.status, i ? LM_STF_OK : LM_STF_INSUFFICIENT);
        const uint8_t *rd;
        size_t rl;
        lm_code rc = lm_store_get_receipt(&v, 7, i, &rd, &rl, &err);
        if (i == 0) {
            assert_int_equal(rc, LM_ENOTFOUND);
        } else {
            assert_int_equal(rc, LM_OK);
            assert_int_equal(rl, 5);
            assert_memory_equal(rd, "\x01\x02\x03\x04\x01", 5);
        }
    }
    uint64_t rb;
    lm_gl r2[4];
    assert_int_equal(lm_store_get_state_root(&v, &rb, r2, &err), LM_OK);
    assert_int_equal(rb, 7);
    assert_memory_equal(r2, root, sizeof root);
    const uint8_t *mv;
    size_t ml;
    assert_int_equal(lm_store_get_meta(&v, "l1.cursor", 9, &mv, &ml, &err), LM_OK);
    assert_int_equal(ml, 2);
    assert_memory_equal(mv, "\x00\x10", 2);
    assert_int_equal(lm_store_get_meta(&v, "l1.cursoR", 9, &mv, &ml, &err), LM_ENOTFOUND);
    lm_store_read_end(&v);

    /* The next block must be 8; abort drops a block. */
    assert_int_equal(lm_store_begin_block(s, &err), LM_OK);
    lm_block_header h8 = header_for(8, 0);
    assert_int_equal(lm_store_put_block(s, &h8, NULL, NULL, &err), LM_OK);
    lm_store_abort_block(s);
    assert_int_equal(lm_store_read_begin(s, &v, &err), LM_OK);
    assert_int_equal(lm_store_get_head(&v, &n, NULL, &err), LM_OK);
    assert_int_equal(n, 7);
    lm_store_read_end(&v);
    lm_store_close(s);
    remove_dir(dir);
}

/* A reader's snapshot does not move while the writer commits; a reader
 * thread checks snapshot consistency while blocks are committed. */
typedef struct reader_arg {
    lm_store *s;
    atomic_int stop;
    int checks, bad;
} reader_arg;

static void *reader_main(void *p)
{
    reader_arg *r = p;
    lm_err err;
    while (!atomic_load(&r->stop)) {
        lm_store_view v;
        if (lm_store_read_begin(r->s, &v, &err) != LM_OK) {
            r->bad++;
            break;
        }
        uint64_t head;
        if (lm_store_get_head(&v, &head, NULL, &err) == LM_OK) {
            for (uint64_t i = 0; i < 16; i++) {
                lm_account a, want = account_for(i, head);
                uint8_t ra[LM_STORE_ACCOUNT_LEN], rw[LM_STORE_ACCOUNT_LEN];
                if (lm_store_get_account(&v, i, &a, &err) != LM_OK) {
                    r->bad++;
                    continue;
                }
                lm_store_account_encode(ra, &a);
                lm_store_account_encode(rw, &want);
                if (memcmp(ra, rw, sizeof ra) != 0)
                    r->bad++;
            }
            r->checks++;
        }
        lm_store_read_end(&v);
    }
    return NULL;
}

/* Block `number` for n accounts, committed by this process to the store at
 * dir; the store closed again. */
static void write_one_block(const char *dir, uint64_t number, uint64_t n)
{
    lm_store *s = open_ok(dir, 0);
    lm_state_tree tree;
    lm_state_tree_init(&tree);
    write_block(s, &tree, number, n);
    lm_store_close(s);
    lm_state_tree_free(&tree);
}

static void test_mvcc(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_store *s = open_ok(dir, 0);
    lm_state_tree tree;
    lm_state_tree_init(&tree);
    write_block(s, &tree, 1, 16);
    lm_err err;
    lm_store_view old;
    assert_int_equal(lm_store_read_begin(s, &old, &err), LM_OK);

    reader_arg r = {s, 0, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
    for (uint64_t b = 2; b <= 30; b++)
        write_block(s, &tree, b, 16);
    atomic_store(&r.stop, 1);
    pthread_join(th, NULL);
    assert_int_equal(r.bad, 0);
    assert_true(r.checks > 0);

    /* The old view still sees block 1. */
    uint64_t head;
    assert_int_equal(lm_store_get_head(&old, &head, NULL, &err), LM_OK);
    assert_int_equal(head, 1);
    lm_account a, want = account_for(5, 1);
    assert_int_equal(lm_store_get_account(&old, 5, &a, &err), LM_OK);
    assert_account_eq(&a, &want);
    lm_store_read_end(&old);
    check_consistent(s, 16, &head);
    assert_int_equal(head, 30);
    lm_state_tree_free(&tree);
    lm_store_close(s);
    remove_dir(dir);
}

/* MDB_MAP_FULL: a clear LM_ESPACE, the block stays failed, the committed
 * state survives. */
static void test_map_full(void **state)
{
    (void)state;
    char *dir = make_dir();
    lm_store *s = open_ok(dir, 1u << 20); /* 1 MiB */
    lm_state_tree tree;
    lm_state_tree_init(&tree);
    write_block(s, &tree, 1, 10);
    lm_err err;
    assert_int_equal(lm_store_begin_block(s, &err), LM_OK);
    lm_code rc = LM_OK;
    uint64_t i;
    for (i = 0; i < 100000 && rc == LM_OK; i++) {
        lm_account a = account_for(i, 2);
        rc = lm_store_put_account(s, i, &a, true, &err);
    }
    assert_int_equal(rc, LM_ESPACE);
    assert_non_null(strstr(err.msg, "map size"));
    assert_true(i > 1000); /* it did fill up */
    lm_account a = account_for(0, 3);
    assert_int_equal(lm_store_put_account(s, 0, &a, true, &err), LM_ESPACE);
    assert_non_null(strstr(err.msg, "failed earlier"));
    assert_int_equal(lm_store_commit_block(s, &err), LM_ESPACE);
    /* the block is gone; a new one works */
    uint64_t head;
    check_consistent(s, 10, &head);
    assert_int_equal(head, 1);
    write_block(s, &tree, 2, 10);
    lm_store_close(s);
    s = open_ok(dir, 1u << 20);
    check_consistent(s, 10, &head);
    assert_int_equal(head, 2);
    lm_store_close(s);
    lm_state_tree_free(&tree);
    remove_dir(dir);
}

/* Damaged records and schema are reported as LM_EIO, not crashes. */
static void test_damaged(void **state)
{
    (void)state;
    char *dir = make_dir();
    write_one_block(dir, 1, 4);

    /* Damage records with raw LMDB. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi acc, meta;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "accounts", 0, &acc), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    uint8_t key[4] = {0, 0, 0, 2}, shortrec[7] = {1};
    MDB_val k = {4, key}, v = {sizeof shortrec, shortrec};
    assert_int_equal(mdb_put(txn, acc, &k, &v, 0), 0);
    MDB_val hk = {11, (void *)"lamina.head"}, hv = {3, (void *)"abc"};
    assert_int_equal(mdb_put(txn, meta, &hk, &hv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    lm_store *s = open_ok(dir, 0);
    lm_err err;
    lm_store_view rv;
    assert_int_equal(lm_store_read_begin(s, &rv, &err), LM_OK);
    lm_account a;
    assert_int_equal(lm_store_get_account(&rv, 1, &a, &err), LM_OK);
    assert_int_equal(lm_store_get_account(&rv, 2, &a, &err), LM_EIO);
    assert_non_null(strstr(err.msg, "damaged account"));
    uint64_t head;
    assert_int_equal(lm_store_get_head(&rv, &head, NULL, &err), LM_EIO);
    lm_store_read_end(&rv);
    /* A block cannot begin on a damaged head. */
    assert_int_equal(lm_store_begin_block(s, &err), LM_EIO);
    lm_store_close(s);

    /* Another schema version is refused. */
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val sk = {13, (void *)"lamina.schema"}, sv = {4, (void *)"\0\0\0\x09"};
    assert_int_equal(mdb_put(txn, meta, &sk, &sv, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    lm_store_options opt = {0, 0};
    assert_int_equal(lm_store_open(&s, dir, &opt, &err), LM_EIO);
    assert_non_null(strstr(err.msg, "schema"));
    assert_null(s);

    /* A path that cannot be a directory. */
    assert_int_equal(lm_store_open(&s, "/proc/self/nonexistent/x", NULL, &err), LM_EIO);
    remove_dir(dir);
}

/* In a crash test's child: opens the store at dir and builds *tree as of
 * block first - 1 over n accounts; exits 2 on any failure. */
static lm_store *child_open(const char *dir, uint64_t first, uint64_t n, lm_state_tree *tree)
{
    lm_store *s = NULL;
    lm_err err;
    lm_store_options opt = {0, 0};
    if (lm_store_open(&s, dir, &opt, &err) != LM_OK)
        _exit(2);
    lm_state_tree_init(tree);
    for (uint64_t i = 0; i < n; i++) {
        lm_account a = account_for(i, first - 1);
        lm_gl leaf[4];
        lm_account_leaf(leaf, &a);
        if (lm_state_tree_set(tree, i, leaf, &err) != LM_OK)
            _exit(2);
    }
    return s;
}

/* The child of the crash tests: commits blocks first..last-1, then starts
 * block `last` and kills itself after `puts` account writes. */
static void crash_child(const char *dir, uint64_t first, uint64_t last, uint64_t n, uint64_t puts)
{
    lm_err err;
    lm_state_tree tree;
    lm_store *s = child_open(dir, first, n, &tree);
    for (uint64_t b = first; b < last; b++)
        write_block(s, &tree, b, n);
    if (lm_store_begin_block(s, &err) != LM_OK)
        _exit(2);
    for (uint64_t i = 0; i < puts; i++) {
        lm_account a = account_for(i % n, last);
        if (lm_store_put_account(s, i % n, &a, true, &err) != LM_OK)
            _exit(2);
        if (i == puts / 2) {
            lm_chain_meta m;
            memset(&m, 0, sizeof m);
            m.num_accounts = n;
            m.next_withdrawal_id = last;
            if (lm_store_put_chain_meta(s, &m, &err) != LM_OK)
                _exit(2);
        }
    }
    raise(SIGKILL);
    _exit(3); /* not reached */
}

/* fork() after flushing stdio, failing the test when it fails. */
static pid_t fork_ok(void)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    return pid;
}

static void test_crash_mid_transaction(void **state)
{
    (void)state;
    char *dir = make_dir();
    enum { N = 40 };
    /* Genesis: block 0 committed by this process, then closed. */
    write_one_block(dir, 0, N);

    uint64_t head = 0;
    /* Kill after no put, a few, and many (more than fit in one page). */
    uint64_t puts[] = {0, 3, 5000};
    for (size_t t = 0; t < sizeof puts / sizeof puts[0]; t++) {
        uint64_t first = head + 1, last = head + 4; /* commits 3 blocks, dies in the 4th */
        pid_t pid = fork_ok();
        if (pid == 0)
            crash_child(dir, first, last, N, puts[t]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        lm_store *s = open_ok(dir, 0);
        check_consistent(s, N, &head);
        assert_int_equal(head, last - 1); /* exactly the committed blocks */
        lm_store_close(s);
    }
    remove_dir(dir);
}

/* The child commits blocks in a loop until killed: the kill lands at a
 * random point, often inside a commit. */
static void loop_child(const char *dir, uint64_t first, uint64_t n)
{
    lm_state_tree tree;
    lm_store *s = child_open(dir, first, n, &tree);
    for (uint64_t b = first;; b++)
        write_block(s, &tree, b, n);
}

static void test_crash_random(void **state)
{
    (void)state;
    char *dir = make_dir();
    enum { N = 24 };
    write_one_block(dir, 0, N);
    uint64_t head = 0, seed = 12345;
    /* Five kills; more if a loaded machine let the child commit too few
     * blocks to make the test meaningful. */
    for (int round = 0; round < 5 || (head <= 5 && round < 40); round++) {
        pid_t pid = fork_ok();
        if (pid == 0)
            loop_child(dir, head + 1, N);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        struct timespec ts = {0, (long)(30 + (seed >> 33) % 120) * 1000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
        uint64_t before = head;
        lm_store *s = open_ok(dir, 0);
        check_consistent(s, N, &head);
        assert_true(head >= before);
        lm_store_close(s);
    }
    assert_true(head > 5); /* the child did commit between the kills */
    remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_record),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_mvcc),
        cmocka_unit_test(test_map_full),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_crash_mid_transaction),
        cmocka_unit_test(test_crash_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
