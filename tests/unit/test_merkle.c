/* Unit tests for Merkle commitments (include/lamina/merkle.h,
 * src/stark/merkle.c): the root against a plain recursive recomputation
 * written from the definition, multi-proofs that verify, and tampering of
 * every part of a proof. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/merkle.h"

#include "../test_rng.h"

static uint64_t rng_state = 0x13198a2e03707344ull;
static uint64_t rng_next(void) { return xorshift64s(&rng_state); }

/* Root of rows [lo, hi) of a row-major matrix, straight from the definition. */
static void ref_root(lm_gl out[4], const lm_gl *rows, size_t cols, size_t lo, size_t hi)
{
    if (hi - lo == 1) {
        lm_poseidon2_hash(out, rows + lo * cols, cols);
        return;
    }
    lm_gl l[4], r[4];
    ref_root(l, rows, cols, lo, (lo + hi) / 2);
    ref_root(r, rows, cols, (lo + hi) / 2, hi);
    lm_poseidon2_compress(out, l, r);
}

static lm_gl *rand_matrix(size_t rows, size_t cols)
{
    lm_gl *m = malloc((rows * cols + 1) * sizeof *m);
    assert_non_null(m);
    for (size_t i = 0; i < rows * cols; i++)
        m[i] = lm_gl_from_u64(rng_next());
    return m;
}

static void test_root_vs_reference(void **state)
{
    (void)state;
    const size_t colss[] = {0, 1, 4, 8, 9, 21};
    for (unsigned log_n = 0; log_n <= 10; log_n++)
        for (size_t ci = 0; ci < 6; ci++) {
            size_t n = (size_t)1 << log_n, cols = colss[ci];
            lm_gl *rm = rand_matrix(n, cols);
            lm_gl *cm = malloc((n * cols + 1) * sizeof *cm);
            assert_non_null(cm);
            for (size_t r = 0; r < n; r++)
                for (size_t c = 0; c < cols; c++)
                    cm[c * n + r] = rm[r * cols + c];
            lm_gl want[4];
            ref_root(want, rm, cols, 0, n);
            lm_matrix_view vr = {rm, n, cols, cols, 1}, vc = {cm, n, cols, 1, n};
            for (unsigned th = 1; th <= 2; th++) {
                lm_merkle_tree t1, t2;
                assert_int_equal(lm_merkle_build(&t1, &vr, th, NULL), LM_OK);
                assert_int_equal(lm_merkle_build(&t2, &vc, th, NULL), LM_OK);
                lm_digest r1, r2;
                lm_merkle_root(&r1, &t1);
                lm_merkle_root(&r2, &t2);
                assert_memory_equal(r1.e, want, sizeof want);
                assert_memory_equal(r2.e, want, sizeof want);
                lm_merkle_free(&t1);
                lm_merkle_free(&t2);
            }
            free(rm);
            free(cm);
        }
}

static void test_build_rejects(void **state)
{
    (void)state;
    lm_gl m[12] = {0};
    lm_merkle_tree t;
    lm_err err;
    lm_matrix_view v = {m, 3, 4, 4, 1};
    assert_int_equal(lm_merkle_build(&t, &v, 1, &err), LM_EINVAL);
    lm_merkle_free(&t);
    v.rows = 0;
    assert_int_equal(lm_merkle_build(&t, &v, 1, &err), LM_EINVAL);
    lm_merkle_free(&t);
}

/* A random strictly increasing set of k indices below n. */
static size_t rand_indices(size_t *idx, size_t n, size_t kmax)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < kmax; i++)
        if (rng_next() % n < kmax)
            idx[k++] = i;
    if (k == 0)
        idx[k++] = (size_t)(rng_next() % n);
    return k;
}

typedef struct fixture {
    unsigned log_n;
    size_t n, cols;
    lm_gl *rows;
    lm_merkle_tree t;
    lm_digest root;
} fixture;

static void fixture_make(fixture *f, unsigned log_n, size_t cols)
{
    f->log_n = log_n;
    f->n = (size_t)1 << log_n;
    f->cols = cols;
    f->rows = rand_matrix(f->n, cols);
    lm_matrix_view v = {f->rows, f->n, cols, cols, 1};
    assert_int_equal(lm_merkle_build(&f->t, &v, 2, NULL), LM_OK);
    lm_merkle_root(&f->root, &f->t);
}

static void fixture_free(fixture *f)
{
    lm_merkle_free(&f->t);
    free(f->rows);
}

/* Opens idx[0..k) of f; returns the siblings (caller frees) and the opened rows. */
static lm_digest *open_rows(const fixture *f, const size_t *idx, size_t k, size_t *n_sib, lm_gl **rows)
{
    size_t need = lm_merkle_proof_len(f->log_n, idx, k);
    assert_true(need <= k * f->log_n);
    lm_digest *sib = malloc((need ? need : 1) * sizeof *sib);
    assert_non_null(sib);
    assert_int_equal(lm_merkle_open(&f->t, sib, need, n_sib, idx, k, NULL), LM_OK);
    assert_int_equal(*n_sib, need);
    *rows = malloc((k * f->cols + 1) * sizeof(lm_gl));
    assert_non_null(*rows);
    for (size_t i = 0; i < k; i++)
        memcpy(*rows + i * f->cols, f->rows + idx[i] * f->cols, f->cols * sizeof(lm_gl));
    return sib;
}

static void test_open_verify(void **state)
{
    (void)state;
    for (unsigned log_n = 0; log_n <= 9; log_n++) {
        fixture f;
        fixture_make(&f, log_n, 5);
        for (int rep = 0; rep < 20; rep++) {
            size_t idx[512];
            size_t kmax = rep == 0 ? f.n : 1 + (size_t)(rng_next() % 12);
            size_t k = rand_indices(idx, f.n, kmax);
            if (rep == 0) {
                k = f.n; /* every row: no siblings at all */
                for (size_t i = 0; i < k; i++)
                    idx[i] = i;
            }
            size_t n_sib;
            lm_gl *rows;
            lm_digest *sib = open_rows(&f, idx, k, &n_sib, &rows);
            if (rep == 0)
                assert_int_equal(n_sib, 0);
            lm_err err;
            assert_int_equal(lm_merkle_verify(&f.root, log_n, idx, rows, f.cols, k, sib, n_sib, &err), LM_OK);
            free(sib);
            free(rows);
        }
        fixture_free(&f);
    }
}

/* The sibling count of a hand-worked case: 8 leaves, indices {0, 1, 5}:
 * depth 3: 0,1 pair (nothing), 5 needs 4 -> 1; depth 2: positions {0, 2}:
 * 0 needs 1, 2 needs 3 -> 2; depth 1: {0, 1} pair -> 0. Total 3. */
static void test_proof_len_hand(void **state)
{
    (void)state;
    size_t idx[3] = {0, 1, 5};
    assert_int_equal(lm_merkle_proof_len(3, idx, 3), 3);
    size_t one[1] = {6};
    assert_int_equal(lm_merkle_proof_len(3, one, 1), 3);
    size_t bad[2] = {5, 1};
    assert_int_equal(lm_merkle_proof_len(3, bad, 2), 0);
    size_t big[1] = {8};
    assert_int_equal(lm_merkle_proof_len(3, big, 1), 0);
    /* and the siblings are the right nodes, in order: leaf 4, node (2,1), node (2,3) */
    fixture f;
    fixture_make(&f, 3, 2);
    lm_digest sib[3];
    size_t n_sib;
    assert_int_equal(lm_merkle_open(&f.t, sib, 3, &n_sib, idx, 3, NULL), LM_OK);
    assert_int_equal(n_sib, 3);
    lm_gl want[4];
    lm_poseidon2_hash(want, f.rows + 4 * 2, 2);
    assert_memory_equal(sib[0].e, want, sizeof want);
    ref_root(want, f.rows, 2, 2, 4);
    assert_memory_equal(sib[1].e, want, sizeof want);
    ref_root(want, f.rows, 2, 6, 8);
    assert_memory_equal(sib[2].e, want, sizeof want);
    lm_err err;
    assert_int_equal(lm_merkle_open(&f.t, sib, 2, &n_sib, idx, 3, &err), LM_ESPACE);
    assert_int_equal(lm_merkle_open(&f.t, sib, 3, &n_sib, bad, 2, &err), LM_EINVAL);
    fixture_free(&f);
}

static void test_tamper(void **state)
{
    (void)state;
    fixture f;
    fixture_make(&f, 7, 3);
    size_t idx[6] = {3, 4, 5, 40, 41, 100};
    size_t k = 6, n_sib;
    lm_gl *rows;
    lm_digest *sib = open_rows(&f, idx, k, &n_sib, &rows);
    lm_err err;
    assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, k, sib, n_sib, &err), LM_OK);
    /* every leaf element */
    for (size_t i = 0; i < k * 3; i++) {
        rows[i] ^= 1;
        assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, k, sib, n_sib, &err), LM_ECRYPTO);
        rows[i] ^= 1;
    }
    /* every sibling element */
    for (size_t i = 0; i < n_sib; i++)
        for (size_t e = 0; e < 4; e++) {
            sib[i].e[e] = lm_gl_add(sib[i].e[e], 1);
            assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, k, sib, n_sib, &err), LM_ECRYPTO);
            sib[i].e[e] = lm_gl_sub(sib[i].e[e], 1);
        }
    /* every index moved to another value that keeps the order */
    for (size_t i = 0; i < k; i++) {
        size_t lo = i == 0 ? 0 : idx[i - 1] + 1, hi = i + 1 == k ? 128 : idx[i + 1];
        size_t keep = idx[i];
        for (size_t v = lo; v < hi; v++) {
            if (v == keep)
                continue;
            idx[i] = v;
            assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, k, sib, n_sib, &err), LM_ECRYPTO);
        }
        idx[i] = keep;
    }
    /* the root, the height, missing and extra siblings, bad index sets */
    lm_digest bad_root = f.root;
    bad_root.e[3] ^= 1;
    assert_int_equal(lm_merkle_verify(&bad_root, 7, idx, rows, 3, k, sib, n_sib, &err), LM_ECRYPTO);
    assert_int_not_equal(lm_merkle_verify(&f.root, 8, idx, rows, 3, k, sib, n_sib, &err), LM_OK);
    assert_int_not_equal(lm_merkle_verify(&f.root, 6, idx, rows, 3, k, sib, n_sib, &err), LM_OK);
    assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, k, sib, n_sib - 1, &err), LM_ECRYPTO);
    lm_digest *more = malloc((n_sib + 1) * sizeof *more);
    assert_non_null(more);
    memcpy(more, sib, n_sib * sizeof *more);
    more[n_sib] = f.root;
    assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, k, more, n_sib + 1, &err), LM_ECRYPTO);
    free(more);
    /* dropping a row (its leaf) with the same siblings */
    assert_int_equal(lm_merkle_verify(&f.root, 7, idx + 1, rows + 3, 3, k - 1, sib, n_sib, &err), LM_ECRYPTO);
    size_t swapped[6] = {3, 5, 4, 40, 41, 100};
    assert_int_equal(lm_merkle_verify(&f.root, 7, swapped, rows, 3, k, sib, n_sib, &err), LM_EINVAL);
    size_t dup[6] = {3, 4, 4, 40, 41, 100};
    assert_int_equal(lm_merkle_verify(&f.root, 7, dup, rows, 3, k, sib, n_sib, &err), LM_EINVAL);
    assert_int_equal(lm_merkle_verify(&f.root, 7, idx, rows, 3, 0, sib, n_sib, &err), LM_EINVAL);
    free(sib);
    free(rows);
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_vs_reference), cmocka_unit_test(test_build_rejects),
        cmocka_unit_test(test_open_verify),       cmocka_unit_test(test_proof_len_hand),
        cmocka_unit_test(test_tamper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
