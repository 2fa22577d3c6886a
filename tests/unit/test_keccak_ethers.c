/* Keccak-256 against ethers: the vectors written by tests/ethers/gen_keccak.js
 * (every length 0..300, random lengths up to 600), checked one-shot and
 * streamed in random chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"

#include "../ethers_vectors.h"

#include "../test_rng.h"

/* xorshift64*: a fixed-seed PRNG for the chunk sizes. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) { return xorshift64s(&rng_state); }

static void decode(uint8_t *out, size_t cap, size_t *len, const char *hex)
{
    lm_err err;
    lm_code rc = lm_hex_decode(out, cap, len, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, &err);
    if (rc != LM_OK)
        fail_msg("bad vector hex: %s", err.msg);
}

static void test_against_ethers(void **state)
{
    (void)state;
    json_t *doc = ev_load("keccak", 0);
    json_t *vectors = json_object_get(doc, "vectors");
    assert_true(json_is_array(vectors));
    assert_true(json_array_size(vectors) >= 500);
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v) {
        uint8_t msg[700], want[32], got[32];
        size_t len, hlen;
        decode(msg, sizeof msg, &len, json_string_value(json_object_get(v, "msg")));
        decode(want, sizeof want, &hlen, json_string_value(json_object_get(v, "hash")));
        assert_int_equal(hlen, 32);

        lm_keccak256(got, msg, len);
        if (memcmp(got, want, 32) != 0)
            fail_msg("one-shot mismatch at vector %zu (len %zu)", i, len);

        for (int round = 0; round < 4; round++) {
            lm_keccak k;
            lm_keccak_init(&k);
            size_t off = 0;
            while (off < len) {
                /* mostly small chunks, sometimes whole blocks and more */
                size_t max = (rng() & 3) == 0 ? 300 : 17;
                size_t n = (size_t)(rng() % (max + 1));
                if (n > len - off)
                    n = len - off;
                lm_keccak_update(&k, msg + off, n);
                off += n;
            }
            lm_keccak_final(&k, got);
            if (memcmp(got, want, 32) != 0)
                fail_msg("streaming mismatch at vector %zu (len %zu)", i, len);
        }
    }
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_ethers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
