#include "lamina/settlement.h"

#include <string.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"

/* Freestanding: only memcpy/memset/memcmp from libc. */

/* ABI words: every value left-padded to 32 bytes. */
static void word_u64(uint8_t w[32], uint64_t v)
{
    memset(w, 0, 24);
    lm_store_be64(w + 24, v);
}

static void word_addr(uint8_t w[32], const uint8_t a[20])
{
    memset(w, 0, 12);
    memcpy(w + 12, a, 20);
}

void lm_message_hash(uint8_t out[32], const lm_l1_message *m)
{
    uint8_t buf[7 * 32];
    size_t n;
    word_u64(buf, (uint64_t)m->kind);
    word_u64(buf + 32, m->index);
    word_u64(buf + 64, m->l1_block);
    word_addr(buf + 96, m->from);
    if (m->kind == LM_MSG_FORCED_TX) {
        memcpy(buf + 128, m->tx_hash, 32);
        n = 5 * 32;
    } else {
        word_addr(buf + 128, m->to);
        word_u64(buf + 160, m->asset_id);
        word_u64(buf + 192, m->amount);
        n = 7 * 32;
    }
    lm_keccak256(out, buf, n);
}

void lm_queue_hash(uint8_t out[32], const uint8_t prev[32], const uint8_t message_hash[32])
{
    uint8_t buf[64];
    memcpy(buf, prev, 32);
    memcpy(buf + 32, message_hash, 32);
    lm_keccak256(out, buf, sizeof buf);
}

void lm_withdrawal_leaf(uint8_t out[32], const lm_withdrawal *w)
{
    uint8_t buf[5 * 32];
    word_u64(buf, w->id);
    word_addr(buf + 32, w->l2_sender);
    word_addr(buf + 64, w->l1_recipient);
    word_u64(buf + 96, w->asset_id);
    word_u64(buf + 128, w->amount);
    lm_keccak256(out, buf, sizeof buf);
}

/* Freestanding error reporting (no vsnprintf here: the fault-proof program
 * links this file). */
static lm_code fail(lm_err *err, lm_code code, const char *msg)
{
    if (err) {
        size_t n = 0;
        while (msg[n] && n + 1 < sizeof err->msg)
            n++;
        memcpy(err->msg, msg, n);
        err->msg[n] = '\0';
        err->code = code;
    }
    return code;
}

static void node_hash(uint8_t out[32], const uint8_t left[32], const uint8_t right[32])
{
    uint8_t buf[64];
    memcpy(buf, left, 32);
    memcpy(buf + 32, right, 32);
    lm_keccak256(out, buf, sizeof buf);
}


/* Hashes one level: src[0..n) -> dst[0..(n+1)/2); dst may equal src. The
 * tree is padded with zero leaves to a power of two, so an odd last node
 * pairs with the root of an all-zero subtree of its height: zero_sub (0 at
 * the leaf level, H(0,0) one level up, and so on). */
static size_t level_up_z(uint8_t (*dst)[32], const uint8_t (*src)[32], size_t n,
                         const uint8_t zero_sub[32])
{
    size_t m = (n + 1) / 2;
    for (size_t i = 0; i < m; i++) {
        const uint8_t *right = 2 * i + 1 < n ? src[2 * i + 1] : zero_sub;
        uint8_t tmp[32];
        node_hash(tmp, src[2 * i], right);
        memcpy(dst[i], tmp, 32);
    }
    return m;
}

lm_code lm_withdrawal_root(uint8_t root[32], const uint8_t (*leaves)[32], size_t n,
                           uint8_t (*scratch)[32], lm_err *err)
{
    if ((uint64_t)n > ((uint64_t)1 << LM_WTREE_MAX_DEPTH))
        return fail(err, LM_ETOOLARGE, "withdrawal tree: more than 2^32 leaves");
    if (n == 0) {
        memset(root, 0, 32);
        return LM_OK;
    }
    if (n == 1) {
        memcpy(root, leaves[0], 32);
        return LM_OK;
    }
    uint8_t zero_sub[32] = {0};
    size_t m = level_up_z(scratch, leaves, n, zero_sub);
    node_hash(zero_sub, zero_sub, zero_sub);
    while (m > 1) {
        m = level_up_z(scratch, (const uint8_t (*)[32])scratch, m, zero_sub);
        node_hash(zero_sub, zero_sub, zero_sub);
    }
    memcpy(root, scratch[0], 32);
    return LM_OK;
}

lm_code lm_withdrawal_proof(uint8_t (*proof)[32], size_t *depth, const uint8_t (*leaves)[32],
                            size_t n, size_t index, uint8_t (*scratch)[32], lm_err *err)
{
    if ((uint64_t)n > ((uint64_t)1 << LM_WTREE_MAX_DEPTH))
        return fail(err, LM_ETOOLARGE, "withdrawal tree: more than 2^32 leaves");
    if (index >= n)
        return fail(err, LM_EINVAL, "withdrawal tree: leaf index out of range");
    size_t d = 0;
    uint8_t zero_sub[32] = {0};
    size_t m = n;
    const uint8_t (*level)[32] = leaves;
    while (m > 1) {
        size_t sib = index ^ 1;
        memcpy(proof[d], sib < m ? level[sib] : zero_sub, 32);
        m = level_up_z(scratch, level, m, zero_sub);
        level = (const uint8_t (*)[32])scratch;
        node_hash(zero_sub, zero_sub, zero_sub);
        index >>= 1;
        d++;
    }
    *depth = d;
    return LM_OK;
}

int lm_withdrawal_verify(const uint8_t root[32], const uint8_t leaf[32], uint64_t index,
                         const uint8_t (*proof)[32], size_t depth)
{
    if (depth > LM_WTREE_MAX_DEPTH || (depth < 64 && (index >> depth) != 0))
        return 0;
    uint8_t h[32];
    memcpy(h, leaf, 32);
    for (size_t i = 0; i < depth; i++) {
        if ((index >> i) & 1)
            node_hash(h, proof[i], h);
        else
            node_hash(h, h, proof[i]);
    }
    return memcmp(h, root, 32) == 0;
}

void lm_output_root(uint8_t out[32], const lm_output_preimage *o)
{
    uint8_t buf[97];
    buf[0] = o->version;
    memcpy(buf + 1, o->state_root, 32);
    memcpy(buf + 33, o->withdrawals_root, 32);
    memcpy(buf + 65, o->last_block_hash, 32);
    lm_keccak256(out, buf, sizeof buf);
}
