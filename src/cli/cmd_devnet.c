/* lamina devnet: a whole local Lamina — anvil as L1 with the contracts, the
 * sequencer (with its batcher and proposer) and a follower that re-derives
 * every block from L1 — and, with --demo, a deposit, transfers and a
 * withdrawal going all the way through. Runs until Ctrl-C or SIGTERM, then
 * stops everything it started and leaves nothing running. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/derive_serve.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_rpc.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"
#include "lamina/wallet.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: lamina devnet [--dir DIR] [--demo | --no-demo] [--exit]\n"
                    "  --dir DIR   state and logs (default .devnet; emptied at start)\n"
                    "  --demo      a deposit, transfers and a withdrawal, end to end\n"
                    "  --exit      stop after setting up (and the demo) instead of running\n");
    return 2;
}

static const char *const g_keys[4] = {LM_ANVIL_KEY0, LM_ANVIL_KEY1, LM_ANVIL_KEY2, LM_ANVIL_KEY3};
static const char *const g_roles[4] = {"admin, deployer", "batcher", "proposer", "user"};

static lm_code key_at(lm_seckey *k, lm_address *a, int i, lm_err *err)
{
    uint8_t raw[32];
    lm_code rc = lm_hex_decode_exact(raw, 32, g_keys[i], strlen(g_keys[i]), LM_HEX_PREFIX_REQUIRED, err);
    if (rc == LM_OK)
        rc = lm_seckey_parse(k, raw, err);
    if (rc == LM_OK)
        rc = lm_address_from_seckey(a, k, err);
    return rc;
}

static void addr_text(char out[LM_ADDRESS_TEXT_LEN + 1], const uint8_t b[20])
{
    lm_address a;
    memcpy(a.b, b, 20);
    lm_address_to_checksum(out, &a);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the follower, on its own thread, with its /metrics server ------------- */

typedef struct follower {
    pthread_t thread;
    atomic_bool stop;
    lm_rpc rpc;
    lm_derive *dv;
    lm_rpcd *http; /* /metrics, /health, lamina_status */
} follower;

/* Opens the follower and starts its HTTP server on an ephemeral port. */
static lm_code follower_open(follower *f, const char *dir, const char *l1_url,
                             const lm_deployment *d, lm_err *err)
{
    lm_code rc = lm_rpc_init(&f->rpc, l1_url, NULL, err);
    if (rc != LM_OK)
        return rc;
    lm_derive_options o;
    lm_derive_options_default(&o);
    o.confirmations = 1;
    if ((rc = lm_derive_open(&f->dv, dir, d, &f->rpc, &o, err)) != LM_OK ||
        (rc = lm_derive_serve(&f->http, f->dv, NULL, err)) != LM_OK) {
        lm_derive_close(f->dv);
        f->dv = NULL;
        lm_rpc_free(&f->rpc);
        return rc;
    }
    return LM_OK;
}

static void follower_close(follower *f)
{
    lm_rpcd_free(f->http); /* before the follower it reads */
    lm_derive_close(f->dv);
    lm_rpc_free(&f->rpc);
}

static void *follower_main(void *arg)
{
    follower *f = arg;
    lm_err err;
    while (!atomic_load(&f->stop)) {
        lm_derive_progress p;
        if (lm_derive_poll(f->dv, &p, &err) != LM_OK) {
            LM_WARN("follower", "%s", err.msg);
        } else {
            if (p.mismatches)
                LM_ERROR("follower", "%u output root mismatch(es) with L1", p.mismatches);
            if (p.more)
                continue;
        }
        for (int i = 0; i < 5 && !atomic_load(&f->stop); i++)
            sleep_ms(100);
    }
    return NULL;
}

/* ---- the demo ------------------------------------------------------------------ */

static lm_code l2_call(lm_rpc *l2, json_t **res, const char *method, const char *params, lm_err *err)
{
    return lm_rpc_call(l2, res, method, params, err);
}

static lm_code l2_balance(lm_rpc *l2, const uint8_t a[20], uint64_t *out, lm_err *err)
{
    char p[80], t[43];
    lm_hex_encode(t, a, 20, true);
    snprintf(p, sizeof p, "[\"%s\", 0]", t);
    json_t *r = NULL;
    lm_code rc = l2_call(l2, &r, "lamina_getBalance", p, err);
    if (rc == LM_OK)
        rc = lm_json_u64(out, r, "balance", err);
    json_decref(r);
    return rc;
}

/* Signs and sends one transaction; prints its soft confirmation. */
static lm_code send(lm_rpc *l2, const lm_deployment *d, const lm_seckey *k, lm_tx *tx, lm_err *err)
{
    lm_code rc = lm_tx_sign(tx, k, d->rollup, err);
    if (rc != LM_OK)
        return rc;
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, tx);
    char hex[2 * LM_TX_WIRE_LEN + 3], p[2 * LM_TX_WIRE_LEN + 8];
    lm_hex_encode(hex, wire, sizeof wire, true);
    snprintf(p, sizeof p, "[\"%s\"]", hex);
    json_t *r = NULL;
    double t0 = now_ms();
    rc = l2_call(l2, &r, "lamina_sendTransaction", p, err);
    double ms = now_ms() - t0;
    if (rc != LM_OK)
        return rc;
    uint64_t block = 0, pos = 0;
    if (lm_json_u64(&block, json_object_get(r, "block"), "block", err) == LM_OK &&
        lm_json_u64(&pos, json_object_get(r, "position"), "position", err) == LM_OK)
        printf("    soft-confirmed in %.0f ms: L2 block %llu, position %llu, hash %.18s...\n", ms,
               (unsigned long long)block, (unsigned long long)pos,
               json_string_value(json_object_get(r, "hash")));
    json_decref(r);
    return LM_OK;
}

static int demo(lm_rpc *l1, lm_rpc *l2, const lm_deployment *d, follower *fo, lm_err *err)
{
    lm_seckey k;
    lm_address user;
    lm_l1_signer s;
    if (key_at(&k, &user, 3, err) != LM_OK || lm_l1_signer_init(&s, l1, &k, 0, NULL, err) != LM_OK)
        return 1;
    int status = 1;
    static const uint8_t friend_addr[20] = {0x5a, 0x11, 0xde, 0x20, 0x50, 0x10, 0x00, 0x00, 0x00, 0x00,
                                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xbe, 0xef};
    char ut[43], ft[43];
    addr_text(ut, user.b);
    addr_text(ft, friend_addr);
    printf("\ndemo — user %s, friend %s\n", ut, ft);

    printf("1. the user deposits 1 ETH on L1 (Bridge.depositETH)\n");
    lm_u256 wei = lm_u256_from_u64(1000000000000000000ull);
    double t0 = now_ms();
    if (lm_bridge_deposit_eth(&s, d, user.b, &wei, NULL, err) != LM_OK)
        goto out;
    uint64_t bal = 0;
    for (int i = 0; i < 600 && bal == 0; i++) {
        if (l2_balance(l2, user.b, &bal, err) != LM_OK)
            goto out;
        if (bal == 0)
            sleep_ms(100);
    }
    if (bal == 0) {
        lm_err_set(err, LM_ETIMEOUT, "the deposit did not reach L2 within a minute");
        goto out;
    }
    printf("    credited on L2 after %.1f s: %llu gwei\n", (now_ms() - t0) / 1e3,
           (unsigned long long)bal);

    printf("2. three transfers of 0.1 ETH to the friend (EIP-712 signed, JSON-RPC)\n");
    for (uint64_t n = 0; n < 3; n++) {
        lm_tx tx = {.type = LM_TX_TRANSFER, .chain_id = d->config.l2_chain_id, .asset = 0,
                    .amount = 100000000, .fee = 10000, .nonce = n};
        memcpy(tx.from, user.b, 20);
        memcpy(tx.to, friend_addr, 20);
        if (send(l2, d, &k, &tx, err) != LM_OK)
            goto out;
    }
    uint64_t fb;
    if (l2_balance(l2, friend_addr, &fb, err) != LM_OK)
        goto out;
    printf("    the friend holds %llu gwei on L2\n", (unsigned long long)fb);

    printf("3. the user withdraws 0.05 ETH to the friend's L1 address\n");
    lm_tx w = {.type = LM_TX_WITHDRAW, .chain_id = d->config.l2_chain_id, .asset = 0,
               .amount = 50000000, .fee = 10000, .nonce = 3};
    memcpy(w.from, user.b, 20);
    memcpy(w.to, friend_addr, 20);
    if (send(l2, d, &k, &w, err) != LM_OK)
        goto out;

    printf("4. its batch goes to L1 with an output root; the challenge window passes\n");
    lm_withdrawal_claim c;
    bool posted = false;
    t0 = now_ms();
    for (int i = 0; i < 1200 && !posted; i++) {
        json_t *r = NULL;
        if (l2_call(l2, &r, "lamina_getWithdrawalProof", "[0]", err) != LM_OK)
            goto out;
        lm_code rc = lm_wallet_parse_withdrawal_proof(&c, &posted, r, err);
        json_decref(r);
        if (rc != LM_OK)
            goto out;
        if (!posted)
            sleep_ms(100);
    }
    bool fin = false;
    for (int i = 0; i < 1200 && posted && !fin; i++) {
        if (lm_rollup_is_finalized(l1, d, c.batch_index, &fin, NULL) != LM_OK || !fin)
            sleep_ms(100);
    }
    if (!fin) {
        lm_err_set(err, LM_ETIMEOUT, "the withdrawal's output was not final within two minutes");
        goto out;
    }
    printf("    output %llu final after %.1f s\n", (unsigned long long)c.batch_index,
           (now_ms() - t0) / 1e3);

    printf("5. the withdrawal is proven and paid on L1 (Bridge.finalizeWithdrawal)\n");
    if (lm_bridge_finalize_withdrawal(&s, d, c.batch_index, &c.output, &c.withdrawal, c.leaf_index,
                                      (const uint8_t (*)[32])c.proof, c.depth, NULL, err) != LM_OK)
        goto out;
    lm_u256 l1bal;
    if (lm_rpc_get_balance(l1, &l1bal, friend_addr, lm_block_tagged(LM_BLOCK_LATEST), err) != LM_OK)
        goto out;
    char dec[LM_U256_DEC_BUF];
    lm_u256_to_dec(dec, &l1bal);
    printf("    the friend's L1 balance: %s wei\n", dec);

    lm_derive_stats st;
    lm_derive_get_stats(fo->dv, &st);
    printf(
        "6. the follower, from L1 alone, is at L2 block %llu with %llu output root mismatch(es)\n",
        (unsigned long long)st.l2_head, (unsigned long long)st.mismatches);
    status = st.mismatches == 0 ? 0 : 1;
out:
    lm_seckey_wipe(&k);
    lm_l1_signer_free(&s);
    return status;
}

/* ---- the devnet ------------------------------------------------------------------ */

static int write_endpoints(const char *path, const char *l1, int l2_port, int follower_port,
                           const char *dep_path, const lm_deployment *d)
{
    char rollup[43];
    lm_hex_encode(rollup, d->rollup, 20, true);
    char l2[64], fm[64];
    snprintf(l2, sizeof l2, "http://127.0.0.1:%d", l2_port);
    snprintf(fm, sizeof fm, "http://127.0.0.1:%d/metrics", follower_port);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "l1Rpc", l1, "l2Rpc", l2,
                          "followerMetrics", fm, "deployment", dep_path, "l1ChainId",
                          (json_int_t)d->l1_chain_id, "l2ChainId",
                          (json_int_t)d->config.l2_chain_id, "rollup", rollup);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = j ? json_dump_file(j, tmp, JSON_INDENT(2)) : -1;
    json_decref(j);
    return rc == 0 && rename(tmp, path) == 0 ? 0 : -1;
}

int cmd_devnet(int argc, char **argv)
{
    const char *dir = ".devnet";
    bool want_demo = false, exit_after = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--demo") == 0)
            want_demo = true;
        else if (strcmp(argv[i], "--no-demo") == 0)
            want_demo = false;
        else if (strcmp(argv[i], "--exit") == 0)
            exit_after = true;
        else
            return usage();
    }
    if (strlen(dir) > 1000) {
        fprintf(stderr, "lamina devnet: --dir is too long\n");
        return 2;
    }
    char seq_dir[1100], fol_dir[1100], log_path[1100], dep_path[1100], ep_path[1100], cmd[4800];
    snprintf(seq_dir, sizeof seq_dir, "%s/sequencer", dir);
    snprintf(fol_dir, sizeof fol_dir, "%s/follower", dir);
    snprintf(log_path, sizeof log_path, "%s/anvil.log", dir);
    snprintf(dep_path, sizeof dep_path, "%s/deployment.json", dir);
    snprintf(ep_path, sizeof ep_path, "%s/endpoints.json", dir);
    /* a new L1 each time: the L2 state of an earlier devnet is meaningless */
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s' '%s'", seq_dir, fol_dir, ep_path, log_path);
    if (strchr(dir, '\'') || system(cmd) != 0 || (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
        fprintf(stderr, "lamina devnet: cannot prepare %s\n", dir);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    lm_err err;
    lm_anvil anvil;
    printf("starting anvil (L1, a block every second)...\n");
    fflush(stdout);
    static const char *const anvil_args[] = {"--block-time", "1", NULL};
    if (lm_anvil_start(&anvil, NULL, anvil_args, log_path, &err) != LM_OK) {
        fprintf(stderr, "lamina devnet: %s\n", err.msg);
        return 1;
    }
    int status = 1;
    lm_rpc rpc, l2;
    lm_l1_signer admin;
    bool have_rpc = false, have_signer = false, have_l2 = false;
    lm_seq *seq = NULL;
    follower fo;
    memset(&fo, 0, sizeof fo);
    bool fo_open = false, fo_started = false;
    lm_seckey k[4];
    lm_address addr[4];
    for (int i = 0; i < 4; i++)
        if (key_at(&k[i], &addr[i], i, &err) != LM_OK)
            goto out;
    if (lm_rpc_init(&rpc, anvil.url, NULL, &err) != LM_OK)
        goto out;
    have_rpc = true;
    if (lm_l1_signer_init(&admin, &rpc, &k[0], 0, NULL, &err) != LM_OK)
        goto out;
    have_signer = true;
    lm_deploy_opts o;
    memset(&o, 0, sizeof o);
    lm_rollup_config_devnet(&o.config);
    o.batcher = addr[1].b;
    o.proposer = addr[2].b;
    o.dev_token = true;
    lm_deployment d;
    if (cli_deploy(&admin, &o, &d) != 0)
        goto done;
    if (lm_deployment_save(&d, dep_path, &err) != LM_OK)
        goto out;

    printf("starting the sequencer and a follower...\n");
    fflush(stdout);
    lm_seq_config c;
    lm_seq_config_default(&c);
    c.data_dir = seq_dir;
    c.deployment = d;
    c.l1_rpc_url = anvil.url;
    c.l1_confirmations = 1;
    c.settle = true;
    c.batcher_key = k[1];
    c.proposer_key = k[2];
    lm_log_set_level(LM_LOG_WARN);
    if (lm_seq_start(&seq, &c, &err) != LM_OK)
        goto out;
    if (follower_open(&fo, fol_dir, anvil.url, &d, &err) != LM_OK)
        goto out;
    fo_open = true;
    atomic_init(&fo.stop, false);
    if (pthread_create(&fo.thread, NULL, follower_main, &fo) != 0) {
        lm_err_set(&err, LM_EIO, "cannot start the follower");
        goto out;
    }
    fo_started = true;
    char l2url[64];
    snprintf(l2url, sizeof l2url, "http://127.0.0.1:%d", lm_seq_rpc_port(seq));
    if (lm_rpc_init(&l2, l2url, NULL, &err) != LM_OK)
        goto out;
    have_l2 = true;
    if (write_endpoints(ep_path, anvil.url, lm_seq_rpc_port(seq), lm_rpcd_port(fo.http), dep_path,
                        &d) != 0) {
        lm_err_set(&err, LM_EIO, "cannot write %s", ep_path);
        goto out;
    }

    printf("\nLamina devnet is up\n");
    printf("  L1 RPC      %s (anvil, chain id %llu)\n", anvil.url, (unsigned long long)d.l1_chain_id);
    printf("  L2 RPC      %s (sequencer: JSON-RPC over HTTP and WebSocket)\n", l2url);
    printf("  follower    http://127.0.0.1:%d/metrics (re-derives from L1; also /health, "
           "lamina_status)\n",
           lm_rpcd_port(fo.http));
    printf("  L2 chain    %llu, optimistic, challenge window %llu s\n",
           (unsigned long long)d.config.l2_chain_id, (unsigned long long)d.config.challenge_window);
    printf("  deployment  %s\n  endpoints   %s\n  anvil log   %s\n", dep_path, ep_path, log_path);
    char t[43];
    addr_text(t, d.rollup);
    printf("  Rollup      %s\n", t);
    addr_text(t, d.bridge);
    printf("  Bridge      %s\n", t);
    addr_text(t, d.dev_token);
    printf("  DevToken    %s (asset %u)\n", t, d.dev_token_asset_id);
    printf("funded test accounts (anvil's public test keys; never use them for value):\n");
    for (int i = 0; i < 4; i++) {
        addr_text(t, addr[i].b);
        printf("  %s  key %s  (%s)\n", t, g_keys[i], g_roles[i]);
    }
    fflush(stdout);
    if (want_demo && demo(&rpc, &l2, &d, &fo, &err) != 0)
        goto out;
    status = 0;
    if (!exit_after) {
        printf("\nrunning; Ctrl-C stops the devnet\n");
        fflush(stdout);
        while (!g_stop) {
            int st;
            if (waitpid(anvil.pid, &st, WNOHANG) == anvil.pid) {
                anvil.pid = 0;
                fprintf(stderr, "lamina devnet: anvil exited; see %s\n", log_path);
                status = 1;
                break;
            }
            sleep_ms(200);
        }
    }
    goto done;
out:
    fprintf(stderr, "lamina devnet: %s\n", err.msg);
done:
    printf("stopping the devnet\n");
    fflush(stdout);
    if (fo_started) {
        atomic_store(&fo.stop, true);
        pthread_join(fo.thread, NULL);
    }
    if (fo_open)
        follower_close(&fo);
    if (have_l2)
        lm_rpc_free(&l2);
    if (seq)
        lm_seq_stop(seq);
    if (have_signer)
        lm_l1_signer_free(&admin);
    if (have_rpc)
        lm_rpc_free(&rpc);
    for (int i = 0; i < 4; i++)
        lm_seckey_wipe(&k[i]);
    lm_anvil_stop(&anvil);
    return status;
}
