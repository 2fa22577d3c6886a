/* The sequencer's mempool: see include/lamina/mempool.h. */
#include "lamina/mempool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lamina/bytes.h"

static size_t pow2_at_least(size_t n)
{
    size_t c = 16;
    while (c < n)
        c <<= 1;
    return c;
}

lm_code lm_mempool_init(lm_mempool *p, const lm_mempool_limits *limits, lm_err *err)
{
    memset(p, 0, sizeof *p);
    p->lim.capacity = limits && limits->capacity ? limits->capacity : 65536;
    p->lim.per_account = limits && limits->per_account ? limits->per_account : 64;
    p->hset_cap = pow2_at_least(2 * p->lim.capacity);
    p->senders_cap = p->hset_cap;
    p->ring = calloc(p->lim.capacity, sizeof *p->ring);
    p->hset = calloc(p->hset_cap, 32);
    p->hset_used = calloc(p->hset_cap, 1);
    p->senders = calloc(p->senders_cap, sizeof *p->senders);
    if (!p->ring || !p->hset || !p->hset_used || !p->senders) {
        lm_mempool_free(p);
        return lm_err_set(err, LM_ENOMEM, "mempool: out of memory");
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    return LM_OK;
}

void lm_mempool_free(lm_mempool *p)
{
    if (p->ring) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
    }
    free(p->ring);
    free(p->hset);
    free(p->hset_used);
    free(p->senders);
    memset(p, 0, sizeof *p);
}

/* Hash-set slot for h: its own slot if present, else the free slot where it
 * would go. Linear probing; deletion by backward shift keeps probes short. */
static size_t hslot(const lm_mempool *p, const uint8_t h[32])
{
    size_t m = p->hset_cap - 1, i = (size_t)lm_load_le64(h) & m;
    while (p->hset_used[i] && memcmp(p->hset[i], h, 32) != 0)
        i = (i + 1) & m;
    return i;
}

static void hdel(lm_mempool *p, const uint8_t h[32])
{
    size_t m = p->hset_cap - 1, i = hslot(p, h);
    if (!p->hset_used[i])
        return;
    p->hset_used[i] = 0;
    for (size_t j = (i + 1) & m; p->hset_used[j]; j = (j + 1) & m) {
        size_t home = (size_t)lm_load_le64(p->hset[j]) & m;
        /* move j back to i when its home is not in (i, j] cyclically */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            memcpy(p->hset[i], p->hset[j], 32);
            p->hset_used[i] = 1;
            p->hset_used[j] = 0;
            i = j;
        }
    }
}

static size_t sslot(const lm_mempool *p, const uint8_t a[20])
{
    size_t m = p->senders_cap - 1, i = (size_t)lm_load_le64(a) & m;
    while (p->senders[i].count && memcmp(p->senders[i].addr, a, 20) != 0)
        i = (i + 1) & m;
    return i;
}

static void sdec(lm_mempool *p, const uint8_t a[20])
{
    size_t m = p->senders_cap - 1, i = sslot(p, a);
    if (!p->senders[i].count || --p->senders[i].count)
        return;
    for (size_t j = (i + 1) & m; p->senders[j].count; j = (j + 1) & m) {
        size_t home = (size_t)lm_load_le64(p->senders[j].addr) & m;
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            p->senders[i] = p->senders[j];
            p->senders[j].count = 0;
            i = j;
        }
    }
}

lm_code lm_mempool_add(lm_mempool *p, const lm_tx *tx, const uint8_t hash[32], uint64_t token,
                       uint64_t *seq, lm_err *err)
{
    return lm_mempool_add_checked(p, tx, hash, NULL, token, seq, err);
}

lm_code lm_mempool_add_checked(lm_mempool *p, const lm_tx *tx, const uint8_t hash[32],
                               const uint8_t digest[32], uint64_t token, uint64_t *seq, lm_err *err)
{
    lm_code rc = LM_OK;
    pthread_mutex_lock(&p->mu);
    size_t hs = hslot(p, hash);
    size_t ss = sslot(p, tx->from);
    if (p->hset_used[hs])
        rc = lm_err_set(err, LM_EINVAL, "transaction already known");
    else if (p->len == p->lim.capacity)
        rc = lm_err_set(err, LM_ETOOLARGE, "mempool full (%zu transactions)", p->lim.capacity);
    else if (p->senders[ss].count >= p->lim.per_account)
        rc = lm_err_set(err, LM_ETOOLARGE, "too many pending transactions from this sender (%zu)",
                        p->lim.per_account);
    if (rc == LM_OK) {
        lm_pool_entry *e = &p->ring[(p->head + p->len) % p->lim.capacity];
        e->tx = *tx;
        memcpy(e->hash, hash, 32);
        e->has_digest = digest != NULL;
        if (digest)
            memcpy(e->digest, digest, 32);
        e->seq = p->next_seq++;
        e->token = token;
        p->len++;
        memcpy(p->hset[hs], hash, 32);
        p->hset_used[hs] = 1;
        memcpy(p->senders[ss].addr, tx->from, 20);
        p->senders[ss].count++;
        if (seq)
            *seq = e->seq;
        if (p->want && p->len >= p->want) /* wake the waiter only when it has enough */
            pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

size_t lm_mempool_take(lm_mempool *p, lm_pool_entry *out, size_t max)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->len < max ? p->len : max;
    for (size_t i = 0; i < n; i++) {
        lm_pool_entry *e = &p->ring[p->head];
        out[i] = *e;
        hdel(p, e->hash);
        sdec(p, e->tx.from);
        p->head = (p->head + 1) % p->lim.capacity;
    }
    p->len -= n;
    pthread_mutex_unlock(&p->mu);
    return n;
}

size_t lm_mempool_wait(lm_mempool *p, size_t want, uint32_t timeout_ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    p->want = want ? want : 1;
    while (p->len < want) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT)
            break;
    }
    p->want = 0;
    size_t n = p->len;
    pthread_mutex_unlock(&p->mu);
    return n;
}

size_t lm_mempool_len(lm_mempool *p)
{
    pthread_mutex_lock(&p->mu);
    size_t n = p->len;
    pthread_mutex_unlock(&p->mu);
    return n;
}
