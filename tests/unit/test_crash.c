/* Crash and bad-input tests of the `lamina node` binary on a real L1 (anvil).
 *
 * test_crash_under_load: a few threads send signed transfers while the node
 *   is killed with SIGKILL at random moments and restarted on the same data
 *   directory; after each restart every acknowledged transaction is still at
 *   its block and position (lamina_getTransaction), and every balance equals
 *   a model computed from the transactions the node holds (the acknowledged
 *   ones, and those committed whose answer the crash cut off).
 * test_bad_input: malformed JSON (-32700), a body over the limit (HTTP 413),
 *   a bad signature, a replay, amount + fee past 2^64 - 1 (INSUFFICIENT), a
 *   deposit past the Bridge's per-asset cap (the reason no L2 credit can
 *   overflow through the node): the node stays up and loses nothing.
 * test_follower_agrees: a follower (lm_derive) over a fresh directory
 *   derives, from L1 alone, the same hash for every block holding an
 *   acknowledged transaction, and finds no output root mismatch.
 * test_foreign_batch: garbage posted to Rollup.appendBatch with the
 *   batcher's key while the node runs: the node stays up and loses nothing,
 *   the follower ignores the garbage and still agrees: the settler finds
 *   its own batches on L1 by hash and proposes the unchanged output for
 *   the foreign one.
 *
 * LM_CRASH_SEED=N changes the kill moments and their number (3 to 5).
 * The node runs as a child process (LM_BINARY_DIR "/lamina"); its output
 * goes to LM_BINARY_DIR "/test_crash.node.log". */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/eip712.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"
#include "lamina/log.h"

#define NSENDERS 4
#define NRECIP 3
#define MAX_RECORDS 8192
#define NODE_LOG LM_BINARY_DIR "/test_crash.node.log"

/* One transaction a worker got a definitive answer for. */
typedef struct rec {
    lm_tx tx;
    uint8_t hash[32];
    uint64_t block, position;
    bool acked; /* the node confirmed it; else found committed after a crash */
} rec;

typedef struct worker {
    int id;
    pthread_t thread;
    uint64_t next_nonce;
    rec *recs;
    size_t n;
    atomic_int idle;
} worker;

static struct {
    lm_anvil anvil;
    lm_rpc l1;
    lm_l1_signer admin, user_l1, batcher_l1;
    lm_seckey keys[4];
    lm_address addr[4];
    lm_deployment d;
    uint8_t domain[32];
    char dir[64], data[96], dep_path[96], bk_path[96], pk_path[96];
    uint16_t port;
    char l2url[64];
    pid_t node;
    lm_rpc l2;
    lm_seckey sk[NSENDERS];
    lm_address sa[NSENDERS];
    uint8_t recip[NRECIP][20];
    uint64_t deposit;        /* L2 units each sender received */
    uint64_t fee_base;       /* the fee recipient's balance before the load */
    worker w[NSENDERS];
    atomic_int pause, stop;
    pthread_mutex_t err_lock;
    char worker_err[512];
    uint64_t rng;
    bool garbage_posted;
    uint64_t garbage_l1_block;
    lm_derive *f;
    uint64_t outputs_checked;
} W;

static void must(lm_code rc, const lm_err *err, const char *what)
{
    if (rc != LM_OK)
        fail_msg("%s: %s (%s)", what, err->msg, lm_code_name(rc));
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* xorshift64*: a seeded PRNG for the kill moments and the amounts. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* ---- the node as a child process ---------------------------------------- */

static bool node_answers(lm_rpc *c)
{
    json_t *res = NULL;
    lm_err err;
    if (lm_rpc_call(c, &res, "lamina_chainId", NULL, &err) != LM_OK)
        return false;
    bool ok = json_is_integer(res) && (uint64_t)json_integer_value(res) == W.d.config.l2_chain_id;
    json_decref(res);
    return ok;
}

static void node_start(void)
{
    char port[8];
    snprintf(port, sizeof port, "%u", W.port);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(NODE_LOG, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(LM_BINARY_DIR "/lamina", "lamina", "node", "--l1-rpc", W.anvil.url, "--deployment",
              W.dep_path, "--data", W.data, "--rpc-port", port, "--batcher-key-file", W.bk_path,
              "--proposer-key-file", W.pk_path, "--confirmations", "0", "--block-ms", "20",
              "--batch-ms", "300", (char *)NULL);
        _exit(127);
    }
    W.node = pid;
    for (int i = 0; i < 600; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            W.node = 0;
            fail_msg("lamina node exited at start (status %d); see " NODE_LOG, st);
        }
        if (node_answers(&W.l2))
            return;
        sleep_ms(50);
    }
    fail_msg("lamina node did not answer within 30 s; see " NODE_LOG);
}

static void node_kill9(void)
{
    assert_true(W.node > 0);
    assert_int_equal(kill(W.node, SIGKILL), 0);
    int st;
    assert_int_equal(waitpid(W.node, &st, 0), W.node);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    W.node = 0;
}

static void node_stop(void)
{
    if (W.node <= 0)
        return;
    kill(W.node, SIGTERM);
    int st;
    for (int i = 0; i < 200; i++) {
        if (waitpid(W.node, &st, WNOHANG) == W.node) {
            W.node = 0;
            return;
        }
        sleep_ms(50);
    }
    kill(W.node, SIGKILL);
    waitpid(W.node, &st, 0);
    W.node = 0;
}

/* ---- JSON-RPC helpers ----------------------------------------------------- */

static lm_code l2_client(lm_rpc *c, lm_err *err)
{
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.max_retries = 0;
    o.timeout_ms = 10000;
    o.connect_timeout_ms = 1000;
    return lm_rpc_init(c, W.l2url, &o, err);
}

static uint64_t qty(const json_t *v)
{
    if (json_is_integer(v))
        return (uint64_t)json_integer_value(v);
    const char *s = json_string_value(v);
    uint64_t x = 0;
    if (!s || !*s)
        fail_msg("not a quantity");
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            fail_msg("not a quantity");
        x = x * 10 + (uint64_t)(*s - '0');
    }
    return x;
}

static uint64_t l2_balance(const uint8_t addr[20])
{
    char p[96], a[43];
    lm_hex_encode(a, addr, 20, true);
    snprintf(p, sizeof p, "[\"%s\", 0]", a);
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(&W.l2, &res, "lamina_getBalance", p, &err), &err, "lamina_getBalance");
    uint64_t v = qty(res);
    json_decref(res);
    return v;
}

static void wait_balance(const uint8_t addr[20], uint64_t want)
{
    uint64_t have = 0;
    for (int i = 0; i < 300; i++) {
        if ((have = l2_balance(addr)) == want)
            return;
        sleep_ms(100);
    }
    fail_msg("L2 balance never reached %llu (have %llu)", (unsigned long long)want,
             (unsigned long long)have);
}

/* Sends tx as wire hex on c. Returns LM_OK (block/position set), or the
 * client's error: LM_ERPC with c->fault.rpc_code and reason (may be NULL). */
static lm_code send_wire(lm_rpc *c, const lm_tx *tx, uint64_t *block, uint64_t *position,
                         char reason[32])
{
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, tx);
    char hex[2 * LM_TX_WIRE_LEN + 3], p[2 * LM_TX_WIRE_LEN + 8];
    lm_hex_encode(hex, wire, sizeof wire, true);
    snprintf(p, sizeof p, "[\"%s\"]", hex);
    json_t *res = NULL;
    lm_err err;
    if (reason)
        reason[0] = '\0';
    lm_code rc = lm_rpc_call(c, &res, "lamina_sendTransaction", p, &err);
    if (rc == LM_OK) {
        if (block)
            *block = qty(json_object_get(res, "block"));
        if (position)
            *position = qty(json_object_get(res, "position"));
        json_decref(res);
        return LM_OK;
    }
    if (rc == LM_ERPC && reason) {
        const char *d = c->fault.rpc_data;
        const char *r = d ? strstr(d, "\"reason\":\"") : NULL;
        if (r) {
            r += 10;
            size_t n = strcspn(r, "\"");
            snprintf(reason, 32, "%.*s", (int)(n < 31 ? n : 31), r);
        }
    }
    return rc;
}

/* lamina_getTransaction: LM_OK and *found (block/position when found). */
static lm_code get_tx(lm_rpc *c, const uint8_t hash[32], bool *found, uint64_t *block,
                      uint64_t *position, bool *status_ok)
{
    char h[67], p[80];
    lm_hex_encode(h, hash, 32, true);
    snprintf(p, sizeof p, "[\"%s\"]", h);
    json_t *res = NULL;
    lm_err err;
    lm_code rc = lm_rpc_call(c, &res, "lamina_getTransaction", p, &err);
    if (rc != LM_OK)
        return rc;
    *found = json_is_object(res);
    if (*found) {
        *block = (uint64_t)json_integer_value(json_object_get(res, "block"));
        *position = (uint64_t)json_integer_value(json_object_get(res, "position"));
        const char *s = json_string_value(json_object_get(res, "status"));
        *status_ok = s && strcmp(s, "ok") == 0;
    }
    json_decref(res);
    return LM_OK;
}

static void make_tx(lm_tx *tx, int sender, const uint8_t to[20], uint64_t amount, uint64_t fee,
                    uint64_t nonce)
{
    memset(tx, 0, sizeof *tx);
    tx->type = LM_TX_TRANSFER;
    tx->chain_id = W.d.config.l2_chain_id;
    memcpy(tx->from, W.sa[sender].b, 20);
    memcpy(tx->to, to, 20);
    tx->asset = 0;
    tx->amount = amount;
    tx->fee = fee;
    tx->nonce = nonce;
    uint8_t digest[32];
    lm_tx_signing_digest(digest, tx, W.domain);
    lm_sig sig;
    lm_err err;
    if (lm_ecdsa_sign(&sig, digest, &W.sk[sender], &err) != LM_OK)
        abort(); /* a fixed valid key: cannot fail */
    memcpy(tx->sig, sig.b, 65);
}

/* ---- the load ------------------------------------------------------------- */

static void worker_fail(const char *fmt, ...)
{
    pthread_mutex_lock(&W.err_lock);
    if (!W.worker_err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(W.worker_err, sizeof W.worker_err, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&W.err_lock);
    atomic_store(&W.stop, 1);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    lm_rpc c;
    lm_err err;
    if (l2_client(&c, &err) != LM_OK) {
        worker_fail("worker %d: client: %s", w->id, err.msg);
        return NULL;
    }
    uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(w->id + 1);
    while (!atomic_load(&W.stop)) {
        if (atomic_load(&W.pause)) {
            atomic_store(&w->idle, 1);
            while (atomic_load(&W.pause) && !atomic_load(&W.stop))
                sleep_ms(5);
            atomic_store(&w->idle, 0);
            continue;
        }
        if (w->n == MAX_RECORDS) {
            sleep_ms(10);
            continue;
        }
        /* to another sender or to one of the plain recipients */
        uint64_t r = rnd(&seed);
        const uint8_t *to = (r & 1) ? W.sa[(w->id + 1 + (int)((r >> 1) % (NSENDERS - 1))) % NSENDERS].b
                                    : W.recip[(r >> 8) % NRECIP];
        rec *x = &w->recs[w->n];
        make_tx(&x->tx, w->id, to, 1 + (r >> 16) % 1000, (r >> 32) % 3, w->next_nonce);
        lm_tx_hash(x->hash, &x->tx);
        /* send until a definitive answer: the node may be down meanwhile */
        for (int attempt = 0;; attempt++) {
            if (attempt > 2000) {
                worker_fail("worker %d: no answer for nonce %llu", w->id,
                            (unsigned long long)w->next_nonce);
                goto out;
            }
            char reason[32];
            lm_code rc = send_wire(&c, &x->tx, &x->block, &x->position, reason);
            if (rc == LM_OK) {
                x->acked = true;
                break;
            }
            if (rc == LM_ERPC && c.fault.rpc_code == -32011) { /* known or full: later */
                sleep_ms(20);
                continue;
            }
            if (rc == LM_ERPC && strcmp(reason, "NONCE_USED") == 0) {
                /* committed before a crash cut off its answer: it must be there */
                bool found = false, ok = false;
                if (get_tx(&c, x->hash, &found, &x->block, &x->position, &ok) != LM_OK) {
                    sleep_ms(20);
                    continue;
                }
                if (!found || !ok) {
                    worker_fail("worker %d: nonce %llu used but its transaction is %s", w->id,
                                (unsigned long long)w->next_nonce, found ? "failed" : "not found");
                    goto out;
                }
                x->acked = false;
                break;
            }
            if (rc == LM_ERPC) {
                worker_fail("worker %d: nonce %llu refused: %lld %s (%s)", w->id,
                            (unsigned long long)w->next_nonce, (long long)c.fault.rpc_code,
                            c.fault.rpc_message, reason);
                goto out;
            }
            sleep_ms(25); /* transport error: the node is down or restarting */
        }
        w->n++;
        w->next_nonce++;
    }
out:
    atomic_store(&w->idle, 1);
    lm_rpc_free(&c);
    return NULL;
}

static void pause_workers(void)
{
    atomic_store(&W.pause, 1);
    for (int i = 0; i < 3000; i++) {
        bool all = true;
        for (int k = 0; k < NSENDERS; k++)
            all = all && atomic_load(&W.w[k].idle);
        if (all)
            return;
        sleep_ms(10);
    }
    fail_msg("the workers did not pause within 30 s (%s)", W.worker_err);
}

/* Every recorded transaction is where it was; balances match the model. */
static void check_consistency(const char *when)
{
    if (W.worker_err[0])
        fail_msg("%s: %s", when, W.worker_err);
    uint64_t bal[NSENDERS], rbal[NRECIP], fees = 0;
    for (int k = 0; k < NSENDERS; k++)
        bal[k] = W.deposit;
    memset(rbal, 0, sizeof rbal);
    size_t total = 0, acked = 0;
    for (int k = 0; k < NSENDERS; k++) {
        for (size_t i = 0; i < W.w[k].n; i++) {
            const rec *x = &W.w[k].recs[i];
            bool found = false, ok = false;
            uint64_t b = 0, p = 0;
            lm_code rc = get_tx(&W.l2, x->hash, &found, &b, &p, &ok);
            if (rc != LM_OK)
                fail_msg("%s: lamina_getTransaction failed", when);
            if (!found || !ok || b != x->block || p != x->position)
                fail_msg("%s: sender %d nonce %llu (%s at block %llu position %llu) is %s at "
                         "block %llu position %llu",
                         when, k, (unsigned long long)x->tx.nonce, x->acked ? "acked" : "committed",
                         (unsigned long long)x->block, (unsigned long long)x->position,
                         found ? (ok ? "found" : "failed") : "missing", (unsigned long long)b,
                         (unsigned long long)p);
            bal[k] -= x->tx.amount + x->tx.fee;
            fees += x->tx.fee;
            for (int j = 0; j < NSENDERS; j++)
                if (memcmp(x->tx.to, W.sa[j].b, 20) == 0)
                    bal[j] += x->tx.amount;
            for (int j = 0; j < NRECIP; j++)
                if (memcmp(x->tx.to, W.recip[j], 20) == 0)
                    rbal[j] += x->tx.amount;
            total++;
            acked += x->acked;
        }
    }
    for (int k = 0; k < NSENDERS; k++)
        if (l2_balance(W.sa[k].b) != bal[k])
            fail_msg("%s: sender %d has %llu, the model %llu", when, k,
                     (unsigned long long)l2_balance(W.sa[k].b), (unsigned long long)bal[k]);
    for (int j = 0; j < NRECIP; j++)
        if (l2_balance(W.recip[j]) != rbal[j])
            fail_msg("%s: recipient %d has %llu, the model %llu", when, j,
                     (unsigned long long)l2_balance(W.recip[j]), (unsigned long long)rbal[j]);
    assert_true(l2_balance(W.addr[1].b) == W.fee_base + fees);
    printf("  %s: %zu transactions (%zu acknowledged, %zu committed without an answer) hold\n",
           when, total, acked, total - acked);
    fflush(stdout);
}

/* ---- setup ---------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    lm_err err;
    lm_log_set_level(LM_LOG_WARN);
    memset(&W, 0, sizeof W);
    pthread_mutex_init(&W.err_lock, NULL);
    W.rng = 0x5eed1234abcdull;
    const char *s = getenv("LM_CRASH_SEED");
    if (s && *s) {
        uint64_t v = 0;
        for (; *s >= '0' && *s <= '9'; s++)
            v = v * 10 + (uint64_t)(*s - '0');
        W.rng = v ? v : W.rng;
    }
    printf("  seed %llu (LM_CRASH_SEED)\n", (unsigned long long)W.rng);
    snprintf(W.dir, sizeof W.dir, "/tmp/lamina-crash-XXXXXX");
    if (!mkdtemp(W.dir))
        return -1;
    snprintf(W.data, sizeof W.data, "%s/node", W.dir);
    snprintf(W.dep_path, sizeof W.dep_path, "%s/deployment.json", W.dir);
    snprintf(W.bk_path, sizeof W.bk_path, "%s/batcher.key", W.dir);
    snprintf(W.pk_path, sizeof W.pk_path, "%s/proposer.key", W.dir);
    if (!write_text(W.bk_path, LM_ANVIL_KEY1 "\n") || !write_text(W.pk_path, LM_ANVIL_KEY2 "\n"))
        return -1;
    if (truncate(NODE_LOG, 0) != 0 && errno != ENOENT)
        return -1;
    if (lm_anvil_start(&W.anvil, NULL, NULL, LM_BINARY_DIR "/test_crash.anvil.log", &err) != LM_OK) {
        fprintf(stderr, "anvil: %s\n", err.msg);
        return -1;
    }
    if (lm_rpc_init(&W.l1, W.anvil.url, NULL, &err) != LM_OK)
        return -1;
    const char *hex[4] = {LM_ANVIL_KEY0, LM_ANVIL_KEY1, LM_ANVIL_KEY2, LM_ANVIL_KEY3};
    for (int i = 0; i < 4; i++) {
        uint8_t raw[32];
        if (lm_hex_decode_exact(raw, 32, hex[i], strlen(hex[i]), LM_HEX_PREFIX_REQUIRED, &err) ||
            lm_seckey_parse(&W.keys[i], raw, &err) ||
            lm_address_from_seckey(&W.addr[i], &W.keys[i], &err))
            return -1;
    }
    /* the L2 senders: fixed test keys 0x11..11, 0x22..22, ... */
    for (int k = 0; k < NSENDERS; k++) {
        uint8_t raw[32];
        memset(raw, 0x11 * (k + 1), 32);
        if (lm_seckey_parse(&W.sk[k], raw, &err) || lm_address_from_seckey(&W.sa[k], &W.sk[k], &err))
            return -1;
        W.w[k].id = k;
        W.w[k].recs = calloc(MAX_RECORDS, sizeof(rec));
        if (!W.w[k].recs)
            return -1;
    }
    for (int j = 0; j < NRECIP; j++)
        for (int b = 0; b < 20; b++)
            W.recip[j][b] = (uint8_t)(0xc0 + j * 16 + b);
    if (lm_l1_signer_init(&W.admin, &W.l1, &W.keys[0], 0, NULL, &err) != LM_OK ||
        lm_l1_signer_init(&W.user_l1, &W.l1, &W.keys[3], 0, NULL, &err) != LM_OK ||
        lm_l1_signer_init(&W.batcher_l1, &W.l1, &W.keys[1], 0, NULL, &err) != LM_OK)
        return -1;
    lm_deploy_opts o;
    memset(&o, 0, sizeof o);
    lm_rollup_config_devnet(&o.config);
    o.batcher = W.addr[1].b;
    o.proposer = W.addr[2].b;
    if (lm_lamina_deploy(&W.admin, &o, &W.d, &err) != LM_OK ||
        lm_deployment_save(&W.d, W.dep_path, &err) != LM_OK) {
        fprintf(stderr, "deploy: %s\n", err.msg);
        return -1;
    }
    lm_eip712_lamina_domain_separator(W.domain, W.d.config.l2_chain_id, W.d.rollup);
    W.port = free_port();
    snprintf(W.l2url, sizeof W.l2url, "http://127.0.0.1:%u", W.port);
    if (l2_client(&W.l2, &err) != LM_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    atomic_store(&W.stop, 1);
    lm_derive_close(W.f);
    node_stop();
    lm_rpc_free(&W.l2);
    lm_l1_signer_free(&W.admin);
    lm_l1_signer_free(&W.user_l1);
    lm_l1_signer_free(&W.batcher_l1);
    lm_rpc_free(&W.l1);
    lm_anvil_stop(&W.anvil);
    for (int k = 0; k < NSENDERS; k++)
        free(W.w[k].recs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", W.dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", W.dir);
    return 0;
}

/* ---- the tests ------------------------------------------------------------ */

static void test_crash_under_load(void **state)
{
    (void)state;
    lm_err err;
    node_start();
    /* fund the senders from L1 */
    W.deposit = 1000000000; /* 1 ETH in gwei */
    lm_u256 wei = lm_u256_from_u64(W.deposit * 1000000000ull);
    for (int k = 0; k < NSENDERS; k++)
        must(lm_bridge_deposit_eth(&W.user_l1, &W.d, W.sa[k].b, &wei, NULL, &err), &err, "deposit");
    for (int k = 0; k < NSENDERS; k++)
        wait_balance(W.sa[k].b, W.deposit);
    W.fee_base = l2_balance(W.addr[1].b);

    for (int k = 0; k < NSENDERS; k++)
        assert_int_equal(pthread_create(&W.w[k].thread, NULL, worker_main, &W.w[k]), 0);
    int kills = 3 + (int)(rnd(&W.rng) % 3);
    for (int round = 0; round < kills; round++) {
        sleep_ms(200 + (unsigned)(rnd(&W.rng) % 1000));
        node_kill9();
        sleep_ms((unsigned)(rnd(&W.rng) % 300));
        node_start();
        sleep_ms(200 + (unsigned)(rnd(&W.rng) % 400)); /* load on the restarted node */
        pause_workers();
        char when[64];
        snprintf(when, sizeof when, "after kill %d of %d", round + 1, kills);
        check_consistency(when);
        atomic_store(&W.pause, 0);
    }
    sleep_ms(300);
    pause_workers();
    atomic_store(&W.stop, 1);
    for (int k = 0; k < NSENDERS; k++)
        pthread_join(W.w[k].thread, NULL);
    check_consistency("at the end of the load");
    size_t total = 0;
    for (int k = 0; k < NSENDERS; k++)
        total += W.w[k].n;
    assert_true(total >= 20); /* the load did run */
}

/* Sender k sends n more transfers, each acknowledged. */
static void send_more(int k, int n, const char *when)
{
    worker *w = &W.w[k];
    for (int i = 0; i < n && w->n < MAX_RECORDS; i++) {
        rec *x = &w->recs[w->n];
        char reason[32];
        make_tx(&x->tx, k, W.recip[2], 10 + (uint64_t)i, 1, w->next_nonce);
        lm_tx_hash(x->hash, &x->tx);
        if (send_wire(&W.l2, &x->tx, &x->block, &x->position, reason) != LM_OK)
            fail_msg("%s: %s %s", when, W.l2.fault.rpc_message, reason);
        x->acked = true;
        w->n++;
        w->next_nonce++;
        sleep_ms(100);
    }
}

/* Raw HTTP POST (for what lm_rpc cannot send). Out: *status and the body
 * (truncated to cap, NUL-terminated). */
typedef struct {
    char *buf;
    size_t len, cap;
} sink;

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t k = size * n;
    size_t room = s->cap - 1 - s->len;
    size_t take = k < room ? k : room;
    memcpy(s->buf + s->len, p, take);
    s->len += take;
    s->buf[s->len] = '\0';
    return k;
}

static void http_post(const char *body, size_t len, long *status, char *out, size_t cap)
{
    CURL *h = curl_easy_init();
    assert_non_null(h);
    sink s = {out, 0, cap};
    out[0] = '\0';
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, W.l2url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    CURLcode rc = curl_easy_perform(h);
    *status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
}

static void test_bad_input(void **state)
{
    (void)state;
    lm_err err;
    assert_true(W.node > 0);
    char out[4096];
    long status;

    /* malformed JSON: -32700 (JSON-RPC 2.0 "Parse error") */
    const char *broken = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"lamina_chainId\",";
    http_post(broken, strlen(broken), &status, out, sizeof out);
    assert_int_equal(status, 200);
    assert_non_null(strstr(out, "-32700"));

    /* a body over the limit (1 MiB): HTTP 413 */
    size_t big = 2u << 20;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    memcpy(huge, "[", 1);
    huge[big - 1] = ']';
    http_post(huge, big, &status, out, sizeof out);
    free(huge);
    assert_int_equal(status, 413);
    assert_true(node_answers(&W.l2));

    /* sender 0 continues from where the load left it */
    worker *w0 = &W.w[0];
    char reason[32];
    lm_tx t;
    make_tx(&t, 0, W.recip[0], 5, 0, w0->next_nonce);
    t.amount = 6; /* signed for 5 */
    assert_int_equal(send_wire(&W.l2, &t, NULL, NULL, reason), LM_ERPC);
    assert_int_equal(W.l2.fault.rpc_code, -32010);
    assert_string_equal(reason, "BAD_SIGNATURE");
    /* a replay of an acknowledged transaction */
    const rec *first = &w0->recs[0];
    lm_code rc = send_wire(&W.l2, &first->tx, NULL, NULL, reason);
    assert_int_equal(rc, LM_ERPC);
    assert_true(W.l2.fault.rpc_code == -32010 || W.l2.fault.rpc_code == -32011);
    if (W.l2.fault.rpc_code == -32010)
        assert_string_equal(reason, "NONCE_USED");
    /* amount + fee past 2^64 - 1: INSUFFICIENT (docs/l2-protocol.md §4:
     * "INSUFFICIENT also when amount + fee exceeds 2^64 − 1") */
    make_tx(&t, 0, W.recip[0], UINT64_MAX, 1, w0->next_nonce);
    assert_int_equal(send_wire(&W.l2, &t, NULL, NULL, reason), LM_ERPC);
    assert_string_equal(reason, "INSUFFICIENT");
    /* An L2 credit cannot overflow through the node: the Bridge keeps every
     * asset's locked total within 2^64 - 1 units ("Everything locked for an
     * asset must fit an L2 uint64 balance"), so a deposit past it reverts.
     * (LM_STF_OVERFLOW itself is tested at the STF level: test_stf.c.) */
    json_t *res = NULL;
    char p[128], a[43];
    lm_hex_encode(a, W.addr[3].b, 20, true);
    snprintf(p, sizeof p, "[\"%s\", \"0x1000000000000000000000000\"]", a); /* 2^96 wei */
    must(lm_rpc_call(&W.l1, &res, "anvil_setBalance", p, &err), &err, "anvil_setBalance");
    json_decref(res);
    lm_u256 units = lm_u256_from_u64(UINT64_MAX), gwei = lm_u256_from_u64(1000000000), wei;
    assert_true(lm_u256_mul(&wei, &units, &gwei));
    assert_int_not_equal(lm_bridge_deposit_eth(&W.user_l1, &W.d, W.recip[1], &wei, NULL, &err), LM_OK);
    assert_non_null(strstr(err.msg, "AssetCapExceeded"));
    lm_l1_signer_free(&W.user_l1); /* its nonce after a refused send: start afresh */
    must(lm_l1_signer_init(&W.user_l1, &W.l1, &W.keys[3], 0, NULL, &err), &err, "signer");

    assert_true(node_answers(&W.l2));
    send_more(0, 5, "after the bad input");
    check_consistency("after the bad input");
    /* and after a kill -9, still */
    node_kill9();
    node_start();
    check_consistency("after the bad input and a kill");
}

static uint64_t highest_acked_block(void)
{
    uint64_t target = 0;
    for (int k = 0; k < NSENDERS; k++)
        for (size_t i = 0; i < W.w[k].n; i++)
            if (W.w[k].recs[i].block > target)
                target = W.w[k].recs[i].block;
    return target;
}

/* Polls the follower (opened on first use) until it has derived every block
 * holding an acknowledged transaction, then compares every block hash with
 * the node's and checks the batches: all applied but the foreign one, no
 * output root mismatch. */
static void follower_check(const char *when)
{
    lm_err err;
    uint64_t target = highest_acked_block();
    if (!W.f) {
        char fdir[128];
        snprintf(fdir, sizeof fdir, "%s/follower", W.dir);
        lm_derive_options o;
        lm_derive_options_default(&o);
        o.confirmations = 0;
        must(lm_derive_open(&W.f, fdir, &W.d, &W.l1, &o, &err), &err, "lm_derive_open");
    }
    lm_derive *f = W.f;
    uint64_t head = 0;
    for (int i = 0; i < 300; i++) {
        lm_derive_progress pr;
        must(lm_derive_poll(f, &pr, &err), &err, "lm_derive_poll");
        W.outputs_checked += pr.outputs_checked;
        lm_derive_head(f, &head, NULL);
        if (head >= target && !pr.more)
            break;
        sleep_ms(100);
    }
    if (head < target)
        fail_msg("%s: the follower reached L2 block %llu, the node confirmed transactions up to "
                 "block %llu", when, (unsigned long long)head, (unsigned long long)target);
    /* every derived block has the node's hash */
    for (uint64_t n = 1; n <= head; n++) {
        uint8_t mine[32], theirs[32];
        must(lm_derive_block_hash(f, n, mine, &err), &err, "lm_derive_block_hash");
        char p[32];
        snprintf(p, sizeof p, "[%llu]", (unsigned long long)n);
        json_t *res = NULL;
        must(lm_rpc_call(&W.l2, &res, "lamina_getBlock", p, &err), &err, "lamina_getBlock");
        const char *h = json_string_value(json_object_get(res, "hash"));
        assert_non_null(h);
        assert_int_equal(lm_hex_decode_exact(theirs, 32, h, strlen(h), LM_HEX_PREFIX_REQUIRED, &err), LM_OK);
        json_decref(res);
        if (memcmp(mine, theirs, 32) != 0)
            fail_msg("%s: block %llu: the follower's hash differs from the node's", when,
                     (unsigned long long)n);
    }
    /* batches: every one applied, but the garbage one, ignored */
    uint64_t nb = lm_derive_batch_count(f), ignored = 0, proposed = 0;
    for (uint64_t i = 0; i < nb; i++) {
        lm_derive_batch_info bi;
        must(lm_derive_batch(f, i, &bi, &err), &err, "lm_derive_batch");
        if (bi.status == LM_DERIVE_BATCH_IGNORED) {
            ignored++;
            if (!W.garbage_posted || bi.l1_block != W.garbage_l1_block)
                fail_msg("%s: batch %llu ignored: %s", when, (unsigned long long)i, bi.reason);
        } else if (bi.status != LM_DERIVE_BATCH_APPLIED) {
            fail_msg("%s: batch %llu: partial: %s", when, (unsigned long long)i, bi.reason);
        }
        proposed += bi.has_proposed;
        if (bi.mismatch)
            fail_msg("%s: batch %llu: the proposed output root differs from the derived one",
                     when, (unsigned long long)i);
    }
    printf("  %s: follower at block %llu, %llu batches (%llu ignored), %llu with an output "
           "proposed, %llu outputs checked\n",
           when, (unsigned long long)head, (unsigned long long)nb, (unsigned long long)ignored,
           (unsigned long long)proposed, (unsigned long long)W.outputs_checked);
    fflush(stdout);
    assert_int_equal(ignored, W.garbage_posted ? 1 : 0);
    assert_int_equal(lm_derive_mismatches(f), 0);
    assert_true(proposed >= 1);
}

static void test_follower_agrees(void **state)
{
    (void)state;
    follower_check("honest chain");
}

/* Garbage posted to the Rollup inbox with the batcher's own key while the
 * node (whose settler uses the same key) runs. The node must stay up and
 * lose nothing; derivation must ignore the garbage (docs/l2-protocol.md
 * §8.3) and still derive every block the node confirms, with no output
 * root mismatch. */
static void test_foreign_batch(void **state)
{
    (void)state;
    lm_err err;
    lm_code rc;
    assert_true(W.node > 0);
    send_more(1, 3, "before the garbage");
    /* garbage posted to the Rollup inbox with the batcher's own key, while
     * the node (whose settler uses the same key) runs */
    uint8_t garbage[300];
    uint64_t g = 0xbadbadbadull;
    for (size_t i = 0; i < sizeof garbage; i++)
        garbage[i] = (uint8_t)rnd(&g);
    lm_l1_receipt r;
    rc = lm_rollup_append_batch(&W.batcher_l1, &W.d, garbage, sizeof garbage, &r, &err);
    if (rc != LM_OK) {
        /* a nonce race with the node's settler: retry once with a fresh signer */
        printf("  garbage batch: first try %s; retrying\n", err.msg);
        lm_l1_signer_free(&W.batcher_l1);
        must(lm_l1_signer_init(&W.batcher_l1, &W.l1, &W.keys[1], 0, NULL, &err), &err, "signer");
        must(lm_rollup_append_batch(&W.batcher_l1, &W.d, garbage, sizeof garbage, &r, &err), &err,
             "appendBatch(garbage)");
    }
    /* anvil mines one transaction per block: the block names the batch */
    W.garbage_posted = true;
    W.garbage_l1_block = r.block_number;
    lm_l1_receipt_free(&r);
    sleep_ms(500); /* let the settler meet it */
    assert_true(node_answers(&W.l2));
    send_more(0, 5, "after the garbage batch");
    check_consistency("after the garbage batch");
    node_kill9();
    node_start();
    send_more(2, 3, "after the garbage batch and a kill");
    check_consistency("after the garbage batch and a kill");
    follower_check("after the garbage batch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_under_load),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_follower_agrees),
        cmocka_unit_test(test_foreign_batch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
