/* The sequencer end to end on a real L1 (anvil): a deposit on L1 reaches
 * L2; signed transfers are confirmed over JSON-RPC; bad input (bad
 * signature, wrong chain, replay, malformed) is refused with its reason; a
 * withdrawal goes into a batch that the sequencer posts to L1 with its
 * output root; after the challenge window the withdrawal is proven and paid
 * on L1; and a restart keeps every confirmed transaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lamina/abi.h"
#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/keccak.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"

#include "../anvil_world.h"

static aw_world W; /* admin: key 0, user: key 3 (the L1 and L2 user) */

static struct {
    lm_seq *seq;
    lm_rpc l2;
    char dir[64];
} S;

static void start_seq(void)
{
    lm_seq_config c;
    aw_seq_config(&c, S.dir, &W);
    aw_seq_start(&S.seq, &S.l2, &c);
}

static void stop_seq(void)
{
    lm_rpc_free(&S.l2);
    lm_seq_stop(S.seq);
    S.seq = NULL;
}

static int setup(void **state)
{
    (void)state;
    lm_log_set_level(LM_LOG_WARN);
    snprintf(S.dir, sizeof S.dir, "/tmp/lamina-seq-XXXXXX");
    if (!mkdtemp(S.dir))
        return -1;
    if (aw_world_start(&W, LM_BINARY_DIR "/test_sequencer.anvil.log") != 0)
        return -1;
    lm_deploy_opts o;
    aw_deploy_opts(&o, &W);
    o.config.challenge_window = 30;
    return aw_world_deploy(&W, &o);
}

static int teardown(void **state)
{
    (void)state;
    if (S.seq)
        stop_seq();
    aw_world_stop(&W);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", S.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", S.dir);
    return 0;
}

static uint64_t l2_balance(const uint8_t addr[20], unsigned asset)
{
    return aw_l2_balance(&S.l2, addr, asset);
}

static void wait_balance(const uint8_t addr[20], uint64_t want)
{
    aw_wait_l2_balance(&S.l2, addr, want, 200);
}

/* Signs a transaction with key k as a wallet would (EIP-712). */
static void sign(lm_tx *tx, const lm_seckey *k)
{
    aw_sign_tx(tx, &W.d, k);
}

/* Sends tx as wire hex. Returns the JSON-RPC error code (0: confirmed) and
 * fills block/position on success, reason on rejection. */
static int send_tx(const lm_tx *tx, uint64_t *block, char reason[32])
{
    char p[AW_SEND_PARAMS_LEN];
    aw_send_params(p, tx);
    json_t *res = NULL;
    lm_err err;
    lm_code rc = lm_rpc_call(&S.l2, &res, "lamina_sendTransaction", p, &err);
    if (rc == LM_OK) {
        if (block)
            *block = (uint64_t)json_integer_value(json_object_get(res, "block"));
        json_decref(res);
        return 0;
    }
    assert_int_equal(rc, LM_ERPC);
    if (reason) {
        reason[0] = '\0';
        const char *d = S.l2.fault.rpc_data;
        const char *r = d ? strstr(d, "\"reason\":\"") : NULL;
        if (r) {
            r += 10;
            size_t n = strcspn(r, "\"");
            snprintf(reason, 32, "%.*s", (int)(n < 31 ? n : 31), r);
        }
    }
    return (int)S.l2.fault.rpc_code;
}

static lm_tx make_tx(lm_tx_type type, const uint8_t to[20], uint64_t amount, uint64_t fee,
                     uint64_t nonce)
{
    return aw_make_tx(&W.d, &W.keys[3], W.addr[3].b, type, to, amount, fee, nonce);
}

static const uint8_t friend_addr[20] = {0xf0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
static const uint8_t l1_dest[20] = {0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
                                    0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3};

static void test_deposit_transfer_withdraw(void **state)
{
    (void)state;
    lm_err err;
    start_seq();
    lm_u256 wei = lm_u256_from_u64(1000000000000000000ull);
    must(lm_bridge_deposit_eth(&W.user, &W.d, W.addr[3].b, &wei, NULL, &err), &err, "deposit");
    wait_balance(W.addr[3].b, 1000000000);

    /* a transfer to a new account, confirmed with its block */
    uint64_t block = 0;
    char reason[32];
    lm_tx t1 = make_tx(LM_TX_TRANSFER, friend_addr, 100000000, 1000, 0);
    assert_int_equal(send_tx(&t1, &block, reason), 0);
    assert_true(block >= 1);
    assert_true(l2_balance(friend_addr, 0) == 100000000);
    assert_true(l2_balance(W.addr[3].b, 0) == 1000000000 - 100000000 - 1000);
    assert_true(l2_balance(W.addr[1].b, 0) == 1000); /* the fee recipient: account 0 */

    /* replay, bad signature, wrong chain, insufficient funds, malformed */
    int code = send_tx(&t1, NULL, reason);
    assert_true(code == -32010 || code == -32011);
    lm_tx bad = make_tx(LM_TX_TRANSFER, friend_addr, 5, 0, 1);
    bad.amount = 6; /* signed for 5 */
    assert_int_equal(send_tx(&bad, NULL, reason), -32010);
    assert_string_equal(reason, "BAD_SIGNATURE");
    lm_tx chain = make_tx(LM_TX_TRANSFER, friend_addr, 5, 0, 1);
    chain.chain_id++;
    sign(&chain, &W.keys[3]);
    assert_int_equal(send_tx(&chain, NULL, reason), -32010);
    assert_string_equal(reason, "WRONG_CHAIN");
    lm_tx rich = make_tx(LM_TX_TRANSFER, friend_addr, 5000000000ull, 0, 1);
    assert_int_equal(send_tx(&rich, NULL, reason), -32010);
    assert_string_equal(reason, "INSUFFICIENT");
    json_t *res = NULL;
    assert_int_equal(lm_rpc_call(&S.l2, &res, "lamina_sendTransaction", "[\"0x0102\"]", &err), LM_ERPC);
    assert_int_equal(S.l2.fault.rpc_code, -32602);

    /* a withdrawal to an L1 address */
    lm_tx w = make_tx(LM_TX_WITHDRAW, l1_dest, 200000000, 0, 1);
    assert_int_equal(send_tx(&w, &block, reason), 0);
    assert_true(l2_balance(W.addr[3].b, 0) == 1000000000 - 100000000 - 1000 - 200000000);

    /* its proof appears once its batch closes; the output reaches L1 */
    json_t *proof = aw_wait_withdrawal_proof(&S.l2, 100);
    uint64_t batch = (uint64_t)json_integer_value(json_object_get(proof, "batchIndex"));
    aw_wait_finalized(&W, batch);

    /* prove and pay on L1 with what the node returned */
    lm_output_preimage o;
    json_t *out = json_object_get(proof, "output");
    o.version = (uint8_t)json_integer_value(json_object_get(out, "version"));
    const char *sr = json_string_value(json_object_get(out, "stateRoot"));
    const char *wr = json_string_value(json_object_get(out, "withdrawalsRoot"));
    const char *lb = json_string_value(json_object_get(out, "lastBlockHash"));
    assert_int_equal(lm_hex_decode_exact(o.state_root, 32, sr, strlen(sr), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_int_equal(lm_hex_decode_exact(o.withdrawals_root, 32, wr, strlen(wr), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_int_equal(lm_hex_decode_exact(o.last_block_hash, 32, lb, strlen(lb), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    json_t *pa = json_object_get(proof, "proof");
    uint8_t sib[LM_WTREE_MAX_DEPTH][32];
    size_t depth = json_array_size(pa);
    for (size_t i = 0; i < depth; i++) {
        const char *h = json_string_value(json_array_get(pa, i));
        assert_int_equal(lm_hex_decode_exact(sib[i], 32, h, strlen(h), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    }
    lm_withdrawal wd = {.id = 0, .asset_id = 0, .amount = 200000000};
    memcpy(wd.l2_sender, W.addr[3].b, 20);
    memcpy(wd.l1_recipient, l1_dest, 20);
    uint64_t leaf = (uint64_t)json_integer_value(json_object_get(proof, "leafIndex"));
    must(lm_bridge_finalize_withdrawal(&W.admin, &W.d, batch, &o, &wd, leaf,
                                       (const uint8_t (*)[32])sib, depth, NULL, &err),
         &err, "finalizeWithdrawal");
    json_decref(proof);
    lm_u256 got, want = lm_u256_from_u64(200000000ull * 1000000000ull);
    must(lm_rpc_get_balance(&W.rpc, &got, l1_dest, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "balance");
    assert_int_equal(lm_u256_cmp(&got, &want), 0);

    lm_seq_stats st;
    lm_seq_get_stats(S.seq, &st);
    assert_true(st.batches_posted >= 1 && st.outputs_proposed >= 1);
    assert_true(st.txs_included == 2);
}

static size_t collect(char *d, size_t sz, size_t n, void *u)
{
    char *buf = u;
    size_t have = strlen(buf), add = sz * n;
    if (have + add >= 8192)
        add = 8191 - have;
    memcpy(buf + have, d, add);
    buf[have + add] = '\0';
    return sz * n;
}

/* GET /metrics: Prometheus text with the counters. */
static void test_metrics(void **state)
{
    (void)state;
    char url[64];
    static char body[8192];
    body[0] = '\0';
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", lm_seq_rpc_port(S.seq));
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    assert_int_equal(code, 200);
    assert_non_null(strstr(body, "# TYPE lamina_txs_included_total counter\nlamina_txs_included_total 2\n"));
    assert_non_null(strstr(body, "lamina_l1_messages_total 1\n"));
    assert_non_null(strstr(body, "lamina_mempool_depth "));
    assert_non_null(strstr(body, "lamina_l1_gas_used_total "));
}

static uint64_t l1_count(const char *sig)
{
    uint64_t v = 0;
    lm_err err;
    if (strcmp(sig, "batchCount()") == 0)
        must(lm_rollup_batch_count(&W.rpc, &W.d, &v, &err), &err, sig);
    else {
        json_t *r = NULL;
        char p[160], to[43];
        lm_hex_encode(to, W.d.rollup, 20, true);
        /* nextOutputIndex() selector: keccak("nextOutputIndex()")[0..4] */
        uint8_t sel[32];
        lm_keccak256(sel, (const uint8_t *)sig, strlen(sig));
        snprintf(p, sizeof p, "[{\"to\":\"%s\",\"data\":\"0x%02x%02x%02x%02x\"}, \"latest\"]", to,
                 sel[0], sel[1], sel[2], sel[3]);
        must(lm_rpc_call(&W.rpc, &r, "eth_call", p, &err), &err, sig);
        const char *h = json_string_value(r);
        assert_non_null(h);
        v = strtoull(h + strlen(h) - 16, NULL, 16);
        json_decref(r);
    }
    return v;
}

/* Rollup.batch(j).hash: the first word of the answer. */
static void l1_batch_hash(uint64_t j, uint8_t out[32])
{
    lm_err err;
    uint8_t data[36];
    lm_abi_selector(data, "batch(uint256)", 14);
    memset(data + 4, 0, 32);
    lm_store_be64(data + 28, j);
    lm_l1_call_msg msg = {.to = W.d.rollup, .data = data, .data_len = sizeof data};
    uint8_t *ret = NULL;
    size_t len = 0;
    must(lm_rpc_eth_call(&W.rpc, &ret, &len, &msg, lm_block_tagged(LM_BLOCK_LATEST), &err), &err,
         "batch(uint256)");
    assert_true(len >= 32);
    memcpy(out, ret, 32);
    free(ret);
}

/* An L1 reorg removes a posted batch and its output: the sequencer posts
 * them again. */
static void test_l1_reorg_resettles(void **state)
{
    (void)state;
    lm_err err;
    json_t *snap = NULL, *r = NULL;
    uint64_t batches = l1_count("batchCount()"), outputs = l1_count("nextOutputIndex()");
    must(lm_rpc_call(&W.rpc, &snap, "evm_snapshot", NULL, &err), &err, "evm_snapshot");
    char reason[32];
    lm_tx t = make_tx(LM_TX_TRANSFER, friend_addr, 3, 0, 3);
    assert_int_equal(send_tx(&t, NULL, reason), 0);
    for (int i = 0; i < 200 && l1_count("nextOutputIndex()") <= outputs; i++)
        sleep_ms(100);
    assert_true(l1_count("batchCount()") > batches);
    assert_true(l1_count("nextOutputIndex()") > outputs);
    json_t *params = json_pack("[O]", snap);
    char *ptext = json_dumps(params, JSON_COMPACT);
    must(lm_rpc_call(&W.rpc, &r, "evm_revert", ptext, &err), &err, "evm_revert");
    free(ptext);
    json_decref(params);
    assert_true(json_is_true(r));
    json_decref(r);
    json_decref(snap);
    assert_true(l1_count("batchCount()") == batches);
    /* mine a block so that the settler sees the new chain, then wait */
    must(lm_rpc_call(&W.rpc, &r, "evm_mine", NULL, &err), &err, "evm_mine");
    json_decref(r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 600 && l1_count("nextOutputIndex()") <= outputs; i++)
        sleep_ms(100);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "re-settled %.1f s after the reorg\n", secs);
    assert_true(l1_count("batchCount()") > batches);
    assert_true(l1_count("nextOutputIndex()") > outputs);
    /* The settler's transactions sent with the nonces the reorg took back
     * are noticed at once (a re-read nonce, or LM_EDROPPED from the
     * signer's wait), not after its 30 s receipt timeout: before that, this
     * took about 60 s (two timeouts, the batch's and the output's). A
     * correctness bound, generous for a loaded machine, not a benchmark. */
    assert_true(secs < 15.0);
    /* and each batch was posted once: no transaction stranded behind a
     * nonce gap got mined later as a second copy (which the settler would
     * log as "not ours") */
    uint64_t n = l1_count("batchCount()");
    for (uint64_t i = batches; i < n; i++)
        for (uint64_t j = i + 1; j < n; j++) {
            uint8_t a[32], b[32];
            l1_batch_hash(i, a);
            l1_batch_hash(j, b);
            assert_memory_not_equal(a, b, 32);
        }
}

static void test_restart_keeps_state(void **state)
{
    (void)state;
    uint64_t before_user = l2_balance(W.addr[3].b, 0);
    uint64_t before_friend = l2_balance(friend_addr, 0);
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(&S.l2, &res, "lamina_blockNumber", NULL, &err), &err, "blockNumber");
    json_int_t head = json_integer_value(res);
    json_decref(res);
    stop_seq();
    start_seq();
    assert_true(l2_balance(W.addr[3].b, 0) == before_user);
    assert_true(l2_balance(friend_addr, 0) == before_friend);
    must(lm_rpc_call(&S.l2, &res, "lamina_blockNumber", NULL, &err), &err, "blockNumber");
    assert_true(json_integer_value(res) >= head);
    json_decref(res);
    /* the next nonce still works; the spent one is refused */
    char reason[32];
    lm_tx t = make_tx(LM_TX_TRANSFER, friend_addr, 1, 0, 2);
    assert_int_equal(send_tx(&t, NULL, reason), 0);
    lm_tx again = make_tx(LM_TX_TRANSFER, friend_addr, 2, 0, 0);
    assert_int_equal(send_tx(&again, NULL, reason), -32010);
    assert_string_equal(reason, "NONCE_USED");
}

/* The operator's minimum fee: less is refused before the signature is
 * checked, with its reason and the minimum; the minimum itself is accepted. */
static void test_min_fee(void **state)
{
    (void)state;
    stop_seq();
    lm_seq_config c;
    aw_seq_config(&c, S.dir, &W);
    c.min_fee = 500;
    aw_seq_start(&S.seq, &S.l2, &c);
    uint64_t before = l2_balance(W.addr[3].b, 0);
    char reason[32];
    lm_tx cheap = make_tx(LM_TX_TRANSFER, friend_addr, 1, 499, 10);
    assert_int_equal(send_tx(&cheap, NULL, reason), -32010);
    assert_string_equal(reason, "FEE_TOO_LOW");
    assert_non_null(strstr(S.l2.fault.rpc_data, "\"minFee\":500"));
    assert_non_null(strstr(S.l2.fault.rpc_message, "below this sequencer's minimum of 500"));
    cheap.sig[0] ^= 1; /* a bad signature changes nothing: the fee is checked first */
    assert_int_equal(send_tx(&cheap, NULL, reason), -32010);
    assert_string_equal(reason, "FEE_TOO_LOW");
    assert_true(l2_balance(W.addr[3].b, 0) == before);
    lm_tx enough = make_tx(LM_TX_TRANSFER, friend_addr, 1, 500, 10);
    assert_int_equal(send_tx(&enough, NULL, reason), 0);
    assert_true(l2_balance(W.addr[3].b, 0) == before - 501);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deposit_transfer_withdraw),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_l1_reorg_resettles),
        cmocka_unit_test(test_restart_keeps_state),
        cmocka_unit_test(test_min_fee),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
