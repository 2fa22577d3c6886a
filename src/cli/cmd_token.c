/* lamina token: the assets registered on the Bridge (docs/wallet.md §3).
 *   token list       every registered asset: token, symbol, decimals, unit,
 *                    totals deposited and withdrawn
 *   token register   registers an ERC-20 (the Bridge's TOKEN_ADMIN_ROLE) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_wallet.h"
#include "lamina/bytes.h"
#include "lamina/rpc_server.h"

static const char USAGE[] =
    "usage: lamina token list [--deployment FILE] [--l1-rpc URL] [--json]\n"
    "       lamina token register --token ADDRESS --unit N\n"
    "                     [--key-file FILE | --keystore FILE|ADDRESS [--password-file FILE]\n"
    "                      | env LAMINA_DEPLOYER_KEY] [--deployment FILE] [--l1-rpc URL] [--json]\n"
    "  N: the token's base units per L2 unit, 1 .. 2^96 - 1\n";

static int usage(void)
{
    fprintf(stderr, "%s", USAGE);
    return 2;
}

/* At most this many assets are listed (the Bridge allows 2^32 - 1). */
#define LIST_MAX 1024

/* ---- list ------------------------------------------------------------------------ */

/* One total (base units) as {units, amount, base}; amount null when the
 * decimals are unknown. Human text into text[0..cap). */
static json_t *total_json(char *text, size_t cap, const lm_u256 *base, const lm_u256 *unit,
                          bool have_decimals, unsigned decimals)
{
    lm_u256 units, rem;
    if (!lm_u256_divmod(&units, &rem, base, unit)) /* unit >= 1: cannot fail */
        units = LM_U256_ZERO;
    char amount[LM_AMOUNT_TEXT_MAX], udec[LM_U256_DEC_BUF], bdec[LM_U256_DEC_BUF];
    bool have_amount = have_decimals &&
                       lm_amount_format_base(amount, sizeof amount, base, decimals, NULL) == LM_OK;
    lm_u256_to_dec(udec, &units);
    lm_u256_to_dec(bdec, base);
    snprintf(text, cap, "%s (%s L2 units)", have_amount ? amount : bdec, udec);
    json_t *j = json_object();
    json_object_set_new(j, "units", cw_json_u256(&units));
    json_object_set_new(j, "amount", have_amount ? json_string(amount) : json_null());
    json_object_set_new(j, "base", json_string(bdec));
    return j;
}

static int token_list(const cw_opts *o)
{
    const char *cmd = "token list";
    lm_err err;
    lm_deployment d;
    lm_code rc;
    lm_rpc rpc;
    if (cw_load_deployment(&d, o, &err) != LM_OK || cw_l1_open(&rpc, o->l1_rpc, &d, &err) != LM_OK)
        return cw_fail(cmd, &err);
    uint64_t count;
    if ((rc = lm_bridge_asset_count(&rpc, &d, &count, &err)) != LM_OK) {
        lm_err_wrap(&err, rc, "the Bridge");
        lm_rpc_free(&rpc);
        return cw_fail(cmd, &err);
    }
    char bridge[43], tok[43];
    cw_addr_text(bridge, d.bridge);
    json_t *out = NULL, *arr = NULL;
    if (o->json) {
        out = json_object();
        arr = json_array();
        json_object_set_new(out, "bridge", json_string(bridge));
        json_object_set_new(out, "l1ChainId", lm_rpcd_json_qty(d.l1_chain_id));
        json_object_set_new(out, "assetCount", lm_rpcd_json_qty(count));
    } else {
        printf("Bridge %s (L1 chain %llu): %llu asset%s\n", bridge,
               (unsigned long long)d.l1_chain_id, (unsigned long long)count, count == 1 ? "" : "s");
    }
    int status = 0;
    uint64_t shown = count < LIST_MAX ? count : LIST_MAX;
    for (uint64_t id = 0; id < shown; id++) {
        uint8_t token[20];
        lm_u256 unit, dep, wd;
        if ((rc = lm_bridge_asset(&rpc, &d, (uint32_t)id, token, &unit, &err)) != LM_OK ||
            (rc = lm_bridge_asset_totals(&rpc, &d, (uint32_t)id, &dep, &wd, &err)) != LM_OK) {
            lm_err_wrap(&err, rc, "the Bridge");
            status = cw_fail(cmd, &err);
            break;
        }
        bool is_eth = id == 0;
        unsigned decimals = 18;
        bool dec_read = true, have_dec = true, have_sym = true;
        char sym[LM_ERC20_SYMBOL_MAX + 1] = "ETH", why[LM_ERR_MSG_MAX] = "";
        if (!is_eth) {
            lm_err e;
            if (lm_erc20_decimals(&rpc, token, &decimals, &e) != LM_OK) {
                dec_read = have_dec = false;
                snprintf(why, sizeof why, "decimals() failed: %.150s", e.msg);
            } else if (decimals > 77) {
                have_dec = false;
                snprintf(why, sizeof why, "%u decimals: more than 77", decimals);
            }
            have_sym = lm_erc20_symbol(&rpc, token, sym, NULL) == LM_OK;
        }
        char dep_text[200], wd_text[200], unit_dec[LM_U256_DEC_BUF];
        json_t *dj = total_json(dep_text, sizeof dep_text, &dep, &unit, have_dec, decimals);
        json_t *wj = total_json(wd_text, sizeof wd_text, &wd, &unit, have_dec, decimals);
        lm_u256_to_dec(unit_dec, &unit);
        bool on_l2 = id < LM_MAX_ASSETS;
        if (o->json) {
            json_t *a = json_object();
            json_object_set_new(a, "id", json_integer((json_int_t)id));
            json_object_set_new(a, "token",
                                is_eth ? json_null() : json_string(cw_addr_text(tok, token)));
            json_object_set_new(a, "symbol", have_sym ? json_string(sym) : json_null());
            json_object_set_new(a, "decimals", dec_read ? json_integer(decimals) : json_null());
            json_object_set_new(a, "unit", cw_json_u256(&unit));
            json_object_set_new(a, "deposited", dj);
            json_object_set_new(a, "withdrawn", wj);
            json_object_set_new(a, "onL2", json_boolean(on_l2));
            if (why[0])
                json_object_set_new(a, "problem", json_string(why));
            json_array_append_new(arr, a);
        } else {
            json_decref(dj);
            json_decref(wj);
            printf("asset %llu  %s\n", (unsigned long long)id,
                   have_sym ? sym : (is_eth ? "ETH" : "(no symbol)"));
            if (is_eth)
                printf("    native ether, 18 decimals, unit %s wei\n", unit_dec);
            else if (have_dec)
                printf("    token %s, %u decimals, unit %s base units\n", cw_addr_text(tok, token),
                       decimals, unit_dec);
            else
                printf("    token %s, unit %s base units; %s\n", cw_addr_text(tok, token), unit_dec,
                       why);
            printf("    deposited %s, withdrawn %s\n", dep_text, wd_text);
            if (!on_l2)
                printf("    not on L2: the L2 holds balances of asset ids 0..%d only (its deposits "
                       "are refunded)\n",
                       LM_MAX_ASSETS - 1);
        }
    }
    if (status == 0 && shown < count && !o->json)
        printf("... and %llu more (only the first %d are listed)\n",
               (unsigned long long)(count - shown), LIST_MAX);
    if (out) {
        json_object_set_new(out, "assets", arr);
        if (status == 0)
            cw_print_json(out);
        else
            json_decref(out);
    }
    lm_rpc_free(&rpc);
    return status;
}

/* ---- register -------------------------------------------------------------------- */

static lm_code admin_key(lm_seckey *key, const cw_opts *o, lm_err *err)
{
    lm_address a;
    if (o->keystore || o->key_file)
        return cw_signing_key(key, &a, o, err);
    return cli_load_key(key, NULL, "LAMINA_DEPLOYER_KEY", err);
}

static int token_register(const cw_opts *o)
{
    const char *cmd = "token register";
    lm_err err;
    lm_address token;
    lm_u256 unit;
    if (lm_address_parse(&token, o->token, strlen(o->token), &err) != LM_OK) {
        fprintf(stderr, "lamina %s: --token: %s\n", cmd, err.msg);
        return 2;
    }
    /* Bridge.registerToken: "unit: token base units per L2 unit, 1 .. 2^96-1" */
    if (!cw_parse_u256(o->unit, &unit) || lm_u256_is_zero(&unit) || lm_u256_bit_len(&unit) > 96) {
        fprintf(stderr, "lamina %s: --unit: a whole number of base units, 1 .. 2^96 - 1\n", cmd);
        return 2;
    }
    lm_deployment d;
    lm_code rc;
    lm_rpc rpc;
    if (cw_load_deployment(&d, o, &err) != LM_OK || cw_l1_open(&rpc, o->l1_rpc, &d, &err) != LM_OK)
        return cw_fail(cmd, &err);
    int status = 1;
    lm_seckey key;
    memset(&key, 0, sizeof key);
    lm_l1_signer s;
    bool have_signer = false;
    lm_l1_receipt rcpt;
    memset(&rcpt, 0, sizeof rcpt);
    char tok[43], sym[LM_ERC20_SYMBOL_MAX + 1];
    cw_addr_text(tok, token.b);

    /* Checks before an irreversible registration (a token is never removed,
     * and the L2 holds only LM_MAX_ASSETS assets). */
    uint32_t existing;
    rc = lm_bridge_asset_id_of(&rpc, &d, token.b, &existing, &err);
    if (rc == LM_OK) {
        lm_err_set(&err, LM_EINVAL, "%s is already registered as asset %u", tok, existing);
        goto out;
    }
    if (rc != LM_ENOTFOUND)
        goto out;
    uint64_t count;
    if (lm_bridge_asset_count(&rpc, &d, &count, &err) != LM_OK)
        goto out;
    if (count >= LM_MAX_ASSETS) {
        lm_err_set(&err, LM_EINVAL,
                   "the Bridge has %llu assets: a new one would be asset %llu, and the L2 holds "
                   "balances of asset ids 0..%d only",
                   (unsigned long long)count, (unsigned long long)count, LM_MAX_ASSETS - 1);
        goto out;
    }
    unsigned decimals;
    lm_err why;
    if (lm_erc20_decimals(&rpc, token.b, &decimals, &why) != LM_OK) {
        lm_err_set(&err, LM_EINVAL,
                   "%s: decimals() failed (%s): wallets could not write its amounts", tok, why.msg);
        goto out;
    }
    if (decimals > 77) {
        lm_err_set(&err, LM_EINVAL, "%s: %u decimals, more than the 77 a 256-bit amount holds", tok,
                   decimals);
        goto out;
    }
    bool have_sym = lm_erc20_symbol(&rpc, token.b, sym, NULL) == LM_OK;
    if (admin_key(&key, o, &err) != LM_OK)
        goto out;
    rc = lm_l1_signer_init(&s, &rpc, &key, 0, NULL, &err);
    lm_seckey_wipe(&key);
    if (rc != LM_OK)
        goto out;
    have_signer = true;
    if (!o->json) {
        printf(
            "registering %s (%s, %u decimals) on the Bridge with a unit of %s, waiting for L1...\n",
            tok, have_sym ? sym : "no symbol", decimals, o->unit);
        fflush(stdout);
    }
    uint32_t id;
    rc = lm_bridge_register_token(&s, &d, token.b, &unit, &id, &rcpt, &err);
    if (rc != LM_OK) {
        if (strstr(err.msg, "AccessControlUnauthorizedAccount"))
            lm_err_set(&err, rc,
                       "the key lacks the Bridge's TOKEN_ADMIN_ROLE (its admin grants it)");
        goto out;
    }
    char tx_hex[67];
    lm_hex_encode(tx_hex, rcpt.tx_hash, 32, true);
    if (o->json) {
        json_t *j = json_object();
        json_object_set_new(j, "assetId", json_integer(id));
        json_object_set_new(j, "token", json_string(tok));
        json_object_set_new(j, "symbol", have_sym ? json_string(sym) : json_null());
        json_object_set_new(j, "decimals", json_integer(decimals));
        json_object_set_new(j, "unit", cw_json_u256(&unit));
        json_object_set_new(j, "l1TxHash", json_string(tx_hex));
        json_object_set_new(j, "l1Block", lm_rpcd_json_qty(rcpt.block_number));
        cw_print_json(j);
    } else {
        lm_asset_fmt fmt = {.decimals = decimals, .unit = unit};
        char one[LM_AMOUNT_TEXT_MAX];
        printf("registered as asset %u in L1 block %llu, tx %s\n", id,
               (unsigned long long)rcpt.block_number, tx_hex);
        if (lm_amount_format(one, sizeof one, 1, &fmt, NULL) == LM_OK)
            printf("1 L2 unit = %s %s\n", one, have_sym ? sym : tok);
    }
    status = 0;
out:
    if (status)
        cw_fail(cmd, &err);
    lm_l1_receipt_free(&rcpt);
    if (have_signer)
        lm_l1_signer_free(&s);
    lm_rpc_free(&rpc);
    return status;
}

int cmd_token(int argc, char **argv)
{
    cw_opts o;
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        if (!cw_opts_parse(&o, argc, argv, 2, "--deployment --l1-rpc --json", "token list") ||
            o.n_positional)
            return usage();
        cw_opts_defaults(&o);
        return token_list(&o);
    }
    if (argc >= 2 && strcmp(argv[1], "register") == 0) {
        if (!cw_opts_parse(&o, argc, argv, 2,
                           "--token --unit --key-file --keystore --password-file --dir "
                           "--deployment --l1-rpc --json",
                           "token register") ||
            o.n_positional || !o.token || !o.unit)
            return usage();
        cw_opts_defaults(&o);
        return token_register(&o);
    }
    return usage();
}
