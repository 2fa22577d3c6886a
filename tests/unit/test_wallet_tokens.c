/* Any ERC-20 registered on the Bridge, through the `lamina` binary, on a
 * real anvil with Lamina's contracts and a real sequencer (in this
 * process, settling on anvil):
 *  - L1 reads: assetCount, asset, assetIdOf (unknown: LM_ENOTFOUND),
 *    totals, decimals, symbol as a string and as a bytes32 (a hand-assembled
 *    MKR-style token);
 *  - `lamina token register` (the Bridge's AssetRegistered log gives the id)
 *    and its refusals: a second registration, a key without
 *    TOKEN_ADMIN_ROLE, a token without decimals(), a ninth asset;
 *  - `lamina token list` (human and --json);
 *  - a second DevToken with 18 decimals and a unit of 10^9 base units:
 *    deposited by address and by id (the Bridge's events and balances carry
 *    the exact amounts), credited on L2 (`lamina balance`, named by symbol
 *    with --l1-rpc, whole L2 units without), transferred and withdrawn on
 *    L2, and the withdrawal paid in the token on L1 (`withdraw finalize`);
 *  - `--asset` refusals: an unregistered token, an id past assetCount, an id
 *    the L2 holds no balance of, a token without decimals(), a missing
 *    --l1-rpc, an amount finer than the unit.
 * Runs LM_BINARY_DIR "/lamina" (build the lamina target with the test). */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"

#include "../anvil_world.h"

#define TDIR LM_BINARY_DIR "/test_wallet_tokens.d"
#define LAMINA LM_BINARY_DIR "/lamina"
#define DEP_PATH TDIR "/deployment.json"

#include "../cli_run.h"

static const char *addr_text(char buf[43], const uint8_t a[20])
{
    lm_address x;
    memcpy(x.b, a, 20);
    lm_address_to_checksum(buf, &x);
    return buf;
}

/* ---- the world ------------------------------------------------------------------------ */

static aw_world W; /* admin: key 0 (TOKEN_ADMIN_ROLE), user: key 3 */

static struct {
    lm_seq *seq;
    lm_rpc l2;
    char url[64];
    char dir[64];
    uint8_t tt[20];  /* DevToken "TT18": 18 decimals, registered with a unit of 10^9 */
    uint8_t mkr[20]; /* hand-assembled: decimals() 18, symbol() as bytes32 "MKR" */
    char tt_text[43], mkr_text[43], rollup_text[43];
    uint32_t tt_id;
} S;

/* A contract whose decimals() (0x313ce567) returns 18 and every other call
 * the bytes32 "MKR" (as MKR's own symbol() does):
 *   PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR PUSH4 0x313ce567 EQ PUSH1 0x38 JUMPI
 *   PUSH32 "MKR" PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
 *   0x38: JUMPDEST PUSH1 18 PUSH1 0 MSTORE PUSH1 0x20 PUSH1 0 RETURN
 * behind the init code PUSH1 0x43 DUP1 PUSH1 0x0b PUSH1 0 CODECOPY PUSH1 0 RETURN. */
static void deploy_bytes32_token(uint8_t addr[20])
{
    static const uint8_t head[] = {0x60, 0x43, 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60,
                                   0x00, 0xf3, 0x60, 0x00, 0x35, 0x60, 0xe0, 0x1c, 0x63,
                                   0x31, 0x3c, 0xe5, 0x67, 0x14, 0x60, 0x38, 0x57, 0x7f};
    static const uint8_t tail[] = {0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3, 0x5b, 0x60,
                                   0x12, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3};
    uint8_t code[sizeof head + 32 + sizeof tail] = {0};
    memcpy(code, head, sizeof head);
    memcpy(code + sizeof head, "MKR", 3);
    memcpy(code + sizeof head + 32, tail, sizeof tail);
    assert_int_equal(sizeof code - 11, 0x43);
    lm_l1_tx_request req = {.to = NULL, .data = code, .data_len = sizeof code};
    lm_l1_wait_opts wo;
    lm_l1_wait_opts_default(&wo);
    lm_l1_receipt r;
    lm_err err;
    must(lm_l1_signer_send_and_wait(&W.admin, &r, NULL, &req, &wo, &err), &err, "deploy MKR");
    assert_true(r.status && r.has_contract_address);
    memcpy(addr, r.contract_address, 20);
    lm_l1_receipt_free(&r);
}

static int setup(void **state)
{
    (void)state;
    lm_err err;
    lm_log_set_level(LM_LOG_WARN);
    mkdir(TDIR, 0700);
    if (cli_setup() != 0)
        return -1;
    if (aw_world_start(&W, TDIR "/anvil.log") != 0)
        return -1;
    lm_deploy_opts o;
    aw_deploy_opts(&o, &W);
    o.dev_token = true; /* asset 1; the admin holds TOKEN_ADMIN_ROLE */
    if (aw_world_deploy(&W, &o) != 0 || lm_deployment_save(&W.d, DEP_PATH, &err) != LM_OK)
        return -1;
    write_text(TDIR "/admin.key", LM_ANVIL_KEY0 "\n");
    write_text(TDIR "/user.key", LM_ANVIL_KEY3 "\n");
    if (lm_dev_token_deploy(&W.admin, "Test Token 18", "TT18", 18, S.tt, &err) != LM_OK) {
        fprintf(stderr, "TT18: %s\n", err.msg);
        return -1;
    }
    addr_text(S.tt_text, S.tt);
    addr_text(S.rollup_text, W.d.rollup);
    snprintf(S.dir, sizeof S.dir, "/tmp/lamina-tokens-XXXXXX");
    if (!mkdtemp(S.dir))
        return -1;
    return 0;
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_rf(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int teardown(void **state)
{
    (void)state;
    if (S.seq) {
        lm_rpc_free(&S.l2);
        lm_seq_stop(S.seq);
    }
    aw_world_stop(&W);
    rm_rf(S.dir);
    return 0;
}

/* ---- tests ----------------------------------------------------------------------------- */

/* The library's reads, before and after a registration. */
static void test_l1_reads(void **state)
{
    (void)state;
    lm_err err;
    uint64_t count;
    must(lm_bridge_asset_count(&W.rpc, &W.d, &count, &err), &err, "assetCount");
    assert_int_equal(count, 2); /* ETH and ldUSD */
    uint8_t token[20], zero[20] = {0};
    lm_u256 unit;
    must(lm_bridge_asset(&W.rpc, &W.d, 0, token, &unit, &err), &err, "asset 0");
    assert_memory_equal(token, zero, 20);
    assert_true(lm_u256_eq(&unit, &(lm_u256){{1000000000, 0, 0, 0}})); /* ETH: 1 gwei */
    must(lm_bridge_asset(&W.rpc, &W.d, 1, token, &unit, &err), &err, "asset 1");
    assert_memory_equal(token, W.d.dev_token, 20);
    assert_true(lm_u256_eq(&unit, &LM_U256_ONE));
    assert_int_equal(lm_bridge_asset(&W.rpc, &W.d, 2, token, &unit, &err), LM_ENOTFOUND);
    uint32_t id;
    must(lm_bridge_asset_id_of(&W.rpc, &W.d, W.d.dev_token, &id, &err), &err, "assetIdOf");
    assert_int_equal(id, 1);
    assert_int_equal(lm_bridge_asset_id_of(&W.rpc, &W.d, S.tt, &id, &err), LM_ENOTFOUND);
    assert_non_null(strstr(err.msg, "not registered"));
    unsigned dec;
    must(lm_erc20_decimals(&W.rpc, W.d.dev_token, &dec, &err), &err, "decimals");
    assert_int_equal(dec, 6);
    must(lm_erc20_decimals(&W.rpc, S.tt, &dec, &err), &err, "decimals");
    assert_int_equal(dec, 18);
    assert_int_not_equal(lm_erc20_decimals(&W.rpc, W.d.rollup, &dec, &err), LM_OK);  /* none */
    assert_int_not_equal(lm_erc20_decimals(&W.rpc, W.addr[3].b, &dec, &err), LM_OK); /* no code */
    char sym[LM_ERC20_SYMBOL_MAX + 1];
    must(lm_erc20_symbol(&W.rpc, S.tt, sym, &err), &err, "symbol");
    assert_string_equal(sym, "TT18");
    assert_int_equal(lm_erc20_symbol(&W.rpc, W.d.rollup, sym, &err), LM_ERPC); /* reverts */
    deploy_bytes32_token(S.mkr);
    addr_text(S.mkr_text, S.mkr);
    must(lm_erc20_symbol(&W.rpc, S.mkr, sym, &err), &err, "bytes32 symbol");
    assert_string_equal(sym, "MKR");
    must(lm_erc20_decimals(&W.rpc, S.mkr, &dec, &err), &err, "MKR decimals");
    assert_int_equal(dec, 18);
    lm_u256 dep, wd;
    must(lm_bridge_asset_totals(&W.rpc, &W.d, 1, &dep, &wd, &err), &err, "totals");
    assert_true(lm_u256_is_zero(&dep) && lm_u256_is_zero(&wd));
    assert_int_equal(lm_bridge_asset_totals(&W.rpc, &W.d, 7, &dep, &wd, &err), LM_ENOTFOUND);
    /* a unit the Bridge cannot hold: refused before anything is sent */
    lm_u256 big = {{0, 1ull << 32, 0, 0}}; /* 2^96 */
    assert_int_equal(lm_bridge_register_token(&W.admin, &W.d, S.mkr, &big, &id, NULL, &err),
                     LM_EINVAL);
    assert_int_equal(
        lm_bridge_register_token(&W.admin, &W.d, S.mkr, &LM_U256_ZERO, &id, NULL, &err), LM_EINVAL);
}

static void test_register_and_list(void **state)
{
    (void)state;
    lm_err err;
    /* TT18 with a unit of 10^9 base units: 1 L2 unit = 0.000000001 TT18 */
    run_result *r =
        run("token", "register", "--token", S.tt_text, "--unit", "1000000000", "--key-file",
            TDIR "/admin.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    json_t *j = out_json(r);
    S.tt_id = (uint32_t)json_integer_value(json_object_get(j, "assetId"));
    assert_int_equal(S.tt_id, 2);
    assert_string_equal(json_string_value(json_object_get(j, "symbol")), "TT18");
    assert_int_equal(json_integer_value(json_object_get(j, "decimals")), 18);
    assert_int_equal(json_integer_value(json_object_get(j, "unit")), 1000000000);
    json_decref(j);
    uint32_t id;
    must(lm_bridge_asset_id_of(&W.rpc, &W.d, S.tt, &id, &err), &err, "assetIdOf");
    assert_int_equal(id, 2);
    /* refusals: twice, a key without the role, a token without decimals(), bad options */
    r = run("token", "register", "--token", S.tt_text, "--unit", "1", "--key-file",
            TDIR "/admin.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "already registered as asset 2");
    r = run("token", "register", "--token", S.mkr_text, "--unit", "1", "--key-file",
            TDIR "/user.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "lacks the Bridge's TOKEN_ADMIN_ROLE");
    r = run("token", "register", "--token", S.rollup_text, "--unit", "1", "--key-file",
            TDIR "/admin.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "decimals() failed");
    r = run("token", "register", "--token", S.mkr_text, "--unit", "0", "--key-file",
            TDIR "/admin.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    assert_int_equal(r->status, 2);
    r = run("token", "register", "--token", S.mkr_text, "--unit", "79228162514264337593543950336",
            "--key-file", TDIR "/admin.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url,
            NULL);
    assert_int_equal(r->status, 2); /* 2^96 */
    uint64_t count;
    must(lm_bridge_asset_count(&W.rpc, &W.d, &count, &err), &err, "assetCount");
    assert_int_equal(count, 3); /* nothing registered by the refusals */

    /* the bytes32-symbol token, from the environment's key, human output */
    setenv("LAMINA_DEPLOYER_KEY", LM_ANVIL_KEY0, 1);
    r = run("token", "register", "--token", S.mkr_text, "--unit", "1000000000000", "--deployment",
            DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    unsetenv("LAMINA_DEPLOYER_KEY");
    expect_ok(r);
    expect_out(r, "registered as asset 3");
    expect_out(r, "1 L2 unit = 0.000001 MKR");
    /* a contract without decimals(), registered past the CLI (the Bridge takes any contract) */
    lm_u256 one = LM_U256_ONE;
    must(lm_bridge_register_token(&W.admin, &W.d, W.d.rollup, &one, &id, NULL, &err), &err,
         "register");
    assert_int_equal(id, 4);

    r = run("token", "list", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    j = out_json(r);
    assert_int_equal(json_integer_value(json_object_get(j, "assetCount")), 5);
    json_t *as = json_object_get(j, "assets");
    assert_int_equal(json_array_size(as), 5);
    json_t *eth = json_array_get(as, 0), *dev = json_array_get(as, 1), *tt = json_array_get(as, 2),
           *mkr = json_array_get(as, 3), *bad = json_array_get(as, 4);
    assert_true(json_is_null(json_object_get(eth, "token")));
    assert_string_equal(json_string_value(json_object_get(eth, "symbol")), "ETH");
    assert_int_equal(json_integer_value(json_object_get(eth, "unit")), 1000000000);
    assert_string_equal(json_string_value(json_object_get(dev, "symbol")), "ldUSD");
    assert_int_equal(json_integer_value(json_object_get(dev, "decimals")), 6);
    char want[43];
    assert_string_equal(json_string_value(json_object_get(tt, "token")), S.tt_text);
    assert_string_equal(json_string_value(json_object_get(tt, "symbol")), "TT18");
    assert_int_equal(json_integer_value(json_object_get(tt, "decimals")), 18);
    assert_int_equal(json_integer_value(json_object_get(tt, "unit")), 1000000000);
    assert_true(json_is_true(json_object_get(tt, "onL2")));
    assert_string_equal(json_string_value(json_object_get(mkr, "symbol")), "MKR");
    assert_int_equal(json_integer_value(json_object_get(mkr, "unit")), 1000000000000);
    assert_string_equal(json_string_value(json_object_get(bad, "token")),
                        addr_text(want, W.d.rollup));
    assert_true(json_is_null(json_object_get(bad, "symbol")));
    assert_true(json_is_null(json_object_get(bad, "decimals")));
    assert_non_null(
        strstr(json_string_value(json_object_get(bad, "problem")), "decimals() failed"));
    json_decref(j);
    r = run("token", "list", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    expect_out(r, "5 assets");
    expect_out(r, "asset 2  TT18");
    expect_out(r, "18 decimals, unit 1000000000 base units");
    expect_out(r, "asset 3  MKR");
    expect_out(r, "asset 4  (no symbol)");
    r = run("token", "list", "--deployment", DEP_PATH, "--l1-rpc", "http://127.0.0.1:1", NULL);
    assert_int_equal(r->status, 1);
    r = run("token", "frobnicate", NULL);
    assert_int_equal(r->status, 2);
}

/* Waits until addr's L2 balance of asset is want. */
static void wait_l2(const uint8_t addr[20], unsigned asset, uint64_t want)
{
    for (int i = 0; i < 300; i++) {
        if (aw_l2_balance(&S.l2, addr, asset) == want)
            return;
        sleep_ms(100);
    }
    fail_msg("L2 balance of asset %u never reached %llu (have %llu)", asset,
             (unsigned long long)want, (unsigned long long)aw_l2_balance(&S.l2, addr, asset));
}

static void test_deposit_transfer_withdraw(void **state)
{
    (void)state;
    lm_err err;
    lm_seq_config c;
    aw_seq_config(&c, S.dir, &W);
    aw_seq_start(&S.seq, &S.l2, &c);
    snprintf(S.url, sizeof S.url, "http://127.0.0.1:%d", lm_seq_rpc_port(S.seq));
    /* (anvil key 1 is L2 account 0, the fee recipient: the friend is a fresh address) */
    static const uint8_t friend[20] = {0xf1, 0x1e, 0x4d, 0, 0, 0, 0, 0, 0, 0,
                                       0,    0,    0,    0, 0, 0, 0, 0, 0, 0x01};
    const uint8_t *user = W.addr[3].b;
    char user_text[43], friend_text[43];
    addr_text(user_text, user);
    addr_text(friend_text, friend);
    lm_u256 ten = {{10000000000000000000ull, 0, 0, 0}}; /* 10 TT18 */
    must(lm_dev_token_mint_at(&W.user, S.tt, user, &ten, NULL, &err), &err, "mint");
    uint64_t from;
    must(lm_rpc_block_number(&W.rpc, &from, &err), &err, "block");

    /* by address, then by id */
    run_result *r =
        run("deposit", "--amount", "1.5", "--asset", S.tt_text, "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    json_t *j = out_json(r);
    assert_int_equal(json_integer_value(json_object_get(j, "asset")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "units")), 1500000000);
    assert_string_equal(json_string_value(json_object_get(j, "symbol")), "TT18");
    assert_string_equal(json_string_value(json_object_get(j, "token")), S.tt_text);
    json_decref(j);
    r = run("deposit", "--amount", "0.25", "--asset", "2", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    expect_out(r, "depositing 0.25 TT18");
    expect_out(r, "unit 1000000000 base units, 18 decimals");
    uint64_t end;
    must(lm_rpc_block_number(&W.rpc, &end, &err), &err, "block");
    lm_queued_message *m;
    size_t n;
    must(lm_lamina_get_messages(&W.rpc, &W.d, from + 1, end, &m, &n, &err), &err, "messages");
    assert_int_equal(n, 2);
    assert_true(m[0].msg.asset_id == 2 && m[0].msg.amount == 1500000000);
    assert_true(m[1].msg.asset_id == 2 && m[1].msg.amount == 250000000);
    assert_memory_equal(m[0].msg.to, user, 20);
    free(m);
    lm_u256 held, want = {{1750000000000000000ull, 0, 0, 0}};
    must(lm_erc20_balance(&W.rpc, S.tt, W.d.bridge, &held, &err), &err, "balanceOf");
    assert_true(lm_u256_eq(&held, &want)); /* 1.75 TT18 locked */

    /* on L2 */
    wait_l2(user, 2, 1750000000);
    r = run("balance", "--address", user_text, "--deployment", DEP_PATH, "--rpc", S.url, "--l1-rpc",
            W.anvil.url, "--json", NULL);
    expect_ok(r);
    j = out_json(r);
    json_t *b2 = json_object_get(json_object_get(j, "l2"), "2");
    assert_string_equal(json_string_value(json_object_get(b2, "amount")), "1.75");
    assert_int_equal(json_integer_value(json_object_get(b2, "units")), 1750000000);
    assert_string_equal(json_string_value(json_object_get(b2, "symbol")), "TT18");
    assert_string_equal(json_string_value(json_object_get(b2, "token")), S.tt_text);
    assert_int_equal(json_integer_value(json_object_get(b2, "decimals")), 18);
    json_decref(j);
    r = run("balance", "--address", user_text, "--deployment", DEP_PATH, "--rpc", S.url, "--l1-rpc",
            W.anvil.url, NULL);
    expect_ok(r);
    expect_out(r, "TT18     1.75 (asset 2, token ");
    /* without an L1 endpoint named: whole L2 units, as before */
    r = run("balance", "--address", user_text, "--deployment", DEP_PATH, "--rpc", S.url, "--json",
            NULL);
    j = out_json(r);
    b2 = json_object_get(json_object_get(j, "l2"), "2");
    assert_string_equal(json_string_value(json_object_get(b2, "amount")), "1750000000");
    assert_null(json_object_get(b2, "symbol"));
    json_decref(j);

    /* --asset refusals: nothing is sent */
    uint64_t msgs_before;
    must(lm_bridge_message_count(&W.rpc, &W.d, &msgs_before, &err), &err, "messageCount");
    r = run("transfer", "--to", friend_text, "--amount", "0.5", "--asset", "2", "--key-file",
            TDIR "/user.key", "--deployment", DEP_PATH, "--rpc", S.url, NULL);
    expect_fail(r, "pass --l1-rpc URL");
    r = run("transfer", "--to", friend_text, "--amount", "0.0000000001", "--asset", S.tt_text,
            "--key-file", TDIR "/user.key", "--deployment", DEP_PATH, "--rpc", S.url, "--l1-rpc",
            W.anvil.url, NULL);
    expect_fail(r, "precision would be lost");
    r = run("deposit", "--amount", "1.0000000001", "--asset", "2", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "precision would be lost");
    uint8_t other[20];
    char other_text[43];
    must(lm_dev_token_deploy(&W.admin, "Unregistered", "UNR", 18, other, &err), &err, "deploy");
    r = run("deposit", "--amount", "1", "--asset", addr_text(other_text, other), "--key-file",
            TDIR "/user.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "is not registered on the Bridge");
    r = run("deposit", "--amount", "1", "--asset", "6", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "asset 6 is not registered on the Bridge (assetCount is 5");
    r = run("withdraw", "--amount", "1", "--asset", "9", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--rpc", S.url, NULL);
    expect_fail(r, "asset ids 0..7 only");
    r = run("deposit", "--amount", "1", "--asset", "4", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "decimals() failed");
    r = run("deposit", "--amount", "1", "--asset", "bogus", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "--asset: eth, dev, an asset id");
    uint64_t msgs;
    must(lm_bridge_message_count(&W.rpc, &W.d, &msgs, &err), &err, "messageCount");
    assert_int_equal(msgs, msgs_before); /* no deposit went through */
    wait_l2(user, 2, 1750000000);

    /* transfer on L2, by id, the fee in the token */
    r = run("transfer", "--to", friend_text, "--amount", "0.5", "--fee", "0.000000001", "--asset",
            "2", "--key-file", TDIR "/user.key", "--deployment", DEP_PATH, "--rpc", S.url,
            "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    expect_out(r, "transfer 0.5 TT18 (asset 2)");
    wait_l2(friend, 2, 500000000);
    wait_l2(user, 2, 1750000000 - 500000000 - 1);

    /* withdraw on L2 by address, then paid in the token on L1 */
    lm_u256 l1_before, l1_after;
    must(lm_erc20_balance(&W.rpc, S.tt, user, &l1_before, &err), &err, "balanceOf");
    r = run("withdraw", "--amount", "0.25", "--asset", S.tt_text, "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--rpc", S.url, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    j = out_json(r);
    assert_int_equal(json_integer_value(json_object_get(j, "asset")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "amount")), "0.25");
    json_decref(j);
    wait_l2(user, 2, 1750000000 - 500000000 - 1 - 250000000);
    json_t *proof = aw_wait_withdrawal_proof(&S.l2, 200);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(proof, "withdrawal"), "assetId")), 2);
    uint64_t batch = (uint64_t)json_integer_value(json_object_get(proof, "batchIndex"));
    json_decref(proof);
    aw_wait_finalized(&W, batch);
    r = run("withdraw", "finalize", "--id", "0", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", S.url, "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    must(lm_erc20_balance(&W.rpc, S.tt, user, &l1_after, &err), &err, "balanceOf");
    lm_u256 diff, quarter = {{250000000000000000ull, 0, 0, 0}};
    assert_true(lm_u256_sub(&diff, &l1_after, &l1_before));
    assert_true(lm_u256_eq(&diff, &quarter)); /* 0.25 TT18 = 250000000 units x 10^9 */

    /* the Bridge's totals */
    r = run("token", "list", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    j = out_json(r);
    json_t *tt = json_array_get(json_object_get(j, "assets"), 2);
    json_t *dj = json_object_get(tt, "deposited"), *wj = json_object_get(tt, "withdrawn");
    assert_int_equal(json_integer_value(json_object_get(dj, "units")), 1750000000);
    assert_string_equal(json_string_value(json_object_get(dj, "amount")), "1.75");
    assert_string_equal(json_string_value(json_object_get(dj, "base")), "1750000000000000000");
    assert_int_equal(json_integer_value(json_object_get(wj, "units")), 250000000);
    assert_string_equal(json_string_value(json_object_get(wj, "amount")), "0.25");
    json_decref(j);
}

/* The L2 holds balances of asset ids 0..7: the CLI registers no ninth
 * asset and refuses one registered past it. */
static void test_asset_limit(void **state)
{
    (void)state;
    lm_err err;
    uint64_t count;
    must(lm_bridge_asset_count(&W.rpc, &W.d, &count, &err), &err, "assetCount");
    uint8_t tok[20];
    char tok_text[43];
    for (; count < LM_MAX_ASSETS; count++) {
        uint32_t id;
        lm_u256 one = LM_U256_ONE;
        must(lm_dev_token_deploy(&W.admin, "Filler", "FILL", 6, tok, &err), &err, "deploy");
        must(lm_bridge_register_token(&W.admin, &W.d, tok, &one, &id, NULL, &err), &err,
             "register");
        assert_int_equal(id, count);
    }
    must(lm_dev_token_deploy(&W.admin, "Ninth", "NINE", 6, tok, &err), &err, "deploy");
    addr_text(tok_text, tok);
    run_result *r = run("token", "register", "--token", tok_text, "--unit", "1", "--key-file",
                        TDIR "/admin.key", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "a new one would be asset 8");
    uint32_t id;
    lm_u256 one = LM_U256_ONE;
    must(lm_bridge_register_token(&W.admin, &W.d, tok, &one, &id, NULL, &err), &err, "register");
    assert_int_equal(id, 8);
    r = run("deposit", "--amount", "1", "--asset", tok_text, "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "asset 8: the L2 holds balances of asset ids 0..7 only");
    r = run("token", "list", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    expect_out(r, "asset 8  NINE");
    expect_out(r, "not on L2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l1_reads),
        cmocka_unit_test(test_register_and_list),
        cmocka_unit_test(test_deposit_transfer_withdraw),
        cmocka_unit_test(test_asset_limit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
