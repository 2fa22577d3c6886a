/* The accounts tree: a depth-32 binary Merkle tree over account indices
 * with Poseidon2 nodes, kept as one array per level and recomputed from
 * its dirty leaves (include/lamina/state_tree.h, docs/state.md). */
#include "lamina/state_tree.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef lm_gl digest_t[LM_P2_DIGEST];

void lm_state_tree_empty_root(lm_gl out[LM_P2_DIGEST], unsigned k)
{
    if (k > LM_STATE_TREE_DEPTH)
        abort(); /* programmer error */
    /* l2-protocol §3: "Z0 = [0,0,0,0] ... Z_{k+1} = C(Z_k, Z_k)". */
    memset(out, 0, sizeof(digest_t));
    for (unsigned i = 0; i < k; i++)
        lm_poseidon2_compress(out, out, out);
}

void lm_state_tree_init(lm_state_tree *tree)
{
    memset(tree, 0, sizeof *tree);
    for (unsigned k = 0; k < LM_STATE_TREE_DEPTH; k++)
        lm_poseidon2_compress(tree->zero[k + 1], tree->zero[k], tree->zero[k]);
    memcpy(tree->root, tree->zero[LM_STATE_TREE_DEPTH], sizeof(digest_t));
}

void lm_state_tree_free(lm_state_tree *tree)
{
    if (!tree)
        return;
    for (unsigned k = 0; k < LM_STATE_TREE_DEPTH; k++)
        free(tree->level[k]);
    free(tree->dirty);
    free(tree->dirty_bit);
    lm_state_tree_init(tree);
}

/* Nodes at height k that cover leaves 0 .. n-1: ceil(n / 2^k). */
static uint64_t level_len(uint64_t n, unsigned k) { return (n + ((UINT64_C(1) << k) - 1)) >> k; }

/* The node at height k < 32, position j (Z_k past the level's end). */
static const lm_gl *node_at(const lm_state_tree *t, unsigned k, uint64_t j)
{
    if (j < level_len(t->n_leaves, k))
        return t->level[k][j];
    return t->zero[k];
}

lm_code lm_state_tree_reserve(lm_state_tree *tree, uint64_t n_leaves, lm_err *err)
{
    if (n_leaves > LM_STATE_TREE_MAX_LEAVES)
        return lm_err_set(err, LM_EOVERFLOW, "state tree: %llu leaves exceed 2^32",
                          (unsigned long long)n_leaves);
    if (n_leaves <= tree->cap)
        return LM_OK;
    /* Grow geometrically so that adding accounts one by one stays linear. */
    uint64_t cap = tree->cap < 1024 ? 1024 : tree->cap;
    while (cap < n_leaves)
        cap *= 2;
    if (cap > LM_STATE_TREE_MAX_LEAVES)
        cap = LM_STATE_TREE_MAX_LEAVES;
    if (cap > SIZE_MAX / sizeof(digest_t))
        return lm_err_set(err, LM_ENOMEM, "state tree: %llu leaves do not fit in memory",
                          (unsigned long long)cap);
    /* Each level grows on its own: a failure part way leaves some levels
     * larger than cap, which is harmless (cap is only raised at the end). */
    for (unsigned k = 0; k < LM_STATE_TREE_DEPTH; k++) {
        uint64_t len = level_len(cap, k);
        digest_t *p = realloc(tree->level[k], (size_t)len * sizeof(digest_t));
        if (!p)
            return lm_err_set(err, LM_ENOMEM, "state tree: out of memory for %llu leaves",
                              (unsigned long long)cap);
        tree->level[k] = p;
    }
    size_t bits_old = (size_t)((tree->cap + 7) / 8), bits_new = (size_t)((cap + 7) / 8);
    uint8_t *bits = realloc(tree->dirty_bit, bits_new);
    if (!bits)
        return lm_err_set(err, LM_ENOMEM, "state tree: out of memory for %llu leaves",
                          (unsigned long long)cap);
    memset(bits + bits_old, 0, bits_new - bits_old);
    tree->dirty_bit = bits;
    tree->cap = cap;
    return LM_OK;
}

/* Extends the occupied part to n leaves: the new nodes of every level are
 * empty subtrees. Nodes already there keep their values, which stay right
 * because the leaves they gain are empty. Needs cap >= n. */
static void extend(lm_state_tree *t, uint64_t n)
{
    for (unsigned k = 0; k < LM_STATE_TREE_DEPTH; k++) {
        uint64_t from = level_len(t->n_leaves, k), to = level_len(n, k);
        for (uint64_t j = from; j < to; j++)
            memcpy(t->level[k][j], t->zero[k], sizeof(digest_t));
    }
    t->n_leaves = n;
}

lm_code lm_state_tree_set(lm_state_tree *tree, uint64_t index, const lm_gl digest[LM_P2_DIGEST],
                          lm_err *err)
{
    if (index >= LM_STATE_TREE_MAX_LEAVES)
        return lm_err_set(err, LM_EOVERFLOW, "state tree: leaf index %llu >= 2^32",
                          (unsigned long long)index);
    uint8_t bit = (uint8_t)(1u << (index & 7));
    bool listed = index < tree->cap && (tree->dirty_bit[index >> 3] & bit);
    if (!listed && tree->n_dirty == tree->dirty_cap) {
        size_t cap = tree->dirty_cap ? tree->dirty_cap * 2 : 256;
        uint32_t *p = realloc(tree->dirty, cap * sizeof *p);
        if (!p)
            return lm_err_set(err, LM_ENOMEM, "state tree: out of memory for the dirty list");
        tree->dirty = p;
        tree->dirty_cap = cap;
    }
    lm_code rc = lm_state_tree_reserve(tree, index + 1, err);
    if (rc != LM_OK)
        return rc;
    if (index >= tree->n_leaves)
        extend(tree, index + 1);
    memcpy(tree->level[0][index], digest, sizeof(digest_t));
    if (!listed) {
        tree->dirty_bit[index >> 3] |= bit;
        tree->dirty[tree->n_dirty++] = (uint32_t)index;
    }
    return LM_OK;
}

void lm_state_tree_get(const lm_state_tree *tree, uint64_t index, lm_gl out[LM_P2_DIGEST])
{
    if (index < tree->n_leaves)
        memcpy(out, tree->level[0][index], sizeof(digest_t));
    else
        memset(out, 0, sizeof(digest_t)); /* Z_0 */
}

void lm_state_tree_root(const lm_state_tree *tree, lm_gl root[LM_P2_DIGEST])
{
    memcpy(root, tree->root, sizeof(digest_t));
}

/* ---- commit ----------------------------------------------------------------
 * pos[0..n) holds the sorted, distinct positions of changed nodes at height
 * `from`. For each height k in [from, to) it replaces them, in place, by
 * their distinct parents at height k + 1 (parents of sorted positions come
 * out sorted, so a repeated parent is always the previous one) and then
 * recomputes each parent once: parent p = C(node(k, 2p), node(k, 2p + 1)).
 * The parents of one height are independent, so they are hashed in batches
 * (lm_poseidon2_compress_many: 8 permutations at once where the CPU can).
 * Returns: the number of positions at height `to`. */
enum { CLIMB_BATCH = 32 };

static size_t climb(lm_state_tree *t, uint32_t *pos, size_t n, unsigned from, unsigned to)
{
    for (unsigned k = from; k < to; k++) {
        size_t out = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t p = pos[i] >> 1;
            if (out == 0 || pos[out - 1] != p)
                pos[out++] = p;
        }
        n = out;
        for (size_t i = 0; i < n; i += CLIMB_BATCH) {
            size_t m = n - i < CLIMB_BATCH ? n - i : CLIMB_BATCH;
            digest_t left[CLIMB_BATCH], right[CLIMB_BATCH], parent[CLIMB_BATCH];
            for (size_t j = 0; j < m; j++) {
                memcpy(left[j], node_at(t, k, 2 * (uint64_t)pos[i + j]), sizeof(digest_t));
                memcpy(right[j], node_at(t, k, 2 * (uint64_t)pos[i + j] + 1), sizeof(digest_t));
            }
            lm_poseidon2_compress_many(parent, (const digest_t *)left, (const digest_t *)right, m);
            for (size_t j = 0; j < m; j++)
                memcpy(k + 1 < LM_STATE_TREE_DEPTH ? t->level[k + 1][pos[i + j]] : t->root, parent[j],
                       sizeof(digest_t));
        }
    }
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

typedef struct climb_job {
    lm_state_tree *tree;
    uint32_t *pos;
    size_t n, out;
    unsigned to;
} climb_job;

static void *climb_thread(void *arg)
{
    climb_job *j = arg;
    j->out = climb(j->tree, j->pos, j->n, 0, j->to);
    return NULL;
}

/* The height below which runs of dirty leaves are hashed independently:
 * six levels under the top of the occupied part, so at most 64 subtrees
 * there, and a run boundary moves at most one subtree's leaves off the
 * even split. 0 when the tree is too small to be worth it. */
static unsigned split_height(uint64_t n_leaves)
{
    unsigned h = 0;
    while (h < LM_STATE_TREE_DEPTH && (UINT64_C(1) << h) < n_leaves)
        h++;
    return h > 6 ? h - 6 : 0;
}

void lm_state_tree_commit(lm_state_tree *tree, unsigned threads)
{
    size_t n = tree->n_dirty;
    if (n == 0)
        return;
    uint32_t *d = tree->dirty;
    for (size_t i = 0; i < n; i++)
        tree->dirty_bit[d[i] >> 3] &= (uint8_t)~(1u << (d[i] & 7));
    qsort(d, n, sizeof *d, cmp_u32); /* distinct already: the dirty bits saw to it */
    tree->n_dirty = 0;

    if (threads == 0)
        threads = 1;
    if (threads > LM_STATE_TREE_MAX_THREADS)
        threads = LM_STATE_TREE_MAX_THREADS;
    unsigned split = split_height(tree->n_leaves);
    if (threads == 1 || split == 0 || n < 64) {
        climb(tree, d, n, 0, LM_STATE_TREE_DEPTH);
        return;
    }
    /* Cut the sorted positions into runs whose ancestors at height `split`
     * differ: runs then share no node below `split`, so they write disjoint
     * nodes and read only nodes of their own subtrees. */
    climb_job job[LM_STATE_TREE_MAX_THREADS];
    unsigned runs = 0;
    size_t start = 0;
    for (unsigned r = 1; r <= threads && start < n; r++) {
        size_t end = (size_t)((uint64_t)n * r / threads);
        if (end < start)
            end = start;
        while (end < n && end > 0 && (d[end - 1] >> split) == (d[end] >> split))
            end++;
        if (end == start)
            continue;
        job[runs++] = (climb_job){tree, d + start, end - start, 0, split};
        start = end;
    }
    pthread_t th[LM_STATE_TREE_MAX_THREADS];
    bool started[LM_STATE_TREE_MAX_THREADS] = {false};
    for (unsigned r = 1; r < runs; r++)
        started[r] = pthread_create(&th[r], NULL, climb_thread, &job[r]) == 0;
    climb_thread(&job[0]);
    for (unsigned r = 1; r < runs; r++) {
        if (started[r])
            pthread_join(th[r], NULL);
        else
            climb_thread(&job[r]);
    }
    /* Gather the runs' positions at height `split` (still sorted and
     * distinct across runs) and finish the top on this thread. */
    size_t m = 0;
    for (unsigned r = 0; r < runs; r++) {
        memmove(d + m, job[r].pos, job[r].out * sizeof *d);
        m += job[r].out;
    }
    climb(tree, d, m, split, LM_STATE_TREE_DEPTH);
}

/* ---- snapshots -------------------------------------------------------------- */

uint64_t lm_state_tree_level_len(const lm_state_tree *tree, unsigned k)
{
    return k < LM_STATE_TREE_DEPTH ? level_len(tree->n_leaves, k) : 0;
}

const lm_gl (*lm_state_tree_level(const lm_state_tree *tree, unsigned k))[LM_P2_DIGEST]
{
    if (k >= LM_STATE_TREE_DEPTH || tree->n_leaves == 0)
        return NULL;
    return (const lm_gl(*)[LM_P2_DIGEST])tree->level[k];
}

lm_code lm_state_tree_restore(lm_state_tree *tree, uint64_t n_leaves,
                              lm_code (*fill)(void *ctx, unsigned k, lm_gl (*dst)[LM_P2_DIGEST], uint64_t len),
                              void *ctx, lm_err *err)
{
    lm_state_tree_free(tree);
    lm_code rc = lm_state_tree_reserve(tree, n_leaves, err);
    for (unsigned k = 0; rc == LM_OK && k < LM_STATE_TREE_DEPTH; k++)
        rc = fill(ctx, k, tree->level[k], level_len(n_leaves, k));
    if (rc != LM_OK) {
        lm_state_tree_free(tree);
        return rc;
    }
    tree->n_leaves = n_leaves;
    if (n_leaves > 0)
        lm_poseidon2_compress(tree->root, node_at(tree, LM_STATE_TREE_DEPTH - 1, 0),
                              node_at(tree, LM_STATE_TREE_DEPTH - 1, 1));
    return LM_OK;
}

/* ---- proofs ---------------------------------------------------------------- */

lm_code lm_state_tree_prove(const lm_state_tree *tree, uint64_t index, lm_state_proof *proof,
                            lm_gl leaf[LM_P2_DIGEST], lm_err *err)
{
    if (index >= LM_STATE_TREE_MAX_LEAVES)
        return lm_err_set(err, LM_EOVERFLOW, "state tree: leaf index %llu >= 2^32",
                          (unsigned long long)index);
    if (tree->n_dirty != 0)
        return lm_err_set(err, LM_EINVAL, "state tree: %zu leaves not committed", tree->n_dirty);
    for (unsigned k = 0; k < LM_STATE_TREE_DEPTH; k++)
        memcpy(proof->sibling[k], node_at(tree, k, (index >> k) ^ 1), sizeof(digest_t));
    if (leaf)
        lm_state_tree_get(tree, index, leaf);
    return LM_OK;
}

void lm_state_proof_root(lm_gl root[LM_P2_DIGEST], uint64_t index, const lm_gl leaf[LM_P2_DIGEST],
                         const lm_state_proof *proof)
{
    digest_t cur;
    memcpy(cur, leaf, sizeof cur);
    for (unsigned k = 0; k < LM_STATE_TREE_DEPTH; k++) {
        if ((index >> k) & 1)
            lm_poseidon2_compress(cur, proof->sibling[k], cur);
        else
            lm_poseidon2_compress(cur, cur, proof->sibling[k]);
    }
    memcpy(root, cur, sizeof cur);
}

bool lm_state_proof_verify(const lm_gl root[LM_P2_DIGEST], uint64_t index, const lm_gl leaf[LM_P2_DIGEST],
                           const lm_state_proof *proof)
{
    if (index >= LM_STATE_TREE_MAX_LEAVES)
        return false;
    digest_t got;
    lm_state_proof_root(got, index, leaf, proof);
    return memcmp(got, root, sizeof got) == 0;
}
