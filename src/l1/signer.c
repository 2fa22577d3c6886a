/* The L1 signer: fee estimation, nonce management, send, wait, replace.
 * See include/lamina/l1_tx.h and docs/l1-client.md ("Fee policy"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lamina/checked.h"
#include "lamina/l1_tx.h"
#include "l1_internal.h"
#include "lamina/log.h"

#define GWEI 1000000000ull

void lm_l1_fee_policy_default(lm_l1_fee_policy *p)
{
    memset(p, 0, sizeof *p);
    p->base_fee_multiplier = 2;
    p->default_tip = lm_u256_from_u64(GWEI);
    p->min_tip = LM_U256_ZERO;
    p->max_fee_cap = LM_U256_ZERO;
    p->history_blocks = 10;
    p->gas_margin_pct = 20;
}

void lm_l1_wait_opts_default(lm_l1_wait_opts *o)
{
    o->timeout_ms = 120000;
    o->poll_ms = 500;
    o->confirmations = 1;
    o->replace_after_ms = 0;
    o->drop_polls = 2;
}

/* ---- fees ---------------------------------------------------------------- */

static const lm_u256 *u256_max_of(const lm_u256 *a, const lm_u256 *b)
{
    return lm_u256_cmp(a, b) >= 0 ? a : b;
}

lm_code lm_l1_fees_compute(lm_l1_fees *out, const lm_u256 *base_fee, const lm_u256 *tip,
                           const lm_l1_fee_policy *p, lm_err *err)
{
    lm_u256 t = *u256_max_of(tip, &p->min_tip);
    lm_u256 mult = lm_u256_from_u64(p->base_fee_multiplier ? p->base_fee_multiplier : 1);
    lm_u256 m, now;
    /* max fee = multiplier * base fee + tip: with the default 2, the
     * transaction stays includable through six full blocks in a row, since
     * EIP-1559 raises the base fee by at most 1/8 per block (1.125^6 < 2). */
    if (!lm_u256_mul(&m, base_fee, &mult) || !lm_u256_add(&m, &m, &t) ||
        !lm_u256_add(&now, base_fee, &t))
        return lm_err_set(err, LM_EOVERFLOW, "fees: overflow");
    if (!lm_u256_is_zero(&p->max_fee_cap)) {
        if (lm_u256_cmp(&now, &p->max_fee_cap) > 0) {
            char a[LM_U256_DEC_BUF], c[LM_U256_DEC_BUF];
            lm_u256_to_dec(a, &now);
            lm_u256_to_dec(c, &p->max_fee_cap);
            return lm_err_set(err, LM_ETOOLARGE, "fees: base fee + tip %s wei above the cap %s", a,
                              c);
        }
        if (lm_u256_cmp(&m, &p->max_fee_cap) > 0)
            m = p->max_fee_cap;
    }
    out->max_fee_per_gas = m;
    out->max_priority_fee_per_gas = t;
    return LM_OK;
}

/* x + max(1, ceil(x / 8)): at least 12.5% more. */
static bool bump_one(lm_u256 *out, const lm_u256 *x)
{
    lm_u256 d, seven = lm_u256_from_u64(7), eight = lm_u256_from_u64(8);
    if (!lm_u256_add(&d, x, &seven))
        return false;
    if (!lm_u256_divmod(&d, NULL, &d, &eight))
        return false;
    if (lm_u256_is_zero(&d))
        d = LM_U256_ONE;
    return lm_u256_add(out, x, &d);
}

lm_code lm_l1_fees_bump(lm_l1_fees *out, const lm_l1_fees *old, lm_err *err)
{
    lm_l1_fees n;
    if (!bump_one(&n.max_fee_per_gas, &old->max_fee_per_gas) ||
        !bump_one(&n.max_priority_fee_per_gas, &old->max_priority_fee_per_gas))
        return lm_err_set(err, LM_EOVERFLOW, "fees: bump overflows");
    *out = n;
    return LM_OK;
}

static int cmp_u256(const void *a, const void *b)
{
    return lm_u256_cmp(a, b);
}

lm_code lm_l1_fees_estimate(lm_rpc *rpc, lm_l1_fees *out, const lm_l1_fee_policy *p, lm_err *err)
{
    lm_l1_fee_history *fh = malloc(sizeof *fh);
    if (!fh)
        return lm_err_set(err, LM_ENOMEM, "fees: out of memory");
    uint64_t blocks = p->history_blocks;
    if (blocks < 1)
        blocks = 1;
    if (blocks > LM_FEE_HISTORY_MAX_BLOCKS)
        blocks = LM_FEE_HISTORY_MAX_BLOCKS;
    const double pct = 50.0;
    lm_u256 base, tip = LM_U256_ZERO;
    bool have_tip = false;
    lm_code rc =
        lm_rpc_fee_history(rpc, fh, blocks, lm_block_tagged(LM_BLOCK_LATEST), &pct, 1, err);
    if (rc == LM_OK && fh->n_blocks > 0) {
        /* the base fee of the next block, which the history includes */
        base = fh->base_fee[fh->n_blocks];
        lm_u256 tips[LM_FEE_HISTORY_MAX_BLOCKS];
        size_t n = 0;
        for (size_t i = 0; i < fh->n_blocks; i++)
            if (fh->gas_used_ratio[i] > 0.0) /* empty blocks say nothing about tips */
                tips[n++] = fh->reward[i][0];
        if (n) {
            qsort(tips, n, sizeof tips[0], cmp_u256);
            tip = tips[n / 2];
            have_tip = true;
        }
    } else if (rc == LM_OK || rc == LM_ERPC) {
        /* no history (method missing or empty): the latest header */
        lm_l1_header h;
        rc = lm_rpc_get_block_by_number(rpc, &h, lm_block_tagged(LM_BLOCK_LATEST), err);
        if (rc == LM_OK && !h.has_base_fee)
            rc = lm_err_set(err, LM_EPROTO, "fees: the chain has no base fee (pre-London)");
        base = h.base_fee_per_gas;
    }
    free(fh);
    if (rc != LM_OK)
        return rc;
    if (!have_tip) {
        rc = lm_rpc_max_priority_fee(rpc, &tip, err);
        if (rc == LM_ERPC)
            tip = p->default_tip; /* the node has no suggestion */
        else if (rc != LM_OK)
            return rc;
    }
    return lm_l1_fees_compute(out, &base, &tip, p, err);
}

/* ---- signer --------------------------------------------------------------- */

lm_code lm_l1_signer_init(lm_l1_signer *s, lm_rpc *rpc, const lm_seckey *key, uint64_t chain_id,
                          const lm_l1_fee_policy *policy, lm_err *err)
{
    memset(s, 0, sizeof *s);
    s->rpc = rpc;
    lm_code rc = lm_seckey_parse(&s->key, key->b, err);
    if (rc != LM_OK)
        return rc;
    lm_address a;
    rc = lm_address_from_seckey(&a, &s->key, err);
    if (rc != LM_OK) {
        lm_seckey_wipe(&s->key);
        return rc;
    }
    memcpy(s->address, a.b, 20);
    if (policy)
        s->policy = *policy;
    else
        lm_l1_fee_policy_default(&s->policy);
    s->chain_id = chain_id;
    if (chain_id == 0) {
        rc = lm_rpc_chain_id(rpc, &s->chain_id, err);
        if (rc != LM_OK) {
            lm_seckey_wipe(&s->key);
            return rc;
        }
    }
    return LM_OK;
}

void lm_l1_signer_free(lm_l1_signer *s)
{
    lm_seckey_wipe(&s->key);
}

lm_code lm_l1_signer_sync_nonce(lm_l1_signer *s, lm_err *err)
{
    uint64_t n;
    lm_code rc = lm_rpc_get_transaction_count(s->rpc, &n, s->address,
                                              lm_block_tagged(LM_BLOCK_PENDING), err);
    if (rc != LM_OK)
        return rc;
    s->next_nonce = n;
    s->nonce_known = true;
    return LM_OK;
}

void lm_l1_sent_tx_free(lm_l1_sent_tx *t)
{
    free(t->data);
    memset(t, 0, sizeof *t);
}


/* Node refusals, as geth, reth, erigon, nethermind and anvil word them. */
static bool said_nonce_low(const lm_rpc *rpc)
{
    const char *m = rpc->fault.rpc_message;
    return lm_l1_contains_ci(m, "nonce too low") || lm_l1_contains_ci(m, "nonce is too low") ||
           lm_l1_contains_ci(m, "oldnonce") || lm_l1_contains_ci(m, "nonce has already been used");
}

static bool said_already_known(const lm_rpc *rpc)
{
    const char *m = rpc->fault.rpc_message;
    return lm_l1_contains_ci(m, "already known") || lm_l1_contains_ci(m, "alreadyknown") ||
           lm_l1_contains_ci(m, "already imported") || lm_l1_contains_ci(m, "known transaction");
}

static bool said_underpriced(const lm_rpc *rpc)
{
    return lm_l1_contains_ci(rpc->fault.rpc_message, "replacement transaction underpriced") ||
           lm_l1_contains_ci(rpc->fault.rpc_message, "replacement underpriced");
}

/* Signs sent->tx and sends it. Out: hash. Returns the send's code. */
static lm_code sign_and_send(lm_l1_signer *s, uint8_t hash[32], const lm_l1_tx1559 *tx, lm_err *err)
{
    lm_l1_signed_tx st;
    lm_code rc = lm_l1_tx_sign(&st, tx, &s->key, err);
    if (rc != LM_OK)
        return rc;
    memcpy(hash, st.hash, 32);
    uint8_t got[32];
    rc = lm_rpc_send_raw_transaction(s->rpc, got, st.raw, st.raw_len, err);
    lm_l1_signed_tx_free(&st);
    if (rc == LM_OK && memcmp(got, hash, 32) != 0)
        rc = lm_err_set(err, LM_EPROTO, "eth_sendRawTransaction: node returned another hash");
    return rc;
}

static lm_code fill_gas_and_fees(lm_l1_signer *s, lm_l1_tx1559 *tx, const lm_l1_tx_request *req,
                                 lm_err *err)
{
    lm_l1_fees f;
    lm_code rc;
    if (req->fees) {
        f = *req->fees;
    } else if ((rc = lm_l1_fees_estimate(s->rpc, &f, &s->policy, err)) != LM_OK) {
        return rc;
    }
    tx->max_fee_per_gas = f.max_fee_per_gas;
    tx->max_priority_fee_per_gas = f.max_priority_fee_per_gas;
    tx->gas_limit = req->gas_limit;
    if (tx->gas_limit == 0) {
        lm_l1_call_msg m = {s->address, req->to, req->data, req->data_len, &req->value, 0};
        uint64_t g;
        rc = lm_rpc_estimate_gas(s->rpc, &g, &m, err);
        if (rc != LM_OK)
            return rc;
        /* g + g * pct / 100, saturating */
        uint64_t a, b;
        if (!lm_mul_u64(&a, g / 100, s->policy.gas_margin_pct) ||
            !lm_add_u64(&b, a, g % 100 * s->policy.gas_margin_pct / 100) ||
            !lm_add_u64(&tx->gas_limit, g, b))
            tx->gas_limit = UINT64_MAX;
    }
    return LM_OK;
}

lm_code lm_l1_signer_send(lm_l1_signer *s, lm_l1_sent_tx *sent, const lm_l1_tx_request *req,
                          lm_err *err)
{
    memset(sent, 0, sizeof *sent);
    lm_l1_tx1559 *tx = &sent->tx;
    if (req->data_len && !req->data)
        return lm_err_set(err, LM_EINVAL, "send: data is NULL");
    if (req->data_len) {
        sent->data = malloc(req->data_len);
        if (!sent->data)
            return lm_err_set(err, LM_ENOMEM, "send: out of memory");
        memcpy(sent->data, req->data, req->data_len);
    }
    tx->chain_id = s->chain_id;
    tx->has_to = req->to != NULL;
    if (req->to)
        memcpy(tx->to, req->to, 20);
    tx->value = req->value;
    tx->data = sent->data;
    tx->data_len = req->data_len;
    lm_code rc = fill_gas_and_fees(s, tx, req, err);
    if (rc == LM_OK && !s->nonce_known)
        rc = lm_l1_signer_sync_nonce(s, err);
    for (int tries = 0; rc == LM_OK; tries++) {
        tx->nonce = s->next_nonce;
        rc = sign_and_send(s, sent->hashes[0], tx, err);
        if (rc == LM_OK || (rc == LM_ERPC && said_already_known(s->rpc))) {
            /* "already known": an earlier attempt of this very transaction
             * (e.g. a retried request whose answer was lost) got there */
            sent->n_hashes = 1;
            s->next_nonce++;
            return LM_OK;
        }
        if (rc == LM_ERPC && (said_nonce_low(s->rpc) || said_underpriced(s->rpc)) && tries < 3) {
            LM_INFO("l1", "nonce %llu refused (%s); re-reading the pending nonce",
                    (unsigned long long)tx->nonce, s->rpc->fault.rpc_message);
            rc = lm_l1_signer_sync_nonce(s, err);
            continue;
        }
        if (rc != LM_ERPC && rc != LM_EINVAL && rc != LM_ECRYPTO)
            s->nonce_known = false; /* it may have arrived: ask again next time */
        break;
    }
    lm_l1_sent_tx_free(sent);
    return rc;
}

lm_code lm_l1_signer_replace(lm_l1_signer *s, lm_l1_sent_tx *sent, lm_err *err)
{
    if (sent->n_hashes >= LM_L1_MAX_ATTEMPTS)
        return lm_err_set(err, LM_ETOOLARGE, "replace: %d transactions sent for nonce %llu",
                          LM_L1_MAX_ATTEMPTS, (unsigned long long)sent->tx.nonce);
    lm_l1_fees old = {sent->tx.max_fee_per_gas, sent->tx.max_priority_fee_per_gas}, bumped, now;
    lm_code rc = lm_l1_fees_bump(&bumped, &old, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_l1_fees_estimate(s->rpc, &now, &s->policy, err);
    if (rc != LM_OK && rc != LM_ETOOLARGE)
        return rc;
    if (rc == LM_OK) {
        bumped.max_fee_per_gas = *u256_max_of(&bumped.max_fee_per_gas, &now.max_fee_per_gas);
        bumped.max_priority_fee_per_gas =
            *u256_max_of(&bumped.max_priority_fee_per_gas, &now.max_priority_fee_per_gas);
    }
    if (!lm_u256_is_zero(&s->policy.max_fee_cap) &&
        lm_u256_cmp(&bumped.max_fee_per_gas, &s->policy.max_fee_cap) > 0)
        return lm_err_set(err, LM_ETOOLARGE, "replace: bumped fee above the cap");
    lm_l1_tx1559 tx = sent->tx;
    tx.max_fee_per_gas = bumped.max_fee_per_gas;
    tx.max_priority_fee_per_gas = bumped.max_priority_fee_per_gas;
    uint8_t hash[32];
    rc = sign_and_send(s, hash, &tx, err);
    if (rc == LM_ERPC && said_nonce_low(s->rpc)) {
        LM_INFO("l1", "replace: nonce %llu already used; waiting for the mined one",
                (unsigned long long)tx.nonce);
        return LM_OK;
    }
    if (rc != LM_OK && !(rc == LM_ERPC && said_already_known(s->rpc)))
        return rc;
    sent->tx = tx;
    memcpy(sent->hashes[sent->n_hashes++], hash, 32);
    return LM_OK;
}

/* ---- waiting --------------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static bool transient(lm_code rc)
{
    return rc == LM_ETIMEOUT || rc == LM_EIO || rc == LM_EHTTP;
}

/* Checks a receipt against the chain: its block is canonical and has
 * enough blocks on top. Returns LM_OK (ready), LM_ENOTFOUND (not yet, or
 * reorged out), or an RPC error. */
static lm_code receipt_settled(lm_l1_signer *s, const lm_l1_receipt *r, uint32_t confirmations,
                               lm_err *err)
{
    if (confirmations <= 1)
        return LM_OK;
    uint64_t head;
    lm_code rc = lm_rpc_block_number(s->rpc, &head, err);
    if (rc != LM_OK)
        return rc;
    if (head < r->block_number || head - r->block_number + 1 < confirmations)
        return LM_ENOTFOUND;
    lm_l1_header h;
    rc = lm_rpc_get_block_by_number(s->rpc, &h, lm_block_at(r->block_number), err);
    if (rc != LM_OK)
        return rc;
    return memcmp(h.hash, r->block_hash, 32) == 0 ? LM_OK : LM_ENOTFOUND;
}

/* Signs that none of sent's transactions will ever be mined (none has a
 * receipt now). */
typedef enum drop_sign {
    DROP_NONE = 0,
    DROP_UNKNOWN, /* neither mined nor in the node's pool: a reorg or the pool dropped it */
    DROP_TAKEN,   /* the account's mined nonce is past it: another transaction used it */
    DROP_GAP,     /* an earlier nonce is missing, so the node cannot mine it */
} drop_sign;

/* Looks for a drop sign: the account's latest nonce, the pending one when
 * the latest is below ours, then each hash with eth_getTransactionByHash
 * until one is known.
 * Out: *sign, *account_nonce (the latest, or the pending one for a gap),
 * *known (true when the node knows one of the hashes).
 * Returns: LM_OK or an RPC error. */
static lm_code drop_check(lm_l1_signer *s, const lm_l1_sent_tx *sent, drop_sign *sign,
                          uint64_t *account_nonce, bool *known, lm_err *err)
{
    *sign = DROP_NONE;
    uint64_t nonce = sent->tx.nonce, latest, pending;
    lm_code rc = lm_rpc_get_transaction_count(s->rpc, &latest, s->address,
                                              lm_block_tagged(LM_BLOCK_LATEST), err);
    if (rc != LM_OK)
        return rc;
    *account_nonce = latest;
    if (latest > nonce) {
        /* no receipt for any of our hashes, yet the nonce is used */
        *sign = DROP_TAKEN;
        return LM_OK;
    }
    if (latest < nonce) {
        /* nodes count only executable transactions in the pending nonce
         * (geth's pool: "pending" vs "queued"): ours is queued behind a gap */
        rc = lm_rpc_get_transaction_count(s->rpc, &pending, s->address,
                                          lm_block_tagged(LM_BLOCK_PENDING), err);
        if (rc != LM_OK)
            return rc;
        if (pending <= nonce) {
            *account_nonce = pending;
            *sign = DROP_GAP;
            return LM_OK;
        }
    }
    for (size_t i = sent->n_hashes; i-- > 0;) {
        lm_l1_tx_info t;
        rc = lm_rpc_get_transaction(s->rpc, &t, sent->hashes[i], err);
        if (rc == LM_OK) {
            lm_l1_tx_info_free(&t);
            *known = true;
            return LM_OK; /* known: pending, or mined a moment ago */
        }
        if (rc != LM_ENOTFOUND)
            return rc;
    }
    *sign = DROP_UNKNOWN;
    return LM_OK;
}

static lm_code dropped_error(const lm_l1_sent_tx *sent, drop_sign sign, uint64_t account_nonce,
                             uint32_t polls, lm_err *err)
{
    unsigned long long n = sent->tx.nonce, a = account_nonce;
    switch (sign) {
    case DROP_UNKNOWN:
        return lm_err_set(err, LM_EDROPPED,
                          "wait: nonce %llu dropped: not mined and unknown to the node (%u polls)",
                          n, polls);
    case DROP_TAKEN:
        return lm_err_set(err, LM_EDROPPED,
                          "wait: nonce %llu taken by another transaction (account nonce %llu)", n,
                          a);
    case DROP_GAP:
        return lm_err_set(err, LM_EDROPPED,
                          "wait: nonce %llu cannot be mined: the account is at nonce %llu (a gap)",
                          n, a);
    case DROP_NONE:
        break;
    }
    return lm_err_set(err, LM_EDROPPED, "wait: nonce %llu dropped", n);
}

lm_code lm_l1_signer_wait(lm_l1_signer *s, lm_l1_receipt *receipt, lm_l1_sent_tx *sent,
                          const lm_l1_wait_opts *o, lm_err *err)
{
    lm_l1_wait_opts d;
    if (!o) {
        lm_l1_wait_opts_default(&d);
        o = &d;
    }
    uint64_t start = now_ms(), last_send = start;
    uint32_t strikes = 0; /* consecutive polls that saw a drop sign */
    /* A transaction the node has never shown during this wait may not have
     * reached it yet (a load balancer in front of several nodes, gossip):
     * "unknown" counts only once it was seen, or after this grace. */
    bool seen = false;
    uint64_t grace_ms = (uint64_t)o->poll_ms * 10;
    for (;;) {
        bool mined = false, unsure = false; /* unsure: a receipt lookup failed */
        for (size_t i = sent->n_hashes; i-- > 0;) {
            lm_l1_receipt r;
            lm_code rc = lm_rpc_get_receipt(s->rpc, &r, sent->hashes[i], err);
            if (rc == LM_OK) {
                rc = receipt_settled(s, &r, o->confirmations, err);
                if (rc == LM_OK) {
                    *receipt = r;
                    return LM_OK;
                }
                lm_l1_receipt_free(&r);
                seen = true;
                if (rc == LM_ENOTFOUND) {
                    mined = true;
                    break; /* mined, waiting for confirmations */
                }
            }
            if (rc != LM_ENOTFOUND && !transient(rc))
                return rc;
            unsure = unsure || rc != LM_ENOTFOUND;
        }
        if (o->drop_polls && !mined && !unsure) {
            /* Not mined. Rather than wait out the timeout, give up as soon
             * as the transaction cannot be mined any more, seen on
             * drop_polls polls in a row (one node's momentary view, or a
             * load balancer's, is not enough). */
            drop_sign sign;
            uint64_t account_nonce = 0;
            lm_err e2;
            lm_code rc = drop_check(s, sent, &sign, &account_nonce, &seen, &e2);
            if (rc != LM_OK && !transient(rc)) {
                if (err)
                    *err = e2;
                return rc;
            }
            if (sign == DROP_UNKNOWN && !seen && now_ms() - start < grace_ms)
                sign = DROP_NONE;
            strikes = rc == LM_OK && sign != DROP_NONE ? strikes + 1 : 0;
            if (strikes >= o->drop_polls) {
                LM_INFO("l1", "nonce %llu: no longer minable, given up after %llu ms",
                        (unsigned long long)sent->tx.nonce, (unsigned long long)(now_ms() - start));
                s->nonce_known = false; /* the next send asks the node */
                return dropped_error(sent, sign, account_nonce, strikes, err);
            }
        } else {
            strikes = 0;
        }
        uint64_t t = now_ms();
        if (t - start >= o->timeout_ms)
            return lm_err_set(err, LM_ETIMEOUT, "wait: no receipt with %u confirmations in %u ms",
                              o->confirmations, o->timeout_ms);
        if (o->replace_after_ms && t - last_send >= o->replace_after_ms) {
            lm_err e2;
            lm_code rc = lm_l1_signer_replace(s, sent, &e2);
            if (rc != LM_OK)
                LM_WARN("l1", "replacing nonce %llu: %s", (unsigned long long)sent->tx.nonce,
                        e2.msg);
            last_send = t;
        }
        uint64_t left = o->timeout_ms - (t - start);
        sleep_ms(o->poll_ms < left ? o->poll_ms : left);
    }
}

lm_code lm_l1_signer_send_and_wait(lm_l1_signer *s, lm_l1_receipt *receipt, lm_l1_sent_tx *sent,
                                   const lm_l1_tx_request *req, const lm_l1_wait_opts *o,
                                   lm_err *err)
{
    lm_l1_sent_tx local;
    lm_l1_sent_tx *st = sent ? sent : &local;
    lm_code rc = lm_l1_signer_send(s, st, req, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_l1_signer_wait(s, receipt, st, o, err);
    if (!sent)
        lm_l1_sent_tx_free(&local);
    return rc;
}
