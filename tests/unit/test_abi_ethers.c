/* lamina/abi.h against ethers v6: tests/ethers/gen_abi.js writes, for a
 * seeded set of types and values (extremes, the specification's examples,
 * nested dynamic tuples and arrays, random types), what
 * AbiCoder.defaultAbiCoder().encode(types, values) gives. Here the same
 * values must encode to the same bytes, byte for byte, and those bytes must
 * decode (strictly, and leniently) back to the same values; the decoded
 * values must re-encode to the same bytes. Selectors must match ethers'
 * id(signature).slice(0, 10). The value notation is described in
 * gen_abi.js. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/abi.h"
#include "lamina/bytes.h"

#include "../ethers_vectors.h"

static _Alignas(64) uint8_t arena_buf[8 << 20];

static json_t *load(void) { return ev_load("abi", JSON_ALLOW_NUL); }

static uint8_t *hex_in_arena(lm_arena *a, const char *hex, size_t *len)
{
    size_t n = strlen(hex);
    uint8_t *out = lm_arena_alloc(a, n / 2 + 1, 1);
    assert_non_null(out);
    lm_err err;
    if (lm_hex_decode(out, n / 2 + 1, len, hex, n, LM_HEX_PREFIX_REQUIRED, &err) != LM_OK)
        fail_msg("bad hex %s: %s", hex, err.msg);
    return out;
}

/* Builds the value of type t from its JSON notation. */
static void build(lm_abi_value *out, lm_arena *a, const lm_abi_type *t, const json_t *j)
{
    lm_err err;
    switch (t->kind) {
    case LM_ABI_UINT:
    case LM_ABI_INT: {
        const char *s = json_string_value(j);
        assert_non_null(s);
        size_t n = strlen(s);
        bool neg = s[0] == '-';
        lm_u256 v;
        if (lm_u256_from_dec(&v, s + neg, n - neg, &err) != LM_OK)
            fail_msg("number %s: %s", s, err.msg);
        if (neg)
            lm_u256_neg(&v, &v);
        *out = t->kind == LM_ABI_UINT ? lm_abi_uint(v) : lm_abi_int(v);
        return;
    }
    case LM_ABI_ADDRESS: {
        uint8_t addr[20];
        const char *s = json_string_value(j);
        assert_int_equal(lm_hex_decode_exact(addr, 20, s, strlen(s), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
        *out = lm_abi_address(addr);
        return;
    }
    case LM_ABI_BOOL:
        assert_true(json_is_boolean(j));
        *out = lm_abi_bool(json_is_true(j));
        return;
    case LM_ABI_FIXED_BYTES: {
        size_t n;
        const uint8_t *p = hex_in_arena(a, json_string_value(j), &n);
        assert_int_equal(n, t->bits);
        *out = lm_abi_fixed_bytes(p, n);
        return;
    }
    case LM_ABI_BYTES: {
        size_t n;
        const uint8_t *p = hex_in_arena(a, json_string_value(j), &n);
        *out = lm_abi_bytes(p, n);
        return;
    }
    case LM_ABI_STRING:
        assert_true(json_is_string(j));
        *out = lm_abi_string(json_string_value(j), json_string_length(j));
        return;
    case LM_ABI_ARRAY:
    case LM_ABI_DYN_ARRAY:
    case LM_ABI_TUPLE: {
        assert_true(json_is_array(j));
        size_t n = json_array_size(j);
        if (t->kind != LM_ABI_DYN_ARRAY)
            assert_int_equal(n, t->count);
        lm_abi_value *items = NULL;
        if (n) {
            items = lm_arena_alloc(a, n * sizeof *items, _Alignof(lm_abi_value));
            assert_non_null(items);
        }
        for (size_t i = 0; i < n; i++)
            build(&items[i], a, t->kind == LM_ABI_TUPLE ? &t->members[i] : t->elem,
                  json_array_get(j, i));
        *out = t->kind == LM_ABI_TUPLE ? lm_abi_tuple(items, n) : lm_abi_array(items, n);
        return;
    }
    }
}

static void test_encode_decode_match_ethers(void **state)
{
    (void)state;
    json_t *root = load();
    json_t *cases = json_object_get(root, "cases");
    assert_true(json_array_size(cases) >= 300);
    lm_arena a;
    size_t i, dyn_cases = 0;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        lm_arena_init(&a, arena_buf, sizeof arena_buf);
        /* the argument list as one tuple type */
        static char tstr[LM_ABI_MAX_TYPE_LEN];
        size_t tl = 0, k;
        json_t *tj;
        tstr[tl++] = '(';
        json_array_foreach(json_object_get(c, "types"), k, tj)
        {
            const char *ts = json_string_value(tj);
            size_t n = strlen(ts);
            assert_true(tl + n + 2 < sizeof tstr);
            if (k)
                tstr[tl++] = ',';
            memcpy(tstr + tl, ts, n);
            tl += n;
        }
        tstr[tl++] = ')';
        tstr[tl] = '\0';
        const lm_abi_type *t;
        lm_err err;
        if (lm_abi_type_parse(&t, &a, tstr, tl, &err) != LM_OK)
            fail_msg("case %zu: parse %s: %s", i, tstr, err.msg);
        static char back[LM_ABI_MAX_TYPE_LEN];
        assert_int_equal(lm_abi_type_format(back, sizeof back, NULL, t, &err), LM_OK);
        assert_string_equal(back, tstr);
        dyn_cases += t->dynamic;

        lm_abi_value v;
        build(&v, &a, t, json_object_get(c, "values"));
        size_t want_len;
        const uint8_t *want = hex_in_arena(&a, json_string_value(json_object_get(c, "encoded")), &want_len);

        /* encode == ethers, byte for byte */
        size_t size, got_len;
        assert_int_equal(lm_abi_encoded_size(&size, t, &v, &err), LM_OK);
        if (size != want_len)
            fail_msg("case %zu %s: size %zu, ethers %zu", i, tstr, size, want_len);
        uint8_t *got = lm_arena_alloc(&a, size ? size : 1, 1);
        assert_non_null(got);
        assert_int_equal(lm_abi_encode(got, size, &got_len, t, &v, &err), LM_OK);
        assert_int_equal(got_len, want_len);
        if (memcmp(got, want, want_len) != 0) {
            size_t d = 0;
            while (got[d] == want[d])
                d++;
            fail_msg("case %zu %s: differs from ethers at byte %zu", i, tstr, d);
        }

        /* ethers' bytes decode, strictly and leniently, to the same values */
        lm_abi_value dec;
        if (lm_abi_decode(&dec, &a, t, want, want_len, NULL, &err) != LM_OK)
            fail_msg("case %zu %s: decode: %s", i, tstr, err.msg);
        if (!lm_abi_value_eq(t, &dec, &v))
            fail_msg("case %zu %s: decoded value differs", i, tstr);
        lm_abi_limits lenient = {LM_ABI_DEFAULT_MAX_LEN, true};
        lm_abi_value dec2;
        assert_int_equal(lm_abi_decode(&dec2, &a, t, want, want_len, &lenient, &err), LM_OK);
        assert_true(lm_abi_value_eq(t, &dec2, &v));

        /* and re-encode to the same bytes */
        assert_int_equal(lm_abi_encode(got, size, &got_len, t, &dec, &err), LM_OK);
        assert_memory_equal(got, want, want_len);

        /* every strict prefix is refused (truncation), never crashes */
        if (want_len >= 32) {
            lm_abi_value junk;
            size_t cut = want_len - 1 - (i % 32);
            assert_int_not_equal(lm_abi_decode(&junk, &a, t, want, cut, NULL, &err), LM_OK);
        }
    }
    assert_true(dyn_cases >= 200); /* the random types are mostly dynamic */
    json_decref(root);
}

static void test_selectors_match_ethers(void **state)
{
    (void)state;
    json_t *root = load();
    json_t *sels = json_object_get(root, "selectors");
    assert_true(json_array_size(sels) >= 40);
    lm_arena a;
    size_t i;
    json_t *s;
    json_array_foreach(sels, i, s)
    {
        lm_arena_init(&a, arena_buf, sizeof arena_buf);
        const char *sig = json_string_value(json_object_get(s, "signature"));
        uint8_t want[4], got[4];
        const char *wh = json_string_value(json_object_get(s, "selector"));
        lm_err err;
        assert_int_equal(lm_hex_decode_exact(want, 4, wh, strlen(wh), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
        lm_abi_selector(got, sig, strlen(sig));
        assert_memory_equal(got, want, 4);
        lm_abi_function f;
        if (lm_abi_function_parse(&f, &a, sig, strlen(sig), &err) != LM_OK)
            fail_msg("%s: %s", sig, err.msg);
        assert_memory_equal(f.selector, want, 4);
        char args[LM_ABI_MAX_TYPE_LEN];
        assert_int_equal(lm_abi_type_format(args, sizeof args, NULL, f.args, &err), LM_OK);
        assert_string_equal(args, sig + f.name_len);
    }
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_decode_match_ethers),
        cmocka_unit_test(test_selectors_match_ethers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
