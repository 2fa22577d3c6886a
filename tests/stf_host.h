/* An in-memory lm_stf_host for the STF's tests and fuzz target: accounts in
 * an array (account index offset + i at acct[i], so a test can start near
 * the 2^32 limit), a linear address lookup, and a fake ecrecover whose
 * "signatures" carry the signer bound to the digest:
 *   r = digest with its low 20 bytes XORed with the signer's address and
 *       bit 7 of byte 0 cleared (so r < n), s = 1, v = 27.
 * Recovery gives the address back only when r matches the digest, so
 * changing any signed field still breaks the signature. Header-only. */
#ifndef LM_TESTS_STF_HOST_H
#define LM_TESTS_STF_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lamina/l2tx.h"
#include "lamina/stf.h"

#define MH_CAP 64

typedef struct mem_host {
    uint64_t offset; /* index of acct[0] */
    size_t n;
    lm_account acct[MH_CAP];
    unsigned gets, puts;
    bool fail; /* every call fails (host I/O error) */
} mem_host;

static inline bool mh_get(void *ctx, uint64_t index, lm_account *out)
{
    mem_host *h = ctx;
    h->gets++;
    if (h->fail || index < h->offset || index - h->offset >= h->n)
        return false;
    *out = h->acct[index - h->offset];
    return true;
}

static inline bool mh_put(void *ctx, uint64_t index, const lm_account *a)
{
    mem_host *h = ctx;
    h->puts++;
    if (h->fail || index < h->offset || index - h->offset > h->n)
        return false;
    size_t i = (size_t)(index - h->offset);
    if (i == h->n) {
        if (h->n == MH_CAP)
            return false;
        h->n++;
    }
    h->acct[i] = *a;
    return true;
}

static inline bool mh_find(void *ctx, const uint8_t address[20], bool *found, uint64_t *index)
{
    mem_host *h = ctx;
    if (h->fail)
        return false;
    for (size_t i = 0; i < h->n; i++)
        if (memcmp(h->acct[i].address, address, 20) == 0) {
            *found = true;
            *index = h->offset + i;
            return true;
        }
    *found = false;
    return true;
}

static inline bool mh_ecrecover(void *ctx, const uint8_t digest[32], const uint8_t sig[65],
                         uint8_t address_out[20])
{
    (void)ctx;
    if (sig[0] != (digest[0] & 0x7f) || memcmp(sig + 1, digest + 1, 11) != 0)
        return false;
    for (size_t i = 0; i < 20; i++)
        address_out[i] = sig[12 + i] ^ digest[12 + i];
    return true;
}

/* Fills tx->sig with the fake signature of tx->from (see above). */
static inline void mh_sign(lm_tx *tx, const uint8_t domain_separator[32])
{
    uint8_t d[32];
    lm_tx_signing_digest(d, tx, domain_separator);
    memcpy(tx->sig, d, 32);
    tx->sig[0] &= 0x7f;
    for (size_t i = 0; i < 20; i++)
        tx->sig[12 + i] ^= tx->from[i];
    memset(tx->sig + 32, 0, 32);
    tx->sig[63] = 1;
    tx->sig[64] = 27;
}

static inline void mh_init(mem_host *h, lm_stf_host *host, uint64_t offset)
{
    memset(h, 0, sizeof *h);
    h->offset = offset;
    host->ctx = h;
    host->get_account = mh_get;
    host->put_account = mh_put;
    host->find_account = mh_find;
    host->ecrecover = mh_ecrecover;
}

#endif
