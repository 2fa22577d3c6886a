/* STARK core: NTT throughput at 2^16..2^24 on one and on all threads, next
 * to the machine's memory bandwidth measured in the same run (a large
 * memcpy: read + write bytes per second), and Merkle-tree hashing speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"

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
    return 0;
}
