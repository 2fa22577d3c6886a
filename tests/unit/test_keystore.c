/* Keystore v3: the Web3 Secret Storage Definition's own test vectors (PBKDF2
 * and scrypt; ethereum.org "Web3 secret storage definition", "Test
 * vectors": password "testpassword", secret 7a28b5ba…14fe9d, address
 * 008aeeda…786b), round trips with fresh random parameters, and every way a
 * file can be wrong: wrong password, tampered ciphertext or MAC, wrong
 * address, unsupported cipher/kdf/prf, malformed JSON, and KDF parameters
 * that would make the reader allocate or spin without bound. */
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
#include "lamina/keystore.h"

#define SECRET "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"
#define ADDRESS "008aeeda4d805471df9b2a5b0f38a0c3bcba786b"

/* Definition, "PBKDF2-SHA-256": derived key f06d69cd…188551, MAC 517ead92…e9b2. */
static const char *PBKDF2_VECTOR =
    "{\"crypto\":{\"cipher\":\"aes-128-ctr\","
    "\"cipherparams\":{\"iv\":\"6087dab2f9fdbbfaddc31a909735c1e6\"},"
    "\"ciphertext\":\"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46\","
    "\"kdf\":\"pbkdf2\",\"kdfparams\":{\"c\":262144,\"dklen\":32,\"prf\":\"hmac-sha256\","
    "\"salt\":\"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd\"},"
    "\"mac\":\"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2\"},"
    "\"id\":\"3198bc9c-6672-5ab3-d995-4942343ae5b6\",\"version\":3}";

/* Definition, "Scrypt" (n 2^18, r 8, p 1), as published. The published file
 * is internally inconsistent: its MAC and ciphertext fit its stated derived
 * key 7446f59e…6c2d, but scrypt over its salt and parameters gives
 * b4130dc81619f55f01a84b16c68f54fc0a166a2ca5903d9b24d2262dbd0420ec (OpenSSL
 * through Python's hashlib.scrypt, and ethers 6.15 / noble-hashes scrypt
 * agree), so every reader must refuse it with a MAC mismatch. */
static const char *SCRYPT_VECTOR =
    "{\"crypto\":{\"cipher\":\"aes-128-ctr\","
    "\"cipherparams\":{\"iv\":\"740770fce12ce862af21264dab25f1da\"},"
    "\"ciphertext\":\"dd8a1132cf57db67c038c6763afe2cbe6ea1949a86abc5843f8ca656ebbb1ea2\","
    "\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":262144,\"p\":1,\"r\":8,"
    "\"salt\":\"25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034\"},"
    "\"mac\":\"337aeb86505d2d0bb620effe57f18381377d67d76dac1090626aa5cd20886a7c\"},"
    "\"id\":\"3198bc9c-6672-5ab3-d995-4942343ae5b6\",\"version\":3}";

/* The same secret, password, salt, iv and parameters, encrypted by ethers
 * 6.15 (encryptKeystoreJsonSync with salt/iv/uuid options; it writes
 * "Crypto"): the scrypt known answer. */
#define SCRYPT_FIXED_CT "1b368ffb2db0fcec8802eceba0b2820ae1069ef3815ac97ca1031371748f6e18"
#define SCRYPT_FIXED_MAC "61de4bf77db2f8e07e01232c045e5b455997efeb22bb8ea08a66ff5a252182a6"
static const char *SCRYPT_ETHERS =
    "{\"address\":\"008aeeda4d805471df9b2a5b0f38a0c3bcba786b\","
    "\"id\":\"00000000-0000-4000-8000-000000000000\",\"version\":3,"
    "\"Crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"740770fce12ce862af21264dab25f1da\"},"
    "\"ciphertext\":\"" SCRYPT_FIXED_CT "\",\"kdf\":\"scrypt\","
    "\"kdfparams\":{\"salt\":\"25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034\","
    "\"n\":262144,\"dklen\":32,\"p\":1,\"r\":8},\"mac\":\"" SCRYPT_FIXED_MAC "\"}}";

static void secret(lm_seckey *k)
{
    uint8_t raw[32];
    lm_err err;
    assert_int_equal(lm_hex_decode_exact(raw, 32, SECRET, 64, LM_HEX_PREFIX_FORBIDDEN, &err), LM_OK);
    assert_int_equal(lm_seckey_parse(k, raw, &err), LM_OK);
}

static lm_code dec(const char *json, const char *pw, lm_seckey *k, lm_address *a, lm_err *err)
{
    return lm_keystore_decrypt(k, a, json, strlen(json), pw, strlen(pw), err);
}

static void assert_secret(const lm_seckey *k, const lm_address *a)
{
    lm_seckey want;
    secret(&want);
    assert_memory_equal(k->b, want.b, 32);
    char hex[41];
    lm_hex_encode(hex, a->b, 20, false);
    assert_string_equal(hex, ADDRESS);
}

static void test_spec_pbkdf2(void **state)
{
    (void)state;
    lm_seckey k;
    lm_address a;
    lm_err err;
    assert_int_equal(dec(PBKDF2_VECTOR, "testpassword", &k, &a, &err), LM_OK);
    assert_secret(&k, &a);
    assert_int_equal(dec(PBKDF2_VECTOR, "testpassworD", &k, &a, &err), LM_ECRYPTO);
    assert_string_equal(err.msg, "MAC mismatch: wrong password or corrupted file");
}

static void test_spec_scrypt(void **state)
{
    (void)state;
    lm_seckey k;
    lm_address a;
    lm_err err;
    assert_int_equal(dec(SCRYPT_ETHERS, "testpassword", &k, &a, &err), LM_OK);
    assert_secret(&k, &a);
    assert_int_equal(dec(SCRYPT_VECTOR, "testpassword", &k, &a, &err), LM_ECRYPTO);
    assert_string_equal(err.msg, "MAC mismatch: wrong password or corrupted file");
}

/* Replaces the first occurrence of from by to in src (a test helper). */
static char *replace(const char *src, const char *from, const char *to)
{
    const char *at = strstr(src, from);
    assert_non_null(at);
    size_t n = strlen(src) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    size_t pre = (size_t)(at - src);
    memcpy(out, src, pre);
    memcpy(out + pre, to, strlen(to));
    memcpy(out + pre + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    return out;
}

static void expect_fail(const char *json, lm_code code, const char *msg_part)
{
    lm_seckey k;
    memset(&k, 0xaa, sizeof k);
    lm_err err;
    lm_code rc = dec(json, "testpassword", &k, NULL, &err);
    if (rc != code || !strstr(err.msg, msg_part))
        fail_msg("expected %s containing \"%s\", got %s \"%s\"", lm_code_name(code), msg_part,
                 lm_code_name(rc), err.msg);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(k.b[i], 0xaa); /* untouched on error */
}

static void expect_fail_edit(const char *from, const char *to, lm_code code, const char *msg_part)
{
    char *j = replace(PBKDF2_VECTOR, from, to);
    expect_fail(j, code, msg_part);
    free(j);
}

static void test_rejects(void **state)
{
    (void)state;
    /* a flipped bit in the ciphertext or the MAC */
    expect_fail_edit("5318b4d5", "5318b4d4", LM_ECRYPTO, "MAC mismatch");
    expect_fail_edit("517ead92", "517ead93", LM_ECRYPTO, "MAC mismatch");
    /* an address that is not the key's */
    expect_fail_edit("\"id\"", "\"address\":\"008aeeda4d805471df9b2a5b0f38a0c3bcba786c\",\"id\"",
                     LM_ECRYPTO, "address field does not match");
    expect_fail_edit("aes-128-ctr", "aes-128-cbc", LM_EINVAL, "unsupported cipher");
    expect_fail_edit("\"pbkdf2\"", "\"argon2\"", LM_EINVAL, "unsupported kdf \"argon2\"");
    expect_fail_edit("hmac-sha256", "hmac-sha512", LM_EINVAL, "unsupported pbkdf2 prf");
    expect_fail_edit("\"version\":3", "\"version\":1", LM_EINVAL, "version");
    expect_fail_edit("\"dklen\":32", "\"dklen\":64", LM_EINVAL, "dklen");
    expect_fail_edit("\"c\":262144", "\"c\":4000000000", LM_ETOOLARGE, "pbkdf2 c");
    expect_fail_edit("\"c\":262144", "\"c\":-1", LM_EINVAL, "c:");
    expect_fail_edit("\"c\":262144", "\"c\":\"262144\"", LM_EINVAL, "c:");
    expect_fail_edit("6087dab2f9fdbbfaddc31a909735c1e6", "6087dab2f9fdbbfaddc31a909735c1", LM_EINVAL,
                     "iv");
    expect_fail_edit("5318b4d5", "zz18b4d5", LM_EINVAL, "ciphertext");
    expect_fail_edit("\"mac\"", "\"mac\":\"00\",\"mac2\"", LM_EINVAL, "mac");
    expect_fail_edit("{\"crypto\"", "{\"crypto\":{},\"Crypto\"", LM_EINVAL, "crypto");
    expect_fail_edit("\"crypto\"", "\"cryptox\"", LM_EINVAL, "crypto: missing");
    expect_fail_edit("\"version\":3}", "\"version\":3", LM_EINVAL, "malformed JSON");
    expect_fail_edit("\"version\":3", "\"version\":3,\"version\":3", LM_EINVAL, "malformed JSON");
    expect_fail("[]", LM_EINVAL, "not a JSON object");
    expect_fail("", LM_EINVAL, "malformed JSON");
}

/* Scrypt parameters a hostile file could use to exhaust memory or time:
 * refused before any work. */
static void test_rejects_kdf_bombs(void **state)
{
    (void)state;
    const char *base = SCRYPT_VECTOR;
    struct {
        const char *from, *to;
        lm_code code;
        const char *msg;
    } cases[] = {
        {"\"n\":262144", "\"n\":2097152", LM_ETOOLARGE, "above the limit 2^20"},
        {"\"n\":262144", "\"n\":4294967296", LM_ETOOLARGE, "above the limit 2^20"},
        {"\"n\":262144", "\"n\":262143", LM_EINVAL, "power of two"},
        {"\"n\":262144", "\"n\":1", LM_EINVAL, "power of two"},
        {"\"n\":262144", "\"n\":0", LM_EINVAL, "power of two"},
        {"\"r\":8", "\"r\":64", LM_ETOOLARGE, "1 GiB"},
        {"\"r\":8", "\"r\":0", LM_EINVAL, "r and p"},
        {"\"p\":1", "\"p\":64", LM_ETOOLARGE, "n*r*p"},
        {"\"p\":1", "\"p\":1000000000", LM_ETOOLARGE, ""},
        {"25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034", "", LM_EINVAL, "salt"},
        {"\"r\":8", "\"r\":1048576", LM_ETOOLARGE, "r = 1048576"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *j = replace(base, cases[i].from, cases[i].to);
        expect_fail(j, cases[i].code, cases[i].msg);
        free(j);
    }
    /* a salt longer than the limit */
    char big[2 * 200 + 1];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *j = replace(base, "25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034", big);
    expect_fail(j, LM_EINVAL, "salt");
    free(j);
    /* a file larger than the limit */
    size_t n = LM_KEYSTORE_MAX_FILE + 10;
    char *huge = malloc(n + 1);
    assert_non_null(huge);
    memset(huge, ' ', n);
    huge[n] = '\0';
    expect_fail(huge, LM_ETOOLARGE, "larger");
    free(huge);
}

/* What lm_keystore_encrypt writes reads back; the document has the fields
 * and parameters the header promises. */
static void test_roundtrip(void **state)
{
    (void)state;
    lm_err err;
    lm_seckey k, k2;
    assert_int_equal(lm_seckey_generate(&k, &err), LM_OK);
    lm_address want;
    assert_int_equal(lm_address_from_seckey(&want, &k, &err), LM_OK);
    lm_keystore_scrypt light = {LM_KEYSTORE_SCRYPT_N_LIGHT, 8, 1};
    const char pw[] = "correct horse \xc3\xa9 battery";
    char *json = NULL, *json2 = NULL;
    assert_int_equal(lm_keystore_encrypt(&json, &k, pw, strlen(pw), &light, &err), LM_OK);
    assert_int_equal(lm_keystore_encrypt(&json2, &k, pw, strlen(pw), &light, &err), LM_OK);
    assert_string_not_equal(json, json2); /* fresh salt, iv and id each time */

    lm_address got;
    assert_int_equal(lm_keystore_decrypt(&k2, &got, json, strlen(json), pw, strlen(pw), &err), LM_OK);
    assert_memory_equal(k.b, k2.b, 32);
    assert_memory_equal(got.b, want.b, 20);
    assert_int_equal(lm_keystore_decrypt(&k2, &got, json, strlen(json), pw, strlen(pw) - 1, &err),
                     LM_ECRYPTO);
    assert_int_equal(lm_keystore_decrypt(&k2, &got, json, strlen(json), "", 0, &err), LM_ECRYPTO);
    lm_address peek;
    assert_int_equal(lm_keystore_peek_address(&peek, json, strlen(json), &err), LM_OK);
    assert_memory_equal(peek.b, want.b, 20);
    assert_int_equal(lm_keystore_peek_address(&peek, PBKDF2_VECTOR, strlen(PBKDF2_VECTOR), &err),
                     LM_ENOTFOUND);

    json_error_t je;
    json_t *doc = json_loads(json, 0, &je);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 3);
    const char *addr = json_string_value(json_object_get(doc, "address"));
    char hex[41];
    lm_hex_encode(hex, want.b, 20, false);
    assert_string_equal(addr, hex); /* lowercase, no 0x */
    const char *id = json_string_value(json_object_get(doc, "id"));
    assert_int_equal(strlen(id), 36);
    assert_int_equal(id[14], '4'); /* uuid version 4 */
    assert_true(strchr("89ab", id[19]) != NULL); /* RFC 4122 variant */
    json_t *c = json_object_get(doc, "crypto");
    assert_string_equal(json_string_value(json_object_get(c, "cipher")), "aes-128-ctr");
    assert_string_equal(json_string_value(json_object_get(c, "kdf")), "scrypt");
    json_t *kp = json_object_get(c, "kdfparams");
    assert_int_equal(json_integer_value(json_object_get(kp, "n")), 4096);
    assert_int_equal(json_integer_value(json_object_get(kp, "r")), 8);
    assert_int_equal(json_integer_value(json_object_get(kp, "p")), 1);
    assert_int_equal(json_integer_value(json_object_get(kp, "dklen")), 32);
    assert_int_equal(strlen(json_string_value(json_object_get(kp, "salt"))), 64);
    json_decref(doc);
    free(json);
    free(json2);
    lm_seckey_wipe(&k);
    lm_seckey_wipe(&k2);
}

/* The deterministic writer gives ethers' ciphertext and MAC for the same
 * secret, password, salt, iv and parameters. */
static void test_encrypt_known_answer(void **state)
{
    (void)state;
    lm_err err;
    lm_seckey k;
    secret(&k);
    lm_keystore_random rnd;
    memset(&rnd, 0, sizeof rnd);
    assert_int_equal(lm_hex_decode_exact(rnd.salt, 32,
                                         "25710c2ccd7c610b24d068af83b959b7a0e5f40641f0c82daeb1345766191034",
                                         64, LM_HEX_PREFIX_FORBIDDEN, &err),
                     LM_OK);
    assert_int_equal(lm_hex_decode_exact(rnd.iv, 16, "740770fce12ce862af21264dab25f1da", 32,
                                         LM_HEX_PREFIX_FORBIDDEN, &err),
                     LM_OK);
    char *json = NULL;
    assert_int_equal(lm_keystore_encrypt_with(&json, &k, "testpassword", 12, NULL, &rnd, &err), LM_OK);
    json_t *doc = json_loads(json, 0, NULL);
    assert_non_null(doc);
    json_t *c = json_object_get(doc, "crypto");
    assert_string_equal(json_string_value(json_object_get(c, "ciphertext")),
                        SCRYPT_FIXED_CT);
    assert_string_equal(json_string_value(json_object_get(c, "mac")), SCRYPT_FIXED_MAC);
    assert_string_equal(json_string_value(json_object_get(doc, "id")),
                        "00000000-0000-4000-8000-000000000000");
    json_decref(doc);
    free(json);

    /* the writer refuses what the reader would refuse */
    lm_keystore_scrypt bad = {3, 8, 1};
    assert_int_equal(lm_keystore_encrypt(&json, &k, "x", 1, &bad, &err), LM_EINVAL);
    assert_null(json);
    bad = (lm_keystore_scrypt){1u << 21, 8, 1};
    assert_int_equal(lm_keystore_encrypt(&json, &k, "x", 1, &bad, &err), LM_ETOOLARGE);
    assert_null(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_pbkdf2),       cmocka_unit_test(test_spec_scrypt),
        cmocka_unit_test(test_rejects),           cmocka_unit_test(test_rejects_kdf_bombs),
        cmocka_unit_test(test_roundtrip),         cmocka_unit_test(test_encrypt_known_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
