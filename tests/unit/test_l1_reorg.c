/* Tests for the reorg follower (src/l1/reorg.c) on synthetic chains: a
 * model node whose chain the test extends and forks at will, driven through
 * lm_reorg_poll. The follower's reported view (on_block appends, on_reorg
 * truncates) must always equal the node's chain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lamina/bytes.h"
#include "lamina/l1_reorg.h"
#include "lamina/log.h"

#define MAXN 4096

/* ---- the model node -------------------------------------------------------- */

typedef struct node {
    lm_l1_header chain[MAXN]; /* chain[i].number == i */
    size_t len;
    size_t lag;    /* the head it reports is this many blocks below its tip */
    int fetches;   /* by-number fetches */
    int switch_at; /* > 0: at this fetch count, apply the queued fork */
    size_t sw_depth, sw_add;
} node;

static uint32_t g_unique = 1;

static lm_l1_header make_block(const lm_l1_header *parent, uint64_t number)
{
    lm_l1_header h;
    memset(&h, 0, sizeof h);
    h.number = number;
    if (parent)
        memcpy(h.parent_hash, parent->hash, 32);
    lm_store_be64(h.hash, number);
    lm_store_be32(h.hash + 8, g_unique++); /* every block distinct */
    h.timestamp = 1000 + number * 12;
    return h;
}

static void extend(node *n, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        assert_true(n->len < MAXN);
        n->chain[n->len] = make_block(n->len ? &n->chain[n->len - 1] : NULL, n->len);
        n->len++;
    }
}

/* Drops the top `depth` blocks and adds `add` blocks of a new branch. */
static void fork_chain(node *n, size_t depth, size_t add)
{
    assert_true(depth <= n->len);
    n->len -= depth;
    extend(n, add);
}

static lm_code node_fetch(void *ctx, lm_l1_header *out, bool head, uint64_t number, lm_err *err)
{
    node *n = ctx;
    if (head) {
        assert_true(n->len > n->lag);
        *out = n->chain[n->len - 1 - n->lag];
        return LM_OK;
    }
    n->fetches++;
    if (n->switch_at && n->fetches == n->switch_at) {
        /* the node changes branches between two of our requests */
        fork_chain(n, n->sw_depth, n->sw_add);
        n->switch_at = 0;
    }
    if (number >= n->len)
        return lm_err_set(err, LM_ENOTFOUND, "no block %llu", (unsigned long long)number);
    *out = n->chain[number];
    return LM_OK;
}

/* ---- what the follower reported -------------------------------------------- */

typedef struct view {
    uint8_t hash[MAXN][32];
    bool have[MAXN];
    uint64_t first; /* lowest number ever reported */
    uint64_t len;   /* one past the highest block of the current view */
    bool started;
    int blocks, reorgs;
    uint64_t last_first, last_old_tip, last_new_tip;
    uint8_t confirmed[MAXN][32];
    bool is_confirmed[MAXN];
    uint64_t confirmed_upto; /* one past the highest confirmed */
    int confirms;
} view;

static void on_block(void *ctx, const lm_l1_header *h)
{
    view *v = ctx;
    if (!v->started) {
        v->started = true;
        v->first = h->number;
        v->len = h->number;
    }
    /* blocks come in order, each extending the last */
    if (h->number != v->len)
        fail_msg("on_block %llu, expected %llu", (unsigned long long)h->number,
                 (unsigned long long)v->len);
    if (h->number > v->first)
        assert_memory_equal(h->parent_hash, v->hash[h->number - 1], 32);
    memcpy(v->hash[h->number], h->hash, 32);
    v->have[h->number] = true;
    v->len = h->number + 1;
    v->blocks++;
}

static void on_reorg(void *ctx, uint64_t first, const lm_l1_header *old_tip,
                     const lm_l1_header *new_tip)
{
    view *v = ctx;
    assert_true(v->started);
    assert_true(old_tip->number == v->len - 1);
    assert_true(first <= old_tip->number && first > v->first);
    assert_true(new_tip->number >= first);
    v->len = first;
    v->reorgs++;
    v->last_first = first;
    v->last_old_tip = old_tip->number;
    v->last_new_tip = new_tip->number;
    if (v->confirmed_upto > first)
        v->confirmed_upto = first;
}

static void on_confirmed(void *ctx, const lm_l1_header *h)
{
    view *v = ctx;
    /* confirmations come in order and only for blocks in the view */
    if (v->confirmed_upto && h->number != v->confirmed_upto)
        fail_msg("confirmed %llu, expected %llu", (unsigned long long)h->number,
                 (unsigned long long)v->confirmed_upto);
    assert_true(h->number < v->len);
    assert_memory_equal(h->hash, v->hash[h->number], 32);
    memcpy(v->confirmed[h->number], h->hash, 32);
    v->is_confirmed[h->number] = true;
    v->confirmed_upto = h->number + 1;
    v->confirms++;
}

/* The view equals the node's chain from the first reported block on. */
static void check_view(const view *v, const node *n)
{
    assert_true(v->started);
    size_t top = n->len - n->lag;
    assert_int_equal(v->len, top);
    for (uint64_t i = v->first; i < v->len; i++)
        if (memcmp(v->hash[i], n->chain[i].hash, 32) != 0)
            fail_msg("view differs from the node at block %llu", (unsigned long long)i);
}

typedef struct fixture {
    node *n;
    view *v;
    lm_reorg t;
    lm_l1_header *slots;
} fixture;

static fixture *fx_new(size_t window, uint32_t depth, uint64_t start)
{
    fixture *f = calloc(1, sizeof *f);
    f->n = calloc(1, sizeof *f->n);
    f->v = calloc(1, sizeof *f->v);
    f->slots = calloc(LM_REORG_SLOTS(window), sizeof *f->slots);
    lm_reorg_cb cb = {f->v, on_block, on_reorg, on_confirmed};
    lm_err err;
    assert_int_equal(
        lm_reorg_init(&f->t, f->slots, LM_REORG_SLOTS(window), depth, start, &cb, &err), LM_OK);
    return f;
}

static void fx_free(fixture *f)
{
    free(f->slots);
    free(f->v);
    free(f->n);
    free(f);
}

static lm_code poll(fixture *f, uint32_t max_fetch, lm_err *err)
{
    return lm_reorg_poll(&f->t, node_fetch, f->n, max_fetch, err);
}

static void poll_ok(fixture *f)
{
    lm_err err;
    lm_code rc = poll(f, 0, &err);
    if (rc != LM_OK)
        fail_msg("poll: %s %s", lm_code_name(rc), err.msg);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_linear(void **state)
{
    (void)state;
    fixture *f = fx_new(16, 3, LM_REORG_START_AT_HEAD);
    extend(f->n, 11); /* 0..10 */
    poll_ok(f);
    assert_int_equal(f->v->first, 10); /* starts at the head */
    assert_int_equal(f->v->blocks, 1);
    assert_int_equal(f->n->fetches, 0);
    poll_ok(f); /* nothing new */
    assert_int_equal(f->v->blocks, 1);
    extend(f->n, 1);
    poll_ok(f); /* head == tip + 1: taken from the head, no fetch */
    assert_int_equal(f->n->fetches, 0);
    extend(f->n, 5);
    poll_ok(f);
    assert_int_equal(f->n->fetches, 5);
    check_view(f->v, f->n);
    /* top 16, depth 3: 10..13 confirmed */
    assert_int_equal(f->v->confirmed_upto, 14);
    assert_int_equal(f->v->confirms, 4);
    assert_int_equal(f->v->reorgs, 0);
    assert_int_equal(lm_reorg_tip(&f->t)->number, 16);
    assert_non_null(lm_reorg_at(&f->t, 10));
    assert_null(lm_reorg_at(&f->t, 9));
    assert_null(lm_reorg_at(&f->t, 17));
    /* the window keeps the last 16 */
    extend(f->n, 30);
    poll_ok(f);
    check_view(f->v, f->n);
    assert_null(lm_reorg_at(&f->t, 46 - 16));
    assert_non_null(lm_reorg_at(&f->t, 46 - 15));
    assert_int_equal(f->v->confirmed_upto, 47 - 3);
    fx_free(f);
}

static void test_forks_of_several_depths(void **state)
{
    (void)state;
    static const size_t depths[] = {1, 2, 3, 5, 8, 15};
    static const int deltas[] = {-1, 0, 1, 4};
    for (size_t i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        for (size_t j = 0; j < sizeof deltas / sizeof deltas[0]; j++) {
            size_t d = depths[i];
            if ((int)d + deltas[j] < 1)
                continue;
            size_t add = (size_t)((int)d + deltas[j]);
            fixture *f = fx_new(16, 2, 5);
            extend(f->n, 21); /* 0..20 */
            poll_ok(f);
            assert_int_equal(f->v->first, 5);
            check_view(f->v, f->n);
            fork_chain(f->n, d, add);
            poll_ok(f);
            check_view(f->v, f->n);
            if (f->v->reorgs != 1 || f->v->last_first != 21 - d || f->v->last_old_tip != 20)
                fail_msg("depth %zu add %zu: reorgs %d first %llu old tip %llu", d, add,
                         f->v->reorgs, (unsigned long long)f->v->last_first,
                         (unsigned long long)f->v->last_old_tip);
            /* the branch as far as the walk fetched it: up to the old tip + 1 */
            uint64_t new_head = f->n->len - 1;
            assert_int_equal(f->v->last_new_tip, new_head < 21 ? new_head : 21);
            assert_int_equal(f->t.deepest_reorg, d);
            fx_free(f);
        }
    }
}

static void test_lagging_node(void **state)
{
    (void)state;
    fixture *f = fx_new(8, 1, LM_REORG_START_AT_HEAD);
    extend(f->n, 30);
    poll_ok(f);
    extend(f->n, 3);
    poll_ok(f);
    int blocks = f->v->blocks;
    /* a node that reports a lower head on the same chain changes nothing */
    f->n->lag = 2;
    poll_ok(f);
    assert_int_equal(f->v->blocks, blocks);
    assert_int_equal(f->v->reorgs, 0);
    /* far behind (below the window): reported, nothing changed */
    f->n->lag = 20;
    lm_err err;
    assert_int_equal(poll(f, 0, &err), LM_ENOTFOUND);
    assert_non_null(strstr(err.msg, "below our window"));
    f->n->lag = 0;
    poll_ok(f);
    assert_int_equal(f->v->reorgs, 0);
    /* a shorter new branch is found through the head's hash */
    fork_chain(f->n, 3, 1);
    poll_ok(f);
    assert_int_equal(f->v->reorgs, 1);
    assert_int_equal(f->v->last_first, 30);
    assert_int_equal(f->v->last_new_tip, 30);
    check_view(f->v, f->n);
    /* a pure rewind (no new block yet, as after anvil's evm_revert) looks
     * like a lagging node until a block of the new branch appears */
    extend(f->n, 5); /* 0..35 */
    poll_ok(f);
    fork_chain(f->n, 2, 0);
    poll_ok(f);
    assert_int_equal(f->v->reorgs, 1);
    extend(f->n, 1);
    poll_ok(f); /* head 34 (new) below our tip 35: walk from it */
    assert_int_equal(f->v->reorgs, 2);
    assert_int_equal(f->v->last_first, 34);
    check_view(f->v, f->n);
    fx_free(f);
}

static void test_deeper_than_window(void **state)
{
    (void)state;
    /* window 8 holds 13..20: an ancestor at 13 is fine, at 12 is too deep */
    fixture *f = fx_new(8, 2, 0);
    extend(f->n, 21);
    poll_ok(f);
    fork_chain(f->n, 7, 9);
    poll_ok(f);
    assert_int_equal(f->v->last_first, 14);
    check_view(f->v, f->n);
    fx_free(f);

    f = fx_new(8, 2, 0);
    extend(f->n, 21);
    poll_ok(f);
    fork_chain(f->n, 8, 9);
    lm_err err;
    assert_int_equal(poll(f, 0, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "deeper than the window of 8 blocks"));
    assert_int_equal(f->t.state, LM_REORG_FAILED);
    assert_int_equal(f->v->reorgs, 0);
    /* it stays failed */
    assert_int_equal(poll(f, 0, &err), LM_ETOOLARGE);
    lm_l1_header x = f->n->chain[5];
    assert_int_equal(lm_reorg_feed(&f->t, &x, &err), LM_EINVAL);
    /* until reset: then it follows from its start again */
    lm_reorg_reset(&f->t);
    memset(f->v, 0, sizeof *f->v);
    poll_ok(f);
    check_view(f->v, f->n);
    assert_int_equal(f->v->first, 0);
    fx_free(f);

    /* a shorter branch deeper than the window, found from the head */
    f = fx_new(4, 1, LM_REORG_START_AT_HEAD);
    extend(f->n, 20);
    poll_ok(f);
    extend(f->n, 5);
    poll_ok(f);
    fork_chain(f->n, 6, 3); /* head 21, below our tip 24, ancestor 18 < oldest 21 */
    assert_int_equal(poll(f, 0, &err), LM_ETOOLARGE);
    fx_free(f);
}

static void test_confirmations_rolled_back(void **state)
{
    (void)state;
    fixture *f = fx_new(16, 2, 10);
    extend(f->n, 21); /* 0..20: 10..18 confirmed */
    poll_ok(f);
    assert_int_equal(f->v->confirmed_upto, 19);
    assert_int_equal(f->v->confirms, 9);
    /* a reorg of 4 undoes confirmed blocks 17 and 18 */
    fork_chain(f->n, 4, 4);
    poll_ok(f);
    assert_int_equal(f->v->last_first, 17);
    check_view(f->v, f->n);
    /* the new 17 and 18 are confirmed again, with their new hashes */
    assert_int_equal(f->v->confirmed_upto, 19);
    assert_int_equal(f->v->confirms, 11);
    for (uint64_t i = 10; i <= 18; i++)
        assert_memory_equal(f->v->confirmed[i], f->n->chain[i].hash, 32);
    /* depth 0 confirms at once */
    fixture *g = fx_new(4, 0, LM_REORG_START_AT_HEAD);
    extend(g->n, 3);
    poll_ok(g);
    assert_int_equal(g->v->confirmed_upto, 3);
    fx_free(g);
    fx_free(f);
}

static void test_chain_changes_during_walk(void **state)
{
    (void)state;
    fixture *f = fx_new(32, 2, 0);
    extend(f->n, 21);
    poll_ok(f);
    fork_chain(f->n, 5, 6);
    /* during the walk the node switches again, to a deeper fork */
    f->n->fetches = 0;
    f->n->switch_at = 3;
    f->n->sw_depth = 10;
    f->n->sw_add = 12;
    lm_err err;
    assert_int_equal(poll(f, 0, &err), LM_OK);
    /* the round was given up (the fetched branch did not link) or resolved
     * on whatever the node served; either way the next poll converges */
    poll_ok(f);
    check_view(f->v, f->n);
    assert_true(f->v->reorgs >= 1);
    fx_free(f);

    /* the wanted block disappears (chain got shorter): round abandoned */
    f = fx_new(32, 2, 0);
    extend(f->n, 10);
    poll_ok(f);
    extend(f->n, 10);
    f->n->fetches = 0;
    f->n->switch_at = 2;
    f->n->sw_depth = 15;
    f->n->sw_add = 0;
    assert_int_equal(poll(f, 0, &err), LM_OK);
    extend(f->n, 3);
    poll_ok(f);
    check_view(f->v, f->n);
    fx_free(f);
}

static void test_other_chain(void **state)
{
    (void)state;
    fixture *f = fx_new(64, 2, 0);
    extend(f->n, 10);
    poll_ok(f);
    fork_chain(f->n, 10, 12); /* a different genesis */
    lm_err err;
    assert_int_equal(poll(f, 0, &err), LM_EPROTO);
    assert_non_null(strstr(err.msg, "block 0"));
    fx_free(f);
}

static void test_start_and_max_fetch(void **state)
{
    (void)state;
    fixture *f = fx_new(16, 0, 5);
    extend(f->n, 31); /* 0..30 */
    lm_err err;
    assert_int_equal(poll(f, 10, &err), LM_OK);
    assert_int_equal(f->v->first, 5);
    assert_int_equal(f->v->len, 15);
    assert_int_equal(poll(f, 10, &err), LM_OK);
    assert_int_equal(f->v->len, 25);
    assert_int_equal(poll(f, 10, &err), LM_OK);
    check_view(f->v, f->n);
    /* a start above the head waits */
    fixture *g = fx_new(16, 0, 100);
    extend(g->n, 50);
    assert_int_equal(poll(g, 0, &err), LM_OK);
    assert_false(g->v->started);
    extend(g->n, 55);
    poll_ok(g);
    assert_int_equal(g->v->first, 100);
    check_view(g->v, g->n);
    fx_free(g);
    fx_free(f);
}

static void test_api_misuse(void **state)
{
    (void)state;
    lm_reorg t;
    lm_l1_header slots[LM_REORG_SLOTS(4)];
    lm_err err;
    assert_int_equal(lm_reorg_init(&t, slots, 2, 0, 0, NULL, &err), LM_EINVAL);
    assert_int_equal(lm_reorg_init(&t, slots, LM_REORG_SLOTS(4), 4, 0, NULL, &err), LM_EINVAL);
    assert_int_equal(
        lm_reorg_init(&t, slots, LM_REORG_SLOTS(4), 3, LM_REORG_START_AT_HEAD, NULL, &err), LM_OK);
    assert_null(lm_reorg_tip(&t));
    uint64_t n;
    assert_false(lm_reorg_want(&t, &n));
    node *nd = calloc(1, sizeof *nd);
    extend(nd, 5);
    assert_int_equal(lm_reorg_feed(&t, &nd->chain[1], &err), LM_EINVAL); /* not asked for */
    /* seeding: must link to the tip */
    assert_int_equal(lm_reorg_seed(&t, &nd->chain[1], &err), LM_OK);
    assert_int_equal(lm_reorg_seed(&t, &nd->chain[3], &err), LM_EINVAL);
    assert_int_equal(lm_reorg_seed(&t, &nd->chain[2], &err), LM_OK);
    assert_int_equal(lm_reorg_tip(&t)->number, 2);
    /* no callbacks set: polling still works */
    assert_int_equal(lm_reorg_poll(&t, node_fetch, nd, 0, &err), LM_OK);
    assert_int_equal(lm_reorg_tip(&t)->number, 4);
    free(nd);
}

/* xorshift64 for the random walk */
static uint64_t g_rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(uint64_t n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng % n;
}

/* Random extends, forks and lags: the view always equals the node's chain,
 * and every block confirmed last equals the node's block when the forks
 * stay shallower than the confirmation depth. */
static void test_random_walk(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        uint32_t depth = round == 0 ? 6 : 2;
        size_t max_fork = round == 0 ? 6 : 12; /* round 0: forks never reach confirmed blocks */
        fixture *f = fx_new(32, depth, LM_REORG_START_AT_HEAD);
        extend(f->n, 5);
        poll_ok(f);
        int reorgs = 0;
        for (int step = 0; step < 400; step++) {
            uint64_t r = rnd(10);
            if (r < 6) {
                extend(f->n, rnd(4));
            } else if (r < 9) {
                size_t d = 1 + rnd(max_fork - 1);
                if (d + 1 < f->n->len - f->v->first) {
                    fork_chain(f->n, d, 1 + rnd(d + 3));
                    reorgs++;
                }
            }
            f->n->lag = rnd(8) == 0 && f->n->len > f->v->first + 3 ? 1 : 0;
            if (f->n->lag && f->n->len - 1 - f->n->lag < f->v->len - 1)
                f->n->lag = 0; /* a lower head would be a reorg to a shorter chain */
            lm_err err;
            lm_code rc = poll(f, (uint32_t)rnd(5), &err);
            if (rc != LM_OK)
                fail_msg("step %d: %s %s", step, lm_code_name(rc), err.msg);
            f->n->lag = 0;
            poll_ok(f); /* unlimited: catches up */
            check_view(f->v, f->n);
            if (round == 0)
                for (uint64_t i = f->v->first; i < f->v->confirmed_upto; i++)
                    assert_memory_equal(f->v->confirmed[i], f->n->chain[i].hash, 32);
        }
        assert_true(reorgs > 50);
        assert_true(f->v->reorgs > 30);
        fx_free(f);
    }
}

int main(void)
{
    lm_log_set_level(LM_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_forks_of_several_depths),
        cmocka_unit_test(test_lagging_node),
        cmocka_unit_test(test_deeper_than_window),
        cmocka_unit_test(test_confirmations_rolled_back),
        cmocka_unit_test(test_chain_changes_during_walk),
        cmocka_unit_test(test_other_chain),
        cmocka_unit_test(test_start_and_max_fetch),
        cmocka_unit_test(test_api_misuse),
        cmocka_unit_test(test_random_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
