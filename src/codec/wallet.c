/* Wallet logic without I/O: see include/lamina/wallet.h. */
#include "lamina/wallet.h"

#include <string.h>

#include "lamina/bytes.h"
#include "lamina/eip712.h"
#include "lamina/l2tx.h"

/* ---- amounts -------------------------------------------------------------- */

void lm_asset_fmt_eth(lm_asset_fmt *f)
{
    f->decimals = 18;
    f->unit = lm_u256_from_u64(1000000000u); /* docs/contracts.md: "ETH is asset 0 with unit 1 gwei" */
}

static bool pow10_u256(lm_u256 *out, unsigned e)
{
    lm_u256 v = LM_U256_ONE, ten = lm_u256_from_u64(10);
    for (unsigned i = 0; i < e; i++)
        if (!lm_u256_mul(&v, &v, &ten))
            return false;
    *out = v;
    return true;
}

lm_code lm_amount_parse_base(lm_u256 *base, const char *text, size_t len, unsigned decimals,
                             lm_err *err)
{
    if (decimals > 77)
        return lm_err_set(err, LM_EINVAL, "amount: more than 77 decimals");
    if (len == 0)
        return lm_err_set(err, LM_EINVAL, "amount: empty");
    if (len > LM_AMOUNT_TEXT_MAX)
        return lm_err_set(err, LM_EINVAL, "amount: longer than %d characters", LM_AMOUNT_TEXT_MAX);
    size_t dot = len, digits = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '.') {
            if (dot != len)
                return lm_err_set(err, LM_EINVAL, "amount: more than one '.'");
            dot = i;
        } else if (c >= '0' && c <= '9') {
            digits++;
        } else {
            return lm_err_set(err, LM_EINVAL, "amount: bad character at offset %zu "
                              "(write a decimal number such as 1.5)", i);
        }
    }
    if (digits == 0)
        return lm_err_set(err, LM_EINVAL, "amount: no digits");
    /* Fraction digits past `decimals` must all be zero: anything else is
     * less than one base unit and would be lost. */
    size_t frac_len = dot == len ? 0 : len - dot - 1;
    for (size_t i = decimals; i < frac_len; i++)
        if (text[dot + 1 + i] != '0')
            return lm_err_set(err, LM_EINVAL,
                              "amount: more than %u decimal places: precision would be lost",
                              decimals);
    /* base = the integer digits, then the fraction digits padded to `decimals` */
    lm_u256 v = LM_U256_ZERO, ten = lm_u256_from_u64(10);
    size_t used_frac = frac_len < decimals ? frac_len : decimals;
    size_t end = dot == len ? len : dot + 1 + used_frac;
    for (size_t i = 0; i < end; i++) {
        char c = text[i];
        if (c == '.')
            continue;
        lm_u256 d = lm_u256_from_u64((uint64_t)(c - '0'));
        if (!lm_u256_mul(&v, &v, &ten) || !lm_u256_add(&v, &v, &d))
            return lm_err_set(err, LM_EOVERFLOW, "amount: too large");
    }
    lm_u256 scale;
    if (!pow10_u256(&scale, decimals - (unsigned)used_frac) || !lm_u256_mul(&v, &v, &scale))
        return lm_err_set(err, LM_EOVERFLOW, "amount: too large");
    *base = v;
    return LM_OK;
}

lm_code lm_amount_parse(uint64_t *units, lm_u256 *base, const char *text, size_t len,
                        const lm_asset_fmt *f, lm_err *err)
{
    if (lm_u256_is_zero(&f->unit))
        return lm_err_set(err, LM_EINVAL, "amount: bad asset format");
    lm_u256 v;
    lm_code rc = lm_amount_parse_base(&v, text, len, f->decimals, err);
    if (rc != LM_OK)
        return rc;
    lm_u256 q, r;
    if (!lm_u256_divmod(&q, &r, &v, &f->unit))
        return lm_err_set(err, LM_EINVAL, "amount: bad asset format");
    if (!lm_u256_is_zero(&r)) {
        char unit_text[LM_U256_DEC_BUF];
        lm_u256_to_dec(unit_text, &f->unit);
        return lm_err_set(err, LM_EINVAL,
                          "amount: not a whole number of L2 units (one unit is %s base units): "
                          "precision would be lost", unit_text);
    }
    uint64_t u;
    if (!lm_u256_to_u64(&u, &q))
        return lm_err_set(err, LM_EOVERFLOW, "amount: more than 2^64 - 1 L2 units");
    *units = u;
    if (base)
        *base = v;
    return LM_OK;
}

lm_code lm_amount_format_base(char *out, size_t cap, const lm_u256 *base, unsigned decimals,
                              lm_err *err)
{
    char digits[LM_U256_DEC_BUF];
    size_t n = lm_u256_to_dec(digits, base);
    /* integer part: the digits before the last `decimals` ones */
    char buf[LM_U256_DEC_BUF + 80];
    size_t o = 0;
    if (n <= decimals) {
        buf[o++] = '0';
    } else {
        memcpy(buf, digits, n - decimals);
        o = n - decimals;
    }
    size_t frac_start = o;
    if (decimals > 0) {
        buf[o++] = '.';
        for (size_t i = n; i < decimals; i++)
            buf[o++] = '0';
        size_t from = n > decimals ? n - decimals : 0;
        memcpy(buf + o, digits + from, n - from);
        o += n - from;
        while (o > frac_start + 1 && buf[o - 1] == '0')
            o--;
        if (o == frac_start + 1) /* nothing after the point */
            o = frac_start;
    }
    if (o + 1 > cap)
        return lm_err_set(err, LM_ESPACE, "amount: output buffer too small");
    memcpy(out, buf, o);
    out[o] = '\0';
    return LM_OK;
}

lm_code lm_amount_format(char *out, size_t cap, uint64_t units, const lm_asset_fmt *f, lm_err *err)
{
    lm_u256 v = lm_u256_from_u64(units);
    if (f->decimals > 77 || !lm_u256_mul(&v, &v, &f->unit))
        return lm_err_set(err, LM_EOVERFLOW, "amount: out of range");
    return lm_amount_format_base(out, cap, &v, f->decimals, err);
}

/* ---- nonces --------------------------------------------------------------- */

lm_code lm_nonce_pick(uint64_t *nonce, uint64_t base, uint64_t bits, lm_err *err)
{
    /* l2.h: "nonce n is usable when nonce_base <= n < nonce_base + 64 and bit
     * (n - nonce_base) of nonce_bits is clear" */
    if (bits == UINT64_MAX)
        return lm_err_set(err, LM_ETOOLARGE,
                          "all %d nonces of the window are in use: wait for a block",
                          LM_NONCE_WINDOW);
    uint64_t i = 0;
    while (bits & ((uint64_t)1 << i))
        i++;
    if (base > UINT64_MAX - i)
        return lm_err_set(err, LM_EOVERFLOW, "nonce overflows 64 bits");
    *nonce = base + i;
    return LM_OK;
}

/* ---- transactions --------------------------------------------------------- */

lm_code lm_tx_sign(lm_tx *tx, const lm_seckey *key, const uint8_t rollup[20], lm_err *err)
{
    lm_address a;
    lm_code rc = lm_address_from_seckey(&a, key, err);
    if (rc != LM_OK)
        return rc;
    static const uint8_t zero[20];
    if (memcmp(tx->from, zero, 20) == 0)
        memcpy(tx->from, a.b, 20);
    else if (memcmp(tx->from, a.b, 20) != 0)
        return lm_err_set(err, LM_EINVAL, "the transaction's from is not the signing key's address");
    uint8_t domain[32], digest[32];
    lm_eip712_lamina_domain_separator(domain, tx->chain_id, rollup);
    lm_tx_signing_digest(digest, tx, domain);
    lm_sig sig;
    rc = lm_ecdsa_sign(&sig, digest, key, err);
    if (rc != LM_OK)
        return rc;
    memcpy(tx->sig, sig.b, 65);
    return LM_OK;
}

/* ---- the node's answers --------------------------------------------------- */

lm_code lm_json_u64(uint64_t *out, const json_t *v, const char *what, lm_err *err)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return lm_err_set(err, LM_EPROTO, "%s: negative", what);
        *out = (uint64_t)i;
        return LM_OK;
    }
    if (json_is_string(v)) {
        lm_u256 x;
        uint64_t u;
        if (lm_u256_from_dec(&x, json_string_value(v), json_string_length(v), NULL) != LM_OK ||
            !lm_u256_to_u64(&u, &x))
            return lm_err_set(err, LM_EPROTO, "%s: not a 64-bit decimal quantity", what);
        *out = u;
        return LM_OK;
    }
    return lm_err_set(err, LM_EPROTO, "%s: not a number or a decimal string", what);
}

static lm_code json_hex(uint8_t *out, size_t n, const json_t *v, const char *what, lm_err *err)
{
    if (!json_is_string(v) || lm_hex_decode_exact(out, n, json_string_value(v), json_string_length(v),
                                                  LM_HEX_PREFIX_REQUIRED, NULL) != LM_OK)
        return lm_err_set(err, LM_EPROTO, "%s: not %zu bytes of 0x-hex", what, n);
    return LM_OK;
}

static lm_code json_addr(uint8_t out[20], const json_t *v, const char *what, lm_err *err)
{
    lm_address a;
    if (!json_is_string(v) ||
        lm_address_parse(&a, json_string_value(v), json_string_length(v), NULL) != LM_OK)
        return lm_err_set(err, LM_EPROTO, "%s: not an address", what);
    memcpy(out, a.b, 20);
    return LM_OK;
}

lm_code lm_wallet_parse_account(lm_account *acc, uint64_t *index, bool *exists,
                                const json_t *result, lm_err *err)
{
    if (json_is_null(result)) {
        uint8_t addr[20];
        memcpy(addr, acc->address, 20);
        memset(acc, 0, sizeof *acc);
        memcpy(acc->address, addr, 20);
        *index = 0;
        *exists = false;
        return LM_OK;
    }
    if (!json_is_object(result))
        return lm_err_set(err, LM_EPROTO, "account: not an object");
    lm_account a;
    memset(&a, 0, sizeof a);
    uint64_t idx;
    lm_code rc;
    if ((rc = json_addr(a.address, json_object_get(result, "address"), "account.address", err)) ||
        (rc = lm_json_u64(&idx, json_object_get(result, "index"), "account.index", err)) ||
        (rc = lm_json_u64(&a.nonce_base, json_object_get(result, "nonceBase"), "account.nonceBase",
                          err)) ||
        (rc = lm_json_u64(&a.nonce_bits, json_object_get(result, "nonceBits"), "account.nonceBits",
                          err)))
        return rc;
    const json_t *bal = json_object_get(result, "balances");
    if (!json_is_object(bal))
        return lm_err_set(err, LM_EPROTO, "account.balances: not an object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)bal, k, v) {
        uint64_t asset;
        lm_u256 x;
        if (lm_u256_from_dec(&x, k, strlen(k), NULL) != LM_OK || !lm_u256_to_u64(&asset, &x) ||
            asset >= LM_MAX_ASSETS)
            return lm_err_set(err, LM_EPROTO, "account.balances: bad asset id \"%.20s\"", k);
        if ((rc = lm_json_u64(&a.balance[asset], v, "account.balances[asset]", err)) != LM_OK)
            return rc;
    }
    *acc = a;
    *index = idx;
    *exists = true;
    return LM_OK;
}

lm_code lm_wallet_parse_withdrawal_proof(lm_withdrawal_claim *p, bool *posted,
                                         const json_t *result, lm_err *err)
{
    if (json_is_null(result)) {
        *posted = false;
        return LM_OK;
    }
    if (!json_is_object(result))
        return lm_err_set(err, LM_EPROTO, "withdrawal proof: not an object");
    lm_withdrawal_claim c;
    memset(&c, 0, sizeof c);
    const json_t *w = json_object_get(result, "withdrawal"), *o = json_object_get(result, "output"),
                 *proof = json_object_get(result, "proof");
    if (!json_is_object(w) || !json_is_object(o) || !json_is_array(proof))
        return lm_err_set(err, LM_EPROTO, "withdrawal proof: withdrawal, output or proof missing");
    uint64_t asset, version;
    lm_code rc;
    if ((rc = lm_json_u64(&c.withdrawal.id, json_object_get(w, "id"), "withdrawal.id", err)) ||
        (rc = json_addr(c.withdrawal.l2_sender, json_object_get(w, "l2Sender"), "withdrawal.l2Sender",
                        err)) ||
        (rc = json_addr(c.withdrawal.l1_recipient, json_object_get(w, "l1Recipient"),
                        "withdrawal.l1Recipient", err)) ||
        (rc = lm_json_u64(&asset, json_object_get(w, "assetId"), "withdrawal.assetId", err)) ||
        (rc = lm_json_u64(&c.withdrawal.amount, json_object_get(w, "amount"), "withdrawal.amount",
                          err)) ||
        (rc = lm_json_u64(&c.batch_index, json_object_get(result, "batchIndex"), "batchIndex", err)) ||
        (rc = lm_json_u64(&c.leaf_index, json_object_get(result, "leafIndex"), "leafIndex", err)) ||
        (rc = lm_json_u64(&version, json_object_get(o, "version"), "output.version", err)) ||
        (rc = json_hex(c.output.state_root, 32, json_object_get(o, "stateRoot"), "output.stateRoot",
                       err)) ||
        (rc = json_hex(c.output.withdrawals_root, 32, json_object_get(o, "withdrawalsRoot"),
                       "output.withdrawalsRoot", err)) ||
        (rc = json_hex(c.output.last_block_hash, 32, json_object_get(o, "lastBlockHash"),
                       "output.lastBlockHash", err)))
        return rc;
    if (asset > UINT32_MAX || version > 255)
        return lm_err_set(err, LM_EPROTO, "withdrawal proof: assetId or version out of range");
    c.withdrawal.asset_id = (uint32_t)asset;
    c.output.version = (uint8_t)version;
    size_t n = json_array_size(proof);
    if (n > LM_WTREE_MAX_DEPTH)
        return lm_err_set(err, LM_EPROTO, "withdrawal proof: more than %d hashes", LM_WTREE_MAX_DEPTH);
    for (size_t i = 0; i < n; i++)
        if ((rc = json_hex(c.proof[i], 32, json_array_get(proof, i), "proof[i]", err)) != LM_OK)
            return rc;
    c.depth = n;
    /* The proof must lead from the leaf to the root the output commits to. */
    uint8_t leaf[32];
    lm_withdrawal_leaf(leaf, &c.withdrawal);
    if (!lm_withdrawal_verify(c.output.withdrawals_root, leaf, c.leaf_index,
                              (const uint8_t(*)[32])c.proof, c.depth))
        return lm_err_set(err, LM_EPROTO,
                          "withdrawal proof: the proof does not lead to the output's withdrawals root");
    *p = c;
    *posted = true;
    return LM_OK;
}
