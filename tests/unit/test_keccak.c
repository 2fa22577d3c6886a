/* Keccak-256: the permutation and the hash against published known answers
 * (Keccak team KAT files, XKCP intermediate values), boundary lengths
 * computed with ethers 6 keccak256, and streaming == one-shot for every
 * split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"

static void hex32(uint8_t out[32], const char *hex)
{
    lm_err err;
    assert_int_equal(lm_hex_decode_exact(out, 32, hex, strlen(hex), LM_HEX_PREFIX_OPTIONAL, &err), LM_OK);
}

static void check_hash(const uint8_t *msg, size_t len, const char *want_hex)
{
    uint8_t want[32], got[32];
    hex32(want, want_hex);
    lm_keccak256(got, msg, len);
    assert_memory_equal(got, want, 32);
}

/* A fixed pattern for the boundary messages: byte i = 31*i + 7 (mod 256). */
static void pattern(uint8_t *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * 31 + 7);
}

/* Keccak-f[1600] on the all-zero state, from the Keccak team's
 * KeccakF-1600-IntermediateValues.txt (XKCP): one application. */
static void test_f1600_zero_state(void **state)
{
    (void)state;
    static const uint64_t want[25] = {
        0xF1258F7940E1DDE7ull, 0x84D5CCF933C0478Aull, 0xD598261EA65AA9EEull,
        0xBD1547306F80494Dull, 0x8B284E056253D057ull, 0xFF97A42D7F8E6FD4ull,
        0x90FEE5A0A44647C4ull, 0x8C5BDA0CD6192E76ull, 0xAD30A6F71B19059Cull,
        0x30935AB7D08FFC64ull, 0xEB5AA93F2317D635ull, 0xA9A6E6260D712103ull,
        0x81A57C16DBCF555Full, 0x43B831CD0347C826ull, 0x01F22F1A11A5569Full,
        0x05E5635A21D9AE61ull, 0x64BEFEF28CC970F2ull, 0x613670957BC46611ull,
        0xB87C5A554FD00ECBull, 0x8C3EE88A1CCF32C8ull, 0x940C7922AE3A2614ull,
        0x1841F924A2C509E4ull, 0x16F53526E70465C2ull, 0x75F644E97F30A13Bull,
        0xEAF1FF7B5CECA249ull,
    };
    uint64_t st[25] = {0};
    lm_keccak_f1600(st);
    for (int i = 0; i < 25; i++)
        assert_true(st[i] == want[i]);
}

/* Reads tests/vectors/keccak_kat.txt (Len/Msg/MD triples) and checks each
 * entry one-shot and streamed byte by byte. */
static void test_keccak_team_kat(void **state)
{
    (void)state;
    FILE *f = fopen(LM_SOURCE_DIR "/tests/vectors/keccak_kat.txt", "r");
    assert_non_null(f);
    static char line[8192];
    static uint8_t msg[4096];
    size_t bits = 0, msg_len = 0;
    int checked = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        lm_err err;
        if (strncmp(line, "Len = ", 6) == 0) {
            bits = 0;
            for (const char *p = line + 6; *p; p++)
                bits = bits * 10 + (size_t)(*p - '0');
        } else if (strncmp(line, "Msg = ", 6) == 0) {
            assert_int_equal(lm_hex_decode(msg, sizeof msg, &msg_len, line + 6, n - 6,
                                           LM_HEX_PREFIX_FORBIDDEN, &err), LM_OK);
            if (bits == 0)
                msg_len = 0; /* "Msg = 00" stands for the empty message */
            assert_int_equal(msg_len * 8, bits);
        } else if (strncmp(line, "MD = ", 5) == 0) {
            check_hash(msg, msg_len, line + 5);
            uint8_t want[32], got[32];
            hex32(want, line + 5);
            lm_keccak k;
            lm_keccak_init(&k);
            for (size_t i = 0; i < msg_len; i++)
                lm_keccak_update(&k, msg + i, 1);
            lm_keccak_final(&k, got);
            assert_memory_equal(got, want, 32);
            checked++;
        }
    }
    fclose(f);
    assert_int_equal(checked, 6);
}

static void test_short_known_answers(void **state)
{
    (void)state;
    check_hash(NULL, 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    check_hash((const uint8_t *)"", 0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    check_hash((const uint8_t *)"abc", 3, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    /* Not SHA3-256, whose empty-input digest (FIPS 202 example) is a7ffc6f8…. */
    uint8_t got[32], sha3_empty[32];
    hex32(sha3_empty, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
    lm_keccak256(got, NULL, 0);
    assert_memory_not_equal(got, sha3_empty, 32);
}

/* Rate boundaries (135 = one byte of room for padding, 0x81; 136 = a full
 * block plus a padding-only block; 137) and multi-block lengths. Answers
 * computed with ethers 6.15 keccak256 over the same pattern(). */
static void test_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        const char *hash;
    } v[] = {
        {1, "ee2a4bc7db81da2b7164e56b3649b1e2a09c58c455b15dabddd9146c7582cebc"},
        {134, "8b2af3b215fa1425ced8e97e7a45902093b060e08317780d936040bce17997d0"},
        {135, "adee8145bb33dc0320ad44945eeeb391e4668f0f7c69ccbbf6550a7cba245e52"},
        {136, "eaccfc5aa7bf6bf1941809ef7cc9ee6a2fa306a7dd1de3f2e8504849b0a5e3c4"},
        {137, "ea0e0b9657469f0b4f53604f1068ab4bd4a5e7b0a458d24a78f1fe2ec7bd4db0"},
        {200, "af34d36e1e9eb18df4a79a5a8304300700d164014a5d6400438116dfc1d9db28"},
        {271, "407871b419dca15e033dd9777154af2116326a7849eacadbc46b1618055ee0a2"},
        {272, "c62d6a60780d4e03408834062e58004a549cff1c7487c0b9a130810621b0fcae"},
        {273, "b47ca693c8d675afa3b0b644da6dc96613f07c6f8971f9a0077ed6b7c994561d"},
        {1000, "c77d9bffcae9f0984e6dff7eea63cc14cad5f367f791e27b08a1953f192f30a5"},
    };
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        pattern(buf, v[i].len);
        check_hash(buf, v[i].len, v[i].hash);
    }
}

/* Every split of a 3-block message into two updates, and many three-way
 * splits, equal the one-shot digest. */
static void test_streaming_splits(void **state)
{
    (void)state;
    enum { N = 3 * LM_KECCAK256_RATE + 5 };
    uint8_t msg[N], want[32], got[32];
    pattern(msg, N);
    for (size_t len = 0; len <= N; len += (len < 20 || len > N - 20) ? 1 : 7) {
        lm_keccak256(want, msg, len);
        for (size_t i = 0; i <= len; i++) {
            lm_keccak k;
            lm_keccak_init(&k);
            lm_keccak_update(&k, msg, i);
            lm_keccak_update(&k, msg + i, len - i);
            lm_keccak_final(&k, got);
            assert_memory_equal(got, want, 32);
        }
    }
    lm_keccak256(want, msg, N);
    for (size_t i = 0; i <= N; i += 3) {
        for (size_t j = i; j <= N; j += 11) {
            lm_keccak k;
            lm_keccak_init(&k);
            lm_keccak_update(&k, msg, i);
            lm_keccak_update(&k, NULL, 0);
            lm_keccak_update(&k, msg + i, j - i);
            lm_keccak_update(&k, msg + j, N - j);
            lm_keccak_final(&k, got);
            assert_memory_equal(got, want, 32);
        }
    }
}

/* One million 'a' (the classic long-message test), streamed in 1000-byte
 * chunks. Answer from ethers 6.15 keccak256. */
static void test_million_a(void **state)
{
    (void)state;
    uint8_t chunk[1000], got[32], want[32];
    memset(chunk, 'a', sizeof chunk);
    lm_keccak k;
    lm_keccak_init(&k);
    for (int i = 0; i < 1000; i++)
        lm_keccak_update(&k, chunk, sizeof chunk);
    lm_keccak_final(&k, got);
    hex32(want, "fadae6b49f129bbb812be8407b7b2894f34aecf6dbd1f9b0f0c7e9853098fc96");
    assert_memory_equal(got, want, 32);
}

/* A copied context forks the hash; final wipes the context; the one-shot
 * output may alias its input. */
static void test_fork_wipe_alias(void **state)
{
    (void)state;
    uint8_t msg[300], a[32], b[32], want_a[32], want_b[32];
    pattern(msg, sizeof msg);
    lm_keccak256(want_a, msg, 150);
    lm_keccak256(want_b, msg, 300);
    lm_keccak k1, k2;
    lm_keccak_init(&k1);
    lm_keccak_update(&k1, msg, 140);
    k2 = k1;
    lm_keccak_update(&k1, msg + 140, 10);
    lm_keccak_update(&k2, msg + 140, 160);
    lm_keccak_final(&k1, a);
    lm_keccak_final(&k2, b);
    assert_memory_equal(a, want_a, 32);
    assert_memory_equal(b, want_b, 32);
    static const lm_keccak zero;
    assert_memory_equal(&k1, &zero, sizeof zero);

    uint8_t inplace[64];
    memcpy(inplace, msg, 64);
    lm_keccak256(inplace, inplace, 64);
    lm_keccak256(a, msg, 64);
    assert_memory_equal(inplace, a, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_f1600_zero_state),
        cmocka_unit_test(test_keccak_team_kat),
        cmocka_unit_test(test_short_known_answers),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_streaming_splits),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_fork_wipe_alias),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
