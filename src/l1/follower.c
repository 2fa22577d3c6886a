/* The I/O edge of the reorg follower: headers from an lm_rpc. */
#include "lamina/l1_reorg.h"

typedef struct rpc_source {
    lm_rpc *rpc;
    lm_block_tag head_tag;
} rpc_source;

static lm_code rpc_fetch(void *ctx, lm_l1_header *out, bool head, uint64_t number, lm_err *err)
{
    rpc_source *src = ctx;
    lm_block_id id = head ? lm_block_tagged(src->head_tag) : lm_block_at(number);
    return lm_rpc_get_block_by_number(src->rpc, out, id, err);
}

lm_code lm_l1_follower_poll(lm_reorg *t, lm_rpc *rpc, lm_block_tag head_tag, uint32_t max_fetch,
                            lm_err *err)
{
    if (head_tag == LM_BLOCK_NUMBER)
        return lm_err_set(err, LM_EINVAL, "follower: the head must be a tag (latest, safe, ...)");
    rpc_source src = {rpc, head_tag};
    return lm_reorg_poll(t, rpc_fetch, &src, max_fetch, err);
}
