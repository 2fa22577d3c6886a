/* Fuzz target: the state transition function. The input is a sequence of
 * operations (deposits, forced withdrawals, forced transactions, signed
 * transfers and withdrawals with arbitrary fields, blocks, batch ends)
 * applied to the in-memory host of tests/stf_host.h, whose fake ecrecover
 * lets valid signatures be made here. After each step the invariants are
 * checked, abort() on violation:
 *  - per asset, the sum of balances = applied deposits - withdrawals taken
 *    from balances (fees and transfers conserve);
 *  - a rejected transaction or message changes nothing; an L1 message that
 *    is consumed without effect changes only the queue hash and counter
 *    (and a refunded deposit adds only its withdrawal);
 *  - lm_stf_check_tx agrees with lm_stf_apply_tx;
 *  - nonces: bit 0 of nonce_bits is clear at rest, bases never decrease,
 *    an applied nonce is spent afterwards;
 *  - account indices are dense, withdrawal ids consecutive, num_assets <= 8;
 *  - an invalid block leaves the context as before;
 * and the whole run is replayed to check determinism. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../stf_host.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/stf.h"

#define CHAIN 7
#define NADDR 8
#define WCAP 128
#define MAX_OPS 256

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t rd8(reader *r)
{
    if (r->n == 0)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t rd64(reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | rd8(r);
    return v;
}

/* An amount: small most of the time, raw 64 bits sometimes. */
static uint64_t rd_amount(reader *r)
{
    uint8_t m = rd8(r);
    if ((m & 3) == 0)
        return rd64(r);
    if ((m & 3) == 1)
        return UINT64_MAX - rd8(r);
    return m >> 2;
}

static void pool_addr(uint8_t a[20], uint8_t i)
{
    memset(a, 0x10 + (i % NADDR), 20);
}

typedef struct world {
    mem_host mh;
    lm_stf_host host;
    lm_stf_ctx ctx;
    lm_withdrawal w[WCAP];
    unsigned __int128 supply[LM_MAX_ASSETS];
} world;

static world W, SNAP, RUN1;

static void check(bool ok)
{
    if (!ok)
        abort();
}

static unsigned __int128 sum_asset(const world *w, size_t a)
{
    unsigned __int128 s = 0;
    for (size_t i = 0; i < w->mh.n; i++)
        s += w->mh.acct[i].balance[a];
    return s;
}

static void check_invariants(const world *w, const world *before)
{
    check(w->ctx.meta.num_accounts == w->mh.offset + w->mh.n);
    check(w->ctx.meta.num_assets <= LM_MAX_ASSETS);
    for (size_t a = 0; a < LM_MAX_ASSETS; a++)
        check(sum_asset(w, a) == w->supply[a]);
    for (size_t i = 0; i < w->mh.n; i++) {
        const lm_account *x = &w->mh.acct[i];
        check((x->nonce_bits & 1u) == 0);
        if (i < before->mh.n) {
            check(x->nonce_base >= before->mh.acct[i].nonce_base);
            check(memcmp(x->address, before->mh.acct[i].address, 20) == 0);
        }
        for (size_t j = 0; j < i; j++)
            check(memcmp(x->address, w->mh.acct[j].address, 20) != 0);
    }
    for (size_t i = 0; i < w->ctx.withdrawal_count; i++)
        check(w->w[i].id + (w->ctx.withdrawal_count - i) == w->ctx.meta.next_withdrawal_id);
}

/* Nothing observable changed. */
static void check_unchanged(const world *w, const world *b)
{
    check(w->mh.n == b->mh.n);
    check(memcmp(w->mh.acct, b->mh.acct, sizeof w->mh.acct) == 0);
    check(memcmp(&w->ctx.meta, &b->ctx.meta, sizeof w->ctx.meta) == 0);
    check(w->ctx.withdrawal_count == b->ctx.withdrawal_count);
    check(memcmp(w->w, b->w, sizeof w->w) == 0);
}

/* The accounts are unchanged; a message was consumed. */
static void check_consumed_only(const world *w, const world *b)
{
    check(w->mh.n == b->mh.n);
    check(memcmp(w->mh.acct, b->mh.acct, sizeof w->mh.acct) == 0);
    check(w->ctx.meta.l1_messages_done == b->ctx.meta.l1_messages_done + 1);
    check(w->ctx.meta.num_accounts == b->ctx.meta.num_accounts);
}

/* Withdrawals appended since b that come from balances (not refunds) are
 * subtracted from the supply by the caller. */
static void sub_withdrawals(world *w, size_t from)
{
    for (size_t i = from; i < w->ctx.withdrawal_count; i++)
        if (w->w[i].asset_id < LM_MAX_ASSETS)
            w->supply[w->w[i].asset_id] -= w->w[i].amount;
}

static lm_tx rd_tx(reader *r, const world *w)
{
    lm_tx t;
    memset(&t, 0, sizeof t);
    uint8_t flags = rd8(r);
    t.type = (flags & 1) ? LM_TX_WITHDRAW : LM_TX_TRANSFER;
    if ((flags & 0x70) == 0x70)
        t.type = (lm_tx_type)(flags >> 4); /* invalid type sometimes */
    t.chain_id = (flags & 0x80) ? rd8(r) : CHAIN;
    pool_addr(t.from, rd8(r));
    pool_addr(t.to, rd8(r));
    uint8_t asset = rd8(r);
    t.asset = asset < 0xf0 ? asset % 10u : 0xffffff00u | asset;
    t.amount = rd_amount(r);
    t.fee = rd_amount(r);
    uint8_t nb = rd8(r);
    /* a nonce near the sender's window most of the time */
    uint64_t base = 0;
    bool found = false;
    uint64_t idx = 0;
    if (mh_find((void *)&w->mh, t.from, &found, &idx) && found)
        base = w->mh.acct[idx - w->mh.offset].nonce_base;
    t.nonce = (nb & 0x80) ? rd64(r) : base + (nb & 0x7f) - 8;
    if (base + (nb & 0x7f) < 8)
        t.nonce = nb & 0x7f;
    mh_sign(&t, w->ctx.config.domain_separator);
    if (flags & 2)
        t.sig[rd8(r) % 65] ^= (uint8_t)(1 + rd8(r)); /* a broken signature */
    if (flags & 4)
        pool_addr(t.from, rd8(r)); /* signed by someone else */
    return t;
}

static void op_tx(world *w, reader *r)
{
    lm_tx t = rd_tx(r, w);
    uint64_t fee_recipient = rd8(r) % (NADDR + 1);
    SNAP = *w;
    lm_stf_code c = lm_stf_check_tx(&w->ctx, &t);
    check_unchanged(w, &SNAP);
    lm_stf_code rc = lm_stf_apply_tx(&w->ctx, &t, fee_recipient);
    if (rc == LM_STF_BAD_BLOCK)
        check(fee_recipient >= w->ctx.meta.num_accounts);
    else if (c != LM_STF_OK)
        check(rc == c);
    else
        check(rc == LM_STF_OK || rc > LM_STF_INSUFFICIENT);
    if (rc != LM_STF_OK) {
        check_unchanged(w, &SNAP);
        return;
    }
    sub_withdrawals(w, SNAP.ctx.withdrawal_count);
    check(lm_stf_check_tx(&w->ctx, &t) == LM_STF_NONCE_USED);
}

static void op_message(world *w, reader *r, lm_msg_kind kind)
{
    lm_stf_message m;
    memset(&m, 0, sizeof m);
    m.msg.kind = kind;
    m.msg.index = w->ctx.meta.l1_messages_done;
    uint8_t f = rd8(r);
    if ((f & 0x3f) == 0x3f)
        m.msg.index += 1 + (f >> 6); /* out of order */
    m.msg.l1_block = rd8(r);
    pool_addr(m.msg.from, rd8(r));
    pool_addr(m.msg.to, rd8(r));
    uint8_t asset = rd8(r);
    m.msg.asset_id = asset < 0xf0 ? asset % 10u : 0xffffff00u | asset;
    m.msg.amount = rd_amount(r);
    uint8_t wire[LM_TX_WIRE_LEN];
    if (kind == LM_MSG_FORCED_TX) {
        lm_tx t = rd_tx(r, w);
        lm_tx_encode(wire, &t);
        m.tx = wire;
        m.tx_len = (f & 0x40) ? rd8(r) % (LM_TX_WIRE_LEN + 1) : LM_TX_WIRE_LEN;
    }
    uint64_t fee_recipient = rd8(r) % (NADDR + 1);
    SNAP = *w;
    lm_stf_code out = LM_STF_CODE_COUNT;
    lm_stf_code rc = lm_stf_apply_message(&w->ctx, &m, fee_recipient, &out);
    if (rc != LM_STF_OK) {
        check(out == LM_STF_CODE_COUNT);
        check_unchanged(w, &SNAP);
        return;
    }
    check(out < LM_STF_CODE_COUNT);
    if (out != LM_STF_OK) {
        check_consumed_only(w, &SNAP);
        if (kind == LM_MSG_DEPOSIT) /* refunded: one withdrawal back to from */
            check(w->ctx.withdrawal_count == SNAP.ctx.withdrawal_count + 1 &&
                  w->w[SNAP.ctx.withdrawal_count].amount == m.msg.amount);
        else
            check(w->ctx.withdrawal_count == SNAP.ctx.withdrawal_count);
        return;
    }
    if (kind == LM_MSG_DEPOSIT) {
        check(m.msg.asset_id < LM_MAX_ASSETS);
        w->supply[m.msg.asset_id] += m.msg.amount;
        check(w->ctx.meta.num_assets > m.msg.asset_id);
    } else {
        sub_withdrawals(w, SNAP.ctx.withdrawal_count);
    }
}

static void op_block(world *w, reader *r)
{
    lm_tx txs[3];
    size_t n = rd8(r) % 4;
    for (size_t i = 0; i < n; i++)
        txs[i] = rd_tx(r, w);
    lm_block_header h;
    memset(&h, 0, sizeof h);
    h.fee_recipient = rd8(r) % (NADDR + 1);
    h.l1_messages_upto = w->ctx.meta.l1_messages_done;
    uint8_t hs[3][32];
    for (size_t i = 0; i < n; i++)
        lm_tx_hash(hs[i], &txs[i]);
    lm_tx_root(h.tx_root, (const uint8_t (*)[32])hs, n);
    h.tx_count = (uint32_t)n;
    uint8_t bad = rd8(r);
    if (bad == 1)
        h.tx_count++;
    if (bad == 2)
        h.tx_root[0] ^= 1;
    SNAP = *w;
    lm_stf_block_result res = lm_stf_apply_block(&w->ctx, &h, NULL, 0, txs, n, NULL);
    if (res.code != LM_STF_OK) {
        check(res.code != LM_STF_HOST);
        check(memcmp(&w->ctx.meta, &SNAP.ctx.meta, sizeof w->ctx.meta) == 0);
        check(w->ctx.withdrawal_count == SNAP.ctx.withdrawal_count);
        *w = SNAP; /* the caller discards the host's writes */
        return;
    }
    check(bad != 1 && bad != 2);
    sub_withdrawals(w, SNAP.ctx.withdrawal_count);
}

static void run(world *w, const uint8_t *data, size_t size)
{
    memset(w, 0, sizeof *w);
    mh_init(&w->mh, &w->host, 0);
    lm_chain_meta meta = {0};
    static const uint8_t rollup[20] = {0x42};
    lm_stf_init(&w->ctx, CHAIN, rollup, &meta, &w->host, w->w, WCAP);
    reader r = {data, size};
    for (int ops = 0; ops < MAX_OPS && r.n > 0; ops++) {
        static world prev;
        prev = *w;
        uint8_t op = rd8(&r);
        switch (op % 8) {
        case 0:
        case 1:
            op_message(w, &r, LM_MSG_DEPOSIT);
            break;
        case 2:
        case 3:
            op_tx(w, &r);
            break;
        case 4:
            op_message(w, &r, LM_MSG_FORCED_WITHDRAWAL);
            break;
        case 5:
            op_message(w, &r, LM_MSG_FORCED_TX);
            break;
        case 6:
            op_block(w, &r);
            break;
        case 7: /* the batch ends: its withdrawals go to L1 */
            w->ctx.withdrawal_count = 0;
            break;
        }
        if (w->ctx.withdrawal_count > WCAP - 4)
            w->ctx.withdrawal_count = 0;
        check_invariants(w, &prev);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(&W, data, size);
    RUN1 = W;
    run(&W, data, size);
    /* determinism: the same inputs give the same state and leaves */
    check(memcmp(&W.ctx.meta, &RUN1.ctx.meta, sizeof W.ctx.meta) == 0);
    check(W.mh.n == RUN1.mh.n);
    for (size_t i = 0; i < W.mh.n; i++) {
        lm_gl a[4], b[4];
        lm_account_leaf(a, &W.mh.acct[i]);
        lm_account_leaf(b, &RUN1.mh.acct[i]);
        check(memcmp(a, b, sizeof a) == 0);
    }
    lm_gl ma[4], mb[4];
    lm_meta_leaf(ma, &W.ctx.meta);
    lm_meta_leaf(mb, &RUN1.ctx.meta);
    check(memcmp(ma, mb, sizeof ma) == 0);
    return 0;
}
