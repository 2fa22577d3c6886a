/* The L1 client against a real node: anvil (Foundry), started by this test
 * on 127.0.0.1 at a free port through lm_anvil and stopped at the end — also
 * when the test fails or crashes: anvil runs in its own process group and is
 * killed with this process (PR_SET_PDEATHSIG), however it ends.
 *
 * Checks: chain id, blocks, a signed EIP-1559 transfer from anvil's first
 * default key with its receipt and balance changes, calldata read back with
 * eth_getTransactionByHash, logs from a tiny hand-assembled contract
 * (paged), nonce resync after "nonce too low", replacement with bumped fees
 * while automining is off, a wait that gives up early (LM_EDROPPED) on a
 * transaction that can no longer be mined (dropped from the pool, its nonce
 * taken, behind a nonce gap), and a reorg made with evm_snapshot /
 * evm_revert that the follower must report with the right first
 * rolled-back block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lamina/bytes.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_reorg.h"
#include "lamina/l1_rpc.h"
#include "lamina/l1_tx.h"
#include "lamina/log.h"
#include "lamina/secp256k1.h"

#include "../anvil_world.h"

#define ANVIL_LOG LM_BINARY_DIR "/test_l1_anvil.log"

/* anvil's second default account (public test key, never for value) */
static const char ADDR1[] = "70997970c51812dc3a010c7d01b50e0d17dc79c8";

static lm_anvil g_anvil; /* lm_anvil: its own process group, dies with us */
#define g_url (g_anvil.url)

static int group_setup(void **state)
{
    (void)state;
    lm_log_set_level(LM_LOG_WARN);
    lm_err err;
    unlink(ANVIL_LOG);
    if (lm_anvil_start(&g_anvil, NULL, NULL, ANVIL_LOG, &err) != LM_OK) {
        fprintf(stderr, "could not start anvil: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    lm_anvil_stop(&g_anvil);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

static void client(lm_rpc *rpc)
{
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.timeout_ms = 5000;
    lm_err err;
    assert_int_equal(lm_rpc_init(rpc, g_url, &o, &err), LM_OK);
}


static void addr1(uint8_t a[20])
{
    lm_err err;
    assert_int_equal(lm_hex_decode_exact(a, 20, ADDR1, 40, LM_HEX_PREFIX_FORBIDDEN, &err), LM_OK);
}

static void signer0(lm_l1_signer *s, lm_rpc *rpc)
{
    lm_seckey k;
    lm_err err;
    must(aw_key_from_hex(&k, LM_ANVIL_KEY0, &err), &err, "key 0");
    must(lm_l1_signer_init(s, rpc, &k, 0, NULL, &err), &err, "signer init");
    lm_seckey_wipe(&k);
}

static lm_l1_wait_opts quick_wait(void)
{
    lm_l1_wait_opts w;
    lm_l1_wait_opts_default(&w);
    w.timeout_ms = 20000;
    w.poll_ms = 20;
    return w;
}

/* A generic call whose result is ignored. */
static void call(lm_rpc *rpc, const char *method, const char *params)
{
    aw_rpc_void(rpc, method, params);
}

/* The start of the transfer tests: a client, a signer with key 0 on it, and
 * a zeroed request to account 1 (whose address lands in to). */
static void transfer_start(lm_rpc *rpc, lm_l1_signer *s, uint8_t to[20], lm_l1_tx_request *req)
{
    client(rpc);
    signer0(s, rpc);
    addr1(to);
    memset(req, 0, sizeof *req);
    req->to = to;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_chain_basics(void **state)
{
    (void)state;
    lm_rpc rpc;
    client(&rpc);
    lm_err err;
    uint64_t id = 0, n = 99;
    must(lm_rpc_chain_id(&rpc, &id, &err), &err, "chainId");
    assert_true(id == 31337);
    must(lm_rpc_block_number(&rpc, &n, &err), &err, "blockNumber");
    lm_l1_header h, g, byhash;
    must(lm_rpc_get_block_by_number(&rpc, &h, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "latest");
    assert_true(h.number >= n);
    assert_true(h.has_base_fee);
    must(lm_rpc_get_block_by_number(&rpc, &g, lm_block_at(0), &err), &err, "block 0");
    assert_true(g.number == 0);
    must(lm_rpc_get_block_by_hash(&rpc, &byhash, h.hash, &err), &err, "by hash");
    assert_memory_equal(byhash.hash, h.hash, 32);
    must(lm_rpc_get_block_by_number(&rpc, &g, lm_block_tagged(LM_BLOCK_FINALIZED), &err), &err, "finalized");
    must(lm_rpc_get_block_by_number(&rpc, &g, lm_block_tagged(LM_BLOCK_SAFE), &err), &err, "safe");
    assert_int_equal(lm_rpc_get_block_by_number(&rpc, &g, lm_block_at(1u << 30), &err), LM_ENOTFOUND);
    lm_u256 bal;
    uint8_t a1[20];
    addr1(a1);
    must(lm_rpc_get_balance(&rpc, &bal, a1, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "balance");
    assert_false(lm_u256_is_zero(&bal));
    lm_l1_fees f;
    lm_l1_fee_policy p;
    lm_l1_fee_policy_default(&p);
    must(lm_l1_fees_estimate(&rpc, &f, &p, &err), &err, "fees");
    assert_true(lm_u256_cmp(&f.max_fee_per_gas, &f.max_priority_fee_per_gas) > 0);
    /* an unknown method is a JSON-RPC error, with the server's code */
    json_t *res;
    assert_int_equal(lm_rpc_call(&rpc, &res, "eth_noSuchMethod", NULL, &err), LM_ERPC);
    assert_true(rpc.fault.rpc_code != 0);
    lm_rpc_free(&rpc);
}

static void test_transfer(void **state)
{
    (void)state;
    lm_rpc rpc;
    lm_l1_signer s;
    uint8_t to[20];
    lm_l1_tx_request req;
    transfer_start(&rpc, &s, to, &req);
    lm_err err;
    lm_u256 from_before, to_before, from_after, to_after;
    must(lm_rpc_get_balance(&rpc, &from_before, s.address, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "bal");
    must(lm_rpc_get_balance(&rpc, &to_before, to, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "bal");
    uint64_t nonce_before;
    must(lm_rpc_get_transaction_count(&rpc, &nonce_before, s.address, lm_block_tagged(LM_BLOCK_PENDING), &err), &err, "nonce");

    static const uint8_t payload[] = "lamina batch bytes \x00\x01\x02\xff";
    req.value = lm_u256_from_u64(1500000000000000000ull); /* 1.5 ETH */
    req.data = payload;
    req.data_len = sizeof payload - 1;
    lm_l1_receipt r;
    lm_l1_sent_tx sent;
    lm_l1_wait_opts w = quick_wait();
    must(lm_l1_signer_send_and_wait(&s, &r, &sent, &req, &w, &err), &err, "send_and_wait");
    assert_true(r.status);
    assert_true(r.type == 2);
    assert_memory_equal(r.tx_hash, sent.hashes[0], 32);
    assert_memory_equal(r.from, s.address, 20);
    assert_true(r.has_to);
    assert_memory_equal(r.to, to, 20);
    assert_true(r.gas_used > 21000 && r.gas_used <= sent.tx.gas_limit);
    assert_true(sent.tx.nonce == nonce_before);
    assert_true(s.next_nonce == nonce_before + 1);

    /* balances: the recipient got the value, the sender paid value + gas */
    must(lm_rpc_get_balance(&rpc, &from_after, s.address, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "bal");
    must(lm_rpc_get_balance(&rpc, &to_after, to, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "bal");
    lm_u256 got, paid, gas = lm_u256_from_u64(r.gas_used), fee, want;
    assert_true(lm_u256_sub(&got, &to_after, &to_before));
    assert_true(lm_u256_eq(&got, &req.value));
    assert_true(lm_u256_sub(&paid, &from_before, &from_after));
    assert_true(lm_u256_mul(&fee, &gas, &r.effective_gas_price));
    assert_true(lm_u256_add(&want, &fee, &req.value));
    assert_true(lm_u256_eq(&paid, &want));

    /* the calldata reads back through eth_getTransactionByHash */
    lm_l1_tx_info t;
    must(lm_rpc_get_transaction(&rpc, &t, sent.hashes[0], &err), &err, "getTransactionByHash");
    /* anvil may serve the receipt a moment before its transaction index
     * says mined: ask again for a little while */
    for (int i = 0; i < 100 && !t.mined; i++) {
        lm_l1_tx_info_free(&t);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        must(lm_rpc_get_transaction(&rpc, &t, sent.hashes[0], &err), &err, "getTransactionByHash");
    }
    if (!(t.mined && t.block_number == r.block_number && t.type == 2))
        fail_msg("tx: mined %d block %llu (receipt %llu) type %u", t.mined,
                 (unsigned long long)t.block_number, (unsigned long long)r.block_number, t.type);
    assert_int_equal(t.input_len, sizeof payload - 1);
    assert_memory_equal(t.input, payload, sizeof payload - 1);
    assert_true(lm_u256_eq(&t.value, &req.value));
    assert_memory_equal(t.from, s.address, 20);
    assert_true(t.nonce == nonce_before);
    lm_l1_tx_info_free(&t);

    /* a receipt with 2 confirmations waits for one more block */
    uint64_t head;
    must(lm_rpc_block_number(&rpc, &head, &err), &err, "head");
    lm_l1_receipt r2;
    w.confirmations = 2;
    w.timeout_ms = 200;
    assert_int_equal(lm_l1_signer_wait(&s, &r2, &sent, &w, &err), head == r.block_number ? LM_ETIMEOUT : LM_OK);
    if (head == r.block_number) {
        call(&rpc, "evm_mine", NULL);
        must(lm_l1_signer_wait(&s, &r2, &sent, &w, &err), &err, "wait 2 confirmations");
    }
    assert_true(r2.block_number == r.block_number);
    lm_l1_receipt_free(&r2);

    lm_l1_receipt_free(&r);
    lm_l1_sent_tx_free(&sent);
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
}

static void test_nonce_resync(void **state)
{
    (void)state;
    lm_rpc rpc;
    lm_l1_signer s;
    uint8_t to[20];
    lm_l1_tx_request req;
    transfer_start(&rpc, &s, to, &req);
    lm_err err;
    req.value = lm_u256_from_u64(1);
    req.gas_limit = 21000;
    lm_l1_receipt r;
    lm_l1_wait_opts w = quick_wait();
    must(lm_l1_signer_send_and_wait(&s, &r, NULL, &req, &w, &err), &err, "first");
    lm_l1_receipt_free(&r);
    /* a stale local nonce: the node says "nonce too low", the signer
     * re-reads the pending nonce and succeeds */
    uint64_t right = s.next_nonce;
    assert_true(right >= 1);
    s.next_nonce = 0;
    lm_l1_sent_tx sent;
    must(lm_l1_signer_send(&s, &sent, &req, &err), &err, "send with stale nonce");
    assert_true(sent.tx.nonce == right);
    assert_true(s.next_nonce == right + 1);
    must(lm_l1_signer_wait(&s, &r, &sent, &w, &err), &err, "wait");
    assert_true(r.status);
    lm_l1_receipt_free(&r);
    lm_l1_sent_tx_free(&sent);

    /* a refusal that is not about the nonce is final and keeps the nonce */
    req.value = LM_U256_MAX;
    uint64_t before = s.next_nonce;
    assert_int_equal(lm_l1_signer_send(&s, &sent, &req, &err), LM_ERPC);
    assert_true(s.next_nonce == before && s.nonce_known);
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
}

static void test_replacement(void **state)
{
    (void)state;
    lm_rpc rpc;
    lm_l1_signer s;
    uint8_t to[20];
    lm_l1_tx_request req;
    transfer_start(&rpc, &s, to, &req);
    lm_err err;
    call(&rpc, "evm_setAutomine", "[false]");
    req.value = lm_u256_from_u64(7);
    req.gas_limit = 21000;
    lm_l1_sent_tx sent;
    must(lm_l1_signer_send(&s, &sent, &req, &err), &err, "send");
    /* stuck (nothing is mined): replace it with higher fees */
    lm_l1_tx1559 first = sent.tx;
    must(lm_l1_signer_replace(&s, &sent, &err), &err, "replace");
    assert_int_equal(sent.n_hashes, 2);
    assert_true(sent.tx.nonce == first.nonce);
    /* both fees rose by at least 12.5% */
    lm_u256 eight = lm_u256_from_u64(8), nine = lm_u256_from_u64(9), a, b;
    assert_true(lm_u256_mul(&a, &sent.tx.max_fee_per_gas, &eight));
    assert_true(lm_u256_mul(&b, &first.max_fee_per_gas, &nine));
    assert_true(lm_u256_cmp(&a, &b) >= 0);
    assert_true(lm_u256_mul(&a, &sent.tx.max_priority_fee_per_gas, &eight));
    assert_true(lm_u256_mul(&b, &first.max_priority_fee_per_gas, &nine));
    assert_true(lm_u256_cmp(&a, &b) >= 0);
    call(&rpc, "evm_mine", NULL);
    lm_l1_receipt r;
    lm_l1_wait_opts w = quick_wait();
    must(lm_l1_signer_wait(&s, &r, &sent, &w, &err), &err, "wait");
    /* the replacement was mined, the original never will be */
    assert_memory_equal(r.tx_hash, sent.hashes[1], 32);
    lm_l1_receipt old;
    assert_int_equal(lm_rpc_get_receipt(&rpc, &old, sent.hashes[0], &err), LM_ENOTFOUND);
    lm_l1_receipt_free(&r);
    /* replacing a mined one: the node says the nonce is used; that is fine */
    must(lm_l1_signer_replace(&s, &sent, &err), &err, "replace mined");
    assert_int_equal(sent.n_hashes, 2);
    lm_l1_sent_tx_free(&sent);
    call(&rpc, "evm_setAutomine", "[true]");
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
}

static uint64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* anvil_dropTransaction: removes a transaction from anvil's pool, as a node
 * under pressure (or a reorg that does not return it) would. */
static void drop_from_pool(lm_rpc *rpc, const uint8_t hash[32])
{
    char p[80];
    p[0] = '[';
    p[1] = '"';
    lm_hex_encode(p + 2, hash, 32, true);
    snprintf(p + 68, sizeof p - 68, "\"]");
    call(rpc, "anvil_dropTransaction", p);
}

/* Waits on sent; expects LM_EDROPPED with `why` in the message, not before
 * min_ms and well before the wait's timeout (20 s), and the local nonce
 * marked unknown. */
static void expect_dropped(lm_l1_signer *s, lm_l1_sent_tx *sent, const char *why, uint64_t min_ms)
{
    lm_err err;
    lm_l1_receipt r;
    lm_l1_wait_opts w = quick_wait();
    uint64_t t0 = ms_now();
    lm_code rc = lm_l1_signer_wait(s, &r, sent, &w, &err);
    uint64_t ms = ms_now() - t0;
    if (rc != LM_EDROPPED || !strstr(err.msg, why))
        fail_msg("wait: %s (%s), expected EDROPPED '%s'", err.msg, lm_code_name(rc), why);
    /* two polls of 20 ms and their lookups: far below the 20 s timeout */
    if (ms < min_ms || ms > 5000)
        fail_msg("dropped noticed after %llu ms", (unsigned long long)ms);
    assert_false(s->nonce_known);
}

/* A transaction that will never be mined is noticed while waiting: gone
 * from the pool, its nonce taken by another transaction, or queued behind a
 * nonce gap; one that is merely pending (or replaced by the signer itself)
 * is waited for as before. */
static void test_dropped(void **state)
{
    (void)state;
    lm_rpc rpc;
    lm_l1_signer s;
    uint8_t to[20];
    lm_l1_tx_request req;
    transfer_start(&rpc, &s, to, &req);
    lm_err err;
    call(&rpc, "evm_setAutomine", "[false]");
    req.gas_limit = 21000;

    /* pending, not mined: the timeout, not a drop */
    req.value = lm_u256_from_u64(1);
    lm_l1_sent_tx sent;
    must(lm_l1_signer_send(&s, &sent, &req, &err), &err, "send");
    lm_l1_receipt r;
    lm_l1_wait_opts w = quick_wait();
    w.timeout_ms = 300;
    assert_int_equal(lm_l1_signer_wait(&s, &r, &sent, &w, &err), LM_ETIMEOUT);
    /* replaced by the signer itself: the replacement is known, still waiting */
    must(lm_l1_signer_replace(&s, &sent, &err), &err, "replace");
    assert_int_equal(lm_l1_signer_wait(&s, &r, &sent, &w, &err), LM_ETIMEOUT);

    /* 1. gone from the pool (anvil_dropTransaction; an L1 reorg that does
     * not put it back looks the same) */
    drop_from_pool(&rpc, sent.hashes[1]);
    lm_l1_tx_info t;
    assert_int_equal(lm_rpc_get_transaction(&rpc, &t, sent.hashes[1], &err), LM_ENOTFOUND);
    /* with detection off, the old behaviour: the full timeout */
    w.drop_polls = 0;
    assert_int_equal(lm_l1_signer_wait(&s, &r, &sent, &w, &err), LM_ETIMEOUT);
    assert_true(s.nonce_known);
    /* never seen by this wait: counted only after the grace, 10 polls */
    expect_dropped(&s, &sent, "unknown to the node", 10 * 20);
    uint64_t nonce = sent.tx.nonce;
    lm_l1_sent_tx_free(&sent);

    /* 2. its nonce taken by another transaction: a second signer with the
     * same key sends a different transfer with the same nonce and higher
     * fees (the node replaces ours in its pool), and it is mined */
    req.value = lm_u256_from_u64(2);
    must(lm_l1_signer_send(&s, &sent, &req, &err), &err, "send again");
    assert_true(sent.tx.nonce == nonce); /* re-read: the dropped one left no trace */
    lm_l1_signer other;
    signer0(&other, &rpc);
    other.nonce_known = true;
    other.next_nonce = nonce;
    lm_l1_fees old = {sent.tx.max_fee_per_gas, sent.tx.max_priority_fee_per_gas}, more;
    must(lm_l1_fees_bump(&more, &old, &err), &err, "bump");
    lm_l1_tx_request req2 = req;
    req2.value = lm_u256_from_u64(3);
    req2.fees = &more;
    lm_l1_sent_tx sent2;
    must(lm_l1_signer_send(&other, &sent2, &req2, &err), &err, "other send");
    assert_true(sent2.tx.nonce == nonce);
    call(&rpc, "evm_mine", NULL);
    expect_dropped(&s, &sent, "taken by another transaction", 0);
    w = quick_wait();
    must(lm_l1_signer_wait(&other, &r, &sent2, &w, &err), &err, "the other one");
    assert_true(r.status);
    lm_l1_receipt_free(&r);
    lm_l1_sent_tx_free(&sent2);
    lm_l1_sent_tx_free(&sent);
    lm_l1_signer_free(&other);

    /* 3. behind a nonce gap: a stale local nonce one too high (as after a
     * reorg that removed the signer's previous transaction) */
    must(lm_l1_signer_sync_nonce(&s, &err), &err, "sync");
    nonce = s.next_nonce;
    s.next_nonce = nonce + 1;
    req.value = lm_u256_from_u64(4);
    must(lm_l1_signer_send(&s, &sent, &req, &err), &err, "send with a gap");
    assert_true(sent.tx.nonce == nonce + 1);
    must(lm_rpc_get_transaction(&rpc, &t, sent.hashes[0], &err), &err, "queued, but known");
    lm_l1_tx_info_free(&t);
    expect_dropped(&s, &sent, "a gap", 0);
    drop_from_pool(&rpc, sent.hashes[0]); /* leave the pool clean for the next tests */
    lm_l1_sent_tx_free(&sent);

    /* after any of these, the next send re-reads the nonce and is mined */
    call(&rpc, "evm_setAutomine", "[true]");
    req.value = lm_u256_from_u64(5);
    w = quick_wait();
    must(lm_l1_signer_send_and_wait(&s, &r, &sent, &req, &w, &err), &err, "send after drops");
    assert_true(r.status && sent.tx.nonce == nonce);
    lm_l1_receipt_free(&r);
    lm_l1_sent_tx_free(&sent);
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
}

/* A contract that logs its calldata under one topic:
 *   runtime: CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY
 *            PUSH32 topic CALLDATASIZE PUSH1 0 LOG1 STOP        (44 bytes)
 *   init:    PUSH1 44 DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN (11 bytes) */
static const uint8_t TOPIC[32] = {0x1a, 0x3e, 0xa0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0,    0,    0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};

static size_t logger_initcode(uint8_t *out)
{
    static const uint8_t init[] = {0x60, 0x2c, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3};
    size_t n = 0;
    memcpy(out + n, init, sizeof init);
    n += sizeof init;
    static const uint8_t head[] = {0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x7f};
    memcpy(out + n, head, sizeof head);
    n += sizeof head;
    memcpy(out + n, TOPIC, 32);
    n += 32;
    static const uint8_t tail[] = {0x36, 0x60, 0x00, 0xa1, 0x00};
    memcpy(out + n, tail, sizeof tail);
    n += sizeof tail;
    return n; /* 11 + 44 */
}

static void test_logs(void **state)
{
    (void)state;
    lm_rpc rpc;
    client(&rpc);
    lm_l1_signer s;
    signer0(&s, &rpc);
    lm_err err;
    lm_l1_wait_opts w = quick_wait();
    uint8_t code[64];
    lm_l1_tx_request req;
    memset(&req, 0, sizeof req);
    req.data = code;
    req.data_len = logger_initcode(code);
    assert_int_equal(req.data_len, 55);
    lm_l1_receipt r;
    must(lm_l1_signer_send_and_wait(&s, &r, NULL, &req, &w, &err), &err, "deploy");
    assert_true(r.status && r.has_contract_address && !r.has_to);
    uint8_t logger[20];
    memcpy(logger, r.contract_address, 20);
    uint64_t from_block = r.block_number;
    lm_l1_receipt_free(&r);

    /* three calls, each logging its calldata; a few empty blocks between */
    uint64_t blocks[3];
    for (int i = 0; i < 3; i++) {
        uint8_t msg[5] = {'h', 'e', 'l', 'l', (uint8_t)('0' + i)};
        memset(&req, 0, sizeof req);
        req.to = logger;
        req.data = msg;
        req.data_len = sizeof msg;
        must(lm_l1_signer_send_and_wait(&s, &r, NULL, &req, &w, &err), &err, "call");
        assert_int_equal(r.logs.len, 1);
        assert_memory_equal(r.logs.v[0].address, logger, 20);
        assert_memory_equal(r.logs.v[0].topics[0], TOPIC, 32);
        assert_memory_equal(r.logs.v[0].data, msg, 5);
        blocks[i] = r.block_number;
        lm_l1_receipt_free(&r);
        call(&rpc, "anvil_mine", "[\"0x3\"]");
    }
    /* eth_call: the logger returns nothing */
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 9;
    lm_l1_call_msg cm = {s.address, logger, (const uint8_t *)"x", 1, NULL, 0};
    must(lm_rpc_eth_call(&rpc, &out, &out_len, &cm, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "eth_call");
    assert_int_equal(out_len, 0);
    assert_null(out);
    uint64_t gas;
    must(lm_rpc_estimate_gas(&rpc, &gas, &cm, &err), &err, "estimateGas");
    assert_true(gas > 21000 && gas < 100000);

    uint64_t head;
    must(lm_rpc_block_number(&rpc, &head, &err), &err, "head");
    lm_l1_log_filter f;
    memset(&f, 0, sizeof f);
    const uint8_t(*addrs)[20] = (const uint8_t(*)[20])logger;
    f.addresses = addrs;
    f.n_addresses = 1;
    f.topics[0] = (const uint8_t(*)[32])TOPIC;
    f.n_topics[0] = 1;
    f.from_block = from_block;
    f.to_block = head;
    for (int pass = 0; pass < 2; pass++) {
        rpc.opts.logs_max_range = pass == 0 ? 1000 : 2; /* pass 1: many small pages */
        uint64_t calls_before = rpc.stats.calls;
        lm_l1_logs logs = {0};
        must(lm_rpc_get_logs(&rpc, &logs, &f, &err), &err, "getLogs");
        assert_int_equal(logs.len, 3);
        for (int i = 0; i < 3; i++) {
            assert_true(logs.v[i].block_number == blocks[i]);
            assert_int_equal(logs.v[i].data_len, 5);
            assert_int_equal(logs.v[i].data[4], '0' + i);
            assert_false(logs.v[i].removed);
        }
        if (pass == 1)
            assert_true(rpc.stats.calls - calls_before >= (head - from_block + 1) / 2);
        lm_l1_logs_free(&logs);
    }
    /* another topic matches nothing */
    uint8_t other[32];
    memset(other, 0x77, 32);
    f.topics[0] = (const uint8_t(*)[32])other;
    lm_l1_logs logs = {0};
    must(lm_rpc_get_logs(&rpc, &logs, &f, &err), &err, "getLogs other topic");
    assert_int_equal(logs.len, 0);
    lm_l1_logs_free(&logs);
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
}

/* ---- the reorg ---------------------------------------------------------------- */

typedef struct seen {
    int blocks, reorgs;
    uint64_t first_rolled_back, old_tip, new_tip;
    uint64_t last_block;
} seen;

static void on_block(void *ctx, const lm_l1_header *h)
{
    seen *s = ctx;
    s->blocks++;
    s->last_block = h->number;
}

static void on_reorg(void *ctx, uint64_t first, const lm_l1_header *old_tip,
                     const lm_l1_header *new_tip)
{
    seen *s = ctx;
    s->reorgs++;
    s->first_rolled_back = first;
    s->old_tip = old_tip->number;
    s->new_tip = new_tip->number;
}

static void test_reorg_on_anvil(void **state)
{
    (void)state;
    lm_rpc rpc;
    client(&rpc);
    lm_err err;
    lm_l1_header slots[LM_REORG_SLOTS(64)];
    seen sn;
    memset(&sn, 0, sizeof sn);
    lm_reorg_cb cb = {&sn, on_block, on_reorg, NULL};
    lm_reorg t;
    must(lm_reorg_init(&t, slots, LM_REORG_SLOTS(64), 2, LM_REORG_START_AT_HEAD, &cb, &err), &err, "init");
    must(lm_l1_follower_poll(&t, &rpc, LM_BLOCK_LATEST, 0, &err), &err, "poll");
    uint64_t h0 = lm_reorg_tip(&t)->number;

    /* a snapshot, three blocks the follower sees, then revert */
    json_t *snap;
    must(lm_rpc_call(&rpc, &snap, "evm_snapshot", NULL, &err), &err, "evm_snapshot");
    assert_true(json_is_string(snap));
    char params[96];
    snprintf(params, sizeof params, "[\"%s\"]", json_string_value(snap));
    json_decref(snap);
    call(&rpc, "anvil_mine", "[\"0x3\"]");
    must(lm_l1_follower_poll(&t, &rpc, LM_BLOCK_LATEST, 0, &err), &err, "poll");
    assert_true(lm_reorg_tip(&t)->number == h0 + 3);
    assert_int_equal(sn.reorgs, 0);
    json_t *ok;
    must(lm_rpc_call(&rpc, &ok, "evm_revert", params, &err), &err, "evm_revert");
    assert_true(json_is_true(ok));
    json_decref(ok);

    /* a different branch: a transaction in h0 + 1, then four more blocks */
    lm_l1_signer s;
    signer0(&s, &rpc);
    uint8_t to[20];
    addr1(to);
    lm_l1_tx_request req;
    memset(&req, 0, sizeof req);
    req.to = to;
    req.value = lm_u256_from_u64(12345);
    lm_l1_receipt r;
    lm_l1_wait_opts w = quick_wait();
    must(lm_l1_signer_send_and_wait(&s, &r, NULL, &req, &w, &err), &err, "tx on the new branch");
    assert_true(r.block_number == h0 + 1);
    lm_l1_receipt_free(&r);
    call(&rpc, "anvil_mine", "[\"0x4\"]");

    must(lm_l1_follower_poll(&t, &rpc, LM_BLOCK_LATEST, 0, &err), &err, "poll after reorg");
    assert_int_equal(sn.reorgs, 1);
    assert_true(sn.first_rolled_back == h0 + 1);
    assert_true(sn.old_tip == h0 + 3);
    assert_true(sn.new_tip == h0 + 4); /* the branch as far as the walk fetched it */
    assert_true(lm_reorg_tip(&t)->number == h0 + 5);
    assert_true(sn.last_block == h0 + 5);
    /* the follower's window equals the node's chain */
    for (uint64_t n = h0; n <= h0 + 5; n++) {
        lm_l1_header h;
        must(lm_rpc_get_block_by_number(&rpc, &h, lm_block_at(n), &err), &err, "block");
        assert_memory_equal(lm_reorg_at(&t, n)->hash, h.hash, 32);
    }
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_basics),   cmocka_unit_test(test_transfer),
        cmocka_unit_test(test_nonce_resync),   cmocka_unit_test(test_replacement),
        cmocka_unit_test(test_dropped),        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_reorg_on_anvil),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
