/* The node end to end: signed transfers accepted over JSON-RPC by the
 * sequencer (soft-confirmed: in a block on disk), with p50/p99 latency, next
 * to the machine's signature-recovery limit; the same number of signed ETH
 * transfers sent by the same client to anvil (the L1 node), counted once
 * they are in an anvil block; and the L1 bytes and gas per transfer once
 * the batches are settled.
 *
 * Client: THREADS threads, each with one keep-alive HTTP connection,
 * sending JSON-RPC batches of BATCH transactions (one per sender, so the
 * nonce window is never exceeded) and waiting for each answer. */
#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "bench.h"
#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/keccak.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"
#include "lamina/sequencer.h"

#define THREADS 32
#define BATCH 100
#define SENDERS (THREADS * BATCH)
/* rounds per client thread (LM_BENCH_NODE_ROUNDS, default 20) */
static int g_rounds = 20;
#define ROUNDS g_rounds

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static size_t on_body(char *d, size_t sz, size_t nm, void *u)
{
    buf *b = u;
    size_t n = sz * nm;
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p)
            return 0;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = '\0';
    return n;
}

/* POSTs body; returns the number of answers in the batch reply that carry
 * a "result" (-1 on a transport error). */
static int post(CURL *c, const char *url, const char *body, buf *resp)
{
    resp->n = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (curl_easy_perform(c) != CURLE_OK)
        return -1;
    json_t *j = json_loadb(resp->p ? resp->p : "", resp->n, 0, NULL);
    int ok = 0;
    if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++)
            ok += json_object_get(json_array_get(j, i), "result") != NULL;
    } else if (json_is_object(j)) {
        ok = json_object_get(j, "result") != NULL;
    }
    json_decref(j);
    return ok;
}

typedef struct load {
    const char *url;
    char **bodies; /* [rounds] */
    int rounds;
    int per_round;
    double *lat;   /* [rounds] seconds */
    long accepted;
    int failed_posts;
} load;

static void *load_main(void *arg)
{
    load *l = arg;
    prctl(PR_SET_NAME, "bench-client"); /* shown by top -H and perf */
    CURL *c = curl_easy_init();
    buf resp = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    for (int r = 0; r < l->rounds; r++) {
        double t0 = bench_now();
        int ok = post(c, l->url, l->bodies[r], &resp);
        l->lat[r] = bench_now() - t0;
        if (ok < 0)
            l->failed_posts++;
        else
            l->accepted += ok;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(resp.p);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Busy CPU time of the whole machine so far, in clock ticks (/proc/stat:
 * everything but idle and iowait); *total gets all ticks. */
static double cpu_busy_jiffies(double *total)
{
    unsigned long long v[10] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    fclose(f);
    if (n < 8)
        return 0;
    double all = 0;
    for (int i = 0; i < 8; i++)
        all += (double)v[i];
    if (total)
        *total = all;
    return all - (double)v[3] - (double)v[4];
}

/* CPU seconds this process has used (all threads: node and client). */
static double self_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* CPU seconds of this process's threads that carry one of the node's
 * names (/proc/self/task/<tid>/stat: utime + stime), summed per name into
 * out[NODE_THREADS]. The client threads exit before a second reading, so
 * they are what the process total adds on top. */
#define NODE_THREADS 5
static const char *const node_thread[NODE_THREADS] = {"lm-verify", "lm-build", "lm-rpc", "lm-settle", "lm-l1"};

static void node_threads_cpu(double out[NODE_THREADS])
{
    memset(out, 0, NODE_THREADS * sizeof *out);
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return;
    double tick = (double)sysconf(_SC_CLK_TCK);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], line[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(line, 1, sizeof line - 1, f);
        fclose(f);
        line[n] = '\0';
        char *open = strchr(line, '('), *close = strrchr(line, ')');
        unsigned long ut = 0, st = 0;
        if (!open || !close || close < open ||
            sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
            continue;
        *close = '\0';
        for (int i = 0; i < NODE_THREADS; i++)
            if (strcmp(open + 1, node_thread[i]) == 0)
                out[i] += (double)(ut + st) / tick;
    }
    closedir(d);
}

/* Runs THREADS loads; returns accepted/s. Out: p50/p99 of the latencies,
 * the machine's busy share and this process's CPU seconds over the load. */
static double run_load(load *ls, double *p50, double *p99, double *busy, double *cpu)
{
    pthread_t t[THREADS];
    double c0 = cpu_busy_jiffies(NULL), s0 = self_cpu(), t0 = bench_now();
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, load_main, &ls[i]);
    long acc = 0;
    int n = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        acc += ls[i].accepted;
        n += ls[i].rounds;
    }
    double el = bench_now() - t0, tot1 = 0;
    double b1 = cpu_busy_jiffies(&tot1);
    *cpu = self_cpu() - s0;
    *busy = tot1 > 0 ? (b1 - c0) / (el * (double)sysconf(_SC_CLK_TCK) *
                                    (double)sysconf(_SC_NPROCESSORS_ONLN))
                     : 0;
    double *all = malloc((size_t)n * sizeof *all);
    int k = 0;
    for (int i = 0; i < THREADS; i++)
        for (int r = 0; r < ls[i].rounds; r++)
            all[k++] = ls[i].lat[r];
    qsort(all, (size_t)n, sizeof *all, cmp_d);
    *p50 = all[n / 2];
    *p99 = all[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
    free(all);
    return (double)acc / el;
}

static void key_of(lm_seckey *k, lm_address *a, unsigned i)
{
    uint8_t seed[32];
    char s[32];
    int n = snprintf(s, sizeof s, "lamina-bench-%u", i);
    lm_keccak256(seed, (const uint8_t *)s, (size_t)n);
    if (lm_seckey_parse(k, seed, NULL) != LM_OK || lm_address_from_seckey(a, k, NULL) != LM_OK)
        abort();
}

static char *hexdup(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 3);
    lm_hex_encode(s, b, n, true);
    return s;
}

/* One JSON-RPC batch of raw hex transactions for `method`. */
static char *batch_body(const char *method, char **hex, int n)
{
    size_t cap = 64;
    for (int i = 0; i < n; i++)
        cap += strlen(hex[i]) + 96;
    char *b = malloc(cap), *p = b;
    *p++ = '[';
    for (int i = 0; i < n; i++)
        p += sprintf(p, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":[\"%s\"]}",
                     i ? "," : "", i, method, hex[i]);
    *p++ = ']';
    *p = '\0';
    return b;
}

static lm_code l2_sign(lm_tx *tx, const lm_seckey *k, const uint8_t ds[32])
{
    uint8_t d[32];
    lm_tx_signing_digest(d, tx, ds);
    lm_sig s;
    lm_code rc = lm_ecdsa_sign(&s, d, k, NULL);
    memcpy(tx->sig, s.b, 65);
    return rc;
}

static uint64_t l2_balance(lm_rpc *l2, const uint8_t a[20])
{
    char p[80], t[43];
    lm_hex_encode(t, a, 20, true);
    snprintf(p, sizeof p, "[\"%s\", 0]", t);
    json_t *r = NULL;
    uint64_t v = 0;
    if (lm_rpc_call(l2, &r, "lamina_getBalance", p, NULL) == LM_OK)
        v = (uint64_t)json_integer_value(r);
    json_decref(r);
    return v;
}

int bench_node(double seconds, double recover_1core, double recover_all)
{
    (void)seconds;
    lm_log_set_level(LM_LOG_WARN);
    /* for profiling: LM_BENCH_NODE_ROUNDS sets the load, LM_BENCH_NODE_ANVIL=0
     * skips the anvil comparison */
    const char *env = getenv("LM_BENCH_NODE_ROUNDS");
    long rounds = env ? strtol(env, NULL, 10) : 0;
    if (rounds > 0 && rounds <= 100000)
        g_rounds = (int)rounds;
    env = getenv("LM_BENCH_NODE_ANVIL");
    bool with_anvil = !env || strcmp(env, "0") != 0;
    lm_err err;
    lm_anvil anvil, cmp;
    bool cmp_up = false;
    char dir[] = "/tmp/lamina-bench-XXXXXX";
    if (!mkdtemp(dir) || lm_anvil_start(&anvil, NULL, NULL, NULL, &err) != LM_OK) {
        fprintf(stderr, "bench node: cannot start anvil\n");
        return 1;
    }
    int status = 1;
    lm_rpc l1, l2;
    lm_l1_signer admin, whale_l1;
    lm_seckey k0, k1, k2, k3;
    lm_address a0, a3;
    const char *hex[4] = {LM_ANVIL_KEY0, LM_ANVIL_KEY1, LM_ANVIL_KEY2, LM_ANVIL_KEY3};
    lm_seckey *ks[4] = {&k0, &k1, &k2, &k3};
    for (int i = 0; i < 4; i++) {
        uint8_t raw[32];
        if (lm_hex_decode_exact(raw, 32, hex[i], strlen(hex[i]), LM_HEX_PREFIX_REQUIRED, NULL) ||
            lm_seckey_parse(ks[i], raw, NULL))
            abort();
    }
    if (lm_address_from_seckey(&a0, &k0, NULL) || lm_address_from_seckey(&a3, &k3, NULL) ||
        lm_rpc_init(&l1, anvil.url, NULL, &err) || lm_l1_signer_init(&admin, &l1, &k0, 0, NULL, &err) ||
        lm_l1_signer_init(&whale_l1, &l1, &k3, 0, NULL, &err)) {
        fprintf(stderr, "bench node: %s\n", err.msg);
        goto out_anvil;
    }
    lm_address a1, a2;
    if (lm_address_from_seckey(&a1, &k1, NULL) || lm_address_from_seckey(&a2, &k2, NULL))
        abort();
    lm_deploy_opts o;
    memset(&o, 0, sizeof o);
    lm_rollup_config_devnet(&o.config);
    o.batcher = a1.b;
    o.proposer = a2.b;
    lm_deployment d;
    if (lm_lamina_deploy(&admin, &o, &d, &err) != LM_OK) {
        fprintf(stderr, "bench node: deploy: %s\n", err.msg);
        goto out_anvil;
    }
    lm_seq_config c;
    lm_seq_config_default(&c);
    c.data_dir = dir;
    c.deployment = d;
    c.l1_rpc_url = anvil.url;
    c.l1_confirmations = 0;
    c.l1_poll_ms = 100;
    c.settle = true;
    c.batcher_key = k1;
    c.proposer_key = k2;
    lm_seq *seq;
    if (lm_seq_start(&seq, &c, &err) != LM_OK) {
        fprintf(stderr, "bench node: sequencer: %s\n", err.msg);
        goto out_anvil;
    }
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", lm_seq_rpc_port(seq));
    if (lm_rpc_init(&l2, url, NULL, &err) != LM_OK)
        goto out_seq;

    /* fund: the whale deposits, then pays every sender on L2 */
    lm_u256 wei = lm_u256_from_u64(10000000000000000000ull); /* 10 ETH */
    for (int i = 0; i < 1000 && l2_balance(&l2, a3.b) == 0; i++) {
        if (i == 0 && lm_bridge_deposit_eth(&whale_l1, &d, a3.b, &wei, NULL, &err) != LM_OK) {
            fprintf(stderr, "bench node: deposit: %s\n", err.msg);
            goto out_l2;
        }
        usleep(50000);
    }
    uint8_t ds[32];
    lm_eip712_lamina_domain_separator(ds, d.config.l2_chain_id, d.rollup);
    static lm_seckey sk[SENDERS];
    static lm_address sa[SENDERS];
    for (unsigned i = 0; i < SENDERS; i++)
        key_of(&sk[i], &sa[i], i);
    CURL *cu = curl_easy_init();
    buf resp = {0};
    struct curl_slist *hh = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hh);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, &resp);
    for (unsigned w = 0; w < SENDERS; w += 64) { /* waves within the nonce window */
        char *hx[64];
        unsigned n = SENDERS - w < 64 ? SENDERS - w : 64;
        for (unsigned i = 0; i < n; i++) {
            lm_tx tx = {.type = LM_TX_TRANSFER, .chain_id = d.config.l2_chain_id, .asset = 0,
                        .amount = 1000000, .fee = 0, .nonce = w + i};
            memcpy(tx.from, a3.b, 20);
            memcpy(tx.to, sa[w + i].b, 20);
            if (l2_sign(&tx, &k3, ds) != LM_OK)
                abort();
            uint8_t wire[LM_TX_WIRE_LEN];
            lm_tx_encode(wire, &tx);
            hx[i] = hexdup(wire, sizeof wire);
        }
        char *body = batch_body("lamina_sendTransaction", hx, (int)n);
        int ok = post(cu, url, body, &resp);
        free(body);
        for (unsigned i = 0; i < n; i++)
            free(hx[i]);
        if (ok != (int)n) {
            fprintf(stderr, "bench node: funding wave: %d of %u accepted: %s\n", ok, n,
                    resp.p ? resp.p : "");
            goto out_curl;
        }
    }

    /* pre-sign ROUNDS transfers per sender, grouped per thread and round */
    load ls[THREADS];
    double t_sign = bench_now();
    for (int t = 0; t < THREADS; t++) {
        ls[t] = (load){.url = url, .rounds = ROUNDS, .per_round = BATCH};
        ls[t].bodies = calloc(ROUNDS, sizeof *ls[t].bodies);
        ls[t].lat = calloc(ROUNDS, sizeof *ls[t].lat);
        for (int r = 0; r < ROUNDS; r++) {
            char *hx[BATCH];
            for (int b = 0; b < BATCH; b++) {
                unsigned i = (unsigned)(t * BATCH + b);
                lm_tx tx = {.type = LM_TX_TRANSFER, .chain_id = d.config.l2_chain_id, .asset = 0,
                            .amount = 1, .fee = 0, .nonce = (uint64_t)r};
                memcpy(tx.from, sa[i].b, 20);
                memcpy(tx.to, sa[(i + 1) % SENDERS].b, 20);
                if (l2_sign(&tx, &sk[i], ds) != LM_OK)
                    abort();
                uint8_t wire[LM_TX_WIRE_LEN];
                lm_tx_encode(wire, &tx);
                hx[b] = hexdup(wire, sizeof wire);
            }
            ls[t].bodies[r] = batch_body("lamina_sendTransaction", hx, BATCH);
            for (int b = 0; b < BATCH; b++)
                free(hx[b]);
        }
    }
    t_sign = bench_now() - t_sign;
    double p50, p99;
    lm_seq_stats before;
    lm_seq_get_stats(seq, &before);
    double lamina_busy = 0, anvil_busy = 0, lamina_cpu = 0, anvil_cpu = 0;
    double th0[NODE_THREADS], th1[NODE_THREADS];
    node_threads_cpu(th0);
    double lamina_tps = run_load(ls, &p50, &p99, &lamina_busy, &lamina_cpu);
    node_threads_cpu(th1);
    lm_seq_stats after;
    lm_seq_get_stats(seq, &after);
    long accepted = 0;
    for (int t = 0; t < THREADS; t++)
        accepted += ls[t].accepted;

    /* wait for the settler to post what was sequenced */
    lm_seq_stats st;
    for (int i = 0; i < 600; i++) {
        lm_seq_get_stats(seq, &st);
        if (st.txs_posted >= st.txs_included && st.outputs_proposed >= st.batches_posted &&
            st.batches_posted >= st.batches_closed)
            break;
        usleep(100000);
    }
    lm_seq_stop(seq); /* the settler must not compete with the anvil run */
    seq = NULL;
    /* The same client and count against anvil: signed EIP-1559 ETH
     * transfers, to a second anvil that mines a block every 100 ms (as the
     * sequencer builds one), with a block gas limit that holds them all.
     * A transfer counts once it is in a block, as a Lamina transfer counts
     * once its block is durable: anvil answers eth_sendRawTransaction when
     * it admits the transfer to its pool. Its default automine mode is not
     * used: with 16 or more concurrent batches it stops mining, leaving the
     * pool full and the clients unanswered. */
    load la[THREADS];
    memset(la, 0, sizeof la);
    double a50 = 0, a99 = 0, anvil_tps = 0, anvil_admit_tps = 0, anvil_secs = 0;
    long anvil_acc = 0;
    uint64_t anvil_mined = 0;
    if (with_anvil) {
        static const char *const cmp_args[] = {"--block-time", "0.1", "--gas-limit", "1000000000",
                                               NULL};
        lm_rpc_free(&l1);
        if (lm_anvil_start(&cmp, NULL, cmp_args, NULL, &err) != LM_OK ||
            lm_rpc_init(&l1, cmp.url, NULL, &err) != LM_OK) {
            fprintf(stderr, "bench node: comparison anvil: %s\n", err.msg);
            goto out_curl;
        }
        cmp_up = true;
        for (unsigned i = 0; i < SENDERS; i++) { /* fund the senders on L1 */
            char p[128], t[43];
            lm_hex_encode(t, sa[i].b, 20, true);
            snprintf(p, sizeof p, "[\"%s\", \"0xde0b6b3a7640000\"]", t);
            json_t *r = NULL;
            if (lm_rpc_call(&l1, &r, "anvil_setBalance", p, &err) != LM_OK) {
                fprintf(stderr, "bench node: anvil_setBalance: %s\n", err.msg);
                goto out_curl;
            }
            json_decref(r);
        }
        uint64_t l1_chain;
        if (lm_rpc_chain_id(&l1, &l1_chain, &err) != LM_OK) {
            fprintf(stderr, "bench node: comparison anvil: %s\n", err.msg);
            goto out_curl;
        }
        for (int t = 0; t < THREADS; t++) {
            la[t] = (load){.url = cmp.url, .rounds = ROUNDS, .per_round = BATCH};
            la[t].bodies = calloc(ROUNDS, sizeof *la[t].bodies);
            la[t].lat = calloc(ROUNDS, sizeof *la[t].lat);
            for (int r = 0; r < ROUNDS; r++) {
                char *hx[BATCH];
                for (int b = 0; b < BATCH; b++) {
                    unsigned i = (unsigned)(t * BATCH + b);
                    lm_l1_tx1559 tx;
                    memset(&tx, 0, sizeof tx);
                    tx.chain_id = l1_chain;
                    tx.nonce = (uint64_t)r;
                    tx.max_priority_fee_per_gas = lm_u256_from_u64(1000000000);
                    tx.max_fee_per_gas = lm_u256_from_u64(20000000000ull);
                    tx.gas_limit = 21000;
                    tx.has_to = true;
                    memcpy(tx.to, sa[(i + 1) % SENDERS].b, 20);
                    tx.value = lm_u256_from_u64(1);
                    lm_l1_signed_tx stx;
                    if (lm_l1_tx_sign(&stx, &tx, &sk[i], &err) != LM_OK) {
                        fprintf(stderr, "bench node: sign L1 tx: %s\n", err.msg);
                        goto out_curl;
                    }
                    hx[b] = hexdup(stx.raw, stx.raw_len);
                    lm_l1_signed_tx_free(&stx);
                }
                la[t].bodies[r] = batch_body("eth_sendRawTransaction", hx, BATCH);
                for (int b = 0; b < BATCH; b++)
                    free(hx[b]);
            }
        }
        double tot0 = 0, tot1 = 0, b0 = cpu_busy_jiffies(&tot0), t0 = bench_now();
        anvil_admit_tps = run_load(la, &a50, &a99, &anvil_busy, &anvil_cpu);
        (void)anvil_cpu;
        for (int t = 0; t < THREADS; t++)
            anvil_acc += la[t].accepted;
        /* until the pool is empty (120 s at most), then count what is mined */
        for (int i = 0; i < 12000; i++) {
            json_t *r = NULL;
            bool empty = false;
            if (lm_rpc_call(&l1, &r, "txpool_status", "[]", NULL) == LM_OK) {
                const char *pe = json_string_value(json_object_get(r, "pending"));
                const char *qu = json_string_value(json_object_get(r, "queued"));
                empty = pe && qu && strtoull(pe, NULL, 0) == 0 && strtoull(qu, NULL, 0) == 0;
            }
            json_decref(r);
            if (empty)
                break;
            usleep(10000);
        }
        anvil_secs = bench_now() - t0;
        double b1 = cpu_busy_jiffies(&tot1);
        anvil_busy = (b1 - b0) / ((tot1 - tot0) > 0 ? (tot1 - tot0) : 1);
        for (unsigned i = 0; i < SENDERS; i++) {
            uint64_t n = 0;
            if (lm_rpc_get_transaction_count(
                    &l1, &n, sa[i].b, (lm_block_id){.tag = LM_BLOCK_LATEST}, &err) != LM_OK) {
                fprintf(stderr, "bench node: comparison anvil: %s\n", err.msg);
                goto out_curl;
            }
            anvil_mined += n;
        }
        anvil_tps = (double)anvil_mined / anvil_secs;
    }

    printf("\nnode end to end: %d client threads, JSON-RPC batches of %d, %d senders, %ld transfers"
           " (signing them took %.1f s, not counted)\n",
           THREADS, BATCH, SENDERS, (long)THREADS * BATCH * ROUNDS, t_sign);
    printf("| %-52s | %12s |\n", "figure", "value");
    printf("|%s|%s|\n", "------------------------------------------------------", "--------------");
    printf("| %-52s | %12.0f |\n", "secp256k1 recoveries/s, 1 core (same run)", recover_1core);
    printf("| %-52s | %12.0f |\n", "secp256k1 recoveries/s, all cores (same run)", recover_all);
    printf("| %-52s | %12.0f |\n", "Lamina: signed transfers accepted/s (soft-confirmed)", lamina_tps);
    printf("| %-52s | %11.0f%% |\n", "  as a share of the 1-core recovery limit",
           100 * lamina_tps / recover_1core);
    printf("| %-52s | %11.0f%% |\n", "  as a share of the all-cores recovery limit",
           100 * lamina_tps / recover_all);
    printf("| %-52s | %12ld |\n", "  accepted of sent", accepted);
    uint64_t nb = after.blocks - before.blocks;
    if (nb) {
        printf("| %-52s | %12.0f |\n", "  transfers per L2 block (mean)",
               (double)(after.txs_included - before.txs_included) / (double)nb);
        printf("| %-52s | %9.1f ms |\n", "  block build + durable commit (mean)",
               (double)(after.block_us_sum - before.block_us_sum) / (double)nb / 1e3);
    }
    printf("| %-52s | %11.0f%% |\n", "  machine CPU busy during the load (all processes)",
           100 * lamina_busy);
    if (accepted)
        printf("| %-52s | %9.1f us |\n", "  CPU per transfer, this process (node + client)",
               lamina_cpu / (double)accepted * 1e6);
    if (accepted) {
        double named = 0;
        for (int i = 0; i < NODE_THREADS; i++) {
            char label[64];
            snprintf(label, sizeof label, "    of which thread %s", node_thread[i]);
            printf("| %-52s | %9.1f us |\n", label, (th1[i] - th0[i]) / (double)accepted * 1e6);
            named += th1[i] - th0[i];
        }
        printf("| %-52s | %9.1f us |\n", "    of which the client threads (and the rest)",
               (lamina_cpu - named) / (double)accepted * 1e6);
    }
    printf("| %-52s | %9.1f ms |\n", "  soft confirmation latency p50 (per batch of 100)", p50 * 1e3);
    printf("| %-52s | %9.1f ms |\n", "  soft confirmation latency p99", p99 * 1e3);
    if (with_anvil) {
        printf("| %-52s | %12.0f |\n", "anvil: signed ETH transfers in a block/s (same client)",
               anvil_tps);
        printf("| %-52s | %12llu |\n", "  in a block, of sent", (unsigned long long)anvil_mined);
        printf("| %-52s | %10.2f s |\n", "  first sent to last in a block (100-ms blocks)",
               anvil_secs);
        printf("| %-52s | %12.0f |\n", "  answered (admitted to its pool)/s", anvil_admit_tps);
        printf("| %-52s | %12ld |\n", "  answered with a hash, of sent", anvil_acc);
        printf("| %-52s | %11.0f%% |\n", "  machine CPU busy until the last was in a block",
               100 * anvil_busy);
        printf("| %-52s | %9.1f ms |\n", "  answer latency p50 (admission, per batch of 100)",
               a50 * 1e3);
        printf("| %-52s | %9.1f ms |\n", "  answer latency p99", a99 * 1e3);
        if (anvil_tps > 0)
            printf("| %-52s | %11.1fx |\n", "Lamina over anvil (in a durable block / in a block)",
                   lamina_tps / anvil_tps);
    }
    if (st.txs_posted) {
        printf("| %-52s | %12.1f |\n", "L1 bytes per transfer (batches, zstd)",
               (double)st.l1_batch_bytes / (double)st.txs_posted);
        printf("| %-52s | %12.0f |\n", "L1 gas per transfer (batches + roots, amortized)",
               (double)st.l1_gas_used / (double)st.txs_posted);
        printf("| %-52s | %12llu |\n", "  batches posted",
               (unsigned long long)st.batches_posted);
    }
    status = 0;
    for (int t = 0; t < THREADS; t++)
        for (int r = 0; r < ROUNDS; r++) {
            free(ls[t].bodies[r]);
            if (la[t].bodies)
                free(la[t].bodies[r]);
        }
    for (int t = 0; t < THREADS; t++) {
        free(ls[t].bodies);
        free(ls[t].lat);
        free(la[t].bodies);
        free(la[t].lat);
    }
out_curl:
    curl_slist_free_all(hh);
    curl_easy_cleanup(cu);
    free(resp.p);
out_l2:
    lm_rpc_free(&l2);
out_seq:
    if (seq)
        lm_seq_stop(seq);
out_anvil:
    if (cmp_up)
        lm_anvil_stop(&cmp);
    lm_anvil_stop(&anvil);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench node: could not remove %s\n", dir);
    return status;
}
