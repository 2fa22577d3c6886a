/* Unit tests for lamina/abi.h: the Solidity ABI specification's own
 * examples as known answers (docs.soliditylang.org, "Contract ABI
 * Specification", sections "Examples" and "Use of Dynamic Types"), type
 * parsing and formatting, and every way the decoder must refuse input.
 * Byte-for-byte agreement with ethers over many random types is in
 * test_abi_ethers.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/abi.h"
#include "lamina/bytes.h"

static _Alignas(64) uint8_t arena_buf[1 << 20];
static lm_arena arena;

static int setup(void **state)
{
    (void)state;
    lm_arena_init(&arena, arena_buf, sizeof arena_buf);
    return 0;
}

static const lm_abi_type *type(const char *s)
{
    const lm_abi_type *t;
    lm_err err;
    if (lm_abi_type_parse(&t, &arena, s, strlen(s), &err) != LM_OK)
        fail_msg("parse %s: %s", s, err.msg);
    return t;
}

static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n;
    lm_err err;
    if (lm_hex_decode(out, cap, &n, hex, strlen(hex), LM_HEX_PREFIX_OPTIONAL, &err) != LM_OK)
        fail_msg("hex: %s", err.msg);
    return n;
}

static void check_encoding(const lm_abi_type *t, const lm_abi_value *v, const char *want_hex)
{
    static uint8_t want[4096], got[4096];
    size_t want_len = unhex(want, sizeof want, want_hex), got_len, size;
    lm_err err;
    assert_int_equal(lm_abi_encoded_size(&size, t, v, &err), LM_OK);
    assert_int_equal(size, want_len);
    if (lm_abi_encode(got, sizeof got, &got_len, t, v, &err) != LM_OK)
        fail_msg("encode: %s", err.msg);
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
    /* and back */
    lm_abi_value back;
    if (lm_abi_decode(&back, &arena, t, want, want_len, NULL, &err) != LM_OK)
        fail_msg("decode: %s", err.msg);
    assert_true(lm_abi_value_eq(t, &back, v));
}

#define W(x) x /* one 32-byte word per line, as the spec prints them */

/* ---- the specification's examples ---------------------------------------- */

static void test_spec_baz(void **state)
{
    (void)state;
    /* baz(uint32 x, bool y) with 69 and true */
    lm_abi_function f;
    lm_err err;
    const char *sig = "baz(uint32,bool)";
    assert_int_equal(lm_abi_function_parse(&f, &arena, sig, strlen(sig), &err), LM_OK);
    assert_memory_equal(f.selector, "\xcd\xcd\x77\xc0", 4);
    assert_int_equal(f.name_len, 3);
    lm_abi_value args[2] = {lm_abi_uint64(69), lm_abi_bool(true)};
    lm_abi_value call = lm_abi_tuple(args, 2);
    uint8_t want[68], got[68];
    unhex(want, sizeof want,
          "0xcdcd77c0"
          W("0000000000000000000000000000000000000000000000000000000000000045")
          W("0000000000000000000000000000000000000000000000000000000000000001"));
    size_t n;
    assert_int_equal(lm_abi_encode_call(got, sizeof got, &n, &f, &call, &err), LM_OK);
    assert_int_equal(n, 68);
    assert_memory_equal(got, want, 68);
    lm_abi_value back;
    assert_int_equal(lm_abi_decode_call(&back, &arena, &f, got, n, NULL, &err), LM_OK);
    assert_true(lm_abi_value_eq(f.args, &back, &call));
    assert_true(back.u.list.items[1].u.boolean);
    /* "If, for example, it were to return false, its output would be the
     * single byte array 0x00…00, a single bool." */
    lm_abi_value r = lm_abi_bool(false);
    lm_abi_value ret = lm_abi_tuple(&r, 1);
    check_encoding(type("(bool)"), &ret,
                   "0000000000000000000000000000000000000000000000000000000000000000");
    /* call data with the wrong selector or none */
    got[0] ^= 1;
    assert_int_equal(lm_abi_decode_call(&back, &arena, &f, got, n, NULL, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "baz"));
    assert_int_equal(lm_abi_decode_call(&back, &arena, &f, got, 3, NULL, &err), LM_ETRUNC);
    /* no room for the selector, or for the arguments */
    assert_int_equal(lm_abi_encode_call(got, 3, &n, &f, &call, &err), LM_ESPACE);
    assert_int_equal(lm_abi_encode_call(got, 67, &n, &f, &call, &err), LM_ESPACE);
}

static void test_spec_bar(void **state)
{
    (void)state;
    /* bar(bytes3[2]) with ["abc", "def"] */
    lm_abi_function f;
    lm_err err;
    const char *sig = "bar(bytes3[2])";
    assert_int_equal(lm_abi_function_parse(&f, &arena, sig, strlen(sig), &err), LM_OK);
    assert_memory_equal(f.selector, "\xfc\xe3\x53\xf6", 4);
    lm_abi_value items[2] = {lm_abi_fixed_bytes((const uint8_t *)"abc", 3),
                             lm_abi_fixed_bytes((const uint8_t *)"def", 3)};
    lm_abi_value arr = lm_abi_array(items, 2);
    lm_abi_value call = lm_abi_tuple(&arr, 1);
    check_encoding(f.args, &call,
                   W("6162630000000000000000000000000000000000000000000000000000000000")
                   W("6465660000000000000000000000000000000000000000000000000000000000"));
    assert_false(f.args->dynamic);
    assert_int_equal(f.args->head_size, 64);
}

static void test_spec_sam(void **state)
{
    (void)state;
    /* sam(bytes,bool,uint256[]) with "dave", true and [1,2,3] */
    lm_abi_function f;
    lm_err err;
    const char *sig = "sam(bytes,bool,uint256[])";
    assert_int_equal(lm_abi_function_parse(&f, &arena, sig, strlen(sig), &err), LM_OK);
    assert_memory_equal(f.selector, "\xa5\x64\x3b\xf2", 4);
    lm_abi_value nums[3] = {lm_abi_uint64(1), lm_abi_uint64(2), lm_abi_uint64(3)};
    lm_abi_value args[3] = {lm_abi_bytes((const uint8_t *)"dave", 4), lm_abi_bool(true),
                            lm_abi_array(nums, 3)};
    lm_abi_value call = lm_abi_tuple(args, 3);
    check_encoding(f.args, &call,
                   W("0000000000000000000000000000000000000000000000000000000000000060")
                   W("0000000000000000000000000000000000000000000000000000000000000001")
                   W("00000000000000000000000000000000000000000000000000000000000000a0")
                   W("0000000000000000000000000000000000000000000000000000000000000004")
                   W("6461766500000000000000000000000000000000000000000000000000000000")
                   W("0000000000000000000000000000000000000000000000000000000000000003")
                   W("0000000000000000000000000000000000000000000000000000000000000001")
                   W("0000000000000000000000000000000000000000000000000000000000000002")
                   W("0000000000000000000000000000000000000000000000000000000000000003"));
}

static void test_spec_f(void **state)
{
    (void)state;
    /* f(uint256,uint32[],bytes10,bytes) with
     * (0x123, [0x456, 0x789], "1234567890", "Hello, world!") */
    lm_abi_function f;
    lm_err err;
    const char *sig = "f(uint256,uint32[],bytes10,bytes)";
    assert_int_equal(lm_abi_function_parse(&f, &arena, sig, strlen(sig), &err), LM_OK);
    assert_memory_equal(f.selector, "\x8b\xe6\x52\x46", 4);
    lm_abi_value nums[2] = {lm_abi_uint64(0x456), lm_abi_uint64(0x789)};
    lm_abi_value args[4] = {lm_abi_uint64(0x123), lm_abi_array(nums, 2),
                            lm_abi_fixed_bytes((const uint8_t *)"1234567890", 10),
                            lm_abi_bytes((const uint8_t *)"Hello, world!", 13)};
    lm_abi_value call = lm_abi_tuple(args, 4);
    check_encoding(f.args, &call,
                   W("0000000000000000000000000000000000000000000000000000000000000123")
                   W("0000000000000000000000000000000000000000000000000000000000000080")
                   W("3132333435363738393000000000000000000000000000000000000000000000")
                   W("00000000000000000000000000000000000000000000000000000000000000e0")
                   W("0000000000000000000000000000000000000000000000000000000000000002")
                   W("0000000000000000000000000000000000000000000000000000000000000456")
                   W("0000000000000000000000000000000000000000000000000000000000000789")
                   W("000000000000000000000000000000000000000000000000000000000000000d")
                   W("48656c6c6f2c20776f726c642100000000000000000000000000000000000000"));
}

static void test_spec_g(void **state)
{
    (void)state;
    /* g(uint256[][],string[]) with ([[1, 2], [3]], ["one", "two", "three"]) */
    lm_abi_function f;
    lm_err err;
    const char *sig = "g(uint256[][],string[])";
    assert_int_equal(lm_abi_function_parse(&f, &arena, sig, strlen(sig), &err), LM_OK);
    assert_memory_equal(f.selector, "\x22\x89\xb1\x8c", 4);
    lm_abi_value a12[2] = {lm_abi_uint64(1), lm_abi_uint64(2)}, a3[1] = {lm_abi_uint64(3)};
    lm_abi_value outer[2] = {lm_abi_array(a12, 2), lm_abi_array(a3, 1)};
    lm_abi_value strs[3] = {lm_abi_string("one", 3), lm_abi_string("two", 3),
                            lm_abi_string("three", 5)};
    lm_abi_value args[2] = {lm_abi_array(outer, 2), lm_abi_array(strs, 3)};
    lm_abi_value call = lm_abi_tuple(args, 2);
    check_encoding(f.args, &call,
                   W("0000000000000000000000000000000000000000000000000000000000000040")
                   W("0000000000000000000000000000000000000000000000000000000000000140")
                   W("0000000000000000000000000000000000000000000000000000000000000002")
                   W("0000000000000000000000000000000000000000000000000000000000000040")
                   W("00000000000000000000000000000000000000000000000000000000000000a0")
                   W("0000000000000000000000000000000000000000000000000000000000000002")
                   W("0000000000000000000000000000000000000000000000000000000000000001")
                   W("0000000000000000000000000000000000000000000000000000000000000002")
                   W("0000000000000000000000000000000000000000000000000000000000000001")
                   W("0000000000000000000000000000000000000000000000000000000000000003")
                   W("0000000000000000000000000000000000000000000000000000000000000003")
                   W("0000000000000000000000000000000000000000000000000000000000000060")
                   W("00000000000000000000000000000000000000000000000000000000000000a0")
                   W("00000000000000000000000000000000000000000000000000000000000000e0")
                   W("0000000000000000000000000000000000000000000000000000000000000003")
                   W("6f6e650000000000000000000000000000000000000000000000000000000000")
                   W("0000000000000000000000000000000000000000000000000000000000000003")
                   W("74776f0000000000000000000000000000000000000000000000000000000000")
                   W("0000000000000000000000000000000000000000000000000000000000000005")
                   W("7468726565000000000000000000000000000000000000000000000000000000"));
    /* "Note that the encodings of the embedded elements of the root arrays
     * are not dependent on each other and have the same encodings for a
     * function with a signature g(string[],uint[][])." */
    const lm_abi_type *swapped = type("(string[],uint256[][])");
    lm_abi_value sargs[2] = {args[1], args[0]};
    lm_abi_value scall = lm_abi_tuple(sargs, 2);
    static uint8_t a[1024], b[1024];
    size_t na, nb;
    assert_int_equal(lm_abi_encode(a, sizeof a, &na, f.args, &call, &err), LM_OK);
    assert_int_equal(lm_abi_encode(b, sizeof b, &nb, swapped, &scall, &err), LM_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a + 64, b + 64 + 10 * 32, 8 * 32); /* [[1,2],[3]] */
    assert_memory_equal(a + 64 + 8 * 32, b + 64, 10 * 32); /* the strings */
}

static void test_well_known_selectors(void **state)
{
    (void)state;
    /* ERC-20 (EIP-20) function selectors, as every wallet and explorer shows them */
    uint8_t sel[4];
    lm_abi_selector(sel, "transfer(address,uint256)", 25);
    assert_memory_equal(sel, "\xa9\x05\x9c\xbb", 4);
    lm_abi_selector(sel, "balanceOf(address)", 18);
    assert_memory_equal(sel, "\x70\xa0\x82\x31", 4);
    lm_abi_selector(sel, "approve(address,uint256)", 24);
    assert_memory_equal(sel, "\x09\x5e\xa7\xb3", 4);
    lm_abi_function f;
    lm_err err;
    const char *sig = "transfer(address,uint256)";
    assert_int_equal(lm_abi_function_parse(&f, &arena, sig, strlen(sig), &err), LM_OK);
    assert_memory_equal(f.selector, "\xa9\x05\x9c\xbb", 4);
    assert_int_equal(f.args->count, 2);
    const char *nullary = "totalSupply()";
    assert_int_equal(lm_abi_function_parse(&f, &arena, nullary, strlen(nullary), &err), LM_OK);
    assert_memory_equal(f.selector, "\x18\x16\x0d\xdd", 4);
    assert_int_equal(f.args->count, 0);
    uint8_t out[8];
    size_t n;
    lm_abi_value none = lm_abi_tuple(NULL, 0);
    assert_int_equal(lm_abi_encode_call(out, sizeof out, &n, &f, &none, &err), LM_OK);
    assert_int_equal(n, 4);
    /* refused signatures */
    const char *bad[] = {"", "(uint256)", "1f()", "f", "f(uint)", "f(uint256", "f(uint256))",
                         "f (uint256)", "f(uint256, bool)", "f-g()"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (lm_abi_function_parse(&f, &arena, bad[i], strlen(bad[i]), &err) == LM_OK)
            fail_msg("accepted %s", bad[i]);
        assert_true(strlen(err.msg) > 0);
    }
}

/* ---- types ------------------------------------------------------------- */

static void test_type_parse_format(void **state)
{
    (void)state;
    const char *good[] = {
        "uint8", "uint256", "int8", "int256", "address", "bool", "bytes1", "bytes32", "bytes",
        "string", "uint256[]", "uint256[3]", "bytes3[2]", "string[][2][]", "()",
        "(uint256,address,bytes,(uint8,string)[])", "((bool,bytes32[2])[3],int24)",
        "(uint256[32768])", "(bool[2][16384])", "(((((((((((((((uint8)))))))))))))))",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const lm_abi_type *t = type(good[i]);
        char buf[256];
        size_t n;
        lm_err err;
        assert_int_equal(lm_abi_type_format(buf, sizeof buf, &n, t, &err), LM_OK);
        assert_string_equal(buf, good[i]);
        assert_int_equal(n, strlen(good[i]));
        /* too small a buffer: ESPACE, and never a partial string */
        assert_int_equal(lm_abi_type_format(buf, n, NULL, t, &err), LM_ESPACE);
        assert_string_equal(buf, "");
    }
    const lm_abi_type *t = type("(uint256,address,bytes,(uint8,string)[])");
    assert_int_equal(t->kind, LM_ABI_TUPLE);
    assert_int_equal(t->count, 4);
    assert_true(t->dynamic);
    assert_int_equal(t->members[3].kind, LM_ABI_DYN_ARRAY);
    assert_int_equal(t->members[3].elem->members[0].bits, 8);
    t = type("(uint256,bytes32[2],(bool,address))");
    assert_false(t->dynamic);
    assert_int_equal(t->head_size, 32 * 5);
    t = type("string[2]");
    assert_true(t->dynamic);
    assert_int_equal(t->head_size, 32);

    struct {
        const char *text;
        lm_code code;
    } bad[] = {
        {"", LM_EINVAL},           {"uint", LM_EINVAL},        {"int", LM_EINVAL},
        {"byte", LM_EINVAL},       {"uint7", LM_EINVAL},       {"uint0", LM_EINVAL},
        {"uint264", LM_EINVAL},    {"uint08", LM_EINVAL},      {"int2560", LM_EINVAL},
        {"bytes0", LM_EINVAL},     {"bytes33", LM_EINVAL},     {"bytes01", LM_EINVAL},
        {"fixed128x18", LM_EINVAL}, {"ufixed", LM_EINVAL},     {"function", LM_EINVAL},
        {"Uint256", LM_EINVAL},    {"address payable", LM_EINVAL}, {"(uint256", LM_EINVAL},
        {"uint256)", LM_EINVAL},   {"(uint256,)", LM_EINVAL},  {"(,uint256)", LM_EINVAL},
        {"uint256[0]", LM_EINVAL}, {"uint256[01]", LM_EINVAL}, {"uint256[", LM_EINVAL},
        {"uint256[2", LM_EINVAL},  {"uint256[-1]", LM_EINVAL}, {"uint256[]x", LM_EINVAL},
        {" uint256", LM_EINVAL},   {"uint256 ", LM_EINVAL},    {"()[]", LM_EINVAL},
        {"(uint256,())", LM_EINVAL}, {"(uint256) ", LM_EINVAL}, {"uint256[32769]", LM_ETOOLARGE},
        {"uint256[1000000]", LM_EINVAL}, /* more than 6 digits */
        {"uint256[32768][2]", LM_ETOOLARGE},                    /* static size cap */
        {"((((((((((((((((((uint8))))))))))))))))))", LM_ETOOLARGE}, /* depth 18 */
        {"uint8[][][][][][][][][][][][][][][][][]", LM_ETOOLARGE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const lm_abi_type *out = NULL;
        lm_err err = {0};
        lm_code rc = lm_abi_type_parse(&out, &arena, bad[i].text, strlen(bad[i].text), &err);
        if (rc != bad[i].code)
            fail_msg("'%s': got %s (%s)", bad[i].text, lm_code_name(rc), err.msg);
        assert_null(out);
        assert_non_null(strstr(err.msg, "offset") ? err.msg : NULL);
    }
    /* 257 members; and a text above the length cap */
    static char many[257 * 6 + 2];
    size_t n = 0;
    many[n++] = '(';
    for (int i = 0; i < 257; i++) {
        memcpy(many + n, "bool,", 5);
        n += 5;
    }
    many[n - 1] = ')';
    const lm_abi_type *out;
    lm_err err;
    assert_int_equal(lm_abi_type_parse(&out, &arena, many, n, &err), LM_ETOOLARGE);
    assert_int_equal(lm_abi_type_parse(&out, &arena, many + 5, n - 5, &err), LM_EINVAL); /* no '(' */
    many[5] = '(';
    assert_int_equal(lm_abi_type_parse(&out, &arena, many + 5, n - 5, &err), LM_OK); /* 256 */
    assert_int_equal(out->count, 256);
    static char huge[LM_ABI_MAX_TYPE_LEN + 2];
    memset(huge, 'x', sizeof huge);
    assert_int_equal(lm_abi_type_parse(&out, &arena, huge, sizeof huge, &err), LM_ETOOLARGE);
    /* a full arena */
    uint8_t small[64];
    lm_arena tiny;
    lm_arena_init(&tiny, small, sizeof small);
    const char *big = "(uint256,uint256,uint256)";
    assert_int_equal(lm_abi_type_parse(&out, &tiny, big, strlen(big), &err), LM_ENOMEM);
}

/* ---- values: encoder checks -------------------------------------------- */

static void test_encode_checks(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t n;
    lm_err err;
    lm_abi_value v = lm_abi_uint64(255);
    check_encoding(type("uint8"), &v,
                   "00000000000000000000000000000000000000000000000000000000000000ff");
    v = lm_abi_uint64(256);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("uint8"), &v, &err), LM_EOVERFLOW);
    v = lm_abi_uint(LM_U256_MAX);
    check_encoding(type("uint256"), &v,
                   "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("uint248"), &v, &err), LM_EOVERFLOW);
    /* intN: sign extension and range */
    v = lm_abi_int64(-1);
    check_encoding(type("int256"), &v,
                   "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    check_encoding(type("int8"), &v,
                   "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
    v = lm_abi_int64(-128);
    check_encoding(type("int8"), &v,
                   "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80");
    v = lm_abi_int64(127);
    check_encoding(type("int8"), &v,
                   "000000000000000000000000000000000000000000000000000000000000007f");
    v = lm_abi_int64(128);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("int8"), &v, &err), LM_EOVERFLOW);
    v = lm_abi_int64(-129);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("int8"), &v, &err), LM_EOVERFLOW);
    v = lm_abi_int64(INT64_MIN);
    check_encoding(type("int64"), &v,
                   "ffffffffffffffffffffffffffffffffffffffffffffffff8000000000000000");
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("int56"), &v, &err), LM_EOVERFLOW);
    /* int256 minimum: 0x80…00 */
    lm_u256 min = {{0, 0, 0, 1ull << 63}};
    v = lm_abi_int(min);
    check_encoding(type("int256"), &v,
                   "8000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("int248"), &v, &err), LM_EOVERFLOW);
    /* address */
    uint8_t addr[20];
    for (int i = 0; i < 20; i++)
        addr[i] = (uint8_t)(0xe0 + i);
    v = lm_abi_address(addr);
    check_encoding(type("address"), &v,
                   "000000000000000000000000e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3");
    /* wrong kinds, wrong counts, data after bytesN */
    v = lm_abi_bool(true);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("uint8"), &v, &err), LM_EINVAL);
    assert_non_null(strstr(err.msg, "bool"));
    v = lm_abi_bytes((const uint8_t *)"x", 1);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("string"), &v, &err), LM_EINVAL);
    lm_abi_value three[3] = {lm_abi_uint64(1), lm_abi_uint64(2), lm_abi_uint64(3)};
    v = lm_abi_array(three, 3);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("uint8[2]"), &v, &err), LM_EINVAL);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("uint8[3]"), &v, &err), LM_OK);
    v = lm_abi_tuple(three, 3);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("(uint8,uint8)"), &v, &err), LM_EINVAL);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("uint8[3]"), &v, &err), LM_EINVAL);
    v = lm_abi_fixed_bytes((const uint8_t *)"abcd", 4);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("bytes3"), &v, &err), LM_EINVAL);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("bytes4"), &v, &err), LM_OK);
    /* an error deep in a nested value */
    lm_abi_value inner[2] = {lm_abi_uint64(1), lm_abi_uint64(300)};
    lm_abi_value tup = lm_abi_tuple(inner, 2);
    lm_abi_value arr = lm_abi_array(&tup, 1);
    assert_int_equal(lm_abi_encode(out, sizeof out, &n, type("(uint8,uint8)[]"), &arr, &err),
                     LM_EOVERFLOW);
    /* output too small: nothing written */
    v = lm_abi_string("hello", 5);
    memset(out, 0xee, sizeof out);
    assert_int_equal(lm_abi_encode(out, 63, &n, type("string"), &v, &err), LM_ESPACE);
    assert_int_equal(out[0], 0xee);
    check_encoding(type("string"), &v,
                   "0000000000000000000000000000000000000000000000000000000000000005"
                   "68656c6c6f000000000000000000000000000000000000000000000000000000");
    /* empty bytes, empty array: only the length word */
    v = lm_abi_bytes(NULL, 0);
    check_encoding(type("bytes"), &v,
                   "0000000000000000000000000000000000000000000000000000000000000000");
    v = lm_abi_array(NULL, 0);
    check_encoding(type("string[]"), &v,
                   "0000000000000000000000000000000000000000000000000000000000000000");
    /* exactly 32 bytes: no padding word */
    v = lm_abi_bytes((const uint8_t *)"0123456789abcdef0123456789abcdef", 32);
    check_encoding(type("bytes"), &v,
                   "0000000000000000000000000000000000000000000000000000000000000020"
                   "3031323334353637383961626364656630313233343536373839616263646566");
}

/* ---- decoder refusals ---------------------------------------------------- */

static lm_code dec(const char *ty, const char *hex, const lm_abi_limits *lim, lm_err *err)
{
    static uint8_t buf[8192];
    size_t n = unhex(buf, sizeof buf, hex);
    uint8_t *p = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    assert_non_null(p);
    memcpy(p, buf, n);
    lm_abi_value v;
    lm_code rc = lm_abi_decode(&v, &arena, type(ty), p, n, lim, err);
    free(p);
    return rc;
}

#define Z31 "00000000000000000000000000000000000000000000000000000000000000"
#define ZW Z31 "00"

static void expect(const char *ty, const char *hex, lm_code want, const char *msg_part)
{
    lm_err err = {0};
    lm_code rc = dec(ty, hex, NULL, &err);
    if (rc != want)
        fail_msg("%s %s: got %s (%s), want %s", ty, hex, lm_code_name(rc), err.msg,
                 lm_code_name(want));
    if (msg_part && !strstr(err.msg, msg_part))
        fail_msg("%s: message '%s' lacks '%s'", ty, err.msg, msg_part);
}

static void test_decode_words(void **state)
{
    (void)state;
    expect("bool", Z31 "01", LM_OK, NULL);
    expect("bool", Z31 "02", LM_EINVAL, "bool");
    expect("bool", "01" Z31 "00" "", LM_EINVAL, "bool");
    expect("bool", Z31, LM_ETRUNC, "remain");
    expect("bool", Z31 "0100", LM_ETRAILING, NULL);
    expect("address", "000000000000000000000000e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3", LM_OK, NULL);
    expect("address", "000000000000000000000001e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3", LM_EINVAL,
           "padding");
    expect("uint8", Z31 "ff", LM_OK, NULL);
    expect("uint8", "00000000000000000000000000000000000000000000000000000000000001ff", LM_EINVAL,
           "uint8");
    expect("uint248", "0100000000000000000000000000000000000000000000000000000000000000", LM_EINVAL,
           NULL);
    expect("uint256", "ff00000000000000000000000000000000000000000000000000000000000000", LM_OK, NULL);
    /* intN: properly sign-extended or refused */
    expect("int8", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80", LM_OK, NULL);
    expect("int8", Z31 "7f", LM_OK, NULL);
    expect("int8", Z31 "80", LM_EINVAL, "sign-extended");   /* +128 */
    expect("int8", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", LM_EINVAL,
           "sign-extended"); /* -129 */
    expect("int8", "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80", LM_EINVAL, NULL);
    expect("int256", "8000000000000000000000000000000000000000000000000000000000000000", LM_OK, NULL);
    expect("bytes3", "6162630000000000000000000000000000000000000000000000000000000000", LM_OK, NULL);
    expect("bytes3", "6162636400000000000000000000000000000000000000000000000000000000", LM_EINVAL,
           "bytes3");
    expect("bytes32", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", LM_OK, NULL);
    /* a static tuple cut short, and one nested deeper */
    expect("(uint8,bool)", Z31 "01", LM_ETRUNC, NULL);
    expect("(uint8,(bool,bool))", Z31 "01" Z31 "01" Z31, LM_ETRUNC, NULL);
}

#define W00 ZW
#define W01 Z31 "01"
#define W02 Z31 "02"
#define W03 Z31 "03"
#define W20 Z31 "20"
#define W40 Z31 "40"
#define W60 Z31 "60"
#define W80 Z31 "80"
#define WFF "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define ABC "616263" "0000000000000000000000000000000000000000000000000000000000"

static void test_decode_dynamic(void **state)
{
    (void)state;
    lm_err err;
    lm_abi_limits lenient = {LM_ABI_DEFAULT_MAX_LEN, true};
    expect("(bytes)", W20 W03 ABC, LM_OK, NULL);
    /* offsets: canonical only (strict); never into the head or past the end */
    expect("(bytes)", W40 W00 W03 ABC, LM_ENONCANON, "canonical 0x20");
    assert_int_equal(dec("(bytes)", W40 W00 W03 ABC, &lenient, &err), LM_OK);
    expect("(bytes)", W00 W03 ABC, LM_EINVAL, "into the head");
    assert_int_equal(dec("(bytes)", W00 W03 ABC, &lenient, &err), LM_EINVAL);
    expect("(bytes)", Z31 "ff" W03 ABC, LM_EINVAL, "past the end");
    expect("(bytes)", WFF W03 ABC, LM_EINVAL, "huge offset");
    expect("(bytes)", W20, LM_ETRUNC, "length");
    /* lengths: within the data, within the cap, padding present and zero */
    expect("(bytes)", W20 W40 ABC, LM_ETRUNC, NULL);
    expect("(bytes)", W20 WFF ABC, LM_ETOOLARGE, "cap");
    lm_abi_limits cap2 = {2, false};
    assert_int_equal(dec("(bytes)", W20 W03 ABC, &cap2, &err), LM_ETOOLARGE);
    lm_abi_limits cap3 = {3, false};
    assert_int_equal(dec("(bytes)", W20 W03 ABC, &cap3, &err), LM_OK);
    expect("(string)", W20 W03 "61626364" "00000000000000000000000000000000000000000000000000000000",
           LM_EINVAL, "padding");
    expect("(bytes)", W20 W03 "616263", LM_ETRUNC, NULL);
    /* trailing bytes: refused when strict, ignored when lenient */
    expect("(bytes)", W20 W03 ABC W00, LM_ETRAILING, "trailing byte");
    assert_int_equal(dec("(bytes)", W20 W03 ABC W00, &lenient, &err), LM_OK);
    /* dynamic arrays: count within the data and the cap */
    expect("(uint256[])", W20 W02 W01 W02, LM_OK, NULL);
    expect("(uint256[])", W20 W03 W01 W02, LM_ETRUNC, "do not fit");
    expect("(uint256[])", W20 WFF W01 W02, LM_ETOOLARGE, "cap");
    lm_abi_limits cap1 = {1, false};
    assert_int_equal(dec("(uint256[])", W20 W02 W01 W02, &cap1, &err), LM_ETOOLARGE);
    expect("(uint8[])", W20 W01 Z31 "0100", LM_ETRAILING, NULL);
    expect("(uint8[])", W20 W01 "00000000000000000000000000000000000000000000000000000000000001ff",
           LM_EINVAL, "uint8");
    /* an inner offset pointing back into its own array's head (lenient) */
    expect("(string[])", W20 W01 W20 W03 ABC, LM_OK, NULL);
    assert_int_equal(dec("(string[])", W20 W01 W00 W03 ABC, &lenient, &err), LM_EINVAL);
    /* strings sharing one tail: fine for lenient, not canonical for strict */
    expect("(string,string)", W40 W40 W03 ABC, LM_ENONCANON, NULL);
    assert_int_equal(dec("(string,string)", W40 W40 W03 ABC, &lenient, &err), LM_OK);
    /* dynamic inside a static-size array, static tuple inside a dynamic array */
    expect("(string[2])", W20 W40 W80 W03 ABC W03 ABC, LM_OK, NULL);
    expect("(string[2])", W20 W40 W40 W03 ABC, LM_ENONCANON, NULL);
    expect("((uint8,bool)[])", W20 W01 W03 W01, LM_OK, NULL);
    expect("((uint8,bool)[])", W20 W01 W03 W02, LM_EINVAL, "bool");
    /* the empty argument list */
    expect("()", "", LM_OK, NULL);
    expect("()", W00, LM_ETRAILING, NULL);
}

/* Offsets that all point at one array: cheap to send, costly to walk. */
static void test_decode_alias_bomb(void **state)
{
    (void)state;
    enum { N = 64, M = 200 };
    static uint8_t buf[32 * (2 + N + 1 + M)];
    memset(buf, 0, sizeof buf);
    size_t o = 0;
    buf[o + 31] = 0x20; /* offset of the outer array */
    o += 32;
    buf[o + 31] = N; /* outer count */
    o += 32;
    for (int i = 0; i < N; i++, o += 32)
        lm_store_be32(buf + o + 28, 32 * N); /* every element: the same inner array */
    buf[o + 31] = M; /* inner count; then M zero words */
    lm_abi_value v;
    lm_err err;
    const lm_abi_type *t = type("(uint256[][])");
    size_t mark = lm_arena_mark(&arena);
    assert_int_equal(lm_abi_decode(&v, &arena, t, buf, sizeof buf, NULL, &err), LM_ENONCANON);
    lm_abi_limits lenient = {LM_ABI_DEFAULT_MAX_LEN, true};
    lm_arena_rewind(&arena, mark);
    assert_int_equal(lm_abi_decode(&v, &arena, t, buf, sizeof buf, &lenient, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "times the input"));
    /* the same shape with few aliases is fine when lenient */
    buf[32 + 31] = 2;
    lm_arena_rewind(&arena, mark);
    assert_int_equal(lm_abi_decode(&v, &arena, t, buf, sizeof buf, &lenient, &err), LM_OK);
    assert_int_equal(v.u.list.items[0].u.list.count, 2);
    assert_int_equal(v.u.list.items[0].u.list.items[1].u.list.count, M);
}

static void test_decode_arena_full(void **state)
{
    (void)state;
    static uint8_t buf[32 * 102];
    memset(buf, 0, sizeof buf);
    buf[31] = 0x20;
    buf[63] = 100;
    const lm_abi_type *t = type("(uint256[])");
    uint8_t small[512];
    lm_arena tiny;
    lm_arena_init(&tiny, small, sizeof small);
    lm_abi_value v;
    lm_err err;
    assert_int_equal(lm_abi_decode(&v, &tiny, t, buf, sizeof buf, NULL, &err), LM_ENOMEM);
    assert_int_equal(lm_abi_decode(&v, &arena, t, buf, sizeof buf, NULL, &err), LM_OK);
    assert_int_equal(v.u.list.items[0].u.list.count, 100);
}

static void test_decode_zero_copy(void **state)
{
    (void)state;
    uint8_t buf[96];
    size_t n = unhex(buf, sizeof buf, W20 W03 ABC);
    lm_abi_value v;
    lm_err err;
    assert_int_equal(lm_abi_decode(&v, &arena, type("(string)"), buf, n, NULL, &err), LM_OK);
    assert_ptr_equal(v.u.list.items[0].u.bytes.data, buf + 64);
    assert_int_equal(v.u.list.items[0].u.bytes.len, 3);
    assert_int_equal(v.u.list.items[0].kind, LM_ABI_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_spec_baz, setup),
        cmocka_unit_test_setup(test_spec_bar, setup),
        cmocka_unit_test_setup(test_spec_sam, setup),
        cmocka_unit_test_setup(test_spec_f, setup),
        cmocka_unit_test_setup(test_spec_g, setup),
        cmocka_unit_test_setup(test_well_known_selectors, setup),
        cmocka_unit_test_setup(test_type_parse_format, setup),
        cmocka_unit_test_setup(test_encode_checks, setup),
        cmocka_unit_test_setup(test_decode_words, setup),
        cmocka_unit_test_setup(test_decode_dynamic, setup),
        cmocka_unit_test_setup(test_decode_alias_bomb, setup),
        cmocka_unit_test_setup(test_decode_arena_full, setup),
        cmocka_unit_test_setup(test_decode_zero_copy, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
