/* Keystore v3 (Web3 Secret Storage Definition): see include/lamina/keystore.h. */
#include "lamina/keystore.h"
#include "lamina/random.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"

#define DKLEN 32


/* Checks scrypt parameters against the reader's bounds. */
static lm_code check_scrypt(uint64_t n, uint64_t r, uint64_t p, lm_err *err)
{
    /* "n: CPU/memory cost parameter, must be a power of 2 greater than 1" */
    if (n < 2 || (n & (n - 1)) != 0)
        return lm_err_set(err, LM_EINVAL, "keystore: scrypt n must be a power of two >= 2");
    if (r == 0 || p == 0)
        return lm_err_set(err, LM_EINVAL, "keystore: scrypt r and p must be >= 1");
    if (n > LM_KEYSTORE_MAX_SCRYPT_N)
        return lm_err_set(err, LM_ETOOLARGE, "keystore: scrypt n = %llu is above the limit 2^20",
                          (unsigned long long)n);
    /* scrypt allocates V = 128*r*n and B = 128*r*p bytes: bound both. */
    if (r > 1024 || p > 1024 || 128 * r * (n + p + 2) > LM_KEYSTORE_MAX_SCRYPT_MEM)
        return lm_err_set(err, LM_ETOOLARGE,
                          "keystore: scrypt would need 128*r*(n+p+2) bytes, above 1 GiB "
                          "(n = %llu, r = %llu, p = %llu)",
                          (unsigned long long)n, (unsigned long long)r, (unsigned long long)p);
    if (n * r * p > LM_KEYSTORE_MAX_SCRYPT_WORK)
        return lm_err_set(err, LM_ETOOLARGE, "keystore: scrypt work n*r*p is above the limit 2^24");
    return LM_OK;
}

static lm_code derive_scrypt(uint8_t dk[DKLEN], const char *pw, size_t pw_len, const uint8_t *salt,
                             size_t salt_len, uint64_t n, uint64_t r, uint64_t p, lm_err *err)
{
    /* OpenSSL refuses to use more than maxmem: allow what the bounds allow,
     * 128*r*n for V plus 128*r*p for B and a little slack. */
    uint64_t maxmem = 128 * r * n + 128 * r * p + (1u << 20);
    if (EVP_PBE_scrypt(pw, pw_len, salt, salt_len, n, r, p, maxmem, dk, DKLEN) != 1) {
        lm_wipe(dk, DKLEN);
        return lm_err_set(err, LM_ENOMEM, "keystore: scrypt failed (out of memory?)");
    }
    return LM_OK;
}

static lm_code derive_pbkdf2(uint8_t dk[DKLEN], const char *pw, size_t pw_len, const uint8_t *salt,
                             size_t salt_len, uint64_t c, lm_err *err)
{
    if (PKCS5_PBKDF2_HMAC(pw_len ? pw : "", (int)pw_len, salt, (int)salt_len, (int)c, EVP_sha256(),
                          DKLEN, dk) != 1) {
        lm_wipe(dk, DKLEN);
        return lm_err_set(err, LM_ENOMEM, "keystore: pbkdf2 failed");
    }
    return LM_OK;
}

/* AES-128-CTR over 32 bytes (encryption and decryption are the same). */
static lm_code aes128ctr(uint8_t out[32], const uint8_t key[16], const uint8_t iv[16],
                         const uint8_t in[32], lm_err *err)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return lm_err_set(err, LM_ENOMEM, "keystore: out of memory");
    int len = 0, fin = 0;
    int ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), NULL, key, iv) == 1 &&
             EVP_EncryptUpdate(ctx, out, &len, in, 32) == 1 &&
             EVP_EncryptFinal_ex(ctx, out + len, &fin) == 1 && len + fin == 32;
    EVP_CIPHER_CTX_free(ctx); /* cleanses the key schedule */
    if (!ok) {
        lm_wipe(out, 32);
        return lm_err_set(err, LM_ECRYPTO, "keystore: aes-128-ctr failed");
    }
    return LM_OK;
}

/* "the MAC ... is the SHA3 (keccak-256) of the concatenations of the second-
 * leftmost 16 bytes of the derived key together with the full ciphertext" */
static void keystore_mac(uint8_t mac[32], const uint8_t dk[DKLEN], const uint8_t ct[32])
{
    lm_keccak k;
    lm_keccak_init(&k);
    lm_keccak_update(&k, dk + 16, 16);
    lm_keccak_update(&k, ct, 32);
    lm_keccak_final(&k, mac); /* wipes the state */
}

/* ---- writing -------------------------------------------------------------- */

static json_t *hex_json(const uint8_t *b, size_t n)
{
    char buf[2 * LM_KEYSTORE_MAX_SALT + 1];
    lm_hex_encode(buf, b, n, false);
    return json_string(buf);
}

/* RFC 4122 version 4: "Set the four most significant bits of the 7th byte to
 * 0100'B" and "the two most significant bits of the 9th byte to 10'B". */
static void uuid_text(char out[37], const uint8_t in[16])
{
    uint8_t u[16];
    memcpy(u, in, 16);
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    char hex[33];
    lm_hex_encode(hex, u, 16, false);
    size_t o = 0;
    for (size_t i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        out[o++] = hex[i];
    }
    out[o] = '\0';
}

static void set_new(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(obj, key, v) != 0)
        *ok = false;
}

static lm_code build_json(char **out, const lm_address *addr, const lm_keystore_scrypt *p,
                          const lm_keystore_random *rnd, const uint8_t ct[32],
                          const uint8_t mac[32], lm_err *err)
{
    bool ok = true;
    char id[37], addr_hex[41];
    uuid_text(id, rnd->uuid);
    lm_hex_encode(addr_hex, addr->b, 20, false);
    json_t *root = json_object(), *crypto = json_object(), *cp = json_object(),
           *kp = json_object();
    if (!root || !crypto || !cp || !kp) {
        json_decref(root);
        json_decref(crypto);
        json_decref(cp);
        json_decref(kp);
        return lm_err_set(err, LM_ENOMEM, "keystore: out of memory");
    }
    set_new(cp, "iv", hex_json(rnd->iv, 16), &ok);
    set_new(kp, "dklen", json_integer(DKLEN), &ok);
    set_new(kp, "n", json_integer(p->n), &ok);
    set_new(kp, "p", json_integer(p->p), &ok);
    set_new(kp, "r", json_integer(p->r), &ok);
    set_new(kp, "salt", hex_json(rnd->salt, 32), &ok);
    set_new(crypto, "cipher", json_string("aes-128-ctr"), &ok);
    set_new(crypto, "cipherparams", cp, &ok);
    set_new(crypto, "ciphertext", hex_json(ct, 32), &ok);
    set_new(crypto, "kdf", json_string("scrypt"), &ok);
    set_new(crypto, "kdfparams", kp, &ok);
    set_new(crypto, "mac", hex_json(mac, 32), &ok);
    set_new(root, "address", json_string(addr_hex), &ok);
    set_new(root, "id", json_string(id), &ok);
    set_new(root, "version", json_integer(3), &ok);
    set_new(root, "crypto", crypto, &ok);
    *out = ok ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!*out)
        return lm_err_set(err, LM_ENOMEM, "keystore: out of memory");
    return LM_OK;
}

lm_code lm_keystore_encrypt_with(char **json, const lm_seckey *key, const char *password,
                                 size_t password_len, const lm_keystore_scrypt *params,
                                 const lm_keystore_random *rnd, lm_err *err)
{
    *json = NULL;
    lm_keystore_scrypt p = {LM_KEYSTORE_SCRYPT_N, LM_KEYSTORE_SCRYPT_R, LM_KEYSTORE_SCRYPT_P};
    if (params)
        p = *params;
    lm_code rc = check_scrypt(p.n, p.r, p.p, err);
    if (rc != LM_OK)
        return rc;
    lm_address addr;
    rc = lm_address_from_seckey(&addr, key, err);
    if (rc != LM_OK)
        return rc;
    uint8_t dk[DKLEN], ct[32], mac[32];
    rc = derive_scrypt(dk, password, password_len, rnd->salt, 32, p.n, p.r, p.p, err);
    if (rc == LM_OK)
        rc = aes128ctr(ct, dk, rnd->iv, key->b, err);
    if (rc == LM_OK) {
        keystore_mac(mac, dk, ct);
        rc = build_json(json, &addr, &p, rnd, ct, mac, err);
    }
    lm_wipe(dk, sizeof dk);
    return rc;
}

lm_code lm_keystore_encrypt(char **json, const lm_seckey *key, const char *password,
                            size_t password_len, const lm_keystore_scrypt *params, lm_err *err)
{
    *json = NULL;
    lm_keystore_random rnd;
    lm_code rc = lm_random_bytes((uint8_t *)&rnd, sizeof rnd, err);
    if (rc == LM_OK)
        rc = lm_keystore_encrypt_with(json, key, password, password_len, params, &rnd, err);
    lm_wipe(&rnd, sizeof rnd);
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

static lm_code load(json_t **root, const char *text, size_t len, lm_err *err)
{
    if (len > LM_KEYSTORE_MAX_FILE)
        return lm_err_set(err, LM_ETOOLARGE, "keystore: file larger than %d bytes",
                          LM_KEYSTORE_MAX_FILE);
    json_error_t je;
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!*root)
        return lm_err_set(err, LM_EINVAL, "keystore: malformed JSON: %s (line %d)", je.text,
                          je.line);
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return lm_err_set(err, LM_EINVAL, "keystore: not a JSON object");
    }
    return LM_OK;
}

/* A hex string member (an optional "0x" is accepted, as geth and ethers do)
 * of exactly n bytes, or of 1..cap bytes when n is 0. */
static lm_code get_hex(uint8_t *out, size_t cap, size_t n, size_t *got, const json_t *obj,
                       const char *name, lm_err *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return lm_err_set(err, LM_EINVAL, "keystore: %s: missing or not a string", name);
    size_t len = 0;
    lm_code rc = lm_hex_decode(out, cap, &len, json_string_value(v), json_string_length(v),
                               LM_HEX_PREFIX_OPTIONAL, err);
    if (rc == LM_ESPACE || (rc == LM_OK && ((n && len != n) || len == 0)))
        return lm_err_set(err, LM_EINVAL, "keystore: %s: wrong length", name);
    if (rc != LM_OK)
        return lm_err_wrap(err, LM_EINVAL, name);
    if (got)
        *got = len;
    return LM_OK;
}

static lm_code get_uint(uint64_t *out, const json_t *obj, const char *name, lm_err *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return lm_err_set(err, LM_EINVAL, "keystore: %s: missing or not a non-negative integer",
                          name);
    *out = (uint64_t)json_integer_value(v);
    return LM_OK;
}

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* The KDF of a "crypto" object: parameters checked, then derived. */
static lm_code derive_from(uint8_t dk[DKLEN], const json_t *crypto, const char *pw, size_t pw_len,
                           lm_err *err)
{
    const json_t *kdf = json_object_get(crypto, "kdf");
    const json_t *kp = json_object_get(crypto, "kdfparams");
    if (!json_is_string(kdf))
        return lm_err_set(err, LM_EINVAL, "keystore: kdf: missing or not a string");
    if (!json_is_object(kp))
        return lm_err_set(err, LM_EINVAL, "keystore: kdfparams: missing or not an object");
    uint8_t salt[LM_KEYSTORE_MAX_SALT];
    size_t salt_len = 0;
    uint64_t dklen = 0;
    lm_code rc = get_uint(&dklen, kp, "dklen", err);
    if (rc != LM_OK)
        return rc;
    if (dklen != DKLEN)
        return lm_err_set(err, LM_EINVAL, "keystore: dklen %llu is not supported (only 32)",
                          (unsigned long long)dklen);
    rc = get_hex(salt, sizeof salt, 0, &salt_len, kp, "salt", err);
    if (rc != LM_OK)
        return rc;
    if (str_is(kdf, "scrypt")) {
        uint64_t n, r, p;
        if ((rc = get_uint(&n, kp, "n", err)) != LM_OK || (rc = get_uint(&r, kp, "r", err)) != LM_OK ||
            (rc = get_uint(&p, kp, "p", err)) != LM_OK)
            return rc;
        if ((rc = check_scrypt(n, r, p, err)) != LM_OK)
            return rc;
        return derive_scrypt(dk, pw, pw_len, salt, salt_len, n, r, p, err);
    }
    if (str_is(kdf, "pbkdf2")) {
        const json_t *prf = json_object_get(kp, "prf");
        if (!str_is(prf, "hmac-sha256"))
            return lm_err_set(err, LM_EINVAL, "keystore: unsupported pbkdf2 prf %s%s%s (only hmac-sha256)",
                              json_is_string(prf) ? "\"" : "",
                              json_is_string(prf) ? json_string_value(prf) : "(missing)",
                              json_is_string(prf) ? "\"" : "");
        uint64_t c;
        if ((rc = get_uint(&c, kp, "c", err)) != LM_OK)
            return rc;
        if (c == 0)
            return lm_err_set(err, LM_EINVAL, "keystore: pbkdf2 c must be >= 1");
        if (c > LM_KEYSTORE_MAX_PBKDF2_C)
            return lm_err_set(err, LM_ETOOLARGE, "keystore: pbkdf2 c = %llu is above the limit %u",
                              (unsigned long long)c, LM_KEYSTORE_MAX_PBKDF2_C);
        return derive_pbkdf2(dk, pw, pw_len, salt, salt_len, c, err);
    }
    char name[40];
    size_t nl = json_string_length(kdf) < sizeof name - 1 ? json_string_length(kdf) : sizeof name - 1;
    memcpy(name, json_string_value(kdf), nl);
    name[nl] = '\0';
    return lm_err_set(err, LM_EINVAL, "keystore: unsupported kdf \"%s\" (scrypt or pbkdf2)", name);
}

/* The "crypto" object: ethers writes "Crypto", geth and the definition "crypto". */
static lm_code get_crypto(const json_t **crypto, const json_t *root, lm_err *err)
{
    const json_t *a = json_object_get(root, "crypto"), *b = json_object_get(root, "Crypto");
    if (a && b)
        return lm_err_set(err, LM_EINVAL, "keystore: both \"crypto\" and \"Crypto\"");
    *crypto = a ? a : b;
    if (!json_is_object(*crypto))
        return lm_err_set(err, LM_EINVAL, "keystore: crypto: missing or not an object");
    return LM_OK;
}

static lm_code get_address(lm_address *out, const json_t *root, lm_err *err)
{
    const json_t *v = json_object_get(root, "address");
    if (!v)
        return lm_err_set(err, LM_ENOTFOUND, "keystore: no address field");
    if (!json_is_string(v) ||
        lm_address_parse(out, json_string_value(v), json_string_length(v), err) != LM_OK)
        return lm_err_set(err, LM_EINVAL, "keystore: address: not an address");
    return LM_OK;
}

static lm_code decrypt_doc(lm_seckey *key, lm_address *address, const json_t *root,
                           const char *pw, size_t pw_len, lm_err *err)
{
    const json_t *version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) != 3)
        return lm_err_set(err, LM_EINVAL, "keystore: version is not 3");
    const json_t *crypto = NULL;
    lm_code rc = get_crypto(&crypto, root, err);
    if (rc != LM_OK)
        return rc;
    if (!str_is(json_object_get(crypto, "cipher"), "aes-128-ctr"))
        return lm_err_set(err, LM_EINVAL, "keystore: unsupported cipher (only aes-128-ctr)");
    const json_t *cp = json_object_get(crypto, "cipherparams");
    if (!json_is_object(cp))
        return lm_err_set(err, LM_EINVAL, "keystore: cipherparams: missing or not an object");
    uint8_t iv[16], ct[32], mac[32];
    if ((rc = get_hex(iv, sizeof iv, 16, NULL, cp, "iv", err)) != LM_OK ||
        (rc = get_hex(ct, sizeof ct, 32, NULL, crypto, "ciphertext", err)) != LM_OK ||
        (rc = get_hex(mac, sizeof mac, 32, NULL, crypto, "mac", err)) != LM_OK)
        return rc;
    lm_address claimed;
    bool has_address = json_object_get(root, "address") != NULL;
    if (has_address && (rc = get_address(&claimed, root, err)) != LM_OK)
        return rc;

    uint8_t dk[DKLEN], computed[32], plain[32];
    rc = derive_from(dk, crypto, pw, pw_len, err);
    if (rc != LM_OK)
        return rc;
    keystore_mac(computed, dk, ct);
    if (!lm_ct_equal(computed, mac, 32)) {
        lm_wipe(dk, sizeof dk);
        return lm_err_set(err, LM_ECRYPTO, "MAC mismatch: wrong password or corrupted file");
    }
    rc = aes128ctr(plain, dk, iv, ct, err);
    lm_wipe(dk, sizeof dk);
    if (rc != LM_OK)
        return rc;
    lm_seckey k;
    rc = lm_seckey_parse(&k, plain, err);
    lm_wipe(plain, sizeof plain);
    if (rc != LM_OK)
        return lm_err_set(err, LM_ECRYPTO, "keystore: the decrypted key is not a valid secp256k1 key");
    lm_address derived;
    rc = lm_address_from_seckey(&derived, &k, err);
    if (rc == LM_OK && has_address && memcmp(derived.b, claimed.b, 20) != 0)
        rc = lm_err_set(err, LM_ECRYPTO, "keystore: the address field does not match the key");
    if (rc == LM_OK) {
        *key = k;
        if (address)
            *address = derived;
    }
    lm_seckey_wipe(&k);
    return rc;
}

lm_code lm_keystore_decrypt(lm_seckey *key, lm_address *address, const char *text, size_t len,
                            const char *password, size_t password_len, lm_err *err)
{
    json_t *root;
    lm_code rc = load(&root, text, len, err);
    if (rc != LM_OK)
        return rc;
    rc = decrypt_doc(key, address, root, password, password_len, err);
    json_decref(root);
    return rc;
}

lm_code lm_keystore_peek_address(lm_address *address, const char *text, size_t len, lm_err *err)
{
    json_t *root;
    lm_code rc = load(&root, text, len, err);
    if (rc != LM_OK)
        return rc;
    rc = get_address(address, root, err);
    json_decref(root);
    return rc;
}
