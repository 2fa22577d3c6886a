/* lamina node --follow: a follower. It derives every L2 block from L1 alone
 * (lamina/derive.h, docs/derivation.md) and checks the output roots
 * proposed on L1; with --metrics it serves its statistics over HTTP
 * (lamina/derive_serve.h). main.c sends `lamina node` with --follow here; the
 * sequencer side of `lamina node` is cmd_sequencer. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/derive_serve.h"
#include "lamina/l1_rpc.h"
#include "lamina/log.h"

static int follow_usage(void)
{
    fprintf(stderr,
            "usage: lamina node --follow --l1-rpc URL --deployment FILE [--data DIR]\n"
            "                   [--confirmations N] [--interval-ms N] [--check] [--once]\n"
            "                   [--metrics ADDR:PORT] [--log-level trace|debug|info|warn|error]\n"
            "Derives the L2 chain from L1 alone and compares every proposed output root.\n"
            "  --data DIR         where the derived state is kept (default: lamina-follow)\n"
            "  --confirmations N  L1 blocks on top before a block is read (default 2)\n"
            "  --interval-ms N    time between polls (default 2000)\n"
            "  --check            exit with status 1 as soon as an output root mismatches\n"
            "  --once             read what L1 has now, print a summary and exit\n"
            "  --metrics ADDR:PORT  serve GET /metrics (Prometheus), GET /health and the\n"
            "                     lamina_status JSON-RPC there (port 0: any free port)\n");
    return 2;
}

/* "HOST:PORT" (the last colon splits; HOST may be "[v6]"). Out: host (NUL-
 * terminated), *port. Returns: false when malformed. */
static bool parse_host_port(const char *s, char *host, size_t cap, int *port)
{
    const char *colon = strrchr(s, ':');
    uint64_t p;
    if (!colon || colon == s || !cli_parse_u64(colon + 1, &p) || p > 65535)
        return false;
    size_t n = (size_t)(colon - s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        s++;
        n -= 2;
    }
    if (n == 0 || n >= cap)
        return false;
    memcpy(host, s, n);
    host[n] = '\0';
    *port = (int)p;
    return true;
}

static volatile sig_atomic_t follow_stop;

static void follow_on_signal(int sig)
{
    (void)sig;
    follow_stop = 1;
}


static void print_progress(const lm_derive_progress *p, uint64_t mismatches)
{
    char h[67];
    lm_hex_encode(h, p->head_hash, 32, true);
    if (p->read)
        printf("L1 %llu..%llu: ", (unsigned long long)p->l1_from, (unsigned long long)p->l1_to);
    printf("%u batch(es) (%u ignored), %llu block(s) (%llu rejected), %llu message(s) "
           "(%llu forced), %u output(s) checked, %u mismatch(es)%s%s; L2 head %llu %s; "
           "mismatches in all: %llu\n",
           p->batches, p->batches_ignored, (unsigned long long)p->blocks,
           (unsigned long long)p->blocks_rejected, (unsigned long long)p->messages,
           (unsigned long long)p->forced_messages, p->outputs_checked, p->mismatches,
           p->reorg ? ", L1 reorg" : "", p->rederived ? " (re-derived)" : "",
           (unsigned long long)p->head, h, (unsigned long long)mismatches);
    if (p->has_output) {
        lm_hex_encode(h, p->last_output_root, 32, true);
        printf("  last batch %llu, output root %s\n", (unsigned long long)p->last_batch, h);
    }
    fflush(stdout);
}

int cmd_follow(int argc, char **argv)
{
    const char *url = NULL, *dep_path = NULL, *data = "lamina-follow";
    bool check = false, once = false;
    const char *metrics_at = NULL;
    char metrics_host[256];
    int metrics_port = 0;
    lm_derive_options o;
    lm_derive_options_default(&o);
    uint64_t interval_ms = 2000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--follow") == 0)
            continue;
        if (strcmp(a, "--check") == 0) {
            check = true;
            continue;
        }
        if (strcmp(a, "--once") == 0) {
            once = true;
            continue;
        }
        if (!v)
            return follow_usage();
        i++;
        uint64_t n;
        if (strcmp(a, "--l1-rpc") == 0)
            url = v;
        else if (strcmp(a, "--deployment") == 0)
            dep_path = v;
        else if (strcmp(a, "--data") == 0)
            data = v;
        else if (strcmp(a, "--metrics") == 0) {
            if (!parse_host_port(v, metrics_host, sizeof metrics_host, &metrics_port))
                return follow_usage();
            metrics_at = v;
        } else if (strcmp(a, "--confirmations") == 0) {
            if (!cli_parse_u64(v, &n) || n > 1000000)
                return follow_usage();
            o.confirmations = (uint32_t)n;
        } else if (strcmp(a, "--interval-ms") == 0) {
            if (!cli_parse_u64(v, &interval_ms) || interval_ms > 3600000)
                return follow_usage();
        } else if (strcmp(a, "--log-level") == 0) {
            lm_log_level lv;
            if (lm_log_level_parse(v, &lv) != 0)
                return follow_usage();
            lm_log_set_level(lv);
        } else
            return follow_usage();
    }
    if (!url || !dep_path)
        return follow_usage();
    lm_err err;
    lm_deployment d;
    if (lm_deployment_load(&d, dep_path, &err) != LM_OK) {
        fprintf(stderr, "lamina node: %s: %s\n", dep_path, err.msg);
        return 1;
    }
    lm_rpc rpc;
    if (lm_rpc_init(&rpc, url, NULL, &err) != LM_OK) {
        fprintf(stderr, "lamina node: --l1-rpc: %s\n", err.msg);
        return 1;
    }
    lm_derive *f;
    if (lm_derive_open(&f, data, &d, &rpc, &o, &err) != LM_OK) {
        fprintf(stderr, "lamina node: %s\n", err.msg);
        lm_rpc_free(&rpc);
        return 1;
    }
    lm_rpcd *http = NULL;
    if (metrics_at) {
        lm_rpcd_opts ho;
        lm_rpcd_opts_default(&ho);
        ho.host = metrics_host;
        ho.port = metrics_port;
        if (lm_derive_serve(&http, f, &ho, &err) != LM_OK) {
            fprintf(stderr, "lamina node: --metrics %s: %s\n", metrics_at, err.msg);
            lm_derive_close(f);
            lm_rpc_free(&rpc);
            return 1;
        }
        bool v6 = strchr(metrics_host, ':') != NULL;
        printf("metrics: http://%s%s%s:%d/metrics\n", v6 ? "[" : "", metrics_host, v6 ? "]" : "",
               lm_rpcd_port(http));
        fflush(stdout);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = follow_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int status = 0;
    while (!follow_stop) {
        lm_derive_progress p;
        lm_code rc = lm_derive_poll(f, &p, &err);
        if (rc != LM_OK) {
            fprintf(stderr, "lamina node: poll: %s (%s)\n", err.msg, lm_code_name(rc));
            if (once) {
                status = 1;
                break;
            }
        } else if (once || p.batches || p.outputs_checked || p.reorg) {
            print_progress(&p, lm_derive_mismatches(f));
        }
        if (check && lm_derive_mismatches(f) > 0) {
            fprintf(stderr, "lamina node: --check: %llu output root(s) do not match\n",
                    (unsigned long long)lm_derive_mismatches(f));
            status = 1;
            break;
        }
        if (rc == LM_OK && p.more)
            continue; /* L1 has more confirmed blocks than one poll reads */
        if (once)
            break;
        struct timespec ts = {(time_t)(interval_ms / 1000), (long)(interval_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    lm_rpcd_free(http); /* before the follower it reads */
    lm_derive_close(f);
    lm_rpc_free(&rpc);
    return status;
}
