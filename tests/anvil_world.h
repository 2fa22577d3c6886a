/* Shared plumbing for the tests that run against a real L1 (anvil): a
 * world of anvil, a client, signers for anvil's first four keys and a
 * Lamina deployment, plus the small helpers those tests all need (must,
 * sleep_ms, key parsing, signing and sending L2 transactions, polling an
 * L2 balance, the sequencer configuration the tests run with, reading an
 * account from a follower's derived state).
 * Header-only (static inline); include it after <cmocka.h>'s prerequisites
 * as "../anvil_world.h" from tests/unit/. Nothing here asserts anything a
 * test checks: failures of the plumbing itself end the test (fail_msg) or,
 * in a group setup, are returned as -1 after a line on stderr. */
#ifndef LM_TESTS_ANVIL_WORLD_H
#define LM_TESTS_ANVIL_WORLD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "lamina/bytes.h"
#include "lamina/derive.h"
#include "lamina/eip712.h"
#include "lamina/l1_anvil.h"
#include "lamina/l1_lamina.h"
#include "lamina/l1_rpc.h"
#include "lamina/l1_tx.h"
#include "lamina/l2tx.h"
#include "lamina/secp256k1.h"
#include "lamina/sequencer.h"
#include "lamina/statedb.h"
#include "lamina/store.h"

/* ---- small helpers ------------------------------------------------------------ */

/* Fails the running test with what, err's message and rc's name unless rc
 * is LM_OK. */
static inline void must(lm_code rc, const lm_err *err, const char *what)
{
    if (rc != LM_OK)
        fail_msg("%s: %s (%s)", what, err->msg, lm_code_name(rc));
}

static inline void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Parses a "0x" + 64 hex digit private key. */
LM_MUST_CHECK static inline lm_code aw_key_from_hex(lm_seckey *k, const char *hex, lm_err *err)
{
    uint8_t raw[32];
    lm_code rc = lm_hex_decode_exact(raw, 32, hex, strlen(hex), LM_HEX_PREFIX_REQUIRED, err);
    if (rc == LM_OK)
        rc = lm_seckey_parse(k, raw, err);
    lm_wipe(raw, sizeof raw);
    return rc;
}

/* Parses a "0x" + 64 hex digit private key and gives its address. */
LM_MUST_CHECK static inline lm_code aw_key_and_address(lm_seckey *k, lm_address *a, const char *hex,
                                                       lm_err *err)
{
    lm_code rc = aw_key_from_hex(k, hex, err);
    return rc == LM_OK ? lm_address_from_seckey(a, k, err) : rc;
}

/* A JSON-RPC call on rpc whose result is dropped; fails the test on error. */
static inline void aw_rpc_void(lm_rpc *rpc, const char *method, const char *params)
{
    lm_err err;
    json_t *res = NULL;
    must(lm_rpc_call(rpc, &res, method, params, &err), &err, method);
    json_decref(res);
}

/* ---- the world: anvil, a client, anvil's keys 0..3, a deployment ---------------- */

typedef struct aw_world {
    lm_anvil anvil;
    lm_rpc rpc;                                  /* to anvil */
    lm_seckey keys[4];                           /* anvil's keys 0..3 */
    lm_address addr[4];                          /* their addresses */
    lm_l1_signer admin, batcher, proposer, user; /* keys 0..3 on rpc */
    lm_deployment d;
} aw_world;

/* Starts anvil (its output appended to log_path), connects w->rpc and makes
 * the keys, addresses and signers. Returns: 0, or -1 after a line on stderr
 * (for a cmocka group setup). */
static inline int aw_world_start(aw_world *w, const char *log_path)
{
    static const char *const hex[4] = {LM_ANVIL_KEY0, LM_ANVIL_KEY1, LM_ANVIL_KEY2, LM_ANVIL_KEY3};
    lm_l1_signer *const signers[4] = {&w->admin, &w->batcher, &w->proposer, &w->user};
    lm_err err;
    if (lm_anvil_start(&w->anvil, NULL, NULL, log_path, &err) != LM_OK) {
        fprintf(stderr, "anvil: %s\n", err.msg);
        return -1;
    }
    if (lm_rpc_init(&w->rpc, w->anvil.url, NULL, &err) != LM_OK) {
        fprintf(stderr, "L1 client: %s\n", err.msg);
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (aw_key_and_address(&w->keys[i], &w->addr[i], hex[i], &err) != LM_OK ||
            lm_l1_signer_init(signers[i], &w->rpc, &w->keys[i], 0, NULL, &err) != LM_OK) {
            fprintf(stderr, "anvil key %d: %s\n", i, err.msg);
            return -1;
        }
    }
    return 0;
}

/* Deployment options for w: the devnet rollup config, batcher = anvil key 1,
 * proposer = anvil key 2, no dev token; the caller adjusts and deploys. */
static inline void aw_deploy_opts(lm_deploy_opts *o, const aw_world *w)
{
    memset(o, 0, sizeof *o);
    lm_rollup_config_devnet(&o->config);
    o->batcher = w->addr[1].b;
    o->proposer = w->addr[2].b;
}

/* Deploys Lamina's contracts with o from the admin into w->d. Returns: 0, or
 * -1 after a line on stderr (for a cmocka group setup). */
static inline int aw_world_deploy(aw_world *w, const lm_deploy_opts *o)
{
    lm_err err;
    if (lm_lamina_deploy(&w->admin, o, &w->d, &err) != LM_OK) {
        fprintf(stderr, "deploy: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Frees the signers and the client and stops anvil. */
static inline void aw_world_stop(aw_world *w)
{
    lm_l1_signer_free(&w->admin);
    lm_l1_signer_free(&w->batcher);
    lm_l1_signer_free(&w->proposer);
    lm_l1_signer_free(&w->user);
    lm_rpc_free(&w->rpc);
    lm_anvil_stop(&w->anvil);
    for (int i = 0; i < 4; i++)
        lm_seckey_wipe(&w->keys[i]);
}

/* ---- L2 transactions and the sequencer ----------------------------------------- */

/* An unsigned transaction of asset 0 on L2 chain chain_id. */
static inline lm_tx aw_tx(lm_tx_type type, uint64_t chain_id, const uint8_t from[20],
                          const uint8_t to[20], uint64_t amount, uint64_t fee, uint64_t nonce)
{
    lm_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = type;
    tx.chain_id = chain_id;
    memcpy(tx.from, from, 20);
    memcpy(tx.to, to, 20);
    tx.asset = 0;
    tx.amount = amount;
    tx.fee = fee;
    tx.nonce = nonce;
    return tx;
}

/* Signs tx with k under the EIP-712 domain separator ds. */
static inline void aw_sign_tx_in(lm_tx *tx, const uint8_t ds[32], const lm_seckey *k)
{
    uint8_t digest[32];
    lm_tx_signing_digest(digest, tx, ds);
    lm_sig sig;
    lm_err err;
    must(lm_ecdsa_sign(&sig, digest, k, &err), &err, "sign");
    memcpy(tx->sig, sig.b, 65);
}

/* Signs tx with k as a wallet does: EIP-712 under d's Lamina domain. */
static inline void aw_sign_tx(lm_tx *tx, const lm_deployment *d, const lm_seckey *k)
{
    uint8_t ds[32];
    lm_eip712_lamina_domain_separator(ds, d->config.l2_chain_id, d->rollup);
    aw_sign_tx_in(tx, ds, k);
}

/* A transaction of asset 0 from `from` on d's L2 chain, signed with k. */
static inline lm_tx aw_make_tx(const lm_deployment *d, const lm_seckey *k, const uint8_t from[20],
                               lm_tx_type type, const uint8_t to[20], uint64_t amount, uint64_t fee,
                               uint64_t nonce)
{
    lm_tx tx = aw_tx(type, d->config.l2_chain_id, from, to, amount, fee, nonce);
    aw_sign_tx(&tx, d, k);
    return tx;
}

/* The params of lamina_sendTransaction for tx: ["0x" + wire hex]. */
#define AW_SEND_PARAMS_LEN (2 * LM_TX_WIRE_LEN + 8)
static inline void aw_send_params(char p[AW_SEND_PARAMS_LEN], const lm_tx *tx)
{
    uint8_t wire[LM_TX_WIRE_LEN];
    lm_tx_encode(wire, tx);
    char hex[2 * LM_TX_WIRE_LEN + 3];
    lm_hex_encode(hex, wire, sizeof wire, true);
    snprintf(p, AW_SEND_PARAMS_LEN, "[\"%s\"]", hex);
}

/* addr's L2 balance of asset (lamina_getBalance on l2). */
static inline uint64_t aw_l2_balance(lm_rpc *l2, const uint8_t addr[20], unsigned asset)
{
    char p[96], a[43];
    lm_hex_encode(a, addr, 20, true);
    snprintf(p, sizeof p, "[\"%s\", %u]", a, asset);
    json_t *res = NULL;
    lm_err err;
    must(lm_rpc_call(l2, &res, "lamina_getBalance", p, &err), &err, "lamina_getBalance");
    assert_true(json_is_integer(res));
    uint64_t v = (uint64_t)json_integer_value(res);
    json_decref(res);
    return v;
}

/* Polls addr's L2 balance of asset 0 every 100 ms, at most `tries` times,
 * until it is want; fails the test when it never is. */
static inline void aw_wait_l2_balance(lm_rpc *l2, const uint8_t addr[20], uint64_t want, int tries)
{
    for (int i = 0; i < tries; i++) {
        if (aw_l2_balance(l2, addr, 0) == want)
            return;
        sleep_ms(100);
    }
    fail_msg("L2 balance never reached %llu (have %llu)", (unsigned long long)want,
             (unsigned long long)aw_l2_balance(l2, addr, 0));
}

/* Polls the node every 100 ms, at most `tries` times, for the proof of
 * withdrawal 0, which appears once its batch is posted.
 * Returns: the proof (a new reference); fails the test when none came. */
static inline json_t *aw_wait_withdrawal_proof(lm_rpc *l2, int tries)
{
    lm_err err;
    json_t *proof = NULL;
    for (int i = 0; i < tries && (!proof || json_is_null(proof)); i++) {
        json_decref(proof);
        proof = NULL;
        must(lm_rpc_call(l2, &proof, "lamina_getWithdrawalProof", "[0]", &err), &err, "proof");
        if (json_is_null(proof))
            sleep_ms(100);
    }
    assert_true(json_is_object(proof));
    return proof;
}

/* Moves L1 time on (31 s and a block at a time, at most 100 times) until
 * the output of L1 batch `batch` is final; fails the test when it is not. */
static inline void aw_wait_finalized(aw_world *w, uint64_t batch)
{
    lm_err err;
    bool fin = false;
    for (int i = 0; i < 100 && !fin; i++) {
        aw_rpc_void(&w->rpc, "evm_increaseTime", "[31]");
        aw_rpc_void(&w->rpc, "evm_mine", NULL);
        if (lm_rollup_is_finalized(&w->rpc, &w->d, batch, &fin, &err) != LM_OK || !fin)
            sleep_ms(200);
    }
    assert_true(fin);
}

/* The sequencer as the tests run it on w: data in dir, blocks every 50 ms,
 * L1 polled every 100 ms with no confirmations, a batch every 300 ms,
 * settling with anvil keys 1 (batcher) and 2 (proposer). */
static inline void aw_seq_config(lm_seq_config *c, const char *dir, const aw_world *w)
{
    lm_seq_config_default(c);
    c->data_dir = dir;
    c->deployment = w->d;
    c->l1_rpc_url = w->anvil.url;
    c->block_interval_ms = 50;
    c->l1_poll_ms = 100;
    c->l1_confirmations = 0;
    c->batch_interval_ms = 300;
    c->settle = true;
    c->batcher_key = w->keys[1];
    c->proposer_key = w->keys[2];
}

/* Starts the sequencer with c and connects l2 to its JSON-RPC (no retries). */
static inline void aw_seq_start(lm_seq **seq, lm_rpc *l2, const lm_seq_config *c)
{
    lm_err err;
    must(lm_seq_start(seq, c, &err), &err, "sequencer start");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", lm_seq_rpc_port(*seq));
    lm_rpc_opts o;
    lm_rpc_opts_default(&o);
    o.max_retries = 0;
    must(lm_rpc_init(l2, url, &o, &err), &err, "L2 client");
}

/* ---- a follower's state ------------------------------------------------------------ */

/* The account at addr in f's derived state (fails the test when missing). */
static inline lm_account aw_derived_account(lm_derive *f, const uint8_t addr[20])
{
    lm_err err;
    lm_store_view v;
    must(lm_store_read_begin(lm_statedb_store(lm_derive_statedb(f)), &v, &err), &err, "view");
    uint64_t i;
    must(lm_store_find_address(&v, addr, &i, &err), &err, "find address");
    lm_account a;
    must(lm_store_get_account(&v, i, &a, &err), &err, "account");
    lm_store_read_end(&v);
    return a;
}

#endif
