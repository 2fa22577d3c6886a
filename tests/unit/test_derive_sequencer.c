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

#include "../anvil_world.h"

static aw_world W; /* admin: key 0, user: key 3 (the L1 and L2 user) */

static struct {
    lm_rpc l1_follow;
    lm_seq *seq;
    lm_rpc l2;
    char dir[64];
} S;

static int setup(void **state)
{
    (void)state;
    lm_err err;
    lm_log_set_level(LM_LOG_WARN);
    snprintf(S.dir, sizeof S.dir, "/tmp/lamina-derive-seq-XXXXXX");
    if (!mkdtemp(S.dir))
        return -1;
    if (aw_world_start(&W, LM_BINARY_DIR "/test_derive_sequencer.anvil.log") != 0 ||
        lm_rpc_init(&S.l1_follow, W.anvil.url, NULL, &err) != LM_OK)
        return -1;
    lm_deploy_opts o;
    aw_deploy_opts(&o, &W);
    o.config.sequencing_window = 8;
    return aw_world_deploy(&W, &o);
}

static int teardown(void **state)
{
    (void)state;
    if (S.seq) {
        lm_rpc_free(&S.l2);
        lm_seq_stop(S.seq);
    }
    lm_rpc_free(&S.l1_follow);
    aw_world_stop(&W);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", S.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", S.dir);
    return 0;
}

static json_t *l2_call(const char *method, const char *params)
{
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(&S.l2, &res, method, params, &err), &err, method);
    return res;
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
    return aw_make_tx(&W.d, &W.keys[3], W.addr[3].b, type, to, amount, fee, nonce);
}

static void send_tx(const lm_tx *tx)
{
    char p[AW_SEND_PARAMS_LEN];
    aw_send_params(p, tx);
    json_decref(l2_call("lamina_sendTransaction", p));
}

static void wait_balance(const uint8_t addr[20], uint64_t want)
{
    aw_wait_l2_balance(&S.l2, addr, want, 300);
}

static const uint8_t friend_addr[20] = {0xf0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                        10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
static const uint8_t l1_dest[20] = {0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9,
                                    0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3};

static void test_sequencer_and_follower_agree(void **state)
{
    (void)state;
    lm_err err;
    lm_seq_config c;
    char seq_dir[96];
    snprintf(seq_dir, sizeof seq_dir, "%s/seq", S.dir);
    aw_seq_config(&c, seq_dir, &W);
    aw_seq_start(&S.seq, &S.l2, &c);

    lm_u256 wei = lm_u256_from_u64(1000000000000000000ull);
    must(lm_bridge_deposit_eth(&W.user, &W.d, W.addr[3].b, &wei, NULL, &err), &err, "deposit");
    wait_balance(W.addr[3].b, 1000000000);
    lm_tx t0 = make_tx(LM_TX_TRANSFER, friend_addr, 100000000, 1000, 0);
    send_tx(&t0);
    lm_tx t1 = make_tx(LM_TX_WITHDRAW, l1_dest, 5000, 10, 1);
    send_tx(&t1);
    /* a forced transfer through L1, which the sequencer must include */
    lm_tx t2 = make_tx(LM_TX_TRANSFER, friend_addr, 7, 0, 2);
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, &t2);
    must(lm_bridge_force_transaction(&W.user, &W.d, wire, sizeof wire, NULL, &err), &err,
         "forceTransaction");
    wait_balance(friend_addr, 100000000 + 7);
    lm_tx t3 = make_tx(LM_TX_TRANSFER, friend_addr, 3, 0, 3);
    send_tx(&t3);
    uint64_t target = l2_block_number();

    /* follow until every block up to target is derived and its batch's
     * output was proposed and checked */
    char fdir[96];
    snprintf(fdir, sizeof fdir, "%s/follow", S.dir);
    lm_derive_options fo;
    lm_derive_options_default(&fo);
    fo.confirmations = 0;
    lm_derive *f;
    must(lm_derive_open(&f, fdir, &W.d, &S.l1_follow, &fo, &err), &err, "follower");
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
    /* the follower's statistics (its /metrics) say the same */
    lm_derive_stats st;
    lm_derive_get_stats(f, &st);
    assert_true(st.l2_head == head && st.blocks == head && st.blocks_rejected == 0);
    assert_true(st.batch_count == lm_derive_batch_count(f) && st.batches == st.batch_count);
    assert_true(st.batches_ignored == 0 && st.rederivations == 0);
    assert_true(st.outputs_checked >= checked && st.outputs_mismatched == 0 &&
                st.outputs_matched == st.outputs_checked && st.mismatches == 0);
    assert_true(st.deposits == 1 && st.forced_txs == 1 && st.forced_withdrawals == 0 &&
                st.forced_messages == 0);
    assert_true(st.has_l1_head && st.has_l1_derived && st.l1_derived <= st.l1_head);
    /* the output roots commit to the state; the balances, by hand (fillers
     * of 1 gwei each may follow t3) */
    uint64_t fr = aw_derived_account(f, friend_addr).balance[0];
    assert_true(fr >= 100000000 + 7 + 3 && fr <= 100000000 + 7 + 3 + (nonce - 4));
    assert_true(aw_derived_account(f, W.addr[3].b).balance[0] ==
                1000000000ull - 100000000 - 1000 - 5000 - 10 - (fr - 100000000));
    assert_true(aw_derived_account(f, W.addr[1].b).balance[0] == 1000 + 10);
    lm_derive_close(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequencer_and_follower_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
