/* Unit tests for the many-at-once Poseidon2 functions
 * (include/lamina/poseidon2.h, "Many at once"; src/crypto/poseidon2_x8.c).
 *
 * Every implementation this machine can run (scalar, AVX2, AVX-512: each is
 * forced in turn with lm_poseidon2_set_impl) is checked bit for bit against
 * the one-at-a-time functions of src/crypto/poseidon2.c, on random words and
 * on the edge words of the lazy arithmetic (0, 1, p - 1, p, 2^64 - 1,
 * 2^32 - 1, 2^32, 2^63, ...), and on the Horizen Labs reference known answer
 * for t = 12 (github.com/HorizenLabs/poseidon2,
 * plain_implementations/src/poseidon2/poseidon2.rs, poseidon2_tests_goldilocks,
 * fn kats; the same vector as tests/unit/test_poseidon2.c). The batch
 * helpers are checked for n = 0..20 and larger n that are not multiples of
 * 8, so that full blocks, vector tails and scalar tails all run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/poseidon2.h"

#include "../test_rng.h"
#include "../poseidon2_kat.h"

#define P LM_GL_P

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void) { return xorshift64s(&rng_state); }

/* Words where carries, borrows and the final subtraction of p change. */
static const uint64_t edge[] = {
    0,
    1,
    2,
    P - 2,
    P - 1,
    P,
    P + 1,
    UINT64_MAX,
    UINT64_MAX - 1,
    UINT64_C(0xffffffff),
    UINT64_C(0x100000000),
    UINT64_C(0x100000001),
    UINT64_C(0x8000000000000000),
    UINT64_C(0x7fffffffffffffff),
    UINT64_C(0xfffffffe00000000),
    UINT64_C(0xffffffff00000000),
    UINT64_C(0x00000000fffffffe),
};
#define N_EDGE (sizeof edge / sizeof edge[0])

/* A word: random, or (one time in two) an edge word. */
static uint64_t word(void)
{
    uint64_t r = rng_next();
    return (r & 1) ? edge[(r >> 1) % N_EDGE] : rng_next();
}

static const lm_p2_impl all_impls[] = {LM_P2_IMPL_SCALAR, LM_P2_IMPL_AVX2, LM_P2_IMPL_AVX512};
#define N_IMPLS (sizeof all_impls / sizeof all_impls[0])

/* Forces impl. Returns: false when this machine cannot run it. */
static bool use(lm_p2_impl impl)
{
    if (!lm_poseidon2_impl_available(impl)) {
        assert_false(lm_poseidon2_set_impl(impl));
        return false;
    }
    assert_true(lm_poseidon2_set_impl(impl));
    assert_int_equal(lm_poseidon2_impl(), impl);
    return true;
}

static int teardown_auto(void **state)
{
    (void)state;
    return lm_poseidon2_set_impl(LM_P2_IMPL_AUTO) ? 0 : -1;
}

static void test_dispatch(void **state)
{
    (void)state;
    assert_true(lm_poseidon2_impl_available(LM_P2_IMPL_SCALAR));
    assert_true(lm_poseidon2_set_impl(LM_P2_IMPL_AUTO));
    lm_p2_impl best = lm_poseidon2_impl();
    assert_int_not_equal(best, LM_P2_IMPL_AUTO);
    /* auto picks the widest available */
    if (lm_poseidon2_impl_available(LM_P2_IMPL_AVX512))
        assert_int_equal(best, LM_P2_IMPL_AVX512);
    else if (lm_poseidon2_impl_available(LM_P2_IMPL_AVX2))
        assert_int_equal(best, LM_P2_IMPL_AVX2);
    else
        assert_int_equal(best, LM_P2_IMPL_SCALAR);
    assert_false(lm_poseidon2_set_impl((lm_p2_impl)77));
    assert_int_equal(lm_poseidon2_impl(), best);
    assert_string_equal(lm_poseidon2_impl_name(LM_P2_IMPL_AVX512), "avx512");
    assert_string_equal(lm_poseidon2_impl_name(LM_P2_IMPL_SCALAR), "scalar");
    for (size_t k = 0; k < N_IMPLS; k++)
        print_message("poseidon2 x8: %s %s\n", lm_poseidon2_impl_name(all_impls[k]),
                      lm_poseidon2_impl_available(all_impls[k]) ? "tested" : "not available here");
}

static void test_reference_kat(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_IMPLS; k++) {
        if (!use(all_impls[k]))
            continue;
        lm_gl s[LM_P2_LANES][LM_P2_WIDTH];
        for (int l = 0; l < LM_P2_LANES; l++)
            for (int i = 0; i < LM_P2_WIDTH; i++)
                s[l][i] = (lm_gl)i + (l & 1 ? P : 0) * (i > 0); /* i + p is hashed as i */
        lm_poseidon2_permute_x8(s);
        for (int l = 0; l < LM_P2_LANES; l++)
            assert_memory_equal(s[l], P2_KAT_OUT, sizeof P2_KAT_OUT);
    }
}

/* permute_x8 against lm_poseidon2_permute, every lane different. */
static void test_permute_x8_random_and_edges(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_IMPLS; k++) {
        if (!use(all_impls[k]))
            continue;
        for (int round = 0; round < 3000; round++) {
            lm_gl s[LM_P2_LANES][LM_P2_WIDTH], want[LM_P2_LANES][LM_P2_WIDTH];
            for (int l = 0; l < LM_P2_LANES; l++)
                for (int i = 0; i < LM_P2_WIDTH; i++) {
                    /* rounds 0..N_EDGE-1: lane l all one edge word */
                    s[l][i] = round < (int)N_EDGE ? edge[(round + l) % N_EDGE] : word();
                    want[l][i] = s[l][i];
                }
            for (int l = 0; l < LM_P2_LANES; l++)
                lm_poseidon2_permute(want[l]);
            lm_poseidon2_permute_x8(s);
            assert_memory_equal(s, want, sizeof want);
        }
    }
}

static void test_permute_many(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 61};
    for (size_t k = 0; k < N_IMPLS; k++) {
        if (!use(all_impls[k]))
            continue;
        for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
            size_t n = sizes[t];
            lm_gl s[64][LM_P2_WIDTH], want[64][LM_P2_WIDTH];
            for (size_t j = 0; j < 64; j++)
                for (int i = 0; i < LM_P2_WIDTH; i++)
                    s[j][i] = want[j][i] = word();
            for (size_t j = 0; j < n; j++)
                lm_poseidon2_permute(want[j]);
            lm_poseidon2_permute_many(s, n);
            assert_memory_equal(s, want, sizeof want); /* states past n untouched */
        }
    }
}

static void test_compress_many_and_pairs(void **state)
{
    (void)state;
    enum { MAX = 131 };
    lm_gl(*l)[4] = malloc(MAX * sizeof *l), (*r)[4] = malloc(MAX * sizeof *r);
    lm_gl(*in)[4] = malloc(2 * MAX * sizeof *in), (*out)[4] = malloc((MAX + 1) * sizeof *out);
    lm_gl(*want)[4] = malloc(MAX * sizeof *want);
    assert_non_null(l);
    assert_non_null(r);
    assert_non_null(in);
    assert_non_null(out);
    assert_non_null(want);
    for (size_t k = 0; k < N_IMPLS; k++) {
        if (!use(all_impls[k]))
            continue;
        for (size_t n = 0; n <= MAX; n = n < 20 ? n + 1 : n + 37) {
            for (size_t j = 0; j < n; j++)
                for (int i = 0; i < 4; i++) {
                    l[j][i] = in[2 * j][i] = word();
                    r[j][i] = in[2 * j + 1][i] = word();
                }
            for (size_t j = 0; j < n; j++)
                lm_poseidon2_compress(want[j], l[j], r[j]);
            /* separate arrays; the word past the end stays */
            memset(out, 0xa5, (n + 1) * sizeof *out);
            lm_poseidon2_compress_many(out, (const lm_gl(*)[4])l, (const lm_gl(*)[4])r, n);
            assert_memory_equal(out, want, n * sizeof *want);
            for (int i = 0; i < 4; i++)
                assert_true(out[n][i] == UINT64_C(0xa5a5a5a5a5a5a5a5));
            /* pairs, out of place */
            memset(out, 0xa5, (n + 1) * sizeof *out);
            lm_poseidon2_compress_pairs(out, (const lm_gl(*)[4])in, n);
            assert_memory_equal(out, want, n * sizeof *want);
            for (int i = 0; i < 4; i++)
                assert_true(out[n][i] == UINT64_C(0xa5a5a5a5a5a5a5a5));
            /* pairs in place: the level halves over itself */
            lm_poseidon2_compress_pairs(in, (const lm_gl(*)[4])in, n);
            assert_memory_equal(in, want, n * sizeof *want);
            /* many, out aliasing left */
            lm_poseidon2_compress_many(l, (const lm_gl(*)[4])l, (const lm_gl(*)[4])r, n);
            assert_memory_equal(l, want, n * sizeof *want);
        }
    }
    free(l);
    free(r);
    free(in);
    free(out);
    free(want);
}

/* hash_many against lm_poseidon2_hash, row-major and column-major, lengths
 * 0..20 and 37 (1 to 5 sponge blocks; multiples of 8 and not). */
static void test_hash_many(void **state)
{
    (void)state;
    enum { MAXN = 45, MAXLEN = 37 };
    lm_gl *m = malloc(MAXN * MAXLEN * sizeof *m), *t = malloc(MAXN * MAXLEN * sizeof *t);
    lm_gl(*out)[4] = malloc((MAXN + 1) * sizeof *out), (*want)[4] = malloc(MAXN * sizeof *want);
    assert_non_null(m);
    assert_non_null(t);
    assert_non_null(out);
    assert_non_null(want);
    static const size_t ns[] = {0, 1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 20, 45};
    for (size_t k = 0; k < N_IMPLS; k++) {
        if (!use(all_impls[k]))
            continue;
        for (size_t len = 0; len <= MAXLEN; len = len < 20 ? len + 1 : (len == 20 ? MAXLEN : MAXLEN + 1)) {
            for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
                size_t n = ns[a];
                for (size_t j = 0; j < n; j++)
                    for (size_t c = 0; c < len; c++)
                        t[c * n + j] = m[j * len + c] = rng_next() % P; /* rows are elements */
                for (size_t j = 0; j < n; j++)
                    lm_poseidon2_hash(want[j], m + j * len, len);
                memset(out, 0xa5, (n + 1) * sizeof *out);
                lm_poseidon2_hash_many(out, m, n, len, len, 1);
                assert_memory_equal(out, want, n * sizeof *want);
                assert_true(out[n][0] == UINT64_C(0xa5a5a5a5a5a5a5a5));
                memset(out, 0xa5, (n + 1) * sizeof *out);
                lm_poseidon2_hash_many(out, t, n, len, 1, n);
                assert_memory_equal(out, want, n * sizeof *want);
                assert_true(out[n][0] == UINT64_C(0xa5a5a5a5a5a5a5a5));
            }
        }
        /* zero rows and NULL */
        lm_poseidon2_hash_many(out, NULL, 0, 5, 5, 1);
    }
    free(m);
    free(t);
    free(out);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_dispatch, teardown_auto),
        cmocka_unit_test_teardown(test_reference_kat, teardown_auto),
        cmocka_unit_test_teardown(test_permute_x8_random_and_edges, teardown_auto),
        cmocka_unit_test_teardown(test_permute_many, teardown_auto),
        cmocka_unit_test_teardown(test_compress_many_and_pairs, teardown_auto),
        cmocka_unit_test_teardown(test_hash_many, teardown_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
