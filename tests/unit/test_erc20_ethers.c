/* ERC-20 symbol() answers against ethers: tests/ethers/gen_erc20.js encodes
 * symbols as the EIP-20 ABI `string` (AbiCoder) and as the `bytes32` of
 * older tokens (encodeBytes32String), plus malformed and unprintable
 * answers, each with its verdict; lm_erc20_symbol_decode must agree on
 * every one: the same text byte for byte, or the same error code. A few
 * hand-written cases pin the rules the generator states (known answers
 * that do not depend on the generator). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/l1_lamina.h"

#include "../ethers_vectors.h"

static lm_code code_of(const char *name)
{
    for (int c = 0; c < LM_ECODE_COUNT; c++)
        if (strcmp(lm_code_name((lm_code)c), name) == 0)
            return (lm_code)c;
    fail_msg("unknown error name %s", name);
    return LM_OK;
}

static void test_symbols_against_ethers(void **state)
{
    (void)state;
    json_t *doc = ev_load("erc20", 0);
    assert_int_equal(json_integer_value(json_object_get(doc, "max")), LM_ERC20_SYMBOL_MAX);
    json_t *vectors = json_object_get(doc, "vectors");
    assert_true(json_array_size(vectors) >= 100);
    size_t i, n_ok = 0, n_err = 0;
    json_t *v;
    json_array_foreach(vectors, i, v)
    {
        const char *what = json_string_value(json_object_get(v, "what"));
        const char *hex = json_string_value(json_object_get(v, "data"));
        static uint8_t data[4096];
        size_t len;
        lm_err err;
        assert_int_equal(
            lm_hex_decode(data, sizeof data, &len, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, &err),
            LM_OK);
        char got[LM_ERC20_SYMBOL_MAX + 1];
        lm_code rc = lm_erc20_symbol_decode(got, data, len, &err);
        const char *want_err = json_string_value(json_object_get(v, "error"));
        if (want_err) {
            if (rc != code_of(want_err))
                fail_msg("%s: want %s, got %s (%s)", what, want_err, lm_code_name(rc),
                         rc == LM_OK ? got : err.msg);
            n_err++;
            continue;
        }
        if (rc != LM_OK)
            fail_msg("%s: refused: %s", what, err.msg);
        const char *sh = json_string_value(json_object_get(v, "symbol"));
        uint8_t want[LM_ERC20_SYMBOL_MAX];
        size_t wlen;
        assert_int_equal(
            lm_hex_decode(want, sizeof want, &wlen, sh, strlen(sh), LM_HEX_PREFIX_REQUIRED, &err),
            LM_OK);
        if (strlen(got) != wlen || memcmp(got, want, wlen) != 0)
            fail_msg("%s: got \"%s\"", what, got);
        n_ok++;
    }
    assert_true(n_ok >= 40 && n_err >= 40);
    json_decref(doc);
}

/* Known answers written out by hand: "MKR" as bytes32 and as a string. */
static void test_symbol_known_answers(void **state)
{
    (void)state;
    char got[LM_ERC20_SYMBOL_MAX + 1];
    lm_err err;
    uint8_t b32[32] = {'M', 'K', 'R'};
    assert_int_equal(lm_erc20_symbol_decode(got, b32, 32, &err), LM_OK);
    assert_string_equal(got, "MKR");
    uint8_t s[96] = {0};
    s[31] = 0x20; /* offset */
    s[63] = 3;    /* length */
    memcpy(s + 64, "MKR", 3);
    assert_int_equal(lm_erc20_symbol_decode(got, s, 96, &err), LM_OK);
    assert_string_equal(got, "MKR");
    /* strict padding is not asked of a token: but a length past the data is */
    s[63] = 33;
    assert_int_equal(lm_erc20_symbol_decode(got, s, 96, &err), LM_EPROTO);
    /* an escape sequence would drive the user's terminal */
    s[63] = 4;
    memcpy(s + 64, "\x1b[2J", 4);
    assert_int_equal(lm_erc20_symbol_decode(got, s, 96, &err), LM_EINVAL);
    assert_int_equal(lm_erc20_symbol_decode(got, s, 0, &err), LM_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbols_against_ethers),
        cmocka_unit_test(test_symbol_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
