/* Fuzzes the JSON-RPC server end to end: one server per process, inputs
 * sent over loopback. The first byte picks the transport (even: an HTTP
 * POST body, odd: a WebSocket text message); the rest is the payload.
 * Every answer must be a well-formed JSON-RPC 2.0 response (or batch of
 * them), and the server must keep answering. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "lamina/log.h"
#include "lamina/rpc_server.h"

static lm_rpcd *srv;
static int port;
static int ws = -1;

static void m_echo(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)ctx;
    lm_rpcd_call_result(call, json_incref(params));
}

static void m_noanswer(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)call;
    (void)params;
    (void)ctx;
}

/* Deferred, answered at once from the server thread through the queue. */
static void m_deferred(lm_rpcd_call *call, json_t *params, void *ctx)
{
    (void)ctx;
    uint64_t tok = lm_rpcd_call_defer(call);
    if (json_array_size(params) % 2)
        (void)lm_rpcd_reply_error(srv, tok, -32000, "odd", json_incref(params));
    else
        (void)lm_rpcd_reply(srv, tok, json_incref(params));
}

static void stop(void)
{
    if (ws >= 0)
        close(ws);
    lm_rpcd_free(srv);
}

static void start(void)
{
    lm_err err;
    lm_rpcd_opts o;
    lm_rpcd_opts_default(&o);
    o.rate_per_s = 0;
    o.max_body_bytes = 64 * 1024;
    o.max_ws_message_bytes = 64 * 1024;
    o.max_batch = 20;
    o.max_subscriptions = 4;
    lm_log_set_level(LM_LOG_ERROR);
    if (lm_rpcd_new(&srv, &o, &err) != LM_OK ||
        lm_rpcd_register(srv, "echo", m_echo, NULL, &err) != LM_OK ||
        lm_rpcd_register(srv, "noanswer", m_noanswer, NULL, &err) != LM_OK ||
        lm_rpcd_register(srv, "deferred", m_deferred, NULL, &err) != LM_OK ||
        lm_rpcd_add_topic(srv, "newBlocks", LM_RPCD_KEY_NONE, NULL, NULL, &err) != LM_OK ||
        lm_rpcd_add_topic(srv, "account", LM_RPCD_KEY_OPTIONAL, NULL, NULL, &err) != LM_OK ||
        lm_rpcd_start(srv, &err) != LM_OK)
        abort();
    port = lm_rpcd_port(srv);
    atexit(stop);
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        abort();
    int one = 1; /* no Nagle delay between a header and its payload */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads exactly n bytes. Returns: false on EOF or after 5 s. */
static bool recv_exact(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (poll(&pf, 1, 5000) <= 0)
            return false;
        ssize_t r = recv(fd, c, n, 0);
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

/* A JSON-RPC 2.0 response object (§5). */
/* Reads an HTTP response head byte by byte up to and including the blank
 * line (at most cap - 1 bytes) into h, NUL-terminated. Returns its length;
 * aborts when the connection ends first. */
static size_t read_head(int fd, char *h, size_t cap)
{
    size_t n = 0;
    while (n < cap - 1) {
        if (!recv_exact(fd, h + n, 1))
            abort();
        n++;
        if (n >= 4 && memcmp(h + n - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    h[n] = 0;
    return n;
}

static void check_response(const json_t *r)
{
    if (!json_is_object(r))
        abort();
    json_t *v = json_object_get(r, "jsonrpc");
    if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
        abort();
    json_t *id = json_object_get(r, "id");
    if (!id || !(json_is_string(id) || json_is_number(id) || json_is_null(id)))
        abort();
    json_t *res = json_object_get(r, "result"), *err = json_object_get(r, "error");
    if ((res == NULL) == (err == NULL))
        abort();
    if (err && (!json_is_integer(json_object_get(err, "code")) ||
                !json_is_string(json_object_get(err, "message"))))
        abort();
}

static void check_answer(const char *text, size_t len)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    if (!j)
        abort();
    if (json_is_array(j)) {
        if (json_array_size(j) == 0)
            abort(); /* §6: never an empty array */
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) check_response(v);
    } else {
        check_response(j);
    }
    json_decref(j);
}

static void fuzz_http(const uint8_t *data, size_t size)
{
    int fd = dial();
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      size);
    if (!send_all(fd, head, (size_t)hn) || !send_all(fd, data, size))
        abort();
    /* headers */
    char h[4096];
    size_t n = read_head(fd, h, sizeof h);
    int status = 0;
    if (strncmp(h, "HTTP/1.1 ", 9) != 0 || n < 12)
        abort();
    status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    if (status != 200 && status != 204 && status != 413)
        abort();
    for (size_t i = 0; i < n; i++)
        if (h[i] >= 'A' && h[i] <= 'Z')
            h[i] = (char)(h[i] - 'A' + 'a');
    char *cl = strstr(h, "content-length:");
    size_t blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
    char *body = malloc(blen + 1);
    if (!body || (blen && !recv_exact(fd, body, blen)))
        abort();
    if (status == 204 ? blen != 0 : blen == 0)
        abort();
    if (blen)
        check_answer(body, blen);
    free(body);
    close(fd);
}

static int ws_connect(void)
{
    int fd = dial();
    const char *req = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (!send_all(fd, req, strlen(req)))
        abort();
    char h[1024];
    read_head(fd, h, sizeof h);
    if (strncmp(h, "HTTP/1.1 101", 12) != 0)
        abort();
    return fd;
}

static bool ws_send(int fd, const uint8_t *p, size_t n)
{
    uint8_t hdr[14] = {0x81};
    size_t h = 1;
    if (n < 126) {
        hdr[h++] = (uint8_t)(0x80 | n);
    } else if (n <= 0xffff) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (uint8_t)(n >> 8);
        hdr[h++] = (uint8_t)n;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    h += 4; /* zero mask: the payload goes as it is */
    return send_all(fd, hdr, h) && send_all(fd, p, n);
}

/* Reads one message. Returns: malloc'ed text, or NULL when closed. */
static char *ws_recv(int fd, size_t *len)
{
    for (;;) {
        uint8_t h[2];
        if (!recv_exact(fd, h, 2))
            return NULL;
        uint64_t n = h[1] & 0x7f;
        if (n == 126) {
            uint8_t e[2];
            if (!recv_exact(fd, e, 2))
                return NULL;
            n = (uint64_t)e[0] << 8 | e[1];
        } else if (n == 127) {
            uint8_t e[8];
            if (!recv_exact(fd, e, 8))
                return NULL;
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | e[i];
        }
        if (n > (16u << 20))
            abort();
        char *p = malloc((size_t)n + 1);
        if (!p || (n && !recv_exact(fd, p, (size_t)n))) {
            free(p);
            return NULL;
        }
        p[n] = 0;
        if ((h[0] & 0x0f) == 0x8) {
            free(p);
            return NULL;
        }
        if ((h[0] & 0x0f) != 0x1) {
            free(p);
            continue;
        }
        *len = (size_t)n;
        return p;
    }
}

static void fuzz_ws(const uint8_t *data, size_t size)
{
    if (ws < 0)
        ws = ws_connect();
    static const char sentinel[] = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":\"sentinel\"}";
    if (!ws_send(ws, data, size) ||
        !ws_send(ws, (const uint8_t *)sentinel, sizeof sentinel - 1)) {
        close(ws);
        ws = -1;
        return;
    }
    /* answers until the sentinel's; a close (e.g. invalid UTF-8, 1007) is
     * allowed, and the next input reconnects */
    for (;;) {
        size_t n = 0;
        char *t = ws_recv(ws, &n);
        if (!t) {
            close(ws);
            ws = -1;
            return;
        }
        check_answer(t, n);
        bool done = strstr(t, "\"id\":\"sentinel\"") != NULL;
        free(t);
        if (done)
            return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        start();
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_http(data + 1, size - 1);
    else
        fuzz_ws(data + 1, size - 1);
    return 0;
}
