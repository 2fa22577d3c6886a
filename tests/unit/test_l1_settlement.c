/* Settlement on a real L1: anvil with Lamina's contracts, driven by the C
 * client. Deploys (lm_lamina_deploy), deposits ETH and an ERC-20, reads the
 * deposit events back and checks their queue hashes, posts a batch and an
 * output root, finalizes it after the challenge window (anvil time travel),
 * and proves and pays withdrawals — each failure path on the way (early
 * finalization, double withdrawal, wrong proof, unauthorized batcher) must be
 * a clear error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"

#include "../anvil_world.h"

static aw_world W;

static int setup(void **state)
{
    (void)state;
    if (aw_world_start(&W, LM_BINARY_DIR "/test_l1_settlement.anvil.log") != 0)
        return -1;
    lm_deploy_opts o;
    aw_deploy_opts(&o, &W);
    o.config.challenge_window = 60;
    o.dev_token = true;
    return aw_world_deploy(&W, &o);
}

static int teardown(void **state)
{
    (void)state;
    aw_world_stop(&W);
    return 0;
}

static void rpc_void(const char *method, const char *params)
{
    aw_rpc_void(&W.rpc, method, params);
}

static void test_deployment_file(void **state)
{
    (void)state;
    lm_err err;
    const char *path = LM_BINARY_DIR "/test_l1_settlement.deployment.json";
    must(lm_deployment_save(&W.d, path, &err), &err, "save");
    lm_deployment back;
    must(lm_deployment_load(&back, path, &err), &err, "load");
    assert_memory_equal(back.rollup, W.d.rollup, 20);
    assert_memory_equal(back.bridge, W.d.bridge, 20);
    assert_memory_equal(back.dev_token, W.d.dev_token, 20);
    assert_true(back.deploy_block == W.d.deploy_block);
    assert_true(back.config.challenge_window == 60);
    assert_true(back.config.l2_chain_id == W.d.config.l2_chain_id);
    assert_int_equal(lm_u256_cmp(&back.config.proposal_bond, &W.d.config.proposal_bond), 0);
    assert_int_equal(lm_deployment_load(&back, LM_BINARY_DIR "/no-such-file.json", &err), LM_EIO);
    FILE *f = fopen(LM_BINARY_DIR "/test_l1_settlement.bad.json", "w");
    assert_non_null(f);
    fputs("{\"version\": 1, \"l1ChainId\": 1, \"rollup\": \"0x12\"}", f);
    fclose(f);
    assert_int_equal(lm_deployment_load(&back, LM_BINARY_DIR "/test_l1_settlement.bad.json", &err), LM_EINVAL);
}

static void test_deposits_and_events(void **state)
{
    (void)state;
    lm_err err;
    uint64_t from;
    must(lm_rpc_block_number(&W.rpc, &from, &err), &err, "block number");
    lm_u256 wei = lm_u256_from_u64(1500000000000000000ull); /* 1.5 ETH */
    must(lm_bridge_deposit_eth(&W.user, &W.d, W.addr[3].b, &wei, NULL, &err), &err, "depositETH");
    lm_u256 tokens = lm_u256_from_u64(250000000); /* 250 ldUSD */
    must(lm_dev_token_mint(&W.user, &W.d, W.addr[3].b, &tokens, NULL, &err), &err, "mint");
    must(lm_bridge_deposit_erc20(&W.user, &W.d, W.d.dev_token, &tokens, W.addr[3].b, NULL, &err), &err,
         "depositERC20");

    /* a deposit that is not a whole number of gwei is refused, with a message */
    lm_u256 odd = lm_u256_from_u64(1000000001);
    assert_int_equal(lm_bridge_deposit_eth(&W.user, &W.d, W.addr[3].b, &odd, NULL, &err), LM_ERPC);
    assert_true(strlen(err.msg) > 0);

    uint64_t to;
    must(lm_rpc_block_number(&W.rpc, &to, &err), &err, "block number");
    lm_queued_message *m;
    size_t n;
    must(lm_lamina_get_messages(&W.rpc, &W.d, from + 1, to, &m, &n, &err), &err, "messages");
    assert_int_equal(n, 2);
    assert_int_equal(m[0].msg.kind, LM_MSG_DEPOSIT);
    assert_true(m[0].msg.index == 0 && m[1].msg.index == 1);
    assert_true(m[0].msg.amount == 1500000000); /* gwei units */
    assert_int_equal(m[0].msg.asset_id, 0);
    assert_true(m[1].msg.amount == 250000000);
    assert_int_equal(m[1].msg.asset_id, W.d.dev_token_asset_id);
    assert_memory_equal(m[0].msg.from, W.addr[3].b, 20);
    assert_memory_equal(m[0].msg.to, W.addr[3].b, 20);
    assert_true(m[0].msg.l1_block == m[0].block_number);
    /* the queue hash chain, recomputed here, equals what L1 recorded */
    uint8_t q[32] = {0}, h[32];
    for (size_t i = 0; i < n; i++) {
        lm_message_hash(h, &m[i].msg);
        lm_queue_hash(q, q, h);
        assert_memory_equal(q, m[i].queue_hash, 32);
    }
    uint64_t count;
    must(lm_bridge_message_count(&W.rpc, &W.d, &count, &err), &err, "messageCount");
    assert_true(count == 2);
    free(m);

    /* a forced transaction and a forced withdrawal: their bytes and fields come back */
    uint8_t l2tx[143];
    for (size_t i = 0; i < sizeof l2tx; i++)
        l2tx[i] = (uint8_t)(i ^ 0x5a);
    must(lm_rpc_block_number(&W.rpc, &from, &err), &err, "block number");
    must(lm_bridge_force_transaction(&W.user, &W.d, l2tx, sizeof l2tx, NULL, &err), &err, "forceTransaction");
    must(lm_bridge_force_withdrawal(&W.user, &W.d, 0, 7, W.addr[2].b, NULL, &err), &err, "forceWithdrawal");
    must(lm_rpc_block_number(&W.rpc, &to, &err), &err, "block number");
    must(lm_lamina_get_messages(&W.rpc, &W.d, from + 1, to, &m, &n, &err), &err, "messages");
    assert_int_equal(n, 2);
    assert_int_equal(m[0].msg.kind, LM_MSG_FORCED_TX);
    assert_int_equal(m[0].l2tx_len, sizeof l2tx);
    assert_memory_equal(m[0].l2tx, l2tx, sizeof l2tx);
    assert_int_equal(m[1].msg.kind, LM_MSG_FORCED_WITHDRAWAL);
    assert_true(m[1].msg.amount == 7 && m[1].msg.index == 3);
    assert_memory_equal(m[1].msg.to, W.addr[2].b, 20);
    for (size_t i = 0; i < n; i++) {
        lm_message_hash(h, &m[i].msg);
        lm_queue_hash(q, q, h);
        assert_memory_equal(q, m[i].queue_hash, 32);
    }
    free(m);
}

static const uint8_t zero20[20];

static void test_batch_output_withdrawal(void **state)
{
    (void)state;
    lm_err err;
    /* a batch: only the batcher may post it */
    uint8_t batch[1000];
    for (size_t i = 0; i < sizeof batch; i++)
        batch[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(lm_rollup_append_batch(&W.user, &W.d, batch, sizeof batch, NULL, &err), LM_ERPC);
    assert_non_null(strstr(err.msg, "NotBatcher(address)"));
    uint64_t from;
    must(lm_rpc_block_number(&W.rpc, &from, &err), &err, "block number");
    must(lm_rollup_append_batch(&W.batcher, &W.d, batch, sizeof batch, NULL, &err), &err, "appendBatch");
    uint64_t to;
    must(lm_rpc_block_number(&W.rpc, &to, &err), &err, "block number");
    lm_batch_event *b;
    size_t nb;
    must(lm_lamina_get_batches(&W.rpc, &W.d, from + 1, to, &b, &nb, &err), &err, "batches");
    assert_int_equal(nb, 1);
    assert_true(b[0].index == 0);
    uint8_t h[32];
    lm_keccak256(h, batch, sizeof batch);
    assert_memory_equal(b[0].hash, h, 32);
    uint8_t *data;
    size_t len;
    must(lm_lamina_get_batch_data(&W.rpc, &b[0], &data, &len, &err), &err, "batch data");
    assert_int_equal(len, sizeof batch);
    assert_memory_equal(data, batch, len);
    free(data);
    free(b);

    /* the output: two withdrawals to the user's L1 address */
    lm_withdrawal w[2] = {{.id = 0, .asset_id = 0, .amount = 500000000},
                          {.id = 1, .asset_id = W.d.dev_token_asset_id, .amount = 40000000}};
    uint8_t leaves[2][32], scratch[1][32];
    for (int i = 0; i < 2; i++) {
        memcpy(w[i].l2_sender, W.addr[3].b, 20);
        memcpy(w[i].l1_recipient, W.addr[3].b, 20);
        lm_withdrawal_leaf(leaves[i], &w[i]);
    }
    lm_output_preimage o = {.version = LM_OUTPUT_VERSION};
    memset(o.state_root, 0x5a, 32);
    memset(o.last_block_hash, 0xb1, 32);
    must(lm_withdrawal_root(o.withdrawals_root, (const uint8_t (*)[32])leaves, 2, scratch, &err), &err, "root");
    uint8_t root[32];
    lm_output_root(root, &o);
    assert_int_equal(lm_rollup_propose_output(&W.user, &W.d, 0, root, 10, NULL, &err), LM_ERPC);
    must(lm_rollup_propose_output(&W.proposer, &W.d, 0, root, 10, NULL, &err), &err, "proposeOutput");

    uint8_t proof[LM_WTREE_MAX_DEPTH][32];
    size_t depth;
    must(lm_withdrawal_proof(proof, &depth, (const uint8_t (*)[32])leaves, 2, 0, scratch, &err), &err, "proof");
    bool fin = true;
    must(lm_rollup_is_finalized(&W.rpc, &W.d, 0, &fin, &err), &err, "isFinalized");
    assert_false(fin);
    /* too early: refused */
    lm_code rc = lm_bridge_finalize_withdrawal(&W.admin, &W.d, 0, &o, &w[0], 0,
                                               (const uint8_t (*)[32])proof, depth, NULL, &err);
    assert_int_equal(rc, LM_ERPC);
    assert_non_null(strstr(err.msg, "finalizeWithdrawal reverted: OutputNotFinalized(uint256)"));

    /* the challenge window passes */
    rpc_void("evm_increaseTime", "[61]");
    rpc_void("evm_mine", NULL);
    must(lm_rollup_is_finalized(&W.rpc, &W.d, 0, &fin, &err), &err, "isFinalized");
    assert_true(fin);

    /* a wrong proof is refused */
    uint8_t bad[LM_WTREE_MAX_DEPTH][32];
    memcpy(bad, proof, sizeof bad);
    bad[0][5] ^= 1;
    assert_int_equal(lm_bridge_finalize_withdrawal(&W.admin, &W.d, 0, &o, &w[0], 0,
                                                   (const uint8_t (*)[32])bad, depth, NULL, &err),
                     LM_ERPC);

    /* ETH: paid to the recipient, exactly (the admin pays the gas) */
    lm_u256 before, after, diff;
    must(lm_rpc_get_balance(&W.rpc, &before, W.addr[3].b, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "balance");
    must(lm_bridge_finalize_withdrawal(&W.admin, &W.d, 0, &o, &w[0], 0, (const uint8_t (*)[32])proof,
                                       depth, NULL, &err),
         &err, "finalizeWithdrawal ETH");
    must(lm_rpc_get_balance(&W.rpc, &after, W.addr[3].b, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "balance");
    assert_true(lm_u256_sub(&diff, &after, &before));
    lm_u256 want = lm_u256_from_u64(500000000ull * 1000000000ull);
    assert_int_equal(lm_u256_cmp(&diff, &want), 0);
    /* paid once */
    assert_int_equal(lm_bridge_finalize_withdrawal(&W.admin, &W.d, 0, &o, &w[0], 0,
                                                   (const uint8_t (*)[32])proof, depth, NULL, &err),
                     LM_ERPC);
    assert_non_null(strstr(err.msg, "AlreadyFinalized(bytes32)"));

    /* ERC-20 */
    must(lm_withdrawal_proof(proof, &depth, (const uint8_t (*)[32])leaves, 2, 1, scratch, &err), &err, "proof");
    must(lm_erc20_balance(&W.rpc, W.d.dev_token, W.addr[3].b, &before, &err), &err, "balanceOf");
    must(lm_bridge_finalize_withdrawal(&W.admin, &W.d, 0, &o, &w[1], 1, (const uint8_t (*)[32])proof,
                                       depth, NULL, &err),
         &err, "finalizeWithdrawal ERC-20");
    must(lm_erc20_balance(&W.rpc, W.d.dev_token, W.addr[3].b, &after, &err), &err, "balanceOf");
    assert_true(lm_u256_sub(&diff, &after, &before));
    want = lm_u256_from_u64(40000000);
    assert_int_equal(lm_u256_cmp(&diff, &want), 0);

    /* the bond goes back to the proposer */
    must(lm_rollup_finalize_output(&W.proposer, &W.d, 0, NULL, &err), &err, "finalizeOutput");
    (void)zero20;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployment_file),
        cmocka_unit_test(test_deposits_and_events),
        cmocka_unit_test(test_batch_output_withdrawal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
