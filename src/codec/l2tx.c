/* L2 transactions and block headers: see include/lamina/l2tx.h. */
#include "lamina/l2tx.h"

#include <string.h>

#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/keccak.h"

const char *lm_stf_code_message(lm_stf_code code)
{
    switch (code) {
    case LM_STF_OK: return "ok";
    case LM_STF_MALFORMED: return "malformed transaction encoding";
    case LM_STF_WRONG_CHAIN: return "wrong chain id";
    case LM_STF_BAD_SIGNATURE: return "signature does not match the sender";
    case LM_STF_UNKNOWN_SENDER: return "sender has no account";
    case LM_STF_NONCE_USED: return "nonce already used (replay) or below the nonce window";
    case LM_STF_NONCE_TOO_HIGH: return "nonce beyond the nonce window";
    case LM_STF_UNKNOWN_ASSET: return "unknown asset";
    case LM_STF_ZERO_AMOUNT: return "amount is zero";
    case LM_STF_INSUFFICIENT: return "insufficient balance for amount plus fee";
    case LM_STF_OVERFLOW: return "a balance would overflow";
    case LM_STF_TOO_MANY_ACCOUNTS: return "the account tree is full";
    case LM_STF_LIMIT: return "a block or batch limit is reached";
    case LM_STF_HOST: return "state access failed";
    case LM_STF_BAD_MESSAGE: return "L1 message out of queue order or of unknown kind";
    case LM_STF_BAD_BLOCK: return "block header disagrees with the block's contents";
    case LM_STF_CODE_COUNT: break;
    }
    return "unknown error";
}

const char *lm_stf_code_name(lm_stf_code code)
{
    switch (code) {
    case LM_STF_OK: return "OK";
    case LM_STF_MALFORMED: return "MALFORMED";
    case LM_STF_WRONG_CHAIN: return "WRONG_CHAIN";
    case LM_STF_BAD_SIGNATURE: return "BAD_SIGNATURE";
    case LM_STF_UNKNOWN_SENDER: return "UNKNOWN_SENDER";
    case LM_STF_NONCE_USED: return "NONCE_USED";
    case LM_STF_NONCE_TOO_HIGH: return "NONCE_TOO_HIGH";
    case LM_STF_UNKNOWN_ASSET: return "UNKNOWN_ASSET";
    case LM_STF_ZERO_AMOUNT: return "ZERO_AMOUNT";
    case LM_STF_INSUFFICIENT: return "INSUFFICIENT";
    case LM_STF_OVERFLOW: return "OVERFLOW";
    case LM_STF_TOO_MANY_ACCOUNTS: return "TOO_MANY_ACCOUNTS";
    case LM_STF_LIMIT: return "LIMIT";
    case LM_STF_HOST: return "HOST";
    case LM_STF_BAD_MESSAGE: return "BAD_MESSAGE";
    case LM_STF_BAD_BLOCK: return "BAD_BLOCK";
    case LM_STF_CODE_COUNT: break;
    }
    return "UNKNOWN";
}

/* offsets in the wire form */
enum {
    W_VERSION = 0,
    W_TYPE = 1,
    W_CHAIN = 2,
    W_FROM = 10,
    W_TO = 30,
    W_ASSET = 50,
    W_AMOUNT = 54,
    W_FEE = 62,
    W_NONCE = 70,
    W_SIG = 78,
};

lm_stf_code lm_tx_decode(lm_tx *out, const uint8_t *wire, size_t len)
{
    if (len != LM_TX_WIRE_LEN || wire[W_VERSION] != LM_TX_WIRE_VERSION)
        return LM_STF_MALFORMED;
    uint8_t type = wire[W_TYPE];
    if (type != LM_TX_TRANSFER && type != LM_TX_WITHDRAW)
        return LM_STF_MALFORMED;
    uint8_t v = wire[W_SIG + 64];
    if (v != 27 && v != 28)
        return LM_STF_MALFORMED;
    lm_tx t;
    t.type = (lm_tx_type)type;
    t.chain_id = lm_load_be64(wire + W_CHAIN);
    memcpy(t.from, wire + W_FROM, 20);
    memcpy(t.to, wire + W_TO, 20);
    t.asset = lm_load_be32(wire + W_ASSET);
    t.amount = lm_load_be64(wire + W_AMOUNT);
    t.fee = lm_load_be64(wire + W_FEE);
    t.nonce = lm_load_be64(wire + W_NONCE);
    memcpy(t.sig, wire + W_SIG, 65);
    *out = t;
    return LM_STF_OK;
}

void lm_tx_encode(uint8_t out[LM_TX_WIRE_LEN], const lm_tx *tx)
{
    out[W_VERSION] = LM_TX_WIRE_VERSION;
    out[W_TYPE] = (uint8_t)tx->type;
    lm_store_be64(out + W_CHAIN, tx->chain_id);
    memcpy(out + W_FROM, tx->from, 20);
    memcpy(out + W_TO, tx->to, 20);
    lm_store_be32(out + W_ASSET, tx->asset);
    lm_store_be64(out + W_AMOUNT, tx->amount);
    lm_store_be64(out + W_FEE, tx->fee);
    lm_store_be64(out + W_NONCE, tx->nonce);
    memcpy(out + W_SIG, tx->sig, 65);
}

void lm_tx_hash(uint8_t out[32], const lm_tx *tx)
{
    uint8_t w[LM_TX_WIRE_LEN];
    lm_tx_encode(w, tx);
    lm_keccak256(out, w, sizeof w);
}

/* keccak256 of LM_TX_TRANSFER_TYPE and LM_TX_WITHDRAW_TYPE (the EIP-712
 * typeHash), constant, so each transaction hashes one Keccak block fewer;
 * checked against the type strings by test_stf and against ethers by
 * test_l2tx_ethers. */
const uint8_t lm_tx_transfer_type_hash[32] = {
    0xf7, 0xba, 0xe7, 0xc4, 0x38, 0xc5, 0x0f, 0x59, 0xf6, 0x74, 0x8f, 0x46, 0x00, 0x17, 0xe9, 0x42,
    0xc0, 0x6d, 0xd7, 0x27, 0xa3, 0x67, 0xe5, 0xed, 0x3f, 0x99, 0xf9, 0xda, 0x8f, 0xb6, 0x8c, 0xb7};
const uint8_t lm_tx_withdraw_type_hash[32] = {
    0x11, 0xa7, 0x4d, 0x7a, 0x16, 0x24, 0x24, 0xb4, 0x8f, 0x0d, 0x12, 0x9e, 0x5a, 0xc4, 0x9c, 0x24,
    0x79, 0x92, 0x1e, 0x13, 0xcd, 0xea, 0x74, 0xe0, 0xfa, 0xa7, 0x65, 0x69, 0x3a, 0x89, 0xfc, 0xa2};

void lm_tx_struct_hash(uint8_t out[32], const lm_tx *tx)
{
    const uint8_t *th =
        tx->type == LM_TX_WITHDRAW ? lm_tx_withdraw_type_hash : lm_tx_transfer_type_hash;
    lm_eip712_struct s;
    lm_eip712_struct_init(&s, th);
    lm_eip712_struct_address(&s, tx->from);
    lm_eip712_struct_address(&s, tx->to);
    lm_eip712_struct_uint(&s, tx->asset);
    lm_eip712_struct_uint(&s, tx->amount);
    lm_eip712_struct_uint(&s, tx->fee);
    lm_eip712_struct_uint(&s, tx->nonce);
    lm_eip712_struct_final(&s, out);
}

void lm_tx_signing_digest(uint8_t out[32], const lm_tx *tx, const uint8_t domain_separator[32])
{
    uint8_t sh[32];
    lm_tx_struct_hash(sh, tx);
    lm_eip712_digest(out, domain_separator, sh);
}

void lm_block_header_encode(uint8_t out[LM_BLOCK_HEADER_LEN], const lm_block_header *h)
{
    uint8_t *p = out;
    *p++ = 0x01;
    lm_store_be64(p, h->number), p += 8;
    memcpy(p, h->parent_hash, 32), p += 32;
    lm_store_be64(p, h->l1_origin_number), p += 8;
    memcpy(p, h->l1_origin_hash, 32), p += 32;
    lm_store_be64(p, h->timestamp), p += 8;
    lm_store_be32(p, h->fee_recipient), p += 4;
    lm_store_be64(p, h->l1_messages_upto), p += 8;
    lm_store_be32(p, h->tx_count), p += 4;
    memcpy(p, h->tx_root, 32);
}

bool lm_block_header_decode(lm_block_header *h, const uint8_t *in, size_t len)
{
    if (len != LM_BLOCK_HEADER_LEN || in[0] != 0x01)
        return false;
    lm_block_header x;
    memset(&x, 0, sizeof x);
    x.number = lm_load_be64(in + 1);
    memcpy(x.parent_hash, in + 9, 32);
    x.l1_origin_number = lm_load_be64(in + 41);
    memcpy(x.l1_origin_hash, in + 49, 32);
    x.timestamp = lm_load_be64(in + 81);
    x.fee_recipient = lm_load_be32(in + 89);
    x.l1_messages_upto = lm_load_be64(in + 93);
    x.tx_count = lm_load_be32(in + 101);
    memcpy(x.tx_root, in + 105, 32);
    *h = x;
    return true;
}

void lm_block_hash(uint8_t out[32], const lm_block_header *h)
{
    uint8_t enc[LM_BLOCK_HEADER_LEN];
    lm_block_header_encode(enc, h);
    lm_keccak256(out, enc, sizeof enc);
}

void lm_tx_root(uint8_t out[32], const uint8_t (*hashes)[32], size_t n)
{
    if (n == 0) {
        memset(out, 0, 32);
        return;
    }
    lm_keccak k;
    lm_keccak_init(&k);
    for (size_t i = 0; i < n; i++)
        lm_keccak_update(&k, hashes[i], 32);
    lm_keccak_final(&k, out);
}
