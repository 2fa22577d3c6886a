/* The L2 genesis (include/lamina/genesis.h, docs/derivation.md §1). */
#include <string.h>

#include "lamina/genesis.h"
#include "lamina/l2tx.h"
#include "lamina/settlement.h"
#include "lamina/stf.h"
#include "lamina/store.h"

void lm_genesis_header(lm_block_header *h, const lm_deployment *d, uint64_t l1_timestamp)
{
    memset(h, 0, sizeof *h);
    h->number = 0;
    h->l1_origin_number = d->deploy_block;
    memcpy(h->l1_origin_hash, d->deploy_block_hash, 32);
    h->timestamp = l1_timestamp;
    h->fee_recipient = 0;
    h->l1_messages_upto = 0;
    h->tx_count = 0; /* tx_root: zero when there are none */
}

void lm_genesis_account(lm_account *a, const lm_deployment *d)
{
    memset(a, 0, sizeof *a);
    memcpy(a->address, d->batcher, 20);
}

lm_code lm_genesis_l1_timestamp(lm_rpc *rpc, const lm_deployment *d, uint64_t *l1_timestamp,
                                lm_err *err)
{
    lm_l1_header h;
    lm_code rc = lm_rpc_get_block_by_number(rpc, &h, lm_block_at(d->deploy_block), err);
    if (rc == LM_ENOTFOUND)
        return lm_err_set(err, LM_EPROTO, "genesis: L1 has no block %llu (the deployment block)",
                          (unsigned long long)d->deploy_block);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "genesis: reading the deployment block");
    if (memcmp(h.hash, d->deploy_block_hash, 32) != 0)
        return lm_err_set(err, LM_EPROTO,
                          "genesis: L1 block %llu is not the deployment block (another chain, "
                          "or the deployment was reorged away)",
                          (unsigned long long)d->deploy_block);
    *l1_timestamp = h.timestamp;
    return LM_OK;
}

/* Checks that the stored block 0 is this genesis. */
static lm_code check_existing(lm_statedb *db, const lm_block_header *g, lm_err *err)
{
    lm_store_view v;
    lm_code rc = lm_store_read_begin(lm_statedb_store(db), &v, err);
    if (rc != LM_OK)
        return rc;
    lm_block_header stored;
    rc = lm_store_get_block(&v, 0, &stored, NULL, err);
    lm_store_read_end(&v);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, "genesis: reading block 0");
    uint8_t a[32], b[32];
    lm_block_hash(a, g);
    lm_block_hash(b, &stored);
    if (memcmp(a, b, 32) != 0)
        return lm_err_set(err, LM_EINVAL, "genesis: the database holds another chain's block 0");
    return LM_OK;
}

lm_code lm_genesis_init(lm_statedb *db, const lm_deployment *d, uint64_t l1_timestamp,
                        lm_block_header *header, uint8_t hash[32], lm_gl root[4], lm_err *err)
{
    lm_block_header g;
    lm_genesis_header(&g, d, l1_timestamp);
    lm_gl r[4];
    lm_code rc;
    uint64_t head;
    if (lm_statedb_head(db, &head)) {
        if ((rc = check_existing(db, &g, err)) != LM_OK)
            return rc;
        /* the root as of the head: only meaningful for the caller at head 0 */
        lm_statedb_root(db, r, NULL);
    } else {
        /* "L2 block 0 is the genesis block ... creates account 0" */
        lm_account a;
        lm_genesis_account(&a, d);
        lm_chain_meta meta;
        memset(&meta, 0, sizeof meta);
        if ((rc = lm_statedb_begin_block(db, err)) != LM_OK)
            return lm_err_wrap(err, rc, "genesis");
        const lm_stf_host *host = lm_statedb_host(db);
        if (!host->put_account(host->ctx, 0, &a)) {
            rc = lm_err_set(err, LM_EIO, "genesis: writing account 0: %s",
                            lm_statedb_host_error(db)->msg);
            lm_statedb_abort_block(db);
            return rc;
        }
        meta.num_accounts = 1;
        rc = lm_statedb_commit_block(db, &meta, &g, NULL, NULL, true, r, err);
        if (rc != LM_OK)
            return lm_err_wrap(err, rc, "genesis");
    }
    if (header)
        *header = g;
    if (hash)
        lm_block_hash(hash, &g);
    if (root)
        memcpy(root, r, sizeof r);
    return LM_OK;
}

void lm_genesis_output_root(uint8_t out[32], const lm_gl state_root[4], const uint8_t genesis_hash[32])
{
    lm_output_preimage o;
    memset(&o, 0, sizeof o);
    o.version = LM_OUTPUT_VERSION;
    lm_state_root_bytes(o.state_root, state_root);
    memcpy(o.last_block_hash, genesis_hash, 32);
    lm_output_root(out, &o);
}
