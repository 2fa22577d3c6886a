/* The wallet commands of the `lamina` binary, run as a user runs them:
 *  - wallet new / import / list with keystore files (scrypt --light), the
 *    imported file decrypting to the imported key;
 *  - deposit (ETH, and the devnet token from a keystore) against anvil with
 *    Lamina's contracts: the Bridge's Deposit events carry the exact amounts;
 *    precision loss and a wrong password are clear errors;
 *  - transfer / withdraw / tx status / balance against a stand-in for the
 *    node (a small JSON-RPC server in this test, answering as
 *    docs/node-api.md says): the transaction the node receives is signed by
 *    the key under the deployment's domain, with the lowest free nonce of
 *    the window; a rejection is reported with its reason;
 *  - withdraw finalize: refused clearly while the batch is not posted and
 *    while the output is in its challenge window, then paid on L1.
 * Runs LM_BINARY_DIR "/lamina" (the build makes it with the tests). */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/keystore.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l2tx.h"

#include "../anvil_world.h"

#define TDIR LM_BINARY_DIR "/test_wallet_cli.d"
#define LAMINA LM_BINARY_DIR "/lamina"

#include "../cli_run.h"

/* ---- the world: anvil, contracts, keys ----------------------------------------- */

static aw_world W;

#define DEP_PATH TDIR "/deployment.json"

static void clean_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

/* ---- a stand-in for the node --------------------------------------------------- */

static struct {
    int fd;
    uint16_t port;
    char url[64];
    pthread_t thread;
    pthread_mutex_t mu;
    /* what it answers */
    uint64_t chain_id;
    uint64_t nonce_base, nonce_bits;
    bool reject;               /* lamina_sendTransaction refused (INSUFFICIENT) */
    char proof_json[4096];     /* lamina_getWithdrawalProof's result ("null" when empty) */
    /* what it saw */
    uint8_t wire[LM_TX_WIRE_LEN];
    int sent;
} N;

static json_t *node_answer(const char *method, json_t *params, json_t **error)
{
    *error = NULL;
    if (strcmp(method, "lamina_chainId") == 0)
        return json_integer((json_int_t)N.chain_id);
    if (strcmp(method, "lamina_getAccount") == 0)
        return json_pack("{s:O,s:i,s:I,s:s,s:{s:I,s:s}}", "address", json_array_get(params, 0), "index",
                         3, "nonceBase", (json_int_t)N.nonce_base, "nonceBits",
                         N.nonce_bits == 3 ? "3" : "0", "balances", "0", (json_int_t)2500000000,
                         "1", "18446744073709551615");
    if (strcmp(method, "lamina_sendTransaction") == 0) {
        const char *hex = json_string_value(json_array_get(params, 0));
        if (!hex || lm_hex_decode_exact(N.wire, LM_TX_WIRE_LEN, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED,
                                        NULL) != LM_OK) {
            *error = json_pack("{s:i,s:s}", "code", -32602, "message", "not a transaction");
            return NULL;
        }
        N.sent++;
        if (N.reject) {
            *error = json_pack("{s:i,s:s,s:{s:s,s:i}}", "code", -32010, "message",
                               "insufficient balance for amount plus fee", "data", "reason",
                               "INSUFFICIENT", "code", 9);
            return NULL;
        }
        uint8_t h[32];
        char hh[67];
        lm_keccak256(h, N.wire, LM_TX_WIRE_LEN);
        lm_hex_encode(hh, h, 32, true);
        return json_pack("{s:s,s:i,s:i}", "hash", hh, "block", 7, "position", 2);
    }
    if (strcmp(method, "lamina_getTransaction") == 0)
        return json_pack("{s:O,s:i,s:i,s:s}", "hash", json_array_get(params, 0), "block", 7, "position",
                         2, "status", "included");
    if (strcmp(method, "lamina_getWithdrawalProof") == 0)
        return json_loads(N.proof_json[0] ? N.proof_json : "null", JSON_DECODE_ANY, NULL);
    *error = json_pack("{s:i,s:s}", "code", -32601, "message", "method not found");
    return NULL;
}

static void serve_one(int c)
{
    char buf[65536];
    size_t n = 0;
    char *body = NULL;
    size_t want = 0;
    while (n < sizeof buf - 1) {
        ssize_t got = read(c, buf + n, sizeof buf - 1 - n);
        if (got <= 0)
            return;
        n += (size_t)got;
        buf[n] = '\0';
        if (!body) {
            char *end = strstr(buf, "\r\n\r\n");
            if (!end)
                continue;
            body = end + 4;
            char *cl = strstr(buf, "Content-Length:");
            if (!cl)
                return;
            want = (size_t)strtoul(cl + 15, NULL, 10);
        }
        if ((size_t)(buf + n - body) >= want)
            break;
    }
    if (!body)
        return;
    json_t *req = json_loadb(body, want, 0, NULL);
    json_t *error = NULL, *result = NULL;
    pthread_mutex_lock(&N.mu);
    result = node_answer(json_string_value(json_object_get(req, "method")),
                         json_object_get(req, "params"), &error);
    pthread_mutex_unlock(&N.mu);
    json_t *resp = json_pack("{s:s,s:O}", "jsonrpc", "2.0", "id", json_object_get(req, "id"));
    if (error)
        json_object_set_new(resp, "error", error);
    else
        json_object_set_new(resp, "result", result ? result : json_null());
    char *text = json_dumps(resp, JSON_COMPACT);
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      strlen(text));
    if (write(c, head, (size_t)hl) < 0 || write(c, text, strlen(text)) < 0)
        fprintf(stderr, "fake node: write failed\n");
    free(text);
    json_decref(resp);
    json_decref(req);
}

static void *node_thread(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(N.fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            return NULL; /* closed */
        }
        serve_one(c);
        close(c);
    }
}

static int node_start(void)
{
    N.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (N.fd < 0 || bind(N.fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(N.fd, 16) != 0 ||
        getsockname(N.fd, (struct sockaddr *)&sa, &len) != 0)
        return -1;
    N.port = ntohs(sa.sin_port);
    snprintf(N.url, sizeof N.url, "http://127.0.0.1:%u", N.port);
    pthread_mutex_init(&N.mu, NULL);
    return pthread_create(&N.thread, NULL, node_thread, NULL) == 0 ? 0 : -1;
}

static void node_stop(void)
{
    shutdown(N.fd, SHUT_RDWR);
    close(N.fd);
    pthread_join(N.thread, NULL);
}

/* ---- setup ---------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    lm_err err;
    mkdir(TDIR, 0700);
    mkdir(TDIR "/ks", 0700);
    clean_dir(TDIR "/ks");
    if (cli_setup() != 0)
        return -1;
    if (aw_world_start(&W, TDIR "/anvil.log") != 0)
        return -1;
    lm_deploy_opts o;
    aw_deploy_opts(&o, &W);
    o.config.challenge_window = 60;
    o.dev_token = true;
    if (aw_world_deploy(&W, &o) != 0 || lm_deployment_save(&W.d, DEP_PATH, &err) != LM_OK)
        return -1;
    write_text(TDIR "/user.key", LM_ANVIL_KEY3 "\n");
    write_text(TDIR "/pw", "correct horse\n");
    write_text(TDIR "/badpw", "wrong horse\n");
    N.chain_id = W.d.config.l2_chain_id;
    return node_start();
}

static int teardown(void **state)
{
    (void)state;
    node_stop();
    aw_world_stop(&W);
    return 0;
}

static const char *addr_text(char buf[43], const lm_address *a)
{
    lm_address_to_checksum(buf, a);
    return buf;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_wallet(void **state)
{
    (void)state;
    run_result *r = run("wallet", "list", "--dir", TDIR "/ks", NULL);
    expect_ok(r);
    assert_non_null(strstr(r->err, "no keys"));
    r = run("wallet", "import", "--dir", TDIR "/ks", "--key-file", TDIR "/user.key", "--password-file",
            TDIR "/pw", "--light", "--json", NULL);
    expect_ok(r);
    json_t *j = out_json(r);
    char want[43];
    assert_string_equal(json_string_value(json_object_get(j, "address")), addr_text(want, &W.addr[3]));
    /* the file decrypts to the imported key, with the password's first line */
    char *text = NULL;
    FILE *f = fopen(json_string_value(json_object_get(j, "file")), "r");
    assert_non_null(f);
    text = calloc(1, 70000);
    size_t n = fread(text, 1, 69999, f);
    fclose(f);
    struct stat st;
    assert_int_equal(stat(json_string_value(json_object_get(j, "file")), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    lm_seckey k;
    lm_address a;
    lm_err err;
    must(lm_keystore_decrypt(&k, &a, text, n, "correct horse", 13, &err), &err, "decrypt");
    assert_memory_equal(a.b, W.addr[3].b, 20);
    assert_memory_equal(k.b, W.user.key.b, 32);
    free(text);
    json_decref(j);
    /* again: refused */
    r = run("wallet", "import", "--dir", TDIR "/ks", "--key-file", TDIR "/user.key", "--password-file",
            TDIR "/pw", "--light", NULL);
    expect_fail(r, "already in the keystore");
    /* a new key: the address only on stdout */
    r = run("wallet", "new", "--dir", TDIR "/ks", "--password-file", TDIR "/pw", "--light", NULL);
    expect_ok(r);
    assert_int_equal(strlen(r->out), 43);
    assert_true(r->out[0] == '0' && r->out[1] == 'x' && r->out[42] == '\n');
    char fresh[43];
    memcpy(fresh, r->out, 42);
    fresh[42] = '\0';
    r = run("wallet", "list", "--dir", TDIR "/ks", NULL);
    expect_ok(r);
    assert_non_null(strstr(r->out, fresh));
    assert_non_null(strstr(r->out, want));
    /* no password anywhere, stdin not a terminal */
    r = run("wallet", "new", "--dir", TDIR "/ks", "--light", NULL);
    expect_fail(r, "no password");
    r = run("wallet", "new", "--dir", TDIR "/ks", "--bogus", NULL);
    assert_int_equal(r->status, 2);
}

/* Reads the terminal's master side into t (appending) until want appears or
 * 20 s pass. */
static bool pty_wait(int m, char *t, size_t cap, const char *want)
{
    for (int waited = 0; waited < 20000 && !strstr(t, want); waited += 100) {
        struct pollfd p = {.fd = m, .events = POLLIN};
        if (poll(&p, 1, 100) > 0) {
            size_t n = strlen(t);
            ssize_t got = read(m, t + n, cap - 1 - n);
            if (got <= 0)
                return strstr(t, want) != NULL;
            t[n + (size_t)got] = '\0';
        }
    }
    return strstr(t, want) != NULL;
}

/* wallet new on a terminal: asked twice, and what is typed is not echoed. */
static void test_password_on_terminal(void **state)
{
    (void)state;
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    char slave[128];
    snprintf(slave, sizeof slave, "%s", ptsname(m));
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setsid();
        int s = open(slave, O_RDWR); /* the controlling terminal of the new session */
        int o = open(TDIR "/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (s < 0 || o < 0)
            _exit(126);
        dup2(s, 0);
        dup2(s, 2);
        dup2(o, 1);
        execl(LAMINA, LAMINA, "wallet", "new", "--dir", TDIR "/ks", "--light", "--json", (char *)NULL);
        _exit(127);
    }
    char t[4096] = "";
    assert_true(pty_wait(m, t, sizeof t, "New password: "));
    assert_int_equal(write(m, "tty secret\n", 11), 11);
    assert_true(pty_wait(m, t, sizeof t, "Repeat the password: "));
    assert_int_equal(write(m, "tty secret\n", 11), 11);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    pty_wait(m, t, sizeof t, "\x01"); /* drain what is left */
    close(m);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_null(strstr(t, "secret")); /* never echoed */
    char out[4096];
    slurp(out, sizeof out, TDIR "/out.txt");
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    char text[70000];
    slurp(text, sizeof text, json_string_value(json_object_get(j, "file")));
    lm_seckey k;
    lm_address a;
    lm_err err;
    must(lm_keystore_decrypt(&k, &a, text, strlen(text), "tty secret", 10, &err), &err, "decrypt");
    char at[43];
    assert_string_equal(json_string_value(json_object_get(j, "address")), addr_text(at, &a));
    json_decref(j);
    lm_seckey_wipe(&k);
}

static void test_deposit(void **state)
{
    (void)state;
    lm_err err;
    char to[43], user[43];
    addr_text(to, &W.addr[2]);
    addr_text(user, &W.addr[3]);
    uint64_t from;
    must(lm_rpc_block_number(&W.rpc, &from, &err), &err, "block");
    run_result *r = run("deposit", "--amount", "1.5", "--to", to, "--key-file", TDIR "/user.key",
                        "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    json_t *j = out_json(r);
    assert_int_equal(json_integer_value(json_object_get(j, "units")), 1500000000);
    assert_string_equal(json_string_value(json_object_get(j, "amount")), "1.5");
    json_decref(j);
    /* the devnet token, from the keystore by address, human output */
    lm_u256 ten = lm_u256_from_u64(10000000);
    must(lm_dev_token_mint(&W.user, &W.d, W.addr[3].b, &ten, NULL, &err), &err, "mint");
    r = run("deposit", "--amount", "2.5", "--asset", "dev", "--keystore", user, "--dir", TDIR "/ks",
            "--password-file", TDIR "/pw", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    assert_non_null(strstr(r->out, "depositing 2.5 ldUSD"));
    assert_non_null(strstr(r->out, "waiting for L1"));
    assert_non_null(strstr(r->out, "deposited in L1 block"));
    uint64_t end;
    must(lm_rpc_block_number(&W.rpc, &end, &err), &err, "block");
    lm_queued_message *m;
    size_t n;
    must(lm_lamina_get_messages(&W.rpc, &W.d, from + 1, end, &m, &n, &err), &err, "messages");
    assert_int_equal(n, 2);
    assert_true(m[0].msg.amount == 1500000000 && m[0].msg.asset_id == 0);
    assert_memory_equal(m[0].msg.from, W.addr[3].b, 20);
    assert_memory_equal(m[0].msg.to, W.addr[2].b, 20);
    assert_true(m[1].msg.amount == 2500000 && m[1].msg.asset_id == W.d.dev_token_asset_id);
    assert_memory_equal(m[1].msg.to, W.addr[3].b, 20);
    free(m);

    /* refusals: precision, a wrong password, an unknown asset */
    r = run("deposit", "--amount", "0.0000000001", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "precision would be lost");
    r = run("deposit", "--amount", "1", "--keystore", user, "--dir", TDIR "/ks", "--password-file",
            TDIR "/badpw", "--deployment", DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "MAC mismatch: wrong password or corrupted file");
    r = run("deposit", "--amount", "1", "--asset", "5", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "asset 5 is not registered on the Bridge"); /* read from L1 */
    must(lm_rpc_block_number(&W.rpc, &from, &err), &err, "block");
    assert_true(from == end); /* nothing was sent */
}

/* The transaction the stand-in node received: signed by key 3 under the
 * deployment's domain. */
static void check_sent(lm_tx_type type, uint64_t nonce, uint64_t amount, uint64_t fee,
                       const uint8_t to[20])
{
    lm_tx tx;
    assert_int_equal(lm_tx_decode(&tx, N.wire, LM_TX_WIRE_LEN), LM_STF_OK);
    assert_int_equal(tx.type, type);
    assert_true(tx.chain_id == W.d.config.l2_chain_id);
    assert_true(tx.nonce == nonce);
    assert_true(tx.amount == amount);
    assert_true(tx.fee == fee);
    assert_memory_equal(tx.to, to, 20);
    assert_memory_equal(tx.from, W.addr[3].b, 20);
    uint8_t dom[32], digest[32];
    lm_eip712_lamina_domain_separator(dom, W.d.config.l2_chain_id, W.d.rollup);
    lm_tx_signing_digest(digest, &tx, dom);
    lm_sig sig;
    memcpy(sig.b, tx.sig, 65);
    lm_address rec;
    lm_err err;
    must(lm_ecdsa_recover_address(&rec, digest, &sig, &err), &err, "recover");
    assert_memory_equal(rec.b, W.addr[3].b, 20);
}

static void test_transfer_withdraw(void **state)
{
    (void)state;
    char to[43];
    addr_text(to, &W.addr[1]);
    N.nonce_base = 5;
    N.nonce_bits = 3; /* 5 and 6 in flight: 7 is the lowest free */
    run_result *r = run("transfer", "--to", to, "--amount", "0.25", "--fee", "0.000000001", "--key-file",
                        TDIR "/user.key", "--deployment", DEP_PATH, "--rpc", N.url, "--json", NULL);
    expect_ok(r);
    check_sent(LM_TX_TRANSFER, 7, 250000000, 1, W.addr[1].b);
    json_t *j = out_json(r);
    uint8_t h[32];
    char hh[67];
    lm_keccak256(h, N.wire, LM_TX_WIRE_LEN);
    lm_hex_encode(hh, h, 32, true);
    assert_string_equal(json_string_value(json_object_get(j, "hash")), hh);
    assert_int_equal(json_integer_value(json_object_get(j, "block")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "nonce")), 7);
    json_decref(j);

    /* withdraw to oneself on L1 by default, the token, human output */
    N.nonce_bits = 0;
    r = run("withdraw", "--amount", "1.000001", "--asset", "dev", "--key-file", TDIR "/user.key",
            "--deployment", DEP_PATH, "--rpc", N.url, NULL);
    expect_ok(r);
    check_sent(LM_TX_WITHDRAW, 5, 1000001, 0, W.addr[3].b);
    assert_non_null(strstr(r->out, "included in L2 block 7 at position 2"));

    /* a rejection names its reason */
    N.reject = true;
    r = run("transfer", "--to", to, "--amount", "1", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", N.url, NULL);
    N.reject = false;
    expect_fail(r, "insufficient balance for amount plus fee [INSUFFICIENT]");
    /* another chain than the deployment's: nothing sent */
    int sent = N.sent;
    N.chain_id = 1;
    r = run("transfer", "--to", to, "--amount", "1", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", N.url, NULL);
    N.chain_id = W.d.config.l2_chain_id;
    expect_fail(r, "L2 chain 1");
    assert_int_equal(N.sent, sent);
    /* no node at all */
    r = run("transfer", "--to", to, "--amount", "1", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", "http://127.0.0.1:1", NULL);
    expect_fail(r, "the node: lamina_chainId");

    /* tx status and balance */
    r = run("tx", "status", hh, "--rpc", N.url, NULL);
    expect_ok(r);
    assert_non_null(strstr(r->out, "included, L2 block 7 position 2"));
    char user[43];
    addr_text(user, &W.addr[3]);
    r = run("balance", "--address", user, "--deployment", DEP_PATH, "--rpc", N.url, "--l1-rpc",
            W.anvil.url, "--json", NULL);
    expect_ok(r);
    j = out_json(r);
    json_t *l2 = json_object_get(j, "l2");
    assert_string_equal(json_string_value(json_object_get(json_object_get(l2, "0"), "amount")), "2.5");
    assert_string_equal(json_string_value(json_object_get(json_object_get(l2, "1"), "amount")),
                        "18446744073709.551615");
    assert_string_equal(json_string_value(json_object_get(json_object_get(l2, "1"), "units")),
                        "18446744073709551615"); /* above 2^53: a decimal string */
    assert_non_null(json_object_get(json_object_get(j, "l1"), "eth"));
    json_decref(j);
    r = run("balance", "--keystore", user, "--dir", TDIR "/ks", "--deployment", DEP_PATH, "--rpc",
            N.url, "--l1-rpc", W.anvil.url, NULL);
    expect_ok(r);
    assert_non_null(strstr(r->out, "ETH      2.5"));
}

static void test_withdraw_finalize(void **state)
{
    (void)state;
    lm_err err;
    static const uint8_t recipient[20] = {0x12, 0x34, 0x56};
    lm_withdrawal w[2] = {{.id = 40, .asset_id = 0, .amount = 500000000},
                          {.id = 41, .asset_id = 0, .amount = 7}};
    uint8_t leaves[2][32], scratch[1][32], proof[LM_WTREE_MAX_DEPTH][32];
    for (int i = 0; i < 2; i++) {
        memcpy(w[i].l2_sender, W.addr[3].b, 20);
        memcpy(w[i].l1_recipient, recipient, 20);
        lm_withdrawal_leaf(leaves[i], &w[i]);
    }
    lm_output_preimage o = {.version = LM_OUTPUT_VERSION};
    memset(o.state_root, 0x5a, 32);
    memset(o.last_block_hash, 0xb1, 32);
    must(lm_withdrawal_root(o.withdrawals_root, (const uint8_t(*)[32])leaves, 2, scratch, &err), &err, "root");
    size_t depth;
    must(lm_withdrawal_proof(proof, &depth, (const uint8_t(*)[32])leaves, 2, 0, scratch, &err), &err, "proof");

    /* not posted yet */
    N.proof_json[0] = '\0';
    run_result *r = run("withdraw", "finalize", "--id", "40", "--key-file", TDIR "/user.key",
                        "--deployment", DEP_PATH, "--rpc", N.url, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "not final yet: its batch is not on L1");

    /* the batch and its output on L1 */
    uint8_t batch[64] = {1, 2, 3};
    must(lm_rollup_append_batch(&W.batcher, &W.d, batch, sizeof batch, NULL, &err), &err, "batch");
    uint8_t root[32];
    lm_output_root(root, &o);
    must(lm_rollup_propose_output(&W.proposer, &W.d, 0, root, 10, NULL, &err), &err, "propose");
    char sr[67], wr[67], lb[67], p0[67];
    lm_hex_encode(sr, o.state_root, 32, true);
    lm_hex_encode(wr, o.withdrawals_root, 32, true);
    lm_hex_encode(lb, o.last_block_hash, 32, true);
    lm_hex_encode(p0, proof[0], 32, true);
    char who[43], rc_text[43];
    addr_text(who, &W.addr[3]);
    lm_address ra;
    memcpy(ra.b, recipient, 20);
    addr_text(rc_text, &ra);
    snprintf(N.proof_json, sizeof N.proof_json,
             "{\"withdrawal\":{\"id\":40,\"l2Sender\":\"%s\",\"l1Recipient\":\"%s\",\"assetId\":0,"
             "\"amount\":500000000},\"batchIndex\":0,\"leafIndex\":0,\"proof\":[\"%s\"],"
             "\"output\":{\"version\":0,\"stateRoot\":\"%s\",\"withdrawalsRoot\":\"%s\","
             "\"lastBlockHash\":\"%s\"}}",
             who, rc_text, p0, sr, wr, lb);
    r = run("withdraw", "finalize", "--id", "40", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", N.url, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "challenge window");

    /* the window passes */
    json_t *res = NULL;
    must(lm_rpc_call(&W.rpc, &res, "evm_increaseTime", "[61]", &err), &err, "time");
    json_decref(res);
    must(lm_rpc_call(&W.rpc, &res, "evm_mine", NULL, &err), &err, "mine");
    json_decref(res);
    lm_u256 before, after;
    must(lm_rpc_get_balance(&W.rpc, &before, recipient, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "bal");
    r = run("withdraw", "finalize", "--id", "40", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", N.url, "--l1-rpc", W.anvil.url, "--json", NULL);
    expect_ok(r);
    must(lm_rpc_get_balance(&W.rpc, &after, recipient, lm_block_tagged(LM_BLOCK_LATEST), &err), &err, "bal");
    lm_u256 diff, want = lm_u256_from_u64(500000000ull * 1000000000ull);
    assert_true(lm_u256_sub(&diff, &after, &before));
    assert_true(lm_u256_eq(&diff, &want)); /* 0.5 ETH */
    /* twice: the Bridge refuses, and the command says why */
    r = run("withdraw", "finalize", "--id", "40", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", N.url, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "AlreadyFinalized");
    /* a proof for another id than asked */
    r = run("withdraw", "finalize", "--id", "41", "--key-file", TDIR "/user.key", "--deployment",
            DEP_PATH, "--rpc", N.url, "--l1-rpc", W.anvil.url, NULL);
    expect_fail(r, "answered for withdrawal 40");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wallet),
        cmocka_unit_test(test_password_on_terminal),
        cmocka_unit_test(test_deposit),
        cmocka_unit_test(test_transfer_withdraw),
        cmocka_unit_test(test_withdraw_finalize),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
