/* L1-facing hashes against the vectors of docs/contracts.md §4 (computed
 * with ethers.js by contracts/script/vectors.js and checked on chain by
 * contracts/test/Encoding.t.sol), and the withdrawal tree against a plain
 * padded-tree reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/settlement.h"

static void hex32(uint8_t out[32], const char *hex)
{
    assert_int_equal(lm_hex_decode_exact(out, 32, hex, strlen(hex), LM_HEX_PREFIX_OPTIONAL, NULL), LM_OK);
}

static void assert_hash(const uint8_t got[32], const char *want_hex)
{
    uint8_t want[32];
    hex32(want, want_hex);
    assert_memory_equal(got, want, 32);
}

static void test_messages(void **state)
{
    (void)state;
    lm_l1_message m = {0};
    m.kind = LM_MSG_DEPOSIT;
    m.index = 0;
    m.l1_block = 100;
    memset(m.from, 0xaa, 20);
    memset(m.to, 0xbb, 20);
    m.asset_id = 0;
    m.amount = 1000000000;
    uint8_t h[32], q[32], zero[32] = {0};
    lm_message_hash(h, &m);
    assert_hash(h, "6d9f89842e1f8575e689bac7d3cd6ede1f41d9bccdc051af2adedc87346dbd39");
    lm_queue_hash(q, zero, h);
    assert_hash(q, "403e8dae9e67d6d8d540330d8c42b22bbd11c568b6aaa1cb057fd36a7801bb89");

    m.kind = LM_MSG_FORCED_WITHDRAWAL;
    m.index = 1;
    m.l1_block = 101;
    m.asset_id = 1;
    m.amount = 5000000;
    lm_message_hash(h, &m);
    assert_hash(h, "ad8764dbcd5c9fdde1cf892cba50d8c9011993608d2a02db1aa61ae68b612a9b");
    lm_queue_hash(q, q, h);
    assert_hash(q, "879e89ab3d5c52f6d47bf434a783483cf6a525f215b5d2286487a780bf4f0c56");

    m.kind = LM_MSG_FORCED_TX;
    m.index = 2;
    m.l1_block = 102;
    lm_keccak256(m.tx_hash, (const uint8_t *)"\xde\xad\xbe\xef", 4);
    lm_message_hash(h, &m);
    assert_hash(h, "5398ec04e128d7d9208ee47226001e17c40bc5315335f097e6a497e879615e4d");
    lm_queue_hash(q, q, h);
    assert_hash(q, "b7a90724de73a1d2edb3b0c1e865de0e8392c6b06d50db23aaddbc8651b2af5a");
}

static void doc_leaves(uint8_t leaves[3][32])
{
    lm_withdrawal w[3] = {{.id = 0, .asset_id = 0, .amount = 1000000000},
                          {.id = 1, .asset_id = 1, .amount = 5000000},
                          {.id = 2, .asset_id = 0, .amount = 1}};
    for (int i = 0; i < 3; i++) {
        memset(w[i].l2_sender, 0x11 * (2 * i + 1), 20);
        memset(w[i].l1_recipient, 0x11 * (2 * i + 2), 20);
        lm_withdrawal_leaf(leaves[i], &w[i]);
    }
}

static void test_withdrawal_vectors(void **state)
{
    (void)state;
    uint8_t leaves[3][32], root[32], scratch[2][32];
    doc_leaves(leaves);
    assert_hash(leaves[0], "1d544feee15c953465ad28c85fa675536737ac031c97f3b1b94ca2708788b067");
    assert_hash(leaves[1], "8986af9f0cb3a7d00ca9e60b250e6c5319ad658f46cd85f134f3e39dd4739827");
    assert_hash(leaves[2], "dc94b53e81a34afa79fb96d969d2ab4290f980b380f5fb7f78440cb1d63032c8");
    assert_int_equal(lm_withdrawal_root(root, (const uint8_t (*)[32])leaves, 3, scratch, NULL), LM_OK);
    assert_hash(root, "f69aa90d4465868893835db00f5935560030657930eda8bab568b4515ff7b839");

    uint8_t proof[LM_WTREE_MAX_DEPTH][32];
    size_t depth;
    assert_int_equal(lm_withdrawal_proof(proof, &depth, (const uint8_t (*)[32])leaves, 3, 2, scratch, NULL), LM_OK);
    assert_int_equal(depth, 2);
    uint8_t zero[32] = {0};
    assert_memory_equal(proof[0], zero, 32);
    assert_hash(proof[1], "b0044dca16bf422d3903c78f5a043f6ce67e94f7723a4bbd59217b2e29f0f290");
    assert_true(lm_withdrawal_verify(root, leaves[2], 2, (const uint8_t (*)[32])proof, depth));
    assert_false(lm_withdrawal_verify(root, leaves[2], 3, (const uint8_t (*)[32])proof, depth));
    assert_false(lm_withdrawal_verify(root, leaves[1], 2, (const uint8_t (*)[32])proof, depth));
    assert_false(lm_withdrawal_verify(root, leaves[2], 6, (const uint8_t (*)[32])proof, depth));

    lm_output_preimage o = {.version = LM_OUTPUT_VERSION};
    memset(o.state_root, 0x11, 32);
    memcpy(o.withdrawals_root, root, 32);
    memset(o.last_block_hash, 0x33, 32);
    uint8_t out[32];
    lm_output_root(out, &o);
    assert_hash(out, "36afb9f0fe0c702e12efde228a12004a670954349dc2197766d54fdf7f479ffe");

    /* empty and single-leaf trees */
    assert_int_equal(lm_withdrawal_root(root, NULL, 0, NULL, NULL), LM_OK);
    assert_memory_equal(root, zero, 32);
    assert_int_equal(lm_withdrawal_root(root, (const uint8_t (*)[32])leaves, 1, NULL, NULL), LM_OK);
    assert_memory_equal(root, leaves[0], 32);
    lm_err err;
    assert_int_equal(lm_withdrawal_proof(proof, &depth, (const uint8_t (*)[32])leaves, 3, 3, scratch, &err), LM_EINVAL);
}

/* The reference: pad to a power of two with zero leaves, hash level by level. */
static void ref_root(uint8_t root[32], const uint8_t (*leaves)[32], size_t n)
{
    size_t w = 1;
    while (w < n)
        w <<= 1;
    uint8_t (*lv)[32] = calloc(w, 32);
    assert_non_null(lv);
    memcpy(lv, leaves, n * 32);
    for (; w > 1; w >>= 1)
        for (size_t j = 0; j < w / 2; j++)
            lm_keccak256(lv[j], lv[2 * j], 64);
    memcpy(root, lv[0], 32);
    free(lv);
}

static void test_tree_against_reference(void **state)
{
    (void)state;
    enum { MAX = 70 };
    uint8_t leaves[MAX][32], scratch[MAX][32], root[32], want[32], proof[LM_WTREE_MAX_DEPTH][32];
    for (size_t i = 0; i < MAX; i++)
        lm_keccak256(leaves[i], (const uint8_t *)&i, sizeof i);
    for (size_t n = 1; n <= MAX; n++) {
        assert_int_equal(lm_withdrawal_root(root, (const uint8_t (*)[32])leaves, n, scratch, NULL), LM_OK);
        ref_root(want, (const uint8_t (*)[32])leaves, n);
        assert_memory_equal(root, want, 32);
        for (size_t i = 0; i < n; i++) {
            size_t depth;
            assert_int_equal(lm_withdrawal_proof(proof, &depth, (const uint8_t (*)[32])leaves, n, i, scratch, NULL), LM_OK);
            assert_true(lm_withdrawal_verify(root, leaves[i], i, (const uint8_t (*)[32])proof, depth));
            if (depth) {
                proof[depth - 1][0] ^= 1;
                assert_false(lm_withdrawal_verify(root, leaves[i], i, (const uint8_t (*)[32])proof, depth));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_withdrawal_vectors),
        cmocka_unit_test(test_tree_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
