/* STARK core: NTT throughput at 2^16..2^24 on one and on all threads, next
 * to the machine's memory bandwidth measured in the same run (a large
 * memcpy: read + write bytes per second), and Merkle-tree hashing speed.
 * Then proven Poseidon2 permutations per second (bench_p2air) and proven
 * state-tree leaf updates per second (bench_stateair). */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "lamina/air_poseidon2.h"
#include "lamina/air_state.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"
#include "lamina/stark_params.h"
#include "lamina/state_tree.h"

static double memcpy_gbs(void)
{
    size_t n = (size_t)256 << 20;
    char *a = malloc(n), *b = malloc(n);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    memset(a, 1, n);
    memset(b, 2, n);
    double best = 0;
    for (int r = 0; r < 5; r++) {
        double t = bench_now();
        memcpy(b, a, n);
        t = bench_now() - t;
        BENCH_KEEP(b[r]);
        double gbs = 2.0 * (double)n / t / 1e9; /* bytes read + written */
        if (gbs > best)
            best = gbs;
    }
    free(a);
    free(b);
    return best;
}

/* Merkle tree builds over a 2^16 x 16 row-major matrix (the shape of an LDE
 * commitment), one by one (scalar) and with the batch hashes the CPU has:
 * rows per second, best of 3. Returns: 0, or 1 when out of memory. */
static int bench_merkle(unsigned threads)
{
    enum { LOG_N = 16, COLS = 16 };
    size_t n = (size_t)1 << LOG_N;
    lm_gl *m = malloc(n * COLS * sizeof *m);
    if (!m)
        return 1;
    for (size_t i = 0; i < n * COLS; i++)
        m[i] = (lm_gl)(i * 2654435761u % LM_GL_P);
    lm_matrix_view v = {m, n, COLS, COLS, 1};
    lm_p2_impl impls[2] = {LM_P2_IMPL_SCALAR, lm_poseidon2_impl()};
    for (int k = 0; k < 2; k++) {
        if (k == 1 && impls[1] == LM_P2_IMPL_SCALAR)
            break;
        if (!lm_poseidon2_set_impl(impls[k]))
            continue;
        double rate[2] = {0, 0};
        for (unsigned t = 0; t < 2; t++) {
            double best = 1e30;
            for (int r = 0; r < 3; r++) {
                lm_merkle_tree tree;
                lm_err err;
                double t0 = bench_now();
                if (lm_merkle_build(&tree, &v, t == 0 ? 1 : threads, &err) != LM_OK) {
                    free(m);
                    return 1;
                }
                double el = bench_now() - t0;
                lm_merkle_free(&tree);
                if (el < best)
                    best = el;
            }
            rate[t] = (double)n / best / 1e6;
        }
        char label[64];
        snprintf(label, sizeof label, "Merkle build 2^%u rows x %u, %s", LOG_N, COLS,
                 lm_poseidon2_impl_name(impls[k]));
        printf("| %-44s | %14.3f | %14.3f | %-10s |\n", label, rate[0], rate[1], "Mrows/s");
    }
    free(m);
    return lm_poseidon2_set_impl(LM_P2_IMPL_AUTO) ? 0 : 1;
}

int bench_p2air(unsigned threads, double budget_s);
int bench_stateair(unsigned threads, double budget_s);

int bench_stark(unsigned threads)
{
    lm_ntt_ctx ctx;
    lm_err err;
    if (lm_ntt_ctx_init(&ctx, 24, 1, &err) != 0) {
        fprintf(stderr, "bench stark: %s\n", err.msg);
        return 1;
    }
    double bw = memcpy_gbs();
    printf("\n| %-44s | %14s | %14s | %-10s |\n", "STARK core", "1 thread", "all threads", "unit");
    printf("|%s|%s|%s|%s|\n", "----------------------------------------------", "----------------",
           "----------------", "------------");
    printf("| %-44s | %14.1f | %14s | %-10s |\n", "memory bandwidth (memcpy, read + write)", bw, "",
           "GB/s");
    lm_gl *a = malloc(sizeof(lm_gl) << 24);
    if (!a)
        return 1;
    for (unsigned log_n = 16; log_n <= 24; log_n += 2) {
        size_t n = (size_t)1 << log_n;
        double rate[2] = {0, 0};
        for (unsigned t = 0; t < 2; t++) {
            ctx.threads = t == 0 ? 1 : threads;
            for (size_t i = 0; i < n; i++)
                a[i] = (lm_gl)(i * 2654435761u % LM_GL_P);
            double best = 1e30;
            int reps = log_n <= 20 ? 5 : 2;
            for (int r = 0; r < reps; r++) {
                double t0 = bench_now();
                lm_ntt_forward_nr(&ctx, a, log_n);
                double el = bench_now() - t0;
                if (el < best)
                    best = el;
            }
            rate[t] = (double)n / best / 1e6;
        }
        char label[64];
        snprintf(label, sizeof label, "NTT forward 2^%u (Goldilocks)", log_n);
        /* the bandwidth bound: each of log2(n) passes reads and writes 16 bytes an element */
        printf("| %-44s | %14.1f | %14.1f | %-10s |\n", label, rate[0], rate[1], "Melem/s");
        printf("| %-44s | %14.1f | %14s | %-10s |\n", "  bandwidth bound (16 B x log2 n per elem)",
               bw * 1e9 / (16.0 * log_n) / 1e6, "", "Melem/s");
    }
    free(a);
    lm_ntt_ctx_free(&ctx);
    if (bench_merkle(threads) != 0)
        return 1;
    if (bench_p2air(threads, 60.0) != 0)
        return 1;
    return bench_stateair(threads, 60.0);
}

/* ---- proven Poseidon2 permutations --------------------------------------------
 *
 * The Poseidon2 hash-chain AIR (lamina/air_poseidon2.h): n = 2^k - 1
 * permutations in a trace of 2^k rows (the most that length holds), proven
 * with the default parameters (blowup 8, 66 queries, 12 grinding bits,
 * cubic extension: >= 104 proven bits), on 1 thread and on `threads`.
 * "prove" is lm_p2air_prove_chain: trace generation, NTT context, the STARK
 * prover. "perm/CPU-s" is n over the process CPU time of the 1-thread
 * proof: the 1-thread rate a quiet machine would give (this machine's 2
 * cores are shared, so wall-clock rates vary with the load). "grind
 * Mperm": the Poseidon2 permutations the grinding took (the nonce + 1:
 * geometric, mean 2^12 at the default 12 bits), the one random part of the
 * cost. Peak memory: the resident-set high-water mark (VmHWM of
 * /proc/self/status) reset before the proof (writing "5" to
 * /proc/self/clear_refs) minus the resident set before it (after
 * malloc_trim, so that freed memory the next proof would reuse is not
 * counted as already resident), i.e. the most extra physical memory the
 * proof held at once; where the reset is refused,
 * the growth of getrusage's ru_maxrss instead (marked '*': only a lower
 * bound once an earlier, larger peak was reached). Sizes k = 12..16, the
 * next one skipped when the time already spent plus twice the last size's
 * time would pass budget_s (the environment variable
 * LAMINA_BENCH_P2AIR_BUDGET, in seconds, overrides it: 400 runs every
 * size on this 2-core machine). */

static long status_kib_(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, n) == 0)
            v = strtol(line + n, NULL, 10);
    fclose(f);
    return v;
}

static bool reset_hwm_(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL)
        return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

static long maxrss_kib_(void)
{
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? u.ru_maxrss : -1;
}

static double cpu_now_(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct p2_run_ {
    double prove_s, prove_cpu_s, verify_s, peak_mib;
    size_t proof_bytes;
    uint64_t pow_nonce;
    bool exact_peak;
} p2_run_;

static int p2_run_one_(p2_run_ *r, unsigned log_h, unsigned threads, const lm_fri_params *fp)
{
    uint64_t n = ((uint64_t)1 << log_h) - 1;
    lm_gl x0[LM_P2_WIDTH], xn[LM_P2_WIDTH];
    for (int i = 0; i < LM_P2_WIDTH; i++)
        x0[i] = (lm_gl)(i + 1);
    lm_err err;
    lm_stark_proof p;
    malloc_trim(0);
    long rss0 = status_kib_("VmRSS:"), max0 = maxrss_kib_();
    r->exact_peak = reset_hwm_();
    double t0 = bench_now(), c0 = cpu_now_();
    if (lm_p2air_prove_chain(&p, xn, x0, n, fp, threads, &err) != LM_OK) {
        fprintf(stderr, "bench p2air: %s\n", err.msg);
        return 1;
    }
    r->prove_s = bench_now() - t0;
    r->prove_cpu_s = cpu_now_() - c0;
    long peak = r->exact_peak ? status_kib_("VmHWM:") - rss0 : maxrss_kib_() - max0;
    r->peak_mib = (double)peak / 1024.0;
    r->proof_bytes = lm_stark_proof_size(&p);
    r->pow_nonce = p.fri.pow_nonce;
    r->verify_s = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        t0 = bench_now();
        int rc = lm_p2air_verify_chain(&p, x0, xn, n, fp, &err);
        double el = bench_now() - t0;
        if (rc != LM_OK) {
            fprintf(stderr, "bench p2air: verify: %s\n", err.msg);
            lm_stark_proof_free(&p);
            return 1;
        }
        if (el < r->verify_s)
            r->verify_s = el;
    }
    lm_stark_proof_free(&p);
    return 0;
}

static int p2air_table_(unsigned threads, double budget_s, const lm_fri_params *fp, const char *title)
{
    lm_security_input si;
    lm_security sec;
    lm_stark_default_security_input(&si, 16);
    si.log_blowup = fp->log_blowup;
    si.num_queries = fp->num_queries;
    si.grinding_bits = fp->pow_bits;
    si.constraint_degree = LM_P2AIR_DEGREE;
    if (lm_stark_security(&sec, &si, NULL) != LM_OK)
        return 1;
    printf("\n| %-40s | %12s | %12s | %12s | %9s | %9s | %8s | %11s |\n", title, "perm/s 1 thr",
           "perm/s all", "perm/CPU-s", "verify ms", "proof KiB", "peak MiB", "grind Mperm");
    printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "--------------",
           "--------------", "--------------", "-----------", "-----------", "----------", "-------------");
    double start = bench_now(), last = 0;
    for (unsigned k = 12; k <= 16; k++) {
        if (k > 12 && bench_now() - start + 2.0 * last > budget_s) {
            printf("| %-40s | %12s | %12s | %12s | %9s | %9s | %8s | %11s |\n", "larger n: skipped (time budget)", "",
                   "", "", "", "", "", "");
            break;
        }
        double t_size = bench_now();
        p2_run_ one, all;
        if (p2_run_one_(&one, k, 1, fp) != 0)
            return 1;
        all = one;
        if (threads > 1 && p2_run_one_(&all, k, threads, fp) != 0)
            return 1;
        last = bench_now() - t_size;
        double n = (double)(((uint64_t)1 << k) - 1);
        char label[64], peak[24];
        snprintf(label, sizeof label, "n = 2^%u - 1 (%.2f s / %.2f s)", k, one.prove_s, all.prove_s);
        double pk = all.peak_mib > one.peak_mib ? all.peak_mib : one.peak_mib;
        snprintf(peak, sizeof peak, "%.0f%s", pk, one.exact_peak && all.exact_peak ? "" : "*");
        printf("| %-40s | %12.0f | %12.0f | %12.0f | %9.2f | %9.1f | %8s | %11.2f |\n", label, n / one.prove_s,
               n / all.prove_s, n / one.prove_cpu_s, 1e3 * one.verify_s, (double)one.proof_bytes / 1024.0, peak,
               (double)(one.pow_nonce + 1) / 1e6);
        fflush(stdout);
    }
    printf("| %-40s | %12u | %12s | %12s | %9s | %9s | %8s | %11s |\n", "  proven bits (list decoding), 2^16 rows",
           sec.proven, "", "", "", "", "", "");
    return 0;
}

/* The default parameters (blowup 8), then the fast set (blowup 2,
 * lm_stark_fast_fri_params), each within the budget. */
int bench_p2air(unsigned threads, double budget_s)
{
    const char *env = getenv("LAMINA_BENCH_P2AIR_BUDGET");
    if (env != NULL && strtod(env, NULL) > 0)
        budget_s = strtod(env, NULL);
    lm_fri_params def, fast;
    lm_stark_default_fri_params(&def);
    lm_stark_fast_fri_params(&fast);
    if (p2air_table_(threads, budget_s, &def, "Poseidon2 hash chain, proven") != 0)
        return 1;
    return p2air_table_(threads, budget_s, &fast, "the same, fast parameters (blowup 2)");
}

/* ---- proven state-tree leaf updates ----------------------------------------------
 *
 * The state-update AIR (lamina/air_state.h): batches of n = 2^k - 1 leaf
 * updates (32 rows each, in a trace of 32 (n + 1) rows, the most that
 * length holds) at random indices of a state tree of 2^16 leaves, proven
 * with the default parameters (blowup 8, 66 queries, 12 grinding bits),
 * on 1 thread and on `threads`. "prove" is lm_stateair_prove (witness
 * check, trace, STARK prover); the siblings come from lm_state_tree_prove
 * beforehand and are not timed. "upd/CPU-s": n over the process CPU time
 * of the 1-thread proof. "grind Mperm": the permutations the grinding took
 * (nonce + 1, geometric with mean 2^12 at the default 12 bits), a random
 * part of the cost. Two tables: the default parameters, then the fast ones
 * (lm_stark_fast_fri_params, blowup 2). Sizes k = 1.., the next one
 * skipped when the time
 * spent plus twice the last size's would pass budget_s (the environment
 * variable LAMINA_BENCH_STATEAIR_BUDGET, in seconds, overrides it). */

static double sa_cpu_now_(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct sa_batch_ {
    size_t n;
    lm_stateair_update *ups;
    lm_gl (*sib)[LM_STATEAIR_DEPTH][LM_P2_DIGEST];
} sa_batch_;

/* n updates at pseudo-random indices below 2^16 of tree t (committed). */
static int sa_make_(sa_batch_ *b, lm_state_tree *t, size_t n, uint64_t *rng)
{
    b->n = n;
    b->ups = malloc(n * sizeof *b->ups);
    b->sib = malloc(n * sizeof *b->sib);
    if (b->ups == NULL || b->sib == NULL)
        return 1;
    lm_err err;
    for (size_t k = 0; k < n; k++) {
        *rng = *rng * 6364136223846793005u + 1442695040888963407u;
        uint32_t idx = (uint32_t)(*rng >> 48);
        lm_state_proof pr;
        lm_stateair_update *u = &b->ups[k];
        u->index = idx;
        if (lm_state_tree_prove(t, idx, &pr, u->old_leaf, &err) != LM_OK)
            return 1;
        memcpy(b->sib[k], pr.sibling, sizeof b->sib[k]);
        for (int j = 0; j < LM_P2_DIGEST; j++)
            u->new_leaf[j] = (*rng >> 1) % LM_GL_P + (lm_gl)j;
        if (lm_state_tree_set(t, idx, u->new_leaf, &err) != LM_OK)
            return 1;
        lm_state_tree_commit(t, 1);
    }
    return 0;
}

static int sa_run_(const sa_batch_ *b, unsigned threads, const lm_fri_params *fp, double *prove_s, double *cpu_s,
                   double *verify_s, size_t *bytes, uint64_t *nonce)
{
    lm_err err;
    lm_stark_proof p;
    lm_stateair_statement st;
    double t0 = bench_now(), c0 = sa_cpu_now_();
    if (lm_stateair_prove(&p, &st, b->ups, (const lm_gl(*)[LM_STATEAIR_DEPTH][LM_P2_DIGEST])b->sib, b->n, fp,
                          threads, &err) != LM_OK) {
        fprintf(stderr, "bench stateair: %s\n", err.msg);
        return 1;
    }
    *prove_s = bench_now() - t0;
    *cpu_s = sa_cpu_now_() - c0;
    *bytes = lm_stark_proof_size(&p);
    *nonce = p.fri.pow_nonce;
    *verify_s = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        t0 = bench_now();
        int rc = lm_stateair_verify(&p, &st, fp, &err);
        double el = bench_now() - t0;
        if (rc != LM_OK) {
            fprintf(stderr, "bench stateair: verify: %s\n", err.msg);
            lm_stark_proof_free(&p);
            return 1;
        }
        if (el < *verify_s)
            *verify_s = el;
    }
    lm_stark_proof_free(&p);
    return 0;
}

/* One table: batches of 2^k - 1 updates with parameters fp, within budget_s. */
static int sa_table_(lm_state_tree *tp, unsigned threads, double budget_s, const lm_fri_params *fp,
                     const char *title)
{
    printf("\n| %-40s | %12s | %12s | %12s | %9s | %9s | %11s |\n", title,
           "upd/s 1 thr", "upd/s all", "upd/CPU-s", "verify ms", "proof KiB", "grind Mperm");
    printf("|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "--------------",
           "--------------", "--------------", "-----------", "-----------", "-------------");
    uint64_t rng = 42;
    double start = bench_now(), last = 0;
    int rc = 0;
    for (unsigned k = 1; k <= 10 && rc == 0; k++) {
        if (k > 1 && bench_now() - start + 2.0 * last > budget_s) {
            printf("| %-40s | %12s | %12s | %12s | %9s | %9s | %11s |\n", "larger n: skipped (time budget)", "", "",
                   "", "", "", "");
            break;
        }
        double t_size = bench_now();
        sa_batch_ b = {0, NULL, NULL};
        size_t n = ((size_t)1 << k) - 1;
        double p1 = 0, c1 = 0, v1 = 0, pa, ca, va;
        size_t bytes = 0;
        uint64_t nonce = 0, na;
        rc = sa_make_(&b, tp, n, &rng);
        if (rc == 0)
            rc = sa_run_(&b, 1, fp, &p1, &c1, &v1, &bytes, &nonce);
        pa = p1;
        if (rc == 0 && threads > 1)
            rc = sa_run_(&b, threads, fp, &pa, &ca, &va, &bytes, &na);
        free(b.ups);
        free(b.sib);
        if (rc != 0)
            break;
        last = bench_now() - t_size;
        char label[64];
        snprintf(label, sizeof label, "n = %zu (%.2f s / %.2f s)", n, p1, pa);
        printf("| %-40s | %12.1f | %12.1f | %12.1f | %9.2f | %9.1f | %11.2f |\n", label, (double)n / p1,
               (double)n / pa, (double)n / c1, 1e3 * v1, (double)bytes / 1024.0, (double)(nonce + 1) / 1e6);
        fflush(stdout);
    }
    return rc;
}

int bench_stateair(unsigned threads, double budget_s)
{
    const char *env = getenv("LAMINA_BENCH_STATEAIR_BUDGET");
    if (env != NULL && strtod(env, NULL) > 0)
        budget_s = strtod(env, NULL);
    lm_state_tree t;
    lm_state_tree_init(&t);
    lm_err err;
    for (uint32_t i = 0; i < (1u << 16); i++) {
        lm_gl leaf[LM_P2_DIGEST] = {i, 1, 2, 3};
        if (lm_state_tree_set(&t, i, leaf, &err) != LM_OK) {
            lm_state_tree_free(&t);
            return 1;
        }
    }
    lm_state_tree_commit(&t, threads);
    lm_fri_params def, fast;
    lm_stark_default_fri_params(&def);
    lm_stark_fast_fri_params(&fast);
    /* the batches update the tree, the second table goes on from the first */
    int rc = sa_table_(&t, threads, budget_s, &def, "State-tree leaf updates, proven");
    if (rc == 0)
        rc = sa_table_(&t, threads, budget_s, &fast, "the same, fast parameters (blowup 2)");
    lm_state_tree_free(&t);
    return rc;
}

