/* The sequencer's JSON-RPC 2.0 server: HTTP POST and WebSocket on one port,
 * with subscriptions (docs/rpc-server.md).
 *
 * Transport only: the node registers its methods and topics; this module
 * parses, validates, limits, dispatches and answers.
 *
 * Threading model
 *   - An lm_rpcd runs one libwebsockets context on its own thread (the
 *     "server thread"), started by lm_rpcd_start and joined by lm_rpcd_stop.
 *   - lm_rpcd_register, lm_rpcd_add_topic and lm_rpcd_set_metrics are
 *     called before lm_rpcd_start, from one thread; the tables are frozen
 *     afterwards (so the server thread reads them without locks).
 *   - Method handlers, topic key functions and the metrics function run on
 *     the server thread. They must not block: one slow handler stalls every
 *     connection. Long work (a transaction's soft confirmation waits for
 *     the block to be durable) is deferred: the handler calls
 *     lm_rpcd_call_defer, hands the token to another thread, and that
 *     thread answers later with lm_rpcd_reply / lm_rpcd_reply_error.
 *   - lm_rpcd_reply, lm_rpcd_reply_error, lm_rpcd_publish and
 *     lm_rpcd_get_stats are thread-safe: they may be called from any thread
 *     between lm_rpcd_start and lm_rpcd_free (after lm_rpcd_stop they are
 *     accepted and dropped). They queue under a mutex and wake the server
 *     thread with lws_cancel_service.
 *
 * JSON ownership: a json_t given to the server (results, error data) is
 * stolen — the server owns that reference afterwards, even on failure.
 * params handed to a handler are borrowed for the duration of the call
 * (json_incref them to keep them, and only touch them on the server thread
 * unless copied with json_deep_copy). */
#ifndef LAMINA_RPC_SERVER_H
#define LAMINA_RPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lamina/err.h"

/* ---- error codes ----------------------------------------------------------
 * JSON-RPC 2.0 §5.1: "The error codes from and including -32768 to -32000
 * are reserved for pre-defined errors." */
#define LM_RPCD_PARSE_ERROR (-32700)      /* "Invalid JSON was received by the server." */
#define LM_RPCD_INVALID_REQUEST (-32600)  /* "The JSON sent is not a valid Request object." */
#define LM_RPCD_METHOD_NOT_FOUND (-32601) /* "The method does not exist / is not available." */
#define LM_RPCD_INVALID_PARAMS (-32602)   /* "Invalid method parameter(s)." */
#define LM_RPCD_INTERNAL_ERROR (-32603)   /* "Internal JSON-RPC error." */
/* EIP-1474: -32005 "Limit exceeded: Request exceeds defined limit". Used for
 * the rate limit ("rate limited"), the batch size, the body size and the
 * subscription count, with a message saying which. */
#define LM_RPCD_LIMIT_EXCEEDED (-32005)

/* ---- options ------------------------------------------------------------- */

typedef struct lm_rpcd_opts {
    const char *host;          /* listen address; default "127.0.0.1" (copied) */
    int port;                  /* 0 = ephemeral (see lm_rpcd_port); default 0 */
    size_t max_body_bytes;     /* HTTP request body; larger -> 413; default 1 MiB */
    size_t max_ws_message_bytes; /* one WS message; larger -> close 1009; default 1 MiB */
    size_t max_batch;          /* calls in one batch; more -> -32005; default 100 */
    unsigned max_connections;  /* open TCP connections (HTTP + WS); excess refused; default 1024 */
    unsigned max_subscriptions; /* per WS connection; default 128 */
    size_t max_ws_queue_bytes; /* unsent bytes queued for one WS client before it
                                  is disconnected as too slow; default 16 MiB */
    double rate_per_s;         /* token bucket per remote IP: refill rate (calls/s);
                                  0 disables rate limiting; default 1000 */
    double rate_burst;         /* bucket size; default 2000 */
    unsigned request_timeout_s; /* headers + body of one HTTP request; default 10 */
    unsigned idle_timeout_s;   /* idle keep-alive HTTP connection; default 30 */
    unsigned ws_ping_s;        /* a silent WS connection is pinged after this; default 30 */
    unsigned ws_hangup_s;      /* ... and closed after this without traffic; default 60 */
    unsigned deferred_timeout_ms; /* a deferred call unanswered this long gets
                                     -32603 "deferred call timed out"; default 30000 */
    size_t max_pending_publish; /* queued, not yet delivered lm_rpcd_publish items;
                                   more -> LM_ETOOLARGE; default 65536 */
    const char *cors_origin;   /* NULL: no CORS headers (default); else the value
                                  of Access-Control-Allow-Origin ("*" or an
                                  origin) on every HTTP answer, and OPTIONS
                                  preflights are answered (copied) */
} lm_rpcd_opts;

/* Out: *o = the defaults above. */
void lm_rpcd_opts_default(lm_rpcd_opts *o);

/* ---- server lifecycle ---------------------------------------------------- */

typedef struct lm_rpcd lm_rpcd;

/* Creates a stopped server. opts may be NULL for the defaults; it is copied.
 * Returns: LM_OK and *out, or LM_ENOMEM / LM_EINVAL (a zero limit, a host
 * too long). Free with lm_rpcd_free. */
LM_MUST_CHECK int lm_rpcd_new(lm_rpcd **out, const lm_rpcd_opts *opts, lm_err *err);

/* Binds the listening socket and starts the server thread. A server starts
 * once; a stopped one is freed, not restarted.
 * Returns: LM_OK, or LM_EIO (cannot bind, cannot start the thread). */
LM_MUST_CHECK int lm_rpcd_start(lm_rpcd *s, lm_err *err);

/* Returns: the bound TCP port (the ephemeral one when opts.port was 0), or 0
 * before lm_rpcd_start. */
int lm_rpcd_port(const lm_rpcd *s);

/* Stops the server thread and closes every connection; pending deferred
 * calls are dropped. Idempotent. Call from any thread except the server
 * thread (never from a handler). */
void lm_rpcd_stop(lm_rpcd *s);

/* Stops (if running) and frees everything. Thread-safe calls into s must
 * have ended. NULL is a no-op. */
void lm_rpcd_free(lm_rpcd *s);

/* ---- methods --------------------------------------------------------------- */

/* One call being answered; valid only inside the handler. */
typedef struct lm_rpcd_call lm_rpcd_call;

/* A method handler. params is the request's "params" (an array or an
 * object; an empty array when absent), borrowed. The handler must do
 * exactly one of: lm_rpcd_call_result, lm_rpcd_call_error,
 * lm_rpcd_call_defer. Doing none is answered with -32603. */
typedef void (*lm_rpcd_handler)(lm_rpcd_call *call, json_t *params, void *ctx);

/* Registers a method (before lm_rpcd_start). name is copied.
 * Returns: LM_OK; LM_EINVAL when the server is running, name is empty,
 * longer than 128 bytes, begins with "rpc." (JSON-RPC 2.0 §4: "Method
 * names that begin with the word rpc followed by a period character are
 * reserved for rpc-internal methods"), or is already registered
 * (lamina_subscribe and lamina_unsubscribe are built in); LM_ENOMEM. */
LM_MUST_CHECK int lm_rpcd_register(lm_rpcd *s, const char *name, lm_rpcd_handler fn,
                                   void *ctx, lm_err *err);

/* Answers the call with result (stolen; must not be NULL — use json_null()). */
void lm_rpcd_call_result(lm_rpcd_call *call, json_t *result);

/* Answers the call with an error object {code, message, data}. message is
 * copied (truncated to 255 bytes); data (stolen) may be NULL. */
void lm_rpcd_call_error(lm_rpcd_call *call, int code, const char *message, json_t *data);

/* A quantity as the node APIs write it (docs/node-api.md): a JSON number
 * when exact in a double (v <= 2^53), else a decimal string.
 * Returns: a new reference, or NULL when out of memory. */
json_t *lm_rpcd_json_qty(uint64_t v);

/* Defers the answer. Returns: a token to pass to lm_rpcd_reply or
 * lm_rpcd_reply_error from any thread; 0 when the call was already answered
 * or memory ran out (the call is then answered -32603). A deferred call that is not answered
 * within opts.deferred_timeout_ms gets -32603; answers for tokens that timed
 * out, whose connection closed, or that were already answered are dropped.
 * While an HTTP request waits, its connection waits; a WS connection goes
 * on serving other messages (answers then arrive out of order, matched by
 * id as JSON-RPC allows). */
uint64_t lm_rpcd_call_defer(lm_rpcd_call *call);

typedef enum lm_rpcd_transport { LM_RPCD_HTTP = 1, LM_RPCD_WS = 2 } lm_rpcd_transport;

/* Returns: the transport the call came over. */
lm_rpcd_transport lm_rpcd_call_transport(const lm_rpcd_call *call);
/* Returns: the client's IP address as text, valid during the handler. */
const char *lm_rpcd_call_peer(const lm_rpcd_call *call);
/* Returns: a server-unique id of the connection the call came over. */
uint64_t lm_rpcd_call_conn_id(const lm_rpcd_call *call);

/* Answers a deferred call. Thread-safe. result is stolen (NULL -> null).
 * Returns: LM_OK when queued; LM_EIO after lm_rpcd_stop, LM_ENOMEM (result
 * freed in both cases). */
int lm_rpcd_reply(lm_rpcd *s, uint64_t token, json_t *result);

/* Answers a deferred call with an error; message copied, data stolen. */
int lm_rpcd_reply_error(lm_rpcd *s, uint64_t token, int code, const char *message,
                        json_t *data);

/* ---- subscriptions ---------------------------------------------------------
 * Over WebSocket only. {"method":"lamina_subscribe","params":[topic]} or
 * [topic, key] answers a subscription id (a "0x…" string);
 * {"method":"lamina_unsubscribe","params":[id]} answers true or false.
 * Notifications: {"jsonrpc":"2.0","method":"lamina_subscription",
 *                 "params":{"subscription":id,"result":…}}. */

typedef enum lm_rpcd_key_mode {
    LM_RPCD_KEY_NONE = 0,     /* no key: every subscriber gets every event */
    LM_RPCD_KEY_OPTIONAL = 1, /* with a key: only that key's events; without:
                                 every event of the topic */
    LM_RPCD_KEY_REQUIRED = 2, /* a key must be given */
} lm_rpcd_key_mode;

#define LM_RPCD_KEY_MAX 128 /* bytes of a key, NUL excluded */

/* Turns the subscriber's key parameter into the canonical key the node
 * publishes with (e.g. a lower-case address). Runs on the server thread.
 * Out: out (NUL-terminated, at most LM_RPCD_KEY_MAX bytes before the NUL).
 * Returns: LM_OK, or an error whose message is sent back with -32602. */
typedef int (*lm_rpcd_key_fn)(void *ctx, const json_t *param, char out[LM_RPCD_KEY_MAX + 1],
                              lm_err *err);

/* Declares a topic (before lm_rpcd_start). name is copied. key_fn may be
 * NULL: the key parameter must then be a string of at most LM_RPCD_KEY_MAX
 * bytes, used as it is.
 * Returns: LM_OK, LM_EINVAL (running, bad or duplicate name), LM_ENOMEM. */
LM_MUST_CHECK int lm_rpcd_add_topic(lm_rpcd *s, const char *name, lm_rpcd_key_mode mode,
                                    lm_rpcd_key_fn key_fn, void *ctx, lm_err *err);

/* Sends `{"subscription":id,"result":payload}` to every subscriber of
 * topic whose key matches (and to keyless subscribers of an optional-key
 * topic). Thread-safe; payload is borrowed and serialized before return.
 * key is NULL for LM_RPCD_KEY_NONE topics.
 * Returns: LM_OK (also when nobody listens); LM_EINVAL (unknown topic, key
 * given or missing against the topic's mode); LM_ETOOLARGE (the delivery
 * queue holds opts.max_pending_publish items); LM_ENOMEM; LM_EIO when
 * stopped. */
int lm_rpcd_publish(lm_rpcd *s, const char *topic, const char *key, const json_t *payload);

/* Whether topic has at least one subscriber now (any key). Thread-safe and
 * lock-free: a publisher calls it to skip building payloads nobody would
 * receive. A subscriber that arrives right after a false answer misses only
 * what was published before it subscribed, as with lm_rpcd_publish.
 * Returns: false also for an unknown topic. */
bool lm_rpcd_has_subscribers(lm_rpcd *s, const char *topic);

/* ---- metrics and statistics ------------------------------------------------ */

/* Returns a malloc'ed, NUL-terminated text for `GET /metrics` (freed by the
 * server), or NULL for a 500. Runs on the server thread. */
typedef char *(*lm_rpcd_metrics_fn)(void *ctx);

/* Sets the /metrics source (before lm_rpcd_start); without one, /metrics is 404. */
void lm_rpcd_set_metrics(lm_rpcd *s, lm_rpcd_metrics_fn fn, void *ctx);

typedef struct lm_rpcd_stats {
    uint64_t connections_open;     /* now */
    uint64_t connections_total;    /* accepted since start */
    uint64_t connections_refused;  /* over max_connections */
    uint64_t http_requests;        /* HTTP requests answered (all paths) */
    uint64_t ws_messages;          /* WS messages received */
    uint64_t calls;                /* JSON-RPC calls dispatched to a handler */
    uint64_t errors;               /* error responses sent (all codes) */
    uint64_t rate_limited;         /* calls refused by the rate limit */
    uint64_t deferred_timeouts;    /* deferred calls answered by the timeout */
    uint64_t subscriptions;        /* active now */
    uint64_t notifications;        /* subscription notifications queued */
    uint64_t slow_disconnects;     /* WS clients dropped for a full send queue */
} lm_rpcd_stats;

/* Out: *out = a snapshot of the counters. Thread-safe. */
void lm_rpcd_get_stats(const lm_rpcd *s, lm_rpcd_stats *out);

#endif
