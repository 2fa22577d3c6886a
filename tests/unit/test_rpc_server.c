/* Tests for the JSON-RPC 2.0 server (src/node/rpc_server.c).
 *
 * Clients: libcurl for HTTP, a small hand-written WebSocket client over a
 * raw socket (RFC 6455 framing, masked client frames) for WS.
 * Known answers: the request/response examples of the JSON-RPC 2.0
 * specification §7 (https://www.jsonrpc.org/specification), and the
 * Sec-WebSocket-Accept example of RFC 6455 §1.3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "lamina/err.h"
#include "lamina/log.h"
#include "lamina/rpc_server.h"

/* ---- helpers ---------------------------------------------------------------- */

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the deferred worker: answers tokens 50 ms after they were deferred ------- */

typedef struct job {
    struct job *next;
    uint64_t token;
    uint64_t due_ms;
    json_t *result;
} job;

typedef struct worker {
    lm_rpcd *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job *head;
    bool stop;
    pthread_t th;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        if (w->stop)
            break;
        if (!w->head) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        job *j = w->head;
        uint64_t now = mono_ms();
        if (j->due_ms > now) {
            pthread_mutex_unlock(&w->mu);
            sleep_ms((unsigned)(j->due_ms - now));
            pthread_mutex_lock(&w->mu);
            continue;
        }
        w->head = j->next;
        pthread_mutex_unlock(&w->mu);
        assert_int_equal(lm_rpcd_reply(w->srv, j->token, j->result), LM_OK);
        free(j);
        pthread_mutex_lock(&w->mu);
    }
    while (w->head) {
        job *j = w->head;
        w->head = j->next;
        json_decref(j->result);
        free(j);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void worker_push(worker *w, uint64_t token, json_t *result, unsigned delay_ms)
{
    job *j = calloc(1, sizeof *j);
    assert_non_null(j);
    j->token = token;
    j->result = result;
    j->due_ms = mono_ms() + delay_ms;
    pthread_mutex_lock(&w->mu);
    job **pp = &w->head;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* ---- methods ---------------------------------------------------------------- */

static atomic_int hello_count;

static void m_echo(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)ctx;
    lm_rpcd_call_result(call, json_incref(params));
}

static bool two_ints(json_t *params, json_int_t *a, json_int_t *b)
{
    json_t *x = NULL, *y = NULL;
    if (json_is_array(params) && json_array_size(params) == 2) {
        x = json_array_get(params, 0);
        y = json_array_get(params, 1);
    } else if (json_is_object(params) && json_object_size(params) == 2) {
        x = json_object_get(params, "minuend");
        y = json_object_get(params, "subtrahend");
    }
    if (!json_is_integer(x) || !json_is_integer(y))
        return false;
    *a = json_integer_value(x);
    *b = json_integer_value(y);
    return true;
}

static void m_add(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)ctx;
    json_int_t a, b;
    if (!json_is_array(params) || !two_ints(params, &a, &b)) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "Invalid params",
                           json_string("expected [int, int]"));
        return;
    }
    lm_rpcd_call_result(call, json_integer(a + b));
}

/* The JSON-RPC 2.0 specification's example methods (§7). */
static void m_subtract(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)ctx;
    json_int_t a, b;
    if (!two_ints(params, &a, &b)) {
        lm_rpcd_call_error(call, LM_RPCD_INVALID_PARAMS, "Invalid params", NULL);
        return;
    }
    lm_rpcd_call_result(call, json_integer(a - b));
}

static void m_sum(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)ctx;
    json_int_t t = 0;
    size_t i;
    json_t *v;
    json_array_foreach(params, i, v) t += json_integer_value(v);
    lm_rpcd_call_result(call, json_integer(t));
}

static void m_notify(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    (void)ctx;
    atomic_fetch_add(&hello_count, 1);
    lm_rpcd_call_result(call, json_null());
}

static void m_get_data(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    (void)ctx;
    lm_rpcd_call_result(call, json_pack("[si]", "hello", 5));
}

static void m_noanswer(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)call;
    (void)params;
    (void)ctx;
}

static void m_fail(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    (void)ctx;
    lm_rpcd_call_error(call, -32000, "custom failure", json_pack("{si}", "why", 42));
}

/* Answered from the worker thread 50 ms later with {"deferred": params}. */
static void m_deferred(lm_rpcd_call *call, json_t *params, void *ctx)
{
    worker *w = ctx;
    uint64_t tok = lm_rpcd_call_defer(call);
    assert_true(tok != 0);
    worker_push(w, tok, json_pack("{sO}", "deferred", params), 50);
}

/* Defers and never answers (the timeout answers). */
static void m_forever(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    (void)ctx;
    assert_true(lm_rpcd_call_defer(call) != 0);
}

static void m_whoami(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)params;
    (void)ctx;
    lm_rpcd_call_result(call, json_pack("{sssi}", "peer", lm_rpcd_call_peer(call), "transport",
                                        (int)lm_rpcd_call_transport(call)));
}

/* Lower-cases an address key so that checksummed and plain spellings match. */
static int key_lower(void *ctx, const json_t *param, char out[LM_RPCD_KEY_MAX + 1], lm_err *err)
{
    (void)ctx;
    if (!json_is_string(param) || json_string_length(param) != 42)
        return lm_err_set(err, LM_EINVAL, "an address is 0x and 40 hex digits");
    const char *v = json_string_value(param);
    for (size_t i = 0; i < 42; i++)
        out[i] = (char)tolower((unsigned char)v[i]);
    out[42] = 0;
    return LM_OK;
}

static char *metrics(void *ctx)
{
    lm_rpcd_stats st;
    lm_rpcd_get_stats(ctx, &st);
    char *t = malloc(128);
    if (t)
        snprintf(t, 128, "lamina_rpc_calls %llu\n", (unsigned long long)st.calls);
    return t;
}

/* ---- servers ------------------------------------------------------------------ */

typedef struct fixture {
    lm_rpcd *srv;
    worker w;
    int port;
} fixture;

static void fixture_start(fixture *f, const lm_rpcd_opts *o)
{
    lm_err err;
    memset(f, 0, sizeof *f);
    assert_int_equal(lm_rpcd_new(&f->srv, o, &err), LM_OK);
    lm_rpcd *s = f->srv;
    f->w.srv = s;
    pthread_mutex_init(&f->w.mu, NULL);
    pthread_cond_init(&f->w.cv, NULL);
    assert_int_equal(lm_rpcd_register(s, "echo", m_echo, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "add", m_add, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "subtract", m_subtract, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "sum", m_sum, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "update", m_notify, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "notify_hello", m_notify, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "notify_sum", m_notify, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "get_data", m_get_data, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "noanswer", m_noanswer, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "fail", m_fail, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "deferred", m_deferred, &f->w, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "forever", m_forever, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_register(s, "whoami", m_whoami, NULL, &err), LM_OK);
    /* registration errors */
    assert_int_equal(lm_rpcd_register(s, "echo", m_echo, NULL, &err), LM_EINVAL);
    assert_int_equal(lm_rpcd_register(s, "rpc.discover", m_echo, NULL, &err), LM_EINVAL);
    assert_int_equal(lm_rpcd_register(s, "lamina_subscribe", m_echo, NULL, &err), LM_EINVAL);
    assert_int_equal(lm_rpcd_register(s, "", m_echo, NULL, &err), LM_EINVAL);
    assert_int_equal(lm_rpcd_add_topic(s, "newBlocks", LM_RPCD_KEY_NONE, NULL, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_add_topic(s, "account", LM_RPCD_KEY_OPTIONAL, key_lower, NULL, &err),
                     LM_OK);
    assert_int_equal(lm_rpcd_add_topic(s, "market", LM_RPCD_KEY_REQUIRED, NULL, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_add_topic(s, "market", LM_RPCD_KEY_NONE, NULL, NULL, &err), LM_EINVAL);
    lm_rpcd_set_metrics(s, metrics, s);
    assert_int_equal(lm_rpcd_port(s), 0);
    assert_int_equal(lm_rpcd_start(s, &err), LM_OK);
    f->port = lm_rpcd_port(s);
    assert_true(f->port > 0);
    assert_int_equal(lm_rpcd_register(s, "late", m_echo, NULL, &err), LM_EINVAL);
    assert_int_equal(pthread_create(&f->w.th, NULL, worker_main, &f->w), 0);
}

static void fixture_stop(fixture *f)
{
    pthread_mutex_lock(&f->w.mu);
    f->w.stop = true;
    pthread_cond_signal(&f->w.cv);
    pthread_mutex_unlock(&f->w.mu);
    pthread_join(f->w.th, NULL);
    lm_rpcd_free(f->srv);
    pthread_mutex_destroy(&f->w.mu);
    pthread_cond_destroy(&f->w.cv);
}

static fixture F; /* the main server: generous limits, no rate limit */

static int setup_main(void **state)
{
    (void)state;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.rate_per_s = 0;
    o.max_body_bytes = 64 * 1024;
    o.max_batch = 10;
    o.max_ws_message_bytes = 8 * 1024;
    o.max_subscriptions = 3;
    o.deferred_timeout_ms = 400;
    o.max_ws_queue_bytes = 64 * 1024;
    fixture_start(&F, &o);
    return 0;
}

static int teardown_main(void **state)
{
    (void)state;
    fixture_stop(&F);
    return 0;
}

/* ---- HTTP client (libcurl) ------------------------------------------------------------ */

typedef struct hbuf {
    char *p;
    size_t n;
} hbuf;

static size_t hbuf_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    hbuf *b = ud;
    size_t add = size * nmemb;
    char *q = realloc(b->p, b->n + add + 1);
    if (!q)
        return 0;
    memcpy(q + b->n, ptr, add);
    b->n += add;
    q[b->n] = 0;
    b->p = q;
    return add;
}

typedef struct hresp {
    long status;
    CURLcode rc;
    char *body; /* NUL-terminated, caller frees */
    size_t len;
    char headers[2048]; /* the answer's header lines, lower-cased */
} hresp;

static size_t hdr_collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    hresp *r = ud;
    size_t n = size * nmemb, have = strlen(r->headers);
    for (size_t i = 0; i < n && have + 1 < sizeof r->headers; i++)
        r->headers[have++] = (char)tolower((unsigned char)ptr[i]);
    r->headers[have] = 0;
    return n;
}

static const char *expect_hdr = "Expect:"; /* none, unless a test sets it */

static hresp http_req(int port, const char *method, const char *path, const char *ctype,
                      const char *body, size_t blen)
{
    CURL *h = curl_easy_init();
    assert_non_null(h);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    hbuf b = {0};
    struct curl_slist *hdrs = NULL;
    char ct[128];
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, ct);
    }
    hdrs = curl_slist_append(hdrs, expect_hdr);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hbuf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    hresp r = {0};
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, hdr_collect);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    r.rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = b.p ? b.p : calloc(1, 1);
    r.len = b.n;
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return r;
}

static hresp rpc_post(int port, const char *body)
{
    return http_req(port, "POST", "/", "application/json", body, strlen(body));
}

/* Posts body and parses the JSON answer (status must be expect_status). */
static json_t *rpc_json(int port, const char *body, long expect_status)
{
    hresp r = rpc_post(port, body);
    assert_int_equal(r.rc, CURLE_OK);
    if (r.status != expect_status)
        fprintf(stderr, "status %ld body %s\n", r.status, r.body);
    assert_int_equal(r.status, expect_status);
    json_error_t je;
    json_t *j = json_loads(r.body, 0, &je);
    if (!j)
        fprintf(stderr, "not JSON: %s\n", r.body);
    assert_non_null(j);
    free(r.body);
    return j;
}

static json_int_t err_code(const json_t *resp)
{
    json_t *e = json_object_get(resp, "error");
    assert_true(json_is_object(e));
    assert_true(json_is_string(json_object_get(e, "message")));
    return json_integer_value(json_object_get(e, "code"));
}

/* Drops "data" from error objects: the specification leaves its content
 * to the server. */
static void strip_data(json_t *j)
{
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) strip_data(v);
    } else if (json_is_object(j)) {
        json_t *e = json_object_get(j, "error");
        if (json_is_object(e))
            json_object_del(e, "data");
    }
}

/* ---- WebSocket client over a raw socket (RFC 6455) ------------------------------------- */

static int tcp_connect(int port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf > 0)
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        c += w;
        n -= (size_t)w;
    }
}

/* Reads exactly n bytes within timeout_ms. Returns: 1 ok, 0 EOF/reset, -1 timeout. */
static int recv_exact(int fd, void *p, size_t n, int timeout_ms)
{
    char *c = p;
    uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
    while (n) {
        uint64_t now = mono_ms();
        if (now >= deadline)
            return -1;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, (int)(deadline - now));
        if (pr == 0)
            return -1;
        ssize_t r = recv(fd, c, n, 0);
        if (r <= 0)
            return 0;
        c += r;
        n -= (size_t)r;
    }
    return 1;
}

/* RFC 6455 §1.3: with Sec-WebSocket-Key "dGhlIHNhbXBsZSBub25jZQ==" the
 * server answers Sec-WebSocket-Accept "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=". */
static int ws_open_path(int port, const char *path, int rcvbuf, bool expect_ok)
{
    int fd = tcp_connect(port, rcvbuf);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     path, port);
    send_all(fd, req, (size_t)n);
    char resp[2048];
    size_t got = 0;
    while (got < sizeof resp - 1) {
        int r = recv_exact(fd, resp + got, 1, 2000);
        if (r != 1)
            break;
        got++;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    resp[got] = 0;
    if (!expect_ok) {
        assert_null(strstr(resp, " 101 "));
        close(fd);
        return -1;
    }
    assert_non_null(strstr(resp, "HTTP/1.1 101"));
    for (char *q = resp; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    assert_non_null(strstr(resp, "sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="));
    return fd;
}

static int ws_open(int port) { return ws_open_path(port, "/ws", 0, true); }

/* Sends one masked frame (RFC 6455 §5.2, §5.3: "All frames sent from
 * client to server have this bit set to 1"). */
static void ws_send_frame(int fd, int opcode, const void *payload, size_t n)
{
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = (unsigned char)(0x80 | opcode);
    if (n < 126) {
        hdr[h++] = (unsigned char)(0x80 | n);
    } else if (n <= 0xffff) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(n >> 8);
        hdr[h++] = (unsigned char)n;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (unsigned char)((uint64_t)n >> (8 * i));
    }
    static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
    memcpy(hdr + h, mask, 4);
    h += 4;
    unsigned char *buf = malloc(h + n + 1);
    assert_non_null(buf);
    memcpy(buf, hdr, h);
    const unsigned char *pl = payload;
    for (size_t i = 0; i < n; i++)
        buf[h + i] = pl[i] ^ mask[i % 4];
    send_all(fd, buf, h + n);
    free(buf);
}

static void ws_send(int fd, const char *text) { ws_send_frame(fd, 0x1, text, strlen(text)); }

/* Receives one message. Returns: malloc'ed text; NULL on timeout (*closed
 * = 0) or close/EOF (*closed = 1, *close_code set when a close frame came). */
static char *ws_recv(int fd, int timeout_ms, int *closed, int *close_code)
{
    *closed = 0;
    if (close_code)
        *close_code = 0;
    for (;;) {
        unsigned char h[2];
        int r = recv_exact(fd, h, 2, timeout_ms);
        if (r <= 0) {
            *closed = r == 0;
            return NULL;
        }
        uint64_t n = h[1] & 0x7f;
        assert_int_equal(h[1] & 0x80, 0); /* server frames are not masked */
        if (n == 126) {
            unsigned char e[2];
            assert_int_equal(recv_exact(fd, e, 2, timeout_ms), 1);
            n = (uint64_t)e[0] << 8 | e[1];
        } else if (n == 127) {
            unsigned char e[8];
            assert_int_equal(recv_exact(fd, e, 8, timeout_ms), 1);
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | e[i];
        }
        assert_true(n < (64u << 20));
        char *p = malloc((size_t)n + 1);
        assert_non_null(p);
        if (n && recv_exact(fd, p, (size_t)n, timeout_ms) != 1) {
            free(p);
            *closed = 1;
            return NULL;
        }
        p[n] = 0;
        int op = h[0] & 0x0f;
        assert_true(h[0] & 0x80); /* the server sends unfragmented messages */
        if (op == 0x8) {
            if (close_code && n >= 2)
                *close_code = (unsigned char)p[0] << 8 | (unsigned char)p[1];
            free(p);
            *closed = 1;
            return NULL;
        }
        if (op == 0x9) { /* ping -> pong */
            ws_send_frame(fd, 0xa, p, (size_t)n);
            free(p);
            continue;
        }
        assert_int_equal(op, 0x1);
        return p;
    }
}

static json_t *ws_recv_json(int fd, int timeout_ms)
{
    int closed;
    char *t = ws_recv(fd, timeout_ms, &closed, NULL);
    if (!t)
        fprintf(stderr, "ws_recv: %s\n", closed ? "closed" : "timeout");
    assert_non_null(t);
    json_t *j = json_loads(t, 0, NULL);
    if (!j)
        fprintf(stderr, "not JSON: %s\n", t);
    assert_non_null(j);
    free(t);
    return j;
}

static json_t *ws_call(int fd, const char *text)
{
    ws_send(fd, text);
    return ws_recv_json(fd, 2000);
}

/* Asserts that nothing arrives on fd within ms. */
static void ws_expect_silence(int fd, int ms)
{
    int closed;
    char *t = ws_recv(fd, ms, &closed, NULL);
    if (t)
        fprintf(stderr, "unexpected: %s\n", t);
    assert_null(t);
    assert_int_equal(closed, 0);
}

static void server_healthy(int port)
{
    hresp r = http_req(port, "GET", "/health", NULL, NULL, 0);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "ok");
    free(r.body);
}

/* ---- tests: the specification's examples -------------------------------------------------- */

/* JSON-RPC 2.0 specification §7, every example: request, expected answer
 * ("" = no answer). Error "data" is left to the server and ignored. */
static const struct {
    const char *req, *resp;
} SPEC[] = {
    {"{\"jsonrpc\": \"2.0\", \"method\": \"subtract\", \"params\": [42, 23], \"id\": 1}",
     "{\"jsonrpc\": \"2.0\", \"result\": 19, \"id\": 1}"},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"subtract\", \"params\": [23, 42], \"id\": 2}",
     "{\"jsonrpc\": \"2.0\", \"result\": -19, \"id\": 2}"},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"subtract\", \"params\": {\"subtrahend\": 23, "
     "\"minuend\": 42}, \"id\": 3}",
     "{\"jsonrpc\": \"2.0\", \"result\": 19, \"id\": 3}"},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"subtract\", \"params\": {\"minuend\": 42, "
     "\"subtrahend\": 23}, \"id\": 4}",
     "{\"jsonrpc\": \"2.0\", \"result\": 19, \"id\": 4}"},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"update\", \"params\": [1,2,3,4,5]}", ""},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"foobar\"}", ""},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"foobar\", \"id\": \"1\"}",
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32601, \"message\": \"Method not found\"}, "
     "\"id\": \"1\"}"},
    {"{\"jsonrpc\": \"2.0\", \"method\": \"foobar, \"params\": \"bar\", \"baz]",
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"Parse error\"}, "
     "\"id\": null}"},
    {"{\"jsonrpc\": \"2.0\", \"method\": 1, \"params\": \"bar\"}",
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid Request\"}, "
     "\"id\": null}"},
    {"[\n  {\"jsonrpc\": \"2.0\", \"method\": \"sum\", \"params\": [1,2,4], \"id\": \"1\"},\n"
     "  {\"jsonrpc\": \"2.0\", \"method\"\n]",
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32700, \"message\": \"Parse error\"}, "
     "\"id\": null}"},
    {"[]", "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid Request\"}, "
           "\"id\": null}"},
    {"[1]", "[{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid "
            "Request\"}, \"id\": null}]"},
    {"[1,2,3]",
     "[{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid Request\"}, "
     "\"id\": null},"
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid Request\"}, "
     "\"id\": null},"
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid Request\"}, "
     "\"id\": null}]"},
    {"[\n"
     "  {\"jsonrpc\": \"2.0\", \"method\": \"sum\", \"params\": [1,2,4], \"id\": \"1\"},\n"
     "  {\"jsonrpc\": \"2.0\", \"method\": \"notify_hello\", \"params\": [7]},\n"
     "  {\"jsonrpc\": \"2.0\", \"method\": \"subtract\", \"params\": [42,23], \"id\": \"2\"},\n"
     "  {\"foo\": \"boo\"},\n"
     "  {\"jsonrpc\": \"2.0\", \"method\": \"foo.get\", \"params\": {\"name\": \"myself\"}, "
     "\"id\": \"5\"},\n"
     "  {\"jsonrpc\": \"2.0\", \"method\": \"get_data\", \"id\": \"9\"}\n"
     "]",
     "[{\"jsonrpc\": \"2.0\", \"result\": 7, \"id\": \"1\"},"
     "{\"jsonrpc\": \"2.0\", \"result\": 19, \"id\": \"2\"},"
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32600, \"message\": \"Invalid Request\"}, "
     "\"id\": null},"
     "{\"jsonrpc\": \"2.0\", \"error\": {\"code\": -32601, \"message\": \"Method not found\"}, "
     "\"id\": \"5\"},"
     "{\"jsonrpc\": \"2.0\", \"result\": [\"hello\", 5], \"id\": \"9\"}]"},
    {"[\n  {\"jsonrpc\": \"2.0\", \"method\": \"notify_sum\", \"params\": [1,2,4]},\n"
     "  {\"jsonrpc\": \"2.0\", \"method\": \"notify_hello\", \"params\": [7]}\n]",
     ""},
};

static void check_spec_answer(size_t i, const char *got)
{
    if (!SPEC[i].resp[0]) {
        assert_string_equal(got, "");
        return;
    }
    json_t *want = json_loads(SPEC[i].resp, 0, NULL);
    json_t *have = json_loads(got, 0, NULL);
    assert_non_null(want);
    if (!have)
        fprintf(stderr, "example %zu: not JSON: %s\n", i, got);
    assert_non_null(have);
    strip_data(have);
    if (!json_equal(want, have))
        fprintf(stderr, "example %zu: want %s\n got %s\n", i, SPEC[i].resp, got);
    assert_true(json_equal(want, have));
    json_decref(want);
    json_decref(have);
}

static void test_spec_examples_http(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof SPEC / sizeof SPEC[0]; i++) {
        hresp r = rpc_post(F.port, SPEC[i].req);
        assert_int_equal(r.rc, CURLE_OK);
        /* no answer -> 204 No Content, otherwise 200 */
        assert_int_equal(r.status, SPEC[i].resp[0] ? 200 : 204);
        check_spec_answer(i, r.body);
        free(r.body);
    }
}

static void test_spec_examples_ws(void **state)
{
    (void)state;
    int fd = ws_open(F.port);
    for (size_t i = 0; i < sizeof SPEC / sizeof SPEC[0]; i++) {
        ws_send(fd, SPEC[i].req);
        if (!SPEC[i].resp[0]) {
            ws_expect_silence(fd, 100);
            continue;
        }
        int closed;
        char *t = ws_recv(fd, 2000, &closed, NULL);
        assert_non_null(t);
        check_spec_answer(i, t);
        free(t);
    }
    close(fd);
}

/* ---- tests: HTTP ---------------------------------------------------------------------------- */

static void test_http_methods_and_errors(void **state)
{
    (void)state;
    json_t *j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[40,2],\"id\":\"x\"}", 200);
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 42);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "x");
    assert_null(json_object_get(j, "error"));
    json_decref(j);
    /* params absent -> the handler sees [] */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":7}", 200);
    assert_true(json_is_array(json_object_get(j, "result")));
    assert_int_equal(json_array_size(json_object_get(j, "result")), 0);
    json_decref(j);
    /* object params and a null id pass through */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"a\":[1,\"b\"]},\"id\":null}", 200);
    json_t *want = json_loads("{\"jsonrpc\":\"2.0\",\"result\":{\"a\":[1,\"b\"]},\"id\":null}", 0, NULL);
    assert_true(json_equal(j, want));
    json_decref(want);
    json_decref(j);
    /* -32602 from the handler, with data */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[\"1\",2],\"id\":1}", 200);
    assert_int_equal(err_code(j), LM_RPCD_INVALID_PARAMS);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "data")),
                        "expected [int, int]");
    json_decref(j);
    /* -32603 when a handler gives no answer */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"noanswer\",\"id\":1}", 200);
    assert_int_equal(err_code(j), LM_RPCD_INTERNAL_ERROR);
    json_decref(j);
    /* an application error with data */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"fail\",\"id\":1}", 200);
    assert_int_equal(err_code(j), -32000);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j, "error"), "data"), "why")), 42);
    json_decref(j);
    /* invalid requests: wrong version, bad id type, bad params type, top-level scalar */
    const char *bad[] = {
        "{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}",
        "{\"method\":\"echo\",\"id\":1}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":[1]}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":3,\"id\":1}",
        "42",
        "\"x\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = rpc_json(F.port, bad[i], 200);
        assert_int_equal(err_code(j), LM_RPCD_INVALID_REQUEST);
        json_decref(j);
    }
    /* a valid id is echoed even on an invalid request */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":9}", 200);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 9);
    json_decref(j);
    /* parse errors: truncated, duplicate keys, empty body */
    const char *unparsable[] = {"{\"jsonrpc\":", "{\"jsonrpc\":\"2.0\",\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}", ""};
    for (size_t i = 0; i < 3; i++) {
        j = rpc_json(F.port, unparsable[i], 200);
        assert_int_equal(err_code(j), LM_RPCD_PARSE_ERROR);
        assert_true(json_is_null(json_object_get(j, "id")));
        json_decref(j);
    }
    /* subscriptions need a WebSocket */
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"lamina_subscribe\",\"params\":[\"newBlocks\"],\"id\":1}", 200);
    assert_int_equal(err_code(j), LM_RPCD_METHOD_NOT_FOUND);
    json_decref(j);
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":1}", 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "result"), "peer")), "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "result"), "transport")), LM_RPCD_HTTP);
    json_decref(j);
}

static void test_http_transport(void **state)
{
    (void)state;
    server_healthy(F.port);
    hresp r = http_req(F.port, "GET", "/metrics", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "lamina_rpc_calls "));
    free(r.body);
    r = http_req(F.port, "GET", "/nope", NULL, NULL, 0);
    assert_int_equal(r.status, 404);
    free(r.body);
    r = http_req(F.port, "GET", "/", NULL, NULL, 0);
    assert_int_equal(r.status, 405);
    free(r.body);
    r = http_req(F.port, "DELETE", "/", NULL, NULL, 0);
    assert_int_equal(r.status, 405);
    free(r.body);
    /* wrong content type -> 415 with a JSON-RPC error */
    const char *call = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}";
    r = http_req(F.port, "POST", "/", "text/plain", call, strlen(call));
    assert_int_equal(r.status, 415);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    assert_int_equal(err_code(j), LM_RPCD_INVALID_REQUEST);
    json_decref(j);
    free(r.body);
    r = http_req(F.port, "POST", "/", "application/json; charset=utf-8", call, strlen(call));
    assert_int_equal(r.status, 200);
    free(r.body);
    r = http_req(F.port, "POST", "/other", "application/json", call, strlen(call));
    assert_int_equal(r.status, 404);
    free(r.body);
    /* oversize body (limit 64 KiB): 100 KiB is read and answered 413 */
    size_t big = 100 * 1024;
    char *body = malloc(big);
    assert_non_null(body);
    memset(body, ' ', big);
    memcpy(body, call, strlen(call));
    r = http_req(F.port, "POST", "/", "application/json", body, big);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 413);
    j = json_loads(r.body, 0, NULL);
    assert_non_null(j);
    assert_int_equal(err_code(j), LM_RPCD_LIMIT_EXCEEDED);
    json_decref(j);
    free(r.body);
    /* exactly at the limit is fine */
    r = http_req(F.port, "POST", "/", "application/json", body, 64 * 1024);
    assert_int_equal(r.status, 200);
    free(r.body);
    free(body);
    /* far too large (2 MiB > 16 x limit): answered 413 and closed at once;
     * the client may see the 413 or a reset while sending */
    big = 2u << 20;
    body = calloc(1, big);
    assert_non_null(body);
    r = http_req(F.port, "POST", "/", "application/json", body, big);
    assert_true(r.rc != CURLE_OK || r.status == 413);
    free(r.body);
    free(body);
    /* "Expect: 100-continue": the server sends 100 at once (curl would
     * otherwise wait a second), or the final 413 without the body */
    expect_hdr = "Expect: 100-continue";
    body = malloc(big);
    assert_non_null(body);
    memset(body, ' ', 2000);
    memcpy(body, call, strlen(call));
    uint64_t t0 = mono_ms();
    r = http_req(F.port, "POST", "/", "application/json", body, 2000);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":1"));
    free(r.body);
    memset(body, ' ', 100 * 1024);
    r = http_req(F.port, "POST", "/", "application/json", body, 100 * 1024);
    assert_int_equal(r.status, 413);
    free(r.body);
    assert_true(mono_ms() - t0 < 900);
    expect_hdr = "Expect:";
    free(body);
    /* batch too large (limit 10) */
    char batch[2048];
    size_t bl = 0;
    for (int i = 0; i < 11; i++)
        bl += (size_t)snprintf(batch + bl, sizeof batch - bl, "%s{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":%d}",
                               i ? "," : "[", i);
    snprintf(batch + bl, sizeof batch - bl, "]");
    j = rpc_json(F.port, batch, 200);
    assert_true(json_is_object(j));
    assert_int_equal(err_code(j), LM_RPCD_LIMIT_EXCEEDED);
    json_decref(j);
    /* a body in pieces, then a second request on the same connection */
    {
        int fd0 = tcp_connect(F.port, 0);
        const char *c1 = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[20,22],\"id\":1}";
        char rq[512];
        int rn = snprintf(rq, sizeof rq,
                          "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n\r\n%s",
                          strlen(c1), c1);
        for (int k = 0; k < rn; k += 20) {
            send_all(fd0, rq + k, (size_t)(rn - k < 20 ? rn - k : 20));
            sleep_ms(2);
        }
        char ans[1024] = "";
        size_t got = 0;
        while (!strstr(ans, "\"id\":1}") && got < sizeof ans - 1) {
            if (recv_exact(fd0, ans + got, 1, 2000) != 1)
                break;
            got++;
        }
        assert_non_null(strstr(ans, "HTTP/1.1 200"));
        assert_non_null(strstr(ans, "\"result\":42"));
        send_all(fd0, rq, (size_t)rn);
        memset(ans, 0, sizeof ans);
        got = 0;
        while (!strstr(ans, "\"id\":1}") && got < sizeof ans - 1) {
            if (recv_exact(fd0, ans + got, 1, 2000) != 1)
                break;
            got++;
        }
        assert_non_null(strstr(ans, "\"result\":42"));
        close(fd0);
    }
    /* malformed HTTP over a raw socket: the server drops it and stays up */
    int fd = tcp_connect(F.port, 0);
    static const char garbage[] = "BLAH / HTTP/9.9\r\n\x01\x02\r\n\r\n";
    send_all(fd, garbage, sizeof garbage - 1);
    char tmp[256];
    (void)recv_exact(fd, tmp, sizeof tmp, 500);
    close(fd);
    fd = tcp_connect(F.port, 0);
    const char *nolen = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n";
    send_all(fd, nolen, strlen(nolen));
    memset(tmp, 0, sizeof tmp);
    (void)recv_exact(fd, tmp, 12, 1000);
    assert_non_null(strstr(tmp, "411"));
    close(fd);
    server_healthy(F.port);
}

/* Keep-alive: many requests on one connection. */
static void test_http_keepalive(void **state)
{
    (void)state;
    CURL *h = curl_easy_init();
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", F.port);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    hbuf b = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, hbuf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    lm_rpcd_stats before, after;
    lm_rpcd_get_stats(F.srv, &before);
    for (int i = 0; i < 50; i++) {
        char body[96];
        snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[%d,1],\"id\":%d}", i, i);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        b.n = 0;
        assert_int_equal(curl_easy_perform(h), CURLE_OK);
        json_t *j = json_loadb(b.p, b.n, 0, NULL);
        assert_non_null(j);
        assert_int_equal(json_integer_value(json_object_get(j, "result")), i + 1);
        json_decref(j);
    }
    lm_rpcd_get_stats(F.srv, &after);
    assert_int_equal(after.connections_total - before.connections_total, 1);
    free(b.p);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
}

static void test_deferred_http(void **state)
{
    (void)state;
    uint64_t t0 = mono_ms();
    json_t *j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"deferred\",\"params\":[1,2],\"id\":5}", 200);
    uint64_t dt = mono_ms() - t0;
    assert_true(dt >= 45);
    json_t *want = json_loads("{\"jsonrpc\":\"2.0\",\"result\":{\"deferred\":[1,2]},\"id\":5}", 0, NULL);
    assert_true(json_equal(j, want));
    json_decref(want);
    json_decref(j);
    /* a batch waits for its deferred member */
    j = rpc_json(F.port, "[{\"jsonrpc\":\"2.0\",\"method\":\"deferred\",\"params\":[],\"id\":1},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":2},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"deferred\",\"params\":[3]}]", 200);
    assert_int_equal(json_array_size(j), 2);
    assert_true(json_is_object(json_object_get(json_array_get(j, 0), "result")));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 1), "result")), 2);
    json_decref(j);
    /* unanswered -> -32603 after the deferred timeout (400 ms) */
    t0 = mono_ms();
    j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"forever\",\"id\":\"f\"}", 200);
    dt = mono_ms() - t0;
    assert_true(dt >= 350 && dt < 3000);
    assert_int_equal(err_code(j), LM_RPCD_INTERNAL_ERROR);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "f");
    json_decref(j);
    /* answering an unknown token is harmless */
    assert_int_equal(lm_rpcd_reply(F.srv, 0xdeadbeef, json_true()), LM_OK);
    assert_int_equal(lm_rpcd_reply_error(F.srv, 0xdeadbeef, 1, "x", json_true()), LM_OK);
}

/* A client that goes away mid-request does not disturb the server. */
static void test_disconnects(void **state)
{
    (void)state;
    /* half a body, then close */
    int fd = tcp_connect(F.port, 0);
    const char *part = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 1000\r\n\r\n{\"jsonrpc\":";
    send_all(fd, part, strlen(part));
    sleep_ms(20);
    close(fd);
    /* a deferred call over HTTP, then close before the answer */
    fd = tcp_connect(F.port, 0);
    const char *dcall = "{\"jsonrpc\":\"2.0\",\"method\":\"deferred\",\"params\":[],\"id\":1}";
    char req[512];
    int n = snprintf(req, sizeof req,
                     "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(dcall), dcall);
    send_all(fd, req, (size_t)n);
    sleep_ms(10);
    close(fd);
    /* the same over WebSocket, plus a half frame */
    fd = ws_open(F.port);
    ws_send(fd, dcall);
    send_all(fd, "\x81\xfe\x01\x00\x00\x00", 6);
    close(fd);
    /* a never-answered call whose connection closes */
    fd = ws_open(F.port);
    ws_send(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"forever\",\"id\":1}");
    sleep_ms(10);
    close(fd);
    sleep_ms(120); /* the deferred answers arrive for closed connections */
    server_healthy(F.port);
    json_t *j = rpc_json(F.port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[2,2],\"id\":1}", 200);
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 4);
    json_decref(j);
}

/* ---- tests: WebSocket ------------------------------------------------------------------------ */

static void test_ws_rpc(void **state)
{
    (void)state;
    int fd = ws_open(F.port);
    json_t *j = ws_call(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[3,4],\"id\":1}");
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 7);
    json_decref(j);
    j = ws_call(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"whoami\",\"id\":2}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "result"), "transport")), LM_RPCD_WS);
    json_decref(j);
    j = ws_call(fd, "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1},"
                    "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":2},"
                    "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1],\"id\":3},"
                    "{\"jsonrpc\":\"2.0\",\"method\":\"noanswer\",\"id\":4}]");
    assert_int_equal(json_array_size(j), 4);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "result")), 3);
    assert_int_equal(err_code(json_array_get(j, 1)), LM_RPCD_METHOD_NOT_FOUND);
    assert_int_equal(err_code(json_array_get(j, 2)), LM_RPCD_INVALID_PARAMS);
    assert_int_equal(err_code(json_array_get(j, 3)), LM_RPCD_INTERNAL_ERROR);
    json_decref(j);
    j = ws_call(fd, "{nope");
    assert_int_equal(err_code(j), LM_RPCD_PARSE_ERROR);
    json_decref(j);
    /* a deferred call does not hold the connection: the later call is
     * answered first */
    ws_send(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"deferred\",\"params\":[\"d\"],\"id\":10}");
    ws_send(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"e\"],\"id\":11}");
    j = ws_recv_json(fd, 2000);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 11);
    json_decref(j);
    j = ws_recv_json(fd, 2000);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 10);
    assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(j, "result"), "deferred"), 0)), "d");
    json_decref(j);
    /* a message in several fragments (RFC 6455 §5.4) */
    const char *m = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[5,6],\"id\":12}";
    size_t half = strlen(m) / 2;
    unsigned char f1[128];
    /* first fragment: FIN=0, opcode text; continuation: FIN=1, opcode 0 */
    f1[0] = 0x01;
    f1[1] = (unsigned char)(0x80 | half);
    memset(f1 + 2, 0, 4); /* zero mask */
    memcpy(f1 + 6, m, half);
    send_all(fd, f1, 6 + half);
    ws_send_frame(fd, 0x0, m + half, strlen(m) - half);
    j = ws_recv_json(fd, 2000);
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 11);
    json_decref(j);
    /* a 7000-byte message whose frame arrives in three TCP pieces */
    {
        size_t plen = 7000;
        char *pl = malloc(plen + 1);
        assert_non_null(pl);
        const char *head = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[\"";
        const char *tail = "\"],\"id\":13}";
        memset(pl, 'q', plen);
        memcpy(pl, head, strlen(head));
        memcpy(pl + plen - strlen(tail), tail, strlen(tail));
        pl[plen] = 0;
        unsigned char *fr = malloc(plen + 8);
        assert_non_null(fr);
        fr[0] = 0x81;
        fr[1] = 0x80 | 126;
        fr[2] = (unsigned char)(plen >> 8);
        fr[3] = (unsigned char)plen;
        memset(fr + 4, 0, 4); /* zero mask */
        memcpy(fr + 8, pl, plen);
        send_all(fd, fr, 3);
        sleep_ms(20);
        send_all(fd, fr + 3, 3000);
        sleep_ms(20);
        send_all(fd, fr + 3003, plen + 8 - 3003);
        j = ws_recv_json(fd, 2000);
        assert_int_equal(json_integer_value(json_object_get(j, "id")), 13);
        assert_int_equal(json_string_length(json_array_get(json_object_get(j, "result"), 0)),
                         plen - strlen(head) - strlen(tail));
        json_decref(j);
        free(fr);
        free(pl);
    }
    /* the path "/" also upgrades; another path does not */
    int fd2 = ws_open_path(F.port, "/", 0, true);
    close(fd2);
    (void)ws_open_path(F.port, "/elsewhere", 0, false);
    /* a message above max_ws_message_bytes (8 KiB) closes with 1009 */
    size_t big = 9000;
    char *p = malloc(big);
    assert_non_null(p);
    memset(p, ' ', big);
    ws_send_frame(fd, 0x1, p, big);
    free(p);
    int closed = 0, code = 0;
    char *t = ws_recv(fd, 2000, &closed, &code);
    assert_null(t);
    assert_int_equal(closed, 1);
    assert_int_equal(code, 1009);
    close(fd);
    server_healthy(F.port);
}

static json_t *subscribe(int fd, int id, const char *params)
{
    char req[256];
    snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"method\":\"lamina_subscribe\",\"params\":%s,\"id\":%d}", params, id);
    return ws_call(fd, req);
}

static void expect_note(int fd, const char *subid, const char *result_json)
{
    json_t *j = ws_recv_json(fd, 2000);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "lamina_subscription");
    assert_string_equal(json_string_value(json_object_get(j, "jsonrpc")), "2.0");
    assert_null(json_object_get(j, "id"));
    json_t *p = json_object_get(j, "params");
    assert_string_equal(json_string_value(json_object_get(p, "subscription")), subid);
    json_t *want = json_loads(result_json, JSON_DECODE_ANY, NULL);
    assert_true(json_equal(json_object_get(p, "result"), want));
    json_decref(want);
    json_decref(j);
}

static const char *ADDR_A = "0xAbCdEf0000000000000000000000000000000001";
static const char *ADDR_A_LOW = "0xabcdef0000000000000000000000000000000001";
static const char *ADDR_B_LOW = "0x00000000000000000000000000000000000000b2";

static void test_ws_subscriptions(void **state)
{
    (void)state;
    assert_false(lm_rpcd_has_subscribers(F.srv, "account")); /* nobody yet */
    assert_false(lm_rpcd_has_subscribers(F.srv, "nope"));
    int c1 = ws_open(F.port), c2 = ws_open(F.port), c3 = ws_open(F.port);
    char params[128];
    snprintf(params, sizeof params, "[\"account\",\"%s\"]", ADDR_A); /* checksummed spelling */
    json_t *r1 = subscribe(c1, 1, params);
    snprintf(params, sizeof params, "[\"account\",\"%s\"]", ADDR_B_LOW);
    json_t *r2 = subscribe(c2, 1, params);
    json_t *r2b = subscribe(c2, 2, "[\"newBlocks\"]");
    json_t *r3 = subscribe(c3, 1, "[\"account\"]"); /* every account */
    const char *s1 = json_string_value(json_object_get(r1, "result"));
    const char *s2 = json_string_value(json_object_get(r2, "result"));
    const char *s2b = json_string_value(json_object_get(r2b, "result"));
    const char *s3 = json_string_value(json_object_get(r3, "result"));
    assert_non_null(s1);
    assert_non_null(s2);
    assert_non_null(s2b);
    assert_non_null(s3);
    assert_string_not_equal(s2, s2b);
    lm_rpcd_stats st;
    lm_rpcd_get_stats(F.srv, &st);
    assert_int_equal(st.subscriptions, 4);
    assert_true(lm_rpcd_has_subscribers(F.srv, "account"));
    assert_true(lm_rpcd_has_subscribers(F.srv, "newBlocks"));
    assert_false(lm_rpcd_has_subscribers(F.srv, "market"));

    json_t *pa = json_pack("{ss si}", "address", ADDR_A_LOW, "balance", 10);
    json_t *pb = json_pack("{ss si}", "address", ADDR_B_LOW, "balance", 20);
    json_t *blk = json_pack("{si}", "number", 77);
    assert_int_equal(lm_rpcd_publish(F.srv, "account", ADDR_A_LOW, pa), LM_OK);
    expect_note(c1, s1, "{\"address\":\"0xabcdef0000000000000000000000000000000001\",\"balance\":10}");
    expect_note(c3, s3, "{\"address\":\"0xabcdef0000000000000000000000000000000001\",\"balance\":10}");
    assert_int_equal(lm_rpcd_publish(F.srv, "account", ADDR_B_LOW, pb), LM_OK);
    expect_note(c2, s2, "{\"address\":\"0x00000000000000000000000000000000000000b2\",\"balance\":20}");
    expect_note(c3, s3, "{\"address\":\"0x00000000000000000000000000000000000000b2\",\"balance\":20}");
    assert_int_equal(lm_rpcd_publish(F.srv, "newBlocks", NULL, blk), LM_OK);
    expect_note(c2, s2b, "{\"number\":77}");
    ws_expect_silence(c1, 100); /* c1 got only its key */
    ws_expect_silence(c3, 1);

    /* publish argument checks */
    assert_int_equal(lm_rpcd_publish(F.srv, "nope", NULL, blk), LM_EINVAL);
    assert_int_equal(lm_rpcd_publish(F.srv, "newBlocks", "k", blk), LM_EINVAL);
    assert_int_equal(lm_rpcd_publish(F.srv, "market", NULL, blk), LM_EINVAL);
    assert_int_equal(lm_rpcd_publish(F.srv, "market", "BTC-USD", blk), LM_OK); /* nobody listens */

    /* subscribe errors */
    json_t *e = subscribe(c1, 5, "[\"nope\"]");
    assert_int_equal(err_code(e), LM_RPCD_INVALID_PARAMS);
    json_decref(e);
    e = subscribe(c1, 6, "[\"market\"]"); /* key required */
    assert_int_equal(err_code(e), LM_RPCD_INVALID_PARAMS);
    json_decref(e);
    e = subscribe(c1, 6, "[\"market\",\"\"]"); /* empty key */
    assert_int_equal(err_code(e), LM_RPCD_INVALID_PARAMS);
    json_decref(e);
    e = subscribe(c1, 6, "[\"market\",7]"); /* not a string */
    assert_int_equal(err_code(e), LM_RPCD_INVALID_PARAMS);
    json_decref(e);
    e = subscribe(c1, 7, "[\"newBlocks\",\"k\"]"); /* no key allowed */
    assert_int_equal(err_code(e), LM_RPCD_INVALID_PARAMS);
    json_decref(e);
    e = subscribe(c1, 8, "[\"account\",\"0x12\"]"); /* the key function refuses */
    assert_int_equal(err_code(e), LM_RPCD_INVALID_PARAMS);
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(e, "error"), "data")), "40 hex"));
    json_decref(e);
    /* max_subscriptions = 3 per connection */
    json_t *x1 = subscribe(c1, 9, "[\"newBlocks\"]");
    json_t *x2 = subscribe(c1, 10, "[\"market\",\"ETH-USD\"]");
    e = subscribe(c1, 11, "[\"newBlocks\"]");
    assert_int_equal(err_code(e), LM_RPCD_LIMIT_EXCEEDED);
    json_decref(e);
    json_decref(x2);

    /* unsubscribe stops the messages */
    char req[160];
    snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"method\":\"lamina_unsubscribe\",\"params\":[\"%s\"],\"id\":20}", s1);
    json_t *u = ws_call(c1, req);
    assert_true(json_is_true(json_object_get(u, "result")));
    json_decref(u);
    u = ws_call(c1, req); /* twice: false */
    assert_true(json_is_false(json_object_get(u, "result")));
    json_decref(u);
    /* another connection cannot cancel c2's subscription */
    snprintf(req, sizeof req, "{\"jsonrpc\":\"2.0\",\"method\":\"lamina_unsubscribe\",\"params\":[\"%s\"],\"id\":21}", s2);
    u = ws_call(c1, req);
    assert_true(json_is_false(json_object_get(u, "result")));
    json_decref(u);
    assert_int_equal(lm_rpcd_publish(F.srv, "account", ADDR_A_LOW, pa), LM_OK);
    assert_int_equal(lm_rpcd_publish(F.srv, "newBlocks", NULL, blk), LM_OK);
    /* c1 now receives only the block (its account subscription is gone) */
    expect_note(c1, json_string_value(json_object_get(x1, "result")), "{\"number\":77}");
    expect_note(c3, s3, "{\"address\":\"0xabcdef0000000000000000000000000000000001\",\"balance\":10}");
    expect_note(c2, s2b, "{\"number\":77}");
    ws_expect_silence(c1, 100);
    json_decref(x1);

    /* a subscribe in a batch behind a deferred call: its id is announced
     * (with the batch answer) before any notification */
    ws_send(c3, "[{\"jsonrpc\":\"2.0\",\"method\":\"deferred\",\"params\":[],\"id\":1},"
                "{\"jsonrpc\":\"2.0\",\"method\":\"lamina_subscribe\",\"params\":[\"newBlocks\"],\"id\":2}]");
    sleep_ms(10);
    assert_int_equal(lm_rpcd_publish(F.srv, "newBlocks", NULL, blk), LM_OK);
    expect_note(c2, s2b, "{\"number\":77}");
    json_t *bj = ws_recv_json(c3, 2000);
    assert_true(json_is_array(bj));
    const char *s3b = json_string_value(json_object_get(json_array_get(bj, 1), "result"));
    assert_non_null(s3b);
    ws_expect_silence(c3, 50); /* the block before the answer was not sent */
    assert_int_equal(lm_rpcd_publish(F.srv, "newBlocks", NULL, blk), LM_OK);
    expect_note(c3, s3b, "{\"number\":77}");
    expect_note(c2, s2b, "{\"number\":77}");
    json_decref(bj);

    json_decref(pa);
    json_decref(pb);
    json_decref(blk);
    json_decref(r1);
    json_decref(r2);
    json_decref(r2b);
    json_decref(r3);
    close(c1);
    close(c2);
    close(c3);
    sleep_ms(50);
    lm_rpcd_get_stats(F.srv, &st);
    assert_int_equal(st.subscriptions, 0);
    assert_false(lm_rpcd_has_subscribers(F.srv, "account")); /* closed connections unsubscribe */
    assert_false(lm_rpcd_has_subscribers(F.srv, "newBlocks"));
}

/* A WS client that stops reading is dropped once its queue passes the cap. */
static void test_ws_slow_client(void **state)
{
    (void)state;
    int fd = ws_open_path(F.port, "/ws", 4096, true);
    json_t *r = subscribe(fd, 1, "[\"newBlocks\"]");
    json_decref(r);
    lm_rpcd_stats before, after;
    lm_rpcd_get_stats(F.srv, &before);
    char pad[1024];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = 0;
    json_t *blk = json_pack("{ss}", "pad", pad);
    int disconnected = 0;
    for (int i = 0; i < 20000 && !disconnected; i++) {
        int rc = lm_rpcd_publish(F.srv, "newBlocks", NULL, blk);
        assert_true(rc == LM_OK || rc == LM_ETOOLARGE);
        if (i % 100 == 99) {
            sleep_ms(2);
            lm_rpcd_get_stats(F.srv, &after);
            disconnected = after.slow_disconnects > before.slow_disconnects;
        }
    }
    json_decref(blk);
    assert_true(disconnected);
    /* the socket reaches EOF after what was buffered */
    char buf[65536];
    int eof = 0;
    for (int i = 0; i < 1000 && !eof; i++) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 2000) <= 0)
            break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        eof = n <= 0;
    }
    assert_true(eof);
    close(fd);
    server_healthy(F.port);
}

/* ---- tests: limits on a second server -------------------------------------------------------- */

static void test_rate_limit(void **state)
{
    (void)state;
    fixture g;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.rate_per_s = 20;
    o.rate_burst = 5;
    fixture_start(&g, &o);
    const char *call = "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}";
    for (int i = 0; i < 5; i++) {
        json_t *j = rpc_json(g.port, call, 200);
        assert_int_equal(json_integer_value(json_object_get(j, "result")), 3);
        json_decref(j);
    }
    json_t *j = rpc_json(g.port, call, 429);
    assert_int_equal(err_code(j), LM_RPCD_LIMIT_EXCEEDED);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message")), "rate limited");
    json_decref(j);
    /* the same bucket serves WebSocket */
    int fd = ws_open(g.port);
    j = ws_call(fd, call);
    assert_int_equal(err_code(j), LM_RPCD_LIMIT_EXCEEDED);
    json_decref(j);
    /* it refills at 20/s: after 130 ms two calls pass, the third does not */
    sleep_ms(130);
    j = ws_call(fd, "[{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1},"
                    "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":2},"
                    "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":3}]");
    assert_int_equal(json_array_size(j), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "result")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 1), "result")), 3);
    assert_int_equal(err_code(json_array_get(j, 2)), LM_RPCD_LIMIT_EXCEEDED);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 2), "id")), 3);
    json_decref(j);
    close(fd);
    /* recovers fully */
    sleep_ms(300);
    j = rpc_json(g.port, call, 200);
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 3);
    json_decref(j);
    /* /health is not rate limited */
    server_healthy(g.port);
    lm_rpcd_stats st;
    lm_rpcd_get_stats(g.srv, &st);
    assert_true(st.rate_limited >= 3);
    fixture_stop(&g);
}

static void test_connection_limit(void **state)
{
    (void)state;
    fixture g;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.max_connections = 2;
    fixture_start(&g, &o);
    int a = ws_open(g.port);
    int b = tcp_connect(g.port, 0);
    sleep_ms(50);
    /* the third connection is refused: closed without an answer */
    int c = tcp_connect(g.port, 0);
    char buf[16];
    assert_int_equal(recv_exact(c, buf, 1, 2000), 0);
    close(c);
    hresp r = http_req(g.port, "GET", "/health", NULL, NULL, 0);
    assert_true(r.rc != CURLE_OK);
    free(r.body);
    lm_rpcd_stats st;
    lm_rpcd_get_stats(g.srv, &st);
    assert_int_equal(st.connections_open, 2);
    assert_true(st.connections_refused >= 2);
    /* the WS connection still works */
    json_t *j = ws_call(a, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}");
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 3);
    json_decref(j);
    close(b);
    sleep_ms(50);
    server_healthy(g.port);
    /* shut down with a WebSocket open and a deferred call pending */
    ws_send(a, "{\"jsonrpc\":\"2.0\",\"method\":\"forever\",\"id\":2}");
    json_t *sub = subscribe(a, 3, "[\"newBlocks\"]");
    json_decref(sub);
    fixture_stop(&g);
    int closed;
    char *t = ws_recv(a, 2000, &closed, NULL);
    assert_null(t);
    assert_int_equal(closed, 1);
    close(a);
}

/* A request body that stops coming, and an idle keep-alive connection,
 * are closed after their timeouts (1 s here). */
static void test_timeouts(void **state)
{
    (void)state;
    fixture g;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.request_timeout_s = 1;
    o.idle_timeout_s = 1;
    fixture_start(&g, &o);
    int a = tcp_connect(g.port, 0);
    const char *part = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "Content-Length: 100\r\n\r\n{";
    send_all(a, part, strlen(part));
    const char *call = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}";
    char req[256];
    int n = snprintf(req, sizeof req,
                     "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(call), call);
    int b = tcp_connect(g.port, 0);
    send_all(b, req, (size_t)n);
    uint64_t t0 = mono_ms();
    char buf[4096];
    /* a: no answer, closed by the request timeout */
    int r = recv_exact(a, buf, 1, 4000);
    assert_int_equal(r, 0);
    uint64_t ta = mono_ms() - t0;
    /* b: answered, then closed when idle */
    ssize_t got = 0;
    for (;;) {
        struct pollfd pf = {.fd = b, .events = POLLIN};
        if (poll(&pf, 1, 4000) <= 0)
            break;
        ssize_t k = recv(b, buf + got, sizeof buf - 1 - (size_t)got, 0);
        if (k <= 0)
            break;
        got += k;
    }
    buf[got] = 0;
    uint64_t tb = mono_ms() - t0;
    assert_non_null(strstr(buf, "200 OK"));
    assert_true(ta >= 500 && ta < 3500);
    assert_true(tb >= 500 && tb < 3500);
    close(a);
    close(b);
    fixture_stop(&g);
}

/* A silent WebSocket is pinged after ws_ping_s and closed after ws_hangup_s
 * unless it answers (RFC 6455 §5.5.2: "Upon receipt of a Ping frame, an
 * endpoint MUST send a Pong frame in response"). */
static void test_ws_ping(void **state)
{
    (void)state;
    fixture g;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.ws_ping_s = 1;
    o.ws_hangup_s = 2;
    fixture_start(&g, &o);
    int alive = ws_open(g.port), mute = ws_open(g.port);
    uint64_t t0 = mono_ms();
    /* alive reads (and so answers the pings) past the hangup time */
    int closed = 0;
    while (mono_ms() - t0 < 2400 && !closed) {
        char *t = ws_recv(alive, 200, &closed, NULL);
        assert_null(t);
    }
    assert_int_equal(closed, 0);
    json_t *j = ws_call(alive, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,1],\"id\":1}");
    assert_int_equal(json_integer_value(json_object_get(j, "result")), 2);
    json_decref(j);
    /* mute never answered: by now the server has closed it (a ping, then
     * the close, then EOF wait in its socket) */
    unsigned char buf[256];
    bool eof = false, ping = false;
    for (int i = 0; i < 20 && !eof; i++) {
        struct pollfd pf = {.fd = mute, .events = POLLIN};
        if (poll(&pf, 1, 500) <= 0)
            break;
        ssize_t n = recv(mute, buf, sizeof buf, 0);
        if (n <= 0)
            eof = true;
        else if ((buf[0] & 0x0f) == 0x9)
            ping = true;
    }
    assert_true(ping);
    assert_true(eof);
    close(alive);
    close(mute);
    fixture_stop(&g);
}

/* CORS (Fetch standard): off by default; with cors_origin set, answers
 * carry Access-Control-Allow-Origin and OPTIONS preflights are answered. */
static void test_cors(void **state)
{
    (void)state;
    hresp r = http_req(F.port, "OPTIONS", "/", NULL, NULL, 0);
    assert_int_equal(r.status, 405);
    assert_non_null(strstr(r.headers, "allow: get, post, options"));
    assert_null(strstr(r.headers, "access-control"));
    free(r.body);
    fixture g;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.cors_origin = "https://app.example";
    fixture_start(&g, &o);
    r = http_req(g.port, "OPTIONS", "/", NULL, NULL, 0);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 204);
    assert_non_null(strstr(r.headers, "access-control-allow-origin: https://app.example"));
    assert_non_null(strstr(r.headers, "access-control-allow-methods: post, get, options"));
    assert_non_null(strstr(r.headers, "access-control-allow-headers: content-type"));
    free(r.body);
    r = rpc_post(g.port, "{\"jsonrpc\":\"2.0\",\"method\":\"add\",\"params\":[1,2],\"id\":1}");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.headers, "access-control-allow-origin: https://app.example"));
    assert_null(strstr(r.headers, "access-control-allow-methods"));
    assert_non_null(strstr(r.body, "\"result\":3"));
    free(r.body);
    fixture_stop(&g);
    lm_rpcd *s;
    lm_err err;
    o.cors_origin = "x\r\nSet-Cookie: a=b";
    assert_int_equal(lm_rpcd_new(&s, &o, &err), LM_EINVAL);
}

static void test_options(void **state)
{
    (void)state;
    lm_rpcd *s;
    lm_err err;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.max_batch = 0;
    assert_int_equal(lm_rpcd_new(&s, &o, &err), LM_EINVAL);
    lm_rpcd_opts_default(&o);
    o.port = 70000;
    assert_int_equal(lm_rpcd_new(&s, &o, &err), LM_EINVAL);
    /* a port already in use cannot be bound */
    lm_rpcd_opts_default(&o);
    o.port = F.port;
    assert_int_equal(lm_rpcd_new(&s, &o, &err), LM_OK);
    assert_int_equal(lm_rpcd_start(s, &err), LM_EIO);
    assert_int_equal(lm_rpcd_reply(s, 1, json_true()), LM_EIO);
    lm_rpcd_free(s);
    /* start, stop, free without traffic */
    assert_int_equal(lm_rpcd_new(&s, NULL, &err), LM_OK);
    assert_int_equal(lm_rpcd_start(s, &err), LM_OK);
    lm_rpcd_stop(s);
    lm_rpcd_stop(s);
    assert_int_equal(lm_rpcd_reply(s, 1, json_true()), LM_EIO);
    lm_rpcd_free(s);
    lm_rpcd_free(NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    lm_log_set_level(LM_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples_http),
        cmocka_unit_test(test_spec_examples_ws),
        cmocka_unit_test(test_http_methods_and_errors),
        cmocka_unit_test(test_http_transport),
        cmocka_unit_test(test_http_keepalive),
        cmocka_unit_test(test_deferred_http),
        cmocka_unit_test(test_disconnects),
        cmocka_unit_test(test_ws_rpc),
        cmocka_unit_test(test_ws_subscriptions),
        cmocka_unit_test(test_ws_slow_client),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_ws_ping),
        cmocka_unit_test(test_options),
    };
    int rc = cmocka_run_group_tests(tests, setup_main, teardown_main);
    curl_global_cleanup();
    return rc;
}
