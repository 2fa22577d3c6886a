/* The reorg-detecting chain follower: a pure state machine over headers.
 * See include/lamina/l1_reorg.h and docs/l1-client.md. No I/O here except
 * through the fetch callback of lm_reorg_poll. */
#include <string.h>

#include "lamina/l1_reorg.h"
#include "lamina/log.h"

/* ---- the ring of accepted blocks ------------------------------------------ */

static const lm_l1_header *tip_of(const lm_reorg *t)
{
    return t->count ? &t->ring[t->head] : NULL;
}

static uint64_t oldest_number(const lm_reorg *t)
{
    return t->ring[t->head].number - (t->count - 1);
}

const lm_l1_header *lm_reorg_tip(const lm_reorg *t)
{
    return tip_of(t);
}

const lm_l1_header *lm_reorg_at(const lm_reorg *t, uint64_t number)
{
    if (!t->count)
        return NULL;
    uint64_t top = t->ring[t->head].number;
    if (number > top || top - number >= t->count)
        return NULL;
    size_t back = (size_t)(top - number);
    return &t->ring[(t->head + t->window - back) % t->window];
}

static void ring_push(lm_reorg *t, const lm_l1_header *h)
{
    if (t->count == 0)
        t->next_confirm = h->number;
    t->head = (t->head + 1) % t->window;
    t->ring[t->head] = *h;
    if (t->count < t->window)
        t->count++;
}

static void ring_pop(lm_reorg *t)
{
    t->head = (t->head + t->window - 1) % t->window;
    t->count--;
}

/* ---- callbacks ---------------------------------------------------------------- */

static void confirm(lm_reorg *t)
{
    uint64_t top = t->ring[t->head].number;
    while (t->next_confirm <= top && top - t->next_confirm >= t->depth) {
        const lm_l1_header *b = lm_reorg_at(t, t->next_confirm);
        if (!b) { /* fell out of the window: cannot happen with depth < window */
            t->next_confirm = oldest_number(t);
            continue;
        }
        if (t->cb.on_confirmed)
            t->cb.on_confirmed(t->cb.ctx, b);
        t->next_confirm++;
    }
}

static void accept(lm_reorg *t, const lm_l1_header *h)
{
    ring_push(t, h);
    if (t->cb.on_block)
        t->cb.on_block(t->cb.ctx, h);
    confirm(t);
}

/* ---- set-up ----------------------------------------------------------------- */

lm_code lm_reorg_init(lm_reorg *t, lm_l1_header *slots, size_t n_slots, uint32_t depth,
                      uint64_t start, const lm_reorg_cb *cb, lm_err *err)
{
    memset(t, 0, sizeof *t);
    size_t window = n_slots / 2;
    if (!slots || window < 2)
        return lm_err_set(err, LM_EINVAL, "reorg: need a window of at least 2 blocks");
    if (depth >= window)
        return lm_err_set(err, LM_EINVAL, "reorg: depth %u must be below the window %zu", depth,
                          window);
    t->ring = slots;
    t->pending = slots + window;
    t->window = window;
    t->depth = depth;
    t->start = start;
    if (cb)
        t->cb = *cb;
    return LM_OK;
}

void lm_reorg_reset(lm_reorg *t)
{
    t->head = 0;
    t->count = 0;
    t->n_pending = 0;
    t->target = 0;
    t->next_confirm = 0;
    t->state = LM_REORG_IDLE;
}

lm_code lm_reorg_seed(lm_reorg *t, const lm_l1_header *h, lm_err *err)
{
    const lm_l1_header *tip = tip_of(t);
    if (t->state == LM_REORG_FAILED)
        return lm_err_set(err, LM_EINVAL, "reorg: seed in the failed state");
    if (tip && (h->number != tip->number + 1 || memcmp(h->parent_hash, tip->hash, 32) != 0))
        return lm_err_set(err, LM_EINVAL, "reorg: seeded block %llu does not extend the tip",
                          (unsigned long long)h->number);
    ring_push(t, h);
    return LM_OK;
}

static lm_code fail_deep(lm_reorg *t, uint64_t below, lm_err *err)
{
    t->state = LM_REORG_FAILED;
    t->n_pending = 0;
    return lm_err_set(err, LM_ETOOLARGE,
                      "reorg: no common ancestor at or above block %llu: the reorg is deeper "
                      "than the window of %zu blocks",
                      (unsigned long long)below, t->window);
}

/* Adds h (the node's block, not ours) to the bottom of the branch being
 * walked, and checks that the walk can go on below it. */
static lm_code walk_push(lm_reorg *t, const lm_l1_header *h, lm_err *err)
{
    if (t->n_pending >= t->window)
        return fail_deep(t, h->number, err);
    t->pending[t->n_pending++] = *h;
    t->state = LM_REORG_WALKBACK;
    if (h->number == 0) {
        t->state = LM_REORG_FAILED;
        t->n_pending = 0;
        return lm_err_set(err, LM_EPROTO, "reorg: the node's block 0 differs: another chain");
    }
    if (h->number - 1 < oldest_number(t))
        return fail_deep(t, h->number, err);
    return LM_OK;
}

/* The node's chain and ours agree at block a: swap in the walked branch. */
static void resolve(lm_reorg *t, uint64_t a)
{
    lm_l1_header old_tip = t->ring[t->head];
    while (t->count && t->ring[t->head].number > a)
        ring_pop(t);
    if (t->next_confirm > a + 1)
        t->next_confirm = a + 1;
    uint64_t rolled = old_tip.number - a;
    t->reorgs++;
    if (rolled > t->deepest_reorg)
        t->deepest_reorg = rolled;
    lm_l1_header new_tip = t->pending[0];
    LM_INFO("l1", "reorg: blocks %llu..%llu replaced, new tip %llu", (unsigned long long)(a + 1),
            (unsigned long long)old_tip.number, (unsigned long long)new_tip.number);
    if (t->cb.on_reorg)
        t->cb.on_reorg(t->cb.ctx, a + 1, &old_tip, &new_tip);
    size_t n = t->n_pending;
    t->n_pending = 0;
    for (size_t i = n; i-- > 0;)
        accept(t, &t->pending[i]); /* pending is not written while accepting */
    t->state = t->ring[t->head].number < t->target ? LM_REORG_FORWARD : LM_REORG_IDLE;
}

/* ---- the machine -------------------------------------------------------------- */

static lm_code forward(lm_reorg *t, const lm_l1_header *h, lm_err *err)
{
    const lm_l1_header *tip = tip_of(t);
    /* the chain rule: a child names its parent's hash */
    if (!tip || memcmp(h->parent_hash, tip->hash, 32) == 0) {
        accept(t, h);
        if (t->ring[t->head].number >= t->target)
            t->state = LM_REORG_IDLE;
        return LM_OK;
    }
    return walk_push(t, h, err);
}

lm_code lm_reorg_on_head(lm_reorg *t, const lm_l1_header *head, lm_err *err)
{
    if (t->state == LM_REORG_FAILED)
        return lm_err_set(err, LM_ETOOLARGE,
                          "reorg: failed on a reorg deeper than the window; "
                          "reset and resync");
    t->n_pending = 0;
    t->state = LM_REORG_IDLE;
    t->target = head->number;
    const lm_l1_header *tip = tip_of(t);
    if (!tip) {
        if (t->start == LM_REORG_START_AT_HEAD) {
            accept(t, head);
            return LM_OK;
        }
        if (head->number >= t->start)
            t->state = LM_REORG_FORWARD;
        return LM_OK;
    }
    if (head->number > tip->number) {
        t->state = LM_REORG_FORWARD;
        if (head->number == tip->number + 1) /* the common case: no fetch needed */
            return forward(t, head, err);
        return LM_OK;
    }
    const lm_l1_header *ours = lm_reorg_at(t, head->number);
    if (!ours)
        return lm_err_set(err, LM_ENOTFOUND,
                          "reorg: node head %llu is below our window (%llu..%llu): a node far "
                          "behind?",
                          (unsigned long long)head->number, (unsigned long long)oldest_number(t),
                          (unsigned long long)tip->number);
    if (memcmp(ours->hash, head->hash, 32) == 0)
        return LM_OK; /* the same chain; the node may lag behind our tip */
    return walk_push(t, head, err);
}

bool lm_reorg_want(const lm_reorg *t, uint64_t *number)
{
    switch (t->state) {
    case LM_REORG_FORWARD:
        *number = t->count ? t->ring[t->head].number + 1 : t->start;
        return true;
    case LM_REORG_WALKBACK:
        *number = t->pending[t->n_pending - 1].number - 1;
        return true;
    case LM_REORG_IDLE:
    case LM_REORG_FAILED:
        return false;
    }
    return false;
}

void lm_reorg_abandon(lm_reorg *t)
{
    if (t->state != LM_REORG_FAILED)
        t->state = LM_REORG_IDLE;
    t->n_pending = 0;
}

lm_code lm_reorg_feed(lm_reorg *t, const lm_l1_header *h, lm_err *err)
{
    uint64_t want;
    if (!lm_reorg_want(t, &want) || h->number != want)
        return lm_err_set(err, LM_EINVAL, "reorg: fed block %llu, which was not asked for",
                          (unsigned long long)h->number);
    if (t->state == LM_REORG_FORWARD)
        return forward(t, h, err);
    /* WALKBACK: the branch must link up, or the node changed it under us */
    const lm_l1_header *low = &t->pending[t->n_pending - 1];
    if (memcmp(low->parent_hash, h->hash, 32) != 0) {
        LM_INFO("l1", "reorg: the node's chain changed during the walk at %llu; starting over",
                (unsigned long long)h->number);
        lm_reorg_abandon(t);
        return LM_OK;
    }
    const lm_l1_header *ours = lm_reorg_at(t, h->number);
    if (!ours) /* walk_push keeps the wanted block inside the window */
        return fail_deep(t, h->number, err);
    if (memcmp(ours->hash, h->hash, 32) == 0) {
        resolve(t, h->number);
        return LM_OK;
    }
    return walk_push(t, h, err);
}

/* ---- the driver ----------------------------------------------------------------- */

lm_code lm_reorg_poll(lm_reorg *t, lm_reorg_fetch_fn fetch, void *ctx, uint32_t max_fetch,
                      lm_err *err)
{
    lm_l1_header h;
    lm_code rc = fetch(ctx, &h, true, 0, err);
    if (rc != LM_OK)
        return rc;
    rc = lm_reorg_on_head(t, &h, err);
    if (rc != LM_OK)
        return rc;
    uint32_t fetched = 0;
    uint64_t n;
    while (lm_reorg_want(t, &n)) {
        if (t->state == LM_REORG_FORWARD && max_fetch && fetched >= max_fetch) {
            lm_reorg_abandon(t); /* the next poll goes on from the tip */
            break;
        }
        rc = fetch(ctx, &h, false, n, err);
        if (rc == LM_ENOTFOUND) { /* the chain got shorter: start over next time */
            lm_reorg_abandon(t);
            return LM_OK;
        }
        if (rc == LM_OK && h.number != n)
            rc = lm_err_set(err, LM_EPROTO, "reorg: asked for block %llu, got %llu",
                            (unsigned long long)n, (unsigned long long)h.number);
        if (rc != LM_OK) {
            lm_reorg_abandon(t);
            return rc;
        }
        fetched++;
        rc = lm_reorg_feed(t, &h, err);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}
