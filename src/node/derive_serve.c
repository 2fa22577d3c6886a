/* The follower's /metrics and read-only JSON-RPC (include/lamina/derive_serve.h).
 * One table declares every metric: its Prometheus name, its lamina_status
 * key, its type and help text, and where its value comes from; the text
 * exposition and the JSON are both generated from it. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lamina/derive_serve.h"

typedef enum src_kind {
    SRC_FIELD = 0,   /* the uint64_t at `off` in lm_derive_stats */
    SRC_LAG_BLOCKS,  /* l1_head - l1_derived */
    SRC_LAG_SECONDS, /* l1_head_timestamp - l1_derived_timestamp */
    SRC_POLL_TIME,   /* last_poll_unix_ms, in seconds */
} src_kind;

typedef enum need {
    NEED_NONE = 0,
    NEED_HEAD,    /* st->has_l1_head */
    NEED_DERIVED, /* st->has_l1_derived */
    NEED_BOTH,
    NEED_POLL, /* a poll succeeded */
} need;

typedef struct metric {
    const char *name;   /* family name */
    const char *labels; /* "{...}" or "" */
    const char *key;    /* lamina_status key */
    const char *type;   /* counter or gauge */
    const char *help;
    src_kind src;
    size_t off;
    need need;
} metric;

#define F(field) SRC_FIELD, offsetof(lm_derive_stats, field)

/* Prometheus: "Only one TYPE line may exist for a given metric name"; the
 * lines of one family follow each other (the labelled ones below). */
static const metric METRICS[] = {
    {"lamina_derive_polls_total", "", "polls", "counter", "polls of L1 that succeeded", F(polls),
     NEED_NONE},
    {"lamina_derive_poll_errors_total", "", "pollErrors", "counter",
     "polls that failed (an L1 RPC error; retried)", F(poll_errors), NEED_NONE},
    {"lamina_derive_batches_total", "", "batches", "counter",
     "Rollup batches processed, whatever their status", F(batches), NEED_NONE},
    {"lamina_derive_batches_ignored_total", "", "batchesIgnored", "counter",
     "batches ignored whole (garbage, undecodable, not continuing the chain)", F(batches_ignored),
     NEED_NONE},
    {"lamina_derive_blocks_total", "", "blocks", "counter", "L2 blocks derived", F(blocks),
     NEED_NONE},
    {"lamina_derive_blocks_rejected_total", "", "blocksRejected", "counter",
     "invalid L2 blocks (each drops the rest of its batch)", F(blocks_rejected), NEED_NONE},
    {"lamina_derive_l1_messages_total", "{kind=\"deposit\"}", "deposits", "counter",
     "L1 messages applied, by kind", F(deposits), NEED_NONE},
    {"lamina_derive_l1_messages_total", "{kind=\"forced_withdrawal\"}", "forcedWithdrawals",
     "counter", NULL, F(forced_withdrawals), NEED_NONE},
    {"lamina_derive_l1_messages_total", "{kind=\"forced_transaction\"}", "forcedTransactions",
     "counter", NULL, F(forced_txs), NEED_NONE},
    {"lamina_derive_l1_messages_forced_total", "", "forcedMessages", "counter",
     "L1 messages the sequencer omitted past the sequencing window, applied by derivation",
     F(forced_messages), NEED_NONE},
    {"lamina_derive_outputs_checked_total", "", "outputsChecked", "counter",
     "proposed output roots compared with the derived ones", F(outputs_checked), NEED_NONE},
    {"lamina_derive_outputs_matched_total", "", "outputsMatched", "counter",
     "proposed output roots equal to the derived ones", F(outputs_matched), NEED_NONE},
    {"lamina_derive_outputs_mismatched_total", "", "outputsMismatched", "counter",
     "proposed output roots that differ from the derived ones", F(outputs_mismatched), NEED_NONE},
    {"lamina_derive_reorgs_total", "", "reorgs", "counter", "L1 reorgs handled", F(reorgs),
     NEED_NONE},
    {"lamina_derive_rederivations_total", "", "rederivations", "counter",
     "re-derivations from genesis", F(rederivations), NEED_NONE},
    {"lamina_derive_l2_head", "", "l2Head", "gauge", "the derived L2 head block", F(l2_head),
     NEED_NONE},
    {"lamina_derive_batch_count", "", "batchCount", "gauge", "Rollup batches derived",
     F(batch_count), NEED_NONE},
    {"lamina_derive_output_mismatches", "", "mismatches", "gauge",
     "output roots on L1 that mismatch the derived ones now", F(mismatches), NEED_NONE},
    {"lamina_derive_confirmations", "", "confirmations", "gauge",
     "L1 blocks on top of a block before it is read", F(confirmations), NEED_NONE},
    {"lamina_derive_l1_head", "", "l1Head", "gauge", "the L1 head block at the last poll",
     F(l1_head), NEED_HEAD},
    {"lamina_derive_l1_block", "", "l1Block", "gauge",
     "the last L1 block read: everything up to it is derived", F(l1_derived), NEED_DERIVED},
    {"lamina_derive_l1_lag_blocks", "", "l1LagBlocks", "gauge",
     "L1 blocks between the head and the last block read (at rest: the confirmations)",
     SRC_LAG_BLOCKS, 0, NEED_BOTH},
    {"lamina_derive_l1_lag_seconds", "", "l1LagSeconds", "gauge",
     "L1 time between the head and the last block read", SRC_LAG_SECONDS, 0, NEED_BOTH},
    {"lamina_derive_last_poll_timestamp_seconds", "", "lastPollUnixMs", "gauge",
     "unix time of the last successful poll", SRC_POLL_TIME, 0, NEED_POLL},
};

#undef F

#define N_METRICS (sizeof METRICS / sizeof METRICS[0])

static bool present(const metric *m, const lm_derive_stats *st)
{
    switch (m->need) {
    case NEED_NONE:
        return true;
    case NEED_HEAD:
        return st->has_l1_head;
    case NEED_DERIVED:
        return st->has_l1_derived;
    case NEED_BOTH:
        return st->has_l1_head && st->has_l1_derived;
    case NEED_POLL:
        return st->last_poll_unix_ms != 0;
    }
    return false;
}

/* The metric's value: an integer (for SRC_POLL_TIME, milliseconds). */
static uint64_t value(const metric *m, const lm_derive_stats *st)
{
    switch (m->src) {
    case SRC_FIELD: {
        uint64_t v;
        memcpy(&v, (const char *)st + m->off, sizeof v);
        return v;
    }
    case SRC_LAG_BLOCKS:
        return st->l1_head > st->l1_derived ? st->l1_head - st->l1_derived : 0;
    case SRC_LAG_SECONDS:
        return st->l1_head_timestamp > st->l1_derived_timestamp
                   ? st->l1_head_timestamp - st->l1_derived_timestamp
                   : 0;
    case SRC_POLL_TIME:
        return st->last_poll_unix_ms;
    }
    return 0;
}

/* ---- the text exposition ------------------------------------------------------------ */

typedef struct tbuf {
    char *p;
    size_t n, cap;
    bool oom;
} tbuf;

static void tput(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tput(tbuf *b, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !b->oom; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)k + 1;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

char *lm_derive_metrics_text(const lm_derive_stats *st)
{
    tbuf b = {malloc(4096), 0, 4096, false};
    if (!b.p)
        return NULL;
    b.p[0] = '\0';
    for (size_t i = 0; i < N_METRICS; i++) {
        const metric *m = &METRICS[i];
        if (!present(m, st))
            continue;
        if (m->help) /* the first line of its family */
            tput(&b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
        uint64_t v = value(m, st);
        if (m->src == SRC_POLL_TIME)
            tput(&b, "%s%s %llu.%03llu\n", m->name, m->labels, (unsigned long long)(v / 1000),
                 (unsigned long long)(v % 1000));
        else
            tput(&b, "%s%s %llu\n", m->name, m->labels, (unsigned long long)v);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- JSON ------------------------------------------------------------------------------ */


json_t *lm_derive_stats_json(const lm_derive_stats *st)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "chainId", lm_rpcd_json_qty(st->l2_chain_id));
    for (size_t i = 0; i < N_METRICS; i++) {
        const metric *m = &METRICS[i];
        json_t *v = present(m, st) ? lm_rpcd_json_qty(value(m, st)) : json_null();
        bad |= json_object_set_new(o, m->key, v);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---- the server ---------------------------------------------------------------------- */

static char *metrics_fn(void *ctx)
{
    lm_derive_stats st;
    lm_derive_get_stats(ctx, &st);
    return lm_derive_metrics_text(&st);
}

static void m_status(lm_rpcd_call *call, json_t *params, void *ctx)
{
    if (json_array_size(params) != 0) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "lamina_status takes no parameters", NULL);
        return;
    }
    lm_derive_stats st;
    lm_derive_get_stats(ctx, &st);
    json_t *o = lm_derive_stats_json(&st);
    if (!o) {
        lm_rpcd_call_error(call, LM_RPCD_INTERNAL_ERROR, "out of memory", NULL);
        return;
    }
    lm_rpcd_call_result(call, o);
}

static void m_chain_id(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    lm_derive_stats st;
    lm_derive_get_stats(ctx, &st);
    lm_rpcd_call_result(call, lm_rpcd_json_qty(st.l2_chain_id));
}

lm_code lm_derive_serve(lm_rpcd **out, lm_derive *f, const lm_rpcd_opts *opts, lm_err *err)
{
    lm_rpcd *s;
    lm_code rc = (lm_code)lm_rpcd_new(&s, opts, err);
    if (rc != LM_OK)
        return rc;
    lm_rpcd_set_metrics(s, metrics_fn, f);
    if ((rc = (lm_code)lm_rpcd_register(s, "lamina_status", m_status, f, err)) != LM_OK ||
        (rc = (lm_code)lm_rpcd_register(s, "lamina_chainId", m_chain_id, f, err)) != LM_OK ||
        (rc = (lm_code)lm_rpcd_start(s, err)) != LM_OK) {
        lm_rpcd_free(s);
        return rc;
    }
    *out = s;
    return LM_OK;
}
