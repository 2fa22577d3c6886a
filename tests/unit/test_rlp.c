/* Unit tests for lamina/rlp.h.
 *
 * Known answers: the Ethereum RLP test vectors (ethereum/tests RLPTests,
 * transcribed into tests/vectors/rlp_ethereum.json with their source named
 * there): every valid case must encode to exactly its "out" and decode back
 * to its "in"; every invalid case must be refused with the listed code.
 * Then the writer's edge cases and each strict rule on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/rlp.h"

#include "../test_hex.h"

/* ---- helpers ------------------------------------------------------------ */

static uint8_t *hex_alloc(const char *hex, size_t *len)
{
    return test_hex_alloc(hex, len, LM_HEX_PREFIX_OPTIONAL);
}

static size_t hex_into(uint8_t *out, size_t cap, const char *hex)
{
    return test_hex_into(out, cap, hex, LM_HEX_PREFIX_OPTIONAL);
}

/* Encodes a vector's "in" (ethereum/tests conventions) with the writer:
 * returns the encoded size, and writes when w is a real buffer. */
static size_t encode_json(lm_rlp_writer *w, const json_t *v)
{
    if (json_is_array(v)) {
        size_t payload = 0, i;
        json_t *e;
        json_array_foreach(v, i, e) payload += encode_json(NULL, e);
        if (w) {
            lm_rlp_put_list(w, payload);
            json_array_foreach(v, i, e) encode_json(w, e);
        }
        return lm_rlp_list_size(payload);
    }
    if (json_is_integer(v)) {
        uint64_t x = (uint64_t)json_integer_value(v);
        if (w)
            lm_rlp_put_uint64(w, x);
        return lm_rlp_uint64_size(x);
    }
    assert_true(json_is_string(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 0 && s[0] == '#') {
        lm_u256 x;
        lm_err err;
        lm_code rc = lm_u256_from_dec(&x, s + 1, n - 1, &err);
        if (rc == LM_EOVERFLOW) {
            /* "bigint" is 2^256, one past lm_u256: encode its 33 bytes by hand. */
            assert_string_equal(s + 1, "115792089237316195423570985008687907853269984665640564039457584007913129639936");
            uint8_t be[33] = {1};
            if (w)
                lm_rlp_put_bytes(w, be, sizeof be);
            return lm_rlp_bytes_size(be, sizeof be);
        }
        assert_int_equal(rc, LM_OK);
        if (w)
            lm_rlp_put_u256(w, &x);
        return lm_rlp_u256_size(&x);
    }
    if (w)
        lm_rlp_put_bytes(w, (const uint8_t *)s, n);
    return lm_rlp_bytes_size((const uint8_t *)s, n);
}

/* Checks that decoded item it matches the vector's "in". */
static void check_decoded(const lm_rlp_item *it, const json_t *v)
{
    lm_err err;
    if (json_is_array(v)) {
        assert_int_equal(it->kind, LM_RLP_LIST);
        lm_rlp_cursor c;
        lm_rlp_limits lim = {LM_RLP_DEFAULT_MAX_LEN, LM_RLP_DEFAULT_MAX_DEPTH};
        assert_int_equal(lm_rlp_cursor_list(&c, it, &lim, &err), LM_OK);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e)
        {
            lm_rlp_item child;
            assert_int_equal(lm_rlp_next(&c, &child, &err), LM_OK);
            assert_int_equal(child.depth, it->depth + 1);
            check_decoded(&child, e);
        }
        assert_int_equal(lm_rlp_cursor_end(&c, &err), LM_OK);
        return;
    }
    assert_int_equal(it->kind, LM_RLP_BYTES);
    if (json_is_integer(v)) {
        uint64_t x = 99;
        assert_int_equal(lm_rlp_item_uint64(&x, it, &err), LM_OK);
        assert_true(x == (uint64_t)json_integer_value(v));
        return;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n > 0 && s[0] == '#') {
        lm_u256 want, got;
        if (lm_u256_from_dec(&want, s + 1, n - 1, &err) == LM_EOVERFLOW) {
            assert_int_equal(lm_rlp_item_u256(&got, it, &err), LM_EOVERFLOW); /* 2^256 */
            assert_int_equal(it->payload_len, 33);
            return;
        }
        assert_int_equal(lm_rlp_item_u256(&got, it, &err), LM_OK);
        assert_true(lm_u256_eq(&got, &want));
        return;
    }
    const uint8_t *p;
    size_t len;
    assert_int_equal(lm_rlp_item_bytes(&p, &len, it, &err), LM_OK);
    assert_int_equal(len, n);
    assert_memory_equal(p, s, n);
}

static json_t *load_vectors(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(LM_SOURCE_DIR "/tests/vectors/rlp_ethereum.json", JSON_ALLOW_NUL, &jerr);
    if (!root)
        fail_msg("rlp_ethereum.json: %s (line %d)", jerr.text, jerr.line);
    return root;
}

static lm_code code_from_name(const char *name)
{
    for (int c = 0; c < LM_ECODE_COUNT; c++)
        if (strcmp(lm_code_name((lm_code)c), name) == 0)
            return (lm_code)c;
    fail_msg("unknown code %s", name);
    return LM_OK;
}

/* ---- the Ethereum vectors ----------------------------------------------- */

static void test_ethereum_valid(void **state)
{
    (void)state;
    json_t *root = load_vectors();
    json_t *valid = json_object_get(root, "valid");
    assert_true(json_array_size(valid) >= 28);
    size_t i;
    json_t *t;
    json_array_foreach(valid, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        json_t *in = json_object_get(t, "in");
        size_t want_len;
        uint8_t *want = hex_alloc(json_string_value(json_object_get(t, "out")), &want_len);
        /* encode: the size functions give the exact length, and the writer
         * fills a buffer of exactly that size. */
        size_t n = encode_json(NULL, in);
        if (n != want_len)
            fail_msg("%s: size %zu, want %zu", name, n, want_len);
        uint8_t *got = malloc(n);
        assert_non_null(got);
        lm_rlp_writer w;
        lm_rlp_writer_init(&w, got, n);
        encode_json(&w, in);
        size_t got_len;
        lm_err err;
        assert_int_equal(lm_rlp_writer_finish(&w, &got_len, &err), LM_OK);
        assert_int_equal(got_len, want_len);
        if (memcmp(got, want, n) != 0)
            fail_msg("%s: encoding differs", name);
        /* count-only writer agrees */
        lm_rlp_writer cw;
        lm_rlp_writer_init(&cw, NULL, 0);
        encode_json(&cw, in);
        assert_int_equal(cw.len, n);
        /* one byte too small: ESPACE */
        lm_rlp_writer_init(&w, got, n - 1);
        encode_json(&w, in);
        assert_int_equal(lm_rlp_writer_finish(&w, &got_len, &err), LM_ESPACE);
        /* decode round trip */
        lm_rlp_item top;
        lm_code rc = lm_rlp_decode(&top, want, want_len, NULL, &err);
        if (rc != LM_OK)
            fail_msg("%s: decode: %s", name, err.msg);
        assert_ptr_equal(top.raw, want);
        assert_int_equal(top.raw_len, want_len);
        assert_int_equal(top.depth, 0);
        check_decoded(&top, in);
        free(got);
        free(want);
    }
    json_t *dec = json_object_get(root, "valid_decode_only");
    assert_true(json_array_size(dec) >= 1);
    json_array_foreach(dec, i, t)
    {
        size_t len;
        uint8_t *data = hex_alloc(json_string_value(json_object_get(t, "out")), &len);
        lm_rlp_item top;
        lm_err err;
        assert_int_equal(lm_rlp_decode(&top, data, len, NULL, &err), LM_OK);
        free(data);
    }
    json_decref(root);
}

static void test_ethereum_invalid(void **state)
{
    (void)state;
    json_t *root = load_vectors();
    json_t *invalid = json_object_get(root, "invalid");
    assert_true(json_array_size(invalid) >= 26);
    size_t i;
    json_t *t;
    json_array_foreach(invalid, i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        lm_code want = code_from_name(json_string_value(json_object_get(t, "code")));
        size_t len;
        uint8_t *data = hex_alloc(json_string_value(json_object_get(t, "out")), &len);
        lm_rlp_item top = {.raw_len = 12345};
        lm_err err = {0};
        lm_code rc = lm_rlp_decode(&top, data, len, NULL, &err);
        if (rc != want)
            fail_msg("%s: got %s (%s), want %s", name, lm_code_name(rc), err.msg, lm_code_name(want));
        assert_int_equal(err.code, want);
        assert_true(strlen(err.msg) > 0);
        assert_int_equal(top.raw_len, 12345); /* untouched on error */
        free(data);
    }
    json_decref(root);
}

/* ---- each rule on its own ------------------------------------------------ */

static lm_code decode_hex(const char *hex, lm_rlp_item *top, lm_err *err)
{
    static uint8_t buf[4096];
    size_t n = hex_into(buf, sizeof buf, hex);
    /* copy to an exact-size heap block so ASan catches any over-read */
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    memcpy(p, buf, n);
    lm_code rc = lm_rlp_decode(top, p, n, NULL, err);
    free(p);
    return rc;
}

static void test_strict_rules(void **state)
{
    (void)state;
    lm_rlp_item it;
    lm_err err;
    /* non-canonical single byte */
    assert_int_equal(decode_hex("8105", &it, &err), LM_ENONCANON);
    assert_non_null(strstr(err.msg, "0x05"));
    assert_int_equal(decode_hex("8180", &it, &err), LM_OK);
    assert_int_equal(decode_hex("05", &it, &err), LM_OK);
    /* long form with leading zero / for a short length */
    assert_int_equal(decode_hex("b90005", &it, &err), LM_ENONCANON);
    assert_non_null(strstr(err.msg, "leading zero"));
    assert_int_equal(decode_hex("b83700", &it, &err), LM_ENONCANON); /* 55 in long form */
    assert_non_null(strstr(err.msg, "< 56"));
    /* truncated: header, length bytes, payload */
    assert_int_equal(decode_hex("", &it, &err), LM_ETRUNC);
    assert_int_equal(decode_hex("b9", &it, &err), LM_ETRUNC);
    assert_int_equal(decode_hex("b901", &it, &err), LM_ETRUNC);
    assert_int_equal(decode_hex("83646f", &it, &err), LM_ETRUNC);
    assert_int_equal(decode_hex("c3c2c0", &it, &err), LM_ETRUNC);
    /* trailing bytes */
    assert_int_equal(decode_hex("8300000000", &it, &err), LM_ETRAILING);
    assert_int_equal(decode_hex("c000", &it, &err), LM_ETRAILING);
    assert_int_equal(decode_hex("0000", &it, &err), LM_ETRAILING);
    /* the top item ends before the input does */
    assert_int_equal(decode_hex("c28300000000", &it, &err), LM_ETRAILING);
    /* a grandchild that overruns its parent list [0x83 0x00], although the
     * bytes after that parent (siblings) would cover it */
    assert_int_equal(decode_hex("c5c283000000", &it, &err), LM_ETRUNC);
    assert_non_null(strstr(err.msg, "offset 2"));
    /* errors deep in the tree are found by lm_rlp_decode */
    assert_int_equal(decode_hex("c3c28105", &it, &err), LM_ENONCANON);
    assert_non_null(strstr(err.msg, "offset 2"));
    /* the largest length the header can carry is refused by the cap, not
     * trusted and not allocated */
    assert_int_equal(decode_hex("bfffffffffffffffff00", &it, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "cap"));
}

static void test_caps(void **state)
{
    (void)state;
    lm_rlp_item it;
    lm_err err;
    uint8_t buf[80];
    /* a 60-byte string passes with the default cap, not with a cap of 59 */
    buf[0] = 0xb8;
    buf[1] = 60;
    memset(buf + 2, 0xaa, 60);
    assert_int_equal(lm_rlp_decode(&it, buf, 62, NULL, &err), LM_OK);
    lm_rlp_limits lim = {59, 4};
    assert_int_equal(lm_rlp_decode(&it, buf, 62, &lim, &err), LM_ETOOLARGE);
    lim.max_len = 60;
    assert_int_equal(lm_rlp_decode(&it, buf, 62, &lim, &err), LM_OK);
    /* the cap applies to short forms too */
    lim.max_len = 2;
    assert_int_equal(lm_rlp_decode(&it, (const uint8_t *)"\x83" "abc", 4, &lim, &err), LM_ETOOLARGE);
    /* nesting: [[[[]]]] is depth 3 for the innermost list's items */
    const uint8_t nest4[] = {0xc3, 0xc2, 0xc1, 0xc0};
    lim = (lm_rlp_limits){1024, 4};
    assert_int_equal(lm_rlp_decode(&it, nest4, 4, &lim, &err), LM_OK);
    lim.max_depth = 3;
    assert_int_equal(lm_rlp_decode(&it, nest4, 4, &lim, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "deeper than 3"));
    lim.max_depth = 0; /* only a byte string at the top */
    assert_int_equal(lm_rlp_decode(&it, nest4 + 3, 1, &lim, &err), LM_ETOOLARGE);
    assert_int_equal(lm_rlp_decode(&it, (const uint8_t *)"\x01", 1, &lim, &err), LM_OK);
    /* 1000 nested lists: refused at the default depth, never recursed into */
    static uint8_t deep[4096];
    /* built from the inside out: each level wraps the previous one */
    size_t len = 1;
    deep[4095] = 0xc0;
    size_t start = 4095;
    for (int i = 0; i < 999; i++) {
        size_t inner = len;
        if (inner <= 55) {
            deep[--start] = (uint8_t)(0xc0 + inner);
            len += 1;
        } else if (inner <= 255) {
            deep[--start] = (uint8_t)inner;
            deep[--start] = 0xf8;
            len += 2;
        } else {
            deep[--start] = (uint8_t)inner;
            deep[--start] = (uint8_t)(inner >> 8);
            deep[--start] = 0xf9;
            len += 3;
        }
    }
    assert_int_equal(lm_rlp_decode(&it, deep + start, len, NULL, &err), LM_ETOOLARGE);
    lim = (lm_rlp_limits){LM_RLP_DEFAULT_MAX_LEN, 100000}; /* clamped to 64 */
    assert_int_equal(lm_rlp_decode(&it, deep + start, len, &lim, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "deeper than 64"));
}

static void test_integers(void **state)
{
    (void)state;
    lm_rlp_item it;
    lm_err err;
    uint64_t v = 7;
    lm_u256 x;
    /* 0 is the empty string; 0x00 is a non-canonical integer */
    assert_int_equal(decode_hex("80", &it, &err), LM_OK);
    assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_OK);
    assert_true(v == 0);
    uint8_t zero = 0x00;
    assert_int_equal(lm_rlp_decode(&it, &zero, 1, NULL, &err), LM_OK); /* fine as bytes */
    v = 7;
    assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_ENONCANON);
    assert_int_equal(lm_rlp_item_u256(&x, &it, &err), LM_ENONCANON);
    assert_true(v == 7);
    /* leading zero in a longer integer */
    const uint8_t lz[] = {0x82, 0x00, 0x80};
    assert_int_equal(lm_rlp_decode(&it, lz, 3, NULL, &err), LM_OK);
    assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_ENONCANON);
    assert_non_null(strstr(err.msg, "leading zero"));
    /* 8 bytes fit a uint64, 9 do not; 32 fit a u256, 33 do not */
    const uint8_t max64[] = {0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(lm_rlp_decode(&it, max64, 9, NULL, &err), LM_OK);
    assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_OK);
    assert_true(v == UINT64_MAX);
    const uint8_t p64[] = {0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(lm_rlp_decode(&it, p64, 10, NULL, &err), LM_OK);
    assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_EOVERFLOW);
    assert_int_equal(lm_rlp_item_u256(&x, &it, &err), LM_OK);
    assert_true(x.w[1] == 1 && x.w[0] == 0);
    uint8_t enc[40];
    lm_rlp_writer w;
    lm_u256 m = LM_U256_MAX;
    lm_rlp_writer_init(&w, enc, sizeof enc);
    lm_rlp_put_u256(&w, &m);
    size_t n;
    assert_int_equal(lm_rlp_writer_finish(&w, &n, &err), LM_OK);
    assert_int_equal(n, 33);
    assert_int_equal(lm_rlp_u256_size(&m), 33);
    assert_int_equal(enc[0], 0xa0);
    assert_int_equal(lm_rlp_decode(&it, enc, n, NULL, &err), LM_OK);
    assert_int_equal(lm_rlp_item_u256(&x, &it, &err), LM_OK);
    assert_true(lm_u256_eq(&x, &m));
    /* a list is not an integer */
    assert_int_equal(decode_hex("c0", &it, &err), LM_OK);
    assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_EINVAL);
    /* uint64 boundaries of the encoder: 0x7f is one byte, 0x80 two */
    const uint64_t vals[] = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffffff, 1ull << 56, UINT64_MAX};
    const size_t sizes[] = {1, 1, 1, 2, 2, 3, 4, 9, 9};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        assert_int_equal(lm_rlp_uint64_size(vals[i]), sizes[i]);
        lm_u256 u = lm_u256_from_u64(vals[i]);
        assert_int_equal(lm_rlp_u256_size(&u), sizes[i]);
        lm_rlp_writer_init(&w, enc, sizeof enc);
        lm_rlp_put_uint64(&w, vals[i]);
        assert_int_equal(w.len, sizes[i]);
        assert_int_equal(lm_rlp_decode(&it, enc, w.len, NULL, &err), LM_OK);
        assert_int_equal(lm_rlp_item_uint64(&v, &it, &err), LM_OK);
        assert_true(v == vals[i]);
    }
}

static void test_cursor_helpers(void **state)
{
    (void)state;
    /* [nonce=9, to=20 bytes, value=2^64, data="", [[]]] */
    uint8_t addr[20];
    for (int i = 0; i < 20; i++)
        addr[i] = (uint8_t)(0xa0 + i);
    lm_u256 value = {{0, 1, 0, 0}};
    size_t inner = lm_rlp_list_size(lm_rlp_list_size(0));
    size_t payload = lm_rlp_uint64_size(9) + lm_rlp_bytes_size(addr, 20) + lm_rlp_u256_size(&value) +
                     lm_rlp_bytes_size(NULL, 0) + inner;
    size_t total = lm_rlp_list_size(payload);
    uint8_t buf[64];
    assert_true(total <= sizeof buf);
    lm_rlp_writer w;
    lm_rlp_writer_init(&w, buf, total);
    lm_rlp_put_list(&w, payload);
    lm_rlp_put_uint64(&w, 9);
    lm_rlp_put_bytes(&w, addr, 20);
    lm_rlp_put_u256(&w, &value);
    lm_rlp_put_bytes(&w, NULL, 0);
    lm_rlp_put_raw(&w, (const uint8_t *)"\xc1\xc0", 2);
    size_t len;
    lm_err err;
    assert_int_equal(lm_rlp_writer_finish(&w, &len, &err), LM_OK);
    assert_int_equal(len, total);

    lm_rlp_item top;
    assert_int_equal(lm_rlp_decode(&top, buf, len, NULL, &err), LM_OK);
    lm_rlp_cursor c, save;
    assert_int_equal(lm_rlp_cursor_list(&c, &top, NULL, &err), LM_OK);
    uint64_t nonce;
    assert_int_equal(lm_rlp_decode_uint64(&c, &nonce, &err), LM_OK);
    assert_true(nonce == 9);
    /* wrong length for an address: error, cursor unmoved */
    uint8_t got[32];
    save = c;
    assert_int_equal(lm_rlp_decode_bytes_exact(&c, got, 32, &err), LM_EINVAL);
    assert_ptr_equal(c.p, save.p);
    assert_int_equal(lm_rlp_decode_list(&c, &save, &err), LM_EINVAL);
    assert_int_equal(lm_rlp_decode_bytes_exact(&c, got, 20, &err), LM_OK);
    assert_memory_equal(got, addr, 20);
    uint64_t small;
    assert_int_equal(lm_rlp_decode_uint64(&c, &small, &err), LM_EOVERFLOW);
    lm_u256 v;
    assert_int_equal(lm_rlp_decode_u256(&c, &v, &err), LM_OK);
    assert_true(lm_u256_eq(&v, &value));
    const uint8_t *data;
    size_t dlen = 5;
    assert_int_equal(lm_rlp_decode_bytes(&c, &data, &dlen, &err), LM_OK);
    assert_int_equal(dlen, 0);
    lm_rlp_cursor child, grandchild;
    assert_int_equal(lm_rlp_cursor_end(&c, &err), LM_ETRAILING);
    assert_int_equal(lm_rlp_decode_list(&c, &child, &err), LM_OK);
    assert_int_equal(child.depth, 2);
    assert_int_equal(lm_rlp_decode_list(&child, &grandchild, &err), LM_OK);
    assert_true(lm_rlp_cursor_done(&grandchild));
    assert_int_equal(lm_rlp_cursor_end(&child, &err), LM_OK);
    assert_int_equal(lm_rlp_cursor_end(&c, &err), LM_OK);
    /* reading past the end */
    assert_int_equal(lm_rlp_decode_uint64(&c, &nonce, &err), LM_ETRUNC);
    /* a byte string cannot be entered */
    lm_rlp_item s;
    assert_int_equal(decode_hex("83646f67", &s, &err), LM_OK);
    assert_int_equal(lm_rlp_cursor_list(&c, &s, NULL, &err), LM_EINVAL);
}

static void test_writer(void **state)
{
    (void)state;
    /* header sizes at the short/long boundary */
    assert_int_equal(lm_rlp_header_size(55), 1);
    assert_int_equal(lm_rlp_header_size(56), 2);
    assert_int_equal(lm_rlp_header_size(255), 2);
    assert_int_equal(lm_rlp_header_size(256), 3);
    assert_int_equal(lm_rlp_list_size(SIZE_MAX - 1), SIZE_MAX); /* saturates */
    uint8_t b55[56], out[64];
    memset(b55, 'x', sizeof b55);
    lm_rlp_writer w;
    lm_rlp_writer_init(&w, out, sizeof out);
    lm_rlp_put_bytes(&w, b55, 55);
    assert_int_equal(w.len, 56);
    assert_int_equal(out[0], 0xb7);
    lm_rlp_writer_init(&w, out, sizeof out);
    lm_rlp_put_bytes(&w, b55, 56);
    assert_int_equal(w.len, 58);
    assert_int_equal(out[0], 0xb8);
    assert_int_equal(out[1], 56);
    lm_rlp_writer_init(&w, out, sizeof out);
    lm_rlp_put_list(&w, 56);
    assert_memory_equal(out, "\xf8\x38", 2);
    lm_rlp_put_list(&w, 0x10000);
    assert_memory_equal(out + 2, "\xfa\x01\x00\x00", 4);
    /* once full, nothing more is written and finish reports it */
    uint8_t small[3] = {0xee, 0xee, 0xee};
    lm_rlp_writer_init(&w, small, 2);
    lm_rlp_put_bytes(&w, (const uint8_t *)"dog", 3);
    lm_rlp_put_uint64(&w, 1);
    lm_err err;
    size_t len = 77;
    assert_int_equal(lm_rlp_writer_finish(&w, &len, &err), LM_ESPACE);
    assert_int_equal(len, 77);
    assert_int_equal(small[2], 0xee);
    /* count-only mode */
    lm_rlp_writer_init(&w, NULL, 0);
    lm_rlp_put_bytes(&w, b55, 56);
    lm_rlp_put_uint64(&w, 1000);
    assert_int_equal(lm_rlp_writer_finish(&w, &len, &err), LM_OK);
    assert_int_equal(len, 58 + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethereum_valid), cmocka_unit_test(test_ethereum_invalid),
        cmocka_unit_test(test_strict_rules),   cmocka_unit_test(test_caps),
        cmocka_unit_test(test_integers),       cmocka_unit_test(test_cursor_helpers),
        cmocka_unit_test(test_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
