/* GPU figures next to the CPU's at the prover's shapes (include/lamina/gpu.h):
 * the batched coset LDE (lm_gpu_lde_batch against lm_ntt_lde_batch on
 * `threads` threads), in output elements per second, and the Merkle tree
 * build (lm_gpu_merkle_build against lm_merkle_build), in leaves per second.
 * GPU times include the copies to and from the device (what the prover would
 * see). Best of 3 runs. Every GPU result is compared with the CPU's; a
 * difference is reported and fails the benchmark. Called by lamina-bench's
 * "stark" section only when lm_gpu_available(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "lamina/gpu.h"
#include "lamina/merkle.h"
#include "lamina/ntt.h"

int bench_gpu(unsigned threads);

static void row_(const char *label, double cpu, double gpu, const char *unit, bool same)
{
    printf("| %-44s | %14.1f | %14.1f | %6.1fx | %-10s | %s\n", label, cpu, gpu, gpu / cpu, unit,
           same ? "identical" : "MISMATCH");
    fflush(stdout);
}

/* One LDE shape: ncols columns of 2^log_n rows, blowup 2^log_b, bit-reversed
 * output (the trace commitment's). Returns: 0, or 1 on failure/mismatch. */
static int bench_lde_(lm_ntt_ctx *ctx, unsigned threads, size_t ncols, unsigned log_n,
                      unsigned log_b, lm_gl **out_cpu_keep)
{
    size_t n = (size_t)1 << log_n, N = n << log_b;
    lm_gl *in = malloc(ncols * n * sizeof(lm_gl)), *oc = malloc(ncols * N * sizeof(lm_gl)),
          *og = malloc(ncols * N * sizeof(lm_gl));
    const lm_gl **pin = malloc(ncols * sizeof *pin);
    lm_gl **pc = malloc(ncols * sizeof *pc), **pg = malloc(ncols * sizeof *pg);
    int rc = 1;
    if (!in || !oc || !og || !pin || !pc || !pg)
        goto out;
    for (size_t c = 0; c < ncols; c++) {
        pin[c] = in + c * n;
        pc[c] = oc + c * N;
        pg[c] = og + c * N;
    }
    for (size_t i = 0; i < ncols * n; i++)
        in[i] = (lm_gl)((i * 0x9e3779b97f4a7c15ull) % LM_GL_P);
    ctx->threads = threads;
    double best_c = 1e30, best_g = 1e30;
    lm_err err;
    for (int r = 0; r < 3; r++) {
        double t0 = bench_now();
        lm_ntt_lde_batch(ctx, pc, pin, ncols, log_n, log_b, LM_NTT_COSET_SHIFT, LM_NTT_BITREV);
        double t1 = bench_now();
        if (lm_gpu_lde_batch(ctx, pg, pin, ncols, log_n, log_b, LM_NTT_COSET_SHIFT, LM_NTT_BITREV,
                             &err) != LM_OK) {
            fprintf(stderr, "bench gpu: %s\n", err.msg);
            goto out;
        }
        double t2 = bench_now();
        if (t1 - t0 < best_c)
            best_c = t1 - t0;
        if (t2 - t1 < best_g)
            best_g = t2 - t1;
    }
    bool same = memcmp(oc, og, ncols * N * sizeof(lm_gl)) == 0;
    char label[64];
    snprintf(label, sizeof label, "coset LDE %zu cols x 2^%u -> 2^%u", ncols, log_n, log_n + log_b);
    double elems = (double)ncols * (double)N / 1e6;
    row_(label, elems / best_c, elems / best_g, "Melem/s", same);
    rc = same ? 0 : 1;
    if (rc == 0 && out_cpu_keep != NULL) {
        *out_cpu_keep = oc;
        oc = NULL;
    }
out:
    free(in);
    free(oc);
    free(og);
    free(pin);
    free(pc);
    free(pg);
    return rc;
}

/* One Merkle shape over the view m. Returns: 0, or 1 on failure/mismatch. */
static int bench_merkle_(const char *label, const lm_matrix_view *m, unsigned threads)
{
    double best_c = 1e30, best_g = 1e30;
    bool same = true;
    lm_err err;
    for (int r = 0; r < 3; r++) {
        lm_merkle_tree tc, tg;
        double t0 = bench_now();
        if (lm_merkle_build(&tc, m, threads, &err) != LM_OK) {
            fprintf(stderr, "bench gpu: %s\n", err.msg);
            return 1;
        }
        double t1 = bench_now();
        if (lm_gpu_merkle_build(&tg, m, &err) != LM_OK) {
            fprintf(stderr, "bench gpu: %s\n", err.msg);
            lm_merkle_free(&tc);
            return 1;
        }
        double t2 = bench_now();
        same = same && memcmp(tc.nodes, tg.nodes, 2 * m->rows * sizeof(lm_digest)) == 0;
        lm_merkle_free(&tc);
        lm_merkle_free(&tg);
        if (t1 - t0 < best_c)
            best_c = t1 - t0;
        if (t2 - t1 < best_g)
            best_g = t2 - t1;
    }
    double leaves = (double)m->rows / 1e6;
    row_(label, leaves / best_c, leaves / best_g, "Mleaves/s", same);
    return same ? 0 : 1;
}

int bench_gpu(unsigned threads)
{
    char name[128];
    if (!lm_gpu_device_name(name, sizeof name))
        return 1;
    lm_ntt_ctx ctx;
    lm_err err;
    if (lm_ntt_ctx_init(&ctx, 23, threads, &err) != LM_OK) {
        fprintf(stderr, "bench gpu: %s\n", err.msg);
        return 1;
    }
    printf("\nGPU: %s; CPU: %u thread(s)\n", name, threads);
    printf("\n| %-44s | %14s | %14s | %7s | %-10s | %s\n", "GPU vs CPU", "CPU", "GPU", "speedup",
           "unit", "result");
    printf("|%s|%s|%s|%s|%s|\n", "----------------------------------------------",
           "----------------", "----------------", "---------", "------------");
    /* the trace LDE of a 64-column AIR and of a wide one; blowup 8 */
    lm_gl *lde = NULL;
    int rc = bench_lde_(&ctx, threads, 64, 16, 3, &lde);
    if (rc == 0)
        rc = bench_lde_(&ctx, threads, 8, 20, 3, NULL);
    if (rc == 0) {
        /* its commitment: 2^19 rows of 64 columns, column-major */
        size_t N = (size_t)1 << 19;
        lm_matrix_view tv = {lde, N, 64, 1, N};
        rc = bench_merkle_("Merkle tree 2^19 rows x 64 cols (trace)", &tv, threads);
        /* a FRI layer: 2^19 rows of 6 elements, row-major (from the same data) */
        lm_matrix_view fv = {lde, N, 6, 6, 1};
        if (rc == 0)
            rc = bench_merkle_("Merkle tree 2^19 rows x 6 cols (FRI layer)", &fv, threads);
    }
    free(lde);
    lm_ntt_ctx_free(&ctx);
    return rc;
}
