/* The state transition function: transactions, L1 messages, blocks
 * (docs/l2-protocol.md §2, §4–§7). Freestanding: see include/lamina/stf.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lamina/checked.h"
#include "lamina/eip712.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/settlement.h"
#include "lamina/stf.h"

void lm_stf_init(lm_stf_ctx *ctx, uint64_t chain_id, const uint8_t rollup[20],
                 const lm_chain_meta *meta, const lm_stf_host *host, lm_withdrawal *withdrawals,
                 size_t withdrawal_cap)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->config.chain_id = chain_id;
    memcpy(ctx->config.rollup, rollup, 20);
    lm_eip712_lamina_domain_separator(ctx->config.domain_separator, chain_id, rollup);
    ctx->meta = *meta;
    ctx->host = host;
    ctx->withdrawals = withdrawals;
    ctx->withdrawal_cap = withdrawal_cap;
    ctx->withdrawal_count = 0;
}

/* ---- nonces ------------------------------------------------------------------ */

lm_stf_code lm_nonce_check(const lm_account *acct, uint64_t nonce)
{
    /* "Nonce n is usable when nonce_base ≤ n < nonce_base + 64 and bit
     * n − nonce_base of nonce_bits is clear." Nonce 2^64 − 1 is never usable,
     * so that the base never wraps (docs/l2-protocol.md §2). */
    if (nonce < acct->nonce_base)
        return LM_STF_NONCE_USED;
    uint64_t d = nonce - acct->nonce_base;
    if (d >= LM_NONCE_WINDOW || nonce == UINT64_MAX)
        return LM_STF_NONCE_TOO_HIGH;
    if ((acct->nonce_bits >> d) & 1u)
        return LM_STF_NONCE_USED;
    return LM_STF_OK;
}

void lm_nonce_use(lm_account *acct, uint64_t nonce)
{
    /* "Using it sets the bit; then, while bit 0 is set, the base increases
     * by one and the bits shift right." At most 64 steps. */
    acct->nonce_bits |= (uint64_t)1 << (nonce - acct->nonce_base);
    for (unsigned i = 0; i < LM_NONCE_WINDOW && (acct->nonce_bits & 1u); i++) {
        acct->nonce_bits >>= 1;
        acct->nonce_base++;
    }
}

/* ---- signatures ----------------------------------------------------------------- */

/* secp256k1's group order n and n/2, big-endian. */
static const uint8_t SECP_N[32] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t SECP_HALF_N[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

static bool is_zero32(const uint8_t *a)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < 32; i++)
        acc |= a[i];
    return acc == 0;
}

/* "the signature is r ‖ s ‖ v (65 bytes, v 27 or 28, low s)": 1 <= r < n,
 * 1 <= s <= n/2. Consensus rules, so checked here and not left to the host. */
static bool sig_in_range(const uint8_t sig[65])
{
    return !is_zero32(sig) && memcmp(sig, SECP_N, 32) < 0 && !is_zero32(sig + 32) &&
           memcmp(sig + 32, SECP_HALF_N, 32) <= 0;
}

/* ---- a transaction's working set ------------------------------------------------- */

/* The accounts a transaction touches (sender, recipient, fee recipient),
 * read once, changed in place, written back only when every check passed:
 * a rejected transaction writes nothing. */
typedef struct ws_slot {
    uint64_t index;
    bool is_new;
    lm_account a;
} ws_slot;

typedef struct wset {
    ws_slot s[3];
    size_t n;
    uint64_t num_accounts; /* meta.num_accounts with this set's new accounts */
} wset;

static void ws_init(wset *ws, const lm_stf_ctx *ctx)
{
    ws->n = 0;
    ws->num_accounts = ctx->meta.num_accounts;
}

/* Out: *slot, the account at index (an existing one). */
static lm_stf_code ws_load(wset *ws, const lm_stf_ctx *ctx, uint64_t index, ws_slot **slot)
{
    for (size_t i = 0; i < ws->n; i++)
        if (ws->s[i].index == index) {
            *slot = &ws->s[i];
            return LM_STF_OK;
        }
    ws_slot *s = &ws->s[ws->n];
    if (!ctx->host->get_account(ctx->host->ctx, index, &s->a))
        return LM_STF_HOST;
    s->index = index;
    s->is_new = false;
    ws->n++;
    *slot = s;
    return LM_STF_OK;
}

/* Out: *slot, the account of address: loaded, or new (next index) when it
 * has none; *slot is NULL only on LM_STF_HOST. The caller checks the
 * account limit (ws->num_accounts <= LM_STF_MAX_ACCOUNTS) at the end. */
static lm_stf_code ws_load_or_create(wset *ws, const lm_stf_ctx *ctx, const uint8_t address[20],
                                     ws_slot **slot)
{
    for (size_t i = 0; i < ws->n; i++)
        if (memcmp(ws->s[i].a.address, address, 20) == 0) {
            *slot = &ws->s[i];
            return LM_STF_OK;
        }
    bool found = false;
    uint64_t index = 0;
    if (!ctx->host->find_account(ctx->host->ctx, address, &found, &index))
        return LM_STF_HOST;
    if (found)
        return ws_load(ws, ctx, index, slot);
    ws_slot *s = &ws->s[ws->n];
    memset(s, 0, sizeof *s);
    memcpy(s->a.address, address, 20);
    s->index = ws->num_accounts;
    s->is_new = true;
    ws->num_accounts++; /* may pass the limit: checked by the caller */
    ws->n++;
    *slot = s;
    return LM_STF_OK;
}

/* Writes the set back; new accounts are in index order already. */
static lm_stf_code ws_commit(wset *ws, lm_stf_ctx *ctx)
{
    for (size_t i = 0; i < ws->n; i++) {
        ws_slot *s = &ws->s[i];
        if (!ctx->host->put_account(ctx->host->ctx, s->index, &s->a))
            return LM_STF_HOST;
        if (s->is_new)
            ctx->meta.num_accounts++;
    }
    return LM_STF_OK;
}

static lm_stf_code find_sender(const lm_stf_ctx *ctx, const uint8_t address[20], uint64_t *index)
{
    bool found = false;
    if (!ctx->host->find_account(ctx->host->ctx, address, &found, index))
        return LM_STF_HOST;
    return found ? LM_STF_OK : LM_STF_UNKNOWN_SENDER;
}

static bool withdrawal_room(const lm_stf_ctx *ctx, lm_stf_code *why)
{
    if (ctx->withdrawal_count >= LM_MAX_WITHDRAWALS_PER_BATCH) {
        *why = LM_STF_LIMIT; /* the protocol's per-batch limit */
        return false;
    }
    if (ctx->withdrawal_count >= ctx->withdrawal_cap) {
        *why = LM_STF_HOST; /* the caller gave too little memory */
        return false;
    }
    return true;
}

static void withdrawal_append(lm_stf_ctx *ctx, const uint8_t l2_sender[20],
                              const uint8_t l1_recipient[20], uint32_t asset, uint64_t amount)
{
    lm_withdrawal *w = &ctx->withdrawals[ctx->withdrawal_count++];
    w->id = ctx->meta.next_withdrawal_id++;
    memcpy(w->l2_sender, l2_sender, 20);
    memcpy(w->l1_recipient, l1_recipient, 20);
    w->asset_id = asset;
    w->amount = amount;
}

/* ---- transactions ---------------------------------------------------------------- */

/* The checks from MALFORMED to INSUFFICIENT, in the order of
 * docs/l2-protocol.md §4. Out: *sender_index, *sender (the loaded account). */
static lm_stf_code tx_validate(const lm_stf_ctx *ctx, const lm_tx *tx, uint64_t *sender_index,
                               lm_account *sender)
{
    if ((tx->type != LM_TX_TRANSFER && tx->type != LM_TX_WITHDRAW) ||
        (tx->sig[64] != 27 && tx->sig[64] != 28))
        return LM_STF_MALFORMED;
    if (tx->chain_id != ctx->config.chain_id)
        return LM_STF_WRONG_CHAIN;
    if (!sig_in_range(tx->sig))
        return LM_STF_BAD_SIGNATURE;
    uint8_t digest[32], signer[20];
    lm_tx_signing_digest(digest, tx, ctx->config.domain_separator);
    if (!ctx->host->ecrecover(ctx->host->ctx, digest, tx->sig, signer) ||
        memcmp(signer, tx->from, 20) != 0)
        return LM_STF_BAD_SIGNATURE;
    lm_stf_code rc = find_sender(ctx, tx->from, sender_index);
    if (rc != LM_STF_OK)
        return rc;
    if (!ctx->host->get_account(ctx->host->ctx, *sender_index, sender))
        return LM_STF_HOST;
    rc = lm_nonce_check(sender, tx->nonce);
    if (rc != LM_STF_OK)
        return rc;
    if (tx->asset >= ctx->meta.num_assets || tx->asset >= LM_MAX_ASSETS)
        return LM_STF_UNKNOWN_ASSET;
    if (tx->amount == 0)
        return LM_STF_ZERO_AMOUNT;
    /* "INSUFFICIENT (balance < amount + fee)": a sum past 2^64 − 1 exceeds
     * every balance, so it is INSUFFICIENT too. */
    uint64_t total;
    if (!lm_add_u64(&total, tx->amount, tx->fee) || sender->balance[tx->asset] < total)
        return LM_STF_INSUFFICIENT;
    return LM_STF_OK;
}

lm_stf_code lm_stf_check_tx(const lm_stf_ctx *ctx, const lm_tx *tx)
{
    uint64_t index;
    lm_account a;
    return tx_validate(ctx, tx, &index, &a);
}

lm_stf_code lm_stf_apply_tx(lm_stf_ctx *ctx, const lm_tx *tx, uint64_t fee_recipient)
{
    if (fee_recipient >= ctx->meta.num_accounts)
        return LM_STF_BAD_BLOCK;
    uint64_t sender_index;
    lm_account sender;
    lm_stf_code rc = tx_validate(ctx, tx, &sender_index, &sender);
    if (rc != LM_STF_OK)
        return rc;

    wset ws;
    ws_init(&ws, ctx);
    ws_slot *from = &ws.s[0];
    from->index = sender_index;
    from->is_new = false;
    from->a = sender;
    ws.n = 1;

    /* Effects: "debit amount + fee from from, credit amount to to
     * (creating its account if needed), credit fee to the fee recipient,
     * use the nonce" (Withdraw: no credit to `to`, a withdrawal instead). */
    uint32_t asset = tx->asset;
    from->a.balance[asset] -= tx->amount + tx->fee; /* checked by tx_validate */
    lm_nonce_use(&from->a, tx->nonce);

    bool creates = false;
    if (tx->type == LM_TX_TRANSFER) {
        ws_slot *to;
        rc = ws_load_or_create(&ws, ctx, tx->to, &to);
        if (rc != LM_STF_OK)
            return rc;
        creates = to->is_new;
        if (!lm_add_u64(&to->a.balance[asset], to->a.balance[asset], tx->amount))
            return LM_STF_OVERFLOW;
    }
    if (tx->fee != 0) {
        ws_slot *fr;
        rc = ws_load(&ws, ctx, fee_recipient, &fr);
        if (rc != LM_STF_OK)
            return rc;
        if (!lm_add_u64(&fr->a.balance[asset], fr->a.balance[asset], tx->fee))
            return LM_STF_OVERFLOW;
    }
    if (creates && ws.num_accounts > LM_STF_MAX_ACCOUNTS)
        return LM_STF_TOO_MANY_ACCOUNTS;
    if (tx->type == LM_TX_WITHDRAW && !withdrawal_room(ctx, &rc))
        return rc;

    rc = ws_commit(&ws, ctx);
    if (rc != LM_STF_OK)
        return rc;
    if (tx->type == LM_TX_WITHDRAW)
        withdrawal_append(ctx, tx->from, tx->to, asset, tx->amount);
    return LM_STF_OK;
}

lm_stf_code lm_stf_apply_tx_wire(lm_stf_ctx *ctx, const uint8_t *wire, size_t len,
                                 uint64_t fee_recipient)
{
    lm_tx tx;
    lm_stf_code rc = lm_tx_decode(&tx, wire, len);
    if (rc != LM_STF_OK)
        return rc;
    return lm_stf_apply_tx(ctx, &tx, fee_recipient);
}

/* ---- L1 -> L2 messages -------------------------------------------------------------- */

/* "Deposit: credit amount of asset to l2Recipient (creating its account);
 * num_assets = max(num_assets, asset + 1). A credit that would overflow, or
 * an asset id ≥ 8, is not applied: the message is consumed and the funds
 * are withdrawable back to from." The refund is the withdrawal {l2Sender:
 * from, l1Recipient: from, asset, amount}.
 * Out: *outcome. Returns: LM_STF_OK (consumed), LM_STF_LIMIT / LM_STF_HOST. */
static lm_stf_code apply_deposit(lm_stf_ctx *ctx, const lm_l1_message *m, lm_stf_code *outcome)
{
    lm_stf_code why = LM_STF_OK;
    wset ws;
    ws_init(&ws, ctx);
    if (m->asset_id >= LM_MAX_ASSETS) {
        why = LM_STF_UNKNOWN_ASSET;
    } else {
        ws_slot *to;
        lm_stf_code rc = ws_load_or_create(&ws, ctx, m->to, &to);
        if (rc != LM_STF_OK)
            return rc;
        if (!lm_add_u64(&to->a.balance[m->asset_id], to->a.balance[m->asset_id], m->amount))
            why = LM_STF_OVERFLOW;
        else if (to->is_new && ws.num_accounts > LM_STF_MAX_ACCOUNTS)
            why = LM_STF_TOO_MANY_ACCOUNTS;
    }
    if (why != LM_STF_OK) {
        lm_stf_code rc;
        if (!withdrawal_room(ctx, &rc))
            return rc;
        withdrawal_append(ctx, m->from, m->from, m->asset_id, m->amount);
        *outcome = why;
        return LM_STF_OK;
    }
    lm_stf_code rc = ws_commit(&ws, ctx);
    if (rc != LM_STF_OK)
        return rc;
    if (ctx->meta.num_assets < (uint64_t)m->asset_id + 1)
        ctx->meta.num_assets = (uint64_t)m->asset_id + 1;
    *outcome = LM_STF_OK;
    return LM_STF_OK;
}

/* "Forced withdrawal: as a Withdraw transaction from l2Account without
 * signature, nonce or fee; if the balance is insufficient it has no
 * effect." So are an unknown account or asset and a zero amount. */
static lm_stf_code apply_forced_withdrawal(lm_stf_ctx *ctx, const lm_l1_message *m,
                                           lm_stf_code *outcome)
{
    uint64_t index;
    lm_stf_code rc = find_sender(ctx, m->from, &index);
    if (rc == LM_STF_HOST)
        return rc;
    if (rc != LM_STF_OK) {
        *outcome = rc;
        return LM_STF_OK;
    }
    lm_account a;
    if (!ctx->host->get_account(ctx->host->ctx, index, &a))
        return LM_STF_HOST;
    if (m->asset_id >= ctx->meta.num_assets || m->asset_id >= LM_MAX_ASSETS)
        *outcome = LM_STF_UNKNOWN_ASSET;
    else if (m->amount == 0)
        *outcome = LM_STF_ZERO_AMOUNT;
    else if (a.balance[m->asset_id] < m->amount)
        *outcome = LM_STF_INSUFFICIENT;
    else
        *outcome = LM_STF_OK;
    if (*outcome != LM_STF_OK)
        return LM_STF_OK;
    if (!withdrawal_room(ctx, &rc))
        return rc;
    a.balance[m->asset_id] -= m->amount;
    if (!ctx->host->put_account(ctx->host->ctx, index, &a))
        return LM_STF_HOST;
    withdrawal_append(ctx, m->from, m->to, m->asset_id, m->amount);
    return LM_STF_OK;
}

/* Codes that make a block invalid rather than a message ineffective. */
static bool is_block_error(lm_stf_code c)
{
    return c == LM_STF_LIMIT || c == LM_STF_BAD_BLOCK || c == LM_STF_HOST ||
           c == LM_STF_BAD_MESSAGE;
}

lm_stf_code lm_stf_apply_message(lm_stf_ctx *ctx, const lm_stf_message *sm,
                                 uint64_t fee_recipient, lm_stf_code *outcome)
{
    /* "Applied in queue order, each exactly once" */
    lm_l1_message m = sm->msg;
    if (m.index != ctx->meta.l1_messages_done || ctx->meta.l1_messages_done == UINT64_MAX)
        return LM_STF_BAD_MESSAGE;
    if (m.kind != LM_MSG_DEPOSIT && m.kind != LM_MSG_FORCED_WITHDRAWAL &&
        m.kind != LM_MSG_FORCED_TX)
        return LM_STF_BAD_MESSAGE;
    if (m.kind == LM_MSG_FORCED_TX) {
        if (sm->tx == NULL && sm->tx_len != 0)
            return LM_STF_BAD_MESSAGE;
        /* the fee goes to the block's fee recipient, which must exist */
        if (fee_recipient >= ctx->meta.num_accounts)
            return LM_STF_BAD_BLOCK;
        lm_keccak256(m.tx_hash, sm->tx, sm->tx_len);
    }
    lm_stf_code out = LM_STF_OK, rc = LM_STF_OK;
    switch (m.kind) {
    case LM_MSG_DEPOSIT:
        rc = apply_deposit(ctx, &m, &out);
        break;
    case LM_MSG_FORCED_WITHDRAWAL:
        rc = apply_forced_withdrawal(ctx, &m, &out);
        break;
    case LM_MSG_FORCED_TX:
        /* "the l2Tx bytes are a wire-form transaction, applied as if
         * submitted; if rejected, it has no effect." */
        out = lm_stf_apply_tx_wire(ctx, sm->tx, sm->tx_len, fee_recipient);
        if (is_block_error(out))
            rc = out;
        break;
    }
    if (rc != LM_STF_OK)
        return rc;
    /* "each updates meta.l1_queue_hash with the message hash and
     * increments meta.l1_messages_done" */
    uint8_t mh[32];
    lm_message_hash(mh, &m);
    lm_queue_hash(ctx->meta.l1_queue_hash, ctx->meta.l1_queue_hash, mh);
    ctx->meta.l1_messages_done++;
    if (outcome)
        *outcome = out;
    return LM_STF_OK;
}

/* ---- blocks ------------------------------------------------------------------------- */

static lm_stf_block_result block_fail(lm_stf_ctx *ctx, const lm_chain_meta *meta0, size_t wcount0,
                                      lm_stf_code code, lm_stf_stage stage, size_t index)
{
    ctx->meta = *meta0;
    ctx->withdrawal_count = wcount0;
    lm_stf_block_result r = {code, stage, (uint32_t)index};
    return r;
}

lm_stf_block_result lm_stf_apply_block(lm_stf_ctx *ctx, const lm_block_header *h,
                                       const lm_stf_message *msgs, size_t n_msgs,
                                       const lm_tx *txs, size_t n_txs, lm_stf_code *msg_outcomes)
{
    const lm_chain_meta meta0 = ctx->meta;
    const size_t wcount0 = ctx->withdrawal_count;

    uint64_t upto;
    if (n_txs != h->tx_count || n_txs > LM_MAX_TXS_PER_BLOCK || n_msgs > LM_MAX_MSGS_PER_BLOCK ||
        !lm_add_u64(&upto, ctx->meta.l1_messages_done, (uint64_t)n_msgs) ||
        upto != h->l1_messages_upto)
        return block_fail(ctx, &meta0, wcount0, LM_STF_BAD_BLOCK, LM_STF_STAGE_HEADER, 0);
    /* "tx_root = keccak256(h_0 ‖ h_1 ‖ …) over the transaction hashes
     * (zero when there are none)" */
    uint8_t root[32] = {0};
    if (n_txs > 0) {
        lm_keccak k;
        lm_keccak_init(&k);
        for (size_t i = 0; i < n_txs; i++) {
            uint8_t th[32];
            lm_tx_hash(th, &txs[i]);
            lm_keccak_update(&k, th, 32);
        }
        lm_keccak_final(&k, root);
    }
    if (memcmp(root, h->tx_root, 32) != 0)
        return block_fail(ctx, &meta0, wcount0, LM_STF_BAD_BLOCK, LM_STF_STAGE_HEADER, 0);

    for (size_t i = 0; i < n_msgs; i++) {
        lm_stf_code out = LM_STF_OK;
        lm_stf_code rc = lm_stf_apply_message(ctx, &msgs[i], h->fee_recipient, &out);
        if (rc != LM_STF_OK)
            return block_fail(ctx, &meta0, wcount0, rc, LM_STF_STAGE_MESSAGE, i);
        if (msg_outcomes)
            msg_outcomes[i] = out;
    }
    /* A block's transactions are all valid: one rejection makes the block
     * invalid (docs/l2-protocol.md §6). */
    for (size_t i = 0; i < n_txs; i++) {
        lm_stf_code rc = lm_stf_apply_tx(ctx, &txs[i], h->fee_recipient);
        if (rc != LM_STF_OK)
            return block_fail(ctx, &meta0, wcount0, rc, LM_STF_STAGE_TX, i);
    }
    lm_stf_block_result ok = {LM_STF_OK, LM_STF_STAGE_HEADER, 0};
    return ok;
}
