/* secp256k1 keys, Ethereum ECDSA signatures, addresses (EIP-55) and
 * personal-message hashes (EIP-191), over libsecp256k1.
 *
 * Every value is a fixed-size struct the caller owns; nothing here
 * allocates except the one library context, created on first use (or by
 * lm_secp256k1_init) and kept for the life of the process. After that every
 * function is safe to call from any number of threads at once.
 *
 * Secrets: lm_seckey holds a private key. Wipe it with lm_seckey_wipe when
 * done; functions here wipe their own temporaries. Never log a key: log the
 * address. Signing is constant-time (libsecp256k1); verification and
 * recovery handle public data only. */
#ifndef LAMINA_SECP256K1_H
#define LAMINA_SECP256K1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"

#define LM_SECKEY_LEN 32
#define LM_PUBKEY_LEN 64   /* X || Y, big-endian, no 0x04 prefix */
#define LM_ADDRESS_LEN 20
#define LM_SIG_LEN 65      /* r || s || v */
#define LM_ADDRESS_TEXT_LEN 42 /* "0x" + 40 hex digits, without the NUL */

/* A private key: a big-endian scalar in [1, n-1]. */
typedef struct lm_seckey {
    uint8_t b[LM_SECKEY_LEN];
} lm_seckey;

/* A public key, uncompressed, without the 0x04 prefix: what Ethereum hashes
 * into an address. Always a valid curve point when produced here. */
typedef struct lm_pubkey {
    uint8_t b[LM_PUBKEY_LEN];
} lm_pubkey;

/* An Ethereum address: the last 20 bytes of keccak256(pubkey X || Y). */
typedef struct lm_address {
    uint8_t b[LM_ADDRESS_LEN];
} lm_address;

/* A recoverable ECDSA signature in Ethereum's 65-byte form r || s || v:
 * r and s big-endian 32 bytes each, s in the lower half of the group order
 * (EIP-2), v = 27 + recovery id (27 or 28), as eth_sign, personal_sign,
 * eth_signTypedData and ecrecover use it. */
typedef struct lm_sig {
    uint8_t b[LM_SIG_LEN];
} lm_sig;

/* Creates and randomizes (with getrandom) the shared library context if
 * that has not happened yet. Optional: every function below does it on
 * first use. Thread-safe.
 * Returns: LM_OK, or LM_EIO / LM_ENOMEM when the context cannot be made
 * (then every function below fails with the same code). */
LM_MUST_CHECK lm_code lm_secp256k1_init(lm_err *err);

/* --- private keys ------------------------------------------------------- */

/* Out: *out a fresh private key from the operating system's random source
 * (getrandom), drawn again until it is a valid scalar.
 * Returns: LM_OK, or LM_EIO when the random source fails (*out is zeroed). */
LM_MUST_CHECK lm_code lm_seckey_generate(lm_seckey *out, lm_err *err);

/* Checks that in[0..32) is a valid private key (nonzero, below the group
 * order n) and copies it to *out.
 * Returns: LM_OK, or LM_ECRYPTO (*out untouched). */
LM_MUST_CHECK lm_code lm_seckey_parse(lm_seckey *out, const uint8_t in[LM_SECKEY_LEN],
                                      lm_err *err);

/* Overwrites the key with zeros in a way the compiler keeps. */
void lm_seckey_wipe(lm_seckey *key);

/* --- public keys and addresses -------------------------------------------- */

/* Out: *out the public key of *key.
 * Returns: LM_OK, or LM_ECRYPTO for an invalid key. */
LM_MUST_CHECK lm_code lm_pubkey_from_seckey(lm_pubkey *out, const lm_seckey *key,
                                            lm_err *err);

/* Parses a SEC1 public key: 33 bytes (02/03 || X) or 65 bytes (04 || X || Y).
 * Returns: LM_OK, or LM_ECRYPTO when it is not a point on the curve. */
LM_MUST_CHECK lm_code lm_pubkey_parse(lm_pubkey *out, const uint8_t *in, size_t in_len,
                                      lm_err *err);

/* Out: out[0..33) the compressed SEC1 form (02/03 || X) of *key, which must
 * have been produced by this module. */
void lm_pubkey_compress(uint8_t out[33], const lm_pubkey *key);

/* Out: *out = last 20 bytes of keccak256(key X || Y). */
void lm_address_from_pubkey(lm_address *out, const lm_pubkey *key);

/* The address of a private key (lm_pubkey_from_seckey + the above).
 * Returns: LM_OK, or LM_ECRYPTO for an invalid key. */
LM_MUST_CHECK lm_code lm_address_from_seckey(lm_address *out, const lm_seckey *key,
                                             lm_err *err);

/* Writes the EIP-55 mixed-case checksum form "0x5aAeb6…" and a NUL.
 * Out: out[0..43).
 * Returns: LM_ADDRESS_TEXT_LEN (42), the characters before the NUL. */
size_t lm_address_to_checksum(char out[LM_ADDRESS_TEXT_LEN + 1], const lm_address *addr);

/* Parses 40 hex digits, with or without a leading "0x", exactly text_len
 * characters (no NUL needed). As EIP-55 asks, mixed case must be the
 * correct checksum; all-lowercase and all-uppercase digits carry no
 * checksum and are accepted.
 * Returns: LM_OK, or LM_EINVAL (length, digit, or a wrong checksum — the
 * message says which); *out untouched on error. */
LM_MUST_CHECK lm_code lm_address_parse(lm_address *out, const char *text, size_t text_len,
                                       lm_err *err);

/* --- signatures ------------------------------------------------------------ */

/* Signs a 32-byte digest (the caller hashed the message: lm_eip191_hash,
 * an EIP-712 digest, a transaction hash). Deterministic: RFC 6979 nonces,
 * as ethers and most Ethereum signers use, so the same key and digest
 * always give the same signature. Low-s (EIP-2), v = 27 or 28.
 * Returns: LM_OK, or LM_ECRYPTO for an invalid key (*out zeroed). */
LM_MUST_CHECK lm_code lm_ecdsa_sign(lm_sig *out, const uint8_t digest[32],
                                    const lm_seckey *key, lm_err *err);

/* Recovers the public key that made sig over digest. Strict: v must be 27
 * or 28, r and s in [1, n-1], and s at most n/2 (EIP-2: the high-s twin of
 * a valid signature is rejected, so a signature has one encoding).
 * Returns: LM_OK, or LM_ECRYPTO with a message naming the fault; *out
 * untouched on error. Variable-time (public inputs only). */
LM_MUST_CHECK lm_code lm_ecdsa_recover(lm_pubkey *out, const uint8_t digest[32],
                                       const lm_sig *sig, lm_err *err);

/* lm_ecdsa_recover followed by lm_address_from_pubkey: the `ecrecover` of
 * Ethereum, with the stricter checks above. */
LM_MUST_CHECK lm_code lm_ecdsa_recover_address(lm_address *out, const uint8_t digest[32],
                                               const lm_sig *sig, lm_err *err);

/* --- EIP-191 ----------------------------------------------------------------- */

/* The personal_sign / eth_sign message hash (EIP-191 version 0x45):
 * keccak256("\x19Ethereum Signed Message:\n" || decimal(msg_len) || msg).
 * msg may be NULL when msg_len is 0. */
void lm_eip191_hash(uint8_t out[32], const uint8_t *msg, size_t msg_len);

#endif
