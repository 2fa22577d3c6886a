/* Following the L1 chain head with reorg detection.
 *
 * lm_reorg is a pure state machine (no I/O): it keeps the last `window`
 * headers it accepted as canonical, is told the node's head, says which
 * block number it wants next, and is fed the headers it asked for. From
 * these it reports, through callbacks:
 *   on_block      a block joined the chain as we know it (in order);
 *   on_reorg      blocks first_rolled_back..old_tip were replaced by another
 *                 branch whose tip (so far) is new_tip; the new branch's
 *                 blocks then follow as on_block calls;
 *   on_confirmed  a block now has `depth` blocks on top of it (in order).
 *
 * Algorithm (docs/l1-client.md, "Reorg detection"): a new block must have
 * parentHash == hash of our tip. When it does not — or when the node's head
 * is at or below our tip with a hash we do not hold at that height — the
 * machine walks back, asking for the node's blocks by number one at a time,
 * until the node's block at height k has the hash we hold at k: k is the
 * common ancestor, k + 1 the first rolled-back block. The fetched branch is
 * checked to link up (each block's parentHash is the hash of the one below);
 * if the node switched branches during the walk, the round is abandoned and
 * the next poll starts over. A walk that passes the oldest block we hold is a
 * reorg deeper than the window: LM_ETOOLARGE, and the machine stays failed
 * until lm_reorg_reset.
 *
 * lm_reorg_poll drives the machine through a fetch callback; lm_l1_follower_
 * poll is that callback over an lm_rpc. */
#ifndef LAMINA_L1_REORG_H
#define LAMINA_L1_REORG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lamina/err.h"
#include "lamina/l1_rpc.h"

/* start value: begin with the node's head at the first poll. */
#define LM_REORG_START_AT_HEAD UINT64_MAX

/* Slots of storage lm_reorg_init needs for a window of w blocks. */
#define LM_REORG_SLOTS(w) (2 * (size_t)(w))

typedef struct lm_reorg_cb {
    void *ctx;
    void (*on_block)(void *ctx, const lm_l1_header *h);
    void (*on_reorg)(void *ctx, uint64_t first_rolled_back, const lm_l1_header *old_tip,
                     const lm_l1_header *new_tip);
    void (*on_confirmed)(void *ctx, const lm_l1_header *h);
} lm_reorg_cb;

typedef enum lm_reorg_state {
    LM_REORG_IDLE = 0, /* up to date with the last head seen */
    LM_REORG_FORWARD,  /* fetching blocks above the tip */
    LM_REORG_WALKBACK, /* fetching blocks below a mismatch */
    LM_REORG_FAILED,   /* a reorg deeper than the window: lm_reorg_reset */
} lm_reorg_state;

typedef struct lm_reorg {
    lm_l1_header *ring;    /* caller storage, window slots: the accepted chain */
    lm_l1_header *pending; /* caller storage, window slots: the branch being walked,
                              highest first */
    size_t window;
    size_t head;  /* ring index of the tip */
    size_t count; /* blocks held */
    size_t n_pending;
    uint32_t depth;
    uint64_t start;
    uint64_t target;       /* the node's head number in this round */
    uint64_t next_confirm; /* the next number to report confirmed */
    lm_reorg_state state;
    lm_reorg_cb cb;
    uint64_t reorgs;        /* reorgs seen */
    uint64_t deepest_reorg; /* blocks rolled back by the deepest one */
} lm_reorg;

/* Prepares *t over slots[0..n_slots) (LM_REORG_SLOTS(window) headers, owned
 * by the caller, living as long as *t). depth: blocks on top for
 * on_confirmed (0 = at once); must be < window. start: the first block
 * number to follow, or LM_REORG_START_AT_HEAD. cb is copied; its function
 * pointers may be NULL.
 * Returns: LM_OK, or LM_EINVAL (window < 2, depth >= window). */
LM_MUST_CHECK lm_code lm_reorg_init(lm_reorg *t, lm_l1_header *slots, size_t n_slots,
                                    uint32_t depth, uint64_t start, const lm_reorg_cb *cb,
                                    lm_err *err);

/* Forgets every block and leaves the failed state; depth, start and the
 * callbacks stay as lm_reorg_init set them. */
void lm_reorg_reset(lm_reorg *t);

/* Adds a trusted block above the tip without callbacks (for restoring the
 * window after a restart). It must extend the tip (parentHash) unless the
 * machine is empty. Returns: LM_OK or LM_EINVAL. */
LM_MUST_CHECK lm_code lm_reorg_seed(lm_reorg *t, const lm_l1_header *h, lm_err *err);

/* Starts a round with the node's current head.
 * Returns: LM_OK; LM_ENOTFOUND when the head is below the window (a node
 * far behind: nothing is changed); LM_ETOOLARGE in the failed state. */
LM_MUST_CHECK lm_code lm_reorg_on_head(lm_reorg *t, const lm_l1_header *head, lm_err *err);

/* Returns: true with *number the block the machine wants next, or false
 * when the round is done. */
bool lm_reorg_want(const lm_reorg *t, uint64_t *number);

/* Feeds the node's block at the wanted number.
 * Returns: LM_OK (the round may go on, end, or be abandoned because the
 * node's chain changed meanwhile — lm_reorg_want tells); LM_EINVAL (not
 * the wanted number); LM_ETOOLARGE (reorg deeper than the window; the
 * machine is now failed); LM_EPROTO (the node's block 0 differs: another
 * chain). */
LM_MUST_CHECK lm_code lm_reorg_feed(lm_reorg *t, const lm_l1_header *h, lm_err *err);

/* Ends the current round early (e.g. a wanted block disappeared). */
void lm_reorg_abandon(lm_reorg *t);

/* Returns: the tip, or NULL when no block is held. */
const lm_l1_header *lm_reorg_tip(const lm_reorg *t);

/* Returns: the held block at number, or NULL outside the window. */
const lm_l1_header *lm_reorg_at(const lm_reorg *t, uint64_t number);

/* The source of headers for lm_reorg_poll: head true asks for the node's
 * head, else for its block at number. Returns LM_OK, LM_ENOTFOUND (no such
 * block) or another error. */
typedef lm_code (*lm_reorg_fetch_fn)(void *ctx, lm_l1_header *out, bool head, uint64_t number,
                                     lm_err *err);

/* One round: the head, then the blocks the machine wants, at most
 * max_fetch of them moving forward (a walk-back is never cut short; it is
 * bounded by the window). A wanted block that is missing (the node's chain
 * got shorter meanwhile) abandons the round.
 * Returns: LM_OK, or the first error of fetch or of the machine. */
LM_MUST_CHECK lm_code lm_reorg_poll(lm_reorg *t, lm_reorg_fetch_fn fetch, void *ctx,
                                    uint32_t max_fetch, lm_err *err);

/* lm_reorg_poll over rpc: the head is eth_getBlockByNumber(head_tag)
 * (LM_BLOCK_LATEST, or LM_BLOCK_SAFE / LM_BLOCK_FINALIZED to follow a
 * settled chain), blocks by number. */
LM_MUST_CHECK lm_code lm_l1_follower_poll(lm_reorg *t, lm_rpc *rpc, lm_block_tag head_tag,
                                          uint32_t max_fetch, lm_err *err);

#endif
