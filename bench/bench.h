/* Shared timing helpers for lamina-bench. */
#ifndef LAMINA_BENCH_H
#define LAMINA_BENCH_H

#include <stdint.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Keeps a value alive so the compiler cannot drop the work that made it. */
#define BENCH_KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")

#endif
