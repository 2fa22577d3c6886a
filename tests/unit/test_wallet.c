/* Wallet logic without I/O (include/lamina/wallet.h): amounts typed by
 * people converted exactly or refused, formatting that parses back, the
 * nonce picked from a window, transactions signed so that recovery gives
 * the sender and the wire form decodes, and the node's JSON answers parsed
 * strictly (a withdrawal proof must lead to its output's root). */
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
#include "lamina/eip712.h"
#include "lamina/l2tx.h"
#include "lamina/wallet.h"

static lm_code parse(const char *text, const lm_asset_fmt *f, uint64_t *units, lm_err *err)
{
    return lm_amount_parse(units, NULL, text, strlen(text), f, err);
}

static void test_amount_eth(void **state)
{
    (void)state;
    lm_asset_fmt eth;
    lm_asset_fmt_eth(&eth);
    uint64_t u = 0;
    lm_err err;
    struct {
        const char *text;
        uint64_t units;
    } ok[] = {
        {"1.5", 1500000000},           {"0.000000001", 1},
        {"0", 0},                      {"12", 12000000000},
        {".5", 500000000},             {"5.", 5000000000},
        {"1.500000000000000000000", 1500000000}, /* zeros past wei are harmless */
        {"18446744073.709551615", UINT64_MAX},   /* 2^64 - 1 gwei */
        {"0.000000001000000000", 1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        lm_u256 base;
        if (lm_amount_parse(&u, &base, ok[i].text, strlen(ok[i].text), &eth, &err) != LM_OK)
            fail_msg("%s: %s", ok[i].text, err.msg);
        assert_int_equal(u, ok[i].units);
        lm_u256 want = lm_u256_from_u64(ok[i].units), g = lm_u256_from_u64(1000000000);
        assert_true(lm_u256_mul(&want, &want, &g));
        assert_true(lm_u256_eq(&base, &want));
    }
    struct {
        const char *text;
        lm_code code;
        const char *msg;
    } bad[] = {
        {"0.0000000001", LM_EINVAL, "whole number of L2 units"}, /* 0.1 gwei */
        {"1.0000000000000000001", LM_EINVAL, "more than 18 decimal places"},
        {"18446744073.709551616", LM_EOVERFLOW, "2^64"},
        {"1000000000000000000000000000000000000000000000000000000000000000000000000000000",
         LM_EOVERFLOW, "too large"},
        {"", LM_EINVAL, "empty"},
        {".", LM_EINVAL, "no digits"},
        {"1.2.3", LM_EINVAL, "more than one"},
        {"1e5", LM_EINVAL, "offset 1"},
        {"-1", LM_EINVAL, "offset 0"},
        {"+1", LM_EINVAL, "offset 0"},
        {" 1", LM_EINVAL, "offset 0"},
        {"1,5", LM_EINVAL, "offset 1"},
        {"0x10", LM_EINVAL, "offset 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        u = 77;
        lm_code rc = parse(bad[i].text, &eth, &u, &err);
        if (rc != bad[i].code || !strstr(err.msg, bad[i].msg))
            fail_msg("\"%s\": expected %s \"%s\", got %s \"%s\"", bad[i].text,
                     lm_code_name(bad[i].code), bad[i].msg, lm_code_name(rc), err.msg);
        assert_int_equal(u, 77); /* untouched */
    }
    /* embedded NUL: the length counts, not the terminator */
    assert_int_equal(lm_amount_parse(&u, NULL, "1\0002", 3, &eth, &err), LM_EINVAL);
}

static void test_amount_token(void **state)
{
    (void)state;
    lm_asset_fmt tok = {6, LM_U256_ONE}; /* DevToken: 6 decimals, unit 1 */
    uint64_t u;
    lm_err err;
    assert_int_equal(parse("2.5", &tok, &u, &err), LM_OK);
    assert_int_equal(u, 2500000);
    assert_int_equal(parse("0.000001", &tok, &u, &err), LM_OK);
    assert_int_equal(u, 1);
    assert_int_equal(parse("0.0000001", &tok, &u, &err), LM_EINVAL);
    /* a token whose L2 unit is 100 base units */
    lm_asset_fmt t100 = {6, lm_u256_from_u64(100)};
    assert_int_equal(parse("1.0001", &t100, &u, &err), LM_OK);
    assert_int_equal(u, 10001);
    assert_int_equal(parse("1.00001", &t100, &u, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "one unit is 100 base units"));
    /* zero decimals */
    lm_asset_fmt whole = {0, LM_U256_ONE};
    assert_int_equal(parse("12.000", &whole, &u, &err), LM_OK);
    assert_int_equal(u, 12);
    assert_int_equal(parse("12.5", &whole, &u, &err), LM_EINVAL);
    lm_asset_fmt zero_unit = {6, LM_U256_ZERO};
    assert_int_equal(parse("1", &zero_unit, &u, &err), LM_EINVAL);
}

static void expect_format(uint64_t units, const lm_asset_fmt *f, const char *want)
{
    char buf[LM_AMOUNT_TEXT_MAX];
    lm_err err;
    assert_int_equal(lm_amount_format(buf, sizeof buf, units, f, &err), LM_OK);
    assert_string_equal(buf, want);
}

static void test_amount_format(void **state)
{
    (void)state;
    lm_asset_fmt eth, tok = {6, LM_U256_ONE}, whole = {0, LM_U256_ONE};
    lm_asset_fmt_eth(&eth);
    expect_format(1500000000, &eth, "1.5");
    expect_format(1, &eth, "0.000000001");
    expect_format(0, &eth, "0");
    expect_format(3000000000, &eth, "3");
    expect_format(UINT64_MAX, &eth, "18446744073.709551615");
    expect_format(2500000, &tok, "2.5");
    expect_format(10, &tok, "0.00001");
    expect_format(42, &whole, "42");
    char buf[8];
    lm_err err;
    assert_int_equal(lm_amount_format(buf, sizeof buf, UINT64_MAX, &eth, &err), LM_ESPACE);
    lm_u256 wei = LM_U256_ONE;
    char big[LM_AMOUNT_TEXT_MAX];
    assert_int_equal(lm_amount_format_base(big, sizeof big, &wei, 18, &err), LM_OK);
    assert_string_equal(big, "0.000000000000000001");
    /* property: format then parse gives the same units, for many values */
    uint64_t x = 0x9e3779b97f4a7c15u;
    const lm_asset_fmt *fmts[] = {&eth, &tok, &whole};
    for (int i = 0; i < 3000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t v = x >> (i % 64);
        const lm_asset_fmt *f = fmts[i % 3];
        char t[LM_AMOUNT_TEXT_MAX];
        assert_int_equal(lm_amount_format(t, sizeof t, v, f, &err), LM_OK);
        uint64_t back;
        if (parse(t, f, &back, &err) != LM_OK || back != v)
            fail_msg("%llu -> \"%s\" did not parse back", (unsigned long long)v, t);
    }
}

static void test_nonce_pick(void **state)
{
    (void)state;
    uint64_t n = 0;
    lm_err err;
    assert_int_equal(lm_nonce_pick(&n, 5, 0, &err), LM_OK);
    assert_int_equal(n, 5);
    assert_int_equal(lm_nonce_pick(&n, 5, 0xb, &err), LM_OK); /* bits 0, 1, 3 used */
    assert_int_equal(n, 7);
    assert_int_equal(lm_nonce_pick(&n, 0, UINT64_MAX >> 1, &err), LM_OK);
    assert_int_equal(n, 63);
    assert_int_equal(lm_nonce_pick(&n, 100, 0x2, &err), LM_OK); /* bit 0 clear at rest */
    assert_int_equal(n, 100);
    n = 9;
    assert_int_equal(lm_nonce_pick(&n, 0, UINT64_MAX, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "64 nonces"));
    assert_int_equal(lm_nonce_pick(&n, UINT64_MAX, 1, &err), LM_EOVERFLOW);
    assert_int_equal(n, 9);
    assert_int_equal(lm_nonce_pick(&n, UINT64_MAX, 0, &err), LM_OK);
    assert_int_equal(n, UINT64_MAX);
}

static void test_tx_sign(void **state)
{
    (void)state;
    lm_err err;
    lm_seckey k, other;
    uint8_t raw[32];
    memset(raw, 0x42, 32);
    assert_int_equal(lm_seckey_parse(&k, raw, &err), LM_OK);
    memset(raw, 0x43, 32);
    assert_int_equal(lm_seckey_parse(&other, raw, &err), LM_OK);
    lm_address me;
    assert_int_equal(lm_address_from_seckey(&me, &k, &err), LM_OK);
    uint8_t rollup[20];
    memset(rollup, 0xab, 20);
    for (int type = LM_TX_TRANSFER; type <= LM_TX_WITHDRAW; type++) {
        lm_tx tx;
        memset(&tx, 0, sizeof tx);
        tx.type = (lm_tx_type)type;
        tx.chain_id = 42069;
        memset(tx.to, 0x11, 20);
        tx.asset = 1;
        tx.amount = 2500000;
        tx.fee = 3;
        tx.nonce = 7;
        assert_int_equal(lm_tx_sign(&tx, &k, rollup, &err), LM_OK);
        assert_memory_equal(tx.from, me.b, 20); /* filled in */
        uint8_t domain[32], digest[32];
        lm_eip712_lamina_domain_separator(domain, 42069, rollup);
        lm_tx_signing_digest(digest, &tx, domain);
        lm_sig sig;
        memcpy(sig.b, tx.sig, 65);
        lm_address rec;
        assert_int_equal(lm_ecdsa_recover_address(&rec, digest, &sig, &err), LM_OK);
        assert_memory_equal(rec.b, me.b, 20);
        /* the wire form decodes to the same transaction */
        uint8_t wire[LM_TX_WIRE_LEN];
        lm_tx_encode(wire, &tx);
        lm_tx back;
        assert_int_equal(lm_tx_decode(&back, wire, sizeof wire), LM_STF_OK);
        assert_memory_equal(back.sig, tx.sig, 65);
        assert_int_equal(back.nonce, 7);
        /* another rollup or chain is another domain: recovery gives someone else */
        uint8_t rollup2[20];
        memset(rollup2, 0xac, 20);
        lm_eip712_lamina_domain_separator(domain, 42069, rollup2);
        lm_tx_signing_digest(digest, &tx, domain);
        if (lm_ecdsa_recover_address(&rec, digest, &sig, &err) == LM_OK)
            assert_memory_not_equal(rec.b, me.b, 20);
        /* a from that is not the key's address is refused */
        assert_int_equal(lm_tx_sign(&tx, &other, rollup, &err), LM_EINVAL);
    }
    lm_seckey_wipe(&k);
    lm_seckey_wipe(&other);
}

static json_t *js(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad test JSON: %s", je.text);
    return v;
}

static void test_parse_account(void **state)
{
    (void)state;
    lm_err err;
    lm_account a;
    memset(&a, 0x55, sizeof a);
    uint64_t idx = 9;
    bool exists = true;
    json_t *v = js("null");
    assert_int_equal(lm_wallet_parse_account(&a, &idx, &exists, v, &err), LM_OK);
    assert_false(exists);
    assert_int_equal(a.balance[0], 0);
    assert_int_equal(a.address[0], 0x55); /* kept */
    json_decref(v);
    v = js("{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":3,"
           "\"nonceBase\":5,\"nonceBits\":\"18446744073709551614\","
           "\"balances\":{\"0\":1500000000,\"2\":\"18446744073709551615\"}}");
    assert_int_equal(lm_wallet_parse_account(&a, &idx, &exists, v, &err), LM_OK);
    assert_true(exists);
    assert_int_equal(idx, 3);
    assert_int_equal(a.nonce_base, 5);
    assert_int_equal(a.nonce_bits, UINT64_MAX - 1);
    assert_int_equal(a.balance[0], 1500000000);
    assert_int_equal(a.balance[1], 0);
    assert_int_equal(a.balance[2], UINT64_MAX);
    assert_int_equal(a.address[19], 0x11);
    json_decref(v);
    const char *bad[] = {
        "[]",
        "{\"address\":\"0x11\",\"index\":3,\"nonceBase\":5,\"nonceBits\":0,\"balances\":{}}",
        "{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":-3,"
        "\"nonceBase\":5,\"nonceBits\":0,\"balances\":{}}",
        "{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":3,"
        "\"nonceBase\":5,\"nonceBits\":\"18446744073709551616\",\"balances\":{}}",
        "{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":3,"
        "\"nonceBase\":5.5,\"nonceBits\":0,\"balances\":{}}",
        "{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":3,"
        "\"nonceBase\":5,\"nonceBits\":0,\"balances\":{\"8\":1}}",
        "{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":3,"
        "\"nonceBase\":5,\"nonceBits\":0,\"balances\":{\"0\":\"0x10\"}}",
        "{\"address\":\"0x1111111111111111111111111111111111111111\",\"index\":3,"
        "\"nonceBase\":5,\"nonceBits\":0}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = js(bad[i]);
        a.nonce_base = 99;
        if (lm_wallet_parse_account(&a, &idx, &exists, v, &err) != LM_EPROTO)
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(a.nonce_base, 99);
        json_decref(v);
    }
}

/* A two-leaf withdrawal tree built with lm_withdrawal_proof, served as the
 * node would serve it. */
static void test_parse_withdrawal_proof(void **state)
{
    (void)state;
    lm_err err;
    lm_withdrawal w[2];
    memset(w, 0, sizeof w);
    for (int i = 0; i < 2; i++) {
        w[i].id = 10 + (uint64_t)i;
        memset(w[i].l2_sender, 0x20 + i, 20);
        memset(w[i].l1_recipient, 0x30 + i, 20);
        w[i].asset_id = 0;
        w[i].amount = 1000 + (uint64_t)i;
    }
    uint8_t leaves[2][32], proof[LM_WTREE_MAX_DEPTH][32], root[32], scratch[1][32];
    lm_withdrawal_leaf(leaves[0], &w[0]);
    lm_withdrawal_leaf(leaves[1], &w[1]);
    size_t depth;
    assert_int_equal(lm_withdrawal_root(root, (const uint8_t(*)[32])leaves, 2, scratch, &err), LM_OK);
    assert_int_equal(lm_withdrawal_proof(proof, &depth, (const uint8_t(*)[32])leaves, 2, 1, scratch,
                                         &err),
                     LM_OK);
    assert_int_equal(depth, 1);
    char root_hex[67], sib_hex[67], text[2048];
    lm_hex_encode(root_hex, root, 32, true);
    lm_hex_encode(sib_hex, proof[0], 32, true);
#define PROOF_FMT                                                                           \
    "{\"withdrawal\":{\"id\":11,\"l2Sender\":\"0x2121212121212121212121212121212121212121\"," \
    "\"l1Recipient\":\"0x3131313131313131313131313131313131313131\",\"assetId\":0," \
    "\"amount\":%s},\"batchIndex\":4,\"leafIndex\":1,\"proof\":[\"%s\"]," \
    "\"output\":{\"version\":0,\"stateRoot\":\"0x%064d\",\"withdrawalsRoot\":\"%s\"," \
    "\"lastBlockHash\":\"0x%064d\"}}"
    snprintf(text, sizeof text, PROOF_FMT, "1001", sib_hex, 7, root_hex, 9);
    json_t *v = js(text);
    lm_withdrawal_claim c;
    bool posted = false;
    if (lm_wallet_parse_withdrawal_proof(&c, &posted, v, &err) != LM_OK)
        fail_msg("%s", err.msg);
    assert_true(posted);
    assert_int_equal(c.withdrawal.id, 11);
    assert_int_equal(c.withdrawal.amount, 1001);
    assert_int_equal(c.batch_index, 4);
    assert_int_equal(c.leaf_index, 1);
    assert_int_equal(c.depth, 1);
    assert_memory_equal(c.output.withdrawals_root, root, 32);
    assert_int_equal(c.output.state_root[31], 0x07);
    json_decref(v);
    /* another amount: the proof no longer leads to the root */
    snprintf(text, sizeof text, PROOF_FMT, "1002", sib_hex, 7, root_hex, 9);
    v = js(text);
    assert_int_equal(lm_wallet_parse_withdrawal_proof(&c, &posted, v, &err), LM_EPROTO);
    assert_non_null(strstr(err.msg, "does not lead"));
    json_decref(v);
    v = js("null");
    posted = true;
    assert_int_equal(lm_wallet_parse_withdrawal_proof(&c, &posted, v, &err), LM_OK);
    assert_false(posted);
    json_decref(v);
    v = js("{\"withdrawal\":{}}");
    assert_int_equal(lm_wallet_parse_withdrawal_proof(&c, &posted, v, &err), LM_EPROTO);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amount_eth),      cmocka_unit_test(test_amount_token),
        cmocka_unit_test(test_amount_format),   cmocka_unit_test(test_nonce_pick),
        cmocka_unit_test(test_tx_sign),         cmocka_unit_test(test_parse_account),
        cmocka_unit_test(test_parse_withdrawal_proof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
