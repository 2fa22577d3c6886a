/* The follower's HTTP endpoint: GET /metrics (Prometheus text format), GET
 * /health and a small read-only JSON-RPC, over the node's JSON-RPC server
 * (lamina/rpc_server.h). What each metric means: docs/derivation.md §7,
 * the methods: docs/node-api.md.
 *
 * Threads: the server thread reads the follower's statistics through
 * lm_derive_get_stats (thread-safe) and nothing else of it, so the
 * follower goes on polling on its own thread as before. */
#ifndef LAMINA_DERIVE_SERVE_H
#define LAMINA_DERIVE_SERVE_H

#include <stdint.h>

#include <jansson.h>

#include "lamina/derive.h"
#include "lamina/err.h"
#include "lamina/rpc_server.h"

/* Returns: st in the Prometheus text exposition format (version 0.0.4),
 * malloc'ed (the caller frees it), or NULL when out of memory. The L1
 * gauges (head, last block read, lags) are left out while unknown
 * (st->has_l1_head, st->has_l1_derived). */
char *lm_derive_metrics_text(const lm_derive_stats *st);

/* Returns: a new JSON object with st's fields (lamina_status; quantities
 * are numbers up to 2^53, else decimal strings), or NULL when out of
 * memory. */
json_t *lm_derive_stats_json(const lm_derive_stats *st);

/* Creates and starts a server for follower f: GET /metrics
 * (lm_derive_metrics_text), GET /health ("ok"), and the JSON-RPC methods
 * lamina_status (lm_derive_stats_json) and lamina_chainId. opts may be NULL
 * (lm_rpcd_opts_default: 127.0.0.1, an ephemeral port — see
 * lm_rpcd_port). f is borrowed: free the server (lm_rpcd_free) before
 * closing f (lm_derive_close).
 * Out: *out, a running server.
 * Returns: LM_OK; LM_EIO (cannot bind); LM_ENOMEM; LM_EINVAL (opts). */
LM_MUST_CHECK lm_code lm_derive_serve(lm_rpcd **out, lm_derive *f, const lm_rpcd_opts *opts,
                                      lm_err *err);

#endif
