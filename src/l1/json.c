/* Strict JSON-RPC value parsing: QUANTITY and DATA (execution-apis,
 * "Value encoding"), and request parameter encoding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/bytes.h"
#include "l1_internal.h"

/* execution-apis: "When encoding quantities (integers, numbers): encode as
 * hex, prefix with "0x", the most compact representation (slight exception:
 * zero should be represented as "0x0")." — so "0x", "0x00", "0x0400" and
 * "ff" are all invalid. */
static lm_code quantity_digits(const char *t, size_t len, size_t max_digits, lm_err *err)
{
    if (len < 2 || t[0] != '0' || t[1] != 'x')
        return lm_err_set(err, LM_EPROTO, "quantity: missing 0x prefix");
    if (len == 2)
        return lm_err_set(err, LM_EPROTO, "quantity: no digits");
    if (t[2] == '0' && len > 3)
        return lm_err_set(err, LM_EPROTO, "quantity: leading zero");
    if (len - 2 > max_digits)
        return lm_err_set(err, LM_EPROTO, "quantity: %zu digits do not fit in %zu bits", len - 2,
                          max_digits * 4);
    for (size_t i = 2; i < len; i++) {
        char c = t[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return lm_err_set(err, LM_EPROTO, "quantity: bad digit at offset %zu", i);
    }
    return LM_OK;
}

lm_code lm_rpc_parse_u64(uint64_t *out, const char *text, size_t len, lm_err *err)
{
    lm_code rc = quantity_digits(text, len, 16, err);
    if (rc != LM_OK)
        return rc;
    uint64_t v = 0;
    for (size_t i = 2; i < len; i++) {
        char c = text[i];
        unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        v = v << 4 | d;
    }
    *out = v;
    return LM_OK;
}

lm_code lm_rpc_parse_u256(lm_u256 *out, const char *text, size_t len, lm_err *err)
{
    lm_code rc = quantity_digits(text, len, 64, err);
    if (rc != LM_OK)
        return rc;
    lm_u256 v;
    if (lm_u256_from_hex(&v, text, len, LM_HEX_PREFIX_REQUIRED, err) != LM_OK)
        return lm_err_set(err, LM_EPROTO, "quantity: not a 256-bit number");
    *out = v;
    return LM_OK;
}

size_t lm_rpc_format_u64(char out[19], uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++)
        out[2 + i] = tmp[n - 1 - i];
    out[2 + n] = '\0';
    return 2 + n;
}

/* ---- field readers ------------------------------------------------------ */

static lm_code field_str(const char **s, size_t *len, bool *present, const json_t *o,
                         const char *key, const char *what, lm_err *err)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (present) {
            *present = false;
            return LM_OK;
        }
        return lm_err_set(err, LM_EPROTO, "%s.%s: missing", what, key);
    }
    if (!json_is_string(v))
        return lm_err_set(err, LM_EPROTO, "%s.%s: not a string", what, key);
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (present)
        *present = true;
    return LM_OK;
}

static lm_code wrap(lm_err *err, lm_code rc, const char *what, const char *key)
{
    if (err) {
        char prefix[96];
        snprintf(prefix, sizeof prefix, "%s.%s", what, key);
        lm_err_wrap(err, rc, prefix);
    }
    return rc;
}

lm_code lm_l1j_u64_opt(uint64_t *out, bool *present, const json_t *o, const char *key,
                       const char *what, lm_err *err)
{
    const char *s = NULL;
    size_t n = 0;
    lm_code rc = field_str(&s, &n, present, o, key, what, err);
    if (rc != LM_OK || (present && !*present))
        return rc;
    rc = lm_rpc_parse_u64(out, s, n, err);
    return rc == LM_OK ? rc : wrap(err, rc, what, key);
}

lm_code lm_l1j_u64(uint64_t *out, const json_t *o, const char *key, const char *what, lm_err *err)
{
    return lm_l1j_u64_opt(out, NULL, o, key, what, err);
}

lm_code lm_l1j_u256_opt(lm_u256 *out, bool *present, const json_t *o, const char *key,
                        const char *what, lm_err *err)
{
    const char *s = NULL;
    size_t n = 0;
    lm_code rc = field_str(&s, &n, present, o, key, what, err);
    if (rc != LM_OK || (present && !*present))
        return rc;
    rc = lm_rpc_parse_u256(out, s, n, err);
    return rc == LM_OK ? rc : wrap(err, rc, what, key);
}

lm_code lm_l1j_u256(lm_u256 *out, const json_t *o, const char *key, const char *what, lm_err *err)
{
    return lm_l1j_u256_opt(out, NULL, o, key, what, err);
}

lm_code lm_l1j_fixed_opt(uint8_t *out, size_t n, bool *present, const json_t *o, const char *key,
                         const char *what, lm_err *err)
{
    const char *s = NULL;
    size_t len = 0;
    lm_code rc = field_str(&s, &len, present, o, key, what, err);
    if (rc != LM_OK || (present && !*present))
        return rc;
    if (lm_hex_decode_exact(out, n, s, len, LM_HEX_PREFIX_REQUIRED, err) != LM_OK)
        return lm_err_set(err, LM_EPROTO, "%s.%s: not %zu bytes of 0x-hex", what, key, n);
    return LM_OK;
}

lm_code lm_l1j_fixed(uint8_t *out, size_t n, const json_t *o, const char *key, const char *what,
                     lm_err *err)
{
    return lm_l1j_fixed_opt(out, n, NULL, o, key, what, err);
}

lm_code lm_l1j_bytes(uint8_t **out, size_t *out_len, const json_t *v, const char *what, lm_err *err)
{
    if (!json_is_string(v))
        return lm_err_set(err, LM_EPROTO, "%s: not a string", what);
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len < 2 || s[0] != '0' || s[1] != 'x' || len % 2)
        return lm_err_set(err, LM_EPROTO, "%s: not 0x-prefixed hex of even length", what);
    size_t n = (len - 2) / 2;
    uint8_t *p = NULL;
    if (n) {
        p = malloc(n);
        if (!p)
            return lm_err_set(err, LM_ENOMEM, "%s: out of memory", what);
        size_t got;
        if (lm_hex_decode(p, n, &got, s, len, LM_HEX_PREFIX_REQUIRED, err) != LM_OK) {
            free(p);
            return lm_err_set(err, LM_EPROTO, "%s: bad hex", what);
        }
    }
    *out = p;
    *out_len = n;
    return LM_OK;
}

/* ---- parameter encoders ------------------------------------------------- */

json_t *lm_l1j_quantity(uint64_t v)
{
    char buf[19];
    size_t n = lm_rpc_format_u64(buf, v);
    return json_stringn(buf, n);
}

json_t *lm_l1j_quantity256(const lm_u256 *v)
{
    char buf[LM_U256_HEX_BUF];
    size_t n = lm_u256_to_hex(buf, v, true);
    return json_stringn(buf, n);
}

json_t *lm_l1j_data(const uint8_t *p, size_t len)
{
    if (len > (SIZE_MAX - 3) / 2)
        return NULL;
    char *buf = malloc(2 * len + 3);
    if (!buf)
        return NULL;
    size_t n = lm_hex_encode(buf, p, len, true);
    json_t *s = json_stringn(buf, n);
    free(buf);
    return s;
}

json_t *lm_l1j_block_id(lm_block_id id)
{
    switch (id.tag) {
    case LM_BLOCK_NUMBER:
        return lm_l1j_quantity(id.number);
    case LM_BLOCK_LATEST:
        return json_string("latest");
    case LM_BLOCK_SAFE:
        return json_string("safe");
    case LM_BLOCK_FINALIZED:
        return json_string("finalized");
    case LM_BLOCK_PENDING:
        return json_string("pending");
    case LM_BLOCK_EARLIEST:
        return json_string("earliest");
    }
    return NULL;
}
