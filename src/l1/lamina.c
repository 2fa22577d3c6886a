/* Bindings for Lamina's L1 contracts: see include/lamina/l1_lamina.h. */
#include "lamina/l1_lamina.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/abi.h"
#include "lamina/arena.h"
#include "lamina/bytes.h"
#include "lamina/keccak.h"

#include "l1_internal.h"

void lm_rollup_config_devnet(lm_rollup_config *c)
{
    memset(c, 0, sizeof *c);
    c->mode = LM_MODE_OPTIMISTIC;
    c->l2_chain_id = 42069;
    c->sequencing_window = 32;
    c->challenge_window = 4;
    c->proposal_bond = lm_u256_from_u64(10000000000000000ull); /* 0.01 ETH */
    c->batcher_timeout = 86400;
    c->proposer_timeout = 86400;
}

/* ---- ABI helpers --------------------------------------------------------- */

/* Encodes selector(sig) ‖ enc(args) into a malloc'ed buffer (prefix bytes
 * of `prefix` first, for constructors: then sig is a bare tuple type). */
static lm_code encode(uint8_t **out, size_t *out_len, const uint8_t *prefix, size_t prefix_len,
                      const char *sig, const lm_abi_value *args, size_t n, lm_err *err)
{
    _Alignas(16) uint8_t mem[8192];
    lm_arena a;
    lm_arena_init(&a, mem, sizeof mem);
    lm_abi_value tuple = lm_abi_tuple(args, n);
    size_t size;
    lm_code rc;
    uint8_t *buf;
    if (prefix) {
        const lm_abi_type *t;
        if ((rc = lm_abi_type_parse(&t, &a, sig, strlen(sig), err)) != LM_OK)
            return rc;
        if ((rc = lm_abi_encoded_size(&size, t, &tuple, err)) != LM_OK)
            return rc;
        if (!(buf = malloc(prefix_len + size)))
            return lm_err_set(err, LM_ENOMEM, "out of memory");
        memcpy(buf, prefix, prefix_len);
        rc = lm_abi_encode(buf + prefix_len, size, &size, t, &tuple, err);
        size += prefix_len;
    } else {
        lm_abi_function f;
        if ((rc = lm_abi_function_parse(&f, &a, sig, strlen(sig), err)) != LM_OK)
            return rc;
        if ((rc = lm_abi_encoded_size(&size, f.args, &tuple, err)) != LM_OK)
            return rc;
        if (!(buf = malloc(4 + size)))
            return lm_err_set(err, LM_ENOMEM, "out of memory");
        rc = lm_abi_encode_call(buf, 4 + size, &size, &f, &tuple, err);
    }
    if (rc != LM_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *out_len = size;
    return LM_OK;
}

void lm_describe_revert(char *text, size_t cap, const uint8_t *data, size_t len)
{
    if (cap == 0)
        return;
    text[0] = '\0';
    if (len < 4) {
        snprintf(text, cap, "no reason given");
        return;
    }
    /* Error(string): Solidity's require/revert with a message. */
    static const uint8_t error_string[4] = {0x08, 0xc3, 0x79, 0xa0};
    if (memcmp(data, error_string, 4) == 0 && len >= 4 + 64) {
        uint64_t n = lm_load_be64(data + 4 + 56);
        if (n <= len - 4 - 64) {
            snprintf(text, cap, "%.*s", (int)(n < 200 ? n : 200), (const char *)data + 4 + 64);
            return;
        }
    }
    const char *name = NULL;
    for (size_t i = 0; i < lm_contract_errors_len; i++)
        if (memcmp(lm_contract_errors[i].selector, data, 4) == 0)
            name = lm_contract_errors[i].signature;
    size_t o = 0;
    int m = name ? snprintf(text, cap, "%s", name)
                 : snprintf(text, cap, "unknown error 0x%02x%02x%02x%02x", data[0], data[1],
                            data[2], data[3]);
    if (m < 0 || (size_t)m >= cap)
        return;
    o = (size_t)m;
    /* the arguments, one 32-byte word each, as hex */
    for (size_t w = 4; w + 32 <= len && o + 68 < cap; w += 32) {
        text[o++] = ' ';
        o += lm_hex_encode(text + o, data + w, 32, true);
    }
}

/* Replaces a revert's message by the contract's error, named. */
static lm_code explain_revert(lm_l1_signer *s, lm_code rc, const char *what, lm_err *err)
{
    const char *d = s->rpc->fault.rpc_data;
    if (rc != LM_ERPC || !d || d[0] != '"')
        return rc;
    const char *end = strchr(d + 1, '"');
    if (!end)
        return rc;
    uint8_t data[512];
    size_t len;
    if (lm_hex_decode(data, sizeof data, &len, d + 1, (size_t)(end - d - 1), LM_HEX_PREFIX_REQUIRED,
                      NULL) != LM_OK)
        return rc;
    char why[LM_ERR_MSG_MAX];
    lm_describe_revert(why, sizeof why, data, len);
    return lm_err_set(err, LM_ERPC, "%s reverted: %s", what, why);
}

/* Sends a transaction and waits for its receipt; a revert is an error. */
static lm_code transact(lm_l1_signer *s, const uint8_t *to, const lm_u256 *value,
                        const uint8_t *data, size_t len, lm_l1_receipt *receipt, const char *what,
                        lm_err *err)
{
    lm_l1_tx_request req = {.to = to, .data = data, .data_len = len};
    if (value)
        req.value = *value;
    lm_l1_wait_opts wo;
    lm_l1_wait_opts_default(&wo);
    if (s->wait_timeout_ms)
        wo.timeout_ms = s->wait_timeout_ms;
    lm_l1_receipt r;
    lm_code rc = lm_l1_signer_send_and_wait(s, &r, NULL, &req, &wo, err);
    if (rc == LM_ERPC)
        return explain_revert(s, rc, what, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, what);
    if (!r.status) {
        char h[67];
        lm_hex_encode(h, r.tx_hash, 32, true);
        lm_l1_receipt_free(&r);
        return lm_err_set(err, LM_ERPC, "%s: transaction %s reverted", what, h);
    }
    if (receipt)
        *receipt = r;
    else
        lm_l1_receipt_free(&r);
    return LM_OK;
}

static lm_code call_tx(lm_l1_signer *s, const uint8_t to[20], const lm_u256 *value,
                       const char *sig, const lm_abi_value *args, size_t n,
                       lm_l1_receipt *receipt, lm_err *err)
{
    uint8_t *data;
    size_t len;
    lm_code rc = encode(&data, &len, NULL, 0, sig, args, n, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, sig);
    char what[64];
    size_t name_len = strcspn(sig, "(");
    snprintf(what, sizeof what, "%.*s", (int)(name_len < 60 ? name_len : 60), sig);
    rc = transact(s, to, value, data, len, receipt, what, err);
    free(data);
    return rc;
}

/* eth_call returning one 32-byte word. */
static lm_code view_word(lm_rpc *rpc, const uint8_t to[20], const char *sig,
                         const lm_abi_value *args, size_t n, uint8_t word[32], lm_err *err)
{
    uint8_t *data, *ret = NULL;
    size_t len, ret_len = 0;
    lm_code rc = encode(&data, &len, NULL, 0, sig, args, n, err);
    if (rc != LM_OK)
        return rc;
    lm_l1_call_msg msg = {.to = to, .data = data, .data_len = len};
    rc = lm_rpc_eth_call(rpc, &ret, &ret_len, &msg, lm_block_tagged(LM_BLOCK_LATEST), err);
    free(data);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, sig);
    if (ret_len < 32) {
        free(ret);
        return lm_err_set(err, LM_EPROTO, "%s: %zu bytes returned, expected a word", sig, ret_len);
    }
    memcpy(word, ret, 32);
    free(ret);
    return LM_OK;
}

static lm_code view_u64(lm_rpc *rpc, const uint8_t to[20], const char *sig,
                        const lm_abi_value *args, size_t n, uint64_t *out, lm_err *err)
{
    uint8_t w[32];
    lm_code rc = view_word(rpc, to, sig, args, n, w, err);
    if (rc != LM_OK)
        return rc;
    for (int i = 0; i < 24; i++)
        if (w[i])
            return lm_err_set(err, LM_EOVERFLOW, "%s: value does not fit 64 bits", sig);
    *out = lm_load_be64(w + 24);
    return LM_OK;
}

/* ---- deployment ---------------------------------------------------------- */

static lm_code deploy_one(lm_l1_signer *s, const lm_bytecode *code, const char *ctor_types,
                          const lm_abi_value *args, size_t n, uint8_t addr[20],
                          lm_l1_receipt *receipt, const char *what, lm_err *err)
{
    uint8_t *data;
    size_t len;
    lm_code rc = encode(&data, &len, code->code, code->len, ctor_types, args, n, err);
    if (rc != LM_OK)
        return lm_err_wrap(err, rc, what);
    lm_l1_receipt r;
    rc = transact(s, NULL, NULL, data, len, &r, what, err);
    free(data);
    if (rc != LM_OK)
        return rc;
    if (!r.has_contract_address) {
        lm_l1_receipt_free(&r);
        return lm_err_set(err, LM_EPROTO, "%s: receipt has no contract address", what);
    }
    memcpy(addr, r.contract_address, 20);
    if (receipt)
        *receipt = r;
    else
        lm_l1_receipt_free(&r);
    return LM_OK;
}

lm_code lm_lamina_deploy(lm_l1_signer *s, const lm_deploy_opts *o, lm_deployment *out,
                         lm_err *err)
{
    lm_deployment d;
    memset(&d, 0, sizeof d);
    d.l1_chain_id = s->chain_id;
    d.config = o->config;
    memcpy(d.admin, s->address, 20);
    memcpy(d.batcher, o->batcher ? o->batcher : s->address, 20);
    memcpy(d.proposer, o->proposer ? o->proposer : s->address, 20);

    const lm_rollup_config *c = &o->config;
    lm_abi_value cfg[8] = {
        lm_abi_uint64((uint64_t)c->mode),
        lm_abi_uint64(c->l2_chain_id),
        lm_abi_fixed_bytes(c->genesis_output_root, 32),
        lm_abi_uint64(c->sequencing_window),
        lm_abi_uint64(c->challenge_window),
        lm_abi_uint(c->proposal_bond),
        lm_abi_uint64(c->batcher_timeout),
        lm_abi_uint64(c->proposer_timeout),
    };
    lm_abi_value rargs[4] = {lm_abi_address(d.admin), lm_abi_address(d.batcher),
                             lm_abi_address(d.proposer), lm_abi_tuple(cfg, 8)};
    lm_l1_receipt r;
    lm_code rc = deploy_one(s, &lm_code_rollup,
                            "(address,address,address,(uint8,uint64,bytes32,uint64,uint64,uint96,"
                            "uint64,uint64))",
                            rargs, 4, d.rollup, &r, "deploy Rollup", err);
    if (rc != LM_OK)
        return rc;
    d.deploy_block = r.block_number;
    memcpy(d.deploy_block_hash, r.block_hash, 32);
    lm_l1_receipt_free(&r);

    lm_abi_value bargs[2] = {lm_abi_address(d.admin), lm_abi_address(d.rollup)};
    rc = deploy_one(s, &lm_code_bridge, "(address,address)", bargs, 2, d.bridge, NULL,
                    "deploy Bridge", err);
    if (rc != LM_OK)
        return rc;

    if (o->dev_token) {
        static const char name[] = "Lamina Dev USD", sym[] = "ldUSD";
        lm_abi_value targs[3] = {lm_abi_string(name, sizeof name - 1),
                                 lm_abi_string(sym, sizeof sym - 1), lm_abi_uint64(6)};
        rc = deploy_one(s, &lm_code_dev_token, "(string,string,uint8)", targs, 3, d.dev_token,
                        NULL, "deploy DevToken", err);
        if (rc != LM_OK)
            return rc;
        /* The admin grants itself TOKEN_ADMIN_ROLE, then registers the token. */
        uint8_t role[32];
        lm_keccak256(role, (const uint8_t *)"TOKEN_ADMIN_ROLE", 16);
        lm_abi_value gargs[2] = {lm_abi_fixed_bytes(role, 32), lm_abi_address(d.admin)};
        rc = call_tx(s, d.bridge, NULL, "grantRole(bytes32,address)", gargs, 2, NULL, err);
        if (rc != LM_OK)
            return rc;
        lm_abi_value regargs[2] = {lm_abi_address(d.dev_token), lm_abi_uint64(1)};
        rc = call_tx(s, d.bridge, NULL, "registerToken(address,uint256)", regargs, 2, NULL, err);
        if (rc != LM_OK)
            return rc;
        d.has_dev_token = true;
        d.dev_token_asset_id = 1;
        d.dev_token_unit = 1;
    }
    *out = d;
    return LM_OK;
}

/* ---- transactions -------------------------------------------------------- */

lm_code lm_bridge_deposit_eth(lm_l1_signer *s, const lm_deployment *d,
                              const uint8_t l2_recipient[20], const lm_u256 *wei,
                              lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_address(l2_recipient)};
    return call_tx(s, d->bridge, wei, "depositETH(address)", a, 1, receipt, err);
}

lm_code lm_bridge_deposit_erc20(lm_l1_signer *s, const lm_deployment *d, const uint8_t token[20],
                                const lm_u256 *amount, const uint8_t l2_recipient[20],
                                lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value ap[2] = {lm_abi_address(d->bridge), lm_abi_uint(*amount)};
    lm_code rc = call_tx(s, token, NULL, "approve(address,uint256)", ap, 2, NULL, err);
    if (rc != LM_OK)
        return rc;
    lm_abi_value a[3] = {lm_abi_address(token), lm_abi_uint(*amount), lm_abi_address(l2_recipient)};
    return call_tx(s, d->bridge, NULL, "depositERC20(address,uint256,address)", a, 3, receipt, err);
}

lm_code lm_bridge_force_withdrawal(lm_l1_signer *s, const lm_deployment *d, uint32_t asset_id,
                                   uint64_t amount, const uint8_t l1_recipient[20],
                                   lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value a[3] = {lm_abi_uint64(asset_id), lm_abi_uint64(amount),
                         lm_abi_address(l1_recipient)};
    return call_tx(s, d->bridge, NULL, "forceWithdrawal(uint32,uint64,address)", a, 3, receipt, err);
}

lm_code lm_bridge_force_transaction(lm_l1_signer *s, const lm_deployment *d, const uint8_t *l2tx,
                                    size_t len, lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_bytes(l2tx, len)};
    return call_tx(s, d->bridge, NULL, "forceTransaction(bytes)", a, 1, receipt, err);
}

lm_code lm_bridge_finalize_withdrawal(lm_l1_signer *s, const lm_deployment *d,
                                      uint64_t output_index, const lm_output_preimage *o,
                                      const lm_withdrawal *w, uint64_t leaf_index,
                                      const uint8_t (*proof)[32], size_t depth,
                                      lm_l1_receipt *receipt, lm_err *err)
{
    if (depth > LM_WTREE_MAX_DEPTH)
        return lm_err_set(err, LM_EINVAL, "finalizeWithdrawal: proof depth %zu > 32", depth);
    lm_abi_value pre[4] = {lm_abi_uint64(o->version), lm_abi_fixed_bytes(o->state_root, 32),
                           lm_abi_fixed_bytes(o->withdrawals_root, 32),
                           lm_abi_fixed_bytes(o->last_block_hash, 32)};
    lm_abi_value wd[5] = {lm_abi_uint64(w->id), lm_abi_address(w->l2_sender),
                          lm_abi_address(w->l1_recipient), lm_abi_uint64(w->asset_id),
                          lm_abi_uint64(w->amount)};
    lm_abi_value sib[LM_WTREE_MAX_DEPTH];
    for (size_t i = 0; i < depth; i++)
        sib[i] = lm_abi_fixed_bytes(proof[i], 32);
    lm_abi_value a[5] = {lm_abi_uint64(output_index), lm_abi_tuple(pre, 4), lm_abi_tuple(wd, 5),
                         lm_abi_uint64(leaf_index), lm_abi_array(sib, depth)};
    return call_tx(s, d->bridge, NULL,
                   "finalizeWithdrawal(uint256,(uint8,bytes32,bytes32,bytes32),"
                   "(uint64,address,address,uint32,uint64),uint256,bytes32[])",
                   a, 5, receipt, err);
}

lm_code lm_rollup_append_batch(lm_l1_signer *s, const lm_deployment *d, const uint8_t *data,
                               size_t len, lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_bytes(data, len)};
    return call_tx(s, d->rollup, NULL, "appendBatch(bytes)", a, 1, receipt, err);
}

lm_code lm_rollup_propose_output(lm_l1_signer *s, const lm_deployment *d, uint64_t batch_index,
                                 const uint8_t root[32], uint64_t l2_block,
                                 lm_l1_receipt *receipt, lm_err *err)
{
    uint8_t w[32];
    lm_code rc = view_word(s->rpc, d->rollup, "proposalBond()", NULL, 0, w, err);
    if (rc != LM_OK)
        return rc;
    lm_u256 bond;
    lm_u256_from_be32(&bond, w);
    lm_abi_value a[3] = {lm_abi_uint64(batch_index), lm_abi_fixed_bytes(root, 32),
                         lm_abi_uint64(l2_block)};
    return call_tx(s, d->rollup, &bond, "proposeOutput(uint256,bytes32,uint64)", a, 3, receipt,
                   err);
}

lm_code lm_rollup_finalize_output(lm_l1_signer *s, const lm_deployment *d, uint64_t index,
                                  lm_l1_receipt *receipt, lm_err *err)
{
    lm_abi_value a[1] = {lm_abi_uint64(index)};
    return call_tx(s, d->rollup, NULL, "finalizeOutput(uint256)", a, 1, receipt, err);
}

lm_code lm_dev_token_mint(lm_l1_signer *s, const lm_deployment *d, const uint8_t to[20],
                          const lm_u256 *amount, lm_l1_receipt *receipt, lm_err *err)
{
    if (!d->has_dev_token)
        return lm_err_set(err, LM_EINVAL, "this deployment has no DevToken");
    lm_abi_value a[2] = {lm_abi_address(to), lm_abi_uint(*amount)};
    return call_tx(s, d->dev_token, NULL, "mint(address,uint256)", a, 2, receipt, err);
}

/* ---- views --------------------------------------------------------------- */

lm_code lm_rollup_is_finalized(lm_rpc *rpc, const lm_deployment *d, uint64_t index, bool *out,
                               lm_err *err)
{
    uint64_t v;
    lm_abi_value a[1] = {lm_abi_uint64(index)};
    lm_code rc = view_u64(rpc, d->rollup, "isFinalized(uint256)", a, 1, &v, err);
    if (rc == LM_OK)
        *out = v != 0;
    return rc;
}

lm_code lm_rollup_batch_count(lm_rpc *rpc, const lm_deployment *d, uint64_t *out, lm_err *err)
{
    return view_u64(rpc, d->rollup, "batchCount()", NULL, 0, out, err);
}

lm_code lm_bridge_message_count(lm_rpc *rpc, const lm_deployment *d, uint64_t *out, lm_err *err)
{
    return view_u64(rpc, d->bridge, "messageCount()", NULL, 0, out, err);
}

lm_code lm_erc20_balance(lm_rpc *rpc, const uint8_t token[20], const uint8_t owner[20],
                         lm_u256 *out, lm_err *err)
{
    uint8_t w[32];
    lm_abi_value a[1] = {lm_abi_address(owner)};
    lm_code rc = view_word(rpc, token, "balanceOf(address)", a, 1, w, err);
    if (rc == LM_OK)
        lm_u256_from_be32(out, w);
    return rc;
}

/* ---- for the other binding files (l1_internal.h) --------------------------- */

lm_code lm_l1_encode_call(uint8_t **out, size_t *out_len, const char *sig, const lm_abi_value *args,
                          size_t n, lm_err *err)
{
    return encode(out, out_len, NULL, 0, sig, args, n, err);
}

lm_code lm_l1_call_tx(lm_l1_signer *s, const uint8_t to[20], const lm_u256 *value, const char *sig,
                      const lm_abi_value *args, size_t n, lm_l1_receipt *receipt, lm_err *err)
{
    return call_tx(s, to, value, sig, args, n, receipt, err);
}

lm_code lm_l1_view_word(lm_rpc *rpc, const uint8_t to[20], const char *sig,
                        const lm_abi_value *args, size_t n, uint8_t word[32], lm_err *err)
{
    return view_word(rpc, to, sig, args, n, word, err);
}

lm_code lm_l1_deploy_code(lm_l1_signer *s, const lm_bytecode *code, const char *ctor_types,
                          const lm_abi_value *args, size_t n, uint8_t addr[20], const char *what,
                          lm_err *err)
{
    return deploy_one(s, code, ctor_types, args, n, addr, NULL, what, err);
}
