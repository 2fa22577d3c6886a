/* secp256k1 keys, signatures, addresses, EIP-55 and EIP-191 against
 * published known answers: the EIP-55 test cases, the EIP-712 example's
 * key and signature (assets/eip-712/Example.js), well-known keys (1, the
 * anvil/hardhat default), the generator point (SEC 2). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/secp256k1.h"

static void unhex(uint8_t *out, size_t n, const char *hex)
{
    lm_err err;
    if (lm_hex_decode_exact(out, n, hex, strlen(hex), LM_HEX_PREFIX_OPTIONAL, &err) != LM_OK)
        fail_msg("bad test hex: %s", err.msg);
}

static void key_from_hex(lm_seckey *key, const char *hex)
{
    uint8_t b[32];
    lm_err err;
    unhex(b, 32, hex);
    assert_int_equal(lm_seckey_parse(key, b, &err), LM_OK);
}

static void check_address_of(const char *key_hex, const char *want)
{
    lm_seckey key;
    lm_address addr;
    lm_err err;
    char text[LM_ADDRESS_TEXT_LEN + 1];
    key_from_hex(&key, key_hex);
    assert_int_equal(lm_address_from_seckey(&addr, &key, &err), LM_OK);
    assert_int_equal(lm_address_to_checksum(text, &addr), 42);
    assert_string_equal(text, want);
    lm_seckey_wipe(&key);
}

static void test_known_addresses(void **state)
{
    (void)state;
    check_address_of("0000000000000000000000000000000000000000000000000000000000000001",
                     "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    /* anvil / hardhat account 0 */
    check_address_of("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
                     "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    /* EIP-712 Example.js: privateKey = keccak256("cow"), address 0xcd2a…d826 */
    uint8_t cow[32];
    char hex[65];
    lm_keccak256(cow, (const uint8_t *)"cow", 3);
    lm_hex_encode(hex, cow, 32, false);
    assert_string_equal(hex, "c85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4");
    check_address_of(hex, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
}

/* Key 1's public key is the generator G (SEC 2 §2.4.1). */
static void test_pubkey_generator(void **state)
{
    (void)state;
    uint8_t g[65], comp[33], want_comp[33];
    unhex(g, 65, "0479BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798"
                 "483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8");
    unhex(want_comp, 33, "0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798");
    lm_seckey one;
    lm_pubkey pk, parsed;
    lm_err err;
    key_from_hex(&one, "0000000000000000000000000000000000000000000000000000000000000001");
    assert_int_equal(lm_pubkey_from_seckey(&pk, &one, &err), LM_OK);
    assert_memory_equal(pk.b, g + 1, 64);
    lm_pubkey_compress(comp, &pk);
    assert_memory_equal(comp, want_comp, 33);
    assert_int_equal(lm_pubkey_parse(&parsed, comp, 33, &err), LM_OK);
    assert_memory_equal(parsed.b, pk.b, 64);
    assert_int_equal(lm_pubkey_parse(&parsed, g, 65, &err), LM_OK);
    assert_memory_equal(parsed.b, pk.b, 64);
    /* wrong prefix, wrong length, not on the curve */
    g[0] = 0x06;
    assert_int_equal(lm_pubkey_parse(&parsed, g, 65, &err), LM_ECRYPTO);
    assert_int_equal(lm_pubkey_parse(&parsed, g, 64, &err), LM_ECRYPTO);
    g[0] = 0x04;
    g[64] ^= 1;
    assert_int_equal(lm_pubkey_parse(&parsed, g, 65, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "curve"));
}

static void test_seckey_range(void **state)
{
    (void)state;
    lm_seckey key;
    lm_err err;
    uint8_t b[32] = {0};
    assert_int_equal(lm_seckey_parse(&key, b, &err), LM_ECRYPTO);
    /* n, n + 1, 2^256 - 1: invalid; n - 1: valid */
    unhex(b, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    assert_int_equal(lm_seckey_parse(&key, b, &err), LM_ECRYPTO);
    unhex(b, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364142");
    assert_int_equal(lm_seckey_parse(&key, b, &err), LM_ECRYPTO);
    memset(b, 0xff, 32);
    assert_int_equal(lm_seckey_parse(&key, b, &err), LM_ECRYPTO);
    unhex(b, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
    assert_int_equal(lm_seckey_parse(&key, b, &err), LM_OK);
    lm_seckey_wipe(&key);
    static const lm_seckey zero;
    assert_memory_equal(&key, &zero, sizeof zero);
}

/* EIP-55 "Test Cases": all caps, all lower, and the normal (mixed) ones. */
static void test_eip55(void **state)
{
    (void)state;
    static const char *const mixed[] = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    };
    static const char *const single_case[] = {
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
    };
    lm_address a;
    lm_err err;
    char text[LM_ADDRESS_TEXT_LEN + 1];
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(lm_address_parse(&a, mixed[i], 42, &err), LM_OK);
        lm_address_to_checksum(text, &a);
        assert_string_equal(text, mixed[i]);
        /* without the prefix */
        assert_int_equal(lm_address_parse(&a, mixed[i] + 2, 40, &err), LM_OK);
        /* flipping the case of any one letter breaks the checksum */
        for (size_t j = 2; j < 42; j++) {
            char bad[43];
            memcpy(bad, mixed[i], 43);
            if (bad[j] >= 'a' && bad[j] <= 'f')
                bad[j] = (char)(bad[j] - 'a' + 'A');
            else if (bad[j] >= 'A' && bad[j] <= 'F')
                bad[j] = (char)(bad[j] - 'A' + 'a');
            else
                continue;
            lm_address untouched = {{0}};
            if (lm_address_parse(&untouched, bad, 42, &err) == LM_OK) {
                /* the flip may make the text all-lower or all-upper */
                bool lower = false, upper = false;
                for (size_t k = 2; k < 42; k++) {
                    lower |= bad[k] >= 'a' && bad[k] <= 'f';
                    upper |= bad[k] >= 'A' && bad[k] <= 'F';
                }
                assert_false(lower && upper);
            } else {
                assert_int_equal(err.code, LM_EINVAL);
                assert_non_null(strstr(err.msg, "checksum"));
                static const lm_address zero;
                assert_memory_equal(&untouched, &zero, sizeof zero);
            }
        }
    }
    /* The EIP's all-caps and all-lower cases are addresses whose checksum
     * happens to have all letters in one case: they round-trip too. */
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(lm_address_parse(&a, single_case[i], 42, &err), LM_OK);
        lm_address_to_checksum(text, &a);
        assert_string_equal(text, single_case[i]);
    }
    /* Text in one case carries no checksum and is accepted as it is. */
    char lower[43], upper[43];
    memcpy(lower, mixed[0], 43);
    memcpy(upper, mixed[0], 43);
    for (size_t j = 2; j < 42; j++) {
        if (lower[j] >= 'A' && lower[j] <= 'F')
            lower[j] = (char)(lower[j] - 'A' + 'a');
        if (upper[j] >= 'a' && upper[j] <= 'f')
            upper[j] = (char)(upper[j] - 'a' + 'A');
    }
    lm_address b;
    assert_int_equal(lm_address_parse(&a, lower, 42, &err), LM_OK);
    assert_int_equal(lm_address_parse(&b, upper, 42, &err), LM_OK);
    assert_memory_equal(a.b, b.b, 20);
    lm_address_to_checksum(text, &a);
    assert_string_equal(text, mixed[0]);
    /* malformed */
    assert_int_equal(lm_address_parse(&a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", 41, &err), LM_EINVAL);
    assert_int_equal(lm_address_parse(&a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", 44, &err), LM_EINVAL);
    assert_int_equal(lm_address_parse(&a, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", 42, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "digit"));
    assert_int_equal(lm_address_parse(&a, "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 42, &err), LM_EINVAL);
    assert_int_equal(lm_address_parse(&a, "", 0, &err), LM_EINVAL);
}

/* EIP-712 Example.js signs its digest with keccak256("cow") and expects
 * v = 28, r = 0x4355…1c9d, s = 0x0729…1562 (ethereumjs-util ecsign, RFC 6979). */
static void test_sign_known_answer(void **state)
{
    (void)state;
    lm_seckey key;
    uint8_t cow[32], digest[32];
    lm_sig sig, sig2, want;
    lm_err err;
    lm_keccak256(cow, (const uint8_t *)"cow", 3);
    assert_int_equal(lm_seckey_parse(&key, cow, &err), LM_OK);
    unhex(digest, 32, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
    unhex(want.b, 65, "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
                      "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562" "1c");
    assert_int_equal(lm_ecdsa_sign(&sig, digest, &key, &err), LM_OK);
    assert_memory_equal(sig.b, want.b, 65);
    assert_int_equal(lm_ecdsa_sign(&sig2, digest, &key, &err), LM_OK);
    assert_memory_equal(sig2.b, sig.b, 65); /* deterministic */

    lm_address addr;
    char text[43];
    assert_int_equal(lm_ecdsa_recover_address(&addr, digest, &want, &err), LM_OK);
    lm_address_to_checksum(text, &addr);
    assert_string_equal(text, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
    lm_seckey_wipe(&key);
}

/* out = n - in (in nonzero, below n), big-endian. */
static void negate_mod_n(uint8_t out[32], const uint8_t in[32])
{
    uint8_t n[32];
    unhex(n, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = n[i] - in[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow ? 256 : 0));
    }
}

static void test_recover_rejects(void **state)
{
    (void)state;
    lm_seckey key;
    lm_sig sig, bad;
    lm_pubkey pk, want_pk;
    lm_err err;
    uint8_t digest[32];
    lm_keccak256(digest, (const uint8_t *)"lamina", 6);
    key_from_hex(&key, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    assert_int_equal(lm_pubkey_from_seckey(&want_pk, &key, &err), LM_OK);
    assert_int_equal(lm_ecdsa_sign(&sig, digest, &key, &err), LM_OK);
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &sig, &err), LM_OK);
    assert_memory_equal(pk.b, want_pk.b, 64);

    /* bad v */
    static const uint8_t bad_v[] = {0, 1, 26, 29, 35, 255};
    for (size_t i = 0; i < sizeof bad_v; i++) {
        bad = sig;
        bad.b[64] = bad_v[i];
        assert_int_equal(lm_ecdsa_recover(&pk, digest, &bad, &err), LM_ECRYPTO);
        assert_non_null(strstr(err.msg, "v must be"));
    }
    /* the other v recovers some other key (or none), never the signer */
    bad = sig;
    bad.b[64] = (uint8_t)(sig.b[64] == 27 ? 28 : 27);
    if (lm_ecdsa_recover(&pk, digest, &bad, &err) == LM_OK)
        assert_memory_not_equal(pk.b, want_pk.b, 64);

    /* the high-s twin (n - s, other parity) is valid ECDSA but refused */
    bad = sig;
    negate_mod_n(bad.b + 32, sig.b + 32);
    bad.b[64] = (uint8_t)(sig.b[64] == 27 ? 28 : 27);
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &bad, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "high s"));

    /* r, s out of range */
    uint8_t n[32];
    unhex(n, 32, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    bad = sig;
    memset(bad.b, 0, 32);
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &bad, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "r is not"));
    bad = sig;
    memcpy(bad.b, n, 32);
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &bad, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "r is not"));
    bad = sig;
    memset(bad.b + 32, 0, 32);
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &bad, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "s is not"));
    bad = sig;
    memcpy(bad.b + 32, n, 32);
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &bad, &err), LM_ECRYPTO);
    assert_non_null(strstr(err.msg, "s is not"));

    /* r values that are not x-coordinates of curve points recover nothing;
     * about half of all r are such. */
    int none = 0, some = 0;
    for (int x = 1; x <= 40; x++) {
        bad = sig;
        memset(bad.b, 0, 32);
        bad.b[31] = (uint8_t)x;
        if (lm_ecdsa_recover(&pk, digest, &bad, &err) == LM_OK) {
            some++;
            assert_memory_not_equal(pk.b, want_pk.b, 64);
        } else {
            none++;
            assert_non_null(strstr(err.msg, "x-coordinate"));
        }
    }
    assert_true(none > 5 && some > 5);

    /* a different digest recovers a different key */
    digest[0] ^= 1;
    assert_int_equal(lm_ecdsa_recover(&pk, digest, &sig, &err), LM_OK);
    assert_memory_not_equal(pk.b, want_pk.b, 64);
    lm_seckey_wipe(&key);
}

static void test_generate_roundtrip(void **state)
{
    (void)state;
    lm_err err;
    assert_int_equal(lm_secp256k1_init(&err), LM_OK);
    lm_seckey k1, k2;
    assert_int_equal(lm_seckey_generate(&k1, &err), LM_OK);
    assert_int_equal(lm_seckey_generate(&k2, &err), LM_OK);
    assert_memory_not_equal(k1.b, k2.b, 32);
    lm_seckey check;
    assert_int_equal(lm_seckey_parse(&check, k1.b, &err), LM_OK);
    for (int i = 0; i < 20; i++) {
        uint8_t digest[32];
        lm_keccak256(digest, (const uint8_t *)&i, sizeof i);
        lm_sig sig;
        lm_address want, got;
        assert_int_equal(lm_address_from_seckey(&want, &k1, &err), LM_OK);
        assert_int_equal(lm_ecdsa_sign(&sig, digest, &k1, &err), LM_OK);
        assert_true(sig.b[64] == 27 || sig.b[64] == 28);
        assert_true(sig.b[32] < 0x80); /* low s */
        assert_int_equal(lm_ecdsa_recover_address(&got, digest, &sig, &err), LM_OK);
        assert_memory_equal(got.b, want.b, 20);
    }
    lm_seckey_wipe(&k1);
    lm_seckey_wipe(&k2);
    lm_seckey_wipe(&check);
}

/* ethers docs: hashMessage("Hello World") = 0xa1de9886…78f2; the empty
 * message hashes "\x19Ethereum Signed Message:\n0". */
static void test_eip191(void **state)
{
    (void)state;
    uint8_t got[32], want[32];
    lm_eip191_hash(got, (const uint8_t *)"Hello World", 11);
    unhex(want, 32, "a1de988600a42c4b4ab089b619297c17d53cffae5d5120d82d8a92d0bb3b78f2");
    assert_memory_equal(got, want, 32);
    lm_eip191_hash(got, NULL, 0);
    unhex(want, 32, "5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad");
    assert_memory_equal(got, want, 32);
    /* the length is decimal: 1000 bytes use the four digits "1000" */
    uint8_t msg[1000];
    memset(msg, 'x', sizeof msg);
    static const char prefix[] = "\x19" "Ethereum Signed Message:\n1000";
    lm_keccak k;
    lm_keccak_init(&k);
    lm_keccak_update(&k, (const uint8_t *)prefix, sizeof prefix - 1);
    lm_keccak_update(&k, msg, sizeof msg);
    lm_keccak_final(&k, want);
    lm_eip191_hash(got, msg, sizeof msg);
    assert_memory_equal(got, want, 32);
}

/* Several threads use the shared context at once (the first use creates it). */
static void *thread_body(void *arg)
{
    lm_seckey key;
    lm_err err;
    uint8_t seed[32] = {0};
    seed[31] = (uint8_t)(uintptr_t)arg + 1;
    if (lm_seckey_parse(&key, seed, &err) != LM_OK)
        return (void *)1;
    for (int i = 0; i < 50; i++) {
        uint8_t digest[32];
        lm_sig sig;
        lm_address a, b;
        lm_keccak256(digest, (const uint8_t *)&i, sizeof i);
        if (lm_ecdsa_sign(&sig, digest, &key, &err) != LM_OK ||
            lm_ecdsa_recover_address(&a, digest, &sig, &err) != LM_OK ||
            lm_address_from_seckey(&b, &key, &err) != LM_OK || memcmp(a.b, b.b, 20) != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_body, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_null(ret);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads), /* first, so that threads race to create the context */
        cmocka_unit_test(test_known_addresses),
        cmocka_unit_test(test_pubkey_generator),
        cmocka_unit_test(test_seckey_range),
        cmocka_unit_test(test_eip55),
        cmocka_unit_test(test_sign_known_answer),
        cmocka_unit_test(test_recover_rejects),
        cmocka_unit_test(test_generate_roundtrip),
        cmocka_unit_test(test_eip191),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
