/* The state transition function (src/stf) against docs/l2-protocol.md:
 * accounts, transfers, withdrawals, fees, the nonce window, every
 * rejection code with a state left bit-for-bit unchanged, L1 messages
 * (queue hashes equal to docs/contracts.md §4.1, computed there with
 * ethers), blocks, determinism, and the leaves and state root against an
 * independent computation from the Poseidon2 permutation. The host is
 * tests/stf_host.h (in memory, fake signatures); test_l2tx_ethers.c runs
 * the STF with real secp256k1 signatures from ethers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../stf_host.h"
#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/poseidon2.h"
#include "lamina/settlement.h"
#include "lamina/stf.h"

#define CHAIN 42161
static const uint8_t ROLLUP[20] = {0xde, 0xad, 0xbe, 0xef};

static uint8_t A[20], B[20], C[20], D[20];

/* A test world: host, context, withdrawal list. */
typedef struct world {
    mem_host mh;
    lm_stf_host host;
    lm_stf_ctx ctx;
    lm_withdrawal w[32];
} world;

static world *world_new(uint64_t offset)
{
    world *w = calloc(1, sizeof *w);
    assert_non_null(w);
    mh_init(&w->mh, &w->host, offset);
    lm_chain_meta meta = {0};
    meta.num_accounts = offset;
    lm_stf_init(&w->ctx, CHAIN, ROLLUP, &meta, &w->host, w->w, 32);
    return w;
}

static void addr(uint8_t a[20], uint8_t fill)
{
    memset(a, fill, 20);
}

/* The next message of the queue. */
static lm_stf_message msg(const world *w, lm_msg_kind kind, const uint8_t from[20],
                          const uint8_t to[20], uint32_t asset, uint64_t amount)
{
    lm_stf_message m;
    memset(&m, 0, sizeof m);
    m.msg.kind = kind;
    m.msg.index = w->ctx.meta.l1_messages_done;
    m.msg.l1_block = 100 + m.msg.index;
    memcpy(m.msg.from, from, 20);
    if (to)
        memcpy(m.msg.to, to, 20);
    m.msg.asset_id = asset;
    m.msg.amount = amount;
    return m;
}

static lm_stf_code deposit(world *w, const uint8_t to[20], uint32_t asset, uint64_t amount)
{
    static const uint8_t l1[20] = {0x11};
    lm_stf_message m = msg(w, LM_MSG_DEPOSIT, l1, to, asset, amount);
    lm_stf_code out = LM_STF_CODE_COUNT;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    return out;
}

static lm_tx mktx(lm_tx_type type, const uint8_t from[20], const uint8_t to[20], uint32_t asset,
                  uint64_t amount, uint64_t fee, uint64_t nonce)
{
    lm_tx t;
    memset(&t, 0, sizeof t);
    t.type = type;
    t.chain_id = CHAIN;
    memcpy(t.from, from, 20);
    memcpy(t.to, to, 20);
    t.asset = asset;
    t.amount = amount;
    t.fee = fee;
    t.nonce = nonce;
    return t;
}

static lm_tx signed_tx(const world *w, lm_tx_type type, const uint8_t from[20],
                       const uint8_t to[20], uint32_t asset, uint64_t amount, uint64_t fee,
                       uint64_t nonce)
{
    lm_tx t = mktx(type, from, to, asset, amount, fee, nonce);
    mh_sign(&t, w->ctx.config.domain_separator);
    return t;
}

static const lm_account *acct(const world *w, uint64_t index)
{
    assert_true(index >= w->mh.offset && index - w->mh.offset < w->mh.n);
    return &w->mh.acct[index - w->mh.offset];
}

static uint64_t bal(const world *w, const uint8_t a[20], uint32_t asset)
{
    for (size_t i = 0; i < w->mh.n; i++)
        if (memcmp(w->mh.acct[i].address, a, 20) == 0)
            return w->mh.acct[i].balance[asset];
    fail_msg("no account");
    return 0;
}

/* A rejected tx must leave the accounts, meta and withdrawal list as they
 * were, bit for bit; check_tx must agree with apply_tx and write nothing. */
static void expect_reject(world *w, const lm_tx *tx, uint64_t fee_recipient, lm_stf_code want)
{
    world *before = malloc(sizeof *w);
    assert_non_null(before);
    memcpy(before, w, sizeof *w);
    unsigned puts = w->mh.puts;
    lm_stf_code c = lm_stf_check_tx(&w->ctx, tx);
    if (want <= LM_STF_INSUFFICIENT)
        assert_int_equal(c, want);
    else
        assert_int_equal(c, LM_STF_OK);
    assert_int_equal(w->mh.puts, puts);
    lm_stf_code r = lm_stf_apply_tx(&w->ctx, tx, fee_recipient);
    if (r != want)
        fail_msg("got %s (%d), want %s (%d)", lm_stf_code_message(r), r,
                 lm_stf_code_message(want), want);
    assert_int_equal(w->mh.puts, puts);
    assert_int_equal(w->mh.n, before->mh.n);
    assert_memory_equal(w->mh.acct, before->mh.acct, sizeof w->mh.acct);
    assert_memory_equal(&w->ctx.meta, &before->ctx.meta, sizeof w->ctx.meta);
    assert_int_equal(w->ctx.withdrawal_count, before->ctx.withdrawal_count);
    assert_memory_equal(w->w, before->w, sizeof w->w);
    free(before);
}

static void apply_ok(world *w, const lm_tx *tx, uint64_t fee_recipient)
{
    assert_int_equal(lm_stf_check_tx(&w->ctx, tx), LM_STF_OK);
    lm_stf_code r = lm_stf_apply_tx(&w->ctx, tx, fee_recipient);
    if (r != LM_STF_OK)
        fail_msg("rejected: %s", lm_stf_code_message(r));
}

static int setup(void **state)
{
    (void)state;
    addr(A, 0xa1);
    addr(B, 0xb2);
    addr(C, 0xc3);
    addr(D, 0xd4);
    return 0;
}

/* ---- deposits and accounts -------------------------------------------------- */

static void test_deposits_create_accounts(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 1000), LM_STF_OK);
    assert_int_equal(deposit(w, B, 2, 50), LM_STF_OK);
    assert_int_equal(deposit(w, A, 0, 5), LM_STF_OK); /* existing: no new index */
    assert_int_equal(deposit(w, C, 1, 7), LM_STF_OK);
    assert_int_equal(w->ctx.meta.num_accounts, 3);
    assert_int_equal(w->mh.n, 3);
    assert_memory_equal(acct(w, 0)->address, A, 20);
    assert_memory_equal(acct(w, 1)->address, B, 20);
    assert_memory_equal(acct(w, 2)->address, C, 20);
    assert_int_equal(acct(w, 0)->balance[0], 1005);
    assert_int_equal(acct(w, 1)->balance[2], 50);
    assert_int_equal(acct(w, 2)->balance[1], 7);
    assert_int_equal(acct(w, 0)->nonce_base, 0);
    /* num_assets = max(num_assets, asset + 1) */
    assert_int_equal(w->ctx.meta.num_assets, 3);
    assert_int_equal(w->ctx.meta.l1_messages_done, 4);
    assert_int_equal(w->ctx.withdrawal_count, 0);
    free(w);
}

/* docs/contracts.md §4.1: the queue hashes of its three vector messages
 * (computed there with ethers and checked by the Solidity tests). */
static void test_queue_hash_vectors(void **state)
{
    (void)state;
    world *w = world_new(0);
    uint8_t aa[20], bb[20];
    addr(aa, 0xaa);
    addr(bb, 0xbb);
    uint8_t want[32];
    lm_err err;

    lm_stf_message m0 = msg(w, LM_MSG_DEPOSIT, aa, bb, 0, 1000000000);
    m0.msg.l1_block = 100;
    lm_stf_code out;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m0, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_OK);
    assert_int_equal(lm_hex_decode_exact(want, 32, "0x403e8dae9e67d6d8d540330d8c42b22bbd11c568b6aaa1cb057fd36a7801bb89", 66, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_memory_equal(w->ctx.meta.l1_queue_hash, want, 32);

    /* forced withdrawal from 0xaa…: no account there, so no effect */
    lm_stf_message m1 = msg(w, LM_MSG_FORCED_WITHDRAWAL, aa, bb, 1, 5000000);
    m1.msg.l1_block = 101;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m1, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_UNKNOWN_SENDER);
    assert_int_equal(lm_hex_decode_exact(want, 32, "0x879e89ab3d5c52f6d47bf434a783483cf6a525f215b5d2286487a780bf4f0c56", 66, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_memory_equal(w->ctx.meta.l1_queue_hash, want, 32);

    /* forced tx 0xdeadbeef: malformed, consumed without effect; the STF
     * hashes the bytes itself (the tx_hash field is ignored) */
    static const uint8_t dead[4] = {0xde, 0xad, 0xbe, 0xef};
    lm_stf_message m2 = msg(w, LM_MSG_FORCED_TX, aa, NULL, 0, 0);
    m2.msg.l1_block = 102;
    memset(m2.msg.tx_hash, 0x77, 32);
    m2.tx = dead;
    m2.tx_len = 4;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m2, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_MALFORMED);
    assert_int_equal(lm_hex_decode_exact(want, 32, "0xb7a90724de73a1d2edb3b0c1e865de0e8392c6b06d50db23aaddbc8651b2af5a", 66, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_memory_equal(w->ctx.meta.l1_queue_hash, want, 32);
    assert_int_equal(w->ctx.meta.l1_messages_done, 3);
    assert_int_equal(w->mh.n, 1);
    assert_int_equal(acct(w, 0)->balance[0], 1000000000);
    free(w);
}

static void test_message_order(void **state)
{
    (void)state;
    world *w = world_new(0);
    lm_stf_message m = msg(w, LM_MSG_DEPOSIT, A, B, 0, 1);
    m.msg.index = 1; /* skips 0 */
    lm_stf_code out = LM_STF_CODE_COUNT;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_BAD_MESSAGE);
    m.msg.index = 0;
    m.msg.kind = (lm_msg_kind)4;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_BAD_MESSAGE);
    assert_int_equal(out, LM_STF_CODE_COUNT);
    assert_int_equal(w->ctx.meta.l1_messages_done, 0);
    assert_true(lm_ct_equal(w->ctx.meta.l1_queue_hash, (const uint8_t[32]){0}, 32));
    m.msg.kind = LM_MSG_DEPOSIT;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    /* replaying the same message: out of order now */
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_BAD_MESSAGE);
    assert_int_equal(w->ctx.meta.l1_messages_done, 1);
    free(w);
}

/* "A credit that would overflow, or an asset id ≥ 8, is not applied: the
 * message is consumed and the funds are withdrawable back to from." */
static void test_deposit_refunds(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, UINT64_MAX), LM_STF_OK);
    uint8_t l1[20] = {0x11};
    assert_int_equal(deposit(w, A, 0, 1), LM_STF_OVERFLOW);
    assert_int_equal(acct(w, 0)->balance[0], UINT64_MAX);
    assert_int_equal(deposit(w, B, 8, 5), LM_STF_UNKNOWN_ASSET);
    assert_int_equal(w->mh.n, 1); /* B not created */
    assert_int_equal(w->ctx.meta.num_assets, 1);
    assert_int_equal(w->ctx.meta.l1_messages_done, 3);
    assert_int_equal(w->ctx.withdrawal_count, 2);
    assert_int_equal(w->w[0].id, 0);
    assert_memory_equal(w->w[0].l2_sender, l1, 20);
    assert_memory_equal(w->w[0].l1_recipient, l1, 20);
    assert_int_equal(w->w[0].asset_id, 0);
    assert_int_equal(w->w[0].amount, 1);
    assert_int_equal(w->w[1].id, 1);
    assert_int_equal(w->w[1].asset_id, 8);
    assert_int_equal(w->w[1].amount, 5);
    assert_int_equal(w->ctx.meta.next_withdrawal_id, 2);
    free(w);
}

static void test_forced_withdrawal(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 100), LM_STF_OK);
    lm_stf_code out;
    /* insufficient: no effect, but consumed */
    lm_stf_message m = msg(w, LM_MSG_FORCED_WITHDRAWAL, A, D, 0, 101);
    lm_account before = *acct(w, 0);
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_INSUFFICIENT);
    assert_memory_equal(acct(w, 0), &before, sizeof before);
    assert_int_equal(w->ctx.withdrawal_count, 0);
    assert_int_equal(w->ctx.meta.next_withdrawal_id, 0);
    assert_int_equal(w->ctx.meta.l1_messages_done, 2);
    /* unknown asset, zero amount: no effect */
    m = msg(w, LM_MSG_FORCED_WITHDRAWAL, A, D, 1, 1);
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_UNKNOWN_ASSET);
    m = msg(w, LM_MSG_FORCED_WITHDRAWAL, A, D, 0, 0);
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_ZERO_AMOUNT);
    /* enough: withdrawn, no nonce used, no fee */
    m = msg(w, LM_MSG_FORCED_WITHDRAWAL, A, D, 0, 100);
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_OK);
    assert_int_equal(acct(w, 0)->balance[0], 0);
    assert_int_equal(acct(w, 0)->nonce_base, 0);
    assert_int_equal(w->ctx.withdrawal_count, 1);
    assert_int_equal(w->w[0].id, 0);
    assert_memory_equal(w->w[0].l2_sender, A, 20);
    assert_memory_equal(w->w[0].l1_recipient, D, 20);
    assert_int_equal(w->w[0].amount, 100);
    free(w);
}

static void test_forced_tx(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 100), LM_STF_OK);
    lm_tx t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 10, 1, 0);
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, &t);
    lm_stf_message m = msg(w, LM_MSG_FORCED_TX, C, NULL, 0, 0); /* from is only recorded */
    m.tx = wire;
    m.tx_len = sizeof wire;
    lm_stf_code out;
    /* its fee goes to the fee recipient, which must exist */
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 5, &out), LM_STF_BAD_BLOCK);
    assert_int_equal(w->ctx.meta.l1_messages_done, 1);
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_OK);
    assert_int_equal(bal(w, A, 0), 100 - 11 + 1);
    assert_int_equal(bal(w, B, 0), 10);
    /* the queue hash binds keccak(l2Tx) */
    lm_l1_message lm = m.msg;
    lm_keccak256(lm.tx_hash, wire, sizeof wire);
    uint8_t mh[32], qh[32], q0[32];
    /* recompute the chain: deposit 0 then this */
    lm_l1_message d0 = {0};
    d0.kind = LM_MSG_DEPOSIT;
    d0.index = 0;
    d0.l1_block = 100;
    d0.from[0] = 0x11;
    memcpy(d0.to, A, 20);
    d0.amount = 100;
    lm_message_hash(mh, &d0);
    lm_queue_hash(q0, (const uint8_t[32]){0}, mh);
    lm_message_hash(mh, &lm);
    lm_queue_hash(qh, q0, mh);
    assert_memory_equal(w->ctx.meta.l1_queue_hash, qh, 32);
    /* replayed as a second forced tx: rejected (nonce used), consumed */
    m = msg(w, LM_MSG_FORCED_TX, C, NULL, 0, 0);
    m.tx = wire;
    m.tx_len = sizeof wire;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_OK);
    assert_int_equal(out, LM_STF_NONCE_USED);
    assert_int_equal(w->ctx.meta.l1_messages_done, 3);
    assert_int_equal(bal(w, B, 0), 10);
    free(w);
}

/* ---- transfers, withdrawals, fees -------------------------------------------- */

static void test_transfers_and_fees(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 1000), LM_STF_OK); /* 0 */
    assert_int_equal(deposit(w, B, 0, 10), LM_STF_OK);   /* 1 */
    assert_int_equal(deposit(w, C, 0, 0), LM_STF_OK);    /* 2: the fee recipient */
    /* to an existing account */
    lm_tx t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 100, 3, 0);
    apply_ok(w, &t, 2);
    assert_int_equal(bal(w, A, 0), 897);
    assert_int_equal(bal(w, B, 0), 110);
    assert_int_equal(bal(w, C, 0), 3);
    assert_int_equal(acct(w, 0)->nonce_base, 1);
    /* to a new account: the next index */
    t = signed_tx(w, LM_TX_TRANSFER, A, D, 0, 50, 0, 1);
    apply_ok(w, &t, 2);
    assert_int_equal(w->ctx.meta.num_accounts, 4);
    assert_memory_equal(acct(w, 3)->address, D, 20);
    assert_int_equal(acct(w, 3)->balance[0], 50);
    assert_int_equal(acct(w, 3)->nonce_base, 0);
    assert_int_equal(bal(w, A, 0), 847);
    /* to itself: only the fee moves */
    t = signed_tx(w, LM_TX_TRANSFER, A, A, 0, 800, 7, 2);
    apply_ok(w, &t, 2);
    assert_int_equal(bal(w, A, 0), 840);
    assert_int_equal(bal(w, C, 0), 10);
    /* the fee recipient pays itself: amount + fee, gets fee back */
    t = signed_tx(w, LM_TX_TRANSFER, C, B, 0, 4, 6, 0);
    apply_ok(w, &t, 2);
    assert_int_equal(bal(w, C, 0), 6);
    assert_int_equal(bal(w, B, 0), 114);
    /* amount + fee == balance exactly */
    t = signed_tx(w, LM_TX_TRANSFER, B, A, 0, 100, 14, 0);
    apply_ok(w, &t, 2);
    assert_int_equal(bal(w, B, 0), 0);
    /* supply conserved: 1010 deposited */
    uint64_t sum = 0;
    for (size_t i = 0; i < w->mh.n; i++)
        sum += w->mh.acct[i].balance[0];
    assert_int_equal(sum, 1010);
    assert_int_equal(w->ctx.withdrawal_count, 0);
    free(w);
}

static void test_withdrawals(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 1000), LM_STF_OK);
    assert_int_equal(deposit(w, B, 1, 500), LM_STF_OK);
    w->ctx.meta.next_withdrawal_id = 77; /* ids continue the chain's counter */
    uint8_t l1r[20];
    addr(l1r, 0xee);
    lm_tx t = signed_tx(w, LM_TX_WITHDRAW, A, l1r, 0, 300, 2, 0);
    apply_ok(w, &t, 1);
    t = signed_tx(w, LM_TX_WITHDRAW, B, B, 1, 500, 0, 0);
    apply_ok(w, &t, 0);
    assert_int_equal(bal(w, A, 0), 698);
    assert_int_equal(bal(w, B, 0), 2);
    assert_int_equal(bal(w, B, 1), 0);
    assert_int_equal(w->mh.n, 2); /* the L1 recipient gets no L2 account */
    assert_int_equal(w->ctx.withdrawal_count, 2);
    assert_int_equal(w->ctx.meta.next_withdrawal_id, 79);
    assert_int_equal(w->w[0].id, 77);
    assert_memory_equal(w->w[0].l2_sender, A, 20);
    assert_memory_equal(w->w[0].l1_recipient, l1r, 20);
    assert_int_equal(w->w[0].asset_id, 0);
    assert_int_equal(w->w[0].amount, 300);
    assert_int_equal(w->w[1].id, 78);
    assert_memory_equal(w->w[1].l2_sender, B, 20);
    assert_int_equal(w->w[1].asset_id, 1);
    assert_int_equal(w->w[1].amount, 500);
    free(w);
}

/* ---- the nonce window ---------------------------------------------------------- */

static void test_nonce_window(void **state)
{
    (void)state;
    lm_account a;
    memset(&a, 0, sizeof a);
    assert_int_equal(lm_nonce_check(&a, 0), LM_STF_OK);
    assert_int_equal(lm_nonce_check(&a, 63), LM_STF_OK);
    assert_int_equal(lm_nonce_check(&a, 64), LM_STF_NONCE_TOO_HIGH);
    assert_int_equal(lm_nonce_check(&a, UINT64_MAX), LM_STF_NONCE_TOO_HIGH);
    lm_nonce_use(&a, 63);
    assert_int_equal(a.nonce_base, 0);
    assert_true(a.nonce_bits == (uint64_t)1 << 63);
    assert_int_equal(lm_nonce_check(&a, 63), LM_STF_NONCE_USED);
    for (uint64_t n = 0; n < 63; n++) {
        assert_int_equal(lm_nonce_check(&a, n), LM_STF_OK);
        lm_nonce_use(&a, n);
    }
    assert_int_equal(a.nonce_base, 64);
    assert_int_equal(a.nonce_bits, 0);
    assert_int_equal(lm_nonce_check(&a, 63), LM_STF_NONCE_USED);
    assert_int_equal(lm_nonce_check(&a, 127), LM_STF_OK);
    assert_int_equal(lm_nonce_check(&a, 128), LM_STF_NONCE_TOO_HIGH);
    /* near the top: 2^64 - 1 is never usable, so the base cannot wrap */
    a.nonce_base = UINT64_MAX - 1;
    a.nonce_bits = 0;
    assert_int_equal(lm_nonce_check(&a, UINT64_MAX), LM_STF_NONCE_TOO_HIGH);
    assert_int_equal(lm_nonce_check(&a, UINT64_MAX - 1), LM_STF_OK);
    lm_nonce_use(&a, UINT64_MAX - 1);
    assert_true(a.nonce_base == UINT64_MAX);
    assert_int_equal(lm_nonce_check(&a, UINT64_MAX), LM_STF_NONCE_TOO_HIGH);
}

static void test_nonces_out_of_order(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 1000), LM_STF_OK);
    static const uint64_t order[] = {5, 3, 0, 63, 1, 2, 4, 6};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        lm_tx t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 1, 0, order[i]);
        apply_ok(w, &t, 0);
        /* each exactly once */
        expect_reject(w, &t, 0, LM_STF_NONCE_USED);
    }
    /* 0..6 used: base 7; 63 pending as bit 56 */
    assert_int_equal(acct(w, 0)->nonce_base, 7);
    assert_true(acct(w, 0)->nonce_bits == (uint64_t)1 << 56);
    lm_tx t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 1, 0, 70); /* 7 + 63 */
    apply_ok(w, &t, 0);
    t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 1, 0, 71); /* base + 64 */
    expect_reject(w, &t, 0, LM_STF_NONCE_TOO_HIGH);
    t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 1, 0, 6); /* below the window */
    expect_reject(w, &t, 0, LM_STF_NONCE_USED);
    assert_int_equal(bal(w, B, 0), 9);
    free(w);
}

/* ---- rejections ------------------------------------------------------------------- */

static void test_rejections(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 1000), LM_STF_OK); /* 0 */
    assert_int_equal(deposit(w, B, 1, UINT64_MAX), LM_STF_OK); /* 1 */
    assert_int_equal(deposit(w, C, 0, 1), LM_STF_OK);
    lm_tx ok = signed_tx(w, LM_TX_TRANSFER, A, C, 0, 10, 1, 0);
    lm_tx t;

    /* MALFORMED: type, v */
    t = ok;
    t.type = (lm_tx_type)3;
    mh_sign(&t, w->ctx.config.domain_separator);
    expect_reject(w, &t, 0, LM_STF_MALFORMED);
    t = ok;
    t.sig[64] = 29;
    expect_reject(w, &t, 0, LM_STF_MALFORMED);
    /* WRONG_CHAIN, even when signed for it */
    t = ok;
    t.chain_id = CHAIN + 1;
    mh_sign(&t, w->ctx.config.domain_separator);
    expect_reject(w, &t, 0, LM_STF_WRONG_CHAIN);
    /* BAD_SIGNATURE: a changed field, another signer, high s, zero r */
    t = ok;
    t.amount = 11;
    expect_reject(w, &t, 0, LM_STF_BAD_SIGNATURE);
    t = ok;
    memcpy(t.from, B, 20); /* signature still by A's scheme for the old digest */
    expect_reject(w, &t, 0, LM_STF_BAD_SIGNATURE);
    t = ok;
    memcpy(t.sig + 32, (const uint8_t[32]){0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x5d, 0x57, 0x6e, 0x73,
                                            0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b,
                                            0x20, 0xa1},
           32); /* n/2 + 1 */
    expect_reject(w, &t, 0, LM_STF_BAD_SIGNATURE);
    t = ok;
    memset(t.sig + 32, 0, 32);
    expect_reject(w, &t, 0, LM_STF_BAD_SIGNATURE);
    t = ok;
    memset(t.sig, 0, 32);
    expect_reject(w, &t, 0, LM_STF_BAD_SIGNATURE);
    /* UNKNOWN_SENDER */
    t = signed_tx(w, LM_TX_TRANSFER, D, A, 0, 1, 0, 0);
    expect_reject(w, &t, 0, LM_STF_UNKNOWN_SENDER);
    /* NONCE_TOO_HIGH */
    t = signed_tx(w, LM_TX_TRANSFER, A, C, 0, 10, 1, 64);
    expect_reject(w, &t, 0, LM_STF_NONCE_TOO_HIGH);
    /* UNKNOWN_ASSET: 2 not deposited yet (num_assets 2), 200 never */
    t = signed_tx(w, LM_TX_TRANSFER, A, C, 2, 10, 1, 0);
    expect_reject(w, &t, 0, LM_STF_UNKNOWN_ASSET);
    t = signed_tx(w, LM_TX_TRANSFER, A, C, 200, 10, 1, 0);
    expect_reject(w, &t, 0, LM_STF_UNKNOWN_ASSET);
    /* ZERO_AMOUNT, even with a fee */
    t = signed_tx(w, LM_TX_TRANSFER, A, C, 0, 0, 1, 0);
    expect_reject(w, &t, 0, LM_STF_ZERO_AMOUNT);
    /* INSUFFICIENT: amount alone fits, amount + fee does not; a sum past 2^64 */
    t = signed_tx(w, LM_TX_TRANSFER, A, C, 0, 1000, 1, 0);
    expect_reject(w, &t, 0, LM_STF_INSUFFICIENT);
    t = signed_tx(w, LM_TX_WITHDRAW, A, C, 0, 1001, 0, 0);
    expect_reject(w, &t, 0, LM_STF_INSUFFICIENT);
    t = signed_tx(w, LM_TX_TRANSFER, B, C, 1, UINT64_MAX, 1, 0);
    expect_reject(w, &t, 0, LM_STF_INSUFFICIENT);
    /* OVERFLOW: the recipient's credit, the fee recipient's credit */
    assert_int_equal(deposit(w, A, 1, 5), LM_STF_OK);
    t = signed_tx(w, LM_TX_TRANSFER, A, B, 1, 1, 0, 0);
    expect_reject(w, &t, 0, LM_STF_OVERFLOW);
    t = signed_tx(w, LM_TX_TRANSFER, A, C, 1, 1, 1, 0);
    expect_reject(w, &t, 1, LM_STF_OVERFLOW);
    t = signed_tx(w, LM_TX_WITHDRAW, A, C, 1, 1, 1, 0);
    expect_reject(w, &t, 1, LM_STF_OVERFLOW);
    /* a fee recipient that does not exist makes the block invalid */
    expect_reject(w, &ok, 3, LM_STF_BAD_BLOCK);
    /* the host failing */
    w->mh.fail = true;
    lm_stf_code c = lm_stf_apply_tx(&w->ctx, &ok, 0);
    assert_int_equal(c, LM_STF_HOST);
    w->mh.fail = false;
    /* and the valid one still applies after all that */
    apply_ok(w, &ok, 1);
    assert_int_equal(bal(w, C, 0), 11);
    free(w);
}

static void test_account_limit(void **state)
{
    (void)state;
    /* start three accounts below 2^32 */
    world *w = world_new(LM_STF_MAX_ACCOUNTS - 3);
    assert_int_equal(deposit(w, A, 0, 100), LM_STF_OK);
    assert_int_equal(deposit(w, B, 0, 100), LM_STF_OK);
    assert_int_equal(deposit(w, C, 0, 100), LM_STF_OK);
    assert_true(w->ctx.meta.num_accounts == LM_STF_MAX_ACCOUNTS);
    assert_memory_equal(acct(w, LM_STF_MAX_ACCOUNTS - 1)->address, C, 20);
    /* a deposit to a new address: refunded */
    assert_int_equal(deposit(w, D, 0, 9), LM_STF_TOO_MANY_ACCOUNTS);
    assert_int_equal(w->ctx.withdrawal_count, 1);
    assert_int_equal(w->w[0].amount, 9);
    /* a transfer to a new address: rejected; to an existing one: fine */
    lm_tx t = signed_tx(w, LM_TX_TRANSFER, A, D, 0, 1, 0, 0);
    expect_reject(w, &t, LM_STF_MAX_ACCOUNTS - 1, LM_STF_TOO_MANY_ACCOUNTS);
    /* OVERFLOW comes before TOO_MANY_ACCOUNTS */
    assert_int_equal(deposit(w, C, 1, UINT64_MAX), LM_STF_OK);
    assert_int_equal(deposit(w, A, 1, 1), LM_STF_OK);
    t = signed_tx(w, LM_TX_TRANSFER, A, D, 1, 1, 1, 0);
    expect_reject(w, &t, LM_STF_MAX_ACCOUNTS - 1, LM_STF_INSUFFICIENT);
    assert_int_equal(deposit(w, A, 1, 1), LM_STF_OK);
    t = signed_tx(w, LM_TX_TRANSFER, A, D, 1, 1, 1, 0);
    expect_reject(w, &t, LM_STF_MAX_ACCOUNTS - 1, LM_STF_OVERFLOW);
    t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 1, 0, 0);
    apply_ok(w, &t, LM_STF_MAX_ACCOUNTS - 1);
    free(w);
}

static lm_withdrawal big_list[LM_MAX_WITHDRAWALS_PER_BATCH];

static void test_withdrawal_limit(void **state)
{
    (void)state;
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 100), LM_STF_OK);
    /* the caller's capacity is short: a host failure, not consensus */
    w->ctx.withdrawal_count = 32;
    lm_tx t = signed_tx(w, LM_TX_WITHDRAW, A, A, 0, 1, 0, 0);
    expect_reject(w, &t, 0, LM_STF_HOST);
    /* the protocol's per-batch limit */
    w->ctx.withdrawals = big_list;
    w->ctx.withdrawal_cap = LM_MAX_WITHDRAWALS_PER_BATCH;
    w->ctx.withdrawal_count = LM_MAX_WITHDRAWALS_PER_BATCH;
    expect_reject(w, &t, 0, LM_STF_LIMIT);
    /* a forced withdrawal or refund at the limit cannot be consumed */
    lm_stf_message m = msg(w, LM_MSG_FORCED_WITHDRAWAL, A, A, 0, 1);
    lm_stf_code out;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_LIMIT);
    m = msg(w, LM_MSG_DEPOSIT, A, A, 9, 1);
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_LIMIT);
    /* so does a forced transaction that withdraws */
    lm_tx ft = signed_tx(w, LM_TX_WITHDRAW, A, A, 0, 1, 0, 0);
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, &ft);
    m = msg(w, LM_MSG_FORCED_TX, A, NULL, 0, 0);
    m.tx = wire;
    m.tx_len = sizeof wire;
    assert_int_equal(lm_stf_apply_message(&w->ctx, &m, 0, &out), LM_STF_LIMIT);
    assert_int_equal(w->ctx.meta.l1_messages_done, 1);
    assert_int_equal(bal(w, A, 0), 100);
    /* a transfer still works */
    t = signed_tx(w, LM_TX_TRANSFER, A, B, 0, 1, 0, 0);
    apply_ok(w, &t, 0);
    w->ctx.withdrawal_count = LM_MAX_WITHDRAWALS_PER_BATCH - 1;
    t = signed_tx(w, LM_TX_WITHDRAW, A, A, 0, 1, 0, 1);
    apply_ok(w, &t, 0);
    assert_int_equal(w->ctx.withdrawal_count, LM_MAX_WITHDRAWALS_PER_BATCH);
    free(w);
}

/* ---- blocks ------------------------------------------------------------------------- */

static void set_root(lm_block_header *h, const lm_tx *txs, size_t n)
{
    uint8_t (*hs)[32] = calloc(n ? n : 1, 32);
    assert_non_null(hs);
    for (size_t i = 0; i < n; i++)
        lm_tx_hash(hs[i], &txs[i]);
    lm_tx_root(h->tx_root, (const uint8_t (*)[32])hs, n);
    h->tx_count = (uint32_t)n;
    free(hs);
}

static void test_block(void **state)
{
    (void)state;
    world *w = world_new(0);
    static const uint8_t l1[20] = {0x11};
    lm_stf_message msgs[3];
    msgs[0] = msg(w, LM_MSG_DEPOSIT, l1, A, 0, 1000);
    msgs[1] = msgs[0];
    msgs[1].msg.index = 1;
    memcpy(msgs[1].msg.to, B, 20);
    msgs[1].msg.amount = 5;
    msgs[2] = msgs[1];
    msgs[2].msg.index = 2;
    msgs[2].msg.kind = LM_MSG_FORCED_WITHDRAWAL;
    memcpy(msgs[2].msg.from, B, 20);
    msgs[2].msg.amount = 6; /* more than B has: no effect */
    lm_tx txs[2];
    txs[0] = signed_tx(w, LM_TX_TRANSFER, A, C, 0, 100, 2, 0);
    txs[1] = signed_tx(w, LM_TX_WITHDRAW, A, D, 0, 50, 2, 1);
    lm_block_header h;
    memset(&h, 0, sizeof h);
    h.number = 1;
    h.fee_recipient = 1; /* B, created by the block's second message */
    h.l1_messages_upto = 3;
    set_root(&h, txs, 2);

    /* header disagreements: nothing changes */
    world *w0 = malloc(sizeof *w);
    assert_non_null(w0);
    memcpy(w0, w, sizeof *w);
    lm_block_header bad = h;
    bad.tx_count = 1;
    lm_stf_block_result r = lm_stf_apply_block(&w->ctx, &bad, msgs, 3, txs, 2, NULL);
    assert_int_equal(r.code, LM_STF_BAD_BLOCK);
    assert_int_equal(r.stage, LM_STF_STAGE_HEADER);
    bad = h;
    bad.tx_root[5] ^= 1;
    r = lm_stf_apply_block(&w->ctx, &bad, msgs, 3, txs, 2, NULL);
    assert_int_equal(r.code, LM_STF_BAD_BLOCK);
    bad = h;
    bad.l1_messages_upto = 2;
    r = lm_stf_apply_block(&w->ctx, &bad, msgs, 3, txs, 2, NULL);
    assert_int_equal(r.code, LM_STF_BAD_BLOCK);
    assert_memory_equal(&w->ctx, &w0->ctx, sizeof w->ctx);
    assert_int_equal(w->mh.n, 0);

    /* an invalid transaction makes the block invalid: ctx restored, the
     * host's writes are the caller's to discard */
    lm_tx badtxs[2] = {txs[0], txs[1]};
    badtxs[1].nonce = 0; /* replays nonce 0 */
    mh_sign(&badtxs[1], w->ctx.config.domain_separator);
    bad = h;
    set_root(&bad, badtxs, 2);
    r = lm_stf_apply_block(&w->ctx, &bad, msgs, 3, badtxs, 2, NULL);
    assert_int_equal(r.code, LM_STF_NONCE_USED);
    assert_int_equal(r.stage, LM_STF_STAGE_TX);
    assert_int_equal(r.index, 1);
    assert_memory_equal(&w->ctx, &w0->ctx, sizeof w->ctx);
    w->mh = w0->mh; /* discard, as the state layer aborts its write txn */

    /* a fee recipient that does not exist when a tx needs it */
    bad = h;
    bad.fee_recipient = 7;
    r = lm_stf_apply_block(&w->ctx, &bad, msgs, 3, txs, 2, NULL);
    assert_int_equal(r.code, LM_STF_BAD_BLOCK);
    assert_int_equal(r.stage, LM_STF_STAGE_TX);
    assert_int_equal(r.index, 0);
    assert_memory_equal(&w->ctx, &w0->ctx, sizeof w->ctx);
    w->mh = w0->mh;

    /* the valid block */
    lm_stf_code outcomes[3];
    r = lm_stf_apply_block(&w->ctx, &h, msgs, 3, txs, 2, outcomes);
    assert_int_equal(r.code, LM_STF_OK);
    assert_int_equal(outcomes[0], LM_STF_OK);
    assert_int_equal(outcomes[1], LM_STF_OK);
    assert_int_equal(outcomes[2], LM_STF_INSUFFICIENT);
    assert_int_equal(bal(w, A, 0), 1000 - 102 - 52);
    assert_int_equal(bal(w, B, 0), 5 + 4);
    assert_int_equal(bal(w, C, 0), 100);
    assert_int_equal(w->ctx.meta.l1_messages_done, 3);
    assert_int_equal(w->ctx.withdrawal_count, 1);
    assert_int_equal(w->w[0].amount, 50);
    assert_memory_equal(w->w[0].l1_recipient, D, 20);

    /* an empty block: tx_root zero */
    lm_block_header e;
    memset(&e, 0, sizeof e);
    e.number = 2;
    e.l1_messages_upto = 3;
    r = lm_stf_apply_block(&w->ctx, &e, NULL, 0, NULL, 0, NULL);
    assert_int_equal(r.code, LM_STF_OK);
    free(w0);
    free(w);
}

/* ---- leaves, roots, determinism ------------------------------------------------------ */

/* docs/poseidon2.md, "Sponge over field elements", from the permutation. */
static void ref_sponge(lm_gl out[4], const lm_gl *e, size_t n)
{
    lm_gl s[12] = {0};
    s[8] = n;
    s[9] = 1;
    size_t blocks = n == 0 ? 1 : (n + 7) / 8;
    for (size_t b = 0; b < blocks; b++) {
        for (size_t i = 0; i < 8; i++)
            s[i] = 8 * b + i < n ? e[8 * b + i] : 0;
        lm_poseidon2_permute(s);
    }
    memcpy(out, s, 4 * sizeof(lm_gl));
}

static void ref_compress(lm_gl out[4], const lm_gl l[4], const lm_gl r[4])
{
    lm_gl s[12] = {0};
    memcpy(s, l, 32);
    memcpy(s + 4, r, 32);
    lm_poseidon2_permute(s);
    memcpy(out, s, 32);
}

static void test_leaves_independent(void **state)
{
    (void)state;
    lm_account a;
    for (size_t i = 0; i < 20; i++)
        a.address[i] = (uint8_t)(0xf0 + i * 7);
    a.nonce_base = 0xfedcba9876543210u;
    a.nonce_bits = 0xffffffff00000001u; /* > p when taken whole: must be split */
    for (size_t i = 0; i < 8; i++)
        a.balance[i] = UINT64_MAX - i * 0x100000001u;
    lm_gl e[23];
    /* elements 0-2: 7, 7 and 6 address bytes, little-endian (written out
     * with the arithmetic of the table, not the STF's shifts) */
    for (size_t k = 0; k < 3; k++) {
        uint64_t v = 0, mul = 1;
        for (size_t j = 0; j < 7 && 7 * k + j < 20; j++, mul *= 256)
            v += a.address[7 * k + j] * mul;
        e[k] = v;
    }
    uint64_t vals[18] = {a.nonce_base, a.nonce_bits};
    memcpy(vals + 2, a.balance, sizeof a.balance);
    for (size_t i = 0; i < 10; i++) {
        e[3 + 2 * i] = vals[i] % 4294967296u;
        e[4 + 2 * i] = vals[i] / 4294967296u;
    }
    lm_gl want[4], got[4];
    ref_sponge(want, e, 23);
    lm_account_leaf(got, &a);
    assert_memory_equal(got, want, sizeof want);

    lm_chain_meta m;
    m.num_accounts = 0x123456789au;
    m.next_withdrawal_id = UINT64_MAX;
    m.l1_messages_done = 7;
    m.num_assets = 3;
    for (size_t i = 0; i < 32; i++)
        m.l1_queue_hash[i] = (uint8_t)(0xff - i);
    lm_gl me[16];
    uint64_t mv[4] = {m.num_accounts, m.next_withdrawal_id, m.l1_messages_done, m.num_assets};
    for (size_t i = 0; i < 4; i++) {
        me[2 * i] = mv[i] % 4294967296u;
        me[2 * i + 1] = mv[i] / 4294967296u;
    }
    for (size_t i = 0; i < 8; i++)
        me[8 + i] = ((uint64_t)m.l1_queue_hash[4 * i] * 16777216u) +
                    ((uint64_t)m.l1_queue_hash[4 * i + 1] * 65536u) +
                    ((uint64_t)m.l1_queue_hash[4 * i + 2] * 256u) + m.l1_queue_hash[4 * i + 3];
    lm_gl mwant[4], mgot[4];
    ref_sponge(mwant, me, 16);
    lm_meta_leaf(mgot, &m);
    assert_memory_equal(mgot, mwant, sizeof mwant);

    /* state_root = C(C(accounts_root, meta_leaf), C(Z0, Z0)) */
    lm_gl z0[4] = {0}, l[4], r[4], root[4], sr[4];
    ref_compress(l, want, mwant);
    ref_compress(r, z0, z0);
    ref_compress(root, l, r);
    lm_state_root(sr, want, mwant);
    assert_memory_equal(sr, root, sizeof root);
    uint8_t bytes[32];
    lm_state_root_bytes(bytes, sr);
    for (size_t i = 0; i < 4; i++)
        assert_true(lm_load_be64(bytes + 8 * i) == sr[i]);
    /* aliasing allowed */
    memcpy(l, want, sizeof l);
    lm_state_root(l, l, mwant);
    assert_memory_equal(l, root, sizeof root);
    /* the leaf depends on every field */
    lm_account b = a;
    b.balance[7] ^= 1;
    lm_account_leaf(got, &b);
    assert_memory_not_equal(got, want, sizeof want);
    b = a;
    b.address[19] ^= 1;
    lm_account_leaf(got, &b);
    assert_memory_not_equal(got, want, sizeof want);
}

/* A fixed script of messages and transactions. Out: leaf hashes. */
static void run_script(lm_gl leaves[8][4], lm_gl meta_leaf[4])
{
    world *w = world_new(0);
    assert_int_equal(deposit(w, A, 0, 5000), LM_STF_OK);
    assert_int_equal(deposit(w, B, 3, 77), LM_STF_OK);
    for (uint64_t n = 0; n < 20; n++) {
        lm_tx t = signed_tx(w, n % 3 ? LM_TX_TRANSFER : LM_TX_WITHDRAW, A,
                            n % 2 ? C : D, 0, 10 + n, n, (n * 7) % 20);
        lm_stf_code rc = lm_stf_apply_tx(&w->ctx, &t, 1);
        assert_true(rc == LM_STF_OK || rc == LM_STF_NONCE_USED);
    }
    assert_true(w->mh.n <= 8);
    memset(leaves, 0, 8 * 4 * sizeof(lm_gl));
    for (size_t i = 0; i < w->mh.n; i++)
        lm_account_leaf(leaves[i], &w->mh.acct[i]);
    lm_meta_leaf(meta_leaf, &w->ctx.meta);
    free(w);
}

static void test_determinism(void **state)
{
    (void)state;
    lm_gl l1[8][4], l2[8][4], m1[4], m2[4];
    run_script(l1, m1);
    run_script(l2, m2);
    assert_memory_equal(l1, l2, sizeof l1);
    assert_memory_equal(m1, m2, sizeof m1);
}

static void test_type_hashes(void **state)
{
    (void)state;
    uint8_t h[32];
    lm_keccak256(h, (const uint8_t *)LM_TX_TRANSFER_TYPE, sizeof LM_TX_TRANSFER_TYPE - 1);
    assert_memory_equal(h, lm_tx_transfer_type_hash, 32);
    lm_keccak256(h, (const uint8_t *)LM_TX_WITHDRAW_TYPE, sizeof LM_TX_WITHDRAW_TYPE - 1);
    assert_memory_equal(h, lm_tx_withdraw_type_hash, 32);
}

static void test_codes_have_messages(void **state)
{
    (void)state;
    for (int c = 0; c < LM_STF_CODE_COUNT; c++)
        assert_string_not_equal(lm_stf_code_message((lm_stf_code)c), "unknown error");
    assert_string_equal(lm_stf_code_message(LM_STF_CODE_COUNT), "unknown error");
}

/* The block header encoding reads back to the same header; bad input is refused. */
static void test_header_roundtrip(void **state)
{
    (void)state;
    lm_block_header h, back;
    memset(&h, 0, sizeof h);
    h.number = 0x0102030405060708ull;
    memset(h.parent_hash, 0xa1, 32);
    h.l1_origin_number = 77;
    memset(h.l1_origin_hash, 0xb2, 32);
    h.timestamp = 1790000000;
    h.fee_recipient = 0xdeadbeef;
    h.l1_messages_upto = 12;
    h.tx_count = 3;
    memset(h.tx_root, 0xc3, 32);
    uint8_t enc[LM_BLOCK_HEADER_LEN];
    lm_block_header_encode(enc, &h);
    assert_true(lm_block_header_decode(&back, enc, sizeof enc));
    assert_memory_equal(&back, &h, sizeof h);
    assert_false(lm_block_header_decode(&back, enc, sizeof enc - 1));
    enc[0] = 0x02;
    assert_false(lm_block_header_decode(&back, enc, sizeof enc));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deposits_create_accounts),
        cmocka_unit_test(test_queue_hash_vectors),
        cmocka_unit_test(test_message_order),
        cmocka_unit_test(test_deposit_refunds),
        cmocka_unit_test(test_forced_withdrawal),
        cmocka_unit_test(test_forced_tx),
        cmocka_unit_test(test_transfers_and_fees),
        cmocka_unit_test(test_withdrawals),
        cmocka_unit_test(test_nonce_window),
        cmocka_unit_test(test_nonces_out_of_order),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_account_limit),
        cmocka_unit_test(test_withdrawal_limit),
        cmocka_unit_test(test_block),
        cmocka_unit_test(test_leaves_independent),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_type_hashes),
        cmocka_unit_test(test_codes_have_messages),
        cmocka_unit_test(test_header_roundtrip),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
