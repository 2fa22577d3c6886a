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

#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"

static struct {
    lm_anvil anvil;
    lm_rpc l1;
    lm_l1_signer admin, user_l1;
    lm_seckey keys[4];
    lm_address addr[4];
    lm_deployment d;
    lm_seq *seq;
    lm_rpc l2;
    char dir[64];
} W;

static void must(lm_code rc, const lm_err *err, const char *what)
{
    if (rc != LM_OK)
        fail_msg("%s: %s (%s)", what, err->msg, lm_code_name(rc));
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void start_seq(void)
{
    lm_err err;
    lm_seq_config c;
    lm_seq_config_default(&c);
    c.data_dir = W.dir;
    c.deployment = W.d;
    c.l1_rpc_url = W.anvil.url;
    c.block_interval_ms = 50;
    c.l1_poll_ms = 100;
    c.l1_confirmations = 0;
    c.batch_interval_ms = 300;
    c.settle = true;
    c.batcher_key = W.keys[1];
    c.proposer_key = W.keys[2];
    must(lm_seq_start(&W.seq, &c, &err), &err, "sequencer start");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", lm_seq_rpc_port(W.seq));
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.max_retries = 0;
    must(lm_rpc_init(&W.l2, url, &o, &err), &err, "L2 client");
}

static void stop_seq(void)
{
    lm_rpc_free(&W.l2);
    lm_seq_stop(W.seq);
    W.seq = NULL;
}

static int setup(void **state)
{
    (void)state;
    lm_err err;
    lm_log_set_level(LM_LOG_WARN);
    snprintf(W.dir, sizeof W.dir, "/tmp/lamina-seq-XXXXXX");
    if (!mkdtemp(W.dir))
        return -1;
    if (lm_anvil_start(&W.anvil, NULL, NULL, LM_BINARY_DIR "/test_sequencer.anvil.log", &err) != LM_OK) {
        fprintf(stderr, "anvil: %s\n", err.msg);
        return -1;
    }
    if (lm_rpc_init(&W.l1, W.anvil.url, NULL, &err) != LM_OK)
        return -1;
    const char *hex[4] = {LM_ANVIL_KEY0, LM_ANVIL_KEY1, LM_ANVIL_KEY2, LM_ANVIL_KEY3};
    for (int i = 0; i < 4; i++) {
        uint8_t raw[32];
        if (lm_hex_decode_exact(raw, 32, hex[i], strlen(hex[i]), LM_HEX_PREFIX_REQUIRED, &err) ||
            lm_seckey_parse(&W.keys[i], raw, &err) ||
            lm_address_from_seckey(&W.addr[i], &W.keys[i], &err))
            return -1;
    }
    if (lm_l1_signer_init(&W.admin, &W.l1, &W.keys[0], 0, NULL, &err) != LM_OK ||
        lm_l1_signer_init(&W.user_l1, &W.l1, &W.keys[3], 0, NULL, &err) != LM_OK)
        return -1;
    lm_deploy_opts o;
    memset(&o, 0, sizeof o);
    lm_rollup_config_devnet(&o.config);
    o.config.challenge_window = 30;
    o.batcher = W.addr[1].b;
    o.proposer = W.addr[2].b;
    if (lm_lamina_deploy(&W.admin, &o, &W.d, &err) != LM_OK) {
        fprintf(stderr, "deploy: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (W.seq)
        stop_seq();
    lm_l1_signer_free(&W.admin);
    lm_l1_signer_free(&W.user_l1);
    lm_rpc_free(&W.l1);
    lm_anvil_stop(&W.anvil);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", W.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", W.dir);
    return 0;
}

static uint64_t l2_balance(const uint8_t addr[20], unsigned asset)
{
    char p[96], a[43];
    lm_hex_encode(a, addr, 20, true);
    snprintf(p, sizeof p, "[\"%s\", %u]", a, asset);
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(&W.l2, &res, "lamina_getBalance", p, &err), &err, "lamina_getBalance");
    assert_true(json_is_integer(res));
    uint64_t v = (uint64_t)json_integer_value(res);
    json_decref(res);
    return v;
}

static void wait_balance(const uint8_t addr[20], uint64_t want)
{
    for (int i = 0; i < 200; i++) {
        if (l2_balance(addr, 0) == want)
            return;
        sleep_ms(100);
    }
    fail_msg("L2 balance never reached %llu (have %llu)", (unsigned long long)want,
             (unsigned long long)l2_balance(addr, 0));
}

/* Signs a transaction with key k as a wallet would (EIP-712). */
static void sign(lm_tx *tx, const lm_seckey *k)
{
    uint8_t ds[32], digest[32];
    lm_eip712_lamina_domain_separator(ds, W.d.config.l2_chain_id, W.d.rollup);
    lm_tx_signing_digest(digest, tx, ds);
    lm_sig sig;
    lm_err err;
    must(lm_ecdsa_sign(&sig, digest, k, &err), &err, "sign");
    memcpy(tx->sig, sig.b, 65);
}

/* Sends tx as wire hex. Returns the JSON-RPC error code (0: confirmed) and
 * fills block/position on success, reason on rejection. */
static int send_tx(const lm_tx *tx, uint64_t *block, char reason[32])
{
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, tx);
    char hex[2 * LM_TX_WIRE_LEN + 3], p[2 * LM_TX_WIRE_LEN + 8];
    lm_hex_encode(hex, wire, sizeof wire, true);
    snprintf(p, sizeof p, "[\"%s\"]", hex);
    json_t *res = NULL;
    lm_err err;
    lm_code rc = lm_rpc_call(&W.l2, &res, "lamina_sendTransaction", p, &err);
    if (rc == LM_OK) {
        if (block)
            *block = (uint64_t)json_integer_value(json_object_get(res, "block"));
        json_decref(res);
        return 0;
    }
    assert_int_equal(rc, LM_ERPC);
    if (reason) {
        reason[0] = '\0';
        const char *d = W.l2.fault.rpc_data;
        const char *r = d ? strstr(d, "\"reason\":\"") : NULL;
        if (r) {
            r += 10;
            size_t n = strcspn(r, "\"");
            snprintf(reason, 32, "%.*s", (int)(n < 31 ? n : 31), r);
        }
    }
    return (int)W.l2.fault.rpc_code;
}

static lm_tx make_tx(lm_tx_type type, const uint8_t to[20], uint64_t amount, uint64_t fee,
                     uint64_t nonce)
{
    lm_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    tx.chain_id = W.d.config.l2_chain_id;
    memcpy(tx.from, W.addr[3].b, 20);
    memcpy(tx.to, to, 20);
    tx.asset = 0;
    tx.amount = amount;
    tx.fee = fee;
    tx.nonce = nonce;
    sign(&tx, &W.keys[3]);
    return tx;
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
    must(lm_bridge_deposit_eth(&W.user_l1, &W.d, W.addr[3].b, &wei, NULL, &err), &err, "deposit");
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
    assert_int_equal(lm_rpc_call(&W.l2, &res, "lamina_sendTransaction", "[\"0x0102\"]", &err), LM_ERPC);
    assert_int_equal(W.l2.fault.rpc_code, -32602);

    /* a withdrawal to an L1 address */
    lm_tx w = make_tx(LM_TX_WITHDRAW, l1_dest, 200000000, 0, 1);
    assert_int_equal(send_tx(&w, &block, reason), 0);
    assert_true(l2_balance(W.addr[3].b, 0) == 1000000000 - 100000000 - 1000 - 200000000);

    /* its proof appears once its batch closes; the output reaches L1 */
    json_t *proof = NULL;
    for (int i = 0; i < 100 && (!proof || json_is_null(proof)); i++) {
        json_decref(proof);
        proof = NULL;
        must(lm_rpc_call(&W.l2, &proof, "lamina_getWithdrawalProof", "[0]", &err), &err, "proof");
        if (json_is_null(proof))
            sleep_ms(100);
    }
    assert_true(json_is_object(proof));
    uint64_t batch = (uint64_t)json_integer_value(json_object_get(proof, "batchIndex"));
    bool fin = false;
    for (int i = 0; i < 100 && !fin; i++) {
        json_t *r = NULL;
        must(lm_rpc_call(&W.l1, &r, "evm_increaseTime", "[31]", &err), &err, "increaseTime");
        json_decref(r);
        must(lm_rpc_call(&W.l1, &r, "evm_mine", NULL, &err), &err, "mine");
        json_decref(r);
        lm_code rc = lm_rollup_is_finalized(&W.l1, &W.d, batch, &fin, &err);
        if (rc != LM_OK || !fin)
            sleep_ms(200);
    }
    assert_true(fin);

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
    must(lm_rpc_get_balance(&W.l1, &got, l1_dest, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "balance");
    assert_int_equal(lm_u256_cmp(&got, &want), 0);

    lm_seq_stats st;
    lm_seq_get_stats(W.seq, &st);
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
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", lm_seq_rpc_port(W.seq));
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

static void test_restart_keeps_state(void **state)
{
    (void)state;
    uint64_t before_user = l2_balance(W.addr[3].b, 0);
    uint64_t before_friend = l2_balance(friend_addr, 0);
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(&W.l2, &res, "lamina_blockNumber", NULL, &err), &err, "blockNumber");
    json_int_t head = json_integer_value(res);
    json_decref(res);
    stop_seq();
    start_seq();
    assert_true(l2_balance(W.addr[3].b, 0) == before_user);
    assert_true(l2_balance(friend_addr, 0) == before_friend);
    must(lm_rpc_call(&W.l2, &res, "lamina_blockNumber", NULL, &err), &err, "blockNumber");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deposit_transfer_withdraw),
        cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_restart_keeps_state),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
