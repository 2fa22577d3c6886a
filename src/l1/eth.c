/* Typed eth_* methods over lm_rpc_call_json. Every result is checked for
 * type and canonical form; a malformed one is LM_EPROTO. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/l1_rpc.h"
#include "l1_internal.h"

/* Calls method; checks that the result is a string and parses it with fn. */
static lm_code call_params(lm_rpc *rpc, json_t **res, const char *method, json_t *params,
                           lm_err *err)
{
    if (!params)
        return lm_err_set(err, LM_ENOMEM, "%s: out of memory building params", method);
    return lm_rpc_call_json(rpc, res, method, params, err);
}

static lm_code result_u64(uint64_t *out, json_t *res, const char *method, lm_err *err)
{
    if (!json_is_string(res))
        return lm_err_set(err, LM_EPROTO, "%s: result is not a string", method);
    lm_code rc = lm_rpc_parse_u64(out, json_string_value(res), json_string_length(res), err);
    return rc == LM_OK ? rc : lm_err_wrap(err, rc, method);
}

static lm_code result_u256(lm_u256 *out, json_t *res, const char *method, lm_err *err)
{
    if (!json_is_string(res))
        return lm_err_set(err, LM_EPROTO, "%s: result is not a string", method);
    lm_code rc = lm_rpc_parse_u256(out, json_string_value(res), json_string_length(res), err);
    return rc == LM_OK ? rc : lm_err_wrap(err, rc, method);
}

static lm_code call_u64(lm_rpc *rpc, uint64_t *out, const char *method, json_t *params, lm_err *err)
{
    json_t *res;
    lm_code rc = call_params(rpc, &res, method, params, err);
    if (rc != LM_OK)
        return rc;
    rc = result_u64(out, res, method, err);
    json_decref(res);
    return rc;
}

static lm_code call_u256(lm_rpc *rpc, lm_u256 *out, const char *method, json_t *params, lm_err *err)
{
    json_t *res;
    lm_code rc = call_params(rpc, &res, method, params, err);
    if (rc != LM_OK)
        return rc;
    rc = result_u256(out, res, method, err);
    json_decref(res);
    return rc;
}

lm_code lm_rpc_chain_id(lm_rpc *rpc, uint64_t *chain_id, lm_err *err)
{
    return call_u64(rpc, chain_id, "eth_chainId", json_array(), err);
}

lm_code lm_rpc_block_number(lm_rpc *rpc, uint64_t *number, lm_err *err)
{
    return call_u64(rpc, number, "eth_blockNumber", json_array(), err);
}

lm_code lm_rpc_max_priority_fee(lm_rpc *rpc, lm_u256 *tip, lm_err *err)
{
    return call_u256(rpc, tip, "eth_maxPriorityFeePerGas", json_array(), err);
}

lm_code lm_rpc_get_transaction_count(lm_rpc *rpc, uint64_t *count, const uint8_t address[20],
                                     lm_block_id id, lm_err *err)
{
    json_t *p = json_pack("[oo]", lm_l1j_data(address, 20), lm_l1j_block_id(id));
    return call_u64(rpc, count, "eth_getTransactionCount", p, err);
}

lm_code lm_rpc_get_balance(lm_rpc *rpc, lm_u256 *balance, const uint8_t address[20], lm_block_id id,
                           lm_err *err)
{
    json_t *p = json_pack("[oo]", lm_l1j_data(address, 20), lm_l1j_block_id(id));
    return call_u256(rpc, balance, "eth_getBalance", p, err);
}

/* ---- blocks ------------------------------------------------------------- */

lm_code lm_rpc_parse_header(lm_l1_header *h, const json_t *b, lm_err *err)
{
    const char *w = "block";
    lm_l1_header t;
    memset(&t, 0, sizeof t);
    if (!json_is_object(b))
        return lm_err_set(err, LM_EPROTO, "block: not an object");
    lm_code rc;
    if ((rc = lm_l1j_u64(&t.number, b, "number", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(t.hash, 32, b, "hash", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(t.parent_hash, 32, b, "parentHash", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.timestamp, b, "timestamp", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.gas_limit, b, "gasLimit", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.gas_used, b, "gasUsed", w, err)) != LM_OK ||
        (rc = lm_l1j_u256_opt(&t.base_fee_per_gas, &t.has_base_fee, b, "baseFeePerGas", w, err)) !=
            LM_OK)
        return rc;
    *h = t;
    return LM_OK;
}

static lm_code get_block(lm_rpc *rpc, lm_l1_header *h, const char *method, json_t *params,
                         lm_err *err)
{
    json_t *res;
    lm_code rc = call_params(rpc, &res, method, params, err);
    if (rc != LM_OK)
        return rc;
    if (json_is_null(res))
        rc = lm_err_set(err, LM_ENOTFOUND, "%s: no such block", method);
    else if ((rc = lm_rpc_parse_header(h, res, err)) != LM_OK)
        lm_err_wrap(err, rc, method);
    json_decref(res);
    return rc;
}

lm_code lm_rpc_get_block_by_number(lm_rpc *rpc, lm_l1_header *h, lm_block_id id, lm_err *err)
{
    lm_l1_header t;
    json_t *p = json_pack("[ob]", lm_l1j_block_id(id), 0);
    lm_code rc = get_block(rpc, &t, "eth_getBlockByNumber", p, err);
    if (rc != LM_OK)
        return rc;
    if (id.tag == LM_BLOCK_NUMBER && t.number != id.number)
        return lm_err_set(err, LM_EPROTO, "eth_getBlockByNumber: asked for %llu, got %llu",
                          (unsigned long long)id.number, (unsigned long long)t.number);
    *h = t;
    return LM_OK;
}

lm_code lm_rpc_get_block_by_hash(lm_rpc *rpc, lm_l1_header *h, const uint8_t hash[32], lm_err *err)
{
    lm_l1_header t;
    json_t *p = json_pack("[ob]", lm_l1j_data(hash, 32), 0);
    lm_code rc = get_block(rpc, &t, "eth_getBlockByHash", p, err);
    if (rc != LM_OK)
        return rc;
    if (memcmp(t.hash, hash, 32) != 0)
        return lm_err_set(err, LM_EPROTO, "eth_getBlockByHash: block has another hash");
    *h = t;
    return LM_OK;
}

/* ---- logs --------------------------------------------------------------- */

void lm_l1_logs_free(lm_l1_logs *logs)
{
    for (size_t i = 0; i < logs->len; i++)
        free(logs->v[i].data);
    free(logs->v);
    memset(logs, 0, sizeof *logs);
}

/* Appends *l (taking its data) to logs. */
static lm_code logs_push(lm_l1_logs *logs, lm_l1_log *l, lm_err *err)
{
    if (logs->len == logs->cap) {
        size_t cap = logs->cap ? logs->cap * 2 : 16;
        if (cap > SIZE_MAX / sizeof *logs->v)
            return lm_err_set(err, LM_ENOMEM, "logs: too many");
        lm_l1_log *v = realloc(logs->v, cap * sizeof *v);
        if (!v)
            return lm_err_set(err, LM_ENOMEM, "logs: out of memory");
        logs->v = v;
        logs->cap = cap;
    }
    logs->v[logs->len++] = *l;
    return LM_OK;
}

static lm_code parse_log(lm_l1_log *l, const json_t *o, lm_err *err)
{
    const char *w = "log";
    memset(l, 0, sizeof *l);
    if (!json_is_object(o))
        return lm_err_set(err, LM_EPROTO, "log: not an object");
    lm_code rc;
    if ((rc = lm_l1j_fixed(l->address, 20, o, "address", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&l->block_number, o, "blockNumber", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(l->block_hash, 32, o, "blockHash", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(l->tx_hash, 32, o, "transactionHash", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&l->tx_index, o, "transactionIndex", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&l->log_index, o, "logIndex", w, err)) != LM_OK)
        return rc;
    const json_t *topics = json_object_get(o, "topics");
    if (!json_is_array(topics) || json_array_size(topics) > 4)
        return lm_err_set(err, LM_EPROTO, "log.topics: not an array of at most 4");
    for (size_t i = 0; i < json_array_size(topics); i++) {
        const json_t *t = json_array_get(topics, i);
        if (!json_is_string(t) ||
            lm_hex_decode_exact(l->topics[i], 32, json_string_value(t), json_string_length(t),
                                LM_HEX_PREFIX_REQUIRED, NULL) != LM_OK)
            return lm_err_set(err, LM_EPROTO, "log.topics[%zu]: not 32 bytes of hex", i);
    }
    l->n_topics = (uint8_t)json_array_size(topics);
    const json_t *removed = json_object_get(o, "removed");
    if (removed && !json_is_boolean(removed))
        return lm_err_set(err, LM_EPROTO, "log.removed: not a boolean");
    l->removed = json_is_true(removed);
    return lm_l1j_bytes(&l->data, &l->data_len, json_object_get(o, "data"), "log.data", err);
}

lm_code lm_rpc_parse_logs(lm_l1_logs *logs, const json_t *arr, lm_err *err)
{
    if (!json_is_array(arr))
        return lm_err_set(err, LM_EPROTO, "logs: not an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        lm_l1_log l;
        lm_code rc = parse_log(&l, json_array_get(arr, i), err);
        if (rc == LM_OK)
            rc = logs_push(logs, &l, err);
        if (rc != LM_OK) {
            free(l.data);
            return rc;
        }
    }
    return LM_OK;
}

static json_t *filter_json(const lm_l1_log_filter *f, uint64_t from, uint64_t to)
{
    json_t *o =
        json_pack("{s:o, s:o}", "fromBlock", lm_l1j_quantity(from), "toBlock", lm_l1j_quantity(to));
    if (!o)
        return NULL;
    if (f->n_addresses) {
        json_t *a = json_array();
        for (size_t i = 0; a && i < f->n_addresses; i++)
            if (json_array_append_new(a, lm_l1j_data(f->addresses[i], 20)) != 0) {
                json_decref(a);
                a = NULL;
            }
        if (!a || json_object_set_new(o, "address", a) != 0)
            goto fail;
    }
    size_t last = 0; /* topics up to the last constrained position */
    for (size_t i = 0; i < 4; i++)
        if (f->n_topics[i])
            last = i + 1;
    if (last) {
        json_t *t = json_array();
        for (size_t i = 0; t && i < last; i++) {
            json_t *alt;
            if (f->n_topics[i] == 0) {
                alt = json_null();
            } else {
                alt = json_array();
                for (size_t j = 0; alt && j < f->n_topics[i]; j++)
                    if (json_array_append_new(alt, lm_l1j_data(f->topics[i][j], 32)) != 0) {
                        json_decref(alt);
                        alt = NULL;
                    }
            }
            if (json_array_append_new(t, alt) != 0) {
                json_decref(t);
                t = NULL;
            }
        }
        if (!t || json_object_set_new(o, "topics", t) != 0)
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

static lm_code logs_page(lm_rpc *rpc, lm_l1_logs *page, const lm_l1_log_filter *f, uint64_t from,
                         uint64_t to, lm_err *err)
{
    json_t *flt = filter_json(f, from, to);
    json_t *res;
    lm_code rc = call_params(rpc, &res, "eth_getLogs", flt ? json_pack("[o]", flt) : NULL, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_rpc_parse_logs(page, res, err);
    json_decref(res);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "eth_getLogs");
    for (size_t i = 0; i < page->len; i++) {
        uint64_t n = page->v[i].block_number;
        if (n < from || n > to)
            return lm_err_set(
                err, LM_EPROTO, "eth_getLogs: log in block %llu outside the range %llu..%llu",
                (unsigned long long)n, (unsigned long long)from, (unsigned long long)to);
        if (i &&
            (n < page->v[i - 1].block_number || (n == page->v[i - 1].block_number &&
                                                 page->v[i].log_index <= page->v[i - 1].log_index)))
            return lm_err_set(err, LM_EPROTO, "eth_getLogs: logs out of order at %zu", i);
    }
    return LM_OK;
}

bool lm_l1_contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Whether a failed page is the server saying "too much, ask for less".
 * EIP-1474 assigns -32005 to "limit exceeded"; providers word the rest
 * differently ("query returned more than 10000 results", "block range is
 * too wide", "exceed maximum block range", "response size exceeded"). */
static bool refused_as_too_big(const lm_rpc *rpc, lm_code rc)
{
    if (rc == LM_ETOOLARGE)
        return true;
    if (rc == LM_EHTTP)
        return rpc->fault.http_status == 413;
    if (rc != LM_ERPC)
        return false;
    if (rpc->fault.rpc_code == -32005)
        return true;
    static const char *const hints[] = {"more than", "too many",  "limit",    "range",
                                        "exceed",    "too large", "too wide", "response size"};
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
        if (lm_l1_contains_ci(rpc->fault.rpc_message, hints[i]))
            return true;
    return false;
}

lm_code lm_rpc_get_logs(lm_rpc *rpc, lm_l1_logs *logs, const lm_l1_log_filter *f, lm_err *err)
{
    if (f->from_block > f->to_block)
        return lm_err_set(err, LM_EINVAL, "eth_getLogs: from block %llu > to block %llu",
                          (unsigned long long)f->from_block, (unsigned long long)f->to_block);
    if (f->n_addresses && !f->addresses)
        return lm_err_set(err, LM_EINVAL, "eth_getLogs: addresses is NULL");
    for (size_t i = 0; i < 4; i++)
        if (f->n_topics[i] && !f->topics[i])
            return lm_err_set(err, LM_EINVAL, "eth_getLogs: topics[%zu] is NULL", i);
    const uint64_t max_span = rpc->opts.logs_max_range;
    uint64_t span = max_span;
    uint64_t cur = f->from_block;
    for (;;) {
        uint64_t end = f->to_block - cur < span ? f->to_block : cur + span - 1;
        lm_l1_logs page = {0};
        lm_code rc = logs_page(rpc, &page, f, cur, end, err);
        bool single = end == cur;
        bool over_cap = rc == LM_OK && page.len > rpc->opts.logs_page_cap;
        if ((rc != LM_OK && refused_as_too_big(rpc, rc) && !single) || (over_cap && !single)) {
            lm_l1_logs_free(&page);
            span = (end - cur + 1) / 2; /* >= 1 as the page held >= 2 blocks */
            continue;
        }
        if (rc != LM_OK) {
            lm_l1_logs_free(&page);
            return rc;
        }
        if (page.len > rpc->opts.logs_max_total - logs->len) {
            lm_l1_logs_free(&page);
            return lm_err_set(err, LM_ETOOLARGE, "eth_getLogs: more than %zu logs",
                              rpc->opts.logs_max_total);
        }
        for (size_t i = 0; i < page.len; i++) {
            rc = logs_push(logs, &page.v[i], err);
            if (rc != LM_OK) {
                for (size_t j = i; j < page.len; j++)
                    free(page.v[j].data);
                free(page.v);
                return rc;
            }
        }
        free(page.v); /* the data now belongs to logs */
        if (end == f->to_block)
            return LM_OK;
        cur = end + 1;
        /* after a split, grow back towards the full page size */
        span = span > max_span / 2 ? max_span : span * 2;
    }
}

/* ---- calls, estimates, fees --------------------------------------------- */

static json_t *call_msg_json(const lm_l1_call_msg *m)
{
    if (m->data_len && !m->data)
        return NULL;
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = 0;
    if (m->from)
        bad |= json_object_set_new(o, "from", lm_l1j_data(m->from, 20));
    if (m->to)
        bad |= json_object_set_new(o, "to", lm_l1j_data(m->to, 20));
    if (m->data_len)
        bad |= json_object_set_new(o, "data", lm_l1j_data(m->data, m->data_len));
    if (m->value)
        bad |= json_object_set_new(o, "value", lm_l1j_quantity256(m->value));
    if (m->gas)
        bad |= json_object_set_new(o, "gas", lm_l1j_quantity(m->gas));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

lm_code lm_rpc_eth_call(lm_rpc *rpc, uint8_t **out, size_t *out_len, const lm_l1_call_msg *msg,
                        lm_block_id id, lm_err *err)
{
    json_t *p = json_pack("[oo]", call_msg_json(msg), lm_l1j_block_id(id));
    json_t *res;
    lm_code rc = call_params(rpc, &res, "eth_call", p, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_l1j_bytes(out, out_len, res, "eth_call result", err);
    json_decref(res);
    return rc;
}

lm_code lm_rpc_estimate_gas(lm_rpc *rpc, uint64_t *gas, const lm_l1_call_msg *msg, lm_err *err)
{
    json_t *p = json_pack("[o]", call_msg_json(msg));
    return call_u64(rpc, gas, "eth_estimateGas", p, err);
}

lm_code lm_rpc_fee_history(lm_rpc *rpc, lm_l1_fee_history *fh, uint64_t block_count,
                           lm_block_id newest, const double *percentiles, size_t n_percentiles,
                           lm_err *err)
{
    const char *m = "eth_feeHistory";
    if (block_count < 1 || block_count > LM_FEE_HISTORY_MAX_BLOCKS ||
        n_percentiles > LM_FEE_HISTORY_MAX_PERCENTILES)
        return lm_err_set(err, LM_EINVAL, "%s: 1..%d blocks and at most %d percentiles", m,
                          LM_FEE_HISTORY_MAX_BLOCKS, LM_FEE_HISTORY_MAX_PERCENTILES);
    json_t *pct = json_array();
    for (size_t i = 0; pct && i < n_percentiles; i++) {
        if (!(percentiles[i] >= 0.0 && percentiles[i] <= 100.0) ||
            (i && percentiles[i] < percentiles[i - 1])) {
            json_decref(pct);
            return lm_err_set(err, LM_EINVAL, "%s: percentiles must ascend within 0..100", m);
        }
        if (json_array_append_new(pct, json_real(percentiles[i])) != 0) {
            json_decref(pct);
            pct = NULL;
        }
    }
    json_t *p =
        pct ? json_pack("[ooo]", lm_l1j_quantity(block_count), lm_l1j_block_id(newest), pct) : NULL;
    json_t *res;
    lm_code rc = call_params(rpc, &res, m, p, err);
    if (rc != LM_OK)
        return rc;
    lm_l1_fee_history t;
    memset(&t, 0, sizeof t);
    const json_t *bf = json_object_get(res, "baseFeePerGas");
    const json_t *ratio = json_object_get(res, "gasUsedRatio");
    const json_t *reward = json_object_get(res, "reward");
    if (!json_is_object(res)) {
        rc = lm_err_set(err, LM_EPROTO, "%s: result is not an object", m);
        goto out;
    }
    if ((rc = lm_l1j_u64(&t.oldest_block, res, "oldestBlock", m, err)) != LM_OK)
        goto out;
    size_t n = json_array_size(ratio);
    if (!json_is_array(ratio) || n > block_count || !json_is_array(bf) ||
        json_array_size(bf) != n + 1) {
        rc = lm_err_set(err, LM_EPROTO, "%s: gasUsedRatio/baseFeePerGas of wrong sizes", m);
        goto out;
    }
    t.n_blocks = n;
    t.n_percentiles = n_percentiles;
    for (size_t i = 0; i <= n; i++) {
        const json_t *v = json_array_get(bf, i);
        if (!json_is_string(v) || lm_rpc_parse_u256(&t.base_fee[i], json_string_value(v),
                                                    json_string_length(v), err) != LM_OK) {
            rc = lm_err_set(err, LM_EPROTO, "%s: baseFeePerGas[%zu] is not a quantity", m, i);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(ratio, i);
        if (!json_is_number(v) || json_number_value(v) < 0.0 || json_number_value(v) > 1.0) {
            rc = lm_err_set(err, LM_EPROTO, "%s: gasUsedRatio[%zu] is not in [0, 1]", m, i);
            goto out;
        }
        t.gas_used_ratio[i] = json_number_value(v);
    }
    if (n_percentiles) {
        if (!json_is_array(reward) || json_array_size(reward) != n) {
            rc = lm_err_set(err, LM_EPROTO, "%s: reward has the wrong size", m);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            const json_t *row = json_array_get(reward, i);
            if (!json_is_array(row) || json_array_size(row) != n_percentiles) {
                rc = lm_err_set(err, LM_EPROTO, "%s: reward[%zu] has the wrong size", m, i);
                goto out;
            }
            for (size_t j = 0; j < n_percentiles; j++) {
                const json_t *v = json_array_get(row, j);
                if (!json_is_string(v) || lm_rpc_parse_u256(&t.reward[i][j], json_string_value(v),
                                                            json_string_length(v), err) != LM_OK) {
                    rc = lm_err_set(err, LM_EPROTO, "%s: reward[%zu][%zu] is not a quantity", m, i,
                                    j);
                    goto out;
                }
            }
        }
    }
    *fh = t;
out:
    json_decref(res);
    return rc;
}

/* ---- transactions ------------------------------------------------------- */

lm_code lm_rpc_send_raw_transaction(lm_rpc *rpc, uint8_t hash[32], const uint8_t *raw,
                                    size_t raw_len, lm_err *err)
{
    json_t *res;
    json_t *p = json_pack("[o]", lm_l1j_data(raw, raw_len));
    lm_code rc = call_params(rpc, &res, "eth_sendRawTransaction", p, err);
    if (rc != LM_OK)
        return rc;
    if (!json_is_string(res) ||
        lm_hex_decode_exact(hash, 32, json_string_value(res), json_string_length(res),
                            LM_HEX_PREFIX_REQUIRED, NULL) != LM_OK)
        rc = lm_err_set(err, LM_EPROTO, "eth_sendRawTransaction: result is not a 32-byte hash");
    json_decref(res);
    return rc;
}

void lm_l1_receipt_free(lm_l1_receipt *r)
{
    lm_l1_logs_free(&r->logs);
}

lm_code lm_rpc_parse_receipt(lm_l1_receipt *r, const json_t *o, lm_err *err)
{
    lm_l1_receipt t;
    memset(&t, 0, sizeof t);
    const char *w = "receipt";
    uint64_t status = 0, type = 0;
    bool has_type;
    lm_code rc;
    if (!json_is_object(o))
        return lm_err_set(err, LM_EPROTO, "receipt: not an object");
    if ((rc = lm_l1j_fixed(t.tx_hash, 32, o, "transactionHash", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(t.block_hash, 32, o, "blockHash", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.block_number, o, "blockNumber", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.tx_index, o, "transactionIndex", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&status, o, "status", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.gas_used, o, "gasUsed", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.cumulative_gas_used, o, "cumulativeGasUsed", w, err)) != LM_OK ||
        (rc = lm_l1j_u256(&t.effective_gas_price, o, "effectiveGasPrice", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(t.from, 20, o, "from", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed_opt(t.to, 20, &t.has_to, o, "to", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed_opt(t.contract_address, 20, &t.has_contract_address, o,
                               "contractAddress", w, err)) != LM_OK ||
        (rc = lm_l1j_u64_opt(&type, &has_type, o, "type", w, err)) != LM_OK)
        return rc;
    /* EIP-658: "status ... either 1 (success) or 0 (failure)" */
    if (status > 1 || type > 0xff)
        return lm_err_set(err, LM_EPROTO, "receipt: status %llu or type %llu out of range",
                          (unsigned long long)status, (unsigned long long)type);
    t.status = status == 1;
    t.type = (uint8_t)type;
    if ((rc = lm_rpc_parse_logs(&t.logs, json_object_get(o, "logs"), err)) != LM_OK) {
        lm_l1_logs_free(&t.logs);
        return lm_err_wrap(err, rc, "receipt");
    }
    *r = t;
    return LM_OK;
}

lm_code lm_rpc_get_receipt(lm_rpc *rpc, lm_l1_receipt *r, const uint8_t hash[32], lm_err *err)
{
    const char *m = "eth_getTransactionReceipt";
    json_t *res;
    lm_code rc = call_params(rpc, &res, m, json_pack("[o]", lm_l1j_data(hash, 32)), err);
    if (rc != LM_OK)
        return rc;
    lm_l1_receipt t;
    if (json_is_null(res))
        rc = lm_err_set(err, LM_ENOTFOUND, "%s: no receipt (not mined)", m);
    else if ((rc = lm_rpc_parse_receipt(&t, res, err)) != LM_OK)
        lm_err_wrap(err, rc, m);
    else if (memcmp(t.tx_hash, hash, 32) != 0) {
        lm_l1_receipt_free(&t);
        rc = lm_err_set(err, LM_EPROTO, "%s: receipt of another transaction", m);
    } else
        *r = t;
    json_decref(res);
    return rc;
}

void lm_l1_tx_info_free(lm_l1_tx_info *t)
{
    free(t->input);
    t->input = NULL;
    t->input_len = 0;
}

lm_code lm_rpc_parse_tx(lm_l1_tx_info *out, const json_t *o, lm_err *err)
{
    lm_l1_tx_info t;
    memset(&t, 0, sizeof t);
    const char *w = "transaction";
    uint64_t type = 0;
    bool has, has_hash, has_index;
    lm_code rc;
    if (!json_is_object(o))
        return lm_err_set(err, LM_EPROTO, "transaction: not an object");
    if ((rc = lm_l1j_fixed(t.hash, 32, o, "hash", w, err)) != LM_OK ||
        (rc = lm_l1j_u64_opt(&type, &has, o, "type", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.nonce, o, "nonce", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed(t.from, 20, o, "from", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed_opt(t.to, 20, &t.has_to, o, "to", w, err)) != LM_OK ||
        (rc = lm_l1j_u256(&t.value, o, "value", w, err)) != LM_OK ||
        (rc = lm_l1j_u64(&t.gas, o, "gas", w, err)) != LM_OK ||
        (rc = lm_l1j_u256_opt(&t.gas_price, &has, o, "gasPrice", w, err)) != LM_OK ||
        (rc = lm_l1j_u256_opt(&t.max_fee_per_gas, &has, o, "maxFeePerGas", w, err)) != LM_OK ||
        (rc = lm_l1j_u256_opt(&t.max_priority_fee_per_gas, &has, o, "maxPriorityFeePerGas", w,
                              err)) != LM_OK ||
        (rc = lm_l1j_u64_opt(&t.block_number, &t.mined, o, "blockNumber", w, err)) != LM_OK ||
        (rc = lm_l1j_fixed_opt(t.block_hash, 32, &has_hash, o, "blockHash", w, err)) != LM_OK ||
        (rc = lm_l1j_u64_opt(&t.tx_index, &has_index, o, "transactionIndex", w, err)) != LM_OK)
        return rc;
    if (type > 0xff || has_hash != t.mined || has_index != t.mined)
        return lm_err_set(err, LM_EPROTO, "transaction: bad type or inconsistent block fields");
    t.type = (uint8_t)type;
    rc =
        lm_l1j_bytes(&t.input, &t.input_len, json_object_get(o, "input"), "transaction.input", err);
    if (rc != LM_OK)
        return rc;
    *out = t;
    return LM_OK;
}

lm_code lm_rpc_get_transaction(lm_rpc *rpc, lm_l1_tx_info *out, const uint8_t hash[32], lm_err *err)
{
    const char *m = "eth_getTransactionByHash";
    json_t *res;
    lm_code rc = call_params(rpc, &res, m, json_pack("[o]", lm_l1j_data(hash, 32)), err);
    if (rc != LM_OK)
        return rc;
    lm_l1_tx_info t;
    if (json_is_null(res))
        rc = lm_err_set(err, LM_ENOTFOUND, "%s: unknown transaction", m);
    else if ((rc = lm_rpc_parse_tx(&t, res, err)) != LM_OK)
        lm_err_wrap(err, rc, m);
    else if (memcmp(t.hash, hash, 32) != 0) {
        lm_l1_tx_info_free(&t);
        rc = lm_err_set(err, LM_EPROTO, "%s: another transaction was returned", m);
    } else
        *out = t;
    json_decref(res);
    return rc;
}
