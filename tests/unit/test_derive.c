/* Derivation on a real L1 (anvil): the test plays the sequencer — it builds
 * L2 blocks with the STF over its own statedb, with real deposits from the
 * Bridge and real secp256k1-signed transfers and withdrawals, encodes them
 * as batches, posts them with the batcher key and their output roots with
 * the proposer key — and a fresh follower (lm_derive) must derive the same
 * block hashes, state roots and output roots from L1 alone. Then the ways
 * it must not follow the sequencer: a wrong output root (a mismatch), a
 * garbage batch and a batch that does not continue the chain (ignored), an
 * invalid block (dropped with the rest of its batch), a deposit omitted
 * past the sequencing window (applied anyway), and L1 reorgs made with
 * evm_snapshot / evm_revert. Balances are checked against sums written out
 * by hand, not recomputed with the STF. The follower's statistics are
 * checked against what each test posted, and once over HTTP: /metrics
 * and lamina_status (lamina/derive_serve.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lamina/batch.h"
#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/derive_serve.h"
#include "lamina/genesis.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/secp256k1.h"
#include "lamina/settlement.h"
#include "lamina/stf.h"

#include "../anvil_world.h"

#define GWEI 1000000000ull

static aw_world W;

/* L2 keys: alice = anvil key 3 (the L1 user, who deposits), bob, carol */
static struct {
    lm_seckey alice_key, bob_key, carol_key;
    uint8_t alice[20], bob[20], carol[20];
    unsigned dirs;
} U;

static void l2_key(lm_seckey *k, uint8_t addr[20], const char *hex)
{
    lm_err err;
    lm_address a;
    must(aw_key_and_address(k, &a, hex, &err), &err, "key");
    memcpy(addr, a.b, 20);
}

static int setup(void **state)
{
    (void)state;
    lm_log_set_level(LM_LOG_WARN);
    if (aw_world_start(&W, LM_BINARY_DIR "/test_derive.anvil.log") != 0)
        return -1;
    l2_key(&U.alice_key, U.alice, LM_ANVIL_KEY3);
    l2_key(&U.bob_key, U.bob, "0x0101010101010101010101010101010101010101010101010101010101010101");
    l2_key(&U.carol_key, U.carol, "0x0202020202020202020202020202020202020202020202020202020202020202");
    mkdir(LM_BINARY_DIR "/test_derive.tmp", 0700);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    aw_world_stop(&W);
    return 0;
}

/* A fresh deployment (a new chain) with the given sequencing window. */
static void deploy(uint64_t window)
{
    lm_err err;
    lm_deploy_opts o;
    aw_deploy_opts(&o, &W);
    o.config.sequencing_window = window;
    must(lm_lamina_deploy(&W.admin, &o, &W.d, &err), &err, "deploy");
}

static void rpc_void(const char *method, const char *params)
{
    aw_rpc_void(&W.rpc, method, params);
}

static void deposit(const uint8_t to[20], uint64_t gwei)
{
    lm_err err;
    lm_u256 wei = lm_u256_from_u64(gwei * GWEI);
    must(lm_bridge_deposit_eth(&W.user, &W.d, to, &wei, NULL, &err), &err, "depositETH");
}

/* A directory of its own under the build tree. */
static void fresh_dir(char *out, size_t cap, const char *what)
{
    snprintf(out, cap, LM_BINARY_DIR "/test_derive.tmp/%s-%d-%u", what, (int)getpid(), U.dirs++);
    mkdir(out, 0700);
}

/* Removes a directory holding an LMDB store (and DIR/state for a follower). */
static void rm_store(const char *dir)
{
    char p[600];
    static const char *const names[] = {"state/data.mdb", "state/lock.mdb", "state", "data.mdb",
                                        "lock.mdb"};
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (unlink(p) != 0)
            rmdir(p);
    }
    rmdir(dir);
}

/* ---- the test's sequencer --------------------------------------------------------- */

#define SEQ_MAX_BLOCKS 8
#define SEQ_MAX_TXS 8

typedef struct seq {
    char dir[512];
    lm_statedb *db;
    lm_block_header head;
    uint8_t head_hash[32];
    uint8_t hashes[64][32]; /* by block number */
    lm_stf_ctx ctx;
    lm_withdrawal wd[64];
    /* the open batch */
    uint64_t start_accounts;
    lm_batch_block blocks[SEQ_MAX_BLOCKS];
    lm_tx txs[SEQ_MAX_BLOCKS][SEQ_MAX_TXS];
    size_t n_blocks;
} seq;

static void seq_open(seq *s)
{
    lm_err err;
    memset(s, 0, sizeof *s);
    fresh_dir(s->dir, sizeof s->dir, "seq");
    must(lm_statedb_open(&s->db, s->dir, NULL, &err), &err, "seq statedb");
    uint64_t ts;
    must(lm_genesis_l1_timestamp(&W.rpc, &W.d, &ts, &err), &err, "genesis ts");
    must(lm_genesis_init(s->db, &W.d, ts, &s->head, s->head_hash, NULL, &err), &err, "genesis");
    memcpy(s->hashes[0], s->head_hash, 32);
}

static void seq_close(seq *s)
{
    lm_statedb_close(s->db);
    rm_store(s->dir);
}

static void seq_batch_begin(seq *s)
{
    s->n_blocks = 0;
    s->start_accounts = lm_statedb_meta(s->db)->num_accounts;
    lm_stf_init(&s->ctx, W.d.config.l2_chain_id, W.d.rollup, lm_statedb_meta(s->db),
                lm_statedb_host(s->db), s->wd, 64);
}

static lm_tx signed_tx(const seq *s, lm_tx_type type, const lm_seckey *key, const uint8_t from[20],
                       const uint8_t to[20], uint64_t amount, uint64_t fee, uint64_t nonce)
{
    lm_tx tx = aw_tx(type, W.d.config.l2_chain_id, from, to, amount, fee, nonce);
    aw_sign_tx_in(&tx, s->ctx.config.domain_separator, key);
    return tx;
}

/* The block on the latest L1 block, consuming the queue up to upto, with
 * txs. When apply is false the block is only sealed (not applied: the
 * test's way to put an invalid block in a batch). */
static void seq_block(seq *s, uint64_t upto, const lm_tx *txs, size_t n, bool apply)
{
    lm_err err;
    assert_true(s->n_blocks < SEQ_MAX_BLOCKS && n <= SEQ_MAX_TXS);
    lm_l1_header o;
    must(lm_rpc_get_block_by_number(&W.rpc, &o, lm_block_tagged(LM_BLOCK_LATEST), &err), &err,
         "latest");
    lm_batch_block *b = &s->blocks[s->n_blocks];
    lm_tx *bt = s->txs[s->n_blocks];
    lm_block_header *h = &b->header;
    memset(h, 0, sizeof *h);
    h->number = s->head.number + 1;
    memcpy(h->parent_hash, s->head_hash, 32);
    h->l1_origin_number = o.number;
    memcpy(h->l1_origin_hash, o.hash, 32);
    h->timestamp = o.timestamp > s->head.timestamp ? o.timestamp : s->head.timestamp;
    h->fee_recipient = 0;
    h->l1_messages_upto = upto;
    h->tx_count = (uint32_t)n;
    uint8_t th[SEQ_MAX_TXS][32];
    for (size_t i = 0; i < n; i++) {
        bt[i] = txs[i];
        lm_tx_hash(th[i], &txs[i]);
    }
    lm_tx_root(h->tx_root, (const uint8_t (*)[32])th, n);
    b->txs = bt;
    s->n_blocks++;
    uint8_t hash[32];
    lm_block_hash(hash, h);
    if (!apply)
        return;
    /* the messages from the Bridge */
    lm_queued_message *q = NULL;
    size_t nq = 0;
    must(lm_lamina_get_messages(&W.rpc, &W.d, W.d.deploy_block, o.number, &q, &nq, &err), &err,
         "messages");
    uint64_t done = s->ctx.meta.l1_messages_done;
    assert_true(upto >= done && upto <= nq);
    lm_stf_message m[16];
    memset(m, 0, sizeof m);
    for (uint64_t i = done; i < upto; i++) {
        m[i - done].msg = q[i].msg;
        m[i - done].tx = q[i].l2tx_len ? q[i].l2tx : NULL;
        m[i - done].tx_len = q[i].l2tx_len;
    }
    must(lm_statedb_begin_block(s->db, &err), &err, "begin");
    lm_stf_code outcomes[16];
    lm_stf_block_result r =
        lm_stf_apply_block(&s->ctx, h, m, (size_t)(upto - done), bt, n, outcomes);
    for (uint64_t i = done; i < upto; i++) /* every message of these tests takes effect */
        if (outcomes[i - done] != LM_STF_OK)
            fail_msg("message %llu: %s", (unsigned long long)i,
                     lm_stf_code_message(outcomes[i - done]));
    free(q);
    if (r.code != LM_STF_OK)
        fail_msg("sequencer block: %s at %u", lm_stf_code_message(r.code), r.index);
    uint8_t wire[SEQ_MAX_TXS * LM_TX_WIRE_LEN];
    for (size_t i = 0; i < n; i++)
        lm_tx_encode(wire + i * LM_TX_WIRE_LEN, &bt[i]);
    must(lm_statedb_commit_block(s->db, &s->ctx.meta, h, n ? wire : NULL, NULL, false, NULL, &err),
         &err, "commit");
    s->head = *h;
    memcpy(s->head_hash, hash, 32);
    memcpy(s->hashes[h->number], hash, 32);
}

/* Encodes the open batch, posts it; out = the output root of the batch as
 * the sequencer applied it. */
static void seq_batch_post(seq *s, uint8_t output[32])
{
    lm_err err;
    lm_state_resolver sr;
    lm_batch_params bp;
    memset(&bp, 0, sizeof bp);
    bp.chain_id = W.d.config.l2_chain_id;
    must(lm_state_resolver_begin(&sr, s->db, s->start_accounts, &bp.resolver, &err), &err,
         "resolver");
    size_t scap = lm_batch_encode_scratch_size(s->blocks, s->n_blocks);
    void *mem = malloc(scap);
    uint8_t *out = malloc(LM_BATCH_L1_MAX_BYTES);
    assert_non_null(mem);
    assert_non_null(out);
    lm_arena a;
    lm_arena_init(&a, mem, scap);
    size_t len;
    must(lm_batch_encode(&a, out, LM_BATCH_L1_MAX_BYTES, &len, &bp, s->blocks, s->n_blocks,
                         LM_BATCH_ZSTD, &err),
         &err, "encode");
    lm_state_resolver_end(&sr);
    must(lm_rollup_append_batch(&W.batcher, &W.d, out, len, NULL, &err), &err, "appendBatch");
    free(out);
    free(mem);
    /* the output root: state root, withdrawals root, last block hash */
    lm_gl root[4];
    lm_statedb_root(s->db, root, NULL);
    lm_output_preimage o;
    memset(&o, 0, sizeof o);
    lm_state_root_bytes(o.state_root, root);
    uint8_t leaves[64][32], scratch[32][32];
    for (size_t i = 0; i < s->ctx.withdrawal_count; i++)
        lm_withdrawal_leaf(leaves[i], &s->wd[i]);
    must(lm_withdrawal_root(o.withdrawals_root, (const uint8_t (*)[32])leaves,
                            s->ctx.withdrawal_count, scratch, &err),
         &err, "withdrawals root");
    memcpy(o.last_block_hash, s->head_hash, 32);
    lm_output_root(output, &o);
}

static void propose(uint64_t index, const uint8_t root[32], uint64_t l2_block)
{
    lm_err err;
    must(lm_rollup_propose_output(&W.proposer, &W.d, index, root, l2_block, NULL, &err), &err,
         "proposeOutput");
}

/* ---- the follower -------------------------------------------------------------------- */

typedef struct follower {
    char dir[512];
    lm_derive *f;
} follower;

static void follower_open(follower *fo, uint32_t confirmations)
{
    lm_err err;
    fresh_dir(fo->dir, sizeof fo->dir, "follow");
    lm_derive_options o;
    lm_derive_options_default(&o);
    o.confirmations = confirmations;
    must(lm_derive_open(&fo->f, fo->dir, &W.d, &W.rpc, &o, &err), &err, "derive open");
}

static void follower_close(follower *fo)
{
    lm_derive_close(fo->f);
    rm_store(fo->dir);
}

static lm_derive_progress poll_ok(follower *fo)
{
    lm_err err;
    lm_derive_progress p;
    must(lm_derive_poll(fo->f, &p, &err), &err, "poll");
    return p;
}

/* The follower's account at address (fails when missing). */
static lm_account account_of(follower *fo, const uint8_t addr[20])
{
    return aw_derived_account(fo->f, addr);
}

static bool has_account(follower *fo, const uint8_t addr[20])
{
    lm_err err;
    lm_store_view v;
    must(lm_store_read_begin(lm_statedb_store(lm_derive_statedb(fo->f)), &v, &err), &err, "view");
    uint64_t i;
    lm_code rc = lm_store_find_address(&v, addr, &i, &err);
    lm_store_read_end(&v);
    return rc == LM_OK;
}

static void assert_same_chain(follower *fo, const seq *s)
{
    lm_err err;
    uint64_t n;
    uint8_t h[32];
    lm_derive_head(fo->f, &n, h);
    assert_true(n == s->head.number);
    for (uint64_t i = 0; i <= n; i++) {
        must(lm_derive_block_hash(fo->f, i, h, &err), &err, "block hash");
        assert_memory_equal(h, s->hashes[i], 32);
    }
    lm_gl a[4], b[4];
    lm_statedb_root(lm_derive_statedb(fo->f), a, NULL);
    lm_statedb_root(s->db, b, NULL);
    assert_memory_equal(a, b, sizeof a);
}

/* Runs `lamina node --follow --once --check EXTRA` on the current
 * deployment; its output (stdout and stderr) into out[0..cap) when out is
 * not NULL.
 * Returns: its exit status, or -1 when the lamina binary is not built. */
static int run_cli(const char *extra, char *out, size_t cap)
{
    lm_err err;
    if (access(LM_BINARY_DIR "/lamina", X_OK) != 0) {
        fprintf(stderr, "(lamina not built: the CLI check is skipped)\n");
        return -1;
    }
    char dir[512], dep[600], cmd[2048];
    fresh_dir(dir, sizeof dir, "cli");
    snprintf(dep, sizeof dep, "%s/deployment.json", dir);
    must(lm_deployment_save(&W.d, dep, &err), &err, "save deployment");
    snprintf(cmd, sizeof cmd,
             LM_BINARY_DIR "/lamina node --follow --once --check --confirmations 0 "
                           "--log-level error --l1-rpc %s --deployment %s --data %s/data %s "
                           "> %s/out.txt 2>&1",
             W.anvil.url, dep, dir, extra, dir);
    int st = system(cmd);
    char p[700];
    if (out) {
        snprintf(p, sizeof p, "%s/out.txt", dir);
        FILE *fp = fopen(p, "r");
        size_t n = fp ? fread(out, 1, cap - 1, fp) : 0;
        out[n] = '\0';
        if (fp)
            fclose(fp);
    }
    snprintf(p, sizeof p, "%s/data", dir);
    rm_store(p);
    snprintf(p, sizeof p, "%s/out.txt", dir);
    unlink(p);
    unlink(dep);
    rmdir(dir);
    assert_true(st != -1 && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int run_cli_check(void)
{
    return run_cli("", NULL, 0);
}

/* ---- tests ---------------------------------------------------------------------------- */

/* Genesis: both sides build the same block 0 and account 0 (the batcher). */
static void test_genesis(void **state)
{
    (void)state;
    lm_err err;
    deploy(8);
    seq s;
    seq_open(&s);
    follower fo;
    follower_open(&fo, 0);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.head == 0 && p.batches == 0 && !p.has_output);
    assert_same_chain(&fo, &s);
    assert_true(s.head.l1_origin_number == W.d.deploy_block);
    assert_memory_equal(s.head.l1_origin_hash, W.d.deploy_block_hash, 32);
    lm_account a0 = account_of(&fo, W.d.batcher);
    assert_memory_equal(a0.address, W.addr[1].b, 20);
    assert_true(a0.balance[0] == 0 && a0.nonce_base == 0);
    assert_true(lm_statedb_meta(lm_derive_statedb(fo.f))->num_accounts == 1);
    /* genesis_init on a store that has it is a check, not a write */
    uint64_t ts;
    must(lm_genesis_l1_timestamp(&W.rpc, &W.d, &ts, &err), &err, "ts");
    uint8_t h2[32];
    must(lm_genesis_init(s.db, &W.d, ts, NULL, h2, NULL, &err), &err, "genesis again");
    assert_memory_equal(h2, s.hashes[0], 32);
    assert_int_equal(lm_genesis_init(s.db, &W.d, ts + 1, NULL, NULL, NULL, &err), LM_EINVAL);
    /* a deployment whose block is not on this L1 */
    lm_deployment bad = W.d;
    bad.deploy_block_hash[0] ^= 1;
    assert_int_equal(lm_genesis_l1_timestamp(&W.rpc, &bad, &ts, &err), LM_EPROTO);
    follower_close(&fo);
    seq_close(&s);
}

/* The main path: deposits, transfers (to a new account, twice in one batch),
 * a withdrawal, two batches with their outputs. */
static void test_derive_matches(void **state)
{
    (void)state;
    lm_err err;
    deploy(8);
    seq s;
    seq_open(&s);
    deposit(U.alice, 1000000000); /* 1 ETH */
    deposit(U.bob, 500000000);

    seq_batch_begin(&s);
    lm_tx t1[2] = {signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.carol, 100000, 10, 0),
                   signed_tx(&s, LM_TX_TRANSFER, &U.bob_key, U.bob, U.alice, 5, 0, 0)};
    seq_block(&s, 2, t1, 2, true);
    uint8_t l1_recipient[20];
    memset(l1_recipient, 0x77, 20);
    lm_tx t2[2] = {signed_tx(&s, LM_TX_WITHDRAW, &U.alice_key, U.alice, l1_recipient, 1000, 1, 1),
                   signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.carol, 7, 0, 2)};
    seq_block(&s, 2, t2, 2, true);
    assert_true(s.ctx.withdrawal_count == 1);
    uint8_t out0[32];
    seq_batch_post(&s, out0);
    propose(0, out0, 2);

    deposit(U.carol, 3);
    seq_batch_begin(&s);
    lm_tx t3[1] = {signed_tx(&s, LM_TX_TRANSFER, &U.carol_key, U.carol, U.bob, 50, 2, 0)};
    seq_block(&s, 3, t3, 1, true);
    uint8_t out1[32];
    seq_batch_post(&s, out1);
    propose(1, out1, 3);

    follower fo;
    follower_open(&fo, 0);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.read && p.batches == 2 && p.batches_ignored == 0);
    assert_true(p.blocks == 3 && p.blocks_rejected == 0 && p.messages == 3);
    assert_true(p.forced_messages == 0);
    assert_true(p.outputs_checked == 2 && p.mismatches == 0);
    assert_true(p.head == 3 && p.has_output && p.last_batch == 1);
    assert_memory_equal(p.last_output_root, out1, 32);
    assert_same_chain(&fo, &s);

    lm_derive_batch_info bi;
    must(lm_derive_batch(fo.f, 0, &bi, &err), &err, "batch 0");
    assert_true(bi.status == LM_DERIVE_BATCH_APPLIED && bi.blocks_applied == 2);
    assert_true(bi.last_block == 2 && bi.withdrawal_count == 1);
    assert_memory_equal(bi.output_root, out0, 32);
    assert_true(bi.has_proposed && !bi.mismatch && bi.proposed_l2_block == 2);
    assert_memory_equal(bi.last_block_hash, s.hashes[2], 32);
    /* the one withdrawal's leaf is the withdrawals root (docs/contracts.md §4.3) */
    lm_withdrawal w = {0, {0}, {0}, 0, 1000};
    memcpy(w.l2_sender, U.alice, 20);
    memcpy(w.l1_recipient, l1_recipient, 20);
    uint8_t leaf[32];
    lm_withdrawal_leaf(leaf, &w);
    assert_memory_equal(bi.withdrawals_root, leaf, 32);
    must(lm_derive_batch(fo.f, 1, &bi, &err), &err, "batch 1");
    assert_memory_equal(bi.output_root, out1, 32);
    assert_int_equal(lm_derive_batch(fo.f, 2, &bi, &err), LM_ENOTFOUND);
    assert_true(lm_derive_batch_count(fo.f) == 2 && lm_derive_mismatches(fo.f) == 0);

    /* balances, by hand: alice 1e9 - 100000 - 10 + 5 - 1000 - 1 - 7;
     * bob 5e8 - 5 + 50; carol 100000 + 7 + 3 - 50 - 2; account 0 the fees */
    assert_true(account_of(&fo, U.alice).balance[0] == 1000000000ull - 100000 - 10 + 5 - 1000 - 1 - 7);
    assert_true(account_of(&fo, U.bob).balance[0] == 500000000ull - 5 + 50);
    assert_true(account_of(&fo, U.carol).balance[0] == 100000ull + 7 + 3 - 50 - 2);
    assert_true(account_of(&fo, W.d.batcher).balance[0] == 10 + 1 + 2);
    assert_true(account_of(&fo, U.alice).nonce_base == 3);

    /* nothing new: the next poll derives nothing */
    p = poll_ok(&fo);
    assert_true(p.batches == 0 && p.blocks == 0 && p.head == 3 && p.has_output);

    /* a restart resumes from the stored progress: nothing is read again */
    lm_derive_close(fo.f);
    lm_derive_options o;
    lm_derive_options_default(&o);
    o.confirmations = 0;
    must(lm_derive_open(&fo.f, fo.dir, &W.d, &W.rpc, &o, &err), &err, "reopen");
    assert_true(lm_derive_batch_count(fo.f) == 2 && lm_derive_mismatches(fo.f) == 0);
    must(lm_derive_batch(fo.f, 0, &bi, &err), &err, "batch 0 after restart");
    assert_memory_equal(bi.output_root, out0, 32);
    assert_true(bi.has_proposed && bi.withdrawal_count == 1);
    p = poll_ok(&fo);
    assert_true(p.batches == 0 && p.blocks == 0 && p.head == 3 && !p.reorg);
    assert_same_chain(&fo, &s);
    /* and goes on: a third batch, with a deposit read after the restart */
    deposit(U.bob, 9);
    seq_batch_begin(&s);
    lm_tx t4[1] = {signed_tx(&s, LM_TX_TRANSFER, &U.bob_key, U.bob, U.carol, 1, 0, 1)};
    seq_block(&s, 4, t4, 1, true);
    uint8_t out2[32];
    seq_batch_post(&s, out2);
    propose(2, out2, 4);
    p = poll_ok(&fo);
    assert_true(p.batches == 1 && p.blocks == 1 && p.messages == 1 && p.outputs_checked == 1 &&
                p.mismatches == 0 && p.head == 4);
    assert_same_chain(&fo, &s);

    /* a crash between a batch's blocks and its record (simulated: a block
     * appended behind the follower's back) is not resumed: re-derived */
    lm_derive_close(fo.f);
    {
        char sd[600];
        snprintf(sd, sizeof sd, "%s/state", fo.dir);
        lm_statedb *db;
        must(lm_statedb_open(&db, sd, NULL, &err), &err, "open the follower's state");
        lm_chain_meta m = *lm_statedb_meta(db);
        lm_block_header extra;
        memset(&extra, 0, sizeof extra);
        extra.number = 5;
        memcpy(extra.parent_hash, s.head_hash, 32);
        must(lm_statedb_begin_block(db, &err), &err, "begin");
        must(lm_statedb_commit_block(db, &m, &extra, NULL, NULL, false, NULL, &err), &err, "commit");
        lm_statedb_close(db);
    }
    must(lm_derive_open(&fo.f, fo.dir, &W.d, &W.rpc, &o, &err), &err, "reopen after a crash");
    assert_true(lm_derive_batch_count(fo.f) == 0);
    p = poll_ok(&fo);
    assert_true(p.batches == 3 && p.head == 4 && p.mismatches == 0);
    assert_same_chain(&fo, &s);

    /* reading L1 two blocks per poll gives the same chain */
    follower chunked;
    fresh_dir(chunked.dir, sizeof chunked.dir, "follow");
    o.max_l1_blocks = 2;
    must(lm_derive_open(&chunked.f, chunked.dir, &W.d, &W.rpc, &o, &err), &err, "open chunked");
    int polls = 0;
    uint32_t outputs = 0;
    do {
        p = poll_ok(&chunked);
        assert_true(!p.read || p.l1_to - p.l1_from < 2);
        outputs += p.outputs_checked;
        polls++;
    } while (p.more && polls < 1000);
    assert_true(polls > 2 && !p.more && outputs == 3 && lm_derive_mismatches(chunked.f) == 0);
    assert_same_chain(&chunked, &s);
    follower_close(&chunked);

    /* the command line agrees: exit status 0 */
    int st = run_cli_check();
    assert_true(st == -1 || st == 0);

    /* a follower that waits for 1000 confirmations has read nothing yet */
    follower slow;
    follower_open(&slow, 1000);
    p = poll_ok(&slow);
    assert_true(!p.read && p.head == 0 && lm_derive_batch_count(slow.f) == 0);
    follower_close(&slow);
    follower_close(&fo);
    seq_close(&s);
}

/* A proposed output root that is not the derived one. */
static void test_wrong_output(void **state)
{
    (void)state;
    lm_err err;
    deploy(8);
    seq s;
    seq_open(&s);
    deposit(U.bob, 42);
    seq_batch_begin(&s);
    seq_block(&s, 1, NULL, 0, true);
    uint8_t out[32], wrong[32];
    seq_batch_post(&s, out);
    memcpy(wrong, out, 32);
    wrong[31] ^= 1;
    propose(0, wrong, 1);

    follower fo;
    follower_open(&fo, 0);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.batches == 1 && p.blocks == 1 && p.outputs_checked == 1 && p.mismatches == 1);
    assert_true(lm_derive_mismatches(fo.f) == 1);
    lm_derive_batch_info bi;
    must(lm_derive_batch(fo.f, 0, &bi, &err), &err, "batch 0");
    assert_true(bi.mismatch && bi.has_proposed);
    assert_memory_equal(bi.proposed_root, wrong, 32);
    assert_memory_equal(bi.output_root, out, 32);
    assert_same_chain(&fo, &s); /* the chain itself is right */
    int st = run_cli_check(); /* --check fails on the mismatch */
    assert_true(st == -1 || st == 1);
    /* the directory of another deployment is not resumed: re-derived */
    lm_derive_close(fo.f);
    deploy(8);
    lm_derive_options o;
    lm_derive_options_default(&o);
    o.confirmations = 0;
    must(lm_derive_open(&fo.f, fo.dir, &W.d, &W.rpc, &o, &err), &err, "open on another chain");
    assert_true(lm_derive_batch_count(fo.f) == 0 && lm_derive_mismatches(fo.f) == 0);
    uint64_t head;
    lm_derive_head(fo.f, &head, NULL);
    assert_true(head == 0);
    follower_close(&fo);
    seq_close(&s);
}

/* Garbage, a batch that does not continue the chain, and a batch with an
 * invalid block, each among good batches. */
static void test_bad_batches(void **state)
{
    (void)state;
    lm_err err;
    deploy(8);
    seq s;
    seq_open(&s);
    deposit(U.alice, 1000);
    uint8_t genesis_root_out[32];
    {
        lm_gl r[4];
        lm_statedb_root(s.db, r, NULL);
        lm_genesis_output_root(genesis_root_out, r, s.hashes[0]);
    }
    /* batch 0: garbage from the batcher */
    static const uint8_t garbage[] = {0x01, 0x00, 0xff, 0xff, 0xff, 0x13, 0x37};
    must(lm_rollup_append_batch(&W.batcher, &W.d, garbage, sizeof garbage, NULL, &err), &err,
         "garbage");
    /* batch 1: good (block 1: the deposit) */
    seq_batch_begin(&s);
    seq_block(&s, 1, NULL, 0, true);
    uint8_t out1[32];
    seq_batch_post(&s, out1);
    /* batch 2: the same batch again (its block 1 does not follow the head) */
    seq_batch_post(&s, out1);
    /* batch 3: block 2 valid, block 3 signed by carol, who has no account
     * (invalid), block 4 valid but after the invalid one */
    seq_batch_begin(&s);
    lm_tx t2[1] = {signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.bob, 10, 0, 0)};
    seq_block(&s, 1, t2, 1, true);
    uint8_t after_good[32];
    memcpy(after_good, s.head_hash, 32);
    lm_block_header keep_head = s.head;
    lm_tx t3[1] = {signed_tx(&s, LM_TX_TRANSFER, &U.carol_key, U.carol, U.bob, 1, 0, 0)};
    seq_block(&s, 1, t3, 1, false);
    /* seal block 4 on top of the unapplied block 3 */
    lm_block_hash(s.head_hash, &s.blocks[1].header);
    s.head = s.blocks[1].header;
    seq_block(&s, 1, NULL, 0, false);
    s.head = keep_head;
    memcpy(s.head_hash, after_good, 32);
    uint8_t unused[32];
    seq_batch_post(&s, unused);
    /* batch 4: good, continues from block 2 */
    seq_batch_begin(&s);
    lm_tx t4[1] = {signed_tx(&s, LM_TX_TRANSFER, &U.bob_key, U.bob, U.alice, 3, 0, 0)};
    seq_block(&s, 1, t4, 1, true);
    uint8_t out4[32];
    seq_batch_post(&s, out4);

    /* batches 5-8: one block 4 each, breaking one chain rule each */
    for (int k = 0; k < 4; k++) {
        seq_batch_begin(&s);
        seq_block(&s, 1, NULL, 0, false);
        lm_block_header *h = &s.blocks[0].header;
        if (k == 0)
            h->l1_origin_hash[5] ^= 1; /* not the canonical block */
        else if (k == 1)
            h->timestamp = s.head.timestamp - 1; /* before the parent */
        else if (k == 2)
            h->l1_messages_upto = 2; /* only 1 message was queued */
        else
            h->l1_origin_number += 1000; /* not before the batch's L1 block */
        seq_batch_post(&s, unused);
    }

    follower fo;
    follower_open(&fo, 0);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.batches == 9 && p.batches_ignored == 2 && p.blocks_rejected == 5);
    assert_true(p.blocks == 3 && p.head == 3);
    assert_same_chain(&fo, &s);
    lm_derive_batch_info bi;
    must(lm_derive_batch(fo.f, 0, &bi, &err), &err, "batch 0");
    assert_true(bi.status == LM_DERIVE_BATCH_IGNORED && bi.blocks_applied == 0);
    assert_true(strstr(bi.reason, "decode") != NULL);
    /* an ignored batch's output: the state before it, no withdrawals */
    assert_memory_equal(bi.output_root, genesis_root_out, 32);
    must(lm_derive_batch(fo.f, 1, &bi, &err), &err, "batch 1");
    assert_true(bi.status == LM_DERIVE_BATCH_APPLIED);
    assert_memory_equal(bi.output_root, out1, 32);
    must(lm_derive_batch(fo.f, 2, &bi, &err), &err, "batch 2");
    assert_true(bi.status == LM_DERIVE_BATCH_IGNORED && strstr(bi.reason, "continue") != NULL);
    assert_memory_equal(bi.output_root, out1, 32);
    must(lm_derive_batch(fo.f, 3, &bi, &err), &err, "batch 3");
    assert_true(bi.status == LM_DERIVE_BATCH_PARTIAL && bi.blocks_applied == 1 && bi.last_block == 2);
    assert_true(strstr(bi.reason, "block 3") != NULL);
    assert_memory_equal(bi.last_block_hash, after_good, 32);
    must(lm_derive_batch(fo.f, 4, &bi, &err), &err, "batch 4");
    assert_memory_equal(bi.output_root, out4, 32);
    static const char *const why[4] = {"another hash", "before the parent", "only 1 were queued",
                                       "not before the batch"};
    for (int k = 0; k < 4; k++) {
        must(lm_derive_batch(fo.f, 5 + (uint64_t)k, &bi, &err), &err, "batch 5+");
        assert_true(bi.status == LM_DERIVE_BATCH_PARTIAL && bi.blocks_applied == 0);
        if (!strstr(bi.reason, why[k]))
            fail_msg("batch %d: reason '%s'", 5 + k, bi.reason);
        assert_memory_equal(bi.output_root, out4, 32); /* nothing changed */
    }
    assert_false(has_account(&fo, U.carol));
    assert_true(account_of(&fo, U.bob).balance[0] == 10 - 3);
    assert_true(account_of(&fo, U.alice).balance[0] == 1000 - 10 + 3);
    follower_close(&fo);
    seq_close(&s);
}

/* A sequencer that omits a deposit past the sequencing window is overruled;
 * one still inside the window may wait. */
static void test_window_overrule(void **state)
{
    (void)state;
    lm_err err;
    deploy(4);
    seq s;
    seq_open(&s);
    deposit(U.bob, 777); /* message 0 */
    rpc_void("anvil_mine", "[\"0x5\"]");
    deposit(U.carol, 888); /* message 1: within the window of the next block */
    seq_batch_begin(&s);
    seq_block(&s, 0, NULL, 0, true); /* omits both */
    seq_block(&s, 0, NULL, 0, true);
    uint8_t out[32];
    seq_batch_post(&s, out);
    propose(0, out, 2);

    follower fo;
    follower_open(&fo, 0);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.batches == 1 && p.blocks == 2 && p.forced_messages == 1 && p.messages == 1);
    assert_true(p.head == 2);
    /* the follower's chain has the deposit, the sequencer's does not */
    assert_true(account_of(&fo, U.bob).balance[0] == 777);
    assert_false(has_account(&fo, U.carol));
    assert_true(lm_statedb_meta(lm_derive_statedb(fo.f))->l1_messages_done == 1);
    uint8_t h1[32], h2[32];
    must(lm_derive_block_hash(fo.f, 1, h1, &err), &err, "hash 1");
    must(lm_derive_block_hash(fo.f, 2, h2, &err), &err, "hash 2");
    assert_memory_not_equal(h1, s.hashes[1], 32);
    /* the derived block 1 says it consumed message 0; block 2 links to it */
    lm_store_view v;
    must(lm_store_read_begin(lm_statedb_store(lm_derive_statedb(fo.f)), &v, &err), &err, "view");
    lm_block_header b1, b2;
    must(lm_store_get_block(&v, 1, &b1, NULL, &err), &err, "block 1");
    must(lm_store_get_block(&v, 2, &b2, NULL, &err), &err, "block 2");
    lm_store_read_end(&v);
    assert_true(b1.l1_messages_upto == 1 && b2.l1_messages_upto == 1);
    uint8_t check[32];
    lm_block_hash(check, &b1);
    assert_memory_equal(check, h1, 32);
    assert_memory_equal(b2.parent_hash, h1, 32);
    /* so the sequencer's output root is a mismatch */
    assert_true(p.outputs_checked == 1 && p.mismatches == 1);
    follower_close(&fo);
    seq_close(&s);
}

/* Forced messages: a forced withdrawal and a forced transaction (its wire
 * bytes come from the ForcedTransaction event), included by the sequencer
 * in time, then a forced transaction it omits past the window. */
static void test_forced_messages(void **state)
{
    (void)state;
    lm_err err;
    deploy(4);
    seq s;
    seq_open(&s);
    deposit(U.alice, 1000); /* message 0 */
    seq_batch_begin(&s);
    seq_block(&s, 1, NULL, 0, true);
    uint8_t out0[32];
    seq_batch_post(&s, out0);

    uint8_t l1_recipient[20];
    memset(l1_recipient, 0x55, 20);
    must(lm_bridge_force_withdrawal(&W.user, &W.d, 0, 100, l1_recipient, NULL, &err), &err,
         "forceWithdrawal"); /* message 1: alice's own L2 account */
    seq_batch_begin(&s);
    lm_tx ft = signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.carol, 50, 5, 0);
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, &ft);
    must(lm_bridge_force_transaction(&W.user, &W.d, wire, sizeof wire, NULL, &err), &err,
         "forceTransaction"); /* message 2 */
    seq_block(&s, 3, NULL, 0, true);
    uint8_t out1[32];
    seq_batch_post(&s, out1);

    /* message 3: a forced transfer the sequencer leaves out past the window */
    lm_tx ft2 = signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.bob, 20, 0, 1);
    lm_tx_encode(wire, &ft2);
    must(lm_bridge_force_transaction(&W.user, &W.d, wire, sizeof wire, NULL, &err), &err,
         "forceTransaction");
    rpc_void("anvil_mine", "[\"0x5\"]");
    seq_batch_begin(&s);
    seq_block(&s, 3, NULL, 0, true);
    uint8_t out2[32];
    seq_batch_post(&s, out2);

    follower fo;
    follower_open(&fo, 0);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.batches == 3 && p.blocks == 3 && p.messages == 4 && p.forced_messages == 1);
    lm_derive_batch_info bi;
    must(lm_derive_batch(fo.f, 1, &bi, &err), &err, "batch 1");
    assert_memory_equal(bi.output_root, out1, 32); /* in time: the same chain */
    assert_true(bi.withdrawal_count == 1);
    lm_withdrawal w = {0, {0}, {0}, 0, 100};
    memcpy(w.l2_sender, U.alice, 20);
    memcpy(w.l1_recipient, l1_recipient, 20);
    uint8_t leaf[32];
    lm_withdrawal_leaf(leaf, &w);
    assert_memory_equal(bi.withdrawals_root, leaf, 32);
    must(lm_derive_batch(fo.f, 2, &bi, &err), &err, "batch 2");
    assert_memory_not_equal(bi.output_root, out2, 32); /* overruled */
    /* alice: 1000 - 100 (forced withdrawal) - 50 - 5 (forced tx) - 20 (forced past the window) */
    assert_true(account_of(&fo, U.alice).balance[0] == 1000 - 100 - 50 - 5 - 20);
    assert_true(account_of(&fo, U.carol).balance[0] == 50);
    assert_true(account_of(&fo, U.bob).balance[0] == 20);
    assert_true(account_of(&fo, W.d.batcher).balance[0] == 5);
    lm_derive_stats st;
    lm_derive_get_stats(fo.f, &st);
    assert_true(st.deposits == 1 && st.forced_withdrawals == 1 && st.forced_txs == 2);
    assert_true(st.forced_messages == 1 && st.blocks == 3 && st.batches == 3);
    follower_close(&fo);
    seq_close(&s);
}

/* ---- the follower's HTTP endpoint ------------------------------------------------------ */

typedef struct body {
    char b[16384];
    size_t n;
} body;

static size_t collect(char *d, size_t sz, size_t n, void *u)
{
    body *b = u;
    size_t add = sz * n;
    if (add > sizeof b->b - 1 - b->n)
        add = sizeof b->b - 1 - b->n;
    memcpy(b->b + b->n, d, add);
    b->n += add;
    b->b[b->n] = '\0';
    return sz * n;
}

/* GET http://127.0.0.1:port/path into *out; returns the HTTP status. */
static long http_get(int port, const char *path, body *out)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    out->n = 0;
    out->b[0] = '\0';
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

/* The sample `series` ("name" or "name{labels}") in a Prometheus text body:
 * true and *v when present (one line "series value"). */
static bool sample(const body *b, const char *series, uint64_t *v)
{
    size_t n = strlen(series);
    for (const char *line = b->b; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > n && memcmp(line, series, n) == 0 && line[n] == ' ') {
            char num[32];
            size_t k = len - n - 1;
            assert_true(k > 0 && k < sizeof num);
            memcpy(num, line + n + 1, k);
            num[k] = '\0';
            char *e;
            *v = strtoull(num, &e, 10);
            assert_true(*e == '\0' || *e == '.');
            return true;
        }
        line += len + (end ? 1 : 0);
    }
    return false;
}

static uint64_t metric(const body *b, const char *series)
{
    uint64_t v = 0;
    if (!sample(b, series, &v))
        fail_msg("/metrics lacks %s:\n%s", series, b->b);
    return v;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A follower's /metrics and lamina_status: a garbage batch (ignored), a
 * deposit, a forced withdrawal and a forced transaction, three outputs of
 * which one is wrong, read two confirmations behind an L1 head whose last
 * blocks are 60 s apart. */
static void test_metrics(void **state)
{
    (void)state;
    lm_err err;
    deploy(8);
    seq s;
    seq_open(&s);
    uint8_t genesis_out[32];
    {
        lm_gl r[4];
        lm_statedb_root(s.db, r, NULL);
        lm_genesis_output_root(genesis_out, r, s.hashes[0]);
    }
    deposit(U.alice, 1000); /* message 0 */
    static const uint8_t garbage[] = {0x01, 0x00, 0xfe, 0xed};
    must(lm_rollup_append_batch(&W.batcher, &W.d, garbage, sizeof garbage, NULL, &err), &err,
         "garbage"); /* batch 0 */
    seq_batch_begin(&s);
    lm_tx t1[1] = {signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.bob, 10, 0, 0)};
    seq_block(&s, 1, t1, 1, true);
    uint8_t out1[32];
    seq_batch_post(&s, out1); /* batch 1: block 1 */
    uint8_t l1_recipient[20];
    memset(l1_recipient, 0x66, 20);
    must(lm_bridge_force_withdrawal(&W.user, &W.d, 0, 100, l1_recipient, NULL, &err), &err,
         "forceWithdrawal"); /* message 1 */
    seq_batch_begin(&s);
    lm_tx ft = signed_tx(&s, LM_TX_TRANSFER, &U.alice_key, U.alice, U.carol, 50, 5, 1);
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, &ft);
    must(lm_bridge_force_transaction(&W.user, &W.d, wire, sizeof wire, NULL, &err), &err,
         "forceTransaction"); /* message 2 */
    seq_block(&s, 3, NULL, 0, true);
    uint8_t out2[32], wrong[32];
    seq_batch_post(&s, out2); /* batch 2: block 2 */
    memcpy(wrong, out2, 32);
    wrong[0] ^= 0x80;
    propose(0, genesis_out, 0);
    propose(1, out1, 1);
    propose(2, wrong, 2);
    /* two more L1 blocks, 60 s apart: the follower reads two behind them */
    rpc_void("anvil_mine", "[\"0x2\", \"0x3c\"]");
    lm_l1_header head, read;
    must(lm_rpc_get_block_by_number(&W.rpc, &head, lm_block_tagged(LM_BLOCK_LATEST), &err), &err,
         "head");
    must(lm_rpc_get_block_by_number(&W.rpc, &read, lm_block_at(head.number - 2), &err), &err,
         "head - 2");
    /* 60 s apart, plus whatever wall-clock time passed while mining */
    uint64_t lag_s = head.timestamp - read.timestamp;
    assert_true(lag_s >= 120 && lag_s < 180);

    follower fo;
    follower_open(&fo, 2);
    lm_rpcd *http;
    must(lm_derive_serve(&http, fo.f, NULL, &err), &err, "serve");
    int port = lm_rpcd_port(http);
    assert_true(port > 0);
    body b;
    assert_int_equal(http_get(port, "/health", &b), 200);
    assert_string_equal(b.b, "ok");

    /* before the first poll: nothing derived, no L1 gauges yet */
    assert_int_equal(http_get(port, "/metrics", &b), 200);
    assert_true(metric(&b, "lamina_derive_polls_total") == 0);
    assert_true(metric(&b, "lamina_derive_l2_head") == 0);
    assert_true(metric(&b, "lamina_derive_confirmations") == 2);
    uint64_t v;
    assert_false(sample(&b, "lamina_derive_l1_head", &v));
    assert_false(sample(&b, "lamina_derive_l1_lag_blocks", &v));
    assert_false(sample(&b, "lamina_derive_last_poll_timestamp_seconds", &v));

    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.batches == 3 && p.mismatches == 1 && !p.more);
    assert_int_equal(http_get(port, "/metrics", &b), 200);
    assert_true(metric(&b, "lamina_derive_polls_total") == 1);
    assert_true(metric(&b, "lamina_derive_poll_errors_total") == 0);
    assert_true(metric(&b, "lamina_derive_batches_total") == 3);
    assert_true(metric(&b, "lamina_derive_batches_ignored_total") == 1);
    assert_true(metric(&b, "lamina_derive_blocks_total") == 2);
    assert_true(metric(&b, "lamina_derive_blocks_rejected_total") == 0);
    assert_true(metric(&b, "lamina_derive_l1_messages_total{kind=\"deposit\"}") == 1);
    assert_true(metric(&b, "lamina_derive_l1_messages_total{kind=\"forced_withdrawal\"}") == 1);
    assert_true(metric(&b, "lamina_derive_l1_messages_total{kind=\"forced_transaction\"}") == 1);
    assert_true(metric(&b, "lamina_derive_l1_messages_forced_total") == 0);
    assert_true(metric(&b, "lamina_derive_outputs_checked_total") == 3);
    assert_true(metric(&b, "lamina_derive_outputs_matched_total") == 2);
    assert_true(metric(&b, "lamina_derive_outputs_mismatched_total") == 1);
    assert_true(metric(&b, "lamina_derive_output_mismatches") == 1);
    assert_true(metric(&b, "lamina_derive_reorgs_total") == 0);
    assert_true(metric(&b, "lamina_derive_rederivations_total") == 0);
    assert_true(metric(&b, "lamina_derive_l2_head") == 2);
    assert_true(metric(&b, "lamina_derive_batch_count") == 3);
    assert_true(metric(&b, "lamina_derive_l1_head") == head.number);
    assert_true(metric(&b, "lamina_derive_l1_block") == head.number - 2);
    assert_true(metric(&b, "lamina_derive_l1_lag_blocks") == 2);
    assert_true(metric(&b, "lamina_derive_l1_lag_seconds") == lag_s);
    assert_true(metric(&b, "lamina_derive_last_poll_timestamp_seconds") > 1700000000);
    /* the exposition format: one HELP and TYPE per family, then its samples */
    assert_true(count_of(b.b, "# TYPE lamina_derive_l1_messages_total counter\n") == 1);
    assert_non_null(strstr(b.b, "# HELP lamina_derive_blocks_total L2 blocks derived\n"
                                "# TYPE lamina_derive_blocks_total counter\n"
                                "lamina_derive_blocks_total 2\n"));
    assert_non_null(strstr(b.b, "# TYPE lamina_derive_l2_head gauge\nlamina_derive_l2_head 2\n"));

    /* the same over JSON-RPC */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    lm_rpc fr;
    must(lm_rpc_init(&fr, url, NULL, &err), &err, "client");
    json_t *st = NULL;
    must(lm_rpc_call(&fr, &st, "lamina_status", NULL, &err), &err, "lamina_status");
    assert_true(json_integer_value(json_object_get(st, "chainId")) ==
                (json_int_t)W.d.config.l2_chain_id);
    assert_true(json_integer_value(json_object_get(st, "outputsMismatched")) == 1);
    assert_true(json_integer_value(json_object_get(st, "batchesIgnored")) == 1);
    assert_true(json_integer_value(json_object_get(st, "l1LagSeconds")) == (json_int_t)lag_s);
    assert_true(json_integer_value(json_object_get(st, "l2Head")) == 2);
    json_decref(st);
    json_t *cid = NULL;
    must(lm_rpc_call(&fr, &cid, "lamina_chainId", NULL, &err), &err, "lamina_chainId");
    assert_true(json_integer_value(cid) == (json_int_t)W.d.config.l2_chain_id);
    json_decref(cid);
    assert_int_equal(lm_rpc_call(&fr, &st, "lamina_status", "[1]", &err), LM_ERPC);
    lm_rpc_free(&fr);

    /* a poll with nothing new: only the poll count moves; the lag follows
     * the head */
    rpc_void("anvil_mine", "[\"0x1\", \"0x3c\"]");
    lm_l1_header head2;
    must(lm_rpc_get_block_by_number(&W.rpc, &head2, lm_block_at(head.number + 1), &err), &err,
         "head + 1");
    must(lm_rpc_get_block_by_number(&W.rpc, &read, lm_block_at(head.number - 1), &err), &err,
         "head - 1");
    poll_ok(&fo);
    assert_int_equal(http_get(port, "/metrics", &b), 200);
    assert_true(metric(&b, "lamina_derive_polls_total") == 2);
    assert_true(metric(&b, "lamina_derive_batches_total") == 3);
    assert_true(metric(&b, "lamina_derive_outputs_checked_total") == 3);
    assert_true(metric(&b, "lamina_derive_l1_head") == head.number + 1);
    assert_true(metric(&b, "lamina_derive_l1_block") == head.number - 1);
    assert_true(metric(&b, "lamina_derive_l1_lag_blocks") == 2);
    assert_true(metric(&b, "lamina_derive_l1_lag_seconds") == head2.timestamp - read.timestamp);
    lm_rpcd_free(http);
    /* the command line serves the same with --metrics (and --check still
     * fails on the mismatch); a malformed address is a usage error */
    char out[4096];
    int cst = run_cli("--metrics 127.0.0.1:0", out, sizeof out);
    if (cst != -1) {
        assert_int_equal(cst, 1);
        if (!strstr(out, "metrics: http://127.0.0.1:"))
            fail_msg("lamina node --follow --metrics printed:\n%s", out);
        assert_int_equal(run_cli("--metrics 127.0.0.1", NULL, 0), 2);
        assert_int_equal(run_cli("--metrics 127.0.0.1:65536", NULL, 0), 2);
    }
    /* alice: 1000 - 10 - 100 (forced withdrawal) - 50 - 5 (forced tx) */
    assert_true(account_of(&fo, U.alice).balance[0] == 1000 - 10 - 100 - 50 - 5);
    follower_close(&fo);
    seq_close(&s);
}

static void snapshot(char params[96])
{
    lm_err err;
    json_t *snap;
    must(lm_rpc_call(&W.rpc, &snap, "evm_snapshot", NULL, &err), &err, "evm_snapshot");
    assert_true(json_is_string(snap));
    snprintf(params, 96, "[\"%s\"]", json_string_value(snap));
    json_decref(snap);
}

static void revert_to(const char *params)
{
    lm_err err;
    json_t *ok;
    must(lm_rpc_call(&W.rpc, &ok, "evm_revert", params, &err), &err, "evm_revert");
    assert_true(json_is_true(ok));
    json_decref(ok);
    must(lm_l1_signer_sync_nonce(&W.batcher, &err), &err, "nonce");
    must(lm_l1_signer_sync_nonce(&W.proposer, &err), &err, "nonce");
    must(lm_l1_signer_sync_nonce(&W.user, &err), &err, "nonce");
}

/* L1 reorgs: one that removes a derived batch (re-derived on the new
 * branch) and one that removes only blocks without batches. */
static void test_reorg(void **state)
{
    (void)state;
    lm_err err;
    deploy(100);
    deposit(U.bob, 1234);
    follower fo;
    follower_open(&fo, 0);

    char snap[96];
    snapshot(snap);
    seq s1;
    seq_open(&s1);
    seq_batch_begin(&s1);
    seq_block(&s1, 1, NULL, 0, true);
    uint8_t out[32];
    seq_batch_post(&s1, out);
    lm_derive_progress p = poll_ok(&fo);
    assert_true(p.batches == 1 && p.head == 1 && !p.reorg);
    assert_same_chain(&fo, &s1);

    /* the batch is reorged away; another one replaces it */
    revert_to(snap);
    rpc_void("anvil_mine", "[\"0x1\"]"); /* the origin differs too */
    seq s2;
    seq_open(&s2);
    seq_batch_begin(&s2);
    lm_tx t[1] = {signed_tx(&s2, LM_TX_TRANSFER, &U.bob_key, U.bob, U.carol, 34, 0, 0)};
    seq_block(&s2, 1, t, 1, true);
    seq_batch_post(&s2, out);
    assert_memory_not_equal(s1.hashes[1], s2.hashes[1], 32);
    p = poll_ok(&fo);
    assert_true(p.reorg && p.rederived);
    assert_true(p.batches == 1 && p.head == 1);
    assert_same_chain(&fo, &s2);
    assert_true(account_of(&fo, U.carol).balance[0] == 34);
    lm_derive_batch_info bi;
    must(lm_derive_batch(fo.f, 0, &bi, &err), &err, "batch 0");
    assert_memory_equal(bi.output_root, out, 32);

    /* a reorg of blocks without batches: nothing derived changes */
    snapshot(snap);
    rpc_void("anvil_mine", "[\"0x3\"]");
    p = poll_ok(&fo);
    assert_false(p.reorg);
    revert_to(snap);
    rpc_void("anvil_mine", "[\"0x1\"]");
    p = poll_ok(&fo);
    assert_true(p.reorg && !p.rederived && p.head == 1);
    assert_same_chain(&fo, &s2);
    /* and derivation goes on after it */
    seq_batch_begin(&s2);
    seq_block(&s2, 1, NULL, 0, true);
    seq_batch_post(&s2, out);
    propose(0, bi.output_root, 1);
    propose(1, out, 2);
    p = poll_ok(&fo);
    assert_true(!p.reorg && p.batches == 1 && p.head == 2 && p.outputs_checked == 2 &&
                p.mismatches == 0);
    assert_same_chain(&fo, &s2);

    /* a deposit read but not consumed is reorged away and replaced by
     * another: the follower forgets the first, uses the second */
    snapshot(snap);
    deposit(U.carol, 1111); /* message 1 on this branch */
    p = poll_ok(&fo);
    assert_false(p.reorg);
    revert_to(snap);
    rpc_void("anvil_mine", "[\"0x1\"]");
    deposit(U.carol, 2222); /* message 1 on the new branch */
    p = poll_ok(&fo);
    assert_true(p.reorg && !p.rederived);
    seq_batch_begin(&s2);
    seq_block(&s2, 2, NULL, 0, true);
    seq_batch_post(&s2, out);
    p = poll_ok(&fo);
    assert_true(p.batches == 1 && p.messages == 1 && p.head == 3);
    assert_same_chain(&fo, &s2);
    assert_true(account_of(&fo, U.carol).balance[0] == 34 + 2222);
    /* the statistics count three reorgs, one of them re-derived */
    lm_derive_stats st;
    lm_derive_get_stats(fo.f, &st);
    assert_true(st.reorgs == 3 && st.rederivations == 1);
    assert_true(st.polls == 8 && st.poll_errors == 0);
    /* blocks: 1, 1 again on the new branch, then 2 and 3 */
    assert_true(st.blocks == 4 && st.l2_head == 3 && st.batch_count == 3);
    /* the two outputs, twice: the last reorg set the read mark back to
     * batch 1's L1 block, below the two proposals, which were read and
     * checked again */
    assert_true(st.outputs_checked == 4 && st.outputs_matched == 4 && st.mismatches == 0);
    seq_close(&s1);
    seq_close(&s2);
    follower_close(&fo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),         cmocka_unit_test(test_derive_matches),
        cmocka_unit_test(test_wrong_output),    cmocka_unit_test(test_bad_batches),
        cmocka_unit_test(test_window_overrule), cmocka_unit_test(test_forced_messages),
        cmocka_unit_test(test_reorg),           cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
