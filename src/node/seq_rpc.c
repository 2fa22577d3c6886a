/* The sequencer's JSON-RPC methods (docs/node-api.md). Handlers run on the
 * server thread: reads use LMDB read views (they never wait for the
 * builder); lamina_sendTransaction verifies the signature here and defers
 * its answer until the builder has made the block durable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/secp256k1.h"
#include "seq_internal.h"

#define ERR_PARAMS -32602
#define ERR_REJECTED -32010
#define ERR_MEMPOOL -32011
#define ERR_INTERNAL -32603


static json_t *hexj(const uint8_t *b, size_t n)
{
    char t[2 * 64 + 3];
    lm_hex_encode(t, b, n, true);
    return json_string(t);
}

static bool get_u64(const json_t *v, uint64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (uint64_t)json_integer_value(v);
        return true;
    }
    const char *s = json_string_value(v);
    if (!s || !*s)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint8_t b[8];
        size_t n;
        size_t len = strlen(s);
        if (len > 18 || len < 3)
            return false;
        char pad[19] = "0x0000000000000000";
        memcpy(pad + 2 + (16 - (len - 2)), s + 2, len - 2);
        if (lm_hex_decode(b, 8, &n, pad, 18, LM_HEX_PREFIX_REQUIRED, NULL) != LM_OK)
            return false;
        *out = lm_load_be64(b);
        return true;
    }
    uint64_t x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            return false;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    *out = x;
    return true;
}

static bool get_addr(const json_t *v, uint8_t out[20])
{
    const char *s = json_string_value(v);
    if (!s)
        return false;
    lm_address a;
    if (lm_address_parse(&a, s, strlen(s), NULL) != LM_OK)
        return false;
    memcpy(out, a.b, 20);
    return true;
}

/* Parses a transaction: wire hex or an object (docs/node-api.md). */
static const char *parse_tx(const json_t *p, lm_tx *tx)
{
    const char *hex = json_string_value(p);
    if (hex) {
        uint8_t wire[LM_TX_WIRE_LEN + 1];
        size_t n;
        if (lm_hex_decode(wire, sizeof wire, &n, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, NULL) !=
            LM_OK)
            return "the transaction is not 0x-prefixed hex";
        if (lm_tx_decode(tx, wire, n) != LM_STF_OK)
            return lm_stf_code_message(LM_STF_MALFORMED);
        return NULL;
    }
    if (!json_is_object(p))
        return "a transaction is a hex string or an object";
    memset(tx, 0, sizeof *tx);
    const char *type = json_string_value(json_object_get(p, "type"));
    if (type && strcmp(type, "transfer") == 0)
        tx->type = LM_TX_TRANSFER;
    else if (type && strcmp(type, "withdraw") == 0)
        tx->type = LM_TX_WITHDRAW;
    else
        return "\"type\" must be \"transfer\" or \"withdraw\"";
    uint64_t asset;
    if (!get_u64(json_object_get(p, "chainId"), &tx->chain_id))
        return "bad \"chainId\"";
    if (!get_addr(json_object_get(p, "from"), tx->from))
        return "bad \"from\" address";
    if (!get_addr(json_object_get(p, "to"), tx->to))
        return "bad \"to\" address";
    if (!get_u64(json_object_get(p, "asset"), &asset) || asset > UINT32_MAX)
        return "bad \"asset\"";
    tx->asset = (uint32_t)asset;
    if (!get_u64(json_object_get(p, "amount"), &tx->amount))
        return "bad \"amount\"";
    if (!get_u64(json_object_get(p, "fee"), &tx->fee))
        return "bad \"fee\"";
    if (!get_u64(json_object_get(p, "nonce"), &tx->nonce))
        return "bad \"nonce\"";
    const char *sig = json_string_value(json_object_get(p, "signature"));
    if (!sig || lm_hex_decode_exact(tx->sig, 65, sig, strlen(sig), LM_HEX_PREFIX_REQUIRED, NULL) !=
                    LM_OK)
        return "bad \"signature\": 65 bytes of hex";
    if (tx->sig[64] != 27 && tx->sig[64] != 28)
        return "bad \"signature\": v must be 27 or 28";
    return NULL;
}

json_t *seq_stf_error_data(lm_stf_code c)
{
    return json_pack("{s:s, s:i}", "reason", lm_stf_code_name(c), "code", (int)c);
}

/* Checks a queued transaction's signature and moves it to the mempool, or
 * answers its submitter with the rejection. */
static void admit(lm_seq *s, const lm_tx *tx, uint64_t token)
{
    uint8_t digest[32];
    lm_tx_signing_digest(digest, tx, s->stf.config.domain_separator);
    lm_sig sig;
    memcpy(sig.b, tx->sig, 65);
    lm_address who;
    if (lm_ecdsa_recover_address(&who, digest, &sig, NULL) != LM_OK ||
        memcmp(who.b, tx->from, 20) != 0) {
        lm_rpcd_reply_error(s->rpcd, token, ERR_REJECTED, lm_stf_code_message(LM_STF_BAD_SIGNATURE),
                            seq_stf_error_data(LM_STF_BAD_SIGNATURE));
        return;
    }
    uint8_t hash[32];
    lm_tx_hash(hash, tx);
    lm_err err;
    if (lm_mempool_add_checked(&s->pool, tx, hash, digest, token, NULL, &err) != LM_OK)
        lm_rpcd_reply_error(s->rpcd, token, ERR_MEMPOOL, err.msg, NULL);
}

static void *verifier_main(void *arg)
{
    lm_seq *s = arg;
    prctl(PR_SET_NAME, "lm-verify"); /* shown by top -H and perf */
    for (;;) {
        pthread_mutex_lock(&s->vmu);
        while (s->vq_len == 0 && !atomic_load(&s->stop))
            pthread_cond_wait(&s->vcv, &s->vmu);
        if (s->vq_len == 0) { /* stopping, and nothing left */
            pthread_mutex_unlock(&s->vmu);
            return NULL;
        }
        /* a few at a time, one lock round trip for them, leaving the rest
         * of a burst to the other verifiers */
        struct seq_pending_tx p[SEQ_VERIFY_CHUNK];
        size_t n = s->vq_len / s->vq_share;
        n = n < 1 ? 1 : n > SEQ_VERIFY_CHUNK ? SEQ_VERIFY_CHUNK : n;
        for (size_t i = 0; i < n; i++) {
            p[i] = s->vq[s->vq_head];
            s->vq_head = (s->vq_head + 1) % s->vq_cap;
        }
        s->vq_len -= n;
        pthread_mutex_unlock(&s->vmu);
        for (size_t i = 0; i < n; i++)
            admit(s, &p[i].tx, p[i].token);
    }
}

lm_code seq_verifiers_start(lm_seq *s, unsigned n, lm_err *err)
{
    pthread_mutex_init(&s->vmu, NULL);
    pthread_cond_init(&s->vcv, NULL);
    s->vq_cap = SEQ_VERIFY_QUEUE;
    s->vq = calloc(s->vq_cap, sizeof *s->vq);
    if (!s->vq)
        return lm_err_set(err, LM_ENOMEM, "out of memory");
    if (n > SEQ_MAX_VERIFIERS)
        n = SEQ_MAX_VERIFIERS;
    if (n == 0)
        n = 1;
    s->vq_share = n;
    for (unsigned i = 0; i < n; i++) {
        if (pthread_create(&s->verifiers[i], NULL, verifier_main, s) != 0)
            return lm_err_set(err, LM_EIO, "cannot start the signature checkers");
        s->n_verifiers = i + 1;
    }
    return LM_OK;
}

void seq_verifiers_stop(lm_seq *s)
{
    if (!s->vq)
        return;
    pthread_mutex_lock(&s->vmu);
    pthread_cond_broadcast(&s->vcv);
    pthread_mutex_unlock(&s->vmu);
    for (unsigned i = 0; i < s->n_verifiers; i++)
        pthread_join(s->verifiers[i], NULL);
    s->n_verifiers = 0;
    free(s->vq);
    s->vq = NULL;
    pthread_mutex_destroy(&s->vmu);
    pthread_cond_destroy(&s->vcv);
}

static void m_send(lm_rpcd_call *call, json_t *params, void *ctx)
{
    lm_seq *s = ctx;
    lm_tx tx;
    const char *why = json_array_size(params) == 1 ? parse_tx(json_array_get(params, 0), &tx)
                                                   : "expected [transaction]";
    if (why) {
        lm_rpcd_call_error(call, ERR_PARAMS, why, NULL);
        return;
    }
    if (tx.chain_id != s->stf.config.chain_id) {
        lm_rpcd_call_error(call, ERR_REJECTED, lm_stf_code_message(LM_STF_WRONG_CHAIN),
                           seq_stf_error_data(LM_STF_WRONG_CHAIN));
        return;
    }
    if (tx.fee < s->cfg.min_fee) { /* the operator's policy, before any costly check */
        char m[128];
        snprintf(m, sizeof m, "fee %llu is below this sequencer's minimum of %llu",
                 (unsigned long long)tx.fee, (unsigned long long)s->cfg.min_fee);
        lm_rpcd_call_error(call, ERR_REJECTED, m,
                           json_pack("{s:s, s:I}", "reason", "FEE_TOO_LOW", "minFee",
                                     (json_int_t)(s->cfg.min_fee > INT64_MAX ? INT64_MAX : s->cfg.min_fee)));
        return;
    }
    /* the signature is checked off the server thread, by the verifiers */
    uint64_t token = lm_rpcd_call_defer(call);
    if (!token)
        return;
    pthread_mutex_lock(&s->vmu);
    bool queued = s->vq_len < s->vq_cap;
    if (queued) {
        s->vq[(s->vq_head + s->vq_len) % s->vq_cap] = (struct seq_pending_tx){tx, token};
        s->vq_len++;
        pthread_cond_signal(&s->vcv);
    }
    pthread_mutex_unlock(&s->vmu);
    if (!queued)
        lm_rpcd_reply_error(s->rpcd, token, ERR_MEMPOOL, "node busy: too many transactions being checked",
                            NULL);
}

static void m_chain_id(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    lm_seq *s = ctx;
    lm_rpcd_call_result(call, lm_rpcd_json_qty(s->stf.config.chain_id));
}

/* Opens a read view or answers the call with an internal error. */
static bool view_or_fail(lm_seq *s, lm_rpcd_call *call, lm_store_view *v)
{
    lm_err err;
    if (lm_store_read_begin(lm_statedb_store(s->db), v, &err) == LM_OK)
        return true;
    lm_rpcd_call_error(call, ERR_INTERNAL, err.msg, NULL);
    return false;
}

static void m_block_number(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    lm_seq *s = ctx;
    lm_store_view v;
    if (!view_or_fail(s, call, &v))
        return;
    uint64_t n;
    uint8_t h[32];
    lm_err err;
    lm_code rc = lm_store_get_head(&v, &n, h, &err);
    lm_store_read_end(&v);
    lm_rpcd_call_result(call, rc == LM_OK ? lm_rpcd_json_qty(n) : json_null());
}

static json_t *account_json(const lm_account *a, uint64_t index)
{
    json_t *bal = json_object();
    for (int i = 0; i < LM_MAX_ASSETS; i++)
        if (a->balance[i]) {
            char k[12];
            snprintf(k, sizeof k, "%d", i);
            json_object_set_new(bal, k, lm_rpcd_json_qty(a->balance[i]));
        }
    lm_address ad;
    char text[LM_ADDRESS_TEXT_LEN + 1];
    memcpy(ad.b, a->address, 20);
    lm_address_to_checksum(text, &ad);
    return json_pack("{s:s, s:o, s:o, s:o, s:o}", "address", text, "index", lm_rpcd_json_qty(index),
                     "nonceBase", lm_rpcd_json_qty(a->nonce_base), "nonceBits",
                     lm_rpcd_json_qty(a->nonce_bits), "balances", bal);
}

/* Looks an account up. Returns 1 found, 0 not found, -1 error (answered). */
static int find(lm_seq *s, lm_store_view *v, const uint8_t addr[20], lm_account *a, uint64_t *index)
{
    lm_err err;
    lm_code rc = lm_store_find_address(v, addr, index, &err);
    if (rc == LM_ENOTFOUND)
        return 0;
    if (rc == LM_OK && (rc = lm_store_get_account(v, *index, a, &err)) == LM_OK)
        return 1;
    (void)s;
    return -1;
}

/* Reads the account of addr in a fresh view. Returns 1 found, 0 not found,
 * -1 after answering the call with an error. */
static int read_account(lm_seq *s, lm_rpcd_call *call, const uint8_t addr[20], lm_account *a,
                        uint64_t *index)
{
    lm_store_view v;
    if (!view_or_fail(s, call, &v))
        return -1;
    int r = find(s, &v, addr, a, index);
    lm_store_read_end(&v);
    if (r < 0)
        lm_rpcd_call_error(call, ERR_INTERNAL, "state read failed", NULL);
    return r;
}

static void m_get_account(lm_rpcd_call *call, json_t *params, void *ctx)
{
    lm_seq *s = ctx;
    uint8_t addr[20];
    if (json_array_size(params) != 1 || !get_addr(json_array_get(params, 0), addr)) {
        lm_rpcd_call_error(call, ERR_PARAMS, "expected [address]", NULL);
        return;
    }
    lm_account a;
    uint64_t index;
    int r = read_account(s, call, addr, &a, &index);
    if (r >= 0)
        lm_rpcd_call_result(call, r ? account_json(&a, index) : json_null());
}

static void m_get_balance(lm_rpcd_call *call, json_t *params, void *ctx)
{
    lm_seq *s = ctx;
    uint8_t addr[20];
    uint64_t asset;
    if (json_array_size(params) != 2 || !get_addr(json_array_get(params, 0), addr) ||
        !get_u64(json_array_get(params, 1), &asset) || asset >= LM_MAX_ASSETS) {
        lm_rpcd_call_error(call, ERR_PARAMS, "expected [address, asset 0..7]", NULL);
        return;
    }
    lm_account a;
    uint64_t index;
    int r = read_account(s, call, addr, &a, &index);
    if (r >= 0)
        lm_rpcd_call_result(call, lm_rpcd_json_qty(r ? a.balance[asset] : 0));
}

static void m_get_transaction(lm_rpcd_call *call, json_t *params, void *ctx)
{
    lm_seq *s = ctx;
    const char *hex = json_array_size(params) == 1 ? json_string_value(json_array_get(params, 0)) : NULL;
    uint8_t h[32];
    if (!hex || lm_hex_decode_exact(h, 32, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, NULL) != LM_OK) {
        lm_rpcd_call_error(call, ERR_PARAMS, "expected [hash]", NULL);
        return;
    }
    lm_store_view v;
    if (!view_or_fail(s, call, &v))
        return;
    lm_store_tx_loc loc;
    lm_err err;
    lm_code rc = lm_store_get_tx(&v, h, &loc, &err);
    lm_store_read_end(&v);
    if (rc == LM_ENOTFOUND)
        lm_rpcd_call_result(call, json_null());
    else if (rc != LM_OK)
        lm_rpcd_call_error(call, ERR_INTERNAL, err.msg, NULL);
    else
        lm_rpcd_call_result(call, json_pack("{s:o, s:o, s:o, s:s}", "hash", hexj(h, 32), "block",
                                            lm_rpcd_json_qty(loc.block), "position",
                                            lm_rpcd_json_qty(loc.position), "status",
                                            loc.status == LM_STF_OK ? "ok" : "failed"));
}

static json_t *block_json(const lm_block_header *h, const uint8_t hash[32], const uint8_t *wires)
{
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "number", lm_rpcd_json_qty(h->number),
        "hash", hexj(hash, 32), "parentHash", hexj(h->parent_hash, 32), "l1OriginNumber",
        lm_rpcd_json_qty(h->l1_origin_number), "l1OriginHash", hexj(h->l1_origin_hash, 32),
        "timestamp", lm_rpcd_json_qty(h->timestamp), "feeRecipient",
        lm_rpcd_json_qty(h->fee_recipient), "l1MessagesUpto", lm_rpcd_json_qty(h->l1_messages_upto),
        "txCount", lm_rpcd_json_qty(h->tx_count), "txRoot", hexj(h->tx_root, 32));
    if (o && wires) {
        json_t *txs = json_array();
        for (uint32_t i = 0; i < h->tx_count; i++) {
            uint8_t th[32];
            lm_keccak256(th, wires + (size_t)i * LM_TX_WIRE_LEN, LM_TX_WIRE_LEN);
            json_array_append_new(txs, hexj(th, 32));
        }
        json_object_set_new(o, "transactions", txs);
    }
    return o;
}

static void m_get_block(lm_rpcd_call *call, json_t *params, void *ctx)
{
    lm_seq *s = ctx;
    json_t *p = json_array_size(params) == 1 ? json_array_get(params, 0) : NULL;
    uint64_t n = 0;
    bool latest = p && json_is_string(p) && strcmp(json_string_value(p), "latest") == 0;
    if (!p || (!latest && !get_u64(p, &n))) {
        lm_rpcd_call_error(call, ERR_PARAMS, "expected [number or \"latest\"]", NULL);
        return;
    }
    lm_store_view v;
    if (!view_or_fail(s, call, &v))
        return;
    lm_err err;
    uint8_t hh[32];
    lm_code rc = latest ? lm_store_get_head(&v, &n, hh, &err) : LM_OK;
    lm_block_header h;
    const uint8_t *wires = NULL;
    if (rc == LM_OK)
        rc = lm_store_get_block(&v, n, &h, &wires, &err);
    json_t *res = NULL;
    if (rc == LM_OK) {
        uint8_t hash[32];
        lm_block_hash(hash, &h);
        res = block_json(&h, hash, wires);
    }
    lm_store_read_end(&v);
    if (rc == LM_ENOTFOUND)
        lm_rpcd_call_result(call, json_null());
    else if (rc != LM_OK || !res)
        lm_rpcd_call_error(call, ERR_INTERNAL, rc != LM_OK ? err.msg : "out of memory", NULL);
    else
        lm_rpcd_call_result(call, res);
}

static void m_withdrawal_proof(lm_rpcd_call *call, json_t *params, void *ctx)
{
    lm_seq *s = ctx;
    uint64_t id;
    if (json_array_size(params) != 1 || !get_u64(json_array_get(params, 0), &id)) {
        lm_rpcd_call_error(call, ERR_PARAMS, "expected [withdrawalId]", NULL);
        return;
    }
    lm_store_view v;
    if (!view_or_fail(s, call, &v))
        return;
    char key[64];
    int k = snprintf(key, sizeof key, "seq.wd.%llu", (unsigned long long)id);
    const uint8_t *val;
    size_t len;
    lm_err err;
    uint64_t batch;
    uint32_t leaf;
    lm_withdrawal w;
    json_t *res = json_null();
    if (lm_store_get_meta(&v, key, (size_t)k, &val, &len, &err) == LM_OK &&
        seq_wd_decode(val, len, &batch, &leaf, &w)) {
        k = snprintf(key, sizeof key, "seq.batch.%llu", (unsigned long long)batch);
        const uint8_t *rec;
        size_t rlen;
        seq_batch b;
        if (lm_store_get_meta(&v, key, (size_t)k, &rec, &rlen, &err) == LM_OK &&
            rlen == SEQ_BATCH_REC_LEN) {
            /* the batch is closed: rebuild its tree from its withdrawals */
            memset(&b, 0, sizeof b);
            b.number = lm_load_be64(rec);
            b.first_withdrawal_id = lm_load_be64(rec + 32);
            b.withdrawal_count = lm_load_be32(rec + 40);
            uint8_t (*leaves)[32] = malloc((size_t)b.withdrawal_count * 32 + 32);
            uint8_t (*scratch)[32] = malloc(((size_t)b.withdrawal_count / 2 + 2) * 32);
            bool ok = leaves && scratch;
            for (uint32_t i = 0; ok && i < b.withdrawal_count; i++) {
                char wk[64];
                int n2 = snprintf(wk, sizeof wk, "seq.wd.%llu",
                                  (unsigned long long)(b.first_withdrawal_id + i));
                const uint8_t *wv;
                size_t wl;
                uint64_t bb;
                uint32_t lf;
                lm_withdrawal x;
                ok = lm_store_get_meta(&v, wk, (size_t)n2, &wv, &wl, &err) == LM_OK &&
                     seq_wd_decode(wv, wl, &bb, &lf, &x);
                if (ok)
                    lm_withdrawal_leaf(leaves[i], &x);
            }
            /* the batch's index on L1: known once the settler found it there */
            uint64_t l1i = UINT64_MAX;
            pthread_mutex_lock(&s->mu);
            if (b.number < s->l1_index_cap)
                l1i = s->l1_index[b.number];
            pthread_mutex_unlock(&s->mu);
            ok = ok && l1i != UINT64_MAX;
            uint8_t proof[LM_WTREE_MAX_DEPTH][32];
            size_t depth = 0;
            if (ok && lm_withdrawal_proof(proof, &depth, (const uint8_t (*)[32])leaves,
                                          b.withdrawal_count, leaf, scratch, &err) == LM_OK) {
                json_t *pr = json_array();
                for (size_t i = 0; i < depth; i++)
                    json_array_append_new(pr, hexj(proof[i], 32));
                lm_address a1, a2;
                char t1[LM_ADDRESS_TEXT_LEN + 1], t2[LM_ADDRESS_TEXT_LEN + 1];
                memcpy(a1.b, w.l2_sender, 20);
                memcpy(a2.b, w.l1_recipient, 20);
                lm_address_to_checksum(t1, &a1);
                lm_address_to_checksum(t2, &a2);
                json_decref(res);
                res = json_pack(
                    "{s:{s:o, s:s, s:s, s:o, s:o}, s:o, s:o, s:o, s:{s:i, s:o, s:o, s:o}}",
                    "withdrawal", "id", lm_rpcd_json_qty(w.id), "l2Sender", t1, "l1Recipient", t2,
                    "assetId", lm_rpcd_json_qty(w.asset_id), "amount", lm_rpcd_json_qty(w.amount),
                    "batchIndex", lm_rpcd_json_qty(l1i), "leafIndex", lm_rpcd_json_qty(leaf),
                    "proof", pr, "output", "version", (int)rec[44], "stateRoot", hexj(rec + 45, 32),
                    "withdrawalsRoot", hexj(rec + 77, 32), "lastBlockHash", hexj(rec + 109, 32));
            }
            free(leaves);
            free(scratch);
        }
    }
    lm_store_read_end(&v);
    lm_rpcd_call_result(call, res ? res : json_null());
}

static int key_address(void *ctx, const json_t *param, char out[LM_RPCD_KEY_MAX + 1], lm_err *err)
{
    (void)ctx;
    uint8_t a[20];
    if (!get_addr(param, a))
        return lm_err_set(err, LM_EINVAL, "expected an address");
    lm_hex_encode(out, a, 20, true);
    return LM_OK;
}

lm_code seq_rpc_register(lm_seq *s, lm_err *err)
{
    static const struct {
        const char *name;
        lm_rpcd_handler fn;
    } methods[] = {
        {"lamina_chainId", m_chain_id},
        {"lamina_blockNumber", m_block_number},
        {"lamina_sendTransaction", m_send},
        {"lamina_getAccount", m_get_account},
        {"lamina_getBalance", m_get_balance},
        {"lamina_getTransaction", m_get_transaction},
        {"lamina_getBlock", m_get_block},
        {"lamina_getWithdrawalProof", m_withdrawal_proof},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        lm_code rc = (lm_code)lm_rpcd_register(s->rpcd, methods[i].name, methods[i].fn, s, err);
        if (rc != LM_OK)
            return rc;
    }
    lm_code rc = (lm_code)lm_rpcd_add_topic(s->rpcd, "newBlocks", LM_RPCD_KEY_NONE, NULL, NULL, err);
    if (rc == LM_OK)
        rc = (lm_code)lm_rpcd_add_topic(s->rpcd, "account", LM_RPCD_KEY_REQUIRED, key_address, NULL,
                                        err);
    return rc;
}

void seq_publish_block(lm_seq *s, const lm_block_header *h, const uint8_t hash[32])
{
    if (!lm_rpcd_has_subscribers(s->rpcd, "newBlocks"))
        return;
    json_t *b = block_json(h, hash, NULL);
    if (b) {
        lm_rpcd_publish(s->rpcd, "newBlocks", NULL, b);
        json_decref(b);
    }
}

void seq_publish_accounts(lm_seq *s, const uint8_t (*addresses)[20], size_t n)
{
    if (n == 0 || !lm_rpcd_has_subscribers(s->rpcd, "account")) /* skip the reads and the JSON */
        return;
    lm_store_view v; /* one read view for the block's accounts */
    if (lm_store_read_begin(lm_statedb_store(s->db), &v, NULL) != LM_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        lm_account a;
        uint64_t index;
        if (find(s, &v, addresses[i], &a, &index) == 1) {
            char key[43];
            lm_hex_encode(key, addresses[i], 20, true);
            json_t *j = account_json(&a, index);
            lm_rpcd_publish(s->rpcd, "account", key, j);
            json_decref(j);
        }
    }
    lm_store_read_end(&v);
}
