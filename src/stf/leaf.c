/* The state tree's leaves and top (docs/l2-protocol.md §3). Freestanding. */
#include <stdint.h>
#include <string.h>

#include "lamina/poseidon2.h"
#include "lamina/stf.h"

/* "the address: bytes 0–6, 7–13, 14–19, each read as a little-endian
 * integer" */
static lm_gl le_bytes(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v; /* < 2^56 < p */
}

/* "64-bit values are split because a field element holds less than 2^64":
 * low 32 bits, then high 32 bits. */
static void split64(lm_gl *out, uint64_t v)
{
    out[0] = v & 0xffffffffu;
    out[1] = v >> 32;
}

void lm_account_leaf_elements(lm_gl e[LM_ACCOUNT_LEAF_ELEMENTS], const lm_account *acct)
{
    e[0] = le_bytes(acct->address, 7);
    e[1] = le_bytes(acct->address + 7, 7);
    e[2] = le_bytes(acct->address + 14, 6);
    split64(e + 3, acct->nonce_base);
    split64(e + 5, acct->nonce_bits);
    for (size_t i = 0; i < LM_MAX_ASSETS; i++)
        split64(e + 7 + 2 * i, acct->balance[i]);
}

void lm_account_leaf(lm_gl out[4], const lm_account *acct)
{
    lm_gl e[LM_ACCOUNT_LEAF_ELEMENTS];
    lm_account_leaf_elements(e, acct);
    lm_poseidon2_hash(out, e, LM_ACCOUNT_LEAF_ELEMENTS);
}

void lm_meta_leaf(lm_gl out[4], const lm_chain_meta *meta)
{
    /* num_accounts, next_withdrawal_id, l1_messages_done, num_assets (each
     * low 32, high 32), then l1_queue_hash as 8 big-endian 32-bit words. */
    lm_gl e[16];
    split64(e + 0, meta->num_accounts);
    split64(e + 2, meta->next_withdrawal_id);
    split64(e + 4, meta->l1_messages_done);
    split64(e + 6, meta->num_assets);
    for (size_t i = 0; i < 8; i++) {
        const uint8_t *w = meta->l1_queue_hash + 4 * i;
        e[8 + i] = (uint64_t)w[0] << 24 | (uint64_t)w[1] << 16 | (uint64_t)w[2] << 8 | w[3];
    }
    lm_poseidon2_hash(out, e, 16);
}

void lm_state_root(lm_gl out[4], const lm_gl accounts_root[4], const lm_gl meta_leaf[4])
{
    /* state_root = C( C(accounts_root, meta_leaf), C(slot2, slot3) ),
     * slot2 = slot3 = Z0 until the exchange defines them. */
    static const lm_gl z0[4] = {0, 0, 0, 0};
    lm_gl left[4], right[4];
    lm_poseidon2_compress(left, accounts_root, meta_leaf);
    lm_poseidon2_compress(right, z0, z0);
    lm_poseidon2_compress(out, left, right);
}

void lm_state_root_bytes(uint8_t out[32], const lm_gl root[4])
{
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 8; j++)
            out[8 * i + j] = (uint8_t)(root[i] >> (56 - 8 * j));
}
