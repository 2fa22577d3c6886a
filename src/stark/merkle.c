/* Poseidon2 Merkle trees over matrix rows, multi-proofs.
 * See include/lamina/merkle.h and docs/stark.md ("Merkle commitments"). */
#include "lamina/merkle.h"

#include <stdlib.h>
#include <string.h>

#include "par.h"

void lm_merkle_leaf(lm_digest *out, const lm_gl *row, size_t len)
{
    lm_poseidon2_hash(out->e, row, len);
}

static void node_(lm_digest *out, const lm_digest *l, const lm_digest *r)
{
    lm_poseidon2_compress(out->e, l->e, r->e);
}

/* A run of digests as the rows of 4 elements the batch hashes of
 * lamina/poseidon2.h take (a digest is exactly its 4 elements). */
_Static_assert(sizeof(lm_digest) == LM_P2_DIGEST * sizeof(lm_gl), "lm_digest is 4 packed elements");
static lm_gl (*digests_(lm_digest *d))[LM_P2_DIGEST] { return (lm_gl(*)[LM_P2_DIGEST])d->e; }

typedef struct build_job_ {
    lm_merkle_tree *t;
    const lm_matrix_view *m;
    size_t lo_node;  /* the level being built: nodes [lo_node, 2 lo_node) */
} build_job_;

/* Leaves and levels go through the batch hashes (lm_poseidon2_hash_many,
 * lm_poseidon2_compress_pairs), which run 8 permutations at once where the
 * CPU can: same digests as lm_merkle_leaf and node_, one by one. */
static void job_leaves_(void *p, unsigned t, unsigned nt)
{
    build_job_ *b = p;
    const lm_matrix_view *m = b->m;
    size_t n = m->rows, per = (n + nt - 1) / nt;
    size_t r0 = per * t, r1 = r0 + per < n ? r0 + per : n;
    if (r0 < r1)
        lm_poseidon2_hash_many(digests_(&b->t->nodes[n + r0]), m->data + r0 * m->row_stride, r1 - r0, m->cols,
                               m->row_stride, m->col_stride);
}

static void job_level_(void *p, unsigned t, unsigned nt)
{
    build_job_ *b = p;
    size_t lo = b->lo_node, per = (lo + nt - 1) / nt;
    size_t v0 = lo + per * t, v1 = v0 + per < 2 * lo ? v0 + per : 2 * lo;
    if (v0 < v1)
        lm_poseidon2_compress_pairs(digests_(&b->t->nodes[v0]),
                                    (const lm_gl(*)[LM_P2_DIGEST])digests_(&b->t->nodes[2 * v0]), v1 - v0);
}

int lm_merkle_build(lm_merkle_tree *t, const lm_matrix_view *m, unsigned threads, lm_err *err)
{
    memset(t, 0, sizeof *t);
    size_t n = m->rows;
    if (n == 0 || (n & (n - 1)) != 0)
        return lm_err_set(err, LM_EINVAL, "merkle: %zu rows is not a power of two", n);
    unsigned log_n = 0;
    while (((size_t)1 << log_n) < n)
        log_n++;
    if (log_n > LM_MERKLE_MAX_LOG_ROWS)
        return lm_err_set(err, LM_ETOOLARGE, "merkle: 2^%u rows above 2^%u", log_n, LM_MERKLE_MAX_LOG_ROWS);
    if (threads == 0)
        threads = 1;
    if (threads > LM_PAR_MAX_THREADS)
        threads = LM_PAR_MAX_THREADS;
    /* Threads pay from about 256 leaves each. */
    while (threads > 1 && n / threads < 256)
        threads /= 2;
    t->nodes = malloc(2 * n * sizeof(lm_digest));
    if (t->nodes == NULL)
        return lm_err_set(err, LM_ENOMEM, "merkle: no memory for %zu nodes", 2 * n);
    memset(&t->nodes[0], 0, sizeof(lm_digest));
    t->log_n = log_n;
    build_job_ b = {t, m, 0};
    lm_par_run(threads, job_leaves_, &b);
    for (size_t lo = n / 2; lo >= 1; lo /= 2) {
        b.lo_node = lo;
        lm_par_run(lo >= 1024 ? threads : 1, job_level_, &b);
    }
    return LM_OK;
}

void lm_merkle_free(lm_merkle_tree *t)
{
    if (t == NULL)
        return;
    free(t->nodes);
    t->nodes = NULL;
    t->log_n = 0;
}

void lm_merkle_root(lm_digest *root, const lm_merkle_tree *t) { *root = t->nodes[1]; }

static bool indices_ok_(unsigned log_n, const size_t *idx, size_t k)
{
    if (k == 0 || log_n > LM_MERKLE_MAX_LOG_ROWS)
        return false;
    uint64_t n = (uint64_t)1 << log_n;
    for (size_t i = 0; i < k; i++)
        if ((uint64_t)idx[i] >= n || (i > 0 && idx[i] <= idx[i - 1]))
            return false;
    return true;
}

/* Walks the multi-proof order without scratch memory: at depth d (leaves at
 * depth log_n) the known positions are idx[i] >> (log_n - d), deduplicated
 * (idx is sorted, so equal values are adjacent). For each known position p
 * in increasing order: when p is even and p + 1 is known too, both are
 * consumed with no sibling; otherwise the sibling p ^ 1 is emitted.
 * emit(ctx, depth, p ^ 1) is called per sibling in proof order.
 * Returns: the number of siblings. */
typedef void (*emit_fn_)(void *ctx, size_t count, unsigned depth, size_t pos);

static size_t walk_(unsigned log_n, const size_t *idx, size_t k, emit_fn_ emit, void *ctx)
{
    size_t count = 0;
    for (unsigned d = log_n; d >= 1; d--) {
        unsigned s = log_n - d;
        size_t i = 0;
        while (i < k) {
            size_t p = idx[i] >> s;
            while (i < k && (idx[i] >> s) == p)
                i++;
            if ((p & 1) == 0 && i < k && (idx[i] >> s) == p + 1) {
                while (i < k && (idx[i] >> s) == p + 1)
                    i++;
                continue;
            }
            if (emit != NULL)
                emit(ctx, count, d, p ^ 1);
            count++;
        }
    }
    return count;
}

size_t lm_merkle_proof_len(unsigned log_n, const size_t *idx, size_t k)
{
    if (!indices_ok_(log_n, idx, k))
        return 0;
    return walk_(log_n, idx, k, NULL, NULL);
}

typedef struct open_ctx_ {
    const lm_merkle_tree *t;
    lm_digest *sib;
} open_ctx_;

static void emit_open_(void *p, size_t count, unsigned depth, size_t pos)
{
    open_ctx_ *o = p;
    o->sib[count] = o->t->nodes[((size_t)1 << depth) + pos];
}

int lm_merkle_open(const lm_merkle_tree *t, lm_digest *sib, size_t cap, size_t *n_sib, const size_t *idx,
                   size_t k, lm_err *err)
{
    if (!indices_ok_(t->log_n, idx, k))
        return lm_err_set(err, LM_EINVAL, "merkle: open needs 1 or more strictly increasing indices below 2^%u",
                          t->log_n);
    size_t need = walk_(t->log_n, idx, k, NULL, NULL);
    if (need > cap)
        return lm_err_set(err, LM_ESPACE, "merkle: proof needs %zu siblings, room for %zu", need, cap);
    open_ctx_ o = {t, sib};
    walk_(t->log_n, idx, k, emit_open_, &o);
    *n_sib = need;
    return LM_OK;
}

int lm_merkle_verify_digests(const lm_digest *root, unsigned log_n, const size_t *idx, const lm_digest *leaves,
                             size_t k, const lm_digest *sib, size_t n_sib, lm_err *err)
{
    if (!indices_ok_(log_n, idx, k))
        return lm_err_set(err, LM_EINVAL, "merkle: verify needs 1 or more strictly increasing indices below 2^%u",
                          log_n);
    lm_digest *d = malloc(k * sizeof *d);
    size_t *pos = malloc(k * sizeof *pos);
    int rc = LM_OK;
    if (d == NULL || pos == NULL) {
        rc = lm_err_set(err, LM_ENOMEM, "merkle: no memory to verify %zu leaves", k);
        goto out;
    }
    memcpy(d, leaves, k * sizeof *d);
    memcpy(pos, idx, k * sizeof *pos);
    size_t used = 0, m = k;
    /* The same order as walk_, on the deduplicated positions of each level
     * (pos stays strictly increasing: p -> p >> 1 merges only siblings). */
    for (unsigned depth = log_n; depth >= 1; depth--) {
        size_t w = 0, i = 0;
        while (i < m) {
            size_t p = pos[i];
            if ((p & 1) == 0 && i + 1 < m && pos[i + 1] == p + 1) {
                node_(&d[w], &d[i], &d[i + 1]);
                i += 2;
            } else {
                if (used >= n_sib) {
                    rc = lm_err_set(err, LM_ECRYPTO, "merkle: proof has too few siblings (%zu)", n_sib);
                    goto out;
                }
                if (p & 1)
                    node_(&d[w], &sib[used], &d[i]);
                else
                    node_(&d[w], &d[i], &sib[used]);
                used++;
                i++;
            }
            pos[w++] = p >> 1;
        }
        m = w;
    }
    if (used != n_sib) {
        rc = lm_err_set(err, LM_ECRYPTO, "merkle: %zu siblings left over", n_sib - used);
        goto out;
    }
    /* m == 1 and pos[0] == 0 here: all positions of the root level are 0. */
    if (memcmp(d[0].e, root->e, sizeof d[0].e) != 0)
        rc = lm_err_set(err, LM_ECRYPTO, "merkle: root mismatch");
out:
    free(d);
    free(pos);
    return rc;
}

int lm_merkle_verify(const lm_digest *root, unsigned log_n, const size_t *idx, const lm_gl *rows, size_t row_len,
                     size_t k, const lm_digest *sib, size_t n_sib, lm_err *err)
{
    if (k == 0)
        return lm_err_set(err, LM_EINVAL, "merkle: no leaves to verify");
    lm_digest *leaves = malloc(k * sizeof *leaves);
    if (leaves == NULL)
        return lm_err_set(err, LM_ENOMEM, "merkle: no memory for %zu leaves", k);
    lm_poseidon2_hash_many(digests_(leaves), rows, k, row_len, row_len, 1);
    int rc = lm_merkle_verify_digests(root, log_n, idx, leaves, k, sib, n_sib, err);
    free(leaves);
    return rc;
}
