/* lamina node: the sequencer (with --follow: a derivation node). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: lamina node --l1-rpc URL --deployment FILE [--data DIR] [--rpc-port N]\n"
            "                   [--batcher-key-file F --proposer-key-file F]\n"
            "                   [--block-ms N] [--batch-ms N] [--confirmations N] [--min-fee GWEI]\n"
            "       lamina node --follow ... (a derivation node: lamina node --follow --help)\n"
            "Runs the sequencer until Ctrl-C or SIGTERM. With both key files (or\n"
            "LAMINA_BATCHER_KEY / LAMINA_PROPOSER_KEY) it also posts batches and output\n"
            "roots to L1.\n");
    return 2;
}

int cmd_sequencer(int argc, char **argv)
{
    lm_seq_config c;
    lm_seq_config_default(&c);
    const char *dep_path = NULL, *bk = NULL, *pk = NULL;
    c.data_dir = "lamina-data";
    uint64_t v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!val)
            return usage();
        i++;
        if (strcmp(a, "--l1-rpc") == 0)
            c.l1_rpc_url = val;
        else if (strcmp(a, "--deployment") == 0)
            dep_path = val;
        else if (strcmp(a, "--data") == 0)
            c.data_dir = val;
        else if (strcmp(a, "--batcher-key-file") == 0)
            bk = val;
        else if (strcmp(a, "--proposer-key-file") == 0)
            pk = val;
        else if (strcmp(a, "--rpc-port") == 0 && cli_parse_u64(val, &v) && v < 65536)
            c.rpc_port = (uint16_t)v;
        else if (strcmp(a, "--block-ms") == 0 && cli_parse_u64(val, &v) && v > 0 && v < 60000)
            c.block_interval_ms = (uint32_t)v;
        else if (strcmp(a, "--batch-ms") == 0 && cli_parse_u64(val, &v) && v > 0 && v < 3600000)
            c.batch_interval_ms = (uint32_t)v;
        else if (strcmp(a, "--confirmations") == 0 && cli_parse_u64(val, &v) && v < 1000)
            c.l1_confirmations = v;
        else if (strcmp(a, "--min-fee") == 0 && cli_parse_u64(val, &v))
            c.min_fee = v;
        else
            return usage();
    }
    if (!c.l1_rpc_url || !dep_path)
        return usage();
    lm_err err;
    if (lm_deployment_load(&c.deployment, dep_path, &err) != LM_OK) {
        fprintf(stderr, "lamina node: %s\n", err.msg);
        return 2;
    }
    bool have_b = bk || getenv("LAMINA_BATCHER_KEY");
    bool have_p = pk || getenv("LAMINA_PROPOSER_KEY");
    if (have_b != have_p) {
        fprintf(stderr, "lamina node: give both the batcher and the proposer key, or neither\n");
        return 2;
    }
    if (have_b) {
        if (cli_load_key(&c.batcher_key, bk, "LAMINA_BATCHER_KEY", &err) != LM_OK ||
            cli_load_key(&c.proposer_key, pk, "LAMINA_PROPOSER_KEY", &err) != LM_OK) {
            fprintf(stderr, "lamina node: %s\n", err.msg);
            return 2;
        }
        c.settle = true;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    lm_seq *s;
    lm_code rc = lm_seq_start(&s, &c, &err);
    lm_seckey_wipe(&c.batcher_key);
    lm_seckey_wipe(&c.proposer_key);
    if (rc != LM_OK) {
        fprintf(stderr, "lamina node: %s\n", err.msg);
        return 1;
    }
    printf("sequencer running: JSON-RPC http://127.0.0.1:%d (Ctrl-C stops)\n", lm_seq_rpc_port(s));
    fflush(stdout);
    while (!g_stop) {
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
    lm_seq_stop(s);
    return 0;
}
