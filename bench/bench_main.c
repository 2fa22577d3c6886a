/* lamina-bench: the physical limits that later goals are measured against,
 * and the node's figures.
 *
 *   lamina-bench [primitives|stf|stark|node|all] [--seconds S] [--threads T]
 *
 * Each figure is the best of three runs of about S/3 seconds (default 3 s in
 * all). "per core" figures run on one thread; the "all cores" column runs T
 * threads (default: the number of online cores), each on its own data. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "lamina/bytes.h"
#include "lamina/goldilocks.h"
#include "lamina/gpu.h"
#include "lamina/keccak.h"
#include "lamina/l2tx.h"
#include "lamina/poseidon2.h"
#include "lamina/secp256k1.h"

static double g_seconds = 3.0;

int bench_stf(double seconds);
int bench_stark(unsigned threads);
int bench_gpu(unsigned threads);
int bench_node(double seconds, double recover_1core, double recover_all);

typedef double (*bench_fn)(double seconds); /* returns operations per second */

/* Keccak-256 over 1 MiB buffers: bytes per second. */
static double bench_keccak_bulk(double seconds)
{
    enum { LEN = 1 << 20 };
    static _Thread_local uint8_t buf[LEN];
    memset(buf, 0xa5, sizeof buf);
    uint8_t out[32];
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        lm_keccak256(out, buf, LEN);
        buf[0] = out[0];
        n++;
    } while ((t = bench_now()) - t0 < seconds);
    return (double)n * LEN / (t - t0);
}

/* Keccak-256 of 64-byte inputs (a Merkle node): hashes per second. */
static double bench_keccak_64(double seconds)
{
    uint8_t buf[64] = {1}, out[32];
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 1024; i++) {
            lm_keccak256(out, buf, sizeof buf);
            memcpy(buf, out, 32);
        }
        n += 1024;
    } while ((t = bench_now()) - t0 < seconds);
    return (double)n / (t - t0);
}

/* Poseidon2 permutations (width 12), chained: permutations per second. */
static double bench_poseidon2(double seconds)
{
    lm_gl st[LM_P2_WIDTH];
    for (int i = 0; i < LM_P2_WIDTH; i++)
        st[i] = (lm_gl)i;
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 1024; i++)
            lm_poseidon2_permute(st);
        n += 1024;
    } while ((t = bench_now()) - t0 < seconds);
    BENCH_KEEP(st[0]);
    return (double)n / (t - t0);
}

/* Poseidon2 permutations of 64 independent states at a time
 * (lm_poseidon2_permute_many: 8 side by side in vector lanes where the CPU
 * can; the implementation is the one lm_poseidon2_set_impl chose). */
static double bench_poseidon2_many(double seconds)
{
    enum { N = 64 };
    lm_gl st[N][LM_P2_WIDTH];
    for (int j = 0; j < N; j++)
        for (int i = 0; i < LM_P2_WIDTH; i++)
            st[j][i] = (lm_gl)(j * LM_P2_WIDTH + i);
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 16; i++)
            lm_poseidon2_permute_many(st, N);
        n += 16 * N;
    } while ((t = bench_now()) - t0 < seconds);
    BENCH_KEEP(st[0][0]);
    return (double)n / (t - t0);
}

/* Goldilocks multiplications, four independent chains (throughput). */
static double bench_gl_mul(double seconds)
{
    lm_gl a = 3, b = 5, c = 7, d = 11;
    const lm_gl m = 0x123456789abcdefull % LM_GL_P;
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 4096; i++) {
            a = lm_gl_mul(a, m);
            b = lm_gl_mul(b, m);
            c = lm_gl_mul(c, m);
            d = lm_gl_mul(d, m);
        }
        n += 4 * 4096;
    } while ((t = bench_now()) - t0 < seconds);
    BENCH_KEEP(a ^ b ^ c ^ d);
    return (double)n / (t - t0);
}

/* secp256k1 public-key recoveries (ecrecover): recoveries per second. */
static double bench_secp_recover(double seconds)
{
    enum { N = 64 };
    lm_seckey key;
    uint8_t digest[N][32];
    lm_sig sig[N];
    for (int i = 0; i < N; i++) {
        memset(digest[i], i + 1, 32);
        memset(key.b, 0, sizeof key.b);
        key.b[31] = (uint8_t)(i + 1);
        if (lm_ecdsa_sign(&sig[i], digest[i], &key, NULL) != LM_OK)
            abort();
    }
    lm_seckey_wipe(&key);
    lm_address addr;
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < N; i++)
            if (lm_ecdsa_recover_address(&addr, digest[i], &sig[i], NULL) != LM_OK)
                abort();
        n += N;
    } while ((t = bench_now()) - t0 < seconds);
    BENCH_KEEP(addr.b[0]);
    return (double)n / (t - t0);
}

/* JSON parsing of a client's JSON-RPC batch, as the node's server thread
 * does it (jansson, the server's flags): a batch of 100
 * lamina_sendTransaction calls, each a signed transfer's wire bytes in hex.
 * Returns: calls per second. */
static double bench_json_batch(double seconds)
{
    enum { CALLS = 100 };
    char hex[2 * LM_TX_WIRE_LEN + 3];
    uint8_t wire[LM_TX_WIRE_LEN];
    for (size_t i = 0; i < sizeof wire; i++)
        wire[i] = (uint8_t)(i * 37 + 11);
    lm_hex_encode(hex, wire, sizeof wire, true);
    size_t cap = CALLS * (sizeof hex + 96) + 2, len = 0;
    char *body = malloc(cap);
    if (!body)
        abort();
    body[len++] = '[';
    for (int i = 0; i < CALLS; i++)
        len += (size_t)snprintf(
            body + len, cap - len,
            "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"lamina_sendTransaction\","
            "\"params\":[\"%s\"]}",
            i ? "," : "", i, hex);
    body[len++] = ']';
    uint64_t n = 0;
    double t0 = bench_now(), t;
    do {
        json_error_t e;
        json_t *j = json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
        if (json_array_size(j) != CALLS)
            abort();
        json_decref(j);
        n += CALLS;
    } while ((t = bench_now()) - t0 < seconds);
    free(body);
    return (double)n / (t - t0);
}

static double best_of_3(bench_fn fn)
{
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double v = fn(g_seconds / 3);
        if (v > best)
            best = v;
    }
    return best;
}

struct par_arg {
    bench_fn fn;
    double result;
};

static void *par_run(void *p)
{
    struct par_arg *a = p;
    a->result = best_of_3(a->fn);
    return NULL;
}

/* Runs fn on `threads` threads at once; returns the summed rate. */
static double parallel(bench_fn fn, int threads)
{
    pthread_t tid[64];
    struct par_arg arg[64];
    double sum = 0;
    for (int i = 0; i < threads; i++) {
        arg[i].fn = fn;
        pthread_create(&tid[i], NULL, par_run, &arg[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        sum += arg[i].result;
    }
    return sum;
}

static void row(const char *name, const char *unit, double scale, bench_fn fn, int threads)
{
    double one = best_of_3(fn) / scale;
    double all = threads > 1 ? parallel(fn, threads) / scale : one;
    printf("| %-34s | %14.2f | %14.2f | %-10s |\n", name, one, all, unit);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 1;
    const char *what = "all";
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' && i == 1)
            what = argv[i];
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            g_seconds = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (int)strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: lamina-bench [primitives|stf|stark|node|all] [--seconds S] [--threads T]\n");
            return 2;
        }
    }
    if (g_seconds <= 0 || threads < 1 || threads > 64) {
        fprintf(stderr, "lamina-bench: bad --seconds or --threads\n");
        return 2;
    }
    if (lm_secp256k1_init(NULL) != LM_OK) {
        fprintf(stderr, "lamina-bench: secp256k1 context failed\n");
        return 1;
    }
    bool all = strcmp(what, "all") == 0;
    if (!all && strcmp(what, "primitives") && strcmp(what, "stf") && strcmp(what, "stark") &&
        strcmp(what, "node")) {
        fprintf(stderr, "lamina-bench: unknown benchmark '%s'\n", what);
        return 2;
    }
    if (all || strcmp(what, "primitives") == 0) {
        printf("lamina-bench: best of 3 runs, %.1f s per figure, %d thread(s) in the last column\n\n",
               g_seconds, threads);
        printf("| %-34s | %14s | %14s | %-10s |\n", "benchmark", "per core", "all cores", "unit");
        printf("|%s|%s|%s|%s|\n", "------------------------------------", "----------------",
               "----------------", "------------");
        row("Keccak-256, 1 MiB inputs", "MB/s", 1e6, bench_keccak_bulk, threads);
        row("Keccak-256, 64-byte inputs", "Mhash/s", 1e6, bench_keccak_64, threads);
        row("Poseidon2 permutations (t=12)", "Mperm/s", 1e6, bench_poseidon2, threads);
        /* the same permutations, 8 at once, for each vector path this CPU has */
        static const lm_p2_impl vec[] = {LM_P2_IMPL_AVX512, LM_P2_IMPL_AVX2};
        for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
            if (!lm_poseidon2_set_impl(vec[i]))
                continue;
            char name[40];
            snprintf(name, sizeof name, "Poseidon2 perms, 8 at once, %s", lm_poseidon2_impl_name(vec[i]));
            row(name, "Mperm/s", 1e6, bench_poseidon2_many, threads);
        }
        if (!lm_poseidon2_set_impl(LM_P2_IMPL_AUTO))
            return 1;
        row("Goldilocks multiplications", "Mmul/s", 1e6, bench_gl_mul, threads);
        row("secp256k1 recoveries (ecrecover)", "krecover/s", 1e3, bench_secp_recover, threads);
        row("JSON-RPC batch parse (jansson)", "kcall/s", 1e3, bench_json_batch, threads);
    }
    if (all || strcmp(what, "stf") == 0) {
        printf("\n| %-44s | %14s | %-10s |\n", "STF and state", "figure", "unit");
        printf("|%s|%s|%s|\n", "----------------------------------------------", "----------------",
               "------------");
        if (bench_stf(g_seconds / 3) != 0)
            return 1;
    }
    if (all || strcmp(what, "stark") == 0) {
        if (bench_stark((unsigned)threads) != 0)
            return 1;
        /* the CUDA kernels next to the CPU (bench_gpu.c), when there is a GPU */
        if (!lm_gpu_available())
            printf("\nGPU: no GPU (built without CUDA, no CUDA device, or LAMINA_GPU=0)\n");
        else if (bench_gpu((unsigned)threads) != 0)
            return 1;
    }
    if (all || strcmp(what, "node") == 0) {
        /* the signature-recovery limit, measured in the same run */
        double one = best_of_3(bench_secp_recover);
        double both = threads > 1 ? parallel(bench_secp_recover, threads) : one;
        if (bench_node(g_seconds, one, both) != 0)
            return 1;
    }
    return 0;
}
