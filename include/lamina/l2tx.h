/* Encoding and hashing of L2 transactions and block headers
 * (docs/l2-protocol.md §4, §6). Freestanding (no libc beyond memcpy/memset,
 * no allocation): the STF uses it in every build, RISC-V included. */
#ifndef LAMINA_L2TX_H
#define LAMINA_L2TX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/l2.h"

/* The EIP-712 type strings of the two transaction kinds. */
#define LM_TX_TRANSFER_TYPE \
    "Transfer(address from,address to,uint32 asset,uint64 amount,uint64 fee,uint64 nonce)"
#define LM_TX_WITHDRAW_TYPE \
    "Withdraw(address from,address to,uint32 asset,uint64 amount,uint64 fee,uint64 nonce)"

/* keccak256 of the two type strings (EIP-712 typeHash). */
extern const uint8_t lm_tx_transfer_type_hash[32];
extern const uint8_t lm_tx_withdraw_type_hash[32];

/* Decodes the 143-byte wire form.
 * Returns: LM_STF_OK and *out, or LM_STF_MALFORMED (length, version, type,
 * or v not 27/28); *out untouched then. */
lm_stf_code lm_tx_decode(lm_tx *out, const uint8_t *wire, size_t len);

/* Writes the wire form of *tx (type must be a valid lm_tx_type). */
void lm_tx_encode(uint8_t out[LM_TX_WIRE_LEN], const lm_tx *tx);

/* The transaction hash: keccak256 of the wire form. */
void lm_tx_hash(uint8_t out[32], const lm_tx *tx);

/* hashStruct of the transaction's EIP-712 message (without the signature). */
void lm_tx_struct_hash(uint8_t out[32], const lm_tx *tx);

/* The digest the sender signs: keccak256(0x1901 ‖ domain_separator ‖
 * hashStruct), domain_separator from lm_eip712_lamina_domain_separator. */
void lm_tx_signing_digest(uint8_t out[32], const lm_tx *tx, const uint8_t domain_separator[32]);

/* The header encoding of docs/l2-protocol.md §6 (LM_BLOCK_HEADER_LEN bytes)
 * and the block hash, keccak256 of it. */
#define LM_BLOCK_HEADER_LEN 137
void lm_block_header_encode(uint8_t out[LM_BLOCK_HEADER_LEN], const lm_block_header *h);
void lm_block_hash(uint8_t out[32], const lm_block_header *h);

/* Reads the header encoding back.
 * Returns: true and *h, or false (length not LM_BLOCK_HEADER_LEN, or not
 * version 0x01; *h untouched then). */
bool lm_block_header_decode(lm_block_header *h, const uint8_t *in, size_t len);

/* tx_root = keccak256(h_0 ‖ … ‖ h_{n-1}), zero for n == 0. */
void lm_tx_root(uint8_t out[32], const uint8_t (*hashes)[32], size_t n);

#endif
