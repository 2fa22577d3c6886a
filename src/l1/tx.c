/* EIP-1559 type-2 transactions: RLP encoding, signing hash, signature.
 * See include/lamina/l1_tx.h for the quoted spec. */
#include <stdlib.h>
#include <string.h>

#include "lamina/bytes.h"
#include "lamina/keccak.h"
#include "lamina/l1_tx.h"
#include "lamina/rlp.h"

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t tuple_payload(const lm_l1_access_tuple *t)
{
    size_t keys = t->n_storage_keys > SIZE_MAX / 33 ? SIZE_MAX : t->n_storage_keys * 33;
    return sat_add(21, lm_rlp_list_size(keys)); /* address (0x94 + 20) + [keys] */
}

static size_t access_list_payload(const lm_l1_tx1559 *tx)
{
    size_t n = 0;
    for (size_t i = 0; i < tx->n_access; i++)
        n = sat_add(n, lm_rlp_list_size(tuple_payload(&tx->access_list[i])));
    return n;
}

/* The payload of the nine unsigned fields (not counting the list header). */
static size_t fields_payload(const lm_l1_tx1559 *tx)
{
    size_t n = lm_rlp_uint64_size(tx->chain_id);
    n = sat_add(n, lm_rlp_uint64_size(tx->nonce));
    n = sat_add(n, lm_rlp_u256_size(&tx->max_priority_fee_per_gas));
    n = sat_add(n, lm_rlp_u256_size(&tx->max_fee_per_gas));
    n = sat_add(n, lm_rlp_uint64_size(tx->gas_limit));
    n = sat_add(n, tx->has_to ? 21 : 1);
    n = sat_add(n, lm_rlp_u256_size(&tx->value));
    n = sat_add(n, lm_rlp_bytes_size(tx->data, tx->data_len));
    n = sat_add(n, lm_rlp_list_size(access_list_payload(tx)));
    return n;
}

static void put_fields(lm_rlp_writer *w, const lm_l1_tx1559 *tx)
{
    lm_rlp_put_uint64(w, tx->chain_id);
    lm_rlp_put_uint64(w, tx->nonce);
    lm_rlp_put_u256(w, &tx->max_priority_fee_per_gas);
    lm_rlp_put_u256(w, &tx->max_fee_per_gas);
    lm_rlp_put_uint64(w, tx->gas_limit);
    /* "destination ... an empty byte string for contract creation" */
    lm_rlp_put_bytes(w, tx->has_to ? tx->to : NULL, tx->has_to ? 20 : 0);
    lm_rlp_put_u256(w, &tx->value);
    lm_rlp_put_bytes(w, tx->data, tx->data_len);
    /* EIP-2930: access_list = [[address, [storage_key, ...]], ...] */
    lm_rlp_put_list(w, access_list_payload(tx));
    for (size_t i = 0; i < tx->n_access; i++) {
        const lm_l1_access_tuple *t = &tx->access_list[i];
        lm_rlp_put_list(w, tuple_payload(t));
        lm_rlp_put_bytes(w, t->address, 20);
        lm_rlp_put_list(w, t->n_storage_keys * 33);
        for (size_t k = 0; k < t->n_storage_keys; k++)
            lm_rlp_put_bytes(w, t->storage_keys[k], 32);
    }
}

static size_t sig_payload(const lm_l1_tx_sig *sig)
{
    lm_u256 r, s;
    lm_u256_from_be32(&r, sig->r);
    lm_u256_from_be32(&s, sig->s);
    return lm_rlp_uint64_size(sig->y_parity) + lm_rlp_u256_size(&r) + lm_rlp_u256_size(&s);
}

static lm_code check_tx(const lm_l1_tx1559 *tx, lm_err *err)
{
    /* EIP-1559: "assert transaction.max_fee_per_gas >= transaction.max_priority_fee_per_gas" */
    if (lm_u256_cmp(&tx->max_priority_fee_per_gas, &tx->max_fee_per_gas) > 0)
        return lm_err_set(err, LM_EINVAL, "tx: max priority fee above max fee");
    if (tx->data_len && !tx->data)
        return lm_err_set(err, LM_EINVAL, "tx: data is NULL");
    if (tx->n_access && !tx->access_list)
        return lm_err_set(err, LM_EINVAL, "tx: access list is NULL");
    return LM_OK;
}

lm_code lm_l1_tx_signing_hash(uint8_t out[32], const lm_l1_tx1559 *tx, lm_err *err)
{
    lm_code rc = check_tx(tx, err);
    if (rc != LM_OK)
        return rc;
    size_t payload = fields_payload(tx);
    size_t total = sat_add(1, lm_rlp_list_size(payload));
    if (total == SIZE_MAX)
        return lm_err_set(err, LM_ETOOLARGE, "tx: too large");
    uint8_t *buf = malloc(total);
    if (!buf)
        return lm_err_set(err, LM_ENOMEM, "tx: out of memory");
    buf[0] = LM_L1_TX_TYPE_1559;
    lm_rlp_writer w;
    lm_rlp_writer_init(&w, buf + 1, total - 1);
    lm_rlp_put_list(&w, payload);
    put_fields(&w, tx);
    size_t len;
    rc = lm_rlp_writer_finish(&w, &len, err);
    if (rc == LM_OK)
        lm_keccak256(out, buf, 1 + len);
    free(buf);
    return rc;
}

size_t lm_l1_tx_encoded_size(const lm_l1_tx1559 *tx, const lm_l1_tx_sig *sig)
{
    return sat_add(1, lm_rlp_list_size(sat_add(fields_payload(tx), sig_payload(sig))));
}

lm_code lm_l1_tx_encode(uint8_t *out, size_t cap, size_t *len, const lm_l1_tx1559 *tx,
                        const lm_l1_tx_sig *sig, lm_err *err)
{
    lm_code rc = check_tx(tx, err);
    if (rc != LM_OK)
        return rc;
    if (sig->y_parity > 1)
        return lm_err_set(err, LM_EINVAL, "tx: y parity must be 0 or 1");
    size_t total = lm_l1_tx_encoded_size(tx, sig);
    if (cap < total || total == SIZE_MAX)
        return lm_err_set(err, LM_ESPACE, "tx: needs %zu bytes, have %zu", total, cap);
    out[0] = LM_L1_TX_TYPE_1559;
    lm_rlp_writer w;
    lm_rlp_writer_init(&w, out + 1, cap - 1);
    lm_rlp_put_list(&w, sat_add(fields_payload(tx), sig_payload(sig)));
    put_fields(&w, tx);
    lm_u256 r, s;
    lm_u256_from_be32(&r, sig->r);
    lm_u256_from_be32(&s, sig->s);
    lm_rlp_put_uint64(&w, sig->y_parity);
    lm_rlp_put_u256(&w, &r);
    lm_rlp_put_u256(&w, &s);
    size_t n;
    rc = lm_rlp_writer_finish(&w, &n, err);
    if (rc != LM_OK)
        return rc;
    *len = 1 + n;
    return LM_OK;
}

lm_code lm_l1_tx_sign(lm_l1_signed_tx *out, const lm_l1_tx1559 *tx, const lm_seckey *key,
                      lm_err *err)
{
    memset(out, 0, sizeof *out);
    uint8_t digest[32];
    lm_code rc = lm_l1_tx_signing_hash(digest, tx, err);
    if (rc != LM_OK)
        return rc;
    lm_sig sig;
    rc = lm_ecdsa_sign(&sig, digest, key, err);
    if (rc != LM_OK)
        return rc;
    lm_l1_tx_sig ts;
    memcpy(ts.r, sig.b, 32);
    memcpy(ts.s, sig.b + 32, 32);
    ts.y_parity = (uint8_t)(sig.b[64] - 27); /* v = 27 + recovery id */
    size_t total = lm_l1_tx_encoded_size(tx, &ts);
    if (total == SIZE_MAX)
        return lm_err_set(err, LM_ETOOLARGE, "tx: too large");
    uint8_t *raw = malloc(total);
    if (!raw)
        return lm_err_set(err, LM_ENOMEM, "tx: out of memory");
    size_t len;
    rc = lm_l1_tx_encode(raw, total, &len, tx, &ts, err);
    if (rc != LM_OK) {
        free(raw);
        return rc;
    }
    out->raw = raw;
    out->raw_len = len;
    out->sig = ts;
    lm_keccak256(out->hash, raw, len);
    return LM_OK;
}

void lm_l1_signed_tx_free(lm_l1_signed_tx *s)
{
    free(s->raw);
    memset(s, 0, sizeof *s);
}
