/* Fuzz target: lamina/rlp.h.
 *
 * Any input either is refused with an error code and a message, or is one
 * canonical RLP item; then re-encoding the decoded tree with the writer must
 * give back exactly the input (RLP has one encoding per value), the size
 * functions must predict that length, and every integer view of a string
 * item must re-encode to that item. A plain cursor walk over the raw input
 * must never crash. Mismatches abort(), so the fuzzer reports them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/rlp.h"

static const lm_rlp_limits limits = {1u << 20, 16};

static size_t reenc_size(const lm_rlp_item *it)
{
    if (it->kind == LM_RLP_BYTES)
        return lm_rlp_bytes_size(it->payload, it->payload_len);
    lm_rlp_cursor c;
    lm_rlp_item child;
    if (lm_rlp_cursor_list(&c, it, &limits, NULL) != LM_OK)
        abort(); /* lm_rlp_decode checked the whole tree */
    size_t payload = 0;
    while (!lm_rlp_cursor_done(&c)) {
        if (lm_rlp_next(&c, &child, NULL) != LM_OK)
            abort();
        payload += reenc_size(&child);
    }
    return lm_rlp_list_size(payload);
}

static void check_int_views(const lm_rlp_item *it)
{
    uint8_t buf[40];
    lm_rlp_writer w;
    uint64_t v;
    lm_u256 u;
    lm_err err;
    if (lm_rlp_item_uint64(&v, it, &err) == LM_OK) {
        lm_rlp_writer_init(&w, buf, sizeof buf);
        lm_rlp_put_uint64(&w, v);
        if (w.overflow || w.len != it->raw_len || memcmp(buf, it->raw, w.len) != 0)
            abort();
    } else if (err.code != LM_EOVERFLOW && err.code != LM_ENONCANON) {
        abort();
    }
    if (lm_rlp_item_u256(&u, it, &err) == LM_OK) {
        lm_rlp_writer_init(&w, buf, sizeof buf);
        lm_rlp_put_u256(&w, &u);
        if (w.overflow || w.len != it->raw_len || memcmp(buf, it->raw, w.len) != 0 ||
            lm_rlp_u256_size(&u) != it->raw_len)
            abort();
    }
}

static void reenc(lm_rlp_writer *w, const lm_rlp_item *it)
{
    if (it->kind == LM_RLP_BYTES) {
        check_int_views(it);
        lm_rlp_put_bytes(w, it->payload, it->payload_len);
        return;
    }
    lm_rlp_cursor c;
    lm_rlp_item child;
    if (lm_rlp_cursor_list(&c, it, &limits, NULL) != LM_OK)
        abort();
    size_t payload = reenc_size(it) - lm_rlp_header_size(it->payload_len);
    if (payload != it->payload_len)
        abort();
    lm_rlp_put_list(w, payload);
    while (!lm_rlp_cursor_done(&c)) {
        if (lm_rlp_next(&c, &child, NULL) != LM_OK)
            abort();
        reenc(w, &child);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* loose walk: the cursor alone, item by item, at the top level */
    lm_rlp_cursor c = {data, size, 0, limits};
    lm_rlp_item it;
    lm_err err;
    while (!lm_rlp_cursor_done(&c)) {
        const uint8_t *before = c.p;
        if (lm_rlp_next(&c, &it, &err) != LM_OK) {
            if (c.p != before || err.msg[0] == '\0')
                abort();
            break;
        }
        if (it.raw != before || it.raw_len == 0 || it.payload < it.raw ||
            it.payload + it.payload_len != it.raw + it.raw_len)
            abort();
    }

    lm_rlp_item top;
    lm_code rc = lm_rlp_decode(&top, data, size, &limits, &err);
    if (rc != LM_OK) {
        if (err.code != rc || err.msg[0] == '\0')
            abort();
        return 0;
    }
    size_t n = reenc_size(&top);
    if (n != size)
        abort();
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    lm_rlp_writer w;
    lm_rlp_writer_init(&w, buf, n);
    reenc(&w, &top);
    size_t len;
    if (lm_rlp_writer_finish(&w, &len, &err) != LM_OK || len != size || memcmp(buf, data, size) != 0)
        abort();
    free(buf);
    return 0;
}
