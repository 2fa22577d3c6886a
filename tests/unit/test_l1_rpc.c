/* Tests for the JSON-RPC client (src/l1/rpc.c, eth.c, json.c) against a
 * small scripted HTTP/1.1 server that runs in a thread of this test on
 * 127.0.0.1 (port 0, found with getsockname). Every failure mode must come
 * back as a clear code and message, never a crash (this runs under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lamina/bytes.h"
#include "lamina/l1_rpc.h"
#include "lamina/l1_tx.h"

/* ---- the scripted server ------------------------------------------------ */

typedef enum reply_mode {
    REPLY_NORMAL = 0, /* status + body with Content-Length */
    REPLY_NO_LENGTH,  /* body without Content-Length, then close */
    REPLY_CLOSE,      /* close the connection without answering */
} reply_mode;

typedef struct reply {
    int status;
    const char *body; /* "$ID" is replaced by the request's id */
    int delay_ms;
    reply_mode mode;
    size_t filler; /* > 0: body is this many bytes of spaces then "{}" */
} reply;

typedef struct srv srv;
/* Out: *out the answer to request req (a parsed JSON-RPC request). A handler
 * may return a malloc'ed body in *owned, which the server frees. */
typedef void (*handler_fn)(srv *s, const json_t *req, reply *out, char **owned);

struct srv {
    int lfd;
    uint16_t port;
    pthread_t th;
    atomic_bool stop;
    handler_fn handler;
    const reply *script; /* for the scripted handler; the last entry repeats */
    size_t n_script;
    atomic_int requests;
    atomic_int accepts;
    int max_range; /* logs handler: refuse wider ranges */
    int refuse_block; /* logs handler: refuse any range holding this block (-1: none) */
    char last_request[1024];
    const struct route *routes; /* for the routing handler */
    size_t n_routes;
};

/* The routing handler: answers by method name; unknown methods get the
 * JSON-RPC "method not found" error. */
typedef struct route {
    const char *method;
    const char *body;
} route;

static void routed(srv *s, const json_t *req, reply *out, char **owned)
{
    (void)owned;
    const char *m = json_string_value(json_object_get(req, "method"));
    out->status = 200;
    out->body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":-32601,\"message\":\"the method "
                "does not exist/is not available\"}}";
    for (size_t i = 0; m && i < s->n_routes; i++)
        if (strcmp(s->routes[i].method, m) == 0) {
            out->body = s->routes[i].body;
            return;
        }
}

static void scripted(srv *s, const json_t *req, reply *out, char **owned)
{
    (void)req;
    (void)owned;
    int i = atomic_load(&s->requests) - 1;
    if ((size_t)i >= s->n_script)
        i = (int)s->n_script - 1;
    *out = s->script[i];
}

static bool send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Waits for fd to be readable, checking the stop flag. Returns false on
 * stop. */
static bool wait_readable(srv *s, int fd)
{
    for (;;) {
        if (atomic_load(&s->stop))
            return false;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, 20);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Reads one HTTP request; returns its body (malloc) or NULL when the peer
 * closed. */
static char *read_request(srv *s, int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t head_end = 0, content_len = 0;
    for (;;) {
        if (head_end && len >= head_end + content_len)
            break;
        if (!wait_readable(s, fd))
            goto fail;
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r <= 0)
            goto fail;
        len += (size_t)r;
        buf[len] = '\0';
        if (!head_end) {
            char *e = strstr(buf, "\r\n\r\n");
            if (e) {
                head_end = (size_t)(e - buf) + 4;
                for (char *h = buf; h < e; h = strstr(h, "\r\n") + 2)
                    if (strncasecmp(h, "Content-Length:", 15) == 0)
                        content_len = strtoul(h + 15, NULL, 10);
                if (head_end + content_len > cap)
                    goto fail;
            }
        }
    }
    memmove(buf, buf + head_end, content_len);
    buf[content_len] = '\0';
    return buf;
fail:
    free(buf);
    return NULL;
}

/* body with every "$ID" replaced by id. */
static char *expand(const char *body, long long id)
{
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", id);
    size_t n = strlen(body);
    char *out = malloc(n * 8 + 32);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (strncmp(body + i, "$ID", 3) == 0) {
            memcpy(out + o, idtxt, strlen(idtxt));
            o += strlen(idtxt);
            i += 3;
        } else {
            out[o++] = body[i++];
        }
    }
    out[o] = '\0';
    return out;
}

static void serve_conn(srv *s, int fd)
{
    for (;;) {
        char *req_text = read_request(s, fd);
        if (!req_text)
            return;
        atomic_fetch_add(&s->requests, 1);
        snprintf(s->last_request, sizeof s->last_request, "%s", req_text);
        json_t *req = json_loads(req_text, 0, NULL);
        free(req_text);
        long long id = json_integer_value(json_object_get(req, "id"));
        reply rep = {200, "{}", 0, REPLY_NORMAL, 0};
        char *owned = NULL;
        s->handler(s, req, &rep, &owned);
        json_decref(req);
        if (rep.delay_ms)
            sleep_ms(rep.delay_ms);
        if (rep.mode == REPLY_CLOSE) {
            free(owned);
            return;
        }
        char *body;
        if (rep.filler) {
            body = malloc(rep.filler + 3);
            memset(body, ' ', rep.filler);
            memcpy(body + rep.filler, "{}", 3);
        } else {
            body = expand(owned ? owned : rep.body, id);
        }
        free(owned);
        char head[256];
        size_t blen = strlen(body);
        if (rep.mode == REPLY_NO_LENGTH)
            snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nConnection: "
                     "close\r\n\r\n",
                     rep.status);
        else
            snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: "
                     "%zu\r\n\r\n",
                     rep.status, blen);
        /* one write, so that Nagle's algorithm does not wait for an ACK */
        size_t hlen = strlen(head);
        char *msg = malloc(hlen + blen);
        memcpy(msg, head, hlen);
        memcpy(msg + hlen, body, blen);
        bool ok = send_all(fd, msg, hlen + blen);
        free(msg);
        free(body);
        if (!ok || rep.mode == REPLY_NO_LENGTH)
            return;
    }
}

static void *srv_main(void *arg)
{
    srv *s = arg;
    while (wait_readable(s, s->lfd)) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        atomic_fetch_add(&s->accepts, 1);
        serve_conn(s, fd);
        close(fd);
    }
    return NULL;
}

static srv *srv_start(handler_fn h, const reply *script, size_t n_script)
{
    srv *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->handler = h ? h : scripted;
    s->script = script;
    s->n_script = n_script;
    s->refuse_block = -1;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->lfd >= 0);
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 16), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&a, &al), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
    return s;
}

static void srv_stop(srv *s)
{
    atomic_store(&s->stop, true);
    pthread_join(s->th, NULL);
    close(s->lfd);
    free(s);
}

static void srv_url(const srv *s, char *url, size_t cap)
{
    snprintf(url, cap, "http://127.0.0.1:%u/", (unsigned)s->port);
}

/* A client with short timeouts and backoff, for fast tests. */
static void client_for(lm_rpc *rpc, const srv *s, uint32_t timeout_ms, uint32_t retries)
{
    char url[64];
    srv_url(s, url, sizeof url);
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.timeout_ms = timeout_ms;
    o.max_retries = retries;
    o.backoff_initial_ms = 10;
    o.backoff_max_ms = 40;
    o.max_response_bytes = 1 << 20;
    lm_err err;
    assert_int_equal(lm_rpc_init(rpc, url, &o, &err), LM_OK);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- transport and protocol errors ------------------------------------- */

static void test_ok_and_keepalive(void **state)
{
    (void)state;
    static const reply script[] = {{200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x7a69\"}", 0, 0, 0}};
    srv *s = srv_start(NULL, script, 1);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 0);
    lm_err err;
    uint64_t id = 0;
    assert_int_equal(lm_rpc_chain_id(&rpc, &id, &err), LM_OK);
    assert_true(id == 31337);
    /* the request is JSON-RPC 2.0 with the method and empty params */
    json_t *req = json_loads(s->last_request, 0, NULL);
    assert_non_null(req);
    assert_string_equal(json_string_value(json_object_get(req, "jsonrpc")), "2.0");
    assert_string_equal(json_string_value(json_object_get(req, "method")), "eth_chainId");
    assert_true(json_is_array(json_object_get(req, "params")));
    assert_int_equal(json_array_size(json_object_get(req, "params")), 0);
    json_decref(req);
    for (int i = 0; i < 3; i++)
        assert_int_equal(lm_rpc_chain_id(&rpc, &id, &err), LM_OK);
    assert_int_equal(atomic_load(&s->requests), 4);
    assert_int_equal(atomic_load(&s->accepts), 1); /* one connection, kept alive */
    assert_true(rpc.stats.calls == 4 && rpc.stats.attempts == 4 && rpc.stats.failures == 0);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_timeout(void **state)
{
    (void)state;
    static const reply script[] = {{200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x1\"}", 400, 0, 0}};
    srv *s = srv_start(NULL, script, 1);
    lm_rpc rpc;
    client_for(&rpc, s, 150, 1);
    lm_err err;
    uint64_t n = 77;
    double t0 = now_s();
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_ETIMEOUT);
    double dt = now_s() - t0;
    assert_true(n == 77);
    assert_int_equal(rpc.fault.attempts, 2); /* a timeout is retried */
    assert_non_null(strstr(err.msg, "eth_blockNumber"));
    assert_non_null(strstr(err.msg, "timed out"));
    assert_non_null(strstr(err.msg, "after 2 attempts"));
    assert_true(dt >= 0.29 && dt < 1.5);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_500_then_ok(void **state)
{
    (void)state;
    static const reply script[] = {
        {500, "internal error", 0, 0, 0},
        {503, "busy", 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x10\"}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 3);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 3);
    lm_err err;
    uint64_t n = 0;
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_OK);
    assert_true(n == 16);
    assert_int_equal(rpc.fault.attempts, 3);
    assert_true(rpc.stats.attempts == 3 && rpc.stats.failures == 0);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_500_forever(void **state)
{
    (void)state;
    static const reply script[] = {{500, "upstream exploded", 0, 0, 0}};
    srv *s = srv_start(NULL, script, 1);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 2);
    lm_err err;
    uint64_t n = 0;
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_EHTTP);
    assert_int_equal(rpc.fault.http_status, 500);
    assert_int_equal(rpc.fault.attempts, 3);
    assert_int_equal(atomic_load(&s->requests), 3);
    assert_non_null(strstr(err.msg, "HTTP 500"));
    assert_non_null(strstr(err.msg, "upstream exploded"));
    assert_non_null(strstr(err.msg, "after 3 attempts"));
    assert_true(rpc.stats.failures == 1);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_429_retried_404_final(void **state)
{
    (void)state;
    static const reply script[] = {
        {429, "slow down", 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x0\"}", 0, 0, 0},
        {404, "no such path", 0, 0, 0},
        /* a 4xx carrying a JSON-RPC error is reported as that error */
        {400, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":-32602,\"message\":\"invalid params\"}}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 4);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 3);
    lm_err err;
    uint64_t n = 5;
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_OK);
    assert_true(n == 0);
    assert_int_equal(rpc.fault.attempts, 2);
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_EHTTP);
    assert_int_equal(rpc.fault.attempts, 1); /* 404 is final */
    assert_int_equal(rpc.fault.http_status, 404);
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_ERPC);
    assert_int_equal(rpc.fault.attempts, 1);
    assert_true(rpc.fault.rpc_code == -32602);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_rpc_error(void **state)
{
    (void)state;
    static const reply script[] = {
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":3,\"message\":\"execution "
              "reverted\",\"data\":\"0x08c379a0\"}}", 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse error\"}}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 2);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 3);
    lm_err err;
    uint64_t n = 5;
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_ERPC);
    assert_int_equal(err.code, LM_ERPC);
    assert_int_equal(rpc.fault.attempts, 1); /* JSON-RPC errors are final */
    assert_true(rpc.fault.rpc_code == 3);
    assert_string_equal(rpc.fault.rpc_message, "execution reverted");
    assert_non_null(rpc.fault.rpc_data);
    assert_string_equal(rpc.fault.rpc_data, "\"0x08c379a0\"");
    assert_non_null(strstr(err.msg, "error 3: execution reverted"));
    assert_true(n == 5);
    /* id null is accepted on an error (the server could not read the id) */
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_ERPC);
    assert_true(rpc.fault.rpc_code == -32700);
    assert_null(rpc.fault.rpc_data);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

/* Each body must fail with LM_EPROTO and a message containing want. */
static void test_protocol_errors(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *want;
    } cases[] = {
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x1\"", "malformed JSON"},
        {"not json at all", "malformed JSON"},
        {"", "malformed JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID}", "exactly one"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x1\",\"error\":{\"code\":1,\"message\":\"x\"}}", "exactly one"},
        {"{\"id\":$ID,\"result\":\"0x1\"}", "jsonrpc"},
        {"{\"jsonrpc\":\"1.0\",\"id\":$ID,\"result\":\"0x1\"}", "jsonrpc"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID9,\"result\":\"0x1\"}", "id does not match"},
        {"{\"jsonrpc\":\"2.0\",\"id\":\"$ID\",\"result\":\"0x1\"}", "id does not match"},
        {"{\"jsonrpc\":\"2.0\",\"id\":null,\"result\":\"0x1\"}", "id does not match"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":\"x\",\"message\":\"m\"}}", "malformed error"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":\"boom\"}", "malformed error"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"id\":$ID,\"result\":\"0x1\"}", "malformed JSON"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":17}", "not a string"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x01\"}", "leading zero"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"12\"}", "0x prefix"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x10000000000000000\"}", "do not fit"},
        {"{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":null}", "not a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply script[1] = {{200, cases[i].body, 0, 0, 0}};
        srv *s = srv_start(NULL, script, 1);
        lm_rpc rpc;
        client_for(&rpc, s, 1000, 2);
        lm_err err;
        uint64_t n = 99;
        lm_code rc = lm_rpc_block_number(&rpc, &n, &err);
        if (rc != LM_EPROTO || !strstr(err.msg, cases[i].want))
            fail_msg("case %zu: got %s \"%s\", want EPROTO \"%s\"", i, lm_code_name(rc), err.msg,
                     cases[i].want);
        assert_int_equal(rpc.fault.attempts, 1); /* protocol errors are not retried */
        assert_true(n == 99);
        lm_rpc_free(&rpc);
        srv_stop(s);
    }
}

static void test_oversize(void **state)
{
    (void)state;
    static const reply script[] = {
        {200, NULL, 0, REPLY_NORMAL, (1 << 20) + 10},    /* Content-Length above the cap */
        {200, NULL, 0, REPLY_NO_LENGTH, (1 << 20) + 10}, /* streamed past the cap */
    };
    srv *s = srv_start(NULL, script, 2);
    lm_rpc rpc;
    client_for(&rpc, s, 2000, 3);
    lm_err err;
    uint64_t n;
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "larger than 1048576"));
    assert_int_equal(rpc.fault.attempts, 1);
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_ETOOLARGE);
    assert_int_equal(rpc.fault.attempts, 1);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_closed_without_answer(void **state)
{
    (void)state;
    static const reply script[] = {
        {200, NULL, 0, REPLY_CLOSE, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x2a\"}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 2);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 2);
    lm_err err;
    uint64_t n = 0;
    assert_int_equal(lm_rpc_block_number(&rpc, &n, &err), LM_OK);
    assert_true(n == 42);
    assert_int_equal(rpc.fault.attempts, 2);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_connection_refused(void **state)
{
    (void)state;
    /* a port nobody listens on: bind one, then close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", (unsigned)ntohs(a.sin_port));
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.timeout_ms = 300;
    o.max_retries = 2;
    o.backoff_initial_ms = 5;
    lm_rpc rpc;
    lm_err err;
    assert_int_equal(lm_rpc_init(&rpc, url, &o, &err), LM_OK);
    uint64_t n;
    assert_int_equal(lm_rpc_chain_id(&rpc, &n, &err), LM_EIO);
    assert_int_equal(rpc.fault.attempts, 3);
    assert_int_equal(rpc.fault.http_status, 0);
    assert_non_null(strstr(err.msg, "eth_chainId"));
    lm_rpc_free(&rpc);
    lm_rpc_free(&rpc); /* twice is harmless */
    assert_int_equal(lm_rpc_chain_id(&rpc, &n, &err), LM_EINVAL); /* and calls fail cleanly */
}

static void test_init_and_generic_call(void **state)
{
    (void)state;
    lm_rpc rpc;
    lm_err err;
    assert_int_equal(lm_rpc_init(&rpc, "ftp://x", NULL, &err), LM_EINVAL);
    assert_int_equal(lm_rpc_init(&rpc, "localhost:8545", NULL, &err), LM_EINVAL);
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.timeout_ms = 0;
    assert_int_equal(lm_rpc_init(&rpc, "http://127.0.0.1:1", &o, &err), LM_EINVAL);

    static const reply script[] = {{200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"a\":[1,true]}}", 0, 0, 0}};
    srv *s = srv_start(NULL, script, 1);
    client_for(&rpc, s, 1000, 0);
    json_t *res = NULL;
    assert_int_equal(lm_rpc_call(&rpc, &res, "anvil_whatever", "[\"0x1\", {\"k\": 2}]", &err),
                     LM_OK);
    assert_true(json_is_true(json_array_get(json_object_get(res, "a"), 1)));
    json_decref(res);
    json_t *req = json_loads(s->last_request, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(req, "method")), "anvil_whatever");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(req, "params"), 1), "k")), 2);
    json_decref(req);
    assert_int_equal(lm_rpc_call(&rpc, &res, "evm_mine", NULL, &err), LM_OK);
    json_decref(res);
    assert_int_equal(lm_rpc_call(&rpc, &res, "x", "{\"not\":\"array\"}", &err), LM_EINVAL);
    assert_null(res);
    assert_int_equal(lm_rpc_call(&rpc, &res, "x", "[1,", &err), LM_EINVAL);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

/* ---- quantities --------------------------------------------------------- */

static void test_quantities(void **state)
{
    (void)state;
    static const struct {
        const char *t;
        bool ok;
        uint64_t v;
    } u64s[] = {
        {"0x0", true, 0},
        {"0x1", true, 1},
        {"0x7a69", true, 31337},
        {"0xFfFf", true, 0xffff},
        {"0xffffffffffffffff", true, UINT64_MAX},
        {"0x10000000000000000", false, 0},
        {"0x", false, 0},
        {"0x00", false, 0},
        {"0x01", false, 0},
        {"0X1", false, 0},
        {"1", false, 0},
        {"", false, 0},
        {"0xg", false, 0},
        {"0x1 ", false, 0},
        {"-0x1", false, 0},
    };
    lm_err err;
    for (size_t i = 0; i < sizeof u64s / sizeof u64s[0]; i++) {
        uint64_t v = 12345;
        lm_code rc = lm_rpc_parse_u64(&v, u64s[i].t, strlen(u64s[i].t), &err);
        if ((rc == LM_OK) != u64s[i].ok)
            fail_msg("u64 \"%s\": got %s", u64s[i].t, lm_code_name(rc));
        if (u64s[i].ok)
            assert_true(v == u64s[i].v);
        else
            assert_true(v == 12345 && rc == LM_EPROTO);
    }
    lm_u256 w;
    const char *max = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    assert_int_equal(lm_rpc_parse_u256(&w, max, strlen(max), &err), LM_OK);
    assert_true(lm_u256_eq(&w, &LM_U256_MAX));
    const char *over = "0x10000000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(lm_rpc_parse_u256(&w, over, strlen(over), &err), LM_EPROTO);
    assert_int_equal(lm_rpc_parse_u256(&w, "0x0", 3, &err), LM_OK);
    assert_true(lm_u256_is_zero(&w));
    assert_int_equal(lm_rpc_parse_u256(&w, "0x0a", 4, &err), LM_EPROTO);
    const char *big = "0xde0b6b3a7640000123456789";
    assert_int_equal(lm_rpc_parse_u256(&w, big, strlen(big), &err), LM_OK);
    assert_true(w.w[0] == 0x7640000123456789ull && w.w[1] == 0xde0b6b3aull);
    char buf[19];
    assert_int_equal(lm_rpc_format_u64(buf, 0), 3);
    assert_string_equal(buf, "0x0");
    lm_rpc_format_u64(buf, 0x7a69);
    assert_string_equal(buf, "0x7a69");
    lm_rpc_format_u64(buf, UINT64_MAX);
    assert_string_equal(buf, "0xffffffffffffffff");
}

/* ---- typed methods on canned answers ------------------------------------ */

#define H32(c) "0x" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
    c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c
#define A20(c) "0x" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char block_json[] =
    "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"number\":\"0x1b4\",\"hash\":" "\"" H32("a") "\""
    ",\"parentHash\":\"" H32("b") "\",\"timestamp\":\"0x6553f100\",\"gasLimit\":\"0x1c9c380\","
    "\"gasUsed\":\"0x0\",\"baseFeePerGas\":\"0x3b9aca00\",\"miner\":\"" A20("c") "\","
    "\"transactions\":[]}}";

static void test_block_header(void **state)
{
    (void)state;
    static const char *bad_hash =
        "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"number\":\"0x1b4\",\"hash\":\"0xaa\","
        "\"parentHash\":\"" H32("b") "\",\"timestamp\":\"0x1\",\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\"}}";
    const reply script[] = {
        {200, block_json, 0, 0, 0},
        {200, block_json, 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":null}", 0, 0, 0},
        {200, bad_hash, 0, 0, 0},
        {200, block_json, 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 5);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 0);
    lm_err err;
    lm_l1_header h;
    assert_int_equal(lm_rpc_get_block_by_number(&rpc, &h, lm_block_at(436), &err), LM_OK);
    assert_true(h.number == 436 && h.timestamp == 0x6553f100 && h.gas_limit == 30000000);
    assert_true(h.has_base_fee);
    assert_true(h.base_fee_per_gas.w[0] == 1000000000 && h.base_fee_per_gas.w[1] == 0);
    for (int i = 0; i < 32; i++)
        assert_true(h.hash[i] == 0xaa && h.parent_hash[i] == 0xbb);
    json_t *req = json_loads(s->last_request, 0, NULL);
    assert_string_equal(json_string_value(json_array_get(json_object_get(req, "params"), 0)), "0x1b4");
    assert_true(json_is_false(json_array_get(json_object_get(req, "params"), 1)));
    json_decref(req);
    /* asking for 437 and getting 436 is a protocol error */
    assert_int_equal(lm_rpc_get_block_by_number(&rpc, &h, lm_block_at(437), &err), LM_EPROTO);
    assert_int_equal(lm_rpc_get_block_by_number(&rpc, &h, lm_block_tagged(LM_BLOCK_FINALIZED), &err),
                     LM_ENOTFOUND);
    req = json_loads(s->last_request, 0, NULL);
    assert_string_equal(json_string_value(json_array_get(json_object_get(req, "params"), 0)), "finalized");
    json_decref(req);
    assert_int_equal(lm_rpc_get_block_by_number(&rpc, &h, lm_block_tagged(LM_BLOCK_SAFE), &err), LM_EPROTO);
    assert_non_null(strstr(err.msg, "block.hash"));
    uint8_t want[32];
    memset(want, 0xaa, 32);
    assert_int_equal(lm_rpc_get_block_by_hash(&rpc, &h, want, &err), LM_OK);
    assert_true(h.number == 436);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static const char receipt_json[] =
    "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"transactionHash\":\"" H32("1") "\","
    "\"blockHash\":\"" H32("2") "\",\"blockNumber\":\"0x5\",\"transactionIndex\":\"0x0\","
    "\"status\":\"0x1\",\"gasUsed\":\"0x5208\",\"cumulativeGasUsed\":\"0x5208\","
    "\"effectiveGasPrice\":\"0x77359400\",\"from\":\"" A20("3") "\",\"to\":null,"
    "\"contractAddress\":\"" A20("4") "\",\"type\":\"0x2\",\"logsBloom\":\"0x00\",\"logs\":["
    "{\"address\":\"" A20("4") "\",\"topics\":[\"" H32("5") "\"],\"data\":\"0x0102\","
    "\"blockNumber\":\"0x5\",\"blockHash\":\"" H32("2") "\",\"transactionHash\":\"" H32("1") "\","
    "\"transactionIndex\":\"0x0\",\"logIndex\":\"0x0\",\"removed\":false}]}}";

static const char tx_json[] =
    "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"hash\":\"" H32("1") "\",\"type\":\"0x2\","
    "\"nonce\":\"0x7\",\"from\":\"" A20("3") "\",\"to\":\"" A20("6") "\",\"value\":\"0xde0b6b3a7640000\","
    "\"gas\":\"0x5208\",\"maxFeePerGas\":\"0x77359400\",\"maxPriorityFeePerGas\":\"0x3b9aca00\","
    "\"input\":\"0xcafe\",\"blockNumber\":null,\"blockHash\":null,\"transactionIndex\":null,"
    "\"chainId\":\"0x7a69\",\"v\":\"0x0\",\"r\":\"0x1\",\"s\":\"0x1\"}}";

static void test_receipt_and_tx(void **state)
{
    (void)state;
    const reply script[] = {
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":null}", 0, 0, 0},
        {200, receipt_json, 0, 0, 0},
        {200, tx_json, 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":null}", 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"" H32("9") "\"}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 5);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 0);
    lm_err err;
    uint8_t hash[32];
    memset(hash, 0x11, 32);
    lm_l1_receipt r;
    assert_int_equal(lm_rpc_get_receipt(&rpc, &r, hash, &err), LM_ENOTFOUND);
    assert_int_equal(lm_rpc_get_receipt(&rpc, &r, hash, &err), LM_OK);
    assert_true(r.status && r.block_number == 5 && r.gas_used == 21000 && r.type == 2);
    assert_true(r.effective_gas_price.w[0] == 2000000000);
    assert_false(r.has_to);
    assert_true(r.has_contract_address && r.contract_address[19] == 0x44);
    assert_int_equal(r.logs.len, 1);
    assert_int_equal(r.logs.v[0].n_topics, 1);
    assert_int_equal(r.logs.v[0].data_len, 2);
    assert_memory_equal(r.logs.v[0].data, "\x01\x02", 2);
    lm_l1_receipt_free(&r);

    lm_l1_tx_info t;
    assert_int_equal(lm_rpc_get_transaction(&rpc, &t, hash, &err), LM_OK);
    assert_true(t.type == 2 && t.nonce == 7 && t.has_to && !t.mined && t.gas == 21000);
    assert_true(t.value.w[0] == 1000000000000000000ull);
    assert_int_equal(t.input_len, 2);
    assert_memory_equal(t.input, "\xca\xfe", 2);
    lm_l1_tx_info_free(&t);
    assert_int_equal(lm_rpc_get_transaction(&rpc, &t, hash, &err), LM_ENOTFOUND);

    uint8_t got[32];
    assert_int_equal(lm_rpc_send_raw_transaction(&rpc, got, (const uint8_t *)"\x02\xc0", 2, &err), LM_OK);
    assert_true(got[0] == 0x99 && got[31] == 0x99);
    json_t *req = json_loads(s->last_request, 0, NULL);
    assert_string_equal(json_string_value(json_array_get(json_object_get(req, "params"), 0)), "0x02c0");
    json_decref(req);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

static void test_fee_history(void **state)
{
    (void)state;
    static const reply script[] = {
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"oldestBlock\":\"0x10\","
              "\"baseFeePerGas\":[\"0x64\",\"0x6e\",\"0x78\"],\"gasUsedRatio\":[0.5,1],"
              "\"reward\":[[\"0x1\",\"0x2\"],[\"0x3\",\"0x4\"]]}}", 0, 0, 0},
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"oldestBlock\":\"0x10\","
              "\"baseFeePerGas\":[\"0x64\"],\"gasUsedRatio\":[0.5]}}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 2);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 0);
    lm_err err;
    lm_l1_fee_history *fh = malloc(sizeof *fh);
    const double pct[2] = {25, 75};
    assert_int_equal(lm_rpc_fee_history(&rpc, fh, 2, lm_block_tagged(LM_BLOCK_LATEST), pct, 2, &err), LM_OK);
    assert_true(fh->oldest_block == 16 && fh->n_blocks == 2 && fh->n_percentiles == 2);
    assert_true(fh->base_fee[2].w[0] == 120 && fh->reward[1][1].w[0] == 4);
    assert_true(fh->gas_used_ratio[1] == 1.0);
    assert_int_equal(lm_rpc_fee_history(&rpc, fh, 2, lm_block_tagged(LM_BLOCK_LATEST), pct, 2, &err), LM_EPROTO);
    const double bad[2] = {75, 25};
    assert_int_equal(lm_rpc_fee_history(&rpc, fh, 2, lm_block_tagged(LM_BLOCK_LATEST), bad, 2, &err), LM_EINVAL);
    assert_int_equal(lm_rpc_fee_history(&rpc, fh, 0, lm_block_tagged(LM_BLOCK_LATEST), NULL, 0, &err), LM_EINVAL);
    free(fh);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

/* ---- eth_getLogs paging -------------------------------------------------- */

/* A synthetic chain: block n holds n % 4 logs, with log i of block n having
 * data = (n, i). The server refuses ranges wider than s->max_range with the
 * message geth-based providers use, and any range holding s->refuse_block. */
static void logs_handler(srv *s, const json_t *req, reply *out, char **owned)
{
    const json_t *f = json_array_get(json_object_get(req, "params"), 0);
    uint64_t from = 0, to = 0;
    const char *a = json_string_value(json_object_get(f, "fromBlock"));
    const char *b = json_string_value(json_object_get(f, "toBlock"));
    assert_int_equal(lm_rpc_parse_u64(&from, a, strlen(a), NULL), LM_OK);
    assert_int_equal(lm_rpc_parse_u64(&to, b, strlen(b), NULL), LM_OK);
    /* the filter carries the address and the topics as asked */
    assert_int_equal(json_array_size(json_object_get(f, "address")), 1);
    assert_true(json_is_null(json_array_get(json_object_get(f, "topics"), 0)));
    assert_int_equal(json_array_size(json_array_get(json_object_get(f, "topics"), 1)), 2);
    out->status = 200;
    if (to - from + 1 > (uint64_t)s->max_range ||
        (s->refuse_block >= 0 && from <= (uint64_t)s->refuse_block && (uint64_t)s->refuse_block <= to)) {
        out->body = "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"error\":{\"code\":-32000,\"message\":"
                    "\"query returned more than 10000 results\"}}";
        return;
    }
    size_t cap = 1 << 20, o = 0;
    char *body = malloc(cap);
    o += (size_t)snprintf(body + o, cap - o, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":[");
    bool first = true;
    for (uint64_t n = from; n <= to; n++) {
        for (uint64_t i = 0; i < n % 4; i++) {
            char num[19], idx[19];
            lm_rpc_format_u64(num, n);
            lm_rpc_format_u64(idx, i);
            o += (size_t)snprintf(body + o, cap - o,
                                  "%s{\"address\":\"" A20("4") "\",\"topics\":[\"" H32("5") "\",\"" H32("6") "\"],"
                                  "\"data\":\"0x%04x%02x\",\"blockNumber\":\"%s\",\"blockHash\":\"" H32("2") "\","
                                  "\"transactionHash\":\"" H32("1") "\",\"transactionIndex\":\"0x0\","
                                  "\"logIndex\":\"%s\",\"removed\":false}",
                                  first ? "" : ",", (unsigned)n, (unsigned)i, num, idx);
            first = false;
            assert_true(o < cap - 1024);
        }
    }
    snprintf(body + o, cap - o, "]}");
    *owned = body;
}

static lm_code run_logs(srv *s, lm_rpc *rpc, lm_l1_logs *logs, uint64_t from, uint64_t to, lm_err *err)
{
    static const uint8_t addr[1][20] = {{0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44,
                                         0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44, 0x44}};
    static uint8_t t1[2][32];
    memset(t1, 0x66, sizeof t1);
    t1[1][0] = 0x67;
    lm_l1_log_filter f;
    memset(&f, 0, sizeof f);
    f.from_block = from;
    f.to_block = to;
    f.addresses = addr;
    f.n_addresses = 1;
    f.topics[1] = (const uint8_t(*)[32])t1;
    f.n_topics[1] = 2;
    (void)s;
    return lm_rpc_get_logs(rpc, logs, &f, err);
}

static void check_logs(const lm_l1_logs *logs, uint64_t from, uint64_t to)
{
    size_t k = 0;
    for (uint64_t n = from; n <= to; n++)
        for (uint64_t i = 0; i < n % 4; i++, k++) {
            assert_true(k < logs->len);
            const lm_l1_log *l = &logs->v[k];
            assert_true(l->block_number == n && l->log_index == i);
            assert_int_equal(l->data_len, 3);
            assert_int_equal(lm_load_be16(l->data), n);
            assert_int_equal(l->data[2], i);
            assert_int_equal(l->n_topics, 2);
        }
    assert_int_equal(k, logs->len);
}

static void test_get_logs_paging(void **state)
{
    (void)state;
    srv *s = srv_start(logs_handler, NULL, 0);
    s->max_range = 7;
    lm_rpc rpc;
    client_for(&rpc, s, 2000, 0);
    rpc.opts.logs_max_range = 40;
    lm_err err;
    lm_l1_logs logs = {0};
    /* refused pages are split until they pass, then grow back */
    assert_int_equal(run_logs(s, &rpc, &logs, 100, 299, &err), LM_OK);
    check_logs(&logs, 100, 299);
    int with_split = atomic_load(&s->requests);
    assert_true(with_split > 200 / 7);
    lm_l1_logs_free(&logs);

    /* a page over the cap is split too: cap 4 logs, at most 2 blocks */
    s->max_range = 1000;
    atomic_store(&s->requests, 0);
    rpc.opts.logs_page_cap = 4;
    assert_int_equal(run_logs(s, &rpc, &logs, 0, 50, &err), LM_OK);
    check_logs(&logs, 0, 50);
    lm_l1_logs_free(&logs);
    rpc.opts.logs_page_cap = 10000;

    /* the whole range in one request when nothing is refused */
    atomic_store(&s->requests, 0);
    assert_int_equal(run_logs(s, &rpc, &logs, 5, 44, &err), LM_OK);
    assert_int_equal(atomic_load(&s->requests), 1);
    check_logs(&logs, 5, 44);
    lm_l1_logs_free(&logs);

    /* a single block that is still refused fails the call, keeping what
     * came before it */
    s->refuse_block = 30;
    assert_int_equal(run_logs(s, &rpc, &logs, 10, 60, &err), LM_ERPC);
    assert_non_null(strstr(err.msg, "more than 10000"));
    check_logs(&logs, 10, 29);
    lm_l1_logs_free(&logs);
    s->refuse_block = -1;

    /* the total cap */
    rpc.opts.logs_max_total = 10;
    assert_int_equal(run_logs(s, &rpc, &logs, 0, 60, &err), LM_ETOOLARGE);
    lm_l1_logs_free(&logs);
    assert_int_equal(run_logs(s, &rpc, &logs, 9, 8, &err), LM_EINVAL);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

/* A server whose logs sit outside the asked range is caught. */
static void test_get_logs_out_of_range(void **state)
{
    (void)state;
    static const reply script[] = {
        {200, "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":[{\"address\":\"" A20("4") "\",\"topics\":[],"
              "\"data\":\"0x\",\"blockNumber\":\"0x99\",\"blockHash\":\"" H32("2") "\","
              "\"transactionHash\":\"" H32("1") "\",\"transactionIndex\":\"0x0\",\"logIndex\":\"0x0\"}]}", 0, 0, 0},
    };
    srv *s = srv_start(NULL, script, 1);
    lm_rpc rpc;
    client_for(&rpc, s, 1000, 0);
    lm_err err;
    lm_l1_logs logs = {0};
    lm_l1_log_filter f;
    memset(&f, 0, sizeof f);
    f.from_block = 1;
    f.to_block = 2;
    assert_int_equal(lm_rpc_get_logs(&rpc, &logs, &f, &err), LM_EPROTO);
    assert_non_null(strstr(err.msg, "outside"));
    assert_int_equal(logs.len, 0);
    lm_l1_logs_free(&logs);
    lm_rpc_free(&rpc);
    srv_stop(s);
}

/* ---- fees ------------------------------------------------------------------ */

static void test_fee_math(void **state)
{
    (void)state;
    lm_l1_fee_policy p;
    lm_l1_fee_policy_default(&p);
    lm_err err;
    lm_l1_fees f;
    lm_u256 base = lm_u256_from_u64(30000000000ull), tip = lm_u256_from_u64(1500000000ull);
    /* max fee = 2 * base fee + tip */
    assert_int_equal(lm_l1_fees_compute(&f, &base, &tip, &p, &err), LM_OK);
    assert_true(f.max_fee_per_gas.w[0] == 61500000000ull && f.max_priority_fee_per_gas.w[0] == 1500000000ull);
    /* the tip floor */
    p.min_tip = lm_u256_from_u64(2000000000ull);
    assert_int_equal(lm_l1_fees_compute(&f, &base, &tip, &p, &err), LM_OK);
    assert_true(f.max_priority_fee_per_gas.w[0] == 2000000000ull && f.max_fee_per_gas.w[0] == 62000000000ull);
    p.min_tip = LM_U256_ZERO;
    /* a cap clamps the max fee, and refuses when base + tip alone exceed it */
    p.max_fee_cap = lm_u256_from_u64(40000000000ull);
    assert_int_equal(lm_l1_fees_compute(&f, &base, &tip, &p, &err), LM_OK);
    assert_true(f.max_fee_per_gas.w[0] == 40000000000ull);
    p.max_fee_cap = lm_u256_from_u64(31000000000ull);
    assert_int_equal(lm_l1_fees_compute(&f, &base, &tip, &p, &err), LM_ETOOLARGE);
    assert_non_null(strstr(err.msg, "above the cap"));
    p.max_fee_cap = LM_U256_ZERO;
    lm_u256 huge = LM_U256_MAX;
    assert_int_equal(lm_l1_fees_compute(&f, &huge, &tip, &p, &err), LM_EOVERFLOW);

    /* replacement bump: +12.5% rounded up, at least +1 */
    static const uint64_t bumps[][2] = {{0, 1}, {1, 2}, {7, 8}, {8, 9}, {9, 11}, {100, 113},
                                        {1000000000, 1125000000}, {1000000001, 1125000002}};
    for (size_t i = 0; i < sizeof bumps / sizeof bumps[0]; i++) {
        lm_l1_fees old = {lm_u256_from_u64(bumps[i][0]), lm_u256_from_u64(bumps[i][0])}, n;
        assert_int_equal(lm_l1_fees_bump(&n, &old, &err), LM_OK);
        if (n.max_fee_per_gas.w[0] != bumps[i][1] || n.max_priority_fee_per_gas.w[0] != bumps[i][1])
            fail_msg("bump %llu: got %llu, want %llu", (unsigned long long)bumps[i][0],
                     (unsigned long long)n.max_fee_per_gas.w[0], (unsigned long long)bumps[i][1]);
    }
    lm_l1_fees top = {LM_U256_MAX, LM_U256_ONE}, n;
    assert_int_equal(lm_l1_fees_bump(&n, &top, &err), LM_EOVERFLOW);
}

#define FH_HEAD "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"oldestBlock\":\"0x10\","

static void test_fee_estimate(void **state)
{
    (void)state;
    lm_l1_fee_policy p;
    lm_l1_fee_policy_default(&p);
    lm_err err;
    lm_l1_fees f;
    lm_rpc rpc;
    /* the next base fee (last entry) and the median of non-empty blocks' tips */
    static const route r1[] = {
        {"eth_feeHistory", FH_HEAD "\"baseFeePerGas\":[\"0x64\",\"0x6e\",\"0x78\",\"0x82\"],"
                           "\"gasUsedRatio\":[0.5,0,0.9],\"reward\":[[\"0x5\"],[\"0x0\"],[\"0x9\"]]}}"},
    };
    srv *s = srv_start(routed, NULL, 0);
    s->routes = r1;
    s->n_routes = 1;
    client_for(&rpc, s, 1000, 0);
    assert_int_equal(lm_l1_fees_estimate(&rpc, &f, &p, &err), LM_OK);
    /* tips {5, 9}: median index 1 -> 9; max fee = 2 * 0x82 + 9 */
    assert_true(f.max_priority_fee_per_gas.w[0] == 9);
    assert_true(f.max_fee_per_gas.w[0] == 2 * 0x82 + 9);

    /* empty blocks only: eth_maxPriorityFeePerGas */
    static const route r2[] = {
        {"eth_feeHistory", FH_HEAD "\"baseFeePerGas\":[\"0x64\",\"0x6e\"],\"gasUsedRatio\":[0],"
                           "\"reward\":[[\"0x0\"]]}}"},
        {"eth_maxPriorityFeePerGas", "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":\"0x3b9aca00\"}"},
    };
    s->routes = r2;
    s->n_routes = 2;
    assert_int_equal(lm_l1_fees_estimate(&rpc, &f, &p, &err), LM_OK);
    assert_true(f.max_priority_fee_per_gas.w[0] == 1000000000 && f.max_fee_per_gas.w[0] == 1000000220);

    /* no eth_feeHistory and no eth_maxPriorityFeePerGas: the latest header
     * and the policy's default tip */
    static const route r3[] = {
        {"eth_getBlockByNumber", "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"number\":\"0x1\","
                                 "\"hash\":\"" H32("a") "\",\"parentHash\":\"" H32("b") "\","
                                 "\"timestamp\":\"0x1\",\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\","
                                 "\"baseFeePerGas\":\"0x3e8\"}}"},
    };
    s->routes = r3;
    s->n_routes = 1;
    assert_int_equal(lm_l1_fees_estimate(&rpc, &f, &p, &err), LM_OK);
    assert_true(f.max_priority_fee_per_gas.w[0] == 1000000000 && f.max_fee_per_gas.w[0] == 1000002000);
    /* a chain without base fees cannot take type-2 transactions */
    static const route r4[] = {
        {"eth_getBlockByNumber", "{\"jsonrpc\":\"2.0\",\"id\":$ID,\"result\":{\"number\":\"0x1\","
                                 "\"hash\":\"" H32("a") "\",\"parentHash\":\"" H32("b") "\","
                                 "\"timestamp\":\"0x1\",\"gasLimit\":\"0x1\",\"gasUsed\":\"0x0\"}}"},
    };
    s->routes = r4;
    assert_int_equal(lm_l1_fees_estimate(&rpc, &f, &p, &err), LM_EPROTO);
    assert_non_null(strstr(err.msg, "pre-London"));
    lm_rpc_free(&rpc);
    srv_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_and_keepalive),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_500_then_ok),
        cmocka_unit_test(test_500_forever),
        cmocka_unit_test(test_429_retried_404_final),
        cmocka_unit_test(test_rpc_error),
        cmocka_unit_test(test_protocol_errors),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_closed_without_answer),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_init_and_generic_call),
        cmocka_unit_test(test_quantities),
        cmocka_unit_test(test_block_header),
        cmocka_unit_test(test_receipt_and_tx),
        cmocka_unit_test(test_fee_history),
        cmocka_unit_test(test_get_logs_paging),
        cmocka_unit_test(test_get_logs_out_of_range),
        cmocka_unit_test(test_fee_math),
        cmocka_unit_test(test_fee_estimate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
