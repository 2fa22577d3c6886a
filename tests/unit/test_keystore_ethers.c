/* Keystore v3 against ethers: the vectors of tests/ethers/gen_keystore.js.
 * Both directions: lm_keystore_decrypt opens ethers' encryptKeystoreJsonSync
 * output to ethers' key and address (and refuses a wrong password), and
 * lm_keystore_encrypt_with, given the same salt / iv / uuid, writes a
 * document equal (as JSON) to the one ethers' decryptKeystoreJsonSync was
 * checked to open — so ethers reads what Lamina writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/keystore.h"

#include "../ethers_vectors.h"

static json_t *vectors;

static size_t get_hex(uint8_t *out, size_t cap, const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    lm_err err;
    size_t n = 0;
    if (!s || lm_hex_decode(out, cap, &n, s, strlen(s), LM_HEX_PREFIX_REQUIRED, &err) != LM_OK)
        fail_msg("vector field %s is not hex", key);
    return n;
}

static const char *get_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fail_msg("vector field %s missing", key);
    return s;
}

static void test_decrypt_ethers(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v) {
        uint8_t pw[256], want_key[32];
        size_t pw_len = get_hex(pw, sizeof pw, v, "password");
        get_hex(want_key, 32, v, "key");
        const char *text = get_str(v, "ethers");
        lm_seckey k;
        lm_address a;
        lm_err err;
        lm_code rc = lm_keystore_decrypt(&k, &a, text, strlen(text), (const char *)pw, pw_len, &err);
        if (rc != LM_OK)
            fail_msg("vector %zu: %s", i, err.msg);
        assert_memory_equal(k.b, want_key, 32);
        char cs[LM_ADDRESS_TEXT_LEN + 1];
        lm_address_to_checksum(cs, &a);
        assert_string_equal(cs, get_str(v, "address"));
        /* one more byte of password, or one less, is a MAC mismatch */
        pw[pw_len] = 'x';
        assert_int_equal(lm_keystore_decrypt(&k, &a, text, strlen(text), (const char *)pw,
                                             pw_len + 1, &err),
                         LM_ECRYPTO);
        assert_string_equal(err.msg, "MAC mismatch: wrong password or corrupted file");
        if (pw_len)
            assert_int_equal(lm_keystore_decrypt(&k, &a, text, strlen(text), (const char *)pw,
                                                 pw_len - 1, &err),
                             LM_ECRYPTO);
        lm_seckey_wipe(&k);
    }
    assert_true(i >= 5);
}

static void test_encrypt_like_ethers(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v) {
        uint8_t pw[256], raw[32];
        size_t pw_len = get_hex(pw, sizeof pw, v, "password");
        get_hex(raw, 32, v, "key");
        lm_seckey k;
        lm_err err;
        assert_int_equal(lm_seckey_parse(&k, raw, &err), LM_OK);
        lm_keystore_random rnd;
        get_hex(rnd.salt, 32, v, "salt");
        get_hex(rnd.iv, 16, v, "iv");
        get_hex(rnd.uuid, 16, v, "uuid");
        json_t *jn = json_object_get(v, "n"), *jr = json_object_get(v, "r"),
               *jp = json_object_get(v, "p");
        lm_keystore_scrypt params = {(uint32_t)json_integer_value(jn),
                                     (uint32_t)json_integer_value(jr),
                                     (uint32_t)json_integer_value(jp)};
        char *ours = NULL;
        lm_code rc = lm_keystore_encrypt_with(&ours, &k, (const char *)pw, pw_len, &params, &rnd, &err);
        if (rc != LM_OK)
            fail_msg("vector %zu: %s", i, err.msg);
        json_t *a = json_loads(ours, 0, NULL), *b = json_loads(get_str(v, "lamina"), 0, NULL);
        assert_non_null(a);
        assert_non_null(b);
        if (!json_equal(a, b))
            fail_msg("vector %zu: Lamina wrote\n%s\nethers expects\n%s", i, ours,
                     get_str(v, "lamina"));
        json_decref(a);
        json_decref(b);
        /* and it reads back */
        lm_seckey k2;
        assert_int_equal(lm_keystore_decrypt(&k2, NULL, ours, strlen(ours), (const char *)pw, pw_len,
                                             &err),
                         LM_OK);
        assert_memory_equal(k2.b, raw, 32);
        free(ours);
        lm_seckey_wipe(&k);
        lm_seckey_wipe(&k2);
    }
}

static int setup(void **state)
{
    (void)state;
    json_t *root = ev_try_load("keystore", 0);
    if (!root)
        return -1;
    vectors = json_incref(json_object_get(root, "vectors"));
    json_decref(root);
    return json_is_array(vectors) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(vectors);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decrypt_ethers),
        cmocka_unit_test(test_encrypt_like_ethers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
