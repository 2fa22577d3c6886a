/* EIP-712 fixed helpers: digest, streaming hashStruct, domain separators.
 * No JSON, no allocation, no libc beyond memcpy/memset: the state
 * transition function may use these. The JSON hasher is eip712_json.c. */
#include "lamina/eip712.h"

#include <string.h>

void lm_eip712_digest(uint8_t out[32], const uint8_t domain_separator[32],
                      const uint8_t struct_hash[32])
{
    /* EIP-712: encode(domainSeparator, message) =
     * "\x19\x01" ‖ domainSeparator ‖ hashStruct(message). */
    uint8_t buf[66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    memcpy(buf + 2, domain_separator, 32);
    memcpy(buf + 34, struct_hash, 32);
    lm_keccak256(out, buf, sizeof buf);
}

void lm_eip712_type_hash(uint8_t out[32], const char *encoded_type, size_t len)
{
    lm_keccak256(out, (const uint8_t *)encoded_type, len);
}

void lm_eip712_struct_init(lm_eip712_struct *s, const uint8_t type_hash[32])
{
    lm_keccak_init(&s->k);
    lm_keccak_update(&s->k, type_hash, 32);
}

void lm_eip712_struct_word(lm_eip712_struct *s, const uint8_t word[32])
{
    lm_keccak_update(&s->k, word, 32);
}

void lm_eip712_struct_uint(lm_eip712_struct *s, uint64_t v)
{
    uint8_t w[32] = {0};
    for (int i = 0; i < 8; i++)
        w[31 - i] = (uint8_t)(v >> (8 * i));
    lm_keccak_update(&s->k, w, 32);
}

void lm_eip712_struct_int(lm_eip712_struct *s, int64_t v)
{
    /* "Integer values are sign-extended to 256-bit and encoded in big
     * endian order." */
    uint64_t u = (uint64_t)v;
    uint8_t w[32];
    memset(w, v < 0 ? 0xff : 0x00, 24);
    for (int i = 0; i < 8; i++)
        w[31 - i] = (uint8_t)(u >> (8 * i));
    lm_keccak_update(&s->k, w, 32);
}

void lm_eip712_struct_bool(lm_eip712_struct *s, bool v)
{
    lm_eip712_struct_uint(s, v ? 1 : 0);
}

void lm_eip712_struct_address(lm_eip712_struct *s, const uint8_t addr[20])
{
    /* "Addresses are encoded as uint160." */
    uint8_t w[32] = {0};
    memcpy(w + 12, addr, 20);
    lm_keccak_update(&s->k, w, 32);
}

void lm_eip712_struct_fixed_bytes(lm_eip712_struct *s, const uint8_t *b, size_t n)
{
    /* "bytes1 to bytes31 ... are zero-padded at the end to bytes32". */
    uint8_t w[32] = {0};
    memcpy(w, b, n > 32 ? 32 : n);
    lm_keccak_update(&s->k, w, 32);
}

void lm_eip712_struct_dynamic(lm_eip712_struct *s, const uint8_t *data, size_t len)
{
    /* "The dynamic values bytes and string are encoded as a keccak256 hash
     * of their contents." */
    uint8_t h[32];
    lm_keccak256(h, data, len);
    lm_keccak_update(&s->k, h, 32);
}

void lm_eip712_struct_final(lm_eip712_struct *s, uint8_t out[32])
{
    lm_keccak_final(&s->k, out);
}

void lm_eip712_domain_separator(uint8_t out[32], const lm_eip712_domain *d)
{
    /* keccak256(LM_EIP712_DOMAIN_TYPE), computed once per call: 82 bytes,
     * one permutation. */
    uint8_t type_hash[32];
    lm_eip712_type_hash(type_hash, LM_EIP712_DOMAIN_TYPE, sizeof LM_EIP712_DOMAIN_TYPE - 1);
    lm_eip712_struct s;
    lm_eip712_struct_init(&s, type_hash);
    lm_eip712_struct_dynamic(&s, (const uint8_t *)d->name, d->name_len);
    lm_eip712_struct_dynamic(&s, (const uint8_t *)d->version, d->version_len);
    lm_eip712_struct_uint(&s, d->chain_id);
    lm_eip712_struct_address(&s, d->verifying_contract);
    lm_eip712_struct_final(&s, out);
}

void lm_eip712_lamina_domain_separator(uint8_t out[32], uint64_t chain_id,
                                       const uint8_t rollup_contract[20])
{
    lm_eip712_domain d = {
        .name = LM_EIP712_LAMINA_NAME,
        .name_len = sizeof LM_EIP712_LAMINA_NAME - 1,
        .version = LM_EIP712_LAMINA_VERSION,
        .version_len = sizeof LM_EIP712_LAMINA_VERSION - 1,
        .chain_id = chain_id,
    };
    memcpy(d.verifying_contract, rollup_contract, 20);
    lm_eip712_domain_separator(out, &d);
}
