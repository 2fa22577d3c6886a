/* EIP-1559 transactions against ethers: the vectors written by
 * tests/ethers/gen_l1tx.js (ethers v6 Wallet.signTransaction over fixed keys:
 * transfers, calldata, contract creation, huge values, zero fields, access
 * lists, long data, seeded random cases). The C signing hash, signature,
 * serialization and transaction hash must equal ethers' byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/l1_rpc.h"
#include "lamina/l1_tx.h"
#include "lamina/secp256k1.h"

#include "../ethers_vectors.h"
#include "../test_hex.h"

static const char *str(const json_t *v, const char *key)
{
    const char *s = json_string_value(json_object_get(v, key));
    if (!s)
        fail_msg("vector lacks string %s", key);
    return s;
}

/* Decodes 0x-hex into a malloc'ed buffer. */
static uint8_t *hex_alloc(const char *hex, size_t *len)
{
    return test_hex_alloc(hex, len, LM_HEX_PREFIX_REQUIRED);
}

static void hex_fixed(uint8_t *out, size_t n, const char *hex)
{
    lm_err err;
    if (lm_hex_decode_exact(out, n, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, &err) != LM_OK)
        fail_msg("bad fixed hex in vector: %s", err.msg);
}

static uint64_t q64(const json_t *v, const char *key)
{
    uint64_t x;
    const char *s = str(v, key);
    lm_err err;
    if (lm_rpc_parse_u64(&x, s, strlen(s), &err) != LM_OK)
        fail_msg("%s: %s", key, err.msg);
    return x;
}

static lm_u256 q256(const json_t *v, const char *key)
{
    lm_u256 x;
    const char *s = str(v, key);
    lm_err err;
    if (lm_rpc_parse_u256(&x, s, strlen(s), &err) != LM_OK)
        fail_msg("%s: %s", key, err.msg);
    return x;
}

typedef struct vec {
    lm_l1_tx1559 tx;
    uint8_t *data;
    lm_l1_access_tuple al[8];
    uint8_t keys[8][4][32];
    lm_seckey key;
} vec;

static void load_vec(vec *o, const json_t *v)
{
    memset(o, 0, sizeof *o);
    lm_err err;
    uint8_t kb[32];
    hex_fixed(kb, 32, str(v, "key"));
    assert_int_equal(lm_seckey_parse(&o->key, kb, &err), LM_OK);
    o->tx.chain_id = q64(v, "chainId");
    o->tx.nonce = q64(v, "nonce");
    o->tx.max_priority_fee_per_gas = q256(v, "maxPriorityFeePerGas");
    o->tx.max_fee_per_gas = q256(v, "maxFeePerGas");
    o->tx.gas_limit = q64(v, "gasLimit");
    const json_t *to = json_object_get(v, "to");
    o->tx.has_to = !json_is_null(to);
    if (o->tx.has_to)
        hex_fixed(o->tx.to, 20, json_string_value(to));
    o->tx.value = q256(v, "value");
    o->data = hex_alloc(str(v, "data"), &o->tx.data_len);
    o->tx.data = o->data;
    const json_t *al = json_object_get(v, "accessList");
    assert_true(json_array_size(al) <= 8);
    for (size_t i = 0; i < json_array_size(al); i++) {
        const json_t *e = json_array_get(al, i);
        hex_fixed(o->al[i].address, 20, str(e, "address"));
        const json_t *ks = json_object_get(e, "storageKeys");
        assert_true(json_array_size(ks) <= 4);
        for (size_t k = 0; k < json_array_size(ks); k++)
            hex_fixed(o->keys[i][k], 32, json_string_value(json_array_get(ks, k)));
        o->al[i].storage_keys = (const uint8_t(*)[32])o->keys[i];
        o->al[i].n_storage_keys = json_array_size(ks);
    }
    o->tx.access_list = o->al;
    o->tx.n_access = json_array_size(al);
}

static void test_against_ethers(void **state)
{
    (void)state;
    json_t *doc = ev_load("l1tx", 0);
    const json_t *vectors = json_object_get(doc, "vectors");
    assert_true(json_array_size(vectors) >= 50);
    size_t i;
    const json_t *v;
    size_t creations = 0, with_access = 0, long_data = 0;
    json_array_foreach(vectors, i, v)
    {
        vec *t = malloc(sizeof *t);
        load_vec(t, v);
        lm_err err;
        creations += !t->tx.has_to;
        with_access += t->tx.n_access > 0;
        long_data += t->tx.data_len > 1000;

        /* the signing hash */
        uint8_t want[32], got[32];
        hex_fixed(want, 32, str(v, "unsignedHash"));
        assert_int_equal(lm_l1_tx_signing_hash(got, &t->tx, &err), LM_OK);
        if (memcmp(got, want, 32) != 0)
            fail_msg("vector %zu: signing hash differs", i);

        /* signing gives ethers' signature, serialization and hash */
        lm_l1_signed_tx s;
        if (lm_l1_tx_sign(&s, &t->tx, &t->key, &err) != LM_OK)
            fail_msg("vector %zu: sign: %s", i, err.msg);
        size_t raw_len;
        uint8_t *raw = hex_alloc(str(v, "raw"), &raw_len);
        if (s.raw_len != raw_len || memcmp(s.raw, raw, raw_len) != 0)
            fail_msg("vector %zu: serialization differs (len %zu vs %zu)", i, s.raw_len, raw_len);
        hex_fixed(want, 32, str(v, "hash"));
        if (memcmp(s.hash, want, 32) != 0)
            fail_msg("vector %zu: tx hash differs", i);
        uint8_t r[32], sv[32];
        hex_fixed(r, 32, str(v, "r"));
        hex_fixed(sv, 32, str(v, "s"));
        assert_memory_equal(s.sig.r, r, 32);
        assert_memory_equal(s.sig.s, sv, 32);
        assert_int_equal(s.sig.y_parity, json_integer_value(json_object_get(v, "yParity")));

        /* encoding with a given signature: exact size, and ESPACE one short */
        size_t need = lm_l1_tx_encoded_size(&t->tx, &s.sig);
        assert_int_equal(need, raw_len);
        uint8_t *buf = malloc(need);
        size_t len = 0;
        assert_int_equal(lm_l1_tx_encode(buf, need, &len, &t->tx, &s.sig, &err), LM_OK);
        assert_int_equal(len, raw_len);
        assert_memory_equal(buf, raw, raw_len);
        assert_int_equal(lm_l1_tx_encode(buf, need - 1, &len, &t->tx, &s.sig, &err), LM_ESPACE);

        /* the signature recovers to the sender ethers names */
        lm_address from;
        assert_int_equal(lm_address_from_seckey(&from, &t->key, &err), LM_OK);
        char text[LM_ADDRESS_TEXT_LEN + 1];
        lm_address_to_checksum(text, &from);
        assert_string_equal(text, str(v, "from"));
        lm_sig sig;
        memcpy(sig.b, s.sig.r, 32);
        memcpy(sig.b + 32, s.sig.s, 32);
        sig.b[64] = (uint8_t)(27 + s.sig.y_parity);
        lm_address rec;
        assert_int_equal(lm_l1_tx_signing_hash(got, &t->tx, &err), LM_OK);
        assert_int_equal(lm_ecdsa_recover_address(&rec, got, &sig, &err), LM_OK);
        assert_memory_equal(rec.b, from.b, 20);

        free(buf);
        free(raw);
        lm_l1_signed_tx_free(&s);
        lm_seckey_wipe(&t->key);
        free(t->data);
        free(t);
    }
    /* the generator covered what it claims */
    assert_true(creations >= 3 && with_access >= 1 && long_data >= 1);
    json_decref(doc);
}

static void test_rejects(void **state)
{
    (void)state;
    lm_l1_tx1559 tx;
    memset(&tx, 0, sizeof tx);
    tx.max_fee_per_gas = lm_u256_from_u64(1);
    tx.max_priority_fee_per_gas = lm_u256_from_u64(2);
    uint8_t h[32];
    lm_err err;
    assert_int_equal(lm_l1_tx_signing_hash(h, &tx, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "priority"));
    tx.max_priority_fee_per_gas = lm_u256_from_u64(1);
    assert_int_equal(lm_l1_tx_signing_hash(h, &tx, &err), LM_OK);
    tx.data_len = 3; /* NULL data with a length */
    assert_int_equal(lm_l1_tx_signing_hash(h, &tx, &err), LM_EINVAL);
    tx.data_len = 0;
    lm_l1_tx_sig sig;
    memset(&sig, 0, sizeof sig);
    sig.y_parity = 2;
    uint8_t buf[128];
    size_t len;
    assert_int_equal(lm_l1_tx_encode(buf, sizeof buf, &len, &tx, &sig, &err), LM_EINVAL);
    /* an all-zero key cannot sign */
    lm_seckey zero;
    memset(&zero, 0, sizeof zero);
    lm_l1_signed_tx s;
    assert_int_equal(lm_l1_tx_sign(&s, &tx, &zero, &err), LM_ECRYPTO);
    assert_null(s.raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_ethers),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
