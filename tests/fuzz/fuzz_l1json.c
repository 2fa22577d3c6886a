/* Fuzz target: the strict JSON-RPC value parsers of the L1 client
 * (lamina/l1_rpc.h): QUANTITY text, and block headers, receipts,
 * transactions and log lists as JSON.
 *
 * Any input is either refused with an error code and a message, or parsed;
 * nothing crashes or leaks. A QUANTITY has one canonical text, so a parsed
 * one must format back to exactly the input, lowercased. A parsed object
 * is freed with its free function (ASan catches leaks and double frees).
 * Mismatches abort(). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lamina/l1_rpc.h"

static bool same_lower(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = b[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (a[i] != c)
            return false;
    }
    return true;
}

static void check_quantity(const char *text, size_t len)
{
    uint64_t v;
    lm_err err;
    if (lm_rpc_parse_u64(&v, text, len, &err) == LM_OK) {
        char buf[19];
        size_t n = lm_rpc_format_u64(buf, v);
        if (n != len || !same_lower(buf, text, len))
            abort();
    } else if (err.code != LM_EPROTO || err.msg[0] == '\0') {
        abort();
    }
    lm_u256 u;
    if (lm_rpc_parse_u256(&u, text, len, &err) == LM_OK) {
        char buf[LM_U256_HEX_BUF];
        size_t n = lm_u256_to_hex(buf, &u, true);
        if (n != len || !same_lower(buf, text, len))
            abort();
    } else if (err.code != LM_EPROTO) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size <= 80)
        check_quantity((const char *)data, size);
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j)
        return 0;
    lm_err err;
    if (json_is_string(j))
        check_quantity(json_string_value(j), json_string_length(j));
    lm_l1_header h;
    const json_t *bf = json_object_get(j, "baseFeePerGas");
    if (lm_rpc_parse_header(&h, j, &err) == LM_OK && h.has_base_fee != (bf && !json_is_null(bf)))
        abort();
    lm_l1_receipt r;
    if (lm_rpc_parse_receipt(&r, j, &err) == LM_OK)
        lm_l1_receipt_free(&r);
    lm_l1_tx_info t;
    if (lm_rpc_parse_tx(&t, j, &err) == LM_OK) {
        if (t.input_len && !t.input)
            abort();
        lm_l1_tx_info_free(&t);
    }
    lm_l1_logs logs = {0};
    if (lm_rpc_parse_logs(&logs, j, &err) == LM_OK && logs.len != json_array_size(j))
        abort();
    lm_l1_logs_free(&logs);
    json_decref(j);
    return 0;
}
