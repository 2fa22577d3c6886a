/* The mempool: FIFO order, duplicates, bounds, and a randomized comparison
 * with a plain model (which also exercises the hash sets' deletions). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lamina/keccak.h"
#include "lamina/mempool.h"

static void make(lm_tx *tx, uint8_t hash[32], unsigned sender, uint64_t nonce)
{
    memset(tx, 0, sizeof *tx);
    tx->type = LM_TX_TRANSFER;
    tx->from[0] = (uint8_t)sender;
    tx->from[1] = (uint8_t)(sender >> 8);
    tx->nonce = nonce;
    uint8_t buf[16];
    memcpy(buf, tx->from, 8);
    memcpy(buf + 8, &nonce, 8);
    lm_keccak256(hash, buf, sizeof buf);
}

static void test_fifo_and_bounds(void **state)
{
    (void)state;
    lm_mempool p;
    lm_err err;
    lm_mempool_limits lim = {.capacity = 8, .per_account = 3};
    assert_int_equal(lm_mempool_init(&p, &lim, &err), LM_OK);
    lm_tx tx;
    uint8_t h[32];
    for (unsigned i = 0; i < 3; i++) {
        make(&tx, h, 1, i);
        assert_int_equal(lm_mempool_add(&p, &tx, h, 100 + i, NULL, &err), LM_OK);
    }
    make(&tx, h, 1, 1);
    assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_EINVAL); /* duplicate */
    make(&tx, h, 1, 3);
    assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_ETOOLARGE); /* per sender */
    for (unsigned s = 2; s < 7; s++) {
        make(&tx, h, s, 0);
        assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_OK);
    }
    make(&tx, h, 9, 0);
    assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_ETOOLARGE); /* full */
    assert_int_equal(lm_mempool_len(&p), 8);
    lm_pool_entry out[8];
    assert_int_equal(lm_mempool_take(&p, out, 2), 2);
    assert_true(out[0].tx.nonce == 0 && out[1].tx.nonce == 1 && out[0].token == 100);
    assert_true(out[0].seq < out[1].seq);
    /* taken: the same transaction may come again, and the sender has room */
    make(&tx, h, 1, 0);
    assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_OK);
    make(&tx, h, 1, 5);
    assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_OK);
    assert_int_equal(lm_mempool_take(&p, out, 8), 8);
    assert_true(out[0].tx.nonce == 2 && out[6].tx.nonce == 0 && out[7].tx.nonce == 5);
    assert_int_equal(lm_mempool_wait(&p, 1, 10), 0);
    lm_mempool_free(&p);
}

struct waiter {
    lm_mempool *p;
    size_t want, got;
    double waited_ms;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *wait_main(void *arg)
{
    struct waiter *w = arg;
    double t0 = now_ms();
    w->got = lm_mempool_wait(w->p, w->want, 10000);
    w->waited_ms = now_ms() - t0;
    return NULL;
}

/* The checked digest travels with the entry; a waiter wakes once the pool
 * holds what it wants (not at the first add, not at its timeout). */
static void test_digest_and_wait(void **state)
{
    (void)state;
    lm_mempool p;
    lm_err err;
    assert_int_equal(lm_mempool_init(&p, NULL, &err), LM_OK);
    lm_tx tx;
    uint8_t h[32], d[32];
    memset(d, 0xd1, sizeof d);
    make(&tx, h, 1, 0);
    assert_int_equal(lm_mempool_add_checked(&p, &tx, h, d, 7, NULL, &err), LM_OK);
    make(&tx, h, 2, 0);
    assert_int_equal(lm_mempool_add(&p, &tx, h, 8, NULL, &err), LM_OK);
    lm_pool_entry out[2];
    assert_int_equal(lm_mempool_take(&p, out, 2), 2);
    assert_true(out[0].has_digest);
    assert_memory_equal(out[0].digest, d, 32);
    assert_false(out[1].has_digest);

    struct waiter w = {.p = &p, .want = 3};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, wait_main, &w), 0);
    for (unsigned i = 0; i < 3; i++) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        make(&tx, h, 10 + i, 0);
        assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), LM_OK);
    }
    pthread_join(t, NULL);
    assert_int_equal(w.got, 3);
    assert_true(w.waited_ms >= 40 &&
                w.waited_ms < 5000); /* after the third add, before the timeout */
    assert_int_equal(p.want, 0);
    lm_mempool_free(&p);
}

static void test_random_against_model(void **state)
{
    (void)state;
    enum { CAP = 64, SENDERS = 12, STEPS = 20000 };
    lm_mempool p;
    lm_err err;
    lm_mempool_limits lim = {.capacity = CAP, .per_account = 7};
    assert_int_equal(lm_mempool_init(&p, &lim, &err), LM_OK);
    /* model: a FIFO of (sender, nonce) */
    unsigned ms[CAP], mn[CAP];
    size_t mlen = 0;
    uint64_t rng = 0x1234567;
    for (int step = 0; step < STEPS; step++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        if (rng % 3) {
            unsigned s = (unsigned)(rng >> 8) % SENDERS, n = (unsigned)(rng >> 20) % 10;
            lm_tx tx;
            uint8_t h[32];
            make(&tx, h, s, n);
            int dup = 0, per = 0;
            for (size_t i = 0; i < mlen; i++) {
                dup |= ms[i] == s && mn[i] == n;
                per += ms[i] == s;
            }
            lm_code want = dup ? LM_EINVAL : mlen == CAP ? LM_ETOOLARGE : per >= 7 ? LM_ETOOLARGE : LM_OK;
            assert_int_equal(lm_mempool_add(&p, &tx, h, 0, NULL, &err), want);
            if (want == LM_OK) {
                ms[mlen] = s;
                mn[mlen++] = n;
            }
        } else {
            size_t k = (size_t)(rng >> 30) % 5;
            lm_pool_entry out[5];
            size_t got = lm_mempool_take(&p, out, k);
            assert_int_equal(got, k < mlen ? k : mlen);
            for (size_t i = 0; i < got; i++)
                assert_true(out[i].tx.from[0] == ms[i] && out[i].tx.nonce == mn[i]);
            memmove(ms, ms + got, (mlen - got) * sizeof ms[0]);
            memmove(mn, mn + got, (mlen - got) * sizeof mn[0]);
            mlen -= got;
        }
        assert_int_equal(lm_mempool_len(&p), mlen);
    }
    lm_mempool_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_bounds),
        cmocka_unit_test(test_digest_and_wait),
        cmocka_unit_test(test_random_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
