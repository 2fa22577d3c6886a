/* The user's commands (docs/wallet.md):
 *   deposit            L1 -> L2 through the Bridge (ETH or the devnet token)
 *   transfer           an L2 transfer, signed here (EIP-712), sent to the node
 *   withdraw           an L2 withdrawal; `withdraw finalize` claims it on L1
 *   balance            L2 balances (the node) and the L1 ETH balance
 *   tx status HASH     what the node knows of an L2 transaction */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_wallet.h"
#include "lamina/bytes.h"
#include "lamina/l2tx.h"
#include "lamina/rpc_server.h"

#define ACT_OPTS "--keystore --key-file --password-file --dir --deployment --json"

static int usage_of(const char *text)
{
    fprintf(stderr, "%s", text);
    return 2;
}

static const char USAGE_DEPOSIT[] =
    "usage: lamina deposit --amount X [--asset eth|dev|ID|TOKEN] [--to L2ADDRESS]\n"
    "                      (--keystore FILE|ADDRESS | --key-file FILE) [--password-file FILE]\n"
    "                      [--deployment FILE] [--l1-rpc URL] [--json]\n";
static const char USAGE_TRANSFER[] =
    "usage: lamina transfer --to ADDRESS --amount X [--asset eth|dev|ID|TOKEN] [--fee X]\n"
    "                       (--keystore FILE|ADDRESS | --key-file FILE) [--password-file FILE]\n"
    "                       [--deployment FILE] [--rpc URL] [--l1-rpc URL] [--json]\n"
    "  (--l1-rpc, or $LAMINA_L1_RPC: needed for an asset not in the deployment file)\n";
static const char USAGE_WITHDRAW[] =
    "usage: lamina withdraw --amount X [--to L1ADDRESS] [--asset eth|dev|ID|TOKEN] [--fee X]\n"
    "                       (--keystore FILE|ADDRESS | --key-file FILE) [--password-file FILE]\n"
    "                       [--deployment FILE] [--rpc URL] [--l1-rpc URL] [--json]\n"
    "       lamina withdraw finalize --id N (--keystore FILE|ADDRESS | --key-file FILE)\n"
    "                       [--deployment FILE] [--rpc URL] [--l1-rpc URL] [--json]\n";
static const char USAGE_BALANCE[] =
    "usage: lamina balance [--address A | --keystore FILE|ADDRESS | --key-file FILE]\n"
    "                      [--deployment FILE] [--rpc URL] [--l1-rpc URL] [--json]\n"
    "  (--l1-rpc, or $LAMINA_L1_RPC, also names the tokens beyond the deployment file)\n";
static const char USAGE_TX[] = "usage: lamina tx status HASH [--rpc URL] [--json]\n";

/* The unit of an asset as decimal text (a static buffer: one use at a time). */
static const char *unit_text(const cw_asset_info *ai)
{
    static char dec[LM_U256_DEC_BUF];
    lm_u256_to_dec(dec, &ai->fmt.unit);
    return dec;
}

/* ---- deposit ------------------------------------------------------------------ */

int cmd_deposit(int argc, char **argv)
{
    cw_opts o;
    if (!cw_opts_parse(&o, argc, argv, 1, ACT_OPTS " --l1-rpc --amount --asset --to", "deposit") ||
        o.n_positional || !o.amount)
        return usage_of(USAGE_DEPOSIT);
    cw_opts_defaults(&o);
    const char *cmd = "deposit";
    lm_err err;
    lm_deployment d;
    cw_asset_info ai;
    uint64_t units;
    lm_u256 base;
    if (cw_load_deployment(&d, &o, &err) != LM_OK ||
        cw_asset_resolve(&ai, o.asset, &d, o.l1_rpc, &err) != LM_OK ||
        lm_amount_parse(&units, &base, o.amount, strlen(o.amount), &ai.fmt, &err) != LM_OK)
        return cw_fail(cmd, &err);
    const uint32_t asset = ai.id;
    const uint8_t *token = ai.is_token ? ai.token : NULL;
    if (units == 0) {
        fprintf(stderr, "lamina deposit: the amount must be above zero\n");
        return 2;
    }
    lm_seckey key;
    lm_address me, to;
    if (cw_signing_key(&key, &me, &o, &err) != LM_OK)
        return cw_fail(cmd, &err);
    to = me;
    if (o.to && lm_address_parse(&to, o.to, strlen(o.to), &err) != LM_OK) {
        lm_seckey_wipe(&key);
        return cw_fail(cmd, &err);
    }
    lm_rpc rpc;
    if (lm_rpc_init(&rpc, o.l1_rpc, NULL, &err) != LM_OK) {
        lm_seckey_wipe(&key);
        return cw_fail(cmd, &err);
    }
    lm_l1_signer s;
    lm_code rc = lm_l1_signer_init(&s, &rpc, &key, 0, NULL, &err);
    lm_seckey_wipe(&key);
    if (rc != LM_OK) {
        lm_err_wrap(&err, rc, o.l1_rpc);
        lm_rpc_free(&rpc);
        return cw_fail(cmd, &err);
    }
    int status = 1;
    lm_l1_receipt rcpt;
    memset(&rcpt, 0, sizeof rcpt);
    char amount_text[LM_AMOUNT_TEXT_MAX], from_text[43], to_text[43], tok_text[43];
    const char *name = ai.name;
    if (lm_amount_format(amount_text, sizeof amount_text, units, &ai.fmt, &err) != LM_OK)
        goto out;
    if (s.chain_id != d.l1_chain_id) {
        lm_err_set(&err, LM_EINVAL, "%s is chain %llu, the deployment is on chain %llu", o.l1_rpc,
                   (unsigned long long)s.chain_id, (unsigned long long)d.l1_chain_id);
        goto out;
    }
    if (!o.json) {
        printf("depositing %s %s from %s (L1) to %s (L2)\n", amount_text, name,
               cw_addr_text(from_text, me.b), cw_addr_text(to_text, to.b));
        if (ai.from_l1)
            printf("asset %u: token %s, unit %s base units, %u decimals (read from the Bridge)\n",
                   asset, cw_addr_text(tok_text, ai.token), unit_text(&ai), ai.fmt.decimals);
        printf(token ? "sending approve and depositERC20 to the Bridge, waiting for L1...\n"
                     : "sending depositETH to the Bridge, waiting for L1...\n");
        fflush(stdout);
    }
    rc = token ? lm_bridge_deposit_erc20(&s, &d, token, &base, to.b, &rcpt, &err)
               : lm_bridge_deposit_eth(&s, &d, to.b, &base, &rcpt, &err);
    if (rc != LM_OK)
        goto out;
    /* the Deposit event gives the message's place in the L1 -> L2 queue */
    bool have_index = false;
    uint64_t index = 0;
    for (size_t i = 0; i < rcpt.logs.len; i++) {
        lm_queued_message m;
        if (memcmp(rcpt.logs.v[i].address, d.bridge, 20) == 0 &&
            lm_decode_message_log(&m, &rcpt.logs.v[i], NULL) == LM_OK && m.msg.kind == LM_MSG_DEPOSIT) {
            have_index = true;
            index = m.msg.index;
        }
    }
    char tx_hex[67];
    lm_hex_encode(tx_hex, rcpt.tx_hash, 32, true);
    if (o.json) {
        json_t *j = json_object();
        json_object_set_new(j, "l1TxHash", json_string(tx_hex));
        json_object_set_new(j, "l1Block", lm_rpcd_json_qty(rcpt.block_number));
        json_object_set_new(j, "from", json_string(cw_addr_text(from_text, me.b)));
        json_object_set_new(j, "to", json_string(cw_addr_text(to_text, to.b)));
        json_object_set_new(j, "asset", json_integer(asset));
        json_object_set_new(j, "symbol", json_string(ai.name));
        json_object_set_new(j, "token",
                            token ? json_string(cw_addr_text(tok_text, token)) : json_null());
        json_object_set_new(j, "amount", json_string(amount_text));
        json_object_set_new(j, "units", lm_rpcd_json_qty(units));
        json_object_set_new(j, "messageIndex", have_index ? lm_rpcd_json_qty(index) : json_null());
        cw_print_json(j);
    } else {
        printf("deposited in L1 block %llu, tx %s", (unsigned long long)rcpt.block_number, tx_hex);
        if (have_index)
            printf(", L1 -> L2 message %llu", (unsigned long long)index);
        printf("\nthe L2 account is credited when the sequencer includes it (at the latest "
               "%llu L1 blocks later)\n",
               (unsigned long long)d.config.sequencing_window);
    }
    status = 0;
out:
    if (status)
        cw_fail(cmd, &err);
    lm_l1_receipt_free(&rcpt);
    lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
    return status;
}

/* ---- transfer and withdraw ------------------------------------------------------ */

/* Builds, signs and sends an L2 transaction of type type; prints the soft
 * confirmation. */
static int send_l2(lm_tx_type type, const cw_opts *o, const char *cmd)
{
    lm_err err;
    lm_deployment d;
    cw_asset_info ai;
    uint64_t amount, fee = 0;
    /* an asset beyond the deployment file needs L1, named explicitly (no default endpoint) */
    if (cw_load_deployment(&d, o, &err) != LM_OK ||
        cw_asset_resolve(&ai, o->asset, &d, o->l1_rpc_explicit ? o->l1_rpc : NULL, &err) != LM_OK ||
        lm_amount_parse(&amount, NULL, o->amount, strlen(o->amount), &ai.fmt, &err) != LM_OK ||
        (o->fee && lm_amount_parse(&fee, NULL, o->fee, strlen(o->fee), &ai.fmt, &err) != LM_OK))
        return cw_fail(cmd, &err);
    const uint32_t asset = ai.id;
    if (amount == 0) {
        fprintf(stderr, "lamina %s: the amount must be above zero\n", cmd);
        return 2;
    }
    lm_seckey key;
    lm_address me, to;
    if (cw_signing_key(&key, &me, o, &err) != LM_OK)
        return cw_fail(cmd, &err);
    to = me; /* withdraw: to oneself on L1 by default */
    if (o->to && lm_address_parse(&to, o->to, strlen(o->to), &err) != LM_OK) {
        lm_seckey_wipe(&key);
        return cw_fail(cmd, &err);
    }
    lm_rpc rpc;
    if (lm_rpc_init(&rpc, o->rpc, NULL, &err) != LM_OK) {
        lm_seckey_wipe(&key);
        return cw_fail(cmd, &err);
    }
    int status = 1;
    json_t *res = NULL;
    char me_text[43], to_text[43];
    cw_addr_text(me_text, me.b);
    cw_addr_text(to_text, to.b);
    /* the node's chain must be the deployment's: else the signature is for another domain */
    uint64_t chain;
    if (cw_node_call(&rpc, &res, "lamina_chainId", NULL, &err) != LM_OK ||
        lm_json_u64(&chain, res, "lamina_chainId", &err) != LM_OK)
        goto out;
    if (chain != d.config.l2_chain_id) {
        lm_err_set(&err, LM_EINVAL, "the node at %s is L2 chain %llu, the deployment says %llu",
                   o->rpc, (unsigned long long)chain, (unsigned long long)d.config.l2_chain_id);
        goto out;
    }
    json_decref(res);
    res = NULL;
    /* the nonce: the lowest unused one of the account's window */
    lm_account acc;
    memcpy(acc.address, me.b, 20);
    uint64_t index;
    bool exists;
    if (cw_node_call(&rpc, &res, "lamina_getAccount", json_pack("[s]", me_text), &err) != LM_OK ||
        lm_wallet_parse_account(&acc, &index, &exists, res, &err) != LM_OK)
        goto out;
    json_decref(res);
    res = NULL;
    if (!exists) {
        lm_err_set(&err, LM_ENOTFOUND, "%s has no L2 account yet: deposit first", me_text);
        goto out;
    }
    if (memcmp(acc.address, me.b, 20) != 0) {
        lm_err_set(&err, LM_EPROTO, "the node answered lamina_getAccount for another address");
        goto out;
    }
    lm_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    tx.chain_id = d.config.l2_chain_id;
    memcpy(tx.from, me.b, 20);
    memcpy(tx.to, to.b, 20);
    tx.asset = asset;
    tx.amount = amount;
    tx.fee = fee;
    if (lm_nonce_pick(&tx.nonce, acc.nonce_base, acc.nonce_bits, &err) != LM_OK ||
        lm_tx_sign(&tx, &key, d.rollup, &err) != LM_OK)
        goto out;
    uint8_t wire[LM_TX_WIRE_LEN], hash[32];
    char wire_hex[2 * LM_TX_WIRE_LEN + 3], hash_hex[67];
    lm_tx_encode(wire, &tx);
    lm_tx_hash(hash, &tx);
    lm_hex_encode(wire_hex, wire, sizeof wire, true);
    lm_hex_encode(hash_hex, hash, 32, true);
    char amount_text[LM_AMOUNT_TEXT_MAX], name[LM_ERC20_SYMBOL_MAX + 24];
    snprintf(name, sizeof name, ai.from_l1 ? "%s (asset %u)" : "%s", ai.name, ai.id);
    if (lm_amount_format(amount_text, sizeof amount_text, amount, &ai.fmt, &err) != LM_OK)
        goto out;
    if (!o->json) {
        printf("%s %s %s from %s to %s%s (nonce %llu)\n", cmd, amount_text, name, me_text, to_text,
               type == LM_TX_WITHDRAW ? " on L1" : "", (unsigned long long)tx.nonce);
        printf("tx %s: sending to the node...\n", hash_hex);
        fflush(stdout);
    }
    if (cw_node_call(&rpc, &res, "lamina_sendTransaction", json_pack("[s]", wire_hex), &err) != LM_OK)
        goto out;
    uint64_t block = 0, position = 0;
    if (!json_is_object(res) ||
        lm_json_u64(&block, json_object_get(res, "block"), "confirmation.block", &err) != LM_OK ||
        lm_json_u64(&position, json_object_get(res, "position"), "confirmation.position", &err) != LM_OK) {
        if (!json_is_object(res))
            lm_err_set(&err, LM_EPROTO, "the node's confirmation is not an object");
        goto out;
    }
    const char *node_hash = json_string_value(json_object_get(res, "hash"));
    if (node_hash && strcmp(node_hash, hash_hex) != 0) {
        lm_err_set(&err, LM_EPROTO, "the node confirmed another hash: %s", node_hash);
        goto out;
    }
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "hash", json_string(hash_hex));
        json_object_set_new(j, "block", lm_rpcd_json_qty(block));
        json_object_set_new(j, "position", lm_rpcd_json_qty(position));
        json_object_set_new(j, "nonce", lm_rpcd_json_qty(tx.nonce));
        json_object_set_new(j, "asset", json_integer(asset));
        json_object_set_new(j, "amount", json_string(amount_text));
        cw_print_json(j);
    } else {
        printf("included in L2 block %llu at position %llu (soft confirmation: durable on the "
               "sequencer, final once its batch is final on L1)\n",
               (unsigned long long)block, (unsigned long long)position);
        if (type == LM_TX_WITHDRAW)
            printf("when its batch's output is final on L1: lamina withdraw finalize --id <withdrawal id>\n");
    }
    status = 0;
out:
    lm_seckey_wipe(&key);
    json_decref(res);
    if (status)
        cw_fail(cmd, &err);
    lm_rpc_free(&rpc);
    return status;
}

int cmd_transfer(int argc, char **argv)
{
    cw_opts o;
    if (!cw_opts_parse(&o, argc, argv, 1, ACT_OPTS " --rpc --l1-rpc --amount --asset --to --fee",
                       "transfer") ||
        o.n_positional || !o.amount || !o.to)
        return usage_of(USAGE_TRANSFER);
    cw_opts_defaults(&o);
    return send_l2(LM_TX_TRANSFER, &o, "transfer");
}

static int withdraw_finalize(const cw_opts *o)
{
    const char *cmd = "withdraw finalize";
    lm_err err;
    lm_deployment d;
    uint64_t id;
    if (!cli_parse_u64(o->id, &id)) {
        fprintf(stderr, "lamina %s: --id: a withdrawal id (a number)\n", cmd);
        return 2;
    }
    if (cw_load_deployment(&d, o, &err) != LM_OK)
        return cw_fail(cmd, &err);
    lm_rpc node, l1;
    if (lm_rpc_init(&node, o->rpc, NULL, &err) != LM_OK)
        return cw_fail(cmd, &err);
    if (lm_rpc_init(&l1, o->l1_rpc, NULL, &err) != LM_OK) {
        lm_rpc_free(&node);
        return cw_fail(cmd, &err);
    }
    int status = 1;
    json_t *res = NULL;
    lm_seckey key;
    memset(&key, 0, sizeof key);
    lm_l1_signer s;
    memset(&s, 0, sizeof s);
    bool have_signer = false;
    lm_l1_receipt rcpt;
    memset(&rcpt, 0, sizeof rcpt);
    lm_withdrawal_claim c;
    bool posted, final;
    if (cw_node_call(&node, &res, "lamina_getWithdrawalProof",
                     json_pack("[o]", lm_rpcd_json_qty(id)), &err) != LM_OK ||
        lm_wallet_parse_withdrawal_proof(&c, &posted, res, &err) != LM_OK)
        goto out;
    if (!posted) {
        lm_err_set(&err, LM_ENOTFOUND,
                   "withdrawal %llu is not final yet: its batch is not on L1 (or the id is unknown); "
                   "try again later", (unsigned long long)id);
        goto out;
    }
    if (c.withdrawal.id != id) {
        lm_err_set(&err, LM_EPROTO, "the node answered for withdrawal %llu",
                   (unsigned long long)c.withdrawal.id);
        goto out;
    }
    if (lm_rollup_is_finalized(&l1, &d, c.batch_index, &final, &err) != LM_OK)
        goto out;
    if (!final) {
        lm_err_set(&err, LM_EINVAL,
                   "withdrawal %llu is not final yet: output %llu on L1 is still in its challenge "
                   "window (or awaits its proof); try again later",
                   (unsigned long long)id, (unsigned long long)c.batch_index);
        goto out;
    }
    lm_address me;
    if (cw_signing_key(&key, &me, o, &err) != LM_OK ||
        lm_l1_signer_init(&s, &l1, &key, 0, NULL, &err) != LM_OK)
        goto out;
    have_signer = true;
    if (!o->json) {
        printf("finalizing withdrawal %llu (output %llu, leaf %llu) on L1, waiting for L1...\n",
               (unsigned long long)id, (unsigned long long)c.batch_index,
               (unsigned long long)c.leaf_index);
        fflush(stdout);
    }
    if (lm_bridge_finalize_withdrawal(&s, &d, c.batch_index, &c.output, &c.withdrawal, c.leaf_index,
                                      (const uint8_t(*)[32])c.proof, c.depth, &rcpt, &err) != LM_OK)
        goto out;
    char tx_hex[67], to_text[43];
    lm_hex_encode(tx_hex, rcpt.tx_hash, 32, true);
    cw_addr_text(to_text, c.withdrawal.l1_recipient);
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", lm_rpcd_json_qty(id));
        json_object_set_new(j, "l1TxHash", json_string(tx_hex));
        json_object_set_new(j, "l1Block", lm_rpcd_json_qty(rcpt.block_number));
        json_object_set_new(j, "recipient", json_string(to_text));
        cw_print_json(j);
    } else {
        printf("paid to %s in L1 block %llu, tx %s\n", to_text, (unsigned long long)rcpt.block_number,
               tx_hex);
    }
    status = 0;
out:
    lm_seckey_wipe(&key);
    json_decref(res);
    if (status)
        cw_fail(cmd, &err);
    lm_l1_receipt_free(&rcpt);
    if (have_signer)
        lm_l1_signer_free(&s);
    lm_rpc_free(&l1);
    lm_rpc_free(&node);
    return status;
}

int cmd_withdraw(int argc, char **argv)
{
    cw_opts o;
    if (argc >= 2 && strcmp(argv[1], "finalize") == 0) {
        if (!cw_opts_parse(&o, argc, argv, 2, ACT_OPTS " --rpc --l1-rpc --id", "withdraw finalize") ||
            o.n_positional || !o.id)
            return usage_of(USAGE_WITHDRAW);
        cw_opts_defaults(&o);
        return withdraw_finalize(&o);
    }
    if (!cw_opts_parse(&o, argc, argv, 1, ACT_OPTS " --rpc --l1-rpc --amount --asset --to --fee",
                       "withdraw") ||
        o.n_positional || !o.amount)
        return usage_of(USAGE_WITHDRAW);
    cw_opts_defaults(&o);
    return send_l2(LM_TX_WITHDRAW, &o, "withdraw");
}

/* ---- balance ------------------------------------------------------------------- */

int cmd_balance(int argc, char **argv)
{
    cw_opts o;
    if (!cw_opts_parse(&o, argc, argv, 1,
                       "--address --keystore --key-file --dir --deployment --rpc --l1-rpc --json",
                       "balance") ||
        o.n_positional)
        return usage_of(USAGE_BALANCE);
    cw_opts_defaults(&o);
    const char *cmd = "balance";
    lm_err err;
    lm_address who;
    if (cw_account_address(&who, &o, &err) != LM_OK)
        return cw_fail(cmd, &err);
    lm_deployment d;
    bool have_d = lm_deployment_load(&d, o.deployment, NULL) == LM_OK;
    char who_text[43];
    cw_addr_text(who_text, who.b);
    json_t *out = o.json ? json_object() : NULL;
    if (out)
        json_object_set_new(out, "address", json_string(who_text));
    else
        printf("%s\n", who_text);
    int failures = 0;

    /* L2: the node */
    lm_rpc rpc;
    json_t *res = NULL;
    lm_account acc;
    memcpy(acc.address, who.b, 20);
    uint64_t index;
    bool exists = false;
    lm_code rc = lm_rpc_init(&rpc, o.rpc, NULL, &err);
    if (rc == LM_OK) {
        rc = cw_node_call(&rpc, &res, "lamina_getAccount", json_pack("[s]", who_text), &err);
        if (rc == LM_OK)
            rc = lm_wallet_parse_account(&acc, &index, &exists, res, &err);
        json_decref(res);
        lm_rpc_free(&rpc);
    }
    if (rc != LM_OK) {
        failures++;
        fprintf(stderr, "lamina balance: L2: %s\n", err.msg);
        if (out)
            json_object_set_new(out, "l2Error", json_string(err.msg));
    } else {
        json_t *l2 = out ? json_object() : NULL;
        if (!out)
            printf("  L2 (%s)%s\n", o.rpc, exists ? "" : ": no account yet");
        /* with an L1 endpoint named, assets beyond the deployment file are
         * named and scaled as the Bridge and their token say */
        lm_rpc l1;
        bool l1_open = false, l1_tried = false;
        for (uint32_t a = 0; a < LM_MAX_ASSETS && exists; a++) {
            if (acc.balance[a] == 0 && a != 0)
                continue;
            cw_asset_info ai;
            bool known = false;
            if (have_d) {
                if (!l1_tried && o.l1_rpc_explicit &&
                    cw_asset_by_id(&ai, a, &d, NULL, NULL) != LM_OK) {
                    l1_tried = true;
                    if (cw_l1_open(&l1, o.l1_rpc, &d, &err) == LM_OK)
                        l1_open = true;
                    else
                        fprintf(stderr, "lamina balance: token names: %s\n", err.msg);
                }
                lm_err why;
                known = cw_asset_by_id(&ai, a, &d, l1_open ? &l1 : NULL, &why) == LM_OK;
                if (!known && l1_open)
                    fprintf(stderr, "lamina balance: asset %u: %s\n", a, why.msg);
            }
            lm_asset_fmt fmt;
            if (known)
                fmt = ai.fmt;
            else
                cw_asset_fmt_of(&fmt, a, NULL); /* whole L2 units */
            char text[LM_AMOUNT_TEXT_MAX], name_buf[24], key[12], tok[43];
            if (lm_amount_format(text, sizeof text, acc.balance[a], &fmt, &err) != LM_OK)
                continue;
            const char *name = known ? ai.name : cw_asset_name(name_buf, a, NULL);
            if (l2) {
                snprintf(key, sizeof key, "%u", a);
                json_t *e = json_pack("{s:s,s:o}", "amount", text, "units",
                                      lm_rpcd_json_qty(acc.balance[a]));
                if (known) {
                    json_object_set_new(e, "symbol", json_string(ai.name));
                    json_object_set_new(e, "token",
                                        ai.is_token ? json_string(cw_addr_text(tok, ai.token))
                                                    : json_null());
                    json_object_set_new(e, "decimals", json_integer(ai.fmt.decimals));
                }
                json_object_set_new(l2, key, e);
            } else if (known && ai.from_l1) {
                printf("    %-8s %s (asset %u, token %s)\n", name, text, a,
                       cw_addr_text(tok, ai.token));
            } else {
                printf("    %-8s %s\n", name, text);
            }
        }
        if (l1_open)
            lm_rpc_free(&l1);
        if (l2) {
            json_object_set_new(out, "l2", l2);
            json_object_set_new(out, "l2Account", exists ? lm_rpcd_json_qty(index) : json_null());
            json_object_set_new(out, "nonceBase", lm_rpcd_json_qty(acc.nonce_base));
        } else if (exists) {
            printf("    account %llu, next nonce %llu\n", (unsigned long long)index,
                   (unsigned long long)acc.nonce_base);
        }
    }

    /* L1: ETH */
    lm_u256 wei;
    rc = lm_rpc_init(&rpc, o.l1_rpc, NULL, &err);
    if (rc == LM_OK) {
        rc = lm_rpc_get_balance(&rpc, &wei, who.b, lm_block_tagged(LM_BLOCK_LATEST), &err);
        lm_rpc_free(&rpc);
    }
    char eth[LM_AMOUNT_TEXT_MAX];
    if (rc == LM_OK)
        rc = lm_amount_format_base(eth, sizeof eth, &wei, 18, &err);
    if (rc != LM_OK) {
        failures++;
        fprintf(stderr, "lamina balance: L1: %s: %s\n", o.l1_rpc, err.msg);
        if (out)
            json_object_set_new(out, "l1Error", json_string(err.msg));
    } else if (out) {
        char dec[LM_U256_DEC_BUF];
        lm_u256_to_dec(dec, &wei);
        json_object_set_new(out, "l1", json_pack("{s:s,s:s}", "eth", eth, "wei", dec));
    } else {
        printf("  L1 (%s)\n    %-8s %s\n", o.l1_rpc, "ETH", eth);
    }
    if (out)
        cw_print_json(out);
    return failures == 2 ? 1 : 0;
}

/* ---- tx status ------------------------------------------------------------------- */

int cmd_tx(int argc, char **argv)
{
    cw_opts o;
    if (argc < 2 || strcmp(argv[1], "status") != 0 ||
        !cw_opts_parse(&o, argc, argv, 2, "--rpc --json", "tx status") || o.n_positional != 1)
        return usage_of(USAGE_TX);
    cw_opts_defaults(&o);
    const char *cmd = "tx status";
    lm_err err;
    uint8_t hash[32];
    const char *h = o.positional[0];
    if (lm_hex_decode_exact(hash, 32, h, strlen(h), LM_HEX_PREFIX_OPTIONAL, &err) != LM_OK) {
        fprintf(stderr, "lamina tx status: HASH must be 32 bytes of hex\n");
        return 2;
    }
    char hash_hex[67];
    lm_hex_encode(hash_hex, hash, 32, true);
    lm_rpc rpc;
    if (lm_rpc_init(&rpc, o.rpc, NULL, &err) != LM_OK)
        return cw_fail(cmd, &err);
    json_t *res = NULL;
    lm_code rc = cw_node_call(&rpc, &res, "lamina_getTransaction", json_pack("[s]", hash_hex), &err);
    lm_rpc_free(&rpc);
    if (rc != LM_OK)
        return cw_fail(cmd, &err);
    if (o.json) {
        cw_print_json(res);
        return 0;
    }
    if (json_is_null(res)) {
        printf("%s: unknown to the node\n", hash_hex);
        json_decref(res);
        return 1;
    }
    uint64_t block = 0, position = 0;
    const char *st = json_string_value(json_object_get(res, "status"));
    const char *why = json_string_value(json_object_get(res, "error"));
    bool in_block = lm_json_u64(&block, json_object_get(res, "block"), "block", NULL) == LM_OK &&
                    lm_json_u64(&position, json_object_get(res, "position"), "position", NULL) == LM_OK;
    printf("%s: %s", hash_hex, st ? st : "(no status)");
    if (in_block)
        printf(", L2 block %llu position %llu", (unsigned long long)block, (unsigned long long)position);
    if (why)
        printf(" (%s)", why);
    printf("\n");
    json_decref(res);
    return 0;
}
