/* Unit tests for src/core: errors, hex, endianness, arena, checked u64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/arena.h"
#include "lamina/bytes.h"
#include "lamina/checked.h"
#include "lamina/err.h"
#include "lamina/log.h"

static void test_hex_roundtrip(void **state)
{
    (void)state;
    uint8_t out[8];
    size_t n = 99;
    lm_err err;
    assert_int_equal(lm_hex_decode(out, sizeof out, &n, "0xdeadBEEF", 10, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "\xde\xad\xbe\xef", 4);
    char text[32];
    assert_int_equal(lm_hex_encode(text, out, n, true), 10);
    assert_string_equal(text, "0xdeadbeef");
    assert_int_equal(lm_hex_encode(text, out, 0, false), 0);
    assert_string_equal(text, "");
    /* empty input decodes to zero bytes */
    assert_int_equal(lm_hex_decode(out, sizeof out, &n, "0x", 2, LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
    assert_int_equal(n, 0);
}

/* Every byte value, against the definition: 0-9, a-f, A-F and nothing else
 * (the decoder is branch-free; this pins its arithmetic). */
static void test_hex_digit_every_byte(void **state)
{
    (void)state;
    const char *lower = "0123456789abcdef", *upper = "0123456789ABCDEF";
    for (int c = 0; c < 256; c++) {
        int want = -1;
        for (int k = 0; k < 16; k++)
            if (c == (unsigned char)lower[k] || c == (unsigned char)upper[k])
                want = k;
        assert_int_equal(lm_hex_digit((char)c), want);
        char two[2] = {'a', (char)c};
        uint8_t b;
        size_t n;
        assert_int_equal(lm_hex_decode(&b, 1, &n, two, 2, LM_HEX_PREFIX_FORBIDDEN, NULL),
                         want < 0 ? LM_EINVAL : LM_OK);
        if (want >= 0)
            assert_int_equal(b, 0xa0 | want);
    }
}

static void test_hex_rejects(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n = 7;
    lm_err err;
    assert_int_equal(lm_hex_decode(out, 4, &n, "abc", 3, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "odd"));
    assert_int_equal(lm_hex_decode(out, 4, &n, "0xzz", 4, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "offset 2"));
    assert_int_equal(lm_hex_decode(out, 4, &n, "abcd", 4, LM_HEX_PREFIX_REQUIRED, &err), LM_EINVAL);
    assert_int_equal(lm_hex_decode(out, 4, &n, "0xab", 4, LM_HEX_PREFIX_FORBIDDEN, &err), LM_EINVAL);
    assert_int_equal(lm_hex_decode(out, 2, &n, "abcdef", 6, LM_HEX_PREFIX_OPTIONAL, &err), LM_ESPACE);
    assert_int_equal(lm_hex_decode(out, 4, &n, "ab cd", 5, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_int_equal(lm_hex_decode(out, 4, &n, "0x0x", 4, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_int_equal(n, 7); /* untouched on error */
    assert_int_equal(lm_hex_decode_exact(out, 4, "0x0102", 6, LM_HEX_PREFIX_OPTIONAL, &err), LM_EINVAL);
    assert_int_equal(lm_hex_decode_exact(out, 2, "0x0102", 6, LM_HEX_PREFIX_OPTIONAL, &err), LM_OK);
    assert_memory_equal(out, "\x01\x02", 2);
}

static void test_endian(void **state)
{
    (void)state;
    uint8_t b[8];
    lm_store_be64(b, 0x0102030405060708ull);
    assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    assert_true(lm_load_be64(b) == 0x0102030405060708ull);
    assert_true(lm_load_le64(b) == 0x0807060504030201ull);
    lm_store_le32(b, 0xa1b2c3d4u);
    assert_memory_equal(b, "\xd4\xc3\xb2\xa1", 4);
    assert_int_equal(lm_load_be16((const uint8_t *)"\xab\xcd"), 0xabcd);
}

static void test_ct_equal(void **state)
{
    (void)state;
    assert_true(lm_ct_equal((const uint8_t *)"abcd", (const uint8_t *)"abcd", 4));
    assert_false(lm_ct_equal((const uint8_t *)"abcd", (const uint8_t *)"abce", 4));
    uint8_t k[4] = {1, 2, 3, 4};
    lm_wipe(k, sizeof k);
    assert_memory_equal(k, "\0\0\0\0", 4);
}

static void test_arena(void **state)
{
    (void)state;
    _Alignas(64) uint8_t buf[256];
    lm_arena a;
    lm_arena_init(&a, buf, sizeof buf);
    uint8_t *p = lm_arena_alloc(&a, 3, 1);
    assert_ptr_equal(p, buf);
    uint8_t *q = lm_arena_alloc(&a, 8, 8);
    assert_ptr_equal(q, buf + 8);
    size_t mark = lm_arena_mark(&a);
    assert_non_null(lm_arena_zalloc(&a, 100));
    assert_null(lm_arena_alloc(&a, 200, 1)); /* full: refused, nothing changes */
    assert_int_equal(a.used, mark + 100 + (16 - mark % 16) % 16);
    lm_arena_rewind(&a, mark);
    assert_non_null(lm_arena_alloc(&a, 200, 1));
    assert_true(a.high_water >= 216);
    assert_null(lm_arena_alloc(&a, SIZE_MAX, 1));
    lm_arena_reset(&a);
    assert_int_equal(a.used, 0);
}

static void test_checked_u64(void **state)
{
    (void)state;
    uint64_t r = 5;
    assert_true(lm_add_u64(&r, UINT64_MAX - 1, 1));
    assert_true(r == UINT64_MAX);
    r = 5;
    assert_false(lm_add_u64(&r, UINT64_MAX, 1));
    assert_true(r == 5);
    assert_false(lm_sub_u64(&r, 1, 2));
    assert_true(lm_sub_u64(&r, 2, 2) && r == 0);
    assert_false(lm_mul_u64(&r, 1ull << 32, 1ull << 32));
    assert_true(lm_mul_u64(&r, 1ull << 31, 1ull << 32) && r == 1ull << 63);
    uint64_t q, m;
    assert_false(lm_divmod_u64(&q, &m, 7, 0));
    assert_true(lm_divmod_u64(&q, &m, 7, 2) && q == 3 && m == 1);
}

static void test_err(void **state)
{
    (void)state;
    lm_err err;
    assert_int_equal(lm_err_set(&err, LM_ETRUNC, "need %d more", 3), LM_ETRUNC);
    assert_string_equal(err.msg, "need 3 more");
    lm_err_wrap(&err, err.code, "rlp");
    assert_string_equal(err.msg, "rlp: need 3 more");
    assert_string_equal(lm_code_name(LM_ETRUNC), "ETRUNC");
    assert_string_equal(lm_code_name((lm_code)999), "E?");
    assert_int_equal(lm_err_set(NULL, LM_EINVAL, "x"), LM_EINVAL);
    lm_err_clear(&err);
    assert_int_equal(err.code, LM_OK);
    lm_log_level lv;
    assert_int_equal(lm_log_level_parse("warn", &lv), 0);
    assert_int_equal(lv, LM_LOG_WARN);
    assert_int_equal(lm_log_level_parse("loud", &lv), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_roundtrip), cmocka_unit_test(test_hex_rejects),
        cmocka_unit_test(test_hex_digit_every_byte),
        cmocka_unit_test(test_endian),        cmocka_unit_test(test_ct_equal),
        cmocka_unit_test(test_arena),         cmocka_unit_test(test_checked_u64),
        cmocka_unit_test(test_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
