/* secp256k1, addresses and EIP-191 against ethers: the vectors written by
 * tests/ethers/gen_secp256k1.js. Public keys, addresses (computeAddress,
 * getAddress), RFC 6979 signatures byte for byte, recovery, hashMessage and
 * signMessageSync. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/secp256k1.h"

#include "../ethers_vectors.h"

static json_t *root;

static int setup(void **state)
{
    (void)state;
    root = ev_try_load("secp256k1", 0);
    return root ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(root);
    return 0;
}

static void test_keys(void **state)
{
    (void)state;
    json_t *keys = json_object_get(root, "keys");
    assert_true(json_array_size(keys) >= 100);
    size_t i;
    json_t *v;
    json_array_foreach(keys, i, v) {
        uint8_t kb[32], pub65[65], comp[33], digest[32], my_comp[33];
        lm_seckey key;
        lm_pubkey pk, parsed;
        lm_address addr;
        lm_sig sig, want_sig;
        lm_err err;
        ev_get_hex(kb, 32, v, "key");
        ev_get_hex(pub65, 65, v, "publicKey");
        ev_get_hex(comp, 33, v, "compressed");
        ev_get_hex(digest, 32, v, "digest");
        ev_get_hex(want_sig.b, 65, v, "signature");
        assert_int_equal(lm_seckey_parse(&key, kb, &err), LM_OK);
        lm_wipe(kb, sizeof kb);

        assert_int_equal(lm_pubkey_from_seckey(&pk, &key, &err), LM_OK);
        assert_memory_equal(pk.b, pub65 + 1, 64);
        lm_pubkey_compress(my_comp, &pk);
        assert_memory_equal(my_comp, comp, 33);
        assert_int_equal(lm_pubkey_parse(&parsed, comp, 33, &err), LM_OK);
        assert_memory_equal(parsed.b, pk.b, 64);
        assert_int_equal(lm_pubkey_parse(&parsed, pub65, 65, &err), LM_OK);
        assert_memory_equal(parsed.b, pk.b, 64);

        char text[LM_ADDRESS_TEXT_LEN + 1];
        assert_int_equal(lm_address_from_seckey(&addr, &key, &err), LM_OK);
        lm_address_to_checksum(text, &addr);
        assert_string_equal(text, json_string_value(json_object_get(v, "address")));

        assert_int_equal(lm_ecdsa_sign(&sig, digest, &key, &err), LM_OK);
        if (memcmp(sig.b, want_sig.b, 65))
            fail_msg("key %zu: signature differs from ethers'", i);
        lm_pubkey rec;
        assert_int_equal(lm_ecdsa_recover(&rec, digest, &want_sig, &err), LM_OK);
        assert_memory_equal(rec.b, pk.b, 64);
        lm_seckey_wipe(&key);
    }
}

static void test_eip191(void **state)
{
    (void)state;
    json_t *msgs = json_object_get(root, "eip191");
    assert_true(json_array_size(msgs) >= 15);
    size_t i;
    json_t *v;
    json_array_foreach(msgs, i, v) {
        const char *hex = json_string_value(json_object_get(v, "message"));
        size_t cap = strlen(hex) / 2 + 1, len;
        uint8_t *msg = malloc(cap);
        assert_non_null(msg);
        lm_err err;
        assert_int_equal(lm_hex_decode(msg, cap, &len, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
        uint8_t h[32], want[32], kb[32];
        lm_eip191_hash(h, len ? msg : NULL, len);
        free(msg);
        ev_get_hex(want, 32, v, "hash");
        if (memcmp(h, want, 32))
            fail_msg("message %zu (%zu bytes): hash differs from ethers' hashMessage", i, len);

        lm_seckey key;
        lm_sig sig, want_sig;
        lm_address a, b;
        ev_get_hex(kb, 32, v, "key");
        ev_get_hex(want_sig.b, 65, v, "signature");
        assert_int_equal(lm_seckey_parse(&key, kb, &err), LM_OK);
        assert_int_equal(lm_ecdsa_sign(&sig, h, &key, &err), LM_OK);
        assert_memory_equal(sig.b, want_sig.b, 65);
        assert_int_equal(lm_ecdsa_recover_address(&a, h, &want_sig, &err), LM_OK);
        assert_int_equal(lm_address_from_seckey(&b, &key, &err), LM_OK);
        assert_memory_equal(a.b, b.b, 20);
        lm_seckey_wipe(&key);
    }
}

static void test_checksums(void **state)
{
    (void)state;
    json_t *addrs = json_object_get(root, "addresses");
    assert_true(json_array_size(addrs) >= 100);
    size_t i;
    json_t *v;
    json_array_foreach(addrs, i, v) {
        const char *want = json_string_value(v);
        lm_address a;
        lm_err err;
        char lower[LM_ADDRESS_TEXT_LEN + 1], text[LM_ADDRESS_TEXT_LEN + 1];
        /* parse the lowercase form (no checksum), print with checksum */
        for (size_t k = 0; k <= LM_ADDRESS_TEXT_LEN; k++)
            lower[k] = (want[k] >= 'A' && want[k] <= 'F') ? (char)(want[k] - 'A' + 'a') : want[k];
        assert_int_equal(lm_address_parse(&a, lower, LM_ADDRESS_TEXT_LEN, &err), LM_OK);
        lm_address_to_checksum(text, &a);
        assert_string_equal(text, want);
        assert_int_equal(lm_address_parse(&a, want, LM_ADDRESS_TEXT_LEN, &err), LM_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_eip191),
        cmocka_unit_test(test_checksums),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
