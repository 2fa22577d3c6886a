/* Encrypted private keys on disk: the Web3 Secret Storage Definition,
 * version 3 ("keystore v3"), as geth, ethers, MetaMask and Foundry write it
 * (DESIGN.md §4: keys on disk are encrypted). docs/wallet.md describes the
 * format and the parameters Lamina writes.
 *
 *   derivedKey = KDF(password, salt)            32 bytes (scrypt or PBKDF2)
 *   ciphertext = AES-128-CTR(key = derivedKey[0..16), iv, privateKey)
 *   mac        = keccak256(derivedKey[16..32) ‖ ciphertext)
 *
 * Writing uses scrypt (default n = 2^18, r = 8, p = 1, geth's "standard");
 * reading accepts scrypt and PBKDF2 with prf "hmac-sha256". Scrypt, PBKDF2
 * and AES come from OpenSSL's libcrypto; Keccak is lamina/keccak.h.
 *
 * The password is used as the exact bytes given (UTF-8 for text). ethers
 * NFKC-normalizes a string password first, which changes nothing for ASCII.
 *
 * A keystore file is untrusted input: the KDF parameters are bounded before
 * any work (LM_KEYSTORE_MAX_*) so a hostile file cannot make the reader
 * allocate gigabytes or spin for hours. Every buffer that held the derived
 * key or the private key is wiped (lm_wipe) before return, on every path,
 * and the MAC is compared in constant time (lm_ct_equal). */
#ifndef LAMINA_KEYSTORE_H
#define LAMINA_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/secp256k1.h"

/* What Lamina writes by default (geth's StandardScryptN / P). */
#define LM_KEYSTORE_SCRYPT_N 262144u /* 2^18: about 256 MiB and ~1 s */
#define LM_KEYSTORE_SCRYPT_R 8u
#define LM_KEYSTORE_SCRYPT_P 1u
/* A light set for tests and throwaway devnet keys (geth's LightScryptN). */
#define LM_KEYSTORE_SCRYPT_N_LIGHT 4096u /* 2^12 */

/* Bounds on what a file may ask of the reader. */
#define LM_KEYSTORE_MAX_SCRYPT_N (1u << 20)           /* n <= 2^20 */
#define LM_KEYSTORE_MAX_SCRYPT_MEM (1024ull << 20)    /* 128*r*(n+p+2) <= 1 GiB; r, p <= 1024 */
#define LM_KEYSTORE_MAX_SCRYPT_WORK (1ull << 24)      /* n * r * p <= 2^24 */
#define LM_KEYSTORE_MAX_PBKDF2_C 10000000u            /* iterations */
#define LM_KEYSTORE_MAX_SALT 128                      /* bytes */
#define LM_KEYSTORE_MAX_FILE 65536                    /* bytes of JSON */

/* Scrypt parameters for writing. n: a power of two in [2, 2^20]; r, p >= 1;
 * and within the bounds above (the writer checks what the reader would). */
typedef struct lm_keystore_scrypt {
    uint32_t n;
    uint32_t r;
    uint32_t p;
} lm_keystore_scrypt;

/* The random parts of a keystore, fixed by the caller for reproducible
 * output (tests, known answers against ethers). */
typedef struct lm_keystore_random {
    uint8_t salt[32];
    uint8_t iv[16];
    uint8_t uuid[16]; /* the version and variant bits are set when written */
} lm_keystore_random;

/* Encrypts *key under password[0..password_len) with scrypt.
 * In: params NULL for the default (2^18, 8, 1).
 * Out: *json a NUL-terminated JSON document (malloc'ed; the caller free()s
 * it; it holds no secret), of the form
 *   {"address": "<40 lowercase hex>", "id": "<uuid v4>", "version": 3,
 *    "crypto": {"cipher": "aes-128-ctr", "cipherparams": {"iv": …},
 *               "ciphertext": …, "kdf": "scrypt",
 *               "kdfparams": {"dklen": 32, "n": …, "p": …, "r": …, "salt": …},
 *               "mac": …}}
 * Salt (32 bytes), iv (16) and the uuid (16) come from getrandom.
 * Returns: LM_OK; LM_EINVAL (parameters out of bounds); LM_ECRYPTO (invalid
 * key); LM_EIO (random source); LM_ENOMEM. *json is NULL on error. */
LM_MUST_CHECK lm_code lm_keystore_encrypt(char **json, const lm_seckey *key, const char *password,
                                          size_t password_len, const lm_keystore_scrypt *params,
                                          lm_err *err);

/* lm_keystore_encrypt with the salt, iv and uuid taken from *rnd instead of
 * the random source. Deterministic: for tests only — reusing a salt and iv
 * across keys leaks their XOR. */
LM_MUST_CHECK lm_code lm_keystore_encrypt_with(char **json, const lm_seckey *key,
                                               const char *password, size_t password_len,
                                               const lm_keystore_scrypt *params,
                                               const lm_keystore_random *rnd, lm_err *err);

/* Decrypts a keystore v3 document text[0..len) (no NUL needed) with
 * password[0..password_len). Accepts "crypto" or "Crypto" (ethers writes
 * the latter), kdf "scrypt" or "pbkdf2" (prf "hmac-sha256"), cipher
 * "aes-128-ctr", dklen 32, a 32-byte ciphertext. When the file has an
 * "address" it must be the key's address.
 * Out: *key (and *address when not NULL) on LM_OK only.
 * Returns: LM_OK;
 *   LM_ECRYPTO "MAC mismatch: wrong password or corrupted file", or the
 *     decrypted value is not a valid key, or the address does not match;
 *   LM_EINVAL malformed JSON, a missing or mistyped field, version not 3,
 *     an unsupported cipher, kdf or prf (the message names it), bad hex;
 *   LM_ETOOLARGE a KDF parameter beyond the bounds above, or a file over
 *     LM_KEYSTORE_MAX_FILE;
 *   LM_ENOMEM. */
LM_MUST_CHECK lm_code lm_keystore_decrypt(lm_seckey *key, lm_address *address, const char *text,
                                          size_t len, const char *password, size_t password_len,
                                          lm_err *err);

/* Reads the "address" field of a keystore without the password (for
 * listing; unauthenticated until decrypted).
 * Returns: LM_OK; LM_ENOTFOUND (no address field); LM_EINVAL (malformed). */
LM_MUST_CHECK lm_code lm_keystore_peek_address(lm_address *address, const char *text, size_t len,
                                               lm_err *err);

#endif
