/* Fork-join helper for lm_stark (see par.h). */
#include "par.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct par_job_ {
    lm_par_fn fn;
    void *arg;
    unsigned t, nt;
} par_job_;

static void *par_trampoline_(void *p)
{
    par_job_ *j = p;
    j->fn(j->arg, j->t, j->nt);
    return 0;
}

void lm_par_run(unsigned nt, lm_par_fn fn, void *arg)
{
    pthread_t th[LM_PAR_MAX_THREADS];
    par_job_ jobs[LM_PAR_MAX_THREADS];
    bool started[LM_PAR_MAX_THREADS];
    if (nt == 0)
        nt = 1;
    if (nt > LM_PAR_MAX_THREADS)
        nt = LM_PAR_MAX_THREADS;
    for (unsigned t = 1; t < nt; t++) {
        jobs[t] = (par_job_){fn, arg, t, nt};
        started[t] = pthread_create(&th[t], 0, par_trampoline_, &jobs[t]) == 0;
    }
    fn(arg, 0, nt);
    for (unsigned t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(th[t], 0);
        else
            fn(arg, t, nt);
    }
}
