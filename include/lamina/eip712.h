/* EIP-712: hashing of typed structured data, as wallets sign it
 * (eth_signTypedData_v4, ethers' signTypedData).
 *
 *   digest = keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message))
 *   hashStruct(s) = keccak256(typeHash ‖ encodeData(s))
 *   typeHash = keccak256(encodeType(typeOf(s)))
 *
 * Two APIs:
 *  - fixed helpers that need no JSON and no allocation (the digest, a
 *    streaming struct hasher, the Lamina domain separator), freestanding
 *    like Keccak, for code that knows its types at compile time;
 *  - a generic hasher for a typed-data JSON document {types, primaryType,
 *    domain, message}, built on jansson, for anything a wallet can sign.
 *
 * The generic hasher is strict where wallets and ethers differ or are lax;
 * see docs/crypto.md ("secp256k1 and EIP-712") for the exact rules. */
#ifndef LAMINA_EIP712_H
#define LAMINA_EIP712_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/keccak.h"

/* --- fixed helpers ------------------------------------------------------ */

/* Out: out = keccak256(0x19 ‖ 0x01 ‖ domain_separator ‖ struct_hash), the
 * 32-byte digest a wallet signs. */
void lm_eip712_digest(uint8_t out[32], const uint8_t domain_separator[32],
                      const uint8_t struct_hash[32]);

/* Out: out = keccak256(encoded_type[0..len)), e.g. of
 * "Mail(Person from,Person to,string contents)Person(string name,address wallet)". */
void lm_eip712_type_hash(uint8_t out[32], const char *encoded_type, size_t len);

/* A streaming hashStruct: init with the type hash, then one call per member
 * in the order of the type, then final. encodeData is a run of 32-byte
 * words, so the caller needs no buffer. Copyable. */
typedef struct lm_eip712_struct {
    lm_keccak k;
} lm_eip712_struct;

void lm_eip712_struct_init(lm_eip712_struct *s, const uint8_t type_hash[32]);
/* A member already encoded as its 32-byte word (bytes32, a nested
 * hashStruct, an array hash, a uint256 in big-endian). */
void lm_eip712_struct_word(lm_eip712_struct *s, const uint8_t word[32]);
/* uint8..uint256 members whose value fits in 64 bits. */
void lm_eip712_struct_uint(lm_eip712_struct *s, uint64_t v);
/* int8..int256 members: sign-extended to 256 bits. */
void lm_eip712_struct_int(lm_eip712_struct *s, int64_t v);
void lm_eip712_struct_bool(lm_eip712_struct *s, bool v);
void lm_eip712_struct_address(lm_eip712_struct *s, const uint8_t addr[20]);
/* bytes1..bytes32 members: n bytes (1..32) left-aligned, zero-padded. */
void lm_eip712_struct_fixed_bytes(lm_eip712_struct *s, const uint8_t *b, size_t n);
/* bytes and string members: encoded as keccak256 of their contents (a
 * string's UTF-8 bytes). data may be NULL when len is 0. */
void lm_eip712_struct_dynamic(lm_eip712_struct *s, const uint8_t *data, size_t len);
/* Out: out = hashStruct. *s is wiped; init it again to reuse. */
void lm_eip712_struct_final(lm_eip712_struct *s, uint8_t out[32]);

/* The domain Lamina signs under: the four usual fields, in the order the
 * EIP lists them. chainId is the L2 chain id, verifyingContract the L1
 * rollup contract (DESIGN.md §4). */
#define LM_EIP712_DOMAIN_TYPE \
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
#define LM_EIP712_LAMINA_NAME "Lamina"
#define LM_EIP712_LAMINA_VERSION "1"

typedef struct lm_eip712_domain {
    const char *name; /* UTF-8, name_len bytes, no NUL needed */
    size_t name_len;
    const char *version;
    size_t version_len;
    uint64_t chain_id;
    uint8_t verifying_contract[20];
} lm_eip712_domain;

/* Out: out = hashStruct(EIP712Domain{name, version, chainId,
 * verifyingContract}) for *d. */
void lm_eip712_domain_separator(uint8_t out[32], const lm_eip712_domain *d);

/* The Lamina domain separator: name "Lamina", version "1", the given L2
 * chain id and rollup contract address. */
void lm_eip712_lamina_domain_separator(uint8_t out[32], uint64_t chain_id,
                                       const uint8_t rollup_contract[20]);

/* --- typed-data JSON ------------------------------------------------------ */

struct json_t; /* jansson's json_t */

/* Limits on documents, checked before any hashing. */
#define LM_EIP712_MAX_TYPES 64   /* struct types in "types" */
#define LM_EIP712_MAX_FIELDS 256 /* members of one struct type */
#define LM_EIP712_MAX_DIMS 8     /* array dimensions of one member type */
#define LM_EIP712_MAX_DEPTH 64   /* nesting of structs and arrays in a value */

typedef struct lm_eip712_hashes {
    uint8_t domain_separator[32]; /* hashStruct(domain) */
    uint8_t struct_hash[32];      /* hashStruct(message) as primaryType */
    uint8_t digest[32];           /* what is signed */
} lm_eip712_hashes;

/* Hashes a typed-data document {types, primaryType, domain, message}.
 * types may define EIP712Domain; when it does not, the domain type is made
 * from the domain's keys in the EIP's order (name, version, chainId,
 * verifyingContract, salt), as ethers does.
 * Out: *out on success.
 * Returns: LM_OK, or LM_EINVAL (malformed document, unknown or cyclic type,
 * missing or extra member, bad hex or address, wrong array length),
 * LM_EOVERFLOW (a number out of range for its type), LM_ETOOLARGE (a limit
 * above), LM_ENOMEM; the message names the place ("message.to.wallet: …").
 * The document is only read; nothing is kept after the call. */
LM_MUST_CHECK lm_code lm_eip712_hash_typed_data(lm_eip712_hashes *out, const struct json_t *doc,
                                                lm_err *err);

/* The same from JSON text text[0..len) (no NUL needed). Duplicate object
 * keys are refused: a wallet must not show one value and sign another. */
LM_MUST_CHECK lm_code lm_eip712_hash_typed_data_text(lm_eip712_hashes *out, const char *text,
                                                     size_t len, lm_err *err);

/* Out: out = hashStruct(value) as type_name (NUL-terminated) of types
 * (the "types" object of a document). Returns as above. */
LM_MUST_CHECK lm_code lm_eip712_hash_struct_json(uint8_t out[32], const struct json_t *types,
                                                 const char *type_name, const struct json_t *value,
                                                 lm_err *err);

/* Out: out[0..*out_len) = encodeType(type_name) of types and a NUL.
 * Returns: LM_OK, LM_ESPACE when out_cap is too small, or the errors of a
 * malformed types object as above. */
LM_MUST_CHECK lm_code lm_eip712_encode_type(char *out, size_t out_cap, size_t *out_len,
                                            const struct json_t *types, const char *type_name,
                                            lm_err *err);

#endif
