/* Decoding the events of Lamina's L1 contracts, and scanning for them. */
#include <stdlib.h>
#include <string.h>

#include "lamina/abi.h"
#include "lamina/arena.h"
#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l1_lamina.h"

#define SIG_DEPOSIT "Deposit(uint256,address,address,uint32,uint64,uint64,bytes32)"
#define SIG_FORCED_WITHDRAWAL "ForcedWithdrawal(uint256,address,address,uint32,uint64,uint64,bytes32)"
#define SIG_FORCED_TX "ForcedTransaction(uint256,address,bytes,uint64,bytes32)"
#define SIG_BATCH "BatchAppended(uint256,bytes32,uint256)"
#define SIG_OUTPUT "OutputProposed(uint256,bytes32,address,uint64,uint256,uint64)"

static void topic(uint8_t out[32], const char *sig) { lm_keccak256(out, (const uint8_t *)sig, strlen(sig)); }

void lm_topic_deposit(uint8_t out[32]) { topic(out, SIG_DEPOSIT); }
void lm_topic_forced_withdrawal(uint8_t out[32]) { topic(out, SIG_FORCED_WITHDRAWAL); }
void lm_topic_forced_transaction(uint8_t out[32]) { topic(out, SIG_FORCED_TX); }
void lm_topic_batch_appended(uint8_t out[32]) { topic(out, SIG_BATCH); }
void lm_topic_output_proposed(uint8_t out[32]) { topic(out, SIG_OUTPUT); }

/* A word holding a value of at most `bits` bits. */
static lm_code word_uint(uint64_t *out, const uint8_t w[32], unsigned bits, const char *what,
                         lm_err *err)
{
    for (int i = 0; i < 24; i++)
        if (w[i])
            return lm_err_set(err, LM_EINVAL, "event field %s: does not fit 64 bits", what);
    uint64_t v = lm_load_be64(w + 24);
    if (bits < 64 && (v >> bits))
        return lm_err_set(err, LM_EINVAL, "event field %s: does not fit %u bits", what, bits);
    *out = v;
    return LM_OK;
}

static lm_code word_addr(uint8_t out[20], const uint8_t w[32], const char *what, lm_err *err)
{
    for (int i = 0; i < 12; i++)
        if (w[i])
            return lm_err_set(err, LM_EINVAL, "event field %s: not an address", what);
    memcpy(out, w + 12, 20);
    return LM_OK;
}

static void where(lm_queued_message *q, const lm_l1_log *log)
{
    q->block_number = log->block_number;
    memcpy(q->block_hash, log->block_hash, 32);
    memcpy(q->tx_hash, log->tx_hash, 32);
    q->log_index = log->log_index;
}

lm_code lm_decode_message_log(lm_queued_message *out, const lm_l1_log *log, lm_err *err)
{
    uint8_t t_dep[32], t_fw[32], t_ftx[32];
    lm_topic_deposit(t_dep);
    lm_topic_forced_withdrawal(t_fw);
    lm_topic_forced_transaction(t_ftx);
    if (log->n_topics < 1)
        return lm_err_set(err, LM_EINVAL, "log has no topics");
    lm_queued_message q;
    memset(&q, 0, sizeof q);
    lm_code rc;
    uint64_t v;
    bool dep = memcmp(log->topics[0], t_dep, 32) == 0;
    bool fw = memcmp(log->topics[0], t_fw, 32) == 0;
    if (dep || fw) {
        if (log->n_topics != 4 || log->data_len != 4 * 32)
            return lm_err_set(err, LM_EINVAL, "%s log: malformed (%u topics, %zu bytes)",
                              dep ? "Deposit" : "ForcedWithdrawal", log->n_topics, log->data_len);
        q.msg.kind = dep ? LM_MSG_DEPOSIT : LM_MSG_FORCED_WITHDRAWAL;
        if ((rc = word_uint(&q.msg.index, log->topics[1], 64, "messageIndex", err)) ||
            (rc = word_addr(q.msg.from, log->topics[2], "from", err)) ||
            (rc = word_addr(q.msg.to, log->topics[3], "to", err)) ||
            (rc = word_uint(&v, log->data, 32, "assetId", err)))
            return rc;
        q.msg.asset_id = (uint32_t)v;
        if ((rc = word_uint(&q.msg.amount, log->data + 32, 64, "amount", err)) ||
            (rc = word_uint(&q.msg.l1_block, log->data + 64, 64, "l1Block", err)))
            return rc;
        memcpy(q.queue_hash, log->data + 96, 32);
    } else if (memcmp(log->topics[0], t_ftx, 32) == 0) {
        if (log->n_topics != 3)
            return lm_err_set(err, LM_EINVAL, "ForcedTransaction log: %u topics", log->n_topics);
        q.msg.kind = LM_MSG_FORCED_TX;
        if ((rc = word_uint(&q.msg.index, log->topics[1], 64, "messageIndex", err)) ||
            (rc = word_addr(q.msg.from, log->topics[2], "from", err)))
            return rc;
        _Alignas(16) uint8_t mem[512];
        lm_arena a;
        lm_arena_init(&a, mem, sizeof mem);
        const lm_abi_type *t;
        lm_abi_value val;
        static const char types[] = "(bytes,uint64,bytes32)";
        if ((rc = lm_abi_type_parse(&t, &a, types, sizeof types - 1, err)) ||
            (rc = lm_abi_decode(&val, &a, t, log->data, log->data_len, NULL, err)))
            return lm_err_wrap(err, rc, "ForcedTransaction log");
        const lm_abi_value *it = val.u.list.items;
        if (it[0].u.bytes.len > LM_FORCED_TX_MAX)
            return lm_err_set(err, LM_EINVAL, "ForcedTransaction log: l2Tx of %zu bytes",
                              it[0].u.bytes.len);
        memcpy(q.l2tx, it[0].u.bytes.data, it[0].u.bytes.len);
        q.l2tx_len = (uint16_t)it[0].u.bytes.len;
        lm_keccak256(q.msg.tx_hash, it[0].u.bytes.data, it[0].u.bytes.len);
        if (!lm_u256_to_u64(&q.msg.l1_block, &it[1].u.num))
            return lm_err_set(err, LM_EINVAL, "ForcedTransaction log: l1Block too large");
        memcpy(q.queue_hash, it[2].u.fixed, 32);
    } else {
        return lm_err_set(err, LM_EINVAL, "not a queue message event");
    }
    where(&q, log);
    *out = q;
    return LM_OK;
}

lm_code lm_decode_batch_log(lm_batch_event *out, const lm_l1_log *log, lm_err *err)
{
    uint8_t t[32];
    lm_topic_batch_appended(t);
    if (log->n_topics != 2 || memcmp(log->topics[0], t, 32) != 0 || log->data_len != 64)
        return lm_err_set(err, LM_EINVAL, "not a BatchAppended log");
    lm_batch_event b;
    lm_code rc;
    if ((rc = word_uint(&b.index, log->topics[1], 64, "index", err)) ||
        (rc = word_uint(&b.l1_block, log->data + 32, 64, "l1Block", err)))
        return rc;
    memcpy(b.hash, log->data, 32);
    memcpy(b.tx_hash, log->tx_hash, 32);
    memcpy(b.block_hash, log->block_hash, 32);
    *out = b;
    return LM_OK;
}

lm_code lm_decode_output_log(lm_output_event *out, const lm_l1_log *log, lm_err *err)
{
    uint8_t t[32];
    lm_topic_output_proposed(t);
    if (log->n_topics != 4 || memcmp(log->topics[0], t, 32) != 0 || log->data_len != 96)
        return lm_err_set(err, LM_EINVAL, "not an OutputProposed log");
    lm_output_event o;
    lm_code rc;
    if ((rc = word_uint(&o.index, log->topics[1], 64, "index", err)) ||
        (rc = word_addr(o.proposer, log->topics[3], "proposer", err)) ||
        (rc = word_uint(&o.l2_block, log->data, 64, "l2BlockNumber", err)) ||
        (rc = word_uint(&o.finalizes_at, log->data + 64, 64, "finalizesAt", err)))
        return rc;
    memcpy(o.output_root, log->topics[2], 32);
    lm_u256_from_be32(&o.bond, log->data + 32);
    *out = o;
    return LM_OK;
}

/* Fetches the logs of one contract with any of the given topics 0. */
lm_code lm_lamina_fetch_logs(lm_rpc *rpc, lm_l1_logs *logs, const uint8_t addr[20], uint64_t from,
                             uint64_t to, const uint8_t (*topics)[32], size_t n_topics, lm_err *err)
{
    lm_l1_log_filter f;
    memset(&f, 0, sizeof f);
    f.from_block = from;
    f.to_block = to;
    f.addresses = (const uint8_t (*)[20])addr;
    f.n_addresses = 1;
    f.topics[0] = topics;
    f.n_topics[0] = n_topics;
    return lm_rpc_get_logs(rpc, logs, &f, err);
}

/* Fetches the logs of one contract with any of topics[0..nt) and decodes
 * each into an array of elements of elem_size bytes. */
typedef lm_code (*decode_fn)(void *out, const lm_l1_log *log, lm_err *err);

static lm_code fetch_decoded(lm_rpc *rpc, const uint8_t addr[20], uint64_t from, uint64_t to,
                             const uint8_t (*topics)[32], size_t nt, size_t elem_size,
                             decode_fn decode, void **out, size_t *n, lm_err *err)
{
    lm_l1_logs logs = {0};
    lm_code rc = lm_lamina_fetch_logs(rpc, &logs, addr, from, to, topics, nt, err);
    uint8_t *v = NULL;
    if (rc == LM_OK && !(v = calloc(logs.len ? logs.len : 1, elem_size)))
        rc = lm_err_set(err, LM_ENOMEM, "out of memory");
    for (size_t i = 0; rc == LM_OK && i < logs.len; i++)
        rc = decode(v + i * elem_size, &logs.v[i], err);
    if (rc == LM_OK) {
        *n = logs.len;
        *out = v;
    } else {
        free(v);
    }
    lm_l1_logs_free(&logs);
    return rc;
}

static lm_code decode_message(void *out, const lm_l1_log *log, lm_err *err)
{
    return lm_decode_message_log(out, log, err);
}

static lm_code decode_batch(void *out, const lm_l1_log *log, lm_err *err)
{
    return lm_decode_batch_log(out, log, err);
}

lm_code lm_lamina_get_messages(lm_rpc *rpc, const lm_deployment *d, uint64_t from, uint64_t to,
                               lm_queued_message **out, size_t *n, lm_err *err)
{
    uint8_t topics[3][32];
    lm_topic_deposit(topics[0]);
    lm_topic_forced_withdrawal(topics[1]);
    lm_topic_forced_transaction(topics[2]);
    return fetch_decoded(rpc, d->bridge, from, to, (const uint8_t (*)[32])topics, 3, sizeof **out,
                         decode_message, (void **)out, n, err);
}

lm_code lm_lamina_get_batches(lm_rpc *rpc, const lm_deployment *d, uint64_t from, uint64_t to,
                              lm_batch_event **out, size_t *n, lm_err *err)
{
    uint8_t t[1][32];
    lm_topic_batch_appended(t[0]);
    return fetch_decoded(rpc, d->rollup, from, to, (const uint8_t (*)[32])t, 1, sizeof **out,
                         decode_batch, (void **)out, n, err);
}

lm_code lm_lamina_get_batch_data(lm_rpc *rpc, const lm_batch_event *b, uint8_t **data,
                                 size_t *len, lm_err *err)
{
    lm_l1_tx_info t;
    lm_code rc = lm_rpc_get_transaction(rpc, &t, b->tx_hash, err);
    if (rc != LM_OK)
        return rc;
    _Alignas(16) uint8_t mem[512];
    lm_arena a;
    lm_arena_init(&a, mem, sizeof mem);
    lm_abi_function f;
    lm_abi_value val;
    static const char sig[] = "appendBatch(bytes)";
    if ((rc = lm_abi_function_parse(&f, &a, sig, sizeof sig - 1, err)) != LM_OK ||
        (rc = lm_abi_decode_call(&val, &a, &f, t.input, t.input_len, NULL, err)) != LM_OK) {
        lm_l1_tx_info_free(&t);
        return lm_err_set(err, LM_EPROTO, "batch %llu: transaction is not an appendBatch call",
                          (unsigned long long)b->index);
    }
    const lm_abi_value *bytes = &val.u.list.items[0];
    uint8_t h[32];
    lm_keccak256(h, bytes->u.bytes.data, bytes->u.bytes.len);
    if (memcmp(h, b->hash, 32) != 0) {
        lm_l1_tx_info_free(&t);
        return lm_err_set(err, LM_EPROTO, "batch %llu: calldata does not match the recorded hash",
                          (unsigned long long)b->index);
    }
    uint8_t *copy = malloc(bytes->u.bytes.len ? bytes->u.bytes.len : 1);
    if (!copy) {
        lm_l1_tx_info_free(&t);
        return lm_err_set(err, LM_ENOMEM, "out of memory");
    }
    memcpy(copy, bytes->u.bytes.data, bytes->u.bytes.len);
    *len = bytes->u.bytes.len;
    *data = copy;
    lm_l1_tx_info_free(&t);
    return LM_OK;
}
