/* The L2 genesis block: see include/lamina/genesis.h. */
#include "lamina/genesis.h"

#include <string.h>

void lm_genesis_header(lm_block_header *h, const lm_deployment *d, uint64_t l1_timestamp)
{
    memset(h, 0, sizeof *h);
    h->number = 0;
    h->l1_origin_number = d->deploy_block;
    memcpy(h->l1_origin_hash, d->deploy_block_hash, 32);
    h->timestamp = l1_timestamp;
    h->fee_recipient = 0;
    h->l1_messages_upto = 0;
    h->tx_count = 0;
}

lm_code lm_genesis_commit(lm_statedb *db, const lm_deployment *d, uint64_t l1_timestamp,
                          lm_chain_meta *meta, lm_gl root[4], lm_err *err)
{
    uint64_t head;
    if (lm_statedb_head(db, &head))
        return lm_err_set(err, LM_EINVAL, "genesis: the database already holds blocks");
    lm_code rc = lm_statedb_begin_block(db, err);
    if (rc != LM_OK)
        return rc;
    lm_account a;
    memset(&a, 0, sizeof a);
    memcpy(a.address, d->batcher, 20);
    const lm_stf_host *host = lm_statedb_host(db);
    if (!host->put_account(host->ctx, 0, &a)) {
        lm_statedb_abort_block(db);
        return lm_err_set(err, LM_EIO, "genesis: %s", lm_statedb_host_error(db)->msg);
    }
    lm_chain_meta m;
    memset(&m, 0, sizeof m);
    m.num_accounts = 1;
    lm_block_header h;
    lm_genesis_header(&h, d, l1_timestamp);
    lm_gl r[4];
    rc = lm_statedb_commit_block(db, &m, &h, NULL, NULL, true, r, err);
    if (rc != LM_OK)
        return rc;
    *meta = m;
    if (root)
        memcpy(root, r, sizeof r);
    return LM_OK;
}
