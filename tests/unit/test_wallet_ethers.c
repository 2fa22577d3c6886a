/* Wallet logic against ethers: the vectors of tests/ethers/gen_wallet.js.
 *  - amounts: lm_amount_parse_base agrees with ethers' parseUnits on every
 *    text: the same base units where ethers accepts, a refusal where it
 *    refuses (ethers also refuses precision loss);
 *  - transactions: lm_tx_sign on the fields ethers signed gives ethers'
 *    exact signature (both use RFC 6979 nonces) and the wire form equals
 *    ethers' solidityPacked bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/l2tx.h"
#include "lamina/wallet.h"

#include "../ethers_vectors.h"

static json_t *root;

static void get_addr(uint8_t out[20], const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    lm_address a;
    lm_err err;
    if (!s || lm_address_parse(&a, s, strlen(s), &err) != LM_OK)
        fail_msg("vector field %s is not an address", key);
    memcpy(out, a.b, 20);
}

static void test_amounts(void **state)
{
    (void)state;
    json_t *amounts = json_object_get(root, "amounts");
    size_t i, accepted = 0;
    json_t *v;
    json_array_foreach(amounts, i, v) {
        const char *text = json_string_value(json_object_get(v, "text"));
        unsigned decimals = (unsigned)json_integer_value(json_object_get(v, "decimals"));
        const json_t *want = json_object_get(v, "base");
        lm_u256 base;
        lm_err err;
        lm_code rc = lm_amount_parse_base(&base, text, strlen(text), decimals, &err);
        if (json_is_null(want)) {
            if (rc == LM_OK)
                fail_msg("\"%s\" (%u decimals): ethers refuses it, Lamina accepted", text, decimals);
            continue;
        }
        if (rc != LM_OK)
            fail_msg("\"%s\" (%u decimals): ethers accepts it, Lamina: %s", text, decimals, err.msg);
        char got[LM_U256_DEC_BUF];
        lm_u256_to_dec(got, &base);
        assert_string_equal(got, json_string_value(want));
        accepted++;
    }
    assert_true(accepted >= 50);
    assert_true(i - accepted >= 10);
}

static void test_txs(void **state)
{
    (void)state;
    json_t *txs = json_object_get(root, "txs");
    size_t i;
    json_t *v;
    json_array_foreach(txs, i, v) {
        uint8_t raw[32], rollup[20], want_sig[65], want_wire[LM_TX_WIRE_LEN], from[20];
        ev_get_hex(raw, 32, v, "key");
        get_addr(rollup, v, "rollup");
        ev_get_hex(want_sig, 65, v, "sig");
        ev_get_hex(want_wire, LM_TX_WIRE_LEN, v, "wire");
        get_addr(from, v, "from");
        lm_seckey k;
        lm_err err;
        assert_int_equal(lm_seckey_parse(&k, raw, &err), LM_OK);
        lm_tx tx;
        memset(&tx, 0, sizeof tx);
        tx.type = (lm_tx_type)json_integer_value(json_object_get(v, "type"));
        tx.chain_id = ev_get_u64(v, "chainId");
        get_addr(tx.to, v, "to");
        tx.asset = (uint32_t)json_integer_value(json_object_get(v, "asset"));
        tx.amount = ev_get_u64(v, "amount");
        tx.fee = ev_get_u64(v, "fee");
        tx.nonce = ev_get_u64(v, "nonce");
        assert_int_equal(lm_tx_sign(&tx, &k, rollup, &err), LM_OK);
        assert_memory_equal(tx.from, from, 20);
        if (memcmp(tx.sig, want_sig, 65) != 0)
            fail_msg("tx %zu: the signature differs from ethers'", i);
        uint8_t wire[LM_TX_WIRE_LEN];
        lm_tx_encode(wire, &tx);
        assert_memory_equal(wire, want_wire, LM_TX_WIRE_LEN);
        lm_seckey_wipe(&k);
    }
    assert_true(i >= 16);
}

static int setup(void **state)
{
    (void)state;
    root = ev_try_load("wallet", 0);
    return root ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_txs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
