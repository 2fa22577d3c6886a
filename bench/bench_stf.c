/* STF core: transfers applied per second on one core with signatures
 * already verified (a host whose ecrecover is a lookup), and the state
 * root's cost per batch (dirty account leaves re-hashed per second). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "lamina/l2tx.h"
#include "lamina/state_tree.h"
#include "lamina/stf.h"

#define ACCOUNTS 4096

typedef struct arr_host {
    lm_account *acct;
    uint64_t n;
} arr_host;

static bool a_get(void *ctx, uint64_t i, lm_account *out)
{
    arr_host *h = ctx;
    if (i >= h->n)
        return false;
    *out = h->acct[i];
    return true;
}

static bool a_put(void *ctx, uint64_t i, const lm_account *a)
{
    arr_host *h = ctx;
    if (i > h->n || i >= ACCOUNTS)
        return false;
    h->acct[i] = *a;
    if (i == h->n)
        h->n++;
    return true;
}

/* Addresses are the index in the first 4 bytes: a direct lookup. */
static bool a_find(void *ctx, const uint8_t addr[20], bool *found, uint64_t *i)
{
    arr_host *h = ctx;
    uint32_t k = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
    *found = k < h->n && memcmp(h->acct[k].address, addr, 20) == 0;
    *i = k;
    return true;
}

/* Signatures already verified: the "signature" carries the signer. */
static bool a_recover(void *ctx, const uint8_t digest[32], const uint8_t sig[65], uint8_t out[20])
{
    (void)ctx;
    (void)digest;
    memcpy(out, sig + 32, 20);
    return true;
}

static void addr_of(uint8_t a[20], uint32_t k)
{
    memset(a, 0x11, 20);
    a[0] = (uint8_t)(k >> 24), a[1] = (uint8_t)(k >> 16), a[2] = (uint8_t)(k >> 8), a[3] = (uint8_t)k;
}

int bench_stf(double seconds)
{
    arr_host h = {calloc(ACCOUNTS, sizeof(lm_account)), 0};
    if (!h.acct)
        return 1;
    for (uint32_t k = 0; k < ACCOUNTS; k++) {
        addr_of(h.acct[k].address, k);
        h.acct[k].balance[0] = 1ull << 50;
    }
    h.n = ACCOUNTS;
    lm_stf_host host = {&h, a_get, a_put, a_find, a_recover};
    lm_chain_meta meta = {.num_accounts = ACCOUNTS, .num_assets = 1};
    uint8_t rollup[20] = {1};
    static lm_withdrawal wd[16];
    lm_stf_ctx ctx;
    lm_stf_init(&ctx, 42069, rollup, &meta, &host, wd, 16);
    lm_tx tx;
    memset(&tx, 0, sizeof tx);
    tx.type = LM_TX_TRANSFER;
    tx.chain_id = 42069;
    tx.amount = 1000;
    tx.fee = 1;
    tx.sig[0] = 1;  /* r = 1 */
    tx.sig[63] = 1; /* s = 1 */
    tx.sig[64] = 27;
    uint64_t nonce[ACCOUNTS] = {0}, n = 0, x = 12345;
    double t0 = bench_now(), t;
    do {
        for (int i = 0; i < 1024; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            uint32_t from = (uint32_t)(x % ACCOUNTS), to = (uint32_t)((x >> 20) % ACCOUNTS);
            addr_of(tx.from, from);
            addr_of(tx.to, to);
            memcpy(tx.sig + 32, tx.from, 20);
            tx.nonce = nonce[from]++;
            if (lm_stf_apply_tx(&ctx, &tx, 0) != LM_STF_OK) {
                fprintf(stderr, "bench_stf: a transfer failed\n");
                return 1;
            }
        }
        n += 1024;
    } while ((t = bench_now()) - t0 < seconds);
    printf("| %-44s | %14.0f | tx/s       |\n", "STF transfers, signatures pre-verified, 1 core",
           (double)n / (t - t0));

    /* state root per batch: K dirty leaves in a 1M-account tree */
    lm_state_tree tree;
    lm_state_tree_init(&tree);
    lm_err err;
    const uint64_t N = 1 << 20;
    if (lm_state_tree_reserve(&tree, N, &err) != LM_OK)
        return 1;
    lm_gl leaf[4] = {1, 2, 3, 4};
    for (uint64_t i = 0; i < N; i++) {
        leaf[0] = i;
        if (lm_state_tree_set(&tree, i, leaf, &err) != LM_OK)
            return 1;
    }
    lm_state_tree_commit(&tree, 2);
    for (unsigned threads = 1; threads <= 2; threads++) {
        const unsigned K = 10000;
        double best = 1e9;
        for (int r = 0; r < 3; r++) {
            for (unsigned i = 0; i < K; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                leaf[1] = x;
                if (lm_state_tree_set(&tree, x % N, leaf, &err) != LM_OK)
                    return 1;
            }
            double a = bench_now();
            lm_state_tree_commit(&tree, threads);
            double b = bench_now() - a;
            if (b < best)
                best = b;
        }
        char label[64];
        snprintf(label, sizeof label, "state root: %u dirty of 2^20 leaves, %u thr", K, threads);
        printf("| %-44s | %14.0f | leaves/s   |\n", label, K / best);
        printf("| %-44s | %14.1f | ms         |\n", "  (time per such batch root)", best * 1e3);
    }
    lm_state_tree_free(&tree);
    free(h.acct);
    return 0;
}
