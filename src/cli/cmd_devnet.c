/* lamina devnet: a local L1 (anvil) with Lamina's contracts deployed. Runs
 * until Ctrl-C or SIGTERM, then stops its children and leaves nothing
 * running. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lamina/bytes.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_rpc.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: lamina devnet [--dir DIR] [--demo] [--exit]\n"
                    "  --dir DIR  state and logs (default .devnet)\n"
                    "  --demo     deposit ETH and DevToken from a test account and read the events back\n"
                    "  --exit     stop after setting up (and the demo) instead of running until Ctrl-C\n");
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

static void print_addr(const char *label, const uint8_t b[20])
{
    lm_address a;
    char text[LM_ADDRESS_TEXT_LEN + 1];
    memcpy(a.b, b, 20);
    lm_address_to_checksum(text, &a);
    printf("  %-10s %s\n", label, text);
}

static int demo(lm_rpc *rpc, const lm_deployment *d, lm_err *err)
{
    lm_seckey k;
    lm_address user;
    lm_l1_signer s;
    if (key_at(&k, &user, 3, err) != LM_OK || lm_l1_signer_init(&s, rpc, &k, 0, NULL, err) != LM_OK)
        return 1;
    lm_seckey_wipe(&k);
    uint64_t from;
    lm_u256 one_eth = lm_u256_from_u64(1000000000000000000ull);
    lm_u256 hundred = lm_u256_from_u64(100000000); /* 100 ldUSD, 6 decimals */
    int status = 1;
    printf("\ndemo: the user deposits 1 ETH and 100 ldUSD to its L2 account\n");
    if (lm_rpc_block_number(rpc, &from, err) != LM_OK ||
        lm_bridge_deposit_eth(&s, d, user.b, &one_eth, NULL, err) != LM_OK ||
        lm_dev_token_mint(&s, d, user.b, &hundred, NULL, err) != LM_OK ||
        lm_bridge_deposit_erc20(&s, d, d->dev_token, &hundred, user.b, NULL, err) != LM_OK)
        goto out;
    uint64_t to;
    lm_queued_message *m = NULL;
    size_t n = 0;
    if (lm_rpc_block_number(rpc, &to, err) != LM_OK ||
        lm_lamina_get_messages(rpc, d, from + 1, to, &m, &n, err) != LM_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char qh[67];
        lm_hex_encode(qh, m[i].queue_hash, 32, true);
        printf("  L1 block %llu: message %llu, deposit of %llu units of asset %u, queue hash %.18s...\n",
               (unsigned long long)m[i].block_number, (unsigned long long)m[i].msg.index,
               (unsigned long long)m[i].msg.amount, m[i].msg.asset_id, qh);
    }
    free(m);
    status = n == 2 ? 0 : 1;
    if (status)
        lm_err_set(err, LM_EPROTO, "expected 2 deposit events, read %zu", n);
out:
    lm_l1_signer_free(&s);
    return status;
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
        else if (strcmp(argv[i], "--exit") == 0)
            exit_after = true;
        else
            return usage();
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "lamina devnet: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char log_path[4096], dep_path[4096];
    snprintf(log_path, sizeof log_path, "%s/anvil.log", dir);
    snprintf(dep_path, sizeof dep_path, "%s/deployment.json", dir);
    lm_err err;
    lm_anvil anvil;
    printf("starting anvil (L1)...\n");
    fflush(stdout);
    if (lm_anvil_start(&anvil, NULL, NULL, log_path, &err) != LM_OK) {
        fprintf(stderr, "lamina devnet: %s\n", err.msg);
        return 1;
    }
    int status = 1;
    lm_rpc rpc;
    lm_l1_signer admin;
    bool have_rpc = false, have_signer = false;
    lm_seckey k;
    lm_address addr[4];
    for (int i = 3; i >= 0; i--) /* ends with key 0, the admin's */
        if (key_at(&k, &addr[i], i, &err) != LM_OK)
            goto out;
    if (lm_rpc_init(&rpc, anvil.url, NULL, &err) != LM_OK)
        goto out;
    have_rpc = true;
    lm_code rc = lm_l1_signer_init(&admin, &rpc, &k, 0, NULL, &err);
    lm_seckey_wipe(&k);
    if (rc != LM_OK)
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

    printf("\nLamina devnet is up\n");
    printf("  L1 RPC     %s (chain id %llu)\n", anvil.url, (unsigned long long)d.l1_chain_id);
    printf("  L2 chain   %llu, mode optimistic, challenge window %llu s\n",
           (unsigned long long)d.config.l2_chain_id, (unsigned long long)d.config.challenge_window);
    printf("  deployment %s\n  anvil log  %s\n", dep_path, log_path);
    printf("funded test accounts (anvil's public test keys; never use them for value):\n");
    for (int i = 0; i < 4; i++) {
        char text[LM_ADDRESS_TEXT_LEN + 1];
        lm_address_to_checksum(text, &addr[i]);
        printf("  %s  key %s  (%s)\n", text, g_keys[i], g_roles[i]);
    }
    print_addr("Rollup", d.rollup);
    print_addr("Bridge", d.bridge);
    print_addr("DevToken", d.dev_token);
    if (want_demo && demo(&rpc, &d, &err) != 0)
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
            struct timespec ts = {0, 200000000L};
            nanosleep(&ts, NULL);
        }
    }
    goto done;
out:
    fprintf(stderr, "lamina devnet: %s\n", err.msg);
done:
    if (have_signer)
        lm_l1_signer_free(&admin);
    if (have_rpc)
        lm_rpc_free(&rpc);
    printf("stopping the devnet\n");
    lm_anvil_stop(&anvil);
    return status;
}
