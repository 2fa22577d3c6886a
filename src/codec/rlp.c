/* RLP encoding and strict zero-copy decoding. See include/lamina/rlp.h.
 *
 * Yellow Paper, appendix B:
 *   "If the byte array contains solely a single byte and that single byte
 *    is less than 128, then the input is exactly equal to the output.
 *    If the byte array contains fewer than 56 bytes, then the output is
 *    equal to the input prefixed by the byte equal to the length of the
 *    byte array plus 128.
 *    Otherwise, the output is equal to the input, provided that it contains
 *    fewer than 2^64 bytes, prefixed by the minimal-length byte array which
 *    when interpreted as a big-endian integer is equal to the length of the
 *    input byte array, which is itself prefixed by the number of bytes
 *    required to faithfully encode this length value plus 183."
 * Lists use 192 and 247 in place of 128 and 183, over the concatenated
 * encodings of their items. Integers are "the shortest byte array whose
 * big-endian interpretation is the scalar", zero being the empty array. */
#include "lamina/rlp.h"

#include <stdio.h>
#include <string.h>

#define SHORT_MAX 55 /* payloads up to this length use the one-byte header */

/* ---- sizes ------------------------------------------------------------- */

static size_t be_bytes(uint64_t v)
{
    size_t n = 0;
    while (v) {
        n++;
        v >>= 8;
    }
    return n;
}

static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

size_t lm_rlp_header_size(size_t payload_len)
{
    return payload_len <= SHORT_MAX ? 1 : 1 + be_bytes((uint64_t)payload_len);
}

size_t lm_rlp_bytes_size(const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80)
        return 1;
    return sat_add(lm_rlp_header_size(len), len);
}

size_t lm_rlp_uint64_size(uint64_t v) { return v < 0x80 ? 1 : 1 + be_bytes(v); }

size_t lm_rlp_u256_size(const lm_u256 *v)
{
    size_t n = lm_u256_be_len(v);
    if (n == 0 || (n == 1 && v->w[0] < 0x80))
        return 1;
    return 1 + n; /* n <= 32 < 56 */
}

size_t lm_rlp_list_size(size_t payload_len)
{
    return sat_add(lm_rlp_header_size(payload_len), payload_len);
}

/* ---- writer ------------------------------------------------------------ */

void lm_rlp_writer_init(lm_rlp_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

static void emit(lm_rlp_writer *w, const uint8_t *p, size_t n)
{
    if (w->overflow || n == 0)
        return;
    if (n > SIZE_MAX - w->len || (w->buf && w->len + n > w->cap)) {
        w->overflow = true;
        return;
    }
    if (w->buf)
        memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void emit_header(lm_rlp_writer *w, uint8_t short_base, size_t len)
{
    uint8_t h[9];
    if (len <= SHORT_MAX) {
        h[0] = (uint8_t)(short_base + len);
        emit(w, h, 1);
        return;
    }
    size_t n = be_bytes((uint64_t)len);
    h[0] = (uint8_t)(short_base + SHORT_MAX + n); /* 0xb7 + n or 0xf7 + n */
    for (size_t i = 0; i < n; i++)
        h[1 + i] = (uint8_t)((uint64_t)len >> (8 * (n - 1 - i)));
    emit(w, h, 1 + n);
}

void lm_rlp_put_bytes(lm_rlp_writer *w, const uint8_t *data, size_t len)
{
    if (len == 1 && data[0] < 0x80) {
        emit(w, data, 1);
        return;
    }
    emit_header(w, 0x80, len);
    emit(w, data, len);
}

void lm_rlp_put_uint64(lm_rlp_writer *w, uint64_t v)
{
    uint8_t be[8];
    size_t n = be_bytes(v);
    for (size_t i = 0; i < n; i++)
        be[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    lm_rlp_put_bytes(w, be, n);
}

void lm_rlp_put_u256(lm_rlp_writer *w, const lm_u256 *v)
{
    uint8_t be[32];
    size_t n = lm_u256_to_be_min(be, v);
    lm_rlp_put_bytes(w, be, n);
}

void lm_rlp_put_list(lm_rlp_writer *w, size_t payload_len) { emit_header(w, 0xc0, payload_len); }

void lm_rlp_put_raw(lm_rlp_writer *w, const uint8_t *enc, size_t len) { emit(w, enc, len); }

lm_code lm_rlp_writer_finish(const lm_rlp_writer *w, size_t *out_len, lm_err *err)
{
    if (w->overflow)
        return lm_err_set(err, LM_ESPACE, "rlp: output buffer of %zu bytes too small", w->cap);
    if (out_len)
        *out_len = w->len;
    return LM_OK;
}

/* ---- decoder ----------------------------------------------------------- */

static const lm_rlp_limits default_limits = {LM_RLP_DEFAULT_MAX_LEN, LM_RLP_DEFAULT_MAX_DEPTH};

static lm_rlp_limits effective_limits(const lm_rlp_limits *l)
{
    lm_rlp_limits r = l ? *l : default_limits;
    if (r.max_depth > LM_RLP_MAX_DEPTH_LIMIT)
        r.max_depth = LM_RLP_MAX_DEPTH_LIMIT;
    return r;
}

/* Reads one item's header at p[0..left). Checks the header is canonical,
 * the length is within the cap and the payload within p[0..left). */
static lm_code read_item(lm_rlp_item *it, const uint8_t *p, size_t left, unsigned depth,
                         const lm_rlp_limits *lim, lm_err *err)
{
    if (left == 0)
        return lm_err_set(err, LM_ETRUNC, "rlp: input ended where an item was expected");
    uint8_t b = p[0];
    lm_rlp_item r = {.depth = depth, .raw = p};
    if (b < 0x80) {
        r.kind = LM_RLP_BYTES;
        r.payload = p;
        r.payload_len = 1;
        r.raw_len = 1;
        *it = r;
        return LM_OK;
    }
    r.kind = b < 0xc0 ? LM_RLP_BYTES : LM_RLP_LIST;
    uint8_t base = r.kind == LM_RLP_BYTES ? 0x80 : 0xc0;
    const char *what = r.kind == LM_RLP_BYTES ? "string" : "list";
    size_t hlen;
    uint64_t len;
    if (b <= base + SHORT_MAX) {
        hlen = 1;
        len = (uint64_t)(b - base);
    } else {
        size_t lenlen = (size_t)(b - base - SHORT_MAX); /* 1..8 */
        hlen = 1 + lenlen;
        if (left < hlen)
            return lm_err_set(err, LM_ETRUNC, "rlp: %s length of %zu bytes cut short", what, lenlen);
        if (p[1] == 0)
            return lm_err_set(err, LM_ENONCANON, "rlp: %s length has a leading zero byte", what);
        len = 0;
        for (size_t i = 0; i < lenlen; i++)
            len = len << 8 | p[1 + i];
        if (len <= SHORT_MAX)
            return lm_err_set(err, LM_ENONCANON,
                              "rlp: long form used for a %s of length %u < 56", what, (unsigned)len);
    }
    if (len > (uint64_t)lim->max_len)
        return lm_err_set(err, LM_ETOOLARGE, "rlp: %s length %llu exceeds the cap of %zu", what,
                          (unsigned long long)len, lim->max_len);
    if (len > (uint64_t)(left - hlen))
        return lm_err_set(err, LM_ETRUNC, "rlp: %s declares %llu bytes but only %zu remain", what,
                          (unsigned long long)len, left - hlen);
    if (r.kind == LM_RLP_BYTES && len == 1 && p[1] < 0x80)
        return lm_err_set(err, LM_ENONCANON,
                          "rlp: single byte 0x%02x must be encoded as itself, not with 0x81",
                          p[1]);
    r.payload = p + hlen;
    r.payload_len = (size_t)len;
    r.raw_len = hlen + (size_t)len;
    *it = r;
    return LM_OK;
}

static lm_code enter_list(lm_rlp_cursor *c, const lm_rlp_item *it, const lm_rlp_limits *lim,
                          lm_err *err)
{
    if (it->kind != LM_RLP_LIST)
        return lm_err_set(err, LM_EINVAL, "rlp: expected a list, found a byte string");
    if (it->depth + 1 > lim->max_depth)
        return lm_err_set(err, LM_ETOOLARGE, "rlp: lists nested deeper than %u", lim->max_depth);
    c->p = it->payload;
    c->left = it->payload_len;
    c->depth = it->depth + 1;
    c->limits = *lim;
    return LM_OK;
}

/* Checks every item under a list. Recursion depth is bounded by
 * limits.max_depth <= LM_RLP_MAX_DEPTH_LIMIT. */
static lm_code check_tree(const lm_rlp_item *it, const uint8_t *base, const lm_rlp_limits *lim,
                          lm_err *err)
{
    if (it->kind != LM_RLP_LIST)
        return LM_OK;
    lm_rlp_cursor c;
    lm_code rc = enter_list(&c, it, lim, err);
    if (rc != LM_OK)
        return rc;
    while (c.left) {
        lm_rlp_item child;
        size_t off = (size_t)(c.p - base);
        rc = lm_rlp_next(&c, &child, err);
        if (rc != LM_OK) {
            char where[40];
            snprintf(where, sizeof where, "at offset %zu", off);
            return lm_err_wrap(err, rc, where);
        }
        rc = check_tree(&child, base, lim, err);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

lm_code lm_rlp_decode(lm_rlp_item *top, const uint8_t *data, size_t len,
                      const lm_rlp_limits *limits, lm_err *err)
{
    lm_rlp_limits lim = effective_limits(limits);
    lm_rlp_item it;
    lm_code rc = read_item(&it, data, len, 0, &lim, err);
    if (rc != LM_OK)
        return rc;
    if (it.raw_len != len)
        return lm_err_set(err, LM_ETRAILING, "rlp: %zu trailing byte(s) after the top item", len - it.raw_len);
    rc = check_tree(&it, data, &lim, err);
    if (rc != LM_OK)
        return rc;
    *top = it;
    return LM_OK;
}

lm_code lm_rlp_cursor_list(lm_rlp_cursor *c, const lm_rlp_item *it, const lm_rlp_limits *limits,
                           lm_err *err)
{
    lm_rlp_limits lim = effective_limits(limits);
    return enter_list(c, it, &lim, err);
}

lm_code lm_rlp_next(lm_rlp_cursor *c, lm_rlp_item *it, lm_err *err)
{
    lm_rlp_item r;
    lm_code rc = read_item(&r, c->p, c->left, c->depth, &c->limits, err);
    if (rc != LM_OK)
        return rc;
    c->p += r.raw_len;
    c->left -= r.raw_len;
    *it = r;
    return LM_OK;
}

lm_code lm_rlp_cursor_end(const lm_rlp_cursor *c, lm_err *err)
{
    if (c->left)
        return lm_err_set(err, LM_ETRAILING, "rlp: list has %zu more bytes than expected", c->left);
    return LM_OK;
}

/* ---- typed views --------------------------------------------------------- */

static lm_code want_bytes(const lm_rlp_item *it, lm_err *err)
{
    if (it->kind != LM_RLP_BYTES)
        return lm_err_set(err, LM_EINVAL, "rlp: expected a byte string, found a list");
    return LM_OK;
}

/* An integer's payload: minimal big-endian, at most max bytes. */
static lm_code check_int(const lm_rlp_item *it, size_t max, lm_err *err)
{
    lm_code rc = want_bytes(it, err);
    if (rc != LM_OK)
        return rc;
    if (it->payload_len > 0 && it->payload[0] == 0)
        return lm_err_set(err, LM_ENONCANON, "rlp: integer with a leading zero byte");
    if (it->payload_len > max)
        return lm_err_set(err, LM_EOVERFLOW, "rlp: integer of %zu bytes exceeds %zu",
                          it->payload_len, max);
    return LM_OK;
}

lm_code lm_rlp_item_uint64(uint64_t *out, const lm_rlp_item *it, lm_err *err)
{
    lm_code rc = check_int(it, 8, err);
    if (rc != LM_OK)
        return rc;
    uint64_t v = 0;
    for (size_t i = 0; i < it->payload_len; i++)
        v = v << 8 | it->payload[i];
    *out = v;
    return LM_OK;
}

lm_code lm_rlp_item_u256(lm_u256 *out, const lm_rlp_item *it, lm_err *err)
{
    lm_code rc = check_int(it, 32, err);
    if (rc != LM_OK)
        return rc;
    if (!lm_u256_from_be(out, it->payload, it->payload_len))
        return lm_err_set(err, LM_EOVERFLOW, "rlp: integer too wide"); /* not reached */
    return LM_OK;
}

lm_code lm_rlp_item_bytes(const uint8_t **data, size_t *len, const lm_rlp_item *it, lm_err *err)
{
    lm_code rc = want_bytes(it, err);
    if (rc != LM_OK)
        return rc;
    *data = it->payload;
    *len = it->payload_len;
    return LM_OK;
}

lm_code lm_rlp_item_bytes_exact(uint8_t *out, size_t n, const lm_rlp_item *it, lm_err *err)
{
    lm_code rc = want_bytes(it, err);
    if (rc != LM_OK)
        return rc;
    if (it->payload_len != n)
        return lm_err_set(err, LM_EINVAL, "rlp: expected %zu bytes, found %zu", n, it->payload_len);
    if (n)
        memcpy(out, it->payload, n);
    return LM_OK;
}

/* ---- cursor helpers ------------------------------------------------------ */

lm_code lm_rlp_decode_uint64(lm_rlp_cursor *c, uint64_t *out, lm_err *err)
{
    lm_rlp_cursor save = *c;
    lm_rlp_item it;
    lm_code rc = lm_rlp_next(c, &it, err);
    if (rc == LM_OK)
        rc = lm_rlp_item_uint64(out, &it, err);
    if (rc != LM_OK)
        *c = save;
    return rc;
}

lm_code lm_rlp_decode_u256(lm_rlp_cursor *c, lm_u256 *out, lm_err *err)
{
    lm_rlp_cursor save = *c;
    lm_rlp_item it;
    lm_code rc = lm_rlp_next(c, &it, err);
    if (rc == LM_OK)
        rc = lm_rlp_item_u256(out, &it, err);
    if (rc != LM_OK)
        *c = save;
    return rc;
}

lm_code lm_rlp_decode_bytes(lm_rlp_cursor *c, const uint8_t **data, size_t *len, lm_err *err)
{
    lm_rlp_cursor save = *c;
    lm_rlp_item it;
    lm_code rc = lm_rlp_next(c, &it, err);
    if (rc == LM_OK)
        rc = lm_rlp_item_bytes(data, len, &it, err);
    if (rc != LM_OK)
        *c = save;
    return rc;
}

lm_code lm_rlp_decode_bytes_exact(lm_rlp_cursor *c, uint8_t *out, size_t n, lm_err *err)
{
    lm_rlp_cursor save = *c;
    lm_rlp_item it;
    lm_code rc = lm_rlp_next(c, &it, err);
    if (rc == LM_OK)
        rc = lm_rlp_item_bytes_exact(out, n, &it, err);
    if (rc != LM_OK)
        *c = save;
    return rc;
}

lm_code lm_rlp_decode_list(lm_rlp_cursor *c, lm_rlp_cursor *child, lm_err *err)
{
    lm_rlp_cursor save = *c;
    lm_rlp_item it;
    lm_code rc = lm_rlp_next(c, &it, err);
    if (rc == LM_OK)
        rc = enter_list(child, &it, &c->limits, err);
    if (rc != LM_OK)
        *c = save;
    return rc;
}
