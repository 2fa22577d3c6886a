/* JSON-RPC 2.0 server over HTTP and WebSocket, on libwebsockets 4.1
 * (include/lamina/rpc_server.h, docs/rpc-server.md).
 *
 * Everything below the "thread-safe entry points" section runs on the
 * server thread only; the queue (q_*) is the one piece shared with other
 * threads, under s->qlock. */
#include "lamina/rpc_server.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <sys/prctl.h>

#include "lamina/log.h"

#define COMP "rpcd"
#define MAX_METHOD_NAME 128
#define PEER_MAX 64
#define SUB_TABLE 4096u
#define PENDING_TABLE 4096u
#define RATE_TABLE 1024u
#define TICK_MS 50
#define DRAIN_FACTOR 16 /* an oversize body up to 16x the limit is drained, not cut */

/* ---- types ---------------------------------------------------------------- */

typedef struct method {
    char *name;
    lm_rpcd_handler fn;
    void *ctx;
} method;

typedef struct topic {
    char *name;
    lm_rpcd_key_mode mode;
    lm_rpcd_key_fn key_fn;
    void *ctx;
    atomic_uint nsubs; /* read by lm_rpcd_publish without the lock */
} topic;

/* A unit of outgoing data with LWS_PRE bytes of headroom before data. */
typedef struct obuf {
    struct obuf *next;
    size_t len;
    unsigned char *mem; /* LWS_PRE + len bytes */
} obuf;

typedef struct conn conn;
typedef struct msg msg;

typedef struct sub {
    uint64_t id;
    conn *c;
    topic *t;
    char key[LM_RPCD_KEY_MAX + 1];
    bool announced;        /* its subscribe answer has been queued */
    struct sub *bprev, *bnext; /* chain of s->subs[hash(topic, key)] */
    struct sub *cnext;     /* the connection's subscriptions */
    struct sub *mnext;     /* subscriptions a pending message created */
    msg *owner;            /* that message, until announced */
} sub;

/* One HTTP body or WS message being answered. */
struct msg {
    conn *c;          /* NULL once the connection has closed */
    msg *prev, *next; /* the connection's messages in flight */
    bool batch;
    size_t n;
    json_t **resp;    /* n response objects (NULL: no answer) */
    size_t outstanding;
    size_t limited;   /* calls refused by the rate limit */
    sub *new_subs;    /* announced when the answer is queued */
};

struct conn {
    lm_rpcd *s;
    struct lws *wsi;
    uint64_t id;
    char peer[PEER_MAX];
    bool is_ws;
    bool dead; /* being killed: queue nothing more */
    msg *msgs; /* in flight (deferred) */
    /* HTTP */
    char *body;
    size_t body_len, body_cap;
    bool discard;       /* draining an oversize body */
    bool rpc_post;      /* this request is a JSON-RPC POST */
    bool have_resp;     /* an answer waits for WRITEABLE */
    bool close_after;
    bool preflight;     /* answering a CORS preflight */
    unsigned status;
    const char *ctype;
    obuf *resp;
    /* WS */
    char *rx;
    size_t rx_len, rx_cap;
    obuf *oq_head, *oq_tail;
    size_t oq_bytes;
    sub *subs;
    unsigned nsubs;
};

typedef struct pending {
    uint64_t token;
    msg *m;     /* NULL for a notification */
    size_t idx;
    json_t *id;
    uint64_t deadline_ms;
    struct pending *hnext;        /* hash chain */
    struct pending *dprev, *dnext; /* deadline order */
} pending;

typedef struct bucket {
    char ip[PEER_MAX];
    double tokens;
    uint64_t last_ms;
    struct bucket *next;
} bucket;

enum { Q_REPLY = 1, Q_PUBLISH };

typedef struct qitem {
    struct qitem *next;
    int kind;
    uint64_t token;
    json_t *result;
    int code;
    char *message;
    json_t *data;
    topic *t;
    char key[LM_RPCD_KEY_MAX + 1];
    char *payload;
} qitem;

typedef struct counters {
    atomic_uint_fast64_t connections_open, connections_total, connections_refused, http_requests,
        ws_messages, calls, errors, rate_limited, deferred_timeouts, subscriptions,
        notifications, slow_disconnects;
} counters;

struct lm_rpcd {
    lm_rpcd_opts opts;
    char host[64];
    char cors[256];
    method *methods;
    size_t nmethods;
    topic *topics;
    size_t ntopics;
    lm_rpcd_metrics_fn metrics_fn;
    void *metrics_ctx;

    struct lws_protocols protocols[2];
    lws_retry_bo_t retry;
    struct lws_context *ctx;
    struct lws_vhost *vh;
    lws_sorted_usec_list_t sul;
    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_int port;

    /* server thread */
    uint64_t next_conn_id, next_sub_id, next_token;
    unsigned nconns;
    sub *subs[SUB_TABLE];
    pending *pend[PENDING_TABLE];
    pending *dhead, *dtail;
    bucket *rate[RATE_TABLE];
    uint64_t last_gc_ms;

    /* shared */
    pthread_mutex_t qlock;
    qitem *qhead, *qtail;
    size_t qpublish;
    bool qclosed;

    counters st;
};

struct lm_rpcd_call {
    lm_rpcd *s;
    conn *c;
    msg *m;
    size_t idx;
    json_t *id;
    bool notification;
    int state; /* 0 none, 1 result, 2 error, 3 deferred */
    json_t *result;
    int code;
    char message[256];
    json_t *data;
    uint64_t token;
};

#define CNT_ADD(s, f, v) atomic_fetch_add_explicit(&(s)->st.f, (v), memory_order_relaxed)

/* ---- small helpers ---------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static char *xstrdup(const char *str)
{
    size_t n = strlen(str) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, str, n);
    return d;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

static obuf *obuf_new(size_t len)
{
    obuf *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->mem = malloc(LWS_PRE + len + 1);
    if (!b->mem) {
        free(b);
        return NULL;
    }
    b->next = NULL;
    b->len = len;
    return b;
}

static void obuf_free(obuf *b)
{
    if (b) {
        free(b->mem);
        free(b);
    }
}

/* A growable buffer that keeps LWS_PRE bytes of headroom. */
typedef struct gbuf {
    unsigned char *p;
    size_t len, cap; /* len counts bytes after the headroom */
    bool oom;
} gbuf;

static void gbuf_put(gbuf *g, const void *data, size_t n)
{
    if (g->oom)
        return;
    if (LWS_PRE + g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 256;
        while (cap < LWS_PRE + g->len + n + 1)
            cap *= 2;
        unsigned char *q = realloc(g->p, cap);
        if (!q) {
            g->oom = true;
            return;
        }
        g->p = q;
        g->cap = cap;
    }
    memcpy(g->p + LWS_PRE + g->len, data, n);
    g->len += n;
}

static int gbuf_dump_cb(const char *buffer, size_t size, void *data)
{
    gbuf_put(data, buffer, size);
    return ((gbuf *)data)->oom ? -1 : 0;
}

/* Serializes j into a new obuf. Returns: NULL on allocation failure. */
static obuf *obuf_from_json(const json_t *j)
{
    gbuf g = {0};
    if (json_dump_callback(j, gbuf_dump_cb, &g, JSON_COMPACT) != 0 || g.oom) {
        free(g.p);
        return NULL;
    }
    obuf *b = malloc(sizeof *b);
    if (!b) {
        free(g.p);
        return NULL;
    }
    b->next = NULL;
    b->len = g.len;
    b->mem = g.p;
    return b;
}

static obuf *obuf_from_text(const char *text)
{
    size_t n = strlen(text);
    obuf *b = obuf_new(n);
    if (b)
        memcpy(b->mem + LWS_PRE, text, n);
    return b;
}

/* ---- JSON-RPC response objects ------------------------------------------------
 * §5: "When a rpc call is made, the Server MUST reply with a Response,
 * except for in the case of Notifications. The Response is expressed as a
 * single JSON Object, with the following members: jsonrpc ... result ...
 * error ... id". */

static json_t *resp_result(json_t *id, json_t *result)
{
    json_t *r = json_object();
    if (!r) {
        json_decref(result);
        return NULL;
    }
    json_object_set_new(r, "jsonrpc", json_string("2.0"));
    json_object_set_new(r, "result", result ? result : json_null());
    json_object_set(r, "id", id ? id : json_null());
    return r;
}

static json_t *resp_error(lm_rpcd *s, json_t *id, int code, const char *message, json_t *data)
{
    CNT_ADD(s, errors, 1);
    json_t *e = json_object();
    json_t *r = json_object();
    if (!e || !r) {
        json_decref(e);
        json_decref(r);
        json_decref(data);
        return NULL;
    }
    json_object_set_new(e, "code", json_integer(code));
    json_object_set_new(e, "message", json_string(message));
    if (data)
        json_object_set_new(e, "data", data);
    json_object_set_new(r, "jsonrpc", json_string("2.0"));
    json_object_set_new(r, "error", e);
    json_object_set(r, "id", id ? id : json_null());
    return r;
}

/* ---- rate limit: a token bucket per remote IP ---------------------------------- */

static bucket *rate_bucket(lm_rpcd *s, const char *ip, uint64_t now)
{
    unsigned h = (unsigned)(fnv1a(0xcbf29ce484222325ull, ip, strlen(ip)) % RATE_TABLE);
    for (bucket *b = s->rate[h]; b; b = b->next)
        if (strcmp(b->ip, ip) == 0)
            return b;
    bucket *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    copy_str(b->ip, sizeof b->ip, ip);
    b->tokens = s->opts.rate_burst;
    b->last_ms = now;
    b->next = s->rate[h];
    s->rate[h] = b;
    return b;
}

/* Takes one token for ip. Returns: true when allowed. */
static bool rate_take(lm_rpcd *s, const char *ip)
{
    if (s->opts.rate_per_s <= 0)
        return true;
    uint64_t now = now_ms();
    bucket *b = rate_bucket(s, ip, now);
    if (!b)
        return true; /* out of memory: do not punish the client */
    if (now > b->last_ms) {
        b->tokens += (double)(now - b->last_ms) * s->opts.rate_per_s / 1000.0;
        if (b->tokens > s->opts.rate_burst)
            b->tokens = s->opts.rate_burst;
        b->last_ms = now;
    }
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

/* Drops buckets that have refilled completely (they hold no information). */
static void rate_gc(lm_rpcd *s, uint64_t now)
{
    if (s->opts.rate_per_s <= 0)
        return;
    for (unsigned h = 0; h < RATE_TABLE; h++) {
        bucket **pp = &s->rate[h];
        while (*pp) {
            bucket *b = *pp;
            double full = b->tokens + (double)(now - b->last_ms) * s->opts.rate_per_s / 1000.0;
            if (full >= s->opts.rate_burst) {
                *pp = b->next;
                free(b);
            } else {
                pp = &b->next;
            }
        }
    }
}

/* ---- subscriptions ------------------------------------------------------------- */

static unsigned sub_hash(const topic *t, const char *key)
{
    uint64_t h = fnv1a(0xcbf29ce484222325ull, &t, sizeof t);
    return (unsigned)(fnv1a(h, key, strlen(key)) % SUB_TABLE);
}

static void sub_unlink_free(lm_rpcd *s, sub *x)
{
    if (x->bprev)
        x->bprev->bnext = x->bnext;
    else
        s->subs[sub_hash(x->t, x->key)] = x->bnext;
    if (x->bnext)
        x->bnext->bprev = x->bprev;
    atomic_fetch_sub(&x->t->nsubs, 1);
    atomic_fetch_sub_explicit(&s->st.subscriptions, 1, memory_order_relaxed);
    free(x);
}

/* ---- connections: output ---------------------------------------------------------- */

static void conn_kill(conn *c)
{
    if (!c->dead) {
        c->dead = true;
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

/* Queues b on a WS connection (takes b). A client whose queue would pass
 * opts.max_ws_queue_bytes is disconnected: it does not read fast enough. */
static void ws_enqueue(conn *c, obuf *b)
{
    lm_rpcd *s = c->s;
    if (c->dead) {
        obuf_free(b);
        return;
    }
    if (c->oq_bytes + b->len > s->opts.max_ws_queue_bytes) {
        obuf_free(b);
        CNT_ADD(s, slow_disconnects, 1);
        LM_WARN(COMP, "disconnecting slow WebSocket client %s (%zu bytes queued)", c->peer,
                c->oq_bytes);
        while (c->oq_head) {
            obuf *x = c->oq_head;
            c->oq_head = x->next;
            obuf_free(x);
        }
        c->oq_tail = NULL;
        c->oq_bytes = 0;
        conn_kill(c);
        return;
    }
    if (c->oq_tail)
        c->oq_tail->next = b;
    else
        c->oq_head = b;
    c->oq_tail = b;
    c->oq_bytes += b->len;
    lws_callback_on_writable(c->wsi);
}

/* Sets the HTTP answer of c (takes body, which may be NULL for none). */
static void http_set_response(conn *c, unsigned status, const char *ctype, obuf *body, bool close)
{
    obuf_free(c->resp);
    c->resp = body;
    c->status = status;
    c->ctype = ctype;
    c->close_after = close;
    c->have_resp = true;
    lws_callback_on_writable(c->wsi);
}

static void http_set_text(conn *c, unsigned status, const char *text, bool close)
{
    http_set_response(c, status, "text/plain", obuf_from_text(text), close);
}

static void http_set_rpc_error(conn *c, unsigned status, int code, const char *message, bool close)
{
    json_t *r = resp_error(c->s, NULL, code, message, NULL);
    obuf *b = r ? obuf_from_json(r) : NULL;
    json_decref(r);
    http_set_response(c, status, "application/json", b, close);
}

/* Answers a POST that is refused before JSON-RPC parsing. */
static void http_refuse(conn *c, unsigned status, bool close)
{
    switch (status) {
    case 404:
        http_set_text(c, 404, "not found", close);
        break;
    case 415:
        http_set_rpc_error(c, 415, LM_RPCD_INVALID_REQUEST, "Content-Type must be application/json",
                           close);
        break;
    default:
        http_set_rpc_error(c, 413, LM_RPCD_LIMIT_EXCEEDED, "request body too large", close);
        break;
    }
}

static int http_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                       unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p, end);
}

/* Fetch standard (CORS): "Access-Control-Allow-Origin" lets a browser page
 * from that origin read the answer; a preflight (OPTIONS) learns the
 * allowed methods and headers. Only when opts.cors_origin is set. */
static int cors_headers(conn *c, unsigned char **p, unsigned char *end)
{
    const char *origin = c->s->opts.cors_origin;
    if (!origin)
        return 0;
    if (http_header(c->wsi, "access-control-allow-origin:", origin, p, end))
        return -1;
    if (!c->preflight)
        return 0;
    c->preflight = false;
    return http_header(c->wsi, "access-control-allow-methods:", "POST, GET, OPTIONS", p, end) ||
           http_header(c->wsi, "access-control-allow-headers:", "Content-Type", p, end) ||
           http_header(c->wsi, "access-control-max-age:", "600", p, end);
}

/* Writes the pending HTTP answer. Returns: 0, or -1 to close. */
static int http_write_response(conn *c)
{
    struct lws *wsi = c->wsi;
    unsigned char hdr[LWS_PRE + 512];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    size_t blen = c->resp ? c->resp->len : 0;
    c->have_resp = false;
    CNT_ADD(c->s, http_requests, 1);
    if (lws_add_http_common_headers(wsi, c->status, c->ctype, blen, &p, end))
        return -1;
    if (c->close_after &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                     &p, end))
        return -1;
    if (c->status == 429 &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_RETRY_AFTER,
                                     (const unsigned char *)"1", 1, &p, end))
        return -1;
    if (c->status == 405 && http_header(wsi, "allow:", "GET, POST, OPTIONS", &p, end))
        return -1;
    if (cors_headers(c, &p, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    if (blen) {
        int w = lws_write(wsi, c->resp->mem + LWS_PRE, blen, LWS_WRITE_HTTP_FINAL);
        obuf_free(c->resp);
        c->resp = NULL;
        if (w < 0 || (size_t)w != blen)
            return -1;
    }
    if (c->close_after)
        return -1;
    c->body_len = 0;
    c->discard = false;
    c->rpc_post = false;
    if (lws_http_transaction_completed(wsi))
        return -1;
    return 0;
}

/* ---- messages ------------------------------------------------------------------------ */

static void msg_free(msg *m)
{
    for (size_t i = 0; i < m->n; i++)
        json_decref(m->resp[i]);
    free(m->resp);
    free(m);
}

static void msg_detach(msg *m)
{
    conn *c = m->c;
    if (!c)
        return;
    if (m->prev)
        m->prev->next = m->next;
    else
        c->msgs = m->next;
    if (m->next)
        m->next->prev = m->prev;
    m->prev = m->next = NULL;
    m->c = NULL;
}

/* All calls of m are answered: send the answer and free m.
 * §6: "The Server should respond with an Array containing the
 * corresponding Response objects ... If there are no Response objects
 * contained within the Response array as it is to be sent to the client,
 * the server MUST NOT return an empty Array and should return nothing at
 * all." */
static void msg_finish(msg *m)
{
    conn *c = m->c;
    if (!c) {
        msg_free(m);
        return;
    }
    json_t *out = NULL;
    size_t answers = 0;
    for (size_t i = 0; i < m->n; i++)
        answers += m->resp[i] != NULL;
    if (m->batch && answers) {
        out = json_array();
        for (size_t i = 0; out && i < m->n; i++)
            if (m->resp[i])
                json_array_append(out, m->resp[i]);
    } else if (answers) {
        out = json_incref(m->resp[0]);
    }
    obuf *b = out ? obuf_from_json(out) : NULL;
    bool oom = answers && !b;
    json_decref(out);
    if (c->is_ws) {
        if (b)
            ws_enqueue(c, b);
        else if (oom)
            conn_kill(c);
    } else if (oom) {
        http_set_text(c, 500, "out of memory", true);
    } else if (!b) {
        http_set_response(c, 204, "application/json", NULL, false);
    } else {
        unsigned status = (m->limited && m->limited == m->n) ? 429 : 200;
        http_set_response(c, status, "application/json", b, false);
    }
    for (sub *x = m->new_subs; x; x = x->mnext) {
        x->announced = true;
        x->owner = NULL;
    }
    m->new_subs = NULL;
    msg_detach(m);
    msg_free(m);
}

static void msg_settle(msg *m, size_t idx, json_t *resp)
{
    if (!m) {
        json_decref(resp);
        return;
    }
    m->resp[idx] = resp;
    if (--m->outstanding == 0)
        msg_finish(m);
}

/* ---- deferred calls ------------------------------------------------------------------- */

static void pending_unlink(lm_rpcd *s, pending *p)
{
    pending **pp = &s->pend[p->token % PENDING_TABLE];
    while (*pp && *pp != p)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = p->hnext;
    if (p->dprev)
        p->dprev->dnext = p->dnext;
    else
        s->dhead = p->dnext;
    if (p->dnext)
        p->dnext->dprev = p->dprev;
    else
        s->dtail = p->dprev;
}

static pending *pending_take(lm_rpcd *s, uint64_t token)
{
    for (pending *p = s->pend[token % PENDING_TABLE]; p; p = p->hnext)
        if (p->token == token) {
            pending_unlink(s, p);
            return p;
        }
    return NULL;
}

static void pending_expire(lm_rpcd *s, uint64_t now)
{
    while (s->dhead && s->dhead->deadline_ms <= now) {
        pending *p = s->dhead;
        pending_unlink(s, p);
        CNT_ADD(s, deferred_timeouts, 1);
        json_t *r = p->m ? resp_error(s, p->id, LM_RPCD_INTERNAL_ERROR,
                                      "deferred call timed out", NULL)
                         : NULL;
        msg_settle(p->m, p->idx, r);
        json_decref(p->id);
        free(p);
    }
}

/* ---- dispatch -------------------------------------------------------------------------- */

static const method *find_method(const lm_rpcd *s, const char *name)
{
    for (size_t i = 0; i < s->nmethods; i++)
        if (strcmp(s->methods[i].name, name) == 0)
            return &s->methods[i];
    return NULL;
}

/* Subscriptions live on a WebSocket connection: over HTTP the method does
 * not exist. Returns: true on WebSocket, else answers the call. */
static bool ws_only(lm_rpcd_call *call, const char *name)
{
    if (call->c->is_ws)
        return true;
    char text[96];
    snprintf(text, sizeof text, "%s is only available over WebSocket", name);
    lm_rpcd_call_error(call, LM_RPCD_METHOD_NOT_FOUND, text, NULL);
    return false;
}

static void builtin_subscribe(lm_rpcd_call *call, json_t *params);
static void builtin_unsubscribe(lm_rpcd_call *call, json_t *params);

/* Turns the call's outcome into a response object (NULL: none).
 * Returns: true when the call is deferred. */
static bool call_outcome(lm_rpcd_call *call, json_t **out)
{
    lm_rpcd *s = call->s;
    *out = NULL;
    switch (call->state) {
    case 1:
        if (call->notification)
            json_decref(call->result);
        else
            *out = resp_result(call->id, call->result);
        return false;
    case 2:
        if (call->notification) {
            json_decref(call->data);
            CNT_ADD(s, errors, 1);
        } else {
            *out = resp_error(s, call->id, call->code, call->message, call->data);
        }
        return false;
    case 3:
        return !call->notification;
    default:
        if (!call->notification)
            *out = resp_error(s, call->id, LM_RPCD_INTERNAL_ERROR, "Internal error",
                              json_string("the handler gave no answer"));
        return false;
    }
}

/* §4: "A rpc call is represented by sending a Request object to a Server.
 * The Request object has the following members: jsonrpc — A String
 * specifying the version of the JSON-RPC protocol. MUST be exactly "2.0".
 * method — A String containing the name of the method to be invoked ...
 * params — A Structured value that holds the parameter values ... MAY be
 * omitted. id — An identifier established by the Client that MUST contain
 * a String, Number, or NULL value if included."
 * §4.1: "A Notification is a Request object without an "id" member ...
 * The Server MUST NOT reply to a Notification, including those that are
 * within a batch request."
 * Handles element idx of m (the request req). */
static void dispatch_one(lm_rpcd *s, conn *c, msg *m, size_t idx, json_t *req, bool allowed)
{
    json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
    bool notification = json_is_object(req) && id == NULL;
    if (id && !json_is_string(id) && !json_is_number(id) && !json_is_null(id))
        id = NULL; /* §5: "If there was an error in detecting the id ... it MUST be Null." */
    json_t *out = NULL;
    if (!allowed) {
        CNT_ADD(s, rate_limited, 1);
        m->limited++;
        if (!notification)
            out = resp_error(s, id, LM_RPCD_LIMIT_EXCEEDED, "rate limited", NULL);
        m->resp[idx] = out;
        return;
    }
    const char *why = NULL;
    json_t *ver = json_is_object(req) ? json_object_get(req, "jsonrpc") : NULL;
    json_t *meth = json_is_object(req) ? json_object_get(req, "method") : NULL;
    json_t *params = json_is_object(req) ? json_object_get(req, "params") : NULL;
    json_t *idv = json_is_object(req) ? json_object_get(req, "id") : NULL;
    if (!json_is_object(req))
        why = "a request must be a JSON object";
    else if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
        why = "\"jsonrpc\" must be exactly \"2.0\"";
    else if (!json_is_string(meth))
        why = "\"method\" must be a string";
    else if (params && !json_is_array(params) && !json_is_object(params))
        why = "\"params\" must be an array or an object";
    else if (idv && !json_is_string(idv) && !json_is_number(idv) && !json_is_null(idv))
        why = "\"id\" must be a string, a number or null";
    if (why) {
        /* An invalid request is answered even without an id (§7 examples:
         * {"jsonrpc": "2.0", "method": 1, "params": "bar"} gets -32600). */
        m->resp[idx] = resp_error(s, id, LM_RPCD_INVALID_REQUEST, "Invalid Request", json_string(why));
        return;
    }
    const char *name = json_string_value(meth);
    lm_rpcd_call call = {.s = s, .c = c, .m = m, .idx = idx, .id = id, .notification = notification};
    json_t *empty = NULL;
    if (!params)
        params = empty = json_array();
    const method *mt = NULL;
    bool builtin_sub = strcmp(name, "lamina_subscribe") == 0;
    bool builtin_unsub = strcmp(name, "lamina_unsubscribe") == 0;
    if (!builtin_sub && !builtin_unsub)
        mt = find_method(s, name);
    if (!builtin_sub && !builtin_unsub && !mt) {
        json_decref(empty);
        if (!notification)
            m->resp[idx] = resp_error(s, id, LM_RPCD_METHOD_NOT_FOUND, "Method not found",
                                      json_string(name));
        return;
    }
    CNT_ADD(s, calls, 1);
    if (builtin_sub)
        builtin_subscribe(&call, params);
    else if (builtin_unsub)
        builtin_unsubscribe(&call, params);
    else
        mt->fn(&call, params, mt->ctx);
    json_decref(empty);
    if (call_outcome(&call, &out))
        m->outstanding++;
    else
        m->resp[idx] = out;
}

/* Answers m, still being dispatched, with the one response r. */
static void msg_answer_single(msg *m, json_t *r)
{
    m->n = 1;
    m->resp = calloc(1, sizeof *m->resp);
    if (!m->resp) {
        json_decref(r);
        conn *c = m->c;
        msg_detach(m);
        msg_free(m);
        conn_kill(c);
        return;
    }
    msg_settle(m, 0, r);
}

/* Parses and answers one message (an HTTP body or a WS message).
 * The rate limit charges one token per call; the first is taken before
 * parsing, so that a limited client costs no JSON parsing. */
static void handle_message(lm_rpcd *s, conn *c, const char *text, size_t len)
{
    msg *m = calloc(1, sizeof *m);
    if (!m) {
        conn_kill(c);
        return;
    }
    m->c = c;
    m->next = c->msgs;
    if (c->msgs)
        c->msgs->prev = m;
    c->msgs = m;
    m->outstanding = 1; /* held while dispatching */
    bool first_ok = rate_take(s, c->peer);
    json_t *root = NULL;
    json_error_t jerr;
    if (first_ok)
        root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!first_ok || !root) {
        json_t *r;
        if (!first_ok) {
            CNT_ADD(s, rate_limited, 1);
            m->limited = 1;
            r = resp_error(s, NULL, LM_RPCD_LIMIT_EXCEEDED, "rate limited", NULL);
        } else {
            /* §5.1: -32700 "Invalid JSON was received by the server. An
             * error occurred on the server while parsing the JSON text." */
            char detail[256];
            snprintf(detail, sizeof detail, "line %d column %d: %s", jerr.line, jerr.column,
                     jerr.text);
            r = resp_error(s, NULL, LM_RPCD_PARSE_ERROR, "Parse error", json_string(detail));
        }
        msg_answer_single(m, r);
        return;
    }
    if (json_is_array(root)) {
        /* §6: "If the batch rpc call itself fails to be recognized as an
         * valid JSON or as an Array with at least one value, the response
         * from the Server MUST be a single Response object." */
        size_t n = json_array_size(root);
        if (n == 0 || n > s->opts.max_batch) {
            json_t *r;
            if (n == 0) {
                r = resp_error(s, NULL, LM_RPCD_INVALID_REQUEST, "Invalid Request",
                               json_string("empty batch"));
            } else {
                char detail[96];
                snprintf(detail, sizeof detail, "batch too large: %zu calls, at most %zu", n,
                         s->opts.max_batch);
                r = resp_error(s, NULL, LM_RPCD_LIMIT_EXCEEDED, detail, NULL);
            }
            json_decref(root);
            msg_answer_single(m, r);
            return;
        }
        m->batch = true;
        m->n = n;
        m->resp = calloc(n, sizeof *m->resp);
        if (!m->resp) {
            json_decref(root);
            msg_detach(m);
            msg_free(m);
            conn_kill(c);
            return;
        }
        for (size_t i = 0; i < n; i++)
            dispatch_one(s, c, m, i, json_array_get(root, i), i == 0 || rate_take(s, c->peer));
    } else {
        m->n = 1;
        m->resp = calloc(1, sizeof *m->resp);
        if (!m->resp) {
            json_decref(root);
            msg_detach(m);
            msg_free(m);
            conn_kill(c);
            return;
        }
        dispatch_one(s, c, m, 0, root, true);
    }
    json_decref(root);
    if (--m->outstanding == 0)
        msg_finish(m);
}

/* ---- the call API (server thread, inside a handler) -------------------------------------- */

void lm_rpcd_call_result(lm_rpcd_call *call, json_t *result)
{
    if (call->state) {
        json_decref(result);
        return;
    }
    call->state = 1;
    call->result = result ? result : json_null();
}

void lm_rpcd_call_error(lm_rpcd_call *call, int code, const char *message, json_t *data)
{
    if (call->state) {
        json_decref(data);
        return;
    }
    call->state = 2;
    call->code = code;
    copy_str(call->message, sizeof call->message, message ? message : "");
    call->data = data;
}

uint64_t lm_rpcd_call_defer(lm_rpcd_call *call)
{
    if (call->state == 3)
        return call->token;
    if (call->state)
        return 0;
    lm_rpcd *s = call->s;
    pending *p = calloc(1, sizeof *p);
    if (!p) {
        lm_rpcd_call_error(call, LM_RPCD_INTERNAL_ERROR, "out of memory", NULL);
        return 0;
    }
    p->token = ++s->next_token;
    p->m = call->notification ? NULL : call->m;
    p->idx = call->idx;
    p->id = json_incref(call->id);
    p->deadline_ms = now_ms() + s->opts.deferred_timeout_ms;
    p->hnext = s->pend[p->token % PENDING_TABLE];
    s->pend[p->token % PENDING_TABLE] = p;
    p->dprev = s->dtail;
    if (s->dtail)
        s->dtail->dnext = p;
    else
        s->dhead = p;
    s->dtail = p;
    call->state = 3;
    call->token = p->token;
    return p->token;
}

lm_rpcd_transport lm_rpcd_call_transport(const lm_rpcd_call *call)
{
    return call->c->is_ws ? LM_RPCD_WS : LM_RPCD_HTTP;
}

const char *lm_rpcd_call_peer(const lm_rpcd_call *call) { return call->c->peer; }

uint64_t lm_rpcd_call_conn_id(const lm_rpcd_call *call) { return call->c->id; }

/* ---- built-in subscription methods --------------------------------------------------------- */

static topic *find_topic(lm_rpcd *s, const char *name)
{
    for (size_t i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i].name, name) == 0)
            return &s->topics[i];
    return NULL;
}

/* The canonical key of a subscription to t with key parameter kp (NULL:
 * none). Out: key ("" for none). Returns: LM_OK, or LM_EINVAL with a
 * message for the client. */
static int subscribe_key(const topic *t, const json_t *kp, char key[LM_RPCD_KEY_MAX + 1],
                         lm_err *err)
{
    key[0] = 0;
    if (kp && t->mode == LM_RPCD_KEY_NONE)
        return lm_err_set(err, LM_EINVAL, "this topic takes no key");
    if (!kp && t->mode == LM_RPCD_KEY_REQUIRED)
        return lm_err_set(err, LM_EINVAL, "this topic needs a key");
    if (!kp)
        return LM_OK;
    if (t->key_fn) {
        lm_err_clear(err);
        if (t->key_fn(t->ctx, kp, key, err) != LM_OK) {
            if (!err->msg[0])
                lm_err_set(err, LM_EINVAL, "bad key");
            return LM_EINVAL;
        }
        key[LM_RPCD_KEY_MAX] = 0;
    } else if (!json_is_string(kp) || json_string_length(kp) > LM_RPCD_KEY_MAX ||
               strlen(json_string_value(kp)) != json_string_length(kp)) {
        return lm_err_set(err, LM_EINVAL, "the key must be a string of at most %d bytes",
                          LM_RPCD_KEY_MAX);
    } else {
        copy_str(key, LM_RPCD_KEY_MAX + 1, json_string_value(kp));
    }
    if (!key[0])
        return lm_err_set(err, LM_EINVAL, "empty key");
    return LM_OK;
}

static void builtin_subscribe(lm_rpcd_call *call, json_t *params)
{
    lm_rpcd *s = call->s;
    conn *c = call->c;
    if (!ws_only(call, "lamina_subscribe"))
        return;
    json_t *tn = json_array_get(params, 0);
    json_t *kp = json_array_get(params, 1);
    if (!json_is_array(params) || !json_is_string(tn) || json_array_size(params) > 2) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "Invalid params",
                           json_string("expected [topic] or [topic, key]"));
        return;
    }
    topic *t = find_topic(s, json_string_value(tn));
    if (!t) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "Invalid params",
                           json_sprintf("unknown topic \"%s\"", json_string_value(tn)));
        return;
    }
    char key[LM_RPCD_KEY_MAX + 1] = "";
    lm_err kerr;
    if (subscribe_key(t, kp, key, &kerr) != LM_OK) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "Invalid params", json_string(kerr.msg));
        return;
    }
    if (c->nsubs >= s->opts.max_subscriptions) {
        lm_rpcd_call_error(call, LM_RPCD_LIMIT_EXCEEDED, "too many subscriptions",
                           json_integer((json_int_t)s->opts.max_subscriptions));
        return;
    }
    sub *x = calloc(1, sizeof *x);
    if (!x) {
        lm_rpcd_call_error(call, LM_RPCD_INTERNAL_ERROR, "out of memory", NULL);
        return;
    }
    x->id = ++s->next_sub_id;
    x->c = c;
    x->t = t;
    copy_str(x->key, sizeof x->key, key);
    unsigned h = sub_hash(t, x->key);
    x->bnext = s->subs[h];
    if (x->bnext)
        x->bnext->bprev = x;
    s->subs[h] = x;
    x->cnext = c->subs;
    c->subs = x;
    c->nsubs++;
    /* announced once the answer is queued, so that no notification can
     * overtake the subscription id */
    x->mnext = call->m->new_subs;
    x->owner = call->m;
    call->m->new_subs = x;
    atomic_fetch_add(&t->nsubs, 1);
    CNT_ADD(s, subscriptions, 1);
    lm_rpcd_call_result(call, json_sprintf("0x%016" PRIx64, x->id));
}

static void builtin_unsubscribe(lm_rpcd_call *call, json_t *params)
{
    lm_rpcd *s = call->s;
    conn *c = call->c;
    if (!ws_only(call, "lamina_unsubscribe"))
        return;
    json_t *idp = json_array_get(params, 0);
    if (!json_is_array(params) || json_array_size(params) != 1 || !json_is_string(idp)) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "Invalid params",
                           json_string("expected [subscription id]"));
        return;
    }
    const char *want = json_string_value(idp);
    char idtxt[32];
    for (sub **pp = &c->subs; *pp; pp = &(*pp)->cnext) {
        snprintf(idtxt, sizeof idtxt, "0x%016" PRIx64, (*pp)->id);
        if (strcmp(idtxt, want) == 0) {
            sub *x = *pp;
            *pp = x->cnext;
            c->nsubs--;
            /* a subscription whose answer is still pending */
            if (x->owner) {
                for (sub **mp = &x->owner->new_subs; *mp; mp = &(*mp)->mnext)
                    if (*mp == x) {
                        *mp = x->mnext;
                        break;
                    }
            }
            sub_unlink_free(s, x);
            lm_rpcd_call_result(call, json_true());
            return;
        }
    }
    lm_rpcd_call_result(call, json_false());
}

/* ---- the queue from other threads --------------------------------------------------------- */

static void publish_deliver(lm_rpcd *s, topic *t, const char *key, const char *payload)
{
    const char *keys[2] = {key, ""};
    size_t nkeys = (t->mode == LM_RPCD_KEY_OPTIONAL && key[0]) ? 2 : 1;
    size_t plen = strlen(payload);
    for (size_t k = 0; k < nkeys; k++) {
        for (sub *x = s->subs[sub_hash(t, keys[k])]; x; x = x->bnext) {
            if (x->t != t || strcmp(x->key, keys[k]) != 0 || !x->announced || x->c->dead)
                continue;
            char head[128];
            int hn = snprintf(head, sizeof head,
                              "{\"jsonrpc\":\"2.0\",\"method\":\"lamina_subscription\",\"params\":"
                              "{\"subscription\":\"0x%016" PRIx64 "\",\"result\":",
                              x->id);
            obuf *b = obuf_new((size_t)hn + plen + 2);
            if (!b) {
                conn_kill(x->c);
                continue;
            }
            unsigned char *d = b->mem + LWS_PRE;
            memcpy(d, head, (size_t)hn);
            memcpy(d + hn, payload, plen);
            memcpy(d + hn + plen, "}}", 2);
            CNT_ADD(s, notifications, 1);
            ws_enqueue(x->c, b);
        }
    }
}

static void queue_drain(lm_rpcd *s)
{
    pthread_mutex_lock(&s->qlock);
    qitem *q = s->qhead;
    s->qhead = s->qtail = NULL;
    s->qpublish = 0;
    pthread_mutex_unlock(&s->qlock);
    while (q) {
        qitem *next = q->next;
        if (q->kind == Q_REPLY) {
            pending *p = pending_take(s, q->token);
            if (p) {
                json_t *r = NULL;
                if (p->m) {
                    if (q->message)
                        r = resp_error(s, p->id, q->code, q->message, q->data);
                    else
                        r = resp_result(p->id, q->result);
                } else {
                    json_decref(q->result);
                    json_decref(q->data);
                }
                msg_settle(p->m, p->idx, r);
                json_decref(p->id);
                free(p);
            } else {
                json_decref(q->result);
                json_decref(q->data);
            }
            free(q->message);
        } else {
            publish_deliver(s, q->t, q->key, q->payload);
            free(q->payload);
        }
        free(q);
        q = next;
    }
}

static void tick(lws_sorted_usec_list_t *sul)
{
    lm_rpcd *s = (lm_rpcd *)((char *)sul - offsetof(lm_rpcd, sul));
    uint64_t now = now_ms();
    pending_expire(s, now);
    if (now - s->last_gc_ms > 10000) {
        rate_gc(s, now);
        s->last_gc_ms = now;
    }
    lws_sul_schedule(s->ctx, 0, &s->sul, tick, TICK_MS * LWS_US_PER_MS);
}

/* ---- connection lifecycle ------------------------------------------------------------------ */

static void conn_destroy(conn *c)
{
    lm_rpcd *s = c->s;
    while (c->msgs) {
        msg *m = c->msgs;
        for (sub *x = m->new_subs; x; x = x->mnext)
            x->owner = NULL;
        m->new_subs = NULL;
        msg_detach(m); /* its deferred calls still settle, then free it */
    }
    while (c->subs) {
        sub *x = c->subs;
        c->subs = x->cnext;
        sub_unlink_free(s, x);
    }
    while (c->oq_head) {
        obuf *x = c->oq_head;
        c->oq_head = x->next;
        obuf_free(x);
    }
    obuf_free(c->resp);
    free(c->body);
    free(c->rx);
    s->nconns--;
    atomic_fetch_sub_explicit(&s->st.connections_open, 1, memory_order_relaxed);
    free(c);
}

/* Appends len bytes to a buffer capped at cap. Returns: false when the
 * cap would be passed or memory ran out. */
static bool buf_append(char **buf, size_t *blen, size_t *bcap, const void *in, size_t len, size_t cap)
{
    if (len > cap || *blen > cap - len)
        return false;
    if (*blen + len + 1 > *bcap) {
        size_t ncap = *bcap ? *bcap : 1024;
        while (ncap < *blen + len + 1)
            ncap *= 2;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return false;
        *buf = nb;
        *bcap = ncap;
    }
    memcpy(*buf + *blen, in, len);
    *blen += len;
    return true;
}

static bool hdr_is(struct lws *wsi, enum lws_token_indexes t)
{
    return lws_hdr_total_length(wsi, t) > 0;
}

/* LWS_CALLBACK_HTTP: a request's headers have arrived.
 * GET /health and GET /metrics are answered at once; JSON-RPC is POST / with
 * Content-Type application/json and a Content-Length. A POST that will be
 * refused (wrong path, wrong type, too large) is read and dropped before the
 * answer when its body is at most DRAIN_FACTOR times the limit, so that the
 * client reads the answer (closing with unread input would reset the
 * connection under it); larger ones are answered and closed at once. */
static int on_http(lm_rpcd *s, conn *c, const char *uri)
{
    c->body_len = 0;
    c->discard = false;
    c->rpc_post = false;
    bool get = hdr_is(c->wsi, WSI_TOKEN_GET_URI);
    bool post = hdr_is(c->wsi, WSI_TOKEN_POST_URI);
    if (get) {
        if (strcmp(uri, "/health") == 0) {
            http_set_text(c, 200, "ok", false);
        } else if (strcmp(uri, "/metrics") == 0 && s->metrics_fn) {
            char *text = s->metrics_fn(s->metrics_ctx);
            if (text)
                http_set_response(c, 200, "text/plain; version=0.0.4", obuf_from_text(text), false);
            else
                http_set_text(c, 500, "metrics unavailable", false);
            free(text);
        } else if (strcmp(uri, "/") == 0) {
            http_set_text(c, 405, "use POST with Content-Type: application/json", false);
        } else {
            http_set_text(c, 404, "not found", false);
        }
        return 0;
    }
    if (hdr_is(c->wsi, WSI_TOKEN_OPTIONS_URI) && s->opts.cors_origin) {
        c->preflight = true;
        http_set_response(c, 204, "text/plain", NULL, false);
        return 0;
    }
    if (!post) {
        http_set_text(c, 405, "method not allowed", true);
        return 0;
    }
    char cl[32] = "";
    if (lws_hdr_copy(c->wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
        http_set_text(c, 411, "Content-Length required", true);
        return 0;
    }
    char *endp = NULL;
    unsigned long long declared = strtoull(cl, &endp, 10);
    if (endp == cl || *endp != 0 || cl[0] < '0' || cl[0] > '9') {
        http_set_text(c, 400, "bad Content-Length", true);
        return 0;
    }
    char ctype[128] = "";
    if (lws_hdr_copy(c->wsi, ctype, sizeof ctype, WSI_TOKEN_HTTP_CONTENT_TYPE) < 0)
        ctype[0] = 0;
    size_t jl = strlen("application/json");
    bool json_type = strncasecmp(ctype, "application/json", jl) == 0 &&
                     (ctype[jl] == 0 || ctype[jl] == ';' || ctype[jl] == ' ');
    unsigned refuse = strcmp(uri, "/") != 0            ? 404
                      : !json_type                     ? 415
                      : declared > s->opts.max_body_bytes ? 413
                                                       : 0;
    /* RFC 9110 §10.1.1: a client that sends "Expect: 100-continue" waits
     * for an interim 100 (Continue) before the body; a server that refuses
     * answers with the final status instead (and the body never comes). */
    char expect[32] = "";
    bool wants_continue =
        lws_hdr_copy(c->wsi, expect, sizeof expect, WSI_TOKEN_HTTP_EXPECT) > 0 &&
        strcasecmp(expect, "100-continue") == 0 && declared > 0;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_HTTP_CONTENT, (int)s->opts.request_timeout_s);
    if (refuse && (wants_continue || declared / DRAIN_FACTOR > s->opts.max_body_bytes)) {
        http_refuse(c, refuse, true);
        return 0;
    }
    if (declared == 0) { /* no body will come */
        lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
        if (refuse)
            http_refuse(c, refuse, false);
        else
            handle_message(s, c, "", 0);
        return 0;
    }
    if (wants_continue) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        unsigned char buf[LWS_PRE + sizeof cont];
        memcpy(buf + LWS_PRE, cont, sizeof cont - 1);
        if (lws_write(c->wsi, buf + LWS_PRE, sizeof cont - 1, LWS_WRITE_RAW) != (int)sizeof cont - 1)
            return -1;
    }
    c->rpc_post = true;
    c->discard = refuse != 0;
    c->status = refuse;
    return 0;
}

static int on_http_body(lm_rpcd *s, conn *c, const void *in, size_t len)
{
    if (!c->rpc_post || c->discard)
        return 0;
    if (!buf_append(&c->body, &c->body_len, &c->body_cap, in, len, s->opts.max_body_bytes)) {
        /* more than Content-Length announced, or out of memory */
        c->body_len = 0;
        c->discard = true;
        c->status = 413;
    }
    return 0;
}

static int on_http_body_done(lm_rpcd *s, conn *c)
{
    lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
    if (!c->rpc_post)
        return 0;
    c->rpc_post = false;
    if (c->discard) {
        c->discard = false;
        http_refuse(c, c->status, false);
    } else {
        size_t n = c->body_len;
        c->body_len = 0;
        handle_message(s, c, c->body ? c->body : "", n);
    }
    /* an answer that is ready goes out now, saving a trip through the
     * event loop (lws allows writing an HTTP answer here, as after a
     * redirect); a deferred one waits for WRITEABLE */
    if (c->have_resp)
        return http_write_response(c);
    return 0;
}

static int on_ws_receive(lm_rpcd *s, conn *c, const void *in, size_t len)
{
    if (c->dead)
        return -1;
    if (!buf_append(&c->rx, &c->rx_len, &c->rx_cap, in, len, s->opts.max_ws_message_bytes)) {
        /* RFC 6455 §7.4.1: "1009 indicates that an endpoint is terminating
         * the connection because it has received a message that is too big
         * for it to process." */
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)"message too large", 17);
        return -1;
    }
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
        return 0;
    CNT_ADD(s, ws_messages, 1);
    size_t n = c->rx_len;
    c->rx_len = 0;
    handle_message(s, c, c->rx, n);
    return 0;
}

static int on_ws_writeable(conn *c)
{
    if (c->dead)
        return -1;
    obuf *b = c->oq_head;
    if (!b)
        return 0;
    c->oq_head = b->next;
    if (!c->oq_head)
        c->oq_tail = NULL;
    c->oq_bytes -= b->len;
    int w = lws_write(c->wsi, b->mem + LWS_PRE, b->len, LWS_WRITE_TEXT);
    size_t len = b->len;
    obuf_free(b);
    if (w < 0 || (size_t)w < len)
        return -1;
    if (c->oq_head)
        lws_callback_on_writable(c->wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *ctx = wsi ? lws_get_context(wsi) : NULL;
    lm_rpcd *s = ctx ? lws_context_user(ctx) : NULL;
    conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        if (s && s->nconns >= s->opts.max_connections) {
            CNT_ADD(s, connections_refused, 1);
            return 1;
        }
        return 0;
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: {
        if (!s)
            return 0;
        c = calloc(1, sizeof *c);
        if (!c) {
            lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            return 0;
        }
        c->s = s;
        c->wsi = wsi;
        c->id = ++s->next_conn_id;
        if (!lws_get_peer_simple(wsi, c->peer, sizeof c->peer))
            copy_str(c->peer, sizeof c->peer, "?");
        s->nconns++;
        CNT_ADD(s, connections_open, 1);
        CNT_ADD(s, connections_total, 1);
        lws_set_opaque_user_data(wsi, c);
        return 0;
    }
    case LWS_CALLBACK_WSI_DESTROY:
        if (c) {
            lws_set_opaque_user_data(wsi, NULL);
            conn_destroy(c);
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (s)
            queue_drain(s);
        return 0;
    case LWS_CALLBACK_PROTOCOL_INIT:
        if (s) {
            s->last_gc_ms = now_ms();
            lws_sul_schedule(ctx, 0, &s->sul, tick, TICK_MS * LWS_US_PER_MS);
        }
        return 0;
    case LWS_CALLBACK_PROTOCOL_DESTROY:
        if (s)
            lws_sul_cancel(&s->sul);
        return 0;
    case LWS_CALLBACK_HTTP:
        if (!c || on_http(s, c, in ? (const char *)in : ""))
            return -1;
        return c->have_resp ? http_write_response(c) : 0;
    case LWS_CALLBACK_HTTP_BODY:
        return c ? on_http_body(s, c, in, len) : -1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return c ? on_http_body_done(s, c) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!c)
            return -1;
        if (c->dead)
            return -1;
        return c->have_resp ? http_write_response(c) : 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        /* WebSocket upgrades are served on "/" and "/ws". */
        char uri[16] = "";
        if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
            return 1;
        return strcmp(uri, "/") != 0 && strcmp(uri, "/ws") != 0;
    }
    case LWS_CALLBACK_ESTABLISHED:
        if (!c)
            return -1;
        c->is_ws = true;
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return c ? on_ws_receive(s, c, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? on_ws_writeable(c) : -1;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- lifecycle --------------------------------------------------------------------------------- */

void lm_rpcd_opts_default(lm_rpcd_opts *o)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = 0;
    o->max_body_bytes = 1u << 20;
    o->max_ws_message_bytes = 1u << 20;
    o->max_batch = 100;
    o->max_connections = 1024;
    o->max_subscriptions = 128;
    o->max_ws_queue_bytes = 16u << 20;
    o->rate_per_s = 1000;
    o->rate_burst = 2000;
    o->request_timeout_s = 10;
    o->idle_timeout_s = 30;
    o->ws_ping_s = 30;
    o->ws_hangup_s = 60;
    o->deferred_timeout_ms = 30000;
    o->max_pending_publish = 65536;
}

int lm_rpcd_new(lm_rpcd **out, const lm_rpcd_opts *opts, lm_err *err)
{
    *out = NULL;
    lm_rpcd_opts o;
    if (opts)
        o = *opts;
    else
        lm_rpcd_opts_default(&o);
    if (!o.host || strlen(o.host) >= 64)
        return lm_err_set(err, LM_EINVAL, "rpcd: bad listen host");
    if (o.cors_origin && (!o.cors_origin[0] || strlen(o.cors_origin) >= 256 ||
                          strpbrk(o.cors_origin, "\r\n")))
        return lm_err_set(err, LM_EINVAL, "rpcd: bad CORS origin");
    if (o.port < 0 || o.port > 65535)
        return lm_err_set(err, LM_EINVAL, "rpcd: bad port %d", o.port);
    if (!o.max_body_bytes || !o.max_ws_message_bytes || !o.max_batch || !o.max_connections ||
        !o.max_ws_queue_bytes || !o.request_timeout_s || !o.idle_timeout_s ||
        !o.deferred_timeout_ms || !o.max_pending_publish || o.ws_hangup_s > 65535 ||
        o.ws_ping_s > 65535 || o.rate_per_s < 0 || (o.rate_per_s > 0 && o.rate_burst < 1))
        return lm_err_set(err, LM_EINVAL, "rpcd: a limit is zero or out of range");
    lm_rpcd *s = calloc(1, sizeof *s);
    if (!s)
        return lm_err_set(err, LM_ENOMEM, "rpcd: out of memory");
    s->opts = o;
    copy_str(s->host, sizeof s->host, o.host);
    s->opts.host = s->host;
    if (o.cors_origin) {
        copy_str(s->cors, sizeof s->cors, o.cors_origin);
        s->opts.cors_origin = s->cors;
    }
    pthread_mutex_init(&s->qlock, NULL);
    *out = s;
    return LM_OK;
}

int lm_rpcd_register(lm_rpcd *s, const char *name, lm_rpcd_handler fn, void *ctx, lm_err *err)
{
    if (s->started)
        return lm_err_set(err, LM_EINVAL, "rpcd: register before start");
    if (!name || !fn || !name[0] || strlen(name) > MAX_METHOD_NAME)
        return lm_err_set(err, LM_EINVAL, "rpcd: bad method name");
    if (strncmp(name, "rpc.", 4) == 0)
        return lm_err_set(err, LM_EINVAL, "rpcd: method names beginning with \"rpc.\" are reserved");
    if (find_method(s, name) || strcmp(name, "lamina_subscribe") == 0 ||
        strcmp(name, "lamina_unsubscribe") == 0)
        return lm_err_set(err, LM_EINVAL, "rpcd: method %s already registered", name);
    method *nm = realloc(s->methods, (s->nmethods + 1) * sizeof *nm);
    if (!nm)
        return lm_err_set(err, LM_ENOMEM, "rpcd: out of memory");
    s->methods = nm;
    char *copy = xstrdup(name);
    if (!copy)
        return lm_err_set(err, LM_ENOMEM, "rpcd: out of memory");
    s->methods[s->nmethods++] = (method){copy, fn, ctx};
    return LM_OK;
}

int lm_rpcd_add_topic(lm_rpcd *s, const char *name, lm_rpcd_key_mode mode, lm_rpcd_key_fn key_fn,
                      void *ctx, lm_err *err)
{
    if (s->started)
        return lm_err_set(err, LM_EINVAL, "rpcd: add topics before start");
    if (!name || !name[0] || strlen(name) > MAX_METHOD_NAME)
        return lm_err_set(err, LM_EINVAL, "rpcd: bad topic name");
    if (mode != LM_RPCD_KEY_NONE && mode != LM_RPCD_KEY_OPTIONAL && mode != LM_RPCD_KEY_REQUIRED)
        return lm_err_set(err, LM_EINVAL, "rpcd: bad key mode");
    if (find_topic(s, name))
        return lm_err_set(err, LM_EINVAL, "rpcd: topic %s already declared", name);
    topic *nt = realloc(s->topics, (s->ntopics + 1) * sizeof *nt);
    if (!nt)
        return lm_err_set(err, LM_ENOMEM, "rpcd: out of memory");
    s->topics = nt;
    char *copy = xstrdup(name);
    if (!copy)
        return lm_err_set(err, LM_ENOMEM, "rpcd: out of memory");
    topic *t = &s->topics[s->ntopics++];
    t->name = copy;
    t->mode = mode;
    t->key_fn = key_fn;
    t->ctx = ctx;
    atomic_init(&t->nsubs, 0);
    return LM_OK;
}

void lm_rpcd_set_metrics(lm_rpcd *s, lm_rpcd_metrics_fn fn, void *ctx)
{
    if (s->started)
        return;
    s->metrics_fn = fn;
    s->metrics_ctx = ctx;
}

static void lws_log_emit(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    lm_log(level == LLL_ERR ? LM_LOG_ERROR : LM_LOG_WARN, "lws", "%.*s", (int)n, line);
}

static void *server_main(void *arg)
{
    lm_rpcd *s = arg;
    prctl(PR_SET_NAME, "lm-rpc"); /* shown by top -H and perf */
    while (!atomic_load(&s->stop))
        if (lws_service(s->ctx, 0) < 0) {
            LM_ERROR(COMP, "the event loop failed; the server no longer answers");
            break;
        }
    return NULL;
}

/* Tries to bind host:port the way lws will (SO_REUSEADDR). libwebsockets
 * 4.1.6 leaks a little memory when lws_create_context fails to bind, so a
 * busy port is detected here first. Returns: true when the bind worked or
 * cannot be checked (lws then decides). */
static bool port_free(const char *host, int port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    int family;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        family = a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        len = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        family = a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        len = sizeof *a6;
    } else {
        return true;
    }
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return true;
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
    close(fd);
    return ok;
}

int lm_rpcd_start(lm_rpcd *s, lm_err *err)
{
    if (s->started)
        return lm_err_set(err, LM_EINVAL, "rpcd: already started");
    if (s->opts.port && !port_free(s->host, s->opts.port))
        return lm_err_set(err, LM_EIO, "rpcd: cannot listen on %s:%d (in use)", s->host,
                          s->opts.port);
    lws_set_log_level(LLL_ERR, lws_log_emit);
    s->protocols[0] = (struct lws_protocols){
        .name = "lamina-jsonrpc",
        .callback = callback,
        .per_session_data_size = 0,
        .rx_buffer_size = 65536,
    };
    s->protocols[1] = (struct lws_protocols){0};
    /* A silent WebSocket is pinged after ws_ping_s and closed after
     * ws_hangup_s (lws "validity" checks). */
    s->retry.secs_since_valid_ping = (uint16_t)s->opts.ws_ping_s;
    s->retry.secs_since_valid_hangup = (uint16_t)s->opts.ws_hangup_s;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = s->opts.port;
    info.iface = s->host;
    info.protocols = s->protocols;
    info.user = s;
    info.timeout_secs = s->opts.request_timeout_s;
    info.keepalive_timeout = (int)s->opts.idle_timeout_s;
    info.max_http_header_data = 4096;
    info.pt_serv_buf_size = 65536;
    info.count_threads = 1;
    if (s->opts.ws_ping_s && s->opts.ws_hangup_s)
        info.retry_and_idle_policy = &s->retry;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (!strchr(s->host, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    s->ctx = lws_create_context(&info);
    if (!s->ctx)
        return lm_err_set(err, LM_EIO, "rpcd: cannot listen on %s:%d", s->host, s->opts.port);
    s->vh = lws_get_vhost_by_name(s->ctx, "default");
    int port = s->vh ? lws_get_vhost_listen_port(s->vh) : -1;
    if (port <= 0) {
        lws_context_destroy(s->ctx);
        s->ctx = NULL;
        return lm_err_set(err, LM_EIO, "rpcd: cannot listen on %s:%d", s->host, s->opts.port);
    }
    atomic_store(&s->port, port);
    atomic_store(&s->stop, false);
    if (pthread_create(&s->thread, NULL, server_main, s) != 0) {
        lws_context_destroy(s->ctx);
        s->ctx = NULL;
        return lm_err_set(err, LM_EIO, "rpcd: cannot start the server thread");
    }
    s->started = true;
    LM_INFO(COMP, "JSON-RPC listening on http://%s:%d (WebSocket on / and /ws)", s->host, port);
    return LM_OK;
}

int lm_rpcd_port(const lm_rpcd *s) { return atomic_load(&((lm_rpcd *)s)->port); }

static void pending_free_all(lm_rpcd *s)
{
    while (s->dhead) {
        pending *p = s->dhead;
        pending_unlink(s, p);
        if (p->m) {
            /* the message's connection is gone: settle it so it is freed */
            msg_settle(p->m, p->idx, NULL);
        }
        json_decref(p->id);
        free(p);
    }
}

static void queue_free_all(lm_rpcd *s)
{
    pthread_mutex_lock(&s->qlock);
    qitem *q = s->qhead;
    s->qhead = s->qtail = NULL;
    s->qclosed = true;
    pthread_mutex_unlock(&s->qlock);
    while (q) {
        qitem *next = q->next;
        json_decref(q->result);
        json_decref(q->data);
        free(q->message);
        free(q->payload);
        free(q);
        q = next;
    }
}

void lm_rpcd_stop(lm_rpcd *s)
{
    if (!s || !s->started || !s->ctx)
        return;
    atomic_store(&s->stop, true);
    lws_cancel_service(s->ctx);
    pthread_join(s->thread, NULL);
    queue_free_all(s);
    /* closes every connection (WSI_DESTROY frees them) */
    lws_context_destroy(s->ctx);
    s->ctx = NULL;
    pending_free_all(s);
    for (unsigned h = 0; h < RATE_TABLE; h++)
        while (s->rate[h]) {
            bucket *b = s->rate[h];
            s->rate[h] = b->next;
            free(b);
        }
    atomic_store(&s->port, 0);
}

void lm_rpcd_free(lm_rpcd *s)
{
    if (!s)
        return;
    lm_rpcd_stop(s);
    queue_free_all(s);
    for (size_t i = 0; i < s->nmethods; i++)
        free(s->methods[i].name);
    free(s->methods);
    for (size_t i = 0; i < s->ntopics; i++)
        free(s->topics[i].name);
    free(s->topics);
    pthread_mutex_destroy(&s->qlock);
    free(s);
}

/* ---- thread-safe entry points ---------------------------------------------------------------- */

/* Queues q (takes it). Returns: LM_OK, LM_EIO when stopped, LM_ETOOLARGE. */
static int enqueue(lm_rpcd *s, qitem *q)
{
    pthread_mutex_lock(&s->qlock);
    if (s->qclosed || !s->started || atomic_load(&s->stop)) {
        pthread_mutex_unlock(&s->qlock);
        return LM_EIO;
    }
    if (q->kind == Q_PUBLISH) {
        if (s->qpublish >= s->opts.max_pending_publish) {
            pthread_mutex_unlock(&s->qlock);
            return LM_ETOOLARGE;
        }
        s->qpublish++;
    }
    if (s->qtail)
        s->qtail->next = q;
    else
        s->qhead = q;
    s->qtail = q;
    /* under the lock: lm_rpcd_stop closes the queue before it destroys
     * the context */
    lws_cancel_service(s->ctx);
    pthread_mutex_unlock(&s->qlock);
    return LM_OK;
}

static int reply_common(lm_rpcd *s, uint64_t token, json_t *result, int code, const char *message,
                        json_t *data)
{
    qitem *q = calloc(1, sizeof *q);
    char *mcopy = message ? xstrdup(message) : NULL;
    if (!q || (message && !mcopy)) {
        free(q);
        free(mcopy);
        json_decref(result);
        json_decref(data);
        return LM_ENOMEM;
    }
    q->kind = Q_REPLY;
    q->token = token;
    q->result = message ? NULL : (result ? result : json_null());
    if (message)
        json_decref(result);
    q->code = code;
    q->message = mcopy;
    q->data = data;
    int rc = enqueue(s, q);
    if (rc != LM_OK) {
        json_decref(q->result);
        json_decref(q->data);
        free(q->message);
        free(q);
    }
    return rc;
}

int lm_rpcd_reply(lm_rpcd *s, uint64_t token, json_t *result)
{
    return reply_common(s, token, result, 0, NULL, NULL);
}

int lm_rpcd_reply_error(lm_rpcd *s, uint64_t token, int code, const char *message, json_t *data)
{
    return reply_common(s, token, NULL, code, message ? message : "", data);
}

bool lm_rpcd_has_subscribers(lm_rpcd *s, const char *topic_name)
{
    for (size_t i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i].name, topic_name) == 0)
            return atomic_load(&s->topics[i].nsubs) > 0;
    return false;
}

int lm_rpcd_publish(lm_rpcd *s, const char *topic_name, const char *key, const json_t *payload)
{
    topic *t = NULL;
    for (size_t i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i].name, topic_name) == 0)
            t = &s->topics[i];
    if (!t || !payload)
        return LM_EINVAL;
    if (t->mode == LM_RPCD_KEY_NONE && key)
        return LM_EINVAL;
    if (t->mode != LM_RPCD_KEY_NONE && (!key || !key[0] || strlen(key) > LM_RPCD_KEY_MAX))
        return LM_EINVAL;
    if (atomic_load(&t->nsubs) == 0)
        return atomic_load(&s->stop) ? LM_EIO : LM_OK;
    qitem *q = calloc(1, sizeof *q);
    if (!q)
        return LM_ENOMEM;
    q->payload = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!q->payload) {
        free(q);
        return LM_ENOMEM;
    }
    q->kind = Q_PUBLISH;
    q->t = t;
    copy_str(q->key, sizeof q->key, key ? key : "");
    int rc = enqueue(s, q);
    if (rc != LM_OK) {
        free(q->payload);
        free(q);
    }
    return rc;
}

void lm_rpcd_get_stats(const lm_rpcd *s, lm_rpcd_stats *out)
{
    counters *st = &((lm_rpcd *)s)->st;
    out->connections_open = atomic_load(&st->connections_open);
    out->connections_total = atomic_load(&st->connections_total);
    out->connections_refused = atomic_load(&st->connections_refused);
    out->http_requests = atomic_load(&st->http_requests);
    out->ws_messages = atomic_load(&st->ws_messages);
    out->calls = atomic_load(&st->calls);
    out->errors = atomic_load(&st->errors);
    out->rate_limited = atomic_load(&st->rate_limited);
    out->deferred_timeouts = atomic_load(&st->deferred_timeouts);
    out->subscriptions = atomic_load(&st->subscriptions);
    out->notifications = atomic_load(&st->notifications);
    out->slow_disconnects = atomic_load(&st->slow_disconnects);
}

json_t *lm_rpcd_json_qty(uint64_t v)
{
    if (v <= (1ull << 53))
        return json_integer((json_int_t)v);
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    return json_string(t);
}
