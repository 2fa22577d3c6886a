/* Poseidon2 duplex-sponge Fiat-Shamir transcript.
 * See include/lamina/transcript.h and docs/stark.md ("Transcript"). */
#include "lamina/transcript.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"

void lm_transcript_init(lm_transcript *t, const uint8_t *label, size_t len)
{
    memset(t, 0, sizeof *t);
    /* s = 0; s[8..12) = hash_bytes(label). */
    lm_poseidon2_hash_bytes(&t->s[LM_P2_RATE], label, len);
}

/* s[i] = I[i] for i < |I|; I = {}; s = permute(s); O = s[0..8). */
static void duplex_(lm_transcript *t)
{
    for (unsigned i = 0; i < t->n_in; i++)
        t->s[i] = t->in[i];
    t->n_in = 0;
    lm_poseidon2_permute(t->s);
    t->n_out = LM_P2_RATE;
}

void lm_transcript_absorb(lm_transcript *t, const lm_gl *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        t->n_out = 0;
        t->in[t->n_in++] = e[i];
        if (t->n_in == LM_P2_RATE)
            duplex_(t);
    }
}

void lm_transcript_absorb_digest(lm_transcript *t, const lm_gl d[LM_P2_DIGEST])
{
    lm_transcript_absorb(t, d, LM_P2_DIGEST);
}

void lm_transcript_absorb_gl3(lm_transcript *t, const lm_gl3 *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lm_transcript_absorb(t, e[i].c, 3);
}

lm_gl lm_transcript_squeeze(lm_transcript *t)
{
    if (t->n_in > 0 || t->n_out == 0)
        duplex_(t);
    /* O is read from s[0] up: the next one is s[8 - n_out]. */
    return t->s[LM_P2_RATE - t->n_out--];
}

lm_gl3 lm_transcript_squeeze_gl3(lm_transcript *t)
{
    lm_gl3 r;
    for (int i = 0; i < 3; i++)
        r.c[i] = lm_transcript_squeeze(t);
    return r;
}

uint64_t lm_transcript_squeeze_index(lm_transcript *t, unsigned bits)
{
    if (bits > 32)
        abort(); /* programmer error */
    return lm_transcript_squeeze(t) & ((UINT64_C(1) << bits) - 1);
}

static bool pow_ok_(lm_gl e, unsigned bits) { return bits == 0 || (e >> (64 - bits)) == 0; }

/* Returns: whether nonce is valid, leaving t advanced. */
static bool try_nonce_(lm_transcript *t, uint64_t nonce, unsigned bits)
{
    lm_transcript_absorb(t, &nonce, 1);
    return pow_ok_(lm_transcript_squeeze(t), bits);
}

typedef struct grind_job_ {
    const lm_transcript *t;
    unsigned bits;
    _Atomic uint64_t best; /* the smallest valid nonce found so far (UINT64_MAX: none) */
} grind_job_;

/* The permutation input a nonce leads to: absorbing it and squeezing
 * permutes s with the pending inputs and then the nonce written over its
 * first n_in + 1 elements (one permutation, whether the absorb or the squeeze
 * runs it), and the first output is s[0]. So 8 nonces are 8 independent
 * permutations of states that differ in one element: done side by side. */
#define GRIND_LANES 8

/* Thread t tries the groups of 8 nonces t, t + nt, ... in increasing order
 * and stops at its first valid nonce or once past the best found by anyone;
 * so every nonce below the final best was tried, and the result is the
 * smallest valid nonce. */
static void job_grind_(void *p, unsigned t, unsigned nt)
{
    grind_job_ *g = p;
    const lm_transcript *tr = g->t;
    lm_gl base[LM_P2_WIDTH];
    memcpy(base, tr->s, sizeof base);
    for (unsigned i = 0; i < tr->n_in; i++)
        base[i] = tr->in[i];
    lm_gl st[GRIND_LANES][LM_P2_WIDTH];
    for (uint64_t n0 = (uint64_t)t * GRIND_LANES; n0 < LM_GL_P - GRIND_LANES; n0 += (uint64_t)nt * GRIND_LANES) {
        if (n0 > atomic_load(&g->best))
            return;
        for (unsigned j = 0; j < GRIND_LANES; j++) {
            memcpy(st[j], base, sizeof base);
            st[j][tr->n_in] = n0 + j;
        }
        lm_poseidon2_permute_many(st, GRIND_LANES);
        for (unsigned j = 0; j < GRIND_LANES; j++)
            if (pow_ok_(st[j][0], g->bits)) {
                uint64_t n = n0 + j, cur = atomic_load(&g->best);
                while (n < cur && !atomic_compare_exchange_weak(&g->best, &cur, n)) {
                }
                return;
            }
    }
}

int lm_transcript_grind(lm_transcript *t, uint64_t *nonce, unsigned bits, unsigned threads, lm_err *err)
{
    if (bits > LM_TRANSCRIPT_MAX_POW_BITS)
        return lm_err_set(err, LM_ETOOLARGE, "transcript: %u grinding bits above %u", bits,
                          LM_TRANSCRIPT_MAX_POW_BITS);
    grind_job_ g = {.t = t, .bits = bits};
    atomic_init(&g.best, UINT64_MAX);
    /* Below ~2^10 expected tries the threads cost more than they save. */
    lm_par_run(bits >= 10 ? threads : 1, job_grind_, &g);
    uint64_t n = atomic_load(&g.best);
    /* Some nonce below p works for bits <= 40 with overwhelming probability;
     * failing that is not a case a caller can act on. */
    if (n == UINT64_MAX)
        abort();
    if (!try_nonce_(t, n, bits)) /* the batched search and the sponge disagree: a bug */
        abort();
    *nonce = n;
    return LM_OK;
}

int lm_transcript_check_pow(lm_transcript *t, uint64_t nonce, unsigned bits, lm_err *err)
{
    if (bits > LM_TRANSCRIPT_MAX_POW_BITS)
        return lm_err_set(err, LM_ETOOLARGE, "transcript: %u grinding bits above %u", bits,
                          LM_TRANSCRIPT_MAX_POW_BITS);
    if (!lm_gl_is_canonical(nonce))
        return lm_err_set(err, LM_ENONCANON, "transcript: nonce %llu is not below p", (unsigned long long)nonce);
    if (!try_nonce_(t, nonce, bits))
        return lm_err_set(err, LM_ECRYPTO, "transcript: nonce %llu misses %u bits of work",
                          (unsigned long long)nonce, bits);
    return LM_OK;
}
