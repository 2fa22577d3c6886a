/* Unit tests for the accounts tree (src/state/tree.c): known answers from
 * the independent Python model (tests/vectors/state_tree_model.py, written
 * from docs/l2-protocol.md §3) and docs/poseidon2.md, a naive recursive
 * recomputation, incremental == from scratch, multi-thread == one thread,
 * proofs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/state_tree.h"

#include "../test_rng.h"

typedef lm_gl digest_t[4];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void) { return xorshift64s(&rng_state); } /* seeded above */

static void random_digest(lm_gl d[4])
{
    for (int i = 0; i < 4; i++)
        d[i] = lm_gl_from_u64(rng());
}

/* The naive root over dense leaves[0..n): straight from the definition. */
static void naive_node(lm_gl out[4], const digest_t *leaves, uint64_t n, unsigned k, uint64_t j)
{
    if ((j << k) >= n) {
        lm_state_tree_empty_root(out, k);
        return;
    }
    if (k == 0) {
        memcpy(out, leaves[j], sizeof(digest_t));
        return;
    }
    digest_t l, r;
    naive_node(l, leaves, n, k - 1, 2 * j);
    naive_node(r, leaves, n, k - 1, 2 * j + 1);
    lm_poseidon2_compress(out, l, r);
}

static void naive_root(lm_gl out[4], const digest_t *leaves, uint64_t n)
{
    naive_node(out, leaves, n, 32, 0);
}

static void set_ok(lm_state_tree *t, uint64_t i, const lm_gl d[4])
{
    lm_err err;
    assert_int_equal(lm_state_tree_set(t, i, d, &err), LM_OK);
}

/* Known answers from tests/vectors/state_tree_model.py (Z_1 is also the
 * compression vector (0,0,0,0),(0,0,0,0) of docs/poseidon2.md). */
static const lm_gl Z1[4] = {0xef311849263abcb4ull, 0x8bf04d36f9a01799ull, 0x9e570c4df0f2699full,
                            0x6927c3a96db0b2adull};
static const lm_gl Z2[4] = {0xa95c68ebff06feb0ull, 0x631cfec23d027097ull, 0x06f4ef2a64b127dbull,
                            0x07d396ac3d7625b0ull};
static const lm_gl Z32[4] = {0x16dc8cda8f04358dull, 0x838de5cc2f70282cull, 0x148f06fdae8ba71eull,
                             0xd9dd7ae619acfdbcull};

static void test_empty(void **state)
{
    (void)state;
    digest_t z, r;
    lm_state_tree_empty_root(z, 0);
    assert_true(z[0] == 0 && z[1] == 0 && z[2] == 0 && z[3] == 0);
    lm_state_tree_empty_root(z, 1);
    assert_memory_equal(z, Z1, sizeof z);
    lm_state_tree_empty_root(z, 2);
    assert_memory_equal(z, Z2, sizeof z);
    lm_state_tree_empty_root(z, 32);
    assert_memory_equal(z, Z32, sizeof z);

    lm_state_tree t;
    lm_state_tree_init(&t);
    lm_state_tree_root(&t, r);
    assert_memory_equal(r, Z32, sizeof r);
    lm_state_tree_commit(&t, 2); /* nothing dirty: no change */
    lm_state_tree_root(&t, r);
    assert_memory_equal(r, Z32, sizeof r);
    assert_int_equal(lm_state_tree_size(&t), 0);
    /* An empty tree proves emptiness: every sibling is Z_k. */
    lm_state_proof pf;
    digest_t leaf;
    lm_err err;
    assert_int_equal(lm_state_tree_prove(&t, 77, &pf, leaf, &err), LM_OK);
    assert_true(lm_state_proof_verify(r, 77, leaf, &pf));
    assert_memory_equal(pf.sibling[1], Z1, sizeof(digest_t));
    /* Setting a leaf to Z_0 leaves the root at Z_32. */
    digest_t zero = {0, 0, 0, 0};
    set_ok(&t, 5, zero);
    lm_state_tree_commit(&t, 1);
    lm_state_tree_root(&t, r);
    assert_memory_equal(r, Z32, sizeof r);
    lm_state_tree_free(&t);
}

static void test_known_answers(void **state)
{
    (void)state;
    /* Leaves i -> (i+1, 2i+1, 3i+1, p-1-i) for i = 0..4 and 1000. */
    static const lm_gl want[4] = {0x8f502a2ef56d0898ull, 0x5573a40eefa1930eull, 0xdf8f49894b309257ull,
                                  0x980795a02bea7985ull};
    static const lm_gl want_sib[3][4] = {
        {3, 5, 7, 0xfffffffefffffffeull},
        {0x25c395e6ce873aceull, 0x9c3c6558be754569ull, 0x131390e1f7e129ebull, 0xac6fa4fbca7ab144ull},
        {0xa95e9c6f7d40c388ull, 0x4d33114d5f156749ull, 0x1416809ef7a6ea61ull, 0xc96abb468078f7e3ull},
    };
    static const lm_gl want_one[4] = {0x7edcfc84b6162156ull, 0x0f47eee885a45659ull, 0x76e13f03ab2ad6d3ull,
                                      0x24515b7d27057cddull};
    static const lm_gl want_five[4] = {0x40ff5b014ddfe61cull, 0xa322dbdf1c2abae3ull, 0x159643d11600dadbull,
                                       0x27f5a3e6ffdc6eb7ull};
    for (unsigned threads = 1; threads <= 2; threads++) {
        lm_state_tree t;
        lm_state_tree_init(&t);
        uint64_t idx[6] = {1000, 0, 1, 2, 3, 4}; /* order does not matter */
        for (int n = 0; n < 6; n++) {
            uint64_t i = idx[n];
            digest_t d = {i + 1, 2 * i + 1, 3 * i + 1, LM_GL_P - 1 - i};
            set_ok(&t, i, d);
        }
        lm_state_tree_commit(&t, threads);
        digest_t r;
        lm_state_tree_root(&t, r);
        assert_memory_equal(r, want, sizeof r);
        lm_state_proof pf;
        digest_t leaf;
        lm_err err;
        assert_int_equal(lm_state_tree_prove(&t, 3, &pf, leaf, &err), LM_OK);
        assert_memory_equal(pf.sibling, want_sib, sizeof want_sib);
        assert_true(lm_state_proof_verify(r, 3, leaf, &pf));
        lm_state_tree_free(&t);
    }
    lm_state_tree t;
    lm_state_tree_init(&t);
    digest_t d = {1, 2, 3, 4}, r;
    set_ok(&t, 0, d);
    lm_state_tree_commit(&t, 1);
    lm_state_tree_root(&t, r);
    assert_memory_equal(r, want_one, sizeof r);
    lm_state_tree_free(&t);
    lm_state_tree_init(&t);
    digest_t seven = {7, 7, 7, 7};
    set_ok(&t, 5, seven);
    lm_state_tree_commit(&t, 1);
    lm_state_tree_root(&t, r);
    assert_memory_equal(r, want_five, sizeof r);
    lm_state_tree_free(&t);
}

/* Random dense build, then rounds of sparse and dense random updates
 * (including growth): after each commit the root equals the naive root and
 * a tree built from scratch. */
static void test_random_vs_naive(void **state)
{
    (void)state;
    enum { N_MAX = 3000 };
    digest_t *leaves = calloc(N_MAX, sizeof(digest_t));
    assert_non_null(leaves);
    uint64_t n = 700;
    lm_state_tree t;
    lm_state_tree_init(&t);
    for (uint64_t i = 0; i < n; i++) {
        random_digest(leaves[i]);
        set_ok(&t, i, leaves[i]);
    }
    assert_int_equal(lm_state_tree_dirty_count(&t), n);
    lm_state_tree_commit(&t, 1);
    assert_int_equal(lm_state_tree_dirty_count(&t), 0);
    digest_t got, want;
    lm_state_tree_root(&t, got);
    naive_root(want, leaves, n);
    assert_memory_equal(got, want, sizeof got);

    for (int round = 0; round < 12; round++) {
        /* sparse (1..3 leaves), medium, dense (every leaf), growing */
        size_t k = round % 4 == 0 ? 1 + rng() % 3 : round % 4 == 1 ? 50 : round % 4 == 2 ? n : 200;
        if (round % 4 == 3)
            n += 150 + rng() % 200;
        for (size_t m = 0; m < k; m++) {
            uint64_t i = round % 4 == 2 ? m : rng() % n;
            random_digest(leaves[i]);
            set_ok(&t, i, leaves[i]);
            if (m % 7 == 0) { /* written twice: the last value counts */
                random_digest(leaves[i]);
                set_ok(&t, i, leaves[i]);
            }
        }
        if (round % 4 == 3) { /* the new last leaf is written */
            random_digest(leaves[n - 1]);
            set_ok(&t, n - 1, leaves[n - 1]);
        }
        assert_true(lm_state_tree_dirty_count(&t) <= k + 1);
        lm_state_tree_commit(&t, 1 + (unsigned)(round % 3));
        lm_state_tree_root(&t, got);
        naive_root(want, leaves, n);
        assert_memory_equal(got, want, sizeof got);
        assert_int_equal(lm_state_tree_size(&t), n);

        lm_state_tree fresh;
        lm_state_tree_init(&fresh);
        for (uint64_t i = n; i-- > 0;) /* reverse order */
            set_ok(&fresh, i, leaves[i]);
        lm_state_tree_commit(&fresh, 2);
        lm_state_tree_root(&fresh, want);
        assert_memory_equal(got, want, sizeof got);
        lm_state_tree_free(&fresh);
        digest_t leaf;
        uint64_t probe = rng() % n;
        lm_state_tree_get(&t, probe, leaf);
        assert_memory_equal(leaf, leaves[probe], sizeof leaf);
    }
    lm_state_tree_free(&t);
    free(leaves);
}

/* The multi-threaded commit gives the one-thread result, for dirty sets
 * spread over the tree, bunched in one subtree, and touching only the ends. */
static void test_threads_equal(void **state)
{
    (void)state;
    enum { N = 5000 };
    digest_t *leaves = calloc(N, sizeof(digest_t));
    assert_non_null(leaves);
    lm_state_tree a, b;
    lm_state_tree_init(&a);
    lm_state_tree_init(&b);
    for (uint64_t i = 0; i < N; i++) {
        random_digest(leaves[i]);
        set_ok(&a, i, leaves[i]);
        set_ok(&b, i, leaves[i]);
    }
    lm_state_tree_commit(&a, 1);
    lm_state_tree_commit(&b, 2);
    digest_t ra, rb;
    lm_state_tree_root(&a, ra);
    lm_state_tree_root(&b, rb);
    assert_memory_equal(ra, rb, sizeof ra);
    for (int round = 0; round < 9; round++) {
        unsigned threads = 2 + (unsigned)round % 3 * 7; /* 2, 9, 16 */
        size_t k = 1000;
        for (size_t m = 0; m < k; m++) {
            uint64_t i;
            if (round % 3 == 0)
                i = rng() % N;
            else if (round % 3 == 1)
                i = 1024 + rng() % 64; /* one small subtree */
            else
                i = m % 2 ? m / 2 : N - 1 - m / 2; /* both ends */
            random_digest(leaves[i]);
            set_ok(&a, i, leaves[i]);
            set_ok(&b, i, leaves[i]);
        }
        lm_state_tree_commit(&a, 1);
        lm_state_tree_commit(&b, threads);
        lm_state_tree_root(&a, ra);
        lm_state_tree_root(&b, rb);
        assert_memory_equal(ra, rb, sizeof ra);
    }
    digest_t want;
    naive_root(want, leaves, N);
    assert_memory_equal(ra, want, sizeof ra);
    lm_state_tree_free(&a);
    lm_state_tree_free(&b);
    free(leaves);
}

static void test_proofs(void **state)
{
    (void)state;
    enum { N = 333 };
    lm_state_tree t;
    lm_state_tree_init(&t);
    for (uint64_t i = 0; i < N; i++) {
        digest_t d;
        random_digest(d);
        set_ok(&t, i, d);
    }
    lm_err err;
    lm_state_proof pf;
    digest_t leaf, root;
    /* Dirty leaves: no proof against a stale root. */
    assert_int_equal(lm_state_tree_prove(&t, 1, &pf, leaf, &err), LM_EINVAL);
    lm_state_tree_commit(&t, 2);
    lm_state_tree_root(&t, root);
    uint64_t probes[] = {0, 1, 2, 255, 256, N - 1, N, N + 1, 4096, 0xfffffffeull, 0xffffffffull};
    for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
        uint64_t i = probes[p];
        assert_int_equal(lm_state_tree_prove(&t, i, &pf, leaf, &err), LM_OK);
        assert_true(lm_state_proof_verify(root, i, leaf, &pf));
        digest_t implied;
        lm_state_proof_root(implied, i, leaf, &pf);
        assert_memory_equal(implied, root, sizeof root);
        /* tampered leaf, sibling (each level), index, root */
        digest_t bad;
        memcpy(bad, leaf, sizeof bad);
        bad[p % 4] = lm_gl_add(bad[p % 4], 1);
        assert_false(lm_state_proof_verify(root, i, bad, &pf));
        for (unsigned k = 0; k < 32; k++) {
            lm_state_proof tp = pf;
            tp.sibling[k][k % 4] = lm_gl_add(tp.sibling[k][k % 4], 1);
            assert_false(lm_state_proof_verify(root, i, leaf, &tp));
        }
        if (i < N) /* another leaf position (a non-empty leaf is unique) */
            assert_false(lm_state_proof_verify(root, i ^ 1, leaf, &pf));
        memcpy(bad, root, sizeof bad);
        bad[3] ^= 1;
        assert_false(lm_state_proof_verify(bad, i, leaf, &pf));
        assert_false(lm_state_proof_verify(root, i + (UINT64_C(1) << 32), leaf, &pf));
    }
    assert_int_equal(lm_state_tree_prove(&t, UINT64_C(1) << 32, &pf, leaf, &err), LM_EOVERFLOW);
    /* After an update the old proof fails and a new one verifies. */
    assert_int_equal(lm_state_tree_prove(&t, 7, &pf, leaf, &err), LM_OK);
    digest_t d = {1, 2, 3, 4};
    set_ok(&t, 8, d);
    lm_state_tree_commit(&t, 1);
    digest_t root2;
    lm_state_tree_root(&t, root2);
    assert_false(lm_state_proof_verify(root2, 7, leaf, &pf));
    assert_int_equal(lm_state_tree_prove(&t, 7, &pf, leaf, &err), LM_OK);
    assert_true(lm_state_proof_verify(root2, 7, leaf, &pf));
    lm_state_tree_free(&t);
}

static void test_limits(void **state)
{
    (void)state;
    lm_state_tree t;
    lm_state_tree_init(&t);
    lm_err err;
    digest_t d = {1, 1, 1, 1};
    assert_int_equal(lm_state_tree_set(&t, UINT64_C(1) << 32, d, &err), LM_EOVERFLOW);
    assert_non_null(strstr(err.msg, "2^32"));
    assert_int_equal(lm_state_tree_reserve(&t, (UINT64_C(1) << 32) + 1, &err), LM_EOVERFLOW);
    assert_int_equal(lm_state_tree_dirty_count(&t), 0);
    assert_int_equal(lm_state_tree_reserve(&t, 5000, &err), LM_OK);
    assert_int_equal(lm_state_tree_size(&t), 0); /* reserving adds no leaf */
    digest_t r;
    lm_state_tree_root(&t, r);
    assert_memory_equal(r, Z32, sizeof r);
    lm_state_tree_free(&t);
    lm_state_tree_free(NULL);
}

static lm_code copy_level(void *ctx, unsigned k, lm_gl (*dst)[4], uint64_t len)
{
    const lm_state_tree *src = ctx;
    if (lm_state_tree_level_len(src, k) != len)
        return LM_EINVAL;
    memcpy(dst, lm_state_tree_level(src, k), (size_t)len * sizeof(digest_t));
    return LM_OK;
}

static lm_code fail_level(void *ctx, unsigned k, lm_gl (*dst)[4], uint64_t len)
{
    (void)ctx;
    (void)dst;
    (void)len;
    return k == 3 ? LM_EIO : LM_OK;
}

/* A tree restored from another's levels has its root and stays equal
 * under further updates. */
static void test_restore(void **state)
{
    (void)state;
    lm_state_tree a, b;
    lm_state_tree_init(&a);
    lm_state_tree_init(&b);
    lm_err err;
    for (uint64_t i = 0; i < 1500; i++) {
        digest_t d;
        random_digest(d);
        set_ok(&a, i, d);
    }
    lm_state_tree_commit(&a, 1);
    assert_int_equal(lm_state_tree_level_len(&a, 0), 1500);
    assert_int_equal(lm_state_tree_level_len(&a, 1), 750);
    assert_int_equal(lm_state_tree_level_len(&a, 2), 375);
    assert_int_equal(lm_state_tree_level_len(&a, 3), 188);
    assert_int_equal(lm_state_tree_level_len(&a, 31), 1);
    assert_int_equal(lm_state_tree_restore(&b, 1500, copy_level, &a, &err), LM_OK);
    digest_t ra, rb;
    lm_state_tree_root(&a, ra);
    lm_state_tree_root(&b, rb);
    assert_memory_equal(ra, rb, sizeof ra);
    for (int r = 0; r < 3; r++) {
        for (int m = 0; m < 100; m++) {
            digest_t d;
            random_digest(d);
            uint64_t i = rng() % 1700;
            set_ok(&a, i, d);
            set_ok(&b, i, d);
        }
        lm_state_tree_commit(&a, 1);
        lm_state_tree_commit(&b, 2);
        lm_state_tree_root(&a, ra);
        lm_state_tree_root(&b, rb);
        assert_memory_equal(ra, rb, sizeof ra);
    }
    assert_int_equal(lm_state_tree_restore(&b, 1500, fail_level, NULL, &err), LM_EIO);
    assert_int_equal(lm_state_tree_size(&b), 0);
    lm_state_tree_root(&b, rb);
    assert_memory_equal(rb, Z32, sizeof rb);
    assert_null(lm_state_tree_level(&b, 0));
    assert_int_equal(lm_state_tree_restore(&b, (UINT64_C(1) << 32) + 1, copy_level, &a, &err), LM_EOVERFLOW);
    lm_state_tree_free(&a);
    lm_state_tree_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_random_vs_naive),
        cmocka_unit_test(test_threads_equal),
        cmocka_unit_test(test_proofs),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
