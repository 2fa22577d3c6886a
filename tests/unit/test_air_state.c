/* Unit tests for the state-update AIR (include/lamina/air_state.h,
 * src/stark/air_state.c): batches of leaf updates built with the state tree
 * (lm_state_tree, src/state) prove and verify, and the statement's roots are
 * the tree's; known answers for the commitment and the roots from the
 * Python models (tests/vectors/poseidon2_model.py, state_tree_model.py);
 * another statement (A, B, C or n) rejects a proof. Cheating traces, each
 * breaking one group of constraints only (a wrong sibling, a false leaf, a
 * node on the wrong side of its bit, a non-boolean bit, an index that is not
 * the bits, a commitment over other values, a non-zero capacity, a forged
 * permutation, updates that do not chain), are refused by the prover and
 * the proofs it makes of them when told not to check fail verification;
 * tampered proof bytes are rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lamina/air_state.h"
#include "lamina/state_tree.h"

#include "../proof_file.h"

typedef lm_gl sibs_t[LM_STATEAIR_DEPTH][LM_P2_DIGEST];

/* Small parameters for speed: blowup 8 (the AIR has degree 7), 12 queries,
 * 4 grinding bits. */
static const lm_fri_params FP = {3, 2, 12, 4};

static void digest(lm_gl out[4], uint64_t seed)
{
    for (int j = 0; j < 4; j++)
        out[j] = (seed * 0x9e3779b97f4a7c15u + (uint64_t)j * 0x632be59bd9b4e019u) % LM_GL_P;
}

/* A batch built on a state tree: update k of leaf idx[k] to digest(seed k). */
typedef struct batch {
    size_t n;
    lm_stateair_update ups[8];
    sibs_t sib[8];
    lm_gl root_before[4], root_after[4];
} batch;

static void tree_with_leaves(lm_state_tree *t, unsigned n_leaves)
{
    lm_state_tree_init(t);
    lm_err err;
    for (unsigned i = 0; i < n_leaves; i++) {
        lm_gl d[4];
        digest(d, 1000 + i);
        assert_int_equal(lm_state_tree_set(t, i, d, &err), LM_OK);
    }
    lm_state_tree_commit(t, 1);
}

static void batch_make(batch *b, lm_state_tree *t, const uint32_t *idx, size_t n)
{
    lm_err err;
    b->n = n;
    lm_state_tree_root(t, b->root_before);
    for (size_t k = 0; k < n; k++) {
        lm_state_proof pr;
        lm_stateair_update *u = &b->ups[k];
        u->index = idx[k];
        assert_int_equal(lm_state_tree_prove(t, idx[k], &pr, u->old_leaf, &err), LM_OK);
        memcpy(b->sib[k], pr.sibling, sizeof b->sib[k]);
        digest(u->new_leaf, 77 + k);
        assert_int_equal(lm_state_tree_set(t, idx[k], u->new_leaf, &err), LM_OK);
        lm_state_tree_commit(t, 1);
    }
    lm_state_tree_root(t, b->root_after);
}

static void prove_ok(const batch *b, lm_stark_proof *p, lm_stateair_statement *st)
{
    lm_err err;
    if (lm_stateair_prove(p, st, b->ups, (const sibs_t *)b->sib, b->n, &FP, 1, &err) != LM_OK)
        fail_msg("prove: %s", err.msg);
}

static void verify_ok(const lm_stark_proof *p, const lm_stateair_statement *st)
{
    lm_err err;
    if (lm_stateair_verify(p, st, &FP, &err) != LM_OK)
        fail_msg("verify: %s", err.msg);
}

/* The trace of a (possibly cheating) witness, its claimed statement, and
 * the proof made without the prover's check. */
typedef struct cheat {
    lm_gl *trace;
    const lm_gl *cols[LM_STATEAIR_WIDTH];
    unsigned log_h;
    lm_stateair_statement st;
} cheat;

static void cheat_trace(cheat *c, const batch *b, const lm_gl *bits)
{
    lm_err err;
    assert_int_equal(lm_stateair_log_h(&c->log_h, b->n, &err), LM_OK);
    size_t h = (size_t)1 << c->log_h;
    c->trace = malloc((size_t)LM_STATEAIR_WIDTH * h * sizeof(lm_gl));
    assert_non_null(c->trace);
    for (unsigned i = 0; i < LM_STATEAIR_WIDTH; i++)
        c->cols[i] = c->trace + (size_t)i * h;
    lm_stateair_trace(c->trace, &c->st, b->ups, (const sibs_t *)b->sib, b->n, c->log_h, bits);
}

static int cheat_prove(const cheat *c, bool unchecked, lm_stark_proof *p, lm_err *err)
{
    lm_air air;
    lm_air_boundary bnd[LM_STATEAIR_BOUNDARY];
    unsigned log_h;
    assert_int_equal(lm_stateair_air(&air, bnd, &log_h, &c->st, err), LM_OK);
    assert_int_equal(log_h, c->log_h);
    lm_ntt_ctx ctx;
    assert_int_equal(lm_ntt_ctx_init(&ctx, log_h + FP.log_blowup, 1, err), LM_OK);
    lm_stark_opts o = {1, unchecked, {{0, 0, 0}}};
    int rc = lm_stark_prove(&air, &FP, &ctx, c->cols, log_h, &o, p, err);
    lm_ntt_ctx_free(&ctx);
    return rc;
}

/* The trace c must not satisfy the AIR for its statement: the prover
 * refuses, and the proof it makes when told to anyway fails. */
static void cheat_rejected(const cheat *c)
{
    lm_stark_proof p;
    lm_err err;
    assert_int_equal(cheat_prove(c, false, &p, &err), LM_EINVAL);
    assert_int_equal(cheat_prove(c, true, &p, &err), LM_OK);
    assert_int_equal(lm_stateair_verify(&p, &c->st, &FP, &err), LM_ECRYPTO);
    lm_stark_proof_free(&p);
}

/* A control: the (edited) trace c does satisfy the AIR. */
static void cheat_accepted(const cheat *c)
{
    lm_stark_proof p;
    lm_err err;
    if (cheat_prove(c, false, &p, &err) != LM_OK)
        fail_msg("prove: %s", err.msg);
    verify_ok(&p, &c->st);
    lm_stark_proof_free(&p);
}

static void cheat_free(cheat *c)
{
    free(c->trace);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_layout(void **state)
{
    (void)state;
    assert_int_equal(LM_STATEAIR_WIDTH, 412);
    assert_int_equal(LM_STATEAIR_CONSTRAINTS, 437);
    unsigned lh;
    lm_err err;
    assert_int_equal(lm_stateair_log_h(&lh, 1, &err), LM_OK);
    assert_int_equal(lh, 6); /* 33 rows */
    assert_int_equal(lm_stateair_log_h(&lh, 2, &err), LM_OK);
    assert_int_equal(lh, 7); /* 65 rows */
    assert_int_equal(lm_stateair_log_h(&lh, 31, &err), LM_OK);
    assert_int_equal(lh, 10); /* 993 rows */
    assert_int_equal(lm_stateair_log_h(&lh, 32, &err), LM_OK);
    assert_int_equal(lh, 11);
    assert_int_equal(lm_stateair_log_h(&lh, 0, &err), LM_EINVAL);
    assert_int_equal(lm_stateair_log_h(&lh, LM_STATEAIR_MAX_UPDATES + 1, &err), LM_EINVAL);
}

/* Known answers from tests/vectors/poseidon2_model.py:
 *   c = [0]*4; for (i, o, n) in ups: c = compress(c, hash_elements([i] + o + n)) */
static void test_commit_known_answer(void **state)
{
    (void)state;
    lm_stateair_update ups[2] = {
        {5, {1, 2, 3, 4}, {5, 6, 7, 8}},
        {0xffffffffu, {0, 0, 0, 0}, {LM_GL_P - 1, 0, 1, UINT64_C(1) << 63}}};
    static const lm_gl c1[4] = {0x5fbbabe53cdb5d4aull, 0x99ec7d4305f0f169ull, 0xf0cc30dac73895c7ull,
                                0x9907765cd6305224ull};
    static const lm_gl c2[4] = {0xa90478f9b5ceb4d9ull, 0x16a25d714cea49e9ull, 0xd5079da3f65e584dull,
                                0xc1967b9e58e9768full};
    lm_gl c[4];
    lm_stateair_commit(c, ups, 0);
    assert_true(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
    lm_stateair_commit(c, ups, 1);
    assert_memory_equal(c, c1, sizeof c);
    lm_stateair_commit(c, ups, 2);
    assert_memory_equal(c, c2, sizeof c);
}

/* An empty tree; leaf 2^32 - 1 becomes (1,2,3,4), then leaf 6 (9,9,9,9).
 * Roots from tests/vectors/state_tree_model.py: root({0xffffffff: [1,2,3,4]})
 * and root({0xffffffff: [1,2,3,4], 6: [9,9,9,9]}); Z_32 for the empty tree.
 * The siblings are the empty subtrees Z_l, except leaf 6's top one, the
 * right half holding leaf 2^32 - 1. Exercises index bits 1 at every level. */
static void test_far_leaf_known_answer(void **state)
{
    (void)state;
    static const lm_gl z32[4] = {0x16dc8cda8f04358dull, 0x838de5cc2f70282cull,
                                 0x148f06fdae8ba71eull, 0xd9dd7ae619acfdbcull};
    static const lm_gl b1[4] = {0x0da8ca345ea3e26eull, 0xf89ee4b29530a925ull, 0x688d3d1883016c53ull,
                                0x5764721585f02e43ull};
    static const lm_gl b2[4] = {0x5ae4a3b66a1eade9ull, 0x95780a60a3f9b74aull, 0xa82916eb38f27236ull,
                                0x6c3a7b6c8c52646bull};
    batch b = {.n = 2};
    b.ups[0] = (lm_stateair_update){0xffffffffu, {0, 0, 0, 0}, {1, 2, 3, 4}};
    b.ups[1] = (lm_stateair_update){6, {0, 0, 0, 0}, {9, 9, 9, 9}};
    lm_gl x[4] = {1, 2, 3, 4};
    for (unsigned l = 0; l < LM_STATEAIR_DEPTH; l++) {
        lm_state_tree_empty_root(b.sib[0][l], l);
        lm_state_tree_empty_root(b.sib[1][l], l);
        if (l < LM_STATEAIR_DEPTH - 1)
            lm_poseidon2_compress(x, b.sib[0][l], x);
    }
    memcpy(b.sib[1][LM_STATEAIR_DEPTH - 1], x, sizeof x);
    lm_stark_proof p;
    lm_stateair_statement st;
    prove_ok(&b, &p, &st);
    assert_memory_equal(st.old_root, z32, sizeof z32);
    assert_memory_equal(st.new_root, b2, sizeof b2);
    assert_int_equal(st.n_updates, 2);
    verify_ok(&p, &st);
    /* the proof tests/vectors/stark_model.py verifies with its own model */
    check_proof_file(&p, LM_SOURCE_DIR "/tests/vectors/stark_state_far_leaf_n2.bin"); /* with FP */
    lm_stark_proof_free(&p);
    b.n = 1;
    prove_ok(&b, &p, &st);
    assert_memory_equal(st.new_root, b1, sizeof b1);
    verify_ok(&p, &st);
    lm_stark_proof_free(&p);
}

/* Honest batches of 1, 2 and 5 updates on a tree of 10 leaves, with a
 * leaf updated twice, neighbouring leaves (4 and 5 are siblings) and a new
 * leaf past the end; the statement's roots are the tree's. */
static void test_honest(void **state)
{
    (void)state;
    static const uint32_t i1[1] = {3}, i2[2] = {7, 7}, i5[5] = {4, 5, 4, 12, 0};
    const struct {
        const uint32_t *idx;
        size_t n;
    } cases[] = {{i1, 1}, {i2, 2}, {i5, 5}};
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        lm_state_tree t;
        tree_with_leaves(&t, 10);
        batch b;
        batch_make(&b, &t, cases[ci].idx, cases[ci].n);
        lm_stark_proof p;
        lm_stateair_statement st;
        prove_ok(&b, &p, &st);
        assert_memory_equal(st.old_root, b.root_before, sizeof st.old_root);
        assert_memory_equal(st.new_root, b.root_after, sizeof st.new_root);
        lm_gl c[4];
        lm_stateair_commit(c, b.ups, b.n);
        assert_memory_equal(st.commit, c, sizeof c);
        assert_int_equal(st.n_updates, b.n);
        verify_ok(&p, &st);
        /* any other statement is rejected */
        lm_err err;
        for (int which = 0; which < 3; which++) {
            lm_stateair_statement bad = st;
            lm_gl *e = which == 0 ? bad.old_root : which == 1 ? bad.new_root : bad.commit;
            e[which + 1] = lm_gl_add(e[which + 1], 1);
            assert_int_equal(lm_stateair_verify(&p, &bad, &FP, &err), LM_ECRYPTO);
        }
        lm_stateair_statement other = st;
        other.n_updates = b.n + 1; /* another trace length, or another row for B and C */
        assert_int_not_equal(lm_stateair_verify(&p, &other, &FP, &err), LM_OK);
        /* the threads change nothing */
        lm_stark_proof p2;
        assert_int_equal(
            lm_stateair_prove(&p2, &st, b.ups, (const sibs_t *)b.sib, b.n, &FP, 2, &err), LM_OK);
        assert_memory_equal(&p.comp_root, &p2.comp_root, sizeof p.comp_root);
        lm_stark_proof_free(&p2);
        lm_stark_proof_free(&p);
        lm_state_tree_free(&t);
    }
}

/* A wrong sibling: the prover's witness check refuses it; a trace built
 * from it anyway (its old path misses the root the previous update left)
 * does not satisfy the AIR. At update 0 the claimed old root A is the
 * tree's, which the wrong path misses. */
static void test_wrong_sibling(void **state)
{
    (void)state;
    static const uint32_t idx[3] = {4, 5, 9};
    for (size_t k = 0; k < 3; k++) {
        lm_state_tree t;
        tree_with_leaves(&t, 10);
        batch b;
        batch_make(&b, &t, idx, 3);
        unsigned level = (unsigned)(7 * k + 3);
        b.sib[k][level][2] = lm_gl_add(b.sib[k][level][2], 1);
        lm_stark_proof p;
        lm_stateair_statement st;
        lm_err err;
        if (k > 0)
            assert_int_equal(
                lm_stateair_prove(&p, &st, b.ups, (const sibs_t *)b.sib, b.n, &FP, 1, &err),
                LM_EINVAL);
        cheat c;
        cheat_trace(&c, &b, NULL);
        if (k == 0) /* the statement claims the tree's root */
            memcpy(c.st.old_root, b.root_before, sizeof c.st.old_root);
        cheat_rejected(&c);
        cheat_free(&c);
        lm_state_tree_free(&t);
    }
}

/* The index is bound: a statement committing to another index (one bit
 * flipped) rejects the honest proof, and a trace with one direction bit
 * flipped (nothing else changed) does not satisfy the AIR. */
static void test_wrong_index_bit(void **state)
{
    (void)state;
    static const uint32_t idx[2] = {6, 9};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 2);
    lm_stark_proof p;
    lm_stateair_statement st;
    prove_ok(&b, &p, &st);
    lm_err err;
    for (unsigned bit = 0; bit < 32; bit += 9) {
        lm_stateair_update ups[2];
        memcpy(ups, b.ups, sizeof ups);
        ups[1].index ^= 1u << bit;
        lm_stateair_statement bad = st;
        lm_stateair_commit(bad.commit, ups, 2);
        assert_int_equal(lm_stateair_verify(&p, &bad, &FP, &err), LM_ECRYPTO);
    }
    lm_stark_proof_free(&p);
    cheat c;
    cheat_trace(&c, &b, NULL);
    size_t h = (size_t)1 << c.log_h;
    for (size_t row = 32 + 1; row < 64; row += 15) { /* levels 1, 16, 31 of update 1 */
        lm_gl *cell = c.trace + (size_t)LM_STATEAIR_COL_BIT * h + row;
        *cell ^= 1;
        cheat_rejected(&c);
        *cell ^= 1;
    }
    cheat_free(&c);
    lm_state_tree_free(&t);
}

/* Fills gadget g (LM_STATEAIR_COL_GA or _GB) at row r of a trace for the
 * compression of (left, right). Out: the parent. */
static void compress_at(lm_gl *tr, size_t h, unsigned g, size_t r, const lm_gl left[4],
                        const lm_gl right[4], lm_gl parent[4])
{
    lm_gl in[12] = {0}, o[12];
    memcpy(in, left, 4 * sizeof(lm_gl));
    memcpy(in + 4, right, 4 * sizeof(lm_gl));
    lm_p2air_fill(tr + (size_t)g * h, h, r, o, in);
    memcpy(parent, o, 4 * sizeof(lm_gl));
}

static void get4(lm_gl out[4], const lm_gl *tr, size_t h, unsigned col, size_t r)
{
    for (int j = 0; j < 4; j++)
        out[j] = tr[(col + j) * h + r];
}

static void put4(lm_gl *tr, size_t h, unsigned col, size_t r, const lm_gl v[4])
{
    for (int j = 0; j < 4; j++)
        tr[(col + j) * h + r] = v[j];
}

/* Rewrites the commitment chain of a trace (gadget rows 0..2 of every
 * block and the acc column) from the trace's own index and leaf cells, as a
 * cheating prover would after editing them. Out: the C it gives for n. */
typedef struct tweak {
    size_t block; /* the update whose chain step is edited */
    unsigned pos; /* 0..7: add delta to the first sponge block's element pos;
                     8: to the second block's first element (new_leaf[3]);
                     9: to its first capacity element (carried from row 0);
                     10: to the compression's first input (acc);
                     11: to its fifth (the update's digest) */
    lm_gl delta;
    const lm_gl *forge;     /* not NULL: the compression's output cells become forge[0..4) */
    const lm_gl *forge_acc; /* not NULL: acc takes forge_acc[0..4) after row 2 instead */
} tweak;

static void rechain_tweak(lm_gl *tr, size_t h, size_t n, lm_gl C[4], const tweak *tw)
{
    enum {
        D = 4,
        REM = LM_STATEAIR_COL_REM,
        NO = LM_STATEAIR_COL_NODE_OLD,
        NN = LM_STATEAIR_COL_NODE_NEW
    };
    lm_gl acc[D] = {0}, o[12], *gh = tr + (size_t)LM_STATEAIR_COL_GH * h;
    for (size_t r0 = 0; r0 < h; r0 += LM_STATEAIR_DEPTH) {
        lm_gl e[12] = {0}, acc_in[D];
        memcpy(acc_in, acc, sizeof acc);
        e[0] = tr[REM * h + r0];
        for (int j = 0; j < D; j++) {
            e[1 + j] = tr[(NO + j) * h + r0];
            if (j < D - 1)
                e[1 + D + j] = tr[(NN + j) * h + r0];
        }
        e[8] = 9;
        e[9] = LM_P2_TAG_ELEMENTS;
        bool here = tw != NULL && tw->block == r0 / LM_STATEAIR_DEPTH;
        if (here && tw->pos < 8)
            e[tw->pos] = lm_gl_add(e[tw->pos], tw->delta);
        lm_p2air_fill(gh, h, r0, o, e);
        memset(e, 0, sizeof e);
        e[0] = tr[(NN + D - 1) * h + r0];
        if (here && tw->pos == 8)
            e[0] = lm_gl_add(e[0], tw->delta);
        memcpy(e + 8, o + 8, 4 * sizeof(lm_gl));
        if (here && tw->pos == 9)
            e[8] = lm_gl_add(e[8], tw->delta);
        lm_p2air_fill(gh, h, r0 + 1, o, e);
        memset(e, 0, sizeof e);
        memcpy(e, acc, sizeof acc);
        memcpy(e + D, o, D * sizeof(lm_gl));
        if (here && (tw->pos == 10 || tw->pos == 11))
            e[tw->pos == 10 ? 0 : D] = lm_gl_add(e[tw->pos == 10 ? 0 : D], tw->delta);
        lm_p2air_fill(gh, h, r0 + 2, o, e);
        if (here && tw->forge != NULL) {
            memcpy(o, tw->forge, D * sizeof(lm_gl));
            put4(tr, h, LM_STATEAIR_COL_GH + LM_P2AIR_COL_OUT, r0 + 2, o);
        }
        if (here && tw->forge_acc != NULL)
            memcpy(o, tw->forge_acc, D * sizeof(lm_gl));
        memcpy(acc, o, sizeof acc);
        for (size_t l = 0; l < LM_STATEAIR_DEPTH; l++)
            for (int j = 0; j < D; j++)
                tr[(LM_STATEAIR_COL_ACC + j) * h + r0 + l] = l < 3 ? acc_in[j] : acc[j];
        if (r0 / LM_STATEAIR_DEPTH + 1 == n)
            memcpy(C, acc, sizeof acc);
    }
}

static void rechain(lm_gl *tr, size_t h, size_t n, lm_gl C[4]) { rechain_tweak(tr, h, n, C, NULL); }

/* The index column is bound to the direction bits: a trace whose index
 * cell (row 0 of update 1) claims index + 2^l while the paths go by the
 * bits of index, with the commitment chain redone for the claimed index,
 * does not satisfy the AIR. (rechain itself is checked: untouched, it
 * gives the honest C, and the claimed C is lm_stateair_commit of the
 * claimed updates.) */
static void test_index_not_bits(void **state)
{
    (void)state;
    static const uint32_t idx[2] = {6, 9};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 2);
    cheat c;
    cheat_trace(&c, &b, NULL);
    size_t h = (size_t)1 << c.log_h;
    lm_gl C[4];
    rechain(c.trace, h, 2, C);
    assert_memory_equal(C, c.st.commit, sizeof C);
    for (unsigned l = 0; l < 32; l += 10) {
        lm_gl *cell = c.trace + (size_t)LM_STATEAIR_COL_REM * h + 32, keep = *cell;
        *cell = lm_gl_add(keep, (lm_gl)1 << l);
        rechain(c.trace, h, 2, c.st.commit);
        lm_stateair_update ups[2];
        memcpy(ups, b.ups, sizeof ups);
        ups[1].index += 1u << l;
        lm_stateair_commit(C, ups, 2);
        assert_memory_equal(C, c.st.commit, sizeof C);
        cheat_rejected(&c);
        *cell = keep;
    }
    /* The index column wrapped mod p: rem_31 = b_31 + t and every rem_l =
     * b_l + 2 rem_(l+1) below it, so rem_0 = index + 2^31 t, with t chosen
     * to make that 8 (mod p) while the paths go to leaf 9. Only
     * rem_31 = b_31 fails. */
    lm_gl t32 = lm_gl_mul(lm_gl_sub(8, 9), lm_gl_inv((lm_gl)1 << 31)), *rem = c.trace + (size_t)LM_STATEAIR_COL_REM * h;
    lm_gl keep[32];
    memcpy(keep, rem + 32, sizeof keep);
    for (size_t l = 32; l-- > 0;)
        rem[32 + l] = lm_gl_add(rem[32 + l], lm_gl_mul(t32, (lm_gl)1 << (31 - l)));
    assert_int_equal(rem[32], 8);
    rechain(c.trace, h, 2, c.st.commit);
    lm_stateair_update ups[2];
    memcpy(ups, b.ups, sizeof ups);
    ups[1].index = 8;
    lm_gl C2[4];
    lm_stateair_commit(C2, ups, 2);
    assert_memory_equal(C2, c.st.commit, sizeof C2);
    cheat_rejected(&c);
    memcpy(rem + 32, keep, sizeof keep);
    cheat_free(&c);
    lm_state_tree_free(&t);
}

/* The commitment is bound to the trace: a chain step that hashes another
 * index, old leaf element or new leaf element than the trace's cells (the
 * rest of the chain redone from it, the claimed C its
 * lm_stateair_commit) does not satisfy the AIR. */
static void test_commit_not_trace(void **state)
{
    (void)state;
    static const uint32_t idx[2] = {6, 9};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 2);
    cheat c;
    cheat_trace(&c, &b, NULL);
    size_t h = (size_t)1 << c.log_h;
    static const unsigned pos[4] = {0, 2, 6, 8};
    for (int i = 0; i < 4; i++) {
        tweak tw = {1, pos[i], 1, NULL, NULL};
        rechain_tweak(c.trace, h, 2, c.st.commit, &tw);
        lm_stateair_update ups[2];
        memcpy(ups, b.ups, sizeof ups);
        if (pos[i] == 0)
            ups[1].index++;
        else if (pos[i] <= 4)
            ups[1].old_leaf[pos[i] - 1]++;
        else
            ups[1].new_leaf[pos[i] - 5]++;
        lm_gl C[4];
        lm_stateair_commit(C, ups, 2);
        assert_memory_equal(C, c.st.commit, sizeof C);
        cheat_rejected(&c);
    }
    /* The chain's wiring: the second sponge block's capacity, the
     * compression's inputs, and acc after it, each replaced (the chain
     * redone from there and its C claimed). */
    static const lm_gl X[4] = {1, 2, 3, 4};
    for (unsigned q = 9; q <= 12; q++) {
        tweak tw = {1, q, 1, NULL, q == 12 ? X : NULL};
        rechain_tweak(c.trace, h, 2, c.st.commit, &tw);
        cheat_rejected(&c);
    }
    rechain(c.trace, h, 2, c.st.commit); /* a control: the honest chain again */
    cheat_accepted(&c);
    cheat_free(&c);
    lm_state_tree_free(&t);
}

/* The updates must chain: update 1 taken from another tree (its old path
 * reaches that tree's root, which the root column holds during update 1)
 * does not satisfy the AIR, since update 0 left another root. */
static void test_roots_not_chained(void **state)
{
    (void)state;
    static const uint32_t i0[1] = {6}, i1[1] = {3};
    lm_state_tree t, other;
    tree_with_leaves(&t, 10);
    tree_with_leaves(&other, 20);
    batch b, ob;
    batch_make(&b, &t, i0, 1);
    batch_make(&ob, &other, i1, 1);
    b.n = 2;
    b.ups[1] = ob.ups[0];
    memcpy(b.sib[1], ob.sib[0], sizeof b.sib[1]);
    lm_stark_proof p;
    lm_stateair_statement st;
    lm_err err;
    assert_int_equal(lm_stateair_prove(&p, &st, b.ups, (const sibs_t *)b.sib, 2, &FP, 1, &err), LM_EINVAL);
    cheat c;
    cheat_trace(&c, &b, NULL);
    size_t h = (size_t)1 << c.log_h;
    for (size_t r = 32; r < 64; r++)
        put4(c.trace, h, LM_STATEAIR_COL_ROOT, r, ob.root_before);
    assert_memory_equal(c.st.old_root, b.root_before, sizeof c.st.old_root);
    assert_memory_equal(c.st.new_root, ob.root_after, sizeof c.st.new_root);
    cheat_rejected(&c);
    cheat_free(&c);
    lm_state_tree_free(&t);
    lm_state_tree_free(&other);
}

/* The compressions' capacity inputs must be zero: the old path computed
 * with capacity (1, 0, 0, 0) at level 0 (the path above and the claimed A
 * follow from it) does not satisfy the AIR. */
static void test_capacity_not_zero(void **state)
{
    (void)state;
    static const uint32_t idx[1] = {4};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 1);
    cheat c;
    cheat_trace(&c, &b, NULL);
    size_t h = (size_t)1 << c.log_h;
    lm_gl x[4], sib[4], in[12], o[12];
    get4(x, c.trace, h, LM_STATEAIR_COL_NODE_OLD, 0);
    for (size_t l = 0; l < LM_STATEAIR_DEPTH; l++) {
        put4(c.trace, h, LM_STATEAIR_COL_NODE_OLD, l, x);
        get4(sib, c.trace, h, LM_STATEAIR_COL_SIB, l);
        bool right_child = (idx[0] >> l) & 1u;
        memset(in, 0, sizeof in);
        memcpy(in, right_child ? sib : x, sizeof x);
        memcpy(in + 4, right_child ? x : sib, sizeof x);
        in[8] = l == 0;
        lm_p2air_fill(c.trace + (size_t)LM_STATEAIR_COL_GA * h, h, l, o, in);
        memcpy(x, o, sizeof x);
    }
    for (size_t r = 0; r < LM_STATEAIR_DEPTH; r++)
        put4(c.trace, h, LM_STATEAIR_COL_ROOT, r, x);
    memcpy(c.st.old_root, x, sizeof x);
    cheat_rejected(&c);
    cheat_free(&c);
    lm_state_tree_free(&t);
}

/* A compression's output replaced by a value of the cheater's choice, with
 * everything that depends on it made consistent, so that only that
 * gadget's constraints fail: the old path's root (claiming another A), the
 * new path's root (claiming B = the root of another tree, in which the
 * rows after the batch make a real no-op update), the commitment chain's
 * output (claiming another C). */
static void test_forged_permutation(void **state)
{
    (void)state;
    static const uint32_t idx[2] = {6, 9}, other_idx[1] = {3};
    lm_state_tree t, other;
    tree_with_leaves(&t, 10);
    tree_with_leaves(&other, 20);
    batch b, ob;
    batch_make(&b, &t, idx, 2);
    batch_make(&ob, &other, other_idx, 1);
    static const lm_gl X[4] = {5, 6, 7, 8};
    for (int g = 0; g < 3; g++) {
        batch bb = b;
        if (g == 1) { /* a third update, a no-op in the other tree: its rows pad the batch of 2 */
            bb.n = 3;
            bb.ups[2] = ob.ups[0];
            memcpy(bb.ups[2].old_leaf, bb.ups[2].new_leaf, sizeof bb.ups[2].old_leaf);
            memcpy(bb.sib[2], ob.sib[0], sizeof bb.sib[2]);
        }
        cheat c;
        cheat_trace(&c, &bb, NULL);
        size_t h = (size_t)1 << c.log_h;
        if (g == 0) {
            put4(c.trace, h, LM_STATEAIR_COL_GA + LM_P2AIR_COL_OUT, 31, X);
            for (size_t r = 0; r < 32; r++)
                put4(c.trace, h, LM_STATEAIR_COL_ROOT, r, X);
            memcpy(c.st.old_root, X, sizeof X);
        } else if (g == 1) {
            /* the new root of update 1 becomes the other tree's root */
            put4(c.trace, h, LM_STATEAIR_COL_GB + LM_P2AIR_COL_OUT, 63, ob.root_after);
            for (size_t r = 64; r < 96; r++)
                put4(c.trace, h, LM_STATEAIR_COL_ROOT, r, ob.root_after);
            c.st.n_updates = 2;
            memcpy(c.st.new_root, ob.root_after, sizeof c.st.new_root);
            lm_stateair_commit(c.st.commit, bb.ups, 2);
        } else {
            tweak tw = {1, 0, 0, X, NULL};
            rechain_tweak(c.trace, h, 2, c.st.commit, &tw);
            assert_memory_equal(c.st.commit, X, sizeof X);
        }
        cheat_rejected(&c);
        cheat_free(&c);
    }
    lm_state_tree_free(&t);
    lm_state_tree_free(&other);
}

/* A false old (or new) leaf: the path is recomputed from it up to level 30
 * and the commitment redone, but level 31 keeps the true node, so that the
 * old path still reaches A (the new one B): only the chaining of level 30
 * to level 31 is broken. */
static void test_wrong_leaf(void **state)
{
    (void)state;
    static const uint32_t idx[1] = {4};
    /* which: 0 old leaf, 1 new leaf, 2 the true old leaf (a control:
     * accepted); 3, 4: the old path computed from the false leaf up to
     * level 31 (bit 0: the left input breaks) or 2 (bit 1: the right input
     * breaks), where the compression takes the true node instead of the
     * node column's (the path above is the true one): only that input's
     * selection fails. */
    for (int which = 0; which < 5; which++) {
        lm_state_tree t;
        tree_with_leaves(&t, 10);
        batch b;
        batch_make(&b, &t, idx, 1);
        cheat c;
        cheat_trace(&c, &b, NULL);
        size_t h = (size_t)1 << c.log_h;
        unsigned g = which != 1 ? LM_STATEAIR_COL_GA : LM_STATEAIR_COL_GB;
        unsigned node = which != 1 ? LM_STATEAIR_COL_NODE_OLD : LM_STATEAIR_COL_NODE_NEW;
        lm_gl fake[4] = {11, 22, 33, 44}, x[4], sib[4], left[4], right[4];
        if (which == 2)
            memcpy(fake, b.ups[0].old_leaf, sizeof fake);
        memcpy(x, fake, sizeof x);
        size_t top = which == 4 ? 2 : LM_STATEAIR_DEPTH - 1;
        for (size_t l = 0; l < top; l++) {
            put4(c.trace, h, node, l, x);
            get4(sib, c.trace, h, LM_STATEAIR_COL_SIB, l);
            bool right_child = (idx[0] >> l) & 1u;
            memcpy(left, right_child ? sib : x, sizeof left);
            memcpy(right, right_child ? x : sib, sizeof right);
            compress_at(c.trace, h, g, l, left, right, x);
        }
        if (which >= 3)
            put4(c.trace, h, node, top, x);
        rechain(c.trace, h, 1, c.st.commit);
        lm_stateair_update ups[1] = {b.ups[0]};
        memcpy(which != 1 ? ups[0].old_leaf : ups[0].new_leaf, fake, sizeof fake);
        lm_gl C[4];
        lm_stateair_commit(C, ups, 1);
        assert_memory_equal(C, c.st.commit, sizeof C);
        if (which == 2)
            cheat_accepted(&c);
        else
            cheat_rejected(&c);
        cheat_free(&c);
        lm_state_tree_free(&t);
    }
}

/* The direction bits steer the paths: a trace whose compressions at level
 * 31 put the node on the other side than its bit says (so the paths are
 * those of index + 2^31, while the bit and index columns say index), with
 * the roots claimed accordingly, does not satisfy the AIR. */
static void test_direction_not_bit(void **state)
{
    (void)state;
    static const uint32_t idx[1] = {4};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 1);
    for (int swap = 0; swap < 2; swap++) { /* 0: the honest order, a control: accepted */
        cheat c;
        cheat_trace(&c, &b, NULL);
        size_t h = (size_t)1 << c.log_h;
        lm_gl ra[4] = {0}, rb[4] = {0};
        for (size_t r0 = 0; r0 < h; r0 += LM_STATEAIR_DEPTH) {
            size_t r = r0 + LM_STATEAIR_DEPTH - 1;
            lm_gl node[4], sib[4];
            get4(sib, c.trace, h, LM_STATEAIR_COL_SIB, r);
            get4(node, c.trace, h, LM_STATEAIR_COL_NODE_OLD, r);
            /* bit 31 of 4 is 0: the node is the left child */
            compress_at(c.trace, h, LM_STATEAIR_COL_GA, r, swap ? sib : node, swap ? node : sib,
                        r0 == 0 ? ra : node);
            get4(node, c.trace, h, LM_STATEAIR_COL_NODE_NEW, r);
            compress_at(c.trace, h, LM_STATEAIR_COL_GB, r, swap ? sib : node, swap ? node : sib,
                        r0 == 0 ? rb : node);
        }
        for (size_t r = 0; r < h; r++)
            put4(c.trace, h, LM_STATEAIR_COL_ROOT, r, r < LM_STATEAIR_DEPTH ? ra : rb);
        memcpy(c.st.old_root, ra, sizeof ra);
        memcpy(c.st.new_root, rb, sizeof rb);
        if (swap)
            cheat_rejected(&c);
        else
            cheat_accepted(&c);
        cheat_free(&c);
    }
    lm_state_tree_free(&t);
}

/* A non-boolean direction "bit" of 2 (at level 0 or 31 of a one-update
 * batch), with everything else consistent with it (the paths computed with
 * left = node + 2 (sib - node), the index column and the commitment from
 * rem = sum b_l 2^l, the claimed roots from those paths): only the
 * booleanity constraint fails. The same override with the true bits gives
 * an accepted proof. */
static void test_non_boolean_bit(void **state)
{
    (void)state;
    static const uint32_t idx[1] = {4};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 1);
    lm_gl bits[LM_STATEAIR_DEPTH];
    for (size_t k = 0; k < 1; k++)
        for (unsigned l = 0; l < LM_STATEAIR_DEPTH; l++)
            bits[k * LM_STATEAIR_DEPTH + l] = (b.ups[k].index >> l) & 1u;
    cheat c;
    cheat_trace(&c, &b, bits);
    lm_stark_proof p;
    lm_err err;
    assert_int_equal(cheat_prove(&c, false, &p, &err), LM_OK);
    verify_ok(&p, &c.st);
    assert_memory_equal(c.st.new_root, b.root_after, sizeof c.st.new_root);
    lm_stark_proof_free(&p);
    cheat_free(&c);
    for (unsigned l = 0; l < LM_STATEAIR_DEPTH; l += 31) {
        bits[l] = 2; /* update 0, level l: bit 0 of 4 and bit 31 are 0 */
        cheat_trace(&c, &b, bits);
        cheat_rejected(&c);
        cheat_free(&c);
        bits[l] = 0;
    }
    lm_state_tree_free(&t);
}

/* Tampered bytes of an encoded proof: the decoder or the verifier rejects
 * each (bit 0 of every 61st byte and the whole of every 211th). */
static void test_tampered_bytes(void **state)
{
    (void)state;
    static const uint32_t idx[1] = {2};
    lm_state_tree t;
    tree_with_leaves(&t, 10);
    batch b;
    batch_make(&b, &t, idx, 1);
    lm_stark_proof p, r;
    lm_stateair_statement st;
    prove_ok(&b, &p, &st);
    lm_air air;
    lm_air_boundary bnd[LM_STATEAIR_BOUNDARY];
    unsigned log_h;
    lm_err err;
    assert_int_equal(lm_stateair_air(&air, bnd, &log_h, &st, &err), LM_OK);
    size_t n = lm_stark_proof_size(&p), len;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    assert_int_equal(lm_stark_proof_write(buf, n, &len, &p, &err), LM_OK);
    assert_int_equal(lm_stark_proof_read(&r, &air, &FP, log_h, buf, n, &err), LM_OK);
    verify_ok(&r, &st);
    lm_stark_proof_free(&r);
    for (size_t i = 0; i < n; i++) {
        uint8_t mask = i % 211 == 0 ? 0xff : i % 61 == 0 ? 0x01 : 0;
        if (mask == 0)
            continue;
        buf[i] ^= mask;
        int rc = lm_stark_proof_read(&r, &air, &FP, log_h, buf, n, &err);
        if (rc == LM_OK) {
            rc = lm_stateair_verify(&r, &st, &FP, &err);
            lm_stark_proof_free(&r);
        }
        if (rc == LM_OK)
            fail_msg("flip 0x%02x at byte %zu of %zu accepted", mask, i, n);
        buf[i] ^= mask;
    }
    free(buf);
    lm_stark_proof_free(&p);
    lm_state_tree_free(&t);
}

static void test_bad_input(void **state)
{
    (void)state;
    static const uint32_t idx[1] = {1};
    lm_state_tree t;
    tree_with_leaves(&t, 4);
    batch b;
    batch_make(&b, &t, idx, 1);
    lm_stark_proof p;
    lm_stateair_statement st;
    lm_err err;
    assert_int_equal(lm_stateair_prove(&p, &st, b.ups, (const sibs_t *)b.sib, 0, &FP, 1, &err),
                     LM_EINVAL);
    /* blowup 2 < degree 7: the constraints are evaluated on 8 h points, the
     * commitments and FRI live on 2 h; the proof verifies, with those
     * parameters only */
    const lm_fri_params small = {1, 2, 24, 4};
    assert_int_equal(lm_stateair_prove(&p, &st, b.ups, (const sibs_t *)b.sib, 1, &small, 1, &err),
                     LM_OK);
    assert_int_equal(lm_stateair_verify(&p, &st, &small, &err), LM_OK);
    assert_int_equal(lm_stateair_verify(&p, &st, &FP, &err) == LM_OK, 0);
    lm_stark_proof_free(&p);
    b.ups[0].new_leaf[1] = LM_GL_P;
    assert_int_equal(lm_stateair_prove(&p, &st, b.ups, (const sibs_t *)b.sib, 1, &FP, 1, &err),
                     LM_ENONCANON);
    b.ups[0].new_leaf[1] = 1;
    b.sib[0][30][3] = LM_GL_P + 1;
    assert_int_equal(lm_stateair_prove(&p, &st, b.ups, (const sibs_t *)b.sib, 1, &FP, 1, &err),
                     LM_ENONCANON);
    lm_stateair_statement bad = {.n_updates = 1};
    bad.commit[0] = LM_GL_P;
    lm_air air;
    lm_air_boundary bnd[LM_STATEAIR_BOUNDARY];
    unsigned log_h;
    assert_int_equal(lm_stateair_air(&air, bnd, &log_h, &bad, &err), LM_ENONCANON);
    bad.commit[0] = 0;
    bad.n_updates = 0;
    assert_int_equal(lm_stateair_air(&air, bnd, &log_h, &bad, &err), LM_EINVAL);
    lm_state_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_commit_known_answer),
        cmocka_unit_test(test_far_leaf_known_answer),
        cmocka_unit_test(test_honest),
        cmocka_unit_test(test_wrong_sibling),
        cmocka_unit_test(test_wrong_index_bit),
        cmocka_unit_test(test_index_not_bits),
        cmocka_unit_test(test_wrong_leaf),
        cmocka_unit_test(test_commit_not_trace),
        cmocka_unit_test(test_forged_permutation),
        cmocka_unit_test(test_capacity_not_zero),
        cmocka_unit_test(test_roots_not_chained),
        cmocka_unit_test(test_direction_not_bit),
        cmocka_unit_test(test_non_boolean_bit),
        cmocka_unit_test(test_tampered_bytes),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
