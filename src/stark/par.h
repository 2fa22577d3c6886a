/* Internal to lm_stark: a fork-join helper over POSIX threads. */
#ifndef LAMINA_STARK_PAR_H
#define LAMINA_STARK_PAR_H

/* The most threads one lm_par_run uses. */
#define LM_PAR_MAX_THREADS 64u

typedef void (*lm_par_fn)(void *arg, unsigned t, unsigned nt);

/* Runs fn(arg, t, nt) for t = 0..nt-1 (nt capped at LM_PAR_MAX_THREADS, 0
 * taken as 1): nt - 1 threads are created and joined, share 0 runs on the
 * calling thread. A share whose thread cannot be created runs on the calling
 * thread after the others, so fn must give the same result whatever the
 * scheduling (the shares are independent). */
void lm_par_run(unsigned nt, lm_par_fn fn, void *arg);

#endif
