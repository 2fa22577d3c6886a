/* The one invariant (DESIGN.md §1) end to end: the real sequencer
 * (lamina/sequencer.h) runs on anvil — a deposit, transfers and a
 * withdrawal over its JSON-RPC, a forced transaction through the Bridge —
 * and posts its batches and output roots to L1; a follower (lamina/derive.h)
 * that knows only the L1 endpoint and the deployment must derive the same
 * block hashes (block by block, against lamina_getBlock) and find every
 * proposed output root (which commits to the state) equal to its own;
 * balances are checked against sums written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/eip712.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"

static struct {
    lm_anvil anvil;
    lm_rpc l1, l1_follow;
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

static int setup(void **state)
{
    (void)state;
    lm_err err;
    lm_log_set_level(LM_LOG_WARN);
    snprintf(W.dir, sizeof W.dir, "/tmp/lamina-derive-seq-XXXXXX");
    if (!mkdtemp(W.dir))
        return -1;
    if (lm_anvil_start(&W.anvil, NULL, NULL, LM_BINARY_DIR "/test_derive_sequencer.anvil.log",
                       &err) != LM_OK) {
        fprintf(stderr, "anvil: %s\n", err.msg);
        return -1;
    }
    if (lm_rpc_init(&W.l1, W.anvil.url, NULL, &err) != LM_OK ||
        lm_rpc_init(&W.l1_follow, W.anvil.url, NULL, &err) != LM_OK)
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
    o.config.sequencing_window = 8;
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
    if (W.seq) {
        lm_rpc_free(&W.l2);
        lm_seq_stop(W.seq);
    }
    lm_l1_signer_free(&W.admin);
    lm_l1_signer_free(&W.user_l1);
    lm_rpc_free(&W.l1);
    lm_rpc_free(&W.l1_follow);
    lm_anvil_stop(&W.anvil);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", W.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", W.dir);
    return 0;
}

static json_t *l2_call(const char *method, const char *params)
{
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(&W.l2, &res, method, params, &err), &err, method);
    return res;
}

static uint64_t l2_balance(const uint8_t addr[20])
{
    char p[96], a[43];
    lm_hex_encode(a, addr, 20, true);
    snprintf(p, sizeof p, "[\"%s\", 0]", a);
    json_t *res = l2_call("lamina_getBalance", p);
    assert_true(json_is_integer(res));
    uint64_t v = (uint64_t)json_integer_value(res);
    json_decref(res);
    return v;
}

static uint64_t json_u64(const json_t *v)
{
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    uint64_t n = 0;
    lm_err err;
    assert_true(json_is_string(v));
    must(lm_rpc_parse_u64(&n, json_string_value(v), strlen(json_string_value(v)), &err), &err,
         "quantity");
    return n;
}

static uint64_t l2_block_number(void)
{
    json_t *res = l2_call("lamina_blockNumber", NULL);
    uint64_t n = json_u64(res);
    json_decref(res);
    return n;
}

static void l2_block_hash(uint64_t number, uint8_t out[32])
{
    char p[32];
    snprintf(p, sizeof p, "[%llu]", (unsigned long long)number);
    json_t *res = l2_call("lamina_getBlock", p);
    const json_t *h = json_object_get(res, "hash");
    lm_err err;
    assert_true(json_is_string(h));
    must(lm_hex_decode_exact(out, 32, json_string_value(h), strlen(json_string_value(h)),
                             LM_HEX_PREFIX_REQUIRED, &err),
         &err, "block hash");
    json_decref(res);
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
    tx.amount = amount;
    tx.fee = fee;
    tx.nonce = nonce;
    uint8_t ds[32], digest[32];
    lm_eip712_lamina_domain_separator(ds, W.d.config.l2_chain_id, W.d.rollup);
    lm_tx_signing_digest(digest, &tx, ds);
    lm_sig sig;
    lm_err err;
    must(lm_ecdsa_sign(&sig, digest, &W.keys[3], &err), &err, "sign");
    memcpy(tx.sig, sig.b, 65);
    return tx;
}

static void send_tx(const lm_tx *tx)
{
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, tx);
    char hex[2 * LM_TX_WIRE_LEN + 3], p[2 * LM_TX_WIRE_LEN + 8];
    lm_hex_encode(hex, wire, sizeof wire, true);
    snprintf(p, sizeof p, "[\"%s\"]", hex);
    json_decref(l2_call("lamina_sendTransaction", p));
}

static void wait_balance(const uint8_t addr[20], uint64_t want)
{
    for (int i = 0; i < 300; i++) {
        if (l2_balance(addr) == want)
            return;
        sleep_ms(100);
    }
    fail_msg("L2 balance never reached %llu", (unsigned long long)want);
}

static const uint8_t friend_addr[20] = {0xf0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                        10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
static const uint8_t l1_dest[20] = {0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
                                    0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3};

static lm_account follower_account(lm_derive *f, const uint8_t addr[20])
{
    lm_err err;
    lm_store_view v;
    must(lm_store_read_begin(lm_statedb_store(lm_derive_statedb(f)), &v, &err), &err, "view");
    uint64_t i;
    must(lm_store_find_address(&v, addr, &i, &err), &err, "find address");
    lm_account a;
    must(lm_store_get_account(&v, i, &a, &err), &err, "account");
    lm_store_read_end(&v);
    return a;
}

static void test_sequencer_and_follower_agree(void **state)
{
    (void)state;
    lm_err err;
    lm_seq_config c;
    lm_seq_config_default(&c);
    char seq_dir[96];
    snprintf(seq_dir, sizeof seq_dir, "%s/seq", W.dir);
    c.data_dir = seq_dir;
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

    lm_u256 wei = lm_u256_from_u64(1000000000000000000ull);
    must(lm_bridge_deposit_eth(&W.user_l1, &W.d, W.addr[3].b, &wei, NULL, &err), &err, "deposit");
    wait_balance(W.addr[3].b, 1000000000);
    lm_tx t0 = make_tx(LM_TX_TRANSFER, friend_addr, 100000000, 1000, 0);
    send_tx(&t0);
    lm_tx t1 = make_tx(LM_TX_WITHDRAW, l1_dest, 5000, 10, 1);
    send_tx(&t1);
    /* a forced transfer through L1, which the sequencer must include */
    lm_tx t2 = make_tx(LM_TX_TRANSFER, friend_addr, 7, 0, 2);
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, &t2);
    must(lm_bridge_force_transaction(&W.user_l1, &W.d, wire, sizeof wire, NULL, &err), &err,
         "forceTransaction");
    wait_balance(friend_addr, 100000000 + 7);
    lm_tx t3 = make_tx(LM_TX_TRANSFER, friend_addr, 3, 0, 3);
    send_tx(&t3);
    uint64_t target = l2_block_number();

    /* follow until every block up to target is derived and its batch's
     * output was proposed and checked */
    char fdir[96];
    snprintf(fdir, sizeof fdir, "%s/follow", W.dir);
    lm_derive_options fo;
    lm_derive_options_default(&fo);
    fo.confirmations = 0;
    lm_derive *f;
    must(lm_derive_open(&f, fdir, &W.d, &W.l1_follow, &fo, &err), &err, "follower");
    bool done = false;
    uint64_t nonce = 4;
    for (int i = 0; i < 300 && !done; i++) {
        lm_derive_progress p;
        must(lm_derive_poll(f, &p, &err), &err, "poll");
        uint64_t n = lm_derive_batch_count(f);
        lm_derive_batch_info bi;
        if (n && lm_derive_batch(f, n - 1, &bi, &err) == LM_OK)
            done = p.head >= target && bi.has_proposed;
        if (!done)
            sleep_ms(100);
        /* the sequencer closes a batch when it builds a block after the
         * batch interval: keep it building */
        if (!done && i % 5 == 4) {
            lm_tx filler = make_tx(LM_TX_TRANSFER, friend_addr, 1, 0, nonce++);
            send_tx(&filler);
        }
    }
    if (!done) {
        uint64_t h;
        lm_derive_head(f, &h, NULL);
        fprintf(stderr, "follower: head %llu (target %llu), %llu batch(es)\n", (unsigned long long)h,
                (unsigned long long)target, (unsigned long long)lm_derive_batch_count(f));
        for (uint64_t k = 0; k < lm_derive_batch_count(f); k++) {
            lm_derive_batch_info bi;
            if (lm_derive_batch(f, k, &bi, &err) == LM_OK)
                fprintf(stderr, "  batch %llu: status %d, %u block(s), last %llu, proposed %d, %s\n",
                        (unsigned long long)k, (int)bi.status, bi.blocks_applied,
                        (unsigned long long)bi.last_block, (int)bi.has_proposed, bi.reason);
        }
        fail_msg("the follower did not catch up");
    }
    uint64_t head;
    lm_derive_head(f, &head, NULL);
    for (uint64_t b = 0; b <= head; b++) {
        uint8_t mine[32], theirs[32];
        must(lm_derive_block_hash(f, b, mine, &err), &err, "derived hash");
        l2_block_hash(b, theirs);
        if (memcmp(mine, theirs, 32) != 0)
            fail_msg("block %llu: the derived hash differs from the sequencer's",
                     (unsigned long long)b);
    }
    uint64_t checked = 0;
    for (uint64_t k = 0; k < lm_derive_batch_count(f); k++) {
        lm_derive_batch_info bi;
        must(lm_derive_batch(f, k, &bi, &err), &err, "batch");
        assert_true(bi.status == LM_DERIVE_BATCH_APPLIED);
        if (bi.has_proposed) {
            assert_false(bi.mismatch);
            assert_true(bi.proposed_l2_block == bi.last_block);
            checked++;
        }
    }
    assert_true(checked >= 1 && lm_derive_mismatches(f) == 0);
    /* the output roots commit to the state; the balances, by hand (fillers
     * of 1 gwei each may follow t3) */
    uint64_t fr = follower_account(f, friend_addr).balance[0];
    assert_true(fr >= 100000000 + 7 + 3 && fr <= 100000000 + 7 + 3 + (nonce - 4));
    assert_true(follower_account(f, W.addr[3].b).balance[0] ==
                1000000000ull - 100000000 - 1000 - 5000 - 10 - (fr - 100000000));
    assert_true(follower_account(f, W.addr[1].b).balance[0] == 1000 + 10);
    lm_derive_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequencer_and_follower_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
