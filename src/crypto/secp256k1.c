/* secp256k1 over libsecp256k1: keys, Ethereum signatures, addresses,
 * EIP-55 and EIP-191. See include/lamina/secp256k1.h. */
#include "lamina/secp256k1.h"
#include "lamina/random.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"

/* The group order n and floor(n / 2), big-endian (SEC 2 §2.4.1). */
static const uint8_t order_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
};
static const uint8_t order_half[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

/* The one library context: created once, then used read-only, which
 * libsecp256k1 documents as safe from many threads at once. */
static secp256k1_context *g_ctx;
static lm_code g_init_code = LM_OK;
static const char *g_init_msg = "";
static pthread_once_t g_once = PTHREAD_ONCE_INIT;


static void context_create(void)
{
    secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (!ctx) {
        g_init_code = LM_ENOMEM;
        g_init_msg = "secp256k1: cannot create context";
        return;
    }
    /* Randomizing the context blinds the signing multiplication against
     * side channels (libsecp256k1: secp256k1_context_randomize). */
    uint8_t seed[32];
    lm_err err;
    if (lm_random_bytes(seed, sizeof seed, &err) != LM_OK ||
        !secp256k1_context_randomize(ctx, seed)) {
        lm_wipe(seed, sizeof seed);
        secp256k1_context_destroy(ctx);
        g_init_code = LM_EIO;
        g_init_msg = "secp256k1: cannot randomize context (getrandom failed)";
        return;
    }
    lm_wipe(seed, sizeof seed);
    g_ctx = ctx;
}

/* Returns the context, or NULL with *err set. */
static const secp256k1_context *ctx_get(lm_err *err)
{
    pthread_once(&g_once, context_create);
    if (!g_ctx)
        lm_err_set(err, g_init_code, "%s", g_init_msg);
    return g_ctx;
}

lm_code lm_secp256k1_init(lm_err *err)
{
    return ctx_get(err) ? LM_OK : g_init_code;
}

/* Big-endian compare of two 32-byte numbers: <0, 0, >0. Public data only. */
static int cmp32_var(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, 32);
}

static bool is_zero32(const uint8_t *a)
{
    uint8_t acc = 0;
    for (int i = 0; i < 32; i++)
        acc |= a[i];
    return acc == 0;
}

/* --- private keys ------------------------------------------------------- */

lm_code lm_seckey_generate(lm_seckey *out, lm_err *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx) {
        memset(out, 0, sizeof *out);
        return g_init_code;
    }
    /* A uniform 256-bit string is a valid key unless it is 0 or >= n (about
     * 2^-128 of them), so this loop runs once in practice. */
    for (;;) {
        lm_code rc = lm_random_bytes(out->b, sizeof out->b, err);
        if (rc != LM_OK) {
            lm_seckey_wipe(out);
            return rc;
        }
        if (secp256k1_ec_seckey_verify(ctx, out->b))
            return LM_OK;
    }
}

lm_code lm_seckey_parse(lm_seckey *out, const uint8_t in[LM_SECKEY_LEN], lm_err *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return g_init_code;
    if (!secp256k1_ec_seckey_verify(ctx, in))
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: private key is zero or not below the group order");
    memcpy(out->b, in, LM_SECKEY_LEN);
    return LM_OK;
}

void lm_seckey_wipe(lm_seckey *key)
{
    lm_wipe(key->b, sizeof key->b);
}

/* --- public keys and addresses -------------------------------------------- */

/* Writes the 64-byte X || Y form of a library public key. */
static void pubkey_store(const secp256k1_context *ctx, lm_pubkey *out, const secp256k1_pubkey *pk)
{
    uint8_t ser[65];
    size_t len = sizeof ser;
    (void)secp256k1_ec_pubkey_serialize(ctx, ser, &len, pk, SECP256K1_EC_UNCOMPRESSED);
    memcpy(out->b, ser + 1, LM_PUBKEY_LEN);
}

lm_code lm_pubkey_from_seckey(lm_pubkey *out, const lm_seckey *key, lm_err *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return g_init_code;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(ctx, &pk, key->b))
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: invalid private key");
    pubkey_store(ctx, out, &pk);
    return LM_OK;
}

lm_code lm_pubkey_parse(lm_pubkey *out, const uint8_t *in, size_t in_len, lm_err *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return g_init_code;
    if (in_len != 33 && in_len != 65)
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: public key must be 33 or 65 bytes, not %zu", in_len);
    secp256k1_pubkey pk;
    /* SEC 1 §2.3.4; libsecp256k1 also takes the hybrid 06/07 prefixes,
     * which no Ethereum tool produces: refuse them. */
    if ((in_len == 65 && in[0] != 0x04) || (in_len == 33 && in[0] != 0x02 && in[0] != 0x03))
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: bad public key prefix 0x%02x", in[0]);
    if (!secp256k1_ec_pubkey_parse(ctx, &pk, in, in_len))
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: public key is not a curve point");
    pubkey_store(ctx, out, &pk);
    return LM_OK;
}

void lm_pubkey_compress(uint8_t out[33], const lm_pubkey *key)
{
    out[0] = (uint8_t)(0x02 | (key->b[63] & 1));
    memcpy(out + 1, key->b, 32);
}

void lm_address_from_pubkey(lm_address *out, const lm_pubkey *key)
{
    /* Yellow Paper (284): A(p_r) = B_{96..255}(KEC(ECDSAPUBKEY(p_r))). */
    uint8_t h[32];
    lm_keccak256(h, key->b, LM_PUBKEY_LEN);
    memcpy(out->b, h + 12, LM_ADDRESS_LEN);
}

lm_code lm_address_from_seckey(lm_address *out, const lm_seckey *key, lm_err *err)
{
    lm_pubkey pk;
    lm_code rc = lm_pubkey_from_seckey(&pk, key, err);
    if (rc != LM_OK)
        return rc;
    lm_address_from_pubkey(out, &pk);
    return LM_OK;
}

/* EIP-55: "convert the address to hex, but if the ith digit is a letter
 * (ie. it's one of abcdef) print it in uppercase if the 4*ith bit of the
 * hash of the lowercase hexadecimal address is 1 otherwise print it in
 * lowercase." Out: out[0..40), no prefix, no NUL. */
static void checksum_digits(char out[40], const lm_address *addr)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t lower[40], h[32];
    for (int i = 0; i < LM_ADDRESS_LEN; i++) {
        lower[2 * i] = (uint8_t)hex[addr->b[i] >> 4];
        lower[2 * i + 1] = (uint8_t)hex[addr->b[i] & 15];
    }
    lm_keccak256(h, lower, sizeof lower);
    for (int i = 0; i < 40; i++) {
        uint8_t nibble = (i & 1) ? (h[i / 2] & 15) : (h[i / 2] >> 4);
        char c = (char)lower[i];
        out[i] = (c >= 'a' && nibble >= 8) ? (char)(c - 'a' + 'A') : c;
    }
}

size_t lm_address_to_checksum(char out[LM_ADDRESS_TEXT_LEN + 1], const lm_address *addr)
{
    out[0] = '0';
    out[1] = 'x';
    checksum_digits(out + 2, addr);
    out[LM_ADDRESS_TEXT_LEN] = '\0';
    return LM_ADDRESS_TEXT_LEN;
}

lm_code lm_address_parse(lm_address *out, const char *text, size_t text_len, lm_err *err)
{
    if (text_len >= 2 && text[0] == '0' && text[1] == 'x') {
        text += 2;
        text_len -= 2;
    }
    if (text_len != 40)
        return lm_err_set(err, LM_EINVAL, "address: expected 40 hex digits, got %zu characters", text_len);
    bool has_lower = false, has_upper = false;
    for (size_t i = 0; i < 40; i++) {
        char c = text[i];
        if (c >= 'a' && c <= 'f')
            has_lower = true;
        else if (c >= 'A' && c <= 'F')
            has_upper = true;
        else if (!(c >= '0' && c <= '9'))
            return lm_err_set(err, LM_EINVAL, "address: bad hex digit at offset %zu", i);
    }
    lm_address a;
    size_t n;
    lm_code rc = lm_hex_decode(a.b, sizeof a.b, &n, text, 40, LM_HEX_PREFIX_FORBIDDEN, err);
    if (rc != LM_OK)
        return rc;
    if (has_lower && has_upper) {
        char want[40];
        checksum_digits(want, &a);
        for (size_t i = 0; i < 40; i++)
            if (want[i] != text[i])
                return lm_err_set(err, LM_EINVAL,
                                  "address: bad EIP-55 checksum (case of digit %zu is wrong)", i);
    }
    *out = a;
    return LM_OK;
}

/* --- signatures ------------------------------------------------------------ */

lm_code lm_ecdsa_sign(lm_sig *out, const uint8_t digest[32], const lm_seckey *key, lm_err *err)
{
    memset(out, 0, sizeof *out);
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return g_init_code;
    secp256k1_ecdsa_recoverable_signature rsig;
    /* NULL nonce function: RFC 6979 (HMAC-SHA256), libsecp256k1's default.
     * libsecp256k1 always returns the low-s form. */
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &rsig, digest, key->b, NULL, NULL))
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: invalid private key");
    int recid = 0;
    (void)secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out->b, &recid, &rsig);
    if (recid > 1) {
        /* R.x >= n: possible with probability about 2^-127; v cannot say it. */
        memset(out, 0, sizeof *out);
        return lm_err_set(err, LM_ECRYPTO, "secp256k1: recovery id %d has no Ethereum v", recid);
    }
    out->b[64] = (uint8_t)(27 + recid);
    return LM_OK;
}

/* Checks the form of a 65-byte signature. Out: *recid. */
static lm_code sig_check(const lm_sig *sig, int *recid, lm_err *err)
{
    const uint8_t *r = sig->b, *s = sig->b + 32;
    uint8_t v = sig->b[64];
    if (v != 27 && v != 28)
        return lm_err_set(err, LM_ECRYPTO, "signature: v must be 27 or 28, not %u", v);
    if (is_zero32(r) || cmp32_var(r, order_n) >= 0)
        return lm_err_set(err, LM_ECRYPTO, "signature: r is not in [1, n-1]");
    if (is_zero32(s) || cmp32_var(s, order_n) >= 0)
        return lm_err_set(err, LM_ECRYPTO, "signature: s is not in [1, n-1]");
    /* EIP-2: "All transaction signatures whose s-value is greater than
     * secp256k1n/2 are now considered invalid." */
    if (cmp32_var(s, order_half) > 0)
        return lm_err_set(err, LM_ECRYPTO, "signature: high s (above n/2) is not accepted");
    *recid = v - 27;
    return LM_OK;
}

lm_code lm_ecdsa_recover(lm_pubkey *out, const uint8_t digest[32], const lm_sig *sig, lm_err *err)
{
    const secp256k1_context *ctx = ctx_get(err);
    if (!ctx)
        return g_init_code;
    int recid = 0;
    lm_code rc = sig_check(sig, &recid, err);
    if (rc != LM_OK)
        return rc;
    secp256k1_ecdsa_recoverable_signature rsig;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rsig, sig->b, recid))
        return lm_err_set(err, LM_ECRYPTO, "signature: cannot parse r, s");
    secp256k1_pubkey pk;
    if (!secp256k1_ecdsa_recover(ctx, &pk, &rsig, digest))
        return lm_err_set(err, LM_ECRYPTO, "signature: no public key recovers from it (r is not an x-coordinate)");
    pubkey_store(ctx, out, &pk);
    return LM_OK;
}

lm_code lm_ecdsa_recover_address(lm_address *out, const uint8_t digest[32], const lm_sig *sig,
                                 lm_err *err)
{
    lm_pubkey pk;
    lm_code rc = lm_ecdsa_recover(&pk, digest, sig, err);
    if (rc != LM_OK)
        return rc;
    lm_address_from_pubkey(out, &pk);
    return LM_OK;
}

/* --- EIP-191 ----------------------------------------------------------------- */

void lm_eip191_hash(uint8_t out[32], const uint8_t *msg, size_t msg_len)
{
    /* EIP-191, version byte 0x45 (E): "0x19 <0x45 (E)> <thereum Signed
     * Message:\n" + len(message)> <data to sign>", the length in decimal
     * ASCII with no leading zeros. */
    static const char prefix[] = "\x19" "Ethereum Signed Message:\n";
    char digits[24];
    size_t nd = 0;
    size_t v = msg_len;
    do {
        digits[sizeof digits - 1 - nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    lm_keccak k;
    lm_keccak_init(&k);
    lm_keccak_update(&k, (const uint8_t *)prefix, sizeof prefix - 1);
    lm_keccak_update(&k, (const uint8_t *)digits + sizeof digits - nd, nd);
    lm_keccak_update(&k, msg, msg_len);
    lm_keccak_final(&k, out);
}
