/* JSON-RPC 2.0 over HTTP with libcurl: transport, retries, response checks.
 * See include/lamina/l1_rpc.h for the error model and docs/l1-client.md. */
#include "lamina/l1_rpc.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "lamina/log.h"

struct lm_rpc_impl {
    CURL *curl;
    struct curl_slist *headers;
    char *url;
    char *body; /* the response of the current attempt */
    size_t body_len, body_cap;
    size_t body_max;
    bool body_too_big;
    uint64_t next_id;
    uint64_t rng;
    char curl_msg[CURL_ERROR_SIZE];
};

void lm_rpc_opts_default(lm_rpc_opts *o)
{
    o->timeout_ms = 10000;
    o->connect_timeout_ms = 5000;
    o->max_retries = 3;
    o->backoff_initial_ms = 100;
    o->backoff_max_ms = 4000;
    o->max_response_bytes = (size_t)64 << 20;
    o->logs_max_range = 1000;
    o->logs_page_cap = 10000;
    o->logs_max_total = 1000000;
}

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc;
static void curl_init_once(void)
{
    g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct lm_rpc_impl *im = ud;
    size_t n = size * nmemb; /* size is 1 by libcurl's contract */
    if (n > im->body_max - im->body_len) {
        im->body_too_big = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    if (im->body_len + n + 1 > im->body_cap) {
        size_t cap = im->body_cap ? im->body_cap : 4096;
        while (cap < im->body_len + n + 1)
            cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
        char *p = realloc(im->body, cap);
        if (!p)
            return 0;
        im->body = p;
        im->body_cap = cap;
    }
    memcpy(im->body + im->body_len, ptr, n);
    im->body_len += n;
    im->body[im->body_len] = '\0';
    return n;
}

static bool url_is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

lm_code lm_rpc_init(lm_rpc *rpc, const char *url, const lm_rpc_opts *opts, lm_err *err)
{
    memset(rpc, 0, sizeof *rpc);
    if (opts)
        rpc->opts = *opts;
    else
        lm_rpc_opts_default(&rpc->opts);
    if (!url || !url_is_http(url) || strlen(url) > 4096)
        return lm_err_set(err, LM_EINVAL, "rpc: url must start with http:// or https://");
    if (rpc->opts.max_response_bytes == 0 || rpc->opts.timeout_ms == 0 ||
        rpc->opts.logs_max_range == 0)
        return lm_err_set(err, LM_EINVAL, "rpc: timeout, response cap and log range must be > 0");
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK)
        return lm_err_set(err, LM_EIO, "rpc: curl_global_init: %s",
                          curl_easy_strerror(g_curl_init_rc));

    struct lm_rpc_impl *im = calloc(1, sizeof *im);
    if (!im)
        return lm_err_set(err, LM_ENOMEM, "rpc: out of memory");
    im->url = strdup(url);
    im->curl = curl_easy_init();
    im->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (im->headers) {
        struct curl_slist *h = curl_slist_append(im->headers, "Expect:"); /* no 100-continue */
        if (h)
            im->headers = h;
        else {
            curl_slist_free_all(im->headers);
            im->headers = NULL;
        }
    }
    rpc->impl_ = im;
    if (!im->url || !im->curl || !im->headers) {
        lm_rpc_free(rpc);
        return lm_err_set(err, LM_ENOMEM, "rpc: out of memory setting up curl");
    }
    im->body_max = rpc->opts.max_response_bytes;
    im->next_id = 1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    im->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)im;
    im->rng |= 1;

    uint32_t connect_ms = rpc->opts.connect_timeout_ms;
    if (connect_ms == 0 || connect_ms > rpc->opts.timeout_ms)
        connect_ms = rpc->opts.timeout_ms;
    CURL *c = im->curl;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(c, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, im->url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_HTTPHEADER, im->headers);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, im);
    SET(CURLOPT_ERRORBUFFER, im->curl_msg);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TIMEOUT_MS, (long)rpc->opts.timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)rpc->opts.max_response_bytes);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
#undef SET
    if (rc != CURLE_OK) {
        lm_rpc_free(rpc);
        return lm_err_set(err, rc == CURLE_OUT_OF_MEMORY ? LM_ENOMEM : LM_EIO,
                          "rpc: curl setup: %s", curl_easy_strerror(rc));
    }
    return LM_OK;
}

static void fault_reset(lm_rpc *rpc)
{
    free(rpc->fault.rpc_data);
    memset(&rpc->fault, 0, sizeof rpc->fault);
}

void lm_rpc_free(lm_rpc *rpc)
{
    struct lm_rpc_impl *im = rpc->impl_;
    if (im) {
        if (im->curl)
            curl_easy_cleanup(im->curl);
        curl_slist_free_all(im->headers);
        free(im->url);
        free(im->body);
        free(im);
    }
    fault_reset(rpc);
    rpc->impl_ = NULL;
}

/* ---- backoff ------------------------------------------------------------ */

static uint64_t next_rand(struct lm_rpc_impl *im)
{
    /* xorshift64: jitter only, not security */
    uint64_t x = im->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    im->rng = x;
    return x;
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* The delay before retry number k (0-based): min(initial * 2^k, max), then
 * a uniform pick in [d/2, d] so that clients that failed together do not
 * retry together. */
static uint64_t backoff_ms(lm_rpc *rpc, unsigned k)
{
    uint64_t d = rpc->opts.backoff_initial_ms;
    for (unsigned i = 0; i < k && d < rpc->opts.backoff_max_ms; i++)
        d *= 2;
    if (d > rpc->opts.backoff_max_ms)
        d = rpc->opts.backoff_max_ms;
    if (d < 2)
        return d;
    return d / 2 + next_rand(rpc->impl_) % (d - d / 2 + 1);
}

/* ---- one attempt -------------------------------------------------------- */

/* A short printable excerpt of a body, for error messages. */
static void excerpt(char *out, size_t cap, const char *body, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < cap; i++) {
        unsigned char ch = (unsigned char)body[i];
        out[o++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
    }
    out[o] = '\0';
}

/* Parses a JSON-RPC response in the body of the attempt.
 * Returns: LM_OK with *result, LM_ERPC (fault filled), LM_EPROTO. */
static lm_code parse_response(lm_rpc *rpc, json_t **result, uint64_t id, const char *method,
                              lm_err *err)
{
    struct lm_rpc_impl *im = rpc->impl_;
    json_error_t jerr;
    /* JSON_ALLOW_NUL: nodes put "\u0000" in error messages that quote revert
     * data (anvil does for custom errors); such strings read as C strings
     * end at the NUL, which is all a message needs. */
    json_t *root = json_loadb(im->body ? im->body : "", im->body_len,
                              JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root)
        return lm_err_set(err, LM_EPROTO, "%s: malformed JSON response (line %d col %d: %s)",
                          method, jerr.line, jerr.column, jerr.text);
    lm_code rc = LM_EPROTO;
    /* JSON-RPC 2.0 §5: "jsonrpc: A String specifying the version of the
     * JSON-RPC protocol. MUST be exactly "2.0"." ... "Either the result
     * member or error member MUST be included, but both members MUST NOT be
     * included." */
    if (!json_is_object(root)) {
        lm_err_set(err, LM_EPROTO, "%s: response is not a JSON object", method);
        goto out;
    }
    json_t *ver = json_object_get(root, "jsonrpc");
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
        lm_err_set(err, LM_EPROTO, "%s: response lacks \"jsonrpc\": \"2.0\"", method);
        goto out;
    }
    json_t *res = json_object_get(root, "result");
    json_t *error = json_object_get(root, "error");
    if ((res != NULL) == (error != NULL)) {
        lm_err_set(err, LM_EPROTO, "%s: response must hold exactly one of result and error",
                   method);
        goto out;
    }
    json_t *jid = json_object_get(root, "id");
    /* "If there was an error in detecting the id in the Request object
     * (e.g. Parse error/Invalid Request), it MUST be Null." */
    bool id_ok = json_is_integer(jid) && json_integer_value(jid) >= 0 &&
                 (uint64_t)json_integer_value(jid) == id;
    if (!id_ok && !(error && json_is_null(jid))) {
        lm_err_set(err, LM_EPROTO, "%s: response id does not match request id %llu", method,
                   (unsigned long long)id);
        goto out;
    }
    if (error) {
        json_t *code = json_object_get(error, "code");
        json_t *msg = json_object_get(error, "message");
        if (!json_is_object(error) || !json_is_integer(code) || !json_is_string(msg)) {
            lm_err_set(err, LM_EPROTO, "%s: malformed error object", method);
            goto out;
        }
        rpc->fault.rpc_code = json_integer_value(code);
        excerpt(rpc->fault.rpc_message, sizeof rpc->fault.rpc_message, json_string_value(msg),
                json_string_length(msg));
        json_t *data = json_object_get(error, "data");
        if (data)
            rpc->fault.rpc_data = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        rc = lm_err_set(err, LM_ERPC, "%s: error %lld: %s", method, (long long)rpc->fault.rpc_code,
                        rpc->fault.rpc_message);
        goto out;
    }
    *result = json_incref(res);
    rc = LM_OK;
out:
    json_decref(root);
    return rc;
}

typedef struct attempt_out {
    lm_code rc;
    bool retry;
} attempt_out;

static attempt_out attempt(lm_rpc *rpc, json_t **result, const char *req, size_t req_len,
                           uint64_t id, const char *method, lm_err *err)
{
    struct lm_rpc_impl *im = rpc->impl_;
    im->body_len = 0;
    im->body_too_big = false;
    im->curl_msg[0] = '\0';
    curl_easy_setopt(im->curl, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(im->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req_len);
    rpc->stats.attempts++;
    rpc->fault.attempts++;
    CURLcode cc = curl_easy_perform(im->curl);
    long status = 0;
    curl_easy_getinfo(im->curl, CURLINFO_RESPONSE_CODE, &status);
    rpc->fault.http_status = status;
    const char *why = im->curl_msg[0] ? im->curl_msg : curl_easy_strerror(cc);

    switch (cc) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
        return (attempt_out){lm_err_set(err, LM_ETIMEOUT, "%s: timed out after %u ms (%s)", method,
                                        rpc->opts.timeout_ms, why),
                             true};
    case CURLE_FILESIZE_EXCEEDED:
        return (attempt_out){lm_err_set(err, LM_ETOOLARGE, "%s: response larger than %zu bytes",
                                        method, rpc->opts.max_response_bytes),
                             false};
    case CURLE_WRITE_ERROR:
        if (im->body_too_big)
            return (attempt_out){lm_err_set(err, LM_ETOOLARGE, "%s: response larger than %zu bytes",
                                            method, rpc->opts.max_response_bytes),
                                 false};
        return (attempt_out){
            lm_err_set(err, LM_ENOMEM, "%s: out of memory reading response", method), false};
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return (attempt_out){lm_err_set(err, LM_EIO, "%s: %s", method, why), true};
    case CURLE_OUT_OF_MEMORY:
        return (attempt_out){lm_err_set(err, LM_ENOMEM, "%s: %s", method, why), false};
    default: /* any other CURLcode (libcurl's enum): final */
        return (attempt_out){lm_err_set(err, LM_EIO, "%s: %s", method, why), false};
    }

    if (status == 200)
        return (attempt_out){parse_response(rpc, result, id, method, err), false};

    char snip[80];
    excerpt(snip, sizeof snip, im->body, im->body_len);
    bool retry = status == 429 || (status >= 500 && status <= 599);
    if (!retry) {
        /* Some providers answer a JSON-RPC error with a 4xx status: report
         * the server's error when the body is one. */
        lm_err tmp;
        json_t *ignored = NULL;
        lm_code prc = parse_response(rpc, &ignored, id, method, &tmp);
        json_decref(ignored);
        if (prc == LM_ERPC) {
            if (err)
                *err = tmp;
            return (attempt_out){LM_ERPC, false};
        }
    }
    return (attempt_out){lm_err_set(err, LM_EHTTP, "%s: HTTP %ld: %s", method, status, snip),
                         retry};
}

/* ---- calls -------------------------------------------------------------- */

lm_code lm_rpc_call_json(lm_rpc *rpc, json_t **result, const char *method, json_t *params,
                         lm_err *err)
{
    *result = NULL;
    if (!rpc->impl_) { /* lm_rpc_init failed or lm_rpc_free ran */
        json_decref(params);
        return lm_err_set(err, LM_EINVAL, "%s: the client is not initialized", method);
    }
    fault_reset(rpc);
    rpc->stats.calls++;
    if (!params)
        params = json_array();
    if (!params || !json_is_array(params)) {
        json_decref(params);
        rpc->stats.failures++;
        return lm_err_set(err, params ? LM_EINVAL : LM_ENOMEM, "%s: params must be an array",
                          method);
    }
    struct lm_rpc_impl *im = rpc->impl_;
    uint64_t id = im->next_id++;
    json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id,
                            "method", method, "params", params);
    char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!text) {
        rpc->stats.failures++;
        return lm_err_set(err, LM_ENOMEM, "%s: could not encode request", method);
    }
    size_t text_len = strlen(text);
    lm_code rc = LM_OK;
    for (unsigned k = 0;; k++) {
        free(rpc->fault.rpc_data);
        rpc->fault.rpc_data = NULL;
        attempt_out a = attempt(rpc, result, text, text_len, id, method, err);
        rc = a.rc;
        if (rc == LM_OK || !a.retry || k >= rpc->opts.max_retries)
            break;
        uint64_t d = backoff_ms(rpc, k);
        LM_DEBUG("rpc", "%s: attempt %u failed (%s), retrying in %llu ms", method, k + 1,
                 lm_code_name(rc), (unsigned long long)d);
        sleep_ms(d);
    }
    free(text);
    if (rc != LM_OK) {
        rpc->stats.failures++;
        if (rpc->fault.attempts > 1 && err) {
            size_t n = strnlen(err->msg, sizeof err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, " (after %u attempts)",
                     rpc->fault.attempts);
        }
    }
    return rc;
}

lm_code lm_rpc_call(lm_rpc *rpc, json_t **result, const char *method, const char *params_json,
                    lm_err *err)
{
    json_t *params = NULL;
    *result = NULL;
    if (params_json && params_json[0]) {
        json_error_t jerr;
        params = json_loads(params_json, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_array(params)) {
            json_decref(params);
            return lm_err_set(err, LM_EINVAL, "%s: params must be a JSON array", method);
        }
    }
    return lm_rpc_call_json(rpc, result, method, params, err);
}
