/* L2 transactions against ethers: the vectors of tests/ethers/gen_l2tx.js,
 * signed by ethers' Wallet.signTypedData with the documented schema and
 * put on the wire by ethers' solidityPacked. For each: lm_tx_decode gives
 * the fields and lm_tx_encode the bytes back; the domain separator, struct
 * hash and signing digest equal ethers' TypedDataEncoder; secp256k1
 * recovery of ethers' signature gives `from`; lm_tx_hash equals
 * keccak256(wire) from ethers; and the STF, with real signature recovery
 * as its host, applies the transaction (or rejects it with the expected
 * code), also as a forced transaction from L1. Changing any signed field
 * breaks the signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "../stf_host.h"
#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/l2tx.h"
#include "lamina/secp256k1.h"
#include "lamina/stf.h"

#include "../ethers_vectors.h"

/* ecrecover with libsecp256k1 (the node's host). */
static bool real_ecrecover(void *ctx, const uint8_t digest[32], const uint8_t sig[65],
                           uint8_t address_out[20])
{
    (void)ctx;
    lm_sig s;
    memcpy(s.b, sig, 65);
    lm_address a;
    if (lm_ecdsa_recover_address(&a, digest, &s, NULL) != LM_OK)
        return false;
    memcpy(address_out, a.b, 20);
    return true;
}

static lm_stf_code code_by_name(const char *name)
{
    static const struct {
        const char *name;
        lm_stf_code code;
    } map[] = {{"OK", LM_STF_OK},
               {"NONCE_TOO_HIGH", LM_STF_NONCE_TOO_HIGH},
               {"UNKNOWN_ASSET", LM_STF_UNKNOWN_ASSET},
               {"ZERO_AMOUNT", LM_STF_ZERO_AMOUNT},
               {"INSUFFICIENT", LM_STF_INSUFFICIENT}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (name && strcmp(name, map[i].name) == 0)
            return map[i].code;
    fail_msg("unknown expectation %s", name ? name : "(null)");
    return LM_STF_CODE_COUNT;
}

typedef struct world {
    mem_host mh;
    lm_stf_host host;
    lm_stf_ctx ctx;
    lm_withdrawal w[4];
} world;

/* A chain where `from` holds 2^64 - 1 of asset (when < 8) and all 8
 * assets exist; the fee recipient is account 0. */
static void world_init(world *w, uint64_t chain, const uint8_t rollup[20], const uint8_t from[20],
                       uint32_t asset)
{
    memset(w, 0, sizeof *w);
    mh_init(&w->mh, &w->host, 0);
    w->host.ecrecover = real_ecrecover;
    lm_chain_meta meta = {0};
    lm_stf_init(&w->ctx, chain, rollup, &meta, &w->host, w->w, 4);
    lm_stf_message m;
    memset(&m, 0, sizeof m);
    m.msg.kind = LM_MSG_DEPOSIT;
    memset(m.msg.to, 0xfe, 20);
    m.msg.asset_id = 7;
    m.msg.amount = 1;
    lm_stf_code out;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_OK);
    if (asset < 8) {
        m.msg.index = 1;
        memcpy(m.msg.to, from, 20);
        m.msg.asset_id = asset;
        m.msg.amount = UINT64_MAX;
        assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
        assert_int_equal(out, LM_STF_OK);
    } else {
        m.msg.index = 1;
        memcpy(m.msg.to, from, 20);
        m.msg.asset_id = 0;
        assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    }
    assert_int_equal(w->ctx.meta.num_assets, 8);
}

static void test_vectors(void **state)
{
    (void)state;
    json_t *root = ev_load("l2tx", JSON_REJECT_DUPLICATES);
    json_t *vs = json_object_get(root, "vectors");
    assert_true(json_array_size(vs) >= 50);
    world *w = malloc(sizeof *w);
    assert_non_null(w);
    size_t i;
    json_t *v;
    size_t applied = 0;
    json_array_foreach(vs, i, v) {
        uint8_t wire[LM_TX_WIRE_LEN], want[32], got[32], rollup[20];
        ev_get_hex(wire, sizeof wire, v, "wire");
        ev_get_hex(rollup, 20, v, "rollup");

        /* decode: every field as ethers signed it */
        lm_tx tx;
        assert_int_equal(lm_tx_decode(&tx, wire, sizeof wire), LM_STF_OK);
        const char *type = json_string_value(json_object_get(v, "type"));
        assert_int_equal(tx.type, strcmp(type, "Transfer") == 0 ? LM_TX_TRANSFER : LM_TX_WITHDRAW);
        assert_true(tx.chain_id == ev_get_u64(v, "chainId"));
        uint8_t a[20];
        ev_get_hex(a, 20, v, "from");
        assert_memory_equal(tx.from, a, 20);
        ev_get_hex(a, 20, v, "to");
        assert_memory_equal(tx.to, a, 20);
        assert_true(tx.asset == (uint32_t)json_integer_value(json_object_get(v, "asset")));
        assert_true(tx.amount == ev_get_u64(v, "amount"));
        assert_true(tx.fee == ev_get_u64(v, "fee"));
        assert_true(tx.nonce == ev_get_u64(v, "nonce"));
        uint8_t sig[65];
        ev_get_hex(sig, 65, v, "signature");
        assert_memory_equal(tx.sig, sig, 65);
        uint8_t back[LM_TX_WIRE_LEN];
        lm_tx_encode(back, &tx);
        assert_memory_equal(back, wire, sizeof wire);

        /* hashes */
        lm_tx_hash(got, &tx);
        ev_get_hex(want, 32, v, "txHash");
        if (memcmp(got, want, 32))
            fail_msg("vector %zu: tx hash differs from keccak256(wire) of ethers", i);
        uint8_t ds[32];
        lm_eip712_lamina_domain_separator(ds, tx.chain_id, rollup);
        ev_get_hex(want, 32, v, "domainSeparator");
        assert_memory_equal(ds, want, 32);
        lm_tx_struct_hash(got, &tx);
        ev_get_hex(want, 32, v, "structHash");
        if (memcmp(got, want, 32))
            fail_msg("vector %zu: struct hash differs from ethers", i);
        lm_tx_signing_digest(got, &tx, ds);
        ev_get_hex(want, 32, v, "digest");
        if (memcmp(got, want, 32))
            fail_msg("vector %zu: signing digest differs from ethers", i);

        /* recovery gives `from` */
        uint8_t signer[20];
        assert_true(real_ecrecover(NULL, got, tx.sig, signer));
        assert_memory_equal(signer, tx.from, 20);

        /* the STF with real recovery */
        lm_stf_code expect = code_by_name(json_string_value(json_object_get(v, "expect")));
        world_init(w, tx.chain_id, rollup, tx.from, tx.asset);
        assert_int_equal(memcmp(w->ctx.config.domain_separator, ds, 32), 0);
        assert_int_equal(lm_stf_check_tx(&w->ctx, &tx), expect);
        lm_stf_code rc = lm_stf_apply_tx_wire(&w->ctx, wire, sizeof wire, 0);
        if (rc != expect)
            fail_msg("vector %zu: STF says %s, expected %s", i, lm_stf_code_message(rc),
                     lm_stf_code_message(expect));
        if (rc == LM_STF_OK) {
            applied++;
            /* applied once only */
            assert_int_equal(lm_stf_apply_tx(&w->ctx, &tx, 0), LM_STF_NONCE_USED);
            if (tx.type == LM_TX_WITHDRAW) {
                assert_int_equal(w->ctx.withdrawal_count, 1);
                assert_true(w->w[0].amount == tx.amount);
                assert_memory_equal(w->w[0].l1_recipient, tx.to, 20);
            }
            /* the same as a forced transaction from L1 */
            world_init(w, tx.chain_id, rollup, tx.from, tx.asset);
            lm_stf_message m;
            memset(&m, 0, sizeof m);
            m.msg.kind = LM_MSG_FORCED_TX;
            m.msg.index = w->ctx.meta.l1_messages_done;
            memcpy(m.msg.from, tx.from, 20);
            m.tx = wire;
            m.tx_len = sizeof wire;
            lm_stf_code out;
            assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
            assert_int_equal(out, LM_STF_OK);
            assert_true(lm_stf_apply_tx(&w->ctx, &tx, 0) == LM_STF_NONCE_USED);
        }

        /* any changed field breaks the signature; another chain is refused */
        world_init(w, tx.chain_id, rollup, tx.from, tx.asset);
        lm_tx t2 = tx;
        t2.amount ^= 1;
        assert_int_equal(lm_stf_apply_tx(&w->ctx, &t2, 0), LM_STF_BAD_SIGNATURE);
        t2 = tx;
        t2.to[19] ^= 1;
        assert_int_equal(lm_stf_apply_tx(&w->ctx, &t2, 0), LM_STF_BAD_SIGNATURE);
        t2 = tx;
        t2.type = tx.type == LM_TX_TRANSFER ? LM_TX_WITHDRAW : LM_TX_TRANSFER;
        assert_int_equal(lm_stf_apply_tx(&w->ctx, &t2, 0), LM_STF_BAD_SIGNATURE);
        uint8_t other_rollup[20];
        memcpy(other_rollup, rollup, 20);
        other_rollup[0] ^= 1;
        world_init(w, tx.chain_id, other_rollup, tx.from, tx.asset);
        assert_int_equal(lm_stf_apply_tx(&w->ctx, &tx, 0), LM_STF_BAD_SIGNATURE);
        world_init(w, tx.chain_id ^ 1, rollup, tx.from, tx.asset);
        assert_int_equal(lm_stf_apply_tx(&w->ctx, &tx, 0), LM_STF_WRONG_CHAIN);
    }
    assert_true(applied >= 40);
    free(w);
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
